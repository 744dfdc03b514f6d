//! A mock vendor API behind an OAuth2 Client Credentials token endpoint, and the token
//! checks every such vendor shares: one token reused while more than a minute of its
//! lifetime is left, renewed then; a 401 drops it and fails that poll, and the next
//! poll asks for exactly one new token.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use contact_center_exporter::http::PollContext;
use contact_center_exporter::sources::{Source, SourceError};

use super::{Mock, MockResponse, Recorded};

/// How a vendor's token endpoint and API answer.
pub struct TokenEndpoint {
    /// The token request's path (`/oauth/token`).
    pub path: &'static str,
    /// Tokens are `{prefix}-{n}-SECRET`, numbered from 1.
    pub prefix: &'static str,
    /// The token endpoint's answer carrying `token`.
    pub answer: fn(&str) -> MockResponse,
    /// The API's answer to a request without a live token.
    pub denied: fn() -> MockResponse,
}

/// A mock vendor: the token endpoint issues numbered tokens (revoked on demand), and
/// `api` answers requests that carry a live one.
pub struct OAuthMock {
    /// The server (its recorded requests).
    pub mock: Mock,
    path: &'static str,
    prefix: &'static str,
    issued: Arc<AtomicU64>,
    /// Tokens still accepted.
    live: Arc<Mutex<Vec<String>>>,
}

impl OAuthMock {
    /// Starts the mock.
    pub fn start(
        ep: TokenEndpoint,
        api: impl Fn(&Recorded) -> MockResponse + Send + Sync + 'static,
    ) -> OAuthMock {
        let issued = Arc::new(AtomicU64::new(0));
        let live = Arc::new(Mutex::new(Vec::new()));
        let (i2, l2) = (issued.clone(), live.clone());
        let (path, prefix) = (ep.path, ep.prefix);
        let mock = Mock::start(move |r| {
            if r.path == ep.path {
                let n = i2.fetch_add(1, Ordering::SeqCst) + 1;
                let token = format!("{}-{n}-SECRET", ep.prefix);
                l2.lock().unwrap().push(token.clone());
                return (ep.answer)(&token);
            }
            let auth = r.headers.get("authorization").cloned().unwrap_or_default();
            let ok = auth
                .strip_prefix("Bearer ")
                .is_some_and(|t| l2.lock().unwrap().iter().any(|l| l == t));
            if !ok {
                return (ep.denied)();
            }
            api(r)
        });
        OAuthMock {
            mock,
            path,
            prefix,
            issued,
            live,
        }
    }

    /// Revokes every token issued so far (as rotating the client secret would).
    pub fn revoke(&self) {
        self.live.lock().unwrap().clear();
    }

    /// Tokens issued so far.
    pub fn tokens(&self) -> u64 {
        self.issued.load(Ordering::SeqCst)
    }
}

/// The shared token checks on `src`, whose vendor's tokens live `lifetime` seconds
/// (`expires_in`), polled at `t0` and later through `ctx`.
pub async fn token_reuse_and_renewal(
    m: &OAuthMock,
    src: &mut impl Source,
    lifetime: i64,
    t0: DateTime<Utc>,
    ctx: impl Fn(DateTime<Utc>) -> PollContext,
) {
    let at = |s: i64| ctx(t0 + Duration::seconds(s));
    let renew = lifetime - 60;
    for s in [0, 30, 60, renew - 1] {
        src.poll(&at(s)).await.unwrap();
    }
    assert_eq!(m.tokens(), 1, "reused while more than a minute is left");
    src.poll(&at(renew)).await.unwrap();
    assert_eq!(m.tokens(), 2, "renewed a minute before it expires");

    m.revoke();
    let err = src.poll(&at(renew + 21)).await.unwrap_err();
    assert!(
        matches!(err, SourceError::Status { status: 401, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("a new one is requested at the next poll"),
        "{err}"
    );
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert_eq!(m.tokens(), 2, "the failed poll asks for no second token");
    let before = m.mock.recorded().len();
    src.poll(&at(renew + 51)).await.unwrap();
    assert_eq!(m.tokens(), 3, "the next poll asks for exactly one");
    let after: Vec<Recorded> = m.mock.recorded().split_off(before);
    assert_eq!(after[0].path, m.path);
    let bearer = format!("Bearer {}-3-SECRET", m.prefix);
    assert!(after[1..]
        .iter()
        .all(|r| r.headers["authorization"] == bearer));
}
