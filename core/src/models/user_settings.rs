//! The caller's own chat settings (`/api/v2/chats/users/me/settings`): the model the
//! current API reads and patches ([`UserSettingsForChat`]) and the body that creates them
//! ([`UserChatSettingsPost`]).

use serde::{Deserialize, Serialize};

use super::{MobileSettings, NotifyWhen, Validate};
use crate::Error;

/// `UserSettingsForChat`: the caller's chat settings, as `getChatsUsersMeSettings`
/// answers them and `patchChatsUsersMeSettings` takes and answers them.
///
/// The schema marks `mobile` required; the service may omit it, so every field is an
/// `Option`. In a patch, a field left `None` is not sent and stays as it is.
///
/// ```
/// use genesys_chat::models::UserSettingsForChat;
///
/// let patch = UserSettingsForChat::default().muted(true).mentions_only(false);
/// assert_eq!(serde_json::to_string(&patch)?, r#"{"muted":true,"mentionsOnly":false}"#);
/// let read: UserSettingsForChat = serde_json::from_str(r#"{"notifyOnReactions":true}"#)?;
/// assert_eq!(read.notify_on_reactions, Some(true));
/// assert_eq!(read.mobile, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSettingsForChat {
    /// Whether the chats are muted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    /// Whether only mentions notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions_only: Option<bool>,
    /// Whether reactions to the caller's messages notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_on_reactions: Option<bool>,
    /// Mobile settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<MobileSettings>,
}

impl UserSettingsForChat {
    /// These settings with `muted` set.
    pub fn muted(mut self, muted: bool) -> Self {
        self.muted = Some(muted);
        self
    }

    /// These settings with `mentionsOnly` set.
    pub fn mentions_only(mut self, mentions_only: bool) -> Self {
        self.mentions_only = Some(mentions_only);
        self
    }

    /// These settings with `notifyOnReactions` set.
    pub fn notify_on_reactions(mut self, notify: bool) -> Self {
        self.notify_on_reactions = Some(notify);
        self
    }

    /// These settings notifying on mobile `when` given.
    pub fn notify(mut self, when: NotifyWhen) -> Self {
        self.mobile = Some(MobileSettings {
            notifications: Some(super::MobileNotificationSettings { when: Some(when) }),
        });
        self
    }

    /// When mobile notifications are sent, when the settings say.
    pub fn notify_when(&self) -> Option<&NotifyWhen> {
        self.mobile
            .as_ref()
            .and_then(|m| m.notifications.as_ref())
            .and_then(|n| n.when.as_ref())
    }
}

impl Validate for UserSettingsForChat {
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// `UserChatSettingsPost`: creates the caller's chat settings
/// (`postChatsUsersMeSettings`). `muted` is required; the other two are sent only when
/// set.
///
/// ```
/// use genesys_chat::models::UserChatSettingsPost;
///
/// let body = UserChatSettingsPost::new(true).notify_on_reactions(false);
/// assert_eq!(serde_json::to_string(&body)?, r#"{"muted":true,"notifyOnReactions":false}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserChatSettingsPost {
    /// Whether the chats are muted (required).
    pub muted: bool,
    /// Whether only mentions notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions_only: Option<bool>,
    /// Whether reactions to the caller's messages notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_on_reactions: Option<bool>,
}

impl UserChatSettingsPost {
    /// Settings with `muted` as given and the rest left to the service.
    pub fn new(muted: bool) -> Self {
        UserChatSettingsPost {
            muted,
            ..Self::default()
        }
    }

    /// These settings with `mentionsOnly` set.
    pub fn mentions_only(mut self, mentions_only: bool) -> Self {
        self.mentions_only = Some(mentions_only);
        self
    }

    /// These settings with `notifyOnReactions` set.
    pub fn notify_on_reactions(mut self, notify: bool) -> Self {
        self.notify_on_reactions = Some(notify);
        self
    }
}

impl Validate for UserChatSettingsPost {
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
}
