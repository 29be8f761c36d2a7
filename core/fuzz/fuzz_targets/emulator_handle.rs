//! The emulator's request handler (`Emulator::handle`) on sequences of arbitrary
//! requests: any method, path, query, headers and body, ids learnt from earlier answers,
//! a moving clock, fault rules and a rate limit. No panic, and every answer is well-formed.
#![no_main]

#[path = "../../../tests/tests/fuzz_support/mod.rs"]
mod fuzz_support;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = fuzz_support::handler::run(data);
});
