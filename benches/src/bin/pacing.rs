//! Pacing under a rate limit, against the emulator's loopback server in this process.
//!
//! 1. A bulk post: `WORKERS` workers (threads with the ureq client, tasks with the reqwest
//!    client, all sharing one client and so one token) post `POSTS` messages each to a
//!    room, with the emulator limiting the token to `ALLOWED` requests per `WINDOW_MS`.
//!    Pacing on (the default) and off (`no_pacing`), default retry policy both times.
//!    Reported: wall time, achieved rate ÷ allowed rate, the 429s the emulator answered
//!    (its counters), retries (requests the emulator received beyond one per call), failed
//!    calls, p50 and p99 latency per call (pacer waits and retries included), and whether
//!    every message that was acknowledged is stored exactly once (the room's history is
//!    read back with the limit off, and compared with the emulator's message count).
//! 2. A history export: `EXPORT` messages put in a room with the limit off, then read
//!    back through `history()` under the limit. Reported: requests made and wall time.
//!
//! 3. For profilers (`e2e-ops`): a fixed number of the end-to-end workload of
//!    `benches/e2e.rs` (post, then read 25 messages; no rate limit) with one client,
//!    pacing on or off, so that callgrind's instruction counts give what the pacer costs
//!    with headroom: (instructions(N) − instructions(0)) ÷ N for each.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-bench cargo run --release -p genesys-chat-benches --bin pacing -- [blocking|async|all] [on|off|both]
//! pacing e2e-ops ureq-paced|ureq-unpaced|reqwest-paced|reqwest-unpaced ITERATIONS
//! ```
//!
//! Defaults: `WORKERS=16 POSTS=125 ALLOWED=100 WINDOW_MS=2000 EXPORT=10000`; each bulk
//! post of 2,000 calls lasts at least 40 s by design (2,000 ÷ 50 per second).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::PostChatsRoomMessages;
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, Error};
use genesys_chat_benches::BoxError;
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, RateLimit};

const USAGE: &str = "usage: pacing [blocking|async|all] [on|off|both]\n       pacing e2e-ops ureq-paced|ureq-unpaced|reqwest-paced|reqwest-unpaced ITERATIONS";

/// What a run is set to.
#[derive(Debug, Clone, Copy)]
struct Settings {
    workers: usize,
    posts: usize,
    limit: RateLimit,
    export: usize,
}

impl Settings {
    fn from_env() -> Self {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            workers: number("WORKERS", 16) as usize,
            posts: number("POSTS", 125) as usize,
            limit: RateLimit {
                allowed: number("ALLOWED", 100) as u32,
                window: Duration::from_millis(number("WINDOW_MS", 2000)),
            },
            export: number("EXPORT", 10_000) as usize,
        }
    }

    fn calls(&self) -> usize {
        self.workers * self.posts
    }

    /// The allowance in calls per second.
    fn allowed_rate(&self) -> f64 {
        f64::from(self.limit.allowed) / self.limit.window.as_secs_f64()
    }
}

/// Which client.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stack {
    Blocking,
    Async,
}

impl Stack {
    fn name(self) -> &'static str {
        match self {
            Stack::Blocking => "blocking (ureq, threads)",
            Stack::Async => "async (reqwest, tasks)",
        }
    }
}

/// One call's outcome: its latency, and the message id or the error.
type Outcome = (Duration, Result<String, Error>);

/// The figures of one bulk post.
#[derive(Debug)]
struct BulkRun {
    stack: Stack,
    pacing: bool,
    wall: Duration,
    acknowledged: usize,
    failed: usize,
    first_error: Option<String>,
    answered_429: u64,
    requests: u64,
    p50: Duration,
    p99: Duration,
    stored_once: Result<(), String>,
}

/// The figures of one history export.
#[derive(Debug)]
struct ExportRun {
    stack: Stack,
    messages: usize,
    requests: u64,
    answered_429: u64,
    wall: Duration,
}

fn config(server: &Server) -> Result<Config, BoxError> {
    Ok(Config::with_base_url(&server.base_url())?.with_token(Emulator::DEFAULT_TOKEN)?)
}

/// A fresh emulator (limit off) with an empty room; returns the room.
fn fresh_room(server: &Server) -> Result<String, BoxError> {
    server.emulator().set_rate_limit(None);
    server.emulator().reset();
    let client = genesys_chat_ureq::Client::new(config(server)?)?;
    Ok(client
        .call(&PostChatsRooms::new(CreateRoomRequest::new("Pacing")))?
        .jid
        .ok_or("the new room has no jid")?)
}

fn body(worker: usize, post: usize) -> String {
    format!("worker {worker} post {post}")
}

fn post_blocking(
    client: &genesys_chat_ureq::Client,
    jid: &str,
    settings: Settings,
) -> Vec<Outcome> {
    let barrier = Barrier::new(settings.workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..settings.workers)
            .map(|w| {
                let (client, barrier) = (client.clone(), &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    (0..settings.posts)
                        .map(|i| {
                            let op =
                                PostChatsRoomMessages::new(jid, SendMessageBody::new(body(w, i)));
                            let started = Instant::now();
                            let sent = client.call(&op).map(|m| m.id.unwrap_or_default());
                            (started.elapsed(), sent)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn post_async(
    runtime: &tokio::runtime::Runtime,
    client: &genesys_chat_reqwest::Client,
    jid: &str,
    settings: Settings,
) -> Vec<Outcome> {
    runtime.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(settings.workers));
        let tasks: Vec<_> = (0..settings.workers)
            .map(|w| {
                let (client, barrier, jid) = (client.clone(), Arc::clone(&barrier), jid.to_owned());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let mut outcomes = Vec::with_capacity(settings.posts);
                    for i in 0..settings.posts {
                        let op = PostChatsRoomMessages::new(&jid, SendMessageBody::new(body(w, i)));
                        let started = Instant::now();
                        let sent = client.call(&op).await.map(|m| m.id.unwrap_or_default());
                        outcomes.push((started.elapsed(), sent));
                    }
                    outcomes
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.extend(task.await.unwrap_or_default());
        }
        outcomes
    })
}

/// Nearest rank.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Reads the room back (limit off) and checks that every acknowledged message is there
/// exactly once, and nothing else.
fn check_store(
    server: &Server,
    jid: &str,
    outcomes: &[Outcome],
    settings: Settings,
) -> Result<(), String> {
    let client = genesys_chat_ureq::Client::new(config(server).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let mut seen: BTreeMap<String, (usize, Option<String>)> = BTreeMap::new();
    for message in client.history(GetChatsRoomMessages::new(jid)) {
        let message = message.map_err(|e| e.to_string())?;
        let entry = seen
            .entry(message.id.clone().unwrap_or_default())
            .or_insert((0, message.body.clone()));
        entry.0 += 1;
    }
    let acknowledged: Vec<&String> = outcomes
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    if let Some((id, (n, _))) = seen.iter().find(|(_, (n, _))| *n != 1) {
        return Err(format!("message {id} is stored {n} times"));
    }
    if seen.len() != acknowledged.len() || server.emulator().message_count() != acknowledged.len() {
        return Err(format!(
            "{} acknowledged, {} in the history, {} in the emulator's store",
            acknowledged.len(),
            seen.len(),
            server.emulator().message_count()
        ));
    }
    if let Some(id) = acknowledged
        .iter()
        .find(|id| !seen.contains_key(id.as_str()))
    {
        return Err(format!("acknowledged message {id} is not stored"));
    }
    let bodies: std::collections::BTreeSet<String> =
        seen.values().filter_map(|(_, b)| b.clone()).collect();
    let expected = (0..settings.workers)
        .flat_map(|w| (0..settings.posts).map(move |i| body(w, i)))
        .filter(|b| bodies.contains(b))
        .count();
    if expected != seen.len() {
        return Err(format!(
            "{} stored bodies are not ones that were posted",
            seen.len() - expected
        ));
    }
    Ok(())
}

fn bulk(
    server: &Server,
    runtime: &tokio::runtime::Runtime,
    stack: Stack,
    pacing: bool,
    settings: Settings,
) -> Result<BulkRun, BoxError> {
    let jid = fresh_room(server)?;
    let cfg = config(server)?;
    let before = server.emulator().counters();
    server.emulator().set_rate_limit(Some(settings.limit));
    let started = Instant::now();
    let outcomes = match stack {
        Stack::Blocking => {
            let builder = genesys_chat_ureq::Client::builder(cfg);
            let client = if pacing { builder } else { builder.no_pacing() }.build()?;
            post_blocking(&client, &jid, settings)
        }
        Stack::Async => {
            let client = {
                let _entered = runtime.enter();
                let builder = genesys_chat_reqwest::Client::builder(cfg);
                if pacing { builder } else { builder.no_pacing() }.build()?
            };
            post_async(runtime, &client, &jid, settings)
        }
    };
    let wall = started.elapsed();
    server.emulator().set_rate_limit(None);
    let after = server.emulator().counters();
    let mut latencies: Vec<Duration> = outcomes.iter().map(|(d, _)| *d).collect();
    latencies.sort();
    let errors: Vec<&Error> = outcomes
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    let stored_once = check_store(server, &jid, &outcomes, settings);
    Ok(BulkRun {
        stack,
        pacing,
        wall,
        acknowledged: outcomes.len() - errors.len(),
        failed: errors.len(),
        first_error: errors.first().map(ToString::to_string),
        answered_429: after.rate_limited - before.rate_limited,
        requests: after.operation("postChatsRoomMessages")
            - before.operation("postChatsRoomMessages"),
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        stored_once,
    })
}

/// Puts `n` messages in a fresh room, fast (limit off, 8 threads).
fn seed(server: &Server, n: usize) -> Result<String, BoxError> {
    let jid = fresh_room(server)?;
    let client = genesys_chat_ureq::Client::builder(config(server)?)
        .no_pacing()
        .build()?;
    let failures = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let (client, jid) = (client.clone(), &jid);
                scope.spawn(move || {
                    (t..n)
                        .step_by(8)
                        .filter(|i| {
                            let op = PostChatsRoomMessages::new(
                                jid,
                                SendMessageBody::new(format!("history {i}")),
                            );
                            client.call(&op).is_err()
                        })
                        .count()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(1))
            .sum::<usize>()
    });
    if failures > 0 {
        return Err(format!("{failures} messages could not be stored").into());
    }
    Ok(jid)
}

fn export(
    server: &Server,
    runtime: &tokio::runtime::Runtime,
    stack: Stack,
    settings: Settings,
) -> Result<ExportRun, BoxError> {
    use futures_util::StreamExt;
    let jid = seed(server, settings.export)?;
    let cfg = config(server)?;
    let before = server.emulator().counters();
    server.emulator().set_rate_limit(Some(settings.limit));
    let started = Instant::now();
    let messages = match stack {
        Stack::Blocking => {
            let client = genesys_chat_ureq::Client::new(cfg)?;
            let mut n = 0;
            for message in client.history(GetChatsRoomMessages::new(&jid)) {
                message?;
                n += 1;
            }
            n
        }
        Stack::Async => runtime.block_on(async {
            let client = genesys_chat_reqwest::Client::new(cfg)?;
            let mut stream = client.history(GetChatsRoomMessages::new(&jid));
            let mut n = 0;
            while let Some(message) = stream.next().await {
                message?;
                n += 1;
            }
            Ok::<_, BoxError>(n)
        })?,
    };
    let wall = started.elapsed();
    server.emulator().set_rate_limit(None);
    let after = server.emulator().counters();
    Ok(ExportRun {
        stack,
        messages,
        requests: after.operation("getChatsRoomMessages")
            - before.operation("getChatsRoomMessages"),
        answered_429: after.rate_limited - before.rate_limited,
        wall,
    })
}

/// `iterations` end-to-end workloads (no rate limit) with one client, paced or not.
fn e2e_ops(stack: &str, iterations: &str) -> Result<(), BoxError> {
    use genesys_chat_benches::loopback::{self as lb, Target};
    let iterations: u64 = iterations.parse().map_err(|_| USAGE)?;
    let target = Target::start()?;
    let work = target.fresh_room()?;
    let check = |len: usize| {
        if len != lb::HISTORY as usize {
            lb::fail("history", len);
        }
    };
    match stack {
        "ureq-paced" | "ureq-unpaced" => {
            let builder = genesys_chat_ureq::Client::builder(target.cfg.clone());
            let client = if stack == "ureq-paced" {
                builder
            } else {
                builder.no_pacing()
            }
            .build()?;
            for _ in 0..iterations {
                client.call(&work.post)?;
                check(client.call(&work.history)?.messages().len());
            }
        }
        "reqwest-paced" | "reqwest-unpaced" => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let builder = genesys_chat_reqwest::Client::builder(target.cfg.clone());
                let client = if stack == "reqwest-paced" {
                    builder
                } else {
                    builder.no_pacing()
                }
                .build()?;
                for _ in 0..iterations {
                    client.call(&work.post).await?;
                    check(client.call(&work.history).await?.messages().len());
                }
                Ok::<_, BoxError>(())
            })?;
        }
        _ => return Err(USAGE.into()),
    }
    Ok(())
}

fn run(args: &[String]) -> Result<(), BoxError> {
    if let [mode, stack, iterations] = args {
        if mode == "e2e-ops" {
            return e2e_ops(stack, iterations);
        }
    }
    let stacks: &[Stack] = match args.first().map(String::as_str) {
        None | Some("all") => &[Stack::Blocking, Stack::Async],
        Some("blocking") => &[Stack::Blocking],
        Some("async") => &[Stack::Async],
        _ => return Err(USAGE.into()),
    };
    let modes: &[bool] = match args.get(1).map(String::as_str) {
        None | Some("both") => &[true, false],
        Some("on") => &[true],
        Some("off") => &[false],
        _ => return Err(USAGE.into()),
    };
    let settings = Settings::from_env();
    let server = Server::start_default()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "{} workers × {} posts = {} calls; limit {} requests / {} ms per token ({:.1}/s); export of {} messages",
        settings.workers,
        settings.posts,
        settings.calls(),
        settings.limit.allowed,
        settings.limit.window.as_millis(),
        settings.allowed_rate(),
        settings.export
    );
    let mut bulk_runs = Vec::new();
    for &stack in stacks {
        for &pacing in modes {
            let run = bulk(&server, &runtime, stack, pacing, settings)?;
            eprintln!("{run:?}");
            bulk_runs.push(run);
        }
    }
    let mut exports = Vec::new();
    if settings.export > 0 && modes.contains(&true) {
        for &stack in stacks {
            let run = export(&server, &runtime, stack, settings)?;
            eprintln!("{run:?}");
            exports.push(run);
        }
    }

    println!(
        "\n| client | pacing | wall s | acknowledged / calls | achieved ÷ allowed rate | acknowledged ÷ allowance of the windows begun | 429s answered | retries | failed calls | p50 ms | p99 ms | each acknowledged message stored once |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &bulk_runs {
        let achieved = r.acknowledged as f64 / r.wall.as_secs_f64();
        // The last window is cut short by the end of the run: count the windows begun.
        let windows = (r.wall.as_secs_f64() / settings.limit.window.as_secs_f64()).ceil();
        let allowance = windows * f64::from(settings.limit.allowed);
        println!(
            "| {} | {} | {:.1} | {} / {} | {:.3} | {:.3} | {} | {} | {} | {:.1} | {:.1} | {} |",
            r.stack.name(),
            if r.pacing { "on" } else { "off" },
            r.wall.as_secs_f64(),
            r.acknowledged,
            settings.calls(),
            achieved / settings.allowed_rate(),
            r.acknowledged as f64 / allowance,
            r.answered_429,
            r.requests.saturating_sub(settings.calls() as u64),
            r.failed,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            match &r.stored_once {
                Ok(()) => "yes".to_owned(),
                Err(e) => format!("NO: {e}"),
            }
        );
    }
    for r in bulk_runs.iter().filter(|r| r.first_error.is_some()) {
        println!(
            "\n{} pacing {}: first failure: {}",
            r.stack.name(),
            if r.pacing { "on" } else { "off" },
            r.first_error.as_deref().unwrap_or_default()
        );
    }
    if !exports.is_empty() {
        println!(
            "\n| client | messages | requests | target ⌊N/page⌋ + 1 (page {}) | 429s answered | wall s | achieved requests/s ÷ allowed |",
            genesys_chat::paging::HISTORY_PAGE_SIZE
        );
        println!("|---|---|---|---|---|---|---|");
        for r in &exports {
            let target = r.messages / genesys_chat::paging::HISTORY_PAGE_SIZE as usize + 1;
            println!(
                "| {} | {} | {} | {} | {} | {:.2} | {:.3} |",
                r.stack.name(),
                r.messages,
                r.requests,
                target,
                r.answered_429,
                r.wall.as_secs_f64(),
                r.requests as f64 / r.wall.as_secs_f64() / settings.allowed_rate()
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pacing: {e}");
            ExitCode::FAILURE
        }
    }
}
