//! The OAuth2 access token: one token reused until shortly before it expires, dropped
//! when the API refuses it, so that the next poll asks for a new one.
//!
//! The token is a bearer credential: it is held as a [`Secret`] and never logged.

use chrono::{DateTime, Utc};

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
}
