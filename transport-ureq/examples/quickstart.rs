//! A whole chat session with the blocking client.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no configuration it starts the Chat service emulator on loopback, logs in with
//! client credentials, and runs the session there. With `GENESYSCLOUD_REGION` (e.g.
//! `eu-west-1`) and `GENESYSCLOUD_ACCESS_TOKEN` (or `GENESYSCLOUD_OAUTHCLIENT_ID` and
//! `GENESYSCLOUD_OAUTHCLIENT_SECRET`) set, it runs the same session against the real
//! service; set `GENESYSCLOUD_CHAT_PEER_USER_ID` to another user's id for the
//! steps that need a second person (participants, the 1on1).

use std::process::ExitCode;

use genesys_chat::models::*;
use genesys_chat::operations::*;
use genesys_chat::{Config, Error};
use genesys_chat_testkit::{Emulator, server::Server};
use genesys_chat_ureq::{Client, Credentials};

/// Where the session runs, and who takes part besides the caller.
struct Target {
    client: Client,
    peers: Vec<String>,
    /// Kept alive for the session when the emulator is the target.
    _server: Option<Server>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    println!("genesys-chat quickstart");
    let target = connect()?;
    let client = &target.client;
    let peers = &target.peers;

    // 1. A room with participants.
    let mut create = CreateRoomRequest::new("Launch plan").description("Everything for Friday");
    if !peers.is_empty() {
        create = create.user_ids(peers.clone());
    }
    let room = client.call(&PostChatsRooms::new(create))?;
    let jid = room.jid().ok_or("the service gave the new room no jid")?;
    let details = client.call(&GetChatsRoom::new(jid))?;
    let participants = client.call(&GetChatsRoomParticipants::new(jid))?;
    step(
        "create a room",
        format!(
            "{jid}: subject {:?}, type {}, {} participants",
            details.subject.unwrap_or_default(),
            details.room_type.map(|t| t.to_string()).unwrap_or_default(),
            participants.participants.map_or(0, |p| p.len())
        ),
    );

    // 2. Post, reply in a thread, edit.
    // The schema marks `id` required, but it is an `Option`: the service may omit it.
    let first = client
        .call(&PostChatsRoomMessages::new(
            jid,
            SendMessageBody::new("Kick-off at 10:00?"),
        ))?
        .id
        .ok_or("the service gave the message no id")?;
    step("post a message", format!("message {}", first));
    let reply = client
        .call(&PostChatsRoomMessages::new(
            jid,
            SendMessageBody::new("10:00 works").thread_id(&first),
        ))?
        .id
        .ok_or("the service gave the reply no id")?;
    let thread = client.call(&GetChatsThreadMessages::new(&first))?;
    step(
        "reply in a thread",
        format!(
            "reply {} in thread {}; the thread holds {} messages",
            reply,
            first,
            thread.messages().len()
        ),
    );
    client.call(&PatchChatsRoomMessage::new(
        jid,
        &first,
        SendMessageBody::new("Kick-off at 10:30?"),
    ))?;
    let edited = client.call(&GetChatsMessage::new(&first))?;
    step(
        "edit the message",
        format!(
            "edited: {}, modified at {}",
            edited.edited.unwrap_or(false),
            edited
                .date_modified
                .map(|t| t.to_string())
                .unwrap_or_default()
        ),
    );

    // 3. React and pin.
    client.call(&PutChatsMessageReactions::new(
        &first,
        ChatReactionUpdate::new(["👍", "🎉"]),
    ))?;
    let reacted = client.call(&GetChatsMessage::new(&first))?;
    let emoji: Vec<String> = reacted
        .reactions
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.emoji)
        .collect();
    step("react", format!("reactions now {}", emoji.join(" ")));
    client.call(&PostChatsRoomMessagesPins::new(
        jid,
        PinnedMessageRequest::new([first.clone()]),
    ))?;
    let pinned = client.call(&GetChatsRoom::new(jid))?.pinned_messages;
    step(
        "pin",
        format!("{} pinned message(s)", pinned.map_or(0, |p| p.len())),
    );

    // 4. The history across pages.
    for n in 1..=30 {
        client.call(&PostChatsRoomMessages::new(
            jid,
            SendMessageBody::new(format!("status update {n}")),
        ))?;
    }
    let mut pages = 0;
    let mut messages = 0;
    let mut op = Some(GetChatsRoomMessages::new(jid).limit(25));
    while let Some(page_op) = op {
        let page = client.call(&page_op)?;
        pages += 1;
        messages += page.messages().len();
        op = genesys_chat::History::next_page(&page_op, &page)?;
    }
    let streamed = client
        .history(GetChatsRoomMessages::new(jid).limit(10))
        .collect::<Result<Vec<_>, Error>>()?;
    step(
        "read the history across pages",
        format!(
            "{messages} messages in {pages} pages of 25; the iterator yields the same {} in pages of 10",
            streamed.len()
        ),
    );

    // 5. Messages by id.
    let by_id = client.call(&GetChatsRoomMessage::ids(
        jid,
        [first.clone(), reply.clone()],
    )?)?;
    step(
        "read messages by id",
        format!("{} messages for 2 ids", by_id.messages().len()),
    );

    // 6. A 1on1 message, and removing a participant.
    if let Some(peer) = peers.first() {
        let sent = client.call(&PostChatsUserMessages::new(
            peer,
            SendMessageBody::new("Can you review the plan?"),
        ))?;
        let history = client.call(&GetChatsUserMessages::new(peer))?;
        step(
            "send a 1on1 message",
            format!(
                "message {}; the 1on1 history holds {}",
                sent.id().unwrap_or("(no id)"),
                history.messages().len()
            ),
        );
        let peer_jid = client
            .call(&GetChatsRoomParticipants::new(jid))?
            .participants
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.user.as_ref().and_then(|u| u.id.as_deref()) == Some(peer.as_str()))
            .and_then(|p| p.jid);
        client.call(&DeleteChatsRoomParticipant::new(jid, peer))?;
        let left = client.call(&GetChatsRoomParticipants::new(jid))?;
        step(
            "remove a participant",
            format!(
                "{} left; {} participants remain",
                peer_jid.unwrap_or_else(|| peer.clone()),
                left.participants.map_or(0, |p| p.len())
            ),
        );
    } else {
        step(
            "1on1 and participants",
            "skipped: set GENESYSCLOUD_CHAT_PEER_USER_ID".to_owned(),
        );
    }

    // 7. Settings.
    let org = client.call(&GetChatsSettings::new())?;
    let changed = client.call(&PatchChatsSettings::new(ChatSettings::with_retention_days(
        90,
    )))?;
    let mine = client.call(&GetChatsUsersMeSettings::new())?;
    let updated = client.call(&PatchChatsUsersMeSettings::new(
        genesys_chat::models::UserSettingsForChat::default().notify(NotifyWhen::OnlyWhenInactive),
    ))?;
    step(
        "read and change settings",
        format!(
            "retention {} -> {} days; my mobile notifications {} -> {}",
            days(org.message_retention_period_days),
            days(changed.message_retention_period_days),
            when(&mine),
            when(&updated)
        ),
    );

    // 8. A handled error: a room holds at most 5 pins. The core refuses a 6-id request
    // before sending it; pinning one at a time, the service answers 400.
    let too_many: Vec<String> = (0..6).map(|n| format!("id-{n}")).collect();
    match client.call(&PostChatsRoomMessagesPins::new(
        jid,
        PinnedMessageRequest::new(too_many),
    )) {
        Err(e @ Error::InvalidInput { .. }) => step("refused before sending", e.to_string()),
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }
    for n in 0..5 {
        let extra = client.call(&PostChatsRoomMessages::new(
            jid,
            SendMessageBody::new(format!("pin me {n}")),
        ))?;
        let result = client.call(&PostChatsRoomMessagesPins::new(
            jid,
            PinnedMessageRequest::new([extra.id.ok_or("the service gave the message no id")?]),
        ));
        if let Err(e) = result {
            let api = e.api().ok_or_else(|| format!("unexpected error: {e}"))?;
            step(
                "handle an API error",
                format!(
                    "pin #{} refused: HTTP {} {} (correlation id {})",
                    n + 2,
                    api.status,
                    api.code().unwrap_or("?"),
                    api.correlation_id.as_deref().unwrap_or("none")
                ),
            );
            break;
        }
    }

    println!("done: the whole session ran");
    Ok(())
}

/// The real service when configured, else the emulator on loopback with a real login.
fn connect() -> Result<Target, Box<dyn std::error::Error>> {
    if std::env::var_os("GENESYSCLOUD_REGION").is_some() {
        let client = Client::from_env()?;
        println!(
            "target: the real service, {}",
            client.config().api_base_url()
        );
        let peers = std::env::var("GENESYSCLOUD_CHAT_PEER_USER_ID")
            .ok()
            .into_iter()
            .collect();
        return Ok(Target {
            client,
            peers,
            _server: None,
        });
    }

    let server = Server::start_default()?;
    let base = server.base_url();
    println!(
        "target: the emulator at {base} (set GENESYSCLOUD_REGION and credentials for the real service)"
    );
    // Log in with client credentials, as a real integration would: the client fetches a
    // token on first use and renews it before it expires.
    let client = Client::builder(Config::with_base_url(&base)?)
        .credentials(Credentials::client_credentials(
            Emulator::DEFAULT_CLIENT_ID,
            Emulator::DEFAULT_CLIENT_SECRET,
        ))
        .build()?;
    client.call(&GetChatsUsersMeSettings::new())?;
    step(
        "log in with client credentials",
        format!(
            "{} token request; the token is renewed before it expires",
            server.emulator().counters().token_requests
        ),
    );
    let peers = ["bob", "carol"]
        .iter()
        .filter_map(|name| server.emulator().user(name).map(|u| u.id.clone()))
        .collect();
    Ok(Target {
        client,
        peers,
        _server: Some(server),
    })
}

fn when(settings: &genesys_chat::models::UserSettingsForChat) -> String {
    settings
        .notify_when()
        .map_or_else(|| "unset".to_owned(), |w| w.to_string())
}

fn days(days: Option<u32>) -> String {
    days.map_or_else(|| "unset".to_owned(), |d| d.to_string())
}

fn step(what: &str, detail: String) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STEP: AtomicUsize = AtomicUsize::new(1);
    let n = STEP.fetch_add(1, Ordering::Relaxed);
    println!("{n:>2}. {what:<32} {detail}");
}
