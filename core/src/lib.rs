//! # genesys-chat
//!
//! A sans-IO client for the Genesys Cloud Chat API (internal chat: rooms, 1on1 messages,
//! threads, pins, reactions, participants, settings).
//!
//! This crate turns typed calls into [`http::Request`] values and parses
//! [`http::Response`] values. It does no I/O, reads no clock, never sleeps and draws no
//! random numbers, so it runs under any HTTP stack.
//!
//! **To call the service, start with a client crate**, which carries this core out and
//! re-exports all of it (one dependency): [`genesys-chat-ureq`] (blocking) or
//! [`genesys-chat-reqwest`] (async, tokio), with login, retries, a method per operation,
//! history paging and following. Use this crate directly to bring your own HTTP stack
//! (hyper, a tower service, WASM fetch, a test closure), in three steps:
//!
//! [`genesys-chat-ureq`]: https://docs.rs/genesys-chat-ureq
//! [`genesys-chat-reqwest`]: https://docs.rs/genesys-chat-reqwest
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
//! assert_eq!(sent.id(), Some("msg-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What this crate holds: [`operations`] (the 34 Chat API operations, one source of
//! truth, and "my chats" of the Users API), [`models`] (the 24 Chat models, the models
//! of "my chats" and the error body), [`CallOptions`] (per-call headers and timeouts), [`Error`], [`Config`] and [`Region`],
//! [`paging`] (history pages), [`follow`] (following a conversation), [`retry`] (when to
//! try again).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod call;
pub mod client;
pub mod config;
pub mod driver;
pub mod encode;
pub mod error;
pub mod follow;
pub mod models;
pub mod operation;
pub mod operations;
pub mod pacing;
pub mod paging;
pub mod retry;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod timestamp;
pub mod trace;

pub use call::{Call, Reply, Step};
pub use config::{AccessToken, Config, Region};
pub use error::{ApiError, Error, TransportErrorKind};
pub use operation::{CallOptions, HistoryQuery, HttpMethod, Operation, OperationMeta};
pub use pacing::{Pace, PaceKey, Pacer, PacingPolicy};
pub use paging::History;
pub use retry::{RetryDecision, RetryPolicy};
pub use timestamp::Timestamp;
