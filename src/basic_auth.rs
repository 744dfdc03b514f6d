//! Basic auth for the exporter's own HTTP server (`basic_auth_users` of the web config):
//! parsing the `Authorization` header, the cache of verified credentials, and the
//! bcrypt check itself, which runs off the async workers behind a small limit.
//!
//! bcrypt is slow on purpose (a cost-10 hash takes ~70 ms of CPU). Run inline on the two
//! async workers, a client sending wrong passwords stalled scrapes and polls alike. So:
//! - a credential that verified once is remembered (a SHA-256 of user, password and the
//!   user's hash; a changed hash or a re-read web config forgets it), so Prometheus pays
//!   bcrypt once, not per scrape;
//! - every other check runs on the blocking pool behind [`AuthLimiter`] (one check at a
//!   time per two CPUs); when it is busy the request is answered 429 at once instead of
//!   queueing, which also caps how fast anyone can guess;
//! - every uncached check costs as much as the slowest configured hash, whether the user
//!   exists or not, so response times do not tell which user names exist.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

/// Most remembered credentials; the cache is emptied when it is full (only verified
/// credentials enter it, so a client cannot fill it with guesses).
const CACHE_CAP: usize = 1000;

/// The configured users and what verified.
pub struct BasicAuth {
    /// User name → bcrypt hash.
    users: BTreeMap<String, String>,
    /// The configured hash with the highest cost: every uncached check costs at least
    /// one bcrypt run at this cost.
    slowest: String,
    slowest_cost: u32,
    /// SHA-256 of `user:password` and the user's hash, for credentials that verified.
    verified: Mutex<HashSet<[u8; 32]>>,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What the cheap part of a check decided.
pub enum Check {
    /// Credentials that verified before.
    Granted,
    /// No or malformed credentials: no bcrypt needed to refuse them.
    Denied,
    /// Credentials to verify with bcrypt ([`AuthLimiter::verify`]).
    Verify(Pending),
}

/// A bcrypt check to run on the blocking pool.
pub struct Pending {
    auth: Arc<BasicAuth>,
    password: String,
    /// The user's hash and its cost, or `None` for an unknown user.
    hash: Option<(String, u32)>,
    digest: [u8; 32],
}

/// The cost of a bcrypt hash, or why it is not one. Reading it needs no bcrypt run (a
/// verification at cost 14 would take a second at every load of the web config).
pub fn hash_cost(hash: &str) -> Result<u32, String> {
    let parts = bcrypt::HashParts::from_str(hash).map_err(|_| "not a bcrypt hash".to_string())?;
    match parts.get_cost() {
        c @ 4..=31 => Ok(c),
        c => Err(format!("bcrypt cost {c} is outside 4..=31")),
    }
}

impl BasicAuth {
    /// Validates `users` (name → bcrypt hash). `None` when there are none (no auth).
    pub fn new(users: BTreeMap<String, String>) -> Result<Option<Arc<Self>>, String> {
        let mut slowest: Option<(String, u32)> = None;
        for (user, hash) in &users {
            if user.is_empty() || user.contains(':') {
                return Err(format!("basic_auth_users: invalid user name {user:?}"));
            }
            let cost = hash_cost(hash).map_err(|e| format!("basic_auth_users.{user}: {e}"))?;
            if slowest.as_ref().is_none_or(|(_, c)| cost > *c) {
                slowest = Some((hash.clone(), cost));
            }
        }
        let Some((slowest, slowest_cost)) = slowest else {
            return Ok(None);
        };
        Ok(Some(Arc::new(BasicAuth {
            users,
            slowest,
            slowest_cost,
            verified: Mutex::new(HashSet::new()),
        })))
    }

    /// The cheap part of checking an `Authorization` header value: parsing and the
    /// cache. Never runs bcrypt.
    pub fn check(self: &Arc<Self>, header: Option<&str>) -> Check {
        use base64::Engine;
        let Some(encoded) = header.and_then(|h| h.strip_prefix("Basic ")) else {
            return Check::Denied;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return Check::Denied;
        };
        let Ok(pair) = String::from_utf8(decoded) else {
            return Check::Denied;
        };
        let Some((user, password)) = pair.split_once(':') else {
            return Check::Denied;
        };
        let hash = self
            .users
            .get(user)
            .map(|h| (h.clone(), hash_cost(h).unwrap_or(self.slowest_cost)));
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(pair.as_bytes());
        ctx.update(b"\0");
        ctx.update(hash.as_ref().map_or(&b""[..], |(h, _)| h.as_bytes()));
        let digest: [u8; 32] = ctx.finish().as_ref().try_into().unwrap_or([0; 32]);
        if hash.is_some()
            && self
                .verified
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&digest)
        {
            return Check::Granted;
        }
        Check::Verify(Pending {
            auth: Arc::clone(self),
            password: password.to_string(),
            hash,
            digest,
        })
    }

    /// Whether `header` is accepted, running bcrypt on this thread if needed (tests and
    /// callers that are not on the async runtime).
    pub fn authorized_blocking(self: &Arc<Self>, header: Option<&str>) -> bool {
        match self.check(header) {
            Check::Granted => true,
            Check::Denied => false,
            Check::Verify(p) => p.run(),
        }
    }
}

impl Pending {
    /// Runs bcrypt (blocking): the user's hash, and the slowest configured hash too when
    /// the user is unknown or their hash is cheaper, so that every check costs about
    /// the same. A success is remembered.
    pub fn run(self) -> bool {
        let mut ok = false;
        for (hash, counts) in self.runs() {
            let matched = bcrypt::verify(&self.password, hash).unwrap_or(false);
            // A run that only pads the time does not grant anything.
            ok |= counts && matched;
        }
        if ok {
            let mut v = self.auth.verified.lock().unwrap_or_else(|e| e.into_inner());
            if v.len() >= CACHE_CAP {
                v.clear();
            }
            v.insert(self.digest);
        }
        ok
    }
}

impl Pending {
    /// The bcrypt runs of this check and whether each one's result counts: the user's
    /// own hash, then the slowest hash (result ignored) unless the user's is as slow.
    fn runs(&self) -> Vec<(&str, bool)> {
        let mut runs = Vec::with_capacity(2);
        if let Some((h, _)) = &self.hash {
            runs.push((h.as_str(), true));
        }
        if self
            .hash
            .as_ref()
            .is_none_or(|(_, cost)| *cost < self.auth.slowest_cost)
        {
            runs.push((self.auth.slowest.as_str(), false));
        }
        runs
    }
}

/// How many bcrypt checks may run at once (server-wide, across web-config reloads).
#[derive(Debug, Clone)]
pub struct AuthLimiter {
    permits: Arc<Semaphore>,
}

impl Default for AuthLimiter {
    /// One check at a time per two CPUs (at least one): the rest of the CPU stays with
    /// scrapes and polls.
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        AuthLimiter::new((cpus / 2).max(1))
    }
}

impl AuthLimiter {
    /// A limit of `n` concurrent checks.
    pub fn new(n: usize) -> Self {
        AuthLimiter {
            permits: Arc::new(Semaphore::new(n.max(1))),
        }
    }

    /// Runs `p` on the blocking pool; `None` at once when `n` checks are already
    /// running (the caller answers 429 rather than queueing).
    pub async fn verify(&self, p: Pending) -> Option<bool> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().ok()?;
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            p.run()
        })
        .await;
        Some(result.unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn header(s: &str) -> String {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    }

    fn auth(users: &[(&str, &str, u32)]) -> Arc<BasicAuth> {
        let users = users
            .iter()
            .map(|(u, p, c)| (u.to_string(), bcrypt::hash(p, *c).unwrap()))
            .collect();
        BasicAuth::new(users).unwrap().unwrap()
    }

    #[test]
    fn checks_and_caches_only_successes() {
        let a = auth(&[("prom", "s3cret", 4)]);
        assert!(matches!(
            a.check(Some(&header("prom:s3cret"))),
            Check::Verify(_)
        ));
        assert!(a.authorized_blocking(Some(&header("prom:s3cret"))));
        assert!(matches!(
            a.check(Some(&header("prom:s3cret"))),
            Check::Granted
        ));
        assert!(!a.authorized_blocking(Some(&header("prom:wrong"))));
        assert!(matches!(
            a.check(Some(&header("prom:wrong"))),
            Check::Verify(_)
        ));
        assert!(!a.authorized_blocking(Some(&header("other:s3cret"))));
        assert!(matches!(a.check(None), Check::Denied));
        assert!(matches!(a.check(Some("Bearer x")), Check::Denied));
        assert!(matches!(a.check(Some(&header("no-colon"))), Check::Denied));
    }

    #[test]
    fn a_changed_hash_forgets_the_cached_credential() {
        let a = auth(&[("prom", "old", 4)]);
        assert!(a.authorized_blocking(Some(&header("prom:old"))));
        // The same user with a new hash (as a re-read web config builds it).
        let b = auth(&[("prom", "new", 4)]);
        assert!(!b.authorized_blocking(Some(&header("prom:old"))));
        assert!(b.authorized_blocking(Some(&header("prom:new"))));
    }

    #[test]
    fn no_users_means_no_auth_and_bad_hashes_are_refused() {
        assert!(BasicAuth::new(BTreeMap::new()).unwrap().is_none());
        let bad = BTreeMap::from([("a".to_string(), "plaintext".to_string())]);
        assert_eq!(
            BasicAuth::new(bad).unwrap_err(),
            "basic_auth_users.a: not a bcrypt hash"
        );
        let colon = BTreeMap::from([("a:b".to_string(), bcrypt::hash("x", 4).unwrap())]);
        assert!(BasicAuth::new(colon).is_err());
    }

    /// An unknown user and a known cheap user both pay for a run of the slowest hash,
    /// so response times do not tell them from the slow user (counted, not timed).
    #[test]
    fn unknown_and_cheap_users_cost_the_slowest_hash() {
        let a = auth(&[("cheap", "pw", 4), ("dear", "pw", 6)]);
        let runs = |h: &str| match a.check(Some(&header(h))) {
            Check::Verify(p) => p
                .runs()
                .iter()
                .map(|(hash, counts)| (hash_cost(hash).unwrap(), *counts))
                .collect::<Vec<_>>(),
            _ => panic!("{h}: expected a bcrypt check"),
        };
        assert_eq!(runs("nosuchuser:x"), [(6, false)]);
        assert_eq!(runs("cheap:x"), [(4, true), (6, false)]);
        assert_eq!(runs("dear:x"), [(6, true)]);
        // The padding run never grants: the slowest hash's password under another name.
        assert!(!a.authorized_blocking(Some(&header("nosuchuser:pw"))));
        assert!(a.authorized_blocking(Some(&header("cheap:pw"))));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_busy_limiter_answers_at_once() {
        let a = auth(&[("prom", "pw", 10)]);
        let limiter = AuthLimiter::new(1);
        let Check::Verify(first) = a.check(Some(&header("prom:x"))) else {
            panic!("expected a bcrypt check")
        };
        let l2 = limiter.clone();
        let running = tokio::spawn(async move { l2.verify(first).await });
        // Wait until the first check holds the permit.
        while limiter.permits.available_permits() != 0 {
            tokio::task::yield_now().await;
        }
        let Check::Verify(second) = a.check(Some(&header("prom:y"))) else {
            panic!("expected a bcrypt check")
        };
        let start = Instant::now();
        assert_eq!(limiter.verify(second).await, None);
        assert!(start.elapsed() < std::time::Duration::from_millis(50));
        assert_eq!(running.await.unwrap(), Some(false));
    }
}
