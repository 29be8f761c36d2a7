//! "My chats" (`getUsersChatsMe`): its options, its cursor pager and the walk over every
//! chat that the clients' iterators run, without I/O.

use std::collections::{HashSet, VecDeque};

use super::GetUsersChatsMe;
use crate::models::{ChatItem, ChatItemCursorListing};
use crate::paging::Stuck;
use crate::{Error, Operation};

impl GetUsersChatsMe {
    /// Leaves closed chats out (`excludeClosed`, sent as `true` or `false`).
    pub fn exclude_closed(mut self, exclude: bool) -> Self {
        self.query.exclude_closed = Some(exclude);
        self
    }

    /// Includes the other user's presence in 1on1s (`includePresence`).
    pub fn include_presence(mut self, include: bool) -> Self {
        self.query.include_presence = Some(include);
        self
    }

    /// Includes the owners of rooms (`includeRoomOwners`).
    pub fn include_room_owners(mut self, include: bool) -> Self {
        self.query.include_room_owners = Some(include);
        self
    }

    /// Starts after this key (`after`): the cursor a previous page's `nextUri` gave
    /// ([`ChatItemCursorListing::after_key`]). An empty key is refused when the request
    /// is built.
    pub fn after(mut self, key: impl Into<String>) -> Self {
        self.query.after = Some(key.into());
        self
    }

    /// The request for the page after `page` (the same options, `after` set to the key
    /// of its `nextUri`), or `Ok(None)` when `page` has no `nextUri`: the last page.
    ///
    /// A `nextUri` without a readable `after` is [`Error::HistoryStuck`] with
    /// [`Stuck::NoCursor`]; one whose `after` is the key this request was sent with is
    /// [`Stuck::CursorRepeated`] (a service that repeats itself cannot make a caller loop
    /// forever).
    ///
    /// ```
    /// use genesys_chat::{models::ChatItemCursorListing, operations::GetUsersChatsMe};
    ///
    /// let first = GetUsersChatsMe::new().exclude_closed(true);
    /// let page = ChatItemCursorListing {
    ///     next_uri: Some("/api/v2/users/chats/me?excludeClosed=true&after=c%3D2".into()),
    ///     ..Default::default()
    /// };
    /// let next = first.next_page(&page)?.expect("a nextUri means a next page");
    /// assert_eq!(next.query.after.as_deref(), Some("c=2"));
    /// assert_eq!(next.query.exclude_closed, Some(true));
    /// # Ok::<(), genesys_chat::Error>(())
    /// ```
    pub fn next_page(&self, page: &ChatItemCursorListing) -> Result<Option<Self>, Error> {
        let stuck = |reason| Error::HistoryStuck {
            operation: Self::META.id,
            reason,
        };
        let key = match page.after_key() {
            Ok(None) => return Ok(None),
            Ok(Some(key)) => key,
            Err(reason) => return Err(stuck(Stuck::NoCursor { reason })),
        };
        if self.query.after.as_deref() == Some(key.as_str()) {
            return Err(stuck(Stuck::CursorRepeated));
        }
        let mut next = self.clone();
        next.query.after = Some(key);
        Ok(Some(next))
    }
}

/// A walk over every chat of the caller across cursor pages, without I/O: the clients'
/// "my chats" iterator and stream are this, plus sending each request.
///
/// It yields every chat once, in the service's order, and every item of a page that
/// could not be read as [`Error::MalformedItem`] in its place, then goes on. It ends after
/// the page without a `nextUri`, or with [`Error::HistoryStuck`] when the service names a
/// cursor already asked for ([`Stuck::CursorRepeated`]), gives a `nextUri` without a
/// cursor ([`Stuck::NoCursor`]), or answers a page of nothing but chats already yielded
/// yet with a next page ([`Stuck::RepeatedPage`]). A chat whose `id` was already yielded
/// is skipped.
///
/// ```
/// use genesys_chat::{models::*, operations::{GetUsersChatsMe, MyChatsWalk}};
///
/// let mut walk = MyChatsWalk::new(GetUsersChatsMe::new());
/// let request = walk.next_request().expect("the first page");
/// walk.receive(&request, ChatItemCursorListing::of(vec![ChatItem { id: Some("r1".into()), ..Default::default() }]));
/// assert_eq!(walk.next_item().unwrap()?.id(), Some("r1"));
/// assert!(walk.next_item().is_none());
/// assert!(walk.next_request().is_none()); // no nextUri: the end
/// # Ok::<(), genesys_chat::Error>(())
/// ```
#[derive(Debug)]
pub struct MyChatsWalk {
    next: Option<GetUsersChatsMe>,
    seen: HashSet<String>,
    cursors: HashSet<String>,
    pending: VecDeque<Result<ChatItem, Error>>,
}

impl MyChatsWalk {
    /// A walk that starts with this request.
    pub fn new(first: GetUsersChatsMe) -> Self {
        let mut cursors = HashSet::new();
        if let Some(after) = &first.query.after {
            cursors.insert(after.clone());
        }
        MyChatsWalk {
            next: Some(first),
            seen: HashSet::new(),
            cursors,
            pending: VecDeque::new(),
        }
    }

    /// The next item of the pages received so far, if any.
    pub fn next_item(&mut self) -> Option<Result<ChatItem, Error>> {
        self.pending.pop_front()
    }

    /// The request to send for more items, once [`Self::next_item`] has none; `None`
    /// when the walk has ended. It is handed out once: if sending it fails, the walk has
    /// ended (yield that error).
    pub fn next_request(&mut self) -> Option<GetUsersChatsMe> {
        self.next.take()
    }

    /// Takes the page that `request` (from [`Self::next_request`]) was answered with.
    pub fn receive(&mut self, request: &GetUsersChatsMe, page: ChatItemCursorListing) {
        let operation = GetUsersChatsMe::META.id;
        let next = request.next_page(&page);
        let mut malformed = page.malformed.into_iter().peekable();
        let mut chats = page.entities.unwrap_or_default().into_iter();
        let (mut fresh, mut repeated) = (0usize, 0usize);
        let mut index = 0usize;
        loop {
            // Items in the order the service sent them: a malformed one in its place.
            if let Some(bad) = malformed.next_if(|bad| bad.index <= index) {
                index = index.saturating_add(1);
                self.pending.push_back(Err(Error::MalformedItem {
                    operation,
                    index: bad.index,
                    reason: bad.reason,
                }));
                continue;
            }
            let Some(chat) = chats.next() else {
                // Malformed items past the last good one.
                for bad in malformed.by_ref() {
                    self.pending.push_back(Err(Error::MalformedItem {
                        operation,
                        index: bad.index,
                        reason: bad.reason,
                    }));
                }
                break;
            };
            index = index.saturating_add(1);
            if let Some(id) = chat.id() {
                if !self.seen.insert(id.to_owned()) {
                    repeated = repeated.saturating_add(1);
                    continue;
                }
            }
            fresh = fresh.saturating_add(1);
            self.pending.push_back(Ok(chat));
        }
        match next {
            Ok(Some(_)) if repeated > 0 && fresh == 0 => {
                self.pending.push_back(Err(Error::HistoryStuck {
                    operation,
                    reason: Stuck::RepeatedPage { repeated },
                }));
            }
            Ok(Some(next)) => {
                let key = next.query.after.clone().unwrap_or_default();
                if self.cursors.insert(key) {
                    self.next = Some(next);
                } else {
                    self.pending.push_back(Err(Error::HistoryStuck {
                        operation,
                        reason: Stuck::CursorRepeated,
                    }));
                }
            }
            Ok(None) => self.next = None,
            Err(e) => self.pending.push_back(Err(e)),
        }
    }
}
