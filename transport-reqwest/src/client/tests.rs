//! Unit tests that need no server: builder defaults, jitter, error mapping, Send-ness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use genesys_chat::config::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_USER_AGENT};
use genesys_chat::operations::{self as ops, GetChatsSettings, PostChatsRoomParticipant};

const TOKEN: &str = "unit-test-secret-token";

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

/// A loopback port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn jitter_is_in_range_and_varies() {
    let values: Vec<f64> = (0..256).map(|_| jitter()).collect();
    assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
    let first = values[0];
    assert!(values.iter().any(|v| *v != first));
    // Spread: both halves of the range are hit.
    assert!(values.iter().any(|v| *v < 0.5));
    assert!(values.iter().any(|v| *v >= 0.5));
}

#[test]
fn builder_defaults_are_those_of_the_ureq_client() {
    // The builder is the core's, shared with the ureq client (its defaults are tested
    // in genesys_chat::client); here: that they reach this client.
    let client = Client::builder(config("http://127.0.0.1:9"))
        .build()
        .unwrap();
    assert_eq!(client.inner.attempt_timeout, Duration::from_secs(30));
    assert_eq!(*client.retry_policy(), RetryPolicy::default());
    assert_eq!(client.retry_policy().budget, Duration::from_secs(120));
    assert_eq!(client.config().max_response_bytes(), 8 * 1024 * 1024);
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 8 * 1024 * 1024);
    assert_eq!(client.config().user_agent(), DEFAULT_USER_AGENT);
}

#[test]
fn builder_knobs_reach_the_client() {
    let client = Client::builder(config("http://127.0.0.1:9"))
        .connect_timeout(Duration::from_secs(1))
        .attempt_timeout(Duration::from_secs(2))
        .total_timeout(Duration::from_secs(3))
        .pool_size(1)
        .max_response_bytes(1024)
        .user_agent("my-app/1.0")
        .proxy("http://proxy.internal:3128")
        .build()
        .unwrap();
    assert_eq!(client.inner.attempt_timeout, Duration::from_secs(2));
    assert_eq!(client.retry_policy().budget, Duration::from_secs(3));
    assert_eq!(client.retry_policy().max_attempts, 4);
    assert_eq!(client.config().max_response_bytes(), 1024);
    assert_eq!(client.config().user_agent(), "my-app/1.0");

    let off = Client::builder(config("http://127.0.0.1:9"))
        .no_retry()
        .build()
        .unwrap();
    assert_eq!(off.retry_policy().max_attempts, 1);
    // The budget set before or after the policy wins over the policy's own.
    let both = Client::builder(config("http://127.0.0.1:9"))
        .total_timeout(Duration::from_secs(7))
        .retry(quick_retry())
        .build()
        .unwrap();
    assert_eq!(both.retry_policy().budget, Duration::from_secs(7));
    assert_eq!(both.retry_policy().base_delay, Duration::from_millis(5));
}

#[test]
fn builder_refuses_bad_input() {
    let bad_proxy = Client::builder(config("http://127.0.0.1:9"))
        .proxy("not a url")
        .build()
        .unwrap_err();
    assert!(
        matches!(bad_proxy, Error::InvalidInput { field: "proxy", .. }),
        "{bad_proxy:?}"
    );
    let bad_agent = Client::builder(config("http://127.0.0.1:9"))
        .user_agent("x\r\nX-Injected: 1")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            bad_agent,
            Error::InvalidInput {
                field: "userAgent",
                ..
            }
        ),
        "{bad_agent:?}"
    );
}

#[test]
fn clones_share_one_client() {
    let client = Client::new(config("http://127.0.0.1:9")).unwrap();
    let clone = client.clone();
    assert!(Arc::ptr_eq(&client.inner, &clone.inner));
}

#[test]
fn debug_never_shows_the_token() {
    let client = Client::new(config("http://127.0.0.1:9")).unwrap();
    let text = format!(
        "{client:?} {:?}",
        Client::builder(config("http://127.0.0.1:9"))
    );
    assert!(!text.contains(TOKEN), "{text}");
}

#[test]
fn no_redirect_is_followed() {
    assert_eq!(MAX_REDIRECTS, 0);
}

#[test]
fn error_chain_joins_sources_without_repeats() {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error sending request")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }
    let e = Outer(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection reset by peer",
    ));
    assert_eq!(
        error_chain(&e),
        "error sending request: connection reset by peer"
    );
}

#[test]
fn scrub_masks_the_url_and_path() {
    let scrub = Scrub {
        uri: "http://127.0.0.1:9/api/v2/chats/rooms/secret%40room",
        url: "http://127.0.0.1:9/api/v2/chats/rooms/secret%40room",
        path: "/api/v2/chats/rooms/secret%40room",
    };
    assert_eq!(
        scrub.apply(
            "error for url (http://127.0.0.1:9/api/v2/chats/rooms/secret%40room) at /api/v2/chats/rooms/secret%40room"
                .to_owned()
        ),
        "error for url ([url]) at [path]"
    );
}

#[test]
fn a_builder_error_is_other() {
    let error = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get("not a url")
        .build()
        .unwrap_err();
    assert!(error.is_builder());
    assert_eq!(transport_kind(&error), TransportErrorKind::Other);
}

#[tokio::test]
async fn a_refused_connection_is_connect_and_retried_even_for_a_post() {
    let port = closed_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::builder(config(&base))
        .retry(quick_retry())
        .build()
        .unwrap();
    // A POST: a connection that was never made is retried (nothing was sent), and the
    // error after the last attempt says so.
    let op = PostChatsRoomParticipant::new("room@conference.example.com", "user-1");
    let error = client.call(&op).await.unwrap_err();
    let Error::Transport {
        operation,
        kind,
        message,
    } = &error
    else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(*operation, "postChatsRoomParticipant");
    assert_eq!(*kind, TransportErrorKind::Connect);
    assert!(!message.contains(&port.to_string()), "{message}");
    assert!(!message.contains("/api/v2"), "{message}");
    assert!(!message.contains("room"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
    assert!(!error.to_string().contains(TOKEN));
}

/// A loopback listener whose accept queue is full, so that a further connection hangs in
/// the handshake (Linux drops the SYN). Returns the listener and the connections that
/// fill it, to keep alive; `None` if the queue never filled.
async fn hanging_listener() -> Option<(tokio::net::TcpListener, Vec<tokio::net::TcpStream>)> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..64 {
        match tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => held.push(stream),
            Ok(Err(_)) => return None,
            Err(_) => return Some((listener, held)),
        }
    }
    None
}

#[tokio::test]
async fn a_connect_timeout_is_connect() {
    let Some((listener, held)) = hanging_listener().await else {
        panic!("could not fill a loopback accept queue on this system");
    };
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client = Client::builder(config(&base))
        .connect_timeout(Duration::from_millis(150))
        .attempt_timeout(Duration::from_secs(5))
        .no_retry()
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportErrorKind::Connect,
                operation: "getChatsSettings",
                ..
            }
        ),
        "{error:?}"
    );
    // It was the connect timeout, not the attempt timeout.
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    drop(held);
}

#[tokio::test]
async fn no_answer_within_the_attempt_is_timeout() {
    // A listener that never accepts: the kernel completes the handshake, the request is
    // sent, and no answer ever comes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client = Client::builder(config(&base))
        .attempt_timeout(Duration::from_millis(200))
        .no_retry()
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(
        matches!(
            &error,
            Error::Transport {
                kind: TransportErrorKind::Timeout,
                operation: "getChatsSettings",
                ..
            }
        ),
        "{error:?}"
    );
    drop(listener);
}

#[tokio::test]
async fn invalid_input_fails_before_any_request() {
    let client = Client::new(config(&format!("http://127.0.0.1:{}", closed_port()))).unwrap();
    let error = client.call(&ops::GetChatsRoom::new("")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidInput {
                field: "roomJid",
                ..
            }
        ),
        "{error:?}"
    );
}

/// Compiles only if `call` futures are `Send` for every `Sync` operation with a `Send`
/// output, i.e. if they can be spawned on a multi-threaded runtime.
#[allow(dead_code)]
fn call_futures_are_send<'a, O>(client: &'a Client, op: &'a O) -> impl Send + 'a
where
    O: Operation + Sync,
    O::Output: Send,
{
    async move {
        let _ = client.call(op).await;
        let _ = client.call_with_reply(op).await;
    }
}

fn assert_send<T: Send>(_: &T) {}
fn assert_send_sync_static<T: Send + Sync + 'static>() {}

#[test]
fn every_operation_can_be_called_from_a_spawned_task() {
    macro_rules! check {
        ($($op:ident),+ $(,)?) => {
            $(
                assert_send_sync_static::<ops::$op>();
                assert_send_sync_static::<<ops::$op as Operation>::Output>();
            )+
            assert_eq!([$(stringify!($op)),+].len(), ops::ALL.len());
        };
    }
    check!(
        DeleteChatsRoomMessage,
        DeleteChatsRoomMessagesPin,
        DeleteChatsUsersMeSettings,
        PostChatsUsersMeSettings,
        DeleteChatsRoomParticipant,
        DeleteChatsUserMessage,
        DeleteChatsUserMessagesPin,
        GetChatsMessage,
        GetChatsRoom,
        GetChatsRoomMessage,
        GetChatsRoomMessages,
        GetChatsRoomParticipant,
        GetChatsRoomParticipants,
        GetChatsSettings,
        GetChatsThreadMessages,
        GetChatsUser,
        GetChatsUserMessage,
        GetChatsUserMessages,
        GetChatsUserSettings,
        GetChatsUsersMeSettings,
        PatchChatsRoom,
        PatchChatsRoomMessage,
        PatchChatsSettings,
        PatchChatsUserMessage,
        PatchChatsUserSettings,
        PatchChatsUsersMeSettings,
        PostChatsRoomMessages,
        PostChatsRoomMessagesPins,
        PostChatsRoomParticipant,
        PostChatsRooms,
        PostChatsUserMessages,
        PostChatsUserMessagesPins,
        PutChatsMessageReactions,
        PutChatsSettings,
    );

    // A concrete future, checked the way `tokio::spawn` would.
    let client = Client::new(config("http://127.0.0.1:9")).unwrap();
    let op = GetChatsSettings::new();
    let future = client.call(&op);
    assert_send(&future);
    drop(future);
    let stream = client.history(ops::GetChatsRoomMessages::new("r@conference.example.com"));
    assert_send(&stream);
    fn is_static<T: 'static>(_: &T) {}
    is_static(&stream);
    assert_send_sync_static::<Client>();
}
