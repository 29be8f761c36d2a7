//! Every OAuth grant through the async client, end to end against the loopback
//! emulator: client credentials, authorization code (then renewal with its refresh
//! token), refresh token, PKCE (from fixed random bytes, the challenge carried by the
//! authorize URL) and SAML2 bearer; a code used twice and a wrong verifier fail clearly;
//! no secret shows in `Debug`, `Display` or `tracing` output.
//!
//! The emulator's clock is manual: advancing it past the token lifetime makes the
//! emulator refuse the client's token (401), which the client answers with one renewal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use genesys_chat::auth::{Credentials, Grant, PkceVerifier, ResponseType, authorize_url};
use genesys_chat::models::CreateRoomRequest;
use genesys_chat::operations::{GetChatsRoom, GetChatsSettings, PostChatsRooms};
use genesys_chat::{Config, Error};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::{
    Emulator, EmulatorBuilder, Fault, FaultRoute, FaultRule, ManualClock, server::Server,
};

/// 2026-11-25T16:42:06.415Z
const T0: i64 = 1_795_624_926_415;
const LIFETIME: Duration = Duration::from_secs(3600);
const REDIRECT: &str = "https://app.example.com/callback";
const PUBLIC_REDIRECT: &str = "http://localhost:8080/cb";
const ORG: &str = "example";
/// A base64 SAML2 assertion with `+`, `/` and `=`, which the form must escape.
const ASSERTION: &str = "PHNhbWw+PC9zYW1sPg/x==";
/// "Random" bytes for the PKCE verifier, fixed so the test is reproducible.
const RANDOM: [u8; 32] = [
    0x3a, 0x91, 0x0c, 0xe7, 0x55, 0x12, 0xbd, 0x48, 0x9f, 0x06, 0x7e, 0xc3, 0x21, 0xda, 0x64, 0xf0,
    0x8b, 0x37, 0xae, 0x19, 0x5c, 0xe2, 0x70, 0x0d, 0xb6, 0x43, 0x98, 0x2f, 0xc1, 0x5a, 0xe4, 0x7b,
];
const OTHER_RANDOM: [u8; 32] = [0x5a; 32];

struct Login {
    server: Server,
    clock: ManualClock,
}

impl Login {
    fn new() -> Login {
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

    fn client(&self, credentials: Credentials) -> Client {
        Client::builder(self.config())
            .credentials(credentials)
            .build()
            .unwrap()
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

    /// Follows the authorize URL like a browser would, up to the redirect: the code and
    /// state the login host sends back.
    async fn browser(&self, authorize_url: &str) -> (String, String) {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        let response = browser.get(authorize_url).send().await.unwrap();
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
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

/// The id of the user the client acts as: the owner of a room it creates.
async fn caller(client: &Client) -> String {
    let created = client
        .call(&PostChatsRooms::new(CreateRoomRequest::new("who")))
        .await
        .unwrap();
    let room = client
        .call(&GetChatsRoom::new(created.jid().unwrap()))
        .await
        .unwrap();
    room.owners.unwrap()[0].id.clone().unwrap()
}

fn assert_invalid_grant(result: Result<impl std::fmt::Debug, Error>) -> Error {
    match result {
        Err(err @ Error::OAuth { status: 400, .. }) => {
            assert!(
                matches!(&err, Error::OAuth { error, .. } if error == "invalid_grant"),
                "{err:?}"
            );
            err
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_log_in_and_renew_after_a_401() {
    let l = Login::new();
    let client = l.client(client_credentials());
    assert_eq!(caller(&client).await, l.user_id("alice"));
    assert_eq!(l.by_grant("client_credentials"), 1);
    l.expire_tokens();
    client.call(&GetChatsSettings::new()).await.unwrap();
    assert_eq!(l.by_grant("client_credentials"), 2);
    assert_eq!(l.emulator().counters().operation("getChatsSettings"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_code_then_renewal_with_its_rotating_refresh_token() {
    let l = Login::new();
    let client = l.client(code_grant(&l.code("bob", None)));
    assert_eq!(caller(&client).await, l.user_id("bob"));
    assert_eq!(l.by_grant("authorization_code"), 1);
    assert_eq!(l.by_grant("refresh_token"), 0);

    // The token is refused: one renewal, with the refresh token the code gave.
    l.expire_tokens();
    assert_eq!(caller(&client).await, l.user_id("bob"));
    assert_eq!(l.by_grant("refresh_token"), 1);
    // And again: the emulator rotated the refresh token, so this one only works if the
    // client kept the new one.
    l.expire_tokens();
    assert_eq!(caller(&client).await, l.user_id("bob"));
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests_for("authorization_code"), 1);
    assert_eq!(counters.token_requests_for("refresh_token"), 2);
    assert_eq!(counters.token_requests, 3);
    // Three rooms created, two of the attempts refused once with 401 and sent again.
    assert_eq!(counters.operation("postChatsRooms"), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_logs_in_and_rotates() {
    let l = Login::new();
    let issued = l
        .emulator()
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "carol")
        .unwrap();
    let client = l.client(Credentials::refresh_token(
        Emulator::DEFAULT_CLIENT_ID,
        Emulator::DEFAULT_CLIENT_SECRET,
        issued.clone(),
    ));
    assert_eq!(caller(&client).await, l.user_id("carol"));
    l.expire_tokens();
    assert_eq!(caller(&client).await, l.user_id("carol"));
    assert_eq!(l.by_grant("refresh_token"), 2);

    // The refresh token given at the start was used up by the first refresh.
    let late = l.client(Credentials::refresh_token(
        Emulator::DEFAULT_CLIENT_ID,
        Emulator::DEFAULT_CLIENT_SECRET,
        issued,
    ));
    assert_invalid_grant(late.call(&GetChatsSettings::new()).await);
    assert_eq!(l.by_grant("refresh_token"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_with_the_challenge_in_the_authorize_url() {
    let l = Login::new();
    let verifier = PkceVerifier::from_random_bytes(&RANDOM).unwrap();
    let url = authorize_url(
        &l.config(),
        ResponseType::Code,
        Emulator::DEFAULT_PUBLIC_CLIENT_ID,
        PUBLIC_REDIRECT,
        "state-1",
        Some(&verifier),
    )
    .unwrap();
    assert!(
        url.contains(&format!(
            "&code_challenge={}&code_challenge_method=S256",
            verifier.challenge()
        )),
        "{url}"
    );
    let (code, state) = l.browser(&url).await;
    assert_eq!(state, "state-1");

    let client = l.client(pkce_grant(&code, verifier));
    // The public client's user signed in at the authorize endpoint.
    assert_eq!(caller(&client).await, l.user_id("alice"));
    assert_eq!(l.by_grant("authorization_code"), 1);

    // A public client gets no refresh token and its code is used up: once the token is
    // refused, the client says so clearly, after one attempt and no token request.
    l.expire_tokens();
    let err = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("cannot renew"), "{err}");
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.operation("getChatsSettings"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saml2_bearer_logs_in_and_renews_by_repeating_the_assertion() {
    let l = Login::new();
    let client = l.client(saml2_grant());
    assert_eq!(caller(&client).await, l.user_id("carol"));
    l.expire_tokens();
    assert_eq!(caller(&client).await, l.user_id("carol"));
    assert_eq!(
        l.by_grant("urn:ietf:params:oauth:grant-type:saml2-bearer"),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_used_twice_is_invalid_grant_once_per_call() {
    let l = Login::new();
    let code = l.code("bob", None);
    let first = l.client(code_grant(&code));
    first.call(&GetChatsSettings::new()).await.unwrap();

    let second = l.client(code_grant(&code));
    let err = assert_invalid_grant(second.call(&GetChatsSettings::new()).await);
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert_eq!(l.by_grant("authorization_code"), 2);
    // Calling again asks once more and fails the same way: no loop, no panic.
    assert_invalid_grant(second.call(&GetChatsSettings::new()).await);
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests_for("authorization_code"), 3);
    assert_eq!(
        counters.operation("getChatsSettings"),
        1,
        "only the first client's"
    );
    // The first client is not disturbed.
    first.call(&GetChatsSettings::new()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_pkce_verifier_is_invalid_grant() {
    let l = Login::new();
    let verifier = PkceVerifier::from_random_bytes(&RANDOM).unwrap();
    let url = authorize_url(
        &l.config(),
        ResponseType::Code,
        Emulator::DEFAULT_PUBLIC_CLIENT_ID,
        PUBLIC_REDIRECT,
        "s",
        Some(&verifier),
    )
    .unwrap();
    let (code, _) = l.browser(&url).await;
    let wrong = PkceVerifier::from_random_bytes(&OTHER_RANDOM).unwrap();
    let client = l.client(pkce_grant(&code, wrong));
    assert_invalid_grant(client.call(&GetChatsSettings::new()).await);
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.api_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_callers_share_one_code_exchange_and_one_refresh() {
    let l = Login::new();
    let client = l.client(code_grant(&l.code("bob", None)));
    let burst = || async {
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.call(&GetChatsSettings::new()).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    };
    burst().await;
    assert_eq!(l.by_grant("authorization_code"), 1);
    // Every caller's token is refused at once: one refresh for all (a second one would
    // present the rotated-out refresh token and fail).
    l.expire_tokens();
    burst().await;
    let counters = l.emulator().counters();
    assert_eq!(counters.token_requests_for("refresh_token"), 1);
    assert_eq!(counters.token_requests, 2);
    // 16, then 16 more with at most one 401 each.
    let calls = counters.operation("getChatsSettings");
    assert!((16 + 16..=16 + 32).contains(&calls), "{calls}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_with_a_used_code_each_fail_once() {
    let l = Login::new();
    let code = l.code("bob", None);
    l.client(code_grant(&code))
        .call(&GetChatsSettings::new())
        .await
        .unwrap();
    let client = l.client(code_grant(&code));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call(&GetChatsSettings::new()).await })
        })
        .collect();
    for task in tasks {
        assert_invalid_grant(task.await.unwrap());
    }
    let counters = l.emulator().counters();
    // At most one token request per call, however the calls interleave; no API call.
    let refused = counters.token_requests_for("authorization_code") - 1;
    assert!((1..=16).contains(&refused), "{refused}");
    assert_eq!(counters.operation("getChatsSettings"), 1);
}

/// The login host uses the code up, then the connection drops before the answer: the
/// code must not be sent again (it would be refused as already used, hiding the real
/// failure).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_exchange_whose_answer_was_lost_is_not_sent_again() {
    let l = Login::new();
    l.emulator()
        .add_fault(FaultRule::once(FaultRoute::Token, Fault::DropAfterApply))
        .unwrap();
    let client = l.client(code_grant(&l.code("bob", None)));
    let err = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(l.by_grant("authorization_code"), 1);
}

/// The secrets of a run: whatever the test gave the client, and the `emu-` prefix of
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

fn assert_no_secret(shown: &str, secrets: &[String]) {
    assert!(!shown.is_empty());
    for secret in secrets {
        assert!(!shown.contains(secret.as_str()), "`{secret}` in: {shown}");
    }
}

/// Logs in with every grant (and fails twice), returning what can be printed and the
/// secrets used.
async fn every_login(l: &Login) -> (Vec<String>, Vec<String>) {
    let mut shown = Vec::new();
    let code = l.code("bob", None);
    let refresh = l
        .emulator()
        .issue_refresh_token(Emulator::DEFAULT_CLIENT_ID, "carol")
        .unwrap();
    let verifier = PkceVerifier::from_random_bytes(&RANDOM).unwrap();
    let url = authorize_url(
        &l.config(),
        ResponseType::Code,
        Emulator::DEFAULT_PUBLIC_CLIENT_ID,
        PUBLIC_REDIRECT,
        "s",
        Some(&verifier),
    )
    .unwrap();
    let (pkce_code, _) = l.browser(&url).await;
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
        let client = l.client(credentials.clone());
        shown.push(format!("{client:?}"));
        client.call(&GetChatsSettings::new()).await.unwrap();
        // Logged in: the client now holds an access token (and maybe a refresh token).
        shown.push(format!("{client:?}"));
        clients.push(client);
    }
    // Every token is refused once: client credentials and SAML2 repeat their grant, the
    // code and refresh-token clients refresh (and keep the rotated refresh token), the
    // PKCE client cannot renew.
    l.expire_tokens();
    for client in &clients {
        match client.call(&GetChatsSettings::new()).await {
            Ok(_) => {}
            Err(err) => {
                assert!(matches!(err, Error::Config(_)), "{err:?}");
                shown.push(format!("{err} {err:?}"));
            }
        }
        shown.push(format!("{client:?}"));
    }
    // The refresh-token login, then one refresh each for the code and refresh clients.
    assert_eq!(l.by_grant("refresh_token"), 3);
    // A code used a second time.
    let client = l.client(code_grant(&code));
    let err = assert_invalid_grant(client.call(&GetChatsSettings::new()).await);
    shown.push(format!("{err} {err:?} {client:?}"));
    let client = l.client(Credentials::client_credentials(
        Emulator::DEFAULT_CLIENT_ID,
        "wrong-secret",
    ));
    let err = client.call(&GetChatsSettings::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { status: 401, error, .. } if error == "invalid_client"),
        "{err:?}"
    );
    shown.push(format!("{err} {err:?} {client:?}"));
    (shown, secrets(&[code, refresh, pkce_code]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_debug_or_display() {
    let l = Login::new();
    let (shown, secrets) = every_login(&l).await;
    for text in &shown {
        assert_no_secret(text, &secrets);
    }
}

#[cfg(feature = "tracing")]
mod tracing_output {
    //! A hand-written `tracing` subscriber that writes every span, field and event, at
    //! every level, into a buffer of the thread that asked for it.
    //!
    //! It is installed as the global default, once: a scoped default (`with_default`)
    //! misses events while other tests of this binary run, because `tracing` caches
    //! whether a callsite is enabled for the whole process, from whichever thread hits
    //! it first.

    use std::cell::RefCell;
    use std::fmt::{self, Write as _};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    thread_local! {
        static SINK: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    #[derive(Default)]
    struct ThreadCapture {
        next_id: AtomicU64,
    }

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    fn write(f: impl FnOnce(&mut String)) {
        SINK.with(|sink| {
            if let Some(text) = sink.borrow_mut().as_mut() {
                f(text);
                text.push('\n');
            }
        });
    }

    impl Subscriber for ThreadCapture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }

        fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
            Some(tracing::level_filters::LevelFilter::TRACE)
        }

        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
            write(|text| {
                let meta = span.metadata();
                let _ = write!(text, "span {id} {} {}", meta.target(), meta.name());
                span.record(&mut Fields(text));
            });
            Id::from_u64(id)
        }

        fn record(&self, span: &Id, values: &Record<'_>) {
            write(|text| {
                let _ = write!(text, "record {}", span.into_u64());
                values.record(&mut Fields(text));
            });
        }

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            write(|text| {
                let meta = event.metadata();
                let _ = write!(text, "event {} {}", meta.level(), meta.target());
                event.record(&mut Fields(text));
            });
        }

        fn enter(&self, _: &Id) {}

        fn exit(&self, _: &Id) {}
    }

    /// Starts capturing what this thread logs.
    pub fn start() {
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        let installed = *INSTALLED.get_or_init(|| {
            tracing::subscriber::set_global_default(ThreadCapture::default()).is_ok()
        });
        assert!(installed, "another global subscriber was installed first");
        SINK.with(|sink| *sink.borrow_mut() = Some(String::new()));
    }

    /// Stops capturing and returns what this thread logged since [`start`].
    pub fn finish() -> String {
        SINK.with(|sink| sink.borrow_mut().take())
            .unwrap_or_default()
    }
}

/// On a current-thread runtime, so that the client, reqwest and hyper all run (and log)
/// on the capturing thread.
#[cfg(feature = "tracing")]
#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_tracing_output() {
    let l = Login::new();
    tracing_output::start();
    let (_, secrets) = every_login(&l).await;
    let text = tracing_output::finish();
    // The capture saw the logins (the token request's span), the API calls, the 401s.
    assert!(text.contains("operation=\"postOauthToken\""), "{text}");
    assert!(text.contains("operation=\"getChatsSettings\""), "{text}");
    assert!(text.contains("status=401"), "{text}");
    assert_no_secret(&text, &secrets);
}
