//! The front door against the emulator on loopback, with this crate as the only import
//! besides the testkit: a method for every operation of the tables, the request value of
//! the operations with query options, and whole histories without a wasted request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;
use genesys_chat_ureq::operations::{self, GetChatsRoomMessages, PostChatsRoomMessages};
use genesys_chat_ureq::{CallOptions, Client, Config, Operation, models::*};

fn client(server: &Server, token: &str) -> Client {
    Client::new(
        Config::with_base_url(&server.base_url())
            .unwrap()
            .with_token(token)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn every_operation_of_the_tables_has_a_method_that_runs_it() {
    let server = Server::start_default().unwrap();
    let emulator = server.emulator();
    let c = client(&server, Emulator::DEFAULT_TOKEN);
    let alice = emulator.user("alice").unwrap().clone();
    let bob = emulator.user("bob").unwrap().clone();

    let room = c.post_chats_rooms(CreateRoomRequest::new("All")).unwrap();
    let jid = room.jid.unwrap();
    let sent = c
        .post_chats_room_messages(&jid, SendMessageBody::new("hello"))
        .unwrap();
    let m = sent.id.unwrap();
    c.get_chats_message(&m).unwrap();
    c.get_chats_room(&jid).unwrap();
    c.get_chats_room_message(&jid, &m).unwrap();
    c.get_chats_room_messages(&jid).limit(5).send().unwrap();
    c.get_chats_room_participants(&jid)
        .notify(false)
        .send()
        .unwrap();
    c.get_chats_room_participant(&jid, &alice.jid).unwrap();
    c.get_chats_thread_messages(&m).send().unwrap();
    c.patch_chats_room(&jid, RoomUpdateRequest::new().description("d"))
        .unwrap();
    c.patch_chats_room_message(&jid, &m, SendMessageBody::new("edited"))
        .unwrap();
    c.post_chats_room_messages_pins(&jid, PinnedMessageRequest::new([m.clone()]))
        .unwrap();
    c.delete_chats_room_messages_pin(&jid, &m).unwrap();
    c.put_chats_message_reactions(&m, ChatReactionUpdate::new(["thumbsup"]))
        .unwrap();
    c.post_chats_room_participant(&jid, &bob.id).unwrap();
    c.delete_chats_room_participant(&jid, &bob.id).unwrap();
    c.delete_chats_room_message(&jid, &m).unwrap();

    let u = c
        .post_chats_user_messages(&bob.id, SendMessageBody::new("hi bob"))
        .unwrap()
        .id
        .unwrap();
    c.get_chats_user(&bob.id).unwrap();
    c.get_chats_user_message(&bob.id, &u).unwrap();
    c.get_chats_user_messages(&bob.id).send().unwrap();
    c.patch_chats_user_message(&bob.id, &u, SendMessageBody::new("edited"))
        .unwrap();
    c.post_chats_user_messages_pins(&bob.id, PinnedMessageRequest::new([u.clone()]))
        .unwrap();
    c.delete_chats_user_messages_pin(&bob.id, &u).unwrap();
    c.delete_chats_user_message(&bob.id, &u).unwrap();

    c.get_chats_settings().unwrap();
    c.patch_chats_settings(ChatSettings::default()).unwrap();
    c.put_chats_settings(ChatSettings::default()).unwrap();
    c.get_chats_user_settings(&alice.id).unwrap();
    c.patch_chats_user_settings(&alice.id, ChatUserSettings::default())
        .unwrap();
    c.post_chats_users_me_settings(UserChatSettingsPost::new(true))
        .unwrap();
    c.get_chats_users_me_settings().unwrap();
    c.patch_chats_users_me_settings(UserSettingsForChat::default())
        .unwrap();
    c.delete_chats_users_me_settings().unwrap();
    c.get_users_chats_me().exclude_closed(false).send().unwrap();

    // Each operation of both tables was received exactly once, under its own id.
    let counters = emulator.counters();
    let counted: BTreeMap<&str, u64> = operations::ALL
        .iter()
        .chain(operations::USERS)
        .map(|meta| (meta.id, counters.operation(meta.id)))
        .collect();
    assert_eq!(counted.len(), 35);
    let not_once: Vec<_> = counted.iter().filter(|(_, n)| **n != 1).collect();
    assert!(not_once.is_empty(), "{not_once:?}");
}

#[test]
fn a_request_value_sends_its_query_and_the_per_call_options() {
    let server = Server::start_default().unwrap();
    let c = client(&server, Emulator::DEFAULT_TOKEN);
    let jid = c
        .post_chats_rooms(CreateRoomRequest::new("Query"))
        .unwrap()
        .jid
        .unwrap();
    for text in ["one", "two", "three"] {
        c.post_chats_room_messages(&jid, SendMessageBody::new(text))
            .unwrap();
    }
    let request = c
        .get_chats_room_messages(&jid)
        .limit(2)
        .exclude_metadata(true);
    assert_eq!(request.operation().query.limit, Some(2));
    let reply = request
        .options(CallOptions::new().header("X-Request-Tag", "front-door"))
        .send_with_reply()
        .unwrap();
    let texts: Vec<&str> = reply.output.messages().iter().map(|m| m.body()).collect();
    assert_eq!(texts, ["three", "two"]);
    assert_eq!(reply.status, 200);
    // The per-call options travel with the request value: a header the client owns is
    // refused before anything is sent.
    let refused = c
        .get_chats_room_messages(&jid)
        .options(CallOptions::new().header("Host", "elsewhere"))
        .send()
        .unwrap_err();
    assert!(refused.is_invalid_input(), "{refused}");
    // The history from the same request value: newest first, every page.
    let all: Vec<String> = c
        .get_chats_room_messages(&jid)
        .limit(2)
        .history()
        .map(|m| m.unwrap().body().to_owned())
        .collect();
    assert_eq!(all, ["three", "two", "one"]);
    // An unknown room is matched by kind.
    let error = c
        .get_chats_room("no-such-room@conference.example.orgspan.com")
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

/// Posts `n` messages to a new room through the in-process emulator; the room's JID.
fn room_with(server: &Server, n: usize) -> String {
    let emulator = server.emulator();
    let cfg = Config::with_base_url("http://127.0.0.1")
        .unwrap()
        .with_token(Emulator::DEFAULT_TOKEN)
        .unwrap();
    let op = operations::PostChatsRooms::new(CreateRoomRequest::new("History"));
    let jid = op
        .parse(&cfg, &emulator.handle(op.to_http(&cfg).unwrap()))
        .unwrap()
        .jid
        .unwrap();
    for i in 0..n {
        let op = PostChatsRoomMessages::new(&jid, SendMessageBody::new(format!("m{i}")));
        op.parse(&cfg, &emulator.handle(op.to_http(&cfg).unwrap()))
            .unwrap();
    }
    jid
}

#[test]
fn a_whole_history_costs_one_request_per_full_page_plus_one() {
    let server = Server::start_default().unwrap();
    let c = client(&server, Emulator::DEFAULT_TOKEN);
    let mut seen = Vec::new();
    for n in [0, 99, 100, 250] {
        let jid = room_with(&server, n);
        let before = server
            .emulator()
            .counters()
            .operation("getChatsRoomMessages");
        let read = c
            .history(GetChatsRoomMessages::new(&jid))
            .filter(|m| m.as_ref().unwrap().id.is_some())
            .count();
        let requests = server
            .emulator()
            .counters()
            .operation("getChatsRoomMessages")
            - before;
        seen.push((n, read, requests));
    }
    // ⌊N / 100⌋ + 1: no page size set, so pages of 100 are asked for and a short page
    // ends the history.
    assert_eq!(seen, [(0, 0, 1), (99, 99, 1), (100, 100, 2), (250, 250, 3)]);
}

#[test]
fn a_429_over_the_cap_reads_as_sentences_and_is_matched_by_kind() {
    use genesys_chat_testkit::{Fault, FaultRoute, FaultRule};
    use genesys_chat_ureq::operations::GetChatsSettings;

    let server = Server::start_default().unwrap();
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::of::<GetChatsSettings>(),
            Fault::too_many_requests(std::time::Duration::from_secs(120)),
        ))
        .unwrap();
    let c = client(&server, Emulator::DEFAULT_TOKEN);
    let error = c.get_chats_settings().unwrap_err();
    assert!(error.is_rate_limited());
    assert_eq!(
        error.retry_after(),
        Some(std::time::Duration::from_secs(120))
    );
    let text = error.to_string();
    assert!(
        text.starts_with(
            "`getChatsSettings` failed with HTTP 429 (too.many.requests.retry.after): Rate \
             limit exceeded the maximum. Retry the request after the time in the Retry-After \
             header. Retry after 120s. [correlation id "
        ),
        "{text}"
    );
}
