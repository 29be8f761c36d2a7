//! Following a conversation: the new messages of a room, thread or 1on1, oldest first,
//! as they arrive.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use genesys_chat::History;
use genesys_chat::follow::{Cursor, DEFAULT_POLL_INTERVAL, Follower};
use genesys_chat::models::ChatMessageResponse;

use crate::{Client, Error};

/// An iterator over the messages posted to a history (a room, a thread or a 1on1) from
/// now on, **oldest first**, each once, as they arrive; it blocks between polls. Made by
/// [`Client::follow`] or [`Client::follow_from`].
///
/// It runs the core's [`Follower`] ([`genesys_chat::follow`] says exactly what is asked
/// and what is handed out): it polls with `after` every [`interval`](Follow::interval)
/// (2 s by default); when more than a page arrived between two polls it reads the older
/// part of the window at once, so none is skipped. Edits and deletes of messages already
/// handed out are not reported. [`cursor`](Follow::cursor) is the resume point: save it,
/// and [`Client::follow_from`] goes on after a restart with none missed or repeated.
///
/// An error is yielded and the follow goes on with the next poll, except after an error
/// that waiting cannot heal (a 400, 401, 403, 404 or 410, invalid input or
/// configuration, a refused login): that one is the last item. It never ends otherwise:
/// stop it with a [`FollowStop`] from [`stop_handle`](Follow::stop_handle) (from
/// another thread; a sleeping poll wakes at once), or stop iterating.
///
/// ```no_run
/// use genesys_chat_ureq::{Client, Config, Region, operations::GetChatsRoomMessages};
///
/// let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
/// let mut follow = client.follow(GetChatsRoomMessages::new("room@conference.example.com"));
/// let stop = follow.stop_handle();
/// std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_secs(60));
///     stop.stop();
/// });
/// for message in &mut follow {
///     println!("{}", message?.body());
/// }
/// let resume_here = follow.cursor().cloned(); // for `client.follow_from` after a restart
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Follow<'c, H> {
    client: &'c Client,
    follower: Follower<H>,
    interval: Duration,
    stop: FollowStop,
}

/// Stops a [`Follow`] from another thread: the iterator ends (answers `None`) at its next
/// step, and a poll it is sleeping for wakes at once. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct FollowStop {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl FollowStop {
    /// Stops the follow.
    pub fn stop(&self) {
        let (stopped, wake) = &*self.inner;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
    }

    /// Whether [`FollowStop::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `pause`, or less if stopped meanwhile; returns whether stopped.
    fn sleep(&self, pause: Duration) -> bool {
        let (stopped, wake) = &*self.inner;
        let deadline = Instant::now().checked_add(pause);
        let mut guard = stopped.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if *guard {
                return true;
            }
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => pause,
            };
            if left.is_zero() {
                return false;
            }
            guard = wake
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Client {
    /// The messages posted to the history of `request` (a room, a thread or a 1on1)
    /// from now on, oldest first, each once, as they arrive: see [`Follow`]. With
    /// `after` set on `request`, the messages after that instant; without a `limit`,
    /// pages of 100.
    pub fn follow<H: History>(&self, request: H) -> Follow<'_, H> {
        Follow::new(self, Follower::new(request))
    }

    /// [`Client::follow`] from a saved [`Cursor`] ([`Follow::cursor`]): exactly the
    /// messages after it, none missed or repeated.
    pub fn follow_from<H: History>(&self, request: H, cursor: Cursor) -> Follow<'_, H> {
        Follow::new(self, Follower::resume(request, cursor))
    }
}

impl<'c, H: History> Follow<'c, H> {
    fn new(client: &'c Client, follower: Follower<H>) -> Self {
        Follow {
            client,
            follower,
            interval: DEFAULT_POLL_INTERVAL,
            stop: FollowStop::default(),
        }
    }

    /// Sets the pause between two polls (default 2 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// A handle that stops this follow, from any thread.
    pub fn stop_handle(&self) -> FollowStop {
        self.stop.clone()
    }

    /// The point after the last message yielded: pass it to [`Client::follow_from`] to
    /// go on after a restart. `None` until a message with a `dateCreated` was seen.
    pub fn cursor(&self) -> Option<&Cursor> {
        self.follower.cursor()
    }
}

impl<H: History> Iterator for Follow<'_, H> {
    type Item = Result<ChatMessageResponse, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.stop.is_stopped() {
                return None;
            }
            if let Some(item) = self.follower.next_item() {
                return Some(item);
            }
            let next = self.follower.next_request()?;
            if next.after_interval && self.stop.sleep(self.interval) {
                return None;
            }
            match self.client.call(&next.request) {
                Ok(page) => self.follower.receive(&next.request, page),
                Err(error) => {
                    self.follower.failed(&error);
                    return Some(Err(error));
                }
            }
        }
    }
}

impl<H> std::fmt::Debug for Follow<'_, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follow")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}
