//! Properties of the core, over arbitrary input: path encoding, parsing that never panics,
//! JSON round trips of the models, and secrets (tokens, chat text) that never leak.
//!
//! Case counts follow proptest's defaults (256), overridable with `PROPTEST_CASES`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Debug;

use common::{OPS, ROOM, dispatch};
use genesys_chat::models::*;
use genesys_chat::operations::*;
use genesys_chat::{AccessToken, Config, Error, Operation, Timestamp};
use percent_encoding::percent_decode_str;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------

/// Arbitrary strings, plus strings dense in the characters that matter to URIs and JSON.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[/?#%@,.+&=;:\\[\\] \"'\\\\a-zA-Z0-9é😀\u{0}\r\n\u{7f}\u{202e}-]{0,16}",
    ]
}

fn path_value() -> impl Strategy<Value = String> {
    text().prop_filter("not a dot segment", |s| {
        !matches!(s.as_str(), "" | "." | "..")
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (-62_135_596_800_000i64..253_402_300_799_999).prop_map(Timestamp::from_unix_millis),
        // Values from the service are kept verbatim, whatever their format.
        text().prop_map(|s| serde_json::from_value::<Timestamp>(Value::String(s)).unwrap()),
    ]
}

fn ids() -> impl Strategy<Value = Vec<String>> {
    vec(text(), 0..6)
}

fn opt<T: Debug + Clone + 'static>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn entity_ref() -> impl Strategy<Value = AddressableEntityRef> {
    (opt(text()), opt(text())).prop_map(|(id, self_uri)| AddressableEntityRef { id, self_uri })
}

fn user_ref() -> impl Strategy<Value = UserReference> {
    (opt(text()), opt(text())).prop_map(|(id, self_uri)| UserReference { id, self_uri })
}

fn entity() -> impl Strategy<Value = Entity> {
    opt(text()).prop_map(|id| Entity { id })
}

fn reaction() -> impl Strategy<Value = ChatReaction> {
    (opt(text()), opt(vec(entity_ref(), 0..3))).prop_map(|(emoji, users)| ChatReaction {
        emoji,
        users,
        malformed: Vec::new(),
    })
}

fn message() -> impl Strategy<Value = ChatMessageResponse> {
    (
        (
            opt(text()),
            opt(timestamp()),
            opt(timestamp()),
            opt(text()),
            opt(text()),
            opt(text()),
        ),
        (
            opt(btree_map(text(), text(), 0..3)),
            opt(any::<bool>()),
            opt(any::<bool>()),
            opt(text()),
        ),
        (
            opt(entity()),
            opt(entity()),
            opt(entity_ref()),
            opt(entity_ref()),
            opt(vec(reaction(), 0..3)),
        ),
    )
        .prop_map(
            |(
                (id, date_created, date_modified, to_jid, jid, body),
                (mentions, edited, attachment_deleted, file_uri),
                (thread, parent_thread, user, to_user, reactions),
            )| ChatMessageResponse {
                id,
                date_created,
                date_modified,
                to_jid,
                jid,
                body,
                mentions,
                edited,
                attachment_deleted,
                file_uri,
                thread,
                parent_thread,
                user,
                to_user,
                reactions,
                malformed: Vec::new(),
            },
        )
}

fn room() -> impl Strategy<Value = Room> {
    (
        (opt(text()), opt(text()), opt(timestamp()), opt(text())),
        (opt(text()), opt(text()), opt(any::<i64>())),
        (
            opt(vec(user_ref(), 0..3)),
            opt(vec(entity_ref(), 0..3)),
            opt(text()),
            opt(text()),
        ),
    )
        .prop_map(
            |(
                (id, name, date_created, room_type),
                (description, subject, participant_limit),
                (owners, pinned_messages, jid, self_uri),
            )| Room {
                id,
                name,
                date_created,
                room_type: room_type.map(|t| RoomType::from(t.as_str())),
                description,
                subject,
                participant_limit,
                owners,
                pinned_messages,
                jid,
                self_uri,
                malformed: Vec::new(),
            },
        )
}

fn send_message_body() -> impl Strategy<Value = SendMessageBody> {
    (text(), opt(ids()), opt(text())).prop_map(|(message, mentions, thread_id)| SendMessageBody {
        message,
        mentions,
        thread_id,
    })
}

fn user_settings() -> impl Strategy<Value = ChatUserSettings> {
    text().prop_map(|when| ChatUserSettings::notify(NotifyWhen::from(when.as_str())))
}

fn flat_error_body() -> impl Strategy<Value = ErrorBody> {
    let detail = (opt(text()), opt(text()), opt(text()), opt(text())).prop_map(
        |(error_code, field_name, entity_id, entity_name)| ErrorDetail {
            error_code,
            field_name,
            entity_id,
            entity_name,
        },
    );
    let limit =
        (opt(text()), opt(text()), opt(any::<i64>())).prop_map(|(key, namespace, value)| {
            ErrorLimit {
                key,
                namespace,
                value,
            }
        });
    (
        (opt(text()), opt(text()), opt(any::<i64>()), opt(text())),
        (
            opt(text()),
            opt(text()),
            opt(btree_map(text(), text(), 0..3)),
            opt(text()),
        ),
        (opt(vec(detail, 0..3)), opt(limit)),
    )
        .prop_map(
            |(
                (message, code, status, entity_id),
                (entity_name, message_with_params, message_params, context_id),
                (details, limit),
            )| ErrorBody {
                message,
                code,
                status,
                entity_id,
                entity_name,
                message_with_params,
                message_params,
                context_id,
                details,
                errors: None,
                limit,
            },
        )
}

fn error_body() -> impl Strategy<Value = ErrorBody> {
    (flat_error_body(), opt(vec(flat_error_body(), 0..3))).prop_map(|(mut outer, nested)| {
        outer.errors = nested;
        outer
    })
}

/// Arbitrary JSON, with keys often drawn from the models' field names.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        proptest::sample::select(vec![
            "id",
            "entities",
            "dateCreated",
            "dateModified",
            "toJid",
            "jid",
            "body",
            "thread",
            "mentions",
            "reactions",
            "emoji",
            "users",
            "roomType",
            "participants",
            "participantJid",
            "pinnedMessages",
            "mobile",
            "notifications",
            "when",
            "messageRetentionPeriodDays",
            "message",
            "code",
            "status",
            "errors",
            "details",
            "limit",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text().prop_map(Value::String),
        Just(json!("2026-11-25T16:42:06.415Z")),
        Just(json!("Always")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        // Valid JSON cut short.
        (json_value(), any::<proptest::sample::Index>()).prop_map(|(v, cut)| {
            let bytes = serde_json::to_vec(&v).unwrap();
            let at = cut.index(bytes.len() + 1);
            bytes[..at].to_vec()
        }),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    let name = proptest::sample::select(vec![
        "retry-after",
        "ININ-Correlation-Id",
        "content-type",
        "content-length",
        "inin-ratelimit-count",
        "x-anything",
    ]);
    let value = prop_oneof![
        vec(any::<u8>(), 0..40),
        "[0-9]{0,25}".prop_map(String::into_bytes),
        " ?[0-9]{1,6} ?".prop_map(String::into_bytes),
    ];
    vec((name, value), 0..6)
}

fn cfg_with(token: &str) -> Config {
    Config::with_base_url("https://api.example.com")
        .unwrap()
        .with_token(token)
        .unwrap()
}

fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T =
        serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
    prop_assert_eq!(&back, value);
    let again = serde_json::to_string(&back).unwrap();
    prop_assert_eq!(&again, &json, "re-serialising changed the JSON");
    // Optional fields are omitted, never null.
    let tree: Value = serde_json::from_str(&json).unwrap();
    prop_assert!(!has_null(&tree), "null in {}", json);
    Ok(())
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

/// Characters `encodeURIComponent` leaves alone, and `%` of its escapes (note 2).
fn is_component_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()%".contains(c)
}

// ---------------------------------------------------------------------------------------
// (a) Path parameters: exactly one segment, exactly the input.
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn path_parameters_travel_as_exactly_one_segment(
        value in path_value(),
        (base, prefix_segments) in prop_oneof![
            Just(("https://api.example.com", 0usize)),
            Just(("https://gw.example.com:8443/genesys/proxy", 2usize)),
        ],
    ) {
        let cfg = Config::with_base_url(base).unwrap().with_token("tok").unwrap();
        for row in OPS {
            for param in row.path_params() {
                let result = dispatch(
                    row.id,
                    &|name| if name == param { value.clone() } else { "x".to_owned() },
                    common::ToHttp(&cfg),
                );
                if param == "messageIds" && value.split(',').any(str::is_empty) {
                    // A comma list with an empty member is refused (note 3).
                    let refused = matches!(result, Err(Error::InvalidInput { field: "messageIds", .. }));
                    prop_assert!(refused, "{}: {:?}", row.id, result);
                    continue;
                }
                let req = result.map_err(|e| TestCaseError::fail(format!("{}: {e}", row.id)))?;
                let text = req.uri().to_string();
                let uri: http::Uri = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(&uri, req.uri());
                prop_assert_eq!(uri.query(), None);
                let segments: Vec<&str> = uri.path().split('/').collect();
                let template: Vec<&str> = row.path.split('/').collect();
                prop_assert_eq!(segments.len(), template.len() + prefix_segments, "{}", text);
                for (i, t) in template.iter().enumerate() {
                    let seg = segments[i + prefix_segments];
                    if t.starts_with('{') {
                        prop_assert!(seg.chars().all(is_component_char), "{}", seg);
                        let decoded = percent_decode_str(seg).decode_utf8().unwrap();
                        let expected = if *t == format!("{{{param}}}") { value.as_str() } else { "x" };
                        prop_assert_eq!(decoded.as_ref(), expected, "{} {}", row.id, param);
                    } else if i > 0 {
                        prop_assert_eq!(seg, *t);
                    }
                }
                let seg = segments[prefix_segments + row.segment_index(param)];
                let decoded = percent_decode_str(seg).decode_utf8().unwrap();
                prop_assert_eq!(decoded.as_ref(), value.as_str());
            }
        }
    }

    #[test]
    fn history_query_values_travel_exactly(
        limit in opt(1u32..),
        before in opt(timestamp()),
        after in opt(timestamp()),
    ) {
        let cfg = common::cfg();
        let mut op = GetChatsRoomMessages::new(ROOM);
        op.query.limit = limit;
        op.query.before = before.clone();
        op.query.after = after.clone();
        let req = op.to_http(&cfg).unwrap();
        let mut expected: Vec<(&str, String)> = Vec::new();
        if let Some(l) = limit { expected.push(("limit", l.to_string())); }
        if let Some(b) = &before { expected.push(("before", b.as_str().to_owned())); }
        if let Some(a) = &after { expected.push(("after", a.as_str().to_owned())); }
        let actual: Vec<(String, String)> = req
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                prop_assert!(v.chars().all(is_component_char), "{}", v);
                Ok((k.to_owned(), percent_decode_str(v).decode_utf8().unwrap().into_owned()))
            })
            .collect::<Result<_, TestCaseError>>()?;
        let expected: Vec<(String, String)> =
            expected.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        prop_assert_eq!(actual, expected);
        prop_assert_eq!(req.uri().query().is_none(), limit.is_none() && before.is_none() && after.is_none());
    }
}

// ---------------------------------------------------------------------------------------
// (b) Parsing never panics, and classifies every response.
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn parse_never_panics(
        status in 100u16..=599,
        headers in headers(),
        body in body_bytes(),
        cap in prop_oneof![Just(8 * 1024 * 1024usize), 0usize..600],
    ) {
        let cfg = common::cfg().with_max_response_bytes(cap);
        let mut builder = http::Response::builder().status(status);
        for (name, value) in &headers {
            if let Ok(v) = http::HeaderValue::from_bytes(value) {
                builder = builder.header(*name, v);
            }
        }
        let resp = builder.body(body.clone()).unwrap();
        for row in OPS {
            let result = dispatch(row.id, &|_| "x".to_owned(), common::Parse(&cfg, &resp));
            if let Err(e) = &result {
                // Display and Debug of every error work too.
                let _ = (e.to_string(), format!("{e:?}"));
            }
            if body.len() > cap && (200..300).contains(&status) {
                prop_assert_eq!(
                    &result,
                    &Err(Error::BodyTooLarge { operation: row.id, limit: cap, size: body.len() as u64 })
                );
            } else if !(200..300).contains(&status) {
                let Err(Error::Api(api)) = &result else {
                    return Err(TestCaseError::fail(format!("{} {status}: {result:?}", row.id)));
                };
                prop_assert_eq!(api.status, status);
                prop_assert_eq!(api.operation, row.id);
                prop_assert!(api.body.is_some() != api.excerpt.is_some(), "{:?}", api);
                let correlation = resp
                    .headers()
                    .get("inin-correlation-id")
                    .and_then(|v| v.to_str().ok());
                prop_assert_eq!(api.correlation_id.as_deref(), correlation);
            } else if row.response.is_none() {
                prop_assert_eq!(&result, &Ok("()".to_owned()));
            } else if let Err(e) = &result {
                let decode = matches!(e, Error::Decode { operation, status: s, .. } if *operation == row.id && *s == status);
                prop_assert!(decode, "{}: {:?}", row.id, e);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// (c) Models survive a JSON round trip.
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn request_models_round_trip(
        send in send_message_body(),
        create in (opt(text()), text(), opt(ids())),
        update in (opt(text()), opt(text()), opt(ids()), opt(ids())),
        pins in ids(),
        reactions in ids(),
        days in opt(any::<u32>()),
        user in user_settings(),
    ) {
        round_trip(&send)?;
        let (description, subject, user_ids) = create;
        round_trip(&CreateRoomRequest { description, subject, user_ids })?;
        let (description, subject, pinned_message_ids, owner_ids) = update;
        round_trip(&RoomUpdateRequest { description, subject, pinned_message_ids, owner_ids })?;
        round_trip(&PinnedMessageRequest { pinned_message_ids: pins })?;
        round_trip(&ChatReactionUpdate { reactions })?;
        round_trip(&ChatSettings { message_retention_period_days: days, ..ChatSettings::default() })?;
        round_trip(&user)?;
    }

    #[test]
    fn response_models_round_trip(
        msg in message(),
        listing in opt(vec(message(), 0..3)),
        id in opt(text()),
        room in room(),
        participants in opt(vec((opt(text()), opt(entity_ref())), 0..3)),
        pinned in opt(vec(entity_ref(), 0..3)),
        error in error_body(),
    ) {
        round_trip(&msg)?;
        round_trip(&ChatMessageEntityListing { entities: listing, malformed: Vec::new() })?;
        round_trip(&ChatSendMessageResponse { id: id.clone() })?;
        round_trip(&CreateRoomResponse { jid: id.clone() })?;
        round_trip(&RoomParticipant { participant_jid: id })?;
        round_trip(&room)?;
        round_trip(&RoomParticipantsResponse {
            participants: participants.map(|ps| {
                ps.into_iter().map(|(jid, user)| RoomParticipantResponse { jid, user }).collect()
            }),
            malformed: Vec::new(),
        })?;
        round_trip(&OneOnOne { pinned_messages: pinned, malformed: Vec::new() })?;
        round_trip(&error)?;
    }

    #[test]
    fn any_enumeration_value_survives(value in text()) {
        let room_type: RoomType = serde_json::from_value(Value::String(value.clone())).unwrap();
        prop_assert_eq!(room_type.as_str(), value.as_str());
        prop_assert_eq!(serde_json::to_value(&room_type).unwrap(), Value::String(value.clone()));
        let when: NotifyWhen = serde_json::from_value(Value::String(value.clone())).unwrap();
        prop_assert_eq!(serde_json::to_value(&when).unwrap(), Value::String(value));
    }
}

// ---------------------------------------------------------------------------------------
// (d) Secrets never leak.
// ---------------------------------------------------------------------------------------

/// Asserts `secret` appears in none of `shown`.
fn assert_hidden(secret: &str, shown: &[String]) -> Result<(), TestCaseError> {
    for s in shown {
        prop_assert!(!s.contains(secret), "secret {:?} leaked into {}", secret, s);
    }
    Ok(())
}

fn error_texts(e: &Error) -> Vec<String> {
    vec![e.to_string(), format!("{e:?}")]
}

proptest! {
    #[test]
    fn tokens_never_leak(token in "[!-~]{12,64}") {
        let t = AccessToken::new(token.clone()).unwrap();
        let cfg = cfg_with(&token);
        let mut shown = vec![format!("{t:?}"), format!("{t}"), format!("{cfg:?}")];
        for row in OPS {
            let req = common::build_all_params(row.id, &cfg, "x").unwrap();
            // The token is there, in a header marked sensitive...
            let auth = req.headers().get("authorization").unwrap();
            let expected = format!("Bearer {token}");
            prop_assert_eq!(auth.as_bytes(), expected.as_bytes());
            prop_assert!(auth.is_sensitive());
            // ...and in none of the printed forms.
            shown.push(format!("{req:?}"));
            shown.push(format!("{:?}", req.headers()));
            shown.push(format!("{:?}", req.uri()));
        }
        assert_hidden(&token, &shown)?;

        // Errors made with the token.
        let mut errors = vec![
            AccessToken::new(format!("{token}\r\nX-Injected: 1")).unwrap_err(),
            AccessToken::new(format!("{token}\n")).unwrap_err(),
            AccessToken::new(format!("{token}\u{0}")).unwrap_err(),
            AccessToken::new(format!("{token}é")).unwrap_err(),
            AccessToken::new(format!("Bearer {token}")).unwrap_err(),
            Config::with_base_url("https://api.example.com").unwrap().with_token(format!("{token}\t")).unwrap_err(),
            Config::with_base_url("http://api.example.com")
                .unwrap()
                .with_token(token.clone())
                .map(|c| GetChatsSettings::new().to_http(&c).unwrap_err())
                .unwrap(),
            GetChatsRoom::new("").to_http(&cfg).unwrap_err(),
            GetChatsRoomMessages::new(ROOM).limit(0).to_http(&cfg).unwrap_err(),
            PostChatsRoomMessagesPins::new(ROOM, PinnedMessageRequest::new(["a", "b", "c", "d", "e", "f"]))
                .to_http(&cfg)
                .unwrap_err(),
        ];
        let unauthorized = common::response(
            401,
            &[("inin-correlation-id", "c1")],
            br#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#,
        );
        errors.push(GetChatsRoom::new(ROOM).parse(&cfg, &unauthorized).unwrap_err());
        errors.push(
            GetChatsRoom::new(ROOM)
                .parse(&cfg.clone().with_max_response_bytes(1), &unauthorized)
                .unwrap_err(),
        );
        for e in &errors {
            assert_hidden(&token, &error_texts(e))?;
        }
    }

    #[test]
    fn chat_text_never_leaks_into_debug(msg in message(), send in send_message_body()) {
        // SendMessageBody.message
        let filler = "#".repeat(send.message.len());
        let baseline = SendMessageBody { message: filler.clone(), ..send.clone() };
        let baseline_texts = [
            format!("{baseline:?}"),
            format!("{:?}", PostChatsRoomMessages::new(ROOM, baseline.clone())),
        ];
        prop_assume!(!send.message.is_empty());
        prop_assume!(baseline_texts.iter().all(|b| !b.contains(&send.message)));
        assert_hidden(
            &send.message,
            &[format!("{send:?}"), format!("{:?}", PostChatsRoomMessages::new(ROOM, send.clone()))],
        )?;

        // ChatMessageResponse.body
        let filler = "#".repeat(msg.body().len());
        let baseline = ChatMessageResponse { body: Some(filler), ..msg.clone() };
        let listing = |m: &ChatMessageResponse| ChatMessageEntityListing::of(vec![m.clone()]);
        let baseline_texts = [format!("{baseline:?}"), format!("{:?}", listing(&baseline))];
        prop_assume!(!msg.body().is_empty());
        prop_assume!(baseline_texts.iter().all(|b| !b.contains(msg.body())));
        assert_hidden(msg.body(), &[format!("{msg:?}"), format!("{:?}", listing(&msg))])?;
    }

    #[test]
    fn chat_text_never_leaks_into_decode_errors(chat in text()) {
        prop_assume!(!chat.is_empty());
        let quoted = serde_json::to_string(&chat).unwrap();
        // The same body with a stand-in of the same JSON length, to rule out texts that
        // appear in the error anyway (an id, a column number, a key).
        let stand_in = format!("\"{}\"", "Z".repeat(quoted.len() - 2));
        // (official id, body, whether the whole error is checked or only the excerpt)
        let cases = |q: &str| -> Vec<(&'static str, String, bool)> {
            vec![
                // An object of the wrong type beside the text.
                ("getChatsMessage", format!(r#"{{"id":"m1","body":{q},"thread":"t"}}"#), true),
                // A field of the wrong type beside the text.
                ("getChatsMessage", format!(r#"{{"id":"m1","body":{q},"edited":"yes"}}"#), true),
                // JSON cut short after or inside the text.
                (
                    "getChatsMessage",
                    format!(r#"{{"id":"m1","dateCreated":"2026-11-25T16:42:06.415Z","body":{q}"#),
                    true,
                ),
                ("getChatsRoomMessages", format!(r#"{{"entities":[{{"body":{q}"#), true),
                ("getChatsUserMessages", format!(r#"{{"body":{}"#, &q[..q.len() - 1]), true),
                // A list that is not a list.
                ("getChatsThreadMessages", format!(r#"{{"entities":{{"body":{q}}}}}"#), true),
                // A text where a list is expected: only the excerpt is checked here
                // (serde quotes the text in its reason, masked as well as it can be).
                ("getChatsRoomMessages", format!(r#"{{"entities":{q}}}"#), false),
            ]
        };
        let cfg = common::cfg();
        for ((id, body, whole), (_, baseline_body, _)) in cases(&quoted).into_iter().zip(cases(&stand_in)) {
            let parse = |b: &str| {
                let resp = common::response(200, &[], b.as_bytes());
                dispatch(id, &|_| "x".to_owned(), common::Parse(&cfg, &resp))
            };
            let (Err(baseline), Err(err)) = (parse(&baseline_body), parse(&body)) else {
                return Err(TestCaseError::fail(format!("{id}: {body} was decoded")));
            };
            let Error::Decode { excerpt, status: 200, .. } = &err else {
                return Err(TestCaseError::fail(format!("expected Decode, got {err:?}")));
            };
            if whole {
                if error_texts(&baseline).iter().all(|b| !b.contains(&chat)) {
                    assert_hidden(&chat, &error_texts(&err))?;
                }
            } else if !excerpt_of(&baseline).contains(&chat) {
                assert_hidden(&chat, std::slice::from_ref(excerpt))?;
            }
        }
        // Items set aside as malformed keep the text out of their reasons.
        let page = |q: &str| {
            let body = format!(r#"{{"entities":[{q},{{"id":"m1","body":{q},"edited":"yes"}}]}}"#);
            GetChatsRoomMessages::new(ROOM).parse(&cfg, &common::response(200, &[], body.as_bytes()))
        };
        let (Ok(baseline), Ok(got)) = (page(&stand_in), page(&quoted)) else {
            return Err(TestCaseError::fail("a page with malformed items did not parse"));
        };
        prop_assert_eq!(got.malformed.len(), 2);
        if !format!("{baseline:?}").contains(&chat) {
            assert_hidden(&chat, &[format!("{got:?}")])?;
        }
    }
}

fn excerpt_of(e: &Error) -> String {
    match e {
        Error::Decode { excerpt, .. } => excerpt.clone(),
        other => format!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn chat_text_with_quotes_never_leaks_into_decode_errors(
        words in vec("[A-Z]{10,14}", 1..4),
    ) {
        let chat = format!("\"{}\"", words.join("\" \""));
        let body = format!(r#"{{"entities":[{}]}}"#, serde_json::to_string(&chat).unwrap());
        let page = GetChatsRoomMessages::new(ROOM)
            .parse(&common::cfg(), &common::response(200, &[], body.as_bytes()))
            .unwrap();
        prop_assert_eq!(page.malformed.len(), 1);
        let shown = [format!("{page:?}"), page.malformed[0].to_string()];
        for w in &words {
            assert_hidden(w, &shown)?;
        }
    }
}
