//! Response models.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RoomType;
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatReaction {
    /// The emoji.
    pub emoji: String,
    /// Who reacted.
    pub users: Vec<AddressableEntityRef>,
}

/// `ChatMessageResponse`: a message in a room or a 1on1.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageResponse {
    /// The message id.
    pub id: String,
    /// When it was posted.
    pub date_created: Timestamp,
    /// When it was last edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
    /// The JID of the room or user it was sent to.
    pub to_jid: String,
    /// The JID of its sender.
    pub jid: String,
    /// The text (personal data: never printed by `Debug`).
    pub body: String,
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
    pub thread: Entity,
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
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .field("edited", &self.edited)
            .field("thread", &self.thread)
            .field("parent_thread", &self.parent_thread)
            .field("reactions", &self.reactions)
            .finish_non_exhaustive()
    }
}

/// `ChatMessageEntityListing`: a page of messages, newest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageEntityListing {
    /// The messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<ChatMessageResponse>>,
}

impl ChatMessageEntityListing {
    /// The messages, or an empty slice when the service sent none.
    pub fn messages(&self) -> &[ChatMessageResponse] {
        self.entities.as_deref().unwrap_or(&[])
    }
}

/// `ChatSendMessageResponse`: the id of a posted or edited message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSendMessageResponse {
    /// The message id.
    pub id: String,
}

/// `CreateRoomResponse`: the JID of a new room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRoomResponse {
    /// The room's JID.
    pub jid: String,
}

/// `Room`: a chat room.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
}

/// `RoomParticipant`: one participant of a room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomParticipant {
    /// The participant's JID.
    pub participant_jid: String,
}

/// `RoomParticipantsResponse`: the participants of a room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomParticipantsResponse {
    /// The participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<RoomParticipantResponse>>,
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneOnOne {
    /// Its pinned messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_messages: Option<Vec<AddressableEntityRef>>,
}
