//! The emulator's wire JSON, checked against literal documents written from
//! `reference/models.md`: exact camelCase names, exactly the keys expected, the
//! service's date-time format, JID and URI shapes. (The emulator and the client share
//! the core's models, so a wrong name would survive every round trip; these raw checks
//! would not let it.)

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use genesys_chat_testkit::Emulator;
use serde_json::{Value, json};

fn get(w: &World, path: &str) -> Value {
    let (status, body, headers) = raw(&w.emu, "GET", path, Some(Emulator::DEFAULT_TOKEN), None);
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(headers["content-type"], "application/json");
    body
}

fn user_ref(id: &str) -> Value {
    json!({ "id": id, "selfUri": format!("/api/v2/users/{id}") })
}

fn is_hex24(s: &str) -> bool {
    s.len() == 24
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn jids_and_ids_have_the_real_shapes() {
    let w = world();
    let (local, domain) = w.room.split_once('@').unwrap();
    assert!(is_hex24(local), "{}", w.room);
    assert_eq!(domain, "conference.example.orgspan.com");
    for user in [&w.alice, &w.bob, &w.carol, &w.dave] {
        let (local, domain) = user.jid.split_once('@').unwrap();
        assert!(is_hex24(local));
        assert_eq!(domain, "example.orgspan.com");
        // UUID-like user ids: 8-4-4-4-12 lowercase hex.
        let parts: Vec<usize> = user.id.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    }
}

#[test]
fn a_room_message_has_exactly_the_documented_keys() {
    let w = world();
    let m = get(&w, &format!("/api/v2/chats/messages/{}", enc(&w.room_msg)));
    assert_eq!(
        m,
        json!({
            "id": w.room_msg,
            "dateCreated": "2026-11-25T16:42:06.415Z",
            "toJid": w.room,
            "jid": w.alice.jid,
            "body": "Hello, room",
            "thread": { "id": w.room_msg },
            "user": user_ref(&w.alice.id),
        })
    );
    assert_eq!(
        keys(&m),
        [
            "body",
            "dateCreated",
            "id",
            "jid",
            "thread",
            "toJid",
            "user"
        ]
    );
}

#[test]
fn a_one_on_one_message_adds_to_user() {
    let w = world();
    let m = get(&w, &format!("/api/v2/chats/messages/{}", enc(&w.dm_msg)));
    assert_eq!(
        m,
        json!({
            "id": w.dm_msg,
            "dateCreated": "2026-11-25T16:42:06.415Z",
            "toJid": w.bob.jid,
            "jid": w.alice.jid,
            "body": "Hello, bob",
            "thread": { "id": w.dm_msg },
            "user": user_ref(&w.alice.id),
            "toUser": user_ref(&w.bob.id),
        })
    );
}

#[test]
fn an_edited_reply_with_mentions_and_reactions() {
    let w = world();
    let path = format!("/api/v2/chats/rooms/{}/messages", enc(&w.room));
    let body = format!(
        r#"{{"message":"cc @bob","threadId":"{}","mentions":["{}"]}}"#,
        w.room_msg, w.bob.id
    );
    let (status, sent, _) = raw(
        &w.emu,
        "POST",
        &path,
        Some(Emulator::DEFAULT_TOKEN),
        Some(&body),
    );
    assert_eq!(status, 200);
    let id = sent["id"].as_str().unwrap().to_owned();
    assert_eq!(sent, json!({ "id": id }));

    w.clock.advance(Duration::from_millis(1_000));
    let edit = format!("{path}/{}", enc(&id));
    let (status, edited, _) = raw(
        &w.emu,
        "PATCH",
        &edit,
        Some(Emulator::DEFAULT_TOKEN),
        Some(r#"{"message":"cc @bob!"}"#),
    );
    assert_eq!((status, edited), (200, json!({ "id": id })));
    let reactions = format!("/api/v2/chats/messages/{}/reactions", enc(&id));
    let (status, empty, headers) = raw(
        &w.emu,
        "PUT",
        &reactions,
        Some(&w.token("bob")),
        Some(r#"{"reactions":["👍"]}"#),
    );
    assert_eq!((status, empty), (204, Value::Null));
    assert!(!headers.contains_key("content-type"));

    let m = get(&w, &format!("/api/v2/chats/messages/{}", enc(&id)));
    assert_eq!(
        m,
        json!({
            "id": id,
            "dateCreated": "2026-11-25T16:42:06.416Z",
            "dateModified": "2026-11-25T16:42:07.415Z",
            "toJid": w.room,
            "jid": w.alice.jid,
            "body": "cc @bob!",
            "mentions": { (w.bob.id.clone()): w.bob.jid },
            "edited": true,
            "thread": { "id": w.room_msg },
            "parentThread": { "id": w.room_msg },
            "user": user_ref(&w.alice.id),
            "reactions": [ { "emoji": "👍", "users": [ user_ref(&w.bob.id) ] } ],
        })
    );
}

#[test]
fn histories_are_listings_of_entities() {
    let w = world();
    let room = get(
        &w,
        &format!("/api/v2/chats/rooms/{}/messages?limit=5", enc(&w.room)),
    );
    assert_eq!(keys(&room), ["entities"]);
    assert_eq!(room["entities"][0]["id"], w.room_msg);
    // getChatsUserMessages answers a listing too (see the core's documented deviation).
    let dm = get(&w, &format!("/api/v2/chats/users/{}/messages", w.bob.id));
    assert_eq!(keys(&dm), ["entities"]);
    assert_eq!(dm["entities"].as_array().unwrap().len(), 1);
    let thread = get(
        &w,
        &format!("/api/v2/chats/threads/{}/messages", enc(&w.room_msg)),
    );
    assert_eq!(keys(&thread), ["entities"]);
    let by_ids = get(
        &w,
        &format!(
            "/api/v2/chats/rooms/{}/messages/{}%2Cnope",
            enc(&w.room),
            enc(&w.room_msg)
        ),
    );
    assert_eq!(by_ids["entities"].as_array().unwrap().len(), 1);
    // An empty history is an empty list, not an absent one.
    let empty = get(&w, &format!("/api/v2/chats/users/{}/messages", w.carol.id));
    assert_eq!(empty, json!({ "entities": [] }));
}

#[test]
fn a_room_and_a_one_on_one() {
    let w = world();
    let room = get(&w, &format!("/api/v2/chats/rooms/{}", enc(&w.room)));
    assert_eq!(
        room,
        json!({
            "id": w.room,
            "name": "Launch",
            "dateCreated": "2026-11-25T16:42:06.415Z",
            "roomType": "adhoc",
            "subject": "Launch",
            "owners": [ user_ref(&w.alice.id) ],
            "pinnedMessages": [ { "id": w.room_msg, "selfUri": format!("/api/v2/chats/messages/{}", w.room_msg) } ],
            "jid": w.room,
            "selfUri": format!("/api/v2/chats/rooms/{}", w.room),
        })
    );
    let one = get(&w, &format!("/api/v2/chats/users/{}", w.bob.id));
    assert_eq!(
        one,
        json!({ "pinnedMessages": [ { "id": w.dm_msg, "selfUri": format!("/api/v2/chats/messages/{}", w.dm_msg) } ] })
    );
}

#[test]
fn creating_a_room_answers_its_jid() {
    let w = world();
    let (status, body, _) = raw(
        &w.emu,
        "POST",
        "/api/v2/chats/rooms",
        Some(Emulator::DEFAULT_TOKEN),
        Some(r#"{"subject":"S","description":"D"}"#),
    );
    assert_eq!(status, 200);
    assert_eq!(keys(&body), ["jid"]);
    let jid = body["jid"].as_str().unwrap();
    assert!(jid.ends_with("@conference.example.orgspan.com"));
    let room = get(&w, &format!("/api/v2/chats/rooms/{}", enc(jid)));
    assert_eq!(room["description"], "D");
}

#[test]
fn participants() {
    let w = world();
    let list = get(
        &w,
        &format!("/api/v2/chats/rooms/{}/participants", enc(&w.room)),
    );
    assert_eq!(
        list,
        json!({
            "participants": [
                { "jid": w.alice.jid, "user": user_ref(&w.alice.id) },
                { "jid": w.bob.jid, "user": user_ref(&w.bob.id) },
            ]
        })
    );
    let one = get(
        &w,
        &format!(
            "/api/v2/chats/rooms/{}/participants/{}",
            enc(&w.room),
            enc(&w.bob.jid)
        ),
    );
    assert_eq!(one, json!({ "participantJid": w.bob.jid }));
}

#[test]
fn settings() {
    let w = world();
    assert_eq!(
        get(&w, "/api/v2/chats/settings"),
        json!({ "messageRetentionPeriodDays": 365, "reactionsEnabled": true })
    );
    let (status, body, _) = raw(
        &w.emu,
        "PATCH",
        "/api/v2/chats/settings",
        Some(Emulator::DEFAULT_TOKEN),
        Some(r#"{"messageRetentionPeriodDays":30}"#),
    );
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "messageRetentionPeriodDays": 30, "reactionsEnabled": true })
        )
    );
    assert_eq!(
        get(&w, "/api/v2/chats/users/me/settings"),
        json!({
            "muted": false,
            "mentionsOnly": false,
            "notifyOnReactions": true,
            "mobile": { "notifications": { "when": "Always" } }
        })
    );
    let (status, body, _) = raw(
        &w.emu,
        "PATCH",
        &format!("/api/v2/chats/users/{}/settings", w.bob.id),
        Some(Emulator::DEFAULT_TOKEN),
        Some(r#"{"mobile":{"notifications":{"when":"OnlyWhenInactive"}}}"#),
    );
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "mobile": { "notifications": { "when": "OnlyWhenInactive" } } })
        )
    );
}

#[test]
fn error_bodies() {
    let w = world();
    let (status, body, headers) = raw(&w.emu, "GET", "/api/v2/chats/settings", None, None);
    let correlation = headers["inin-correlation-id"].to_str().unwrap().to_owned();
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({
            "message": "No authentication bearer token specified in authorization header.",
            "code": "authentication.required",
            "status": 401,
            "contextId": correlation,
        })
    );
    // Correlation ids are UUID-like and fresh on every response.
    let parts: Vec<usize> = correlation.split('-').map(str::len).collect();
    assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    let (_, _, again) = raw(&w.emu, "GET", "/api/v2/chats/settings", None, None);
    assert_ne!(again["inin-correlation-id"], headers["inin-correlation-id"]);

    let none = w
        .emu
        .issue_token("bob", genesys_chat_testkit::Permissions::none())
        .unwrap();
    let (status, body, headers) = raw(&w.emu, "GET", "/api/v2/chats/settings", Some(&none), None);
    assert_eq!(status, 403);
    let list = "[chat:setting:view, chat:setting:edit]";
    assert_eq!(
        body,
        json!({
            "message": format!("Unable to perform the requested action. You must have at least one of the following permissions assigned: {list}"),
            "code": "missing.any.permissions",
            "status": 403,
            "messageWithParams": "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}",
            "messageParams": { "permissions": list },
            "contextId": headers["inin-correlation-id"].to_str().unwrap(),
        })
    );

    let (status, body, headers) = raw(
        &w.emu,
        "GET",
        "/api/v2/chats/rooms/nope",
        Some(Emulator::DEFAULT_TOKEN),
        None,
    );
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({
            "message": "The room was not found.",
            "code": "not.found",
            "status": 404,
            "entityId": "nope",
            "entityName": "room",
            "contextId": headers["inin-correlation-id"].to_str().unwrap(),
        })
    );

    let (status, body, headers) = raw(
        &w.emu,
        "PUT",
        "/api/v2/chats/settings",
        Some(Emulator::DEFAULT_TOKEN),
        Some(r#"{"messageRetentionPeriodDays":9}"#),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "message": "Invalid value for `messageRetentionPeriodDays`: must be between 10 and 3650 days",
            "code": "bad.request",
            "status": 400,
            "contextId": headers["inin-correlation-id"].to_str().unwrap(),
            "details": [ { "errorCode": "invalid.value", "fieldName": "messageRetentionPeriodDays" } ],
        })
    );
}

#[test]
fn every_response_carries_a_correlation_id() {
    let w = world();
    for (method, path, body) in [
        ("GET", "/api/v2/chats/settings".to_owned(), None),
        (
            "DELETE",
            format!(
                "/api/v2/chats/rooms/{}/messages/{}",
                enc(&w.room),
                enc(&w.room_msg)
            ),
            None,
        ),
        ("GET", "/nowhere".to_owned(), None),
        (
            "POST",
            "/oauth/token".to_owned(),
            Some("grant_type=client_credentials"),
        ),
    ] {
        let (_, _, headers) = raw(&w.emu, method, &path, Some(Emulator::DEFAULT_TOKEN), body);
        assert!(
            headers.contains_key("ININ-Correlation-Id"),
            "{method} {path}"
        );
    }
}

#[test]
fn the_token_endpoint_answers_in_the_oauth_shape() {
    let w = world();
    let basic = "Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA=="; // emulator-client:emulator-secret
    let token = |auth: Option<&str>, body: &str| {
        let mut b = http::Request::post("/oauth/token")
            .header("Content-Type", "application/x-www-form-urlencoded");
        if let Some(auth) = auth {
            b = b.header("Authorization", auth);
        }
        let response = w.emu.handle(b.body(body.as_bytes().to_vec()).unwrap());
        let json: Value = serde_json::from_slice(response.body()).unwrap();
        (response.status().as_u16(), json)
    };
    let (status, body) = token(Some(basic), "grant_type=client_credentials");
    assert_eq!(status, 200);
    assert_eq!(keys(&body), ["access_token", "expires_in", "token_type"]);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    let issued = body["access_token"].as_str().unwrap();
    let (status, _, _) = raw(&w.emu, "GET", "/api/v2/chats/settings", Some(issued), None);
    assert_eq!(status, 200);

    let (status, body) = token(
        Some("Basic ZW11bGF0b3ItY2xpZW50Ondyb25n"),
        "grant_type=client_credentials",
    );
    assert_eq!(status, 401);
    assert_eq!(keys(&body), ["error", "error_description"]);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = token(None, "grant_type=client_credentials");
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token(Some(basic), "grant_type=password&username=a");
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = token(Some(basic), "");
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(w.emu.counters().token_requests, 5);
}
