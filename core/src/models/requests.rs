//! Request bodies (and the two settings models that are also responses).
//!
//! Each body checks itself before a request is built ([`Validate`]); the limits come from
//! the official model definitions.

use serde::{Deserialize, Serialize};

use super::NotifyWhen;
use crate::Error;

/// The most pinned messages a room or 1on1 holds.
pub const MAX_PINNED_MESSAGES: usize = 5;
/// The most users a room can be created with.
pub const MAX_ROOM_USER_IDS: usize = 25;
/// The allowed range of `messageRetentionPeriodDays`.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 10..=3650;

/// A request body that can reject itself before any request is built.
pub trait Validate {
    /// Checks the invariants the service documents; the error names the field.
    fn validate(&self) -> Result<(), Error>;
}

fn check_ids(field: &'static str, ids: &[String], max: Option<usize>) -> Result<(), Error> {
    if let Some(max) = max {
        if ids.len() > max {
            return Err(Error::invalid(
                field,
                format!("holds {} ids; at most {max} are allowed", ids.len()),
            ));
        }
    }
    if ids.iter().any(|id| id.is_empty()) {
        return Err(Error::invalid(field, "contains an empty id"));
    }
    Ok(())
}

/// `SendMessageBody`: a message to post or the new text of an edited message.
///
/// ```
/// use genesys_chat::models::SendMessageBody;
/// let body = SendMessageBody::new("hello").thread_id("msg-1").mention("user-2");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"message":"hello","mentions":["user-2"],"threadId":"msg-1"}"#
/// );
/// ```
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageBody {
    /// The message text (Markdown).
    pub message: String,
    /// User ids to notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<String>>,
    /// The id of the message that starts the thread this message replies in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
}

impl SendMessageBody {
    /// A message with this text.
    pub fn new(message: impl Into<String>) -> Self {
        SendMessageBody {
            message: message.into(),
            ..Self::default()
        }
    }

    /// Replies in the thread started by this message id.
    pub fn thread_id(mut self, thread_id: impl Into<String>) -> Self {
        self.thread_id = Some(thread_id.into());
        self
    }

    /// Adds a user id to notify.
    pub fn mention(mut self, user_id: impl Into<String>) -> Self {
        self.mentions
            .get_or_insert_with(Vec::new)
            .push(user_id.into());
        self
    }
}

impl std::fmt::Debug for SendMessageBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Chat text is personal data: show its size, never its content.
        f.debug_struct("SendMessageBody")
            .field("message", &format_args!("[{} bytes]", self.message.len()))
            .field("mentions", &self.mentions)
            .field("thread_id", &self.thread_id)
            .finish()
    }
}

impl Validate for SendMessageBody {
    fn validate(&self) -> Result<(), Error> {
        if let Some(mentions) = &self.mentions {
            check_ids("mentions", mentions, None)?;
        }
        if self.thread_id.as_deref() == Some("") {
            return Err(Error::invalid(
                "threadId",
                "is empty; leave it unset to post outside a thread",
            ));
        }
        Ok(())
    }
}

/// `CreateRoomRequest`: the room to create.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRoomRequest {
    /// The room's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The room's subject (its title).
    pub subject: String,
    /// Users to add to the room, at most 25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
}

impl CreateRoomRequest {
    /// A room with this subject.
    pub fn new(subject: impl Into<String>) -> Self {
        CreateRoomRequest {
            subject: subject.into(),
            ..Self::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the users to add (at most 25).
    pub fn user_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.user_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }
}

impl Validate for CreateRoomRequest {
    fn validate(&self) -> Result<(), Error> {
        match &self.user_ids {
            Some(ids) => check_ids("userIds", ids, Some(MAX_ROOM_USER_IDS)),
            None => Ok(()),
        }
    }
}

/// `RoomUpdateRequest`: the room properties to change; unset ones stay as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomUpdateRequest {
    /// The new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The new subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The pinned messages, at most 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_message_ids: Option<Vec<String>>,
    /// The owners' user ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_ids: Option<Vec<String>>,
}

impl RoomUpdateRequest {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the pinned message ids (at most 5).
    pub fn pinned_message_ids<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        ids: I,
    ) -> Self {
        self.pinned_message_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the owners' user ids.
    pub fn owner_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.owner_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }
}

impl Validate for RoomUpdateRequest {
    fn validate(&self) -> Result<(), Error> {
        if let Some(ids) = &self.pinned_message_ids {
            check_ids("pinnedMessageIds", ids, Some(MAX_PINNED_MESSAGES))?;
        }
        if let Some(ids) = &self.owner_ids {
            check_ids("ownerIds", ids, None)?;
        }
        Ok(())
    }
}

/// `PinnedMessageRequest`: messages to pin, at most 5.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PinnedMessageRequest {
    /// The message ids to pin.
    pub pinned_message_ids: Vec<String>,
}

impl PinnedMessageRequest {
    /// Pins these message ids (at most 5).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        PinnedMessageRequest {
            pinned_message_ids: ids.into_iter().map(Into::into).collect(),
        }
    }
}

impl Validate for PinnedMessageRequest {
    fn validate(&self) -> Result<(), Error> {
        if self.pinned_message_ids.is_empty() {
            return Err(Error::invalid(
                "pinnedMessageIds",
                "is empty; name at least one message to pin",
            ));
        }
        check_ids(
            "pinnedMessageIds",
            &self.pinned_message_ids,
            Some(MAX_PINNED_MESSAGES),
        )
    }
}

/// `ChatReactionUpdate`: the caller's whole set of reactions to a message.
///
/// The set replaces the caller's previous reactions; an empty set removes them all.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatReactionUpdate {
    /// The reactions (emoji).
    pub reactions: Vec<String>,
}

impl ChatReactionUpdate {
    /// The caller's reactions become exactly these.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(reactions: I) -> Self {
        ChatReactionUpdate {
            reactions: reactions.into_iter().map(Into::into).collect(),
        }
    }
}

impl Validate for ChatReactionUpdate {
    fn validate(&self) -> Result<(), Error> {
        if self.reactions.iter().any(String::is_empty) {
            return Err(Error::invalid("reactions", "contains an empty reaction"));
        }
        Ok(())
    }
}

/// `ChatSettings`: the organisation's chat settings (a request and a response).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSettings {
    /// How long messages are kept, 10 to 3650 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_retention_period_days: Option<u32>,
    /// Whether reactions to messages are enabled in the organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions_enabled: Option<bool>,
}

impl ChatSettings {
    /// Settings with this retention period (10 to 3650 days).
    pub fn with_retention_days(days: u32) -> Self {
        ChatSettings {
            message_retention_period_days: Some(days),
            reactions_enabled: None,
        }
    }

    /// These settings with reactions enabled or disabled (`reactionsEnabled`).
    pub fn reactions_enabled(mut self, enabled: bool) -> Self {
        self.reactions_enabled = Some(enabled);
        self
    }
}

impl Validate for ChatSettings {
    fn validate(&self) -> Result<(), Error> {
        match self.message_retention_period_days {
            Some(days) if !RETENTION_DAYS.contains(&days) => Err(Error::invalid(
                "messageRetentionPeriodDays",
                format!(
                    "is {days}; it must be between {} and {} days",
                    RETENTION_DAYS.start(),
                    RETENTION_DAYS.end()
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// `ChatUserSettings`: a user's chat settings (a request and a response).
///
/// The schema marks `mobile`, `notifications` and `when` required; the service may omit
/// or null any of them, so each is an `Option` and [`ChatUserSettings::notify_when`]
/// reads through them.
///
/// ```
/// use genesys_chat::models::{ChatUserSettings, NotifyWhen};
///
/// let settings: ChatUserSettings = serde_json::from_str(r#"{"mobile":{"notifications":null}}"#)?;
/// assert_eq!(settings.notify_when(), None);
/// assert_eq!(ChatUserSettings::notify(NotifyWhen::Always).notify_when(), Some(&NotifyWhen::Always));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatUserSettings {
    /// Mobile settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<MobileSettings>,
}

impl ChatUserSettings {
    /// Settings that notify on mobile `when` given.
    pub fn notify(when: NotifyWhen) -> Self {
        ChatUserSettings {
            mobile: Some(MobileSettings {
                notifications: Some(MobileNotificationSettings { when: Some(when) }),
            }),
        }
    }

    /// When mobile notifications are sent, when the settings say.
    pub fn notify_when(&self) -> Option<&NotifyWhen> {
        self.mobile
            .as_ref()
            .and_then(|m| m.notifications.as_ref())
            .and_then(|n| n.when.as_ref())
    }
}

impl Validate for ChatUserSettings {
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// `MobileSettings`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileSettings {
    /// Notification settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<MobileNotificationSettings>,
}

/// `MobileNotificationSettings`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileNotificationSettings {
    /// When to notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<NotifyWhen>,
}
