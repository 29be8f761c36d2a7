//! Rooms: creation, properties, owners and participants.
//!
//! Rules where the official docs are silent: only participants see or use a room (403
//! `not.authorized` otherwise); only owners change its properties; any participant adds
//! others and anyone may add themselves (join); owners remove anyone and anyone may
//! remove themselves (leave).

use super::body::{dedup, object, optional_ids, optional_string};
use super::{Ctx, Outcome, Reply, path_user};
use crate::failure::Failure;
use crate::state::{ConvKey, Conversation, MAX_PINS, RoomState, user_ref};
use crate::wire::{
    CreateRoomResponseJson, RoomParticipantJson, RoomParticipantResponseJson,
    RoomParticipantsResponseJson, to_json,
};

/// The most users a room may be created with.
const MAX_ROOM_USER_IDS: usize = 25;

/// The room of the `roomJid` path parameter, if the caller is a participant.
pub(crate) fn member_room<'s>(ctx: &'s Ctx<'_>) -> Result<&'s RoomState, Failure> {
    let jid = ctx.params.get("roomJid");
    let room = ctx
        .state
        .rooms
        .get(jid)
        .ok_or_else(|| Failure::not_found("room", jid))?;
    if room.is_participant(ctx.caller) {
        Ok(room)
    } else {
        Err(Failure::forbidden(
            "You are not a participant of this room.",
        ))
    }
}

/// The room of the `roomJid` path parameter, participant or not.
fn any_room<'s>(ctx: &'s Ctx<'_>) -> Result<&'s RoomState, Failure> {
    let jid = ctx.params.get("roomJid");
    ctx.state
        .rooms
        .get(jid)
        .ok_or_else(|| Failure::not_found("room", jid))
}

fn room_mut<'s>(ctx: &'s mut Ctx<'_>) -> Result<&'s mut RoomState, Failure> {
    let jid = ctx.params.get("roomJid");
    ctx.state
        .rooms
        .get_mut(jid)
        .ok_or_else(|| Failure::not_found("room", jid))
}

/// User ids from a body into user indices, or 404 for the first unknown one.
fn users_of(ctx: &Ctx<'_>, ids: &[String]) -> Result<Vec<usize>, Failure> {
    ids.iter()
        .map(|id| {
            ctx.ident
                .by_id(id)
                .ok_or_else(|| Failure::not_found("user", id))
        })
        .collect()
}

/// `postChatsRooms`: the caller becomes owner and participant; `userIds` join too.
pub(crate) fn create_room(ctx: &mut Ctx<'_>) -> Outcome {
    let map = object(ctx.body)?;
    let subject = optional_string(&map, "subject")?
        .ok_or_else(|| Failure::bad_request("subject", "is required"))?;
    if subject.trim().is_empty() {
        return Err(Failure::bad_request("subject", "must not be empty"));
    }
    let description = optional_string(&map, "description")?;
    let user_ids = optional_ids(&map, "userIds")?.unwrap_or_default();
    if user_ids.len() > MAX_ROOM_USER_IDS {
        return Err(Failure::bad_request(
            "userIds",
            format!("holds more than {MAX_ROOM_USER_IDS} users"),
        ));
    }
    let mut participants = vec![ctx.caller];
    participants.extend(users_of(ctx, &user_ids)?);
    let participants = dedup(participants);
    let jid = format!("{}@{}", ctx.ids.hex24(), ctx.ident.conference_domain());
    let room = RoomState {
        jid: jid.clone(),
        created: ctx.now,
        subject,
        description,
        owners: vec![ctx.caller],
        participants,
        conv: Conversation::default(),
    };
    ctx.state.rooms.insert(jid.clone(), room);
    Ok(Reply::Json(to_json(&CreateRoomResponseJson { jid: &jid })))
}

/// `getChatsRoom`.
pub(crate) fn get_room(ctx: &mut Ctx<'_>) -> Outcome {
    let room = member_room(ctx)?;
    Ok(Reply::Json(to_json(&ctx.state.room_json(ctx.ident, room))))
}

/// `patchChatsRoom`: owners only. Every field is checked before anything changes.
pub(crate) fn patch_room(ctx: &mut Ctx<'_>) -> Outcome {
    let room = any_room(ctx)?;
    if !room.is_owner(ctx.caller) {
        return Err(Failure::forbidden(
            "Only an owner of the room may change it.",
        ));
    }
    let room_key = ConvKey::Room(room.jid.clone());
    let map = object(ctx.body)?;
    let subject = optional_string(&map, "subject")?;
    if subject.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(Failure::bad_request("subject", "must not be empty"));
    }
    let description = optional_string(&map, "description")?;
    let pins = optional_ids(&map, "pinnedMessageIds")?.map(dedup);
    if let Some(pins) = &pins {
        if pins.len() > MAX_PINS {
            return Err(Failure::bad_request(
                "pinnedMessageIds",
                format!(
                    "holds more than {MAX_PINS} messages; a room holds at most {MAX_PINS} pins"
                ),
            ));
        }
        if let Some(unknown) = pins
            .iter()
            .find(|id| ctx.state.message_in(&room_key, id).is_none())
        {
            return Err(Failure::not_found("message", unknown));
        }
    }
    let owners = match optional_ids(&map, "ownerIds")? {
        Some(ids) if ids.is_empty() => {
            return Err(Failure::bad_request(
                "ownerIds",
                "is empty; a room needs at least one owner",
            ));
        }
        Some(ids) => Some(dedup(users_of(ctx, &ids)?)),
        None => None,
    };
    let room = room_mut(ctx)?;
    if let Some(subject) = subject {
        room.subject = subject;
    }
    if let Some(description) = description {
        room.description = Some(description);
    }
    if let Some(pins) = pins {
        room.conv.pins = pins;
    }
    if let Some(owners) = owners {
        for owner in &owners {
            if !room.participants.contains(owner) {
                room.participants.push(*owner);
            }
        }
        room.owners = owners;
    }
    Ok(Reply::NoContent)
}

/// `getChatsRoomParticipants`.
///
/// `notify=true` answers only the participants a message would notify: those who have
/// not muted their chats (`UserSettingsForChat.muted`); `false` or absent answers all.
/// Any other value is 400. (A guess: the official docs say only "whether to get users to
/// notify".)
pub(crate) fn get_participants(ctx: &mut Ctx<'_>) -> Outcome {
    let mut notify = false;
    for (name, value) in crate::routes::query_pairs(ctx.query) {
        if name == "notify" {
            notify = match value.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(Failure::bad_request("notify", "must be true or false")),
            };
        }
    }
    let room = member_room(ctx)?;
    let muted = |u: &usize| ctx.state.user_chat.get(u).is_some_and(|c| c.muted);
    let participants = room
        .participants
        .iter()
        .filter(|u| !(notify && muted(u)))
        .map(|u| RoomParticipantResponseJson {
            jid: &ctx.ident.user(*u).jid,
            user: user_ref(ctx.ident, *u),
        })
        .collect();
    Ok(Reply::Json(to_json(&RoomParticipantsResponseJson {
        participants,
    })))
}

/// `getChatsRoomParticipant`: `{participantJid}` of a participant, by JID.
pub(crate) fn get_participant(ctx: &mut Ctx<'_>) -> Outcome {
    let room = member_room(ctx)?;
    let jid = ctx.params.get("participantJid");
    match ctx.ident.by_jid(jid) {
        Some(user) if room.is_participant(user) => Ok(Reply::Json(to_json(&RoomParticipantJson {
            participant_jid: &ctx.ident.user(user).jid,
        }))),
        _ => Err(Failure::not_found("participant", jid)),
    }
}

/// `postChatsRoomParticipant`: a participant adds anyone; anyone adds themselves.
pub(crate) fn add_participant(ctx: &mut Ctx<'_>) -> Outcome {
    let room = any_room(ctx)?;
    let user = path_user(ctx)?;
    if user != ctx.caller && !room.is_participant(ctx.caller) {
        return Err(Failure::forbidden(
            "Only a participant of the room may add others to it.",
        ));
    }
    let room = room_mut(ctx)?;
    if !room.participants.contains(&user) {
        room.participants.push(user);
    }
    Ok(Reply::NoContent)
}

/// `deleteChatsRoomParticipant`: owners remove anyone; anyone removes themselves.
pub(crate) fn remove_participant(ctx: &mut Ctx<'_>) -> Outcome {
    let room = any_room(ctx)?;
    let user = path_user(ctx)?;
    if user != ctx.caller && !room.is_owner(ctx.caller) {
        return Err(Failure::forbidden(
            "Only an owner of the room may remove others from it.",
        ));
    }
    if !room.is_participant(user) {
        return Err(Failure::not_found("participant", ctx.params.get("userId")));
    }
    let room = room_mut(ctx)?;
    room.participants.retain(|u| *u != user);
    room.owners.retain(|u| *u != user);
    Ok(Reply::NoContent)
}
