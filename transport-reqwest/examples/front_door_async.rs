//! The front door, async: a whole chat program on `genesys-chat-reqwest` alone (and tokio).
//!
//! It reads its configuration from the environment, creates a room, posts, follows the
//! replies to its question, and matches a 404 and a 429 without looking at a string.
//! Against the emulator (what `.ci/front_door.sh` does):
//!
//! ```text
//! cargo run -p genesys-chat-testkit --bin genesys-chat-emulator -- --port 8080 &
//! curl -X POST -H 'Content-Type: application/json' http://127.0.0.1:8080/__emulator/faults \
//!   -d '{"route":"getChatsSettings","fault":{"kind":"status","status":429,"retryAfter":120},"times":1}'
//! GENESYSCLOUD_API_REGION=http://127.0.0.1:8080 GENESYSCLOUD_OAUTHCLIENT_ID=emulator-client \
//!   GENESYSCLOUD_OAUTHCLIENT_SECRET=emulator-secret \
//!   cargo run -p genesys-chat-reqwest --example front_door_async
//! ```

use std::time::Duration;

use futures_util::StreamExt;
use genesys_chat_reqwest::{Client, Cursor, models::*, operations::GetChatsThreadMessages};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let room = client
        .post_chats_rooms(CreateRoomRequest::new("Stand-up"))
        .await?;
    let jid = room.jid.ok_or("the new room has no jid")?;
    let question = client.post_chats_room_messages(&jid, SendMessageBody::new("Blockers?"));
    let root = question.await?.id.ok_or("the message has no id")?;

    // A 404, matched by kind.
    match client
        .get_chats_room("no-such-room@conference.example.orgspan.com")
        .await
    {
        Err(e) if e.is_not_found() => println!("no such room (404)"),
        other => return Err(format!("expected a 404, got {other:?}").into()),
    }

    // Teammates reply in the question's thread, while we follow it.
    let (teammate, room_jid, thread) = (client.clone(), jid.clone(), root.clone());
    let replies = tokio::spawn(async move {
        for text in ["None", "Waiting on review", "Done"] {
            let reply = SendMessageBody::new(text).thread_id(thread.clone());
            teammate.post_chats_room_messages(&room_jid, reply).await?;
        }
        Ok::<_, genesys_chat_reqwest::Error>(())
    });
    let start = Cursor::after(&client.get_chats_message(&root).await?).ok_or("no dateCreated")?;
    let follow = client.follow_from(GetChatsThreadMessages::new(&root), start);
    let mut follow = follow.interval(Duration::from_millis(200)).take(3);
    while let Some(reply) = follow.next().await {
        println!("reply: {}", reply?.body());
    }
    replies.await??;

    // A 429 whose Retry-After is over the client's cap: returned at once, matched by
    // kind (the token's later calls would be refused until it resets).
    match client.get_chats_settings().await {
        Err(e) if e.is_rate_limited() => println!("slow down: retry after {:?}", e.retry_after()),
        other => return Err(format!("expected a 429, got {other:?}").into()),
    }
    Ok(())
}
