//! The JSON the emulator writes, with every name spelled out as the official models
//! define it (`reference/models.md`).
//!
//! These shapes are the emulator's own, not the core's models: were a name wrong in the
//! core, a round trip through shared types would hide it; the testkit's wire tests
//! compare these documents with literal JSON instead.

use std::collections::BTreeMap;

use serde::Serialize;

/// `Entity`.
#[derive(Serialize)]
pub(crate) struct EntityJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
}

/// `AddressableEntityRef` / `UserReference`.
#[derive(Serialize)]
pub(crate) struct RefJson {
    #[serde(rename = "id")]
    pub(crate) id: String,
    #[serde(rename = "selfUri")]
    pub(crate) self_uri: String,
}

/// `ChatReaction`.
#[derive(Serialize)]
pub(crate) struct ReactionJson<'a> {
    #[serde(rename = "emoji")]
    pub(crate) emoji: &'a str,
    #[serde(rename = "users")]
    pub(crate) users: Vec<RefJson>,
}

/// `ChatMessageResponse`.
#[derive(Serialize)]
pub(crate) struct MessageJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
    #[serde(rename = "dateCreated")]
    pub(crate) date_created: String,
    #[serde(rename = "dateModified", skip_serializing_if = "Option::is_none")]
    pub(crate) date_modified: Option<String>,
    #[serde(rename = "toJid")]
    pub(crate) to_jid: &'a str,
    #[serde(rename = "jid")]
    pub(crate) jid: &'a str,
    #[serde(rename = "body")]
    pub(crate) body: &'a str,
    #[serde(rename = "mentions", skip_serializing_if = "Option::is_none")]
    pub(crate) mentions: Option<BTreeMap<&'a str, &'a str>>,
    #[serde(rename = "edited", skip_serializing_if = "Option::is_none")]
    pub(crate) edited: Option<bool>,
    #[serde(rename = "thread")]
    pub(crate) thread: EntityJson<'a>,
    #[serde(rename = "parentThread", skip_serializing_if = "Option::is_none")]
    pub(crate) parent_thread: Option<EntityJson<'a>>,
    #[serde(rename = "user")]
    pub(crate) user: RefJson,
    #[serde(rename = "toUser", skip_serializing_if = "Option::is_none")]
    pub(crate) to_user: Option<RefJson>,
    #[serde(rename = "reactions", skip_serializing_if = "Vec::is_empty")]
    pub(crate) reactions: Vec<ReactionJson<'a>>,
}

/// `ChatMessageEntityListing`.
#[derive(Serialize)]
pub(crate) struct ListingJson<'a> {
    #[serde(rename = "entities")]
    pub(crate) entities: Vec<MessageJson<'a>>,
}

/// `ChatSendMessageResponse`.
#[derive(Serialize)]
pub(crate) struct SendMessageResponseJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
}

/// `CreateRoomResponse`.
#[derive(Serialize)]
pub(crate) struct CreateRoomResponseJson<'a> {
    #[serde(rename = "jid")]
    pub(crate) jid: &'a str,
}

/// `Room`.
#[derive(Serialize)]
pub(crate) struct RoomJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
    #[serde(rename = "name")]
    pub(crate) name: &'a str,
    #[serde(rename = "dateCreated")]
    pub(crate) date_created: String,
    #[serde(rename = "roomType")]
    pub(crate) room_type: &'static str,
    #[serde(rename = "description", skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    #[serde(rename = "subject")]
    pub(crate) subject: &'a str,
    #[serde(rename = "owners")]
    pub(crate) owners: Vec<RefJson>,
    #[serde(rename = "pinnedMessages")]
    pub(crate) pinned_messages: Vec<RefJson>,
    #[serde(rename = "jid")]
    pub(crate) jid: &'a str,
    #[serde(rename = "selfUri")]
    pub(crate) self_uri: String,
}

/// `OneOnOne`.
#[derive(Serialize)]
pub(crate) struct OneOnOneJson {
    #[serde(rename = "pinnedMessages")]
    pub(crate) pinned_messages: Vec<RefJson>,
}

/// `RoomParticipant`.
#[derive(Serialize)]
pub(crate) struct RoomParticipantJson<'a> {
    #[serde(rename = "participantJid")]
    pub(crate) participant_jid: &'a str,
}

/// `RoomParticipantResponse`.
#[derive(Serialize)]
pub(crate) struct RoomParticipantResponseJson<'a> {
    #[serde(rename = "jid")]
    pub(crate) jid: &'a str,
    #[serde(rename = "user")]
    pub(crate) user: RefJson,
}

/// `RoomParticipantsResponse`.
#[derive(Serialize)]
pub(crate) struct RoomParticipantsResponseJson<'a> {
    #[serde(rename = "participants")]
    pub(crate) participants: Vec<RoomParticipantResponseJson<'a>>,
}

/// `ChatSettings`.
#[derive(Serialize)]
pub(crate) struct ChatSettingsJson {
    #[serde(rename = "messageRetentionPeriodDays")]
    pub(crate) message_retention_period_days: u32,
    #[serde(rename = "reactionsEnabled")]
    pub(crate) reactions_enabled: bool,
}

/// `UserSettingsForChat` (`getChatsUsersMeSettings`, `patchChatsUsersMeSettings`).
#[derive(Serialize)]
pub(crate) struct UserSettingsForChatJson<'a> {
    #[serde(rename = "muted")]
    pub(crate) muted: bool,
    #[serde(rename = "mentionsOnly")]
    pub(crate) mentions_only: bool,
    #[serde(rename = "notifyOnReactions")]
    pub(crate) notify_on_reactions: bool,
    #[serde(rename = "mobile")]
    pub(crate) mobile: MobileSettingsJson<'a>,
}

/// `ChatUserSettings` → `MobileSettings` → `MobileNotificationSettings`.
#[derive(Serialize)]
pub(crate) struct ChatUserSettingsJson<'a> {
    #[serde(rename = "mobile")]
    pub(crate) mobile: MobileSettingsJson<'a>,
}

/// `MobileSettings`.
#[derive(Serialize)]
pub(crate) struct MobileSettingsJson<'a> {
    #[serde(rename = "notifications")]
    pub(crate) notifications: MobileNotificationSettingsJson<'a>,
}

/// `MobileNotificationSettings`.
#[derive(Serialize)]
pub(crate) struct MobileNotificationSettingsJson<'a> {
    #[serde(rename = "when")]
    pub(crate) when: &'a str,
}

/// `ChatPresence` (`includePresence`).
#[derive(Serialize)]
pub(crate) struct ChatPresenceJson {
    #[serde(rename = "source")]
    pub(crate) source: &'static str,
    #[serde(rename = "systemPresence")]
    pub(crate) system_presence: &'static str,
    #[serde(rename = "dateModified")]
    pub(crate) date_modified: String,
}

/// `ChatUserRef`.
#[derive(Serialize)]
pub(crate) struct ChatUserRefJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
    #[serde(rename = "name")]
    pub(crate) name: &'a str,
    #[serde(rename = "selfUri")]
    pub(crate) self_uri: String,
    #[serde(rename = "jid")]
    pub(crate) jid: &'a str,
    #[serde(rename = "inactive")]
    pub(crate) inactive: bool,
    #[serde(rename = "presence", skip_serializing_if = "Option::is_none")]
    pub(crate) presence: Option<ChatPresenceJson>,
}

/// `Room` as "my chats" answers it: the owners only when asked for.
#[derive(Serialize)]
pub(crate) struct ChatRoomJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
    #[serde(rename = "name")]
    pub(crate) name: &'a str,
    #[serde(rename = "dateCreated")]
    pub(crate) date_created: String,
    #[serde(rename = "roomType")]
    pub(crate) room_type: &'static str,
    #[serde(rename = "subject")]
    pub(crate) subject: &'a str,
    #[serde(rename = "owners", skip_serializing_if = "Option::is_none")]
    pub(crate) owners: Option<Vec<RefJson>>,
    #[serde(rename = "jid")]
    pub(crate) jid: &'a str,
    #[serde(rename = "selfUri")]
    pub(crate) self_uri: String,
}

/// `ChatItem`.
#[derive(Serialize)]
pub(crate) struct ChatItemJson<'a> {
    #[serde(rename = "id")]
    pub(crate) id: &'a str,
    #[serde(rename = "name")]
    pub(crate) name: &'a str,
    #[serde(rename = "open")]
    pub(crate) open: bool,
    #[serde(rename = "dateLastMessage", skip_serializing_if = "Option::is_none")]
    pub(crate) date_last_message: Option<String>,
    #[serde(rename = "user", skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<ChatUserRefJson<'a>>,
    #[serde(rename = "room", skip_serializing_if = "Option::is_none")]
    pub(crate) room: Option<ChatRoomJson<'a>>,
    #[serde(rename = "chatType")]
    pub(crate) chat_type: &'static str,
    #[serde(rename = "selfUri")]
    pub(crate) self_uri: String,
}

/// `ChatItemCursorListing`.
#[derive(Serialize)]
pub(crate) struct ChatItemCursorListingJson<'a> {
    #[serde(rename = "entities")]
    pub(crate) entities: Vec<ChatItemJson<'a>>,
    #[serde(rename = "nextUri", skip_serializing_if = "Option::is_none")]
    pub(crate) next_uri: Option<String>,
    #[serde(rename = "selfUri")]
    pub(crate) self_uri: String,
}

/// `ErrorDetail`.
#[derive(Serialize)]
pub(crate) struct ErrorDetailJson {
    #[serde(rename = "errorCode")]
    pub(crate) error_code: &'static str,
    #[serde(rename = "fieldName")]
    pub(crate) field_name: String,
}

/// `ErrorBody`.
#[derive(Serialize)]
pub(crate) struct ErrorBodyJson<'a> {
    #[serde(rename = "message")]
    pub(crate) message: &'a str,
    #[serde(rename = "code")]
    pub(crate) code: &'a str,
    #[serde(rename = "status")]
    pub(crate) status: u16,
    #[serde(rename = "entityId", skip_serializing_if = "Option::is_none")]
    pub(crate) entity_id: Option<&'a str>,
    #[serde(rename = "entityName", skip_serializing_if = "Option::is_none")]
    pub(crate) entity_name: Option<&'a str>,
    #[serde(rename = "messageWithParams", skip_serializing_if = "Option::is_none")]
    pub(crate) message_with_params: Option<&'a str>,
    #[serde(rename = "messageParams", skip_serializing_if = "Option::is_none")]
    pub(crate) message_params: Option<&'a BTreeMap<String, String>>,
    #[serde(rename = "contextId")]
    pub(crate) context_id: &'a str,
    #[serde(rename = "details", skip_serializing_if = "Vec::is_empty")]
    pub(crate) details: Vec<ErrorDetailJson>,
}

/// The login host's token answer.
#[derive(Serialize)]
pub(crate) struct TokenJson<'a> {
    pub(crate) access_token: &'a str,
    pub(crate) token_type: &'static str,
    pub(crate) expires_in: u64,
    /// Authorization-code and refresh-token grants of confidential clients only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<&'a str>,
}

/// The login host's error answer.
#[derive(Serialize)]
pub(crate) struct OAuthErrorJson<'a> {
    pub(crate) error: &'a str,
    pub(crate) error_description: &'a str,
}

/// Serialises a shape; these shapes cannot fail to serialise, but a failure would give
/// an empty body rather than a panic.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}
