//! The bookkeeping of a simulated OAuth2 client-credentials token endpoint, for the
//! demo APIs that take bearer tokens (8x8 Analytics, Genesys Cloud): the one client
//! they accept, the tokens issued and when each expires in simulated time. Each vendor
//! words its own token answer and errors; this knows no vendor format.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::SimRequest;

/// The client a demo API accepts and the tokens it has issued.
pub struct TokenBook {
    client_id: String,
    client_secret: String,
    prefix: &'static str,
    lifetime_seconds: i64,
    /// Issued tokens and when each expires (simulated time).
    tokens: Mutex<HashMap<String, DateTime<Utc>>>,
    issued: AtomicU64,
}

impl TokenBook {
    /// A book for the client `client_id`/`client_secret` whose tokens start with
    /// `prefix` and live `lifetime_seconds`.
    pub fn new(
        client_id: &str,
        client_secret: &str,
        prefix: &'static str,
        lifetime_seconds: i64,
    ) -> Self {
        TokenBook {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            prefix,
            lifetime_seconds,
            tokens: Mutex::new(HashMap::new()),
            issued: AtomicU64::new(0),
        }
    }

    /// Tokens issued so far.
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    /// Revokes every token (as rotating the key or deleting the client's sessions would).
    pub fn revoke_all(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Whether `req` authenticates as the client (HTTP Basic).
    pub fn client_ok(&self, req: &SimRequest) -> bool {
        req.basic_auth_is(&self.client_id, &self.client_secret)
    }

    /// The `grant_type` of a form-encoded token request.
    pub fn grant_type(req: &SimRequest) -> Option<String> {
        url::form_urlencoded::parse(&req.body)
            .find(|(k, _)| k == "grant_type")
            .map(|(_, v)| v.into_owned())
    }

    /// Issues a new token at `now` (forgetting expired ones); it is numbered and
    /// stamped so that every token differs.
    pub fn issue(&self, now: DateTime<Utc>) -> String {
        let n = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        let token = format!("{}{n:04}T{}", self.prefix, now.timestamp());
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.retain(|_, exp| *exp > now);
        tokens.insert(
            token.clone(),
            now + Duration::seconds(self.lifetime_seconds),
        );
        token
    }

    /// Whether `req` carries a bearer token issued here and unexpired at `now`.
    pub fn bearer_ok(&self, req: &SimRequest, now: DateTime<Utc>) -> bool {
        let Some(token) = req
            .headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.get(token.trim()).is_some_and(|exp| *exp > now)
    }
}
