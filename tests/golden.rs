//! Fixture in, metrics out, for every vendor in the registry: the vendor's documented
//! examples (`tests/fixtures/<vendor>/`, routed by its `golden.yml`) are polled by the
//! real source at the examples' own time, folded into the store and rendered; the text
//! must equal `tests/golden/<vendor>.prom` (`UPDATE_GOLDEN=1` rewrites it for review).
//! Later polls of the same examples must not change a value.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::replay::GoldenCase;
use common::{assert_golden, Mock};
use contact_center_exporter::config;
use contact_center_exporter::http::{build_client, PollContext};
use contact_center_exporter::metrics;
use contact_center_exporter::sources;
use contact_center_exporter::store::SourceEntry;

async fn render(vendor: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(vendor);
    let case = GoldenCase::load(&dir);
    let mock = Mock::start(case.handler(&dir));
    let yaml = format!(
        "sources:\n  - name: {vendor}\n    vendor: {vendor}\n    base_url: {}\n{}",
        mock.url(""),
        case.keys_yaml(&dir)
    );
    let cfg = config::parse(&yaml, &format!("{vendor}/golden.yml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .sources
        .remove(0);
    let entry = Arc::new(SourceEntry::new(&cfg));
    let client = build_client(&cfg.client_options()).unwrap();
    let mut source = cfg.vendor.source(&cfg.name, &cfg.vendor_config).unwrap();
    let mut previous: Option<String> = None;
    for i in 0..case.polls {
        let now = case.now + chrono::Duration::minutes(i64::from(i));
        let ctx = PollContext::new(
            vendor,
            now,
            client.clone(),
            Duration::from_secs(5),
            cfg.max_response_bytes,
            Arc::clone(&entry.counters),
        );
        let snap = source
            .poll(&ctx)
            .await
            .unwrap_or_else(|e| panic!("{vendor} poll {i}: {e}"));
        entry
            .data
            .lock()
            .unwrap()
            .ingest(snap, &entry.mapper, now.timestamp());
        let text = metrics::render_vendor(&[&entry]);
        // Repeated polls of the same examples add nothing (state ages may move with
        // the poll time; every counter and histogram stays).
        if let Some(prev) = &previous {
            assert_eq!(
                counters(prev),
                counters(&text),
                "{vendor}: poll {i} changed a counter"
            );
        }
        previous = Some(text);
    }
    previous.expect("at least one poll")
}

/// Counter and histogram samples of an exposition text, by series.
fn counters(text: &str) -> HashMap<String, String> {
    let mut kinds = HashMap::new();
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("# TYPE ") {
            if let Some((name, kind)) = rest.split_once(' ') {
                kinds.insert(name.to_string(), kind.to_string());
            }
        }
    }
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let name = series.split('{').next().unwrap_or_default();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            matches!(
                kinds.get(name).or(kinds.get(family)).map(String::as_str),
                Some("counter" | "histogram")
            )
        })
        .map(|(s, v)| (s.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vendor_fixture_renders_its_golden_file() {
    let mut failures = Vec::new();
    for vendor in sources::REGISTRY {
        let name = vendor.as_str();
        let text = render(name).await;
        assert!(
            text.contains("contact_center_agents{"),
            "{name}: the examples gave no agents:\n{text}"
        );
        let result = std::panic::catch_unwind(|| assert_golden(&format!("{name}.prom"), &text));
        if let Err(e) = result {
            failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{name}: golden differs")),
            );
        }
        // Every golden case turns agent_series on: one current state per agent, and
        // the state set agrees with the counts.
        let agents = common::agents::check_state_sets(&text);
        // A vendor that reports agents per state as counts only has no per-agent series.
        let each_agent = sources::find(name).is_some_and(|v| v.reports_each_agent());
        assert!(
            !each_agent || agents.get(name).is_some_and(|n| *n > 0),
            "{name}: no per-agent series:\n{text}"
        );
        if let Some((ok, out)) = common::promtool_check_metrics(&text) {
            assert!(ok, "{name}: promtool check metrics: {out}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
