//! OAuth against the login host, without I/O: token requests for every grant, the
//! browser authorize URLs, PKCE, and a token state that knows when to renew.
//!
//! Token requests are operations like any other ([`RequestToken`] implements
//! [`Operation`]), sent to the login base URL instead of the API's. Nothing here reads a
//! clock or draws random numbers: the current [`Instant`] and PKCE's random bytes are
//! arguments.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use genesys_chat::{Config, Operation, Region, auth::*};
//!
//! let cfg = Config::new(Region::EuWest1);
//! let login = RequestToken::new(Grant::client_credentials("my-client", "my-secret"));
//! let request = login.to_http(&cfg)?;
//! assert_eq!(request.uri(), "https://login.mypurecloud.ie/oauth/token");
//! assert_eq!(request.body(), b"grant_type=client_credentials");
//!
//! let response = http::Response::builder().status(200).body(
//!     br#"{"access_token":"tok","token_type":"bearer","expires_in":86399}"#.to_vec(),
//! )?;
//! let token = login.parse(&cfg, &response)?;
//!
//! let now = Instant::now();
//! let mut state = TokenState::new(login.grant().clone());
//! state.store(token, now);
//! assert!(state.usable_token(now).is_some());
//! assert!(state.usable_token(now + Duration::from_secs(86_399 - 59)).is_none()); // renew 60 s early
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What the login host says is checked before it is used: an access token must be a
//! header value of at most [`crate::config::MAX_ACCESS_TOKEN_BYTES`] (else the token
//! response is an [`Error::Decode`] that says so); `expires_in` may be any JSON number
//! (see [`TokenResponse::expires_in`]) and a lifetime over [`MAX_TOKEN_LIFETIME`] counts
//! as that cap.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::check_header_value;
use crate::error::safe_excerpt;
use crate::operation::{HttpMethod, OperationMeta};
use crate::{AccessToken, Config, Error, Operation};

/// How long before expiry a token is renewed, by default.
pub const DEFAULT_RENEWAL_MARGIN: Duration = Duration::from_secs(60);

/// The longest token lifetime believed: one year (365 days). A longer `expires_in`
/// (up to `u64::MAX` seconds, or a JSON number beyond it) counts as this, so no lifetime
/// can overflow the clock arithmetic, and a token is renewed at least once a year.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Its `Debug` and `Display` print `[redacted]`.
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps the secret.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The secret itself, for building a request.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}([redacted])", stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name(value)
            }
        }
    };
}

secret!(
    /// An OAuth client secret.
    ClientSecret
);
secret!(
    /// An OAuth refresh token.
    RefreshToken
);
secret!(
    /// An authorization code from the login redirect.
    AuthorizationCode
);
secret!(
    /// A SAML2 assertion (base64, as issued by the identity provider).
    Saml2Assertion
);
secret!(
    /// A PKCE code verifier: keep it until the code comes back.
    PkceVerifier
);

impl PkceVerifier {
    /// A verifier from 32 (or more) random bytes drawn by the caller: base64url without
    /// padding, 43 characters for 32 bytes.
    pub fn from_random_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < 32 {
            return Err(Error::invalid(
                "codeVerifier",
                "needs at least 32 random bytes (RFC 7636)",
            ));
        }
        let bytes = &bytes[..bytes.len().min(96)];
        Ok(PkceVerifier(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The S256 challenge: base64url(sha256(verifier)) without padding.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// An OAuth grant: what the login host is asked to exchange for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// `client_credentials`: the client acts as itself.
    ClientCredentials {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: ClientSecret,
    },
    /// `authorization_code`: a code from the browser redirect, for a confidential client.
    AuthorizationCode {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: ClientSecret,
        /// The code.
        code: AuthorizationCode,
        /// The redirect URI the code was issued for.
        redirect_uri: String,
    },
    /// `refresh_token`: a new token from a refresh token.
    RefreshToken {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: ClientSecret,
        /// The refresh token.
        refresh_token: RefreshToken,
    },
    /// `authorization_code` with PKCE, for a public client (no secret).
    Pkce {
        /// The client id.
        client_id: String,
        /// The code.
        code: AuthorizationCode,
        /// The redirect URI the code was issued for.
        redirect_uri: String,
        /// The verifier whose challenge went into the authorize URL.
        code_verifier: PkceVerifier,
    },
    /// `urn:ietf:params:oauth:grant-type:saml2-bearer`.
    Saml2Bearer {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: ClientSecret,
        /// The Genesys Cloud organisation name.
        org_name: String,
        /// The SAML2 assertion.
        assertion: Saml2Assertion,
    },
}

impl Grant {
    /// The client-credentials grant.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Grant::ClientCredentials {
            client_id: client_id.into(),
            client_secret: ClientSecret::new(client_secret),
        }
    }

    /// The refresh-token grant.
    pub fn refresh_token(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Grant::RefreshToken {
            client_id: client_id.into(),
            client_secret: ClientSecret::new(client_secret),
            refresh_token: RefreshToken::new(refresh_token),
        }
    }

    /// The grant's `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::ClientCredentials { .. } => "client_credentials",
            Grant::AuthorizationCode { .. } | Grant::Pkce { .. } => "authorization_code",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::Saml2Bearer { .. } => "urn:ietf:params:oauth:grant-type:saml2-bearer",
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        match self {
            Grant::ClientCredentials { client_id, .. }
            | Grant::AuthorizationCode { client_id, .. }
            | Grant::RefreshToken { client_id, .. }
            | Grant::Pkce { client_id, .. }
            | Grant::Saml2Bearer { client_id, .. } => client_id,
        }
    }

    fn client_secret(&self) -> Option<&ClientSecret> {
        match self {
            Grant::ClientCredentials { client_secret, .. }
            | Grant::AuthorizationCode { client_secret, .. }
            | Grant::RefreshToken { client_secret, .. }
            | Grant::Saml2Bearer { client_secret, .. } => Some(client_secret),
            Grant::Pkce { .. } => None,
        }
    }

    /// The form fields, in the order the official SDKs send them.
    fn form(&self) -> Vec<(&'static str, &str)> {
        let mut form = vec![("grant_type", self.grant_type())];
        match self {
            Grant::ClientCredentials { .. } => {}
            Grant::AuthorizationCode {
                code, redirect_uri, ..
            } => {
                form.push(("code", code.secret()));
                form.push(("redirect_uri", redirect_uri));
            }
            Grant::RefreshToken { refresh_token, .. } => {
                form.push(("refresh_token", refresh_token.secret()));
            }
            Grant::Pkce {
                client_id,
                code,
                redirect_uri,
                code_verifier,
            } => {
                form.push(("code", code.secret()));
                form.push(("redirect_uri", redirect_uri));
                form.push(("client_id", client_id));
                form.push(("code_verifier", code_verifier.secret()));
            }
            Grant::Saml2Bearer {
                org_name,
                assertion,
                ..
            } => {
                form.push(("orgName", org_name));
                form.push(("assertion", assertion.secret()));
            }
        }
        form
    }

    fn validate(&self) -> Result<(), Error> {
        if self.client_id().is_empty() {
            return Err(Error::invalid("client_id", "is empty"));
        }
        check_header_value("client_id", self.client_id())?;
        if let Some(secret) = self.client_secret() {
            if secret.secret().is_empty() {
                return Err(Error::invalid("client_secret", "is empty"));
            }
            check_header_value("client_secret", secret.secret())?;
        }
        for (name, value) in self.form() {
            if value.is_empty() {
                return Err(Error::invalid(name, "is empty"));
            }
        }
        Ok(())
    }
}

/// The characters `application/x-www-form-urlencoded` escapes (space becomes `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b' ');

fn push_form_value(out: &mut String, value: &str) {
    for part in utf8_percent_encode(value, FORM) {
        out.push_str(&part.replace(' ', "+"));
    }
}

/// A successful token response.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    #[serde(deserialize_with = "de_access_token")]
    pub access_token: AccessToken,
    /// The token type (`bearer`).
    #[serde(default)]
    pub token_type: String,
    /// Seconds until the token expires, as the login host said; `None` when it did not
    /// say (or said `null`), and the token is then used until the service refuses it.
    ///
    /// Any JSON number is accepted, so an odd lifetime never fails a login: a fraction is
    /// rounded down (`3599.9` is 3599), a negative number is 0 (expired: the token serves
    /// the call that asked for it, and the next one renews), and a number beyond
    /// `u64::MAX` (`1e30`) is `u64::MAX`. A string of digits (`"3600"`) is read as the
    /// number. Any other value (another string, `true`, an object) makes the token
    /// response an [`Error::Decode`] that names `expires_in`. [`TokenState::store`] caps
    /// the lifetime at [`MAX_TOKEN_LIFETIME`].
    #[serde(default, deserialize_with = "de_expires_in")]
    pub expires_in: Option<u64>,
    /// A refresh token (authorization-code grants).
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .finish()
    }
}

impl<'de> Deserialize<'de> for RefreshToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(RefreshToken)
    }
}

fn de_access_token<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AccessToken, D::Error> {
    let raw = String::deserialize(d)?;
    AccessToken::new(raw).map_err(|e| {
        let why = match &e {
            Error::InvalidInput { reason, .. } => reason.as_str(),
            _ => "cannot travel in a header",
        };
        serde::de::Error::custom(format_args!(
            "the login host issued an access_token that {why}; the token was refused and not used (a fault of the login host, not of the credentials)"
        ))
    })
}

/// `expires_in` as any JSON number (see [`TokenResponse::expires_in`]).
fn de_expires_in<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Seconds;

    impl<'de> serde::de::Visitor<'de> for Seconds {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("expires_in as a number of seconds")
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(u64::try_from(v).unwrap_or(0)))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // A float-to-integer cast saturates: negative to 0, beyond u64::MAX to it;
            // the fraction is dropped.
            Ok(Some(v as u64))
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Some(v.parse::<u64>().unwrap_or(u64::MAX)));
            }
            Err(E::custom(
                "expires_in is a string that is not a whole number of seconds",
            ))
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Seconds)
        }
    }

    d.deserialize_any(Seconds)
}

/// The OAuth error body of the login host.
#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// `POST /oauth/token` on the login host: exchanges a [`Grant`] for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestToken {
    grant: Grant,
}

impl RequestToken {
    /// The token request for this grant.
    pub fn new(grant: Grant) -> Self {
        RequestToken { grant }
    }

    /// The grant.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }
}

impl Operation for RequestToken {
    type Output = TokenResponse;
    const META: &'static OperationMeta = &OperationMeta {
        id: "postOauthToken",
        method: HttpMethod::Post,
        path: "/oauth/token",
        summary: "Exchange a grant for an access token (login host)",
        permissions: &[],
        preview: false,
        // Not idempotent: an authorization code works once and a refresh token may rotate,
        // so a request whose answer was lost must not be sent again (a refused connection
        // and a 429 are still retried: the login host did not act on them).
        idempotent: false,
        path_params: &[],
        query_params: &[],
        request_body: Some("application/x-www-form-urlencoded"),
        response: Some("TokenResponse"),
    };

    fn to_http(&self, cfg: &Config) -> Result<http::Request<Vec<u8>>, Error> {
        self.grant.validate()?;
        let base = cfg.login_base_url();
        cfg.check_transport_security(base)?;
        let mut uri = String::new();
        base.join(&mut uri, Self::META.path);
        let mut body = String::new();
        for (i, (name, value)) in self.grant.form().into_iter().enumerate() {
            if i > 0 {
                body.push('&');
            }
            body.push_str(name);
            body.push('=');
            push_form_value(&mut body, value);
        }
        let mut builder = http::Request::builder()
            .method(http::Method::POST)
            .uri(uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .header(
                USER_AGENT,
                HeaderValue::try_from(cfg.user_agent())
                    .map_err(|_| Error::invalid("userAgent", "cannot travel in a header"))?,
            );
        if let Some(secret) = self.grant.client_secret() {
            let basic = STANDARD.encode(format!("{}:{}", self.grant.client_id(), secret.secret()));
            let mut value = HeaderValue::try_from(format!("Basic {basic}"))
                .map_err(|_| Error::invalid("client_secret", "cannot travel in a header"))?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        builder
            .body(body.into_bytes())
            .map_err(|e| Error::Config(format!("the token request could not be assembled: {e}")))
    }

    fn parse(
        &self,
        cfg: &Config,
        response: &http::Response<Vec<u8>>,
    ) -> Result<TokenResponse, Error> {
        let body = response.body();
        let status = response.status().as_u16();
        if body.len() > cfg.max_response_bytes() {
            return Err(Error::BodyTooLarge {
                operation: Self::META.id,
                limit: cfg.max_response_bytes(),
                size: body.len() as u64,
            });
        }
        let content_type = || crate::operation::content_type(response.headers());
        if response.status().is_success() {
            return serde_json::from_slice(body).map_err(|e| {
                let mut error =
                    crate::operation::decode_error_of(Self::META, status, body, content_type(), &e);
                if let Error::Decode { reason, .. } = &mut error {
                    reason.insert_str(0, "not a token response: ");
                }
                error
            });
        }
        match serde_json::from_slice::<OAuthErrorBody>(body) {
            Ok(err) => Err(Error::OAuth {
                status,
                error: err.error,
                description: err.error_description,
            }),
            // Not the OAuth shape (a gateway's page, a Genesys ErrorBody): an API error.
            Err(_) => crate::operation::parse_void(Self::META, cfg, response).and_then(|()| {
                Err(Error::Decode {
                    operation: Self::META.id,
                    status,
                    reason: "not an OAuth error body".to_owned(),
                    excerpt: safe_excerpt(body),
                    content_type: content_type(),
                    body_len: body.len(),
                })
            }),
        }
    }
}

/// What the browser is sent to get back: a code, or (implicit grant) the token itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `response_type=code` (authorization code and PKCE grants).
    Code,
    /// `response_type=token` (implicit grant: the token comes back in the URL fragment).
    Token,
}

/// The browser's authorize URL on the login host:
/// `GET /oauth/authorize?response_type=…&client_id=…&redirect_uri=…&state=…`, with
/// `code_challenge` and `code_challenge_method=S256` when a PKCE verifier is given.
///
/// ```
/// use genesys_chat::{Config, Region, auth::*};
/// let verifier = PkceVerifier::from_random_bytes(&[7u8; 32])?;
/// let url = authorize_url(&Config::new(Region::UsEast1), ResponseType::Code, "client",
///     "https://app.example.com/cb", "xyz", Some(&verifier))?;
/// assert!(url.starts_with("https://login.mypurecloud.com/oauth/authorize?response_type=code&client_id=client&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=xyz&code_challenge="));
/// assert!(url.ends_with("&code_challenge_method=S256"));
/// # Ok::<(), genesys_chat::Error>(())
/// ```
pub fn authorize_url(
    cfg: &Config,
    response_type: ResponseType,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    pkce: Option<&PkceVerifier>,
) -> Result<String, Error> {
    if client_id.is_empty() {
        return Err(Error::invalid("client_id", "is empty"));
    }
    if redirect_uri.is_empty() {
        return Err(Error::invalid("redirect_uri", "is empty"));
    }
    let mut url = String::new();
    cfg.login_base_url().join(&mut url, "/oauth/authorize");
    let response_type = match response_type {
        ResponseType::Code => "code",
        ResponseType::Token => "token",
    };
    let challenge = pkce.map(PkceVerifier::challenge);
    let mut params = vec![
        ("response_type", response_type),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
    ];
    if !state.is_empty() {
        params.push(("state", state));
    }
    if let Some(challenge) = &challenge {
        params.push(("code_challenge", challenge));
        params.push(("code_challenge_method", "S256"));
    }
    for (i, (name, value)) in params.into_iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(name);
        url.push('=');
        crate::encode::push_component(&mut url, value);
    }
    Ok(url)
}

/// A token and when it expires, plus the grant that renews it.
///
/// Time is passed in. The token is renewed a margin before expiry (default 60 s). No
/// lifetime can make it panic: a lifetime is capped at [`MAX_TOKEN_LIFETIME`] and the
/// clock arithmetic is checked.
#[derive(Debug, Clone)]
pub struct TokenState {
    grant: Option<Grant>,
    token: Option<AccessToken>,
    /// When the token stops being usable (its expiry less the margin).
    renew_at: Option<Instant>,
    refresh_token: Option<RefreshToken>,
    grant_used: bool,
    margin: Duration,
}

impl TokenState {
    /// No token yet; `grant` gets the first one.
    pub fn new(grant: Grant) -> Self {
        TokenState {
            grant: Some(grant),
            token: None,
            renew_at: None,
            refresh_token: None,
            grant_used: false,
            margin: DEFAULT_RENEWAL_MARGIN,
        }
    }

    /// A static token that is never renewed.
    pub fn fixed(token: AccessToken) -> Self {
        TokenState {
            grant: None,
            token: Some(token),
            renew_at: None,
            refresh_token: None,
            grant_used: false,
            margin: DEFAULT_RENEWAL_MARGIN,
        }
    }

    /// Renews this long before expiry instead of 60 s.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Keeps a new token received at `now`.
    ///
    /// It is renewed `margin` before expiry, but never before half its lifetime, so a
    /// short-lived token is still used. A lifetime over [`MAX_TOKEN_LIFETIME`] counts as
    /// that cap; should `now` plus the lifetime not fit in an [`Instant`], the token is
    /// kept without an expiry (used until the service refuses it) rather than panicking.
    pub fn store(&mut self, response: TokenResponse, now: Instant) {
        self.renew_at = response.expires_in.and_then(|secs| {
            let lifetime = Duration::from_secs(secs).min(MAX_TOKEN_LIFETIME);
            let use_for = lifetime.saturating_sub(self.margin).max(lifetime / 2);
            now.checked_add(use_for)
        });
        self.token = Some(response.access_token);
        self.grant_used = true;
        if let Some(refresh) = response.refresh_token {
            self.refresh_token = Some(refresh);
        }
    }

    /// The token, if there is one that is not within the margin of its expiry at `now`.
    pub fn usable_token(&self, now: Instant) -> Option<&AccessToken> {
        let token = self.token.as_ref()?;
        match self.renew_at {
            Some(at) if now >= at => None,
            _ => Some(token),
        }
    }

    /// Forgets the token (the service said 401), so the next call renews it.
    pub fn invalidate(&mut self) {
        self.token = None;
        self.renew_at = None;
    }

    /// The request that gets a fresh token: the refresh-token grant when a refresh token
    /// came with the last token, else the original grant when it can be repeated (client
    /// credentials, SAML2), else `None` (a static token, or a code that was used up).
    pub fn renewal(&self) -> Option<RequestToken> {
        let grant = self.grant.as_ref()?;
        if let Some(refresh) = &self.refresh_token {
            if let Some(secret) = grant.client_secret() {
                return Some(RequestToken::new(Grant::RefreshToken {
                    client_id: grant.client_id().to_owned(),
                    client_secret: secret.clone(),
                    refresh_token: refresh.clone(),
                }));
            }
        }
        match grant {
            Grant::ClientCredentials { .. }
            | Grant::RefreshToken { .. }
            | Grant::Saml2Bearer { .. } => Some(RequestToken::new(grant.clone())),
            // A code works once: only for the very first token.
            Grant::AuthorizationCode { .. } | Grant::Pkce { .. } if !self.grant_used => {
                Some(RequestToken::new(grant.clone()))
            }
            _ => None,
        }
    }
}

/// A token source you provide: called for the first token and again after a 401.
///
/// It is called from the transport (inside the async runtime for the async client), so it
/// should return quickly, e.g. from your own cache.
#[derive(Clone)]
pub struct TokenCallback(Arc<dyn Fn() -> Result<AccessToken, Error> + Send + Sync>);

impl TokenCallback {
    /// Wraps a function returning a fresh token.
    pub fn new(f: impl Fn() -> Result<AccessToken, Error> + Send + Sync + 'static) -> Self {
        TokenCallback(Arc::new(f))
    }

    /// Asks for a token.
    pub fn fetch(&self) -> Result<AccessToken, Error> {
        (self.0)()
    }
}

impl fmt::Debug for TokenCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCallback")
    }
}

/// How a client gets its access token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// A fixed token, never renewed (a 401 is returned as it is).
    Token(AccessToken),
    /// A grant the client exchanges for tokens, renewing a margin before expiry and once
    /// after a 401: client credentials, a refresh token, an authorization code, PKCE or
    /// SAML2 (after the first token, renewal uses the refresh token when one came back).
    Grant(Grant),
    /// Your own token source.
    Callback(TokenCallback),
}

impl Credentials {
    /// A fixed token.
    pub fn token(token: impl Into<String>) -> Result<Self, Error> {
        AccessToken::new(token).map(Credentials::Token)
    }

    /// Client credentials: the client logs in by itself and never lets the token lapse.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Credentials::Grant(Grant::client_credentials(client_id, client_secret))
    }

    /// A refresh token with its client id and secret.
    pub fn refresh_token(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Credentials::Grant(Grant::refresh_token(
            client_id,
            client_secret,
            refresh_token,
        ))
    }

    /// A function that returns a fresh token.
    pub fn callback(f: impl Fn() -> Result<AccessToken, Error> + Send + Sync + 'static) -> Self {
        Credentials::Callback(TokenCallback::new(f))
    }

    /// Whether a 401 can be answered by getting a new token.
    pub fn renewable(&self) -> bool {
        !matches!(self, Credentials::Token(_))
    }

    /// The configuration and credentials the official CLI's variables describe: where to
    /// go, and either `GENESYSCLOUD_ACCESS_TOKEN` or both `GENESYSCLOUD_OAUTHCLIENT_ID`
    /// and `GENESYSCLOUD_OAUTHCLIENT_SECRET` (a token, when set, wins).
    ///
    /// Where to go is one of:
    ///
    /// - `GENESYSCLOUD_API_REGION`: the API server URL, as Genesys' published blueprints
    ///   name it (e.g. `https://api.usw2.pure.cloud`), read by [`Config::for_api_server`]:
    ///   a known region's server is that region, another `api.<domain>` logs in at
    ///   `login.<domain>`, any other host (a gateway, the emulator's
    ///   `http://127.0.0.1:PORT`) on the same base. Plain `http://` is accepted for a
    ///   loopback host only. When it is set, `GENESYSCLOUD_REGION` is not read.
    /// - `GENESYSCLOUD_REGION`: a region name such as `eu-west-1`, or its domain.
    ///
    /// So the same program runs against the emulator with
    /// `GENESYSCLOUD_API_REGION=http://127.0.0.1:PORT` and the emulator's client id and
    /// secret.
    ///
    /// `lookup` reads one variable (the transports pass `std::env::var`), so this stays
    /// free of I/O and testable. A variable that is empty or white space counts as unset.
    /// The error names every missing or malformed variable, all in one message, never
    /// their values.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(Config, Credentials), Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut problems = Vec::new();
        let config = match (get("GENESYSCLOUD_API_REGION"), get("GENESYSCLOUD_REGION")) {
            (Some(url), _) => match Config::for_api_server(url.trim()) {
                Ok(cfg) if cfg.api_base_url().is_https() || cfg.api_base_url().is_loopback() => {
                    Some(cfg)
                }
                Ok(_) => {
                    problems.push(
                        "GENESYSCLOUD_API_REGION uses plain http to a host that is not loopback, so the token would travel in clear text; use https (plain http is for 127.0.0.1, localhost and [::1] only)"
                            .to_owned(),
                    );
                    None
                }
                Err(e) => {
                    let reason = match e {
                        Error::InvalidInput { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    problems.push(format!(
                        "GENESYSCLOUD_API_REGION is not an API server URL such as https://api.usw2.pure.cloud or http://127.0.0.1:8080: it {reason}"
                    ));
                    None
                }
            },
            (None, None) => {
                problems.push(
                    "GENESYSCLOUD_REGION is not set (e.g. eu-west-1), nor GENESYSCLOUD_API_REGION (e.g. https://api.mypurecloud.ie)"
                        .to_owned(),
                );
                None
            }
            (None, Some(text)) => match text.parse::<crate::Region>() {
                Ok(region) => Some(Config::new(region)),
                Err(_) => {
                    problems.push(
                        "GENESYSCLOUD_REGION is not a known region name or domain (e.g. eu-west-1, mypurecloud.ie)"
                            .to_owned(),
                    );
                    None
                }
            },
        };
        let credentials = match get("GENESYSCLOUD_ACCESS_TOKEN") {
            Some(token) => match AccessToken::new(token.trim()) {
                Ok(token) => Some(Credentials::Token(token)),
                Err(_) => {
                    problems.push(
                        "GENESYSCLOUD_ACCESS_TOKEN holds characters a token cannot have (spaces, line breaks, non-ASCII)"
                            .to_owned(),
                    );
                    None
                }
            },
            None => {
                let id = get("GENESYSCLOUD_OAUTHCLIENT_ID");
                let secret = get("GENESYSCLOUD_OAUTHCLIENT_SECRET");
                if id.is_none() {
                    problems.push(
                        "GENESYSCLOUD_OAUTHCLIENT_ID is not set (or set GENESYSCLOUD_ACCESS_TOKEN)"
                            .to_owned(),
                    );
                }
                if secret.is_none() {
                    problems.push(
                        "GENESYSCLOUD_OAUTHCLIENT_SECRET is not set (or set GENESYSCLOUD_ACCESS_TOKEN)"
                            .to_owned(),
                    );
                }
                match (id, secret) {
                    (Some(id), Some(secret)) => {
                        let grant = Grant::client_credentials(id.trim(), secret.trim());
                        match grant.validate() {
                            Ok(()) => Some(Credentials::Grant(grant)),
                            Err(_) => {
                                problems.push(
                                    "GENESYSCLOUD_OAUTHCLIENT_ID or GENESYSCLOUD_OAUTHCLIENT_SECRET holds characters a header cannot carry"
                                        .to_owned(),
                                );
                                None
                            }
                        }
                    }
                    _ => None,
                }
            }
        };
        match (config, credentials) {
            (Some(config), Some(credentials)) if problems.is_empty() => Ok((config, credentials)),
            _ => Err(Error::Config(format!(
                "the environment does not describe a connection: {}",
                problems.join("; ")
            ))),
        }
    }
}

/// A client's token, without I/O or locking: which configuration to use now, and what
/// to do when there is no usable token. The transports keep it behind their own lock
/// (held during a renewal, so concurrent callers share one token request).
///
/// Callers waiting behind a renewal share its result, success or failure: a caller notes
/// the instant it started waiting for the lock (`since`); once it holds the lock it uses
/// [`TokenCache::current`] if a token is there, else returns
/// [`TokenCache::failure_since`]`(since)` if a renewal that ended while it waited failed,
/// and only else renews itself (recording a failure with [`TokenCache::record_failure`]).
/// So a failing login host gets one token request per wave of callers, not one per
/// caller.
///
/// ```
/// use std::time::Instant;
/// use genesys_chat::{Config, Region, auth::*};
///
/// let mut cache = TokenCache::new(Config::new(Region::UsEast1), Some(Credentials::client_credentials("id", "secret")));
/// assert!(cache.current(Instant::now()).is_none());
/// let Renewal::Request(request) = cache.renewal()? else { unreachable!() };
/// assert_eq!(request.grant().grant_type(), "client_credentials");
/// # Ok::<(), genesys_chat::Error>(())
/// ```
#[derive(Debug)]
pub struct TokenCache {
    base: Config,
    source: Source,
    current: Option<Arc<Config>>,
    /// The failure of the last renewal and when it ended, until a renewal succeeds.
    failure: Option<(Error, Instant)>,
}

#[derive(Debug)]
enum Source {
    /// Whatever the configuration holds (a fixed token, or none): never renewed.
    Fixed,
    /// A grant and the tokens it gave.
    Grant(TokenState),
    /// The user's callback.
    Callback(TokenCallback),
}

/// How to get a new token.
#[derive(Debug)]
pub enum Renewal {
    /// Send this token request (to the login host) and give the answer to
    /// [`TokenCache::store_response`].
    Request(RequestToken),
    /// Call this callback and give its token to [`TokenCache::store_token`].
    Callback(TokenCallback),
}

impl TokenCache {
    /// A cache for `base` (where requests go) and the credentials; without credentials,
    /// the token of `base` is used as it is.
    pub fn new(base: Config, credentials: Option<Credentials>) -> Self {
        let (source, current) = match credentials {
            None => (Source::Fixed, Some(Arc::new(base.clone()))),
            Some(Credentials::Token(token)) => (
                Source::Fixed,
                Some(Arc::new(base.clone().with_access_token(token))),
            ),
            Some(Credentials::Grant(grant)) => (Source::Grant(TokenState::new(grant)), None),
            Some(Credentials::Callback(callback)) => (Source::Callback(callback), None),
        };
        TokenCache {
            base,
            source,
            current,
            failure: None,
        }
    }

    /// The configuration without a token: the one token requests are sent with.
    pub fn base(&self) -> &Config {
        &self.base
    }

    /// Whether a 401 can be answered with a new token.
    pub fn renewable(&self) -> bool {
        !matches!(self.source, Source::Fixed)
    }

    /// The configuration with a token usable at `now`, if there is one.
    pub fn current(&self, now: Instant) -> Option<Arc<Config>> {
        let usable = match &self.source {
            Source::Fixed | Source::Callback(_) => true,
            Source::Grant(tokens) => tokens.usable_token(now).is_some(),
        };
        self.current.as_ref().filter(|_| usable).map(Arc::clone)
    }

    /// What gets a new token, or why none can be had.
    pub fn renewal(&self) -> Result<Renewal, Error> {
        match &self.source {
            Source::Fixed => Err(Error::Config(
                "no access token: set one in the Config, or give the client credentials".to_owned(),
            )),
            Source::Callback(callback) => Ok(Renewal::Callback(callback.clone())),
            Source::Grant(tokens) => tokens.renewal().map(Renewal::Request).ok_or_else(|| {
                Error::Config(
                    "the access token expired or was refused, and these credentials cannot renew it (an authorization code works once; use a refresh token or client credentials)"
                        .to_owned(),
                )
            }),
        }
    }

    /// Keeps the answer of a token request received at `now`; returns the configuration
    /// to use.
    pub fn store_response(
        &mut self,
        response: TokenResponse,
        now: Instant,
    ) -> Result<Arc<Config>, Error> {
        let token = response.access_token.clone();
        if let Source::Grant(tokens) = &mut self.source {
            tokens.store(response, now);
        }
        self.store_token(token)
    }

    /// Keeps a token (from a callback); returns the configuration to use. Clears the
    /// failure of an earlier renewal.
    pub fn store_token(&mut self, token: AccessToken) -> Result<Arc<Config>, Error> {
        let config = Arc::new(self.base.clone().with_access_token(token));
        self.current = Some(Arc::clone(&config));
        self.failure = None;
        Ok(config)
    }

    /// The renewal that ended at `now` failed with `error`: callers that were waiting for
    /// it get this error from [`TokenCache::failure_since`] instead of sending their own
    /// token request.
    pub fn record_failure(&mut self, error: Error, now: Instant) {
        self.failure = Some((error, now));
    }

    /// The failure of the last renewal, if it failed and ended at or after `since` (the
    /// instant the caller started waiting for the lock); `None` once a renewal succeeded
    /// ([`TokenCache::store_response`], [`TokenCache::store_token`]) or when the failure is
    /// older than `since` (the caller then renews itself).
    pub fn failure_since(&self, since: Instant) -> Option<Error> {
        self.failure
            .as_ref()
            .filter(|(_, at)| *at >= since)
            .map(|(error, _)| error.clone())
    }

    /// Forgets the token `stale` was built with (the service refused it), unless it was
    /// already replaced.
    pub fn invalidate(&mut self, stale: &Arc<Config>) {
        let is_current = self
            .current
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, stale));
        if is_current && self.renewable() {
            self.current = None;
            if let Source::Grant(tokens) = &mut self.source {
                tokens.invalidate();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;

    fn cfg() -> Config {
        Config::new(Region::UsEast1)
    }

    fn body(op: &RequestToken) -> String {
        String::from_utf8(op.to_http(&cfg()).unwrap().into_body()).unwrap()
    }

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            verifier.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let rfc_bytes = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(
            PkceVerifier::from_random_bytes(&rfc_bytes).unwrap(),
            verifier
        );
        assert!(PkceVerifier::from_random_bytes(&[0; 31]).is_err());
    }

    #[test]
    fn every_grant_builds_its_form_and_authentication() {
        let cc = RequestToken::new(Grant::client_credentials("id", "s3cret"));
        let req = cc.to_http(&cfg()).unwrap();
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri(), "https://login.mypurecloud.com/oauth/token");
        // base64("id:s3cret")
        assert_eq!(req.headers()["authorization"], "Basic aWQ6czNjcmV0");
        assert!(req.headers()["authorization"].is_sensitive());
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(body(&cc), "grant_type=client_credentials");

        let code = RequestToken::new(Grant::AuthorizationCode {
            client_id: "id".into(),
            client_secret: "s".into(),
            code: "c/1".into(),
            redirect_uri: "https://app.example.com/cb?x=1 2".into(),
        });
        assert_eq!(
            body(&code),
            "grant_type=authorization_code&code=c%2F1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1+2"
        );

        let refresh = RequestToken::new(Grant::refresh_token("id", "s", "r-1"));
        assert_eq!(body(&refresh), "grant_type=refresh_token&refresh_token=r-1");

        let pkce = RequestToken::new(Grant::Pkce {
            client_id: "pub".into(),
            code: "c".into(),
            redirect_uri: "http://localhost/cb".into(),
            code_verifier: "v".into(),
        });
        let req = pkce.to_http(&cfg()).unwrap();
        assert!(req.headers().get("authorization").is_none());
        assert_eq!(
            body(&pkce),
            "grant_type=authorization_code&code=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&client_id=pub&code_verifier=v"
        );

        let saml = RequestToken::new(Grant::Saml2Bearer {
            client_id: "id".into(),
            client_secret: "s".into(),
            org_name: "My Org".into(),
            assertion: "PHNhbWw+".into(),
        });
        assert_eq!(
            body(&saml),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer&orgName=My+Org&assertion=PHNhbWw%2B"
        );
    }

    #[test]
    fn empty_or_unsafe_credentials_are_refused() {
        for grant in [
            Grant::client_credentials("", "s"),
            Grant::client_credentials("id", ""),
            Grant::client_credentials("id\r\nx", "s"),
        ] {
            assert!(matches!(
                RequestToken::new(grant).to_http(&cfg()),
                Err(Error::InvalidInput { .. })
            ));
        }
    }

    #[test]
    fn token_and_oauth_error_parsing() {
        let op = RequestToken::new(Grant::client_credentials("id", "s"));
        let ok = http::Response::builder()
            .status(200)
            .body(br#"{"access_token":"a.b.c","token_type":"bearer","expires_in":60,"refresh_token":"r","x":1}"#.to_vec())
            .unwrap();
        let token = op.parse(&cfg(), &ok).unwrap();
        assert_eq!(token.access_token.secret(), "a.b.c");
        assert_eq!(token.expires_in, Some(60));
        let debug = format!("{token:?}");
        assert!(
            !debug.contains("a.b.c") && !debug.contains("\"r\""),
            "{debug}"
        );

        let refused = http::Response::builder()
            .status(401)
            .body(br#"{"error":"invalid_client","error_description":"client not found"}"#.to_vec())
            .unwrap();
        let err = op.parse(&cfg(), &refused).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the login host refused the token request with HTTP 401: invalid_client (client not found)"
        );
        let html = http::Response::builder()
            .status(502)
            .body(b"<html>bad gateway</html>".to_vec())
            .unwrap();
        assert_eq!(op.parse(&cfg(), &html).unwrap_err().status(), Some(502));
    }

    #[test]
    fn token_state_renews_before_expiry_and_knows_how() {
        let start = Instant::now();
        let mut state = TokenState::new(Grant::client_credentials("id", "s"));
        assert!(state.usable_token(start).is_none());
        assert_eq!(
            state.renewal().unwrap().grant().grant_type(),
            "client_credentials"
        );
        state.store(
            TokenResponse {
                access_token: AccessToken::new("t1").unwrap(),
                token_type: "bearer".into(),
                expires_in: Some(3600),
                refresh_token: None,
            },
            start,
        );
        assert!(
            state
                .usable_token(start + Duration::from_secs(3539))
                .is_some()
        );
        assert!(
            state
                .usable_token(start + Duration::from_secs(3540))
                .is_none()
        );
        state.invalidate();
        assert!(state.usable_token(start).is_none());

        // A code grant is used once; then only its refresh token renews.
        let mut code = TokenState::new(Grant::AuthorizationCode {
            client_id: "id".into(),
            client_secret: "s".into(),
            code: "c".into(),
            redirect_uri: "https://x/cb".into(),
        });
        assert_eq!(
            code.renewal().unwrap().grant().grant_type(),
            "authorization_code"
        );
        code.store(
            TokenResponse {
                access_token: AccessToken::new("t").unwrap(),
                token_type: "bearer".into(),
                expires_in: Some(60),
                refresh_token: None,
            },
            start,
        );
        assert!(code.renewal().is_none());
        code.store(
            TokenResponse {
                access_token: AccessToken::new("t2").unwrap(),
                token_type: "bearer".into(),
                expires_in: Some(60),
                refresh_token: Some("r".into()),
            },
            start,
        );
        assert_eq!(
            code.renewal().unwrap().grant().grant_type(),
            "refresh_token"
        );
        assert!(
            TokenState::fixed(AccessToken::new("t").unwrap())
                .renewal()
                .is_none()
        );
    }

    #[test]
    fn credentials_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let (cfg, creds) = Credentials::from_env_with(env(&[
            ("GENESYSCLOUD_REGION", "eu-west-1"),
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cret"),
        ]))
        .unwrap();
        assert_eq!(cfg.region(), Some(Region::EuWest1));
        assert!(matches!(
            creds,
            Credentials::Grant(Grant::ClientCredentials { .. })
        ));
        assert!(!format!("{creds:?}").contains("s3cret"));

        let (_, creds) = Credentials::from_env_with(env(&[
            ("GENESYSCLOUD_REGION", "mypurecloud.de"),
            ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
        ]))
        .unwrap();
        assert!(matches!(creds, Credentials::Token(_)));

        let err = Credentials::from_env_with(env(&[]))
            .unwrap_err()
            .to_string();
        for name in [
            "GENESYSCLOUD_REGION",
            "GENESYSCLOUD_OAUTHCLIENT_ID",
            "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        ] {
            assert!(err.contains(&format!("{name} is not set")), "{err}");
        }
        let err = Credentials::from_env_with(env(&[
            ("GENESYSCLOUD_REGION", "mars-1"),
            ("GENESYSCLOUD_ACCESS_TOKEN", "bad token"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("GENESYSCLOUD_REGION is not a known region"),
            "{err}"
        );
        assert!(
            err.contains("GENESYSCLOUD_ACCESS_TOKEN holds characters"),
            "{err}"
        );
        assert!(!err.contains("bad token"), "{err}");
    }

    #[test]
    fn implicit_authorize_url() {
        let url = authorize_url(&cfg(), ResponseType::Token, "c", "https://a/b", "", None).unwrap();
        assert_eq!(
            url,
            "https://login.mypurecloud.com/oauth/authorize?response_type=token&client_id=c&redirect_uri=https%3A%2F%2Fa%2Fb"
        );
    }
}
