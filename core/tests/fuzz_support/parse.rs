//! The properties the response-parser fuzz targets check, over all 35 operations: the
//! Chat API's 34 ([`operations::ALL`]) then "my chats" ([`operations::USERS`]), in that
//! order (see [`meta`]).
//!
//! - [`raw`]: the operation, status, headers and size cap come from the first bytes, the
//!   rest is the body as it is.
//! - [`model`]: the body is a JSON document shaped like a model (usually the operation's
//!   own), with wrong types, nulls, missing and duplicate fields, deep nesting, odd
//!   numbers and dates; sometimes cut short.
//!
//! Every check panics with a message naming the broken property: the fuzzer records the
//! input, the regression tests replay it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;

use genesys_chat::models::*;
use genesys_chat::operations::{self, *};
use genesys_chat::paging::History;
use genesys_chat::retry::{RetryPolicy, RetryState};
use genesys_chat::{Config, Error, Operation, OperationMeta};
use serde::Serialize;

use super::input::{self, Cursor, MARKER, Shape};

/// Does something with one operation, whatever its type.
pub trait Visit {
    /// What the visit gives back.
    type Out;
    /// Visits a plain operation.
    fn visit<O>(self, op: &O) -> Self::Out
    where
        O: Operation,
        O::Output: Serialize + Debug + PartialEq;
    /// Visits a history operation (it can page).
    fn visit_history<H: History + Debug>(self, op: &H) -> Self::Out
    where
        Self: Sized,
    {
        self.visit(op)
    }
}

/// How many operations the targets cover: [`operations::ALL`] followed by
/// [`operations::USERS`].
pub const COUNT: usize = operations::ALL.len() + operations::USERS.len();

/// The operation at `index` (modulo [`COUNT`]) of [`operations::ALL`] followed by
/// [`operations::USERS`].
pub fn meta(index: usize) -> &'static OperationMeta {
    let i = index % COUNT;
    match operations::ALL.get(i) {
        Some(meta) => meta,
        None => operations::USERS[i - operations::ALL.len()],
    }
}

/// Calls `v` with the operation at `index` (modulo [`COUNT`], see [`meta`]), built with
/// small valid parameters and the history query `query`.
///
/// Panics on an operation of the tables that has no case here, so a new one is never
/// silently skipped.
pub fn with_op<V: Visit>(index: usize, query: genesys_chat::HistoryQuery, v: V) -> V::Out {
    const R: &str = "room@conference.example.com";
    const U: &str = "user-1";
    const M: &str = "m1";
    let msg = || SendMessageBody::new("hello");
    let settings = || ChatSettings::with_retention_days(30);
    let user_settings = || ChatUserSettings::notify(NotifyWhen::Always);
    let pins = || PinnedMessageRequest::new([M]);
    let with_query = |mut h: GetChatsRoomMessages| {
        h.query = query.clone();
        h
    };
    match meta(index).id {
        "deleteChatsRoomMessage" => v.visit(&DeleteChatsRoomMessage::new(R, M)),
        "deleteChatsRoomMessagesPin" => v.visit(&DeleteChatsRoomMessagesPin::new(R, M)),
        "deleteChatsRoomParticipant" => v.visit(&DeleteChatsRoomParticipant::new(R, U)),
        "deleteChatsUserMessage" => v.visit(&DeleteChatsUserMessage::new(U, M)),
        "deleteChatsUserMessagesPin" => v.visit(&DeleteChatsUserMessagesPin::new(U, M)),
        "deleteChatsUsersMeSettings" => v.visit(&DeleteChatsUsersMeSettings::new()),
        "getChatsMessage" => v.visit(&GetChatsMessage::new(M)),
        "getChatsRoom" => v.visit(&GetChatsRoom::new(R)),
        "getChatsRoomMessage" => v.visit(&GetChatsRoomMessage::new(R, M)),
        "getChatsRoomMessages" => v.visit_history(&with_query(GetChatsRoomMessages::new(R))),
        "getChatsRoomParticipant" => v.visit(&GetChatsRoomParticipant::new(R, U)),
        "getChatsRoomParticipants" => v.visit(&GetChatsRoomParticipants::new(R)),
        "getChatsSettings" => v.visit(&GetChatsSettings::new()),
        "getChatsThreadMessages" => {
            let mut op = GetChatsThreadMessages::new(M);
            op.query = query.clone();
            v.visit_history(&op)
        }
        "getChatsUser" => v.visit(&GetChatsUser::new(U)),
        "getChatsUserMessage" => v.visit(&GetChatsUserMessage::new(U, M)),
        "getChatsUserMessages" => {
            let mut op = GetChatsUserMessages::new(U);
            op.query = query.clone();
            v.visit_history(&op)
        }
        "getChatsUserSettings" => v.visit(&GetChatsUserSettings::new(U)),
        "getChatsUsersMeSettings" => v.visit(&GetChatsUsersMeSettings::new()),
        "patchChatsRoom" => v.visit(&PatchChatsRoom::new(
            R,
            RoomUpdateRequest::new().subject("s"),
        )),
        "patchChatsRoomMessage" => v.visit(&PatchChatsRoomMessage::new(R, M, msg())),
        "patchChatsSettings" => v.visit(&PatchChatsSettings::new(settings())),
        "patchChatsUserMessage" => v.visit(&PatchChatsUserMessage::new(U, M, msg())),
        "patchChatsUserSettings" => v.visit(&PatchChatsUserSettings::new(U, user_settings())),
        "patchChatsUsersMeSettings" => v.visit(&PatchChatsUsersMeSettings::new(
            UserSettingsForChat::default()
                .muted(false)
                .notify(NotifyWhen::Always),
        )),
        "postChatsRoomMessages" => v.visit(&PostChatsRoomMessages::new(R, msg())),
        "postChatsRoomMessagesPins" => v.visit(&PostChatsRoomMessagesPins::new(R, pins())),
        "postChatsRoomParticipant" => v.visit(&PostChatsRoomParticipant::new(R, U)),
        "postChatsRooms" => v.visit(&PostChatsRooms::new(CreateRoomRequest::new("s"))),
        "postChatsUserMessages" => v.visit(&PostChatsUserMessages::new(U, msg())),
        "postChatsUserMessagesPins" => v.visit(&PostChatsUserMessagesPins::new(U, pins())),
        "postChatsUsersMeSettings" => v.visit(&PostChatsUsersMeSettings::new(
            UserChatSettingsPost::new(false).notify_on_reactions(true),
        )),
        "putChatsMessageReactions" => v.visit(&PutChatsMessageReactions::new(
            M,
            ChatReactionUpdate::new(["+1"]),
        )),
        "putChatsSettings" => v.visit(&PutChatsSettings::new(settings())),
        "getUsersChatsMe" => v.visit(&GetUsersChatsMe::new()),
        other => panic!("{other}: an operation of the tables with no case in `with_op`"),
    }
}

/// The official id of the operation at `index` (modulo [`COUNT`], see [`meta`]).
pub fn op_id(index: usize) -> &'static str {
    meta(index).id
}

/// The response shape of the operation at `index`, for the model target.
pub fn shape_of(index: usize) -> Shape {
    match op_id(index) {
        "getChatsMessage" => input::MESSAGE,
        "getChatsRoom" => input::ROOM,
        "getChatsRoomMessage"
        | "getChatsRoomMessages"
        | "getChatsThreadMessages"
        | "getChatsUserMessage" => input::LISTING,
        // A listing, or one message (see `parse_history`).
        "getChatsUserMessages" => input::LISTING,
        "getChatsRoomParticipant" => input::PARTICIPANT,
        "getChatsRoomParticipants" => input::PARTICIPANTS,
        "getChatsSettings" | "patchChatsSettings" | "putChatsSettings" => input::SETTINGS,
        "getChatsUser" => input::ONE_ON_ONE,
        "getChatsUserSettings" | "patchChatsUserSettings" => input::USER_SETTINGS,
        "getChatsUsersMeSettings" | "patchChatsUsersMeSettings" => input::ME_SETTINGS,
        "getUsersChatsMe" => input::MY_CHATS,
        "patchChatsRoomMessage"
        | "patchChatsUserMessage"
        | "postChatsRoomMessages"
        | "postChatsUserMessages" => input::SEND_RESPONSE,
        "postChatsRooms" => input::CREATE_ROOM_RESPONSE,
        _ => input::Shape::Any,
    }
}

/// What a check knows of the input besides the response.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The body is valid JSON, or valid JSON cut short, whose string values are markers:
    /// no marker may show in a decode error, nor in an API error other than through the
    /// error body's `message` and `code`.
    pub markers_secret: bool,
    /// Markers written as the chat text (`body`) of a message: never in any `Debug`.
    pub chat: Vec<String>,
}

/// Checks one response against every property, for the operation at `index`.
pub fn check(
    index: usize,
    cfg: &Config,
    response: &http::Response<Vec<u8>>,
    query: genesys_chat::HistoryQuery,
    expect: &Expect,
) {
    with_op(
        index,
        query,
        Checker {
            cfg,
            response,
            expect,
        },
    );
}

struct Checker<'a> {
    cfg: &'a Config,
    response: &'a http::Response<Vec<u8>>,
    expect: &'a Expect,
}

impl Checker<'_> {
    fn check_result<O>(&self, op: &O) -> Option<O::Output>
    where
        O: Operation,
        O::Output: Serialize + Debug + PartialEq,
    {
        let id = O::META.id;
        let cap = self.cfg.max_response_bytes();
        let resp = self.response;
        let status = resp.status().as_u16();
        let body = resp.body();
        let success = (200..300).contains(&status);
        let result = op.parse(self.cfg, resp);

        // Every error prints, and a policy can decide on it.
        if let Err(e) = &result {
            let texts = [e.to_string(), format!("{e:?}")];
            for idempotent in [false, true] {
                let _ = RetryPolicy::default().decide(
                    e,
                    RetryState {
                        attempt: 1,
                        idempotent,
                        elapsed: std::time::Duration::ZERO,
                        jitter: 0.5,
                    },
                );
            }
            self.check_secrets(e, &texts);
        }

        if body.len() > cap && success {
            let expected = Error::BodyTooLarge {
                operation: id,
                limit: cap,
                size: body.len() as u64,
            };
            assert_eq!(result.as_ref().err(), Some(&expected), "{id}: over the cap");
            return None;
        }
        if !success {
            let Err(Error::Api(api)) = &result else {
                panic!("{id}: status {status} gave {result:?}, not an API error");
            };
            assert_eq!(api.status, status, "{id}: API error status");
            assert_eq!(api.operation, id, "{id}: API error operation");
            assert!(
                api.body.is_some() != api.excerpt.is_some(),
                "{id}: an API error has a body or an excerpt, not both nor neither: {api:?}"
            );
            let correlation = resp
                .headers()
                .get("inin-correlation-id")
                .and_then(|v| v.to_str().ok());
            assert_eq!(
                api.correlation_id.as_deref(),
                correlation,
                "{id}: correlation id"
            );
            // What each Retry-After of HEADER_VALUES means (no `Date` header is sent, so
            // an HTTP-date, like a number over u64::MAX, is beyond any cap).
            let secs = std::time::Duration::from_secs;
            let retry_after = match resp.headers().get("retry-after").map(|v| v.as_bytes()) {
                Some(b"0") => Some(secs(0)),
                Some(b"1") => Some(secs(1)),
                Some(b"120") => Some(secs(120)),
                Some(b"18446744073709551615") => Some(secs(u64::MAX)),
                Some(b"18446744073709551616" | b"Wed, 21 Oct 2026 07:28:00 GMT") => {
                    Some(std::time::Duration::MAX)
                }
                _ => None,
            };
            assert_eq!(api.retry_after, retry_after, "{id}: Retry-After");
            if let Some(excerpt) = &api.excerpt {
                check_excerpt(id, excerpt);
            }
            return None;
        }
        match result {
            Ok(output) => {
                for chat in &self.expect.chat {
                    let shown = format!("{output:?}");
                    assert!(
                        !shown.contains(chat.as_str()),
                        "{id}: chat text {chat} shows in Debug of the output: {shown}"
                    );
                }
                Some(output)
            }
            Err(Error::Decode {
                operation,
                status: s,
                excerpt,
                ..
            }) => {
                assert_eq!(operation, id, "{id}: decode error operation");
                assert_eq!(s, status, "{id}: decode error status");
                assert!(
                    O::META.response.is_some(),
                    "{id}: returns nothing, yet a 2xx did not parse"
                );
                check_excerpt(id, &excerpt);
                None
            }
            Err(other) => panic!("{id}: a {status} under the cap gave {other:?}"),
        }
    }

    /// Markers never show where they must not.
    fn check_secrets(&self, e: &Error, texts: &[String; 2]) {
        if self.expect.markers_secret {
            let allowed: Vec<&str> = match e {
                Error::Api(api) => [api.message(), api.message_with_params(), api.code()]
                    .into_iter()
                    .flatten()
                    .collect(),
                _ => Vec::new(),
            };
            for text in texts {
                for (at, _) in text.match_indices(MARKER) {
                    let rest = &text[at..];
                    let end = rest.find('Z').map_or(rest.len(), |z| z + 1);
                    let marker = &rest[..end];
                    assert!(
                        allowed.iter().any(|a| a.contains(marker)),
                        "{}: the body value {marker} leaked into the error: {text}",
                        e_operation(e)
                    );
                }
            }
        }
        for chat in &self.expect.chat {
            let allowed = match e {
                Error::Api(api) => [api.message(), api.message_with_params(), api.code()]
                    .into_iter()
                    .flatten()
                    .any(|a| a.contains(chat.as_str())),
                _ => false,
            };
            for text in texts {
                assert!(
                    allowed || !text.contains(chat.as_str()),
                    "chat text {chat} leaked into the error: {text}"
                );
            }
        }
    }
}

fn e_operation(e: &Error) -> &'static str {
    match e {
        Error::Api(api) => api.operation,
        Error::Decode { operation, .. }
        | Error::Transport { operation, .. }
        | Error::BodyTooLarge { operation, .. } => operation,
        _ => "?",
    }
}

/// An excerpt is short: 160 characters of the body at most, each escaped to at most 10
/// (`\u{10ffff}`), plus the `[truncated]` mark.
fn check_excerpt(id: &str, excerpt: &str) {
    let bound = 160 * 10 + " [truncated]".len();
    assert!(
        excerpt.chars().count() <= bound,
        "{id}: excerpt of {} chars",
        excerpt.chars().count()
    );
    assert!(
        !excerpt.chars().any(char::is_control),
        "{id}: control character in excerpt {excerpt:?}"
    );
}

impl Visit for Checker<'_> {
    type Out = ();

    fn visit<O>(self, op: &O)
    where
        O: Operation,
        O::Output: Serialize + Debug + PartialEq,
    {
        let Some(output) = self.check_result(op) else {
            return;
        };
        // What parsed re-serialises into a document that parses to the same value (as
        // JSON: items set aside as malformed are not serialised, so they are not compared).
        let id = O::META.id;
        let json = serde_json::to_vec(&output).expect("outputs serialise");
        let again = http::Response::builder()
            .status(200)
            .body(json.clone())
            .unwrap();
        let big = self.cfg.clone().with_max_response_bytes(usize::MAX);
        match op.parse(&big, &again) {
            Ok(back) => assert_eq!(
                String::from_utf8(serde_json::to_vec(&back).expect("outputs serialise")).unwrap(),
                String::from_utf8_lossy(&json),
                "{id}: a parsed output does not survive a round trip through {}",
                String::from_utf8_lossy(&json)
            ),
            Err(e) => panic!(
                "{id}: the re-serialised output {} does not parse: {e}",
                String::from_utf8_lossy(&json)
            ),
        }
    }

    fn visit_history<H: History + Debug>(self, op: &H) {
        let Some(page) = self.check_result(op) else {
            return;
        };
        let id = H::META.id;
        // The pager never asks for the same or a newer page again: it ends, stops with
        // `HistoryStuck`, or moves strictly older with the same limit and `after`.
        let next = match op.next_page(&page) {
            Ok(next) => next,
            Err(Error::HistoryStuck { operation, .. }) => {
                assert_eq!(operation, id);
                None
            }
            Err(e) => panic!("{id}: the pager failed with {e:?}"),
        };
        if let Some(next) = next {
            let before = next
                .query()
                .before
                .clone()
                .unwrap_or_else(|| panic!("{id}: a next page without `before`"));
            let oldest = page
                .messages()
                .iter()
                .filter_map(|m| m.date_created.as_ref())
                .min()
                .expect("a next page after a non-empty page");
            assert_eq!(&before, oldest, "{id}: `before` is the oldest message");
            if let Some(current) = &op.query().before {
                assert!(
                    &before < current,
                    "{id}: the next page is not older: {before} after {current}"
                );
            }
            assert_eq!(next.query().limit, op.query().limit, "{id}: limit kept");
            assert_eq!(next.query().after, op.query().after, "{id}: after kept");
            if let Some(limit) = op.query().limit {
                assert!(page.page_len() >= limit as usize, "{id}: short page");
            }
        }
        // The round trip of plain operations holds for histories too.
        let json = serde_json::to_vec(&page).expect("listings serialise");
        let again = http::Response::builder().status(200).body(json).unwrap();
        let big = self.cfg.clone().with_max_response_bytes(usize::MAX);
        let parsed = op.parse(&big, &again).expect("a re-serialised page parses");
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            serde_json::to_value(&page).unwrap(),
            "{id}: a page does not survive a round trip"
        );
    }
}

/// Header values the raw target draws from.
const HEADER_VALUES: &[&[u8]] = &[
    b"0",
    b"1",
    b" 7 ",
    b"120",
    b"18446744073709551615",
    b"18446744073709551616",
    b"-1",
    b"1.5",
    b"Wed, 21 Oct 2026 07:28:00 GMT",
    b"",
    b"\xff\xfe",
    b"corr-\x80-id",
    b"c0ffee00-0000-4000-8000-000000000000",
];

/// The size caps the targets use.
const CAPS: [usize; 6] = [8 * 1024 * 1024, 0, 1, 16, 160, 1024];

/// The history query of a target input.
fn query(cur: &mut Cursor<'_>) -> genesys_chat::HistoryQuery {
    let stamps = [
        "2026-11-25T16:42:06.415Z",
        "1970-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z",
    ];
    let mut q = genesys_chat::HistoryQuery::default();
    let flags = cur.byte();
    if flags & 1 == 1 {
        q.limit = Some(u32::from(cur.byte()).max(1));
    }
    if flags & 2 == 2 {
        q.before = genesys_chat::Timestamp::parse(cur.pick(&stamps)).ok();
    }
    if flags & 4 == 4 {
        q.after = genesys_chat::Timestamp::parse(cur.pick(&stamps)).ok();
    }
    q
}

/// The status a target input names: common ones mostly, any from 100 to 599 else.
fn status(cur: &mut Cursor<'_>) -> u16 {
    const COMMON: [u16; 12] = [200, 201, 202, 204, 206, 299, 400, 401, 404, 429, 500, 503];
    let b = cur.byte();
    if b < 200 {
        COMMON[usize::from(b) % COMMON.len()]
    } else {
        100 + cur.u16() % 500
    }
}

/// Headers of a target input.
fn headers(cur: &mut Cursor<'_>, mut builder: http::response::Builder) -> http::response::Builder {
    const NAMES: [&str; 5] = [
        "retry-after",
        "inin-correlation-id",
        "content-type",
        "content-length",
        "content-encoding",
    ];
    let flags = cur.byte();
    for (i, name) in NAMES.iter().enumerate() {
        if flags & (1 << i) != 0 {
            let value = cur.pick(HEADER_VALUES);
            if let Ok(v) = http::HeaderValue::from_bytes(value) {
                builder = builder.header(*name, v);
            }
        }
    }
    builder
}

/// The raw target: `[op, status…, cap, header flags, header values…, query…] ++ body`.
pub fn raw(data: &[u8]) {
    let mut cur = Cursor::new(data);
    let index = cur.byte() as usize;
    let status = status(&mut cur);
    let cap = cur.pick(&CAPS);
    let builder = headers(&mut cur, http::Response::builder().status(status));
    let query = query(&mut cur);
    let body = cur.rest();
    let cfg = config().with_max_response_bytes(cap);
    let response = builder.body(body).unwrap();
    check(index, &cfg, &response, query, &Expect::default());
}

/// The model target: a JSON document shaped like a model, for any operation.
pub fn model(data: &[u8]) {
    let mut cur = Cursor::new(data);
    let index = cur.byte() as usize;
    let status = status(&mut cur);
    // Usually the operation's own shape (or the error body for an error status), now
    // and then another model's.
    let shape_choice = cur.byte();
    let shape = if shape_choice < 200 {
        if (200..300).contains(&status) {
            shape_of(index)
        } else {
            input::ERROR_BODY
        }
    } else {
        input::RESPONSE_SHAPES[usize::from(shape_choice) % input::RESPONSE_SHAPES.len()]
    };
    let cap = if cur.below(8) == 0 {
        cur.pick(&CAPS)
    } else {
        CAPS[0]
    };
    let builder = headers(&mut cur, http::Response::builder().status(status));
    let query = query(&mut cur);
    let cut = cur.byte();
    let (json, chat) = input::document(&mut cur, shape, &[]);
    let mut body = json.into_bytes();
    if cut >= 224 {
        // Valid JSON cut short (on a character boundary of the text).
        let at = cur.below(body.len() + 1);
        let text = String::from_utf8_lossy(&body[..at]).into_owned();
        let end = text.trim_end_matches('\u{fffd}').len();
        body.truncate(end.min(at));
    }
    let cfg = config().with_max_response_bytes(cap);
    let response = builder.body(body).unwrap();
    let expect = Expect {
        markers_secret: true,
        chat,
    };
    check(index, &cfg, &response, query, &expect);
}

fn config() -> Config {
    Config::with_base_url("https://api.example.com")
        .unwrap()
        .with_token("fuzz-token")
        .unwrap()
}
