//! 8x8 statistics API ingest: parse + normalize throughput of large generated XML
//! bodies (status events → agent states and intervals; online SLA periods → wait
//! histograms), beside quick-xml's raw event reading of the same bytes.

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quick_xml::events::Event;
use quick_xml::Reader;

use contact_center_exporter::model::{Channel, QueueKey};
use contact_center_exporter::sources::eight_by_eight::agents::{AgentBook, Change};
use contact_center_exporter::sources::eight_by_eight::periods::WatchedQueue;
use contact_center_exporter::sources::eight_by_eight::types::{
    parse_online_slas, parse_status_events, ONLINE_BUCKETS,
};

const STATES: [&str; 6] = [
    "Available",
    "Transaction Offered",
    "Processing",
    "Post Processing",
    "On Break",
    "Working Offline",
];

/// `n` status events of 500 agents, in the documented shape.
fn status_events(n: usize) -> Vec<u8> {
    let t0 = Utc.with_ymd_and_hms(2024, 4, 4, 0, 0, 0).unwrap();
    let mut s = String::from("<?xml version='1.0'  encoding='UTF-8' ?>\n<statuses>\n");
    for i in 0..n {
        let t = t0 + Duration::seconds(i as i64 * 7 / 3);
        s.push_str(&format!(
            "    <status>\n        <agent-id>agent{:04}</agent-id>\n\n        <agent-name>Agent Number {:04}</agent-name>\n        <group-id>12</group-id>\n        <group-name>Support &amp; Sales</group-name>\n        <status>{}</status>\n\n        <event-time>{}</event-time>\n        <scl-list-id></scl-list-id>\n        <scl-item-id></scl-item-id>\n        <scl-item-shortcode-text>Scheduled break</scl-item-shortcode-text>\n\n        <scl-item-report-text>Scheduled break</scl-item-report-text>\n        <transaction-id>{}</transaction-id>\n    </status>\n",
            i % 500,
            i % 500,
            STATES[i % STATES.len()],
            t.format("%Y-%m-%dT%H:%M:%S-07:00"),
            1000 + i
        ));
    }
    s.push_str("</statuses>\n");
    s.into_bytes()
}

/// `n` online SLA periods in the documented shape.
fn online_slas(n: usize) -> Vec<u8> {
    let t0 = Utc.with_ymd_and_hms(2024, 4, 4, 0, 0, 0).unwrap();
    let mut s = String::from("<?xml version='1.0'  encoding='UTF-8' ?>\n<online_slas>\n");
    for i in 0..n {
        let t = t0 + Duration::minutes(30 * i as i64);
        s.push_str(&format!(
            "    <online_sla>\n\n        <queue-name>Support</queue-name>\n        <channel-id>23</channel-id>\n        <time-stamp>{}</time-stamp>\n        <media-type>T</media-type>\n\n        <entered-count>24</entered-count>\n        <accepted-count>21</accepted-count>\n        <sla-met-count>18</sla-met-count>\n",
            t.format("%Y-%m-%dT%H:%M:%S-07:00")
        ));
        for group in ["accepted", "abandoned"] {
            s.push_str(&format!("        <{group}>\n"));
            for (k, (name, _)) in ONLINE_BUCKETS.iter().enumerate() {
                s.push_str(&format!("            <{name}>{}</{name}>\n", (i + k) % 9));
            }
            s.push_str(&format!("        </{group}>\n"));
        }
        s.push_str("    </online_sla>\n");
    }
    s.push_str("</online_slas>\n");
    s.into_bytes()
}

/// The baseline: every quick-xml event of the body, nothing else.
fn raw_events(body: &[u8]) -> usize {
    let mut r = Reader::from_reader(body);
    r.config_mut().check_end_names = false;
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(Event::Eof) | Err(_) => return n,
            Ok(e) => {
                black_box(&e);
                n += 1;
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let events = status_events(40_000);
    let mut g = c.benchmark_group("eight_by_eight_status_events");
    g.throughput(Throughput::Bytes(events.len() as u64));
    g.bench_function("parse_and_normalize", |b| {
        b.iter(|| {
            let recs = parse_status_events(black_box(&events)).expect("generated body parses");
            let mut book = AgentBook::default();
            let intervals = book.apply(
                recs.into_iter().filter_map(Change::from_event).collect(),
                None,
            );
            black_box((intervals.len(), book.agents.len()))
        })
    });
    g.bench_function("quick_xml_raw_events", |b| {
        b.iter(|| raw_events(black_box(&events)))
    });
    g.finish();

    let slas = online_slas(20_000);
    let queue = WatchedQueue {
        id: "121".into(),
        key: QueueKey {
            queue: "Support".into(),
            channel: Channel::Voice,
        },
        sla_seconds: Some(20.0),
    };
    let mut g = c.benchmark_group("eight_by_eight_online_slas");
    g.throughput(Throughput::Bytes(slas.len() as u64));
    g.bench_function("parse_and_normalize", |b| {
        b.iter(|| {
            let recs = parse_online_slas(black_box(&slas)).expect("generated body parses");
            let mut out = Vec::with_capacity(recs.len() * 2);
            queue.online(&recs, &mut out);
            black_box(out.len())
        })
    });
    g.bench_function("quick_xml_raw_events", |b| {
        b.iter(|| raw_events(black_box(&slas)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
