//! The HTTP server (hyper): `/metrics`, `/` landing page, `/-/healthy`, `/-/ready`,
//! `POST /-/reload` (only with `--web.enable-lifecycle`, never cross-site).
//!
//! Scrapes are cheap by construction: the vendor section is cached bytes (plain and
//! gzip) and only the small self section is built per request. Header reads time out,
//! connections and concurrent scrapes are capped, and shutdown lets in-flight requests
//! finish.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::hub::Hub;

/// How long a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Most open connections at once; further clients wait in the accept backlog. One
/// address may hold only `--web.max-connections-per-peer` of them.
const MAX_CONNECTIONS: usize = 1024;
/// How long shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The answer to a failed `POST /-/reload`; the error itself is logged.
pub const RELOAD_FAILED: &str =
    "failed to reload config; the previous configuration stays in force (the error is in the exporter's log)\n";

/// A reload request from `POST /-/reload`; answered with the outcome.
pub type ReloadRequest = oneshot::Sender<Result<(), String>>;

/// What request handlers need.
pub struct ServerState {
    /// Shared exporter state.
    pub hub: Arc<Hub>,
    /// `--web.telemetry-path`.
    pub telemetry_path: String,
    /// Channel to the main loop for reloads.
    pub reload: mpsc::Sender<ReloadRequest>,
    /// Concurrent `/metrics` requests allowed.
    pub scrape_permits: Arc<Semaphore>,
    /// TLS and basic auth (`--web.config.file`), re-read when the file changes.
    pub web: Arc<crate::web_config::WebConfigWatch>,
    /// How many bcrypt checks may run at once (server-wide).
    pub auth_limiter: crate::basic_auth::AuthLimiter,
    /// Open connections per client address (`--web.max-connections-per-peer`).
    pub peers: Arc<crate::peer_limit::PeerLimit>,
    /// `--web.enable-lifecycle`: whether `POST /-/reload` is served.
    pub lifecycle: bool,
}

/// Binds every `--web.listen-address`. `:PORT` means every interface (IPv6 and IPv4
/// where the kernel allows dual-stack, else IPv4).
pub async fn bind(addresses: &[String]) -> Result<Vec<TcpListener>, String> {
    let mut out = Vec::new();
    for a in addresses {
        if let Some(port) = a.strip_prefix(':') {
            let port: u16 = port
                .parse()
                .map_err(|_| format!("invalid listen address {a:?}"))?;
            match TcpListener::bind(("::", port)).await {
                Ok(l) => out.push(l),
                Err(_) => out.push(
                    TcpListener::bind(("0.0.0.0", port))
                        .await
                        .map_err(|e| format!("cannot listen on {a}: {e}"))?,
                ),
            }
        } else {
            let addr: SocketAddr = tokio::net::lookup_host(a.as_str())
                .await
                .map_err(|e| format!("invalid listen address {a:?}: {e}"))?
                .next()
                .ok_or_else(|| format!("invalid listen address {a:?}"))?;
            out.push(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("cannot listen on {a}: {e}"))?,
            );
        }
    }
    Ok(out)
}

/// Serves on `listeners` until `shutdown` fires, then waits for in-flight requests.
pub async fn serve(
    listeners: Vec<TcpListener>,
    state: Arc<ServerState>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let conns = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (tx, mut rx) = mpsc::channel::<(
        tokio::net::TcpStream,
        tokio::sync::OwnedSemaphorePermit,
        crate::peer_limit::PeerSlot,
    )>(64);
    for l in listeners {
        let tx = tx.clone();
        let conns = Arc::clone(&conns);
        let peers = Arc::clone(&state.peers);
        tokio::spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&conns).acquire_owned().await else {
                    return;
                };
                match l.accept().await {
                    Ok((stream, peer)) => {
                        // Closed at once: its address holds its share of the slots.
                        let Some(slot) = peers.admit(peer.ip()) else {
                            tracing::debug!(peer = %peer.ip(), "connection refused: too many from this address");
                            drop(stream);
                            continue;
                        };
                        // Without TCP_NODELAY the last segment of a large body can wait
                        // for the client's delayed ACK (~40 ms on Linux): that was the p99.
                        if let Err(e) = stream.set_nodelay(true) {
                            tracing::debug!(error = %e, "could not set TCP_NODELAY");
                        }
                        if tx.send((stream, permit, slot)).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }
    drop(tx);
    loop {
        tokio::select! {
            conn = rx.recv() => {
                let Some((stream, permit, slot)) = conn else { break };
                let web = state.web.get();
                let state = Arc::clone(&state);
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    match web.tls.clone() {
                        None => serve_connection(TokioIo::new(stream), state, web, watcher).await,
                        Some(acceptor) => {
                            match tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(stream)).await {
                                Ok(Ok(tls)) => serve_connection(TokioIo::new(tls), state, web, watcher).await,
                                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!("TLS handshake timed out"),
                            }
                        }
                    }
                    drop(permit);
                    drop(slot);
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish within the shutdown grace period");
    }
}

/// A response body of ready chunks, sent in order with an exact `Content-Length`, so
/// the cached part of `/metrics` is shared rather than copied into each response.
pub struct Chunks(std::collections::VecDeque<Bytes>);

impl Chunks {
    /// A body of one chunk.
    pub fn one(b: impl Into<Bytes>) -> Self {
        Chunks(std::collections::VecDeque::from([b.into()]))
    }
}

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(hyper::body::Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.0.iter().map(|b| b.len() as u64).sum())
    }
}

/// Serves one connection (plain or TLS) until it closes or shutdown ends it.
async fn serve_connection<I>(
    io: TokioIo<I>,
    state: Arc<ServerState>,
    web: Arc<crate::web_config::WebConfig>,
    watcher: hyper_util::server::graceful::Watcher,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| {
        let state = Arc::clone(&state);
        let web = Arc::clone(&web);
        async move {
            let mut resp = match authenticate(&state, &web, &req).await {
                Ok(()) => handle(&state, req).await,
                Err(refused) => refused,
            };
            for (k, v) in &web.headers {
                resp.headers_mut().insert(k.clone(), v.clone());
            }
            Ok::<_, Infallible>(resp)
        }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(io, svc);
    let _ = watcher.watch(conn).await;
}

/// Checks basic auth when the web config asks for it: cached credentials at once,
/// others by bcrypt on the blocking pool. The refusal to send otherwise: 401, or 429
/// when bcrypt checks are already running (answered at once, not queued).
async fn authenticate(
    state: &ServerState,
    web: &crate::web_config::WebConfig,
    req: &Request<Incoming>,
) -> Result<(), Response<Chunks>> {
    use crate::basic_auth::Check;
    let Some(auth) = &web.auth else {
        return Ok(());
    };
    let header = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let verified = match auth.check(header) {
        Check::Granted => Some(true),
        Check::Denied => Some(false),
        Check::Verify(pending) => state.auth_limiter.verify(pending).await,
    };
    match verified {
        Some(true) => Ok(()),
        Some(false) => {
            let mut r = text(StatusCode::UNAUTHORIZED, "Unauthorized\n");
            r.headers_mut().insert(
                hyper::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"contact-center-exporter\""),
            );
            Err(r)
        }
        None => {
            tracing::debug!("password check refused: bcrypt checks already running");
            let mut r = text(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many password checks at once; retry\n",
            );
            r.headers_mut()
                .insert(hyper::header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(r)
        }
    }
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Chunks> {
    let mut r = Response::new(Chunks::one(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn handle(state: &ServerState, req: Request<Incoming>) -> Response<Chunks> {
    let path = req.uri().path();
    let method = req.method().clone();
    match (method, path) {
        (Method::GET | Method::HEAD, p) if p == state.telemetry_path => metrics(state, &req),
        (Method::GET | Method::HEAD, "/") => landing(state),
        (Method::GET | Method::HEAD, "/-/healthy") => text(StatusCode::OK, "Healthy\n"),
        (Method::GET | Method::HEAD, "/-/ready") => {
            if state.hub.ready() {
                text(StatusCode::OK, "Ready\n")
            } else {
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Not ready: a source has not finished its first poll\n",
                )
            }
        }
        (_, "/-/reload") => reload(state, &req).await,
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// `/-/reload`: refused (403) without `--web.enable-lifecycle` and for a cross-site
/// request, POST only; a failure answers a generic text (the error is logged).
async fn reload(state: &ServerState, req: &Request<Incoming>) -> Response<Chunks> {
    if !state.lifecycle {
        return text(
            StatusCode::FORBIDDEN,
            "Lifecycle API is not enabled (start with --web.enable-lifecycle; SIGHUP always reloads)\n",
        );
    }
    if req.method() != Method::POST {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "use POST\n");
        r.headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    if let Some(why) = cross_site(req, state.web.get().tls.is_some()) {
        tracing::warn!(reason = why, "refused a cross-site reload request");
        return text(StatusCode::FORBIDDEN, "cross-site reload refused\n");
    }
    let (tx, rx) = oneshot::channel();
    if state.reload.send(tx).await.is_err() {
        return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    match rx.await {
        Ok(Ok(())) => text(StatusCode::OK, "config reloaded\n"),
        // The error stays in the log: it names files, keys and values of the config,
        // which are not for whoever can reach this port.
        Ok(Err(_)) => text(StatusCode::INTERNAL_SERVER_ERROR, RELOAD_FAILED),
        Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"),
    }
}

/// Why `req` comes from another site, if it does: a browser says so in
/// `Sec-Fetch-Site` (anything but `same-origin`, or `none` for a request the user made
/// directly) and sends `Origin` with every cross-site POST (a form included); it must
/// be this server's own scheme and `Host`. Clients that are not browsers (curl,
/// Prometheus tooling) send neither and pass.
fn cross_site(req: &Request<Incoming>, tls: bool) -> Option<&'static str> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_ascii_lowercase())
    };
    if let Some(site) = header("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return Some("Sec-Fetch-Site is not same-origin");
        }
    }
    let origin = header("origin")?;
    let scheme = if tls { "https" } else { "http" };
    let default_port = if tls { ":443" } else { ":80" };
    let Some(host) = header("host") else {
        return Some("Origin without a Host header");
    };
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    let origin = origin.strip_suffix(default_port).unwrap_or(&origin);
    if origin == format!("{scheme}://{host}") {
        None
    } else {
        Some("Origin is another site")
    }
}

/// Whether the client accepts gzip (an explicit `q=0` refuses it).
fn accepts_gzip(req: &Request<Incoming>) -> bool {
    req.headers()
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused =
                parts.any(|p| p.replace(' ', "") == "q=0" || p.replace(' ', "") == "q=0.0");
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn metrics(state: &ServerState, req: &Request<Incoming>) -> Response<Chunks> {
    let Ok(_permit) = state.scrape_permits.try_acquire() else {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many concurrent scrapes\n",
        );
    };
    let gzip = accepts_gzip(req);
    let format = crate::negotiate::Format::negotiate(
        req.headers()
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let chunks = state.hub.scrape_as(SystemTime::now(), format, gzip);
    let mut r = Response::new(Chunks(chunks.into()));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    // The body depends on both headers: a cache between us and the client must not
    // hand one client's format or encoding to another.
    r.headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
    if gzip {
        r.headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

fn landing(state: &ServerState) -> Response<Chunks> {
    let body = crate::status_page::render(
        &state.hub.sources(),
        &state.telemetry_path,
        crate::cli::LONG_VERSION,
        SystemTime::now(),
    );
    let mut r = Response::new(Chunks::one(Bytes::from(body)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The figures change with every poll; a cached copy would show old numbers.
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
