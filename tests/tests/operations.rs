//! The happy path of every one of the 32 operations, driven by the core's operation
//! structs (`to_http` → `Emulator::handle` → `parse`), with the semantics of the
//! official docs.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use genesys_chat::models::*;
use genesys_chat::operations::*;
use genesys_chat::paging::History;
use genesys_chat::{Operation, Timestamp};
use genesys_chat_testkit::Emulator;

fn post(w: &World, token: &str, text: &str) -> String {
    call(
        &w.emu,
        token,
        &PostChatsRoomMessages::new(&w.room, SendMessageBody::new(text)),
    )
    .unwrap()
    .id
    .unwrap()
}

#[test]
fn post_chats_rooms_and_get_chats_room() {
    let w = world();
    let jid = alice(
        &w.emu,
        &PostChatsRooms::new(
            CreateRoomRequest::new("Incident 42")
                .description("war room")
                .user_ids([w.bob.id.clone(), w.carol.id.clone()]),
        ),
    )
    .jid
    .unwrap();
    let (local, domain) = jid.split_once('@').unwrap();
    assert_eq!(local.len(), 24);
    assert!(
        local
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(domain, "conference.example.orgspan.com");

    let room = alice(&w.emu, &GetChatsRoom::new(&jid));
    assert_eq!(room.jid.as_deref(), Some(jid.as_str()));
    assert_eq!(room.subject.as_deref(), Some("Incident 42"));
    assert_eq!(room.description.as_deref(), Some("war room"));
    assert_eq!(room.room_type, Some(RoomType::Adhoc));
    assert_eq!(room.self_uri, Some(format!("/api/v2/chats/rooms/{jid}")));
    assert_eq!(room.date_created, Some(Timestamp::from_unix_millis(T0)));
    let owners = room.owners.unwrap();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].id.as_deref(), Some(w.alice.id.as_str()));
    assert_eq!(
        owners[0].self_uri,
        Some(format!("/api/v2/users/{}", w.alice.id))
    );
    assert_eq!(room.pinned_messages, Some(vec![]));
    // bob and carol were added, so they see it.
    assert!(call(&w.emu, &w.token("carol"), &GetChatsRoom::new(&jid)).is_ok());
}

#[test]
fn patch_chats_room_sets_subject_description_pins_and_owners() {
    let w = world();
    let extra = post(&w, &w.token("bob"), "pin me too");
    alice(
        &w.emu,
        &PatchChatsRoom::new(
            &w.room,
            RoomUpdateRequest::new()
                .subject("Launch v2")
                .description("go/no-go")
                .pinned_message_ids([extra.clone()])
                .owner_ids([w.bob.id.clone(), w.dave.id.clone()]),
        ),
    );
    let room = call(&w.emu, &w.token("bob"), &GetChatsRoom::new(&w.room)).unwrap();
    assert_eq!(room.subject.as_deref(), Some("Launch v2"));
    assert_eq!(room.description.as_deref(), Some("go/no-go"));
    let pins: Vec<_> = room
        .pinned_messages
        .unwrap()
        .into_iter()
        .map(|p| p.id.unwrap())
        .collect();
    assert_eq!(pins, vec![extra]);
    let owners: Vec<_> = room
        .owners
        .unwrap()
        .into_iter()
        .map(|o| o.id.unwrap())
        .collect();
    assert_eq!(owners, vec![w.bob.id.clone(), w.dave.id.clone()]);
    // New owners are participants; alice is no longer an owner but still a participant.
    assert!(call(&w.emu, &w.token("dave"), &GetChatsRoom::new(&w.room)).is_ok());
    let (status, _) = api_error(call(
        &w.emu,
        Emulator::DEFAULT_TOKEN,
        &PatchChatsRoom::new(&w.room, RoomUpdateRequest::new().subject("mine")),
    ));
    assert_eq!(status, 403);
    // An empty patch changes nothing.
    call(
        &w.emu,
        &w.token("bob"),
        &PatchChatsRoom::new(&w.room, RoomUpdateRequest::new()),
    )
    .unwrap();
}

#[test]
fn participants_get_list_get_one_add_and_remove() {
    let w = world();
    let list = alice(&w.emu, &GetChatsRoomParticipants::new(&w.room));
    let jids: Vec<_> = list
        .participants
        .unwrap()
        .into_iter()
        .map(|p| (p.jid.unwrap(), p.user.unwrap().id.unwrap()))
        .collect();
    assert_eq!(
        jids,
        vec![
            (w.alice.jid.clone(), w.alice.id.clone()),
            (w.bob.jid.clone(), w.bob.id.clone())
        ]
    );

    let one = alice(&w.emu, &GetChatsRoomParticipant::new(&w.room, &w.bob.jid));
    assert_eq!(one.participant_jid.as_ref(), Some(&w.bob.jid));
    let (status, _) = api_error(call(
        &w.emu,
        Emulator::DEFAULT_TOKEN,
        &GetChatsRoomParticipant::new(&w.room, &w.carol.jid),
    ));
    assert_eq!(status, 404);

    // alice adds carol (an empty POST body, as the official SDKs send).
    let op = PostChatsRoomParticipant::new(&w.room, &w.carol.id);
    let request = op.to_http(&cfg(Emulator::DEFAULT_TOKEN)).unwrap();
    assert!(request.body().is_empty());
    alice(&w.emu, &op);
    alice(&w.emu, &op); // adding twice is harmless
    assert_eq!(
        alice(&w.emu, &GetChatsRoomParticipant::new(&w.room, &w.carol.jid))
            .participant_jid
            .as_ref(),
        Some(&w.carol.jid)
    );
    // dave joins by himself.
    call(
        &w.emu,
        &w.token("dave"),
        &PostChatsRoomParticipant::new(&w.room, &w.dave.id),
    )
    .unwrap();
    // carol leaves by herself; alice (owner) removes dave.
    call(
        &w.emu,
        &w.token("carol"),
        &DeleteChatsRoomParticipant::new(&w.room, &w.carol.id),
    )
    .unwrap();
    alice(
        &w.emu,
        &DeleteChatsRoomParticipant::new(&w.room, &w.dave.id),
    );
    let list = alice(&w.emu, &GetChatsRoomParticipants::new(&w.room));
    assert_eq!(list.participants.unwrap().len(), 2);
    // Removing someone who is not in the room: 404.
    let (status, _) = api_error(call(
        &w.emu,
        Emulator::DEFAULT_TOKEN,
        &DeleteChatsRoomParticipant::new(&w.room, &w.dave.id),
    ));
    assert_eq!(status, 404);
    // A removed participant loses access.
    let (status, _) = api_error(call(&w.emu, &w.token("dave"), &GetChatsRoom::new(&w.room)));
    assert_eq!(status, 403);
}

#[test]
fn room_messages_post_get_edit_delete() {
    let w = world();
    let id = post(&w, &w.token("bob"), "first draft");
    let m = alice(&w.emu, &GetChatsMessage::new(&id));
    assert_eq!(m.body(), "first draft");
    assert_eq!(m.to_jid.as_ref(), Some(&w.room));
    assert_eq!(m.jid.as_ref(), Some(&w.bob.jid));
    assert_eq!(
        m.user.as_ref().unwrap().id.as_deref(),
        Some(w.bob.id.as_str())
    );
    assert_eq!(m.to_user, None);
    assert_eq!(m.edited, None);
    assert_eq!(m.date_modified, None);

    w.clock.advance(Duration::from_secs(60));
    let edited = call(
        &w.emu,
        &w.token("bob"),
        &PatchChatsRoomMessage::new(&w.room, &id, SendMessageBody::new("final")),
    )
    .unwrap();
    assert_eq!(edited.id.as_ref(), Some(&id));
    let m = alice(&w.emu, &GetChatsMessage::new(&id));
    assert_eq!(m.body(), "final");
    assert_eq!(m.edited, Some(true));
    assert_eq!(
        m.date_modified,
        Some(Timestamp::from_unix_millis(T0 + 60_000))
    );
    assert!(m.date_created.as_ref().unwrap() < m.date_modified.as_ref().unwrap());

    // The author deletes.
    call(
        &w.emu,
        &w.token("bob"),
        &DeleteChatsRoomMessage::new(&w.room, &id),
    )
    .unwrap();
    let (status, _) = api_error(call(
        &w.emu,
        Emulator::DEFAULT_TOKEN,
        &GetChatsMessage::new(&id),
    ));
    assert_eq!(status, 404);
    let history = alice(&w.emu, &GetChatsRoomMessages::new(&w.room));
    assert!(
        history
            .messages()
            .iter()
            .all(|m| m.id.as_ref() != Some(&id))
    );
}

#[test]
fn messages_by_comma_separated_ids() {
    let w = world();
    let a = post(&w, Emulator::DEFAULT_TOKEN, "a");
    let b = post(&w, Emulator::DEFAULT_TOKEN, "b");
    let op =
        GetChatsRoomMessage::ids(&w.room, [b.as_str(), "unknown", a.as_str(), &w.dm_msg]).unwrap();
    let listing = alice(&w.emu, &op);
    let ids: Vec<_> = listing
        .messages()
        .iter()
        .map(|m| m.id.clone().unwrap())
        .collect();
    // In the order asked; unknown ids and other conversations' messages left out.
    assert_eq!(ids, vec![b.clone(), a.clone()]);

    let op = GetChatsUserMessage::ids(&w.bob.id, [w.dm_msg.as_str(), &w.room_msg]).unwrap();
    let listing = alice(&w.emu, &op);
    assert_eq!(listing.messages().len(), 1);
    assert_eq!(listing.messages()[0].id.as_ref(), Some(&w.dm_msg));
    // bob reads the same 1on1 from his side.
    let op = GetChatsUserMessage::new(&w.alice.id, &w.dm_msg);
    let listing = call(&w.emu, &w.token("bob"), &op).unwrap();
    assert_eq!(listing.messages()[0].body(), "Hello, bob");
}

#[test]
fn history_limit_before_after_newest_first() {
    let w = world();
    // The clock does not move: timestamps still never tie.
    let ids: Vec<String> = (0..30)
        .map(|i| post(&w, Emulator::DEFAULT_TOKEN, &format!("m{i}")))
        .collect();
    let page = alice(&w.emu, &GetChatsRoomMessages::new(&w.room));
    assert_eq!(page.messages().len(), 25, "the default limit is 25");
    assert_eq!(
        page.messages()[0].id.as_ref(),
        Some(&ids[29]),
        "newest first"
    );
    let stamps: Vec<_> = page
        .messages()
        .iter()
        .map(|m| m.date_created.clone().unwrap())
        .collect();
    assert!(
        stamps.windows(2).all(|p| p[0] > p[1]),
        "strictly decreasing"
    );

    let page = alice(&w.emu, &GetChatsRoomMessages::new(&w.room).limit(3));
    let got: Vec<_> = page
        .messages()
        .iter()
        .map(|m| m.id.clone().unwrap())
        .collect();
    assert_eq!(got, vec![ids[29].clone(), ids[28].clone(), ids[27].clone()]);

    // `before` is exclusive.
    let before = page.messages()[2].date_created.clone().unwrap();
    let older = alice(
        &w.emu,
        &GetChatsRoomMessages::new(&w.room)
            .limit(2)
            .before(before.clone()),
    );
    let got: Vec<_> = older
        .messages()
        .iter()
        .map(|m| m.id.clone().unwrap())
        .collect();
    assert_eq!(got, vec![ids[26].clone(), ids[25].clone()]);

    // `after` alone: the newest messages of the window, newest first.
    let after = alice(&w.emu, &GetChatsMessage::new(&ids[0]))
        .date_created
        .unwrap();
    let newer = alice(
        &w.emu,
        &GetChatsRoomMessages::new(&w.room)
            .limit(2)
            .after(after.clone()),
    );
    let got: Vec<_> = newer
        .messages()
        .iter()
        .map(|m| m.id.clone().unwrap())
        .collect();
    assert_eq!(got, vec![ids[29].clone(), ids[28].clone()]);

    // Both: the window between, exclusive on both ends.
    let window = alice(
        &w.emu,
        &GetChatsRoomMessages::new(&w.room)
            .after(after)
            .before(before)
            .limit(100),
    );
    assert_eq!(window.messages().len(), 26);
    // limit 100 is allowed.
    let all = alice(&w.emu, &GetChatsRoomMessages::new(&w.room).limit(100));
    assert_eq!(all.messages().len(), 31);
}

#[test]
fn history_pages_with_the_core_pager() {
    let w = world();
    let mut sent: Vec<String> = (0..23)
        .map(|i| post(&w, Emulator::DEFAULT_TOKEN, &format!("{i}")))
        .collect();
    sent.insert(0, w.room_msg.clone());
    let mut op = GetChatsRoomMessages::new(&w.room).limit(5);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = alice(&w.emu, &op);
        pages += 1;
        seen.extend(page.messages().iter().map(|m| m.id.clone().unwrap()));
        match op.next_page(&page).unwrap() {
            Some(next) => op = next,
            None => break,
        }
    }
    assert_eq!(pages, 5);
    seen.reverse();
    assert_eq!(seen, sent);
}

#[test]
fn threads_replies_and_thread_history() {
    let w = world();
    let root = w.room_msg.clone();
    let bob = w.token("bob");
    let r1 = call(
        &w.emu,
        &bob,
        &PostChatsRoomMessages::new(&w.room, SendMessageBody::new("reply 1").thread_id(&root)),
    )
    .unwrap()
    .id
    .unwrap();
    // Replying to a reply joins the root's thread.
    let r2 = alice(
        &w.emu,
        &PostChatsRoomMessages::new(&w.room, SendMessageBody::new("reply 2").thread_id(&r1)),
    )
    .id
    .unwrap();
    let top = post(&w, &bob, "not in the thread");

    let root_msg = alice(&w.emu, &GetChatsMessage::new(&root));
    assert_eq!(root_msg.thread_id(), Some(root.as_str()));
    assert_eq!(root_msg.parent_thread, None);
    for reply in [&r1, &r2] {
        let m = alice(&w.emu, &GetChatsMessage::new(reply));
        assert_eq!(m.thread_id(), Some(root.as_str()));
        assert_eq!(
            m.parent_thread.as_ref().and_then(|p| p.id.as_deref()),
            Some(root.as_str())
        );
    }

    let thread = alice(&w.emu, &GetChatsThreadMessages::new(&root));
    let ids: Vec<_> = thread
        .messages()
        .iter()
        .map(|m| m.id.clone().unwrap())
        .collect();
    assert_eq!(ids, vec![r2.clone(), r1.clone(), root.clone()]);
    let thread = alice(&w.emu, &GetChatsThreadMessages::new(&root).limit(1));
    assert_eq!(thread.messages()[0].id.as_ref(), Some(&r2));
    // A message that starts no thread yet is a thread of one.
    let single = alice(&w.emu, &GetChatsThreadMessages::new(&top));
    assert_eq!(single.messages().len(), 1);
    // A reply's id is not a thread id.
    assert_eq!(
        api_error(call(&w.emu, &bob, &GetChatsThreadMessages::new(&r1))).0,
        404
    );
    // The room history holds every message, replies included.
    let all = alice(&w.emu, &GetChatsRoomMessages::new(&w.room));
    assert_eq!(all.messages().len(), 4);
}

#[test]
fn one_on_one_messages_post_get_edit_delete_history() {
    let w = world();
    let bob = w.token("bob");
    let reply = call(
        &w.emu,
        &bob,
        &PostChatsUserMessages::new(&w.alice.id, SendMessageBody::new("hi alice")),
    )
    .unwrap()
    .id
    .unwrap();
    let m = alice(&w.emu, &GetChatsMessage::new(&reply));
    assert_eq!(m.to_jid.as_ref(), Some(&w.alice.jid));
    assert_eq!(m.jid.as_ref(), Some(&w.bob.jid));
    assert_eq!(
        m.user.as_ref().unwrap().id.as_deref(),
        Some(w.bob.id.as_str())
    );
    assert_eq!(
        m.to_user.as_ref().unwrap().id.as_deref(),
        Some(w.alice.id.as_str())
    );

    // Both sides see the same history, newest first.
    let from_alice = alice(&w.emu, &GetChatsUserMessages::new(&w.bob.id));
    let from_bob = call(&w.emu, &bob, &GetChatsUserMessages::new(&w.alice.id)).unwrap();
    let ids = |l: &ChatMessageEntityListing| {
        l.messages()
            .iter()
            .map(|m| m.id.clone().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&from_alice), vec![reply.clone(), w.dm_msg.clone()]);
    assert_eq!(ids(&from_alice), ids(&from_bob));
    // Another 1on1 is separate.
    assert!(
        alice(&w.emu, &GetChatsUserMessages::new(&w.carol.id))
            .messages()
            .is_empty()
    );
    let limited = alice(&w.emu, &GetChatsUserMessages::new(&w.bob.id).limit(1));
    assert_eq!(ids(&limited), vec![reply.clone()]);

    w.clock.advance(Duration::from_millis(5));
    let edited = alice(
        &w.emu,
        &PatchChatsUserMessage::new(&w.bob.id, &w.dm_msg, SendMessageBody::new("Hello again")),
    );
    assert_eq!(edited.id.as_ref(), Some(&w.dm_msg));
    let m = alice(&w.emu, &GetChatsMessage::new(&w.dm_msg));
    assert_eq!((m.body(), m.edited), ("Hello again", Some(true)));

    alice(&w.emu, &DeleteChatsUserMessage::new(&w.bob.id, &w.dm_msg));
    let after = alice(&w.emu, &GetChatsUserMessages::new(&w.bob.id));
    assert_eq!(ids(&after), vec![reply]);
    // Deleting unpins.
    assert_eq!(
        alice(&w.emu, &GetChatsUser::new(&w.bob.id)).pinned_messages,
        Some(vec![])
    );
}

#[test]
fn room_pins_at_most_five_visible_in_the_room() {
    let w = world();
    let ids: Vec<String> = (0..5)
        .map(|i| post(&w, Emulator::DEFAULT_TOKEN, &format!("p{i}")))
        .collect();
    // The world pinned room_msg; four more make five. Pinning one twice counts once.
    alice(
        &w.emu,
        &PostChatsRoomMessagesPins::new(
            &w.room,
            PinnedMessageRequest::new([&ids[0], &ids[1], &ids[0]]),
        ),
    );
    alice(
        &w.emu,
        &PostChatsRoomMessagesPins::new(
            &w.room,
            PinnedMessageRequest::new([&ids[2], &ids[3], &w.room_msg]),
        ),
    );
    let (status, code) = api_error(call(
        &w.emu,
        Emulator::DEFAULT_TOKEN,
        &PostChatsRoomMessagesPins::new(&w.room, PinnedMessageRequest::new([&ids[4]])),
    ));
    assert_eq!((status, code.as_str()), (400, "bad.request"));
    let room = alice(&w.emu, &GetChatsRoom::new(&w.room));
    let pinned: Vec<_> = room
        .pinned_messages
        .unwrap()
        .into_iter()
        .map(|p| (p.id.unwrap(), p.self_uri.unwrap()))
        .collect();
    assert_eq!(pinned.len(), 5);
    assert_eq!(
        pinned[0],
        (
            w.room_msg.clone(),
            format!("/api/v2/chats/messages/{}", w.room_msg)
        )
    );
    // Unpin, then the fifth fits; unpinning what is not pinned is 404.
    alice(&w.emu, &DeleteChatsRoomMessagesPin::new(&w.room, &ids[0]));
    alice(
        &w.emu,
        &PostChatsRoomMessagesPins::new(&w.room, PinnedMessageRequest::new([&ids[4]])),
    );
    assert_eq!(
        api_error(call(
            &w.emu,
            Emulator::DEFAULT_TOKEN,
            &DeleteChatsRoomMessagesPin::new(&w.room, &ids[0])
        ))
        .0,
        404
    );
    // Any participant may pin and unpin.
    call(
        &w.emu,
        &w.token("bob"),
        &DeleteChatsRoomMessagesPin::new(&w.room, &ids[4]),
    )
    .unwrap();
    let room = alice(&w.emu, &GetChatsRoom::new(&w.room));
    let pinned: Vec<_> = room
        .pinned_messages
        .unwrap()
        .into_iter()
        .map(|p| p.id.unwrap())
        .collect();
    assert_eq!(
        pinned,
        vec![
            w.room_msg.clone(),
            ids[1].clone(),
            ids[2].clone(),
            ids[3].clone()
        ]
    );
}

#[test]
fn one_on_one_pins_visible_in_get_chats_user() {
    let w = world();
    let one = alice(&w.emu, &GetChatsUser::new(&w.bob.id));
    let pins: Vec<_> = one
        .pinned_messages
        .unwrap()
        .into_iter()
        .map(|p| p.id.unwrap())
        .collect();
    assert_eq!(pins, vec![w.dm_msg.clone()]);
    // bob sees the same pins from his side, and unpins.
    let bob = w.token("bob");
    let from_bob = call(&w.emu, &bob, &GetChatsUser::new(&w.alice.id)).unwrap();
    assert_eq!(from_bob.pinned_messages.unwrap().len(), 1);
    call(
        &w.emu,
        &bob,
        &DeleteChatsUserMessagesPin::new(&w.alice.id, &w.dm_msg),
    )
    .unwrap();
    assert_eq!(
        alice(&w.emu, &GetChatsUser::new(&w.bob.id)).pinned_messages,
        Some(vec![])
    );
    alice(
        &w.emu,
        &PostChatsUserMessagesPins::new(&w.bob.id, PinnedMessageRequest::new([&w.dm_msg])),
    );
    assert_eq!(
        alice(&w.emu, &GetChatsUser::new(&w.bob.id))
            .pinned_messages
            .unwrap()
            .len(),
        1
    );
    // A 1on1 without messages has no pins.
    assert_eq!(
        alice(&w.emu, &GetChatsUser::new(&w.dave.id)).pinned_messages,
        Some(vec![])
    );
}

#[test]
fn reactions_replace_the_callers_whole_set() {
    let w = world();
    let m = &w.room_msg;
    alice(
        &w.emu,
        &PutChatsMessageReactions::new(m, ChatReactionUpdate::new(["👍", "🎉"])),
    );
    call(
        &w.emu,
        &w.token("bob"),
        &PutChatsMessageReactions::new(m, ChatReactionUpdate::new(["🎉"])),
    )
    .unwrap();
    let reactions = |w: &World| {
        alice(&w.emu, &GetChatsMessage::new(m))
            .reactions
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                (
                    r.emoji.unwrap_or_default(),
                    r.users
                        .unwrap_or_default()
                        .into_iter()
                        .map(|u| u.id.unwrap())
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        reactions(&w),
        vec![
            ("👍".to_owned(), vec![w.alice.id.clone()]),
            ("🎉".to_owned(), vec![w.alice.id.clone(), w.bob.id.clone()]),
        ]
    );
    // alice's new set replaces her old one.
    alice(
        &w.emu,
        &PutChatsMessageReactions::new(m, ChatReactionUpdate::new(["👀"])),
    );
    assert_eq!(
        reactions(&w),
        vec![
            ("🎉".to_owned(), vec![w.bob.id.clone()]),
            ("👀".to_owned(), vec![w.alice.id.clone()]),
        ]
    );
    // An empty set removes all of bob's.
    call(
        &w.emu,
        &w.token("bob"),
        &PutChatsMessageReactions::new(m, ChatReactionUpdate::new(Vec::<String>::new())),
    )
    .unwrap();
    assert_eq!(
        reactions(&w),
        vec![("👀".to_owned(), vec![w.alice.id.clone()])]
    );
    // Reactions on 1on1 messages too.
    call(
        &w.emu,
        &w.token("bob"),
        &PutChatsMessageReactions::new(&w.dm_msg, ChatReactionUpdate::new(["❤️"])),
    )
    .unwrap();
    let dm = alice(&w.emu, &GetChatsMessage::new(&w.dm_msg));
    assert_eq!(
        dm.reactions.unwrap()[0].users()[0].id.as_deref(),
        Some(w.bob.id.as_str())
    );
}

#[test]
fn org_settings_get_put_patch() {
    let w = world();
    let s = alice(&w.emu, &GetChatsSettings::new());
    assert_eq!(s.message_retention_period_days, Some(365));
    let s = alice(
        &w.emu,
        &PutChatsSettings::new(ChatSettings::with_retention_days(10)),
    );
    assert_eq!(s.message_retention_period_days, Some(10));
    let s = alice(
        &w.emu,
        &PatchChatsSettings::new(ChatSettings::with_retention_days(3650)),
    );
    assert_eq!(s.message_retention_period_days, Some(3650));
    // PATCH without the field changes nothing; PUT without it returns to the default.
    let s = alice(&w.emu, &PatchChatsSettings::new(ChatSettings::default()));
    assert_eq!(s.message_retention_period_days, Some(3650));
    let s = alice(&w.emu, &PutChatsSettings::new(ChatSettings::default()));
    assert_eq!(s.message_retention_period_days, Some(365));
    assert_eq!(
        alice(&w.emu, &GetChatsSettings::new()).message_retention_period_days,
        Some(365)
    );
}

#[test]
fn user_settings_and_me() {
    let w = world();
    let me = alice(&w.emu, &GetChatsUsersMeSettings::new());
    assert_eq!(
        me,
        UserSettingsForChat::default()
            .muted(false)
            .mentions_only(false)
            .notify_on_reactions(true)
            .notify(NotifyWhen::Always)
    );
    let changed = alice(
        &w.emu,
        &PatchChatsUsersMeSettings::new(
            UserSettingsForChat::default().notify(NotifyWhen::OnlyWhenInactive),
        ),
    );
    assert_eq!(
        changed.notify_when().cloned().unwrap(),
        NotifyWhen::OnlyWhenInactive
    );
    // `me` is the caller: alice's change shows through her id, not bob's.
    let by_id = alice(&w.emu, &GetChatsUserSettings::new(&w.alice.id));
    assert_eq!(
        by_id.notify_when().cloned().unwrap(),
        NotifyWhen::OnlyWhenInactive
    );
    let bob = call(&w.emu, &w.token("bob"), &GetChatsUsersMeSettings::new()).unwrap();
    assert_eq!(bob.notify_when(), Some(&NotifyWhen::Always));
    // alice changes bob's settings by id.
    let changed = alice(
        &w.emu,
        &PatchChatsUserSettings::new(
            &w.bob.id,
            ChatUserSettings::notify(NotifyWhen::OnlyWhenInactive),
        ),
    );
    assert_eq!(
        changed.notify_when().cloned().unwrap(),
        NotifyWhen::OnlyWhenInactive
    );
    let bob = call(&w.emu, &w.token("bob"), &GetChatsUsersMeSettings::new()).unwrap();
    assert_eq!(bob.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
}

/// The body of a raw in-process request as JSON.
fn raw_json(w: &World, method: &str, path_and_query: &str, body: &str) -> (u16, serde_json::Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1{path_and_query}"))
        .header(
            "authorization",
            format!("Bearer {}", Emulator::DEFAULT_TOKEN),
        )
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap();
    let response = w.emu.handle(request);
    let status = response.status().as_u16();
    let json = serde_json::from_slice(response.body()).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[test]
fn my_settings_are_created_read_patched_and_deleted_on_the_wire() {
    let w = world();
    let path = "/api/v2/chats/users/me/settings";
    assert_eq!(
        raw_json(&w, "GET", path, ""),
        (
            200,
            serde_json::json!({"muted": false, "mentionsOnly": false, "notifyOnReactions": true, "mobile": {"notifications": {"when": "Always"}}})
        )
    );
    assert_eq!(
        raw_json(&w, "POST", path, r#"{"mentionsOnly":true}"#).0,
        400
    );
    assert_eq!(raw_json(&w, "POST", path, r#"{"muted":"yes"}"#).0, 400);
    assert_eq!(
        raw_json(&w, "POST", path, r#"{"muted":true,"mentionsOnly":true}"#).0,
        204
    );
    assert_eq!(
        raw_json(&w, "PATCH", path, r#"{"notifyOnReactions":false}"#),
        (
            200,
            serde_json::json!({"muted": true, "mentionsOnly": true, "notifyOnReactions": false, "mobile": {"notifications": {"when": "Always"}}})
        )
    );
    assert_eq!(raw_json(&w, "PATCH", path, r#"{"muted":1}"#).0, 400);
    assert_eq!(raw_json(&w, "DELETE", path, "").0, 204);
    assert_eq!(
        raw_json(&w, "GET", path, ""),
        (
            200,
            serde_json::json!({"muted": false, "mentionsOnly": false, "notifyOnReactions": true, "mobile": {"notifications": {"when": "Always"}}})
        )
    );
    let counters = w.emu.counters();
    assert_eq!(
        counters.operations.get("postChatsUsersMeSettings"),
        Some(&3)
    );
    assert_eq!(
        counters.operations.get("deleteChatsUsersMeSettings"),
        Some(&1)
    );
}

#[test]
fn reactions_enabled_is_stored_and_enforced() {
    let w = world();
    assert_eq!(
        raw_json(&w, "GET", "/api/v2/chats/settings", ""),
        (
            200,
            serde_json::json!({"messageRetentionPeriodDays": 365, "reactionsEnabled": true})
        )
    );
    assert_eq!(
        raw_json(
            &w,
            "PATCH",
            "/api/v2/chats/settings",
            r#"{"reactionsEnabled":"no"}"#
        )
        .0,
        400
    );
    let s = alice(
        &w.emu,
        &PatchChatsSettings::new(ChatSettings::default().reactions_enabled(false)),
    );
    assert_eq!(s.reactions_enabled, Some(false));
    let refused = call(
        &w.emu,
        Emulator::DEFAULT_TOKEN,
        &PutChatsMessageReactions::new(
            &w.room_msg,
            ChatReactionUpdate {
                reactions: vec!["👍".to_owned()],
            },
        ),
    );
    assert_eq!(api_error(refused).0, 400);
    let s = alice(&w.emu, &PutChatsSettings::new(ChatSettings::default()));
    assert_eq!(s.reactions_enabled, Some(true));
}

#[test]
fn exclude_metadata_leaves_out_mentions_and_reactions() {
    let w = world();
    alice(
        &w.emu,
        &PutChatsMessageReactions::new(
            &w.room_msg,
            ChatReactionUpdate {
                reactions: vec!["👍".to_owned()],
            },
        ),
    );
    let full = alice(&w.emu, &GetChatsRoomMessages::new(&w.room));
    assert!(!full.messages()[0].reactions().is_empty());
    let bare = alice(
        &w.emu,
        &GetChatsRoomMessages::new(&w.room).exclude_metadata(true),
    );
    assert_eq!(bare.messages()[0].id(), full.messages()[0].id());
    assert!(bare.messages()[0].reactions().is_empty());
    assert_eq!(bare.messages()[0].mentions, None);
    let path = format!(
        "/api/v2/chats/rooms/{}/messages?excludeMetadata=maybe",
        w.room
    );
    assert_eq!(raw_json(&w, "GET", &path, "").0, 400);
}

#[test]
fn notify_leaves_out_participants_who_muted() {
    let w = world();
    let all = alice(&w.emu, &GetChatsRoomParticipants::new(&w.room));
    assert_eq!(all.participants().len(), 2);
    call(
        &w.emu,
        &w.token("bob"),
        &PostChatsUsersMeSettings::new(UserChatSettingsPost::new(true)),
    )
    .unwrap();
    let notify = alice(&w.emu, &GetChatsRoomParticipants::new(&w.room).notify(true));
    let ids: Vec<_> = notify
        .participants()
        .iter()
        .filter_map(|p| p.user.as_ref().and_then(|u| u.id.clone()))
        .collect();
    assert_eq!(ids, vec![w.alice.id.clone()]);
    let everyone = alice(
        &w.emu,
        &GetChatsRoomParticipants::new(&w.room).notify(false),
    );
    assert_eq!(everyone.participants().len(), 2);
}

#[test]
fn my_chats_on_the_wire() {
    let w = world();
    let (status, json) = raw_json(
        &w,
        "GET",
        "/api/v2/users/chats/me?includePresence=true&includeRoomOwners=true",
        "",
    );
    assert_eq!(status, 200);
    let entities = json["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 2);
    let room = entities.iter().find(|e| e["chatType"] == "adhoc").unwrap();
    assert_eq!(room["id"], serde_json::json!(w.room));
    assert_eq!(room["open"], serde_json::json!(true));
    assert_eq!(
        room["room"]["owners"][0]["id"],
        serde_json::json!(w.alice.id)
    );
    assert!(room["dateLastMessage"].is_string());
    let direct = entities
        .iter()
        .find(|e| e["chatType"] == "oneOnOne")
        .unwrap();
    assert_eq!(direct["id"], serde_json::json!(w.bob.id));
    assert_eq!(direct["user"]["jid"], serde_json::json!(w.bob.jid));
    assert_eq!(
        direct["user"]["presence"]["systemPresence"],
        serde_json::json!("Available")
    );
    assert_eq!(json["selfUri"], serde_json::json!("/api/v2/users/chats/me"));
    assert!(json.get("nextUri").is_none());
    let (_, plain) = raw_json(&w, "GET", "/api/v2/users/chats/me", "");
    let plain = plain["entities"].as_array().unwrap().clone();
    assert!(
        plain
            .iter()
            .all(|e| e["room"].get("owners").is_none() && e["user"].get("presence").is_none())
    );
    assert_eq!(
        raw_json(&w, "GET", "/api/v2/users/chats/me?excludeClosed=1", "").0,
        400
    );
    assert_eq!(
        raw_json(&w, "GET", "/api/v2/users/chats/me?after=", "").0,
        400
    );
    // carol is in neither chat.
    let carol = call(&w.emu, &w.token("carol"), &GetUsersChatsMe::new()).unwrap();
    assert!(carol.chats().is_empty());
    assert_eq!(w.emu.counters().operations.get("getUsersChatsMe"), Some(&5));
}
