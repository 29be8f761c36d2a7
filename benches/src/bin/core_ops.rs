//! Runs one routine of the core benchmark a given number of times, for instruction
//! counts under callgrind (`benches/callgrind.sh`), which are repeatable where timings
//! on a shared machine are not.
//!
//! ```text
//! core_ops --list
//! core_ops CASE core|baseline ITERATIONS
//! ```
//!
//! With 0 iterations only the set-up runs, so the instructions of one operation are
//! (count(N) - count(0)) / N.

use std::process::ExitCode;

use genesys_chat_benches::cases;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = match cases::all() {
        Ok(cases) => cases,
        Err(e) => {
            eprintln!("core_ops: cannot set the cases up: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.first().map(String::as_str) == Some("--list") {
        for case in &cases {
            println!("{}", case.group);
        }
        return ExitCode::SUCCESS;
    }
    let [group, side, iterations] = args.as_slice() else {
        eprintln!("usage: core_ops --list | core_ops CASE core|baseline ITERATIONS");
        return ExitCode::from(2);
    };
    let Some(case) = cases.iter().find(|c| c.group == group.as_str()) else {
        eprintln!("core_ops: no case {group}; see --list");
        return ExitCode::from(2);
    };
    let routine = match side.as_str() {
        "core" => &case.core,
        "baseline" => &case.baseline,
        _ => {
            eprintln!("core_ops: say core or baseline, not {side}");
            return ExitCode::from(2);
        }
    };
    let Ok(iterations) = iterations.parse::<u64>() else {
        eprintln!("core_ops: {iterations} is not a number of iterations");
        return ExitCode::from(2);
    };
    for _ in 0..iterations {
        routine();
    }
    ExitCode::SUCCESS
}
