//! Per-scrape cost against the number of agents: a `/metrics` body for a 5,000-agent
//! snapshot must cost the same as for a 50-agent one (the vendor section is rendered
//! once per poll; agents only change the counts in it). The 50-agent case is the
//! baseline measured in the same run. Each size is scraped in both exposition formats
//! (text 0.0.4 and OpenMetrics, plain and gzip): both are cached bytes, so OpenMetrics
//! should cost what text costs.
//!
//! `agent_series`: the same 5,000-agent snapshot with `agent_series: true` (nine series
//! per agent) against it with them off, per scrape and per render (the once-per-poll
//! cost of building both formats and their gzip prefixes).

use std::sync::Arc;
use std::time::SystemTime;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use contact_center_exporter::config;
use contact_center_exporter::hub::Hub;
use contact_center_exporter::model::{
    Agent, Channel, QueueAgents, QueueGauges, QueueKey, Snapshot,
};
use contact_center_exporter::negotiate::Format;
use contact_center_exporter::store::SourceEntry;

const STATES: [&str; 6] = [
    "Ready",
    "On Call",
    "Wrap-up",
    "Break",
    "Not Ready",
    "Ringing",
];

fn hub_with_agents(n: usize) -> Arc<Hub> {
    hub_with(n, false)
}

/// `n` agents (named, as a vendor would), per-agent series on or off.
fn hub_with(n: usize, agent_series: bool) -> Arc<Hub> {
    let yaml = format!(
        "sources:\n  - {{name: bench, vendor: exotel, base_url: \"http://127.0.0.1:1\", \
         cc_id: 1, username: u, password: p, max_staleness: 1h, \
         agent_series: {agent_series}, max_agent_series: 10000}}\n"
    );
    let cfg = config::parse(&yaml, "bench.yml")
        .expect("bench config")
        .sources
        .remove(0);
    let entry = Arc::new(SourceEntry::new(&cfg));
    let agents: Vec<Agent> = (0..n)
        .map(|i| Agent {
            id: format!("a{i}"),
            name: Some(format!("Agent Person {i}")),
            vendor_state: STATES[i % STATES.len()].into(),
            state_age_seconds: Some(i as f64),
        })
        .collect();
    let queues: Vec<String> = (0..10).map(|q| format!("queue-{q}")).collect();
    let mut queue_agents = Vec::new();
    for q in &queues {
        for s in STATES {
            queue_agents.push(QueueAgents {
                queue: q.clone(),
                vendor_state: s.into(),
                count: (n / 60) as u64,
            });
        }
    }
    let snap = Snapshot {
        agents: Some(agents),
        queue_agents: Some(queue_agents),
        queues: Some(
            queues
                .iter()
                .map(|q| QueueGauges {
                    key: QueueKey {
                        queue: q.clone(),
                        channel: Channel::Voice,
                    },
                    waiting: Some(3),
                    oldest_wait_seconds: Some(12.0),
                    sla_threshold_seconds: None,
                })
                .collect(),
        ),
        ..Default::default()
    };
    entry.data.lock().unwrap().ingest(snap, &entry.mapper, 0);
    {
        let mut st = entry.status.lock().unwrap();
        st.up = true;
        st.polls = 1;
        st.last_success = Some(SystemTime::now());
    }
    let hub = Hub::new();
    hub.set_sources(vec![entry]);
    hub
}

fn scrape(c: &mut Criterion) {
    let mut g = c.benchmark_group("scrape");
    for n in [50usize, 5000] {
        let hub = hub_with_agents(n);
        let len: usize = hub
            .scrape(SystemTime::now(), false)
            .iter()
            .map(|b| b.len())
            .sum();
        eprintln!("{n} agents: body {len} bytes");
        g.bench_with_input(BenchmarkId::new("plain", n), &hub, |b, hub| {
            b.iter(|| hub.scrape(SystemTime::now(), false))
        });
        g.bench_with_input(BenchmarkId::new("gzip", n), &hub, |b, hub| {
            b.iter(|| hub.scrape(SystemTime::now(), true))
        });
        let om = Format::OpenMetrics;
        g.bench_with_input(BenchmarkId::new("openmetrics_plain", n), &hub, |b, hub| {
            b.iter(|| hub.scrape_as(SystemTime::now(), om, false))
        });
        g.bench_with_input(BenchmarkId::new("openmetrics_gzip", n), &hub, |b, hub| {
            b.iter(|| hub.scrape_as(SystemTime::now(), om, true))
        });
    }
    g.finish();
}

fn agent_series(c: &mut Criterion) {
    let mut g = c.benchmark_group("agent_series");
    for (label, on) in [("off", false), ("on", true)] {
        let hub = hub_with(5000, on);
        let len: usize = hub
            .scrape(SystemTime::now(), false)
            .iter()
            .map(|b| b.len())
            .sum();
        eprintln!("5000 agents, agent_series {label}: body {len} bytes");
        g.bench_with_input(BenchmarkId::new("scrape_plain", label), &hub, |b, hub| {
            b.iter(|| hub.scrape(SystemTime::now(), false))
        });
        g.bench_with_input(BenchmarkId::new("scrape_gzip", label), &hub, |b, hub| {
            b.iter(|| hub.scrape(SystemTime::now(), true))
        });
        g.bench_with_input(BenchmarkId::new("render", label), &hub, |b, hub| {
            b.iter(|| hub.render(SystemTime::now()))
        });
    }
    g.finish();
}

criterion_group!(benches, scrape, agent_series);
criterion_main!(benches);
