//! The exporter's shared state: every running source's status and data, and the
//! rendered exposition text of the vendor data ("render once, serve many").
//!
//! Pollers write here after each poll and mark the hub changed; the HTTP server reads.
//! The cached section is re-rendered at most once per change (by the first scrape after
//! polls ended, or after a source crossed its staleness limit), never per scrape; a
//! scrape shares the cached bytes and adds the small self section (each source's
//! opening-hours gauge, which turns on the clock rather than on polls, and the
//! exporter's own metrics).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use bytes::Bytes;
use chrono::{DateTime, Utc};

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
    /// `contact_center_exporter_state_write_failures_total`.
    pub state_write_failures: prometheus::IntCounter,
}

impl Hub {
    /// An empty hub with the exporter's own metrics registered.
    pub fn new() -> Arc<Self> {
        let (registry, reload_ok, reload_ts, state_write_failures) = metrics::exporter_registry();
        Arc::new(Hub {
            sources: RwLock::new(Vec::new()),
            rendered: ArcSwap::from_pointee(Rendered::default()),
            render_lock: Mutex::new(()),
            dirty: AtomicBool::new(false),
            registry,
            reload_ok,
            reload_ts,
            state_write_failures,
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

    /// The families of the per-scrape section at `now`: every source's
    /// `contact_center_source_open` (opening hours turn on the clock, not on polls),
    /// build info, reload status, process metrics.
    pub fn self_families(&self, now: SystemTime) -> Vec<prometheus::proto::MetricFamily> {
        let mut families = metrics::open_families(&self.sources(), DateTime::<Utc>::from(now));
        families.extend(self.registry.gather());
        families
    }

    /// The per-scrape section at `now` as exposition text.
    pub fn self_section(&self, now: SystemTime) -> String {
        metrics::encode(&self.self_families(now))
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
            let mut own = crate::openmetrics::encode(&self.self_families(now));
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
        let own = self.self_section(now);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::negotiate::Format;

    fn hub(yaml_sources: &str) -> Arc<Hub> {
        let cfg = crate::config::parse(&format!("sources:\n{yaml_sources}"), "t.yml").unwrap();
        let hub = Hub::new();
        hub.set_sources(
            cfg.sources
                .iter()
                .map(|s| Arc::new(SourceEntry::new(s)))
                .collect(),
        );
        hub
    }

    fn body(hub: &Hub, at: &str, format: Format) -> String {
        let now: SystemTime = DateTime::parse_from_rfc3339(at).unwrap().into();
        let chunks = hub.scrape_as(now, format, false);
        chunks
            .iter()
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect()
    }

    const EXOTEL: &str = "    vendor: exotel\n    base_url: http://127.0.0.1:1\n    cc_id: 6\n    username: u\n    password: p\n";

    /// The open gauge follows the scrape's clock, with no poll in between, in both
    /// formats; a source without opening hours is always open.
    #[test]
    fn open_is_evaluated_at_scrape_time() {
        let hub = hub(&format!(
            "  - name: hours\n{EXOTEL}    labels: {{site: bud}}\n    opening_hours:\n      time_zone: Europe/Budapest\n      weekly: [\"mon-fri 08:00-18:00\"]\n      closed: [\"2026-12-25\"]\n  - name: always\n{EXOTEL}"
        ));
        let open = r#"contact_center_source_open{source="hours",vendor="exotel",site="bud"}"#;
        let always = r#"contact_center_source_open{source="always",vendor="exotel"}"#;
        for (at, want) in [
            // Wednesday 2026-06-10, 09:30 and 18:30 in Budapest.
            ("2026-06-10T07:30:00Z", 1.0),
            ("2026-06-10T16:30:00Z", 0.0),
            // A closed Friday, then a Saturday.
            ("2026-12-25T10:00:00Z", 0.0),
            ("2026-12-24T10:00:00Z", 1.0),
            ("2026-12-26T10:00:00Z", 0.0),
        ] {
            for format in [Format::Text, Format::OpenMetrics] {
                let text = body(&hub, at, format);
                let value = |series: &str| {
                    text.lines()
                        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
                        .map(|v| v.parse::<f64>().unwrap())
                };
                assert_eq!(value(open), Some(want), "{at} {format:?}:\n{text}");
                assert_eq!(value(always), Some(1.0), "{at} {format:?}");
                if format.is_openmetrics() {
                    assert!(text.ends_with("\n# EOF\n"), "{text}");
                    assert_eq!(text.matches("# EOF").count(), 1);
                    assert!(text.contains("# TYPE contact_center_source_open gauge\n"));
                }
            }
        }
    }

    /// A source's static labels are on each of its status series and on no other
    /// source's.
    #[test]
    fn static_labels_are_on_every_series_of_their_source_only() {
        let hub = hub(&format!(
            "  - name: labelled\n{EXOTEL}    labels: {{tenant: acme, site: bud}}\n  - name: plain\n{EXOTEL}"
        ));
        let text = body(&hub, "2026-06-10T07:30:00Z", Format::Text);
        let mut labelled = 0;
        for l in text.lines().filter(|l| l.contains("source=\"")) {
            if l.contains("source=\"labelled\"") {
                labelled += 1;
                assert!(l.contains(",site=\"bud\",tenant=\"acme\""), "{l}");
            } else {
                assert!(!l.contains("tenant=") && !l.contains("site="), "{l}");
            }
        }
        // up, last success, interval, failures, open and the poll histogram's 13 lines.
        assert!(labelled >= 18, "{labelled}:\n{text}");
    }
}
