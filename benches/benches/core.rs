//! The core against hand-written baselines: building four representative requests, and
//! parsing history pages of 1, 25 and 100 messages and an error body.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-bench cargo bench -p genesys-chat-benches --bench core
//! ```
//!
//! Before measuring, each core request is checked to be identical to its baseline's
//! (method, URI, headers, body bytes). Criterion measures the time per operation; then a
//! fixed number of iterations of each routine runs under the counting allocator, and a
//! table gives both, with the ratio to the baseline and the target.

use std::time::{Duration, SystemTime};

use criterion::Criterion;
use genesys_chat_benches::alloc::{self, CountingAlloc};
use genesys_chat_benches::cases::{self, Case};
use genesys_chat_benches::report::{self, Table};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Iterations per routine when counting allocations.
const ALLOC_ITERATIONS: u64 = 10_000;

fn measure(c: &mut Criterion, cases: &[Case]) {
    for case in cases {
        let mut group = c.benchmark_group(case.group);
        group.bench_function("core", |b| b.iter(&case.core));
        group.bench_function("baseline", |b| b.iter(&case.baseline));
        group.finish();
    }
}

fn summary(cases: &[Case], since: SystemTime, rounds: usize) -> Table {
    let home = report::criterion_home();
    let mut table = Table::new([
        "case".to_owned(),
        "core".to_owned(),
        "baseline".to_owned(),
        "ratio".to_owned(),
        format!("interleaved core / baseline ({rounds} rounds)"),
        "interleaved ratio".to_owned(),
        "target".to_owned(),
        "allocs core / baseline".to_owned(),
        "bytes core / baseline".to_owned(),
    ]);
    for case in cases {
        let core = report::typical_ns(&home, case.group, "core", since);
        let baseline = report::typical_ns(&home, case.group, "baseline", since);
        let mut row = vec![case.group.to_owned()];
        match (core, baseline) {
            (Some(core), Some(base)) => row.extend([
                report::format_ns(core),
                report::format_ns(base),
                format!("{:.3}", core / base),
            ]),
            _ => row.extend(["-", "-", "-"].map(str::to_owned)),
        }
        if rounds > 0 {
            let i = cases::interleave(case, rounds, Duration::from_micros(200));
            let met = if i.ratio <= case.max_ratio {
                "met"
            } else {
                "MISSED"
            };
            row.extend([
                format!(
                    "{} / {}",
                    report::format_ns(i.core_ns),
                    report::format_ns(i.baseline_ns)
                ),
                format!("{:.3}", i.ratio),
                format!("≤ {:.2} {met}", case.max_ratio),
            ]);
        } else {
            row.extend([
                "-".to_owned(),
                "-".to_owned(),
                format!("≤ {:.2}", case.max_ratio),
            ]);
        }
        let a_core = alloc::per_iteration(ALLOC_ITERATIONS, &case.core);
        let a_base = alloc::per_iteration(ALLOC_ITERATIONS, &case.baseline);
        row.extend([
            format!("{:.1} / {:.1}", a_core.calls, a_base.calls),
            format!("{:.0} / {:.0}", a_core.bytes, a_base.bytes),
        ]);
        table.row(row);
    }
    table
}

fn main() {
    let cases = match cases::all() {
        Ok(cases) => cases,
        Err(e) => panic!("cannot set the benchmark cases up: {e}"),
    };
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .output_directory(&report::criterion_home())
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    measure(&mut c, &cases);
    c.final_summary();
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // `cargo bench` passes `--bench`; under `cargo test --benches` no interleaved rounds.
    let rounds = if args.iter().any(|a| a == "--bench") {
        std::env::var("CORE_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(501)
    } else {
        0
    };
    println!(
        "\ncore against hand-written baselines: time per operation (criterion, then {rounds} \
         interleaved rounds of ~200 µs batches; the target is judged on the interleaved ratio) \
         and allocations per operation ({ALLOC_ITERATIONS} iterations)\n"
    );
    print!("{}", summary(&cases, since, rounds));
}
