//! History paging: every message once, newest first, across pages; how a history ends
//! (a short page, an empty page, an error yielded once); malformed messages and servers
//! that repeat themselves; against scripted loopback servers and the emulator.
//!
//! Each check reads a history through [`Caller::history`], so a client's own iterator or
//! stream is what is checked; bare stacks page through the core's walk.

use std::sync::Arc;

use genesys_chat::auth::Credentials;
use genesys_chat::models::{CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsRoomMessages, GetChatsThreadMessages, GetChatsUserMessages, PostChatsRoomMessages,
    PostChatsRooms, PostChatsUserMessages,
};
use genesys_chat::paging::Stuck;
use genesys_chat::{Error, History, Timestamp};

use super::raw::{Answer, RawServer, Recorded, response};
use super::{Caller, Check, Checked, Item, Maker, Settings};
use crate::server::Server;
use crate::{Emulator, Fault, FaultRoute, FaultRule};

/// The checks of this group, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "a history reads every page once, newest first, and ends on a short page",
            run: reads_every_page_once_then_ends::<C>,
        },
        Check {
            name: "a history yields an API error once, then ends",
            run: yields_an_api_error_once_and_ends::<C>,
        },
        Check {
            name: "a history without a limit asks for pages of 100, stops on a short page and runs on another thread",
            run: without_a_limit_stops_on_a_short_page_on_another_thread::<C>,
        },
        Check {
            name: "a malformed message is yielded as an error in its place and the history goes on",
            run: a_malformed_message_is_yielded_and_the_history_goes_on::<C>,
        },
        Check {
            name: "a server repeating a page yields each id once, then the repeat error",
            run: a_server_repeating_a_page_yields_each_id_once::<C>,
        },
        Check {
            name: "a server repeating the boundary message yields each id once",
            run: a_server_repeating_the_boundary_message_yields_each_id_once::<C>,
        },
        Check {
            name: "a full page without any date ends the history with an error, not silently",
            run: a_full_page_without_any_date_ends_with_an_error::<C>,
        },
        Check {
            name: "a room history of the emulator yields every message once across pages",
            run: room_history_yields_every_message_once::<C>,
        },
        Check {
            name: "a full last page ends the history on an empty page",
            run: a_full_last_page_ends_on_an_empty_page::<C>,
        },
        Check {
            name: "thread and 1on1 histories of the emulator are read across pages too",
            run: thread_and_1on1_histories_are_read_too::<C>,
        },
        Check {
            name: "an emulator error on the second page is yielded once, then the history ends",
            run: an_emulator_error_is_yielded_once_then_the_history_ends::<C>,
        },
        Check {
            name: "a history page that fails with a 503 is retried inside the history",
            run: a_page_failing_transiently_is_retried_inside_the_history::<C>,
        },
    ]
}

/// The room of the scripted servers.
const ROOM: &str = "private-room@conference.example.com";
/// The request line of its history, up to the query.
const PATH: &str = "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages";
/// More items than any history of this group holds: a history read up to it has ended.
const ALL: usize = 1000;

/// A message of [`ROOM`], as the service writes it, created at second `second`.
fn message(id: &str, second: u32) -> String {
    format!(
        r#"{{"id":"{id}","dateCreated":"2026-11-25T10:00:0{second}.000Z","toJid":"{ROOM}","jid":"user-1@example.com","body":"text {id}","thread":{{"id":"{id}"}}}}"#
    )
}

/// A 200 answer with these messages (JSON texts) as the page's entities.
fn page(messages: &[String]) -> Answer {
    Answer::Bytes(response(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(r#"{{"entities":[{}]}}"#, messages.join(",")).as_bytes(),
    ))
}

/// A 200 answer with a body that is not a page of messages but parses as an empty one.
fn no_entities() -> Answer {
    Answer::Bytes(response(
        "200 OK",
        &[("Content-Type", "application/json")],
        b"{}",
    ))
}

/// Each item as text: the message id, or `error: ` and the error.
fn texts(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            Ok(message) => message.id().unwrap_or("(no id)").to_owned(),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

/// The ids of the items; an error fails the check.
fn ids(items: Vec<Item>) -> Result<Vec<String>, Error> {
    items
        .into_iter()
        .map(|item| item.map(|m| m.id().unwrap_or("(no id)").to_owned()))
        .collect()
}

fn request_lines(server: &RawServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.request_line().to_owned())
        .collect()
}

/// The whole history starting at `first`, read by the client `make` builds for `server`.
fn read_all<C: Caller, H>(
    make: &mut Maker<'_, C>,
    server: &RawServer,
    first: H,
) -> Result<Vec<Item>, Error>
where
    H: History + Send + Sync + 'static,
{
    let client = make(&Settings::new(server.base_url()))?;
    Ok(client.history(first, ALL))
}

fn reads_every_page_once_then_ends<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = RawServer::start(|index, _| match index {
        0 => page(&[message("m5", 5), message("m4", 4)]),
        1 => page(&[message("m3", 3), message("m2", 2)]),
        2 => page(&[message("m1", 1)]),
        _ => Answer::Bytes(response("500 Internal Server Error", &[], b"")),
    });
    let items = read_all(make, &server, GetChatsRoomMessages::new(ROOM).limit(2))?;
    assert_eq!(ids(items)?, ["m5", "m4", "m3", "m2", "m1"]);
    // The short page ended it: no request for more.
    assert_eq!(
        request_lines(&server),
        [
            "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages?limit=2 HTTP/1.1",
            "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages?limit=2&before=2026-11-25T10%3A00%3A04.000Z HTTP/1.1",
            "GET /api/v2/chats/rooms/private-room%40conference.example.com/messages?limit=2&before=2026-11-25T10%3A00%3A02.000Z HTTP/1.1",
        ]
    );
    Ok(vec![])
}

fn yields_an_api_error_once_and_ends<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = RawServer::start(|index, _| match index {
        0 => page(&[message("m5", 5), message("m4", 4)]),
        _ => Answer::Bytes(response(
            "404 Not Found",
            &[
                ("Content-Type", "application/json"),
                ("ININ-Correlation-Id", "corr-404"),
            ],
            br#"{"message":"room not found","code":"not.found","status":404}"#,
        )),
    });
    let items = read_all(make, &server, GetChatsRoomMessages::new(ROOM).limit(2))?;
    assert_eq!(items.len(), 3, "{:?}", texts(&items));
    assert_eq!(items[0].as_ref().map(|m| m.id()).ok(), Some(Some("m5")));
    assert_eq!(items[1].as_ref().map(|m| m.id()).ok(), Some(Some("m4")));
    let api = items[2].as_ref().err().and_then(Error::api);
    let api = api.unwrap_or_else(|| panic!("not an API error: {:?}", items[2]));
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), Some("not.found"));
    assert_eq!(api.correlation_id.as_deref(), Some("corr-404"));
    assert_eq!(api.operation, "getChatsRoomMessages");
    // A 404 is not retried: two requests in all.
    assert_eq!(server.requests().len(), 2);
    Ok(vec![])
}

fn without_a_limit_stops_on_a_short_page_on_another_thread<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = RawServer::start(|index, _| match index {
        0 => page(&[message("m2", 2), message("m1", 1)]),
        _ => page(&[]),
    });
    let client = Arc::new(make(&Settings::new(server.base_url()))?);
    let reader = client.clone();
    let items = std::thread::spawn(move || reader.history(GetChatsRoomMessages::new(ROOM), ALL))
        .join()
        .unwrap_or_else(|_| panic!("the history panicked on its thread"));
    assert_eq!(ids(items)?, ["m2", "m1"]);
    // Without a limit the walk asks for pages of 100: a page of 2 is short, the end.
    assert_eq!(
        request_lines(&server),
        [format!("{PATH}?limit=100 HTTP/1.1")]
    );
    Ok(vec![])
}

fn a_malformed_message_is_yielded_and_the_history_goes_on<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = RawServer::start(|index, _| match index {
        0 => page(&[
            message("m6", 6),
            r#"{"id":"m5","dateCreated":17,"body":"secret text"}"#.to_owned(),
            message("m4", 4),
        ]),
        1 => page(&[message("m3", 3)]),
        _ => no_entities(),
    });
    let items = read_all(make, &server, GetChatsRoomMessages::new(ROOM).limit(3))?;
    let got = texts(&items);
    assert_eq!(
        got,
        [
            "m6",
            "error: item 1 of a page of `getChatsRoomMessages` could not be read and was left out: invalid type: integer `17`, expected a string; the other items were kept",
            "m4",
            "m3",
        ]
    );
    assert!(!got.concat().contains("secret"), "{got:?}");
    assert!(
        !format!("{items:?}").contains("secret"),
        "the Debug output carries the chat text"
    );
    assert_eq!(
        request_lines(&server),
        [
            format!("{PATH}?limit=3 HTTP/1.1"),
            format!("{PATH}?limit=3&before=2026-11-25T10%3A00%3A04.000Z HTTP/1.1"),
        ]
    );
    Ok(vec![])
}

fn a_server_repeating_a_page_yields_each_id_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // Whatever `before` says, the same page.
    let server = RawServer::start(|_, _| page(&[message("m2", 2), message("m1", 1)]));
    let items = read_all(make, &server, GetChatsRoomMessages::new(ROOM).limit(2))?;
    assert_eq!(items.len(), 3, "{:?}", texts(&items));
    assert_eq!(items[0].as_ref().map(|m| m.id()).ok(), Some(Some("m2")));
    assert_eq!(items[1].as_ref().map(|m| m.id()).ok(), Some(Some("m1")));
    let Err(error) = &items[2] else {
        panic!("the third item is not an error: {:?}", items[2]);
    };
    assert_eq!(
        error,
        &Error::HistoryStuck {
            operation: "getChatsRoomMessages",
            reason: Stuck::CursorDidNotMove {
                before: Timestamp::parse("2026-11-25T10:00:01.000Z")?
            },
        }
    );
    match error {
        Error::HistoryStuck { reason, .. } => assert!(reason.is_repeat()),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "the history of `getChatsRoomMessages` stopped early: the service repeated itself: a full page came back whose oldest message is not older than `before` (2026-11-25T10:00:01.000Z), so the next page would be the same again; older messages were not read; ask again later, or page on with `before` set older than the last message returned"
    );
    assert_eq!(server.requests().len(), 2);
    Ok(vec![])
}

fn a_server_repeating_the_boundary_message_yields_each_id_once<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    // A service that counts `before` inclusively: each page starts with the last one's
    // oldest message.
    let server = RawServer::start(|index, _| match index {
        0 => page(&[message("m3", 3), message("m2", 2)]),
        1 => page(&[message("m2", 2), message("m1", 1)]),
        2 => page(&[message("m1", 1)]),
        _ => no_entities(),
    });
    let items = read_all(make, &server, GetChatsRoomMessages::new(ROOM).limit(2))?;
    assert_eq!(texts(&items), ["m3", "m2", "m1"]);
    assert_eq!(server.requests().len(), 3);
    Ok(vec![])
}

fn a_full_page_without_any_date_ends_with_an_error<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = RawServer::start(|index, _| match index {
        0 => page(&[r#"{"id":"m2"}"#.to_owned(), r#"{"id":"m1"}"#.to_owned()]),
        _ => no_entities(),
    });
    let items = read_all(make, &server, GetChatsRoomMessages::new(ROOM).limit(2))?;
    assert_eq!(
        texts(&items),
        [
            "m2",
            "m1",
            "error: the history of `getChatsRoomMessages` stopped early: none of the 2 items of a full page has a `dateCreated`, so older messages cannot be asked for; they were not read; page on with `before` set explicitly",
        ]
    );
    assert_eq!(server.requests().len(), 1);
    Ok(vec![])
}

/// Alice's settings against an emulator at `base_url`.
fn alice(base_url: String) -> Result<Settings, Error> {
    let mut settings = Settings::new(base_url);
    settings.credentials = Some(Credentials::token(Emulator::DEFAULT_TOKEN)?);
    Ok(settings)
}

fn emulator() -> Result<Server, Error> {
    Server::start_default().map_err(|e| Error::Config(format!("the emulator could not start: {e}")))
}

fn bob_id(emulator: &Emulator) -> Result<String, Error> {
    emulator
        .user("bob")
        .map(|bob| bob.id.clone())
        .ok_or_else(|| Error::Config("the emulator has no user bob".to_owned()))
}

/// A room of alice's with bob in it: its jid.
fn room<C: Caller>(client: &C, emulator: &Emulator) -> Result<String, Error> {
    let request = CreateRoomRequest::new("History").user_ids([bob_id(emulator)?]);
    let room = client.call(PostChatsRooms::new(request))?.output;
    room.jid
        .ok_or_else(|| Error::Config("the new room has no jid".to_owned()))
}

/// Posts `text` to the room `jid` (in the thread `thread`, if any): the message id.
fn post<C: Caller>(
    client: &C,
    jid: &str,
    text: String,
    thread: Option<&str>,
) -> Result<String, Error> {
    let mut body = SendMessageBody::new(text);
    if let Some(root) = thread {
        body = body.thread_id(root);
    }
    let sent = client.call(PostChatsRoomMessages::new(jid, body))?.output;
    sent.id
        .ok_or_else(|| Error::Config("the sent message has no id".to_owned()))
}

/// Posts `count` messages `message 0`, `message 1`, … to the room: their ids, newest
/// first.
fn post_many<C: Caller>(client: &C, jid: &str, count: usize) -> Result<Vec<String>, Error> {
    let mut posted = (0..count)
        .map(|i| post(client, jid, format!("message {i}"), None))
        .collect::<Result<Vec<_>, _>>()?;
    posted.reverse();
    Ok(posted)
}

/// A loopback emulator, alice's client on it and a room of hers with bob in it.
fn alice_room<C: Caller>(make: &mut Maker<'_, C>) -> Result<(Server, C, String), Error> {
    let server = emulator()?;
    let client = make(&alice(server.base_url())?)?;
    let jid = room(&client, server.emulator())?;
    Ok((server, client, jid))
}

/// Posts `count` messages to a new room, then reads its whole history in pages of
/// `limit`: the ids posted (newest first), the ids read, and the page requests.
fn post_then_read<C: Caller>(
    make: &mut Maker<'_, C>,
    count: usize,
    limit: u32,
) -> Result<(Vec<String>, Vec<String>, u64), Error> {
    let (server, client, jid) = alice_room(make)?;
    let posted = post_many(&client, &jid, count)?;
    let read = ids(client.history(GetChatsRoomMessages::new(&jid).limit(limit), ALL))?;
    let requests = server
        .emulator()
        .counters()
        .operation("getChatsRoomMessages");
    Ok((posted, read, requests))
}

fn room_history_yields_every_message_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let (posted, read, requests) = post_then_read(make, 7, 3)?;
    assert_eq!(read, posted);
    // Pages of 3, 3 and 1: the short page ends the history.
    assert_eq!(requests, 3);
    Ok(vec![])
}

fn a_full_last_page_ends_on_an_empty_page<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let (posted, read, requests) = post_then_read(make, 4, 2)?;
    assert_eq!(read, posted);
    // Pages of 2, 2 and an empty one, and no request after it.
    assert_eq!(requests, 3);
    Ok(vec![])
}

fn thread_and_1on1_histories_are_read_too<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let (server, client, jid) = alice_room(make)?;
    let root = post(&client, &jid, "root".to_owned(), None)?;
    let mut thread = vec![root.clone()];
    for i in 0..4 {
        thread.push(post(&client, &jid, format!("reply {i}"), Some(&root))?);
    }
    thread.reverse();
    let items = client.history(GetChatsThreadMessages::new(&root).limit(2), ALL);
    assert_eq!(ids(items)?, thread);

    let bob = bob_id(server.emulator())?;
    let mut direct = Vec::new();
    for i in 0..5 {
        let body = SendMessageBody::new(format!("direct {i}"));
        let sent = client.call(PostChatsUserMessages::new(&bob, body))?.output;
        direct.push(sent.id.unwrap_or_default());
    }
    direct.reverse();
    let items = client.history(GetChatsUserMessages::new(&bob).limit(2), ALL);
    assert_eq!(ids(items)?, direct);
    Ok(vec![])
}

/// Hands a request read off the wire to the in-process `emulator` and writes its answer
/// back.
fn through(emulator: &Emulator, request: &Recorded) -> Answer {
    let mut builder = http::Request::builder()
        .method(request.method())
        .uri(request.target());
    for line in request.head.lines().skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            builder = builder.header(name.trim(), value.trim());
        }
    }
    let Ok(forwarded) = builder.body(request.body.clone()) else {
        return Answer::Close;
    };
    let answer = emulator.handle(forwarded);
    let status = answer.status();
    let headers: Vec<(String, String)> = answer
        .headers()
        .iter()
        .filter(|(name, _)| *name != http::header::CONTENT_LENGTH)
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let status_line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Status")
    );
    Answer::Bytes(response(&status_line, &headers, answer.body()))
}

fn an_emulator_error_is_yielded_once_then_the_history_ends<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let emulator = Arc::new(Emulator::new());
    // The emulator behind a scripted front that arms a 404 as the second page (the
    // first request with `before`) is asked for: the first page succeeds, the second
    // answers 404.
    let front = {
        let emulator = emulator.clone();
        RawServer::start(move |_, request| {
            if request.target().contains("before=") {
                if let Some(route) = FaultRoute::operation("getChatsRoomMessages") {
                    let _ = emulator.add_fault(FaultRule::once(route, Fault::status(404)));
                }
            }
            through(&emulator, request)
        })
    };
    let client = make(&alice(front.base_url())?)?;
    let jid = room(&client, &emulator)?;
    let posted = post_many(&client, &jid, 4)?;
    let items = client.history(GetChatsRoomMessages::new(&jid).limit(2), ALL);
    assert_eq!(items.len(), 3, "{:?}", texts(&items));
    let first: Vec<String> = ids(items[..2].to_vec())?;
    assert_eq!(first, posted[..2]);
    let Err(error) = &items[2] else {
        panic!("the third item is not an error: {:?}", items[2]);
    };
    assert_eq!(error.status(), Some(404));
    assert_eq!(
        error.api().map(|api| api.operation),
        Some("getChatsRoomMessages")
    );
    // Two pages asked for, no more.
    let counters = emulator.counters();
    assert_eq!(counters.operation("getChatsRoomMessages"), 2);
    Ok(vec![])
}

fn a_page_failing_transiently_is_retried_inside_the_history<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let (server, client, jid) = alice_room(make)?;
    let posted = post_many(&client, &jid, 3)?;
    let rule = FaultRule::once(
        FaultRoute::operation("getChatsRoomMessages")
            .ok_or_else(|| Error::Config("no such operation".to_owned()))?,
        Fault::status(503),
    );
    server
        .emulator()
        .add_fault(rule)
        .map_err(|e| Error::Config(format!("the fault was refused: {e}")))?;
    let items = client.history(GetChatsRoomMessages::new(&jid).limit(2), ALL);
    assert_eq!(ids(items)?, posted);
    // Page 1 twice (503, then 200), page 2 once.
    let counters = server.emulator().counters();
    assert_eq!(counters.operation("getChatsRoomMessages"), 3);
    Ok(vec![])
}
