//! Properties over every operation, built on the property-testing kit
//! (`genesys_chat::strategies`, the `proptest` feature, on for the core's own tests), and
//! tests of the kit itself.
//!
//! Each property checks all 34 operations and "my chats" in every case (`every_operation`). Case counts:
//! 256 by default, `PROPTEST_CASES` raises them (see README-proptest.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use genesys_chat::operation::HistoryQuery;
use genesys_chat::operations::{ALL, USERS};
use genesys_chat::strategies::{
    self, AnyBody, AnyOperation, Invalid, Mode, OperationKit, OperationVisitor, PathParam,
    client_config, every_operation, operation_sequence, proptest_config,
};
use genesys_chat::{Config, Error};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{
    Config as ProptestConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};

/// Cases per property in CI (each case covers all 34 operations and "my chats").
const CASES: u32 = 256;

fn fail(message: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(message.into())
}

/// Bytes `encodeURIComponent` leaves alone, and `%` of its escapes.
fn is_component_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()%".contains(&b)
}

/// The number of path segments the base URL adds before `/api/v2/...`.
fn prefix_segments(cfg: &Config) -> usize {
    let base: http::Uri = cfg.api_base_url().to_string().parse().unwrap();
    base.path().split('/').filter(|s| !s.is_empty()).count()
}

/// The query options that are set, in the order they must be sent, as text.
fn expected_query(op: &AnyOperation) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let flag = |out: &mut Vec<(String, String)>, name: &str, value: Option<bool>| {
        if let Some(v) = value {
            out.push((name.to_owned(), if v { "true" } else { "false" }.to_owned()));
        }
    };
    match op {
        AnyOperation::GetChatsRoomParticipants(o) => flag(&mut out, "notify", o.query.notify),
        AnyOperation::GetUsersChatsMe(o) => {
            flag(&mut out, "excludeClosed", o.query.exclude_closed);
            flag(&mut out, "includePresence", o.query.include_presence);
            flag(&mut out, "includeRoomOwners", o.query.include_room_owners);
            if let Some(after) = &o.query.after {
                out.push(("after".to_owned(), after.clone()));
            }
        }
        _ => {}
    }
    let Some(q) = op.history_query() else {
        return out;
    };
    let q: &HistoryQuery = q;
    if let Some(limit) = q.limit {
        out.push(("limit".to_owned(), limit.to_string()));
    }
    if let Some(before) = &q.before {
        out.push(("before".to_owned(), before.as_str().to_owned()));
    }
    if let Some(after) = &q.after {
        out.push(("after".to_owned(), after.as_str().to_owned()));
    }
    flag(&mut out, "excludeMetadata", q.exclude_metadata);
    out
}

/// Checks a built request against its operation: method, URI, path values, query,
/// body and the exact header set.
fn check_request(
    op: &AnyOperation,
    cfg: &Config,
    req: &http::Request<Vec<u8>>,
) -> Result<(), TestCaseError> {
    let meta = op.meta();
    let id = meta.id;
    prop_assert_eq!(req.method().as_str(), meta.method.as_str(), "{}", id);

    // The URI parses back to itself, under the configured base.
    let text = req.uri().to_string();
    let uri: http::Uri = text
        .parse()
        .map_err(|e| fail(format!("{id}: {text}: {e}")))?;
    prop_assert_eq!(&uri, req.uri());
    prop_assert!(
        text.starts_with(&cfg.api_base_url().to_string()),
        "{}: {}",
        id,
        text
    );

    // The path has the template's segments; each value decodes to exactly the input.
    let skip = prefix_segments(cfg);
    let segments: Vec<&str> = uri.path().split('/').collect();
    let template: Vec<&str> = meta.path.split('/').collect();
    prop_assert_eq!(segments.len(), template.len() + skip, "{}: {}", id, text);
    prop_assert_eq!(segments[0], "", "{}: {}", id, text);
    let mut values = op.path_values().into_iter();
    for (t, seg) in template[1..].iter().zip(&segments[1 + skip..]) {
        if t.starts_with('{') {
            let (param, value) = values
                .next()
                .ok_or_else(|| fail(format!("{id}: no value for {t}")))?;
            prop_assert_eq!(*t, format!("{{{}}}", param.name()), "{}", id);
            prop_assert!(seg.bytes().all(is_component_byte), "{}: raw {:?}", id, seg);
            let decoded = percent_decode_str(seg)
                .decode_utf8()
                .map_err(|e| fail(format!("{id}: {seg}: {e}")))?;
            prop_assert_eq!(decoded.as_ref(), value, "{} {}", id, param.name());
        } else {
            prop_assert_eq!(seg, t, "{}", id);
        }
    }
    prop_assert!(values.next().is_none(), "{}: values left over", id);

    // The query holds exactly the options that are set, in order, exactly.
    let expected = expected_query(op);
    let actual: Vec<(String, String)> = uri
        .query()
        .map(|q| q.split('&').collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| fail(format!("{id}: {kv}")))?;
            prop_assert!(v.bytes().all(is_component_byte), "{}: raw {:?}", id, v);
            let v = percent_decode_str(v)
                .decode_utf8()
                .map_err(|e| fail(format!("{id}: {e}")))?;
            Ok((k.to_owned(), v.into_owned()))
        })
        .collect::<Result<_, TestCaseError>>()?;
    prop_assert_eq!(&actual, &expected, "{}", id);
    prop_assert_eq!(uri.query().is_none(), expected.is_empty(), "{}", id);

    // The body is JSON that reads back as the input.
    match meta.request_body {
        Some(model) => {
            serde_json::from_slice::<serde_json::Value>(req.body())
                .map_err(|e| fail(format!("{id}: the body is not JSON: {e}")))?;
            let back = AnyBody::from_json(model, req.body())
                .map_err(|e| fail(format!("{id}: the body is not a {model}: {e}")))?;
            prop_assert_eq!(Some(back), op.body(), "{}", id);
        }
        None => prop_assert!(req.body().is_empty(), "{}: a body without a model", id),
    }

    // Exactly the expected headers.
    let h = req.headers();
    let with_body = meta.request_body.is_some();
    let names: BTreeSet<&str> = h.keys().map(|k| k.as_str()).collect();
    let mut expected_names = BTreeSet::from(["accept", "authorization", "user-agent"]);
    if with_body {
        expected_names.insert("content-type");
    }
    prop_assert_eq!(&names, &expected_names, "{}", id);
    prop_assert_eq!(h.len(), expected_names.len(), "{}: a header twice", id);
    prop_assert_eq!(h.get("accept").unwrap(), "application/json");
    let auth = h.get("authorization").unwrap();
    let token = cfg.token().unwrap().secret();
    let bearer = format!("Bearer {token}");
    prop_assert_eq!(auth.as_bytes(), bearer.as_bytes());
    prop_assert!(auth.is_sensitive(), "{}: Authorization not sensitive", id);
    prop_assert_eq!(
        h.get("user-agent").unwrap().as_bytes(),
        cfg.user_agent().as_bytes()
    );
    if with_body {
        prop_assert_eq!(h.get("content-type").unwrap(), "application/json");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The kit agrees with the crate's own metadata.
// ---------------------------------------------------------------------------------------

#[test]
fn the_kit_covers_every_operation_in_the_order_of_all() {
    assert_eq!(AnyOperation::COUNT, 35);
    assert_eq!(ALL.len(), 34);
    let mut runner = TestRunner::deterministic();
    let ops = every_operation(Mode::Valid)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let ids: Vec<&str> = ops.iter().map(AnyOperation::id).collect();
    let official: Vec<&str> = ALL.iter().chain(USERS).map(|m| m.id).collect();
    assert_eq!(ids, official);
    for (op, meta) in ops.iter().zip(ALL.iter().chain(USERS)) {
        assert_eq!(op.meta(), *meta);
        let params: Vec<&str> = op.path_values().iter().map(|(p, _)| p.name()).collect();
        assert_eq!(params, meta.path_params, "{}", meta.id);
        assert_eq!(
            op.history_query().is_some(),
            meta.query_params.contains(&"excludeMetadata"),
            "{}",
            meta.id
        );
        assert_eq!(
            op.body().map(|b| b.model()),
            meta.request_body,
            "{}",
            meta.id
        );
        assert!(
            AnyOperation::strategy_for(meta.id, Mode::Valid).is_some(),
            "{}",
            meta.id
        );
        let out = op
            .output_strategy(Mode::Valid)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        assert_eq!(out.id(), meta.id);
    }
    assert!(AnyOperation::strategy_for("getChatsNothing", Mode::Valid).is_none());
    // Every operation whose input has a rule can be made invalid: all but the two
    // settings reads, `patchChatsUsersMeSettings`, `postChatsUsersMeSettings` and
    // `deleteChatsUsersMeSettings`.
    assert_eq!(AnyOperation::invalid_strategies().len(), 30);
    let models: BTreeSet<&str> = ALL.iter().filter_map(|m| m.request_body).collect();
    assert_eq!(models, AnyBody::MODELS.iter().copied().collect());
}

/// A visitor: the operation's official id and the name of its Rust type.
struct TypeName;

impl OperationVisitor for TypeName {
    type Output = (&'static str, &'static str);
    fn visit<O: OperationKit>(self, _op: &O) -> Self::Output {
        (O::META.id, std::any::type_name::<O>())
    }
}

#[test]
fn visitors_see_each_operation_as_its_own_type() {
    let mut runner = TestRunner::deterministic();
    let ops = every_operation(Mode::Valid)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    for op in &ops {
        let (id, ty) = op.visit(TypeName);
        assert_eq!(id, op.id());
        let short = ty.rsplit("::").next().unwrap();
        assert!(short.eq_ignore_ascii_case(id), "{id} is visited as {ty}");
    }
}

#[test]
fn proptest_config_honours_proptest_cases() {
    let expected = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    assert_eq!(proptest_config(7).cases, expected);
}

// ---------------------------------------------------------------------------------------
// Request construction.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config(CASES))]

    /// Valid input: every operation builds, and the request is exactly the input.
    #[test]
    fn valid_operations_build_exact_requests(
        ops in every_operation(Mode::Valid),
        cfg in client_config(),
    ) {
        for op in &ops {
            prop_assert_eq!(op.violations(), Vec::<&str>::new(), "{:?}", op);
            let req = op.to_http(&cfg).map_err(|e| fail(format!("{}: {e}", op.id())))?;
            check_request(op, &cfg, &req)?;
        }
    }

    /// Hostile input: refused exactly when it breaks a documented rule, with an error
    /// that names a field at fault; otherwise sent exactly.
    #[test]
    fn adversarial_operations_are_refused_exactly_when_invalid(
        ops in every_operation(Mode::Adversarial),
        cfg in client_config(),
    ) {
        for op in &ops {
            let violations = op.violations();
            match op.to_http(&cfg) {
                Ok(req) => {
                    prop_assert!(violations.is_empty(), "{} accepted, breaking {:?}: {:?}", op.id(), violations, op);
                    check_request(op, &cfg, &req)?;
                }
                Err(err @ Error::InvalidInput { field, .. }) => {
                    prop_assert!(
                        violations.contains(&field),
                        "{} refused `{}` ({}), but the rules say {:?}: {:?}", op.id(), field, err, violations, op
                    );
                    prop_assert!(err.to_string().contains(&format!("`{field}`")), "{}", err);
                }
                Err(other) => {
                    return Err(fail(format!("{}: not an input error: {other}: {op:?}", op.id())));
                }
            }
        }
    }

    /// Input that breaks exactly one rule is refused before a request exists, naming
    /// exactly that field.
    #[test]
    fn invalid_operations_are_refused_naming_the_field(
        invalid in AnyOperation::invalid_strategies(),
    ) {
        let cfg = Config::with_base_url("https://api.example.com").unwrap().with_token("tok").unwrap();
        for Invalid { value: op, field } in &invalid {
            // The kit's own check: exactly one rule is broken.
            prop_assert_eq!(op.violations(), vec![*field], "{:?}", op);
            match op.to_http(&cfg) {
                Err(err @ Error::InvalidInput { .. }) => {
                    let Error::InvalidInput { field: named, .. } = &err else { unreachable!() };
                    prop_assert_eq!(named, field, "{}: {}", op.id(), err);
                    prop_assert!(err.to_string().contains(&format!("`{field}`")), "{}", err);
                }
                other => return Err(fail(format!("{}: expected InvalidInput for `{field}`, got {other:?}", op.id()))),
            }
        }
    }

    /// Responses: the service's answer to every operation parses into exactly the
    /// output it was made from (void operations accept their empty body).
    #[test]
    fn outputs_parse_back_exactly(
        (ops, outputs) in every_operation(Mode::Valid).prop_flat_map(|ops| {
            let outputs: Vec<_> = ops.iter().map(|op| op.output_strategy(Mode::Valid)).collect();
            (Just(ops), outputs)
        }),
    ) {
        let cfg = Config::with_base_url("https://api.example.com").unwrap().with_token("tok").unwrap();
        for (op, out) in ops.iter().zip(&outputs) {
            let body = out.response_body().map_err(|e| fail(e.to_string()))?;
            let resp = http::Response::builder().status(200).body(body).unwrap();
            let parsed = op.parse(&cfg, &resp).map_err(|e| fail(format!("{}: {e}", op.id())))?;
            prop_assert_eq!(&parsed, out, "{}", op.id());
        }
    }

    /// Hostile but well-formed responses (unknown enumeration values, odd date-times,
    /// missing optional parts) parse too: a server that grows never breaks a parse.
    #[test]
    fn adversarial_outputs_parse_back_exactly(
        (ops, outputs) in every_operation(Mode::Valid).prop_flat_map(|ops| {
            let outputs: Vec<_> = ops.iter().map(|op| op.output_strategy(Mode::Adversarial)).collect();
            (Just(ops), outputs)
        }),
    ) {
        let cfg = Config::with_base_url("https://api.example.com").unwrap().with_token("tok").unwrap();
        for (op, out) in ops.iter().zip(&outputs) {
            let body = out.response_body().map_err(|e| fail(e.to_string()))?;
            let resp = http::Response::builder().status(200).body(body).unwrap();
            let parsed = op.parse(&cfg, &resp).map_err(|e| fail(format!("{}: {e}", op.id())))?;
            prop_assert_eq!(&parsed, out, "{}", op.id());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shrinking.
// ---------------------------------------------------------------------------------------

/// A deliberately wrong property over sequences of up to 40 operations ("nobody posts to
/// a room after creating one") fails, and proptest shrinks the failure to the two
/// operations that matter, with the simplest values of their shapes.
#[test]
fn a_failing_sequence_shrinks_to_a_short_readable_script() {
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let result = runner.run(&operation_sequence(Mode::Valid, 0..=40), |ops| {
        let created = ops
            .iter()
            .position(|op| matches!(op, AnyOperation::PostChatsRooms(_)));
        if let Some(first) = created {
            let posted = ops[first..]
                .iter()
                .any(|op| matches!(op, AnyOperation::PostChatsRoomMessages(_)));
            prop_assert!(!posted, "a message was posted after a room was created");
        }
        Ok(())
    });
    let Err(TestError::Fail(reason, minimal)) = result else {
        panic!("the deliberately wrong property passed: {result:?}");
    };
    println!("{reason}; minimal failing sequence:\n{minimal:#?}");
    assert_eq!(minimal.len(), 2, "{minimal:#?}");
    let (AnyOperation::PostChatsRooms(create), AnyOperation::PostChatsRoomMessages(post)) =
        (&minimal[0], &minimal[1])
    else {
        panic!("unexpected minimal sequence: {minimal:#?}");
    };
    // Readable: optional parts gone, text and ids shrunk to the simplest of their shape.
    assert_eq!(create.body.description, None);
    assert_eq!(create.body.user_ids, None);
    assert!(create.body.subject.chars().count() <= 1, "{create:?}");
    assert_eq!(post.body.mentions, None);
    assert_eq!(post.body.thread_id, None);
    assert!(post.body.message.chars().count() <= 1, "{post:?}");
    // `<24 hex>@conference.example.orgspan.com`: the org shrinks to `example`.
    let (local, domain) = post.room_jid.split_once('@').unwrap();
    assert_eq!(domain, "conference.example.orgspan.com", "{post:?}");
    assert_eq!(local.len(), 24);
    assert!(local.bytes().all(|b| b.is_ascii_hexdigit()), "{post:?}");
}

/// The kit's named strategies are the `Arbitrary` ones.
#[test]
fn named_strategies_are_the_arbitrary_ones() {
    let mut a = TestRunner::deterministic();
    let mut b = TestRunner::deterministic();
    let named = strategies::post_chats_room_messages()
        .new_tree(&mut a)
        .unwrap()
        .current();
    let any = any::<genesys_chat::operations::PostChatsRoomMessages>()
        .new_tree(&mut b)
        .unwrap()
        .current();
    assert_eq!(named, any);
    let named = strategies::adversarial::send_message_body()
        .new_tree(&mut a)
        .unwrap()
        .current();
    let any = any_with::<genesys_chat::models::SendMessageBody>(Mode::Adversarial)
        .new_tree(&mut b)
        .unwrap()
        .current();
    assert_eq!(named, any);
    assert!(PathParam::MessageIds.is_invalid("a,,b"));
    assert!(!PathParam::RoomJid.is_invalid("..."));
}
