//! A transport conformance kit: what every client of this workspace (and any client built
//! on the core with another HTTP stack) must do on the wire, stated once as a table of
//! [`Scenario`]s and run against each client.
//!
//! A scenario is a scripted [`raw`] loopback server (well-behaved or hostile), the
//! operation to run ([`Op`]), the client settings it needs ([`Settings`]) and the outcome
//! it expects ([`Expect`]), written out literally: the requests the server saw, the result
//! or error kind, the attempts, whether the request may have been sent, how long it may
//! take. [`scenarios`] is the table; a new scenario is one more entry in it.
//!
//! A client under test is a *subject*: a small adapter that builds the client from the
//! kit's [`Settings`] and runs an operation, [`BlockingSubject`] for blocking clients and
//! [`AsyncSubject`] for async ones (run on a tokio runtime the kit starts). The kit runs
//! every scenario and returns a [`Report`]; [`assert_blocking`] and [`assert_async`]
//! panic with the report when a scenario fails, for a `#[test]`:
//!
//! ```ignore
//! struct Ureq(genesys_chat_ureq::Client);
//!
//! impl BlockingSubject for Ureq {
//!     fn build(settings: &Settings) -> Result<Self, Error> {
//!         settings.builder::<genesys_chat_ureq::Client>()?.build().map(Ureq)
//!     }
//!     fn call<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
//!         self.0.call_with_reply(op)
//!     }
//! }
//!
//! #[test]
//! fn the_ureq_client_conforms() {
//!     conformance::assert_blocking::<Ureq>("genesys-chat-ureq");
//! }
//! ```
//!
//! A bare HTTP stack (any function that sends one request within the [`AttemptLimits`])
//! needs no subject: [`assert_blocking_stack`] runs it through the core's
//! [`Driver`](genesys_chat::driver::Driver), which adds retries, token renewal and paging,
//! so every scenario holds for it too:
//!
//! ```ignore
//! #[test]
//! fn my_stack_conforms() {
//!     conformance::assert_blocking_stack("my stack", |request, limits| my_send(request, limits));
//! }
//! ```
//!
//! Set `CONFORMANCE_SCENARIO` to a part of a scenario name to run only the matching ones.

mod current;
mod emulated;
mod follow;
mod grants;
mod gzip;
mod history;
mod pacing;
pub mod raw;
mod scenarios;
mod service;
mod subject;
mod tracing;
mod wire;

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genesys_chat::auth::Credentials;
use genesys_chat::client::{ClientBuilder, FromSettings};
pub use genesys_chat::driver::{AttemptLimits, SendError};
use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsSettings, PostChatsRoomMessages};
use genesys_chat::pacing::PacingPolicy;
use genesys_chat::{Config, Error, Reply, RetryPolicy, TransportErrorKind};

use raw::{Answer, RawServer, Recorded};
pub use scenarios::scenarios;
pub use subject::{
    Async, AsyncSubject, BareAsyncStack, BareStack, Blocking, BlockingSubject, Caller,
    DrivenAsyncStack, DrivenStack, FollowPlan, Followed, Item, SendFuture, follow_polling, jitter,
    runtime, walk_history,
};

/// The token the kit's clients send when a scenario gives no credentials.
pub const TOKEN: &str = "conformance-secret-token";
/// The OAuth client id of scenarios with client credentials.
pub const CLIENT_ID: &str = "conformance-client";
/// The OAuth client secret of scenarios with client credentials.
pub const CLIENT_SECRET: &str = "conformance-client-secret";
/// The room [`Op::PostMessage`] posts to.
pub const ROOM: &str = "conformance-room@conference.example.com";
/// The chat text [`Op::PostMessage`] posts.
pub const TEXT: &str = "conformance chat text";

/// The operations scenarios run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// `getChatsSettings`: a GET, idempotent. Its output is summarized as
    /// `messageRetentionPeriodDays=<value>`.
    GetSettings,
    /// `postChatsRoomMessages` of [`TEXT`] to [`ROOM`]: a POST, never sent twice. Its
    /// output is summarized as `sent`.
    PostMessage,
}

/// The settings a subject builds its client from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The scenario server's base URL (API and login host alike).
    pub base_url: String,
    /// Time to set up a connection.
    pub connect_timeout: Duration,
    /// Time for one attempt.
    pub attempt_timeout: Duration,
    /// Time for the whole call (the retry policy's budget).
    pub total_timeout: Duration,
    /// The retry policy (its budget is replaced by `total_timeout`).
    pub retry: RetryPolicy,
    /// The response size cap.
    pub max_response_bytes: usize,
    /// Credentials to log in with; `None` means the fixed token [`TOKEN`].
    pub credentials: Option<Credentials>,
    /// A `User-Agent` in place of the core's default; `None` keeps the default.
    pub user_agent: Option<String>,
    /// How the client paces requests to the rate limit (a driven stack's driver gets a pacer of it too).
    pub pacing: PacingPolicy,
}

impl Settings {
    /// The settings of a scenario before it tunes them: attempt 5 s, connect 2 s, total
    /// 20 s, up to 4 attempts with backoff of a few milliseconds, 8 MiB cap, token
    /// [`TOKEN`].
    pub fn new(base_url: impl Into<String>) -> Self {
        Settings {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(2),
            attempt_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(5),
                max_backoff: Duration::from_millis(20),
                ..RetryPolicy::default()
            },
            max_response_bytes: 8 * 1024 * 1024,
            credentials: None,
            user_agent: None,
            pacing: PacingPolicy::default(),
        }
    }

    /// The configuration: the base URL, with [`TOKEN`] unless there are credentials.
    pub fn config(&self) -> Result<Config, Error> {
        let config = Config::with_base_url(&self.base_url)?;
        match self.credentials {
            None => config.with_token(TOKEN),
            Some(_) => Ok(config),
        }
    }

    /// The core's builder for client `C`, with every setting applied.
    pub fn builder<C: FromSettings>(&self) -> Result<ClientBuilder<C>, Error> {
        let mut builder = ClientBuilder::<C>::new(self.config()?)
            .connect_timeout(self.connect_timeout)
            .attempt_timeout(self.attempt_timeout)
            .retry(self.retry)
            .total_timeout(self.total_timeout)
            .max_response_bytes(self.max_response_bytes)
            .pacing(self.pacing);
        if let Some(credentials) = &self.credentials {
            builder = builder.credentials(credentials.clone());
        }
        if let Some(user_agent) = &self.user_agent {
            builder = builder.user_agent(user_agent.clone());
        }
        Ok(builder)
    }
}

/// A successful call, summarized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The HTTP status.
    pub status: u16,
    /// The attempts it took.
    pub attempts: u32,
    /// The output, summarized (see [`Op`]).
    pub summary: String,
}

/// The outcome a scenario expects of each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Success, with this summary after this many attempts.
    Ok {
        /// The output's summary (see [`Op`]).
        summary: &'static str,
        /// The attempts.
        attempts: u32,
    },
    /// [`Error::Api`] with this status.
    Api {
        /// The HTTP status.
        status: u16,
    },
    /// [`Error::Transport`] of this kind.
    Transport(TransportErrorKind),
    /// [`Error::BodyTooLarge`].
    BodyTooLarge,
    /// [`Error::Decode`] of a response with this status.
    Decode {
        /// The HTTP status.
        status: u16,
    },
    /// Any error (the scenario checks its text instead).
    AnyError,
}

/// What a scenario expects.
#[derive(Debug, Clone)]
pub struct Expect {
    /// How many requests the scenario server reads, all callers together.
    pub requests: RangeInclusive<usize>,
    /// The request line of each request, in order (checked when not empty).
    pub request_lines: &'static [&'static str],
    /// Headers (lower case) no request may carry.
    pub headers_absent: &'static [&'static str],
    /// The outcome of every call: one of these.
    pub outcome: &'static [Outcome],
    /// Texts the error's `Display` must contain (`{target}` and `{unreachable}` stand for
    /// the origins of [`Env`]).
    pub error_text: &'static [&'static str],
    /// Texts neither `Display` nor `Debug` of the error may contain.
    pub never: &'static [&'static str],
    /// Whether the error says the request may have been sent ([`may_have_been_sent`]).
    pub may_have_been_sent: Option<bool>,
    /// The longest a call may take (margin included).
    pub within: Option<Duration>,
}

impl Expect {
    /// One request with this request line and this outcome; nothing else checked.
    pub const fn one(request_line: &'static [&'static str], outcome: &'static [Outcome]) -> Self {
        Expect {
            requests: 1..=1,
            request_lines: request_line,
            headers_absent: &[],
            outcome,
            error_text: &[],
            never: &[],
            may_have_been_sent: None,
            within: None,
        }
    }
}

/// What a scenario server's script can refer to.
#[derive(Debug, Clone)]
pub struct Env {
    /// The origin (`http://127.0.0.1:<port>`) of a second server that answers every
    /// request with settings: a redirect target. A scenario passes only if it saw no
    /// request.
    pub target: String,
    /// The origin of a loopback port nothing listens on.
    pub unreachable: String,
}

/// A scripted server's answer to the request of an index.
pub type Script = Arc<dyn Fn(usize, &Recorded, &Env) -> Answer + Send + Sync>;

/// One behaviour every client must have.
#[derive(Clone)]
pub struct Scenario {
    /// What is checked, in words.
    pub name: &'static str,
    /// The scenario server.
    pub server: Script,
    /// The operation each caller runs.
    pub op: Op,
    /// How many callers run it at once on one client.
    pub callers: usize,
    /// Changes the default [`Settings`].
    pub settings: fn(&mut Settings),
    /// The expected outcome.
    pub expect: Expect,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("op", &self.op)
            .field("callers", &self.callers)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

/// Whether an error says the request may have reached the service: a transport error
/// by its kind; an answer (API, OAuth, decode, size) always; an error raised before
/// sending (invalid input, configuration) never.
pub fn may_have_been_sent(error: &Error) -> bool {
    match error {
        Error::Transport { kind, .. } => kind.request_may_have_been_sent(),
        Error::InvalidInput { .. } | Error::Config(_) => false,
        _ => true,
    }
}

/// The result of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: &'static str,
    /// What differed from the expectation; empty when it passed.
    pub differences: Vec<String>,
    /// The longest call.
    pub elapsed: Duration,
    /// What the calls returned, for the report.
    pub seen: String,
}

impl ScenarioResult {
    /// Whether the scenario passed.
    pub fn passed(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Every scenario's result for one subject. `Display` lists each scenario with its verdict
/// and what differed; the alternate form (`{:#}`) also shows what every call returned.
#[derive(Debug, Clone)]
pub struct Report {
    /// The subject's name.
    pub subject: String,
    /// One result per scenario, in table order.
    pub results: Vec<ScenarioResult>,
}

impl Report {
    /// Whether every scenario passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(ScenarioResult::passed)
    }

    /// The scenarios that failed.
    pub fn failures(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results.iter().filter(|r| !r.passed())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "conformance of {}: {} scenarios, {} passed, {} failed",
            self.subject,
            self.results.len(),
            self.results.len() - failed,
            failed
        )?;
        for result in &self.results {
            let verdict = if result.passed() { "pass" } else { "FAIL" };
            writeln!(
                f,
                "  {verdict} {:>7.2}s  {}",
                result.elapsed.as_secs_f64(),
                result.name
            )?;
            for difference in &result.differences {
                writeln!(f, "         - {difference}")?;
            }
            if !result.passed() || f.alternate() {
                writeln!(f, "         seen: {}", result.seen)?;
            }
        }
        Ok(())
    }
}

type Called = (Result<Done, Error>, Duration);

/// The groups of the kit. [`crate::conformance_tests!`] makes one `#[test]` of each, so
/// the test harness runs them side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Group {
    /// Scripted loopback servers: the request on the wire, redirects, timeouts, size
    /// caps, dropped connections, Retry-After, a failing login host.
    Wire,
    /// The token lifecycle against the emulator.
    Tokens,
    /// Every OAuth grant against the emulator.
    Grants,
    /// Every operation and the emulator's faults: errors, retries, what is never sent
    /// twice.
    Service,
    /// History paging, against the emulator and hostile servers.
    History,
    /// Following a conversation.
    Follow,
    /// Pacing against the emulator's rate limits.
    Pacing,
    /// The current API: my chats, settings, per-call options.
    CurrentApi,
    /// What a call logs (and never logs) through `tracing`.
    Tracing,
}

impl Group {
    /// Every group, in the order [`run`] runs them.
    pub const ALL: &'static [Group] = &[
        Group::Wire,
        Group::Tokens,
        Group::Grants,
        Group::Service,
        Group::History,
        Group::Follow,
        Group::Pacing,
        Group::CurrentApi,
        Group::Tracing,
    ];

    /// The group's name, as in the report.
    pub fn name(self) -> &'static str {
        match self {
            Group::Wire => "wire",
            Group::Tokens => "tokens",
            Group::Grants => "grants",
            Group::Service => "service",
            Group::History => "history",
            Group::Follow => "follow",
            Group::Pacing => "pacing",
            Group::CurrentApi => "current API",
            Group::Tracing => "tracing",
        }
    }
}

/// Builds the client under test from a scenario's settings.
pub type Maker<'a, C> = dyn FnMut(&Settings) -> Result<C, Error> + 'a;

/// What a [`Check`] found: the differences from what it expects (empty when it passed).
/// An `Err` (an unexpected error of a setup step) and a panic (a failed `assert!`) are
/// differences too.
pub type Checked = Result<Vec<String>, Error>;

/// One behaviour checked by code rather than a table row: it builds clients with the
/// [`Maker`], starts the servers it needs (the emulator, a scripted server) and compares
/// what it saw with literal values.
pub struct Check<C> {
    /// What is checked, in words.
    pub name: &'static str,
    /// The check.
    pub run: fn(&mut Maker<'_, C>) -> Checked,
}

impl<C> Clone for Check<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Check<C> {}

impl<C> fmt::Debug for Check<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check").field("name", &self.name).finish()
    }
}

/// The checks of a group, in the order they run (the table rows of [`Group::Wire`] come
/// first, from [`scenarios`]).
pub fn checks<C: Caller>(group: Group) -> Vec<Check<C>> {
    match group {
        Group::Wire => wire::checks(),
        Group::Tokens => emulated::checks(),
        Group::Grants => grants::checks(),
        Group::Service => service::checks(),
        Group::History => history::checks(),
        Group::Follow => follow::checks(),
        Group::Pacing => pacing::checks(),
        Group::CurrentApi => current::checks(),
        Group::Tracing => tracing::checks(),
    }
}

fn wanted(name: &str) -> bool {
    std::env::var("CONFORMANCE_SCENARIO")
        .ok()
        .is_none_or(|only| name.contains(&only))
}

/// Runs one group against the caller `build` makes.
pub fn run_group<C: Caller>(subject: &str, group: Group, build: &mut Maker<'_, C>) -> Report {
    // Before any client code of the process runs: see the tracing group.
    tracing::keep_interest();
    let mut results = Vec::new();
    if group == Group::Wire {
        for scenario in scenarios().iter().filter(|s| wanted(s.name)) {
            results.push(run_one(scenario, build));
        }
    }
    for check in checks::<C>(group).iter().filter(|c| wanted(c.name)) {
        results.push(run_check(check, build));
    }
    Report {
        subject: format!("{subject}, {}", group.name()),
        results,
    }
}

/// Runs every group against the caller `build` makes.
pub fn run<C: Caller>(subject: &str, build: &mut Maker<'_, C>) -> Report {
    let mut results = Vec::new();
    for group in Group::ALL {
        results.extend(run_group(subject, *group, build).results);
    }
    Report {
        subject: subject.to_owned(),
        results,
    }
}

/// Runs one group; panics with the report when a scenario fails.
///
/// # Panics
///
/// When a scenario fails.
pub fn assert_group<C: Caller>(subject: &str, group: Group, build: &mut Maker<'_, C>) {
    let report = run_group(subject, group, build);
    assert!(report.passed(), "{report}");
    println!("{report:#}");
}

/// Runs every group; panics with the report when a scenario fails.
///
/// # Panics
///
/// When a scenario fails.
pub fn assert_conforms<C: Caller>(subject: &str, build: &mut Maker<'_, C>) {
    let report = run(subject, build);
    assert!(report.passed(), "{report}");
    println!("{report:#}");
}

/// Runs every scenario against a blocking subject.
pub fn run_blocking<S: BlockingSubject>(subject: &str) -> Report {
    run(subject, &mut |settings| S::build(settings).map(Blocking))
}

/// Runs every scenario against an async subject, on the kit's [`shared_runtime`].
pub fn run_async<S: AsyncSubject>(subject: &str) -> Report {
    let runtime = shared_runtime();
    run(subject, &mut |settings| {
        Async::<S>::build(&runtime, settings)
    })
}

/// Runs every scenario against a blocking subject; panics with the report when one fails.
///
/// # Panics
///
/// When a scenario fails.
pub fn assert_blocking<S: BlockingSubject>(subject: &str) {
    let report = run_blocking::<S>(subject);
    assert!(report.passed(), "{report}");
    println!("{report:#}");
}

/// Runs every scenario against an async subject; panics with the report when one fails.
///
/// # Panics
///
/// When a scenario fails.
pub fn assert_async<S: AsyncSubject>(subject: &str) {
    let report = run_async::<S>(subject);
    assert!(report.passed(), "{report}");
    println!("{report:#}");
}

/// Runs every scenario against a bare blocking stack, through the core's [`Driver`](genesys_chat::driver::Driver).
pub fn run_blocking_stack(subject: &str, send: impl BareStack) -> Report {
    let send = Arc::new(send);
    run(subject, &mut |settings| {
        DrivenStack::new(settings, send.clone())
    })
}

/// Runs every scenario against a bare blocking stack (through the core's [`Driver`](genesys_chat::driver::Driver));
/// panics with the report when one fails.
///
/// # Panics
///
/// When a scenario fails.
pub fn assert_blocking_stack(subject: &str, send: impl BareStack) {
    let report = run_blocking_stack(subject, send);
    assert!(report.passed(), "{report}");
    println!("{report:#}");
}

/// Runs every scenario against a bare async stack, through the core's [`Driver`](genesys_chat::driver::Driver) on the
/// kit's [`shared_runtime`].
pub fn run_async_stack(subject: &str, send: impl BareAsyncStack) -> Report {
    let send = Arc::new(send);
    let runtime = shared_runtime();
    run(subject, &mut |settings| {
        DrivenAsyncStack::new(settings, send.clone(), runtime.clone())
    })
}

/// Runs every scenario against a bare async stack (through the core's [`Driver`](genesys_chat::driver::Driver));
/// panics with the report when one fails.
///
/// # Panics
///
/// When a scenario fails.
pub fn assert_async_stack(subject: &str, send: impl BareAsyncStack) {
    let report = run_async_stack(subject, send);
    assert!(report.passed(), "{report}");
    println!("{report:#}");
}

/// The kit's tokio runtime (multi-threaded, two workers), started on first use and
/// shared by every async subject of the process.
pub fn shared_runtime() -> Arc<tokio::runtime::Runtime> {
    static RUNTIME: std::sync::OnceLock<Arc<tokio::runtime::Runtime>> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(runtime).clone()
}

fn run_check<C: Caller>(check: &Check<C>, build: &mut Maker<'_, C>) -> ScenarioResult {
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (check.run)(build)));
    let differences = match outcome {
        Ok(Ok(differences)) => differences,
        Ok(Err(e)) => vec![format!("an unexpected error: {e}")],
        Err(panic) => vec![format!("a check failed: {}", panic_text(&*panic))],
    };
    ScenarioResult {
        name: check.name,
        differences,
        elapsed: started.elapsed(),
        seen: String::new(),
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

fn settings_summary(s: &genesys_chat::models::ChatSettings) -> String {
    format!(
        "messageRetentionPeriodDays={:?}",
        s.message_retention_period_days
    )
}

fn summarize<T>(
    result: Result<Reply<T>, Error>,
    summary: impl Fn(&T) -> String,
) -> Result<Done, Error> {
    result.map(|reply| Done {
        status: reply.status.as_u16(),
        attempts: reply.attempts,
        summary: summary(&reply.output),
    })
}

/// Runs `op` on `caller` and summarizes its output (see [`Op`]).
pub fn call_op<C: Caller + ?Sized>(caller: &C, op: Op) -> Result<Done, Error> {
    match op {
        Op::GetSettings => summarize(caller.call(GetChatsSettings::new()), settings_summary),
        Op::PostMessage => summarize(
            caller.call(PostChatsRoomMessages::new(ROOM, SendMessageBody::new(TEXT))),
            |_| "sent".to_owned(),
        ),
    }
}

fn concurrent_calls<C: Caller>(
    build: &mut Maker<'_, C>,
    settings: &Settings,
    op: Op,
    callers: usize,
) -> Result<Vec<Called>, Error> {
    let client = Arc::new(build(settings)?);
    let calls: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let result = call_op(&*client, op);
                (result, started.elapsed())
            })
        })
        .collect();
    Ok(calls
        .into_iter()
        .map(|call| {
            call.join().unwrap_or_else(|_| {
                (
                    Err(Error::Config("the caller panicked".to_owned())),
                    Duration::ZERO,
                )
            })
        })
        .collect())
}

fn run_one<C: Caller>(scenario: &Scenario, build: &mut Maker<'_, C>) -> ScenarioResult {
    let target = RawServer::start(|_, _| {
        Answer::Bytes(raw::response(
            "200 OK",
            &[("Content-Type", "application/json")],
            br#"{"messageRetentionPeriodDays":99}"#,
        ))
    });
    let env = Env {
        target: target.base_url(),
        unreachable: raw::closed_origin(),
    };
    let script = scenario.server.clone();
    let script_env = env.clone();
    let server = RawServer::start(move |index, request| script(index, request, &script_env));
    let mut settings = Settings::new(server.base_url());
    (scenario.settings)(&mut settings);
    let mut differences = Vec::new();
    let called = match concurrent_calls(build, &settings, scenario.op, scenario.callers.max(1)) {
        Ok(called) => called,
        Err(e) => {
            differences.push(format!("the client could not be built: {e}"));
            Vec::new()
        }
    };
    // Let late requests (retries the client should not make) arrive.
    std::thread::sleep(Duration::from_millis(50));
    let expect = &scenario.expect;
    let requests = server.requests();
    if !expect.requests.contains(&requests.len()) {
        differences.push(format!(
            "the server saw {} requests, expected {:?}: {:?}",
            requests.len(),
            expect.requests,
            requests
                .iter()
                .map(Recorded::request_line)
                .collect::<Vec<_>>()
        ));
    }
    if !expect.request_lines.is_empty() {
        let lines: Vec<&str> = requests.iter().map(Recorded::request_line).collect();
        if lines != expect.request_lines {
            differences.push(format!(
                "request lines {lines:?}, expected {:?}",
                expect.request_lines
            ));
        }
    }
    for request in &requests {
        for name in expect.headers_absent {
            if let Some(value) = request.header(name) {
                differences.push(format!(
                    "`{}` carried `{name}: {value}`",
                    request.request_line()
                ));
            }
        }
    }
    let followed = target.requests();
    if !followed.is_empty() {
        differences.push(format!(
            "the redirect target saw {} requests: {:?}",
            followed.len(),
            followed
                .iter()
                .map(Recorded::request_line)
                .collect::<Vec<_>>()
        ));
    }
    let mut seen = Vec::new();
    let mut longest = Duration::ZERO;
    for (result, elapsed) in &called {
        longest = longest.max(*elapsed);
        seen.push(match result {
            Ok(done) => format!("Ok({done:?}) in {:.2}s", elapsed.as_secs_f64()),
            Err(e) => format!("Err({e}) in {:.2}s", elapsed.as_secs_f64()),
        });
        check_call(expect, &env, result, *elapsed, &mut differences);
    }
    differences.dedup();
    ScenarioResult {
        name: scenario.name,
        differences,
        elapsed: longest,
        seen: seen.join(" | "),
    }
}

fn check_call(
    expect: &Expect,
    env: &Env,
    result: &Result<Done, Error>,
    elapsed: Duration,
    differences: &mut Vec<String>,
) {
    if !expect.outcome.iter().any(|o| matches_outcome(*o, result)) {
        differences.push(format!(
            "the outcome was {}, expected one of {:?}",
            match result {
                Ok(done) => format!("Ok({done:?})"),
                Err(e) => format!("Err({e:?})"),
            },
            expect.outcome
        ));
    }
    if let Some(within) = expect.within {
        if elapsed > within {
            differences.push(format!(
                "the call took {:.2}s, over {:.2}s",
                elapsed.as_secs_f64(),
                within.as_secs_f64()
            ));
        }
    }
    let Err(error) = result else { return };
    let display = error.to_string();
    let debug = format!("{error:?}");
    for text in expect.error_text {
        let text = text
            .replace("{target}", &env.target)
            .replace("{unreachable}", &env.unreachable);
        if !display.contains(&text) {
            differences.push(format!("the error `{display}` does not say `{text}`"));
        }
    }
    for text in expect.never.iter().chain([&TOKEN, &CLIENT_SECRET, &TEXT]) {
        if display.contains(text) || debug.contains(text) {
            differences.push(format!("the error carries `{text}`: {debug}"));
        }
    }
    if let Some(sent) = expect.may_have_been_sent {
        if may_have_been_sent(error) != sent {
            differences.push(format!(
                "may have been sent: {}, expected {sent}",
                may_have_been_sent(error)
            ));
        }
    }
}

fn matches_outcome(outcome: Outcome, result: &Result<Done, Error>) -> bool {
    match (outcome, result) {
        (Outcome::Ok { summary, attempts }, Ok(done)) => {
            done.summary == summary && done.attempts == attempts
        }
        (Outcome::Api { status }, Err(Error::Api(api))) => api.status == status,
        (Outcome::Transport(kind), Err(Error::Transport { kind: seen, .. })) => kind == *seen,
        (Outcome::BodyTooLarge, Err(Error::BodyTooLarge { .. })) => true,
        (Outcome::Decode { status }, Err(Error::Decode { status: seen, .. })) => status == *seen,
        (Outcome::AnyError, Err(_)) => true,
        _ => false,
    }
}

/// One `#[test]` per [`Group`] of the kit for a caller: `conformance_tests!(subject, build)`
/// where `build` is a function (or closure) from `&Settings` to `Result<C, Error>` and
/// `C` a [`Caller`]. The tests are named after the groups (`wire`, `tokens`, `grants`,
/// `service`, `history`, `follow`, `pacing`, `current_api`, `tracing`), so the test harness runs
/// them side by side and `cargo test wire` picks one.
///
/// ```ignore
/// fn build(settings: &Settings) -> Result<MyClient, Error> {
///     MyClient::new(settings) // a client of yours that implements `Caller`
/// }
///
/// genesys_chat_testkit::conformance_tests!("my client", build);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($subject:expr, $build:expr) => {
        $crate::conformance_tests!(@each $subject, $build;
            wire Wire, tokens Tokens, grants Grants, service Service,
            history History, follow Follow, pacing Pacing, current_api CurrentApi,
            tracing Tracing);
    };
    (@each $subject:expr, $build:expr; $($test:ident $group:ident),*) => {
        $(
            #[test]
            fn $test() {
                $crate::conformance::assert_group(
                    $subject,
                    $crate::conformance::Group::$group,
                    &mut |settings: &$crate::conformance::Settings| ($build)(settings),
                );
            }
        )*
    };
}
