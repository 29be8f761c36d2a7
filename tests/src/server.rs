//! The loopback server: the emulator over real HTTP/1.1 on `127.0.0.1`.
//!
//! Built on hyper 1 and tokio (a multi-thread runtime on a background thread): keep-alive,
//! many concurrent connections, `TCP_NODELAY`. It carries out the faults the sans-IO
//! emulator can only describe: delays, truncated bodies (a `Content-Length` larger than
//! the bytes sent, then the connection closes) and dropped connections. It also serves
//! the [admin endpoints](crate::admin) under `/__emulator/`.
//!
//! ```
//! use genesys_chat_testkit::{Emulator, server::Server};
//! let server = Server::start_default()?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.emulator().counters().total, 0);
//! drop(server); // stops the server and joins its thread
//! # Ok::<(), std::io::Error>(())
//! ```

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
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
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Serves `emulator` on `127.0.0.1` at a port the system picks.
    pub fn start(emulator: Arc<Emulator>) -> io::Result<Server> {
        Server::start_on(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves a new default [`Emulator`] (see [`Emulator::new`]).
    pub fn start_default() -> io::Result<Server> {
        Server::start(Arc::new(Emulator::new()))
    }

    /// Serves `emulator` at `addr` (port 0 picks a free port). Meant for loopback
    /// addresses: the emulator has no TLS.
    pub fn start_on(emulator: Arc<Emulator>, addr: SocketAddr) -> io::Result<Server> {
        let listener = std::net::TcpListener::bind(addr)?;
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
        let served = Arc::clone(&emulator);
        let thread = std::thread::Builder::new()
            .name("genesys-chat-emulator-accept".to_owned())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, served, stop));
                // Open keep-alive connections end with the runtime.
                runtime.shutdown_timeout(Duration::from_millis(500));
            })?;
        Ok(Server {
            addr,
            emulator,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
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

async fn accept_loop(
    listener: TcpListener,
    emulator: Arc<Emulator>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut builder = http1::Builder::new();
    builder.keep_alive(true).timer(TokioTimer::new());
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let emulator = Arc::clone(&emulator);
                    let builder = builder.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| answer(Arc::clone(&emulator), request));
                        // A connection error (a client gone, a fault closing it) ends
                        // only that connection.
                        let _ = builder.serve_connection(TokioIo::new(stream), service).await;
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

async fn answer(
    emulator: Arc<Emulator>,
    request: Request<Incoming>,
) -> Result<Response<OneShotBody>, DropConnection> {
    let (parts, mut body) = request.into_parts();
    // Read the body; past the service's limit, keep draining (up to a bound) so the
    // client finishes sending and reads the 413 instead of a broken pipe.
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
    if request.uri().path().starts_with(ADMIN_PREFIX) {
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
