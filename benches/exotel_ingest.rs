//! Exotel ingest: parse + normalize throughput of User Monitoring API pages for a
//! 10,000-user contact center, beside `serde_json::from_slice::<Value>` over the same
//! bytes (the baseline, measured in the same run).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;

use contact_center_exporter::sources::exotel::{normalize, types::parse_page};

const USERS: usize = 10_000;
const PAGE: usize = 1000;

fn pages() -> Vec<Vec<u8>> {
    let states = [
        "Ready",
        "On Call",
        "Wrap-up",
        "Break",
        "Not Ready",
        "Ringing",
    ];
    (0..USERS / PAGE)
        .map(|p| {
            let rows: Vec<_> = (p * PAGE..(p + 1) * PAGE)
                .map(|i| {
                    json!({"data": {
                        "contact_center_id": 6, "user_id": format!("user{i}"), "user_name": format!("User {i}"),
                        "user_status": states[i % states.len()], "user_status_duration": i % 900,
                        "service_info": {"instance_id": null, "sip_trunk_id": null, "grpc_callback_url": null},
                        "campaign_id": i % 50, "campaign_name": format!("campaign-{}", i % 50),
                        "queue_id": null, "queue_name": null, "interaction_id": format!("user{i}_{}", i % 50),
                        "channel_details": {"channel_type": "VOICE", "addition_details": {}},
                        "customer_status": null, "customer_status_duration": null,
                        "customer_details": {"id": null, "name": null,
                            "phone_info": {"phone": null, "display_phone": null, "unique_identifier": null},
                            "crt_object_id": null, "addition_details": {}},
                        "waiting": false}})
                })
                .collect();
            serde_json::to_vec(&json!({"http_code": 200, "method": "GET", "request_id": "bench",
                "response": rows, "metadata": {"total": USERS, "count": PAGE, "offset": p * PAGE, "limit": PAGE}}))
            .expect("json")
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let pages = pages();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("exotel_ingest");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_normalize", |b| {
        b.iter(|| {
            let sessions: Vec<_> = pages
                .iter()
                .flat_map(|p| {
                    parse_page(p)
                        .expect("page")
                        .response
                        .into_iter()
                        .filter_map(|r| r.data)
                })
                .collect();
            normalize(&sessions, &[])
        })
    });
    g.bench_function("baseline_serde_json_value", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| serde_json::from_slice::<serde_json::Value>(p).expect("json"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
