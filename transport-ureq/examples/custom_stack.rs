//! The core's three steps with an HTTP stack that is neither adapter: a bare
//! `std::net::TcpStream` speaking HTTP/1.1, against the emulator on loopback.
//!
//! ```sh
//! cargo run -p genesys-chat-ureq --example custom_stack
//! ```
//!
//! 1. build the request with `op.to_http(&cfg)`;
//! 2. send it however you like (here: write it to a socket, read the answer);
//! 3. parse the response with `op.parse(&cfg, &response)`.
//!
//! The second half drives the same stack through `genesys_chat::call::Call`, which adds
//! the retry policy to any stack: here a scripted 503 is retried for a GET.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use genesys_chat::call::{Call, Step};
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, Operation, RetryPolicy};
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, server::Server};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let server = Server::start_default()?;
    let cfg = Config::with_base_url(&server.base_url())?.with_token(Emulator::DEFAULT_TOKEN)?;

    // The three steps, by hand.
    let op = PostChatsRooms::new(CreateRoomRequest::new("Built by hand"));
    let request = op.to_http(&cfg)?;
    println!("1. built:  {} {}", request.method(), request.uri());
    let response = send(request)?;
    println!("2. sent:   HTTP {}", response.status());
    let room = op.parse(&cfg, &response)?;
    println!("3. parsed: room {}", room.jid);

    let op = PostChatsRoomMessages::new(&room.jid, SendMessageBody::new("Hello from a socket"));
    let sent = op.parse(&cfg, &send(op.to_http(&cfg)?)?)?;
    println!("   posted message {}", sent.id);

    // The same stack with the core's retry loop: the next history read fails once.
    server.emulator().add_fault(FaultRule::once(
        FaultRoute::operation("getChatsRoomMessages").ok_or("unknown operation id")?,
        Fault::status(503),
    ))?;
    let op = GetChatsRoomMessages::new(&room.jid);
    let started = Instant::now();
    let mut call = Call::new(&op, &cfg, RetryPolicy::default());
    let reply = loop {
        let request = call.next_request()?;
        let step = match send(request) {
            Ok(response) => call.on_response(response, started.elapsed(), 0.5),
            Err(e) => {
                return Err(format!("the socket failed: {e}").into());
            }
        };
        match step {
            Step::Done(result) => break result?,
            Step::Retry(delay) => {
                println!(
                    "   attempt {} got 503; retrying in {delay:?}",
                    call.attempts()
                );
                std::thread::sleep(delay);
            }
        }
    };
    println!(
        "   history: {} message(s) after {} attempts (correlation id {})",
        reply.output.messages().len(),
        reply.attempts,
        reply.correlation_id.as_deref().unwrap_or("none")
    );
    Ok(())
}

/// A minimal HTTP/1.1 exchange over a fresh connection (`Connection: close`).
fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>> {
    let uri = request.uri();
    let host = uri.host().ok_or("no host")?;
    let port = uri.port_u16().unwrap_or(80);
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut stream = TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;

    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {host}:{port}\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str()?));
    }
    let bodiless = matches!(*request.method(), http::Method::GET | http::Method::DELETE);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", request.body().len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = std::str::from_utf8(&raw[..split])?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .ok_or("no status line")?
        .parse()?;
    let mut response = http::Response::builder().status(status);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    // The server closes after the body: everything after the head is the body.
    Ok(response.body(raw[split + 4..].to_vec())?)
}
