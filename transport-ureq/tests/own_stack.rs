//! The conformance kit on a third stack: the bare `TcpStream` HTTP/1.1 exchange of the
//! `custom_stack` example, run through the core's driver (retries, token renewal,
//! paging). This is the one call a user makes for their own stack.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../examples/support/tcp_stack.rs"]
mod tcp_stack;

use std::sync::Arc;

use genesys_chat_testkit::conformance::{DrivenStack, Settings};

genesys_chat_testkit::conformance_tests!(
    "TcpStream + genesys_chat::driver",
    |settings: &Settings| DrivenStack::new(settings, Arc::new(tcp_stack::send))
);
