//! The loopback server: the emulator over real HTTP/1.1 on `127.0.0.1`.
//!
//! Built on hyper 1 and tokio (a multi-thread runtime on a background thread): keep-alive,
//! many concurrent connections, `TCP_NODELAY`. It carries out the faults the sans-IO
//! emulator can only describe: delays, truncated bodies (a `Content-Length` larger than
//! the bytes sent, then the connection closes) and dropped connections. It also serves
//! the [admin endpoints](crate::admin) under `/__emulator/`.
//!
//! It answers only requests addressed to a loopback name (see [`crate::admin`]: a web
//! page cannot use it through DNS rebinding), and a stalled client cannot hold it: a
//! request head must arrive within [`Server::DEFAULT_HEADER_TIMEOUT`] and its body within
//! [`Server::DEFAULT_BODY_TIMEOUT`], or the connection is closed; at most
//! [`Server::DEFAULT_MAX_CONNECTIONS`] connections are open at once (a new one closes the
//! oldest that waits for a body, else the oldest idle one). [`Server::builder`] changes
//! these.
//!
//! ```
//! use genesys_chat_testkit::{Emulator, server::Server};
//! let server = Server::start_default()?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.emulator().counters().total, 0);
//! drop(server); // stops the server and joins its thread
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use genesys_chat::operation::MAX_REQUEST_BODY_BYTES;
use http::header::{CONTENT_LENGTH, HeaderValue};
use http::{Request, Response};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::admin::{self, ADMIN_PREFIX};
use crate::emulator::{Action, Emulator, failure_response};
use crate::failure::Failure;

/// A running loopback server; it stops, and its thread is joined, when dropped.
pub struct Server {
    addr: SocketAddr,
    emulator: Arc<Emulator>,
    connections: Arc<Registry>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// How to start a [`Server`]: its address, timeouts and connection cap.
///
/// ```
/// use std::{sync::Arc, time::Duration};
/// use genesys_chat_testkit::{Emulator, server::Server};
/// let server = Server::builder(Arc::new(Emulator::new()))
///     .body_timeout(Duration::from_millis(200))
///     .max_connections(64)
///     .start()?;
/// assert_eq!(server.connections().open, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    emulator: Arc<Emulator>,
    addr: SocketAddr,
    header_timeout: Duration,
    body_timeout: Duration,
    max_connections: usize,
}

impl ServerBuilder {
    /// The address to listen on (default `127.0.0.1:0`; port 0 picks a free port).
    /// Meant for loopback addresses: the emulator has no TLS, and it answers only
    /// requests whose `Host` is a loopback name or address.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How long a client may take to send a request head, from the moment the server
    /// starts waiting for it (default [`Server::DEFAULT_HEADER_TIMEOUT`]); then the
    /// connection is closed. An idle keep-alive connection is closed after as long.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// How long a client may take to send the whole body its head announced
    /// (`Content-Length` or chunked), from the end of the head (default
    /// [`Server::DEFAULT_BODY_TIMEOUT`]); then the connection is closed without an
    /// answer.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// At most this many open connections (default [`Server::DEFAULT_MAX_CONNECTIONS`];
    /// 0 counts as 1). A connection accepted at the cap closes the oldest connection
    /// that waits for a request body, else the oldest idle one (between requests, or
    /// waiting for a head); when every open connection is being answered, the new one
    /// is closed at once.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Binds the address and starts serving on a background thread.
    pub fn start(self) -> io::Result<Server> {
        let listener = std::net::TcpListener::bind(self.addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("genesys-chat-emulator")
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let (shutdown, stop) = oneshot::channel();
        let connections = Arc::new(Registry::new(self.max_connections));
        let limits = Limits {
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
        };
        let served = Arc::clone(&self.emulator);
        let registry = Arc::clone(&connections);
        let thread = std::thread::Builder::new()
            .name("genesys-chat-emulator-accept".to_owned())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, served, registry, limits, stop));
                // Open keep-alive connections end with the runtime.
                runtime.shutdown_timeout(Duration::from_millis(500));
            })?;
        Ok(Server {
            addr,
            emulator: self.emulator,
            connections,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

/// How many connections a [`Server`] holds at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionCounts {
    /// Every open connection.
    pub open: usize,
    /// Those whose request head has arrived and whose body has not, yet.
    pub awaiting_body: usize,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// How long a request head may take by default: 30 s.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
    /// How long a request body may take by default, after its head: 30 s.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
    /// How many connections may be open at once by default.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

    /// A builder for a server of `emulator` on `127.0.0.1` at a free port, with the
    /// default timeouts and connection cap.
    pub fn builder(emulator: Arc<Emulator>) -> ServerBuilder {
        ServerBuilder {
            emulator,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            header_timeout: Server::DEFAULT_HEADER_TIMEOUT,
            body_timeout: Server::DEFAULT_BODY_TIMEOUT,
            max_connections: Server::DEFAULT_MAX_CONNECTIONS,
        }
    }

    /// Serves `emulator` on `127.0.0.1` at a port the system picks.
    pub fn start(emulator: Arc<Emulator>) -> io::Result<Server> {
        Server::builder(emulator).start()
    }

    /// Serves a new default [`Emulator`] (see [`Emulator::new`]).
    pub fn start_default() -> io::Result<Server> {
        Server::start(Arc::new(Emulator::new()))
    }

    /// Serves `emulator` at `addr` (port 0 picks a free port). Meant for loopback
    /// addresses: the emulator has no TLS, and it answers only requests whose `Host` is
    /// a loopback name or address.
    pub fn start_on(emulator: Arc<Emulator>, addr: SocketAddr) -> io::Result<Server> {
        Server::builder(emulator).addr(addr).start()
    }

    /// `http://127.0.0.1:<port>`: the base URL of both the API and the login endpoint.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator behind the server.
    pub fn emulator(&self) -> &Arc<Emulator> {
        &self.emulator
    }

    /// How many connections are open now, and how many of them wait for a body.
    pub fn connections(&self) -> ConnectionCounts {
        self.connections.counts()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The timeouts every connection gets.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header_timeout: Duration,
    body_timeout: Duration,
}

/// Where a connection is: what the cap closes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests, or reading a head.
    Idle,
    /// The head has arrived, the body has not.
    AwaitingBody,
    /// The request is being answered.
    Answering,
}

struct Open {
    phase: Phase,
    /// Closes the connection (its task drops it) when sent to or dropped.
    close: oneshot::Sender<()>,
}

#[derive(Default)]
struct Table {
    /// The id of the next connection: ids grow with age, so the map is oldest first.
    next: u64,
    open: BTreeMap<u64, Open>,
}

/// The open connections, and the cap.
struct Registry {
    table: Mutex<Table>,
    max: usize,
}

impl Registry {
    fn new(max: usize) -> Registry {
        Registry {
            table: Mutex::new(Table::default()),
            max,
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new connection, closing another first at the cap (the oldest that
    /// waits for a body, else the oldest idle one). `None`: every open connection is
    /// being answered, so the new one is not served.
    fn admit(&self) -> Option<(u64, oneshot::Receiver<()>)> {
        let mut table = self.table();
        while table.open.len() >= self.max {
            let oldest = |phase: Phase| {
                table
                    .open
                    .iter()
                    .find(|(_, open)| open.phase == phase)
                    .map(|(id, _)| *id)
            };
            let victim = oldest(Phase::AwaitingBody).or_else(|| oldest(Phase::Idle))?;
            if let Some(open) = table.open.remove(&victim) {
                let _ = open.close.send(());
            }
        }
        let id = table.next;
        table.next = table.next.wrapping_add(1);
        let (close, closed) = oneshot::channel();
        table.open.insert(
            id,
            Open {
                phase: Phase::Idle,
                close,
            },
        );
        Some((id, closed))
    }

    fn set_phase(&self, id: u64, phase: Phase) {
        if let Some(open) = self.table().open.get_mut(&id) {
            open.phase = phase;
        }
    }

    fn remove(&self, id: u64) {
        self.table().open.remove(&id);
    }

    fn counts(&self) -> ConnectionCounts {
        let table = self.table();
        ConnectionCounts {
            open: table.open.len(),
            awaiting_body: table
                .open
                .values()
                .filter(|open| open.phase == Phase::AwaitingBody)
                .count(),
        }
    }
}

/// Takes a connection out of the registry when its task ends, however it ends.
struct Registered {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// Marks a connection idle again when its request is done, however it ends.
struct Busy<'a> {
    registry: &'a Registry,
    id: u64,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.registry.set_phase(self.id, Phase::Idle);
    }
}

async fn accept_loop(
    listener: TcpListener,
    emulator: Arc<Emulator>,
    registry: Arc<Registry>,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // At the cap with every connection busy: not served (dropped).
                    let Some((id, closed)) = registry.admit() else { continue };
                    let _ = stream.set_nodelay(true);
                    let emulator = Arc::clone(&emulator);
                    let registry = Arc::clone(&registry);
                    let builder = builder.clone();
                    tokio::spawn(async move {
                        let registered = Registered { registry: Arc::clone(&registry), id };
                        let service = service_fn(move |request| {
                            answer(Arc::clone(&emulator), Arc::clone(&registry), id, limits, request)
                        });
                        // A connection error (a client gone, a fault closing it) ends
                        // only that connection; so does the cap, by dropping it.
                        tokio::select! {
                            _ = builder.serve_connection(TokioIo::new(stream), service) => {}
                            _ = closed => {}
                        }
                        drop(registered);
                    });
                }
                // Out of file descriptors or similar: back off a little, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the emulator")
    }
}

impl std::error::Error for DropConnection {}

/// How much of an oversized request body is read (and dropped) before the 413.
const DRAIN_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// Reads a whole request body; past the service's limit, keeps draining (up to a bound)
/// so the client finishes sending and reads the 413 instead of a broken pipe. Returns
/// the bytes kept and how many arrived.
async fn read_body(mut body: Incoming) -> Result<(Vec<u8>, usize), DropConnection> {
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client went away while sending.
            return Err(DropConnection);
        };
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen <= MAX_REQUEST_BODY_BYTES {
                bytes.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT_BYTES {
                break;
            }
        }
    }
    Ok((bytes, seen))
}

async fn answer(
    emulator: Arc<Emulator>,
    registry: Arc<Registry>,
    id: u64,
    limits: Limits,
    request: Request<Incoming>,
) -> Result<Response<OneShotBody>, DropConnection> {
    let _busy = Busy {
        registry: &registry,
        id,
    };
    let (parts, body) = request.into_parts();
    let (bytes, seen) = if body.is_end_stream() {
        registry.set_phase(id, Phase::Answering);
        (Vec::new(), 0)
    } else {
        registry.set_phase(id, Phase::AwaitingBody);
        // A body that does not arrive in time closes the connection, unanswered.
        let read = tokio::time::timeout(limits.body_timeout, read_body(body)).await;
        registry.set_phase(id, Phase::Answering);
        read.map_err(|_elapsed| DropConnection)??
    };
    let admin = parts.uri.path().starts_with(ADMIN_PREFIX);
    let refusal = admin::refuse_host(&parts)
        .or_else(|| admin.then(|| admin::refuse_admin(&parts, seen)).flatten());
    if let Some(refusal) = refusal {
        let response = failure_response(&refusal, &emulator.correlation_id());
        return Ok(whole(response));
    }
    if seen > MAX_REQUEST_BODY_BYTES {
        let f = Failure::new(
            413,
            "request.entity.too.large",
            format!("The request body is over {MAX_REQUEST_BODY_BYTES} bytes."),
        );
        let response = failure_response(&f, &emulator.correlation_id());
        return Ok(whole(response));
    }
    let request = Request::from_parts(parts, bytes);
    if admin {
        return Ok(whole(admin::handle(&emulator, &request)));
    }
    let dispatch = emulator.dispatch(request);
    if let Some(delay) = dispatch.delay {
        tokio::time::sleep(delay).await;
    }
    match dispatch.action {
        Action::Respond => Ok(whole(dispatch.response)),
        Action::DropConnection => Err(DropConnection),
        Action::Truncate { sent } => {
            let (mut parts, body) = dispatch.response.into_parts();
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
            let mut body = Bytes::from(body);
            body.truncate(sent.max(1));
            Ok(Response::from_parts(
                parts,
                OneShotBody {
                    data: Some(body),
                    exact: false,
                },
            ))
        }
    }
}

fn whole(response: Response<Vec<u8>>) -> Response<OneShotBody> {
    response.map(|body| OneShotBody {
        data: (!body.is_empty()).then(|| Bytes::from(body)),
        exact: true,
    })
}

/// A body sent in one frame. With `exact` false its size is not announced, so hyper
/// trusts a `Content-Length` header set by hand: how a truncated answer is made.
struct OneShotBody {
    data: Option<Bytes>,
    exact: bool,
}

impl Body for OneShotBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().data.take().map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.data, self.exact) {
            (Some(d), true) => SizeHint::with_exact(d.len() as u64),
            (None, _) => SizeHint::with_exact(0),
            (Some(_), false) => SizeHint::default(),
        }
    }
}
