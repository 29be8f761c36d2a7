//! Strategies for the values everything else is made of: JIDs, ids, text, date-times,
//! history options and configurations.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::Mode;
use crate::operation::{HistoryQuery, MyChatsQuery, ParticipantsQuery};
use crate::{Config, Timestamp};

/// Characters and pieces that break naive URI, JSON and header handling, and shapes that
/// must survive every layer: each reserved character of URIs, percent escapes, dot
/// segments, non-ASCII, emoji (with skin tone and ZWJ), control and invisible characters.
///
/// The first entry is plain, so a failing case shrinks towards readable text.
pub const HOSTILE_PIECES: &[&str] = &[
    "a",
    "/",
    "?",
    "#",
    "%",
    "@",
    ",",
    "+",
    " ",
    "&",
    "=",
    ";",
    ":",
    "[",
    "]",
    "\"",
    "'",
    "\\",
    "<",
    "%2F",
    "%2f",
    "%00",
    "%25",
    "%E2%82%AC",
    "..",
    "../",
    "/..",
    "./",
    "...",
    "é",
    "中文",
    "ß",
    "😀",
    "👍🏽",
    "👨\u{200d}👩\u{200d}👧",
    "\u{0}",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\u{7f}",
    "\u{85}",
    "\u{202e}",
    "\u{feff}",
    "\u{200b}",
    "5f3883f8130b94165bf37a3c",
    "@conference.example.orgspan.com",
    "2026-11-25T17:42:06+01:00",
];

/// The instants valid date-times are drawn from: 2015-01-01 to 2035-01-01 (UTC).
const VALID_MILLIS: std::ops::Range<i64> = 1_420_070_400_000..2_051_222_400_000;
/// Every instant `Timestamp::from_unix_millis` writes with a four-digit year.
const ALL_MILLIS: std::ops::RangeInclusive<i64> = -62_167_219_200_000..=253_402_300_799_999;

/// A strategy for strings matching `pattern`, parsed once (a `&str` used as a strategy
/// parses its pattern again for every value, which is slow for Unicode classes).
pub(super) fn regex(pattern: &'static str) -> BoxedStrategy<String> {
    let parsed = proptest::string::string_regex(pattern);
    // The patterns are literals of the kit: any test build that uses one checks it.
    debug_assert!(parsed.is_ok(), "bad pattern {pattern}: {parsed:?}");
    match parsed {
        Ok(strategy) => strategy.boxed(),
        Err(_) => Just(pattern.to_owned()).boxed(),
    }
}

/// An organisation name as it appears in JIDs, e.g. `example`.
pub fn org() -> impl Strategy<Value = String> {
    prop_oneof![Just("example".to_owned()), regex("[a-z][a-z0-9]{2,11}")]
}

/// 24 lowercase hex digits, the local part of Genesys JIDs. Shrinks towards
/// `000000000000000000000000`.
pub fn hex24() -> impl Strategy<Value = String> {
    (any::<u64>(), any::<u32>()).prop_map(|(a, b)| format!("{a:016x}{b:08x}"))
}

/// A Genesys Cloud id: a lowercase version-4 UUID
/// (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`). Shrinks towards
/// `00000000-0000-4000-8000-000000000000`.
pub fn uuid() -> impl Strategy<Value = String> {
    (any::<u64>(), any::<u64>()).prop_map(|(a, b)| {
        let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    })
}

/// A room JID: `<24 hex>@conference.<org>.orgspan.com`, or an ACD room's
/// `acd-<uuid>-<n>@conference.<org>.orgspan.com`.
pub fn room_jid() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (hex24(), org()).prop_map(|(h, org)| format!("{h}@conference.{org}.orgspan.com")),
        1 => (uuid(), 1u32..10, org())
            .prop_map(|(u, n, org)| format!("acd-{u}-{n}@conference.{org}.orgspan.com")),
    ]
}

/// A user JID: `<24 hex>@<org>.orgspan.com`.
pub fn user_jid() -> impl Strategy<Value = String> {
    (hex24(), org()).prop_map(|(h, org)| format!("{h}@{org}.orgspan.com"))
}

/// A user id (a UUID), as in `userId`, `mentions`, `userIds` and `ownerIds`.
pub fn user_id() -> impl Strategy<Value = String> {
    uuid()
}

/// A message id (a UUID), as in `messageId`, `pinnedMessageId`, `threadId`.
pub fn message_id() -> impl Strategy<Value = String> {
    uuid()
}

/// One to five message ids joined by commas: the `messageIds` path parameter.
pub fn message_ids() -> impl Strategy<Value = String> {
    vec(message_id(), 1..=5).prop_map(|ids| ids.join(","))
}

/// An emoji as chat reactions use them (with skin tones and ZWJ sequences).
pub fn emoji() -> impl Strategy<Value = String> {
    select(
        &[
            "👍",
            "❤️",
            "😀",
            "😂",
            "🎉",
            "👀",
            "🚀",
            "✅",
            "👍🏽",
            "🙏🏿",
            "👨\u{200d}💻",
            "🏳️\u{200d}🌈",
        ][..],
    )
    .prop_map(str::to_owned)
}

/// Chat text as people write it: any printable Unicode, Markdown, emoji, line breaks.
/// Never empty or blank.
pub fn message_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => regex("[a-zA-Z][a-zA-Z0-9 ,.!?'-]{0,40}"),
        3 => regex("[^\\s\\p{C}]\\PC{0,59}"),
        1 => (regex("[a-zA-Z]{1,20}"), emoji(), regex("\\PC{0,20}")).prop_map(|(a, e, b)| format!("{a} {e}{b}")),
        1 => (regex("[^\\s\\p{C}]{1,30}"), regex("\\PC{1,30}")).prop_map(|(a, b)| format!("**{a}**\n\n> {b}\n")),
    ]
}

/// Short human text: a subject, a description, a room name. Never empty or blank.
pub fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => regex("[A-Z][a-z]{0,12}( [a-z]{1,8}){0,3}"),
        1 => regex("[^\\s\\p{C}]\\PC{0,39}"),
    ]
}

/// Text in the given mode: [`message_text`] when valid, [`hostile_text`] when adversarial.
pub fn text(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => message_text().boxed(),
        Mode::Adversarial => hostile_text().boxed(),
    }
}

/// Text built to break things: pieces of [`HOSTILE_PIECES`], arbitrary Unicode (control
/// characters included), the empty string, `.` and `..`, and valid shapes with a hostile
/// piece inside. It may be empty.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => vec(select(HOSTILE_PIECES), 1..6).prop_map(|p| p.concat()),
        2 => any::<String>(),
        1 => select(&["", ".", "..", "...", " ", "%", "/", "\u{0}"][..]).prop_map(str::to_owned),
        2 => (room_jid(), select(HOSTILE_PIECES), any::<bool>()).prop_map(|(jid, piece, front)| {
            if front { format!("{piece}{jid}") } else { format!("{jid}{piece}") }
        }),
    ]
}

/// A hostile text that is never empty, `.` or `..` (so a path parameter holding it is
/// accepted and must travel exactly).
pub fn hostile_segment() -> impl Strategy<Value = String> {
    hostile_text().prop_map(|s| match s.as_str() {
        "" | "." | ".." => format!("{s}a"),
        _ => s,
    })
}

/// A date-time. Valid: RFC 3339 in UTC with milliseconds (as the service writes them),
/// 2015 to 2035. Adversarial: any instant of years 0000 to 9999, offsets (`+01:00`,
/// whose `+` must be encoded), lowercase `t`/`z`, a space separator, many fraction digits,
/// and text that is no date-time at all (which the service may send and the crate keeps
/// verbatim).
pub fn timestamp_with(mode: Mode) -> BoxedStrategy<Timestamp> {
    match mode {
        Mode::Valid => VALID_MILLIS.prop_map(Timestamp::from_unix_millis).boxed(),
        Mode::Adversarial => prop_oneof![
            3 => ALL_MILLIS.prop_map(Timestamp::from_unix_millis),
            2 => (VALID_MILLIS, select(&['T', 't', ' '][..]), select(&["Z", "z", "+01:00", "-05:30", "+14:00", "-00:00"][..]), regex("(\\.[0-9]{1,9})?"))
                .prop_filter_map("an RFC 3339 date-time", |(ms, sep, zone, frac)| {
                    let base = Timestamp::from_unix_millis(ms);
                    // `YYYY-MM-DDTHH:MM:SS` of the UTC form, then another separator,
                    // fraction and zone: still RFC 3339, though not the same instant.
                    let head = base.as_str().get(..19)?;
                    let text = format!("{}{sep}{}{frac}{zone}", &head[..10], &head[11..]);
                    Timestamp::parse(&text).ok()
                }),
            1 => hostile_text().prop_filter_map("kept verbatim", |s| {
                serde_json::from_value::<Timestamp>(serde_json::Value::String(s)).ok()
            }),
        ]
        .boxed(),
    }
}

/// A valid date-time (see [`timestamp_with`]).
pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    timestamp_with(Mode::Valid)
}

/// A history page size. Valid: 1 to 100. Adversarial: also 0 (refused), values over 100
/// and `u32::MAX`.
pub fn limit_with(mode: Mode) -> BoxedStrategy<u32> {
    match mode {
        Mode::Valid => (1u32..=100).boxed(),
        Mode::Adversarial => prop_oneof![
            Just(0u32),
            1u32..=100,
            101u32..=10_000,
            Just(u32::MAX),
            any::<u32>(),
        ]
        .boxed(),
    }
}

/// A valid history page size, 1 to 100.
pub fn limit() -> impl Strategy<Value = u32> {
    limit_with(Mode::Valid)
}

/// History options (`limit`, `before`, `after`, `excludeMetadata`), each set or not.
pub fn history_query_with(mode: Mode) -> BoxedStrategy<HistoryQuery> {
    (
        proptest::option::of(limit_with(mode)),
        proptest::option::of(timestamp_with(mode)),
        proptest::option::of(timestamp_with(mode)),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(limit, before, after, exclude_metadata)| HistoryQuery {
            limit,
            before,
            after,
            exclude_metadata,
        })
        .boxed()
}

/// The `getChatsRoomParticipants` options (`notify` set or not).
pub fn participants_query() -> impl Strategy<Value = ParticipantsQuery> {
    proptest::option::of(any::<bool>()).prop_map(|notify| ParticipantsQuery { notify })
}

/// A "my chats" cursor key: URL-safe text as a service issues it (valid), or hostile
/// text, possibly empty (adversarial).
pub fn cursor_key_with(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => regex("[A-Za-z0-9+/=_-]{1,40}"),
        Mode::Adversarial => hostile_text().boxed(),
    }
}

/// The `getUsersChatsMe` options, each set or not.
pub fn my_chats_query_with(mode: Mode) -> BoxedStrategy<MyChatsQuery> {
    (
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(cursor_key_with(mode)),
    )
        .prop_map(
            |(exclude_closed, include_presence, include_room_owners, after)| MyChatsQuery {
                exclude_closed,
                include_presence,
                include_room_owners,
                after,
            },
        )
        .boxed()
}

/// Valid history options.
pub fn history_query() -> impl Strategy<Value = HistoryQuery> {
    history_query_with(Mode::Valid)
}

/// An access token the service issues: visible ASCII, no space, 16 to 64 characters.
pub fn access_token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => regex("[A-Za-z0-9_-]{16,64}"),
        1 => regex("[!-~]{16,64}"),
    ]
}

/// A `User-Agent`: visible ASCII and spaces, not blank.
pub fn user_agent() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(crate::config::DEFAULT_USER_AGENT.to_owned()),
        regex("[a-z][a-z0-9-]{0,12}/[0-9]\\.[0-9]{1,2}( \\([ -~]{0,20}\\))?"),
    ]
}

/// A configuration that can send requests: a region, a gateway with a path prefix, or
/// a loopback emulator; a valid token; a valid user agent.
pub fn client_config() -> impl Strategy<Value = Config> {
    let base = prop_oneof![
        Just("https://api.example.com".to_owned()),
        select(crate::config::Region::ALL).prop_map(|r| r.api_base_url()),
        (regex("[a-z]{1,8}"), 1u16.., regex("(/[a-z0-9]{1,6}){1,3}"))
            .prop_map(|(host, port, prefix)| format!("https://{host}.example.com:{port}{prefix}")),
        (1u16.., proptest::option::of(regex("/[a-z]{1,6}"))).prop_map(|(port, prefix)| format!(
            "http://127.0.0.1:{port}{}",
            prefix.unwrap_or_default()
        )),
    ];
    (base, access_token(), user_agent()).prop_filter_map(
        "a valid configuration",
        |(base, token, ua)| {
            Config::with_base_url(&base)
                .and_then(|c| c.with_token(token))
                .and_then(|c| c.with_user_agent(ua))
                .ok()
        },
    )
}

impl Arbitrary for Timestamp {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// See [`timestamp_with`].
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        timestamp_with(mode)
    }
}

impl Arbitrary for HistoryQuery {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// See [`history_query_with`].
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        history_query_with(mode)
    }
}

impl Arbitrary for ParticipantsQuery {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// `notify` set or not (the same in both modes: it holds one flag).
    fn arbitrary_with(_: Mode) -> Self::Strategy {
        participants_query().boxed()
    }
}

impl Arbitrary for MyChatsQuery {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Each option set or not; the `after` key hostile (possibly empty) when adversarial.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        my_chats_query_with(mode)
    }
}
