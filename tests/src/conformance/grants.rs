//! The grant checks: every OAuth grant end to end against the loopback emulator: client
//! credentials, authorization code (then renewal with its rotating refresh token),
//! refresh token, PKCE (from fixed random bytes, the challenge carried by the authorize
//! URL) and SAML2 bearer; a code used twice and a wrong verifier fail clearly; many
//! concurrent callers share one code exchange and one refresh; a code whose answer was
//! lost is not sent again; no secret shows in `Debug` or `Display`.
//!
//! The emulator's clock is manual: advancing it past the token lifetime makes the
//! emulator refuse the client's token (401), which the client answers with one renewal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use genesys_chat::auth::{Credentials, Grant, PkceVerifier, ResponseType, authorize_url};
use genesys_chat::models::CreateRoomRequest;
use genesys_chat::operations::{GetChatsRoom, GetChatsSettings, PostChatsRooms};
use genesys_chat::{Config, Error};

use super::{Caller, Check, Checked, Maker, Settings};
use crate::server::Server;
use crate::{Emulator, EmulatorBuilder, Fault, FaultRoute, FaultRule, ManualClock};

/// The grant checks, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "client credentials log in and renew after a 401",
            run: client_credentials_log_in_and_renew_after_a_401::<C>,
        },
        Check {
            name: "an authorization code, then renewal with its rotating refresh token",
            run: an_authorization_code_then_renewal_with_its_rotating_refresh_token::<C>,
        },
        Check {
            name: "a refresh token logs in and rotates",
            run: a_refresh_token_logs_in_and_rotates::<C>,
        },
        Check {
            name: "PKCE with the challenge in the authorize URL; no renewal without a refresh token",
            run: pkce_with_the_challenge_in_the_authorize_url::<C>,
        },
        Check {
            name: "SAML2 bearer logs in and renews by repeating the assertion",
            run: saml2_bearer_logs_in_and_renews_by_repeating_the_assertion::<C>,
        },
        Check {
            name: "a code used twice is invalid_grant, once per call",
            run: a_code_used_twice_is_invalid_grant_once_per_call::<C>,
        },
        Check {
            name: "a wrong PKCE verifier is invalid_grant",
            run: a_wrong_pkce_verifier_is_invalid_grant::<C>,
        },
        Check {
            name: "16 concurrent callers share one code exchange and one refresh",
            run: sixteen_concurrent_callers_share_one_code_exchange_and_one_refresh::<C>,
        },
        Check {
            name: "16 concurrent callers with a used code each fail once",
            run: concurrent_callers_with_a_used_code_each_fail_once::<C>,
        },
        Check {
            name: "a code exchange whose answer was lost is not sent again",
            run: a_code_exchange_whose_answer_was_lost_is_not_sent_again::<C>,
        },
        Check {
            name: "no secret in the Debug or Display of credentials, clients and errors of every grant",
            run: no_secret_in_debug_or_display::<C>,
        },
    ]
}

/// 2026-11-25T16:42:06.415Z
const T0: i64 = 1_795_624_926_415;
const LIFETIME: Duration = Duration::from_secs(3600);
const REDIRECT: &str = "https://app.example.com/callback";
const PUBLIC_REDIRECT: &str = "http://localhost:8080/cb";
const ORG: &str = "example";
/// A base64 SAML2 assertion with `+`, `/` and `=`, which the form must escape.
const ASSERTION: &str = "PHNhbWw+PC9zYW1sPg/x==";
/// "Random" bytes for the PKCE verifier, fixed so the check is reproducible.
const RANDOM: [u8; 32] = [
    0x3a, 0x91, 0x0c, 0xe7, 0x55, 0x12, 0xbd, 0x48, 0x9f, 0x06, 0x7e, 0xc3, 0x21, 0xda, 0x64, 0xf0,
    0x8b, 0x37, 0xae, 0x19, 0x5c, 0xe2, 0x70, 0x0d, 0xb6, 0x43, 0x98, 0x2f, 0xc1, 0x5a, 0xe4, 0x7b,
];
const OTHER_RANDOM: [u8; 32] = [0x5a; 32];

/// A loopback emulator on a manual clock, with a SAML2 assertion for `carol`.
pub(super) struct Login {
    server: Server,
    clock: ManualClock,
}

impl Login {
    pub(super) fn new() -> Login {
        let clock = ManualClock::new(T0);
        let emulator = EmulatorBuilder::with_defaults()
            .saml2_assertion(ORG, ASSERTION, "carol")
            .clock(clock.clone())
            .token_lifetime(LIFETIME)
            .build()
            .unwrap();
        Login {
            server: Server::start(Arc::new(emulator)).unwrap(),
            clock,
        }
    }

    fn emulator(&self) -> &Emulator {
        self.server.emulator()
    }

    fn config(&self) -> Config {
        Config::with_base_url(&self.server.base_url()).unwrap()
    }

    fn client<C: Caller>(&self, make: &mut Maker<'_, C>, credentials: Credentials) -> C {
        let mut settings = Settings::new(self.server.base_url());
        settings.credentials = Some(credentials);
        make(&settings).unwrap()
    }

    /// Every token issued so far expires for the emulator; the client does not know yet.
    fn expire_tokens(&self) {
        self.clock.advance(LIFETIME);
    }

    fn user_id(&self, name: &str) -> String {
        self.emulator().user(name).unwrap().id.clone()
    }

    fn by_grant(&self, grant_type: &str) -> u64 {
        self.emulator().counters().token_requests_for(grant_type)
    }

    fn code(&self, user: &str, challenge: Option<&str>) -> String {
        self.emulator()
            .issue_authorization_code(Emulator::DEFAULT_CLIENT_ID, user, REDIRECT, challenge)
            .unwrap()
    }

    /// The public client's authorize URL, with the challenge of `verifier`.
    fn authorize_url(&self, state: &str, verifier: &PkceVerifier) -> String {
        authorize_url(
            &self.config(),
            ResponseType::Code,
            Emulator::DEFAULT_PUBLIC_CLIENT_ID,
            PUBLIC_REDIRECT,
            state,
            Some(verifier),
        )
        .unwrap()
    }

    /// Follows the authorize URL like a browser would, up to the redirect: the code and
    /// state the login host sends back.
    fn browser(&self, authorize_url: &str) -> (String, String) {
        let (status, location) = get_without_redirect(authorize_url);
        assert_eq!(status, 302, "the authorize endpoint's status");
        assert!(location.starts_with(PUBLIC_REDIRECT), "{location}");
        let param = |name: &str| {
            let query = location.split_once('?').unwrap().1;
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        (param("code"), param("state"))
    }
}

/// One `GET` of a loopback `http://` URL over a fresh connection: the status and the
/// `Location` header (empty when there is none).
fn get_without_redirect(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let head = &answer[..answer.find("\r\n\r\n").unwrap()];
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let location = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    (status.parse().unwrap(), location)
}

fn client_credentials() -> Credentials {
    Credentials::client_credentials(Emulator::DEFAULT_CLIENT_ID, Emulator::DEFAULT_CLIENT_SECRET)
}

fn code_grant(code: &str) -> Credentials {
    Credentials::Grant(Grant::AuthorizationCode {
        client_id: Emulator::DEFAULT_CLIENT_ID.to_owned(),
        client_secret: Emulator::DEFAULT_CLIENT_SECRET.into(),
        code: code.into(),
        redirect_uri: REDIRECT.to_owned(),
    })
}

fn pkce_grant(code: &str, verifier: PkceVerifier) -> Credentials {
    Credentials::Grant(Grant::Pkce {
        client_id: Emulator::DEFAULT_PUBLIC_CLIENT_ID.to_owned(),
        code: code.into(),
        redirect_uri: PUBLIC_REDIRECT.to_owned(),
        code_verifier: verifier,
    })
}

fn saml2_grant() -> Credentials {
    Credentials::Grant(Grant::Saml2Bearer {
        client_id: Emulator::DEFAULT_CLIENT_ID.to_owned(),
        client_secret: Emulator::DEFAULT_CLIENT_SECRET.into(),
        org_name: ORG.to_owned(),
        assertion: ASSERTION.into(),
    })
}

fn settings_call<C: Caller>(client: &C) -> Result<(), Error> {
    client.call(GetChatsSettings::new()).map(|_| ())
}

/// The id of the user the client acts as: the owner of a room it creates.
fn caller<C: Caller>(client: &C) -> String {
    let created = client
        .call(PostChatsRooms::new(CreateRoomRequest::new("who")))
        .unwrap()
        .output;
    let room = client
        .call(GetChatsRoom::new(created.jid().unwrap()))
        .unwrap()
        .output;
    room.owners.unwrap()[0].id.clone().unwrap()
}

fn assert_invalid_grant<T>(result: Result<T, Error>) -> Error {
    match result {
        Err(err @ Error::OAuth { status: 400, .. }) => {
            assert!(
                matches!(&err, Error::OAuth { error, .. } if error == "invalid_grant"),
                "{err:?}"
            );
            err
        }
        Err(other) => panic!("expected invalid_grant, got {other:?}"),
        Ok(_) => panic!("expected invalid_grant, got a success"),
    }
}

/// `callers` threads each run one `getChatsSettings` on `client` at once.
fn burst<C: Caller>(client: &Arc<C>, callers: usize) -> Vec<Result<(), Error>> {
    let threads: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || settings_call(&*client))
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn client_credentials_log_in_and_renew_after_a_401<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let client = l.client(make, client_credentials());
    assert_eq!(caller(&client), l.user_id("alice"));
    assert_eq!(l.by_grant("client_credentials"), 1);
    l.expire_tokens();
    settings_call(&client)?;
    assert_eq!(l.by_grant("client_credentials"), 2);
    assert_eq!(l.emulator().counters().operation("getChatsSettings"), 2);
    Ok(vec![])
}

fn an_authorization_code_then_renewal_with_its_rotating_refresh_token<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let l = Login::new();
    let client = l.client(make, code_grant(&l.code("bob", None)));
    assert_eq!(caller(&client), l.user_id("bob"));
    assert_eq!(l.by_grant("authorization_code"), 1);
    assert_eq!(l.by_grant("refresh_token"), 0);

    // The token is refused: one renewal, with the refresh token the code gave.
    l.expire_tokens();
    assert_eq!(caller(&client), l.user_id("bob"));
    assert_eq!(l.by_grant("refresh_token"), 1);
    // And again: the emulator rotated the refresh token, so this one only works if the
    // client kept the new one.
    l.expire_tokens();
    assert_eq!(caller(&client), l.user_id("bob"));
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests_for("authorization_code"), 1);
    assert_eq!(counters.token_requests_for("refresh_token"), 2);
    assert_eq!(counters.token_requests, 3);
    // Three rooms created, two of the attempts refused once with 401 and sent again.
    assert_eq!(counters.operation("postChatsRooms"), 5);
    Ok(vec![])
}

fn a_refresh_token_logs_in_and_rotates<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let issued = l
        .emulator()
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "carol")
        .unwrap();
    let client = l.client(
        make,
        Credentials::refresh_token(
            Emulator::DEFAULT_CLIENT_ID,
            Emulator::DEFAULT_CLIENT_SECRET,
            issued.clone(),
        ),
    );
    assert_eq!(caller(&client), l.user_id("carol"));
    l.expire_tokens();
    assert_eq!(caller(&client), l.user_id("carol"));
    assert_eq!(l.by_grant("refresh_token"), 2);

    // The refresh token given at the start was used up by the first refresh.
    let late = l.client(
        make,
        Credentials::refresh_token(
            Emulator::DEFAULT_CLIENT_ID,
            Emulator::DEFAULT_CLIENT_SECRET,
            issued,
        ),
    );
    assert_invalid_grant(settings_call(&late));
    assert_eq!(l.by_grant("refresh_token"), 3);
    Ok(vec![])
}

fn pkce_with_the_challenge_in_the_authorize_url<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let verifier = PkceVerifier::from_random_bytes(&RANDOM).unwrap();
    let url = l.authorize_url("state-1", &verifier);
    assert!(
        url.contains(&format!(
            "&code_challenge={}&code_challenge_method=S256",
            verifier.challenge()
        )),
        "{url}"
    );
    let (code, state) = l.browser(&url);
    assert_eq!(state, "state-1");

    let client = l.client(make, pkce_grant(&code, verifier));
    // The public client's user signed in at the authorize endpoint.
    assert_eq!(caller(&client), l.user_id("alice"));
    assert_eq!(l.by_grant("authorization_code"), 1);

    // A public client gets no refresh token and its code is used up: once the token is
    // refused, the client says so clearly, after one attempt and no token request.
    l.expire_tokens();
    let err = settings_call(&client).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("cannot renew"), "{err}");
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.operation("getChatsSettings"), 1);
    Ok(vec![])
}

fn saml2_bearer_logs_in_and_renews_by_repeating_the_assertion<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let l = Login::new();
    let client = l.client(make, saml2_grant());
    assert_eq!(caller(&client), l.user_id("carol"));
    l.expire_tokens();
    assert_eq!(caller(&client), l.user_id("carol"));
    assert_eq!(
        l.by_grant("urn:ietf:params:oauth:grant-type:saml2-bearer"),
        2
    );
    Ok(vec![])
}

fn a_code_used_twice_is_invalid_grant_once_per_call<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let code = l.code("bob", None);
    let first = l.client(make, code_grant(&code));
    settings_call(&first)?;

    let second = l.client(make, code_grant(&code));
    let err = assert_invalid_grant(settings_call(&second));
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert_eq!(l.by_grant("authorization_code"), 2);
    // Calling again asks once more and fails the same way: no loop, no panic.
    assert_invalid_grant(settings_call(&second));
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests_for("authorization_code"), 3);
    assert_eq!(
        counters.operation("getChatsSettings"),
        1,
        "only the first client's"
    );
    // The first client is not disturbed.
    settings_call(&first)?;
    Ok(vec![])
}

fn a_wrong_pkce_verifier_is_invalid_grant<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let verifier = PkceVerifier::from_random_bytes(&RANDOM).unwrap();
    let url = l.authorize_url("s", &verifier);
    let (code, _) = l.browser(&url);
    let wrong = PkceVerifier::from_random_bytes(&OTHER_RANDOM).unwrap();
    let client = l.client(make, pkce_grant(&code, wrong));
    assert_invalid_grant(settings_call(&client));
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.api_requests(), 0);
    Ok(vec![])
}

fn sixteen_concurrent_callers_share_one_code_exchange_and_one_refresh<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let l = Login::new();
    let client = Arc::new(l.client(make, code_grant(&l.code("bob", None))));
    for result in burst(&client, 16) {
        result?;
    }
    assert_eq!(l.by_grant("authorization_code"), 1);
    // Every caller's token is refused at once: one refresh for all (a second one would
    // present the rotated-out refresh token and fail).
    l.expire_tokens();
    for result in burst(&client, 16) {
        result?;
    }
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests_for("refresh_token"), 1);
    assert_eq!(counters.token_requests, 2);
    // 16, then 16 more with at most one 401 each.
    let calls = counters.operation("getChatsSettings");
    assert!((16 + 16..=16 + 32).contains(&calls), "{calls}");
    Ok(vec![])
}

fn concurrent_callers_with_a_used_code_each_fail_once<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let l = Login::new();
    let code = l.code("bob", None);
    settings_call(&l.client(make, code_grant(&code)))?;
    let client = Arc::new(l.client(make, code_grant(&code)));
    for result in burst(&client, 16) {
        assert_invalid_grant(result);
    }
    let counters = l.emulator().counters();
    // At most one token request per call, however the calls interleave; no API call.
    let refused = counters.token_requests_for("authorization_code") - 1;
    assert!((1..=16).contains(&refused), "{refused}");
    assert_eq!(counters.operation("getChatsSettings"), 1);
    Ok(vec![])
}

/// The login host uses the code up, then the connection drops before the answer: the
/// code must not be sent again (it would be refused as already used, hiding the real
/// failure).
fn a_code_exchange_whose_answer_was_lost_is_not_sent_again<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let l = Login::new();
    l.emulator()
        .add_fault(FaultRule::once(FaultRoute::Token, Fault::DropAfterApply))
        .unwrap();
    let client = l.client(make, code_grant(&l.code("bob", None)));
    let err = settings_call(&client).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(l.by_grant("authorization_code"), 1);
    Ok(vec![])
}

/// The secrets of a run: whatever the check gave the client, and the `emu-` prefix of
/// everything the emulator issues (access tokens, codes, refresh tokens).
fn secrets(extra: &[String]) -> Vec<String> {
    let mut all = vec![
        Emulator::DEFAULT_CLIENT_SECRET.to_owned(),
        ASSERTION.to_owned(),
        PkceVerifier::from_random_bytes(&RANDOM)
            .unwrap()
            .secret()
            .to_owned(),
        PkceVerifier::from_random_bytes(&OTHER_RANDOM)
            .unwrap()
            .secret()
            .to_owned(),
        "emu-".to_owned(),
        "wrong-secret".to_owned(),
    ];
    all.extend_from_slice(extra);
    all
}

/// Panics when `shown` is empty or carries one of `secrets`.
pub(super) fn assert_no_secret(shown: &str, secrets: &[String]) {
    assert!(!shown.is_empty());
    for secret in secrets {
        assert!(!shown.contains(secret.as_str()), "`{secret}` in: {shown}");
    }
}

/// Logs in with every grant (and fails twice), returning what can be printed (the
/// credentials' `Debug`, the errors' `Display` and `Debug`, and the clients' own `Debug`
/// before login, once logged in and after a renewal, where the subject shows it) and the
/// secrets used.
pub(super) fn every_login<C: Caller>(
    l: &Login,
    make: &mut Maker<'_, C>,
) -> (Vec<String>, Vec<String>) {
    let mut shown = Vec::new();
    let code = l.code("bob", None);
    let refresh = l
        .emulator()
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "carol")
        .unwrap();
    let verifier = PkceVerifier::from_random_bytes(&RANDOM).unwrap();
    let url = l.authorize_url("s", &verifier);
    let (pkce_code, _) = l.browser(&url);
    let credentials = [
        client_credentials(),
        code_grant(&code),
        Credentials::refresh_token(
            Emulator::DEFAULT_CLIENT_ID,
            Emulator::DEFAULT_CLIENT_SECRET,
            refresh.clone(),
        ),
        pkce_grant(&pkce_code, verifier),
        saml2_grant(),
    ];
    let mut clients = Vec::new();
    for credentials in credentials {
        shown.push(format!("{credentials:?}"));
        let client = l.client(make, credentials.clone());
        shown.extend(client.debug_text());
        settings_call(&client).unwrap();
        // Logged in: the client now holds an access token (and maybe a refresh token).
        shown.extend(client.debug_text());
        clients.push(client);
    }
    // Every token is refused once: client credentials and SAML2 repeat their grant, the
    // code and refresh-token clients refresh (and keep the rotated refresh token), the
    // PKCE client cannot renew.
    l.expire_tokens();
    let mut cannot_renew = 0;
    for client in &clients {
        if let Err(err) = settings_call(client) {
            assert!(matches!(err, Error::Config(_)), "{err:?}");
            shown.push(format!("{err} {err:?}"));
            cannot_renew += 1;
        }
        shown.extend(client.debug_text());
    }
    assert_eq!(cannot_renew, 1, "only the PKCE client cannot renew");
    // The refresh-token login, then one refresh each for the code and refresh clients.
    assert_eq!(l.by_grant("refresh_token"), 3);
    // A code used a second time.
    let client = l.client(make, code_grant(&code));
    let err = assert_invalid_grant(settings_call(&client));
    shown.push(format!("{err} {err:?}"));
    shown.extend(client.debug_text());
    let client = l.client(
        make,
        Credentials::client_credentials(Emulator::DEFAULT_CLIENT_ID, "wrong-secret"),
    );
    let err = settings_call(&client).unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { status: 401, error, .. } if error == "invalid_client"),
        "{err:?}"
    );
    shown.push(format!("{err} {err:?}"));
    shown.extend(client.debug_text());
    (shown, secrets(&[code, refresh, pkce_code]))
}

fn no_secret_in_debug_or_display<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let l = Login::new();
    let (shown, secrets) = every_login(&l, make);
    // Five credentials, the PKCE client's "cannot renew", invalid_grant, invalid_client;
    // and, where the subject shows its client's `Debug`, three of each of the five clients
    // and one of each failing client.
    assert!(
        shown.len() == 8 || shown.len() == 8 + 5 * 3 + 2,
        "{} texts: {shown:?}",
        shown.len()
    );
    for text in &shown {
        assert_no_secret(text, &secrets);
    }
    Ok(vec![])
}
