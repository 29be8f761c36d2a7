//! What fuzzing the emulator's request handler checks (`core/fuzz`, target
//! `emulator_handle`), as properties that run in CI: for any sequence of requests (any
//! method, path, query, headers and body, ids learnt from earlier answers, a clock that
//! moves either way, fault rules, a rate limit), `Emulator::handle` never panics, always
//! answers a status with an `ININ-Correlation-Id`, answers errors with an `ErrorBody`
//! (the OAuth error shape at the login endpoints), and answers successes the core's
//! parser of the routed operation accepts. See `fuzz_support/handler.rs` for the exact
//! properties.
//!
//! Case counts follow proptest's defaults (256), overridable with `PROPTEST_CASES`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_support;

use genesys_chat_testkit::Emulator;
use proptest::collection::vec;
use proptest::prelude::*;

proptest! {
    #[test]
    fn request_sequences_get_well_formed_answers(data in vec(any::<u8>(), 0..768)) {
        fuzz_support::handler::run(&data);
    }

    /// The plainest form of the property, without the sequence decoder: one request of
    /// any method, path, headers and body.
    #[test]
    fn any_single_request_gets_a_status_a_correlation_id_and_an_error_body(
        method in prop_oneof![
            Just("GET".to_owned()), Just("POST".to_owned()), Just("PUT".to_owned()),
            Just("PATCH".to_owned()), Just("DELETE".to_owned()), "[A-Z]{1,10}",
        ],
        path in prop_oneof![
            "(/[a-zA-Z0-9%@.,~_-]{0,12}){0,7}",
            "/api/v2/chats/(rooms|users|threads|messages|settings)(/[a-z0-9%@.-]{0,8}){0,4}",
        ],
        query in proptest::option::of("[a-zA-Z0-9=&%+._-]{0,30}"),
        headers in vec(
            (
                prop_oneof![
                    Just("authorization".to_owned()), Just("content-type".to_owned()),
                    "[a-z-]{1,12}",
                ],
                vec(any::<u8>(), 0..40),
            ),
            0..4,
        ),
        auth in prop_oneof![
            Just(None),
            Just(Some(format!("Bearer {}", Emulator::DEFAULT_TOKEN))),
            "[ -~]{0,40}".prop_map(Some),
        ],
        body in vec(any::<u8>(), 0..256),
    ) {
        let emu = Emulator::new();
        let uri = match &query {
            Some(q) => format!("http://127.0.0.1{path}?{q}"),
            None => format!("http://127.0.0.1{path}"),
        };
        let mut builder = http::Request::builder().method(method.as_str()).uri(uri);
        for (name, value) in headers.iter().map(|(n, v)| (n.clone(), v.clone())).chain(
            auth.map(|a| ("authorization".to_owned(), a.into_bytes())),
        ) {
            if let Ok(v) = http::HeaderValue::from_bytes(&value) {
                builder = builder.header(name, v);
            }
        }
        let Ok(request) = builder.body(body) else {
            // Not a request any HTTP stack would deliver.
            return Ok(());
        };
        let login = request.uri().path().starts_with("/oauth/");
        let response = emu.handle(request);
        let status = response.status().as_u16();
        let correlation = response
            .headers()
            .get("inin-correlation-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        prop_assert!(correlation.as_deref().is_some_and(|c| !c.is_empty()), "{status}: no correlation id");
        prop_assert!(matches!(status, 200 | 204 | 302 | 400..=599), "status {}", status);
        if status >= 400 {
            let json: serde_json::Value = serde_json::from_slice(response.body())
                .map_err(|e| TestCaseError::fail(format!("{status}: not JSON: {e}")))?;
            if login && json.get("error").is_some() {
                prop_assert!(json["error"].is_string(), "{}", json);
            } else {
                let error: genesys_chat::models::ErrorBody = serde_json::from_value(json.clone())
                    .map_err(|e| TestCaseError::fail(format!("{status}: not an ErrorBody: {e}")))?;
                prop_assert_eq!(error.status, Some(i64::from(status)), "{}", json);
                prop_assert!(error.code.is_some_and(|c| !c.is_empty()), "{}", json);
                prop_assert!(error.message.is_some_and(|m| !m.is_empty()), "{}", json);
                prop_assert_eq!(error.context_id, correlation, "{}", json);
            }
        }
    }
}
