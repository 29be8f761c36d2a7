//! The scenarios that need the emulator rather than a scripted server: the token
//! lifecycle (login on first use, renewal before expiry, one renewal and one retry after a
//! 401, one token request for many concurrent callers, clear errors for bad credentials).
//!
//! Each runs a client the kit builds through a [`super::Maker`] against a loopback
//! emulator and checks the emulator's counters, written out literally.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genesys_chat::auth::Credentials;
use genesys_chat::{AccessToken, Error};

use super::{Caller, Check, Checked, Maker, Op, Settings, call_op};
use crate::server::Server;
use crate::{Emulator, EmulatorBuilder};

/// The token checks, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "token: client credentials log in on first use and reuse the token",
            run: logs_in_on_first_use_and_reuses_the_token::<C>,
        },
        Check {
            name: "token: a 2 s token is renewed before it expires",
            run: renews_before_expiry::<C>,
        },
        Check {
            name: "token: a 401 renews once and retries once",
            run: a_401_renews_once_and_retries_once::<C>,
        },
        Check {
            name: "token: a callback token that stays refused is renewed and retried only once",
            run: a_token_that_stays_refused_is_retried_only_once::<C>,
        },
        Check {
            name: "token: 16 concurrent callers share one renewal",
            run: sixteen_concurrent_callers_share_one_renewal::<C>,
        },
        Check {
            name: "token: bad client credentials fail clearly after one token request",
            run: bad_client_credentials_fail_clearly_after_one_attempt::<C>,
        },
        Check {
            name: "token: a fixed token is not renewed",
            run: a_fixed_token_is_not_renewed::<C>,
        },
    ]
}

fn server(lifetime: Duration) -> Result<Server, Error> {
    let emulator = EmulatorBuilder::with_defaults()
        .token_lifetime(lifetime)
        .build()
        .map_err(|e| Error::Config(format!("the emulator could not be built: {e}")))?;
    Server::start(Arc::new(emulator))
        .map_err(|e| Error::Config(format!("the emulator could not start: {e}")))
}

fn settings(server: &Server, credentials: Credentials) -> Settings {
    let mut settings = Settings::new(server.base_url());
    settings.credentials = Some(credentials);
    settings
}

fn client_credentials() -> Credentials {
    Credentials::client_credentials(Emulator::DEFAULT_CLIENT_ID, Emulator::DEFAULT_CLIENT_SECRET)
}

/// Records a difference when `seen` is not `want`.
fn expect<T: PartialEq + std::fmt::Debug>(
    differences: &mut Vec<String>,
    what: &str,
    seen: T,
    want: T,
) {
    if seen != want {
        differences.push(format!("{what}: {seen:?}, expected {want:?}"));
    }
}

fn logs_in_on_first_use_and_reuses_the_token<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server(Duration::from_secs(3600))?;
    let client = make(&settings(&server, client_credentials()))?;
    let mut d = Vec::new();
    expect(
        &mut d,
        "token requests before any call",
        server.emulator().counters().token_requests,
        0,
    );
    for _ in 0..3 {
        call_op(&client, Op::GetSettings)?;
    }
    let counters = server.emulator().counters();
    expect(&mut d, "token requests", counters.token_requests, 1);
    expect(
        &mut d,
        "getChatsSettings requests",
        counters.operation("getChatsSettings"),
        3,
    );
    Ok(d)
}

fn renews_before_expiry<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    // A 2 s token is used for half its life, then renewed before it lapses.
    let server = server(Duration::from_secs(2))?;
    let client = make(&settings(&server, client_credentials()))?;
    call_op(&client, Op::GetSettings)?;
    std::thread::sleep(Duration::from_millis(1100));
    call_op(&client, Op::GetSettings)?;
    let counters = server.emulator().counters();
    let mut d = Vec::new();
    expect(&mut d, "token requests", counters.token_requests, 2);
    // No request was refused: the renewal came before the emulator's expiry.
    expect(
        &mut d,
        "getChatsSettings requests",
        counters.operation("getChatsSettings"),
        2,
    );
    Ok(d)
}

fn a_401_renews_once_and_retries_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server(Duration::from_secs(3600))?;
    let client = make(&settings(&server, client_credentials()))?;
    call_op(&client, Op::GetSettings)?;
    // The emulator forgets every token it issued: the client's token is now refused.
    server.emulator().reset();
    call_op(&client, Op::GetSettings)?;
    let counters = server.emulator().counters();
    let mut d = Vec::new();
    expect(
        &mut d,
        "token requests after the reset",
        counters.token_requests,
        1,
    );
    expect(
        &mut d,
        "getChatsSettings requests (the 401, then the retry)",
        counters.operation("getChatsSettings"),
        2,
    );
    Ok(d)
}

fn a_token_that_stays_refused_is_retried_only_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server(Duration::from_secs(3600))?;
    let fetched = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&fetched);
    let client = make(&settings(
        &server,
        Credentials::callback(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            AccessToken::new("not-a-token-the-emulator-knows")
        }),
    ))?;
    let mut d = Vec::new();
    match call_op(&client, Op::GetSettings) {
        Err(e) => expect(&mut d, "the status", e.status(), Some(401)),
        Ok(done) => d.push(format!("the call succeeded: {done:?}")),
    }
    expect(
        &mut d,
        "tokens fetched (first token, one renewal)",
        fetched.load(Ordering::SeqCst),
        2,
    );
    expect(
        &mut d,
        "getChatsSettings requests (one request, one retry, no loop)",
        server.emulator().counters().operation("getChatsSettings"),
        2,
    );
    Ok(d)
}

fn sixteen_concurrent_callers_share_one_renewal<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server(Duration::from_secs(2))?;
    let client = Arc::new(make(&settings(&server, client_credentials()))?);
    call_op(&*client, Op::GetSettings)?;
    std::thread::sleep(Duration::from_millis(1100)); // the token is due for renewal
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || call_op(&*client, Op::GetSettings))
        })
        .collect();
    let mut d = Vec::new();
    for handle in handles {
        match handle.join() {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => d.push(format!("a caller failed: {e}")),
            Err(_) => d.push("a caller panicked".to_owned()),
        }
    }
    let counters = server.emulator().counters();
    expect(
        &mut d,
        "token requests (the first login and one renewal for 16 callers)",
        counters.token_requests,
        2,
    );
    expect(
        &mut d,
        "getChatsSettings requests",
        counters.operation("getChatsSettings"),
        17,
    );
    Ok(d)
}

fn bad_client_credentials_fail_clearly_after_one_attempt<C: Caller>(
    make: &mut Maker<'_, C>,
) -> Checked {
    let server = server(Duration::from_secs(3600))?;
    let client = make(&settings(
        &server,
        Credentials::client_credentials(Emulator::DEFAULT_CLIENT_ID, "wrong-secret"),
    ))?;
    let mut d = Vec::new();
    match call_op(&client, Op::GetSettings) {
        Err(e) => {
            if !matches!(&e, Error::OAuth { status: 401, error, .. } if error == "invalid_client") {
                d.push(format!("the error is not OAuth 401 invalid_client: {e:?}"));
            }
            let shown = format!("{e} {e:?}");
            if shown.contains("wrong-secret") {
                d.push(format!("the error shows the secret: {shown}"));
            }
        }
        Ok(done) => d.push(format!("the call succeeded: {done:?}")),
    }
    let counters = server.emulator().counters();
    expect(&mut d, "token requests", counters.token_requests, 1);
    expect(
        &mut d,
        "API requests without a token",
        counters.api_requests(),
        0,
    );
    Ok(d)
}

fn a_fixed_token_is_not_renewed<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = server(Duration::from_secs(3600))?;
    let client = make(&settings(&server, Credentials::token("unknown-token")?))?;
    let mut d = Vec::new();
    match call_op(&client, Op::GetSettings) {
        Err(e) => expect(&mut d, "the status", e.status(), Some(401)),
        Ok(done) => d.push(format!("the call succeeded: {done:?}")),
    }
    let counters = server.emulator().counters();
    expect(
        &mut d,
        "getChatsSettings requests",
        counters.operation("getChatsSettings"),
        1,
    );
    expect(&mut d, "token requests", counters.token_requests, 0);
    Ok(d)
}
