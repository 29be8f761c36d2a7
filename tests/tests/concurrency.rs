//! Safe under concurrent clients: 8 threads × 500 messages into one room give exactly
//! 4000 distinct messages in the history, none lost or duplicated, read back with the
//! core's pager.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::call;
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::paging::History;
use genesys_chat_testkit::Emulator;

const THREADS: usize = 8;
const PER_THREAD: usize = 500;

#[test]
fn eight_threads_times_500_messages_none_lost_none_duplicated() {
    let emu = Arc::new(Emulator::new()); // the system clock: many posts share a millisecond
    let users: Vec<_> = Emulator::DEFAULT_USERS
        .iter()
        .map(|n| emu.user(n).unwrap().id.clone())
        .collect();
    let room = call(
        &emu,
        Emulator::DEFAULT_TOKEN,
        &PostChatsRooms::new(CreateRoomRequest::new("load").user_ids(users)),
    )
    .unwrap()
    .jid
    .unwrap();

    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let emu = Arc::clone(&emu);
            let room = room.clone();
            std::thread::spawn(move || {
                let name = Emulator::DEFAULT_USERS[t % Emulator::DEFAULT_USERS.len()];
                let token = emu.token_for(name).unwrap().to_owned();
                (0..PER_THREAD)
                    .map(|i| {
                        let op = PostChatsRoomMessages::new(
                            &room,
                            SendMessageBody::new(format!("t{t} m{i}")),
                        );
                        call(&emu, &token, &op).unwrap().id.unwrap()
                    })
                    .collect::<Vec<String>>()
            })
        })
        .collect();
    let sent: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let sent_set: HashSet<&String> = sent.iter().collect();
    assert_eq!(sent_set.len(), THREADS * PER_THREAD, "ids are unique");

    // Page through the whole history, 100 at a time, newest first.
    let mut op = GetChatsRoomMessages::new(&room).limit(100);
    let mut seen = Vec::new();
    let mut last_stamp = None;
    loop {
        let page = call(&emu, Emulator::DEFAULT_TOKEN, &op).unwrap();
        for m in page.messages() {
            if let Some(previous) = &last_stamp {
                assert!(
                    m.date_created.as_ref().unwrap() < previous,
                    "timestamps strictly decrease"
                );
            }
            last_stamp = Some(m.date_created.clone().unwrap());
            seen.push(m.id.clone().unwrap());
        }
        match op.next_page(&page).unwrap() {
            Some(next) => op = next,
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        THREADS * PER_THREAD,
        "none lost, none duplicated"
    );
    let seen_set: HashSet<&String> = seen.iter().collect();
    assert_eq!(seen_set, sent_set);
    // Each thread's messages come back in the order it sent them.
    for t in 0..THREADS {
        let mine: Vec<&String> = sent[t * PER_THREAD..(t + 1) * PER_THREAD].iter().collect();
        let order: Vec<&String> = seen.iter().rev().filter(|id| mine.contains(id)).collect();
        assert_eq!(order, mine);
    }
    assert_eq!(
        emu.counters().operation("postChatsRoomMessages"),
        (THREADS * PER_THREAD) as u64
    );
}
