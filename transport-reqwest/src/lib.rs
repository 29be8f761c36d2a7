//! # genesys-chat-reqwest
//!
//! An async client for the Genesys Cloud Chat API on tokio: the sans-IO [`genesys_chat`]
//! core carried out by a [`reqwest::Client`], with retries, timeouts, a response size cap,
//! history streams and following. It is the one dependency a program needs: it
//! re-exports [`Config`], [`Region`], [`Credentials`], [`Error`], [`models`],
//! [`operations`] and the whole core as [`core`].
//!
//! ## Log in
//!
//! With an OAuth client (the client credentials grant), the client logs in on first use
//! and renews the token before it expires:
//!
//! ```no_run
//! use genesys_chat_reqwest::{Client, Config, Credentials, Region};
//!
//! let client = Client::builder(Config::new(Region::EuWest1))
//!     .credentials(Credentials::client_credentials("my-client-id", "my-client-secret"))
//!     .build()?;
//! # Ok::<(), genesys_chat_reqwest::Error>(())
//! ```
//!
//! Or from the environment, with the official CLI's names: `GENESYSCLOUD_OAUTHCLIENT_ID`
//! and `GENESYSCLOUD_OAUTHCLIENT_SECRET` (or `GENESYSCLOUD_ACCESS_TOKEN`), and where to go:
//! `GENESYSCLOUD_REGION` (e.g. `eu-west-1`) or `GENESYSCLOUD_API_REGION`, the API server
//! URL (e.g. `https://api.mypurecloud.ie`; it wins when both are set). Pointed at the
//! emulator of `genesys-chat-testkit` (`GENESYSCLOUD_API_REGION=http://127.0.0.1:PORT`
//! with the client id and secret its banner prints), the same program runs with no
//! account:
//!
//! ```no_run
//! let client = genesys_chat_reqwest::Client::from_env()?;
//! # Ok::<(), genesys_chat_reqwest::Error>(())
//! ```
//!
//! With a token obtained elsewhere:
//!
//! ```no_run
//! use genesys_chat_reqwest::{Client, Config, Region};
//!
//! let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
//! # Ok::<(), genesys_chat_reqwest::Error>(())
//! ```
//!
//! ## Call
//!
//! One `async` method per operation, named after its official id as the Python SDK names
//! it (`postChatsRoomMessages` → [`Client::post_chats_room_messages`]), required path
//! parameters first; operations with query options return a [`Request`] to refine and
//! send. Errors are matched with predicates, not strings:
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use genesys_chat_reqwest::{Client, models::*};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let room = client.post_chats_rooms(CreateRoomRequest::new("Launch")).await?;
//! let jid = room.jid.ok_or("the service gave the new room no jid")?;
//! client.post_chats_room_messages(&jid, SendMessageBody::new("Hello")).await?;
//! let page = client.get_chats_room_messages(&jid).limit(50).send().await?;
//! let mut history = client.get_chats_room_messages(&jid).history();
//! while let Some(message) = history.next().await {
//!     println!("{}", message?.body());
//! }
//! match client.get_chats_room("no-such-room@conference.example.com").await {
//!     Err(e) if e.is_not_found() => println!("no such room"),
//!     other => println!("{:?}", other.map(|room| room.jid)),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Underneath, every operation is a plain value of [`operations`] and goes through one
//! entry point, [`Client::call`];
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

#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod follow;
mod history;
mod methods;
mod my_chats;

pub use client::{Client, ClientBuilder, MAX_REDIRECTS};
pub use follow::FollowStream;
/// The sans-IO core, for what this crate does not re-export by name.
pub use genesys_chat as core;
pub use genesys_chat::auth::Credentials;
pub use genesys_chat::client::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_SIZE,
};
pub use genesys_chat::follow::Cursor;
pub use genesys_chat::{
    CallOptions, Config, History, Operation, Region, Timestamp, error::codes, models, operations,
};
pub use genesys_chat::{Error, Reply, RetryPolicy, TransportErrorKind};
pub use history::HistoryStream;
pub use methods::Request;
pub use my_chats::MyChatsStream;

/// This crate's README, compiled as doctests so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
