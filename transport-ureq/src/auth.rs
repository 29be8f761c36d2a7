//! Keeping a token: the core's [`TokenCache`], renewed by one caller at a time. Callers
//! that need a token while another renews it wait for that renewal (up to their own
//! budget) and share its result, success or failure, instead of sending their own token
//! request.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use genesys_chat::auth::{Credentials, Renewal, TokenCache};
use genesys_chat::{Config, Error, TransportErrorKind};

use crate::Client;

/// The token of a client and its clones.
#[derive(Debug)]
pub(crate) struct Auth {
    state: Mutex<State>,
    /// Signalled when a renewal ends.
    renewed: Condvar,
    renewable: bool,
}

#[derive(Debug)]
struct State {
    cache: TokenCache,
    /// Whether a caller is renewing the token (without holding the lock).
    renewing: bool,
}

impl Auth {
    pub(crate) fn new(config: &Config, credentials: Option<Credentials>) -> Self {
        let cache = TokenCache::new(config.clone(), credentials);
        Auth {
            renewable: cache.renewable(),
            state: Mutex::new(State {
                cache,
                renewing: false,
            }),
            renewed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a 401 is worth a new token.
    pub(crate) fn renewable(&self) -> bool {
        self.renewable
    }

    /// The configuration with a usable token, renewing it first when needed, within the
    /// budget of the call that began at `started`.
    pub(crate) fn config(&self, client: &Client, started: Instant) -> Result<Arc<Config>, Error> {
        let since = Instant::now();
        let deadline = started.checked_add(client.budget());
        let mut state = self.lock();
        loop {
            if let Some(config) = state.cache.current(Instant::now()) {
                return Ok(config);
            }
            if let Some(error) = state.cache.failure_since(since) {
                return Err(error);
            }
            if !state.renewing {
                break;
            }
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Err(waited_too_long(client.budget()));
            }
            state = self
                .renewed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let renewal = state.cache.renewal()?;
        state.renewing = true;
        drop(state);
        // Should the renewal panic (a user's callback), the flag is cleared and the
        // waiters woken all the same.
        let _clear = ClearOnDrop(self);
        // The lock is not held while the login host answers: waiters wait on the condvar
        // with their own deadlines.
        let result = match renewal {
            Renewal::Callback(callback) => callback.fetch().map(Ok),
            Renewal::Request(request) => {
                let base = self.lock().cache.base().clone();
                client
                    .execute_since(&request, &base, started)
                    .map(|reply| Err(reply.output))
            }
        };
        let mut state = self.lock();
        let stored = match result {
            Ok(Ok(token)) => state.cache.store_token(token),
            Ok(Err(response)) => state.cache.store_response(response, Instant::now()),
            Err(error) => Err(error),
        };
        if let Err(error) = &stored {
            state.cache.record_failure(error.clone(), Instant::now());
        }
        stored
    }

    /// Forgets the token `stale` was built with, unless another caller replaced it.
    pub(crate) fn invalidate(&self, stale: &Arc<Config>) {
        self.lock().cache.invalidate(stale);
    }
}

/// Ends a renewal when dropped: clears [`State::renewing`] and wakes the waiters.
struct ClearOnDrop<'a>(&'a Auth);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.lock().renewing = false;
        self.0.renewed.notify_all();
    }
}

/// The error of a caller whose budget ran out while another caller renewed the token.
fn waited_too_long(budget: Duration) -> Error {
    Error::Transport {
        operation: "postOauthToken",
        kind: TransportErrorKind::Timeout,
        message: format!(
            "waited for another caller's token renewal until the total budget of {:.1}s was spent",
            budget.as_secs_f64()
        ),
    }
}
