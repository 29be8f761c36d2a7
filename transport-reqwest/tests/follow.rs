//! Following a room against the emulator on loopback: another user posts while we
//! follow; every message arrives once, oldest first, across a restart from the saved
//! cursor, and a backlog of several pages is read back without a gap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::StreamExt;
use genesys_chat_reqwest::operations::GetChatsRoomMessages;
use genesys_chat_reqwest::{Client, Config, Cursor, FollowStream, History, models::*};
use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;

const POLL: Duration = Duration::from_millis(20);

struct Room {
    server: Server,
    alice: Client,
    bob: Client,
    jid: String,
}

async fn room() -> Room {
    let server = Server::start_default().unwrap();
    let client = |token: &str| {
        Client::new(
            Config::with_base_url(&server.base_url())
                .unwrap()
                .with_token(token)
                .unwrap(),
        )
        .unwrap()
    };
    let alice = client(Emulator::DEFAULT_TOKEN);
    let bob_id = server.emulator().user("bob").unwrap().id.clone();
    let bob = client(server.emulator().token_for("bob").unwrap());
    let room = alice
        .post_chats_rooms(CreateRoomRequest::new("Follow").user_ids([bob_id]))
        .await
        .unwrap();
    let jid = room.jid.unwrap();
    Room {
        server,
        alice,
        bob,
        jid,
    }
}

/// The point after a message alice posts now: a follow from it sees what comes later.
async fn cursor_after_a_post(room: &Room) -> Cursor {
    let sent = room
        .alice
        .post_chats_room_messages(&room.jid, SendMessageBody::new("start"))
        .await
        .unwrap();
    let message = room
        .alice
        .get_chats_message(sent.id.unwrap())
        .await
        .unwrap();
    Cursor::after(&message).unwrap()
}

/// Bob posts `count` messages, one after the other, in a task of its own; the ids in
/// the order posted.
fn bob_posts(room: &Room, count: usize) -> tokio::task::JoinHandle<Vec<String>> {
    let (bob, jid) = (room.bob.clone(), room.jid.clone());
    tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..count {
            let body = SendMessageBody::new(format!("message {i}"));
            ids.push(
                bob.post_chats_room_messages(&jid, body)
                    .await
                    .unwrap()
                    .id
                    .unwrap(),
            );
        }
        ids
    })
}

/// The ids of the next `count` messages of `follow`, within 60 s.
async fn take_ids<H>(follow: &mut FollowStream<H>, count: usize) -> Vec<String>
where
    H: History + Send + Sync + 'static,
{
    let messages = follow.take(count).map(|m| m.unwrap().id.unwrap());
    tokio::time::timeout(Duration::from_secs(60), messages.collect())
        .await
        .expect("the messages arrive within 60 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_messages_arrive_once_in_order_across_a_restart() {
    let room = room().await;
    let start = cursor_after_a_post(&room).await;
    // Pages of 10, so that bursts between two polls are read back across pages.
    let request = GetChatsRoomMessages::new(&room.jid).limit(10);
    let mut follow = room
        .alice
        .follow_from(request.clone(), start)
        .interval(POLL);
    let posting = bob_posts(&room, 200);
    let first = take_ids(&mut follow, 120).await;
    let saved = follow.cursor().cloned().unwrap();
    drop(follow);

    // A restart: a new follow from the saved point.
    let mut follow = room.alice.follow_from(request, saved).interval(POLL);
    let rest = take_ids(&mut follow, 80).await;
    let posted = posting.await.unwrap();

    assert_eq!(first.len(), 120);
    assert_eq!(rest.len(), 80);
    let followed: Vec<String> = first.into_iter().chain(rest).collect();
    assert_eq!(followed, posted, "every message once, oldest first");
    // Nothing more arrives: none was held back or is repeated.
    let mut follow = room
        .alice
        .follow_from(
            GetChatsRoomMessages::new(&room.jid),
            follow.cursor().cloned().unwrap(),
        )
        .interval(POLL);
    let more = tokio::time::timeout(Duration::from_millis(300), follow.next()).await;
    assert!(more.is_err(), "nothing more: {more:?}");
}

#[tokio::test]
async fn a_backlog_of_several_pages_is_read_back_oldest_first() {
    let room = room().await;
    let start = cursor_after_a_post(&room).await;
    let posted = bob_posts(&room, 45).await.unwrap();
    let counter = || {
        room.server
            .emulator()
            .counters()
            .operation("getChatsRoomMessages")
    };
    let before = counter();
    let mut follow = room
        .alice
        .follow_from(GetChatsRoomMessages::new(&room.jid).limit(10), start)
        .interval(POLL);
    let followed = take_ids(&mut follow, 45).await;
    assert_eq!(followed, posted);
    // The window holds the start message and 45 others: a full page of 10, then pages
    // reaching back (each overlaps the last by the one message at its boundary: 9 new),
    // 10 + 4 × 9 = 46, and a sixth, short page proves nothing is left.
    assert_eq!(counter() - before, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_from_now_skips_what_was_there_and_hands_out_what_comes() {
    let room = room().await;
    for text in ["old 1", "old 2"] {
        room.alice
            .post_chats_room_messages(&room.jid, SendMessageBody::new(text))
            .await
            .unwrap();
    }
    let emulator = room.server.emulator().clone();
    let counter = move || emulator.counters().operation("getChatsRoomMessages");
    let at_start = counter();
    let follow = room
        .alice
        .follow(GetChatsRoomMessages::new(&room.jid))
        .interval(POLL);
    let (jid, bob) = (room.jid.clone(), room.bob.clone());
    let poster = tokio::spawn(async move {
        // Once the first poll after the start has come in, the start was answered.
        let waited = tokio::time::timeout(Duration::from_secs(30), async {
            while counter() < at_start + 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        waited.await.unwrap();
        for text in ["new 1", "new 2"] {
            bob.post_chats_room_messages(&jid, SendMessageBody::new(text))
                .await
                .unwrap();
        }
    });
    let texts = follow.take(2).map(|m| m.unwrap().body().to_owned());
    let texts: Vec<String> = tokio::time::timeout(Duration::from_secs(60), texts.collect())
        .await
        .unwrap();
    poster.await.unwrap();
    assert_eq!(texts, ["new 1", "new 2"]);
}
