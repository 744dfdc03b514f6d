//! The YAML configuration file (CONTRACT §4): decoding, defaults, validation, secrets.
//!
//! Decoding is strict (`deny_unknown_fields` everywhere) and every error names the file,
//! the line and column, and the key path (`sources[1].timeout`), because an operator
//! reading a failed `--config.check` or a failed reload has nothing else to go on.
//! Type and unknown-key errors come from serde with the YAML parser's position;
//! cross-field errors found after decoding are located by [`locate`].

mod locate;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;
use crate::sources::{Vendor, VendorConfig};
use crate::state::AgentState;

/// Default poll interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time after which a source's data series vanish without a successful poll.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(300);
/// Default cap on one vendor response body (32 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// A configuration error, already formatted as `file:line:col: key: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The `global:` section as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlobal {
    /// Poll interval for every source that does not set its own.
    #[serde(default, with = "humantime_serde::option")]
    interval: Option<Duration>,
    /// Per-request timeout.
    #[serde(default, with = "humantime_serde::option")]
    timeout: Option<Duration>,
    /// After this long without a successful poll a source's data series vanish.
    #[serde(default, with = "humantime_serde::option")]
    max_staleness: Option<Duration>,
    /// Largest vendor response body accepted, in bytes.
    #[serde(default)]
    max_response_bytes: Option<u64>,
}

/// The whole file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    global: RawGlobal,
    #[serde(default)]
    sources: Vec<RawSource>,
}

/// One entry of `sources:` exactly as written: the common keys and every vendor's keys.
/// Which vendor keys are allowed and required is checked per vendor after decoding
/// (see each vendor's `config.rs`), so that a key of another vendor is a clear error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Unique name, `[a-z0-9_-]+`; the `source` label.
    pub name: String,
    /// Which vendor API this source polls.
    pub vendor: Vendor,
    /// Override of the vendor's API base URL (may carry a path prefix).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Poll interval (default: `global.interval`).
    #[serde(default, with = "humantime_serde::option")]
    pub interval: Option<Duration>,
    /// Per-request timeout (default: `global.timeout`).
    #[serde(default, with = "humantime_serde::option")]
    pub timeout: Option<Duration>,
    /// Staleness limit (default: `global.max_staleness`).
    #[serde(default, with = "humantime_serde::option")]
    pub max_staleness: Option<Duration>,
    /// Response size cap (default: `global.max_response_bytes`).
    #[serde(default)]
    pub max_response_bytes: Option<u64>,
    /// Vendor state name → normalized state, overriding the default table.
    #[serde(default)]
    pub state_map: BTreeMap<String, String>,
    /// PEM file of CA certificates to trust for this vendor (in addition to the system's).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification. Dangerous; logged at every start.
    #[serde(default)]
    pub insecure_skip_verify: bool,

    // --- vendor keys (validated per vendor) ---
    /// VCC Live: account name (subdomain).
    #[serde(default)]
    pub customer: Option<String>,
    /// VCC Live / 8x8: API token.
    #[serde(default)]
    pub token: Option<Secret>,
    /// VCC Live / 8x8: file holding the API token.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// VCC Live: project ids to filter by.
    #[serde(default)]
    pub projects: Option<Vec<u64>>,
    /// VCC Live: user ids to filter by.
    #[serde(default)]
    pub users: Option<Vec<u64>>,
    /// VCC Live / 8x8: time zone of the account's days (IANA name, default UTC).
    #[serde(default)]
    pub time_zone: Option<chrono_tz::Tz>,
    /// Voximplant: service-account credentials JSON file.
    #[serde(default)]
    pub credentials_file: Option<PathBuf>,
    /// Voximplant: ACD queue ids to watch (default all).
    #[serde(default)]
    pub acd_queues: Option<Vec<u64>>,
    /// 8x8: tenant name.
    #[serde(default)]
    pub tenant: Option<String>,
    /// 8x8: queue ids to watch (default all).
    #[serde(default)]
    pub queues: Option<Vec<u64>>,
    /// 8x8: fetch per-agent status statistics (one request per agent and poll).
    #[serde(default)]
    pub agent_statistics: Option<bool>,
    /// Exotel: contact center id.
    #[serde(default)]
    pub cc_id: Option<u64>,
    /// Exotel: API user name.
    #[serde(default)]
    pub username: Option<String>,
    /// Exotel: API password.
    #[serde(default)]
    pub password: Option<Secret>,
    /// Exotel: file holding the API password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// VCC Live / Exotel: records per page.
    #[serde(default)]
    pub page_size: Option<u64>,
}

/// The keys every vendor accepts.
pub const COMMON_KEYS: &[&str] = &[
    "name",
    "vendor",
    "base_url",
    "interval",
    "timeout",
    "max_staleness",
    "max_response_bytes",
    "state_map",
    "ca_file",
    "insecure_skip_verify",
];

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The sources, in file order.
    pub sources: Vec<SourceConfig>,
}

/// One validated source: defaults applied, secrets read, vendor keys checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Unique name; the `source` label.
    pub name: String,
    /// Vendor.
    pub vendor: Vendor,
    /// Poll interval.
    pub interval: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Staleness limit.
    pub max_staleness: Duration,
    /// Response size cap in bytes.
    pub max_response_bytes: u64,
    /// `state_map` overrides.
    pub state_map: HashMap<String, AgentState>,
    /// Extra CA certificates (PEM file).
    pub ca_file: Option<PathBuf>,
    /// TLS verification off.
    pub insecure_skip_verify: bool,
    /// The vendor's own validated settings (base URL, credentials, filters).
    pub vendor_config: VendorConfig,
}

/// What a vendor validator reports: the offending key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Key within the source entry (`token_file`), or empty for the entry itself.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// An error about `key`.
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        FieldError {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl RawSource {
    /// Names of the keys set in this entry (for "not valid for this vendor" checks).
    fn set_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        macro_rules! check {
            ($($f:ident),*) => { $( if self.$f.is_some() { keys.push(stringify!($f)); } )* };
        }
        check!(
            customer,
            token,
            token_file,
            projects,
            users,
            time_zone,
            credentials_file,
            acd_queues,
            tenant,
            queues,
            agent_statistics,
            cc_id,
            username,
            password,
            password_file,
            page_size
        );
        keys
    }

    /// Reads a secret given either inline (`key`) or as a file (`key_file`); exactly one
    /// must be set. A file's trailing newline is dropped; an empty secret is an error.
    pub fn secret(
        &self,
        key: &str,
        inline: &Option<Secret>,
        file: &Option<PathBuf>,
    ) -> Result<Secret, FieldError> {
        let file_key = format!("{key}_file");
        match (inline, file) {
            (Some(_), Some(_)) => Err(FieldError::new(
                key,
                format!("set either {key} or {file_key}, not both"),
            )),
            (None, None) => Err(FieldError::new(
                key,
                format!("missing: set {key} or {file_key}"),
            )),
            (Some(s), None) if s.expose().is_empty() => Err(FieldError::new(key, "is empty")),
            (Some(s), None) => Ok(s.clone()),
            (None, Some(path)) => {
                let text = read_secret_file(path).map_err(|m| FieldError::new(&file_key, m))?;
                Ok(Secret::new(text))
            }
        }
    }

    /// Requires a non-empty string key.
    pub fn required_str(&self, key: &str, value: &Option<String>) -> Result<String, FieldError> {
        match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            Some(_) => Err(FieldError::new(key, "is empty")),
            None => Err(FieldError::new(
                key,
                format!("missing (required for vendor {})", self.vendor),
            )),
        }
    }

    /// Parses `base_url` (or the vendor's default): http(s), no query, no trailing `/`.
    pub fn base_url(&self, default: Option<String>) -> Result<url::Url, FieldError> {
        let raw = match (&self.base_url, default) {
            (Some(u), _) => u.clone(),
            (None, Some(d)) => d,
            (None, None) => {
                return Err(FieldError::new(
                    "base_url",
                    format!("missing (required for vendor {})", self.vendor),
                ))
            }
        };
        let url = url::Url::parse(raw.trim_end_matches('/'))
            .map_err(|e| FieldError::new("base_url", format!("invalid URL {raw:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FieldError::new(
                "base_url",
                format!("scheme must be http or https, not {:?}", url.scheme()),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(FieldError::new(
                "base_url",
                "must not have a query or fragment",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FieldError::new(
                "base_url",
                "must not carry credentials; use the vendor's credential keys",
            ));
        }
        Ok(url)
    }
}

/// Reads a secret file; `$CREDENTIALS_DIRECTORY` at the start of the path is expanded so
/// that systemd's `LoadCredential=` works with a plain path in the config.
pub fn read_secret_file(path: &Path) -> Result<String, String> {
    let path = expand_credentials_dir(path);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    warn_if_world_readable(&path);
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    if text.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(text)
}

/// Expands a leading `$CREDENTIALS_DIRECTORY` (or `${CREDENTIALS_DIRECTORY}`).
pub fn expand_credentials_dir(path: &Path) -> PathBuf {
    let s = path.to_string_lossy();
    for prefix in ["$CREDENTIALS_DIRECTORY", "${CREDENTIALS_DIRECTORY}"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if let Ok(dir) = std::env::var("CREDENTIALS_DIRECTORY") {
                return PathBuf::from(format!("{dir}{rest}"));
            }
        }
    }
    path.to_path_buf()
}

fn warn_if_world_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o044 != 0 {
            tracing::warn!(file = %path.display(), "secret file is readable by group or others; chmod 600 it");
        }
    }
}

/// Loads and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
    parse(&text, &path.display().to_string())
}

/// Parses and validates config text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    // Syntax first: typed decoding reads lazily and would report a broken document as
    // a type error at the first value it could not use.
    if let Err(e) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
        let (line, col) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        return Err(ConfigError(format!(
            "{file}:{line}:{col}: invalid YAML: {}",
            strip_location(&e.to_string())
        )));
    }
    let de = serde_yaml_ng::Deserializer::from_str(text);
    let raw: RawConfig = match serde_path_to_error::deserialize(de) {
        Ok(raw) => raw,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let (line, col) = match inner.location() {
                Some(loc) => (loc.line(), loc.column()),
                None => locate::position(text, &path).unwrap_or((1, 1)),
            };
            // serde_yaml_ng appends "at line X column Y" and may prefix the path (or
            // its parent) itself; both are printed up front, once.
            let msg = strip_location(&inner.to_string());
            let msg = match msg.split_once(": ") {
                Some((prefix, rest)) if path.starts_with(prefix) => rest.to_string(),
                _ => msg,
            };
            let key = if path == "." {
                String::new()
            } else {
                format!("{path}: ")
            };
            return Err(ConfigError(format!("{file}:{line}:{col}: {key}{msg}")));
        }
    };
    validate(raw, text, file)
}

fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn validate(raw: RawConfig, text: &str, file: &str) -> Result<Config, ConfigError> {
    // Points at the key, else at the entry holding it (a default that conflicts with
    // something else is not in the file), else at the top.
    let located = |path: &str, msg: &str| {
        let parent = path.rsplit_once('.').map(|(p, _)| p).unwrap_or(path);
        let (line, col) = locate::position(text, path)
            .or_else(|| locate::position(text, parent))
            .unwrap_or((1, 1));
        ConfigError(format!("{file}:{line}:{col}: {path}: {msg}"))
    };
    let g = &raw.global;
    let g_interval = g.interval.unwrap_or(DEFAULT_INTERVAL);
    let g_timeout = g.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let g_stale = g.max_staleness.unwrap_or(DEFAULT_MAX_STALENESS);
    let g_max_bytes = g.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
    for (key, d) in [
        ("interval", g_interval),
        ("timeout", g_timeout),
        ("max_staleness", g_stale),
    ] {
        if d.is_zero() {
            return Err(located(&format!("global.{key}"), "must be greater than 0"));
        }
    }
    if g_max_bytes == 0 {
        return Err(located(
            "global.max_response_bytes",
            "must be greater than 0",
        ));
    }

    let mut names = HashSet::new();
    let mut sources = Vec::with_capacity(raw.sources.len());
    for (i, rs) in raw.sources.iter().enumerate() {
        let at = |key: &str| {
            if key.is_empty() {
                format!("sources[{i}]")
            } else {
                format!("sources[{i}].{key}")
            }
        };
        let name_ok = !rs.name.is_empty()
            && rs
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(located(
                &at("name"),
                &format!("{:?} must match [a-z0-9_-]+", rs.name),
            ));
        }
        if !names.insert(rs.name.clone()) {
            return Err(located(
                &at("name"),
                &format!("duplicate source name {:?}", rs.name),
            ));
        }
        let interval = rs.interval.unwrap_or(g_interval);
        let timeout = rs.timeout.unwrap_or(g_timeout);
        let max_staleness = rs.max_staleness.unwrap_or(g_stale);
        let max_response_bytes = rs.max_response_bytes.unwrap_or(g_max_bytes);
        for (key, d) in [
            ("interval", interval),
            ("timeout", timeout),
            ("max_staleness", max_staleness),
        ] {
            if d.is_zero() {
                return Err(located(&at(key), "must be greater than 0"));
            }
        }
        if timeout >= interval {
            let key = if rs.timeout.is_some() {
                "timeout"
            } else {
                "interval"
            };
            return Err(located(
                &at(key),
                &format!(
                    "timeout ({}) must be less than interval ({})",
                    humantime::format_duration(timeout),
                    humantime::format_duration(interval)
                ),
            ));
        }
        if max_staleness < interval {
            let key = if rs.max_staleness.is_some() {
                "max_staleness"
            } else {
                "interval"
            };
            return Err(located(
                &at(key),
                &format!(
                    "max_staleness ({}) must be at least the interval ({})",
                    humantime::format_duration(max_staleness),
                    humantime::format_duration(interval)
                ),
            ));
        }
        if max_response_bytes == 0 {
            return Err(located(&at("max_response_bytes"), "must be greater than 0"));
        }
        let mut state_map = HashMap::new();
        for (vendor_state, st) in &rs.state_map {
            let st: AgentState = st
                .parse()
                .map_err(|e: String| located(&at(&format!("state_map.{vendor_state}")), &e))?;
            state_map.insert(vendor_state.clone(), st);
        }
        if let Some(ca) = &rs.ca_file {
            if let Err(e) = std::fs::metadata(ca) {
                return Err(located(
                    &at("ca_file"),
                    &format!("cannot read {}: {e}", ca.display()),
                ));
            }
        }
        let allowed = crate::sources::vendor_keys(rs.vendor);
        for key in rs.set_keys() {
            if !allowed.contains(&key) && !COMMON_KEYS.contains(&key) {
                return Err(located(
                    &at(key),
                    &format!("not a key of vendor {}", rs.vendor),
                ));
            }
        }
        let vendor_config = crate::sources::validate(rs).map_err(|fe| {
            let path = at(&fe.key);
            let (line, col) = locate::position(text, &path)
                .or_else(|| locate::position(text, &at("")))
                .unwrap_or((1, 1));
            ConfigError(format!("{file}:{line}:{col}: {path}: {}", fe.message))
        })?;
        sources.push(SourceConfig {
            name: rs.name.clone(),
            vendor: rs.vendor,
            interval,
            timeout,
            max_staleness,
            max_response_bytes,
            state_map,
            ca_file: rs.ca_file.clone(),
            insecure_skip_verify: rs.insecure_skip_verify,
            vendor_config,
        });
    }
    Ok(Config { sources })
}
