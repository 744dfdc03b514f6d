//! 8x8 Analytics for Contact Center (real-time metrics API) against a local mock that
//! answers as 8x8's documentation shows: the documented examples end to end through the
//! real binary (golden `/metrics`), counters that stay exact over repeated polls, a
//! growing day and a revoked token, token reuse and renewal, paging, a 400 with a
//! message, unknown statuses, the day rollover, and the demo simulator's API.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use common::oauth::{self, OAuthMock, TokenEndpoint};
use common::{sample, Exporter, Mock, MockResponse, Recorded};
use contact_center_exporter::http::PollContext;
use contact_center_exporter::model::{QueueCounter, Snapshot};
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::eight_by_eight_analytics::config::Region;
use contact_center_exporter::sources::eight_by_eight_analytics::types::QUEUE_METRICS;
use contact_center_exporter::sources::eight_by_eight_analytics::{
    simulate, AnalyticsSource, Config,
};
use contact_center_exporter::sources::{self, Source};
use contact_center_exporter::state::StateMapper;
use contact_center_exporter::store::SourceData;

const SECRET: &str = "sec-8X8A-0f1e2d3c4b-SECRET";
const API: &str = "/analytics/cc/v5/realtime-metrics";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/eight_by_eight_analytics/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A page of `records` (`size` of them at most) with the documented paging headers.
fn page_of(records: &[Value], r: &Recorded) -> MockResponse {
    let size: usize = r.param("size").and_then(|s| s.parse().ok()).unwrap_or(100);
    let page: usize = r.param("page").and_then(|s| s.parse().ok()).unwrap_or(0);
    let pages = records.len().div_ceil(size);
    if page > 0 && page >= pages {
        return MockResponse::status(400, fixture("error-page.json"));
    }
    let items: Vec<&Value> = records.iter().skip(page * size).take(size).collect();
    paged(
        serde_json::to_vec(&items).unwrap(),
        page,
        pages,
        records.len(),
    )
}

fn paged(body: Vec<u8>, page: usize, pages: usize, total: usize) -> MockResponse {
    let mut m = MockResponse::json(body);
    for (k, v) in [
        ("X-Page", page),
        ("X-Page-Size", 0),
        ("X-Total-Pages", pages),
        ("X-Total-Elements", total),
    ] {
        m.headers.push((k.into(), v.to_string()));
    }
    m
}

/// A mock 8x8: a token endpoint issuing numbered tokens (and revoking them on demand),
/// `/queues` and `/agents` answered by `api` for requests with a live token.
struct Eight(OAuthMock);

impl std::ops::Deref for Eight {
    type Target = OAuthMock;
    fn deref(&self) -> &OAuthMock {
        &self.0
    }
}

impl Eight {
    fn start(api: impl Fn(&Recorded) -> MockResponse + Send + Sync + 'static) -> Eight {
        let endpoint = TokenEndpoint {
            path: "/oauth/v2/token",
            prefix: "tok8x8a",
            answer: |token| {
                let mut body: Value = serde_json::from_slice(&fixture("token.json")).unwrap();
                body["access_token"] = json!(token);
                MockResponse::json(body.to_string())
            },
            denied: || MockResponse::status(401, ""),
        };
        Eight(OAuthMock::start(endpoint, api))
    }

    fn config(&self) -> Config {
        Config {
            base_url: url::Url::parse(&self.mock.url("")).unwrap(),
            region: Region::Us,
            client_id: "abc123".into(),
            client_secret: Secret::new(SECRET),
            tenant: None,
            queues: None,
            time_zone: chrono_tz::UTC,
            page_size: 1000,
        }
    }

    fn requests(&self, path: &str) -> Vec<Recorded> {
        self.mock
            .recorded()
            .into_iter()
            .filter(|r| r.path.ends_with(path))
            .collect()
    }
}

fn ctx(now: DateTime<Utc>) -> PollContext {
    common::poll_ctx("e88", now, 32 << 20)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn queue(id: &str, name: &str, metrics: &[(&str, Value)]) -> Value {
    let m: Vec<Value> = metrics
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    json!({"id": id, "name": name, "metrics": m})
}

fn agent(id: &str, status: &str, ms: u64) -> Value {
    json!({"id": id, "name": id, "metrics": [
        {"key": "status.rt", "value": status}, {"key": "timeOnStatus.rt", "value": ms}]})
}

/// The documented examples: queues on two pages (8x8's example, then a synthesized page
/// with every metric), agents on two pages (the queue-agents example, then the
/// all-agents example without status).
fn documented(r: &Recorded) -> MockResponse {
    let page = r.param("page").unwrap_or("0");
    let (first, second) = if r.path.ends_with("/queues") {
        ("queues.json", "queues-all-metrics.json")
    } else if r.path.ends_with("/agents") {
        ("queue-agents.json", "agents.json")
    } else {
        return MockResponse::status(404, "");
    };
    match page {
        "0" => paged(fixture(first), 0, 2, 4),
        "1" => paged(fixture(second), 1, 2, 4),
        _ => MockResponse::status(400, fixture("error-page.json")),
    }
}

fn yaml(url: &str, extra: &str) -> String {
    format!(
        "sources:\n  - name: e88\n    vendor: eight_by_eight_analytics\n    base_url: {url}\n    client_id: abc123\n    client_secret: {SECRET}\n    interval: 1s\n    timeout: 900ms\n{extra}"
    )
}

fn up(text: &str) -> Option<f64> {
    sample(
        text,
        r#"contact_center_source_up{source="e88",vendor="eight_by_eight_analytics"}"#,
    )
}

fn counter(text: &str, metric: &str, queue: &str) -> Option<f64> {
    sample(
        text,
        &format!(
            r#"{metric}{{source="e88",vendor="eight_by_eight_analytics",queue="{queue}",channel="other"}}"#
        ),
    )
}

fn polls(text: &str) -> f64 {
    sample(
        text,
        r#"contact_center_source_poll_duration_seconds_count{source="e88",vendor="eight_by_eight_analytics"}"#,
    )
    .unwrap_or(0.0)
}

#[test]
fn documented_examples_end_to_end_golden() {
    let m = Eight::start(documented);
    let e = Exporter::start(&yaml(&m.mock.url(""), ""), &[]);
    e.wait_for_sample(
        r#"contact_center_source_up{source="e88",vendor="eight_by_eight_analytics"}"#,
        1.0,
        Duration::from_secs(15),
    );
    // A few polls more: the day's totals are counted once.
    let first = polls(&e.scrape());
    e.wait_until("three more polls", Duration::from_secs(15), |e| {
        polls(&e.scrape()) >= first + 3.0
    });
    let text = e.scrape();
    // 95250 ms → 95.25 s; "2" waiting; 20000 ms threshold → 20 s.
    for (metric, queue, want) in [
        ("contact_center_queue_entered_total", "Appointments", 7.0),
        ("contact_center_queue_entered_total", "Claims", 42.0),
        ("contact_center_queue_oldest_wait_seconds", "Claims", 95.25),
        ("contact_center_queue_waiting", "Claims", 2.0),
        ("contact_center_queue_sla_threshold_seconds", "Claims", 20.0),
    ] {
        assert_eq!(
            counter(&text, metric, queue),
            Some(want),
            "{metric} {queue}"
        );
    }
    common::assert_golden_families(
        "end_to_end/eight_by_eight_analytics.prom",
        &text,
        &[
            "contact_center_agents",
            "contact_center_queue",
            "contact_center_agent_state",
        ],
    );
    // One token for all those polls, asked for as 8x8 documents it.
    assert_eq!(m.tokens(), 1);
    let t = &m.requests("/oauth/v2/token")[0];
    assert_eq!(t.method, "POST");
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("abc123:{SECRET}"));
    assert_eq!(t.headers["authorization"], format!("Basic {basic}"));
    assert_eq!(
        t.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(t.body, b"grant_type=client_credentials");
    // The agents without a status (the all-agents example) are "unknown": other,
    // logged once however many polls saw them.
    let warned = e
        .log_lines()
        .iter()
        .filter(|l| l.contains("unknown vendor state") && l.contains("unknown"))
        .count();
    assert_eq!(warned, 1, "{:?}", e.log_lines());
    // The token and the secret are nowhere.
    let (_, _, landing) = e.get("/").unwrap();
    for text in [
        text.clone(),
        e.log_lines().join("\n"),
        String::from_utf8(landing).unwrap(),
    ] {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

/// Every request asks for exactly the metrics used, in the tenant's zone, for the
/// configured queues, with the tenant header and JSON.
#[tokio::test]
async fn requests_name_exactly_the_metrics_used() {
    let m = Eight::start(documented);
    let mut cfg = m.config();
    cfg.tenant = Some("acme-tenant".into());
    cfg.queues = Some(vec!["103".into(), "170".into()]);
    cfg.time_zone = chrono_tz::Europe::London;
    let mut src = AnalyticsSource::new("e88", cfg);
    src.poll(&ctx(t0())).await.unwrap();
    let q = m.requests("/queues");
    assert_eq!(q.len(), 2);
    let metrics: Vec<&str> = q[0]
        .query
        .iter()
        .filter(|(k, _)| k == "metrics")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(metrics, QUEUE_METRICS);
    let ids: Vec<&str> = q[0]
        .query
        .iter()
        .filter(|(k, _)| k == "queue-ids")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(ids, ["103", "170"]);
    assert_eq!(q[0].param("timezone"), Some("Europe/London"));
    assert_eq!(q[0].path, format!("{API}/queues"));
    let a = m.requests("/agents");
    let metrics: Vec<&str> = a[0]
        .query
        .iter()
        .filter(|(k, _)| k == "metrics")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(metrics, ["status.rt", "timeOnStatus.rt"]);
    for r in q.iter().chain(&a) {
        assert_eq!(r.headers["x-tenant-info"], "acme-tenant");
        assert_eq!(r.headers["accept"], "application/json");
        assert_eq!(r.headers["authorization"], "Bearer tok8x8a-1-SECRET");
        assert_eq!(r.param("size"), Some("1000"));
    }
}

#[tokio::test]
async fn regions_are_path_prefixes_of_the_api_but_not_of_the_token() {
    let m = Eight::start(|r| {
        if r.path.starts_with("/eu/analytics/") {
            paged(b"[]".to_vec(), 0, 0, 0)
        } else {
            MockResponse::status(404, "")
        }
    });
    let mut cfg = m.config();
    cfg.region = Region::Eu;
    AnalyticsSource::new("e88", cfg)
        .poll(&ctx(t0()))
        .await
        .unwrap();
    let paths: Vec<String> = m.mock.recorded().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/oauth/v2/token".to_string(),
            format!("/eu{API}/queues"),
            format!("/eu{API}/agents")
        ]
    );
}

/// One token, reused until a minute before `expires_in` (8x8's "1799", a string),
/// then renewed; a 401 drops it and fails that poll, and the next poll asks for one
/// new token.
#[tokio::test]
async fn token_reuse_and_renewal_after_a_401() {
    let m = Eight::start(documented);
    let mut src = AnalyticsSource::new("e88", m.config());
    oauth::token_reuse_and_renewal(&m, &mut src, 1799, t0(), ctx).await;

    // A token that the API refuses at once: one token request, one failed poll.
    let m = Eight::start(|_| MockResponse::status(401, ""));
    let mut src = AnalyticsSource::new("e88", m.config());
    assert!(src.poll(&ctx(t0())).await.is_err());
    assert_eq!(m.tokens(), 1);
    assert_eq!(m.mock.recorded().len(), 2);
}

#[tokio::test]
async fn a_refused_token_request_names_the_credentials_not_the_secret() {
    let m =
        Mock::start(|_| MockResponse::status(401, r#"{"message": "Invalid client credentials"}"#));
    let mut cfg = Eight::start(documented).config();
    cfg.base_url = url::Url::parse(&m.url("")).unwrap();
    let err = AnalyticsSource::new("e88", cfg)
        .poll(&ctx(t0()))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("token: HTTP 401"), "{msg}");
    assert!(msg.contains("check client_id and client_secret"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
}

/// 2,500 agents at 1,000 a page: pages 0, 1 and 2 as `X-Total-Pages` says, never 3.
#[tokio::test]
async fn three_pages_and_never_past_the_last() {
    let agents: Vec<Value> = (0..2500)
        .map(|i| agent(&format!("ag{i}"), "Available", 1000))
        .collect();
    let m = Eight::start(move |r| {
        if r.path.ends_with("/agents") {
            page_of(&agents, r)
        } else {
            paged(b"[]".to_vec(), 0, 0, 0)
        }
    });
    let snap = AnalyticsSource::new("e88", m.config())
        .poll(&ctx(t0()))
        .await
        .unwrap();
    assert_eq!(snap.agents.unwrap().len(), 2500);
    let pages: Vec<(String, String)> = m
        .requests("/agents")
        .iter()
        .map(|r| {
            (
                r.param("page").unwrap().to_string(),
                r.param("size").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [("0", "1000"), ("1", "1000"), ("2", "1000")].map(|(a, b)| (a.into(), b.into()))
    );
    // An empty list is page 0 only (X-Total-Pages: 0).
    assert_eq!(m.requests("/queues").len(), 1);
}

#[tokio::test]
async fn a_server_ignoring_page_or_without_headers_counts_nothing_twice() {
    let agents: Vec<Value> = (0..5)
        .map(|i| agent(&format!("ag{i}"), "Handling", 1000))
        .collect();
    // Always the first page, with X-Total-Pages: 3.
    let a2 = agents.clone();
    let m = Eight::start(move |r| {
        let first: Vec<&Value> = a2.iter().take(2).collect();
        if r.path.ends_with("/agents") {
            paged(serde_json::to_vec(&first).unwrap(), 0, 3, 5)
        } else {
            paged(b"[]".to_vec(), 0, 0, 0)
        }
    });
    let snap = poll_pages_of_2(&m).await;
    assert_eq!(snap.agents.unwrap().len(), 2);
    assert_eq!(m.requests("/agents").len(), 3);

    // No paging headers: pages until a short one.
    let m = Eight::start(move |r| {
        let size: usize = r.param("size").unwrap().parse().unwrap();
        let page: usize = r.param("page").unwrap().parse().unwrap();
        let items: Vec<&Value> = agents.iter().skip(page * size).take(size).collect();
        MockResponse::json(serde_json::to_vec(&items).unwrap())
    });
    let snap = poll_pages_of_2(&m).await;
    assert_eq!(snap.agents.unwrap().len(), 5);
    assert_eq!(m.requests("/agents").len(), 3);
}

/// The day's totals through the core's ledger: repeated polls add nothing, growth adds
/// exactly its growth, and the API's day turning three minutes after our local midnight
/// (New York) counts each day's totals once (issue 27 item 2): its old-day answers after
/// midnight are held, and booked to the old day once its totals fall.
#[tokio::test]
async fn day_rollover_through_the_period_ledger() {
    let entered = Arc::new(Mutex::new(10u64));
    let e2 = entered.clone();
    let m = Eight::start(move |r| {
        if r.path.ends_with("/queues") {
            let n = *e2.lock().unwrap();
            let q = queue(
                "103",
                "Appointments",
                &[
                    ("entered.today", json!(n)),
                    ("accepted.today", json!(n.to_string())),
                    ("abandoned.today", Value::Null),
                ],
            );
            paged(serde_json::to_vec(&[q]).unwrap(), 0, 1, 1)
        } else {
            paged(b"[]".to_vec(), 0, 0, 0)
        }
    });
    let ny = chrono_tz::America::New_York;
    let mut cfg = m.config();
    cfg.time_zone = ny;
    let mut src = AnalyticsSource::new("e88", cfg);
    let mapper = StateMapper::new(
        "e88",
        sources::find("eight_by_eight_analytics").unwrap().states(),
        &Default::default(),
    );
    let mut data = SourceData::default();
    let local = |d: u32, h: u32, mi: u32, s: u32| {
        ny.with_ymd_and_hms(2024, 4, d, h, mi, s)
            .unwrap()
            .with_timezone(&Utc)
    };
    let steps = [
        (local(4, 23, 50, 0), 10, 10.0),
        (local(4, 23, 55, 0), 10, 10.0),
        (local(4, 23, 59, 0), 13, 13.0),
        // Past midnight the API still reports yesterday, grown: held, nothing counted.
        (local(5, 0, 1, 0), 14, 13.0),
        (local(5, 0, 2, 30), 15, 13.0),
        // Its day starts: yesterday's last 15 counts for yesterday, the new 2 for today.
        (local(5, 0, 3, 0), 2, 17.0),
        (local(5, 0, 3, 30), 3, 18.0),
        (local(5, 0, 4, 0), 3, 18.0),
        (local(5, 9, 0, 0), 40, 55.0),
    ];
    for (at, n, want) in steps {
        *entered.lock().unwrap() = n;
        let snap: Snapshot = src.poll(&ctx(at)).await.unwrap();
        data.ingest(snap, &mapper, at.timestamp());
        let get = |c: QueueCounter| {
            data.queue_counters
                .iter()
                .find(|(k, _)| k.counter == c)
                .map(|(_, v)| *v)
        };
        assert_eq!(
            (
                get(QueueCounter::Entered),
                get(QueueCounter::Answered),
                get(QueueCounter::Abandoned)
            ),
            (Some(want), Some(want), Some(0.0)),
            "at {at}"
        );
    }
    let tz: Vec<String> = m
        .requests("/queues")
        .iter()
        .map(|r| r.param("timezone").unwrap().to_string())
        .collect();
    assert!(tz.iter().all(|t| t == "America/New_York"), "{tz:?}");
}

#[test]
fn a_400_with_a_message_is_a_failed_poll_that_logs_the_message() {
    let m = Eight::start(|r| {
        if r.headers.contains_key("x-tenant-info") {
            documented(r)
        } else {
            MockResponse::status(400, fixture("error-tenant-missing.json"))
        }
    });
    let e = Exporter::start(&yaml(&m.mock.url(""), ""), &[]);
    e.wait_until("the failed poll", Duration::from_secs(15), |e| {
        up(&e.scrape()) == Some(0.0)
    });
    let line = e
        .log_lines()
        .into_iter()
        .find(|l| l.contains("poll failed"))
        .unwrap();
    assert!(
        line.contains("queues: HTTP 400")
            && line.contains("Bad request: X-Tenant-Info header is missing."),
        "{line}"
    );
    assert!(line.contains("set tenant to the tenant id"), "{line}");
    assert!(!line.contains("{"), "the message, not the JSON: {line}");
    let text = e.scrape();
    assert!(text.contains(
        r#"contact_center_source_requests_total{source="e88",vendor="eight_by_eight_analytics",endpoint="queues",outcome="400"}"#
    ));
    let (_, _, landing) = e.get("/").unwrap();
    assert!(String::from_utf8(landing)
        .unwrap()
        .contains("X-Tenant-Info header is missing."));
}

/// Through the real binary: the counters stay exact over repeated polls and a growing
/// day, survive a revoked token, and an unknown status is `other`, logged once.
#[test]
fn exact_over_repeated_polls_a_growing_day_and_a_revoked_token() {
    let state = Arc::new(Mutex::new((42u64, 35u64)));
    let s2 = state.clone();
    let m = Eight::start(move |r| {
        if r.path.ends_with("/queues") {
            let (entered, accepted) = *s2.lock().unwrap();
            let q = queue(
                "170",
                "Claims",
                &[
                    ("entered.today", json!(entered)),
                    ("accepted.today", json!(accepted.to_string())),
                    ("acceptedInSla.today", json!(accepted - 5)),
                    ("abandoned.today", json!(4)),
                    ("interactionsWaitInQueue.rt", json!("1")),
                    ("interactionsLongestWaitInQueue.rt", json!(61500)),
                ],
            );
            paged(serde_json::to_vec(&[q]).unwrap(), 0, 1, 1)
        } else {
            let a = [
                agent("ag1", "Available", 5000),
                agent("ag2", "Lunch", 120_000),
            ];
            paged(serde_json::to_vec(&a).unwrap(), 0, 1, 2)
        }
    });
    let e = Exporter::start(&yaml(&m.mock.url(""), ""), &[]);
    let entered = |t: &str| counter(t, "contact_center_queue_entered_total", "Claims");
    e.wait_until("the first poll", Duration::from_secs(15), |e| {
        entered(&e.scrape()) == Some(42.0)
    });
    let p = polls(&e.scrape());
    e.wait_until("three polls", Duration::from_secs(15), |e| {
        polls(&e.scrape()) >= p + 3.0
    });
    let text = e.scrape();
    assert_eq!(entered(&text), Some(42.0));
    assert_eq!(
        counter(
            &text,
            "contact_center_queue_answered_in_sla_total",
            "Claims"
        ),
        Some(30.0)
    );
    assert_eq!(
        counter(&text, "contact_center_queue_oldest_wait_seconds", "Claims"),
        Some(61.5)
    );
    assert_eq!(
        sample(
            &text,
            r#"contact_center_agent_state_age_seconds{source="e88",vendor="eight_by_eight_analytics",state="other"}"#
        ),
        Some(120.0)
    );

    // The day grows: exactly the growth.
    *state.lock().unwrap() = (50, 40);
    e.wait_until("growth", Duration::from_secs(15), |e| {
        entered(&e.scrape()) == Some(50.0)
    });
    let text = e.scrape();
    assert_eq!(
        counter(&text, "contact_center_queue_answered_total", "Claims"),
        Some(40.0)
    );

    // The token is revoked: one poll fails, the next gets a new token; nothing is lost
    // or counted twice.
    m.revoke();
    e.wait_until("the failed poll", Duration::from_secs(15), |e| {
        up(&e.scrape()) == Some(0.0)
    });
    *state.lock().unwrap() = (51, 41);
    e.wait_until("recovery", Duration::from_secs(15), |e| {
        let t = e.scrape();
        up(&t) == Some(1.0) && entered(&t) == Some(51.0)
    });
    let p = polls(&e.scrape());
    e.wait_until("two polls", Duration::from_secs(15), |e| {
        polls(&e.scrape()) >= p + 2.0
    });
    let text = e.scrape();
    assert_eq!(entered(&text), Some(51.0));
    assert_eq!(
        counter(&text, "contact_center_queue_answered_total", "Claims"),
        Some(41.0)
    );
    assert_eq!(m.tokens(), 2);
    assert!(text.contains(
        r#"contact_center_source_requests_total{source="e88",vendor="eight_by_eight_analytics",endpoint="queues",outcome="401"} 1"#
    ), "{text}");
    let log = e.log_lines();
    let lunch = log
        .iter()
        .filter(|l| l.contains("unknown vendor state") && l.contains("Lunch"))
        .count();
    assert_eq!(lunch, 1, "{log:?}");
    assert_eq!(
        sample(
            &e.scrape(),
            r#"contact_center_agents{source="e88",vendor="eight_by_eight_analytics",state="other"}"#
        ),
        Some(1.0)
    );
    assert!(!log.join("\n").contains("SECRET"));
}

/// The demo's API (token endpoint included) polled by the real source: every agent of
/// the simulation on two pages, its queues with their day totals and gauges.
#[tokio::test]
async fn the_demo_api_round_trip() {
    use contact_center_exporter::simulator::{ContactCenter, SimOptions};
    let now = Utc::now();
    let cc = Arc::new(Mutex::new(ContactCenter::new(
        &SimOptions {
            agents: 150,
            ..Default::default()
        },
        now,
    )));
    let base = common::simulated::serve_demo("eight_by_eight_analytics", cc.clone()).await;
    let (cfg, _) = simulate::demo(&base);
    assert_eq!(cfg.page_size, 100);
    let mut src = AnalyticsSource::new("e88", cfg);
    let snap = src.poll(&ctx(Utc::now())).await.unwrap();
    assert_eq!(snap.agents.as_ref().unwrap().len(), 150);
    let queues = snap.queues.as_ref().unwrap();
    assert_eq!(queues.len(), 6);
    for g in queues {
        assert!(g.waiting.is_some() && g.oldest_wait_seconds.is_some());
        assert!(g.sla_threshold_seconds.unwrap() >= 20.0);
        if g.waiting == Some(0) {
            assert_eq!(g.oldest_wait_seconds, Some(0.0));
        }
    }
    let total = |c: QueueCounter| common::counter_total(&snap.queue_counts, c);
    assert!(total(QueueCounter::Answered) <= total(QueueCounter::Entered));
    assert!(total(QueueCounter::AnsweredInSla) <= total(QueueCounter::Answered));
    // Logged-in agents are counted per queue by status (one busy with another queue's
    // interaction is `busyOther.rt` there, not mapped): at most once per queue served.
    let counted: u64 = snap
        .queue_agents
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.count)
        .sum();
    let served: u64 = cc
        .lock()
        .unwrap()
        .agents
        .iter()
        .map(|a| a.queues.len() as u64)
        .sum();
    assert!(counted > 0 && counted <= served, "{counted} of {served}");
}

/// Found by the property tests: two queues of one name with agent counts near u64::MAX
/// (a huge number in the answer) add up in the renderer without overflowing.
#[test]
fn huge_agent_counts_of_same_named_queues_saturate() {
    let body = json!([
        queue("1", "Sales", &[("handling.rt", json!(1e300))]),
        queue("2", "Sales", &[("handling.rt", json!(u64::MAX))]),
    ]);
    assert!(common::pipeline::eight_by_eight_analytics(
        0,
        &serde_json::to_vec(&body).unwrap()
    ));
}

/// One poll of `m` with pages of two.
async fn poll_pages_of_2(m: &Eight) -> Snapshot {
    let mut cfg = m.config();
    cfg.page_size = 2;
    AnalyticsSource::new("e88", cfg)
        .poll(&ctx(t0()))
        .await
        .unwrap()
}

/// Issue 27 item 2 through the binary, under a clock the test moves: 8x8's day turns
/// three minutes after our midnight (UTC). Before midnight the day's 20 count; after
/// it, 8x8 still reports yesterday (grown to 24): held, nothing added; when its totals
/// fall to the new day's 5, yesterday's last 24 counts for yesterday and 5 for today
/// (29, not 20 + 24 + …); then only growth. The queue's first abandon of the new day
/// counts once.
#[test]
fn a_late_vendor_day_counts_each_day_once_through_the_binary() {
    let figures = Arc::new(Mutex::new((20u64, Value::Null)));
    let served = figures.clone();
    let m = Eight::start(move |r| {
        if r.path.ends_with("/queues") {
            let (entered, abandoned) = served.lock().unwrap().clone();
            let q = queue(
                "103",
                "Appointments",
                &[
                    ("entered.today", json!(entered)),
                    ("abandoned.today", abandoned),
                ],
            );
            paged(serde_json::to_vec(&[q]).unwrap(), 0, 1, 1)
        } else {
            paged(b"[]".to_vec(), 0, 0, 0)
        }
    });
    let midnight = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
    let clock = common::clock::TestClock::at(midnight - chrono::Duration::minutes(1));
    let args = clock.args();
    let e = Exporter::start(
        &yaml(&m.mock.url(""), ""),
        &[args[0].as_str(), args[1].as_str()],
    );
    let entered = |e: &Exporter| {
        counter(
            &e.scrape(),
            "contact_center_queue_entered_total",
            "Appointments",
        )
    };
    let abandoned = |e: &Exporter| {
        counter(
            &e.scrape(),
            "contact_center_queue_abandoned_total",
            "Appointments",
        )
    };
    let wait = |e: &Exporter, what: &str, want: f64| {
        e.wait_until(what, Duration::from_secs(20), |e| entered(e) == Some(want))
    };
    let polls_after = |e: &Exporter, n: usize| {
        let seen = m.requests("/queues").len();
        e.wait_until("more polls", Duration::from_secs(20), |_| {
            m.requests("/queues").len() >= seen + n
        });
        // Let the last poll's snapshot be ingested.
        std::thread::sleep(Duration::from_millis(300));
    };
    wait(&e, "the day's 20", 20.0);
    // 00:01: our new day; 8x8 still reports yesterday, grown.
    clock.set(midnight + chrono::Duration::minutes(1));
    figures.lock().unwrap().0 = 24;
    polls_after(&e, 3);
    assert_eq!(entered(&e), Some(20.0), "yesterday's totals are held");
    assert_eq!(abandoned(&e), Some(0.0));
    // 00:03: 8x8's day turns: its totals fall.
    clock.set(midnight + chrono::Duration::minutes(3));
    *figures.lock().unwrap() = (5, json!(1));
    wait(&e, "yesterday's 24 and today's 5", 29.0);
    polls_after(&e, 2);
    assert_eq!(entered(&e), Some(29.0));
    assert_eq!(abandoned(&e), Some(1.0));
    // Later in the day: growth only.
    clock.set(midnight + chrono::Duration::hours(9));
    figures.lock().unwrap().0 = 9;
    wait(&e, "growth only", 33.0);
    polls_after(&e, 2);
    assert_eq!(abandoned(&e), Some(1.0));
}
