//! The transport conformance kit (`genesys_chat_testkit::conformance`), run on the
//! blocking client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_chat::{Error, Operation, Reply};
use genesys_chat_testkit::conformance::{self, BlockingSubject, Settings};
use genesys_chat_ureq::Client;

struct Ureq(Client);

impl BlockingSubject for Ureq {
    fn build(settings: &Settings) -> Result<Self, Error> {
        settings.builder::<Client>()?.build().map(Ureq)
    }

    fn call<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        self.0.call_with_reply(op)
    }
}

#[test]
fn the_ureq_client_passes_the_conformance_kit() {
    conformance::assert_blocking::<Ureq>("genesys-chat-ureq");
}
