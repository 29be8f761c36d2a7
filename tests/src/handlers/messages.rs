//! Messages of rooms and 1on1s: posting, editing, deleting, reading by id, histories,
//! threads, pins and reactions.
//!
//! Rules where the official docs are silent:
//! - Threads are one level deep. A top-level message is the root of its own thread
//!   (`thread.id` is its own id, no `parentThread`). A reply is posted with `threadId` set
//!   to any message of the thread (root or reply) in the same conversation; it joins the
//!   root's thread: `thread.id` and `parentThread.id` are both the root's id, and
//!   `parentThread` is present only on replies. An unknown `threadId` is 404.
//! - Histories are newest first; `before` and `after` are exclusive. A page holds the
//!   newest `limit` messages of the window, with `after` alone too, so paging to older
//!   pages with `before` (what `History::next_page` does) stops at `after` without gaps.
//! - `excludeMetadata=true` on a history leaves out each message's `mentions` and
//!   `reactions` (what the emulator counts as metadata); `false` or absent keeps them.
//!   Any other value is 400.
//! - Only the author edits a message; the author or a room owner deletes it.
//! - A message of a conversation the caller is not part of is answered 403.

use std::collections::BTreeMap;
use std::ops::Bound;

use genesys_chat::Timestamp;

use super::body::{dedup, object, optional_ids, required_ids, required_string};
use super::rooms::member_room;
use super::{Ctx, Outcome, Reply, path_user};
use crate::failure::Failure;
use crate::routes::query_pairs;
use crate::state::{ConvKey, MAX_PINS, Message, Thread, pins_json};
use crate::wire::{ListingJson, OneOnOneJson, SendMessageResponseJson, to_json};

/// The default and the largest page size of the histories.
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
/// The most ids one by-ids request may name.
const MAX_IDS: usize = 100;

// ----- conversations of the path -----

/// The room of `roomJid` as a conversation key, if the caller is a participant.
fn room_conv(ctx: &Ctx<'_>) -> Result<ConvKey, Failure> {
    member_room(ctx).map(|r| ConvKey::Room(r.jid.clone()))
}

/// The 1on1 between the caller and `userId`.
fn direct_conv(ctx: &Ctx<'_>) -> Result<(ConvKey, usize), Failure> {
    let other = path_user(ctx)?;
    Ok((ConvKey::direct(ctx.caller, other), other))
}

// ----- posting and editing -----

/// A checked `SendMessageBody`.
struct SendBody {
    message: String,
    mentions: Option<Vec<usize>>,
    thread_id: Option<String>,
}

fn send_body(ctx: &Ctx<'_>) -> Result<SendBody, Failure> {
    let map = object(ctx.body)?;
    let message = required_string(&map, "message")?;
    if message.is_empty() {
        return Err(Failure::bad_request("message", "must not be empty"));
    }
    let mentions = match optional_ids(&map, "mentions")? {
        Some(ids) => Some(
            dedup(ids)
                .iter()
                .map(|id| {
                    ctx.ident
                        .by_id(id)
                        .ok_or_else(|| Failure::not_found("user", id))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let thread_id = match map.get("threadId") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(Failure::bad_request(
                "threadId",
                "must be a non-empty message id",
            ));
        }
    };
    Ok(SendBody {
        message,
        mentions,
        thread_id,
    })
}

fn post_message(ctx: &mut Ctx<'_>, conv: ConvKey, to_user: Option<usize>) -> Outcome {
    let body = send_body(ctx)?;
    // The thread root and its creation time, checked before anything changes.
    let root = match &body.thread_id {
        Some(id) => {
            let parent = ctx
                .state
                .message_in(&conv, id)
                .ok_or_else(|| Failure::not_found("message", id))?;
            let root_id = parent.thread_id().to_owned();
            let root_created = ctx.state.messages.get(&root_id).map(|m| m.created);
            Some((root_id, root_created))
        }
        None => None,
    };
    let now = ctx.now;
    let Some(conversation) = ctx.state.conversation_mut(&conv) else {
        return Err(Failure::not_found("room", ""));
    };
    let created = conversation.next_timestamp(now);
    let id = ctx.ids.uuid();
    conversation.timeline.insert(created, id.clone());
    if let Some((root_id, root_created)) = &root {
        let thread = ctx
            .state
            .threads
            .entry(root_id.clone())
            .or_insert_with(|| Thread {
                conv: conv.clone(),
                timeline: root_created
                    .map(|t| BTreeMap::from([(t, root_id.clone())]))
                    .unwrap_or_default(),
            });
        thread.timeline.insert(created, id.clone());
    }
    ctx.state.messages.insert(
        id.clone(),
        Message {
            id: id.clone(),
            conv,
            created,
            modified: None,
            sender: ctx.caller,
            to_user,
            body: body.message,
            mentions: body.mentions.unwrap_or_default(),
            thread_root: root.map(|(root_id, _)| root_id),
            reactions: Vec::new(),
        },
    );
    Ok(Reply::Json(to_json(&SendMessageResponseJson { id: &id })))
}

/// Edits a message: the author only. `threadId` is ignored (a message does not move).
fn edit_message(ctx: &mut Ctx<'_>, conv: &ConvKey) -> Outcome {
    let id = ctx.params.get("messageId");
    let message = ctx
        .state
        .message_in(conv, id)
        .ok_or_else(|| Failure::not_found("message", id))?;
    if message.sender != ctx.caller {
        return Err(Failure::forbidden("Only the author may edit a message."));
    }
    let body = send_body(ctx)?;
    let now = ctx.now;
    let Some(message) = ctx.state.messages.get_mut(id) else {
        return Err(Failure::not_found("message", id));
    };
    message.body = body.message;
    if let Some(mentions) = body.mentions {
        message.mentions = mentions;
    }
    message.modified = Some(now.max(message.created.saturating_add(1)));
    Ok(Reply::Json(to_json(&SendMessageResponseJson { id })))
}

/// `postChatsRoomMessages`.
pub(crate) fn post_room_message(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    post_message(ctx, conv, None)
}

/// `postChatsUserMessages`.
pub(crate) fn post_user_message(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, other) = direct_conv(ctx)?;
    post_message(ctx, conv, Some(other))
}

/// `patchChatsRoomMessage`.
pub(crate) fn edit_room_message(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    edit_message(ctx, &conv)
}

/// `patchChatsUserMessage`.
pub(crate) fn edit_user_message(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    edit_message(ctx, &conv)
}

// ----- deleting -----

fn delete_message(ctx: &mut Ctx<'_>, conv: &ConvKey) -> Outcome {
    let id = ctx.params.get("messageId");
    let message = ctx
        .state
        .message_in(conv, id)
        .ok_or_else(|| Failure::not_found("message", id))?;
    let is_owner = match conv {
        ConvKey::Room(jid) => ctx
            .state
            .rooms
            .get(jid)
            .is_some_and(|r| r.is_owner(ctx.caller)),
        ConvKey::Direct(..) => false,
    };
    if message.sender != ctx.caller && !is_owner {
        return Err(Failure::forbidden(
            "Only the author or an owner of the room may delete a message.",
        ));
    }
    ctx.state.remove_message(id);
    Ok(Reply::NoContent)
}

/// `deleteChatsRoomMessage`.
pub(crate) fn delete_room_message(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    delete_message(ctx, &conv)
}

/// `deleteChatsUserMessage`.
pub(crate) fn delete_user_message(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    delete_message(ctx, &conv)
}

// ----- reading -----

fn listing(ctx: &Ctx<'_>, ids: &[&String]) -> Vec<u8> {
    listing_of(ctx, ids, false)
}

/// A listing; with `exclude_metadata`, without `mentions` and `reactions`.
fn listing_of(ctx: &Ctx<'_>, ids: &[&String], exclude_metadata: bool) -> Vec<u8> {
    let entities = ids
        .iter()
        .filter_map(|id| ctx.state.messages.get(id.as_str()))
        .map(|m| {
            let mut json = ctx.state.message_json(ctx.ident, m);
            if exclude_metadata {
                json.mentions = None;
                json.reactions = Vec::new();
            }
            json
        })
        .collect();
    to_json(&ListingJson { entities })
}

/// `getChatsMessage`.
pub(crate) fn get_message(ctx: &mut Ctx<'_>) -> Outcome {
    let id = ctx.params.get("messageId");
    let message = ctx
        .state
        .messages
        .get(id)
        .ok_or_else(|| Failure::not_found("message", id))?;
    if !ctx.state.is_member(&message.conv, ctx.caller) {
        return Err(Failure::forbidden(
            "You are not part of the conversation of this message.",
        ));
    }
    Ok(Reply::Json(to_json(
        &ctx.state.message_json(ctx.ident, message),
    )))
}

/// Messages of a conversation by a comma-separated id list, in the order asked; ids
/// that name no message of this conversation are left out.
fn by_ids(ctx: &Ctx<'_>, conv: &ConvKey) -> Outcome {
    let raw = ctx.params.get("messageIds");
    let ids: Vec<&str> = raw.split(',').collect();
    if ids.iter().any(|id| id.is_empty()) {
        return Err(Failure::bad_request(
            "messageIds",
            "holds an empty id; separate ids by single commas",
        ));
    }
    if ids.len() > MAX_IDS {
        return Err(Failure::bad_request(
            "messageIds",
            format!("names more than {MAX_IDS} messages"),
        ));
    }
    let found: Vec<&String> = dedup(ids)
        .into_iter()
        .filter_map(|id| ctx.state.message_in(conv, id).map(|m| &m.id))
        .collect();
    Ok(Reply::Json(listing(ctx, &found)))
}

/// `getChatsRoomMessage`.
pub(crate) fn room_messages_by_ids(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    by_ids(ctx, &conv)
}

/// `getChatsUserMessage`.
pub(crate) fn user_messages_by_ids(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    by_ids(ctx, &conv)
}

/// The checked `limit`, `before` and `after` of a history request.
struct Window {
    limit: usize,
    before: Option<i64>,
    after: Option<i64>,
    exclude_metadata: bool,
}

fn window(query: &str) -> Result<Window, Failure> {
    let mut w = Window {
        limit: DEFAULT_LIMIT,
        before: None,
        after: None,
        exclude_metadata: false,
    };
    let (mut seen_limit, mut seen_before, mut seen_after) = (false, false, false);
    for (name, value) in query_pairs(query) {
        match name.as_str() {
            "excludeMetadata" => {
                w.exclude_metadata = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(Failure::bad_request(
                            "excludeMetadata",
                            "must be true or false",
                        ));
                    }
                };
            }
            "limit" if !seen_limit => {
                seen_limit = true;
                w.limit = match value.parse::<u64>() {
                    Ok(0) => return Err(Failure::bad_request("limit", "must be at least 1")),
                    Ok(n) if n <= MAX_LIMIT as u64 => n as usize,
                    Ok(_) => {
                        return Err(Failure::bad_request(
                            "limit",
                            format!("must be at most {MAX_LIMIT}"),
                        ));
                    }
                    Err(_) => {
                        return Err(Failure::bad_request(
                            "limit",
                            format!("must be an integer from 1 to {MAX_LIMIT}"),
                        ));
                    }
                };
            }
            "before" | "after" => {
                let seen = if name == "before" {
                    &mut seen_before
                } else {
                    &mut seen_after
                };
                if *seen {
                    continue;
                }
                *seen = true;
                let millis = Timestamp::parse(&value)
                    .ok()
                    .and_then(|t| t.unix_millis())
                    .ok_or_else(|| {
                        Failure::bad_request(
                            name.clone(),
                            "must be an ISO-8601 date-time such as 2026-11-25T16:42:06.415Z",
                        )
                    })?;
                if name == "before" {
                    w.before = Some(millis);
                } else {
                    w.after = Some(millis);
                }
            }
            _ => {}
        }
    }
    Ok(w)
}

/// The ids of one page of a timeline, newest first.
fn page<'t>(timeline: &'t BTreeMap<i64, String>, w: &Window) -> Vec<&'t String> {
    if let (Some(after), Some(before)) = (w.after, w.before) {
        if after >= before {
            return Vec::new();
        }
    }
    let lower = w.after.map_or(Bound::Unbounded, Bound::Excluded);
    let upper = w.before.map_or(Bound::Unbounded, Bound::Excluded);
    timeline
        .range((lower, upper))
        .rev()
        .take(w.limit)
        .map(|(_, id)| id)
        .collect()
}

fn history(ctx: &Ctx<'_>, conv: &ConvKey) -> Outcome {
    let w = window(ctx.query)?;
    let ids = match ctx.state.conversation(conv) {
        Some(c) => page(&c.timeline, &w),
        None => Vec::new(),
    };
    Ok(Reply::Json(listing_of(ctx, &ids, w.exclude_metadata)))
}

/// `getChatsRoomMessages`.
pub(crate) fn room_history(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    history(ctx, &conv)
}

/// `getChatsUserMessages`: a listing, like the other two histories (see the core's
/// documented deviation from the declared single message).
pub(crate) fn user_history(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    history(ctx, &conv)
}

/// `getChatsThreadMessages`: the root (while it lives) and its replies.
pub(crate) fn thread_history(ctx: &mut Ctx<'_>) -> Outcome {
    let thread_id = ctx.params.get("threadId");
    let single;
    let (conv, timeline) = match ctx.state.threads.get(thread_id) {
        Some(thread) => (&thread.conv, &thread.timeline),
        None => match ctx.state.messages.get(thread_id) {
            Some(root) if root.thread_root.is_none() => {
                single = BTreeMap::from([(root.created, root.id.clone())]);
                (&root.conv, &single)
            }
            _ => return Err(Failure::not_found("thread", thread_id)),
        },
    };
    if !ctx.state.is_member(conv, ctx.caller) {
        return Err(Failure::forbidden(
            "You are not part of the conversation of this thread.",
        ));
    }
    let w = window(ctx.query)?;
    let ids = page(timeline, &w);
    Ok(Reply::Json(listing_of(ctx, &ids, w.exclude_metadata)))
}

/// `getChatsUser`: the 1on1 with `userId` (its pins).
pub(crate) fn get_one_on_one(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    let pins = ctx
        .state
        .conversation(&conv)
        .map(|c| pins_json(&c.pins))
        .unwrap_or_default();
    Ok(Reply::Json(to_json(&OneOnOneJson {
        pinned_messages: pins,
    })))
}

// ----- pins -----

fn pin(ctx: &mut Ctx<'_>, conv: &ConvKey) -> Outcome {
    let map = object(ctx.body)?;
    let ids = dedup(required_ids(&map, "pinnedMessageIds")?);
    if ids.is_empty() {
        return Err(Failure::bad_request(
            "pinnedMessageIds",
            "is empty; name at least one message",
        ));
    }
    if let Some(unknown) = ids
        .iter()
        .find(|id| ctx.state.message_in(conv, id).is_none())
    {
        return Err(Failure::not_found("message", unknown));
    }
    let Some(conversation) = ctx.state.conversation_mut(conv) else {
        return Err(Failure::not_found("room", ""));
    };
    let mut pins = conversation.pins.clone();
    for id in ids {
        if !pins.contains(&id) {
            pins.push(id);
        }
    }
    if pins.len() > MAX_PINS {
        return Err(Failure::bad_request(
            "pinnedMessageIds",
            format!("would make more than {MAX_PINS} pinned messages; unpin some first"),
        ));
    }
    conversation.pins = pins;
    Ok(Reply::NoContent)
}

fn unpin(ctx: &mut Ctx<'_>, conv: &ConvKey) -> Outcome {
    let id = ctx.params.get("pinnedMessageId");
    let pinned = ctx
        .state
        .conversation(conv)
        .is_some_and(|c| c.pins.iter().any(|p| p == id));
    if !pinned {
        return Err(Failure::not_found("pin", id));
    }
    if let Some(conversation) = ctx.state.conversation_mut(conv) {
        conversation.pins.retain(|p| p != id);
    }
    Ok(Reply::NoContent)
}

/// `postChatsRoomMessagesPins`: any participant; at most 5 pins in all.
pub(crate) fn pin_room_messages(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    pin(ctx, &conv)
}

/// `deleteChatsRoomMessagesPin`.
pub(crate) fn unpin_room_message(ctx: &mut Ctx<'_>) -> Outcome {
    let conv = room_conv(ctx)?;
    unpin(ctx, &conv)
}

/// `postChatsUserMessagesPins`.
pub(crate) fn pin_user_messages(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    pin(ctx, &conv)
}

/// `deleteChatsUserMessagesPin`.
pub(crate) fn unpin_user_message(ctx: &mut Ctx<'_>) -> Outcome {
    let (conv, _) = direct_conv(ctx)?;
    unpin(ctx, &conv)
}

// ----- reactions -----

/// `putChatsMessageReactions`: the caller's reactions become exactly the set sent.
pub(crate) fn put_reactions(ctx: &mut Ctx<'_>) -> Outcome {
    if !ctx.state.reactions_enabled {
        return Err(Failure::bad_request(
            "reactions",
            "are disabled for this organization (reactionsEnabled is false)",
        ));
    }
    let id = ctx.params.get("messageId");
    let message = ctx
        .state
        .messages
        .get(id)
        .ok_or_else(|| Failure::not_found("message", id))?;
    if !ctx.state.is_member(&message.conv, ctx.caller) {
        return Err(Failure::forbidden(
            "You are not part of the conversation of this message.",
        ));
    }
    let map = object(ctx.body)?;
    let wanted = dedup(required_ids(&map, "reactions")?);
    let caller = ctx.caller;
    let Some(message) = ctx.state.messages.get_mut(id) else {
        return Err(Failure::not_found("message", id));
    };
    for (_, users) in &mut message.reactions {
        users.retain(|u| *u != caller);
    }
    for emoji in wanted {
        match message.reactions.iter_mut().find(|(e, _)| *e == emoji) {
            Some((_, users)) => users.push(caller),
            None => message.reactions.push((emoji, vec![caller])),
        }
    }
    message.reactions.retain(|(_, users)| !users.is_empty());
    Ok(Reply::NoContent)
}
