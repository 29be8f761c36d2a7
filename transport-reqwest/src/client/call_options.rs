//! Per-call options: extra headers, and the attempt timeout, total budget and retry
//! policy of one call.

use std::time::Duration;

use genesys_chat::{CallOptions, Error, Operation, Reply, RetryPolicy};

use super::Client;

/// The limits of one call, in place of the client's.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    retry: RetryPolicy,
    attempt_timeout: Duration,
}

impl Client {
    /// The retry policy of the call being made: the per-call one, else the client's.
    pub(super) fn call_retry(&self) -> RetryPolicy {
        self.limits.map_or(self.inner.retry, |l| l.retry)
    }

    /// The attempt timeout of the call being made: the per-call one, else the client's.
    pub(super) fn call_attempt_timeout(&self) -> Duration {
        self.limits
            .map_or(self.inner.attempt_timeout, |l| l.attempt_timeout)
    }

    /// Runs any operation with per-call options ([`CallOptions`]: extra headers, the
    /// attempt timeout, the total budget, the retry policy) and returns its output.
    ///
    /// A header the client owns, or one that cannot travel, is refused with
    /// [`Error::InvalidInput`] before anything is sent.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use genesys_chat::{CallOptions, Config, Region, operations::GetChatsSettings};
    /// use genesys_chat_reqwest::Client;
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
    /// let options = CallOptions::new()
    ///     .header("X-Request-Tag", "export")
    ///     .total_timeout(Duration::from_secs(10));
    /// let settings = client.call_with(&GetChatsSettings::new(), &options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_with<O: Operation>(
        &self,
        op: &O,
        options: &CallOptions,
    ) -> Result<O::Output, Error> {
        self.reply_with(op, options).await.map(|reply| reply.output)
    }

    /// [`Client::call_with`], returning the output with the status, headers, correlation
    /// id and number of attempts (like [`Client::call_with_reply`]).
    pub async fn reply_with<O: Operation>(
        &self,
        op: &O,
        options: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        options.check()?;
        // A clone shares the connections and the token; only this call's limits differ.
        let mut client = self.clone();
        client.limits = Some(Limits {
            retry: options.effective_retry(self.call_retry()),
            attempt_timeout: options.effective_attempt_timeout(self.call_attempt_timeout()),
        });
        client.call_with_reply(&op.with_options(options)).await
    }
}
