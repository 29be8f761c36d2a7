//! # genesys-chat-reqwest
//!
//! An async client for the Genesys Cloud Chat API on tokio: the sans-IO [`genesys_chat`]
//! core carried out by a [`reqwest::Client`], with retries, timeouts, a response size cap
//! and history streams.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use genesys_chat::{Config, Region, models::{CreateRoomRequest, SendMessageBody}, operations::*};
//! use genesys_chat_reqwest::Client;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), genesys_chat::Error> {
//! let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
//! let room = client.call(&PostChatsRooms::new(CreateRoomRequest::new("Launch"))).await?;
//! client
//!     .call(&PostChatsRoomMessages::new(&room.jid, SendMessageBody::new("Hello")))
//!     .await?;
//! let mut history = client.history(GetChatsRoomMessages::new(&room.jid).limit(50));
//! while let Some(message) = history.next().await {
//!     println!("{}", message?.id);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every operation goes through one entry point, [`Client::call`];
//! [`Client::call_with_reply`] also returns the status, headers, correlation id and
//! number of attempts. Errors are the core's [`genesys_chat::Error`]: API errors (4xx and
//! 5xx answers, parsed by the core), invalid input, [`Error::BodyTooLarge`], and
//! [`Error::Transport`] for failures below HTTP, whose [`TransportErrorKind`] says whether
//! the request may have reached the service.
//!
//! Retries follow the core's [`RetryPolicy`] through its [`genesys_chat::Call`] state
//! machine, exactly as in `genesys-chat-ureq`: 429 always, 502/503/504 and broken
//! connections only for idempotent operations, `Retry-After` honoured up to a cap,
//! full-jitter backoff otherwise, within a total time budget.
//!
//! ## Cargo features
//!
//! - `rustls` (default): TLS through rustls with the ring provider and the Mozilla
//!   (webpki) roots. No OpenSSL.
//! - `native-tls`: TLS through the platform's library instead; it wins when both are on.
//!   With neither, only plain http works (loopback emulators and gateways).
//! - `tracing` (default): one span per call named `genesys_chat.call`, with the operation
//!   id, method, path template, attempt, status and correlation id; never the token, path
//!   values or bodies.
//!
//! ## Runtime
//!
//! The client runs on tokio (reqwest needs it); sleeps between retries use
//! [`tokio::time::sleep`], so the runtime needs its time driver (`#[tokio::main]` enables
//! it). `call` futures are `Send`, so calls can run in spawned tasks.

mod client;
mod history;

pub use client::{Client, ClientBuilder, MAX_REDIRECTS};
pub use genesys_chat::auth::Credentials;
pub use genesys_chat::client::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_SIZE,
};
pub use genesys_chat::{Error, Reply, RetryPolicy, TransportErrorKind};
pub use history::HistoryStream;
