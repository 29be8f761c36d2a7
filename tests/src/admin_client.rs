//! A blocking client for the [admin endpoints](crate::admin) of a running emulator: the
//! `genesys-chat-emulator` binary in another process, or a [`Server`](crate::server::Server)
//! of this one.
//!
//! It speaks HTTP/1.1 over a plain [`std::net::TcpStream`], one connection per request
//! (`Connection: close`), and sends what the admin endpoints ask for: a loopback `Host`
//! (the authority of the base URL, e.g. `127.0.0.1:8080`), no `Origin`, and
//! `Content-Type: application/json` on every body.
//!
//! ```
//! use std::time::Duration;
//! use genesys_chat::operations::GetChatsSettings;
//! use genesys_chat_testkit::{Fault, FaultRoute, FaultRule, admin_client::AdminClient, server::Server};
//!
//! let server = Server::start_default()?; // or the base URL the binary printed
//! let admin = AdminClient::new(&server.base_url())?;
//! admin.add_fault(&FaultRule::once(
//!     FaultRoute::of::<GetChatsSettings>(),
//!     Fault::too_many_requests(Duration::from_secs(120)),
//! ))?;
//! assert_eq!(admin.faults()?.len(), 1);
//! admin.reset()?;
//! assert_eq!(admin.counters()?.total, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::admin::is_loopback_authority;
use crate::faults::{Counters, FaultRule, RateLimit};
use crate::identity::Permissions;

/// The most bytes of an answer read: 16 MiB (the counters and rules are far smaller).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Why an admin request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum AdminError {
    /// The base URL is not `http://<loopback host>:<port>`.
    BaseUrl(String),
    /// The connection failed, or timed out.
    Io(io::Error),
    /// The emulator refused the request: its status, and the `code` and `message` of
    /// its `ErrorBody` when it sent one.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The error body's `code` (e.g. `bad.request`), if any.
        code: Option<String>,
        /// The error body's `message`, if any.
        message: Option<String>,
    },
    /// The answer was not HTTP/1.1 or not the JSON expected.
    Malformed(String),
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::BaseUrl(why) => write!(f, "invalid emulator base URL: {why}"),
            AdminError::Io(e) => write!(f, "the emulator could not be reached: {e}"),
            AdminError::Refused {
                status,
                code,
                message,
            } => {
                write!(f, "the emulator answered HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            AdminError::Malformed(why) => write!(f, "the emulator's answer is malformed: {why}"),
        }
    }
}

impl std::error::Error for AdminError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AdminError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for AdminError {
    fn from(e: io::Error) -> Self {
        AdminError::Io(e)
    }
}

/// A seeded user, as `GET /__emulator/users` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    /// The name it was seeded with (e.g. `bob`).
    pub name: String,
    /// The user id.
    pub id: String,
    /// The user's JID.
    pub jid: String,
    /// `/api/v2/users/<id>`.
    pub self_uri: String,
}

/// A blocking client for the admin endpoints of an emulator on loopback.
#[derive(Debug, Clone)]
pub struct AdminClient {
    /// `host:port` as written in the base URL: the `Host` header.
    authority: String,
    /// Where to connect.
    addrs: Vec<SocketAddr>,
    timeout: Duration,
}

impl AdminClient {
    /// The timeout of each request (connect, send, answer) unless
    /// [`AdminClient::timeout`] says otherwise: 10 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client for the emulator at `base_url`: `http://127.0.0.1:<port>` as
    /// [`Server::base_url`](crate::server::Server::base_url) and the binary give it
    /// (`localhost` and `[::1]` work too; a final `/` is ignored). Nothing is sent yet.
    pub fn new(base_url: &str) -> Result<Self, AdminError> {
        let rest = base_url.strip_prefix("http://").ok_or_else(|| {
            AdminError::BaseUrl(
                "must start with http:// (the emulator serves plain HTTP on loopback)".to_owned(),
            )
        })?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains('/') || authority.contains('?') || authority.contains('#') {
            return Err(AdminError::BaseUrl(
                "must be the base URL alone, http://127.0.0.1:<port>, without a path".to_owned(),
            ));
        }
        if !is_loopback_authority(authority) {
            return Err(AdminError::BaseUrl(
                "must name a loopback host (127.0.0.1, localhost or [::1]): the admin endpoints answer nothing else".to_owned(),
            ));
        }
        let with_port = if authority.ends_with(']') || !authority.contains(':') {
            format!("{authority}:80")
        } else {
            authority.to_owned()
        };
        let addrs: Vec<SocketAddr> = with_port
            .to_socket_addrs()
            .map_err(|e| AdminError::BaseUrl(format!("cannot resolve the host: {e}")))?
            .filter(|a| a.ip().is_loopback())
            .collect();
        if addrs.is_empty() {
            return Err(AdminError::BaseUrl(
                "the host resolves to no loopback address".to_owned(),
            ));
        }
        Ok(AdminClient {
            authority: authority.to_owned(),
            addrs,
            timeout: Self::DEFAULT_TIMEOUT,
        })
    }

    /// Sets the timeout of each request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `GET /__emulator/`: the index of the admin endpoints, as JSON
    /// (`{"endpoints":[{"method","path","body","answer"}]}`).
    pub fn index(&self) -> Result<serde_json::Value, AdminError> {
        self.json("GET", "", None)
    }

    /// `POST /__emulator/faults`: adds a fault rule.
    pub fn add_fault(&self, rule: &FaultRule) -> Result<(), AdminError> {
        let body = serde_json::to_vec(rule).map_err(|e| AdminError::Malformed(e.to_string()))?;
        self.empty("POST", "faults", Some(&body))
    }

    /// `GET /__emulator/faults`: the active rules, with their remaining `times`.
    pub fn faults(&self) -> Result<Vec<FaultRule>, AdminError> {
        self.json("GET", "faults", None)
    }

    /// `DELETE /__emulator/faults`: removes every rule.
    pub fn clear_faults(&self) -> Result<(), AdminError> {
        self.empty("DELETE", "faults", None)
    }

    /// `GET /__emulator/counters`: what the emulator received.
    pub fn counters(&self) -> Result<Counters, AdminError> {
        self.json("GET", "counters", None)
    }

    /// `POST /__emulator/reset`: see [`Emulator::reset`](crate::Emulator::reset).
    pub fn reset(&self) -> Result<(), AdminError> {
        self.empty("POST", "reset", None)
    }

    /// `PUT /__emulator/rate-limit` (a limit) or `DELETE /__emulator/rate-limit` (`None`).
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) -> Result<(), AdminError> {
        match limit {
            Some(limit) => {
                let body =
                    serde_json::to_vec(&limit).map_err(|e| AdminError::Malformed(e.to_string()))?;
                self.empty("PUT", "rate-limit", Some(&body))
            }
            None => self.empty("DELETE", "rate-limit", None),
        }
    }

    /// `GET /__emulator/users`: the seeded users.
    pub fn users(&self) -> Result<Vec<AdminUser>, AdminError> {
        self.json("GET", "users", None)
    }

    /// `POST /__emulator/tokens`: a new token for the seeded user `user` with
    /// `permissions` (a permission no operation checks is refused, `400`).
    pub fn mint_token(&self, user: &str, permissions: &Permissions) -> Result<String, AdminError> {
        let body = match permissions {
            Permissions::All => json!({ "user": user }),
            Permissions::Only(set) => json!({ "user": user, "permissions": set }),
        };
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Answer {
            access_token: String,
        }
        let body = serde_json::to_vec(&body).map_err(|e| AdminError::Malformed(e.to_string()))?;
        let answer: Answer = self.json("POST", "tokens", Some(&body))?;
        Ok(answer.access_token)
    }

    /// A request whose answer is `204` without a body.
    fn empty(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<(), AdminError> {
        self.send(method, path, body).map(|_| ())
    }

    /// A request whose answer is `200` with JSON.
    fn json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<T, AdminError> {
        let answer = self.send(method, path, body)?;
        serde_json::from_slice(&answer)
            .map_err(|e| AdminError::Malformed(format!("the body of {method} {path}: {e}")))
    }

    /// Sends one request on a new connection; the body of a 2xx answer, or the refusal.
    fn send(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<Vec<u8>, AdminError> {
        let mut stream = self.connect()?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n",
            crate::admin::ADMIN_PREFIX,
            self.authority
        );
        let body = body.unwrap_or_default();
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()?;
        let (status, answer) = read_answer(stream)?;
        if (200..300).contains(&status) {
            return Ok(answer);
        }
        #[derive(Deserialize)]
        struct ErrorBody {
            code: Option<String>,
            message: Option<String>,
        }
        let (code, message) = serde_json::from_slice::<ErrorBody>(&answer)
            .map(|b| (b.code, b.message))
            .unwrap_or_default();
        Err(AdminError::Refused {
            status,
            code,
            message,
        })
    }

    fn connect(&self) -> Result<TcpStream, AdminError> {
        let mut last = None;
        for addr in &self.addrs {
            match TcpStream::connect_timeout(addr, self.timeout) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(AdminError::Io(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "no address to connect to")
        })))
    }
}

/// Reads an HTTP/1.1 answer: its status and body (by `Content-Length`, chunked, or to
/// the end of the connection).
fn read_answer(stream: TcpStream) -> Result<(u16, Vec<u8>), AdminError> {
    let mut reader = BufReader::new(stream.take(MAX_ANSWER_BYTES as u64));
    let status_line = read_line(&mut reader)?;
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| AdminError::Malformed("no HTTP/1.1 status line".to_owned()))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        let line = read_line(&mut reader)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(AdminError::Malformed(
                "a header line without `:`".to_owned(),
            ));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|_| {
                AdminError::Malformed("a Content-Length that is not a number".to_owned())
            })?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let size_line = read_line(&mut reader)?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| AdminError::Malformed("a chunk size that is not hex".to_owned()))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start.saturating_add(size), 0);
            reader.read_exact(&mut body[start..])?;
            read_line(&mut reader)?;
        }
    } else if let Some(length) = length {
        if length > MAX_ANSWER_BYTES {
            return Err(AdminError::Malformed(format!(
                "an answer of {length} bytes, over the {MAX_ANSWER_BYTES} read"
            )));
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, body))
}

/// One line without its CRLF.
fn read_line(reader: &mut impl BufRead) -> Result<String, AdminError> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\n") {
        return Err(AdminError::Malformed(
            "the connection closed in the middle of the answer's head".to_owned(),
        ));
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map_err(|_| AdminError::Malformed("a head that is not UTF-8".to_owned()))
}
