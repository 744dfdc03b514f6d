//! SigV4 verification for the simulated Connect API and the tests: the signature is
//! recomputed here from the request as received, with `ring`'s HMAC and SHA-256,
//! independently of the `aws-sigv4` signer the source uses, following the published
//! algorithm (canonical request, string to sign, derived key). A wrong secret, region,
//! service, body or signed header fails.

use ring::{digest, hmac};

/// The keys a verifier accepts: access key id, secret and, for temporary credentials,
/// the session token that must come with them.
#[derive(Debug, Clone)]
pub struct Key {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
}

/// What a verifier needs of a request: method, the full path as sent (percent-encoded
/// as on the wire), the decoded query pairs, the headers and the body.
pub struct Received<'a> {
    /// `GET`, `POST`.
    pub method: &'a str,
    /// Path as on the wire, e.g. `/metrics/current/abc`.
    pub path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// Headers.
    pub headers: &'a hyper::HeaderMap,
    /// Body.
    pub body: &'a [u8],
}

/// Why a signature was refused, as the AWS error type and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `MissingAuthenticationTokenException`, `UnrecognizedClientException`,
    /// `InvalidSignatureException` or `ExpiredTokenException`.
    pub kind: &'static str,
    /// The message.
    pub message: String,
}

fn refuse(kind: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        kind,
        message: message.into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// RFC 3986 encoding of everything but the unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The signature of a request signed with `secret` for `scope`
/// (`<yyyymmdd>/<region>/<service>/aws4_request`) at `amz_date`, over `signed` headers.
pub fn signature(
    req: &Received<'_>,
    signed: &[&str],
    amz_date: &str,
    scope: &str,
    secret: &str,
) -> String {
    // Each path segment encoded again (the double encoding of non-S3 services).
    let canonical_uri = req
        .path
        .split('/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    query.sort();
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed {
        let values: Vec<String> = req
            .headers
            .get_all(*name)
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri,
        canonical_query,
        canonical_headers,
        signed.join(";"),
        sha256_hex(req.body)
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in scope.split('/') {
        key = hmac_sha256(&key, part.as_bytes());
    }
    hex(&hmac_sha256(&key, to_sign.as_bytes()))
}

/// Checks `req`'s SigV4 `Authorization` against `keys` for `service` in `region`.
pub fn verify(
    req: &Received<'_>,
    keys: &[Key],
    region: &str,
    service: &str,
) -> Result<(), Refusal> {
    let header = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let Some(auth) = header("authorization") else {
        return Err(refuse(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(refuse(
            "IncompleteSignatureException",
            "Authorization header requires the AWS4-HMAC-SHA256 algorithm",
        ));
    };
    let mut credential = None;
    let mut signed = None;
    let mut sig = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v.to_string()),
            Some(("SignedHeaders", v)) => signed = Some(v.to_string()),
            Some(("Signature", v)) => sig = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(credential), Some(signed), Some(sig)) = (credential, signed, sig) else {
        return Err(refuse(
            "IncompleteSignatureException",
            "Authorization header requires Credential, SignedHeaders and Signature",
        ));
    };
    let Some((akid, scope)) = credential.split_once('/') else {
        return Err(refuse("IncompleteSignatureException", "bad Credential"));
    };
    let parts: Vec<&str> = scope.split('/').collect();
    if parts.len() != 4 || parts[3] != "aws4_request" {
        return Err(refuse(
            "IncompleteSignatureException",
            "bad credential scope",
        ));
    }
    if parts[1] != region || parts[2] != service {
        return Err(refuse(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid region and service ({region}/{service}), not {}/{}",
                parts[1], parts[2]
            ),
        ));
    }
    let Some(key) = keys.iter().find(|k| k.access_key_id == akid) else {
        return Err(refuse(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    };
    let Some(amz_date) = header("x-amz-date") else {
        return Err(refuse("IncompleteSignatureException", "missing X-Amz-Date"));
    };
    if !amz_date.starts_with(parts[0]) {
        return Err(refuse(
            "InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD from X-Amz-Date",
        ));
    }
    let signed: Vec<&str> = signed.split(';').collect();
    for needed in ["host", "x-amz-date"] {
        if !signed.contains(&needed) {
            return Err(refuse(
                "InvalidSignatureException",
                format!("'{needed}' must be a signed header"),
            ));
        }
    }
    if let Some(token) = &key.session_token {
        if header("x-amz-security-token").as_deref() != Some(token.as_str())
            || !signed.contains(&"x-amz-security-token")
        {
            return Err(refuse(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ));
        }
    }
    let want = signature(req, &signed, &amz_date, scope, &key.secret_access_key);
    if want != sig {
        return Err(refuse(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published SigV4 example (the IAM `ListUsers` GET of the SigV4 documentation,
    /// "Create a signed AWS API request"): the signature is pinned.
    #[test]
    fn the_documented_example_signature() {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let query = vec![
            ("Action".to_string(), "ListUsers".to_string()),
            ("Version".to_string(), "2010-05-08".to_string()),
        ];
        let req = Received {
            method: "GET",
            path: "/",
            query: &query,
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            signature(
                &req,
                &["content-type", "host", "x-amz-date"],
                "20150830T123600Z",
                "20150830/us-east-1/iam/aws4_request",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
            ),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }
}
