#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The pacer against a simulated server with a fixed window of N requests per W (the
//! emulator's rules), in simulated time: deterministic, no sleeping, no clock but a base
//! `Instant`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use genesys_chat::pacing::{BlockCause, Pace, PaceKey, Pacer, PacingPolicy, Permit};
use proptest::prelude::*;

const OP: &str = "postChatsRoomMessages";
const OTHER_OP: &str = "getChatsRoomMessages";

/// The emulator's per-token rate limit (`tests/src/faults.rs`, `RateLimiter::count`): a
/// window opens at the first request after the previous one ended; every request is
/// counted, refused ones too; `reset` is the time left rounded up to whole seconds, at
/// least 1; a request over the allowance is answered 429 with `Retry-After: reset`.
struct Server {
    allowed: u64,
    window_ms: u64,
    /// With `false`, answers carry no rate-limit headers and nothing is refused.
    limited: bool,
    windows: Vec<ServerWindow>,
}

#[derive(Debug, Clone, Copy)]
struct ServerWindow {
    start: u64,
    count: u64,
}

impl Server {
    fn new(allowed: u64, window_ms: u64) -> Self {
        Server {
            allowed,
            window_ms,
            limited: true,
            windows: Vec::new(),
        }
    }

    /// Counts a request arriving at `now` (ms): the answer, and the window it was counted in.
    fn arrive(&mut self, now: u64) -> (http::Response<Vec<u8>>, usize) {
        if !self.limited {
            let ok = http::Response::builder()
                .status(200)
                .body(Vec::new())
                .unwrap();
            return (ok, 0);
        }
        let open = self
            .windows
            .last()
            .is_some_and(|w| now < w.start + self.window_ms);
        if !open {
            self.windows.push(ServerWindow {
                start: now,
                count: 0,
            });
        }
        let index = self.windows.len() - 1;
        let window = &mut self.windows[index];
        window.count += 1;
        let remaining = window.start + self.window_ms - now;
        let reset = remaining.div_ceil(1000).max(1);
        let refused = window.count > self.allowed;
        let mut answer = http::Response::builder()
            .status(if refused { 429 } else { 200 })
            .header("inin-ratelimit-count", window.count)
            .header("inin-ratelimit-allowed", self.allowed)
            .header("inin-ratelimit-reset", reset);
        if refused {
            answer = answer.header("retry-after", reset);
        }
        (answer.body(Vec::new()).unwrap(), index)
    }
}

/// A small deterministic generator for the delays of a simulation.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if bound == 0 {
            0
        } else {
            (self.0 >> 33) % bound
        }
    }
}

#[derive(Debug, Clone)]
struct Scenario {
    allowed: u64,
    window_ms: u64,
    workers: usize,
    jobs_per_worker: usize,
    /// Time from release to arrival at the server, and from there to the answer: drawn
    /// in `0..=max` ms.
    max_up_ms: u64,
    max_down_ms: u64,
    /// Time a worker spends between an answer and its next request.
    max_think_ms: u64,
    /// When each worker starts, drawn in `0..=max`.
    max_start_ms: u64,
    seed: u64,
    policy: PacingPolicy,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    released: u64,
    window: usize,
    refused: bool,
    /// A rate-limit header had been observed when it was released.
    after_first_header: bool,
}

#[derive(Debug)]
struct Outcome {
    records: Vec<Record>,
    windows: Vec<ServerWindow>,
    waits: u64,
    end_ms: u64,
    first_release_ms: u64,
}

impl Outcome {
    fn refusals(&self) -> usize {
        self.records.iter().filter(|r| r.refused).count()
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Acquire { worker: usize },
    Arrive { worker: usize, slot: usize },
    Answer { worker: usize, slot: usize },
}

/// A released request: its permit, the server's answer once it arrived, its record.
type InFlight = (Permit, http::Response<Vec<u8>>, usize);

/// Runs the workers against the server until every job got a 2xx. A refused job is sent
/// again after its `Retry-After`, as the clients' retry policy does.
fn simulate(s: &Scenario, server: &mut Server) -> Outcome {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let key = PaceKey::from_secret("simulated-token");
    let mut pacer = Pacer::new(s.policy);
    let mut rng = Lcg(s.seed);
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>, time: u64, event: Event| {
        seq += 1;
        queue.push(Reverse((time, seq, event)));
    };
    let mut left = vec![s.jobs_per_worker; s.workers];
    for worker in 0..s.workers {
        let start = rng.below(s.max_start_ms + 1);
        push(&mut queue, start, Event::Acquire { worker });
    }
    let mut permits: Vec<Option<InFlight>> = Vec::new();
    let mut records = Vec::new();
    let mut waits = 0;
    let mut header_seen = false;
    let mut end_ms = 0;
    let mut first_release_ms = None;
    while let Some(Reverse((now, _, event))) = queue.pop() {
        assert!(now < 10_000_000, "the simulation does not end");
        match event {
            Event::Acquire { worker } => match pacer.acquire(key, OP, at(now)) {
                Pace::Go(permit) => {
                    first_release_ms.get_or_insert(now);
                    records.push(Record {
                        released: now,
                        window: usize::MAX,
                        refused: false,
                        after_first_header: header_seen,
                    });
                    permits.push(Some((
                        permit,
                        http::Response::new(Vec::new()),
                        records.len() - 1,
                    )));
                    let up = rng.below(s.max_up_ms + 1);
                    push(
                        &mut queue,
                        now + up,
                        Event::Arrive {
                            worker,
                            slot: permits.len() - 1,
                        },
                    );
                }
                Pace::Wait(wait) => {
                    assert!(wait <= s.policy.max_wait, "{wait:?}");
                    if !server.limited {
                        panic!("asked to wait {wait:?} with headroom");
                    }
                    waits += 1;
                    let wait_ms = u64::try_from(wait.as_micros().div_ceil(1000)).unwrap();
                    push(&mut queue, now + wait_ms, Event::Acquire { worker });
                }
                Pace::Blocked(blocked) => panic!("blocked: {blocked}"),
            },
            Event::Arrive { worker, slot } => {
                let (answer, window) = server.arrive(now);
                let entry = permits[slot].as_mut().unwrap();
                records[entry.2].window = window;
                records[entry.2].refused = answer.status() == 429;
                entry.1 = answer;
                let down = rng.below(s.max_down_ms + 1);
                push(&mut queue, now + down, Event::Answer { worker, slot });
            }
            Event::Answer { worker, slot } => {
                let (permit, answer, _) = permits[slot].take().unwrap();
                header_seen |= answer.headers().contains_key("inin-ratelimit-count");
                pacer.observe(permit, &answer, at(now));
                end_ms = end_ms.max(now);
                if answer.status() == 429 {
                    let retry_after: u64 = answer.headers()["retry-after"]
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    push(
                        &mut queue,
                        now + retry_after * 1000,
                        Event::Acquire { worker },
                    );
                } else {
                    left[worker] -= 1;
                    if left[worker] > 0 {
                        let think = rng.below(s.max_think_ms + 1);
                        push(&mut queue, now + think, Event::Acquire { worker });
                    }
                }
            }
        }
    }
    assert!(left.iter().all(|&l| l == 0));
    Outcome {
        records,
        windows: server.windows.clone(),
        waits,
        end_ms,
        first_release_ms: first_release_ms.unwrap_or(0),
    }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let delays = prop_oneof![
        // Loopback and internet round trips…
        (0u64..=20, 0u64..=20),
        (0u64..=300, 0u64..=300),
        // …and requests that stay in flight longer than a window.
        (0u64..=4_000, 0u64..=4_000),
    ];
    (
        1u64..=120,
        2_000u64..=6_000,
        1usize..=24,
        1usize..=30,
        delays,
        prop_oneof![Just(0u64), 0u64..=3_000],
        0u64..=5_000,
        any::<u64>(),
        0u32..=3,
    )
        .prop_map(
            |(
                allowed,
                window_ms,
                workers,
                jobs_per_worker,
                (max_up_ms, max_down_ms),
                max_think_ms,
                max_start_ms,
                seed,
                reserve,
            )| Scenario {
                allowed,
                window_ms,
                workers,
                jobs_per_worker,
                max_up_ms,
                max_down_ms,
                max_think_ms,
                max_start_ms,
                seed,
                policy: PacingPolicy {
                    reserve,
                    ..PacingPolicy::default()
                },
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Once a rate-limit header was seen, no request the pacer releases is refused, and
    /// no server window that opened after it counts more than the allowance.
    #[test]
    fn no_window_is_overrun_once_the_headers_were_seen(s in scenario()) {
        let mut server = Server::new(s.allowed, s.window_ms);
        let out = simulate(&s, &mut server);
        let first_paced = out.records.iter().find(|r| r.after_first_header).map(|r| r.released);
        for r in &out.records {
            prop_assert!(!(r.after_first_header && r.refused), "refused after the first header: {:?}", r);
        }
        if let Some(first_paced) = first_paced {
            for w in out.windows.iter().filter(|w| w.start >= first_paced) {
                prop_assert!(w.count <= s.allowed, "window {:?} over {}", w, s.allowed);
            }
        }
    }

    /// With headroom (answers without rate-limit headers) the pacer never asks to wait.
    #[test]
    fn headroom_never_waits(s in scenario()) {
        let mut server = Server::new(s.allowed, s.window_ms);
        server.limited = false;
        let out = simulate(&s, &mut server);
        prop_assert_eq!(out.waits, 0);
        prop_assert_eq!(out.records.len(), s.workers * s.jobs_per_worker);
    }

    /// A daily-limit 429 (a `Retry-After` past the longest wait) blocks every later acquire
    /// it covers until the reset, and none after; unnamed, it covers the whole token,
    /// named, the operation that met it; other tokens are not concerned.
    #[test]
    fn a_daily_limit_blocks_until_its_reset_and_not_after(
        retry_after in 61u64..200_000,
        met_at in 0u64..10_000,
        named: bool,
        probes in proptest::collection::vec((0u64..400_000_000, any::<bool>()), 1..60),
    ) {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let key = PaceKey::from_secret("daily-token");
        let other_key = PaceKey::from_secret("another-token");
        let mut pacer = Pacer::default();
        let Pace::Go(permit) = pacer.acquire(key, OP, at(0)) else { panic!() };
        let body: &[u8] = if named {
            br#"{"limit":{"namespace":"chat","key":"messages.per.day"}}"#
        } else {
            br#"{"code":"too.many.requests"}"#
        };
        let daily = http::Response::builder()
            .status(429)
            .header("retry-after", retry_after)
            .body(body.to_vec())
            .unwrap();
        pacer.observe(permit, &daily, at(met_at));
        let reset = met_at + retry_after * 1000;
        let mut probes = probes;
        probes.sort();
        for (probe, other_op) in probes {
            let now = met_at + probe;
            let op = if other_op { OTHER_OP } else { OP };
            let covered = !named || !other_op;
            match pacer.acquire(key, op, at(now)) {
                Pace::Blocked(blocked) => {
                    prop_assert!(covered && now < reset, "blocked at {} (reset {})", now, reset);
                    prop_assert_eq!(blocked.until, at(reset));
                    prop_assert_eq!(blocked.resets_in, Duration::from_millis(reset - now));
                    prop_assert_eq!(blocked.cause, BlockCause::LimitReached);
                    prop_assert_eq!(blocked.limit.is_some(), named);
                }
                Pace::Go(permit) => {
                    prop_assert!(!covered || now >= reset, "not blocked at {} (reset {})", now, reset);
                    pacer.observe(permit, &http::Response::new(Vec::new()), at(now));
                }
                Pace::Wait(wait) => prop_assert!(false, "asked to wait {:?}", wait),
            }
            prop_assert!(matches!(pacer.acquire(other_key, op, at(now)), Pace::Go(_)));
        }
    }

    /// A 429 whose reset time is not known (no usable Retry-After nor reset header)
    /// blocks nothing: only the call that met it fails.
    #[test]
    fn an_unknown_reset_blocks_nothing(
        retry_after in prop_oneof![
            Just(None),
            Just(Some("tomorrow".to_owned())),
            Just(Some("Sun, 06 Nov 1994 08:49:37 GMT".to_owned())),
            Just(Some("184467440737095516160".to_owned())),
            "[a-z ]{1,12}".prop_map(Some),
        ],
        probes in proptest::collection::vec(0u64..100_000_000, 1..40),
    ) {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let key = PaceKey::from_secret("token");
        let mut pacer = Pacer::default();
        let Pace::Go(permit) = pacer.acquire(key, OP, at(0)) else { panic!() };
        let mut answer = http::Response::builder().status(429);
        if let Some(value) = &retry_after {
            answer = answer.header("retry-after", value.as_str());
        }
        pacer.observe(permit, &answer.body(br#"{"limit":{"namespace":"chat","key":"messages.per.day"}}"#.to_vec()).unwrap(), at(1));
        let mut probes = probes;
        probes.sort();
        for probe in probes {
            let Pace::Go(permit) = pacer.acquire(key, OP, at(1 + probe)) else {
                return Err(TestCaseError::fail(format!("not Go at {probe} ms")));
            };
            pacer.observe(permit, &http::Response::new(Vec::new()), at(1 + probe));
        }
    }
}

/// Steady-state throughput: requests served in the full windows (all but the last) over
/// the time from the first window's start to the last one's, against allowed ÷ window.
fn steady_state_ratio(out: &Outcome, allowed: u64, window_ms: u64) -> f64 {
    let windows = &out.windows;
    assert!(windows.len() >= 3, "{windows:?}");
    let last = windows.len() - 1;
    let served = out
        .records
        .iter()
        .filter(|r| !r.refused && r.window < last)
        .count();
    let span_ms = windows[last].start - windows[0].start;
    (served as f64 / span_ms as f64) / (allowed as f64 / window_ms as f64)
}

/// Over the whole run: requests over the time from the first release to the last answer.
fn wall_ratio(out: &Outcome, allowed: u64, window_ms: u64) -> f64 {
    let done = out.records.iter().filter(|r| !r.refused).count() as f64;
    let span_ms = (out.end_ms - out.first_release_ms) as f64;
    (done / span_ms) / (allowed as f64 / window_ms as f64)
}

fn sixteen_workers(max_up_ms: u64, max_down_ms: u64, policy: PacingPolicy) -> Scenario {
    Scenario {
        allowed: 100,
        window_ms: 2_000,
        workers: 16,
        jobs_per_worker: 125,
        max_up_ms,
        max_down_ms,
        max_think_ms: 0,
        max_start_ms: 0,
        seed: 15,
        policy,
    }
}

/// 16 workers × 125 requests (2,000) against 100 requests per 2 s, in simulated time.
#[test]
fn sixteen_workers_get_the_allowance_with_no_429() {
    for (name, up, down) in [
        ("loopback, 0-2 ms each way", 2, 2),
        ("internet, 0-60 ms each way", 60, 60),
    ] {
        let s = sixteen_workers(up, down, PacingPolicy::default());
        let out = simulate(&s, &mut Server::new(100, 2_000));
        let steady = steady_state_ratio(&out, 100, 2_000);
        let wall = wall_ratio(&out, 100, 2_000);
        println!(
            "pacing on, {name}: {} requests, {} refused, {} windows, steady state {steady:.3} of the allowance, whole run {wall:.3} ({} ms)",
            out.records.len(),
            out.refusals(),
            out.windows.len(),
            out.end_ms - out.first_release_ms,
        );
        assert_eq!(out.refusals(), 0);
        assert_eq!(out.records.len(), 2_000);
        assert!(out.windows.iter().all(|w| w.count <= 100));
        assert!(steady >= 0.90, "{name}: {steady}");
    }
}

/// The same without pacing: the retry policy's way (429, then Retry-After).
#[test]
fn without_pacing_the_same_run_meets_429s() {
    let s = sixteen_workers(2, 2, PacingPolicy::disabled());
    let out = simulate(&s, &mut Server::new(100, 2_000));
    let steady = steady_state_ratio(&out, 100, 2_000);
    let wall = wall_ratio(&out, 100, 2_000);
    println!(
        "pacing off, loopback: {} requests sent, {} refused, {} windows, steady state {steady:.3}, whole run {wall:.3} ({} ms)",
        out.records.len(),
        out.refusals(),
        out.windows.len(),
        out.end_ms - out.first_release_ms,
    );
    assert!(out.refusals() > 0);
}
