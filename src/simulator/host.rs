//! The loopback HTTP host of the simulated vendor APIs. Each vendor is mounted under
//! `/<vendor>/` (e.g. `http://127.0.0.1:PORT/<vendor name>`), which the demo sources use as
//! their `base_url`; that also exercises base URLs with a path prefix.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::{ContactCenter, SimRequest, SimulatedApi};

/// Requests bodies above this are refused (the simulated APIs take small forms).
const MAX_REQUEST_BODY: usize = 64 * 1024;

/// The simulated APIs, keyed by mount name.
pub struct Host {
    cc: Arc<Mutex<ContactCenter>>,
    apis: HashMap<String, Box<dyn SimulatedApi>>,
    /// Simulated time source; `None` follows the wall clock.
    clock: Option<Arc<Mutex<chrono::DateTime<chrono::Utc>>>>,
    /// Requests and response bytes served per mount (for poll-cost measurements).
    served: Mutex<HashMap<String, (u64, u64)>>,
}

impl Host {
    /// A host over `cc` with no APIs mounted yet.
    pub fn new(cc: Arc<Mutex<ContactCenter>>) -> Self {
        Host {
            cc,
            apis: HashMap::new(),
            clock: None,
            served: Mutex::new(HashMap::new()),
        }
    }

    /// Drives the simulation from `clock` instead of the wall clock (benchmarks and tests
    /// that replay a whole day in seconds).
    pub fn with_clock(mut self, clock: Arc<Mutex<chrono::DateTime<chrono::Utc>>>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// `(requests, response bytes)` served under `/<name>` so far.
    pub fn served(&self, name: &str) -> (u64, u64) {
        let s = self.served.lock().unwrap_or_else(|e| e.into_inner());
        s.get(name).copied().unwrap_or_default()
    }

    /// Mounts `api` under `/<name>`.
    pub fn mount(&mut self, name: &str, api: Box<dyn SimulatedApi>) {
        self.apis.insert(name.to_string(), api);
    }

    /// Answers one request (also used directly by tests).
    pub fn answer(&self, mut req: SimRequest) -> super::SimResponse {
        let trimmed = req.path.trim_start_matches('/').to_string();
        let (mount, rest) = trimmed.split_once('/').unwrap_or((trimmed.as_str(), ""));
        let Some(api) = self.apis.get(mount) else {
            return super::SimResponse::with_status(
                404,
                "text/plain",
                "no such simulated vendor\n",
            );
        };
        req.path = format!("/{rest}");
        let now = match &self.clock {
            Some(c) => *c.lock().unwrap_or_else(|e| e.into_inner()),
            None => chrono::Utc::now(),
        };
        let resp = {
            let mut cc = self.cc.lock().unwrap_or_else(|e| e.into_inner());
            cc.advance_to(now);
            api.handle(&req, &cc)
        };
        let mut served = self.served.lock().unwrap_or_else(|e| e.into_inner());
        let e = served.entry(mount.to_string()).or_default();
        e.0 += 1;
        e.1 += resp.body.len() as u64;
        resp
    }

    /// Serves on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let host = Arc::clone(&self);
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let host = Arc::clone(&host);
                    async move { Ok::<_, hyper::Error>(host.handle_hyper(req).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    }

    async fn handle_hyper(&self, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return plain(413, "request body too large\n"),
        };
        let query = query_pairs(&parts.uri);
        let sim = SimRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query,
            headers: parts.headers,
            body,
        };
        let r = self.answer(sim);
        let mut b = Response::builder()
            .status(r.status)
            .header(hyper::header::CONTENT_TYPE, r.content_type);
        for (name, value) in &r.headers {
            b = b.header(*name, value.as_str());
        }
        b.body(Full::new(Bytes::from(r.body)))
            .unwrap_or_else(|_| plain(500, "bad simulated response\n"))
    }
}

/// The decoded query parameters of `uri`, in order.
pub fn query_pairs(uri: &hyper::Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

fn plain(status: u16, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// Binds `127.0.0.1:0`, starts serving, and returns the address.
pub async fn start(host: Host) -> std::io::Result<SocketAddr> {
    start_shared(Arc::new(host)).await
}

/// Like [`start`], keeping a handle on the host (to read [`Host::served`]).
pub async fn start_shared(host: Arc<Host>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(host.serve(listener));
    Ok(addr)
}
