//! The span and events of a call, captured by a minimal `tracing` subscriber: what they
//! carry, and what they never carry.
//!
//! These tests live in a binary of their own, and every test starts with
//! [`capture::start`], because `tracing` caches, per callsite and for the whole process,
//! whether any subscriber wants it. When the only dispatcher ever made is a scoped one
//! (`tracing::subscriber::with_default`), a callsite first reached by another test's thread
//! is asked of that thread's default (none), cached as "never", and the capturing test then
//! misses the span. Here one subscriber is installed as the global default before any
//! client code of this binary runs (a `OnceLock`: the other tests wait for it), and no
//! other dispatcher is ever made: every callsite is registered after it, is asked of it
//! alone, and is cached as "always" for good. Nothing is left to timing. The subscriber
//! writes into a buffer of the calling thread, so tests running in parallel do not mix
//! their output; the blocking client logs on the thread that calls it.

#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsRoom, PostChatsRoomMessages};
use genesys_chat::{Config, Error, RetryPolicy, TransportErrorKind};
use genesys_chat_ureq::Client;

const TOKEN: &str = "tracing-test-secret-token";
const ROOM: &str = "private-room@conference.example.com";

mod capture {
    //! One global subscriber, installed once, that writes the client's spans, span
    //! records and events into a buffer of the thread that asked for them.

    use std::cell::RefCell;
    use std::fmt::{self, Write as _};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    thread_local! {
        static SINK: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    #[derive(Default)]
    struct ThreadCapture {
        next_id: AtomicU64,
    }

    struct Line<'a>(&'a mut String);

    impl Visit for Line<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={}", field.name(), value);
        }
    }

    fn write(f: impl FnOnce(&mut String)) {
        SINK.with(|sink| {
            if let Some(text) = sink.borrow_mut().as_mut() {
                f(text);
            }
        });
    }

    impl Subscriber for ThreadCapture {
        /// The client's own spans and events (the span is opened by the core's
        /// `genesys_chat::trace` for the transport); the answer is the same on every
        /// thread and at every moment, so the cached interest is right for good.
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.target().starts_with("genesys_chat")
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            write(|log| {
                let _ = write!(log, "\nspan {}", span.metadata().name());
                span.record(&mut Line(log));
            });
            Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
        }
        fn record(&self, _span: &Id, values: &Record<'_>) {
            write(|log| {
                log.push_str("\nrecord");
                values.record(&mut Line(log));
            });
        }
        fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
        fn event(&self, event: &Event<'_>) {
            write(|log| {
                log.push_str("\nevent");
                event.record(&mut Line(log));
            });
        }
        fn enter(&self, _span: &Id) {}
        fn exit(&self, _span: &Id) {}
    }

    /// Installs the subscriber (the first call in the process; the others wait for it)
    /// and starts capturing what this thread logs. Call it before any client code runs.
    pub fn start() {
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        let installed = *INSTALLED.get_or_init(|| {
            tracing::subscriber::set_global_default(ThreadCapture::default()).is_ok()
        });
        assert!(installed, "another global subscriber was installed first");
        SINK.with(|sink| *sink.borrow_mut() = Some(String::new()));
    }

    /// Stops capturing and returns what this thread logged since [`start`].
    pub fn finish() -> String {
        SINK.with(|sink| sink.borrow_mut().take())
            .unwrap_or_default()
    }
}

/// What the server does with one request.
enum Script {
    /// Writes these bytes and keeps the connection open for the next request.
    Answer(Vec<u8>),
    /// Closes the connection without answering.
    Close,
}

type ScriptFn = dyn Fn(usize) -> Script + Send + Sync;

/// A loopback HTTP/1.1 server, on plain threads, that answers each request from a
/// script (given the request's index, 0 for the first) and counts the requests.
struct RawServer {
    base: String,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    fn start(script: impl Fn(usize) -> Script + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let script: Arc<ScriptFn> = Arc::new(script);
        let counted = requests.clone();
        // The accept thread ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (counted, script) = (counted.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &counted, &*script));
            }
        });
        RawServer { base, requests }
    }
}

fn serve(mut stream: TcpStream, counted: &AtomicUsize, script: &ScriptFn) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        buf.drain(..head_end);
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..length);
        match script(counted.fetch_add(1, Ordering::SeqCst)) {
            Script::Answer(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Script::Close => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn config(base: &str) -> Config {
    Config::with_base_url(base)
        .unwrap()
        .with_token(TOKEN)
        .unwrap()
}

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[test]
fn a_call_logs_its_operation_attempts_and_correlation_id_but_no_secrets() {
    capture::start();
    let server = RawServer::start(|index| match index {
        0 => Script::Answer(response(
            "429 Too Many Requests",
            &[("Retry-After", "0"), ("ININ-Correlation-Id", "corr-429")],
            br#"{"message":"slow down","code":"too.many.requests","status":429}"#,
        )),
        1 => Script::Answer(response(
            "200 OK",
            &[("ININ-Correlation-Id", "corr-trace")],
            br#"{"jid":"private-room@conference.example.com","subject":"Secret subject"}"#,
        )),
        2 => Script::Close,
        _ => Script::Answer(response(
            "200 OK",
            &[("ININ-Correlation-Id", "corr-post")],
            br#"{"id":"msg-1","body":"Secret body text"}"#,
        )),
    });
    let client = Client::builder(config(&server.base))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::ZERO,
            max_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let room = client.call(&GetChatsRoom::new(ROOM)).unwrap();
    assert_eq!(room.subject.as_deref(), Some("Secret subject"));
    // The connection closes without an answer: a failed attempt has no status.
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("Secret body text"),
        ))
        .unwrap_err();
    assert_eq!(transport_kind(&error), Some(TransportErrorKind::Io));
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
    let log = capture::finish();
    for expected in [
        "span genesys_chat.call operation=getChatsRoom method=GET path=/api/v2/chats/rooms/{roomJid}\n",
        "record attempt=1\nrecord status=429\nrecord correlation_id=corr-429\n",
        "event message=attempt finished attempt=1 status=429 correlation_id=corr-429\n",
        "event message=retrying delay_ms=0\n",
        "record attempt=2\nrecord status=200\nrecord correlation_id=corr-trace\n",
        "event message=attempt finished attempt=2 status=200 correlation_id=corr-trace\n",
        "span genesys_chat.call operation=postChatsRoomMessages method=POST path=/api/v2/chats/rooms/{roomJid}/messages\n",
        "record attempt=1\nevent message=attempt finished attempt=1",
    ] {
        assert!(log.contains(expected), "{expected:?} not in {log}");
    }
    // One span per call, one "attempt finished" per attempt, one retry in all.
    assert_eq!(log.matches("\nspan ").count(), 2, "{log}");
    assert_eq!(log.matches("attempt finished").count(), 3, "{log}");
    assert_eq!(log.matches("retrying").count(), 1, "{log}");
    // The POST's failed attempt recorded no status and no correlation id.
    let post = &log[log.find("operation=postChatsRoomMessages").unwrap()..];
    assert!(!post.contains("status="), "{post}");
    assert!(!post.contains("correlation_id="), "{post}");
    for secret in [
        TOKEN,
        "Bearer",
        "private-room",
        "conference",
        "Secret subject",
        "Secret body text",
        "slow down",
        server.base.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret:?} in {log}");
    }
}

/// A second capturing test running beside the first: each sees only its own call.
#[test]
fn a_failed_post_logs_one_attempt_without_status_and_no_chat_text() {
    capture::start();
    // Nobody listens on this port once the listener is dropped.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(config(&format!("http://127.0.0.1:{port}")))
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("Secret body text"),
        ))
        .unwrap_err();
    assert_eq!(transport_kind(&error), Some(TransportErrorKind::Connect));
    let log = capture::finish();
    for expected in [
        "span genesys_chat.call operation=postChatsRoomMessages method=POST path=/api/v2/chats/rooms/{roomJid}/messages",
        "record attempt=1\nevent message=attempt finished attempt=1",
    ] {
        assert!(log.contains(expected), "{expected:?} not in {log}");
    }
    assert_eq!(log.matches("\nspan ").count(), 1, "{log}");
    assert_eq!(log.matches("attempt finished").count(), 1, "{log}");
    assert!(!log.contains("status="), "{log}");
    assert!(!log.contains("getChatsRoom"), "another test's call: {log}");
    for secret in [TOKEN, "Bearer", "private-room", "Secret body text"] {
        assert!(!log.contains(secret), "{secret:?} in {log}");
    }
}
