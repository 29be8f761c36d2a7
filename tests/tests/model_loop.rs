//! The full loop: arbitrary valid sequences of operations (create rooms, post, reply,
//! edit, delete, pin, react, page through histories and threads, change settings) are
//! built by the core, answered by the in-process emulator, parsed back by the core, and
//! checked against a simple model of the service.
//!
//! - Nothing ever fails to decode: every answer parses, or is an API error the model
//!   expects.
//! - A history lists exactly the messages posted and not deleted, newest first, with
//!   their latest text, `edited` flag, thread, mentions and reactions, page by page as
//!   `History::next_page` walks it.
//! - Pins never exceed 5; a pin that would make a sixth is refused and changes nothing.
//! - Alice (the caller) owns the rooms she creates; her peers post too (to rooms they are
//!   in, else 403, and to her 1on1s): only the author edits (403), alice deletes anyone's
//!   message in her rooms but only her own in a 1on1 (403).
//! - While the org's `reactionsEnabled` is `false`, every reaction is refused (400) and
//!   changes nothing.
//! - Alice's own settings (`users/me/settings`) are created, patched, deleted (back to the
//!   defaults) and read as the model says; "my chats" lists her rooms and the 1on1s that
//!   hold a message.
//!
//! Values come from the core's property-testing kit (`genesys_chat::strategies`): chat
//! text, subjects, reactions, settings. 64 cases in CI, sequences of up to 40 commands;
//! `PROPTEST_CASES` raises the count.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use genesys_chat::models::{
    ChatMessageEntityListing, ChatMessageResponse, ChatReactionUpdate, ChatSettings,
    ChatUserSettings, CreateRoomRequest, PinnedMessageRequest, RoomType, RoomUpdateRequest,
    SendMessageBody, UserChatSettingsPost, UserSettingsForChat,
};
use genesys_chat::operations::*;
use genesys_chat::paging::History;
use genesys_chat::strategies::{
    self, AnyOperation, Mode, OperationKit, operation_sequence, proptest_config,
};
use genesys_chat::{ApiError, Config, Error, Timestamp};
use genesys_chat_testkit::{DEFAULT_RETENTION_DAYS, Emulator, User};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// Cases in CI: each runs up to [`MAX_COMMANDS`] commands against a fresh emulator.
const CASES: u32 = 64;
/// The longest command sequence.
const MAX_COMMANDS: usize = 40;
/// The users alice talks to (alice, the caller, is user 0; peer `p` is user `p + 1`).
const PEERS: usize = 3;
/// The most pages one history read may take before the loop calls it a runaway.
const MAX_PAGES: usize = 200;

// ---------------------------------------------------------------------------------------
// Commands: what the generated sequences hold. References to rooms and messages are
// indices, resolved against what exists when the command runs (commands that refer to
// nothing yet do nothing), so every sequence is valid and shrinks freely.
// ---------------------------------------------------------------------------------------

/// A conversation: one of the rooms made so far, or the 1on1 with a peer.
#[derive(Debug, Clone)]
enum Conv {
    Room(Index),
    Direct(usize),
}

#[derive(Debug, Clone)]
enum Cmd {
    CreateRoom {
        subject: String,
        description: Option<String>,
        with: Vec<usize>,
    },
    PatchRoom {
        room: Index,
        subject: Option<String>,
        description: Option<String>,
    },
    SetPins {
        room: Index,
        msgs: Vec<Index>,
    },
    AddParticipant {
        room: Index,
        peer: usize,
    },
    RemoveParticipant {
        room: Index,
        peer: usize,
    },
    Post {
        conv: Conv,
        text: String,
        reply_to: Option<Index>,
        mentions: Option<Vec<usize>>,
    },
    /// A peer posts: to a room (refused unless a participant), or to alice.
    PeerPost {
        peer: usize,
        room: Option<Index>,
        text: String,
    },
    Edit {
        conv: Conv,
        msg: Index,
        text: String,
        mentions: Option<Vec<usize>>,
    },
    Delete {
        conv: Conv,
        msg: Index,
    },
    Pin {
        conv: Conv,
        msgs: Vec<Index>,
    },
    Unpin {
        conv: Conv,
        pin: Index,
    },
    React {
        msg: Index,
        reactions: ChatReactionUpdate,
    },
    ReadHistory {
        conv: Conv,
        limit: Option<u32>,
    },
    ReadBetween {
        conv: Conv,
        from: Index,
        to: Index,
        limit: Option<u32>,
    },
    ReadAround {
        conv: Conv,
        msg: Index,
        limit: u32,
    },
    ReadThread {
        conv: Conv,
        msg: Index,
        limit: Option<u32>,
    },
    ReadMessage {
        msg: Index,
    },
    ReadByIds {
        conv: Conv,
        msgs: Vec<Index>,
    },
    ReadRoom {
        room: Index,
    },
    ReadParticipants {
        room: Index,
    },
    ReadOneOnOne {
        peer: usize,
    },
    OrgSettings {
        change: Option<(bool, ChatSettings)>,
    },
    UserSettings {
        peer: Option<usize>,
        change: Option<ChatUserSettings>,
    },
    /// Alice's own settings: created (or replaced), patched, or deleted.
    MySettings {
        change: MyChange,
    },
    /// "My chats", every page.
    MyChats {
        include_room_owners: bool,
    },
}

/// What "my chats" shows of a chat: its type, its name and its room's owners' ids.
type ChatSeen = (Option<RoomType>, Option<String>, Vec<String>);

#[derive(Debug, Clone)]
enum MyChange {
    Post(UserChatSettingsPost),
    Patch(UserSettingsForChat),
    Delete,
}

fn conv() -> impl Strategy<Value = Conv> {
    prop_oneof![
        3 => any::<Index>().prop_map(Conv::Room),
        1 => (0..PEERS).prop_map(Conv::Direct),
    ]
}

fn peer() -> impl Strategy<Value = usize> {
    0..PEERS
}

fn mentions() -> impl Strategy<Value = Option<Vec<usize>>> {
    proptest::option::weighted(0.3, vec(peer(), 0..=3))
}

fn limit() -> impl Strategy<Value = u32> {
    // Small pages, so histories take several of them.
    1u32..=6
}

fn cmd() -> impl Strategy<Value = Cmd> {
    use proptest::option::of as opt;
    use strategies::{chat_reaction_update, chat_settings, chat_user_settings};
    use strategies::{message_text, title};
    prop_oneof![
        2 => (title(), opt(title()), vec(peer(), 0..=3)).prop_map(|(subject, description, with)| {
            Cmd::CreateRoom { subject, description, with }
        }),
        1 => (any::<Index>(), opt(title()), opt(title())).prop_map(|(room, subject, description)| {
            Cmd::PatchRoom { room, subject, description }
        }),
        1 => (any::<Index>(), vec(any::<Index>(), 0..=5))
            .prop_map(|(room, msgs)| Cmd::SetPins { room, msgs }),
        1 => (any::<Index>(), peer()).prop_map(|(room, peer)| Cmd::AddParticipant { room, peer }),
        1 => (any::<Index>(), peer()).prop_map(|(room, peer)| Cmd::RemoveParticipant { room, peer }),
        16 => (conv(), message_text(), proptest::option::weighted(0.3, any::<Index>()), mentions())
            .prop_map(|(conv, text, reply_to, mentions)| Cmd::Post { conv, text, reply_to, mentions }),
        4 => (peer(), proptest::option::weighted(0.6, any::<Index>()), message_text())
            .prop_map(|(peer, room, text)| Cmd::PeerPost { peer, room, text }),
        3 => (conv(), any::<Index>(), message_text(), mentions())
            .prop_map(|(conv, msg, text, mentions)| Cmd::Edit { conv, msg, text, mentions }),
        3 => (conv(), any::<Index>()).prop_map(|(conv, msg)| Cmd::Delete { conv, msg }),
        3 => (conv(), vec(any::<Index>(), 1..=3)).prop_map(|(conv, msgs)| Cmd::Pin { conv, msgs }),
        2 => (conv(), any::<Index>()).prop_map(|(conv, pin)| Cmd::Unpin { conv, pin }),
        2 => (any::<Index>(), chat_reaction_update())
            .prop_map(|(msg, reactions)| Cmd::React { msg, reactions }),
        3 => (conv(), opt(limit())).prop_map(|(conv, limit)| Cmd::ReadHistory { conv, limit }),
        2 => (conv(), any::<Index>(), limit())
            .prop_map(|(conv, msg, limit)| Cmd::ReadAround { conv, msg, limit }),
        2 => (conv(), any::<Index>(), any::<Index>(), opt(limit()))
            .prop_map(|(conv, from, to, limit)| Cmd::ReadBetween { conv, from, to, limit }),
        2 => (conv(), any::<Index>(), opt(limit()))
            .prop_map(|(conv, msg, limit)| Cmd::ReadThread { conv, msg, limit }),
        1 => any::<Index>().prop_map(|msg| Cmd::ReadMessage { msg }),
        1 => (conv(), vec(any::<Index>(), 1..=4)).prop_map(|(conv, msgs)| Cmd::ReadByIds { conv, msgs }),
        1 => any::<Index>().prop_map(|room| Cmd::ReadRoom { room }),
        1 => any::<Index>().prop_map(|room| Cmd::ReadParticipants { room }),
        1 => peer().prop_map(|peer| Cmd::ReadOneOnOne { peer }),
        1 => opt((any::<bool>(), chat_settings())).prop_map(|change| Cmd::OrgSettings { change }),
        1 => (opt(peer()), opt(chat_user_settings()))
            .prop_map(|(peer, change)| Cmd::UserSettings { peer, change }),
        1 => prop_oneof![
            strategies::user_chat_settings_post().prop_map(MyChange::Post),
            strategies::user_settings_for_chat().prop_map(MyChange::Patch),
            Just(MyChange::Delete),
        ]
        .prop_map(|change| Cmd::MySettings { change }),
        1 => any::<bool>().prop_map(|include_room_owners| Cmd::MyChats { include_room_owners }),
    ]
}

// ---------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------

/// Where a message lives: a room (by its index in the model) or the 1on1 with a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Room(usize),
    Direct(usize),
}

#[derive(Debug, Clone)]
struct MsgModel {
    id: String,
    key: Key,
    body: String,
    edited: bool,
    live: bool,
    /// The root of the thread it replies in; `None` for a top-level message.
    root: Option<String>,
    /// Mentioned users (indices into the users).
    mentions: Vec<usize>,
    /// Who posted it (an index into the users; alice is 0).
    author: usize,
    /// Alice's reactions, in order of first use.
    reactions: Vec<String>,
}

impl MsgModel {
    fn thread_id(&self) -> &str {
        self.root.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone)]
struct RoomModel {
    jid: String,
    subject: String,
    description: Option<String>,
    /// Users (indices) in the room; alice (0) always.
    participants: BTreeSet<usize>,
    pins: Vec<String>,
}

#[derive(Debug)]
struct Model {
    rooms: Vec<RoomModel>,
    /// Every message ever posted, in the order posted (so in creation order within each
    /// conversation).
    msgs: Vec<MsgModel>,
    direct_pins: [Vec<String>; PEERS],
    retention: u32,
    /// The org's `reactionsEnabled`.
    reactions_enabled: bool,
    notify: [String; PEERS + 1],
    /// Alice's own flags.
    mine: MyFlags,
}

/// `muted`, `mentionsOnly` and `notifyOnReactions` of alice's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MyFlags {
    muted: bool,
    mentions_only: bool,
    notify_on_reactions: bool,
}

/// What a user without stored settings reads (tests/README.md, "Semantics").
const DEFAULT_FLAGS: MyFlags = MyFlags {
    muted: false,
    mentions_only: false,
    notify_on_reactions: true,
};

impl MyFlags {
    fn of(got: &UserSettingsForChat) -> (Option<bool>, Option<bool>, Option<bool>) {
        (got.muted, got.mentions_only, got.notify_on_reactions)
    }

    fn read(self) -> (Option<bool>, Option<bool>, Option<bool>) {
        (
            Some(self.muted),
            Some(self.mentions_only),
            Some(self.notify_on_reactions),
        )
    }
}

fn dedup<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The loop.
// ---------------------------------------------------------------------------------------

fn fail(message: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(message.into())
}

struct Loop<'e> {
    emu: &'e Emulator,
    /// A configuration per user (alice's first): each with that user's token.
    cfgs: Vec<Config>,
    /// alice, bob, carol, dave.
    users: Vec<User>,
    model: Model,
    /// What was sent, with the status of each answer (printed on failure).
    log: Vec<String>,
}

/// What a call gave: the output, or the API error the service answered.
type Answer<T> = Result<T, Box<ApiError>>;

impl<'e> Loop<'e> {
    fn new(emu: &'e Emulator) -> Self {
        let names = ["alice", "bob", "carol", "dave"];
        let users = names
            .iter()
            .map(|n| emu.user(n).expect("a default user").clone())
            .collect();
        let cfgs = names
            .iter()
            .map(|n| {
                Config::with_base_url("http://127.0.0.1")
                    .unwrap()
                    .with_token(emu.token_for(n).expect("a default token"))
                    .unwrap()
            })
            .collect();
        Loop {
            emu,
            cfgs,
            users,
            model: Model {
                rooms: Vec::new(),
                msgs: Vec::new(),
                direct_pins: Default::default(),
                retention: DEFAULT_RETENTION_DAYS,
                // The org's default (tests/README.md, "Semantics").
                reactions_enabled: true,
                notify: std::array::from_fn(|_| "Always".to_owned()),
                mine: DEFAULT_FLAGS,
            },
            log: Vec::new(),
        }
    }

    /// Builds the request with the core (through `AnyOperation`), answers it in-process
    /// as `user`, parses it with the core. A decode error, or any error but an API error,
    /// fails.
    fn call_as<O: OperationKit>(
        &mut self,
        user: usize,
        op: O,
    ) -> Result<Answer<O::Output>, TestCaseError> {
        let cfg = &self.cfgs[user];
        let any: AnyOperation = op.clone().into();
        let request = any
            .to_http(cfg)
            .map_err(|e| fail(format!("the core refused valid input: {e}: {any:?}")))?;
        let response = self.emu.handle(request);
        let parsed = op.parse(cfg, &response);
        self.log.push(format!(
            "{} as {} -> {}",
            any.id(),
            self.users[user].name,
            response.status()
        ));
        match parsed {
            Ok(out) => Ok(Ok(out)),
            Err(Error::Api(e)) => Ok(Err(e)),
            Err(e) => Err(fail(format!("{}: {e}", any.id()))),
        }
    }

    /// A call as `user` that must succeed.
    fn ok_as<O: OperationKit>(&mut self, user: usize, op: O) -> Result<O::Output, TestCaseError> {
        let id = O::META.id;
        self.call_as(user, op)?
            .map_err(|e| fail(format!("{id}: unexpected {e}")))
    }

    /// A call as alice that must succeed.
    fn ok<O: OperationKit>(&mut self, op: O) -> Result<O::Output, TestCaseError> {
        self.ok_as(0, op)
    }

    /// A call as alice that the service must refuse with this status.
    fn refused<O: OperationKit>(&mut self, op: O, status: u16) -> Result<(), TestCaseError> {
        self.refused_as(0, op, status)
    }

    /// A call as `user` that the service must refuse with this status.
    fn refused_as<O: OperationKit>(
        &mut self,
        user: usize,
        op: O,
        status: u16,
    ) -> Result<(), TestCaseError> {
        let id = O::META.id;
        match self.call_as(user, op)? {
            Err(e) if e.status == status => Ok(()),
            Err(e) => Err(fail(format!("{id}: expected {status}, got {e}"))),
            Ok(out) => Err(fail(format!("{id}: expected {status}, got {out:?}"))),
        }
    }

    fn user_id(&self, user: usize) -> String {
        self.users[user].id.clone()
    }

    fn key(&self, conv: &Conv) -> Option<Key> {
        match conv {
            Conv::Room(_) if self.model.rooms.is_empty() => None,
            Conv::Room(i) => Some(Key::Room(i.index(self.model.rooms.len()))),
            Conv::Direct(p) => Some(Key::Direct(*p)),
        }
    }

    fn room(&self, i: &Index) -> Option<usize> {
        (!self.model.rooms.is_empty()).then(|| i.index(self.model.rooms.len()))
    }

    /// The positions (in `model.msgs`) of the messages of a conversation, oldest first.
    fn msgs_of(&self, key: Key, live_only: bool) -> Vec<usize> {
        (0..self.model.msgs.len())
            .filter(|&i| {
                let m = &self.model.msgs[i];
                m.key == key && (m.live || !live_only)
            })
            .collect()
    }

    fn pick(list: &[usize], i: &Index) -> Option<usize> {
        (!list.is_empty()).then(|| list[i.index(list.len())])
    }

    fn pins_mut(&mut self, key: Key) -> &mut Vec<String> {
        match key {
            Key::Room(r) => &mut self.model.rooms[r].pins,
            Key::Direct(p) => &mut self.model.direct_pins[p],
        }
    }

    /// Checks one message as read from the service against the model.
    fn check_message(&self, got: &ChatMessageResponse, m: &MsgModel) -> Result<(), TestCaseError> {
        let alice = &self.users[0];
        let author = &self.users[m.author];
        prop_assert_eq!(got.id.as_ref(), Some(&m.id));
        prop_assert_eq!(got.body.as_ref(), Some(&m.body), "the text of {}", m.id);
        prop_assert_eq!(got.edited, m.edited.then_some(true), "edited {}", m.id);
        prop_assert_eq!(
            got.date_modified.is_some(),
            m.edited,
            "dateModified {}",
            m.id
        );
        if let Some(modified) = &got.date_modified {
            prop_assert!(
                Some(modified) > got.date_created.as_ref(),
                "modified before created: {}",
                m.id
            );
        }
        prop_assert_eq!(got.thread_id(), Some(m.thread_id()), "thread of {}", m.id);
        prop_assert_eq!(
            got.parent_thread.as_ref().and_then(|t| t.id.as_deref()),
            m.root.as_deref(),
            "parentThread of {}",
            m.id
        );
        prop_assert_eq!(
            got.jid.as_ref(),
            Some(&author.jid),
            "the sender of {}",
            m.id
        );
        prop_assert_eq!(
            got.user.as_ref().and_then(|u| u.id.as_deref()),
            Some(author.id.as_str())
        );
        match m.key {
            Key::Room(r) => {
                prop_assert_eq!(got.to_jid.as_ref(), Some(&self.model.rooms[r].jid));
                prop_assert!(got.to_user.is_none(), "toUser on a room message");
            }
            Key::Direct(p) => {
                // The other side of the 1on1 from the sender.
                let to = if m.author == 0 {
                    &self.users[p + 1]
                } else {
                    alice
                };
                prop_assert_eq!(
                    got.to_jid.as_ref(),
                    Some(&to.jid),
                    "the recipient of {}",
                    m.id
                );
                prop_assert_eq!(
                    got.to_user.as_ref().and_then(|u| u.id.as_deref()),
                    Some(to.id.as_str())
                );
            }
        }
        let mentions: BTreeMap<String, String> = m
            .mentions
            .iter()
            .map(|u| (self.users[*u].id.clone(), self.users[*u].jid.clone()))
            .collect();
        prop_assert_eq!(
            got.mentions.clone().unwrap_or_default(),
            mentions,
            "mentions of {}",
            m.id
        );
        let reactions: Vec<(String, Vec<String>)> = got
            .reactions
            .iter()
            .flatten()
            .map(|r| {
                (
                    r.emoji.clone().unwrap_or_default(),
                    r.users().iter().filter_map(|u| u.id.clone()).collect(),
                )
            })
            .collect();
        let expected: Vec<(String, Vec<String>)> = m
            .reactions
            .iter()
            .map(|e| (e.clone(), vec![alice.id.clone()]))
            .collect();
        prop_assert_eq!(reactions, expected, "reactions of {}", m.id);
        Ok(())
    }

    /// Checks a list of messages (newest first) against model messages (by position).
    fn check_listing(
        &self,
        what: &str,
        got: &[ChatMessageResponse],
        expected: &[usize],
    ) -> Result<(), TestCaseError> {
        let got_ids: Vec<&str> = got.iter().map(|m| m.id().unwrap()).collect();
        let expected_ids: Vec<&str> = expected
            .iter()
            .map(|&i| self.model.msgs[i].id.as_str())
            .collect();
        prop_assert_eq!(got_ids, expected_ids, "{}", what);
        for (g, &i) in got.iter().zip(expected) {
            self.check_message(g, &self.model.msgs[i])?;
        }
        for pair in got.windows(2) {
            prop_assert!(
                pair[0].date_created > pair[1].date_created,
                "{}: not newest first: {:?} then {:?}",
                what,
                pair[0].date_created,
                pair[1].date_created
            );
        }
        Ok(())
    }

    /// Reads a whole history, page by page, as `History::next_page` walks it.
    fn page_through<H: History + OperationKit<Output = ChatMessageEntityListing>>(
        &mut self,
        first: H,
    ) -> Result<Vec<ChatMessageResponse>, TestCaseError> {
        let limit = first.query().limit;
        let mut all = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(op) = next {
            pages += 1;
            prop_assert!(pages <= MAX_PAGES, "the history never ends");
            let page = self.ok(op.clone())?;
            if let Some(limit) = limit {
                prop_assert!(
                    page.messages().len() <= limit as usize,
                    "a page over the limit"
                );
            }
            all.extend(page.messages().iter().cloned());
            next = op.next_page(&page).unwrap();
        }
        Ok(all)
    }

    /// The date a message was created, as the service says.
    fn created(&mut self, msg: usize) -> Result<Timestamp, TestCaseError> {
        let id = self.model.msgs[msg].id.clone();
        let got = self.ok(GetChatsMessage::new(id))?;
        self.check_message(&got, &self.model.msgs[msg].clone())?;
        got.date_created
            .ok_or_else(|| fail("a message without a dateCreated".to_owned()))
    }

    fn run(&mut self, cmd: &Cmd) -> Result<(), TestCaseError> {
        match cmd {
            Cmd::CreateRoom {
                subject,
                description,
                with,
            } => {
                let peers = dedup(with);
                let mut body = CreateRoomRequest::new(subject.clone())
                    .user_ids(peers.iter().map(|p| self.user_id(p + 1)));
                body.description = description.clone();
                let created = self.ok(PostChatsRooms::new(body))?;
                let created_jid = created
                    .jid
                    .ok_or_else(|| fail("a new room without a jid".to_owned()))?;
                let (local, domain) = created_jid
                    .split_once('@')
                    .ok_or_else(|| fail(format!("not a JID: {created_jid}")))?;
                prop_assert_eq!(domain, "conference.example.orgspan.com");
                prop_assert!(local.len() == 24 && local.bytes().all(|b| b.is_ascii_hexdigit()));
                let mut participants: BTreeSet<usize> = peers.iter().map(|p| p + 1).collect();
                participants.insert(0);
                self.model.rooms.push(RoomModel {
                    jid: created_jid.clone(),
                    subject: subject.clone(),
                    description: description.clone(),
                    participants,
                    pins: Vec::new(),
                });
            }
            Cmd::PatchRoom {
                room,
                subject,
                description,
            } => {
                let Some(r) = self.room(room) else {
                    return Ok(());
                };
                let body = RoomUpdateRequest {
                    subject: subject.clone(),
                    description: description.clone(),
                    ..RoomUpdateRequest::default()
                };
                self.ok(PatchChatsRoom::new(self.model.rooms[r].jid.clone(), body))?;
                let room = &mut self.model.rooms[r];
                if let Some(s) = subject {
                    room.subject = s.clone();
                }
                if let Some(d) = description {
                    room.description = Some(d.clone());
                }
            }
            Cmd::SetPins { room, msgs } => {
                let Some(r) = self.room(room) else {
                    return Ok(());
                };
                let live = self.msgs_of(Key::Room(r), true);
                let chosen: Vec<String> = msgs
                    .iter()
                    .filter_map(|i| Self::pick(&live, i))
                    .map(|i| self.model.msgs[i].id.clone())
                    .collect();
                let pins = dedup(&chosen);
                let body = RoomUpdateRequest::new().pinned_message_ids(pins.clone());
                self.ok(PatchChatsRoom::new(self.model.rooms[r].jid.clone(), body))?;
                self.model.rooms[r].pins = pins;
            }
            Cmd::AddParticipant { room, peer } => {
                let Some(r) = self.room(room) else {
                    return Ok(());
                };
                let op = PostChatsRoomParticipant::new(
                    self.model.rooms[r].jid.clone(),
                    self.user_id(peer + 1),
                );
                self.ok(op)?;
                self.model.rooms[r].participants.insert(peer + 1);
            }
            Cmd::RemoveParticipant { room, peer } => {
                let Some(r) = self.room(room) else {
                    return Ok(());
                };
                let op = DeleteChatsRoomParticipant::new(
                    self.model.rooms[r].jid.clone(),
                    self.user_id(peer + 1),
                );
                if self.model.rooms[r].participants.remove(&(peer + 1)) {
                    self.ok(op)?;
                } else {
                    self.refused(op, 404)?;
                }
            }
            Cmd::Post {
                conv,
                text,
                reply_to,
                mentions,
            } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let live = self.msgs_of(key, true);
                let parent = reply_to.as_ref().and_then(|i| Self::pick(&live, i));
                let mentioned: Option<Vec<usize>> = mentions
                    .as_ref()
                    .map(|ps| dedup(ps).iter().map(|p| p + 1).collect());
                let body = SendMessageBody {
                    message: text.clone(),
                    mentions: mentioned
                        .as_ref()
                        .map(|us| us.iter().map(|u| self.user_id(*u)).collect()),
                    thread_id: parent.map(|p| self.model.msgs[p].id.clone()),
                };
                let sent = match key {
                    Key::Room(r) => self.ok(PostChatsRoomMessages::new(
                        self.model.rooms[r].jid.clone(),
                        body,
                    ))?,
                    Key::Direct(p) => {
                        self.ok(PostChatsUserMessages::new(self.user_id(p + 1), body))?
                    }
                };
                prop_assert!(
                    self.model
                        .msgs
                        .iter()
                        .all(|m| sent.id.as_ref() != Some(&m.id)),
                    "a message id was given twice: {:?}",
                    sent.id
                );
                let root = parent.map(|p| self.model.msgs[p].thread_id().to_owned());
                self.model.msgs.push(MsgModel {
                    id: sent
                        .id
                        .ok_or_else(|| fail("a posted message without an id".to_owned()))?,
                    key,
                    body: text.clone(),
                    edited: false,
                    live: true,
                    root,
                    mentions: mentioned.unwrap_or_default(),
                    author: 0,
                    reactions: Vec::new(),
                });
            }
            Cmd::PeerPost { peer, room, text } => {
                let user = peer + 1;
                let body = SendMessageBody::new(text.clone());
                let (key, sent) = match room {
                    Some(i) => {
                        let Some(r) = self.room(i) else {
                            return Ok(());
                        };
                        let op = PostChatsRoomMessages::new(self.model.rooms[r].jid.clone(), body);
                        if !self.model.rooms[r].participants.contains(&user) {
                            return self.refused_as(user, op, 403);
                        }
                        (Key::Room(r), self.ok_as(user, op)?)
                    }
                    None => {
                        let op = PostChatsUserMessages::new(self.user_id(0), body);
                        (Key::Direct(*peer), self.ok_as(user, op)?)
                    }
                };
                self.model.msgs.push(MsgModel {
                    id: sent
                        .id
                        .ok_or_else(|| fail("a posted message without an id".to_owned()))?,
                    key,
                    body: text.clone(),
                    edited: false,
                    live: true,
                    root: None,
                    mentions: Vec::new(),
                    author: user,
                    reactions: Vec::new(),
                });
            }
            Cmd::Edit {
                conv,
                msg,
                text,
                mentions,
            } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let Some(m) = Self::pick(&self.msgs_of(key, true), msg) else {
                    return Ok(());
                };
                let id = self.model.msgs[m].id.clone();
                let mentioned: Option<Vec<usize>> = mentions
                    .as_ref()
                    .map(|ps| dedup(ps).iter().map(|p| p + 1).collect());
                let body = SendMessageBody {
                    message: text.clone(),
                    mentions: mentioned
                        .as_ref()
                        .map(|us| us.iter().map(|u| self.user_id(*u)).collect()),
                    thread_id: None,
                };
                // Only the author edits a message.
                let by_alice = self.model.msgs[m].author == 0;
                let sent = match key {
                    Key::Room(r) => {
                        let jid = self.model.rooms[r].jid.clone();
                        let op = PatchChatsRoomMessage::new(jid, id.clone(), body);
                        if !by_alice {
                            return self.refused(op, 403);
                        }
                        self.ok(op)?
                    }
                    Key::Direct(p) => {
                        let op = PatchChatsUserMessage::new(self.user_id(p + 1), id.clone(), body);
                        if !by_alice {
                            return self.refused(op, 403);
                        }
                        self.ok(op)?
                    }
                };
                prop_assert_eq!(sent.id.as_ref(), Some(&id));
                let model = &mut self.model.msgs[m];
                model.body = text.clone();
                model.edited = true;
                if let Some(us) = mentioned {
                    model.mentions = us;
                }
            }
            Cmd::Delete { conv, msg } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let Some(m) = Self::pick(&self.msgs_of(key, true), msg) else {
                    return Ok(());
                };
                let id = self.model.msgs[m].id.clone();
                match key {
                    // Alice owns every room: she deletes anyone's message there.
                    Key::Room(r) => self.ok(DeleteChatsRoomMessage::new(
                        self.model.rooms[r].jid.clone(),
                        id.clone(),
                    ))?,
                    // In a 1on1, only the author deletes.
                    Key::Direct(p) if self.model.msgs[m].author != 0 => {
                        let op = DeleteChatsUserMessage::new(self.user_id(p + 1), id.clone());
                        return self.refused(op, 403);
                    }
                    Key::Direct(p) => {
                        self.ok(DeleteChatsUserMessage::new(self.user_id(p + 1), id.clone()))?
                    }
                };
                self.model.msgs[m].live = false;
                self.pins_mut(key).retain(|p| *p != id);
            }
            Cmd::Pin { conv, msgs } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let live = self.msgs_of(key, true);
                let chosen: Vec<String> = msgs
                    .iter()
                    .filter_map(|i| Self::pick(&live, i))
                    .map(|i| self.model.msgs[i].id.clone())
                    .collect();
                if chosen.is_empty() {
                    return Ok(());
                }
                let body = PinnedMessageRequest::new(chosen.clone());
                let mut pins = self.pins_mut(key).clone();
                for id in dedup(&chosen) {
                    if !pins.contains(&id) {
                        pins.push(id);
                    }
                }
                let over = pins.len() > 5;
                match (key, over) {
                    (Key::Room(r), false) => self.ok(PostChatsRoomMessagesPins::new(
                        self.model.rooms[r].jid.clone(),
                        body,
                    ))?,
                    (Key::Room(r), true) => self.refused(
                        PostChatsRoomMessagesPins::new(self.model.rooms[r].jid.clone(), body),
                        400,
                    )?,
                    (Key::Direct(p), false) => {
                        self.ok(PostChatsUserMessagesPins::new(self.user_id(p + 1), body))?
                    }
                    (Key::Direct(p), true) => self.refused(
                        PostChatsUserMessagesPins::new(self.user_id(p + 1), body),
                        400,
                    )?,
                }
                if !over {
                    *self.pins_mut(key) = pins;
                }
            }
            Cmd::Unpin { conv, pin } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let pins = self.pins_mut(key).clone();
                if pins.is_empty() {
                    return Ok(());
                }
                let id = pins[pin.index(pins.len())].clone();
                match key {
                    Key::Room(r) => self.ok(DeleteChatsRoomMessagesPin::new(
                        self.model.rooms[r].jid.clone(),
                        id.clone(),
                    ))?,
                    Key::Direct(p) => self.ok(DeleteChatsUserMessagesPin::new(
                        self.user_id(p + 1),
                        id.clone(),
                    ))?,
                };
                self.pins_mut(key).retain(|p| *p != id);
            }
            Cmd::React { msg, reactions } => {
                let live: Vec<usize> = (0..self.model.msgs.len())
                    .filter(|&i| self.model.msgs[i].live)
                    .collect();
                let Some(m) = Self::pick(&live, msg) else {
                    return Ok(());
                };
                let id = self.model.msgs[m].id.clone();
                if !self.model.reactions_enabled {
                    // Refused while the org has reactions off; nothing changes.
                    return self.refused(PutChatsMessageReactions::new(id, reactions.clone()), 400);
                }
                self.ok(PutChatsMessageReactions::new(id, reactions.clone()))?;
                // The caller's set becomes exactly the one sent: kept emoji keep their
                // place, new ones follow in the order sent.
                let wanted = dedup(&reactions.reactions);
                let model = &mut self.model.msgs[m];
                model.reactions.retain(|e| wanted.contains(e));
                for e in wanted {
                    if !model.reactions.contains(&e) {
                        model.reactions.push(e);
                    }
                }
            }
            Cmd::ReadHistory { conv, limit } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let got = match key {
                    Key::Room(r) => {
                        let mut op = GetChatsRoomMessages::new(self.model.rooms[r].jid.clone());
                        op.query.limit = *limit;
                        self.page_through(op)?
                    }
                    Key::Direct(p) => {
                        let mut op = GetChatsUserMessages::new(self.user_id(p + 1));
                        op.query.limit = *limit;
                        self.page_through(op)?
                    }
                };
                let mut expected = self.msgs_of(key, true);
                expected.reverse();
                self.check_listing("the history", &got, &expected)?;
            }
            Cmd::ReadAround { conv, msg, limit } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let live = self.msgs_of(key, true);
                let Some(m) = Self::pick(&live, msg) else {
                    return Ok(());
                };
                let at = self.created(m)?;
                let (before, after) = self.read_around(key, &at, *limit)?;
                let mut older: Vec<usize> = live.iter().copied().filter(|&i| i < m).collect();
                older.reverse();
                older.truncate(*limit as usize);
                self.check_listing("the page before a message", &before, &older)?;
                // With `after` alone, the newest `limit` messages after it, newest first.
                let mut newer: Vec<usize> = live.iter().copied().filter(|&i| i > m).collect();
                newer.reverse();
                newer.truncate(*limit as usize);
                self.check_listing("the page after a message", &after, &newer)?;
            }
            Cmd::ReadBetween {
                conv,
                from,
                to,
                limit,
            } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let live = self.msgs_of(key, true);
                let (Some(a), Some(b)) = (Self::pick(&live, from), Self::pick(&live, to)) else {
                    return Ok(());
                };
                let (lo, hi) = (a.min(b), a.max(b));
                let (after, before) = (self.created(lo)?, self.created(hi)?);
                // Both ends set: pages are newest first and `next_page` walks them down to
                // `after`.
                let got = match key {
                    Key::Room(r) => {
                        let mut op = GetChatsRoomMessages::new(self.model.rooms[r].jid.clone())
                            .before(before)
                            .after(after);
                        op.query.limit = *limit;
                        self.page_through(op)?
                    }
                    Key::Direct(p) => {
                        let mut op = GetChatsUserMessages::new(self.user_id(p + 1))
                            .before(before)
                            .after(after);
                        op.query.limit = *limit;
                        self.page_through(op)?
                    }
                };
                let mut expected: Vec<usize> =
                    live.into_iter().filter(|&i| lo < i && i < hi).collect();
                expected.reverse();
                self.check_listing("the window between two messages", &got, &expected)?;
            }
            Cmd::ReadThread { conv, msg, limit } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let Some(m) = Self::pick(&self.msgs_of(key, true), msg) else {
                    return Ok(());
                };
                let root = self.model.msgs[m].thread_id().to_owned();
                let mut op = GetChatsThreadMessages::new(root.clone());
                op.query.limit = *limit;
                let got = self.page_through(op)?;
                let mut expected: Vec<usize> = self
                    .msgs_of(key, true)
                    .into_iter()
                    .filter(|&i| self.model.msgs[i].thread_id() == root)
                    .collect();
                expected.reverse();
                self.check_listing("the thread", &got, &expected)?;
            }
            Cmd::ReadMessage { msg } => {
                if self.model.msgs.is_empty() {
                    return Ok(());
                }
                let m = msg.index(self.model.msgs.len());
                if self.model.msgs[m].live {
                    self.created(m)?;
                } else {
                    let id = self.model.msgs[m].id.clone();
                    self.refused(GetChatsMessage::new(id), 404)?;
                }
            }
            Cmd::ReadByIds { conv, msgs } => {
                let Some(key) = self.key(conv) else {
                    return Ok(());
                };
                let all = self.msgs_of(key, false);
                let asked: Vec<usize> = msgs.iter().filter_map(|i| Self::pick(&all, i)).collect();
                if asked.is_empty() {
                    return Ok(());
                }
                let ids: Vec<String> = asked
                    .iter()
                    .map(|&i| self.model.msgs[i].id.clone())
                    .collect();
                let got = match key {
                    Key::Room(r) => {
                        let op = GetChatsRoomMessage::ids(self.model.rooms[r].jid.clone(), ids)
                            .map_err(|e| fail(e.to_string()))?;
                        self.ok(op)?
                    }
                    Key::Direct(p) => {
                        let op = GetChatsUserMessage::ids(self.user_id(p + 1), ids)
                            .map_err(|e| fail(e.to_string()))?;
                        self.ok(op)?
                    }
                };
                let expected: Vec<usize> = dedup(&asked)
                    .into_iter()
                    .filter(|&i| self.model.msgs[i].live)
                    .collect();
                let got_ids: Vec<&str> = got.messages().iter().map(|m| m.id().unwrap()).collect();
                let expected_ids: Vec<&str> = expected
                    .iter()
                    .map(|&i| self.model.msgs[i].id.as_str())
                    .collect();
                prop_assert_eq!(got_ids, expected_ids, "messages by id");
                for (g, &i) in got.messages().iter().zip(&expected) {
                    self.check_message(g, &self.model.msgs[i])?;
                }
            }
            Cmd::ReadRoom { room } => {
                let Some(r) = self.room(room) else {
                    return Ok(());
                };
                let jid = self.model.rooms[r].jid.clone();
                let got = self.ok(GetChatsRoom::new(jid.clone()))?;
                let model = &self.model.rooms[r];
                prop_assert_eq!(got.jid.as_deref(), Some(jid.as_str()));
                prop_assert_eq!(got.subject.as_deref(), Some(model.subject.as_str()));
                prop_assert_eq!(&got.description, &model.description);
                prop_assert_eq!(got.room_type, Some(RoomType::Adhoc));
                let pins: Vec<String> = got
                    .pinned_messages
                    .iter()
                    .flatten()
                    .filter_map(|p| p.id.clone())
                    .collect();
                prop_assert!(pins.len() <= 5, "more than 5 pins: {:?}", pins);
                prop_assert_eq!(&pins, &model.pins, "the pins of the room");
                let owners: Vec<String> = got
                    .owners
                    .iter()
                    .flatten()
                    .filter_map(|o| o.id.clone())
                    .collect();
                prop_assert_eq!(owners, vec![self.user_id(0)]);
            }
            Cmd::ReadParticipants { room } => {
                let Some(r) = self.room(room) else {
                    return Ok(());
                };
                let jid = self.model.rooms[r].jid.clone();
                let got = self.ok(GetChatsRoomParticipants::new(jid.clone()))?;
                let got: BTreeSet<(String, String)> = got
                    .participants
                    .iter()
                    .flatten()
                    .map(|p| {
                        (
                            p.jid.clone().unwrap_or_default(),
                            p.user
                                .as_ref()
                                .and_then(|u| u.id.clone())
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                let expected: BTreeSet<(String, String)> = self.model.rooms[r]
                    .participants
                    .iter()
                    .map(|&u| (self.users[u].jid.clone(), self.users[u].id.clone()))
                    .collect();
                prop_assert_eq!(got, expected, "the participants");
                for u in 1..=PEERS {
                    let peer_jid = self.users[u].jid.clone();
                    let op = GetChatsRoomParticipant::new(jid.clone(), peer_jid.clone());
                    if self.model.rooms[r].participants.contains(&u) {
                        let got = self.ok(op)?;
                        prop_assert_eq!(got.participant_jid.as_ref(), Some(&peer_jid));
                    } else {
                        self.refused(op, 404)?;
                    }
                }
            }
            Cmd::ReadOneOnOne { peer } => {
                let got = self.ok(GetChatsUser::new(self.user_id(peer + 1)))?;
                let pins: Vec<String> = got
                    .pinned_messages
                    .iter()
                    .flatten()
                    .filter_map(|p| p.id.clone())
                    .collect();
                prop_assert!(pins.len() <= 5, "more than 5 pins: {:?}", pins);
                prop_assert_eq!(
                    &pins,
                    &self.model.direct_pins[*peer],
                    "the pins of the 1on1"
                );
            }
            Cmd::OrgSettings { change } => {
                let got = match change {
                    None => self.ok(GetChatsSettings::new())?,
                    Some((true, s)) => {
                        // A PUT returns what it leaves out to the defaults.
                        self.model.retention = s
                            .message_retention_period_days
                            .unwrap_or(DEFAULT_RETENTION_DAYS);
                        self.model.reactions_enabled = s.reactions_enabled.unwrap_or(true);
                        self.ok(PutChatsSettings::new(s.clone()))?
                    }
                    Some((false, s)) => {
                        if let Some(days) = s.message_retention_period_days {
                            self.model.retention = days;
                        }
                        if let Some(enabled) = s.reactions_enabled {
                            self.model.reactions_enabled = enabled;
                        }
                        self.ok(PatchChatsSettings::new(s.clone()))?
                    }
                };
                prop_assert_eq!(
                    got.message_retention_period_days,
                    Some(self.model.retention)
                );
                prop_assert_eq!(got.reactions_enabled, Some(self.model.reactions_enabled));
            }
            Cmd::UserSettings { peer, change } => {
                let user = peer.map_or(0, |p| p + 1);
                let when =
                    |w: Option<&genesys_chat::models::NotifyWhen>| w.map(|w| w.as_str().to_owned());
                let got = match (peer, change) {
                    // `me` answers `UserSettingsForChat`; its `mobile` is the same part.
                    (None, None) => {
                        let got = self.ok(GetChatsUsersMeSettings::new())?;
                        prop_assert_eq!(MyFlags::of(&got), self.model.mine.read(), "my flags");
                        when(got.notify_when())
                    }
                    (Some(_), None) => when(
                        self.ok(GetChatsUserSettings::new(self.user_id(user)))?
                            .notify_when(),
                    ),
                    (None, Some(s)) => {
                        let patch = genesys_chat::models::UserSettingsForChat {
                            mobile: s.mobile.clone(),
                            ..genesys_chat::models::UserSettingsForChat::default()
                        };
                        let got = self.ok(PatchChatsUsersMeSettings::new(patch))?;
                        prop_assert_eq!(
                            MyFlags::of(&got),
                            self.model.mine.read(),
                            "untouched flags keep their values"
                        );
                        when(got.notify_when())
                    }
                    (Some(_), Some(s)) => when(
                        self.ok(PatchChatsUserSettings::new(self.user_id(user), s.clone()))?
                            .notify_when(),
                    ),
                };
                if let Some(s) = change {
                    self.model.notify[user] = s.notify_when().cloned().unwrap().as_str().to_owned();
                }
                prop_assert_eq!(got.as_deref(), Some(self.model.notify[user].as_str()));
            }
            Cmd::MySettings { change } => {
                match change {
                    MyChange::Post(body) => {
                        self.ok(PostChatsUsersMeSettings::new(body.clone()))?;
                        // Created or replaced: an absent optional flag takes its default.
                        self.model.mine = MyFlags {
                            muted: body.muted,
                            mentions_only: body
                                .mentions_only
                                .unwrap_or(DEFAULT_FLAGS.mentions_only),
                            notify_on_reactions: body
                                .notify_on_reactions
                                .unwrap_or(DEFAULT_FLAGS.notify_on_reactions),
                        };
                    }
                    MyChange::Patch(patch) => {
                        let got = self.ok(PatchChatsUsersMeSettings::new(patch.clone()))?;
                        let mine = &mut self.model.mine;
                        mine.muted = patch.muted.unwrap_or(mine.muted);
                        mine.mentions_only = patch.mentions_only.unwrap_or(mine.mentions_only);
                        mine.notify_on_reactions = patch
                            .notify_on_reactions
                            .unwrap_or(mine.notify_on_reactions);
                        if let Some(w) = patch.notify_when() {
                            self.model.notify[0] = w.as_str().to_owned();
                        }
                        prop_assert_eq!(MyFlags::of(&got), self.model.mine.read(), "patched");
                    }
                    MyChange::Delete => {
                        self.ok(DeleteChatsUsersMeSettings::new())?;
                        // The flags are gone (read as the defaults); `mobile` is kept.
                        self.model.mine = DEFAULT_FLAGS;
                    }
                }
                let got = self.ok(GetChatsUsersMeSettings::new())?;
                prop_assert_eq!(MyFlags::of(&got), self.model.mine.read(), "my flags");
                prop_assert_eq!(
                    got.notify_when().map(|w| w.as_str()),
                    Some(self.model.notify[0].as_str())
                );
            }
            Cmd::MyChats {
                include_room_owners,
            } => {
                let first = GetUsersChatsMe::new().include_room_owners(*include_room_owners);
                let mut walk = MyChatsWalk::new(first);
                let mut got: BTreeMap<String, ChatSeen> = BTreeMap::new();
                let mut pages = 0;
                loop {
                    while let Some(item) = walk.next_item() {
                        let item = item.map_err(|e| fail(format!("my chats: {e}")))?;
                        let id = item.id.clone().unwrap_or_default();
                        let owners: Vec<String> = item
                            .room
                            .iter()
                            .flat_map(|r| r.owners.iter().flatten())
                            .filter_map(|o| o.id.clone())
                            .collect();
                        prop_assert!(
                            got.insert(id.clone(), (item.chat_type, item.name, owners))
                                .is_none(),
                            "{} listed twice",
                            id
                        );
                    }
                    let Some(request) = walk.next_request() else {
                        break;
                    };
                    pages += 1;
                    prop_assert!(pages <= MAX_PAGES, "my chats never end");
                    let page = self.ok(request.clone())?;
                    walk.receive(&request, page);
                }
                let owners = if *include_room_owners {
                    vec![self.user_id(0)]
                } else {
                    Vec::new()
                };
                let mut expected = BTreeMap::new();
                for room in &self.model.rooms {
                    expected.insert(
                        room.jid.clone(),
                        (
                            Some(RoomType::Adhoc),
                            Some(room.subject.clone()),
                            owners.clone(),
                        ),
                    );
                }
                for p in 0..PEERS {
                    if self.model.msgs.iter().any(|m| m.key == Key::Direct(p)) {
                        let id = self.user_id(p + 1);
                        let name = Some(self.users[p + 1].name.clone());
                        expected.insert(id, (Some(RoomType::OneOnOne), name, Vec::new()));
                    }
                }
                prop_assert_eq!(got, expected, "my chats");
            }
        }
        Ok(())
    }

    /// The first page before and the first page after a date, in a conversation.
    fn read_around(
        &mut self,
        key: Key,
        at: &Timestamp,
        limit: u32,
    ) -> Result<(Vec<ChatMessageResponse>, Vec<ChatMessageResponse>), TestCaseError> {
        let (before, after) = match key {
            Key::Room(r) => {
                let op = GetChatsRoomMessages::new(self.model.rooms[r].jid.clone()).limit(limit);
                (
                    self.ok(op.clone().before(at.clone()))?,
                    self.ok(op.after(at.clone()))?,
                )
            }
            Key::Direct(p) => {
                let op = GetChatsUserMessages::new(self.user_id(p + 1)).limit(limit);
                (
                    self.ok(op.clone().before(at.clone()))?,
                    self.ok(op.after(at.clone()))?,
                )
            }
        };
        Ok((before.messages().to_vec(), after.messages().to_vec()))
    }
}

/// Runs one sequence against a fresh emulator.
fn run_sequence(cmds: &[Cmd]) -> Result<(), TestCaseError> {
    let emu = Emulator::new();
    let mut run = Loop::new(&emu);
    // Every case starts with one room (alice and bob), so room commands have a target.
    let lobby = Cmd::CreateRoom {
        subject: "Lobby".to_owned(),
        description: None,
        with: vec![0],
    };
    run.run(&lobby)?;
    for (step, cmd) in cmds.iter().enumerate() {
        run.run(cmd).map_err(|e| {
            let tail: Vec<&String> = run.log.iter().rev().take(8).rev().collect();
            fail(format!(
                "step {step} ({cmd:?}): {e}\n  last requests: {tail:?}"
            ))
        })?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(CASES))]

    #[test]
    fn every_valid_sequence_matches_the_model(cmds in vec(cmd(), 1..=MAX_COMMANDS)) {
        run_sequence(&cmds)?;
    }
}

// ---------------------------------------------------------------------------------------
// Any operation at all: the answer always parses.
// ---------------------------------------------------------------------------------------

/// Sends `op` as alice and parses the answer: a success, or an API error with a real
/// error body and a correlation id; never a decode error. Input the core refuses is
/// never sent.
fn answer_parses(emu: &Emulator, cfg: &Config, op: &AnyOperation) -> Result<(), TestCaseError> {
    let Ok(request) = op.to_http(cfg) else {
        prop_assert!(!op.is_valid(), "valid input refused: {:?}", op);
        return Ok(());
    };
    let response = emu.handle(request);
    let status = response.status();
    match op.parse(cfg, &response) {
        Ok(_) => prop_assert!(
            status.is_success(),
            "{}: {} parsed as a success",
            op.id(),
            status
        ),
        Err(Error::Api(e)) => {
            prop_assert!(e.status >= 400, "{}: {}", op.id(), e);
            prop_assert!(
                e.body.is_some(),
                "{}: an error without an ErrorBody: {}",
                op.id(),
                e
            );
            prop_assert!(
                e.correlation_id.is_some(),
                "{}: no correlation id: {}",
                op.id(),
                e
            );
        }
        Err(e) => return Err(fail(format!("{}: {e}: {op:?}", op.id()))),
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(CASES))]

    /// Valid operations with made-up ids (mostly unknown rooms, users and messages), then
    /// hostile ones: every answer of the emulator parses with the core.
    #[test]
    fn every_answer_parses(
        valid in operation_sequence(Mode::Valid, 1..=MAX_COMMANDS),
        hostile in operation_sequence(Mode::Adversarial, 1..=MAX_COMMANDS),
    ) {
        let emu = Emulator::new();
        let cfg = Config::with_base_url("http://127.0.0.1")
            .unwrap()
            .with_token(Emulator::DEFAULT_TOKEN)
            .unwrap();
        for op in valid.iter().chain(&hostile) {
            answer_parses(&emu, &cfg, op)?;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Known bugs.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config(CASES))]

    /// Paging a history that has `after` set with the core's `History::next_page` lists
    /// every message after that date, exactly once, newest first.
    #[test]
    fn paging_after_a_message_lists_every_newer_message(
        count in 2usize..=10,
        from in any::<Index>(),
        limit in 1u32..=4,
    ) {
        let emu = Emulator::new();
        let mut run = Loop::new(&emu);
        run.run(&Cmd::CreateRoom { subject: "Lobby".to_owned(), description: None, with: vec![] })?;
        let jid = run.model.rooms[0].jid.clone();
        let mut ids = Vec::new();
        for i in 0..count {
            let sent = run.ok(PostChatsRoomMessages::new(jid.clone(), SendMessageBody::new(format!("m{i}"))))?;
            ids.push(sent.id.unwrap());
        }
        let from = from.index(ids.len());
        let at = run.ok(GetChatsMessage::new(ids[from].clone()))?.date_created.unwrap();
        let got = run.page_through(GetChatsRoomMessages::new(jid).limit(limit).after(at))?;
        let got: Vec<&str> = got.iter().map(|m| m.id().unwrap()).collect();
        let expected: Vec<&str> = ids[from + 1..].iter().rev().map(String::as_str).collect();
        prop_assert_eq!(got, expected);
    }
}
