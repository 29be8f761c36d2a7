//! Following a room against the emulator on loopback: another user posts while we
//! follow; every message arrives once, oldest first, across a restart from the saved
//! cursor, and a backlog of several pages is read back without a gap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;
use genesys_chat_ureq::operations::GetChatsRoomMessages;
use genesys_chat_ureq::{Client, Config, Cursor, models::*};

const POLL: Duration = Duration::from_millis(20);

struct Room {
    server: Server,
    alice: Client,
    bob: Client,
    jid: String,
}

fn room() -> Room {
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
fn cursor_after_a_post(room: &Room) -> Cursor {
    let sent = room
        .alice
        .post_chats_room_messages(&room.jid, SendMessageBody::new("start"))
        .unwrap();
    let message = room.alice.get_chats_message(sent.id.unwrap()).unwrap();
    Cursor::after(&message).unwrap()
}

/// Bob posts `count` messages, one after the other, on a thread of its own; the ids in
/// the order posted.
fn bob_posts(room: &Room, count: usize) -> std::thread::JoinHandle<Vec<String>> {
    let (bob, jid) = (room.bob.clone(), room.jid.clone());
    std::thread::spawn(move || {
        (0..count)
            .map(|i| {
                let body = SendMessageBody::new(format!("message {i}"));
                bob.post_chats_room_messages(&jid, body)
                    .unwrap()
                    .id
                    .unwrap()
            })
            .collect()
    })
}

/// The next `count` messages of `follow`, stopping it after 60 s at most.
fn take<H: genesys_chat_ureq::History>(
    follow: &mut genesys_chat_ureq::Follow<'_, H>,
    count: usize,
) -> Vec<ChatMessageResponse> {
    let stop = follow.stop_handle();
    let watchdog_stop = stop.clone();
    let started = Instant::now();
    let watchdog = std::thread::spawn(move || {
        while started.elapsed() < Duration::from_secs(60) && !watchdog_stop.is_stopped() {
            std::thread::sleep(Duration::from_millis(20));
        }
        watchdog_stop.stop();
    });
    let messages: Vec<ChatMessageResponse> =
        follow.by_ref().take(count).map(|m| m.unwrap()).collect();
    stop.stop();
    watchdog.join().unwrap();
    messages
}

/// The ids of the next `count` messages of `follow`.
fn take_ids<H: genesys_chat_ureq::History>(
    follow: &mut genesys_chat_ureq::Follow<'_, H>,
    count: usize,
) -> Vec<String> {
    take(follow, count)
        .into_iter()
        .map(|m| m.id.unwrap())
        .collect()
}

#[test]
fn two_hundred_messages_arrive_once_in_order_across_a_restart() {
    let room = room();
    let start = cursor_after_a_post(&room);
    // Pages of 10, so that bursts between two polls are read back across pages.
    let request = GetChatsRoomMessages::new(&room.jid).limit(10);
    let mut follow = room
        .alice
        .follow_from(request.clone(), start)
        .interval(POLL);
    let posting = bob_posts(&room, 200);
    let first = take_ids(&mut follow, 120);
    let saved = follow.cursor().cloned().unwrap();
    drop(follow);

    // A restart: a new follow from the saved point.
    let mut follow = room.alice.follow_from(request, saved).interval(POLL);
    let rest = take_ids(&mut follow, 80);
    let posted = posting.join().unwrap();

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
    let stop = follow.stop_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        stop.stop();
    });
    assert_eq!(follow.by_ref().count(), 0);
    stopper.join().unwrap();
}

#[test]
fn a_backlog_of_several_pages_is_read_back_oldest_first() {
    let room = room();
    let start = cursor_after_a_post(&room);
    let posted = bob_posts(&room, 45).join().unwrap();
    let before = room
        .server
        .emulator()
        .counters()
        .operation("getChatsRoomMessages");
    let mut follow = room
        .alice
        .follow_from(GetChatsRoomMessages::new(&room.jid).limit(10), start)
        .interval(POLL);
    let followed = take_ids(&mut follow, 45);
    assert_eq!(followed, posted);
    // The window holds the start message and 45 others: a full page of 10, then pages
    // reaching back (each overlaps the last by the one message at its boundary: 9 new),
    // 10 + 4 × 9 = 46, and a sixth, short page proves nothing is left.
    let requests = room
        .server
        .emulator()
        .counters()
        .operation("getChatsRoomMessages")
        - before;
    assert_eq!(requests, 6);
}

#[test]
fn a_follow_from_now_skips_what_was_there_and_hands_out_what_comes() {
    let room = room();
    for text in ["old 1", "old 2"] {
        room.alice
            .post_chats_room_messages(&room.jid, SendMessageBody::new(text))
            .unwrap();
    }
    let counters = || {
        room.server
            .emulator()
            .counters()
            .operation("getChatsRoomMessages")
    };
    let at_start = counters();
    let mut follow = room
        .alice
        .follow(GetChatsRoomMessages::new(&room.jid))
        .interval(POLL);
    let (jid, bob) = (room.jid.clone(), room.bob.clone());
    let texts = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Once the first poll after the start has come in, the start was answered.
            let deadline = Instant::now() + Duration::from_secs(30);
            while counters() < at_start + 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            for text in ["new 1", "new 2"] {
                bob.post_chats_room_messages(&jid, SendMessageBody::new(text))
                    .unwrap();
            }
        });
        take(&mut follow, 2)
    });
    let texts: Vec<&str> = texts.iter().map(|m| m.body()).collect();
    assert_eq!(texts, ["new 1", "new 2"]);
}
