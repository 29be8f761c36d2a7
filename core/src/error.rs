//! The one error type of the core, and the API error it carries.
//!
//! Nothing here ever holds a token, a request body or chat text: invalid input names the
//! field and the rule it broke, never the value; excerpts of undecodable bodies have the
//! contents of every JSON string value masked (see [`safe_excerpt`]).

use std::fmt;
use std::time::Duration;

use crate::models::ErrorBody;

/// Everything that can go wrong when building a request or parsing a response.
///
/// Transports wrap this type in their own error, adding I/O failures and timeouts.
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
        "could not decode the {status} response of `{operation}`: {reason}; body starts with: {excerpt}"
    )]
    Decode {
        /// The official operation id.
        operation: &'static str,
        /// The HTTP status of the response.
        status: u16,
        /// What the decoder found wrong.
        reason: String,
        /// The start of the body, with the contents of JSON string values masked.
        excerpt: String,
    },
    /// The HTTP stack failed below HTTP: no connection, a timeout, a broken connection.
    /// Raised by the transports, never by the core itself.
    #[error("`{operation}` failed: {kind}: {message}")]
    Transport {
        /// The official operation id.
        operation: &'static str,
        /// What kind of failure, and so whether the request may have reached the service.
        kind: TransportErrorKind,
        /// The HTTP stack's description (never the token, the URL or a body).
        message: String,
    },
    /// The login host refused a token request (`{error, error_description}`).
    #[error("the login host refused the token request with HTTP {status}: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code, e.g. `invalid_client`.
        error: String,
        /// The login host's description.
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
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
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
    /// A short excerpt of the body when it was not an error body (JSON string values masked).
    pub excerpt: Option<String>,
    /// The `ININ-Correlation-Id` response header: quote it to Genesys support.
    pub correlation_id: Option<String>,
    /// The `Retry-After` response header, when it held whole seconds.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The error body's `code` (e.g. `not.found`, `too.many.requests`), if any.
    pub fn code(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.code.as_deref())
    }

    /// The error body's `message`, if any.
    pub fn message(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.message.as_deref())
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
            .field("correlation_id", &self.correlation_id)
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed with HTTP {}", self.operation, self.status)?;
        if let Some(code) = self.code() {
            write!(f, " ({code})")?;
        }
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        } else if let Some(excerpt) = &self.excerpt {
            write!(f, "; body starts with: {excerpt}")?;
        }
        if let Some(after) = self.retry_after {
            write!(f, "; retry after {}s", after.as_secs())?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

const EXCERPT_CHARS: usize = 160;
const KEY_CHARS: usize = 48;

/// A short, printable excerpt of a body that cannot leak chat text.
///
/// Text outside JSON strings (structure, numbers, an HTML error page) is kept; object keys
/// are kept; the contents of every other JSON string are replaced by `…`. Control
/// characters are escaped. At most 160 characters of the body are looked at.
pub fn safe_excerpt(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty)".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let chars: Vec<char> = text.chars().take(EXCERPT_CHARS).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            // Find the end of the string literal, honouring backslash escapes.
            let mut j = i + 1;
            let mut content = String::new();
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
                push_escaped(&mut out, content.chars().take(KEY_CHARS));
            } else {
                out.push('…');
            }
            if closed {
                out.push('"');
            }
            i = j + 1;
        } else {
            push_escaped(&mut out, std::iter::once(c));
            i += 1;
        }
    }
    if text.chars().count() > EXCERPT_CHARS {
        out.push_str(" [truncated]");
    }
    out
}

fn push_escaped(out: &mut String, chars: impl Iterator<Item = char>) {
    for c in chars {
        if c.is_control() {
            out.extend(c.escape_default());
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
