//! # genesys-chat-ureq
//!
//! A blocking client for the Genesys Cloud Chat API: the sans-IO [`genesys_chat`] core
//! carried out by a [`ureq`] agent, with retries, timeouts, a response size cap, history
//! paging and following. It is the one dependency a program needs: it re-exports
//! [`Config`], [`Region`], [`Credentials`], [`Error`], [`models`], [`operations`] and the
//! whole core as [`core`].
//!
//! ## Log in
//!
//! With an OAuth client (the client credentials grant), the client logs in on first use
//! and renews the token before it expires:
//!
//! ```no_run
//! use genesys_chat_ureq::{Client, Config, Credentials, Region};
//!
//! let client = Client::builder(Config::new(Region::EuWest1))
//!     .credentials(Credentials::client_credentials("my-client-id", "my-client-secret"))
//!     .build()?;
//! # Ok::<(), genesys_chat_ureq::Error>(())
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
//! let client = genesys_chat_ureq::Client::from_env()?;
//! # Ok::<(), genesys_chat_ureq::Error>(())
//! ```
//!
//! With a token obtained elsewhere:
//!
//! ```no_run
//! use genesys_chat_ureq::{Client, Config, Region};
//!
//! let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
//! # Ok::<(), genesys_chat_ureq::Error>(())
//! ```
//!
//! ## Call
//!
//! One method per operation, named after its official id as the Python SDK names it
//! (`postChatsRoomMessages` → [`Client::post_chats_room_messages`]), required path
//! parameters first; operations with query options return a [`Request`] to refine and
//! send. Errors are matched with predicates, not strings:
//!
//! ```no_run
//! use genesys_chat_ureq::{Client, models::*};
//!
//! let client = Client::from_env()?;
//! let room = client.post_chats_rooms(CreateRoomRequest::new("Launch"))?;
//! let jid = room.jid.ok_or("the service gave the new room no jid")?;
//! client.post_chats_room_messages(&jid, SendMessageBody::new("Hello"))?;
//! let page = client.get_chats_room_messages(&jid).limit(50).send()?;
//! for message in client.get_chats_room_messages(&jid).history() {
//!     println!("{}", message?.body());
//! }
//! match client.get_chats_room("no-such-room@conference.example.com") {
//!     Err(e) if e.is_not_found() => println!("no such room"),
//!     other => println!("{:?}", other.map(|room| room.jid)),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Underneath, every operation is a plain value of [`operations`] and runs through one
//! entry point, [`Client::call`]; [`Client::call_with_reply`] also returns the status,
//! headers and correlation id, [`Client::call_with`] takes per-call options.
//! [`Client::history`] reads a whole history (newest first), [`Client::follow`] the new
//! messages as they arrive (oldest first). Errors are the core's [`Error`]: API errors,
//! invalid input, and [`Error::Transport`] for failures below HTTP.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod follow;
mod history;
mod methods;
mod my_chats;

pub use client::{Client, ClientBuilder};
pub use follow::{Follow, FollowStop};
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
pub use history::HistoryIter;
pub use methods::Request;
pub use my_chats::MyChatsIter;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// This crate's README, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;

/// The core's README, compiled as doctests here (the core depends on no client).
#[cfg(doctest)]
#[doc = include_str!("../../core/README.md")]
pub struct CoreReadmeDoctests;
