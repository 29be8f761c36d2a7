//! Pacing against the testkit's loopback emulator: with pacing on (the default), threads
//! that share a client stay within the token's rate limit and meet no 429; a daily limit
//! (a 429 with a long `Retry-After`) fails every sharer of the client at once, without a
//! request; with pacing off, the same load meets the limit.
//!
//! The emulator's limit here is 20 requests per 2 s window, so the paced runs take about
//! 25 s by design (240 posts are 12 windows).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Barrier;
use std::time::Duration;

use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsRoomMessages, GetChatsSettings, PostChatsRoomMessages, PostChatsRooms,
};
use genesys_chat::{CallOptions, Config, Error};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, RateLimit};
use genesys_chat_ureq::{Client, ClientBuilder};

const THREADS: usize = 8;
const POSTS_PER_THREAD: usize = 30;

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

fn room(client: &Client) -> String {
    client
        .call(&PostChatsRooms::new(CreateRoomRequest::new("Pacing")))
        .unwrap()
        .jid
        .unwrap()
}

/// Posts `POSTS_PER_THREAD` messages from each of `THREADS` threads, all through clones
/// of `client`; returns every call's result.
fn post_from_threads(client: &Client, jid: &str) -> Vec<Result<String, Error>> {
    let barrier = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let client = client.clone();
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    (0..POSTS_PER_THREAD)
                        .map(|i| {
                            let body = SendMessageBody::new(format!("thread {t} message {i}"));
                            client
                                .call(&PostChatsRoomMessages::new(jid, body))
                                .map(|sent| sent.id.unwrap())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect()
    })
}

#[test]
fn eight_paced_threads_under_20_per_2s_meet_no_429_and_store_each_message_once() {
    let server = Server::start_default().unwrap();
    limit_20_per_2s(&server);
    let client = builder(&server).build().unwrap();
    let jid = room(&client);
    let results = post_from_threads(&client, &jid);
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
        .collect();
    assert_eq!(history.len(), 240);
    assert_eq!(history.into_iter().collect::<BTreeSet<_>>(), ids);
    assert_eq!(server.emulator().counters().rate_limited, 0);
}

#[test]
fn without_pacing_the_same_load_meets_429s() {
    let server = Server::start_default().unwrap();
    limit_20_per_2s(&server);
    // No retries either, so that every refusal is one failed call (and the test is quick).
    let client = builder(&server).no_pacing().no_retry().build().unwrap();
    let jid = room(&client);
    let results = post_from_threads(&client, &jid);
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

#[test]
fn a_daily_limit_fails_every_clone_and_thread_at_once_without_a_request() {
    let server = Server::start_default().unwrap();
    let client = builder(&server).build().unwrap();
    let jid = room(&client);
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
        .unwrap_err();
    assert_eq!(met.status(), Some(429));
    assert_eq!(met.retry_after(), Some(Duration::from_secs(3600)));
    let before = server.emulator().counters();
    assert_eq!(before.operation("postChatsRoomMessages"), 1);

    // Clones in other threads, other operations, per-call options: all fail at once.
    let errors: Vec<Error> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let client = client.clone();
                let jid = &jid;
                scope.spawn(move || {
                    let post = client
                        .call(&PostChatsRoomMessages::new(
                            jid,
                            SendMessageBody::new(format!("thread {t}")),
                        ))
                        .unwrap_err();
                    let settings = client.call(&GetChatsSettings::new()).unwrap_err();
                    let with_options = client
                        .call_with(&GetChatsSettings::new(), &CallOptions::new().no_retry())
                        .unwrap_err();
                    vec![post, settings, with_options]
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect()
    });
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

#[test]
fn a_429_whose_reset_is_unknown_fails_only_the_call_that_met_it() {
    let server = Server::start_default().unwrap();
    let client = builder(&server).no_retry().build().unwrap();
    // A 429 with neither Retry-After nor rate-limit headers: no reset time is known.
    server
        .emulator()
        .add_fault(FaultRule::once(FaultRoute::Api, Fault::status(429)))
        .unwrap();
    let met = client.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(met.status(), Some(429));
    assert_eq!(met.retry_after(), None);
    // The next call, from a clone, is sent and answered.
    let settings = client.clone().call(&GetChatsSettings::new()).unwrap();
    assert_eq!(settings.message_retention_period_days, Some(365));
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        2
    );
}
