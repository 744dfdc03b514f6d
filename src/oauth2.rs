//! OAuth2 client credentials, shared by the vendors that use the grant (8x8 Analytics,
//! Genesys Cloud): one token reused until shortly before it expires, dropped when the
//! API refuses it, so that the next poll asks for a new one; the token request itself
//! (a form POST with HTTP Basic `client_id:client_secret`) and its answer.
//!
//! The request goes through `http::fetch` (body cap, outcome counting, redaction)
//! rather than the `oauth2` crate: that crate's standard token response reads
//! `expires_in` as a number and refuses 8x8's `"1799"`, and its own HTTP call would
//! bypass the cap and the counting. The token is a bearer credential: it is held as a
//! [`Secret`] and never logged.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::http::{ParseError, PollContext, SourceError};
use crate::secret::Secret;

/// A token is replaced when less than this remains of it (or half its lifetime, for a
/// short one), so that it cannot expire between being attached and being checked.
pub const REFRESH_MARGIN_SECONDS: i64 = 60;
/// Lifetime assumed when the answer gives no usable `expires_in`: short, so a token of
/// unknown lifetime is not used for long (8x8's example says 1799 s).
pub const DEFAULT_LIFETIME_SECONDS: u64 = 300;

/// The current token of one source.
#[derive(Default)]
pub struct TokenCache {
    cached: Option<Cached>,
}

struct Cached {
    token: Secret,
    /// When it was received (our clock: the vendor's `issued_at` is not trusted).
    obtained: i64,
    /// Replace it from this instant on.
    refresh_at: i64,
}

impl TokenCache {
    /// The cached token if it is still good at `now`.
    pub fn valid(&self, now: DateTime<Utc>) -> Option<&Secret> {
        let t = now.timestamp();
        self.cached
            .as_ref()
            .filter(|c| c.obtained <= t && t < c.refresh_at)
            .map(|c| &c.token)
    }

    /// Keeps `token`, received at `now`, valid for `expires_in` seconds.
    pub fn store(&mut self, token: Secret, expires_in: Option<u64>, now: DateTime<Utc>) -> &Secret {
        let lifetime = expires_in.unwrap_or(DEFAULT_LIFETIME_SECONDS) as i64;
        let margin = REFRESH_MARGIN_SECONDS.min(lifetime / 2);
        let obtained = now.timestamp();
        let c = self.cached.insert(Cached {
            token,
            obtained,
            refresh_at: obtained + lifetime - margin,
        });
        &c.token
    }

    /// Forgets the token (the API refused it).
    pub fn invalidate(&mut self) {
        self.cached = None;
    }
}

/// The token endpoint's answer, as far as it is used.
#[derive(Debug)]
pub struct TokenAnswer {
    /// `access_token`.
    pub access_token: Secret,
    /// `expires_in` in seconds, when given and positive (a number in RFC 6749 and
    /// Genesys's answers, a string in 8x8's example: both are read).
    pub expires_in: Option<u64>,
}

/// Parses a token endpoint's answer. A body without `access_token` that carries an
/// error (`message`, or RFC 6749's `error_description`/`error`, which Genesys adds a
/// `description` to) is a vendor error with that text. The body is never quoted in an
/// error otherwise: it holds the token.
pub fn parse_token(body: &[u8]) -> Result<TokenAnswer, ParseError> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(default)]
        access_token: Option<serde_json::Value>,
        #[serde(default)]
        expires_in: Option<serde_json::Value>,
        #[serde(default)]
        message: Option<serde_json::Value>,
        #[serde(default)]
        error_description: Option<serde_json::Value>,
        #[serde(default)]
        description: Option<serde_json::Value>,
        #[serde(default)]
        error: Option<serde_json::Value>,
    }
    let w: Wire = serde_json::from_slice(body).map_err(|e| {
        // serde_json's messages name a position and a type, never the text.
        ParseError::Decode(format!("token response: {e}"))
    })?;
    let text = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    };
    if let Some(t) = text(w.access_token) {
        let expires_in = match w.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        return Ok(TokenAnswer {
            access_token: Secret::new(t),
            expires_in: expires_in
                .filter(|s| s.is_finite() && *s >= 1.0)
                .map(|s| s.min(u32::MAX as f64) as u64),
        });
    }
    let message = text(w.message)
        .or_else(|| text(w.error_description))
        .or_else(|| text(w.description))
        .or_else(|| text(w.error));
    match message {
        Some(message) => Err(ParseError::Vendor {
            message,
            hint: Some("check client_id and client_secret".into()),
        }),
        None => Err(ParseError::Decode(
            "token response without access_token".into(),
        )),
    }
}

/// The client-credentials grant of one source: where to ask, with what, and the
/// current token.
pub struct ClientCredentials {
    /// The token endpoint.
    pub token_url: String,
    /// The OAuth2 client id (HTTP Basic user).
    pub client_id: String,
    /// The OAuth2 client secret (HTTP Basic password).
    pub client_secret: Secret,
    /// Hint for a refused token request (400, 401, 403).
    pub auth_hint: &'static str,
    /// Hint for a token endpoint that is not there (404).
    pub url_hint: &'static str,
    cache: TokenCache,
}

impl ClientCredentials {
    /// A grant at `token_url` (no token yet).
    pub fn new(
        token_url: String,
        client_id: String,
        client_secret: Secret,
        auth_hint: &'static str,
        url_hint: &'static str,
    ) -> Self {
        ClientCredentials {
            token_url,
            client_id,
            client_secret,
            auth_hint,
            url_hint,
            cache: TokenCache::default(),
        }
    }

    /// A token good now: the cached one, else a new one from the token endpoint
    /// (counted under `endpoint`). A poll asks for at most one: a token refused by the
    /// API fails the poll it was refused in ([`Self::invalidate`]).
    pub async fn token(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
    ) -> Result<Secret, SourceError> {
        if let Some(t) = self.cache.valid(ctx.now) {
            return Ok(t.clone());
        }
        let req = ctx
            .client()
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("grant_type", "client_credentials")]);
        let answer = ctx.fetch(endpoint, req, parse_token).await.map_err(|e| {
            e.with_status_hint(&[400, 401, 403], self.auth_hint)
                .with_status_hint(&[404], self.url_hint)
        })?;
        Ok(self
            .cache
            .store(answer.access_token, answer.expires_in, ctx.now)
            .clone())
    }

    /// Forgets the token (the API refused it): the next request asks for a new one.
    pub fn invalidate(&mut self) {
        self.cache.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_until_shortly_before_expiry() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let at = |s: i64| t0 + chrono::Duration::seconds(s);
        let mut c = TokenCache::default();
        assert!(c.valid(t0).is_none());
        c.store(Secret::new("a"), Some(1799), t0);
        assert_eq!(c.valid(at(1738)).map(Secret::expose), Some("a"));
        assert!(c.valid(at(1739)).is_none());
        // A clock that went back before the token was received does not trust it.
        assert!(c.valid(at(-1)).is_none());
        // A short-lived token keeps half its life; none given: 300 s.
        c.store(Secret::new("b"), Some(10), t0);
        assert!(c.valid(at(4)).is_some() && c.valid(at(5)).is_none());
        c.store(Secret::new("c"), None, t0);
        assert!(c.valid(at(239)).is_some() && c.valid(at(240)).is_none());
        c.invalidate();
        assert!(c.valid(t0).is_none());
    }

    #[test]
    fn token_answers_as_numbers_or_strings_and_errors() {
        let t = parse_token(br#"{"access_token":"abc","token_type":"bearer","expires_in":86399}"#)
            .unwrap();
        assert_eq!(
            (t.access_token.expose(), t.expires_in),
            ("abc", Some(86399))
        );
        let t = parse_token(br#"{"access_token":"abc","expires_in":"1799"}"#).unwrap();
        assert_eq!(t.expires_in, Some(1799));
        let t = parse_token(br#"{"access_token":"abc","expires_in":0}"#).unwrap();
        assert_eq!(t.expires_in, None);
        // Genesys's AuthErrorResponse: the description is the message.
        let e = parse_token(
            br#"{"error":"invalid_client","description":"client not found","error_description":"client not found"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(e, ParseError::Vendor { ref message, .. } if message == "client not found"),
            "{e:?}"
        );
        let e = parse_token(br#"{"access_token": ["SECRET-ish"]}"#).unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
    }
}
