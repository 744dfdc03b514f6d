//! Resident memory of the real binary (issue #10), measured from `/proc/PID/status` of
//! the daemon process itself, so nothing of the load generator or the mock is counted:
//!
//! - **idle demo**: `--demo` (all four vendors and the in-process simulator), after 30 s
//!   and three scrapes;
//! - **100,000-record ingest**: one VCC Live source whose day holds 100,000 state-log
//!   records (about 56 MB of JSON in the vendor's formatting, 10 pages of 10,000),
//!   served by a loopback mock in this process; peak (`VmHWM`) after the first poll, then
//!   steady `VmRSS` after five further (incremental) polls.
//!
//! The large 20-source snapshot is measured under scrape load by `bench/scrape.sh`.
//! Run: `cargo bench --bench memory` (prints a Markdown table; targets: idle < 20 MiB).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use contact_center_exporter::sources::vcc_live::simulate::synthetic_page;

const BIN: &str = env!("CARGO_BIN_EXE_contact-center-exporter");
const RECORDS: u64 = 100_000;
/// The day `synthetic_page` writes; the mock moves it to today so the records fall in
/// the window the source asks for and stay within the store's retention.
const SYNTHETIC_DAY: &str = "2026-03-02";

/// The daemon under measurement; killed on drop.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Daemon {
    fn start(args: &[&str]) -> Daemon {
        let child = Command::new(BIN)
            .args(args)
            .args(["--log.level", "warn"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start the exporter (cargo bench builds it)");
        Daemon(child)
    }

    /// `VmRSS` or `VmHWM` of the daemon, MiB.
    fn mib(&self, key: &str) -> f64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .expect("the daemon is running");
        let kib: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS/VmHWM line");
        kib / 1024.0
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn scrape(port: u16) -> String {
    reqwest::blocking::get(format!("http://127.0.0.1:{port}/metrics"))
        .and_then(|r| r.text())
        .unwrap_or_default()
}

/// Scrapes until `pred` holds for the body (panics after `limit`).
fn wait_for(port: u16, limit: Duration, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let t0 = Instant::now();
    loop {
        let body = scrape(port);
        if pred(&body) {
            return body;
        }
        assert!(t0.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The value of the first sample line starting with `prefix`.
fn sample(body: &str, prefix: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn idle_demo() -> (f64, f64, f64) {
    let port = free_port();
    let d = Daemon::start(&[
        "--demo",
        "--web.listen-address",
        &format!("127.0.0.1:{port}"),
    ]);
    wait_for(port, Duration::from_secs(30), "the demo to answer", |b| {
        b.contains("contact_center_source_up")
    });
    for _ in 0..3 {
        std::thread::sleep(Duration::from_secs(10));
        scrape(port);
    }
    (d.mib("VmRSS:"), d.mib("RssAnon:"), d.mib("VmHWM:"))
}

/// Serves the VCC Live state log of a 100,000-record day and an empty online-users list.
fn vcc_live_mock(rt: &tokio::runtime::Runtime) -> u16 {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .expect("bind the mock");
    let port = listener.local_addr().expect("mock address").port();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let today = today.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let today = today.clone();
                    async move {
                        let q: std::collections::HashMap<String, String> =
                            url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                                .into_owned()
                                .collect();
                        let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
                        let body = match (
                            req.uri().path().ends_with("/userstate"),
                            num("start"),
                            num("num"),
                        ) {
                            (true, Some(start), Some(n)) => {
                                synthetic_page(start, n.min(RECORDS.saturating_sub(start)), 400)
                                    .replace(SYNTHETIC_DAY, &today)
                            }
                            _ => r#"{"response": [], "errors": []}"#.to_string(),
                        };
                        Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(body))))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    port
}

fn vcc_live_day() -> (f64, f64, f64, f64) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime for the mock");
    let mock = vcc_live_mock(&rt);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "global: {{interval: 10s, timeout: 9s}}\nsources:\n  - {{name: vcc, vendor: vcc_live, \
             customer: acme, token: t, time_zone: UTC, page_size: 10000, \
             base_url: \"http://127.0.0.1:{mock}/vcc\"}}\n"
        ),
    )
    .expect("write the config");
    let port = free_port();
    let d = Daemon::start(&[
        "--config.file",
        config.to_str().expect("a UTF-8 path"),
        "--web.listen-address",
        &format!("127.0.0.1:{port}"),
    ]);
    let polls = |b: &str| sample(b, "contact_center_source_poll_duration_seconds_count{");
    let first = wait_for(port, Duration::from_secs(120), "the first poll", |b| {
        polls(b).is_some_and(|n| n >= 1.0)
    });
    assert_eq!(
        sample(&first, "contact_center_source_up{"),
        Some(1.0),
        "the first poll succeeded"
    );
    let records: f64 = first
        .lines()
        .filter(|l| l.starts_with("contact_center_source_records_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(records >= RECORDS as f64, "only {records} records ingested");
    let peak = d.mib("VmHWM:");
    let after_first = d.mib("VmRSS:");
    wait_for(port, Duration::from_secs(90), "five more polls", |b| {
        polls(b).is_some_and(|n| n >= 6.0)
    });
    assert_eq!(
        sample(&scrape(port), "contact_center_source_up{"),
        Some(1.0)
    );
    let steady = d.mib("VmRSS:");
    (
        after_first,
        steady,
        d.mib("RssAnon:"),
        peak.max(d.mib("VmHWM:")),
    )
}

fn main() {
    // `cargo test --benches` runs every bench once with `--bench` absent: keep it quick.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("memory: skipped outside `cargo bench` (it takes about a minute)");
        return;
    }
    let (idle_rss, idle_anon, idle_hwm) = idle_demo();
    let (first, steady, anon, peak) = vcc_live_day();
    // VmRSS counts the binary's mapped text (~9 MiB, shared and reclaimable) as well as
    // the heap; RssAnon is the process's own memory.
    println!("| case | VmRSS | of which RssAnon | peak VmHWM | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| idle demo (4 vendors + simulator), 30 s, 3 scrapes | {idle_rss:.1} MiB | {idle_anon:.1} MiB | {idle_hwm:.1} MiB | < 20 MiB |"
    );
    println!(
        "| VCC Live 100,000-record day: after the first poll / after 5 more polls | {first:.1} / {steady:.1} MiB | {anon:.1} MiB | {peak:.1} MiB | — |"
    );
}
