//! The front door against the emulator on loopback, with this crate as the only import
//! besides the testkit (and futures-util): a method for every operation of the tables, the request value of
//! the operations with query options, and whole histories without a wasted request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use futures_util::StreamExt;

use genesys_chat_reqwest::operations::{self, GetChatsRoomMessages, PostChatsRoomMessages};
use genesys_chat_reqwest::{CallOptions, Client, Config, Operation, models::*};
use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;

fn client(server: &Server, token: &str) -> Client {
    Client::new(
        Config::with_base_url(&server.base_url())
            .unwrap()
            .with_token(token)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn every_operation_of_the_tables_has_a_method_that_runs_it() {
    let server = Server::start_default().unwrap();
    let emulator = server.emulator();
    let c = client(&server, Emulator::DEFAULT_TOKEN);
    let alice = emulator.user("alice").unwrap().clone();
    let bob = emulator.user("bob").unwrap().clone();

    let room = c
        .post_chats_rooms(CreateRoomRequest::new("All"))
        .await
        .unwrap();
    let jid = room.jid.unwrap();
    let sent = c
        .post_chats_room_messages(&jid, SendMessageBody::new("hello"))
        .await
        .unwrap();
    let m = sent.id.unwrap();
    c.get_chats_message(&m).await.unwrap();
    c.get_chats_room(&jid).await.unwrap();
    c.get_chats_room_message(&jid, &m).await.unwrap();
    c.get_chats_room_messages(&jid)
        .limit(5)
        .send()
        .await
        .unwrap();
    c.get_chats_room_participants(&jid)
        .notify(false)
        .send()
        .await
        .unwrap();
    c.get_chats_room_participant(&jid, &alice.jid)
        .await
        .unwrap();
    c.get_chats_thread_messages(&m).send().await.unwrap();
    c.patch_chats_room(&jid, RoomUpdateRequest::new().description("d"))
        .await
        .unwrap();
    c.patch_chats_room_message(&jid, &m, SendMessageBody::new("edited"))
        .await
        .unwrap();
    c.post_chats_room_messages_pins(&jid, PinnedMessageRequest::new([m.clone()]))
        .await
        .unwrap();
    c.delete_chats_room_messages_pin(&jid, &m).await.unwrap();
    c.put_chats_message_reactions(&m, ChatReactionUpdate::new(["thumbsup"]))
        .await
        .unwrap();
    c.post_chats_room_participant(&jid, &bob.id).await.unwrap();
    c.delete_chats_room_participant(&jid, &bob.id)
        .await
        .unwrap();
    c.delete_chats_room_message(&jid, &m).await.unwrap();

    let u = c
        .post_chats_user_messages(&bob.id, SendMessageBody::new("hi bob"))
        .await
        .unwrap()
        .id
        .unwrap();
    c.get_chats_user(&bob.id).await.unwrap();
    c.get_chats_user_message(&bob.id, &u).await.unwrap();
    c.get_chats_user_messages(&bob.id).send().await.unwrap();
    c.patch_chats_user_message(&bob.id, &u, SendMessageBody::new("edited"))
        .await
        .unwrap();
    c.post_chats_user_messages_pins(&bob.id, PinnedMessageRequest::new([u.clone()]))
        .await
        .unwrap();
    c.delete_chats_user_messages_pin(&bob.id, &u).await.unwrap();
    c.delete_chats_user_message(&bob.id, &u).await.unwrap();

    c.get_chats_settings().await.unwrap();
    c.patch_chats_settings(ChatSettings::default())
        .await
        .unwrap();
    c.put_chats_settings(ChatSettings::default()).await.unwrap();
    c.get_chats_user_settings(&alice.id).await.unwrap();
    c.patch_chats_user_settings(&alice.id, ChatUserSettings::default())
        .await
        .unwrap();
    c.post_chats_users_me_settings(UserChatSettingsPost::new(true))
        .await
        .unwrap();
    c.get_chats_users_me_settings().await.unwrap();
    c.patch_chats_users_me_settings(UserSettingsForChat::default())
        .await
        .unwrap();
    c.delete_chats_users_me_settings().await.unwrap();
    c.get_users_chats_me()
        .exclude_closed(false)
        .send()
        .await
        .unwrap();

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

#[tokio::test]
async fn a_request_value_sends_its_query_and_the_per_call_options() {
    let server = Server::start_default().unwrap();
    let c = client(&server, Emulator::DEFAULT_TOKEN);
    let jid = c
        .post_chats_rooms(CreateRoomRequest::new("Query"))
        .await
        .unwrap()
        .jid
        .unwrap();
    for text in ["one", "two", "three"] {
        c.post_chats_room_messages(&jid, SendMessageBody::new(text))
            .await
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
        .await
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
        .await
        .unwrap_err();
    assert!(refused.is_invalid_input(), "{refused}");
    // The history from the same request value: newest first, every page.
    let all: Vec<String> = c
        .get_chats_room_messages(&jid)
        .limit(2)
        .history()
        .map(|m| m.unwrap().body().to_owned())
        .collect()
        .await;
    assert_eq!(all, ["three", "two", "one"]);
    // An unknown room is matched by kind.
    let error = c
        .get_chats_room("no-such-room@conference.example.orgspan.com")
        .await
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

#[tokio::test]
async fn a_whole_history_costs_one_request_per_full_page_plus_one() {
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
            .map(|m| m.unwrap())
            .count()
            .await;
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
