//! Inputs of the response-parser fuzz targets (`core/fuzz`: `parse_response`,
//! `parse_json_model`), replayed through the same checks as the targets
//! (`fuzz_support::parse::{raw, model}`): every crash the fuzzers find is kept here as its
//! bytes, with what it found.
//!
//! Fuzzing found no crash in the parsers (2.49 million `parse_response` and 2.45 million
//! `parse_json_model` inputs, AddressSanitizer on; see `core/fuzz/README.md`). The inputs
//! below are seeds that pin the edge cases the targets were built to reach, so a change
//! that breaks one fails here first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_support;

use fuzz_support::parse::raw;
use genesys_chat::operations::{GetChatsRoom, GetChatsRoomMessages, GetChatsUserMessages};
use genesys_chat::{Config, Error, Operation};

fn cfg() -> Config {
    Config::with_base_url("https://api.example.com")
        .unwrap()
        .with_token("fuzz-token")
        .unwrap()
}

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(status);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(body.to_vec()).unwrap()
}

/// `[operation, status, cap, header flags, header values…, query flags] ++ body` for the
/// raw target: 200, the default cap, no headers, no query.
fn raw_200(op: u8, body: &[u8]) -> Vec<u8> {
    let mut data = vec![op, 0, 0, 0, 0];
    data.extend_from_slice(body);
    data
}

#[test]
fn one_message_where_a_1on1_history_is_expected_is_a_listing_of_one() {
    // Operation 16 is getChatsUserMessages.
    let body = br#"{"id":"m1","dateCreated":"2026-11-25T16:42:06.415Z","toJid":"u@x","jid":"v@x","body":"secret","thread":{"id":"m1"}}"#;
    raw(&raw_200(16, body));
    let page = GetChatsUserMessages::new("u")
        .parse(&cfg(), &response(200, &[], body))
        .unwrap();
    assert_eq!(page.messages().len(), 1);
    assert_eq!(page.messages()[0].id(), Some("m1"));
}

#[test]
fn nesting_past_the_recursion_limit_is_a_decode_error() {
    // Operation 9 is getChatsRoomMessages.
    let mut deep = "[".repeat(300).into_bytes();
    deep.extend("]".repeat(300).into_bytes());
    let mut unclosed = r#"{"entities":[{"errors":"#.repeat(200).into_bytes();
    unclosed.extend(b"null");
    for body in [deep, unclosed] {
        raw(&raw_200(9, &body));
        let e = GetChatsRoomMessages::new("r")
            .parse(&cfg(), &response(200, &[], &body))
            .unwrap_err();
        assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
    }
}

#[test]
fn an_html_502_with_a_correlation_id_is_an_api_error_with_an_excerpt() {
    // Operation 7 is getChatsRoom; status 100 + 402 = 502 (bytes 200, 0x92, 0x01);
    // header flag 0b10 with value 12: a correlation id; no query.
    let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
    let mut data = vec![7, 200, 0x92, 0x01, 0, 0b10, 12, 0];
    data.extend_from_slice(html);
    raw(&data);
    let correlation = "c0ffee00-0000-4000-8000-000000000000";
    let e = GetChatsRoom::new("r")
        .parse(
            &cfg(),
            &response(502, &[("inin-correlation-id", correlation)], html),
        )
        .unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(api.status, 502);
    assert_eq!(api.body, None);
    assert_eq!(
        api.excerpt.as_deref(),
        Some("<html><body><h1>502 Bad Gateway</h1></body></html>")
    );
    assert_eq!(api.correlation_id.as_deref(), Some(correlation));
}

#[test]
fn a_history_page_that_repeats_itself_ends_the_pager() {
    // Operation 9, getChatsRoomMessages, with limit 1 and before = 1970-01-01T00:00:00Z (query flags
    // 0b011, limit byte 1, stamp index 1): a page whose message is not older ends.
    let body = br#"{"entities":[{"id":"m1","dateCreated":"1970-01-01T00:00:00Z","toJid":"r","jid":"u","body":"b","thread":{}}]}"#;
    let mut data = vec![9, 0, 0, 0, 0b011, 1, 1];
    data.extend_from_slice(body);
    raw(&data);
    use genesys_chat::paging::History;
    let op = GetChatsRoomMessages::new("r")
        .limit(1)
        .before(genesys_chat::Timestamp::parse("1970-01-01T00:00:00Z").unwrap());
    let page = op.parse(&cfg(), &response(200, &[], body)).unwrap();
    assert_eq!(page.messages().len(), 1);
    assert!(matches!(
        op.next_page(&page),
        Err(genesys_chat::Error::HistoryStuck { .. })
    ));
}
