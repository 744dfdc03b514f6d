//! Genesys Cloud ingest: parse + normalize throughput of a 1,000-queue answer of both
//! analytics queries (observations in 10 batches of 100 queues, each queue with a voice
//! and a chat group, two waiting with their detail dates, and a member group with four
//! routing statuses and two presences; the day's aggregates in 10 batches with eight
//! metrics per queue and media type), beside `serde_json::from_slice::<Value>` over the
//! same bytes (the baseline, measured in the same run). Compact JSON, as the API sends.

use chrono::TimeZone;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

use contact_center_exporter::model::Channel;
use contact_center_exporter::sources::genesys_cloud::types::{
    parse_aggregates, parse_observations,
};
use contact_center_exporter::sources::genesys_cloud::{normalize, QueueInfo};

const QUEUES: usize = 1000;
const BATCH: usize = 100;

fn id(i: usize) -> String {
    format!("4e8b2e4c-0b1b-4f07-9a2a-{i:012}")
}

fn observation_batches() -> Vec<Vec<u8>> {
    (0..QUEUES / BATCH)
        .map(|b| {
            let mut results = Vec::new();
            for i in b * BATCH..(b + 1) * BATCH {
                for (media, waiting) in [("voice", 2), ("chat", i % 3)] {
                    let obs: Vec<Value> = (0..waiting)
                        .map(|k| json!({"observationDate": format!("2026-03-02T09:{:02}:{:02}.123Z", 50 + k, i % 60),
                            "conversationId": format!("0b1a2c3d-0000-4000-8000-{i:08}{k:04}"), "sessionId": format!("s-{i}-{k}"),
                            "routingPriority": 0, "direction": "inbound", "addressFrom": "tel:+353100000001"}))
                        .collect();
                    results.push(json!({"group": {"queueId": id(i), "mediaType": media},
                        "data": [{"metric": "oWaiting", "stats": {"count": waiting}, "truncated": false, "observations": obs}]}));
                }
                results.push(json!({"group": {"queueId": id(i)}, "data": [
                    {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": i % 5}},
                    {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": i % 7}},
                    {"metric": "oOnQueueUsers", "qualifier": "COMMUNICATING", "stats": {"count": 1}},
                    {"metric": "oOnQueueUsers", "qualifier": "NOT_RESPONDING", "stats": {"count": i % 2}},
                    {"metric": "oOffQueueUsers", "qualifier": "ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5", "stats": {"count": 3}},
                    {"metric": "oOffQueueUsers", "qualifier": "1b2c3d4e-0000-4000-8000-0000000000b1", "stats": {"count": 1}}]}));
            }
            serde_json::to_vec(&json!({"systemToOrganizationMappings": {
                "OFFLINE": ["ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5"], "BREAK": ["1b2c3d4e-0000-4000-8000-0000000000b1"]},
                "results": results})).expect("json")
        })
        .collect()
}

fn aggregate_batches() -> Vec<Vec<u8>> {
    (0..QUEUES / BATCH)
        .map(|b| {
            let mut results = Vec::new();
            for i in b * BATCH..(b + 1) * BATCH {
                for media in ["voice", "chat"] {
                    let n = (i * 7) % 900 + 10;
                    let metrics: Vec<Value> = [
                        ("nOffered", json!({"count": n})),
                        ("tAnswered", json!({"max": 451577, "min": 2324, "count": n - 5, "sum": 40279740 + i})),
                        ("tAbandon", json!({"max": 219470, "min": 94, "count": 5, "sum": 5750770})),
                        ("nOverSla", json!({"count": n / 3})),
                        ("tHandle", json!({"max": 1040810, "min": 5211, "count": n - 6, "sum": 131580101 + i})),
                        ("tTalkComplete", json!({"max": 980000, "min": 4000, "count": n - 6, "sum": 98765432})),
                        ("tHeldComplete", json!({"max": 120000, "min": 1000, "count": 9, "sum": 4567890})),
                        ("tAcw", json!({"max": 300000, "min": 500, "count": n - 6, "sum": 28246779})),
                    ]
                    .into_iter()
                    .map(|(m, s)| json!({"metric": m, "stats": s}))
                    .collect();
                    results.push(json!({"group": {"mediaType": media, "queueId": id(i)},
                        "data": [{"interval": "2026-03-02T00:00:00.000Z/2026-03-03T00:00:00.000Z", "metrics": metrics}]}));
                }
            }
            serde_json::to_vec(&json!({ "results": results })).expect("json")
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let obs = observation_batches();
    let agg = aggregate_batches();
    let dir: Vec<QueueInfo> = (0..QUEUES)
        .map(|i| QueueInfo {
            id: id(i),
            label: format!("Queue {i}"),
            sla: vec![(Channel::Voice, 20.0), (Channel::Chat, 45.0)],
        })
        .collect();
    let bytes: usize = obs.iter().chain(&agg).map(Vec::len).sum();
    eprintln!(
        "payload: {QUEUES} queues, {} observation and {} aggregate answers, {bytes} bytes in all",
        obs.len(),
        agg.len()
    );
    let now = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut g = c.benchmark_group("genesys_cloud_ingest");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_normalize", |b| {
        b.iter(|| {
            let o: Vec<_> = obs
                .iter()
                .map(|p| parse_observations(p).expect("observations"))
                .collect();
            let a: Vec<_> = agg
                .iter()
                .map(|p| (1_772_409_600, parse_aggregates(p).expect("aggregates")))
                .collect();
            normalize(&dir, &o, &a, None, now).expect("normalize")
        })
    });
    g.bench_function("baseline_serde_json_value", |b| {
        b.iter(|| {
            obs.iter()
                .chain(&agg)
                .map(|p| serde_json::from_slice::<Value>(p).expect("json"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
