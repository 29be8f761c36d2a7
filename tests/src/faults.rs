//! Fault injection, the optional per-token rate limit, and the counters of what the
//! emulator received.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use genesys_chat::Operation;
use genesys_chat::operations::{self, ALL};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::oauth::GRANT_KEYS;

/// Which requests a [`FaultRule`] applies to.
///
/// In JSON (the admin endpoint) a route is a string: `"*"`, `"api"`, `"token"` or an
/// official operation id such as `"postChatsRoomMessages"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultRoute {
    /// Every API operation and the token endpoint (`"*"`).
    Any,
    /// Every one of the 32 API operations, not the token endpoint (`"api"`).
    Api,
    /// The login endpoint `POST /oauth/token` (`"token"`).
    Token,
    /// One operation, by its official id (e.g. `postChatsRoomMessages`).
    Operation(&'static str),
}

impl FaultRoute {
    /// The route of an operation type, e.g.
    /// `FaultRoute::of::<PostChatsRoomMessages>()`: its official id, checked by the
    /// compiler.
    ///
    /// ```
    /// use genesys_chat::operations::PostChatsRoomMessages;
    /// use genesys_chat_testkit::FaultRoute;
    /// assert_eq!(
    ///     FaultRoute::of::<PostChatsRoomMessages>(),
    ///     FaultRoute::Operation("postChatsRoomMessages")
    /// );
    /// ```
    pub fn of<O: Operation>() -> Self {
        FaultRoute::Operation(O::META.id)
    }

    /// The route of an official operation id, or `None` if no operation has that id.
    pub fn operation(id: &str) -> Option<Self> {
        operations::find(id).map(|meta| FaultRoute::Operation(meta.id))
    }

    /// Parses the JSON spelling: `*`, `api`, `token` or an operation id.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "*" => Some(FaultRoute::Any),
            "api" => Some(FaultRoute::Api),
            "token" => Some(FaultRoute::Token),
            id => FaultRoute::operation(id),
        }
    }

    /// The JSON spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            FaultRoute::Any => "*",
            FaultRoute::Api => "api",
            FaultRoute::Token => "token",
            FaultRoute::Operation(id) => id,
        }
    }

    /// Whether a request to `operation` (`None` for the token endpoint) is concerned.
    pub(crate) fn matches(&self, operation: Option<&str>) -> bool {
        match (self, operation) {
            (FaultRoute::Any, _) => true,
            (FaultRoute::Api, Some(_)) | (FaultRoute::Token, None) => true,
            (FaultRoute::Operation(id), Some(op)) => *id == op,
            _ => false,
        }
    }
}

impl Serialize for FaultRoute {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FaultRoute {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        FaultRoute::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(
                "route must be \"*\", \"api\", \"token\" or an official operation id",
            )
        })
    }
}

/// What goes wrong.
///
/// Whether the operation is carried out:
///
/// | fault | operation applied? | answer |
/// |---|---|---|
/// | `Status` | no | that status with an `ErrorBody` (and `Retry-After` when given) |
/// | `Delay` | yes | the normal answer, after the delay |
/// | `Truncate` | yes | `Content-Length` of the full body, half of it sent, then the connection closes |
/// | `Malformed` | yes | the normal status with a body that is not JSON |
/// | `DropConnection` | no | the connection closes without an answer |
/// | `DropAfterApply` | yes | the connection closes without an answer |
///
/// In JSON: `{"kind":"status","status":503}`, `{"kind":"status","status":429,"retryAfter":2}`,
/// `{"kind":"delay","millis":250}`, `{"kind":"truncate"}`, `{"kind":"malformed"}`,
/// `{"kind":"dropConnection"}`, `{"kind":"dropAfterApply"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Fault {
    /// Answer this status (400 to 599) instead of carrying the operation out.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, in whole seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Carry the operation out, then wait this long before answering.
    Delay {
        /// The delay in milliseconds.
        millis: u64,
    },
    /// Carry the operation out, then send only part of the body and close.
    Truncate,
    /// Carry the operation out, then answer a body that is not JSON.
    Malformed,
    /// Close the connection without carrying the operation out.
    DropConnection,
    /// Carry the operation out, then close the connection without answering (for
    /// testing retries of non-idempotent operations).
    DropAfterApply,
}

/// The constructors, one per kind of fault; every length of time is a [`Duration`].
///
/// ```
/// use std::time::Duration;
/// use genesys_chat_testkit::Fault;
/// assert_eq!(Fault::status(503), Fault::Status { status: 503, retry_after: None });
/// assert_eq!(
///     Fault::too_many_requests(Duration::from_secs(2)),
///     Fault::Status { status: 429, retry_after: Some(2) }
/// );
/// assert_eq!(Fault::delay(Duration::from_millis(250)), Fault::Delay { millis: 250 });
/// assert_eq!(Fault::drop_connection(), Fault::DropConnection);
/// ```
impl Fault {
    /// Answers `status` (400 to 599) without `Retry-After`, instead of carrying the
    /// operation out.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// Answers `status` (400 to 599) with `Retry-After: retry_after`, in whole seconds
    /// (a fraction of a second counts as a whole one: 1.5 s is `2`).
    pub fn status_with_retry_after(status: u16, retry_after: Duration) -> Self {
        Fault::Status {
            status,
            retry_after: Some(whole_seconds_up(retry_after)),
        }
    }

    /// A 429 with `Retry-After: retry_after` in whole seconds, rounded up (code
    /// `too.many.requests.retry.after`); [`Fault::status`]`(429)` has none
    /// (`too.many.requests`).
    pub fn too_many_requests(retry_after: Duration) -> Self {
        Fault::status_with_retry_after(429, retry_after)
    }

    /// Carries the operation out, then waits `delay` (to the millisecond) before
    /// answering.
    pub fn delay(delay: Duration) -> Self {
        Fault::Delay {
            millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Carries the operation out, then sends half of the body and closes the connection.
    pub fn truncate() -> Self {
        Fault::Truncate
    }

    /// Carries the operation out, then answers a body that is not JSON.
    pub fn malformed() -> Self {
        Fault::Malformed
    }

    /// Closes the connection without an answer, and without carrying the operation out.
    pub fn drop_connection() -> Self {
        Fault::DropConnection
    }

    /// Carries the operation out, then closes the connection without an answer.
    pub fn drop_after_apply() -> Self {
        Fault::DropAfterApply
    }
}

/// Whole seconds, a fraction counting as one more.
fn whole_seconds_up(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

/// One scripted fault: which requests, what fault, how many times.
///
/// ```
/// use genesys_chat_testkit::{Fault, FaultRoute, FaultRule};
/// // The next two sends to a room fail with 503; nothing is stored.
/// use genesys_chat::operations::PostChatsRoomMessages;
/// let rule = FaultRule::new(FaultRoute::of::<PostChatsRoomMessages>(), Fault::status(503)).times(2);
/// let json = serde_json::to_string(&rule).unwrap();
/// assert_eq!(json, r#"{"route":"postChatsRoomMessages","fault":{"kind":"status","status":503},"times":2}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// The requests concerned.
    pub route: FaultRoute,
    /// What happens to them.
    pub fault: Fault,
    /// How many requests it applies to; `None` (absent in JSON) means every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule that applies to every matching request until cleared.
    pub fn new(route: FaultRoute, fault: Fault) -> Self {
        FaultRule {
            route,
            fault,
            times: None,
        }
    }

    /// A rule that applies to the next matching request only.
    pub fn once(route: FaultRoute, fault: Fault) -> Self {
        FaultRule::new(route, fault).times(1)
    }

    /// Applies to the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Checks the rule: a status from 400 to 599, and `times` at least 1.
    pub fn validate(&self) -> Result<(), InvalidFault> {
        if let Fault::Status { status, .. } = self.fault {
            if !(400..=599).contains(&status) {
                return Err(InvalidFault("fault.status must be from 400 to 599"));
            }
        }
        if self.times == Some(0) {
            return Err(InvalidFault(
                "times must be at least 1, or absent for always",
            ));
        }
        Ok(())
    }
}

/// A fault rule that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFault(&'static str);

impl fmt::Display for InvalidFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault rule: {}", self.0)
    }
}

impl std::error::Error for InvalidFault {}

/// The active fault rules. A quick flag spares the lock when there are none.
#[derive(Default)]
pub(crate) struct FaultBook {
    any: AtomicBool,
    rules: std::sync::Mutex<Vec<FaultRule>>,
}

impl FaultBook {
    pub(crate) fn add(&self, rule: FaultRule) {
        let mut rules = crate::lock(&self.rules);
        rules.push(rule);
        self.any.store(true, Ordering::Release);
    }

    pub(crate) fn clear(&self) {
        let mut rules = crate::lock(&self.rules);
        rules.clear();
        self.any.store(false, Ordering::Release);
    }

    pub(crate) fn list(&self) -> Vec<FaultRule> {
        crate::lock(&self.rules).clone()
    }

    /// The fault for this request, if a rule matches: the first matching rule fires and
    /// uses up one of its `times`.
    pub(crate) fn take(&self, operation: Option<&str>) -> Option<Fault> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut rules = crate::lock(&self.rules);
        let index = rules.iter().position(|r| r.route.matches(operation))?;
        let rule = rules.get_mut(index)?;
        let fault = rule.fault.clone();
        match &mut rule.times {
            Some(n) if *n > 1 => *n -= 1,
            Some(_) => {
                rules.remove(index);
            }
            None => {}
        }
        self.any.store(!rules.is_empty(), Ordering::Release);
        Some(fault)
    }
}

/// A per-token rate limit: at most `allowed` API requests per token in each `window`.
///
/// Every API answer then carries `inin-ratelimit-count`, `inin-ratelimit-allowed` and
/// `inin-ratelimit-reset` (seconds until the window ends); a request over the limit is
/// answered 429 `too.many.requests.retry.after` with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Requests allowed per window.
    pub allowed: u32,
    /// The window, in milliseconds (in JSON `windowMillis`).
    #[serde(rename = "windowMillis", with = "millis")]
    pub window: Duration,
}

impl RateLimit {
    /// The platform's documented limit: 300 requests a minute per token.
    pub fn per_minute(allowed: u32) -> Self {
        RateLimit {
            allowed,
            window: Duration::from_secs(60),
        }
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// The outcome of counting one request against the rate limit.
pub(crate) struct RateDecision {
    pub(crate) count: u32,
    pub(crate) allowed: u32,
    pub(crate) reset_seconds: u64,
    pub(crate) exceeded: bool,
}

/// The per-token windows.
#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: std::sync::Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    pub(crate) fn count(&self, token: &str, limit: RateLimit, now: i64) -> RateDecision {
        let window_ms = i64::try_from(limit.window.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let mut windows = crate::lock(&self.windows);
        let entry = windows.entry(token.to_owned()).or_insert((now, 0));
        if now >= entry.0.saturating_add(window_ms) || now < entry.0 {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        let remaining_ms = entry.0.saturating_add(window_ms).saturating_sub(now).max(0);
        let reset_seconds = u64::try_from((remaining_ms + 999) / 1000)
            .unwrap_or(0)
            .max(1);
        RateDecision {
            count: entry.1,
            allowed: limit.allowed,
            reset_seconds,
            exceeded: entry.1 > limit.allowed,
        }
    }

    pub(crate) fn clear(&self) {
        crate::lock(&self.windows).clear();
    }
}

/// What the emulator received, for tests to assert on. See [`Emulator::counters`](crate::Emulator::counters).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Every request received (API, token endpoint, and paths no operation serves).
    pub total: u64,
    /// Requests to the token endpoint `POST /oauth/token`.
    pub token_requests: u64,
    /// The requests of [`token_requests`](Counters::token_requests) by the `grant_type`
    /// of their form: `client_credentials`, `authorization_code` (PKCE included),
    /// `refresh_token`, `urn:ietf:params:oauth:grant-type:saml2-bearer`, and `other` (a
    /// missing or unsupported grant type), whatever their answer; only the grant types
    /// seen appear, and the values add up to `token_requests`. In JSON
    /// `tokenRequestsByGrant`, left out while empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_requests_by_grant: BTreeMap<String, u64>,
    /// Requests to the browser endpoint `GET /oauth/authorize`. In JSON
    /// `authorizeRequests`, left out while 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub authorize_requests: u64,
    /// Requests routed to each operation (by official id), whatever their answer; only
    /// operations that were called appear.
    pub operations: BTreeMap<String, u64>,
    /// Requests that matched no operation.
    pub unrouted: u64,
    /// Requests a fault rule fired on.
    pub faults_injected: u64,
    /// Requests refused by the rate limit.
    pub rate_limited: u64,
}

impl Counters {
    /// The requests routed to one operation (0 when never called).
    pub fn operation(&self, id: &str) -> u64 {
        self.operations.get(id).copied().unwrap_or(0)
    }

    /// The requests routed to any of the 32 operations.
    pub fn api_requests(&self) -> u64 {
        self.operations.values().sum()
    }

    /// The token requests with this `grant_type` (e.g. `"refresh_token"`; `"other"` for
    /// missing or unsupported ones), 0 when none came.
    pub fn token_requests_for(&self, grant_type: &str) -> u64 {
        self.token_requests_by_grant
            .get(grant_type)
            .copied()
            .unwrap_or(0)
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Lock-free counters behind [`Counters`].
pub(crate) struct CounterCells {
    pub(crate) total: AtomicU64,
    pub(crate) token_requests: AtomicU64,
    /// Indexed like [`GRANT_KEYS`].
    pub(crate) per_grant: [AtomicU64; GRANT_KEYS.len()],
    pub(crate) authorize_requests: AtomicU64,
    pub(crate) per_operation: Vec<AtomicU64>,
    pub(crate) unrouted: AtomicU64,
    pub(crate) faults_injected: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
}

impl Default for CounterCells {
    fn default() -> Self {
        CounterCells {
            total: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
            per_grant: Default::default(),
            authorize_requests: AtomicU64::new(0),
            per_operation: ALL
                .iter()
                .chain(operations::USERS)
                .map(|_| AtomicU64::new(0))
                .collect(),
            unrouted: AtomicU64::new(0),
            faults_injected: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        }
    }
}

impl CounterCells {
    pub(crate) fn bump(cell: &AtomicU64) {
        cell.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn bump_operation(&self, index: usize) {
        if let Some(cell) = self.per_operation.get(index) {
            Self::bump(cell);
        }
    }

    /// Counts a token request of the grant at `index` of [`GRANT_KEYS`].
    pub(crate) fn bump_grant(&self, index: usize) {
        if let Some(cell) = self.per_grant.get(index) {
            Self::bump(cell);
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counters {
            total: get(&self.total),
            token_requests: get(&self.token_requests),
            token_requests_by_grant: GRANT_KEYS
                .iter()
                .zip(&self.per_grant)
                .filter(|(_, c)| get(c) > 0)
                .map(|(key, c)| ((*key).to_owned(), get(c)))
                .collect(),
            authorize_requests: get(&self.authorize_requests),
            operations: ALL
                .iter()
                .chain(operations::USERS)
                .zip(&self.per_operation)
                .filter(|(_, c)| get(c) > 0)
                .map(|(meta, c)| (meta.id.to_owned(), get(c)))
                .collect(),
            unrouted: get(&self.unrouted),
            faults_injected: get(&self.faults_injected),
            rate_limited: get(&self.rate_limited),
        }
    }

    pub(crate) fn reset(&self) {
        for cell in [
            &self.total,
            &self.token_requests,
            &self.authorize_requests,
            &self.unrouted,
            &self.faults_injected,
            &self.rate_limited,
        ] {
            cell.store(0, Ordering::Relaxed);
        }
        for cell in self.per_grant.iter().chain(&self.per_operation) {
            cell.store(0, Ordering::Relaxed);
        }
    }
}
