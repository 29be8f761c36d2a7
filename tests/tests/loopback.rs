//! The loopback server: the same answers as in-process, keep-alive under concurrent
//! clients, faults that need a socket (delay, truncation, dropped connections), the admin
//! endpoints, and the `genesys-chat-emulator` binary.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::*;
use genesys_chat::{Config, Operation};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, EmulatorBuilder, Fault, FaultRoute, FaultRule, ManualClock};
use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Sends a request over the socket and reads the whole answer.
fn send(
    agent: &ureq::Agent,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<Vec<u8>>, ureq::Error> {
    let response = agent.run(request)?;
    let (parts, mut body) = response.into_parts();
    let bytes = body.read_to_vec()?;
    Ok(http::Response::from_parts(parts, bytes))
}

fn request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> http::Request<Vec<u8>> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"));
    if let Some(token) = token {
        b = b.header("Authorization", format!("Bearer {token}"));
    }
    if !body.is_empty() {
        b = b.header("Content-Type", "application/json");
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn json_of(response: &http::Response<Vec<u8>>) -> Value {
    let mut v: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("contextId");
    }
    v
}

fn twin() -> Emulator {
    EmulatorBuilder::with_defaults()
        .clock(ManualClock::new(T0))
        .seed(7)
        .build()
        .unwrap()
}

#[test]
fn loopback_answers_as_in_process() {
    let local = twin();
    let server = Server::start(Arc::new(twin())).unwrap();
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let agent = agent();
    let token = Some(Emulator::DEFAULT_TOKEN);
    let steps: Vec<(&str, String, Option<&str>, &str)> = vec![
        ("GET", "/api/v2/chats/settings".into(), token, ""),
        ("GET", "/api/v2/chats/settings".into(), None, ""),
        ("GET", "/api/v2/chats/settings".into(), Some("bogus"), ""),
        ("GET", "/api/v2/chats/rooms/nope".into(), token, ""),
        (
            "PUT",
            "/api/v2/chats/settings".into(),
            token,
            r#"{"messageRetentionPeriodDays":1}"#,
        ),
        (
            "POST",
            "/api/v2/chats/rooms".into(),
            token,
            r#"{"subject":"Twin"}"#,
        ),
        ("GET", "/api/v2/chats/users/me/settings".into(), token, ""),
        ("GET", "/nowhere".into(), token, ""),
    ];
    for (method, path, token, body) in &steps {
        let here = local.handle(request("", method, path, *token, body));
        let there = send(&agent, request(&base, method, path, *token, body)).unwrap();
        assert_eq!(here.status(), there.status(), "{method} {path}");
        assert_eq!(json_of(&here), json_of(&there), "{method} {path}");
        assert!(there.headers().contains_key("inin-correlation-id"));
        assert_eq!(
            here.headers().get("content-type"),
            there.headers().get("content-type")
        );
    }
    // The core's own requests and parsing, over the socket.
    let cfg = Config::with_base_url(&base)
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let rooms = PostChatsRooms::new(genesys_chat::models::CreateRoomRequest::new("Core"));
    let room = rooms
        .parse(&cfg, &send(&agent, rooms.to_http(&cfg).unwrap()).unwrap())
        .unwrap();
    let jid = room.jid.expect("a new room has a JID");
    let post = PostChatsRoomMessages::new(&jid, SendMessageBody::new("over the wire"));
    let sent = post
        .parse(&cfg, &send(&agent, post.to_http(&cfg).unwrap()).unwrap())
        .unwrap();
    let history = GetChatsRoomMessages::new(&jid).limit(5);
    let page = history
        .parse(&cfg, &send(&agent, history.to_http(&cfg).unwrap()).unwrap())
        .unwrap();
    assert_eq!(page.messages()[0].id, sent.id);
    assert!(sent.id.is_some());
    assert_eq!(page.messages()[0].body(), "over the wire");
}

#[test]
fn keep_alive_under_concurrent_clients() {
    let server = Server::start_default().unwrap();
    let base = server.base_url();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let base = base.clone();
            std::thread::spawn(move || {
                let agent = agent();
                for _ in 0..100 {
                    let r = send(
                        &agent,
                        request(
                            &base,
                            "GET",
                            "/api/v2/chats/settings",
                            Some(Emulator::DEFAULT_TOKEN),
                            "",
                        ),
                    )
                    .unwrap();
                    assert_eq!(r.status(), 200);
                    assert_eq!(
                        r.headers().get("connection").map(|v| v.to_str().unwrap()),
                        None
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        800
    );
}

#[test]
fn faults_over_the_socket() {
    let server = Server::start_default().unwrap();
    let base = server.base_url();
    let emu = server.emulator();
    let token = Some(Emulator::DEFAULT_TOKEN);
    let create = send(
        &agent(),
        request(
            &base,
            "POST",
            "/api/v2/chats/rooms",
            token,
            r#"{"subject":"F"}"#,
        ),
    )
    .unwrap();
    let jid = json_of(&create)["jid"].as_str().unwrap().to_owned();
    let messages = format!("/api/v2/chats/rooms/{}/messages", enc(&jid));
    let post = || request(&base, "POST", &messages, token, r#"{"message":"m"}"#);
    let route = |id: &str| FaultRoute::operation(id).unwrap();

    // A 503 on a POST: answered, and the message is not stored.
    emu.add_fault(FaultRule::once(
        route("postChatsRoomMessages"),
        Fault::status(503),
    ))
    .unwrap();
    let r = send(&agent(), post()).unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(json_of(&r)["code"], "service.unavailable");
    assert_eq!(emu.message_count(), 0);

    // A delay: the answer comes late, the operation is applied.
    emu.add_fault(FaultRule::once(
        route("postChatsRoomMessages"),
        Fault::delay(Duration::from_millis(150)),
    ))
    .unwrap();
    let started = Instant::now();
    assert_eq!(send(&agent(), post()).unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(emu.message_count(), 1);

    // A truncated body: Content-Length larger than the bytes sent, then the connection
    // closes; the client's read fails. The operation is applied.
    emu.add_fault(FaultRule::once(
        route("postChatsRoomMessages"),
        Fault::Truncate,
    ))
    .unwrap();
    let response = agent().run(post()).unwrap();
    let announced: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(announced > 0);
    let (_, mut body) = response.into_parts();
    assert!(body.read_to_vec().is_err(), "the body ends early");
    assert_eq!(emu.message_count(), 2);
    // On the wire: the head announces the whole body, part of it follows, then EOF.
    emu.add_fault(FaultRule::once(route("getChatsSettings"), Fault::Truncate))
        .unwrap();
    let (head, received) = raw_exchange(
        server.addr(),
        "GET /api/v2/chats/settings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer emulator-token-alice\r\n\r\n",
    );
    let full = r#"{"messageRetentionPeriodDays":365,"reactionsEnabled":true}"#.len();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {full}")),
        "{head}"
    );
    assert_eq!(
        received,
        br#"{"messageRetentionPeriodDays":365,"reactionsEnabled":true}"#[..full / 2].to_vec()
    );

    // A malformed body.
    emu.add_fault(FaultRule::once(
        route("postChatsRoomMessages"),
        Fault::Malformed,
    ))
    .unwrap();
    let r = send(&agent(), post()).unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_slice::<Value>(r.body()).is_err());
    assert_eq!(emu.message_count(), 3);

    // A dropped connection: no answer at all, nothing stored.
    emu.add_fault(FaultRule::once(
        route("postChatsRoomMessages"),
        Fault::DropConnection,
    ))
    .unwrap();
    assert!(send(&agent(), post()).is_err());
    assert_eq!(emu.message_count(), 3);

    // Dropped after applying: no answer, but the message is stored.
    emu.add_fault(FaultRule::once(
        route("postChatsRoomMessages"),
        Fault::DropAfterApply,
    ))
    .unwrap();
    assert!(send(&agent(), post()).is_err());
    assert_eq!(emu.message_count(), 4);

    // The server keeps serving afterwards, on the same agent too.
    let a = agent();
    for _ in 0..3 {
        assert_eq!(send(&a, post()).unwrap().status(), 200);
    }
    let counters = emu.counters();
    assert_eq!(counters.faults_injected, 7);
    assert_eq!(counters.operation("postChatsRoomMessages"), 9);
}

/// Writes a raw request and reads until the server closes: the head and the body bytes.
fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&all[..split]).into_owned(),
        all[split + 4..].to_vec(),
    )
}

#[test]
fn oversized_bodies_over_the_socket() {
    let server = Server::start_default().unwrap();
    let big = format!(r#"{{"message":"{}"}}"#, "a".repeat(700_000));
    let r = send(
        &agent(),
        request(
            &server.base_url(),
            "POST",
            "/api/v2/chats/rooms",
            Some(Emulator::DEFAULT_TOKEN),
            &big,
        ),
    )
    .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(json_of(&r)["status"], 413);
}

#[test]
fn admin_endpoints() {
    let server = Server::start_default().unwrap();
    let base = server.base_url();
    let a = agent();
    let admin = |method: &str, path: &str, body: &str| {
        send(
            &a,
            request(&base, method, &format!("/__emulator/{path}"), None, body),
        )
        .unwrap()
    };

    let r = admin(
        "POST",
        "faults",
        r#"{"route":"getChatsSettings","fault":{"kind":"status","status":429,"retryAfter":5},"times":1}"#,
    );
    assert_eq!(r.status(), 204);
    assert!(r.headers().contains_key("inin-correlation-id"));
    let r = admin("GET", "faults", "");
    assert_eq!(
        json_of(&r),
        json!([{"route":"getChatsSettings","fault":{"kind":"status","status":429,"retryAfter":5},"times":1}])
    );
    let settings = || {
        send(
            &a,
            request(
                &base,
                "GET",
                "/api/v2/chats/settings",
                Some(Emulator::DEFAULT_TOKEN),
                "",
            ),
        )
        .unwrap()
    };
    let r = settings();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "5")
    );
    assert_eq!(settings().status(), 200);

    admin(
        "POST",
        "faults",
        r#"{"route":"api","fault":{"kind":"status","status":500}}"#,
    );
    assert_eq!(settings().status(), 500);
    assert_eq!(admin("DELETE", "faults", "").status(), 204);
    assert_eq!(settings().status(), 200);

    let r = admin("GET", "counters", "");
    assert_eq!(
        json_of(&r),
        json!({
            "total": 4, "tokenRequests": 0, "operations": { "getChatsSettings": 4 },
            "unrouted": 0, "faultsInjected": 2, "rateLimited": 0
        }),
        "admin requests are not counted"
    );

    assert_eq!(
        admin("PUT", "rate-limit", r#"{"allowed":1,"windowMillis":60000}"#).status(),
        204
    );
    assert_eq!(settings().headers()["inin-ratelimit-allowed"], "1");
    assert_eq!(settings().status(), 429);
    assert_eq!(admin("DELETE", "rate-limit", "").status(), 204);
    assert_eq!(settings().status(), 200);

    let users = json_of(&admin("GET", "users", ""));
    assert_eq!(users.as_array().unwrap().len(), 4);
    assert_eq!(users[1]["name"], "bob");
    assert_eq!(users[1]["id"], server.emulator().user("bob").unwrap().id);
    let issued = json_of(&admin(
        "POST",
        "tokens",
        r#"{"user":"bob","permissions":[]}"#,
    ));
    let bob_token = issued["accessToken"].as_str().unwrap();
    let r = send(
        &a,
        request(&base, "GET", "/api/v2/chats/settings", Some(bob_token), ""),
    )
    .unwrap();
    assert_eq!(
        (r.status().as_u16(), json_of(&r)["code"].as_str()),
        (403, Some("missing.any.permissions"))
    );
    assert_eq!(admin("POST", "tokens", r#"{"user":"zed"}"#).status(), 404);

    assert_eq!(admin("POST", "reset", "").status(), 204);
    assert_eq!(server.emulator().counters().total, 0);

    // Bad admin input is a 400 ErrorBody, an unknown admin path a 404.
    let r = admin(
        "POST",
        "faults",
        r#"{"route":"nope","fault":{"kind":"truncate"}}"#,
    );
    assert_eq!(
        (r.status().as_u16(), json_of(&r)["code"].as_str()),
        (400, Some("bad.request"))
    );
    assert_eq!(
        admin(
            "POST",
            "faults",
            r#"{"route":"*","fault":{"kind":"status","status":200}}"#
        )
        .status(),
        400
    );
    assert_eq!(admin("POST", "faults", "not json").status(), 400);
    assert_eq!(admin("GET", "nothing", "").status(), 404);
}

#[test]
fn the_token_endpoint_over_the_socket() {
    let server = Server::start_default().unwrap();
    let a = agent();
    let login = http::Request::post(format!("{}/oauth/token", server.base_url()))
        .header(
            "Authorization",
            "Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==",
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials".to_vec())
        .unwrap();
    let r = send(&a, login).unwrap();
    assert_eq!(r.status(), 200);
    let token = json_of(&r)["access_token"].as_str().unwrap().to_owned();
    let r = send(
        &a,
        request(
            &server.base_url(),
            "GET",
            "/api/v2/chats/settings",
            Some(&token),
            "",
        ),
    )
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(server.emulator().counters().token_requests, 1);
}

#[test]
fn servers_stop_on_drop() {
    let server = Server::start_default().unwrap();
    let addr = server.addr();
    drop(server);
    // The port is free again: the listener was closed. Binding proves it without a
    // connect (which on loopback can rarely connect a socket to itself). Another test of
    // this binary running beside this one may draw the freed port as the source port of
    // a short-lived connection, so the bind is tried for up to 3 s; a listener left open
    // would hold the port for all of them.
    let mut rebound = std::net::TcpListener::bind(addr);
    for _ in 0..60 {
        if rebound.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        rebound = std::net::TcpListener::bind(addr);
    }
    assert!(rebound.is_ok(), "{rebound:?}");
}

/// Kills the child when dropped, so a failed assertion leaves no process behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_serves_on_port_0_and_answers_401_without_a_token() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_genesys-chat-emulator"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut base = None;
    let mut printed = Vec::new();
    for line in lines.by_ref().take(10) {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("base URL:") {
            base = Some(url.trim().to_owned());
        }
        printed.push(line);
        if printed.last().is_some_and(|l| l.starts_with("Serving")) {
            break;
        }
    }
    let base = base.expect("the binary prints its base URL");
    assert!(base.starts_with("http://127.0.0.1:"));
    let printed = printed.join("\n");
    assert!(printed.contains(Emulator::DEFAULT_TOKEN));
    assert!(printed.contains(Emulator::DEFAULT_CLIENT_ID));
    assert!(printed.contains(Emulator::DEFAULT_CLIENT_SECRET));

    let r = send(
        &agent(),
        request(&base, "GET", "/api/v2/chats/settings", None, ""),
    )
    .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(body["code"], "authentication.required");
    assert_eq!(body["status"], 401);
    assert_eq!(
        body["contextId"],
        r.headers()["inin-correlation-id"].to_str().unwrap()
    );
    let r = send(
        &agent(),
        request(
            &base,
            "GET",
            "/api/v2/chats/settings",
            Some(Emulator::DEFAULT_TOKEN),
            "",
        ),
    )
    .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn the_binary_refuses_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_genesys-chat-emulator"))
        .args(["--port", "http"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let help = Command::new(env!("CARGO_BIN_EXE_genesys-chat-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--port"));
}
