//! `--web.config.file`: TLS and basic auth for the exporter's own HTTP server, in the
//! Prometheus exporter-toolkit file format.
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # or NoClientCert, VerifyClientCertIfGiven
//!   client_ca_file: ca.crt
//!   min_version: TLS12                            # or TLS13
//! http_server_config:
//!   headers: { X-Frame-Options: deny }
//! basic_auth_users:
//!   prometheus: $2y$10$...                          # bcrypt hash
//! ```
//!
//! The file is re-read when its modification time changes (checked per connection); a
//! broken new version is logged and the previous one stays in force. Options of the
//! toolkit format that rustls cannot honour (TLS 1.0/1.1, cipher suite lists, curve
//! lists, unverified client certificates) are errors rather than silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

/// The file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct WebConfigFile {
    /// TLS settings; absent means plain HTTP.
    pub tls_server_config: Option<TlsServerConfig>,
    /// HTTP settings.
    pub http_server_config: Option<HttpServerConfig>,
    /// User name → bcrypt hash; empty means no authentication.
    pub basic_auth_users: BTreeMap<String, String>,
}

/// `tls_server_config`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsServerConfig {
    /// Server certificate chain (PEM).
    pub cert_file: PathBuf,
    /// Server private key (PEM).
    pub key_file: PathBuf,
    /// `NoClientCert` (default), `VerifyClientCertIfGiven`, `RequireAndVerifyClientCert`.
    #[serde(default)]
    pub client_auth_type: Option<String>,
    /// CA certificates that client certificates must chain to (PEM).
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
    /// Lowest TLS version: `TLS12` (default) or `TLS13`.
    #[serde(default)]
    pub min_version: Option<String>,
    /// Highest TLS version: `TLS12` or `TLS13` (default).
    #[serde(default)]
    pub max_version: Option<String>,
    /// Not supported (rustls offers only modern suites); must be empty.
    #[serde(default)]
    pub cipher_suites: Vec<String>,
    /// Not supported; must be empty.
    #[serde(default)]
    pub curve_preferences: Vec<String>,
    /// Accepted for compatibility; rustls always prefers the server's order.
    #[serde(default)]
    pub prefer_server_cipher_suites: Option<bool>,
    /// Not supported; must be empty.
    #[serde(default)]
    pub client_allowed_sans: Vec<String>,
}

/// `http_server_config`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct HttpServerConfig {
    /// Accepted for compatibility; this server speaks HTTP/1.1.
    pub http2: Option<bool>,
    /// Extra response headers.
    pub headers: BTreeMap<String, String>,
}

/// A loaded, validated web config.
pub struct WebConfig {
    /// TLS acceptor, when TLS is on.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Extra response headers.
    pub headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    /// `basic_auth_users`; `None` means no authentication.
    pub auth: Option<Arc<crate::basic_auth::BasicAuth>>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("tls", &self.tls.is_some())
            .field("auth", &self.auth)
            .finish()
    }
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{what} {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what} {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} {}: no PEM certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

fn version(v: &Option<String>, key: &str) -> Result<Option<u8>, String> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some("TLS12") => Ok(Some(12)),
        Some("TLS13") => Ok(Some(13)),
        Some(other @ ("TLS10" | "TLS11")) => Err(format!(
            "{key}: {other} is not supported (TLS 1.2 is the minimum)"
        )),
        Some(other) => Err(format!(
            "{key}: unknown TLS version {other:?} (TLS12 or TLS13)"
        )),
    }
}

impl WebConfig {
    /// Plain HTTP, no authentication.
    pub fn none() -> Self {
        WebConfig {
            tls: None,
            headers: Vec::new(),
            auth: None,
        }
    }

    /// Loads and validates `path`. Errors name the file and the key.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let file: WebConfigFile =
            serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::build(file, path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Validates a decoded file; relative paths are relative to `base`.
    pub fn build(file: WebConfigFile, base: &Path) -> Result<Self, String> {
        let abs = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let auth = crate::basic_auth::BasicAuth::new(file.basic_auth_users)?;
        let mut headers = Vec::new();
        if let Some(h) = &file.http_server_config {
            for (k, v) in &h.headers {
                let name = hyper::header::HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                    format!("http_server_config.headers: invalid header name {k:?}")
                })?;
                let value = hyper::header::HeaderValue::from_str(v)
                    .map_err(|_| format!("http_server_config.headers.{k}: invalid value"))?;
                headers.push((name, value));
            }
        }
        let tls = match &file.tls_server_config {
            None => None,
            Some(t) => {
                for (key, list) in [
                    ("cipher_suites", &t.cipher_suites),
                    ("curve_preferences", &t.curve_preferences),
                    ("client_allowed_sans", &t.client_allowed_sans),
                ] {
                    if !list.is_empty() {
                        return Err(format!("tls_server_config.{key}: not supported (rustls uses its own safe defaults); remove it"));
                    }
                }
                let min = version(&t.min_version, "tls_server_config.min_version")?.unwrap_or(12);
                let max = version(&t.max_version, "tls_server_config.max_version")?.unwrap_or(13);
                if min > max {
                    return Err("tls_server_config: min_version is above max_version".into());
                }
                let versions: Vec<&'static rustls::SupportedProtocolVersion> =
                    [(12, &rustls::version::TLS12), (13, &rustls::version::TLS13)]
                        .into_iter()
                        .filter(|(v, _)| *v >= min && *v <= max)
                        .map(|(_, p)| p)
                        .collect();
                let certs = read_certs(&abs(&t.cert_file), "tls_server_config.cert_file")?;
                let key_path = abs(&t.key_file);
                let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| {
                    format!("tls_server_config.key_file {}: {e}", key_path.display())
                })?;
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
                    .with_protocol_versions(&versions)
                    .map_err(|e| format!("tls_server_config: {e}"))?;
                let auth = t.client_auth_type.as_deref().unwrap_or("NoClientCert");
                let builder = match auth {
                    "NoClientCert" | "" => builder.with_no_client_auth(),
                    "VerifyClientCertIfGiven" | "RequireAndVerifyClientCert" => {
                        let ca = t.client_ca_file.as_ref().ok_or_else(|| {
                            format!("tls_server_config.client_ca_file: required with client_auth_type {auth}")
                        })?;
                        let mut roots = RootCertStore::empty();
                        for c in read_certs(&abs(ca), "tls_server_config.client_ca_file")? {
                            roots.add(c).map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
                        }
                        let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                        let v = if auth == "VerifyClientCertIfGiven" { v.allow_unauthenticated() } else { v };
                        builder.with_client_cert_verifier(v.build().map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?)
                    }
                    "RequestClientCert" | "RequireAnyClientCert" => {
                        return Err(format!(
                            "tls_server_config.client_auth_type: {auth} (unverified client certificates) is not supported; use VerifyClientCertIfGiven or RequireAndVerifyClientCert"
                        ))
                    }
                    other => return Err(format!("tls_server_config.client_auth_type: unknown value {other:?}")),
                };
                let mut cfg = builder.with_single_cert(certs, key).map_err(|e| {
                    format!("tls_server_config: certificate and key do not fit: {e}")
                })?;
                cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
                Some(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
            }
        };
        Ok(WebConfig { tls, headers, auth })
    }

    /// Whether requests must authenticate.
    pub fn auth_required(&self) -> bool {
        self.auth.is_some()
    }
}

/// The web config in force, re-read from its file when the file changes.
pub struct WebConfigWatch {
    path: Option<PathBuf>,
    current: Mutex<(Arc<WebConfig>, Option<SystemTime>)>,
}

impl WebConfigWatch {
    /// Loads `path` (or plain HTTP without a path). Fails when the file is invalid.
    pub fn new(path: Option<PathBuf>) -> Result<Self, String> {
        let (cfg, mtime) = match &path {
            None => (WebConfig::none(), None),
            Some(p) => (WebConfig::load(p)?, mtime(p)),
        };
        Ok(WebConfigWatch {
            path,
            current: Mutex::new((Arc::new(cfg), mtime)),
        })
    }

    /// The config in force, re-read first if the file's modification time changed.
    pub fn get(&self) -> Arc<WebConfig> {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = &self.path {
            let m = mtime(p);
            if m != cur.1 {
                cur.1 = m;
                match WebConfig::load(p) {
                    Ok(c) => {
                        tracing::info!(file = %p.display(), "web config reloaded");
                        cur.0 = Arc::new(c);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "web config reload failed; keeping the previous one")
                    }
                }
            }
        }
        Arc::clone(&cur.0)
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_it_cannot_honour() {
        let file: WebConfigFile =
            serde_yaml_ng::from_str("basic_auth_users:\n  a: plaintext\n").unwrap();
        assert_eq!(
            WebConfig::build(file, Path::new(".")).unwrap_err(),
            "basic_auth_users.a: not a bcrypt hash"
        );
        let file: WebConfigFile = serde_yaml_ng::from_str(
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n",
        )
        .unwrap();
        assert_eq!(
            WebConfig::build(file, Path::new(".")).unwrap_err(),
            "tls_server_config.min_version: TLS10 is not supported (TLS 1.2 is the minimum)"
        );
        assert!(serde_yaml_ng::from_str::<WebConfigFile>("tls_config: {}\n").is_err());
    }
}
