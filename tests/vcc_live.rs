//! The VCC Live source against a local mock of the Database API v2: the documented
//! example day, incremental paging (bytes per poll), failures that lose and double
//! count nothing, a log that shifts, day rollover in Europe/Budapest across both DST
//! changes, a golden `/metrics`, and a round trip through the demo simulator.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use common::{MockResponse, Recorded};

use contact_center_exporter::config::{self, SourceConfig};
use contact_center_exporter::http::{PollContext, RequestCounters};
use contact_center_exporter::model::{Snapshot, StateInterval};
use contact_center_exporter::sources::{self, Source, SourceError};
use contact_center_exporter::state::{AgentState, StateMapper};

const CUSTOMER: &str = "acme";
const TOKEN: &str = "s3cret-token";
const PREFIX: &str = "/api-gw/vcc";
const EXAMPLE: &str = include_str!("fixtures/vcc_live/userstate-example.json");

// ---------------------------------------------------------------------------------
// The mock server
// ---------------------------------------------------------------------------------

/// What the mock should do with the next request to a path.
#[derive(Clone)]
enum Failure {
    Status(u16, &'static str),
    Body(&'static str),
    Delay(Duration),
}

/// One request the mock answered.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: HashMap<String, String>,
    bytes: usize,
}

#[derive(Default)]
struct MockState {
    /// `yyyymmdd` → that day's log, in ASC order.
    days: HashMap<String, Vec<Value>>,
    /// The online users (`response` array).
    online: Vec<Value>,
    /// Failures to apply, by path suffix (`userstate`, `onlineusers`), in order.
    failures: Vec<(&'static str, Failure)>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
struct Mock {
    state: Arc<Mutex<MockState>>,
    server: Arc<common::Mock>,
}

impl Mock {
    async fn start() -> Mock {
        let state = Arc::new(Mutex::new(MockState::default()));
        let st = Arc::clone(&state);
        let server = Arc::new(common::Mock::start(move |r| answer(&st, r)));
        Mock { state, server }
    }

    fn base_url(&self) -> String {
        self.server.url(PREFIX)
    }

    fn set_day(&self, day: &str, records: Vec<Value>) {
        self.state
            .lock()
            .unwrap()
            .days
            .insert(day.to_string(), records);
    }

    fn push(&self, day: &str, records: Vec<Value>) {
        self.state
            .lock()
            .unwrap()
            .days
            .entry(day.to_string())
            .or_default()
            .extend(records);
    }

    fn insert(&self, day: &str, at: usize, record: Value) {
        self.state
            .lock()
            .unwrap()
            .days
            .get_mut(day)
            .unwrap()
            .insert(at, record);
    }

    fn set_online(&self, online: Vec<Value>) {
        self.state.lock().unwrap().online = online;
    }

    fn fail(&self, path: &'static str, f: Failure) {
        self.state.lock().unwrap().failures.push((path, f));
    }

    /// Requests answered since the last call.
    fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut self.state.lock().unwrap().seen)
    }
}

fn answer(st: &Mutex<MockState>, req: &Recorded) -> MockResponse {
    let path = req.path.clone();
    let query: HashMap<String, String> = req.query.iter().cloned().collect();
    use base64::Engine;
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CUSTOMER}:{TOKEN}"))
    );
    let authed = req.headers.get("authorization") == Some(&want);
    let failure = {
        let mut s = st.lock().unwrap();
        let i = s.failures.iter().position(|(p, _)| path.ends_with(p));
        i.map(|i| s.failures.remove(i).1)
    };
    let mut delay = Duration::ZERO;
    let (status, body) = match failure {
        Some(Failure::Status(code, body)) => (code, body.to_string()),
        Some(Failure::Body(body)) => (200, body.to_string()),
        Some(Failure::Delay(d)) => {
            delay = d;
            (200, json!({"response": [], "errors": []}).to_string())
        }
        None if !authed => (
            401,
            json!({"response": null, "errors": ["Authentication failed"]}).to_string(),
        ),
        None => route(&st.lock().unwrap(), &path, &query),
    };
    st.lock().unwrap().seen.push(Seen {
        path,
        query,
        bytes: body.len(),
    });
    MockResponse {
        status,
        // Like the real server: JSON labelled as plain text.
        headers: vec![("content-type".into(), "text/plain; charset=UTF-8".into())],
        body: body.into_bytes(),
        delay,
    }
}

fn route(s: &MockState, path: &str, q: &HashMap<String, String>) -> (u16, String) {
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return (404, "not found".into());
    };
    if rest == "/v2/onlineusers" || rest.starts_with("/v2/onlineusers/") {
        return (200, json!({"response": s.online, "errors": []}).to_string());
    }
    if rest != "/v2/statistics/userstate" {
        return (404, "not found".into());
    }
    let (Some(from), Some(to)) = (q.get("from"), q.get("to")) else {
        return (
            200,
            json!({"response": [], "errors": ["from and to are required"]}).to_string(),
        );
    };
    assert_eq!(from, to, "the source asks for one day at a time");
    assert_eq!(q.get("of").map(String::as_str), Some("json"));
    assert_eq!(q.get("direction").map(String::as_str), Some("ASC"));
    let start: usize = q.get("start").and_then(|v| v.parse().ok()).unwrap_or(0);
    let num: usize = q
        .get("num")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let day = s.days.get(from).cloned().unwrap_or_default();
    let page: Vec<Value> = day.into_iter().skip(start).take(num).collect();
    // Pretty-printed like the vendor's example.
    let body = serde_json::to_string_pretty(&json!({"response": page, "errors": []})).unwrap();
    (200, body)
}

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

fn source_config(base_url: &str, extra: &str) -> SourceConfig {
    let yaml = format!(
        "sources:\n  - name: vcc-main\n    vendor: vcc_live\n    base_url: {base_url}\n    customer: {CUSTOMER}\n    token: {TOKEN}\n{extra}"
    );
    config::parse(&yaml, "test.yml").unwrap().sources.remove(0)
}

struct Harness {
    mock: Mock,
    cfg: SourceConfig,
    source: Box<dyn Source>,
    counters: Arc<RequestCounters>,
    max_bytes: u64,
}

impl Harness {
    async fn new(extra: &str) -> Harness {
        let mock = Mock::start().await;
        let cfg = source_config(&mock.base_url(), extra);
        let source = cfg.vendor.source(&cfg.name, &cfg.vendor_config).unwrap();
        Harness {
            mock,
            cfg,
            source,
            counters: Arc::new(RequestCounters::default()),
            max_bytes: 32 * 1024 * 1024,
        }
    }

    async fn poll(&mut self, now: DateTime<Utc>) -> Result<Snapshot, SourceError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let ctx = PollContext::new(
            &self.cfg.name,
            now,
            client,
            Duration::from_millis(500),
            self.max_bytes,
            Arc::clone(&self.counters),
        );
        self.source.poll(&ctx).await
    }

    fn outcomes(&self) -> Vec<((&'static str, String), u64)> {
        self.counters.requests_snapshot()
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn example_records() -> Vec<Value> {
    let v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["response"].as_array().unwrap().clone()
}

/// A record in the example's shape: `prev` from `t0` to `t1` (UTC = local here unless
/// `local` is given), then `state`.
fn rec(user: u64, prev: &str, state: &str, t0: DateTime<Utc>, t1: DateTime<Utc>) -> Value {
    rec_tz(user, prev, state, t0, t1, chrono_tz::UTC)
}

fn rec_tz(
    user: u64,
    prev: &str,
    state: &str,
    t0: DateTime<Utc>,
    t1: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Value {
    let f = "%Y-%m-%d %H:%M:%S";
    json!({
        "userid": user, "prevstate": prev, "state": state,
        "prevtime": t0.with_timezone(&tz).format(f).to_string(),
        "prevtime_utc": t0.format(f).to_string(),
        "time": t1.with_timezone(&tz).format(f).to_string(),
        "time_utc": t1.format(f).to_string(),
        "projectid": 1, "numberid": 0, "auxid": null, "emailid": 0, "chatid": 0,
        "ticketid": 0, "connection_lost": 0,
        "duration": (t1 - t0).num_milliseconds() as f64 / 1000.0 + 0.25,
        "ticketno": "", "username": format!("user{user}"), "name": format!("User {user}")
    })
}

/// `n` alternating CALL/AFTERWORK records of one user starting at `t`, 60 s each.
fn records(user: u64, n: usize, t: DateTime<Utc>) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let t0 = t + chrono::Duration::seconds(60 * i as i64);
            let (p, s) = if i % 2 == 0 {
                ("CALL", "AFTERWORK")
            } else {
                ("AFTERWORK", "CALL")
            };
            rec(user, p, s, t0, t0 + chrono::Duration::seconds(60))
        })
        .collect()
}

fn seconds_of(iv: &[StateInterval]) -> f64 {
    iv.iter().map(|i| i.seconds).sum()
}

fn userstate_requests(seen: &[Seen]) -> Vec<(String, u64)> {
    seen.iter()
        .filter(|s| s.path.ends_with("/userstate"))
        .map(|s| {
            (
                s.query["from"].clone(),
                s.query["start"].parse::<u64>().unwrap(),
            )
        })
        .collect()
}

fn bytes(seen: &[Seen]) -> usize {
    seen.iter().map(|s| s.bytes).sum()
}

// ---------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------

/// Done-when of the issue: the example day gives the right current state, state
/// seconds and duration histogram, and 3 further polls without new records add nothing.
#[tokio::test]
async fn example_day_then_three_quiet_polls() {
    let mut h = Harness::new("").await;
    h.mock.set_day("20130220", example_records());
    h.mock.set_online(vec![json!({
        "userid": 6, "username": "green_op", "state": "AFTERWORK",
        "stateDuration": 215, "stateChangedAt": "2013-02-20T16:41:25+01:00"
    })]);
    let now = utc(2013, 2, 20, 15, 45, 0);
    let snap = h.poll(now).await.unwrap();
    let first = h.mock.take_seen();
    assert_eq!(
        userstate_requests(&first),
        vec![("20130220".to_string(), 0)]
    );
    assert_eq!(first[0].query["num"], "10000");
    assert!(!first[0].query.contains_key("users"));

    let agents = snap.agents.clone().unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].id, "6");
    assert_eq!(agents[0].vendor_state, "AFTERWORK");
    assert_eq!(agents[0].state_age_seconds, Some(215.0));

    // Per normalized state: seconds and histogram buckets (5, 10, 30, 60, ...).
    let mapper = StateMapper::new(
        "vcc-main",
        sources::find("vcc_live").unwrap().states(),
        &HashMap::new(),
    );
    let mut data = contact_center_exporter::store::SourceData::default();
    data.ingest(snap.clone(), &mapper, now.timestamp());
    use contact_center_exporter::store::SourceData;
    let secs = |d: &SourceData, s: AgentState| (d.state_seconds[s.index()] * 100.0).round() / 100.0;
    assert_eq!(secs(&data, AgentState::Available), 18.97); // 7.44 + 6.96 + 4.57
    assert_eq!(secs(&data, AgentState::Unavailable), 5.75);
    assert_eq!(secs(&data, AgentState::Break), 46.4);
    assert_eq!(secs(&data, AgentState::Ringing), 7.88);
    assert_eq!(secs(&data, AgentState::Offline), 0.0);
    assert_eq!(secs(&data, AgentState::WrapUp), 0.0);
    let buckets = |d: &SourceData, s: AgentState| {
        let (b, count) = d.durations[s.index()].cumulative();
        (b.iter().take(4).map(|(_, c)| *c).collect::<Vec<_>>(), count)
    };
    assert_eq!(buckets(&data, AgentState::Available), (vec![1, 3, 3, 3], 3));
    assert_eq!(
        buckets(&data, AgentState::Unavailable),
        (vec![0, 1, 1, 1], 1)
    );
    assert_eq!(buckets(&data, AgentState::Break), (vec![0, 0, 0, 1], 1));
    assert_eq!(buckets(&data, AgentState::Ringing), (vec![0, 1, 1, 1], 1));
    assert_eq!(buckets(&data, AgentState::Offline), (vec![0, 0, 0, 0], 0));

    for i in 1..=3 {
        let later = now + chrono::Duration::seconds(30 * i);
        let again = h.poll(later).await.unwrap();
        assert!(again.intervals.is_empty(), "poll {i} added intervals");
        assert_eq!(again.agents.as_ref().unwrap()[0].vendor_state, "AFTERWORK");
        data.ingest(again, &mapper, later.timestamp());
        let seen = h.mock.take_seen();
        // Only the last counted record is re-read (to check the log did not shift).
        assert_eq!(userstate_requests(&seen), vec![("20130220".to_string(), 6)]);
        assert!(
            bytes(&seen) * 4 < bytes(&first),
            "poll {i} fetched too much"
        );
    }
    assert_eq!(secs(&data, AgentState::Available), 18.97);
    assert_eq!(buckets(&data, AgentState::Available), (vec![1, 3, 3, 3], 3));
}

/// Each poll costs what is new: pages of 3, the last counted record re-read once.
#[tokio::test]
async fn incremental_paging_costs_only_new_records() {
    let mut h = Harness::new("    page_size: 3\n    users: [42]\n    projects: [7, 5]\n").await;
    let t = utc(2026, 5, 4, 8, 0, 0);
    h.mock.set_day("20260504", records(42, 10, t));
    h.mock.set_online(vec![]);

    let snap = h.poll(t + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(snap.intervals.len(), 10);
    assert!((seconds_of(&snap.intervals) - 10.0 * 60.25).abs() < 1e-9);
    let seen = h.mock.take_seen();
    let starts: Vec<u64> = userstate_requests(&seen).iter().map(|r| r.1).collect();
    assert_eq!(starts, vec![0, 3, 6, 9]);
    assert!(seen.iter().all(|s| !s.path.ends_with("/userstate")
        || (s.query["num"] == "3" && s.query["users"] == "42" && s.query["projects"] == "5,7")));
    // With `projects`, online users are read per project.
    let online: Vec<&str> = seen
        .iter()
        .filter(|s| s.path.contains("/onlineusers"))
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(
        online,
        vec![
            "/api-gw/vcc/v2/onlineusers/5",
            "/api-gw/vcc/v2/onlineusers/7"
        ]
    );
    let first_bytes = bytes(&seen);
    // Not on the online list: the log's user is OFFLINE now.
    assert_eq!(snap.agents.unwrap()[0].vendor_state, "OFFLINE");

    // Four new records: one page of 3 (1 re-read + 2 new) and a short page of 2.
    h.mock.push(
        "20260504",
        records(42, 4, t + chrono::Duration::minutes(10)),
    );
    let snap = h.poll(t + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(snap.intervals.len(), 4);
    let seen = h.mock.take_seen();
    let starts: Vec<u64> = userstate_requests(&seen).iter().map(|r| r.1).collect();
    assert_eq!(starts, vec![9, 12]);
    let per_record = first_bytes / 10;
    let userstate_bytes: usize = seen
        .iter()
        .filter(|s| s.path.ends_with("/userstate"))
        .map(|s| s.bytes)
        .sum();
    assert!(
        userstate_bytes < 6 * per_record,
        "{userstate_bytes} bytes for 4 new records ({per_record} per record)"
    );

    // Nothing new: one request, one record.
    for _ in 0..3 {
        let snap = h.poll(t + chrono::Duration::hours(1)).await.unwrap();
        assert!(snap.intervals.is_empty());
        let seen = h.mock.take_seen();
        assert_eq!(userstate_requests(&seen), vec![("20260504".into(), 13)]);
    }
    let records: u64 = h
        .counters
        .records_snapshot()
        .iter()
        .filter(|(e, _)| *e == "userstate")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(records, 10 + 5 + 3);
}

/// Failed polls (status, vendor error body, malformed JSON, too large, timeout, online
/// users down) leave the cursor alone: the next success counts each record once.
#[tokio::test]
async fn failures_lose_and_double_count_nothing() {
    let mut h = Harness::new("    page_size: 4\n").await;
    let t = utc(2026, 5, 4, 8, 0, 0);
    let now = t + chrono::Duration::hours(2);
    h.mock.set_day("20260504", records(1, 5, t));
    let snap = h.poll(now).await.unwrap();
    assert_eq!(snap.intervals.len(), 5);
    h.mock
        .push("20260504", records(1, 3, t + chrono::Duration::minutes(5)));

    h.mock.fail(
        "userstate",
        Failure::Status(500, "<html>Internal error</html>"),
    );
    let e = h.poll(now).await.unwrap_err();
    assert!(matches!(e, SourceError::Status { status: 500, .. }), "{e}");

    h.mock.fail("userstate", Failure::Status(401, "{}"));
    let e = h.poll(now).await.unwrap_err().to_string();
    assert!(
        e.contains("HTTP 401") && e.contains("IP address is registered"),
        "{e}"
    );
    assert!(!e.contains(TOKEN));

    h.mock.fail(
        "userstate",
        Failure::Body(r#"{"response":[],"errors":["Too many requests, try again later"]}"#),
    );
    let e = h.poll(now).await.unwrap_err();
    assert!(
        matches!(&e, SourceError::Vendor { detail, .. } if detail == "Too many requests, try again later"),
        "{e}"
    );

    h.mock
        .fail("userstate", Failure::Body(r#"{"response":[{"userid":1,"#));
    let e = h.poll(now).await.unwrap_err();
    assert!(matches!(e, SourceError::Decode { .. }), "{e}");

    h.mock
        .fail("userstate", Failure::Delay(Duration::from_millis(1500)));
    let e = h.poll(now).await.unwrap_err();
    assert!(matches!(e, SourceError::Timeout { .. }), "{e}");

    // The log's new records are fetched, then the online users fail: still no commit.
    h.mock.fail("onlineusers", Failure::Status(503, "busy"));
    let e = h.poll(now).await.unwrap_err();
    assert!(matches!(e, SourceError::Status { status: 503, .. }), "{e}");

    h.max_bytes = 200;
    let e = h.poll(now).await.unwrap_err();
    assert!(matches!(e, SourceError::TooLarge { .. }), "{e}");
    h.max_bytes = 32 << 20;

    let snap = h.poll(now).await.unwrap();
    assert_eq!(snap.intervals.len(), 3, "each new record exactly once");
    let snap = h.poll(now).await.unwrap();
    assert!(snap.intervals.is_empty());

    let outcomes = h.outcomes();
    let count = |outcome: &str| -> u64 {
        outcomes
            .iter()
            .filter(|((e, o), _)| *e == "userstate" && o == outcome)
            .map(|(_, n)| n)
            .sum()
    };
    assert_eq!(count("500"), 1);
    assert_eq!(count("401"), 1);
    assert_eq!(count("vendor_error"), 1);
    assert_eq!(count("decode"), 1);
    assert_eq!(count("timeout"), 1);
    assert_eq!(count("too_large"), 1);
}

/// A record inserted before the cursor (the log shifted): the day is re-read and only
/// the records not counted yet are reported.
#[tokio::test]
async fn shifted_log_is_reread_without_double_counting() {
    let mut h = Harness::new("    page_size: 4\n").await;
    let t = utc(2026, 5, 4, 8, 0, 0);
    let now = t + chrono::Duration::hours(2);
    h.mock.set_day("20260504", records(1, 5, t));
    assert_eq!(h.poll(now).await.unwrap().intervals.len(), 5);
    h.mock.take_seen();

    let late = rec(2, "AUX", "OFFLINE", t, t + chrono::Duration::seconds(90));
    h.mock.insert("20260504", 1, late);
    h.mock
        .push("20260504", records(1, 1, t + chrono::Duration::minutes(5)));
    let snap = h.poll(now).await.unwrap();
    let mut got: Vec<(String, f64)> = snap
        .intervals
        .iter()
        .map(|i| (i.vendor_state.clone(), i.seconds))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![("AUX".to_string(), 90.25), ("CALL".to_string(), 60.25)]
    );
    let starts: Vec<u64> = userstate_requests(&h.mock.take_seen())
        .iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(starts, vec![4, 0, 4]);
    // Both users known; user 2 logged out at t+90s.
    let agents = snap.agents.unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[1].id, "2");
    assert_eq!(
        agents[1].state_age_seconds,
        Some((now - t).num_seconds() as f64 - 90.0)
    );
    // And the cursor is consistent again.
    assert!(h.poll(now).await.unwrap().intervals.is_empty());
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260504".into(), 6)]
    );
}

/// Days are Europe/Budapest days: on 2026-03-29 (23 h) the day after starts at
/// 22:00 UTC, on 2026-10-25 (25 h) at 23:00 UTC. At each local midnight the old day's
/// late records are read once more, then the new day from its start, and the old day
/// again from its cursor for two hours; current states carry over.
#[tokio::test]
async fn day_rollover_in_budapest_across_dst_changes() {
    let tz = chrono_tz::Europe::Budapest;
    let mut h = Harness::new("    time_zone: Europe/Budapest\n").await;
    let at = |y, mo, d, hh, mi, s| utc(y, mo, d, hh, mi, s);
    let r = |user, prev: &str, state: &str, t0: DateTime<Utc>, secs: i64| {
        rec_tz(
            user,
            prev,
            state,
            t0,
            t0 + chrono::Duration::seconds(secs),
            tz,
        )
    };
    h.mock.set_online(vec![json!({
        "userid": 1, "username": "user1", "state": "CALL", "stateDuration": 5,
        "stateChangedAt": "2026-03-28T23:50:00+01:00"
    })]);
    // Saturday 28 March (CET, UTC+1).
    h.mock.set_day(
        "20260328",
        vec![r(1, "AVAILABLE", "CALL", at(2026, 3, 28, 22, 40, 0), 600)],
    );

    // 23:50 local on the 28th.
    let snap = h.poll(at(2026, 3, 28, 22, 50, 0)).await.unwrap();
    assert_eq!(snap.intervals.len(), 1);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260328".into(), 0)]
    );

    // A late record of the 28th, and the first of the 29th.
    h.mock.push(
        "20260328",
        vec![r(2, "AUX", "OFFLINE", at(2026, 3, 28, 22, 55, 0), 240)],
    );
    h.mock.set_day(
        "20260329",
        vec![r(1, "CALL", "AFTERWORK", at(2026, 3, 28, 22, 50, 0), 600)],
    );
    // 00:00:30 local on the 29th: finish the 28th once, then the 29th from 0.
    let snap = h.poll(at(2026, 3, 28, 23, 0, 30)).await.unwrap();
    let states: Vec<&str> = snap
        .intervals
        .iter()
        .map(|i| i.vendor_state.as_str())
        .collect();
    assert_eq!(states, vec!["AUX", "CALL"]);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260328".into(), 0), ("20260329".into(), 0)]
    );
    // The online list still wins for user 1; user 2 logged out (age from the log).
    let agents = snap.agents.unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0].vendor_state, "CALL");
    assert_eq!(agents[1].vendor_state, "OFFLINE");
    assert_eq!(agents[1].state_age_seconds, Some(30.0 + 60.0));

    // 00:30 local: for two hours after midnight the 28th is read again from its
    // cursor (issue 27 item 3): a record VCC Live wrote late into it counts, once.
    h.mock.push(
        "20260328",
        vec![r(1, "CALL", "AFTERWORK", at(2026, 3, 28, 22, 58, 0), 90)],
    );
    let snap = h.poll(at(2026, 3, 28, 23, 30, 0)).await.unwrap();
    let got: Vec<&str> = snap
        .intervals
        .iter()
        .map(|i| i.vendor_state.as_str())
        .collect();
    assert_eq!(got, vec!["CALL"]);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260328".into(), 1), ("20260329".into(), 0)]
    );
    let snap = h.poll(at(2026, 3, 29, 0, 59, 0)).await.unwrap();
    assert!(snap.intervals.is_empty(), "{:?}", snap.intervals);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260328".into(), 2), ("20260329".into(), 0)]
    );

    // 23:59 CEST (UTC+2) on the 29th is still the 29th, though 21:59 UTC; two hours
    // after midnight the 28th is never asked for again.
    h.mock.push(
        "20260329",
        vec![r(
            1,
            "AFTERWORK",
            "AVAILABLE",
            at(2026, 3, 29, 21, 0, 0),
            30,
        )],
    );
    let snap = h.poll(at(2026, 3, 29, 21, 59, 0)).await.unwrap();
    assert_eq!(snap.intervals.len(), 1);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260329".into(), 0)]
    );
    // 22:00:30 UTC is 00:00:30 on the 30th (a 23-hour day).
    h.mock.push(
        "20260329",
        vec![r(1, "AVAILABLE", "AUX", at(2026, 3, 29, 21, 58, 0), 100)],
    );
    h.mock.set_day("20260330", vec![]);
    let snap = h.poll(at(2026, 3, 29, 22, 0, 30)).await.unwrap();
    assert_eq!(snap.intervals.len(), 1);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20260329".into(), 1), ("20260330".into(), 0)]
    );
    // Both users carried over into the new day (user 1 from the online list).
    assert_eq!(snap.agents.unwrap().len(), 2);

    // Autumn: 25 October is 25 hours long; at 22:30 UTC it is 23:30 CET, still the 25th.
    let mut h = Harness::new("    time_zone: Europe/Budapest\n").await;
    h.mock.set_day(
        "20261025",
        vec![r(3, "CALL", "AFTERWORK", at(2026, 10, 25, 22, 0, 0), 60)],
    );
    h.mock.set_day("20261026", vec![]);
    let snap = h.poll(at(2026, 10, 25, 22, 30, 0)).await.unwrap();
    assert_eq!(snap.intervals.len(), 1);
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20261025".into(), 0)]
    );
    let snap = h.poll(at(2026, 10, 25, 23, 0, 30)).await.unwrap();
    assert!(snap.intervals.is_empty());
    assert_eq!(
        userstate_requests(&h.mock.take_seen()),
        vec![("20261025".into(), 0), ("20261026".into(), 0)]
    );
}

/// The demo simulator's VCC Live API polled by the real source: every state change of
/// the day is counted once, and the agents match the simulation.
#[tokio::test]
async fn simulated_api_round_trip() {
    use contact_center_exporter::simulator::{host, ContactCenter, SimOptions, SimState};
    let cc = Arc::new(Mutex::new(ContactCenter::new(
        &SimOptions::default(),
        Utc::now(),
    )));
    let mut sim = host::Host::new(Arc::clone(&cc));
    let base = url::Url::parse("http://127.0.0.1:1/vcc_live").unwrap();
    let (cfg, api) = contact_center_exporter::sources::vcc_live::simulate::demo(&base);
    sim.mount("vcc_live", Box::new(api));
    let addr = host::start(sim).await.unwrap();
    let mut cfg = cfg;
    cfg.base_url = url::Url::parse(&format!("http://{addr}/vcc_live")).unwrap();
    cfg.page_size = 50;
    let mut source = contact_center_exporter::sources::vcc_live::VccLiveSource::new("demo", cfg);
    let counters = Arc::new(RequestCounters::default());
    let mut total = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let now = Utc::now();
        let ctx = PollContext::new(
            "demo",
            now,
            reqwest::Client::new(),
            Duration::from_secs(5),
            32 << 20,
            Arc::clone(&counters),
        );
        let snap = source.poll(&ctx).await.unwrap();
        total.extend(snap.intervals);
        last = snap.agents;
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let cc = cc.lock().unwrap();
    let today = Utc::now().date_naive();
    let expected: Vec<(String, i64)> = cc
        .state_log
        .iter()
        .filter(|c| c.at.date_naive() == today && c.at <= cc.now && c.at > c.from_since)
        .map(|c| {
            (
                contact_center_exporter::sources::vcc_live::simulate::state_name(c.from)
                    .to_string(),
                (c.at - c.from_since).num_seconds(),
            )
        })
        .collect();
    // Changes after the last poll's read are not counted yet.
    assert!(total.len() <= expected.len());
    assert!(
        expected.len() - total.len() < 40,
        "{} of {}",
        total.len(),
        expected.len()
    );
    for (iv, (state, secs)) in total.iter().zip(&expected) {
        assert_eq!(&iv.vendor_state, state);
        assert_eq!(iv.seconds, *secs as f64);
    }
    let agents = last.unwrap();
    let logged_in = cc
        .agents
        .iter()
        .filter(|a| a.state != SimState::Offline)
        .count();
    let online = agents
        .iter()
        .filter(|a| a.vendor_state != "OFFLINE")
        .count();
    assert_eq!(online, logged_in);
    assert!(agents.len() <= cc.agents.len());
}

/// Issue 27 item 3 through the binary, under a clock the test moves: a record VCC Live
/// writes into the old day after midnight is counted (once) while the old day is read
/// again, for two hours after local midnight; after that the old day is not read.
#[test]
fn late_records_of_the_old_day_count_through_the_binary() {
    use common::{sample, Exporter};
    let midnight = utc(2026, 3, 3, 0, 0, 0);
    let days: Arc<Mutex<HashMap<String, Vec<Value>>>> = Arc::default();
    days.lock().unwrap().insert(
        "20260302".into(),
        vec![rec(
            1,
            "AVAILABLE",
            "CALL",
            utc(2026, 3, 2, 23, 30, 0),
            utc(2026, 3, 2, 23, 40, 0),
        )],
    );
    let served = days.clone();
    let mock = common::Mock::start(move |r| {
        if !r.path.ends_with("/userstate") {
            return MockResponse::json(r#"{"response": [], "errors": []}"#);
        }
        let day = r.param("from").unwrap_or_default().to_string();
        let num = |k: &str| {
            r.param(k)
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0)
        };
        let records: Vec<Value> = served
            .lock()
            .unwrap()
            .get(&day)
            .map(|v| {
                v.iter()
                    .skip(num("start"))
                    .take(num("num"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        MockResponse::json(json!({"response": records, "errors": []}).to_string())
    });
    let clock = common::clock::TestClock::at(midnight - chrono::Duration::minutes(10));
    let args = clock.args();
    let yaml = format!(
        "sources:\n  - {{name: vcc, vendor: vcc_live, customer: acme, token: t, time_zone: UTC, \
         interval: 1s, timeout: 900ms, base_url: \"{}\"}}\n",
        mock.url("/vcc")
    );
    let e = Exporter::start(&yaml, &[args[0].as_str(), args[1].as_str()]);
    let seconds = |e: &Exporter, state: &str| {
        sample(
            &e.scrape(),
            &format!(
                r#"contact_center_agent_state_seconds_total{{source="vcc",vendor="vcc_live",state="{state}"}}"#
            ),
        )
    };
    let old_day_reads = || {
        mock.recorded()
            .iter()
            .filter(|r| r.path.ends_with("/userstate") && r.param("from") == Some("20260302"))
            .count()
    };
    let polls_after = |e: &Exporter, n: usize| {
        let reads = || {
            mock.recorded()
                .iter()
                .filter(|r| r.path.ends_with("/userstate"))
                .count()
        };
        let seen = reads();
        e.wait_until("more polls", Duration::from_secs(20), |_| {
            reads() >= seen + n
        });
        std::thread::sleep(Duration::from_millis(300));
    };
    e.wait_until("the old day's record", Duration::from_secs(20), |e| {
        seconds(e, "available") == Some(600.25)
    });
    // 00:10: the new day; then VCC Live writes a record into the old day.
    clock.set(midnight + chrono::Duration::minutes(10));
    polls_after(&e, 3);
    days.lock().unwrap().get_mut("20260302").unwrap().push(rec(
        2,
        "CALL",
        "AFTERWORK",
        utc(2026, 3, 2, 23, 58, 0),
        utc(2026, 3, 2, 23, 59, 30),
    ));
    e.wait_until("the late record", Duration::from_secs(20), |e| {
        seconds(e, "busy") == Some(90.25)
    });
    polls_after(&e, 4);
    assert_eq!(seconds(&e, "busy"), Some(90.25), "counted once");
    // Two hours after midnight the old day is not read any more.
    clock.set(midnight + chrono::Duration::hours(2));
    polls_after(&e, 2);
    let reads = old_day_reads();
    days.lock().unwrap().get_mut("20260302").unwrap().push(rec(
        3,
        "CALL",
        "AFTERWORK",
        utc(2026, 3, 2, 23, 59, 0),
        utc(2026, 3, 2, 23, 59, 50),
    ));
    polls_after(&e, 4);
    assert_eq!(old_day_reads(), reads);
    assert_eq!(seconds(&e, "busy"), Some(90.25));
}
