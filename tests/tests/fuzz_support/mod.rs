//! What the emulator-handler fuzz target checks, shared with the properties that run in
//! CI and the replays of crash inputs. See `core/fuzz/README.md`.

pub mod handler;
#[path = "../../../core/tests/fuzz_support/input.rs"]
pub mod input;
#[path = "../../../core/tests/fuzz_support/parse.rs"]
pub mod parse;
