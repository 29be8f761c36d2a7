//! End to end against the testkit's loopback emulator: every operation, typed errors,
//! retries (429 with Retry-After, 503 on GET and POST, refused connections), timeouts,
//! the size cap, broken connections, history iterators and concurrent use from threads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use genesys_chat::models::{
    ChatReactionUpdate, ChatSettings, ChatUserSettings, CreateRoomRequest, NotifyWhen,
    PinnedMessageRequest, RoomUpdateRequest, SendMessageBody,
};
use genesys_chat::operations::{self as ops, *};
use genesys_chat::{Config, Error, Operation, RetryPolicy, TransportErrorKind};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, Permissions, RateLimit, User};
use genesys_chat_ureq::{Client, ClientBuilder};

/// Retries that take milliseconds, not seconds.
fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn config_for(base_url: &str, token: &str) -> Config {
    Config::with_base_url(base_url)
        .unwrap()
        .with_token(token)
        .unwrap()
}

fn config(server: &Server, token: &str) -> Config {
    config_for(&server.base_url(), token)
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

/// Adds a rule that fires on every request to `operation`.
fn fault_always(server: &Server, operation: &str, fault: Fault) {
    server
        .emulator()
        .add_fault(FaultRule::new(
            FaultRoute::operation(operation).unwrap(),
            fault,
        ))
        .unwrap();
}

/// Adds a rule that fires on the next `times` requests to `operation`.
fn fault_times(server: &Server, operation: &str, fault: Fault, times: u32) {
    server
        .emulator()
        .add_fault(FaultRule::new(FaultRoute::operation(operation).unwrap(), fault).times(times))
        .unwrap();
}

fn fault_once(server: &Server, operation: &str, fault: Fault) {
    fault_times(server, operation, fault, 1);
}

fn count(server: &Server, operation: &str) -> u64 {
    server.emulator().counters().operation(operation)
}

/// A room of alice's with bob in it.
fn room(client: &Client, server: &Server) -> String {
    let bob = user(server, "bob");
    client
        .call(&PostChatsRooms::new(
            CreateRoomRequest::new("Launch").user_ids([bob.id]),
        ))
        .unwrap()
        .jid
        .unwrap()
}

fn post(client: &Client, jid: &str, text: &str) -> Result<String, Error> {
    client
        .call(&PostChatsRoomMessages::new(jid, SendMessageBody::new(text)))
        .map(|sent| sent.id.unwrap())
}

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// A loopback port on which nothing listens (bound, then released).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn every_operation_once() {
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
        .unwrap()
        .jid
        .unwrap();
    assert!(jid.ends_with("@conference.example.orgspan.com"), "{jid}");
    client
        .call(&PatchChatsRoom::new(
            &jid,
            RoomUpdateRequest::new().subject("Launch v2"),
        ))
        .unwrap();

    // Room messages and a thread.
    let root = post(&client, &jid, "Hello, room").unwrap();
    let reply = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("A reply").thread_id(&root),
        ))
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
        .unwrap();
    assert_eq!(edited.id(), Some(root.as_str()));
    client
        .call(&PutChatsMessageReactions::new(
            &root,
            ChatReactionUpdate::new(["👍"]),
        ))
        .unwrap();
    let message = client.call(&GetChatsMessage::new(&root)).unwrap();
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
        .unwrap();
    let ids: Vec<&str> = by_ids.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [reply.as_str(), root.as_str()]);
    let history = client
        .call(&GetChatsRoomMessages::new(&jid).limit(10))
        .unwrap();
    let ids: Vec<&str> = history.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [reply.as_str(), root.as_str()]);
    let thread = client.call(&GetChatsThreadMessages::new(&root)).unwrap();
    let ids: BTreeSet<&str> = thread.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from([reply.as_str(), root.as_str()]));

    // Pins.
    client
        .call(&PostChatsRoomMessagesPins::new(
            &jid,
            PinnedMessageRequest::new([root.clone()]),
        ))
        .unwrap();
    let room = client.call(&GetChatsRoom::new(&jid)).unwrap();
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
        .unwrap();

    // Participants.
    client
        .call(&PostChatsRoomParticipant::new(&jid, &carol.id))
        .unwrap();
    let participants = client.call(&GetChatsRoomParticipants::new(&jid)).unwrap();
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
        .unwrap();
    assert_eq!(participant.participant_jid(), Some(carol.jid.as_str()));
    client
        .call(&DeleteChatsRoomParticipant::new(&jid, &carol.id))
        .unwrap();
    client
        .call(&DeleteChatsRoomMessage::new(&jid, &reply))
        .unwrap();

    // 1on1 with bob.
    let direct = client
        .call(&PostChatsUserMessages::new(
            &bob.id,
            SendMessageBody::new("Hi Bob"),
        ))
        .unwrap()
        .id
        .unwrap();
    client
        .call(&PatchChatsUserMessage::new(
            &bob.id,
            &direct,
            SendMessageBody::new("Hi Bob!"),
        ))
        .unwrap();
    let by_ids = client
        .call(&GetChatsUserMessage::ids(&bob.id, [direct.clone()]).unwrap())
        .unwrap();
    assert_eq!(by_ids.messages().len(), 1);
    assert_eq!(by_ids.messages()[0].body(), "Hi Bob!");
    let history = client.call(&GetChatsUserMessages::new(&bob.id)).unwrap();
    let ids: Vec<&str> = history.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [direct.as_str()]);
    client
        .call(&PostChatsUserMessagesPins::new(
            &bob.id,
            PinnedMessageRequest::new([direct.clone()]),
        ))
        .unwrap();
    let one_on_one = client.call(&GetChatsUser::new(&bob.id)).unwrap();
    let pinned: Vec<Option<&str>> = one_on_one
        .pinned_messages
        .iter()
        .flatten()
        .map(|p| p.id.as_deref())
        .collect();
    assert_eq!(pinned, [Some(direct.as_str())]);
    client
        .call(&DeleteChatsUserMessagesPin::new(&bob.id, &direct))
        .unwrap();
    client
        .call(&DeleteChatsUserMessage::new(&bob.id, &direct))
        .unwrap();

    // Settings.
    let settings = client.call(&GetChatsSettings::new()).unwrap();
    assert_eq!(settings.message_retention_period_days, Some(365));
    let settings = client
        .call(&PutChatsSettings::new(ChatSettings::with_retention_days(
            90,
        )))
        .unwrap();
    assert_eq!(settings.message_retention_period_days, Some(90));
    let settings = client
        .call(&PatchChatsSettings::new(ChatSettings::with_retention_days(
            30,
        )))
        .unwrap();
    assert_eq!(settings.message_retention_period_days, Some(30));
    let mine = client.call(&GetChatsUserSettings::new(&alice.id)).unwrap();
    assert_eq!(mine.notify_when(), Some(&NotifyWhen::Always));
    let mine = client
        .call(&PatchChatsUserSettings::new(
            &alice.id,
            ChatUserSettings::notify(NotifyWhen::OnlyWhenInactive),
        ))
        .unwrap();
    assert_eq!(mine.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let me = client.call(&GetChatsUsersMeSettings::new()).unwrap();
    assert_eq!(me.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let me = client
        .call(&PatchChatsUsersMeSettings::new(
            genesys_chat::models::UserSettingsForChat::default().notify(NotifyWhen::Always),
        ))
        .unwrap();
    assert_eq!(me.notify_when(), Some(&NotifyWhen::Always));
    client
        .call(&PostChatsUsersMeSettings::new(
            genesys_chat::models::UserChatSettingsPost::new(true),
        ))
        .unwrap();
    client.call(&DeleteChatsUsersMeSettings::new()).unwrap();

    // Each of the 34 operations reached the service, once (twice for the post of the
    // root and its reply): no retries, none left out.
    let counters = server.emulator().counters();
    assert_eq!(ops::ALL.len(), 34);
    for meta in ops::ALL {
        let expected = if meta.id == "postChatsRoomMessages" {
            2
        } else {
            1
        };
        assert_eq!(counters.operation(meta.id), expected, "{}", meta.id);
    }
    assert_eq!(counters.api_requests(), 35);
    assert_eq!(counters.total, 35);
    assert_eq!(counters.unrouted, 0);
    assert_eq!(counters.token_requests, 0);
    assert_eq!(counters.faults_injected, 0);
    // Left: the root message of the room (the reply and the 1on1 message were deleted).
    assert_eq!(server.emulator().message_count(), 1);
}

#[test]
fn a_404_is_a_typed_api_error_with_code_and_correlation_id() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let error = client
        .call(&GetChatsRoom::new("missing@conference.example.orgspan.com"))
        .unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.operation, "getChatsRoom");
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), Some("not.found"));
    let correlation = api.correlation_id.as_deref().unwrap();
    assert_eq!(correlation.len(), 36, "{correlation}");
    assert_eq!(api.retry_after, None);
    assert_eq!(error.status(), Some(404));
    // Not retried.
    assert_eq!(count(&server, "getChatsRoom"), 1);
}

#[test]
fn a_bad_token_is_401_and_a_missing_permission_403() {
    let server = Server::start_default().unwrap();
    let stranger = Client::builder(config(&server, "not-a-token"))
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = stranger.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
    let api = error.api().unwrap();
    assert_eq!(api.operation, "getChatsSettings");
    assert_eq!(api.code(), Some("bad.credentials"), "{api:?}");
    assert!(api.correlation_id.is_some());
    // A fixed token cannot be renewed: one request, no retry.
    assert_eq!(count(&server, "getChatsSettings"), 1);

    let token = server
        .emulator()
        .issue_token("bob", Permissions::none())
        .unwrap();
    let limited = Client::builder(config(&server, &token))
        .retry(quick_retry())
        .build()
        .unwrap();
    let error = limited.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
    let api = error.api().unwrap();
    assert_eq!(api.code(), Some("missing.any.permissions"), "{api:?}");
    assert!(api.correlation_id.is_some());
    assert_eq!(count(&server, "getChatsSettings"), 2);
}

#[test]
fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(
        &server,
        "getChatsSettings",
        Fault::too_many_requests(Duration::from_secs(1)),
    );
    let started = Instant::now();
    let reply = client.call_with_reply(&GetChatsSettings::new()).unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    assert!(reply.correlation_id.is_some());
    assert_eq!(count(&server, "getChatsSettings"), 2);
}

#[test]
fn a_429_on_a_post_is_retried_and_stores_the_message_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
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
        .unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(count(&server, "postChatsRoomMessages"), 2);
    assert_eq!(server.emulator().counters().faults_injected, 1);
    assert_eq!(server.emulator().message_count(), 1);
}

#[test]
fn the_emulators_rate_limit_is_waited_out() {
    let server = Server::start_default().unwrap();
    server.emulator().set_rate_limit(Some(RateLimit {
        allowed: 2,
        window: Duration::from_secs(1),
    }));
    // Unpaced, so that the third request meets the limit (paced, it would wait instead).
    let client = builder(&server).no_pacing().build().unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        client.call(&GetChatsSettings::new()).unwrap();
    }
    // The third request was refused with Retry-After: 1, then sent again in a new window.
    assert!(started.elapsed() >= Duration::from_secs(1));
    let counters = server.emulator().counters();
    assert_eq!(counters.rate_limited, 1);
    assert_eq!(counters.operation("getChatsSettings"), 4);
}

#[test]
fn a_retry_after_beyond_the_cap_is_returned_at_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(
        &server,
        "getChatsSettings",
        Fault::too_many_requests(Duration::from_secs(3600)),
    );
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    let api = error.api().unwrap();
    assert_eq!(api.status, 429);
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(api.code(), Some("too.many.requests.retry.after"));
    assert!(api.correlation_id.is_some());
    assert_eq!(count(&server, "getChatsSettings"), 1);
}

#[test]
fn a_503_is_retried_on_a_get() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_times(&server, "getChatsSettings", Fault::status(503), 2);
    let reply = client.call_with_reply(&GetChatsSettings::new()).unwrap();
    assert_eq!(reply.attempts, 3);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    let counters = server.emulator().counters();
    assert_eq!(counters.operation("getChatsSettings"), 3);
    assert_eq!(counters.faults_injected, 2);
}

#[test]
fn a_503_that_persists_on_a_get_ends_after_max_attempts() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_always(&server, "getChatsSettings", Fault::status(503));
    let error = client.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(count(&server, "getChatsSettings"), 3);
}

#[test]
fn a_503_is_not_retried_on_a_post() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    fault_once(&server, "postChatsRoomMessages", Fault::status(503));
    let error = post(&client, &jid, "once").unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.status, 503);
    assert_eq!(api.operation, "postChatsRoomMessages");
    assert!(api.correlation_id.is_some());
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    // The 503 fault refused the request: nothing stored.
    assert_eq!(server.emulator().message_count(), 0);
}

#[test]
fn a_post_applied_then_dropped_is_not_sent_twice() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    fault_once(&server, "postChatsRoomMessages", Fault::DropAfterApply);
    let error = post(&client, &jid, "once").unwrap_err();
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
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    // Applied once, and only once.
    assert_eq!(server.emulator().message_count(), 1);
}

#[test]
fn a_connection_dropped_before_the_answer_is_not_resent_on_a_post() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    fault_once(&server, "postChatsRoomMessages", Fault::DropConnection);
    let error = post(&client, &jid, "once").unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    assert_eq!(server.emulator().message_count(), 0);
}

#[test]
fn a_dropped_connection_is_retried_on_a_get() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(&server, "getChatsSettings", Fault::DropConnection);
    let reply = client.call_with_reply(&GetChatsSettings::new()).unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    assert_eq!(count(&server, "getChatsSettings"), 2);
}

#[test]
fn an_attempt_longer_than_the_timeout_is_a_timeout() {
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
    let error = client.call(&GetChatsSettings::new()).unwrap_err();
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
    assert_eq!(count(&server, "getChatsSettings"), 1);
}

#[test]
fn a_timed_out_get_is_retried() {
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
    let reply = client.call_with_reply(&GetChatsSettings::new()).unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(count(&server, "getChatsSettings"), 2);
}

#[test]
fn a_timed_out_post_is_not_retried() {
    let server = Server::start_default().unwrap();
    let client = builder(&server)
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let jid = room(&client, &server);
    fault_once(
        &server,
        "postChatsRoomMessages",
        Fault::delay(Duration::from_millis(1500)),
    );
    let error = post(&client, &jid, "slow").unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Timeout),
        "{error:?}"
    );
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    // The delay came after the message was stored.
    assert_eq!(server.emulator().message_count(), 1);
}

#[test]
fn a_body_over_the_cap_is_body_too_large() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    for i in 0..5 {
        post(&client, &jid, &format!("message number {i}")).unwrap();
    }
    let capped = builder(&server).max_response_bytes(256).build().unwrap();
    let error = capped.call(&GetChatsRoomMessages::new(&jid)).unwrap_err();
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
    // Not retried: a size cap is no transient failure.
    assert_eq!(count(&server, "getChatsRoomMessages"), 1);
    // The same request fits under the default cap, and the capped client still works.
    let history = client.call(&GetChatsRoomMessages::new(&jid)).unwrap();
    assert_eq!(history.messages().len(), 5);
    capped.call(&GetChatsSettings::new()).unwrap();
}

#[test]
fn a_refused_connection_is_connect() {
    let port = free_port();
    let client = Client::builder(config_for(
        &format!("http://127.0.0.1:{port}"),
        Emulator::DEFAULT_TOKEN,
    ))
    .retry(quick_retry())
    .build()
    .unwrap();
    let started = Instant::now();
    let error = client.call(&GetChatsSettings::new()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Connect),
        "{error:?}"
    );
    assert!(matches!(
        error,
        Error::Transport {
            operation: "getChatsSettings",
            ..
        }
    ));
    let text = format!("{error} {error:?}");
    assert!(!text.contains(Emulator::DEFAULT_TOKEN), "{text}");
    assert!(!text.contains(&port.to_string()), "{text}");
    assert!(!text.contains("/api/v2"), "{text}");
}

#[test]
fn a_refused_connection_is_retried_even_for_a_post() {
    // Nothing listens at first; the emulator starts on that port while the client is
    // backing off. The POST then goes through, once.
    let emulator = Arc::new(Emulator::new());
    let in_process = config_for("http://127.0.0.1", Emulator::DEFAULT_TOKEN);
    let create = PostChatsRooms::new(CreateRoomRequest::new("Launch"));
    let jid = create
        .parse(
            &in_process,
            &emulator.handle(create.to_http(&in_process).unwrap()),
        )
        .unwrap()
        .jid
        .unwrap();

    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let client = Client::builder(config_for(
        &format!("http://{addr}"),
        Emulator::DEFAULT_TOKEN,
    ))
    .retry(RetryPolicy {
        max_attempts: 30,
        base_delay: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..RetryPolicy::default()
    })
    .build()
    .unwrap();
    let starter = {
        let emulator = Arc::clone(&emulator);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            Server::start_on(emulator, addr).unwrap()
        })
    };
    let reply = client
        .call_with_reply(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("after a refusal"),
        ))
        .unwrap();
    let server = starter.join().unwrap();
    assert!(reply.attempts >= 2, "{}", reply.attempts);
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    assert_eq!(emulator.message_count(), 1);
}

#[test]
fn a_body_cut_short_is_io_and_a_post_is_not_resent() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    fault_once(&server, "postChatsRoomMessages", Fault::Truncate);
    let error = post(&client, &jid, "once").unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    assert_eq!(server.emulator().message_count(), 1);
}

#[test]
fn a_body_cut_short_once_on_a_get_is_retried() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(&server, "getChatsSettings", Fault::Truncate);
    let reply = client.call_with_reply(&GetChatsSettings::new()).unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    assert_eq!(count(&server, "getChatsSettings"), 2);
}

#[test]
fn a_body_cut_short_on_every_get_is_io_after_max_attempts() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_always(&server, "getChatsSettings", Fault::Truncate);
    let error = client.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        Some(TransportErrorKind::Io),
        "{error:?}"
    );
    assert_eq!(count(&server, "getChatsSettings"), 3);
}

#[test]
fn a_malformed_body_is_a_decode_error() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    fault_once(&server, "getChatsSettings", Fault::Malformed);
    let error = client.call(&GetChatsSettings::new()).unwrap_err();
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
    // Not retried.
    assert_eq!(count(&server, "getChatsSettings"), 1);
}

#[test]
fn room_history_iterates_every_message_once_across_pages() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    let mut posted = Vec::new();
    for i in 0..7 {
        posted.push(post(&client, &jid, &format!("message {i}")).unwrap());
    }
    let iterated: Vec<String> = client
        .history(GetChatsRoomMessages::new(&jid).limit(3))
        .map(|m| m.unwrap().id.unwrap())
        .collect();
    posted.reverse(); // newest first
    assert_eq!(iterated, posted);
    // Pages of 3, 3 and 1: the short page ends the history.
    assert_eq!(count(&server, "getChatsRoomMessages"), 3);
}

#[test]
fn a_full_last_page_ends_on_an_empty_page() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    let mut posted = Vec::new();
    for i in 0..4 {
        posted.push(post(&client, &jid, &format!("message {i}")).unwrap());
    }
    let mut history = client.history(GetChatsRoomMessages::new(&jid).limit(2));
    let iterated: Vec<String> = history.by_ref().map(|m| m.unwrap().id.unwrap()).collect();
    posted.reverse();
    assert_eq!(iterated, posted);
    // Pages of 2, 2 and an empty one.
    assert_eq!(count(&server, "getChatsRoomMessages"), 3);
    // Ended for good: no more requests.
    assert!(history.next().is_none());
    assert_eq!(count(&server, "getChatsRoomMessages"), 3);
}

#[test]
fn thread_and_1on1_histories_iterate_too() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let bob = user(&server, "bob");
    let jid = room(&client, &server);
    let root = post(&client, &jid, "root").unwrap();
    let mut thread = vec![root.clone()];
    for i in 0..4 {
        thread.push(
            client
                .call(&PostChatsRoomMessages::new(
                    &jid,
                    SendMessageBody::new(format!("reply {i}")).thread_id(&root),
                ))
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let iterated: Vec<String> = client
        .history(GetChatsThreadMessages::new(&root).limit(2))
        .map(|m| m.unwrap().id.unwrap())
        .collect();
    thread.reverse();
    assert_eq!(iterated, thread);

    let mut direct = Vec::new();
    for i in 0..5 {
        direct.push(
            client
                .call(&PostChatsUserMessages::new(
                    &bob.id,
                    SendMessageBody::new(format!("direct {i}")),
                ))
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let iterated: Vec<String> = client
        .history(GetChatsUserMessages::new(&bob.id).limit(2))
        .map(|m| m.unwrap().id.unwrap())
        .collect();
    direct.reverse();
    assert_eq!(iterated, direct);
}

#[test]
fn a_history_error_is_yielded_once_then_the_iterator_ends() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    for i in 0..4 {
        post(&client, &jid, &format!("m{i}")).unwrap();
    }
    // The first page succeeds; the second answers 404.
    let mut history = client.history(GetChatsRoomMessages::new(&jid).limit(2));
    assert!(history.next().unwrap().is_ok());
    assert!(history.next().unwrap().is_ok());
    fault_once(&server, "getChatsRoomMessages", Fault::status(404));
    let error = history.next().unwrap().unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.api().unwrap().operation, "getChatsRoomMessages");
    assert!(history.next().is_none());
    assert!(history.next().is_none());
    // Two pages asked for, no more.
    assert_eq!(count(&server, "getChatsRoomMessages"), 2);
}

#[test]
fn a_history_page_that_fails_transiently_is_retried_inside_the_iterator() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    let mut posted = Vec::new();
    for i in 0..3 {
        posted.push(post(&client, &jid, &format!("m{i}")).unwrap());
    }
    fault_once(&server, "getChatsRoomMessages", Fault::status(503));
    let iterated: Vec<String> = client
        .history(GetChatsRoomMessages::new(&jid).limit(2))
        .map(|m| m.unwrap().id.unwrap())
        .collect();
    posted.reverse();
    assert_eq!(iterated, posted);
    // Page 1 twice (503, then 200), page 2 once.
    assert_eq!(count(&server, "getChatsRoomMessages"), 3);
}

#[test]
fn concurrent_posts_from_16_threads_are_each_stored_once() {
    let server = Server::start_default().unwrap();
    let client = client(&server);
    let jid = room(&client, &server);
    let barrier = Barrier::new(16);
    let ids: BTreeSet<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let client = client.clone();
                let (jid, barrier) = (&jid, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    post(&client, jid, &format!("thread {i}"))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), 16);
    assert_eq!(count(&server, "postChatsRoomMessages"), 16);
    assert_eq!(server.emulator().message_count(), 16);
    let iterated: Vec<String> = client
        .history(GetChatsRoomMessages::new(&jid).limit(5))
        .map(|m| m.unwrap().id.unwrap())
        .collect();
    assert_eq!(iterated.len(), 16);
    assert_eq!(iterated.iter().cloned().collect::<BTreeSet<_>>(), ids);
}

#[test]
fn the_client_is_send_and_sync_and_clones_share_the_configuration() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    let server = Server::start_default().unwrap();
    let client = builder(&server).max_response_bytes(4096).build().unwrap();
    let clone = client.clone();
    assert_eq!(clone.config().max_response_bytes(), 4096);
    assert_eq!(clone.config().user_agent(), "genesys-chat/0.1.0");
    let settings = clone.call(&GetChatsSettings::new()).unwrap();
    assert_eq!(settings.message_retention_period_days, Some(365));
}
