//! Security promises of both clients (see SECURITY.md):
//!
//! - tokens, client secrets and chat text never appear in `Debug`, `Display` or error
//!   messages (nor in what the clients log: tests/security_tracing.rs);
//! - `Authorization` never follows a redirect to another host or port;
//! - plain `http://` is refused unless the host is loopback or
//!   `Config::allow_insecure_http` is set;
//! - header injection (CR/LF in a token, a user agent, a path value, or a token handed
//!   out by a hostile login host) never reaches the wire;
//! - the response size cap holds with and without `Content-Length`; no `Accept-Encoding`
//!   is sent; reqwest undoes no `Content-Encoding`, ureq (its decoders turned on here, as
//!   another crate of an application could) undoes a gzip one sent unasked, and the cap
//!   then bounds the decoded bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// A gzip stream built by hand: a few kilobytes that decode to megabytes of spaces.
#[path = "../src/conformance/gzip.rs"]
mod gzip;
mod raw;
mod secrets;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::models::{ChatSettings, SendMessageBody};
use genesys_chat::operations::{GetChatsSettings, PostChatsRoomMessages};
use genesys_chat::{AccessToken, Config, Error, Operation};
use raw::{Answer, RawServer, response};
use secrets::{
    CHAT, CLIENT_ID, SECRET, TOKEN, assert_clean, assert_error_clean, base64, config, emulator,
    quick,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Both clients behind one interface; the reqwest one runs on a current-thread runtime,
/// so everything it does happens on the calling thread (where tracing is captured).
enum Client {
    Ureq(Box<genesys_chat_ureq::Client>),
    Reqwest(genesys_chat_reqwest::Client, tokio::runtime::Runtime),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Ureq,
    Reqwest,
}

const TRANSPORTS: [Transport; 2] = [Transport::Ureq, Transport::Reqwest];

struct Builder {
    transport: Transport,
    config: Config,
    credentials: Option<Credentials>,
    max_response_bytes: Option<usize>,
    proxy: Option<String>,
    user_agent: Option<String>,
}

impl Builder {
    fn new(transport: Transport, config: Config) -> Self {
        Builder {
            transport,
            config,
            credentials: None,
            max_response_bytes: None,
            proxy: None,
            user_agent: None,
        }
    }

    fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }

    fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = Some(n);
        self
    }

    fn proxy(mut self, url: String) -> Self {
        self.proxy = Some(url);
        self
    }

    fn user_agent(mut self, ua: &str) -> Self {
        self.user_agent = Some(ua.to_owned());
        self
    }

    fn build(self) -> Result<Client, Error> {
        macro_rules! configure {
            ($builder:expr) => {{
                let mut b = $builder
                    .retry(quick())
                    .attempt_timeout(Duration::from_secs(5));
                if let Some(c) = self.credentials {
                    b = b.credentials(c);
                }
                if let Some(n) = self.max_response_bytes {
                    b = b.max_response_bytes(n);
                }
                if let Some(p) = self.proxy {
                    b = b.proxy(p);
                }
                if let Some(ua) = self.user_agent {
                    b = b.user_agent(ua);
                }
                b.build()
            }};
        }
        Ok(match self.transport {
            Transport::Ureq => Client::Ureq(Box::new(configure!(
                genesys_chat_ureq::Client::builder(self.config)
            )?)),
            Transport::Reqwest => Client::Reqwest(
                configure!(genesys_chat_reqwest::Client::builder(self.config))?,
                runtime(),
            ),
        })
    }
}

impl Client {
    fn call<O>(&self, op: &O) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        match self {
            Client::Ureq(c) => c.call(op),
            Client::Reqwest(c, rt) => rt.block_on(c.call(op)),
        }
    }

    fn debug(&self) -> String {
        match self {
            Client::Ureq(c) => format!("{c:?} {:?}", c.config()),
            Client::Reqwest(c, _) => format!("{c:?} {:?}", c.config()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Debug, Display and errors.
// ---------------------------------------------------------------------------------------

#[test]
fn debug_and_display_never_show_tokens_secrets_or_chat_text() {
    let with_token = config("https://api.example.com").with_token(TOKEN).unwrap();
    let mut shown = vec![
        format!("{with_token:?}"),
        format!(
            "{:?} {}",
            AccessToken::new(TOKEN).unwrap(),
            AccessToken::new(TOKEN).unwrap()
        ),
        format!("{:?}", Credentials::token(TOKEN).unwrap()),
        format!("{:?}", Credentials::client_credentials(CLIENT_ID, SECRET)),
        format!("{:?}", Credentials::refresh_token(CLIENT_ID, SECRET, TOKEN)),
        format!("{:?}", SendMessageBody::new(CHAT)),
        format!(
            "{:?}",
            PostChatsRoomMessages::new("r@conference.example.com", SendMessageBody::new(CHAT))
        ),
    ];
    for transport in TRANSPORTS {
        let fixed = Builder::new(transport, with_token.clone()).build().unwrap();
        shown.push(fixed.debug());
        let login = Builder::new(transport, config("https://api.example.com"))
            .credentials(Credentials::client_credentials(CLIENT_ID, SECRET))
            .build()
            .unwrap();
        shown.push(login.debug());
    }
    // The builders too.
    shown.push(format!(
        "{:?}",
        genesys_chat_ureq::Client::builder(with_token.clone())
            .credentials(Credentials::client_credentials(CLIENT_ID, SECRET))
    ));
    shown.push(format!(
        "{:?}",
        genesys_chat_reqwest::Client::builder(with_token.clone())
            .credentials(Credentials::client_credentials(CLIENT_ID, SECRET))
    ));
    for text in &shown {
        assert_clean("Debug/Display", text);
    }
}

#[test]
fn errors_never_carry_tokens_secrets_or_chat_text() {
    let server = emulator();
    let message =
        format!(r#"{{"id":"m1","dateCreated":"2026-11-25T10:00:00.000Z","body":"{CHAT}""#);
    let body = message.clone().into_bytes();
    let cut = RawServer::start(move |_, _| {
        // Decodable up to the chat text, then cut: a decode error, then a broken body.
        Answer::Bytes(response(
            "200 OK",
            &[("Content-Type", "application/json")],
            &body,
        ))
    });
    let partial = format!("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{message}").into_bytes();
    let broken = RawServer::start(move |_, _| Answer::BytesThenClose(partial.clone()));
    let refused_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for transport in TRANSPORTS {
        let what = |w: &str| format!("{transport:?}: {w}");
        // A token the service does not know.
        let client = Builder::new(
            transport,
            config(&server.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        let e = client.call(&GetChatsSettings::new()).unwrap_err();
        assert_eq!(e.status(), Some(401), "{e}");
        assert_error_clean(&what("401"), &e);
        // A wrong client secret.
        let client = Builder::new(transport, config(&server.base_url()))
            .credentials(Credentials::client_credentials(
                CLIENT_ID,
                format!("{SECRET}-wrong"),
            ))
            .build()
            .unwrap();
        let e = client.call(&GetChatsSettings::new()).unwrap_err();
        assert!(matches!(e, Error::OAuth { status: 401, .. }), "{e:?}");
        assert_error_clean(&what("a refused login"), &e);
        // Chat text in a body that does not decode, and in a body cut short.
        let client = Builder::new(
            transport,
            config(&cut.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        let e = client
            .call(&genesys_chat::operations::GetChatsMessage::new("m1"))
            .unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e:?}");
        assert_error_clean(&what("a decode error"), &e);
        let client = Builder::new(
            transport,
            config(&broken.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        let e = client
            .call(&genesys_chat::operations::GetChatsMessage::new("m1"))
            .unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert_error_clean(&what("a broken body"), &e);
        // Nobody listening.
        let client = Builder::new(
            transport,
            config(&format!("http://127.0.0.1:{refused_port}"))
                .with_token(TOKEN)
                .unwrap(),
        )
        .build()
        .unwrap();
        let e = client.call(&GetChatsSettings::new()).unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert_error_clean(&what("a refused connection"), &e);
    }
}

// ---------------------------------------------------------------------------------------
// Redirects.
// ---------------------------------------------------------------------------------------

/// A server that redirects every request to `target` with this status.
fn redirector(status: &'static str, target: String) -> RawServer {
    RawServer::start(move |_, _| {
        Answer::Bytes(response(status, &[("Location", target.as_str())], b""))
    })
}

fn settings_server(ip: [u8; 4]) -> RawServer {
    RawServer::start_on(ip, |_, _| {
        Answer::Bytes(response(
            "200 OK",
            &[("Content-Type", "application/json")],
            br#"{"messageRetentionPeriodDays":90}"#,
        ))
    })
}

#[test]
fn no_redirect_to_another_host_or_port_is_followed() {
    // ureq follows without Authorization; reqwest does not follow another origin at all.
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        // Another port of the same host, and another host (127.0.0.2 is loopback too).
        for ip in [[127, 0, 0, 1], [127, 0, 0, 2]] {
            for transport in TRANSPORTS {
                let target = settings_server(ip);
                let host = format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]);
                let origin = redirector(
                    status,
                    format!("http://{host}:{}/api/v2/chats/settings", target.port()),
                );
                let client = Builder::new(
                    transport,
                    config(&origin.base_url()).with_token(TOKEN).unwrap(),
                )
                .build()
                .unwrap();
                let result = client.call(&GetChatsSettings::new());
                // No redirect is followed: the 3xx is the answer, and the target sees
                // nothing (a 307/308 would re-send a body there).
                let code: u16 = status[..3].parse().unwrap();
                let error = result.unwrap_err();
                assert_eq!(
                    error.status(),
                    Some(code),
                    "{transport:?} {status} to {host}"
                );
                assert!(
                    error
                        .to_string()
                        .contains(&format!("redirected to http://{host}:{}", target.port())),
                    "{error}"
                );
                assert!(
                    !error.to_string().contains("/api/v2/chats/settings"),
                    "{error}"
                );
                assert_eq!(
                    origin.requests().len(),
                    1,
                    "{transport:?} {status} to {host}"
                );
                assert_eq!(
                    target.requests().len(),
                    0,
                    "{transport:?} {status} to {host}"
                );
            }
        }
    }
}

/// What a redirect target received, as text (heads and bodies).
fn received(server: &RawServer) -> String {
    server
        .requests()
        .iter()
        .map(|r| format!("{}\n{}\n", r.head, String::from_utf8_lossy(&r.body)))
        .collect()
}

/// A refresh token that must never show.
const REFRESH: &str = "sec-refresh-token-Pd3Lx0";

/// A POST answered 307 or 308 to another host: the body (chat text) must not follow.
fn redirected_post_keeps_its_chat_text(transport: Transport) {
    for status in ["307 Temporary Redirect", "308 Permanent Redirect"] {
        let target = settings_server([127, 0, 0, 2]);
        let origin = redirector(
            status,
            format!("http://127.0.0.2:{}/elsewhere", target.port()),
        );
        let client = Builder::new(
            transport,
            config(&origin.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        let _ = client.call(&PostChatsRoomMessages::new(
            "r@conference.example.com",
            SendMessageBody::new(CHAT),
        ));
        assert_eq!(origin.requests().len(), 1, "{transport:?} {status}");
        let seen = received(&target);
        assert!(
            !seen.contains(CHAT),
            "{transport:?} {status}: the chat text went to another host:\n{seen}"
        );
    }
}

/// A token request (refresh-token grant) answered 307 or 308 to another host: neither the
/// refresh token in the body nor the client credentials may follow.
fn redirected_token_request_keeps_its_secrets(transport: Transport) {
    for status in ["307 Temporary Redirect", "308 Permanent Redirect"] {
        let target = settings_server([127, 0, 0, 2]);
        let origin = redirector(
            status,
            format!("http://127.0.0.2:{}/oauth/token", target.port()),
        );
        let client = Builder::new(transport, config(&origin.base_url()))
            .credentials(Credentials::refresh_token(CLIENT_ID, SECRET, REFRESH))
            .build()
            .unwrap();
        let e = client.call(&GetChatsSettings::new()).unwrap_err();
        assert_error_clean(&format!("{transport:?} {status}"), &e);
        let seen = received(&target);
        for secret in [
            REFRESH,
            SECRET,
            &base64(format!("{CLIENT_ID}:{SECRET}").as_bytes()),
        ] {
            assert!(
                !seen.contains(secret),
                "{transport:?} {status}: {secret:?} went to another host:\n{seen}"
            );
        }
    }
}

#[test]
fn ureq_never_takes_a_posts_chat_text_to_another_host() {
    redirected_post_keeps_its_chat_text(Transport::Ureq);
}

#[test]
fn reqwest_never_takes_a_posts_chat_text_to_another_host() {
    redirected_post_keeps_its_chat_text(Transport::Reqwest);
}

#[test]
fn ureq_never_takes_a_token_requests_secrets_to_another_host() {
    redirected_token_request_keeps_its_secrets(Transport::Ureq);
}

#[test]
fn reqwest_never_takes_a_token_requests_secrets_to_another_host() {
    redirected_token_request_keeps_its_secrets(Transport::Reqwest);
}

#[test]
fn a_same_origin_redirect_is_not_followed_either() {
    for transport in TRANSPORTS {
        let server = RawServer::start(|index, _| {
            Answer::Bytes(if index == 0 {
                response(
                    "307 Temporary Redirect",
                    &[("Location", "/api/v2/chats/settings?moved=1")],
                    b"",
                )
            } else {
                response("200 OK", &[], br#"{"messageRetentionPeriodDays":90}"#)
            })
        });
        let client = Builder::new(
            transport,
            config(&server.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        let error = client.call(&GetChatsSettings::new()).unwrap_err();
        assert_eq!(error.status(), Some(307), "{transport:?}");
        assert!(
            error
                .to_string()
                .contains("redirected to a path on the same origin"),
            "{error}"
        );
        assert!(!error.to_string().contains("moved=1"), "{error}");
        assert_eq!(server.requests().len(), 1, "{transport:?}");
    }
}

/// Runs into a redirect loop with a policy of 3 attempts; returns the requests made.
fn redirect_loop(transport: Transport) -> usize {
    let server = RawServer::start(|index, _| {
        let location = format!("/api/v2/chats/settings?hop={}", index + 1);
        Answer::Bytes(response(
            "302 Found",
            &[("Location", location.as_str())],
            b"",
        ))
    });
    let client = Builder::new(
        transport,
        config(&server.base_url()).with_token(TOKEN).unwrap(),
    )
    .build()
    .unwrap();
    let started = Instant::now();
    let e = client.call(&GetChatsSettings::new()).unwrap_err();
    assert_eq!(e.status(), Some(302), "{transport:?} redirect loop: {e:?}");
    assert_error_clean(&format!("{transport:?} redirect loop"), &e);
    assert!(started.elapsed() < Duration::from_secs(5), "{transport:?}");
    server.requests().len()
}

#[test]
fn a_redirect_loop_ends_at_its_first_redirect() {
    for transport in TRANSPORTS {
        let requests = redirect_loop(transport);
        assert_eq!(requests, 1, "{transport:?}");
    }
}

#[test]
fn a_redirect_loop_is_not_retried() {
    for transport in TRANSPORTS {
        let requests = redirect_loop(transport);
        // One request of the 3 attempts the policy allows: a 3xx is never retried.
        assert_eq!(requests, 1, "{transport:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Plain http.
// ---------------------------------------------------------------------------------------

#[test]
fn plain_http_is_refused_unless_loopback() {
    let op = GetChatsSettings::new();
    for base in [
        "http://127.0.0.1:8080",
        "http://127.255.0.9",
        "http://localhost:9",
        "http://LOCALHOST",
        "http://[::1]:8080",
        "https://api.example.com",
    ] {
        let cfg = config(base).with_token(TOKEN).unwrap();
        assert!(op.to_http(&cfg).is_ok(), "{base} refused");
    }
    for base in [
        "http://api.example.com",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
        "http://10.0.0.1",
        "http://[::ffff:127.0.0.1]",
        "http://0.0.0.0",
        "http://2130706433",
    ] {
        let cfg = config(base).with_token(TOKEN).unwrap();
        let e = op.to_http(&cfg).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{base}: {e:?}");
        assert_error_clean(base, &e);
        // Opted in, it builds.
        assert!(op.to_http(&cfg.allow_insecure_http(true)).is_ok(), "{base}");
    }
}

/// A forward proxy on loopback: answers `CONNECT` with 200 and everything else (an
/// absolute-form request, or what comes through the tunnel) with settings.
fn proxy() -> RawServer {
    RawServer::start(|_, request| {
        Answer::Bytes(if request.method() == "CONNECT" {
            b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec()
        } else {
            response("200 OK", &[], br#"{"messageRetentionPeriodDays":90}"#)
        })
    })
}

#[test]
fn plain_http_to_another_host_is_sent_only_when_opted_in() {
    // The host never resolves (`.invalid`), and the proxy on loopback receives whatever
    // the client sends: nothing leaves the machine.
    for transport in TRANSPORTS {
        let proxy_server = proxy();
        let refused = Builder::new(
            transport,
            config("http://chat.example.invalid")
                .with_token(TOKEN)
                .unwrap(),
        )
        .proxy(proxy_server.base_url())
        .build()
        .unwrap();
        let e = refused.call(&GetChatsSettings::new()).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{transport:?}: {e:?}");
        assert!(
            proxy_server.requests().is_empty(),
            "{transport:?}: sent anyway"
        );

        let opted_in = Builder::new(
            transport,
            config("http://chat.example.invalid")
                .with_token(TOKEN)
                .unwrap()
                .allow_insecure_http(true),
        )
        .proxy(proxy_server.base_url())
        .build()
        .unwrap();
        let settings = opted_in.call(&GetChatsSettings::new()).unwrap();
        assert_eq!(settings.message_retention_period_days, Some(90));
        let sent = proxy_server.requests();
        let request = sent
            .iter()
            .find(|r| r.method() == "GET")
            .unwrap_or_else(|| panic!("{transport:?}: {sent:?}"));
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}"))
        );
    }
}

// ---------------------------------------------------------------------------------------
// Header injection.
// ---------------------------------------------------------------------------------------

#[test]
fn cr_lf_in_a_token_or_user_agent_is_refused_before_sending() {
    for bad in [
        "tok\r\nX-Injected: 1",
        "tok\nX-Injected: 1",
        "tok\r",
        "tok\u{0}",
        "tok é",
    ] {
        let e = config("http://127.0.0.1:9").with_token(bad).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidInput {
                    field: "accessToken",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(Credentials::token(bad).is_err());
    }
    for transport in TRANSPORTS {
        for bad in ["agent\r\nX-Injected: 1", "agent\n", "agent\u{7f}"] {
            let e = Builder::new(
                transport,
                config("http://127.0.0.1:9").with_token(TOKEN).unwrap(),
            )
            .user_agent(bad)
            .build()
            .err()
            .unwrap_or_else(|| panic!("{transport:?}: {bad:?} accepted"));
            assert!(
                matches!(
                    e,
                    Error::InvalidInput {
                        field: "userAgent",
                        ..
                    }
                ),
                "{e:?}"
            );
        }
    }
}

#[test]
fn a_path_value_with_cr_lf_travels_encoded() {
    for transport in TRANSPORTS {
        let server =
            RawServer::start(|_, _| Answer::Bytes(response("200 OK", &[], br#"{"id":"m1"}"#)));
        let client = Builder::new(
            transport,
            config(&server.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        client
            .call(&PostChatsRoomMessages::new(
                "room\r\nX-Injected: 1\r\n\r\nGET / HTTP/1.1@conference.example.com",
                SendMessageBody::new("hello"),
            ))
            .unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        let head = &requests[0].head;
        assert_eq!(requests[0].header("x-injected"), None, "{head}");
        assert!(
            head.starts_with("POST /api/v2/chats/rooms/room%0D%0AX-Injected%3A%201%0D%0A%0D%0AGET%20%2F%20HTTP%2F1.1%40conference.example.com/messages HTTP/1.1\r\n"),
            "{transport:?}: {head}"
        );
    }
}

#[test]
fn a_token_with_cr_lf_from_a_hostile_login_host_is_refused() {
    for token in ["abc\r\nX-Injected: 1", "abc\nX-Injected: 1", "abc def", ""] {
        for transport in TRANSPORTS {
            let json = format!(
                r#"{{"access_token":{},"token_type":"bearer","expires_in":3600}}"#,
                serde_json_string(token)
            );
            let server = RawServer::start(move |_, request| {
                Answer::Bytes(if request.head.starts_with("POST /oauth/token") {
                    response(
                        "200 OK",
                        &[("Content-Type", "application/json")],
                        json.as_bytes(),
                    )
                } else {
                    response("200 OK", &[], br#"{"messageRetentionPeriodDays":90}"#)
                })
            });
            let client = Builder::new(transport, config(&server.base_url()))
                .credentials(Credentials::client_credentials(CLIENT_ID, SECRET))
                .build()
                .unwrap();
            let e = client.call(&GetChatsSettings::new()).unwrap_err();
            assert!(
                matches!(e, Error::Decode { .. }),
                "{transport:?} {token:?}: {e:?}"
            );
            let requests = server.requests();
            // Only the login was sent: no API request with the bad token at all.
            assert_eq!(requests.len(), 1, "{transport:?}: {requests:?}");
            assert!(requests.iter().all(|r| r.header("x-injected").is_none()));
        }
    }
}

fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------
// The response size cap, and no decompression.
// ---------------------------------------------------------------------------------------

const CAP: usize = 1024;
const SETTINGS_JSON: &[u8] = br#"{"messageRetentionPeriodDays":90}"#;

#[test]
fn the_size_cap_holds_with_and_without_content_length() {
    for transport in TRANSPORTS {
        for chunked in [false, true] {
            for (len, fits) in [(CAP, true), (CAP + 1, false), (50 * 1024 * 1024, false)] {
                let server = RawServer::start(move |_, _| Answer::Big {
                    status: "200 OK",
                    prefix: SETTINGS_JSON,
                    len,
                    chunked,
                });
                let client = Builder::new(
                    transport,
                    config(&server.base_url()).with_token(TOKEN).unwrap(),
                )
                .max_response_bytes(CAP)
                .build()
                .unwrap();
                let started = Instant::now();
                let result = client.call(&GetChatsSettings::new());
                let what = format!("{transport:?} chunked={chunked} len={len}");
                if fits {
                    // JSON followed by spaces: exactly the cap, and it parses.
                    assert_eq!(
                        result.unwrap().message_retention_period_days,
                        Some(90),
                        "{what}"
                    );
                } else {
                    match result {
                        Err(Error::BodyTooLarge {
                            limit,
                            size,
                            operation,
                        }) => {
                            assert_eq!(limit, CAP, "{what}");
                            assert!(size > CAP as u64, "{what}: {size}");
                            assert_eq!(operation, "getChatsSettings");
                            if !chunked {
                                // Refused on the announced length, before reading.
                                assert_eq!(size, len as u64, "{what}");
                            }
                        }
                        other => panic!("{what}: {other:?}"),
                    }
                    // Not retried, and not read to the end.
                    assert_eq!(server.requests().len(), 1, "{what}");
                    assert!(started.elapsed() < Duration::from_secs(5), "{what}");
                }
            }
        }
    }
}

/// `{"messageRetentionPeriodDays":90}`, gzipped.
const GZIPPED: &[u8] = b"\x1f\x8b\x08\x00\x86\xb2\x07\x6b\x02\xff\xab\x56\xca\x4d\x2d\x2e\x4e\x4c\x4f\x0d\x4a\x2d\x49\xcd\x2b\xc9\xcc\xcf\x0b\x48\x2d\xca\xcc\x4f\x71\x49\xac\x2c\x56\xb2\xb2\x34\xa8\x05\x00\x9c\x2c\xd8\x10\x21\x00\x00\x00";

#[test]
fn no_accept_encoding_is_sent_and_nothing_is_decompressed() {
    for transport in TRANSPORTS {
        // A gzip answer sent unasked.
        let server = RawServer::start(|_, _| {
            Answer::Bytes(response(
                "200 OK",
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Encoding", "gzip"),
                ],
                GZIPPED,
            ))
        });
        let client = Builder::new(
            transport,
            config(&server.base_url()).with_token(TOKEN).unwrap(),
        )
        .build()
        .unwrap();
        let result = client.call(&GetChatsSettings::new());
        match transport {
            // reqwest decodes nothing: the gzip bytes reach the parser as they are.
            Transport::Reqwest => assert!(
                matches!(
                    result,
                    Err(Error::Decode {
                        operation: "getChatsSettings",
                        status: 200,
                        ..
                    })
                ),
                "{transport:?}: {result:?}"
            ),
            // ureq undoes the gzip the server sent anyway.
            Transport::Ureq => assert_eq!(
                result.unwrap(),
                ChatSettings::with_retention_days(90),
                "{transport:?}"
            ),
        }
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(
            requests[0].header("accept-encoding"),
            None,
            "{}",
            requests[0].head
        );
        assert_eq!(requests[0].header("te"), None, "{}", requests[0].head);

        // A gzip answer of a few kilobytes that decodes to 1 MiB, under a 64 KiB cap.
        let bomb = gzip::spaces(1024 * 1024);
        assert!(bomb.len() < 8 * 1024, "{}", bomb.len());
        let server = RawServer::start(move |_, _| {
            Answer::Bytes(response(
                "200 OK",
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Encoding", "gzip"),
                ],
                &bomb,
            ))
        });
        let client = Builder::new(
            transport,
            config(&server.base_url()).with_token(TOKEN).unwrap(),
        )
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
        let result = client.call(&GetChatsSettings::new());
        match transport {
            // Under the cap as sent, and not JSON as sent.
            Transport::Reqwest => assert!(
                matches!(
                    result,
                    Err(Error::Decode {
                        operation: "getChatsSettings",
                        status: 200,
                        ..
                    })
                ),
                "{transport:?}: {result:?}"
            ),
            // The cap bounds the decoded bytes: refused past 64 KiB of them.
            Transport::Ureq => match result {
                Err(Error::BodyTooLarge {
                    operation,
                    limit,
                    size,
                }) => {
                    assert_eq!(operation, "getChatsSettings");
                    assert_eq!(limit, 65_536);
                    assert!(size > 65_536, "{size}");
                }
                other => panic!("{transport:?}: {other:?}"),
            },
        }
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{transport:?}: not retried");
        assert_eq!(requests[0].header("accept-encoding"), None);
    }
}
