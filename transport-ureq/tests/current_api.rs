//! The current Chat API through the blocking client, against the emulator's loopback
//! server: "my chats" across pages, the new settings operations, and per-call options
//! (headers on the wire, owned headers refused before sending, retry and timeout
//! overrides).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genesys_chat::models::{CreateRoomRequest, UserChatSettingsPost, UserSettingsForChat};
use genesys_chat::operations::*;
use genesys_chat::{CallOptions, Config, Error, RetryPolicy};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule};
use genesys_chat_ureq::Client;

fn client(server: &Server) -> Client {
    let config = Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    Client::builder(config)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

#[test]
fn my_chats_iterates_every_room_across_pages() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let mut jids = Vec::new();
    for i in 0..30 {
        let created = client
            .call(&PostChatsRooms::new(CreateRoomRequest::new(format!(
                "room {i}"
            ))))
            .unwrap();
        jids.push(created.jid.unwrap());
    }
    jids.sort();
    let chats: Vec<String> = client
        .my_chats(GetUsersChatsMe::new().include_room_owners(true))
        .map(|chat| chat.unwrap().id.unwrap())
        .collect();
    assert_eq!(chats, jids);
    // 30 chats at 25 a page: two requests.
    let counters = server.emulator().counters();
    assert_eq!(counters.operations.get("getUsersChatsMe"), Some(&2));
    let first = client
        .call(&GetUsersChatsMe::new().include_room_owners(true))
        .unwrap();
    assert_eq!(first.chats().len(), 25);
    let room = first.chats()[0].room.as_ref().unwrap();
    assert_eq!(room.owners.as_ref().unwrap().len(), 1);
    assert!(
        first
            .next_uri
            .unwrap()
            .starts_with("/api/v2/users/chats/me?includeRoomOwners=true&after=")
    );
}

#[test]
fn the_callers_settings_are_created_patched_and_deleted() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    client
        .call(&PostChatsUsersMeSettings::new(UserChatSettingsPost::new(
            true,
        )))
        .unwrap();
    let read = client.call(&GetChatsUsersMeSettings::new()).unwrap();
    assert_eq!(
        (read.muted, read.mentions_only, read.notify_on_reactions),
        (Some(true), Some(false), Some(true))
    );
    let patched = client
        .call(&PatchChatsUsersMeSettings::new(
            UserSettingsForChat::default().mentions_only(true),
        ))
        .unwrap();
    assert_eq!(
        (patched.muted, patched.mentions_only),
        (Some(true), Some(true))
    );
    client.call(&DeleteChatsUsersMeSettings::new()).unwrap();
    let after = client.call(&GetChatsUsersMeSettings::new()).unwrap();
    assert_eq!(
        (after.muted, after.mentions_only, after.notify_on_reactions),
        (Some(false), Some(false), Some(true))
    );
}

#[test]
fn per_call_headers_reach_the_wire() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let body = br#"{"messageRetentionPeriodDays":90}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(answer.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        String::from_utf8(head).unwrap().to_ascii_lowercase()
    });
    let client = Client::new(
        Config::with_base_url(&base)
            .unwrap()
            .with_token("t")
            .unwrap(),
    )
    .unwrap();
    let options = CallOptions::new().header("X-Request-Tag", "export-7");
    let settings = client
        .call_with(&GetChatsSettings::new(), &options)
        .unwrap();
    assert_eq!(settings.message_retention_period_days, Some(90));
    let head = server.join().unwrap();
    assert!(head.contains("\r\nx-request-tag: export-7\r\n"), "{head}");
    assert!(head.contains("\r\nauthorization: bearer t\r\n"), "{head}");
}

#[test]
fn an_owned_header_is_refused_before_sending() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let options = CallOptions::new().header("Authorization", "Bearer other");
    let error = client
        .call_with(&GetChatsSettings::new(), &options)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid `headers`: `Authorization` is set by the client and cannot be set per call; leave it out"
    );
    assert_eq!(server.emulator().counters().total, 0);
}

#[test]
fn per_call_retry_and_timeouts_override_the_clients() {
    let emulator = Arc::new(Emulator::new());
    let server = Server::start(emulator.clone()).unwrap();
    let client = client(&server);
    let route = || FaultRoute::operation("getChatsSettings").unwrap();
    // One 503: the client's policy retries, a per-call `no_retry` does not.
    emulator
        .add_fault(FaultRule::new(route(), Fault::status(503)).times(1))
        .unwrap();
    let reply = client
        .reply_with(&GetChatsSettings::new(), &CallOptions::new())
        .unwrap();
    assert_eq!(reply.attempts, 2);
    emulator
        .add_fault(FaultRule::new(route(), Fault::status(503)).times(1))
        .unwrap();
    let error = client
        .call_with(&GetChatsSettings::new(), &CallOptions::new().no_retry())
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    // A 3 s delay: a per-call attempt timeout of 200 ms (and no retry) gives up early.
    emulator
        .add_fault(FaultRule::new(route(), Fault::delay(Duration::from_secs(3))).times(1))
        .unwrap();
    let started = Instant::now();
    let options = CallOptions::new()
        .attempt_timeout(Duration::from_millis(200))
        .no_retry();
    let error = client
        .call_with(&GetChatsSettings::new(), &options)
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
