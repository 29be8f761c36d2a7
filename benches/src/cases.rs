//! The cases of the core benchmark, each a core routine and its hand-written baseline,
//! shared by `benches/core.rs` (time and allocations) and the `core_ops` binary
//! (instruction counts under callgrind).

use std::hint::black_box;

use genesys_chat::{Config, Operation};

use crate::fixtures::{self as fx, Responses, TargetStrings};
use crate::{BoxError, baseline as b};

/// A routine to measure: one call is one operation.
pub type Routine = Box<dyn Fn()>;

/// One benchmark case: the core doing something, and the baseline doing the same.
pub struct Case {
    /// The criterion group, e.g. `build/getChatsRoom`.
    pub group: &'static str,
    /// The target: the core may take at most this many times the baseline's time.
    pub max_ratio: f64,
    /// The core's routine.
    pub core: Routine,
    /// The baseline's routine.
    pub baseline: Routine,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("group", &self.group)
            .field("max_ratio", &self.max_ratio)
            .finish_non_exhaustive()
    }
}

/// The build target: at most 1.25 times the baseline.
pub const BUILD_MAX_RATIO: f64 = 1.25;
/// The parse target: at most 1.10 times the baseline.
pub const PARSE_MAX_RATIO: f64 = 1.10;

fn build<O: Operation + 'static>(
    group: &'static str,
    cfg: &Config,
    op: O,
    baseline: impl Fn(&b::Target<'_>) -> Result<http::Request<Vec<u8>>, BoxError> + 'static,
) -> Result<Case, BoxError> {
    let strings = TargetStrings::of(cfg)?;
    let cfg = cfg.clone();
    Ok(Case {
        group,
        max_ratio: BUILD_MAX_RATIO,
        core: Box::new(move || {
            let _ = black_box(black_box(&op).to_http(black_box(&cfg)));
        }),
        baseline: Box::new(move || {
            let _ = black_box(baseline(black_box(&strings.target())));
        }),
    })
}

/// Every case: the four builds (after checking that core and baseline build identical
/// requests), then parsing history pages of 1, 25 and 100 messages and a 404 error.
pub fn all() -> Result<Vec<Case>, BoxError> {
    let cfg = fx::config()?;
    fx::check_identical(&cfg)?;

    let post = fx::post_room_message();
    let post_body = post.body.clone();
    let patch = fx::patch_room_message();
    let patch_body = patch.body.clone();
    let mut cases = vec![
        build("build/getChatsRoom", &cfg, fx::get_room(), |t| {
            b::get_room(t, fx::ROOM_JID)
        })?,
        build(
            "build/getChatsRoomMessages",
            &cfg,
            fx::get_room_messages()?,
            |t| b::get_room_messages(t, fx::ROOM_JID, fx::LIMIT, fx::BEFORE),
        )?,
        build("build/postChatsRoomMessages", &cfg, post, move |t| {
            b::post_room_message(t, fx::ROOM_JID, &post_body)
        })?,
        build("build/patchChatsRoomMessage", &cfg, patch, move |t| {
            b::patch_room_message(t, fx::ROOM_JID, fx::MESSAGE_ID, &patch_body)
        })?,
    ];

    let responses = Responses::record()?;
    let groups = ["parse/history_1", "parse/history_25", "parse/history_100"];
    for (group, (_, response)) in groups.into_iter().zip(responses.histories) {
        let op = fx::get_room_messages()?;
        let (cfg, response) = (cfg.clone(), std::rc::Rc::new(response));
        let shared = std::rc::Rc::clone(&response);
        cases.push(Case {
            group,
            max_ratio: PARSE_MAX_RATIO,
            core: Box::new(move || {
                let _ = black_box(op.parse(black_box(&cfg), black_box(&response)));
            }),
            baseline: Box::new(move || {
                let _ = black_box(b::parse_listing(black_box(&shared)));
            }),
        });
    }
    let op = fx::get_room();
    let response = std::rc::Rc::new(responses.not_found);
    let shared = std::rc::Rc::clone(&response);
    let cfg = cfg.clone();
    cases.push(Case {
        group: "parse/error_404",
        max_ratio: PARSE_MAX_RATIO,
        core: Box::new(move || {
            let _ = black_box(op.parse(black_box(&cfg), black_box(&response)));
        }),
        baseline: Box::new(move || {
            let _ = black_box(b::parse_error(black_box(&shared)));
        }),
    });
    Ok(cases)
}

/// Times of a core routine and its baseline measured in alternating batches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interleaved {
    /// Median nanoseconds per operation of the core.
    pub core_ns: f64,
    /// Median nanoseconds per operation of the baseline.
    pub baseline_ns: f64,
    /// Median of the per-round ratios core / baseline: load that comes and goes on a
    /// shared machine hits both batches of a round alike.
    pub ratio: f64,
}

/// Runs `rounds` rounds of one batch of each routine (alternating which goes first),
/// each batch lasting about `batch` (its size calibrated on the baseline).
pub fn interleave(case: &Case, rounds: usize, batch: std::time::Duration) -> Interleaved {
    use std::time::Instant;
    let time = |routine: &Routine, n: u64| {
        let started = Instant::now();
        for _ in 0..n {
            routine();
        }
        started.elapsed().as_secs_f64() * 1e9 / n as f64
    };
    // Calibrate: double until one batch of the baseline takes `batch`.
    let mut n = 1u64;
    while n < 1 << 24 && time(&case.baseline, n) * (n as f64) < batch.as_secs_f64() * 1e9 {
        n *= 2;
    }
    let (mut core, mut base, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (c, b) = if round % 2 == 0 {
            let c = time(&case.core, n);
            (c, time(&case.baseline, n))
        } else {
            let b = time(&case.baseline, n);
            (time(&case.core, n), b)
        };
        core.push(c);
        base.push(b);
        ratio.push(c / b);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    Interleaved {
        core_ns: median(core),
        baseline_ns: median(base),
        ratio: median(ratio),
    }
}
