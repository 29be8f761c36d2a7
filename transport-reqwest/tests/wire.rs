//! What goes over the wire, against a scripted raw TCP server: the exact request bytes
//! (bodies and Content-Length), redirects without the token, and failures in the middle
//! of a body (size cap, broken connection, stall).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{
    DeleteChatsRoomMessage, GetChatsRoom, GetChatsSettings, PostChatsRoomMessages,
    PostChatsRoomParticipant,
};
use genesys_chat::{Config, Error, RetryPolicy, TransportErrorKind};
use genesys_chat_reqwest::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "wire-test-secret-token";
const ROOM: &str = "private-room@conference.example.com";

/// What the server does with one request.
#[derive(Clone)]
enum Script {
    /// Writes these bytes and keeps the connection open for the next request.
    Answer(Vec<u8>),
    /// Writes these bytes, then closes the connection.
    AnswerAndClose(Vec<u8>),
    /// Writes these bytes, then neither writes nor closes for a long while.
    AnswerAndStall(Vec<u8>),
}

/// Decides the answer to the request of this index (0 for the first).
type ScriptFn = dyn Fn(usize, &Request) -> Script + Send + Sync;

/// A loopback HTTP/1.1 server that records every request and answers from a script.
struct RawServer {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

#[derive(Debug, Clone)]
struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    /// The value of a header (names compared case-insensitively), if present.
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }
}

impl RawServer {
    async fn start(script: impl Fn(usize, &Request) -> Script + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = recorded.clone();
                let script = script.clone();
                tokio::spawn(serve(stream, recorded, script));
            }
        });
        RawServer { base, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, recorded: Arc<Mutex<Vec<Request>>>, script: Arc<ScriptFn>) {
    let mut buf = Vec::new();
    loop {
        // Read one request head.
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        let mut request = Request {
            head,
            body: Vec::new(),
        };
        let length: usize = request
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        request.body = buf.drain(..length).collect();
        let index = {
            let mut all = recorded.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        match script(index, &request) {
            Script::Answer(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Script::AnswerAndClose(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Script::AnswerAndStall(bytes) => {
                let _ = stream.write_all(&bytes).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
        }
    }
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn config(base: &str) -> Config {
    Config::with_base_url(base)
        .unwrap()
        .with_token(TOKEN)
        .unwrap()
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// The message of a transport error carries neither the URL, the path values nor the
/// token.
fn assert_clean(error: &Error, base: &str) {
    let text = format!("{error} {error:?}");
    for secret in [TOKEN, base, "/api/v2", "private-room", "conference"] {
        assert!(!text.contains(secret), "{secret:?} in {text}");
    }
}

#[tokio::test]
async fn bodiless_get_and_delete_send_no_body_and_no_length() {
    let server =
        RawServer::start(|_, _| Script::Answer(response("204 No Content", &[], b""))).await;
    let client = Client::new(config(&server.base)).unwrap();
    client
        .call(&DeleteChatsRoomMessage::new(ROOM, "m-1"))
        .await
        .unwrap();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    // A 204 is not a settings document: the core says so.
    assert!(
        matches!(error, Error::Decode { status: 204, .. }),
        "{error:?}"
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].request_line(),
        "DELETE /api/v2/chats/rooms/private-room%40conference.example.com/messages/m-1 HTTP/1.1"
    );
    assert_eq!(
        requests[1].request_line(),
        "GET /api/v2/chats/settings HTTP/1.1"
    );
    for request in &requests {
        assert_eq!(request.header("content-length"), None, "{}", request.head);
        assert_eq!(
            request.header("transfer-encoding"),
            None,
            "{}",
            request.head
        );
        assert_eq!(request.header("content-type"), None, "{}", request.head);
        assert!(request.body.is_empty());
        assert_eq!(
            request.header("authorization").as_deref(),
            Some("Bearer wire-test-secret-token")
        );
        assert_eq!(
            request.header("accept").as_deref(),
            Some("application/json")
        );
        assert_eq!(
            request.header("user-agent").as_deref(),
            Some(genesys_chat::config::DEFAULT_USER_AGENT)
        );
        assert_eq!(request.header("referer"), None);
    }
}

#[tokio::test]
async fn bodiless_post_sends_content_length_zero_and_json_posts_their_body() {
    let server = RawServer::start(|index, _| {
        Script::Answer(if index == 0 {
            response("204 No Content", &[], b"")
        } else {
            response("200 OK", &[], br#"{"id":"msg-1"}"#)
        })
    })
    .await;
    let client = Client::builder(config(&server.base))
        .user_agent("wire-test/1.0")
        .build()
        .unwrap();
    client
        .call(&PostChatsRoomParticipant::new(ROOM, "user-1"))
        .await
        .unwrap();
    let sent = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("Hello, room"),
        ))
        .await
        .unwrap();
    assert_eq!(sent.id(), Some("msg-1"));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].request_line(),
        "POST /api/v2/chats/rooms/private-room%40conference.example.com/participants/user-1 HTTP/1.1"
    );
    assert_eq!(requests[0].header("content-length").as_deref(), Some("0"));
    assert_eq!(requests[0].header("transfer-encoding"), None);
    assert!(requests[0].body.is_empty());

    assert_eq!(
        requests[1].request_line(),
        "POST /api/v2/chats/rooms/private-room%40conference.example.com/messages HTTP/1.1"
    );
    assert_eq!(requests[1].body, br#"{"message":"Hello, room"}"#);
    assert_eq!(requests[1].header("content-length").as_deref(), Some("25"));
    assert_eq!(
        requests[1].header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        requests[1].header("user-agent").as_deref(),
        Some("wire-test/1.0")
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_never_carries_the_token() {
    let target = RawServer::start(|_, _| {
        Script::Answer(response(
            "200 OK",
            &[("ININ-Correlation-Id", "corr-target")],
            br#"{"jid":"private-room@conference.example.com","subject":"Moved"}"#,
        ))
    })
    .await;
    let location = format!("{}/api/v2/chats/rooms/elsewhere", target.base);
    let origin = RawServer::start(move |_, _| {
        Script::Answer(response(
            "307 Temporary Redirect",
            &[("Location", location.as_str())],
            b"",
        ))
    })
    .await;
    let client = Client::new(config(&origin.base)).unwrap();
    // Another origin is never followed: the 307 is the answer, and the target sees
    // nothing (a 307/308 would re-send a body there; reqwest strips only headers).
    let error = client.call(&GetChatsRoom::new(ROOM)).await.unwrap_err();
    assert_eq!(error.status(), Some(307));
    let first = origin.requests();
    assert_eq!(first.len(), 1);
    assert_eq!(
        first[0].header("authorization").as_deref(),
        Some("Bearer wire-test-secret-token")
    );
    assert!(target.requests().is_empty());
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_while_streaming_without_content_length() {
    // Chunked: no Content-Length announces the size. Three chunks of 400 bytes, then the
    // server stalls without ending the body: only a cap enforced while streaming answers
    // before the attempt timeout.
    let server = RawServer::start(|_, _| {
        let chunk = format!("190\r\n{}\r\n", "a".repeat(400));
        let mut bytes =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                .to_vec();
        for _ in 0..3 {
            bytes.extend_from_slice(chunk.as_bytes());
        }
        Script::AnswerAndStall(bytes)
    })
    .await;
    let client = Client::builder(config(&server.base))
        .max_response_bytes(1000)
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match error {
        Error::BodyTooLarge {
            operation,
            limit,
            size,
        } => {
            assert_eq!(operation, "getChatsSettings");
            assert_eq!(limit, 1000);
            assert!(size > 1000 && size <= 1200, "{size}");
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    // Not retried: a size cap is no transient failure.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_content_length_over_the_cap_is_refused_before_reading() {
    // Announces 5000 bytes, sends 10, then stalls: the client must not wait for the rest.
    let server = RawServer::start(|_, _| {
        Script::AnswerAndStall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"a\":\"b\"}".to_vec(),
        )
    })
    .await;
    let client = Client::builder(config(&server.base))
        .max_response_bytes(1000)
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        error,
        Error::BodyTooLarge {
            operation: "getChatsSettings",
            limit: 1000,
            size: 5000
        }
    );
}

#[tokio::test]
async fn an_error_answer_over_the_cap_keeps_its_status_and_is_retried() {
    // A gateway's 2400-byte error page, over a 1000-byte cap: the status and Retry-After
    // still reach the retry policy, the page is not parsed.
    let page = "<html>".repeat(400);
    let server = RawServer::start(move |index, _| {
        Script::Answer(match index {
            0 => response(
                "503 Service Unavailable",
                &[("Content-Type", "text/html")],
                page.as_bytes(),
            ),
            _ => response(
                "429 Too Many Requests",
                &[("Retry-After", "3600"), ("ININ-Correlation-Id", "corr-big")],
                page.as_bytes(),
            ),
        })
    })
    .await;
    let client = Client::builder(config(&server.base))
        .max_response_bytes(1000)
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 429);
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(api.correlation_id.as_deref(), Some("corr-big"));
    assert_eq!(
        api.excerpt.as_deref(),
        Some("(1001 bytes, over the cap of 1000; not parsed)")
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_io_and_a_post_is_not_resent() {
    let server = RawServer::start(|_, _| {
        Script::AnswerAndClose(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\":".to_vec())
    })
    .await;
    let client = Client::builder(config(&server.base))
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("once"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert!(matches!(
        error,
        Error::Transport {
            operation: "postChatsRoomMessages",
            ..
        }
    ));
    assert_clean(&error, &server.base);
    assert_eq!(server.requests().len(), 1, "a POST must not be sent twice");
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_retried_for_a_get() {
    let server = RawServer::start(|index, _| {
        if index == 0 {
            Script::AnswerAndClose(
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"mess".to_vec(),
            )
        } else {
            Script::Answer(response(
                "200 OK",
                &[],
                br#"{"messageRetentionPeriodDays":90}"#,
            ))
        }
    })
    .await;
    let client = Client::builder(config(&server.base))
        .retry(quick_retry())
        .build()
        .unwrap();
    let reply = client
        .call_with_reply(&GetChatsSettings::new())
        .await
        .unwrap();
    assert_eq!(reply.output.message_retention_period_days, Some(90));
    assert_eq!(reply.attempts, 2);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_body_that_stalls_hits_the_attempt_timeout() {
    let server = RawServer::start(|_, _| {
        Script::AnswerAndStall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\":".to_vec())
    })
    .await;
    let client = Client::builder(config(&server.base))
        .attempt_timeout(Duration::from_millis(300))
        .no_retry()
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .call(&PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("slow"),
        ))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Timeout),
        "{error:?}"
    );
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_clean(&error, &server.base);
}

#[tokio::test]
async fn the_total_budget_bounds_the_attempts() {
    // Every attempt stalls; the total budget (not 3 × the attempt timeout) ends the call.
    let server = RawServer::start(|_, _| {
        Script::AnswerAndStall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".to_vec())
    })
    .await;
    let client = Client::builder(config(&server.base))
        .retry(quick_retry())
        .attempt_timeout(Duration::from_secs(2))
        .total_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Timeout),
        "{error:?}"
    );
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

/// A message of the room, as the service writes it.
fn message_json(id: &str, second: u32) -> String {
    format!(
        r#"{{"id":"{id}","dateCreated":"2026-11-25T10:00:0{second}.000Z","toJid":"{ROOM}","jid":"user-1@example.com","body":"text {id}","thread":{{"id":"{id}"}}}}"#
    )
}

fn page(messages: &[(&str, u32)]) -> Vec<u8> {
    let entities: Vec<String> = messages
        .iter()
        .map(|(id, second)| message_json(id, *second))
        .collect();
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(r#"{{"entities":[{}]}}"#, entities.join(",")).as_bytes(),
    )
}

#[tokio::test]
async fn history_streams_every_page_once_then_ends() {
    use futures_util::StreamExt;
    use genesys_chat::operations::GetChatsRoomMessages;

    let server = RawServer::start(|index, _| {
        Script::Answer(match index {
            0 => page(&[("m5", 5), ("m4", 4)]),
            1 => page(&[("m3", 3), ("m2", 2)]),
            2 => page(&[("m1", 1)]),
            _ => response("500 Internal Server Error", &[], b""),
        })
    })
    .await;
    let client = Client::new(config(&server.base)).unwrap();
    let mut stream = client.history(GetChatsRoomMessages::new(ROOM).limit(2));
    let mut ids = Vec::new();
    while let Some(message) = stream.next().await {
        ids.push(message.unwrap().id.unwrap());
    }
    assert_eq!(ids, ["m5", "m4", "m3", "m2", "m1"]);
    // Ended for good: polling again neither panics nor asks for more.
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());

    let lines: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.request_line().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages?limit=2 HTTP/1.1",
            "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages?limit=2&before=2026-11-25T10%3A00%3A04.000Z HTTP/1.1",
            "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages?limit=2&before=2026-11-25T10%3A00%3A02.000Z HTTP/1.1",
        ]
    );
}

#[tokio::test]
async fn history_yields_an_error_once_and_ends() {
    use futures_util::StreamExt;
    use genesys_chat::operations::GetChatsRoomMessages;

    let server = RawServer::start(|index, _| {
        Script::Answer(match index {
            0 => page(&[("m5", 5), ("m4", 4)]),
            _ => response(
                "404 Not Found",
                &[
                    ("Content-Type", "application/json"),
                    ("ININ-Correlation-Id", "corr-404"),
                ],
                br#"{"message":"room not found","code":"not.found","status":404}"#,
            ),
        })
    })
    .await;
    let client = Client::new(config(&server.base)).unwrap();
    let items: Vec<_> = client
        .history(GetChatsRoomMessages::new(ROOM).limit(2))
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().id(), Some("m5"));
    assert_eq!(items[1].as_ref().unwrap().id(), Some("m4"));
    let api = items[2].as_ref().unwrap_err().api().unwrap();
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), Some("not.found"));
    assert_eq!(api.correlation_id.as_deref(), Some("corr-404"));
    assert_eq!(api.operation, "getChatsRoomMessages");
    // A 404 is not retried: two requests in all.
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_history_stream_runs_in_a_spawned_task() {
    use futures_util::StreamExt;
    use genesys_chat::operations::GetChatsRoomMessages;

    let server = RawServer::start(|index, _| {
        Script::Answer(match index {
            0 => page(&[("m2", 2), ("m1", 1)]),
            _ => page(&[]),
        })
    })
    .await;
    let client = Client::new(config(&server.base)).unwrap();
    let stream = client.history(GetChatsRoomMessages::new(ROOM));
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
