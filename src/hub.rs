//! The exporter's shared state: every running source's status and data, and the
//! rendered exposition text of the vendor data ("render once, serve many").
//!
//! Pollers write here after each poll and mark the hub changed; the HTTP server reads.
//! The cached section is re-rendered at most once per change (by the first scrape after
//! polls ended, or after a source crossed its staleness limit), never per scrape; a
//! scrape shares the cached bytes and adds the small self section.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use bytes::Bytes;

use crate::config::SourceConfig;
use crate::http::RequestCounters;
use crate::metrics;
use crate::sources::Vendor;
use crate::state::StateMapper;
use crate::store::SourceData;

/// How a source's last polls went.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Whether the last poll succeeded.
    pub up: bool,
    /// When the last successful poll finished.
    pub last_success: Option<SystemTime>,
    /// The last failed poll's error (cleared on success).
    pub last_error: Option<String>,
    /// Polls finished, successful or not.
    pub polls: u64,
    /// Failed polls since the last success.
    pub consecutive_failures: u32,
}

/// One configured source as the core sees it.
pub struct SourceEntry {
    /// Source name (`source` label).
    pub name: String,
    /// Vendor (`vendor` label).
    pub vendor: Vendor,
    /// Poll interval.
    pub interval: Duration,
    /// Staleness limit.
    pub max_staleness: Duration,
    /// Vendor → normalized state mapping of this source.
    pub mapper: StateMapper,
    /// Poll status.
    pub status: Mutex<Status>,
    /// Accumulated vendor data.
    pub data: Mutex<SourceData>,
    /// Requests and records counters.
    pub counters: Arc<RequestCounters>,
    /// Poll durations.
    pub poll_duration: prometheus::Histogram,
    /// The config this entry was built from (to tell changed sources on reload).
    pub config: SourceConfig,
}

impl SourceEntry {
    /// A fresh entry for `cfg`.
    pub fn new(cfg: &SourceConfig) -> Self {
        SourceEntry {
            name: cfg.name.clone(),
            vendor: cfg.vendor,
            interval: cfg.interval,
            max_staleness: cfg.max_staleness,
            mapper: StateMapper::new(&cfg.name, cfg.vendor, &cfg.state_map),
            status: Mutex::new(Status::default()),
            data: Mutex::new(SourceData::default()),
            counters: Arc::new(RequestCounters::default()),
            poll_duration: metrics::poll_duration_histogram(&cfg.name, cfg.vendor),
            config: cfg.clone(),
        }
    }

    /// A copy of the status.
    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the data is recent enough to export at `now`.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        // Called for every source on every scrape: read the one field under the lock
        // rather than cloning the status (and its last error text).
        let last_success = self
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last_success;
        match last_success {
            Some(t) => now.duration_since(t).unwrap_or_default() <= self.max_staleness,
            None => false,
        }
    }
}

/// The rendered cached section (vendor data of fresh sources and every source's status)
/// and what it was rendered from.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Exposition text.
    pub text: Bytes,
    /// The same, compressed as the start of a gzip stream that each scrape completes.
    pub gz: crate::gzip::GzipPrefix,
    /// The same families as OpenMetrics text (without `# EOF`, which ends the self
    /// section of each scrape).
    pub openmetrics: Bytes,
    /// [`Rendered::openmetrics`] as the start of a gzip stream.
    pub openmetrics_gz: crate::gzip::GzipPrefix,
    /// Names of the sources whose data it contains.
    pub included: Vec<String>,
}

/// Shared state of the running exporter.
pub struct Hub {
    sources: RwLock<Vec<Arc<SourceEntry>>>,
    rendered: ArcSwap<Rendered>,
    render_lock: Mutex<()>,
    /// A poll ended since the last render.
    dirty: AtomicBool,
    /// Registry of the exporter's own fixed metrics (build info, reload, process).
    pub registry: prometheus::Registry,
    /// `contact_center_exporter_config_last_reload_successful`.
    pub reload_ok: prometheus::Gauge,
    /// `contact_center_exporter_config_last_reload_success_timestamp_seconds`.
    pub reload_ts: prometheus::Gauge,
}

impl Hub {
    /// An empty hub with the exporter's own metrics registered.
    pub fn new() -> Arc<Self> {
        let (registry, reload_ok, reload_ts) = metrics::exporter_registry();
        Arc::new(Hub {
            sources: RwLock::new(Vec::new()),
            rendered: ArcSwap::from_pointee(Rendered::default()),
            render_lock: Mutex::new(()),
            dirty: AtomicBool::new(false),
            registry,
            reload_ok,
            reload_ts,
        })
    }

    /// The current sources, by name.
    pub fn sources(&self) -> Vec<Arc<SourceEntry>> {
        self.sources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the set of sources and re-renders.
    pub fn set_sources(&self, mut entries: Vec<Arc<SourceEntry>>) {
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        *self.sources.write().unwrap_or_else(|e| e.into_inner()) = entries;
        self.render(SystemTime::now());
    }

    /// Whether every source has finished its first poll.
    pub fn ready(&self) -> bool {
        self.sources().iter().all(|s| s.status().polls > 0)
    }

    /// Rebuilds the vendor section from every fresh source.
    pub fn render(&self, now: SystemTime) {
        let _guard = self.render_lock.lock().unwrap_or_else(|e| e.into_inner());
        let sources = self.sources();
        let fresh: Vec<&Arc<SourceEntry>> = sources.iter().filter(|s| s.is_fresh(now)).collect();
        // Vendor data of fresh sources, then every source's own status: both change only
        // when a poll ends, so both are rendered here rather than per scrape. Both
        // formats come from the same families: one read of the sources' data, so they
        // cannot disagree. Both are built eagerly (not on first request) because a
        // render costs little next to a poll interval and keeps scrapes lock-free.
        let mut families = metrics::vendor_families(&fresh);
        families.extend(metrics::source_families(&sources));
        let text = metrics::encode(&families);
        let openmetrics = crate::openmetrics::encode(&families);
        let gz = crate::gzip::GzipPrefix::new(text.as_bytes());
        let openmetrics_gz = crate::gzip::GzipPrefix::new(openmetrics.as_bytes());
        self.rendered.store(Arc::new(Rendered {
            text: Bytes::from(text),
            gz,
            openmetrics: Bytes::from(openmetrics),
            openmetrics_gz,
            included: fresh.iter().map(|s| s.name.clone()).collect(),
        }));
    }

    /// The vendor section, re-rendered first if a source crossed its staleness limit
    /// since the last render (cost: one comparison per source).
    pub fn vendor_section(&self, now: SystemTime) -> Arc<Rendered> {
        let current = self.rendered.load_full();
        let sources = self.sources();
        let fresh: Vec<&str> = sources
            .iter()
            .filter(|s| s.is_fresh(now))
            .map(|s| s.name.as_str())
            .collect();
        let stale_set_changed = fresh
            .iter()
            .copied()
            .ne(current.included.iter().map(String::as_str));
        if self.dirty.swap(false, Ordering::AcqRel) || stale_set_changed {
            self.render(now);
            return self.rendered.load_full();
        }
        current
    }

    /// Notes that a poll ended (data or status changed). The next scrape re-renders
    /// once, however many polls ended since: rendering on every poll would redo all
    /// sources' text and gzip per poll, on the pollers' worker threads, for data no
    /// one has asked for yet.
    pub fn mark_changed(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// The per-scrape section: build info, reload status, process metrics.
    pub fn self_section(&self) -> String {
        metrics::encode(&self.registry.gather())
    }

    /// The `/metrics` body as chunks to send in order: the cached section (shared, not
    /// copied) and the fresh per-scrape section; with `gzip`, the cached compressed
    /// prefix and the compressed rest of one gzip stream.
    pub fn scrape(&self, now: SystemTime, gzip: bool) -> Vec<Bytes> {
        self.scrape_as(now, crate::negotiate::Format::Text, gzip)
    }

    /// [`Hub::scrape`] in `format`. An OpenMetrics body is the cached OpenMetrics
    /// section, the self section in OpenMetrics and `# EOF`.
    pub fn scrape_as(
        &self,
        now: SystemTime,
        format: crate::negotiate::Format,
        gzip: bool,
    ) -> Vec<Bytes> {
        let cached = self.vendor_section(now);
        if format.is_openmetrics() {
            let mut own = crate::openmetrics::encode(&self.registry.gather());
            own.push_str(crate::openmetrics::EOF);
            return if gzip {
                vec![
                    cached.openmetrics_gz.prefix(),
                    Bytes::from(cached.openmetrics_gz.finish_tail(own.as_bytes())),
                ]
            } else {
                vec![cached.openmetrics.clone(), Bytes::from(own)]
            };
        }
        let own = self.self_section();
        if gzip {
            vec![
                cached.gz.prefix(),
                Bytes::from(cached.gz.finish_tail(own.as_bytes())),
            ]
        } else {
            vec![cached.text.clone(), Bytes::from(own)]
        }
    }

    /// Index of sources by name (for reload).
    pub fn by_name(&self) -> HashMap<String, Arc<SourceEntry>> {
        self.sources()
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect()
    }
}
