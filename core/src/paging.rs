//! History paging, without I/O: from the page just received, the request for the next
//! older page of the same history ([`History::next_page`]), and the whole walk over a
//! history that the clients' iterators run ([`HistoryWalk`]).
//!
//! ```
//! use genesys_chat::{Timestamp, models::*, operations::GetChatsRoomMessages, paging::History};
//!
//! let first = GetChatsRoomMessages::new("room@conference.example.com").limit(2);
//! let page = ChatMessageEntityListing::of(vec![
//!     ChatMessageResponse { id: Some("m2".into()), date_created: Some(Timestamp::parse("2026-11-25T10:00:02.000Z")?), ..Default::default() },
//!     ChatMessageResponse { id: Some("m1".into()), date_created: Some(Timestamp::parse("2026-11-25T10:00:01.000Z")?), ..Default::default() },
//! ]);
//! let next = first.next_page(&page)?.expect("a full page has a successor");
//! assert_eq!(next.query.before, Some(Timestamp::parse("2026-11-25T10:00:01.000Z")?));
//! assert_eq!(next.query.limit, Some(2));
//! # Ok::<(), genesys_chat::Error>(())
//! ```
//!
//! # Messages without `id` or `dateCreated`
//!
//! The service may omit either field. The pager pages back from the oldest `dateCreated`
//! among the messages of a page that have one; a message without one is still yielded.
//! A full page in which no message has a `dateCreated` gives nothing to page back from:
//! rather than end as if the history were complete, the pager stops with
//! [`Error::HistoryStuck`] ([`Stuck::NoDateCreated`]). [`HistoryWalk`] recognises a
//! repeated message by its `id`; a message without one cannot be recognised, so it is
//! yielded as it comes (a repeated page is still caught by its timestamps, see
//! [`Stuck::CursorDidNotMove`]).

use std::collections::{HashSet, VecDeque};
use std::fmt;

use crate::models::{ChatMessageEntityListing, ChatMessageResponse};
use crate::operation::HistoryQuery;
use crate::{Error, Operation, Timestamp};

/// Why a history stopped before its end ([`Error::HistoryStuck`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stuck {
    /// The service answered a page holding only messages already yielded: it repeated
    /// itself. Nothing was yielded twice.
    RepeatedPage {
        /// How many messages of the page had been yielded already.
        repeated: usize,
    },
    /// A full page came back whose oldest message is not older than the `before` it was
    /// asked with, so the next request would ask for the same page again: the service
    /// repeated itself (or ignored `before`).
    CursorDidNotMove {
        /// The `before` the page was asked with.
        before: Timestamp,
    },
    /// A full page in which no message has a `dateCreated`, so there is no `before` to
    /// ask for older messages with.
    NoDateCreated {
        /// How many items the page held.
        items: usize,
    },
    /// A cursor listing ("my chats") answered a `nextUri` whose `after` key was already
    /// asked for: the next request would repeat a page.
    CursorRepeated,
    /// A cursor listing answered a `nextUri` from which no `after` key can be read, so
    /// the next page cannot be asked for.
    NoCursor {
        /// What is wrong with the `nextUri`.
        reason: crate::models::CursorError,
    },
}

impl Stuck {
    /// Whether the service repeated itself (a page again, or a `before` that did not move).
    pub fn is_repeat(&self) -> bool {
        matches!(
            self,
            Stuck::RepeatedPage { .. } | Stuck::CursorDidNotMove { .. } | Stuck::CursorRepeated
        )
    }
}

impl fmt::Display for Stuck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stuck::RepeatedPage { repeated } => write!(
                f,
                "the service repeated itself: it answered with a page of {repeated} messages \
                 that had all been returned already; each was returned once and older \
                 messages were not read; ask again later, or page on with `before` set \
                 older than the last message returned"
            ),
            Stuck::CursorDidNotMove { before } => write!(
                f,
                "the service repeated itself: a full page came back whose oldest message is \
                 not older than `before` ({before}), so the next page would be the same \
                 again; older messages were not read; ask again later, or page on with \
                 `before` set older than the last message returned"
            ),
            Stuck::NoDateCreated { items } => write!(
                f,
                "none of the {items} items of a full page has a `dateCreated`, so older \
                 messages cannot be asked for; they were not read; page on with `before` \
                 set explicitly"
            ),
            Stuck::CursorRepeated => f.write_str(
                "the service repeated itself: a page's `nextUri` names an `after` key that \
                 was already asked for; every item was returned once and the rest was not \
                 read; ask again later",
            ),
            Stuck::NoCursor { reason } => write!(
                f,
                "{reason}, so the next page cannot be asked for; the rest was not read"
            ),
        }
    }
}

/// The three history operations: `getChatsRoomMessages`, `getChatsThreadMessages` and
/// `getChatsUserMessages`. Pages come newest first.
pub trait History: Operation<Output = ChatMessageEntityListing> + Clone {
    /// The query options of this request.
    fn query(&self) -> &HistoryQuery;

    /// The query options of this request, to change.
    fn query_mut(&mut self) -> &mut HistoryQuery;

    /// The request for the page older than `page` (same history, same `limit` and
    /// `after`, `before` set to the oldest `dateCreated` of `page`), `Ok(None)` at the
    /// end, or [`Error::HistoryStuck`] when going on would repeat a page or skip
    /// messages.
    ///
    /// The end is an empty page, or a page shorter than an explicit `limit` (counting the
    /// items that could not be read: [`ChatMessageEntityListing::page_len`]). Without a
    /// `limit` the pager goes on until a page comes back empty, since the service's
    /// default page size is not documented.
    ///
    /// Otherwise the page is full, and the pager stops with an error rather than end as
    /// if the history were complete: [`Stuck::CursorDidNotMove`] when the page's oldest
    /// message is not older than the current `before` (a server that repeats itself
    /// cannot make a caller loop forever), [`Stuck::NoDateCreated`] when no message of
    /// the page has a `dateCreated`.
    ///
    /// `before` is exclusive: should two messages share the exact boundary timestamp,
    /// the service decides whether the second is on the next page.
    fn next_page(&self, page: &ChatMessageEntityListing) -> Result<Option<Self>, Error> {
        let items = page.page_len();
        if items == 0 {
            return Ok(None);
        }
        if let Some(limit) = self.query().limit {
            if items < limit as usize {
                return Ok(None);
            }
        }
        let stuck = |reason| Error::HistoryStuck {
            operation: Self::META.id,
            reason,
        };
        let Some(oldest) = page
            .messages()
            .iter()
            .filter_map(ChatMessageResponse::date_created)
            .min()
        else {
            return Err(stuck(Stuck::NoDateCreated { items }));
        };
        if let Some(current) = &self.query().before {
            if oldest >= current {
                return Err(stuck(Stuck::CursorDidNotMove {
                    before: current.clone(),
                }));
            }
        }
        let mut next = self.clone();
        next.query_mut().before = Some(oldest.clone());
        Ok(Some(next))
    }
}

/// The page size a [`HistoryWalk`] (and a follow) asks for when the caller sets no
/// `limit`: 100, the largest the emulator allows (`limit` 1 to 100). The service does not
/// document its default page size, so without an explicit one a short page would not
/// prove the end and a whole history would cost one request more.
pub const HISTORY_PAGE_SIZE: u32 = 100;

/// A walk over a whole history, without I/O: the clients' history iterators are this,
/// plus sending each request.
///
/// A history of N messages costs ⌊N / page⌋ + 1 requests: without a `limit` on the
/// first request, the walk asks for pages of [`HISTORY_PAGE_SIZE`] (100), so that a short
/// page proves the end; a `limit` set by the caller is kept.
///
/// It yields every message once, newest first, and every item of a page that could not
/// be read as [`Error::MalformedItem`] in its place, then goes on. It ends after the last
/// page, or with [`Error::HistoryStuck`] when the service repeats itself or gives nothing
/// to page back from. A message whose `id` was already yielded (a service that counts
/// `before` inclusively repeats the boundary message) is skipped; a full page with
/// nothing but such messages stops the walk ([`Stuck::RepeatedPage`]), a short one ends
/// it as usual. The walk remembers the id of every message it yielded.
///
/// ```
/// use genesys_chat::{models::*, operations::GetChatsRoomMessages, paging::HistoryWalk};
///
/// let mut walk = HistoryWalk::new(GetChatsRoomMessages::new("room@conference.example.com"));
/// assert!(walk.next_item().is_none());
/// let request = walk.next_request().expect("the first page");
/// // … send `request`; here, the service answers with an empty page:
/// walk.receive(&request, ChatMessageEntityListing::default());
/// assert!(walk.next_item().is_none());
/// assert!(walk.next_request().is_none()); // the end
/// ```
#[derive(Debug)]
pub struct HistoryWalk<H> {
    next: Option<H>,
    seen: HashSet<String>,
    pending: VecDeque<Result<ChatMessageResponse, Error>>,
}

impl<H: History> HistoryWalk<H> {
    /// A walk that starts with this request (with a `limit` of [`HISTORY_PAGE_SIZE`]
    /// when it has none).
    pub fn new(mut first: H) -> Self {
        if first.query().limit.is_none() {
            first.query_mut().limit = Some(HISTORY_PAGE_SIZE);
        }
        HistoryWalk {
            next: Some(first),
            seen: HashSet::new(),
            pending: VecDeque::new(),
        }
    }

    /// The next item of the pages received so far, if any.
    pub fn next_item(&mut self) -> Option<Result<ChatMessageResponse, Error>> {
        self.pending.pop_front()
    }

    /// The request to send for more items, once [`Self::next_item`] has none; `None`
    /// when the history has ended. It is handed out once: if sending it fails, the walk
    /// has ended (yield that error).
    pub fn next_request(&mut self) -> Option<H> {
        self.next.take()
    }

    /// Takes the page that `request` (from [`Self::next_request`]) was answered with.
    pub fn receive(&mut self, request: &H, page: ChatMessageEntityListing) {
        let operation = H::META.id;
        let next = request.next_page(&page);
        let mut malformed = page.malformed.into_iter().peekable();
        let mut messages = page.entities.unwrap_or_default().into_iter();
        let (mut fresh, mut repeated) = (0usize, 0usize);
        let mut index = 0usize;
        loop {
            // Items in the order the service sent them: a malformed one in its place.
            let bad = match malformed.next_if(|bad| bad.index <= index) {
                Some(bad) => Some(bad),
                None => match messages.next() {
                    Some(message) => {
                        index = index.saturating_add(1);
                        if let Some(id) = message.id() {
                            if self.seen.contains(id) {
                                repeated = repeated.saturating_add(1);
                                continue;
                            }
                            self.seen.insert(id.to_owned());
                        }
                        fresh = fresh.saturating_add(1);
                        self.pending.push_back(Ok(message));
                        continue;
                    }
                    None => malformed.next(),
                },
            };
            let Some(bad) = bad else {
                break;
            };
            index = index.saturating_add(1);
            self.pending.push_back(Err(Error::MalformedItem {
                operation,
                index: bad.index,
                reason: bad.reason,
            }));
        }
        match next {
            // Nothing new, yet the pager would go on: the service repeats itself.
            Ok(Some(_)) if repeated > 0 && fresh == 0 => {
                self.pending.push_back(Err(Error::HistoryStuck {
                    operation,
                    reason: Stuck::RepeatedPage { repeated },
                }));
            }
            Ok(next) => self.next = next,
            Err(e) => self.pending.push_back(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::MalformedItem;
    use crate::operations::GetChatsRoomMessages;

    fn message(id: &str, at: &str) -> ChatMessageResponse {
        ChatMessageResponse {
            id: Some(id.to_owned()),
            date_created: Some(Timestamp::parse(at).unwrap()),
            ..Default::default()
        }
    }

    fn ids(walk: &mut HistoryWalk<GetChatsRoomMessages>) -> Vec<String> {
        std::iter::from_fn(|| walk.next_item())
            .map(|item| match item {
                Ok(m) => m.id.unwrap_or_default(),
                Err(e) => format!("error: {e}"),
            })
            .collect()
    }

    #[test]
    fn a_malformed_item_is_yielded_in_its_place_and_the_walk_goes_on() {
        let mut walk = HistoryWalk::new(GetChatsRoomMessages::new("r@conference.x").limit(3));
        let first = walk.next_request().unwrap();
        let mut page = ChatMessageEntityListing::of(vec![
            message("m3", "2026-11-25T10:00:03.000Z"),
            message("m1", "2026-11-25T10:00:01.000Z"),
        ]);
        page.malformed.push(MalformedItem {
            field: "entities",
            index: 1,
            reason: "invalid type: integer `7`, expected a string".to_owned(),
        });
        walk.receive(&first, page);
        assert_eq!(
            ids(&mut walk),
            vec![
                "m3".to_owned(),
                "error: item 1 of a page of `getChatsRoomMessages` could not be read and was \
                 left out: invalid type: integer `7`, expected a string; the other items were kept"
                    .to_owned(),
                "m1".to_owned(),
            ]
        );
        let second = walk
            .next_request()
            .expect("a full page of 3 items pages on");
        assert_eq!(
            second.query.before,
            Some(Timestamp::parse("2026-11-25T10:00:01.000Z").unwrap())
        );
    }

    #[test]
    fn a_page_of_messages_already_yielded_stops_the_walk() {
        let mut walk = HistoryWalk::new(GetChatsRoomMessages::new("r@conference.x").limit(2));
        let first = walk.next_request().unwrap();
        walk.receive(
            &first,
            ChatMessageEntityListing::of(vec![
                message("m2", "2026-11-25T10:00:02.000Z"),
                message("m1", "2026-11-25T10:00:01.000Z"),
            ]),
        );
        assert_eq!(ids(&mut walk), vec!["m2".to_owned(), "m1".to_owned()]);
        // The cursor moves, but the full page holds only messages already yielded.
        let second = walk.next_request().unwrap();
        walk.receive(
            &second,
            ChatMessageEntityListing::of(vec![
                message("m2", "2026-11-25T10:00:00.500Z"),
                message("m1", "2026-11-25T10:00:00.000Z"),
            ]),
        );
        let items: Vec<_> = std::iter::from_fn(|| walk.next_item()).collect();
        assert_eq!(
            items,
            vec![Err(Error::HistoryStuck {
                operation: "getChatsRoomMessages",
                reason: Stuck::RepeatedPage { repeated: 2 },
            })]
        );
        assert!(walk.next_request().is_none());
    }

    #[test]
    fn a_repeated_page_stops_the_walk_without_repeating_an_id() {
        let mut walk = HistoryWalk::new(GetChatsRoomMessages::new("r@conference.x").limit(2));
        let page = || {
            ChatMessageEntityListing::of(vec![
                message("m2", "2026-11-25T10:00:02.000Z"),
                message("m1", "2026-11-25T10:00:01.000Z"),
            ])
        };
        let first = walk.next_request().unwrap();
        walk.receive(&first, page());
        assert_eq!(ids(&mut walk), vec!["m2".to_owned(), "m1".to_owned()]);
        let second = walk.next_request().unwrap();
        walk.receive(&second, page());
        let items: Vec<_> = std::iter::from_fn(|| walk.next_item()).collect();
        assert_eq!(
            items,
            vec![Err(Error::HistoryStuck {
                operation: "getChatsRoomMessages",
                reason: Stuck::CursorDidNotMove {
                    before: Timestamp::parse("2026-11-25T10:00:01.000Z").unwrap()
                },
            })]
        );
        assert!(walk.next_request().is_none());
    }
}
