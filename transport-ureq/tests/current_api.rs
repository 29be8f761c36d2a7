//! The blocking client's own surface of the current Chat API (the kit's group CurrentApi
//! runs the rest on every client): the "my chats" iterator across pages, and
//! `reply_with`'s per-call retry and timeouts over the client's own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_chat::operations::GetUsersChatsMe;
use genesys_chat_testkit::front_door;
use genesys_chat_testkit::server::Server;
use genesys_chat_ureq::Client;

#[test]
fn my_chats_iterates_every_room_across_pages() {
    let server = Server::start_default().unwrap();
    let client = front_door::builder::<Client>(&server)
        .unwrap()
        .build()
        .unwrap();
    let jids = front_door::rooms(&server, 30).unwrap();
    let first = GetUsersChatsMe::new().include_room_owners(true);
    // 30 chats at 25 a page: two requests.
    front_door::assert_my_chats(&server, &jids, client.my_chats(first).collect(), 2);
}

#[test]
fn per_call_retry_and_timeouts_override_the_clients() {
    front_door::assert_per_call_retry_and_timeouts_override_the_clients(Client::reply_with);
}
