//! The emulated service's data: rooms, 1on1s, messages, threads, pins, reactions and
//! settings. Everything sits behind one mutex in the emulator, so every operation is
//! atomic: nothing is lost or duplicated under concurrent clients.

use std::collections::{BTreeMap, HashMap};

use genesys_chat::Timestamp;

use crate::identity::Identity;
use crate::wire::{EntityJson, MessageJson, ReactionJson, RefJson, RoomJson};

/// The default `messageRetentionPeriodDays` of the org.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// The default `mobile.notifications.when` of a user.
pub const DEFAULT_NOTIFY_WHEN: &str = "Always";

/// The default `reactionsEnabled` of the org.
pub const DEFAULT_REACTIONS_ENABLED: bool = true;

/// A user's own chat settings (`UserSettingsForChat` without `mobile`), as created by
/// `postChatsUsersMeSettings` or changed by `patchChatsUsersMeSettings`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct UserChat {
    pub(crate) muted: bool,
    pub(crate) mentions_only: bool,
    pub(crate) notify_on_reactions: bool,
}

/// The settings a user without stored ones reads (and reads again after a delete).
pub(crate) const DEFAULT_USER_CHAT: UserChat = UserChat {
    muted: false,
    mentions_only: false,
    notify_on_reactions: true,
};

/// The most messages a room or 1on1 may have pinned.
pub(crate) const MAX_PINS: usize = 5;

/// Where a message lives.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum ConvKey {
    /// A room, by JID.
    Room(String),
    /// A 1on1, by the two user indices (smaller first).
    Direct(usize, usize),
}

impl ConvKey {
    pub(crate) fn direct(a: usize, b: usize) -> Self {
        ConvKey::Direct(a.min(b), a.max(b))
    }
}

/// A message history: ids by creation time (unique per conversation) and its pins.
#[derive(Default)]
pub(crate) struct Conversation {
    pub(crate) timeline: BTreeMap<i64, String>,
    pub(crate) last_millis: Option<i64>,
    pub(crate) pins: Vec<String>,
}

impl Conversation {
    /// The creation time of a new message: the clock, or 1 ms after the previous message
    /// when the clock has not moved (or went back), so timestamps never tie.
    pub(crate) fn next_timestamp(&mut self, now: i64) -> i64 {
        let t = match self.last_millis {
            Some(last) => now.max(last.saturating_add(1)),
            None => now,
        };
        self.last_millis = Some(t);
        t
    }
}

/// An adhoc room.
pub(crate) struct RoomState {
    pub(crate) jid: String,
    pub(crate) created: i64,
    pub(crate) subject: String,
    pub(crate) description: Option<String>,
    pub(crate) owners: Vec<usize>,
    pub(crate) participants: Vec<usize>,
    pub(crate) conv: Conversation,
}

impl RoomState {
    pub(crate) fn is_participant(&self, user: usize) -> bool {
        self.participants.contains(&user)
    }

    pub(crate) fn is_owner(&self, user: usize) -> bool {
        self.owners.contains(&user)
    }
}

/// A thread: its conversation and its messages by time (the root included while it lives).
pub(crate) struct Thread {
    pub(crate) conv: ConvKey,
    pub(crate) timeline: BTreeMap<i64, String>,
}

/// A message. Deliberately without `Debug`: its body is personal data.
pub(crate) struct Message {
    pub(crate) id: String,
    pub(crate) conv: ConvKey,
    pub(crate) created: i64,
    pub(crate) modified: Option<i64>,
    pub(crate) sender: usize,
    pub(crate) to_user: Option<usize>,
    pub(crate) body: String,
    pub(crate) mentions: Vec<usize>,
    /// The root of the thread this message replies in; `None` for a top-level message.
    pub(crate) thread_root: Option<String>,
    /// Emoji in order of first use, each with its users in order of reaction.
    pub(crate) reactions: Vec<(String, Vec<usize>)>,
}

impl Message {
    /// The id of the thread the message belongs to (its own id when top-level).
    pub(crate) fn thread_id(&self) -> &str {
        self.thread_root.as_deref().unwrap_or(&self.id)
    }
}

/// The whole service state.
pub(crate) struct State {
    pub(crate) rooms: HashMap<String, RoomState>,
    pub(crate) directs: HashMap<ConvKey, Conversation>,
    pub(crate) messages: HashMap<String, Message>,
    pub(crate) threads: HashMap<String, Thread>,
    pub(crate) retention_days: u32,
    pub(crate) reactions_enabled: bool,
    pub(crate) notify_when: HashMap<usize, String>,
    /// Users' own chat settings, by user; absent means [`DEFAULT_USER_CHAT`].
    pub(crate) user_chat: HashMap<usize, UserChat>,
}

impl Default for State {
    fn default() -> Self {
        State {
            rooms: HashMap::new(),
            directs: HashMap::new(),
            messages: HashMap::new(),
            threads: HashMap::new(),
            retention_days: DEFAULT_RETENTION_DAYS,
            reactions_enabled: DEFAULT_REACTIONS_ENABLED,
            notify_when: HashMap::new(),
            user_chat: HashMap::new(),
        }
    }
}

impl State {
    /// Whether `user` may read and write in a conversation.
    pub(crate) fn is_member(&self, conv: &ConvKey, user: usize) -> bool {
        match conv {
            ConvKey::Room(jid) => self.rooms.get(jid).is_some_and(|r| r.is_participant(user)),
            ConvKey::Direct(a, b) => *a == user || *b == user,
        }
    }

    /// The conversation of a key, created on first use for a 1on1.
    pub(crate) fn conversation_mut(&mut self, conv: &ConvKey) -> Option<&mut Conversation> {
        match conv {
            ConvKey::Room(jid) => self.rooms.get_mut(jid).map(|r| &mut r.conv),
            ConvKey::Direct(..) => Some(self.directs.entry(conv.clone()).or_default()),
        }
    }

    /// The conversation of a key, if it exists.
    pub(crate) fn conversation(&self, conv: &ConvKey) -> Option<&Conversation> {
        match conv {
            ConvKey::Room(jid) => self.rooms.get(jid).map(|r| &r.conv),
            ConvKey::Direct(..) => self.directs.get(conv),
        }
    }

    /// A message, if it lives in `conv`.
    pub(crate) fn message_in(&self, conv: &ConvKey, id: &str) -> Option<&Message> {
        self.messages.get(id).filter(|m| &m.conv == conv)
    }

    /// Removes a message everywhere: its history, its thread, the pins of its conversation.
    pub(crate) fn remove_message(&mut self, id: &str) {
        let Some(message) = self.messages.remove(id) else {
            return;
        };
        if let Some(conv) = self.conversation_mut(&message.conv) {
            conv.timeline.remove(&message.created);
            conv.pins.retain(|p| p != id);
        }
        if let Some(thread) = self.threads.get_mut(message.thread_id()) {
            thread.timeline.remove(&message.created);
        }
    }

    /// The JSON shape of a message.
    pub(crate) fn message_json<'a>(
        &'a self,
        ident: &'a Identity,
        m: &'a Message,
    ) -> MessageJson<'a> {
        let sender = ident.user(m.sender);
        let to_jid = match (&m.conv, m.to_user) {
            (ConvKey::Room(jid), _) => jid.as_str(),
            (ConvKey::Direct(..), Some(to)) => ident.user(to).jid.as_str(),
            (ConvKey::Direct(..), None) => "",
        };
        let mentions = (!m.mentions.is_empty()).then(|| {
            m.mentions
                .iter()
                .map(|u| {
                    let user = ident.user(*u);
                    (user.id.as_str(), user.jid.as_str())
                })
                .collect()
        });
        MessageJson {
            id: &m.id,
            date_created: timestamp(m.created),
            date_modified: m.modified.map(timestamp),
            to_jid,
            jid: &sender.jid,
            body: &m.body,
            mentions,
            edited: m.modified.map(|_| true),
            thread: EntityJson { id: m.thread_id() },
            parent_thread: m.thread_root.as_deref().map(|id| EntityJson { id }),
            user: user_ref(ident, m.sender),
            to_user: m.to_user.map(|u| user_ref(ident, u)),
            reactions: m
                .reactions
                .iter()
                .map(|(emoji, users)| ReactionJson {
                    emoji,
                    users: users.iter().map(|u| user_ref(ident, *u)).collect(),
                })
                .collect(),
        }
    }

    /// The JSON shape of a room.
    pub(crate) fn room_json<'a>(&'a self, ident: &'a Identity, r: &'a RoomState) -> RoomJson<'a> {
        RoomJson {
            id: &r.jid,
            name: &r.subject,
            date_created: timestamp(r.created),
            room_type: "adhoc",
            description: r.description.as_deref(),
            subject: &r.subject,
            owners: r.owners.iter().map(|u| user_ref(ident, *u)).collect(),
            pinned_messages: pins_json(&r.conv.pins),
            jid: &r.jid,
            self_uri: format!("/api/v2/chats/rooms/{}", r.jid),
        }
    }
}

/// `{id, selfUri}` of a user.
pub(crate) fn user_ref(ident: &Identity, user: usize) -> RefJson {
    let u = ident.user(user);
    RefJson {
        id: u.id.clone(),
        self_uri: u.self_uri(),
    }
}

/// `{id, selfUri}` of each pinned message.
pub(crate) fn pins_json(pins: &[String]) -> Vec<RefJson> {
    pins.iter()
        .map(|id| RefJson {
            id: id.clone(),
            self_uri: format!("/api/v2/chats/messages/{id}"),
        })
        .collect()
}

/// The service's date-time format: `2026-11-25T16:42:06.415Z`.
pub(crate) fn timestamp(unix_millis: i64) -> String {
    Timestamp::from_unix_millis(unix_millis).as_str().to_owned()
}
