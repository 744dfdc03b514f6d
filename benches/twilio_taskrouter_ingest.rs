//! Twilio TaskRouter ingest: parse + normalize throughput of a 1,000-TaskQueue poll (the
//! real-time statistics of 1,000 TaskQueues in 20 bulk answers of 50, and each
//! TaskQueue's cumulative statistics) and 5,000 Workers on 5 pages of 1,000, beside
//! `serde_json::from_slice::<Value>` over the same bytes (the baseline, measured in the
//! same run). Pretty-printed as in Twilio's examples; counts as numbers and numeric
//! strings, with the fields the source does not read.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

use contact_center_exporter::sources::twilio_taskrouter::types::{
    parse_bulk_real_time, parse_cumulative, parse_workers, TaskQueue,
};
use contact_center_exporter::sources::twilio_taskrouter::{normalize, DayTotals};

const QUEUES: usize = 1000;
const WORKERS: usize = 5000;
const PAGE: usize = 1000;

fn sid(i: usize) -> String {
    format!("WQ{i:032x}")
}

fn bulk_pages() -> Vec<Vec<u8>> {
    (0..QUEUES / 50)
        .map(|p| {
            let data: Vec<Value> = (p * 50..(p + 1) * 50)
                .map(|i| {
                    json!({"task_queue_sid": sid(i), "longest_task_waiting_age": i % 300,
                       "longest_task_waiting_sid": "WTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "total_tasks": i % 17, "total_eligible_workers": 20, "total_available_workers": i % 7,
                       "tasks_by_status": {"pending": (i % 5).to_string(), "reserved": i % 2,
                                           "assigned": "3", "wrapping": 1},
                       "tasks_by_priority": {"0": "2", "10": "1"},
                       "activity_statistics": [
                           {"friendly_name": "Available", "workers": i % 9, "sid": "WAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
                           {"friendly_name": "Break", "workers": "1", "sid": "WAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
                           {"friendly_name": "Offline", "workers": 6, "sid": "WAcccccccccccccccccccccccccccccccc"},
                           {"friendly_name": "Unavailable", "workers": 0, "sid": "WAdddddddddddddddddddddddddddddddd"}]})
                })
                .collect();
            serde_json::to_vec_pretty(&json!({
                "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "workspace_sid": "WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "url": "https://taskrouter.twilio.com/v1/Workspaces/WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/TaskQueues/RealTimeStatistics",
                "task_queue_response_count": 50, "task_queue_data": data}))
            .expect("json")
        })
        .collect()
}

fn cumulative_answers() -> Vec<Vec<u8>> {
    let wait = json!({"avg": 12, "min": 0, "max": 95, "total": 1234});
    (0..QUEUES)
        .map(|i| {
            serde_json::to_vec_pretty(&json!({
                "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "task_queue_sid": sid(i),
                "workspace_sid": "WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "url": format!("https://taskrouter.twilio.com/v1/Workspaces/WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/TaskQueues/{}/CumulativeStatistics", sid(i)),
                "start_time": "2026-03-02T05:00:00Z", "end_time": "2026-03-02T15:00:00Z",
                "avg_task_acceptance_time": 14, "reservations_created": 120 + i, "reservations_accepted": 100 + i,
                "reservations_rejected": 3, "reservations_timed_out": 5, "reservations_canceled": 2,
                "reservations_rescinded": 0, "tasks_entered": 110 + i, "tasks_canceled": 7, "tasks_completed": 95 + i,
                "tasks_deleted": 0, "tasks_moved": 1,
                "wait_duration_until_accepted": wait, "wait_duration_until_canceled": wait,
                "wait_duration_in_queue_until_accepted": wait,
                "split_by_wait_time": {"20": {"above": {"tasks_canceled": 3, "reservations_accepted": 10},
                                              "below": {"tasks_canceled": 4, "reservations_accepted": 90 + i}}}}))
            .expect("json")
        })
        .collect()
}

fn worker_pages() -> Vec<Vec<u8>> {
    let activities = [
        "Available",
        "Busy",
        "Wrap-up",
        "Break",
        "Offline",
        "Unavailable",
    ];
    (0..WORKERS / PAGE)
        .map(|p| {
            let workers: Vec<Value> = (p * PAGE..(p + 1) * PAGE)
                .map(|i| {
                    json!({"sid": format!("WK{i:032x}"), "friendly_name": format!("Agent {i}"),
                       "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "activity_sid": "WAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "activity_name": activities[i % activities.len()],
                       "workspace_sid": "WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "attributes": "{\"skills\":[\"support\"],\"languages\":[\"en\"]}",
                       "available": i % 6 == 0, "date_created": "2025-05-30T23:05:29Z",
                       "date_updated": "2026-03-02T09:05:29Z",
                       "date_status_changed": format!("2026-03-02T09:{:02}:{:02}Z", i % 60, (i * 7) % 60),
                       "url": format!("https://taskrouter.twilio.com/v1/Workspaces/WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Workers/WK{i:032x}")})
                })
                .collect();
            serde_json::to_vec_pretty(&json!({"workers": workers, "meta": {"page": p, "page_size": PAGE,
                "next_page_url": null, "key": "workers"}}))
            .expect("json")
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let bulk = bulk_pages();
    let cumulative = cumulative_answers();
    let workers = worker_pages();
    let queues: Vec<TaskQueue> = (0..QUEUES)
        .map(|i| TaskQueue {
            sid: sid(i),
            friendly_name: Some(format!("Queue {i}")),
        })
        .collect();
    let all: Vec<&Vec<u8>> = bulk.iter().chain(&cumulative).chain(&workers).collect();
    let bytes: usize = all.iter().map(|b| b.len()).sum();
    eprintln!(
        "payload: {QUEUES} TaskQueues in {} bulk answers and {} cumulative answers, {WORKERS} Workers in {} pages, {bytes} bytes in all",
        bulk.len(),
        cumulative.len(),
        workers.len()
    );
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap();
    let mut g = c.benchmark_group("twilio_taskrouter_ingest");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_normalize", |b| {
        b.iter(|| {
            let rt: Vec<_> = bulk
                .iter()
                .flat_map(|p| parse_bulk_real_time(p).expect("bulk").task_queue_data)
                .collect();
            let totals: Vec<DayTotals> = cumulative
                .iter()
                .zip(&queues)
                .map(|(c, q)| DayTotals {
                    sid: q.sid.clone(),
                    day_start: 1_772_427_600,
                    totals: parse_cumulative(c).expect("cumulative"),
                })
                .collect();
            let w: Vec<_> = workers
                .iter()
                .flat_map(|p| parse_workers(p).expect("workers").workers)
                .collect();
            normalize(&queues, rt, totals, w, 20, now)
        })
    });
    g.bench_function("baseline_serde_json_value", |b| {
        b.iter(|| {
            all.iter()
                .map(|p| serde_json::from_slice::<Value>(p).expect("json"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
