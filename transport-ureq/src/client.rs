//! The blocking client: one generic entry point for every operation.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::{
    Call, Config, Error, History, Operation, Reply, RetryPolicy, Step, TransportErrorKind,
};

use crate::HistoryIter;
use crate::auth::Auth;
use crate::trace::Span;

/// Default time to set up a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one attempt, from sending the request to the end of the body.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of idle connections kept per host.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// A blocking Genesys Cloud Chat client. Cheap to clone; clones share connections and
/// the access token.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: Config,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    auth: Arc<Auth>,
}

/// Builds a [`Client`]: every timeout and limit named, with defaults.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
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
}

impl ClientBuilder {
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

    /// The `User-Agent` header. Default `genesys-chat/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
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
        let proxy = match &self.proxy {
            Some(url) => Some(ureq::Proxy::new(url).map_err(|_| Error::InvalidInput {
                field: "proxy",
                reason: "is not a proxy URL; write it like http://proxy.internal:3128".into(),
            })?),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // 4xx and 5xx are answers for the core to parse, not transport errors.
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .max_idle_connections(self.pool_size.max(1) * 4)
            .max_idle_connections_per_host(self.pool_size)
            .proxy(proxy)
            // Authorization is never carried across a redirect.
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .user_agent(config.user_agent())
            .build()
            .into();
        let credentials = match (self.credentials, config.token()) {
            (Some(credentials), _) => Some(credentials),
            (None, Some(token)) => Some(Credentials::Token(token.clone())),
            (None, None) => None,
        };
        let auth = Arc::new(Auth::new(&config, credentials));
        Ok(Client {
            agent,
            config,
            retry,
            attempt_timeout: self.attempt_timeout,
            auth,
        })
    }
}

impl Client {
    /// A client with the default settings.
    pub fn new(config: Config) -> Result<Self, Error> {
        Client::builder(config).build()
    }

    /// A builder to set timeouts, limits, proxy and retries.
    pub fn builder(config: Config) -> ClientBuilder {
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
        }
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
    pub fn call_with_reply<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        let config = self.auth.config(self)?;
        match self.execute(op, &config) {
            Err(e) if e.status() == Some(401) && self.auth.renewable() => {
                self.auth.invalidate(&config);
                let config = self.auth.config(self)?;
                self.execute(op, &config)
            }
            other => other,
        }
    }

    /// Runs `op` with `config` through the retry loop.
    pub(crate) fn execute<O: Operation>(
        &self,
        op: &O,
        config: &Config,
    ) -> Result<Reply<O::Output>, Error> {
        let span = Span::new(O::META);
        let started = Instant::now();
        let mut call = Call::new(op, config, self.retry);
        loop {
            let request = call.next_request()?;
            let timeout = call.attempt_timeout(Some(self.attempt_timeout), started.elapsed());
            let step = match self.send(request, timeout, O::META.id) {
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

    /// Every message of a history (room, thread or 1on1), newest first, across pages.
    pub fn history<H: History>(&self, first: H) -> HistoryIter<'_, H> {
        HistoryIter::new(self, first)
    }

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        operation: &'static str,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let bodiless = request.body().is_empty()
            && matches!(*request.method(), http::Method::GET | http::Method::DELETE);
        let result = if bodiless {
            // `()` sends no body and no `Content-Length: 0`.
            let (parts, _) = request.into_parts();
            let request = self
                .agent
                .configure_request(http::Request::from_parts(parts, ()))
                .timeout_global(Some(timeout))
                .build();
            self.agent.run(request)
        } else {
            let request = self
                .agent
                .configure_request(request)
                .timeout_global(Some(timeout))
                .build();
            self.agent.run(request)
        };
        let response = result.map_err(|e| transport_error(operation, e))?;
        let cap = self.config.max_response_bytes();
        let (parts, mut body) = response.into_parts();
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
                    size: cap as u64 + 1,
                },
                other => transport_error(operation, other),
            })?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Maps a ureq failure to the core's transport error, keeping whether the request may
/// have been sent. The message never holds the URL.
fn transport_error(operation: &'static str, error: ureq::Error) -> Error {
    use ureq::Error as U;
    use ureq::Timeout as T;
    let kind = match &error {
        U::Timeout(T::Resolve | T::Connect) => TransportErrorKind::Connect,
        U::Timeout(_) => TransportErrorKind::Timeout,
        U::HostNotFound | U::ConnectionFailed | U::Tls(_) | U::InvalidProxyUrl => {
            TransportErrorKind::Connect
        }
        U::Io(e) => match e.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => {
                TransportErrorKind::Connect
            }
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        },
        U::Protocol(_) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    let message = match &error {
        U::BadUri(_) => "the request URI was refused by the HTTP stack".to_owned(),
        other => other.to_string(),
    };
    Error::Transport {
        operation,
        kind,
        message,
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
mod tests {
    use super::*;

    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let first = values[0];
        assert!(values.iter().any(|v| *v != first));
    }
}
