//! Parse + normalize throughput of the Voximplant source's largest answer,
//! `GetACDOperatorStatusStatistics` for a full day by hour for 2,000 operators, beside a baseline
//! that only builds a `serde_json::Value` of the same bytes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Map, Value};

use contact_center_exporter::sources::voximplant::{status_periods, types};

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

/// `users` operators × 24 hours × 5 statuses, in the documented object shape or the
/// SDK's list shape.
fn payload(users: u64, list_shape: bool) -> Vec<u8> {
    let groups: Vec<Value> = (0..users)
        .map(|u| {
            let stats: Vec<Value> = (0..24)
                .map(|h| {
                    let items: Vec<(String, Value)> = (0..5)
                        .map(|i| {
                            let st = STATUSES[((u + h + i) % 8) as usize];
                            let sum = 60 + (u * 7 + h * 13 + i * 31) % 3000;
                            (st.to_string(), json!({"min": 10, "avg": sum / 2, "max": sum - 10, "count": 2, "sum": sum}))
                        })
                        .collect();
                    let acd = if list_shape {
                        Value::Array(items.into_iter().map(|(k, v)| json!({ k: v })).collect())
                    } else {
                        Value::Object(items.into_iter().collect::<Map<_, _>>())
                    };
                    json!({"date": "2019-05-20", "hour": h, "acd_status": acd})
                })
                .collect();
            json!({"user_id": 480_000 + u, "statistics": stats})
        })
        .collect();
    serde_json::to_vec(&json!({ "result": groups })).unwrap()
}

fn bench(c: &mut Criterion) {
    for (name, list) in [("object_shape", false), ("list_shape", true)] {
        let body = payload(2000, list);
        let mut g = c.benchmark_group(format!("voximplant_status_statistics_{name}"));
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function("parse_normalize", |b| {
            b.iter(|| {
                let groups = types::parse_status_statistics(&body).unwrap();
                let (periods, _) = status_periods(groups).unwrap();
                assert!(!periods.is_empty());
                periods
            })
        });
        g.bench_function("baseline_serde_json_value", |b| {
            b.iter(|| serde_json::from_slice::<Value>(&body).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
