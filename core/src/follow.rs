//! Following a conversation, without I/O: what to ask next, which messages are new, and
//! where to resume. The clients' `follow` loops are this, plus sending each request and
//! sleeping between polls.
//!
//! A [`Follower`] polls a history (a room, a thread or a 1on1) with `after` set just
//! below the last message it handed out, and hands out the new messages **oldest first**,
//! each once. The service answers the **newest** `limit` messages of a window, so when
//! more than a page arrived between two polls, a full page is followed at once (without
//! waiting) by requests for the older part of the same window (`before` set to the
//! oldest message received), until a short page proves that nothing is missing; only
//! then are the messages of the round handed out, oldest first.
//!
//! ```
//! use genesys_chat::{Timestamp, follow::Follower, models::*, operations::GetChatsRoomMessages};
//!
//! let message = |id: &str, at: &str| ChatMessageResponse {
//!     id: Some(id.into()),
//!     date_created: Some(Timestamp::parse(at).unwrap()),
//!     ..Default::default()
//! };
//! let mut follow = Follower::new(GetChatsRoomMessages::new("room@conference.example.com"));
//! // The first request finds the newest message: what came before is not handed out.
//! let start = follow.next_request().expect("the start");
//! assert!(!start.after_interval);
//! follow.receive(&start.request, ChatMessageEntityListing::of(vec![message("m1", "2026-11-25T10:00:01.000Z")]));
//! assert!(follow.next_item().is_none());
//! // Then a poll, after the interval, just below the newest message.
//! let poll = follow.next_request().expect("a poll");
//! assert!(poll.after_interval);
//! assert_eq!(poll.request.query.after, Some(Timestamp::parse("2026-11-25T10:00:00.999Z")?));
//! follow.receive(&poll.request, ChatMessageEntityListing::of(vec![
//!     message("m3", "2026-11-25T10:00:03.000Z"),
//!     message("m2", "2026-11-25T10:00:02.000Z"),
//!     message("m1", "2026-11-25T10:00:01.000Z"),
//! ]));
//! let ids: Vec<_> = std::iter::from_fn(|| follow.next_item()).map(|m| m.unwrap().id.unwrap()).collect();
//! assert_eq!(ids, ["m2", "m3"]);
//! // The resume point, to save and pass to `Follower::resume` after a restart.
//! let cursor = follow.cursor().expect("two messages were handed out");
//! assert_eq!(cursor.date_created, Timestamp::parse("2026-11-25T10:00:03.000Z")?);
//! assert_eq!(cursor.ids, ["m3"]);
//! # Ok::<(), genesys_chat::Error>(())
//! ```
//!
//! # What is reported
//!
//! New messages only: an edit or a delete of a message already handed out changes no
//! `dateCreated`, so it is not reported (read the message again, or the history, for
//! its current state). A message of a page that cannot be read is handed out as
//! [`Error::MalformedItem`] as soon as its page arrives.
//!
//! # Messages without `dateCreated` or `id`
//!
//! Every response field is optional, these two included, and following needs them to
//! hand out each message exactly once:
//!
//! - a message without `dateCreated` but with an `id` is handed out once (its id is
//!   remembered for the rest of the follow) and does not move the resume point;
//! - a message without `id` is handed out when its `dateCreated` is newer than the last
//!   message handed out; one sharing the exact millisecond of a message handed out before
//!   cannot be told apart from it and is left out;
//! - a message with neither is handed out as [`Error::MalformedItem`] (it cannot be told
//!   apart from one handed out before), and the follow goes on;
//! - when the start finds messages but none with a `dateCreated`, there is no "now" to
//!   follow from: the follow ends with [`Error::HistoryStuck`] ([`Stuck::NoDateCreated`]).
//!
//! # Resuming
//!
//! [`Follower::cursor`] is the point after the last message handed out (its
//! `dateCreated`, and the ids handed out at that exact millisecond); a follow made with
//! [`Follower::resume`] from a saved cursor hands out exactly the messages after it,
//! none twice and none missed. A request that sets `after` itself starts after that
//! instant (exclusive) instead of now.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use crate::models::{ChatMessageEntityListing, ChatMessageResponse};
use crate::paging::{HISTORY_PAGE_SIZE, History, Stuck};
use crate::{Error, Timestamp};

/// The pause between two polls unless the client is told otherwise: 2 seconds.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Where a follow resumes: every message before `date_created` was handed out, and of
/// those at exactly `date_created` (to the millisecond), the ones in `ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The `dateCreated` of the last message handed out.
    pub date_created: Timestamp,
    /// The ids of the messages handed out with exactly that `dateCreated`.
    pub ids: Vec<String>,
}

impl Cursor {
    /// The point just after `message`, for a message the caller handled itself (e.g.
    /// the last one of a history it read); `None` without a `dateCreated`.
    pub fn after(message: &ChatMessageResponse) -> Option<Self> {
        Some(Cursor {
            date_created: message.date_created()?.clone(),
            ids: message.id().map(str::to_owned).into_iter().collect(),
        })
    }

    /// Whether `message`, of this date, was handed out before this point.
    fn covers(&self, date: &Timestamp, id: Option<&str>) -> bool {
        match date.cmp(&self.date_created) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => match id {
                Some(id) => self.ids.iter().any(|seen| seen == id),
                // Without an id it cannot be told apart from one handed out.
                None => true,
            },
            std::cmp::Ordering::Greater => false,
        }
    }

    /// Moves the point past a message handed out.
    fn advance(cursor: &mut Option<Cursor>, message: &ChatMessageResponse) {
        let Some(date) = message.date_created() else {
            return;
        };
        match cursor {
            Some(c) if *date < c.date_created => {}
            Some(c) if *date == c.date_created => {
                if let Some(id) = message.id() {
                    if !c.ids.iter().any(|seen| seen == id) {
                        c.ids.push(id.to_owned());
                    }
                }
            }
            _ => *cursor = Cursor::after(message),
        }
    }
}

/// A request a [`Follower`] asks to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowRequest<H> {
    /// The request.
    pub request: H,
    /// Whether to wait the poll interval before sending it: `true` for a poll, `false`
    /// for the start and for the older part of a window a full page did not hold.
    pub after_interval: bool,
}

/// Where the follow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The first request: finding the newest message, not handed out.
    Start,
    /// Polling (and paging back within a window).
    Polling,
    /// Ended after an error that waiting cannot heal.
    Ended,
}

/// The pure state of following a history: see the [module docs](self).
#[derive(Debug)]
pub struct Follower<H> {
    /// The history request, with the page size set and no `before` or `after`.
    template: H,
    phase: Phase,
    /// The point after the last message handed out by [`Follower::next_item`].
    delivered: Option<Cursor>,
    /// The point after the last message queued: where the next window starts.
    horizon: Option<Cursor>,
    /// The messages of the current window, newest first, and their ids.
    round: Vec<ChatMessageResponse>,
    round_ids: HashSet<String>,
    /// The ids of messages without `dateCreated` handed out.
    undated: HashSet<String>,
    next: Option<FollowRequest<H>>,
    pending: VecDeque<Result<ChatMessageResponse, Error>>,
}

impl<H: History> Follower<H> {
    /// Follows the history of `request` from now on: the first request reads its newest
    /// messages, which are not handed out. With `after` set on `request`, from that
    /// instant instead (exclusive). Without a `limit`, pages of [`HISTORY_PAGE_SIZE`]
    /// (100) are asked for; `before` is ignored.
    pub fn new(request: H) -> Self {
        let after = request.query().after.clone();
        let mut follower = Follower::with_template(request);
        match after {
            Some(after) => {
                let start = match after.unix_millis() {
                    // Everything up to and including `after` counts as handed out.
                    Some(ms) => Cursor {
                        date_created: Timestamp::from_unix_millis(ms.saturating_add(1)),
                        ids: Vec::new(),
                    },
                    None => Cursor {
                        date_created: after,
                        ids: Vec::new(),
                    },
                };
                follower.resume_at(start);
            }
            None => {
                follower.next = Some(FollowRequest {
                    request: follower.template.clone(),
                    after_interval: false,
                });
            }
        }
        follower
    }

    /// Follows the history of `request` from a saved [`Cursor`]: hands out exactly the
    /// messages after it. The first poll is sent at once.
    pub fn resume(request: H, cursor: Cursor) -> Self {
        let mut follower = Follower::with_template(request);
        follower.resume_at(cursor);
        follower
    }

    fn with_template(mut request: H) -> Self {
        let query = request.query_mut();
        query.before = None;
        query.after = None;
        if query.limit.is_none() {
            query.limit = Some(HISTORY_PAGE_SIZE);
        }
        Follower {
            template: request,
            phase: Phase::Start,
            delivered: None,
            horizon: None,
            round: Vec::new(),
            round_ids: HashSet::new(),
            undated: HashSet::new(),
            next: None,
            pending: VecDeque::new(),
        }
    }

    fn resume_at(&mut self, cursor: Cursor) {
        self.phase = Phase::Polling;
        self.delivered = Some(cursor.clone());
        self.horizon = Some(cursor);
        self.next = Some(FollowRequest {
            request: self.poll(),
            after_interval: false,
        });
    }

    /// The point after the last message handed out by [`Follower::next_item`]: save it
    /// to resume with [`Follower::resume`]. `None` before any message with a
    /// `dateCreated` was seen (from the start of a history that was empty).
    pub fn cursor(&self) -> Option<&Cursor> {
        self.delivered.as_ref()
    }

    /// The page size asked for.
    pub fn page_size(&self) -> u32 {
        self.template.query().limit.unwrap_or(HISTORY_PAGE_SIZE)
    }

    /// Whether the follow has ended (after an error that waiting cannot heal, or a start
    /// with nothing to follow from).
    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended && self.pending.is_empty()
    }

    /// The next message (or malformed item) received and not yet handed out, oldest
    /// first. Handing a message out moves [`Follower::cursor`] past it.
    pub fn next_item(&mut self) -> Option<Result<ChatMessageResponse, Error>> {
        let item = self.pending.pop_front()?;
        if let Ok(message) = &item {
            Cursor::advance(&mut self.delivered, message);
        }
        Some(item)
    }

    /// The request to send once [`Follower::next_item`] has nothing: it is handed out
    /// once, and its answer goes to [`Follower::receive`] (or its error to
    /// [`Follower::failed`]). `None` when the follow has ended, or while a request
    /// handed out has not been answered.
    pub fn next_request(&mut self) -> Option<FollowRequest<H>> {
        self.next.take()
    }

    /// The poll request: the window after the horizon.
    fn poll(&self) -> H {
        let mut request = self.template.clone();
        request.query_mut().after = self.horizon.as_ref().map(|c| {
            // Just below the last message, so that one posted in the same millisecond
            // is not lost; the ones handed out there are recognised by their ids.
            shift(&c.date_created, -1)
        });
        request
    }

    fn schedule_poll(&mut self) {
        self.next = Some(FollowRequest {
            request: self.poll(),
            after_interval: true,
        });
    }

    fn end(&mut self, error: Error) {
        self.pending.push_back(Err(error));
        self.round.clear();
        self.round_ids.clear();
        self.next = None;
        self.phase = Phase::Ended;
    }

    /// Takes the page that `request` (from [`Follower::next_request`]) was answered with.
    pub fn receive(&mut self, request: &H, page: ChatMessageEntityListing) {
        let operation = H::META.id;
        let items = page.page_len();
        let oldest = page
            .messages()
            .iter()
            .filter_map(ChatMessageResponse::date_created)
            .min()
            .cloned();
        for bad in &page.malformed {
            self.pending.push_back(Err(Error::MalformedItem {
                operation,
                index: bad.index,
                reason: bad.reason.clone(),
            }));
        }
        if self.phase == Phase::Start {
            self.start(page, items);
            return;
        }
        for (index, message) in page.entities.unwrap_or_default().into_iter().enumerate() {
            self.take(index, message);
        }
        let full = items >= self.page_size() as usize;
        if !full {
            self.finish_round();
            return;
        }
        // A full page: the window may hold older messages than this page.
        let Some(oldest) = oldest else {
            return self.end(Error::HistoryStuck {
                operation,
                reason: Stuck::NoDateCreated { items },
            });
        };
        // Just above the oldest message, so that others of its millisecond are not lost.
        let before = shift(&oldest, 1);
        if let Some(current) = &request.query().before {
            if before >= *current {
                return self.end(Error::HistoryStuck {
                    operation,
                    reason: Stuck::CursorDidNotMove {
                        before: current.clone(),
                    },
                });
            }
        }
        let mut older = request.clone();
        older.query_mut().before = Some(before);
        self.next = Some(FollowRequest {
            request: older,
            after_interval: false,
        });
    }

    /// The answer to the first request: where "now" is.
    fn start(&mut self, page: ChatMessageEntityListing, items: usize) {
        let messages = page.messages();
        let newest = messages
            .iter()
            .filter_map(ChatMessageResponse::date_created)
            .max()
            .map(|date| Cursor {
                date_created: date.clone(),
                ids: messages
                    .iter()
                    .filter(|m| m.date_created() == Some(date))
                    .filter_map(|m| m.id().map(str::to_owned))
                    .collect(),
            });
        if newest.is_none() && !messages.is_empty() {
            return self.end(Error::HistoryStuck {
                operation: H::META.id,
                reason: Stuck::NoDateCreated { items },
            });
        }
        // Messages without `dateCreated` already there are old too.
        for message in messages {
            if message.date_created().is_none() {
                if let Some(id) = message.id() {
                    self.undated.insert(id.to_owned());
                }
            }
        }
        self.phase = Phase::Polling;
        self.delivered = newest.clone();
        self.horizon = newest;
        self.schedule_poll();
    }

    /// Keeps `message` for this round if it is new.
    fn take(&mut self, index: usize, message: ChatMessageResponse) {
        let id = message.id().map(str::to_owned);
        match (message.date_created(), &id) {
            (None, None) => {
                self.pending.push_back(Err(Error::MalformedItem {
                    operation: H::META.id,
                    index,
                    reason: "the message has neither `id` nor `dateCreated`, so it cannot be \
                             told apart from one handed out before"
                        .to_owned(),
                }));
                return;
            }
            (None, Some(id)) => {
                if self.undated.contains(id) || self.round_ids.contains(id) {
                    return;
                }
            }
            (Some(date), _) => {
                if let Some(horizon) = &self.horizon {
                    if horizon.covers(date, id.as_deref()) {
                        return;
                    }
                }
                match &id {
                    Some(id) if self.round_ids.contains(id) => return,
                    // Without an id, one of a millisecond already in this round is the
                    // same message seen again on the next page.
                    None if self
                        .round
                        .iter()
                        .any(|m| m.id().is_none() && m.date_created() == Some(date)) =>
                    {
                        return;
                    }
                    _ => {}
                }
            }
        }
        if let Some(id) = id {
            self.round_ids.insert(id);
        }
        self.round.push(message);
    }

    /// The window is complete: queue its messages oldest first and poll again.
    fn finish_round(&mut self) {
        let mut round = std::mem::take(&mut self.round);
        self.round_ids.clear();
        // Pages come newest first, and each older page after the last: oldest first is
        // the reverse (a message without `dateCreated` keeps its place).
        round.reverse();
        for message in round {
            match message.date_created() {
                Some(_) => Cursor::advance(&mut self.horizon, &message),
                None => {
                    if let Some(id) = message.id() {
                        self.undated.insert(id.to_owned());
                    }
                }
            }
            self.pending.push_back(Ok(message));
        }
        self.schedule_poll();
    }

    /// The request handed out failed with `error`: the window is asked for again after
    /// the interval, unless waiting cannot heal the error (input or configuration that
    /// can never work, a 400, 401, 403, 404 or 410 of the service, a refused login), in
    /// which case the follow ends. Returns whether it goes on. The caller hands `error`
    /// out itself.
    pub fn failed(&mut self, error: &Error) -> bool {
        self.round.clear();
        self.round_ids.clear();
        let lasting = match error {
            Error::InvalidInput { .. } | Error::Config(_) | Error::OAuth { .. } => true,
            Error::Api(api) => matches!(api.status, 400 | 401 | 403 | 404 | 410),
            _ => false,
        };
        if lasting {
            self.next = None;
            self.phase = Phase::Ended;
            return false;
        }
        if self.phase == Phase::Start {
            self.next = Some(FollowRequest {
                request: self.template.clone(),
                after_interval: true,
            });
        } else {
            self.schedule_poll();
        }
        true
    }
}

/// `time` moved by `millis` milliseconds (as written when it does not parse).
fn shift(time: &Timestamp, millis: i64) -> Timestamp {
    match time.unix_millis() {
        Some(ms) => Timestamp::from_unix_millis(ms.saturating_add(millis)),
        None => time.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::operations::GetChatsRoomMessages;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn message(id: &str, date: &str) -> ChatMessageResponse {
        ChatMessageResponse {
            id: Some(id.to_owned()),
            date_created: Some(at(date)),
            ..Default::default()
        }
    }

    fn drain(f: &mut Follower<GetChatsRoomMessages>) -> Vec<String> {
        std::iter::from_fn(|| f.next_item())
            .map(|item| match item {
                Ok(m) => m.id.unwrap_or_else(|| "(no id)".to_owned()),
                Err(e) => format!("error: {e}"),
            })
            .collect()
    }

    fn started(limit: u32) -> Follower<GetChatsRoomMessages> {
        let mut f = Follower::new(GetChatsRoomMessages::new("r@conference.x").limit(limit));
        let start = f.next_request().unwrap();
        assert_eq!(start.request.query.limit, Some(limit));
        assert_eq!(start.request.query.after, None);
        f.receive(
            &start.request,
            ChatMessageEntityListing::of(vec![message("m0", "2026-11-25T10:00:00.000Z")]),
        );
        assert!(f.next_item().is_none());
        f
    }

    #[test]
    fn a_full_page_is_followed_by_the_older_part_of_the_window_then_oldest_first() {
        let mut f = started(2);
        let poll = f.next_request().unwrap();
        assert!(poll.after_interval);
        assert_eq!(
            poll.request.query.after,
            Some(at("2026-11-25T09:59:59.999Z"))
        );
        assert_eq!(poll.request.query.before, None);
        // Four arrived; the newest two come back.
        f.receive(
            &poll.request,
            ChatMessageEntityListing::of(vec![
                message("m4", "2026-11-25T10:00:04.000Z"),
                message("m3", "2026-11-25T10:00:03.000Z"),
            ]),
        );
        assert!(
            f.next_item().is_none(),
            "nothing before the window is complete"
        );
        let older = f.next_request().unwrap();
        assert!(!older.after_interval);
        assert_eq!(
            older.request.query.after,
            Some(at("2026-11-25T09:59:59.999Z"))
        );
        assert_eq!(
            older.request.query.before,
            Some(at("2026-11-25T10:00:03.001Z"))
        );
        f.receive(
            &older.request,
            ChatMessageEntityListing::of(vec![
                message("m3", "2026-11-25T10:00:03.000Z"),
                message("m2", "2026-11-25T10:00:02.000Z"),
            ]),
        );
        let older = f.next_request().unwrap();
        assert_eq!(
            older.request.query.before,
            Some(at("2026-11-25T10:00:02.001Z"))
        );
        f.receive(
            &older.request,
            ChatMessageEntityListing::of(vec![
                message("m2", "2026-11-25T10:00:02.000Z"),
                message("m1", "2026-11-25T10:00:01.000Z"),
            ]),
        );
        let older = f.next_request().unwrap();
        assert_eq!(
            older.request.query.before,
            Some(at("2026-11-25T10:00:01.001Z"))
        );
        // The window's end: m1 again and m0, handed out before the follow began.
        f.receive(
            &older.request,
            ChatMessageEntityListing::of(vec![
                message("m1", "2026-11-25T10:00:01.000Z"),
                message("m0", "2026-11-25T10:00:00.000Z"),
            ]),
        );
        let last = f.next_request().unwrap();
        assert_eq!(
            last.request.query.before,
            Some(at("2026-11-25T10:00:00.001Z"))
        );
        f.receive(
            &last.request,
            ChatMessageEntityListing::of(vec![message("m0", "2026-11-25T10:00:00.000Z")]),
        );
        assert_eq!(drain(&mut f), ["m1", "m2", "m3", "m4"]);
        let cursor = f.cursor().unwrap();
        assert_eq!(cursor.date_created, at("2026-11-25T10:00:04.000Z"));
        assert_eq!(cursor.ids, ["m4"]);
        let poll = f.next_request().unwrap();
        assert!(poll.after_interval);
        assert_eq!(
            poll.request.query.after,
            Some(at("2026-11-25T10:00:03.999Z"))
        );
        assert_eq!(poll.request.query.before, None);
    }

    #[test]
    fn a_message_of_the_same_millisecond_as_the_last_one_is_not_lost() {
        let mut f = started(10);
        let poll = f.next_request().unwrap();
        f.receive(
            &poll.request,
            ChatMessageEntityListing::of(vec![
                message("late", "2026-11-25T10:00:00.000Z"),
                message("m0", "2026-11-25T10:00:00.000Z"),
            ]),
        );
        assert_eq!(drain(&mut f), ["late"]);
        assert_eq!(f.cursor().unwrap().ids, ["m0", "late"]);
    }

    #[test]
    fn a_resumed_follow_hands_out_exactly_what_came_after_the_cursor() {
        let cursor = Cursor {
            date_created: at("2026-11-25T10:00:02.000Z"),
            ids: vec!["m2".to_owned()],
        };
        let mut f = Follower::resume(GetChatsRoomMessages::new("r@conference.x"), cursor);
        let poll = f.next_request().unwrap();
        assert!(!poll.after_interval);
        assert_eq!(poll.request.query.limit, Some(100));
        assert_eq!(
            poll.request.query.after,
            Some(at("2026-11-25T10:00:01.999Z"))
        );
        f.receive(
            &poll.request,
            ChatMessageEntityListing::of(vec![
                message("m3", "2026-11-25T10:00:03.000Z"),
                message("m2", "2026-11-25T10:00:02.000Z"),
            ]),
        );
        assert_eq!(drain(&mut f), ["m3"]);
    }

    #[test]
    fn messages_without_id_or_date_follow_the_documented_rules() {
        let mut f = started(10);
        let poll = f.next_request().unwrap();
        let undated = ChatMessageResponse {
            id: Some("undated".to_owned()),
            ..Default::default()
        };
        let anonymous = ChatMessageResponse {
            date_created: Some(at("2026-11-25T10:00:05.000Z")),
            ..Default::default()
        };
        let nothing = ChatMessageResponse::default();
        let page = || {
            ChatMessageEntityListing::of(vec![anonymous.clone(), undated.clone(), nothing.clone()])
        };
        f.receive(&poll.request, page());
        assert_eq!(
            drain(&mut f),
            [
                "error: item 2 of a page of `getChatsRoomMessages` could not be read and was \
                 left out: the message has neither `id` nor `dateCreated`, so it cannot be told \
                 apart from one handed out before; the other items were kept",
                "undated",
                "(no id)",
            ]
        );
        // The same page again: nothing is handed out twice.
        let poll = f.next_request().unwrap();
        assert_eq!(
            poll.request.query.after,
            Some(at("2026-11-25T10:00:04.999Z"))
        );
        f.receive(&poll.request, page());
        assert_eq!(
            drain(&mut f),
            [
                "error: item 2 of a page of `getChatsRoomMessages` could not be read and was \
              left out: the message has neither `id` nor `dateCreated`, so it cannot be told \
              apart from one handed out before; the other items were kept"
            ]
        );
    }

    #[test]
    fn a_lasting_error_ends_the_follow_and_a_passing_one_polls_again() {
        let mut f = started(10);
        let poll = f.next_request().unwrap();
        let transport = Error::Transport {
            operation: "getChatsRoomMessages",
            kind: crate::TransportErrorKind::Connect,
            message: "refused".to_owned(),
        };
        assert!(f.failed(&transport));
        let again = f.next_request().unwrap();
        assert!(again.after_interval);
        assert_eq!(again.request, poll.request);
        let gone = Error::Api(Box::new(crate::ApiError::new("getChatsRoomMessages", 404)));
        assert!(!f.failed(&gone));
        assert!(f.next_request().is_none());
        assert!(f.is_ended());
    }

    #[test]
    fn after_on_the_request_starts_after_that_instant() {
        let mut f = Follower::new(
            GetChatsRoomMessages::new("r@conference.x").after(at("2026-11-25T10:00:00.000Z")),
        );
        let poll = f.next_request().unwrap();
        assert!(!poll.after_interval);
        assert_eq!(
            poll.request.query.after,
            Some(at("2026-11-25T10:00:00.000Z"))
        );
        f.receive(
            &poll.request,
            ChatMessageEntityListing::of(vec![
                message("m1", "2026-11-25T10:00:00.001Z"),
                message("m0", "2026-11-25T10:00:00.000Z"),
            ]),
        );
        assert_eq!(drain(&mut f), ["m1"]);
    }
}
