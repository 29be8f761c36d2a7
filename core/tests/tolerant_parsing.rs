//! Responses shaped as the official SDKs' schema allows them: fields the schema marks
//! required omitted or `null`, values of the wrong type, good and bad items mixed in one
//! list, both shapes of `getChatsUserMessages`, enumerations in another case. Every
//! document and every expected value is written out literally.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_chat::models::*;
use genesys_chat::operations::*;
use genesys_chat::{Config, Error, Operation, Timestamp};

const ROOM: &str = "5f3883f8130b94165bf37a3c@conference.example.orgspan.com";
const USER_ID: &str = "8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60";

fn cfg() -> Config {
    Config::with_base_url("https://api.example.com")
        .unwrap()
        .with_token("tok")
        .unwrap()
}

fn ok(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn parse<O: Operation>(op: &O, body: &str) -> Result<O::Output, Error> {
    op.parse(&cfg(), &ok(body))
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// The operation and reason of a decode error of a 200 response.
fn decode_reason(err: &Error) -> (&'static str, &str) {
    match err {
        Error::Decode {
            operation,
            status: 200,
            reason,
            ..
        } => (operation, reason.as_str()),
        other => panic!("not a decode error of a 200: {other:?}"),
    }
}

fn malformed(field: &'static str, index: usize, reason: &str) -> MalformedItem {
    MalformedItem {
        field,
        index,
        reason: reason.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// Item 11: fields the schema marks required may be missing or null.
// ---------------------------------------------------------------------------------------

#[test]
fn a_message_without_any_required_field_parses() {
    let op = GetChatsMessage::new("m1");
    assert_eq!(parse(&op, "{}").unwrap(), ChatMessageResponse::default());
    let nulls =
        r#"{"id":null,"dateCreated":null,"toJid":null,"jid":null,"body":null,"thread":null}"#;
    let message = parse(&op, nulls).unwrap();
    assert_eq!(message, ChatMessageResponse::default());
    assert_eq!(message.id(), None);
    assert_eq!(message.date_created(), None);
    assert_eq!(message.to_jid(), None);
    assert_eq!(message.jid(), None);
    assert_eq!(message.body(), "");
    assert_eq!(message.thread_id(), None);
    assert!(!message.is_edited());
    assert!(message.reactions().is_empty());
}

#[test]
fn a_message_missing_some_fields_keeps_the_others() {
    let op = GetChatsMessage::new("m1");
    let body = r#"{"id":"m1","body":"hello","dateCreated":"2026-11-25T10:00:01.000Z","reactions":[{"emoji":"👍"},{"users":[{"id":"u1"}]}]}"#;
    let message = parse(&op, body).unwrap();
    assert_eq!(message.id(), Some("m1"));
    assert_eq!(message.body(), "hello");
    assert_eq!(
        message.date_created(),
        Some(&ts("2026-11-25T10:00:01.000Z"))
    );
    assert_eq!(message.jid(), None);
    assert_eq!(message.reactions().len(), 2);
    assert_eq!(message.reactions()[0].emoji(), Some("👍"));
    assert!(message.reactions()[0].users().is_empty());
    assert_eq!(message.reactions()[1].emoji(), None);
    assert_eq!(message.reactions()[1].users()[0].id.as_deref(), Some("u1"));
}

#[test]
fn other_responses_without_their_required_fields_parse() {
    let sent = parse(
        &PostChatsRoomMessages::new(ROOM, SendMessageBody::new("x")),
        "{}",
    )
    .unwrap();
    assert_eq!(sent, ChatSendMessageResponse { id: None });
    assert_eq!(sent.id(), None);
    let sent = parse(
        &PostChatsRoomMessages::new(ROOM, SendMessageBody::new("x")),
        r#"{"id":null}"#,
    )
    .unwrap();
    assert_eq!(sent.id(), None);

    let room = parse(&PostChatsRooms::new(CreateRoomRequest::new("x")), "{}").unwrap();
    assert_eq!(room, CreateRoomResponse { jid: None });
    assert_eq!(room.jid(), None);

    let participant = parse(
        &GetChatsRoomParticipant::new(ROOM, "p@example.orgspan.com"),
        r#"{"participantJid":null}"#,
    )
    .unwrap();
    assert_eq!(participant.participant_jid(), None);

    let op = GetChatsUserSettings::new(USER_ID);
    for body in [
        "{}",
        r#"{"mobile":null}"#,
        r#"{"mobile":{}}"#,
        r#"{"mobile":{"notifications":null}}"#,
        r#"{"mobile":{"notifications":{}}}"#,
        r#"{"mobile":{"notifications":{"when":null}}}"#,
    ] {
        let settings = parse(&op, body).unwrap();
        assert_eq!(settings.notify_when(), None, "{body}");
    }
    let settings = parse(&op, r#"{"mobile":{"notifications":{"when":"Always"}}}"#).unwrap();
    assert_eq!(settings.notify_when(), Some(&NotifyWhen::Always));

    let reaction: ChatReaction = serde_json::from_str(r#"{"emoji":null,"users":null}"#).unwrap();
    assert_eq!(reaction, ChatReaction::default());
}

#[test]
fn a_wrong_type_is_not_coerced() {
    let op = GetChatsMessage::new("m1");
    let err = parse(&op, r#"{"id":42,"body":"secret text"}"#).unwrap_err();
    assert_eq!(
        decode_reason(&err),
        (
            "getChatsMessage",
            "invalid type: integer `42`, expected a string at line 1 column 8"
        )
    );
    assert!(!err.to_string().contains("secret"), "{err}");
    let err = parse(
        &PostChatsRooms::new(CreateRoomRequest::new("x")),
        r#"{"jid":["a"]}"#,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------
// Item 12: one malformed item does not lose the list.
// ---------------------------------------------------------------------------------------

#[test]
fn a_malformed_message_does_not_lose_the_page() {
    let op = GetChatsRoomMessages::new(ROOM);
    let body = r#"{"entities":[
        {"id":"m3","body":"third","dateCreated":"2026-11-25T10:00:03.000Z"},
        {"id":"m2","body":"secret text","dateCreated":17},
        null,
        {"id":"m1","body":"first","dateCreated":"2026-11-25T10:00:01.000Z","edited":"yes"},
        {"id":"m0","body":"zero","dateCreated":"2026-11-25T10:00:00.000Z"}
    ]}"#;
    let page = parse(&op, body).unwrap();
    let ids: Vec<_> = page.messages().iter().map(|m| m.id()).collect();
    assert_eq!(ids, vec![Some("m3"), Some("m0")]);
    assert_eq!(
        page.malformed,
        vec![
            malformed(
                "entities",
                1,
                "invalid type: integer `17`, expected a string"
            ),
            malformed(
                "entities",
                2,
                "invalid type: null, expected a ChatMessageResponse object"
            ),
            malformed(
                "entities",
                3,
                "invalid type: string \"…\", expected a boolean"
            ),
        ]
    );
    assert_eq!(page.page_len(), 5);
    // Never the chat text, neither in Debug nor in the reasons.
    let debug = format!("{page:?}");
    assert!(!debug.contains("secret"), "{debug}");
    assert!(!debug.contains("yes"), "{debug}");
    // `malformed` is not serialised.
    assert_eq!(
        serde_json::to_string(&page).unwrap(),
        r#"{"entities":[{"id":"m3","dateCreated":"2026-11-25T10:00:03.000Z","body":"third"},{"id":"m0","dateCreated":"2026-11-25T10:00:00.000Z","body":"zero"}]}"#
    );
}

#[test]
fn every_list_of_every_response_keeps_its_good_items() {
    let participants = parse(
        &GetChatsRoomParticipants::new(ROOM),
        r#"{"participants":[{"jid":"a@x"},{"jid":5},{"jid":"b@x","user":{"id":"u"}}]}"#,
    )
    .unwrap();
    let jids: Vec<_> = participants
        .participants()
        .iter()
        .map(|p| p.jid.as_deref())
        .collect();
    assert_eq!(jids, vec![Some("a@x"), Some("b@x")]);
    assert_eq!(
        participants.malformed,
        vec![malformed(
            "participants",
            1,
            "invalid type: integer `5`, expected a string"
        )]
    );

    let room = parse(
        &GetChatsRoom::new(ROOM),
        r#"{"jid":"r@x","owners":[{"id":"o1"},"o2"],"pinnedMessages":[7,{"id":"p1"}]}"#,
    )
    .unwrap();
    assert_eq!(room.jid.as_deref(), Some("r@x"));
    assert_eq!(
        room.owners,
        Some(vec![UserReference {
            id: Some("o1".into()),
            self_uri: None
        }])
    );
    assert_eq!(
        room.pinned_messages,
        Some(vec![AddressableEntityRef {
            id: Some("p1".into()),
            self_uri: None
        }])
    );
    assert_eq!(
        room.malformed,
        vec![
            malformed(
                "owners",
                1,
                "invalid type: string \"…\", expected struct UserReference"
            ),
            malformed(
                "pinnedMessages",
                0,
                "invalid type: integer `7`, expected struct AddressableEntityRef"
            ),
        ]
    );

    let one_on_one = parse(
        &GetChatsUser::new(USER_ID),
        r#"{"pinnedMessages":[{"id":"p1"},{"selfUri":false}]}"#,
    )
    .unwrap();
    assert_eq!(one_on_one.pinned_messages.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        one_on_one.malformed,
        vec![malformed(
            "pinnedMessages",
            1,
            "invalid type: boolean `false`, expected a string"
        )]
    );

    let message = parse(
        &GetChatsMessage::new("m1"),
        r#"{"id":"m1","reactions":[{"emoji":"👍","users":[{"id":"u1"},{"id":[]}]},{"emoji":1},{"emoji":"🎉"}]}"#,
    )
    .unwrap();
    let emoji: Vec<_> = message.reactions().iter().map(|r| r.emoji()).collect();
    assert_eq!(emoji, vec![Some("👍"), Some("🎉")]);
    assert_eq!(
        message.malformed,
        vec![malformed(
            "reactions",
            1,
            "invalid type: integer `1`, expected a string"
        )]
    );
    assert_eq!(message.reactions()[0].users().len(), 1);
    assert_eq!(
        message.reactions()[0].malformed,
        vec![malformed(
            "users",
            1,
            "invalid type: sequence, expected a string"
        )]
    );
}

#[test]
fn a_list_that_is_not_a_list_fails_the_response() {
    let err = parse(
        &GetChatsRoomMessages::new(ROOM),
        r#"{"entities":{"id":"m1"}}"#,
    )
    .unwrap_err();
    assert_eq!(
        decode_reason(&err),
        (
            "getChatsRoomMessages",
            "invalid type: map, expected a list at line 1 column 12"
        )
    );
    let err = parse(
        &GetChatsRoomMessages::new(ROOM),
        r#"{"entities":[{"id":"m1"},"#,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------
// Item 13: both shapes of `getChatsUserMessages`, every branch.
// ---------------------------------------------------------------------------------------

fn user_messages(body: &str) -> Result<ChatMessageEntityListing, Error> {
    parse(&GetChatsUserMessages::new(USER_ID), body)
}

fn message(id: Option<&str>, body: Option<&str>) -> ChatMessageResponse {
    ChatMessageResponse {
        id: id.map(str::to_owned),
        body: body.map(str::to_owned),
        ..Default::default()
    }
}

#[test]
fn user_messages_as_a_listing() {
    assert_eq!(
        user_messages(r#"{"entities":[{"id":"m2"},{"body":"no id"}]}"#).unwrap(),
        ChatMessageEntityListing::of(vec![
            message(Some("m2"), None),
            message(None, Some("no id"))
        ])
    );
    assert_eq!(
        user_messages(r#"{"entities":[]}"#).unwrap(),
        ChatMessageEntityListing::of(vec![])
    );
    assert_eq!(
        user_messages(r#"{"entities":null}"#).unwrap(),
        ChatMessageEntityListing::default()
    );
    // A listing wins over message fields beside it.
    assert_eq!(
        user_messages(r#"{"entities":[{"id":"m2"}],"id":"m9"}"#).unwrap(),
        ChatMessageEntityListing::of(vec![message(Some("m2"), None)])
    );
    let page = user_messages(r#"{"entities":[{"id":"m2"},{"id":false}]}"#).unwrap();
    assert_eq!(page.messages(), &[message(Some("m2"), None)]);
    assert_eq!(
        page.malformed,
        vec![malformed(
            "entities",
            1,
            "invalid type: boolean `false`, expected a string"
        )]
    );
}

#[test]
fn user_messages_as_a_single_message() {
    assert_eq!(
        user_messages(r#"{"id":"m1","body":"hi"}"#).unwrap(),
        ChatMessageEntityListing::of(vec![message(Some("m1"), Some("hi"))])
    );
    // Without an id: still the message, never an empty listing.
    assert_eq!(
        user_messages(r#"{"body":"no id","dateCreated":"2026-11-25T10:00:01.000Z"}"#).unwrap(),
        ChatMessageEntityListing::of(vec![ChatMessageResponse {
            body: Some("no id".into()),
            date_created: Some(ts("2026-11-25T10:00:01.000Z")),
            ..Default::default()
        }])
    );
    assert_eq!(
        user_messages(r#"{"id":null,"edited":true}"#).unwrap(),
        ChatMessageEntityListing::of(vec![ChatMessageResponse {
            edited: Some(true),
            ..Default::default()
        }])
    );
    // A single message that does not parse is an error, never dropped.
    let err = user_messages(r#"{"id":"m1","body":5}"#).unwrap_err();
    assert_eq!(
        decode_reason(&err),
        (
            "getChatsUserMessages",
            "invalid type: integer `5`, expected a string at line 1 column 19"
        )
    );
}

#[test]
fn user_messages_with_neither_shape() {
    assert_eq!(
        user_messages("{}").unwrap(),
        ChatMessageEntityListing::default()
    );
    assert_eq!(
        user_messages(r#"{"pageSize":25,"selfUri":"/x"}"#).unwrap(),
        ChatMessageEntityListing::default()
    );
    for (body, reason) in [
        (
            "null",
            "invalid type: null, expected a ChatMessageEntityListing object at line 1 column 4",
        ),
        (
            "[]",
            "invalid type: sequence, expected a ChatMessageEntityListing object at line 1 column 0",
        ),
        (
            "[{\"id\":\"m1\"}]",
            "invalid type: sequence, expected a ChatMessageEntityListing object at line 1 column 0",
        ),
        (
            "\"m1\"",
            "invalid type: string \"…\", expected a ChatMessageEntityListing object at line 1 column 4",
        ),
        ("", "EOF while parsing a value at line 1 column 0"),
    ] {
        match user_messages(body).unwrap_err() {
            Error::Decode {
                operation,
                status,
                reason: got,
                ..
            } => {
                assert_eq!(operation, "getChatsUserMessages");
                assert_eq!(status, 200);
                assert_eq!(got, reason, "{body}");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Item 14: enumerations compare without regard to case, and keep the text.
// ---------------------------------------------------------------------------------------

#[test]
fn enumerations_ignore_case_and_keep_the_text() {
    let room = parse(&GetChatsRoom::new(ROOM), r#"{"roomType":"ADHOC"}"#).unwrap();
    let kind = room.room_type.clone().unwrap();
    assert_eq!(kind, RoomType::Adhoc);
    assert_eq!(kind.as_str(), "ADHOC");
    assert!(matches!(kind.canonical(), RoomType::Adhoc));
    assert_eq!(
        serde_json::to_string(&room).unwrap(),
        r#"{"roomType":"ADHOC"}"#
    );
    for (text, known) in [
        ("adhoc", RoomType::Adhoc),
        ("Acd", RoomType::Acd),
        ("GROUP", RoomType::Group),
        ("oneonone", RoomType::OneOnOne),
        ("SupervisorAssistance", RoomType::SupervisorAssistance),
    ] {
        let parsed: RoomType = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(parsed, known, "{text}");
        assert_eq!(parsed.canonical().as_str(), known.as_str(), "{text}");
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            format!("\"{text}\"")
        );
    }
    let unknown = RoomType::from("broadcast");
    assert_eq!(unknown, RoomType::Unknown("broadcast".into()));
    assert_ne!(unknown, RoomType::Adhoc);
    assert_eq!(unknown.canonical(), RoomType::Unknown("BROADCAST".into()));

    let when: NotifyWhen = serde_json::from_str(r#""onlywheninactive""#).unwrap();
    assert_eq!(when, NotifyWhen::OnlyWhenInactive);
    assert_ne!(when, NotifyWhen::Always);
    assert_eq!(
        serde_json::to_string(&when).unwrap(),
        r#""onlywheninactive""#
    );

    // Equal values hash alike, so a set holds one of them.
    let set: std::collections::HashSet<RoomType> = [
        RoomType::Adhoc,
        RoomType::from("ADHOC"),
        RoomType::from("AdHoc"),
    ]
    .into();
    assert_eq!(set.len(), 1);
}
