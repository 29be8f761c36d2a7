//! One call of an operation with retries, as a state machine without I/O.
//!
//! A transport asks for the request of each attempt, sends it, and hands back the
//! response (or the failure); the call parses it and answers whether the caller is done
//! or should sleep and try again. Both adapter crates run this same loop, so retry
//! behaviour cannot differ between them, and any other HTTP stack can reuse it.
//!
//! ```
//! use std::time::Duration;
//! use genesys_chat::{Config, call::{Call, Step}, operations::GetChatsSettings, RetryPolicy};
//!
//! let cfg = Config::with_base_url("http://127.0.0.1:8080")?.with_token("t")?;
//! let op = GetChatsSettings::new();
//! let mut call = Call::new(&op, &cfg, RetryPolicy::default());
//! let mut answers = vec![
//!     http::Response::builder().status(200).body(br#"{"messageRetentionPeriodDays":90}"#.to_vec())?,
//!     http::Response::builder().status(503).body(Vec::new())?,
//! ];
//! let settings = loop {
//!     let _request = call.next_request()?; // send it with any stack…
//!     let response = answers.pop().expect("two answers");
//!     match call.on_response(response, Duration::ZERO, 0.5) {
//!         Step::Done(result) => break result?,
//!         Step::Retry(delay) => { /* sleep(delay) */ }
//!     }
//! };
//! assert_eq!(settings.output.message_retention_period_days, Some(90));
//! assert_eq!(settings.attempts, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use crate::operation::correlation_id;
use crate::retry::{RetryDecision, RetryState};
use crate::{Config, Error, Operation, RetryPolicy};

/// A successful result with what the response said about itself.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    /// The parsed output.
    pub output: T,
    /// The HTTP status.
    pub status: http::StatusCode,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The `ININ-Correlation-Id` header.
    pub correlation_id: Option<String>,
    /// How many attempts it took (1 without retries).
    pub attempts: u32,
}

/// What the transport does next.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is over: return this.
    Done(Result<Reply<T>, Error>),
    /// Sleep this long, then send [`Call::next_request`] again.
    Retry(Duration),
}

/// One call of an operation, with its retry state.
#[derive(Debug)]
pub struct Call<'a, O: Operation> {
    op: &'a O,
    cfg: &'a Config,
    policy: RetryPolicy,
    attempt: u32,
}

impl<'a, O: Operation> Call<'a, O> {
    /// A call that has made no attempt yet.
    pub fn new(op: &'a O, cfg: &'a Config, policy: RetryPolicy) -> Self {
        Call {
            op,
            cfg,
            policy,
            attempt: 0,
        }
    }

    /// Starts the next attempt: its request, built afresh.
    pub fn next_request(&mut self) -> Result<http::Request<Vec<u8>>, Error> {
        self.attempt += 1;
        self.op.to_http(self.cfg)
    }

    /// The attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Hands over the response of the current attempt.
    ///
    /// `elapsed` is the time since the call began; `jitter` a random value in `[0, 1)`.
    pub fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        elapsed: Duration,
        jitter: f64,
    ) -> Step<O::Output> {
        match self.op.parse(self.cfg, &response) {
            Ok(output) => {
                let (parts, _) = response.into_parts();
                Step::Done(Ok(Reply {
                    output,
                    status: parts.status,
                    correlation_id: correlation_id(&parts.headers),
                    headers: parts.headers,
                    attempts: self.attempt,
                }))
            }
            Err(error) => self.on_error(error, elapsed, jitter),
        }
    }

    /// Hands over the failure of the current attempt (an [`Error::Transport`], or an
    /// [`Error::BodyTooLarge`] found while reading).
    pub fn on_error(&mut self, error: Error, elapsed: Duration, jitter: f64) -> Step<O::Output> {
        let state = RetryState {
            attempt: self.attempt,
            idempotent: O::META.idempotent,
            elapsed,
            jitter,
        };
        match self.policy.decide(&error, state) {
            RetryDecision::Retry(delay) => Step::Retry(delay),
            RetryDecision::Stop(_) => Step::Done(Err(error)),
        }
    }

    /// The per-attempt timeout that still fits in the policy's budget.
    pub fn attempt_timeout(&self, per_attempt: Option<Duration>, elapsed: Duration) -> Duration {
        let left = self.policy.budget.saturating_sub(elapsed);
        per_attempt.map_or(left, |t| t.min(left))
    }
}
