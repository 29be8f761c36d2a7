//! The tracing checks: what a call logs through `tracing` (the core's
//! `genesys_chat::trace`: one `genesys_chat.call` span per call, one event per attempt,
//! one per retry) and what it never logs (tokens, secrets, room ids, chat text), for
//! every grant too.
//!
//! Each check captures with a subscriber of its own, made the default of the calling
//! thread only ([`capture`]), so the other groups' calls, running at the same time in
//! the same process, never reach it. A blocking client logs on the thread that calls it;
//! an async subject's call is `block_on` on the calling thread, where the client's call
//! future (and so the core's span and events) is polled; only the HTTP stack's spawned
//! connection tasks run on the runtime's workers, and they emit nothing of the client's.
//! A span's records go to the subscriber that made the span, whatever the thread.
//!
//! `tracing` caches, per callsite and for the whole process, whether any subscriber wants
//! it. While at most one dispatcher exists, a callsite is asked only of the default of the
//! thread that reaches it first (none, on another group's thread) and cached as "never",
//! and a capture then misses it. [`keep_interest`], run before any group starts, makes two
//! dispatchers that want nothing and lives as long as the process: from then on `tracing`
//! asks every live dispatcher, under its lock, each time a callsite is first reached and
//! each time a capture's dispatcher is made (which re-asks every callsite), so a capture
//! sees every callsite from its first moment, however the groups interleave.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsRoom, PostChatsRoomMessages};
use genesys_chat::{Error, RetryPolicy, TransportErrorKind};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

use super::grants::{Login, assert_no_secret, every_login};
use super::raw::{self, Answer, RawServer};
use super::{Caller, Check, Checked, Maker, Settings, TOKEN};

/// The tracing checks, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "a call logs its operation, attempts and correlation id, but no secrets",
            run: a_call_logs_its_operation_attempts_and_correlation_id_but_no_secrets::<C>,
        },
        Check {
            name: "a failed post logs one attempt without status, and no chat text",
            run: a_failed_post_logs_one_attempt_without_status_and_no_chat_text::<C>,
        },
        Check {
            name: "no secret of any grant in the tracing output, at any level, of any target",
            run: no_secret_in_tracing_output::<C>,
        },
    ]
}

/// A subscriber that wants nothing and is never anyone's default.
struct Keeper;

impl Subscriber for Keeper {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::never()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::OFF)
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Makes, once per process, the two dispatchers that keep `tracing` asking every live
/// dispatcher (see the module's documentation). The kit runs it before any group.
pub(super) fn keep_interest() {
    static KEEPERS: OnceLock<[Dispatch; 2]> = OnceLock::new();
    KEEPERS.get_or_init(|| [Dispatch::new(Keeper), Dispatch::new(Keeper)]);
}

/// Writes spans, span records and events, one line each, into its log.
struct Capture {
    log: Arc<Mutex<String>>,
    /// Only the client's own targets (`genesys_chat…`), or every target.
    only_client: bool,
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

impl Capture {
    fn write(&self, f: impl FnOnce(&mut String)) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut log);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        !self.only_client || metadata.target().starts_with("genesys_chat")
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.write(|log| {
            let _ = write!(log, "\nspan {}", span.metadata().name());
            span.record(&mut Line(log));
        });
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _span: &Id, values: &Record<'_>) {
        self.write(|log| {
            log.push_str("\nrecord");
            values.record(&mut Line(log));
        });
    }
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn event(&self, event: &Event<'_>) {
        self.write(|log| {
            log.push_str("\nevent");
            event.record(&mut Line(log));
        });
    }
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}
}

/// Runs `f` with a capturing subscriber as this thread's default: what `f` returned and
/// what was logged (`\nspan <name> <fields>`, `\nrecord <fields>`, `\nevent <fields>`).
fn capture<T>(only_client: bool, f: impl FnOnce() -> T) -> (T, String) {
    keep_interest();
    let log = Arc::new(Mutex::new(String::new()));
    let dispatch = Dispatch::new(Capture {
        log: log.clone(),
        only_client,
        next_id: AtomicU64::new(0),
    });
    let out = tracing::dispatcher::with_default(&dispatch, f);
    let text = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
    (out, text)
}

const ROOM: &str = "private-room@conference.example.com";
const CHAT: &str = "Secret body text";

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

fn a_call_logs_its_operation_attempts_and_correlation_id_but_no_secrets<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = RawServer::start(|index, _| match index {
        0 => Answer::Bytes(raw::response(
            "429 Too Many Requests",
            &[("Retry-After", "0"), ("ININ-Correlation-Id", "corr-429")],
            br#"{"message":"slow down","code":"too.many.requests","status":429}"#,
        )),
        1 => Answer::Bytes(raw::response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("ININ-Correlation-Id", "corr-trace"),
            ],
            br#"{"jid":"private-room@conference.example.com","subject":"Secret subject"}"#,
        )),
        2 => Answer::Close,
        _ => Answer::Bytes(raw::response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("ININ-Correlation-Id", "corr-post"),
            ],
            br#"{"id":"msg-1","body":"Secret body text"}"#,
        )),
    });
    let mut settings = Settings::new(server.base_url());
    settings.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::ZERO,
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let client = make(&settings)?;
    let ((room, error), log) = capture(true, || {
        let room = client.call(GetChatsRoom::new(ROOM));
        // The connection closes without an answer: a failed attempt has no status.
        let error = client
            .call(PostChatsRoomMessages::new(ROOM, SendMessageBody::new(CHAT)))
            .map(|_| ());
        (room, error)
    });
    assert_eq!(room?.output.subject.as_deref(), Some("Secret subject"));
    let error = error.unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error}"
    );
    assert_eq!(server.requests().len(), 3);
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
        CHAT,
        "slow down",
        server.base_url().as_str(),
    ] {
        assert!(!log.contains(secret), "{secret:?} in {log}");
    }
    Ok(vec![])
}

fn a_failed_post_logs_one_attempt_without_status_and_no_chat_text<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let mut settings = Settings::new(raw::closed_origin());
    settings.retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    let client = make(&settings)?;
    let (result, log) = capture(true, || {
        client
            .call(PostChatsRoomMessages::new(ROOM, SendMessageBody::new(CHAT)))
            .map(|_| ())
    });
    let error = result.unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error}"
    );
    for expected in [
        "span genesys_chat.call operation=postChatsRoomMessages method=POST path=/api/v2/chats/rooms/{roomJid}/messages",
        "record attempt=1\nevent message=attempt finished attempt=1",
    ] {
        assert!(log.contains(expected), "{expected:?} not in {log}");
    }
    assert_eq!(log.matches("\nspan ").count(), 1, "{log}");
    assert_eq!(log.matches("attempt finished").count(), 1, "{log}");
    assert!(!log.contains("status="), "{log}");
    assert!(!log.contains("getChatsRoom"), "another check's call: {log}");
    for secret in [TOKEN, "Bearer", "private-room", CHAT] {
        assert!(!log.contains(secret), "{secret:?} in {log}");
    }
    Ok(vec![])
}

fn no_secret_in_tracing_output<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let ((_, secrets), log) = capture(false, || every_login(&l, make));
    // The capture saw the logins (the token request's span), the API calls, the 401s.
    for expected in [
        "span genesys_chat.call operation=postOauthToken",
        "span genesys_chat.call operation=getChatsSettings",
        "record status=401",
    ] {
        assert!(log.contains(expected), "{expected:?} not in {log}");
    }
    assert_no_secret(&log, &secrets);
    Ok(vec![])
}
