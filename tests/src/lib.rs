//! # genesys-chat-testkit
//!
//! A faithful, in-memory emulator of the Genesys Cloud Chat service, for tests, examples
//! and benchmarks of [`genesys_chat`] and of code built on it. It serves all 34 Chat
//! operations, "my chats" (`GET /api/v2/users/chats/me`) and the OAuth login host (every grant of `POST /oauth/token`: client
//! credentials, authorization code, rotating refresh tokens, PKCE and SAML2 bearer, plus
//! the browser's `GET /oauth/authorize`; see [`Emulator`]), checks tokens and permissions, answers
//! errors as real `ErrorBody` JSON with an `ININ-Correlation-Id` header, and can inject
//! faults (429, 5xx, delays, truncated or malformed bodies, dropped connections).
//!
//! It runs in-process (sans-IO: an [`http::Request`] in, an [`http::Response`] out) or
//! behind a loopback HTTP/1.1 [`server::Server`].
//!
//! ## In-process
//!
//! ```
//! use genesys_chat::{Config, Operation, models::*, operations::*};
//! use genesys_chat_testkit::Emulator;
//!
//! let emulator = Emulator::new(); // users alice, bob, carol, dave
//! let cfg = Config::with_base_url("http://127.0.0.1")?.with_token(Emulator::DEFAULT_TOKEN)?;
//! let call = |request| emulator.handle(request);
//!
//! // alice creates a room with bob, and posts to it.
//! let bob = emulator.user("bob").expect("a default user");
//! let op = PostChatsRooms::new(CreateRoomRequest::new("Launch").user_ids([bob.id.clone()]));
//! let room = op.parse(&cfg, &call(op.to_http(&cfg)?))?;
//! let jid = room.jid().ok_or("the service gave the new room no jid")?;
//! let op = PostChatsRoomMessages::new(jid, SendMessageBody::new("Hello, room"));
//! let sent = op.parse(&cfg, &call(op.to_http(&cfg)?))?;
//!
//! let op = GetChatsRoomMessages::new(jid).limit(10);
//! let history = op.parse(&cfg, &call(op.to_http(&cfg)?))?;
//! assert_eq!(history.messages()[0].id(), sent.id());
//! assert_eq!(history.messages()[0].body(), "Hello, room");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## On loopback
//!
//! ```
//! use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, server::Server};
//!
//! let server = Server::start_default()?; // 127.0.0.1, a free port
//! let base_url = server.base_url(); // give this to any HTTP client
//! // The next GET /api/v2/chats/settings answers 503:
//! server.emulator().add_fault(FaultRule::once(
//!     FaultRoute::operation("getChatsSettings").expect("an official id"),
//!     Fault::status(503),
//! ))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## As a process
//!
//! `cargo run -p genesys-chat-testkit --bin genesys-chat-emulator -- --port 8080` serves
//! the default emulator on `http://127.0.0.1:8080` (`--port 0` picks a free port) and
//! prints its base URL, a ready token with every permission, and the OAuth client id and
//! secret of its token endpoint (and its public PKCE client id). Its [`admin`] endpoints
//! script faults, read counters and reset the service.
//!
//! ## Semantics where the official docs are silent
//!
//! - Rooms: the creator is owner and participant; only participants see or use a room
//!   (else 403 `not.authorized`); only owners patch it; anyone may join (add themselves),
//!   participants add others; owners remove anyone, anyone may leave.
//! - Messages: only the author edits; the author or a room owner deletes. Timestamps never
//!   tie within a conversation (1 ms apart at least, even when the clock stands still).
//! - Threads: one level deep. A top-level message has `thread.id` = its own id and no
//!   `parentThread`; a reply (posted with `threadId` = any message of the thread) has
//!   `thread.id` = `parentThread.id` = the root's id. `getChatsThreadMessages(root)`
//!   lists the root and its replies.
//! - Histories: newest first, `limit` 1 to 100 (default 25), `before`/`after` exclusive.
//!   A page holds the newest `limit` messages of the window, `after` alone included.
//! - Reactions: a PUT replaces the caller's whole set; `reactions` lists each emoji in
//!   order of first use with its users.
//! - Settings: `messageRetentionPeriodDays` defaults to 365 (10 to 3650); user settings
//!   default to `{"mobile":{"notifications":{"when":"Always"}}}`.
//!
//! What this crate holds: [`Emulator`] and its [`EmulatorBuilder`], identity
//! ([`User`], [`Permissions`]), time ([`Clock`], [`ManualClock`]), [faults](Fault) and the
//! [`RateLimit`], [`Counters`], the loopback [`server`] and its [`admin`] endpoints.

pub mod admin;
pub mod admin_client;
mod builder;
mod clock;
pub mod conformance;
mod emulator;
mod failure;
mod faults;
pub mod front_door;
mod handlers;
mod identity;
mod ids;
mod oauth;
mod routes;
pub mod server;
mod state;
mod wire;

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use builder::{BuildError, EmulatorBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use emulator::{Action, Dispatch, Emulator, MALFORMED_BODY};
pub use faults::{Counters, Fault, FaultRoute, FaultRule, InvalidFault, RateLimit};
pub use handlers::MY_CHATS_PAGE_SIZE;
pub use identity::{Permissions, User};
pub use state::{DEFAULT_NOTIFY_WHEN, DEFAULT_REACTIONS_ENABLED, DEFAULT_RETENTION_DAYS};

/// Locks a mutex. A panic elsewhere while it was held does not take the emulator down:
/// every operation validates before it changes anything, so the data stays consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Read-locks, like [`lock`].
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Write-locks, like [`lock`].
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_emulator_and_server_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::Emulator>();
        check::<crate::server::Server>();
    }
}
