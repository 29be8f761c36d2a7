//! The history iterator against a scripted loopback server: a malformed message in the
//! middle of a page, and servers that repeat themselves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use genesys_chat::operations::GetChatsRoomMessages;
use genesys_chat::paging::Stuck;
use genesys_chat::{Config, Error, Timestamp};
use genesys_chat_ureq::Client;

const ROOM: &str = "private-room@conference.example.com";

/// A loopback HTTP/1.1 server that answers the request of each index with the body the
/// script gives (a 200 JSON response), and records each request line.
struct PageServer {
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl PageServer {
    fn start(script: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let lines = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let recorded = lines.clone();
        // The accept thread ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (recorded, script) = (recorded.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &recorded, &*script));
            }
        });
        PageServer { base, lines }
    }

    fn request_lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, lines: &Mutex<Vec<String>>, script: &dyn Fn(usize) -> String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let index = {
            let mut all = lines.lock().unwrap();
            all.push(head.lines().next().unwrap_or("").to_owned());
            all.len() - 1
        };
        let body = script(index);
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

fn message(id: &str, second: u32) -> String {
    format!(
        r#"{{"id":"{id}","dateCreated":"2026-11-25T10:00:0{second}.000Z","toJid":"{ROOM}","jid":"user-1@example.com","body":"text {id}","thread":{{"id":"{id}"}}}}"#
    )
}

fn page(messages: &[String]) -> String {
    format!(r#"{{"entities":[{}]}}"#, messages.join(","))
}

fn client(server: &PageServer) -> Client {
    Client::new(
        Config::with_base_url(&server.base)
            .unwrap()
            .with_token("history-test-token")
            .unwrap(),
    )
    .unwrap()
}

/// Each item as text: the message id, or the error.
fn items(
    history: impl Iterator<Item = Result<genesys_chat::models::ChatMessageResponse, Error>>,
) -> Vec<String> {
    history
        .map(|item| match item {
            Ok(message) => message.id().unwrap_or("(no id)").to_owned(),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

const PATH: &str = "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages";

#[test]
fn a_malformed_message_is_yielded_as_an_error_and_the_history_goes_on() {
    let server = PageServer::start(|index| match index {
        0 => page(&[
            message("m6", 6),
            r#"{"id":"m5","dateCreated":17,"body":"secret text"}"#.to_owned(),
            message("m4", 4),
        ]),
        1 => page(&[message("m3", 3)]),
        _ => "{}".to_owned(),
    });
    let client = client(&server);
    let mut history = client.history(GetChatsRoomMessages::new(ROOM).limit(3));
    let got = items(history.by_ref());
    assert_eq!(
        got,
        vec![
            "m6".to_owned(),
            "error: item 1 of a page of `getChatsRoomMessages` could not be read and was left out: invalid type: integer `17`, expected a string; the other items were kept".to_owned(),
            "m4".to_owned(),
            "m3".to_owned(),
        ]
    );
    assert!(history.next().is_none());
    assert!(!got.concat().contains("secret"));
    assert_eq!(
        server.request_lines(),
        vec![
            format!("{PATH}?limit=3 HTTP/1.1"),
            format!("{PATH}?limit=3&before=2026-11-25T10%3A00%3A04.000Z HTTP/1.1"),
        ]
    );
}

#[test]
fn a_server_repeating_a_page_yields_each_id_once_then_the_repeat_error() {
    // Whatever `before` says, the same page.
    let server = PageServer::start(|_| page(&[message("m2", 2), message("m1", 1)]));
    let client = client(&server);
    let mut history = client.history(GetChatsRoomMessages::new(ROOM).limit(2));
    let all: Vec<_> = history.by_ref().collect();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].as_ref().unwrap().id(), Some("m2"));
    assert_eq!(all[1].as_ref().unwrap().id(), Some("m1"));
    let error = all[2].as_ref().unwrap_err();
    assert_eq!(
        error,
        &Error::HistoryStuck {
            operation: "getChatsRoomMessages",
            reason: Stuck::CursorDidNotMove {
                before: Timestamp::parse("2026-11-25T10:00:01.000Z").unwrap()
            },
        }
    );
    match error {
        Error::HistoryStuck { reason, .. } => assert!(reason.is_repeat()),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "the history of `getChatsRoomMessages` stopped early: the service repeated itself: a full page came back whose oldest message is not older than `before` (2026-11-25T10:00:01.000Z), so the next page would be the same again; older messages were not read; ask again later, or page on with `before` set older than the last message returned"
    );
    assert!(history.next().is_none());
    assert_eq!(server.request_lines().len(), 2);
}

#[test]
fn a_server_repeating_the_boundary_message_yields_each_id_once() {
    // A service that counts `before` inclusively: each page starts with the last one's
    // oldest message.
    let server = PageServer::start(|index| match index {
        0 => page(&[message("m3", 3), message("m2", 2)]),
        1 => page(&[message("m2", 2), message("m1", 1)]),
        2 => page(&[message("m1", 1)]),
        _ => "{}".to_owned(),
    });
    let client = client(&server);
    let got = items(client.history(GetChatsRoomMessages::new(ROOM).limit(2)));
    assert_eq!(got, vec!["m3".to_owned(), "m2".to_owned(), "m1".to_owned()]);
    assert_eq!(server.request_lines().len(), 3);
}

#[test]
fn a_full_page_without_any_date_ends_with_an_error_not_silently() {
    let server = PageServer::start(|index| match index {
        0 => page(&[r#"{"id":"m2"}"#.to_owned(), r#"{"id":"m1"}"#.to_owned()]),
        _ => "{}".to_owned(),
    });
    let client = client(&server);
    let got = items(client.history(GetChatsRoomMessages::new(ROOM).limit(2)));
    assert_eq!(
        got,
        vec![
            "m2".to_owned(),
            "m1".to_owned(),
            "error: the history of `getChatsRoomMessages` stopped early: none of the 2 items of a full page has a `dateCreated`, so older messages cannot be asked for; they were not read; page on with `before` set explicitly".to_owned(),
        ]
    );
    assert_eq!(server.request_lines().len(), 1);
}
