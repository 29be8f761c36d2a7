//! Every chat of the caller ("my chats", `getUsersChatsMe`), across cursor pages, as a
//! [`Stream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use genesys_chat::models::ChatItem;
use genesys_chat::operations::{GetUsersChatsMe, MyChatsWalk};

use crate::{Client, Error};

type Item = Result<ChatItem, Error>;

/// A stream over every room and 1on1 the caller takes part in, fetching the next cursor
/// page when the current one is used up.
///
/// It runs the core's [`MyChatsWalk`]: each chat id is yielded once. A chat of a page that
/// cannot be read is yielded as [`Error::MalformedItem`] in its place, and the stream goes
/// on. A service that repeats a cursor, or a `nextUri` without one, ends it with
/// [`Error::HistoryStuck`]. Any other error is yielded once and ends it. It owns a clone
/// of the [`Client`], is `Send`, `'static` and `Unpin`, and keeps answering `None` once
/// it has ended.
pub struct MyChatsStream {
    inner: Pin<Box<dyn Stream<Item = Item> + Send>>,
}

struct State {
    client: Client,
    walk: MyChatsWalk,
}

impl Client {
    /// Every chat of the caller (`getUsersChatsMe`), across pages, starting with `first`
    /// (its options are kept on every page).
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use genesys_chat::operations::GetUsersChatsMe;
    /// # async fn demo(client: genesys_chat_reqwest::Client) -> Result<(), genesys_chat::Error> {
    /// let mut chats = client.my_chats(GetUsersChatsMe::new().exclude_closed(true));
    /// while let Some(chat) = chats.next().await {
    ///     println!("{}", chat?.id().unwrap_or("(no id)"));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn my_chats(&self, first: GetUsersChatsMe) -> MyChatsStream {
        let state = State {
            client: self.clone(),
            walk: MyChatsWalk::new(first),
        };
        let inner = futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.walk.next_item() {
                    return Some((item, state));
                }
                let op = state.walk.next_request()?;
                match state.client.call(&op).await {
                    Ok(page) => state.walk.receive(&op, page),
                    // The walk handed out its last request: the stream ends after the error.
                    Err(e) => return Some((Err(e), state)),
                }
            }
        });
        MyChatsStream {
            inner: Box::pin(futures_util::StreamExt::fuse(inner)),
        }
    }
}

impl Stream for MyChatsStream {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for MyChatsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyChatsStream").finish_non_exhaustive()
    }
}
