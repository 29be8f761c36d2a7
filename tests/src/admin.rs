//! The admin endpoints of the loopback server, under `/__emulator/`.
//!
//! They are served by [`Server`](crate::server::Server) only, never by
//! [`Emulator::handle`]: no API route can reach them, they need no token, and they are
//! not counted in [`Counters`](crate::Counters).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /__emulator/` | | `200` this index: `{"endpoints":[{"method","path","body","answer"}]}` ([`ENDPOINTS`]) |
//! | `POST /__emulator/faults` | a [`FaultRule`] | `204`, or `400` for an invalid rule |
//! | `GET /__emulator/faults` | | `200` the active rules |
//! | `DELETE /__emulator/faults` | | `204`, every rule removed |
//! | `GET /__emulator/counters` | | `200` the [`Counters`](crate::Counters) |
//! | `POST /__emulator/reset` | | `204`, see [`Emulator::reset`] |
//! | `PUT /__emulator/rate-limit` | a [`RateLimit`] `{"allowed":300,"windowMillis":60000}` | `204` |
//! | `DELETE /__emulator/rate-limit` | | `204`, the rate limit off |
//! | `GET /__emulator/users` | | `200` `[{"name","id","jid","selfUri"}]` |
//! | `POST /__emulator/tokens` | `{"user":"bob","permissions":["chat:room:view"]}` (`permissions` absent = all) | `200` `{"accessToken":"…"}`; `400` for a permission no operation checks, naming the known ones; `404` for an unknown user |
//!
//! [`AdminClient`](crate::admin_client::AdminClient) calls them from Rust, over a plain
//! `TcpStream`, for a server in another process (the `genesys-chat-emulator` binary).
//!
//! A web page must not reach them: the server refuses, with an `ErrorBody`,
//!
//! - on every path (admin, `/oauth/*` and the Chat API), a request whose `Host` (or
//!   absolute URI) is not a loopback name or address: `localhost`, `127.0.0.0/8` or
//!   `[::1]`, with any port (`403` `host.not.allowed`): a page whose name was rebound to
//!   `127.0.0.1` (DNS rebinding) still sends its own name;
//! - on the admin paths, a request that carries an `Origin` header (`403`
//!   `origin.not.allowed`): browsers send one with every cross-origin `fetch` and every
//!   form `POST`, other clients do not;
//! - on the admin paths, a request with a body whose `Content-Type` is not
//!   `application/json`, or a request that names another `Content-Type` even with an
//!   empty body (`415` `unsupported.media.type`): an HTML form cannot send JSON.

use std::net::{Ipv4Addr, Ipv6Addr};

use genesys_chat::error::codes;
use http::header::{CONTENT_TYPE, HOST, ORIGIN};
use http::{Method, Response};
use serde::{Deserialize, Serialize};

use crate::emulator::{Emulator, empty_response, failure_response, json_response};
use crate::failure::Failure;
use crate::faults::{FaultRule, RateLimit};
use crate::identity::Permissions;
use crate::wire::to_json;

/// The path prefix of the admin endpoints.
pub const ADMIN_PREFIX: &str = "/__emulator/";

/// One admin endpoint, as `GET /__emulator/` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The HTTP method, e.g. `POST`.
    pub method: &'static str,
    /// The path, e.g. `/__emulator/faults`.
    pub path: &'static str,
    /// The body it takes (empty: none).
    pub body: &'static str,
    /// What it answers.
    pub answer: &'static str,
}

/// Every admin endpoint, in the order `GET /__emulator/` lists them.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "/__emulator/",
        body: "",
        answer: "200 this index",
    },
    Endpoint {
        method: "POST",
        path: "/__emulator/faults",
        body: r#"a fault rule: {"route":"postChatsRoomMessages","fault":{"kind":"status","status":503},"times":1}"#,
        answer: "204; 400 for an invalid rule",
    },
    Endpoint {
        method: "GET",
        path: "/__emulator/faults",
        body: "",
        answer: "200 the active rules, with their remaining times",
    },
    Endpoint {
        method: "DELETE",
        path: "/__emulator/faults",
        body: "",
        answer: "204, every rule removed",
    },
    Endpoint {
        method: "GET",
        path: "/__emulator/counters",
        body: "",
        answer: "200 the counters of what the emulator received",
    },
    Endpoint {
        method: "POST",
        path: "/__emulator/reset",
        body: "",
        answer: "204: rooms, messages, settings, issued tokens, rules and counters cleared",
    },
    Endpoint {
        method: "PUT",
        path: "/__emulator/rate-limit",
        body: r#"{"allowed":300,"windowMillis":60000}"#,
        answer: "204, the per-token rate limit on",
    },
    Endpoint {
        method: "DELETE",
        path: "/__emulator/rate-limit",
        body: "",
        answer: "204, the rate limit off",
    },
    Endpoint {
        method: "GET",
        path: "/__emulator/users",
        body: "",
        answer: r#"200 [{"name","id","jid","selfUri"}]"#,
    },
    Endpoint {
        method: "POST",
        path: "/__emulator/tokens",
        body: r#"{"user":"bob","permissions":["chat:room:view"]} (permissions absent: all)"#,
        answer: r#"200 {"accessToken":"…"}; 400 for an unknown permission; 404 for an unknown user"#,
    },
];

#[derive(Serialize)]
struct Index {
    endpoints: &'static [Endpoint],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserJson<'a> {
    name: &'a str,
    id: &'a str,
    jid: &'a str,
    self_uri: String,
}

#[derive(Deserialize)]
struct TokenRequest {
    user: String,
    #[serde(default)]
    permissions: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenAnswer<'a> {
    access_token: &'a str,
}

/// Answers an admin request (a path under [`ADMIN_PREFIX`]).
pub(crate) fn handle(emulator: &Emulator, request: &http::Request<Vec<u8>>) -> Response<Vec<u8>> {
    let correlation = emulator.correlation_id();
    let path = request
        .uri()
        .path()
        .strip_prefix(ADMIN_PREFIX)
        .unwrap_or("");
    let body = request.body();
    let bad = |field: &str, message: &str| {
        failure_response(&Failure::bad_request(field, message), &correlation)
    };
    match (request.method(), path) {
        (&Method::GET, "") => json_response(
            200,
            to_json(&Index {
                endpoints: ENDPOINTS,
            }),
            &correlation,
        ),
        (&Method::POST, "faults") => match serde_json::from_slice::<FaultRule>(body) {
            Ok(rule) => match emulator.add_fault(rule) {
                Ok(()) => empty_response(204, &correlation),
                Err(e) => bad("body", &e.to_string()),
            },
            Err(e) => bad("body", &format!("is not a fault rule: {e}")),
        },
        (&Method::GET, "faults") => json_response(200, to_json(&emulator.faults()), &correlation),
        (&Method::DELETE, "faults") => {
            emulator.clear_faults();
            empty_response(204, &correlation)
        }
        (&Method::GET, "counters") => {
            json_response(200, to_json(&emulator.counters()), &correlation)
        }
        (&Method::POST, "reset") => {
            emulator.reset();
            empty_response(204, &correlation)
        }
        (&Method::PUT, "rate-limit") => match serde_json::from_slice::<RateLimit>(body) {
            Ok(limit) if limit.allowed > 0 && !limit.window.is_zero() => {
                emulator.set_rate_limit(Some(limit));
                empty_response(204, &correlation)
            }
            Ok(_) => bad("body", "allowed and windowMillis must be at least 1"),
            Err(e) => bad("body", &format!("is not a rate limit: {e}")),
        },
        (&Method::DELETE, "rate-limit") => {
            emulator.set_rate_limit(None);
            empty_response(204, &correlation)
        }
        (&Method::GET, "users") => {
            let users: Vec<UserJson<'_>> = emulator
                .users()
                .iter()
                .map(|u| UserJson {
                    name: &u.name,
                    id: &u.id,
                    jid: &u.jid,
                    self_uri: u.self_uri(),
                })
                .collect();
            json_response(200, to_json(&users), &correlation)
        }
        (&Method::POST, "tokens") => match serde_json::from_slice::<TokenRequest>(body) {
            Ok(req) => {
                if let Some(refusal) = unknown_permissions(req.permissions.as_deref()) {
                    return failure_response(&refusal, &correlation);
                }
                let permissions = req.permissions.map_or(Permissions::All, Permissions::of);
                match emulator.issue_token(&req.user, permissions) {
                    Some(token) => json_response(
                        200,
                        to_json(&TokenAnswer {
                            access_token: &token,
                        }),
                        &correlation,
                    ),
                    None => failure_response(&Failure::not_found("user", &req.user), &correlation),
                }
            }
            Err(e) => bad("body", &format!("is not a token request: {e}")),
        },
        _ => failure_response(&Failure::no_route(), &correlation),
    }
}

/// The refusal of a token request that names a permission no operation checks (a typo
/// would otherwise mint a token that can do less than meant), or `None`.
fn unknown_permissions(asked: Option<&[String]>) -> Option<Failure> {
    let known = Permissions::every_known();
    let unknown: Vec<&str> = asked
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .filter(|p| !known.contains(p))
        .collect();
    if unknown.is_empty() {
        return None;
    }
    Some(Failure::bad_request(
        "permissions",
        format!(
            "no operation checks {}; the known permissions are {}",
            unknown.join(", "),
            known.join(", ")
        ),
    ))
}

/// Whether `authority` (a `Host` value: a name or address, then an optional `:port`) is
/// a loopback name or address: `localhost` (any case), `127.0.0.0/8` or `[::1]`. Look-alikes
/// (`localhost.example`, `127.0.0.1.example`, `[::ffff:127.0.0.1]`, `2130706433`) are not.
pub(crate) fn is_loopback_authority(authority: &str) -> bool {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        let Ok(address) = inside.parse::<Ipv6Addr>() else {
            return false;
        };
        if address != Ipv6Addr::LOCALHOST {
            return false;
        }
        ("", after)
    } else {
        match authority.rfind(':') {
            Some(colon) => (&authority[..colon], &authority[colon..]),
            None => (authority, ""),
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()));
    if !port_ok {
        return false;
    }
    // An IPv6 address already checked above leaves `host` empty.
    authority.starts_with('[')
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

/// Why a request whose `Host` is not loopback is refused (every path), or `None`.
///
/// The authority of an absolute-form URI wins over the `Host` header (RFC 9112, 3.2.2);
/// a request with no `Host`, with two, or with one that is not text is refused too.
pub(crate) fn refuse_host(request: &http::request::Parts) -> Option<Failure> {
    let mut hosts = request.headers.get_all(HOST).iter();
    let header = match (hosts.next(), hosts.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    };
    let authority = request.uri.authority().map(|a| a.as_str()).or(header);
    if authority.is_some_and(is_loopback_authority) {
        return None;
    }
    Some(Failure::new(
        403,
        codes::HOST_NOT_ALLOWED,
        "The emulator answers only requests addressed to a loopback name or address \
         (Host: localhost, 127.0.0.0/8 or [::1], with any port); send the request to \
         http://127.0.0.1:<port> or http://localhost:<port>.",
    ))
}

/// Why an admin request that a web page could have sent (an `Origin` header), or whose
/// body is not JSON, is refused, or `None`. `body_len` is the size of the body
/// received.
pub(crate) fn refuse_admin(request: &http::request::Parts, body_len: usize) -> Option<Failure> {
    if request.headers.contains_key(ORIGIN) {
        return Some(Failure::new(
            403,
            codes::ORIGIN_NOT_ALLOWED,
            "The admin endpoints refuse requests that carry an Origin header (a web page); \
             send them from a test or a tool such as curl, without Origin.",
        ));
    }
    let mut types = request.headers.get_all(CONTENT_TYPE).iter();
    let json = match (types.next(), types.next()) {
        (None, _) => None,
        (Some(value), None) => Some(value.to_str().is_ok_and(is_json_media_type)),
        (Some(_), Some(_)) => Some(false),
    };
    let refused = match json {
        // Bodiless requests (GET, DELETE, `POST /__emulator/reset`) need no type.
        None => body_len > 0,
        Some(is_json) => !is_json,
    };
    if refused {
        return Some(Failure::new(
            415,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "The admin endpoints take only JSON bodies: send `Content-Type: application/json` \
             (or no Content-Type and no body).",
        ));
    }
    None
}

/// `application/json`, in any case, with or without parameters (`; charset=utf-8`).
fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority;

    #[test]
    fn loopback_authorities() {
        for yes in [
            "localhost",
            "LocalHost:8080",
            "localhost:",
            "127.0.0.1",
            "127.0.0.1:1",
            "127.255.3.4:65535",
            "[::1]",
            "[::1]:8080",
            "[0:0:0:0:0:0:0:1]:80",
        ] {
            assert!(is_loopback_authority(yes), "{yes}");
        }
        for no in [
            "",
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "127.0.0.1.example:80",
            "128.0.0.1",
            "0.0.0.0",
            "2130706433",
            "127.1",
            "[::ffff:127.0.0.1]",
            "[::2]",
            "[::1",
            "::1",
            "[::1]x",
            "localhost:80x",
            "localhost:123456",
            "localhost:80:80",
            "user@localhost",
        ] {
            assert!(!is_loopback_authority(no), "{no}");
        }
    }
}
