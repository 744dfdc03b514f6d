//! Poll cost over a simulated 8-hour day, per vendor: requests and response bytes of
//! every poll, incremental (one long-lived source, as the exporter runs) against a full
//! refetch of the day (a fresh source every poll: what a stateless, per-scrape exporter
//! would do). The simulated contact center is replayed on a virtual clock, so a day takes
//! seconds; both modes see identical data (same seed, same poll times).
//!
//! `cargo bench --bench poll_cost` runs the 8-hour day (60 s polls); without `--bench`
//! (as `cargo test --all-targets` runs it) it replays one hour as a smoke test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use contact_center_exporter::http::{PollContext, RequestCounters};
use contact_center_exporter::simulator::{host, ContactCenter, SimOptions};
use contact_center_exporter::sources::{self, Vendor};
use contact_center_exporter::state::StateMapper;
use contact_center_exporter::store::SourceData;

struct Totals {
    requests: u64,
    bytes: u64,
    last_poll_bytes: u64,
    failures: u64,
    /// What the exporter would export at the end: every poll folded into a store.
    data: SourceData,
}

async fn replay(
    vendor: Vendor,
    start: DateTime<Utc>,
    polls: u32,
    every: Duration,
    incremental: bool,
) -> Totals {
    let clock = Arc::new(Mutex::new(start));
    let cc = Arc::new(Mutex::new(ContactCenter::new(
        &SimOptions::default(),
        start,
    )));
    let mut h = host::Host::new(Arc::clone(&cc)).with_clock(Arc::clone(&clock));
    // Mounted where the source's base URL points (a vendor's demo API may check the
    // path it is reached at, e.g. Connect's SigV4 covers it).
    let probe = url::Url::parse(&format!("http://127.0.0.1/{}", vendor.as_str())).expect("url");
    let (_, api) = vendor.demo(&probe);
    h.mount(vendor.as_str(), api);
    let h = Arc::new(h);
    let addr = host::start_shared(Arc::clone(&h))
        .await
        .expect("start host");
    let base = url::Url::parse(&format!("http://{addr}/{}", vendor.as_str())).expect("url");
    let (cfg, _) = vendor.demo(&base);
    let client = reqwest::Client::new();
    let build = || {
        vendor
            .source("cost", &cfg)
            .expect("the vendor's own config")
    };
    let mut source = build();
    let mut t = Totals {
        requests: 0,
        bytes: 0,
        last_poll_bytes: 0,
        failures: 0,
        data: SourceData::default(),
    };
    let mapper = StateMapper::new("cost", vendor.states(), &HashMap::new());
    for i in 0..polls {
        let now = start + chrono::Duration::from_std(every * (i + 1)).expect("duration");
        *clock.lock().expect("clock") = now;
        if !incremental {
            source = build();
        }
        let ctx = PollContext::new(
            "cost",
            now,
            client.clone(),
            Duration::from_secs(30),
            1 << 30,
            Arc::new(RequestCounters::default()),
        );
        let before = h.served(vendor.as_str());
        match source.poll(&ctx).await {
            Ok(snap) => t.data.ingest(snap, &mapper, now.timestamp()),
            Err(e) => {
                eprintln!("{vendor}: poll failed: {e}");
                t.failures += 1;
            }
        }
        let after = h.served(vendor.as_str());
        t.requests += after.0 - before.0;
        t.bytes += after.1 - before.1;
        t.last_poll_bytes = after.1 - before.1;
    }
    t
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full_day = std::env::args().any(|a| a == "--bench");
    let (hours, every) = if full_day {
        (8, Duration::from_secs(60))
    } else {
        (1, Duration::from_secs(300))
    };
    let polls = (hours * 3600 / every.as_secs()) as u32;
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
        .single()
        .expect("time");
    println!("## Poll cost over a simulated {hours}-hour day ({polls} polls every {}s, 40 agents, 6 queues)\n", every.as_secs());
    println!("| vendor | mode | requests | MB fetched | bytes per poll (mean) | bytes of the last poll | failed polls |");
    println!("|---|---|---|---|---|---|---|");
    for &vendor in sources::REGISTRY {
        let mut per_mode = Vec::new();
        for incremental in [true, false] {
            let t = replay(vendor, start, polls, every, incremental).await;
            println!(
                "| {vendor} | {} | {} | {:.2} | {} | {} | {} |",
                if incremental {
                    "incremental"
                } else {
                    "full refetch"
                },
                t.requests,
                t.bytes as f64 / 1e6,
                t.bytes / polls as u64,
                t.last_poll_bytes,
                t.failures
            );
            assert_eq!(
                t.failures, 0,
                "{vendor}: polls failed against the simulator"
            );
            per_mode.push(t);
        }
        let (inc, full) = (&per_mode[0].data, &per_mode[1].data);
        println!(
            "| {vendor} | ratio | | full / incremental = {:.1}× | | | |",
            per_mode[1].bytes as f64 / per_mode[0].bytes.max(1) as f64
        );
        // Reading less must not count less: every period-keyed series the exporter
        // would export after the day is the same in both modes.
        let same_queues = inc.queue_counters == full.queue_counters;
        let same_seconds = close(&inc.state_seconds, &full.state_seconds);
        println!(
            "| {vendor} | same result | | queue counters {}, state seconds {} | | | |",
            if same_queues { "equal" } else { "differ" },
            if same_seconds { "equal" } else { "differ" },
        );
        if matches!(vendor.as_str(), "voximplant" | "eight_by_eight") {
            // Their statistics are periods the store counts once however often they are
            // read. (VCC Live and Exotel report single intervals and live state: a
            // stateless refetch would count a day's intervals again on every poll.)
            assert!(
                inc.has_data && !inc.queue_counters.is_empty(),
                "{vendor}: no queue counters"
            );
            assert!(
                same_queues,
                "{vendor}: queue counters differ:\n{:?}\n{:?}",
                inc.queue_counters, full.queue_counters
            );
            if vendor.as_str() == "voximplant" {
                assert!(
                    same_seconds,
                    "{vendor}: state seconds differ: {:?} {:?}",
                    inc.state_seconds, full.state_seconds
                );
            }
        }
    }
}

/// Equal within floating-point summation noise.
fn close(a: &[f64; 8], b: &[f64; 8]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= 1e-6 * x.abs().max(1.0))
}
