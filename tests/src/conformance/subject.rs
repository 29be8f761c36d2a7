//! The kit's one view of a client under test: [`Caller`], blocking calls from any thread,
//! with the client's own history and follow. Every scenario is written against it; the
//! adapters below turn a [`BlockingSubject`], an [`AsyncSubject`], a bare blocking stack
//! or a bare async stack into one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genesys_chat::driver::{AsyncStack, AttemptLimits, BlockingStack, Driver, SendError};
use genesys_chat::follow::{Cursor, Follower};
use genesys_chat::models::ChatMessageResponse;
use genesys_chat::paging::HistoryWalk;
use genesys_chat::{Error, History, Operation, Reply};

use super::Settings;

/// One item of a history or a follow.
pub type Item = Result<ChatMessageResponse, Error>;

/// What a follow handed out before it was stopped.
#[derive(Debug)]
pub struct Followed {
    /// The items, in the order they were handed out.
    pub items: Vec<Item>,
    /// The follow's cursor when it stopped: where a restart goes on.
    pub cursor: Option<Cursor>,
}

/// How long to follow, and from where.
#[derive(Debug, Clone)]
pub struct FollowPlan {
    /// Resume from this cursor (`follow_from`) instead of following from now on.
    pub from: Option<Cursor>,
    /// The pause between two polls.
    pub interval: Duration,
    /// Stop after this many items.
    pub want: usize,
    /// Stop after this long, whatever came.
    pub within: Duration,
}

/// A client under test, as every scenario of the kit sees it: blocking calls, from any
/// thread. [`Caller::history`] and [`Caller::follow`] default to the core's
/// [`HistoryWalk`] and [`Follower`] over [`Caller::call`]; a client with its own history
/// iterator or follow overrides them, so that the kit checks those.
pub trait Caller: Send + Sync + 'static {
    /// Runs one operation, with retries and token renewal as the client does them.
    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static;

    /// Every item of the history starting at `first`, in the order yielded, stopping
    /// after `max` items.
    fn history<H>(&self, first: H, max: usize) -> Vec<Item>
    where
        H: History + Send + Sync + 'static,
    {
        walk_history(self, first, max)
    }

    /// Follows `request` as the plan says: the items handed out and the cursor.
    fn follow<H>(&self, request: H, plan: &FollowPlan) -> Followed
    where
        H: History + Send + Sync + 'static,
    {
        follow_polling(self, request, plan)
    }

    /// The client's own `Debug` output, when the subject can show it (the kit checks it
    /// never carries a token or secret the client holds); `None` by default.
    fn debug_text(&self) -> Option<String> {
        None
    }
}

/// [`Caller::history`] over [`Caller::call`]: the core's [`HistoryWalk`], each page one
/// call; the walk ends after an error.
pub fn walk_history<C, H>(caller: &C, first: H, max: usize) -> Vec<Item>
where
    C: Caller + ?Sized,
    H: History + Send + Sync + 'static,
{
    let mut walk = HistoryWalk::new(first);
    let mut items = Vec::new();
    while items.len() < max {
        if let Some(item) = walk.next_item() {
            items.push(item);
            continue;
        }
        let Some(request) = walk.next_request() else {
            break;
        };
        match caller.call(request.clone()) {
            Ok(reply) => walk.receive(&request, reply.output),
            Err(e) => {
                items.push(Err(e));
                break;
            }
        }
    }
    items
}

/// [`Caller::follow`] over [`Caller::call`]: the core's [`Follower`], sleeping on this
/// thread between polls.
pub fn follow_polling<C, H>(caller: &C, request: H, plan: &FollowPlan) -> Followed
where
    C: Caller + ?Sized,
    H: History + Send + Sync + 'static,
{
    let mut follower = match &plan.from {
        Some(cursor) => Follower::resume(request, cursor.clone()),
        None => Follower::new(request),
    };
    let deadline = Instant::now() + plan.within;
    let mut items = Vec::new();
    while items.len() < plan.want && Instant::now() < deadline {
        if let Some(item) = follower.next_item() {
            items.push(item);
            continue;
        }
        let Some(next) = follower.next_request() else {
            break;
        };
        if next.after_interval {
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::sleep(plan.interval.min(left));
            if Instant::now() >= deadline {
                break;
            }
        }
        match caller.call(next.request.clone()) {
            Ok(reply) => follower.receive(&next.request, reply.output),
            Err(e) => {
                follower.failed(&e);
                items.push(Err(e));
            }
        }
    }
    Followed {
        items,
        cursor: follower.cursor().cloned(),
    }
}

/// A blocking client under test that only runs operations: the kit pages and follows
/// over [`BlockingSubject::call`] (see [`Blocking`]).
pub trait BlockingSubject: Sized + Send + Sync + 'static {
    /// Builds the client from the scenario's settings.
    fn build(settings: &Settings) -> Result<Self, Error>;
    /// Runs one operation (with retries and token renewal, as the client does).
    fn call<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error>;
}

/// An async client under test that only runs operations; the kit runs it on a
/// multi-threaded tokio runtime (see [`Async`]).
pub trait AsyncSubject: Sized + Send + Sync + 'static {
    /// Builds the client from the scenario's settings (inside the runtime).
    fn build(settings: &Settings) -> Result<Self, Error>;
    /// Runs one operation (with retries and token renewal, as the client does).
    fn call<O>(
        &self,
        op: O,
    ) -> impl Future<Output = Result<Reply<O::Output>, Error>> + Send + 'static
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send;
}

/// A [`BlockingSubject`] as a [`Caller`].
#[derive(Debug)]
pub struct Blocking<S>(pub S);

impl<S: BlockingSubject> Caller for Blocking<S> {
    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        self.0.call(&op)
    }
}

/// A tokio runtime for async subjects: multi-threaded, two workers, time and I/O on.
///
/// # Panics
///
/// When the runtime cannot start.
#[allow(clippy::expect_used)]
pub fn runtime() -> Arc<tokio::runtime::Runtime> {
    Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    )
}

/// An [`AsyncSubject`] as a [`Caller`]: each call is `block_on` on the runtime, so many
/// threads calling at once are many tasks at once.
pub struct Async<S> {
    /// The runtime the client runs on.
    pub runtime: Arc<tokio::runtime::Runtime>,
    /// The client.
    pub client: S,
}

impl<S> std::fmt::Debug for Async<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Async").finish_non_exhaustive()
    }
}

impl<S: AsyncSubject> Async<S> {
    /// Builds the subject inside `runtime`.
    pub fn build(
        runtime: &Arc<tokio::runtime::Runtime>,
        settings: &Settings,
    ) -> Result<Self, Error> {
        let _inside = runtime.enter();
        Ok(Async {
            runtime: runtime.clone(),
            client: S::build(settings)?,
        })
    }
}

impl<S: AsyncSubject> Caller for Async<S> {
    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        self.runtime.block_on(self.client.call(op))
    }
}

/// A bare blocking stack: sends one request and reads its answer within the limits.
pub trait BareStack:
    Fn(http::Request<Vec<u8>>, AttemptLimits) -> Result<http::Response<Vec<u8>>, SendError>
    + Send
    + Sync
    + 'static
{
}

impl<F> BareStack for F where
    F: Fn(http::Request<Vec<u8>>, AttemptLimits) -> Result<http::Response<Vec<u8>>, SendError>
        + Send
        + Sync
        + 'static
{
}

/// A bare blocking stack run through the core's [`Driver`]. The driver sleeps with
/// `std::thread::sleep`, reads `Instant::now` and draws its jitter from [`jitter`].
pub struct DrivenStack<F> {
    driver: Driver,
    send: Arc<F>,
}

impl<F> std::fmt::Debug for DrivenStack<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrivenStack")
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

impl<F: BareStack> DrivenStack<F> {
    /// The driver built from the scenario's settings, around `send`.
    pub fn new(settings: &Settings, send: Arc<F>) -> Result<Self, Error> {
        Ok(DrivenStack {
            driver: settings.builder::<Driver>()?.build()?,
            send,
        })
    }

    /// The driver.
    pub fn driver(&self) -> &Driver {
        &self.driver
    }
}

impl<F: BareStack> Caller for DrivenStack<F> {
    fn debug_text(&self) -> Option<String> {
        Some(format!("{:?}", self.driver))
    }

    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        let send = &*self.send;
        let mut stack = BlockingStack::new(send, std::thread::sleep, Instant::now, jitter);
        self.driver.call(&op, &mut stack)
    }

    fn history<H>(&self, first: H, max: usize) -> Vec<Item>
    where
        H: History + Send + Sync + 'static,
    {
        let send = &*self.send;
        let mut stack = BlockingStack::new(send, std::thread::sleep, Instant::now, jitter);
        self.driver.history(first, &mut stack).take(max).collect()
    }
}

/// The future of a bare async stack's send.
pub type SendFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Vec<u8>>, SendError>> + Send>>;

/// A bare async stack: sends one request and reads its answer within the limits.
pub trait BareAsyncStack:
    Fn(http::Request<Vec<u8>>, AttemptLimits) -> SendFuture + Send + Sync + 'static
{
}

impl<F> BareAsyncStack for F where
    F: Fn(http::Request<Vec<u8>>, AttemptLimits) -> SendFuture + Send + Sync + 'static
{
}

/// A bare async stack run through the core's [`Driver`] on a tokio runtime: the driver
/// sleeps with `tokio::time::sleep`, reads `Instant::now` and draws from [`jitter`].
pub struct DrivenAsyncStack<F> {
    driver: Driver,
    send: Arc<F>,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl<F> std::fmt::Debug for DrivenAsyncStack<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrivenAsyncStack")
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

impl<F: BareAsyncStack> DrivenAsyncStack<F> {
    /// The driver built from the scenario's settings, around `send`, on `runtime`.
    pub fn new(
        settings: &Settings,
        send: Arc<F>,
        runtime: Arc<tokio::runtime::Runtime>,
    ) -> Result<Self, Error> {
        Ok(DrivenAsyncStack {
            driver: settings.builder::<Driver>()?.build()?,
            send,
            runtime,
        })
    }
}

impl<F: BareAsyncStack> Caller for DrivenAsyncStack<F> {
    fn debug_text(&self) -> Option<String> {
        Some(format!("{:?}", self.driver))
    }

    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        let send = &*self.send;
        let mut stack = AsyncStack::new(send, tokio::time::sleep, Instant::now, jitter);
        self.runtime
            .block_on(self.driver.call_async(&op, &mut stack))
    }

    fn history<H>(&self, first: H, max: usize) -> Vec<Item>
    where
        H: History + Send + Sync + 'static,
    {
        let send = &*self.send;
        let mut stack = AsyncStack::new(send, tokio::time::sleep, Instant::now, jitter);
        self.runtime.block_on(async {
            let mut history = self.driver.history_async(first, &mut stack);
            let mut items = Vec::new();
            while items.len() < max {
                match history.next().await {
                    Some(item) => items.push(item),
                    None => break,
                }
            }
            items
        })
    }
}

/// A value in `[0, 1)` from the standard library's per-process random hash keys.
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
