//! VCC Live ingest: a 100,000-record day of the user state log (in the vendor's
//! example formatting, 10 pages of the default 10,000 records) parsed and normalized
//! exactly as a poll does it (parse, recognise records already counted, fold into
//! intervals and current states), beside `serde_json::Value` over the same bytes.

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use contact_center_exporter::sources::vcc_live::api::{DayCursor, DayRead};
use contact_center_exporter::sources::vcc_live::config::DEFAULT_PAGE_SIZE;
use contact_center_exporter::sources::vcc_live::simulate::synthetic_page;
use contact_center_exporter::sources::vcc_live::types::parse_userstate;
use contact_center_exporter::sources::vcc_live::{merge_latest, LastSeen};

const RECORDS: u64 = 100_000;
const USERS: u64 = 400;

fn pages() -> Vec<Vec<u8>> {
    (0..RECORDS / DEFAULT_PAGE_SIZE)
        .map(|p| synthetic_page(p * DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE, USERS).into_bytes())
        .collect()
}

/// One whole day as the source ingests it; returns the interval count.
fn ingest(pages: &[Vec<u8>]) -> usize {
    let mut cursor = DayCursor::new(chrono::NaiveDate::default());
    let mut last_seen: BTreeMap<
        contact_center_exporter::sources::vcc_live::types::UserId,
        LastSeen,
    > = BTreeMap::new();
    let mut intervals = Vec::new();
    for body in pages {
        let page = parse_userstate(body).expect("synthetic page parses");
        let mut read = DayRead::default();
        read.absorb(&cursor, page.changes, chrono_tz::UTC);
        cursor.advance(&read);
        merge_latest(&mut last_seen, read.latest);
        intervals.extend(read.intervals);
    }
    intervals.len()
}

fn bench(c: &mut Criterion) {
    let pages = pages();
    let total: usize = pages.iter().map(Vec::len).sum();
    assert_eq!(ingest(&pages), RECORDS as usize);
    eprintln!(
        "vcc_live_ingest: {RECORDS} records, {:.1} MB in {} pages",
        total as f64 / 1e6,
        pages.len()
    );
    let mut g = c.benchmark_group("vcc_live_ingest");
    g.throughput(Throughput::Bytes(total as u64));
    g.sample_size(10);
    g.bench_function("parse_normalize", |b| b.iter(|| ingest(&pages)));
    g.bench_function("baseline_serde_json_value", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| {
                    serde_json::from_slice::<serde_json::Value>(p)
                        .map(|v| v["response"].as_array().map_or(0, Vec::len))
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
