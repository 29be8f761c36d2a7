//! The transport conformance kit (`genesys_chat_testkit::conformance`), run on the async
//! client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;

use genesys_chat::{Error, Operation, Reply};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::conformance::{self, AsyncSubject, Settings};

struct Reqwest(Client);

impl AsyncSubject for Reqwest {
    fn build(settings: &Settings) -> Result<Self, Error> {
        settings.builder::<Client>()?.build().map(Reqwest)
    }

    fn call<O>(
        &self,
        op: O,
    ) -> impl Future<Output = Result<Reply<O::Output>, Error>> + Send + 'static
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send,
    {
        let client = self.0.clone();
        async move { client.call_with_reply(&op).await }
    }
}

#[test]
fn the_reqwest_client_passes_the_conformance_kit() {
    conformance::assert_async::<Reqwest>("genesys-chat-reqwest");
}
