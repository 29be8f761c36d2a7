//! What only the async client's history stream shows: it is `Send` and `'static`, so it
//! runs in a spawned task, and once it has ended (after a short page, or after an
//! error) polling it again keeps answering `None` and asks the server for nothing more.
//! Paging itself (every page once, errors, malformed messages, servers that repeat
//! themselves) is checked by the conformance kit's history group.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use genesys_chat::operations::GetChatsRoomMessages;
use genesys_chat_reqwest::{Client, Config};
use genesys_chat_testkit::conformance::raw::{Answer, RawServer, response};

fn answer(body: &str) -> Answer {
    let json = [("Content-Type", "application/json")];
    Answer::Bytes(response("200 OK", &json, body.as_bytes()))
}

#[tokio::test]
async fn a_history_stream_runs_in_a_spawned_task() {
    let server = RawServer::start(|index, _| match index {
        0 => answer(
            r#"{"entities":[{"id":"m2","dateCreated":"2026-11-25T10:00:02.000Z"},{"id":"m1","dateCreated":"2026-11-25T10:00:01.000Z"}]}"#,
        ),
        _ => answer(r#"{"entities":[]}"#),
    });
    let config = Config::with_base_url(&server.base_url()).unwrap();
    let client = Client::new(config.with_token("history-test-token").unwrap()).unwrap();
    let stream = client.history(GetChatsRoomMessages::new("room@example.com"));
    let ids = tokio::spawn(async move {
        stream
            .map(|m| m.map(|m| m.id.unwrap()))
            .collect::<Vec<_>>()
            .await
    })
    .await
    .unwrap();
    assert_eq!(ids, [Ok("m2".to_owned()), Ok("m1".to_owned())]);
    // Without a limit the walk asks for pages of 100: a page of 2 is short, the end.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_ended_stream_keeps_answering_none_and_asks_nothing_more() {
    // A short page (the end), then a full page and a 404 (an error ends it).
    let short = r#"{"entities":[{"id":"m1","dateCreated":"2026-11-25T10:00:01.000Z"}]}"#;
    let full = r#"{"entities":[{"id":"m2","dateCreated":"2026-11-25T10:00:02.000Z"},{"id":"m1","dateCreated":"2026-11-25T10:00:01.000Z"}]}"#;
    let server = RawServer::start(move |index, _| match index {
        0 => answer(short),
        1 => answer(full),
        _ => Answer::Bytes(response("404 Not Found", &[], b"")),
    });
    let config = Config::with_base_url(&server.base_url()).unwrap();
    let client = Client::new(config.with_token("history-test-token").unwrap()).unwrap();
    let mut seen = Vec::new();
    for expected_requests in [1, 3] {
        let mut stream = client.history(GetChatsRoomMessages::new("room@example.com").limit(2));
        while let Some(item) = stream.next().await {
            seen.push(item.map_or_else(|e| format!("{:?}", e.status()), |m| m.id.unwrap()));
        }
        for _ in 0..3 {
            assert!(stream.next().await.is_none());
        }
        assert_eq!(server.requests().len(), expected_requests);
    }
    assert_eq!(seen, ["m1", "m2", "m1", "Some(404)"]);
}
