//! What the clients log, through `tracing` and through `log`, carries no secret (see
//! SECURITY.md): tokens, client secrets and chat text never appear in the clients' spans
//! and events, nor in what their HTTP stacks log at debug level.
//!
//! A binary of its own, where every test starts with [`trace_capture::start`]: `tracing`
//! caches, per callsite and for the whole process, whether any subscriber wants it. With a
//! scoped subscriber (`tracing::subscriber::with_default`) as the only dispatcher, a
//! callsite first reached by another test's thread is asked of that thread's default
//! (none) and cached as "never", and the capture misses it. Here one subscriber is
//! installed as the global default before any client code of this binary runs (a
//! `OnceLock`: the other tests wait for it), and no other dispatcher is ever made: every
//! callsite is registered after it, is asked of it alone, and is cached as "always" for
//! good. The subscriber writes into a buffer of the calling thread, so tests running in
//! parallel do not mix their output; the reqwest client runs on a current-thread runtime,
//! so what either client logs happens on the test's thread.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod secrets;

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use genesys_chat::auth::Credentials;
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsRoom, GetChatsRoomMessages, GetChatsSettings, PostChatsRoomMessages, PostChatsRooms,
};
use genesys_chat::{Config, Error, Operation};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Fault, FaultRoute, FaultRule};

use secrets::{
    CHAT, CLIENT_ID, ISSUED, SECRET, TOKEN, assert_clean, assert_error_clean, config, emulator,
    quick,
};

/// Both clients behind one interface; the reqwest one runs on a current-thread runtime,
/// so everything it does happens on the calling thread (where tracing is captured).
enum Client {
    Ureq(Box<genesys_chat_ureq::Client>),
    Reqwest(genesys_chat_reqwest::Client, tokio::runtime::Runtime),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Ureq,
    Reqwest,
}

const TRANSPORTS: [Transport; 2] = [Transport::Ureq, Transport::Reqwest];

struct Builder {
    transport: Transport,
    config: Config,
    credentials: Option<Credentials>,
}

impl Builder {
    fn new(transport: Transport, config: Config) -> Self {
        Builder {
            transport,
            config,
            credentials: None,
        }
    }

    fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }

    fn build(self) -> Result<Client, Error> {
        macro_rules! configure {
            ($builder:expr) => {{
                let mut b = $builder
                    .retry(quick())
                    .attempt_timeout(Duration::from_secs(5));
                if let Some(c) = self.credentials {
                    b = b.credentials(c);
                }
                b.build()
            }};
        }
        Ok(match self.transport {
            Transport::Ureq => Client::Ureq(Box::new(configure!(
                genesys_chat_ureq::Client::builder(self.config)
            )?)),
            Transport::Reqwest => Client::Reqwest(
                configure!(genesys_chat_reqwest::Client::builder(self.config))?,
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
            ),
        })
    }
}

impl Client {
    fn call<O>(&self, op: &O) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        match self {
            Client::Ureq(c) => c.call(op),
            Client::Reqwest(c, rt) => rt.block_on(c.call(op)),
        }
    }

    /// How many messages the room has, through the client's history iterator or stream
    /// (pages of 2).
    fn history(&self, room: &str) -> usize {
        match self {
            Client::Ureq(c) => c
                .history(GetChatsRoomMessages::new(room).limit(2))
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
                .len(),
            Client::Reqwest(c, rt) => rt.block_on(async {
                use futures_util::StreamExt;
                c.history(GetChatsRoomMessages::new(room).limit(2))
                    .map(|m| usize::from(m.is_ok()))
                    .fold(0, |all, ok| async move { all + ok })
                    .await
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Capturing tracing and log output.
// ---------------------------------------------------------------------------------------

/// Everything logged through `log`, from every thread, with the thread's id.
struct LogCapture {
    records: Mutex<Vec<(std::thread::ThreadId, String, String)>>,
}

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{}", record.args());
        self.records.lock().unwrap().push((
            std::thread::current().id(),
            record.target().to_owned(),
            line,
        ));
    }

    fn flush(&self) {}
}

fn log_capture() -> &'static LogCapture {
    static CAPTURE: OnceLock<&'static LogCapture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static LogCapture = Box::leak(Box::new(LogCapture {
            records: Mutex::new(Vec::new()),
        }));
        log::set_logger(capture).unwrap();
        capture
    })
}

/// Serialises the tests that change the global log level.
fn log_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

mod trace_capture {
    //! One global `tracing` subscriber, installed once, that writes every span (name,
    //! fields, later records) and every event of every target and level into a buffer
    //! of the thread that asked for it.

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
        next: AtomicU64,
    }

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
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
        /// Everything, on every thread, at every moment: the cached interest is
        /// "always" for good.
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
            Some(tracing::level_filters::LevelFilter::TRACE)
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            write(|text| {
                let m = span.metadata();
                let _ = write!(text, "\nspan {} {} {}", m.level(), m.target(), m.name());
                span.record(&mut Fields(text));
            });
            Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            write(|text| {
                text.push_str("\nrecord");
                values.record(&mut Fields(text));
            });
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            write(|text| {
                let m = event.metadata();
                let _ = write!(text, "\nevent {} {}", m.level(), m.target());
                event.record(&mut Fields(text));
            });
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
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

/// A session that exercises what may log: a client-credentials login, a room, chat text
/// posted (one post retried after a 429) and read back through the history pager, a
/// missing room, and a fixed token the service does not know (401).
fn session(transport: Transport, server: &Server) {
    let client = Builder::new(transport, config(&server.base_url()))
        .credentials(Credentials::client_credentials(CLIENT_ID, SECRET))
        .build()
        .unwrap();
    let bob = server.emulator().user("bob").unwrap().id.clone();
    let room = client
        .call(&PostChatsRooms::new(
            CreateRoomRequest::new("security").user_ids([bob]),
        ))
        .unwrap()
        .jid
        .expect("a new room has a JID");
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::operation("postChatsRoomMessages").unwrap(),
            Fault::too_many_requests(Duration::from_secs(0)),
        ))
        .unwrap();
    for i in 0..3 {
        client
            .call(&PostChatsRoomMessages::new(
                &room,
                SendMessageBody::new(format!("{CHAT} {i}")),
            ))
            .unwrap();
    }
    assert_eq!(client.history(&room), 3);
    let missing = client
        .call(&GetChatsRoom::new("nope@conference.example.orgspan.com"))
        .unwrap_err();
    assert!(matches!(missing.status(), Some(403 | 404)), "{missing}");
    assert_error_clean("a missing room", &missing);
    // A fixed token the service does not know: 401 and no renewal.
    let stranger = Builder::new(
        transport,
        config(&server.base_url()).with_token(TOKEN).unwrap(),
    )
    .build()
    .unwrap();
    let e = stranger.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_error_clean("a 401", &e);
}

// ---------------------------------------------------------------------------------------
// tracing and log output.
// ---------------------------------------------------------------------------------------

/// The `log` records of `thread` since `from`, one per line.
fn log_lines(from: usize, thread: std::thread::ThreadId) -> Vec<(String, String)> {
    log_capture().records.lock().unwrap()[from..]
        .iter()
        .filter(|(t, _, _)| *t == thread)
        .map(|(_, target, line)| (target.clone(), line.clone()))
        .collect()
}

/// Runs a session on this thread with tracing captured and `log` at `level`; returns
/// the tracing text and the log lines.
fn captured_session(
    transport: Transport,
    level: log::LevelFilter,
) -> (String, Vec<(String, String)>) {
    trace_capture::start();
    let server = emulator();
    let _guard = log_lock();
    let logs = log_capture();
    let from = logs.records.lock().unwrap().len();
    log::set_max_level(level);
    session(transport, &server);
    log::set_max_level(log::LevelFilter::Off);
    let traced = trace_capture::finish();
    (traced, log_lines(from, std::thread::current().id()))
}

#[test]
fn tracing_spans_and_events_and_debug_logs_carry_no_secrets() {
    for transport in TRANSPORTS {
        let (traced, logs) = captured_session(transport, log::LevelFilter::Debug);
        // The clients' own span is there, with its fields.
        assert!(
            traced.contains("genesys_chat.call operation=\"postChatsRoomMessages\""),
            "{transport:?}: {traced}"
        );
        assert!(
            traced.contains("retrying"),
            "{transport:?}: the 429 retry: {traced}"
        );
        assert_clean(&format!("{transport:?} tracing"), &traced);
        let logged: String = logs.iter().map(|(t, l)| format!("{t}: {l}\n")).collect();
        assert_clean(&format!("{transport:?} debug logs"), &logged);
    }
}

/// The text of ureq-proto's trace hex dumps, reassembled: each row shows 16 bytes as
/// hex, then as characters (`.` for anything but ASCII letters, digits and punctuation).
fn wire_text(logs: &[(String, String)]) -> String {
    logs.iter()
        .filter(|(target, _)| target.starts_with("ureq_proto"))
        .filter_map(|(_, line)| line.rsplit_once(' ').map(|(_, chars)| chars.to_owned()))
        .collect()
}

#[test]
fn trace_logs_of_the_reqwest_client_carry_no_secrets() {
    let (traced, logs) = captured_session(Transport::Reqwest, log::LevelFilter::Trace);
    assert_clean("reqwest tracing", &traced);
    let logged: String = logs.iter().map(|(t, l)| format!("{t}: {l}\n")).collect();
    assert_clean("reqwest trace logs", &logged);
}

#[test]
#[ignore = "limitation: with `log` at TRACE, ureq-proto (a dependency of genesys-chat-ureq) hex-dumps all traffic, secrets included; nothing in this crate can filter it: never enable TRACE for ureq_proto in production (SECURITY.md)"]
fn trace_logs_of_the_ureq_client_carry_no_secrets() {
    let (traced, logs) = captured_session(Transport::Ureq, log::LevelFilter::Trace);
    assert_clean("ureq tracing", &traced);
    let logged: String = logs.iter().map(|(t, l)| format!("{t}: {l}\n")).collect();
    assert_clean("ureq trace logs", &logged);
    // The hex dumps split texts over 16-byte rows: look at them joined up too.
    let wire = wire_text(&logs);
    for secret in [TOKEN, CHAT, SECRET, ISSUED] {
        assert!(
            !wire.contains(secret),
            "{secret:?} in ureq-proto's hex dump"
        );
    }
}
