//! The loopback server against hostile clients: a web page (an `Origin`, a rebound
//! `Host`, a form body) cannot use the admin endpoints or the API, a body that stops
//! coming closes its connection after the body timeout, and the connection cap closes the
//! oldest connections that wait for a body first while everyone else is answered.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule};
use serde_json::{Value, json};

/// `emulator-client:emulator-secret`, base64: the published default client.
const BASIC: &str = "ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==";

/// A generous bound for "promptly" and "soon" on a loaded machine.
const SOON: Duration = Duration::from_secs(5);

/// One answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        let mut v: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.head));
        // An error's `contextId` is the response's correlation id: checked, then left out.
        if let Some(context) = v.as_object_mut().and_then(|o| o.remove("contextId")) {
            assert_eq!(
                Some(context.as_str().unwrap()),
                self.header("inin-correlation-id").as_deref()
            );
        }
        v
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(SOON)).unwrap();
    stream
}

/// Reads one answer (the head, then `Content-Length` bytes) from a keep-alive stream.
fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut all = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = all.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before an answer");
        all.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&all[..head_end]).into_owned();
    let status = head[9..12].parse().unwrap();
    let mut answer = Answer {
        status,
        head,
        body: all[head_end..].to_vec(),
    };
    let length: usize = answer
        .header("content-length")
        .map_or(0, |v| v.parse().unwrap());
    while answer.body.len() < length {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed in the body");
        answer.body.extend_from_slice(&chunk[..n]);
    }
    answer
}

/// Sends `request` (a whole request, head and body) on a new connection and reads the
/// answer.
fn exchange(addr: SocketAddr, request: &str) -> Answer {
    let mut stream = connect(addr);
    stream.write_all(request.as_bytes()).unwrap();
    read_answer(&mut stream)
}

/// A request with these head lines (`Host` among them, or not) and body; a
/// `Content-Length` is added for a body.
fn raw(method: &str, target: &str, headers: &[&str], body: &str) -> String {
    let mut text = format!("{method} {target} HTTP/1.1\r\n");
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    if !body.is_empty() {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

/// What the server sent before it closed `stream`, or `None` if it is still open after
/// `within`. A reset counts as closed.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Some(received),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(_) => return Some(received),
        }
    }
}

/// A connection that sends a head announcing 100 bytes of body, then 10 of them, then
/// nothing.
fn stalled_body(addr: SocketAddr) -> TcpStream {
    let mut stream = connect(addr);
    stream
        .write_all(
            b"POST /api/v2/chats/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              Authorization: Bearer emulator-token-alice\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"subject\"",
        )
        .unwrap();
    stream
}

/// Polls until `done` holds (at most 10 s).
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "gave up waiting: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn settings_request(host: &str) -> String {
    raw(
        "GET",
        "/api/v2/chats/settings",
        &[
            &format!("Host: {host}"),
            "Authorization: Bearer emulator-token-alice",
        ],
        "",
    )
}

// ---------------------------------------------------------------------------------------
// A web page cannot drive the emulator.
// ---------------------------------------------------------------------------------------

#[test]
fn admin_requests_that_carry_an_origin_are_refused() {
    let server = Server::start_default().unwrap();
    let addr = server.addr();
    let host = format!("Host: {addr}");
    let r = exchange(
        addr,
        &raw(
            "PUT",
            "/__emulator/rate-limit",
            &[
                &host,
                "Origin: http://evil.example",
                "Content-Type: application/json",
            ],
            r#"{"allowed":1,"windowMillis":60000}"#,
        ),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        r.json(),
        json!({
            "message": "The admin endpoints refuse requests that carry an Origin header (a web page); send them from a test or a tool such as curl, without Origin.",
            "code": "origin.not.allowed",
            "status": 403,
        })
    );
    // Nothing was applied: no rate limit shows on the API.
    let api = exchange(addr, &settings_request(&addr.to_string()));
    assert_eq!(api.status, 200);
    assert_eq!(api.header("inin-ratelimit-allowed"), None);
    // No token is minted, no fault injected, nothing read, even with `Origin: null`.
    for (method, path, body) in [
        ("POST", "/__emulator/tokens", r#"{"user":"bob"}"#),
        (
            "POST",
            "/__emulator/faults",
            r#"{"route":"*","fault":{"kind":"status","status":503}}"#,
        ),
        ("POST", "/__emulator/reset", ""),
        ("GET", "/__emulator/counters", ""),
        ("GET", "/__emulator/users", ""),
    ] {
        for origin in ["Origin: null", "Origin: http://127.0.0.1:3000"] {
            let r = exchange(
                addr,
                &raw(
                    method,
                    path,
                    &[&host, origin, "Content-Type: application/json"],
                    body,
                ),
            );
            assert_eq!(r.status, 403, "{method} {path} {origin}");
            assert_eq!(r.json()["code"], "origin.not.allowed", "{method} {path}");
            assert!(!String::from_utf8_lossy(&r.body).contains("emu-"));
        }
    }
    assert!(server.emulator().faults().is_empty());
    assert_eq!(
        exchange(addr, &settings_request("localhost")).status,
        200,
        "no fault was added"
    );
    // The API and the login host take requests from web pages (a browser app with the
    // public PKCE client sends an Origin).
    let api = exchange(
        addr,
        &raw(
            "GET",
            "/api/v2/chats/settings",
            &[
                &host,
                "Origin: http://localhost:3000",
                "Authorization: Bearer emulator-token-alice",
            ],
            "",
        ),
    );
    assert_eq!(api.status, 200);
    // Without Origin the same admin request works.
    let r = exchange(
        addr,
        &raw(
            "PUT",
            "/__emulator/rate-limit",
            &[&host, "Content-Type: application/json"],
            r#"{"allowed":5,"windowMillis":60000}"#,
        ),
    );
    assert_eq!(r.status, 204);
    let api = exchange(addr, &settings_request("127.0.0.1"));
    assert_eq!(api.header("inin-ratelimit-allowed").as_deref(), Some("5"));
}

#[test]
fn requests_addressed_to_a_name_that_is_not_loopback_are_refused_on_every_path() {
    let server = Server::start_default().unwrap();
    let addr = server.addr();
    let port = addr.port();
    let refused_message = "The emulator answers only requests addressed to a loopback name or address (Host: localhost, 127.0.0.0/8 or [::1], with any port); send the request to http://127.0.0.1:<port> or http://localhost:<port>.";
    let evil = format!("Host: evil.example:{port}");
    // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1.
    let requests = [
        raw(
            "POST",
            "/__emulator/tokens",
            &[&evil, "Content-Type: application/json"],
            r#"{"user":"bob"}"#,
        ),
        raw(
            "PUT",
            "/__emulator/rate-limit",
            &[&evil, "Content-Type: application/json"],
            r#"{"allowed":1,"windowMillis":60000}"#,
        ),
        raw(
            "POST",
            "/oauth/token",
            &[
                &evil,
                &format!("Authorization: Basic {BASIC}"),
                "Content-Type: application/x-www-form-urlencoded",
            ],
            "grant_type=client_credentials",
        ),
        raw(
            "GET",
            "/oauth/authorize?response_type=token&client_id=emulator-client&redirect_uri=https%3A%2F%2Fevil.example%2F&state=s",
            &[&evil],
            "",
        ),
        settings_request(&format!("evil.example:{port}")),
        settings_request("localhost.evil.example"),
        settings_request("127.0.0.1.nip.io"),
        settings_request("[::ffff:127.0.0.1]"),
        settings_request("2130706433"),
        settings_request("10.0.0.1"),
        // An absolute URI names the host, whatever the Host header says.
        raw(
            "GET",
            "http://evil.example/api/v2/chats/settings",
            &[
                "Host: 127.0.0.1",
                "Authorization: Bearer emulator-token-alice",
            ],
            "",
        ),
        // No Host at all.
        raw(
            "GET",
            "/api/v2/chats/settings",
            &["Authorization: Bearer emulator-token-alice"],
            "",
        ),
    ];
    for request in &requests {
        let r = exchange(addr, request);
        assert_eq!(r.status, 403, "{request}");
        assert_eq!(
            r.json(),
            json!({"message": refused_message, "code": "host.not.allowed", "status": 403}),
            "{request}"
        );
    }
    // Nothing reached the emulator: no token request, no operation, no rate limit.
    let counters = server.emulator().counters();
    assert_eq!(
        (
            counters.total,
            counters.token_requests,
            counters.authorize_requests
        ),
        (0, 0, 0)
    );
    // Loopback names and addresses, in any case and with any port, are served.
    for host in [
        addr.to_string(),
        "127.0.0.1".to_owned(),
        format!("localhost:{port}"),
        "LOCALHOST".to_owned(),
        "127.9.8.7:1".to_owned(),
        format!("[::1]:{port}"),
    ] {
        let r = exchange(addr, &settings_request(&host));
        assert_eq!(r.status, 200, "Host: {host}");
        assert_eq!(
            r.json(),
            json!({"messageRetentionPeriodDays": 365, "reactionsEnabled": true})
        );
    }
    let r = exchange(
        addr,
        &raw(
            "POST",
            "/oauth/token",
            &[
                "Host: localhost",
                &format!("Authorization: Basic {BASIC}"),
                "Content-Type: application/x-www-form-urlencoded",
            ],
            "grant_type=client_credentials",
        ),
    );
    assert_eq!(r.status, 200);
    assert_eq!(server.emulator().counters().token_requests, 1);
}

#[test]
fn admin_bodies_must_be_json() {
    let server = Server::start_default().unwrap();
    let addr = server.addr();
    let host = format!("Host: {addr}");
    let rule = r#"{"route":"getChatsSettings","fault":{"kind":"status","status":503}}"#;
    let unsupported = json!({
        "message": "The admin endpoints take only JSON bodies: send `Content-Type: application/json` (or no Content-Type and no body).",
        "code": "unsupported.media.type",
        "status": 415,
    });
    for (path, headers, body) in [
        ("/__emulator/faults", vec!["Content-Type: text/plain"], rule),
        ("/__emulator/faults", vec![], rule),
        (
            "/__emulator/faults",
            vec!["Content-Type: application/x-www-form-urlencoded"],
            rule,
        ),
        (
            "/__emulator/tokens",
            vec!["Content-Type: multipart/form-data; boundary=x"],
            r#"{"user":"bob"}"#,
        ),
        // What an HTML form sends to a bodiless endpoint.
        (
            "/__emulator/reset",
            vec!["Content-Type: application/x-www-form-urlencoded"],
            "",
        ),
        (
            "/__emulator/faults",
            vec!["Content-Type: application/json", "Content-Type: text/plain"],
            rule,
        ),
    ] {
        let mut all = vec![host.as_str()];
        all.extend(headers.iter().copied());
        let r = exchange(addr, &raw("POST", path, &all, body));
        assert_eq!(r.status, 415, "{path} {headers:?}");
        assert_eq!(r.json(), unsupported, "{path} {headers:?}");
    }
    assert!(server.emulator().faults().is_empty());
    // JSON, with parameters or in another case, is taken; bodiless requests need no type.
    let r = exchange(
        addr,
        &raw(
            "POST",
            "/__emulator/faults",
            &[&host, "Content-Type: Application/JSON; charset=utf-8"],
            rule,
        ),
    );
    assert_eq!(r.status, 204);
    assert_eq!(server.emulator().faults().len(), 1);
    let r = exchange(addr, &raw("GET", "/__emulator/faults", &[&host], ""));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[0]["route"], "getChatsSettings");
    assert_eq!(
        exchange(addr, &raw("DELETE", "/__emulator/faults", &[&host], "")).status,
        204
    );
    assert!(server.emulator().faults().is_empty());
    assert_eq!(
        exchange(addr, &raw("POST", "/__emulator/reset", &[&host], "")).status,
        204
    );
}

// ---------------------------------------------------------------------------------------
// Stalled bodies and the connection cap.
// ---------------------------------------------------------------------------------------

#[test]
fn the_defaults_are_30_s_for_heads_and_bodies_and_1024_connections() {
    assert_eq!(Server::DEFAULT_HEADER_TIMEOUT, Duration::from_secs(30));
    assert_eq!(Server::DEFAULT_BODY_TIMEOUT, Duration::from_secs(30));
    assert_eq!(Server::DEFAULT_MAX_CONNECTIONS, 1024);
}

#[test]
fn a_body_that_stops_coming_is_closed_after_the_body_timeout() {
    let timeout = Duration::from_millis(200);
    let server = Server::builder(Arc::new(Emulator::new()))
        .body_timeout(timeout)
        .start()
        .unwrap();
    let addr = server.addr();
    let chunked = |path: &str| {
        let mut stream = connect(addr);
        stream
            .write_all(
                format!(
                    "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                     Authorization: Bearer emulator-token-alice\r\n\
                     Transfer-Encoding: chunked\r\n\r\n40\r\n{{\"subject\""
                )
                .as_bytes(),
            )
            .unwrap();
        stream
    };
    let mut stalled = [
        (Instant::now(), stalled_body(addr)),
        (Instant::now(), chunked("/api/v2/chats/rooms")),
        (Instant::now(), chunked("/__emulator/faults")),
    ];
    for (i, (sent, stream)) in stalled.iter_mut().enumerate() {
        let received = read_until_closed(stream, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("connection {i} still open after 10 s"));
        // Closed without an answer, and not before the timeout.
        assert_eq!(received, b"", "connection {i}");
        assert!(
            sent.elapsed() >= timeout,
            "connection {i}: {:?}",
            sent.elapsed()
        );
    }
    assert_eq!(server.emulator().counters().total, 0, "nothing was handled");
    assert_eq!(server.emulator().counters().operation("postChatsRooms"), 0);
    wait_until("the closed connections are gone", || {
        server.connections().open == 0
    });
    // A body that arrives in time is answered as before.
    let r = exchange(
        addr,
        &raw(
            "POST",
            "/api/v2/chats/rooms",
            &[
                "Host: 127.0.0.1",
                "Authorization: Bearer emulator-token-alice",
                "Content-Type: application/json",
            ],
            r#"{"subject":"in time"}"#,
        ),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn three_hundred_stalled_bodies_are_held_while_others_are_answered_then_closed() {
    let timeout = Duration::from_secs(3);
    let server = Server::builder(Arc::new(Emulator::new()))
        .body_timeout(timeout)
        .start()
        .unwrap();
    let addr = server.addr();
    let opened = Instant::now();
    let mut stalled: Vec<TcpStream> = (0..300).map(|_| stalled_body(addr)).collect();
    wait_until("300 connections awaiting their body", || {
        server.connections().awaiting_body == 300
    });
    // Another client is answered at once, while all 300 are held.
    let asked = Instant::now();
    let r = exchange(addr, &settings_request("127.0.0.1"));
    assert_eq!(r.status, 200);
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(server.connections().awaiting_body, 300);
    assert!(
        opened.elapsed() < timeout,
        "the machine was too slow to check that the connections are held"
    );
    // After the body timeout every one of them is closed, unanswered.
    for (i, stream) in stalled.iter_mut().enumerate() {
        let received = read_until_closed(stream, Duration::from_secs(15))
            .unwrap_or_else(|| panic!("connection {i} still open after the body timeout"));
        assert_eq!(received, b"", "connection {i}");
    }
    assert!(opened.elapsed() >= timeout);
    wait_until("the closed connections are gone", || {
        server.connections().open == 0
    });
    assert_eq!(server.emulator().counters().operation("postChatsRooms"), 0);
}

#[test]
fn at_the_cap_the_oldest_connection_awaiting_a_body_is_closed_first_then_the_oldest_idle() {
    // The default 30 s body timeout: every close here is the cap's.
    let server = Server::builder(Arc::new(Emulator::new()))
        .max_connections(4)
        .start()
        .unwrap();
    let addr = server.addr();
    let counts = || {
        let c = server.connections();
        (c.open, c.awaiting_body)
    };
    let keep_alive = |stream: &mut TcpStream| {
        stream
            .write_all(settings_request("127.0.0.1").as_bytes())
            .unwrap();
        let r = read_answer(stream);
        assert_eq!(r.status, 200);
    };
    let still_open =
        |stream: &mut TcpStream| read_until_closed(stream, Duration::from_millis(100)).is_none();
    let mut c0 = stalled_body(addr);
    wait_until("c0 awaits its body", || counts() == (1, 1));
    let mut c1 = stalled_body(addr);
    wait_until("c1 awaits its body", || counts() == (2, 2));
    let mut c2 = connect(addr);
    keep_alive(&mut c2);
    assert_eq!(counts(), (3, 2));
    let mut c3 = stalled_body(addr);
    wait_until("c3 awaits its body", || counts() == (4, 3));

    // A fifth connection: the oldest awaiting a body (c0) is closed, the new one served.
    let mut c4 = connect(addr);
    keep_alive(&mut c4);
    assert_eq!(read_until_closed(&mut c0, SOON), Some(Vec::new()), "c0");
    assert!(still_open(&mut c1), "c1");
    // Then c1, then c3.
    let mut c5 = connect(addr);
    keep_alive(&mut c5);
    assert_eq!(read_until_closed(&mut c1, SOON), Some(Vec::new()), "c1");
    let mut c6 = connect(addr);
    keep_alive(&mut c6);
    assert_eq!(read_until_closed(&mut c3, SOON), Some(Vec::new()), "c3");
    assert_eq!(counts(), (4, 0));
    // No body is awaited any more: the oldest idle connection (c2) goes next; it was
    // still open and usable until then.
    assert!(still_open(&mut c2), "c2");
    keep_alive(&mut c2);
    let mut c7 = connect(addr);
    keep_alive(&mut c7);
    assert_eq!(read_until_closed(&mut c2, SOON), Some(Vec::new()), "c2");
    for (name, stream) in [("c4", &mut c4), ("c5", &mut c5), ("c6", &mut c6)] {
        assert!(still_open(stream), "{name}");
        keep_alive(stream);
    }
    assert_eq!(server.emulator().counters().operation("postChatsRooms"), 0);
}

#[test]
fn at_the_cap_with_every_connection_being_answered_a_new_one_is_closed_at_once() {
    let server = Server::builder(Arc::new(Emulator::new()))
        .max_connections(1)
        .start()
        .unwrap();
    let addr = server.addr();
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::operation("getChatsSettings").unwrap(),
            Fault::delay(Duration::from_secs(2)),
        ))
        .unwrap();
    let mut busy = connect(addr);
    busy.write_all(settings_request("127.0.0.1").as_bytes())
        .unwrap();
    wait_until("the request is being answered", || {
        server.emulator().counters().total == 1
    });
    let mut refused = connect(addr);
    refused
        .write_all(settings_request("127.0.0.1").as_bytes())
        .unwrap();
    assert_eq!(read_until_closed(&mut refused, SOON), Some(Vec::new()));
    assert_eq!(read_answer(&mut busy).status, 200);
    assert_eq!(server.emulator().counters().total, 1);
}
