//! The YAML configuration file (docs/configuration.md): decoding, defaults, validation.
//!
//! Decoding is strict (`deny_unknown_fields` everywhere) and every error names the file,
//! the line and column, and the key path (`sources[1].timeout`), because an operator
//! reading a failed `--config.check` or a failed reload has nothing else to go on.
//! This module decodes `global` and the keys every source has; the `vendor:` value picks
//! a vendor from the registry, which decodes the rest of the entry into its own strict
//! struct. Errors found by serde while reading the document carry the YAML parser's
//! position; everything decoded or checked afterwards is located by [`locate`].

mod duration;
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

pub use duration::{parse as parse_duration, HumanDuration, SYNTAX as DURATION_SYNTAX};

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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Decoded key by key later, so that every bad key is reported.
    #[serde(default)]
    global: Option<serde_yaml_ng::Mapping>,
    #[serde(default)]
    sources: Option<Vec<serde_yaml_ng::Mapping>>,
}

/// The keys every source entry has, whatever its vendor. The rest of the entry belongs
/// to the vendor (see each vendor's `config.rs`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonKeys {
    /// Unique name, `[a-z0-9_-]+`; the `source` label.
    name: String,
    /// Which vendor API this source polls (a name in the vendor registry). Read from
    /// the entry before decoding (the vendor decides which other keys exist); decoded
    /// here so that a missing or non-string value is reported like any other key.
    #[allow(dead_code)]
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
///
/// Every independent mistake is reported in one go, one line each in file order: an
/// operator fixing a file should not need one run per typo. A YAML syntax error or a
/// broken top level (`sources:` not a list) stops at once, since nothing after it can
/// be read reliably; an error that only follows from another one (a key missing because
/// its value had the wrong type) is not repeated.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    // Syntax first: typed decoding reads lazily and would report a broken document as
    // a type error at the first value it could not use.
    match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
        Err(e) => {
            let (line, col) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            return Err(ConfigError(format!(
                "{file}:{line}:{col}: invalid YAML: {}",
                strip_location(&e.to_string())
            )));
        }
        // An empty file (or only comments): no keys, and so no sources.
        Ok(serde_yaml_ng::Value::Null) => {
            let mut problems = Problems::new(text, file);
            let config = validate(RawConfig::default(), &mut problems);
            return problems.into_result(config);
        }
        Ok(_) => {}
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
    let mut problems = Problems::new(text, file);
    let config = validate(raw, &mut problems);
    problems.into_result(config)
}

fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// One located error: where it is, and its full `file:line:col: path: message` text.
struct Problem {
    line: usize,
    col: usize,
    text: String,
}

/// The errors found so far in one file, reported together in file order.
struct Problems<'t> {
    text: &'t str,
    file: &'t str,
    found: Vec<Problem>,
}

impl<'t> Problems<'t> {
    fn new(text: &'t str, file: &'t str) -> Self {
        Problems {
            text,
            file,
            found: Vec::new(),
        }
    }

    fn count(&self) -> usize {
        self.found.len()
    }

    /// Records `file:line:col: path: message`, pointing at the value of `path` when
    /// `at_value` (a wrong type), else at the key, else at the entry holding it (a
    /// default that conflicts with something else is not in the file), else at the top.
    fn add(&mut self, path: &str, at_value: bool, msg: &str) {
        let parent = path.rsplit_once('.').map(|(p, _)| p).unwrap_or(path);
        let value = if at_value {
            locate::value_position(self.text, path)
        } else {
            None
        };
        let (line, col) = value
            .or_else(|| locate::position(self.text, path))
            .or_else(|| locate::position(self.text, parent))
            .unwrap_or((1, 1));
        self.add_at(line, col, path, msg);
    }

    /// Records an error at `path` where the key is known to be (`at`).
    fn add_at(&mut self, line: usize, col: usize, path: &str, msg: &str) {
        let key = if path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        };
        self.found.push(Problem {
            line,
            col,
            text: format!("{}:{line}:{col}: {key}{msg}", self.file),
        });
    }

    /// The config when nothing was found, else every error, one per line, in file order
    /// (errors at the same place keep the order they were found in).
    fn into_result(mut self, config: Config) -> Result<Config, ConfigError> {
        if self.found.is_empty() {
            return Ok(config);
        }
        self.found.sort_by_key(|p| (p.line, p.col));
        let lines: Vec<String> = self.found.into_iter().map(|p| p.text).collect();
        Err(ConfigError(lines.join("\n")))
    }
}

/// The first key of a path within a mapping (`queues` of `queues[2]`, `labels` of
/// `labels.site`).
fn first_key(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

/// Decodes `map` into `T`, recording every key that does not decode (a wrong type, an
/// unknown name) rather than only the first: serde stops at the first error, so the
/// offending key is set aside and the rest decoded again. Returns the value decoded
/// without the bad keys (`None` when it could not be decoded at all) and the keys set
/// aside; `at` turns a key path into the path errors name.
fn decode_each<T: serde::de::DeserializeOwned>(
    mut map: serde_yaml_ng::Mapping,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> (Option<T>, Vec<String>) {
    let mut dropped: Vec<String> = Vec::new();
    loop {
        let value = serde_yaml_ng::Value::Mapping(map.clone());
        let e = match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => return (Some(v), dropped),
            Err(e) => e,
        };
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        // A required key set aside for its bad value is missing now: already reported.
        if dropped
            .iter()
            .any(|k| msg == format!("missing field `{k}`"))
        {
            return (None, dropped);
        }
        if path == "." {
            problems.add(&at(""), false, &msg);
            return (None, dropped);
        }
        problems.add(&at(&path), !msg.starts_with("unknown field"), &msg);
        let key = first_key(&path).to_string();
        if map.remove(key.as_str()).is_none() {
            return (None, dropped);
        }
        dropped.push(key);
    }
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

/// One source entry after its keys were sorted out: the common keys decoded, the
/// vendor found, and the rest split into the vendor's own keys and keys of other
/// vendors (reported after the common checks, as a mistake of the file's author
/// rather than a typo).
struct SplitEntry {
    common: CommonKeys,
    vendor: Vendor,
    own: serde_yaml_ng::Mapping,
    /// Own keys set aside because their value did not decode, and the keys a misspelt
    /// key was taken for (both already reported: their absence is no news).
    bad_own: Vec<String>,
    foreign: Vec<String>,
}

/// `sources[i]`, or `sources[i].key`.
fn source_path(i: usize, key: &str) -> String {
    if key.is_empty() {
        format!("sources[{i}]")
    } else {
        format!("sources[{i}].{key}")
    }
}

/// Decodes the common keys of entry `i` and sorts out the rest, recording every error
/// serde would find while reading the document (types, names). `None` when the entry
/// cannot be checked further (its common keys or its vendor are unusable).
fn split_entry(
    i: usize,
    entry: serde_yaml_ng::Mapping,
    problems: &mut Problems,
) -> Option<SplitEntry> {
    let at = |key: &str| source_path(i, key);
    let common_names = common_keys();
    let mut common = serde_yaml_ng::Mapping::new();
    let mut rest = Vec::new();
    for (k, v) in entry {
        match k.as_str() {
            Some(name) if common_names.contains(&name) => {
                common.insert(k, v);
            }
            Some(name) => rest.push((name.to_string(), v)),
            None => problems.add(&at(""), false, &format!("keys must be strings, not {k:?}")),
        }
    }
    let vendor_name = common
        .get("vendor")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let (decoded, _) = decode_each::<CommonKeys>(common, &at, problems);
    let vendor = match vendor_name.as_deref().map(crate::sources::find) {
        Some(Some(v)) => v,
        Some(None) => {
            let names: Vec<String> = crate::sources::REGISTRY
                .iter()
                .map(|v| format!("`{}`", v.as_str()))
                .collect();
            problems.add(
                &at("vendor"),
                true,
                &format!(
                    "unknown variant `{}`, expected one of {}",
                    vendor_name.unwrap_or_default(),
                    names.join(", ")
                ),
            );
            return None;
        }
        // Missing or not a string: reported by the decode above.
        None => return None,
    };
    let mut own = serde_yaml_ng::Mapping::new();
    let mut foreign = Vec::new();
    let mut suggested = Vec::new();
    for (key, value) in rest {
        if vendor.keys().contains(&key.as_str()) {
            own.insert(serde_yaml_ng::Value::String(key), value);
        } else if crate::sources::all_vendor_keys().contains(&key.as_str()) {
            foreign.push(key);
        } else {
            let mut known: Vec<&str> = common_names.to_vec();
            known.extend(vendor.keys());
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            let meant = did_you_mean(&key, &known);
            if let Some(k) = meant {
                suggested.push((k, value));
            }
            let hint = meant
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            problems.add(
                &at(&key),
                false,
                &format!(
                    "unknown field `{key}`, expected one of {}{hint}",
                    list.join(", ")
                ),
            );
        }
    }
    // A misspelt vendor key is checked further as the key it was taken for, so that
    // the mistakes after it are found in the same run (its own error is reported).
    let mut bad_own = Vec::new();
    for (meant, value) in suggested {
        if vendor.keys().contains(&meant) && !own.contains_key(meant) {
            own.insert(serde_yaml_ng::Value::String(meant.to_string()), value);
        } else {
            bad_own.push(meant.to_string());
        }
    }
    let common = decoded?;
    // The vendor's keys, each bad one reported and set aside (as `decode_each` does).
    while let Err(fe) = vendor.check(&Entry::new(
        vendor.as_str(),
        common.base_url.as_deref(),
        own.clone(),
    )) {
        problems.add(&at(&fe.key), fe.at_value, &fe.message);
        let key = first_key(&fe.key).to_string();
        if key.is_empty() || own.remove(key.as_str()).is_none() {
            return None;
        }
        bad_own.push(key);
    }
    Some(SplitEntry {
        common,
        vendor,
        own,
        bad_own,
        foreign,
    })
}

/// The `global` values with their defaults applied.
struct Global {
    interval: Duration,
    timeout: Duration,
    max_staleness: Duration,
    max_response_bytes: u64,
    labels: BTreeMap<String, String>,
    agent_series: Option<bool>,
    agent_names: Option<bool>,
    max_agent_series: u64,
    /// Every value decoded: comparisons of inherited values can be trusted.
    sound: bool,
}

/// Decodes and checks `global` on its own lines: its values are checked against each
/// other here, so a source that inherits them is not blamed for them.
fn global(raw: Option<serde_yaml_ng::Mapping>, problems: &mut Problems) -> Global {
    let at = |key: &str| {
        if key.is_empty() {
            "global".to_string()
        } else {
            format!("global.{key}")
        }
    };
    let before = problems.count();
    let (g, _) = decode_each::<RawGlobal>(raw.unwrap_or_default(), &at, problems);
    let g = g.unwrap_or_default();
    let out = Global {
        interval: g.interval.map_or(DEFAULT_INTERVAL, |d| *d),
        timeout: g.timeout.map_or(DEFAULT_TIMEOUT, |d| *d),
        max_staleness: g.max_staleness.map_or(DEFAULT_MAX_STALENESS, |d| *d),
        max_response_bytes: g.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        labels: g.labels.clone(),
        agent_series: g.agent_series,
        agent_names: g.agent_names,
        max_agent_series: g.max_agent_series.unwrap_or(DEFAULT_MAX_AGENT_SERIES),
        sound: problems.count() == before,
    };
    if let Err(m) = check_max_agent_series(out.max_agent_series) {
        problems.add(&at("max_agent_series"), false, &m);
    }
    let mut zero = false;
    for (key, d) in [
        ("interval", out.interval),
        ("timeout", out.timeout),
        ("max_staleness", out.max_staleness),
    ] {
        if d.is_zero() {
            problems.add(&at(key), false, "must be greater than 0");
            zero = true;
        }
    }
    if out.max_response_bytes == 0 {
        problems.add(&at("max_response_bytes"), false, "must be greater than 0");
    }
    if !zero && out.sound {
        if out.timeout >= out.interval {
            let key = if g.timeout.is_some() {
                "timeout"
            } else {
                "interval"
            };
            problems.add(&at(key), false, &timeout_message(out.timeout, out.interval));
        }
        if out.max_staleness < out.interval {
            let key = if g.max_staleness.is_some() {
                "max_staleness"
            } else {
                "interval"
            };
            problems.add(
                &at(key),
                false,
                &staleness_message(out.max_staleness, out.interval),
            );
        }
    }
    if let Err((path, msg)) = check_labels(&g.labels, "global.labels") {
        problems.add(&path, false, &msg);
    }
    out
}

fn timeout_message(timeout: Duration, interval: Duration) -> String {
    format!(
        "timeout ({}) must be less than interval ({})",
        humantime::format_duration(timeout),
        humantime::format_duration(interval)
    )
}

fn staleness_message(max_staleness: Duration, interval: Duration) -> String {
    format!(
        "max_staleness ({}) must be at least the interval ({})",
        humantime::format_duration(max_staleness),
        humantime::format_duration(interval)
    )
}

fn validate(raw: RawConfig, problems: &mut Problems) -> Config {
    let g = global(raw.global, problems);
    let raw_sources = raw.sources.unwrap_or_default();
    if raw_sources.is_empty() {
        problems.add(
            "sources",
            false,
            "no sources: list at least one under `sources:` (docs/configuration.md); \
             `--demo` runs without a config file",
        );
    }
    let mut names = HashSet::new();
    let mut sources = Vec::with_capacity(raw_sources.len());
    for (i, entry) in raw_sources.into_iter().enumerate() {
        if let Some(entry) = split_entry(i, entry, problems) {
            if let Some(s) = source(i, entry, &g, &mut names, problems) {
                sources.push(s);
            }
        }
    }
    Config { sources }
}

/// Checks entry `i` whose keys decoded, recording every independent error; the source
/// when it has none.
fn source(
    i: usize,
    entry: SplitEntry,
    g: &Global,
    names: &mut HashSet<String>,
    problems: &mut Problems,
) -> Option<SourceConfig> {
    let before = problems.count();
    let at = |key: &str| source_path(i, key);
    let SplitEntry {
        common: rs,
        vendor,
        own,
        bad_own,
        foreign,
    } = entry;
    check_name(&rs.name, &at("name"), names, problems);
    let (interval, timeout, max_staleness) = timings(&rs, g, &at, problems);
    let max_response_bytes = rs.max_response_bytes.unwrap_or(g.max_response_bytes);
    if max_response_bytes == 0 && rs.max_response_bytes.is_some() {
        problems.add(&at("max_response_bytes"), false, "must be greater than 0");
    }
    let agents = agent_series(&rs, g, &at, problems);
    let state_map = state_map(&rs, &at, problems);
    if let Some(ca) = &rs.ca_file {
        if let Err(e) = std::fs::metadata(ca) {
            problems.add(
                &at("ca_file"),
                false,
                &format!("cannot read {}: {e}", ca.display()),
            );
        }
    }
    for key in &foreign {
        problems.add(&at(key), false, &format!("not a key of vendor {vendor}"));
    }
    if let Err((path, msg)) = check_labels(&rs.labels, &at("labels")) {
        problems.add(&path, false, &msg);
    }
    let mut labels = g.labels.clone();
    labels.extend(rs.labels.clone());
    let proxy = match proxy(&rs.proxy_url, &rs.proxy_url_file) {
        Ok(p) => p,
        Err((key, msg)) => {
            problems.add(&at(key), false, &msg);
            None
        }
    };
    let vendor_config =
        match vendor.config(&Entry::new(vendor.as_str(), rs.base_url.as_deref(), own)) {
            Ok(c) => Some(c),
            // A key set aside for its bad value is missing now: already reported.
            Err(fe) if bad_own.iter().any(|k| *k == first_key(&fe.key)) => None,
            Err(fe) => {
                let path = at(&fe.key);
                let (line, col) = locate::position(problems.text, &path)
                    .or_else(|| locate::position(problems.text, &at("")))
                    .unwrap_or((1, 1));
                problems.add_at(line, col, &path, &fe.message);
                None
            }
        };
    let zone = vendor_config
        .as_ref()
        .map_or(chrono_tz::UTC, |c| c.day_zone());
    let opening_hours = match rs
        .opening_hours
        .as_ref()
        .map(|raw| OpeningHours::parse(raw, zone))
        .transpose()
    {
        Ok(h) => h,
        Err(e) => {
            problems.add(&at(&format!("opening_hours.{}", e.key)), false, &e.message);
            None
        }
    };
    let vendor_config = vendor_config?;
    if problems.count() > before {
        return None;
    }
    Some(SourceConfig {
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
    })
}

/// A source name: `[a-z0-9_-]+` and unique in the file.
fn check_name(name: &str, path: &str, names: &mut HashSet<String>, problems: &mut Problems) {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        problems.add(path, false, &format!("{name:?} must match [a-z0-9_-]+"));
    } else if !names.insert(name.to_string()) {
        problems.add(path, false, &format!("duplicate source name {name:?}"));
    }
}

/// A source's `interval`, `timeout` and `max_staleness` after the `global` defaults,
/// each non-zero, the timeout shorter than the interval and the staleness limit no
/// shorter. Problems of inherited values were reported at `global`.
fn timings(
    rs: &CommonKeys,
    g: &Global,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> (Duration, Duration, Duration) {
    let interval = rs.interval.map_or(g.interval, |d| *d);
    let timeout = rs.timeout.map_or(g.timeout, |d| *d);
    let max_staleness = rs.max_staleness.map_or(g.max_staleness, |d| *d);
    let mut zero = false;
    for (key, d, own) in [
        ("interval", interval, rs.interval.is_some()),
        ("timeout", timeout, rs.timeout.is_some()),
        ("max_staleness", max_staleness, rs.max_staleness.is_some()),
    ] {
        if d.is_zero() {
            zero = true;
            // An inherited zero was reported at `global`.
            if own {
                problems.add(&at(key), false, "must be greater than 0");
            }
        }
    }
    // A comparison of two inherited values was made at `global`; one with a value
    // `global` failed to decode would blame the source for a default.
    let compare =
        |a_own: bool, b_own: bool| !zero && (a_own || b_own) && (g.sound || (a_own && b_own));
    if timeout >= interval && compare(rs.timeout.is_some(), rs.interval.is_some()) {
        let key = if rs.timeout.is_some() {
            "timeout"
        } else {
            "interval"
        };
        problems.add(&at(key), false, &timeout_message(timeout, interval));
    }
    if max_staleness < interval && compare(rs.max_staleness.is_some(), rs.interval.is_some()) {
        let key = if rs.max_staleness.is_some() {
            "max_staleness"
        } else {
            "interval"
        };
        problems.add(&at(key), false, &staleness_message(max_staleness, interval));
    }
    (interval, timeout, max_staleness)
}

/// `agent_series`, `agent_names` and `max_agent_series` after the `global` defaults.
fn agent_series(
    rs: &CommonKeys,
    g: &Global,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> AgentSeries {
    let max_agents = rs.max_agent_series.unwrap_or(g.max_agent_series);
    if rs.max_agent_series.is_some() {
        if let Err(m) = check_max_agent_series(max_agents) {
            problems.add(&at("max_agent_series"), false, &m);
        }
    }
    AgentSeries {
        series: rs.agent_series.or(g.agent_series).unwrap_or(false),
        names: rs.agent_names.or(g.agent_names).unwrap_or(true),
        // Checked to fit (here, or at `global`).
        max: usize::try_from(max_agents).unwrap_or(usize::MAX),
    }
}

/// `state_map` with each normalized state parsed.
fn state_map(
    rs: &CommonKeys,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> HashMap<String, AgentState> {
    let mut out = HashMap::new();
    for (vendor_state, st) in &rs.state_map {
        match st.parse::<AgentState>() {
            Ok(st) => {
                out.insert(vendor_state.clone(), st);
            }
            Err(e) => problems.add(&at(&format!("state_map.{vendor_state}")), false, &e),
        }
    }
    out
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
