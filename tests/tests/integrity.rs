//! Data integrity under load, through each transport: concurrent clients post numbered
//! messages into one room on the loopback emulator while a chaos thread keeps injecting
//! 429s (with and without `Retry-After`) and 503s on the POST and GET routes. Then every
//! client pages through the whole history with its history iterator (ureq; the core's
//! driver for a bare `TcpStream` stack) or stream (reqwest), under the same faults.
//!
//! Asserted: every message is stored exactly once (the client never sends a POST twice
//! by itself; the only resends are the test's own, after a 429 or 503 that the emulator
//! answers without applying the request), every history is complete and in order (newest
//! first, each client's sequence numbers strictly decreasing, timestamps strictly
//! decreasing), and every extra request the emulator received is accounted for by a
//! fault it injected.
//!
//! Each transport takes 10 to 15 s in debug on 2 cores (16,000 messages, 16 full
//! history reads, about a thousand injected faults). Run with `-- --nocapture` to see the
//! counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use genesys_chat::driver::{AttemptLimits, BlockingStack, Driver, SendError};
use genesys_chat::models::{
    ChatMessageResponse, ChatSendMessageResponse, CreateRoomRequest, SendMessageBody,
};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, Error, Operation, RetryPolicy};
use genesys_chat_testkit::conformance;
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule};

const CLIENTS: usize = 16;
const POST: &str = "postChatsRoomMessages";
const GET: &str = "getChatsRoomMessages";
/// The page size of the histories.
const PAGE: u32 = 100;

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(1),
        budget: Duration::from_secs(30),
    }
}

/// A room of alice's with the other users, made in-process.
fn room(emu: &Emulator) -> String {
    let cfg = Config::with_base_url("http://127.0.0.1")
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let users: Vec<String> = emu.users().iter().skip(1).map(|u| u.id.clone()).collect();
    let op = PostChatsRooms::new(CreateRoomRequest::new("integrity").user_ids(users));
    op.parse(&cfg, &emu.handle(op.to_http(&cfg).unwrap()))
        .unwrap()
        .jid
        .unwrap()
}

/// The token of client `c`: the four users take turns.
fn token(emu: &Emulator, c: usize) -> String {
    let name = Emulator::DEFAULT_USERS[c % Emulator::DEFAULT_USERS.len()];
    emu.token_for(name).unwrap().to_owned()
}

fn config(server: &Server, token: &str) -> Config {
    Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(token)
        .unwrap()
}

fn body(c: usize, n: usize) -> String {
    format!("client {c:02} message {n:05}")
}

/// `(client, number)` of a message body written by [`body`].
fn parse_body(text: &str) -> (usize, usize) {
    let mut words = text.split(' ');
    let (Some("client"), Some(c), Some("message"), Some(n), None) = (
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
    ) else {
        panic!("a message nobody sent: {text:?}");
    };
    (c.parse().unwrap(), n.parse().unwrap())
}

/// Whether the test may send the request again: the emulator answers 429 and 503 from
/// a fault rule or the rate limit without carrying the request out.
fn refused_unapplied(e: &Error) -> bool {
    matches!(e.status(), Some(429 | 503))
}

/// Injects a 429 (with `Retry-After: 0` or without) or a 503 for the next 1 to 3
/// requests of the POST or GET route every 2 to 22 ms, with at most 2 rules pending per
/// route, until stopped.
struct Chaos {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<BTreeMap<&'static str, u64>>>,
}

impl Chaos {
    fn start(emu: Arc<Emulator>, seed: u64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut state = seed | 1;
            let mut next = move || {
                // xorshift64
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let mut added = BTreeMap::from([(POST, 0), (GET, 0)]);
            while !stopping.load(Ordering::Relaxed) {
                let route = if next() % 2 == 0 { POST } else { GET };
                let pending = emu
                    .faults()
                    .iter()
                    .filter(|r| r.route == FaultRoute::Operation(route))
                    .count();
                if pending < 2 {
                    let fault = match next() % 3 {
                        0 => Fault::too_many_requests(Duration::from_secs(0)),
                        1 => Fault::status(429),
                        _ => Fault::status(503),
                    };
                    let times = 1 + (next() % 3) as u32;
                    emu.add_fault(
                        FaultRule::new(FaultRoute::operation(route).unwrap(), fault).times(times),
                    )
                    .unwrap();
                    *added.get_mut(route).unwrap() += u64::from(times);
                }
                std::thread::sleep(Duration::from_millis(2 + next() % 20));
            }
            added
        });
        Chaos {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops injecting; the rules still pending are cleared. Returns the faults added
    /// per route, less those that never fired.
    fn stop(mut self, emu: &Emulator) -> BTreeMap<&'static str, u64> {
        self.stop.store(true, Ordering::Relaxed);
        let mut added = self.thread.take().unwrap().join().unwrap();
        for rule in emu.faults() {
            if let FaultRoute::Operation(id) = rule.route {
                *added.get_mut(id).unwrap() -= u64::from(rule.times.unwrap_or(0));
            }
        }
        emu.clear_faults();
        added
    }
}

/// What one client saw.
#[derive(Default)]
struct Report {
    /// The ids the service gave the client's messages, in sending order.
    ids: Vec<String>,
    /// The test's own resends after a 429/503 that got through the client's retries.
    resends: u64,
    /// The history as the client read it, newest first.
    history: Vec<ChatMessageResponse>,
    /// History reads restarted after an error that got through the client's retries.
    restarts: u64,
}

/// Checks everything the reports and the emulator say; returns a summary line.
fn verify(
    transport: &str,
    emu: &Emulator,
    reports: &[Report],
    per_client: usize,
    fired: &BTreeMap<&'static str, u64>,
    elapsed: Duration,
) -> String {
    let total = CLIENTS * per_client;
    // Every message stored exactly once.
    assert_eq!(emu.message_count(), total, "{transport}: messages stored");
    let sent: HashSet<&String> = reports.iter().flat_map(|r| &r.ids).collect();
    assert_eq!(sent.len(), total, "{transport}: distinct ids handed out");

    for (reader, report) in reports.iter().enumerate() {
        let history = &report.history;
        assert_eq!(
            history.len(),
            total,
            "{transport}: client {reader} read {} messages",
            history.len()
        );
        let seen: HashSet<&String> = history.iter().map(|m| m.id.as_ref().unwrap()).collect();
        assert_eq!(
            seen.len(),
            total,
            "{transport}: client {reader}: duplicates"
        );
        assert_eq!(seen, sent, "{transport}: client {reader}: not the ids sent");
        // Newest first: timestamps strictly decrease, and so does each client's number.
        let mut last_number: Vec<Option<usize>> = vec![None; CLIENTS];
        for pair in history.windows(2) {
            assert!(
                pair[0].date_created > pair[1].date_created,
                "{transport}: client {reader}: out of order at {:?}",
                pair[1].id
            );
        }
        for m in history {
            let (c, n) = parse_body(m.body());
            assert!(c < CLIENTS && n < per_client, "{transport}: {:?}", m.body);
            if let Some(previous) = last_number[c] {
                assert_eq!(
                    n + 1,
                    previous,
                    "{transport}: client {reader}: client {c}'s messages out of order"
                );
            }
            last_number[c] = Some(n);
            // The id the service gave this very message when it was sent.
            assert_eq!(
                Some(&reports[c].ids[n]),
                m.id.as_ref(),
                "{transport}: the id of client {c}'s message {n}"
            );
        }
        for (c, last) in last_number.iter().enumerate() {
            assert_eq!(*last, Some(0), "{transport}: client {c}'s first message");
        }
    }

    // Every extra request was a fault, and the POSTs the client sent are those applied
    // plus those refused by a fault: no POST was sent twice by the client itself.
    let counters = emu.counters();
    let posts = counters.operation(POST);
    assert_eq!(
        posts,
        total as u64 + fired[POST],
        "{transport}: POST requests = stored + refused by a fault"
    );
    let resends: u64 = reports.iter().map(|r| r.resends).sum();
    let restarts: u64 = reports.iter().map(|r| r.restarts).sum();
    assert!(
        resends <= fired[POST],
        "{transport}: resends without a fault"
    );
    assert_eq!(
        counters.faults_injected,
        fired[POST] + fired[GET],
        "{transport}: faults fired"
    );
    format!(
        "{transport}: {CLIENTS} clients x {per_client} messages = {total} stored exactly once, \
         {CLIENTS} histories of {total} complete and in order; {} POST and {} GET requests, \
         {} faults injected ({} on POST, {} on GET), {resends} test resends after retries ran out, \
         {restarts} history restarts; {elapsed:.1?}",
        posts,
        counters.operation(GET),
        counters.faults_injected,
        fired[POST],
        fired[GET],
    )
}

// ---------------------------------------------------------------------------------------
// Blocking stacks (the ureq client; a bare TcpStream stack through the core's driver): a
// thread per client.
// ---------------------------------------------------------------------------------------

#[path = "../../transport-ureq/examples/support/tcp_stack.rs"]
mod tcp_stack;

/// A blocking client under test: one call, and a walk of a history.
trait BlockingClient {
    fn post(&self, op: &PostChatsRoomMessages) -> Result<ChatSendMessageResponse, Error>;
    /// Hands every item of the history to `each` until it answers `false`.
    fn history(
        &self,
        first: GetChatsRoomMessages,
        each: &mut dyn FnMut(Result<ChatMessageResponse, Error>) -> bool,
    );
}

impl BlockingClient for genesys_chat_ureq::Client {
    fn post(&self, op: &PostChatsRoomMessages) -> Result<ChatSendMessageResponse, Error> {
        self.call(op)
    }

    fn history(
        &self,
        first: GetChatsRoomMessages,
        each: &mut dyn FnMut(Result<ChatMessageResponse, Error>) -> bool,
    ) {
        for item in genesys_chat_ureq::Client::history(self, first) {
            if !each(item) {
                return;
            }
        }
    }
}

impl BlockingClient for Driver {
    fn post(&self, op: &PostChatsRoomMessages) -> Result<ChatSendMessageResponse, Error> {
        let mut stack = stack();
        self.call(op, &mut stack).map(|reply| reply.output)
    }

    fn history(
        &self,
        first: GetChatsRoomMessages,
        each: &mut dyn FnMut(Result<ChatMessageResponse, Error>) -> bool,
    ) {
        let mut stack = stack();
        for item in Driver::history(self, first, &mut stack) {
            if !each(item) {
                return;
            }
        }
    }
}

type SendFn =
    fn(http::Request<Vec<u8>>, AttemptLimits) -> Result<http::Response<Vec<u8>>, SendError>;
type Stack = BlockingStack<SendFn, fn(Duration), fn() -> Instant, fn() -> f64>;

fn stack() -> Stack {
    BlockingStack::new(
        tcp_stack::send,
        std::thread::sleep,
        Instant::now,
        conformance::jitter,
    )
}

fn ureq_client(server: &Server, c: usize) -> genesys_chat_ureq::Client {
    genesys_chat_ureq::Client::builder(config(server, &token(server.emulator(), c)))
        .retry(policy())
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn driven_client(server: &Server, c: usize) -> Driver {
    Driver::builder(config(server, &token(server.emulator(), c)))
        .retry(policy())
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn read_history(name: &str, client: &impl BlockingClient, room: &str, report: &mut Report) {
    let mut first = GetChatsRoomMessages::new(room).limit(PAGE);
    loop {
        let mut restart = None;
        client.history(first.clone(), &mut |item| match item {
            Ok(message) => {
                report.history.push(message);
                true
            }
            Err(e) if refused_unapplied(&e) => {
                // Go on from the oldest message read so far (`before` is exclusive).
                report.restarts += 1;
                restart = Some(
                    report
                        .history
                        .last()
                        .map(|m| m.date_created.clone().unwrap()),
                );
                false
            }
            Err(e) => panic!("{name} history: {e}"),
        });
        match restart {
            Some(Some(oldest)) => first = first.before(oldest),
            Some(None) => {}
            None => break,
        }
    }
}

fn run_blocking<C: BlockingClient>(
    name: &str,
    client: fn(&Server, usize) -> C,
    per_client: usize,
) -> String {
    let server = Server::start_default().unwrap();
    let emu = server.emulator().clone();
    let room = room(&emu);
    let started = Instant::now();
    let chaos = Chaos::start(emu.clone(), 0x5EED_0001);
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (server, room) = (&server, &room);
                s.spawn(move || {
                    let client = client(server, c);
                    let mut report = Report::default();
                    for n in 0..per_client {
                        let op = PostChatsRoomMessages::new(room, SendMessageBody::new(body(c, n)));
                        let id = loop {
                            match client.post(&op) {
                                Ok(sent) => break sent.id.unwrap(),
                                Err(e) if refused_unapplied(&e) => report.resends += 1,
                                Err(e) => panic!("{name} client {c} message {n}: {e}"),
                            }
                        };
                        report.ids.push(id);
                    }
                    report
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut reports = reports;
    // Then every client reads the whole history, all at once.
    std::thread::scope(|s| {
        for (c, report) in reports.iter_mut().enumerate() {
            let (server, room) = (&server, &room);
            s.spawn(move || read_history(name, &client(server, c), room, report));
        }
    });
    let fired = chaos.stop(&emu);
    verify(name, &emu, &reports, per_client, &fired, started.elapsed())
}

// ---------------------------------------------------------------------------------------
// reqwest: a task per client.
// ---------------------------------------------------------------------------------------

fn reqwest_client(server: &Server, c: usize) -> genesys_chat_reqwest::Client {
    genesys_chat_reqwest::Client::builder(config(server, &token(server.emulator(), c)))
        .retry(policy())
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn reqwest_read_history(client: genesys_chat_reqwest::Client, room: String) -> Report {
    use futures_util::StreamExt;
    let mut report = Report::default();
    let mut first = GetChatsRoomMessages::new(&room).limit(PAGE);
    'pages: loop {
        let mut stream = client.history(first.clone());
        while let Some(item) = stream.next().await {
            match item {
                Ok(message) => report.history.push(message),
                Err(e) if refused_unapplied(&e) => {
                    report.restarts += 1;
                    if let Some(oldest) = report.history.last() {
                        first = first.before(oldest.date_created.clone().unwrap());
                    }
                    continue 'pages;
                }
                Err(e) => panic!("reqwest history: {e}"),
            }
        }
        break;
    }
    report
}

fn run_reqwest(per_client: usize) -> String {
    let server = Server::start_default().unwrap();
    let emu = server.emulator().clone();
    let room = room(&emu);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let chaos = Chaos::start(emu.clone(), 0x5EED_0002);
    let reports = runtime.block_on(async {
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let client = reqwest_client(&server, c);
                let room = room.clone();
                tokio::spawn(async move {
                    let mut report = Report::default();
                    for n in 0..per_client {
                        let op =
                            PostChatsRoomMessages::new(&room, SendMessageBody::new(body(c, n)));
                        let id = loop {
                            match client.call(&op).await {
                                Ok(sent) => break sent.id.unwrap(),
                                Err(e) if refused_unapplied(&e) => report.resends += 1,
                                Err(e) => panic!("reqwest client {c} message {n}: {e}"),
                            }
                        };
                        report.ids.push(id);
                    }
                    report
                })
            })
            .collect();
        let mut reports = Vec::new();
        for t in tasks {
            reports.push(t.await.unwrap());
        }
        let readers: Vec<_> = (0..CLIENTS)
            .map(|c| {
                tokio::spawn(reqwest_read_history(
                    reqwest_client(&server, c),
                    room.clone(),
                ))
            })
            .collect();
        for (report, reader) in reports.iter_mut().zip(readers) {
            let read = reader.await.unwrap();
            report.history = read.history;
            report.restarts = read.restarts;
        }
        reports
    });
    let fired = chaos.stop(&emu);
    verify(
        "reqwest",
        &emu,
        &reports,
        per_client,
        &fired,
        started.elapsed(),
    )
}

#[test]
fn ureq_16_clients_x_1000() {
    println!("{}", run_blocking("ureq", ureq_client, 1000));
}

/// A connection per request (`Connection: close`), so fewer messages than the clients
/// with a pool: 3,200 connections in a few seconds.
#[test]
fn tcp_stream_stack_through_the_driver_16_clients_x_200() {
    println!("{}", run_blocking("TcpStream + driver", driven_client, 200));
}

#[test]
fn reqwest_16_clients_x_1000() {
    println!("{}", run_reqwest(1000));
}
