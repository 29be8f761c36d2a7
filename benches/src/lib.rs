//! # genesys-chat-benches
//!
//! Benchmarks of genesys-chat, each against a baseline measured in the same run:
//!
//! - `benches/core.rs`: building four representative requests with the core against
//!   hand-written [`baseline`]s that produce the byte-identical request, and parsing
//!   history pages and an error body against plain `serde_json::from_slice`; time per
//!   operation (criterion) and allocations per operation ([`alloc`]).
//! - `benches/e2e.rs`: a fixed workload over loopback against the emulator, with the
//!   ureq client against raw ureq and the reqwest client against raw reqwest (1, 16 and
//!   64 concurrent tasks).
//! - `peers/run.sh` with `src/bin/peer_ureq.rs`: the same workload with the official
//!   JavaScript and Python SDKs and with the ureq client, against the emulator process.
//! - `callgrind.sh` with `src/bin/core_ops.rs` and `src/bin/e2e_ops.rs`: instructions per
//!   operation under callgrind, repeatable where timings on a shared machine are not.
//!
//! See `benches/README.md` for the commands and the latest figures.

pub mod alloc;
pub mod baseline;
pub mod cases;
pub mod fixtures;
pub mod loopback;
pub mod peer;
pub mod report;

/// The error type of the benchmark helpers: anything, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
