//! The service checks: every operation of the current API once against the loopback
//! emulator, its typed errors, and its faults (429 with `Retry-After`, the rate limit,
//! 503, dropped connections, delays past the attempt timeout, bodies over the cap, cut
//! short or malformed, a refused connection), each with what may and may not be sent
//! twice; and concurrent posts from many threads, each stored once.
//!
//! Each check builds the client under test through a [`super::Maker`] and compares the
//! emulator's counters and the calls' results with values written out literally.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::models::{
    ChatReactionUpdate, ChatSettings, ChatUserSettings, CreateRoomRequest, NotifyWhen,
    PinnedMessageRequest, RoomUpdateRequest, SendMessageBody, UserChatSettingsPost,
    UserSettingsForChat,
};
use genesys_chat::operations::{self as ops, *};
use genesys_chat::pacing::PacingPolicy;
use genesys_chat::{Config, Error, Operation, RetryPolicy, TransportErrorKind};

use super::{Caller, Check, Checked, Maker, Settings, raw};
use crate::server::Server;
use crate::{Emulator, Fault, FaultRoute, FaultRule, Permissions, RateLimit, User};

/// The service checks, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "every operation of the current API reaches the service once and answers as it should",
            run: every_operation_once::<C>,
        },
        Check {
            name: "a 404 is a typed API error with its code and correlation id, not retried",
            run: a_404_is_a_typed_api_error::<C>,
        },
        Check {
            name: "a bad token is a 401 and a missing permission a 403, each sent once",
            run: a_bad_token_is_401_and_a_missing_permission_403::<C>,
        },
        Check {
            name: "a 429 with Retry-After is waited out, then the call succeeds",
            run: a_429_with_retry_after_is_waited_out::<C>,
        },
        Check {
            name: "a 429 on a POST is retried and stores the message once",
            run: a_429_on_a_post_is_retried_and_stores_once::<C>,
        },
        Check {
            name: "the emulator's rate limit is waited out by an unpaced client",
            run: the_emulators_rate_limit_is_waited_out::<C>,
        },
        Check {
            name: "a Retry-After beyond the cap is returned at once",
            run: a_retry_after_beyond_the_cap_is_returned_at_once::<C>,
        },
        Check {
            name: "a 503 is retried on a GET",
            run: a_503_is_retried_on_a_get::<C>,
        },
        Check {
            name: "a 503 that persists on a GET ends after the maximum attempts",
            run: a_503_that_persists_ends_after_max_attempts::<C>,
        },
        Check {
            name: "a 503 is not retried on a POST",
            run: a_503_is_not_retried_on_a_post::<C>,
        },
        Check {
            name: "a POST applied then dropped is not sent twice",
            run: a_post_applied_then_dropped_is_not_sent_twice::<C>,
        },
        Check {
            name: "a connection dropped before the answer is not resent on a POST",
            run: a_dropped_connection_is_not_resent_on_a_post::<C>,
        },
        Check {
            name: "a dropped connection is retried on a GET",
            run: a_dropped_connection_is_retried_on_a_get::<C>,
        },
        Check {
            name: "an attempt longer than the attempt timeout is a timeout",
            run: an_attempt_longer_than_the_timeout_is_a_timeout::<C>,
        },
        Check {
            name: "a timed-out GET is retried",
            run: a_timed_out_get_is_retried::<C>,
        },
        Check {
            name: "a timed-out POST is not retried",
            run: a_timed_out_post_is_not_retried::<C>,
        },
        Check {
            name: "a body over the size cap is BodyTooLarge, not retried, and the client goes on",
            run: a_body_over_the_cap_is_body_too_large::<C>,
        },
        Check {
            name: "a refused connection is a Connect error that shows no token, port or path",
            run: a_refused_connection_is_connect::<C>,
        },
        Check {
            name: "a refused connection is retried even for a POST, which is then stored once",
            run: a_refused_connection_is_retried_even_for_a_post::<C>,
        },
        Check {
            name: "a body cut short on a POST is an I/O error and the POST is not resent",
            run: a_body_cut_short_on_a_post_is_not_resent::<C>,
        },
        Check {
            name: "a body cut short once on a GET is retried",
            run: a_body_cut_short_once_on_a_get_is_retried::<C>,
        },
        Check {
            name: "a body cut short on every GET is an I/O error after the maximum attempts",
            run: a_body_cut_short_on_every_get_ends_after_max_attempts::<C>,
        },
        Check {
            name: "a malformed body is a decode error, not retried",
            run: a_malformed_body_is_a_decode_error::<C>,
        },
        Check {
            name: "16 concurrent posts from threads are each stored once",
            run: concurrent_posts_from_16_threads_are_each_stored_once::<C>,
        },
    ]
}

/// A loopback emulator with its default users and tokens.
fn server() -> Server {
    Server::start_default().expect("the emulator starts on loopback")
}

/// Alice's settings against `base_url`: her fixed token, retries of a few milliseconds,
/// at most 3 attempts.
fn settings_for(base_url: &str) -> Settings {
    let mut settings = Settings::new(base_url);
    settings.credentials =
        Some(Credentials::token(Emulator::DEFAULT_TOKEN).expect("the emulator's token"));
    settings.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    settings
}

fn settings(server: &Server) -> Settings {
    settings_for(&server.base_url())
}

/// The same settings with another fixed token.
fn settings_with_token(server: &Server, token: &str) -> Settings {
    let mut settings = settings(server);
    settings.credentials = Some(Credentials::token(token).expect("a token"));
    settings
}

fn user(server: &Server, name: &str) -> User {
    server
        .emulator()
        .user(name)
        .expect("a default user")
        .clone()
}

/// Adds a rule that fires on the next `times` requests to `O` (every one for `None`).
fn fault<O: Operation>(server: &Server, fault: Fault, times: Option<u32>) {
    let rule = FaultRule::new(FaultRoute::of::<O>(), fault);
    let rule = match times {
        Some(n) => rule.times(n),
        None => rule,
    };
    server.emulator().add_fault(rule).expect("a valid fault");
}

fn fault_once<O: Operation>(server: &Server, f: Fault) {
    fault::<O>(server, f, Some(1));
}

fn count(server: &Server, operation: &str) -> u64 {
    server.emulator().counters().operation(operation)
}

/// A room of alice's with bob in it.
fn room<C: Caller>(client: &C, server: &Server) -> Result<String, Error> {
    let bob = user(server, "bob");
    let created = client.call(PostChatsRooms::new(
        CreateRoomRequest::new("Launch").user_ids([bob.id]),
    ))?;
    Ok(created.output.jid.expect("the new room's jid"))
}

/// Posts `text` to the room; the new message's id.
fn post<C: Caller + ?Sized>(client: &C, jid: &str, text: &str) -> Result<String, Error> {
    client
        .call(PostChatsRoomMessages::new(jid, SendMessageBody::new(text)))
        .map(|sent| sent.output.id.expect("the new message's id"))
}

/// Panics unless `error` is a transport error of `kind` that names `operation`.
fn assert_transport(error: &Error, kind: TransportErrorKind, operation: &str) {
    assert!(
        matches!(error, Error::Transport { kind: seen, operation: named, .. } if *seen == kind && *named == operation),
        "{error:?}, expected a {kind:?} transport error of {operation}"
    );
}

fn every_operation_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let client = make(&settings(&server))?;
    let alice = user(&server, "alice");
    let bob = user(&server, "bob");
    let carol = user(&server, "carol");

    // Rooms.
    let jid = client
        .call(PostChatsRooms::new(
            CreateRoomRequest::new("Launch")
                .description("Launch planning")
                .user_ids([bob.id.clone()]),
        ))?
        .output
        .jid
        .expect("the new room's jid");
    assert!(jid.ends_with("@conference.example.orgspan.com"), "{jid}");
    client.call(PatchChatsRoom::new(
        &jid,
        RoomUpdateRequest::new().subject("Launch v2"),
    ))?;

    // Room messages and a thread.
    let root = post(&client, &jid, "Hello, room")?;
    let reply = client
        .call(PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("A reply").thread_id(&root),
        ))?
        .output
        .id
        .expect("the reply's id");
    assert_ne!(root, reply);
    let edited = client.call(PatchChatsRoomMessage::new(
        &jid,
        &root,
        SendMessageBody::new("Hello, room (edited)"),
    ))?;
    assert_eq!(edited.output.id(), Some(root.as_str()));
    client.call(PutChatsMessageReactions::new(
        &root,
        ChatReactionUpdate::new(["👍"]),
    ))?;
    let message = client.call(GetChatsMessage::new(&root))?.output;
    assert_eq!(message.body(), "Hello, room (edited)");
    assert_eq!(message.edited, Some(true));
    assert_eq!(message.to_jid(), Some(jid.as_str()));
    let reactions = message.reactions.expect("the message's reactions");
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0].emoji(), Some("👍"));
    assert_eq!(
        reactions[0].users()[0].id.as_deref(),
        Some(alice.id.as_str())
    );

    let by_ids = client
        .call(GetChatsRoomMessage::ids(
            &jid,
            [reply.clone(), root.clone()],
        )?)?
        .output;
    let ids: Vec<&str> = by_ids.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [reply.as_str(), root.as_str()]);
    let history = client
        .call(GetChatsRoomMessages::new(&jid).limit(10))?
        .output;
    let ids: Vec<&str> = history.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [reply.as_str(), root.as_str()]);
    let thread = client.call(GetChatsThreadMessages::new(&root))?.output;
    let ids: BTreeSet<&str> = thread.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from([reply.as_str(), root.as_str()]));

    // Pins.
    client.call(PostChatsRoomMessagesPins::new(
        &jid,
        PinnedMessageRequest::new([root.clone()]),
    ))?;
    let room = client.call(GetChatsRoom::new(&jid))?.output;
    assert_eq!(room.subject.as_deref(), Some("Launch v2"));
    assert_eq!(room.description.as_deref(), Some("Launch planning"));
    let pinned: Vec<Option<&str>> = room
        .pinned_messages
        .iter()
        .flatten()
        .map(|p| p.id.as_deref())
        .collect();
    assert_eq!(pinned, [Some(root.as_str())]);
    client.call(DeleteChatsRoomMessagesPin::new(&jid, &root))?;

    // Participants.
    client.call(PostChatsRoomParticipant::new(&jid, &carol.id))?;
    let participants = client.call(GetChatsRoomParticipants::new(&jid))?.output;
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
        .call(GetChatsRoomParticipant::new(&jid, &carol.jid))?
        .output;
    assert_eq!(participant.participant_jid(), Some(carol.jid.as_str()));
    client.call(DeleteChatsRoomParticipant::new(&jid, &carol.id))?;
    client.call(DeleteChatsRoomMessage::new(&jid, &reply))?;

    // 1on1 with bob.
    let direct = client
        .call(PostChatsUserMessages::new(
            &bob.id,
            SendMessageBody::new("Hi Bob"),
        ))?
        .output
        .id
        .expect("the 1on1 message's id");
    client.call(PatchChatsUserMessage::new(
        &bob.id,
        &direct,
        SendMessageBody::new("Hi Bob!"),
    ))?;
    let by_ids = client
        .call(GetChatsUserMessage::ids(&bob.id, [direct.clone()])?)?
        .output;
    assert_eq!(by_ids.messages().len(), 1);
    assert_eq!(by_ids.messages()[0].body(), "Hi Bob!");
    let history = client.call(GetChatsUserMessages::new(&bob.id))?.output;
    let ids: Vec<&str> = history.messages().iter().map(|m| m.id().unwrap()).collect();
    assert_eq!(ids, [direct.as_str()]);
    client.call(PostChatsUserMessagesPins::new(
        &bob.id,
        PinnedMessageRequest::new([direct.clone()]),
    ))?;
    let one_on_one = client.call(GetChatsUser::new(&bob.id))?.output;
    let pinned: Vec<Option<&str>> = one_on_one
        .pinned_messages
        .iter()
        .flatten()
        .map(|p| p.id.as_deref())
        .collect();
    assert_eq!(pinned, [Some(direct.as_str())]);
    client.call(DeleteChatsUserMessagesPin::new(&bob.id, &direct))?;

    // My chats: the room alice is in and the 1on1 with bob, on one page.
    let mine = client.call(GetUsersChatsMe::new())?.output;
    let chats: BTreeSet<&str> = mine
        .chats()
        .iter()
        .filter_map(|c| c.id.as_deref())
        .collect();
    assert_eq!(chats, BTreeSet::from([jid.as_str(), bob.id.as_str()]));
    assert_eq!(mine.next_uri, None);
    client.call(DeleteChatsUserMessage::new(&bob.id, &direct))?;

    // Settings.
    let settings = client.call(GetChatsSettings::new())?.output;
    assert_eq!(settings.message_retention_period_days, Some(365));
    let settings = client
        .call(PutChatsSettings::new(ChatSettings::with_retention_days(90)))?
        .output;
    assert_eq!(settings.message_retention_period_days, Some(90));
    let settings = client
        .call(PatchChatsSettings::new(ChatSettings::with_retention_days(
            30,
        )))?
        .output;
    assert_eq!(settings.message_retention_period_days, Some(30));
    let theirs = client.call(GetChatsUserSettings::new(&alice.id))?.output;
    assert_eq!(theirs.notify_when(), Some(&NotifyWhen::Always));
    let theirs = client
        .call(PatchChatsUserSettings::new(
            &alice.id,
            ChatUserSettings::notify(NotifyWhen::OnlyWhenInactive),
        ))?
        .output;
    assert_eq!(theirs.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let me = client.call(GetChatsUsersMeSettings::new())?.output;
    assert_eq!(me.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let me = client
        .call(PatchChatsUsersMeSettings::new(
            UserSettingsForChat::default().notify(NotifyWhen::Always),
        ))?
        .output;
    assert_eq!(me.notify_when(), Some(&NotifyWhen::Always));
    client.call(PostChatsUsersMeSettings::new(UserChatSettingsPost::new(
        true,
    )))?;
    client.call(DeleteChatsUsersMeSettings::new())?;

    // Each of the 34 Chat operations and the one Users operation reached the service,
    // once (twice for the post of the root and its reply): no retries, none left out.
    let counters = server.emulator().counters();
    assert_eq!(ops::ALL.len(), 34);
    assert_eq!(ops::USERS.len(), 1);
    for meta in ops::ALL.iter().chain(ops::USERS) {
        let expected = if meta.id == "postChatsRoomMessages" {
            2
        } else {
            1
        };
        assert_eq!(counters.operation(meta.id), expected, "{}", meta.id);
    }
    assert_eq!(counters.api_requests(), 36);
    assert_eq!(counters.total, 36);
    assert_eq!(counters.unrouted, 0);
    assert_eq!(counters.token_requests, 0);
    assert_eq!(counters.faults_injected, 0);
    // Left: the root message of the room (the reply and the 1on1 message were deleted).
    assert_eq!(server.emulator().message_count(), 1);
    Ok(vec![])
}

fn a_404_is_a_typed_api_error<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let client = make(&settings(&server))?;
    let error = client
        .call(GetChatsRoom::new("missing@conference.example.orgspan.com"))
        .unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.operation, "getChatsRoom");
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), Some("not.found"));
    let correlation = api.correlation_id.as_deref().expect("a correlation id");
    assert_eq!(correlation.len(), 36, "{correlation}");
    assert_eq!(api.retry_after, None);
    assert_eq!(error.status(), Some(404));
    // Not retried.
    assert_eq!(count(&server, "getChatsRoom"), 1);
    Ok(vec![])
}

fn a_bad_token_is_401_and_a_missing_permission_403<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let stranger = make(&settings_with_token(&server, "not-a-token"))?;
    let error = stranger.call(GetChatsSettings::new()).unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
    let api = error.api().expect("an API error");
    assert_eq!(api.operation, "getChatsSettings");
    assert_eq!(api.code(), Some("bad.credentials"), "{api:?}");
    assert!(api.correlation_id.is_some());
    // A fixed token cannot be renewed: one request, no retry.
    assert_eq!(count(&server, "getChatsSettings"), 1);

    let token = server
        .emulator()
        .issue_token("bob", Permissions::none())
        .expect("a token for bob");
    let limited = make(&settings_with_token(&server, &token))?;
    let error = limited.call(GetChatsSettings::new()).unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
    let api = error.api().expect("an API error");
    assert_eq!(api.code(), Some("missing.any.permissions"), "{api:?}");
    assert!(api.correlation_id.is_some());
    assert_eq!(count(&server, "getChatsSettings"), 2);
    Ok(vec![])
}

fn a_429_with_retry_after_is_waited_out<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let client = make(&settings(&server))?;
    fault_once::<GetChatsSettings>(&server, Fault::too_many_requests(Duration::from_secs(1)));
    let started = Instant::now();
    let reply = client.call(GetChatsSettings::new())?;
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.output.message_retention_period_days, Some(365));
    assert!(reply.correlation_id.is_some());
    assert_eq!(count(&server, "getChatsSettings"), 2);
    Ok(vec![])
}

fn the_emulators_rate_limit_is_waited_out<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    server.emulator().set_rate_limit(Some(RateLimit {
        allowed: 2,
        window: Duration::from_secs(1),
    }));
    // Unpaced, so that the third request meets the limit (paced, it would wait instead).
    let mut unpaced = settings(&server);
    unpaced.pacing = PacingPolicy::disabled();
    let client = make(&unpaced)?;
    let started = Instant::now();
    for _ in 0..3 {
        client.call(GetChatsSettings::new())?;
    }
    // The third request was refused with Retry-After: 1, then sent again in a new window.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    let counters = server.emulator().counters();
    assert_eq!(counters.rate_limited, 1);
    assert_eq!(counters.operation("getChatsSettings"), 4);
    Ok(vec![])
}

fn a_retry_after_beyond_the_cap_is_returned_at_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let client = make(&settings(&server))?;
    fault_once::<GetChatsSettings>(&server, Fault::too_many_requests(Duration::from_secs(3600)));
    let started = Instant::now();
    let error = client.call(GetChatsSettings::new()).unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 429);
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(api.code(), Some("too.many.requests.retry.after"));
    assert!(api.correlation_id.is_some());
    assert_eq!(count(&server, "getChatsSettings"), 1);
    Ok(vec![])
}

fn an_attempt_longer_than_the_timeout_is_a_timeout<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let mut once = settings(&server);
    once.attempt_timeout = Duration::from_millis(300);
    once.retry = RetryPolicy::disabled();
    let client = make(&once)?;
    fault_once::<GetChatsSettings>(&server, Fault::delay(Duration::from_millis(1500)));
    let started = Instant::now();
    let error = client.call(GetChatsSettings::new()).unwrap_err();
    let elapsed = started.elapsed();
    assert_transport(&error, TransportErrorKind::Timeout, "getChatsSettings");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert_eq!(count(&server, "getChatsSettings"), 1);
    Ok(vec![])
}

fn a_body_over_the_cap_is_body_too_large<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server();
    let client = make(&settings(&server))?;
    let jid = room(&client, &server)?;
    for i in 0..5 {
        post(&client, &jid, &format!("message number {i}"))?;
    }
    let mut small = settings(&server);
    small.max_response_bytes = 256;
    let capped = make(&small)?;
    let error = capped.call(GetChatsRoomMessages::new(&jid)).unwrap_err();
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
    let history = client.call(GetChatsRoomMessages::new(&jid))?.output;
    assert_eq!(history.messages().len(), 5);
    let settings = capped.call(GetChatsSettings::new())?.output;
    assert_eq!(settings.message_retention_period_days, Some(365));
    Ok(vec![])
}

fn a_refused_connection_is_connect<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let origin = raw::closed_origin();
    let port = origin.rsplit(':').next().expect("a port").to_owned();
    let client = make(&settings_for(&origin))?;
    let started = Instant::now();
    let error = client.call(GetChatsSettings::new()).unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_transport(&error, TransportErrorKind::Connect, "getChatsSettings");
    let text = format!("{error} {error:?}");
    assert!(!text.contains(Emulator::DEFAULT_TOKEN), "{text}");
    assert!(!text.contains(&port), "{text}");
    assert!(!text.contains("/api/v2"), "{text}");
    Ok(vec![])
}

fn a_refused_connection_is_retried_even_for_a_post<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // Nothing listens at first; the emulator starts on that port while the client is
    // backing off. The POST then goes through, once.
    let emulator = Arc::new(Emulator::new());
    let in_process =
        Config::with_base_url("http://127.0.0.1")?.with_token(Emulator::DEFAULT_TOKEN)?;
    let create = PostChatsRooms::new(CreateRoomRequest::new("Launch"));
    let jid = create
        .parse(&in_process, &emulator.handle(create.to_http(&in_process)?))?
        .jid
        .expect("the new room's jid");

    let origin = raw::closed_origin();
    let addr: SocketAddr = origin
        .trim_start_matches("http://")
        .parse()
        .expect("a loopback address");
    let mut patient = settings_for(&origin);
    patient.retry = RetryPolicy {
        max_attempts: 30,
        base_delay: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..RetryPolicy::default()
    };
    let client = make(&patient)?;
    let starter = {
        let emulator = Arc::clone(&emulator);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            Server::start_on(emulator, addr)
        })
    };
    let sent = client.call(PostChatsRoomMessages::new(
        &jid,
        SendMessageBody::new("after a refusal"),
    ));
    let server = starter
        .join()
        .expect("the starter thread")
        .expect("the emulator starts on the refused port");
    let reply = sent?;
    assert!(reply.attempts >= 2, "{}", reply.attempts);
    assert_eq!(count(&server, "postChatsRoomMessages"), 1);
    assert_eq!(emulator.message_count(), 1);
    Ok(vec![])
}

/// What a call under one of the emulator's faults must end in.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Success after this many attempts.
    Ok { attempts: u32 },
    /// [`Error::Transport`] of this kind, naming the operation.
    Transport(TransportErrorKind),
    /// [`Error::Api`] with this status, naming the operation, with a correlation id.
    Api(u16),
    /// [`Error::Decode`] of an answer with this status, naming the operation.
    Decode(u16),
}

/// One call under one of the emulator's faults, and what it must come to.
#[derive(Debug, Clone)]
struct Faulted {
    /// The fault.
    fault: Fault,
    /// How many requests it fires on; `None` means every one.
    times: Option<u32>,
    /// Post a message to a fresh room (`postChatsRoomMessages`) rather than read the
    /// settings (`getChatsSettings`).
    post: bool,
    /// An attempt timeout in place of the 5 s of [`Settings::new`].
    attempt_timeout: Option<Duration>,
    /// How the call ends.
    want: Want,
    /// The requests of the operation the emulator saw.
    requests: u64,
    /// The faults it injected.
    faults: u64,
    /// The messages it stores at the end.
    stored: usize,
}

/// A fault on `getChatsSettings`.
fn on_get(fault: Fault, times: Option<u32>, want: Want, requests: u64, faults: u64) -> Faulted {
    Faulted {
        fault,
        times,
        post: false,
        attempt_timeout: None,
        want,
        requests,
        faults,
        stored: 0,
    }
}

/// A fault on `postChatsRoomMessages`, once.
fn on_post(fault: Fault, want: Want, requests: u64, stored: usize) -> Faulted {
    Faulted {
        fault,
        times: Some(1),
        post: true,
        attempt_timeout: None,
        want,
        requests,
        faults: 1,
        stored,
    }
}

/// The case with an attempt timeout of 300 ms.
fn timing_out(case: Faulted) -> Faulted {
    Faulted {
        attempt_timeout: Some(Duration::from_millis(300)),
        ..case
    }
}

/// Runs the call of `case` on a fresh emulator and compares the outcome and the
/// emulator's counters with the case.
fn faulted<C: Caller>(make: &mut Maker<'_, C>, case: Faulted) -> Checked {
    let server = server();
    let mut settings = settings(&server);
    if let Some(timeout) = case.attempt_timeout {
        settings.attempt_timeout = timeout;
    }
    let client = make(&settings)?;
    let (operation, result) = if case.post {
        let jid = room(&client, &server)?;
        fault::<PostChatsRoomMessages>(&server, case.fault.clone(), case.times);
        let result = client.call(PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("once"),
        ));
        (
            "postChatsRoomMessages",
            result.map(|r| (r.attempts, r.status)),
        )
    } else {
        fault::<GetChatsSettings>(&server, case.fault.clone(), case.times);
        let result = client.call(GetChatsSettings::new()).map(|r| {
            assert_eq!(r.output.message_retention_period_days, Some(365));
            (r.attempts, r.status)
        });
        ("getChatsSettings", result)
    };
    let mut d = Vec::new();
    match (case.want, &result) {
        (Want::Ok { attempts }, Ok((seen, status))) => {
            expect(&mut d, "the attempts", *seen, attempts);
            expect(&mut d, "the status", status.as_u16(), 200);
        }
        (
            Want::Transport(kind),
            Err(Error::Transport {
                kind: seen,
                operation: named,
                ..
            }),
        ) => {
            expect(&mut d, "the transport error kind", *seen, kind);
            expect(&mut d, "the operation named", *named, operation);
        }
        (Want::Api(status), Err(Error::Api(api))) => {
            expect(&mut d, "the status", api.status, status);
            expect(&mut d, "the operation named", api.operation, operation);
            expect(
                &mut d,
                "a correlation id",
                api.correlation_id.is_some(),
                true,
            );
        }
        (
            Want::Decode(status),
            Err(Error::Decode {
                status: seen,
                operation: named,
                ..
            }),
        ) => {
            expect(&mut d, "the status", *seen, status);
            expect(&mut d, "the operation named", *named, operation);
        }
        (want, result) => d.push(format!("the call ended in {result:?}, expected {want:?}")),
    }
    let counters = server.emulator().counters();
    expect(
        &mut d,
        &format!("{operation} requests"),
        counters.operation(operation),
        case.requests,
    );
    expect(
        &mut d,
        "faults injected",
        counters.faults_injected,
        case.faults,
    );
    expect(
        &mut d,
        "messages stored",
        server.emulator().message_count(),
        case.stored,
    );
    Ok(d)
}

/// Records a difference when `seen` is not `want`.
fn expect<T: PartialEq + std::fmt::Debug>(d: &mut Vec<String>, what: &str, seen: T, want: T) {
    if seen != want {
        d.push(format!("{what}: {seen:?}, expected {want:?}"));
    }
}

fn a_429_on_a_post_is_retried_and_stores_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let limited = Fault::too_many_requests(Duration::from_secs(0));
    faulted(make, on_post(limited, Want::Ok { attempts: 2 }, 2, 1))
}

fn a_503_is_retried_on_a_get<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let unavailable = Fault::status(503);
    faulted(
        make,
        on_get(unavailable, Some(2), Want::Ok { attempts: 3 }, 3, 2),
    )
}

fn a_503_that_persists_ends_after_max_attempts<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    faulted(make, on_get(Fault::status(503), None, Want::Api(503), 3, 3))
}

fn a_503_is_not_retried_on_a_post<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // The 503 fault refused the request: nothing stored.
    faulted(make, on_post(Fault::status(503), Want::Api(503), 1, 0))
}

fn a_post_applied_then_dropped_is_not_sent_twice<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // Applied once, and only once.
    let io = Want::Transport(TransportErrorKind::Io);
    faulted(make, on_post(Fault::DropAfterApply, io, 1, 1))
}

fn a_dropped_connection_is_not_resent_on_a_post<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // The connection was dropped before the operation was carried out.
    let io = Want::Transport(TransportErrorKind::Io);
    faulted(make, on_post(Fault::DropConnection, io, 1, 0))
}

fn a_dropped_connection_is_retried_on_a_get<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let twice = Want::Ok { attempts: 2 };
    faulted(make, on_get(Fault::DropConnection, Some(1), twice, 2, 1))
}

fn a_timed_out_get_is_retried<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let slow = Fault::delay(Duration::from_millis(1500));
    let case = on_get(slow, Some(1), Want::Ok { attempts: 2 }, 2, 1);
    faulted(make, timing_out(case))
}

fn a_timed_out_post_is_not_retried<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // The delay came after the message was stored.
    let slow = Fault::delay(Duration::from_millis(1500));
    let case = on_post(slow, Want::Transport(TransportErrorKind::Timeout), 1, 1);
    faulted(make, timing_out(case))
}

fn a_body_cut_short_on_a_post_is_not_resent<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // The fault cuts the answer short after the message was stored.
    let io = Want::Transport(TransportErrorKind::Io);
    faulted(make, on_post(Fault::Truncate, io, 1, 1))
}

fn a_body_cut_short_once_on_a_get_is_retried<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let twice = Want::Ok { attempts: 2 };
    faulted(make, on_get(Fault::Truncate, Some(1), twice, 2, 1))
}

fn a_body_cut_short_on_every_get_ends_after_max_attempts<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let io = Want::Transport(TransportErrorKind::Io);
    faulted(make, on_get(Fault::Truncate, None, io, 3, 3))
}

fn a_malformed_body_is_a_decode_error<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // Not retried.
    faulted(
        make,
        on_get(Fault::Malformed, Some(1), Want::Decode(200), 1, 1),
    )
}

fn concurrent_posts_from_16_threads_are_each_stored_once<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = server();
    let client = Arc::new(make(&settings(&server))?);
    let jid: Arc<str> = room(&*client, &server)?.into();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let (client, jid, barrier) = (client.clone(), jid.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                post(&*client, &jid, &format!("thread {i}"))
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for handle in handles {
        ids.insert(handle.join().expect("a posting thread")?);
    }
    assert_eq!(ids.len(), 16);
    assert_eq!(count(&server, "postChatsRoomMessages"), 16);
    assert_eq!(server.emulator().message_count(), 16);
    let iterated: Vec<String> = client
        .history(GetChatsRoomMessages::new(&*jid).limit(5), 100)
        .into_iter()
        .map(|m| m.unwrap().id.unwrap())
        .collect();
    assert_eq!(iterated.len(), 16);
    assert_eq!(iterated.into_iter().collect::<BTreeSet<_>>(), ids);
    // Pages of 5, 5, 5 and 1.
    assert_eq!(count(&server, "getChatsRoomMessages"), 4);
    Ok(vec![])
}
