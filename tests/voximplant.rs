//! The Voximplant source against a local mock of the Management API that verifies
//! every request's JWT with the public half of an RSA key generated for the test, and
//! end to end through the exporter binary (golden `/metrics`, a wrong key).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use common::{MockResponse, Recorded};

use contact_center_exporter::config::{self, SourceConfig};
use contact_center_exporter::http::{build_client, PollContext, RequestCounters};
use contact_center_exporter::model::{QueueCounter, Snapshot};
use contact_center_exporter::sources::{self, Source, SourceError, Vendor};
use contact_center_exporter::state::{AgentState, StateMapper};
use contact_center_exporter::store::SourceData;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/voximplant");
const ACCOUNT_ID: u64 = 3_141_592;
const KEY_ID: &str = "test-key-id-1";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

// ---------------------------------------------------------------------------------
// Keys and config

/// An RSA key pair made with the `openssl` CLI: (private PEM, public PEM).
fn generate_key(dir: &Path, name: &str) -> (String, String) {
    let key = dir.join(format!("{name}.pem"));
    let ok = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let public = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(public.status.success());
    (
        std::fs::read_to_string(&key).unwrap(),
        String::from_utf8(public.stdout).unwrap(),
    )
}

struct Keys {
    dir: tempfile::TempDir,
    private: String,
    public: String,
}

/// One key pair per test binary run would be enough, but tests run in parallel and
/// key generation is fast: each test makes its own.
fn keys() -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = generate_key(dir.path(), "service-account");
    Keys {
        dir,
        private,
        public,
    }
}

fn write_credentials(dir: &Path, private_pem: &str, wrapped: bool) -> PathBuf {
    let inner = json!({"account_email": "ops@example.com", "account_id": ACCOUNT_ID, "key_id": KEY_ID, "private_key": private_pem});
    let doc = if wrapped {
        json!({ "result": inner })
    } else {
        inner
    };
    let p = dir.join(if wrapped {
        "wrapped.json"
    } else {
        "credentials.json"
    });
    std::fs::write(&p, doc.to_string()).unwrap();
    p
}

fn source_config(addr: SocketAddr, credentials: &Path, extra: &str) -> SourceConfig {
    let yaml = format!(
        "sources:\n  - name: vox\n    vendor: voximplant\n    base_url: http://{addr}/prefix\n    credentials_file: {}\n{extra}",
        credentials.display()
    );
    let mut cfg = config::parse(&yaml, "test.yml").unwrap();
    cfg.sources.remove(0)
}

// ---------------------------------------------------------------------------------
// The mock Management API

#[derive(Clone)]
enum Answer {
    /// A fixed status and body.
    Body(u16, Vec<u8>),
    /// A list paged by `count`/`offset`, with `total_count`.
    Paged(Vec<Value>),
}

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    params: HashMap<String, String>,
    content_type: String,
    token: String,
    token_ok: bool,
}

#[derive(Default)]
struct MockState {
    answers: HashMap<String, Answer>,
    /// Per-queue answers for GetACDQueueStatistics (by `acd_queue_id`).
    queue_stats: HashMap<String, Vec<u8>>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
struct Mock {
    state: Arc<Mutex<MockState>>,
    addr: SocketAddr,
    _server: Arc<common::Mock>,
}

impl Mock {
    async fn start(public_pem: &str) -> Mock {
        let state = Arc::new(Mutex::new(MockState::default()));
        let (st, pem) = (Arc::clone(&state), public_pem.to_string());
        let server = common::Mock::start(move |r| answer(&st, &pem, r));
        Mock {
            state,
            addr: server.addr,
            _server: Arc::new(server),
        }
    }

    fn set(&self, method: &str, a: Answer) {
        self.state.lock().unwrap().answers.insert(method.into(), a);
    }

    fn set_queue_stats(&self, queue: &str, body: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .queue_stats
            .insert(queue.into(), body);
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    fn clear_seen(&self) {
        self.state.lock().unwrap().seen.clear();
    }

    /// The documented fixtures, as a two-queue account.
    fn with_fixtures(self) -> Self {
        self.set("GetQueues", Answer::Body(200, fixture("GetQueues.json")));
        self.set("GetUsers", Answer::Body(200, fixture("GetUsers.json")));
        self.set(
            "GetACDState",
            Answer::Body(200, fixture("GetACDState.json")),
        );
        self.set(
            "GetACDOperatorStatusStatistics",
            Answer::Body(200, fixture("GetACDOperatorStatusStatistics.json")),
        );
        self.set_queue_stats("54", fixture("GetACDQueueStatistics.json"));
        self.set_queue_stats("55", br#"{"result":[]}"#.to_vec());
        self
    }
}

/// Verifies a bearer JWT exactly as documented: RS256 with `public_pem`, `kid`, `typ`,
/// numeric `iss`, `exp` no more than an hour after `iat`.
fn token_ok(public_pem: &str, auth: &str) -> bool {
    {
        let Some(token) = auth.strip_prefix("Bearer ") else {
            return false;
        };
        let Ok(key) = DecodingKey::from_rsa_pem(public_pem.as_bytes()) else {
            return false;
        };
        let mut v = Validation::new(Algorithm::RS256);
        // The tests drive the source's clock; expiry is checked relative to iat.
        v.validate_exp = false;
        v.required_spec_claims.clear();
        let Ok(data) = jsonwebtoken::decode::<Value>(token, &key, &v) else {
            return false;
        };
        let c = &data.claims;
        let (Some(iss), Some(iat), Some(exp)) =
            (c["iss"].as_u64(), c["iat"].as_i64(), c["exp"].as_i64())
        else {
            return false;
        };
        data.header.kid.as_deref() == Some(KEY_ID)
            && data.header.typ.as_deref() == Some("JWT")
            && iss == ACCOUNT_ID
            && exp > iat
            && exp - iat <= 3600
    }
}

fn answer(state: &Mutex<MockState>, public_pem: &str, req: &Recorded) -> MockResponse {
    {
        let header = |n: &str| req.headers.get(n).cloned().unwrap_or_default();
        let auth = header("authorization");
        let params: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect();
        let method = req
            .path
            .strip_prefix("/prefix/platform_api/")
            .unwrap_or("?")
            .to_string();
        let token_ok = req.method == "POST" && token_ok(public_pem, &auth);
        let mut st = state.lock().unwrap();
        st.seen.push(Seen {
            method: method.clone(),
            params: params.clone(),
            content_type: header("content-type"),
            token: auth.clone(),
            token_ok,
        });
        let (status, body) = if !token_ok {
            (
                200,
                br#"{"error":{"msg":"Authorization failed","code":100}}"#.to_vec(),
            )
        } else if method == "GetACDQueueStatistics" {
            let q = params.get("acd_queue_id").cloned().unwrap_or_default();
            match st.queue_stats.get(&q) {
                Some(b) => (200, b.clone()),
                None => (
                    200,
                    br#"{"error":{"msg":"Invalid queue","code":101}}"#.to_vec(),
                ),
            }
        } else {
            match st.answers.get(&method) {
                Some(Answer::Body(s, b)) => (*s, b.clone()),
                Some(Answer::Paged(all)) => {
                    let n =
                        |k: &str, d: usize| params.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
                    let (offset, count) = (n("offset", 0), n("count", 20));
                    let page: Vec<Value> = all.iter().skip(offset).take(count).cloned().collect();
                    let body =
                        json!({"result": page, "total_count": all.len(), "count": page.len()});
                    (200, body.to_string().into_bytes())
                }
                None => (
                    200,
                    br#"{"error":{"msg":"Unknown command","code":103}}"#.to_vec(),
                ),
            }
        };
        MockResponse {
            status,
            ..MockResponse::json(body)
        }
    }
}

// ---------------------------------------------------------------------------------
// Driving the source

struct Harness {
    cfg: SourceConfig,
    source: Box<dyn Source>,
    client: reqwest::Client,
    counters: Arc<RequestCounters>,
    data: SourceData,
    mapper: StateMapper,
}

impl Harness {
    fn new(cfg: SourceConfig) -> Harness {
        Harness {
            source: cfg.vendor.source(&cfg.name, &cfg.vendor_config).unwrap(),
            client: build_client(&cfg.client_options()).unwrap(),
            counters: Arc::new(RequestCounters::default()),
            data: SourceData::default(),
            mapper: StateMapper::new("vox", vox().states(), &HashMap::new()),
            cfg,
        }
    }

    /// Polls at `now`; a successful snapshot is also folded into the core's store.
    async fn poll(&mut self, now: DateTime<Utc>) -> Result<Snapshot, SourceError> {
        let ctx = PollContext::new(
            "vox",
            now,
            self.client.clone(),
            Duration::from_secs(5),
            self.cfg.max_response_bytes,
            Arc::clone(&self.counters),
        );
        let r = self.source.poll(&ctx).await;
        if let Ok(snap) = &r {
            self.data
                .ingest(snap.clone(), &self.mapper, now.timestamp());
        }
        r
    }

    fn state_seconds(&self, st: AgentState) -> f64 {
        self.data.state_seconds[st.index()]
    }

    fn queue_counter(&self, queue: &str, c: QueueCounter) -> f64 {
        self.data
            .queue_counters
            .iter()
            .find(|(k, _)| k.key.queue == queue && k.counter == c)
            .map_or(0.0, |(_, v)| *v)
    }

    fn outcomes(&self) -> Vec<((&'static str, String), u64)> {
        self.counters.requests_snapshot()
    }
}

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 5, 20, h, m, s).unwrap()
}

// ---------------------------------------------------------------------------------
// Tests

/// The issue's "done when": the documented example is READY 4,755 s and ONLINE
/// 6,843 s of state time, and polling it again changes nothing.
#[tokio::test]
async fn documented_example_counts_once_across_repeated_polls() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));

    let first = h.poll(at(12, 35, 0)).await.unwrap();
    assert_eq!(h.state_seconds(AgentState::Available), 4755.0);
    assert_eq!(h.state_seconds(AgentState::Unavailable), 6843.0);
    for _ in 0..3 {
        let again = h.poll(at(12, 35, 30)).await.unwrap();
        assert_eq!(again.state_seconds, first.state_seconds);
        assert_eq!(again.queue_counts, first.queue_counts);
    }
    assert_eq!(h.state_seconds(AgentState::Available), 4755.0);
    assert_eq!(h.state_seconds(AgentState::Unavailable), 6843.0);

    // Queue counters from the (synthesized) hourly statistics, also counted once.
    assert_eq!(h.queue_counter("Sales", QueueCounter::Entered), 16.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::Answered), 13.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::Abandoned), 2.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::AnsweredInSla), 11.0);
    // Handling: HT.count 10 + 3 calls, TT.sum 1500 + 480 s, ACW.sum 300 + 60 s.
    assert_eq!(h.queue_counter("Sales", QueueCounter::Handled), 13.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::TalkSeconds), 1980.0);
    assert_eq!(
        h.queue_counter("Sales", QueueCounter::AfterCallWorkSeconds),
        360.0
    );
    let hist = h
        .data
        .wait_histograms
        .values()
        .next()
        .expect("abandon-wait histogram");
    assert_eq!((hist.count, hist.sum), (2, Some(95.0)));

    // Agents and queue gauges.
    let agents = first.agents.unwrap();
    assert_eq!(agents.len(), 2);
    let sales = first
        .queues
        .unwrap()
        .into_iter()
        .find(|g| g.key.queue == "Sales")
        .unwrap();
    assert_eq!(sales.waiting, Some(2));
    assert_eq!(sales.oldest_wait_seconds, Some(75.0));
    assert_eq!(sales.sla_threshold_seconds, Some(20.0));
    assert_eq!(
        h.data.agents_by_state(&h.mapper)[AgentState::Busy.index()],
        1
    );
}

#[tokio::test]
async fn requests_are_form_posts_with_documented_parameters_and_a_reused_jwt() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let creds = write_credentials(k.dir.path(), &k.private, true);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    h.poll(at(12, 35, 7)).await.unwrap();
    h.poll(at(12, 36, 7)).await.unwrap();
    let seen = mock.seen();
    let methods: Vec<&str> = seen.iter().take(6).map(|s| s.method.as_str()).collect();
    assert_eq!(
        methods,
        vec![
            "GetQueues",
            "GetUsers",
            "GetACDState",
            "GetACDOperatorStatusStatistics",
            "GetACDQueueStatistics",
            "GetACDQueueStatistics"
        ]
    );
    assert_eq!(seen.len(), 12);
    for s in &seen {
        assert!(s.token_ok, "{} had a bad token", s.method);
        assert_eq!(s.content_type, "application/x-www-form-urlencoded");
    }
    // One token for both polls: minted once, reused well before it expires.
    assert!(seen.iter().all(|s| s.token == seen[0].token));

    let p = |i: usize, k: &str| seen[i].params.get(k).cloned().unwrap_or_default();
    assert_eq!(p(1, "application_id"), "1");
    assert_eq!(p(1, "with_queues"), "true");
    assert_eq!(p(2, "acd_queue_id"), "all");
    assert_eq!(p(3, "from_date"), "2019-05-20 00:00:00");
    assert_eq!(p(3, "to_date"), "2019-05-20 12:35:07");
    assert_eq!(p(3, "user_id"), "all");
    assert_eq!(p(3, "aggregation"), "hour");
    assert_eq!(p(3, "group"), "user");
    assert_eq!(p(4, "acd_queue_id"), "54");
    assert_eq!(p(5, "acd_queue_id"), "55");
    assert_eq!(p(4, "aggregation"), "hour");
    assert_eq!(p(4, "report"), "TC;AC;UAC;SL;AT;HT;TT;ACW");
    assert_eq!(p(0, "count"), "100");
    assert_eq!(p(0, "offset"), "0");
}

/// A growing hour adds exactly its growth; a new hour adds its value.
#[tokio::test]
async fn hourly_statistics_add_exactly_their_growth() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    h.poll(at(12, 35, 0)).await.unwrap();

    let mut doc: Value =
        serde_json::from_slice(&fixture("GetACDOperatorStatusStatistics.json")).unwrap();
    // User 487576, hour 12: READY grows 1169 → 1500.
    doc["result"][0]["statistics"][1]["acd_status"]["READY"]["sum"] = json!(1500);
    // A new hour 13 with 60 s of DND.
    doc["result"][0]["statistics"]
        .as_array_mut()
        .unwrap()
        .push(json!({"date": "2019-05-20", "hour": 13, "acd_status": {"DND": {"min": 60, "avg": 60, "max": 60, "count": 1, "sum": 60}}}));
    mock.set(
        "GetACDOperatorStatusStatistics",
        Answer::Body(200, doc.to_string().into_bytes()),
    );
    let mut qs: Value = serde_json::from_slice(&fixture("GetACDQueueStatistics.json")).unwrap();
    qs["result"][1]["TC"] = json!(7);
    qs["result"][1]["AC"] = json!([{"count": 5, "percent": 0.71}]);
    // Hour 12 handles two more calls: 240 + 60 s more talk, 60 s more after-call work.
    qs["result"][1]["HT"] = json!({"min": 150, "avg": 192, "max": 240, "count": 5, "sum": 960});
    qs["result"][1]["TT"] = json!({"min": 140, "avg": 156, "max": 180, "count": 5, "sum": 780});
    qs["result"][1]["ACW"] = json!({"min": 20, "avg": 30, "max": 40, "count": 4, "sum": 120});
    mock.set_queue_stats("54", qs.to_string().into_bytes());

    h.poll(at(13, 5, 0)).await.unwrap();
    assert_eq!(h.state_seconds(AgentState::Available), 4755.0 + 331.0);
    assert_eq!(h.state_seconds(AgentState::Unavailable), 6843.0);
    assert_eq!(h.state_seconds(AgentState::Break), 60.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::Entered), 16.0 + 3.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::Answered), 13.0 + 2.0);
    let handling = |h: &Harness| {
        (
            h.queue_counter("Sales", QueueCounter::Handled),
            h.queue_counter("Sales", QueueCounter::TalkSeconds),
            h.queue_counter("Sales", QueueCounter::AfterCallWorkSeconds),
        )
    };
    assert_eq!(handling(&h), (13.0 + 2.0, 1980.0 + 300.0, 360.0 + 60.0));
    // And it stays there.
    h.poll(at(13, 6, 0)).await.unwrap();
    assert_eq!(h.state_seconds(AgentState::Available), 5086.0);
    assert_eq!(h.queue_counter("Sales", QueueCounter::Entered), 19.0);
    assert_eq!(handling(&h), (15.0, 2280.0, 420.0));
}

#[tokio::test]
async fn users_are_paged_until_total_count() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let users: Vec<Value> = (0..250)
        .map(|i| json!({"user_id": 10_000 + i, "user_name": format!("op{i}"), "acd_status": if i % 2 == 0 { "READY" } else { "DND" },
            "acd_status_change_time": "2019-05-20 12:00:00", "acd_queues": [{"acd_queue_id": 54, "acd_queue_name": "Sales"}]}))
        .collect();
    mock.set("GetUsers", Answer::Paged(users));
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    let snap = h.poll(at(12, 35, 0)).await.unwrap();
    let agents = snap.agents.unwrap();
    assert_eq!(agents.len(), 250);
    assert_eq!(agents[0].state_age_seconds, Some(2100.0));
    let offsets: Vec<String> = mock
        .seen()
        .iter()
        .filter(|s| s.method == "GetUsers")
        .map(|s| s.params["offset"].clone())
        .collect();
    assert_eq!(offsets, vec!["0", "100", "200"]);
    let records: u64 = h
        .counters
        .records_snapshot()
        .iter()
        .filter(|(e, _)| *e == "get_users")
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(records, 250);
}

/// An `{"error": ...}` body under HTTP 200 fails the poll, and nothing advances: the
/// next good poll counts the day exactly once.
#[tokio::test]
async fn error_body_under_200_fails_the_poll_and_loses_nothing() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    mock.set(
        "GetACDState",
        Answer::Body(200, br#"{"error":{"msg":"Forbidden","code":104}}"#.to_vec()),
    );
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    let e = h.poll(at(12, 35, 0)).await.unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            SourceError::Vendor {
                endpoint: "get_acd_state",
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("Voximplant error 104: Forbidden"), "{msg}");
    assert!(msg.contains("role"), "{msg}");
    assert!(h
        .outcomes()
        .contains(&(("get_acd_state", "vendor_error".to_string()), 1)));
    assert_eq!(h.state_seconds(AgentState::Available), 0.0);

    mock.set(
        "GetACDState",
        Answer::Body(200, fixture("GetACDState.json")),
    );
    h.poll(at(12, 36, 0)).await.unwrap();
    h.poll(at(12, 37, 0)).await.unwrap();
    assert_eq!(h.state_seconds(AgentState::Available), 4755.0);
}

#[tokio::test]
async fn http_errors_and_garbage_are_reported_with_hints() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    mock.set("GetQueues", Answer::Body(403, b"forbidden".to_vec()));
    let e = h.poll(at(12, 35, 0)).await.unwrap_err();
    assert!(matches!(e, SourceError::Status { status: 403, .. }));
    assert!(e.to_string().contains("check credentials_file"), "{e}");

    mock.set(
        "GetQueues",
        Answer::Body(200, b"<html>maintenance</html>".to_vec()),
    );
    let e = h.poll(at(12, 35, 30)).await.unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::Decode {
                endpoint: "get_queues",
                ..
            }
        ),
        "{e}"
    );

    mock.set("GetQueues", Answer::Body(200, fixture("GetQueues.json")));
    mock.set(
        "GetACDOperatorStatusStatistics",
        Answer::Body(
            200,
            br#"{"result":[{"user_id":1,"statistics":[{"acd_status":{"READY":{"sum":1}}}]}]}"#
                .to_vec(),
        ),
    );
    let e = h.poll(at(12, 36, 0)).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("result[0].statistics[0]: record without \"date\""),
        "{e}"
    );
}

/// A key the server does not know: every poll fails with the same clear error, signs
/// a fresh token for the next try, and nothing panics.
#[tokio::test]
async fn wrong_key_fails_every_poll_clearly() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let (other_private, _) = generate_key(k.dir.path(), "other");
    let creds = write_credentials(k.dir.path(), &other_private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    for i in 0..3 {
        let e = h.poll(at(12, 35, i * 10)).await.unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("get_queues: vendor error from http://"),
            "{msg}"
        );
        assert!(
            msg.contains("Voximplant error 100: Authorization failed"),
            "{msg}"
        );
        assert!(msg.contains("check credentials_file"), "{msg}");
        assert!(!msg.contains("BEGIN"), "{msg}");
    }
    let seen = mock.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| !s.token_ok));
    // The refused token was dropped each time.
    assert_ne!(seen[0].token, seen[1].token);
}

#[tokio::test]
async fn malformed_credentials_are_config_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"account_id": 1, "key_id": "k", "private_key": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"}"#,
    )
    .unwrap();
    let yaml = format!(
        "sources:\n  - name: vox\n    vendor: voximplant\n    credentials_file: {}\n",
        bad.display()
    );
    let e = config::parse(&yaml, "cc.yml").unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "cc.yml:4:5: sources[0].credentials_file: {}: private_key is unusable",
            bad.display()
        )),
        "{e}"
    );
    assert!(!e.contains("AAAA"));

    std::fs::write(&bad, "{\"account_id\": 1,").unwrap();
    let e = config::parse(&yaml, "cc.yml").unwrap_err().to_string();
    assert!(e.contains("not a JSON service-account key"), "{e}");

    let yaml = "sources:\n  - name: vox\n    vendor: voximplant\n";
    let e = config::parse(yaml, "cc.yml").unwrap_err().to_string();
    assert!(e.contains("credentials_file: missing"), "{e}");

    let yaml = "sources:\n  - name: vox\n    vendor: voximplant\n    credentials_file: /x\n    token: abc\n";
    let e = config::parse(yaml, "cc.yml").unwrap_err().to_string();
    assert!(
        e.contains("sources[0].token: not a key of vendor voximplant"),
        "{e}"
    );
}

#[tokio::test]
async fn credentials_directory_is_expanded() {
    let k = keys();
    let creds = write_credentials(k.dir.path(), &k.private, false);
    // Only this test touches the variable.
    std::env::set_var("CREDENTIALS_DIRECTORY", k.dir.path());
    let yaml = "sources:\n  - name: vox\n    vendor: voximplant\n    credentials_file: $CREDENTIALS_DIRECTORY/credentials.json\n";
    let cfg = config::parse(yaml, "cc.yml").unwrap();
    let c = cfg.sources[0]
        .vendor_config
        .downcast::<sources::voximplant::Config>()
        .unwrap();
    assert_eq!(c.credentials_file, creds);
    assert_eq!(c.credentials.account_id, ACCOUNT_ID);
}

/// The first poll reads the whole day; later polls re-read only the hour the previous
/// window ended in and one more, which across midnight finishes the old day's last
/// hours; hours no longer re-read keep their counts.
#[tokio::test]
async fn later_polls_reread_only_the_hours_that_can_change_across_midnight() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    let from_dates = |m: &Mock| -> Vec<String> {
        m.seen()
            .iter()
            .filter(|s| s.method == "GetACDOperatorStatusStatistics")
            .map(|s| format!("{} .. {}", s.params["from_date"], s.params["to_date"]))
            .collect()
    };
    h.poll(at(23, 59, 30)).await.unwrap();
    let next = Utc.with_ymd_and_hms(2019, 5, 21, 0, 0, 30).unwrap();
    h.poll(next).await.unwrap();
    h.poll(next + chrono::Duration::seconds(30)).await.unwrap();
    assert_eq!(
        from_dates(&mock),
        vec![
            "2019-05-20 00:00:00 .. 2019-05-20 23:59:30",
            "2019-05-20 22:00:00 .. 2019-05-21 00:00:30",
            "2019-05-20 23:00:00 .. 2019-05-21 00:01:00",
        ]
    );
    // The example's hours (11 and 12) were read once, by the first poll, and count once.
    assert_eq!(h.state_seconds(AgentState::Available), 4755.0);

    // A failed poll does not move the window: after midnight a failure, then success,
    // still re-reads from the hour before the last successful window's end.
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    mock.clear_seen();
    h.poll(at(23, 59, 30)).await.unwrap();
    mock.set("GetACDState", Answer::Body(500, b"oops".to_vec()));
    assert!(h.poll(next).await.is_err());
    mock.set(
        "GetACDState",
        Answer::Body(200, fixture("GetACDState.json")),
    );
    h.poll(next + chrono::Duration::seconds(30)).await.unwrap();
    assert_eq!(
        from_dates(&mock).last().unwrap(),
        "2019-05-20 22:00:00 .. 2019-05-21 00:01:00"
    );
}

#[tokio::test]
async fn configured_queues_limit_requests_and_agents() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, "    acd_queues: [55]\n"));
    let snap = h.poll(at(12, 35, 0)).await.unwrap();
    let seen = mock.seen();
    let state = seen.iter().find(|s| s.method == "GetACDState").unwrap();
    assert_eq!(state.params["acd_queue_id"], "55");
    let stats: Vec<&str> = seen
        .iter()
        .filter(|s| s.method == "GetACDQueueStatistics")
        .map(|s| s.params["acd_queue_id"].as_str())
        .collect();
    assert_eq!(stats, vec!["55"]);
    let agents = snap.agents.unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].id, "487578");
    let queues = snap.queues.unwrap();
    assert_eq!(queues.len(), 1);
    assert_eq!(queues[0].key.queue, "Support");
}

/// Without queues naming an application, applications are listed first.
#[tokio::test]
async fn applications_are_listed_when_no_queue_names_one() {
    let k = keys();
    let mock = Mock::start(&k.public).await.with_fixtures();
    mock.set("GetQueues", Answer::Paged(vec![]));
    mock.set(
        "GetApplications",
        Answer::Paged(vec![
            json!({"application_id": 7}),
            json!({"application_id": 8}),
        ]),
    );
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let mut h = Harness::new(source_config(mock.addr, &creds, ""));
    let snap = h.poll(at(12, 35, 0)).await.unwrap();
    let apps: Vec<String> = mock
        .seen()
        .iter()
        .filter(|s| s.method == "GetUsers")
        .map(|s| s.params["application_id"].clone())
        .collect();
    assert_eq!(apps, vec!["7", "8"]);
    // The same users from both applications are one agent each.
    assert_eq!(snap.agents.unwrap().len(), 2);
    assert_eq!(snap.queues.unwrap().len(), 0);
}

/// The demo API (real JWTs against the shipped demo key) and the source round-trip
/// through the simulator's HTTP host with sane numbers.
#[tokio::test]
async fn simulated_api_round_trip() {
    use contact_center_exporter::simulator::{ContactCenter, SimOptions};
    let now = Utc::now();
    let cc = Arc::new(Mutex::new(ContactCenter::new(&SimOptions::default(), now)));
    let base = common::simulated::serve_demo("voximplant", Arc::clone(&cc)).await;
    let (vcfg, _) = vox().demo(&base);
    let mut source = vox().source("demo", &vcfg).unwrap();
    let counters = Arc::new(RequestCounters::default());
    let ctx = PollContext::new(
        "demo",
        Utc::now(),
        reqwest::Client::new(),
        Duration::from_secs(5),
        32 << 20,
        Arc::clone(&counters),
    );
    let snap = source.poll(&ctx).await.unwrap();
    let agents = snap.agents.as_ref().unwrap();
    assert_eq!(agents.len(), 40);
    let mapper = StateMapper::new("demo", vox().states(), &HashMap::new());
    assert!(agents
        .iter()
        .all(|a| mapper.map(&a.vendor_state) != AgentState::Other));
    // Only the simulation's voice queues are ACD queues.
    let queues = snap.queues.as_ref().unwrap();
    let mut names: Vec<&str> = queues.iter().map(|q| q.key.queue.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["Billing Phone", "Sales Phone", "Support Phone"]);
    assert!(queues.iter().all(|q| q.sla_threshold_seconds.is_some()));
    // State time: positive, and no more than 40 agents × the simulated history.
    let total: f64 = snap.state_seconds.iter().map(|v| v.value).sum();
    let elapsed = {
        let cc = cc.lock().unwrap();
        let midnight = cc.now.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
        (cc.now - (cc.now - chrono::Duration::minutes(30)).max(midnight)).num_seconds() as f64
    };
    assert!(
        total > 0.0 && total <= 40.0 * (elapsed + 2.0),
        "{total} vs {elapsed}"
    );
    // Queue counters: entered ≥ answered + abandoned, and answered in SLA ≤ answered.
    let sum = |c: QueueCounter| -> f64 {
        snap.queue_counts
            .iter()
            .filter(|v| v.series.counter == c)
            .map(|v| v.value)
            .sum()
    };
    let (e, a, ab, sla) = (
        sum(QueueCounter::Entered),
        sum(QueueCounter::Answered),
        sum(QueueCounter::Abandoned),
        sum(QueueCounter::AnsweredInSla),
    );
    assert!(e > 0.0 && e >= a + ab && sla <= a, "{e} {a} {ab} {sla}");
    // Handling from the simulated interactions (the source asked for HT;TT;ACW and the
    // simulator answers only what `report` selects): handled ≤ answered, and per
    // handled call 60–360 s of talk and 10–60 s of after-call work, as simulated.
    let (handled, talk, acw) = (
        sum(QueueCounter::Handled),
        sum(QueueCounter::TalkSeconds),
        sum(QueueCounter::AfterCallWorkSeconds),
    );
    assert!(handled > 0.0 && handled <= a, "{handled} of {a}");
    assert!(
        (60.0..360.0).contains(&(talk / handled)),
        "{talk} s / {handled}"
    );
    assert!(
        (10.0..60.0).contains(&(acw / handled)),
        "{acw} s / {handled}"
    );
    // Every request was authorized (no vendor errors).
    assert!(counters
        .requests_snapshot()
        .iter()
        .all(|((_, outcome), _)| outcome == "200"));
}

// ---------------------------------------------------------------------------------
// End to end through the exporter binary

/// A fixture with the example's date moved to today: the core forgets periods more
/// than two days old, so an end-to-end run must serve "today".
fn fixture_today(name: &str, today: &str) -> Vec<u8> {
    String::from_utf8(fixture(name))
        .unwrap()
        .replace("2019-05-20", today)
        .into_bytes()
}

/// The fixtures behind JWT verification, on the shared test harness's mock.
fn e2e_mock(public_pem: String) -> common::Mock {
    let today = Utc::now().format("%Y-%m-%d").to_string();
    common::Mock::start(move |r| {
        let auth = r.headers.get("authorization").cloned().unwrap_or_default();
        if r.method != "POST" || !token_ok(&public_pem, &auth) {
            return common::MockResponse::json(
                r#"{"error":{"msg":"Authorization failed","code":100}}"#,
            );
        }
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(&r.body).into_owned().collect();
        let queue = params.get("acd_queue_id").map(String::as_str);
        let body = match r.path.rsplit('/').next().unwrap_or_default() {
            "GetQueues" => fixture("GetQueues.json"),
            "GetUsers" => fixture_today("GetUsers.json", &today),
            "GetACDState" => fixture("GetACDState.json"),
            "GetACDOperatorStatusStatistics" => {
                fixture_today("GetACDOperatorStatusStatistics.json", &today)
            }
            "GetACDQueueStatistics" if queue == Some("54") => {
                fixture_today("GetACDQueueStatistics.json", &today)
            }
            "GetACDQueueStatistics" => br#"{"result":[]}"#.to_vec(),
            _ => br#"{"error":{"msg":"Unknown command","code":103}}"#.to_vec(),
        };
        common::MockResponse::json(body)
    })
}

fn e2e_yaml(mock: &common::Mock, creds: &Path) -> String {
    format!(
        "sources:\n  - name: vox\n    vendor: voximplant\n    base_url: {}\n    credentials_file: {}\n    interval: 1s\n    timeout: 500ms\n",
        mock.url("/vox"),
        creds.display()
    )
}

fn polls_seen(mock: &common::Mock, method: &str) -> usize {
    mock.recorded()
        .iter()
        .filter(|r| r.path == format!("/vox/platform_api/{method}"))
        .count()
}

/// The issue's "done when" end to end: READY 4,755 s and ONLINE 6,843 s after several
/// polls of the documented example, and the rendered families match the golden file.
#[test]
fn documented_example_end_to_end_golden() {
    let k = keys();
    let mock = e2e_mock(k.public.clone());
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let e = common::Exporter::start(&e2e_yaml(&mock, &creds), &[]);
    e.wait_for_sample(
        r#"contact_center_source_up{source="vox",vendor="voximplant"}"#,
        1.0,
        Duration::from_secs(20),
    );
    e.wait_until("three polls", Duration::from_secs(20), |_| {
        polls_seen(&mock, "GetACDQueueStatistics") >= 6
    });
    // Let the third poll's snapshot be ingested and rendered.
    std::thread::sleep(Duration::from_millis(300));
    let text = e.scrape();
    let state = |s: &str| {
        common::sample(
            &text,
            &format!(
                r#"contact_center_agent_state_seconds_total{{source="vox",vendor="voximplant",state="{s}"}}"#
            ),
        )
    };
    assert_eq!(state("available"), Some(4755.0));
    assert_eq!(state("unavailable"), Some(6843.0));
    // Handling as the fixture says (HT.count, TT.sum, ACW.sum over both hours), after
    // at least three polls of the same hours.
    let sales = |m: &str| {
        common::sample(
            &text,
            &format!(r#"{m}{{source="vox",vendor="voximplant",queue="Sales",channel="voice"}}"#),
        )
    };
    assert_eq!(sales("contact_center_queue_handled_total"), Some(13.0));
    assert_eq!(
        sales("contact_center_queue_talk_seconds_total"),
        Some(1980.0)
    );
    assert_eq!(
        sales("contact_center_queue_after_call_work_seconds_total"),
        Some(360.0)
    );
    common::assert_golden_families(
        "end_to_end/voximplant.prom",
        &text,
        &[
            "contact_center_agents",
            "contact_center_queue",
            "contact_center_agent_state_seconds",
        ],
    );
}

/// A key the server refuses: `source_up` 0, one clear log line per failed poll, and
/// the exporter keeps serving.
#[test]
fn wrong_key_end_to_end_is_source_down_with_one_line_per_poll() {
    let k = keys();
    let mock = e2e_mock(k.public.clone());
    let (other, _) = generate_key(k.dir.path(), "not-registered");
    let creds = write_credentials(k.dir.path(), &other, false);
    let e = common::Exporter::start(&e2e_yaml(&mock, &creds), &[]);
    let failures = |e: &common::Exporter| {
        e.log_lines()
            .into_iter()
            .filter(|l| l.contains("poll failed") && l.contains("vox"))
            .collect::<Vec<_>>()
    };
    e.wait_until("two failed polls", Duration::from_secs(30), |e| {
        failures(e).len() >= 2
    });
    let text = e.scrape();
    assert_eq!(
        common::sample(
            &text,
            r#"contact_center_source_up{source="vox",vendor="voximplant"}"#
        ),
        Some(0.0)
    );
    let lines = failures(&e);
    // Each failed poll stops at its first request, and logs exactly one line.
    let polls = polls_seen(&mock, "GetQueues");
    assert!(
        lines.len() <= polls && polls <= lines.len() + 1,
        "{polls} polls, {lines:?}"
    );
    for l in &lines {
        assert!(
            l.contains("Voximplant error 100: Authorization failed"),
            "{l}"
        );
        assert!(l.contains("check credentials_file"), "{l}");
        assert!(!l.contains("PRIVATE KEY") && !l.contains("Bearer"), "{l}");
    }
    assert_eq!(e.get("/-/healthy").map(|r| r.0), Some(200));
}

/// The Voximplant vendor from the registry.
fn vox() -> Vendor {
    sources::find("voximplant").unwrap()
}

/// Issue 27 item 1, end to end: two applications each have a queue named "Support"
/// (ids 11 and 12). Their hours are separate periods (scoped by queue id), so the
/// `queue="Support"` counters are the sum of both and the smaller queue's later growth
/// is added too; their gauges are one series (waiting calls add up, the longer wait
/// wins), never two series with equal labels.
#[test]
fn same_named_queues_count_both_and_show_one_gauge_series_end_to_end() {
    let k = keys();
    let public = k.public.clone();
    let now = Utc::now();
    let (today, hour) = (now.format("%Y-%m-%d").to_string(), now.format("%H"));
    let hour: u32 = hour.to_string().parse().unwrap();
    // (entered, abandoned) of queue 11 and 12 in the current hour; the test grows 12.
    let figures = Arc::new(Mutex::new([(40u32, 4u32), (20, 3)]));
    let served = figures.clone();
    let mock = common::Mock::start(move |r| {
        let auth = r.headers.get("authorization").cloned().unwrap_or_default();
        if r.method != "POST" || !token_ok(&public, &auth) {
            return MockResponse::json(r#"{"error":{"msg":"Authorization failed","code":100}}"#);
        }
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(&r.body).into_owned().collect();
        let body = match r.path.rsplit('/').next().unwrap_or_default() {
            "GetQueues" => json!({"result": [
                {"acd_queue_id": 11, "acd_queue_name": "Support", "application_id": 1, "sl_thresholds": [20]},
                {"acd_queue_id": 12, "acd_queue_name": "Support", "application_id": 2, "sl_thresholds": [30]}
            ], "total_count": 2, "count": 2})
            .to_string(),
            "GetUsers" => json!({"result": [], "total_count": 0, "count": 0}).to_string(),
            "GetACDState" => json!({"result": {"acd_queues": [
                {"acd_queue_id": 11, "waiting_calls": [{"waiting_time": 40}]},
                {"acd_queue_id": 12, "waiting_calls": [{"waiting_time": 75}, {"waiting_time": 5}]}
            ]}})
            .to_string(),
            "GetACDOperatorStatusStatistics" => r#"{"result":[]}"#.to_string(),
            "GetACDQueueStatistics" => {
                let f = *served.lock().unwrap();
                let (tc, uac) = match params.get("acd_queue_id").map(String::as_str) {
                    Some("11") => f[0],
                    Some("12") => f[1],
                    _ => return MockResponse::json(r#"{"result":[]}"#),
                };
                json!({"result": [{"date": today, "hour": hour, "TC": tc,
                    "UAC": [{"count": uac}], "AC": [{"count": tc - uac}]}]})
                .to_string()
            }
            _ => r#"{"error":{"msg":"Unknown command","code":103}}"#.to_string(),
        };
        MockResponse::json(body)
    });
    let creds = write_credentials(k.dir.path(), &k.private, false);
    let e = common::Exporter::start(&e2e_yaml(&mock, &creds), &[]);
    let support = |m: &str| {
        format!(r#"{m}{{source="vox",vendor="voximplant",queue="Support",channel="voice"}}"#)
    };
    e.wait_for_sample(
        &support("contact_center_queue_entered_total"),
        60.0,
        Duration::from_secs(20),
    );
    let text = e.scrape();
    assert_eq!(
        common::sample(&text, &support("contact_center_queue_abandoned_total")),
        Some(7.0)
    );
    // One gauge series per label set: 1 + 2 calls waiting, the longest wait 75 s.
    for (metric, value) in [
        ("contact_center_queue_waiting", 3.0),
        ("contact_center_queue_oldest_wait_seconds", 75.0),
    ] {
        let series = support(metric);
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&series)).collect();
        assert_eq!(lines.len(), 1, "{metric}: {lines:?}");
        assert_eq!(common::sample(&text, &series), Some(value));
    }
    // The smaller queue grows: its growth is added (before the fix it was lost under
    // the larger queue's value).
    *figures.lock().unwrap() = [(40, 4), (25, 5)];
    e.wait_for_sample(
        &support("contact_center_queue_entered_total"),
        65.0,
        Duration::from_secs(20),
    );
    e.wait_for_sample(
        &support("contact_center_queue_abandoned_total"),
        9.0,
        Duration::from_secs(20),
    );
}
