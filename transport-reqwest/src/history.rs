//! Every message of a history, across pages, as a [`Stream`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use genesys_chat::History;
use genesys_chat::models::ChatMessageResponse;

use crate::{Client, Error};

type Item = Result<ChatMessageResponse, Error>;

/// A stream over every message of a room, thread or 1on1 history, newest first, fetching
/// the next older page (with [`History::next_page`]) when the current one is used up.
///
/// After an error it yields that error once and ends. It owns a clone of the [`Client`],
/// is `Send` and `'static`, is `Unpin` (so `StreamExt::next` works on it directly), and
/// keeps answering `None` once it has ended.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use genesys_chat::operations::GetChatsRoomMessages;
/// # async fn demo(client: genesys_chat_reqwest::Client) -> Result<(), genesys_chat::Error> {
/// let mut messages = client.history(GetChatsRoomMessages::new("room@conference.example.com").limit(50));
/// while let Some(message) = messages.next().await {
///     println!("{}", message?.id);
/// }
/// # Ok(()) }
/// ```
pub struct HistoryStream<H> {
    inner: Pin<Box<dyn Stream<Item = Item> + Send>>,
    _op: std::marker::PhantomData<fn() -> H>,
}

struct State<H> {
    client: Client,
    next: Option<H>,
    page: std::vec::IntoIter<ChatMessageResponse>,
}

impl<H> HistoryStream<H>
where
    H: History + Send + Sync + 'static,
{
    pub(crate) fn new(client: Client, first: H) -> Self {
        let state = State {
            client,
            next: Some(first),
            page: Vec::new().into_iter(),
        };
        let inner = futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(message) = state.page.next() {
                    return Some((Ok(message), state));
                }
                let op = state.next.take()?;
                match state.client.call(&op).await {
                    Ok(listing) => {
                        state.next = op.next_page(&listing);
                        state.page = listing.entities.unwrap_or_default().into_iter();
                    }
                    // `next` is now `None`: the stream ends after the error.
                    Err(e) => return Some((Err(e), state)),
                }
            }
        });
        HistoryStream {
            // Fused: polling again after the end keeps answering `None`.
            inner: Box::pin(futures_util::StreamExt::fuse(inner)),
            _op: std::marker::PhantomData,
        }
    }
}

impl<H> Stream for HistoryStream<H> {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<H> fmt::Debug for HistoryStream<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistoryStream").finish_non_exhaustive()
    }
}
