//! Following a conversation: the new messages of a room, thread or 1on1, oldest first,
//! as they arrive, as a [`Stream`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use genesys_chat::History;
use genesys_chat::follow::{Cursor, DEFAULT_POLL_INTERVAL, Follower};
use genesys_chat::models::{ChatMessageEntityListing, ChatMessageResponse};

use crate::{Client, Error};

type Item = Result<ChatMessageResponse, Error>;
type Answer<H> = Pin<Box<dyn Future<Output = (H, Result<ChatMessageEntityListing, Error>)> + Send>>;

/// A stream of the messages posted to a history (a room, a thread or a 1on1) from now
/// on, **oldest first**, each once, as they arrive. Made by [`Client::follow`] or
/// [`Client::follow_from`].
///
/// It runs the core's [`Follower`] ([`genesys_chat::follow`] says exactly what is asked
/// and what is handed out): it polls with `after` every [`interval`](FollowStream::interval)
/// (2 s by default, slept on tokio); when more than a page arrived between two polls it
/// reads the older part of the window at once, so none is skipped. Edits and deletes of
/// messages already handed out are not reported. [`cursor`](FollowStream::cursor) is the
/// resume point: save it, and [`Client::follow_from`] goes on after a restart with none
/// missed or repeated.
///
/// An error is yielded and the stream goes on with the next poll, except after an error
/// that waiting cannot heal (a 400, 401, 403, 404 or 410, invalid input or
/// configuration, a refused login): that one is the last item. It never ends otherwise:
/// drop it to stop (e.g. with `StreamExt::take_until` or `tokio::select!`); a poll in
/// flight is cancelled with it. It owns a clone of the [`Client`], is `Send`, `'static`
/// and `Unpin`.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use genesys_chat_reqwest::{Client, operations::GetChatsRoomMessages};
///
/// # async fn demo(client: Client) -> Result<(), genesys_chat_reqwest::Error> {
/// let mut follow = client.follow(GetChatsRoomMessages::new("room@conference.example.com"));
/// while let Some(message) = follow.next().await {
///     println!("{}", message?.body());
/// }
/// # Ok(()) }
/// ```
pub struct FollowStream<H> {
    client: Client,
    follower: Follower<H>,
    interval: Duration,
    in_flight: Option<Answer<H>>,
}

// Nothing of the stream is pinned in place: the request in flight is boxed.
impl<H> Unpin for FollowStream<H> {}

impl Client {
    /// The messages posted to the history of `request` (a room, a thread or a 1on1)
    /// from now on, oldest first, each once, as they arrive: see [`FollowStream`]. With
    /// `after` set on `request`, the messages after that instant; without a `limit`,
    /// pages of 100.
    pub fn follow<H>(&self, request: H) -> FollowStream<H>
    where
        H: History + Send + Sync + 'static,
    {
        FollowStream::new(self.clone(), Follower::new(request))
    }

    /// [`Client::follow`] from a saved [`Cursor`] ([`FollowStream::cursor`]): exactly
    /// the messages after it, none missed or repeated.
    pub fn follow_from<H>(&self, request: H, cursor: Cursor) -> FollowStream<H>
    where
        H: History + Send + Sync + 'static,
    {
        FollowStream::new(self.clone(), Follower::resume(request, cursor))
    }
}

impl<H> FollowStream<H>
where
    H: History + Send + Sync + 'static,
{
    fn new(client: Client, follower: Follower<H>) -> Self {
        FollowStream {
            client,
            follower,
            interval: DEFAULT_POLL_INTERVAL,
            in_flight: None,
        }
    }

    /// Sets the pause between two polls (default 2 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The point after the last message yielded: pass it to [`Client::follow_from`] to
    /// go on after a restart. `None` until a message with a `dateCreated` was seen.
    pub fn cursor(&self) -> Option<&Cursor> {
        self.follower.cursor()
    }
}

impl<H> Stream for FollowStream<H>
where
    H: History + Send + Sync + 'static,
{
    type Item = Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        let this = self.get_mut();
        loop {
            if let Some(answer) = this.in_flight.as_mut() {
                let (request, result) = ready!(answer.as_mut().poll(cx));
                this.in_flight = None;
                match result {
                    Ok(page) => this.follower.receive(&request, page),
                    Err(error) => {
                        this.follower.failed(&error);
                        return Poll::Ready(Some(Err(error)));
                    }
                }
            }
            if let Some(item) = this.follower.next_item() {
                return Poll::Ready(Some(item));
            }
            let Some(next) = this.follower.next_request() else {
                return Poll::Ready(None);
            };
            let client = this.client.clone();
            let interval = this.interval;
            this.in_flight = Some(Box::pin(async move {
                if next.after_interval {
                    tokio::time::sleep(interval).await;
                }
                let result = client.call(&next.request).await;
                (next.request, result)
            }));
        }
    }
}

impl<H> fmt::Debug for FollowStream<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FollowStream")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}
