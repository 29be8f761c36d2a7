//! Golden tests: every operation's whole request, and every output type's parse, against
//! literal documents written from `reference/operations.md` and `reference/models.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{OPS, ROOM, USER, assert_request, cfg, response};
use genesys_chat::models::*;
use genesys_chat::operations::{self, *};
use genesys_chat::{Config, Error, HttpMethod, Operation, Region, Timestamp};
use serde_json::json;

const M1: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const M2: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const M3: &str = "16fd2706-8baf-433b-82eb-8c7fada847da";
const USER_ID: &str = "8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60";
const OTHER_USER: &str = "5f3883f8130b94165bf37a3e@example.orgspan.com";

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

// ---------------------------------------------------------------------------------------
// Requests: one golden test per operation.
// ---------------------------------------------------------------------------------------

#[test]
fn delete_chats_room_message() {
    let req = DeleteChatsRoomMessage::new(ROOM, M1)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "DELETE",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        None,
    );
}

#[test]
fn delete_chats_room_messages_pin() {
    let req = DeleteChatsRoomMessagesPin::new(ROOM, M2)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "DELETE",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages/pins/7c9e6679-7425-40de-944b-e07fc1f90ae7",
        None,
    );
}

#[test]
fn delete_chats_room_participant() {
    let req = DeleteChatsRoomParticipant::new(ROOM, USER)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "DELETE",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/participants/5f3883f8130b94165bf37a3d%40example.orgspan.com",
        None,
    );
}

#[test]
fn delete_chats_user_message() {
    let req = DeleteChatsUserMessage::new(USER, M1)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "DELETE",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        None,
    );
}

#[test]
fn delete_chats_user_messages_pin() {
    let req = DeleteChatsUserMessagesPin::new(USER_ID, M3)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "DELETE",
        "https://api.example.com/api/v2/chats/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60/messages/pins/16fd2706-8baf-433b-82eb-8c7fada847da",
        None,
    );
}

#[test]
fn get_chats_message() {
    let req = GetChatsMessage::new(M1).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        None,
    );
    // A region configuration: api.<domain> over https.
    let cfg = Config::new(Region::EuWest1).with_token("tok").unwrap();
    let req = GetChatsMessage::new(M1).to_http(&cfg).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.mypurecloud.ie/api/v2/chats/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        None,
    );
}

#[test]
fn get_chats_room() {
    let req = GetChatsRoom::new(ROOM).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com",
        None,
    );
    // An ACD room JID and a US government region.
    let cfg = Config::new(Region::UsEast2).with_token("tok").unwrap();
    let req = GetChatsRoom::new(
        "acd-0f8fad5b-d9cb-469f-a165-70867728950e-1@conference.example.orgspan.com",
    )
    .to_http(&cfg)
    .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.use2.us-gov-pure.cloud/api/v2/chats/rooms/acd-0f8fad5b-d9cb-469f-a165-70867728950e-1%40conference.example.orgspan.com",
        None,
    );
}

#[test]
fn get_chats_room_message() {
    // One id.
    let req = GetChatsRoomMessage::new(ROOM, M1).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        None,
    );
    // Comma separated ids travel in one segment, commas as %2C.
    let expected = "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e%2C7c9e6679-7425-40de-944b-e07fc1f90ae7%2C16fd2706-8baf-433b-82eb-8c7fada847da";
    let by_string = GetChatsRoomMessage::new(
        ROOM,
        "0f8fad5b-d9cb-469f-a165-70867728950e,7c9e6679-7425-40de-944b-e07fc1f90ae7,16fd2706-8baf-433b-82eb-8c7fada847da",
    );
    assert_request(&by_string.to_http(&cfg()).unwrap(), "GET", expected, None);
    let by_list = GetChatsRoomMessage::ids(ROOM, [M1, M2, M3]).unwrap();
    assert_eq!(
        by_list.message_ids,
        "0f8fad5b-d9cb-469f-a165-70867728950e,7c9e6679-7425-40de-944b-e07fc1f90ae7,16fd2706-8baf-433b-82eb-8c7fada847da"
    );
    assert_request(&by_list.to_http(&cfg()).unwrap(), "GET", expected, None);
}

#[test]
fn get_chats_room_messages() {
    let base = "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages";
    // No options: no query at all.
    let req = GetChatsRoomMessages::new(ROOM).to_http(&cfg()).unwrap();
    assert_request(&req, "GET", base, None);
    // All three, in the order limit, before, after, whatever order they were set in.
    let req = GetChatsRoomMessages::new(ROOM)
        .after(ts("2026-11-24T08:00:00.000Z"))
        .before(ts("2026-11-25T16:42:06.415Z"))
        .limit(25)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages?limit=25&before=2026-11-25T16%3A42%3A06.415Z&after=2026-11-24T08%3A00%3A00.000Z",
        None,
    );
    // limit and before only (the example of the brief).
    let req = GetChatsRoomMessages::new(ROOM)
        .limit(25)
        .before(ts("2026-11-25T16:42:06.415Z"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages?limit=25&before=2026-11-25T16%3A42%3A06.415Z",
        None,
    );
    // after only; an offset's `+` is percent-encoded, never sent raw (it would be a space).
    let req = GetChatsRoomMessages::new(ROOM)
        .after(ts("2026-11-25T17:42:06+01:00"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages?after=2026-11-25T17%3A42%3A06%2B01%3A00",
        None,
    );
    // limit only.
    let req = GetChatsRoomMessages::new(ROOM)
        .limit(1)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages?limit=1",
        None,
    );
}

#[test]
fn get_chats_room_participant() {
    let req = GetChatsRoomParticipant::new(ROOM, USER)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/participants/5f3883f8130b94165bf37a3d%40example.orgspan.com",
        None,
    );
}

#[test]
fn get_chats_room_participants() {
    let req = GetChatsRoomParticipants::new(ROOM).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/participants",
        None,
    );
}

#[test]
fn get_chats_settings() {
    let req = GetChatsSettings::new().to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/settings",
        None,
    );
    let cfg = Config::new(Region::ApSoutheast2).with_token("tok").unwrap();
    let req = GetChatsSettings::new().to_http(&cfg).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.mypurecloud.com.au/api/v2/chats/settings",
        None,
    );
}

#[test]
fn get_chats_thread_messages() {
    let req = GetChatsThreadMessages::new(M1).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/threads/0f8fad5b-d9cb-469f-a165-70867728950e/messages",
        None,
    );
    let req = GetChatsThreadMessages::new(M1)
        .limit(100)
        .before(ts("2026-11-25T16:42:06.415Z"))
        .after(ts("2026-01-01T00:00:00.000Z"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/threads/0f8fad5b-d9cb-469f-a165-70867728950e/messages?limit=100&before=2026-11-25T16%3A42%3A06.415Z&after=2026-01-01T00%3A00%3A00.000Z",
        None,
    );
    let req = GetChatsThreadMessages::new(M1)
        .before(ts("2026-11-25T16:42:06.415Z"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/threads/0f8fad5b-d9cb-469f-a165-70867728950e/messages?before=2026-11-25T16%3A42%3A06.415Z",
        None,
    );
}

#[test]
fn get_chats_user() {
    let req = GetChatsUser::new(USER).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com",
        None,
    );
}

#[test]
fn get_chats_user_message() {
    let expected = "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e%2C7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let by_string = GetChatsUserMessage::new(
        USER,
        "0f8fad5b-d9cb-469f-a165-70867728950e,7c9e6679-7425-40de-944b-e07fc1f90ae7",
    );
    assert_request(&by_string.to_http(&cfg()).unwrap(), "GET", expected, None);
    let by_list = GetChatsUserMessage::ids(USER, vec![M1.to_owned(), M2.to_owned()]).unwrap();
    assert_request(&by_list.to_http(&cfg()).unwrap(), "GET", expected, None);
    let single = GetChatsUserMessage::ids(USER, [M3]).unwrap();
    assert_request(
        &single.to_http(&cfg()).unwrap(),
        "GET",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages/16fd2706-8baf-433b-82eb-8c7fada847da",
        None,
    );
}

#[test]
fn get_chats_user_messages() {
    let req = GetChatsUserMessages::new(USER).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages",
        None,
    );
    let req = GetChatsUserMessages::new(USER)
        .limit(50)
        .after(ts("2026-11-24T08:00:00.000Z"))
        .before(ts("2026-11-25T16:42:06.415Z"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages?limit=50&before=2026-11-25T16%3A42%3A06.415Z&after=2026-11-24T08%3A00%3A00.000Z",
        None,
    );
    let req = GetChatsUserMessages::new(USER)
        .limit(50)
        .after(ts("2026-11-24T08:00:00.000Z"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages?limit=50&after=2026-11-24T08%3A00%3A00.000Z",
        None,
    );
}

#[test]
fn get_chats_user_settings() {
    let req = GetChatsUserSettings::new(USER_ID).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60/settings",
        None,
    );
}

#[test]
fn get_chats_users_me_settings() {
    let req = GetChatsUsersMeSettings::new().to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "GET",
        "https://api.example.com/api/v2/chats/users/me/settings",
        None,
    );
}

#[test]
fn patch_chats_room() {
    let body = RoomUpdateRequest::new()
        .description("Go/no-go for the November launch")
        .subject("Launch")
        .pinned_message_ids([M1, M2])
        .owner_ids([USER_ID]);
    let req = PatchChatsRoom::new(ROOM, body).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com",
        Some(json!({
            "description": "Go/no-go for the November launch",
            "subject": "Launch",
            "pinnedMessageIds": [
                "0f8fad5b-d9cb-469f-a165-70867728950e",
                "7c9e6679-7425-40de-944b-e07fc1f90ae7"
            ],
            "ownerIds": ["8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60"]
        })),
    );
    // Unset fields are omitted, never null.
    let req = PatchChatsRoom::new(ROOM, RoomUpdateRequest::new().subject("Launch"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com",
        Some(json!({"subject": "Launch"})),
    );
}

#[test]
fn patch_chats_room_message() {
    let req = PatchChatsRoomMessage::new(
        ROOM,
        M1,
        SendMessageBody::new("Launch moved to **Thursday**"),
    )
    .to_http(&cfg())
    .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        Some(json!({"message": "Launch moved to **Thursday**"})),
    );
}

#[test]
fn patch_chats_settings() {
    let req = PatchChatsSettings::new(ChatSettings::with_retention_days(365))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/settings",
        Some(json!({"messageRetentionPeriodDays": 365})),
    );
    // An empty patch is an empty object.
    let req = PatchChatsSettings::new(ChatSettings::default())
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/settings",
        Some(json!({})),
    );
}

#[test]
fn patch_chats_user_message() {
    let body = SendMessageBody::new("See you there")
        .mention(OTHER_USER)
        .thread_id(M2);
    let req = PatchChatsUserMessage::new(USER, M1, body)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages/0f8fad5b-d9cb-469f-a165-70867728950e",
        Some(json!({
            "message": "See you there",
            "mentions": ["5f3883f8130b94165bf37a3e@example.orgspan.com"],
            "threadId": "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        })),
    );
}

#[test]
fn patch_chats_user_settings() {
    let req = PatchChatsUserSettings::new(
        USER_ID,
        ChatUserSettings::notify(NotifyWhen::OnlyWhenInactive),
    )
    .to_http(&cfg())
    .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60/settings",
        Some(json!({"mobile": {"notifications": {"when": "OnlyWhenInactive"}}})),
    );
}

#[test]
fn patch_chats_users_me_settings() {
    let req =
        PatchChatsUsersMeSettings::new(UserSettingsForChat::default().notify(NotifyWhen::Always))
            .to_http(&cfg())
            .unwrap();
    assert_request(
        &req,
        "PATCH",
        "https://api.example.com/api/v2/chats/users/me/settings",
        Some(json!({"mobile": {"notifications": {"when": "Always"}}})),
    );
}

#[test]
fn post_chats_room_messages() {
    let body = SendMessageBody::new("Hello, room 👋")
        .mention(USER)
        .mention(OTHER_USER)
        .thread_id(M1);
    let req = PostChatsRoomMessages::new(ROOM, body)
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages",
        Some(json!({
            "message": "Hello, room 👋",
            "mentions": [
                "5f3883f8130b94165bf37a3d@example.orgspan.com",
                "5f3883f8130b94165bf37a3e@example.orgspan.com"
            ],
            "threadId": "0f8fad5b-d9cb-469f-a165-70867728950e"
        })),
    );
    let req = PostChatsRoomMessages::new(ROOM, SendMessageBody::new("Hello, room"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages",
        Some(json!({"message": "Hello, room"})),
    );
}

#[test]
fn post_chats_room_messages_pins() {
    let req = PostChatsRoomMessagesPins::new(ROOM, PinnedMessageRequest::new([M1, M2, M3]))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/messages/pins",
        Some(json!({"pinnedMessageIds": [
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "16fd2706-8baf-433b-82eb-8c7fada847da"
        ]})),
    );
}

#[test]
fn post_chats_room_participant() {
    let req = PostChatsRoomParticipant::new(ROOM, USER)
        .to_http(&cfg())
        .unwrap();
    // A POST without a body model: empty body, and so no Content-Type.
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com/participants/5f3883f8130b94165bf37a3d%40example.orgspan.com",
        None,
    );
}

#[test]
fn post_chats_rooms() {
    let body = CreateRoomRequest::new("Launch")
        .description("Go/no-go for the November launch")
        .user_ids([USER_ID, "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]);
    let req = PostChatsRooms::new(body).to_http(&cfg()).unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/rooms",
        Some(json!({
            "description": "Go/no-go for the November launch",
            "subject": "Launch",
            "userIds": [
                "8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60",
                "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
            ]
        })),
    );
    let req = PostChatsRooms::new(CreateRoomRequest::new("Launch"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/rooms",
        Some(json!({"subject": "Launch"})),
    );
}

#[test]
fn post_chats_user_messages() {
    let req = PostChatsUserMessages::new(USER, SendMessageBody::new("Lunch at 12:30?"))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages",
        Some(json!({"message": "Lunch at 12:30?"})),
    );
}

#[test]
fn post_chats_user_messages_pins() {
    let req = PostChatsUserMessagesPins::new(USER, PinnedMessageRequest::new([M1]))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "POST",
        "https://api.example.com/api/v2/chats/users/5f3883f8130b94165bf37a3d%40example.orgspan.com/messages/pins",
        Some(json!({"pinnedMessageIds": ["0f8fad5b-d9cb-469f-a165-70867728950e"]})),
    );
}

#[test]
fn put_chats_message_reactions() {
    let req = PutChatsMessageReactions::new(M1, ChatReactionUpdate::new(["👍", "🎉"]))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PUT",
        "https://api.example.com/api/v2/chats/messages/0f8fad5b-d9cb-469f-a165-70867728950e/reactions",
        Some(json!({"reactions": ["👍", "🎉"]})),
    );
    // An empty set removes every reaction of the caller: it is still sent.
    let req = PutChatsMessageReactions::new(M1, ChatReactionUpdate::new(Vec::<String>::new()))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PUT",
        "https://api.example.com/api/v2/chats/messages/0f8fad5b-d9cb-469f-a165-70867728950e/reactions",
        Some(json!({"reactions": []})),
    );
}

#[test]
fn put_chats_settings() {
    let req = PutChatsSettings::new(ChatSettings::with_retention_days(3650))
        .to_http(&cfg())
        .unwrap();
    assert_request(
        &req,
        "PUT",
        "https://api.example.com/api/v2/chats/settings",
        Some(json!({"messageRetentionPeriodDays": 3650})),
    );
}

#[test]
fn gateway_prefix_and_custom_user_agent() {
    let cfg = Config::with_base_url("https://gw.example.com:8443/genesys/")
        .unwrap()
        .with_token("tok")
        .unwrap()
        .with_user_agent("launch-bot/2.1 (+https://example.com)")
        .unwrap();
    let req = GetChatsRoom::new(ROOM).to_http(&cfg).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://gw.example.com:8443/genesys/api/v2/chats/rooms/5f3883f8130b94165bf37a3c%40conference.example.orgspan.com"
    );
    assert_eq!(
        req.headers().get("user-agent").unwrap(),
        "launch-bot/2.1 (+https://example.com)"
    );
}

// ---------------------------------------------------------------------------------------
// The operation table.
// ---------------------------------------------------------------------------------------

fn method_name(m: HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
    }
}

#[test]
fn all_has_the_34_operations_of_the_reference() {
    assert_eq!(operations::ALL.len(), 34);
    for (meta, row) in operations::ALL.iter().zip(OPS.iter()) {
        assert_eq!(meta.id, row.id, "ALL is not in the order of the reference");
        assert_eq!(method_name(meta.method), row.method, "{}", row.id);
        assert_eq!(meta.method.as_str(), row.method, "{}", row.id);
        assert_eq!(meta.path, row.path, "{}", row.id);
        assert_eq!(meta.permissions, row.permissions, "{}", row.id);
        assert_eq!(meta.preview, row.preview, "{}", row.id);
        assert_eq!(
            meta.idempotent,
            matches!(row.method, "GET" | "PUT" | "DELETE"),
            "{}",
            row.id
        );
        assert_eq!(meta.path_params, row.path_params().as_slice(), "{}", row.id);
        assert_eq!(meta.query_params, row.query_params(), "{}", row.id);
        assert_eq!(meta.request_body, row.request_body, "{}", row.id);
        assert_eq!(meta.response, row.response, "{}", row.id);
        assert_eq!(operations::find(row.id), Some(*meta), "{}", row.id);
    }
    assert_eq!(operations::find("getChatsRooms"), None);
}

#[test]
fn the_test_dispatcher_builds_the_named_operation() {
    for row in OPS {
        let (id, _) = common::dispatch(row.id, &|_| "x".to_owned(), common::MetaId);
        assert_eq!(id, row.id);
        let req = common::build_all_params(row.id, &cfg(), "x").unwrap();
        assert_eq!(req.method().as_str(), row.method, "{}", row.id);
        assert_eq!(
            req.uri().path(),
            row.path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "x" } else { seg })
                .collect::<Vec<_>>()
                .join("/"),
            "{}",
            row.id
        );
    }
}

// ---------------------------------------------------------------------------------------
// Responses: one parse test per output type.
// ---------------------------------------------------------------------------------------

#[test]
fn parse_chat_message_response() {
    let wire = json!({
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "dateCreated": "2026-11-25T16:42:06.415Z",
        "dateModified": "2026-11-25T16:45:00.000Z",
        "toJid": "5f3883f8130b94165bf37a3c@conference.example.orgspan.com",
        "jid": "5f3883f8130b94165bf37a3d@example.orgspan.com",
        "body": "Release notes are up",
        "mentions": {"5f3883f8130b94165bf37a3e@example.orgspan.com": "Grace"},
        "edited": true,
        "attachmentDeleted": false,
        "fileUri": "https://files.example.com/notes.pdf",
        "thread": {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
        "parentThread": {"id": "16fd2706-8baf-433b-82eb-8c7fada847da"},
        "user": {"id": "8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60", "selfUri": "/api/v2/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60"},
        "toUser": {"id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
        "reactions": [{"emoji": "🎉", "users": [{"id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "selfUri": "/api/v2/users/1b4e28ba-2fa1-11d2-883f-0016d3cca427"}]}]
    });
    let mut with_extras = wire.clone();
    with_extras["futureField"] = json!({"nested": [1, 2, 3]});
    with_extras["thread"]["futureThreadField"] = json!("x");
    let body = serde_json::to_vec(&with_extras).unwrap();
    let msg = GetChatsMessage::new(M1)
        .parse(&cfg(), &response(200, &[], &body))
        .unwrap();
    assert_eq!(msg.id(), Some("0f8fad5b-d9cb-469f-a165-70867728950e"));
    assert_eq!(
        msg.date_created().map(Timestamp::as_str),
        Some("2026-11-25T16:42:06.415Z")
    );
    assert_eq!(
        msg.date_modified.as_ref().map(Timestamp::as_str),
        Some("2026-11-25T16:45:00.000Z")
    );
    assert_eq!(
        msg.to_jid(),
        Some("5f3883f8130b94165bf37a3c@conference.example.orgspan.com")
    );
    assert_eq!(
        msg.jid(),
        Some("5f3883f8130b94165bf37a3d@example.orgspan.com")
    );
    assert_eq!(msg.body(), "Release notes are up");
    assert_eq!(
        msg.mentions
            .as_ref()
            .and_then(|m| m.get("5f3883f8130b94165bf37a3e@example.orgspan.com"))
            .map(String::as_str),
        Some("Grace")
    );
    assert_eq!(msg.edited, Some(true));
    assert_eq!(msg.attachment_deleted, Some(false));
    assert_eq!(
        msg.file_uri.as_deref(),
        Some("https://files.example.com/notes.pdf")
    );
    assert_eq!(
        msg.thread_id(),
        Some("7c9e6679-7425-40de-944b-e07fc1f90ae7")
    );
    assert_eq!(
        msg.parent_thread.as_ref().and_then(|t| t.id.as_deref()),
        Some("16fd2706-8baf-433b-82eb-8c7fada847da")
    );
    let user = msg.user.as_ref().unwrap();
    assert_eq!(
        user.self_uri.as_deref(),
        Some("/api/v2/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60")
    );
    assert_eq!(
        msg.to_user.as_ref().unwrap().id.as_deref(),
        Some("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    );
    let reactions = msg.reactions.as_ref().unwrap();
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0].emoji(), Some("🎉"));
    assert_eq!(reactions[0].users().len(), 1);
    // Re-serialised, it is the documented JSON, without the unknown fields.
    assert_eq!(serde_json::to_value(&msg).unwrap(), wire);

    // Only the required fields: optional ones stay absent when written back.
    let minimal = json!({
        "id": "m1",
        "dateCreated": "2026-11-25T16:42:06.415Z",
        "toJid": "5f3883f8130b94165bf37a3c@conference.example.orgspan.com",
        "jid": "5f3883f8130b94165bf37a3d@example.orgspan.com",
        "body": "hi",
        "thread": {}
    });
    let msg = GetChatsMessage::new("m1")
        .parse(
            &cfg(),
            &response(200, &[], &serde_json::to_vec(&minimal).unwrap()),
        )
        .unwrap();
    assert_eq!(msg.edited, None);
    assert_eq!(msg.reactions, None);
    assert_eq!(serde_json::to_value(&msg).unwrap(), minimal);
}

fn room_wire(room_type: &str) -> serde_json::Value {
    json!({
        "id": "5f3883f8130b94165bf37a3c",
        "name": "Launch",
        "dateCreated": "2026-11-20T09:00:00.000Z",
        "roomType": room_type,
        "description": "Go/no-go for the November launch",
        "subject": "Launch",
        "participantLimit": 1000,
        "owners": [{"id": "8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60", "selfUri": "/api/v2/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60"}],
        "pinnedMessages": [{"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "selfUri": "/api/v2/chats/messages/0f8fad5b-d9cb-469f-a165-70867728950e"}],
        "jid": "5f3883f8130b94165bf37a3c@conference.example.orgspan.com",
        "selfUri": "/api/v2/chats/rooms/5f3883f8130b94165bf37a3c@conference.example.orgspan.com"
    })
}

#[test]
fn parse_room() {
    let mut with_extras = room_wire("futureKind");
    with_extras["archived"] = json!(false);
    with_extras["owners"][0]["name"] = json!("Ada");
    let room = GetChatsRoom::new(ROOM)
        .parse(
            &cfg(),
            &response(200, &[], &serde_json::to_vec(&with_extras).unwrap()),
        )
        .unwrap();
    assert_eq!(room.id.as_deref(), Some("5f3883f8130b94165bf37a3c"));
    assert_eq!(room.name.as_deref(), Some("Launch"));
    assert_eq!(
        room.date_created.as_ref().map(Timestamp::as_str),
        Some("2026-11-20T09:00:00.000Z")
    );
    assert_eq!(
        room.room_type,
        Some(RoomType::Unknown("futureKind".to_owned()))
    );
    assert_eq!(
        room.description.as_deref(),
        Some("Go/no-go for the November launch")
    );
    assert_eq!(room.subject.as_deref(), Some("Launch"));
    assert_eq!(room.participant_limit, Some(1000));
    assert_eq!(
        room.owners.as_ref().unwrap()[0].id.as_deref(),
        Some("8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60")
    );
    assert_eq!(
        room.pinned_messages.as_ref().unwrap()[0]
            .self_uri
            .as_deref(),
        Some("/api/v2/chats/messages/0f8fad5b-d9cb-469f-a165-70867728950e")
    );
    assert_eq!(room.jid.as_deref(), Some(ROOM));
    // The unknown room type survives unchanged; unknown fields are dropped.
    assert_eq!(
        serde_json::to_value(&room).unwrap(),
        room_wire("futureKind")
    );

    // The five documented room types.
    for (wire, expected) in [
        ("adhoc", RoomType::Adhoc),
        ("acd", RoomType::Acd),
        ("group", RoomType::Group),
        ("oneOnOne", RoomType::OneOnOne),
        ("supervisorAssistance", RoomType::SupervisorAssistance),
    ] {
        let room = GetChatsRoom::new(ROOM)
            .parse(
                &cfg(),
                &response(200, &[], &serde_json::to_vec(&room_wire(wire)).unwrap()),
            )
            .unwrap();
        assert_eq!(room.room_type, Some(expected), "{wire}");
        assert_eq!(serde_json::to_value(&room).unwrap(), room_wire(wire));
    }

    // Every field of Room is optional.
    let room = GetChatsRoom::new(ROOM)
        .parse(&cfg(), &response(200, &[], b"{}"))
        .unwrap();
    assert_eq!(room, Room::default());
    assert_eq!(serde_json::to_value(&room).unwrap(), json!({}));
}

fn listing_wire() -> serde_json::Value {
    json!({"entities": [
        {
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "dateCreated": "2026-11-25T16:42:07.000Z",
            "toJid": "5f3883f8130b94165bf37a3c@conference.example.orgspan.com",
            "jid": "5f3883f8130b94165bf37a3d@example.orgspan.com",
            "body": "second",
            "thread": {"id": "0f8fad5b-d9cb-469f-a165-70867728950e"}
        },
        {
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "dateCreated": "2026-11-25T16:42:06.415Z",
            "toJid": "5f3883f8130b94165bf37a3c@conference.example.orgspan.com",
            "jid": "5f3883f8130b94165bf37a3e@example.orgspan.com",
            "body": "first",
            "thread": {}
        }
    ]})
}

#[test]
fn parse_chat_message_entity_listing() {
    let mut with_extras = listing_wire();
    with_extras["pageSize"] = json!(25);
    with_extras["nextUri"] = json!("/api/v2/chats/rooms/x/messages?before=y");
    let body = serde_json::to_vec(&with_extras).unwrap();
    let resp = response(200, &[], &body);
    let room_history = GetChatsRoomMessages::new(ROOM)
        .parse(&cfg(), &resp)
        .unwrap();
    let thread_history = GetChatsThreadMessages::new(M1)
        .parse(&cfg(), &resp)
        .unwrap();
    let by_ids = GetChatsRoomMessage::new(ROOM, "a,b")
        .parse(&cfg(), &resp)
        .unwrap();
    let user_by_ids = GetChatsUserMessage::new(USER, "a,b")
        .parse(&cfg(), &resp)
        .unwrap();
    for listing in [&room_history, &thread_history, &by_ids, &user_by_ids] {
        let messages = listing.messages();
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0].id(),
            Some("7c9e6679-7425-40de-944b-e07fc1f90ae7")
        );
        assert_eq!(messages[0].body(), "second");
        assert_eq!(
            messages[1].jid(),
            Some("5f3883f8130b94165bf37a3e@example.orgspan.com")
        );
        assert_eq!(messages[1].thread_id(), None);
        assert_eq!(serde_json::to_value(listing).unwrap(), listing_wire());
    }
    // An empty history.
    let empty = GetChatsRoomMessages::new(ROOM)
        .parse(&cfg(), &response(200, &[], br#"{"entities":[]}"#))
        .unwrap();
    assert!(empty.messages().is_empty());
    let absent = GetChatsThreadMessages::new(M1)
        .parse(&cfg(), &response(200, &[], b"{}"))
        .unwrap();
    assert_eq!(absent.entities, None);
    assert!(absent.messages().is_empty());
}

#[test]
fn parse_get_chats_user_messages_accepts_a_listing_and_a_single_message() {
    let op = GetChatsUserMessages::new(USER);
    let listing = op
        .parse(
            &cfg(),
            &response(200, &[], &serde_json::to_vec(&listing_wire()).unwrap()),
        )
        .unwrap();
    assert_eq!(listing.messages().len(), 2);
    assert_eq!(serde_json::to_value(&listing).unwrap(), listing_wire());

    // The declared (single message) shape becomes a listing of one.
    let single = json!({
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "dateCreated": "2026-11-25T16:42:06.415Z",
        "toJid": "5f3883f8130b94165bf37a3d@example.orgspan.com",
        "jid": "5f3883f8130b94165bf37a3e@example.orgspan.com",
        "body": "Lunch at 12:30?",
        "thread": {},
        "someNewField": 1
    });
    let one = op
        .parse(
            &cfg(),
            &response(200, &[], &serde_json::to_vec(&single).unwrap()),
        )
        .unwrap();
    assert_eq!(one.messages().len(), 1);
    assert_eq!(
        one.messages()[0].id(),
        Some("0f8fad5b-d9cb-469f-a165-70867728950e")
    );
    assert_eq!(one.messages()[0].body(), "Lunch at 12:30?");
    assert_eq!(
        serde_json::to_value(&one).unwrap(),
        json!({"entities": [{
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "dateCreated": "2026-11-25T16:42:06.415Z",
            "toJid": "5f3883f8130b94165bf37a3d@example.orgspan.com",
            "jid": "5f3883f8130b94165bf37a3e@example.orgspan.com",
            "body": "Lunch at 12:30?",
            "thread": {}
        }]})
    );
    // An empty object is an empty history.
    let none = op.parse(&cfg(), &response(200, &[], b"{}")).unwrap();
    assert!(none.messages().is_empty());
}

#[test]
fn get_chats_user_messages_does_not_silently_drop_an_undecodable_message() {
    // The declared single-message shape without the required `thread`: the service may
    // omit it, so it is one message, as getChatsMessage reads it.
    let body = br#"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","dateCreated":"2026-11-25T16:42:06.415Z","toJid":"5f3883f8130b94165bf37a3d@example.orgspan.com","jid":"5f3883f8130b94165bf37a3e@example.orgspan.com","body":"Lunch at 12:30?"}"#;
    let single = GetChatsMessage::new(M1)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap();
    assert_eq!(single.thread, None);
    let history = GetChatsUserMessages::new(USER)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap();
    assert_eq!(history, ChatMessageEntityListing::of(vec![single]));
    // A field of the wrong type: not a message, and the history must not pretend the
    // 1on1 is empty.
    let body =
        br#"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","body":"Lunch at 12:30?","thread":"t"}"#;
    let single = GetChatsMessage::new(M1).parse(&cfg(), &response(200, &[], body));
    assert!(matches!(single, Err(Error::Decode { .. })), "{single:?}");
    let history = GetChatsUserMessages::new(USER).parse(&cfg(), &response(200, &[], body));
    assert!(
        matches!(
            history,
            Err(Error::Decode {
                operation: "getChatsUserMessages",
                status: 200,
                ..
            })
        ),
        "a message-shaped body that does not decode became {history:?}"
    );
}

#[test]
fn parse_room_participant() {
    let p = GetChatsRoomParticipant::new(ROOM, USER)
        .parse(
            &cfg(),
            &response(
                200,
                &[],
                br#"{"participantJid":"5f3883f8130b94165bf37a3d@example.orgspan.com","role":"member"}"#,
            ),
        )
        .unwrap();
    assert_eq!(
        p,
        RoomParticipant {
            participant_jid: Some("5f3883f8130b94165bf37a3d@example.orgspan.com".to_owned())
        }
    );
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"participantJid": "5f3883f8130b94165bf37a3d@example.orgspan.com"})
    );
}

#[test]
fn parse_room_participants_response() {
    let wire = json!({"participants": [
        {"jid": "5f3883f8130b94165bf37a3d@example.orgspan.com",
         "user": {"id": "8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60", "selfUri": "/api/v2/users/8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60"}},
        {"jid": "5f3883f8130b94165bf37a3e@example.orgspan.com"}
    ]});
    let mut with_extras = wire.clone();
    with_extras["participants"][1]["presence"] = json!("away");
    with_extras["total"] = json!(2);
    let r = GetChatsRoomParticipants::new(ROOM)
        .parse(
            &cfg(),
            &response(200, &[], &serde_json::to_vec(&with_extras).unwrap()),
        )
        .unwrap();
    let participants = r.participants.as_ref().unwrap();
    assert_eq!(participants.len(), 2);
    assert_eq!(participants[0].jid.as_deref(), Some(USER));
    assert_eq!(
        participants[0].user.as_ref().unwrap().id.as_deref(),
        Some("8a2c7e3b-3f57-4d5e-9f6a-1b2c3d4e5f60")
    );
    assert_eq!(participants[1].user, None);
    assert_eq!(serde_json::to_value(&r).unwrap(), wire);
}

#[test]
fn parse_chat_settings() {
    let resp = response(
        200,
        &[],
        br#"{"messageRetentionPeriodDays":365,"selfUri":"/api/v2/chats/settings"}"#,
    );
    for parsed in [
        GetChatsSettings::new().parse(&cfg(), &resp).unwrap(),
        PutChatsSettings::new(ChatSettings::default())
            .parse(&cfg(), &resp)
            .unwrap(),
        PatchChatsSettings::new(ChatSettings::default())
            .parse(&cfg(), &resp)
            .unwrap(),
    ] {
        assert_eq!(parsed.message_retention_period_days, Some(365));
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            json!({"messageRetentionPeriodDays": 365})
        );
    }
}

#[test]
fn parse_one_on_one() {
    let o = GetChatsUser::new(USER)
        .parse(
            &cfg(),
            &response(
                200,
                &[],
                br#"{"pinnedMessages":[{"id":"m1","selfUri":"/api/v2/chats/messages/m1"}],"id":"x"}"#,
            ),
        )
        .unwrap();
    assert_eq!(
        o.pinned_messages,
        Some(vec![AddressableEntityRef {
            id: Some("m1".to_owned()),
            self_uri: Some("/api/v2/chats/messages/m1".to_owned()),
        }])
    );
    assert_eq!(
        serde_json::to_value(&o).unwrap(),
        json!({"pinnedMessages": [{"id": "m1", "selfUri": "/api/v2/chats/messages/m1"}]})
    );
}

#[test]
fn parse_chat_user_settings() {
    let resp = response(
        200,
        &[],
        br#"{"mobile":{"notifications":{"when":"OnlyWhenInactive","sound":true}},"desktop":{}}"#,
    );
    let parsed = [
        GetChatsUserSettings::new(USER_ID)
            .parse(&cfg(), &resp)
            .unwrap(),
        PatchChatsUserSettings::new(USER_ID, ChatUserSettings::notify(NotifyWhen::Always))
            .parse(&cfg(), &resp)
            .unwrap(),
    ];
    let me = [
        GetChatsUsersMeSettings::new().parse(&cfg(), &resp).unwrap(),
        PatchChatsUsersMeSettings::new(UserSettingsForChat::default().notify(NotifyWhen::Always))
            .parse(&cfg(), &resp)
            .unwrap(),
    ];
    for s in me {
        assert_eq!(s.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
        assert_eq!(s.muted, None);
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"mobile": {"notifications": {"when": "OnlyWhenInactive"}}})
        );
    }
    for s in parsed {
        assert_eq!(s.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"mobile": {"notifications": {"when": "OnlyWhenInactive"}}})
        );
    }
    // An unknown enumeration value survives.
    let s = GetChatsUsersMeSettings::new()
        .parse(
            &cfg(),
            &response(
                200,
                &[],
                br#"{"mobile":{"notifications":{"when":"Never"}}}"#,
            ),
        )
        .unwrap();
    assert_eq!(
        s.notify_when(),
        Some(&NotifyWhen::Unknown("Never".to_owned()))
    );
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        json!({"mobile": {"notifications": {"when": "Never"}}})
    );
    let s = GetChatsUsersMeSettings::new()
        .parse(
            &cfg(),
            &response(
                200,
                &[],
                br#"{"mobile":{"notifications":{"when":"Always"}}}"#,
            ),
        )
        .unwrap();
    assert_eq!(s.notify_when(), Some(&NotifyWhen::Always));
}

#[test]
fn parse_chat_send_message_response() {
    let resp = response(
        200,
        &[],
        br#"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","selfUri":"/x"}"#,
    );
    let body = || SendMessageBody::new("hi");
    let parsed = [
        PostChatsRoomMessages::new(ROOM, body())
            .parse(&cfg(), &resp)
            .unwrap(),
        PostChatsUserMessages::new(USER, body())
            .parse(&cfg(), &resp)
            .unwrap(),
        PatchChatsRoomMessage::new(ROOM, M1, body())
            .parse(&cfg(), &resp)
            .unwrap(),
        PatchChatsUserMessage::new(USER, M1, body())
            .parse(&cfg(), &resp)
            .unwrap(),
    ];
    for r in parsed {
        assert_eq!(
            r,
            ChatSendMessageResponse {
                id: Some("0f8fad5b-d9cb-469f-a165-70867728950e".to_owned())
            }
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"id": "0f8fad5b-d9cb-469f-a165-70867728950e"})
        );
    }
}

#[test]
fn parse_create_room_response() {
    let r = PostChatsRooms::new(CreateRoomRequest::new("Launch"))
        .parse(
            &cfg(),
            &response(
                200,
                &[],
                br#"{"jid":"5f3883f8130b94165bf37a3c@conference.example.orgspan.com","id":"5f3883f8130b94165bf37a3c"}"#,
            ),
        )
        .unwrap();
    assert_eq!(
        r,
        CreateRoomResponse {
            jid: Some("5f3883f8130b94165bf37a3c@conference.example.orgspan.com".to_owned())
        }
    );
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"jid": "5f3883f8130b94165bf37a3c@conference.example.orgspan.com"})
    );
}

fn check_void<O: Operation<Output = ()>>(op: &O) {
    for status in [200, 202, 204] {
        for body in [
            &b""[..],
            &b"{}"[..],
            &br#"{"status":"ok"}"#[..],
            &b"not json"[..],
        ] {
            let result = op.parse(&cfg(), &response(status, &[], body));
            assert_eq!(result, Ok(()), "{} {status} {body:?}", O::META.id);
        }
    }
    // A non-2xx is still an error.
    let err = op
        .parse(&cfg(), &response(404, &[], br#"{"code":"not.found"}"#))
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[test]
fn parse_void_operations() {
    check_void(&DeleteChatsRoomMessage::new(ROOM, M1));
    check_void(&DeleteChatsRoomMessagesPin::new(ROOM, M1));
    check_void(&DeleteChatsRoomParticipant::new(ROOM, USER));
    check_void(&DeleteChatsUserMessage::new(USER, M1));
    check_void(&DeleteChatsUserMessagesPin::new(USER, M1));
    check_void(&PatchChatsRoom::new(ROOM, RoomUpdateRequest::new()));
    check_void(&PostChatsRoomMessagesPins::new(
        ROOM,
        PinnedMessageRequest::new([M1]),
    ));
    check_void(&PostChatsRoomParticipant::new(ROOM, USER));
    check_void(&PostChatsUserMessagesPins::new(
        USER,
        PinnedMessageRequest::new([M1]),
    ));
    check_void(&PutChatsMessageReactions::new(
        M1,
        ChatReactionUpdate::new(["👍"]),
    ));
}

// ---------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------

#[test]
fn non_2xx_with_an_error_body() {
    let body = br#"{
        "message": "Rate limit exceeded the maximum. Retry the request in [30] seconds",
        "code": "too.many.requests.retry.after",
        "status": 429,
        "messageWithParams": "Rate limit exceeded the maximum. Retry the request in [{retryAfter}] seconds",
        "messageParams": {"retryAfter": "30"},
        "contextId": "c0a8d3e2-1111-4a3b-9c0d-2e3f4a5b6c7d",
        "details": [{"errorCode": "rate.limit", "fieldName": "token"}],
        "errors": [{"code": "inner", "status": 429}],
        "limit": {"key": "token.rate.per.minute", "namespace": "platform.api", "value": 300},
        "someFutureField": [1, 2]
    }"#;
    let resp = response(
        429,
        &[
            (
                "ININ-Correlation-Id",
                "b0e8c7a6-5d4e-4f3a-8b2c-1d0e9f8a7b6c",
            ),
            ("Retry-After", "30"),
            ("Content-Type", "application/json"),
        ],
        body,
    );
    let err = PostChatsRoomMessages::new(ROOM, SendMessageBody::new("hi"))
        .parse(&cfg(), &resp)
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.operation, "postChatsRoomMessages");
    assert_eq!(api.status, 429);
    assert_eq!(api.code(), Some("too.many.requests.retry.after"));
    assert_eq!(
        api.message(),
        Some("Rate limit exceeded the maximum. Retry the request in [30] seconds")
    );
    assert_eq!(
        api.correlation_id.as_deref(),
        Some("b0e8c7a6-5d4e-4f3a-8b2c-1d0e9f8a7b6c")
    );
    assert_eq!(api.retry_after, Some(Duration::from_secs(30)));
    assert_eq!(api.excerpt, None);
    let eb = api.body.as_ref().unwrap();
    assert_eq!(eb.status, Some(429));
    assert_eq!(
        eb.context_id.as_deref(),
        Some("c0a8d3e2-1111-4a3b-9c0d-2e3f4a5b6c7d")
    );
    assert_eq!(
        eb.message_params
            .as_ref()
            .and_then(|m| m.get("retryAfter"))
            .map(String::as_str),
        Some("30")
    );
    let details = eb.details.as_ref().unwrap();
    assert_eq!(details[0].error_code.as_deref(), Some("rate.limit"));
    assert_eq!(details[0].field_name.as_deref(), Some("token"));
    assert_eq!(
        eb.errors.as_ref().unwrap()[0].code.as_deref(),
        Some("inner")
    );
    let limit = eb.limit.as_ref().unwrap();
    assert_eq!(limit.key.as_deref(), Some("token.rate.per.minute"));
    assert_eq!(limit.namespace.as_deref(), Some("platform.api"));
    assert_eq!(limit.value, Some(300));

    let shown = err.to_string();
    assert!(shown.contains("postChatsRoomMessages"), "{shown}");
    assert!(shown.contains("429"), "{shown}");
    assert!(shown.contains("too.many.requests.retry.after"), "{shown}");
    assert!(
        shown.contains("b0e8c7a6-5d4e-4f3a-8b2c-1d0e9f8a7b6c"),
        "{shown}"
    );
    assert!(shown.contains("30s"), "{shown}");

    // A daily limit: Retry-After in hours, whole seconds surfaced as they are.
    let resp = response(
        429,
        &[("retry-after", "7200")],
        br#"{"code":"too.many.requests","status":429}"#,
    );
    let err = GetChatsSettings::new().parse(&cfg(), &resp).unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.retry_after, Some(Duration::from_secs(7200)));
    assert_eq!(api.code(), Some("too.many.requests"));
    assert_eq!(api.correlation_id, None);

    // A 404 with a not-found body and no Retry-After.
    let resp = response(
        404,
        &[("inin-correlation-id", "corr-404")],
        br#"{"message":"Room not found","code":"not.found","status":404}"#,
    );
    let err = GetChatsRoom::new(ROOM).parse(&cfg(), &resp).unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 404);
    assert_eq!(api.operation, "getChatsRoom");
    assert_eq!(api.message(), Some("Room not found"));
    assert_eq!(api.retry_after, None);
    assert_eq!(api.correlation_id.as_deref(), Some("corr-404"));
}

#[test]
fn non_2xx_with_an_html_body() {
    let resp = response(
        502,
        &[
            ("content-type", "text/html"),
            ("inin-correlation-id", "corr-502"),
        ],
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    );
    let err = GetChatsRoom::new(ROOM).parse(&cfg(), &resp).unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status, 502);
    assert_eq!(api.body, None);
    assert_eq!(
        api.excerpt.as_deref(),
        Some("<html><body><h1>502 Bad Gateway</h1></body></html>")
    );
    assert_eq!(api.correlation_id.as_deref(), Some("corr-502"));
    let shown = err.to_string();
    assert!(shown.contains("502 Bad Gateway"), "{shown}");
    assert!(shown.contains("getChatsRoom"), "{shown}");

    // An empty 503 and a JSON object that is not an error body: no ErrorBody either.
    let err = GetChatsRoom::new(ROOM)
        .parse(&cfg(), &response(503, &[("Retry-After", "5")], b""))
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.body, None);
    assert_eq!(api.excerpt.as_deref(), Some("(empty)"));
    assert_eq!(api.retry_after, Some(Duration::from_secs(5)));
    let err = GetChatsRoom::new(ROOM)
        .parse(&cfg(), &response(500, &[], br#"{"unrelated":1}"#))
        .unwrap_err();
    assert_eq!(err.api().unwrap().body, None);
    assert_eq!(
        err.api().unwrap().excerpt.as_deref(),
        Some(r#"{"unrelated":1}"#)
    );
}

#[test]
fn undecodable_2xx_is_a_decode_error_without_chat_text() {
    // Truncated JSON holding chat text.
    let body = br#"{"id":"0f8fad5b","dateCreated":"2026-11-25T16:42:06.415Z","body":"the launch code is 0000 and the vault is open"#;
    let err = GetChatsMessage::new(M1)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap_err();
    let Error::Decode {
        operation,
        status,
        excerpt,
        ..
    } = &err
    else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!(*operation, "getChatsMessage");
    assert_eq!(*status, 200);
    assert_eq!(
        excerpt, r#"{"id":"…","dateCreated":"…","body":"…"#,
        "only keys and structure survive"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("launch code"), "{shown}");
        assert!(!shown.contains("vault"), "{shown}");
        assert!(shown.contains("getChatsMessage"), "{shown}");
    }
    assert_eq!(err.status(), Some(200));

    // Valid JSON with a field of the wrong type.
    let body = br#"{"id":"m1","body":"meet me at the usual place","edited":"yes"}"#;
    let err = GetChatsMessage::new(M1)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("usual place"), "{shown}");
    }

    // An empty 200 where a model is expected.
    let err = PostChatsRooms::new(CreateRoomRequest::new("Launch"))
        .parse(&cfg(), &response(200, &[], b""))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode { operation: "postChatsRooms", status: 200, excerpt, .. } if excerpt == "(empty)"
        ),
        "{err:?}"
    );
}

#[test]
fn decode_error_reason_does_not_leak_quoted_chat_text() {
    // A string where a message object is expected: serde quotes the string in its
    // message; the text contains quotes of its own. The item is set aside as malformed,
    // and its reason is masked.
    let body = br#"{"entities":["Meet me at \"the usual place\" after work"]}"#;
    let page = GetChatsRoomMessages::new(ROOM)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap();
    assert!(page.messages().is_empty());
    assert_eq!(
        page.malformed,
        vec![MalformedItem {
            field: "entities",
            index: 0,
            reason: "invalid type: string \"…\", expected a ChatMessageResponse object".to_owned(),
        }]
    );
    for shown in [format!("{page:?}"), page.malformed[0].to_string()] {
        assert!(!shown.contains("usual place"), "{shown}");
        assert!(!shown.contains("after work"), "{shown}");
        assert!(!shown.contains("Meet me"), "{shown}");
    }
    // A text that starts with a quote leaks whole.
    let body = br#"{"entities":["\"secret"]}"#;
    let page = GetChatsRoomMessages::new(ROOM)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap();
    assert!(!format!("{page:?}").contains("secret"), "{page:?}");
    // Where the whole response fails, the decode error masks it too.
    let body = br#"{"entities":{"id":"\"secret"}}"#;
    let err = GetChatsRoomMessages::new(ROOM)
        .parse(&cfg(), &response(200, &[], body))
        .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[test]
fn body_over_the_cap_is_body_too_large() {
    let cfg = cfg().with_max_response_bytes(16);
    // 16 bytes: at the cap, accepted.
    let at_cap = br#"{"id":"m-12345"}"#;
    assert_eq!(at_cap.len(), 16);
    let ok = PostChatsRoomMessages::new(ROOM, SendMessageBody::new("hi"))
        .parse(&cfg, &response(200, &[], at_cap))
        .unwrap();
    assert_eq!(ok.id(), Some("m-12345"));
    // 17 bytes: refused before parsing.
    let over = br#"{"id":"m-123456"}"#;
    let err = PostChatsRoomMessages::new(ROOM, SendMessageBody::new("hi"))
        .parse(&cfg, &response(200, &[], over))
        .unwrap_err();
    assert_eq!(
        err,
        Error::BodyTooLarge {
            operation: "postChatsRoomMessages",
            limit: 16,
            size: 17,
        }
    );
    let shown = err.to_string();
    assert!(shown.contains("17 bytes"), "{shown}");
    assert!(shown.contains("16 bytes"), "{shown}");
    // Void operations and error responses are capped too.
    let err = DeleteChatsRoomMessage::new(ROOM, M1)
        .parse(&cfg, &response(204, &[], &[b' '; 17]))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                limit: 16,
                size: 17,
                ..
            }
        ),
        "{err:?}"
    );
    // An error response over the cap keeps its status and Retry-After (what a retry
    // needs) but its body is not parsed.
    let err = GetChatsRoom::new(ROOM)
        .parse(&cfg, &response(503, &[("retry-after", "4")], &[b'x'; 1000]))
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 503);
    assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(4)));
    assert_eq!(api.body, None);
    assert_eq!(
        api.excerpt.as_deref(),
        Some("(1000 bytes, over the cap of 16; not parsed)")
    );
    // The default cap is 8 MiB.
    let big = vec![b' '; 8 * 1024 * 1024 + 1];
    let err = DeleteChatsRoomMessage::new(ROOM, M1)
        .parse(&common::cfg(), &response(204, &[], &big))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                limit: 8_388_608,
                size: 8_388_609,
                ..
            }
        ),
        "{err:?}"
    );
}
