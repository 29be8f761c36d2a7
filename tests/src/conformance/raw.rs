//! A scripted HTTP/1.1 server on loopback, for what the emulator cannot answer: redirects,
//! HTML error pages, empty, huge or compressed bodies, invalid UTF-8, answers that come
//! late, trickle in or stop half-way, connections closed without an answer.
//!
//! It runs on plain threads, so blocking and async clients alike can use it, and records
//! every request it reads (request line, headers, body).
//!
//! ```
//! use genesys_chat_testkit::conformance::raw::{Answer, RawServer, response};
//!
//! let server = RawServer::start(|_index, _request| {
//!     Answer::Bytes(response("200 OK", &[("Content-Type", "application/json")], b"{}"))
//! });
//! let base_url = server.base_url(); // http://127.0.0.1:<port>
//! assert!(server.requests().is_empty());
//! # drop(base_url);
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::lock;

/// How long [`Answer::BytesThenStall`] holds a connection open without writing.
pub const STALL: Duration = Duration::from_secs(20);

/// One request as read off the wire.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The request line and headers, as sent (lines end with CR LF).
    pub head: String,
    /// The body (as announced by `Content-Length`; a chunked body is not read).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The request line, e.g. `GET /api/v2/chats/settings HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// The method.
    pub fn method(&self) -> &str {
        self.head.split(' ').next().unwrap_or("")
    }

    /// The path and query of the request line.
    pub fn target(&self) -> &str {
        self.request_line().split(' ').nth(1).unwrap_or("")
    }

    /// The first value of a header (names compared case-insensitively), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }

    /// Every value of a header, in the order sent.
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_owned())
            })
            .collect()
    }

    /// The header names, lower-cased, in the order sent.
    pub fn header_names(&self) -> Vec<String> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(n, _)| n.trim().to_ascii_lowercase())
            })
            .collect()
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Writes these bytes (a whole response) and keeps the connection open.
    Bytes(Vec<u8>),
    /// Writes these bytes (say, a head announcing more body than follows), then closes.
    BytesThenClose(Vec<u8>),
    /// Writes these bytes, then neither writes nor closes for [`STALL`].
    BytesThenStall(Vec<u8>),
    /// Writes these bytes one at a time, `every` apart, then keeps the connection open.
    Drip {
        /// What is written.
        bytes: Vec<u8>,
        /// The pause before each byte.
        every: Duration,
    },
    /// Waits, then answers.
    After(Duration, Box<Answer>),
    /// These answers one after the other, on the same connection (say, a head at once,
    /// then a body that drips).
    Sequence(Vec<Answer>),
    /// Writes the head, then a body of `len` bytes (`prefix`, then spaces), announced by
    /// `Content-Length` or sent chunked; stops writing when the client goes away.
    Big {
        /// The status line without `HTTP/1.1 `, e.g. `200 OK`.
        status: &'static str,
        /// The start of the body.
        prefix: &'static [u8],
        /// The body size.
        len: usize,
        /// Chunked (no `Content-Length`) instead of `Content-Length`.
        chunked: bool,
    },
    /// Closes the connection without answering.
    Close,
}

type Script = dyn Fn(usize, &Recorded) -> Answer + Send + Sync;

/// A running scripted server; it stops accepting when dropped (connections already open
/// end when the client closes them or their answer is over).
pub struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for RawServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RawServer {
    /// Serves `script` on `127.0.0.1`, at a port the system picks. The script gets the
    /// index of the request (0 for the first, across connections) and the request.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (test infrastructure: a panic fails the test).
    pub fn start(script: impl Fn(usize, &Recorded) -> Answer + Send + Sync + 'static) -> Self {
        RawServer::start_on([127, 0, 0, 1], script)
    }

    /// Like [`RawServer::start`], on another loopback address (e.g. `127.0.0.2`: another
    /// host as far as a client can tell).
    ///
    /// # Panics
    ///
    /// When the address cannot be bound.
    #[allow(clippy::expect_used)]
    pub fn start_on(
        ip: [u8; 4],
        script: impl Fn(usize, &Recorded) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener =
            TcpListener::bind((Ipv4Addr::from(ip), 0)).expect("a loopback port to listen on");
        let addr = listener.local_addr().expect("the address just bound");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (recorded, accepted, stopping) = (requests.clone(), connections.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                let (recorded, script) = (recorded.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &recorded, &*script));
            }
        });
        RawServer {
            addr,
            requests,
            connections,
            stop,
        }
    }

    /// `http://127.0.0.1:<port>` (or the address it was started on).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.requests).clone()
    }

    /// The connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// `http://127.0.0.1:<port>` of a loopback port nothing listens on (bound, then
/// released): connecting to it is refused.
///
/// # Panics
///
/// When no loopback port can be bound.
#[allow(clippy::expect_used)]
pub fn closed_origin() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener
        .local_addr()
        .expect("the address just bound")
        .port();
    format!("http://127.0.0.1:{port}")
}

fn serve(stream: TcpStream, recorded: &Mutex<Vec<Recorded>>, script: &Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut request = Recorded {
            head,
            body: Vec::new(),
        };
        let length: usize = request
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        request.body = body;
        let index = {
            let mut all = lock(recorded);
            all.push(request.clone());
            all.len() - 1
        };
        if !carry_out(&mut writer, script(index, &request)) {
            return;
        }
    }
}

/// Carries out one answer; `false` when the connection is over.
fn carry_out(writer: &mut TcpStream, answer: Answer) -> bool {
    match answer {
        Answer::Bytes(bytes) => writer.write_all(&bytes).is_ok(),
        Answer::BytesThenClose(bytes) => {
            let _ = writer.write_all(&bytes);
            let _ = writer.shutdown(std::net::Shutdown::Both);
            false
        }
        Answer::BytesThenStall(bytes) => {
            let _ = writer.write_all(&bytes);
            std::thread::sleep(STALL);
            false
        }
        Answer::Drip { bytes, every } => {
            for byte in bytes {
                std::thread::sleep(every);
                if writer.write_all(&[byte]).is_err() {
                    return false;
                }
            }
            true
        }
        Answer::Sequence(answers) => answers.into_iter().all(|a| carry_out(writer, a)),
        Answer::After(wait, then) => {
            std::thread::sleep(wait);
            carry_out(writer, *then)
        }
        Answer::Big {
            status,
            prefix,
            len,
            chunked,
        } => big(writer, status, prefix, len, chunked),
        Answer::Close => false,
    }
}

fn big(writer: &mut TcpStream, status: &str, prefix: &[u8], len: usize, chunked: bool) -> bool {
    let head = if chunked {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
    } else {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    if writer.write_all(head.as_bytes()).is_err() {
        return false;
    }
    let mut chunk = vec![b' '; 64 * 1024];
    let mut left = len;
    let mut first = true;
    while left > 0 {
        if first {
            let n = prefix.len().min(chunk.len());
            chunk[..n].copy_from_slice(&prefix[..n]);
        } else if !prefix.is_empty() {
            let n = prefix.len().min(chunk.len());
            chunk[..n].fill(b' ');
        }
        first = false;
        let n = left.min(chunk.len());
        let written = if chunked {
            writer
                .write_all(format!("{n:x}\r\n").as_bytes())
                .and_then(|()| writer.write_all(&chunk[..n]))
                .and_then(|()| writer.write_all(b"\r\n"))
        } else {
            writer.write_all(&chunk[..n])
        };
        if written.is_err() {
            return false;
        }
        left -= n;
    }
    !(chunked && writer.write_all(b"0\r\n\r\n").is_err())
}

/// A whole response: status line, `Content-Length`, these headers, the body.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A loopback listener whose accept queue is full, with the connections that fill it:
/// a new connection to it hangs in the handshake (Linux drops the SYN). `None` when the
/// queue could not be filled on this system.
pub fn full_listener() -> Option<(TcpListener, Vec<TcpStream>, String)> {
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    let addr = listener.local_addr().ok()?;
    let mut held = Vec::new();
    while held.len() < 5000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => held.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                // Full for sure: a second try times out too.
                let again = TcpStream::connect_timeout(&addr, Duration::from_millis(200));
                if !matches!(&again, Err(e) if e.kind() == std::io::ErrorKind::TimedOut) {
                    eprintln!("skipped: the accept queue did not stay full");
                    return None;
                }
                return Some((listener, held, format!("http://{addr}")));
            }
            Err(e) => {
                eprintln!("skipped: could not fill the accept queue: {e}");
                return None;
            }
        }
    }
    None
}
