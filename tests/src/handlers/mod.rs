//! The semantics of the 34 Chat operations and "my chats" (Users API), one function
//! each, over the service [`State`].
//!
//! A handler runs after routing, authentication, the rate limit and the permission check;
//! it only decides what the operation does to the state and what it answers.

mod body;
mod messages;
mod my_chats;
mod rooms;
mod settings;

pub use my_chats::PAGE_SIZE as MY_CHATS_PAGE_SIZE;

use genesys_chat::Operation;
use genesys_chat::operations as ops;

use crate::failure::Failure;
use crate::identity::Identity;
use crate::ids::IdGen;
use crate::routes::Params;
use crate::state::State;

/// Everything a handler may look at or change.
pub(crate) struct Ctx<'a> {
    pub(crate) ident: &'a Identity,
    pub(crate) state: &'a mut State,
    pub(crate) ids: &'a IdGen,
    /// The calling user (index into the org's users).
    pub(crate) caller: usize,
    /// The clock, read once for the request.
    pub(crate) now: i64,
    pub(crate) params: &'a Params,
    pub(crate) query: &'a str,
    pub(crate) body: &'a [u8],
}

/// A successful answer.
pub(crate) enum Reply {
    /// 200 with a JSON body.
    Json(Vec<u8>),
    /// 204 without a body (the operations that return `void`).
    NoContent,
}

/// What a handler returns.
pub(crate) type Outcome = Result<Reply, Failure>;

/// The function that carries out one operation.
pub(crate) type Handler = fn(&mut Ctx<'_>) -> Outcome;

macro_rules! id {
    ($op:ident) => {
        <ops::$op as Operation>::META.id
    };
}

/// The handler of an official operation id. Keyed by the core's own metadata, so a
/// renamed operation fails the routing test instead of silently losing its handler.
pub(crate) fn for_operation(operation_id: &str) -> Option<Handler> {
    let table: [(&str, Handler); 35] = [
        (id!(DeleteChatsRoomMessage), messages::delete_room_message),
        (
            id!(DeleteChatsRoomMessagesPin),
            messages::unpin_room_message,
        ),
        (id!(DeleteChatsRoomParticipant), rooms::remove_participant),
        (id!(DeleteChatsUserMessage), messages::delete_user_message),
        (
            id!(DeleteChatsUserMessagesPin),
            messages::unpin_user_message,
        ),
        (id!(DeleteChatsUsersMeSettings), settings::delete_me),
        (id!(GetChatsMessage), messages::get_message),
        (id!(GetChatsRoom), rooms::get_room),
        (id!(GetChatsRoomMessage), messages::room_messages_by_ids),
        (id!(GetChatsRoomMessages), messages::room_history),
        (id!(GetChatsRoomParticipant), rooms::get_participant),
        (id!(GetChatsRoomParticipants), rooms::get_participants),
        (id!(GetChatsSettings), settings::get_org),
        (id!(GetChatsThreadMessages), messages::thread_history),
        (id!(GetChatsUser), messages::get_one_on_one),
        (id!(GetChatsUserMessage), messages::user_messages_by_ids),
        (id!(GetChatsUserMessages), messages::user_history),
        (id!(GetChatsUserSettings), settings::get_user),
        (id!(GetChatsUsersMeSettings), settings::get_me),
        (id!(PatchChatsRoom), rooms::patch_room),
        (id!(PatchChatsRoomMessage), messages::edit_room_message),
        (id!(PatchChatsSettings), settings::patch_org),
        (id!(PatchChatsUserMessage), messages::edit_user_message),
        (id!(PatchChatsUserSettings), settings::patch_user),
        (id!(PatchChatsUsersMeSettings), settings::patch_me),
        (id!(PostChatsRoomMessages), messages::post_room_message),
        (id!(PostChatsRoomMessagesPins), messages::pin_room_messages),
        (id!(PostChatsRoomParticipant), rooms::add_participant),
        (id!(PostChatsRooms), rooms::create_room),
        (id!(PostChatsUserMessages), messages::post_user_message),
        (id!(PostChatsUserMessagesPins), messages::pin_user_messages),
        (id!(PostChatsUsersMeSettings), settings::post_me),
        (id!(PutChatsMessageReactions), messages::put_reactions),
        (id!(PutChatsSettings), settings::put_org),
        (id!(GetUsersChatsMe), my_chats::my_chats),
    ];
    table
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, handler)| *handler)
}

/// The user named by the `userId` path parameter, or 404.
pub(crate) fn path_user(ctx: &Ctx<'_>) -> Result<usize, Failure> {
    let id = ctx.params.get("userId");
    ctx.ident
        .by_id(id)
        .ok_or_else(|| Failure::not_found("user", id))
}
