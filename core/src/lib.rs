//! # genesys-chat
//!
//! A sans-IO client for the Genesys Cloud Chat API (internal chat: rooms, 1on1 messages,
//! threads, pins, reactions, participants, settings).
//!
//! This crate turns typed calls into [`http::Request`] values and parses
//! [`http::Response`] values. It does no I/O, reads no clock, never sleeps and draws no
//! random numbers, so it runs under any HTTP stack: the `genesys-chat-ureq` (blocking) and
//! `genesys-chat-reqwest` (async) crates carry it out for you, or you plug in your own.
//!
//! ```
//! use genesys_chat::{Config, Operation, models::SendMessageBody, operations::PostChatsRoomMessages};
//!
//! let cfg = Config::with_base_url("http://127.0.0.1:8080")?.with_token("my-token")?;
//! let op = PostChatsRoomMessages::new(
//!     "5f3883f8130b94165bf37a3c@conference.example.orgspan.com",
//!     SendMessageBody::new("Hello, room"),
//! );
//!
//! // 1. Build the request.
//! let request = op.to_http(&cfg)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(
//!     request.uri(),
//!     "http://127.0.0.1:8080/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages"
//! );
//! assert_eq!(request.body(), br#"{"message":"Hello, room"}"#);
//!
//! // 2. Send it with any HTTP stack: a closure stands in for one here.
//! let send = |_req: http::Request<Vec<u8>>| {
//!     http::Response::builder().status(200).body(br#"{"id":"msg-1"}"#.to_vec())
//! };
//! let response = send(request)?;
//!
//! // 3. Parse the response.
//! let sent = op.parse(&cfg, &response)?;
//! assert_eq!(sent.id, "msg-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The rooms of this crate: [`operations`] (the 32 operations, one source of truth),
//! [`models`] (the 22 models and the error body), [`Error`], [`Config`] and [`Region`],
//! [`paging`] (history pages), [`retry`] (when to try again).

pub mod auth;
pub mod call;
pub mod client;
pub mod config;
pub mod encode;
pub mod error;
pub mod models;
pub mod operation;
pub mod operations;
pub mod paging;
pub mod retry;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod timestamp;
pub mod trace;

pub use call::{Call, Reply, Step};
pub use config::{AccessToken, Config, Region};
pub use error::{ApiError, Error, TransportErrorKind};
pub use operation::{HistoryQuery, HttpMethod, Operation, OperationMeta};
pub use paging::History;
pub use retry::{RetryDecision, RetryPolicy};
pub use timestamp::Timestamp;
