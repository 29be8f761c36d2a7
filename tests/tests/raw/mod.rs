//! A scripted HTTP/1.1 server on loopback for what the emulator cannot answer: HTML error
//! pages, empty or huge bodies, invalid UTF-8, redirects. Plain threads, so both the
//! blocking and the async client can use it. It records every request it reads.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as read off the wire.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The request line and headers, as sent.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The method.
    pub fn method(&self) -> &str {
        self.head.split(' ').next().unwrap_or("")
    }

    /// The value of a header (names compared case-insensitively), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
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
    /// Writes these bytes (say, a head announcing more body than follows), then closes.
    BytesThenClose(Vec<u8>),
    /// Closes the connection without answering.
    Close,
}

type Script = dyn Fn(usize, &Recorded) -> Answer + Send + Sync;

/// A running scripted server; it stops when dropped.
pub struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
}

impl RawServer {
    /// Serves `script` on `127.0.0.1`, at a port the system picks. The script gets the
    /// index of the request (0 for the first, across connections) and the request.
    pub fn start(script: impl Fn(usize, &Recorded) -> Answer + Send + Sync + 'static) -> Self {
        RawServer::start_on([127, 0, 0, 1], script)
    }

    /// Like [`RawServer::start`], on another loopback address (e.g. `127.0.0.2`: another
    /// host as far as a client can tell).
    pub fn start_on(
        ip: [u8; 4],
        script: impl Fn(usize, &Recorded) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind((std::net::Ipv4Addr::from(ip), 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (recorded, stopping) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (recorded, script) = (recorded.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &recorded, &*script));
            }
        });
        RawServer {
            addr,
            requests,
            stop,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(stream: TcpStream, recorded: &Mutex<Vec<Recorded>>, script: &Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_nodelay(true);
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
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
            let mut all = recorded.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        match script(index, &request) {
            Answer::Bytes(bytes) => {
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
            Answer::Big {
                status,
                prefix,
                len,
                chunked,
            } => {
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
                    return;
                }
                let mut chunk = vec![b' '; 64 * 1024];
                let mut left = len;
                let mut first = true;
                while left > 0 {
                    if first {
                        chunk[..prefix.len()].copy_from_slice(prefix);
                    } else if !prefix.is_empty() {
                        chunk[..prefix.len()].fill(b' ');
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
                        return;
                    }
                    left -= n;
                }
                if chunked && writer.write_all(b"0\r\n\r\n").is_err() {
                    return;
                }
            }
            Answer::BytesThenClose(bytes) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.shutdown(std::net::Shutdown::Both);
                return;
            }
            Answer::Close => return,
        }
    }
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
