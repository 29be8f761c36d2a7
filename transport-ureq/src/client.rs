//! The blocking client: one generic entry point for every operation.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::client::{ClientSettings, FromSettings, invalid_proxy};
use genesys_chat::trace::CallSpan;
use genesys_chat::{
    Call, Config, Error, History, Operation, Reply, RetryPolicy, Step, TransportErrorKind,
};

use crate::HistoryIter;
use crate::auth::Auth;

/// Builds a [`Client`]: every timeout and limit named, with defaults (the core's
/// [`genesys_chat::client::ClientBuilder`], shared with the async client).
pub type ClientBuilder = genesys_chat::client::ClientBuilder<Client>;

/// A blocking Genesys Cloud Chat client. Cheap to clone; clones share connections and
/// the access token.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: Config,
    retry: RetryPolicy,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    auth: Arc<Auth>,
}

impl FromSettings for Client {
    fn from_settings(settings: ClientSettings) -> Result<Self, Error> {
        let proxy = match &settings.proxy {
            Some(url) => Some(ureq::Proxy::new(url).map_err(|_| invalid_proxy())?),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // 4xx and 5xx are answers for the core to parse, not transport errors.
            .http_status_as_error(false)
            .timeout_connect(Some(settings.connect_timeout))
            .max_idle_connections(settings.pool_size.max(1) * 4)
            .max_idle_connections_per_host(settings.pool_size)
            .proxy(proxy)
            // Authorization is never carried across a redirect.
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .user_agent(settings.config.user_agent())
            .build()
            .into();
        let auth = Arc::new(Auth::new(&settings.config, settings.credentials));
        Ok(Client {
            agent,
            config: settings.config,
            retry: settings.retry,
            connect_timeout: settings.connect_timeout,
            attempt_timeout: settings.attempt_timeout,
            auth,
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
        let span = CallSpan::new(O::META);
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

    /// Bounds every phase of an attempt by `timeout`: connecting (also by the connect
    /// timeout), sending, waiting for the answer, reading the body. Phase timeouts rather
    /// than ureq's global one: a global timeout also bounds name resolution, which makes
    /// ureq resolve on a fresh thread for every request (4x slower on loopback), and a
    /// connect cut short by it could not be told from a timeout after sending.
    fn with_timeouts<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
        timeout: Duration,
    ) -> http::Request<S> {
        self.agent
            .configure_request(request)
            .timeout_connect(Some(self.connect_timeout.min(timeout)))
            .timeout_send_request(Some(timeout))
            .timeout_send_body(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
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
                .take(cap as u64 + 1)
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
        U::Io(e) => io_kind(e),
        U::ConnectProxyFailed(_) => TransportErrorKind::Connect,
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
