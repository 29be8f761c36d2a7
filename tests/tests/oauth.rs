//! The login host of the emulator, in-process, with the form bodies written out as a
//! client sends them: the five grants, one-time codes, rotating refresh tokens, PKCE,
//! SAML2, the OAuth error shape, expiry, counters per grant and `GET /oauth/authorize`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::{T0, assert_error_body, call, keys};
use genesys_chat::models::CreateRoomRequest;
use genesys_chat::operations::{GetChatsRoom, GetChatsSettings, PostChatsRooms};
use genesys_chat_testkit::{BuildError, Emulator, EmulatorBuilder, ManualClock, Permissions};
use serde_json::Value;

/// `emulator-client:emulator-secret`
const BASIC: &str = "Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==";
/// `second-client:second-secret`
const SECOND_BASIC: &str = "Basic c2Vjb25kLWNsaWVudDpzZWNvbmQtc2VjcmV0";
/// `emulator-client:wrong`
const WRONG_BASIC: &str = "Basic ZW11bGF0b3ItY2xpZW50Ondyb25n";
/// `emulator-public-client:` (a public client has no secret to send)
const PUBLIC_BASIC: &str = "Basic ZW11bGF0b3ItcHVibGljLWNsaWVudDo=";

const REDIRECT: &str = "https://app.example.com/callback";
const REDIRECT_FORM: &str = "https%3A%2F%2Fapp.example.com%2Fcallback";
const PUBLIC_REDIRECT: &str = "http://localhost:8080/cb";
const PUBLIC_REDIRECT_FORM: &str = "http%3A%2F%2Flocalhost%3A8080%2Fcb";

/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A base64 SAML2 assertion with `+`, `/` and `=`, which the form must escape.
const ASSERTION: &str = "PHNhbWw+PC9zYW1sPg/x==";
const ASSERTION_FORM: &str = "PHNhbWw%2BPC9zYW1sPg%2Fx%3D%3D";
const SAML2_GRANT_FORM: &str = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer";

struct Login {
    emu: Emulator,
    clock: ManualClock,
}

fn login_host() -> Login {
    let clock = ManualClock::new(T0);
    let emu = EmulatorBuilder::with_defaults()
        .client("second-client", "second-secret", "dave", Permissions::all())
        .saml2_assertion("example", ASSERTION, "carol")
        .clock(clock.clone())
        .token_lifetime(Duration::from_secs(60))
        .seed(7)
        .build()
        .unwrap();
    Login { emu, clock }
}

struct Answer {
    status: u16,
    json: Value,
    headers: http::HeaderMap,
}

impl Answer {
    fn error(&self) -> (u16, &str) {
        (self.status, self.json["error"].as_str().unwrap_or("(none)"))
    }

    fn str(&self, key: &str) -> String {
        self.json[key].as_str().unwrap().to_owned()
    }
}

fn token_request(emu: &Emulator, auth: Option<&str>, body: &str) -> Answer {
    let mut builder = http::Request::post("/oauth/token")
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(auth) = auth {
        builder = builder.header("Authorization", auth);
    }
    answer(emu.handle(builder.body(body.as_bytes().to_vec()).unwrap()))
}

fn answer(response: http::Response<Vec<u8>>) -> Answer {
    let json = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).unwrap()
    };
    Answer {
        status: response.status().as_u16(),
        json,
        headers: response.headers().clone(),
    }
}

/// The id of the user a token acts as: the owner of a room it creates.
fn caller(emu: &Emulator, token: &str) -> String {
    let created = call(
        emu,
        token,
        &PostChatsRooms::new(CreateRoomRequest::new("who")),
    )
    .unwrap_or_else(|e| panic!("the token was refused: {e}"));
    let room = call(emu, token, &GetChatsRoom::new(created.jid().unwrap())).unwrap();
    room.owners.unwrap()[0].id.clone().unwrap()
}

fn user_id(emu: &Emulator, name: &str) -> String {
    emu.user(name).unwrap().id.clone()
}

/// Checks the OAuth error shape and that no secret was echoed.
fn assert_oauth_error(answer: &Answer, status: u16, error: &str, secrets: &[&str]) {
    assert_eq!(answer.error(), (status, error), "{}", answer.json);
    assert_eq!(keys(&answer.json), ["error", "error_description"]);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert!(answer.headers.contains_key("inin-correlation-id"));
    let shown = answer.json.to_string();
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} echoed in {shown}");
    }
    if status == 401 {
        assert_eq!(answer.headers["www-authenticate"], "Basic");
    }
}

fn code_form(code: &str) -> String {
    format!("grant_type=authorization_code&code={code}&redirect_uri={REDIRECT_FORM}")
}

fn pkce_form(code: &str, verifier: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&redirect_uri={PUBLIC_REDIRECT_FORM}&client_id=emulator-public-client&code_verifier={verifier}"
    )
}

#[test]
fn client_credentials() {
    let l = login_host();
    let a = token_request(&l.emu, Some(BASIC), "grant_type=client_credentials");
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(keys(&a.json), ["access_token", "expires_in", "token_type"]);
    assert_eq!(a.json["token_type"], "bearer");
    assert_eq!(a.json["expires_in"], 60);
    assert_eq!(a.headers["cache-control"], "no-store");
    let token = a.str("access_token");
    assert!(token.starts_with("emu-"));
    assert_eq!(caller(&l.emu, &token), user_id(&l.emu, "alice"));
    // The second client's tokens act as its own user.
    let a = token_request(&l.emu, Some(SECOND_BASIC), "grant_type=client_credentials");
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "dave")
    );
}

#[test]
fn an_authorization_code_gives_a_token_and_a_refresh_token_once() {
    let l = login_host();
    let code = l
        .emu
        .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
        .unwrap();
    assert!(code.starts_with("emu-code-"));
    let a = token_request(&l.emu, Some(BASIC), &code_form(&code));
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(
        keys(&a.json),
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    assert!(a.str("refresh_token").starts_with("emu-refresh-"));
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "bob")
    );

    let again = token_request(&l.emu, Some(BASIC), &code_form(&code));
    assert_oauth_error(&again, 400, "invalid_grant", &[&code]);
    assert!(
        again.json["error_description"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{}",
        again.json
    );
    // The token of the first exchange still works.
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "bob")
    );
}

#[test]
fn a_code_is_bound_to_its_client_and_redirect_uri_and_burns_on_any_use() {
    let l = login_host();
    let issue = || {
        l.emu
            .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
            .unwrap()
    };

    let code = issue();
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fevil.example.com%2Fcallback"
        ),
    );
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);
    // The failed attempt used the code up.
    let a = token_request(&l.emu, Some(BASIC), &code_form(&code));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);

    let code = issue();
    let a = token_request(&l.emu, Some(SECOND_BASIC), &code_form(&code));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);

    let a = token_request(&l.emu, Some(BASIC), &code_form("emu-code-unknown"));
    assert_oauth_error(&a, 400, "invalid_grant", &["emu-code-unknown"]);

    let code = issue();
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=authorization_code&redirect_uri={REDIRECT_FORM}"),
    );
    assert_oauth_error(&a, 400, "invalid_request", &[]);
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=authorization_code&code={code}"),
    );
    assert_oauth_error(&a, 400, "invalid_request", &[&code]);
    // A request refused before the code was looked at leaves it usable.
    let a = token_request(&l.emu, Some(WRONG_BASIC), &code_form(&code));
    assert_oauth_error(&a, 401, "invalid_client", &[&code, "wrong"]);
    let a = token_request(&l.emu, Some(BASIC), &code_form(&code));
    assert_eq!(a.status, 200, "{}", a.json);

    // Helpers refuse unknown clients and users.
    assert!(
        l.emu
            .issue_authorization_code("nobody", "bob", REDIRECT, None)
            .is_none()
    );
    assert!(
        l.emu
            .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "nobody", REDIRECT, None)
            .is_none()
    );
}

#[test]
fn sixteen_concurrent_exchanges_of_one_code_give_one_token() {
    let l = Arc::new(login_host());
    let code = l
        .emu
        .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
        .unwrap();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let l = Arc::clone(&l);
            let body = code_form(&code);
            std::thread::spawn(move || token_request(&l.emu, Some(BASIC), &body).status)
        })
        .collect();
    let mut statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200);
    assert!(statuses[1..].iter().all(|s| *s == 400), "{statuses:?}");
    assert_eq!(
        l.emu.counters().token_requests_for("authorization_code"),
        16
    );
}

#[test]
fn refresh_tokens_rotate() {
    let l = login_host();
    let code = l
        .emu
        .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
        .unwrap();
    let first = token_request(&l.emu, Some(BASIC), &code_form(&code)).str("refresh_token");

    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=refresh_token&refresh_token={first}"),
    );
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(
        keys(&a.json),
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    let second = a.str("refresh_token");
    assert_ne!(second, first);
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "bob")
    );

    // The presented refresh token stopped working; the new one works, once.
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=refresh_token&refresh_token={first}"),
    );
    assert_oauth_error(&a, 400, "invalid_grant", &[&first]);
    assert!(
        a.json["error_description"]
            .as_str()
            .unwrap()
            .contains("rotate")
    );
    // Another client cannot use it (and that attempt does not burn it).
    let a = token_request(
        &l.emu,
        Some(SECOND_BASIC),
        &format!("grant_type=refresh_token&refresh_token={second}"),
    );
    assert_oauth_error(&a, 400, "invalid_grant", &[&second]);
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=refresh_token&refresh_token={second}"),
    );
    assert_eq!(a.status, 200, "{}", a.json);

    // Issued directly, for tests that start from a refresh token.
    let issued = l
        .emu
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "carol")
        .unwrap();
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=refresh_token&refresh_token={issued}"),
    );
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "carol")
    );
    assert!(
        l.emu
            .issue_refresh_token(Emulator::DEFAULT_PUBLIC_CLIENT_ID, "carol")
            .is_none(),
        "a public client cannot refresh"
    );

    let a = token_request(&l.emu, Some(BASIC), "grant_type=refresh_token");
    assert_oauth_error(&a, 400, "invalid_request", &[]);
    let a = token_request(
        &l.emu,
        Some(BASIC),
        "grant_type=refresh_token&refresh_token=emu-refresh-unknown",
    );
    assert_oauth_error(&a, 400, "invalid_grant", &["emu-refresh-unknown"]);
    let a = token_request(
        &l.emu,
        None,
        "grant_type=refresh_token&refresh_token=x&client_id=emulator-public-client",
    );
    assert_oauth_error(&a, 400, "unauthorized_client", &[]);
}

#[test]
fn pkce_for_a_public_client() {
    let l = login_host();
    let issue = |challenge: Option<&str>| {
        l.emu
            .issue_authorization_code(
                Emulator::DEFAULT_PUBLIC_CLIENT_ID,
                "bob",
                PUBLIC_REDIRECT,
                challenge,
            )
            .unwrap()
    };

    let code = issue(Some(CHALLENGE));
    let a = token_request(&l.emu, None, &pkce_form(&code, VERIFIER));
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(
        keys(&a.json),
        ["access_token", "expires_in", "token_type"],
        "no refresh token for a public client"
    );
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "bob")
    );

    // A wrong verifier (well formed: the RFC's with its last letter changed).
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj";
    let code = issue(Some(CHALLENGE));
    let a = token_request(&l.emu, None, &pkce_form(&code, wrong));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code, wrong, CHALLENGE]);
    // ... burned the code: the right verifier comes too late.
    let a = token_request(&l.emu, None, &pkce_form(&code, VERIFIER));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code, VERIFIER]);

    // A malformed verifier, a missing one, a code without a challenge.
    let code = issue(Some(CHALLENGE));
    let a = token_request(&l.emu, None, &pkce_form(&code, "too-short"));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);
    let code = issue(Some(CHALLENGE));
    let a = token_request(
        &l.emu,
        None,
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri={PUBLIC_REDIRECT_FORM}&client_id=emulator-public-client"
        ),
    );
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);
    let code = issue(None);
    let a = token_request(
        &l.emu,
        None,
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri={PUBLIC_REDIRECT_FORM}&client_id=emulator-public-client"
        ),
    );
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);
    let code = issue(None);
    let a = token_request(&l.emu, None, &pkce_form(&code, VERIFIER));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code, VERIFIER]);

    // A public client has no secret to authenticate with, and only this grant.
    let code = issue(Some(CHALLENGE));
    let a = token_request(&l.emu, Some(PUBLIC_BASIC), &pkce_form(&code, VERIFIER));
    assert_oauth_error(&a, 401, "invalid_client", &[&code, VERIFIER]);
    let a = token_request(
        &l.emu,
        None,
        "grant_type=client_credentials&client_id=emulator-public-client",
    );
    assert_oauth_error(&a, 400, "unauthorized_client", &[]);
    // A confidential client cannot leave out its secret by naming itself in the form.
    let a = token_request(
        &l.emu,
        None,
        "grant_type=client_credentials&client_id=emulator-client&client_secret=emulator-secret",
    );
    assert_oauth_error(&a, 401, "invalid_client", &["emulator-secret"]);
    let a = token_request(
        &l.emu,
        None,
        "grant_type=client_credentials&client_id=nobody",
    );
    assert_oauth_error(&a, 401, "invalid_client", &[]);
}

#[test]
fn pkce_for_a_confidential_client() {
    let l = login_host();
    let code = l
        .emu
        .issue_authorization_code(
            Emulator::DEFAULT_CLIENT_ID,
            "bob",
            REDIRECT,
            Some(CHALLENGE),
        )
        .unwrap();
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("{}&code_verifier={VERIFIER}", code_form(&code)),
    );
    assert_eq!(a.status, 200, "{}", a.json);
    assert!(a.json["refresh_token"].is_string());
    let code = l
        .emu
        .issue_authorization_code(
            Emulator::DEFAULT_CLIENT_ID,
            "bob",
            REDIRECT,
            Some(CHALLENGE),
        )
        .unwrap();
    let a = token_request(&l.emu, Some(BASIC), &code_form(&code));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);
}

#[test]
fn saml2_bearer() {
    let l = login_host();
    let body = format!("grant_type={SAML2_GRANT_FORM}&orgName=example&assertion={ASSERTION_FORM}");
    let a = token_request(&l.emu, Some(BASIC), &body);
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(keys(&a.json), ["access_token", "expires_in", "token_type"]);
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "carol")
    );
    // The assertion can be presented again (renewal repeats the grant).
    let again = token_request(&l.emu, Some(BASIC), &body);
    assert_eq!(again.status, 200);
    assert_ne!(again.str("access_token"), a.str("access_token"));

    let secrets = [ASSERTION, ASSERTION_FORM];
    for (auth, body, status, error) in [
        (
            Some(BASIC),
            format!("grant_type={SAML2_GRANT_FORM}&orgName=other&assertion={ASSERTION_FORM}"),
            400,
            "invalid_grant",
        ),
        (
            Some(BASIC),
            // Unescaped, `+` is a space and `/`, `=` are kept: not the assertion.
            format!("grant_type={SAML2_GRANT_FORM}&orgName=example&assertion={ASSERTION}"),
            400,
            "invalid_grant",
        ),
        (
            Some(BASIC),
            format!("grant_type={SAML2_GRANT_FORM}&orgName=example"),
            400,
            "invalid_request",
        ),
        (
            Some(BASIC),
            format!("grant_type={SAML2_GRANT_FORM}&assertion={ASSERTION_FORM}"),
            400,
            "invalid_request",
        ),
        (None, body.clone(), 401, "invalid_client"),
        (Some(WRONG_BASIC), body.clone(), 401, "invalid_client"),
        (
            None,
            format!(
                "grant_type={SAML2_GRANT_FORM}&orgName=example&assertion={ASSERTION_FORM}&client_id=emulator-public-client"
            ),
            400,
            "unauthorized_client",
        ),
    ] {
        let a = token_request(&l.emu, auth, &body);
        assert_oauth_error(&a, status, error, &secrets);
    }

    assert!(matches!(
        EmulatorBuilder::with_defaults()
            .saml2_assertion("example", "a", "nobody")
            .build(),
        Err(BuildError::UnknownUser(_))
    ));
    let err = EmulatorBuilder::with_defaults()
        .saml2_assertion("example", "", "bob")
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::InvalidAssertion);
}

#[test]
fn oauth_errors_have_their_codes_and_shape() {
    let l = login_host();
    for (auth, content_type, body, status, error) in [
        (
            Some(BASIC),
            "application/x-www-form-urlencoded",
            "grant_type=password&username=a&password=b",
            400,
            "unsupported_grant_type",
        ),
        (
            Some(BASIC),
            "application/x-www-form-urlencoded",
            "",
            400,
            "invalid_request",
        ),
        (
            Some(BASIC),
            "application/x-www-form-urlencoded",
            "grant_type=",
            400,
            "invalid_request",
        ),
        (
            Some(BASIC),
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&grant_type=client_credentials",
            400,
            "invalid_request",
        ),
        (
            Some(BASIC),
            "application/json",
            r#"{"grant_type":"client_credentials"}"#,
            400,
            "invalid_request",
        ),
        (
            Some(BASIC),
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&client_id=second-client",
            401,
            "invalid_client",
        ),
        (
            None,
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            Some(WRONG_BASIC),
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            Some("Bearer emulator-token-alice"),
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            Some("Basic !!!"),
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
    ] {
        let mut request = http::Request::post("/oauth/token").header("Content-Type", content_type);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let a = answer(
            l.emu
                .handle(request.body(body.as_bytes().to_vec()).unwrap()),
        );
        assert_oauth_error(
            &a,
            status,
            error,
            &["emulator-secret", "wrong", "emulator-token-alice"],
        );
    }
    // The form's own charset parameter is fine; so is no Content-Type at all.
    let request = http::Request::post("/oauth/token")
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .header("Authorization", BASIC)
        .body(b"grant_type=client_credentials".to_vec())
        .unwrap();
    assert_eq!(l.emu.handle(request).status(), 200);
}

#[test]
fn expired_tokens_of_every_grant_get_401_with_an_error_body() {
    let l = login_host();
    let code = l
        .emu
        .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
        .unwrap();
    let pkce_code = l
        .emu
        .issue_authorization_code(
            Emulator::DEFAULT_PUBLIC_CLIENT_ID,
            "bob",
            PUBLIC_REDIRECT,
            Some(CHALLENGE),
        )
        .unwrap();
    let refresh = l
        .emu
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "carol")
        .unwrap();
    let tokens: Vec<String> = [
        (Some(BASIC), "grant_type=client_credentials".to_owned()),
        (Some(BASIC), code_form(&code)),
        (
            Some(BASIC),
            format!("grant_type=refresh_token&refresh_token={refresh}"),
        ),
        (None, pkce_form(&pkce_code, VERIFIER)),
        (
            Some(BASIC),
            format!("grant_type={SAML2_GRANT_FORM}&orgName=example&assertion={ASSERTION_FORM}"),
        ),
    ]
    .into_iter()
    .map(|(auth, body)| {
        let a = token_request(&l.emu, auth, &body);
        assert_eq!(a.status, 200, "{body}: {}", a.json);
        a.str("access_token")
    })
    .collect();

    let settings = |token: &str| {
        l.emu.handle(
            http::Request::get("/api/v2/chats/settings")
                .header("Authorization", format!("Bearer {token}"))
                .body(Vec::new())
                .unwrap(),
        )
    };
    l.clock.advance(Duration::from_millis(59_999));
    for token in &tokens {
        assert_eq!(settings(token).status(), 200);
    }
    l.clock.advance(Duration::from_millis(1));
    for token in &tokens {
        let response = settings(token);
        assert_error_body(&response, 401, "bad.credentials");
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert!(!body.to_string().contains(token.as_str()));
    }
    // The core reads it as an API error with the Genesys code.
    let err = call(&l.emu, &tokens[0], &GetChatsSettings::new()).unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[test]
fn counters_by_grant() {
    let l = login_host();
    let code = l
        .emu
        .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
        .unwrap();
    token_request(&l.emu, Some(BASIC), "grant_type=client_credentials");
    token_request(&l.emu, None, "grant_type=client_credentials");
    let refresh = token_request(&l.emu, Some(BASIC), &code_form(&code)).str("refresh_token");
    token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    );
    token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type={SAML2_GRANT_FORM}&orgName=example&assertion={ASSERTION_FORM}"),
    );
    token_request(&l.emu, Some(BASIC), "grant_type=password");
    token_request(&l.emu, Some(BASIC), "");

    let counters = l.emu.counters();
    let expected: BTreeMap<String, u64> = [
        ("client_credentials", 2),
        ("authorization_code", 1),
        ("refresh_token", 1),
        ("urn:ietf:params:oauth:grant-type:saml2-bearer", 1),
        ("other", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(counters.token_requests_by_grant, expected);
    assert_eq!(counters.token_requests, 7);
    assert_eq!(counters.token_requests_for("refresh_token"), 1);
    assert_eq!(counters.token_requests_for("implicit"), 0);
    let json = serde_json::to_value(&counters).unwrap();
    assert_eq!(json["tokenRequestsByGrant"]["client_credentials"], 2);
    assert!(json.get("authorizeRequests").is_none(), "left out while 0");

    l.emu.reset();
    let counters = l.emu.counters();
    assert!(counters.token_requests_by_grant.is_empty());
    assert!(
        serde_json::to_value(&counters)
            .unwrap()
            .get("tokenRequestsByGrant")
            .is_none()
    );
}

#[test]
fn reset_forgets_codes_and_refresh_tokens() {
    let l = login_host();
    let code = l
        .emu
        .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, "bob", REDIRECT, None)
        .unwrap();
    let refresh = l
        .emu
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "bob")
        .unwrap();
    l.emu.reset();
    let a = token_request(&l.emu, Some(BASIC), &code_form(&code));
    assert_oauth_error(&a, 400, "invalid_grant", &[&code]);
    let a = token_request(
        &l.emu,
        Some(BASIC),
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    );
    assert_oauth_error(&a, 400, "invalid_grant", &[&refresh]);
}

fn authorize(emu: &Emulator, query: &str) -> (u16, Option<String>, Value) {
    let response = emu.handle(
        http::Request::get(format!("/oauth/authorize?{query}"))
            .body(Vec::new())
            .unwrap(),
    );
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let a = answer(response);
    (a.status, location, a.json)
}

/// The value of `name` in the query (or fragment) of a redirect.
fn param(location: &str, name: &str) -> Option<String> {
    let (_, params) = location.split_once(['?', '#'])?;
    params.split('&').find_map(|pair| {
        let (n, v) = pair.split_once('=')?;
        (n == name).then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8()
                .unwrap()
                .into_owned()
        })
    })
}

#[test]
fn the_browser_authorize_endpoint() {
    let l = login_host();
    // PKCE: the challenge travels in the URL, the verifier in the exchange.
    let (status, location, _) = authorize(
        &l.emu,
        &format!(
            "response_type=code&client_id=emulator-public-client&redirect_uri={PUBLIC_REDIRECT_FORM}&state=xyz%201&code_challenge={CHALLENGE}&code_challenge_method=S256"
        ),
    );
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(
        location.starts_with("http://localhost:8080/cb?code=emu-code-"),
        "{location}"
    );
    assert_eq!(param(&location, "state").as_deref(), Some("xyz 1"));
    let code = param(&location, "code").unwrap();
    let a = token_request(&l.emu, None, &pkce_form(&code, VERIFIER));
    assert_eq!(a.status, 200, "{}", a.json);
    // The client's user signed in.
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "alice")
    );

    // A confidential client, a redirect URI with a query of its own.
    let (status, location, _) = authorize(
        &l.emu,
        "response_type=code&client_id=second-client&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1",
    );
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.starts_with("https://app.example.com/cb?x=1&code="));
    let code = param(&location, "code").unwrap();
    let a = token_request(
        &l.emu,
        Some(SECOND_BASIC),
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1"
        ),
    );
    assert_eq!(
        caller(&l.emu, &a.str("access_token")),
        user_id(&l.emu, "dave")
    );

    // The implicit grant: the token in the fragment.
    let (status, location, _) = authorize(
        &l.emu,
        &format!(
            "response_type=token&client_id=emulator-public-client&redirect_uri={PUBLIC_REDIRECT_FORM}&state=s"
        ),
    );
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.starts_with("http://localhost:8080/cb#access_token=emu-"));
    assert_eq!(param(&location, "token_type").as_deref(), Some("bearer"));
    assert_eq!(param(&location, "expires_in").as_deref(), Some("60"));
    assert_eq!(param(&location, "state").as_deref(), Some("s"));
    let token = param(&location, "access_token").unwrap();
    assert_eq!(caller(&l.emu, &token), user_id(&l.emu, "alice"));

    // Errors after the client and redirect URI are known go back to the redirect URI.
    for (query, error) in [
        (
            format!(
                "response_type=code&client_id=emulator-public-client&redirect_uri={PUBLIC_REDIRECT_FORM}&state=s"
            ),
            "invalid_request",
        ),
        (
            format!(
                "response_type=code&client_id=emulator-public-client&redirect_uri={PUBLIC_REDIRECT_FORM}&code_challenge={VERIFIER}&code_challenge_method=plain&state=s"
            ),
            "invalid_request",
        ),
        (
            format!(
                "response_type=code&client_id=emulator-public-client&redirect_uri={PUBLIC_REDIRECT_FORM}&code_challenge=short&code_challenge_method=S256&state=s"
            ),
            "invalid_request",
        ),
        (
            format!(
                "response_type=id_token&client_id=emulator-client&redirect_uri={PUBLIC_REDIRECT_FORM}&state=s"
            ),
            "unsupported_response_type",
        ),
        (
            format!("client_id=emulator-client&redirect_uri={PUBLIC_REDIRECT_FORM}&state=s"),
            "invalid_request",
        ),
    ] {
        let (status, location, _) = authorize(&l.emu, &query);
        assert_eq!(status, 302, "{query}");
        let location = location.unwrap();
        assert!(location.starts_with(PUBLIC_REDIRECT), "{location}");
        assert_eq!(param(&location, "error").as_deref(), Some(error), "{query}");
        assert!(param(&location, "error_description").is_some());
        assert_eq!(param(&location, "state").as_deref(), Some("s"));
        assert!(param(&location, "code").is_none());
    }
    // An unknown client or a bad redirect URI is not redirected to.
    for query in [
        format!("response_type=code&client_id=nobody&redirect_uri={PUBLIC_REDIRECT_FORM}"),
        "response_type=code&client_id=emulator-client".to_owned(),
        "response_type=code&client_id=emulator-client&redirect_uri=%2Frelative".to_owned(),
        "response_type=code&client_id=emulator-client&redirect_uri=https%3A%2F%2Fa.example%2F%23frag"
            .to_owned(),
    ] {
        let (status, location, json) = authorize(&l.emu, &query);
        assert_eq!(status, 400, "{query}");
        assert!(location.is_none());
        assert_eq!(json["error"], "invalid_request");
    }
    let counters = l.emu.counters();
    assert_eq!(counters.authorize_requests, 3 + 5 + 4);
    assert_eq!(
        serde_json::to_value(&counters).unwrap()["authorizeRequests"],
        12
    );
}

#[test]
fn the_core_builds_requests_the_login_host_accepts() {
    // The core's own token requests and authorize URL, answered in-process.
    use genesys_chat::auth::{Grant, PkceVerifier, RequestToken, ResponseType, authorize_url};
    use genesys_chat::{Config, Operation};

    let l = login_host();
    let cfg = Config::with_base_url("http://127.0.0.1").unwrap();
    let verifier = PkceVerifier::from_random_bytes(&[42u8; 32]).unwrap();
    let url = authorize_url(
        &cfg,
        ResponseType::Code,
        Emulator::DEFAULT_PUBLIC_CLIENT_ID,
        PUBLIC_REDIRECT,
        "st",
        Some(&verifier),
    )
    .unwrap();
    let query = url.split_once('?').unwrap().1;
    let (status, location, _) = authorize(&l.emu, query);
    assert_eq!(status, 302);
    let code = param(&location.unwrap(), "code").unwrap();
    let op = RequestToken::new(Grant::Pkce {
        client_id: Emulator::DEFAULT_PUBLIC_CLIENT_ID.to_owned(),
        code: code.into(),
        redirect_uri: PUBLIC_REDIRECT.to_owned(),
        code_verifier: verifier,
    });
    let token = op
        .parse(&cfg, &l.emu.handle(op.to_http(&cfg).unwrap()))
        .unwrap();
    assert!(token.access_token.secret().starts_with("emu-"));

    let op = RequestToken::new(Grant::Saml2Bearer {
        client_id: Emulator::DEFAULT_CLIENT_ID.to_owned(),
        client_secret: Emulator::DEFAULT_CLIENT_SECRET.into(),
        org_name: "example".to_owned(),
        assertion: ASSERTION.into(),
    });
    let token = op
        .parse(&cfg, &l.emu.handle(op.to_http(&cfg).unwrap()))
        .unwrap();
    assert_eq!(token.expires_in, Some(60));
}
