//! Command-line flags (docs/configuration.md), Prometheus-exporter style; every flag can also be
//! given as a `CONTACT_CENTER_EXPORTER_<FLAG>` environment variable.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};

/// Default listen port. The Prometheus "default port allocations" page has handed out
/// the whole 9100–9999 range; this port is outside it and not on that page.
pub const DEFAULT_PORT: u16 = 19947;

/// `--version` text.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (revision: ",
    env!("CCE_GIT_REVISION"),
    ", rustc: ",
    env!("CCE_RUSTC_VERSION"),
    ")"
);

/// Log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything, including each request.
    Debug,
    /// Start, stop, reloads, and failures.
    Info,
    /// Failures only.
    Warn,
    /// Only what an operator must fix.
    Error,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `key=value` pairs.
    Logfmt,
    /// One JSON object per line.
    Json,
}

/// Demo scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoScenario {
    /// Normal staffing; service level mostly meets target.
    Normal,
    /// Demand triples, agents go on break or pick up slowly: service level collapses.
    SlaBreach,
}

/// contact-center-exporter: contact-center agent, queue and service-level metrics for
/// Prometheus.
#[derive(Debug, Clone, Parser)]
#[command(name = "contact-center-exporter", version = LONG_VERSION, about, long_about = None)]
pub struct Cli {
    /// YAML configuration file.
    #[arg(
        long = "config.file",
        env = "CONTACT_CENTER_EXPORTER_CONFIG_FILE",
        default_value = "contact-center-exporter.yml"
    )]
    pub config_file: PathBuf,

    /// Validate the configuration and credential files, print a summary, and exit 0 or 1.
    #[arg(long = "config.check", env = "CONTACT_CENTER_EXPORTER_CONFIG_CHECK")]
    pub config_check: bool,

    /// With --config.check (implied): also poll every source once with its real
    /// credentials, print one line per source (up, or why not), and exit 1 if any failed.
    #[arg(long = "probe", env = "CONTACT_CENTER_EXPORTER_PROBE")]
    pub probe: bool,

    /// Address to listen on (repeatable; `:PORT` means every interface; with --demo the
    /// default is 127.0.0.1:19947).
    #[arg(
        long = "web.listen-address",
        env = "CONTACT_CENTER_EXPORTER_WEB_LISTEN_ADDRESS",
        value_delimiter = ',',
        default_value = ":19947"
    )]
    pub listen_addresses: Vec<String>,

    /// Path under which metrics are served.
    #[arg(
        long = "web.telemetry-path",
        env = "CONTACT_CENTER_EXPORTER_WEB_TELEMETRY_PATH",
        default_value = "/metrics"
    )]
    pub telemetry_path: String,

    /// TLS and basic-auth settings for this server (Prometheus exporter-toolkit format).
    #[arg(
        long = "web.config.file",
        env = "CONTACT_CENTER_EXPORTER_WEB_CONFIG_FILE"
    )]
    pub web_config_file: Option<PathBuf>,

    /// Most concurrent `/metrics` requests; more are answered 503 at once.
    #[arg(
        long = "web.max-requests",
        env = "CONTACT_CENTER_EXPORTER_WEB_MAX_REQUESTS",
        default_value_t = 40
    )]
    pub max_requests: usize,

    /// Most open connections from one client address (0: no limit); more are closed at
    /// once, so one address cannot take the connections Prometheus needs.
    #[arg(
        long = "web.max-connections-per-peer",
        env = "CONTACT_CENTER_EXPORTER_WEB_MAX_CONNECTIONS_PER_PEER",
        default_value_t = 32
    )]
    pub max_connections_per_peer: usize,

    /// Serve `POST /-/reload` (off by default; same-origin requests only). `SIGHUP`
    /// reloads either way.
    #[arg(
        long = "web.enable-lifecycle",
        env = "CONTACT_CENTER_EXPORTER_WEB_ENABLE_LIFECYCLE"
    )]
    pub enable_lifecycle: bool,

    /// Log level.
    #[arg(
        long = "log.level",
        env = "CONTACT_CENTER_EXPORTER_LOG_LEVEL",
        value_enum,
        default_value = "info"
    )]
    pub log_level: LogLevel,

    /// Log format.
    #[arg(
        long = "log.format",
        env = "CONTACT_CENTER_EXPORTER_LOG_FORMAT",
        value_enum,
        default_value = "logfmt"
    )]
    pub log_format: LogFormat,

    /// Run against the built-in simulated contact center (no config, no network).
    #[arg(long = "demo", env = "CONTACT_CENTER_EXPORTER_DEMO")]
    pub demo: bool,

    /// Random seed of the demo simulation.
    #[arg(
        long = "demo.seed",
        env = "CONTACT_CENTER_EXPORTER_DEMO_SEED",
        default_value_t = 1
    )]
    pub demo_seed: u64,

    /// Number of simulated agents.
    #[arg(
        long = "demo.agents",
        env = "CONTACT_CENTER_EXPORTER_DEMO_AGENTS",
        default_value_t = 40
    )]
    pub demo_agents: usize,

    /// Demo scenario.
    #[arg(
        long = "demo.scenario",
        env = "CONTACT_CENTER_EXPORTER_DEMO_SCENARIO",
        value_enum,
        default_value = "normal"
    )]
    pub demo_scenario: DemoScenario,

    /// Return the demo to the normal scenario after this long (e.g. `90s`); by default
    /// the scenario lasts as long as the process.
    #[arg(long = "demo.scenario-duration", env = "CONTACT_CENTER_EXPORTER_DEMO_SCENARIO_DURATION", value_parser = humantime::parse_duration)]
    pub demo_scenario_duration: Option<std::time::Duration>,

    /// Demo poll interval.
    #[arg(long = "demo.interval", env = "CONTACT_CENTER_EXPORTER_DEMO_INTERVAL", default_value = "5s", value_parser = humantime::parse_duration)]
    pub demo_interval: std::time::Duration,

    /// Directory where each source's counter state (running totals and the period
    /// ledger) is kept, so that a restart continues every counter where it stood instead
    /// of resetting it; without it, counters start afresh at every start
    /// (docs/reliability.md).
    #[arg(long = "storage.path", env = "CONTACT_CENTER_EXPORTER_STORAGE_PATH")]
    pub storage_path: Option<PathBuf>,

    /// For tests only: read every poll's time from this file (one RFC 3339 instant)
    /// instead of the system clock.
    #[arg(
        long = "testing.clock-file",
        env = "CONTACT_CENTER_EXPORTER_TESTING_CLOCK_FILE",
        hide = true
    )]
    pub testing_clock_file: Option<PathBuf>,
}

/// Where `--demo` listens unless `--web.listen-address` says otherwise: the demo page
/// is unauthenticated and needs no network, so it stays on this machine.
pub const DEMO_LISTEN_ADDRESS: &str = "127.0.0.1:19947";

/// The one-line description: what the exporter is, and the vendors of the registry by
/// their product names (so that a new vendor appears in `--help` and the man page
/// without anyone editing them).
pub fn about() -> String {
    let titles: Vec<&str> = crate::sources::REGISTRY.iter().map(|v| v.title()).collect();
    format!(
        "Prometheus exporter for contact-center platforms: {}",
        titles.join(", ")
    )
}

/// The command line as clap knows it, with the generated description.
pub fn command() -> clap::Command {
    Cli::command().about(about())
}

impl Cli {
    /// Parses the process arguments (exits with usage and status 2 on a usage error).
    pub fn from_env() -> Cli {
        Cli::from_matches(command().get_matches())
    }

    /// Parses `args` (the first is the program name), as [`Cli::from_env`] does.
    pub fn try_from_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Ok(Cli::from_matches(command().try_get_matches_from(args)?))
    }

    fn from_matches(m: clap::ArgMatches) -> Cli {
        let mut cli = match Cli::from_arg_matches(&m) {
            Ok(cli) => cli,
            Err(e) => e.exit(),
        };
        let default_listen = m.value_source("listen_addresses") == Some(ValueSource::DefaultValue);
        if cli.demo && default_listen {
            cli.listen_addresses = vec![DEMO_LISTEN_ADDRESS.to_string()];
        }
        if cli.probe {
            cli.config_check = true;
        }
        cli
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        Cli::command().debug_assert();
        let c = Cli::try_parse_from([
            "x",
            "--config.file",
            "a.yml",
            "--web.listen-address",
            "127.0.0.1:1",
            "--web.listen-address",
            ":2",
            "--log.format",
            "json",
        ])
        .unwrap();
        assert_eq!(c.config_file, PathBuf::from("a.yml"));
        assert_eq!(c.listen_addresses, vec!["127.0.0.1:1", ":2"]);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.telemetry_path, "/metrics");
        assert_eq!(c.demo_scenario_duration, None);
    }

    #[test]
    fn the_demo_listens_on_loopback_unless_told_otherwise() {
        let c = Cli::try_from_args(["x", "--demo"]).unwrap();
        assert_eq!(c.listen_addresses, vec!["127.0.0.1:19947"]);
        let c = Cli::try_from_args(["x", "--demo", "--web.listen-address", ":19948"]).unwrap();
        assert_eq!(c.listen_addresses, vec![":19948"]);
        let c = Cli::try_from_args(["x"]).unwrap();
        assert_eq!(c.listen_addresses, vec![":19947"]);
    }

    #[test]
    fn probe_implies_the_config_check() {
        let c = Cli::try_from_args(["x", "--probe"]).unwrap();
        assert!(c.probe && c.config_check);
        assert!(!Cli::try_from_args(["x"]).unwrap().config_check);
    }

    #[test]
    fn the_description_names_every_vendor_of_the_registry() {
        let help = command().render_help().to_string();
        for v in crate::sources::REGISTRY {
            assert!(
                help.contains(v.title()),
                "--help misses {}: {help}",
                v.title()
            );
        }
        assert!(help.contains("8x8 Analytics"), "{help}");
    }

    #[test]
    fn demo_scenario_duration() {
        let c = Cli::try_parse_from([
            "x",
            "--demo",
            "--demo.scenario",
            "sla-breach",
            "--demo.scenario-duration",
            "90s",
        ])
        .unwrap();
        assert_eq!(c.demo_scenario, DemoScenario::SlaBreach);
        assert_eq!(
            c.demo_scenario_duration,
            Some(std::time::Duration::from_secs(90))
        );
        let err = Cli::try_parse_from(["x", "--demo.scenario-duration", "soon"]).unwrap_err();
        assert!(
            err.to_string().contains("--demo.scenario-duration"),
            "{err}"
        );
    }
}
