//! Twilio TaskRouter against a local mock that answers as Twilio's OpenAPI description
//! shows: through the real binary, 120 TaskQueues on three pages and three bulk
//! requests (≤ 50 SIDs each), numeric strings, exact waiting, oldest wait, queue agents,
//! agent states and today's counters over repeated polls and a growing day; a wrong
//! secret; and, on the source itself, a 429 and a 500, the queue filter, and the day
//! rollover with the previous day read again.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{json, Value};

use common::{sample, Exporter, Mock, MockResponse, Recorded};
use contact_center_exporter::http::PollContext;
use contact_center_exporter::model::QueueCounter;
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::twilio_taskrouter::{Config, TaskRouterSource};
use contact_center_exporter::sources::{self, Source};
use contact_center_exporter::state::StateMapper;
use contact_center_exporter::store::SourceData;

const WS: &str = "WS0123456789abcdef0123456789abcdef";
const SK: &str = "SKfedcba9876543210fedcba9876543210";
const SECRET: &str = "tw-S3cret-4f9a2b7c1d";
/// The mock serves at most this many items a page (as Twilio does for `PageSize=40`),
/// so that 120 TaskQueues take three pages.
const MOCK_PAGE: usize = 40;
const QUEUES: usize = 120;

/// A day's totals of the mock; TaskQueue `i` reports these plus `i`.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
struct Day {
    entered: u64,
    accepted: u64,
    canceled: u64,
    completed: u64,
    in_sla: u64,
}

/// What the mock Workspace holds.
struct State {
    /// Today's totals (a window without `EndDate`).
    today: Day,
    /// The previous day's (a window with `EndDate`).
    yesterday: Day,
    /// Answer the bulk request with this status instead, once per entry.
    fail_bulk: Vec<u16>,
}

struct Twilio {
    mock: Mock,
    state: Arc<Mutex<State>>,
}

fn sid(i: usize) -> String {
    format!("WQ{i:032x}")
}

fn name(i: usize) -> String {
    // Two TaskQueues share a name: one series, two ledger scopes.
    if i >= QUEUES - 2 {
        "Shared".into()
    } else {
        format!("Queue {i:03}")
    }
}

fn twilio_error(status: u16, code: u32, message: &str) -> MockResponse {
    let mut m = MockResponse::status(
        status,
        json!({"code": code, "message": message,
               "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status})
        .to_string(),
    );
    m.headers
        .push(("content-type".into(), "application/json".into()));
    m
}

fn basic_ok(r: &Recorded) -> bool {
    use base64::Engine;
    let want = base64::engine::general_purpose::STANDARD.encode(format!("{SK}:{SECRET}"));
    r.headers.get("authorization").map(String::as_str) == Some(&format!("Basic {want}"))
}

/// A page of `items` under `key` from the offset in `PageToken`, with an absolute
/// `next_page_url` on Twilio's own host, as the spec's examples show.
fn page(r: &Recorded, key: &str, items: Vec<Value>) -> MockResponse {
    let offset: usize = r
        .param("PageToken")
        .and_then(|t| t.strip_prefix("PT"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let size = r
        .param("PageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(50)
        .min(MOCK_PAGE);
    let next = (offset + size < items.len()).then(|| {
        format!(
            "https://taskrouter.twilio.com{}?PageSize={size}&Page={}&PageToken=PT{}",
            r.path,
            offset / size + 1,
            offset + size
        )
    });
    let list: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    MockResponse::json(
        json!({key: list, "meta": {"key": key, "next_page_url": next, "page": offset / size,
               "page_size": size, "previous_page_url": null}})
        .to_string(),
    )
}

fn real_time(i: usize) -> Value {
    // Pending as numeric strings (the spec's description), reserved as numbers (its
    // example); the oldest age of a queue where nothing waits must read as 0.
    json!({"task_queue_sid": sid(i), "longest_task_waiting_age": 10 + i,
           "longest_task_waiting_sid": "WTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
           "total_tasks": 9, "total_eligible_workers": 5, "total_available_workers": 1,
           "tasks_by_status": {"pending": (i % 3).to_string(), "reserved": i % 2, "assigned": "4", "wrapping": 1},
           "tasks_by_priority": {"0": "3"},
           "activity_statistics": [
               {"friendly_name": "Available", "workers": i % 4, "sid": "WA1"},
               {"friendly_name": "Busy", "workers": "2", "sid": "WA2"},
               {"friendly_name": "Offline", "workers": 0, "sid": "WA3"},
               {"friendly_name": "Email follow-up", "workers": 1, "sid": "WA7"}]})
}

fn workers(now: DateTime<Utc>) -> Vec<Value> {
    [
        "Available",
        "Idle",
        "Reserved",
        "Busy",
        "Wrap-up",
        "Offline",
        "Lunch",
    ]
    .iter()
    .enumerate()
    .map(|(i, a)| {
        let changed = now - chrono::Duration::seconds(60 * (i as i64 + 1));
        json!({"sid": format!("WK{i:032x}"), "friendly_name": format!("Agent {i}"),
                   "activity_name": a, "available": i < 2, "attributes": "{}",
                   "date_status_changed": changed.to_rfc3339_opts(SecondsFormat::Secs, true)})
    })
    .collect()
}

/// The Workspace's Activities: the Workers' ones, "Lunch" (in no default table: its
/// `available` flag decides) and "Email follow-up" (available; no Worker in it).
fn activities() -> Vec<Value> {
    [
        ("Available", true),
        ("Idle", true),
        ("Reserved", false),
        ("Busy", false),
        ("Wrap-up", false),
        ("Offline", false),
        ("Lunch", false),
        ("Email follow-up", true),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, available))| {
        json!({"sid": format!("WA{i:032x}"), "friendly_name": name, "available": available,
               "workspace_sid": WS, "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    })
    .collect()
}

impl Twilio {
    fn start(today: Day) -> Twilio {
        let state = Arc::new(Mutex::new(State {
            today,
            yesterday: Day::default(),
            fail_bulk: Vec::new(),
        }));
        let s2 = state.clone();
        let mock = Mock::start(move |r| {
            if !basic_ok(r) {
                return twilio_error(401, 20003, "Authenticate");
            }
            let Some(rest) = r.path.strip_prefix(&format!("/v1/Workspaces/{WS}/")) else {
                return twilio_error(404, 20404, "The requested resource was not found");
            };
            let parts: Vec<&str> = rest.split('/').collect();
            match (r.method.as_str(), parts.as_slice()) {
                ("GET", ["TaskQueues"]) => page(
                    r,
                    "task_queues",
                    (0..QUEUES)
                        .map(|i| json!({"sid": sid(i), "friendly_name": name(i), "task_order": "FIFO"}))
                        .collect(),
                ),
                ("POST", ["TaskQueues", "RealTimeStatistics"]) => {
                    if let Some(status) = {
                        let mut st = s2.lock().unwrap();
                        (!st.fail_bulk.is_empty()).then(|| st.fail_bulk.remove(0))
                    } {
                        return if status == 429 {
                            MockResponse::status(429, r#"{"type":"https://www.twilio.com/docs/errors/20429","title":"Too Many Requests","status":429,"code":20429,"detail":"Rate limit exceeded"}"#)
                        } else {
                            twilio_error(status, 20500, "Internal Server Error")
                        };
                    }
                    let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                    let Some(Value::Array(sids)) = body.get("queueSids") else {
                        return twilio_error(400, 20001, "queueSids is required");
                    };
                    if sids.is_empty() || sids.len() > 50 {
                        return twilio_error(400, 20001, "1 to 50 TaskQueue SIDs");
                    }
                    let data: Vec<Value> = sids
                        .iter()
                        .filter_map(|s| (0..QUEUES).find(|i| Some(sid(*i).as_str()) == s.as_str()))
                        .map(real_time)
                        .collect();
                    MockResponse::json(
                        json!({"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "workspace_sid": WS,
                               "task_queue_response_count": data.len(), "task_queue_data": data})
                        .to_string(),
                    )
                }
                ("GET", ["TaskQueues", q, "CumulativeStatistics"]) => {
                    let Some(i) = (0..QUEUES).find(|i| sid(*i) == *q) else {
                        return twilio_error(404, 20404, "The requested resource was not found");
                    };
                    if r.param("Minutes").is_some() {
                        return twilio_error(400, 20001, "Minutes cannot be used with StartDate");
                    }
                    let Some(start) = r.param("StartDate") else {
                        return twilio_error(400, 20001, "this mock wants a StartDate");
                    };
                    let st = s2.lock().unwrap();
                    let d = if r.param("EndDate").is_some() { st.yesterday } else { st.today };
                    let t = r.param("SplitByWaitTime").unwrap_or("none");
                    let n = |v: u64| if v == 0 { 0 } else { v + i as u64 };
                    MockResponse::json(
                        json!({"task_queue_sid": q, "workspace_sid": WS, "start_time": start,
                               "end_time": r.param("EndDate").unwrap_or(start),
                               "tasks_entered": n(d.entered), "reservations_accepted": n(d.accepted),
                               "tasks_canceled": n(d.canceled), "tasks_completed": n(d.completed),
                               "tasks_moved": 0, "tasks_deleted": 0, "avg_task_acceptance_time": 7,
                               "split_by_wait_time": {t: {"below": {"reservations_accepted": n(d.in_sla), "tasks_canceled": 0},
                                                          "above": {"reservations_accepted": 0, "tasks_canceled": 0}}}})
                        .to_string(),
                    )
                }
                ("GET", ["Workers"]) => page(r, "workers", workers(Utc::now())),
                ("GET", ["Activities"]) => page(r, "activities", activities()),
                _ => twilio_error(404, 20404, "The requested resource was not found"),
            }
        });
        Twilio { mock, state }
    }

    fn config(&self, tz: chrono_tz::Tz) -> Config {
        Config {
            base_url: url::Url::parse(&self.mock.url("")).unwrap(),
            workspace_sid: WS.into(),
            api_key_sid: SK.into(),
            api_key_secret: Secret::new(SECRET),
            queues: None,
            sla_seconds: 20,
            time_zone: tz,
        }
    }

    fn requests(&self, suffix: &str) -> Vec<Recorded> {
        self.mock
            .recorded()
            .into_iter()
            .filter(|r| r.path.ends_with(suffix))
            .collect()
    }
}

fn yaml(base: &str, secret: &str) -> String {
    format!(
        "sources:\n  - name: flex\n    vendor: twilio_taskrouter\n    base_url: {base}\n    interval: 2s\n    timeout: 1500ms\n    workspace_sid: {WS}\n    api_key_sid: {SK}\n    api_key_secret: {secret}\n    sla_threshold: 20s\n    time_zone: Asia/Kolkata\n"
    )
}

fn q(metric: &str, queue: &str) -> String {
    format!(
        r#"{metric}{{source="flex",vendor="twilio_taskrouter",queue="{queue}",channel="other"}}"#
    )
}

/// The sum over every TaskQueue of a day's figure `v` (queue `i` reports `v + i`).
fn total(v: u64) -> f64 {
    (0..QUEUES as u64).map(|i| v + i).sum::<u64>() as f64
}

fn day_total(text: &str, metric: &str) -> f64 {
    (0..QUEUES - 2)
        .map(name)
        .chain(["Shared".to_string()])
        .map(|n| sample(text, &q(metric, &n)).unwrap_or_else(|| panic!("{metric} {n}:\n{text}")))
        .sum()
}

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn spec_shapes_through_the_binary_are_exact_over_polls_and_a_growing_day() {
    let day = Day {
        entered: 10,
        accepted: 7,
        canceled: 2,
        completed: 5,
        in_sla: 4,
    };
    let m = Twilio::start(day);
    let e = Exporter::start(&yaml(&m.mock.url(""), SECRET), &[]);
    e.wait_for_sample(
        r#"contact_center_source_up{source="flex",vendor="twilio_taskrouter"}"#,
        1.0,
        WAIT,
    );
    let text = e.scrape();
    // Waiting = pending + reserved; nothing waiting is no wait.
    for i in [0usize, 1, 2, 3, 5, 6] {
        let waiting = (i % 3 + i % 2) as f64;
        assert_eq!(
            sample(&text, &q("contact_center_queue_waiting", &name(i))),
            Some(waiting),
            "{i}"
        );
        let oldest = if waiting == 0.0 { 0.0 } else { (10 + i) as f64 };
        assert_eq!(
            sample(
                &text,
                &q("contact_center_queue_oldest_wait_seconds", &name(i))
            ),
            Some(oldest),
            "{i}"
        );
        assert_eq!(
            sample(
                &text,
                &q("contact_center_queue_sla_threshold_seconds", &name(i))
            ),
            Some(20.0)
        );
        let agents = |state: &str| {
            sample(
                &text,
                &format!(
                    r#"contact_center_queue_agents{{source="flex",vendor="twilio_taskrouter",queue="{}",state="{state}"}}"#,
                    name(i)
                ),
            )
        };
        // "Email follow-up" is in no table: its Activity's `available` flag counts it.
        assert_eq!(
            (agents("available"), agents("busy"), agents("offline")),
            (Some((i % 4 + 1) as f64), Some(2.0), Some(0.0))
        );
    }
    // Same-named TaskQueues 118 and 119: waiting adds up (118: 1+0, 119: 2+1), the
    // longer oldest wait wins.
    assert_eq!(
        sample(&text, &q("contact_center_queue_waiting", "Shared")),
        Some(4.0)
    );
    assert_eq!(
        sample(
            &text,
            &q("contact_center_queue_oldest_wait_seconds", "Shared")
        ),
        Some(129.0)
    );
    // Agent states from the Workers' Activities; "Lunch" is no default name, so its
    // Activity's `available` flag (false) makes it unavailable, not other.
    let agents = |state: &str| {
        sample(
            &text,
            &format!(
                r#"contact_center_agents{{source="flex",vendor="twilio_taskrouter",state="{state}"}}"#
            ),
        )
    };
    assert_eq!(
        [
            "available",
            "ringing",
            "busy",
            "wrap_up",
            "offline",
            "unavailable",
            "other"
        ]
        .map(agents),
        [
            Some(2.0),
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(0.0)
        ]
    );
    // Today's counters: every TaskQueue's own day (the shared name sums two scopes).
    let counters = |text: &str| {
        [
            "contact_center_queue_entered_total",
            "contact_center_queue_answered_total",
            "contact_center_queue_abandoned_total",
            "contact_center_queue_answered_in_sla_total",
            "contact_center_queue_handled_total",
        ]
        .map(|m| day_total(text, m))
    };
    assert_eq!(counters(&text), [10, 7, 2, 4, 5].map(total));
    assert_eq!(
        sample(&text, &q("contact_center_queue_entered_total", "Shared")),
        Some((10 + 118 + 10 + 119) as f64)
    );
    // Repeated polls of the same day add nothing.
    let polls = |t: &str| {
        sample(
            t,
            r#"contact_center_source_poll_duration_seconds_count{source="flex",vendor="twilio_taskrouter"}"#,
        )
        .unwrap_or(0.0)
    };
    let p0 = polls(&text);
    e.wait_until("two more polls", WAIT, |e| polls(&e.scrape()) >= p0 + 2.0);
    assert_eq!(counters(&e.scrape()), [10, 7, 2, 4, 5].map(total));
    // The day grows: only the growth is added.
    m.state.lock().unwrap().today = Day {
        entered: 13,
        accepted: 9,
        canceled: 3,
        completed: 8,
        in_sla: 5,
    };
    e.wait_until("the grown day", WAIT, |e| {
        day_total(&e.scrape(), "contact_center_queue_entered_total") == total(13)
    });
    let p1 = polls(&e.scrape());
    e.wait_until("two more polls", WAIT, |e| polls(&e.scrape()) >= p1 + 2.0);
    assert_eq!(counters(&e.scrape()), [13, 9, 3, 5, 8].map(total));

    // Three pages of TaskQueues, listed once (the list is cached), and bulk requests of
    // at most 50 SIDs that together name every TaskQueue once per poll.
    let lists = m.requests("/TaskQueues");
    assert_eq!(lists.len(), 3, "one listing of three pages");
    assert_eq!(lists[0].param("PageSize"), Some("1000"));
    assert_eq!(lists[2].param("PageToken"), Some("PT80"));
    // The Activities: one request over every poll so far (cached like the TaskQueues).
    let acts = m.requests("/Activities");
    assert_eq!(acts.len(), 1, "the Activities are listed once");
    assert_eq!(acts[0].param("PageSize"), Some("1000"));
    let bulk = m.requests("/TaskQueues/RealTimeStatistics");
    let sizes: Vec<usize> = bulk
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["queueSids"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert!(
        sizes.len() >= 9 && sizes.chunks(3).all(|c| c.len() < 3 || c == [50, 50, 20]),
        "{sizes:?}"
    );
    assert!(bulk
        .iter()
        .all(|r| r.headers.get("content-type").map(String::as_str) == Some("application/json")));
    // Cumulative requests: from local midnight in Asia/Kolkata, in UTC, split by the
    // threshold, never with Minutes.
    let cum = m.requests("/CumulativeStatistics");
    let now = Utc::now().with_timezone(&chrono_tz::Asia::Kolkata);
    let midnight =
        contact_center_exporter::local_day::day_start(now.date_naive(), chrono_tz::Asia::Kolkata);
    let today: Vec<&Recorded> = cum
        .iter()
        .filter(|r| r.param("EndDate").is_none())
        .collect();
    assert!(today.len() >= QUEUES * 4);
    assert!(today
        .iter()
        .all(|r| r.param("SplitByWaitTime") == Some("20") && r.param("Minutes").is_none()));
    assert!(
        today.iter().any(|r| r.param("StartDate")
            == Some(midnight.to_rfc3339_opts(SecondsFormat::Secs, true).as_str())),
        "{:?}",
        today.last().map(|r| r.query.clone())
    );
    assert!(!e.log_lines().iter().any(|l| l.contains(SECRET)));
}

#[test]
fn a_wrong_secret_is_one_clear_line_and_never_printed() {
    let m = Twilio::start(Day::default());
    let e = Exporter::start(&yaml(&m.mock.url(""), "not-the-Secret-123"), &[]);
    e.wait_until("the refused poll", WAIT, |e| {
        e.log_lines()
            .iter()
            .any(|l| l.contains("code 20003: Authenticate"))
    });
    let line = e
        .log_lines()
        .into_iter()
        .find(|l| l.contains("code 20003: Authenticate"))
        .unwrap();
    assert!(
        line.contains("HTTP 401") && line.contains("check api_key_sid and api_key_secret"),
        "{line}"
    );
    let text = e.scrape();
    assert_eq!(
        sample(
            &text,
            r#"contact_center_source_up{source="flex",vendor="twilio_taskrouter"}"#
        ),
        Some(0.0)
    );
    for secret in ["not-the-Secret-123", SECRET] {
        assert!(!text.contains(secret));
        assert!(!e.log_lines().iter().any(|l| l.contains(secret)));
    }
    assert!(!e.config_check().contains("not-the-Secret-123"));
}

fn ctx(now: DateTime<Utc>) -> PollContext {
    common::poll_ctx("flex", now, 32 << 20)
}

fn store() -> (StateMapper, SourceData) {
    let mapper = StateMapper::new(
        "flex",
        sources::find("twilio_taskrouter").unwrap().states(),
        &Default::default(),
    );
    (mapper, SourceData::default())
}

fn counter(data: &SourceData, c: QueueCounter) -> f64 {
    data.queue_counters
        .iter()
        .filter(|(k, _)| k.counter == c)
        .map(|(_, v)| *v)
        .sum()
}

#[tokio::test]
async fn a_429_and_a_500_fail_the_poll_and_count_nothing_twice() {
    let m = Twilio::start(Day {
        entered: 3,
        accepted: 2,
        canceled: 1,
        completed: 1,
        in_sla: 1,
    });
    let mut src = TaskRouterSource::new("flex", m.config(chrono_tz::UTC));
    let (mapper, mut data) = store();
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let snap = src.poll(&ctx(at)).await.unwrap();
    data.ingest(snap, &mapper, at.timestamp());
    m.state.lock().unwrap().fail_bulk = vec![429, 500];
    let e = src.poll(&ctx(at)).await.unwrap_err().to_string();
    assert!(
        e.contains("HTTP 429")
            && e.contains("code 20429: Too Many Requests: Rate limit exceeded")
            && e.contains("rate limit"),
        "{e}"
    );
    let e = src.poll(&ctx(at)).await.unwrap_err().to_string();
    assert!(
        e.contains("HTTP 500") && e.contains("code 20500: Internal Server Error"),
        "{e}"
    );
    for _ in 0..2 {
        let snap = src.poll(&ctx(at)).await.unwrap();
        data.ingest(snap, &mapper, at.timestamp());
    }
    assert_eq!(counter(&data, QueueCounter::Entered), total(3));
    assert_eq!(counter(&data, QueueCounter::AnsweredInSla), total(1));
}

#[tokio::test]
async fn the_queue_filter_reads_only_the_named_task_queues() {
    let m = Twilio::start(Day {
        entered: 1,
        ..Day::default()
    });
    let mut cfg = m.config(chrono_tz::UTC);
    cfg.queues = Some(vec![
        "Queue 007".into(),
        "Shared".into(),
        "No such queue".into(),
    ]);
    let mut src = TaskRouterSource::new("flex", cfg);
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let snap = src.poll(&ctx(at)).await.unwrap();
    let names: Vec<String> = snap
        .queues
        .unwrap()
        .into_iter()
        .map(|g| g.key.queue)
        .collect();
    assert_eq!(names, ["Queue 007", "Shared"]);
    let mut scopes: Vec<&str> = snap
        .queue_counts
        .iter()
        .map(|p| p.period.scope.as_str())
        .collect();
    scopes.sort();
    scopes.dedup();
    assert_eq!(
        scopes,
        [sid(7), sid(118), sid(119)]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(m.requests("/CumulativeStatistics").len(), 3);
    assert_eq!(m.requests("/TaskQueues/RealTimeStatistics").len(), 1);
}

#[tokio::test]
async fn the_day_rolls_over_with_yesterday_read_again_for_two_hours() {
    let m = Twilio::start(Day::default());
    let ny = chrono_tz::America::New_York;
    let mut src = TaskRouterSource::new("flex", m.config(ny));
    let (mapper, mut data) = store();
    let local = |d: u32, h: u32, mi: u32| {
        ny.with_ymd_and_hms(2026, 3, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    let d = |n: u64| Day {
        entered: n,
        ..Day::default()
    };
    // Local midnights in New York (EST): 05:00Z.
    const MAR4: &str = "2026-03-04T05:00:00Z";
    const MAR5: &str = "2026-03-05T05:00:00Z";
    let today4: &[(&str, &str)] = &[(MAR4, "-")];
    let both: &[(&str, &str)] = &[(MAR4, MAR5), (MAR5, "-")];
    let today5: &[(&str, &str)] = &[(MAR5, "-")];
    // (time, today's figure, the previous day's figure, expected total entered,
    // the windows asked for)
    let steps = [
        (local(4, 23, 50), d(10), d(0), total(10), today4),
        (local(4, 23, 59), d(13), d(0), total(13), today4),
        // After midnight: yesterday up to midnight (two late tasks) and today so far.
        (local(5, 0, 30), d(2), d(15), total(15) + total(2), both),
        (local(5, 1, 59), d(4), d(15), total(15) + total(4), both),
        // Two hours on, yesterday is no longer read and nothing is lost or repeated.
        (local(5, 2, 0), d(6), d(99), total(15) + total(6), today5),
    ];
    let mut asked = 0;
    for (at, today, yesterday, want, windows) in steps {
        {
            let mut st = m.state.lock().unwrap();
            st.today = today;
            st.yesterday = yesterday;
        }
        let snap = src.poll(&ctx(at)).await.unwrap();
        data.ingest(snap, &mapper, at.timestamp());
        assert_eq!(counter(&data, QueueCounter::Entered), want, "at {at}");
        // The windows this poll asked for, each for every TaskQueue.
        let cum = m.requests("/CumulativeStatistics");
        let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in &cum[asked..] {
            let w = (
                r.param("StartDate").unwrap().to_string(),
                r.param("EndDate").unwrap_or("-").to_string(),
            );
            *got.entry(w).or_default() += 1;
        }
        asked = cum.len();
        let want: BTreeMap<(String, String), usize> = windows
            .iter()
            .map(|(a, b)| ((a.to_string(), b.to_string()), QUEUES))
            .collect();
        assert_eq!(got, want, "at {at}");
    }
}

#[test]
fn the_demo_api_serves_the_source() {
    use contact_center_exporter::simulator::{ContactCenter, SimOptions, SimRequest, SimulatedApi};
    use contact_center_exporter::sources::twilio_taskrouter::simulate;
    let cc = ContactCenter::new(
        &SimOptions::default(),
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap(),
    );
    let (_, api) = simulate::demo(&url::Url::parse("http://127.0.0.1/").unwrap());
    let path = format!("/v1/Workspaces/{}/TaskQueues", simulate::DEMO_WORKSPACE_SID);
    let wrong = api.handle(
        &SimRequest::get(&path, &[], Some((simulate::DEMO_KEY_SID, "nope"))),
        &cc,
    );
    assert_eq!(wrong.status, 401);
    assert!(String::from_utf8_lossy(&wrong.body).contains("20003"));
    let ok = api.handle(
        &SimRequest::get(
            &path,
            &[("PageSize", "2")],
            Some((simulate::DEMO_KEY_SID, simulate::DEMO_KEY_SECRET)),
        ),
        &cc,
    );
    let v: Value = serde_json::from_slice(&ok.body).unwrap();
    assert_eq!(v["task_queues"].as_array().unwrap().len(), 2);
    assert!(v["meta"]["next_page_url"]
        .as_str()
        .unwrap()
        .starts_with("https://taskrouter.twilio.com/v1/"));
    let cum = api.handle(
        &SimRequest::get(
            &format!(
                "{path}/{}/CumulativeStatistics",
                v["task_queues"][0]["sid"].as_str().unwrap()
            ),
            &[("StartDate", "2026-03-02T00:00:00Z"), ("Minutes", "15")],
            Some((simulate::DEMO_KEY_SID, simulate::DEMO_KEY_SECRET)),
        ),
        &cc,
    );
    assert_eq!(cum.status, 400, "Minutes with StartDate is refused");
}
