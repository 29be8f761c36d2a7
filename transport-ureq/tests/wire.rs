//! What only the blocking client has on the wire: a CONNECT proxy, its pool size, and
//! connect failures it classes by ureq's errors (a connect cut short by the attempt
//! timeout, an unreachable network, DNS and TLS failures). What every client must do on
//! the wire is in the conformance kit (`genesys_chat_testkit::conformance`, group wire,
//! run by tests/conformance.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsSettings, PostChatsRoomMessages};
use genesys_chat::{Config, Error, RetryPolicy, TransportErrorKind};
use genesys_chat_testkit::conformance::raw::{self, Answer, RawServer, Recorded, response};
use genesys_chat_ureq::Client;

const TOKEN: &str = "wire-test-secret-token";
const ROOM: &str = "private-room@conference.example.com";
const USER_AGENT: &str = "genesys-chat/0.1.0";

fn settings_response(days: u32) -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(r#"{{"messageRetentionPeriodDays":{days}}}"#).as_bytes(),
    )
}

fn config(base: &str) -> Config {
    Config::with_base_url(base)
        .unwrap()
        .with_token(TOKEN)
        .unwrap()
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// The headers every request of the client carries, each once.
fn assert_common_headers(request: &Recorded, user_agent: &str) {
    let head = &request.head;
    assert_eq!(
        request.headers("authorization"),
        ["Bearer wire-test-secret-token"],
        "{head}"
    );
    assert_eq!(request.headers("accept"), ["application/json"], "{head}");
    // Exactly one User-Agent: ureq's own is not added next to the core's.
    assert_eq!(request.headers("user-agent"), [user_agent], "{head}");
    assert_eq!(request.headers("host").len(), 1, "{head}");
    assert_eq!(request.header("referer"), None, "{head}");
    assert_eq!(request.header("cookie"), None, "{head}");
}

#[test]
fn a_connect_proxy_tunnels_the_request_and_never_sees_the_token() {
    let proxy = RawServer::start(|index, _| {
        Answer::Bytes(if index == 0 {
            b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec()
        } else {
            settings_response(120)
        })
    });
    let config = Config::with_base_url("http://chat.example.invalid")
        .unwrap()
        .allow_insecure_http(true)
        .with_token(TOKEN)
        .unwrap();
    let client = Client::builder(config)
        .proxy(proxy.base_url())
        .no_retry()
        .build()
        .unwrap();
    let settings = client.call(&GetChatsSettings::new()).unwrap();
    assert_eq!(settings.message_retention_period_days, Some(120));

    let requests = proxy.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].request_line(),
        "CONNECT chat.example.invalid:80 HTTP/1.1"
    );
    assert_eq!(requests[0].header("authorization"), None);
    assert!(!requests[0].head.contains(TOKEN));
    assert_eq!(requests[0].headers("user-agent"), [USER_AGENT]);
    // Through the tunnel: the request itself, with the token, for the target host.
    assert_eq!(
        requests[1].request_line(),
        "GET /api/v2/chats/settings HTTP/1.1"
    );
    assert_eq!(
        requests[1].header("host").as_deref(),
        Some("chat.example.invalid")
    );
    assert_common_headers(&requests[1], USER_AGENT);
}

#[test]
fn a_proxy_that_is_not_a_url_is_refused_when_building() {
    for bad in ["ftp://proxy.internal:21", "http://[not a host"] {
        let error = Client::builder(config("http://127.0.0.1:1"))
            .proxy(bad)
            .build()
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidInput { field: "proxy", .. }),
            "{bad}: {error:?}"
        );
    }
}

#[test]
fn connections_are_kept_alive_and_pool_size_zero_keeps_none() {
    let server = RawServer::start(|_, _| Answer::Bytes(settings_response(30)));
    let client = Client::new(config(&server.base_url())).unwrap();
    for _ in 0..3 {
        client.call(&GetChatsSettings::new()).unwrap();
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections(), 1);

    let server = RawServer::start(|_, _| Answer::Bytes(settings_response(30)));
    let client = Client::builder(config(&server.base_url()))
        .pool_size(0)
        .build()
        .unwrap();
    for _ in 0..3 {
        client.call(&GetChatsSettings::new()).unwrap();
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections(), 3);
}

#[test]
fn a_connect_cut_short_by_the_attempt_timeout_is_connect() {
    let Some((_listener, _held, base)) = raw::full_listener() else {
        return;
    };
    // The connect timeout (10 s by default) is longer than what is left of the attempt.
    let client = Client::builder(config(&base))
        .attempt_timeout(Duration::from_millis(300))
        .retry(quick_retry())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("never sent"),
        ))
        .unwrap_err();
    let elapsed = started.elapsed();
    // No connection was made, so nothing was sent: Connect, and a POST is retried.
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
}

#[test]
#[ignore = "limitation: ureq reports resolver failures as plain io::Error, indistinguishable from I/O after sending, so they are classed Io (safe: a POST is not retried)"]
fn a_host_that_does_not_resolve_is_connect() {
    // `.invalid` never resolves (RFC 6761).
    let client = Client::builder(config("https://chat.example.invalid"))
        .no_retry()
        .build()
        .unwrap();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("never sent"),
        ))
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
}

#[test]
fn an_unreachable_network_is_connect() {
    // Linux refuses a TCP connect to a multicast address with ENETUNREACH at once.
    let client = Client::builder(config("https://224.0.0.1"))
        .no_retry()
        .build()
        .unwrap();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("never sent"),
        ))
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
}

#[test]
#[ignore = "limitation: rustls errors arrive as io::ErrorKind::InvalidData, also raised by a corrupt record after sending, so they are classed Io (safe: a POST is not retried)"]
fn a_failed_tls_handshake_is_connect_and_retried_even_for_a_post() {
    // A server that answers the TLS ClientHello with plain HTTP.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut hello = [0u8; 4096];
                let _ = stream.read(&mut hello);
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                std::thread::sleep(Duration::from_secs(2));
            });
        }
    });
    let client = Client::builder(config(&format!("https://127.0.0.1:{port}")))
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("never sent"),
        ))
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
    // No HTTP request went out: the POST is tried as often as the policy allows.
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[test]
fn a_proxy_that_refuses_the_tunnel_is_connect_and_retried_even_for_a_post() {
    let proxy = RawServer::start(|_, _| {
        Answer::BytesThenStall(response("407 Proxy Authentication Required", &[], b""))
    });
    let config = Config::with_base_url("http://chat.example.invalid")
        .unwrap()
        .allow_insecure_http(true)
        .with_token(TOKEN)
        .unwrap();
    let client = Client::builder(config)
        .proxy(proxy.base_url())
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("never sent"),
        ))
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
    // The request never reached the target: only CONNECTs, as many as the policy allows.
    let requests = proxy.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.request_line().starts_with("CONNECT "))
    );
}
