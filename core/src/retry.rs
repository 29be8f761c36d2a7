//! When to try a request again, as a pure function: no clock, no randomness, no sleep.
//!
//! The transports call [`RetryPolicy::decide`] after each failed attempt with the error,
//! the attempt number, the operation's idempotency, the time elapsed and a jitter value
//! they drew, and sleep for the delay it returns.
//!
//! The rules:
//! - 429 is always retried: the service did not act on the request.
//! - 502, 503, 504, and failures after the request may have been sent (timeouts, broken
//!   connections), are retried only for idempotent operations (GET, PUT, DELETE): a POST
//!   or PATCH that may have been applied is never sent twice.
//! - A connection that could not be made is retried for every operation: nothing was sent.
//! - Other failures of the HTTP stack (a redirect loop, a URI it refuses) are not retried.
//! - `Retry-After` is honoured up to [`RetryPolicy::max_retry_after`]; beyond that the API
//!   error (which carries the Retry-After) is returned at once
//!   ([`StopReason::RetryAfterTooLong`]), since a daily limit can say hours. A
//!   `Retry-After` longer than any cap ([`crate::error::RETRY_AFTER_BEYOND_ANY_CAP`]) is
//!   always returned at once, whatever the policy.
//!
//! How a `Retry-After` header is read ([`parse_retry_after`], which
//! [`crate::operation::retry_after`] calls on every non-2xx response):
//! - Whole seconds: one or more ASCII digits and nothing else (`0`, `30`, `007`). A number
//!   too large for a `u64` (`99999999999999999999999`) is longer than any cap: it is
//!   surfaced at once, never ignored.
//! - An HTTP-date (RFC 9110, section 5.6.7): the preferred IMF-fixdate
//!   `Sun, 06 Nov 1994 08:49:37 GMT` and the two obsolete forms recipients must accept,
//!   rfc850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`. The
//!   core reads no clock, so the wait is measured against the response's own `Date`
//!   header: the Retry-After date minus the `Date`, and zero when the Retry-After date is
//!   not after it. Without a `Date` header, or with one that is not an HTTP-date, the wait
//!   cannot be known and counts as longer than any cap.
//! - Anything else is treated as if the header were absent (backoff applies): a sign
//!   (`+3`, `-1`), a fraction (`1.5`), surrounding or inner white space (` 3`, `3 `), an
//!   empty value, and any other text.
//!
//! HTTP-dates are read strictly, as RFC 9110 writes them: case-sensitive names, the exact
//! spacing of each form, `GMT`, a day that exists in its month (29 February only in leap
//! years), hours to 23, minutes to 59, seconds to 60 (a leap second). The day name must be
//! one of the seven but is not checked against the date: a wrong weekday is tolerated,
//! since RFC 9110 asks recipients to be robust and the date itself is unambiguous. A
//! two-digit rfc850 year is read as RFC 9110 says, relative to the year of the `Date`
//! header: the most recent year with those digits that is not more than 50 years after
//! it; in a `Date` header itself (no other reference without a clock) `70`–`99` are
//! 1970–1999 and `00`–`69` are 2000–2069.
//! - Otherwise the delay is full-jitter exponential backoff: `jitter × min(max_backoff,
//!   base × 2^(attempt-1))`.
//! - No retry once [`RetryPolicy::max_attempts`] attempts were made, or when the delay
//!   would end past the total [`RetryPolicy::budget`].
//!
//! ```
//! use std::time::Duration;
//! use genesys_chat::{Error, TransportErrorKind, retry::{RetryDecision, RetryPolicy, RetryState}};
//!
//! let policy = RetryPolicy::default();
//! let refused = Error::Transport {
//!     operation: "postChatsRoomMessages",
//!     kind: TransportErrorKind::Io,
//!     message: "connection reset".into(),
//! };
//! // A POST that may have been applied is not retried…
//! let state = RetryState { attempt: 1, idempotent: false, elapsed: Duration::ZERO, jitter: 0.5 };
//! assert!(matches!(policy.decide(&refused, state), RetryDecision::Stop(_)));
//! // …a GET is, after full-jitter backoff.
//! let state = RetryState { idempotent: true, ..state };
//! assert_eq!(policy.decide(&refused, state), RetryDecision::Retry(Duration::from_millis(125)));
//! ```

use std::time::Duration;

use crate::error::RETRY_AFTER_BEYOND_ANY_CAP;
use crate::{Error, TransportErrorKind};

/// The retry knobs. [`RetryPolicy::default`] is on; [`RetryPolicy::disabled`] is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most attempts in all, the first included (1 = no retry). Default 4.
    pub max_attempts: u32,
    /// The backoff of the first retry before jitter. Default 250 ms.
    pub base_delay: Duration,
    /// The cap of the backoff before jitter. Default 8 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is returned as the error at once.
    /// Default 60 s.
    pub max_retry_after: Duration,
    /// The total time for all attempts and waits; no retry would end past it. Default 120 s.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            budget: Duration::from_secs(120),
        }
    }
}

/// What the transport knows after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryState {
    /// The attempts made so far, counting the one that just failed (1 after the first).
    pub attempt: u32,
    /// Whether the operation is idempotent ([`crate::OperationMeta::idempotent`]).
    pub idempotent: bool,
    /// Time since the first attempt started.
    pub elapsed: Duration,
    /// A random value in `[0, 1)` drawn by the transport (values outside are clamped).
    pub jitter: f64,
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Sleep this long, then send the request again.
    Retry(Duration),
    /// Return the error.
    Stop(StopReason),
}

/// Why the policy returned the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The error is not one that a retry can fix (4xx but 429, invalid input, decode…),
    /// or retrying could apply a non-idempotent request twice.
    NotRetryable,
    /// [`RetryPolicy::max_attempts`] attempts were made.
    AttemptsExhausted,
    /// The service asked to wait longer than [`RetryPolicy::max_retry_after`], or longer
    /// than any cap ([`crate::error::RETRY_AFTER_BEYOND_ANY_CAP`]).
    RetryAfterTooLong,
    /// The wait would end past [`RetryPolicy::budget`].
    BudgetExhausted,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Whether the error may be retried at all for an operation of this idempotency,
    /// regardless of attempts and time.
    pub fn is_retryable(error: &Error, idempotent: bool) -> bool {
        match error {
            Error::Api(api) => match api.status {
                429 => true,
                502..=504 => idempotent,
                _ => false,
            },
            // `Other` (a redirect loop, a URI the stack refuses…) is not fixed by trying
            // again.
            Error::Transport {
                kind: TransportErrorKind::Other,
                ..
            } => false,
            Error::Transport { kind, .. } => idempotent || !kind.request_may_have_been_sent(),
            _ => false,
        }
    }

    /// Decides whether to retry after `error`.
    pub fn decide(&self, error: &Error, state: RetryState) -> RetryDecision {
        if !Self::is_retryable(error, state.idempotent) {
            return RetryDecision::Stop(StopReason::NotRetryable);
        }
        if state.attempt >= self.max_attempts {
            return RetryDecision::Stop(StopReason::AttemptsExhausted);
        }
        let retry_after = error.api().and_then(|api| api.retry_after);
        let delay = match retry_after {
            Some(wait) if wait == RETRY_AFTER_BEYOND_ANY_CAP || wait > self.max_retry_after => {
                return RetryDecision::Stop(StopReason::RetryAfterTooLong);
            }
            Some(wait) => wait,
            None => self.backoff(state.attempt, state.jitter),
        };
        if state.elapsed.saturating_add(delay) > self.budget {
            return RetryDecision::Stop(StopReason::BudgetExhausted);
        }
        RetryDecision::Retry(delay)
    }

    /// Full-jitter exponential backoff after `attempt` attempts.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(jitter)
    }
}

/// The wait a `Retry-After` header asks for, given the response's `Date` header: the
/// rules are in the [module documentation](self).
///
/// `None` when the value is neither whole seconds nor an HTTP-date (treat it as absent);
/// [`RETRY_AFTER_BEYOND_ANY_CAP`] when the wait is longer than any cap (an integer too
/// large for a `u64`, or an HTTP-date without a usable `Date`).
///
/// ```
/// use std::time::Duration;
/// use genesys_chat::error::RETRY_AFTER_BEYOND_ANY_CAP;
/// use genesys_chat::retry::parse_retry_after;
///
/// assert_eq!(parse_retry_after("120", None), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("99999999999999999999999", None), Some(RETRY_AFTER_BEYOND_ANY_CAP));
/// let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", date), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", None), Some(RETRY_AFTER_BEYOND_ANY_CAP));
/// assert_eq!(parse_retry_after("+3", None), None);
/// ```
pub fn parse_retry_after(retry_after: &str, date: Option<&str>) -> Option<Duration> {
    if !retry_after.is_empty() && retry_after.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits: the parse fails on overflow alone.
        return Some(
            retry_after
                .parse::<u64>()
                .map_or(RETRY_AFTER_BEYOND_ANY_CAP, Duration::from_secs),
        );
    }
    let target = HttpDate::parse(retry_after)?;
    let Some(date) = date.and_then(HttpDate::parse) else {
        return Some(RETRY_AFTER_BEYOND_ANY_CAP);
    };
    let reference_year = date.full_year(None);
    let wait = target.unix_seconds(Some(reference_year)) - date.unix_seconds(None);
    Some(u64::try_from(wait).map_or(Duration::ZERO, Duration::from_secs))
}

/// The seconds since 1970-01-01T00:00:00Z of an HTTP-date in any of the three forms of
/// RFC 9110 (IMF-fixdate, rfc850, asctime), or `None` when `value` is not one; a
/// two-digit rfc850 year is 1970–2069. The rules are in the
/// [module documentation](self).
///
/// ```
/// use genesys_chat::retry::http_date_unix_seconds;
/// assert_eq!(http_date_unix_seconds("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
/// assert_eq!(http_date_unix_seconds("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
/// assert_eq!(http_date_unix_seconds("Sun Nov  6 08:49:37 1994"), Some(784_111_777));
/// assert_eq!(http_date_unix_seconds("Sun, 31 Nov 1994 08:49:37 GMT"), None);
/// ```
pub fn http_date_unix_seconds(value: &str) -> Option<i64> {
    HttpDate::parse(value).map(|d| d.unix_seconds(None))
}

/// The parts of an HTTP-date.
#[derive(Debug, Clone, Copy)]
struct HttpDate {
    /// The year as written: four digits, or two (rfc850) when `two_digit_year`.
    year: i64,
    two_digit_year: bool,
    month: i64,
    day: i64,
    /// Seconds since midnight.
    time: i64,
}

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The value of a run of ASCII digits (and nothing else).
fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

/// `Jan` → 1 … `Dec` → 12.
fn month(bytes: &[u8]) -> Option<i64> {
    let at = MONTHS.iter().position(|m| m.as_bytes() == bytes)?;
    i64::try_from(at + 1).ok()
}

/// `hh:mm:ss` → seconds since midnight.
fn time_of_day(bytes: &[u8]) -> Option<i64> {
    let [h1, h2, b':', m1, m2, b':', s1, s2] = bytes else {
        return None;
    };
    let (h, m, s) = (
        digits(&[*h1, *h2])?,
        digits(&[*m1, *m2])?,
        digits(&[*s1, *s2])?,
    );
    (h <= 23 && m <= 59 && s <= 60).then_some(h * 3600 + m * 60 + s)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whether `bytes[at]` is `c`.
fn byte_at(bytes: &[u8], at: usize, c: u8) -> bool {
    bytes.get(at) == Some(&c)
}

/// Whether `bytes[..3]` is a short day name (`Mon` … `Sun`).
fn short_day(bytes: &[u8]) -> bool {
    bytes
        .get(..3)
        .is_some_and(|name| SHORT_DAYS.iter().any(|d| d.as_bytes() == name))
}

impl HttpDate {
    fn parse(value: &str) -> Option<HttpDate> {
        let b = value.as_bytes();
        match b.len() {
            // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
            29 => {
                let layout = short_day(b)
                    && byte_at(b, 3, b',')
                    && [4, 7, 11, 16].iter().all(|at| byte_at(b, *at, b' '))
                    && b.get(25..) == Some(b" GMT");
                if !layout {
                    return None;
                }
                HttpDate::checked(
                    digits(b.get(12..16)?)?,
                    false,
                    month(b.get(8..11)?)?,
                    digits(b.get(5..7)?)?,
                    time_of_day(b.get(17..25)?)?,
                )
            }
            // asctime: `Sun Nov  6 08:49:37 1994` (the day is two digits, or a space and
            // one).
            24 => {
                let layout = short_day(b) && [3, 7, 10, 19].iter().all(|at| byte_at(b, *at, b' '));
                if !layout {
                    return None;
                }
                let day = if byte_at(b, 8, b' ') {
                    digits(b.get(9..10)?)?
                } else {
                    digits(b.get(8..10)?)?
                };
                HttpDate::checked(
                    digits(b.get(20..24)?)?,
                    false,
                    month(b.get(4..7)?)?,
                    day,
                    time_of_day(b.get(11..19)?)?,
                )
            }
            // rfc850: `Sunday, 06-Nov-94 08:49:37 GMT`.
            _ => {
                let (name, rest) = value.split_once(", ")?;
                let r = rest.as_bytes();
                let layout = LONG_DAYS.contains(&name)
                    && r.len() == 22
                    && byte_at(r, 2, b'-')
                    && byte_at(r, 6, b'-')
                    && byte_at(r, 9, b' ')
                    && r.get(18..) == Some(b" GMT");
                if !layout {
                    return None;
                }
                HttpDate::checked(
                    digits(r.get(7..9)?)?,
                    true,
                    month(r.get(3..6)?)?,
                    digits(r.get(..2)?)?,
                    time_of_day(r.get(10..18)?)?,
                )
            }
        }
    }

    /// The date when its day exists in its month (for a two-digit year, in some century:
    /// 29 February is checked once the century is known).
    fn checked(year: i64, two_digit_year: bool, month: i64, day: i64, time: i64) -> Option<Self> {
        let date = HttpDate {
            year,
            two_digit_year,
            month,
            day,
            time,
        };
        let known_year = date.full_year(None);
        (day >= 1 && day <= days_in_month(known_year, month)).then_some(date)
    }

    /// The four-digit year: a two-digit one is placed relative to `reference` (not more
    /// than 50 years after it) or, without one, in 1970–2069.
    fn full_year(&self, reference: Option<i64>) -> i64 {
        if !self.two_digit_year {
            return self.year;
        }
        match reference {
            None if self.year >= 70 => 1900 + self.year,
            None => 2000 + self.year,
            Some(reference) => {
                let mut year = reference.div_euclid(100) * 100 + self.year;
                if year > reference + 50 {
                    year -= 100;
                } else if year + 100 <= reference + 50 {
                    year += 100;
                }
                year
            }
        }
    }

    fn unix_seconds(&self, reference_year: Option<i64>) -> i64 {
        let year = self.full_year(reference_year);
        // 29 February of a two-digit year moved to a century where it is not a leap
        // year: the day after 28 February, as the arithmetic gives.
        days_from_civil(year, self.month, self.day) * 86_400 + self.time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;
    use proptest::prelude::*;

    fn transport(kind: TransportErrorKind) -> Error {
        Error::Transport {
            operation: "op",
            kind,
            message: String::new(),
        }
    }

    fn api(status: u16, retry_after: Option<u64>) -> Error {
        Error::Api(Box::new(ApiError {
            retry_after: retry_after.map(Duration::from_secs),
            ..ApiError::new("op", status)
        }))
    }

    fn state(attempt: u32, idempotent: bool) -> RetryState {
        RetryState {
            attempt,
            idempotent,
            elapsed: Duration::ZERO,
            jitter: 1.0,
        }
    }

    #[test]
    fn the_table() {
        let p = RetryPolicy::default();
        let retry =
            |e: &Error, idem| matches!(p.decide(e, state(1, idem)), RetryDecision::Retry(_));
        assert!(retry(&api(429, None), false));
        assert!(retry(&api(429, Some(3)), false));
        for s in [502, 503, 504] {
            assert!(retry(&api(s, None), true));
            assert!(!retry(&api(s, None), false));
        }
        for s in [400, 401, 403, 404, 409, 500, 501] {
            assert!(!retry(&api(s, None), true), "{s}");
        }
        assert!(retry(&transport(TransportErrorKind::Connect), false));
        assert!(!retry(&transport(TransportErrorKind::Io), false));
        assert!(!retry(&transport(TransportErrorKind::Timeout), false));
        assert!(retry(&transport(TransportErrorKind::Timeout), true));
        assert!(!retry(&Error::invalid("x", "y"), true));
    }

    #[test]
    fn retry_after_is_honoured_or_surfaced() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(&api(429, Some(7)), state(1, true)),
            RetryDecision::Retry(Duration::from_secs(7))
        );
        assert_eq!(
            p.decide(&api(429, Some(3600)), state(1, true)),
            RetryDecision::Stop(StopReason::RetryAfterTooLong)
        );
        // Beyond any cap: surfaced even by a policy that would wait for ever.
        let beyond = Error::Api(Box::new(ApiError {
            retry_after: Some(RETRY_AFTER_BEYOND_ANY_CAP),
            ..ApiError::new("op", 429)
        }));
        let patient = RetryPolicy {
            max_retry_after: Duration::MAX,
            budget: Duration::MAX,
            ..RetryPolicy::default()
        };
        for policy in [p, patient] {
            assert_eq!(
                policy.decide(&beyond, state(1, true)),
                RetryDecision::Stop(StopReason::RetryAfterTooLong)
            );
        }
    }

    #[test]
    fn attempts_budget_and_disabled() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(&api(503, None), state(4, true)),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
        let late = RetryState {
            elapsed: Duration::from_secs(119),
            ..state(1, true)
        };
        assert_eq!(
            p.decide(&api(429, Some(5)), late),
            RetryDecision::Stop(StopReason::BudgetExhausted)
        );
        assert_eq!(
            RetryPolicy::disabled().decide(&api(429, None), state(1, true)),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(250));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(500));
        assert_eq!(p.backoff(3, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff(40, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff(2, f64::NAN), Duration::ZERO);
    }

    fn any_error() -> impl Strategy<Value = Error> {
        prop_oneof![
            (100u16..600, proptest::option::of(0u64..100_000)).prop_map(|(s, r)| api(s, r)),
            prop_oneof![
                Just(TransportErrorKind::Connect),
                Just(TransportErrorKind::Timeout),
                Just(TransportErrorKind::Io),
                Just(TransportErrorKind::Other),
            ]
            .prop_map(transport),
        ]
    }

    fn any_policy() -> impl Strategy<Value = RetryPolicy> {
        (1u32..10, 0u64..5_000, 0u64..60_000, 0u64..600, 0u64..1_000).prop_map(
            |(max_attempts, base, cap, max_ra, budget)| RetryPolicy {
                max_attempts,
                base_delay: Duration::from_millis(base),
                max_backoff: Duration::from_millis(cap),
                max_retry_after: Duration::from_secs(max_ra),
                budget: Duration::from_secs(budget),
            },
        )
    }

    proptest! {
        #[test]
        fn no_delay_above_its_cap(
            p in any_policy(), e in any_error(), attempt in 1u32..20, idem: bool,
            elapsed in 0u64..2_000_000, jitter in -1.0f64..2.0,
        ) {
            let s = RetryState { attempt, idempotent: idem, elapsed: Duration::from_millis(elapsed), jitter };
            if let RetryDecision::Retry(d) = p.decide(&e, s) {
                let cap = match e.api().and_then(|a| a.retry_after) {
                    Some(ra) => { prop_assert_eq!(d, ra); p.max_retry_after }
                    None => p.max_backoff,
                };
                prop_assert!(d <= cap);
                prop_assert!(s.elapsed + d <= p.budget);
                prop_assert!(attempt < p.max_attempts);
            }
        }

        #[test]
        fn post_and_patch_never_retried_on_5xx_or_after_sending(
            p in any_policy(), e in any_error(), attempt in 1u32..20, jitter in 0.0f64..1.0,
        ) {
            let s = RetryState { attempt, idempotent: false, elapsed: Duration::ZERO, jitter };
            let decision = p.decide(&e, s);
            let forbidden = match &e {
                Error::Api(a) => a.status >= 500,
                Error::Transport { kind, .. } => kind.request_may_have_been_sent(),
                _ => true,
            };
            if forbidden {
                prop_assert_eq!(decision, RetryDecision::Stop(StopReason::NotRetryable));
            }
        }

        #[test]
        fn a_429_retry_after_is_honoured_or_surfaced(
            p in any_policy(), ra in 0u64..100_000, attempt in 1u32..20, idem: bool,
        ) {
            let e = api(429, Some(ra));
            let s = RetryState { attempt, idempotent: idem, elapsed: Duration::ZERO, jitter: 0.3 };
            match p.decide(&e, s) {
                RetryDecision::Retry(d) => prop_assert_eq!(d, Duration::from_secs(ra)),
                // Stopping returns `e` itself, which carries the Retry-After.
                RetryDecision::Stop(_) => prop_assert_eq!(e.api().and_then(|a| a.retry_after), Some(Duration::from_secs(ra))),
            }
        }
    }
}
