//! Every message of a history, across pages, as a [`Stream`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use genesys_chat::History;
use genesys_chat::models::ChatMessageResponse;
use genesys_chat::paging::HistoryWalk;

use crate::{Client, Error};

type Item = Result<ChatMessageResponse, Error>;

/// A stream over every message of a room, thread or 1on1 history, newest first, fetching
/// the next older page (with [`History::next_page`]) when the current one is used up.
///
/// It runs the core's [`HistoryWalk`]: each message id is yielded once. A message of a
/// page that cannot be read is yielded as [`Error::MalformedItem`] in its place, and the
/// stream goes on. A service that repeats a page, or a full page with nothing to page
/// back from, ends it with [`Error::HistoryStuck`]. Any other error (transport, API, an
/// undecodable page) is yielded once and ends it. It owns a clone of the [`Client`],
/// is `Send` and `'static`, is `Unpin` (so `StreamExt::next` works on it directly), and
/// keeps answering `None` once it has ended.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use genesys_chat::operations::GetChatsRoomMessages;
/// # async fn demo(client: genesys_chat_reqwest::Client) -> Result<(), genesys_chat::Error> {
/// let mut messages = client.history(GetChatsRoomMessages::new("room@conference.example.com").limit(50));
/// while let Some(message) = messages.next().await {
///     println!("{}", message?.id().unwrap_or("(no id)"));
/// }
/// # Ok(()) }
/// ```
pub struct HistoryStream<H> {
    inner: Pin<Box<dyn Stream<Item = Item> + Send>>,
    _op: std::marker::PhantomData<fn() -> H>,
}

struct State<H> {
    client: Client,
    walk: HistoryWalk<H>,
}

impl<H> HistoryStream<H>
where
    H: History + Send + Sync + 'static,
{
    pub(crate) fn new(client: Client, first: H) -> Self {
        let state = State {
            client,
            walk: HistoryWalk::new(first),
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
