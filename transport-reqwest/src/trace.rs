//! Logging with `tracing` when the feature is on; nothing otherwise.
//!
//! Only the operation id, the method, the path template, the attempt, the status and the
//! correlation id are recorded: never the token, path values (JIDs are personal data) or
//! bodies.

use std::future::Future;

#[cfg(feature = "tracing")]
pub(crate) struct Span(tracing::Span);

#[cfg(not(feature = "tracing"))]
pub(crate) struct Span;

impl Span {
    #[cfg(feature = "tracing")]
    pub(crate) fn new(meta: &genesys_chat::OperationMeta) -> Self {
        Span(tracing::info_span!(
            "genesys_chat.call",
            operation = meta.id,
            method = meta.method.as_str(),
            path = meta.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
        ))
    }

    #[cfg(not(feature = "tracing"))]
    pub(crate) fn new(_meta: &genesys_chat::OperationMeta) -> Self {
        Span
    }

    /// Runs `future` inside the span, so that what reqwest and hyper log belongs to it.
    /// The span is never entered across an `.await` by hand (that would make the future
    /// `!Send` and mix up spans of concurrent calls).
    #[cfg(feature = "tracing")]
    pub(crate) fn instrument<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        tracing::Instrument::instrument(future, self.0.clone())
    }

    #[cfg(not(feature = "tracing"))]
    pub(crate) fn instrument<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        future
    }

    /// Records one attempt's outcome.
    #[allow(unused_variables)]
    pub(crate) fn attempt(&self, attempt: u32, status: Option<u16>, correlation_id: Option<&str>) {
        #[cfg(feature = "tracing")]
        {
            self.0.record("attempt", attempt);
            if let Some(status) = status {
                self.0.record("status", status);
            }
            if let Some(id) = correlation_id {
                self.0.record("correlation_id", id);
            }
            self.0.in_scope(|| {
                tracing::debug!(attempt, status, correlation_id, "attempt finished");
            });
        }
    }

    /// Records a retry about to happen.
    #[allow(unused_variables)]
    pub(crate) fn retry(&self, delay: std::time::Duration) {
        #[cfg(feature = "tracing")]
        self.0.in_scope(|| {
            tracing::info!(delay_ms = delay.as_millis() as u64, "retrying");
        });
    }
}
