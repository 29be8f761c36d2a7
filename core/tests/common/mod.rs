//! Shared helpers of the core's integration tests.
//!
//! Everything expected here is written out literally from `reference/operations.md`; the
//! helpers only build operations and responses, they never compute an expected value with
//! the code under test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use genesys_chat::models::{
    ChatReactionUpdate, ChatSettings, ChatUserSettings, CreateRoomRequest, NotifyWhen,
    PinnedMessageRequest, RoomUpdateRequest, SendMessageBody, UserChatSettingsPost,
    UserSettingsForChat,
};
use genesys_chat::operations::*;
use genesys_chat::{Config, Error, Operation};

/// A realistic room JID.
pub const ROOM: &str = "5f3883f8130b94165bf37a3c@conference.example.orgspan.com";
/// A realistic user JID.
pub const USER: &str = "5f3883f8130b94165bf37a3d@example.orgspan.com";

/// One row of the operation table of `reference/operations.md`, written out by hand.
#[derive(Debug, Clone, Copy)]
pub struct OpRow {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub permissions: &'static [&'static str],
    pub preview: bool,
    /// The request body model (from the official signature), if any.
    pub request_body: Option<&'static str>,
    /// The response model this project returns (note 1: a listing for all three
    /// history operations), or `None` for `void`.
    pub response: Option<&'static str>,
}

const fn row(
    id: &'static str,
    method: &'static str,
    path: &'static str,
    permissions: &'static [&'static str],
    preview: bool,
    request_body: Option<&'static str>,
    response: Option<&'static str>,
) -> OpRow {
    OpRow {
        id,
        method,
        path,
        permissions,
        preview,
        request_body,
        response,
    }
}

/// The 34 operations, in the order of `reference/operations.md` with the two of the
/// current SDKs (`api-current.md`) in their alphabetical places.
pub const OPS: [OpRow; 34] = [
    row(
        "deleteChatsRoomMessage",
        "DELETE",
        "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
        &["chat:chat:access", "chat:roomMessage:delete"],
        false,
        None,
        None,
    ),
    row(
        "deleteChatsRoomMessagesPin",
        "DELETE",
        "/api/v2/chats/rooms/{roomJid}/messages/pins/{pinnedMessageId}",
        &["chat:chat:access", "chat:room:edit"],
        false,
        None,
        None,
    ),
    row(
        "deleteChatsRoomParticipant",
        "DELETE",
        "/api/v2/chats/rooms/{roomJid}/participants/{userId}",
        &["chat:chat:access", "chat:participant:delete"],
        false,
        None,
        None,
    ),
    row(
        "deleteChatsUserMessage",
        "DELETE",
        "/api/v2/chats/users/{userId}/messages/{messageId}",
        &["chat:chat:access", "chat:1on1Message:delete"],
        false,
        None,
        None,
    ),
    row(
        "deleteChatsUserMessagesPin",
        "DELETE",
        "/api/v2/chats/users/{userId}/messages/pins/{pinnedMessageId}",
        &["chat:chat:access", "chat:1on1:edit"],
        true,
        None,
        None,
    ),
    row(
        "deleteChatsUsersMeSettings",
        "DELETE",
        "/api/v2/chats/users/me/settings",
        &[],
        false,
        None,
        None,
    ),
    row(
        "getChatsMessage",
        "GET",
        "/api/v2/chats/messages/{messageId}",
        &[
            "chat:chat:access",
            "chat:1on1Message:view",
            "chat:room:view",
        ],
        false,
        None,
        Some("ChatMessageResponse"),
    ),
    row(
        "getChatsRoom",
        "GET",
        "/api/v2/chats/rooms/{roomJid}",
        &["chat:chat:access", "chat:room:view"],
        false,
        None,
        Some("Room"),
    ),
    row(
        "getChatsRoomMessage",
        "GET",
        "/api/v2/chats/rooms/{roomJid}/messages/{messageIds}",
        &["chat:chat:access", "chat:room:view"],
        false,
        None,
        Some("ChatMessageEntityListing"),
    ),
    row(
        "getChatsRoomMessages",
        "GET",
        "/api/v2/chats/rooms/{roomJid}/messages",
        &["chat:chat:access", "chat:room:view"],
        false,
        None,
        Some("ChatMessageEntityListing"),
    ),
    row(
        "getChatsRoomParticipant",
        "GET",
        "/api/v2/chats/rooms/{roomJid}/participants/{participantJid}",
        &[],
        false,
        None,
        Some("RoomParticipant"),
    ),
    row(
        "getChatsRoomParticipants",
        "GET",
        "/api/v2/chats/rooms/{roomJid}/participants",
        &["chat:chat:access", "chat:room:view"],
        false,
        None,
        Some("RoomParticipantsResponse"),
    ),
    row(
        "getChatsSettings",
        "GET",
        "/api/v2/chats/settings",
        &["chat:setting:view", "chat:setting:edit"],
        false,
        None,
        Some("ChatSettings"),
    ),
    row(
        "getChatsThreadMessages",
        "GET",
        "/api/v2/chats/threads/{threadId}/messages",
        &["chat:chat:access", "chat:room:view"],
        false,
        None,
        Some("ChatMessageEntityListing"),
    ),
    row(
        "getChatsUser",
        "GET",
        "/api/v2/chats/users/{userId}",
        &["chat:chat:access", "chat:1on1:view"],
        true,
        None,
        Some("OneOnOne"),
    ),
    row(
        "getChatsUserMessage",
        "GET",
        "/api/v2/chats/users/{userId}/messages/{messageIds}",
        &["chat:chat:access", "chat:1on1Message:view"],
        false,
        None,
        Some("ChatMessageEntityListing"),
    ),
    row(
        "getChatsUserMessages",
        "GET",
        "/api/v2/chats/users/{userId}/messages",
        &["chat:chat:access", "chat:1on1Message:view"],
        false,
        None,
        // Note 1: officially `ChatMessageResponse`; this project returns a listing.
        Some("ChatMessageEntityListing"),
    ),
    row(
        "getChatsUserSettings",
        "GET",
        "/api/v2/chats/users/{userId}/settings",
        &["chat:usersettings:view", "chat:setting:view"],
        true,
        None,
        Some("ChatUserSettings"),
    ),
    row(
        "getChatsUsersMeSettings",
        "GET",
        "/api/v2/chats/users/me/settings",
        &[],
        true,
        None,
        Some("UserSettingsForChat"),
    ),
    row(
        "patchChatsRoom",
        "PATCH",
        "/api/v2/chats/rooms/{roomJid}",
        &["chat:chat:access", "chat:room:edit"],
        false,
        Some("RoomUpdateRequest"),
        None,
    ),
    row(
        "patchChatsRoomMessage",
        "PATCH",
        "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
        &["chat:chat:access", "chat:roomMessage:edit"],
        false,
        Some("SendMessageBody"),
        Some("ChatSendMessageResponse"),
    ),
    row(
        "patchChatsSettings",
        "PATCH",
        "/api/v2/chats/settings",
        &["chat:setting:edit"],
        false,
        Some("ChatSettings"),
        Some("ChatSettings"),
    ),
    row(
        "patchChatsUserMessage",
        "PATCH",
        "/api/v2/chats/users/{userId}/messages/{messageId}",
        &["chat:chat:access", "chat:1on1Message:view"],
        false,
        Some("SendMessageBody"),
        Some("ChatSendMessageResponse"),
    ),
    row(
        "patchChatsUserSettings",
        "PATCH",
        "/api/v2/chats/users/{userId}/settings",
        &["chat:usersettings:edit", "chat:setting:edit"],
        true,
        Some("ChatUserSettings"),
        Some("ChatUserSettings"),
    ),
    row(
        "patchChatsUsersMeSettings",
        "PATCH",
        "/api/v2/chats/users/me/settings",
        &[],
        true,
        Some("UserSettingsForChat"),
        Some("UserSettingsForChat"),
    ),
    row(
        "postChatsRoomMessages",
        "POST",
        "/api/v2/chats/rooms/{roomJid}/messages",
        &["chat:chat:access", "chat:roomMessage:add"],
        false,
        Some("SendMessageBody"),
        Some("ChatSendMessageResponse"),
    ),
    row(
        "postChatsRoomMessagesPins",
        "POST",
        "/api/v2/chats/rooms/{roomJid}/messages/pins",
        &["chat:chat:access", "chat:room:edit"],
        false,
        Some("PinnedMessageRequest"),
        None,
    ),
    row(
        "postChatsRoomParticipant",
        "POST",
        "/api/v2/chats/rooms/{roomJid}/participants/{userId}",
        &["chat:chat:access", "chat:participant:add"],
        false,
        None,
        None,
    ),
    row(
        "postChatsRooms",
        "POST",
        "/api/v2/chats/rooms",
        &["chat:chat:access", "chat:room:add"],
        false,
        Some("CreateRoomRequest"),
        Some("CreateRoomResponse"),
    ),
    row(
        "postChatsUserMessages",
        "POST",
        "/api/v2/chats/users/{userId}/messages",
        &["chat:chat:access", "chat:1on1Message:add"],
        false,
        Some("SendMessageBody"),
        Some("ChatSendMessageResponse"),
    ),
    row(
        "postChatsUserMessagesPins",
        "POST",
        "/api/v2/chats/users/{userId}/messages/pins",
        &["chat:chat:access", "chat:1on1:edit"],
        true,
        Some("PinnedMessageRequest"),
        None,
    ),
    row(
        "postChatsUsersMeSettings",
        "POST",
        "/api/v2/chats/users/me/settings",
        &[],
        false,
        Some("UserChatSettingsPost"),
        None,
    ),
    row(
        "putChatsMessageReactions",
        "PUT",
        "/api/v2/chats/messages/{messageId}/reactions",
        &["chat:chat:access", "chat:reactions:edit"],
        false,
        Some("ChatReactionUpdate"),
        None,
    ),
    row(
        "putChatsSettings",
        "PUT",
        "/api/v2/chats/settings",
        &["chat:setting:edit"],
        false,
        Some("ChatSettings"),
        Some("ChatSettings"),
    ),
];

impl OpRow {
    /// The `{name}` placeholders of the path template, in order.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    /// The index (in `path.split('/')`) of the segment holding `param`.
    pub fn segment_index(&self, param: &str) -> usize {
        let wanted = format!("{{{param}}}");
        self.path
            .split('/')
            .position(|seg| seg == wanted)
            .expect("the parameter is in the template")
    }

    /// The query parameters the operation sends (when set), in order.
    pub fn query_params(&self) -> &'static [&'static str] {
        if self.is_history() {
            &["limit", "before", "after", "excludeMetadata"]
        } else if self.id == "getChatsRoomParticipants" {
            &["notify"]
        } else {
            &[]
        }
    }

    /// Whether the operation is one of the three history operations.
    pub fn is_history(&self) -> bool {
        matches!(
            self.id,
            "getChatsRoomMessages" | "getChatsThreadMessages" | "getChatsUserMessages"
        )
    }
}

/// The configuration of the golden tests.
pub fn cfg() -> Config {
    Config::with_base_url("https://api.example.com")
        .unwrap()
        .with_token("tok")
        .unwrap()
}

/// A response with this status, headers and body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.to_vec()).unwrap()
}

/// Does something with one operation, whatever its type.
pub trait Visit {
    type Out;
    fn visit<O: Operation + Debug>(self, op: O) -> Self::Out
    where
        O::Output: Debug;
}

/// Builds the operation with this official id, taking each path parameter from `p`
/// (by its official name) and a small valid body, and hands it to `v`.
///
/// Panics on an unknown id.
pub fn dispatch<V: Visit>(id: &str, p: &dyn Fn(&str) -> String, v: V) -> V::Out {
    let msg = || SendMessageBody::new("hello");
    let settings = || ChatSettings::with_retention_days(30);
    let user_settings = || ChatUserSettings::notify(NotifyWhen::Always);
    let pins = || PinnedMessageRequest::new(["m1"]);
    match id {
        "deleteChatsRoomMessage" => {
            v.visit(DeleteChatsRoomMessage::new(p("roomJid"), p("messageId")))
        }
        "deleteChatsRoomMessagesPin" => v.visit(DeleteChatsRoomMessagesPin::new(
            p("roomJid"),
            p("pinnedMessageId"),
        )),
        "deleteChatsRoomParticipant" => {
            v.visit(DeleteChatsRoomParticipant::new(p("roomJid"), p("userId")))
        }
        "deleteChatsUserMessage" => {
            v.visit(DeleteChatsUserMessage::new(p("userId"), p("messageId")))
        }
        "deleteChatsUserMessagesPin" => v.visit(DeleteChatsUserMessagesPin::new(
            p("userId"),
            p("pinnedMessageId"),
        )),
        "getChatsMessage" => v.visit(GetChatsMessage::new(p("messageId"))),
        "getChatsRoom" => v.visit(GetChatsRoom::new(p("roomJid"))),
        "getChatsRoomMessage" => v.visit(GetChatsRoomMessage::new(p("roomJid"), p("messageIds"))),
        "getChatsRoomMessages" => v.visit(GetChatsRoomMessages::new(p("roomJid"))),
        "getChatsRoomParticipant" => v.visit(GetChatsRoomParticipant::new(
            p("roomJid"),
            p("participantJid"),
        )),
        "getChatsRoomParticipants" => v.visit(GetChatsRoomParticipants::new(p("roomJid"))),
        "getChatsSettings" => v.visit(GetChatsSettings::new()),
        "getChatsThreadMessages" => v.visit(GetChatsThreadMessages::new(p("threadId"))),
        "getChatsUser" => v.visit(GetChatsUser::new(p("userId"))),
        "getChatsUserMessage" => v.visit(GetChatsUserMessage::new(p("userId"), p("messageIds"))),
        "getChatsUserMessages" => v.visit(GetChatsUserMessages::new(p("userId"))),
        "getChatsUserSettings" => v.visit(GetChatsUserSettings::new(p("userId"))),
        "getChatsUsersMeSettings" => v.visit(GetChatsUsersMeSettings::new()),
        "patchChatsRoom" => v.visit(PatchChatsRoom::new(
            p("roomJid"),
            RoomUpdateRequest::new().subject("Launch"),
        )),
        "patchChatsRoomMessage" => v.visit(PatchChatsRoomMessage::new(
            p("roomJid"),
            p("messageId"),
            msg(),
        )),
        "patchChatsSettings" => v.visit(PatchChatsSettings::new(settings())),
        "patchChatsUserMessage" => v.visit(PatchChatsUserMessage::new(
            p("userId"),
            p("messageId"),
            msg(),
        )),
        "patchChatsUserSettings" => {
            v.visit(PatchChatsUserSettings::new(p("userId"), user_settings()))
        }
        "patchChatsUsersMeSettings" => v.visit(PatchChatsUsersMeSettings::new(
            UserSettingsForChat::default().notify(NotifyWhen::Always),
        )),
        "postChatsUsersMeSettings" => v.visit(PostChatsUsersMeSettings::new(
            UserChatSettingsPost::new(true),
        )),
        "deleteChatsUsersMeSettings" => v.visit(DeleteChatsUsersMeSettings::new()),
        "postChatsRoomMessages" => v.visit(PostChatsRoomMessages::new(p("roomJid"), msg())),
        "postChatsRoomMessagesPins" => {
            v.visit(PostChatsRoomMessagesPins::new(p("roomJid"), pins()))
        }
        "postChatsRoomParticipant" => {
            v.visit(PostChatsRoomParticipant::new(p("roomJid"), p("userId")))
        }
        "postChatsRooms" => v.visit(PostChatsRooms::new(CreateRoomRequest::new("Launch"))),
        "postChatsUserMessages" => v.visit(PostChatsUserMessages::new(p("userId"), msg())),
        "postChatsUserMessagesPins" => v.visit(PostChatsUserMessagesPins::new(p("userId"), pins())),
        "putChatsMessageReactions" => v.visit(PutChatsMessageReactions::new(
            p("messageId"),
            ChatReactionUpdate::new(["👍"]),
        )),
        "putChatsSettings" => v.visit(PutChatsSettings::new(settings())),
        other => panic!("no such operation in the test dispatcher: {other}"),
    }
}

/// Visitor: the operation's request.
pub struct ToHttp<'a>(pub &'a Config);

impl Visit for ToHttp<'_> {
    type Out = Result<http::Request<Vec<u8>>, Error>;
    fn visit<O: Operation + Debug>(self, op: O) -> Self::Out
    where
        O::Output: Debug,
    {
        op.to_http(self.0)
    }
}

/// Visitor: the parsed response, printed with `Debug` on success.
pub struct Parse<'a>(pub &'a Config, pub &'a http::Response<Vec<u8>>);

impl Visit for Parse<'_> {
    type Out = Result<String, Error>;
    fn visit<O: Operation + Debug>(self, op: O) -> Self::Out
    where
        O::Output: Debug,
    {
        op.parse(self.0, self.1).map(|out| format!("{out:?}"))
    }
}

/// Visitor: the official id in the operation's metadata, and its `Debug`.
pub struct MetaId;

impl Visit for MetaId {
    type Out = (&'static str, String);
    fn visit<O: Operation + Debug>(self, op: O) -> Self::Out
    where
        O::Output: Debug,
    {
        (O::META.id, format!("{op:?}"))
    }
}

/// Builds the request of operation `id` with every path parameter set to `value`.
pub fn build_all_params(
    id: &str,
    cfg: &Config,
    value: &str,
) -> Result<http::Request<Vec<u8>>, Error> {
    dispatch(id, &|_| value.to_owned(), ToHttp(cfg))
}

/// Asserts the complete header set of a request built by `cfg()`.
pub fn assert_headers(req: &http::Request<Vec<u8>>, with_body: bool) {
    let h = req.headers();
    assert_eq!(h.get("accept").unwrap(), "application/json");
    assert_eq!(h.get("authorization").unwrap(), "Bearer tok");
    assert!(
        h.get("authorization").unwrap().is_sensitive(),
        "the Authorization header must be marked sensitive"
    );
    assert_eq!(h.get("user-agent").unwrap(), "genesys-chat/0.1.0");
    if with_body {
        assert_eq!(h.get("content-type").unwrap(), "application/json");
        assert_eq!(h.len(), 4, "unexpected headers: {h:?}");
        assert_eq!(h.keys_len(), 4, "unexpected headers: {h:?}");
    } else {
        assert!(
            h.get("content-type").is_none(),
            "content-type without a body"
        );
        assert_eq!(h.len(), 3, "unexpected headers: {h:?}");
        assert_eq!(h.keys_len(), 3, "unexpected headers: {h:?}");
    }
}

/// Asserts a whole request: method, URI, headers and body (`None` = empty body).
pub fn assert_request(
    req: &http::Request<Vec<u8>>,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
) {
    assert_eq!(req.method().as_str(), method);
    assert_eq!(req.uri().to_string(), uri);
    assert_eq!(req.version(), http::Version::HTTP_11);
    match body {
        None => {
            assert!(req.body().is_empty(), "expected an empty body");
            assert_headers(req, false);
        }
        Some(expected) => {
            let actual: serde_json::Value =
                serde_json::from_slice(req.body()).expect("the body is JSON");
            assert_eq!(actual, expected);
            assert_headers(req, true);
        }
    }
}
