//! What hostile or odd answers do to the core: `Retry-After` in every form, token
//! lifetimes and sizes, a failing login host, and error texts that could echo secrets or
//! forge log lines. Every expected value is written out literally.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use genesys_chat::auth::{
    Credentials, Grant, MAX_TOKEN_LIFETIME, Renewal, RequestToken, TokenCache, TokenResponse,
    TokenState,
};
use genesys_chat::config::MAX_ACCESS_TOKEN_BYTES;
use genesys_chat::error::{Printable, RETRY_AFTER_BEYOND_ANY_CAP, safe_excerpt};
use genesys_chat::operations::GetChatsSettings;
use genesys_chat::retry::{
    RetryDecision, RetryState, StopReason, http_date_unix_seconds, parse_retry_after,
};
use genesys_chat::{AccessToken, Config, Error, Operation, Region, RetryPolicy};

fn cfg() -> Config {
    Config::with_base_url("http://127.0.0.1:9")
        .unwrap()
        .with_token("t")
        .unwrap()
}

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.to_vec()).unwrap()
}

/// The error `getChatsSettings` makes of a response.
fn api_error(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Error {
    GetChatsSettings::new()
        .parse(&cfg(), &response(status, headers, body))
        .unwrap_err()
}

fn first_retry(error: &Error) -> RetryDecision {
    RetryPolicy::default().decide(
        error,
        RetryState {
            attempt: 1,
            idempotent: true,
            elapsed: Duration::ZERO,
            jitter: 0.5,
        },
    )
}

// ---------------------------------------------------------------- Retry-After

#[test]
fn retry_after_whole_seconds_and_integers_that_overflow() {
    assert_eq!(parse_retry_after("0", None), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("30", None), Some(Duration::from_secs(30)));
    assert_eq!(parse_retry_after("007", None), Some(Duration::from_secs(7)));
    assert_eq!(
        parse_retry_after("18446744073709551615", None),
        Some(Duration::from_secs(18_446_744_073_709_551_615))
    );
    for huge in ["18446744073709551616", "99999999999999999999999"] {
        assert_eq!(
            parse_retry_after(huge, None),
            Some(RETRY_AFTER_BEYOND_ANY_CAP),
            "{huge}"
        );
    }
}

#[test]
fn an_overflowing_retry_after_is_surfaced_at_once_never_ignored() {
    let e = api_error(429, &[("retry-after", "99999999999999999999999")], b"");
    let api = e.api().unwrap();
    assert_eq!(api.retry_after, Some(Duration::MAX));
    assert!(api.retry_after_beyond_any_cap());
    assert_eq!(
        first_retry(&e),
        RetryDecision::Stop(StopReason::RetryAfterTooLong)
    );
    assert_eq!(
        e.to_string(),
        "`getChatsSettings` failed with HTTP 429; body (no content type, 0 bytes): (empty); retry after: longer than any cap"
    );
    assert!(
        format!("{e:?}").contains("retry_after: Some(BeyondAnyCap)"),
        "{e:?}"
    );
    // A 30 s wait is waited out, and said so.
    let e = api_error(429, &[("retry-after", "30")], b"");
    assert_eq!(
        first_retry(&e),
        RetryDecision::Retry(Duration::from_secs(30))
    );
    assert!(e.to_string().ends_with("; retry after 30s"), "{e}");
}

#[test]
fn retry_after_values_that_are_neither_seconds_nor_dates_are_absent() {
    for bad in [
        "+3", "-1", "1.5", " 3", "3 ", "3 4", "", "soon", "3s", "0x10", "1e3", "٣",
    ] {
        assert_eq!(parse_retry_after(bad, None), None, "{bad:?}");
        assert_eq!(
            parse_retry_after(bad, Some("Sun, 06 Nov 1994 08:49:37 GMT")),
            None,
            "{bad:?}"
        );
    }
    for bad in ["+3", "-1", "1.5", " 3", "", "garbage"] {
        let e = api_error(429, &[("retry-after", bad)], b"");
        assert_eq!(e.api().unwrap().retry_after, None, "{bad:?}");
        // Absent: the policy backs off instead (250 ms x jitter 0.5).
        assert_eq!(
            first_retry(&e),
            RetryDecision::Retry(Duration::from_millis(125)),
            "{bad:?}"
        );
    }
}

#[test]
fn http_dates_in_the_three_forms_of_rfc_9110() {
    // RFC 9110, section 5.6.7: the same instant in the three forms.
    for form in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ] {
        assert_eq!(http_date_unix_seconds(form), Some(784_111_777), "{form}");
    }
    assert_eq!(
        http_date_unix_seconds("Thu, 01 Jan 1970 00:00:00 GMT"),
        Some(0)
    );
    assert_eq!(
        http_date_unix_seconds("Fri, 31 Dec 9999 23:59:59 GMT"),
        Some(253_402_300_799)
    );
    assert_eq!(
        http_date_unix_seconds("Thu Feb 29 12:00:00 2024"),
        Some(1_709_208_000)
    );
    assert_eq!(
        http_date_unix_seconds("Thu Nov 16 08:49:37 1994"),
        Some(784_975_777)
    );
    // Leap years: 2000 is one (divisible by 400), 1900 and 2100 are not.
    assert_eq!(
        http_date_unix_seconds("Tue, 29 Feb 2000 00:00:00 GMT"),
        Some(951_782_400)
    );
    assert_eq!(
        http_date_unix_seconds("Thu, 29 Feb 2024 12:00:00 GMT"),
        Some(1_709_208_000)
    );
    // A leap second is the next minute's first second.
    assert_eq!(
        http_date_unix_seconds("Sat, 31 Dec 2016 23:59:60 GMT"),
        Some(1_483_228_800)
    );
    // A wrong weekday is tolerated (6 Nov 1994 was a Sunday).
    assert_eq!(
        http_date_unix_seconds("Mon, 06 Nov 1994 08:49:37 GMT"),
        Some(784_111_777)
    );
    for bad in [
        "Thu, 29 Feb 1900 00:00:00 GMT", // not a leap year
        "Mon, 29 Feb 2100 00:00:00 GMT", // not a leap year
        "Sun, 31 Apr 1994 08:49:37 GMT", // April has 30 days
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 32 Dec 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov +994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sundae, 06-Nov-94 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov 31 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "1994-11-06T08:49:37Z",
        "",
    ] {
        assert_eq!(http_date_unix_seconds(bad), None, "{bad:?}");
    }
}

#[test]
fn a_retry_after_date_is_measured_against_the_date_header() {
    let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", date),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Sunday, 06-Nov-94 08:51:37 GMT", date),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_retry_after("Mon Nov  7 08:49:37 1994", date),
        Some(Duration::from_secs(86_400))
    );
    // Equal to the Date, or in the past: no wait.
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", date),
        Some(Duration::ZERO)
    );
    assert_eq!(
        parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", date),
        Some(Duration::ZERO)
    );
    // Without a Date, or with one that is not an HTTP-date: beyond any cap.
    for date in [None, Some(""), Some("yesterday"), Some("784111777")] {
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", date),
            Some(RETRY_AFTER_BEYOND_ANY_CAP),
            "{date:?}"
        );
    }
    // A two-digit year is the latest one not more than 50 years after the Date's year:
    // `99` next to a Date in 2098 is 2099 (twenty seconds later), not 1999.
    assert_eq!(
        parse_retry_after(
            "Thursday, 01-Jan-99 00:00:10 GMT",
            Some("Wed, 31 Dec 2098 23:59:50 GMT")
        ),
        Some(Duration::from_secs(20))
    );
    // …and `94` next to a Date in 2026 is 1994: long past.
    assert_eq!(
        parse_retry_after(
            "Sunday, 06-Nov-94 08:49:37 GMT",
            Some("Sun, 01 Mar 2026 00:00:00 GMT")
        ),
        Some(Duration::ZERO)
    );
}

#[test]
fn a_retry_after_date_through_the_parser_and_the_policy() {
    let with_date = api_error(
        503,
        &[
            ("retry-after", "Sun, 06 Nov 1994 08:50:07 GMT"),
            ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ],
        b"",
    );
    assert_eq!(
        with_date.api().unwrap().retry_after,
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        with_date.to_string(),
        "`getChatsSettings` failed with HTTP 503; body (no content type, 0 bytes): (empty); retry after 30s"
    );
    assert_eq!(
        first_retry(&with_date),
        RetryDecision::Retry(Duration::from_secs(30))
    );

    let without_date = api_error(
        503,
        &[("retry-after", "Sun, 06 Nov 1994 08:50:07 GMT")],
        b"",
    );
    assert_eq!(
        without_date.api().unwrap().retry_after,
        Some(RETRY_AFTER_BEYOND_ANY_CAP)
    );
    assert_eq!(
        without_date.to_string(),
        "`getChatsSettings` failed with HTTP 503; body (no content type, 0 bytes): (empty); retry after: longer than any cap"
    );
    assert_eq!(
        first_retry(&without_date),
        RetryDecision::Stop(StopReason::RetryAfterTooLong)
    );
}

// ---------------------------------------------------------------- token lifetimes

fn token_response(expires_in: Option<u64>) -> TokenResponse {
    TokenResponse {
        access_token: AccessToken::new("t").unwrap(),
        token_type: "bearer".into(),
        expires_in,
        refresh_token: None,
    }
}

#[test]
fn no_token_lifetime_panics_and_a_year_is_the_cap() {
    assert_eq!(MAX_TOKEN_LIFETIME, Duration::from_secs(31_536_000));
    let now = Instant::now();
    for lifetime in [
        u64::MAX,
        9_223_372_036_854_775_807, // i64::MAX
        1_000_000_000_000,
        31_536_001,
    ] {
        let mut state = TokenState::new(Grant::client_credentials("id", "s"));
        state.store(token_response(Some(lifetime)), now);
        // Capped at a year, renewed 60 s before its end.
        assert!(
            state
                .usable_token(now + Duration::from_secs(31_535_939))
                .is_some(),
            "{lifetime}"
        );
        assert!(
            state
                .usable_token(now + Duration::from_secs(31_535_940))
                .is_none(),
            "{lifetime}"
        );
    }
    // Even with a margin that overflows any arithmetic: half the (capped) lifetime.
    let mut state =
        TokenState::new(Grant::client_credentials("id", "s")).with_margin(Duration::MAX);
    state.store(token_response(Some(u64::MAX)), now);
    assert!(state.usable_token(now).is_some());
    assert!(
        state
            .usable_token(now + Duration::from_secs(15_768_000))
            .is_none()
    );
}

#[test]
fn expires_in_of_any_json_number_decodes() {
    let op = RequestToken::new(Grant::client_credentials("id", "s"));
    let parse = |expires_in: &str| {
        let body = format!(r#"{{"access_token":"tok","expires_in":{expires_in}}}"#);
        op.parse(&cfg(), &response(200, &[], body.as_bytes()))
    };
    for (json, expected) in [
        ("3600", Some(3600)),
        ("18446744073709551615", Some(u64::MAX)),
        ("9223372036854775807", Some(9_223_372_036_854_775_807)),
        ("1000000000000000000000000000000", Some(u64::MAX)),
        ("1e30", Some(u64::MAX)),
        ("3599.9", Some(3599)),
        ("-5", Some(0)),
        ("-1e30", Some(0)),
        (r#""3600""#, Some(3600)),
        ("null", None),
    ] {
        assert_eq!(parse(json).unwrap().expires_in, expected, "{json}");
    }
    for json in [r#""soon""#, "true", "{}", "[1]"] {
        let e = parse(json).unwrap_err();
        assert!(
            matches!(e, Error::Decode { status: 200, .. }),
            "{json}: {e:?}"
        );
        assert!(e.to_string().contains("expires_in"), "{json}: {e}");
    }
    // A 10^30 lifetime stored at once: no panic, a year of use.
    let now = Instant::now();
    let mut state = TokenState::new(op.grant().clone());
    state.store(parse("1e30").unwrap(), now);
    assert!(
        state
            .usable_token(now + Duration::from_secs(31_535_939))
            .is_some()
    );
}

// ---------------------------------------------------------------- a failing login host

fn unavailable() -> Error {
    Error::OAuth {
        status: 503,
        error: "temporarily_unavailable".into(),
        description: None,
    }
}

#[test]
fn callers_waiting_behind_a_failed_renewal_share_its_failure() {
    let t0 = Instant::now();
    let mut cache = TokenCache::new(
        Config::new(Region::UsEast1),
        Some(Credentials::client_credentials("id", "s")),
    );
    // Eight callers start waiting for the lock at t0 and take it in turn; the transports'
    // protocol: the current token, else the shared failure, else renew.
    let mut token_requests = 0;
    let mut results = Vec::new();
    for caller in 0..8u64 {
        let since = t0;
        let now = t0 + Duration::from_millis(caller * 10);
        let result = if let Some(cfg) = cache.current(now) {
            Ok(cfg)
        } else if let Some(e) = cache.failure_since(since) {
            Err(e)
        } else {
            let Renewal::Request(_request) = cache.renewal().unwrap() else {
                panic!("client credentials renew with a token request");
            };
            token_requests += 1;
            let e = unavailable();
            cache.record_failure(e.clone(), now + Duration::from_millis(5));
            Err(e)
        };
        results.push(result);
    }
    assert_eq!(token_requests, 1);
    assert_eq!(results.len(), 8);
    for r in &results {
        assert_eq!(r.as_ref().unwrap_err(), &unavailable());
    }

    // The failure ended at t0+5ms: shared with callers that began waiting at or before.
    assert_eq!(
        cache.failure_since(t0 + Duration::from_millis(5)),
        Some(unavailable())
    );
    assert_eq!(cache.failure_since(t0 + Duration::from_millis(6)), None);

    // A success clears it.
    let token = TokenResponse {
        access_token: AccessToken::new("fresh").unwrap(),
        token_type: "bearer".into(),
        expires_in: Some(3600),
        refresh_token: None,
    };
    cache
        .store_response(token, t0 + Duration::from_secs(1))
        .unwrap();
    assert_eq!(cache.failure_since(t0), None);
    assert!(cache.current(t0 + Duration::from_secs(2)).is_some());

    // A callback's token clears it too.
    let mut cache = TokenCache::new(
        Config::new(Region::UsEast1),
        Some(Credentials::callback(|| AccessToken::new("cb"))),
    );
    cache.record_failure(unavailable(), t0);
    assert_eq!(cache.failure_since(t0), Some(unavailable()));
    cache.store_token(AccessToken::new("cb").unwrap()).unwrap();
    assert_eq!(cache.failure_since(t0), None);
}

// ---------------------------------------------------------------- token size

#[test]
fn a_user_token_over_16_kib_is_refused_before_any_request() {
    assert_eq!(MAX_ACCESS_TOKEN_BYTES, 16_384);
    assert!(AccessToken::new("a".repeat(16_384)).is_ok());
    let over = "a".repeat(16_385);
    let expected = "invalid `accessToken`: is 16385 bytes, over the cap of 16384 bytes (MAX_ACCESS_TOKEN_BYTES); a token that long cannot travel in a header";
    assert_eq!(
        AccessToken::new(over.clone()).unwrap_err().to_string(),
        expected
    );
    assert_eq!(
        Config::new(Region::UsEast1)
            .with_token(over.clone())
            .unwrap_err()
            .to_string(),
        expected
    );
    assert_eq!(
        Credentials::token(over.clone()).unwrap_err().to_string(),
        expected
    );
    let callback = Credentials::callback(move || AccessToken::new(over.clone()));
    let cache = TokenCache::new(Config::new(Region::UsEast1), Some(callback));
    let Renewal::Callback(callback) = cache.renewal().unwrap() else {
        panic!("a callback renews by calling back");
    };
    assert_eq!(callback.fetch().unwrap_err().to_string(), expected);
}

#[test]
fn a_login_host_token_over_16_kib_is_refused_at_login_and_not_retried() {
    let op = RequestToken::new(Grant::client_credentials("id", "s"));
    let body = format!(
        r#"{{"access_token":"{}","expires_in":3600}}"#,
        "a".repeat(16_385)
    );
    let e = op
        .parse(
            &cfg(),
            &response(
                200,
                &[("content-type", "application/json")],
                body.as_bytes(),
            ),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "could not decode the 200 response of `postOauthToken`: not a token response: the login host issued an access_token that is 16385 bytes, over the cap of 16384 bytes (MAX_ACCESS_TOKEN_BYTES); a token that long cannot travel in a header; the token was refused and not used (a fault of the login host, not of the credentials) at line 1 column 16403; body (application/json, 16422 bytes): {\"access_token\":\"… [truncated]"
    );
    assert!(!format!("{e:?}").contains("aaaa"));
    assert!(!RetryPolicy::is_retryable(&e, true));
    assert!(!RetryPolicy::is_retryable(&e, false));
}

// ---------------------------------------------------------------- no echoed secrets

#[test]
fn an_html_error_page_shows_its_type_length_and_a_masked_excerpt() {
    let page = b"<html><body><h1>502 Bad Gateway</h1><pre>Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig</pre></body></html>";
    assert_eq!(page.len(), 116);
    let e = api_error(502, &[("content-type", "text/html; charset=utf-8")], page);
    let api = e.api().unwrap();
    assert_eq!(api.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(api.body_len, 116);
    assert_eq!(
        e.to_string(),
        "`getChatsSettings` failed with HTTP 502; body (text/html; charset=utf-8, 116 bytes): <html><body><h1>502 Bad Gateway</h1><pre>Authorization: [masked]</pre></body></html>"
    );
    let debug = format!("{e:?}");
    assert!(!debug.contains("eyJ"), "{debug}");
    assert!(debug.contains("body_len: 116"), "{debug}");
}

#[test]
fn every_credential_shape_is_masked_in_excerpts() {
    for (body, expected) in [
        (
            "grant_type=refresh_token&refresh_token=r-123&client_secret=s3cr3t",
            "grant_type=refresh_token&refresh_token=[masked]&client_secret=[masked]",
        ),
        (
            "GET /cb?code=abc123&state=xyz HTTP/1.1",
            "GET /cb?code=[masked]&state=xyz HTTP/1.1",
        ),
        (
            "ACCESS_TOKEN=eyJ0 Access_Token: eyJ1",
            "ACCESS_TOKEN=[masked] Access_Token: [masked]",
        ),
        (
            "authorization: Basic aWQ6czNjcmV0\r\nHost: x",
            "authorization: [masked]\\r\\nHost: x",
        ),
        (
            "Proxy-Authorization: Bearer xyz",
            "Proxy-Authorization: [masked]",
        ),
        (
            "sent BEARER abc.def, refused",
            "sent BEARER [masked], refused",
        ),
        ("basic\taWQ6czNjcmV0", "basic\\t[masked]"),
        (
            "assertion=PHNhbWw+&password=hunter2",
            "assertion=[masked]&password=[masked]",
        ),
        (
            "client_assertion=eyJ&code_verifier=v&id_token=i",
            "client_assertion=[masked]&code_verifier=[masked]&id_token=[masked]",
        ),
        ("Cookie: session=abc", "Cookie: [masked]"),
        (
            r#"{"password": 1234, "n": 1}"#,
            r#"{"password": [masked], "n": 1}"#,
        ),
        (r#"{"access_token":"tok"}"#, r#"{"access_token":"…"}"#),
        // Not credentials: kept.
        (
            "error code: 502, errorcode=5, Bearer",
            "error code: 502, errorcode=5, Bearer",
        ),
        ("<p>token expired</p>", "<p>token expired</p>"),
    ] {
        assert_eq!(safe_excerpt(body.as_bytes()), expected, "{body}");
    }
}

#[test]
fn an_undecodable_2xx_shows_its_type_length_and_a_masked_excerpt() {
    let e = GetChatsSettings::new()
        .parse(
            &cfg(),
            &response(
                200,
                &[("content-type", "text/plain")],
                b"access_token=abc123&expires_in=60",
            ),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode { content_type: Some(ct), body_len: 33, .. } if ct == "text/plain"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "could not decode the 200 response of `getChatsSettings`: expected value at line 1 column 1; body (text/plain, 33 bytes): access_token=[masked]&expires_in=60"
    );
    assert!(!format!("{e:?}").contains("abc123"));
}

// ---------------------------------------------------------------- no forged log lines

#[test]
fn control_characters_in_an_error_body_are_escaped() {
    let body = br#"{"message":"bad\r\nFAKE LOG LINE","code":"bad.request\u001b[2J"}"#;
    let e = api_error(400, &[("inin-correlation-id", "c-1")], body);
    assert_eq!(
        e.to_string(),
        "`getChatsSettings` failed with HTTP 400 (bad.request\\u{1b}[2J): bad\\r\\nFAKE LOG LINE [correlation id c-1]"
    );
    // The raw values stay available to programs.
    let api = e.api().unwrap();
    assert_eq!(api.message(), Some("bad\r\nFAKE LOG LINE"));
    assert_eq!(api.code(), Some("bad.request\u{1b}[2J"));
    let debug = format!("{e:?}");
    for raw in ['\r', '\n', '\u{1b}'] {
        assert!(!debug.contains(raw), "{debug}");
    }

    // messageWithParams when there is no message; C1, line separators and bidi controls.
    let body =
        "{\"messageWithParams\":\"a\\u0085b\\u009bc\\u2028d\\u2029e\\u202ef\\u2066g\\u200fh\"}";
    let e = api_error(400, &[], body.as_bytes());
    assert_eq!(
        e.to_string(),
        "`getChatsSettings` failed with HTTP 400: a\\u{85}b\\u{9b}c\\u{2028}d\\u{2029}e\\u{202e}f\\u{2066}g\\u{200f}h"
    );
}

#[test]
fn control_characters_from_the_login_host_are_escaped() {
    let op = RequestToken::new(Grant::client_credentials("id", "s"));
    let body =
        br#"{"error":"invalid_grant\n","error_description":"\u001b[31mred\u001b[0m\r\nFAKE"}"#;
    let e = op.parse(&cfg(), &response(400, &[], body)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the login host refused the token request with HTTP 400: invalid_grant\\n (\\u{1b}[31mred\\u{1b}[0m\\r\\nFAKE)"
    );
    let Error::OAuth {
        error, description, ..
    } = &e
    else {
        panic!("expected Error::OAuth, got {e:?}");
    };
    assert_eq!(error, "invalid_grant\n");
    assert_eq!(
        description.as_deref(),
        Some("\u{1b}[31mred\u{1b}[0m\r\nFAKE")
    );
    let debug = format!("{e:?}");
    for raw in ['\r', '\n', '\u{1b}'] {
        assert!(!debug.contains(raw), "{debug}");
    }
}

#[test]
fn control_characters_in_excerpts_and_content_types_are_escaped() {
    let e = api_error(
        502,
        &[("content-type", "text/html\tx")],
        b"<p>down\r\n2026-01-01 INFO forged\x1b[0m\xc2\x85</p>",
    );
    assert_eq!(
        e.to_string(),
        "`getChatsSettings` failed with HTTP 502; body (text/html\\tx, 41 bytes): <p>down\\r\\n2026-01-01 INFO forged\\u{1b}[0m\\u{85}</p>"
    );
    assert_eq!(Printable("a\u{7f}b\u{0}").to_string(), "a\\u{7f}b\\u{0}");
}
