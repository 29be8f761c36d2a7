//! The loopback server's speed: sequential keep-alive `GET /api/v2/chats/settings` from
//! one client (ureq 3), so it is never the bottleneck of the transports' benchmarks.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-testkit cargo bench -p genesys-chat-testkit --bench loopback -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! Criterion reports the time per request and, as throughput, requests per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use genesys_chat_testkit::{Emulator, server::Server};

fn loopback(c: &mut Criterion) {
    let server = match Server::start_default() {
        Ok(server) => server,
        Err(e) => panic!("cannot start the loopback server: {e}"),
    };
    let url = format!("{}/api/v2/chats/settings", server.base_url());
    let auth = format!("Bearer {}", Emulator::DEFAULT_TOKEN);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    let mut group = c.benchmark_group("loopback");
    group.throughput(Throughput::Elements(1));
    group.bench_function("get_chats_settings_keep_alive_1_client", |b| {
        b.iter(|| {
            let mut response = match agent.get(&url).header("Authorization", &auth).call() {
                Ok(response) => response,
                Err(e) => panic!("request failed: {e}"),
            };
            assert_eq!(response.status(), 200);
            let body = match response.body_mut().read_to_vec() {
                Ok(body) => body,
                Err(e) => panic!("body failed: {e}"),
            };
            black_box(body)
        });
    });
    group.finish();
    let counters = server.emulator().counters();
    assert_eq!(counters.operation("getChatsSettings"), counters.total);
}

criterion_group!(benches, loopback);
criterion_main!(benches);
