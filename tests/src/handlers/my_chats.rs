//! "My chats" (`getUsersChatsMe`, Users API): the rooms and 1on1s the caller takes part
//! in, paged by cursor.
//!
//! Rules where the official docs are silent (see tests/README.md):
//! - The chats are the rooms the caller is a participant of and the 1on1s that exist
//!   (a 1on1 exists once a message was posted in it or a pin set), ordered by key: a
//!   room's JID, a 1on1's other user id. Pages hold [`PAGE_SIZE`] chats; `after` is the
//!   key of the last chat of the previous page, and `nextUri` (present while chats remain)
//!   carries it, percent-encoded, with the request's other options.
//! - No chat has `images` (the emulator keeps no pictures).
//! - Every chat is open: the Chat API has no way to close one, so `excludeClosed`
//!   changes nothing here.
//! - `includeRoomOwners=true` adds the room's `owners`; `includePresence=true` adds the
//!   other user's `presence` (`Available`, source `PURECLOUD`, dated now).
//! - A boolean option that is not `true` or `false`, an empty `after`, or an option given
//!   twice is 400; an `after` that names no chat starts after it in key order.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::{Ctx, Outcome, Reply};
use crate::failure::Failure;
use crate::routes::query_pairs;
use crate::state::{ConvKey, timestamp, user_ref};
use crate::wire::{
    ChatItemCursorListingJson, ChatItemJson, ChatPresenceJson, ChatRoomJson, ChatUserRefJson,
    to_json,
};

/// The chats on one page.
pub const PAGE_SIZE: usize = 25;

const PATH: &str = "/api/v2/users/chats/me";

/// The checked options of a request.
#[derive(Default)]
struct Options {
    exclude_closed: Option<bool>,
    include_presence: Option<bool>,
    include_room_owners: Option<bool>,
    after: Option<String>,
}

fn flag(name: &str, value: &str) -> Result<bool, Failure> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Failure::bad_request(name, "must be true or false")),
    }
}

fn options(query: &str) -> Result<Options, Failure> {
    let mut o = Options::default();
    for (name, value) in query_pairs(query) {
        let twice = || Failure::bad_request(name.clone(), "is given more than once");
        match name.as_str() {
            "excludeClosed" if o.exclude_closed.is_some() => return Err(twice()),
            "excludeClosed" => o.exclude_closed = Some(flag(&name, &value)?),
            "includePresence" if o.include_presence.is_some() => return Err(twice()),
            "includePresence" => o.include_presence = Some(flag(&name, &value)?),
            "includeRoomOwners" if o.include_room_owners.is_some() => return Err(twice()),
            "includeRoomOwners" => o.include_room_owners = Some(flag(&name, &value)?),
            "after" if o.after.is_some() => return Err(twice()),
            "after" if value.is_empty() => {
                return Err(Failure::bad_request("after", "must not be empty"));
            }
            "after" => o.after = Some(value),
            _ => {}
        }
    }
    Ok(o)
}

/// The URI of the page after `key`, with the request's other options.
fn next_uri(o: &Options, key: &str) -> String {
    let mut uri = format!("{PATH}?");
    for (name, value) in [
        ("excludeClosed", o.exclude_closed),
        ("includePresence", o.include_presence),
        ("includeRoomOwners", o.include_room_owners),
    ] {
        if let Some(v) = value {
            uri.push_str(&format!("{name}={v}&"));
        }
    }
    uri.push_str("after=");
    uri.extend(utf8_percent_encode(key, NON_ALPHANUMERIC));
    uri
}

/// A chat of the caller: its key, and what to answer for it.
enum Chat<'a> {
    Room(&'a crate::state::RoomState),
    Direct { other: usize, last: Option<i64> },
}

/// `getUsersChatsMe`.
pub(crate) fn my_chats(ctx: &mut Ctx<'_>) -> Outcome {
    let o = options(ctx.query)?;
    let caller = ctx.caller;
    let mut chats: Vec<(String, Chat<'_>)> = ctx
        .state
        .rooms
        .values()
        .filter(|r| r.is_participant(caller))
        .map(|r| (r.jid.clone(), Chat::Room(r)))
        .collect();
    for (key, conv) in &ctx.state.directs {
        let ConvKey::Direct(a, b) = key else { continue };
        let other = match (*a == caller, *b == caller) {
            (true, _) => *b,
            (_, true) => *a,
            _ => continue,
        };
        let last = conv.timeline.keys().next_back().copied();
        chats.push((
            ctx.ident.user(other).id.clone(),
            Chat::Direct { other, last },
        ));
    }
    chats.sort_by(|x, y| x.0.cmp(&y.0));
    let start = match &o.after {
        Some(after) => chats.partition_point(|(key, _)| key.as_str() <= after.as_str()),
        None => 0,
    };
    let rest = chats.get(start..).unwrap_or_default();
    let page = rest.get(..PAGE_SIZE.min(rest.len())).unwrap_or_default();
    let next = (rest.len() > PAGE_SIZE)
        .then(|| page.last().map(|(key, _)| next_uri(&o, key)))
        .flatten();
    let owners = o.include_room_owners == Some(true);
    let presence = o.include_presence == Some(true);
    let now = ctx.now;
    let entities = page
        .iter()
        .map(|(key, chat)| match chat {
            Chat::Room(r) => ChatItemJson {
                id: key,
                name: &r.subject,
                open: true,
                date_last_message: r.conv.timeline.keys().next_back().map(|t| timestamp(*t)),
                user: None,
                room: Some(ChatRoomJson {
                    id: &r.jid,
                    name: &r.subject,
                    date_created: timestamp(r.created),
                    room_type: "adhoc",
                    subject: &r.subject,
                    owners: owners
                        .then(|| r.owners.iter().map(|u| user_ref(ctx.ident, *u)).collect()),
                    jid: &r.jid,
                    self_uri: format!("/api/v2/chats/rooms/{}", r.jid),
                }),
                chat_type: "adhoc",
                self_uri: format!("/api/v2/chats/rooms/{}", r.jid),
            },
            Chat::Direct { other, last } => {
                let user = ctx.ident.user(*other);
                ChatItemJson {
                    id: key,
                    name: &user.name,
                    open: true,
                    date_last_message: last.map(timestamp),
                    user: Some(ChatUserRefJson {
                        id: &user.id,
                        name: &user.name,
                        self_uri: user.self_uri(),
                        jid: &user.jid,
                        inactive: false,
                        presence: presence.then(|| ChatPresenceJson {
                            source: "PURECLOUD",
                            system_presence: "Available",
                            date_modified: timestamp(now),
                        }),
                    }),
                    room: None,
                    chat_type: "oneOnOne",
                    self_uri: format!("/api/v2/chats/users/{}", user.id),
                }
            }
        })
        .collect();
    Ok(Reply::Json(to_json(&ChatItemCursorListingJson {
        entities,
        next_uri: next,
        self_uri: PATH.to_owned(),
    })))
}
