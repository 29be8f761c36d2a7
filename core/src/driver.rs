//! Drivers for your own HTTP stack: the [`Call`] loop with retries, token renewal
//! through [`TokenCache`], pacing through a [`Pacer`] and history paging, around a `send`
//! function you provide.
//!
//! The core still does no I/O, reads no clock and draws no random numbers: your stack
//! passes them in. A blocking stack is a [`BlockingStack`] of four functions:
//!
//! - `send(request, limits)`: sends one request and reads its answer within the
//!   [`AttemptLimits`] (a deadline for the whole attempt, a body cap), or fails with a
//!   [`TransportErrorKind`] and a message (never the URL, a token or a body);
//! - `sleep(duration)`: waits (backoff, `Retry-After`, the pacer, another caller's token
//!   renewal);
//! - `now()`: the time (`Instant::now` in a program, a fake clock in a test);
//! - `jitter()`: a value in `[0, 1)` for the retry backoff.
//!
//! An async stack is an [`AsyncStack`] of the same four, `send` and `sleep` returning
//! futures: no runtime is assumed. A [`Driver`] holds what outlives one call (the
//! configuration, the retry policy, the token, the pacer) and is shared by every caller
//! (`&Driver` is all a call needs; it is `Send + Sync`).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use genesys_chat::auth::Credentials;
//! use genesys_chat::driver::{AttemptLimits, BlockingStack, Driver};
//! use genesys_chat::operations::GetChatsSettings;
//! use genesys_chat::Config;
//!
//! let config = Config::with_base_url("http://127.0.0.1:8080")?;
//! let driver = Driver::builder(config)
//!     .credentials(Credentials::client_credentials("my-client", "my-secret"))
//!     .build()?;
//!
//! // The stack: a closure that logs in, then answers 503 once and 200 after.
//! let mut answers = vec![
//!     (200, r#"{"messageRetentionPeriodDays":90}"#),
//!     (503, ""),
//!     (200, r#"{"access_token":"tok-1","token_type":"bearer","expires_in":3600}"#),
//! ];
//! let mut stack = BlockingStack::new(
//!     |request: http::Request<Vec<u8>>, limits: AttemptLimits| {
//!         assert!(limits.timeout <= Duration::from_secs(30));
//!         let (status, body) = answers.pop().expect("an answer");
//!         if status == 200 && body.contains("messageRetention") {
//!             assert_eq!(request.headers()["authorization"], "Bearer tok-1");
//!         }
//!         Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap())
//!     },
//!     |_wait: Duration| {}, // std::thread::sleep in a program
//!     Instant::now,
//!     || 0.5, // a random value in [0, 1) in a program
//! );
//!
//! let reply = driver.call(&GetChatsSettings::new(), &mut stack)?;
//! assert_eq!(reply.output.message_retention_period_days, Some(90));
//! assert_eq!(reply.attempts, 2);
//! # Ok::<(), genesys_chat::Error>(())
//! ```
//!
//! What the driver does for a call, in order: take a usable token (logging in or renewing
//! first when there is none; callers that need one while another caller renews wait for
//! that renewal and share its result, success or failure, so a failing login host gets
//! one token request per wave of callers); for each attempt, ask the pacer (when there is
//! one), send within what is left of the attempt timeout and the total budget, refuse a
//! 2xx body over the cap ([`Error::BodyTooLarge`]), and let [`Call`] decide whether to
//! stop or sleep and try again; after a 401 with renewable credentials, renew the token
//! once and run the call once more. The total budget bounds everything, the token
//! request and the waits included.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::auth::{Credentials, Renewal, TokenCache};
use crate::client::{ClientBuilder, ClientSettings, FromSettings};
use crate::models::ChatMessageResponse;
use crate::pacing::{Pace, PaceKey, Pacer, PacingPolicy, Permit};
use crate::paging::HistoryWalk;
use crate::trace::CallSpan;
use crate::{
    Call, Config, Error, History, Operation, Reply, RetryPolicy, Step, TransportErrorKind,
};

/// What one attempt may take; a stack honours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptLimits {
    /// When the attempt must be over, from connecting to the last byte of the body: the
    /// attempt timeout or what is left of the call's total budget, whichever ends first.
    pub deadline: Instant,
    /// The same as a duration from the moment `send` is called.
    pub timeout: Duration,
    /// The longest time to set up a connection (at most `timeout`).
    pub connect_timeout: Duration,
    /// The most body bytes to read. A stack that finds more reads one byte past it (or
    /// stops at a `Content-Length` over it and returns what it has) and returns the
    /// response: the driver turns a 2xx body over the cap into [`Error::BodyTooLarge`],
    /// and keeps an error answer's status and headers.
    pub max_body: usize,
}

impl AttemptLimits {
    /// The limits of an attempt that starts at `now` and may take `timeout` (connecting
    /// included), reading at most `max_body` body bytes: for sending a request by hand.
    pub fn new(now: Instant, timeout: Duration, max_body: usize) -> Self {
        AttemptLimits {
            deadline: now.checked_add(timeout).unwrap_or(now),
            timeout,
            connect_timeout: timeout,
            max_body,
        }
    }
}

/// How a stack's `send` fails: what kind of failure (whether the request may have been
/// sent) and a message without the URL, a token or a body.
pub type SendError = (TransportErrorKind, String);

/// The time a caller that waits for another caller's token renewal sleeps between looks.
const RENEWAL_RECHECK: Duration = Duration::from_millis(10);

/// A blocking stack: its `send`, `sleep`, `now` and `jitter` functions.
pub struct BlockingStack<S, Z, N, J> {
    send: S,
    sleep: Z,
    now: N,
    jitter: J,
}

impl<S, Z, N, J> std::fmt::Debug for BlockingStack<S, Z, N, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlockingStack")
    }
}

impl<S, Z, N, J> BlockingStack<S, Z, N, J>
where
    S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> Result<http::Response<Vec<u8>>, SendError>,
    Z: FnMut(Duration),
    N: FnMut() -> Instant,
    J: FnMut() -> f64,
{
    /// A stack of these four functions (see the [module documentation](self)).
    pub fn new(send: S, sleep: Z, now: N, jitter: J) -> Self {
        BlockingStack {
            send,
            sleep,
            now,
            jitter,
        }
    }
}

/// An async stack: `send` and `sleep` return futures, `now` and `jitter` as for
/// [`BlockingStack`]. Any runtime's sleep fits (`tokio::time::sleep`, a timer crate's).
pub struct AsyncStack<S, Z, N, J> {
    send: S,
    sleep: Z,
    now: N,
    jitter: J,
}

impl<S, Z, N, J> std::fmt::Debug for AsyncStack<S, Z, N, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsyncStack")
    }
}

impl<S, SF, Z, ZF, N, J> AsyncStack<S, Z, N, J>
where
    S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> SF,
    SF: Future<Output = Result<http::Response<Vec<u8>>, SendError>>,
    Z: FnMut(Duration) -> ZF,
    ZF: Future<Output = ()>,
    N: FnMut() -> Instant,
    J: FnMut() -> f64,
{
    /// A stack of these four functions (see the [module documentation](self)).
    pub fn new(send: S, sleep: Z, now: N, jitter: J) -> Self {
        AsyncStack {
            send,
            sleep,
            now,
            jitter,
        }
    }
}

/// Builds a [`Driver`]: the core's [`ClientBuilder`] (every timeout and limit named, the
/// same defaults as the clients, pacing on by default included; `no_pacing()` turns it
/// off).
pub type DriverBuilder = ClientBuilder<Driver>;

/// What outlives one call: the configuration, the retry policy, the token and the pacer.
/// Share it between callers by reference (or in an `Arc`).
#[derive(Debug)]
pub struct Driver {
    config: Config,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    tokens: Mutex<Tokens>,
    renewable: bool,
    pacer: Option<Mutex<Pacer>>,
}

#[derive(Debug)]
struct Tokens {
    cache: TokenCache,
    /// Whether a caller is renewing the token (without holding the lock).
    renewing: bool,
}

impl FromSettings for Driver {
    fn from_settings(settings: ClientSettings) -> Result<Self, Error> {
        if settings.proxy.is_some() {
            return Err(Error::invalid(
                "proxy",
                "is for the clients' own stacks; a driver's stack connects as it likes, so set the proxy there",
            ));
        }
        let cache = TokenCache::new(settings.config.clone(), settings.credentials);
        Ok(Driver {
            renewable: cache.renewable(),
            tokens: Mutex::new(Tokens {
                cache,
                renewing: false,
            }),
            config: settings.config,
            retry: settings.retry,
            attempt_timeout: settings.attempt_timeout,
            connect_timeout: settings.connect_timeout,
            // As the clients do: paced by default, off with `no_pacing()`.
            pacer: settings
                .pacing
                .enabled
                .then(|| Mutex::new(Pacer::new(settings.pacing))),
        })
    }
}

/// What a caller does about its token.
enum TokenStep {
    Ready(Arc<Config>),
    Failed(Error),
    /// Another caller is renewing: sleep this long and look again.
    Wait(Duration),
    Renew(Renewal, Box<Config>),
}

/// What the pacer said, once a permit is had or the call must end.
enum PaceStep {
    Go(Option<Permit>),
    Wait(Duration),
    Failed(Error),
}

/// Ends a renewal however the caller leaves (an error, a panicking `send`, a dropped
/// future): clears the flag so that waiting callers renew themselves.
struct RenewingGuard<'a>(&'a Driver);

impl Drop for RenewingGuard<'_> {
    fn drop(&mut self) {
        self.0.tokens().renewing = false;
    }
}

impl Driver {
    /// A builder with the default settings for `config` (the token of `config`, unless
    /// [`ClientBuilder::credentials`] is given).
    pub fn builder(config: Config) -> DriverBuilder {
        ClientBuilder::new(config)
    }

    /// A driver with the default settings and the token of `config`.
    pub fn new(config: Config) -> Result<Self, Error> {
        Driver::builder(config).build()
    }

    /// A driver with the default settings that gets its token from `credentials`.
    pub fn with_credentials(config: Config, credentials: Credentials) -> Result<Self, Error> {
        Driver::builder(config).credentials(credentials).build()
    }

    /// Paces every call's requests with a new [`Pacer`] of this policy (shared by every
    /// caller of this driver), in place of the builder's: a request waits while the
    /// rate-limit window is used up, and a call under a used-up long limit fails at once.
    pub fn with_pacing(mut self, policy: PacingPolicy) -> Self {
        self.pacer = Some(Mutex::new(Pacer::new(policy)));
        self
    }

    /// The configuration requests are built from (without the token).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The retry policy (its budget bounds every call).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    fn tokens(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `op` on a blocking stack, with retries, token renewal and pacing; returns its
    /// output with the status, headers, correlation id and attempts.
    pub fn call<O, S, Z, N, J>(
        &self,
        op: &O,
        stack: &mut BlockingStack<S, Z, N, J>,
    ) -> Result<Reply<O::Output>, Error>
    where
        O: Operation,
        S: FnMut(
            http::Request<Vec<u8>>,
            AttemptLimits,
        ) -> Result<http::Response<Vec<u8>>, SendError>,
        Z: FnMut(Duration),
        N: FnMut() -> Instant,
        J: FnMut() -> f64,
    {
        let started = (stack.now)();
        let config = self.token_blocking(stack, started)?;
        match self.execute_blocking(op, &config, started, true, stack) {
            Err(e) if e.status() == Some(401) && self.renewable => {
                self.tokens().cache.invalidate(&config);
                let config = self.token_blocking(stack, started)?;
                self.execute_blocking(op, &config, started, true, stack)
            }
            other => other,
        }
    }

    /// Runs `op` on an async stack, with retries, token renewal and pacing; returns its
    /// output with the status, headers, correlation id and attempts. The future is `Send`
    /// when the stack's functions and futures are.
    pub async fn call_async<O, S, SF, Z, ZF, N, J>(
        &self,
        op: &O,
        stack: &mut AsyncStack<S, Z, N, J>,
    ) -> Result<Reply<O::Output>, Error>
    where
        O: Operation,
        S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> SF,
        SF: Future<Output = Result<http::Response<Vec<u8>>, SendError>>,
        Z: FnMut(Duration) -> ZF,
        ZF: Future<Output = ()>,
        N: FnMut() -> Instant,
        J: FnMut() -> f64,
    {
        let started = (stack.now)();
        let config = self.token_async(stack, started).await?;
        match self.execute_async(op, &config, started, true, stack).await {
            Err(e) if e.status() == Some(401) && self.renewable => {
                self.tokens().cache.invalidate(&config);
                let config = self.token_async(stack, started).await?;
                self.execute_async(op, &config, started, true, stack).await
            }
            other => other,
        }
    }

    /// Every message of a history (room, thread or 1on1), newest first, across pages, on
    /// a blocking stack: the core's [`HistoryWalk`], each page a [`Driver::call`].
    pub fn history<'a, H, S, Z, N, J>(
        &'a self,
        first: H,
        stack: &'a mut BlockingStack<S, Z, N, J>,
    ) -> HistoryIter<'a, H, S, Z, N, J>
    where
        H: History,
    {
        HistoryIter {
            driver: self,
            stack,
            walk: HistoryWalk::new(first),
        }
    }

    /// Every message of a history on an async stack: call [`AsyncHistory::next`] until it
    /// answers `None`.
    pub fn history_async<'a, H, S, Z, N, J>(
        &'a self,
        first: H,
        stack: &'a mut AsyncStack<S, Z, N, J>,
    ) -> AsyncHistory<'a, H, S, Z, N, J>
    where
        H: History,
    {
        AsyncHistory {
            driver: self,
            stack,
            walk: HistoryWalk::new(first),
        }
    }

    /// The end of the call's budget, if it fits in an `Instant`.
    fn deadline(&self, started: Instant) -> Option<Instant> {
        started.checked_add(self.retry.budget)
    }

    /// One look at the token: use it, share a failure, wait for another caller, or renew.
    fn token_step(&self, since: Instant, now: Instant, started: Instant) -> TokenStep {
        let mut tokens = self.tokens();
        if let Some(config) = tokens.cache.current(now) {
            return TokenStep::Ready(config);
        }
        if let Some(error) = tokens.cache.failure_since(since) {
            return TokenStep::Failed(error);
        }
        if tokens.renewing {
            let left = self
                .deadline(started)
                .map_or(RENEWAL_RECHECK, |d| d.saturating_duration_since(now));
            if left.is_zero() {
                return TokenStep::Failed(waited_too_long(self.retry.budget));
            }
            return TokenStep::Wait(left.min(RENEWAL_RECHECK));
        }
        match tokens.cache.renewal() {
            Ok(renewal) => {
                tokens.renewing = true;
                TokenStep::Renew(renewal, Box::new(tokens.cache.base().clone()))
            }
            Err(error) => TokenStep::Failed(error),
        }
    }

    /// Keeps the outcome of a renewal that ended at `now`.
    fn finish_renewal(
        &self,
        result: Result<RenewedWith, Error>,
        now: Instant,
    ) -> Result<Arc<Config>, Error> {
        let mut tokens = self.tokens();
        let stored = match result {
            Ok(RenewedWith::Token(token)) => tokens.cache.store_token(token),
            Ok(RenewedWith::Response(response)) => tokens.cache.store_response(response, now),
            Err(error) => Err(error),
        };
        if let Err(error) = &stored {
            tokens.cache.record_failure(error.clone(), now);
        }
        stored
    }

    fn token_blocking<S, Z, N, J>(
        &self,
        stack: &mut BlockingStack<S, Z, N, J>,
        started: Instant,
    ) -> Result<Arc<Config>, Error>
    where
        S: FnMut(
            http::Request<Vec<u8>>,
            AttemptLimits,
        ) -> Result<http::Response<Vec<u8>>, SendError>,
        Z: FnMut(Duration),
        N: FnMut() -> Instant,
        J: FnMut() -> f64,
    {
        let since = (stack.now)();
        loop {
            match self.token_step(since, (stack.now)(), started) {
                TokenStep::Ready(config) => return Ok(config),
                TokenStep::Failed(error) => return Err(error),
                TokenStep::Wait(wait) => (stack.sleep)(wait),
                TokenStep::Renew(renewal, base) => {
                    let guard = RenewingGuard(self);
                    let result = match renewal {
                        Renewal::Callback(callback) => callback.fetch().map(RenewedWith::Token),
                        Renewal::Request(request) => self
                            .execute_blocking(&request, &base, started, false, stack)
                            .map(|reply| RenewedWith::Response(reply.output)),
                    };
                    let stored = self.finish_renewal(result, (stack.now)());
                    drop(guard);
                    return stored;
                }
            }
        }
    }

    async fn token_async<S, SF, Z, ZF, N, J>(
        &self,
        stack: &mut AsyncStack<S, Z, N, J>,
        started: Instant,
    ) -> Result<Arc<Config>, Error>
    where
        S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> SF,
        SF: Future<Output = Result<http::Response<Vec<u8>>, SendError>>,
        Z: FnMut(Duration) -> ZF,
        ZF: Future<Output = ()>,
        N: FnMut() -> Instant,
        J: FnMut() -> f64,
    {
        let since = (stack.now)();
        loop {
            let step = self.token_step(since, (stack.now)(), started);
            match step {
                TokenStep::Ready(config) => return Ok(config),
                TokenStep::Failed(error) => return Err(error),
                TokenStep::Wait(wait) => (stack.sleep)(wait).await,
                TokenStep::Renew(renewal, base) => {
                    let guard = RenewingGuard(self);
                    let result = match renewal {
                        Renewal::Callback(callback) => callback.fetch().map(RenewedWith::Token),
                        Renewal::Request(request) => self
                            .execute_async(&request, &base, started, false, stack)
                            .await
                            .map(|reply| RenewedWith::Response(reply.output)),
                    };
                    let stored = self.finish_renewal(result, (stack.now)());
                    drop(guard);
                    return stored;
                }
            }
        }
    }

    /// The limits of the next attempt, or the error of a budget already spent.
    fn limits<O: Operation>(
        &self,
        call: &Call<'_, O>,
        config: &Config,
        started: Instant,
        now: Instant,
    ) -> Result<AttemptLimits, Error> {
        let elapsed = now.saturating_duration_since(started);
        let timeout = call.attempt_timeout(Some(self.attempt_timeout), elapsed);
        if timeout.is_zero() {
            return Err(budget_spent(O::META.id, self.retry.budget));
        }
        Ok(AttemptLimits {
            deadline: now.checked_add(timeout).unwrap_or(now),
            timeout,
            connect_timeout: self.connect_timeout.min(timeout),
            max_body: config.max_response_bytes(),
        })
    }

    /// Asks the pacer (when there is one and the request is paced) for leave to send.
    fn pace(
        &self,
        paced: bool,
        config: &Config,
        operation: &'static str,
        started: Instant,
        now: Instant,
    ) -> PaceStep {
        let Some(pacer) = self.pacer.as_ref().filter(|_| paced) else {
            return PaceStep::Go(None);
        };
        let key = PaceKey::from_config(config).unwrap_or(PaceKey::from_id(0));
        let pace = pacer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .acquire(key, operation, now);
        match pace {
            Pace::Go(permit) => PaceStep::Go(Some(permit)),
            Pace::Wait(wait) => {
                let elapsed = now.saturating_duration_since(started);
                if elapsed.saturating_add(wait) >= self.retry.budget {
                    PaceStep::Failed(crate::client::pacer_wait_past_budget(
                        operation,
                        wait,
                        self.retry.budget.saturating_sub(elapsed),
                        self.retry.budget,
                    ))
                } else {
                    PaceStep::Wait(wait)
                }
            }
            Pace::Blocked(blocked) => {
                PaceStep::Failed(crate::client::pacer_blocked(operation, &blocked))
            }
        }
    }

    /// Runs `f` on the pacer, when there is one.
    fn with_pacer(&self, f: impl FnOnce(&mut Pacer)) {
        if let Some(pacer) = &self.pacer {
            f(&mut pacer.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    /// Hands the permit back and turns what the stack returned into the next step.
    fn settle<O: Operation>(
        &self,
        call: &mut Call<'_, O>,
        span: &CallSpan,
        sent: Sent,
        max_body: usize,
    ) -> Step<O::Output> {
        let Sent {
            permit,
            result,
            now,
            elapsed,
            jitter,
        } = sent;
        match result {
            Ok(response) => {
                if let Some(permit) = permit {
                    self.with_pacer(|p| p.observe(permit, &response, now));
                }
                span.attempt(
                    call.attempts(),
                    Some(response.status().as_u16()),
                    crate::operation::correlation_id(response.headers()).as_deref(),
                );
                match over_the_cap(O::META.id, &response, max_body) {
                    Some(error) => call.on_error(error, elapsed, jitter),
                    None => call.on_response(response, elapsed, jitter),
                }
            }
            Err((kind, message)) => {
                if let Some(permit) = permit {
                    self.with_pacer(|p| p.abandon(permit, now));
                }
                span.attempt(call.attempts(), None, None);
                let error = Error::Transport {
                    operation: O::META.id,
                    kind,
                    message,
                };
                call.on_error(error, elapsed, jitter)
            }
        }
    }

    fn execute_blocking<O, S, Z, N, J>(
        &self,
        op: &O,
        config: &Config,
        started: Instant,
        paced: bool,
        stack: &mut BlockingStack<S, Z, N, J>,
    ) -> Result<Reply<O::Output>, Error>
    where
        O: Operation,
        S: FnMut(
            http::Request<Vec<u8>>,
            AttemptLimits,
        ) -> Result<http::Response<Vec<u8>>, SendError>,
        Z: FnMut(Duration),
        N: FnMut() -> Instant,
        J: FnMut() -> f64,
    {
        let span = CallSpan::new(O::META);
        let mut call = Call::new(op, config, self.retry);
        loop {
            let request = call.next_request()?;
            let permit = loop {
                let now = (stack.now)();
                match self.pace(paced, config, O::META.id, started, now) {
                    PaceStep::Go(permit) => break permit,
                    PaceStep::Wait(wait) => (stack.sleep)(wait),
                    PaceStep::Failed(error) => return Err(error),
                }
            };
            let limits = match self.limits(&call, config, started, (stack.now)()) {
                Ok(limits) => limits,
                Err(error) => {
                    self.give_back(permit, (stack.now)());
                    return Err(error);
                }
            };
            let result = (stack.send)(request, limits);
            let now = (stack.now)();
            let sent = Sent {
                permit,
                result,
                now,
                elapsed: now.saturating_duration_since(started),
                jitter: (stack.jitter)(),
            };
            match self.settle(&mut call, &span, sent, limits.max_body) {
                Step::Done(result) => return result,
                Step::Retry(delay) => {
                    span.retry(delay);
                    (stack.sleep)(delay);
                }
            }
        }
    }

    async fn execute_async<O, S, SF, Z, ZF, N, J>(
        &self,
        op: &O,
        config: &Config,
        started: Instant,
        paced: bool,
        stack: &mut AsyncStack<S, Z, N, J>,
    ) -> Result<Reply<O::Output>, Error>
    where
        O: Operation,
        S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> SF,
        SF: Future<Output = Result<http::Response<Vec<u8>>, SendError>>,
        Z: FnMut(Duration) -> ZF,
        ZF: Future<Output = ()>,
        N: FnMut() -> Instant,
        J: FnMut() -> f64,
    {
        let span = CallSpan::new(O::META);
        let mut call = Call::new(op, config, self.retry);
        loop {
            let request = call.next_request()?;
            let permit = loop {
                let now = (stack.now)();
                match self.pace(paced, config, O::META.id, started, now) {
                    PaceStep::Go(permit) => break permit,
                    PaceStep::Wait(wait) => (stack.sleep)(wait).await,
                    PaceStep::Failed(error) => return Err(error),
                }
            };
            let limits = match self.limits(&call, config, started, (stack.now)()) {
                Ok(limits) => limits,
                Err(error) => {
                    self.give_back(permit, (stack.now)());
                    return Err(error);
                }
            };
            let result = (stack.send)(request, limits).await;
            let now = (stack.now)();
            let sent = Sent {
                permit,
                result,
                now,
                elapsed: now.saturating_duration_since(started),
                jitter: (stack.jitter)(),
            };
            match self.settle(&mut call, &span, sent, limits.max_body) {
                Step::Done(result) => return result,
                Step::Retry(delay) => {
                    span.retry(delay);
                    (stack.sleep)(delay).await;
                }
            }
        }
    }

    /// Abandons a permit whose request was never sent.
    fn give_back(&self, permit: Option<Permit>, now: Instant) {
        if let Some(permit) = permit {
            self.with_pacer(|p| p.abandon(permit, now));
        }
    }
}

/// One attempt's outcome, as [`Driver::settle`] takes it.
struct Sent {
    permit: Option<Permit>,
    result: Result<http::Response<Vec<u8>>, SendError>,
    now: Instant,
    elapsed: Duration,
    jitter: f64,
}

/// What a renewal brought.
enum RenewedWith {
    Token(crate::AccessToken),
    Response(crate::auth::TokenResponse),
}

/// A 2xx body over the cap (by its length or its `Content-Length`) as
/// [`Error::BodyTooLarge`]; an error answer keeps its status whatever its size.
fn over_the_cap(
    operation: &'static str,
    response: &http::Response<Vec<u8>>,
    cap: usize,
) -> Option<Error> {
    if !response.status().is_success() {
        return None;
    }
    let announced = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let read = response.body().len() as u64;
    let size = announced.map_or(read, |a| a.max(read));
    (size > cap as u64).then_some(Error::BodyTooLarge {
        operation,
        limit: cap,
        size,
    })
}

/// The error of an attempt that the call's total budget left no time for.
fn budget_spent(operation: &'static str, budget: Duration) -> Error {
    Error::Transport {
        operation,
        kind: TransportErrorKind::Timeout,
        message: format!(
            "the total budget of {:.1}s was spent before this attempt",
            budget.as_secs_f64()
        ),
    }
}

/// The error of a caller whose budget ran out while another caller renewed the token.
fn waited_too_long(budget: Duration) -> Error {
    Error::Transport {
        operation: "postOauthToken",
        kind: TransportErrorKind::Timeout,
        message: format!(
            "waited for another caller's token renewal until the total budget of {:.1}s was spent",
            budget.as_secs_f64()
        ),
    }
}

/// The messages of a history on a blocking stack ([`Driver::history`]), newest first.
///
/// Each message id is yielded once; a message that cannot be read is yielded as
/// [`Error::MalformedItem`] in its place and the iteration goes on; any other error is
/// yielded once and ends it.
pub struct HistoryIter<'a, H, S, Z, N, J> {
    driver: &'a Driver,
    stack: &'a mut BlockingStack<S, Z, N, J>,
    walk: HistoryWalk<H>,
}

impl<H, S, Z, N, J> std::fmt::Debug for HistoryIter<'_, H, S, Z, N, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryIter").finish_non_exhaustive()
    }
}

impl<H, S, Z, N, J> Iterator for HistoryIter<'_, H, S, Z, N, J>
where
    H: History,
    S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> Result<http::Response<Vec<u8>>, SendError>,
    Z: FnMut(Duration),
    N: FnMut() -> Instant,
    J: FnMut() -> f64,
{
    type Item = Result<ChatMessageResponse, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.walk.next_item() {
                return Some(item);
            }
            let op = self.walk.next_request()?;
            match self.driver.call(&op, &mut *self.stack) {
                Ok(page) => self.walk.receive(&op, page.output),
                // The walk handed out its last request: it ends after the error.
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The messages of a history on an async stack ([`Driver::history_async`]), newest
/// first, with the same guarantees as [`HistoryIter`].
pub struct AsyncHistory<'a, H, S, Z, N, J> {
    driver: &'a Driver,
    stack: &'a mut AsyncStack<S, Z, N, J>,
    walk: HistoryWalk<H>,
}

impl<H, S, Z, N, J> std::fmt::Debug for AsyncHistory<'_, H, S, Z, N, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncHistory").finish_non_exhaustive()
    }
}

impl<H, S, SF, Z, ZF, N, J> AsyncHistory<'_, H, S, Z, N, J>
where
    H: History,
    S: FnMut(http::Request<Vec<u8>>, AttemptLimits) -> SF,
    SF: Future<Output = Result<http::Response<Vec<u8>>, SendError>>,
    Z: FnMut(Duration) -> ZF,
    ZF: Future<Output = ()>,
    N: FnMut() -> Instant,
    J: FnMut() -> f64,
{
    /// The next message, `None` at the end of the history.
    pub async fn next(&mut self) -> Option<Result<ChatMessageResponse, Error>> {
        loop {
            if let Some(item) = self.walk.next_item() {
                return Some(item);
            }
            let op = self.walk.next_request()?;
            match self.driver.call_async(&op, &mut *self.stack).await {
                Ok(page) => self.walk.receive(&op, page.output),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::models::SendMessageBody;
    use crate::operations::{GetChatsRoomMessages, GetChatsSettings, PostChatsRoomMessages};

    const SETTINGS: &str = r#"{"messageRetentionPeriodDays":90}"#;

    fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn token(name: &str) -> String {
        format!(r#"{{"access_token":"{name}","token_type":"bearer","expires_in":3600}}"#)
    }

    fn config() -> Config {
        Config::with_base_url("http://127.0.0.1:9").unwrap()
    }

    fn quick() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
            ..RetryPolicy::default()
        }
    }

    /// A scripted blocking stack with a fake clock: every request line it saw, and the
    /// time it slept.
    struct Script {
        answers: VecDeque<Result<http::Response<Vec<u8>>, SendError>>,
        seen: Vec<String>,
        slept: Duration,
        limits: Vec<AttemptLimits>,
    }

    fn script(answers: Vec<Result<http::Response<Vec<u8>>, SendError>>) -> Script {
        Script {
            answers: answers.into(),
            seen: Vec::new(),
            slept: Duration::ZERO,
            limits: Vec::new(),
        }
    }

    /// Runs `f` with a blocking stack over `script`, whose clock moves only when it sleeps.
    fn with_stack<T>(
        script: &mut Script,
        f: impl FnOnce(
            &mut BlockingStack<
                &mut dyn FnMut(
                    http::Request<Vec<u8>>,
                    AttemptLimits,
                ) -> Result<http::Response<Vec<u8>>, SendError>,
                &mut dyn FnMut(Duration),
                &mut dyn FnMut() -> Instant,
                fn() -> f64,
            >,
        ) -> T,
    ) -> T {
        let t0 = Instant::now();
        let clock = std::cell::Cell::new(Duration::ZERO);
        let seen = std::cell::RefCell::new((Vec::new(), Vec::new()));
        let answers = std::cell::RefCell::new(std::mem::take(&mut script.answers));
        let mut send = |request: http::Request<Vec<u8>>, limits: AttemptLimits| {
            let auth = request
                .headers()
                .get("authorization")
                .map_or("-".to_owned(), |v| v.to_str().unwrap().to_owned());
            seen.borrow_mut().0.push(format!(
                "{} {} {auth}",
                request.method(),
                request.uri().path()
            ));
            seen.borrow_mut().1.push(limits);
            answers.borrow_mut().pop_front().expect("an answer")
        };
        let mut sleep = |d: Duration| clock.set(clock.get() + d);
        let mut now = || t0 + clock.get();
        let mut stack = BlockingStack::new(
            &mut send as &mut dyn FnMut(_, _) -> _,
            &mut sleep as &mut dyn FnMut(_),
            &mut now as &mut dyn FnMut() -> Instant,
            (|| 0.5) as fn() -> f64,
        );
        let out = f(&mut stack);
        let (lines, limits) = seen.into_inner();
        script.seen = lines;
        script.limits = limits;
        script.slept = clock.get();
        out
    }

    #[test]
    fn a_503_is_retried_after_the_backoff_and_the_limits_reach_the_stack() {
        let driver = Driver::builder(config().with_token("t").unwrap())
            .retry(quick())
            .attempt_timeout(Duration::from_secs(7))
            .max_response_bytes(1000)
            .build()
            .unwrap();
        let mut s = script(vec![Ok(answer(503, "")), Ok(answer(200, SETTINGS))]);
        let reply =
            with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap();
        assert_eq!(reply.output.message_retention_period_days, Some(90));
        assert_eq!(reply.attempts, 2);
        assert_eq!(
            s.seen,
            [
                "GET /api/v2/chats/settings Bearer t",
                "GET /api/v2/chats/settings Bearer t"
            ]
        );
        // Full jitter of 0.5 on a 10 ms ceiling.
        assert_eq!(s.slept, Duration::from_millis(5));
        assert_eq!(s.limits[0].timeout, Duration::from_secs(7));
        assert_eq!(s.limits[0].connect_timeout, Duration::from_secs(7));
        assert_eq!(s.limits[0].max_body, 1000);
    }

    #[test]
    fn a_post_is_never_sent_twice_after_a_broken_connection() {
        let driver = Driver::builder(config().with_token("t").unwrap())
            .retry(quick())
            .build()
            .unwrap();
        let mut s = script(vec![Err((TransportErrorKind::Io, "reset".to_owned()))]);
        let op = PostChatsRoomMessages::new("r@conference.example.com", SendMessageBody::new("x"));
        let error = with_stack(&mut s, |stack| driver.call(&op, stack)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`postChatsRoomMessages` failed: the connection broke: reset"
        );
        assert_eq!(s.seen.len(), 1);
    }

    #[test]
    fn client_credentials_log_in_first_and_a_401_renews_once() {
        let driver =
            Driver::with_credentials(config(), Credentials::client_credentials("id", "secret"))
                .unwrap();
        let mut s = script(vec![
            Ok(answer(200, &token("tok-1"))),
            Ok(answer(401, r#"{"code":"bad.credentials"}"#)),
            Ok(answer(200, &token("tok-2"))),
            Ok(answer(200, SETTINGS)),
        ]);
        let reply =
            with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap();
        assert_eq!(reply.attempts, 1);
        assert_eq!(
            s.seen,
            [
                "POST /oauth/token Basic aWQ6c2VjcmV0",
                "GET /api/v2/chats/settings Bearer tok-1",
                "POST /oauth/token Basic aWQ6c2VjcmV0",
                "GET /api/v2/chats/settings Bearer tok-2",
            ]
        );
        // The token is kept for the next call.
        let mut s = script(vec![Ok(answer(200, SETTINGS))]);
        with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap();
        assert_eq!(s.seen, ["GET /api/v2/chats/settings Bearer tok-2"]);
    }

    #[test]
    fn a_failed_login_is_shared_with_the_callers_that_waited_for_it() {
        let driver =
            Driver::with_credentials(config(), Credentials::client_credentials("id", "secret"))
                .unwrap();
        // A caller started waiting, then the renewal it waited for failed.
        let since = Instant::now();
        let started = since;
        let TokenStep::Renew(..) = driver.token_step(since, since, started) else {
            panic!("the first caller renews");
        };
        let TokenStep::Wait(wait) = driver.token_step(since, since, started) else {
            panic!("a second caller waits");
        };
        assert_eq!(wait, Duration::from_millis(10));
        let failure = Error::Config("login host down".to_owned());
        let _ = driver.finish_renewal(Err(failure.clone()), since + Duration::from_millis(5));
        drop(RenewingGuard(&driver));
        let TokenStep::Failed(shared) = driver.token_step(since, since, started) else {
            panic!("the waiter shares the failure");
        };
        assert_eq!(shared, failure);
        // A caller that came after the failure renews itself.
        let later = since + Duration::from_millis(6);
        assert!(matches!(
            driver.token_step(later, later, later),
            TokenStep::Renew(..)
        ));
    }

    #[test]
    fn a_2xx_body_over_the_cap_is_body_too_large_and_an_error_answer_keeps_its_status() {
        let driver = Driver::builder(config().with_token("t").unwrap())
            .max_response_bytes(10)
            .no_retry()
            .build()
            .unwrap();
        let mut s = script(vec![Ok(answer(200, SETTINGS))]);
        let error =
            with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap_err();
        assert!(
            matches!(
                error,
                Error::BodyTooLarge {
                    limit: 10,
                    size: 33,
                    ..
                }
            ),
            "{error:?}"
        );
        let mut s = script(vec![Ok(answer(
            404,
            r#"{"code":"not.found","status":404}"#,
        ))]);
        let error =
            with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap_err();
        assert_eq!(error.status(), Some(404));
    }

    #[test]
    fn the_pacer_blocks_a_call_under_a_used_up_daily_limit_without_sending_it() {
        let driver = Driver::builder(config().with_token("t").unwrap())
            .no_retry()
            .build()
            .unwrap()
            .with_pacing(PacingPolicy::default());
        let daily = http::Response::builder()
            .status(429)
            .header("retry-after", "3600")
            .body(br#"{"code":"too.many.requests"}"#.to_vec())
            .unwrap();
        let mut s = script(vec![Ok(daily)]);
        let error =
            with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap_err();
        assert_eq!(error.status(), Some(429));
        let mut s = script(vec![]);
        let error =
            with_stack(&mut s, |stack| driver.call(&GetChatsSettings::new(), stack)).unwrap_err();
        assert!(s.seen.is_empty(), "{:?}", s.seen);
        assert!(!error.request_may_have_been_sent());
        assert!(error.is_rate_limited());
        assert_eq!(
            error.to_string(),
            "`getChatsSettings` was not sent: a rate limit of this access token is used up and resets in 3600 s; calls with this token fail at once until then"
        );
    }

    #[test]
    fn the_builder_paces_by_default_like_the_clients_and_no_pacing_turns_it_off() {
        let daily = || {
            http::Response::builder()
                .status(429)
                .header("retry-after", "3600")
                .body(br#"{"code":"too.many.requests"}"#.to_vec())
                .unwrap()
        };
        // Paced by the builder's default policy: the second call is refused unsent.
        let paced = Driver::builder(config().with_token("t").unwrap())
            .no_retry()
            .build()
            .unwrap();
        let mut s = script(vec![Ok(daily())]);
        with_stack(&mut s, |stack| paced.call(&GetChatsSettings::new(), stack)).unwrap_err();
        let mut s = script(vec![]);
        let error =
            with_stack(&mut s, |stack| paced.call(&GetChatsSettings::new(), stack)).unwrap_err();
        assert!(s.seen.is_empty(), "{:?}", s.seen);
        assert!(!error.request_may_have_been_sent());
        // Unpaced: the second call goes out.
        let unpaced = Driver::builder(config().with_token("t").unwrap())
            .no_retry()
            .no_pacing()
            .build()
            .unwrap();
        let mut s = script(vec![Ok(daily()), Ok(daily())]);
        with_stack(&mut s, |stack| {
            unpaced.call(&GetChatsSettings::new(), stack).unwrap_err();
            unpaced.call(&GetChatsSettings::new(), stack).unwrap_err();
        });
        assert_eq!(s.seen.len(), 2);
    }

    #[test]
    fn the_pacer_waits_out_a_used_up_window_on_the_stacks_clock() {
        let driver = Driver::builder(config().with_token("t").unwrap())
            .build()
            .unwrap()
            .with_pacing(PacingPolicy::default());
        let limited = |count: &str| {
            http::Response::builder()
                .status(200)
                .header("inin-ratelimit-allowed", "1")
                .header("inin-ratelimit-count", count)
                .header("inin-ratelimit-reset", "2")
                .body(SETTINGS.as_bytes().to_vec())
                .unwrap()
        };
        let mut s = script(vec![Ok(limited("1")), Ok(limited("1"))]);
        with_stack(&mut s, |stack| {
            driver.call(&GetChatsSettings::new(), stack).unwrap();
            driver.call(&GetChatsSettings::new(), stack).unwrap();
        });
        assert_eq!(s.seen.len(), 2);
        assert_eq!(s.slept, Duration::from_secs(2));
    }

    fn page(ids: &[(&str, u32)]) -> String {
        let entities: Vec<String> = ids
            .iter()
            .map(|(id, second)| {
                format!(
                    r#"{{"id":"{id}","dateCreated":"2026-11-25T10:00:0{second}.000Z","toJid":"r@conference.example.com","jid":"u@example.com","body":"text"}}"#
                )
            })
            .collect();
        format!(r#"{{"entities":[{}]}}"#, entities.join(","))
    }

    #[test]
    fn history_walks_every_page_through_the_driver_with_its_retries() {
        let driver = Driver::builder(config().with_token("t").unwrap())
            .retry(quick())
            .build()
            .unwrap();
        let mut s = script(vec![
            Ok(answer(200, &page(&[("m4", 4), ("m3", 3)]))),
            Ok(answer(503, "")),
            Ok(answer(200, &page(&[("m2", 2)]))),
        ]);
        let ids: Vec<String> = with_stack(&mut s, |stack| {
            driver
                .history(
                    GetChatsRoomMessages::new("r@conference.example.com").limit(2),
                    stack,
                )
                .map(|m| m.unwrap().id().unwrap().to_owned())
                .collect()
        });
        assert_eq!(ids, ["m4", "m3", "m2"]);
        assert_eq!(s.seen.len(), 3);
    }

    /// Polls a future that never waits on anything but the driver's own calls.
    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn the_async_flavour_logs_in_retries_and_pages() {
        let driver = Driver::builder(config())
            .credentials(Credentials::client_credentials("id", "secret"))
            .retry(quick())
            .build()
            .unwrap();
        let answers = Mutex::new(VecDeque::from(vec![
            answer(200, &token("tok-1")),
            answer(503, ""),
            answer(200, SETTINGS),
            answer(200, &page(&[("m1", 1)])),
        ]));
        let seen = Mutex::new(Vec::new());
        let slept = Mutex::new(Duration::ZERO);
        let mut stack = AsyncStack::new(
            |request: http::Request<Vec<u8>>, _limits: AttemptLimits| {
                seen.lock().unwrap().push(request.uri().path().to_owned());
                let next = answers.lock().unwrap().pop_front().expect("an answer");
                async move { Ok(next) }
            },
            |d: Duration| {
                *slept.lock().unwrap() += d;
                async {}
            },
            Instant::now,
            || 0.5,
        );
        let reply = block_on(driver.call_async(&GetChatsSettings::new(), &mut stack)).unwrap();
        assert_eq!(reply.attempts, 2);
        let mut history = driver.history_async(
            GetChatsRoomMessages::new("r@conference.example.com").limit(25),
            &mut stack,
        );
        let first = block_on(history.next()).unwrap().unwrap();
        assert_eq!(first.id(), Some("m1"));
        assert!(block_on(history.next()).is_none());
        assert_eq!(
            seen.into_inner().unwrap(),
            [
                "/oauth/token",
                "/api/v2/chats/settings",
                "/api/v2/chats/settings",
                "/api/v2/chats/rooms/r%40conference.example.com/messages",
            ]
        );
        assert_eq!(slept.into_inner().unwrap(), Duration::from_millis(5));
    }

    #[test]
    fn the_async_call_is_send_when_the_stack_is() {
        fn is_send<T: Send>(_: &T) {}
        let driver = Driver::new(config().with_token("t").unwrap()).unwrap();
        let mut stack = AsyncStack::new(
            |_: http::Request<Vec<u8>>, _: AttemptLimits| async { Ok(answer(200, SETTINGS)) },
            |_: Duration| async {},
            Instant::now,
            || 0.5,
        );
        let op = GetChatsSettings::new();
        let call = driver.call_async(&op, &mut stack);
        is_send(&call);
        assert_eq!(block_on(call).unwrap().attempts, 1);
    }
}
