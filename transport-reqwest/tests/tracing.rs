//! The span and events of a call, captured by a minimal `tracing` subscriber: what they
//! carry, and what they never carry.
//!
//! These tests live in a binary of their own, and every test starts with
//! [`capture::start`], because `tracing` caches, per callsite and for the whole process,
//! whether any subscriber wants it. When the only dispatcher ever made is a scoped one
//! (`tracing::subscriber::with_default`), a callsite first reached by another test's thread
//! is asked of that thread's default (none), cached as "never", and the capturing test then
//! misses the span (it did about one run in three beside the other wire tests). Here one
//! subscriber is installed as the global default before any client code of this binary
//! runs (a `OnceLock`: the other tests wait for it), and no other dispatcher is ever made:
//! every callsite is registered after it, is asked of it alone, and is cached as "always"
//! for good. Nothing is left to timing. The subscriber writes into a buffer of the calling
//! thread, so tests running in parallel do not mix their output; the client runs on a
//! current-thread runtime, so all it logs happens on the test's thread.

#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsRoom, PostChatsRoomMessages};
use genesys_chat::{Config, Error, RetryPolicy, TransportErrorKind};
use genesys_chat_reqwest::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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

/// A loopback HTTP/1.1 server that answers each request with the bytes a script gives
/// for the request's index (0 for the first), keeps the connection open, and counts the
/// requests.
struct RawServer {
    base: String,
    requests: Arc<Mutex<usize>>,
}

impl RawServer {
    async fn start(script: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(0));
        let script = Arc::new(script);
        let counted = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, counted.clone(), script.clone()));
            }
        });
        RawServer { base, requests }
    }
}

async fn serve(
    mut stream: TcpStream,
    counted: Arc<Mutex<usize>>,
    script: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>,
) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
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
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..length);
        let index = {
            let mut n = counted.lock().unwrap();
            *n += 1;
            *n - 1
        };
        if stream.write_all(&script(index)).await.is_err() {
            return;
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

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_call_logs_its_operation_attempts_and_correlation_id_but_no_secrets() {
    capture::start();
    let runtime = runtime();
    runtime.block_on(async {
        let server = RawServer::start(|index| {
            if index == 0 {
                response(
                    "429 Too Many Requests",
                    &[("Retry-After", "0"), ("ININ-Correlation-Id", "corr-429")],
                    br#"{"message":"slow down","code":"too.many.requests","status":429}"#,
                )
            } else {
                response(
                    "200 OK",
                    &[("ININ-Correlation-Id", "corr-trace")],
                    br#"{"jid":"private-room@conference.example.com","subject":"Secret subject"}"#,
                )
            }
        })
        .await;
        let client = Client::new(config(&server.base)).unwrap();
        let room = client.call(&GetChatsRoom::new(ROOM)).await.unwrap();
        assert_eq!(room.subject.as_deref(), Some("Secret subject"));
        assert_eq!(*server.requests.lock().unwrap(), 2);
    });
    let log = capture::finish();
    for expected in [
        "span genesys_chat.call operation=getChatsRoom method=GET path=/api/v2/chats/rooms/{roomJid}",
        "record attempt=1\nrecord status=429\nrecord correlation_id=corr-429",
        "event message=attempt finished attempt=1 status=429 correlation_id=corr-429",
        "event message=retrying delay_ms=0",
        "record attempt=2\nrecord status=200\nrecord correlation_id=corr-trace",
        "event message=attempt finished attempt=2 status=200 correlation_id=corr-trace",
    ] {
        assert!(log.contains(expected), "{expected:?} not in {log}");
    }
    assert_eq!(log.matches("\nspan ").count(), 1, "{log}");
    for secret in [
        TOKEN,
        "private-room",
        "conference",
        "Secret subject",
        "slow down",
    ] {
        assert!(!log.contains(secret), "{secret:?} in {log}");
    }
}

/// A second capturing test running beside the first: each sees only its own call.
#[test]
fn a_failed_post_logs_one_attempt_without_status_and_no_chat_text() {
    capture::start();
    let runtime = runtime();
    let error = runtime.block_on(async {
        // Nobody listens on this port once the listener is dropped.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
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
        client
            .call(&PostChatsRoomMessages::new(
                ROOM,
                SendMessageBody::new("Secret body text"),
            ))
            .await
            .unwrap_err()
    });
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportErrorKind::Connect,
                ..
            }
        ),
        "{error:?}"
    );
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
