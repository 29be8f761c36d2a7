//! What only the blocking client's history iterator shows: once it has ended, after a
//! short page or after an error, `next` keeps answering `None` and asks the server for
//! nothing more. Paging itself (every page once, errors, malformed messages, servers
//! that repeat themselves) is checked by the conformance kit's history group.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_chat::operations::GetChatsRoomMessages;
use genesys_chat_testkit::conformance::raw::{Answer, RawServer, response};
use genesys_chat_ureq::{Client, Config};

/// A full page of two messages (the limit is 2).
const FULL: &str = r#"{"entities":[{"id":"m2","dateCreated":"2026-11-25T10:00:02.000Z"},{"id":"m1","dateCreated":"2026-11-25T10:00:01.000Z"}]}"#;
/// A short page of one message: the end.
const SHORT: &str = r#"{"entities":[{"id":"m1","dateCreated":"2026-11-25T10:00:01.000Z"}]}"#;

type Case = (&'static [(&'static str, &'static str)], usize, usize);

#[test]
fn an_ended_iterator_keeps_answering_none_and_asks_nothing_more() {
    // The script's answers (status, body) in order, the items before the end, the
    // requests in all.
    let cases: [Case; 2] = [
        (&[("200 OK", SHORT)], 1, 1),
        (&[("200 OK", FULL), ("404 Not Found", "")], 3, 2),
    ];
    for (answers, items, requests) in cases {
        let server = RawServer::start(move |index, _| {
            let (status, body) = answers[index.min(answers.len() - 1)];
            Answer::Bytes(response(status, &[], body.as_bytes()))
        });
        let config = Config::with_base_url(&server.base_url()).unwrap();
        let client = Client::new(config.with_token("history-test-token").unwrap()).unwrap();
        let mut history = client.history(GetChatsRoomMessages::new("room@example.com").limit(2));
        assert_eq!(history.by_ref().count(), items);
        for _ in 0..3 {
            assert!(history.next().is_none());
        }
        assert_eq!(server.requests().len(), requests, "{answers:?}");
    }
}
