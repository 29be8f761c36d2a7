//! Pacing against the testkit's loopback emulator: with pacing on (the default), tasks
//! that share a client stay within the token's rate limit and meet no 429; a daily limit
//! (a 429 with a long `Retry-After`) fails every sharer of the client (clones, other tasks) at once, without a
//! request; with pacing off, the same load meets the limit.
//!
//! The emulator's limit here is 20 requests per 2 s window, so the paced runs take about
//! 25 s by design (240 posts are 12 windows).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsRoomMessages, GetChatsSettings, PostChatsRoomMessages, PostChatsRooms,
};
use genesys_chat::{CallOptions, Config, Error};
use genesys_chat_reqwest::{Client, ClientBuilder};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, RateLimit};

const TASKS: usize = 8;
const POSTS_PER_TASK: usize = 30;

fn builder(server: &Server) -> ClientBuilder {
    let config = Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    Client::builder(config)
}

/// The emulator's limit of these tests: 20 requests per 2 s window, per token.
fn limit_20_per_2s(server: &Server) {
    server.emulator().set_rate_limit(Some(RateLimit {
        allowed: 20,
        window: Duration::from_secs(2),
    }));
}

async fn room(client: &Client) -> String {
    client
        .call(&PostChatsRooms::new(CreateRoomRequest::new("Pacing")))
        .await
        .unwrap()
        .jid
        .unwrap()
}

/// Posts `POSTS_PER_TASK` messages from each of `TASKS` tasks, all through clones of
/// `client`; returns every call's result.
async fn post_from_tasks(client: &Client, jid: &str) -> Vec<Result<String, Error>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let client = client.clone();
            let (jid, barrier) = (jid.to_owned(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let mut results = Vec::new();
                for i in 0..POSTS_PER_TASK {
                    let body = SendMessageBody::new(format!("task {t} message {i}"));
                    let sent = client.call(&PostChatsRoomMessages::new(&jid, body)).await;
                    results.push(sent.map(|sent| sent.id.unwrap()));
                }
                results
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.extend(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_paced_tasks_under_20_per_2s_meet_no_429_and_store_each_message_once() {
    let server = Server::start_default().unwrap();
    limit_20_per_2s(&server);
    let client = builder(&server).build().unwrap();
    let jid = room(&client).await;
    let results = post_from_tasks(&client, &jid).await;
    let ids: BTreeSet<String> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(ids.len(), 240);
    let counters = server.emulator().counters();
    assert_eq!(counters.rate_limited, 0);
    // One request per post: none was refused, so none was sent twice.
    assert_eq!(counters.operation("postChatsRoomMessages"), 240);
    assert_eq!(server.emulator().message_count(), 240);
    // Every message is in the room's history exactly once.
    let history: Vec<String> = client
        .history(GetChatsRoomMessages::new(&jid).limit(100))
        .map(|m| m.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(history.len(), 240);
    assert_eq!(history.into_iter().collect::<BTreeSet<_>>(), ids);
    assert_eq!(server.emulator().counters().rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pacing_the_same_load_meets_429s() {
    let server = Server::start_default().unwrap();
    limit_20_per_2s(&server);
    // No retries either, so that every refusal is one failed call (and the test is quick).
    let client = builder(&server).no_pacing().no_retry().build().unwrap();
    let jid = room(&client).await;
    let results = post_from_tasks(&client, &jid).await;
    let stored = results.iter().filter(|r| r.is_ok()).count();
    let refused: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        refused.iter().all(|e| e.status() == Some(429)),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .all(|e| e.is_rate_limited() && e.api().is_some()),
        "the service's 429s, not the pacer's"
    );
    let counters = server.emulator().counters();
    assert!(counters.rate_limited > 0);
    assert_eq!(counters.rate_limited, refused.len() as u64);
    assert_eq!(stored + refused.len(), 240);
    assert_eq!(counters.operation("postChatsRoomMessages"), 240);
    assert_eq!(server.emulator().message_count(), stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_limit_fails_every_clone_and_task_at_once_without_a_request() {
    let server = Server::start_default().unwrap();
    let client = builder(&server).build().unwrap();
    let jid = room(&client).await;
    // The service's answer to a used-up daily limit: 429, Retry-After of an hour.
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::Api,
            Fault::too_many_requests(Duration::from_secs(3600)),
        ))
        .unwrap();
    let met = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("one"),
        ))
        .await
        .unwrap_err();
    assert_eq!(met.status(), Some(429));
    assert_eq!(met.retry_after(), Some(Duration::from_secs(3600)));
    let before = server.emulator().counters();
    assert_eq!(before.operation("postChatsRoomMessages"), 1);

    // Clones in other tasks, other operations, per-call options: all fail at once.
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let (client, jid) = (client.clone(), jid.clone());
            tokio::spawn(async move {
                let post = client
                    .call(&PostChatsRoomMessages::new(
                        &jid,
                        SendMessageBody::new(format!("task {t}")),
                    ))
                    .await
                    .unwrap_err();
                let settings = client.call(&GetChatsSettings::new()).await.unwrap_err();
                let with_options = client
                    .call_with(&GetChatsSettings::new(), &CallOptions::new().no_retry())
                    .await
                    .unwrap_err();
                vec![post, settings, with_options]
            })
        })
        .collect();
    let mut errors: Vec<Error> = Vec::new();
    for task in tasks {
        errors.extend(task.await.unwrap());
    }
    assert_eq!(errors.len(), 12);
    for error in &errors {
        let Error::RateLimited {
            operation,
            resets_in,
            limit,
            reason,
        } = error
        else {
            panic!("{error:?}")
        };
        assert!(
            ["postChatsRoomMessages", "getChatsSettings"].contains(operation),
            "{operation}"
        );
        let resets_in = resets_in.unwrap();
        assert!(resets_in <= Duration::from_secs(3600), "{resets_in:?}");
        assert!(resets_in > Duration::from_secs(3500), "{resets_in:?}");
        assert_eq!(*limit, None);
        assert!(
            reason.starts_with("a rate limit of this access token is used up and resets in "),
            "{reason}"
        );
        assert!(
            reason.ends_with(" s; calls with this token fail at once until then"),
            "{reason}"
        );
        assert!(
            error.to_string().contains("was not sent: a rate limit"),
            "{error}"
        );
        assert!(error.is_rate_limited());
        assert!(!error.request_may_have_been_sent());
        assert_eq!(error.status(), None);
    }
    // The emulator saw no request after the 429.
    let after = server.emulator().counters();
    assert_eq!(after.total, before.total);
    assert_eq!(after.api_requests(), before.api_requests());
    assert_eq!(server.emulator().message_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_whose_reset_is_unknown_fails_only_the_call_that_met_it() {
    let server = Server::start_default().unwrap();
    let client = builder(&server).no_retry().build().unwrap();
    // A 429 with neither Retry-After nor rate-limit headers: no reset time is known.
    server
        .emulator()
        .add_fault(FaultRule::once(FaultRoute::Api, Fault::status(429)))
        .unwrap();
    let met = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(met.status(), Some(429));
    assert_eq!(met.retry_after(), None);
    // The next call, from a clone, is sent and answered.
    let settings = client.clone().call(&GetChatsSettings::new()).await.unwrap();
    assert_eq!(settings.message_retention_period_days, Some(365));
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        2
    );
}
