//! End to end against the testkit's loopback emulator: every operation, typed errors,
//! retries (429 with Retry-After, 503 on GET and POST), timeouts, the size cap, broken
//! connections and history streams.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use genesys_chat::models::{
    ChatReactionUpdate, ChatSettings, ChatUserSettings, CreateRoomRequest, NotifyWhen,
    PinnedMessageRequest, RoomUpdateRequest, SendMessageBody,
};
use genesys_chat::operations::{self as ops, *};
use genesys_chat::{Config, Error, RetryPolicy, TransportErrorKind};
use genesys_chat_reqwest::{Client, ClientBuilder};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, User};

/// Retries that take milliseconds, not seconds.
fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn config(server: &Server, token: &str) -> Config {
    Config::with_base_url(&server.base_url())
        .unwrap()
        .with_token(token)
        .unwrap()
}

/// A builder for alice's client against `server`, with quick retries.
fn builder(server: &Server) -> ClientBuilder {
    Client::builder(config(server, Emulator::DEFAULT_TOKEN)).retry(quick_retry())
}

fn client(server: &Server) -> Client {
    builder(server).build().unwrap()
}

fn user(server: &Server, name: &str) -> User {
    server.emulator().user(name).unwrap().clone()
}

fn fault(server: &Server, operation: &str, fault: Fault) -> FaultRule {
    let rule = FaultRule::new(FaultRoute::operation(operation).unwrap(), fault);
    server.emulator().add_fault(rule.clone()).unwrap();
    rule
}

fn fault_once(server: &Server, operation: &str, f: Fault) {
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::operation(operation).unwrap(),
            f,
        ))
        .unwrap();
}

/// A room of alice's with bob in it.
async fn room(client: &Client, server: &Server) -> String {
    let bob = user(server, "bob");
    client
        .call(&PostChatsRooms::new(
            CreateRoomRequest::new("Launch").user_ids([bob.id]),
        ))
        .await
        .unwrap()
        .jid
        .unwrap()
}

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let alice = user(&server, "alice");
    let bob = user(&server, "bob");
    let carol = user(&server, "carol");

    // Rooms.
    let jid = client
        .call(&PostChatsRooms::new(
            CreateRoomRequest::new("Launch")
                .description("Launch planning")
                .user_ids([bob.id.clone()]),
        ))
        .await
        .unwrap()
        .jid
        .unwrap();
    assert!(jid.ends_with("@conference.example.orgspan.com"), "{jid}");
    client
        .call(&PatchChatsRoom::new(
            &jid,
            RoomUpdateRequest::new().subject("Launch v2"),
        ))
        .await
        .unwrap();

    // Room messages and a thread.
    let root = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("Hello, room"),
        ))
        .await
        .unwrap()
        .id
        .unwrap();
    let reply = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("A reply").thread_id(&root),
        ))
        .await
        .unwrap()
        .id
        .unwrap();
    assert_ne!(root, reply);
    let edited = client
        .call(&PatchChatsRoomMessage::new(
            &jid,
            &root,
            SendMessageBody::new("Hello, room (edited)"),
        ))
        .await
        .unwrap();
    assert_eq!(edited.id(), Some(root.as_str()));
    client
        .call(&PutChatsMessageReactions::new(
            &root,
            ChatReactionUpdate::new(["👍"]),
        ))
        .await
        .unwrap();
    let message = client.call(&GetChatsMessage::new(&root)).await.unwrap();
    assert_eq!(message.body(), "Hello, room (edited)");
    assert_eq!(message.edited, Some(true));
    assert_eq!(message.to_jid(), Some(jid.as_str()));
    let reactions = message.reactions.unwrap();
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0].emoji(), Some("👍"));
    assert_eq!(
        reactions[0].users()[0].id.as_deref(),
        Some(alice.id.as_str())
    );

    let by_ids = client
        .call(&GetChatsRoomMessage::ids(&jid, [reply.clone(), root.clone()]).unwrap())
        .await
        .unwrap();
    let ids: Vec<&str> = by_ids.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [reply.as_str(), root.as_str()]);
    let history = client
        .call(&GetChatsRoomMessages::new(&jid).limit(10))
        .await
        .unwrap();
    let ids: Vec<&str> = history.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [reply.as_str(), root.as_str()]);
    let thread = client
        .call(&GetChatsThreadMessages::new(&root))
        .await
        .unwrap();
    let ids: BTreeSet<&str> = thread.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from([reply.as_str(), root.as_str()]));

    // Pins.
    client
        .call(&PostChatsRoomMessagesPins::new(
            &jid,
            PinnedMessageRequest::new([root.clone()]),
        ))
        .await
        .unwrap();
    let room = client.call(&GetChatsRoom::new(&jid)).await.unwrap();
    assert_eq!(room.subject.as_deref(), Some("Launch v2"));
    assert_eq!(room.description.as_deref(), Some("Launch planning"));
    let pinned: Vec<Option<&str>> = room
        .pinned_messages
        .iter()
        .flatten()
        .map(|p| p.id.as_deref())
        .collect();
    assert_eq!(pinned, [Some(root.as_str())]);
    client
        .call(&DeleteChatsRoomMessagesPin::new(&jid, &root))
        .await
        .unwrap();

    // Participants.
    client
        .call(&PostChatsRoomParticipant::new(&jid, &carol.id))
        .await
        .unwrap();
    let participants = client
        .call(&GetChatsRoomParticipants::new(&jid))
        .await
        .unwrap();
    let jids: BTreeSet<&str> = participants
        .participants
        .iter()
        .flatten()
        .filter_map(|p| p.jid.as_deref())
        .collect();
    assert_eq!(
        jids,
        BTreeSet::from([alice.jid.as_str(), bob.jid.as_str(), carol.jid.as_str()])
    );
    let participant = client
        .call(&GetChatsRoomParticipant::new(&jid, &carol.jid))
        .await
        .unwrap();
    assert_eq!(participant.participant_jid(), Some(carol.jid.as_str()));
    client
        .call(&DeleteChatsRoomParticipant::new(&jid, &carol.id))
        .await
        .unwrap();
    client
        .call(&DeleteChatsRoomMessage::new(&jid, &reply))
        .await
        .unwrap();

    // 1on1 with bob.
    let direct = client
        .call(&PostChatsUserMessages::new(
            &bob.id,
            SendMessageBody::new("Hi Bob"),
        ))
        .await
        .unwrap()
        .id
        .unwrap();
    client
        .call(&PatchChatsUserMessage::new(
            &bob.id,
            &direct,
            SendMessageBody::new("Hi Bob!"),
        ))
        .await
        .unwrap();
    let by_ids = client
        .call(&GetChatsUserMessage::ids(&bob.id, [direct.clone()]).unwrap())
        .await
        .unwrap();
    assert_eq!(by_ids.messages().len(), 1);
    assert_eq!(by_ids.messages()[0].body(), "Hi Bob!");
    let history = client
        .call(&GetChatsUserMessages::new(&bob.id))
        .await
        .unwrap();
    let ids: Vec<&str> = history.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [direct.as_str()]);
    client
        .call(&PostChatsUserMessagesPins::new(
            &bob.id,
            PinnedMessageRequest::new([direct.clone()]),
        ))
        .await
        .unwrap();
    let one_on_one = client.call(&GetChatsUser::new(&bob.id)).await.unwrap();
    let pinned: Vec<Option<&str>> = one_on_one
        .pinned_messages
        .iter()
        .flatten()
        .map(|p| p.id.as_deref())
        .collect();
    assert_eq!(pinned, [Some(direct.as_str())]);
    client
        .call(&DeleteChatsUserMessagesPin::new(&bob.id, &direct))
        .await
        .unwrap();
    client
        .call(&DeleteChatsUserMessage::new(&bob.id, &direct))
        .await
        .unwrap();

    // Settings.
    let settings = client.call(&GetChatsSettings::new()).await.unwrap();
    assert_eq!(settings.message_retention_period_days, Some(365));
    let settings = client
        .call(&PutChatsSettings::new(ChatSettings::with_retention_days(
            90,
        )))
        .await
        .unwrap();
    assert_eq!(settings.message_retention_period_days, Some(90));
    let settings = client
        .call(&PatchChatsSettings::new(ChatSettings::with_retention_days(
            30,
        )))
        .await
        .unwrap();
    assert_eq!(settings.message_retention_period_days, Some(30));
    let mine = client
        .call(&GetChatsUserSettings::new(&alice.id))
        .await
        .unwrap();
    assert_eq!(mine.notify_when(), Some(&NotifyWhen::Always));
    let mine = client
        .call(&PatchChatsUserSettings::new(
            &alice.id,
            ChatUserSettings::notify(NotifyWhen::OnlyWhenInactive),
        ))
        .await
        .unwrap();
    assert_eq!(mine.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let me = client.call(&GetChatsUsersMeSettings::new()).await.unwrap();
    assert_eq!(me.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let me = client
        .call(&PatchChatsUsersMeSettings::new(
            genesys_chat::models::UserSettingsForChat::default().notify(NotifyWhen::Always),
        ))
        .await
        .unwrap();
    client
        .call(&PostChatsUsersMeSettings::new(
            genesys_chat::models::UserChatSettingsPost::new(true),
        ))
        .await
        .unwrap();
    client
        .call(&DeleteChatsUsersMeSettings::new())
        .await
        .unwrap();
    assert_eq!(me.notify_when(), Some(&NotifyWhen::Always));

    // Each of the 34 operations reached the service, once (twice for the post of the
    // root and its reply): no retries, none left out.
    let counters = server.emulator().counters();
    for meta in ops::ALL {
        let expected = if meta.id == "postChatsRoomMessages" {
            2
        } else {
            1
        };
        assert_eq!(counters.operation(meta.id), expected, "{}", meta.id);
    }
    assert_eq!(counters.api_requests(), 35);
    assert_eq!(counters.unrouted, 0);
    // Left: the root message of the room (the reply and the 1on1 message were deleted).
    assert_eq!(server.emulator().message_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_is_a_typed_api_error_with_code_and_correlation_id() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let error = client
        .call(&GetChatsRoom::new("missing@conference.example.orgspan.com"))
        .await
        .unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.operation, "getChatsRoom");
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), Some("not.found"));
    let correlation = api.correlation_id.as_deref().unwrap();
    assert!(!correlation.is_empty());
    assert_eq!(api.retry_after, None);
    assert_eq!(error.status(), Some(404));
    // Not retried.
    assert_eq!(server.emulator().counters().operation("getChatsRoom"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_401_and_a_missing_permission_403() {
    let server = Server::start_default().unwrap();
    let stranger = Client::builder(config(&server, "not-a-token"))
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = stranger.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
    assert!(error.api().unwrap().correlation_id.is_some());

    let token = server
        .emulator()
        .issue_token("bob", genesys_chat_testkit::Permissions::none())
        .unwrap();
    let limited = Client::builder(config(&server, &token))
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = limited.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(
        &server,
        "getChatsSettings",
        Fault::too_many_requests(Duration::from_secs(1)),
    );
    let started = Instant::now();
    let reply = client
        .call_with_reply(&GetChatsSettings::new())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    assert!(reply.correlation_id.is_some());
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_post_is_retried_and_stores_the_message_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    fault_once(
        &server,
        "postChatsRoomMessages",
        Fault::too_many_requests(Duration::from_secs(0)),
    );
    let reply = client
        .call_with_reply(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("once"),
        ))
        .await
        .unwrap();
    assert_eq!(reply.attempts, 2);
    let counters = server.emulator().counters();
    assert_eq!(counters.operation("postChatsRoomMessages"), 2);
    assert_eq!(server.emulator().message_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_beyond_the_cap_is_returned_at_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(
        &server,
        "getChatsSettings",
        Fault::too_many_requests(Duration::from_secs(3600)),
    );
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    let api = error.api().unwrap();
    assert_eq!(api.status, 429);
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(api.code(), Some("too.many.requests.retry.after"));
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_is_retried_on_a_get() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    server
        .emulator()
        .add_fault(
            FaultRule::new(
                FaultRoute::operation("getChatsSettings").unwrap(),
                Fault::status(503),
            )
            .times(2),
        )
        .unwrap();
    let reply = client
        .call_with_reply(&GetChatsSettings::new())
        .await
        .unwrap();
    assert_eq!(reply.attempts, 3);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    let counters = server.emulator().counters();
    assert_eq!(counters.operation("getChatsSettings"), 3);
    assert_eq!(counters.faults_injected, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_that_persists_on_a_get_ends_after_max_attempts() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault(&server, "getChatsSettings", Fault::status(503));
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_is_not_retried_on_a_post() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    fault_once(&server, "postChatsRoomMessages", Fault::status(503));
    let error = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("once"),
        ))
        .await
        .unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.status, 503);
    assert_eq!(api.operation, "postChatsRoomMessages");
    assert!(api.correlation_id.is_some());
    assert_eq!(
        server
            .emulator()
            .counters()
            .operation("postChatsRoomMessages"),
        1
    );
    // The 503 fault refused the request: nothing stored.
    assert_eq!(server.emulator().message_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_applied_then_dropped_is_not_sent_twice() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    fault_once(&server, "postChatsRoomMessages", Fault::DropAfterApply);
    let error = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("once"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert_eq!(
        server
            .emulator()
            .counters()
            .operation("postChatsRoomMessages"),
        1
    );
    // Applied once, and only once.
    assert_eq!(server.emulator().message_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_retried_on_a_get() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(&server, "getChatsSettings", Fault::DropConnection);
    let reply = client
        .call_with_reply(&GetChatsSettings::new())
        .await
        .unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_longer_than_the_timeout_is_a_timeout() {
    let server = Server::start_default().unwrap();
    let client = builder(&server)
        .attempt_timeout(Duration::from_millis(300))
        .no_retry()
        .build()
        .unwrap();
    fault_once(
        &server,
        "getChatsSettings",
        Fault::delay(Duration::from_millis(1500)),
    );
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Timeout),
        "{error:?}"
    );
    assert!(matches!(
        error,
        Error::Transport {
            operation: "getChatsSettings",
            ..
        }
    ));
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_get_is_retried() {
    let server = Server::start_default().unwrap();
    let client = builder(&server)
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    fault_once(
        &server,
        "getChatsSettings",
        Fault::delay(Duration::from_millis(1500)),
    );
    let reply = client
        .call_with_reply(&GetChatsSettings::new())
        .await
        .unwrap();
    assert_eq!(reply.attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_cap_is_body_too_large() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    for i in 0..5 {
        client
            .call(&PostChatsRoomMessages::new(
                &jid,
                SendMessageBody::new(format!("message number {i}")),
            ))
            .await
            .unwrap();
    }
    let capped = builder(&server).max_response_bytes(256).build().unwrap();
    let error = capped
        .call(&GetChatsRoomMessages::new(&jid))
        .await
        .unwrap_err();
    match error {
        Error::BodyTooLarge {
            operation,
            limit,
            size,
        } => {
            assert_eq!(operation, "getChatsRoomMessages");
            assert_eq!(limit, 256);
            assert!(size > 256, "{size}");
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    // The same request fits under the default cap.
    let history = client.call(&GetChatsRoomMessages::new(&jid)).await.unwrap();
    assert_eq!(history.messages().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_connect() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder(
        Config::with_base_url(&format!("http://127.0.0.1:{port}"))
            .unwrap()
            .with_token(Emulator::DEFAULT_TOKEN)
            .unwrap(),
    )
    .retry(quick_retry())
    .build()
    .unwrap();
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(!text.contains(Emulator::DEFAULT_TOKEN), "{text}");
    assert!(!text.contains(&port.to_string()), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_is_io_and_a_post_is_not_resent() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    fault_once(&server, "postChatsRoomMessages", Fault::Truncate);
    let error = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("once"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert_eq!(
        server
            .emulator()
            .counters()
            .operation("postChatsRoomMessages"),
        1
    );
    assert_eq!(server.emulator().message_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_on_every_get_is_io_after_max_attempts() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault(&server, "getChatsSettings", Fault::Truncate);
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_is_a_decode_error() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(&server, "getChatsSettings", Fault::Malformed);
    let error = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                operation: "getChatsSettings",
                status: 200,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_history_streams_every_message_once_across_pages() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    let mut posted = Vec::new();
    for i in 0..7 {
        posted.push(
            client
                .call(&PostChatsRoomMessages::new(
                    &jid,
                    SendMessageBody::new(format!("message {i}")),
                ))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let streamed: Vec<String> = client
        .history(GetChatsRoomMessages::new(&jid).limit(3))
        .map(|m| m.unwrap().id.unwrap())
        .collect()
        .await;
    posted.reverse(); // newest first
    assert_eq!(streamed, posted);
    // Pages of 3, 3 and 1: the short page ends the history.
    assert_eq!(
        server
            .emulator()
            .counters()
            .operation("getChatsRoomMessages"),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_and_1on1_histories_stream_too() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let bob = user(&server, "bob");
    let jid = room(&client, &server).await;
    let root = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("root"),
        ))
        .await
        .unwrap()
        .id
        .unwrap();
    let mut thread = vec![root.clone()];
    for i in 0..4 {
        thread.push(
            client
                .call(&PostChatsRoomMessages::new(
                    &jid,
                    SendMessageBody::new(format!("reply {i}")).thread_id(&root),
                ))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let streamed: Vec<String> = client
        .history(GetChatsThreadMessages::new(&root).limit(2))
        .map(|m| m.unwrap().id.unwrap())
        .collect()
        .await;
    thread.reverse();
    assert_eq!(streamed, thread);

    let mut direct = Vec::new();
    for i in 0..5 {
        direct.push(
            client
                .call(&PostChatsUserMessages::new(
                    &bob.id,
                    SendMessageBody::new(format!("direct {i}")),
                ))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let streamed: Vec<String> = client
        .history(GetChatsUserMessages::new(&bob.id).limit(2))
        .map(|m| m.unwrap().id.unwrap())
        .collect()
        .await;
    direct.reverse();
    assert_eq!(streamed, direct);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_error_is_yielded_once_then_the_stream_ends() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server).await;
    for i in 0..4 {
        client
            .call(&PostChatsRoomMessages::new(
                &jid,
                SendMessageBody::new(format!("m{i}")),
            ))
            .await
            .unwrap();
    }
    // The first page succeeds; the second answers 404.
    let mut stream = client.history(GetChatsRoomMessages::new(&jid).limit(2));
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_ok());
    fault_once(&server, "getChatsRoomMessages", Fault::status(404));
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_from_spawned_tasks_are_each_stored_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid: Arc<str> = room(&client, &server).await.into();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let client = client.clone();
            let jid = jid.clone();
            tokio::spawn(async move {
                client
                    .call(&PostChatsRoomMessages::new(
                        &*jid,
                        SendMessageBody::new(format!("task {i}")),
                    ))
                    .await
                    .map(|sent| sent.id.unwrap())
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().unwrap());
    }
    assert_eq!(ids.len(), 16);
    assert_eq!(server.emulator().message_count(), 16);
    let streamed: BTreeSet<String> = client
        .history(GetChatsRoomMessages::new(&*jid).limit(5))
        .map(|m| m.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(streamed, ids);
}
