//! What the clients' own surface must do, written once for the suites of both clients:
//! the methods of every operation, request values, the "my chats" iterator or stream,
//! per-call options and whole histories. Each client's suite calls its own methods and
//! hands what came back to these functions, which hold the expected values (literal
//! counts, texts and request tallies).
//!
//! ```ignore
//! let server = Server::start_default()?;
//! let client = Client::new(front_door::config(&server)?)?;
//! // … call every operation through the client's methods …
//! front_door::assert_every_operation_ran_once(&server);
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use genesys_chat::client::{ClientBuilder, FromSettings};
use genesys_chat::models::{
    ChatItem, ChatMessageEntityListing, ChatMessageResponse, ChatSettings, CreateRoomRequest,
    SendMessageBody,
};
use genesys_chat::operations::{self, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{CallOptions, Config, Error, HistoryQuery, Operation, Reply, RetryPolicy};

use crate::server::Server;
use crate::{Emulator, Fault, FaultRoute, FaultRule};

/// The configuration of a client of `server`: its base URL and alice's token
/// ([`Emulator::DEFAULT_TOKEN`]).
pub fn config(server: &Server) -> Result<Config, Error> {
    Config::with_base_url(&server.base_url())?.with_token(Emulator::DEFAULT_TOKEN)
}

/// A retry policy of the default attempts with backoff of a few milliseconds, so that a
/// retried call is quick.
pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// The builder of client `C` for `server`: [`config`], with [`quick_retry`].
pub fn builder<C: FromSettings>(server: &Server) -> Result<ClientBuilder<C>, Error> {
    Ok(ClientBuilder::new(config(server)?).retry(quick_retry()))
}

/// Runs `op` on the in-process emulator of `server` as alice, without a client.
fn direct<O: Operation>(server: &Server, op: &O) -> Result<O::Output, Error> {
    let cfg = Config::with_base_url("http://127.0.0.1")?.with_token(Emulator::DEFAULT_TOKEN)?;
    op.parse(&cfg, &server.emulator().handle(op.to_http(&cfg)?))
}

/// Creates a room through the in-process emulator (no request on the wire) and posts
/// `texts` to it, oldest first; the room's JID.
pub fn room_with<I, T>(server: &Server, texts: I) -> Result<String, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    let room = direct(
        server,
        &PostChatsRooms::new(CreateRoomRequest::new("Seeded")),
    )?;
    let jid = room
        .jid
        .ok_or_else(|| Error::Config("the emulator gave the new room no jid".to_owned()))?;
    for text in texts {
        direct(
            server,
            &PostChatsRoomMessages::new(&jid, SendMessageBody::new(text)),
        )?;
    }
    Ok(jid)
}

/// Creates `n` empty rooms through the in-process emulator; their JIDs, sorted (the order
/// "my chats" lists them in).
pub fn rooms(server: &Server, n: usize) -> Result<Vec<String>, Error> {
    let mut jids = (0..n)
        .map(|_| room_with(server, Vec::<String>::new()))
        .collect::<Result<Vec<_>, _>>()?;
    jids.sort();
    Ok(jids)
}

/// Checks what a "my chats" iterator or stream handed out over the rooms of [`rooms`]:
/// every room's JID, in order, in `pages` requests (pages of 25).
///
/// # Panics
///
/// When another chat, order or number of requests was seen.
pub fn assert_my_chats(
    server: &Server,
    jids: &[String],
    chats: Vec<Result<ChatItem, Error>>,
    pages: u64,
) {
    let ids: Vec<String> = chats
        .into_iter()
        .map(|chat| match chat {
            Ok(chat) => chat.id.unwrap_or_default(),
            Err(e) => panic!("a chat failed: {e}"),
        })
        .collect();
    assert_eq!(ids, jids, "the chats");
    let requests = server.emulator().counters().operation("getUsersChatsMe");
    assert_eq!(
        requests,
        pages,
        "getUsersChatsMe requests for {} chats",
        jids.len()
    );
}

/// The messages of the room a request-value test reads, oldest first.
pub const QUERY_TEXTS: [&str; 3] = ["one", "two", "three"];

/// A room no service knows.
pub const UNKNOWN_ROOM: &str = "no-such-room@conference.example.orgspan.com";

/// What a client's request value for `getChatsRoomMessages` handed back, over a room of
/// [`QUERY_TEXTS`] (see [`assert_request_value`]).
#[derive(Debug)]
pub struct RequestValue {
    /// The query of the request value `.limit(2).exclude_metadata(true)`.
    pub query: HistoryQuery,
    /// That request value sent with the per-call header `X-Request-Tag: front-door`.
    pub first_page: Result<Reply<ChatMessageEntityListing>, Error>,
    /// A request value sent with the per-call header `Host`, which the client owns.
    pub owned_header: Result<ChatMessageEntityListing, Error>,
    /// The history of the request value `.limit(2)`, every item.
    pub history: Vec<Result<ChatMessageResponse, Error>>,
    /// `getChatsRoom` of [`UNKNOWN_ROOM`].
    pub unknown_room: Result<(), Error>,
}

/// Checks a [`RequestValue`]: the query kept, the newest two messages in one 200, the
/// owned header refused before sending, the history newest first across pages, the
/// unknown room matched by kind.
///
/// # Panics
///
/// When an expectation does not hold.
pub fn assert_request_value(seen: RequestValue) {
    assert_eq!(seen.query.limit, Some(2), "the request value's limit");
    assert_eq!(
        seen.query.exclude_metadata,
        Some(true),
        "its excludeMetadata"
    );
    match &seen.first_page {
        Ok(reply) => {
            let texts: Vec<&str> = reply.output.messages().iter().map(|m| m.body()).collect();
            assert_eq!(texts, ["three", "two"], "the first page");
            assert_eq!(reply.status, 200);
        }
        Err(e) => panic!("the first page failed: {e}"),
    }
    match &seen.owned_header {
        Err(e) => assert!(e.is_invalid_input(), "{e}"),
        Ok(_) => panic!("a request with a per-call `Host` was sent"),
    }
    let all: Vec<&str> = seen
        .history
        .iter()
        .map(|m| m.as_ref().map_or("(an error)", |m| m.body()))
        .collect();
    assert_eq!(all, ["three", "two", "one"], "the history");
    match &seen.unknown_room {
        Err(e) => assert!(e.is_not_found(), "{e}"),
        Ok(()) => panic!("the unknown room was found"),
    }
}

/// Checks that every operation of both tables (`operations::ALL` and
/// `operations::USERS`, 35 in all) reached the emulator exactly once, under its own id.
///
/// # Panics
///
/// When an operation was received another number of times, or the tables do not hold 35.
pub fn assert_every_operation_ran_once(server: &Server) {
    let counters = server.emulator().counters();
    let counted: BTreeMap<&str, u64> = operations::ALL
        .iter()
        .chain(operations::USERS)
        .map(|meta| (meta.id, counters.operation(meta.id)))
        .collect();
    assert_eq!(counted.len(), 35, "operations in the tables");
    let not_once: Vec<_> = counted.iter().filter(|(_, n)| **n != 1).collect();
    assert!(not_once.is_empty(), "not received once: {not_once:?}");
}

/// The messages [`history_costs`] puts in each room, with what reading the whole history
/// must cost: (messages, messages read, `getChatsRoomMessages` requests). No page size is
/// set, so pages of 100 are asked for and a short page ends the history: ⌊N / 100⌋ + 1.
pub const HISTORY_COSTS: [(usize, usize, u64); 4] =
    [(0, 0, 1), (99, 99, 1), (100, 100, 2), (250, 250, 3)];

/// For each room size of [`HISTORY_COSTS`], seeds a room and reads its whole history with
/// `read_all` (the JID in, the messages read out); what each cost, to compare with
/// [`HISTORY_COSTS`].
pub fn history_costs(
    server: &Server,
    mut read_all: impl FnMut(&str) -> usize,
) -> Result<Vec<(usize, usize, u64)>, Error> {
    let mut seen = Vec::new();
    for (n, _, _) in HISTORY_COSTS {
        let jid = room_with(server, (0..n).map(|i| format!("m{i}")))?;
        let requests = || {
            server
                .emulator()
                .counters()
                .operation("getChatsRoomMessages")
        };
        let before = requests();
        let read = read_all(&jid);
        seen.push((n, read, requests().saturating_sub(before)));
    }
    Ok(seen)
}

/// Checks per-call options against the client's own, on a client `C` the function
/// builds with [`builder`] (so its policy retries a 503) for an emulator it starts;
/// `reply_with` runs `getChatsSettings` with the options given, the way the client does
/// (`reply_with`). Returns the client, for checks of its own.
///
/// One 503: the client's policy retries (2 attempts), a per-call `no_retry` does not
/// (HTTP 503); a 3 s delay: a per-call attempt timeout of 200 ms, and separately a
/// per-call total timeout of 300 ms, give up with a transport error within 2 s.
///
/// # Panics
///
/// When the emulator or the client cannot start, or an expectation does not hold.
pub fn assert_per_call_retry_and_timeouts_override_the_clients<C: FromSettings>(
    reply_with: impl Fn(
        &C,
        &operations::GetChatsSettings,
        &CallOptions,
    ) -> Result<Reply<ChatSettings>, Error>,
) -> C {
    let server = Server::start_default().unwrap_or_else(|e| panic!("the emulator: {e}"));
    let client = builder::<C>(&server)
        .and_then(ClientBuilder::build)
        .unwrap_or_else(|e| panic!("the client: {e}"));
    let reply_with =
        |options: &CallOptions| reply_with(&client, &operations::GetChatsSettings::new(), options);
    let emulator = server.emulator();
    let fault = |fault: Fault| {
        let route = FaultRoute::of::<operations::GetChatsSettings>();
        assert!(
            emulator
                .add_fault(FaultRule::new(route, fault).times(1))
                .is_ok()
        );
    };
    fault(Fault::status(503));
    let options = CallOptions::new().header("X-Request-Tag", "a");
    match reply_with(&options) {
        Ok(reply) => assert_eq!(reply.attempts, 2, "attempts with the client's policy"),
        Err(e) => panic!("the client's policy did not retry the 503: {e}"),
    }
    fault(Fault::status(503));
    match reply_with(&CallOptions::new().no_retry()) {
        Err(e) => assert_eq!(e.status(), Some(503), "{e}"),
        Ok(reply) => panic!("a per-call no_retry retried: {} attempts", reply.attempts),
    }
    let per_call = [
        CallOptions::new()
            .attempt_timeout(Duration::from_millis(200))
            .no_retry(),
        CallOptions::new().total_timeout(Duration::from_millis(300)),
    ];
    for options in per_call {
        fault(Fault::delay(Duration::from_secs(3)));
        let started = Instant::now();
        let result = reply_with(&options);
        let elapsed = started.elapsed();
        assert!(
            matches!(result, Err(Error::Transport { .. })),
            "{options:?}: {result:?}"
        );
        assert!(
            elapsed < Duration::from_secs(2),
            "{options:?} took {elapsed:?}"
        );
    }
    // What a delayed answer left behind is gone before the next check.
    emulator.clear_faults();
    client
}
