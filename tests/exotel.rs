//! Exotel / Ameyo User Monitoring API: paging safety against a local mock, error
//! bodies, and the documented example end to end through the real binary (golden).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{sample, Exporter, Mock, MockResponse, Recorded};
use contact_center_exporter::http::{PollContext, RequestCounters};
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::exotel::{Config, ExotelSource};
use contact_center_exporter::sources::{Source, SourceError};
use serde_json::json;

const EXAMPLE: &str = include_str!("fixtures/exotel/user-session-information.json");

fn users(n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| {
            json!({"data": {"user_id": format!("u{i}"), "user_status": if i % 2 == 0 {"Ready"} else {"On Call"},
            "campaign_name": "c", "channel_details": {"channel_type": "VOICE"}, "waiting": false}})
        })
        .collect()
}

fn page(all: &[serde_json::Value], r: &Recorded) -> MockResponse {
    let offset: usize = r.param("offset").unwrap().parse().unwrap();
    let limit: usize = r.param("limit").unwrap().parse().unwrap();
    let rows: Vec<_> = all.iter().skip(offset).take(limit).cloned().collect();
    MockResponse::json(json!({"response": rows, "metadata": {"total": all.len(), "count": rows.len(), "offset": offset, "limit": limit}}).to_string())
}

fn empty_page() -> MockResponse {
    MockResponse::json(
        r#"{"response": [], "metadata": {"total": 0, "count": 0, "offset": 0, "limit": 100}}"#,
    )
}

fn config(mock: &Mock) -> Config {
    Config {
        base_url: url::Url::parse(&mock.url("/de")).unwrap(),
        cc_id: 6,
        username: "api".into(),
        password: Secret::new("pw-EXOTEL-SECRET"),
        page_size: 100,
    }
}

fn ctx(counters: Arc<RequestCounters>) -> PollContext {
    PollContext::new(
        "t",
        chrono::Utc::now(),
        reqwest::Client::new(),
        Duration::from_secs(5),
        1 << 20,
        counters,
    )
}

fn sessions_requests(mock: &Mock) -> Vec<Recorded> {
    mock.recorded()
        .into_iter()
        .filter(|r| r.param("table-name") == Some("user-session-information"))
        .collect()
}

#[tokio::test]
async fn pages_250_agents_in_3_requests_and_counts_each_once() {
    let all = users(250);
    let mock = Mock::start(move |r| {
        if r.param("table-name") == Some("customer-information") {
            return empty_page();
        }
        page(&all, r)
    });
    let mut src = ExotelSource::new("t", config(&mock));
    let counters = Arc::new(RequestCounters::default());
    let snap = src.poll(&ctx(counters.clone())).await.unwrap();
    assert_eq!(snap.agents.as_ref().unwrap().len(), 250);
    let reqs = sessions_requests(&mock);
    let offsets: Vec<_> = reqs
        .iter()
        .map(|r| r.param("offset").unwrap().to_string())
        .collect();
    assert_eq!(offsets, vec!["0", "100", "200"]);
    // Path prefix of base_url kept; auth and accept headers sent on every request.
    for r in &reqs {
        assert_eq!(
            r.path,
            "/de/v4/cc-list/6/monitoring/user-session-information"
        );
        assert_eq!(r.headers["accept"], "application/json");
        assert_eq!(
            r.headers["authorization"],
            "Basic YXBpOnB3LUVYT1RFTC1TRUNSRVQ="
        );
    }
    let ready = snap
        .agents
        .unwrap()
        .iter()
        .filter(|a| a.vendor_state == "Ready")
        .count();
    assert_eq!(ready, 125);
    assert_eq!(
        counters.records_snapshot(),
        vec![("customers", 0), ("user_sessions", 250)]
    );
}

#[tokio::test]
async fn a_server_ignoring_offset_does_not_loop_or_double_count() {
    let all = users(250);
    let mock = Mock::start(move |r| {
        if r.param("table-name") == Some("customer-information") {
            return empty_page();
        }
        // Always the first page, whatever the offset.
        let rows: Vec<_> = all.iter().take(100).cloned().collect();
        MockResponse::json(json!({"response": rows, "metadata": {"total": 250}}).to_string())
    });
    let mut src = ExotelSource::new("t", config(&mock));
    let snap = src
        .poll(&ctx(Arc::new(RequestCounters::default())))
        .await
        .unwrap();
    assert_eq!(snap.agents.unwrap().len(), 100);
    assert_eq!(
        sessions_requests(&mock).len(),
        2,
        "second page repeated the first: stop"
    );
}

#[tokio::test]
async fn a_shrinking_list_stops_at_the_short_page() {
    let all = users(150);
    let mock = Mock::start(move |r| {
        if r.param("table-name") == Some("customer-information") {
            return empty_page();
        }
        // Claims 300 but only has 150: third request would be empty.
        let offset: usize = r.param("offset").unwrap().parse().unwrap();
        let rows: Vec<_> = all.iter().skip(offset).take(100).cloned().collect();
        MockResponse::json(json!({"response": rows, "metadata": {"total": 300}}).to_string())
    });
    let mut src = ExotelSource::new("t", config(&mock));
    let snap = src
        .poll(&ctx(Arc::new(RequestCounters::default())))
        .await
        .unwrap();
    assert_eq!(snap.agents.unwrap().len(), 150);
    assert_eq!(sessions_requests(&mock).len(), 3);
}

#[tokio::test]
async fn unauthorized_names_the_credentials_and_counts_the_status() {
    let mock = Mock::start(|_| {
        MockResponse::status(
            401,
            r#"{"statusCode": 401, "status": "Unauthorized", "errorCode": "CONF-1002", "errorMessage": "Authentication token is missing or invalid."}"#,
        )
    });
    let mut src = ExotelSource::new("t", config(&mock));
    let counters = Arc::new(RequestCounters::default());
    let err = src.poll(&ctx(counters.clone())).await.unwrap_err();
    assert!(matches!(err, SourceError::Status { status: 401, .. }));
    let msg = err.to_string();
    assert!(msg.contains("check username/password"), "{msg}");
    assert!(msg.contains("CONF-1002"), "{msg}");
    assert!(!msg.contains("pw-EXOTEL-SECRET"));
    assert_eq!(
        counters.requests_snapshot(),
        vec![(("user_sessions", "401".to_string()), 1)]
    );
}

#[tokio::test]
async fn rate_limit_passes_retry_after_to_the_poller() {
    let mock = Mock::start(|_| {
        let mut r = MockResponse::status(429, "{}");
        r.headers.push(("retry-after".into(), "90".into()));
        r
    });
    let mut src = ExotelSource::new("t", config(&mock));
    let err = src
        .poll(&ctx(Arc::new(RequestCounters::default())))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(90)));
}

#[test]
fn documented_example_end_to_end_golden() {
    let mock = Mock::start(|r| match r.param("table-name") {
        Some("user-session-information") => MockResponse::json(EXAMPLE),
        _ => empty_page(),
    });
    let keys = ["cc_id: 6", "username: api", "password: s3cret"];
    let e = Exporter::one_source("ameyo", "exotel", &mock.url(""), &keys);
    let text = e.scrape();
    assert_eq!(
        sample(
            &text,
            r#"contact_center_agents{source="ameyo",vendor="exotel",state="available"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"contact_center_queue_agents{source="ameyo",vendor="exotel",queue="monika_webchat",state="available"}"#
        ),
        Some(1.0)
    );
    common::assert_golden_families(
        "end_to_end/exotel.prom",
        &text,
        &[
            "contact_center_agents",
            "contact_center_queue",
            "contact_center_agent_state",
        ],
    );
}
