//! Every operation's response parser on raw input: the first byte picks the operation,
//! the next ones the status, size cap, headers and history query; the rest is the body.
#![no_main]

#[path = "../../tests/fuzz_support/mod.rs"]
mod fuzz_support;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_support::parse::raw(data);
});
