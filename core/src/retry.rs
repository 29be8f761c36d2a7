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
//!   error (which carries the Retry-After) is returned at once, since a daily limit can
//!   say hours.
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
    /// The service asked to wait longer than [`RetryPolicy::max_retry_after`].
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
            Some(wait) if wait > self.max_retry_after => {
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
            operation: "op",
            status,
            body: None,
            excerpt: None,
            correlation_id: None,
            retry_after: retry_after.map(Duration::from_secs),
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
