//! Shared helpers of the testkit's tests: a seeded world, calls through the core's
//! operation structs, raw requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use genesys_chat::models::{CreateRoomRequest, PinnedMessageRequest, SendMessageBody};
use genesys_chat::operations::{
    PostChatsRoomMessages, PostChatsRoomMessagesPins, PostChatsRooms, PostChatsUserMessages,
    PostChatsUserMessagesPins,
};
use genesys_chat::{Config, Error, Operation};
use genesys_chat_testkit::{Emulator, EmulatorBuilder, ManualClock, User};
use serde_json::Value;

/// 2026-11-25T16:42:06.415Z
pub const T0: i64 = 1_795_624_926_415;

/// A config for the in-process emulator (the host is never contacted).
pub fn cfg(token: &str) -> Config {
    Config::with_base_url("http://127.0.0.1")
        .unwrap()
        .with_token(token)
        .unwrap()
}

/// Builds the request with the core, answers it in-process, parses it with the core.
pub fn call<O: Operation>(emu: &Emulator, token: &str, op: &O) -> Result<O::Output, Error> {
    let cfg = cfg(token);
    let request = op.to_http(&cfg)?;
    let response = emu.handle(request);
    op.parse(&cfg, &response)
}

/// Like [`call`], as alice (the default token).
pub fn alice<O: Operation>(emu: &Emulator, op: &O) -> O::Output {
    match call(emu, Emulator::DEFAULT_TOKEN, op) {
        Ok(out) => out,
        Err(e) => panic!("{} failed: {e}", O::META.id),
    }
}

/// The status and `code` of an API error.
pub fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    match result {
        Err(Error::Api(e)) => (e.status, e.code().unwrap_or_default().to_owned()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Any operation, type-erased, for table-driven tests over all 32.
pub trait Call {
    fn id(&self) -> &'static str;
    fn permissions(&self) -> &'static [&'static str];
    fn request(&self, cfg: &Config) -> http::Request<Vec<u8>>;
    fn check(&self, cfg: &Config, response: &http::Response<Vec<u8>>) -> Result<(), Error>;
}

impl<O: Operation> Call for O {
    fn id(&self) -> &'static str {
        O::META.id
    }
    fn permissions(&self) -> &'static [&'static str] {
        O::META.permissions
    }
    fn request(&self, cfg: &Config) -> http::Request<Vec<u8>> {
        match self.to_http(cfg) {
            Ok(r) => r,
            Err(e) => panic!("{}: the core refused to build the request: {e}", O::META.id),
        }
    }
    fn check(&self, cfg: &Config, response: &http::Response<Vec<u8>>) -> Result<(), Error> {
        self.parse(cfg, response).map(|_| ())
    }
}

/// Runs a type-erased call as `token`.
pub fn run(
    emu: &Emulator,
    token: &str,
    op: &dyn Call,
) -> (http::Response<Vec<u8>>, Result<(), Error>) {
    let cfg = cfg(token);
    let response = emu.handle(op.request(&cfg));
    let result = op.check(&cfg, &response);
    (response, result)
}

/// A seeded service: alice owns a room with bob (carol is not in it), alice has posted
/// `room_msg` in it and pinned it, and sent `dm_msg` to bob and pinned it.
pub struct World {
    pub emu: Emulator,
    pub clock: ManualClock,
    pub alice: User,
    pub bob: User,
    pub carol: User,
    pub dave: User,
    pub room: String,
    pub room_msg: String,
    pub dm_msg: String,
}

pub fn world() -> World {
    let clock = ManualClock::new(T0);
    let emu = EmulatorBuilder::with_defaults()
        .clock(clock.clone())
        .seed(42)
        .build()
        .unwrap();
    let user = |name: &str| emu.user(name).unwrap().clone();
    let (alice_u, bob, carol, dave) = (user("alice"), user("bob"), user("carol"), user("dave"));
    let room = alice(
        &emu,
        &PostChatsRooms::new(CreateRoomRequest::new("Launch").user_ids([bob.id.clone()])),
    )
    .jid
    .unwrap();
    let room_msg = alice(
        &emu,
        &PostChatsRoomMessages::new(&room, SendMessageBody::new("Hello, room")),
    )
    .id
    .unwrap();
    let dm_msg = alice(
        &emu,
        &PostChatsUserMessages::new(&bob.id, SendMessageBody::new("Hello, bob")),
    )
    .id
    .unwrap();
    alice(
        &emu,
        &PostChatsRoomMessagesPins::new(&room, PinnedMessageRequest::new([&room_msg])),
    );
    alice(
        &emu,
        &PostChatsUserMessagesPins::new(&bob.id, PinnedMessageRequest::new([&dm_msg])),
    );
    World {
        emu,
        clock,
        alice: alice_u,
        bob,
        carol,
        dave,
        room,
        room_msg,
        dm_msg,
    }
}

impl World {
    pub fn token(&self, name: &str) -> String {
        self.emu.token_for(name).unwrap().to_owned()
    }
}

/// A raw request to the emulator, answered in-process: status, JSON body (or `Null`),
/// headers.
pub fn raw(
    emu: &Emulator,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, Value, http::HeaderMap) {
    let mut builder = http::Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header("Authorization", format!("Bearer {token}"));
    }
    let request = builder
        .body(body.unwrap_or("").as_bytes().to_vec())
        .unwrap();
    let response = emu.handle(request);
    let json = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).unwrap_or(Value::Null)
    };
    (response.status().as_u16(), json, response.headers().clone())
}

/// Percent-encodes one path segment.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    genesys_chat::encode::push_component(&mut out, s);
    out
}

/// Sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// Checks the `ErrorBody` of an error response and that its `contextId` is the
/// `ININ-Correlation-Id` header.
pub fn assert_error_body(response: &http::Response<Vec<u8>>, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let correlation = response
        .headers()
        .get("ININ-Correlation-Id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(body["contextId"], correlation);
}
