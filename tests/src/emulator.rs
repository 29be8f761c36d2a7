//! The emulator: one request in, one response out, for all 32 operations and the login
//! endpoint, with authentication, permissions, faults and the rate limit.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use genesys_chat::operation::{CORRELATION_ID_HEADER, MAX_REQUEST_BODY_BYTES};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{HeaderMap, Method, Response, StatusCode};

use crate::builder::EmulatorBuilder;
use crate::clock::Clock;
use crate::failure::Failure;
use crate::faults::{
    CounterCells, Counters, Fault, FaultBook, FaultRule, InvalidFault, RateDecision, RateLimit,
    RateLimiter,
};
use crate::handlers::{Ctx, Reply};
use crate::identity::{Grant, Identity, Permissions, User};
use crate::ids::IdGen;
use crate::oauth::OAuthBook;
use crate::routes::{self, RouteMatch};
use crate::state::State;
use crate::{lock, read, write};

/// The body a [`Fault::Malformed`] answer carries: not JSON.
pub const MALFORMED_BODY: &[u8] = b"{\"entities\":[{\"id\": <malformed>";

/// What the transport should do with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send the response as it is.
    Respond,
    /// Send the head with `Content-Length` of the whole body, then only the first
    /// `sent` bytes of it, then close the connection.
    Truncate {
        /// How many body bytes to send.
        sent: usize,
    },
    /// Close the connection without sending anything.
    DropConnection,
}

/// A response and what to do with it: the sans-IO answer for a transport.
pub struct Dispatch {
    /// The response. For [`Action::DropConnection`] it is the `502` that
    /// [`Emulator::handle`] returns in-process, where no connection can be dropped.
    pub response: Response<Vec<u8>>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// How to send it.
    pub action: Action,
}

impl fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold chat text: only its size is shown.
        f.debug_struct("Dispatch")
            .field("status", &self.response.status())
            .field(
                "body",
                &format_args!("[{} bytes]", self.response.body().len()),
            )
            .field("delay", &self.delay)
            .field("action", &self.action)
            .finish()
    }
}

/// An in-memory Genesys Cloud Chat service.
///
/// Thread-safe (`Send + Sync`): share it in an [`Arc`] between threads or behind the
/// loopback [`Server`](crate::server::Server). Every operation is atomic.
///
/// It is its own login host too (API and login share the base URL):
///
/// - `POST /oauth/token` answers the five grants of Genesys Cloud: client credentials,
///   authorization code, refresh token, authorization code with PKCE (a public client:
///   `client_id` and `code_verifier` in the form, no `Authorization`; the verifier's
///   base64url(SHA-256) must equal the code's S256 challenge) and SAML2 bearer. Clients
///   come from [`EmulatorBuilder::client`] (confidential, `Authorization: Basic`) and
///   [`EmulatorBuilder::public_client`]; assertions from
///   [`EmulatorBuilder::saml2_assertion`]; codes from
///   [`Emulator::issue_authorization_code`] or `GET /oauth/authorize`.
/// - A code works once: the first exchange that presents it uses it up, even a failed
///   one. A code of a confidential client, and every refresh, also returns a
///   `refresh_token`. Refresh tokens rotate: the refresh grant returns a new access
///   token and a new refresh token, and the one presented stops working.
/// - Errors are in the OAuth shape `{"error","error_description"}`: `invalid_client`
///   (401, `WWW-Authenticate: Basic`) for a missing, unknown or wrong client
///   authentication; `invalid_grant` (400) for an unknown, used or mismatched code,
///   verifier, refresh token or assertion; `unsupported_grant_type` (400);
///   `invalid_request` (400) for a missing or repeated parameter or a body that is not a
///   form; `unauthorized_client` (400) for a public client asking for a grant other than
///   the code with PKCE.
/// - Access tokens live [`EmulatorBuilder::token_lifetime`]; an expired one is refused
///   with `401` and the `ErrorBody` code `bad.credentials`.
/// - Everything the login host issues starts with `emu-` (access tokens `emu-…`, codes
///   `emu-code-…`, refresh tokens `emu-refresh-…`), so a test can look for that prefix in
///   logs and error messages.
/// - `GET /oauth/authorize?response_type=code|token&client_id=…&redirect_uri=…&state=…`
///   (`&code_challenge=…&code_challenge_method=S256`) answers `302 Found` to the redirect
///   URI with `code` and `state` (or, for `token`, the token in the fragment): there is
///   no login page, the client's user signs in at once. An unknown client or a
///   missing or relative redirect URI is answered `400` in the OAuth shape, without
///   redirecting; other errors redirect with `error` and `error_description`. Fault
///   rules do not apply to it.
/// - [`Counters::token_requests_by_grant`] counts token requests per grant type.
pub struct Emulator {
    pub(crate) ident: Identity,
    state: Mutex<State>,
    pub(crate) issued: RwLock<HashMap<String, Grant>>,
    pub(crate) oauth: OAuthBook,
    pub(crate) ids: IdGen,
    correlation: IdGen,
    pub(crate) clock: Arc<dyn Clock>,
    faults: FaultBook,
    rate_limit: RwLock<Option<RateLimit>>,
    limiter: RateLimiter,
    pub(crate) counters: CounterCells,
    pub(crate) token_lifetime: Duration,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("identity", &self.ident)
            .field("counters", &self.counters.snapshot())
            .finish_non_exhaustive()
    }
}

impl Default for Emulator {
    fn default() -> Self {
        Emulator::new()
    }
}

impl Emulator {
    /// The org of the default emulator: JIDs end in `@example.orgspan.com`.
    pub const DEFAULT_ORG: &'static str = "example";
    /// The users of the default emulator.
    pub const DEFAULT_USERS: [&'static str; 4] = ["alice", "bob", "carol", "dave"];
    /// The default emulator's token for alice, with every permission. Bob, carol and dave
    /// have `emulator-token-bob` and so on, see [`Emulator::token_for`].
    pub const DEFAULT_TOKEN: &'static str = "emulator-token-alice";
    /// The default emulator's OAuth client id (its tokens act as alice).
    pub const DEFAULT_CLIENT_ID: &'static str = "emulator-client";
    /// The default emulator's OAuth client secret.
    pub const DEFAULT_CLIENT_SECRET: &'static str = "emulator-secret";
    /// The default emulator's public OAuth client (PKCE, no secret; its tokens act as
    /// alice with every permission). See [`EmulatorBuilder::public_client`].
    pub const DEFAULT_PUBLIC_CLIENT_ID: &'static str = "emulator-public-client";

    /// The ready default emulator: see [`EmulatorBuilder::with_defaults`].
    pub fn new() -> Self {
        EmulatorBuilder::with_defaults().assemble()
    }

    /// An empty builder (no users); see also [`EmulatorBuilder::with_defaults`].
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::new()
    }

    pub(crate) fn assemble(
        ident: Identity,
        clock: Arc<dyn Clock>,
        rate_limit: Option<RateLimit>,
        seed: u64,
        token_lifetime: Duration,
    ) -> Self {
        Emulator {
            ident,
            state: Mutex::new(State::default()),
            issued: RwLock::new(HashMap::new()),
            oauth: OAuthBook::default(),
            ids: IdGen::new(seed),
            correlation: IdGen::new(seed.rotate_left(32) ^ 0xC0DE),
            clock,
            faults: FaultBook::default(),
            rate_limit: RwLock::new(rate_limit),
            limiter: RateLimiter::default(),
            counters: CounterCells::default(),
            token_lifetime,
        }
    }

    // ----- identity -----

    /// The org name.
    pub fn org(&self) -> &str {
        &self.ident.org
    }

    /// A seeded user by name, e.g. `emulator.user("bob")`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.ident.by_name(name).map(|i| self.ident.user(i))
    }

    /// A seeded user by id.
    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.ident.by_id(id).map(|i| self.ident.user(i))
    }

    /// Every seeded user.
    pub fn users(&self) -> &[User] {
        &self.ident.users
    }

    /// The first seeded token of the user `name` (in the default emulator, the one with
    /// every permission: `emulator-token-<name>`).
    pub fn token_for(&self, name: &str) -> Option<&str> {
        let user = self.ident.by_name(name)?;
        self.ident
            .token_order
            .iter()
            .find(|t| self.ident.tokens.get(*t).is_some_and(|g| g.user == user))
            .map(String::as_str)
    }

    /// Issues a new token for the user `name` with `permissions`, valid until
    /// [`Emulator::reset`]; `None` if there is no such user.
    pub fn issue_token(&self, name: &str, permissions: Permissions) -> Option<String> {
        let user = self.ident.by_name(name)?;
        let token = format!("emu-{}", self.ids.uuid().replace('-', ""));
        write(&self.issued).insert(
            token.clone(),
            Grant {
                user,
                permissions,
                expires_at: None,
            },
        );
        Some(token)
    }

    /// A fresh `ININ-Correlation-Id`.
    pub(crate) fn correlation_id(&self) -> String {
        self.correlation.uuid()
    }

    /// The emulator's clock, in Unix milliseconds.
    pub fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }

    // ----- faults, rate limit, counters -----

    /// Adds a fault rule; rules are tried in the order added and the first that matches
    /// a request fires.
    pub fn add_fault(&self, rule: FaultRule) -> Result<(), InvalidFault> {
        rule.validate()?;
        self.faults.add(rule);
        Ok(())
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// The fault rules still active (with their remaining `times`).
    pub fn faults(&self) -> Vec<FaultRule> {
        self.faults.list()
    }

    /// Turns the per-token rate limit on (`Some`) or off (`None`).
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *write(&self.rate_limit) = limit;
        self.limiter.clear();
    }

    /// The per-token rate limit, if on.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *read(&self.rate_limit)
    }

    /// What the emulator received so far.
    pub fn counters(&self) -> Counters {
        self.counters.snapshot()
    }

    /// How many messages are stored, in all conversations.
    pub fn message_count(&self) -> usize {
        lock(&self.state).messages.len()
    }

    /// Back to a fresh service: rooms, messages, settings, issued tokens, fault rules,
    /// rate-limit windows and counters are cleared; the seeded org, users, tokens and
    /// clients stay, and so does the rate limit setting.
    pub fn reset(&self) {
        *lock(&self.state) = State::default();
        write(&self.issued).clear();
        self.oauth.clear();
        self.faults.clear();
        self.limiter.clear();
        self.counters.reset();
        self.ids.reset();
    }

    // ----- requests -----

    /// Answers one request in-process: the plain path for tests and in-process clients.
    ///
    /// Faults apply as far as they can without a connection: a delay sleeps the calling
    /// thread; a truncated answer keeps the `Content-Length` of the whole body over a
    /// shortened body; a dropped connection becomes `502 Bad Gateway` with code
    /// `connection.dropped` (see [`Dispatch::response`]).
    pub fn handle(&self, request: http::Request<Vec<u8>>) -> Response<Vec<u8>> {
        let dispatch = self.dispatch(request);
        if let Some(delay) = dispatch.delay {
            std::thread::sleep(delay);
        }
        let mut response = dispatch.response;
        if let Action::Truncate { sent } = dispatch.action {
            let full = response.body().len();
            response.body_mut().truncate(sent);
            response
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(full));
        }
        response
    }

    /// Answers one request and says how to deliver it: the sans-IO entry point for a
    /// transport (the loopback [`Server`](crate::server::Server) uses it).
    pub fn dispatch(&self, request: http::Request<Vec<u8>>) -> Dispatch {
        CounterCells::bump(&self.counters.total);
        let correlation = self.correlation.uuid();
        let (parts, body) = request.into_parts();
        if parts.method == Method::POST && parts.uri.path() == "/oauth/token" {
            return self.token_endpoint(&parts.headers, &body, &correlation);
        }
        if parts.method == Method::GET && parts.uri.path() == "/oauth/authorize" {
            CounterCells::bump(&self.counters.authorize_requests);
            return plain(self.authorize(parts.uri.query().unwrap_or(""), &correlation));
        }
        match routes::find(&parts.method, parts.uri.path()) {
            RouteMatch::NotFound => {
                CounterCells::bump(&self.counters.unrouted);
                plain(failure_response(&Failure::no_route(), &correlation))
            }
            RouteMatch::BadPath => {
                CounterCells::bump(&self.counters.unrouted);
                let f = Failure::bad_request("path", "is not valid percent-encoded UTF-8");
                plain(failure_response(&f, &correlation))
            }
            RouteMatch::Found(route, params) => {
                self.counters.bump_operation(route.index);
                let fault = self.take_fault(Some(route.meta.id));
                if let Some(dispatch) = refuse_early(fault.as_ref(), &correlation) {
                    return dispatch;
                }
                let response = self.api(
                    route,
                    &params,
                    &parts.headers,
                    parts.uri.query().unwrap_or(""),
                    &body,
                    &correlation,
                );
                apply_late(fault, response, &correlation)
            }
        }
    }

    pub(crate) fn take_fault(&self, operation: Option<&str>) -> Option<Fault> {
        let fault = self.faults.take(operation);
        if fault.is_some() {
            CounterCells::bump(&self.counters.faults_injected);
        }
        fault
    }

    /// Authentication, rate limit, permissions, then the operation itself.
    fn api(
        &self,
        route: &routes::Route,
        params: &routes::Params,
        headers: &HeaderMap,
        query: &str,
        body: &[u8],
        correlation: &str,
    ) -> Response<Vec<u8>> {
        let now = self.clock.now_millis();
        let required = route.meta.permissions;
        let (token, caller, permitted) = match self.authenticate(headers, now, required) {
            Ok(found) => found,
            Err(f) => return failure_response(&f, correlation),
        };
        let rate = self
            .rate_limit()
            .map(|limit| self.limiter.count(token, limit, now));
        let response = if rate.as_ref().is_some_and(|r| r.exceeded) {
            CounterCells::bump(&self.counters.rate_limited);
            let reset = rate.as_ref().map_or(1, |r| r.reset_seconds);
            failure_response(&Failure::injected(429, Some(reset)), correlation)
        } else if !permitted {
            failure_response(&Failure::missing_permissions(required), correlation)
        } else if body.len() > MAX_REQUEST_BODY_BYTES {
            let f = Failure::new(
                413,
                "request.entity.too.large",
                format!("The request body is over {MAX_REQUEST_BODY_BYTES} bytes."),
            );
            failure_response(&f, correlation)
        } else {
            self.run(route, params, caller, now, query, body, correlation)
        };
        let mut response = response;
        if let Some(rate) = rate {
            add_rate_headers(response.headers_mut(), &rate);
        }
        response
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        route: &routes::Route,
        params: &routes::Params,
        caller: usize,
        now: i64,
        query: &str,
        body: &[u8],
        correlation: &str,
    ) -> Response<Vec<u8>> {
        let Some(handler) = route.handler else {
            let f = Failure::new(501, "not.implemented", "The emulator lacks this operation.");
            return failure_response(&f, correlation);
        };
        let outcome = {
            let mut state = lock(&self.state);
            let mut ctx = Ctx {
                ident: &self.ident,
                state: &mut state,
                ids: &self.ids,
                caller,
                now,
                params,
                query,
                body,
            };
            handler(&mut ctx)
        };
        match outcome {
            Ok(Reply::Json(json)) => json_response(200, json, correlation),
            Ok(Reply::NoContent) => empty_response(204, correlation),
            Err(f) => failure_response(&f, correlation),
        }
    }

    /// The bearer token, the caller and whether the token holds one of `required`.
    fn authenticate<'h>(
        &self,
        headers: &'h HeaderMap,
        now: i64,
        required: &[&str],
    ) -> Result<(&'h str, usize, bool), Failure> {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Err(Failure::authentication_required());
        };
        let text = value.to_str().map_err(|_| Failure::bad_credentials())?;
        let token = match text.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(Failure::authentication_required()),
        };
        if token.is_empty() {
            return Err(Failure::authentication_required());
        }
        let check = |g: &Grant| match g.expires_at {
            Some(deadline) if now >= deadline => Err(Failure::bad_credentials()),
            _ => Ok((token, g.user, g.permissions.allows_any(required))),
        };
        if let Some(grant) = self.ident.tokens.get(token) {
            return check(grant);
        }
        match read(&self.issued).get(token) {
            Some(grant) => check(grant),
            None => Err(Failure::bad_credentials()),
        }
    }
}

/// A fault that refuses the request before the operation runs.
fn refuse_early(fault: Option<&Fault>, correlation: &str) -> Option<Dispatch> {
    match fault? {
        Fault::Status {
            status,
            retry_after,
        } => {
            let f = Failure::injected(*status, *retry_after);
            Some(plain(failure_response(&f, correlation)))
        }
        Fault::DropConnection => Some(dropped(correlation)),
        _ => None,
    }
}

/// A fault that changes how the answer of a completed operation is delivered.
pub(crate) fn apply_late(
    fault: Option<Fault>,
    mut response: Response<Vec<u8>>,
    correlation: &str,
) -> Dispatch {
    let mut dispatch = Dispatch {
        response: Response::new(Vec::new()),
        delay: None,
        action: Action::Respond,
    };
    match fault {
        Some(Fault::Delay { millis }) => dispatch.delay = Some(Duration::from_millis(millis)),
        Some(Fault::Truncate) => {
            if response.body().is_empty() {
                // Nothing to cut in a 204: answer 200 `{}` and cut that.
                *response.status_mut() = StatusCode::OK;
                *response.body_mut() = b"{}".to_vec();
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            dispatch.action = Action::Truncate {
                sent: response.body().len() / 2,
            };
        }
        Some(Fault::Malformed) => {
            if response.status() == StatusCode::NO_CONTENT {
                *response.status_mut() = StatusCode::OK;
            }
            *response.body_mut() = MALFORMED_BODY.to_vec();
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        Some(Fault::DropAfterApply) => return dropped(correlation),
        Some(Fault::Status { .. } | Fault::DropConnection) | None => {}
    }
    dispatch.response = response;
    dispatch
}

pub(crate) fn plain(response: Response<Vec<u8>>) -> Dispatch {
    Dispatch {
        response,
        delay: None,
        action: Action::Respond,
    }
}

pub(crate) fn dropped(correlation: &str) -> Dispatch {
    let f = Failure::new(
        502,
        "connection.dropped",
        "The emulator dropped the connection (fault injection).",
    );
    Dispatch {
        response: failure_response(&f, correlation),
        delay: None,
        action: Action::DropConnection,
    }
}

fn add_rate_headers(headers: &mut HeaderMap, rate: &RateDecision) {
    headers.insert("inin-ratelimit-count", HeaderValue::from(rate.count));
    headers.insert("inin-ratelimit-allowed", HeaderValue::from(rate.allowed));
    headers.insert(
        "inin-ratelimit-reset",
        HeaderValue::from(rate.reset_seconds),
    );
}

pub(crate) fn empty_response(status: u16, correlation: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(correlation) {
        response.headers_mut().insert(CORRELATION_ID_HEADER, value);
    }
    response
}

pub(crate) fn json_response(status: u16, json: Vec<u8>, correlation: &str) -> Response<Vec<u8>> {
    let mut response = empty_response(status, correlation);
    *response.body_mut() = json;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(crate) fn failure_response(failure: &Failure, correlation: &str) -> Response<Vec<u8>> {
    let mut response = json_response(failure.status(), failure.body(correlation), correlation);
    if let Some(seconds) = failure.retry_after() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
