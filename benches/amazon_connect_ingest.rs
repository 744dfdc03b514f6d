//! Amazon Connect ingest: parse + normalize throughput of a 1,000-queue
//! `GetMetricDataV2` answer (10 pages of 100 rows, the model's maximum, one queue ×
//! channel per row with the seven metrics the source asks for, the SLA one with its
//! threshold echoed), beside `serde_json::from_slice::<Value>` over the same bytes (the
//! baseline, measured in the same run). Pretty-printed; values as doubles, some null.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

use contact_center_exporter::sources::amazon_connect::api::{Queue, V2_METRICS};
use contact_center_exporter::sources::amazon_connect::normalize;
use contact_center_exporter::sources::amazon_connect::types::parse_metric_data;

const QUEUES: usize = 1000;
const PAGE: usize = 100;
const DAY: i64 = 1_772_409_600;

fn queue_id(i: usize) -> String {
    format!("2f6b3c1e-55a4-4e1c-9c77-{i:012}")
}

fn pages() -> Vec<Vec<u8>> {
    (0..QUEUES / PAGE)
        .map(|p| {
            let rows: Vec<Value> = (p * PAGE..(p + 1) * PAGE)
                .map(|i| {
                    let collections: Vec<Value> = V2_METRICS
                        .iter()
                        .enumerate()
                        .map(|(k, name)| {
                            let mut metric = json!({ "Name": name });
                            if *name == "SUM_CONTACTS_ANSWERED_IN_X" {
                                metric["Threshold"] =
                                    json!([{"Comparison": "LT", "ThresholdValue": 20.0}]);
                            }
                            let value = if (i + k).is_multiple_of(13) {
                                Value::Null
                            } else {
                                json!(((i * 31 + k * 7) % 5000) as f64 + 0.5)
                            };
                            json!({"Metric": metric, "Value": value})
                        })
                        .collect();
                    let channel = ["VOICE", "CHAT", "TASK", "EMAIL"][i % 4];
                    json!({
                        "Dimensions": {"QUEUE": queue_id(i), "CHANNEL": channel},
                        "MetricInterval": {"Interval": "DAY", "StartTime": DAY, "EndTime": DAY + 86_400},
                        "Collections": collections
                    })
                })
                .collect();
            let mut page = json!({ "MetricResults": rows });
            if p + 1 < QUEUES / PAGE {
                page["NextToken"] = json!(format!("token-{}", p + 1));
            }
            serde_json::to_vec_pretty(&page).expect("json")
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let pages = pages();
    let queues: Vec<Queue> = (0..QUEUES)
        .map(|i| Queue {
            id: queue_id(i),
            name: format!("Queue {i}"),
        })
        .collect();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    eprintln!(
        "payload: {QUEUES} queue rows in {} pages, {bytes} bytes",
        pages.len()
    );
    let now = chrono::DateTime::from_timestamp(DAY + 36_000, 0).expect("time");
    let mut g = c.benchmark_group("amazon_connect_ingest");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_normalize", |b| {
        b.iter(|| {
            let rows: Vec<_> = pages
                .iter()
                .flat_map(|p| parse_metric_data(p).expect("page").metric_results)
                .collect();
            normalize(&queues, vec![], vec![(DAY, rows)], vec![], now, 20.0)
        })
    });
    g.bench_function("baseline_serde_json_value", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| serde_json::from_slice::<Value>(p).expect("json"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
