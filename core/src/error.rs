//! The one error type of the core, and the API error it carries.
//!
//! Nothing here ever holds a token, a request body or chat text: invalid input names the
//! field and the rule it broke, never the value; excerpts of undecodable bodies have the
//! contents of every JSON string value and anything that looks like a credential masked
//! (see [`safe_excerpt`]).
//!
//! Text the server supplied (an error body's `message` and `code`, the login host's
//! `error` and `error_description`, excerpts, the content type) is printed by `Display`
//! with its control characters escaped (see [`Printable`]), so an answer cannot forge log
//! lines or reorder the text a terminal shows; the raw values stay in the fields. `Debug`
//! escapes them too (Rust's `Debug` of a string does).

use std::fmt;
use std::time::Duration;

use crate::models::ErrorBody;

/// The `Retry-After` of an [`ApiError`] that asks for longer than any cap can allow: an
/// integer too large for a `u64` of seconds, or an HTTP-date that cannot be measured
/// (the response had no usable `Date` header). The retry policy never waits it out.
pub const RETRY_AFTER_BEYOND_ANY_CAP: Duration = Duration::MAX;

/// Everything that can go wrong when building a request, sending it or parsing a
/// response.
///
/// The clients (`genesys-chat-ureq`, `genesys-chat-reqwest`) return this type as it is:
/// failures of their HTTP stacks are [`Error::Transport`]. Match on it without strings
/// through its accessors and predicates: [`status`](Error::status),
/// [`code`](Error::code) (compare with [`codes`]), [`correlation_id`](Error::correlation_id),
/// [`retry_after`](Error::retry_after), [`is_not_found`](Error::is_not_found),
/// [`is_forbidden`](Error::is_forbidden), [`is_unauthorized`](Error::is_unauthorized),
/// [`is_rate_limited`](Error::is_rate_limited),
/// [`is_invalid_input`](Error::is_invalid_input), [`is_transport`](Error::is_transport)
/// and [`request_may_have_been_sent`](Error::request_may_have_been_sent).
///
/// ```
/// use genesys_chat::{ApiError, Error};
/// let error = Error::Api(Box::new(ApiError::new("getChatsRoom", 404)));
/// if error.is_not_found() {
///     // the room is gone: forget it
/// }
/// assert!(error.request_may_have_been_sent());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input can never make a valid request; no request was built.
    #[error("invalid `{field}`: {reason}")]
    InvalidInput {
        /// The official name of the offending field or parameter (e.g. `roomJid`).
        field: &'static str,
        /// What rule the value broke and what to do instead. Never contains the value.
        reason: String,
    },
    /// The configuration cannot produce requests (bad base URL, plain http, no token).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The service answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The service answered 2xx but the body is not what the operation returns.
    #[error(
        "could not decode the {status} response of `{operation}`: {}; {}",
        Printable(reason),
        BodyShown { content_type: content_type.as_deref(), body_len: *body_len, excerpt }
    )]
    Decode {
        /// The official operation id.
        operation: &'static str,
        /// The HTTP status of the response.
        status: u16,
        /// What the decoder found wrong.
        reason: String,
        /// The start of the body, with the contents of JSON string values and anything
        /// that looks like a credential masked (see [`safe_excerpt`]).
        excerpt: String,
        /// The response's `Content-Type` header, as the server sent it (`Display` shows
        /// it escaped and shortened).
        content_type: Option<String>,
        /// The length of the body in bytes.
        body_len: usize,
    },
    /// The HTTP stack failed below HTTP: no connection, a timeout, a broken connection.
    /// Raised by the transports, never by the core itself.
    #[error("`{operation}` failed: {kind}: {}", Printable(message))]
    Transport {
        /// The official operation id.
        operation: &'static str,
        /// What kind of failure, and so whether the request may have reached the service.
        kind: TransportErrorKind,
        /// The HTTP stack's description (never the token, the URL or a body).
        message: String,
    },
    /// The login host refused a token request (`{error, error_description}`).
    #[error(
        "the login host refused the token request with HTTP {status}: {}{}",
        Printable(error),
        description.as_deref().map(|d| format!(" ({})", Printable(d))).unwrap_or_default()
    )]
    OAuth {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code, e.g. `invalid_client`, as the login host sent it.
        error: String,
        /// The login host's description, as it sent it.
        description: Option<String>,
    },
    /// The response body is larger than the configured cap; it was not parsed.
    #[error(
        "the response body of `{operation}` is {size} bytes, over the cap of {limit} bytes; raise `Config::max_response_bytes` if this is expected"
    )]
    BodyTooLarge {
        /// The official operation id.
        operation: &'static str,
        /// The configured cap in bytes.
        limit: usize,
        /// The size seen (or announced by `Content-Length`) in bytes.
        size: u64,
    },
    /// One item of a page could not be read; the history iterators yield it in its place
    /// and go on with the others (see [`crate::models::MalformedItem`]).
    #[error(
        "item {index} of a page of `{operation}` could not be read and was left out: {reason}; the other items were kept"
    )]
    MalformedItem {
        /// The official operation id.
        operation: &'static str,
        /// The item's position in its page, from 0.
        index: usize,
        /// Why it could not be read (never its contents).
        reason: String,
    },
    /// A history cannot go on without repeating or skipping messages (the service
    /// repeated a page, or gave nothing to page back from); the iteration ends here.
    #[error("the history of `{operation}` stopped early: {reason}")]
    HistoryStuck {
        /// The official operation id.
        operation: &'static str,
        /// What the service did, and what to do.
        reason: crate::paging::Stuck,
    },
    /// The client's pacer ([`crate::pacing`]) did not send the request: a rate limit of
    /// the access token is used up until it resets (a daily limit the service reported
    /// with a long `Retry-After`), or the wait for the rate-limit window would end past
    /// the call's total budget. Nothing was sent; [`Error::is_rate_limited`] is true.
    #[error("`{operation}` was not sent: {reason}")]
    RateLimited {
        /// The official operation id.
        operation: &'static str,
        /// The time until the limit resets (or the window ends), when known.
        resets_in: Option<Duration>,
        /// The limit the service named (`namespace/key` of `ErrorBody.limit`), if any.
        limit: Option<String>,
        /// What stopped the request and what to do, as a sentence.
        reason: String,
    },
}

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake, connect timeout): the
    /// request was never sent, so retrying cannot apply it twice.
    Connect,
    /// No complete answer within the per-attempt timeout; the request may have been applied.
    Timeout,
    /// The connection broke after the request may have been sent (reset, truncated body).
    Io,
    /// Another failure of the HTTP stack.
    Other,
}

impl TransportErrorKind {
    /// Whether the service may have received (and applied) the request.
    pub fn request_may_have_been_sent(self) -> bool {
        !matches!(self, TransportErrorKind::Connect)
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "could not connect (the request was not sent)",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "the connection broke",
            TransportErrorKind::Other => "the HTTP stack failed",
        })
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// The API error, when the service answered with a non-2xx status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of an API error or an undecodable response.
    ///
    /// A 400 the service answered is `status() == Some(400)` (with
    /// [`code()`](Error::code) `Some(codes::BAD_REQUEST)`); input refused before anything
    /// was sent is [`is_invalid_input`](Error::is_invalid_input) instead. A refusal of the
    /// login host carries its status in [`Error::OAuth`], not here.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error code the server sent, to compare with the constants of [`codes`]:
    ///
    /// - of an API error ([`Error::Api`]), its error body's `code` (e.g. `not.found`), or
    ///   `None` when the body was not an error body;
    /// - of a refusal of the login host ([`Error::OAuth`]), its OAuth `error` (e.g.
    ///   `invalid_client`, see [`codes::oauth`]);
    /// - `None` for every other variant.
    ///
    /// ```
    /// use genesys_chat::{ApiError, Error, error::codes};
    /// let mut api = ApiError::new("getChatsRoom", 404);
    /// api.body = Some(serde_json::from_str(r#"{"code":"not.found","status":404}"#)?);
    /// let error = Error::Api(Box::new(api));
    /// assert_eq!(error.code(), Some(codes::NOT_FOUND));
    /// match error.code() {
    ///     Some(codes::NOT_FOUND) => {}
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.code(),
            Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The `ININ-Correlation-Id` of an API error (quote it to Genesys support); `None` for
    /// every other variant.
    pub fn correlation_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.correlation_id.as_deref())
    }

    /// The `Retry-After` of an API error: the wait the service asked for, or
    /// [`RETRY_AFTER_BEYOND_ANY_CAP`] when it asked for longer than any cap. `None` when
    /// the answer had none, and for every other variant. A client returns a 429 whose
    /// `Retry-After` is over its cap at once ([`crate::RetryPolicy`]): this is the wait
    /// it did not do.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// Whether the service answered 404: an unknown room, message, user, participant,
    /// pin or thread (code `not.found`). Only [`Error::Api`].
    pub fn is_not_found(&self) -> bool {
        self.api_status() == Some(404)
    }

    /// Whether the service answered 403: the token lacks the operation's permissions
    /// (code `missing.any.permissions`), or the caller may not act on that room or
    /// message (`not.authorized`). Only [`Error::Api`].
    pub fn is_forbidden(&self) -> bool {
        self.api_status() == Some(403)
    }

    /// Whether the service or the login host answered 401: no token, an unknown or
    /// expired one ([`Error::Api`], codes `authentication.required`, `bad.credentials`),
    /// or client credentials the login host refused ([`Error::OAuth`] with status 401,
    /// `invalid_client`). A refused code or refresh token is a 400 of the login host:
    /// [`code()`](Error::code) `Some(codes::oauth::INVALID_GRANT)`.
    pub fn is_unauthorized(&self) -> bool {
        self.api_status() == Some(401) || matches!(self, Error::OAuth { status: 401, .. })
    }

    /// Whether the service asked the caller to slow down: a 429 of the API
    /// ([`Error::Api`], codes `too.many.requests` and `too.many.requests.retry.after`;
    /// see [`retry_after`](Error::retry_after)) or of the login host ([`Error::OAuth`]
    /// with status 429).
    ///
    /// It is also true for [`Error::RateLimited`]: the client's pacer refused to send
    /// the request (a limit used up until it resets, or a wait past the call's budget).
    pub fn is_rate_limited(&self) -> bool {
        self.api_status() == Some(429)
            || matches!(
                self,
                Error::OAuth { status: 429, .. } | Error::RateLimited { .. }
            )
    }

    /// Whether the input was refused before any request was built or sent
    /// ([`Error::InvalidInput`]: an empty JID, a limit of 0, a body over the size limit,
    /// a token with a line break). A 400 the service answered is not invalid input: it
    /// is `status() == Some(400)`. A configuration that cannot produce requests is
    /// [`Error::Config`], not counted here either.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput { .. })
    }

    /// Whether the HTTP stack failed below HTTP ([`Error::Transport`]: no connection, a
    /// timeout, a broken connection); see [`TransportErrorKind`] for whether the request
    /// was sent.
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport { .. })
    }

    /// Whether the service may have received the request, and so may have carried it out:
    /// the question to ask before sending a POST or PATCH again.
    ///
    /// | variant | answer |
    /// |---|---|
    /// | [`Error::InvalidInput`], [`Error::Config`] | `false`: refused before sending |
    /// | [`Error::Transport`] | what its kind says ([`TransportErrorKind::request_may_have_been_sent`]): `false` for `Connect`, `true` for `Timeout`, `Io` and `Other` |
    /// | [`Error::Api`] | `true`: the service answered (a 5xx or a 3xx may come after the operation was applied; a 4xx was refused by the service) |
    /// | [`Error::Decode`], [`Error::BodyTooLarge`] | `true`: the service answered, 2xx for `Decode`, so it was carried out |
    /// | [`Error::MalformedItem`], [`Error::HistoryStuck`] | `true`: they describe pages the service answered |
    /// | [`Error::OAuth`] | `false`: the login host refused the token, so the operation's own request was not sent with it |
    /// | [`Error::RateLimited`] | `false`: the client's pacer held the request back |
    pub fn request_may_have_been_sent(&self) -> bool {
        match self {
            Error::InvalidInput { .. }
            | Error::Config(_)
            | Error::OAuth { .. }
            | Error::RateLimited { .. } => false,
            Error::Transport { kind, .. } => kind.request_may_have_been_sent(),
            Error::Api(_)
            | Error::Decode { .. }
            | Error::BodyTooLarge { .. }
            | Error::MalformedItem { .. }
            | Error::HistoryStuck { .. } => true,
        }
    }

    /// The status of an [`Error::Api`] only.
    fn api_status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }
}

/// The error codes of the service, the login host and the emulator, for matching
/// [`Error::code`] and [`ApiError::code`].
///
/// The codes are constants of `&str`, not an enumeration: the service adds codes over
/// time, a code is compared as it came (no allocation, no parsing, no `Unknown` case to
/// carry), and a constant works as a `match` pattern (`Some(codes::NOT_FOUND) => …`).
/// The emulator of `genesys-chat-testkit` sends the same constants.
///
/// ```
/// use genesys_chat::error::codes;
/// assert_eq!(codes::TOO_MANY_REQUESTS_RETRY_AFTER, "too.many.requests.retry.after");
/// ```
pub mod codes {
    /// 400: the request was refused as invalid; `details[0].fieldName` names the field.
    pub const BAD_REQUEST: &str = "bad.request";
    /// The `errorCode` of an `ErrorDetail` of a 400: the value of `fieldName` is invalid.
    pub const INVALID_VALUE: &str = "invalid.value";
    /// 401: no bearer token was sent.
    pub const AUTHENTICATION_REQUIRED: &str = "authentication.required";
    /// 401: the bearer token is unknown or expired.
    pub const BAD_CREDENTIALS: &str = "bad.credentials";
    /// 403: the token holds none of the operation's permissions.
    pub const MISSING_ANY_PERMISSIONS: &str = "missing.any.permissions";
    /// 403: the caller may not act on this room, conversation or message.
    pub const NOT_AUTHORIZED: &str = "not.authorized";
    /// 404: no such room, message, user, participant, pin or thread, or no such path.
    pub const NOT_FOUND: &str = "not.found";
    /// 413: the request body is over 512,000 bytes.
    pub const REQUEST_ENTITY_TOO_LARGE: &str = "request.entity.too.large";
    /// 429 without `Retry-After`.
    pub const TOO_MANY_REQUESTS: &str = "too.many.requests";
    /// 429 with `Retry-After`: the rate limit of the token.
    pub const TOO_MANY_REQUESTS_RETRY_AFTER: &str = "too.many.requests.retry.after";
    /// 500.
    pub const INTERNAL_SERVER_ERROR: &str = "internal.server.error";
    /// 502.
    pub const BAD_GATEWAY: &str = "bad.gateway";
    /// 503.
    pub const SERVICE_UNAVAILABLE: &str = "service.unavailable";
    /// 504.
    pub const GATEWAY_TIMEOUT: &str = "gateway.timeout";
    /// Another 5xx (the emulator's code for statuses without one of their own).
    pub const SERVER_ERROR: &str = "server.error";
    /// A redirect (3xx) the clients did not follow: set by this crate, never sent by the
    /// service (see [`crate::operation::REDIRECT_NOT_FOLLOWED`]).
    pub const REDIRECT_NOT_FOLLOWED: &str = crate::operation::REDIRECT_NOT_FOLLOWED;
    /// 501 from the emulator: an operation it does not serve.
    pub const NOT_IMPLEMENTED: &str = "not.implemented";
    /// 502 from the in-process emulator: a dropped connection was injected.
    pub const CONNECTION_DROPPED: &str = "connection.dropped";
    /// 403 from the emulator's loopback server: the `Host` is not a loopback name.
    pub const HOST_NOT_ALLOWED: &str = "host.not.allowed";
    /// 403 from the emulator's admin endpoints: the request carries an `Origin`.
    pub const ORIGIN_NOT_ALLOWED: &str = "origin.not.allowed";
    /// 415 from the emulator's admin endpoints: the body is not JSON.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported.media.type";

    /// The OAuth `error` codes of the login host ([`crate::Error::OAuth`]), RFC 6749.
    pub mod oauth {
        /// 400: a parameter is missing, repeated or malformed.
        pub const INVALID_REQUEST: &str = "invalid_request";
        /// 401: the client id or secret is wrong, or missing.
        pub const INVALID_CLIENT: &str = "invalid_client";
        /// 400: the code, refresh token or assertion is unknown, used or not this client's.
        pub const INVALID_GRANT: &str = "invalid_grant";
        /// 400: the client may not use this grant.
        pub const UNAUTHORIZED_CLIENT: &str = "unauthorized_client";
        /// 400: the login host does not know the `grant_type`.
        pub const UNSUPPORTED_GRANT_TYPE: &str = "unsupported_grant_type";
        /// 429 from the emulator's login host (a fault rule).
        pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
        /// 503 from the emulator's login host (a fault rule), RFC 6749's code for it.
        pub const TEMPORARILY_UNAVAILABLE: &str = "temporarily_unavailable";
        /// Another 5xx from the emulator's login host (a fault rule).
        pub const SERVER_ERROR: &str = "server_error";
        /// A `response_type` other than `code` or `token` at `GET /oauth/authorize`,
        /// sent back in the redirect.
        pub const UNSUPPORTED_RESPONSE_TYPE: &str = "unsupported_response_type";
    }
}

/// A non-2xx answer of the service.
#[derive(Clone, PartialEq)]
pub struct ApiError {
    /// The official id of the operation that failed.
    pub operation: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// The parsed error body, when the body was a Genesys Cloud error body.
    pub body: Option<ErrorBody>,
    /// A short excerpt of the body when it was not an error body (JSON string values and
    /// anything that looks like a credential masked, see [`safe_excerpt`]).
    pub excerpt: Option<String>,
    /// The `ININ-Correlation-Id` response header: quote it to Genesys support.
    pub correlation_id: Option<String>,
    /// The `Retry-After` response header (see [`crate::operation::retry_after`]): the
    /// wait it asks for, or [`RETRY_AFTER_BEYOND_ANY_CAP`] when it asks for longer than
    /// any cap (an integer too large to hold, or an HTTP-date without a usable `Date`).
    pub retry_after: Option<Duration>,
    /// The response's `Content-Type` header, as the server sent it.
    pub content_type: Option<String>,
    /// The length of the body in bytes.
    pub body_len: usize,
}

impl ApiError {
    /// An API error of `operation` with `status` and nothing else known: no body, no
    /// headers.
    pub fn new(operation: &'static str, status: u16) -> Self {
        ApiError {
            operation,
            status,
            body: None,
            excerpt: None,
            correlation_id: None,
            retry_after: None,
            content_type: None,
            body_len: 0,
        }
    }

    /// The error body's `code` (e.g. `not.found`, `too.many.requests`), if any.
    pub fn code(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.code.as_deref())
    }

    /// The error body's `message`, if any.
    pub fn message(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.message.as_deref())
    }

    /// The error body's `messageWithParams`, if any.
    pub fn message_with_params(&self) -> Option<&str> {
        self.body
            .as_ref()
            .and_then(|b| b.message_with_params.as_deref())
    }

    /// Whether the `Retry-After` asks for longer than any cap
    /// ([`RETRY_AFTER_BEYOND_ANY_CAP`]): the service wants no retry soon.
    pub fn retry_after_beyond_any_cap(&self) -> bool {
        self.retry_after == Some(RETRY_AFTER_BEYOND_ANY_CAP)
    }

    /// The response's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &self.code())
            .field("message", &self.message())
            .field("excerpt", &self.excerpt)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body_len)
            .field("correlation_id", &self.correlation_id)
            .field("retry_after", &RetryAfterShown(self.retry_after))
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed with HTTP {}", self.operation, self.status)?;
        if let Some(code) = self.code() {
            write!(f, " ({})", Printable(code))?;
        }
        // A message that ends a sentence is followed by sentences ("… header. Retry
        // after 2s."), anything else by "; retry after 2s".
        let mut sentence = false;
        if let Some(message) = self.message().or_else(|| self.message_with_params()) {
            write!(f, ": {}", Printable(message))?;
            sentence = message.trim_end().ends_with(['.', '!', '?']);
        } else if let Some(excerpt) = &self.excerpt {
            write!(
                f,
                "; {}",
                BodyShown {
                    content_type: self.content_type(),
                    body_len: self.body_len,
                    excerpt,
                }
            )?;
        }
        match (self.retry_after, sentence) {
            (Some(RETRY_AFTER_BEYOND_ANY_CAP), false) => {
                f.write_str("; retry after: longer than any cap")?
            }
            (Some(RETRY_AFTER_BEYOND_ANY_CAP), true) => {
                f.write_str(" Retry after: longer than any cap.")?
            }
            (Some(after), false) => write!(f, "; retry after {}s", after.as_secs())?,
            (Some(after), true) => write!(f, " Retry after {}s.", after.as_secs())?,
            (None, _) => {}
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {}]", Printable(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// `Debug` of a `Retry-After` that names the "beyond any cap" value instead of printing
/// `Duration::MAX`.
struct RetryAfterShown(Option<Duration>);

impl fmt::Debug for RetryAfterShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(RETRY_AFTER_BEYOND_ANY_CAP) => f.write_str("Some(BeyondAnyCap)"),
            other => other.fmt(f),
        }
    }
}

/// How `Display` shows a body that did not decode: its content type, length and excerpt.
struct BodyShown<'a> {
    content_type: Option<&'a str>,
    body_len: usize,
    excerpt: &'a str,
}

/// The most characters of a `Content-Type` that `Display` shows.
const CONTENT_TYPE_CHARS: usize = 64;

impl fmt::Display for BodyShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("body (")?;
        match self.content_type {
            Some(ct) => {
                let chars: Vec<char> = ct.chars().take(CONTENT_TYPE_CHARS).collect();
                let masked = mask_credentials(&chars);
                write!(f, "{}", Printable(&masked.into_iter().collect::<String>()))?;
                if ct.chars().count() > CONTENT_TYPE_CHARS {
                    f.write_str("…")?;
                }
            }
            None => f.write_str("no content type")?,
        }
        write!(f, ", {} bytes): {}", self.body_len, Printable(self.excerpt))
    }
}

/// Server-supplied text made safe to print on one line: `Display` escapes every control
/// character (C0, DEL and C1: CR and LF as `\r` and `\n`, tab as `\t`, ESC as
/// `\u{1b}`), the line and paragraph separators U+2028 and U+2029, and the bidirectional
/// marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A to U+202E,
/// U+2066 to U+2069), so the text can neither start a forged log line nor reorder what a
/// terminal shows. Everything else is printed as it is.
///
/// ```
/// use genesys_chat::error::Printable;
/// assert_eq!(
///     Printable("ok\r\n2026-01-01 INFO forged \u{1b}[2J\u{202e}").to_string(),
///     r"ok\r\n2026-01-01 INFO forged \u{1b}[2J\u{202e}"
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Printable<'a>(pub &'a str);

/// Whether a character is escaped by [`Printable`].
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\r' => f.write_str("\\r")?,
                '\n' => f.write_str("\\n")?,
                '\t' => f.write_str("\\t")?,
                other => write!(f, "\\u{{{:x}}}", u32::from(other))?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

const EXCERPT_CHARS: usize = 160;
const KEY_CHARS: usize = 48;

/// What replaces a credential in an excerpt.
const MASK: &str = "[masked]";

/// Schemes whose value (after a space) is a credential: `Bearer <token>`, `Basic <value>`.
const SCHEMES: &[&str] = &["bearer", "basic"];

/// Headers whose whole value (after `:`, to the end of the line) is a credential.
const HEADERS: &[&str] = &[
    "proxy-authorization",
    "authorization",
    "set-cookie",
    "cookie",
];

/// Parameters whose value (after `=`, or `:` for all but `code`) is a credential.
const PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "code_verifier",
    "code",
    "assertion",
    "password",
    "api_key",
    "apikey",
    "token",
];

/// A short, printable excerpt of a body that can leak neither chat text nor credentials.
///
/// At most the first 160 characters of the body are looked at. Text outside JSON strings
/// (structure, numbers, an HTML error page) is kept; object keys are kept (up to 48
/// characters); the contents of every other JSON string are replaced by `…`. Then
/// anything that looks like a credential is replaced by `[masked]`, matching names
/// case-insensitively and as whole words:
///
/// - the value after `Bearer` or `Basic` and a space;
/// - the rest of the line after `Authorization:`, `Proxy-Authorization:`, `Cookie:` and
///   `Set-Cookie:` (header shape);
/// - the value after `access_token`, `refresh_token`, `id_token`, `client_secret`,
///   `client_assertion`, `code_verifier`, `assertion`, `password`, `api_key`, `apikey`
///   and `token` followed by `=` or `:`, and after `code=` (form-encoded and query-string
///   shapes, `name: value`); a value ends at white space or one of `&"'<>,;()[]{}#`.
///
/// Last, control characters are escaped as [`Printable`] does. An empty body is
/// `(empty)`; a longer body ends with ` [truncated]`.
///
/// ```
/// use genesys_chat::error::safe_excerpt;
/// assert_eq!(
///     safe_excerpt(b"<p>Authorization: Bearer eyJ0.e30.sig</p><a href=\"/cb\">?code=abc&state=1"),
///     "<p>Authorization: [masked]</p><a href=\"…\">?code=[masked]&state=1"
/// );
/// ```
pub fn safe_excerpt(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty)".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let chars: Vec<char> = text.chars().take(EXCERPT_CHARS).collect();
    let structure = mask_json_strings(&chars);
    let masked = mask_credentials(&structure);
    let mut out = String::with_capacity(masked.len() + 16);
    push_escaped(&mut out, masked.into_iter());
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push_str(" [truncated]");
    }
    out
}

/// Keeps structure and object keys (shortened); replaces every other string's contents
/// by `…`.
fn mask_json_strings(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '"' {
            out.push(c);
            i += 1;
            continue;
        }
        // Find the end of the string literal, honouring backslash escapes.
        let mut j = i + 1;
        let mut content = Vec::new();
        let mut closed = false;
        while j < chars.len() {
            match chars[j] {
                '\\' => {
                    if let Some(next) = chars.get(j + 1) {
                        content.push('\\');
                        content.push(*next);
                    }
                    j += 2;
                }
                '"' => {
                    closed = true;
                    break;
                }
                other => {
                    content.push(other);
                    j += 1;
                }
            }
        }
        let is_key = closed
            && chars[j + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| *c == ':');
        out.push('"');
        if is_key {
            out.extend(content.into_iter().take(KEY_CHARS));
        } else {
            out.push('…');
        }
        if closed {
            out.push('"');
        }
        i = j + 1;
    }
    out
}

/// Whether `chars[at..]` starts with the ASCII word `word`, case-insensitively, and
/// `word` is not the tail of a longer word.
fn word_at(chars: &[char], at: usize, word: &str) -> bool {
    let boundary = at == 0 || !is_word_char(chars[at - 1]);
    boundary
        && chars.len() >= at + word.len()
        && chars[at..at + word.len()]
            .iter()
            .zip(word.chars())
            .all(|(c, w)| c.eq_ignore_ascii_case(&w))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where a credential value that starts at `from` ends.
fn value_end(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .position(|c| c.is_whitespace() || "&\"'<>,;()[]{}#".contains(*c))
        .map_or(chars.len(), |n| from + n)
}

/// The index of the first character after `from` that is not a space or a tab.
fn skip_blanks(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .position(|c| *c != ' ' && *c != '\t')
        .map_or(chars.len(), |n| from + n)
}

/// Where the separator after a name that ends at `from` is: past an optional closing
/// quote (a JSON key, `"password": 1234`) and blanks.
fn after_name(chars: &[char], from: usize) -> usize {
    let from = match chars.get(from) {
        Some('"' | '\'') => from + 1,
        _ => from,
    };
    skip_blanks(chars, from)
}

/// Replaces every credential-looking value by [`MASK`] (see [`safe_excerpt`]).
fn mask_credentials(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    'scan: while i < chars.len() {
        if i == 0 || !is_word_char(chars[i - 1]) {
            for header in HEADERS {
                if !word_at(chars, i, header) {
                    continue;
                }
                let sep = after_name(chars, i + header.len());
                if chars.get(sep) != Some(&':') {
                    continue;
                }
                let start = skip_blanks(chars, sep + 1);
                let end = chars[start..]
                    .iter()
                    .position(|c| matches!(c, '\r' | '\n' | '<' | '"'))
                    .map_or(chars.len(), |n| start + n);
                out.extend_from_slice(&chars[i..start]);
                if end > start {
                    out.extend(MASK.chars());
                }
                i = end;
                continue 'scan;
            }
            for scheme in SCHEMES {
                if !word_at(chars, i, scheme) {
                    continue;
                }
                let after = i + scheme.len();
                let start = skip_blanks(chars, after);
                if start == after || start >= chars.len() {
                    continue;
                }
                let end = value_end(chars, start);
                out.extend_from_slice(&chars[i..start]);
                if end > start {
                    out.extend(MASK.chars());
                }
                i = end;
                continue 'scan;
            }
            for param in PARAMS {
                if !word_at(chars, i, param) {
                    continue;
                }
                let sep = after_name(chars, i + param.len());
                let sep_ok = match chars.get(sep) {
                    Some('=') => true,
                    Some(':') => *param != "code",
                    _ => false,
                };
                if !sep_ok {
                    continue;
                }
                // `"access_token": "…"`: the JSON value is masked already.
                let start = skip_blanks(chars, sep + 1);
                let end = value_end(chars, start);
                out.extend_from_slice(&chars[i..start]);
                if end > start {
                    out.extend(MASK.chars());
                }
                i = end;
                continue 'scan;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn push_escaped(out: &mut String, chars: impl Iterator<Item = char>) {
    use fmt::Write;
    for c in chars {
        if needs_escape(c) {
            let mut buf = [0u8; 4];
            let _ = write!(out, "{}", Printable(c.encode_utf8(&mut buf)));
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_masks_string_values_and_keeps_keys() {
        let body = br#"{"id":"abc","body":"my secret text","n":3}"#;
        assert_eq!(safe_excerpt(body), r#"{"id":"…","body":"…","n":3}"#);
    }

    #[test]
    fn excerpt_masks_truncated_strings() {
        let body = br#"{"body":"secret unfinished"#;
        assert_eq!(safe_excerpt(body), r#"{"body":"…"#);
    }

    #[test]
    fn excerpt_keeps_plain_text_and_escapes_controls() {
        assert_eq!(
            safe_excerpt(b"<html>502 Bad Gateway\r\n</html>"),
            "<html>502 Bad Gateway\\r\\n</html>"
        );
        assert_eq!(safe_excerpt(b""), "(empty)");
    }

    #[test]
    fn excerpt_is_bounded() {
        let body = vec![b'a'; 10_000];
        let excerpt = safe_excerpt(&body);
        assert!(excerpt.ends_with(" [truncated]"));
        assert_eq!(excerpt.len(), EXCERPT_CHARS + " [truncated]".len());
    }
}
