//! The wire checks that need more than a table row of [`super::scenarios`]: several
//! operations on one client, every header of a request, two clients on one server, the
//! connections a scripted server accepted, the fields of an error.
//!
//! Each starts a scripted [`RawServer`], builds the client under test through a
//! [`Maker`] and compares what the server read and what the client returned with literal
//! values. None assumes that a client keeps connections alive (a bare stack may open one
//! per request); the connection checks state what every client must do: never reuse a
//! connection the server closed, nor one left in the middle of a body.

use std::time::{Duration, Instant};

use genesys_chat::models::{ChatSettings, SendMessageBody};
use genesys_chat::operations::{
    DeleteChatsRoomMessage, GetChatsSettings, PostChatsRoomMessages, PostChatsRoomParticipant,
    PutChatsSettings,
};
use genesys_chat::{Error, Reply, TransportErrorKind};

use super::raw::{Answer, RawServer, Recorded, response};
use super::{Caller, Check, Checked, Maker, ROOM, Settings, may_have_been_sent};

/// The checks of this group, in the order they run (after the table rows).
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "request: a bodiless DELETE and GET carry no body, no Content-Length and no Content-Type",
            run: bodiless_delete_and_get_carry_no_body_and_no_length::<C>,
        },
        Check {
            name: "request: a bodiless POST carries Content-Length 0 and JSON bodies go out as they are",
            run: a_bodiless_post_carries_length_zero_and_json_goes_out_as_is::<C>,
        },
        Check {
            name: "request: a custom User-Agent replaces the default once; one that is no header value is refused",
            run: a_custom_user_agent_replaces_the_default_once::<C>,
        },
        Check {
            name: "connection: a connection the server closed while idle is not reused",
            run: a_connection_closed_while_idle_is_not_reused::<C>,
        },
        Check {
            name: "connection: a connection left mid-body is never reused",
            run: a_connection_left_mid_body_is_never_reused::<C>,
        },
        Check {
            name: "connect timeout: a connect that times out is Connect and even a POST is retried",
            run: a_connect_timeout_is_connect_and_retried_even_for_a_post::<C>,
        },
        Check {
            name: "size cap: a chunked body over the cap is refused while streaming and not retried",
            run: a_chunked_body_over_the_cap_is_refused_while_streaming::<C>,
        },
        Check {
            name: "size cap: a Content-Length over the cap is refused before the body is read",
            run: a_content_length_over_the_cap_is_refused_before_reading::<C>,
        },
        Check {
            name: "size cap: a body exactly at the cap is accepted with Content-Length and chunked, one byte more is refused",
            run: a_body_exactly_at_the_cap_is_accepted::<C>,
        },
        Check {
            name: "size cap: an error answer over the cap keeps its status and Retry-After and a 503 is retried",
            run: an_error_answer_over_the_cap_keeps_its_status::<C>,
        },
    ]
}

/// The core's default `User-Agent`.
const DEFAULT_USER_AGENT: &str = "genesys-chat/0.1.0";
/// The `Authorization` of every request of a client with the kit's token.
const BEARER: &str = "Bearer conformance-secret-token";
/// [`ROOM`] as a path segment.
const ROOM_PATH: &str = "/api/v2/chats/rooms/conformance-room%40conference.example.com";

fn settings_body(days: u32) -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(r#"{{"messageRetentionPeriodDays":{days}}}"#).as_bytes(),
    )
}

/// The error of a call that must fail.
///
/// # Panics
///
/// When the call succeeded (the runner reports the message).
fn error_of<T>(result: Result<Reply<T>, Error>, what: &str) -> Error {
    match result {
        Ok(reply) => panic!(
            "{what} succeeded with HTTP {} after {} attempts, expected an error",
            reply.status, reply.attempts
        ),
        Err(e) => e,
    }
}

/// The request lines the server read, in order.
fn lines(server: &RawServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.request_line().to_owned())
        .collect()
}

/// The headers every request of a client with the kit's token carries, each once.
fn assert_common_headers(request: &Recorded, user_agent: &str) {
    let head = &request.head;
    assert_eq!(request.headers("authorization"), [BEARER], "{head}");
    assert_eq!(request.headers("accept"), ["application/json"], "{head}");
    // Exactly one User-Agent: a stack's own is not added next to the core's.
    assert_eq!(request.headers("user-agent"), [user_agent], "{head}");
    assert_eq!(request.headers("host").len(), 1, "{head}");
    assert_eq!(request.header("referer"), None, "{head}");
    assert_eq!(request.header("cookie"), None, "{head}");
}

fn bodiless_delete_and_get_carry_no_body_and_no_length<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = RawServer::start(|_, _| Answer::Bytes(response("204 No Content", &[], b"")));
    let client = make(&Settings::new(server.base_url()))?;
    let deleted = client.call(DeleteChatsRoomMessage::new(ROOM, "m-1"))?;
    assert_eq!(deleted.status.as_u16(), 204);
    let error = error_of(client.call(GetChatsSettings::new()), "a GET answered 204");
    // A 204 is not a settings document: the core says so.
    assert!(
        matches!(
            error,
            Error::Decode {
                operation: "getChatsSettings",
                status: 204,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        lines(&server),
        [
            format!("DELETE {ROOM_PATH}/messages/m-1 HTTP/1.1"),
            "GET /api/v2/chats/settings HTTP/1.1".to_owned(),
        ]
    );
    let host = format!("127.0.0.1:{}", server.port());
    for request in &server.requests() {
        let head = &request.head;
        assert_eq!(request.header("content-length"), None, "{head}");
        assert_eq!(request.header("transfer-encoding"), None, "{head}");
        assert_eq!(request.header("content-type"), None, "{head}");
        assert!(request.body.is_empty(), "{head}");
        assert_common_headers(request, DEFAULT_USER_AGENT);
        assert_eq!(request.header("host"), Some(host.clone()), "{head}");
    }
    Ok(vec![])
}

fn a_bodiless_post_carries_length_zero_and_json_goes_out_as_is<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = RawServer::start(|index, _| {
        Answer::Bytes(match index {
            0 => response("204 No Content", &[], b""),
            1 => response("200 OK", &[], br#"{"id":"msg-1"}"#),
            _ => settings_body(90),
        })
    });
    let client = make(&Settings::new(server.base_url()))?;
    client.call(PostChatsRoomParticipant::new(ROOM, "user-1"))?;
    let sent = client.call(PostChatsRoomMessages::new(
        ROOM,
        SendMessageBody::new("Hello, room"),
    ))?;
    assert_eq!(sent.output.id(), Some("msg-1"));
    let settings = client.call(PutChatsSettings::new(ChatSettings::with_retention_days(90)))?;
    assert_eq!(settings.output.message_retention_period_days, Some(90));

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let [participant, message, put] = &requests[..] else {
        unreachable!("three requests, checked above")
    };
    assert_eq!(
        participant.request_line(),
        format!("POST {ROOM_PATH}/participants/user-1 HTTP/1.1")
    );
    assert_eq!(participant.headers("content-length"), ["0"]);
    assert_eq!(participant.header("transfer-encoding"), None);
    assert_eq!(participant.header("content-type"), None);
    assert!(participant.body.is_empty());

    assert_eq!(
        message.request_line(),
        format!("POST {ROOM_PATH}/messages HTTP/1.1")
    );
    assert_eq!(message.body, br#"{"message":"Hello, room"}"#);
    assert_eq!(message.headers("content-length"), ["25"]);
    assert_eq!(message.header("transfer-encoding"), None);
    assert_eq!(message.headers("content-type"), ["application/json"]);

    assert_eq!(put.request_line(), "PUT /api/v2/chats/settings HTTP/1.1");
    assert_eq!(put.body, br#"{"messageRetentionPeriodDays":90}"#);
    assert_eq!(put.headers("content-length"), ["33"]);
    assert_eq!(put.header("transfer-encoding"), None);
    assert_eq!(put.headers("content-type"), ["application/json"]);
    for request in &requests {
        assert_common_headers(request, DEFAULT_USER_AGENT);
    }
    Ok(vec![])
}

fn a_custom_user_agent_replaces_the_default_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = RawServer::start(|_, _| Answer::Bytes(settings_body(30)));
    let mut settings = Settings::new(server.base_url());
    settings.user_agent = Some("wire-test/1.0".to_owned());
    let client = make(&settings)?;
    client.call(GetChatsSettings::new())?;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_common_headers(&requests[0], "wire-test/1.0");

    // A user agent that is no header value is refused when building.
    settings.user_agent = Some("bad\nagent".to_owned());
    match make(&settings) {
        Ok(_) => panic!("a client with the User-Agent `bad\\nagent` was built"),
        Err(error) => assert!(
            matches!(
                error,
                Error::InvalidInput {
                    field: "userAgent",
                    ..
                }
            ),
            "{error:?}"
        ),
    }
    assert_eq!(server.requests().len(), 1);
    Ok(vec![])
}

fn a_connection_closed_while_idle_is_not_reused<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // The server answers, then closes the connection without saying so; the POST that
    // follows must go out on a new connection, not fail on the dead one (a POST that
    // failed after sending is not retried).
    let server = RawServer::start(|index, _| match index {
        0 => Answer::BytesThenClose(settings_body(30)),
        _ => Answer::Bytes(response("200 OK", &[], br#"{"id":"msg-2"}"#)),
    });
    let mut settings = Settings::new(server.base_url());
    settings.retry.max_attempts = 1;
    let client = make(&settings)?;
    client.call(GetChatsSettings::new())?;
    // Time for the client to see the close.
    std::thread::sleep(Duration::from_millis(500));
    let sent = client.call(PostChatsRoomMessages::new(ROOM, SendMessageBody::new("x")))?;
    assert_eq!(sent.output.id(), Some("msg-2"));
    assert_eq!(sent.attempts, 1);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections(), 2);
    Ok(vec![])
}

fn a_connection_left_mid_body_is_never_reused<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let mut settings = Settings::new(String::new());
    settings.max_response_bytes = 1000;
    settings.attempt_timeout = Duration::from_secs(2);
    settings.retry.max_attempts = 1;

    // A whole body over the cap, refused unread: whether the client drains it and keeps
    // the connection or closes it, the next call reads its own answer, not those bytes.
    let server = RawServer::start(|index, _| {
        Answer::Bytes(if index == 0 {
            response("200 OK", &[], "x".repeat(5000).as_bytes())
        } else {
            settings_body(60)
        })
    });
    settings.base_url = server.base_url();
    let client = make(&settings)?;
    let error = error_of(client.call(GetChatsSettings::new()), "a GET over the cap");
    assert!(
        matches!(error, Error::BodyTooLarge { size: 5000, .. }),
        "{error:?}"
    );
    let next = client.call(GetChatsSettings::new())?;
    assert_eq!(next.output.message_retention_period_days, Some(60));
    assert_eq!(next.attempts, 1);
    assert_eq!(server.requests().len(), 2);

    // A body over the cap that stops half-way, the connection left open: the client
    // cannot finish it, so the next call goes out on a new connection (on the old one
    // it would wait for an answer that never comes).
    let server = RawServer::start(|index, _| {
        if index == 0 {
            let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".to_vec();
            bytes.extend_from_slice("x".repeat(1000).as_bytes());
            Answer::BytesThenStall(bytes)
        } else {
            Answer::Bytes(settings_body(61))
        }
    });
    settings.base_url = server.base_url();
    let client = make(&settings)?;
    let error = error_of(client.call(GetChatsSettings::new()), "a GET over the cap");
    assert!(
        matches!(error, Error::BodyTooLarge { size: 5000, .. }),
        "{error:?}"
    );
    let next = client.call(GetChatsSettings::new())?;
    assert_eq!(next.output.message_retention_period_days, Some(61));
    assert_eq!(next.attempts, 1);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections(), 2);
    Ok(vec![])
}

fn a_chunked_body_over_the_cap_is_refused_while_streaming<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    // Chunked: no Content-Length announces the size. Three chunks of 400 bytes, then the
    // server stalls without ending the body: only a cap enforced while reading answers
    // before the 10 s attempt timeout.
    let server = RawServer::start(|_, _| {
        let chunk = format!("190\r\n{}\r\n", "a".repeat(400));
        let mut bytes =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                .to_vec();
        for _ in 0..3 {
            bytes.extend_from_slice(chunk.as_bytes());
        }
        Answer::BytesThenStall(bytes)
    });
    let mut settings = Settings::new(server.base_url());
    settings.max_response_bytes = 1000;
    settings.attempt_timeout = Duration::from_secs(10);
    let client = make(&settings)?;
    let started = Instant::now();
    let error = error_of(client.call(GetChatsSettings::new()), "a GET over the cap");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
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
    Ok(vec![])
}

fn a_content_length_over_the_cap_is_refused_before_reading<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    // Announces 5000 bytes, sends 9, then stalls: the client must not wait for the rest.
    let server = RawServer::start(|_, _| {
        Answer::BytesThenStall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"a\":\"b\"}".to_vec(),
        )
    });
    let mut settings = Settings::new(server.base_url());
    settings.max_response_bytes = 1000;
    settings.attempt_timeout = Duration::from_secs(10);
    let client = make(&settings)?;
    let started = Instant::now();
    let error = error_of(client.call(GetChatsSettings::new()), "a GET over the cap");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(
        error,
        Error::BodyTooLarge {
            operation: "getChatsSettings",
            limit: 1000,
            size: 5000
        }
    );
    assert_eq!(server.requests().len(), 1);
    Ok(vec![])
}

fn a_body_exactly_at_the_cap_is_accepted<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // `{"messageRetentionPeriodDays":90}` is 33 bytes: with Content-Length on even
    // requests, chunked (16 + 17 bytes) on odd ones.
    const BODY: &[u8] = br#"{"messageRetentionPeriodDays":90}"#;
    let server = RawServer::start(|index, _| {
        Answer::Bytes(if index % 2 == 0 {
            response("200 OK", &[], BODY)
        } else {
            let mut bytes = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            bytes.extend_from_slice(b"10\r\n");
            bytes.extend_from_slice(&BODY[..16]);
            bytes.extend_from_slice(b"\r\n11\r\n");
            bytes.extend_from_slice(&BODY[16..]);
            bytes.extend_from_slice(b"\r\n0\r\n\r\n");
            bytes
        })
    });
    let mut settings = Settings::new(server.base_url());
    settings.max_response_bytes = 33;
    settings.retry.max_attempts = 1;
    let client = make(&settings)?;
    for _ in 0..2 {
        let settings = client.call(GetChatsSettings::new())?;
        assert_eq!(settings.output.message_retention_period_days, Some(90));
    }
    // A cap one byte lower is passed, both ways.
    settings.max_response_bytes = 32;
    let capped = make(&settings)?;
    for way in ["with Content-Length", "chunked"] {
        let error = error_of(capped.call(GetChatsSettings::new()), way);
        assert!(
            matches!(
                error,
                Error::BodyTooLarge {
                    operation: "getChatsSettings",
                    limit: 32,
                    size: 33..,
                }
            ),
            "{way}: {error:?}"
        );
    }
    assert_eq!(server.requests().len(), 4);
    Ok(vec![])
}

fn an_error_answer_over_the_cap_keeps_its_status<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // A gateway's 2400-byte error page, over a 1000-byte cap: the status and Retry-After
    // still reach the retry policy; the page is not parsed.
    let page = "<html>".repeat(400);
    let server = RawServer::start(move |index, _| {
        Answer::Bytes(match index {
            0 => response(
                "503 Service Unavailable",
                &[("Content-Type", "text/html")],
                page.as_bytes(),
            ),
            1 => response(
                "429 Too Many Requests",
                &[("Retry-After", "3600"), ("ININ-Correlation-Id", "corr-big")],
                page.as_bytes(),
            ),
            _ => settings_body(90),
        })
    });
    let mut settings = Settings::new(server.base_url());
    settings.max_response_bytes = 1000;
    let client = make(&settings)?;
    // The 503 on a GET is retried; the 429's Retry-After (past the budget) is returned.
    let error = error_of(client.call(GetChatsSettings::new()), "a GET answered 429");
    let Some(api) = error.api() else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(api.status, 429);
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(api.correlation_id.as_deref(), Some("corr-big"));
    assert_eq!(api.body, None, "{api:?}");
    // A stack that reads the page stops one byte past the cap; one that reads no body
    // announced over the cap hands over none.
    assert!(
        matches!(
            api.excerpt.as_deref(),
            Some("(1001 bytes, over the cap of 1000; not parsed)" | "(empty)")
        ),
        "{api:?}"
    );
    let text = format!("{error} {error:?}");
    assert!(!text.contains("<html>"), "{text}");
    assert_eq!(server.requests().len(), 2);
    Ok(vec![])
}

/// Posts to a listener whose accept queue is full; the error and how long it took.
fn post_to_a_full_listener<C: Caller>(
    make: &mut Maker<'_, C>,
    tune: impl FnOnce(&mut Settings),
) -> Result<Option<(Error, Duration)>, Error> {
    let Some((_listener, _held, base_url)) = super::raw::full_listener() else {
        return Ok(None);
    };
    let mut settings = Settings::new(base_url);
    settings.retry.max_attempts = 3;
    tune(&mut settings);
    let client = make(&settings)?;
    let started = Instant::now();
    let error = error_of(
        client.call(PostChatsRoomMessages::new(
            ROOM,
            SendMessageBody::new("never sent"),
        )),
        "a POST to a listener that never accepts",
    );
    Ok(Some((error, started.elapsed())))
}

fn a_connect_timeout_is_connect_and_retried_even_for_a_post<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let Some((error, elapsed)) =
        post_to_a_full_listener(make, |s| s.connect_timeout = Duration::from_millis(200))?
    else {
        return Ok(vec![]);
    };
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportErrorKind::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!may_have_been_sent(&error), "{error:?}");
    // Three attempts of 200 ms each: nothing was sent, so even a POST is retried.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    Ok(vec![])
}
