//! Every message of a history, across pages.

use genesys_chat::History;
use genesys_chat::models::ChatMessageResponse;

use crate::{Client, Error};

/// An iterator over every message of a room, thread or 1on1 history, newest first,
/// fetching the next older page when the current one is used up.
///
/// After an error it yields that error once and ends.
pub struct HistoryIter<'c, H: History> {
    client: &'c Client,
    next: Option<H>,
    page: std::vec::IntoIter<ChatMessageResponse>,
}

impl<'c, H: History> HistoryIter<'c, H> {
    pub(crate) fn new(client: &'c Client, first: H) -> Self {
        HistoryIter {
            client,
            next: Some(first),
            page: Vec::new().into_iter(),
        }
    }
}

impl<H: History> Iterator for HistoryIter<'_, H> {
    type Item = Result<ChatMessageResponse, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(message) = self.page.next() {
                return Some(Ok(message));
            }
            let op = self.next.take()?;
            match self.client.call(&op) {
                Ok(listing) => {
                    self.next = op.next_page(&listing);
                    self.page = listing.entities.unwrap_or_default().into_iter();
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
