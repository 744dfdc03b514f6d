//! Hostile input through each vendor's pure path: parser → normalizer → the core's
//! store → `/metrics` text, with the invariants that must hold whatever a vendor sends:
//! no panic, every value finite and non-negative, every rendered sample parseable.
//!
//! Shared by the property tests (tests/properties.rs, stable, in CI) and the
//! cargo-fuzz targets (fuzz/fuzz_targets/*.rs include this file by path). Parse errors
//! are fine: they become the `decode` outcome. Panics and broken invariants are bugs.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use contact_center_exporter::config::{self, SourceConfig};
use contact_center_exporter::metrics;
use contact_center_exporter::model::{Channel, QueueKey, Snapshot};
use contact_center_exporter::sources::{
    amazon_connect, eight_by_eight, eight_by_eight_analytics, exotel, genesys_cloud,
    twilio_taskrouter, vcc_live, voximplant,
};
use contact_center_exporter::store::SourceEntry;

/// A fixed "now" inside the fixtures' days and a second one, an hour later.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 5, 20, 13, 0, 0).unwrap()
}

fn bad(what: &str, v: f64) -> bool {
    let _ = what;
    !v.is_finite() || v < 0.0
}

/// Every number of a snapshot is finite and non-negative.
pub fn check_snapshot(s: &Snapshot) {
    for a in s.agents.iter().flatten() {
        if let Some(age) = a.state_age_seconds {
            assert!(!bad("age", age), "agent {:?}: age {age}", a.id);
        }
    }
    for q in s.queues.iter().flatten() {
        for v in [q.oldest_wait_seconds, q.sla_threshold_seconds]
            .into_iter()
            .flatten()
        {
            assert!(!bad("queue gauge", v), "queue {:?}: {v}", q.key);
        }
    }
    for i in &s.intervals {
        assert!(!bad("interval", i.seconds), "interval {i:?}");
    }
    for p in &s.state_seconds {
        assert!(!bad("state seconds", p.value), "state seconds {p:?}");
    }
    for p in &s.queue_counts {
        assert!(!bad("queue count", p.value), "queue count {p:?}");
    }
    for h in &s.queue_histograms {
        for (le, n) in &h.buckets {
            assert!(!le.is_nan(), "histogram bound {h:?}");
            assert!(*n <= h.count, "bucket above count {h:?}");
        }
        if let Some(sum) = h.sum {
            assert!(!bad("sum", sum), "histogram sum {h:?}");
        }
    }
}

/// A fresh source entry (empty store) of `vendor`; its config is parsed once per
/// process (the Voximplant one reads and checks an RSA key).
fn entry(vendor: &str) -> Arc<SourceEntry> {
    static CONFIGS: std::sync::Mutex<Vec<(String, SourceConfig)>> =
        std::sync::Mutex::new(Vec::new());
    let mut configs = CONFIGS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, cfg)) = configs.iter().find(|(v, _)| v == vendor) {
        return Arc::new(SourceEntry::new(cfg));
    }
    let cfg = source_config(vendor);
    let e = Arc::new(SourceEntry::new(&cfg));
    configs.push((vendor.to_string(), cfg));
    e
}

fn source_config(vendor: &str) -> SourceConfig {
    let keys = match vendor {
        "vcc_live" => "customer: c\n    token: t",
        "exotel" => "base_url: http://127.0.0.1:1\n    cc_id: 1\n    username: u\n    password: p",
        "eight_by_eight" => "base_url: http://127.0.0.1:1\n    tenant: t\n    token: t",
        "eight_by_eight_analytics" => "client_id: c\n    client_secret: s",
        "twilio_taskrouter" => "workspace_sid: WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    api_key_sid: SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    api_key_secret: s",
        "genesys_cloud" => "region: mypurecloud.ie\n    client_id: c\n    client_secret: s",
        "amazon_connect" => {
            "region: eu-west-2\n    instance_id: i\n    access_key_id: AKIA1\n    secret_access_key: s"
        }
        _ => "",
    };
    let yaml = if vendor == "voximplant" {
        format!(
            "sources:\n  - name: fuzz\n    vendor: voximplant\n    credentials_file: {}\n",
            fixtures_dir().join("voximplant/credentials.json").display()
        )
    } else {
        format!("sources:\n  - name: fuzz\n    vendor: {vendor}\n    {keys}\n")
    };
    config::parse(&yaml, "fuzz.yml")
        .unwrap_or_else(|e| panic!("{e}"))
        .sources
        .remove(0)
}

/// tests/fixtures, from this crate or from fuzz/ next to it.
pub fn fixtures_dir() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for p in [here.join("tests/fixtures"), here.join("../tests/fixtures")] {
        if p.is_dir() {
            return p;
        }
    }
    panic!("tests/fixtures not found from {}", here.display())
}

/// Folds the snapshots into a fresh source (twice: a re-read must add nothing) and
/// renders them; every sample must be a finite, non-negative number.
pub fn ingest_and_render(vendor: &str, snaps: Vec<Snapshot>) -> String {
    for s in &snaps {
        check_snapshot(s);
    }
    let e = entry(vendor);
    let t = now().timestamp();
    {
        let mut data = e.data.lock().unwrap();
        for s in snaps.iter().cloned() {
            data.ingest(s, &e.mapper, t);
        }
    }
    let first = metrics::render_vendor(&[&e]);
    {
        // The same periods again: counters built from periods must not move.
        let mut data = e.data.lock().unwrap();
        for mut s in snaps {
            s.intervals.clear();
            data.ingest(s, &e.mapper, t + 30);
        }
    }
    let second = metrics::render_vendor(&[&e]);
    for text in [&first, &second] {
        for l in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let v = l.rsplit(' ').next().unwrap_or_default();
            let v: f64 = v
                .parse()
                .unwrap_or_else(|_| panic!("unparseable sample {l:?}"));
            assert!(!bad("sample", v), "sample {l:?}");
        }
    }
    let counters = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.contains("_total{") && !l.contains("agent_state_seconds"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        counters(&first),
        counters(&second),
        "a re-read period counted twice"
    );
    second
}

/// Exotel: one page as sessions, and as waiting customers.
pub fn exotel(body: &[u8]) -> bool {
    let Ok(page) = exotel::types::parse_page(body) else {
        return false;
    };
    let rows: Vec<_> = page.response.into_iter().filter_map(|r| r.data).collect();
    let a = exotel::normalize(&rows, &[]);
    let b = exotel::normalize(&rows[..rows.len() / 2], &rows[rows.len() / 2..]);
    ingest_and_render("exotel", vec![a, b]);
    true
}

/// Voximplant: `selector` picks the method whose answer `body` is. Returns whether
/// anything was accepted (for the tests' check that generated payloads get past the
/// parsers).
pub fn voximplant(selector: u8, body: &[u8]) -> bool {
    use voximplant::types as t;
    let queue = voximplant::WatchedQueue {
        id: 54,
        name: "Sales".into(),
        sl_threshold: Some(20.0),
        application_id: None,
    };
    let mut snap = Snapshot::default();
    match selector % 6 {
        0 => {
            if let Ok(groups) = t::parse_status_statistics(body) {
                if let Ok((periods, _)) = voximplant::status_periods(groups) {
                    snap.state_seconds = periods;
                }
            }
        }
        1 => {
            if let Ok(records) = t::parse_queue_statistics(body) {
                if let Ok(hours) = voximplant::queue_periods(records) {
                    let (counts, hists, sla) = voximplant::queue_counters(&queue, &hours);
                    snap.queue_counts = counts;
                    snap.queue_histograms = hists;
                    if let Some(sla) = sla {
                        assert!(!bad("sla", sla), "sla {sla}");
                    }
                }
            }
        }
        2 => {
            if let Ok(state) = t::parse_acd_state(body) {
                snap.queue_agents = Some(voximplant::queue_agents_of(
                    &state,
                    std::slice::from_ref(&queue),
                ));
                snap.queues = Some(vec![voximplant::queue_gauges(
                    &queue,
                    &state,
                    Some(20.0),
                    now(),
                )]);
            }
        }
        3 => {
            if let Ok(page) = t::parse_queues(body) {
                let all = voximplant::watched_queues(&page.records, None);
                let some = voximplant::watched_queues(&page.records, Some(&[54, 55]));
                assert!(some.len() <= all.len().max(2));
            }
        }
        4 => {
            if let Ok(page) = t::parse_users(body) {
                let watched: HashSet<u64> = [54].into_iter().collect();
                snap.agents = Some(voximplant::agents_of(&page.records, None, now()));
                let some = voximplant::agents_of(&page.records, Some(&watched), now());
                assert!(some.len() <= snap.agents.as_ref().map_or(0, Vec::len));
            }
        }
        _ => {
            let _ = t::parse_applications(body);
            let _ = t::parse_result::<serde_json::Value>(body);
        }
    }
    let parsed = snap != Snapshot::default();
    ingest_and_render("voximplant", vec![snap]);
    parsed
}

/// `body` through the pure path of the registered vendor `name`; `selector` picks
/// which of its documents `body` is. A registered vendor without a path here fails the
/// property tests.
pub fn vendor(name: &str, selector: u8, body: &[u8]) -> bool {
    match name {
        "exotel" => exotel(body),
        "voximplant" => voximplant(selector, body),
        "eight_by_eight" => eight_by_eight(selector, body),
        "vcc_live" => vcc_live(selector, body),
        "eight_by_eight_analytics" => eight_by_eight_analytics(selector, body),
        "twilio_taskrouter" => twilio_taskrouter(selector, body),
        "genesys_cloud" => genesys_cloud(selector, body),
        "amazon_connect" => amazon_connect(selector, body),
        other => panic!("vendor {other} has no hostile-input path in tests/common/pipeline.rs"),
    }
}

/// 8x8: `selector` picks the list `body` is.
pub fn eight_by_eight(selector: u8, body: &[u8]) -> bool {
    use eight_by_eight::agents::{AgentBook, Change};
    use eight_by_eight::periods::{self, WatchedQueue};
    use eight_by_eight::types as t;
    let queue = WatchedQueue {
        id: "121".into(),
        key: QueueKey {
            queue: "Support".into(),
            channel: Channel::Voice,
        },
        sla_seconds: Some(20.0),
    };
    let mut snap = Snapshot::default();
    match selector % 7 {
        0 => {
            let _ = t::parse_groups(body);
        }
        1 => {
            if let Ok(events) = t::parse_status_events(body) {
                let mut book = AgentBook::default();
                let changes: Vec<Change> =
                    events.into_iter().filter_map(Change::from_event).collect();
                snap.intervals = book.apply(changes.clone(), None);
                // The same events again complete nothing.
                assert!(book.apply(changes, None).is_empty(), "events counted twice");
                snap.agents = Some(book.current(now()));
            }
        }
        2 => {
            if let Ok(stats) = t::parse_agent_status_stats(body) {
                periods::agent_state_seconds("agent", &stats, &mut snap.state_seconds);
            }
        }
        3 => {
            if let Ok(queues) = t::parse_queues(body) {
                snap.queues = Some(
                    queues
                        .iter()
                        .filter_map(WatchedQueue::from_queue)
                        .map(|q| q.gauges())
                        .collect(),
                );
            }
        }
        4 => {
            if let Ok(stats) = t::parse_statistics(body) {
                queue.counts(&stats, &mut snap.queue_counts);
            }
        }
        5 => {
            if let Ok(slas) = t::parse_online_slas(body) {
                queue.online(&slas, &mut snap.queue_histograms);
            }
        }
        _ => {
            if let Ok(slas) = t::parse_offline_slas(body) {
                queue.offline(&slas, &mut snap.queue_histograms);
            }
        }
    }
    let parsed = snap != Snapshot::default();
    ingest_and_render("eight_by_eight", vec![snap]);
    parsed
}

/// 8x8 Analytics: `selector` picks `/queues`, `/agents` or the token answer.
pub fn eight_by_eight_analytics(selector: u8, body: &[u8]) -> bool {
    use eight_by_eight_analytics::types as t;
    let day = now().timestamp() - 13 * 3600;
    let mut snap = Snapshot::default();
    match selector % 3 {
        0 => {
            if let Ok(queues) = t::parse_queues(body) {
                // Half the answer (one page of two) has no more series than all of it.
                let half = queues[..queues.len() / 2].to_vec();
                snap = eight_by_eight_analytics::normalize(queues, vec![], day);
                let half = eight_by_eight_analytics::normalize(half, vec![], day);
                assert!(half.queue_counts.len() <= snap.queue_counts.len());
            }
        }
        1 => {
            if let Ok(agents) = t::parse_agents(body) {
                let n = agents.len();
                snap = eight_by_eight_analytics::normalize(vec![], agents, day);
                assert!(snap.agents.as_ref().is_some_and(|a| a.len() <= n));
            }
        }
        _ => {
            if let Ok(token) = t::parse_token(body) {
                assert!(token.expires_in.is_none_or(|s| s >= 1));
                return true;
            }
        }
    }
    let parsed = snap != Snapshot::default();
    ingest_and_render("eight_by_eight_analytics", vec![snap]);
    parsed
}

/// Twilio TaskRouter: `selector` picks the TaskQueues list, the bulk real-time
/// statistics, a cumulative answer, the Workers list or the Activities list.
pub fn twilio_taskrouter(selector: u8, body: &[u8]) -> bool {
    use twilio_taskrouter::types as t;
    use twilio_taskrouter::DayTotals;
    let day = now().timestamp() - 13 * 3600;
    // The TaskQueues named in the fixtures and the property tests' bodies.
    let queues: Vec<t::TaskQueue> = ["WQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "WQ1", "WQ2"]
        .iter()
        .map(|sid| t::TaskQueue {
            sid: sid.to_string(),
            friendly_name: Some("Support".into()),
        })
        .collect();
    let mut snap = Snapshot::default();
    match selector % 5 {
        0 => {
            if let Ok(page) = t::parse_task_queues(body) {
                let rt = page
                    .task_queues
                    .iter()
                    .map(|q| t::QueueRealTime {
                        task_queue_sid: q.sid.clone(),
                        longest_task_waiting_age: None,
                        longest_relative_task_age_in_queue: None,
                        tasks_by_status: None,
                        activity_statistics: None,
                    })
                    .collect();
                snap =
                    twilio_taskrouter::normalize(&page.task_queues, rt, vec![], vec![], 20, now());
            }
        }
        1 => {
            if let Ok(b) = t::parse_bulk_real_time(body) {
                let n = b.task_queue_data.len();
                snap = twilio_taskrouter::normalize(
                    &queues,
                    b.task_queue_data,
                    vec![],
                    vec![],
                    20,
                    now(),
                );
                assert!(snap.queues.as_ref().is_some_and(|g| g.len() <= n));
            }
        }
        2 => {
            if let Ok(c) = t::parse_cumulative(body) {
                let totals = |c: &t::Cumulative| {
                    vec![DayTotals {
                        sid: "WQ1".into(),
                        day_start: day,
                        totals: c.clone(),
                    }]
                };
                snap = twilio_taskrouter::normalize(&queues, vec![], totals(&c), vec![], 20, now());
                // The same day read twice counts once.
                let mut twice = totals(&c);
                twice.extend(totals(&c));
                let again = twilio_taskrouter::normalize(&queues, vec![], twice, vec![], 20, now());
                assert_eq!(again.queue_counts, snap.queue_counts);
            }
        }
        3 => {
            if let Ok(page) = t::parse_workers(body) {
                let n = page.workers.len();
                snap = twilio_taskrouter::normalize(&[], vec![], vec![], page.workers, 20, now());
                assert!(snap.agents.as_ref().is_some_and(|a| a.len() <= n));
            }
        }
        _ => {
            if let Ok(page) = t::parse_activities(body) {
                let fallbacks = twilio_taskrouter::activity_fallbacks(&page.activities);
                assert!(fallbacks.len() <= page.activities.len());
                snap.state_fallbacks = fallbacks;
                // The Workers of every Activity, so the fallbacks are used when mapped.
                snap.agents = Some(
                    page.activities
                        .iter()
                        .enumerate()
                        .map(|(i, a)| contact_center_exporter::model::Agent {
                            id: format!("WK{i}"),
                            name: None,
                            vendor_state: a.friendly_name.clone().unwrap_or_default(),
                            state_age_seconds: None,
                        })
                        .collect(),
                );
            }
        }
    }
    let parsed = snap != Snapshot::default();
    ingest_and_render("twilio_taskrouter", vec![snap]);
    parsed
}

/// Genesys Cloud: `selector` picks the queue listing, the observations, the aggregates,
/// the status counts or the token answer. The answers are normalized against a queue
/// list that knows every queue id they name.
pub fn genesys_cloud(selector: u8, body: &[u8]) -> bool {
    use genesys_cloud::types as t;
    use genesys_cloud::{directory, normalize, QueueInfo};
    let day = now().timestamp() - 13 * 3600;
    // Every queue id an answer names is a known queue (two of them share a name).
    let dir_of = |ids: Vec<String>| -> Vec<QueueInfo> {
        let mut ids = ids;
        ids.sort();
        ids.dedup();
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| QueueInfo {
                label: format!("Q{}", i / 2),
                id,
                sla: vec![(Channel::Voice, 20.0)],
            })
            .collect()
    };
    let normalized = match selector % 5 {
        0 => t::parse_queue_page(body).map(|p| {
            let n = p.entities.len();
            let (dir, _) = directory(p.entities, None);
            assert!(dir.len() <= n);
            normalize(&dir, &[], &[], None, now())
        }),
        1 => t::parse_observations(body).map(|a| {
            let ids = a
                .results
                .iter()
                .flatten()
                .filter_map(|g| g.group.queue_id.clone())
                .collect();
            let dir = dir_of(ids);
            normalize(&dir, &[a], &[], None, now())
        }),
        2 => t::parse_aggregates(body).map(|a| {
            let ids = a
                .results
                .iter()
                .flatten()
                .filter_map(|g| g.group.queue_id.clone())
                .collect();
            let dir = dir_of(ids);
            // The same answer twice (a repeated poll) is the same snapshot.
            let once = normalize(&dir, &[], &[(day, a.clone())], None, now());
            let again = normalize(&dir, &[], &[(day, a.clone()), (day, a)], None, now());
            assert_eq!(once, again, "an aggregate answer counted twice");
            once
        }),
        3 => t::parse_status_counts(body).map(|c| normalize(&[], &[], &[], Some(&c), now())),
        _ => {
            if let Ok(token) = contact_center_exporter::oauth2::parse_token(body) {
                assert!(token.expires_in.is_none_or(|s| s >= 1));
                return true;
            }
            return false;
        }
    };
    let Ok(Ok(n)) = normalized else {
        return false;
    };
    let parsed = n.snapshot != Snapshot::default();
    ingest_and_render("genesys_cloud", vec![n.snapshot]);
    parsed
}

/// VCC Live: `selector` picks the state log or the online users.
pub fn vcc_live(selector: u8, body: &[u8]) -> bool {
    use vcc_live::types as t;
    let mut snap = Snapshot::default();
    if selector.is_multiple_of(2) {
        if let Ok(page) = t::parse_userstate(body) {
            let mut last_seen = BTreeMap::new();
            vcc_live::fold_changes(
                page.changes,
                chrono_tz::Europe::Budapest,
                &mut last_seen,
                &mut snap.intervals,
            );
            snap.agents = Some(vcc_live::agents(now().timestamp() as f64, &last_seen, &[]));
        }
    } else if let Ok(online) = t::parse_online_users(body) {
        snap.agents = Some(vcc_live::agents(
            now().timestamp() as f64,
            &BTreeMap::new(),
            &online,
        ));
    }
    let parsed = snap != Snapshot::default();
    ingest_and_render("vcc_live", vec![snap]);
    parsed
}

/// The config loader: any text is a config or an error naming the file, never a panic.
pub fn config_text(text: &str) {
    match config::parse(text, "fuzz.yml") {
        Ok(cfg) => {
            for s in &cfg.sources {
                assert!(!s.name.is_empty());
                assert!(s.timeout < s.interval, "{:?}", s.name);
                let _ = s.vendor_config.summary();
            }
        }
        Err(e) => assert!(e.0.starts_with("fuzz.yml:"), "error without the file: {e}"),
    }
}

/// Amazon Connect: `selector` picks the operation whose answer `body` is (ListQueues,
/// GetCurrentMetricData, GetMetricDataV2, GetCurrentUserData); the queues are the
/// fixtures' own, so that metric rows name known queues.
pub fn amazon_connect(selector: u8, body: &[u8]) -> bool {
    use amazon_connect::api::{self, Queue};
    use amazon_connect::types as t;
    let queues: Vec<Queue> = [
        ("2f6b3c1e-55a4-4e1c-9c77-0b3d1a2e4f01", "Support"),
        ("7d1e9a40-2b6c-4f3e-8a15-c4d2e6f80a02", "Sales"),
        ("c3a8f5d2-9e41-4b7a-b0c6-1d2e3f4a5b03", "Support"),
    ]
    .into_iter()
    .map(|(id, name)| Queue {
        id: id.into(),
        name: name.into(),
    })
    .collect();
    let day = now().timestamp() - 13 * 3600;
    let snap = match selector % 4 {
        0 => {
            let Ok(page) = t::parse_list_queues(body) else {
                return false;
            };
            let n = page.queue_summary_list.len();
            let mut warned = false;
            let names = ["Support".to_string()];
            let all = api::select(page.queue_summary_list.clone(), None, &mut warned);
            let some = api::select(page.queue_summary_list, Some(&names), &mut warned);
            assert!(some.len() <= all.len() && all.len() <= n);
            return true;
        }
        1 => {
            let Ok(page) = t::parse_current_metrics(body) else {
                return false;
            };
            let n = page.metric_results.len();
            let snap = amazon_connect::normalize(
                &queues,
                page.metric_results,
                vec![],
                vec![],
                now(),
                20.0,
            );
            assert!(snap.queues.as_ref().is_some_and(|q| q.len() <= n));
            snap
        }
        2 => {
            let Ok(page) = t::parse_metric_data(body) else {
                return false;
            };
            amazon_connect::normalize(
                &queues,
                vec![],
                vec![(day, page.metric_results)],
                vec![],
                now(),
                20.0,
            )
        }
        _ => {
            let Ok(page) = t::parse_user_data(body) else {
                return false;
            };
            let n = page.user_data_list.len();
            let snap = amazon_connect::normalize(
                &queues,
                vec![],
                vec![],
                page.user_data_list,
                now(),
                20.0,
            );
            assert!(snap.agents.as_ref().is_some_and(|a| a.len() <= n));
            snap
        }
    };
    let parsed = snap.queues.as_ref().is_some_and(|q| !q.is_empty())
        || !snap.queue_counts.is_empty()
        || snap.agents.as_ref().is_some_and(|a| !a.is_empty());
    ingest_and_render("amazon_connect", vec![snap]);
    parsed
}
