//! A short chat session with the async client.
//!
//! With no configuration it starts the testkit's emulator on loopback and talks to it:
//!
//! ```text
//! cargo run -p genesys-chat-reqwest --example quickstart_async
//! ```
//!
//! With `GENESYSCLOUD_REGION` (e.g. `eu-west-1` or `mypurecloud.ie`) and
//! `GENESYSCLOUD_ACCESS_TOKEN` set, it talks to that region instead (and leaves the room
//! it creates behind).

use futures_util::StreamExt;
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsRoom, GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms,
};
use genesys_chat::{Config, Error, Region};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::Emulator;
use genesys_chat_testkit::server::Server;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // `Display` says what happened and what to do; it never holds the token.
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Where to talk to: a real region when configured, else a local emulator. The
    // emulator stops when `_emulator` is dropped at the end of `main`.
    let region = std::env::var("GENESYSCLOUD_REGION").ok();
    let token = std::env::var("GENESYSCLOUD_ACCESS_TOKEN").ok();
    let (config, _emulator) = match (region, token) {
        (Some(region), Some(token)) => {
            let region: Region = region.parse()?;
            println!("Talking to Genesys Cloud in {region}");
            (Config::new(region).with_token(token)?, None)
        }
        _ => {
            let server = Server::start_default()?;
            println!("Talking to the emulator at {}", server.base_url());
            let config =
                Config::with_base_url(&server.base_url())?.with_token(Emulator::DEFAULT_TOKEN)?;
            (config, Some(server))
        }
    };
    let client = Client::new(config)?;

    // 1. Create a room.
    let room = client
        .call(&PostChatsRooms::new(
            CreateRoomRequest::new("Launch").description("Planning the launch"),
        ))
        .await?;
    // The schema marks `jid` required, but it is an `Option`: the service may omit it.
    let jid = room.jid.ok_or("the service gave the new room no jid")?;
    println!("1. created room {jid}");

    // 2. Post to it; `call_with_reply` also tells the correlation id and attempts.
    let reply = client
        .call_with_reply(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("Hello, room!"),
        ))
        .await?;
    let hello = reply
        .output
        .id
        .ok_or("the service gave the message no id")?;
    println!(
        "2. posted message {hello} (HTTP {}, {} attempt(s), correlation id {})",
        reply.status,
        reply.attempts,
        reply.correlation_id.as_deref().unwrap_or("-")
    );

    // 3. Reply in a thread started by that message.
    let answer = client
        .call(&PostChatsRoomMessages::new(
            &jid,
            SendMessageBody::new("Replying in the thread").thread_id(&hello),
        ))
        .await?;
    println!(
        "3. replied in the thread of {hello}: message {}",
        answer.id().unwrap_or("(no id)")
    );

    // 4. Read the whole history as a stream, page by page (2 messages a page here).
    println!("4. the room's history, newest first:");
    let mut history = client.history(GetChatsRoomMessages::new(&jid).limit(2));
    while let Some(message) = history.next().await {
        let message = message?;
        let thread = if message.thread_id() == message.id() {
            String::new()
        } else {
            format!(" (in thread {})", message.thread_id().unwrap_or("?"))
        };
        println!(
            "   {} {}: {}{thread}",
            message.date_created().map_or("(no date)", |t| t.as_str()),
            message.id().unwrap_or("(no id)"),
            message.body()
        );
    }

    // 5. A handled error: a room that does not exist.
    let missing = format!(
        "no-such-room@{}",
        jid.split_once('@').map_or("", |(_, d)| d)
    );
    match client.call(&GetChatsRoom::new(&missing)).await {
        Ok(_) => println!("5. unexpectedly found {missing}"),
        Err(Error::Api(api)) if api.status == 404 => println!(
            "5. as expected, no such room: HTTP {} {} (correlation id {})",
            api.status,
            api.code().unwrap_or("-"),
            api.correlation_id.as_deref().unwrap_or("-")
        ),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
