#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The front door: errors a program can match without strings, the configuration from
//! the environment (`GENESYSCLOUD_API_REGION`), base URLs that cannot double `/api/v2`,
//! and timestamps to and from `SystemTime`, `time` and `chrono`. Every expected value is
//! written out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genesys_chat::auth::Credentials;
use genesys_chat::error::codes;
use genesys_chat::paging::Stuck;
use genesys_chat::{ApiError, Config, Error, Region, Timestamp, TransportErrorKind};

// ----- errors -----

fn api(status: u16, body: Option<&str>) -> Error {
    Error::Api(Box::new(ApiError {
        body: body.map(|b| serde_json::from_str(b).unwrap()),
        correlation_id: Some("corr-1".to_owned()),
        ..ApiError::new("getChatsRoom", status)
    }))
}

fn transport(kind: TransportErrorKind) -> Error {
    Error::Transport {
        operation: "postChatsRoomMessages",
        kind,
        message: "connection reset".to_owned(),
    }
}

fn oauth(status: u16, error: &str) -> Error {
    Error::OAuth {
        status,
        error: error.to_owned(),
        description: None,
    }
}

/// What every accessor and predicate answers for one error.
#[derive(Debug, PartialEq)]
struct Answers<'a> {
    status: Option<u16>,
    code: Option<&'a str>,
    correlation_id: Option<&'a str>,
    retry_after: Option<Duration>,
    /// not found, forbidden, unauthorized, rate limited, invalid input, transport,
    /// may have been sent
    flags: [bool; 7],
}

fn answers(e: &Error) -> Answers<'_> {
    Answers {
        status: e.status(),
        code: e.code(),
        correlation_id: e.correlation_id(),
        retry_after: e.retry_after(),
        flags: [
            e.is_not_found(),
            e.is_forbidden(),
            e.is_unauthorized(),
            e.is_rate_limited(),
            e.is_invalid_input(),
            e.is_transport(),
            e.request_may_have_been_sent(),
        ],
    }
}

const F: bool = false;
const T: bool = true;

#[test]
fn every_predicate_against_every_variant() {
    let mut retry_429 = ApiError::new("postChatsRoomMessages", 429);
    retry_429.body = Some(
        serde_json::from_str(r#"{"code":"too.many.requests.retry.after","status":429}"#).unwrap(),
    );
    retry_429.retry_after = Some(Duration::from_secs(120));
    retry_429.correlation_id = Some("corr-429".to_owned());

    #[rustfmt::skip]
    let table: Vec<(&str, Error, Answers<'static>)> = vec![
        ("invalid input", Error::InvalidInput { field: "roomJid", reason: "is empty".to_owned() },
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, T, F, F] }),
        ("config", Error::Config("no token".to_owned()),
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, F, F] }),
        ("api 400", api(400, Some(r#"{"code":"bad.request"}"#)),
            Answers { status: Some(400), code: Some("bad.request"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, F, F, F, F, F, T] }),
        ("api 401", api(401, Some(r#"{"code":"bad.credentials"}"#)),
            Answers { status: Some(401), code: Some("bad.credentials"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, F, T, F, F, F, T] }),
        ("api 403 permissions", api(403, Some(r#"{"code":"missing.any.permissions"}"#)),
            Answers { status: Some(403), code: Some("missing.any.permissions"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, T, F, F, F, F, T] }),
        ("api 403 not authorized", api(403, Some(r#"{"code":"not.authorized"}"#)),
            Answers { status: Some(403), code: Some("not.authorized"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, T, F, F, F, F, T] }),
        ("api 404", api(404, Some(r#"{"code":"not.found"}"#)),
            Answers { status: Some(404), code: Some("not.found"), correlation_id: Some("corr-1"), retry_after: None, flags: [T, F, F, F, F, F, T] }),
        ("api 404 without a body", api(404, None),
            Answers { status: Some(404), code: None, correlation_id: Some("corr-1"), retry_after: None, flags: [T, F, F, F, F, F, T] }),
        ("api 429 with Retry-After", Error::Api(Box::new(retry_429)),
            Answers { status: Some(429), code: Some("too.many.requests.retry.after"), correlation_id: Some("corr-429"), retry_after: Some(Duration::from_secs(120)), flags: [F, F, F, T, F, F, T] }),
        ("api 429 without", api(429, Some(r#"{"code":"too.many.requests"}"#)),
            Answers { status: Some(429), code: Some("too.many.requests"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, F, F, T, F, F, T] }),
        ("api 500", api(500, Some(r#"{"code":"internal.server.error"}"#)),
            Answers { status: Some(500), code: Some("internal.server.error"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, F, F, F, F, F, T] }),
        ("api 302", api(302, Some(r#"{"code":"redirect.not.followed"}"#)),
            Answers { status: Some(302), code: Some("redirect.not.followed"), correlation_id: Some("corr-1"), retry_after: None, flags: [F, F, F, F, F, F, T] }),
        ("decode", Error::Decode { operation: "getChatsRoom", status: 200, reason: "expected an object".to_owned(), excerpt: "[]".to_owned(), content_type: None, body_len: 2 },
            Answers { status: Some(200), code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, F, T] }),
        ("transport connect", transport(TransportErrorKind::Connect),
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, T, F] }),
        ("transport timeout", transport(TransportErrorKind::Timeout),
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, T, T] }),
        ("transport io", transport(TransportErrorKind::Io),
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, T, T] }),
        ("transport other", transport(TransportErrorKind::Other),
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, T, T] }),
        ("oauth 401", oauth(401, "invalid_client"),
            Answers { status: None, code: Some("invalid_client"), correlation_id: None, retry_after: None, flags: [F, F, T, F, F, F, F] }),
        ("oauth 400", oauth(400, "invalid_grant"),
            Answers { status: None, code: Some("invalid_grant"), correlation_id: None, retry_after: None, flags: [F, F, F, F, F, F, F] }),
        ("oauth 429", oauth(429, "too_many_requests"),
            Answers { status: None, code: Some("too_many_requests"), correlation_id: None, retry_after: None, flags: [F, F, F, T, F, F, F] }),
        ("body too large", Error::BodyTooLarge { operation: "getChatsRoomMessages", limit: 1024, size: 4096 },
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, F, T] }),
        ("malformed item", Error::MalformedItem { operation: "getChatsRoomMessages", index: 3, reason: "missing field".to_owned() },
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, F, T] }),
        ("history stuck", Error::HistoryStuck { operation: "getChatsRoomMessages", reason: Stuck::RepeatedPage { repeated: 25 } },
            Answers { status: None, code: None, correlation_id: None, retry_after: None, flags: [F, F, F, F, F, F, T] }),
    ];
    assert_eq!(table.len(), 23);
    for (name, error, want) in &table {
        assert_eq!(&answers(error), want, "{name}");
    }
}

#[test]
fn the_codes_are_the_services_strings() {
    let table = [
        (codes::BAD_REQUEST, "bad.request"),
        (codes::INVALID_VALUE, "invalid.value"),
        (codes::AUTHENTICATION_REQUIRED, "authentication.required"),
        (codes::BAD_CREDENTIALS, "bad.credentials"),
        (codes::MISSING_ANY_PERMISSIONS, "missing.any.permissions"),
        (codes::NOT_AUTHORIZED, "not.authorized"),
        (codes::NOT_FOUND, "not.found"),
        (codes::REQUEST_ENTITY_TOO_LARGE, "request.entity.too.large"),
        (codes::TOO_MANY_REQUESTS, "too.many.requests"),
        (
            codes::TOO_MANY_REQUESTS_RETRY_AFTER,
            "too.many.requests.retry.after",
        ),
        (codes::INTERNAL_SERVER_ERROR, "internal.server.error"),
        (codes::BAD_GATEWAY, "bad.gateway"),
        (codes::SERVICE_UNAVAILABLE, "service.unavailable"),
        (codes::GATEWAY_TIMEOUT, "gateway.timeout"),
        (codes::SERVER_ERROR, "server.error"),
        (codes::REDIRECT_NOT_FOLLOWED, "redirect.not.followed"),
        (codes::NOT_IMPLEMENTED, "not.implemented"),
        (codes::CONNECTION_DROPPED, "connection.dropped"),
        (codes::HOST_NOT_ALLOWED, "host.not.allowed"),
        (codes::ORIGIN_NOT_ALLOWED, "origin.not.allowed"),
        (codes::UNSUPPORTED_MEDIA_TYPE, "unsupported.media.type"),
        (codes::oauth::INVALID_REQUEST, "invalid_request"),
        (codes::oauth::INVALID_CLIENT, "invalid_client"),
        (codes::oauth::INVALID_GRANT, "invalid_grant"),
        (codes::oauth::UNAUTHORIZED_CLIENT, "unauthorized_client"),
        (
            codes::oauth::UNSUPPORTED_GRANT_TYPE,
            "unsupported_grant_type",
        ),
        (codes::oauth::TOO_MANY_REQUESTS, "too_many_requests"),
        (
            codes::oauth::TEMPORARILY_UNAVAILABLE,
            "temporarily_unavailable",
        ),
        (codes::oauth::SERVER_ERROR, "server_error"),
        (
            codes::oauth::UNSUPPORTED_RESPONSE_TYPE,
            "unsupported_response_type",
        ),
    ];
    for (constant, literal) in table {
        assert_eq!(constant, literal);
    }
    // A constant is a pattern.
    let matched = match api(404, Some(r#"{"code":"not.found"}"#)).code() {
        Some(codes::NOT_FOUND) => "gone",
        Some(codes::NOT_AUTHORIZED) => "not yours",
        _ => "other",
    };
    assert_eq!(matched, "gone");
}

#[test]
fn display_is_as_clear_as_before() {
    let e = api(
        404,
        Some(r#"{"code":"not.found","message":"The room was not found."}"#),
    );
    assert_eq!(
        e.to_string(),
        "`getChatsRoom` failed with HTTP 404 (not.found): The room was not found. [correlation id corr-1]"
    );
    let mut limited = ApiError::new("postChatsRoomMessages", 429);
    limited.retry_after = Some(Duration::from_secs(120));
    assert_eq!(
        Error::Api(Box::new(limited)).to_string(),
        "`postChatsRoomMessages` failed with HTTP 429; retry after 120s"
    );
    assert_eq!(
        transport(TransportErrorKind::Connect).to_string(),
        "`postChatsRoomMessages` failed: could not connect (the request was not sent): connection reset"
    );
}

// ----- base URLs -----

fn refused(url: &str) -> String {
    match Config::with_base_url(url) {
        Err(
            e @ Error::InvalidInput {
                field: "baseUrl", ..
            },
        ) => e.to_string(),
        other => panic!("{url}: {other:?}"),
    }
}

const NO_API_V2: &str = "invalid `baseUrl`: ends in /api/v2, which the client puts in front of every path itself; pass the URL without /api/v2, e.g. https://api.mypurecloud.com, not https://api.mypurecloud.com/api/v2";
const NO_QUERY: &str = "invalid `baseUrl`: holds a query (?…) or a fragment (#…); pass the base URL alone, e.g. https://api.mypurecloud.com or https://gw.example.com/genesys";
const NO_USERINFO: &str = "invalid `baseUrl`: holds credentials (user@host); pass the URL without them (e.g. https://api.mypurecloud.com) and the token or client credentials through Config or Credentials";

#[test]
fn a_base_url_ending_in_api_v2_is_refused_with_what_to_pass() {
    for url in [
        "https://api.mypurecloud.com/api/v2",
        "https://api.mypurecloud.com/api/v2/",
        "https://api.mypurecloud.com/API/V2",
        "https://api.mypurecloud.com/Api/v2//",
        "https://gw.example.com/genesys/api/v2",
        "http://127.0.0.1:8080/api/v2",
    ] {
        assert_eq!(refused(url), NO_API_V2, "{url}");
    }
    let login = Config::with_base_url("https://gw.example.com")
        .unwrap()
        .with_login_base_url("https://login.mypurecloud.com/api/v2/")
        .unwrap_err();
    assert_eq!(
        login.to_string(),
        NO_API_V2.replace("`baseUrl`", "`loginBaseUrl`")
    );
}

#[test]
fn a_base_url_with_a_query_fragment_or_userinfo_is_refused() {
    assert_eq!(refused("https://api.mypurecloud.com/?region=1"), NO_QUERY);
    assert_eq!(refused("https://api.mypurecloud.com?x"), NO_QUERY);
    assert_eq!(refused("https://api.mypurecloud.com/#top"), NO_QUERY);
    assert_eq!(refused("https://api.mypurecloud.com/api/v2?x=1"), NO_QUERY);
    let userinfo = refused("https://me:pa55word@api.mypurecloud.com");
    assert_eq!(userinfo, NO_USERINFO);
    assert!(!userinfo.contains("pa55word"));
}

#[test]
fn a_gateway_prefix_still_works() {
    for (url, base) in [
        (
            "https://gw.example.com/genesys",
            "https://gw.example.com/genesys",
        ),
        (
            "https://gw.example.com/genesys/",
            "https://gw.example.com/genesys",
        ),
        (
            "https://gw.example.com/api/v2x",
            "https://gw.example.com/api/v2x",
        ),
        (
            "https://gw.example.com/api/v2/chat",
            "https://gw.example.com/api/v2/chat",
        ),
        (
            "https://gw.example.com/myapi/v2",
            "https://gw.example.com/myapi/v2",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ] {
        let cfg = Config::with_base_url(url).unwrap();
        assert_eq!(cfg.api_base_url().to_string(), base, "{url}");
        assert_eq!(cfg.login_base_url().to_string(), base, "{url}");
    }
}

// ----- the environment -----

fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

fn from_env(pairs: &'static [(&'static str, &'static str)]) -> (Config, Credentials) {
    Credentials::from_env_with(env(pairs)).unwrap()
}

fn env_error(pairs: &'static [(&'static str, &'static str)]) -> String {
    Credentials::from_env_with(env(pairs))
        .unwrap_err()
        .to_string()
}

#[test]
fn the_api_region_of_a_known_region_is_that_region() {
    let (cfg, creds) = from_env(&[
        ("GENESYSCLOUD_API_REGION", "https://api.usw2.pure.cloud"),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cret"),
    ]);
    assert_eq!(cfg.region(), Some(Region::UsWest2));
    assert_eq!(
        cfg.api_base_url().to_string(),
        "https://api.usw2.pure.cloud"
    );
    assert_eq!(
        cfg.login_base_url().to_string(),
        "https://login.usw2.pure.cloud"
    );
    assert!(creds.renewable());
    // Any case, a final slash and surrounding blanks change nothing.
    let (cfg, _) = from_env(&[
        ("GENESYSCLOUD_API_REGION", " HTTPS://API.MYPURECLOUD.IE/ "),
        ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
    ]);
    assert_eq!(cfg.region(), Some(Region::EuWest1));
}

#[test]
fn the_api_region_points_at_the_emulator() {
    let (cfg, creds) = from_env(&[
        ("GENESYSCLOUD_API_REGION", "http://127.0.0.1:8080"),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "emulator-client"),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "emulator-secret"),
    ]);
    assert_eq!(cfg.region(), None);
    assert_eq!(cfg.api_base_url().to_string(), "http://127.0.0.1:8080");
    assert_eq!(cfg.login_base_url().to_string(), "http://127.0.0.1:8080");
    assert!(matches!(creds, Credentials::Grant(_)));
    let (cfg, _) = from_env(&[
        ("GENESYSCLOUD_API_REGION", "http://localhost:9"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
    ]);
    assert_eq!(cfg.login_base_url().to_string(), "http://localhost:9");
}

#[test]
fn another_api_host_logs_in_at_its_login_host_and_other_hosts_on_the_same_base() {
    for (url, api, login) in [
        (
            "https://api.gw.example.com",
            "https://api.gw.example.com",
            "https://login.gw.example.com",
        ),
        (
            "https://api.gw.example.com:8443/genesys",
            "https://api.gw.example.com:8443/genesys",
            "https://login.gw.example.com:8443/genesys",
        ),
        (
            // A region's domain with a prefix is not the region itself.
            "https://api.mypurecloud.de/proxy",
            "https://api.mypurecloud.de/proxy",
            "https://login.mypurecloud.de/proxy",
        ),
        (
            "https://gw.example.com/genesys",
            "https://gw.example.com/genesys",
            "https://gw.example.com/genesys",
        ),
    ] {
        let (cfg, _) = Credentials::from_env_with(|name: &str| match name {
            "GENESYSCLOUD_API_REGION" => Some(url.to_owned()),
            "GENESYSCLOUD_ACCESS_TOKEN" => Some("tok".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.region(), None, "{url}");
        assert_eq!(cfg.api_base_url().to_string(), api, "{url}");
        assert_eq!(cfg.login_base_url().to_string(), login, "{url}");
    }
}

#[test]
fn the_api_region_wins_over_the_region() {
    let (cfg, _) = from_env(&[
        ("GENESYSCLOUD_REGION", "eu-west-1"),
        ("GENESYSCLOUD_API_REGION", "https://api.mypurecloud.de"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
    ]);
    assert_eq!(cfg.region(), Some(Region::EuCentral1));
    // Not even read: a region that is not one does not matter then.
    let (cfg, _) = from_env(&[
        ("GENESYSCLOUD_REGION", "mars-1"),
        ("GENESYSCLOUD_API_REGION", "http://127.0.0.1:8080"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
    ]);
    assert_eq!(cfg.api_base_url().to_string(), "http://127.0.0.1:8080");
    // An empty GENESYSCLOUD_API_REGION counts as unset.
    let (cfg, _) = from_env(&[
        ("GENESYSCLOUD_REGION", "eu-west-1"),
        ("GENESYSCLOUD_API_REGION", "  "),
        ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
    ]);
    assert_eq!(cfg.region(), Some(Region::EuWest1));
}

#[test]
fn one_error_names_every_missing_or_malformed_variable() {
    assert_eq!(
        env_error(&[]),
        "invalid configuration: the environment does not describe a connection: \
         GENESYSCLOUD_REGION is not set (e.g. eu-west-1), nor GENESYSCLOUD_API_REGION (e.g. https://api.mypurecloud.ie); \
         GENESYSCLOUD_OAUTHCLIENT_ID is not set (or set GENESYSCLOUD_ACCESS_TOKEN); \
         GENESYSCLOUD_OAUTHCLIENT_SECRET is not set (or set GENESYSCLOUD_ACCESS_TOKEN)"
    );
    assert_eq!(
        env_error(&[
            (
                "GENESYSCLOUD_API_REGION",
                "https://api.mypurecloud.com/api/v2"
            ),
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
        ]),
        "invalid configuration: the environment does not describe a connection: \
         GENESYSCLOUD_API_REGION is not an API server URL such as https://api.usw2.pure.cloud or http://127.0.0.1:8080: \
         it ends in /api/v2, which the client puts in front of every path itself; pass the URL without /api/v2, \
         e.g. https://api.mypurecloud.com, not https://api.mypurecloud.com/api/v2; \
         GENESYSCLOUD_OAUTHCLIENT_SECRET is not set (or set GENESYSCLOUD_ACCESS_TOKEN)"
    );
    assert_eq!(
        env_error(&[
            ("GENESYSCLOUD_API_REGION", "api.usw2.pure.cloud"),
            ("GENESYSCLOUD_ACCESS_TOKEN", "bad token"),
        ]),
        "invalid configuration: the environment does not describe a connection: \
         GENESYSCLOUD_API_REGION is not an API server URL such as https://api.usw2.pure.cloud or http://127.0.0.1:8080: \
         it must start with https:// or http://; \
         GENESYSCLOUD_ACCESS_TOKEN holds characters a token cannot have (spaces, line breaks, non-ASCII)"
    );
}

#[test]
fn plain_http_in_the_api_region_is_for_loopback_only() {
    assert_eq!(
        env_error(&[
            ("GENESYSCLOUD_API_REGION", "http://10.0.0.1:8080"),
            ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
        ]),
        "invalid configuration: the environment does not describe a connection: \
         GENESYSCLOUD_API_REGION uses plain http to a host that is not loopback, so the token would travel in clear text; \
         use https (plain http is for 127.0.0.1, localhost and [::1] only)"
    );
    assert_eq!(
        env_error(&[
            ("GENESYSCLOUD_API_REGION", "http://api.mypurecloud.com"),
            ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
        ]),
        "invalid configuration: the environment does not describe a connection: \
         GENESYSCLOUD_API_REGION uses plain http to a host that is not loopback, so the token would travel in clear text; \
         use https (plain http is for 127.0.0.1, localhost and [::1] only)"
    );
    let secret = env_error(&[
        (
            "GENESYSCLOUD_API_REGION",
            "https://user:hunter2@api.mypurecloud.com",
        ),
        ("GENESYSCLOUD_ACCESS_TOKEN", "tok"),
    ]);
    assert!(!secret.contains("hunter2"), "{secret}");
}

// ----- timestamps -----

/// 2026-11-25T10:00:01.123Z in Unix milliseconds (`date -u -d 2026-11-25T10:00:01Z +%s`
/// is 1795600801).
const MILLIS: u64 = 1_795_600_801_123;

#[test]
fn timestamps_to_and_from_system_time() {
    let at = UNIX_EPOCH + Duration::from_millis(MILLIS);
    let t = Timestamp::from_system_time(at).unwrap();
    assert_eq!(t.as_str(), "2026-11-25T10:00:01.123Z");
    assert_eq!(
        Timestamp::parse("2026-11-25T10:00:01.123Z")
            .unwrap()
            .to_system_time()
            .unwrap(),
        at
    );
    assert_eq!(
        Timestamp::parse("2026-11-25T11:00:01.123+01:00")
            .unwrap()
            .to_system_time()
            .unwrap(),
        at
    );
    // Cut down to the millisecond, never rounded up.
    let late = UNIX_EPOCH + Duration::from_nanos(1_795_600_801_123_999_999);
    assert_eq!(
        Timestamp::try_from(late).unwrap().as_str(),
        "2026-11-25T10:00:01.123Z"
    );
    assert_eq!(SystemTime::try_from(&t).unwrap(), at);
    assert_eq!(
        Timestamp::from_system_time(UNIX_EPOCH).unwrap().as_str(),
        "1970-01-01T00:00:00.000Z"
    );
    // The last instant the format holds: 9999-12-31T23:59:59Z is 253402300799.
    assert_eq!(
        Timestamp::from_system_time(UNIX_EPOCH + Duration::from_millis(253_402_300_799_999))
            .unwrap()
            .as_str(),
        "9999-12-31T23:59:59.999Z"
    );
}

#[test]
fn system_times_out_of_range_are_errors_not_panics() {
    let before = Timestamp::from_system_time(UNIX_EPOCH - Duration::from_millis(1)).unwrap_err();
    assert_eq!(
        before.to_string(),
        "invalid `timestamp`: is before 1970-01-01T00:00:00Z, which a SystemTime conversion does not take"
    );
    let beyond =
        Timestamp::from_system_time(UNIX_EPOCH + Duration::from_millis(253_402_300_800_000))
            .unwrap_err();
    assert_eq!(
        beyond.to_string(),
        "invalid `timestamp`: is outside the years 0000 to 9999 that an RFC 3339 date-time can write"
    );
    // 1969-07-20T20:17:40Z is -14182940 (`date -u -d 1969-07-20T20:17:40Z +%s`).
    let moon = Timestamp::parse("1969-07-20T20:17:40Z").unwrap();
    assert_eq!(moon.unix_millis(), Some(-14_182_940_000));
    assert_eq!(
        moon.to_system_time().unwrap_err().to_string(),
        "invalid `timestamp`: is before 1970-01-01T00:00:00Z, which a SystemTime conversion does not give"
    );
    // A value from the service in a format this crate does not read names no instant.
    let verbatim: Timestamp = serde_json::from_str(r#""yesterday""#).unwrap();
    assert_eq!(
        verbatim.to_system_time().unwrap_err().to_string(),
        "invalid `timestamp`: is not an RFC 3339 date-time (the service sent a format this crate does not read), so it names no instant to convert"
    );
}

#[cfg(feature = "time")]
#[test]
fn timestamps_to_and_from_time() {
    use time::{Date, Month, OffsetDateTime, UtcOffset};

    let utc = Date::from_calendar_date(2026, Month::November, 25)
        .unwrap()
        .with_hms_milli(10, 0, 1, 123)
        .unwrap()
        .assume_utc();
    let t = Timestamp::from_offset_date_time(utc).unwrap();
    assert_eq!(t.as_str(), "2026-11-25T10:00:01.123Z");
    assert_eq!(t.unix_millis(), Some(1_795_600_801_123));
    assert_eq!(t.to_offset_date_time().unwrap(), utc);
    assert_eq!(OffsetDateTime::try_from(&t).unwrap(), utc);
    // Another offset is the same instant, written in UTC.
    let paris = Date::from_calendar_date(2026, Month::November, 25)
        .unwrap()
        .with_hms_nano(11, 0, 1, 123_456_789)
        .unwrap()
        .assume_offset(UtcOffset::from_hms(1, 0, 0).unwrap());
    assert_eq!(
        Timestamp::try_from(paris).unwrap().as_str(),
        "2026-11-25T10:00:01.123Z"
    );
    let from_paris = Timestamp::parse("2026-11-25T11:00:01.123+01:00")
        .unwrap()
        .to_offset_date_time()
        .unwrap();
    assert_eq!(from_paris, utc);
    assert_eq!(from_paris.offset(), UtcOffset::UTC);
    // Before 1970 is fine here: 1969-07-20T20:17:40Z.
    let moon = Date::from_calendar_date(1969, Month::July, 20)
        .unwrap()
        .with_hms(20, 17, 40)
        .unwrap()
        .assume_utc();
    assert_eq!(
        Timestamp::from_offset_date_time(moon).unwrap().as_str(),
        "1969-07-20T20:17:40.000Z"
    );
    // Year -1 is outside the format.
    let bc = Date::from_calendar_date(-1, Month::January, 1)
        .unwrap()
        .midnight()
        .assume_utc();
    assert_eq!(
        Timestamp::from_offset_date_time(bc)
            .unwrap_err()
            .to_string(),
        "invalid `timestamp`: is outside the years 0000 to 9999 that an RFC 3339 date-time can write"
    );
}

#[cfg(feature = "chrono")]
#[test]
fn timestamps_to_and_from_chrono() {
    use chrono::{DateTime, NaiveDate, Utc};

    let utc: DateTime<Utc> = NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_milli_opt(10, 0, 1, 123)
        .unwrap()
        .and_utc();
    let t = Timestamp::from_chrono(utc).unwrap();
    assert_eq!(t.as_str(), "2026-11-25T10:00:01.123Z");
    assert_eq!(t.to_chrono().unwrap(), utc);
    assert_eq!(DateTime::<Utc>::try_from(&t).unwrap(), utc);
    assert_eq!(
        Timestamp::parse("2026-11-25T11:00:01.123+01:00")
            .unwrap()
            .to_chrono()
            .unwrap(),
        utc
    );
    let late = NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_nano_opt(10, 0, 1, 123_999_999)
        .unwrap()
        .and_utc();
    assert_eq!(
        Timestamp::try_from(late).unwrap().as_str(),
        "2026-11-25T10:00:01.123Z"
    );
    let moon = NaiveDate::from_ymd_opt(1969, 7, 20)
        .unwrap()
        .and_hms_opt(20, 17, 40)
        .unwrap()
        .and_utc();
    assert_eq!(
        Timestamp::from_chrono(moon).unwrap().as_str(),
        "1969-07-20T20:17:40.000Z"
    );
    for outside in [
        NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(-1, 12, 31).unwrap(),
    ] {
        assert_eq!(
            Timestamp::from_chrono(outside.and_hms_opt(0, 0, 0).unwrap().and_utc())
                .unwrap_err()
                .to_string(),
            "invalid `timestamp`: is outside the years 0000 to 9999 that an RFC 3339 date-time can write"
        );
    }
}
