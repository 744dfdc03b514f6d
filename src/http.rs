//! HTTP for sources: one client per source, and the fetch that every vendor request
//! goes through.
//!
//! The fetch enforces the body cap while streaming (a huge body is never buffered
//! whole), classifies every request into exactly one `requests_total` outcome, reads
//! `Retry-After`, and hands the bytes to the vendor's pure parser.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::secret::Secret;

/// Bytes of a non-success body kept for the error message.
const ERROR_BODY_BYTES: usize = 4096;

/// Per-source request and record counters (`requests_total`, `records_total`).
#[derive(Debug, Default)]
pub struct RequestCounters {
    requests: Mutex<BTreeMap<(&'static str, String), u64>>,
    records: Mutex<BTreeMap<&'static str, u64>>,
}

impl RequestCounters {
    /// Counts one request's outcome.
    pub fn request(&self, endpoint: &'static str, outcome: &str) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((endpoint, outcome.to_string())).or_default() += 1;
    }

    /// Counts parsed vendor records.
    pub fn records(&self, endpoint: &'static str, n: u64) {
        let mut m = self.records.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(endpoint).or_default() += n;
    }

    /// `((endpoint, outcome), count)` pairs.
    pub fn requests_snapshot(&self) -> Vec<((&'static str, String), u64)> {
        let m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// `(endpoint, count)` pairs.
    pub fn records_snapshot(&self) -> Vec<(&'static str, u64)> {
        let m = self.records.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

/// What one source's HTTP client is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Per-request (and connect) timeout.
    pub timeout: Duration,
    /// Extra CA certificates (PEM file).
    pub ca_file: Option<std::path::PathBuf>,
    /// TLS verification off.
    pub insecure_skip_verify: bool,
    /// The source's `proxy_url`; without it, the `HTTPS_PROXY`/`HTTP_PROXY`/
    /// `ALL_PROXY`/`NO_PROXY` environment variables apply.
    pub proxy: Option<ProxyConfig>,
}

/// A source's egress proxy (`proxy_url`): where it is, and the Basic credentials from
/// the URL's `user:password@`, kept apart so that the URL can be printed and the
/// credentials never are.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    /// `http://host:port/` or `https://host:port/`, without credentials.
    url: url::Url,
    /// User and password (percent-decoded).
    credentials: Option<(Secret, Secret)>,
}

impl ProxyConfig {
    /// Parses a proxy URL: `http` or `https`, a host, optional `user:password@`, no
    /// path, query or fragment. Messages never repeat the URL, which may hold a
    /// password.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty".into());
        }
        let mut url = url::Url::parse(raw).map_err(|e| format!("not a valid URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "scheme must be http or https, not {:?}",
                url.scheme()
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("has no host".into());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(
                "must be scheme://[user:password@]host[:port] without a path, query or fragment"
                    .into(),
            );
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| "its user or password is not UTF-8 once percent-decoded".to_string())
        };
        let credentials = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let user = decode(url.username())?;
            let password = decode(url.password().unwrap_or(""))?;
            Some((Secret::new(user), Secret::new(password)))
        };
        // Cannot fail for an http(s) URL with a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok(ProxyConfig { url, credentials })
    }

    /// The proxy without credentials, for `--config.check` and messages.
    pub fn display(&self) -> String {
        match self.credentials {
            Some(_) => format!("{} (with credentials)", self.url),
            None => self.url.to_string(),
        }
    }

    /// What of the credentials must not be repeated in a message: the
    /// `Proxy-Authorization` value reqwest sends, its base64 part, `user:password` and
    /// the password (a proxy's error page may echo them). Longest first.
    pub fn secrets(&self) -> Vec<String> {
        match &self.credentials {
            Some((user, password)) => proxy_credential_forms(user.expose(), password.expose()),
            None => Vec::new(),
        }
    }

    fn reqwest_proxy(&self) -> Result<reqwest::Proxy, String> {
        let mut p = reqwest::Proxy::all(self.url.as_str())
            .map_err(|e| format!("proxy_url {}: {e}", self.url))?;
        if let Some((user, password)) = &self.credentials {
            p = p.basic_auth(user.expose(), password.expose());
        }
        Ok(p)
    }
}

/// The forms of a proxy's Basic credentials that must not be repeated in a message:
/// the `Proxy-Authorization` value, its base64 part, `user:password` and the password.
/// Longest first.
fn proxy_credential_forms(user: &str, password: &str) -> Vec<String> {
    use base64::Engine;
    let pair = format!("{user}:{password}");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pair);
    let mut out = vec![format!("Basic {b64}"), b64, pair, password.to_string()];
    out.retain(|s| s.len() >= 4);
    longest_first(out)
}

/// The proxy environment variables reqwest reads for a client without `proxy_url`.
const PROXY_ENV: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// What of the credentials in `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (either case) must
/// not be repeated in a message, in the same forms as a `proxy_url`'s: a source without
/// `proxy_url` sends them (reqwest reads the variables), and a proxy's error page may
/// echo them. Longest first.
pub fn env_proxy_secrets() -> Vec<String> {
    let out: Vec<String> = PROXY_ENV
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .flat_map(|raw| env_proxy_credentials(&raw))
        .collect();
    longest_first(out)
}

/// The credential forms of one proxy variable's value (`[scheme://]user:password@host`,
/// scheme `http` when absent, as reqwest reads it). Both the percent-decoded and the
/// written forms count: a proxy may echo either.
fn env_proxy_credentials(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let (user, password) = match url::Url::parse(&with_scheme) {
        Ok(u) => (
            u.username().to_string(),
            u.password().unwrap_or("").to_string(),
        ),
        // Not a URL: still take what stands before the last `@` as `user:password`.
        Err(_) => {
            let after_scheme = with_scheme.split_once("://").map_or("", |(_, r)| r);
            match after_scheme.rsplit_once('@') {
                Some((userinfo, _)) => match userinfo.split_once(':') {
                    Some((u, p)) => (u.to_string(), p.to_string()),
                    None => (userinfo.to_string(), String::new()),
                },
                None => return Vec::new(),
            }
        }
    };
    if user.is_empty() && password.is_empty() {
        return Vec::new();
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut out = proxy_credential_forms(&decode(&user), &decode(&password));
    out.extend(proxy_credential_forms(&user, &password));
    longest_first(out)
}

/// `secrets` without repeats, longest first (so a part is never left over).
fn longest_first(mut secrets: Vec<String>) -> Vec<String> {
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    secrets
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 3;

/// Why a vendor's redirect was not followed.
#[derive(Debug, thiserror::Error)]
enum RedirectRefused {
    /// To another scheme, host or port than the request's.
    #[error("redirect to another origin ({to}) refused: the vendor's credentials go only to base_url's host; point base_url at where the API answers")]
    CrossOrigin {
        /// `scheme://host:port` of the target (never its path, query or user info).
        to: String,
    },
    /// More than [`MAX_REDIRECTS`].
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooMany,
}

/// `scheme://host:port` of `u`, the parts that make its origin.
fn origin(u: &url::Url) -> String {
    format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        u.port_or_known_default().unwrap_or(0)
    )
}

/// Redirects are followed only within the origin of the first request (scheme, host
/// and port), at most [`MAX_REDIRECTS`] of them. A redirect elsewhere fails the request
/// rather than being followed without credentials: the vendor's `Authorization` (and
/// any credential a vendor puts elsewhere in a request) never reaches another host, a
/// downgrade from https to http is never followed, and a hostile or compromised vendor
/// cannot use the exporter to probe other addresses (the target's error body would
/// reach the status page).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(RedirectRefused::TooMany);
        }
        let from = attempt.previous().first().map(origin);
        let to = origin(attempt.url());
        if from.as_deref() == Some(to.as_str()) {
            attempt.follow()
        } else {
            attempt.error(RedirectRefused::CrossOrigin { to })
        }
    })
}

/// Builds the HTTP client of one source: timeout, TLS trust, compression.
pub fn build_client(cfg: &ClientOptions) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        .user_agent(concat!(
            "contact-center-exporter/",
            env!("CARGO_PKG_VERSION")
        ))
        .pool_max_idle_per_host(2)
        .redirect(same_origin_redirects());
    if let Some(ca) = &cfg.ca_file {
        let pem = std::fs::read(ca).map_err(|e| format!("ca_file {}: {e}", ca.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("ca_file {}: {e}", ca.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "ca_file {}: no PEM certificate in it",
                ca.display()
            ));
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    if cfg.insecure_skip_verify {
        b = b.danger_accept_invalid_certs(true);
    }
    // An explicit proxy replaces the environment's (reqwest then ignores
    // HTTPS_PROXY/HTTP_PROXY/NO_PROXY for this client); without one, reqwest reads them.
    if let Some(p) = &cfg.proxy {
        b = b.proxy(p.reqwest_proxy()?);
    }
    b.build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))
}

/// What one poll of one source gets from the core: the time of the poll, an HTTP
/// client, and the fetch that counts and caps every request.
pub struct PollContext {
    /// Source name (for log fields).
    pub source: String,
    /// Wall-clock time of this poll (tests set it to drive day changes).
    pub now: DateTime<Utc>,
    client: reqwest::Client,
    timeout: Duration,
    max_response_bytes: u64,
    counters: Arc<RequestCounters>,
    /// Credentials sent other than in the request's own headers (the proxy's), to
    /// redact from messages like the request's.
    secrets: Vec<String>,
}

impl PollContext {
    /// A context for one poll.
    pub fn new(
        source: &str,
        now: DateTime<Utc>,
        client: reqwest::Client,
        timeout: Duration,
        max_response_bytes: u64,
        counters: Arc<RequestCounters>,
    ) -> Self {
        PollContext {
            source: source.to_string(),
            now,
            client,
            timeout,
            max_response_bytes,
            counters,
            secrets: Vec::new(),
        }
    }

    /// Also redacts `secrets` (the proxy's credentials) from every message.
    pub fn redacting(mut self, secrets: Vec<String>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The source's HTTP client, to build requests with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Counts `n` parsed vendor records of `endpoint` (`records_total`).
    pub fn records(&self, endpoint: &'static str, n: u64) {
        self.counters.records(endpoint, n);
    }

    /// Sends `req`, reads the body under the size cap, and parses it with `parse`.
    /// Exactly one `requests_total` outcome is counted: the HTTP status when the body
    /// parsed (or for a non-success status), else `timeout`, `connect`, `too_large`,
    /// `decode` or `vendor_error`.
    pub async fn fetch<T>(
        &self,
        endpoint: &'static str,
        req: reqwest::RequestBuilder,
        parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        self.fetch_with_headers(endpoint, req, |_, body| parse(body))
            .await
    }

    /// [`Self::fetch`] for answers whose headers matter too (paging headers): `parse`
    /// gets the response headers with the body.
    pub async fn fetch_with_headers<T>(
        &self,
        endpoint: &'static str,
        req: reqwest::RequestBuilder,
        parse: impl FnOnce(&reqwest::header::HeaderMap, &[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        self.fetch_with_error_headers(endpoint, req, ErrorHeaders::default(), parse)
            .await
    }

    /// [`Self::fetch_with_headers`] for a vendor that says more about an error answer in
    /// headers of its own ([`ErrorHeaders`]).
    pub async fn fetch_with_error_headers<T>(
        &self,
        endpoint: &'static str,
        req: reqwest::RequestBuilder,
        error_headers: ErrorHeaders,
        parse: impl FnOnce(&reqwest::header::HeaderMap, &[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        let req = req.build().map_err(|e| SourceError::Connect {
            endpoint,
            url: String::new(),
            detail: error_chain(&e),
        })?;
        let url = display_url(req.url());
        // A vendor (or a gateway in front of it) may echo the request's credentials in
        // an error page or message; those never reach a log line or the landing page.
        let mut creds = credentials_of(&req);
        if !self.secrets.is_empty() {
            creds.extend(self.secrets.iter().cloned());
            creds.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        let started = Instant::now();
        let resp = match self.client.execute(req).await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(endpoint, url, &e, &creds)),
        };
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after)
            .or_else(|| {
                // Only a rate-limited or unavailable answer asks to wait: the reset
                // header rides on every answer of some vendors.
                let limited = status.as_u16() == 429 || status.as_u16() == 503;
                error_headers
                    .reset
                    .filter(|_| limited)
                    .and_then(|h| resp.headers().get(h))
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
            });
        if !status.is_success() {
            // Read before the body consumes the answer; only the header a source named.
            let error_type = error_headers
                .error_type
                .and_then(|h| resp.headers().get(h))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = read_capped(resp, ERROR_BODY_BYTES as u64, true)
                .await
                .unwrap_or_default();
            self.counters.request(endpoint, status.as_str());
            let body = redact(&String::from_utf8_lossy(&body), &creds);
            let error_type = error_type
                .map(|v| summarize_body(redact(&v, &creds).as_bytes()))
                .filter(|v| !v.is_empty())
                .map(String::into_boxed_str);
            return Err(SourceError::Status {
                endpoint,
                url,
                status: status.as_u16(),
                detail: summarize_body(body.as_bytes()),
                hint: None,
                retry_after,
                error_type,
            });
        }
        let headers = resp.headers().clone();
        let body = match read_capped(resp, self.max_response_bytes, false).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                self.counters.request(endpoint, "too_large");
                return Err(SourceError::TooLarge {
                    endpoint,
                    url,
                    limit: self.max_response_bytes,
                });
            }
            Err(BodyError::Transport(e)) => {
                return Err(self.transport_error(endpoint, url, &e, &creds))
            }
        };
        tracing::debug!(source = %self.source, endpoint, %url, bytes = body.len(),
            elapsed_ms = started.elapsed().as_millis() as u64, "fetched");
        match parse(&headers, &body) {
            Ok(v) => {
                self.counters.request(endpoint, status.as_str());
                Ok(v)
            }
            Err(ParseError::Decode(detail)) => {
                self.counters.request(endpoint, "decode");
                Err(SourceError::Decode {
                    endpoint,
                    url,
                    detail: redact(&detail, &creds),
                })
            }
            Err(ParseError::Vendor { message, hint }) => {
                self.counters.request(endpoint, "vendor_error");
                Err(SourceError::Vendor {
                    endpoint,
                    url,
                    detail: redact(&message, &creds),
                    hint,
                })
            }
        }
    }

    fn transport_error(
        &self,
        endpoint: &'static str,
        url: String,
        e: &reqwest::Error,
        creds: &[String],
    ) -> SourceError {
        if is_timeout(e) {
            self.counters.request(endpoint, "timeout");
            SourceError::Timeout {
                endpoint,
                url,
                timeout: self.timeout,
            }
        } else {
            self.counters.request(endpoint, "connect");
            SourceError::Connect {
                endpoint,
                url,
                detail: redact(&error_chain(e), creds),
            }
        }
    }
}

fn is_timeout(e: &reqwest::Error) -> bool {
    if e.is_timeout() {
        return true;
    }
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        src = s.source();
    }
    false
}

enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads at most `limit` bytes. With `truncate` a longer body is cut (for error
/// messages); without, it is an error and reading stops at once.
async fn read_capped(
    mut resp: reqwest::Response,
    limit: u64,
    truncate: bool,
) -> Result<Vec<u8>, BodyError> {
    if !truncate && resp.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(limit) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            if truncate {
                let room = limit as usize - body.len();
                body.extend_from_slice(&chunk[..room]);
                return Ok(body);
            }
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What of a request's credentials must not be repeated in a message: the
/// `Authorization` value, its credential part and, for Basic, the decoded
/// `user:password` and password. Longest first, so that a part is never left over.
fn credentials_of(req: &reqwest::Request) -> Vec<String> {
    use base64::Engine;
    let mut out = Vec::new();
    let Some(value) = req
        .headers()
        .get(reqwest::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return out;
    };
    out.push(value.to_string());
    if let Some((scheme, cred)) = value.split_once(' ') {
        out.push(cred.to_string());
        if scheme.eq_ignore_ascii_case("basic") {
            if let Some(pair) = base64::engine::general_purpose::STANDARD
                .decode(cred.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            {
                if let Some((_, password)) = pair.split_once(':') {
                    out.push(password.to_string());
                }
                out.push(pair);
            }
        }
    }
    // Too short to be told from ordinary text (and to be much of a secret).
    out.retain(|s| s.len() >= 4);
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `text` with every occurrence of `secrets` replaced by `<redacted>`, including the
/// start of one where a shortened message (`…`, or its end) cuts it off.
fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for s in secrets {
        if text.contains(s.as_str()) {
            text = text.replace(s.as_str(), "<redacted>");
        }
        // Right to left, so that the earlier cut positions stay valid.
        let mut cuts: Vec<usize> = text.match_indices('…').map(|(i, _)| i).collect();
        cuts.push(text.len());
        for cut in cuts.into_iter().rev() {
            let head = &text[..cut];
            let partial = (8..s.len())
                .rev()
                .find(|&k| s.is_char_boundary(k) && head.ends_with(&s[..k]));
            if let Some(k) = partial {
                text = format!("{}<redacted>{}", &head[..head.len() - k], &text[cut..]);
            }
        }
    }
    text
}

/// A URL for messages: scheme, host, port, path and query, never user info.
pub fn display_url(u: &url::Url) -> String {
    let mut u = u.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// The error and its causes on one line, without URLs (the caller prints the URL).
pub fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    if parts.is_empty() {
        let what = if e.is_body() {
            "reading the body failed"
        } else if e.is_decode() {
            "decompressing the body failed"
        } else if e.is_redirect() {
            "too many redirects"
        } else {
            "request failed"
        };
        return what.to_string();
    }
    parts.dedup();
    parts.join(": ")
}

/// Shortens an error body for a log line: printable characters, whitespace folded,
/// at most 300 characters.
pub fn summarize_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let folded: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if folded.chars().count() > 300 {
        let cut: String = folded.chars().take(300).collect();
        format!("{cut}…")
    } else {
        folded
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.with_timezone(&Utc) - Utc::now()).num_seconds();
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// Appends `path` (starting with `/`) to a base URL that may carry a path prefix.
pub fn join(base: &url::Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

/// Headers of a vendor's own that say more about an error answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorHeaders {
    /// Seconds until the vendor's rate-limit window ends, besides or instead of
    /// `Retry-After`: a 429 or 503 without `Retry-After` waits that long.
    pub reset: Option<&'static str>,
    /// The vendor's error type (AWS's `X-Amzn-ErrorType`), kept in
    /// [`SourceError::Status`] for the vendor's error wording.
    pub error_type: Option<&'static str>,
}

/// Why a poll failed. `Display` is the one log line an operator reads; it names the
/// endpoint and URL (never credentials) and, where it helps, what to check.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// The vendor answered with a non-success status.
    #[error("{endpoint}: HTTP {status} from {url}{}{}", opt_detail(.detail), opt_hint(.hint))]
    Status {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL without credentials.
        url: String,
        /// HTTP status.
        status: u16,
        /// What the vendor said (error body, shortened).
        detail: String,
        /// What the operator should check.
        hint: Option<String>,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
        /// The vendor's error type from the header its source named
        /// ([`ErrorHeaders::error_type`]), for the vendor's own error wording. Boxed:
        /// a poll's `Result` carries this error, so it is kept small.
        error_type: Option<Box<str>>,
    },
    /// No answer within the timeout.
    #[error("{endpoint}: timed out after {}s waiting for {url} ({})", .timeout.as_secs_f64(), TIMEOUT_HINT)]
    Timeout {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The connection failed or broke.
    #[error("{endpoint}: connection to {url} failed: {detail} ({})", CONNECT_HINT)]
    Connect {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The transport error.
        detail: String,
    },
    /// The body exceeded `max_response_bytes`; reading stopped there.
    #[error("{endpoint}: response from {url} exceeds max_response_bytes ({limit} bytes); raise it or narrow the request")]
    TooLarge {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// The body was not what the vendor documents.
    #[error("{endpoint}: cannot decode response from {url}: {detail}")]
    Decode {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// Parser error with its position.
        detail: String,
    },
    /// The vendor answered with an error in a success body.
    #[error("{endpoint}: vendor error from {url}: {detail}{}", opt_hint(.hint))]
    Vendor {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The vendor's message and code.
        detail: String,
        /// What the operator should check.
        hint: Option<String>,
    },
    /// Credentials could not be used (e.g. a token could not be signed).
    #[error("credentials: {0}")]
    Credentials(String),
}

/// What to check when the vendor cannot be reached: the same three things every time,
/// as 401 and 404 name theirs.
pub const CONNECT_HINT: &str =
    "check base_url, the proxy (proxy_url or HTTPS_PROXY) and firewalls between this host and the vendor";

/// What to check when the vendor does not answer in time.
pub const TIMEOUT_HINT: &str = "check base_url, the proxy (proxy_url or HTTPS_PROXY) and firewalls; raise timeout if the vendor is only slow";

fn opt_detail(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(": {d}")
    }
}

fn opt_hint(h: &Option<String>) -> String {
    match h {
        Some(h) => format!(" ({h})"),
        None => String::new(),
    }
}

/// The words of a non-success answer a vendor may reword ([`SourceError::reword_status`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusWords {
    /// The HTTP status (read only: it is what was counted).
    pub status: u16,
    /// The vendor's error type from a header, if its source asked for one.
    pub error_type: Option<String>,
    /// What the vendor said.
    pub detail: String,
    /// What the operator should check.
    pub hint: Option<String>,
}

impl SourceError {
    /// A [`SourceError::Status`] with its words rewritten by `f` (a vendor's error body
    /// as its message, a hint for the statuses an operator can act on); any other error
    /// as it is. The status, URL and `Retry-After` stay.
    pub fn reword_status(self, f: impl FnOnce(&mut StatusWords)) -> SourceError {
        match self {
            SourceError::Status {
                endpoint,
                url,
                status,
                detail,
                hint,
                retry_after,
                error_type,
            } => {
                let mut w = StatusWords {
                    status,
                    error_type: error_type.map(String::from),
                    detail,
                    hint,
                };
                f(&mut w);
                SourceError::Status {
                    endpoint,
                    url,
                    status,
                    detail: w.detail,
                    hint: w.hint,
                    retry_after,
                    error_type: w.error_type.map(String::into_boxed_str),
                }
            }
            other => other,
        }
    }

    /// The server's requested wait before the next attempt, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Adds an operator hint to HTTP errors with one of `statuses`.
    pub fn with_status_hint(mut self, statuses: &[u16], text: &str) -> Self {
        if let SourceError::Status { status, hint, .. } = &mut self {
            if statuses.contains(status) {
                *hint = Some(text.to_string());
            }
        }
        self
    }
}

/// What a parser reports; the fetch turns it into a [`SourceError`] with the endpoint
/// and URL and counts the request's outcome.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// Not the documented shape (syntax or types); `requests_total` outcome `decode`.
    #[error("{0}")]
    Decode(String),
    /// A well-formed vendor error inside a success body; outcome `vendor_error`.
    #[error("{message}")]
    Vendor {
        /// The vendor's message and code.
        message: String,
        /// What the operator should check.
        hint: Option<String>,
    },
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        ParseError::Decode(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn body_summary_is_short_and_single_line() {
        let s = summarize_body(b"{\n  \"error\":   \"bad\"\n}");
        assert_eq!(s, "{ \"error\": \"bad\" }");
        let long = vec![b'x'; 1000];
        assert_eq!(summarize_body(&long).chars().count(), 301);
    }

    #[test]
    fn proxy_urls_keep_credentials_apart() {
        let p = ProxyConfig::parse("http://ops%40acme:p%3Ass-W0rd@proxy.internal:3128").unwrap();
        assert_eq!(
            p.display(),
            "http://proxy.internal:3128/ (with credentials)"
        );
        assert_eq!(format!("{p:?}"), p.display());
        let secrets = p.secrets();
        assert!(secrets.contains(&"p:ss-W0rd".to_string()), "{secrets:?}");
        assert!(
            secrets.contains(&"ops@acme:p:ss-W0rd".to_string()),
            "{secrets:?}"
        );
        assert!(secrets[0].starts_with("Basic "), "{secrets:?}");
        let p = ProxyConfig::parse("https://proxy.internal").unwrap();
        assert_eq!(p.display(), "https://proxy.internal/");
        assert!(p.secrets().is_empty());
        for (raw, why) in [
            (
                "socks5://u:hunter22@proxy:1080",
                "scheme must be http or https, not \"socks5\"",
            ),
            (
                "proxy.internal:3128",
                "scheme must be http or https, not \"proxy.internal\"",
            ),
            (
                "http://u:hunter22@proxy:3128/path",
                "must be scheme://[user:password@]host[:port] without a path, query or fragment",
            ),
            (
                "http://proxy:3128/?x=1",
                "must be scheme://[user:password@]host[:port] without a path, query or fragment",
            ),
            ("http://u:hunter22@", "not a valid URL (empty host)"),
            (
                "http://u:hunter22@proxy:99999",
                "not a valid URL (invalid port number)",
            ),
            ("  ", "is empty"),
        ] {
            assert_eq!(ProxyConfig::parse(raw).unwrap_err(), why, "{raw}");
        }
    }

    #[test]
    fn env_proxy_credentials_are_redacted_like_proxy_url() {
        let forms = env_proxy_credentials("http://ops:S3cretProxyPw@127.0.0.1:29960");
        assert_eq!(
            forms,
            ProxyConfig::parse("http://ops:S3cretProxyPw@127.0.0.1:29960")
                .unwrap()
                .secrets()
        );
        let echoed = "407 rejected credentials Basic b3BzOlMzY3JldFByb3h5UHc= (ops:S3cretProxyPw)";
        assert_eq!(
            redact(echoed, &forms),
            "407 rejected credentials <redacted> (<redacted>)"
        );
        // Without a scheme, percent-encoded, and not a URL at all.
        let forms = env_proxy_credentials("ops%40acme:p%3Ass-W0rd@proxy:3128");
        assert!(forms.contains(&"p:ss-W0rd".to_string()), "{forms:?}");
        assert!(forms.contains(&"p%3Ass-W0rd".to_string()), "{forms:?}");
        let forms = env_proxy_credentials("http://ops:hunter22@proxy:99999");
        assert!(forms.contains(&"hunter22".to_string()), "{forms:?}");
        assert!(env_proxy_credentials("http://proxy:3128").is_empty());
        assert!(env_proxy_credentials("").is_empty());
    }

    #[test]
    fn echoed_credentials_are_redacted() {
        let client = reqwest::Client::new();
        let req = client
            .get("http://127.0.0.1:1/")
            .basic_auth("acme", Some("s3cret-token"))
            .build()
            .unwrap();
        let creds = credentials_of(&req);
        let echoed = "denied: Authorization: Basic YWNtZTpzM2NyZXQtdG9rZW4= (acme:s3cret-token, token s3cret-token)";
        assert_eq!(
            redact(echoed, &creds),
            "denied: Authorization: <redacted> (<redacted>, token <redacted>)"
        );
        let bearer = client
            .get("http://127.0.0.1:1/")
            .bearer_auth("eyJhbGc.x.y")
            .build()
            .unwrap();
        assert_eq!(
            redact("bad eyJhbGc.x.y", &credentials_of(&bearer)),
            "bad <redacted>"
        );
    }

    #[test]
    fn urls_lose_credentials() {
        let u = url::Url::parse("https://user:pw@example.test/a?b=1").unwrap();
        assert_eq!(display_url(&u), "https://example.test/a?b=1");
    }
}
