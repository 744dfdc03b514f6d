//! Memory the period ledger holds for Voximplant operator status statistics over its
//! whole retention (issue 27 item 7): 2,000 operators × 5 statuses × 48 hours, counted
//! by a global allocator that tracks live heap bytes, so the figure is the store's own
//! heap and nothing of the inputs (each hour's answer is built, ingested and dropped
//! before the next).
//!
//! Two rows, measured in the same run:
//! - **baseline, per (user, status, hour)**: one ledger period per operator, status and
//!   hour, the shape `status_periods` produced before this issue (built directly);
//! - **per (status, hour)**: what the source hands the store now, through the real
//!   parse and normalize (`parse_status_statistics` + `status_periods`) of a JSON answer
//!   per hour.
//!
//! Run: `cargo bench --bench ledger_memory` (prints a Markdown table; target < 64 MiB).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicIsize, Ordering};

use serde_json::{json, Value};

use contact_center_exporter::model::{PeriodKey, PeriodValue, Snapshot};
use contact_center_exporter::sources;
use contact_center_exporter::sources::voximplant::{status_periods, types};
use contact_center_exporter::state::StateMapper;
use contact_center_exporter::store::SourceData;

/// Live heap bytes (allocated minus freed).
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is forwarded to the system allocator with the caller's layout.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const USERS: u64 = 2000;
const STATUSES_PER_USER: u64 = 5;
const HOURS: i64 = 48;
/// 2019-05-20 00:00:00 UTC, the first hour.
const DAY0: i64 = 1_558_310_400;
const STATUSES: [&str; 8] = [
    "OFFLINE",
    "ONLINE",
    "READY",
    "BANNED",
    "IN_SERVICE",
    "AFTER_SERVICE",
    "TIMEOUT",
    "DND",
];

fn status(u: u64, h: i64, i: u64) -> &'static str {
    STATUSES[((u + h as u64 + i) % 8) as usize]
}

fn seconds(u: u64, h: i64, i: u64) -> u64 {
    60 + (u * 7 + h as u64 * 13 + i * 31) % 700
}

/// The periods of hour `h` as the source made them before: one per (user, status).
fn per_user_hour(h: i64) -> Snapshot {
    let mut state_seconds = Vec::with_capacity((USERS * STATUSES_PER_USER) as usize);
    for u in 0..USERS {
        for i in 0..STATUSES_PER_USER {
            state_seconds.push(PeriodValue {
                series: status(u, h, i).to_string(),
                period: PeriodKey {
                    start: DAY0 + h * 3600,
                    scope: (480_000 + u).to_string(),
                },
                value: seconds(u, h, i) as f64,
            });
        }
    }
    Snapshot {
        state_seconds,
        ..Snapshot::default()
    }
}

/// `GetACDOperatorStatusStatistics` for hour `h`, every operator, documented shape.
fn answer(h: i64) -> Vec<u8> {
    let date = chrono::DateTime::from_timestamp(DAY0 + h * 3600, 0)
        .expect("in range")
        .format("%Y-%m-%d")
        .to_string();
    let groups: Vec<Value> = (0..USERS)
        .map(|u| {
            let acd: serde_json::Map<String, Value> = (0..STATUSES_PER_USER)
                .map(|i| {
                    (
                        status(u, h, i).to_string(),
                        json!({"count": 1, "sum": seconds(u, h, i)}),
                    )
                })
                .collect();
            json!({"user_id": 480_000 + u, "statistics": [
                {"date": date, "hour": h % 24, "acd_status": acd}]})
        })
        .collect();
    serde_json::to_vec(&json!({ "result": groups })).expect("serializable")
}

/// The source's path now: parse, normalize (sum per status and hour).
fn per_status_hour(h: i64) -> Snapshot {
    let groups = types::parse_status_statistics(&answer(h)).expect("valid answer");
    let (state_seconds, _) = status_periods(groups).expect("valid records");
    Snapshot {
        state_seconds,
        ..Snapshot::default()
    }
}

/// Ingests 48 hours from `hour` into a fresh store; returns its live heap bytes, its
/// ledger entries and the state seconds it counted.
fn measure(hour: impl Fn(i64) -> Snapshot) -> (f64, usize, f64) {
    let mapper = StateMapper::new(
        "vox",
        sources::find("voximplant").expect("registered").states(),
        &HashMap::new(),
    );
    let before = LIVE.load(Ordering::Relaxed);
    let mut data = SourceData::default();
    // "now" is the end of the last hour: every hour is within the 48 h retention.
    let now = DAY0 + HOURS * 3600;
    for h in 0..HOURS {
        data.ingest(hour(h), &mapper, now);
    }
    let bytes = (LIVE.load(Ordering::Relaxed) - before) as f64;
    let total: f64 = data.state_seconds.iter().sum();
    (bytes, data.ledger_len(), total)
}

fn main() {
    // Criterion passes its flags (`--bench`); nothing here takes any.
    let (base_bytes, base_len, base_total) = measure(per_user_hour);
    let (now_bytes, now_len, now_total) = measure(per_status_hour);
    // The same seconds are counted either way: summing loses nothing.
    assert_eq!(base_total, now_total, "state seconds differ");
    let mib = |b: f64| b / (1024.0 * 1024.0);
    println!("| ledger of Voximplant status statistics, {USERS} operators × {STATUSES_PER_USER} statuses × {HOURS} h | entries | live heap | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| baseline: per (user, status, hour) | {base_len} | {:.1} MiB | 1 |",
        mib(base_bytes)
    );
    println!(
        "| per (status, hour) (now) | {now_len} | {:.3} MiB | {:.5} |",
        mib(now_bytes),
        now_bytes / base_bytes
    );
    assert!(mib(now_bytes) < 64.0, "over the 64 MiB target");
}
