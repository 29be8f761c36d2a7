//! The fault matrix: every fault × both transports (ureq, reqwest) and a bare
//! `TcpStream` stack through the core's driver × an idempotent GET
//! (`getChatsRoomMessages`) and a non-idempotent POST (`postChatsRoomMessages`).
//!
//! Each cell asserts its exact outcome (success after how many attempts, or which typed
//! error), how many requests the server received, and how many times the POST was
//! applied: never twice. Faults the emulator can inject run against the loopback
//! emulator; the others (an HTML error page, an empty 200, a 50 MB body, invalid UTF-8)
//! against a scripted raw server that answers the fault once and a valid answer after.
//!
//! The clients retry at most 3 attempts with millisecond backoff and a 300 ms attempt
//! timeout. Run with `-- --nocapture` to see the matrix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod raw;
#[path = "../../transport-ureq/examples/support/tcp_stack.rs"]
mod tcp_stack;

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genesys_chat::driver::{BlockingStack, Driver};
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, Error, Operation, RetryPolicy, TransportErrorKind};
use genesys_chat_testkit::conformance;
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule};
use raw::{Answer, RawServer, response};

/// The retry policy of every cell: 3 attempts, millisecond backoff.
fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_backoff: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(5),
        budget: Duration::from_secs(10),
    }
}

/// The attempt timeout of every cell.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);
/// The `Retry-After` of the 429 row, in seconds.
const RETRY_AFTER: u64 = 1;
/// The delay of the slow row: well past the attempt timeout.
const SLOW: Duration = Duration::from_millis(1_500);
/// Messages in the room before the cell runs.
const SEEDED: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Ureq,
    Reqwest,
    /// A bare `TcpStream` stack (the `custom_stack` example's) through the core's driver.
    Stack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `getChatsRoomMessages`: idempotent.
    Get,
    /// `postChatsRoomMessages`: not idempotent.
    Post,
}

/// The rows of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    NoFault,
    TooManyWithRetryAfter,
    TooManyWithout,
    Status500,
    Status502,
    Status503,
    Status504,
    Status503Always,
    SlowerThanTimeout,
    ResetBeforeApply,
    ResetAfterApply,
    TruncatedBody,
    MalformedJson,
    HtmlErrorPage,
    Empty200,
    Body50Mb,
    Body50MbChunked,
    InvalidUtf8,
}

const ROWS: [Row; 18] = [
    Row::NoFault,
    Row::TooManyWithRetryAfter,
    Row::TooManyWithout,
    Row::Status500,
    Row::Status502,
    Row::Status503,
    Row::Status504,
    Row::Status503Always,
    Row::SlowerThanTimeout,
    Row::ResetBeforeApply,
    Row::ResetAfterApply,
    Row::TruncatedBody,
    Row::MalformedJson,
    Row::HtmlErrorPage,
    Row::Empty200,
    Row::Body50Mb,
    Row::Body50MbChunked,
    Row::InvalidUtf8,
];

impl Row {
    fn label(self) -> &'static str {
        match self {
            Row::NoFault => "no fault",
            Row::TooManyWithRetryAfter => "429 Retry-After: 1",
            Row::TooManyWithout => "429 without Retry-After",
            Row::Status500 => "500",
            Row::Status502 => "502",
            Row::Status503 => "503",
            Row::Status504 => "504",
            Row::Status503Always => "503 on every attempt",
            Row::SlowerThanTimeout => "answer after 1.5 s (timeout 300 ms)",
            Row::ResetBeforeApply => "reset before the response, not applied",
            Row::ResetAfterApply => "reset before the response, applied",
            Row::TruncatedBody => "truncated body",
            Row::MalformedJson => "malformed JSON",
            Row::HtmlErrorPage => "HTML error page (502 text/html)",
            Row::Empty200 => "empty 200 body",
            Row::Body50Mb => "50 MB body (Content-Length)",
            Row::Body50MbChunked => "50 MB body (chunked)",
            Row::InvalidUtf8 => "invalid UTF-8 in JSON",
        }
    }

    /// The emulator's fault for this row, applied to the next request only.
    fn emulator_fault(self) -> Option<Option<Fault>> {
        Some(Some(match self {
            Row::NoFault => return Some(None),
            Row::TooManyWithRetryAfter => {
                Fault::too_many_requests(Duration::from_secs(RETRY_AFTER))
            }
            Row::TooManyWithout => Fault::status(429),
            Row::Status500 => Fault::status(500),
            Row::Status502 => Fault::status(502),
            Row::Status503 => Fault::status(503),
            Row::Status504 => Fault::status(504),
            Row::Status503Always => Fault::status(503),
            Row::SlowerThanTimeout => Fault::delay(SLOW),
            Row::ResetBeforeApply => Fault::DropConnection,
            Row::ResetAfterApply => Fault::DropAfterApply,
            Row::TruncatedBody => Fault::Truncate,
            Row::MalformedJson => Fault::Malformed,
            Row::HtmlErrorPage
            | Row::Empty200
            | Row::Body50Mb
            | Row::Body50MbChunked
            | Row::InvalidUtf8 => return None,
        }))
    }
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Success after this many attempts.
    Ok(u32),
    /// An API error with this status.
    Api(u16),
    /// A transport error of this kind.
    Transport(TransportErrorKind),
    /// A 2xx that did not decode.
    Decode(u16),
    /// A body over the cap.
    TooLarge,
    /// Anything else, or a panic.
    Other(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok(1) => write!(f, "ok"),
            Outcome::Ok(n) => write!(
                f,
                "ok after {} retr{}",
                n - 1,
                if *n == 2 { "y" } else { "ies" }
            ),
            Outcome::Api(s) => write!(f, "Api {s}"),
            Outcome::Transport(k) => write!(f, "Transport {k:?}"),
            Outcome::Decode(s) => write!(f, "Decode ({s})"),
            Outcome::TooLarge => write!(f, "BodyTooLarge"),
            Outcome::Other(s) => write!(f, "OTHER {s}"),
        }
    }
}

/// What a cell saw, or must see.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cell {
    outcome: Outcome,
    /// Requests the server received for the operation.
    requests: u64,
    /// Times the POST was applied (messages stored, or POSTs the raw server accepted).
    applied: u64,
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; {} req, {} stored",
            self.outcome, self.requests, self.applied
        )
    }
}

fn cell(outcome: Outcome, requests: u64, applied: u64) -> Cell {
    Cell {
        outcome,
        requests,
        applied,
    }
}

/// The expected outcome of a cell: the same for both transports, which share the core's
/// retry loop.
fn expected(row: Row, op: Op) -> Cell {
    use Outcome::*;
    use TransportErrorKind::{Io, Timeout};
    let post = op == Op::Post;
    match row {
        Row::NoFault => cell(Ok(1), 1, u64::from(post)),
        // 429: the service did not act; retried for every method.
        Row::TooManyWithRetryAfter | Row::TooManyWithout => cell(Ok(2), 2, u64::from(post)),
        // 500 is never retried.
        Row::Status500 => cell(Api(500), 1, 0),
        // 502/503/504: retried for GET only; the fault refused the POST before applying.
        Row::Status502 | Row::Status503 | Row::Status504 if post => cell(Api(status_of(row)), 1, 0),
        Row::Status502 | Row::Status503 | Row::Status504 => cell(Ok(2), 2, 0),
        // Every attempt refused: the GET gives up after max_attempts (3).
        Row::Status503Always if post => cell(Api(503), 1, 0),
        Row::Status503Always => cell(Api(503), 3, 0),
        // The POST was applied, then its answer came too late: not sent again.
        Row::SlowerThanTimeout if post => cell(Transport(Timeout), 1, 1),
        Row::SlowerThanTimeout => cell(Ok(2), 2, 0),
        Row::ResetBeforeApply if post => cell(Transport(Io), 1, 0),
        Row::ResetAfterApply | Row::TruncatedBody if post => cell(Transport(Io), 1, 1),
        Row::ResetBeforeApply | Row::ResetAfterApply | Row::TruncatedBody => cell(Ok(2), 2, 0),
        // A 2xx that does not decode is not retried: the POST stays applied once.
        Row::MalformedJson | Row::Empty200 | Row::InvalidUtf8 => {
            cell(Decode(200), 1, u64::from(post))
        }
        Row::HtmlErrorPage if post => cell(Api(502), 1, 0),
        Row::HtmlErrorPage => cell(Ok(2), 2, 0),
        Row::Body50Mb | Row::Body50MbChunked => cell(TooLarge, 1, u64::from(post)),
    }
}

fn status_of(row: Row) -> u16 {
    match row {
        Row::Status502 => 502,
        Row::Status503 => 503,
        _ => 504,
    }
}

/// A call's result, reduced to the outcome.
fn outcome<T>(result: Result<genesys_chat::Reply<T>, Error>) -> Outcome {
    match result {
        Ok(reply) => Outcome::Ok(reply.attempts),
        Err(Error::Api(api)) => Outcome::Api(api.status),
        Err(Error::Transport { kind, .. }) => Outcome::Transport(kind),
        Err(Error::Decode { status, .. }) => Outcome::Decode(status),
        Err(Error::BodyTooLarge { .. }) => Outcome::TooLarge,
        Err(other) => Outcome::Other(format!("{other:?}")),
    }
}

/// The two clients behind one interface.
enum Client {
    Ureq(Box<genesys_chat_ureq::Client>),
    Reqwest(genesys_chat_reqwest::Client, Arc<tokio::runtime::Runtime>),
    Stack(Box<Driver>),
}

impl Client {
    fn new(transport: Transport, base: &str, runtime: &Arc<tokio::runtime::Runtime>) -> Self {
        let cfg = Config::with_base_url(base)
            .unwrap()
            .with_token(Emulator::DEFAULT_TOKEN)
            .unwrap();
        match transport {
            Transport::Ureq => Client::Ureq(Box::new(
                genesys_chat_ureq::Client::builder(cfg)
                    .retry(policy())
                    .attempt_timeout(ATTEMPT_TIMEOUT)
                    .build()
                    .unwrap(),
            )),
            Transport::Reqwest => Client::Reqwest(
                genesys_chat_reqwest::Client::builder(cfg)
                    .retry(policy())
                    .attempt_timeout(ATTEMPT_TIMEOUT)
                    .build()
                    .unwrap(),
                runtime.clone(),
            ),
            Transport::Stack => Client::Stack(Box::new(
                Driver::builder(cfg)
                    .retry(policy())
                    .attempt_timeout(ATTEMPT_TIMEOUT)
                    .build()
                    .unwrap(),
            )),
        }
    }

    fn call<O>(&self, op: &O) -> Result<genesys_chat::Reply<O::Output>, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        match self {
            Client::Ureq(c) => c.call_with_reply(op),
            Client::Reqwest(c, rt) => rt.block_on(c.call_with_reply(op)),
            Client::Stack(driver) => {
                let mut stack = BlockingStack::new(
                    tcp_stack::send,
                    std::thread::sleep,
                    Instant::now,
                    conformance::jitter,
                );
                driver.call(op, &mut stack)
            }
        }
    }

    /// Runs the cell's operation; a successful GET must list the room's messages.
    fn run(&self, op: Op, room: &str, text: &str) -> Outcome {
        match op {
            Op::Get => {
                let result = self.call(&GetChatsRoomMessages::new(room).limit(25));
                if let Ok(reply) = &result {
                    assert_eq!(reply.output.messages().len(), SEEDED, "the history");
                }
                outcome(result)
            }
            Op::Post => {
                let result = self.call(&PostChatsRoomMessages::new(
                    room,
                    SendMessageBody::new(text),
                ));
                if let Ok(reply) = &result {
                    assert!(
                        !reply.output.id.as_deref().unwrap_or("").is_empty(),
                        "a message id"
                    );
                }
                outcome(result)
            }
        }
    }
}

/// One cell against the loopback emulator.
fn emulator_cell(
    transport: Transport,
    op: Op,
    fault: Option<Fault>,
    always: bool,
    runtime: &Arc<tokio::runtime::Runtime>,
) -> Cell {
    let server = Server::start_default().unwrap();
    let emu = server.emulator().clone();
    let cfg = Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let in_process = |request| emu.handle(request);
    let create = PostChatsRooms::new(CreateRoomRequest::new("matrix"));
    let room = create
        .parse(&cfg, &in_process(create.to_http(&cfg).unwrap()))
        .unwrap()
        .jid
        .unwrap();
    for i in 0..SEEDED {
        let post = PostChatsRoomMessages::new(&room, SendMessageBody::new(format!("seed {i}")));
        post.parse(&cfg, &in_process(post.to_http(&cfg).unwrap()))
            .unwrap();
    }
    let id = match op {
        Op::Get => "getChatsRoomMessages",
        Op::Post => "postChatsRoomMessages",
    };
    let before = emu.counters().operation(id);
    if let Some(fault) = fault {
        let rule = FaultRule::new(FaultRoute::operation(id).unwrap(), fault);
        // One row keeps failing; the others fail the next request only.
        let rule = if always { rule } else { rule.times(1) };
        emu.add_fault(rule).unwrap();
    }
    let client = Client::new(transport, &server.base_url(), runtime);
    let outcome = client.run(op, &room, &format!("matrix {transport:?} {op:?}"));
    let requests = emu.counters().operation(id) - before;
    let stored = emu.message_count() - SEEDED;
    // Whatever else happened: nothing stored twice, and a GET stores nothing.
    assert!(stored <= usize::from(op == Op::Post), "stored {stored}");
    cell(outcome, requests, stored as u64)
}

const ROOM: &str = "matrix-room@conference.example.com";

/// A listing of the seeded messages, as the service writes it.
fn listing() -> Vec<u8> {
    let message = |id: &str, second: u32| {
        format!(
            r#"{{"id":"{id}","dateCreated":"2026-11-25T10:00:0{second}.000Z","toJid":"{ROOM}","jid":"u@example.com","body":"text {id}","thread":{{"id":"{id}"}}}}"#
        )
    };
    format!(
        r#"{{"entities":[{},{}]}}"#,
        message("m2", 2),
        message("m1", 1)
    )
    .into_bytes()
}

/// One cell against the raw server: the fault once, a valid answer after.
fn raw_cell(
    transport: Transport,
    op: Op,
    row: Row,
    runtime: &Arc<tokio::runtime::Runtime>,
) -> Cell {
    let json = [("Content-Type", "application/json")];
    let server = RawServer::start(move |index, request| {
        let post = request.method() == "POST";
        if index > 0 {
            return Answer::Bytes(if post {
                response("200 OK", &json, br#"{"id":"m-new"}"#)
            } else {
                response("200 OK", &json, &listing())
            });
        }
        match row {
            Row::HtmlErrorPage => Answer::Bytes(response(
                "502 Bad Gateway",
                &[("Content-Type", "text/html")],
                b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            )),
            Row::Empty200 => Answer::Bytes(response("200 OK", &json, b"")),
            Row::Body50Mb | Row::Body50MbChunked => Answer::Big {
                status: "200 OK",
                prefix: b"",
                len: 50 * 1024 * 1024,
                chunked: row == Row::Body50MbChunked,
            },
            Row::InvalidUtf8 => Answer::Bytes(response(
                "200 OK",
                &json,
                if post {
                    b"{\"id\":\"m-\xff\xfe\"}"
                } else {
                    b"{\"entities\":[{\"id\":\"m\xc3\x28\",\"dateCreated\":\"2026-11-25T10:00:00.000Z\",\"toJid\":\"r\",\"jid\":\"u\",\"body\":\"\xed\xa0\x80\",\"thread\":{}}]}"
                },
            )),
            other => panic!("{other:?} is an emulator row"),
        }
    });
    let client = Client::new(transport, &server.base_url(), runtime);
    let outcome = client.run(op, ROOM, "matrix");
    let requests = server.requests();
    // A POST is applied when the server accepted it: a 2xx answer, whatever its body.
    let applied = requests
        .iter()
        .enumerate()
        .filter(|(i, r)| r.method() == "POST" && (*i > 0 || row != Row::HtmlErrorPage))
        .count();
    cell(outcome, requests.len() as u64, applied as u64)
}

/// Runs one cell; a panic becomes an `Other` outcome.
fn run_cell(
    transport: Transport,
    op: Op,
    row: Row,
    runtime: &Arc<tokio::runtime::Runtime>,
) -> (Cell, Duration) {
    let started = Instant::now();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| match row.emulator_fault() {
        Some(fault) => emulator_cell(transport, op, fault, row == Row::Status503Always, runtime),
        None => raw_cell(transport, op, row, runtime),
    }));
    let cell = result.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        cell(Outcome::Other(format!("panic: {message}")), 0, 0)
    });
    (cell, started.elapsed())
}

#[test]
fn the_fault_matrix() {
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let columns = [
        (Transport::Ureq, Op::Get),
        (Transport::Ureq, Op::Post),
        (Transport::Reqwest, Op::Get),
        (Transport::Reqwest, Op::Post),
        (Transport::Stack, Op::Get),
        (Transport::Stack, Op::Post),
    ];
    let started = Instant::now();
    let mut table = String::from(
        "| fault | ureq GET | ureq POST | reqwest GET | reqwest POST | stack GET | stack POST |\n|---|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    for row in ROWS {
        table.push_str(&format!("| {} |", row.label()));
        for (transport, op) in columns {
            let (seen, took) = run_cell(transport, op, row, &runtime);
            let want = expected(row, op);
            let mark = if seen == want { "" } else { " **≠**" };
            table.push_str(&format!(" {seen}{mark} |"));
            if seen != want {
                failures.push(format!(
                    "{} × {transport:?} {op:?}: expected {want}, saw {seen}",
                    row.label()
                ));
            }
            if row == Row::SlowerThanTimeout && op == Op::Post {
                // The timeout fired, not the answer.
                assert!(took < SLOW, "{transport:?}: took {took:?}");
            }
            if row == Row::TooManyWithRetryAfter && seen == want {
                assert!(
                    took >= Duration::from_secs(RETRY_AFTER),
                    "{transport:?} {op:?}: Retry-After not waited out ({took:?})"
                );
            }
        }
        table.push('\n');
    }
    println!("\n{table}\n(the whole matrix took {:?})", started.elapsed());
    assert!(failures.is_empty(), "cells off:\n{}", failures.join("\n"));
}
