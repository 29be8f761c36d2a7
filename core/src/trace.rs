//! One `tracing` span per call, for the transports (with the `tracing` feature; without
//! it, the same calls compile to nothing).
//!
//! Only the operation id, the method, the path template, the attempt, the status and the
//! correlation id are recorded: never the token, path values (JIDs are personal data) or
//! bodies.

use std::future::Future;
use std::time::Duration;

use crate::OperationMeta;

/// The span of one call, named `genesys_chat.call`.
#[derive(Debug, Clone)]
pub struct CallSpan {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl CallSpan {
    /// Opens the span of a call of `meta`.
    #[allow(unused_variables)]
    pub fn new(meta: &OperationMeta) -> Self {
        CallSpan {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(
                "genesys_chat.call",
                operation = meta.id,
                method = meta.method.as_str(),
                path = meta.path,
                attempt = tracing::field::Empty,
                status = tracing::field::Empty,
                correlation_id = tracing::field::Empty,
            ),
        }
    }

    /// Runs `future` inside the span (for async transports: the span is never entered
    /// across an `.await` by hand, which would make the future `!Send`).
    pub fn instrument<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        #[cfg(feature = "tracing")]
        {
            tracing::Instrument::instrument(future, self.span.clone())
        }
        #[cfg(not(feature = "tracing"))]
        {
            future
        }
    }

    /// Records one attempt's outcome: the status, or `None` for a failure below HTTP.
    #[allow(unused_variables)]
    pub fn attempt(&self, attempt: u32, status: Option<u16>, correlation_id: Option<&str>) {
        #[cfg(feature = "tracing")]
        {
            self.span.record("attempt", attempt);
            if let Some(status) = status {
                self.span.record("status", status);
            }
            if let Some(id) = correlation_id {
                self.span.record("correlation_id", id);
            }
            self.span.in_scope(|| {
                tracing::debug!(attempt, status, correlation_id, "attempt finished");
            });
        }
    }

    /// Records a retry about to happen after `delay`.
    #[allow(unused_variables)]
    pub fn retry(&self, delay: Duration) {
        #[cfg(feature = "tracing")]
        self.span.in_scope(|| {
            tracing::info!(delay_ms = delay.as_millis() as u64, "retrying");
        });
    }
}
