//! Keeping a token: the core's [`TokenCache`] behind a lock that is held during a
//! renewal, so concurrent callers wait for one token request instead of sending their own.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use genesys_chat::auth::{Credentials, Renewal, TokenCache};
use genesys_chat::{Config, Error};

use crate::Client;

/// The token of a client and its clones.
#[derive(Debug)]
pub(crate) struct Auth {
    cache: Mutex<TokenCache>,
    renewable: bool,
}

impl Auth {
    pub(crate) fn new(config: &Config, credentials: Option<Credentials>) -> Self {
        let cache = TokenCache::new(config.clone(), credentials);
        Auth {
            renewable: cache.renewable(),
            cache: Mutex::new(cache),
        }
    }

    fn lock(&self) -> MutexGuard<'_, TokenCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a 401 is worth a new token.
    pub(crate) fn renewable(&self) -> bool {
        self.renewable
    }

    /// The configuration with a usable token, renewing it first when needed.
    pub(crate) fn config(&self, client: &Client) -> Result<Arc<Config>, Error> {
        let mut cache = self.lock();
        if let Some(config) = cache.current(Instant::now()) {
            return Ok(config);
        }
        match cache.renewal()? {
            Renewal::Callback(callback) => cache.store_token(callback.fetch()?),
            Renewal::Request(request) => {
                let response = client.execute(&request, cache.base())?.output;
                cache.store_response(response, Instant::now())
            }
        }
    }

    /// Forgets the token `stale` was built with, unless another caller replaced it.
    pub(crate) fn invalidate(&self, stale: &Arc<Config>) {
        self.lock().invalidate(stale);
    }
}
