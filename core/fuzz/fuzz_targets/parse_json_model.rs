//! Every operation's response parser on JSON shaped like the models, reaching deep into
//! the decoders: wrong types, nulls, missing and duplicate fields, deep nesting, odd
//! numbers and dates, documents cut short; and no body value leaks into an error.
#![no_main]

#[path = "../../tests/fuzz_support/mod.rs"]
mod fuzz_support;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_support::parse::model(data);
});
