//! Resident memory of the real binary (issue #10), measured from `/proc/PID/status` of
//! the daemon process itself, so nothing of the load generator or the mock is counted:
//!
//! - **idle demo**: `--demo` (all four vendors and the in-process simulator), after 30 s
//!   and three scrapes;
//! - **100,000-record ingest**: one VCC Live source whose day holds 100,000 state-log
//!   records (about 56 MB of JSON in the vendor's formatting, 10 pages of 10,000),
//!   served by the test harness's loopback mock; peak (`VmHWM`) after the first poll,
//!   then steady `VmRSS` after five further (incremental) polls.
//!
//! The large 20-source snapshot is measured under scrape load by `bench/scrape.sh`.
//! Run: `cargo bench --bench memory` (prints a Markdown table; targets: idle < 20 MiB).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::{sample, Exporter, Mock, MockResponse};
use contact_center_exporter::sources::vcc_live::simulate::synthetic_page;

const RECORDS: u64 = 100_000;
/// The day `synthetic_page` writes; the mock moves it to today so the records fall in
/// the window the source asks for and stay within the store's retention.
const SYNTHETIC_DAY: &str = "2026-03-02";

fn mib(e: &Exporter, key: &str) -> f64 {
    common::proc_status_kib(e.pid(), key) as f64 / 1024.0
}

fn idle_demo() -> (f64, f64, f64) {
    let e = Exporter::demo(&["--log.level", "warn"]);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_secs(10));
        e.scrape();
    }
    (mib(&e, "VmRSS:"), mib(&e, "RssAnon:"), mib(&e, "VmHWM:"))
}

/// Serves the VCC Live state log of a 100,000-record day and an empty online-users list.
fn vcc_live_mock() -> Mock {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    Mock::start(move |r| {
        let num = |k: &str| r.param(k).and_then(|v| v.parse::<u64>().ok());
        match (r.path.ends_with("/userstate"), num("start"), num("num")) {
            (true, Some(start), Some(n)) => MockResponse::json(
                synthetic_page(start, n.min(RECORDS.saturating_sub(start)), 400)
                    .replace(SYNTHETIC_DAY, &today),
            ),
            _ => MockResponse::json(r#"{"response": [], "errors": []}"#),
        }
    })
}

fn vcc_live_day() -> (f64, f64, f64, f64) {
    let mock = vcc_live_mock();
    let e = Exporter::start(
        &format!(
            "global: {{interval: 10s, timeout: 9s}}\nsources:\n  - {{name: vcc, vendor: vcc_live, \
             customer: acme, token: t, time_zone: UTC, page_size: 10000, \
             base_url: \"{}\"}}\n",
            mock.url("/vcc")
        ),
        &["--log.level", "warn"],
    );
    let polls = |e: &Exporter| {
        sample(
            &e.scrape(),
            "contact_center_source_poll_duration_seconds_count{source=\"vcc\",vendor=\"vcc_live\"}",
        )
        .unwrap_or(0.0)
    };
    let up = "contact_center_source_up{source=\"vcc\",vendor=\"vcc_live\"}";
    e.wait_until("the first poll", Duration::from_secs(120), |e| {
        polls(e) >= 1.0
    });
    let first = e.scrape();
    assert_eq!(sample(&first, up), Some(1.0), "the first poll succeeded");
    let records: f64 = first
        .lines()
        .filter(|l| l.starts_with("contact_center_source_records_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(records >= RECORDS as f64, "only {records} records ingested");
    let peak = mib(&e, "VmHWM:");
    let after_first = mib(&e, "VmRSS:");
    e.wait_until("five more polls", Duration::from_secs(90), |e| {
        polls(e) >= 6.0
    });
    assert_eq!(sample(&e.scrape(), up), Some(1.0));
    let steady = mib(&e, "VmRSS:");
    (
        after_first,
        steady,
        mib(&e, "RssAnon:"),
        peak.max(mib(&e, "VmHWM:")),
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
