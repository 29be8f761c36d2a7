//! The blocking client: one generic entry point for every operation.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::client::{ClientSettings, FromSettings, Paced, SharedPacer, invalid_proxy};
use genesys_chat::trace::CallSpan;
use genesys_chat::{
    Call, Config, Error, History, Operation, Reply, RetryPolicy, Step, TransportErrorKind,
};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

use crate::HistoryIter;
use crate::auth::Auth;

mod call_options;

/// Builds a [`Client`]: every timeout and limit named, with defaults (the core's
/// [`genesys_chat::client::ClientBuilder`], shared with the async client).
pub type ClientBuilder = genesys_chat::client::ClientBuilder<Client>;

/// A blocking Genesys Cloud Chat client. Cheap to clone; clones share connections, the
/// access token and the pacer ([`ClientBuilder::pacing`]).
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: Config,
    retry: RetryPolicy,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    auth: Arc<Auth>,
    /// Paces requests to the token's rate limit; shared by every clone.
    pacer: SharedPacer,
}

impl FromSettings for Client {
    fn from_settings(settings: ClientSettings) -> Result<Self, Error> {
        let proxy = match &settings.proxy {
            Some(url) => Some(ureq::Proxy::new(url).map_err(|_| invalid_proxy())?),
            None => None,
        };
        let config = ureq::Agent::config_builder()
            // 4xx and 5xx are answers for the core to parse, not transport errors.
            .http_status_as_error(false)
            .timeout_connect(Some(settings.connect_timeout))
            .max_idle_connections(settings.pool_size.max(1) * 4)
            .max_idle_connections_per_host(settings.pool_size)
            .proxy(proxy)
            // No redirect is followed: the 3xx is returned for the core to turn into an
            // error that names the target's origin.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            // No `Accept-Encoding`, even when ureq's gzip or brotli feature is on.
            .accept_encoding(ureq::config::AutoHeaderValue::None)
            .user_agent(settings.config.user_agent())
            .build();
        let connector = DefaultConnector::default().chain(TrackSent);
        let agent = ureq::Agent::with_parts(config, connector, ThisThreadResolver);
        let auth = Arc::new(Auth::new(&settings.config, settings.credentials));
        Ok(Client {
            agent,
            config: settings.config,
            retry: settings.retry,
            connect_timeout: settings.connect_timeout,
            attempt_timeout: settings.attempt_timeout,
            auth,
            pacer: SharedPacer::new(settings.pacing),
        })
    }
}

impl Client {
    /// A client with the default settings.
    pub fn new(config: Config) -> Result<Self, Error> {
        Client::builder(config).build()
    }

    /// A builder to set timeouts, limits, proxy, retries and credentials.
    pub fn builder(config: Config) -> ClientBuilder {
        ClientBuilder::new(config)
    }

    /// A client for the region and credentials of the environment: `GENESYSCLOUD_REGION`,
    /// and `GENESYSCLOUD_ACCESS_TOKEN` or `GENESYSCLOUD_OAUTHCLIENT_ID` with
    /// `GENESYSCLOUD_OAUTHCLIENT_SECRET` (the official CLI's names). The error names every
    /// missing or malformed variable.
    pub fn from_env() -> Result<Self, Error> {
        let (config, credentials) = Credentials::from_env_with(|name| std::env::var(name).ok())?;
        Client::builder(config).credentials(credentials).build()
    }

    /// The configuration requests are built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs any operation, with retries, and returns its output.
    pub fn call<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.call_with_reply(op).map(|reply| reply.output)
    }

    /// Runs any operation and returns its output with the status, headers, correlation
    /// id and number of attempts.
    ///
    /// With renewable credentials, a token is fetched on first use and renewed before it
    /// expires; a 401 renews it once and sends the request once more.
    ///
    /// The total budget ([`ClientBuilder::total_timeout`]) bounds the whole call: the
    /// token request or the wait for another caller's renewal included.
    pub fn call_with_reply<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        let started = Instant::now();
        let config = self.auth.config(self, started)?;
        match self.execute_since(op, &config, started) {
            Err(e) if e.status() == Some(401) && self.auth.renewable() => {
                self.auth.invalidate(&config);
                let config = self.auth.config(self, started)?;
                self.execute_since(op, &config, started)
            }
            other => other,
        }
    }

    /// The total budget of every call.
    pub(crate) fn budget(&self) -> Duration {
        self.retry.budget
    }

    /// Runs `op` with `config` through the retry loop, within the budget of a call that
    /// began at `started` (a token fetched for it counts against its budget).
    pub(crate) fn execute_since<O: Operation>(
        &self,
        op: &O,
        config: &Config,
        started: Instant,
    ) -> Result<Reply<O::Output>, Error> {
        let span = CallSpan::new(O::META);
        let mut call = Call::new(op, config, self.retry);
        let pace_key = self.pacer.key::<O>(config);
        loop {
            let request = call.next_request()?;
            let permit = match pace_key {
                Some(key) => Some(self.pace(key, O::META.id, started)?),
                None => None,
            };
            let timeout = call.attempt_timeout(Some(self.attempt_timeout), started.elapsed());
            if timeout.is_zero() {
                if let Some(permit) = permit {
                    self.pacer.abandon(permit, Instant::now());
                }
                return Err(budget_spent(O::META.id, self.retry.budget));
            }
            let sent = self.send(request, timeout, O::META.id);
            if let Some(permit) = permit {
                match &sent {
                    Ok(response) => self.pacer.observe(permit, response, Instant::now()),
                    Err(_) => self.pacer.abandon(permit, Instant::now()),
                }
            }
            let step = match sent {
                Ok(response) => {
                    span.attempt(
                        call.attempts(),
                        Some(response.status().as_u16()),
                        genesys_chat::operation::correlation_id(response.headers()).as_deref(),
                    );
                    call.on_response(response, started.elapsed(), jitter())
                }
                Err(error) => {
                    span.attempt(call.attempts(), None, None);
                    call.on_error(error, started.elapsed(), jitter())
                }
            };
            match step {
                Step::Done(result) => return result,
                Step::Retry(delay) => {
                    span.retry(delay);
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// Waits until the pacer lets the request of `operation` under `key` go, within the
    /// budget of the call that began at `started`; fails at once when a limit is used up
    /// or the wait would end past the budget.
    fn pace(
        &self,
        key: genesys_chat::PaceKey,
        operation: &'static str,
        started: Instant,
    ) -> Result<genesys_chat::pacing::Permit, Error> {
        let budget = self.retry.budget;
        loop {
            let left = budget.saturating_sub(started.elapsed());
            match self
                .pacer
                .acquire(key, operation, Instant::now(), left, budget)?
            {
                Paced::Go(permit) => return Ok(permit),
                Paced::Wait(wait) => std::thread::sleep(wait),
            }
        }
    }

    /// Every message of a history (room, thread or 1on1), newest first, across pages.
    pub fn history<H: History>(&self, first: H) -> HistoryIter<'_, H> {
        HistoryIter::new(self, first)
    }

    /// Bounds the whole attempt by `timeout` (ureq's per-call timeout: connecting,
    /// sending, waiting for the answer and reading the body together), and connecting also
    /// by the connect timeout. Names are resolved on the calling thread
    /// ([`ThisThreadResolver`]), so the per-call timeout costs no thread per request;
    /// name resolution itself is bounded by the system resolver's own timeouts.
    fn with_timeouts<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
        timeout: Duration,
    ) -> http::Request<S> {
        self.agent
            .configure_request(request)
            .timeout_connect(Some(self.connect_timeout.min(timeout)))
            .timeout_per_call(Some(timeout))
            .build()
    }

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        operation: &'static str,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let bodiless = request.body().is_empty()
            && matches!(*request.method(), http::Method::GET | http::Method::DELETE);
        SENT.with(|sent| sent.set(false));
        let result = if bodiless {
            // `()` sends no body and no `Content-Length: 0`.
            let (parts, _) = request.into_parts();
            let request = self.with_timeouts(http::Request::from_parts(parts, ()), timeout);
            self.agent.run(request)
        } else {
            let request = self.with_timeouts(request, timeout);
            self.agent.run(request)
        };
        let response = result.map_err(|e| transport_error(operation, e))?;
        let cap = self.config.max_response_bytes();
        let (parts, mut body) = response.into_parts();
        if !parts.status.is_success() {
            // An error answer: read at most one byte past the cap and let the core keep
            // its status and Retry-After (an unread rest closes the connection).
            let mut bytes = Vec::new();
            body.with_config()
                .limit(u64::MAX)
                .reader()
                .take((cap as u64).saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|e| io_error(operation, e))?;
            return Ok(http::Response::from_parts(parts, bytes));
        }
        if let Some(announced) = body.content_length() {
            if announced > cap as u64 {
                return Err(Error::BodyTooLarge {
                    operation,
                    limit: cap,
                    size: announced,
                });
            }
        }
        let bytes = body
            .with_config()
            .limit(cap as u64)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::BodyTooLarge {
                    operation,
                    limit: cap,
                    size: (cap as u64).saturating_add(1),
                },
                other => transport_error(operation, other),
            })?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Maps a ureq failure to the core's transport error, keeping whether the request may
/// have been sent: once a byte of the request left on this thread's attempt ([`SENT`]),
/// nothing that follows is `Connect`. The message never holds the URL.
fn transport_error(operation: &'static str, error: ureq::Error) -> Error {
    use ureq::Error as U;
    use ureq::Timeout as T;
    let sent = SENT.with(Cell::get);
    let kind = match &error {
        // The attempt's deadline, before anything was written: the request was not sent.
        U::Timeout(T::PerCall | T::Global) if !sent => TransportErrorKind::Connect,
        U::Timeout(T::Resolve | T::Connect) => TransportErrorKind::Connect,
        U::Timeout(_) => TransportErrorKind::Timeout,
        U::HostNotFound | U::ConnectionFailed | U::Tls(_) | U::InvalidProxyUrl => {
            TransportErrorKind::Connect
        }
        U::Io(e) => io_kind(e),
        U::ConnectProxyFailed(_) => TransportErrorKind::Connect,
        U::Protocol(_) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    // A refused tunnel is the proxy's answer to CONNECT: the request itself never left.
    let tunnel_refused = matches!(error, U::ConnectProxyFailed(_));
    let kind = match kind {
        TransportErrorKind::Connect if sent && !tunnel_refused => TransportErrorKind::Io,
        other => other,
    };
    let message = match &error {
        U::BadUri(_) => "the request URI was refused by the HTTP stack".to_owned(),
        U::Timeout(T::PerCall) if sent => {
            "no complete answer within the attempt timeout (or what was left of the total budget)"
                .to_owned()
        }
        U::Timeout(T::PerCall) => {
            "no connection within the attempt timeout (or what was left of the total budget)"
                .to_owned()
        }
        other => other.to_string(),
    };
    Error::Transport {
        operation,
        kind,
        message,
    }
}

/// The kind of an I/O failure: the errors a connect attempt gives are `Connect` (the
/// request was not sent); anything else may have come after sending.
fn io_kind(e: &io::Error) -> TransportErrorKind {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused
        | K::AddrNotAvailable
        | K::NetworkUnreachable
        | K::HostUnreachable
        | K::NetworkDown => TransportErrorKind::Connect,
        K::TimedOut | K::WouldBlock => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Io,
    }
}

/// An I/O failure while reading a body (the request was sent).
fn io_error(operation: &'static str, e: io::Error) -> Error {
    let kind = match io_kind(&e) {
        TransportErrorKind::Timeout => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Io,
    };
    Error::Transport {
        operation,
        kind,
        message: e.to_string(),
    }
}

/// The error of an attempt that the call's total budget left no time for.
pub(crate) fn budget_spent(operation: &'static str, budget: Duration) -> Error {
    Error::Transport {
        operation,
        kind: TransportErrorKind::Timeout,
        message: format!(
            "the total budget of {:.1}s was spent before this attempt",
            budget.as_secs_f64()
        ),
    }
}

thread_local! {
    /// Whether the attempt running on this thread has written any byte of its request.
    /// ureq runs a whole call on the calling thread ([`ThisThreadResolver`] keeps name
    /// resolution there too), so [`Client::send`] resets it and [`transport_error`]
    /// reads it.
    static SENT: Cell<bool> = const { Cell::new(false) };
}

/// Wraps every connection's transport so that a write marks [`SENT`].
#[derive(Debug)]
struct TrackSent;

impl Connector<Box<dyn Transport>> for TrackSent {
    type Out = Tracked;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(Tracked))
    }
}

/// A transport that marks [`SENT`] when it writes.
#[derive(Debug)]
struct Tracked(Box<dyn Transport>);

impl Transport for Tracked {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if amount > 0 {
            SENT.with(|sent| sent.set(true));
        }
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// ureq's resolver, always on the calling thread: with a timeout set, ureq's default
/// resolver would resolve on a fresh thread for every request (4x slower on loopback).
#[derive(Debug)]
struct ThisThreadResolver;

impl Resolver for ThisThreadResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        DefaultResolver::default().resolve(uri, config, NextTimeout::default())
    }
}

/// A value in `[0, 1)` for retry jitter, from the standard library's per-process random
/// hash keys (no extra dependency; this needs spread, not cryptographic quality).
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn kind_of(error: ureq::Error, sent: bool) -> TransportErrorKind {
        SENT.with(|flag| flag.set(sent));
        match transport_error("getChatsSettings", error) {
            Error::Transport { kind, .. } => kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn once_a_byte_has_left_no_failure_is_connect() {
        use TransportErrorKind as K;
        let refused = || ureq::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        // Nothing written: the request was not sent.
        assert_eq!(kind_of(refused(), false), K::Connect);
        assert_eq!(
            kind_of(ureq::Error::Timeout(ureq::Timeout::Connect), false),
            K::Connect
        );
        assert_eq!(
            kind_of(ureq::Error::Timeout(ureq::Timeout::PerCall), false),
            K::Connect
        );
        assert_eq!(kind_of(ureq::Error::ConnectionFailed, false), K::Connect);
        // Written: whatever comes next may have followed the request.
        assert_eq!(kind_of(refused(), true), K::Io);
        assert_eq!(
            kind_of(ureq::Error::Timeout(ureq::Timeout::Connect), true),
            K::Io
        );
        assert_eq!(
            kind_of(ureq::Error::Timeout(ureq::Timeout::PerCall), true),
            K::Timeout
        );
        assert_eq!(kind_of(ureq::Error::ConnectionFailed, true), K::Io);
        assert_eq!(kind_of(ureq::Error::HostNotFound, true), K::Io);
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let first = values[0];
        assert!(values.iter().any(|v| *v != first));
    }
}
