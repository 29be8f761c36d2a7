//! The admin endpoints of the loopback server, under `/__emulator/`.
//!
//! They are served by [`Server`](crate::server::Server) only, never by
//! [`Emulator::handle`]: no API route can reach them, they need no token, and they are
//! not counted in [`Counters`](crate::Counters).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /__emulator/faults` | a [`FaultRule`] | `204`, or `400` for an invalid rule |
//! | `GET /__emulator/faults` | | `200` the active rules |
//! | `DELETE /__emulator/faults` | | `204`, every rule removed |
//! | `GET /__emulator/counters` | | `200` the [`Counters`](crate::Counters) |
//! | `POST /__emulator/reset` | | `204`, see [`Emulator::reset`] |
//! | `PUT /__emulator/rate-limit` | a [`RateLimit`] `{"allowed":300,"windowMillis":60000}` | `204` |
//! | `DELETE /__emulator/rate-limit` | | `204`, the rate limit off |
//! | `GET /__emulator/users` | | `200` `[{"name","id","jid","selfUri"}]` |
//! | `POST /__emulator/tokens` | `{"user":"bob","permissions":["chat:room:view"]}` (`permissions` absent = all) | `200` `{"accessToken":"…"}` |

use http::{Method, Response};
use serde::{Deserialize, Serialize};

use crate::emulator::{Emulator, empty_response, failure_response, json_response};
use crate::failure::Failure;
use crate::faults::{FaultRule, RateLimit};
use crate::identity::Permissions;
use crate::wire::to_json;

/// The path prefix of the admin endpoints.
pub const ADMIN_PREFIX: &str = "/__emulator/";

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
