//! A minimal HTTP/1.1 stack on a bare `std::net::TcpStream`: one connection per request
//! (`Connection: close`), plain `http://` only. The `custom_stack` example and the
//! conformance test of this stack (`tests/own_stack.rs`) both include this file.
//!
//! It honours the driver's [`AttemptLimits`]: connecting within `connect_timeout`, the
//! whole attempt (writing, the head, every byte of the body) by `deadline`, and at most
//! `max_body` body bytes read (one more to show the cap was passed). It sends no
//! `Accept-Encoding` and follows no redirect.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use genesys_chat::TransportErrorKind;
use genesys_chat::driver::{AttemptLimits, SendError};

/// The longest response head read.
const MAX_HEAD: usize = 64 * 1024;

/// Sends `request` and reads its answer within `limits`.
pub fn send(
    request: http::Request<Vec<u8>>,
    limits: AttemptLimits,
) -> Result<http::Response<Vec<u8>>, SendError> {
    let uri = request.uri().clone();
    if uri.scheme_str() != Some("http") {
        return Err(other("this stack speaks plain http:// only"));
    }
    let host = uri.host().ok_or_else(|| other("the request has no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| connect(e.to_string()))?
        .next()
        .ok_or_else(|| connect("the host name resolves to no address".to_owned()))?;
    let stream = TcpStream::connect_timeout(&addr, limits.connect_timeout)
        .map_err(|e| connect(e.to_string()))?;
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        deadline: limits.deadline,
    };

    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {host}:{port}\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        let value = value
            .to_str()
            .map_err(|_| other("a header value is not visible ASCII"))?;
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let bodiless = matches!(*request.method(), http::Method::GET | http::Method::DELETE);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", request.body().len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(request.body());
    conn.write_all(&bytes)?;

    // The head, up to the blank line.
    let mut raw = Vec::new();
    let split = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if raw.len() > MAX_HEAD {
            return Err(io_err("the response head is over 64 KiB"));
        }
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Err(io_err(
                "the connection closed before a complete response head",
            ));
        }
        raw.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| io_err("the head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io_err("no status line"))?;
    let mut response = http::Response::builder().status(status);
    let (mut length, mut chunked) = (None, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| io_err("a bad Content-Length"))?,
            );
        }
        if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
        response = response.header(name, value);
    }

    // The body: what came after the head, then the rest, never more than the cap + 1.
    let cap = limits.max_body.saturating_add(1);
    let rest = raw[split + 4..].to_vec();
    let body = if chunked {
        read_chunked(&mut conn, rest, cap)?
    } else {
        match length {
            // Over the cap: not read; the driver refuses it by its Content-Length.
            Some(n) if n > limits.max_body as u64 => Vec::new(),
            Some(n) => read_exactly(&mut conn, rest, n as usize)?,
            None => read_to_end(&mut conn, rest, cap)?,
        }
    };
    response.body(body).map_err(|e| io_err(&e.to_string()))
}

/// A connection whose every read and write ends by the attempt's deadline.
struct Conn {
    stream: TcpStream,
    deadline: Instant,
}

impl Conn {
    /// Sets the socket timeout to what is left of the attempt.
    fn arm(&mut self) -> Result<(), SendError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout());
        }
        let _ = self.stream.set_read_timeout(Some(left));
        let _ = self.stream.set_write_timeout(Some(left));
        Ok(())
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        self.arm()?;
        self.stream.write_all(bytes).map_err(after_sending)
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SendError> {
        self.arm()?;
        self.stream.read(buf).map_err(after_sending)
    }
}

fn read_exactly(conn: &mut Conn, mut body: Vec<u8>, len: usize) -> Result<Vec<u8>, SendError> {
    let mut chunk = [0u8; 16 * 1024];
    while body.len() < len {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Err(io_err("the connection closed in the middle of the body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Ok(body)
}

fn read_to_end(conn: &mut Conn, mut body: Vec<u8>, cap: usize) -> Result<Vec<u8>, SendError> {
    let mut chunk = [0u8; 16 * 1024];
    while body.len() < cap {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(cap);
    Ok(body)
}

/// Decodes a chunked body, stopping once `cap` bytes are decoded.
fn read_chunked(conn: &mut Conn, mut raw: Vec<u8>, cap: usize) -> Result<Vec<u8>, SendError> {
    let mut body = Vec::new();
    let mut at = 0;
    let mut chunk = [0u8; 16 * 1024];
    loop {
        // A size line.
        let line_end = loop {
            if let Some(end) = raw[at..].windows(2).position(|w| w == b"\r\n") {
                break at + end;
            }
            let n = conn.read(&mut chunk)?;
            if n == 0 {
                return Err(io_err(
                    "the connection closed in the middle of a chunked body",
                ));
            }
            raw.extend_from_slice(&chunk[..n]);
        };
        let size_text = std::str::from_utf8(&raw[at..line_end])
            .map_err(|_| io_err("a bad chunk size"))?
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        let size = usize::from_str_radix(&size_text, 16).map_err(|_| io_err("a bad chunk size"))?;
        at = line_end + 2;
        if size == 0 {
            return Ok(body);
        }
        let need = at.saturating_add(size).saturating_add(2);
        while raw.len() < need.min(at.saturating_add(cap.saturating_sub(body.len()))) {
            let n = conn.read(&mut chunk)?;
            if n == 0 {
                return Err(io_err(
                    "the connection closed in the middle of a chunked body",
                ));
            }
            raw.extend_from_slice(&chunk[..n]);
        }
        let end = (at + size).min(raw.len());
        body.extend_from_slice(&raw[at..end]);
        if body.len() >= cap {
            body.truncate(cap);
            return Ok(body);
        }
        at = need;
    }
}

fn connect(message: String) -> SendError {
    (TransportErrorKind::Connect, message)
}

fn timeout() -> SendError {
    (
        TransportErrorKind::Timeout,
        "no complete answer within the attempt's deadline".to_owned(),
    )
}

fn io_err(message: &str) -> SendError {
    (TransportErrorKind::Io, message.to_owned())
}

fn other(message: &str) -> SendError {
    (TransportErrorKind::Other, message.to_owned())
}

/// A failure once the request may have left: a timeout, or a broken connection.
fn after_sending(e: io::Error) -> SendError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timeout(),
        _ => (TransportErrorKind::Io, e.to_string()),
    }
}
