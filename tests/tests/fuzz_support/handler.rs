//! The property the emulator-handler fuzz target checks: any sequence of requests (any
//! method, path, query, headers and body; ids learnt from earlier answers; the clock
//! moving either way; fault rules and a rate limit) gets, for every request, an answer
//! without a panic that
//!
//! - has a status of 200, 204 or 400 to 599 and a non-empty `ININ-Correlation-Id`;
//! - on an error status has an `ErrorBody` JSON body (`code`, `message`, `status` equal
//!   to the HTTP status, `contextId` equal to the correlation id), or, at the login
//!   endpoint, an OAuth error body (`error`, `error_description`), unless a `Truncate` or
//!   `Malformed` fault rule fired on it;
//! - on a success status is what the core's parser of the routed operation accepts: 204
//!   with no body for the operations that return nothing, 200 with JSON that parses for
//!   the others;
//! - on a 429 of the rate limit carries a `Retry-After` of at least one second.
//!
//! Shared by the cargo-fuzz target `emulator_handle` (`core/fuzz`), the properties of
//! `tests/tests/handler_properties.rs` and the replays of `tests/tests/fuzz_regressions.rs`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::time::Duration;

use genesys_chat::models::ErrorBody;
use genesys_chat::{HttpMethod, Operation};
use genesys_chat_testkit::{
    Emulator, EmulatorBuilder, Fault, FaultRoute, FaultRule, ManualClock, Permissions, RateLimit,
};
use serde::Serialize;
use serde_json::Value;

use super::input::{self, Cursor, Shape};
use super::parse::{COUNT, Visit, meta, with_op};

/// 2026-11-25T16:42:06.415Z
const T0: i64 = 1_795_624_926_415;

/// One request of a sequence, as sent.
#[derive(Debug)]
pub struct Sent {
    /// The method.
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The answer's status.
    pub status: u16,
}

/// The environment of one run: the emulator, its clock and what was learnt.
struct World {
    emu: Emulator,
    clock: ManualClock,
    /// Ids, JIDs and timestamps seen in answers, plus the users' ids.
    known: Vec<String>,
    /// Whether a fault rule that rewrites bodies (truncate, malformed) was added.
    rewriting_faults: bool,
    /// Tokens: every user's, one without permissions.
    tokens: Vec<String>,
}

/// Runs one fuzz input: a sequence of requests. Returns what was sent, for the tests
/// that want to look at it.
pub fn run(data: &[u8]) -> Vec<Sent> {
    let mut cur = Cursor::new(data);
    let mut world = setup(&mut cur);
    let steps = 1 + cur.below(12);
    let mut sent = Vec::new();
    for _ in 0..steps {
        if cur.is_empty() && !sent.is_empty() {
            break;
        }
        match cur.below(16) {
            0 => {
                // The clock moves, forwards or backwards.
                let delta = cur.below(10_001) as i64 - 5_000;
                let now = world.emu.now_millis();
                world.clock.set(now.saturating_add(delta));
            }
            1 => {
                if let Some(s) = login(&mut cur, &mut world) {
                    sent.push(s);
                }
            }
            2 => {
                if let Some(s) = raw(&mut cur, &mut world) {
                    sent.push(s);
                }
            }
            _ => {
                if let Some(s) = operation(&mut cur, &mut world) {
                    sent.push(s);
                }
            }
        }
    }
    sent
}

fn setup(cur: &mut Cursor<'_>) -> World {
    let start = cur.pick(&[T0, T0, 0, -315_360_000_000, 4_102_444_800_000]);
    let clock = ManualClock::new(start);
    let seed = cur.u64();
    let mut builder = EmulatorBuilder::with_defaults()
        .clock(clock.clone())
        .seed(seed);
    if cur.below(8) == 0 {
        builder = builder.rate_limit(RateLimit {
            allowed: cur.below(4) as u32,
            window: Duration::from_millis(1 + cur.below(3_000) as u64),
        });
    }
    let emu = builder.build().expect("the default emulator builds");
    let mut rewriting_faults = false;
    let mut rules = Vec::new();
    for _ in 0..cur.below(3) {
        let route = match cur.below(8) {
            0 => FaultRoute::Any,
            1 => FaultRoute::Api,
            2 => FaultRoute::Token,
            _ => FaultRoute::Operation(meta(cur.below(COUNT)).id),
        };
        let fault = match cur.below(7) {
            0 => Fault::Status {
                status: 400 + cur.below(200) as u16,
                retry_after: cur.flag().then(|| cur.pick(&[0, 1, 60, 3_600, u64::MAX])),
            },
            1 => Fault::Delay { millis: 0 },
            2 => Fault::Truncate,
            3 => Fault::Malformed,
            4 => Fault::DropConnection,
            5 => Fault::DropAfterApply,
            _ => Fault::status(429),
        };
        rewriting_faults |= matches!(fault, Fault::Truncate | Fault::Malformed);
        let mut rule = FaultRule::new(route, fault);
        if cur.flag() {
            rule = rule.times(1 + cur.below(3) as u32);
        }
        rules.push(rule);
    }
    let mut known: Vec<String> = emu.users().iter().map(|u| u.id.clone()).collect();
    known.extend(emu.users().iter().map(|u| u.jid.clone()));
    known.push("me".to_owned());
    let mut tokens: Vec<String> = Emulator::DEFAULT_USERS
        .iter()
        .filter_map(|n| emu.token_for(n).map(str::to_owned))
        .collect();
    tokens.extend(emu.issue_token("bob", Permissions::none()));
    let mut world = World {
        emu,
        clock,
        known,
        rewriting_faults,
        tokens,
    };
    seed_state(&mut world);
    // Fault rules come after the seeding, so it never meets them.
    for rule in rules {
        world.emu.add_fault(rule).expect("a valid fault rule");
    }
    world
}

/// A room of alice's with everyone in it, two messages and a reply, and a 1on1 message
/// to bob, made with the core's operations in-process: ids to aim later requests at.
fn seed_state(world: &mut World) {
    use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
    use genesys_chat::operations::{PostChatsRoomMessages, PostChatsRooms, PostChatsUserMessages};
    let cfg = genesys_chat::Config::with_base_url("http://127.0.0.1")
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let others: Vec<String> = world
        .emu
        .users()
        .iter()
        .skip(1)
        .map(|u| u.id.clone())
        .collect();
    let bob = others[0].clone();
    let call = |world: &World, request: http::Request<Vec<u8>>| {
        let response = world.emu.handle(request);
        serde_json::from_slice::<Value>(response.body()).unwrap_or(Value::Null)
    };
    let room_op = PostChatsRooms::new(CreateRoomRequest::new("fuzz").user_ids(others));
    let room = call(world, room_op.to_http(&cfg).unwrap());
    learn(&mut world.known, &room);
    let Some(jid) = room["jid"].as_str().map(str::to_owned) else {
        return;
    };
    let first = call(
        world,
        PostChatsRoomMessages::new(&jid, SendMessageBody::new("one"))
            .to_http(&cfg)
            .unwrap(),
    );
    learn(&mut world.known, &first);
    let second = PostChatsRoomMessages::new(&jid, SendMessageBody::new("two"));
    let answer = call(world, second.to_http(&cfg).unwrap());
    learn(&mut world.known, &answer);
    if let Some(root) = first["id"].as_str() {
        let reply = PostChatsRoomMessages::new(&jid, SendMessageBody::new("three").thread_id(root));
        let answer = call(world, reply.to_http(&cfg).unwrap());
        learn(&mut world.known, &answer);
    }
    let direct = PostChatsUserMessages::new(&bob, SendMessageBody::new("hi"));
    let answer = call(world, direct.to_http(&cfg).unwrap());
    learn(&mut world.known, &answer);
}

/// Percent-encodes every byte but unreserved ASCII.
fn encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Known values that suit the path parameter `name`.
fn suited<'w>(world: &'w World, name: &str) -> Vec<&'w String> {
    let users: Vec<&String> = world.emu.users().iter().map(|u| &u.id).collect();
    world
        .known
        .iter()
        .filter(|k| match name {
            "roomJid" => k.contains("@conference"),
            "userId" => users.contains(k),
            "participantJid" => k.contains('@') && !k.contains("@conference"),
            // Message ids: what is neither a JID, a user nor a timestamp.
            _ => !k.contains('@') && !users.contains(k) && !k.ends_with('Z') && *k != "me",
        })
        .collect()
}

/// A path parameter: a known value that suits it most of the time.
fn param(cur: &mut Cursor<'_>, world: &World, name: &str) -> Vec<u8> {
    let suited = suited(world, name);
    if !suited.is_empty() && cur.below(4) != 0 {
        return suited[cur.below(suited.len())].clone().into_bytes();
    }
    match cur.below(12) {
        0..=5 => world.known[cur.below(world.known.len())]
            .clone()
            .into_bytes(),
        6 => b"me".to_vec(),
        7 => cur.text(24).into_bytes(),
        8 => {
            // A comma-separated list of ids.
            let n = 1 + cur.below(3);
            let ids: Vec<String> = (0..n)
                .map(|_| world.known[cur.below(world.known.len())].clone())
                .collect();
            ids.join(",").into_bytes()
        }
        9 => Vec::new(),
        10 => cur.bytes(16),
        _ => cur
            .pick(&[&b"."[..], b"..", b"%", b"%2", b"a/b", b"\xff", b"\x00"])
            .to_vec(),
    }
}

/// A query value of a history.
fn query_value(cur: &mut Cursor<'_>, world: &World) -> String {
    match cur.below(6) {
        0 => cur
            .pick(&[
                "0",
                "1",
                "2",
                "25",
                "100",
                "101",
                "-1",
                "18446744073709551616",
                "1.5",
                "",
                "abc",
            ])
            .to_owned(),
        1 | 2 => {
            let stamps: Vec<&String> = world
                .known
                .iter()
                .filter(|k| k.contains('T') && k.ends_with('Z'))
                .collect();
            if stamps.is_empty() {
                "2026-11-25T16:42:06.415Z".to_owned()
            } else {
                stamps[cur.below(stamps.len())].clone()
            }
        }
        3 => cur
            .pick(&[
                "1970-01-01T00:00:00Z",
                "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999Z",
                "2026-11-25T16:42:06.415+01:00",
                "2026-02-29T00:00:00Z",
                "2026-11-25T16:42:60Z",
            ])
            .to_owned(),
        4 => {
            let ms = (cur.u64() % 600_000_000_000_000) as i64 - 300_000_000_000_000;
            genesys_chat::Timestamp::from_unix_millis(ms)
                .as_str()
                .to_owned()
        }
        _ => cur.text(24),
    }
}

/// The query string of a request to an operation with these query parameters: the
/// history's (`limit`, `before`, `after`), the options of another operation (flags such as
/// `notify` or `excludeClosed`, the `after` cursor of "my chats"), or none.
fn query(cur: &mut Cursor<'_>, world: &World, params: &[&str]) -> String {
    let history = params.contains(&"limit");
    if params.is_empty() && cur.below(8) != 0 {
        return String::new();
    }
    let mut out = String::new();
    for i in 0..cur.below(5) {
        out.push(if i == 0 { '?' } else { '&' });
        let name = if history || params.is_empty() {
            cur.pick(&[
                "limit", "before", "after", "limit", "before", "LIMIT", "x", "",
            ])
        } else {
            let at = cur.below(params.len() + 2);
            params
                .get(at)
                .copied()
                .unwrap_or(if at == params.len() { "x" } else { "" })
        };
        out.push_str(name);
        out.push('=');
        let value = if history || params.is_empty() || cur.below(4) == 0 {
            query_value(cur, world)
        } else {
            cur.pick(&["true", "false", "TRUE", "1", "", "k+1"])
                .to_owned()
        };
        if cur.below(8) == 0 {
            // Form encoding with `+` for spaces, or raw.
            out.push_str(&value.replace(' ', "+"));
        } else {
            encode(value.as_bytes(), &mut out);
        }
    }
    out
}

/// The request body of an operation's model.
fn body_shape(meta: &genesys_chat::OperationMeta) -> Option<Shape> {
    Some(match meta.request_body? {
        "SendMessageBody" => input::SEND_BODY,
        "CreateRoomRequest" => input::CREATE_ROOM,
        "RoomUpdateRequest" => input::ROOM_UPDATE,
        "PinnedMessageRequest" => input::PINS,
        "ChatReactionUpdate" => input::REACTIONS,
        "ChatSettings" => input::SETTINGS,
        "ChatUserSettings" => input::USER_SETTINGS,
        "UserSettingsForChat" => input::ME_SETTINGS,
        "UserChatSettingsPost" => input::ME_SETTINGS_POST,
        _ => Shape::Any,
    })
}

/// A body: the model's JSON mostly, anything now and then.
fn body(cur: &mut Cursor<'_>, world: &World, shape: Option<Shape>) -> Vec<u8> {
    match (shape, cur.below(32)) {
        (_, 0) => cur.bytes(64),
        (_, 1) => vec![b' '; 512_001],
        (_, 2) => input::document(cur, Shape::Any, &world.known)
            .0
            .into_bytes(),
        (None, _) if cur.below(4) != 0 => Vec::new(),
        (shape, _) => {
            let mut w = input::JsonWriter::new(cur);
            w.known = world.known.clone();
            // String fields draw on known ids far more often in requests.
            w.known_one_in = 2;
            w.value(shape.unwrap_or(Shape::Any), 6);
            w.out.into_bytes()
        }
    }
}

/// The Authorization header of an API request.
fn authorization(cur: &mut Cursor<'_>, world: &World) -> Option<Vec<u8>> {
    let bearer = |t: &str| format!("Bearer {t}").into_bytes();
    match cur.below(12) {
        0..=5 => Some(bearer(Emulator::DEFAULT_TOKEN)),
        6 | 7 => Some(bearer(&world.tokens[cur.below(world.tokens.len())])),
        8 => None,
        9 => Some(
            cur.pick(&[
                &b"Bearer"[..],
                b"Bearer ",
                b"bearer emulator-token-alice",
                b"BEARER  emulator-token-alice ",
                b"Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==",
                b"Bearer emulator-token-alice\xff",
                b"Bearer unknown",
            ])
            .to_vec(),
        ),
        _ => Some(cur.bytes(32)),
    }
}

/// Sends one request and checks its answer. `None` when the bytes make no valid
/// request (an invalid URI or header), which no HTTP stack would deliver.
fn send(
    world: &mut World,
    method: &str,
    target: &str,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
) -> Option<Sent> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1{target}"));
    for (name, value) in headers {
        let value = http::HeaderValue::from_bytes(&value).ok()?;
        let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
        builder = builder.header(name, value);
    }
    let request = builder.body(body).ok()?;
    let path = request.uri().path().to_owned();
    // The query as the emulator sees it (a raw `#` would have ended it).
    let query = format!("?{}", request.uri().query().unwrap_or(""));
    let before = world.emu.counters();
    let response = world.emu.handle(request);
    let after = world.emu.counters();
    let status = response.status().as_u16();
    let context = format!("{method} {target} -> {status}");

    let login = path.starts_with("/oauth/");
    let authorize = method == "GET" && path == "/oauth/authorize";
    assert!(
        status == 200
            || status == 204
            || (status == 302 && authorize)
            || (400..=599).contains(&status),
        "{context}: unexpected status"
    );
    if status == 302 {
        let location = response
            .headers()
            .get("location")
            .unwrap_or_else(|| panic!("{context}: a redirect without Location"))
            .to_str()
            .unwrap_or_else(|_| panic!("{context}: a Location that is not text"));
        learn_location(&mut world.known, &mut world.tokens, location);
    }
    let correlation = response
        .headers()
        .get("inin-correlation-id")
        .unwrap_or_else(|| panic!("{context}: no ININ-Correlation-Id"))
        .to_str()
        .unwrap_or_else(|_| panic!("{context}: the correlation id is not text"))
        .to_owned();
    assert!(!correlation.is_empty(), "{context}: empty correlation id");

    let fired = after.faults_injected > before.faults_injected;
    let rewritten = fired && world.rewriting_faults;
    // The index of the routed operation, as `with_op` counts them.
    let routed = (0..COUNT).find(|&i| after.operation(meta(i).id) > before.operation(meta(i).id));

    if status == 429 && after.rate_limited > before.rate_limited {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        assert!(
            retry_after.is_some_and(|s| s >= 1),
            "{context}: a rate-limit 429 without a Retry-After of at least 1 s"
        );
    }

    if status >= 400 && !rewritten {
        let json: Value = serde_json::from_slice(response.body()).unwrap_or_else(|e| {
            panic!(
                "{context}: the error body is not JSON ({e}): {}",
                String::from_utf8_lossy(response.body())
            )
        });
        let oauth = json.get("error").is_some_and(Value::is_string);
        if login && oauth {
            let error = json["error"].as_str().unwrap_or_default();
            assert!(!error.is_empty(), "{context}: empty OAuth error");
            assert!(
                json.get("error_description").is_some_and(Value::is_string),
                "{context}: OAuth error without a description: {json}"
            );
        } else {
            let body: ErrorBody = serde_json::from_value(json.clone())
                .unwrap_or_else(|e| panic!("{context}: not an ErrorBody ({e}): {json}"));
            assert!(
                body.code.as_deref().is_some_and(|c| !c.is_empty()),
                "{context}: ErrorBody without a code: {json}"
            );
            assert!(
                body.message.as_deref().is_some_and(|m| !m.is_empty()),
                "{context}: ErrorBody without a message: {json}"
            );
            assert_eq!(
                body.status,
                Some(i64::from(status)),
                "{context}: ErrorBody status: {json}"
            );
            assert_eq!(
                body.context_id.as_deref(),
                Some(correlation.as_str()),
                "{context}: ErrorBody contextId is not the correlation id: {json}"
            );
        }
    }

    if login && status == 200 && !rewritten {
        let json: Value = serde_json::from_slice(response.body())
            .unwrap_or_else(|e| panic!("{context}: a token answer that is not JSON: {e}"));
        assert!(
            json.get("access_token").is_some_and(Value::is_string),
            "{context}: a token answer without access_token: {json}"
        );
        if let Some(token) = json["access_token"].as_str() {
            world.tokens.push(token.to_owned());
        }
    }

    if status < 300 && !rewritten && !login {
        let index =
            routed.unwrap_or_else(|| panic!("{context}: a success for no operation at all"));
        let meta = meta(index);
        if meta.response.is_none() {
            assert_eq!(status, 204, "{context}: {} returns nothing", meta.id);
            assert!(response.body().is_empty(), "{context}: a 204 with a body");
        } else {
            assert_eq!(status, 200, "{context}: {} returns a model", meta.id);
        }
        let cfg = genesys_chat::Config::with_base_url("http://127.0.0.1")
            .unwrap()
            .with_token("t")
            .unwrap()
            .with_max_response_bytes(usize::MAX);
        if let Err(e) = with_op(index, Default::default(), ParsesOk(&cfg, &response)) {
            panic!(
                "{context}: the core cannot parse the emulator's answer to {}: {e}; body: {}",
                meta.id,
                String::from_utf8_lossy(response.body())
            );
        }
        check_listing(&context, meta.id, &path, &query, response.body());
    }

    if status < 300 {
        if let Ok(json) = serde_json::from_slice::<Value>(response.body()) {
            learn(&mut world.known, &json);
        }
    }
    Some(Sent {
        method: method.to_owned(),
        target: target.to_owned(),
        status,
    })
}

/// `application/x-www-form-urlencoded` decoding of one component.
fn form_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The first value of a query parameter, decoded.
fn first_query_value(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .find(|(n, _)| form_decode(n) == name)
        .map(|(_, v)| form_decode(v))
}

/// A successful history is newest first, at most `limit` long (25 by default), inside
/// its `before`/`after` window; messages read by id are among the ids asked for.
fn check_listing(context: &str, id: &str, path: &str, target: &str, body: &[u8]) {
    let history = matches!(
        id,
        "getChatsRoomMessages" | "getChatsThreadMessages" | "getChatsUserMessages"
    );
    let by_ids = matches!(id, "getChatsRoomMessage" | "getChatsUserMessage");
    if !history && !by_ids {
        return;
    }
    let listing: genesys_chat::models::ChatMessageEntityListing =
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("{context}: {e}"));
    let messages = listing.messages();
    if by_ids {
        let segment = path.rsplit('/').next().unwrap_or("");
        let asked = percent_encoding::percent_decode_str(segment)
            .decode_utf8_lossy()
            .into_owned();
        let asked: Vec<&str> = asked.split(',').collect();
        for m in messages {
            assert!(
                asked.contains(&m.id().unwrap()),
                "{context}: message {:?} was not asked for",
                m.id
            );
        }
        return;
    }
    let millis = |m: &genesys_chat::models::ChatMessageResponse| {
        m.date_created
            .as_ref()
            .and_then(|t| t.unix_millis())
            .unwrap_or_else(|| {
                panic!(
                    "{context}: dateCreated {:?} is not RFC 3339",
                    m.date_created
                )
            })
    };
    for pair in messages.windows(2) {
        assert!(
            millis(&pair[0]) > millis(&pair[1]),
            "{context}: not newest first: {:?} then {:?}",
            pair[0].date_created,
            pair[1].date_created
        );
    }
    let limit = first_query_value(target, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25);
    assert!(
        messages.len() <= limit,
        "{context}: {} messages for a limit of {limit}",
        messages.len()
    );
    let bound = |name: &str| {
        first_query_value(target, name).map(|v| {
            genesys_chat::Timestamp::parse(&v)
                .ok()
                .and_then(|t| t.unix_millis())
                .unwrap_or_else(|| panic!("{context}: a 200 for {name}={v:?}"))
        })
    };
    let (before, after) = (bound("before"), bound("after"));
    for m in messages {
        let t = millis(m);
        assert!(
            before.is_none_or(|b| t < b),
            "{context}: {:?} not before {before:?}",
            m.date_created
        );
        assert!(
            after.is_none_or(|a| t > a),
            "{context}: {:?} not after {after:?}",
            m.date_created
        );
    }
}

/// Keeps ids, JIDs and timestamps of an answer for later requests.
fn learn(known: &mut Vec<String>, json: &Value) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    (
                        "id" | "jid" | "participantJid" | "dateCreated" | "refresh_token",
                        Value::String(s),
                    ) if known.len() < 64 && !known.contains(s) => {
                        known.push(s.clone());
                    }
                    _ => learn(known, value),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| learn(known, v)),
        _ => {}
    }
}

/// Keeps the code or token of an authorize redirect.
fn learn_location(known: &mut Vec<String>, tokens: &mut Vec<String>, location: &str) {
    let params = location
        .split(['?', '#'])
        .skip(1)
        .flat_map(|q| q.split('&'));
    for pair in params {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        match name {
            "code" if known.len() < 64 => known.push(value),
            "access_token" => tokens.push(value),
            _ => {}
        }
    }
}

/// A request to one of the 35 operations (the Chat API's, then "my chats"), mostly
/// well-formed.
fn operation(cur: &mut Cursor<'_>, world: &mut World) -> Option<Sent> {
    let meta = meta(cur.below(COUNT));
    let method = if cur.below(8) == 0 {
        cur.pick(&[
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE",
        ])
    } else {
        meta.method.as_str()
    };
    let mut target = String::new();
    for segment in meta.path.split('/').skip(1) {
        target.push('/');
        if let Some(name) = segment.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            let value = param(cur, world, name);
            if cur.below(16) == 0 {
                target.push_str(&String::from_utf8_lossy(&value));
            } else {
                encode(&value, &mut target);
            }
        } else if cur.below(64) == 0 {
            target.push_str(&cur.text(8));
        } else {
            target.push_str(segment);
        }
    }
    target.push_str(&query(cur, world, meta.query_params));
    let mut headers = Vec::new();
    if let Some(auth) = authorization(cur, world) {
        headers.push(("authorization".to_owned(), auth));
    }
    if cur.below(4) != 0 {
        headers.push((
            "content-type".to_owned(),
            cur.pick(&[
                &b"application/json"[..],
                b"text/plain",
                b"application/json; charset=utf-8",
            ])
            .to_vec(),
        ));
    }
    if cur.below(16) == 0 {
        headers.push((cur.text(12), cur.bytes(12)));
    }
    let with_body = meta.method != HttpMethod::Get && meta.method != HttpMethod::Delete;
    let shape = if with_body { body_shape(meta) } else { None };
    let body = body(cur, world, shape);
    send(world, method, &target, headers, body)
}

/// A request to the login host: the token endpoint (every grant) or the authorize page.
fn login(cur: &mut Cursor<'_>, world: &mut World) -> Option<Sent> {
    let learnt = |world: &World, prefix: &str, cur: &mut Cursor<'_>| -> String {
        let found: Vec<&String> = world
            .known
            .iter()
            .filter(|k| k.starts_with(prefix))
            .collect();
        if found.is_empty() || cur.below(4) == 0 {
            cur.text(16)
        } else {
            found[cur.below(found.len())].clone()
        }
    };
    let mut form = String::new();
    let push = |form: &mut String, name: &str, value: &str| {
        if !form.is_empty() {
            form.push('&');
        }
        form.push_str(name);
        form.push('=');
        encode(value.as_bytes(), form);
    };
    let client_id = cur.pick(&[
        Some(Emulator::DEFAULT_CLIENT_ID),
        Some(Emulator::DEFAULT_PUBLIC_CLIENT_ID),
        Some("unknown-client"),
        None,
    ]);
    let redirect_uri = cur.pick(&[
        Some("https://app.example.com/callback"),
        Some("http://localhost:8080/cb?x=1"),
        Some("/relative"),
        Some("https://app.example.com/cb#fragment"),
        Some(""),
        None,
    ]);
    let verifier = "dBjftJeZ4CVP-mJ0kzYTjRsv0UFMh3sgDLS8fiiFyPeGlAQcNvuE";
    if cur.below(4) == 0 {
        // GET /oauth/authorize
        if let Some(t) = cur.pick(&[Some("code"), Some("token"), Some("id_token"), None]) {
            push(&mut form, "response_type", t);
        }
        if let Some(c) = client_id {
            push(&mut form, "client_id", c);
        }
        if let Some(r) = redirect_uri {
            push(&mut form, "redirect_uri", r);
        }
        if cur.flag() {
            let state = cur.text(12);
            push(&mut form, "state", &state);
        }
        match cur.below(4) {
            0 => {
                push(
                    &mut form,
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                );
                push(&mut form, "code_challenge_method", "S256");
            }
            1 => {
                let c = cur.text(44);
                push(&mut form, "code_challenge", &c);
                let m = cur.pick(&["S256", "plain", ""]);
                push(&mut form, "code_challenge_method", m);
            }
            _ => {}
        }
        if cur.below(8) == 0 {
            form.push_str(&format!("&{}", cur.text(16)));
        }
        return send(
            world,
            "GET",
            &format!("/oauth/authorize?{form}"),
            Vec::new(),
            Vec::new(),
        );
    }
    // POST /oauth/token
    let grant = cur.pick(&[
        Some("client_credentials"),
        Some("authorization_code"),
        Some("refresh_token"),
        Some("urn:ietf:params:oauth:grant-type:saml2-bearer"),
        Some("password"),
        None,
    ]);
    if let Some(g) = grant {
        push(&mut form, "grant_type", g);
    }
    match grant {
        Some("authorization_code") => {
            let code = learnt(world, "emu-code-", cur);
            push(&mut form, "code", &code);
            if let Some(r) = redirect_uri {
                push(&mut form, "redirect_uri", r);
            }
            if cur.flag() {
                push(&mut form, "code_verifier", verifier);
            }
            if cur.flag() {
                if let Some(c) = client_id {
                    push(&mut form, "client_id", c);
                }
            }
        }
        Some("refresh_token") => {
            let token = learnt(world, "emu-refresh-", cur);
            push(&mut form, "refresh_token", &token);
        }
        Some("urn:ietf:params:oauth:grant-type:saml2-bearer") => {
            let assertion = cur.text(24);
            push(&mut form, "assertion", &assertion);
            push(&mut form, "orgName", Emulator::DEFAULT_ORG);
        }
        _ => {}
    }
    if cur.below(8) == 0 {
        // The same parameter twice, or junk.
        let junk = cur.text(16);
        form.push('&');
        form.push_str(&junk);
    }
    let body = if cur.below(16) == 0 {
        cur.bytes(48)
    } else {
        form.into_bytes()
    };
    let mut headers = vec![(
        "content-type".to_owned(),
        b"application/x-www-form-urlencoded".to_vec(),
    )];
    let auth = cur.pick(&[
        &b"Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA=="[..],
        b"Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==",
        b"Basic ZW11bGF0b3ItY2xpZW50Ondyb25n",
        b"Basic bm9ib2R5Ong=",
        b"Basic bm8tY29sb24=",
        b"Basic !!!",
        b"Bearer emulator-token-alice",
        b"",
    ]);
    if !auth.is_empty() {
        headers.push(("authorization".to_owned(), auth.to_vec()));
    }
    let method = if cur.below(16) == 0 { "GET" } else { "POST" };
    send(world, method, "/oauth/token", headers, body)
}

/// Any method and path.
fn raw(cur: &mut Cursor<'_>, world: &mut World) -> Option<Sent> {
    let method = cur.pick(&[
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
    ]);
    let path = match cur.below(4) {
        0 => cur
            .pick(&[
                "/",
                "/api/v2/chats",
                "/api/v2/chats/rooms",
                "/api/v2/chats/settings/",
                "/oauth/authorize",
                "/oauth/token/",
                "/__emulator/faults",
                "//api/v2/chats/settings",
                "/api/v2/chats/users/me/settings?x",
                "/api/v2/users/chats/me?after=",
                "/api/v2/chats/rooms/%ZZ/messages",
            ])
            .to_owned(),
        _ => {
            let mut p = String::from("/");
            encode(&cur.bytes(32), &mut p);
            p = p.replace("%2F", "/");
            p
        }
    };
    let mut headers = Vec::new();
    if let Some(auth) = authorization(cur, world) {
        headers.push(("authorization".to_owned(), auth));
    }
    let body = cur.bytes(32);
    send(world, method, &path, headers, body)
}

/// Visitor: whether the core parses this response for the operation.
struct ParsesOk<'a>(&'a genesys_chat::Config, &'a http::Response<Vec<u8>>);

impl Visit for ParsesOk<'_> {
    type Out = Result<(), genesys_chat::Error>;
    fn visit<O>(self, op: &O) -> Self::Out
    where
        O: Operation,
        O::Output: Serialize + std::fmt::Debug + PartialEq,
    {
        op.parse(self.0, self.1).map(|_| ())
    }
}
