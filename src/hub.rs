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
use std::time::SystemTime;

use arc_swap::ArcSwap;
use bytes::Bytes;

use crate::metrics;
use crate::store::SourceEntry;

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
