//! Service-account JWTs for the Management API: RS256, header `kid` = key id, claims
//! `iss` = account id (a number), `iat`, `exp` (at most an hour after `iat`).
//!
//! A token is reused until shortly before it expires, so a poll normally signs nothing.
//! The token itself is a bearer credential: it is kept as a [`Secret`] and never logged.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use std::path::Path;

use crate::secret::{read_secret_file, Secret};

/// Lifetime of a minted token. The API allows up to an hour; ten minutes bounds what a
/// leaked token is worth while keeping signing rare.
pub const TOKEN_LIFETIME_SECONDS: i64 = 600;
/// A token is replaced when less than this remains of it, so that it cannot expire
/// between being attached and being checked.
pub const REFRESH_MARGIN_SECONDS: i64 = 60;
/// `iat` is backdated by this much: a server whose clock is slightly behind ours must
/// not see a token issued in its future.
pub const CLOCK_SKEW_SECONDS: i64 = 5;

/// The claims Voximplant reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Account id.
    pub iss: u64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
}

/// Mints and caches tokens for one service-account key.
pub struct Signer {
    key: EncodingKey,
    key_id: String,
    account_id: u64,
    cached: Option<Cached>,
}

struct Cached {
    token: Secret,
    iat: i64,
    exp: i64,
}

impl Signer {
    /// A signer for `creds`; fails when the PEM is not an RSA key.
    pub fn new(creds: &Credentials) -> Result<Self, String> {
        let key = EncodingKey::from_rsa_pem(creds.private_key.expose().as_bytes())
            .map_err(|e| describe(&e))?;
        Ok(Signer {
            key,
            key_id: creds.key_id.clone(),
            account_id: creds.account_id,
            cached: None,
        })
    }

    /// A token valid at `now`: the cached one while it has more than the refresh
    /// margin left, else a fresh one.
    pub fn token(&mut self, now: DateTime<Utc>) -> Result<&Secret, String> {
        let t = now.timestamp();
        let fresh = self
            .cached
            .as_ref()
            .is_some_and(|c| c.iat <= t && t < c.exp - REFRESH_MARGIN_SECONDS);
        if !fresh {
            let iat = t - CLOCK_SKEW_SECONDS;
            let claims = Claims {
                iss: self.account_id,
                iat,
                exp: iat + TOKEN_LIFETIME_SECONDS,
            };
            let mut header = Header::new(Algorithm::RS256);
            header.kid = Some(self.key_id.clone());
            header.typ = Some("JWT".into());
            let token =
                jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| describe(&e))?;
            self.cached = Some(Cached {
                token: Secret::new(token),
                iat,
                exp: claims.exp,
            });
        }
        match &self.cached {
            Some(c) => Ok(&c.token),
            None => Err("no token".into()),
        }
    }

    /// Forgets the cached token (after the server refused it), so the next request
    /// signs a new one.
    pub fn invalidate(&mut self) {
        self.cached = None;
    }
}

/// jsonwebtoken's errors, in words an operator can act on (they never contain key
/// material).
fn describe(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidKeyFormat => "not a PEM-encoded RSA private key".into(),
        ErrorKind::InvalidRsaKey(why) => format!("not a usable RSA private key ({why})"),
        ErrorKind::InvalidAlgorithmName | ErrorKind::InvalidAlgorithm => {
            "not an RSA key (RS256 needs one)".into()
        }
        _ => format!("cannot sign with it: {e}"),
    }
}

/// A service-account key as the Voximplant control panel hands it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    /// The account id, the JWT `iss` claim.
    pub account_id: u64,
    /// The key id, the JWT header `kid`.
    pub key_id: String,
    /// The RSA private key, PEM.
    pub private_key: Secret,
}

impl Credentials {
    /// Reads and checks a credentials file. Messages name the file and never quote
    /// its content.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = read_secret_file(path)?;
        Credentials::parse(&text).map_err(|m| format!("{}: {m}", path.display()))
    }

    /// Parses the JSON of a credentials file: the fields at top level (control panel
    /// download) or inside `result` (a `CreateKey` response), then proves the key can
    /// sign an RS256 token.
    pub fn parse(text: &str) -> Result<Self, String> {
        // serde_json's syntax errors carry a position only, never the text around it.
        let doc: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON service-account key: {e}"))?;
        let obj = match doc.get("result") {
            Some(inner @ serde_json::Value::Object(_)) => inner,
            _ => &doc,
        };
        if !obj.is_object() {
            return Err("not a JSON service-account key: expected an object".into());
        }
        let account_id = match obj.get("account_id") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or("account_id is missing or not a positive integer")?;
        let key_id = match obj.get("key_id") {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            _ => return Err("key_id is missing or not a non-empty string".into()),
        };
        let private_key = match obj.get("private_key") {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Secret::new(s.clone()),
            _ => return Err("private_key is missing or not a PEM string".into()),
        };
        let creds = Credentials {
            account_id,
            key_id,
            private_key,
        };
        Signer::new(&creds)
            .and_then(|mut s| s.token(chrono::DateTime::UNIX_EPOCH).map(|_| ()))
            .map_err(|e| format!("private_key is unusable: {e}"))?;
        Ok(creds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    fn demo() -> Signer {
        Signer::new(&Credentials {
            account_id: 42,
            key_id: "kid-42".into(),
            private_key: Secret::new(super::super::simulate::DEMO_PRIVATE_KEY),
        })
        .unwrap()
    }

    fn decode(token: &str) -> (Header, Claims) {
        let key =
            DecodingKey::from_rsa_pem(super::super::simulate::DEMO_PUBLIC_KEY.as_bytes()).unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        let d = jsonwebtoken::decode::<Claims>(token, &key, &v).unwrap();
        (d.header, d.claims)
    }

    #[test]
    fn token_has_the_documented_header_and_claims() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut s = demo();
        let tok = s.token(now).unwrap().expose().to_string();
        let (h, c) = decode(&tok);
        assert_eq!(h.alg, Algorithm::RS256);
        assert_eq!(h.kid.as_deref(), Some("kid-42"));
        assert_eq!(h.typ.as_deref(), Some("JWT"));
        assert_eq!(c.iss, 42);
        assert_eq!(c.iat, 1_700_000_000 - CLOCK_SKEW_SECONDS);
        assert!(c.exp > c.iat && c.exp <= c.iat + 3600);
        // `iss` is a JSON number on the wire, not a string.
        let payload = tok.split('.').nth(1).unwrap();
        use base64::Engine;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        assert!(String::from_utf8(json).unwrap().contains("\"iss\":42"));
    }

    #[test]
    fn token_is_reused_until_shortly_before_expiry() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut s = demo();
        let first = s.token(t0).unwrap().clone();
        let later =
            t0 + chrono::Duration::seconds(TOKEN_LIFETIME_SECONDS - 2 * REFRESH_MARGIN_SECONDS);
        assert_eq!(s.token(later).unwrap(), &first);
        let near_end =
            t0 + chrono::Duration::seconds(TOKEN_LIFETIME_SECONDS - REFRESH_MARGIN_SECONDS);
        assert_ne!(s.token(near_end).unwrap(), &first);
        // A clock that jumped back before `iat` also gets a new token.
        let second = s.token(near_end).unwrap().clone();
        assert_ne!(s.token(t0 - chrono::Duration::hours(1)).unwrap(), &second);
        // And `invalidate` forces one.
        let third = s.token(t0).unwrap().clone();
        s.invalidate();
        let t1 = t0 + chrono::Duration::seconds(1);
        assert_ne!(s.token(t1).unwrap(), &third);
    }

    #[test]
    fn non_rsa_pem_is_rejected_with_a_plain_message() {
        let e = Signer::new(&Credentials {
            account_id: 1,
            key_id: "k".into(),
            private_key: Secret::new("hello"),
        })
        .err()
        .unwrap();
        assert_eq!(e, "not a PEM-encoded RSA private key");
    }
}
