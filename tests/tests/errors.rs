//! The error paths of every one of the 32 operations, driven by the core's operation
//! structs: 401 (no token, unknown token, expired token), 403 (missing permission, any-of),
//! 404 (unknown room, message, user) and 400 (invalid input, naming the field).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use genesys_chat::Error;
use genesys_chat::models::*;
use genesys_chat::operations::*;
use genesys_chat_testkit::Permissions;

/// One valid call of each operation in `w`, as alice.
fn all_calls(w: &World) -> Vec<Box<dyn Call>> {
    let (room, m, dm, bob) = (&w.room, &w.room_msg, &w.dm_msg, &w.bob.id);
    let settings = ChatUserSettings::notify(NotifyWhen::OnlyWhenInactive);
    vec![
        Box::new(DeleteChatsRoomMessage::new(room, m)),
        Box::new(DeleteChatsRoomMessagesPin::new(room, m)),
        Box::new(DeleteChatsRoomParticipant::new(room, bob)),
        Box::new(DeleteChatsUserMessage::new(bob, dm)),
        Box::new(DeleteChatsUserMessagesPin::new(bob, dm)),
        Box::new(GetChatsMessage::new(m)),
        Box::new(GetChatsRoom::new(room)),
        Box::new(GetChatsRoomMessage::new(room, m)),
        Box::new(GetChatsRoomMessages::new(room)),
        Box::new(GetChatsRoomParticipant::new(room, &w.alice.jid)),
        Box::new(GetChatsRoomParticipants::new(room)),
        Box::new(GetChatsSettings::new()),
        Box::new(GetChatsThreadMessages::new(m)),
        Box::new(GetChatsUser::new(bob)),
        Box::new(GetChatsUserMessage::new(bob, dm)),
        Box::new(GetChatsUserMessages::new(bob)),
        Box::new(GetChatsUserSettings::new(bob)),
        Box::new(GetChatsUsersMeSettings::new()),
        Box::new(PatchChatsRoom::new(
            room,
            RoomUpdateRequest::new().subject("New"),
        )),
        Box::new(PatchChatsRoomMessage::new(
            room,
            m,
            SendMessageBody::new("edited"),
        )),
        Box::new(PatchChatsSettings::new(ChatSettings::with_retention_days(
            30,
        ))),
        Box::new(PatchChatsUserMessage::new(
            bob,
            dm,
            SendMessageBody::new("edited"),
        )),
        Box::new(PatchChatsUserSettings::new(bob, settings.clone())),
        Box::new(PatchChatsUsersMeSettings::new(UserSettingsForChat {
            mobile: settings.mobile,
            ..UserSettingsForChat::default()
        })),
        Box::new(PostChatsUsersMeSettings::new(UserChatSettingsPost::new(
            true,
        ))),
        Box::new(DeleteChatsUsersMeSettings::new()),
        Box::new(PostChatsRoomMessages::new(room, SendMessageBody::new("hi"))),
        Box::new(PostChatsRoomMessagesPins::new(
            room,
            PinnedMessageRequest::new([m]),
        )),
        Box::new(PostChatsRoomParticipant::new(room, &w.carol.id)),
        Box::new(PostChatsRooms::new(CreateRoomRequest::new("Another"))),
        Box::new(PostChatsUserMessages::new(bob, SendMessageBody::new("hi"))),
        Box::new(PostChatsUserMessagesPins::new(
            bob,
            PinnedMessageRequest::new([dm]),
        )),
        Box::new(PutChatsMessageReactions::new(
            m,
            ChatReactionUpdate::new(["👍"]),
        )),
        Box::new(PutChatsSettings::new(ChatSettings::with_retention_days(90))),
    ]
}

#[test]
fn the_table_covers_all_34_operations() {
    let w = world();
    let ids: BTreeSet<&str> = all_calls(&w).iter().map(|c| c.id()).collect();
    let official: BTreeSet<&str> = ALL.iter().map(|m| m.id).collect();
    assert_eq!(ids, official);
    assert_eq!(ids.len(), 34);
}

#[test]
fn every_operation_answers_401_without_a_token() {
    let w = world();
    for call in all_calls(&w) {
        let mut request = call.request(&cfg("placeholder"));
        request.headers_mut().remove("authorization");
        let response = w.emu.handle(request);
        assert_error_body(&response, 401, "authentication.required");
        let (status, code) = api_error(call.check(&cfg("placeholder"), &response));
        assert_eq!(
            (status, code.as_str()),
            (401, "authentication.required"),
            "{}",
            call.id()
        );
    }
    assert_eq!(w.emu.counters().api_requests(), 5 + 34);
}

#[test]
fn every_operation_answers_401_to_an_unknown_token() {
    let w = world();
    for call in all_calls(&w) {
        let (response, result) = run(&w.emu, "not-a-token", call.as_ref());
        assert_error_body(&response, 401, "bad.credentials");
        assert_eq!(api_error(result).0, 401, "{}", call.id());
    }
}

#[test]
fn every_operation_checks_its_permissions_any_of() {
    let w = world();
    let none = w.emu.issue_token("alice", Permissions::none()).unwrap();
    for call in all_calls(&w) {
        let (response, result) = run(&w.emu, &none, call.as_ref());
        if call.permissions().is_empty() {
            // getChatsRoomParticipant and the two `me` settings check no permission.
            assert!(result.is_ok(), "{} needs no permission", call.id());
            continue;
        }
        assert_error_body(&response, 403, "missing.any.permissions");
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        for permission in call.permissions() {
            assert!(body["message"].as_str().unwrap().contains(permission));
        }
        assert_eq!(api_error(result).0, 403, "{}", call.id());
    }
    // Nothing was applied: the room still has its one message and its subject.
    assert_eq!(w.emu.message_count(), 2);

    // Any ONE of the listed permissions is enough (a fresh world per call: calls change it).
    let ids: Vec<&'static str> = all_calls(&w).iter().map(|c| c.id()).collect();
    for (i, id) in ids.iter().enumerate() {
        let permissions = all_calls(&w)[i].permissions();
        for permission in permissions {
            let w = world();
            let token = w
                .emu
                .issue_token("alice", Permissions::of([*permission]))
                .unwrap();
            let calls = all_calls(&w);
            let (_, result) = run(&w.emu, &token, calls[i].as_ref());
            assert!(result.is_ok(), "{id} with only {permission}: {result:?}");
        }
    }
}

#[test]
fn issued_tokens_expire_with_the_clock() {
    use std::time::Duration;
    let w = world();
    // A token from the token endpoint lives 24 h by default.
    let request = http::Request::post("/oauth/token")
        .header(
            "Authorization",
            "Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==",
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials".to_vec())
        .unwrap();
    let response = w.emu.handle(request);
    let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    let token = json["access_token"].as_str().unwrap().to_owned();
    assert!(call(&w.emu, &token, &GetChatsSettings::new()).is_ok());
    w.clock.advance(Duration::from_secs(86_400));
    let (status, code) = api_error(call(&w.emu, &token, &GetChatsSettings::new()));
    assert_eq!((status, code.as_str()), (401, "bad.credentials"));
}

fn assert_404(result: Result<(), Error>, id: &str) {
    let (status, code) = api_error(result);
    assert_eq!((status, code.as_str()), (404, "not.found"), "{id}");
}

#[test]
fn every_operation_with_an_entity_answers_404_for_an_unknown_one() {
    let w = world();
    let (room, m, dm, bob) = (&w.room, &w.room_msg, &w.dm_msg, &w.bob.id);
    let ghost_room = "5f3883f8130b94165bf37a3c@conference.example.orgspan.com";
    let ghost_user = "00000000-0000-4000-8000-000000000000";
    let ghost_msg = "no-such-message";
    let body = || SendMessageBody::new("x");
    let calls: Vec<Box<dyn Call>> = vec![
        // unknown room
        Box::new(DeleteChatsRoomMessage::new(ghost_room, m)),
        Box::new(DeleteChatsRoomMessagesPin::new(ghost_room, m)),
        Box::new(DeleteChatsRoomParticipant::new(ghost_room, bob)),
        Box::new(GetChatsRoom::new(ghost_room)),
        Box::new(GetChatsRoomMessage::new(ghost_room, m)),
        Box::new(GetChatsRoomMessages::new(ghost_room)),
        Box::new(GetChatsRoomParticipant::new(ghost_room, &w.alice.jid)),
        Box::new(GetChatsRoomParticipants::new(ghost_room)),
        Box::new(PatchChatsRoom::new(
            ghost_room,
            RoomUpdateRequest::new().subject("s"),
        )),
        Box::new(PatchChatsRoomMessage::new(ghost_room, m, body())),
        Box::new(PostChatsRoomMessages::new(ghost_room, body())),
        Box::new(PostChatsRoomMessagesPins::new(
            ghost_room,
            PinnedMessageRequest::new([m]),
        )),
        Box::new(PostChatsRoomParticipant::new(ghost_room, bob)),
        // unknown message
        Box::new(DeleteChatsRoomMessage::new(room, ghost_msg)),
        Box::new(DeleteChatsRoomMessagesPin::new(room, ghost_msg)),
        Box::new(DeleteChatsUserMessage::new(bob, ghost_msg)),
        Box::new(DeleteChatsUserMessagesPin::new(bob, ghost_msg)),
        Box::new(GetChatsMessage::new(ghost_msg)),
        Box::new(GetChatsThreadMessages::new(ghost_msg)),
        Box::new(PatchChatsRoomMessage::new(room, ghost_msg, body())),
        Box::new(PatchChatsUserMessage::new(bob, ghost_msg, body())),
        Box::new(PostChatsRoomMessagesPins::new(
            room,
            PinnedMessageRequest::new([ghost_msg]),
        )),
        Box::new(PostChatsUserMessagesPins::new(
            bob,
            PinnedMessageRequest::new([ghost_msg]),
        )),
        Box::new(PutChatsMessageReactions::new(
            ghost_msg,
            ChatReactionUpdate::new(["👍"]),
        )),
        Box::new(PostChatsRoomMessages::new(
            room,
            body().thread_id(ghost_msg),
        )),
        // a message of another conversation is unknown here
        Box::new(DeleteChatsRoomMessage::new(room, dm)),
        Box::new(PatchChatsUserMessage::new(bob, m, body())),
        // unknown user
        Box::new(DeleteChatsRoomParticipant::new(room, ghost_user)),
        Box::new(DeleteChatsUserMessage::new(ghost_user, dm)),
        Box::new(DeleteChatsUserMessagesPin::new(ghost_user, dm)),
        Box::new(GetChatsRoomParticipant::new(
            room,
            "nobody@example.orgspan.com",
        )),
        Box::new(GetChatsUser::new(ghost_user)),
        Box::new(GetChatsUserMessage::new(ghost_user, dm)),
        Box::new(GetChatsUserMessages::new(ghost_user)),
        Box::new(GetChatsUserSettings::new(ghost_user)),
        Box::new(PatchChatsUserMessage::new(ghost_user, dm, body())),
        Box::new(PatchChatsUserSettings::new(
            ghost_user,
            ChatUserSettings::notify(NotifyWhen::Always),
        )),
        Box::new(PostChatsRoomParticipant::new(room, ghost_user)),
        Box::new(PostChatsRooms::new(
            CreateRoomRequest::new("s").user_ids([ghost_user]),
        )),
        Box::new(PostChatsUserMessages::new(ghost_user, body())),
        Box::new(PostChatsUserMessagesPins::new(
            ghost_user,
            PinnedMessageRequest::new([dm]),
        )),
        Box::new(PatchChatsRoom::new(
            room,
            RoomUpdateRequest::new().owner_ids([ghost_user]),
        )),
        Box::new(PostChatsRoomMessages::new(room, body().mention(ghost_user))),
    ];
    let before = w.emu.message_count();
    for c in &calls {
        let (response, result) = run(&w.emu, &w.token("alice"), c.as_ref());
        assert_error_body(&response, 404, "not.found");
        assert_404(result, c.id());
    }
    assert_eq!(w.emu.message_count(), before, "a 404 changes nothing");
    // Every operation with a path entity (all but the settings and postChatsRooms) is
    // covered at least once, postChatsRooms through its userIds.
    let covered: BTreeSet<&str> = calls.iter().map(|c| c.id()).collect();
    let without_entity = [
        "getChatsSettings",
        "patchChatsSettings",
        "putChatsSettings",
        "getChatsUsersMeSettings",
        "patchChatsUsersMeSettings",
        "postChatsUsersMeSettings",
        "deleteChatsUsersMeSettings",
    ];
    for meta in ALL {
        assert_eq!(
            covered.contains(meta.id),
            !without_entity.contains(&meta.id),
            "{}",
            meta.id
        );
    }
}

/// The field named by a 400 response, checked on the raw `ErrorBody`.
fn assert_400(
    response: &http::Response<Vec<u8>>,
    result: Result<(), Error>,
    field: &str,
    id: &str,
) {
    assert_error_body(response, 400, "bad.request");
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["details"][0]["fieldName"], field, "{id}");
    assert!(body["message"].as_str().unwrap().contains(field), "{id}");
    let (status, _) = api_error(result);
    assert_eq!(status, 400, "{id}");
    // The core surfaces the field too.
}

/// Sends a request the core built, with its body replaced: for inputs the core itself
/// refuses before sending, to check the emulator refuses them as well.
fn tampered(w: &World, c: &dyn Call, body: &str) -> (http::Response<Vec<u8>>, Result<(), Error>) {
    let cfg = cfg(&w.token("alice"));
    let mut request = c.request(&cfg);
    *request.body_mut() = body.as_bytes().to_vec();
    let response = w.emu.handle(request);
    let result = c.check(&cfg, &response);
    (response, result)
}

/// Sends a request the core built, with its last path segment replaced.
fn retargeted(
    w: &World,
    c: &dyn Call,
    last_segment: &str,
) -> (http::Response<Vec<u8>>, Result<(), Error>) {
    let cfg = cfg(&w.token("alice"));
    let mut request = c.request(&cfg);
    let uri = request.uri().to_string();
    let (head, _) = uri.rsplit_once('/').unwrap();
    *request.uri_mut() = format!("{head}/{last_segment}").parse().unwrap();
    let response = w.emu.handle(request);
    let result = c.check(&cfg, &response);
    (response, result)
}

#[test]
fn invalid_input_answers_400_naming_the_field() {
    let w = world();
    let (room, m, dm, bob) = (&w.room, &w.room_msg, &w.dm_msg, &w.bob.id);
    let token = w.token("alice");
    let covered = std::cell::RefCell::new(BTreeSet::new());
    let direct = |c: &dyn Call, field: &str| {
        covered.borrow_mut().insert(c.id());
        let (response, result) = run(&w.emu, &token, c);
        assert_400(&response, result, field, c.id());
    };
    // Inputs the core lets through: the emulator is the one refusing them.
    direct(
        &PostChatsRoomMessages::new(room, SendMessageBody::new("")),
        "message",
    );
    direct(
        &PostChatsUserMessages::new(bob, SendMessageBody::new("")),
        "message",
    );
    direct(
        &PatchChatsRoomMessage::new(room, m, SendMessageBody::new("")),
        "message",
    );
    direct(
        &PatchChatsUserMessage::new(bob, dm, SendMessageBody::new("")),
        "message",
    );
    direct(&PostChatsRooms::new(CreateRoomRequest::new("")), "subject");
    direct(
        &PatchChatsRoom::new(
            room,
            RoomUpdateRequest::new().owner_ids(Vec::<String>::new()),
        ),
        "ownerIds",
    );
    direct(&GetChatsRoomMessages::new(room).limit(101), "limit");
    direct(&GetChatsUserMessages::new(bob).limit(1000), "limit");
    direct(&GetChatsThreadMessages::new(m).limit(101), "limit");
    let never = ChatUserSettings::notify(NotifyWhen::Unknown("Never".into()));
    direct(
        &PatchChatsUserSettings::new(bob, never.clone()),
        "mobile.notifications.when",
    );
    direct(
        &PatchChatsUsersMeSettings::new(UserSettingsForChat {
            mobile: never.mobile,
            ..UserSettingsForChat::default()
        }),
        "mobile.notifications.when",
    );
    // Pins: 3 + 3 is over 5.
    let mut ids = Vec::new();
    for i in 0..6 {
        let op = PostChatsRoomMessages::new(room, SendMessageBody::new(format!("m{i}")));
        ids.push(alice(&w.emu, &op).id.unwrap());
    }
    alice(
        &w.emu,
        &PostChatsRoomMessagesPins::new(room, PinnedMessageRequest::new(&ids[..3])),
    );
    direct(
        &PostChatsRoomMessagesPins::new(room, PinnedMessageRequest::new(&ids[3..])),
        "pinnedMessageIds",
    );
    let mut dms = Vec::new();
    for i in 0..6 {
        let op = PostChatsUserMessages::new(bob, SendMessageBody::new(format!("d{i}")));
        dms.push(alice(&w.emu, &op).id.unwrap());
    }
    alice(
        &w.emu,
        &PostChatsUserMessagesPins::new(bob, PinnedMessageRequest::new(&dms[..4])),
    );
    direct(
        &PostChatsUserMessagesPins::new(bob, PinnedMessageRequest::new(&dms[4..])),
        "pinnedMessageIds",
    );

    // Inputs the core refuses before sending: sent anyway with a tampered body or path.
    let too_many_users = format!(
        r#"{{"subject":"s","userIds":[{}]}}"#,
        vec![format!("\"{bob}\""); 26].join(",")
    );
    let cases: Vec<(Box<dyn Call>, &str, &str)> = vec![
        (
            Box::new(PutChatsSettings::new(ChatSettings::with_retention_days(30))),
            r#"{"messageRetentionPeriodDays":5}"#,
            "messageRetentionPeriodDays",
        ),
        (
            Box::new(PutChatsSettings::new(ChatSettings::with_retention_days(30))),
            r#"{"messageRetentionPeriodDays":3651}"#,
            "messageRetentionPeriodDays",
        ),
        (
            Box::new(PatchChatsSettings::new(ChatSettings::with_retention_days(
                30,
            ))),
            r#"{"messageRetentionPeriodDays":"ten"}"#,
            "messageRetentionPeriodDays",
        ),
        (
            Box::new(PatchChatsSettings::new(ChatSettings::with_retention_days(
                30,
            ))),
            r#"{"messageRetentionPeriodDays":12.5}"#,
            "messageRetentionPeriodDays",
        ),
        (
            Box::new(PutChatsMessageReactions::new(
                m,
                ChatReactionUpdate::new(["👍"]),
            )),
            r#"{"reactions":[""]}"#,
            "reactions",
        ),
        (
            Box::new(PutChatsMessageReactions::new(
                m,
                ChatReactionUpdate::new(["👍"]),
            )),
            r#"{"reactions":"👍"}"#,
            "reactions",
        ),
        (
            Box::new(PostChatsRoomMessagesPins::new(
                room,
                PinnedMessageRequest::new([m]),
            )),
            r#"{"pinnedMessageIds":[]}"#,
            "pinnedMessageIds",
        ),
        (
            Box::new(PostChatsUserMessagesPins::new(
                bob,
                PinnedMessageRequest::new([dm]),
            )),
            r#"{}"#,
            "pinnedMessageIds",
        ),
        (
            Box::new(PatchChatsRoom::new(room, RoomUpdateRequest::new())),
            r#"{"pinnedMessageIds":["a","b","c","d","e","f"]}"#,
            "pinnedMessageIds",
        ),
        (
            Box::new(PostChatsRooms::new(CreateRoomRequest::new("s"))),
            r#"{"description":"no subject"}"#,
            "subject",
        ),
        (
            Box::new(PostChatsRooms::new(CreateRoomRequest::new("s"))),
            &too_many_users,
            "userIds",
        ),
        (
            Box::new(PostChatsRoomMessages::new(room, SendMessageBody::new("x"))),
            r#"{"message":42}"#,
            "message",
        ),
        (
            Box::new(PostChatsRoomMessages::new(room, SendMessageBody::new("x"))),
            r#"{"message":"x","threadId":""}"#,
            "threadId",
        ),
        (
            Box::new(PostChatsUserMessages::new(bob, SendMessageBody::new("x"))),
            "not json",
            "body",
        ),
        (
            Box::new(PatchChatsUserMessage::new(
                bob,
                dm,
                SendMessageBody::new("x"),
            )),
            "[1,2]",
            "body",
        ),
        (
            Box::new(PatchChatsRoomMessage::new(
                room,
                m,
                SendMessageBody::new("x"),
            )),
            "",
            "body",
        ),
        (
            Box::new(PatchChatsUserSettings::new(
                bob,
                ChatUserSettings::notify(NotifyWhen::Always),
            )),
            r#"{"mobile":"yes"}"#,
            "mobile",
        ),
    ];
    for (c, body, field) in &cases {
        covered.borrow_mut().insert(c.id());
        let (response, result) = tampered(&w, c.as_ref(), body);
        assert_400(&response, result, field, c.id());
    }
    // The options of the current API: `muted` is required; booleans are booleans.
    let post = PostChatsUsersMeSettings::new(UserChatSettingsPost::new(true));
    covered.borrow_mut().insert(post.id());
    let (response, result) = tampered(&w, &post, r#"{"mentionsOnly":true}"#);
    assert_400(&response, result, "muted", post.id());
    let participants = GetChatsRoomParticipants::new(room);
    covered.borrow_mut().insert(participants.id());
    let cfg_alice = cfg(&token);
    let mut request = participants.request(&cfg_alice);
    *request.uri_mut() = format!("{}?notify=maybe", request.uri()).parse().unwrap();
    let response = w.emu.handle(request);
    let result = participants.check(&cfg_alice, &response);
    assert_400(&response, result, "notify", participants.id());
    // Empty ids in a comma-separated list, and history bounds that are not ISO-8601.
    for c in [
        Box::new(GetChatsRoomMessage::new(room, m)) as Box<dyn Call>,
        Box::new(GetChatsUserMessage::new(bob, dm)),
    ] {
        covered.borrow_mut().insert(c.id());
        let (response, result) =
            retargeted(&w, c.as_ref(), &format!("{}%2C%2C{}", enc(m), enc(dm)));
        assert_400(&response, result, "messageIds", c.id());
    }
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=", "limit"),
        ("?limit=ten", "limit"),
        ("?limit=2.5", "limit"),
        ("?before=yesterday", "before"),
        ("?after=2026-13-01T00:00:00Z", "after"),
    ] {
        for c in [
            Box::new(GetChatsRoomMessages::new(room)) as Box<dyn Call>,
            Box::new(GetChatsUserMessages::new(bob)),
            Box::new(GetChatsThreadMessages::new(m)),
        ] {
            covered.borrow_mut().insert(c.id());
            let cfg = cfg(&token);
            let mut request = c.request(&cfg);
            *request.uri_mut() = format!("{}{query}", request.uri()).parse().unwrap();
            let response = w.emu.handle(request);
            let result = c.check(&cfg, &response);
            assert_400(&response, result, field, c.id());
        }
    }
    // Every operation with a body, a query or an id list is covered.
    let covered = covered.into_inner();
    for meta in ALL {
        let has_input = meta.request_body.is_some()
            || !meta.query_params.is_empty()
            || meta.path_params.contains(&"messageIds");
        assert_eq!(covered.contains(meta.id), has_input, "{}", meta.id);
    }
}

#[test]
fn non_participants_are_refused_with_403() {
    let w = world();
    let carol = w.token("carol");
    let (room, m) = (&w.room, &w.room_msg);
    let calls: Vec<Box<dyn Call>> = vec![
        Box::new(GetChatsRoom::new(room)),
        Box::new(GetChatsRoomMessages::new(room)),
        Box::new(GetChatsRoomMessage::new(room, m)),
        Box::new(GetChatsRoomParticipants::new(room)),
        Box::new(GetChatsRoomParticipant::new(room, &w.alice.jid)),
        Box::new(PostChatsRoomMessages::new(
            room,
            SendMessageBody::new("let me in"),
        )),
        Box::new(PatchChatsRoomMessage::new(
            room,
            m,
            SendMessageBody::new("x"),
        )),
        Box::new(DeleteChatsRoomMessage::new(room, m)),
        Box::new(PostChatsRoomMessagesPins::new(
            room,
            PinnedMessageRequest::new([m]),
        )),
        Box::new(DeleteChatsRoomMessagesPin::new(room, m)),
        Box::new(PatchChatsRoom::new(
            room,
            RoomUpdateRequest::new().subject("mine"),
        )),
        Box::new(GetChatsMessage::new(m)),
        Box::new(GetChatsThreadMessages::new(m)),
        Box::new(PutChatsMessageReactions::new(
            m,
            ChatReactionUpdate::new(["👀"]),
        )),
        Box::new(PostChatsRoomParticipant::new(room, &w.dave.id)),
        Box::new(DeleteChatsRoomParticipant::new(room, &w.bob.id)),
    ];
    for c in &calls {
        let (response, result) = run(&w.emu, &carol, c.as_ref());
        assert_error_body(&response, 403, "not.authorized");
        assert_eq!(api_error(result).0, 403, "{}", c.id());
    }
    assert_eq!(w.emu.message_count(), 2);
    // Someone else's 1on1 message is not carol's to read.
    let (status, _) = api_error(call(&w.emu, &carol, &GetChatsMessage::new(&w.dm_msg)));
    assert_eq!(status, 403);
}

#[test]
fn only_the_author_edits_and_the_author_or_an_owner_deletes() {
    let w = world();
    let bob = w.token("bob");
    let (room, m) = (&w.room, &w.room_msg);
    // bob may neither edit nor delete alice's message.
    let (status, code) = api_error(call(
        &w.emu,
        &bob,
        &PatchChatsRoomMessage::new(room, m, SendMessageBody::new("x")),
    ));
    assert_eq!((status, code.as_str()), (403, "not.authorized"));
    assert_eq!(
        api_error(call(&w.emu, &bob, &DeleteChatsRoomMessage::new(room, m))).0,
        403
    );
    // Nor alice's 1on1 message to him.
    let alice_id = &w.alice.id;
    assert_eq!(
        api_error(call(
            &w.emu,
            &bob,
            &PatchChatsUserMessage::new(alice_id, &w.dm_msg, SendMessageBody::new("x"))
        ))
        .0,
        403
    );
    assert_eq!(
        api_error(call(
            &w.emu,
            &bob,
            &DeleteChatsUserMessage::new(alice_id, &w.dm_msg)
        ))
        .0,
        403
    );
    // alice (owner) deletes bob's room message.
    let bobs = call(
        &w.emu,
        &bob,
        &PostChatsRoomMessages::new(room, SendMessageBody::new("mine")),
    )
    .unwrap()
    .id
    .unwrap();
    alice(&w.emu, &DeleteChatsRoomMessage::new(room, &bobs));
    // bob (not owner) cannot patch the room, nor remove alice.
    assert_eq!(
        api_error(call(
            &w.emu,
            &bob,
            &PatchChatsRoom::new(room, RoomUpdateRequest::new().subject("x"))
        ))
        .0,
        403
    );
    assert_eq!(
        api_error(call(
            &w.emu,
            &bob,
            &DeleteChatsRoomParticipant::new(room, alice_id)
        ))
        .0,
        403
    );
}

#[test]
fn unknown_paths_and_malformed_paths() {
    let w = world();
    let token = w.token("alice");
    let (status, body, headers) = raw(
        &w.emu,
        "GET",
        "/api/v2/chats/nothing-here",
        Some(&token),
        None,
    );
    assert_eq!((status, body["code"].as_str()), (404, Some("not.found")));
    assert!(headers.contains_key("inin-correlation-id"));
    let (status, _, _) = raw(
        &w.emu,
        "PUT",
        "/api/v2/chats/rooms",
        Some(&token),
        Some("{}"),
    );
    assert_eq!(status, 404);
    let (status, body, _) = raw(
        &w.emu,
        "GET",
        "/api/v2/chats/rooms/%FF%FE",
        Some(&token),
        None,
    );
    assert_eq!(
        (status, body["details"][0]["fieldName"].as_str()),
        (400, Some("path"))
    );
    // A `/` inside an id travels as %2F and stays one segment: it names no room.
    let (status, _, _) = raw(
        &w.emu,
        "GET",
        "/api/v2/chats/rooms/a%2Fb",
        Some(&token),
        None,
    );
    assert_eq!(status, 404);
    // Admin endpoints are not reachable in-process (only the loopback server serves them).
    let (status, _, _) = raw(&w.emu, "GET", "/__emulator/counters", None, None);
    assert_eq!(status, 404);
    assert_eq!(w.emu.counters().unrouted, 4);
}

#[test]
fn oversized_bodies_are_refused() {
    let w = world();
    let big = format!(r#"{{"message":"{}"}}"#, "a".repeat(600_000));
    let path = format!("/api/v2/chats/rooms/{}/messages", enc(&w.room));
    let (status, body, _) = raw(&w.emu, "POST", &path, Some(&w.token("alice")), Some(&big));
    assert_eq!(status, 413);
    assert_eq!(body["status"], 413);
    assert_eq!(w.emu.message_count(), 2);
}

#[test]
fn garbage_never_panics() {
    let w = world();
    let token = w.token("alice");
    let paths = [
        "/",
        "",
        "/api",
        "/api/v2/chats/rooms/%",
        "/api/v2/chats/rooms/%zz/messages",
        "/api/v2/chats/messages/%00/reactions",
        "/api/v2/chats/users/me/settings?x=%FF",
        "/api/v2/chats/rooms/r/messages?limit=99999999999999999999999",
    ];
    let bodies = [
        "",
        "{",
        "null",
        "[]",
        "\"s\"",
        "{\"message\":null}",
        "\u{0}\u{1}",
        "{\"reactions\":[1]}",
    ];
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        for path in paths {
            for body in bodies {
                let request = http::Request::builder()
                    .method(method)
                    .uri(if path.is_empty() { "/" } else { path })
                    .header("Authorization", format!("Bearer {token}"))
                    .body(body.as_bytes().to_vec())
                    .unwrap();
                let response = w.emu.handle(request);
                assert!(response.headers().contains_key("inin-correlation-id"));
            }
        }
    }
    // Odd Authorization headers.
    for auth in [
        "Bearer",
        "Bearer ",
        "Basic abc",
        "bearer emulator-token-alice",
        "Bearer\temulator-token-alice",
    ] {
        let request = http::Request::get("/api/v2/chats/settings")
            .header("Authorization", auth)
            .body(Vec::new())
            .unwrap();
        let status = w.emu.handle(request).status().as_u16();
        assert!(status == 200 || status == 401, "{auth}: {status}");
    }
}
