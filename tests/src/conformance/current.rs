//! The current Chat API through [`Caller::call`], against the loopback emulator (and one
//! scripted server): "my chats" page by page, the caller's own settings created, patched
//! and deleted, and per-call headers: on the wire when allowed, refused before anything is
//! sent when the client owns them.
//!
//! Per-call options travel inside the operation ([`WithCallOptions`], the owned form of
//! the core's `Operation::with_options`), so every subject runs them through its plain
//! `call`.

use std::sync::Arc;

use genesys_chat::auth::Credentials;
use genesys_chat::models::{
    ChatItemCursorListing, CreateRoomRequest, UserChatSettingsPost, UserSettingsForChat,
};
use genesys_chat::operations::{
    DeleteChatsUsersMeSettings, GetChatsSettings, GetChatsUsersMeSettings, GetUsersChatsMe,
    PatchChatsUsersMeSettings, PostChatsRooms, PostChatsUsersMeSettings,
};
use genesys_chat::{CallOptions, Config, Error, Operation, OperationMeta};

use super::raw::{Answer, RawServer, response};
use super::{Caller, Check, Checked, Maker, Settings, TOKEN};
use crate::Emulator;
use crate::server::Server;

/// The checks of this group, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "my chats: 30 rooms come back in order across two pages of 25, page by page",
            run: my_chats_come_back_across_pages::<C>,
        },
        Check {
            name: "the caller's own settings are created, patched and deleted",
            run: the_callers_settings_are_created_patched_and_deleted::<C>,
        },
        Check {
            name: "a per-call header reaches the wire beside the client's authorization",
            run: per_call_headers_reach_the_wire::<C>,
        },
        Check {
            name: "a per-call header the client owns is refused before anything is sent",
            run: an_owned_header_is_refused_before_sending::<C>,
        },
    ]
}

/// An operation with per-call options, owned (so that it can be handed to
/// [`Caller::call`]): the same metadata, output and parsing as `O`, and every request
/// built with [`Operation::to_http_with`], so it carries the options' headers (or is
/// refused before sending when a header cannot be set per call).
#[derive(Debug, Clone)]
pub(super) struct WithCallOptions<O> {
    op: O,
    options: CallOptions,
}

impl<O> WithCallOptions<O> {
    /// `op` with `options`.
    pub(super) fn new(op: O, options: CallOptions) -> Self {
        WithCallOptions { op, options }
    }
}

impl<O: Operation> Operation for WithCallOptions<O> {
    type Output = O::Output;
    const META: &'static OperationMeta = O::META;

    fn to_http(&self, cfg: &Config) -> Result<http::Request<Vec<u8>>, Error> {
        self.op.to_http_with(cfg, &self.options)
    }

    fn parse(
        &self,
        cfg: &Config,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Self::Output, Error> {
        self.op.parse(cfg, response)
    }
}

/// A loopback emulator with its defaults (users alice, bob, carol, dave).
pub(super) fn emulator() -> Result<Server, Error> {
    Server::start_default().map_err(|e| Error::Config(format!("the emulator could not start: {e}")))
}

/// The kit's settings for `server`, logged in as alice with the emulator's fixed token.
pub(super) fn settings(server: &Server) -> Result<Settings, Error> {
    let mut settings = Settings::new(server.base_url());
    settings.credentials = Some(Credentials::token(Emulator::DEFAULT_TOKEN)?);
    Ok(settings)
}

/// Creates a room named `name` through `client`; its JID.
pub(super) fn room<C: Caller + ?Sized>(client: &C, name: &str) -> Result<String, Error> {
    let created = client.call(PostChatsRooms::new(CreateRoomRequest::new(name)))?;
    created
        .output
        .jid
        .ok_or_else(|| Error::Config("the emulator gave the new room no jid".to_owned()))
}

fn my_chats_come_back_across_pages<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = emulator()?;
    let client = make(&settings(&server)?)?;
    let mut jids = Vec::new();
    for i in 0..30 {
        jids.push(room(&client, &format!("room {i}"))?);
    }
    jids.sort();
    let mut pages: Vec<ChatItemCursorListing> = Vec::new();
    let mut next = Some(GetUsersChatsMe::new().include_room_owners(true));
    while let Some(request) = next.take() {
        assert!(pages.len() < 5, "more than 5 pages for 30 chats");
        let page = client.call(request.clone())?.output;
        next = request.next_page(&page)?;
        pages.push(page);
    }
    let sizes: Vec<usize> = pages.iter().map(|p| p.chats().len()).collect();
    assert_eq!(sizes, [25, 5], "chats per page");
    let chats: Vec<String> = pages
        .iter()
        .flat_map(|p| p.chats())
        .map(|chat| chat.id.clone().unwrap_or_default())
        .collect();
    assert_eq!(chats, jids);
    let owners = pages[0].chats()[0]
        .room
        .as_ref()
        .and_then(|room| room.owners.as_ref())
        .map(Vec::len);
    assert_eq!(owners, Some(1), "the owners of the first room");
    let next_uri = pages[0].next_uri.clone().unwrap_or_default();
    assert!(
        next_uri.starts_with("/api/v2/users/chats/me?includeRoomOwners=true&after="),
        "{next_uri}"
    );
    assert_eq!(pages[1].next_uri, None, "the last page's nextUri");
    assert_eq!(
        server.emulator().counters().operation("getUsersChatsMe"),
        2,
        "getUsersChatsMe requests"
    );
    Ok(vec![])
}

fn the_callers_settings_are_created_patched_and_deleted<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = emulator()?;
    let client = make(&settings(&server)?)?;
    client.call(PostChatsUsersMeSettings::new(UserChatSettingsPost::new(
        true,
    )))?;
    let read = client.call(GetChatsUsersMeSettings::new())?.output;
    assert_eq!(
        (read.muted, read.mentions_only, read.notify_on_reactions),
        (Some(true), Some(false), Some(true)),
        "(muted, mentionsOnly, notifyOnReactions) after the post"
    );
    let patched = client
        .call(PatchChatsUsersMeSettings::new(
            UserSettingsForChat::default().mentions_only(true),
        ))?
        .output;
    assert_eq!(
        (patched.muted, patched.mentions_only),
        (Some(true), Some(true)),
        "(muted, mentionsOnly) after the patch"
    );
    client.call(DeleteChatsUsersMeSettings::new())?;
    let after = client.call(GetChatsUsersMeSettings::new())?.output;
    assert_eq!(
        (after.muted, after.mentions_only, after.notify_on_reactions),
        (Some(false), Some(false), Some(true)),
        "(muted, mentionsOnly, notifyOnReactions) after the delete"
    );
    let counters = server.emulator().counters();
    let counted: Vec<u64> = [
        "postChatsUsersMeSettings",
        "getChatsUsersMeSettings",
        "patchChatsUsersMeSettings",
        "deleteChatsUsersMeSettings",
    ]
    .iter()
    .map(|id| counters.operation(id))
    .collect();
    assert_eq!(
        counted,
        [1, 2, 1, 1],
        "requests of post, get, patch, delete"
    );
    Ok(vec![])
}

fn per_call_headers_reach_the_wire<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = RawServer::start(|_, _| {
        Answer::Bytes(response(
            "200 OK",
            &[("Content-Type", "application/json")],
            br#"{"messageRetentionPeriodDays":90}"#,
        ))
    });
    let client = make(&Settings::new(server.base_url()))?;
    let options = CallOptions::new().header("X-Request-Tag", "export-7");
    let reply = client.call(WithCallOptions::new(GetChatsSettings::new(), options))?;
    assert_eq!(reply.output.message_retention_period_days, Some(90));
    let requests = server.requests();
    let lines: Vec<&str> = requests.iter().map(|r| r.request_line()).collect();
    assert_eq!(lines, ["GET /api/v2/chats/settings HTTP/1.1"]);
    assert_eq!(
        requests[0].headers("x-request-tag"),
        ["export-7"],
        "x-request-tag"
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}")),
        "authorization"
    );
    Ok(vec![])
}

fn an_owned_header_is_refused_before_sending<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = emulator()?;
    let client = Arc::new(make(&settings(&server)?)?);
    let refused = |name: &str, value: &str| {
        let options = CallOptions::new().header(name, value);
        match client.call(WithCallOptions::new(GetChatsSettings::new(), options)) {
            Ok(reply) => format!("sent, HTTP {}", reply.status),
            Err(e) => format!("{}: {e}", e.is_invalid_input()),
        }
    };
    assert_eq!(
        refused("Authorization", "Bearer other"),
        "true: invalid `headers`: `Authorization` is set by the client and cannot be set per call; leave it out"
    );
    assert_eq!(
        refused("content-length", "0"),
        "true: invalid `headers`: `Content-Length` is set by the client and cannot be set per call; leave it out"
    );
    assert_eq!(
        server.emulator().counters().total,
        0,
        "requests the emulator saw"
    );
    Ok(vec![])
}
