//! Every message of a history, across pages.

use genesys_chat::History;
use genesys_chat::models::ChatMessageResponse;
use genesys_chat::paging::HistoryWalk;

use crate::{Client, Error};

/// An iterator over every message of a room, thread or 1on1 history, newest first,
/// fetching the next older page when the current one is used up.
///
/// It runs the core's [`HistoryWalk`]: each message id is yielded once. A message of a
/// page that cannot be read is yielded as [`Error::MalformedItem`] in its place, and the
/// iteration goes on. A service that repeats a page, or a full page with nothing to page
/// back from, ends it with [`Error::HistoryStuck`]. Any other error (transport, API,
/// an undecodable page) is yielded once and ends it.
pub struct HistoryIter<'c, H: History> {
    client: &'c Client,
    walk: HistoryWalk<H>,
}

impl<'c, H: History> HistoryIter<'c, H> {
    pub(crate) fn new(client: &'c Client, first: H) -> Self {
        HistoryIter {
            client,
            walk: HistoryWalk::new(first),
        }
    }
}

impl<H: History> Iterator for HistoryIter<'_, H> {
    type Item = Result<ChatMessageResponse, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.walk.next_item() {
                return Some(item);
            }
            let op = self.walk.next_request()?;
            match self.client.call(&op) {
                Ok(page) => self.walk.receive(&op, page),
                // The walk handed out its last request: it ends after the error.
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
