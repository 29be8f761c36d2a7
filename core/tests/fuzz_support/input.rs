//! Turning fuzzer bytes into structured input: a byte cursor, and JSON documents shaped
//! like the Chat models (with every field sometimes of the wrong type, null, missing,
//! or replaced by arbitrary deep JSON), written as text.
//!
//! Shared by the cargo-fuzz targets (`core/fuzz`), the proptest properties that run in CI
//! (`core/tests/fuzz_properties.rs`, `tests/tests/handler_properties.rs`) and the replays
//! of crash inputs (`*/tests/fuzz_regressions.rs`): the same bytes give the same input
//! everywhere.
//!
//! String values are *markers* (`S3CR3T<n>Z`, unique per document) unless a known value
//! is asked for, so a test can tell exactly which value of the body ended up where.

#![allow(dead_code)]

use std::fmt::Write as _;

/// Reads structured values from fuzzer bytes; past the end every read gives zeros.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The next byte, or 0.
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A number below `n` (`n` ≥ 1).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 256 {
            usize::from(self.byte()) % n
        } else {
            (usize::from(self.byte()) << 8 | usize::from(self.byte())) % n
        }
    }

    /// A flag.
    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// Two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// Eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.byte();
        }
        u64::from_le_bytes(b)
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Up to `max` raw bytes (the length comes first).
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.byte()).collect()
    }

    /// Up to `max` bytes as text (invalid UTF-8 replaced).
    pub fn text(&mut self, max: usize) -> String {
        String::from_utf8_lossy(&self.bytes(max)).into_owned()
    }

    /// The rest of the bytes.
    pub fn rest(&mut self) -> Vec<u8> {
        let out = self.data.get(self.pos..).unwrap_or(&[]).to_vec();
        self.pos = self.data.len();
        out
    }
}

/// The shape of a JSON value, as a model declares it.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A string (a marker, unless the writer is given known values).
    Str,
    /// A date-time string.
    Stamp,
    /// `true` or `false`.
    Bool,
    /// An integer (i64).
    Int,
    /// A non-negative integer that fits u32.
    U32,
    /// One of these string values (an open enumeration).
    Enum(&'static [&'static str]),
    /// An object with these fields; `true` marks a required field.
    Obj(&'static [(&'static str, bool, Shape)]),
    /// An array of this shape.
    Arr(&'static Shape),
    /// An object with string keys and values of this shape.
    Map(&'static Shape),
    /// Any JSON at all.
    Any,
}

use Shape::*;

const ENTITY: Shape = Obj(&[("id", false, Str)]);
const REF: Shape = Obj(&[("id", false, Str), ("selfUri", false, Str)]);
const REACTION: Shape = Obj(&[("emoji", true, Str), ("users", true, Arr(&REF))]);

/// `ChatMessageResponse`.
pub const MESSAGE: Shape = Obj(&[
    ("id", true, Str),
    ("dateCreated", true, Stamp),
    ("dateModified", false, Stamp),
    ("toJid", true, Str),
    ("jid", true, Str),
    ("body", true, Str),
    ("mentions", false, Map(&Str)),
    ("edited", false, Bool),
    ("attachmentDeleted", false, Bool),
    ("fileUri", false, Str),
    ("thread", true, ENTITY),
    ("parentThread", false, ENTITY),
    ("user", false, REF),
    ("toUser", false, REF),
    ("reactions", false, Arr(&REACTION)),
]);
/// `ChatMessageEntityListing`.
pub const LISTING: Shape = Obj(&[("entities", false, Arr(&MESSAGE))]);
/// `ChatSendMessageResponse`.
pub const SEND_RESPONSE: Shape = Obj(&[("id", true, Str)]);
/// `CreateRoomResponse`.
pub const CREATE_ROOM_RESPONSE: Shape = Obj(&[("jid", true, Str)]);
/// `Room`.
pub const ROOM: Shape = Obj(&[
    ("id", false, Str),
    ("name", false, Str),
    ("dateCreated", false, Stamp),
    (
        "roomType",
        false,
        Enum(&["adhoc", "acd", "group", "oneOnOne", "supervisorAssistance"]),
    ),
    ("description", false, Str),
    ("subject", false, Str),
    ("participantLimit", false, Int),
    ("owners", false, Arr(&REF)),
    ("pinnedMessages", false, Arr(&REF)),
    ("jid", false, Str),
    ("selfUri", false, Str),
]);
/// `RoomParticipant`.
pub const PARTICIPANT: Shape = Obj(&[("participantJid", true, Str)]);
/// `RoomParticipantsResponse`.
pub const PARTICIPANTS: Shape = Obj(&[(
    "participants",
    false,
    Arr(&Obj(&[("jid", false, Str), ("user", false, REF)])),
)]);
/// `OneOnOne`.
pub const ONE_ON_ONE: Shape = Obj(&[("pinnedMessages", false, Arr(&REF))]);
/// `ChatSettings`.
pub const SETTINGS: Shape = Obj(&[
    ("messageRetentionPeriodDays", false, U32),
    ("reactionsEnabled", false, Bool),
]);
/// `ChatUserSettings`.
pub const USER_SETTINGS: Shape = Obj(&[(
    "mobile",
    true,
    Obj(&[(
        "notifications",
        true,
        Obj(&[("when", true, Enum(&["Always", "OnlyWhenInactive"]))]),
    )]),
)]);
const MOBILE: Shape = Obj(&[(
    "notifications",
    false,
    Obj(&[("when", false, Enum(&["Always", "OnlyWhenInactive"]))]),
)]);
/// `UserSettingsForChat` (the caller's own settings).
pub const ME_SETTINGS: Shape = Obj(&[
    ("muted", false, Bool),
    ("mentionsOnly", false, Bool),
    ("notifyOnReactions", false, Bool),
    ("mobile", false, MOBILE),
]);
const CHAT_USER: Shape = Obj(&[
    ("id", false, Str),
    ("name", false, Str),
    ("jid", false, Str),
    ("inactive", false, Bool),
    ("selfUri", false, Str),
]);
const CHAT_ITEM: Shape = Obj(&[
    ("id", false, Str),
    ("name", false, Str),
    ("open", false, Bool),
    (
        "favorite",
        false,
        Obj(&[("id", false, Str), ("externalId", false, Str)]),
    ),
    (
        "images",
        false,
        Arr(&Obj(&[
            ("resolution", false, Str),
            ("imageUri", false, Str),
        ])),
    ),
    ("dateLastMessage", false, Stamp),
    ("dateClosed", false, Stamp),
    ("user", false, CHAT_USER),
    ("room", false, ROOM),
    (
        "chatType",
        false,
        Enum(&["adhoc", "acd", "group", "oneOnOne", "supervisorAssistance"]),
    ),
    ("selfUri", false, Str),
]);
/// `ChatItemCursorListing` ("my chats").
pub const MY_CHATS: Shape = Obj(&[
    ("entities", false, Arr(&CHAT_ITEM)),
    ("nextUri", false, Str),
    ("selfUri", false, Str),
    ("previousUri", false, Str),
]);
const FLAT_ERROR: Shape = Obj(&[
    ("message", false, Str),
    ("code", false, Str),
    ("status", false, Int),
    ("entityId", false, Str),
]);
/// `ErrorBody`.
pub const ERROR_BODY: Shape = Obj(&[
    ("message", false, Str),
    ("code", false, Str),
    ("status", false, Int),
    ("entityId", false, Str),
    ("entityName", false, Str),
    ("messageWithParams", false, Str),
    ("messageParams", false, Map(&Str)),
    ("contextId", false, Str),
    (
        "details",
        false,
        Arr(&Obj(&[
            ("errorCode", false, Str),
            ("fieldName", false, Str),
            ("entityId", false, Str),
            ("entityName", false, Str),
        ])),
    ),
    ("errors", false, Arr(&FLAT_ERROR)),
    (
        "limit",
        false,
        Obj(&[
            ("key", false, Str),
            ("namespace", false, Str),
            ("value", false, Int),
        ]),
    ),
]);

/// `SendMessageBody`.
pub const SEND_BODY: Shape = Obj(&[
    ("message", true, Str),
    ("mentions", false, Arr(&Str)),
    ("threadId", false, Str),
]);
/// `CreateRoomRequest`.
pub const CREATE_ROOM: Shape = Obj(&[
    ("description", false, Str),
    ("subject", true, Str),
    ("userIds", false, Arr(&Str)),
]);
/// `RoomUpdateRequest`.
pub const ROOM_UPDATE: Shape = Obj(&[
    ("description", false, Str),
    ("subject", false, Str),
    ("pinnedMessageIds", false, Arr(&Str)),
    ("ownerIds", false, Arr(&Str)),
]);
/// `PinnedMessageRequest`.
pub const PINS: Shape = Obj(&[("pinnedMessageIds", true, Arr(&Str))]);
/// `ChatReactionUpdate`.
pub const REACTIONS: Shape = Obj(&[("reactions", true, Arr(&Str))]);
/// `UserChatSettingsPost`.
pub const ME_SETTINGS_POST: Shape = Obj(&[
    ("muted", true, Bool),
    ("mentionsOnly", false, Bool),
    ("notifyOnReactions", false, Bool),
]);

/// Every response shape (for feeding one operation the shape of another).
pub const RESPONSE_SHAPES: [Shape; 13] = [
    MESSAGE,
    LISTING,
    SEND_RESPONSE,
    CREATE_ROOM_RESPONSE,
    ROOM,
    PARTICIPANT,
    PARTICIPANTS,
    ONE_ON_ONE,
    SETTINGS,
    USER_SETTINGS,
    ME_SETTINGS,
    MY_CHATS,
    ERROR_BODY,
];

/// The prefix of every marker string.
pub const MARKER: &str = "S3CR3T";

/// Keys that appear in no model, and keys of other models.
const OTHER_KEYS: &[&str] = &[
    "entities", "id", "body", "x", "", "pageSize", "selfUri", "nextUri", "total", "é", "\u{0}",
];

/// Writes one JSON document from fuzzer bytes.
pub struct JsonWriter<'c, 'a> {
    cur: &'c mut Cursor<'a>,
    /// The JSON text so far.
    pub out: String,
    /// Markers written so far.
    markers: usize,
    /// Markers written as the `body` of a message (chat text).
    pub chat_markers: Vec<String>,
    /// Known values (ids, JIDs, timestamps) that string fields draw from now and then.
    pub known: Vec<String>,
    /// One string field in this many takes a known value (when there are any).
    pub known_one_in: usize,
    /// How many containers deep the writer may still go.
    budget: usize,
}

impl<'c, 'a> JsonWriter<'c, 'a> {
    /// A writer that reads its choices from `cur`.
    pub fn new(cur: &'c mut Cursor<'a>) -> Self {
        JsonWriter {
            cur,
            out: String::new(),
            markers: 0,
            chat_markers: Vec::new(),
            known: Vec::new(),
            known_one_in: 16,
            budget: 400,
        }
    }

    /// A fresh marker.
    fn marker(&mut self) -> String {
        self.markers += 1;
        format!("{MARKER}{}Z", self.markers)
    }

    /// Writes `s` as a JSON string, sometimes with needless `\u` escapes.
    fn string(&mut self, s: &str) {
        let escape_all = self.cur.below(8) == 0;
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if (c as u32) < 0x20 || (escape_all && c.is_ascii_alphabetic()) => {
                    let _ = write!(self.out, "\\u{:04x}", c as u32);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// Writes a string value: usually a marker, else a known value or an odd one.
    fn str_value(&mut self, chat: bool) {
        if !self.known.is_empty() && self.cur.below(self.known_one_in.max(1)) == 0 {
            let k = self.known[self.cur.below(self.known.len())].clone();
            self.string(&k);
            return;
        }
        let choice = self.cur.below(16);
        let m = self.marker();
        if chat {
            self.chat_markers.push(m.clone());
        }
        let text = match choice {
            // Markers wrapped in what JSON and excerpts find tricky.
            1 => format!("{m}\"quoted\""),
            2 => format!("\\{m}\\"),
            3 => format!("{m} 😀 \u{202e}é\r\n\t"),
            4 => format!("{m}: {{\"k\":\"v\"}}"),
            5 => format!("{}{m}", "x".repeat(170)),
            6 => {
                // A lone surrogate: invalid JSON, written raw.
                self.out.push('"');
                self.out.push_str(&m);
                self.out.push_str("\\ud800\"");
                return;
            }
            _ => m,
        };
        self.string(&text);
    }

    /// Writes a date-time: valid, edge, or not a date at all.
    fn stamp(&mut self) {
        const STAMPS: &[&str] = &[
            "2026-11-25T16:42:06.415Z",
            "2026-11-25T17:42:06+01:00",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:60.999999999Z",
            "2024-02-29T00:00:00.000Z",
            "2026-02-29T00:00:00.000Z",
            "2026-11-25T16:42:06.Z",
            "2026-11-25",
            "",
            "not a date",
            "2026-11-25T16:42:06.415-23:59",
            "２026-11-25T16:42:06Z",
        ];
        if self.cur.below(4) == 0 {
            let ms = self.cur.u64() as i64 % 400_000_000_000_000;
            let t = genesys_chat::Timestamp::from_unix_millis(ms);
            self.string(t.as_str());
        } else {
            let s = self.cur.pick(STAMPS);
            self.string(s);
        }
    }

    /// Writes an integer, often an edge value or a number that is not an integer.
    fn int(&mut self) {
        const NUMBERS: &[&str] = &[
            "0",
            "-0",
            "1",
            "-1",
            "10",
            "365",
            "3650",
            "4294967295",
            "4294967296",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "1.5",
            "1e3",
            "1E400",
            "-1e-400",
            "0.0",
            "100000000000000000000000000000000000000000",
        ];
        if self.cur.flag() {
            let n = self.cur.u64() as i64;
            let _ = write!(self.out, "{n}");
        } else {
            let s = self.cur.pick(NUMBERS);
            self.out.push_str(s);
        }
    }

    /// Writes any JSON value, up to `depth` containers deep.
    pub fn any(&mut self, depth: usize) {
        if self.budget == 0 {
            self.out.push_str("null");
            return;
        }
        self.budget -= 1;
        match self.cur.below(if depth == 0 { 5 } else { 8 }) {
            0 => self.out.push_str("null"),
            1 => self
                .out
                .push_str(if self.cur.flag() { "true" } else { "false" }),
            2 => self.int(),
            3 => self.str_value(false),
            4 => self.stamp(),
            5 => {
                self.out.push('[');
                let n = self.cur.below(4);
                for i in 0..n {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.any(depth - 1);
                }
                self.out.push(']');
            }
            6 => {
                self.out.push('{');
                let n = self.cur.below(4);
                for i in 0..n {
                    if i > 0 {
                        self.out.push(',');
                    }
                    let k = self.cur.pick(OTHER_KEYS);
                    self.string(k);
                    self.out.push(':');
                    self.any(depth - 1);
                }
                self.out.push('}');
            }
            _ => {
                // Deep nesting, past serde_json's recursion limit of 128 at times.
                let n = self.cur.below(200);
                let open = if self.cur.flag() { '[' } else { '{' };
                for _ in 0..n {
                    if open == '[' {
                        self.out.push('[');
                    } else {
                        self.out.push_str("{\"errors\":[");
                    }
                }
                self.out.push_str("null");
                for _ in 0..n {
                    self.out.push_str(if open == '[' { "]" } else { "]}" });
                }
            }
        }
    }

    /// Writes a value of `shape`; one time in `1/deviate` it writes something else.
    pub fn value(&mut self, shape: Shape, depth: usize) {
        if self.budget == 0 {
            self.out.push_str("null");
            return;
        }
        self.budget -= 1;
        match self.cur.below(24) {
            0 => return self.out.push_str("null"),
            1 => return self.any(3),
            _ => {}
        }
        match shape {
            Str => self.str_value(false),
            Stamp => self.stamp(),
            Bool => self
                .out
                .push_str(if self.cur.flag() { "true" } else { "false" }),
            Int => self.int(),
            U32 => {
                if self.cur.flag() {
                    let n = self.cur.below(4000);
                    let _ = write!(self.out, "{n}");
                } else {
                    self.int();
                }
            }
            Enum(values) => {
                if self.cur.below(4) == 0 {
                    self.str_value(false);
                } else {
                    let v = self.cur.pick(values);
                    self.string(v);
                }
            }
            Arr(inner) => {
                self.out.push('[');
                let n = if depth == 0 { 0 } else { self.cur.below(5) };
                for i in 0..n {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.value(*inner, depth - 1);
                }
                self.out.push(']');
            }
            Map(inner) => {
                self.out.push('{');
                let n = if depth == 0 { 0 } else { self.cur.below(4) };
                for i in 0..n {
                    if i > 0 {
                        self.out.push(',');
                    }
                    // Keys: user ids as the service writes them, or odd ones.
                    let k = self.cur.pick(OTHER_KEYS);
                    self.string(k);
                    self.out.push(':');
                    self.value(*inner, depth - 1);
                }
                self.out.push('}');
            }
            Obj(fields) => self.object(fields, depth),
            Any => self.any(depth),
        }
    }

    fn object(&mut self, fields: &'static [(&'static str, bool, Shape)], depth: usize) {
        self.out.push('{');
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
        };
        for &(name, required, shape) in fields {
            // Optional fields are often absent; required ones now and then.
            let skip = if required {
                self.cur.below(24) == 0
            } else {
                self.cur.below(3) == 0
            };
            if skip {
                continue;
            }
            sep(&mut self.out);
            self.string(name);
            self.out.push(':');
            if name == "body" && matches!(shape, Str) && self.cur.below(24) != 0 {
                // The chat text of a message: always a marker, remembered as chat.
                self.str_value(true);
            } else if depth == 0 {
                self.out.push_str("null");
            } else {
                self.value(shape, depth - 1);
            }
            // Now and then the same key twice.
            if self.cur.below(32) == 0 {
                sep(&mut self.out);
                self.string(name);
                self.out.push(':');
                self.any(1);
            }
        }
        // Unknown fields are ignored by every model.
        if self.cur.below(4) == 0 {
            let k = self.cur.pick(OTHER_KEYS);
            sep(&mut self.out);
            self.string(k);
            self.out.push(':');
            self.any(depth.min(3));
        }
        self.out.push('}');
    }
}

/// A JSON document of `shape` from fuzzer bytes, and the markers written as chat text.
pub fn document(cur: &mut Cursor<'_>, shape: Shape, known: &[String]) -> (String, Vec<String>) {
    let mut w = JsonWriter::new(cur);
    w.known = known.to_vec();
    w.value(shape, 8);
    (w.out, w.chat_markers)
}
