//! Per-call options: extra headers, and the attempt timeout, total budget and retry
//! policy of one call.

use genesys_chat::{CallOptions, Error, Operation, Reply};

use super::Client;

impl Client {
    /// Runs any operation with per-call options ([`CallOptions`]: extra headers, the
    /// attempt timeout, the total budget, the retry policy) and returns its output.
    ///
    /// A header the client owns, or one that cannot travel, is refused with
    /// [`Error::InvalidInput`] before anything is sent.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use genesys_chat::{CallOptions, Config, Region, operations::GetChatsSettings};
    /// use genesys_chat_ureq::Client;
    ///
    /// let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
    /// let options = CallOptions::new()
    ///     .header("X-Request-Tag", "export")
    ///     .attempt_timeout(Duration::from_secs(5))
    ///     .no_retry();
    /// let settings = client.call_with(&GetChatsSettings::new(), &options)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call_with<O: Operation>(
        &self,
        op: &O,
        options: &CallOptions,
    ) -> Result<O::Output, Error> {
        self.reply_with(op, options).map(|reply| reply.output)
    }

    /// [`Client::call_with`], returning the output with the status, headers, correlation
    /// id and number of attempts (like [`Client::call_with_reply`]).
    pub fn reply_with<O: Operation>(
        &self,
        op: &O,
        options: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        options.check()?;
        // A clone shares the connections and the token; only this call's limits differ.
        let mut client = self.clone();
        client.attempt_timeout = options.effective_attempt_timeout(self.attempt_timeout);
        client.retry = options.effective_retry(self.retry);
        client.call_with_reply(&op.with_options(options))
    }
}
