//! The end-to-end workload over loopback, shared by `benches/e2e.rs` (criterion and
//! interleaved rates) and the `e2e_ops` binary (a fixed number of workloads, for
//! profilers).
//!
//! One workload is two calls: post a message to a room, then read the room's 25 newest
//! messages. The clients run it through `Client::call`; the raw baselines send the
//! identical requests (built once with the core) through a plain `ureq::Agent` or
//! `reqwest::Client` configured like the client's, read the whole body and check the
//! status, without parsing it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use genesys_chat::models::{
    ChatMessageEntityListing, ChatSendMessageResponse, CreateRoomRequest, SendMessageBody,
};
use genesys_chat::operations::{GetChatsRoomMessages, PostChatsRoomMessages, PostChatsRooms};
use genesys_chat::{Config, Operation};
use genesys_chat_testkit::{Emulator, server::Server};

use crate::BoxError;
use crate::fixtures::MESSAGE;

/// Messages read back by the history call of the workload.
pub const HISTORY: u32 = 25;
/// Calls per workload: one post, one history read.
pub const CALLS: u64 = 2;

/// Connect timeout of the clients' defaults, given to the raw stacks as well.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempt timeout of the clients' defaults, given to the raw stacks as well.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections per host of the clients' defaults, given to the raw stacks as well.
pub const POOL_SIZE: usize = 8;

/// Panics with what failed: a benchmark cannot go on after a failed call.
pub fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    panic!("{what}: {e}")
}

/// The emulator's loopback server and a configuration that reaches it.
#[derive(Debug)]
pub struct Target {
    /// The server, in this process.
    pub server: Server,
    /// Its base URL and the default token.
    pub cfg: Config,
}

/// The two operations of one workload, for one room.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Posts [`MESSAGE`] to the room.
    pub post: PostChatsRoomMessages,
    /// Reads the room's [`HISTORY`] newest messages.
    pub history: GetChatsRoomMessages,
}

impl Target {
    /// Starts the default emulator on `127.0.0.1`.
    pub fn start() -> Result<Target, BoxError> {
        let server = Server::start_default()?;
        let cfg = Config::with_base_url(&server.base_url())?.with_token(Emulator::DEFAULT_TOKEN)?;
        Ok(Target { server, cfg })
    }

    /// Resets the emulator and creates a room holding [`HISTORY`] messages.
    pub fn fresh_room(&self) -> Result<Workload, BoxError> {
        self.server.emulator().reset();
        let client = genesys_chat_ureq::Client::new(self.cfg.clone())?;
        let room = client
            .call(&PostChatsRooms::new(CreateRoomRequest::new("Benchmarks")))?
            .jid
            .ok_or("the new room has no jid")?;
        let workload = Workload {
            post: PostChatsRoomMessages::new(&room, SendMessageBody::new(MESSAGE)),
            history: GetChatsRoomMessages::new(&room).limit(HISTORY),
        };
        for _ in 0..HISTORY {
            client.call(&workload.post)?;
        }
        Ok(workload)
    }
}

fn check_history(len: usize) {
    if len != HISTORY as usize {
        fail("history", format!("{len} messages instead of {HISTORY}"));
    }
}

/// `serde_json::from_slice`, or a panic.
fn decode<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> T {
    serde_json::from_slice(body).unwrap_or_else(|e| fail(what, e))
}

/// Copies a request built by the core, with another body type.
fn copy<B>(proto: &http::Request<Vec<u8>>, body: B) -> http::Request<B> {
    let mut request = http::Request::new(body);
    *request.method_mut() = proto.method().clone();
    *request.uri_mut() = proto.uri().clone();
    *request.headers_mut() = proto.headers().clone();
    request
}

/// One workload with the ureq client (default settings).
pub fn ureq_client(target: &Target, work: &Workload) -> Result<impl Fn() + use<>, BoxError> {
    let client = genesys_chat_ureq::Client::new(target.cfg.clone())?;
    let work = work.clone();
    Ok(move || {
        client.call(&work.post).unwrap_or_else(|e| fail("post", e));
        let page = client
            .call(&work.history)
            .unwrap_or_else(|e| fail("history", e));
        check_history(page.messages().len());
    })
}

/// One workload with a plain `ureq::Agent` configured like the client's: the requests
/// built once by the core, the bodies read whole, the status checked; with `parse`, the
/// bodies are also decoded with `serde_json::from_slice` into the client's types.
pub fn ureq_raw(
    target: &Target,
    work: &Workload,
    parse: bool,
) -> Result<impl Fn() + use<>, BoxError> {
    ureq_raw_with(
        target,
        work,
        parse,
        ureq_agent(target.cfg.user_agent(), true),
    )
}

/// A `ureq::Agent` configured like the client's: with `timeouts`, every phase of an
/// attempt is bounded as the client bounds it (sending, waiting, reading the body).
/// (An earlier client used ureq's global timeout instead, which makes ureq's default
/// resolver run every lookup on a new thread; the client no longer does.)
pub fn ureq_agent(user_agent: &str, timeouts: bool) -> ureq::Agent {
    let phase = timeouts.then_some(ATTEMPT_TIMEOUT);
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_send_request(phase)
        .timeout_send_body(phase)
        .timeout_recv_response(phase)
        .timeout_recv_body(phase)
        .max_idle_connections(POOL_SIZE * 4)
        .max_idle_connections_per_host(POOL_SIZE)
        .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
        .user_agent(user_agent)
        .build()
        .into()
}

/// [`ureq_raw`] with a given agent.
pub fn ureq_raw_with(
    target: &Target,
    work: &Workload,
    parse: bool,
    agent: ureq::Agent,
) -> Result<impl Fn() + use<>, BoxError> {
    let post = work.post.to_http(&target.cfg)?;
    let history = work.history.to_http(&target.cfg)?;
    Ok(move || {
        let mut response = agent
            .run(copy(&post, post.body().as_slice()))
            .unwrap_or_else(|e| fail("post", e));
        let body = response
            .body_mut()
            .read_to_vec()
            .unwrap_or_else(|e| fail("post body", e));
        if response.status() != 200 || body.is_empty() {
            fail("post", response.status());
        }
        if parse {
            decode::<ChatSendMessageResponse>("post", &body);
        }
        // Bodiless, like the client's GET: no `Content-Length: 0`.
        let mut response = agent
            .run(copy(&history, ()))
            .unwrap_or_else(|e| fail("history", e));
        let body = response
            .body_mut()
            .read_to_vec()
            .unwrap_or_else(|e| fail("history body", e));
        if response.status() != 200 || body.is_empty() {
            fail("history", response.status());
        }
        if parse {
            let page = decode::<ChatMessageEntityListing>("history", &body);
            check_history(page.messages().len());
        }
    })
}

/// A workload of the async stacks: a cloneable function that returns a new future.
pub trait AsyncWorkload: Fn() -> Self::Fut + Clone + Send + 'static {
    /// The future of one workload.
    type Fut: Future<Output = ()> + Send + 'static;
}

impl<F, Fut> AsyncWorkload for F
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    type Fut = Fut;
}

/// One workload with the reqwest client (default settings). Build it inside `runtime`.
pub fn reqwest_client(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    work: &Workload,
) -> Result<impl AsyncWorkload + use<>, BoxError> {
    let client = {
        let _entered = runtime.enter();
        genesys_chat_reqwest::Client::new(target.cfg.clone())?
    };
    let work = Arc::new(work.clone());
    Ok(move || {
        let (client, work) = (client.clone(), Arc::clone(&work));
        async move {
            client
                .call(&work.post)
                .await
                .unwrap_or_else(|e| fail("post", e));
            let page = client
                .call(&work.history)
                .await
                .unwrap_or_else(|e| fail("history", e));
            check_history(page.messages().len());
        }
    })
}

/// One workload with a plain `reqwest::Client` configured like the client's: the
/// requests built once by the core (cloned for each send), the bodies read whole, the
/// status checked; with `parse`, the bodies are also decoded with
/// `serde_json::from_slice` into the client's types.
pub fn reqwest_raw(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    work: &Workload,
    parse: bool,
) -> Result<impl AsyncWorkload + use<>, BoxError> {
    let http = {
        let _entered = runtime.enter();
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_max_idle_per_host(POOL_SIZE)
            .redirect(reqwest::redirect::Policy::limited(10))
            .referer(false)
            .user_agent(target.cfg.user_agent())
            .no_proxy()
            .use_rustls_tls()
            .build()?
    };
    let proto = |request: http::Request<Vec<u8>>| {
        let mut request = reqwest::Request::try_from(request)?;
        *request.timeout_mut() = Some(ATTEMPT_TIMEOUT);
        Ok::<_, BoxError>(request)
    };
    let post = Arc::new(proto(work.post.to_http(&target.cfg)?)?);
    let history = Arc::new(proto(work.history.to_http(&target.cfg)?)?);
    Ok(move || {
        let (http, post, history) = (http.clone(), Arc::clone(&post), Arc::clone(&history));
        async move {
            for (what, proto) in [("post", &post), ("history", &history)] {
                let request = proto
                    .try_clone()
                    .unwrap_or_else(|| fail(what, "not clonable"));
                let response = http
                    .execute(request)
                    .await
                    .unwrap_or_else(|e| fail(what, e));
                let status = response.status();
                let body = response.bytes().await.unwrap_or_else(|e| fail(what, e));
                if status != 200 || body.is_empty() {
                    fail(what, status);
                }
                if parse && what == "post" {
                    decode::<ChatSendMessageResponse>(what, &body);
                } else if parse {
                    let page = decode::<ChatMessageEntityListing>(what, &body);
                    check_history(page.messages().len());
                }
            }
        }
    })
}

/// Runs `iterations` workloads spread over `tasks` tasks; returns the time taken.
pub fn spread(
    runtime: &tokio::runtime::Runtime,
    tasks: usize,
    iterations: u64,
    workload: impl AsyncWorkload,
) -> Duration {
    runtime.block_on(async move {
        let remaining = Arc::new(AtomicU64::new(iterations));
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..tasks {
            let remaining = Arc::clone(&remaining);
            let workload = workload.clone();
            set.spawn(async move {
                while remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    workload().await;
                }
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.unwrap_or_else(|e| fail("a task", e));
        }
        started.elapsed()
    })
}

/// Workloads per second of `tasks` tasks running `workload` back to back for `slice`.
pub fn spread_for(
    runtime: &tokio::runtime::Runtime,
    tasks: usize,
    slice: Duration,
    workload: impl AsyncWorkload,
) -> f64 {
    runtime.block_on(async move {
        let done = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let deadline = started + slice;
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..tasks {
            let done = Arc::clone(&done);
            let workload = workload.clone();
            set.spawn(async move {
                while Instant::now() < deadline {
                    workload().await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.unwrap_or_else(|e| fail("a task", e));
        }
        done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
    })
}

/// Workloads per second of `workload` run back to back for `slice`.
pub fn rate_for(slice: Duration, workload: &dyn Fn()) -> f64 {
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < slice {
        workload();
        done += 1;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

/// Rates of several stacks measured in alternating slices: the first is the client, the
/// others its baselines.
#[derive(Debug, Clone)]
pub struct Interleaved {
    /// Median calls per second of each stack.
    pub rates: Vec<f64>,
    /// Median of the per-round ratios of the client's rate to each stack's (the first is
    /// 1): load that comes and goes on a shared machine hits every stack of a round alike.
    pub ratios: Vec<f64>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Runs `rounds` rounds of one `slice` of each of `stacks` stacks, rotating which goes
/// first; `run(stack, slice)` returns workloads per second. `None` for 0 rounds.
pub fn interleave(
    rounds: usize,
    slice: Duration,
    stacks: usize,
    mut run: impl FnMut(usize, Duration) -> f64,
) -> Option<Interleaved> {
    let mut rates = vec![Vec::new(); stacks];
    let mut ratios = vec![Vec::new(); stacks];
    for round in 0..rounds {
        let mut this = vec![0.0; stacks];
        for k in 0..stacks {
            let stack = (round + k) % stacks;
            this[stack] = run(stack, slice);
        }
        for stack in 0..stacks {
            rates[stack].push(this[stack] * CALLS as f64);
            ratios[stack].push(this[0] / this[stack]);
        }
    }
    Some(Interleaved {
        rates: rates.into_iter().map(median).collect::<Option<_>>()?,
        ratios: ratios.into_iter().map(median).collect::<Option<_>>()?,
    })
}
