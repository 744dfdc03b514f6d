//! Counters that survive restarts (`--storage.path`), through the real binary, for every
//! vendor in the registry.
//!
//! Two exporters poll the same simulated vendor API (the vendor's own demo API, moving
//! with a clock the test controls and also hands to both exporters with
//! `--testing.clock-file`): a control that runs throughout, and one that is killed
//! (SIGKILL, then SIGTERM) and started again over its state directory. The clock crosses
//! local midnight, stands still at each step until both have polled, and after every step
//! both must export exactly the same vendor series: a restart neither resets a counter
//! nor counts anything twice, and what the vendor grew while the process was down is
//! added once.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use common::fault::FaultServer;
use common::vendors::{self, VendorKit};
use common::Exporter;

/// Writes the exporters' clock and moves the simulation to the same instant.
struct Clock {
    sim: Arc<Mutex<DateTime<Utc>>>,
    file: PathBuf,
}

impl Clock {
    fn new(dir: &Path, at: DateTime<Utc>) -> Clock {
        let c = Clock {
            sim: Arc::new(Mutex::new(at)),
            file: dir.join("now"),
        };
        c.set(at);
        c
    }

    fn set(&self, at: DateTime<Utc>) {
        *self.sim.lock().unwrap() = at;
        // Written whole through a rename: an exporter never reads half an instant.
        let tmp = self.file.with_extension("tmp");
        std::fs::write(&tmp, at.to_rfc3339()).unwrap();
        std::fs::rename(&tmp, &self.file).unwrap();
    }
}

fn config(kit: &VendorKit, dir: &Path, url: &str) -> String {
    format!(
        "sources:\n  - name: main\n    vendor: {}\n    base_url: {url}\n    interval: 1s\n    timeout: 900ms\n{}",
        kit.vendor,
        (kit.keys)(dir)
    )
}

fn start(yaml: &str, storage: &Path, clock: &Clock) -> Exporter {
    Exporter::start(
        yaml,
        &[
            "--storage.path",
            storage.to_str().unwrap(),
            "--testing.clock-file",
            clock.file.to_str().unwrap(),
        ],
    )
}

/// Completed polls of the source (successful or not).
fn polls(text: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with("contact_center_source_poll_duration_seconds_count{"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Whether the last poll succeeded.
fn up(text: &str) -> bool {
    text.lines()
        .find(|l| l.starts_with("contact_center_source_up{"))
        .is_some_and(|l| l.ends_with(" 1"))
}

/// The vendor series (everything but the exporter's and the sources' own), sorted.
fn vendor_series(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| {
            l.starts_with("contact_center_")
                && !l.starts_with("contact_center_source_")
                && !l.starts_with("contact_center_exporter_")
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// Waits until each exporter has finished two more polls, the last of them successful
/// (so at least one whole poll ran at the clock's current instant).
fn settle(exporters: &[&Exporter]) {
    let before: Vec<f64> = exporters.iter().map(|e| polls(&e.scrape())).collect();
    for (e, b) in exporters.iter().zip(before) {
        e.wait_until("two more polls", Duration::from_secs(30), |e| {
            let t = e.scrape();
            polls(&t) >= b + 2.0 && up(&t)
        });
    }
}

fn assert_same(vendor: &str, step: &str, restarted: &Exporter, control: &Exporter) {
    let (a, b) = (
        vendor_series(&restarted.scrape()),
        vendor_series(&control.scrape()),
    );
    assert!(
        !b.is_empty(),
        "{vendor} {step}: the control exports nothing"
    );
    let diff: Vec<String> = a
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| format!("restarted: {l}"))
        .chain(
            b.iter()
                .filter(|l| !a.contains(l))
                .map(|l| format!("control:   {l}")),
        )
        .collect();
    assert!(
        diff.is_empty(),
        "{vendor} {step}: the restarted exporter differs from the control:\n{}",
        diff.join("\n")
    );
}

fn at(h: u32, m: u32, s: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, h, m, s).unwrap()
}

fn counters_continue_over_restarts(kit: VendorKit) {
    let vendor = kit.vendor;
    let tmp = tempfile::tempdir().unwrap();
    let clock = Clock::new(tmp.path(), at(23, 50, 0, 1));
    let api = FaultServer::start(common::simulated::moving(vendor, Arc::clone(&clock.sim)));
    let yaml = config(&kit, tmp.path(), &api.url());
    let (state_a, state_b) = (tmp.path().join("a"), tmp.path().join("b"));
    let mut a = start(&yaml, &state_a, &clock);
    let b = start(&yaml, &state_b, &clock);
    settle(&[&a, &b]);
    assert_same(vendor, "at 23:50", &a, &b);
    // Across local midnight (the demo sources count UTC days).
    for t in [at(23, 59, 30, 1), at(0, 0, 30, 2), at(0, 10, 0, 2)] {
        clock.set(t);
        settle(&[&a, &b]);
        assert_same(vendor, &t.to_rfc3339(), &a, &b);
    }
    // Killed without warning; the vendor moves on while it is down.
    a.signal("KILL");
    a.wait_exit(Duration::from_secs(10));
    clock.set(at(0, 12, 0, 2));
    let mut a = start(&yaml, &state_a, &clock);
    settle(&[&a, &b]);
    assert_same(vendor, "after SIGKILL and restart", &a, &b);
    assert!(
        a.log_lines()
            .iter()
            .any(|l| l.contains("counters restored from saved state")),
        "{vendor}: no restore logged: {:?}",
        a.log_lines()
    );
    clock.set(at(0, 20, 0, 2));
    settle(&[&a, &b]);
    assert_same(vendor, "a step after the restart", &a, &b);
    // Stopped cleanly this time.
    a.signal("TERM");
    assert_eq!(a.wait_exit(Duration::from_secs(10)), Some(0));
    clock.set(at(0, 30, 0, 2));
    let a = start(&yaml, &state_a, &clock);
    settle(&[&a, &b]);
    assert_same(vendor, "after SIGTERM and restart", &a, &b);
}

#[test]
fn every_vendor_continues_its_counters_over_kill_and_restart() {
    vendors::for_each_vendor(counters_continue_over_restarts);
}
