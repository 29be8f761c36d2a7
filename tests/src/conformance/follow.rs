//! Following a room against the emulator on loopback: another user (a second client the
//! kit builds) posts while alice follows; every message arrives once, oldest first,
//! across a restart from the saved cursor; a backlog of several pages is read back
//! without a gap; a follow from now hands out only what comes.
//!
//! Each check follows through [`Caller::follow`], so a client's own follow is what is
//! checked; bare stacks follow through the core's follower over their calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::follow::Cursor;
use genesys_chat::models::{ChatMessageResponse, CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsMessage, GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms,
};
use genesys_chat::{Error, History};

use super::{Caller, Check, Checked, FollowPlan, Followed, Maker, Settings};
use crate::Emulator;
use crate::server::Server;

/// The checks of this group, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "two hundred messages another user posts arrive once, oldest first, across a restart from the saved cursor",
            run: two_hundred_messages_arrive_once_across_a_restart::<C>,
        },
        Check {
            name: "a backlog of several pages is read back oldest first in 6 requests",
            run: a_backlog_of_several_pages_is_read_back_oldest_first::<C>,
        },
        Check {
            name: "a follow from now skips what was there and hands out what comes",
            run: a_follow_from_now_hands_out_only_what_comes::<C>,
        },
    ]
}

/// The pause between two polls.
const POLL: Duration = Duration::from_millis(20);
/// The longest a follow waits for what it wants: far more than it needs.
const PATIENCE: Duration = Duration::from_secs(60);

/// A room of alice's with bob in it, on a loopback emulator, and a client for each.
struct Room<C> {
    server: Server,
    alice: C,
    bob: Arc<C>,
    jid: String,
}

fn settings(server: &Server, token: &str) -> Result<Settings, Error> {
    let mut settings = Settings::new(server.base_url());
    settings.credentials = Some(Credentials::token(token)?);
    Ok(settings)
}

fn room<C: Caller>(make: &mut Maker<'_, C>) -> Result<Room<C>, Error> {
    let server = Server::start_default()
        .map_err(|e| Error::Config(format!("the emulator could not start: {e}")))?;
    let alice = make(&settings(&server, Emulator::DEFAULT_TOKEN)?)?;
    let emulator = server.emulator();
    let missing = || Error::Config("the emulator has no user bob".to_owned());
    let bob_id = emulator.user("bob").ok_or_else(missing)?.id.clone();
    let bob = Arc::new(make(&settings(
        &server,
        emulator.token_for("bob").ok_or_else(missing)?,
    )?)?);
    let request = CreateRoomRequest::new("Follow").user_ids([bob_id]);
    let jid = alice
        .call(PostChatsRooms::new(request))?
        .output
        .jid
        .ok_or_else(|| Error::Config("the new room has no jid".to_owned()))?;
    Ok(Room {
        server,
        alice,
        bob,
        jid,
    })
}

fn sent_id(sent: Option<String>) -> Result<String, Error> {
    sent.ok_or_else(|| Error::Config("the sent message has no id".to_owned()))
}

/// The point after a message alice posts now: a follow from it sees what comes later.
fn cursor_after_a_post<C: Caller>(room: &Room<C>) -> Result<Cursor, Error> {
    let body = SendMessageBody::new("start");
    let sent = room
        .alice
        .call(PostChatsRoomMessages::new(&room.jid, body))?;
    let id = sent_id(sent.output.id)?;
    let message = room.alice.call(GetChatsMessage::new(id))?.output;
    Cursor::after(&message)
        .ok_or_else(|| Error::Config("the start message has no cursor".to_owned()))
}

/// Bob posts `count` messages `message 0`, `message 1`, …, one after the other, on a
/// thread of its own; the ids in the order posted.
fn bob_posts<C: Caller>(
    room: &Room<C>,
    count: usize,
) -> std::thread::JoinHandle<Result<Vec<String>, Error>> {
    let (bob, jid) = (room.bob.clone(), room.jid.clone());
    std::thread::spawn(move || {
        (0..count)
            .map(|i| {
                let body = SendMessageBody::new(format!("message {i}"));
                sent_id(bob.call(PostChatsRoomMessages::new(&jid, body))?.output.id)
            })
            .collect()
    })
}

fn joined<T>(handle: std::thread::JoinHandle<Result<T, Error>>) -> Result<T, Error> {
    handle
        .join()
        .unwrap_or_else(|_| Err(Error::Config("the posting thread panicked".to_owned())))
}

/// Follows `request` from `from` until `want` messages came (or [`PATIENCE`] is up).
fn follow<C: Caller, H>(client: &C, request: H, from: Option<Cursor>, want: usize) -> Followed
where
    H: History + Send + Sync + 'static,
{
    let plan = FollowPlan {
        from,
        interval: POLL,
        want,
        within: PATIENCE,
    };
    client.follow(request, &plan)
}

/// The messages of a follow; an error fails the check.
fn messages(followed: Followed) -> Result<(Vec<ChatMessageResponse>, Option<Cursor>), Error> {
    let messages = followed.items.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((messages, followed.cursor))
}

fn ids(messages: &[ChatMessageResponse]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.id().unwrap_or("(no id)").to_owned())
        .collect()
}

fn two_hundred_messages_arrive_once_across_a_restart<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let room = room(make)?;
    let start = cursor_after_a_post(&room)?;
    // Pages of 10, so that bursts between two polls are read back across pages.
    let request = GetChatsRoomMessages::new(&room.jid).limit(10);
    let posting = bob_posts(&room, 200);
    let (first, saved) = messages(follow(&room.alice, request.clone(), Some(start), 120))?;
    let saved = saved.ok_or_else(|| Error::Config("no cursor after 120 messages".to_owned()))?;
    // A restart: a new follow from the saved point.
    let (rest, last) = messages(follow(&room.alice, request, Some(saved), 80))?;
    let posted = joined(posting)?;

    assert_eq!(first.len(), 120);
    assert_eq!(rest.len(), 80);
    let followed: Vec<String> = ids(&first).into_iter().chain(ids(&rest)).collect();
    assert_eq!(posted.len(), 200);
    assert_eq!(followed, posted, "every message once, oldest first");
    // Nothing more arrives: none was held back or is repeated.
    let last = last.ok_or_else(|| Error::Config("no cursor after 200 messages".to_owned()))?;
    let plan = FollowPlan {
        from: Some(last),
        interval: POLL,
        want: 1,
        within: Duration::from_millis(300),
    };
    let more = room
        .alice
        .follow(GetChatsRoomMessages::new(&room.jid), &plan);
    assert_eq!(more.items.len(), 0, "nothing more: {:?}", more.items);
    Ok(vec![])
}

fn a_backlog_of_several_pages_is_read_back_oldest_first<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let room = room(make)?;
    let start = cursor_after_a_post(&room)?;
    let posted = joined(bob_posts(&room, 45))?;
    let counter = || {
        room.server
            .emulator()
            .counters()
            .operation("getChatsRoomMessages")
    };
    let before = counter();
    let request = GetChatsRoomMessages::new(&room.jid).limit(10);
    let (followed, _) = messages(follow(&room.alice, request, Some(start), 45))?;
    assert_eq!(posted.len(), 45);
    assert_eq!(ids(&followed), posted);
    // The window holds the start message and 45 others: a full page of 10, then pages
    // reaching back (each overlaps the last by the one message at its boundary: 9 new),
    // 10 + 4 × 9 = 46, and a sixth, short page proves nothing is left.
    assert_eq!(counter() - before, 6);
    Ok(vec![])
}

fn a_follow_from_now_hands_out_only_what_comes<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let room = room(make)?;
    for text in ["old 1", "old 2"] {
        let body = SendMessageBody::new(text);
        room.alice
            .call(PostChatsRoomMessages::new(&room.jid, body))?;
    }
    let emulator = room.server.emulator().clone();
    let counter = move || emulator.counters().operation("getChatsRoomMessages");
    let at_start = counter();
    let (bob, jid) = (room.bob.clone(), room.jid.clone());
    let poster = std::thread::spawn(move || -> Result<(), Error> {
        // Once the first poll after the start has come in, the start was answered.
        let deadline = Instant::now() + Duration::from_secs(30);
        while counter() < at_start + 2 {
            if Instant::now() >= deadline {
                return Err(Error::Config("the follow never polled".to_owned()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for text in ["new 1", "new 2"] {
            bob.call(PostChatsRoomMessages::new(&jid, SendMessageBody::new(text)))?;
        }
        Ok(())
    });
    let followed = follow(&room.alice, GetChatsRoomMessages::new(&room.jid), None, 2);
    joined(poster)?;
    let (followed, _) = messages(followed)?;
    let texts: Vec<&str> = followed.iter().map(ChatMessageResponse::body).collect();
    assert_eq!(texts, ["new 1", "new 2"]);
    Ok(vec![])
}
