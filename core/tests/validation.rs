//! Input that can never be valid is refused before a request exists, with an error that
//! names the official field and says what is wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{OPS, ROOM, USER, cfg};
use genesys_chat::models::*;
use genesys_chat::operations::*;
use genesys_chat::{AccessToken, Config, Error, Operation};

/// Asserts `result` is `InvalidInput` for `field`, and that its Display names the field
/// and contains every one of `says`.
#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>, field: &str, says: &[&str]) {
    let err = result.expect_err("expected an error");
    let Error::InvalidInput { field: actual, .. } = &err else {
        panic!("expected Error::InvalidInput for `{field}`, got {err:?}");
    };
    assert_eq!(*actual, field, "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&format!("`{field}`")), "{shown}");
    for s in says {
        assert!(shown.contains(s), "`{shown}` should say `{s}`");
    }
}

/// For every operation and each of its path parameters, that parameter set to `bad`
/// (the others valid) is refused, naming that parameter.
fn every_path_param_refuses(bad: &str, says: &str) {
    let mut checked = 0;
    for row in OPS {
        for param in row.path_params() {
            let result = common::dispatch(
                row.id,
                &|name| {
                    if name == param {
                        bad.to_owned()
                    } else {
                        "x".to_owned()
                    }
                },
                common::ToHttp(&cfg()),
            );
            let err = result.expect_err(&format!("{} accepted {param} = {bad:?}", row.id));
            let Error::InvalidInput { field, .. } = &err else {
                panic!("{}: expected InvalidInput, got {err:?}", row.id);
            };
            assert_eq!(*field, param, "{}: {err}", row.id);
            let shown = err.to_string();
            assert!(shown.contains(&format!("`{param}`")), "{shown}");
            assert!(
                shown.contains(says),
                "{}: `{shown}` should say `{says}`",
                row.id
            );
            checked += 1;
        }
    }
    // The 32 operations hold 37 path parameters between them (counted by hand in the reference).
    assert_eq!(checked, 37);
}

#[test]
fn empty_path_parameter_is_refused() {
    every_path_param_refuses("", "empty");
    assert_invalid(GetChatsRoom::new("").to_http(&cfg()), "roomJid", &["empty"]);
}

#[test]
fn dot_path_parameter_is_refused() {
    every_path_param_refuses(".", "`.` or `..`");
    assert_invalid(
        GetChatsRoomMessages::new(".").to_http(&cfg()),
        "roomJid",
        &["`.` or `..`"],
    );
}

#[test]
fn dot_dot_path_parameter_is_refused() {
    every_path_param_refuses("..", "`.` or `..`");
    assert_invalid(
        DeleteChatsUserMessage::new(USER, "..").to_http(&cfg()),
        "messageId",
        &["`.` or `..`"],
    );
}

#[test]
fn dots_that_are_not_a_whole_segment_are_sent() {
    // Only a whole `.` or `..` segment is normalised away; these travel as they are.
    let req = GetChatsRoom::new("...").to_http(&cfg()).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://api.example.com/api/v2/chats/rooms/..."
    );
    let req = GetChatsRoom::new("../settings").to_http(&cfg()).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://api.example.com/api/v2/chats/rooms/..%2Fsettings"
    );
}

#[test]
fn message_ids_with_empty_members_are_refused() {
    for bad in [",", "m1,", ",m1", "m1,,m2"] {
        assert_invalid(
            GetChatsRoomMessage::new(ROOM, bad).to_http(&cfg()),
            "messageIds",
            &["empty id"],
        );
        assert_invalid(
            GetChatsUserMessage::new(USER, bad).to_http(&cfg()),
            "messageIds",
            &["empty id"],
        );
    }
    assert_invalid(
        GetChatsRoomMessage::ids(ROOM, Vec::<String>::new()),
        "messageIds",
        &["empty"],
    );
    assert_invalid(
        GetChatsUserMessage::ids(USER, ["m1", ""]),
        "messageIds",
        &["empty id"],
    );
    assert_invalid(
        GetChatsRoomMessage::ids(ROOM, ["m1", "m2,m3"]),
        "messageIds",
        &["comma"],
    );
}

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("message-{i}")).collect()
}

#[test]
fn more_than_5_pinned_ids_are_refused() {
    assert_invalid(
        PostChatsRoomMessagesPins::new(ROOM, PinnedMessageRequest::new(ids(6))).to_http(&cfg()),
        "pinnedMessageIds",
        &["6", "at most 5"],
    );
    assert_invalid(
        PostChatsUserMessagesPins::new(USER, PinnedMessageRequest::new(ids(6))).to_http(&cfg()),
        "pinnedMessageIds",
        &["at most 5"],
    );
    assert_invalid(
        PatchChatsRoom::new(ROOM, RoomUpdateRequest::new().pinned_message_ids(ids(6)))
            .to_http(&cfg()),
        "pinnedMessageIds",
        &["6", "at most 5"],
    );
    // Exactly 5 is fine.
    let req = PostChatsRoomMessagesPins::new(ROOM, PinnedMessageRequest::new(ids(5)))
        .to_http(&cfg())
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(req.body()).unwrap(),
        serde_json::json!({"pinnedMessageIds": ["message-1", "message-2", "message-3", "message-4", "message-5"]})
    );
    PatchChatsRoom::new(ROOM, RoomUpdateRequest::new().pinned_message_ids(ids(5)))
        .to_http(&cfg())
        .unwrap();
    // None at all, or an empty id, is refused too.
    assert_invalid(
        PostChatsRoomMessagesPins::new(ROOM, PinnedMessageRequest::new(ids(0))).to_http(&cfg()),
        "pinnedMessageIds",
        &["empty"],
    );
    assert_invalid(
        PostChatsUserMessagesPins::new(USER, PinnedMessageRequest::new(["m1", ""])).to_http(&cfg()),
        "pinnedMessageIds",
        &["empty id"],
    );
}

#[test]
fn more_than_25_user_ids_are_refused() {
    assert_invalid(
        PostChatsRooms::new(CreateRoomRequest::new("Launch").user_ids(ids(26))).to_http(&cfg()),
        "userIds",
        &["26", "at most 25"],
    );
    let req = PostChatsRooms::new(CreateRoomRequest::new("Launch").user_ids(ids(25)))
        .to_http(&cfg())
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(body["userIds"].as_array().unwrap().len(), 25);
}

#[test]
fn limit_0_is_refused() {
    assert_invalid(
        GetChatsRoomMessages::new(ROOM).limit(0).to_http(&cfg()),
        "limit",
        &["0"],
    );
    assert_invalid(
        GetChatsThreadMessages::new("t1").limit(0).to_http(&cfg()),
        "limit",
        &["0"],
    );
    assert_invalid(
        GetChatsUserMessages::new(USER).limit(0).to_http(&cfg()),
        "limit",
        &["0"],
    );
    let req = GetChatsUserMessages::new(USER)
        .limit(1)
        .to_http(&cfg())
        .unwrap();
    assert_eq!(req.uri().query(), Some("limit=1"));
}

#[test]
fn retention_outside_10_to_3650_days_is_refused() {
    for days in [0, 9, 3651, u32::MAX] {
        let settings = ChatSettings::with_retention_days(days);
        assert_invalid(
            PutChatsSettings::new(settings.clone()).to_http(&cfg()),
            "messageRetentionPeriodDays",
            &[&days.to_string(), "10", "3650"],
        );
        assert_invalid(
            PatchChatsSettings::new(settings).to_http(&cfg()),
            "messageRetentionPeriodDays",
            &[&days.to_string(), "10", "3650"],
        );
    }
}

#[test]
fn retention_of_10_and_3650_days_is_accepted() {
    for (days, json) in [
        (10, serde_json::json!({"messageRetentionPeriodDays": 10})),
        (
            3650,
            serde_json::json!({"messageRetentionPeriodDays": 3650}),
        ),
    ] {
        let put = PutChatsSettings::new(ChatSettings::with_retention_days(days))
            .to_http(&cfg())
            .unwrap();
        let patch = PatchChatsSettings::new(ChatSettings::with_retention_days(days))
            .to_http(&cfg())
            .unwrap();
        for req in [put, patch] {
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(req.body()).unwrap(),
                json
            );
        }
    }
}

#[test]
fn token_with_cr_or_lf_is_refused() {
    for bad in [
        "tok\r\nX-Injected: 1",
        "tok\n",
        "\rtok",
        "abc\ndef",
        "abc\rdef",
    ] {
        assert_invalid(AccessToken::new(bad), "accessToken", &["line break"]);
        assert_invalid(
            Config::with_base_url("https://api.example.com")
                .unwrap()
                .with_token(bad),
            "accessToken",
            &["line break"],
        );
    }
}

#[test]
fn token_with_other_non_visible_characters_is_refused() {
    for bad in [
        "tok\0en",
        "tok\ten",
        "tok\u{7f}",
        "tok\u{1b}[31m",
        "tok\u{a0}en",
        "tok\u{200b}en",
        "tökén",
    ] {
        assert_invalid(
            AccessToken::new(bad),
            "accessToken",
            &["control or non-ASCII"],
        );
        assert_invalid(
            Config::new(genesys_chat::Region::UsEast1).with_token(bad),
            "accessToken",
            &["control or non-ASCII"],
        );
    }
    assert_invalid(AccessToken::new("Bearer tok"), "accessToken", &["space"]);
    assert_invalid(AccessToken::new(" tok"), "accessToken", &["space"]);
    assert_invalid(AccessToken::new(""), "accessToken", &["empty"]);
    // Every visible ASCII character is fine.
    let visible: String = (b'!'..=b'~').map(char::from).collect();
    assert_eq!(AccessToken::new(visible.clone()).unwrap().secret(), visible);
}

#[test]
fn user_agent_with_cr_lf_or_non_visible_characters_is_refused() {
    let base = || Config::with_base_url("https://api.example.com").unwrap();
    for bad in ["app/1.0\r\nX-Injected: 1", "app/1.0\n", "app\r/1.0"] {
        assert_invalid(base().with_user_agent(bad), "userAgent", &["line break"]);
    }
    for bad in ["app\0/1.0", "app\t/1.0", "app/1.0\u{7f}", "app/1.0 é"] {
        assert_invalid(
            base().with_user_agent(bad),
            "userAgent",
            &["control or non-ASCII"],
        );
    }
    assert_invalid(base().with_user_agent(""), "userAgent", &["empty"]);
    assert_invalid(base().with_user_agent("   "), "userAgent", &["empty"]);
    // Spaces inside are fine.
    let cfg = base()
        .with_token("tok")
        .unwrap()
        .with_user_agent("launch-bot/2.1 (linux)")
        .unwrap();
    let req = GetChatsSettings::new().to_http(&cfg).unwrap();
    assert_eq!(
        req.headers().get("user-agent").unwrap(),
        "launch-bot/2.1 (linux)"
    );
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_unless_allowed() {
    for url in [
        "http://api.example.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
        "HTTP://API.EXAMPLE.COM",
    ] {
        let cfg = Config::with_base_url(url)
            .unwrap()
            .with_token("tok")
            .unwrap();
        let err = GetChatsSettings::new().to_http(&cfg).unwrap_err();
        let Error::Config(reason) = &err else {
            panic!("{url}: expected Error::Config, got {err:?}");
        };
        assert!(reason.contains("plain http"), "{reason}");
        let shown = err.to_string();
        assert!(shown.contains("clear text"), "{shown}");
        assert!(shown.contains("allow_insecure_http"), "{shown}");

        // Allowed explicitly: the request goes out over http.
        let req = GetChatsSettings::new()
            .to_http(&cfg.allow_insecure_http(true))
            .unwrap();
        assert_eq!(req.uri().scheme_str(), Some("http"), "{url}");
        assert_eq!(req.headers().get("authorization").unwrap(), "Bearer tok");
    }
    // Loopback hosts need no permission.
    for (url, uri) in [
        (
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/api/v2/chats/settings",
        ),
        (
            "http://localhost:9000",
            "http://localhost:9000/api/v2/chats/settings",
        ),
        (
            "http://[::1]:9000",
            "http://[::1]:9000/api/v2/chats/settings",
        ),
        ("http://127.5.6.7", "http://127.5.6.7/api/v2/chats/settings"),
    ] {
        let cfg = Config::with_base_url(url)
            .unwrap()
            .with_token("tok")
            .unwrap();
        let req = GetChatsSettings::new().to_http(&cfg).unwrap();
        assert_eq!(req.uri().to_string(), uri);
    }
    // Turning it back off refuses again.
    let cfg = Config::with_base_url("http://api.example.com")
        .unwrap()
        .with_token("tok")
        .unwrap()
        .allow_insecure_http(true)
        .allow_insecure_http(false);
    assert!(matches!(
        GetChatsSettings::new().to_http(&cfg),
        Err(Error::Config(_))
    ));
}

#[test]
fn missing_token_is_an_error() {
    let no_token = Config::with_base_url("https://api.example.com").unwrap();
    for row in OPS {
        let err = common::build_all_params(row.id, &no_token, "x").unwrap_err();
        let Error::Config(reason) = &err else {
            panic!("{}: expected Error::Config, got {err:?}", row.id);
        };
        assert!(reason.contains("no access token"), "{reason}");
        assert!(err.to_string().contains("Config::with_token"), "{err}");
    }
    let err = GetChatsRoom::new(ROOM)
        .to_http(&Config::new(genesys_chat::Region::EuCentral1))
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn bad_base_urls_are_refused() {
    const SCHEME: &str = "invalid `baseUrl`: must start with https:// or http://";
    const CREDENTIALS: &str = "invalid `baseUrl`: holds credentials (user@host); pass the URL without them (e.g. https://api.mypurecloud.com) and the token or client credentials through Config or Credentials";
    const QUERY_OR_FRAGMENT: &str = "invalid `baseUrl`: holds a query (?…) or a fragment (#…); pass the base URL alone, e.g. https://api.mypurecloud.com or https://gw.example.com/genesys";
    const API_V2: &str = "invalid `baseUrl`: ends in /api/v2, which the client puts in front of every path itself; pass the URL without /api/v2, e.g. https://api.mypurecloud.com, not https://api.mypurecloud.com/api/v2";
    for (url, says) in [
        ("ftp://api.example.com", SCHEME),
        ("api.example.com", SCHEME),
        ("https://user:secret@api.example.com", CREDENTIALS),
        ("https://api.example.com/?a=1", QUERY_OR_FRAGMENT),
        ("https://api.example.com/#top", QUERY_OR_FRAGMENT),
        ("https://api.example.com/api/v2", API_V2),
        ("https://gw.example.com/genesys/API/V2/", API_V2),
    ] {
        let err = Config::with_base_url(url).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "baseUrl",
                    ..
                }
            ),
            "{url}: {err:?}"
        );
        assert_eq!(err.to_string(), says, "{url}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}

#[test]
fn other_body_rules() {
    assert_invalid(
        PostChatsRoomMessages::new(ROOM, SendMessageBody::new("hi").thread_id("")).to_http(&cfg()),
        "threadId",
        &["empty"],
    );
    assert_invalid(
        PostChatsUserMessages::new(USER, SendMessageBody::new("hi").mention("")).to_http(&cfg()),
        "mentions",
        &["empty id"],
    );
    assert_invalid(
        PutChatsMessageReactions::new("m1", ChatReactionUpdate::new(["👍", ""])).to_http(&cfg()),
        "reactions",
        &["empty"],
    );
    assert_invalid(
        PatchChatsRoom::new(ROOM, RoomUpdateRequest::new().owner_ids(["u1", ""])).to_http(&cfg()),
        "ownerIds",
        &["empty id"],
    );
    // The service accepts at most 512000 bytes of body (platform.md). `{"message":""}` is
    // 14 bytes, so 511986 characters of text make a body of exactly 512000 bytes.
    let at_limit = PostChatsRoomMessages::new(ROOM, SendMessageBody::new("x".repeat(511_986)))
        .to_http(&cfg())
        .unwrap();
    assert_eq!(at_limit.body().len(), 512_000);
    assert_invalid(
        PostChatsRoomMessages::new(ROOM, SendMessageBody::new("x".repeat(511_987))).to_http(&cfg()),
        "body",
        &["512001", "512000"],
    );
}
