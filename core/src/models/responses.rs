//! Response models.
//!
//! The service omits or nulls fields its schema marks required, so every field of a
//! response is optional here: a missing or `null` field parses as `None` (the official
//! SDKs read them the same way). Accessors cover the common reads, e.g.
//! [`ChatMessageResponse::id`] and [`ChatMessageResponse::body`]. A field of the wrong
//! type is not coerced: it fails the item that holds it, and an item of a list that fails
//! is left out and recorded in the `malformed` field of the model that holds the list
//! (see [`MalformedItem`]); `malformed` is never serialised.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::RoomType;
use super::lenient::{Lenient, MalformedItem, from_object, split_opt};
use crate::Timestamp;

/// `Entity`: a reference by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// The id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `AddressableEntityRef`: a reference by id and URI.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressableEntityRef {
    /// The id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The URI of the entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// `UserReference`: a user by id and URI.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserReference {
    /// The user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The URI of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// `ChatReaction`: one emoji and the users who reacted with it.
///
/// The schema marks both fields required; the service may omit either.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatReaction {
    /// The emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Who reacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<AddressableEntityRef>>,
    /// Items of `users` that could not be read and were left out (never serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

impl ChatReaction {
    /// The emoji, when the service sent one.
    pub fn emoji(&self) -> Option<&str> {
        self.emoji.as_deref()
    }

    /// Who reacted, or an empty slice when the service sent no list.
    pub fn users(&self) -> &[AddressableEntityRef] {
        self.users.as_deref().unwrap_or(&[])
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireReaction {
    #[serde(default)]
    emoji: Option<String>,
    #[serde(default)]
    users: Option<Lenient<AddressableEntityRef>>,
}

impl<'de> Deserialize<'de> for ChatReaction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireReaction, Self>(deserializer, "a ChatReaction object")
    }
}

impl From<WireReaction> for ChatReaction {
    fn from(wire: WireReaction) -> Self {
        let mut malformed = Vec::new();
        let users = split_opt(wire.users, "users", &mut malformed);
        ChatReaction {
            emoji: wire.emoji,
            users,
            malformed,
        }
    }
}

/// `ChatMessageResponse`: a message in a room or a 1on1.
///
/// The schema marks `id`, `dateCreated`, `toJid`, `jid`, `body` and `thread` required;
/// the service may omit any of them, so each is an `Option`, with an accessor for the
/// common reads.
///
/// A message without an `id` cannot be recognised again: the history pager
/// ([`crate::paging`]) yields it as it comes and cannot tell whether a repeated page
/// holds it again. A message without a `dateCreated` is yielded too, but the pager cannot
/// page back from it: it takes the oldest `dateCreated` among the messages of the page
/// that have one, and a full page where no message has one ends the history with
/// [`crate::Error::HistoryStuck`] rather than silently.
///
/// ```
/// use genesys_chat::models::ChatMessageResponse;
///
/// let message: ChatMessageResponse = serde_json::from_str(r#"{"body":"hi","thread":null}"#)?;
/// assert_eq!(message.id(), None);
/// assert_eq!(message.body(), "hi");
/// assert_eq!(message.thread_id(), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageResponse {
    /// The message id (see [`ChatMessageResponse::id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When it was posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<Timestamp>,
    /// When it was last edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
    /// The JID of the room or user it was sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_jid: Option<String>,
    /// The JID of its sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jid: Option<String>,
    /// The text (personal data: never printed by `Debug`); see [`ChatMessageResponse::body`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Mentioned users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<BTreeMap<String, String>>,
    /// Whether it was edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<bool>,
    /// Whether its attachment was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_deleted: Option<bool>,
    /// The URI of its attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_uri: Option<String>,
    /// The thread the message belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<Entity>,
    /// The thread this thread was started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_thread: Option<Entity>,
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<AddressableEntityRef>,
    /// The recipient of a 1on1 message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_user: Option<AddressableEntityRef>,
    /// Reactions to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<ChatReaction>>,
    /// Items of `reactions` that could not be read and were left out (never serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

impl ChatMessageResponse {
    /// The message id, when the service sent one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// When it was posted, when the service said.
    pub fn date_created(&self) -> Option<&Timestamp> {
        self.date_created.as_ref()
    }

    /// The JID of the room or user it was sent to, when the service sent it.
    pub fn to_jid(&self) -> Option<&str> {
        self.to_jid.as_deref()
    }

    /// The JID of its sender, when the service sent it.
    pub fn jid(&self) -> Option<&str> {
        self.jid.as_deref()
    }

    /// The text, or `""` when the service sent none.
    pub fn body(&self) -> &str {
        self.body.as_deref().unwrap_or("")
    }

    /// The id of the thread it belongs to, when the service sent one.
    pub fn thread_id(&self) -> Option<&str> {
        self.thread.as_ref().and_then(|t| t.id.as_deref())
    }

    /// Whether it was edited (`false` when the service did not say).
    pub fn is_edited(&self) -> bool {
        self.edited.unwrap_or(false)
    }

    /// Its reactions, or an empty slice when the service sent none.
    pub fn reactions(&self) -> &[ChatReaction] {
        self.reactions.as_deref().unwrap_or(&[])
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMessage {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    date_created: Option<Timestamp>,
    #[serde(default)]
    date_modified: Option<Timestamp>,
    #[serde(default)]
    to_jid: Option<String>,
    #[serde(default)]
    jid: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    mentions: Option<BTreeMap<String, String>>,
    #[serde(default)]
    edited: Option<bool>,
    #[serde(default)]
    attachment_deleted: Option<bool>,
    #[serde(default)]
    file_uri: Option<String>,
    #[serde(default)]
    thread: Option<Entity>,
    #[serde(default)]
    parent_thread: Option<Entity>,
    #[serde(default)]
    user: Option<AddressableEntityRef>,
    #[serde(default)]
    to_user: Option<AddressableEntityRef>,
    #[serde(default)]
    reactions: Option<Lenient<ChatReaction>>,
}

impl<'de> Deserialize<'de> for ChatMessageResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireMessage, Self>(deserializer, "a ChatMessageResponse object")
    }
}

impl From<WireMessage> for ChatMessageResponse {
    fn from(wire: WireMessage) -> Self {
        let mut malformed = Vec::new();
        let reactions = split_opt(wire.reactions, "reactions", &mut malformed);
        ChatMessageResponse {
            id: wire.id,
            date_created: wire.date_created,
            date_modified: wire.date_modified,
            to_jid: wire.to_jid,
            jid: wire.jid,
            body: wire.body,
            mentions: wire.mentions,
            edited: wire.edited,
            attachment_deleted: wire.attachment_deleted,
            file_uri: wire.file_uri,
            thread: wire.thread,
            parent_thread: wire.parent_thread,
            user: wire.user,
            to_user: wire.to_user,
            reactions,
            malformed,
        }
    }
}

impl Default for Timestamp {
    fn default() -> Self {
        Timestamp::from_unix_millis(0)
    }
}

impl std::fmt::Debug for ChatMessageResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatMessageResponse")
            .field("id", &self.id)
            .field("date_created", &self.date_created)
            .field("date_modified", &self.date_modified)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|body| format!("[{} bytes]", body.len())),
            )
            .field("edited", &self.edited)
            .field("thread", &self.thread)
            .field("parent_thread", &self.parent_thread)
            .field("reactions", &self.reactions)
            .field("malformed", &self.malformed)
            .finish_non_exhaustive()
    }
}

/// `ChatMessageEntityListing`: a page of messages, newest first.
///
/// A message that cannot be read (a field of the wrong type, a `null` item) does not lose
/// the page: the others are in `entities`, and it is in `malformed`, by its position in
/// the page as sent. The history iterators of the clients yield it as
/// [`crate::Error::MalformedItem`] between the messages around it, and go on.
///
/// ```
/// use genesys_chat::models::ChatMessageEntityListing;
///
/// let page: ChatMessageEntityListing =
///     serde_json::from_str(r#"{"entities":[{"id":"m2"},{"id":7},{"id":"m1"}]}"#)?;
/// assert_eq!(page.messages().len(), 2);
/// assert_eq!(page.malformed[0].index, 1);
/// assert_eq!(page.page_len(), 3);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageEntityListing {
    /// The messages that could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<ChatMessageResponse>>,
    /// Items of `entities` that could not be read and were left out (never serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

impl ChatMessageEntityListing {
    /// A page of these messages.
    pub fn of(messages: Vec<ChatMessageResponse>) -> Self {
        ChatMessageEntityListing {
            entities: Some(messages),
            malformed: Vec::new(),
        }
    }

    /// The messages, or an empty slice when the service sent none.
    pub fn messages(&self) -> &[ChatMessageResponse] {
        self.entities.as_deref().unwrap_or(&[])
    }

    /// How many items the service sent in this page: the messages that could be read and
    /// the malformed ones. This is what a `limit` is compared with.
    pub fn page_len(&self) -> usize {
        self.messages().len().saturating_add(self.malformed.len())
    }
}

#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a ChatMessageEntityListing object"
)]
struct WireListing {
    #[serde(default)]
    entities: Option<Lenient<ChatMessageResponse>>,
}

impl<'de> Deserialize<'de> for ChatMessageEntityListing {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireListing, Self>(deserializer, "a ChatMessageEntityListing object")
    }
}

impl From<WireListing> for ChatMessageEntityListing {
    fn from(wire: WireListing) -> Self {
        let mut malformed = Vec::new();
        let entities = split_opt(wire.entities, "entities", &mut malformed);
        ChatMessageEntityListing {
            entities,
            malformed,
        }
    }
}

/// `ChatSendMessageResponse`: the id of a posted or edited message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSendMessageResponse {
    /// The message id (the schema marks it required; the service may omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl ChatSendMessageResponse {
    /// The message id, when the service sent one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// `CreateRoomResponse`: the JID of a new room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRoomResponse {
    /// The room's JID (the schema marks it required; the service may omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jid: Option<String>,
}

impl CreateRoomResponse {
    /// The room's JID, when the service sent one.
    pub fn jid(&self) -> Option<&str> {
        self.jid.as_deref()
    }
}

/// `Room`: a chat room.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// The room id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The room name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<Timestamp>,
    /// Its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_type: Option<RoomType>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The most participants it may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_limit: Option<i64>,
    /// Its owners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<UserReference>>,
    /// Its pinned messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_messages: Option<Vec<AddressableEntityRef>>,
    /// Its JID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jid: Option<String>,
    /// Its URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Items of `owners` and `pinnedMessages` that could not be read and were left out
    /// (never serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRoom {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    date_created: Option<Timestamp>,
    #[serde(default)]
    room_type: Option<RoomType>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    participant_limit: Option<i64>,
    #[serde(default)]
    owners: Option<Lenient<UserReference>>,
    #[serde(default)]
    pinned_messages: Option<Lenient<AddressableEntityRef>>,
    #[serde(default)]
    jid: Option<String>,
    #[serde(default)]
    self_uri: Option<String>,
}

impl<'de> Deserialize<'de> for Room {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireRoom, Self>(deserializer, "a Room object")
    }
}

impl From<WireRoom> for Room {
    fn from(wire: WireRoom) -> Self {
        let mut malformed = Vec::new();
        let owners = split_opt(wire.owners, "owners", &mut malformed);
        let pinned_messages = split_opt(wire.pinned_messages, "pinnedMessages", &mut malformed);
        Room {
            id: wire.id,
            name: wire.name,
            date_created: wire.date_created,
            room_type: wire.room_type,
            description: wire.description,
            subject: wire.subject,
            participant_limit: wire.participant_limit,
            owners,
            pinned_messages,
            jid: wire.jid,
            self_uri: wire.self_uri,
            malformed,
        }
    }
}

/// `RoomParticipant`: one participant of a room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomParticipant {
    /// The participant's JID (the schema marks it required; the service may omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_jid: Option<String>,
}

impl RoomParticipant {
    /// The participant's JID, when the service sent one.
    pub fn participant_jid(&self) -> Option<&str> {
        self.participant_jid.as_deref()
    }
}

/// `RoomParticipantsResponse`: the participants of a room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomParticipantsResponse {
    /// The participants that could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<RoomParticipantResponse>>,
    /// Items of `participants` that could not be read and were left out (never
    /// serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

impl RoomParticipantsResponse {
    /// The participants, or an empty slice when the service sent none.
    pub fn participants(&self) -> &[RoomParticipantResponse] {
        self.participants.as_deref().unwrap_or(&[])
    }
}

#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a RoomParticipantsResponse object"
)]
struct WireParticipants {
    #[serde(default)]
    participants: Option<Lenient<RoomParticipantResponse>>,
}

impl<'de> Deserialize<'de> for RoomParticipantsResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireParticipants, Self>(deserializer, "a RoomParticipantsResponse object")
    }
}

impl From<WireParticipants> for RoomParticipantsResponse {
    fn from(wire: WireParticipants) -> Self {
        let mut malformed = Vec::new();
        let participants = split_opt(wire.participants, "participants", &mut malformed);
        RoomParticipantsResponse {
            participants,
            malformed,
        }
    }
}

/// `RoomParticipantResponse`: a participant's JID and user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomParticipantResponse {
    /// The participant's JID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jid: Option<String>,
    /// The participant's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<AddressableEntityRef>,
}

/// `OneOnOne`: a 1on1 conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OneOnOne {
    /// Its pinned messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_messages: Option<Vec<AddressableEntityRef>>,
    /// Items of `pinnedMessages` that could not be read and were left out (never
    /// serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOneOnOne {
    #[serde(default)]
    pinned_messages: Option<Lenient<AddressableEntityRef>>,
}

impl<'de> Deserialize<'de> for OneOnOne {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireOneOnOne, Self>(deserializer, "a OneOnOne object")
    }
}

impl From<WireOneOnOne> for OneOnOne {
    fn from(wire: WireOneOnOne) -> Self {
        let mut malformed = Vec::new();
        let pinned_messages = split_opt(wire.pinned_messages, "pinnedMessages", &mut malformed);
        OneOnOne {
            pinned_messages,
            malformed,
        }
    }
}
