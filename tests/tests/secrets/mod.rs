//! The secrets the security tests look for, and the helpers both of them use: an
//! emulator whose confidential client has a secret that must never show, and assertions
//! that a text or an error carries none of them.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use genesys_chat::{Config, Error, RetryPolicy};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{EmulatorBuilder, Permissions};

/// A static token that must never show.
pub const TOKEN: &str = "sec-token-Zq9xK3vT7pW2";
/// A client id and secret; the secret must never show.
pub const CLIENT_ID: &str = "sec-client";
pub const SECRET: &str = "sec-client-secret-Hy6Rf1";
/// Chat text that must never show.
pub const CHAT: &str = "sec-chat-text-Mw4Ja8";
/// Everything the emulator's login host issues starts with this.
pub const ISSUED: &str = "emu-";

pub fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    }
}

pub fn config(base: &str) -> Config {
    Config::with_base_url(base).unwrap()
}

/// An emulator with a confidential client whose secret is [`SECRET`].
pub fn emulator() -> Server {
    let emu = EmulatorBuilder::with_defaults()
        .client(CLIENT_ID, SECRET, "alice", Permissions::all())
        .build()
        .unwrap();
    Server::start(Arc::new(emu)).unwrap()
}

/// Standard base64, for the `Authorization: Basic` value that must not show either.
pub fn base64(input: &[u8]) -> String {
    pub const ALPHABET: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The texts that must never show.
pub fn secrets() -> Vec<String> {
    vec![
        TOKEN.to_owned(),
        SECRET.to_owned(),
        CHAT.to_owned(),
        base64(format!("{CLIENT_ID}:{SECRET}").as_bytes()),
    ]
}

#[track_caller]
pub fn assert_clean(what: &str, text: &str) {
    for secret in secrets().iter().map(String::as_str).chain([ISSUED]) {
        assert!(!text.contains(secret), "{secret:?} shows in {what}: {text}");
    }
}

#[track_caller]
pub fn assert_error_clean(what: &str, e: &Error) {
    assert_clean(what, &format!("{e} {e:?}"));
}
