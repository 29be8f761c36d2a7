//! What every transport's client is built from: one builder, with every timeout and
//! limit named, shared by the adapter crates so their knobs and defaults cannot differ.
//!
//! The core only holds the settings; a transport turns them into its client by
//! implementing [`FromSettings`], and exports `ClientBuilder<ItsClient>` as its builder.
//! [`SharedPacer`] is the pacer every clone of a client shares, with the decisions the
//! transports' attempt loops take from it (go, wait, or fail at once).

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::auth::{Credentials, RequestToken};
use crate::pacing::{Blocked, Pace, PaceKey, Pacer, PacingPolicy, Permit};
use crate::{Config, Error, Operation, RetryPolicy};

/// Default time to set up a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one attempt, from sending the request to the end of the body.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of idle connections kept per host.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// The settings a transport builds its client from, as the builder left them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSettings {
    /// Where requests go, with the user agent and the response size cap applied.
    pub config: Config,
    /// The retry policy, with the total time budget applied.
    pub retry: RetryPolicy,
    /// Time to set up a connection.
    pub connect_timeout: Duration,
    /// Time for one attempt, from sending the request to the end of the response body.
    pub attempt_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_size: usize,
    /// A proxy URL for every request; `None` means none (not even from the environment).
    pub proxy: Option<String>,
    /// How the token is had; `None` means the token of the [`Config`] as it is.
    pub credentials: Option<Credentials>,
    /// How requests are paced to the token's rate limit ([`crate::pacing`]).
    pub pacing: PacingPolicy,
}

/// A transport's client, built from [`ClientSettings`].
pub trait FromSettings: Sized {
    /// Builds the client; fails for settings this transport cannot honour (e.g. a proxy
    /// URL it cannot parse).
    fn from_settings(settings: ClientSettings) -> Result<Self, Error>;
}

/// Builds a client `C`: every timeout and limit named, with defaults.
///
/// The transports export it as their `ClientBuilder`:
///
/// ```ignore
/// let client = genesys_chat_ureq::Client::builder(config)
///     .attempt_timeout(Duration::from_secs(20))
///     .total_timeout(Duration::from_secs(60))
///     .build()?;
/// ```
pub struct ClientBuilder<C> {
    config: Config,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    pool_size: usize,
    max_response_bytes: Option<usize>,
    proxy: Option<String>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    credentials: Option<Credentials>,
    pacing: PacingPolicy,
    client: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("pool_size", &self.pool_size)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("credentials", &self.credentials)
            .field("pacing", &self.pacing)
            .finish()
    }
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            config: self.config.clone(),
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            total_timeout: self.total_timeout,
            pool_size: self.pool_size,
            max_response_bytes: self.max_response_bytes,
            proxy: self.proxy.clone(),
            retry: self.retry,
            user_agent: self.user_agent.clone(),
            credentials: self.credentials.clone(),
            pacing: self.pacing,
            client: PhantomData,
        }
    }
}

impl<C: FromSettings> ClientBuilder<C> {
    /// A builder with the default settings for `config`.
    pub fn new(config: Config) -> Self {
        ClientBuilder {
            config,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: None,
            pool_size: DEFAULT_POOL_SIZE,
            max_response_bytes: None,
            proxy: None,
            retry: RetryPolicy::default(),
            user_agent: None,
            credentials: None,
            pacing: PacingPolicy::default(),
            client: PhantomData,
        }
    }

    /// How the client gets its token: a fixed token, a grant it exchanges and renews
    /// (client credentials, refresh token, code, PKCE, SAML2), or your callback. Without
    /// this, the token of the [`Config`] is used as it is.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Time to set up a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time for one attempt, from sending the request to the end of the response body.
    /// Default 30 s.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Time for the whole call, retries and waits included (the retry policy's budget).
    /// Default 120 s.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Idle connections kept per host. Default 8.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// The cap on response bodies, enforced while reading. Default 8 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Sends every request through this proxy, e.g. `http://proxy.internal:3128`.
    /// Without it no proxy is used, whatever the environment says.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Turns retries off: every call makes exactly one attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::disabled())
    }

    /// How requests are paced to the access token's rate limit (see [`crate::pacing`]).
    /// Default [`PacingPolicy::default`]: on, and free until the service's answers carry
    /// rate-limit headers or a 429. Every clone of the client, in every thread or task,
    /// shares one pacer. The wait for the pacer counts against the call's total budget
    /// ([`total_timeout`](Self::total_timeout)): a call that would wait past it fails at
    /// once with [`Error::RateLimited`], and so does every call a used-up daily limit
    /// covers, until it resets. Token requests to the login host are not paced.
    pub fn pacing(mut self, policy: PacingPolicy) -> Self {
        self.pacing = policy;
        self
    }

    /// Turns pacing off: requests go out as soon as they are made, whatever the rate
    /// limit (429s are then only retried, as the retry policy says).
    pub fn no_pacing(self) -> Self {
        self.pacing(PacingPolicy::disabled())
    }

    /// The `User-Agent` header. Default `genesys-chat/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client. Fails with [`Error::InvalidInput`] for a user agent that cannot
    /// travel in a header or a proxy the transport cannot use.
    pub fn build(self) -> Result<C, Error> {
        let mut config = self.config;
        if let Some(ua) = self.user_agent {
            config = config.with_user_agent(ua)?;
        }
        if let Some(bytes) = self.max_response_bytes {
            config = config.with_max_response_bytes(bytes);
        }
        let mut retry = self.retry;
        if let Some(total) = self.total_timeout {
            retry.budget = total;
        }
        C::from_settings(ClientSettings {
            config,
            retry,
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            pool_size: self.pool_size,
            proxy: self.proxy,
            credentials: self.credentials,
            pacing: self.pacing,
        })
    }
}

/// The pacer of a client, shared by all its clones (and so by every thread and task that
/// uses them); nothing at all when pacing is off.
///
/// A transport's attempt loop asks [`acquire`](SharedPacer::acquire) before each attempt,
/// sleeps on [`Paced::Wait`] and asks again, sends on [`Paced::Go`], and hands the permit
/// back with [`observe`](SharedPacer::observe) (before the core parses the response) or
/// [`abandon`](SharedPacer::abandon) (no response came).
#[derive(Debug, Clone, Default)]
pub struct SharedPacer(Option<Arc<Mutex<Pacer>>>);

/// What a transport does next, by [`SharedPacer::acquire`].
#[derive(Debug)]
#[must_use]
pub enum Paced {
    /// Send the request now; hand the permit back afterwards.
    Go(Permit),
    /// Sleep this long (it fits in the call's budget), then acquire again.
    Wait(Duration),
}

impl SharedPacer {
    /// A pacer with `policy`, or none when the policy is off.
    pub fn new(policy: PacingPolicy) -> Self {
        SharedPacer(
            policy
                .enabled
                .then(|| Arc::new(Mutex::new(Pacer::new(policy)))),
        )
    }

    /// Whether requests are paced.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The key the requests of `O` with `config` are paced under; `None` when pacing is
    /// off, for token requests to the login host (another host, another limit) and for a
    /// configuration without a token.
    pub fn key<O: Operation>(&self, config: &Config) -> Option<PaceKey> {
        if self.0.is_none() || O::META.id == RequestToken::META.id {
            return None;
        }
        PaceKey::from_config(config)
    }

    /// Whether the request of `operation` may go at `now`, for a call that has `left` of
    /// its total `budget`. Fails with [`Error::RateLimited`] when a limit is used up
    /// until it resets, or when the wait would not end before the budget is spent.
    pub fn acquire(
        &self,
        key: PaceKey,
        operation: &'static str,
        now: Instant,
        left: Duration,
        budget: Duration,
    ) -> Result<Paced, Error> {
        let Some(pacer) = &self.0 else {
            // Never paced when off: a permit that accounts for nothing.
            let mut off = Pacer::new(PacingPolicy::disabled());
            return match off.acquire(key, operation, now) {
                Pace::Go(permit) => Ok(Paced::Go(permit)),
                Pace::Wait(wait) => Ok(Paced::Wait(wait)),
                Pace::Blocked(blocked) => Err(pacer_blocked(operation, &blocked)),
            };
        };
        let pace = pacer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .acquire(key, operation, now);
        match pace {
            Pace::Go(permit) => Ok(Paced::Go(permit)),
            Pace::Wait(wait) if wait >= left => {
                Err(pacer_wait_past_budget(operation, wait, left, budget))
            }
            Pace::Wait(wait) => Ok(Paced::Wait(wait)),
            Pace::Blocked(blocked) => Err(pacer_blocked(operation, &blocked)),
        }
    }

    /// Hands back the permit of a request that got `response`, observed at `now`.
    pub fn observe(&self, permit: Permit, response: &http::Response<Vec<u8>>, now: Instant) {
        if let Some(pacer) = &self.0 {
            pacer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .observe(permit, response, now);
        }
    }

    /// Hands back the permit of a request that got no response (or was not sent).
    pub fn abandon(&self, permit: Permit, now: Instant) {
        if let Some(pacer) = &self.0 {
            pacer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .abandon(permit, now);
        }
    }
}

/// The error of a call the pacer blocks: a limit is used up until it resets.
pub fn pacer_blocked(operation: &'static str, blocked: &Blocked) -> Error {
    Error::RateLimited {
        operation,
        resets_in: Some(blocked.resets_in),
        limit: blocked.limit.as_ref().map(ToString::to_string),
        reason: blocked.to_string(),
    }
}

/// The error of a call whose wait for the rate-limit window would not end within what is
/// `left` of its total `budget`.
pub fn pacer_wait_past_budget(
    operation: &'static str,
    wait: Duration,
    left: Duration,
    budget: Duration,
) -> Error {
    Error::RateLimited {
        operation,
        resets_in: Some(wait),
        limit: None,
        reason: format!(
            "the rate limit of this access token asks to wait {:.1}s for its window to end, longer than the {:.1}s left of the call's total budget of {:.1}s; raise the total timeout, or make fewer calls at once",
            wait.as_secs_f64(),
            left.as_secs_f64(),
            budget.as_secs_f64()
        ),
    }
}

/// The error for a proxy URL a transport cannot use.
pub fn invalid_proxy() -> Error {
    Error::invalid(
        "proxy",
        "is not a proxy URL; write it like http://proxy.internal:3128",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "client" that keeps the settings it was built from.
    struct Captured(ClientSettings);

    impl FromSettings for Captured {
        fn from_settings(settings: ClientSettings) -> Result<Self, Error> {
            Ok(Captured(settings))
        }
    }

    fn config() -> Config {
        Config::with_base_url("http://127.0.0.1:9")
            .unwrap()
            .with_token("t")
            .unwrap()
    }

    #[test]
    fn defaults() {
        let Captured(s) = ClientBuilder::<Captured>::new(config()).build().unwrap();
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
        assert_eq!(s.attempt_timeout, Duration::from_secs(30));
        assert_eq!(s.pool_size, 8);
        assert_eq!(s.proxy, None);
        assert!(s.credentials.is_none());
        assert_eq!(s.retry, RetryPolicy::default());
        assert_eq!(s.retry.budget, Duration::from_secs(120));
        assert_eq!(s.config.max_response_bytes(), 8 * 1024 * 1024);
        assert_eq!(s.config.user_agent(), crate::config::DEFAULT_USER_AGENT);
        assert!(s.pacing.enabled);
        assert_eq!(s.pacing, PacingPolicy::default());
    }

    #[test]
    fn knobs_reach_the_settings() {
        let Captured(s) = ClientBuilder::<Captured>::new(config())
            .connect_timeout(Duration::from_secs(1))
            .attempt_timeout(Duration::from_secs(2))
            .total_timeout(Duration::from_secs(3))
            .pool_size(1)
            .max_response_bytes(1024)
            .user_agent("my-app/1.0")
            .proxy("http://proxy.internal:3128")
            .credentials(Credentials::client_credentials("id", "secret"))
            .build()
            .unwrap();
        assert_eq!(s.connect_timeout, Duration::from_secs(1));
        assert_eq!(s.attempt_timeout, Duration::from_secs(2));
        assert_eq!(s.retry.budget, Duration::from_secs(3));
        assert_eq!(s.pool_size, 1);
        assert_eq!(s.config.max_response_bytes(), 1024);
        assert_eq!(s.config.user_agent(), "my-app/1.0");
        assert_eq!(s.proxy.as_deref(), Some("http://proxy.internal:3128"));
        assert!(s.credentials.is_some());
        let Captured(off) = ClientBuilder::<Captured>::new(config())
            .no_retry()
            .build()
            .unwrap();
        assert_eq!(off.retry.max_attempts, 1);
        let Captured(unpaced) = ClientBuilder::<Captured>::new(config())
            .no_pacing()
            .build()
            .unwrap();
        assert!(!unpaced.pacing.enabled);
        let reserve = PacingPolicy {
            reserve: 5,
            ..PacingPolicy::default()
        };
        let Captured(paced) = ClientBuilder::<Captured>::new(config())
            .pacing(reserve)
            .build()
            .unwrap();
        assert_eq!(paced.pacing.reserve, 5);
        assert!(paced.pacing.enabled);
        let bad = ClientBuilder::<Captured>::new(config())
            .user_agent("x\r\ny: 1")
            .build();
        assert!(matches!(
            bad,
            Err(Error::InvalidInput {
                field: "userAgent",
                ..
            })
        ));
    }

    fn answer(status: u16, retry_after: Option<&str>, count: &str) -> http::Response<Vec<u8>> {
        let mut builder = http::Response::builder()
            .status(status)
            .header("inin-ratelimit-allowed", "2")
            .header("inin-ratelimit-count", count)
            .header("inin-ratelimit-reset", "2");
        if let Some(after) = retry_after {
            builder = builder.header("retry-after", after);
        }
        builder.body(Vec::new()).unwrap()
    }

    #[test]
    fn the_shared_pacer_waits_within_the_budget_and_fails_past_it() {
        let pacer = SharedPacer::new(PacingPolicy::default());
        let clone = pacer.clone();
        assert!(pacer.is_enabled());
        let key = pacer
            .key::<crate::operations::GetChatsSettings>(&config())
            .unwrap();
        let op = "getChatsSettings";
        let budget = Duration::from_secs(120);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let Ok(Paced::Go(first)) = pacer.acquire(key, op, at(0), budget, budget) else {
            panic!("the first request goes at once")
        };
        // The window is used up (2 of 2) and ends within 2 s of the answer.
        clone.observe(first, &answer(200, None, "2"), at(10));
        let Ok(Paced::Wait(wait)) = pacer.acquire(key, op, at(20), budget, budget) else {
            panic!("the next request waits for the window")
        };
        assert_eq!(wait, Duration::from_millis(1990));
        // With 1.5 s of the budget left, the same wait fails at once.
        let error = match clone.acquire(key, op, at(20), Duration::from_millis(1500), budget) {
            Err(error) => error,
            Ok(other) => panic!("{other:?}"),
        };
        assert!(error.is_rate_limited());
        assert!(!error.request_may_have_been_sent());
        assert_eq!(
            error.to_string(),
            "`getChatsSettings` was not sent: the rate limit of this access token asks to wait 2.0s for its window to end, longer than the 1.5s left of the call's total budget of 120.0s; raise the total timeout, or make fewer calls at once"
        );
    }

    #[test]
    fn a_daily_limit_blocks_every_clone() {
        let pacer = SharedPacer::new(PacingPolicy::default());
        let key = pacer
            .key::<crate::operations::GetChatsSettings>(&config())
            .unwrap();
        let budget = Duration::from_secs(120);
        let t0 = Instant::now();
        let Ok(Paced::Go(first)) = pacer.acquire(key, "getChatsSettings", t0, budget, budget)
        else {
            panic!("the first request goes at once")
        };
        pacer.observe(first, &answer(429, Some("3600"), "3"), t0);
        let error = match pacer.clone().acquire(
            key,
            "postChatsRoomMessages",
            t0 + Duration::from_secs(600),
            budget,
            budget,
        ) {
            Err(error) => error,
            Ok(other) => panic!("{other:?}"),
        };
        assert_eq!(
            error,
            Error::RateLimited {
                operation: "postChatsRoomMessages",
                resets_in: Some(Duration::from_secs(3000)),
                limit: None,
                reason: "a rate limit of this access token is used up and resets in 3000 s; calls with this token fail at once until then".to_owned(),
            }
        );
        assert!(error.is_rate_limited());
    }

    #[test]
    fn token_requests_and_a_pacer_that_is_off_are_not_paced() {
        let on = SharedPacer::new(PacingPolicy::default());
        assert!(on.key::<RequestToken>(&config()).is_none());
        let off = SharedPacer::new(PacingPolicy::disabled());
        assert!(!off.is_enabled());
        assert!(
            off.key::<crate::operations::GetChatsSettings>(&config())
                .is_none()
        );
    }

    #[test]
    fn debug_hides_the_proxy_credentials() {
        let builder = ClientBuilder::<Captured>::new(config()).proxy("http://user:pw@proxy:3128");
        assert!(!format!("{builder:?}").contains("pw"));
    }
}
