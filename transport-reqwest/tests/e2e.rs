//! End to end against the testkit's loopback emulator, for what is the async client's
//! own: posts from spawned tokio tasks (the client's futures are `Send + 'static` and its
//! clones share one pool). What every client must do (every operation, typed errors,
//! retries, timeouts, the size cap, broken connections, history paging) is checked by
//! the conformance kit (`tests/conformance.rs`, groups `service` and `history`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::StreamExt;
use genesys_chat::Config;
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_from_spawned_tasks_are_each_stored_once() {
    let server = Server::start_default().unwrap();
    let config = Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let client = Client::builder(config).build().unwrap();
    let jid: Arc<str> = client
        .call(&PostChatsRooms::new(CreateRoomRequest::new("Launch")))
        .await
        .unwrap()
        .jid
        .unwrap()
        .into();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let client = client.clone();
            let jid = jid.clone();
            tokio::spawn(async move {
                client
                    .call(&PostChatsRoomMessages::new(
                        &*jid,
                        SendMessageBody::new(format!("task {i}")),
                    ))
                    .await
                    .map(|sent| sent.id.unwrap())
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().unwrap());
    }
    assert_eq!(ids.len(), 16);
    assert_eq!(server.emulator().message_count(), 16);
    let streamed: BTreeSet<String> = client
        .history(GetChatsRoomMessages::new(&*jid).limit(5))
        .map(|m| m.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(streamed, ids);
}
