//! History paging, without I/O: from the page just received, the request for the next
//! older page of the same history.
//!
//! ```
//! use genesys_chat::{Timestamp, models::*, operations::GetChatsRoomMessages, paging::History};
//!
//! let first = GetChatsRoomMessages::new("room@conference.example.com").limit(2);
//! let page = ChatMessageEntityListing {
//!     entities: Some(vec![
//!         ChatMessageResponse { id: "m2".into(), date_created: Timestamp::parse("2026-11-25T10:00:02.000Z")?, ..Default::default() },
//!         ChatMessageResponse { id: "m1".into(), date_created: Timestamp::parse("2026-11-25T10:00:01.000Z")?, ..Default::default() },
//!     ]),
//! };
//! let next = first.next_page(&page).expect("a full page has a successor");
//! assert_eq!(next.query.before, Some(Timestamp::parse("2026-11-25T10:00:01.000Z")?));
//! assert_eq!(next.query.limit, Some(2));
//! # Ok::<(), genesys_chat::Error>(())
//! ```

use crate::Operation;
use crate::models::ChatMessageEntityListing;
use crate::operation::HistoryQuery;

/// The three history operations: `getChatsRoomMessages`, `getChatsThreadMessages` and
/// `getChatsUserMessages`. Pages come newest first.
pub trait History: Operation<Output = ChatMessageEntityListing> + Clone {
    /// The query options of this request.
    fn query(&self) -> &HistoryQuery;

    /// The query options of this request, to change.
    fn query_mut(&mut self) -> &mut HistoryQuery;

    /// The request for the page older than `page` (same history, same `limit` and
    /// `after`, `before` set to the oldest message of `page`), or `None` at the end.
    ///
    /// The end is an empty page, or a page shorter than an explicit `limit`. Without a
    /// `limit` the pager goes on until a page comes back empty, since the service's
    /// default page size is not documented. A page whose oldest message is not older
    /// than the current `before` also ends the history, so a server that repeats itself
    /// cannot make a caller loop forever.
    ///
    /// `before` is exclusive: should two messages share the exact boundary timestamp,
    /// the service decides whether the second is on the next page.
    fn next_page(&self, page: &ChatMessageEntityListing) -> Option<Self> {
        let messages = page.messages();
        let oldest = messages.iter().map(|m| &m.date_created).min()?;
        if let Some(limit) = self.query().limit {
            if messages.len() < limit as usize {
                return None;
            }
        }
        if let Some(current) = &self.query().before {
            if oldest >= current {
                return None;
            }
        }
        let mut next = self.clone();
        next.query_mut().before = Some(oldest.clone());
        Some(next)
    }
}
