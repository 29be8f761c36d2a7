//! The 32 operations of the official `ChatApi`, one struct each.
//!
//! Each struct is named after the official operation id (`postChatsRoomMessages` →
//! [`PostChatsRoomMessages`]), is built with `new(required…)` plus setters for optional
//! parts, and implements [`Operation`]. The table at the bottom of this file is the one
//! source of truth: the structs, their docs, [`OperationMeta`] and [`ALL`] all come from it.
//! Adding an operation is one entry there.

use crate::models::*;
use crate::operation::{
    HistoryQuery, HttpMethod, Operation, OperationMeta, build_request, json_body, parse_history,
    parse_json, parse_void,
};
use crate::{Config, Error, Timestamp};

/// The second expression when given, else the first (for optional macro parts).
macro_rules! either {
    ($default:expr; ) => {
        $default
    };
    ($default:expr; $value:expr) => {
        $value
    };
}

macro_rules! operations {
    ($(
        $(#[doc = $extra:literal])*
        $name:ident = $id:literal {
            $method:ident $path:literal,
            summary: $summary:literal,
            permissions: [$($perm:literal),*],
            preview: $preview:literal,
            path: { $($field:ident: $pname:literal),* },
            $(query: $query:ty,)?
            $(body: $body:ty,)?
            output: $output:ty = $parse:ident,
        }
    )+) => {
        $(
            #[doc = concat!("`", $id, "`: ", $summary)]
            #[doc = ""]
            #[doc = concat!("`", stringify!($method), " ", $path, "`")]
            #[doc = ""]
            $(#[doc = $extra])*
            #[doc = concat!(
                "- Official operation id: `", $id, "`\n",
                "- Requires any of: ", $("`", $perm, "` ",)* "\n",
                "- Preview (may change without notice): ", stringify!($preview), "\n",
                "- Returns: `", stringify!($output), "`"
            )]
            #[derive(Debug, Clone, PartialEq)]
            pub struct $name {
                $(
                    #[doc = concat!("The `", $pname, "` path parameter (sent percent-encoded).")]
                    pub $field: String,
                )*
                $(
                    /// The query options (`limit`, `before`, `after`).
                    pub query: $query,
                )?
                $(
                    #[doc = concat!("The request body (`", stringify!($body), "`).")]
                    pub body: $body,
                )?
            }

            impl $name {
                /// The operation with its required parameters.
                #[allow(clippy::new_without_default)]
                pub fn new($($field: impl Into<String>,)* $(body: $body)?) -> Self {
                    $name {
                        $($field: $field.into(),)*
                        $(query: <$query>::default(),)?
                        $(body: { let body: $body = body; body },)?
                    }
                }
            }

            $(
                impl $name {
                    /// Returns at most `limit` messages (at least 1).
                    pub fn limit(mut self, limit: u32) -> Self {
                        let _: &$query = &self.query;
                        self.query.limit = Some(limit);
                        self
                    }

                    /// Returns only messages older than `before` (exclusive).
                    pub fn before(mut self, before: Timestamp) -> Self {
                        self.query.before = Some(before);
                        self
                    }

                    /// Returns only messages newer than `after` (exclusive).
                    pub fn after(mut self, after: Timestamp) -> Self {
                        self.query.after = Some(after);
                        self
                    }
                }

                impl crate::paging::History for $name {
                    fn query(&self) -> &HistoryQuery {
                        &self.query
                    }

                    fn query_mut(&mut self) -> &mut HistoryQuery {
                        &mut self.query
                    }
                }
            )?

            impl Operation for $name {
                type Output = $output;
                const META: &'static OperationMeta = &OperationMeta {
                    id: $id,
                    method: HttpMethod::$method,
                    path: $path,
                    summary: $summary,
                    permissions: &[$($perm),*],
                    preview: $preview,
                    idempotent: HttpMethod::$method.is_idempotent(),
                    path_params: &[$($pname),*],
                    query_params: either!(&[]; $({ let _: Option<$query> = None; HistoryQuery::NAMES })?),
                    request_body: either!(None; $(Some(stringify!($body)))?),
                    response: {
                        let name = stringify!($output);
                        if name.len() == 2 { None } else { Some(name) }
                    },
                };

                fn to_http(&self, cfg: &Config) -> Result<http::Request<Vec<u8>>, Error> {
                    let body: Option<Vec<u8>> =
                        either!(None; $({ let b: &$body = &self.body; Some(json_body(b)?) })?);
                    let query: Option<&HistoryQuery> =
                        either!(None; $({ let q: &$query = &self.query; Some(q) })?);
                    build_request(
                        cfg,
                        Self::META,
                        &[$(($pname, self.$field.as_str())),*],
                        query,
                        body,
                    )
                }

                fn parse(
                    &self,
                    cfg: &Config,
                    response: &http::Response<Vec<u8>>,
                ) -> Result<$output, Error> {
                    $parse(Self::META, cfg, response)
                }
            }
        )+

        /// The metadata of all 32 operations, in the order of the official reference.
        ///
        /// | operation | method | path |
        /// |---|---|---|
        #[doc = concat!($("| [`", $id, "`](", stringify!($name), ") | ", stringify!($method), " | `", $path, "` |\n"),+)]
        pub const ALL: &[&OperationMeta] = &[$(<$name as Operation>::META),+];
    };
}

operations! {
    DeleteChatsRoomMessage = "deleteChatsRoomMessage" {
        Delete "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
        summary: "Delete a message in a room",
        permissions: ["chat:chat:access", "chat:roomMessage:delete"],
        preview: false,
        path: { room_jid: "roomJid", message_id: "messageId" },
        output: () = parse_void,
    }
    DeleteChatsRoomMessagesPin = "deleteChatsRoomMessagesPin" {
        Delete "/api/v2/chats/rooms/{roomJid}/messages/pins/{pinnedMessageId}",
        summary: "Remove a pinned message from a room",
        permissions: ["chat:chat:access", "chat:room:edit"],
        preview: false,
        path: { room_jid: "roomJid", pinned_message_id: "pinnedMessageId" },
        output: () = parse_void,
    }
    DeleteChatsRoomParticipant = "deleteChatsRoomParticipant" {
        Delete "/api/v2/chats/rooms/{roomJid}/participants/{userId}",
        summary: "Remove a user from a room.",
        permissions: ["chat:chat:access", "chat:participant:delete"],
        preview: false,
        path: { room_jid: "roomJid", user_id: "userId" },
        output: () = parse_void,
    }
    DeleteChatsUserMessage = "deleteChatsUserMessage" {
        Delete "/api/v2/chats/users/{userId}/messages/{messageId}",
        summary: "Delete a message to a user",
        permissions: ["chat:chat:access", "chat:1on1Message:delete"],
        preview: false,
        path: { user_id: "userId", message_id: "messageId" },
        output: () = parse_void,
    }
    DeleteChatsUserMessagesPin = "deleteChatsUserMessagesPin" {
        Delete "/api/v2/chats/users/{userId}/messages/pins/{pinnedMessageId}",
        summary: "Remove a pinned message from a 1on1",
        permissions: ["chat:chat:access", "chat:1on1:edit"],
        preview: true,
        path: { user_id: "userId", pinned_message_id: "pinnedMessageId" },
        output: () = parse_void,
    }
    GetChatsMessage = "getChatsMessage" {
        Get "/api/v2/chats/messages/{messageId}",
        summary: "Get a message",
        permissions: ["chat:chat:access", "chat:1on1Message:view", "chat:room:view"],
        preview: false,
        path: { message_id: "messageId" },
        output: ChatMessageResponse = parse_json,
    }
    GetChatsRoom = "getChatsRoom" {
        Get "/api/v2/chats/rooms/{roomJid}",
        summary: "Get a room",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { room_jid: "roomJid" },
        output: Room = parse_json,
    }
    /// `messageIds` is one path segment holding a comma-separated list of ids (its commas
    /// travel as `%2C`); [`GetChatsRoomMessage::ids`] builds it from a list.
    GetChatsRoomMessage = "getChatsRoomMessage" {
        Get "/api/v2/chats/rooms/{roomJid}/messages/{messageIds}",
        summary: "Get messages by id(s) from a room",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { room_jid: "roomJid", message_ids: "messageIds" },
        output: ChatMessageEntityListing = parse_json,
    }
    /// Newest first. [`History::next_page`](crate::paging::History::next_page) gives the
    /// request for the next older page.
    GetChatsRoomMessages = "getChatsRoomMessages" {
        Get "/api/v2/chats/rooms/{roomJid}/messages",
        summary: "Get a room's message history",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { room_jid: "roomJid" },
        query: HistoryQuery,
        output: ChatMessageEntityListing = parse_json,
    }
    GetChatsRoomParticipant = "getChatsRoomParticipant" {
        Get "/api/v2/chats/rooms/{roomJid}/participants/{participantJid}",
        summary: "Get a room participant",
        permissions: [],
        preview: false,
        path: { room_jid: "roomJid", participant_jid: "participantJid" },
        output: RoomParticipant = parse_json,
    }
    GetChatsRoomParticipants = "getChatsRoomParticipants" {
        Get "/api/v2/chats/rooms/{roomJid}/participants",
        summary: "Get room participants in a room",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { room_jid: "roomJid" },
        output: RoomParticipantsResponse = parse_json,
    }
    GetChatsSettings = "getChatsSettings" {
        Get "/api/v2/chats/settings",
        summary: "Get Chat Settings.",
        permissions: ["chat:setting:view", "chat:setting:edit"],
        preview: false,
        path: {},
        output: ChatSettings = parse_json,
    }
    /// Newest first. [`History::next_page`](crate::paging::History::next_page) gives the
    /// request for the next older page.
    GetChatsThreadMessages = "getChatsThreadMessages" {
        Get "/api/v2/chats/threads/{threadId}/messages",
        summary: "Get history by thread",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { thread_id: "threadId" },
        query: HistoryQuery,
        output: ChatMessageEntityListing = parse_json,
    }
    GetChatsUser = "getChatsUser" {
        Get "/api/v2/chats/users/{userId}",
        summary: "Get information for a 1on1",
        permissions: ["chat:chat:access", "chat:1on1:view"],
        preview: true,
        path: { user_id: "userId" },
        output: OneOnOne = parse_json,
    }
    /// `messageIds` is one path segment holding a comma-separated list of ids (its commas
    /// travel as `%2C`); [`GetChatsUserMessage::ids`] builds it from a list.
    GetChatsUserMessage = "getChatsUserMessage" {
        Get "/api/v2/chats/users/{userId}/messages/{messageIds}",
        summary: "Get messages by id(s) from a 1on1",
        permissions: ["chat:chat:access", "chat:1on1Message:view"],
        preview: false,
        path: { user_id: "userId", message_ids: "messageIds" },
        output: ChatMessageEntityListing = parse_json,
    }
    /// **Deviation from the official SDKs:** they declare this operation to return a single
    /// `ChatMessageResponse`, which cannot represent a history. Here it returns a
    /// `ChatMessageEntityListing` like the other two history operations, and accepts both
    /// shapes from the server: a body with `entities` is a listing; a body that is one
    /// message becomes a listing of one. Newest first;
    /// [`History::next_page`](crate::paging::History::next_page) gives the next older page.
    GetChatsUserMessages = "getChatsUserMessages" {
        Get "/api/v2/chats/users/{userId}/messages",
        summary: "Get 1on1 History between a user",
        permissions: ["chat:chat:access", "chat:1on1Message:view"],
        preview: false,
        path: { user_id: "userId" },
        query: HistoryQuery,
        output: ChatMessageEntityListing = parse_history,
    }
    GetChatsUserSettings = "getChatsUserSettings" {
        Get "/api/v2/chats/users/{userId}/settings",
        summary: "Get a user's chat settings",
        permissions: ["chat:usersettings:view", "chat:setting:view"],
        preview: true,
        path: { user_id: "userId" },
        output: ChatUserSettings = parse_json,
    }
    GetChatsUsersMeSettings = "getChatsUsersMeSettings" {
        Get "/api/v2/chats/users/me/settings",
        summary: "Get a user's chat settings",
        permissions: [],
        preview: true,
        path: {},
        output: ChatUserSettings = parse_json,
    }
    PatchChatsRoom = "patchChatsRoom" {
        Patch "/api/v2/chats/rooms/{roomJid}",
        summary: "Set properties for a room",
        permissions: ["chat:chat:access", "chat:room:edit"],
        preview: false,
        path: { room_jid: "roomJid" },
        body: RoomUpdateRequest,
        output: () = parse_void,
    }
    PatchChatsRoomMessage = "patchChatsRoomMessage" {
        Patch "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
        summary: "Edit a message in a room",
        permissions: ["chat:chat:access", "chat:roomMessage:edit"],
        preview: false,
        path: { room_jid: "roomJid", message_id: "messageId" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PatchChatsSettings = "patchChatsSettings" {
        Patch "/api/v2/chats/settings",
        summary: "Patch Chat Settings.",
        permissions: ["chat:setting:edit"],
        preview: false,
        path: {},
        body: ChatSettings,
        output: ChatSettings = parse_json,
    }
    PatchChatsUserMessage = "patchChatsUserMessage" {
        Patch "/api/v2/chats/users/{userId}/messages/{messageId}",
        summary: "Edit a message to a user",
        permissions: ["chat:chat:access", "chat:1on1Message:view"],
        preview: false,
        path: { user_id: "userId", message_id: "messageId" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PatchChatsUserSettings = "patchChatsUserSettings" {
        Patch "/api/v2/chats/users/{userId}/settings",
        summary: "Update a user's chat settings",
        permissions: ["chat:usersettings:edit", "chat:setting:edit"],
        preview: true,
        path: { user_id: "userId" },
        body: ChatUserSettings,
        output: ChatUserSettings = parse_json,
    }
    PatchChatsUsersMeSettings = "patchChatsUsersMeSettings" {
        Patch "/api/v2/chats/users/me/settings",
        summary: "Update a user's chat settings",
        permissions: [],
        preview: true,
        path: {},
        body: ChatUserSettings,
        output: ChatUserSettings = parse_json,
    }
    PostChatsRoomMessages = "postChatsRoomMessages" {
        Post "/api/v2/chats/rooms/{roomJid}/messages",
        summary: "Send a message to a room",
        permissions: ["chat:chat:access", "chat:roomMessage:add"],
        preview: false,
        path: { room_jid: "roomJid" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PostChatsRoomMessagesPins = "postChatsRoomMessagesPins" {
        Post "/api/v2/chats/rooms/{roomJid}/messages/pins",
        summary: "Add pinned messages for a room, up to a maximum of 5 pinned messages",
        permissions: ["chat:chat:access", "chat:room:edit"],
        preview: false,
        path: { room_jid: "roomJid" },
        body: PinnedMessageRequest,
        output: () = parse_void,
    }
    /// Sent with an empty body, as the official SDKs do.
    PostChatsRoomParticipant = "postChatsRoomParticipant" {
        Post "/api/v2/chats/rooms/{roomJid}/participants/{userId}",
        summary: "Join a room",
        permissions: ["chat:chat:access", "chat:participant:add"],
        preview: false,
        path: { room_jid: "roomJid", user_id: "userId" },
        output: () = parse_void,
    }
    PostChatsRooms = "postChatsRooms" {
        Post "/api/v2/chats/rooms",
        summary: "Create an adhoc room",
        permissions: ["chat:chat:access", "chat:room:add"],
        preview: false,
        path: {},
        body: CreateRoomRequest,
        output: CreateRoomResponse = parse_json,
    }
    PostChatsUserMessages = "postChatsUserMessages" {
        Post "/api/v2/chats/users/{userId}/messages",
        summary: "Send a message to a user",
        permissions: ["chat:chat:access", "chat:1on1Message:add"],
        preview: false,
        path: { user_id: "userId" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PostChatsUserMessagesPins = "postChatsUserMessagesPins" {
        Post "/api/v2/chats/users/{userId}/messages/pins",
        summary: "Add pinned messages for a 1on1, up to a maximum of 5 pinned messages",
        permissions: ["chat:chat:access", "chat:1on1:edit"],
        preview: true,
        path: { user_id: "userId" },
        body: PinnedMessageRequest,
        output: () = parse_void,
    }
    /// The body is the caller's whole set of reactions: it replaces the previous one.
    PutChatsMessageReactions = "putChatsMessageReactions" {
        Put "/api/v2/chats/messages/{messageId}/reactions",
        summary: "Update reactions to a message",
        permissions: ["chat:chat:access", "chat:reactions:edit"],
        preview: false,
        path: { message_id: "messageId" },
        body: ChatReactionUpdate,
        output: () = parse_void,
    }
    PutChatsSettings = "putChatsSettings" {
        Put "/api/v2/chats/settings",
        summary: "Update Chat Settings.",
        permissions: ["chat:setting:edit"],
        preview: false,
        path: {},
        body: ChatSettings,
        output: ChatSettings = parse_json,
    }
}

fn join_ids<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Result<String, Error> {
    let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
    if ids.is_empty() {
        return Err(Error::invalid(
            "messageIds",
            "is empty; name at least one message id",
        ));
    }
    if ids.iter().any(|id| id.is_empty() || id.contains(',')) {
        return Err(Error::invalid(
            "messageIds",
            "holds an empty id or an id with a comma; commas separate the ids",
        ));
    }
    Ok(ids.join(","))
}

impl GetChatsRoomMessage {
    /// Reads these messages of a room; the ids are joined with commas. An empty list, or
    /// an empty id or one holding a comma, is refused.
    pub fn ids<I: IntoIterator<Item = S>, S: Into<String>>(
        room_jid: impl Into<String>,
        ids: I,
    ) -> Result<Self, Error> {
        Ok(Self::new(room_jid, join_ids(ids)?))
    }
}

impl GetChatsUserMessage {
    /// Reads these messages of a 1on1; the ids are joined with commas. An empty list, or
    /// an empty id or one holding a comma, is refused.
    pub fn ids<I: IntoIterator<Item = S>, S: Into<String>>(
        user_id: impl Into<String>,
        ids: I,
    ) -> Result<Self, Error> {
        Ok(Self::new(user_id, join_ids(ids)?))
    }
}

/// Looks an operation up by its official id, e.g. `getChatsRoom`.
pub fn find(id: &str) -> Option<&'static OperationMeta> {
    ALL.iter().copied().find(|m| m.id == id)
}
