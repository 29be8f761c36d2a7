//! The async client: one generic entry point for every operation.

use std::collections::hash_map::RandomState;
use std::error::Error as StdError;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use genesys_chat::auth::{Credentials, Renewal, TokenCache};
use genesys_chat::client::{ClientSettings, FromSettings, Paced, SharedPacer, invalid_proxy};
use genesys_chat::trace::CallSpan;
use genesys_chat::{
    Call, Config, Error, History, Operation, Reply, RetryPolicy, Step, TransportErrorKind,
};
use http::header::{CONTENT_LENGTH, HeaderValue};
use tokio::time::Instant;

use crate::HistoryStream;

/// The most redirects followed for one attempt: none. The Chat API and the login host
/// never redirect; a 3xx is returned as an [`Error::Api`] naming the target's origin.
pub const MAX_REDIRECTS: usize = 0;

/// How much of the announced body is reserved before reading it.
const INITIAL_BODY_CAPACITY: usize = 64 * 1024;

/// An async Genesys Cloud Chat client on tokio. Cheap to clone; clones share the
/// connection pool, settings and pacer ([`ClientBuilder::pacing`]).
///
/// Build it with [`Client::new`] or [`Client::builder`], then run any operation with
/// [`Client::call`]. It needs a tokio runtime with the time driver enabled (the default
/// of `#[tokio::main]`).
///
/// It speaks HTTP/1.1 with keep-alive. No redirect is followed ([`MAX_REDIRECTS`] is 0):
/// a 3xx is an [`Error::Api`] with the status whose message names the target's origin
/// only, and it is never retried. No `Referer` and no `Accept-Encoding` are sent, and no
/// body is decompressed, whatever reqwest features another crate turns on. Proxies come
/// only from [`ClientBuilder::proxy`], not from the environment.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// The limits of one call made with per-call options ([`Client::call_with`]).
    limits: Option<call_options::Limits>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: Config,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    /// The token, behind a lock held during a renewal so concurrent callers share one
    /// token request.
    auth: tokio::sync::Mutex<TokenCache>,
    renewable: bool,
    /// Paces requests to the token's rate limit; shared by every clone and task.
    pacer: SharedPacer,
}

/// Builds a [`Client`]: every timeout and limit named, with defaults (the core's
/// [`genesys_chat::client::ClientBuilder`], shared with the blocking client).
///
/// ```
/// use std::time::Duration;
/// use genesys_chat::{Config, Region};
/// use genesys_chat_reqwest::Client;
///
/// let client = Client::builder(Config::new(Region::EuWest1).with_token("my-token")?)
///     .connect_timeout(Duration::from_secs(5))
///     .attempt_timeout(Duration::from_secs(20))
///     .total_timeout(Duration::from_secs(60))
///     .max_response_bytes(2 * 1024 * 1024)
///     .user_agent("my-app/1.0")
///     .build()?;
/// assert_eq!(client.retry_policy().budget, Duration::from_secs(60));
/// # Ok::<(), genesys_chat::Error>(())
/// ```
pub type ClientBuilder = genesys_chat::client::ClientBuilder<Client>;

impl FromSettings for Client {
    /// Fails with [`Error::InvalidInput`] for a proxy that is not a URL, and with
    /// [`Error::Config`] when the TLS backend cannot start.
    fn from_settings(settings: ClientSettings) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .pool_max_idle_per_host(settings.pool_size)
            .redirect(reqwest::redirect::Policy::none())
            // Nothing is decompressed (and no Accept-Encoding sent), even when another
            // crate turns on reqwest's decoders: the size cap is on the bytes on the wire.
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .no_zstd()
            // A Referer would carry the previous URL, path values (JIDs) included.
            .referer(false)
            .user_agent(settings.config.user_agent());
        builder = match &settings.proxy {
            Some(url) => {
                builder.proxy(reqwest::Proxy::all(url.as_str()).map_err(|_| invalid_proxy())?)
            }
            None => builder.no_proxy(),
        };
        #[cfg(feature = "native-tls")]
        {
            builder = builder.use_native_tls();
        }
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        {
            builder = builder.use_rustls_tls();
        }
        let http = builder.build().map_err(|e| {
            Error::Config(format!(
                "the HTTP client could not be built: {}",
                error_chain(&e.without_url())
            ))
        })?;
        let cache = TokenCache::new(settings.config.clone(), settings.credentials);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config: settings.config,
                retry: settings.retry,
                attempt_timeout: settings.attempt_timeout,
                renewable: cache.renewable(),
                auth: tokio::sync::Mutex::new(cache),
                pacer: SharedPacer::new(settings.pacing),
            }),
            limits: None,
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
        &self.inner.config
    }

    /// The retry policy, with the total time budget of [`ClientBuilder::total_timeout`].
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Runs any operation, with retries, and returns its output.
    ///
    /// The future is `Send` when the operation is `Sync` and its output `Send`, which
    /// holds for every operation of [`genesys_chat::operations`].
    pub async fn call<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.call_with_reply(op).await.map(|reply| reply.output)
    }

    /// Runs any operation and returns its output with the status, headers, correlation
    /// id and number of attempts.
    ///
    /// With renewable credentials, a token is fetched on first use and renewed before it
    /// expires; a 401 renews it once and sends the request once more.
    ///
    /// The total budget ([`ClientBuilder::total_timeout`]) bounds the whole call: the
    /// token request or the wait for another caller's renewal included.
    pub async fn call_with_reply<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        let started = Instant::now();
        let config = self.token_config(started).await?;
        match self.execute(op, &config, started).await {
            Err(e) if e.status() == Some(401) && self.inner.renewable => {
                self.inner.auth.lock().await.invalidate(&config);
                let config = self.token_config(started).await?;
                self.execute(op, &config, started).await
            }
            other => other,
        }
    }

    /// The configuration with a usable token, renewing it first when needed, within the
    /// budget of the call that began at `started`. One renewal at a time: callers that
    /// waited for it share its failure instead of sending their own token request.
    async fn token_config(&self, started: Instant) -> Result<Arc<Config>, Error> {
        let since = std::time::Instant::now();
        let left = self.call_retry().budget.saturating_sub(started.elapsed());
        let Ok(mut cache) = tokio::time::timeout(left, self.inner.auth.lock()).await else {
            return Err(Error::Transport {
                operation: "postOauthToken",
                kind: TransportErrorKind::Timeout,
                message: format!(
                    "waited for another caller's token renewal until the total budget of {:.1}s was spent",
                    self.call_retry().budget.as_secs_f64()
                ),
            });
        };
        if let Some(config) = cache.current(std::time::Instant::now()) {
            return Ok(config);
        }
        if let Some(error) = cache.failure_since(since) {
            return Err(error);
        }
        let stored = match cache.renewal()? {
            Renewal::Callback(callback) => callback.fetch().and_then(|t| cache.store_token(t)),
            Renewal::Request(request) => {
                let base = cache.base().clone();
                match self.execute(&request, &base, started).await {
                    Ok(reply) => cache.store_response(reply.output, std::time::Instant::now()),
                    Err(error) => Err(error),
                }
            }
        };
        if let Err(error) = &stored {
            cache.record_failure(error.clone(), std::time::Instant::now());
        }
        stored
    }

    /// Runs `op` with `config` through the retry loop, in one span, within the budget of
    /// a call that began at `started`.
    async fn execute<O: Operation>(
        &self,
        op: &O,
        config: &Config,
        started: Instant,
    ) -> Result<Reply<O::Output>, Error> {
        let span = CallSpan::new(O::META);
        span.instrument(self.run(op, config, &span, started)).await
    }

    /// Every message of a history (room, thread or 1on1), newest first, across pages.
    ///
    /// The stream owns a clone of the client, so it can be moved into a task.
    pub fn history<H>(&self, first: H) -> HistoryStream<H>
    where
        H: History + Send + Sync + 'static,
    {
        HistoryStream::new(self.clone(), first)
    }

    /// The retry loop of the core's [`Call`], sleeping on tokio between attempts.
    async fn run<O: Operation>(
        &self,
        op: &O,
        config: &Config,
        span: &CallSpan,
        started: Instant,
    ) -> Result<Reply<O::Output>, Error> {
        let mut call = Call::new(op, config, self.call_retry());
        let pace_key = self.inner.pacer.key::<O>(config);
        loop {
            let request = call.next_request()?;
            let permit = match pace_key {
                Some(key) => Some(self.pace(key, O::META.id, started).await?),
                None => None,
            };
            let timeout =
                call.attempt_timeout(Some(self.call_attempt_timeout()), started.elapsed());
            if timeout.is_zero() {
                if let Some(permit) = permit {
                    self.inner.pacer.abandon(permit, pacer_now());
                }
                return Err(Error::Transport {
                    operation: O::META.id,
                    kind: TransportErrorKind::Timeout,
                    message: format!(
                        "the total budget of {:.1}s was spent before this attempt",
                        self.call_retry().budget.as_secs_f64()
                    ),
                });
            }
            let sent = self.send(request, timeout, O::META.id).await;
            if let Some(permit) = permit {
                match &sent {
                    Ok(response) => self.inner.pacer.observe(permit, response, pacer_now()),
                    Err(_) => self.inner.pacer.abandon(permit, pacer_now()),
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
            let delay = match step {
                Step::Done(result) => return result,
                Step::Retry(delay) => delay,
            };
            span.retry(delay);
            tokio::time::sleep(delay).await;
        }
    }

    /// Waits until the pacer lets the request of `operation` under `key` go, within the
    /// budget of the call that began at `started`; fails at once when a limit is used up
    /// or the wait would end past the budget.
    async fn pace(
        &self,
        key: genesys_chat::PaceKey,
        operation: &'static str,
        started: Instant,
    ) -> Result<genesys_chat::pacing::Permit, Error> {
        let budget = self.call_retry().budget;
        loop {
            let left = budget.saturating_sub(started.elapsed());
            match self
                .inner
                .pacer
                .acquire(key, operation, pacer_now(), left, budget)?
            {
                Paced::Go(permit) => return Ok(permit),
                Paced::Wait(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// One attempt: sends the request and reads the whole body under the size cap.
    /// 4xx and 5xx are responses, not errors.
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        operation: &'static str,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let (mut parts, body) = request.into_parts();
        let uri_text = parts.uri.to_string();
        let url = reqwest::Url::parse(&uri_text).map_err(|_| {
            Error::Config("the request URI is not a URL the HTTP stack accepts".to_owned())
        })?;
        let scrub = Scrub {
            uri: &uri_text,
            url: url.as_str(),
            path: parts.uri.path_and_query().map_or("", |p| p.as_str()),
        };
        let bodiless_method = matches!(parts.method, http::Method::GET | http::Method::DELETE);
        let mut req = reqwest::Request::new(parts.method, url.clone());
        if body.is_empty() {
            if !bodiless_method {
                // hyper sends no Content-Length for an empty body; a bodiless POST (e.g.
                // `postChatsRoomParticipant`) says `Content-Length: 0` explicitly.
                parts
                    .headers
                    .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
        } else {
            *req.body_mut() = Some(reqwest::Body::from(body));
        }
        *req.headers_mut() = parts.headers;
        *req.timeout_mut() = Some(timeout);

        let mut response = self
            .inner
            .http
            .execute(req)
            .await
            .map_err(|e| transport_error(operation, e, &scrub))?;

        let cap = self.inner.config.max_response_bytes();
        let announced = response.content_length();
        // An error answer is read to at most one byte past the cap and handed over: the
        // core keeps its status and Retry-After (what a retry needs) unparsed.
        let error_answer = !response.status().is_success();
        if let Some(announced) = announced.filter(|_| !error_answer) {
            if announced > cap as u64 {
                return Err(Error::BodyTooLarge {
                    operation,
                    limit: cap,
                    size: announced,
                });
            }
        }
        let status = response.status();
        let version = response.version();
        let headers = std::mem::take(response.headers_mut());
        let initial = announced.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let mut bytes = Vec::with_capacity(initial.min(cap).min(INITIAL_BODY_CAPACITY));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(operation, e, &scrub))?
        {
            let seen = bytes.len().saturating_add(chunk.len());
            if seen > cap && error_answer {
                let keep = (cap + 1).saturating_sub(bytes.len()).min(chunk.len());
                bytes.extend_from_slice(&chunk[..keep]);
                break;
            }
            if seen > cap {
                return Err(Error::BodyTooLarge {
                    operation,
                    limit: cap,
                    size: seen as u64,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let mut out = http::Response::new(bytes);
        *out.status_mut() = status;
        *out.version_mut() = version;
        *out.headers_mut() = headers;
        Ok(out)
    }
}

/// The texts an error message must not carry: the request URI (its path holds JIDs and
/// ids) in both spellings, and its path.
struct Scrub<'a> {
    uri: &'a str,
    url: &'a str,
    path: &'a str,
}

impl Scrub<'_> {
    fn apply(&self, mut message: String) -> String {
        for (needle, mask) in [
            (self.uri, "[url]"),
            (self.url, "[url]"),
            (self.path, "[path]"),
        ] {
            if needle.len() > 1 && message.contains(needle) {
                message = message.replace(needle, mask);
            }
        }
        message
    }
}

/// Maps a reqwest failure to the core's transport error, keeping whether the request may
/// have been sent. The message never holds the URL, the token or a body.
fn transport_error(operation: &'static str, error: reqwest::Error, scrub: &Scrub<'_>) -> Error {
    Error::Transport {
        operation,
        kind: transport_kind(&error),
        message: scrub.apply(error_chain(&error.without_url())),
    }
}

/// What kind of failure a reqwest error is. A connect timeout is a connect failure (the
/// request was not sent); any other timeout may have reached the service.
fn transport_kind(error: &reqwest::Error) -> TransportErrorKind {
    if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_body() || error.is_decode() || error.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    }
}

/// The error and its sources, joined with `: `, skipping a source its parent already
/// quotes.
fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// The pacer's time: tokio's clock, so that the pacer and `tokio::time::sleep` agree
/// (also when a test pauses time).
fn pacer_now() -> std::time::Instant {
    Instant::now().into_std()
}

/// A value in `[0, 1)` for retry jitter, from the standard library's per-process random
/// hash keys (no extra dependency; this needs spread, not cryptographic quality).
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

mod call_options;

#[cfg(test)]
mod tests;
