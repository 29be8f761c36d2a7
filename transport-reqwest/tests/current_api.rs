//! The async client's own surface of the current Chat API (the kit's group CurrentApi
//! runs the rest on every client): the "my chats" stream across pages, and `reply_with`'s
//! per-call retry and timeouts over the client's own, which they leave untouched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use genesys_chat::operations::GetUsersChatsMe;
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::front_door;
use genesys_chat_testkit::server::Server;

#[tokio::test]
async fn my_chats_streams_every_room_across_pages() {
    let server = Server::start_default().unwrap();
    let jids = front_door::rooms(&server, 27).unwrap();
    let client = front_door::builder::<Client>(&server)
        .unwrap()
        .build()
        .unwrap();
    let chats = client.my_chats(GetUsersChatsMe::new().exclude_closed(true));
    // 27 chats at 25 a page: two requests.
    front_door::assert_my_chats(&server, &jids, chats.collect().await, 2);
}

#[test]
fn per_call_retry_and_timeouts_override_the_clients() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = front_door::assert_per_call_retry_and_timeouts_override_the_clients(
        |client: &Client, op, options| runtime.block_on(client.reply_with(op, options)),
    );
    // The client's own policy is untouched by the per-call ones.
    assert_eq!(client.retry_policy().max_attempts, 4);
}
