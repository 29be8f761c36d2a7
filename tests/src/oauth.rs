//! The login host: `POST /oauth/token` for the five grants of Genesys Cloud, the browser's
//! `GET /oauth/authorize`, authorization codes, rotating refresh tokens, PKCE (S256, with
//! SHA-256 written out here so the check does not share code with the client under test)
//! and SAML2 assertions.
//!
//! Every error of the login host is in the OAuth shape `{"error","error_description"}`;
//! no description ever repeats a secret (a client secret, code, verifier, token or
//! assertion).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use http::{HeaderMap, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::emulator::{
    Dispatch, Emulator, apply_late, dropped, empty_response, json_response, plain,
};
use crate::faults::{CounterCells, Fault};
use crate::identity::{Grant, OAuthClient, Permissions};
use crate::{lock, write};

/// The `grant_type` of the SAML2 bearer grant.
pub(crate) const SAML2_GRANT: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// The keys of [`Counters::token_requests_by_grant`](crate::Counters::token_requests_by_grant):
/// the four grant types, then `other` (missing or unsupported).
pub(crate) const GRANT_KEYS: [&str; 5] = [
    "client_credentials",
    "authorization_code",
    "refresh_token",
    SAML2_GRANT,
    "other",
];

/// The counter index of a token request body: its `grant_type`, or `other`.
pub(crate) fn grant_index(body: &[u8]) -> usize {
    let grant_type = std::str::from_utf8(body).ok().and_then(|text| {
        crate::routes::query_pairs(text)
            .into_iter()
            .find(|(name, _)| name == "grant_type")
            .map(|(_, value)| value)
    });
    grant_type
        .and_then(|g| GRANT_KEYS[..4].iter().position(|k| *k == g))
        .unwrap_or(4)
}

/// What the emulator issued at the login host and has not yet forgotten.
#[derive(Default)]
pub(crate) struct OAuthBook {
    codes: Mutex<HashMap<String, CodeEntry>>,
    refresh_tokens: Mutex<HashMap<String, RefreshEntry>>,
}

impl OAuthBook {
    /// Forgets every code and refresh token.
    pub(crate) fn clear(&self) {
        lock(&self.codes).clear();
        lock(&self.refresh_tokens).clear();
    }
}

/// An authorization code: bound to a client, a user, a redirect URI and maybe a PKCE
/// challenge. It works once.
struct CodeEntry {
    client_id: String,
    user: usize,
    redirect_uri: String,
    challenge: Option<String>,
    used: bool,
}

/// A refresh token: bound to a client and a user. It works once (it rotates).
struct RefreshEntry {
    client_id: String,
    user: usize,
    permissions: Permissions,
    used: bool,
}

/// A refused login request, in the OAuth shape.
#[derive(Debug)]
pub(crate) struct OAuthError {
    status: u16,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        OAuthError::new(400, "invalid_request", description)
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError::new(401, "invalid_client", description)
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        OAuthError::new(400, "invalid_grant", description)
    }

    fn unauthorized_client(description: impl Into<String>) -> Self {
        OAuthError::new(400, "unauthorized_client", description)
    }

    fn response(&self, correlation: &str) -> Response<Vec<u8>> {
        let mut response = oauth_error(self.status, self.error, &self.description, correlation);
        if self.status == 401 {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        }
        response
    }
}

/// An answer in the OAuth error shape.
pub(crate) fn oauth_error(
    status: u16,
    error: &str,
    description: &str,
    correlation: &str,
) -> Response<Vec<u8>> {
    let json = crate::wire::to_json(&crate::wire::OAuthErrorJson {
        error,
        error_description: description,
    });
    json_response(status, json, correlation)
}

/// A token answer: what a successful grant gives.
struct Issued {
    access_token: String,
    expires_in: u64,
    refresh_token: Option<String>,
}

/// An `application/x-www-form-urlencoded` body or query, decoded. A parameter sent
/// without a value counts as absent (RFC 6749 section 3.1).
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(text: &str) -> Result<Form, OAuthError> {
        let pairs = crate::routes::query_pairs(text);
        let mut seen = HashSet::with_capacity(pairs.len());
        for (name, _) in &pairs {
            if !seen.insert(name.as_str()) {
                return Err(OAuthError::invalid_request(format!(
                    "The parameter `{}` is repeated.",
                    printable_name(name)
                )));
            }
        }
        Ok(Form(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("`{name}` is required.")))
    }
}

/// A parameter name as it may appear in a description: short, visible ASCII.
fn printable_name(name: &str) -> String {
    name.chars()
        .take(40)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

/// The client a token request authenticated as.
struct Caller<'a> {
    id: &'a str,
    client: &'a OAuthClient,
}

impl Caller<'_> {
    fn confidential(&self) -> bool {
        self.client.secret.is_some()
    }
}

/// The characters escaped in a query or fragment parameter the emulator writes.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Emulator {
    /// `POST /oauth/token`: faults first (as a gateway's), then the grant.
    pub(crate) fn token_endpoint(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        correlation: &str,
    ) -> Dispatch {
        CounterCells::bump(&self.counters.token_requests);
        self.counters.bump_grant(grant_index(body));
        let fault = self.take_fault(None);
        match &fault {
            Some(Fault::Status {
                status,
                retry_after,
            }) => {
                let error = match status {
                    429 => "too_many_requests",
                    503 => "temporarily_unavailable",
                    s if *s >= 500 => "server_error",
                    _ => "invalid_request",
                };
                let mut response =
                    oauth_error(*status, error, "Injected by a fault rule.", correlation);
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(RETRY_AFTER, HeaderValue::from(*seconds));
                }
                return plain(response);
            }
            Some(Fault::DropConnection) => return dropped(correlation),
            _ => {}
        }
        let response = match self.exchange(headers, body) {
            Ok(issued) => token_response(&issued, correlation),
            Err(e) => e.response(correlation),
        };
        apply_late(fault, response, correlation)
    }

    /// Checks the client, then runs the grant.
    fn exchange(&self, headers: &HeaderMap, body: &[u8]) -> Result<Issued, OAuthError> {
        let form_type = headers
            .get(CONTENT_TYPE)
            .map(|v| {
                v.to_str().ok().is_some_and(|v| {
                    v.split(';').next().is_some_and(|media| {
                        media
                            .trim()
                            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                    })
                })
            })
            .unwrap_or(true);
        if !form_type {
            return Err(OAuthError::invalid_request(
                "The body must be application/x-www-form-urlencoded.",
            ));
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| OAuthError::invalid_request("The body is not UTF-8."))?;
        let form = Form::parse(text)?;
        let caller = self.authenticate_client(headers, &form)?;
        let grant_type = form.require("grant_type")?;
        match grant_type {
            "client_credentials" => {
                if !caller.confidential() {
                    return Err(OAuthError::unauthorized_client(
                        "A public client may only exchange an authorization code with PKCE.",
                    ));
                }
                Ok(self.issue(caller.client.user, &caller.client.permissions, None))
            }
            "authorization_code" => self.exchange_code(&caller, &form),
            "refresh_token" => self.exchange_refresh_token(&caller, &form),
            SAML2_GRANT => self.exchange_saml2(&caller, &form),
            _ => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "The grant_type is not one of client_credentials, authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:saml2-bearer.",
            )),
        }
    }

    /// `Authorization: Basic` for a confidential client; `client_id` in the form, and no
    /// `Authorization`, for a public one.
    fn authenticate_client<'a>(
        &'a self,
        headers: &HeaderMap,
        form: &Form,
    ) -> Result<Caller<'a>, OAuthError> {
        let basic_hint = "Client authentication failed: send Authorization: Basic base64(client_id:client_secret).";
        let Some(value) = headers.get(AUTHORIZATION) else {
            // A public client names itself in the form.
            let Some(client_id) = form.get("client_id") else {
                return Err(OAuthError::invalid_client(basic_hint));
            };
            return match self.ident.clients.get_key_value(client_id) {
                Some((id, client)) if client.secret.is_none() => Ok(Caller { id, client }),
                Some(_) => Err(OAuthError::invalid_client(
                    "This client is confidential: send Authorization: Basic base64(client_id:client_secret).",
                )),
                None => Err(OAuthError::invalid_client("Unknown client_id.")),
            };
        };
        let credentials = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, encoded)| crate::identity::decode_base64(encoded.trim()))
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let Some((client_id, secret)) = credentials.as_deref().and_then(|c| c.split_once(':'))
        else {
            return Err(OAuthError::invalid_client(basic_hint));
        };
        let caller = match self.ident.clients.get_key_value(client_id) {
            Some((id, client)) if client.secret.as_deref() == Some(secret) => Caller { id, client },
            _ => return Err(OAuthError::invalid_client(basic_hint)),
        };
        if form.get("client_id").is_some_and(|id| id != caller.id) {
            return Err(OAuthError::invalid_client(
                "The client_id of the form is not the client of Authorization: Basic.",
            ));
        }
        Ok(caller)
    }

    /// `grant_type=authorization_code`, with or without PKCE.
    ///
    /// The first request that presents a code uses it up, whether it succeeds or not (a
    /// wrong redirect URI or verifier burns the code): a code never works twice.
    fn exchange_code(&self, caller: &Caller<'_>, form: &Form) -> Result<Issued, OAuthError> {
        let code = form.require("code")?;
        let redirect_uri = form.require("redirect_uri")?;
        let verifier = form.get("code_verifier");
        let (user, challenge) = {
            let mut codes = lock(&self.oauth.codes);
            let Some(entry) = codes.get_mut(code) else {
                return Err(OAuthError::invalid_grant(
                    "The authorization code is unknown.",
                ));
            };
            if entry.used {
                return Err(OAuthError::invalid_grant(
                    "The authorization code was already used: a code works once.",
                ));
            }
            entry.used = true;
            if entry.client_id != caller.id {
                return Err(OAuthError::invalid_grant(
                    "The authorization code was issued to another client.",
                ));
            }
            if entry.redirect_uri != redirect_uri {
                return Err(OAuthError::invalid_grant(
                    "The redirect_uri is not the one the authorization code was issued for.",
                ));
            }
            (entry.user, entry.challenge.clone())
        };
        match (challenge, verifier) {
            (Some(challenge), Some(verifier)) => {
                if !is_verifier(verifier) {
                    return Err(OAuthError::invalid_grant(
                        "The code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~.",
                    ));
                }
                if pkce_s256(verifier) != challenge {
                    return Err(OAuthError::invalid_grant(
                        "The code_verifier does not match the code_challenge the code was issued with.",
                    ));
                }
            }
            (Some(_), None) => {
                return Err(OAuthError::invalid_grant(
                    "The code was issued with a code_challenge: code_verifier is required.",
                ));
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "The code was issued without a code_challenge: send no code_verifier.",
                ));
            }
            (None, None) if !caller.confidential() => {
                return Err(OAuthError::invalid_grant(
                    "The code was issued without a code_challenge: a public client must use PKCE.",
                ));
            }
            (None, None) => {}
        }
        let refresh = caller
            .confidential()
            .then(|| self.new_refresh_token(caller.id, user, &caller.client.permissions));
        Ok(self.issue(user, &caller.client.permissions, refresh))
    }

    /// `grant_type=refresh_token`: a new access token and a new refresh token; the one
    /// presented stops working (rotation).
    fn exchange_refresh_token(
        &self,
        caller: &Caller<'_>,
        form: &Form,
    ) -> Result<Issued, OAuthError> {
        if !caller.confidential() {
            return Err(OAuthError::unauthorized_client(
                "A public client may only exchange an authorization code with PKCE.",
            ));
        }
        let presented = form.require("refresh_token")?;
        let (user, permissions) = {
            let mut tokens = lock(&self.oauth.refresh_tokens);
            let Some(entry) = tokens.get_mut(presented) else {
                return Err(OAuthError::invalid_grant("The refresh token is unknown."));
            };
            if entry.used {
                return Err(OAuthError::invalid_grant(
                    "The refresh token was already used: refresh tokens rotate, use the one the last token answer carried.",
                ));
            }
            if entry.client_id != caller.id {
                return Err(OAuthError::invalid_grant(
                    "The refresh token was issued to another client.",
                ));
            }
            entry.used = true;
            (entry.user, entry.permissions.clone())
        };
        let refresh = self.new_refresh_token(caller.id, user, &permissions);
        Ok(self.issue(user, &permissions, Some(refresh)))
    }

    /// `grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer`: a configured assertion
    /// of the named org. Assertions can be presented again (renewal repeats the grant).
    fn exchange_saml2(&self, caller: &Caller<'_>, form: &Form) -> Result<Issued, OAuthError> {
        if !caller.confidential() {
            return Err(OAuthError::unauthorized_client(
                "A public client may only exchange an authorization code with PKCE.",
            ));
        }
        let org_name = form.require("orgName")?;
        let assertion = form.require("assertion")?;
        let Some(entry) = self.ident.saml2.get(assertion) else {
            return Err(OAuthError::invalid_grant(
                "The SAML2 assertion is not valid.",
            ));
        };
        if entry.org_name != org_name {
            return Err(OAuthError::invalid_grant(
                "The SAML2 assertion was not issued for this orgName.",
            ));
        }
        Ok(self.issue(entry.user, &caller.client.permissions, None))
    }

    /// A new access token for `user`, living the configured token lifetime.
    fn issue(
        &self,
        user: usize,
        permissions: &Permissions,
        refresh_token: Option<String>,
    ) -> Issued {
        let access_token = format!("emu-{}", self.ids.uuid().replace('-', ""));
        let lifetime_ms = i64::try_from(self.token_lifetime.as_millis()).unwrap_or(i64::MAX);
        write(&self.issued).insert(
            access_token.clone(),
            Grant {
                user,
                permissions: permissions.clone(),
                expires_at: Some(self.clock.now_millis().saturating_add(lifetime_ms)),
            },
        );
        Issued {
            access_token,
            expires_in: self.token_lifetime.as_secs(),
            refresh_token,
        }
    }

    fn new_refresh_token(&self, client_id: &str, user: usize, permissions: &Permissions) -> String {
        let token = format!("emu-refresh-{}", self.ids.uuid().replace('-', ""));
        lock(&self.oauth.refresh_tokens).insert(
            token.clone(),
            RefreshEntry {
                client_id: client_id.to_owned(),
                user,
                permissions: permissions.clone(),
                used: false,
            },
        );
        token
    }

    fn new_code(
        &self,
        client_id: &str,
        user: usize,
        redirect_uri: &str,
        challenge: Option<&str>,
    ) -> String {
        let code = format!("emu-code-{}", self.ids.uuid().replace('-', ""));
        lock(&self.oauth.codes).insert(
            code.clone(),
            CodeEntry {
                client_id: client_id.to_owned(),
                user,
                redirect_uri: redirect_uri.to_owned(),
                challenge: challenge.map(str::to_owned),
                used: false,
            },
        );
        code
    }

    /// Issues an authorization code, as the login page would after `user_name` signed in
    /// and consented, for the client `client_id` and `redirect_uri`; with
    /// `pkce_challenge` (the S256 challenge, base64url of the SHA-256 of the verifier) the
    /// exchange needs the matching `code_verifier`.
    ///
    /// The code works once, at `POST /oauth/token` with `grant_type=authorization_code`,
    /// for this client and exactly this `redirect_uri`; it stays valid until used or
    /// [`Emulator::reset`]. `None` when the client or the user is unknown.
    ///
    /// ```
    /// use genesys_chat_testkit::Emulator;
    /// let emulator = Emulator::new();
    /// let code = emulator
    ///     .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", "https://app.example/cb", None)
    ///     .expect("a default client and user");
    /// assert!(code.starts_with("emu-code-"));
    /// assert!(emulator.issue_authorization_code("nobody", "bob", "https://app.example/cb", None).is_none());
    /// ```
    pub fn issue_authorization_code(
        &self,
        client_id: &str,
        user_name: &str,
        redirect_uri: &str,
        pkce_challenge: Option<&str>,
    ) -> Option<String> {
        let user = self.ident.by_name(user_name)?;
        let (id, _) = self.ident.clients.get_key_value(client_id)?;
        Some(self.new_code(id, user, redirect_uri, pkce_challenge))
    }

    /// Issues a refresh token of the confidential client `client_id` for `user_name`, as
    /// an authorization-code exchange would have; its access tokens carry the client's
    /// permissions. It works once (refresh tokens rotate: each refresh answer carries the
    /// next one) until [`Emulator::reset`]. `None` when the client is unknown or public,
    /// or the user unknown.
    pub fn issue_refresh_token(&self, client_id: &str, user_name: &str) -> Option<String> {
        let user = self.ident.by_name(user_name)?;
        let (id, client) = self.ident.clients.get_key_value(client_id)?;
        client.secret.as_ref()?;
        Some(self.new_refresh_token(id, user, &client.permissions))
    }

    /// `GET /oauth/authorize`: the browser's way in. There is no login page: the client's
    /// own user (the `user_name` it was added with) signs in and consents at once, and the
    /// answer is `302 Found` to the `redirect_uri` with `code` and `state` in the query
    /// (`response_type=code`), or `access_token`, `token_type`, `expires_in` and `state`
    /// in the fragment (`response_type=token`, the implicit grant).
    pub(crate) fn authorize(&self, query: &str, correlation: &str) -> Response<Vec<u8>> {
        let shown = |e: OAuthError| e.response(correlation);
        let form = match Form::parse(query) {
            Ok(form) => form,
            Err(e) => return shown(e),
        };
        let Some(client_id) = form.get("client_id") else {
            return shown(OAuthError::invalid_request("`client_id` is required."));
        };
        let Some((client_id, client)) = self.ident.clients.get_key_value(client_id) else {
            return shown(OAuthError::invalid_request("Unknown client_id."));
        };
        let Some(redirect_uri) = form.get("redirect_uri") else {
            return shown(OAuthError::invalid_request("`redirect_uri` is required."));
        };
        let absolute = http::Uri::try_from(redirect_uri).is_ok_and(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
        }) && !redirect_uri.contains('#');
        if !absolute {
            return shown(OAuthError::invalid_request(
                "The redirect_uri must be an absolute http or https URI without a fragment.",
            ));
        }
        let state = form.get("state");
        let implicit = form.get("response_type") == Some("token");
        let redirect = |params: &[(&str, &str)]| {
            let mut location = redirect_uri.to_owned();
            let mut sep = if implicit {
                '#'
            } else if redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            for (name, value) in params.iter().copied().chain(state.map(|s| ("state", s))) {
                location.push(sep);
                sep = '&';
                location.push_str(name);
                location.push('=');
                location.extend(utf8_percent_encode(value, COMPONENT));
            }
            let mut response = empty_response(302, correlation);
            match HeaderValue::from_str(&location) {
                Ok(value) => {
                    response.headers_mut().insert(LOCATION, value);
                    response
                        .headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    response
                }
                Err(_) => shown(OAuthError::invalid_request(
                    "The redirect_uri cannot travel in a Location header.",
                )),
            }
        };
        let refuse = |error: &str, description: &str| {
            redirect(&[("error", error), ("error_description", description)])
        };
        let challenge = form.get("code_challenge");
        let method = form.get("code_challenge_method");
        match form.get("response_type") {
            None => return refuse("invalid_request", "response_type is required."),
            Some("code" | "token") => {}
            Some(_) => {
                return refuse(
                    "unsupported_response_type",
                    "response_type must be code or token.",
                );
            }
        }
        if implicit {
            if challenge.is_some() || method.is_some() {
                return refuse(
                    "invalid_request",
                    "PKCE applies to response_type=code only.",
                );
            }
            let issued = self.issue(client.user, &client.permissions, None);
            let expires_in = issued.expires_in.to_string();
            return redirect(&[
                ("access_token", &issued.access_token),
                ("token_type", "bearer"),
                ("expires_in", &expires_in),
            ]);
        }
        match (challenge, method) {
            (Some(challenge), Some("S256")) if is_challenge(challenge) => {}
            (Some(_), Some("S256")) => {
                return refuse(
                    "invalid_request",
                    "code_challenge must be 43 base64url characters (the SHA-256 of the verifier).",
                );
            }
            (Some(_), _) => {
                return refuse(
                    "invalid_request",
                    "code_challenge_method must be S256 (plain is not accepted).",
                );
            }
            (None, Some(_)) => {
                return refuse(
                    "invalid_request",
                    "code_challenge_method without code_challenge.",
                );
            }
            (None, None) if client.secret.is_none() => {
                return refuse(
                    "invalid_request",
                    "A public client must send code_challenge and code_challenge_method=S256.",
                );
            }
            (None, None) => {}
        }
        let code = self.new_code(client_id, client.user, redirect_uri, challenge);
        redirect(&[("code", &code)])
    }
}

/// `200` with the token, `Cache-Control: no-store`.
fn token_response(issued: &Issued, correlation: &str) -> Response<Vec<u8>> {
    let json = crate::wire::to_json(&crate::wire::TokenJson {
        access_token: &issued.access_token,
        token_type: "bearer",
        expires_in: issued.expires_in,
        refresh_token: issued.refresh_token.as_deref(),
    });
    let mut response = json_response(200, json, correlation);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// RFC 7636 section 4.1: 43 to 128 unreserved characters.
fn is_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 challenge: 43 base64url characters (32 bytes, no padding).
fn is_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// The S256 challenge of a verifier: base64url(sha256(verifier)), no padding.
pub(crate) fn pkce_s256(verifier: &str) -> String {
    base64url(&sha256(verifier.as_bytes()))
}

/// Base64url without padding (RFC 4648 section 5).
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [n >> 18, n >> 12, n >> 6, n];
        // 1 byte gives 2 characters, 2 give 3, 3 give 4.
        for s in &sextets[..chunk.len() + 1] {
            out.push(char::from(ALPHABET[(s & 63) as usize]));
        }
    }
    out
}

/// SHA-256 (FIPS 180-4).
pub(crate) fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let bit_len = (message.len() as u64).wrapping_mul(8);
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&bit_len.to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(value);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_fips_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // Padding that spills into a second block, and a million bytes.
        assert_eq!(
            hex(&sha256(&[b'a'; 1_000_000])),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn base64url_has_no_padding_and_the_url_alphabet() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(is_verifier(verifier));
        let challenge = pkce_s256(verifier);
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(is_challenge(&challenge));
        assert!(!is_verifier("short"));
        assert!(!is_verifier(&"a+".repeat(30)));
    }

    #[test]
    fn grant_indices() {
        assert_eq!(grant_index(b"grant_type=client_credentials"), 0);
        assert_eq!(grant_index(b"code=x&grant_type=authorization_code"), 1);
        assert_eq!(grant_index(b"grant_type=refresh_token"), 2);
        assert_eq!(
            grant_index(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer"),
            3
        );
        assert_eq!(grant_index(b"grant_type=password"), 4);
        assert_eq!(grant_index(b""), 4);
        assert_eq!(grant_index(&[0xff, 0xfe]), 4);
    }
}
