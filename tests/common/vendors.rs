//! Every vendor as the fault, secrets and load tests need it: the vendor's own demo API
//! as the healthy vendor (see [`super::simulated`]), a config entry pointing a source at
//! it with the demo's credentials, bodies that are broken or wrongly typed in that
//! vendor's format, and rewrites of healthy answers (duplicated records, reversed
//! records, a vendor clock ahead of ours).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use contact_center_exporter::sources::{
    amazon_connect, eight_by_eight, eight_by_eight_analytics, exotel, genesys_cloud,
    twilio_taskrouter, vcc_live, voximplant,
};
use serde_json::{json, Value};

use super::fault::{json_records, reversed, twice, xml_children, xml_records, Good, Rewrite};
use super::simulated::{self, Simulated};
use super::{MockResponse, Recorded};

/// The Exotel demo password (also the secret of the config error cases): it must
/// never be printed.
pub const EXOTEL_PASSWORD: &str = exotel::simulate::DEMO_PASSWORD;
/// The 8x8 demo API token.
pub const EIGHT_TOKEN: &str = eight_by_eight::simulate::DEMO_TOKEN;
/// The 8x8 Analytics demo API key's secret.
pub const E88A_SECRET: &str = eight_by_eight_analytics::simulate::DEMO_CLIENT_SECRET;

/// How far ahead of ours the clock of a `clock_ahead` vendor is.
const AHEAD: Duration = Duration::hours(1);

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
    /// The most requests one poll sends at once: 1, unless the vendor's page documents
    /// more (TaskRouter asks for each TaskQueue's day 4 at a time).
    pub max_concurrent: usize,
}

/// An HTTP date an hour ahead of ours.
fn date_ahead() -> String {
    (Utc::now() + AHEAD)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn with_date_ahead(mut r: MockResponse) -> MockResponse {
    r.headers.push(("date".into(), date_ahead()));
    r
}

/// Rewrites the array at `key` of a JSON answer with `f`.
fn json_lists(key: &'static str, f: fn(Vec<Value>) -> Vec<Value>) -> Rewrite {
    Arc::new(move |_, mut r: MockResponse| {
        r.body = json_records(&r.body, key, f);
        r
    })
}

/// Rewrites the records (children of the root) of an XML answer with `f`.
fn xml_lists(f: fn(Vec<String>) -> Vec<String>) -> Rewrite {
    Arc::new(move |_, mut r: MockResponse| {
        let text = String::from_utf8_lossy(&r.body).to_string();
        r.body = xml_records(&text, f).into_bytes();
        r
    })
}

/// Rewrites the JSON document of an answer (left alone when it is not JSON).
fn edit_json(r: &mut MockResponse, f: impl FnOnce(&mut Value)) {
    if let Ok(mut v) = serde_json::from_slice::<Value>(&r.body) {
        f(&mut v);
        r.body = serde_json::to_vec(&v).unwrap();
    }
}

/// A local time `fmt`-formatted, an hour later.
fn later(text: &str, fmt: &str) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(text, fmt).ok()?;
    Some((t + AHEAD).format(fmt).to_string())
}

/// Whether a page of `records` records, of a list paged `size` records at a time, is
/// its last and not empty: where a vendor whose clock is ahead writes its newest record.
fn last_page(records: usize, size: Option<usize>) -> bool {
    records > 0 && size.is_some_and(|n| records < n)
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
        "eight_by_eight_analytics" => eight_by_eight_analytics(),
        "twilio_taskrouter" => twilio_taskrouter(),
        "genesys_cloud" => genesys_cloud(),
        "amazon_connect" => amazon_connect(),
        other => panic!("vendor {other} has no kit in tests/common/vendors.rs: add one"),
    }
}

/// Runs `test` on every vendor's kit at once (one thread each, as separate tests
/// would) and fails naming every vendor whose run panicked.
pub fn for_each_vendor(test: fn(VendorKit)) {
    let mut failed: Vec<&str> = Vec::new();
    let mut kits = all();
    // A few vendors at a time: each run starts exporters with a dozen sources polling
    // every second under tight timeouts, and eight vendors at once on two cores make
    // polls miss their deadlines for no fault of the code under test.
    while !kits.is_empty() {
        let batch: Vec<VendorKit> = kits.drain(..kits.len().min(PARALLEL_VENDORS)).collect();
        failed.extend(std::thread::scope(|s| {
            let runs: Vec<_> = batch
                .into_iter()
                .map(|k| (k.vendor, s.spawn(move || test(k))))
                .collect();
            runs.into_iter()
                .filter_map(|(v, run)| run.join().is_err().then_some(v))
                .collect::<Vec<_>>()
        }));
    }
    assert!(failed.is_empty(), "failed for: {}", failed.join(", "));
}

/// How many vendors [`for_each_vendor`] runs at once.
const PARALLEL_VENDORS: usize = 3;

/// Exotel: the demo's session and customer tables.
pub fn exotel() -> VendorKit {
    use exotel::simulate::{DEMO_CC_ID, DEMO_PASSWORD, DEMO_USER};
    VendorKit {
        vendor: "exotel",
        good: simulated::healthy("exotel").good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types:
            br#"{"response": {"data": "Ready"}, "metadata": {"total": "many", "count": []}}"#
                .to_vec(),
        duplicate: json_lists("response", twice),
        reorder: json_lists("response", reversed),
        // Sessions carry durations, no timestamps; only the Date header can be ahead.
        clock_ahead: Arc::new(|_, r| with_date_ahead(r)),
        keys: Box::new(|_| {
            format!(
                "    cc_id: {DEMO_CC_ID}\n    username: {DEMO_USER}\n    password: {DEMO_PASSWORD}\n"
            )
        }),
        secrets: vec![DEMO_PASSWORD.into()],
        vendor_error: |text| {
            json!({"error_code": "CONF-1002", "status": "Unauthorized", "error_message": text})
                .to_string()
        },
        max_concurrent: 1,
    }
}

/// Voximplant: the demo's Management API, signed in with the demo-only key.
pub fn voximplant() -> VendorKit {
    use voximplant::simulate::{DEMO_ACCOUNT_ID, DEMO_KEY_ID, DEMO_PRIVATE_KEY};
    let sim = simulated::healthy("voximplant");
    let key = json!({
        "account_id": DEMO_ACCOUNT_ID,
        "key_id": DEMO_KEY_ID,
        "private_key": DEMO_PRIVATE_KEY,
    })
    .to_string();
    // A stretch of the key's base64 from its middle: unique to this key.
    let b64: String = DEMO_PRIVATE_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let marker = b64[b64.len() / 2..b64.len() / 2 + 32].to_string();
    VendorKit {
        vendor: "voximplant",
        good: signed_for_the_simulation(sim),
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types:
            br#"{"result": {"acd_queue_id": "fifty-four"}, "total_count": "three", "count": null}"#
                .to_vec(),
        duplicate: json_lists("result", twice),
        reorder: json_lists("result", reversed),
        clock_ahead: Arc::new(|_, mut r| {
            // Operators' last status changes as the vendor's clock wrote them.
            edit_json(&mut r, |v| {
                if let Some(Value::Array(users)) = v.get_mut("result") {
                    for u in users {
                        let at = u["acd_status_change_time"].as_str().unwrap_or_default();
                        if let Some(t) = later(at, "%Y-%m-%d %H:%M:%S") {
                            u["acd_status_change_time"] = json!(t);
                        }
                    }
                }
            });
            with_date_ahead(r)
        }),
        keys: Box::new(move |dir: &Path| {
            let path = credentials_file(dir, &key);
            format!("    credentials_file: {}\n", path.display())
        }),
        secrets: vec![marker, "PRIVATE KEY".into(), "Bearer ".into(), "eyJ".into()],
        vendor_error: |text| json!({"error": {"msg": text, "code": 100}}).to_string(),
        max_concurrent: 1,
    }
}

/// The demo API checks a token's times against the simulation's clock, which stands
/// still here, while the exporter signs by the wall clock: a request whose token is
/// valid now (signature, key id, account, lifetime) is handed to the simulation with
/// the same claims signed for its instant; any other goes as it came (and is refused).
fn signed_for_the_simulation(sim: Simulated) -> Good {
    use contact_center_exporter::secret::Secret;
    use voximplant::auth::{Credentials, Signer};
    use voximplant::simulate::{
        verify_token, DEMO_ACCOUNT_ID, DEMO_KEY_ID, DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY,
    };
    let creds = Credentials {
        account_id: DEMO_ACCOUNT_ID,
        key_id: DEMO_KEY_ID.into(),
        private_key: Secret::new(DEMO_PRIVATE_KEY),
    };
    let token = Signer::new(&creds)
        .and_then(|mut s| s.token(sim.at).map(|t| t.expose().to_string()))
        .expect("the demo key signs");
    let good = sim.good;
    Arc::new(move |r: &Recorded| {
        let auth = r.headers.get("authorization").map(String::as_str);
        let now = Utc::now();
        if verify_token(auth, DEMO_PUBLIC_KEY, DEMO_ACCOUNT_ID, DEMO_KEY_ID, now).is_err() {
            return good(r);
        }
        let mut r = r.clone();
        r.headers
            .insert("authorization".into(), format!("Bearer {token}"));
        good(&r)
    })
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

/// 8x8: the demo's statistics API (groups and their status events, queues and their
/// statistics and service levels).
pub fn eight_by_eight() -> VendorKit {
    use eight_by_eight::simulate::{DEMO_TENANT, DEMO_TOKEN};
    let sim = simulated::healthy("eight_by_eight");
    VendorKit {
        vendor: "eight_by_eight",
        good: sim.good,
        content_type: "application/xml",
        garbage: b"{\"error\": \"this is JSON, not the XML the API documents\"}".to_vec(),
        wrong_types: b"<?xml version='1.0' encoding='UTF-8' ?>\n<groups><group><group-id>one-two-two</group-id><group-name><x>1</x></group-name></group></groups>".to_vec(),
        duplicate: xml_lists(twice),
        reorder: xml_lists(reversed),
        clock_ahead: eight_by_eight_newest_event(sim.at + AHEAD),
        // Two queues (a call queue with online service levels, an email queue with
        // offline ones) keep a poll under ten requests, like a small account.
        keys: Box::new(|_| {
            format!("    tenant: {DEMO_TENANT}\n    token: {DEMO_TOKEN}\n    queues: [201, 205]\n")
        }),
        secrets: vec![DEMO_TOKEN.into()],
        // 8x8 has no error envelope: text where the XML should be.
        vendor_error: |text| text.to_string(),
        max_concurrent: 1,
    }
}

/// A vendor whose clock is ahead: the last page of a group's status events ends with
/// one more event of its last agent, at `at`.
fn eight_by_eight_newest_event(at: DateTime<Utc>) -> Rewrite {
    let at = at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    Arc::new(move |req, mut r| {
        let text = String::from_utf8_lossy(&r.body).to_string();
        let page = eight_by_eight::types::PAGE_SIZE;
        if let Some((pre, mut events, post)) = xml_children(&text) {
            if req.path.ends_with("/statuses.xml") && last_page(events.len(), Some(page)) {
                let last = &events[events.len() - 1];
                let next = match xml_text(last, "status") {
                    Some("Available") => "Processing",
                    _ => "Available",
                };
                let event = set_xml_text(&set_xml_text(last, "status", next), "event-time", &at);
                events.push(event);
                r.body = format!("{pre}{}{post}", events.join("\n")).into_bytes();
            }
        }
        with_date_ahead(r)
    })
}

/// Where the text of the first `<tag>` element holding text only is in `xml`.
fn xml_text_range(xml: &str, tag: &str) -> Option<std::ops::Range<usize>> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut from = 0;
    while let Some(p) = xml[from..].find(&open) {
        let start = from + p + open.len();
        let end = start + xml[start..].find(&close)?;
        if !xml[start..end].contains('<') {
            return Some(start..end);
        }
        from = start;
    }
    None
}

/// The text of the first `<tag>` element holding text only.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    xml_text_range(xml, tag).map(|r| &xml[r])
}

/// `xml` with the text of its first `<tag>` element holding text only set to `value`.
fn set_xml_text(xml: &str, tag: &str, value: &str) -> String {
    match xml_text_range(xml, tag) {
        Some(r) => format!("{}{value}{}", &xml[..r.start], &xml[r.end..]),
        None => xml.to_string(),
    }
}

/// Rewrites an answer whose top level is the list of records (8x8 Analytics) with `f`;
/// any other body (the token answer, an error) stays as it is.
fn json_top_lists(f: fn(Vec<Value>) -> Vec<Value>) -> Rewrite {
    Arc::new(move |_, mut r: MockResponse| {
        edit_json(&mut r, |v| {
            if let Value::Array(items) = v {
                *items = f(std::mem::take(items));
            }
        });
        r
    })
}

/// 8x8 Analytics: the demo's token endpoint and real-time API (queues and agents, one
/// page each at the demo's page size, with the paging headers).
pub fn eight_by_eight_analytics() -> VendorKit {
    use eight_by_eight_analytics::simulate::{
        DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TOKEN_PREFIX,
    };
    let sim = simulated::healthy("eight_by_eight_analytics");
    let issued_ahead = (sim.at + AHEAD).timestamp_millis().to_string();
    VendorKit {
        vendor: "eight_by_eight_analytics",
        good: sim.good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types: br#"[{"id": {"queue": 103}, "name": ["Appointments"], "metrics": {"entered.today": "seven"}}]"#.to_vec(),
        duplicate: json_top_lists(twice),
        reorder: json_top_lists(reversed),
        // The answers carry no clock but the token's issued_at (which the source does
        // not trust) and the Date header.
        clock_ahead: Arc::new(move |_, mut r| {
            edit_json(&mut r, |v| {
                if v.get("issued_at").is_some() {
                    v["issued_at"] = json!(issued_ahead);
                }
            });
            with_date_ahead(r)
        }),
        keys: Box::new(|_| {
            format!("    client_id: {DEMO_CLIENT_ID}\n    client_secret: {DEMO_CLIENT_SECRET}\n")
        }),
        secrets: vec![DEMO_CLIENT_SECRET.into(), DEMO_TOKEN_PREFIX.into()],
        vendor_error: |text| json!({ "message": text }).to_string(),
        max_concurrent: 1,
    }
}

/// The lists of TaskRouter's answers (TaskQueues, Workers, bulk real-time data).
const TWILIO_LISTS: [&str; 3] = ["task_queues", "workers", "task_queue_data"];

fn twilio_lists(f: fn(Vec<Value>) -> Vec<Value>) -> Rewrite {
    Arc::new(move |_, mut r: MockResponse| {
        edit_json(&mut r, |v| {
            for key in TWILIO_LISTS {
                if let Some(Value::Array(items)) = v.get_mut(key) {
                    *items = f(std::mem::take(items));
                }
            }
        });
        r
    })
}

/// Twilio TaskRouter: the demo Workspace (TaskQueues, bulk real-time and cumulative
/// statistics, Workers), HTTP Basic with the demo API key.
pub fn twilio_taskrouter() -> VendorKit {
    use twilio_taskrouter::simulate::{DEMO_KEY_SECRET, DEMO_KEY_SID, DEMO_WORKSPACE_SID};
    let sim = simulated::healthy("twilio_taskrouter");
    VendorKit {
        vendor: "twilio_taskrouter",
        good: sim.good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types: br#"{"task_queues": 5, "task_queue_data": "none", "workers": {"sid": 1}, "task_queue_sid": 9, "tasks_entered": "seven", "meta": []}"#.to_vec(),
        duplicate: twilio_lists(twice),
        reorder: twilio_lists(reversed),
        // The Workers' date_status_changed is the vendor's clock; a cumulative
        // answer's start_time echoes the StartDate asked for, not its clock.
        clock_ahead: Arc::new(|_, mut r| {
            edit_json(&mut r, |v| {
                if let Some(Value::Array(workers)) = v.get_mut("workers") {
                    for w in workers {
                        let changed = w["date_status_changed"].as_str().unwrap_or_default();
                        if let Ok(t) = DateTime::parse_from_rfc3339(changed) {
                            w["date_status_changed"] = json!((t + AHEAD).to_rfc3339());
                        }
                    }
                }
            });
            with_date_ahead(r)
        }),
        keys: Box::new(|_| {
            format!("    workspace_sid: {DEMO_WORKSPACE_SID}\n    api_key_sid: {DEMO_KEY_SID}\n    api_key_secret: {DEMO_KEY_SECRET}\n")
        }),
        secrets: vec![DEMO_KEY_SECRET.into()],
        vendor_error: |text| {
            json!({"code": 20500, "message": text, "more_info": "https://www.twilio.com/docs/errors/20500", "status": 500}).to_string()
        },
        // Each TaskQueue's day is one request, asked a few at a time.
        max_concurrent: contact_center_exporter::sources::twilio_taskrouter::CUMULATIVE_CONCURRENCY,
    }
}

/// VCC Live: the demo's user state log and online users, UTC, read 100 records a page.
pub fn vcc_live() -> VendorKit {
    use vcc_live::simulate::{CONTENT_TYPE, DEMO_CUSTOMER, DEMO_TOKEN};
    let sim = simulated::healthy("vcc_live");
    VendorKit {
        vendor: "vcc_live",
        good: sim.good,
        content_type: CONTENT_TYPE,
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types: br#"{"response": [{"userid": {"id": 6}, "prevstate": 17, "state": ["CALL"], "time": true, "duration": "long"}], "errors": []}"#.to_vec(),
        duplicate: json_lists("response", twice),
        reorder: json_lists("response", reversed),
        clock_ahead: vcc_live_clock_ahead(sim.at + AHEAD),
        keys: Box::new(|_| {
            format!(
                "    customer: {DEMO_CUSTOMER}\n    token: {DEMO_TOKEN}\n    time_zone: UTC\n    page_size: 100\n"
            )
        }),
        secrets: vec![DEMO_TOKEN.into()],
        vendor_error: |text| json!({"response": [], "errors": [text]}).to_string(),
        max_concurrent: 1,
    }
}

/// A vendor whose clock is ahead: online users' state changes an hour later, and the
/// last page of the state log ends with one more record of its last user, at `at`.
fn vcc_live_clock_ahead(at: DateTime<Utc>) -> Rewrite {
    Arc::new(move |req, mut r| {
        let size = req.param("num").and_then(|n| n.parse().ok());
        edit_json(&mut r, |v| {
            let Some(Value::Array(records)) = v.get_mut("response") else {
                return;
            };
            if req.path.ends_with("/onlineusers") {
                for u in records {
                    let changed = u["stateChangedAt"].as_str().unwrap_or_default();
                    if let Ok(t) = DateTime::parse_from_rfc3339(changed) {
                        u["stateChangedAt"] = json!((t + AHEAD).to_rfc3339());
                    }
                }
            } else if last_page(records.len(), size) {
                records.push(vcc_record_after(&records[records.len() - 1], at));
            }
        });
        with_date_ahead(r)
    })
}

/// The state log record following `last` (same user), at `at`.
fn vcc_record_after(last: &Value, at: DateTime<Utc>) -> Value {
    let f = "%Y-%m-%d %H:%M:%S";
    let since = last["time_utc"].as_str().unwrap_or_default();
    let since = NaiveDateTime::parse_from_str(since, f).map_or(at, |t| t.and_utc());
    let mut next = last.clone();
    next["prevstate"] = last["state"].clone();
    next["state"] = json!(if last["state"] == "CALL" {
        "AFTERWORK"
    } else {
        "CALL"
    });
    next["prevtime"] = last["time"].clone();
    next["prevtime_utc"] = last["time_utc"].clone();
    next["time"] = json!(at.format(f).to_string());
    next["time_utc"] = json!(at.format(f).to_string());
    next["duration"] = json!((at - since).num_milliseconds() as f64 / 1000.0);
    next["auxid"] = Value::Null;
    next
}

/// The lists of Genesys Cloud's answers (queues, result groups, their metrics and
/// detail lists, the status counts), rewritten with `f` wherever they are.
fn genesys_lists(f: fn(Vec<Value>) -> Vec<Value>) -> Rewrite {
    fn walk(v: &mut Value, f: fn(Vec<Value>) -> Vec<Value>) {
        const LISTS: [&str; 7] = [
            "entities",
            "results",
            "data",
            "metrics",
            "observations",
            "presenceCounts",
            "routingStatusCounts",
        ];
        if let Value::Object(map) = v {
            for (k, item) in map.iter_mut() {
                if let (true, Value::Array(a)) = (LISTS.contains(&k.as_str()), &mut *item) {
                    *a = f(std::mem::take(a));
                }
                walk(item, f);
            }
        } else if let Value::Array(items) = v {
            for item in items {
                walk(item, f);
            }
        }
    }
    Arc::new(move |_, mut r: MockResponse| {
        edit_json(&mut r, |v| walk(v, f));
        r
    })
}

/// Genesys Cloud: the demo's token endpoint, queue listing and analytics queries.
pub fn genesys_cloud() -> VendorKit {
    use genesys_cloud::simulate::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TOKEN_PREFIX};
    let sim = simulated::healthy("genesys_cloud");
    VendorKit {
        vendor: "genesys_cloud",
        good: sim.good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types: br#"{"entities": "none", "results": [{"group": {"queueId": ["q"]}, "data": {"metric": 5}}], "presenceCounts": {"count": "two"}, "access_token": 7}"#.to_vec(),
        duplicate: genesys_lists(twice),
        reorder: genesys_lists(reversed),
        // Waits start an hour later by a clock an hour ahead (the answer's Date).
        clock_ahead: Arc::new(move |_, mut r| {
            edit_json(&mut r, |v| {
                fn shift(v: &mut Value) {
                    match v {
                        Value::Object(map) => {
                            for (k, item) in map.iter_mut() {
                                if k == "observationDate" {
                                    if let Some(t) = item
                                        .as_str()
                                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                                    {
                                        *item = json!((t + AHEAD).to_rfc3339());
                                    }
                                } else {
                                    shift(item);
                                }
                            }
                        }
                        Value::Array(items) => items.iter_mut().for_each(shift),
                        _ => {}
                    }
                }
                shift(v)
            });
            r.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("date"));
            with_date_ahead(r)
        }),
        keys: Box::new(|_| {
            format!("    client_id: {DEMO_CLIENT_ID}\n    client_secret: {DEMO_CLIENT_SECRET}\n    time_zone: UTC\n")
        }),
        secrets: vec![DEMO_CLIENT_SECRET.into(), DEMO_TOKEN_PREFIX.into()],
        vendor_error: |text| json!({"message": text, "code": "bad.request", "status": 400}).to_string(),
        max_concurrent: 1,
    }
}

/// Rewrites every list of a Connect answer (queues, metric rows, users) with `f`.
fn connect_lists(f: fn(Vec<Value>) -> Vec<Value>) -> Rewrite {
    Arc::new(move |_, mut r: MockResponse| {
        edit_json(&mut r, |v| {
            for key in ["QueueSummaryList", "MetricResults", "UserDataList"] {
                if let Some(Value::Array(items)) = v.get_mut(key) {
                    *items = f(std::mem::take(items));
                }
            }
        });
        r
    })
}

/// Amazon Connect: the demo's SigV4-checked API (queues, current metrics, the day's
/// counters and the agents), signed with the demo's static keys.
pub fn amazon_connect() -> VendorKit {
    use amazon_connect::simulate::{
        DEMO_ACCESS_KEY_ID, DEMO_INSTANCE_ID, DEMO_REGION, DEMO_SECRET_ACCESS_KEY,
    };
    let sim = simulated::healthy("amazon_connect");
    let ahead = AHEAD.num_seconds() as f64;
    VendorKit {
        vendor: "amazon_connect",
        good: sim.good,
        content_type: "application/json",
        garbage: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        wrong_types: br#"{"MetricResults": [{"Dimensions": {"Queue": {"Id": 7}, "Channel": ["VOICE"]}, "Collections": [{"Metric": {"Name": "CONTACTS_IN_QUEUE"}, "Value": "three"}]}], "QueueSummaryList": {"Id": 1}, "UserDataList": "none"}"#.to_vec(),
        duplicate: connect_lists(twice),
        reorder: connect_lists(reversed),
        // The agents' state and status start times an hour ahead, and the Date header.
        clock_ahead: Arc::new(move |_, mut r| {
            edit_json(&mut r, |v| {
                if let Some(Value::Array(users)) = v.get_mut("UserDataList") {
                    for u in users {
                        if let Some(t) = u["Status"]["StatusStartTimestamp"].as_f64() {
                            u["Status"]["StatusStartTimestamp"] = json!(t + ahead);
                        }
                        if let Some(Value::Array(cs)) = u.get_mut("Contacts") {
                            for c in cs {
                                if let Some(t) = c["StateStartTimestamp"].as_f64() {
                                    c["StateStartTimestamp"] = json!(t + ahead);
                                }
                            }
                        }
                    }
                }
                if let Some(t) = v.get("DataSnapshotTime").and_then(Value::as_f64) {
                    v["DataSnapshotTime"] = json!(t + ahead);
                }
            });
            with_date_ahead(r)
        }),
        keys: Box::new(|_| {
            format!(
                "    region: {DEMO_REGION}\n    instance_id: {DEMO_INSTANCE_ID}\n    access_key_id: {DEMO_ACCESS_KEY_ID}\n    secret_access_key: {DEMO_SECRET_ACCESS_KEY}\n"
            )
        }),
        secrets: vec![DEMO_SECRET_ACCESS_KEY.into()],
        vendor_error: |text| json!({"__type": "InternalServiceException", "Message": text}).to_string(),
        max_concurrent: 1,
    }
}
