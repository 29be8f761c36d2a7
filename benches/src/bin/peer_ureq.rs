//! The Rust side of the peer benchmark (`peers/run.sh`): the same sequential workload
//! as the official SDKs' programs, with the ureq client.
//!
//! ```text
//! peer_ureq [--raw [--no-global-timeout]] BASE_URL TOKEN ROOM_JID ITERATIONS WARMUP MESSAGE
//! ```
//!
//! Runs `WARMUP` untimed iterations, then `ITERATIONS` timed ones, each one post of
//! `MESSAGE` to the room and one read of its 25 newest messages, and prints one JSON
//! line: calls, seconds, calls per second, p50 and p99 latency of a call in
//! milliseconds, and the peak resident set size in KiB (`VmHWM`).
//!
//! With `--raw`, no client: the two requests are built once with the core and sent
//! through a plain `ureq::Agent` configured like the client's, the bodies read whole
//! and not parsed. That is the ceiling any client on this stack can reach against this
//! server. `--no-global-timeout` leaves out the per-request global timeout the client
//! sets, under which ureq resolves the host on a new thread for every request.

use std::process::ExitCode;
use std::time::Instant;

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages};
use genesys_chat::{Config, Operation};
use genesys_chat_benches::BoxError;
use genesys_chat_benches::loopback as lb;
use genesys_chat_benches::peer::{peak_rss_kib, percentile};

const USAGE: &str = "usage: peer_ureq [--raw [--no-global-timeout]] BASE_URL TOKEN ROOM_JID ITERATIONS WARMUP MESSAGE";

/// Messages read back by each history call.
const HISTORY: u32 = 25;

/// The two calls of one workload.
trait Calls {
    fn post(&self) -> Result<(), BoxError>;
    fn history(&self) -> Result<(), BoxError>;
}

struct WithClient {
    client: genesys_chat_ureq::Client,
    post: PostChatsRoomMessages,
    history: GetChatsRoomMessages,
}

impl Calls for WithClient {
    fn post(&self) -> Result<(), BoxError> {
        self.client.call(&self.post)?;
        Ok(())
    }

    fn history(&self) -> Result<(), BoxError> {
        let page = self.client.call(&self.history)?;
        if page.messages().len() != HISTORY as usize {
            return Err(format!("{} messages instead of {HISTORY}", page.messages().len()).into());
        }
        Ok(())
    }
}

struct Raw {
    agent: ureq::Agent,
    post: http::Request<Vec<u8>>,
    history: http::Request<Vec<u8>>,
}

/// Copies a request built by the core, with another body type.
fn copy<B>(proto: &http::Request<Vec<u8>>, body: B) -> http::Request<B> {
    let mut request = http::Request::new(body);
    *request.method_mut() = proto.method().clone();
    *request.uri_mut() = proto.uri().clone();
    *request.headers_mut() = proto.headers().clone();
    request
}

fn read(mut response: http::Response<ureq::Body>) -> Result<(), BoxError> {
    let body = response.body_mut().read_to_vec()?;
    if response.status() != 200 || body.is_empty() {
        return Err(format!("HTTP {}", response.status()).into());
    }
    Ok(())
}

impl Calls for Raw {
    fn post(&self) -> Result<(), BoxError> {
        read(
            self.agent
                .run(copy(&self.post, self.post.body().as_slice()))?,
        )
    }

    fn history(&self) -> Result<(), BoxError> {
        read(self.agent.run(copy(&self.history, ()))?)
    }
}

fn run(args: &[String]) -> Result<serde_json::Value, BoxError> {
    let (mut raw, mut no_global_timeout, mut args) = (false, false, args);
    while let Some((flag, rest)) = args.split_first() {
        match flag.as_str() {
            "--raw" => raw = true,
            "--no-global-timeout" => no_global_timeout = true,
            _ => break,
        }
        args = rest;
    }
    let [base, token, room, iterations, warmup, message] = args else {
        return Err(USAGE.into());
    };
    let iterations: usize = iterations.parse().map_err(|_| USAGE)?;
    let warmup: usize = warmup.parse().map_err(|_| USAGE)?;
    let cfg = Config::with_base_url(base)?.with_token(token)?;
    let post = PostChatsRoomMessages::new(room, SendMessageBody::new(message));
    let history = GetChatsRoomMessages::new(room).limit(HISTORY);
    let (name, calls): (&str, Box<dyn Calls>) = if raw {
        let agent = lb::ureq_agent(cfg.user_agent(), !no_global_timeout);
        let raw = Raw {
            agent,
            post: post.to_http(&cfg)?,
            history: history.to_http(&cfg)?,
        };
        let name = if no_global_timeout {
            "raw ureq, no global or phase timeouts (no client, bodies not parsed)"
        } else {
            "raw ureq (no client, bodies not parsed)"
        };
        (name, Box::new(raw))
    } else {
        let client = genesys_chat_ureq::Client::new(cfg)?;
        let with_client = WithClient {
            client,
            post,
            history,
        };
        ("genesys-chat-ureq", Box::new(with_client))
    };

    let mut latencies_ms = Vec::with_capacity(iterations * 2);
    let mut once = |record: bool| -> Result<(), BoxError> {
        let t0 = Instant::now();
        calls.post()?;
        let t1 = Instant::now();
        calls.history()?;
        let t2 = Instant::now();
        if record {
            latencies_ms.push((t1 - t0).as_secs_f64() * 1e3);
            latencies_ms.push((t2 - t1).as_secs_f64() * 1e3);
        }
        Ok(())
    };
    for _ in 0..warmup {
        once(false)?;
    }
    let started = Instant::now();
    for _ in 0..iterations {
        once(true)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies_ms.sort_by(f64::total_cmp);
    let calls = latencies_ms.len();
    Ok(serde_json::json!({
        "name": name,
        "iterations": iterations,
        "calls": calls,
        "seconds": seconds,
        "calls_per_second": calls as f64 / seconds,
        "p50_ms": percentile(&latencies_ms, 50.0),
        "p99_ms": percentile(&latencies_ms, 99.0),
        "peak_rss_kib": peak_rss_kib(),
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("peer_ureq: {e}");
            ExitCode::FAILURE
        }
    }
}
