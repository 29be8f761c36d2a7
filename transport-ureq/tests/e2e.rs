//! End to end against the testkit's loopback emulator, for what is the blocking client's
//! own: a client that is `Send + Sync` whose clones share one configuration. What every
//! client must do (every operation, typed errors, retries, timeouts, the size cap,
//! broken connections, concurrent posts, history paging) is checked by the conformance
//! kit (`tests/conformance.rs`, groups `service` and `history`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_chat::Config;
use genesys_chat::operations::GetChatsSettings;
use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;
use genesys_chat_ureq::Client;

#[test]
fn the_client_is_send_and_sync_and_clones_share_the_configuration() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    let server = Server::start_default().unwrap();
    let config = Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let client = Client::builder(config)
        .max_response_bytes(4096)
        .build()
        .unwrap();
    let clone = client.clone();
    assert_eq!(clone.config().max_response_bytes(), 4096);
    assert_eq!(clone.config().user_agent(), "genesys-chat/0.1.0");
    let settings = clone.call(&GetChatsSettings::new()).unwrap();
    assert_eq!(settings.message_retention_period_days, Some(365));
}
