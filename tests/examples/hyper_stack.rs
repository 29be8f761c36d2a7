//! Your own HTTP stack in a few lines: hyper 1 on tokio, with retries, token renewal and
//! paging from the core's driver. `cargo run -p genesys-chat-testkit --example hyper_stack`
//! runs it against the embedded emulator; with `GENESYSCLOUD_API_REGION` (or
//! `GENESYSCLOUD_REGION`) and the credentials set as for `Client::from_env()`, against
//! that service.
//! `tests/tests/hyper_stack.rs` runs the conformance kit on this `send`.

use std::hash::{BuildHasher, RandomState};
use std::time::Instant;

use genesys_chat::driver::{AsyncStack, AttemptLimits, Driver, SendError};
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, TransportErrorKind::*, auth::Credentials};
use genesys_chat_testkit::{Emulator, server::Server};
use http_body_util::{BodyExt, Full};
use tokio::time::{Instant as Deadline, timeout_at};

/// One request on a new connection (plain `http://`), within the driver's limits: connect
/// by `connect_timeout`, the whole exchange by `deadline`, at most `max_body` + 1 bytes.
pub async fn send(
    request: http::Request<Vec<u8>>,
    limits: AttemptLimits,
) -> Result<http::Response<Vec<u8>>, SendError> {
    let deadline = Deadline::from_std(limits.deadline);
    let connect_by = deadline.min(Deadline::now() + limits.connect_timeout);
    let (host, port) = match (request.uri().scheme_str(), request.uri().host()) {
        (Some("http"), Some(host)) => (host.to_owned(), request.uri().port_u16().unwrap_or(80)),
        _ => return Err((Other, "this stack speaks plain http:// only".to_owned())),
    };
    // Until the connection stands nothing was sent: `Connect` may be retried, even a POST.
    let stream = match timeout_at(connect_by, tokio::net::TcpStream::connect((&*host, port))).await
    {
        Ok(Ok(stream)) => hyper_util::rt::TokioIo::new(stream),
        Ok(Err(e)) => return Err((Connect, e.to_string())),
        Err(_) => return Err((Connect, "connecting took too long".to_owned())),
    };
    let exchange = async move {
        let broke = |e: hyper::Error| (Io, e.to_string());
        let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
            .await
            .map_err(broke)?;
        tokio::spawn(connection); // drives the connection until the exchange is over
        let (mut head, body) = request.into_parts();
        let host = http::HeaderValue::try_from(format!("{host}:{port}"))
            .map_err(|e| (Other, e.to_string()))?;
        head.headers.insert(http::header::HOST, host);
        if !matches!(head.method, http::Method::GET | http::Method::DELETE) {
            head.headers
                .insert(http::header::CONTENT_LENGTH, body.len().into());
        }
        head.uri = head
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .map_err(|e: http::uri::InvalidUri| (Other, e.to_string()))?;
        let response = sender
            .send_request(http::Request::from_parts(
                head,
                Full::new(bytes::Bytes::from(body)),
            ))
            .await
            .map_err(broke)?;
        let (head, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        let announced = head.headers.get(http::header::CONTENT_LENGTH);
        if announced.and_then(|n| n.to_str().ok()?.parse::<u64>().ok())
            > Some(limits.max_body as u64)
        {
            return Ok(http::Response::from_parts(head, bytes)); // over the cap: not read
        }
        // Stop one byte past the cap: the driver refuses a 2xx body over it.
        while bytes.len() <= limits.max_body {
            match body.frame().await {
                Some(frame) => bytes.extend_from_slice(
                    frame.map_err(broke)?.data_ref().map_or(&[][..], |d| &d[..]),
                ),
                None => break,
            }
        }
        bytes.truncate(limits.max_body.saturating_add(1));
        Ok(http::Response::from_parts(head, bytes))
    };
    // From here the request may have been sent: a failure is `Io` or `Timeout`, never retried for a POST.
    timeout_at(deadline, exchange)
        .await
        .unwrap_or_else(|_| Err((Timeout, "the attempt's deadline passed".to_owned())))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Where to go: the environment as `Client::from_env()` reads it, or when it names no
    // service at all, the embedded emulator.
    let mut _emulator = None;
    let (config, credentials) = if ["GENESYSCLOUD_API_REGION", "GENESYSCLOUD_REGION"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        Credentials::from_env_with(|name| std::env::var(name).ok())?
    } else {
        let server = _emulator.insert(Server::start_default()?);
        let (id, secret) = (Emulator::DEFAULT_CLIENT_ID, Emulator::DEFAULT_CLIENT_SECRET);
        let config = Config::with_base_url(&server.base_url())?;
        (config, Credentials::client_credentials(id, secret))
    };
    let driver = Driver::builder(config).credentials(credentials).build()?;
    // The stack: `send` above, tokio's sleep, the clock, and a random value in [0, 1).
    let jitter = || (RandomState::new().hash_one(0) >> 11) as f64 / (1u64 << 53) as f64;
    let mut stack = AsyncStack::new(send, tokio::time::sleep, Instant::now, jitter);

    let room = driver
        .call_async(
            &PostChatsRooms::new(CreateRoomRequest::new("hyper")),
            &mut stack,
        )
        .await?
        .output;
    let jid = room.jid().ok_or("the new room has no jid")?.to_owned();
    let post = PostChatsRoomMessages::new(&jid, SendMessageBody::new("Hello from hyper"));
    let reply = driver.call_async(&post, &mut stack).await?;
    println!(
        "posted in {} attempt(s), status {}",
        reply.attempts, reply.status
    );
    let mut history = driver.history_async(GetChatsRoomMessages::new(&jid), &mut stack);
    while let Some(message) = history.next().await {
        println!("{}", message?.body());
    }
    Ok(())
}
