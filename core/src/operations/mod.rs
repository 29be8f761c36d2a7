//! The 34 operations of the official `ChatApi`, one struct each, and apart from them
//! the one Users API operation a chat program needs ("my chats", [`GetUsersChatsMe`]).
//!
//! Each struct is named after the official operation id (`postChatsRoomMessages` →
//! [`PostChatsRoomMessages`]), is built with `new(required…)` plus setters for optional
//! parts, and implements [`Operation`]. The tables in this file are the one source of
//! truth: the structs, their docs, [`OperationMeta`], [`ALL`] (the Chat API) and [`USERS`]
//! (the Users API operations) all come from them. Adding an operation is one entry there.
//!
//! Every operation also takes per-call headers and timeouts through
//! [`CallOptions`](crate::CallOptions).

use crate::models::*;
use crate::operation::{
    HistoryQuery, HttpMethod, MyChatsQuery, Operation, OperationMeta, ParticipantsQuery,
    QueryParams, build_request, json_body, parse_history, parse_json, parse_void,
};
use crate::{Config, Error, Timestamp};

mod my_chats;

pub use my_chats::MyChatsWalk;

/// The second expression when given, else the first (for optional macro parts).
macro_rules! either {
    ($default:expr; ) => {
        $default
    };
    ($default:expr; $value:expr) => {
        $value
    };
}

/// Whether `snake` is the official id `id` in snake_case, as the Python SDK names its
/// methods (`postChatsRoomMessages` → `post_chats_room_messages`): checked at compile time
/// for every entry of the tables.
const fn is_snake_case_of(id: &str, snake: &str) -> bool {
    let (id, snake) = (id.as_bytes(), snake.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < id.len() {
        let c = id[i];
        if c.is_ascii_uppercase() {
            if j >= snake.len() || snake[j] != b'_' {
                return false;
            }
            j += 1;
            if j >= snake.len() || snake[j] != c.to_ascii_lowercase() {
                return false;
            }
        } else if j >= snake.len() || snake[j] != c {
            return false;
        }
        i += 1;
        j += 1;
    }
    j == snake.len()
}

/// Defines a table of operations. Each entry also names the client method that runs it
/// (`snake:`, the official id in snake_case, checked at compile time), and each table
/// defines a hidden exported macro (`__for_each_chat_operation!` for [`ALL`],
/// `__for_each_users_operation!` for [`USERS`]) that hands every entry to a macro of the
/// caller's: the transport crates generate their method per operation from it, so no
/// other list of the operations exists.
macro_rules! operations {
    (
        $(#[doc = $table_doc:literal])*
        pub const ALL;
        $($entries:tt)+
    ) => {
        operations! {
            @table __for_each_chat_operation;
            $(#[doc = $table_doc])*
            pub const ALL;
            $($entries)+
        }
    };
    (
        $(#[doc = $table_doc:literal])*
        pub const USERS;
        $($entries:tt)+
    ) => {
        operations! {
            @table __for_each_users_operation;
            $(#[doc = $table_doc])*
            pub const USERS;
            $($entries)+
        }
    };
    (
        @table $each:ident;
        $(#[doc = $table_doc:literal])*
        pub const $table:ident;
        $(
        $(#[doc = $extra:literal])*
        $name:ident = $id:literal {
            $method:ident $path:literal,
            snake: $snake:ident,
            summary: $summary:literal,
            permissions: [$($perm:literal),*],
            preview: $preview:literal,
            path: { $($field:ident: $pname:literal),* },
            $(query: $query:ty,)?
            $(options: $opts:ty,)?
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
                    /// The query options (`limit`, `before`, `after`, `excludeMetadata`).
                    pub query: $query,
                )?
                $(
                    #[doc = concat!("The query options (`", stringify!($opts), "`).")]
                    pub query: $opts,
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
                        $(query: <$opts>::default(),)?
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

                    /// Whether the service leaves the messages' metadata out
                    /// (`excludeMetadata`, sent as `true` or `false`); kept on every page.
                    pub fn exclude_metadata(mut self, exclude: bool) -> Self {
                        self.query.exclude_metadata = Some(exclude);
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
                    query_params: either!(
                        either!(&[]; $(<$opts>::NAMES)?);
                        $({ let _: Option<$query> = None; HistoryQuery::NAMES })?
                    ),
                    request_body: either!(None; $(Some(stringify!($body)))?),
                    response: {
                        let name = stringify!($output);
                        if name.len() == 2 { None } else { Some(name) }
                    },
                };

                fn to_http(&self, cfg: &Config) -> Result<http::Request<Vec<u8>>, Error> {
                    let body: Option<Vec<u8>> =
                        either!(None; $({ let b: &$body = &self.body; Some(json_body(b)?) })?);
                    let query: Option<&dyn QueryParams> = either!(
                        either!(None; $({ let q: &$opts = &self.query; Some(q as &dyn QueryParams) })?);
                        $({ let q: &$query = &self.query; Some(q as &dyn QueryParams) })?
                    );
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

        $(#[doc = $table_doc])*
        ///
        /// | operation | method | path |
        /// |---|---|---|
        #[doc = concat!($("| [`", $id, "`](", stringify!($name), ") | ", stringify!($method), " | `", $path, "` |\n"),+)]
        pub const $table: &[&OperationMeta] = &[$(<$name as Operation>::META),+];

        $(
            const _: () = assert!(
                is_snake_case_of($id, stringify!($snake)),
                concat!("`snake:` of `", $id, "` is not its id in snake_case")
            );
        )+

        /// Hands every entry of this table to the macro `$callback`, as
        /// `Name = "officialId" { op: <path>, method: Get, path: "/api/v2/…",
        /// summary: "…", permissions: ["…"], preview: false, params: [field, …],
        /// [query: Type,] [options: Type,] [body: Type,] output: Type,
        /// snake: method_name, }`, one
        /// entry after the other. For the transport crates' methods; not a stable API.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! $each {
            ($callback:ident) => {
                $callback! {
                    $(
                        $name = $id {
                            op: $crate::operations::$name,
                            method: $method,
                            path: $path,
                            summary: $summary,
                            permissions: [$($perm),*],
                            preview: $preview,
                            params: [$($field),*],
                            $(query: $query,)?
                            $(options: $opts,)?
                            $(body: $body,)?
                            output: $output,
                            snake: $snake,
                        }
                    )+
                }
            };
        }
    };
}

operations! {
    /// The metadata of all 34 operations of the Chat API (`ChatApi`), in the order of the
    /// official reference. The Users API operation "my chats" is not among them: it is in
    /// [`USERS`].
    pub const ALL;
    DeleteChatsRoomMessage = "deleteChatsRoomMessage" {
        Delete "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
        snake: delete_chats_room_message,
        summary: "Delete a message in a room",
        permissions: ["chat:chat:access", "chat:roomMessage:delete"],
        preview: false,
        path: { room_jid: "roomJid", message_id: "messageId" },
        output: () = parse_void,
    }
    DeleteChatsRoomMessagesPin = "deleteChatsRoomMessagesPin" {
        Delete "/api/v2/chats/rooms/{roomJid}/messages/pins/{pinnedMessageId}",
        snake: delete_chats_room_messages_pin,
        summary: "Remove a pinned message from a room",
        permissions: ["chat:chat:access", "chat:room:edit"],
        preview: false,
        path: { room_jid: "roomJid", pinned_message_id: "pinnedMessageId" },
        output: () = parse_void,
    }
    DeleteChatsRoomParticipant = "deleteChatsRoomParticipant" {
        Delete "/api/v2/chats/rooms/{roomJid}/participants/{userId}",
        snake: delete_chats_room_participant,
        summary: "Remove a user from a room.",
        permissions: ["chat:chat:access", "chat:participant:delete"],
        preview: false,
        path: { room_jid: "roomJid", user_id: "userId" },
        output: () = parse_void,
    }
    DeleteChatsUserMessage = "deleteChatsUserMessage" {
        Delete "/api/v2/chats/users/{userId}/messages/{messageId}",
        snake: delete_chats_user_message,
        summary: "Delete a message to a user",
        permissions: ["chat:chat:access", "chat:1on1Message:delete"],
        preview: false,
        path: { user_id: "userId", message_id: "messageId" },
        output: () = parse_void,
    }
    DeleteChatsUserMessagesPin = "deleteChatsUserMessagesPin" {
        Delete "/api/v2/chats/users/{userId}/messages/pins/{pinnedMessageId}",
        snake: delete_chats_user_messages_pin,
        summary: "Remove a pinned message from a 1on1",
        permissions: ["chat:chat:access", "chat:1on1:edit"],
        preview: true,
        path: { user_id: "userId", pinned_message_id: "pinnedMessageId" },
        output: () = parse_void,
    }
    /// Permissions: the official SDKs name none for this operation (like the other
    /// `users/me` operations), so none is listed and none is checked here.
    DeleteChatsUsersMeSettings = "deleteChatsUsersMeSettings" {
        Delete "/api/v2/chats/users/me/settings",
        snake: delete_chats_users_me_settings,
        summary: "Delete a user's chat settings",
        permissions: [],
        preview: false,
        path: {},
        output: () = parse_void,
    }
    GetChatsMessage = "getChatsMessage" {
        Get "/api/v2/chats/messages/{messageId}",
        snake: get_chats_message,
        summary: "Get a message",
        permissions: ["chat:chat:access", "chat:1on1Message:view", "chat:room:view"],
        preview: false,
        path: { message_id: "messageId" },
        output: ChatMessageResponse = parse_json,
    }
    GetChatsRoom = "getChatsRoom" {
        Get "/api/v2/chats/rooms/{roomJid}",
        snake: get_chats_room,
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
        snake: get_chats_room_message,
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
        snake: get_chats_room_messages,
        summary: "Get a room's message history",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { room_jid: "roomJid" },
        query: HistoryQuery,
        output: ChatMessageEntityListing = parse_json,
    }
    GetChatsRoomParticipant = "getChatsRoomParticipant" {
        Get "/api/v2/chats/rooms/{roomJid}/participants/{participantJid}",
        snake: get_chats_room_participant,
        summary: "Get a room participant",
        permissions: [],
        preview: false,
        path: { room_jid: "roomJid", participant_jid: "participantJid" },
        output: RoomParticipant = parse_json,
    }
    /// [`GetChatsRoomParticipants::notify`] asks for the users to notify (`notify`).
    GetChatsRoomParticipants = "getChatsRoomParticipants" {
        Get "/api/v2/chats/rooms/{roomJid}/participants",
        snake: get_chats_room_participants,
        summary: "Get room participants in a room",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { room_jid: "roomJid" },
        options: ParticipantsQuery,
        output: RoomParticipantsResponse = parse_json,
    }
    GetChatsSettings = "getChatsSettings" {
        Get "/api/v2/chats/settings",
        snake: get_chats_settings,
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
        snake: get_chats_thread_messages,
        summary: "Get history by thread",
        permissions: ["chat:chat:access", "chat:room:view"],
        preview: false,
        path: { thread_id: "threadId" },
        query: HistoryQuery,
        output: ChatMessageEntityListing = parse_json,
    }
    GetChatsUser = "getChatsUser" {
        Get "/api/v2/chats/users/{userId}",
        snake: get_chats_user,
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
        snake: get_chats_user_message,
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
        snake: get_chats_user_messages,
        summary: "Get 1on1 History between a user",
        permissions: ["chat:chat:access", "chat:1on1Message:view"],
        preview: false,
        path: { user_id: "userId" },
        query: HistoryQuery,
        output: ChatMessageEntityListing = parse_history,
    }
    GetChatsUserSettings = "getChatsUserSettings" {
        Get "/api/v2/chats/users/{userId}/settings",
        snake: get_chats_user_settings,
        summary: "Get a user's chat settings",
        permissions: ["chat:usersettings:view", "chat:setting:view"],
        preview: true,
        path: { user_id: "userId" },
        output: ChatUserSettings = parse_json,
    }
    /// Answers the caller's own settings, `UserSettingsForChat` (the `{userId}` form
    /// still answers `ChatUserSettings`). Permissions: the official SDKs name none.
    GetChatsUsersMeSettings = "getChatsUsersMeSettings" {
        Get "/api/v2/chats/users/me/settings",
        snake: get_chats_users_me_settings,
        summary: "Get a user's chat settings",
        permissions: [],
        preview: true,
        path: {},
        output: UserSettingsForChat = parse_json,
    }
    PatchChatsRoom = "patchChatsRoom" {
        Patch "/api/v2/chats/rooms/{roomJid}",
        snake: patch_chats_room,
        summary: "Set properties for a room",
        permissions: ["chat:chat:access", "chat:room:edit"],
        preview: false,
        path: { room_jid: "roomJid" },
        body: RoomUpdateRequest,
        output: () = parse_void,
    }
    PatchChatsRoomMessage = "patchChatsRoomMessage" {
        Patch "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
        snake: patch_chats_room_message,
        summary: "Edit a message in a room",
        permissions: ["chat:chat:access", "chat:roomMessage:edit"],
        preview: false,
        path: { room_jid: "roomJid", message_id: "messageId" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PatchChatsSettings = "patchChatsSettings" {
        Patch "/api/v2/chats/settings",
        snake: patch_chats_settings,
        summary: "Patch Chat Settings.",
        permissions: ["chat:setting:edit"],
        preview: false,
        path: {},
        body: ChatSettings,
        output: ChatSettings = parse_json,
    }
    PatchChatsUserMessage = "patchChatsUserMessage" {
        Patch "/api/v2/chats/users/{userId}/messages/{messageId}",
        snake: patch_chats_user_message,
        summary: "Edit a message to a user",
        permissions: ["chat:chat:access", "chat:1on1Message:view"],
        preview: false,
        path: { user_id: "userId", message_id: "messageId" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PatchChatsUserSettings = "patchChatsUserSettings" {
        Patch "/api/v2/chats/users/{userId}/settings",
        snake: patch_chats_user_settings,
        summary: "Update a user's chat settings",
        permissions: ["chat:usersettings:edit", "chat:setting:edit"],
        preview: true,
        path: { user_id: "userId" },
        body: ChatUserSettings,
        output: ChatUserSettings = parse_json,
    }
    /// Takes and answers `UserSettingsForChat`: the fields sent change, the others stay.
    /// Permissions: the official SDKs name none.
    PatchChatsUsersMeSettings = "patchChatsUsersMeSettings" {
        Patch "/api/v2/chats/users/me/settings",
        snake: patch_chats_users_me_settings,
        summary: "Update a user's chat settings",
        permissions: [],
        preview: true,
        path: {},
        body: UserSettingsForChat,
        output: UserSettingsForChat = parse_json,
    }
    PostChatsRoomMessages = "postChatsRoomMessages" {
        Post "/api/v2/chats/rooms/{roomJid}/messages",
        snake: post_chats_room_messages,
        summary: "Send a message to a room",
        permissions: ["chat:chat:access", "chat:roomMessage:add"],
        preview: false,
        path: { room_jid: "roomJid" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PostChatsRoomMessagesPins = "postChatsRoomMessagesPins" {
        Post "/api/v2/chats/rooms/{roomJid}/messages/pins",
        snake: post_chats_room_messages_pins,
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
        snake: post_chats_room_participant,
        summary: "Join a room",
        permissions: ["chat:chat:access", "chat:participant:add"],
        preview: false,
        path: { room_jid: "roomJid", user_id: "userId" },
        output: () = parse_void,
    }
    PostChatsRooms = "postChatsRooms" {
        Post "/api/v2/chats/rooms",
        snake: post_chats_rooms,
        summary: "Create an adhoc room",
        permissions: ["chat:chat:access", "chat:room:add"],
        preview: false,
        path: {},
        body: CreateRoomRequest,
        output: CreateRoomResponse = parse_json,
    }
    PostChatsUserMessages = "postChatsUserMessages" {
        Post "/api/v2/chats/users/{userId}/messages",
        snake: post_chats_user_messages,
        summary: "Send a message to a user",
        permissions: ["chat:chat:access", "chat:1on1Message:add"],
        preview: false,
        path: { user_id: "userId" },
        body: SendMessageBody,
        output: ChatSendMessageResponse = parse_json,
    }
    PostChatsUserMessagesPins = "postChatsUserMessagesPins" {
        Post "/api/v2/chats/users/{userId}/messages/pins",
        snake: post_chats_user_messages_pins,
        summary: "Add pinned messages for a 1on1, up to a maximum of 5 pinned messages",
        permissions: ["chat:chat:access", "chat:1on1:edit"],
        preview: true,
        path: { user_id: "userId" },
        body: PinnedMessageRequest,
        output: () = parse_void,
    }
    /// Creates the caller's settings (`muted` required). Permissions: the official SDKs
    /// name none for this operation (like the other `users/me` operations), so none is
    /// listed and none is checked here.
    PostChatsUsersMeSettings = "postChatsUsersMeSettings" {
        Post "/api/v2/chats/users/me/settings",
        snake: post_chats_users_me_settings,
        summary: "Create a user's chat settings",
        permissions: [],
        preview: false,
        path: {},
        body: UserChatSettingsPost,
        output: () = parse_void,
    }
    /// The body is the caller's whole set of reactions: it replaces the previous one.
    PutChatsMessageReactions = "putChatsMessageReactions" {
        Put "/api/v2/chats/messages/{messageId}/reactions",
        snake: put_chats_message_reactions,
        summary: "Update reactions to a message",
        permissions: ["chat:chat:access", "chat:reactions:edit"],
        preview: false,
        path: { message_id: "messageId" },
        body: ChatReactionUpdate,
        output: () = parse_void,
    }
    PutChatsSettings = "putChatsSettings" {
        Put "/api/v2/chats/settings",
        snake: put_chats_settings,
        summary: "Update Chat Settings.",
        permissions: ["chat:setting:edit"],
        preview: false,
        path: {},
        body: ChatSettings,
        output: ChatSettings = parse_json,
    }
}

operations! {
    /// The operations of the Users API this crate carries, apart from the Chat API's
    /// [`ALL`]: only "my chats", how a program finds the rooms and 1on1s it is in.
    pub const USERS;
    /// The rooms and 1on1s the caller takes part in, one cursor page at a time
    /// (`excludeClosed`, `includePresence`, `includeRoomOwners`, `after`, each sent only
    /// when set). Part of the Users API, not the Chat API: it is in [`USERS`], not [`ALL`].
    /// [`GetUsersChatsMe::next_page`] gives the request for the next page from
    /// `nextUri`; [`MyChatsWalk`] walks them all. Permissions: the official SDKs name none.
    GetUsersChatsMe = "getUsersChatsMe" {
        Get "/api/v2/users/chats/me",
        snake: get_users_chats_me,
        summary: "Get chats for a user",
        permissions: [],
        preview: false,
        path: {},
        options: MyChatsQuery,
        output: ChatItemCursorListing = parse_json,
    }
}

impl GetChatsRoomParticipants {
    /// Whether to get the users to notify (`notify`, sent as `true` or `false`).
    pub fn notify(mut self, notify: bool) -> Self {
        self.query.notify = Some(notify);
        self
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

/// Looks an operation up by its official id, e.g. `getChatsRoom`, in [`ALL`] and then
/// [`USERS`].
pub fn find(id: &str) -> Option<&'static OperationMeta> {
    ALL.iter().chain(USERS).copied().find(|m| m.id == id)
}
