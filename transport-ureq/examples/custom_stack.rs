//! The core's three steps with an HTTP stack that is neither adapter: a bare
//! `std::net::TcpStream` speaking HTTP/1.1 (`examples/support/tcp_stack.rs`), against
//! the emulator on loopback.
//!
//! ```sh
//! cargo run -p genesys-chat-ureq --example custom_stack
//! ```
//!
//! 1. build the request with `op.to_http(&cfg)`;
//! 2. send it however you like (here: write it to a socket, read the answer);
//! 3. parse the response with `op.parse(&cfg, &response)`.
//!
//! The second half runs the same stack through `genesys_chat::driver::Driver`, which adds
//! the retry policy, token renewal and history paging to any stack: here a scripted 503
//! is retried for a GET. The test `tests/own_stack.rs` runs the conformance kit on this
//! same stack.

#[path = "support/tcp_stack.rs"]
mod tcp_stack;

use std::time::{Duration, Instant};

use genesys_chat::driver::{AttemptLimits, BlockingStack, Driver};
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, Operation};
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, server::Server};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let server = Server::start_default()?;
    let cfg = Config::with_base_url(&server.base_url())?.with_token(Emulator::DEFAULT_TOKEN)?;
    let limits = || AttemptLimits::new(Instant::now(), Duration::from_secs(10), 1 << 20);

    // The three steps, by hand.
    let op = PostChatsRooms::new(CreateRoomRequest::new("Built by hand"));
    let request = op.to_http(&cfg)?;
    println!("1. built:  {} {}", request.method(), request.uri());
    let response = tcp_stack::send(request, limits()).map_err(|(_, e)| e)?;
    println!("2. sent:   HTTP {}", response.status());
    let room = op.parse(&cfg, &response)?;
    let jid = room.jid().ok_or("the service gave the new room no jid")?;
    println!("3. parsed: room {jid}");

    // The same stack through the driver: retries, renewal and paging. The next history
    // read fails once with a 503, which the driver retries.
    server.emulator().add_fault(FaultRule::once(
        FaultRoute::operation("getChatsRoomMessages").ok_or("unknown operation id")?,
        Fault::status(503),
    ))?;
    let driver = Driver::new(cfg)?;
    let mut stack = BlockingStack::new(tcp_stack::send, std::thread::sleep, Instant::now, || 0.5);
    let op = PostChatsRoomMessages::new(jid, SendMessageBody::new("Hello from a socket"));
    let sent = driver.call(&op, &mut stack)?;
    println!(
        "   posted message {}",
        sent.output.id().unwrap_or("(no id)")
    );
    let reply = driver.call(&GetChatsRoomMessages::new(jid), &mut stack)?;
    println!(
        "   history: {} message(s) after {} attempts (correlation id {})",
        reply.output.messages().len(),
        reply.attempts,
        reply.correlation_id.as_deref().unwrap_or("none")
    );
    for message in driver.history(GetChatsRoomMessages::new(jid).limit(1), &mut stack) {
        println!("   paged: message {}", message?.id().unwrap_or("(no id)"));
    }
    Ok(())
}
