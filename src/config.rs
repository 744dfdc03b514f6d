//! The YAML configuration file (docs/configuration.md): decoding, defaults, validation.
//!
//! Decoding is strict (`deny_unknown_fields` everywhere) and every error names the file,
//! the line and column, and the key path (`sources[1].timeout`), because an operator
//! reading a failed `--config.check` or a failed reload has nothing else to go on.
//! This module decodes `global` and the keys every source has; the `vendor:` value picks
//! a vendor from the registry, which decodes the rest of the entry into its own strict
//! struct. Errors found by serde while reading the document carry the YAML parser's
//! position; everything decoded or checked afterwards is located by [`locate`].

mod locate;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::http::{ClientOptions, ProxyConfig};
use crate::opening_hours::{OpeningHours, RawOpeningHours};
use crate::secret::{read_secret_file, Secret};
use crate::state::AgentState;
use crate::vendor::{Entry, Vendor, VendorConfig};

/// Default poll interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time after which a source's data series vanish without a successful poll.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(300);
/// Default cap on one vendor response body (32 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// Default cap on the agents of one source that get per-agent series.
pub const DEFAULT_MAX_AGENT_SERIES: u64 = 2000;

/// A configuration error, already formatted as `file:line:col: key: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// A duration written the human way (`30s`, `5m`, `1h30m`).
type HumanDuration = humantime_serde::Serde<Duration>;

/// The `global:` section as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawGlobal {
    /// Poll interval for every source that does not set its own.
    interval: Option<HumanDuration>,
    /// Per-request timeout.
    timeout: Option<HumanDuration>,
    /// After this long without a successful poll a source's data series vanish.
    max_staleness: Option<HumanDuration>,
    /// Largest vendor response body accepted, in bytes.
    max_response_bytes: Option<u64>,
    /// Static labels on every series of every source (a source's own `labels` win).
    labels: BTreeMap<String, String>,
    /// Per-agent series for every source that does not set its own (default false).
    agent_series: Option<bool>,
    /// Agent names on the status page and the `agent_name` label (default true).
    agent_names: Option<bool>,
    /// Per-source cap on the agents with per-agent series (default 2000).
    max_agent_series: Option<u64>,
}

/// The whole file as written; each source entry is kept as a mapping until its vendor
/// is known.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    global: RawGlobal,
    #[serde(default)]
    sources: Vec<serde_yaml_ng::Mapping>,
}

/// The keys every source entry has, whatever its vendor. The rest of the entry belongs
/// to the vendor (see each vendor's `config.rs`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonKeys {
    /// Unique name, `[a-z0-9_-]+`; the `source` label.
    name: String,
    /// Which vendor API this source polls (a name in the vendor registry).
    vendor: String,
    /// Override of the vendor's API base URL (may carry a path prefix).
    #[serde(default)]
    base_url: Option<String>,
    /// Poll interval (default: `global.interval`).
    #[serde(default)]
    interval: Option<HumanDuration>,
    /// Per-request timeout (default: `global.timeout`).
    #[serde(default)]
    timeout: Option<HumanDuration>,
    /// Staleness limit (default: `global.max_staleness`).
    #[serde(default)]
    max_staleness: Option<HumanDuration>,
    /// Response size cap (default: `global.max_response_bytes`).
    #[serde(default)]
    max_response_bytes: Option<u64>,
    /// Vendor state name → normalized state, overriding the vendor's default table.
    #[serde(default)]
    state_map: BTreeMap<String, String>,
    /// PEM file of CA certificates to trust for this vendor (in addition to the system's).
    #[serde(default)]
    ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification. Dangerous; logged at every start.
    #[serde(default)]
    insecure_skip_verify: bool,
    /// Static labels on every series of this source (over `global.labels`).
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// HTTP(S) proxy for this source's vendor requests, `http[s]://[user:password@]host:port`
    /// (a secret: it may hold a password). Without it the proxy environment variables apply.
    #[serde(default)]
    proxy_url: Option<Secret>,
    /// File holding the `proxy_url`.
    #[serde(default)]
    proxy_url_file: Option<PathBuf>,
    /// When the contact center is open (`contact_center_source_open`).
    #[serde(default)]
    opening_hours: Option<RawOpeningHours>,
    /// Export per-agent series (default: `global.agent_series`).
    #[serde(default)]
    agent_series: Option<bool>,
    /// Show agent names (default: `global.agent_names`).
    #[serde(default)]
    agent_names: Option<bool>,
    /// Cap on the agents with per-agent series (default: `global.max_agent_series`).
    #[serde(default)]
    max_agent_series: Option<u64>,
}

/// The keys every vendor accepts, in the order error messages list them.
pub fn common_keys() -> &'static [&'static str] {
    crate::vendor_keys::struct_fields::<CommonKeys>()
}

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
    /// Static labels of every series of the source: `global.labels` with the source's
    /// own `labels` over them.
    pub labels: BTreeMap<String, String>,
    /// Egress proxy of the vendor requests (`proxy_url`).
    pub proxy: Option<ProxyConfig>,
    /// When the contact center is open; `None`: always.
    pub opening_hours: Option<OpeningHours>,
    /// Per-agent series (`agent_series`, `agent_names`, `max_agent_series`).
    pub agents: AgentSeries,
    /// The vendor's own validated settings (base URL, credentials, filters).
    pub vendor_config: VendorConfig,
}

impl SourceConfig {
    /// What the source's HTTP client is built from.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            timeout: self.timeout,
            ca_file: self.ca_file.clone(),
            insecure_skip_verify: self.insecure_skip_verify,
            proxy: self.proxy.clone(),
        }
    }

    /// The source's identity: its name, vendor, labels, state map and the vendor's
    /// series-defining settings ([`crate::vendor::Settings::identity`]), as one line
    /// without secrets. Counters and the period ledger carry over a reload and a
    /// restart only while it is unchanged: a different account, filter, time zone,
    /// label or state mapping is different data, and starts afresh.
    pub fn identity(&self) -> String {
        let mut state_map: Vec<(&String, &AgentState)> = self.state_map.iter().collect();
        state_map.sort_by(|a, b| a.0.cmp(b.0));
        let state_map: Vec<String> = state_map
            .into_iter()
            .map(|(v, s)| format!("{v}={}", s.as_str()))
            .collect();
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect();
        format!(
            "source={:?} vendor={} {} labels={{{}}} state_map={{{}}}",
            self.name,
            self.vendor,
            self.vendor_config.identity(),
            labels.join(","),
            state_map.join(",")
        )
    }

    /// The keys every vendor has, for `--config.check` (never a secret): labels,
    /// proxy and opening hours where set.
    pub fn common_summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(n, v)| format!("{n}={v:?}"))
                .collect();
            parts.push(format!("labels {{{}}}", labels.join(", ")));
        }
        if let Some(p) = &self.proxy {
            parts.push(format!("proxy {}", p.display()));
        }
        if let Some(h) = &self.opening_hours {
            parts.push(format!("open {h}"));
        }
        if self.agents.series {
            parts.push(format!("agent series (at most {})", self.agents.max));
        }
        if !self.agents.names {
            parts.push("agent names hidden".into());
        }
        parts.join("; ")
    }
}

/// What a source shows of single agents: `agent_series`, `agent_names` and
/// `max_agent_series` after defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentSeries {
    /// Export `contact_center_agent_state` and `contact_center_agent_time_in_state_seconds`.
    pub series: bool,
    /// Agent names may appear (status page, `agent_name` label); false: ids only.
    pub names: bool,
    /// Past this many agents the source exports no per-agent series at all.
    pub max: usize,
}

impl Default for AgentSeries {
    fn default() -> Self {
        AgentSeries {
            series: false,
            names: true,
            max: DEFAULT_MAX_AGENT_SERIES as usize,
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

/// Puts `file:line:col: path: message` together, pointing at the value of `path` when
/// `at_value` (a wrong type), else at the key, else at the entry holding it (a default
/// that conflicts with something else is not in the file), else at the top.
fn located(text: &str, file: &str, path: &str, at_value: bool, msg: &str) -> ConfigError {
    let parent = path.rsplit_once('.').map(|(p, _)| p).unwrap_or(path);
    let value = if at_value {
        locate::value_position(text, path)
    } else {
        None
    };
    let (line, col) = value
        .or_else(|| locate::position(text, path))
        .or_else(|| locate::position(text, parent))
        .unwrap_or((1, 1));
    ConfigError(format!("{file}:{line}:{col}: {path}: {msg}"))
}

/// One source entry after its keys were sorted out: the common keys decoded, the
/// vendor found, and the rest split into the vendor's own keys and keys of other
/// vendors (reported only after the common checks, as a mistake of the file's author
/// rather than a typo).
struct SplitEntry {
    common: CommonKeys,
    vendor: Vendor,
    own: serde_yaml_ng::Mapping,
    foreign: Vec<String>,
}

/// The closest known key to a misspelt one, if one is close enough to be meant.
fn did_you_mean<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 2 && *d * 2 < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Decodes the common keys of entry `i` and sorts out the rest; every error here is one
/// serde would have found while reading the document (types, names).
fn split_entry(
    i: usize,
    entry: serde_yaml_ng::Mapping,
    text: &str,
    file: &str,
) -> Result<SplitEntry, ConfigError> {
    let at = |key: &str| {
        if key.is_empty() {
            format!("sources[{i}]")
        } else {
            format!("sources[{i}].{key}")
        }
    };
    let common_names = common_keys();
    let mut common = serde_yaml_ng::Mapping::new();
    let mut rest = Vec::new();
    for (k, v) in entry {
        match k.as_str() {
            Some(name) if common_names.contains(&name) => {
                common.insert(k, v);
            }
            Some(name) => rest.push((name.to_string(), v)),
            None => {
                return Err(located(
                    text,
                    file,
                    &at(""),
                    false,
                    &format!("keys must be strings, not {k:?}"),
                ))
            }
        }
    }
    let common: CommonKeys =
        serde_path_to_error::deserialize(serde_yaml_ng::Value::Mapping(common)).map_err(|e| {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            match path.as_str() {
                "." => located(text, file, &at(""), false, &msg),
                // A misspelt key inside a common key (`opening_hours.holidays`).
                p if msg.starts_with("unknown field") => located(text, file, &at(p), false, &msg),
                p => located(text, file, &at(p), true, &msg),
            }
        })?;
    let Some(vendor) = crate::sources::find(&common.vendor) else {
        let names: Vec<String> = crate::sources::REGISTRY
            .iter()
            .map(|v| format!("`{}`", v.as_str()))
            .collect();
        return Err(located(
            text,
            file,
            &at("vendor"),
            true,
            &format!(
                "unknown variant `{}`, expected one of {}",
                common.vendor,
                names.join(", ")
            ),
        ));
    };
    let mut own = serde_yaml_ng::Mapping::new();
    let mut foreign = Vec::new();
    for (key, value) in rest {
        if vendor.keys().contains(&key.as_str()) {
            own.insert(serde_yaml_ng::Value::String(key), value);
        } else if crate::sources::all_vendor_keys().contains(&key.as_str()) {
            foreign.push(key);
        } else {
            let mut known: Vec<&str> = common_names.to_vec();
            known.extend(vendor.keys());
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            let hint = did_you_mean(&key, &known)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            return Err(located(
                text,
                file,
                &at(&key),
                false,
                &format!(
                    "unknown field `{key}`, expected one of {}{hint}",
                    list.join(", ")
                ),
            ));
        }
    }
    vendor
        .check(&Entry::new(
            vendor.as_str(),
            common.base_url.as_deref(),
            own.clone(),
        ))
        .map_err(|fe| located(text, file, &at(&fe.key), fe.at_value, &fe.message))?;
    Ok(SplitEntry {
        common,
        vendor,
        own,
        foreign,
    })
}

fn validate(raw: RawConfig, text: &str, file: &str) -> Result<Config, ConfigError> {
    let located = |path: &str, msg: &str| located(text, file, path, false, msg);
    let g = &raw.global;
    let g_interval = g.interval.map_or(DEFAULT_INTERVAL, |d| *d);
    let g_timeout = g.timeout.map_or(DEFAULT_TIMEOUT, |d| *d);
    let g_stale = g.max_staleness.map_or(DEFAULT_MAX_STALENESS, |d| *d);
    let g_max_bytes = g.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
    // Every entry's keys first, as one decode of the whole document would find them.
    let entries = raw
        .sources
        .into_iter()
        .enumerate()
        .map(|(i, e)| split_entry(i, e, text, file))
        .collect::<Result<Vec<_>, _>>()?;
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
    let g_max_agents = g.max_agent_series.unwrap_or(DEFAULT_MAX_AGENT_SERIES);
    check_max_agent_series(g_max_agents).map_err(|m| located("global.max_agent_series", &m))?;
    check_labels(&g.labels, "global.labels").map_err(|(path, msg)| located(&path, &msg))?;

    let mut names = HashSet::new();
    let mut sources = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let SplitEntry {
            common: rs,
            vendor,
            own,
            foreign,
        } = entry;
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
        let interval = rs.interval.map_or(g_interval, |d| *d);
        let timeout = rs.timeout.map_or(g_timeout, |d| *d);
        let max_staleness = rs.max_staleness.map_or(g_stale, |d| *d);
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
        if let Some(key) = foreign.first() {
            return Err(located(&at(key), &format!("not a key of vendor {vendor}")));
        }
        check_labels(&rs.labels, &at("labels")).map_err(|(path, msg)| located(&path, &msg))?;
        let mut labels = g.labels.clone();
        labels.extend(rs.labels.clone());
        let proxy = proxy(&rs.proxy_url, &rs.proxy_url_file)
            .map_err(|(key, msg)| located(&at(key), &msg))?;
        let vendor_config = vendor
            .config(&Entry::new(vendor.as_str(), rs.base_url.as_deref(), own))
            .map_err(|fe| {
                let path = at(&fe.key);
                let (line, col) = locate::position(text, &path)
                    .or_else(|| locate::position(text, &at("")))
                    .unwrap_or((1, 1));
                ConfigError(format!("{file}:{line}:{col}: {path}: {}", fe.message))
            })?;
        let max_agents = rs.max_agent_series.unwrap_or(g_max_agents);
        check_max_agent_series(max_agents).map_err(|m| located(&at("max_agent_series"), &m))?;
        let agents = AgentSeries {
            series: rs.agent_series.or(g.agent_series).unwrap_or(false),
            names: rs.agent_names.or(g.agent_names).unwrap_or(true),
            // Checked just above to fit.
            max: usize::try_from(max_agents).unwrap_or(usize::MAX),
        };
        let opening_hours = rs
            .opening_hours
            .as_ref()
            .map(|raw| OpeningHours::parse(raw, vendor_config.day_zone()))
            .transpose()
            .map_err(|e| located(&at(&format!("opening_hours.{}", e.key)), &e.message))?;
        sources.push(SourceConfig {
            name: rs.name,
            vendor,
            interval,
            timeout,
            max_staleness,
            max_response_bytes,
            state_map,
            ca_file: rs.ca_file,
            insecure_skip_verify: rs.insecure_skip_verify,
            labels,
            proxy,
            opening_hours,
            agents,
            vendor_config,
        });
    }
    Ok(Config { sources })
}

/// Largest `max_agent_series`: far past any contact center, and a bound on the series
/// one source can add to a scrape even when a vendor answers with garbage ids.
pub const MAX_MAX_AGENT_SERIES: u64 = 100_000;

/// `max_agent_series` must be 1..=[`MAX_MAX_AGENT_SERIES`]: 0 would export nothing
/// (that is `agent_series: false`).
fn check_max_agent_series(n: u64) -> Result<(), String> {
    if n == 0 {
        return Err(
            "must be greater than 0 (to export no per-agent series, set agent_series: false)"
                .into(),
        );
    }
    if n > MAX_MAX_AGENT_SERIES {
        return Err(format!(
            "{n} is more than {MAX_MAX_AGENT_SERIES}, the most per-agent series one source may export"
        ));
    }
    Ok(())
}

/// Checks static labels at `path` (`global.labels`, `sources[0].labels`); an error
/// names the label's own path.
fn check_labels(labels: &BTreeMap<String, String>, path: &str) -> Result<(), (String, String)> {
    for (name, value) in labels {
        let at = format!("{path}.{name}");
        crate::labels::check_static_label(name).map_err(|m| (at.clone(), m))?;
        if value.is_empty() {
            return Err((
                at,
                format!(
                    "the value of {name:?} is empty (an empty label is no label; leave it out)"
                ),
            ));
        }
    }
    Ok(())
}

/// The source's proxy from `proxy_url` or `proxy_url_file` (at most one of them); an
/// error names the key and never repeats the URL, which may hold a password.
fn proxy(
    inline: &Option<Secret>,
    file: &Option<PathBuf>,
) -> Result<Option<ProxyConfig>, (&'static str, String)> {
    match (inline, file) {
        (Some(_), Some(_)) => Err((
            "proxy_url",
            "set either proxy_url or proxy_url_file, not both".into(),
        )),
        (Some(url), None) => ProxyConfig::parse(url.expose())
            .map(Some)
            .map_err(|m| ("proxy_url", m)),
        (None, Some(path)) => {
            let text = read_secret_file(path).map_err(|m| ("proxy_url_file", m))?;
            ProxyConfig::parse(&text).map(Some).map_err(|m| {
                (
                    "proxy_url_file",
                    format!("the URL in {}: {m}", path.display()),
                )
            })
        }
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> SourceConfig {
        parse(yaml, "t.yml").unwrap().sources.remove(0)
    }

    #[test]
    fn opening_hours_default_to_the_vendors_time_zone() {
        let vcc = "sources:\n  - name: v\n    vendor: vcc_live\n    customer: c\n    token: t\n    time_zone: Europe/Budapest\n    opening_hours:\n      weekly: [\"mon-fri 08:00-18:00\"]\n";
        let h = source(vcc).opening_hours.unwrap();
        assert_eq!(h.zone(), chrono_tz::Europe::Budapest);
        let own = vcc.replace(
            "    opening_hours:\n",
            "    opening_hours:\n      time_zone: Asia/Tokyo\n",
        );
        assert_eq!(
            source(&own).opening_hours.unwrap().zone(),
            chrono_tz::Asia::Tokyo
        );
        // Exotel has no time zone: UTC.
        let exotel = "sources:\n  - name: e\n    vendor: exotel\n    base_url: http://127.0.0.1:1\n    cc_id: 6\n    username: u\n    password: p\n    opening_hours:\n      weekly: [\"mon-fri 08:00-18:00\"]\n";
        assert_eq!(source(exotel).opening_hours.unwrap().zone(), chrono_tz::UTC);
        assert_eq!(
            source(&exotel.replace(
                "    opening_hours:\n      weekly: [\"mon-fri 08:00-18:00\"]\n",
                ""
            ))
            .opening_hours,
            None
        );
    }

    #[test]
    fn a_sources_labels_win_over_the_global_ones() {
        let s = source("global:\n  labels: {tenant: shared, region: eu}\nsources:\n  - name: e\n    vendor: exotel\n    base_url: http://127.0.0.1:1\n    cc_id: 6\n    username: u\n    password: p\n    labels: {tenant: acme, site: bud}\n");
        let labels: Vec<(&str, &str)> = s
            .labels
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            labels,
            [("region", "eu"), ("site", "bud"), ("tenant", "acme")]
        );
        assert_eq!(
            s.common_summary(),
            r#"labels {region="eu", site="bud", tenant="acme"}"#
        );
    }

    #[test]
    fn the_proxy_comes_from_the_url_or_its_file() {
        let base = "sources:\n  - name: e\n    vendor: exotel\n    base_url: http://127.0.0.1:1\n    cc_id: 6\n    username: u\n    password: p\n";
        let s = source(&format!(
            "{base}    proxy_url: http://u:Pw-123456@proxy.internal:3128\n"
        ));
        assert_eq!(
            s.common_summary(),
            "proxy http://proxy.internal:3128/ (with credentials)"
        );
        assert!(!format!("{s:?}").contains("Pw-123456"));
        assert_eq!(s.client_options().proxy, s.proxy);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("proxy");
        std::fs::write(&file, "https://u:Pw-123456@proxy.internal:3129\n").unwrap();
        let f = source(&format!("{base}    proxy_url_file: {}\n", file.display()));
        assert_eq!(
            f.common_summary(),
            "proxy https://proxy.internal:3129/ (with credentials)"
        );
        std::fs::write(&file, "ftp://u:Pw-123456@proxy.internal\n").unwrap();
        let e = parse(
            &format!("{base}    proxy_url_file: {}\n", file.display()),
            "t.yml",
        )
        .unwrap_err();
        assert_eq!(
            e.0,
            format!("t.yml:8:5: sources[0].proxy_url_file: the URL in {}: scheme must be http or https, not \"ftp\"", file.display())
        );
    }
}
