//! Pacing: as many requests as the rate limit allows, and no 429, as pure decisions.
//!
//! Genesys Cloud allows each access token a number of API requests per window (300 a
//! minute) and says where a token stands on every answer: `inin-ratelimit-allowed` (the
//! allowance), `inin-ratelimit-count` (the requests counted in the current window, this one
//! included) and `inin-ratelimit-reset` (whole seconds until the window ends). A request
//! over the allowance is answered 429 with `Retry-After`.
//!
//! A [`Pacer`] reads those answers and tells the caller, before each request, whether to
//! send it now ([`Pace::Go`]), how long to wait first ([`Pace::Wait`]), or that a long
//! limit is used up and the call should fail at once ([`Pace::Blocked`]). Like the retry
//! policy it reads no clock, sleeps never and draws no random numbers: the caller passes
//! the time (`std::time::Instant` values from its own clock) and does the waiting.
//!
//! The protocol, per request:
//! 1. [`Pacer::acquire`] with the token's [`PaceKey`], the operation id and the time.
//! 2. On [`Pace::Go`], send the request; hand the [`Permit`] back with
//!    [`Pacer::observe`] (the response) or [`Pacer::abandon`] (no response came).
//!    On [`Pace::Wait`], sleep, then acquire again. On [`Pace::Blocked`], fail the call
//!    with what [`Blocked`] says (it displays as a sentence for the user).
//!
//! One pacer serves every clone and thread of a client (keep it behind a mutex): each
//! permit counts as *in flight* until it is handed back, so concurrent workers cannot
//! together overrun a window.
//!
//! ## How it paces
//! - **Headroom costs nothing.** Until an answer for a token carries the rate-limit headers
//!   or is a 429, every acquire for it answers [`Pace::Go`].
//! - **Each window's allowance goes at once, then the pacer waits for the window's end.**
//!   A request is released while, for every window the server may still be in, the count
//!   the headers reported, the requests in flight and this one fit in the allowance (less
//!   [`PacingPolicy::reserve`]); otherwise the wait lasts until that window has certainly
//!   ended. A fixed window counts requests, not their spacing, so this is the most a
//!   window can take: spreading the remaining requests over the time left would add
//!   latency without adding a single request per window, and a token bucket refilling at
//!   allowed ÷ window would either overrun a fixed window (a full bucket drained at a
//!   window's start refills within that same window, so up to twice the allowance lands
//!   in it) or, sized to be safe, leave allowance unused. Each window then costs its
//!   length plus about one round trip (the new window starts with the first request after
//!   the old one ended).
//! - **When a window ends.** `inin-ratelimit-reset` is rounded up to whole seconds, so an
//!   answer observed at `t` says the window ends by `t + reset`, and the request was
//!   counted after it was sent at `s`, so the window ends after `s + reset − 1 s`. Answers
//!   that were certainly counted in the same window (each was observed before the other's
//!   window could have ended) are merged, which narrows the end to the tightest of them;
//!   answers that might belong to different windows are kept apart, which is always safe.
//!   No window length has to be known or guessed.
//! - **It adapts.** A new window starts counting afresh; a changed allowance applies from
//!   the answer that carries it; a count higher than the pacer's own requests explain
//!   (another program using the same token) holds the pacer back at once.
//! - **429s.** A 429 whose `Retry-After` (see [`crate::operation::retry_after`]; without
//!   one, `inin-ratelimit-reset`) is at most [`PacingPolicy::max_wait`] pauses the
//!   requests it covers until then. A longer one (a daily limit) blocks them: every acquire
//!   it covers answers [`Pace::Blocked`] at once, saying when the limit resets, until it
//!   does. It covers the whole token, or, when the error body's `limit` names a namespace
//!   and a key, the operations that met that limit. A 429 whose reset time is not known (no
//!   usable `Retry-After` nor reset header, or a `Retry-After` longer than any cap) changes
//!   nothing: only the call that met it fails.
//!
//! The guarantee, property-tested against a simulated server with a fixed window of N
//! requests per W seconds (as the emulator has): once one answer with the headers was
//! seen, no request the pacer releases is refused, whatever the arrival pattern, the
//! concurrency and the time requests spend in flight (up to
//! [`PacingPolicy::in_flight_timeout`]), as long as no other program uses the token. It
//! rests on two assumptions about the server: windows do not overlap (a window opens at
//! or after the end of the one before, as the emulator's do), and `inin-ratelimit-reset`
//! is rounded up (set [`PacingPolicy::reset_slack`] to 1 s for a server that rounds down).
//! With a window that is not a whole number of seconds the rounding can cost up to the
//! fraction per window.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use genesys_chat::pacing::{Pace, PaceKey, Pacer, PacingPolicy};
//!
//! let mut pacer = Pacer::new(PacingPolicy::default());
//! let key = PaceKey::from_secret("my-token");
//! let op = "postChatsRoomMessages";
//! let t0 = Instant::now(); // the caller's clock: the pacer reads none
//! let at = |ms| t0 + Duration::from_millis(ms);
//! let answer = |status, count: &str| {
//!     http::Response::builder()
//!         .status(status)
//!         .header("inin-ratelimit-allowed", "3")
//!         .header("inin-ratelimit-count", count)
//!         .header("inin-ratelimit-reset", "2")
//!         .body(Vec::new())
//! };
//!
//! // No rate-limit header seen yet: requests go at once.
//! let Pace::Go(first) = pacer.acquire(key, op, at(0)) else { unreachable!() };
//! // Its answer, 10 ms later: 2 of the 3 requests of this window are used, and the
//! // window ends within 2 s.
//! pacer.observe(first, &answer(200, "2")?, at(10));
//! // One request is left in this window: it goes…
//! let Pace::Go(last) = pacer.acquire(key, op, at(20)) else { unreachable!() };
//! // …and, while it is in flight, the next one waits for the window's end (10 ms + 2 s).
//! assert_eq!(pacer.acquire(key, op, at(30)), Pace::Wait(Duration::from_millis(1980)));
//!
//! // A daily limit: a 429 asking to wait an hour, naming the limit.
//! let daily = http::Response::builder()
//!     .status(429)
//!     .header("retry-after", "3600")
//!     .body(br#"{"code":"too.many.requests","limit":{"namespace":"chat","key":"messages.per.day"}}"#.to_vec())?;
//! pacer.observe(last, &daily, at(40));
//! // Every later call of that operation fails at once, until the limit resets.
//! let Pace::Blocked(blocked) = pacer.acquire(key, op, at(5_040)) else { unreachable!() };
//! assert_eq!(blocked.until, at(3_600_040));
//! assert_eq!(blocked.resets_in, Duration::from_secs(3595));
//! assert_eq!(
//!     blocked.to_string(),
//!     "the rate limit chat/messages.per.day of this access token is used up and resets in 3595 s; calls under it fail at once until then"
//! );
//! assert!(!matches!(pacer.acquire(key, op, at(3_600_040)), Pace::Blocked(_)));
//! # Ok::<(), http::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, StatusCode};
use sha2::{Digest, Sha256};

use crate::config::{AccessToken, Config};
use crate::error::RETRY_AFTER_BEYOND_ANY_CAP;
use crate::models::ErrorBody;
use crate::operation::retry_after;

/// The response header with the requests allowed per window.
pub const ALLOWED_HEADER: &str = "inin-ratelimit-allowed";
/// The response header with the requests counted in the current window, this one included.
pub const COUNT_HEADER: &str = "inin-ratelimit-count";
/// The response header with the whole seconds until the current window ends.
pub const RESET_HEADER: &str = "inin-ratelimit-reset";

const ONE_SECOND: Duration = Duration::from_secs(1);
/// The farthest ahead the pacer reckons: longer resets and waits are cut to this (a year).
const HORIZON: Duration = Duration::from_secs(366 * 24 * 3600);
/// Windows kept per token before the oldest are folded together (conservatively).
const MAX_GROUPS: usize = 64;
/// Pauses and blocks kept per token; past it, the one ending first is dropped.
const MAX_RESTRICTIONS: usize = 16;
/// Operations one named limit can cover (there are 32 operations).
const MAX_COVERED_OPERATIONS: usize = 64;
/// The longest limit namespace or key kept, in characters.
const MAX_LIMIT_NAME: usize = 100;
/// The largest 429 body read for the limit's name.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// A token with nothing in flight or pending is forgotten after this long unused.
const IDLE_LANE: Duration = Duration::from_secs(600);
/// Forgetting idle tokens is considered once the pacer knows this many.
const LANES_BEFORE_SWEEP: usize = 32;

/// The pacing knobs. [`PacingPolicy::default`] is on; [`PacingPolicy::disabled`] is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingPolicy {
    /// Whether to pace at all. Off, every acquire answers [`Pace::Go`] and the pacer keeps
    /// no state. Default on.
    pub enabled: bool,
    /// Requests of each window kept in reserve, for other programs that use the same
    /// token (the pacer still releases one request per window, so that it learns where
    /// the window stands). Default 0: the whole allowance is used.
    pub reserve: u32,
    /// The longest wait the pacer asks for. A 429 whose `Retry-After` is longer blocks the
    /// calls it covers until then ([`BlockCause::LimitReached`]); a window whose allowance
    /// is used up and which ends later than this blocks them too
    /// ([`BlockCause::WindowUsedUp`]). Keep it at least the window's length (60 s on
    /// Genesys Cloud) plus [`reset_slack`](PacingPolicy::reset_slack). Default 60 s, the
    /// retry policy's longest `Retry-After`.
    pub max_wait: Duration,
    /// Added to every `inin-ratelimit-reset` before the pacer relies on it. The emulator
    /// rounds the reset up to whole seconds, which the pacer assumes; for a server that
    /// rounds down set 1 s (it costs up to 1 s per window). Default 0.
    pub reset_slack: Duration,
    /// The wait asked for when only the requests in flight hold the allowance up (their
    /// answers will say whether the window has room): the pacer cannot know when they
    /// come back. Default 20 ms.
    pub recheck: Duration,
    /// A permit neither observed nor abandoned after this long is taken as lost and stops
    /// counting as in flight. Default 120 s, the retry policy's budget for a whole call.
    pub in_flight_timeout: Duration,
}

impl Default for PacingPolicy {
    fn default() -> Self {
        PacingPolicy {
            enabled: true,
            reserve: 0,
            max_wait: Duration::from_secs(60),
            reset_slack: Duration::ZERO,
            recheck: Duration::from_millis(20),
            in_flight_timeout: Duration::from_secs(120),
        }
    }
}

impl PacingPolicy {
    /// A policy that never paces.
    pub fn disabled() -> Self {
        PacingPolicy {
            enabled: false,
            ..PacingPolicy::default()
        }
    }

    /// The requests of a window of `allowed` the pacer may release: the allowance less
    /// the reserve, and at least one.
    pub fn usable(&self, allowed: u64) -> u64 {
        allowed.saturating_sub(u64::from(self.reserve)).max(1)
    }
}

/// The rate-limit headers of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateHeaders {
    /// `inin-ratelimit-allowed`: the requests allowed per window.
    pub allowed: u64,
    /// `inin-ratelimit-count`: the requests counted in the window, this one included.
    pub count: u64,
    /// `inin-ratelimit-reset`: the time until the window ends, in whole seconds.
    pub reset: Duration,
}

impl RateHeaders {
    /// The three headers, when all three are there and are whole numbers (ASCII digits
    /// only, white space around them allowed); `None` otherwise.
    pub fn parse(headers: &HeaderMap) -> Option<Self> {
        static ALLOWED: HeaderName = HeaderName::from_static(ALLOWED_HEADER);
        static COUNT: HeaderName = HeaderName::from_static(COUNT_HEADER);
        static RESET: HeaderName = HeaderName::from_static(RESET_HEADER);
        let number = |name: &HeaderName| -> Option<u64> {
            let text = headers.get(name)?.to_str().ok()?.trim();
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Digits only: the parse fails on overflow alone.
            text.parse().ok()
        };
        Some(RateHeaders {
            allowed: number(&ALLOWED)?,
            count: number(&COUNT)?,
            reset: Duration::from_secs(number(&RESET)?),
        })
    }
}

/// Which token a request is paced under: a hash of the access token, never the token.
///
/// Its `Debug` shows 32 bits of the hash, enough to tell keys apart in a log.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaceKey(u64);

impl PaceKey {
    /// The key of an access token (64 bits of its SHA-256).
    pub fn from_token(token: &AccessToken) -> Self {
        Self::from_secret(token.secret())
    }

    /// The key of a token given as text (64 bits of its SHA-256).
    pub fn from_secret(secret: &str) -> Self {
        let digest = Sha256::digest(secret.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        PaceKey(u64::from_be_bytes(first))
    }

    /// The key of the configuration's token, if it has one.
    pub fn from_config(cfg: &Config) -> Option<Self> {
        cfg.token().map(Self::from_token)
    }

    /// A key from an id the caller keeps per token (for instance a counter bumped on each
    /// new token).
    pub fn from_id(id: u64) -> Self {
        PaceKey(id)
    }
}

impl fmt::Debug for PaceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PaceKey(#{:08x})",
            (self.0 >> 32) ^ (self.0 & 0xffff_ffff)
        )
    }
}

/// Leave to send one request. Hand it back with [`Pacer::observe`] or [`Pacer::abandon`]:
/// until then it counts as in flight (up to [`PacingPolicy::in_flight_timeout`]).
#[derive(Debug, PartialEq, Eq)]
#[must_use = "send the request, then hand the permit back with `Pacer::observe` or `Pacer::abandon`"]
pub struct Permit {
    key: PaceKey,
    /// `None` when pacing was off: nothing to account for.
    ticket: Option<u64>,
    released: Instant,
    operation: &'static str,
}

impl Permit {
    /// The token the request is paced under.
    pub fn key(&self) -> PaceKey {
        self.key
    }

    /// When the pacer released the request.
    pub fn released(&self) -> Instant {
        self.released
    }

    /// The operation id the permit was acquired for.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

/// The pacer's answer to [`Pacer::acquire`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum Pace {
    /// Send the request now.
    Go(Permit),
    /// Wait this long, then acquire again.
    Wait(Duration),
    /// A limit is used up until it resets: fail the call at once.
    Blocked(Blocked),
}

/// Why calls are blocked, and until when. Its `Display` is a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// When the limit resets: calls it covers fail until then.
    pub until: Instant,
    /// The time from the acquire until then.
    pub resets_in: Duration,
    /// The limit the service named in its 429 (`ErrorBody.limit`), if any.
    pub limit: Option<LimitName>,
    /// What the pacer learned the limit from.
    pub cause: BlockCause,
}

/// What a [`Blocked`] was learned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockCause {
    /// A 429 asked to wait longer than [`PacingPolicy::max_wait`] (a daily limit).
    LimitReached,
    /// The rate-limit headers say the window's allowance is used up and the window ends
    /// later than [`PacingPolicy::max_wait`].
    WindowUsedUp,
}

/// A limit named by a 429's error body (`limit.namespace` and `limit.key`), kept to
/// visible ASCII and 100 characters each.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitName {
    /// `limit.namespace`.
    pub namespace: String,
    /// `limit.key`.
    pub key: String,
}

impl fmt::Display for LimitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.key)
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = whole_seconds_up(self.resets_in);
        match (self.cause, &self.limit) {
            (BlockCause::LimitReached, Some(limit)) => write!(
                f,
                "the rate limit {limit} of this access token is used up and resets in {secs} s; calls under it fail at once until then"
            ),
            (BlockCause::LimitReached, None) => write!(
                f,
                "a rate limit of this access token is used up and resets in {secs} s; calls with this token fail at once until then"
            ),
            (BlockCause::WindowUsedUp, _) => write!(
                f,
                "the requests this access token may make in the current rate-limit window are used up, and the window resets in {secs} s, later than the pacer waits; calls with this token fail at once until then"
            ),
        }
    }
}

/// The pacer: what it learned about each token, and the requests in flight.
///
/// Tokens nothing is pending for are forgotten after ten idle minutes.
#[derive(Debug, Default)]
pub struct Pacer {
    policy: PacingPolicy,
    lanes: HashMap<PaceKey, Lane>,
    next_ticket: u64,
}

impl Pacer {
    /// A pacer with this policy, knowing nothing yet.
    pub fn new(policy: PacingPolicy) -> Self {
        Pacer {
            policy,
            lanes: HashMap::new(),
            next_ticket: 0,
        }
    }

    /// The policy.
    pub fn policy(&self) -> PacingPolicy {
        self.policy
    }

    /// Changes the policy; what was learned is kept.
    pub fn set_policy(&mut self, policy: PacingPolicy) {
        self.policy = policy;
    }

    /// Whether the request of `operation` (its official id, [`crate::OperationMeta::id`])
    /// under `key` may be sent at `now`.
    pub fn acquire(&mut self, key: PaceKey, operation: &'static str, now: Instant) -> Pace {
        if !self.policy.enabled {
            return Pace::Go(Permit {
                key,
                ticket: None,
                released: now,
                operation,
            });
        }
        let policy = self.policy;
        if !self.lanes.contains_key(&key) {
            self.sweep(now);
        }
        let lane = self.lanes.entry(key).or_insert_with(|| Lane::new(now));
        lane.expire(now, &policy);
        lane.last_used = lane.last_used.max(now);
        if let Some(blocked) = lane.block(operation, now) {
            return Pace::Blocked(blocked);
        }
        let (window, pause, recheck) = lane.waits(operation, now, &policy);
        if window > policy.max_wait {
            return Pace::Blocked(Blocked {
                until: later(now, window),
                resets_in: window,
                limit: None,
                cause: BlockCause::WindowUsedUp,
            });
        }
        let recheck = if recheck {
            policy.recheck.min(policy.max_wait)
        } else {
            Duration::ZERO
        };
        let wait = window.max(pause).max(recheck);
        if !wait.is_zero() {
            return Pace::Wait(wait);
        }
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        lane.in_flight.insert(ticket, now);
        Pace::Go(Permit {
            key,
            ticket: Some(ticket),
            released: now,
            operation,
        })
    }

    /// Hands back a permit with the response its request got, observed at `now`.
    pub fn observe(&mut self, permit: Permit, response: &http::Response<Vec<u8>>, now: Instant) {
        self.observe_parts(
            permit,
            response.status(),
            response.headers(),
            response.body(),
            now,
        );
    }

    /// [`Pacer::observe`] for a stack that holds the parts of the response apart. The
    /// body is read only on a 429, for the name of the limit; pass `&[]` when it is not
    /// at hand (the block then covers the whole token).
    pub fn observe_parts(
        &mut self,
        permit: Permit,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now: Instant,
    ) {
        if !self.policy.enabled {
            return;
        }
        let policy = self.policy;
        let lane = self
            .lanes
            .entry(permit.key)
            .or_insert_with(|| Lane::new(now));
        if let Some(ticket) = permit.ticket {
            lane.in_flight.remove(&ticket);
        }
        lane.last_used = lane.last_used.max(now);
        let rate = RateHeaders::parse(headers);
        match rate {
            Some(rate) => lane.learn(permit.released.min(now), now, rate, &policy),
            // It may have been counted without saying so.
            None if lane.allowed.is_some() => lane.hold(now, &policy),
            None => {}
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            lane.rejected(permit.operation, headers, body, rate, now, &policy);
        }
    }

    /// Hands back a permit whose request got no response (a timeout, a broken
    /// connection). It may have been counted, so it keeps counting against the window
    /// for the longest reset seen (at most [`PacingPolicy::max_wait`]).
    pub fn abandon(&mut self, permit: Permit, now: Instant) {
        if !self.policy.enabled {
            return;
        }
        let policy = self.policy;
        if let Some(lane) = self.lanes.get_mut(&permit.key) {
            if let Some(ticket) = permit.ticket {
                lane.in_flight.remove(&ticket);
            }
            if lane.allowed.is_some() {
                lane.hold(now, &policy);
            }
        }
    }

    /// The requests under `key` released and not yet handed back.
    pub fn in_flight(&self, key: PaceKey) -> usize {
        self.lanes.get(&key).map_or(0, |lane| lane.in_flight.len())
    }

    /// Whether the pacer has seen a rate-limit header or a 429 for `key` (and so may ask
    /// its requests to wait).
    pub fn is_pacing(&self, key: PaceKey) -> bool {
        self.lanes.get(&key).is_some_and(|lane| lane.paced)
    }

    /// Forgets everything about `key` (its permits still in flight are then ignored).
    pub fn forget(&mut self, key: PaceKey) {
        self.lanes.remove(&key);
    }

    /// Drops the tokens nothing is pending for that were not used for ten minutes.
    fn sweep(&mut self, now: Instant) {
        if self.lanes.len() < LANES_BEFORE_SWEEP {
            return;
        }
        let policy = self.policy;
        self.lanes.retain(|_, lane| {
            lane.expire(now, &policy);
            !(lane.is_quiet() && now.saturating_duration_since(lane.last_used) >= IDLE_LANE)
        });
    }
}

/// What the pacer knows about one token.
#[derive(Debug)]
struct Lane {
    /// A rate-limit header or a 429 was seen.
    paced: bool,
    /// The allowance of the latest answer with the headers.
    allowed: Option<u64>,
    /// The longest reset seen (how long a request of unknown window may count).
    longest_reset: Duration,
    /// The windows the server may still be in.
    groups: Vec<Group>,
    /// Ticket → release time of each request in flight.
    in_flight: BTreeMap<u64, Instant>,
    /// Requests that may have been counted without saying where, counted until these.
    held: VecDeque<Instant>,
    /// Pauses and blocks from 429s.
    restrictions: Vec<Restriction>,
    last_used: Instant,
}

/// Answers certainly counted in one server window.
#[derive(Debug, Clone, Copy)]
struct Group {
    /// The window ends after this; `None` when unknown (the group then never merges).
    lo: Option<Instant>,
    /// The window ends by this.
    hi: Instant,
    /// The earliest observation of the group.
    first_seen: Instant,
    /// The highest count reported.
    count: u64,
    /// The lowest allowance reported.
    allowed: u64,
}

impl Group {
    /// Whether two groups were certainly counted in the same window.
    ///
    /// A request counted in a later window than group `b` was counted after `b`'s window
    /// ended, so after `b.lo`; one observed by `b.lo` was not. When each group has an
    /// answer observed before the other's earliest end, neither window is later.
    fn same_window(&self, other: &Group) -> bool {
        match (self.lo, other.lo) {
            (Some(lo), Some(other_lo)) => self.first_seen <= other_lo && other.first_seen <= lo,
            _ => false,
        }
    }

    fn merged(self, other: Group) -> Group {
        Group {
            lo: self.lo.max(other.lo),
            hi: self.hi.min(other.hi),
            first_seen: self.first_seen.min(other.first_seen),
            count: self.count.max(other.count),
            allowed: self.allowed.min(other.allowed),
        }
    }

    /// Two groups as one that holds back at least as long and as much as both.
    fn folded(self, other: Group) -> Group {
        Group {
            lo: None,
            hi: self.hi.max(other.hi),
            first_seen: self.first_seen.min(other.first_seen),
            count: self.count.max(other.count),
            allowed: self.allowed.min(other.allowed),
        }
    }

    /// Whether `other` holds back whenever, and as long as, this one does.
    fn dominated_by(&self, other: &Group) -> bool {
        other.hi >= self.hi && other.count >= self.count && other.allowed <= self.allowed
    }
}

/// A pause (a short `Retry-After`) or a block (a long one).
#[derive(Debug, Clone)]
struct Restriction {
    until: Instant,
    /// `None`: the whole token. `Some`: the operations in `operations`.
    limit: Option<LimitName>,
    operations: Vec<&'static str>,
    block: bool,
}

impl Restriction {
    fn covers(&self, operation: &str) -> bool {
        self.limit.is_none() || self.operations.contains(&operation)
    }
}

impl Lane {
    fn new(now: Instant) -> Self {
        Lane {
            paced: false,
            allowed: None,
            longest_reset: Duration::ZERO,
            groups: Vec::new(),
            in_flight: BTreeMap::new(),
            held: VecDeque::new(),
            restrictions: Vec::new(),
            last_used: now,
        }
    }

    /// Drops what is over at `now`.
    ///
    /// Requests in flight and held ones are kept in about the order they end, so only the
    /// front is looked at: the cost is the number that ended, and one a little out of
    /// order merely counts a little longer.
    fn expire(&mut self, now: Instant, policy: &PacingPolicy) {
        self.groups.retain(|g| g.hi > now);
        self.restrictions.retain(|r| r.until > now);
        while self.held.front().is_some_and(|until| *until <= now) {
            self.held.pop_front();
        }
        let timeout = policy.in_flight_timeout;
        while self
            .in_flight
            .first_key_value()
            .is_some_and(|(_, released)| now.saturating_duration_since(*released) >= timeout)
        {
            self.in_flight.pop_first();
        }
    }

    fn is_quiet(&self) -> bool {
        self.groups.is_empty()
            && self.held.is_empty()
            && self.restrictions.is_empty()
            && self.in_flight.is_empty()
    }

    /// The block covering `operation`, if any (the one lasting longest).
    fn block(&self, operation: &str, now: Instant) -> Option<Blocked> {
        self.restrictions
            .iter()
            .filter(|r| r.block && r.covers(operation))
            .max_by_key(|r| r.until)
            .map(|r| Blocked {
                until: r.until,
                resets_in: r.until.saturating_duration_since(now),
                limit: r.limit.clone(),
                cause: BlockCause::LimitReached,
            })
    }

    /// The wait for a full window, the wait for a pause, and whether requests in flight
    /// alone hold the allowance up.
    fn waits(
        &self,
        operation: &str,
        now: Instant,
        policy: &PacingPolicy,
    ) -> (Duration, Duration, bool) {
        let pause = self
            .restrictions
            .iter()
            .filter(|r| !r.block && r.covers(operation))
            .map(|r| r.until.saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO);
        let Some(allowed) = self.allowed else {
            return (Duration::ZERO, pause, false);
        };
        let busy =
            u64::try_from(self.in_flight.len().saturating_add(self.held.len())).unwrap_or(u64::MAX);
        // This request, every request in flight, and what the window already counted.
        let window = self
            .groups
            .iter()
            .filter(|g| g.count.saturating_add(busy).saturating_add(1) > policy.usable(g.allowed))
            .map(|g| g.hi.saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO);
        // A window nothing was heard of yet holds at least the requests in flight.
        let recheck = busy.saturating_add(1) > policy.usable(allowed);
        (window, pause, recheck)
    }

    /// Learns from an answer with the rate-limit headers, to a request released at
    /// `released` and observed at `seen`.
    fn learn(
        &mut self,
        released: Instant,
        seen: Instant,
        rate: RateHeaders,
        policy: &PacingPolicy,
    ) {
        self.paced = true;
        self.allowed = Some(rate.allowed);
        self.longest_reset = self.longest_reset.max(rate.reset.min(HORIZON));
        let hi = later(seen, rate.reset.saturating_add(policy.reset_slack));
        if hi <= seen {
            return; // The window is already over.
        }
        // Counted at or after `released` with at most `reset` whole seconds to go
        // (rounded up): the window ends after `released + reset − 1 s`.
        let lo = rate
            .reset
            .checked_sub(ONE_SECOND)
            .filter(|d| *d <= HORIZON)
            .and_then(|d| released.checked_add(d));
        let mut group = Group {
            lo,
            hi,
            first_seen: seen,
            count: rate.count,
            allowed: rate.allowed,
        };
        while let Some(i) = self.groups.iter().position(|g| g.same_window(&group)) {
            group = group.merged(self.groups.swap_remove(i));
        }
        if self.groups.iter().any(|g| group.dominated_by(g)) {
            return;
        }
        self.groups.retain(|g| !g.dominated_by(&group));
        self.groups.push(group);
        if self.groups.len() > MAX_GROUPS {
            self.groups.sort_by_key(|g| g.hi);
            let first = self.groups.remove(0);
            if let Some(second) = self.groups.first_mut() {
                *second = first.folded(*second);
            }
        }
    }

    /// Counts a request that may have been counted in an unknown window.
    fn hold(&mut self, now: Instant, policy: &PacingPolicy) {
        let span = self
            .longest_reset
            .saturating_add(policy.reset_slack)
            .min(policy.max_wait)
            .max(ONE_SECOND);
        self.held.push_back(later(now, span));
    }

    /// Learns from a 429 to `operation`.
    fn rejected(
        &mut self,
        operation: &'static str,
        headers: &HeaderMap,
        body: &[u8],
        rate: Option<RateHeaders>,
        now: Instant,
        policy: &PacingPolicy,
    ) {
        self.paced = true;
        let wait = match retry_after(headers) {
            // An HTTP-date without a usable `Date`, or a number too large: not known.
            Some(RETRY_AFTER_BEYOND_ANY_CAP) => None,
            Some(wait) => Some(wait),
            None => rate.map(|r| r.reset),
        };
        let Some(wait) = wait else {
            return; // The reset time is not known: only this call fails.
        };
        let until = later(now, wait);
        if until <= now {
            return;
        }
        let restriction = Restriction {
            until,
            limit: limit_name(body),
            operations: vec![operation],
            block: wait > policy.max_wait,
        };
        self.restrict(restriction);
    }

    fn restrict(&mut self, new: Restriction) {
        if let Some(same) = self
            .restrictions
            .iter_mut()
            .find(|r| r.block == new.block && r.limit == new.limit)
        {
            same.until = same.until.max(new.until);
            for op in new.operations {
                if !same.operations.contains(&op) && same.operations.len() < MAX_COVERED_OPERATIONS
                {
                    same.operations.push(op);
                }
            }
            return;
        }
        self.restrictions.push(new);
        if self.restrictions.len() > MAX_RESTRICTIONS {
            if let Some(first) = self
                .restrictions
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| r.until)
                .map(|(i, _)| i)
            {
                self.restrictions.remove(first);
            }
        }
    }
}

/// The limit a 429's error body names, when it names both a namespace and a key.
fn limit_name(body: &[u8]) -> Option<LimitName> {
    if body.is_empty() || body.len() > MAX_ERROR_BODY {
        return None;
    }
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let limit = parsed.limit?;
    let clean = |text: Option<String>| -> Option<String> {
        let text: String = text?
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(MAX_LIMIT_NAME)
            .collect();
        (!text.is_empty()).then_some(text)
    };
    Some(LimitName {
        namespace: clean(limit.namespace)?,
        key: clean(limit.key)?,
    })
}

/// `now + wait`, cut to a year ahead, never panicking.
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait.min(HORIZON))
        .or_else(|| now.checked_add(Duration::from_secs(24 * 3600)))
        .unwrap_or(now)
}

fn whole_seconds_up(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP: &str = "postChatsRoomMessages";
    const OTHER_OP: &str = "getChatsRoomMessages";

    fn ms(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    fn answer(status: u16, allowed: &str, count: &str, reset: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header(ALLOWED_HEADER, allowed)
            .header(COUNT_HEADER, count)
            .header(RESET_HEADER, reset)
            .body(Vec::new())
            .unwrap()
    }

    fn plain(status: u16) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(Vec::new())
            .unwrap()
    }

    fn go(pace: Pace) -> Permit {
        match pace {
            Pace::Go(permit) => permit,
            other => panic!("expected Go, got {other:?}"),
        }
    }

    fn key() -> PaceKey {
        PaceKey::from_secret("secret-token-123")
    }

    #[test]
    fn headers_are_parsed_strictly() {
        let ok = answer(200, "300", "12", "45");
        assert_eq!(
            RateHeaders::parse(ok.headers()),
            Some(RateHeaders {
                allowed: 300,
                count: 12,
                reset: Duration::from_secs(45)
            })
        );
        for (allowed, count, reset) in [
            ("300", "12", "-1"),
            ("300", "+12", "4"),
            ("3.5", "1", "4"),
            ("300", "", "4"),
            ("300", "1", "99999999999999999999999"),
            ("many", "1", "4"),
        ] {
            let r = answer(200, allowed, count, reset);
            assert_eq!(
                RateHeaders::parse(r.headers()),
                None,
                "{allowed} {count} {reset}"
            );
        }
        let partial = http::Response::builder()
            .header(ALLOWED_HEADER, "300")
            .header(COUNT_HEADER, "1")
            .body(())
            .unwrap();
        assert_eq!(RateHeaders::parse(partial.headers()), None);
        let spaced = answer(200, " 300 ", "1", "4");
        assert_eq!(
            RateHeaders::parse(spaced.headers()).map(|r| r.allowed),
            Some(300)
        );
    }

    #[test]
    fn keys_do_not_reveal_tokens() {
        let token = AccessToken::new("very-secret-token-value").unwrap();
        let key = PaceKey::from_token(&token);
        assert_eq!(key, PaceKey::from_secret("very-secret-token-value"));
        assert_ne!(key, PaceKey::from_secret("another-token"));
        let shown = format!("{key:?}");
        assert!(
            shown.starts_with("PaceKey(#") && shown.len() == "PaceKey(#12345678)".len(),
            "{shown}"
        );
        assert!(!shown.contains("secret"));
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let permit = go(pacer.acquire(key, OP, t0));
        let shown = format!("{pacer:?} {permit:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert_eq!(format!("{:?}", PaceKey::from_id(1)), "PaceKey(#00000001)");
        let cfg = Config::with_base_url("http://127.0.0.1:1")
            .unwrap()
            .with_token("very-secret-token-value")
            .unwrap();
        assert_eq!(PaceKey::from_config(&cfg), Some(key));
    }

    #[test]
    fn one_pacer_can_be_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<std::sync::Mutex<Pacer>>();
        shared::<Permit>();
        shared::<Pace>();
    }

    #[test]
    fn headroom_never_waits() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        for i in 0..1000 {
            let permit = go(pacer.acquire(key(), OP, ms(t0, i)));
            if i % 2 == 0 {
                pacer.observe(permit, &plain(200), ms(t0, i));
            }
        }
        assert!(!pacer.is_pacing(key()));
        assert_eq!(pacer.in_flight(key()), 500);
    }

    #[test]
    fn a_window_is_used_up_then_waited_out() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "5", "1", "2"), ms(t0, 10));
        assert!(pacer.is_pacing(key()));
        // Four left: four go at once, with nothing answered yet.
        let permits: Vec<_> = (0..4)
            .map(|i| go(pacer.acquire(key(), OP, ms(t0, 20 + i))))
            .collect();
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 30)),
            Pace::Wait(Duration::from_millis(1980))
        );
        for (i, p) in permits.into_iter().enumerate() {
            let count = (2 + i).to_string();
            pacer.observe(p, &answer(200, "5", &count, "2"), ms(t0, 40));
        }
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 50)),
            Pace::Wait(Duration::from_millis(1960))
        );
        // The window ended by 2010 ms: the next one goes.
        let _next = go(pacer.acquire(key(), OP, ms(t0, 2010)));
    }

    #[test]
    fn requests_in_flight_count_against_the_window() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "3", "1", "2"), ms(t0, 5));
        let a = go(pacer.acquire(key(), OP, ms(t0, 6)));
        let b = go(pacer.acquire(key(), OP, ms(t0, 6)));
        assert_eq!(pacer.in_flight(key()), 2);
        // 1 counted + 2 in flight: the window of 3 is full, though nothing was answered.
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 7)),
            Pace::Wait(Duration::from_millis(1998))
        );
        // `b` was counted first; `a` may still be counted after it.
        pacer.observe(b, &answer(200, "3", "2", "2"), ms(t0, 8));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 9)),
            Pace::Wait(Duration::from_millis(1996))
        );
        pacer.observe(a, &answer(200, "3", "3", "2"), ms(t0, 10));
        assert_eq!(pacer.in_flight(key()), 0);
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 11)),
            Pace::Wait(Duration::from_millis(1994))
        );
        let _ = go(pacer.acquire(key(), OP, ms(t0, 2005)));
    }

    #[test]
    fn another_program_on_the_same_token_holds_the_pacer_back() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "100", "1", "60"), ms(t0, 5));
        let p = go(pacer.acquire(key(), OP, ms(t0, 10)));
        // Our second request, yet the server counted 100: someone else used 98.
        pacer.observe(p, &answer(200, "100", "100", "60"), ms(t0, 15));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 20)),
            Pace::Wait(Duration::from_millis(59_985))
        );
    }

    #[test]
    fn a_new_allowance_applies_at_once() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "100", "10", "30"), ms(t0, 5));
        let p = go(pacer.acquire(key(), OP, ms(t0, 10)));
        pacer.observe(p, &answer(200, "11", "11", "30"), ms(t0, 15));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 20)),
            Pace::Wait(Duration::from_millis(29_985))
        );
    }

    #[test]
    fn answers_of_one_window_narrow_its_end() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let a = go(pacer.acquire(key(), OP, t0));
        let b = go(pacer.acquire(key(), OP, ms(t0, 400)));
        // `a` counted at the window's start (2 s to go), `b` 400 ms later (1.6 s, shown 2).
        pacer.observe(a, &answer(200, "2", "1", "2"), ms(t0, 10));
        pacer.observe(b, &answer(200, "2", "2", "2"), ms(t0, 410));
        // The window ends by 2010 ms (a's bound), not 2410 ms (b's).
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 500)),
            Pace::Wait(Duration::from_millis(1510))
        );
    }

    #[test]
    fn answers_that_may_be_of_two_windows_are_kept_apart() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let a = go(pacer.acquire(key(), OP, t0));
        // The window ends in (1000 ms, 2010 ms].
        pacer.observe(a, &answer(200, "2", "1", "2"), ms(t0, 10));
        // Released at 1200 ms, after that window may have ended: `b` may be the second
        // request of a new window that ends by 2210 ms.
        let b = go(pacer.acquire(key(), OP, ms(t0, 1200)));
        pacer.observe(b, &answer(200, "2", "2", "1"), ms(t0, 1210));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 1300)),
            Pace::Wait(Duration::from_millis(910))
        );
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 2010)),
            Pace::Wait(Duration::from_millis(200))
        );
        let _ = go(pacer.acquire(key(), OP, ms(t0, 2210)));
    }

    #[test]
    fn a_short_429_pauses_and_a_long_one_blocks() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        let short = http::Response::builder()
            .status(429)
            .header("retry-after", "5")
            .body(Vec::new())
            .unwrap();
        pacer.observe(p, &short, ms(t0, 100));
        assert!(pacer.is_pacing(key()));
        assert_eq!(
            pacer.acquire(key(), OTHER_OP, ms(t0, 1100)),
            Pace::Wait(Duration::from_secs(4))
        );
        let p = go(pacer.acquire(key(), OP, ms(t0, 5100)));
        let long = http::Response::builder()
            .status(429)
            .header("retry-after", "61")
            .body(Vec::new())
            .unwrap();
        pacer.observe(p, &long, ms(t0, 6000));
        // Unnamed: the whole token is blocked.
        let Pace::Blocked(blocked) = pacer.acquire(key(), OTHER_OP, ms(t0, 7000)) else {
            panic!()
        };
        assert_eq!(blocked.until, ms(t0, 67_000));
        assert_eq!(blocked.resets_in, Duration::from_secs(60));
        assert_eq!(blocked.limit, None);
        assert_eq!(blocked.cause, BlockCause::LimitReached);
        assert_eq!(
            blocked.to_string(),
            "a rate limit of this access token is used up and resets in 60 s; calls with this token fail at once until then"
        );
        // Another token is not concerned.
        let _ = go(pacer.acquire(PaceKey::from_secret("other"), OP, ms(t0, 7000)));
        let _ = go(pacer.acquire(key(), OP, ms(t0, 67_000)));
    }

    #[test]
    fn a_named_limit_blocks_the_operations_that_met_it() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        let body = br#"{"status":429,"limit":{"namespace":"chat.messages","key":"per.day\u0007","value":1000}}"#;
        let daily = http::Response::builder()
            .status(429)
            .header("retry-after", "86400")
            .body(body.to_vec())
            .unwrap();
        pacer.observe(p, &daily, ms(t0, 10));
        let Pace::Blocked(blocked) = pacer.acquire(key(), OP, ms(t0, 1010)) else {
            panic!()
        };
        assert_eq!(
            blocked.limit,
            Some(LimitName {
                namespace: "chat.messages".into(),
                key: "per.day".into()
            })
        );
        assert_eq!(blocked.resets_in, Duration::from_secs(86_399));
        let _ = go(pacer.acquire(key(), OTHER_OP, ms(t0, 1010)));
    }

    #[test]
    fn an_unknown_reset_blocks_nothing() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        for retry_after in [
            None,
            Some("soon"),
            Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some("99999999999999999999999"),
        ] {
            let p = go(pacer.acquire(key(), OP, t0));
            let mut b = http::Response::builder().status(429);
            if let Some(v) = retry_after {
                b = b.header("retry-after", v);
            }
            pacer.observe(p, &b.body(Vec::new()).unwrap(), ms(t0, 1));
            let _ = go(pacer.acquire(key(), OP, ms(t0, 2)));
        }
    }

    #[test]
    fn a_used_up_window_past_the_longest_wait_blocks() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "1000", "1000", "3600"), ms(t0, 10));
        let Pace::Blocked(blocked) = pacer.acquire(key(), OP, ms(t0, 10)) else {
            panic!()
        };
        assert_eq!(blocked.cause, BlockCause::WindowUsedUp);
        assert_eq!(blocked.resets_in, Duration::from_secs(3600));
        assert!(
            blocked.to_string().contains("resets in 3600 s"),
            "{blocked}"
        );
    }

    #[test]
    fn abandoned_and_silent_requests_keep_counting() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "2", "1", "2"), ms(t0, 10));
        let p = go(pacer.acquire(key(), OP, ms(t0, 20)));
        pacer.abandon(p, ms(t0, 30));
        assert_eq!(pacer.in_flight(key()), 0);
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 40)),
            Pace::Wait(Duration::from_millis(1970))
        );
        // After the window, the abandoned request may still count in the next one (held
        // for the longest reset seen, 2 s): one of the two is left.
        let p = go(pacer.acquire(key(), OP, ms(t0, 2010)));
        pacer.observe(p, &plain(502), ms(t0, 2020));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 2025)),
            Pace::Wait(Duration::from_millis(20))
        );
        let _ = go(pacer.acquire(key(), OP, ms(t0, 4020)));
    }

    #[test]
    fn lost_permits_stop_counting_after_the_timeout() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "1", "0", "1"), ms(t0, 10));
        let lost = go(pacer.acquire(key(), OP, ms(t0, 2000)));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 2001)),
            Pace::Wait(Duration::from_millis(20))
        );
        let _ = go(pacer.acquire(key(), OP, ms(t0, 122_000)));
        drop(lost);
    }

    #[test]
    fn the_reserve_is_kept_but_one_request_always_goes() {
        let policy = PacingPolicy {
            reserve: 2,
            ..PacingPolicy::default()
        };
        assert_eq!(policy.usable(10), 8);
        assert_eq!(policy.usable(2), 1);
        assert_eq!(policy.usable(0), 1);
        let mut pacer = Pacer::new(policy);
        let t0 = Instant::now();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(200, "10", "8", "2"), ms(t0, 10));
        assert_eq!(
            pacer.acquire(key(), OP, ms(t0, 20)),
            Pace::Wait(Duration::from_millis(1990))
        );
    }

    #[test]
    fn disabled_never_waits_nor_tracks() {
        let mut pacer = Pacer::new(PacingPolicy::disabled());
        let t0 = Instant::now();
        for i in 0..10 {
            let p = go(pacer.acquire(key(), OP, ms(t0, i)));
            pacer.observe(p, &answer(429, "1", "5", "60"), ms(t0, i));
        }
        assert_eq!(pacer.in_flight(key()), 0);
        assert!(!pacer.is_pacing(key()));
    }

    #[test]
    fn hostile_numbers_do_not_panic() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let huge = u64::MAX.to_string();
        let p = go(pacer.acquire(key(), OP, t0));
        pacer.observe(p, &answer(429, &huge, &huge, &huge), t0);
        assert!(matches!(
            pacer.acquire(key(), OP, t0),
            Pace::Blocked(Blocked {
                cause: BlockCause::LimitReached,
                ..
            })
        ));
        let k = PaceKey::from_id(7);
        let p = go(pacer.acquire(k, OP, t0));
        pacer.observe(p, &answer(200, "0", "0", "0"), t0);
        let _ = go(pacer.acquire(k, OP, t0));
    }

    #[test]
    fn idle_tokens_are_forgotten() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        for id in 0..40 {
            let p = go(pacer.acquire(PaceKey::from_id(id), OP, t0));
            pacer.observe(p, &answer(200, "10", "1", "1"), ms(t0, 1));
        }
        assert_eq!(pacer.lanes.len(), 40);
        let _ = go(pacer.acquire(PaceKey::from_id(99), OP, ms(t0, 600_001)));
        assert_eq!(pacer.lanes.len(), 1);
    }
}
