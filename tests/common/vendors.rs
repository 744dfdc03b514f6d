//! Every vendor as the fault, secrets and load tests need it: a healthy API built from
//! the vendor's fixtures (dates moved to today), a config entry pointing a source at
//! it, bodies that are broken or wrongly typed in that vendor's format, and rewrites of
//! healthy answers (duplicated records, reversed records, a vendor clock ahead of ours).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::fault::{json_records, reversed, twice, xml_records, Good, Rewrite};
use super::{MockResponse, Recorded};

/// Distinctive secrets: none of them may ever be printed.
pub const EXOTEL_PASSWORD: &str = "pw-EXOTEL-7f3a9c1e-SECRET";
/// The 8x8 API token.
pub const EIGHT_TOKEN: &str = "tok-8X8-51c0de99b7-SECRET";
/// The VCC Live API token.
pub const VCC_TOKEN: &str = "tok-VCC-2b8e4d0f71-SECRET";

/// One vendor under test.
pub struct VendorKit {
    /// The `vendor` label.
    pub vendor: &'static str,
    /// The healthy API.
    pub good: Good,
    /// Content type of its bodies.
    pub content_type: &'static str,
    /// Not the vendor's syntax at all.
    pub garbage: Vec<u8>,
    /// The vendor's syntax with the wrong types in the documented shape.
    pub wrong_types: Vec<u8>,
    /// Every record of every list twice.
    pub duplicate: Rewrite,
    /// Every list in reverse order.
    pub reorder: Rewrite,
    /// Timestamps of the vendor an hour ahead of ours.
    pub clock_ahead: Rewrite,
    /// The vendor keys (indented for a `sources:` entry) with its credentials.
    pub keys: Box<dyn Fn(&Path) -> String + Send + Sync>,
    /// Strings that must never be printed.
    pub secrets: Vec<String>,
    /// A well-formed vendor error (in a 200 body) whose message is `text`.
    pub vendor_error: fn(&str) -> String,
}

/// The repository's fixture `vendor/name`.
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn fixture_text(path: &str) -> String {
    String::from_utf8(fixture(path)).unwrap()
}

fn json_response(body: Vec<u8>) -> MockResponse {
    MockResponse::json(body)
}

fn xml_response(body: String) -> MockResponse {
    let mut r = MockResponse::status(200, body);
    r.headers
        .push(("content-type".into(), "application/xml".into()));
    r
}

/// An HTTP date an hour ahead of ours.
fn date_ahead() -> String {
    (Utc::now() + chrono::Duration::hours(1))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn with_date_ahead(mut r: MockResponse) -> MockResponse {
    r.headers.push(("date".into(), date_ahead()));
    r
}

/// The kit of every vendor in the registry.
pub fn all() -> Vec<VendorKit> {
    contact_center_exporter::sources::REGISTRY
        .iter()
        .map(|v| kit(v.as_str()))
        .collect()
}

/// The kit of `vendor`; a registered vendor without one fails every suite that uses
/// the kits, so no vendor goes untested.
pub fn kit(vendor: &str) -> VendorKit {
    match vendor {
        "vcc_live" => vcc_live(),
        "exotel" => exotel(),
        "voximplant" => voximplant(),
        "eight_by_eight" => eight_by_eight(),
        other => panic!("vendor {other} has no kit in tests/common/vendors.rs: add one"),
    }
}

/// Runs `test` on every vendor's kit at once (one thread each, as separate tests
/// would) and fails naming every vendor whose run panicked.
pub fn for_each_vendor(test: fn(VendorKit)) {
    let failed: Vec<&str> = std::thread::scope(|s| {
        let runs: Vec<_> = all()
            .into_iter()
            .map(|k| (k.vendor, s.spawn(move || test(k))))
            .collect();
        runs.into_iter()
            .filter_map(|(v, run)| run.join().is_err().then_some(v))
            .collect()
    });
    assert!(failed.is_empty(), "failed for: {}", failed.join(", "));
}

/// Exotel: the documented example plus four sessions in other states and campaigns.
pub fn exotel() -> VendorKit {
    let example: Value =
        serde_json::from_slice(&fixture("exotel/user-session-information.json")).unwrap();
    let first = example["response"][0].clone();
    let mut rows = vec![first.clone()];
    for (i, (status, campaign)) in [
        ("On Call", "monika_webchat"),
        ("Break", "sales"),
        ("Wrap-up", "sales"),
        ("Not Ready", "support"),
    ]
    .iter()
    .enumerate()
    {
        let mut r = first.clone();
        r["data"]["user_id"] = json!(format!("agent_{i}"));
        r["data"]["user_name"] = json!(format!("agent_{i}"));
        r["data"]["user_status"] = json!(status);
        r["data"]["campaign_name"] = json!(campaign);
        r["data"]["campaign_id"] = json!(400 + i);
        rows.push(r);
    }
    let sessions = json!({"response": rows, "metadata": {"total": rows.len(), "count": rows.len(), "offset": 0, "limit": 100}});
    let customers =
        json!({"response": [], "metadata": {"total": 0, "count": 0, "offset": 0, "limit": 100}});
    let good: Good = Arc::new(move |r: &Recorded| match r.param("table-name") {
        Some("user-session-information") if r.param("offset") == Some("0") => {
            json_response(serde_json::to_vec(&sessions).unwrap())
        }
        _ => json_response(serde_json::to_vec(&customers).unwrap()),
    });
    VendorKit {
        vendor: "exotel",
        good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types:
            br#"{"response": {"data": "Ready"}, "metadata": {"total": "many", "count": []}}"#
                .to_vec(),
        duplicate: Arc::new(|_, mut r| {
            r.body = json_records(&r.body, "response", twice);
            r
        }),
        reorder: Arc::new(|_, mut r| {
            r.body = json_records(&r.body, "response", reversed);
            r
        }),
        // Sessions carry no timestamps; only the Date header can be ahead.
        clock_ahead: Arc::new(|_, r| with_date_ahead(r)),
        keys: Box::new(|_| {
            format!("    cc_id: 6\n    username: api-user\n    password: {EXOTEL_PASSWORD}\n")
        }),
        secrets: vec![EXOTEL_PASSWORD.into()],
        vendor_error: |text| {
            json!({"error_code": "CONF-1002", "status": "Unauthorized", "error_message": text})
                .to_string()
        },
    }
}

/// Voximplant: the fixtures of tests/voximplant.rs with the example's day moved to today,
/// signed in with the demo-only key (not verified here; tests/voximplant.rs does that).
pub fn voximplant() -> VendorKit {
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let day = move |name: &str| {
        fixture_text(&format!("voximplant/{name}"))
            .replace("2019-05-20", &today)
            .into_bytes()
    };
    let queues = fixture("voximplant/GetQueues.json");
    let users = day("GetUsers.json");
    let state = fixture("voximplant/GetACDState.json");
    let status = day("GetACDOperatorStatusStatistics.json");
    let queue_stats = day("GetACDQueueStatistics.json");
    let good: Good = Arc::new(move |r: &Recorded| {
        if r.method != "POST"
            || !r
                .headers
                .get("authorization")
                .is_some_and(|a| a.starts_with("Bearer "))
        {
            return json_response(
                br#"{"error":{"msg":"Authorization failed","code":100}}"#.to_vec(),
            );
        }
        let params: Vec<(String, String)> =
            url::form_urlencoded::parse(&r.body).into_owned().collect();
        let queue = params
            .iter()
            .find(|(k, _)| k == "acd_queue_id")
            .map(|(_, v)| v.as_str());
        let body = match r.path.rsplit('/').next().unwrap_or_default() {
            "GetQueues" => queues.clone(),
            "GetUsers" => users.clone(),
            "GetACDState" => state.clone(),
            "GetACDOperatorStatusStatistics" => status.clone(),
            "GetACDQueueStatistics" if queue == Some("54") => queue_stats.clone(),
            "GetACDQueueStatistics" => br#"{"result":[]}"#.to_vec(),
            _ => br#"{"error":{"msg":"Unknown command","code":103}}"#.to_vec(),
        };
        json_response(body)
    });
    let key = fixture_text("voximplant/credentials.json");
    let creds: Value = serde_json::from_str(&key).unwrap();
    let pem = creds["private_key"].as_str().unwrap().to_string();
    // A stretch of the key's base64 from its middle: unique to this key.
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let ahead = (Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let marker = b64[b64.len() / 2..b64.len() / 2 + 32].to_string();
    VendorKit {
        vendor: "voximplant",
        good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types:
            br#"{"result": {"acd_queue_id": "fifty-four"}, "total_count": "three", "count": null}"#
                .to_vec(),
        duplicate: Arc::new(|_, mut r| {
            r.body = json_records(&r.body, "result", twice);
            r
        }),
        reorder: Arc::new(|_, mut r| {
            r.body = json_records(&r.body, "result", reversed);
            r
        }),
        clock_ahead: Arc::new(move |_, mut r| {
            // Operators' last status change an hour in our future.
            if let Ok(mut v) = serde_json::from_slice::<Value>(&r.body) {
                if let Some(Value::Array(users)) = v.get_mut("result") {
                    for u in users {
                        if u.get("acd_status_change_time").is_some() {
                            u["acd_status_change_time"] = json!(ahead);
                        }
                    }
                }
                r.body = serde_json::to_vec(&v).unwrap();
            }
            with_date_ahead(r)
        }),
        keys: Box::new(move |dir: &Path| {
            let path = credentials_file(dir, &key);
            format!("    credentials_file: {}\n", path.display())
        }),
        secrets: vec![marker, "PRIVATE KEY".into(), "Bearer ".into(), "eyJ".into()],
        vendor_error: |text| json!({"error": {"msg": text, "code": 100}}).to_string(),
    }
}

/// Writes the Voximplant credentials into `dir` (mode 0600, as an operator would).
fn credentials_file(dir: &Path, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("voximplant-credentials.json");
    if !path.exists() {
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// 8x8: the documented examples of tests/eight_by_eight.rs, periods moved to today.
pub fn eight_by_eight() -> VendorKit {
    let today = Utc::now().format("%Y-%m-%dT00:00:00+00:00").to_string();
    let fx = move |name: &str| {
        fixture_text(&format!("eight_by_eight/{name}")).replace("2008-02-22T13:30:00-07:00", &today)
    };
    let groups = fx("groups.xml");
    let statuses = fx("group-statuses.xml");
    let stats = fx("queue-statistics.xml");
    let online = fx("queue-online-slas.xml");
    let offline = fx("queue-offline-slas.xml");
    let queues = "<queues><queue><queue-id>121</queue-id><queue-name>Support</queue-name>\
         <media-type>T</media-type><enabled>Y</enabled><sla-enabled>Y</sla-enabled>\
         <sla-time>20</sla-time></queue><queue><queue-id>32</queue-id>\
         <queue-name>Support Email</queue-name><media-type>E</media-type>\
         <sla-enabled>N</sla-enabled></queue></queues>"
        .to_string();
    let good: Good = Arc::new(move |r: &Recorded| {
        let body = match r.path.as_str() {
            "/api/stats/groups.xml" => groups.clone(),
            "/api/stats/groups/122/statuses.xml" => statuses.clone(),
            "/api/stats/queues.xml" => queues.clone(),
            "/api/stats/queues/121/statistics.xml" => stats.clone(),
            "/api/stats/queues/121/online_slas.xml" => online.clone(),
            "/api/stats/queues/32/statistics.xml" => "<statistics/>".to_string(),
            "/api/stats/queues/32/offline_slas.xml" => offline.clone(),
            _ => return MockResponse::status(404, "Not found"),
        };
        xml_response(body)
    });
    let ahead = (Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string();
    let rewrite = |f: fn(Vec<String>) -> Vec<String>| -> Rewrite {
        Arc::new(move |_, mut r: MockResponse| {
            let text = String::from_utf8_lossy(&r.body).to_string();
            r.body = xml_records(&text, f).into_bytes();
            r
        })
    };
    VendorKit {
        vendor: "eight_by_eight",
        good,
        content_type: "application/xml",
        garbage: b"{\"error\": \"this is JSON, not the XML the API documents\"}".to_vec(),
        wrong_types: b"<?xml version='1.0' encoding='UTF-8' ?>\n<groups><group><group-id>one-two-two</group-id><group-name><x>1</x></group-name></group></groups>".to_vec(),
        duplicate: rewrite(twice),
        reorder: rewrite(reversed),
        clock_ahead: Arc::new(move |_, mut r| {
            let text = String::from_utf8_lossy(&r.body).to_string();
            r.body = text
                .replace("2009-05-21T14:23:05-07:00", &ahead)
                .into_bytes();
            with_date_ahead(r)
        }),
        keys: Box::new(|_| format!("    tenant: acme\n    token: {EIGHT_TOKEN}\n")),
        secrets: vec![EIGHT_TOKEN.into()],
        // 8x8 has no error envelope: text where the XML should be.
        vendor_error: |text| text.to_string(),
    }
}

/// One VCC Live state log record: `prev` from `t0` to `t1`, then `state`.
fn vcc_record(user: u64, prev: &str, state: &str, t0: DateTime<Utc>, t1: DateTime<Utc>) -> Value {
    let f = "%Y-%m-%d %H:%M:%S";
    json!({
        "userid": user, "prevstate": prev, "state": state,
        "prevtime": t0.format(f).to_string(), "prevtime_utc": t0.format(f).to_string(),
        "time": t1.format(f).to_string(), "time_utc": t1.format(f).to_string(),
        "projectid": 1, "numberid": 0, "auxid": null, "emailid": 0, "chatid": 0,
        "ticketid": 0, "connection_lost": 0,
        "duration": (t1 - t0).num_milliseconds() as f64 / 1000.0,
        "ticketno": "", "username": format!("user{user}"), "name": format!("User {user}")
    })
}

/// A VCC Live API serving `log` as today's state log (paged by `start`/`num`, one day
/// at a time as the source asks) and `online` as the online users.
fn vcc_api(log: Vec<Value>, online: Vec<Value>) -> Good {
    Arc::new(move |r: &Recorded| {
        let body = match r.path.as_str() {
            "/v2/onlineusers" => json!({"response": online, "errors": []}),
            "/v2/statistics/userstate" => {
                let today = Utc::now().format("%Y%m%d").to_string();
                let start: usize = r.param("start").and_then(|v| v.parse().ok()).unwrap_or(0);
                let num: usize = r
                    .param("num")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(usize::MAX);
                let page: Vec<Value> = if r.param("from") == Some(today.as_str()) {
                    log.iter().skip(start).take(num).cloned().collect()
                } else {
                    Vec::new()
                };
                json!({"response": page, "errors": []})
            }
            _ => return MockResponse::status(404, "not found"),
        };
        let mut resp = MockResponse::status(200, serde_json::to_vec_pretty(&body).unwrap());
        // Like the real server: JSON labelled as plain text.
        resp.headers
            .push(("content-type".into(), "text/plain; charset=UTF-8".into()));
        resp
    })
}

/// VCC Live: a state log of two users earlier today, paged 4 records at a time.
pub fn vcc_live() -> VendorKit {
    let now = Utc::now();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let step = chrono::Duration::seconds(((now - midnight).num_seconds() / 12).clamp(1, 60));
    let t = |i: i32| (now - step * 10).max(midnight + chrono::Duration::seconds(1)) + step * i;
    let log = vec![
        vcc_record(6, "OFFLINE", "AVAILABLE", t(0), t(1)),
        vcc_record(7, "OFFLINE", "AVAILABLE", t(0), t(1)),
        vcc_record(6, "AVAILABLE", "CALL", t(1), t(2)),
        vcc_record(6, "CALL", "AFTERWORK", t(2), t(4)),
        vcc_record(7, "AVAILABLE", "AUX", t(1), t(5)),
        vcc_record(6, "AFTERWORK", "AVAILABLE", t(4), t(6)),
        vcc_record(7, "AUX", "CALL", t(5), t(7)),
    ];
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let online = vec![
        json!({"userId": "6", "username": "user6", "state": "AVAILABLE",
               "stateDuration": (now - t(6)).num_seconds(), "stateChangedAt": iso(t(6))}),
        json!({"userId": "7", "username": "user7", "state": "CALL",
               "stateDuration": (now - t(7)).num_seconds(), "stateChangedAt": iso(t(7))}),
    ];
    let good = vcc_api(log.clone(), online.clone());
    let api = |log: Vec<Value>, online: Vec<Value>| -> Rewrite {
        let a = vcc_api(log, online);
        Arc::new(move |r: &Recorded, _| a(r))
    };
    // The vendor's clock an hour ahead: its newest record and the online user's state
    // change are in our future.
    let ahead = now + chrono::Duration::hours(1);
    let mut log_ahead = log.clone();
    log_ahead.push(vcc_record(6, "AVAILABLE", "CALL", t(6), ahead));
    let mut online_ahead = online.clone();
    online_ahead[0] = json!({"userId": "6", "username": "user6", "state": "CALL",
        "stateDuration": -3600, "stateChangedAt": iso(ahead)});
    let mut reordered = log.clone();
    reordered.reverse();
    VendorKit {
        vendor: "vcc_live",
        good,
        content_type: "text/plain; charset=UTF-8",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types: br#"{"response": [{"userid": {"id": 6}, "prevstate": 17, "state": ["CALL"], "time": true, "duration": "long"}], "errors": []}"#.to_vec(),
        duplicate: api(twice(log.clone()), twice(online.clone())),
        reorder: api(reordered, fault_reversed(online.clone())),
        clock_ahead: Arc::new(move |r, _| with_date_ahead(api(log_ahead.clone(), online_ahead.clone())(r, MockResponse::status(200, "")))),
        keys: Box::new(|_| format!("    customer: acme\n    token: {VCC_TOKEN}\n    time_zone: UTC\n    page_size: 4\n")),
        secrets: vec![VCC_TOKEN.into()],
        vendor_error: |text| json!({"response": [], "errors": [text]}).to_string(),
    }
}

fn fault_reversed(v: Vec<Value>) -> Vec<Value> {
    reversed(v)
}
