//! End to end with a real Prometheus (Debian's `prometheus` package): the exporter runs
//! its built-in demo, Prometheus scrapes it on loopback, and the series are read back
//! through Prometheus's HTTP API. Prometheus 2.x asks for OpenMetrics first, so this is
//! also the OpenMetrics end-to-end test: its metadata must show OpenMetrics counter
//! families, and every series it stored must equal the text format's sample.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::prometheus::{query, results, start_prometheus};
use common::{http_request, Exporter};

fn api_get(port: u16, path: &str) -> serde_json::Value {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    match http_request(addr, "GET", path, &[]) {
        Some((200, _, body)) => serde_json::from_slice(&body).unwrap(),
        _ => serde_json::Value::Null,
    }
}

/// `name{label="value",...}` with labels sorted, from a text-format sample line.
fn text_series(line: &str) -> Option<(String, f64)> {
    let (series, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let Some((name, rest)) = series.split_once('{') else {
        return Some((format!("{series}{{}}"), value));
    };
    let mut labels = Vec::new();
    let mut rest = rest.strip_suffix('}')?;
    while let Some((label, after)) = rest.split_once("=\"") {
        // The value runs to the first quote that is not escaped.
        let mut v = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => v.push('\n'),
                    Some((_, other)) => v.push(other),
                    None => return None,
                },
                '"' => {
                    end = Some(i);
                    break;
                }
                c => v.push(c),
            }
        }
        labels.push(format!("{}={v:?}", label.trim_start_matches(',')));
        rest = &after[end? + 1..];
    }
    labels.sort();
    Some((format!("{name}{{{}}}", labels.join(",")), value))
}

/// The same key for a series of a Prometheus query result, without the target labels.
fn prometheus_series(r: &serde_json::Value) -> (String, f64) {
    let metric = r["metric"].as_object().unwrap();
    let mut labels: Vec<String> = metric
        .iter()
        .filter(|(k, _)| !["__name__", "job", "instance"].contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap()))
        .collect();
    labels.sort();
    let value = r["value"][1].as_str().unwrap().parse().unwrap();
    (
        format!(
            "{}{{{}}}",
            metric["__name__"].as_str().unwrap(),
            labels.join(",")
        ),
        value,
    )
}

#[test]
fn prometheus_scrapes_the_demo() {
    // One poll per source for the whole test, so that what Prometheus stored can be
    // compared with a scrape of the exporter series by series.
    let exporter = Exporter::demo(&["--demo.interval", "1h"]);
    let Some(prom) = start_prometheus(&exporter.addr.to_string()) else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut up = Vec::new();
    let mut agents = Vec::new();
    while Instant::now() < deadline {
        up = results(&query(prom.port, "contact_center_source_up == 1"));
        agents = results(&query(prom.port, "contact_center_agents"));
        if up.len() == contact_center_exporter::sources::REGISTRY.len() && !agents.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        !up.is_empty(),
        "no contact_center_source_up == 1 in Prometheus; exporter log:\n{}",
        exporter.log_lines().join("\n")
    );
    let sources: Vec<String> = up
        .iter()
        .map(|r| r["metric"]["source"].as_str().unwrap().to_string())
        .collect();
    assert!(sources.contains(&"demo-exotel".to_string()), "{sources:?}");
    // Every healthy source exports all eight normalized states.
    for s in &sources {
        let states: Vec<&str> = agents
            .iter()
            .filter(|r| r["metric"]["source"] == s.as_str())
            .map(|r| r["metric"]["state"].as_str().unwrap())
            .collect();
        for want in contact_center_exporter::state::AgentState::ALL.map(|s| s.as_str()) {
            assert!(states.contains(&want), "{s} lacks state {want}: {states:?}");
        }
    }
    // The scrape itself is healthy (gzip negotiated by Prometheus, format accepted).
    let target_up = results(&query(prom.port, "up{job=\"contact-center\"}"));
    assert_eq!(target_up[0]["value"][1], "1");
    // Agents counted by Prometheus match the simulated contact center's size at most.
    let total = results(&query(prom.port, "sum by (source) (contact_center_agents)"));
    for r in total {
        let n: f64 = r["value"][1].as_str().unwrap().parse().unwrap();
        assert!(n > 0.0 && n <= 40.0, "{r}");
    }

    // Prometheus negotiated OpenMetrics: its metadata names the counter family without
    // `_total`, which only an OpenMetrics `# TYPE` line does.
    let metadata = |metric: &str| {
        api_get(
            prom.port,
            &format!(
                "/api/v1/targets/metadata?match_target=%7Bjob%3D%22contact-center%22%7D&metric={metric}"
            ),
        )["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let family = metadata("contact_center_queue_entered");
    assert_eq!(
        family.first().map(|m| m["type"].clone()),
        Some("counter".into()),
        "{family:?}"
    );
    assert!(metadata("contact_center_queue_entered_total").is_empty());

    // Every series Prometheus stored from OpenMetrics equals the text format's sample,
    // histogram buckets (`le`) included.
    let stored: BTreeMap<String, f64> = results(&query(
        prom.port,
        "{__name__=~\"contact_center_.+\",job=\"contact-center\"}",
    ))
    .iter()
    .map(prometheus_series)
    .collect();
    let text: BTreeMap<String, f64> = exporter
        .scrape()
        .lines()
        .filter(|l| l.starts_with("contact_center_"))
        .filter_map(text_series)
        .collect();
    assert!(
        text.len() > 300,
        "only {} series in the text format",
        text.len()
    );
    let differ: Vec<String> = text
        .iter()
        .filter(|(k, v)| stored.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: text {v}, Prometheus {:?}", stored.get(k)))
        .chain(
            stored
                .keys()
                .filter(|k| !text.contains_key(*k))
                .map(|k| format!("{k}: only in Prometheus")),
        )
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
