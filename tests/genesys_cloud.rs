//! Genesys Cloud against a local mock that answers in the shapes of Genesys's SDK
//! models: the fixtures end to end through the real binary (waiting, oldest wait, queue
//! agents, today's counters, handle time, thresholds and agent states exact over
//! repeated polls, a growing day, a revoked token and a 429), token reuse and renewal,
//! more than 100 queues (batching) on more than one page, a 400 with Genesys's error
//! body, the day rollover with the previous day re-read, and the demo simulator's API.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use common::oauth::{self, OAuthMock, TokenEndpoint};
use common::{sample, Exporter, Mock, MockResponse, Recorded};
use contact_center_exporter::http::PollContext;
use contact_center_exporter::model::{Channel, QueueCounter};
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::genesys_cloud::{simulate, Config, GenesysSource};
use contact_center_exporter::sources::{self, Source};
use contact_center_exporter::state::StateMapper;
use contact_center_exporter::store::SourceData;

const SECRET: &str = "sec-GC-7e6d5c4b3a-SECRET";
const CLIENT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const OBS: &str = "/api/v2/analytics/queues/observations/query";
const AGG: &str = "/api/v2/analytics/conversations/aggregates/query";
const COUNTS: &str = "/api/v2/analytics/agents/status/counts";
const QUEUES: &str = "/api/v2/routing/queues";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/genesys_cloud/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The observation fixture with its waiting starts moved to `seconds` before `now`
/// (the fixture's dates are 09:55:00, 09:57:00, 09:58:01.123, 09:59:30, 09:59:40 and
/// 09:59:50 of a day whose "now" is 10:00:00).
fn observations_at(now: DateTime<Utc>) -> String {
    let mut text = fixture("observations.json");
    for (date, before_ms) in [
        ("2026-03-02T09:55:00.000Z", 300_000),
        ("2026-03-02T09:57:00.000Z", 180_000),
        ("2026-03-02T09:58:01.123Z", 118_877),
        ("2026-03-02T09:59:30.000Z", 30_000),
        ("2026-03-02T09:59:40.000Z", 20_000),
        ("2026-03-02T09:59:50.000Z", 10_000),
    ] {
        let t = now - chrono::Duration::milliseconds(before_ms);
        text = text.replace(
            date,
            &t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
    }
    text
}

/// A mock Genesys Cloud: `/oauth/token` issues numbered tokens (revocable), the API
/// answers through `api` for requests with a live token and 401s the rest with
/// Genesys's error body.
struct Genesys(OAuthMock);

impl std::ops::Deref for Genesys {
    type Target = OAuthMock;
    fn deref(&self) -> &OAuthMock {
        &self.0
    }
}

impl Genesys {
    fn start(api: impl Fn(&Recorded) -> MockResponse + Send + Sync + 'static) -> Genesys {
        let endpoint = TokenEndpoint {
            path: "/oauth/token",
            prefix: "tokgc",
            answer: |token| {
                MockResponse::json(
                    json!({"access_token": token, "token_type": "bearer", "expires_in": 86399})
                        .to_string(),
                )
            },
            denied: || {
                MockResponse::status(
                    401,
                    r#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#,
                )
            },
        };
        Genesys(OAuthMock::start(endpoint, api))
    }

    fn config(&self) -> Config {
        let base = url::Url::parse(&self.mock.url("")).unwrap();
        Config {
            api_url: base.clone(),
            login_url: base,
            region: None,
            client_id: CLIENT.into(),
            client_secret: Secret::new(SECRET),
            queues: None,
            time_zone: chrono_tz::UTC,
        }
    }

    fn requests(&self, path: &str) -> Vec<Recorded> {
        self.mock
            .recorded()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

/// The fixtures: two pages of queues, the observations (dated relative to the wall
/// clock), the day's aggregates and the status counts.
fn documented(r: &Recorded) -> MockResponse {
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", QUEUES) => match r.param("pageNumber") {
            Some("1") => MockResponse::json(fixture("queues-page1.json")),
            Some("2") => MockResponse::json(fixture("queues-page2.json")),
            _ => MockResponse::json(r#"{"entities": [], "pageNumber": 3, "pageCount": 2}"#),
        },
        ("POST", OBS) => MockResponse::json(observations_at(Utc::now())),
        ("POST", AGG) => MockResponse::json(fixture("aggregates.json")),
        ("POST", COUNTS) => MockResponse::json(fixture("status-counts.json")),
        _ => MockResponse::status(
            404,
            r#"{"message":"Not found","code":"not.found","status":404}"#,
        ),
    }
}

fn yaml(url: &str, extra: &str) -> String {
    format!(
        "sources:\n  - name: gc\n    vendor: genesys_cloud\n    base_url: {url}\n    client_id: {CLIENT}\n    client_secret: {SECRET}\n    interval: 1s\n    timeout: 900ms\n{extra}"
    )
}

fn up(text: &str) -> Option<f64> {
    sample(
        text,
        r#"contact_center_source_up{source="gc",vendor="genesys_cloud"}"#,
    )
}

fn q(text: &str, metric: &str, queue: &str, channel: &str) -> Option<f64> {
    sample(
        text,
        &format!(
            r#"{metric}{{source="gc",vendor="genesys_cloud",queue="{queue}",channel="{channel}"}}"#
        ),
    )
}

fn polls(text: &str) -> f64 {
    sample(
        text,
        r#"contact_center_source_poll_duration_seconds_count{source="gc",vendor="genesys_cloud"}"#,
    )
    .unwrap_or(0.0)
}

fn ctx(now: DateTime<Utc>) -> PollContext {
    common::poll_ctx("gc", now, 32 << 20)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn exact_figures(text: &str) {
    for (metric, queue, channel, want) in [
        ("contact_center_queue_waiting", "Support", "voice", 2.0),
        ("contact_center_queue_waiting", "Support", "chat", 1.0),
        ("contact_center_queue_waiting", "Sales", "voice", 3.0),
        ("contact_center_queue_waiting", "Support", "email", 0.0),
        (
            "contact_center_queue_oldest_wait_seconds",
            "Support",
            "email",
            0.0,
        ),
        (
            "contact_center_queue_sla_threshold_seconds",
            "Support",
            "voice",
            20.0,
        ),
        (
            "contact_center_queue_sla_threshold_seconds",
            "Support",
            "chat",
            45.0,
        ),
        (
            "contact_center_queue_sla_threshold_seconds",
            "Sales",
            "voice",
            25.0,
        ),
        (
            "contact_center_queue_entered_total",
            "Support",
            "voice",
            877.0,
        ),
        ("contact_center_queue_entered_total", "Sales", "voice", 17.0),
        (
            "contact_center_queue_answered_total",
            "Support",
            "voice",
            787.0,
        ),
        (
            "contact_center_queue_abandoned_total",
            "Support",
            "voice",
            83.0,
        ),
        (
            "contact_center_queue_answered_in_sla_total",
            "Support",
            "voice",
            414.0,
        ),
        (
            "contact_center_queue_answered_in_sla_total",
            "Sales",
            "voice",
            11.0,
        ),
        (
            "contact_center_queue_handled_total",
            "Support",
            "voice",
            817.0,
        ),
        (
            "contact_center_queue_talk_seconds_total",
            "Support",
            "voice",
            103333.322,
        ),
        (
            "contact_center_queue_after_call_work_seconds_total",
            "Support",
            "voice",
            28246.779,
        ),
        (
            "contact_center_queue_answered_total",
            "Support",
            "chat",
            38.0,
        ),
    ] {
        assert_eq!(
            q(text, metric, queue, channel),
            Some(want),
            "{metric} {queue} {channel}"
        );
    }
    // Oldest waits: the poll time and the time the mock dates its answer differ by
    // a moment.
    for (queue, channel, at_least) in [
        ("Support", "voice", 118.877),
        ("Support", "chat", 300.0),
        ("Sales", "voice", 180.0),
    ] {
        let v = q(
            text,
            "contact_center_queue_oldest_wait_seconds",
            queue,
            channel,
        )
        .unwrap();
        // The poll time and the time the mock dates its answer differ by a moment.
        assert!(
            (at_least - 2.0..at_least + 5.0).contains(&v),
            "{queue} {channel}: {v}"
        );
    }
    let agents = |state: &str| {
        sample(
            text,
            &format!(
                r#"contact_center_agents{{source="gc",vendor="genesys_cloud",state="{state}"}}"#
            ),
        )
    };
    for (state, want) in [
        ("available", 4.0),
        ("busy", 5.0),
        ("break", 3.0),
        ("unavailable", 4.0),
        ("offline", 5.0),
        ("other", 1.0),
    ] {
        assert_eq!(agents(state), Some(want), "{state}");
    }
    let queue_agents = |queue: &str, state: &str| {
        sample(
            text,
            &format!(
                r#"contact_center_queue_agents{{source="gc",vendor="genesys_cloud",queue="{queue}",state="{state}"}}"#
            ),
        )
    };
    assert_eq!(queue_agents("Support", "busy"), Some(4.0));
    assert_eq!(queue_agents("Support", "offline"), Some(2.0));
    assert_eq!(queue_agents("Sales", "break"), Some(2.0));
}

/// Through the real binary: every figure exact, and still exact over repeated polls,
/// a growing day, a revoked token and a 429.
#[test]
fn documented_shapes_end_to_end_exact_over_polls_growth_revocation_and_429() {
    // What the aggregate answer adds to Support/voice's nOffered (the day grows), and
    // whether the next observation query is rate limited.
    let grow = Arc::new(AtomicU64::new(0));
    let limit = Arc::new(AtomicU64::new(0));
    let (g2, l2) = (grow.clone(), limit.clone());
    let m = Genesys::start(move |r| {
        if r.path == OBS && l2.swap(0, Ordering::SeqCst) == 1 {
            let mut resp = MockResponse::status(
                429,
                r#"{"message":"Rate limit exceeded the maximum. Retry the request in [1] seconds","code":"too.many.requests.retry.after","status":429}"#,
            );
            resp.headers
                .push(("inin-ratelimit-reset".into(), "1".into()));
            return resp;
        }
        if r.path == AGG {
            let extra = g2.load(Ordering::SeqCst);
            return MockResponse::json(
                fixture("aggregates.json")
                    .replace("\"count\": 877", &format!("\"count\": {}", 877 + extra)),
            );
        }
        documented(r)
    });
    let e = Exporter::start(&yaml(&m.mock.url(""), ""), &[]);
    e.wait_for_sample(
        r#"contact_center_source_up{source="gc",vendor="genesys_cloud"}"#,
        1.0,
        Duration::from_secs(20),
    );
    let p = polls(&e.scrape());
    e.wait_until("three more polls", Duration::from_secs(20), |e| {
        polls(&e.scrape()) >= p + 3.0
    });
    exact_figures(&e.scrape());
    assert_eq!(m.tokens(), 1, "one token for every poll");
    // Asked for as Genesys documents it.
    let t = &m.requests("/oauth/token")[0];
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{SECRET}"));
    assert_eq!(t.headers["authorization"], format!("Basic {basic}"));
    assert_eq!(t.body, b"grant_type=client_credentials");
    // The queue list is cached: two pages, read once.
    assert_eq!(m.requests(QUEUES).len(), 2);

    // The day grows by 5: exactly 5 more.
    grow.store(5, Ordering::SeqCst);
    e.wait_until("growth", Duration::from_secs(20), |e| {
        q(
            &e.scrape(),
            "contact_center_queue_entered_total",
            "Support",
            "voice",
        ) == Some(882.0)
    });

    // Revoked: one poll fails with Genesys's message, the next gets one new token.
    m.revoke();
    e.wait_until("the failed poll", Duration::from_secs(20), |e| {
        up(&e.scrape()) == Some(0.0)
    });
    e.wait_until("recovery", Duration::from_secs(20), |e| {
        up(&e.scrape()) == Some(1.0)
    });
    assert_eq!(m.tokens(), 2);

    // Rate limited once: a failed poll, then the same figures.
    limit.store(1, Ordering::SeqCst);
    e.wait_until("the 429", Duration::from_secs(20), |e| {
        e.scrape()
            .contains(r#"endpoint="observations",outcome="429"} 1"#)
    });
    e.wait_until("recovery", Duration::from_secs(20), |e| {
        up(&e.scrape()) == Some(1.0)
    });
    let p = polls(&e.scrape());
    e.wait_until("two polls", Duration::from_secs(20), |e| {
        polls(&e.scrape()) >= p + 2.0
    });
    let text = e.scrape();
    assert_eq!(
        q(
            &text,
            "contact_center_queue_entered_total",
            "Support",
            "voice"
        ),
        Some(882.0)
    );
    assert_eq!(
        q(
            &text,
            "contact_center_queue_answered_total",
            "Support",
            "voice"
        ),
        Some(787.0)
    );
    assert!(text.contains(
        r#"contact_center_source_requests_total{source="gc",vendor="genesys_cloud",endpoint="observations",outcome="401"} 1"#
    ), "{text}");
    let log = e.log_lines();
    let refused = log
        .iter()
        .find(|l| l.contains("poll failed") && l.contains("401"))
        .unwrap();
    assert!(
        refused.contains("Invalid login credentials. (bad.credentials)"),
        "{refused}"
    );
    let limited = log
        .iter()
        .find(|l| l.contains("poll failed") && l.contains("429"))
        .unwrap();
    assert!(
        limited.contains("too.many.requests.retry.after"),
        "{limited}"
    );
    // The token and the secret are nowhere.
    let (_, _, landing) = e.get("/").unwrap();
    for t in [
        text,
        log.join("\n"),
        String::from_utf8(landing).unwrap(),
        e.config_check(),
    ] {
        assert!(!t.contains("SECRET"), "{t}");
    }
}

/// One token, reused until a minute before `expires_in` (86399 s, a number); a 401
/// drops it and fails that poll; the next poll asks for exactly one new token.
#[tokio::test]
async fn token_reuse_and_renewal_after_a_401() {
    let m = Genesys::start(documented);
    let mut src = GenesysSource::new("gc", m.config());
    oauth::token_reuse_and_renewal(&m, &mut src, 86399, t0(), ctx).await;
}

/// A refused token request (Genesys's AuthErrorResponse) names the credentials.
#[tokio::test]
async fn a_refused_token_request_names_the_credentials_not_the_secret() {
    let m = Mock::start(|_| {
        MockResponse::status(
            400,
            r#"{"error":"invalid_client","description":"client not found","error_description":"client not found"}"#,
        )
    });
    let mut cfg = Genesys::start(documented).config();
    cfg.login_url = url::Url::parse(&m.url("")).unwrap();
    let err = GenesysSource::new("gc", cfg)
        .poll(&ctx(t0()))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("token: HTTP 400"), "{msg}");
    assert!(msg.contains("check client_id and client_secret"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
}

/// 1,050 queues: three pages of 500, then 11 observation and 11 aggregate queries of at
/// most 100 queue ids each, every queue exactly once; the next poll reuses the list.
#[tokio::test]
async fn more_than_100_queues_are_batched_and_more_than_one_page_is_read() {
    let queues: Vec<Value> = (0..1050)
        .map(|i| {
            json!({"id": format!("q{i:04}"), "name": format!("Q{i:04}"),
                        "mediaSettings": {"call": {"serviceLevel": {"durationMs": 20000}}}})
        })
        .collect();
    let m = Genesys::start(move |r| match r.path.as_str() {
        QUEUES => {
            let size: usize = r.param("pageSize").unwrap().parse().unwrap();
            let page: usize = r.param("pageNumber").unwrap().parse().unwrap();
            let items: Vec<&Value> = queues.iter().skip((page - 1) * size).take(size).collect();
            MockResponse::json(
                json!({"entities": items, "pageNumber": page, "pageSize": size,
                "total": queues.len(), "pageCount": queues.len().div_ceil(size)})
                .to_string(),
            )
        }
        OBS | AGG => {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            let ids: Vec<&str> = body["filter"]["predicates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["value"].as_str().unwrap())
                .collect();
            assert!(ids.len() <= 100, "{} ids", ids.len());
            let results: Vec<Value> = ids.iter().map(|id| if r.path == OBS {
                json!({"group": {"queueId": id, "mediaType": "voice"}, "data": [{"metric": "oWaiting", "stats": {"count": 1},
                       "observations": [{"observationDate": "2026-03-02T09:59:00.000Z"}]}]})
            } else {
                json!({"group": {"queueId": id, "mediaType": "voice"}, "data": [{"interval": "x", "metrics": [{"metric": "nOffered", "stats": {"count": 2}}]}]})
            }).collect();
            // Dated at the poll time: the oldest wait is measured against the answer's
            // Date (an HTTP server adds one of the wall clock otherwise).
            let mut resp = MockResponse::json(json!({"results": results}).to_string());
            resp.headers.push((
                "date".into(),
                t0().format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            ));
            resp
        }
        COUNTS => MockResponse::json("{}"),
        _ => MockResponse::status(404, ""),
    });
    let mut src = GenesysSource::new("gc", m.config());
    let snap = src.poll(&ctx(t0())).await.unwrap();
    let pages: Vec<String> = m
        .requests(QUEUES)
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r.param("pageNumber").unwrap(),
                r.param("pageSize").unwrap()
            )
        })
        .collect();
    assert_eq!(pages, ["1/500", "2/500", "3/500"]);
    assert_eq!(m.requests(OBS).len(), 11);
    assert_eq!(m.requests(AGG).len(), 11);
    assert_eq!(m.requests(COUNTS).len(), 1);
    let mut asked: Vec<String> = m
        .requests(OBS)
        .iter()
        .flat_map(|r| {
            let b: Value = serde_json::from_slice(&r.body).unwrap();
            b["filter"]["predicates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["value"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    asked.sort();
    asked.dedup();
    assert_eq!(asked.len(), 1050);
    let g = snap.queues.unwrap();
    assert_eq!(g.len(), 1050);
    assert!(g
        .iter()
        .all(|g| g.waiting == Some(1) && g.oldest_wait_seconds == Some(60.0)));
    assert_eq!(
        common::counter_total(&snap.queue_counts, QueueCounter::Entered),
        2100.0
    );
    // Next poll: the cached list, 2·⌈1050/100⌉ + 1 requests.
    let before = m.mock.recorded().len();
    src.poll(&ctx(t0() + chrono::Duration::seconds(30)))
        .await
        .unwrap();
    assert_eq!(m.mock.recorded().len() - before, 23);
    // After five minutes the list is read again.
    let before = m.requests(QUEUES).len();
    src.poll(&ctx(t0() + chrono::Duration::seconds(300)))
        .await
        .unwrap();
    assert_eq!(m.requests(QUEUES).len() - before, 3);
}

/// Across local midnight: the new day is its own period; the previous day is read as
/// well for two hours, so its late growth counts once; then it is no longer read.
#[tokio::test]
async fn day_rollover_rereads_the_previous_day_for_two_hours() {
    // nOffered per local day start (the interval's start as sent).
    let days: Arc<Mutex<std::collections::HashMap<String, u64>>> = Arc::default();
    let d2 = days.clone();
    let m = Genesys::start(move |r| match r.path.as_str() {
        QUEUES => MockResponse::json(
            fixture("queues-page2.json").replace("\"pageCount\": 2", "\"pageCount\": 1"),
        ),
        AGG => {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["timeZone"], "Europe/Dublin");
            let start = body["interval"]
                .as_str()
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_string();
            match d2.lock().unwrap().get(&start) {
                Some(n) => MockResponse::json(json!({"results": [{"group": {"queueId": "a9b8c7d6-1111-4222-8333-444455556666", "mediaType": "voice"},
                    "data": [{"interval": "x", "metrics": [{"metric": "nOffered", "stats": {"count": n}}]}]}]}).to_string()),
                None => MockResponse::json("{}"),
            }
        }
        OBS | COUNTS => MockResponse::json("{}"),
        _ => MockResponse::status(404, ""),
    });
    let tz = chrono_tz::Europe::Dublin;
    let mut cfg = m.config();
    cfg.time_zone = tz;
    let mut src = GenesysSource::new("gc", cfg);
    let mapper = StateMapper::new(
        "gc",
        sources::find("genesys_cloud").unwrap().states(),
        &Default::default(),
    );
    let mut data = SourceData::default();
    let local = |d: u32, h: u32, mi: u32| {
        tz.with_ymd_and_hms(2026, 7, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    let d1 = "2026-07-01T00:00:00.000+01:00";
    let d2 = "2026-07-02T00:00:00.000+01:00";
    /// When, the days' nOffered so far, the counter then, aggregate queries made.
    type Step<'a> = (DateTime<Utc>, &'a [(&'a str, u64)], f64, usize);
    let steps: [Step; 6] = [
        (local(1, 23, 50), &[(d1, 10)], 10.0, 1),
        (local(1, 23, 59), &[(d1, 12)], 12.0, 1),
        // After midnight: yesterday's late fills (+2) and today's first (3).
        (local(2, 0, 5), &[(d1, 14), (d2, 3)], 17.0, 2),
        (local(2, 1, 0), &[(d1, 14), (d2, 3)], 17.0, 2),
        (local(2, 1, 59), &[(d1, 15), (d2, 6)], 21.0, 2),
        // Two hours on: only today is read; yesterday's later value is not seen.
        (local(2, 2, 0), &[(d1, 99), (d2, 7)], 22.0, 1),
    ];
    for (at, values, want, queries) in steps {
        for (d, n) in values {
            days.lock().unwrap().insert(d.to_string(), *n);
        }
        let before = m.requests(AGG).len();
        let snap = src.poll(&ctx(at)).await.unwrap();
        assert_eq!(m.requests(AGG).len() - before, queries, "at {at}");
        data.ingest(snap, &mapper, at.timestamp());
        let got: f64 = data
            .queue_counters
            .iter()
            .filter(|(k, _)| k.counter == QueueCounter::Entered && k.key.channel == Channel::Voice)
            .map(|(_, v)| *v)
            .sum();
        assert_eq!(got, want, "at {at}");
    }
}

/// A 400 with Genesys's error body fails the poll and logs its message and code; the
/// landing page shows it escaped.
#[test]
fn a_400_with_an_error_body_is_a_failed_poll_that_logs_message_and_code() {
    let m = Genesys::start(|r| {
        if r.path == AGG {
            MockResponse::status(400, fixture("error-400.json"))
        } else {
            documented(r)
        }
    });
    let e = Exporter::start(&yaml(&m.mock.url(""), ""), &[]);
    e.wait_until("the failed poll, logged", Duration::from_secs(20), |e| {
        up(&e.scrape()) == Some(0.0) && e.log_lines().iter().any(|l| l.contains("poll failed"))
    });
    let line = e
        .log_lines()
        .into_iter()
        .find(|l| l.contains("poll failed"))
        .unwrap();
    assert!(
        line.contains("aggregates: HTTP 400")
            && line.contains("Invalid query: too many predicates (bad.request)"),
        "{line}"
    );
    assert!(
        !line.contains("contextId"),
        "the message, not the JSON: {line}"
    );
    assert!(e.scrape().contains(
        r#"contact_center_source_requests_total{source="gc",vendor="genesys_cloud",endpoint="aggregates",outcome="400"}"#
    ));
}

/// The wait a 429 asks for: `Retry-After`, else `inin-ratelimit-reset`.
#[tokio::test]
async fn a_429_waits_retry_after_or_the_genesys_reset_header() {
    for (headers, want) in [
        (
            vec![("Retry-After", "7"), ("inin-ratelimit-reset", "40")],
            7,
        ),
        (vec![("inin-ratelimit-reset", "40")], 40),
    ] {
        let hs: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let m = Genesys::start(move |r| {
            if r.path == OBS {
                let mut resp = MockResponse::status(
                    429,
                    r#"{"message":"Rate limit exceeded","code":"too.many.requests","status":429}"#,
                );
                resp.headers.extend(hs.clone());
                resp
            } else {
                documented(r)
            }
        });
        let err = GenesysSource::new("gc", m.config())
            .poll(&ctx(t0()))
            .await
            .unwrap_err();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(want)), "{err}");
        assert!(
            err.to_string()
                .contains("Rate limit exceeded (too.many.requests)"),
            "{err}"
        );
    }
    // The reset header on a good answer asks for nothing.
    let m = Genesys::start(|r| {
        let mut resp = documented(r);
        resp.headers
            .push(("inin-ratelimit-reset".into(), "61".into()));
        resp
    });
    assert!(GenesysSource::new("gc", m.config())
        .poll(&ctx(t0()))
        .await
        .is_ok());
}

/// The configured queue names: only those are read; a missing one is logged.
#[tokio::test]
async fn only_the_configured_queues_are_asked_for() {
    let m = Genesys::start(documented);
    let mut cfg = m.config();
    cfg.queues = Some(vec!["Sales".into()]);
    GenesysSource::new("gc", cfg)
        .poll(&ctx(t0()))
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&m.requests(OBS)[0].body).unwrap();
    let ids: Vec<&str> = body["filter"]["predicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "7d1c9a3e-5f60-4b2a-8c11-0e2f3a4b5c6d",
            "a9b8c7d6-1111-4222-8333-444455556666"
        ]
    );
    let agg: Value = serde_json::from_slice(&m.requests(AGG)[0].body).unwrap();
    assert_eq!(
        agg["interval"],
        "2026-03-02T00:00:00.000+00:00/2026-03-03T00:00:00.000+00:00"
    );
    assert_eq!(agg["timeZone"], "UTC");
    let counts = &m.requests(COUNTS)[0];
    let group_by: Vec<&str> = counts
        .query
        .iter()
        .filter(|(k, _)| k == "groupBy")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(group_by, ["presence", "routingStatus"]);
    assert_eq!(counts.headers["content-type"], "application/json");
}

/// The demo's API (token endpoint included) polled by the real source.
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
    let base = common::simulated::serve_demo("genesys_cloud", cc.clone()).await;
    let (cfg, _) = simulate::demo(&base);
    let mut src = GenesysSource::new("gc", cfg);
    let snap = src.poll(&ctx(Utc::now())).await.unwrap();
    assert_eq!(snap.agents.as_ref().unwrap().len(), 150);
    let queues = snap.queues.as_ref().unwrap();
    assert_eq!(queues.len(), cc.lock().unwrap().queues.len());
    for g in queues {
        assert!(g.waiting.is_some() && g.sla_threshold_seconds.unwrap() >= 20.0);
        if g.waiting == Some(0) {
            assert_eq!(g.oldest_wait_seconds, Some(0.0));
        }
    }
    let total = |c: QueueCounter| common::counter_total(&snap.queue_counts, c);
    assert!(total(QueueCounter::Entered) > 0.0);
    assert!(total(QueueCounter::Answered) <= total(QueueCounter::Entered));
    assert!(total(QueueCounter::AnsweredInSla) <= total(QueueCounter::Answered));
    let counted: u64 = snap
        .queue_agents
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.count)
        .sum();
    assert!(counted > 0);
}
