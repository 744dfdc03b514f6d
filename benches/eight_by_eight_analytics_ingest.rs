//! 8x8 Analytics ingest: parse + normalize throughput of a 1,000-queue, 5,000-agent
//! real-time answer (`/queues` with every metric the source asks for on one page of
//! 1,000, `/agents` on five), beside `serde_json::from_slice::<Value>` over the same
//! bytes (the baseline, measured in the same run). Pretty-printed, like 8x8's examples;
//! values as numbers, numeric strings and nulls, as the examples show them.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

use contact_center_exporter::sources::eight_by_eight_analytics::normalize;
use contact_center_exporter::sources::eight_by_eight_analytics::types::{
    parse_agents, parse_queues, QUEUE_METRICS,
};

const QUEUES: usize = 1000;
const AGENTS: usize = 5000;
const PAGE: usize = 1000;

fn queues_page() -> Vec<u8> {
    let queues: Vec<Value> = (0..QUEUES)
        .map(|i| {
            let metrics: Vec<Value> = QUEUE_METRICS
                .iter()
                .enumerate()
                .map(|(k, key)| {
                    let value = match (i + k) % 7 {
                        0 => json!((i * 7 + k) % 500),
                        1 => json!(((i + k) % 40).to_string()),
                        2 => Value::Null,
                        3 => json!(((i * 31 + k) % 90_000) as f64 + 0.5),
                        _ => json!((i + k) % 100),
                    };
                    json!({"key": key, "value": value})
                })
                .chain([
                    json!({"key": "slaPercentage.today", "value": 87.5}),
                    json!({"key": "busy.rt", "value": "3"}),
                ])
                .collect();
            json!({"id": (1000 + i).to_string(), "name": format!("Queue {i}"), "metrics": metrics})
        })
        .collect();
    serde_json::to_vec_pretty(&queues).expect("json")
}

fn agent_pages() -> Vec<Vec<u8>> {
    let states = [
        "Available",
        "Handling",
        "WrapUp",
        "OnBreak",
        "WorkingOffline",
        "LoggedOut",
        "Offering",
    ];
    (0..AGENTS / PAGE)
        .map(|p| {
            let agents: Vec<Value> = (p * PAGE..(p + 1) * PAGE)
                .map(|i| {
                    json!({"id": format!("agAD21EBR1RhuV2T{i:07}"), "name": format!("Agent {i}"),
                    "metrics": [
                        {"key": "status.rt", "value": states[i % states.len()]},
                        {"key": "timeOnStatus.rt", "value": (i as u64 * 7919) % 86_400_000}
                    ]})
                })
                .collect();
            serde_json::to_vec_pretty(&agents).expect("json")
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let queues = queues_page();
    let agents = agent_pages();
    let bytes = queues.len() + agents.iter().map(Vec::len).sum::<usize>();
    eprintln!(
        "payload: {} queues in {} bytes, {} agents in {} pages, {bytes} bytes in all",
        QUEUES,
        queues.len(),
        AGENTS,
        agents.len()
    );
    let mut g = c.benchmark_group("eight_by_eight_analytics_ingest");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_normalize", |b| {
        b.iter(|| {
            let q = parse_queues(&queues).expect("queues");
            let a: Vec<_> = agents
                .iter()
                .flat_map(|p| parse_agents(p).expect("agents"))
                .collect();
            normalize(q, a, 1_700_000_000)
        })
    });
    g.bench_function("baseline_serde_json_value", |b| {
        b.iter(|| {
            std::iter::once(&queues)
                .chain(&agents)
                .map(|p| serde_json::from_slice::<Value>(p).expect("json"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
