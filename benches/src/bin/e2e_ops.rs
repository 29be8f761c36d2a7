//! Runs a fixed number of end-to-end workloads with one stack against an in-process
//! emulator, for profilers: under `valgrind --tool=callgrind`, the difference between a
//! client and its raw baseline, divided by the number of workloads, is the client's cost
//! in instructions per workload (the server's work is the same on both sides).
//!
//! `ureq-raw-no-global-timeout` is raw ureq without the per-request global timeout,
//! under which ureq resolves the host on a new thread for every request.
//!
//! ```text
//! e2e_ops ureq-client|ureq-raw|ureq-raw-parse|ureq-raw-no-global-timeout|reqwest-client|reqwest-raw|reqwest-raw-parse ITERATIONS [TASKS]
//! ```

use std::process::ExitCode;

use genesys_chat_benches::BoxError;
use genesys_chat_benches::loopback::{self as lb, Target};

const USAGE: &str = "usage: e2e_ops ureq-client|ureq-raw|ureq-raw-parse|ureq-raw-no-global-timeout|reqwest-client|reqwest-raw|reqwest-raw-parse ITERATIONS [TASKS]";

fn run(args: &[String]) -> Result<(), BoxError> {
    let (stack, iterations, tasks) = match args {
        [stack, iterations] => (stack, iterations, "1"),
        [stack, iterations, tasks] => (stack, iterations, tasks.as_str()),
        _ => return Err(USAGE.into()),
    };
    let iterations: u64 = iterations.parse().map_err(|_| USAGE)?;
    let tasks: usize = tasks.parse().map_err(|_| USAGE)?;
    let target = Target::start()?;
    let work = target.fresh_room()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match stack.as_str() {
        "ureq-client" => {
            let workload = lb::ureq_client(&target, &work)?;
            (0..iterations).for_each(|_| workload());
        }
        "ureq-raw" | "ureq-raw-parse" => {
            let workload = lb::ureq_raw(&target, &work, stack.ends_with("parse"))?;
            (0..iterations).for_each(|_| workload());
        }
        "ureq-raw-no-global-timeout" => {
            let agent = lb::ureq_agent(target.cfg.user_agent(), false);
            let workload = lb::ureq_raw_with(&target, &work, false, agent)?;
            (0..iterations).for_each(|_| workload());
        }
        "reqwest-client" => {
            lb::spread(
                &runtime,
                tasks,
                iterations,
                lb::reqwest_client(&runtime, &target, &work)?,
            );
        }
        "reqwest-raw" | "reqwest-raw-parse" => {
            let workload = lb::reqwest_raw(&runtime, &target, &work, stack.ends_with("parse"))?;
            lb::spread(&runtime, tasks, iterations, workload);
        }
        _ => return Err(USAGE.into()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e_ops: {e}");
            ExitCode::FAILURE
        }
    }
}
