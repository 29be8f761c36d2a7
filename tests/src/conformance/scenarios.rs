//! The table of scenarios.

use std::sync::Arc;
use std::time::Duration;

use genesys_chat::TransportErrorKind;
use genesys_chat::auth::Credentials;

use super::raw::{Answer, Recorded, response};
use super::{CLIENT_ID, CLIENT_SECRET, Env, Expect, Op, Outcome, Scenario, Settings, gzip};

const GET_SETTINGS: &str = "GET /api/v2/chats/settings HTTP/1.1";
const POST_MESSAGE: &str =
    "POST /api/v2/chats/rooms/conformance-room%40conference.example.com/messages HTTP/1.1";
const POST_TOKEN: &str = "POST /oauth/token HTTP/1.1";
/// What a redirect's `Location` carries after the origin: never to be repeated.
const LOCATION_SECRET: &str = "secret-location-token";
/// What a transport error never repeats: the host, the path, the room (path values).
const URL_PARTS: &[&str] = &[
    "127.0.0.1",
    "/api/v2",
    "conformance-room",
    "conference.example.com",
];

fn settings_body(days: u32) -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(r#"{{"messageRetentionPeriodDays":{days}}}"#).as_bytes(),
    )
}

fn token_body(token: &str) -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(r#"{{"access_token":"{token}","token_type":"bearer","expires_in":3600}}"#)
            .as_bytes(),
    )
}

fn is_token(request: &Recorded) -> bool {
    request.target() == "/oauth/token"
}

fn script(f: impl Fn(usize, &Recorded, &Env) -> Answer + Send + Sync + 'static) -> super::Script {
    Arc::new(f)
}

fn keep(_: &mut Settings) {}

fn client_credentials(settings: &mut Settings) {
    settings.credentials = Some(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET));
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A redirect answer of `status` to the target server, with a secret after the origin.
fn redirect(status: &'static str) -> super::Script {
    script(move |_, _, env| {
        let location = format!(
            "{}/api/v2/elsewhere?access_token={LOCATION_SECRET}",
            env.target
        );
        Answer::Bytes(response(status, &[("Location", location.as_str())], b""))
    })
}

/// A redirect scenario: one request, the 3xx as an API error naming the target's origin.
fn redirect_scenario(
    name: &'static str,
    status: &'static str,
    op: Op,
    outcome: &'static [Outcome],
    text: &'static [&'static str],
) -> Scenario {
    Scenario {
        name,
        server: redirect(status),
        op,
        callers: 1,
        settings: keep,
        expect: Expect {
            requests: 1..=1,
            request_lines: match op {
                Op::GetSettings => &[GET_SETTINGS],
                Op::PostMessage => &[POST_MESSAGE],
            },
            outcome,
            error_text: text,
            never: &[LOCATION_SECRET, "/api/v2/elsewhere"],
            may_have_been_sent: Some(true),
            within: Some(secs(3)),
            ..Expect::one(&[], &[])
        },
    }
}

macro_rules! redirects {
    ($($name:literal, $status:literal, $code:literal, $op:expr;)*) => {
        vec![$(redirect_scenario(
            $name,
            $status,
            $op,
            &[Outcome::Api { status: $code }],
            &[concat!("HTTP ", $code), "redirected to {target}", "not followed"],
        ),)*]
    };
}

/// Every scenario, in the order they run.
pub fn scenarios() -> Vec<Scenario> {
    let mut all = redirects![
        "redirect: 301 on a POST is not followed", "301 Moved Permanently", 301, Op::PostMessage;
        "redirect: 302 on a POST is not followed", "302 Found", 302, Op::PostMessage;
        "redirect: 303 on a POST is not followed", "303 See Other", 303, Op::PostMessage;
        "redirect: 307 on a POST is not followed", "307 Temporary Redirect", 307, Op::PostMessage;
        "redirect: 308 on a POST is not followed", "308 Permanent Redirect", 308, Op::PostMessage;
        "redirect: 301 on a GET is not followed", "301 Moved Permanently", 301, Op::GetSettings;
        "redirect: 302 on a GET is not followed", "302 Found", 302, Op::GetSettings;
        "redirect: 303 on a GET is not followed", "303 See Other", 303, Op::GetSettings;
        "redirect: 307 on a GET is not followed", "307 Temporary Redirect", 307, Op::GetSettings;
        "redirect: 308 on a GET is not followed", "308 Permanent Redirect", 308, Op::GetSettings;
    ];
    all.extend([
        Scenario {
            name: "redirect: a relative Location on a GET is not followed",
            server: script(|index, _, _| {
                Answer::Bytes(if index == 0 {
                    response("302 Found", &[("Location", "/api/v2/chats/settings-moved")], b"")
                } else {
                    settings_body(45)
                })
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: keep,
            expect: Expect {
                error_text: &["HTTP 302", "redirected to a path on the same origin"],
                never: &["settings-moved"],
                may_have_been_sent: Some(true),
                ..Expect::one(&[GET_SETTINGS], &[Outcome::Api { status: 302 }])
            },
        },
        Scenario {
            name: "redirect: a 307 on a GET to another host name is not followed",
            server: script(|_, _, env| {
                let location = format!(
                    "{}/api/v2/elsewhere?access_token={LOCATION_SECRET}",
                    env.target.replace("127.0.0.1", "localhost")
                );
                Answer::Bytes(response("307 Temporary Redirect", &[("Location", location.as_str())], b""))
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: keep,
            expect: Expect {
                error_text: &["HTTP 307", "redirected to http://localhost:", "not followed"],
                never: &[LOCATION_SECRET, "/api/v2/elsewhere"],
                may_have_been_sent: Some(true),
                within: Some(secs(3)),
                ..Expect::one(&[GET_SETTINGS], &[Outcome::Api { status: 307 }])
            },
        },
        Scenario {
            name: "may have been sent: a POST redirected (303) to an unreachable origin is not re-sent",
            server: script(|_, _, env| {
                let location = format!("{}/elsewhere?code={LOCATION_SECRET}", env.unreachable);
                Answer::Bytes(response("303 See Other", &[("Location", location.as_str())], b""))
            }),
            op: Op::PostMessage,
            callers: 1,
            settings: keep,
            expect: Expect {
                error_text: &["HTTP 303", "redirected to {unreachable}"],
                never: &[LOCATION_SECRET],
                may_have_been_sent: Some(true),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Api { status: 303 }])
            },
        },
        Scenario {
            name: "redirect: the login host redirecting a token request is not followed",
            server: script(|_, request, env| {
                if is_token(request) {
                    let location = format!("{}/login?state={LOCATION_SECRET}", env.target);
                    Answer::Bytes(response("302 Found", &[("Location", location.as_str())], b""))
                } else {
                    Answer::Bytes(settings_body(7))
                }
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: client_credentials,
            expect: Expect {
                error_text: &["postOauthToken", "HTTP 302", "redirected to {target}"],
                never: &[LOCATION_SECRET, "/login"],
                may_have_been_sent: Some(true),
                ..Expect::one(&[POST_TOKEN], &[Outcome::Api { status: 302 }])
            },
        },
        Scenario {
            name: "may have been sent: a POST answered with half a body is not re-sent",
            server: script(|_, _, _| {
                Answer::BytesThenClose(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":".to_vec(),
                )
            }),
            op: Op::PostMessage,
            callers: 1,
            settings: keep,
            expect: Expect {
                error_text: &["postChatsRoomMessages"],
                never: URL_PARTS,
                may_have_been_sent: Some(true),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Transport(TransportErrorKind::Io)])
            },
        },
        Scenario {
            name: "may have been sent: a POST read and closed without an answer is not re-sent",
            server: script(|_, _, _| Answer::Close),
            op: Op::PostMessage,
            callers: 1,
            settings: keep,
            expect: Expect {
                error_text: &["postChatsRoomMessages"],
                never: URL_PARTS,
                may_have_been_sent: Some(true),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Transport(TransportErrorKind::Io)])
            },
        },
        Scenario {
            name: "retry: a GET answered with half a body is retried",
            server: script(|index, _, _| {
                if index == 0 {
                    Answer::BytesThenClose(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mess".to_vec(),
                    )
                } else {
                    Answer::Bytes(settings_body(90))
                }
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: keep,
            expect: Expect {
                requests: 2..=2,
                ..Expect::one(
                    &[GET_SETTINGS, GET_SETTINGS],
                    &[Outcome::Ok { summary: "messageRetentionPeriodDays=Some(90)", attempts: 2 }],
                )
            },
        },
        Scenario {
            name: "retry: a GET read and closed without an answer is retried",
            server: script(|index, _, _| {
                if index == 0 { Answer::Close } else { Answer::Bytes(settings_body(15)) }
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: keep,
            expect: Expect {
                requests: 2..=2,
                ..Expect::one(
                    &[GET_SETTINGS, GET_SETTINGS],
                    &[Outcome::Ok { summary: "messageRetentionPeriodDays=Some(15)", attempts: 2 }],
                )
            },
        },
        Scenario {
            name: "attempt timeout: a head that never comes ends a 1 s attempt and a GET is retried, by 4 s",
            server: script(|index, _, _| {
                if index == 0 { Answer::BytesThenStall(Vec::new()) } else { Answer::Bytes(settings_body(7)) }
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: |s| s.attempt_timeout = secs(1),
            expect: Expect {
                requests: 2..=2,
                within: Some(secs(4)),
                ..Expect::one(
                    &[GET_SETTINGS, GET_SETTINGS],
                    &[Outcome::Ok { summary: "messageRetentionPeriodDays=Some(7)", attempts: 2 }],
                )
            },
        },
        Scenario {
            name: "attempt timeout: a head at 1.8 s of a 2 s attempt, then a stalled body, ends by 3 s",
            server: script(|_, _, _| {
                Answer::After(
                    Duration::from_millis(1800),
                    Box::new(Answer::BytesThenStall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":".to_vec(),
                    )),
                )
            }),
            op: Op::PostMessage,
            callers: 1,
            settings: |s| s.attempt_timeout = secs(2),
            expect: Expect {
                never: URL_PARTS,
                may_have_been_sent: Some(true),
                within: Some(secs(3)),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "attempt timeout: a head at 4.5 s of a 5 s attempt, then a stalled body, ends by 6 s",
            server: script(|_, _, _| {
                Answer::After(
                    Duration::from_millis(4500),
                    Box::new(Answer::BytesThenStall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{".to_vec(),
                    )),
                )
            }),
            op: Op::PostMessage,
            callers: 1,
            settings: |s| s.attempt_timeout = secs(5),
            expect: Expect {
                within: Some(secs(6)),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "attempt timeout: a head sent a byte every 100 ms ends by 3 s of a 2 s attempt",
            server: script(|_, _, _| Answer::Drip {
                bytes: settings_body(5),
                every: Duration::from_millis(100),
            }),
            op: Op::PostMessage,
            callers: 1,
            settings: |s| s.attempt_timeout = secs(2),
            expect: Expect {
                within: Some(secs(3)),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "attempt timeout: a body sent a byte every 100 ms ends by 3 s of a 2 s attempt",
            server: script(|_, _, _| {
                let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n".to_vec();
                let head = bytes.len();
                bytes.extend_from_slice(br#"{"id":"m-1","body":"                                        "}"#);
                Answer::Sequence(vec![
                    Answer::Bytes(bytes[..head].to_vec()),
                    Answer::Drip { bytes: bytes[head..].to_vec(), every: Duration::from_millis(100) },
                ])
            }),
            op: Op::PostMessage,
            callers: 1,
            settings: |s| s.attempt_timeout = secs(2),
            expect: Expect {
                within: Some(secs(3)),
                ..Expect::one(&[POST_MESSAGE], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "total budget: a head at 2.7 s of a 3 s budget, then a stalled body, ends by 4 s",
            server: script(|_, _, _| {
                Answer::After(
                    Duration::from_millis(2700),
                    Box::new(Answer::BytesThenStall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{".to_vec(),
                    )),
                )
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: |s| {
                s.attempt_timeout = secs(30);
                s.total_timeout = secs(3);
            },
            expect: Expect {
                within: Some(secs(4)),
                ..Expect::one(&[GET_SETTINGS], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "total budget: slow 503s on a GET are retried until a 2.5 s budget ends, by 3.5 s",
            server: script(|_, _, _| {
                Answer::After(
                    Duration::from_millis(700),
                    Box::new(Answer::Bytes(response("503 Service Unavailable", &[], b""))),
                )
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: |s| {
                s.attempt_timeout = secs(30);
                s.total_timeout = Duration::from_millis(2500);
                s.retry.max_attempts = 10;
            },
            expect: Expect {
                // Attempts at about 0, 0.7, 1.4 and 2.1 s; fewer on a loaded machine.
                requests: 2..=4,
                within: Some(Duration::from_millis(3500)),
                ..Expect::one(
                    &[],
                    &[Outcome::Api { status: 503 }, Outcome::Transport(TransportErrorKind::Timeout)],
                )
            },
        },
        Scenario {
            name: "total budget: the token request counts against the budget of the call, by 3 s of 2 s",
            server: script(|_, request, _| {
                if is_token(request) {
                    Answer::After(Duration::from_millis(1500), Box::new(Answer::Bytes(token_body("tok-1"))))
                } else {
                    Answer::After(
                        Duration::from_millis(1000),
                        Box::new(Answer::BytesThenStall(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{".to_vec(),
                        )),
                    )
                }
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: |s| {
                client_credentials(s);
                s.total_timeout = secs(2);
            },
            expect: Expect {
                requests: 1..=2,
                within: Some(secs(3)),
                ..Expect::one(&[], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "total budget: waiting for another caller's token counts, 4 callers end by 2.5 s of 1.5 s",
            server: script(|_, request, _| {
                if is_token(request) {
                    Answer::After(secs(3), Box::new(Answer::Bytes(token_body("tok-1"))))
                } else {
                    Answer::Bytes(settings_body(3))
                }
            }),
            op: Op::GetSettings,
            callers: 4,
            settings: |s| {
                client_credentials(s);
                s.total_timeout = Duration::from_millis(1500);
            },
            expect: Expect {
                within: Some(Duration::from_millis(2500)),
                ..Expect::one(&[POST_TOKEN], &[Outcome::Transport(TransportErrorKind::Timeout)])
            },
        },
        Scenario {
            name: "request: a base URL's path prefix is kept on the wire",
            server: script(|_, _, _| Answer::Bytes(settings_body(30))),
            op: Op::GetSettings,
            callers: 1,
            settings: |s| s.base_url.push_str("/gateway/chat/"),
            expect: Expect::one(
                &["GET /gateway/chat/api/v2/chats/settings HTTP/1.1"],
                &[Outcome::Ok { summary: "messageRetentionPeriodDays=Some(30)", attempts: 1 }],
            ),
        },
        Scenario {
            name: "compression: no Accept-Encoding is sent, with a token request or without",
            server: script(|_, request, _| {
                Answer::Bytes(if is_token(request) { token_body("tok-1") } else { settings_body(12) })
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: client_credentials,
            expect: Expect {
                requests: 2..=2,
                headers_absent: &["accept-encoding", "te"],
                ..Expect::one(
                    &[POST_TOKEN, GET_SETTINGS],
                    &[Outcome::Ok { summary: "messageRetentionPeriodDays=Some(12)", attempts: 1 }],
                )
            },
        },
        Scenario {
            name: "compression: a gzip body that decodes to 1 MiB is refused undecoded or capped at 64 KiB",
            server: script(|_, _, _| {
                Answer::Bytes(response(
                    "200 OK",
                    &[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                    &gzip::spaces(1024 * 1024),
                ))
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: |s| s.max_response_bytes = 64 * 1024,
            expect: Expect::one(
                &[GET_SETTINGS],
                &[Outcome::Decode { status: 200 }, Outcome::BodyTooLarge],
            ),
        },
        Scenario {
            name: "login host: 8 callers on a login host answering 503 make 1 token request",
            server: script(|_, request, _| {
                if is_token(request) {
                    Answer::After(
                        Duration::from_millis(300),
                        Box::new(Answer::Bytes(response("503 Service Unavailable", &[], b""))),
                    )
                } else {
                    Answer::Bytes(settings_body(3))
                }
            }),
            op: Op::GetSettings,
            callers: 8,
            settings: client_credentials,
            expect: Expect {
                may_have_been_sent: Some(true),
                within: Some(secs(3)),
                ..Expect::one(&[POST_TOKEN], &[Outcome::Api { status: 503 }])
            },
        },
        Scenario {
            name: "login host: a 20 KiB token is refused at login, not sent and not retried",
            server: script(|_, request, _| {
                Answer::Bytes(if is_token(request) {
                    token_body(&"t".repeat(20 * 1024))
                } else {
                    settings_body(3)
                })
            }),
            op: Op::GetSettings,
            callers: 1,
            settings: client_credentials,
            expect: Expect {
                never: &["tttttttttttttttt"],
                ..Expect::one(&[POST_TOKEN], &[Outcome::AnyError])
            },
        },
    ]);
    all
}
