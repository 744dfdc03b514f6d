//! Wiring: config (or demo), pollers, HTTP server, signals, reloads, shutdown.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use crate::cli::{Cli, DemoScenario};
use crate::config::{self, Config, SourceConfig};
use crate::hub::Hub;
use crate::persist::{StateDir, REMOVED_SOURCE_GRACE};
use crate::poller::Prepared;
use crate::server::{self, ReloadRequest, ServerState};
use crate::simulator::{self, ContactCenter, Scenario, SimOptions};
use crate::sources;
use crate::store::SourceEntry;

/// `--config.check`: loads the config and the credential files, prints one line per
/// source, and returns the exit code. With `probe` (`--probe`) every source is then
/// polled once with its real credentials: one line each, up or the error the daemon
/// would log (which never holds a secret), and exit 1 when any is down.
pub fn config_check(path: &std::path::Path, probe: bool) -> i32 {
    let config = match config::load(path).and_then(|c| {
        for s in &c.sources {
            crate::http::build_client(&s.client_options()).map_err(|e| {
                config::ConfigError(format!("{}: source {}: {e}", path.display(), s.name))
            })?;
        }
        Ok(c)
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!("{}: OK, {} source(s)", path.display(), config.sources.len());
    for s in &config.sources {
        let common = s.common_summary();
        println!(
            "  {} ({}): every {}, timeout {}, {}{}{}",
            s.name,
            s.vendor,
            humantime::format_duration(s.interval),
            humantime::format_duration(s.timeout),
            s.vendor_config.summary(),
            if common.is_empty() { "" } else { "; " },
            common
        );
    }
    if !probe {
        return 0;
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return 1;
        }
    };
    let lines = rt.block_on(probe_all(&config));
    println!("probe: one poll per source with its real credentials");
    let mut down = 0;
    for (name, vendor, outcome) in &lines {
        match outcome {
            Ok(what) => println!("  {name} ({vendor}): up, {what}"),
            Err(e) => {
                down += 1;
                println!("  {name} ({vendor}): DOWN: {e}");
            }
        }
    }
    if down > 0 {
        eprintln!("{down} of {} source(s) down", lines.len());
        1
    } else {
        0
    }
}

/// Polls every source of `config` once, all at once (each within its poll deadline):
/// name, vendor, and what it reported or why it failed.
async fn probe_all(config: &Config) -> Vec<(String, String, Result<String, String>)> {
    let probes = config.sources.iter().map(|s| async move {
        let started = std::time::Instant::now();
        let outcome = match Prepared::new(s) {
            Ok(p) => p.probe().await.map(|snap| {
                let count = |n: Option<usize>, what: &str| match n {
                    Some(n) => format!("{n} {what}"),
                    None => format!("no {what} reported"),
                };
                format!(
                    "{}, {} in {:.1}s",
                    count(snap.agents.as_ref().map(Vec::len), "agents"),
                    count(snap.queues.as_ref().map(Vec::len), "queues"),
                    started.elapsed().as_secs_f64()
                )
            }),
            Err(e) => Err(e),
        };
        (s.name.clone(), s.vendor.to_string(), outcome)
    });
    futures_util::future::join_all(probes).await
}

/// Where sources come from: a file, or the demo (whose config never changes).
enum Origin {
    File(PathBuf),
    Demo(Config),
}

impl Origin {
    fn load(&self) -> Result<Config, String> {
        match self {
            Origin::File(p) => config::load(p).map_err(|e| e.0),
            Origin::Demo(c) => Ok(c.clone()),
        }
    }
}

/// The running sources: hub entries and their poll tasks.
struct Running {
    hub: Arc<Hub>,
    tasks: HashMap<String, JoinHandle<()>>,
    /// `--storage.path`: where sources keep their counters.
    state: Option<Arc<StateDir>>,
}

impl Running {
    /// Applies `cfg`: unchanged sources keep running with their data; a source whose
    /// identity ([`SourceConfig::identity`]: vendor, account, filters, time zone, labels,
    /// state map) is unchanged but whose other settings changed restarts its poller and
    /// keeps its counters; a source with another identity starts afresh (Prometheus
    /// reads a counter reset); a new source continues from its state file when it has
    /// one of the same identity; removed ones stop and their series vanish. Nothing
    /// changes unless every new source could be prepared.
    fn apply(&mut self, cfg: &Config) -> Result<(), String> {
        let current = self.hub.by_name();
        let mut prepared: Vec<Prepared> = Vec::new();
        let mut keep: Vec<Arc<SourceEntry>> = Vec::new();
        for s in &cfg.sources {
            let p = match current.get(&s.name) {
                Some(e) if e.config == *s => {
                    keep.push(Arc::clone(e));
                    continue;
                }
                Some(e) if e.config.identity() == s.identity() => {
                    tracing::info!(source = %s.name, "source settings changed; its counters continue (same vendor, account, filters, labels)");
                    Prepared::new(s)?.continuing(e)
                }
                Some(_) => {
                    tracing::warn!(source = %s.name, "source settings that define its data changed (vendor, account, filters, time zone, labels or state map): its counters start afresh");
                    Prepared::new(s)?
                }
                None => {
                    let p = Prepared::new(s)?;
                    match self.state.as_ref().and_then(|d| d.restore(s)) {
                        Some(data) => p.with_data(data),
                        None => p,
                    }
                }
            };
            prepared.push(p.saving_to(self.state.clone()));
        }
        if let Some(dir) = &self.state {
            let names: HashSet<String> = cfg.sources.iter().map(|s| s.name.clone()).collect();
            for f in dir.forget_removed(&names, REMOVED_SOURCE_GRACE, SystemTime::now()) {
                tracing::info!(file = %f, "state of a source removed from the configuration over 48 h ago deleted");
            }
        }
        let kept: Vec<String> = keep.iter().map(|e| e.name.clone()).collect();
        self.tasks.retain(|name, task| {
            let stays = kept.contains(name);
            if !stays {
                task.abort();
            }
            stays
        });
        let mut entries = keep;
        for p in prepared {
            entries.push(p.entry());
            let name = p.entry().name.clone();
            let task = p.spawn(Arc::clone(&self.hub));
            self.tasks.insert(name, task);
        }
        self.hub.set_sources(entries);
        Ok(())
    }

    fn reload(&mut self, origin: &Origin) -> Result<(), String> {
        crate::systemd::reloading();
        let result = origin.load().and_then(|c| self.apply(&c));
        crate::systemd::ready(&format!("{} source(s)", self.tasks.len()));
        match &result {
            Ok(()) => {
                self.hub.reload_ok.set(1.0);
                self.hub.reload_ts.set(unix_now());
                tracing::info!(sources = self.tasks.len(), "configuration reloaded");
            }
            Err(e) => {
                self.hub.reload_ok.set(0.0);
                tracing::error!(error = %e, "configuration reload failed; keeping the previous configuration");
            }
        }
        result
    }

    fn stop(&mut self) {
        for (_, t) in self.tasks.drain() {
            t.abort();
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Starts the simulated contact center and returns a config with one source per
/// vendor that has a simulated API, all pointed at it.
pub async fn start_demo(cli: &Cli) -> Result<(Config, Arc<Mutex<ContactCenter>>), String> {
    let opts = SimOptions {
        seed: cli.demo_seed,
        agents: cli.demo_agents.clamp(1, 100_000),
        scenario: match cli.demo_scenario {
            DemoScenario::Normal => Scenario::Normal,
            DemoScenario::SlaBreach => Scenario::SlaBreach,
        },
    };
    let now = chrono::Utc::now();
    let mut sim = ContactCenter::new(&opts, now);
    if let Some(d) = cli.demo_scenario_duration {
        let at = chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .ok_or_else(|| {
                format!(
                    "--demo.scenario-duration {} is too long",
                    humantime::format_duration(d)
                )
            })?;
        sim.schedule_scenario(at, Scenario::Normal);
    }
    let cc = Arc::new(Mutex::new(sim));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("cannot start the demo simulator: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut host = simulator::host::Host::new(Arc::clone(&cc));
    let mut sources_cfg = Vec::new();
    let interval = cli.demo_interval.max(Duration::from_secs(1));
    for &vendor in sources::REGISTRY {
        let base = url::Url::parse(&format!("http://{addr}/{}", vendor.as_str()))
            .map_err(|e| e.to_string())?;
        let (vendor_config, api) = vendor.demo(&base);
        host.mount(vendor.as_str(), api);
        sources_cfg.push(SourceConfig {
            name: format!("demo-{}", vendor.as_str().replace('_', "-")),
            vendor,
            interval,
            timeout: (interval / 2).max(Duration::from_millis(500)),
            max_staleness: (interval * 10).max(Duration::from_secs(60)),
            max_response_bytes: config::DEFAULT_MAX_RESPONSE_BYTES,
            state_map: HashMap::new(),
            ca_file: None,
            insecure_skip_verify: false,
            labels: Default::default(),
            proxy: None,
            opening_hours: None,
            // The demo's people are made up: show them, with their per-agent series,
            // so the status page and the dashboard's agents table fill (where the
            // vendor reports each agent: a counts-only vendor would warn of it).
            agents: config::AgentSeries {
                series: vendor.reports_each_agent(),
                ..Default::default()
            },
            vendor_config,
        });
    }
    tokio::spawn(Arc::new(host).serve(listener));
    tracing::info!(simulator = %addr, sources = sources_cfg.len(), seed = opts.seed, agents = opts.agents, scenario = ?opts.scenario, scenario_duration = ?cli.demo_scenario_duration, "demo contact center started");
    Ok((
        Config {
            sources: sources_cfg,
        },
        cc,
    ))
}

/// Runs the exporter until SIGTERM/SIGINT; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let hub = Hub::new();
    let (origin, _sim) = if cli.demo {
        let (cfg, cc) = start_demo(&cli).await.map_err(anyhow::Error::msg)?;
        (Origin::Demo(cfg), Some(cc))
    } else {
        (Origin::File(cli.config_file.clone()), None)
    };
    let initial = match origin.load() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot load configuration");
            return Ok(1);
        }
    };
    let state = cli.storage_path.as_deref().map(|dir| {
        Arc::new(StateDir::open(dir).unwrap_or_else(|e| {
            tracing::error!(error = %e, "state directory unusable: counters will not survive a restart");
            StateDir::unchecked(dir)
        }))
    });
    if state.is_none() {
        tracing::info!("no --storage.path: counters start afresh at every start");
    }
    let mut running = Running {
        hub: Arc::clone(&hub),
        tasks: HashMap::new(),
        state,
    };
    if let Err(e) = running.apply(&initial) {
        tracing::error!(error = %e, "cannot start sources");
        return Ok(1);
    }
    hub.reload_ok.set(1.0);
    hub.reload_ts.set(unix_now());

    let web = match crate::web_config::WebConfigWatch::new(cli.web_config_file.clone()) {
        Ok(w) => Arc::new(w),
        Err(e) => {
            tracing::error!(error = %e, "invalid --web.config.file");
            running.stop();
            return Ok(1);
        }
    };
    let listeners = match server::bind(&cli.listen_addresses).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen");
            running.stop();
            return Ok(1);
        }
    };
    let addrs: Vec<String> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .map(|a| a.to_string())
        .collect();
    let (reload_tx, mut reload_rx) = mpsc::channel::<ReloadRequest>(8);
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let state = Arc::new(ServerState {
        hub: Arc::clone(&hub),
        telemetry_path: cli.telemetry_path.clone(),
        reload: reload_tx,
        scrape_permits: Arc::new(Semaphore::new(cli.max_requests.max(1))),
        web,
        auth_limiter: crate::basic_auth::AuthLimiter::default(),
        peers: crate::peer_limit::PeerLimit::new(cli.max_connections_per_peer),
        lifecycle: cli.enable_lifecycle,
    });
    let server = tokio::spawn(server::serve(listeners, state, shutdown_rx));
    tracing::info!(version = crate::cli::LONG_VERSION, listen = %addrs.join(","), sources = running.tasks.len(), "contact-center-exporter started");

    let mut signals = signal_hook_tokio::Signals::new([SIGHUP, SIGTERM, SIGINT])?;
    // Ready only now: a reload signal sent right after READY=1 must find its handler.
    crate::systemd::ready(&format!("{} source(s)", running.tasks.len()));
    let _watchdog = crate::systemd::spawn_watchdog();
    loop {
        tokio::select! {
            sig = signals.next() => match sig {
                Some(SIGHUP) => { let _ = running.reload(&origin); }
                Some(_) | None => break,
            },
            Some(reply) = reload_rx.recv() => {
                let _ = reply.send(running.reload(&origin));
            }
        }
    }
    tracing::info!("shutting down");
    crate::systemd::stopping();
    running.stop();
    let _ = shutdown_tx.send(true);
    let _ = server.await;
    Ok(0)
}
