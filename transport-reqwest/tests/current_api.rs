//! The current Chat API through the async client, against the emulator's loopback
//! server: "my chats" as a stream across pages, and per-call options (an owned header
//! refused before sending, retry and timeout overrides).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use genesys_chat::models::CreateRoomRequest;
use genesys_chat::operations::*;
use genesys_chat::{CallOptions, Config, Error, RetryPolicy};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule};

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

#[tokio::test]
async fn my_chats_streams_every_room_across_pages() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let mut jids = Vec::new();
    for i in 0..27 {
        let created = client
            .call(&PostChatsRooms::new(CreateRoomRequest::new(format!(
                "room {i}"
            ))))
            .await
            .unwrap();
        jids.push(created.jid.unwrap());
    }
    jids.sort();
    let chats: Vec<String> = client
        .my_chats(GetUsersChatsMe::new().exclude_closed(true))
        .map(|chat| chat.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(chats, jids);
    assert_eq!(
        server
            .emulator()
            .counters()
            .operations
            .get("getUsersChatsMe"),
        Some(&2)
    );
}

#[tokio::test]
async fn an_owned_header_is_refused_before_sending() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let options = CallOptions::new().header("content-length", "0");
    let error = client
        .call_with(&GetChatsSettings::new(), &options)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid `headers`: `Content-Length` is set by the client and cannot be set per call; leave it out"
    );
    assert_eq!(server.emulator().counters().total, 0);
}

#[tokio::test]
async fn per_call_retry_and_timeouts_override_the_clients() {
    let emulator = Arc::new(Emulator::new());
    let server = Server::start(emulator.clone()).unwrap();
    let client = client(&server);
    let route = || FaultRoute::operation("getChatsSettings").unwrap();
    emulator
        .add_fault(FaultRule::new(route(), Fault::status(503)).times(1))
        .unwrap();
    let options = CallOptions::new().header("X-Request-Tag", "a");
    let reply = client
        .reply_with(&GetChatsSettings::new(), &options)
        .await
        .unwrap();
    assert_eq!(reply.attempts, 2);
    emulator
        .add_fault(FaultRule::new(route(), Fault::status(503)).times(1))
        .unwrap();
    let error = client
        .call_with(&GetChatsSettings::new(), &CallOptions::new().no_retry())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    // The client's own policy is untouched by the per-call one.
    assert_eq!(client.retry_policy().max_attempts, 4);
    emulator
        .add_fault(FaultRule::new(route(), Fault::delay(Duration::from_secs(3))).times(1))
        .unwrap();
    let started = Instant::now();
    let options = CallOptions::new().total_timeout(Duration::from_millis(300));
    let error = client
        .call_with(&GetChatsSettings::new(), &options)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
