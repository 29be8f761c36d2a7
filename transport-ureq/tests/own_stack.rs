//! The conformance kit on a third stack: the bare `TcpStream` HTTP/1.1 exchange of the
//! `custom_stack` example, run through the core's driver (retries, token renewal,
//! paging). This is the one call a user makes for their own stack.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../examples/support/tcp_stack.rs"]
mod tcp_stack;

use genesys_chat_testkit::conformance;

#[test]
fn a_bare_tcp_stream_stack_passes_the_conformance_kit_through_the_driver() {
    conformance::assert_blocking_stack("TcpStream + genesys_chat::driver", tcp_stack::send);
}
