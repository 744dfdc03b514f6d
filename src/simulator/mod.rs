//! The `--demo` contact center: a simulation ([`model`]) served on a loopback port as
//! each vendor's own HTTP API ([`host`]), so the demo runs the real request, auth,
//! parse and normalize code of every source.
//!
//! This module knows no vendor format: each vendor's `simulate.rs` implements
//! [`SimulatedApi`] and renders its responses from the shared [`ContactCenter`].

pub mod host;
pub mod model;
pub mod tokens;

pub use model::{ContactCenter, Outcome, Scenario, SimOptions, SimState};
pub use tokens::TokenBook;

/// A request as a simulated vendor API sees it (the vendor's mount prefix removed).
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path below the vendor's mount point, e.g. `/v2/statistics/userstate`.
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: hyper::HeaderMap,
    /// Request body.
    pub body: bytes::Bytes,
}

impl SimRequest {
    /// A `GET` request, with HTTP Basic credentials when `basic` is given (for tests and
    /// tools that call a simulated API directly).
    pub fn get(path: &str, query: &[(&str, &str)], basic: Option<(&str, &str)>) -> Self {
        use base64::Engine;
        let mut headers = hyper::HeaderMap::new();
        if let Some((user, password)) = basic {
            let v = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            if let Ok(value) = format!("Basic {v}").parse() {
                headers.insert(hyper::header::AUTHORIZATION, value);
            }
        }
        SimRequest {
            method: "GET".into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            headers,
            body: bytes::Bytes::new(),
        }
    }

    /// The first query parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the `Authorization` header is HTTP Basic with exactly `user:password`.
    pub fn basic_auth_is(&self, user: &str, password: &str) -> bool {
        use base64::Engine;
        let want = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .is_some_and(|got| got.trim() == want)
    }
}

/// A simulated vendor response.
#[derive(Debug, Clone)]
pub struct SimResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// Further response headers (paging headers, for instance).
    pub headers: Vec<(&'static str, String)>,
}

impl SimResponse {
    /// A `200` JSON response.
    pub fn json(body: Vec<u8>) -> Self {
        SimResponse {
            status: 200,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }

    /// A response with any status.
    pub fn with_status(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        SimResponse {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// The same response with one more header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// One vendor's API, rendered from the simulation.
pub trait SimulatedApi: Send + Sync {
    /// Answers one request from the contact center as it is now (already advanced).
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse;
}
