//! The front door against the emulator on loopback, with this crate as the only import
//! besides the testkit: a method for every operation of the tables, the request value of
//! the operations with query options, and whole histories without a wasted request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_chat_testkit::front_door;
use genesys_chat_testkit::server::Server;
use genesys_chat_ureq::models::*;
use genesys_chat_ureq::operations::GetChatsRoomMessages;
use genesys_chat_ureq::{CallOptions, Client};

fn client(server: &Server) -> Client {
    front_door::builder(server).unwrap().build().unwrap()
}

#[test]
fn every_operation_of_the_tables_has_a_method_that_runs_it() {
    let server = Server::start_default().unwrap();
    let emulator = server.emulator();
    let c = client(&server);
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
    front_door::assert_every_operation_ran_once(&server);
}

#[test]
fn a_request_value_sends_its_query_and_the_per_call_options() {
    let server = Server::start_default().unwrap();
    let c = client(&server);
    let jid = front_door::room_with(&server, front_door::QUERY_TEXTS).unwrap();
    let request = c.get_chats_room_messages(&jid).limit(2);
    let query = request.exclude_metadata(true);
    let tag = CallOptions::new().header("X-Request-Tag", "front-door");
    let owned = CallOptions::new().header("Host", "elsewhere");
    front_door::assert_request_value(front_door::RequestValue {
        query: query.operation().query.clone(),
        first_page: query.options(tag).send_with_reply(),
        // The per-call options travel with the request value.
        owned_header: c.get_chats_room_messages(&jid).options(owned).send(),
        // The history from the same kind of request value: every page.
        history: c.get_chats_room_messages(&jid).limit(2).history().collect(),
        unknown_room: c.get_chats_room(front_door::UNKNOWN_ROOM).map(drop),
    });
}

#[test]
fn a_whole_history_costs_one_request_per_full_page_plus_one() {
    let server = Server::start_default().unwrap();
    let c = client(&server);
    let seen = front_door::history_costs(&server, |jid| {
        c.history(GetChatsRoomMessages::new(jid))
            .filter(|m| m.as_ref().unwrap().id.is_some())
            .count()
    });
    assert_eq!(seen.unwrap(), front_door::HISTORY_COSTS);
}
