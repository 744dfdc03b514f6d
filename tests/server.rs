//! The daemon's HTTP interface and lifecycle through the real binary: exposition format
//! and gzip, landing page, readiness, reload (HTTP and SIGHUP), staleness, independent
//! sources, no overlapping polls, graceful stop.

mod common;

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::example::{agents_available, config, exotel_mock, source_yaml, up, EMPTY, EXAMPLE};
use common::{http_request, sample, Exporter, Mock, MockResponse};

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn metrics_format_gzip_landing_and_health() {
    let mock = exotel_mock();
    let e = Exporter::start(&config(&["a"], &mock), &[]);
    e.wait_for_sample(&up("a"), 1.0, WAIT);

    let (status, head, plain) = e.get("/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.contains("contact_center_exporter_build_info{"));
    assert!(plain.contains("process_resident_memory_bytes"));
    assert!(plain.contains("contact_center_source_poll_duration_seconds_bucket{source=\"a\""));

    let (status, head, gz) =
        http_request(e.addr, "GET", "/metrics", &[("Accept-Encoding", "gzip")]).unwrap();
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-encoding: gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(sample(&text, &agents_available("a")), Some(1.0));
    assert!(text.contains("contact_center_source_up{source=\"a\",vendor=\"exotel\"} 1"));
    // The self section is fresh per scrape; the vendor section is identical bytes.
    let vendor_part = |t: &str| {
        t.lines()
            .filter(|l| l.contains("contact_center_agents"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(vendor_part(&text), vendor_part(&plain));

    let (status, _, html) = e.get("/").unwrap();
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("<td>a</td><td>exotel</td><td class=\"up\">up</td>"),
        "{html}"
    );
    assert!(
        !html.contains("pw-Secret-4711"),
        "landing page must not show secrets"
    );
    assert_eq!(e.get("/-/healthy").unwrap().0, 200);
    assert_eq!(e.get("/-/ready").unwrap().0, 200);
    assert_eq!(e.get("/nope").unwrap().0, 404);
    // Without --web.enable-lifecycle (tests/security.rs has the rest).
    assert_eq!(e.get("/-/reload").unwrap().0, 403);
}

#[test]
fn ready_only_after_every_first_poll() {
    let slow = Mock::start(|r| {
        let mut m = match r.param("table-name") {
            Some("user-session-information") => MockResponse::json(EXAMPLE),
            _ => MockResponse::json(EMPTY),
        };
        m.delay = Duration::from_millis(1500);
        m
    });
    let yaml = format!(
        "sources:\n  - name: slow\n    vendor: exotel\n    base_url: {}\n    cc_id: 6\n    username: api\n    password: pw-Secret-4711\n    interval: 10s\n    timeout: 5s\n",
        slow.url("")
    );
    let e = Exporter::start(&yaml, &[]);
    assert_eq!(e.get("/-/ready").unwrap().0, 503);
    e.wait_until("ready", WAIT, |e| e.get("/-/ready").unwrap().0 == 200);
    assert_eq!(sample(&e.scrape(), &up("slow")), Some(1.0));
}

#[test]
fn reload_adds_removes_and_survives_a_broken_config() {
    let mock = exotel_mock();
    let one = config(&["a"], &mock);
    let two = config(&["a", "b"], &mock);
    let e = Exporter::start(&one, &["--web.enable-lifecycle"]);
    e.wait_for_sample(&up("a"), 1.0, WAIT);

    // Add a source over HTTP.
    std::fs::write(&e.config, &two).unwrap();
    let (status, _, body) = http_request(e.addr, "POST", "/-/reload", &[]).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    e.wait_for_sample(&up("b"), 1.0, WAIT);
    assert_eq!(
        sample(
            &e.scrape(),
            "contact_center_exporter_config_last_reload_successful"
        ),
        Some(1.0)
    );

    // A broken config is refused; both sources keep running.
    std::fs::write(&e.config, "sources: [").unwrap();
    assert!(e.reload_refused().contains("invalid YAML"));
    let text = e.scrape();
    assert_eq!(sample(&text, &up("a")), Some(1.0));
    assert_eq!(sample(&text, &up("b")), Some(1.0));

    // Remove a source with SIGHUP: all its series vanish.
    std::fs::write(&e.config, &one).unwrap();
    e.signal("HUP");
    e.wait_until("source b to vanish", WAIT, |e| {
        !e.scrape().contains("source=\"b\"")
    });
    let text = e.scrape();
    assert_eq!(
        sample(
            &text,
            "contact_center_exporter_config_last_reload_successful"
        ),
        Some(1.0)
    );
    assert_eq!(sample(&text, &agents_available("a")), Some(1.0));
}

#[test]
fn stale_data_vanishes_but_source_up_stays() {
    let mock = exotel_mock();
    let e = Exporter::start(
        &format!(
            "sources:\n{}",
            source_yaml("a", &mock, "    max_staleness: 4s\n")
        ),
        &[],
    );
    e.wait_for_sample(&up("a"), 1.0, WAIT);
    mock.set(|_| MockResponse::status(503, "maintenance"));
    e.wait_for_sample(&up("a"), 0.0, WAIT);
    // Last good data is still served until max_staleness (the last success was at most
    // about two intervals ago)...
    assert_eq!(sample(&e.scrape(), &agents_available("a")), Some(1.0));
    // ... then it vanishes; the source's own status stays.
    e.wait_until("stale series to vanish", WAIT, |e| {
        sample(&e.scrape(), &agents_available("a")).is_none()
    });
    let text = e.scrape();
    assert_eq!(sample(&text, &up("a")), Some(0.0));
    assert!(text.contains(r#"contact_center_source_requests_total{source="a",vendor="exotel",endpoint="user_sessions",outcome="503"}"#));
    // One clear log line per failed poll, without the password.
    let lines = e.log_lines();
    let failed: Vec<_> = lines.iter().filter(|l| l.contains("poll failed")).collect();
    assert!(!failed.is_empty());
    assert!(
        failed[0].contains("HTTP 503") && failed[0].contains("maintenance"),
        "{}",
        failed[0]
    );
    assert!(lines.iter().all(|l| !l.contains("pw-Secret-4711")));
    // Recovery brings the data back.
    mock.set(|r| match r.param("table-name") {
        Some("user-session-information") => MockResponse::json(EXAMPLE),
        _ => MockResponse::json(EMPTY),
    });
    e.wait_for_sample(&agents_available("a"), 1.0, Duration::from_secs(30));
}

#[test]
fn a_hanging_source_delays_neither_others_nor_overlaps_itself() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let (f, m) = (in_flight.clone(), max_seen.clone());
    let hanging = Mock::start(move |_| {
        let now = f.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(800));
        f.fetch_sub(1, Ordering::SeqCst);
        MockResponse::json(EMPTY)
    });
    let good = exotel_mock();
    let yaml = format!(
        "sources:\n{}{}",
        source_yaml("hang", &hanging, ""),
        source_yaml("good", &good, "")
    );
    let e = Exporter::start(&yaml, &[]);
    e.wait_for_sample(&up("good"), 1.0, Duration::from_secs(5));
    e.wait_for_sample(&up("hang"), 0.0, WAIT);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        max_seen.load(Ordering::SeqCst),
        1,
        "a source never polls twice at once"
    );
    let text = e.scrape();
    assert_eq!(sample(&text, &up("good")), Some(1.0));
    assert!(
        text.contains(r#"endpoint="user_sessions",outcome="timeout"} "#),
        "{text}"
    );
}

#[test]
fn sigterm_stops_gracefully_with_exit_0() {
    let mock = exotel_mock();
    let mut e = Exporter::start(&config(&["a"], &mock), &[]);
    e.wait_for_sample(&up("a"), 1.0, WAIT);
    e.signal("TERM");
    assert_eq!(e.wait_exit(Duration::from_secs(15)), Some(0));
}

#[test]
fn config_check_reports_and_exits() {
    let mock = exotel_mock();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yml");
    std::fs::write(&good, config(&["a"], &mock)).unwrap();
    let out = std::process::Command::new(common::binary())
        .args(["--config.check", "--config.file"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("OK, 1 source(s)")
            && stdout.contains("a (exotel): every 1s, timeout 500ms"),
        "{stdout}"
    );
    assert!(!stdout.contains("pw-Secret-4711"));
    let out = std::process::Command::new(common::binary())
        .args([
            "--config.check",
            "--config.file",
            "tests/config/bad-duplicate-name.yml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "tests/config/bad-duplicate-name.yml:8:5: sources[1].name: duplicate source name \"ameyo\""
    );
    // Flags also come from the environment.
    let out = std::process::Command::new(common::binary())
        .env("CONTACT_CENTER_EXPORTER_CONFIG_CHECK", "true")
        .env("CONTACT_CENTER_EXPORTER_CONFIG_FILE", &good)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = std::process::Command::new(common::binary())
        .arg("--version")
        .output()
        .unwrap();
    let v = String::from_utf8_lossy(&v.stdout);
    assert!(v.contains("revision: ") && v.contains("rustc: "), "{v}");
}
