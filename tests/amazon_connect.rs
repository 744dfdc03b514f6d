//! Amazon Connect against a local mock that answers as botocore's service model shows
//! and verifies every request's SigV4 signature (recomputed independently of the
//! signer): the examples end to end through the real binary with keys from a file and
//! from the environment, a wrong secret, counters exact over repeated polls, a growing
//! day and a throttled poll; temporary credentials from a shared credentials file with
//! a profile, from a web-identity token through a local STS, and an assumed role;
//! batches of 100 queues and paging; the previous day re-read after midnight; the
//! milliseconds quirk of ungrouped answers.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use common::{sample, Exporter, Mock, MockResponse, Recorded};
use contact_center_exporter::http::PollContext;
use contact_center_exporter::model::QueueCounter;
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::amazon_connect::config::CredentialSource;
use contact_center_exporter::sources::amazon_connect::verify::{self, Key, Received};
use contact_center_exporter::sources::amazon_connect::{simulate, Config, ConnectSource};
use contact_center_exporter::sources::{Source, SourceError};

const INSTANCE: &str = "8a1f7c1e-1234-4c1a-9d3e-5f6a7b8c9d0e";
const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const ARN: &str =
    "arn:aws:connect:eu-west-2:111122223333:instance/8a1f7c1e-1234-4c1a-9d3e-5f6a7b8c9d0e";

fn fixture(name: &str) -> Value {
    let text = std::fs::read(format!(
        "{}/tests/fixtures/amazon_connect/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_slice(&text).unwrap()
}

fn headers_of(r: &Recorded) -> hyper::HeaderMap {
    let mut h = hyper::HeaderMap::new();
    for (k, v) in &r.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(v),
        ) {
            h.append(k, v);
        }
    }
    h
}

/// Checks `r`'s signature against `keys` for `service` in eu-west-2.
fn signed(r: &Recorded, keys: &[Key], service: &str) -> Result<(), MockResponse> {
    let headers = headers_of(r);
    let received = Received {
        method: &r.method,
        path: &r.path,
        query: &r.query,
        headers: &headers,
        body: &r.body,
    };
    verify::verify(&received, keys, "eu-west-2", service).map_err(|e| {
        let mut m = MockResponse::status(
            403,
            json!({"__type": e.kind, "Message": e.message}).to_string(),
        );
        m.headers.push(("x-amzn-ErrorType".into(), e.kind.into()));
        m
    })
}

fn static_key() -> Key {
    Key {
        access_key_id: AKID.into(),
        secret_access_key: SECRET.into(),
        session_token: None,
    }
}

/// The day's figures the mock serves, which tests grow.
#[derive(Clone)]
struct Day {
    queued: f64,
    answered: f64,
    talk: f64,
}

/// A mock Connect serving the fixtures (the day's counters of the Sales queue from
/// `day`), checking signatures against `keys`; `throttle` > 0 answers that many
/// GetCurrentMetricData requests with a 429.
struct Connect {
    mock: Mock,
    day: Arc<Mutex<Day>>,
    throttle: Arc<AtomicU64>,
    /// The day (its start, Unix seconds) the counters are served for; any other day
    /// has no activity. The fixtures' day unless a test moves it.
    day_start: Arc<AtomicI64>,
}

impl Connect {
    fn start(keys: Vec<Key>) -> Connect {
        let day = Arc::new(Mutex::new(Day {
            queued: 55.0,
            answered: 50.0,
            talk: 15000.0,
        }));
        let throttle = Arc::new(AtomicU64::new(0));
        let day_start = Arc::new(AtomicI64::new(FIXTURE_DAY));
        let (d2, t2, s2) = (day.clone(), throttle.clone(), day_start.clone());
        let mock = Mock::start(move |r| {
            if let Err(refused) = signed(r, &keys, "connect") {
                return refused;
            }
            connect_answer(r, &d2.lock().unwrap(), &t2, s2.load(Ordering::SeqCst))
        });
        Connect {
            mock,
            day,
            throttle,
            day_start,
        }
    }

    fn requests(&self, path: &str) -> Vec<Recorded> {
        self.mock
            .recorded()
            .into_iter()
            .filter(|r| r.path.starts_with(path))
            .collect()
    }
}

/// 2026-03-02T00:00:00Z, the day of the fixtures' `MetricInterval`.
const FIXTURE_DAY: i64 = 1_772_409_600;

fn connect_answer(r: &Recorded, day: &Day, throttle: &AtomicU64, day_start: i64) -> MockResponse {
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    match r.path.as_str() {
        p if p == format!("/queues-summary/{INSTANCE}") => {
            assert_eq!(r.param("queueTypes"), Some("STANDARD"));
            MockResponse::json(fixture("list-queues.json").to_string())
        }
        p if p == format!("/metrics/current/{INSTANCE}") => {
            if throttle
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                let mut m =
                    MockResponse::status(429, json!({"Message": "Rate exceeded"}).to_string());
                m.headers
                    .push(("x-amzn-ErrorType".into(), "ThrottlingException".into()));
                return m;
            }
            MockResponse::json(fixture("current-metric-data.json").to_string())
        }
        "/metrics/data" => {
            let mut data = fixture("metric-data-v2.json");
            // The Sales row (third) carries the growing figures.
            let row = &mut data["MetricResults"][2]["Collections"];
            row[0]["Value"] = json!(day.queued);
            row[1]["Value"] = json!(day.answered);
            row[5]["Value"] = json!(day.talk);
            // Any other day than the fixtures' own has no activity.
            if body["StartTime"].as_i64() != Some(day_start) {
                data = json!({"MetricResults": []});
            }
            MockResponse::json(data.to_string())
        }
        p if p == format!("/metrics/userdata/{INSTANCE}") => {
            if body["NextToken"] == "page-2-token" {
                MockResponse::json(fixture("current-user-data-2.json").to_string())
            } else {
                MockResponse::json(fixture("current-user-data.json").to_string())
            }
        }
        _ => MockResponse::status(404, "{}"),
    }
}

/// The start of today (UTC), the day a source polling now reads.
fn today_utc() -> i64 {
    let now = Utc::now().timestamp();
    now - now.rem_euclid(86_400)
}

fn yaml(url: &str, creds: &str) -> String {
    format!(
        "sources:\n  - name: connect\n    vendor: amazon_connect\n    base_url: {url}\n    interval: 2s\n    timeout: 1500ms\n    region: eu-west-2\n    instance_id: {INSTANCE}\n{creds}"
    )
}

/// Environment that keeps the credential chain on this machine's temp files and away
/// from any metadata endpoint.
fn isolated_env(dir: &std::path::Path) -> Vec<(String, String)> {
    vec![
        (
            "AWS_CONFIG_FILE".into(),
            dir.join("none-config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            dir.join("none-credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("HOME".into(), dir.display().to_string()),
    ]
}

fn start_env(yaml: &str, env: &[(String, String)]) -> Exporter {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Exporter::start_env(yaml, &[], &env)
}

fn up(e: &Exporter) -> Option<f64> {
    sample(
        &e.scrape(),
        r#"contact_center_source_up{source="connect",vendor="amazon_connect"}"#,
    )
}

fn metric(text: &str, name: &str, labels: &str) -> Option<f64> {
    sample(
        text,
        &format!(r#"{name}{{source="connect",vendor="amazon_connect",{labels}}}"#),
    )
}

/// The fixtures' figures, as the binary exports them (checked against the examples).
fn assert_fixture_figures(text: &str) {
    let q = |name: &str, queue: &str, ch: &str| {
        metric(text, name, &format!(r#"queue="{queue}",channel="{ch}""#))
    };
    // Two queues named Support: waiting added, the older wait kept.
    assert_eq!(
        q("contact_center_queue_waiting", "Support", "voice"),
        Some(5.0)
    );
    assert_eq!(
        q(
            "contact_center_queue_oldest_wait_seconds",
            "Support",
            "voice"
        ),
        Some(95.0)
    );
    assert_eq!(
        q("contact_center_queue_waiting", "Support", "chat"),
        Some(1.0)
    );
    // null oldest age: nobody waits.
    assert_eq!(
        q("contact_center_queue_oldest_wait_seconds", "Sales", "voice"),
        Some(0.0)
    );
    assert_eq!(
        q(
            "contact_center_queue_sla_threshold_seconds",
            "Sales",
            "voice"
        ),
        Some(20.0)
    );
    // Counters of the two Support queues add up; their periods are apart by queue id.
    assert_eq!(
        q("contact_center_queue_entered_total", "Support", "voice"),
        Some(130.0)
    );
    assert_eq!(
        q("contact_center_queue_answered_total", "Support", "voice"),
        Some(107.0)
    );
    assert_eq!(
        q("contact_center_queue_abandoned_total", "Support", "voice"),
        Some(13.0)
    );
    assert_eq!(
        q(
            "contact_center_queue_answered_in_sla_total",
            "Support",
            "voice"
        ),
        Some(81.0)
    );
    assert_eq!(
        q("contact_center_queue_handled_total", "Support", "voice"),
        Some(106.0)
    );
    assert_eq!(
        q(
            "contact_center_queue_talk_seconds_total",
            "Support",
            "voice"
        ),
        Some(34115.0)
    );
    assert_eq!(
        q(
            "contact_center_queue_after_call_work_seconds_total",
            "Support",
            "voice"
        ),
        Some(4771.5)
    );
    let agents = |state: &str| {
        metric(
            text,
            "contact_center_agents",
            &format!(r#"state="{state}""#),
        )
    };
    assert_eq!(agents("available"), Some(1.0));
    assert_eq!(agents("busy"), Some(1.0));
    assert_eq!(agents("wrap_up"), Some(1.0));
    assert_eq!(agents("break"), Some(1.0));
    // A missed contact leaves the agent unroutable until they set a status again, and
    // "Custom Training", a custom status no table names, counts as unavailable too.
    assert_eq!(agents("unavailable"), Some(2.0));
    assert_eq!(agents("other"), Some(0.0));
}

#[test]
fn examples_through_the_binary_with_keys_from_a_file_exact_over_polls_a_growing_day_and_a_throttled_poll(
) {
    let c = Connect::start(vec![static_key()]);
    c.day_start.store(today_utc(), Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("aws-secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let e = start_env(
        &yaml(
            &c.mock.url(""),
            &format!(
                "    access_key_id: {AKID}\n    secret_access_key_file: {}\n",
                secret_file.display()
            ),
        ),
        &isolated_env(dir.path()),
    );
    e.wait_until("the first poll", Duration::from_secs(20), |e| {
        up(e) == Some(1.0)
    });
    let text = e.scrape();
    assert_fixture_figures(&text);
    assert!(!text.contains(SECRET) && !text.contains("EXAMPLEKEY"));
    // Exact over repeated polls, then a growing day adds only the growth.
    let sales =
        |e: &Exporter, name: &str| metric(&e.scrape(), name, r#"queue="Sales",channel="voice""#);
    let polls = c.requests("/metrics/data").len();
    e.wait_until("three more polls", Duration::from_secs(20), |_| {
        c.requests("/metrics/data").len() >= polls + 3
    });
    assert_fixture_figures(&e.scrape());
    assert_eq!(sales(&e, "contact_center_queue_entered_total"), Some(55.0));
    {
        let mut d = c.day.lock().unwrap();
        d.queued = 61.0;
        d.answered = 57.0;
        d.talk = 17000.25;
    }
    e.wait_for_sample(
        r#"contact_center_queue_entered_total{source="connect",vendor="amazon_connect",queue="Sales",channel="voice"}"#,
        61.0,
        Duration::from_secs(20),
    );
    let polls = c.requests("/metrics/data").len();
    e.wait_until("two more polls", Duration::from_secs(20), |_| {
        c.requests("/metrics/data").len() >= polls + 2
    });
    assert_eq!(sales(&e, "contact_center_queue_answered_total"), Some(57.0));
    assert_eq!(
        sales(&e, "contact_center_queue_talk_seconds_total"),
        Some(17000.25)
    );
    assert_eq!(sales(&e, "contact_center_queue_entered_total"), Some(61.0));
    // Every request was signed (the mock refuses anything else) and named the model's
    // members: grouped by QUEUE and CHANNEL, at most 100 queues.
    let gcmd = c.requests("/metrics/current/");
    let body: Value = serde_json::from_slice(&gcmd[0].body).unwrap();
    assert_eq!(body["Groupings"], json!(["QUEUE", "CHANNEL"]));
    assert_eq!(
        body["Filters"]["Channels"],
        json!(["VOICE", "CHAT", "TASK"])
    );
    assert_eq!(body["Filters"]["Queues"].as_array().unwrap().len(), 3);
    assert!(gcmd[0].headers["authorization"].contains("/eu-west-2/connect/aws4_request"));
    let v2: Value = serde_json::from_slice(&c.requests("/metrics/data")[0].body).unwrap();
    assert_eq!(v2["ResourceArn"], ARN);
    assert_eq!(
        v2["Interval"],
        json!({"TimeZone": "UTC", "IntervalPeriod": "DAY"})
    );
    assert_eq!(
        v2["Metrics"][3],
        json!({"Name": "SUM_CONTACTS_ANSWERED_IN_X",
               "Threshold": [{"Comparison": "LT", "ThresholdValue": 20}]})
    );
    // A throttled poll: the source is down, the 429 counted, nothing lost.
    let polls_before = c.requests("/metrics/current/").len();
    c.throttle.store(1, Ordering::SeqCst);
    e.wait_until("the throttled poll", Duration::from_secs(20), |e| {
        sample(
            &e.scrape(),
            r#"contact_center_source_requests_total{source="connect",vendor="amazon_connect",endpoint="current_metric_data",outcome="429"}"#,
        ) == Some(1.0)
    });
    assert!(e
        .log_lines()
        .iter()
        .any(|l| l.contains("ThrottlingException: Rate exceeded")));
    e.wait_until("recovery", Duration::from_secs(30), |e| up(e) == Some(1.0));
    assert!(c.requests("/metrics/current/").len() > polls_before);
    assert!(!e.log_lines().iter().any(|l| l.contains(SECRET)));
}

#[tokio::test]
async fn the_examples_in_process_exact_over_polls_and_a_growing_day() {
    let c = Connect::start(vec![static_key()]);
    let mut source = ConnectSource::new("connect", config(&c.mock.url(""), static_creds()));
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut store = Store::default();
    for i in 0..3 {
        let snap = source
            .poll(&ctx(now + chrono::Duration::minutes(i)))
            .await
            .unwrap();
        store.ingest(snap, now.timestamp() + i * 60);
    }
    assert_fixture_figures(&store.render());
    let sales = |s: &Store| {
        let t = s.render();
        (
            metric(
                &t,
                "contact_center_queue_entered_total",
                r#"queue="Sales",channel="voice""#,
            ),
            metric(
                &t,
                "contact_center_queue_answered_total",
                r#"queue="Sales",channel="voice""#,
            ),
            metric(
                &t,
                "contact_center_queue_talk_seconds_total",
                r#"queue="Sales",channel="voice""#,
            ),
        )
    };
    assert_eq!(sales(&store), (Some(55.0), Some(50.0), Some(15000.0)));
    // The day grows: only the growth is added, once, however often it is read.
    {
        let mut d = c.day.lock().unwrap();
        d.queued = 60.0;
        d.answered = 54.0;
        d.talk = 16200.5;
    }
    for i in 3..6 {
        let snap = source
            .poll(&ctx(now + chrono::Duration::minutes(i)))
            .await
            .unwrap();
        store.ingest(snap, now.timestamp() + i * 60);
    }
    assert_eq!(sales(&store), (Some(60.0), Some(54.0), Some(16200.5)));
    // ListQueues is cached: one call for six polls within five minutes, then again.
    assert_eq!(c.requests("/queues-summary/").len(), 2);
}

#[test]
fn keys_from_the_environment_and_a_wrong_secret_fails() {
    let c = Connect::start(vec![static_key()]);
    let dir = tempfile::tempdir().unwrap();
    let mut env = isolated_env(dir.path());
    env.push(("AWS_ACCESS_KEY_ID".into(), AKID.into()));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()));
    let e = start_env(&yaml(&c.mock.url(""), ""), &env);
    e.wait_until("the first poll", Duration::from_secs(20), |e| {
        up(e) == Some(1.0)
    });
    assert_eq!(
        metric(
            &e.scrape(),
            "contact_center_queue_waiting",
            r#"queue="Support",channel="voice""#
        ),
        Some(5.0)
    );
    drop(e);

    // The same key id with another secret: the signature does not match.
    let mut env = isolated_env(dir.path());
    env.push(("AWS_ACCESS_KEY_ID".into(), AKID.into()));
    env.push((
        "AWS_SECRET_ACCESS_KEY".into(),
        "wrong-secret-0123456789".into(),
    ));
    let e = start_env(&yaml(&c.mock.url(""), ""), &env);
    e.wait_until("a refused poll", Duration::from_secs(20), |e| {
        e.log_lines()
            .iter()
            .any(|l| l.contains("InvalidSignatureException"))
    });
    assert_eq!(up(&e), Some(0.0));
    assert!(!e.log_lines().iter().any(|l| l.contains("wrong-secret")));
}

/// A local STS: `AssumeRoleWithWebIdentity` (unsigned, the token file's content) and
/// `AssumeRole` (signed with the static keys) answer temporary credentials expiring
/// `lifetime` from now.
fn sts(lifetime: chrono::Duration) -> (Mock, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    let c2 = calls.clone();
    let mock = Mock::start(move |r| {
        let form: BTreeMap<String, String> =
            url::form_urlencoded::parse(&r.body).into_owned().collect();
        let action = form.get("Action").cloned().unwrap_or_default();
        match action.as_str() {
            "AssumeRoleWithWebIdentity" => {
                if form.get("WebIdentityToken").map(String::as_str) != Some("eks-oidc-token")
                    || form.get("RoleArn").map(String::as_str)
                        != Some("arn:aws:iam::111122223333:role/connect-read")
                {
                    return MockResponse::status(400, "bad web identity request");
                }
            }
            "AssumeRole" => {
                if let Err(refused) = signed(r, &[static_key()], "sts") {
                    return refused;
                }
            }
            _ => return MockResponse::status(400, "unknown action"),
        }
        let n = c2.fetch_add(1, Ordering::SeqCst) + 1;
        let expires = (Utc::now() + lifetime).format("%Y-%m-%dT%H:%M:%SZ");
        let body = format!(
            "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
             <Credentials><AccessKeyId>ASIATEMP{n:04}</AccessKeyId>\
             <SecretAccessKey>temp/secret/{n}</SecretAccessKey>\
             <SessionToken>session-token-{n}</SessionToken>\
             <Expiration>{expires}</Expiration></Credentials>\
             <AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/connect-read/s</Arn>\
             <AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>\
             </{action}Result><ResponseMetadata><RequestId>r-{n}</RequestId></ResponseMetadata>\
             </{action}Response>"
        );
        let mut m = MockResponse::status(200, body);
        m.headers.push(("content-type".into(), "text/xml".into()));
        m
    });
    (mock, calls)
}

/// Keys the Connect mock accepts: the temporary ones STS issues (numbered).
fn temporary_keys(n: u64) -> Vec<Key> {
    (1..=n)
        .map(|i| Key {
            access_key_id: format!("ASIATEMP{i:04}"),
            secret_access_key: format!("temp/secret/{i}"),
            session_token: Some(format!("session-token-{i}")),
        })
        .collect()
}

#[test]
fn web_identity_through_a_local_sts_refreshes_before_expiry() {
    let (sts, calls) = sts(chrono::Duration::minutes(3));
    let c = Connect::start(temporary_keys(50));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "eks-oidc-token").unwrap();
    let mut env = isolated_env(dir.path());
    env.push((
        "AWS_WEB_IDENTITY_TOKEN_FILE".into(),
        token.display().to_string(),
    ));
    env.push((
        "AWS_ROLE_ARN".into(),
        "arn:aws:iam::111122223333:role/connect-read".into(),
    ));
    env.push(("AWS_ROLE_SESSION_NAME".into(), "cce".into()));
    env.push(("AWS_ENDPOINT_URL_STS".into(), sts.url("")));
    let e = start_env(&yaml(&c.mock.url(""), ""), &env);
    e.wait_until("the first poll", Duration::from_secs(30), |e| {
        up(e) == Some(1.0)
    });
    // Credentials expiring within the refresh margin (5 min) are renewed: a new STS
    // call before the next polls.
    e.wait_until("a refresh", Duration::from_secs(30), |_| {
        calls.load(Ordering::SeqCst) >= 2
    });
    let last = c.requests("/metrics/current/").pop().unwrap();
    let auth = &last.headers;
    assert!(auth["authorization"].contains("Credential=ASIATEMP"));
    assert!(auth.contains_key("x-amz-security-token"));
    assert!(!e
        .log_lines()
        .iter()
        .any(|l| l.contains("temp/secret") || l.contains("session-token-")));
}

#[test]
fn a_profile_of_the_shared_credentials_file_and_an_assumed_role() {
    let (sts, calls) = sts(chrono::Duration::hours(1));
    let c = Connect::start(temporary_keys(5));
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        format!("[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n\n[connect]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"),
    )
    .unwrap();
    let mut env = isolated_env(dir.path());
    env.retain(|(k, _)| k != "AWS_SHARED_CREDENTIALS_FILE");
    env.push((
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        creds.display().to_string(),
    ));
    env.push(("AWS_ENDPOINT_URL_STS".into(), sts.url("")));
    let e = start_env(
        &yaml(
            &c.mock.url(""),
            "    profile: connect\n    role_arn: arn:aws:iam::111122223333:role/connect-read\n",
        ),
        &env,
    );
    e.wait_until("the first poll", Duration::from_secs(30), |e| {
        up(e) == Some(1.0)
    });
    // AssumeRole was signed with the profile's keys (the STS mock checks), once: the
    // hour-long credentials are reused.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

fn static_creds() -> CredentialSource {
    CredentialSource::Static {
        access_key_id: AKID.into(),
        secret_access_key: Secret::new(SECRET),
    }
}

fn config(url: &str, credentials: CredentialSource) -> Config {
    Config {
        base_url: url::Url::parse(url).unwrap(),
        region: "eu-west-2".into(),
        instance_id: INSTANCE.into(),
        queues: None,
        time_zone: chrono_tz::UTC,
        sla_threshold_seconds: 20,
        credentials,
        role_arn: None,
    }
}

fn ctx(now: DateTime<Utc>) -> PollContext {
    common::poll_ctx("connect", now, 32 << 20)
}

/// The store and renderer of one source, as the binary runs them.
struct Store {
    entry: Arc<contact_center_exporter::store::SourceEntry>,
}

impl Default for Store {
    fn default() -> Self {
        let yaml = format!(
            "sources:\n  - name: connect\n    vendor: amazon_connect\n    region: eu-west-2\n    instance_id: {INSTANCE}\n    access_key_id: {AKID}\n    secret_access_key: x\n"
        );
        let cfg = contact_center_exporter::config::parse(&yaml, "t.yml")
            .unwrap()
            .sources
            .remove(0);
        Store {
            entry: Arc::new(contact_center_exporter::store::SourceEntry::new(&cfg)),
        }
    }
}

impl Store {
    fn ingest(&mut self, snap: contact_center_exporter::model::Snapshot, now: i64) {
        self.entry
            .data
            .lock()
            .unwrap()
            .ingest(snap, &self.entry.mapper, now);
    }

    fn render(&self) -> String {
        contact_center_exporter::metrics::render_vendor(&[&self.entry])
    }
}

/// A mock of `n` STANDARD queues (ListQueues in pages of 1000) whose metric calls
/// answer one row per requested queue, paged by `MaxResults`.
fn many_queues(n: usize) -> Mock {
    Mock::start(move |r| {
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let offset = |token: Option<&str>| token.and_then(|t| t.parse::<usize>().ok()).unwrap_or(0);
        let page = |rows: Vec<Value>, key: &str, size: usize, token: Option<&str>| {
            let start = offset(token);
            let end = (start + size).min(rows.len());
            let mut out = json!({ key: rows[start..end].to_vec() });
            if end < rows.len() {
                out["NextToken"] = json!(end.to_string());
            }
            MockResponse::json(out.to_string())
        };
        let qid = |i: usize| format!("q-{i:04}");
        if r.path.starts_with("/queues-summary/") {
            let rows: Vec<Value> = (0..n)
                .map(|i| {
                    json!({"Id": qid(i), "Name": format!("Queue {i:04}"),
                    "Arn": format!("{ARN}/queue/{}", qid(i)), "QueueType": "STANDARD"})
                })
                .collect();
            let size: usize = r.param("maxResults").unwrap().parse().unwrap();
            // ListQueues names its token nextToken in the query, NextToken in the answer.
            return page(
                rows,
                "QueueSummaryList",
                size.min(120),
                r.param("nextToken"),
            );
        }
        let queues: Vec<String> = match r.path.as_str() {
            "/metrics/data" => body["Filters"][0]["FilterValues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
            _ => body["Filters"]["Queues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
        };
        assert!(
            queues.len() <= 100,
            "{} queues in one request",
            queues.len()
        );
        let size = body["MaxResults"].as_u64().unwrap() as usize;
        let token = body["NextToken"].as_str();
        if r.path.starts_with("/metrics/current/") {
            let rows = queues
                .iter()
                .map(|q| {
                    json!({"Dimensions": {"Queue": {"Id": q}, "Channel": "VOICE"},
                    "Collections": [{"Metric": {"Name": "CONTACTS_IN_QUEUE"}, "Value": 1.0}]})
                })
                .collect();
            page(rows, "MetricResults", size, token)
        } else if r.path == "/metrics/data" {
            let rows = queues
                .iter()
                .map(|q| {
                    json!({"Dimensions": {"QUEUE": q, "CHANNEL": "VOICE"},
                    "Collections": [{"Metric": {"Name": "CONTACTS_QUEUED"}, "Value": 2.0}]})
                })
                .collect();
            page(rows, "MetricResults", size, token)
        } else {
            // Every agent serves every queue: each batch answers all of them.
            let rows = (0..150)
                .map(|i| json!({"User": {"Id": format!("u-{i}")}, "Status": {"StatusName": "Available"}}))
                .collect();
            page(rows, "UserDataList", size, token)
        }
    })
}

#[tokio::test]
async fn more_than_100_queues_go_in_batches_of_100_every_page_read() {
    let m = many_queues(250);
    let mut source = ConnectSource::new("connect", config(&m.url(""), static_creds()));
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let snap = source.poll(&ctx(now)).await.unwrap();
    let waiting: u64 = snap
        .queues
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|g| g.waiting)
        .sum();
    assert_eq!(waiting, 250);
    assert_eq!(
        common::counter_total(&snap.queue_counts, QueueCounter::Entered),
        500.0
    );
    // Agents of several batches count once.
    assert_eq!(snap.agents.as_ref().unwrap().len(), 150);
    let count = |p: &str| {
        m.recorded()
            .iter()
            .filter(|r| r.path.starts_with(p))
            .count()
    };
    // ListQueues: 250 queues in pages of 120 (the mock's); metrics: 3 batches × 1 page
    // of 100 rows; users: 3 batches × 2 pages of 100.
    assert_eq!(count("/queues-summary/"), 3);
    assert_eq!(count("/metrics/current/"), 3);
    assert_eq!(count("/metrics/data"), 3);
    assert_eq!(count("/metrics/userdata/"), 6);
}

#[tokio::test]
async fn after_midnight_the_previous_day_is_read_again_for_two_hours() {
    let c = Connect::start(vec![static_key()]);
    let mut source = ConnectSource::new("connect", config(&c.mock.url(""), static_creds()));
    // 2026-03-03 00:30 UTC: the fixtures' day (03-02) is yesterday.
    let t = Utc.with_ymd_and_hms(2026, 3, 3, 0, 30, 0).unwrap();
    let snap = source.poll(&ctx(t)).await.unwrap();
    let v2: Vec<Value> = c
        .requests("/metrics/data")
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let ranges: Vec<(i64, i64)> = v2
        .iter()
        .map(|b| {
            (
                b["StartTime"].as_i64().unwrap(),
                b["EndTime"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranges,
        [
            (1_772_409_600, 1_772_496_000),
            (1_772_496_000, t.timestamp())
        ]
    );
    // Yesterday's totals are booked to yesterday's period.
    assert!(snap
        .queue_counts
        .iter()
        .all(|p| p.period.start == 1_772_409_600));
    assert_eq!(
        common::counter_total(&snap.queue_counts, QueueCounter::Entered),
        225.0
    );
    // From 02:00 only today is read.
    let t2 = Utc.with_ymd_and_hms(2026, 3, 3, 2, 0, 0).unwrap();
    source.poll(&ctx(t2)).await.unwrap();
    let last: Value =
        serde_json::from_slice(&c.requests("/metrics/data").last().unwrap().body).unwrap();
    assert_eq!(last["StartTime"], 1_772_496_000);
    assert_eq!(c.requests("/metrics/data").len(), 3);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_the_aws_error_and_the_source_says_so() {
    let c = Connect::start(vec![static_key()]);
    let creds = CredentialSource::Static {
        access_key_id: AKID.into(),
        secret_access_key: Secret::new("not-the-secret-0000"),
    };
    let mut source = ConnectSource::new("connect", config(&c.mock.url(""), creds));
    let err = source
        .poll(&ctx(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Status { status: 403, .. }));
    let text = err.to_string();
    assert!(
        text.contains("InvalidSignatureException: The request signature we calculated"),
        "{text}"
    );
    assert!(text.contains("connect:GetCurrentMetricData"), "{text}");
    assert!(!text.contains("not-the-secret"));
}

#[tokio::test]
async fn ungrouped_answers_are_milliseconds_so_the_source_always_groups() {
    // The simulated API reproduces the documented quirk; the source's requests group.
    use contact_center_exporter::simulator::{ContactCenter, SimOptions, SimRequest, SimulatedApi};
    let base = url::Url::parse("http://127.0.0.1:9/amazon_connect/").unwrap();
    let (_, api) = simulate::demo(&base);
    let mut cc = ContactCenter::new(
        &SimOptions::default(),
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
    );
    cc.advance_to(Utc.with_ymd_and_hms(2026, 3, 2, 11, 0, 0).unwrap());
    let ask = |groupings: Value| -> Value {
        let body = json!({"Filters": {"Queues": cc.queues.iter().map(|q| simulate::queue_id(q.id)).collect::<Vec<_>>(),
                                      "Channels": ["VOICE", "CHAT", "TASK"]},
                          "Groupings": groupings,
                          "CurrentMetrics": [{"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"}]});
        let mut req = SimRequest::get(
            &format!("/metrics/current/{}", simulate::DEMO_INSTANCE_ID),
            &[],
            None,
        );
        req.method = "POST".into();
        req.body = body.to_string().into();
        sign_demo(&mut req, "/amazon_connect");
        let r = api.handle(&req, &cc);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        serde_json::from_slice(&r.body).unwrap()
    };
    let grouped = ask(json!(["QUEUE", "CHANNEL"]));
    let max_grouped = grouped["MetricResults"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["Collections"][0]["Value"].as_f64())
        .fold(0.0, f64::max);
    let ungrouped = ask(json!([]));
    let summary = ungrouped["MetricResults"][0]["Collections"][0]["Value"]
        .as_f64()
        .unwrap_or(0.0);
    assert_eq!(summary, max_grouped * 1000.0);
}

/// Signs a simulator request with the demo keys through a real source request: the
/// source's own signer is the one under test elsewhere, so this uses the verifier's
/// algorithm to produce the header.
fn sign_demo(req: &mut contact_center_exporter::simulator::SimRequest, mount: &str) {
    let amz_date = "20260302T110000Z";
    req.headers.insert("host", "127.0.0.1:9".parse().unwrap());
    req.headers.insert("x-amz-date", amz_date.parse().unwrap());
    let path = format!("{mount}{}", req.path);
    let scope = format!("20260302/{}/connect/aws4_request", simulate::DEMO_REGION);
    let signed = ["host", "x-amz-date"];
    let sig = {
        let received = Received {
            method: &req.method,
            path: &path,
            query: &req.query,
            headers: &req.headers,
            body: &req.body,
        };
        verify::signature(
            &received,
            &signed,
            amz_date,
            &scope,
            simulate::DEMO_SECRET_ACCESS_KEY,
        )
    };
    req.headers.insert(
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=host;x-amz-date, Signature={sig}",
            simulate::DEMO_ACCESS_KEY_ID
        )
        .parse()
        .unwrap(),
    );
}

#[tokio::test]
async fn the_error_type_is_read_from_the_x_amzn_errortype_header() {
    // restJson1 names the type in the header; the body may carry only a lower-case
    // `message` (botocore reads the header first). The type is the header's, without
    // its URI suffix.
    let mock = Mock::start(|_| {
        let mut m = MockResponse::status(
            400,
            json!({"message": "StartTime must be within the last 35 days"}).to_string(),
        );
        m.headers.push((
            "x-amzn-ErrorType".into(),
            "InvalidRequestException:http://internal.amazon.com/coral/com.amazonaws.connect/"
                .into(),
        ));
        m
    });
    let mut source = ConnectSource::new("connect", config(&mock.url(""), static_creds()));
    let err = source
        .poll(&ctx(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::Status { status: 400, error_type: Some(t), .. } if &**t == "InvalidRequestException"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("InvalidRequestException: StartTime must be within the last 35 days"),
        "{err}"
    );
}
