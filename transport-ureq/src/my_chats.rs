//! Every chat of the caller ("my chats", `getUsersChatsMe`), across cursor pages.

use genesys_chat::models::ChatItem;
use genesys_chat::operations::{GetUsersChatsMe, MyChatsWalk};

use crate::{Client, Error};

/// An iterator over every room and 1on1 the caller takes part in, fetching the next
/// cursor page when the current one is used up.
///
/// It runs the core's [`MyChatsWalk`]: each chat id is yielded once. A chat of a page that
/// cannot be read is yielded as [`Error::MalformedItem`] in its place, and the iteration
/// goes on. A service that repeats a cursor, or a `nextUri` without one, ends it with
/// [`Error::HistoryStuck`]. Any other error (transport, API, an undecodable page) is
/// yielded once and ends it.
pub struct MyChatsIter<'c> {
    client: &'c Client,
    walk: MyChatsWalk,
}

impl Client {
    /// Every chat of the caller (`getUsersChatsMe`), across pages, starting with `first`
    /// (its options are kept on every page).
    ///
    /// ```no_run
    /// use genesys_chat::{Config, Region, operations::GetUsersChatsMe};
    /// use genesys_chat_ureq::Client;
    ///
    /// let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
    /// for chat in client.my_chats(GetUsersChatsMe::new().exclude_closed(true)) {
    ///     println!("{}", chat?.id().unwrap_or("(no id)"));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn my_chats(&self, first: GetUsersChatsMe) -> MyChatsIter<'_> {
        MyChatsIter {
            client: self,
            walk: MyChatsWalk::new(first),
        }
    }
}

impl Iterator for MyChatsIter<'_> {
    type Item = Result<ChatItem, Error>;

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
