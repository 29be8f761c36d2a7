//! Per-call options: extra headers (the official SDKs' `customHeaders`), and the attempt
//! timeout, total budget and retry policy of one call.
//!
//! One value, [`CallOptions`], serves every way of calling:
//!
//! - the three steps: [`Operation::to_http_with`](super::Operation::to_http_with), or
//!   [`Operation::with_options`](super::Operation::with_options) to run the call through
//!   [`crate::Call`] (every attempt's request carries the headers);
//! - the clients: `client.call_with(&op, &options)` in both transport crates, which also
//!   honour the timeouts and the retry policy.
//!
//! ```
//! use std::time::Duration;
//! use genesys_chat::{CallOptions, Config, Operation, operations::GetChatsSettings};
//!
//! let cfg = Config::with_base_url("http://127.0.0.1:8080")?.with_token("token")?;
//! let options = CallOptions::new()
//!     .header("X-Request-Tag", "nightly-export")
//!     .attempt_timeout(Duration::from_secs(5));
//! let request = GetChatsSettings::new().to_http_with(&cfg, &options)?;
//! assert_eq!(request.headers()["x-request-tag"], "nightly-export");
//!
//! // A header the client owns is refused, naming it.
//! let refused = GetChatsSettings::new().to_http_with(&cfg, &CallOptions::new().header("Host", "x"));
//! assert_eq!(
//!     refused.unwrap_err().to_string(),
//!     "invalid `headers`: `Host` is set by the client and cannot be set per call; leave it out"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use http::{HeaderName, HeaderValue};

use super::{Operation, OperationMeta};
use crate::{Config, Error, RetryPolicy};

/// The headers the client sets itself; [`CallOptions::header`] cannot set them (checked
/// without regard to case).
pub const OWNED_HEADERS: &[&str] = &[
    "Authorization",
    "Host",
    "Content-Length",
    "Content-Type",
    "Accept-Encoding",
    "Transfer-Encoding",
    "Connection",
    "TE",
    "Upgrade",
];

/// The options of one call: extra headers, and overrides of the attempt timeout, the
/// total budget and the retry policy. Empty by default: a call with
/// `CallOptions::default()` is a plain call.
///
/// Headers are checked when the request is built, before anything is sent: a header of
/// [`OWNED_HEADERS`], a name that is not an HTTP token, or a value that holds CR, LF or
/// another control character (or is not ASCII) is refused with [`Error::InvalidInput`]
/// (field `headers`) naming the header, never quoting its value. A header given here
/// replaces one of the same name the core sets (`Accept`, `User-Agent`); a name given
/// twice sends both values. Values are marked sensitive, and `Debug` prints header names
/// only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    headers: Vec<(String, String)>,
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("headers", &names)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl CallOptions {
    /// No options: a plain call.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header to every request of the call (checked when the request is built).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The time for each attempt of this call, instead of the client's
    /// (`ClientBuilder::attempt_timeout`).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The time for the whole call, retries and waits included, instead of the client's
    /// (`ClientBuilder::total_timeout`).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// The retry policy of this call, instead of the client's. Its `budget` is not used:
    /// the budget stays the client's total timeout unless [`Self::total_timeout`] sets it.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// No retry for this call: exactly one attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::disabled())
    }

    /// The headers, as given (name, value).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The attempt timeout of this call, when set.
    pub fn attempt_timeout_override(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The total budget of this call, when set.
    pub fn total_timeout_override(&self) -> Option<Duration> {
        self.total_timeout
    }

    /// The attempt timeout of this call given the client's.
    pub fn effective_attempt_timeout(&self, client: Duration) -> Duration {
        self.attempt_timeout.unwrap_or(client)
    }

    /// The retry policy of this call given the client's: the per-call policy (if any)
    /// with the client's budget, then the per-call total timeout (if any) as the budget.
    pub fn effective_retry(&self, client: RetryPolicy) -> RetryPolicy {
        let mut policy = match self.retry {
            Some(policy) => RetryPolicy {
                budget: client.budget,
                ..policy
            },
            None => client,
        };
        if let Some(total) = self.total_timeout {
            policy.budget = total;
        }
        policy
    }

    /// Checks every header without building a request.
    pub fn check(&self) -> Result<(), Error> {
        for (name, value) in &self.headers {
            checked(name, value)?;
        }
        Ok(())
    }

    /// Adds the headers to a request built by the core; nothing is changed when one is
    /// refused.
    pub fn apply<B>(&self, request: &mut http::Request<B>) -> Result<(), Error> {
        let mut checked_headers = Vec::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            checked_headers.push(checked(name, value)?);
        }
        let mut replaced: Vec<HeaderName> = Vec::new();
        let headers = request.headers_mut();
        for (name, value) in checked_headers {
            if replaced.contains(&name) {
                headers.append(name, value);
            } else {
                headers.insert(name.clone(), value);
                replaced.push(name);
            }
        }
        Ok(())
    }
}

/// A header as the `http` crate's types, or the error that names it.
fn checked(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    if let Some(owned) = OWNED_HEADERS.iter().find(|o| o.eq_ignore_ascii_case(name)) {
        return Err(Error::invalid(
            "headers",
            format!("`{owned}` is set by the client and cannot be set per call; leave it out"),
        ));
    }
    let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::invalid(
            "headers",
            format!(
                "the name {} is not an HTTP header name; use letters, digits and `!#$%&'*+-.^_`|~` only",
                name.escape_debug()
            ),
        )
    })?;
    if value.contains(['\r', '\n']) {
        return Err(Error::invalid(
            "headers",
            format!("the value of `{name}` holds a CR or LF, which could forge headers; remove it"),
        ));
    }
    if !value.is_ascii() || value.chars().any(|c| c.is_ascii_control() && c != '\t') {
        return Err(not_ascii(name));
    }
    let mut value = HeaderValue::from_str(value).map_err(|_| not_ascii(name))?;
    value.set_sensitive(true);
    Ok((header, value))
}

/// The error for a value with a control character or one that is not ASCII.
fn not_ascii(name: &str) -> Error {
    Error::invalid(
        "headers",
        format!(
            "the value of `{name}` holds a control character or a character that is not ASCII; percent-encode it or remove it"
        ),
    )
}

/// An operation with per-call options ([`Operation::with_options`]): the same metadata,
/// output and parsing, and every request carries the options' headers.
#[derive(Debug, Clone, Copy)]
pub struct WithOptions<'a, O> {
    op: &'a O,
    options: &'a CallOptions,
}

impl<'a, O> WithOptions<'a, O> {
    /// `op` with `options`.
    pub fn new(op: &'a O, options: &'a CallOptions) -> Self {
        WithOptions { op, options }
    }

    /// The operation.
    pub fn operation(&self) -> &'a O {
        self.op
    }

    /// The options.
    pub fn options(&self) -> &'a CallOptions {
        self.options
    }
}

impl<O: Operation> Operation for WithOptions<'_, O> {
    type Output = O::Output;
    const META: &'static OperationMeta = O::META;

    fn to_http(&self, cfg: &Config) -> Result<http::Request<Vec<u8>>, Error> {
        self.op.to_http_with(cfg, self.options)
    }

    fn parse(
        &self,
        cfg: &Config,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Self::Output, Error> {
        self.op.parse(cfg, response)
    }
}
