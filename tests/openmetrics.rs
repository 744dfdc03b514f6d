//! OpenMetrics from the real binary, read by a strict parser: Debian's
//! `python3-prometheus-client` (`prometheus_client.openmetrics.parser`, through
//! `tests/tools/exposition_samples.py`) parses what the demo answers to Prometheus's
//! `Accept` header, plain and gzip, and every sample must equal the text format's.
//! The text format itself must still pass `promtool check metrics`.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{http_request, promtool_check_metrics, sample, tools_required, Exporter};

/// What Prometheus 2.x sends to every target.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const PYTHON: &str = "/usr/bin/python3";

/// Whether Debian's prometheus_client is there (or the test must fail without it).
fn parser_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import prometheus_client.openmetrics.parser"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !tools_required(),
            "python3-prometheus-client is not installed (scripts/test-all.sh installs it)"
        );
        eprintln!("python3-prometheus-client not installed; skipping");
    }
    ok
}

/// Samples of `body` parsed as `format` (`openmetrics` or `text`): `name{labels}` (labels
/// sorted) → value as Python prints the float. Panics with the parser's message if
/// the body is invalid.
fn samples(format: &str, body: &[u8]) -> BTreeMap<String, String> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/tools/exposition_samples.py"
    );
    let mut child = Command::new(PYTHON)
        .arg(script)
        .arg(format)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the parser");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the {format} parser rejected the body: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(body)
    );
    let parsed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    parsed
        .into_iter()
        .map(|s| {
            let labels: BTreeMap<String, String> =
                serde_json::from_value(s["labels"].clone()).unwrap();
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            (
                format!("{}{{{}}}", s["name"].as_str().unwrap(), labels.join(",")),
                s["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Without the process metrics, which change between any two scrapes.
fn stable(mut s: BTreeMap<String, String>) -> BTreeMap<String, String> {
    s.retain(|k, _| !k.starts_with("process_"));
    s
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("one gzip member");
    out
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn openmetrics_and_text_give_the_same_samples_for_the_demo() {
    if !parser_available() {
        return;
    }
    // One poll per source for the whole test: the vendor data and every source metric
    // stay put, so scrapes in different formats can be compared sample by sample.
    let e = Exporter::demo(&["--demo.interval", "1h"]);
    e.wait_until("every demo source to be up", Duration::from_secs(30), |e| {
        let text = e.scrape();
        [
            "demo-eight-by-eight",
            "demo-exotel",
            "demo-vcc-live",
            "demo-voximplant",
        ]
        .iter()
        .all(|s| {
            text.lines().any(|l| {
                l.starts_with("contact_center_source_up{")
                    && l.contains(&format!("source=\"{s}\""))
                    && l.ends_with(" 1")
            })
        })
    });

    let (status, head, text) = http_request(e.addr, "GET", "/metrics", &[]).unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        header(&head, "content-type"),
        Some("text/plain; version=0.0.4")
    );
    let text_str = String::from_utf8(text.clone()).unwrap();
    match promtool_check_metrics(&text_str) {
        Some((ok, out)) => assert!(ok, "promtool check metrics: {out}"),
        None => assert!(!tools_required(), "promtool is not installed"),
    }

    let accept = [("Accept", PROMETHEUS_ACCEPT)];
    let (status, head, om) = http_request(e.addr, "GET", "/metrics", &accept).unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        header(&head, "content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert_eq!(header(&head, "vary"), Some("Accept, Accept-Encoding"));
    let om_str = String::from_utf8(om.clone()).unwrap();
    assert!(om_str.ends_with("\n# EOF\n"), "{om_str}");
    assert_eq!(om_str.matches("# EOF").count(), 1);
    // Counters are typed under the family name; their samples keep `_total`.
    assert!(om_str.contains("\n# TYPE contact_center_queue_entered counter\n"));
    assert!(om_str.contains("\n# TYPE process_cpu_seconds counter\n"));
    assert!(om_str.contains("\ncontact_center_queue_entered_total{"));
    assert!(
        !om_str
            .lines()
            .any(|l| l.starts_with("# TYPE ") && l.ends_with("_total counter")),
        "{om_str}"
    );

    let (status, head, om_gz) = http_request(
        e.addr,
        "GET",
        "/metrics",
        &[("Accept", PROMETHEUS_ACCEPT), ("Accept-Encoding", "gzip")],
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&head, "content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let om_gz = gunzip(&om_gz);

    let from_text = stable(samples("text", &text));
    let from_om = stable(samples("openmetrics", &om));
    let from_om_gz = stable(samples("openmetrics", &om_gz));
    assert!(from_text.len() > 300, "only {} samples", from_text.len());
    for kind in ["_total{", "_bucket{", "_sum{", "contact_center_agents{"] {
        assert!(
            from_text.keys().any(|k| k.contains(kind)),
            "no {kind} sample"
        );
    }
    let diff = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        a.iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, v)| format!("{k} {v} / {:?}", b.get(k)))
            .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        diff(&from_text, &from_om),
        Vec::<String>::new(),
        "text vs OpenMetrics"
    );
    assert_eq!(
        diff(&from_om, &from_om_gz),
        Vec::<String>::new(),
        "plain vs gzip"
    );

    // A client that asks for the 0.0.1 draft gets the same body under that version.
    let (status, head, om001) = http_request(
        e.addr,
        "GET",
        "/metrics",
        &[("Accept", "application/openmetrics-text;version=0.0.1")],
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        header(&head, "content-type"),
        Some("application/openmetrics-text; version=0.0.1; charset=utf-8")
    );
    assert_eq!(stable(samples("openmetrics", &om001)), from_om);
    // And the text format is still what a client gets without asking.
    let plain = e.scrape();
    assert_eq!(
        sample(
            &plain,
            "contact_center_exporter_config_last_reload_successful"
        ),
        Some(1.0)
    );
    assert!(!plain.contains("# EOF"));
}
