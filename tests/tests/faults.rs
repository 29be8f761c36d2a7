//! Fault injection in-process: each fault kind once, whether the operation was applied,
//! the counters; the per-token rate limit; faults on the token endpoint.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use genesys_chat::Error;
use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::*;
use genesys_chat_testkit::{
    Action, Emulator, Fault, FaultRoute, FaultRule, MALFORMED_BODY, RateLimit,
};

fn route(id: &str) -> FaultRoute {
    FaultRoute::operation(id).unwrap()
}

fn post_op(w: &World) -> PostChatsRoomMessages {
    PostChatsRoomMessages::new(&w.room, SendMessageBody::new("faulty?"))
}

#[test]
fn status_faults_refuse_before_applying() {
    let w = world();
    for status in [500u16, 502, 503, 504] {
        w.emu
            .add_fault(FaultRule::once(
                route("postChatsRoomMessages"),
                Fault::status(status),
            ))
            .unwrap();
        let before = w.emu.message_count();
        let cfg = cfg(Emulator::DEFAULT_TOKEN);
        let response = w.emu.handle(post_op(&w).to_http_checked(&cfg));
        let code = match status {
            500 => "internal.server.error",
            502 => "bad.gateway",
            503 => "service.unavailable",
            _ => "gateway.timeout",
        };
        assert_error_body(&response, status, code);
        assert_eq!(
            w.emu.message_count(),
            before,
            "a {status} fault must not store the message"
        );
        let (got, _) = api_error(genesys_chat::Operation::parse(
            &post_op(&w),
            &cfg,
            &response,
        ));
        assert_eq!(got, status);
    }
    // The rules were used up: the next post goes through.
    assert!(w.emu.faults().is_empty());
    call(&w.emu, Emulator::DEFAULT_TOKEN, &post_op(&w)).unwrap();
    let counters = w.emu.counters();
    assert_eq!(counters.faults_injected, 4);
    assert_eq!(counters.operation("postChatsRoomMessages"), 1 + 4 + 1);
}

/// Builds with the core, panicking on a refusal (test inputs are valid).
trait Checked {
    fn to_http_checked(&self, cfg: &genesys_chat::Config) -> http::Request<Vec<u8>>;
}

impl<O: genesys_chat::Operation> Checked for O {
    fn to_http_checked(&self, cfg: &genesys_chat::Config) -> http::Request<Vec<u8>> {
        self.to_http(cfg).unwrap()
    }
}

#[test]
fn too_many_requests_with_and_without_retry_after() {
    let w = world();
    let op = GetChatsSettings::new();
    w.emu
        .add_fault(FaultRule::once(
            route("getChatsSettings"),
            Fault::too_many_requests(Duration::from_secs(7)),
        ))
        .unwrap();
    w.emu
        .add_fault(FaultRule::once(
            route("getChatsSettings"),
            Fault::status(429),
        ))
        .unwrap();

    let response = w
        .emu
        .handle(op.to_http_checked(&cfg(Emulator::DEFAULT_TOKEN)));
    assert_error_body(&response, 429, "too.many.requests.retry.after");
    assert_eq!(response.headers()["retry-after"], "7");
    match call(&w.emu, Emulator::DEFAULT_TOKEN, &op) {
        Err(Error::Api(e)) => {
            assert_eq!((e.status, e.code()), (429, Some("too.many.requests")));
            assert_eq!(e.retry_after, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(call(&w.emu, Emulator::DEFAULT_TOKEN, &op).is_ok());
}

#[test]
fn the_core_reads_retry_after() {
    let w = world();
    w.emu
        .add_fault(FaultRule::once(
            FaultRoute::Api,
            Fault::too_many_requests(Duration::from_secs(3)),
        ))
        .unwrap();
    match call(&w.emu, Emulator::DEFAULT_TOKEN, &GetChatsRoom::new(&w.room)) {
        Err(Error::Api(e)) => assert_eq!(e.retry_after, Some(Duration::from_secs(3))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_delay_applies_the_operation_and_answers_late() {
    let w = world();
    w.emu
        .add_fault(FaultRule::once(
            route("postChatsRoomMessages"),
            Fault::delay(Duration::from_millis(80)),
        ))
        .unwrap();
    let dispatch = w
        .emu
        .dispatch(post_op(&w).to_http_checked(&cfg(Emulator::DEFAULT_TOKEN)));
    assert_eq!(dispatch.delay, Some(Duration::from_millis(80)));
    assert_eq!(dispatch.action, Action::Respond);
    assert_eq!(dispatch.response.status(), 200);
    assert_eq!(w.emu.message_count(), 3);

    w.emu
        .add_fault(FaultRule::once(
            route("getChatsSettings"),
            Fault::delay(Duration::from_millis(80)),
        ))
        .unwrap();
    let started = Instant::now();
    call(&w.emu, Emulator::DEFAULT_TOKEN, &GetChatsSettings::new()).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(80),
        "handle sleeps for the delay"
    );
}

#[test]
fn a_truncated_body_applies_the_operation() {
    let w = world();
    w.emu
        .add_fault(FaultRule::once(
            route("postChatsRoomMessages"),
            Fault::Truncate,
        ))
        .unwrap();
    let cfg = cfg(Emulator::DEFAULT_TOKEN);
    let dispatch = w.emu.dispatch(post_op(&w).to_http_checked(&cfg));
    let full = dispatch.response.body().len();
    assert_eq!(dispatch.action, Action::Truncate { sent: full / 2 });
    assert_eq!(w.emu.message_count(), 3, "applied");

    // In-process: the Content-Length of the whole body over a shortened body.
    w.emu
        .add_fault(FaultRule::once(route("getChatsRoom"), Fault::Truncate))
        .unwrap();
    let op = GetChatsRoom::new(&w.room);
    let response = w.emu.handle(op.to_http_checked(&cfg));
    let announced: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(response.body().len() < announced);
    assert!(matches!(
        genesys_chat::Operation::parse(&op, &cfg, &response),
        Err(Error::Decode { .. })
    ));

    // A void answer becomes 200 `{}` so that there is something to cut.
    w.emu
        .add_fault(FaultRule::once(
            route("deleteChatsRoomMessage"),
            Fault::Truncate,
        ))
        .unwrap();
    let d = w
        .emu
        .dispatch(DeleteChatsRoomMessage::new(&w.room, &w.room_msg).to_http_checked(&cfg));
    assert_eq!(
        (d.response.status().as_u16(), d.response.body().as_slice()),
        (200, &b"{}"[..])
    );
    assert_eq!(d.action, Action::Truncate { sent: 1 });
}

#[test]
fn a_malformed_body_applies_the_operation() {
    let w = world();
    w.emu
        .add_fault(FaultRule::once(
            route("postChatsRoomMessages"),
            Fault::Malformed,
        ))
        .unwrap();
    let cfg = cfg(Emulator::DEFAULT_TOKEN);
    let op = post_op(&w);
    let response = w.emu.handle(op.to_http_checked(&cfg));
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), MALFORMED_BODY);
    assert!(serde_json::from_slice::<serde_json::Value>(response.body()).is_err());
    assert!(matches!(
        genesys_chat::Operation::parse(&op, &cfg, &response),
        Err(Error::Decode { .. })
    ));
    assert_eq!(w.emu.message_count(), 3, "applied");
}

#[test]
fn dropped_connections_before_and_after_applying() {
    let w = world();
    let cfg = cfg(Emulator::DEFAULT_TOKEN);
    w.emu
        .add_fault(FaultRule::once(
            route("postChatsRoomMessages"),
            Fault::DropConnection,
        ))
        .unwrap();
    let d = w.emu.dispatch(post_op(&w).to_http_checked(&cfg));
    assert_eq!(d.action, Action::DropConnection);
    assert_eq!(w.emu.message_count(), 2, "not applied");
    // In-process a drop is a 502 `connection.dropped`.
    assert_error_body(&d.response, 502, "connection.dropped");

    w.emu
        .add_fault(FaultRule::once(
            route("postChatsRoomMessages"),
            Fault::DropAfterApply,
        ))
        .unwrap();
    let response = w.emu.handle(post_op(&w).to_http_checked(&cfg));
    assert_error_body(&response, 502, "connection.dropped");
    assert_eq!(w.emu.message_count(), 3, "applied, then dropped");
}

#[test]
fn routes_any_api_token_and_times() {
    let w = world();
    w.emu
        .add_fault(FaultRule::new(FaultRoute::Api, Fault::status(503)).times(3))
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            api_error(call(
                &w.emu,
                Emulator::DEFAULT_TOKEN,
                &GetChatsSettings::new()
            ))
            .0,
            503
        );
    }
    assert!(call(&w.emu, Emulator::DEFAULT_TOKEN, &GetChatsSettings::new()).is_ok());

    // `Api` does not touch the token endpoint; `Token` does; `Any` touches both.
    let login = || {
        let request = http::Request::post("/oauth/token")
            .header(
                "Authorization",
                "Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==",
            )
            .body(b"grant_type=client_credentials".to_vec())
            .unwrap();
        w.emu.handle(request)
    };
    w.emu
        .add_fault(FaultRule::new(FaultRoute::Api, Fault::status(500)))
        .unwrap();
    assert_eq!(login().status(), 200);
    w.emu.clear_faults();
    w.emu
        .add_fault(FaultRule::once(
            FaultRoute::Token,
            Fault::too_many_requests(Duration::from_secs(1)),
        ))
        .unwrap();
    let response = login();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(keys(&json), ["error", "error_description"]);
    assert!(call(&w.emu, Emulator::DEFAULT_TOKEN, &GetChatsSettings::new()).is_ok());
    w.emu
        .add_fault(FaultRule::new(FaultRoute::Any, Fault::status(502)).times(2))
        .unwrap();
    assert_eq!(login().status(), 502);
    assert_eq!(
        api_error(call(
            &w.emu,
            Emulator::DEFAULT_TOKEN,
            &GetChatsSettings::new()
        ))
        .0,
        502
    );
    assert!(call(&w.emu, Emulator::DEFAULT_TOKEN, &GetChatsSettings::new()).is_ok());

    let counters = w.emu.counters();
    assert_eq!(counters.token_requests, 3);
    assert_eq!(counters.faults_injected, 3 + 1 + 2);
    assert_eq!(counters.operation("getChatsSettings"), 3 + 1 + 1 + 1 + 1);
    assert_eq!(
        counters.total,
        counters.api_requests() + counters.token_requests
    );

    // Invalid rules are refused.
    assert!(
        w.emu
            .add_fault(FaultRule::new(FaultRoute::Api, Fault::status(200)))
            .is_err()
    );
    assert!(
        w.emu
            .add_fault(FaultRule::new(FaultRoute::Api, Fault::status(503)).times(0))
            .is_err()
    );
    assert!(
        FaultRoute::operation("postChatsRoomMessage").is_none(),
        "not an official id"
    );
}

#[test]
fn the_rate_limit_counts_per_token_and_resets_with_its_window() {
    let w = world();
    w.emu.set_rate_limit(Some(RateLimit {
        allowed: 3,
        window: Duration::from_secs(60),
    }));
    let alice_token = Emulator::DEFAULT_TOKEN;
    let cfg = cfg(alice_token);
    for n in 1..=3 {
        let response = w.emu.handle(GetChatsSettings::new().to_http_checked(&cfg));
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["inin-ratelimit-count"],
            n.to_string().as_str()
        );
        assert_eq!(response.headers()["inin-ratelimit-allowed"], "3");
        assert_eq!(response.headers()["inin-ratelimit-reset"], "60");
    }
    w.clock.advance(Duration::from_secs(20));
    let response = w.emu.handle(GetChatsSettings::new().to_http_checked(&cfg));
    assert_error_body(&response, 429, "too.many.requests.retry.after");
    assert_eq!(response.headers()["retry-after"], "40");
    assert_eq!(response.headers()["inin-ratelimit-count"], "4");
    // Another token has its own window.
    assert!(call(&w.emu, &w.token("bob"), &GetChatsSettings::new()).is_ok());
    // The window ends: allowed again.
    w.clock.advance(Duration::from_secs(40));
    assert!(call(&w.emu, alice_token, &GetChatsSettings::new()).is_ok());
    assert_eq!(w.emu.counters().rate_limited, 1);
    w.emu.set_rate_limit(None);
    let response = w.emu.handle(GetChatsSettings::new().to_http_checked(&cfg));
    assert!(!response.headers().contains_key("inin-ratelimit-count"));
}

#[test]
fn reset_clears_the_service_but_keeps_the_org() {
    let w = world();
    w.emu
        .add_fault(FaultRule::new(FaultRoute::Api, Fault::status(500)))
        .unwrap();
    w.emu.reset();
    assert_eq!(w.emu.message_count(), 0);
    assert!(w.emu.faults().is_empty());
    assert_eq!(w.emu.counters(), genesys_chat_testkit::Counters::default());
    assert_eq!(
        api_error(call(
            &w.emu,
            Emulator::DEFAULT_TOKEN,
            &GetChatsRoom::new(&w.room)
        ))
        .0,
        404
    );
    assert_eq!(w.emu.user("bob").unwrap().id, w.bob.id);
}
