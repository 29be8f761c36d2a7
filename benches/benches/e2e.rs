//! End to end over loopback against the emulator's server, in the same process: a fixed
//! workload (post a message to a room, then read a 25-message history of it), with
//!
//! - the ureq client against raw ureq (sequential), and
//! - the reqwest client against raw reqwest, at 1, 16 and 64 concurrent tasks.
//!
//! The raw baselines send the identical requests, built once with the core, through a
//! plain `ureq::Agent` / `reqwest::Client` configured like the client's, read the whole
//! body and check the status; the clients also parse the JSON answers and run their
//! retry loop (see `genesys_chat_benches::loopback`). Each group starts from a reset
//! emulator with a room of 25 messages.
//!
//! The clients run with their defaults, pacing on; each group also runs the same client
//! with pacing off (`client_unpaced`). The emulator sets no rate limit here, so the
//! pacer has nothing to pace: the paced / unpaced ratio is what pacing costs with
//! headroom (target ≥ 0.95).
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-bench cargo bench -p genesys-chat-benches --bench e2e
//! ```
//!
//! Criterion's throughput is in calls per second (one iteration is two calls). After
//! criterion, each client and its baseline also run in alternating slices
//! (`E2E_ROUNDS` rounds of `E2E_SLICE_MS` each, default 15 × 300 ms; 0 rounds skips
//! them), and the table at the end judges the target on the median per-round ratio,
//! which load from other processes on a shared machine distorts far less.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use genesys_chat_benches::BoxError;
use genesys_chat_benches::loopback::{
    self as lb, AsyncWorkload, CALLS, HISTORY, Interleaved, Target, Workload,
};
use genesys_chat_benches::report::{self, Table};

/// The concurrency levels of the reqwest benchmarks.
const TASKS: [usize; 3] = [1, 16, 64];
/// The target: each client at least this fraction of its raw baseline's calls per second.
const MIN_RATIO: f64 = 0.9;
/// The target: the client with pacing on (no limit in the emulator) at least this
/// fraction of the calls per second of the same client with pacing off.
const MIN_PACING_RATIO: f64 = 0.95;
/// The stacks of each group, in the order of the interleaved rates and ratios.
const STACKS: usize = 4;
/// The index of the unpaced client among them.
const UNPACED: usize = 3;

fn check_history(len: usize) {
    if len != HISTORY as usize {
        lb::fail("history", format!("{len} messages instead of {HISTORY}"));
    }
}

/// One workload with the ureq client, pacing off.
fn ureq_unpaced(target: &Target, work: &Workload) -> Result<impl Fn() + use<>, BoxError> {
    let client = genesys_chat_ureq::Client::builder(target.cfg.clone())
        .no_pacing()
        .build()?;
    let work = work.clone();
    Ok(move || {
        client
            .call(&work.post)
            .unwrap_or_else(|e| lb::fail("post", e));
        let page = client
            .call(&work.history)
            .unwrap_or_else(|e| lb::fail("history", e));
        check_history(page.messages().len());
    })
}

/// One workload with the reqwest client, pacing off. Build it inside `runtime`.
fn reqwest_unpaced(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    work: &Workload,
) -> Result<impl AsyncWorkload + use<>, BoxError> {
    let client = {
        let _entered = runtime.enter();
        genesys_chat_reqwest::Client::builder(target.cfg.clone())
            .no_pacing()
            .build()?
    };
    let work = Arc::new(work.clone());
    Ok(move || {
        let (client, work) = (client.clone(), Arc::clone(&work));
        async move {
            client
                .call(&work.post)
                .await
                .unwrap_or_else(|e| lb::fail("post", e));
            let page = client
                .call(&work.history)
                .await
                .unwrap_or_else(|e| lb::fail("history", e));
            check_history(page.messages().len());
        }
    })
}

/// How the interleaved rounds run.
#[derive(Debug, Clone, Copy)]
struct Rounds {
    rounds: usize,
    slice: Duration,
}

fn ureq_group(
    group: &mut BenchmarkGroup<'_, WallTime>,
    target: &Target,
    rounds: Rounds,
) -> Result<Option<Interleaved>, BoxError> {
    let work = target.fresh_room()?;
    let client = lb::ureq_client(target, &work)?;
    let raw = lb::ureq_raw(target, &work, false)?;
    let raw_parse = lb::ureq_raw(target, &work, true)?;
    let unpaced = ureq_unpaced(target, &work)?;
    group.bench_function("client", |b| b.iter(&client));
    group.bench_function("raw", |b| b.iter(&raw));
    group.bench_function("raw_parse", |b| b.iter(&raw_parse));
    group.bench_function("client_unpaced", |b| b.iter(&unpaced));
    let stacks: [&dyn Fn(); STACKS] = [&client, &raw, &raw_parse, &unpaced];
    Ok(lb::interleave(
        rounds.rounds,
        rounds.slice,
        STACKS,
        |stack, slice| lb::rate_for(slice, stacks[stack]),
    ))
}

fn reqwest_group(
    group: &mut BenchmarkGroup<'_, WallTime>,
    target: &Target,
    runtime: &tokio::runtime::Runtime,
    tasks: usize,
    rounds: Rounds,
) -> Result<Option<Interleaved>, BoxError> {
    let work = target.fresh_room()?;
    let client = lb::reqwest_client(runtime, target, &work)?;
    let raw = lb::reqwest_raw(runtime, target, &work, false)?;
    let raw_parse = lb::reqwest_raw(runtime, target, &work, true)?;
    let unpaced = reqwest_unpaced(runtime, target, &work)?;
    group.bench_function("client", |b| {
        b.iter_custom(|iterations| lb::spread(runtime, tasks, iterations, client.clone()));
    });
    group.bench_function("raw", |b| {
        b.iter_custom(|iterations| lb::spread(runtime, tasks, iterations, raw.clone()));
    });
    group.bench_function("raw_parse", |b| {
        b.iter_custom(|iterations| lb::spread(runtime, tasks, iterations, raw_parse.clone()));
    });
    group.bench_function("client_unpaced", |b| {
        b.iter_custom(|iterations| lb::spread(runtime, tasks, iterations, unpaced.clone()));
    });
    Ok(lb::interleave(
        rounds.rounds,
        rounds.slice,
        STACKS,
        |stack, slice| match stack {
            0 => lb::spread_for(runtime, tasks, slice, client.clone()),
            1 => lb::spread_for(runtime, tasks, slice, raw.clone()),
            2 => lb::spread_for(runtime, tasks, slice, raw_parse.clone()),
            _ => lb::spread_for(runtime, tasks, slice, unpaced.clone()),
        },
    ))
}

fn summary(
    since: SystemTime,
    results: &[(String, String, Option<Interleaved>)],
    rounds: Rounds,
) -> Table {
    let home = report::criterion_home();
    let mut table = Table::new([
        "workload".to_owned(),
        "client calls/s".to_owned(),
        "raw calls/s".to_owned(),
        "raw+serde_json calls/s".to_owned(),
        "client unpaced calls/s".to_owned(),
        "client / raw".to_owned(),
        format!(
            "interleaved ({} × {} ms each): client / raw / raw+serde_json / client unpaced calls/s",
            rounds.rounds,
            rounds.slice.as_millis()
        ),
        "interleaved client / raw+serde_json".to_owned(),
        "interleaved client / raw".to_owned(),
        "target (client / raw, interleaved)".to_owned(),
        "interleaved paced / unpaced".to_owned(),
        "target (paced / unpaced)".to_owned(),
    ]);
    let per_second = |ns: f64| CALLS as f64 * 1e9 / ns;
    for (group, label, interleaved) in results {
        let measured = |stack: &str| report::typical_ns(&home, group, stack, since);
        let rate = |stack: &str| {
            measured(stack).map_or("-".to_owned(), |ns| format!("{:.0}", per_second(ns)))
        };
        let mut row = vec![
            label.clone(),
            rate("client"),
            rate("raw"),
            rate("raw_parse"),
            rate("client_unpaced"),
        ];
        row.push(match (measured("client"), measured("raw")) {
            (Some(client), Some(raw)) => format!("{:.3}", raw / client),
            _ => "-".to_owned(),
        });
        match interleaved {
            Some(i) => {
                let ratio = i.ratios.get(1).copied().unwrap_or(f64::NAN);
                let met = if ratio >= MIN_RATIO { "met" } else { "MISSED" };
                let rates: Vec<String> = i.rates.iter().map(|r| format!("{r:.0}")).collect();
                let pacing = i.ratios.get(UNPACED).copied().unwrap_or(f64::NAN);
                let pacing_met = if pacing >= MIN_PACING_RATIO {
                    "met"
                } else {
                    "MISSED"
                };
                row.extend([
                    rates.join(" / "),
                    format!("{:.3}", i.ratios.get(2).copied().unwrap_or(f64::NAN)),
                    format!("{ratio:.3}"),
                    format!("≥ {MIN_RATIO:.2} {met}"),
                    format!("{pacing:.3}"),
                    format!("≥ {MIN_PACING_RATIO:.2} {pacing_met}"),
                ]);
            }
            None => row.extend(["-", "-", "-", "≥ 0.90", "-", "≥ 0.95"].map(str::to_owned)),
        }
        table.row(row);
    }
    table
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let listing = args.iter().any(|a| a == "--list");
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`, `--list`) each
    // benchmark runs once and no interleaved rounds run.
    let benching = args.iter().any(|a| a == "--bench") && !listing;
    let rounds = Rounds {
        rounds: if benching {
            env_number("E2E_ROUNDS", 15) as usize
        } else {
            0
        },
        slice: Duration::from_millis(env_number("E2E_SLICE_MS", 300)),
    };

    let target = Target::start().unwrap_or_else(|e| lb::fail("cannot start the emulator", e));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| lb::fail("cannot start tokio", e));
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .output_directory(&report::criterion_home())
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();

    let mut results = Vec::new();
    let name = "e2e/ureq".to_owned();
    let mut group = c.benchmark_group(&name);
    group.throughput(Throughput::Elements(CALLS));
    let result = ureq_group(&mut group, &target, rounds).unwrap_or_else(|e| lb::fail(&name, e));
    group.finish();
    results.push((name, "ureq, sequential".to_owned(), result));
    for tasks in TASKS {
        let name = format!("e2e/reqwest_{tasks}");
        let mut group = c.benchmark_group(&name);
        group.throughput(Throughput::Elements(CALLS));
        let result = reqwest_group(&mut group, &target, &runtime, tasks, rounds)
            .unwrap_or_else(|e| lb::fail(&name, e));
        group.finish();
        results.push((name, format!("reqwest, {tasks} task(s)"), result));
    }
    c.final_summary();
    if !benching {
        return;
    }
    println!(
        "\nclients against raw stacks over loopback, in calls per second (2 calls per workload); \
         the target is judged on the interleaved ratio\n"
    );
    print!("{}", summary(since, &results, rounds));
}
