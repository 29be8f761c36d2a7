//! What every transport's client is built from: one builder, with every timeout and
//! limit named, shared by the adapter crates so their knobs and defaults cannot differ.
//!
//! The core only holds the settings; a transport turns them into its client by
//! implementing [`FromSettings`], and exports `ClientBuilder<ItsClient>` as its builder.

use std::marker::PhantomData;
use std::time::Duration;

use crate::auth::Credentials;
use crate::{Config, Error, RetryPolicy};

/// Default time to set up a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one attempt, from sending the request to the end of the body.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of idle connections kept per host.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// The settings a transport builds its client from, as the builder left them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSettings {
    /// Where requests go, with the user agent and the response size cap applied.
    pub config: Config,
    /// The retry policy, with the total time budget applied.
    pub retry: RetryPolicy,
    /// Time to set up a connection.
    pub connect_timeout: Duration,
    /// Time for one attempt, from sending the request to the end of the response body.
    pub attempt_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_size: usize,
    /// A proxy URL for every request; `None` means none (not even from the environment).
    pub proxy: Option<String>,
    /// How the token is had; `None` means the token of the [`Config`] as it is.
    pub credentials: Option<Credentials>,
}

/// A transport's client, built from [`ClientSettings`].
pub trait FromSettings: Sized {
    /// Builds the client; fails for settings this transport cannot honour (e.g. a proxy
    /// URL it cannot parse).
    fn from_settings(settings: ClientSettings) -> Result<Self, Error>;
}

/// Builds a client `C`: every timeout and limit named, with defaults.
///
/// The transports export it as their `ClientBuilder`:
///
/// ```ignore
/// let client = genesys_chat_ureq::Client::builder(config)
///     .attempt_timeout(Duration::from_secs(20))
///     .total_timeout(Duration::from_secs(60))
///     .build()?;
/// ```
pub struct ClientBuilder<C> {
    config: Config,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    pool_size: usize,
    max_response_bytes: Option<usize>,
    proxy: Option<String>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    credentials: Option<Credentials>,
    client: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("pool_size", &self.pool_size)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            config: self.config.clone(),
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            total_timeout: self.total_timeout,
            pool_size: self.pool_size,
            max_response_bytes: self.max_response_bytes,
            proxy: self.proxy.clone(),
            retry: self.retry,
            user_agent: self.user_agent.clone(),
            credentials: self.credentials.clone(),
            client: PhantomData,
        }
    }
}

impl<C: FromSettings> ClientBuilder<C> {
    /// A builder with the default settings for `config`.
    pub fn new(config: Config) -> Self {
        ClientBuilder {
            config,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: None,
            pool_size: DEFAULT_POOL_SIZE,
            max_response_bytes: None,
            proxy: None,
            retry: RetryPolicy::default(),
            user_agent: None,
            credentials: None,
            client: PhantomData,
        }
    }

    /// How the client gets its token: a fixed token, a grant it exchanges and renews
    /// (client credentials, refresh token, code, PKCE, SAML2), or your callback. Without
    /// this, the token of the [`Config`] is used as it is.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Time to set up a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time for one attempt, from sending the request to the end of the response body.
    /// Default 30 s.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Time for the whole call, retries and waits included (the retry policy's budget).
    /// Default 120 s.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Idle connections kept per host. Default 8.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// The cap on response bodies, enforced while reading. Default 8 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Sends every request through this proxy, e.g. `http://proxy.internal:3128`.
    /// Without it no proxy is used, whatever the environment says.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Turns retries off: every call makes exactly one attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::disabled())
    }

    /// The `User-Agent` header. Default `genesys-chat/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client. Fails with [`Error::InvalidInput`] for a user agent that cannot
    /// travel in a header or a proxy the transport cannot use.
    pub fn build(self) -> Result<C, Error> {
        let mut config = self.config;
        if let Some(ua) = self.user_agent {
            config = config.with_user_agent(ua)?;
        }
        if let Some(bytes) = self.max_response_bytes {
            config = config.with_max_response_bytes(bytes);
        }
        let mut retry = self.retry;
        if let Some(total) = self.total_timeout {
            retry.budget = total;
        }
        C::from_settings(ClientSettings {
            config,
            retry,
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            pool_size: self.pool_size,
            proxy: self.proxy,
            credentials: self.credentials,
        })
    }
}

/// The error for a proxy URL a transport cannot use.
pub fn invalid_proxy() -> Error {
    Error::invalid(
        "proxy",
        "is not a proxy URL; write it like http://proxy.internal:3128",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "client" that keeps the settings it was built from.
    struct Captured(ClientSettings);

    impl FromSettings for Captured {
        fn from_settings(settings: ClientSettings) -> Result<Self, Error> {
            Ok(Captured(settings))
        }
    }

    fn config() -> Config {
        Config::with_base_url("http://127.0.0.1:9")
            .unwrap()
            .with_token("t")
            .unwrap()
    }

    #[test]
    fn defaults() {
        let Captured(s) = ClientBuilder::<Captured>::new(config()).build().unwrap();
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
        assert_eq!(s.attempt_timeout, Duration::from_secs(30));
        assert_eq!(s.pool_size, 8);
        assert_eq!(s.proxy, None);
        assert!(s.credentials.is_none());
        assert_eq!(s.retry, RetryPolicy::default());
        assert_eq!(s.retry.budget, Duration::from_secs(120));
        assert_eq!(s.config.max_response_bytes(), 8 * 1024 * 1024);
        assert_eq!(s.config.user_agent(), crate::config::DEFAULT_USER_AGENT);
    }

    #[test]
    fn knobs_reach_the_settings() {
        let Captured(s) = ClientBuilder::<Captured>::new(config())
            .connect_timeout(Duration::from_secs(1))
            .attempt_timeout(Duration::from_secs(2))
            .total_timeout(Duration::from_secs(3))
            .pool_size(1)
            .max_response_bytes(1024)
            .user_agent("my-app/1.0")
            .proxy("http://proxy.internal:3128")
            .credentials(Credentials::client_credentials("id", "secret"))
            .build()
            .unwrap();
        assert_eq!(s.connect_timeout, Duration::from_secs(1));
        assert_eq!(s.attempt_timeout, Duration::from_secs(2));
        assert_eq!(s.retry.budget, Duration::from_secs(3));
        assert_eq!(s.pool_size, 1);
        assert_eq!(s.config.max_response_bytes(), 1024);
        assert_eq!(s.config.user_agent(), "my-app/1.0");
        assert_eq!(s.proxy.as_deref(), Some("http://proxy.internal:3128"));
        assert!(s.credentials.is_some());
        let Captured(off) = ClientBuilder::<Captured>::new(config())
            .no_retry()
            .build()
            .unwrap();
        assert_eq!(off.retry.max_attempts, 1);
        let bad = ClientBuilder::<Captured>::new(config())
            .user_agent("x\r\ny: 1")
            .build();
        assert!(matches!(
            bad,
            Err(Error::InvalidInput {
                field: "userAgent",
                ..
            })
        ));
    }

    #[test]
    fn debug_hides_the_proxy_credentials() {
        let builder = ClientBuilder::<Captured>::new(config()).proxy("http://user:pw@proxy:3128");
        assert!(!format!("{builder:?}").contains("pw"));
    }
}
