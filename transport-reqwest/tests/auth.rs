//! The token lifecycle of the async client against the emulator: login on first use, renewal before expiry,
//! one renewal and one retry after a 401, one token request for many concurrent callers,
//! and clear errors for bad credentials.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genesys_chat::auth::Credentials;
use genesys_chat::operations::GetChatsSettings;
use genesys_chat::{AccessToken, Config, Error};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::{Emulator, EmulatorBuilder, server::Server};

fn server_with_lifetime(lifetime: Duration) -> Server {
    let emulator = EmulatorBuilder::with_defaults()
        .token_lifetime(lifetime)
        .build()
        .unwrap();
    Server::start(Arc::new(emulator)).unwrap()
}

fn client(server: &Server, credentials: Credentials) -> Client {
    Client::builder(Config::with_base_url(&server.base_url()).unwrap())
        .credentials(credentials)
        .build()
        .unwrap()
}

fn client_credentials() -> Credentials {
    Credentials::client_credentials(Emulator::DEFAULT_CLIENT_ID, Emulator::DEFAULT_CLIENT_SECRET)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logs_in_on_first_use_and_reuses_the_token() {
    let server = server_with_lifetime(Duration::from_secs(3600));
    let client = client(&server, client_credentials());
    assert_eq!(server.emulator().counters().token_requests, 0);
    for _ in 0..3 {
        client.call(&GetChatsSettings::new()).await.unwrap();
    }
    let counters = server.emulator().counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.operation("getChatsSettings"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn renews_before_expiry() {
    // A 2 s token is used for half its life, then renewed before it lapses.
    let server = server_with_lifetime(Duration::from_secs(2));
    let client = client(&server, client_credentials());
    client.call(&GetChatsSettings::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.call(&GetChatsSettings::new()).await.unwrap();
    let counters = server.emulator().counters();
    assert_eq!(counters.token_requests, 2);
    // No request was refused: the renewal came before the emulator's expiry.
    assert_eq!(counters.operation("getChatsSettings"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_401_renews_once_and_retries_once() {
    let server = server_with_lifetime(Duration::from_secs(3600));
    let client = client(&server, client_credentials());
    client.call(&GetChatsSettings::new()).await.unwrap();
    // The emulator forgets every token it issued: the client's token is now refused.
    server.emulator().reset();
    client.call(&GetChatsSettings::new()).await.unwrap();
    let counters = server.emulator().counters();
    assert_eq!(counters.token_requests, 1, "one renewal after the reset");
    assert_eq!(
        counters.operation("getChatsSettings"),
        2,
        "the 401, then the retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_that_stays_refused_is_retried_only_once() {
    let server = server_with_lifetime(Duration::from_secs(3600));
    let fetched = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&fetched);
    let client = client(
        &server,
        Credentials::callback(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            AccessToken::new("not-a-token-the-emulator-knows")
        }),
    );
    let err = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(
        fetched.load(Ordering::SeqCst),
        2,
        "first token, one renewal"
    );
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        2,
        "one request, one retry, no loop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_callers_share_one_renewal() {
    let server = server_with_lifetime(Duration::from_secs(2));
    let client = client(&server, client_credentials());
    client.call(&GetChatsSettings::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the token is due for renewal
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call(&GetChatsSettings::new()).await })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap().unwrap();
    }
    let counters = server.emulator().counters();
    assert_eq!(
        counters.token_requests, 2,
        "the first login and exactly one renewal for 16 callers"
    );
    assert_eq!(counters.operation("getChatsSettings"), 17);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_client_credentials_fail_clearly_after_one_attempt() {
    let server = server_with_lifetime(Duration::from_secs(3600));
    let client = client(
        &server,
        Credentials::client_credentials(Emulator::DEFAULT_CLIENT_ID, "wrong-secret"),
    );
    let err = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { status: 401, error, .. } if error == "invalid_client"),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wrong-secret"), "{shown}");
    let counters = server.emulator().counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.api_requests(), 0, "no API call without a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fixed_token_is_not_renewed() {
    let server = server_with_lifetime(Duration::from_secs(3600));
    let client = client(&server, Credentials::token("unknown-token").unwrap());
    let err = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let counters = server.emulator().counters();
    assert_eq!(counters.operation("getChatsSettings"), 1);
    assert_eq!(counters.token_requests, 0);
}
