#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The testkit's conveniences: the `Fault` constructors and `FaultRoute::of`, the index
//! of the admin endpoints, unknown permissions refused, the binary's `--json` and
//! `--version`, and the blocking `AdminClient`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use genesys_chat::operations::{GetChatsSettings, PostChatsRoomMessages};
use genesys_chat::{Config, Operation};
use genesys_chat_testkit::admin_client::{AdminClient, AdminError, AdminUser};
use genesys_chat_testkit::server::Server;
use genesys_chat_testkit::{Emulator, Fault, FaultRoute, FaultRule, Permissions, RateLimit};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_genesys-chat-emulator");

/// Kills the child when dropped, so a failed assertion leaves no process behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET /api/v2/chats/settings` with `token`, in-process: the status.
fn settings_status(emulator: &Emulator, token: &str) -> u16 {
    let cfg = Config::with_base_url("http://127.0.0.1")
        .unwrap()
        .with_token(token)
        .unwrap();
    let request = GetChatsSettings::new().to_http(&cfg).unwrap();
    emulator.handle(request).status().as_u16()
}

#[test]
fn fault_constructors_take_durations_and_name_every_kind() {
    let table = [
        (Fault::status(503), json!({"kind":"status","status":503})),
        (
            Fault::status_with_retry_after(503, Duration::from_secs(3)),
            json!({"kind":"status","status":503,"retryAfter":3}),
        ),
        (
            Fault::too_many_requests(Duration::from_secs(2)),
            json!({"kind":"status","status":429,"retryAfter":2}),
        ),
        (
            // Retry-After is whole seconds: a fraction counts as one more.
            Fault::too_many_requests(Duration::from_millis(1500)),
            json!({"kind":"status","status":429,"retryAfter":2}),
        ),
        (
            Fault::too_many_requests(Duration::ZERO),
            json!({"kind":"status","status":429,"retryAfter":0}),
        ),
        (
            Fault::delay(Duration::from_millis(250)),
            json!({"kind":"delay","millis":250}),
        ),
        (Fault::truncate(), json!({"kind":"truncate"})),
        (Fault::malformed(), json!({"kind":"malformed"})),
        (Fault::drop_connection(), json!({"kind":"dropConnection"})),
        (Fault::drop_after_apply(), json!({"kind":"dropAfterApply"})),
    ];
    for (fault, wire) in table {
        assert_eq!(serde_json::to_value(&fault).unwrap(), wire, "{fault:?}");
    }
}

#[test]
fn a_fault_route_of_an_operation_type() {
    let route = FaultRoute::of::<PostChatsRoomMessages>();
    assert_eq!(route, FaultRoute::Operation("postChatsRoomMessages"));
    assert_eq!(route.as_str(), "postChatsRoomMessages");
    assert_eq!(
        FaultRoute::of::<GetChatsSettings>().as_str(),
        "getChatsSettings"
    );
}

#[test]
fn the_admin_client_scripts_faults_reads_counters_and_resets() {
    let server = Server::start_default().unwrap();
    let admin = AdminClient::new(&server.base_url()).unwrap();
    let rule = FaultRule::new(FaultRoute::of::<GetChatsSettings>(), Fault::status(503)).times(2);
    admin.add_fault(&rule).unwrap();
    assert_eq!(admin.faults().unwrap(), vec![rule.clone()]);

    let emulator = server.emulator();
    assert_eq!(settings_status(emulator, Emulator::DEFAULT_TOKEN), 503);
    assert_eq!(
        admin.faults().unwrap(),
        vec![FaultRule::once(
            FaultRoute::Operation("getChatsSettings"),
            Fault::status(503)
        )]
    );
    let counters = admin.counters().unwrap();
    assert_eq!(counters.total, 1);
    assert_eq!(counters.faults_injected, 1);
    assert_eq!(counters.operation("getChatsSettings"), 1);

    admin.clear_faults().unwrap();
    assert_eq!(admin.faults().unwrap(), vec![]);
    assert_eq!(settings_status(emulator, Emulator::DEFAULT_TOKEN), 200);

    admin.add_fault(&rule).unwrap();
    admin.reset().unwrap();
    let counters = admin.counters().unwrap();
    assert_eq!((counters.total, counters.faults_injected), (0, 0));
    assert_eq!(admin.faults().unwrap(), vec![]);
}

#[test]
fn the_admin_client_sets_the_rate_limit_and_mints_tokens() {
    let server = Server::start_default().unwrap();
    let admin = AdminClient::new(&server.base_url()).unwrap();
    let emulator = server.emulator();

    admin
        .set_rate_limit(Some(RateLimit {
            allowed: 1,
            window: Duration::from_secs(60),
        }))
        .unwrap();
    assert_eq!(settings_status(emulator, Emulator::DEFAULT_TOKEN), 200);
    assert_eq!(settings_status(emulator, Emulator::DEFAULT_TOKEN), 429);
    assert_eq!(admin.counters().unwrap().rate_limited, 1);
    admin.set_rate_limit(None).unwrap();
    assert_eq!(settings_status(emulator, Emulator::DEFAULT_TOKEN), 200);

    let token = admin.mint_token("bob", &Permissions::all()).unwrap();
    assert!(token.starts_with("emu-"), "{token}");
    assert_eq!(settings_status(emulator, &token), 200);
    let none = admin.mint_token("bob", &Permissions::none()).unwrap();
    assert_eq!(settings_status(emulator, &none), 403);

    let users: Vec<String> = admin.users().unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(users, ["alice", "bob", "carol", "dave"]);
}

#[test]
fn unknown_permissions_and_users_are_refused() {
    let server = Server::start_default().unwrap();
    let admin = AdminClient::new(&server.base_url()).unwrap();
    let refused = admin
        .mint_token(
            "bob",
            &Permissions::of(["chat:room:view", "chat:room:veiw"]),
        )
        .unwrap_err();
    let AdminError::Refused {
        status,
        code,
        message,
    } = &refused
    else {
        panic!("{refused:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(code.as_deref(), Some("bad.request"));
    let message = message.as_deref().unwrap();
    let head = "Invalid value for `permissions`: no operation checks chat:room:veiw; the known permissions are ";
    assert!(message.starts_with(head), "{message}");
    for known in ["chat:room:view", "chat:setting:edit", "chat:chat:access"] {
        assert!(message[head.len()..].contains(known), "{message}");
    }
    assert!(refused.to_string().starts_with(
        "the emulator answered HTTP 400 (bad.request): Invalid value for `permissions`: no operation checks chat:room:veiw;"
    ));
    let unknown_user = admin.mint_token("zoe", &Permissions::all()).unwrap_err();
    assert!(
        matches!(&unknown_user, AdminError::Refused { status: 404, code: Some(code), .. } if code == "not.found"),
        "{unknown_user:?}"
    );
}

#[test]
fn get_emulator_answers_the_index_of_the_admin_endpoints() {
    let server = Server::start_default().unwrap();
    let index = AdminClient::new(&server.base_url())
        .unwrap()
        .index()
        .unwrap();
    let endpoints: Vec<(String, String)> = index["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["body"].is_string() && e["answer"].is_string(), "{e}");
            (
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("GET", "/__emulator/"),
        ("POST", "/__emulator/faults"),
        ("GET", "/__emulator/faults"),
        ("DELETE", "/__emulator/faults"),
        ("GET", "/__emulator/counters"),
        ("POST", "/__emulator/reset"),
        ("PUT", "/__emulator/rate-limit"),
        ("DELETE", "/__emulator/rate-limit"),
        ("GET", "/__emulator/users"),
        ("POST", "/__emulator/tokens"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(endpoints, want);
}

#[test]
fn the_admin_client_sends_a_loopback_host_and_a_json_content_type() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let capture = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .unwrap();
        (head, String::from_utf8(body).unwrap())
    });
    AdminClient::new(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .add_fault(&FaultRule::once(
            FaultRoute::Token,
            Fault::drop_connection(),
        ))
        .unwrap();
    let (head, body) = capture.join().unwrap();
    let body_len = r#"{"route":"token","fault":{"kind":"dropConnection"},"times":1}"#.len();
    assert_eq!(
        head,
        format!(
            "POST /__emulator/faults HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {body_len}\r\n\r\n"
        )
    );
    assert_eq!(
        body,
        r#"{"route":"token","fault":{"kind":"dropConnection"},"times":1}"#
    );
}

#[test]
fn the_admin_client_refuses_base_urls_it_cannot_serve() {
    for (url, why) in [
        (
            "https://127.0.0.1:8080",
            "invalid emulator base URL: must start with http:// (the emulator serves plain HTTP on loopback)",
        ),
        (
            "http://127.0.0.1:8080/api",
            "invalid emulator base URL: must be the base URL alone, http://127.0.0.1:<port>, without a path",
        ),
        (
            "http://evil.example:8080",
            "invalid emulator base URL: must name a loopback host (127.0.0.1, localhost or [::1]): the admin endpoints answer nothing else",
        ),
    ] {
        assert_eq!(AdminClient::new(url).unwrap_err().to_string(), why, "{url}");
    }
    assert!(AdminClient::new("http://127.0.0.1:8080/").is_ok());
    assert!(AdminClient::new("http://[::1]:8080").is_ok());
}

#[test]
fn the_binary_prints_its_version() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "genesys-chat-emulator 0.1.0\n"
    );
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("--json") && help.contains("--version"),
        "{help}"
    );
}

#[test]
fn the_binary_prints_its_banner_as_one_json_object() {
    let mut child = Child(
        Command::new(BIN)
            .args(["--json", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let banner: Value = serde_json::from_str(&line).unwrap();

    let base = banner["baseUrl"].as_str().unwrap().to_owned();
    let port = base.strip_prefix("http://127.0.0.1:").unwrap();
    assert!(port.parse::<u16>().unwrap() > 0, "{base}");
    assert_eq!(banner["adminUrl"], format!("{base}/__emulator/"));
    assert_eq!(banner["accessToken"], "emulator-token-alice");
    assert_eq!(banner["version"], "0.1.0");
    assert_eq!(
        banner["clients"],
        json!([{"clientId": "emulator-client", "clientSecret": "emulator-secret"}])
    );
    assert_eq!(
        banner["publicClients"],
        json!([{"clientId": "emulator-public-client"}])
    );
    let users = banner["users"].as_array().unwrap();
    let names_and_tokens: Vec<(&str, &str)> = users
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["token"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names_and_tokens,
        [
            ("alice", "emulator-token-alice"),
            ("bob", "emulator-token-bob"),
            ("carol", "emulator-token-carol"),
            ("dave", "emulator-token-dave"),
        ]
    );
    // The ids and JIDs are the ones the running process serves.
    let served: Vec<AdminUser> = AdminClient::new(&base).unwrap().users().unwrap();
    assert_eq!(served.len(), 4);
    for (printed, served) in users.iter().zip(&served) {
        assert_eq!(printed["id"], served.id.as_str());
        assert_eq!(printed["jid"], served.jid.as_str());
        assert!(
            served.jid.ends_with("@example.orgspan.com"),
            "{}",
            served.jid
        );
    }
}
