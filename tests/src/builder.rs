//! Seeding an emulator: org, users, tokens, OAuth clients, clock, rate limit.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::emulator::Emulator;
use crate::faults::RateLimit;
use crate::identity::{Grant, Identity, OAuthClient, Permissions, Saml2Entry, User};
use crate::ids::random_seed;

/// How to build an [`Emulator`]. Start empty with [`EmulatorBuilder::new`] or from the
/// ready default org with [`EmulatorBuilder::with_defaults`].
///
/// ```
/// use genesys_chat_testkit::{EmulatorBuilder, Permissions};
/// let emulator = EmulatorBuilder::new()
///     .org("acme")
///     .user("ann")
///     .user("ben")
///     .token("ann-token", "ann", Permissions::all())
///     .token("ben-readonly", "ben", Permissions::of(["chat:room:view"]))
///     .client("my-client", "my-secret", "ann", Permissions::all())
///     .public_client("my-spa", "ben", Permissions::of(["chat:room:view"]))
///     .saml2_assertion("acme", "PHNhbWxwOlJlc3BvbnNlPg==", "ben")
///     .build()?;
/// assert!(emulator.user("ben").unwrap().jid.ends_with("@acme.orgspan.com"));
/// # Ok::<(), genesys_chat_testkit::BuildError>(())
/// ```
pub struct EmulatorBuilder {
    org: String,
    users: Vec<String>,
    tokens: Vec<(String, String, Permissions)>,
    /// id, secret (`None`: a public client), user, permissions.
    clients: Vec<(String, Option<String>, String, Permissions)>,
    /// org name, assertion, user.
    saml2: Vec<(String, String, String)>,
    clock: Arc<dyn Clock>,
    rate_limit: Option<RateLimit>,
    seed: Option<u64>,
    token_lifetime: Duration,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Token strings and client secrets are never printed.
        f.debug_struct("EmulatorBuilder")
            .field("org", &self.org)
            .field("users", &self.users)
            .field("tokens", &self.tokens.len())
            .field("clients", &self.clients.len())
            .field("saml2_assertions", &self.saml2.len())
            .field("rate_limit", &self.rate_limit)
            .field("seed", &self.seed)
            .field("token_lifetime", &self.token_lifetime)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder::new()
    }
}

impl EmulatorBuilder {
    /// An empty org named [`Emulator::DEFAULT_ORG`]: no users, tokens or clients.
    pub fn new() -> Self {
        EmulatorBuilder {
            org: Emulator::DEFAULT_ORG.to_owned(),
            users: Vec::new(),
            tokens: Vec::new(),
            clients: Vec::new(),
            saml2: Vec::new(),
            clock: Arc::new(SystemClock),
            rate_limit: None,
            seed: None,
            token_lifetime: Duration::from_secs(86_400),
        }
    }

    /// The default org: users [`Emulator::DEFAULT_USERS`], each with the token
    /// `emulator-token-<name>` holding every permission ([`Emulator::DEFAULT_TOKEN`] is
    /// alice's), and the OAuth client [`Emulator::DEFAULT_CLIENT_ID`] /
    /// [`Emulator::DEFAULT_CLIENT_SECRET`] whose tokens act as alice with every permission,
    /// and the public (PKCE) client [`Emulator::DEFAULT_PUBLIC_CLIENT_ID`], also alice's
    /// with every permission.
    pub fn with_defaults() -> Self {
        let mut b = EmulatorBuilder::new();
        for name in Emulator::DEFAULT_USERS {
            b = b
                .user(name)
                .token(format!("emulator-token-{name}"), name, Permissions::all());
        }
        b.client(
            Emulator::DEFAULT_CLIENT_ID,
            Emulator::DEFAULT_CLIENT_SECRET,
            "alice",
            Permissions::all(),
        )
        .public_client(
            Emulator::DEFAULT_PUBLIC_CLIENT_ID,
            "alice",
            Permissions::all(),
        )
    }

    /// Names the org: JIDs become `…@<org>.orgspan.com` (letters, digits and `-`).
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = org.into();
        self
    }

    /// Adds a user; its id and JID derive from the org and the name.
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.users.push(name.into());
        self
    }

    /// Adds an access token that acts as the user `user_name` with `permissions`; it
    /// never expires.
    pub fn token(
        mut self,
        token: impl Into<String>,
        user_name: impl Into<String>,
        permissions: Permissions,
    ) -> Self {
        self.tokens
            .push((token.into(), user_name.into(), permissions));
        self
    }

    /// Adds a confidential OAuth client: it authenticates with
    /// `Authorization: Basic base64(client_id:client_secret)` and may use the
    /// client-credentials, authorization-code (with or without PKCE), refresh-token and
    /// SAML2 grants of `POST /oauth/token`.
    ///
    /// Every token it obtains carries `permissions`. Client-credentials tokens act as
    /// `user_name`, and so do codes from `GET /oauth/authorize` (the emulator has no login
    /// page: this user signs in at once); the other grants act as the user of the code,
    /// refresh token or assertion. A client id given twice keeps the last definition.
    pub fn client(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        user_name: impl Into<String>,
        permissions: Permissions,
    ) -> Self {
        self.clients.push((
            client_id.into(),
            Some(client_secret.into()),
            user_name.into(),
            permissions,
        ));
        self
    }

    /// Adds a public OAuth client (no secret, e.g. a browser or mobile app): it may only
    /// exchange an authorization code with PKCE, sending `client_id` and `code_verifier`
    /// in the form and no `Authorization`. It gets no refresh token (the refresh grant
    /// needs client authentication). Its tokens carry `permissions`; `user_name` signs in
    /// at `GET /oauth/authorize`.
    pub fn public_client(
        mut self,
        client_id: impl Into<String>,
        user_name: impl Into<String>,
        permissions: Permissions,
    ) -> Self {
        self.clients
            .push((client_id.into(), None, user_name.into(), permissions));
        self
    }

    /// Accepts a SAML2 assertion at the SAML2 bearer grant
    /// (`grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer&orgName=…&assertion=…`,
    /// from a confidential client): sent with `orgName` = `org_name`, it gets a token
    /// acting as `user_name` with the client's permissions. The assertion is compared as
    /// it is (after form decoding) and can be presented again, as renewal does; it gets no
    /// refresh token.
    pub fn saml2_assertion(
        mut self,
        org_name: impl Into<String>,
        assertion: impl Into<String>,
        user_name: impl Into<String>,
    ) -> Self {
        self.saml2
            .push((org_name.into(), assertion.into(), user_name.into()));
        self
    }

    /// Replaces the clock (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Turns the per-token rate limit on.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Makes generated ids (rooms, messages, tokens) reproducible.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// How long access tokens from the login host live (default 24 hours; `expires_in`),
    /// whatever the grant. An expired token is refused with `401` `bad.credentials`.
    /// Authorization codes and refresh tokens do not expire: they work once.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Checks the seed and builds the emulator.
    pub fn build(self) -> Result<Emulator, BuildError> {
        if self.org.is_empty()
            || !self
                .org
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(BuildError::InvalidOrg);
        }
        let mut names = HashSet::new();
        for name in &self.users {
            if name.is_empty() || !names.insert(name.as_str()) {
                return Err(BuildError::InvalidUser(name.clone()));
            }
        }
        let mut tokens = HashSet::new();
        for (token, user, _) in &self.tokens {
            if !names.contains(user.as_str()) {
                return Err(BuildError::UnknownUser(user.clone()));
            }
            let visible = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
            if !visible || !tokens.insert(token.as_str()) {
                return Err(BuildError::InvalidToken);
            }
        }
        for (id, _, user, _) in &self.clients {
            if !names.contains(user.as_str()) {
                return Err(BuildError::UnknownUser(user.clone()));
            }
            if id.is_empty() || id.contains(':') {
                return Err(BuildError::InvalidClient(id.clone()));
            }
        }
        for (org_name, assertion, user) in &self.saml2 {
            if !names.contains(user.as_str()) {
                return Err(BuildError::UnknownUser(user.clone()));
            }
            if org_name.is_empty() || assertion.is_empty() {
                return Err(BuildError::InvalidAssertion);
            }
        }
        Ok(self.assemble())
    }

    /// Builds without checks (the defaults are known to be valid); entries naming an
    /// unknown user are skipped.
    pub(crate) fn assemble(self) -> Emulator {
        let users: Vec<User> = self
            .users
            .iter()
            .map(|name| User::derive(&self.org, name))
            .collect();
        let mut ident = Identity::new(self.org, users);
        for (token, user, permissions) in self.tokens {
            if let Some(user) = ident.by_name(&user) {
                ident.token_order.push(token.clone());
                ident.tokens.insert(
                    token,
                    Grant {
                        user,
                        permissions,
                        expires_at: None,
                    },
                );
            }
        }
        for (id, secret, user, permissions) in self.clients {
            if let Some(user) = ident.by_name(&user) {
                ident.clients.insert(
                    id,
                    OAuthClient {
                        secret,
                        user,
                        permissions,
                    },
                );
            }
        }
        for (org_name, assertion, user) in self.saml2 {
            if let Some(user) = ident.by_name(&user) {
                ident.saml2.insert(assertion, Saml2Entry { org_name, user });
            }
        }
        Emulator::assemble(
            ident,
            self.clock,
            self.rate_limit,
            self.seed.unwrap_or_else(random_seed),
            self.token_lifetime,
        )
    }
}

/// Why an [`EmulatorBuilder`] cannot build.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The org name is empty or holds characters other than letters, digits and `-`.
    InvalidOrg,
    /// A user name is empty or given twice.
    InvalidUser(String),
    /// A token or client names a user that was not added.
    UnknownUser(String),
    /// A token is empty, holds characters that cannot travel in a header, or is given
    /// twice (the token itself is not repeated here).
    InvalidToken,
    /// A client id is empty or holds `:`.
    InvalidClient(String),
    /// A SAML2 assertion or its org name is empty (the assertion is not repeated here).
    InvalidAssertion,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidOrg => {
                f.write_str("the org name must be letters, digits and `-`, and not empty")
            }
            BuildError::InvalidUser(name) => {
                write!(f, "the user name `{name}` is empty or given twice")
            }
            BuildError::UnknownUser(name) => write!(f, "no user named `{name}` was added"),
            BuildError::InvalidToken => f.write_str(
                "a token is empty, holds characters other than visible ASCII, or is given twice",
            ),
            BuildError::InvalidClient(id) => {
                write!(f, "the client id `{id}` is empty or holds `:`")
            }
            BuildError::InvalidAssertion => {
                f.write_str("a SAML2 assertion or its org name is empty")
            }
        }
    }
}

impl std::error::Error for BuildError {}
