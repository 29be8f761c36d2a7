//! # genesys-chat-ureq
//!
//! A blocking client for the Genesys Cloud Chat API: the sans-IO [`genesys_chat`] core
//! carried out by a [`ureq`] agent, with retries, timeouts, a response size cap and
//! history paging.
//!
//! ```no_run
//! use genesys_chat::{Config, Region, models::SendMessageBody, operations::*};
//! use genesys_chat_ureq::Client;
//!
//! let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
//! let room = client.call(&PostChatsRooms::new(
//!     genesys_chat::models::CreateRoomRequest::new("Launch"),
//! ))?;
//! client.call(&PostChatsRoomMessages::new(&room.jid, SendMessageBody::new("Hello")))?;
//! for message in client.history(GetChatsRoomMessages::new(&room.jid).limit(50)) {
//!     println!("{}", message?.id);
//! }
//! # Ok::<(), genesys_chat::Error>(())
//! ```
//!
//! Every operation goes through one entry point, [`Client::call`];
//! [`Client::call_with_reply`] also returns the status, headers and correlation id.
//! Errors are the core's [`genesys_chat::Error`]: API errors, invalid input, and
//! [`Error::Transport`] for failures below HTTP.

mod auth;
mod client;
mod history;

pub use client::{Client, ClientBuilder};
pub use genesys_chat::auth::Credentials;
pub use genesys_chat::client::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_SIZE,
};
pub use genesys_chat::{Error, Reply, RetryPolicy, TransportErrorKind};
pub use history::HistoryIter;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
