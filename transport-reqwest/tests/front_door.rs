//! The front door against the emulator on loopback, with this crate as the only import
//! besides the testkit (and futures-util): a method for every operation of the tables, the request value of
//! the operations with query options, and whole histories without a wasted request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use genesys_chat_reqwest::models::*;
use genesys_chat_reqwest::operations::GetChatsRoomMessages;
use genesys_chat_reqwest::{CallOptions, Client};
use genesys_chat_testkit::front_door;
use genesys_chat_testkit::server::Server;

fn client(server: &Server) -> Client {
    front_door::builder(server).unwrap().build().unwrap()
}

#[tokio::test]
async fn every_operation_of_the_tables_has_a_method_that_runs_it() {
    let server = Server::start_default().unwrap();
    let emulator = server.emulator();
    let c = client(&server);
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
    front_door::assert_every_operation_ran_once(&server);
}

#[tokio::test]
async fn a_request_value_sends_its_query_and_the_per_call_options() {
    let server = Server::start_default().unwrap();
    let jid = front_door::room_with(&server, front_door::QUERY_TEXTS).unwrap();
    let c = client(&server);
    let tag = CallOptions::new().header("X-Request-Tag", "front-door");
    let query = c
        .get_chats_room_messages(&jid)
        .limit(2)
        .exclude_metadata(true);
    let seen = front_door::RequestValue {
        query: query.operation().query.clone(),
        first_page: query.options(tag).send_with_reply().await,
        // The per-call options travel with the request value.
        owned_header: (c.get_chats_room_messages(&jid))
            .options(CallOptions::new().header("Host", "elsewhere"))
            .send()
            .await,
        // The history from the same kind of request value: every page.
        history: c
            .get_chats_room_messages(&jid)
            .limit(2)
            .history()
            .collect()
            .await,
        unknown_room: c.get_chats_room(front_door::UNKNOWN_ROOM).await.map(drop),
    };
    front_door::assert_request_value(seen);
}

#[test]
fn a_whole_history_costs_one_request_per_full_page_plus_one() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = Server::start_default().unwrap();
    let c = client(&server);
    let seen = front_door::history_costs(&server, |jid| {
        runtime.block_on(
            c.history(GetChatsRoomMessages::new(jid))
                .map(|m| m.unwrap())
                .count(),
        )
    });
    assert_eq!(seen.unwrap(), front_door::HISTORY_COSTS);
}
