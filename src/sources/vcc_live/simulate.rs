//! The VCC Live API for `--demo`, rendered from the simulated contact center: the user
//! state log from the simulation's state changes (paged with `start`/`num`, filtered
//! by day, user and project) and the online users from the agents' current states.
//! Like the real server it answers JSON as `text/plain` and puts failures in `errors`.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use super::config::{Config, DEFAULT_PAGE_SIZE};
use crate::secret::Secret;
use crate::simulator::{ContactCenter, SimRequest, SimResponse, SimState, SimulatedApi};

/// The demo's account name.
pub const DEMO_CUSTOMER: &str = "demo";
/// The demo's API token (it protects nothing but the loopback demo).
pub const DEMO_TOKEN: &str = "demo-vcc-live-token";
/// What the real server has been seen sending with JSON.
pub const CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        customer: DEMO_CUSTOMER.into(),
        token: Secret::new(DEMO_TOKEN),
        projects: Vec::new(),
        users: Vec::new(),
        time_zone: chrono_tz::UTC,
        page_size: DEFAULT_PAGE_SIZE,
    };
    let api = Api {
        customer: DEMO_CUSTOMER.into(),
        token: DEMO_TOKEN.into(),
        time_zone: cfg.time_zone,
    };
    (cfg, api)
}

/// The simulated API.
pub struct Api {
    /// Accepted account name.
    pub customer: String,
    /// Accepted token.
    pub token: String,
    /// The account's time zone (days and local times).
    pub time_zone: chrono_tz::Tz,
}

/// The VCC Live state name of a simulated state.
pub fn state_name(s: SimState) -> &'static str {
    match s {
        SimState::Offline => "OFFLINE",
        SimState::Unavailable => "UNAVAILABLE",
        SimState::Available => "WAITING4CALL",
        SimState::Ringing => "RINGING",
        SimState::Busy => "CALL",
        SimState::WrapUp => "AFTERWORK",
        SimState::Break => "AUX",
    }
}

fn envelope(status: u16, response: Value, errors: &[&str]) -> SimResponse {
    let body = json!({"response": response, "errors": errors});
    SimResponse::with_status(status, CONTENT_TYPE, body.to_string())
}

fn error(status: u16, msg: &str) -> SimResponse {
    envelope(status, Value::Null, &[msg])
}

/// Comma-separated ids; `None` when absent, `Err` when malformed.
fn ids(v: Option<&str>) -> Result<Option<Vec<u32>>, ()> {
    match v {
        None | Some("") => Ok(None),
        Some(v) => v
            .split(',')
            .map(|s| s.trim().parse().map_err(|_| ()))
            .collect::<Result<Vec<u32>, ()>>()
            .map(Some),
    }
}

impl Api {
    fn local(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.time_zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn project_of(cc: &ContactCenter, agent: usize) -> u32 {
        cc.agents[agent]
            .queues
            .first()
            .map(|&q| cc.queues[q].id)
            .unwrap_or(0)
    }

    /// All state log records of the request's days and filters, in ASC order.
    fn userstate(&self, req: &SimRequest, cc: &ContactCenter) -> Result<Vec<Value>, String> {
        let day = |key: &str| {
            let v = req
                .param(key)
                .ok_or_else(|| format!("Missing parameter: {key}"))?;
            NaiveDate::parse_from_str(v, "%Y%m%d").map_err(|_| format!("Invalid date: {key}"))
        };
        let (from, to) = (day("from")?, day("to")?);
        if !matches!(req.param("of"), None | Some("json")) {
            return Err("Only of=json is available in the demo".into());
        }
        let users = ids(req.param("users")).map_err(|_| "Invalid parameter: users")?;
        let projects = ids(req.param("projects")).map_err(|_| "Invalid parameter: projects")?;
        Ok(cc
            .state_log
            .iter()
            .filter(|c| {
                let d = c.at.with_timezone(&self.time_zone).date_naive();
                let a = &cc.agents[c.agent];
                from <= d
                    && d <= to
                    && users.as_ref().is_none_or(|u| u.contains(&a.id))
                    && projects
                        .as_ref()
                        .is_none_or(|p| p.contains(&Self::project_of(cc, c.agent)))
            })
            .map(|c| {
                let a = &cc.agents[c.agent];
                let duration = (c.at - c.from_since).num_milliseconds() as f64 / 1000.0;
                json!({
                    "userid": a.id,
                    "prevstate": state_name(c.from),
                    "state": state_name(c.to),
                    "prevtime": self.local(c.from_since),
                    "prevtime_utc": c.from_since.format("%Y-%m-%d %H:%M:%S").to_string(),
                    "time": self.local(c.at),
                    "time_utc": c.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    "projectid": Self::project_of(cc, c.agent),
                    "numberid": 0,
                    "auxid": if c.to == SimState::Break { json!("break") } else { Value::Null },
                    "emailid": 0, "chatid": 0, "ticketid": 0,
                    "connection_lost": 0,
                    "duration": duration,
                    "ticketno": "",
                    "username": a.username,
                    "name": a.full_name,
                })
            })
            .collect())
    }

    fn online(&self, project: Option<u32>, cc: &ContactCenter) -> Vec<Value> {
        cc.agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.state != SimState::Offline)
            .filter(|(i, a)| {
                project.is_none_or(|p| {
                    a.queues.iter().any(|&q| cc.queues[q].id == p) || Self::project_of(cc, *i) == p
                })
            })
            .map(|(_, a)| {
                json!({
                    "userId": a.id,
                    "username": a.username,
                    "state": state_name(a.state),
                    "stateDuration": (cc.now - a.since).num_seconds(),
                    "stateChangedAt": a.since.with_timezone(&self.time_zone).to_rfc3339(),
                })
            })
            .collect()
    }
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        if !req.basic_auth_is(&self.customer, &self.token) {
            return error(401, "Authentication failed");
        }
        if req.method != "GET" {
            return error(405, "Method not allowed");
        }
        if req.path == "/v2/statistics/userstate" {
            let mut all = match self.userstate(req, cc) {
                Ok(all) => all,
                Err(msg) => return envelope(200, Value::Null, &[&msg]),
            };
            if req.param("direction") == Some("DESC") {
                all.reverse();
            }
            let num = |k: &str, d: usize| {
                req.param(k)
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(d)
            };
            let start = num("start", 0);
            let n = num("num", usize::MAX);
            let page: Vec<Value> = all.into_iter().skip(start).take(n).collect();
            return envelope(200, Value::Array(page), &[]);
        }
        if req.path == "/v2/onlineusers" {
            return envelope(200, Value::Array(self.online(None, cc)), &[]);
        }
        if let Some(p) = req.path.strip_prefix("/v2/onlineusers/") {
            return match p.parse::<u32>() {
                Ok(p) => envelope(200, Value::Array(self.online(Some(p), cc)), &[]),
                Err(_) => error(404, "Not found"),
            };
        }
        error(404, "Not found")
    }
}

/// A synthetic state log page for benchmarks and load tests: records `start..start+n`
/// of a busy day (2026-03-02, UTC) of `users` users, formatted exactly like the vendor
/// page's example (pretty-printed, every documented field, fractional durations, the
/// type drift of `auxid`), about 560 bytes a record.
pub fn synthetic_page(start: u64, n: u64, users: u64) -> String {
    use std::fmt::Write;
    const STATES: [&str; 6] = [
        "AVAILABLE",
        "WAITING4CALL",
        "RINGING",
        "CALL",
        "AFTERWORK",
        "AUX",
    ];
    let day0 = 1_772_409_600; // 2026-03-02 00:00:00 UTC
    let mut out = String::with_capacity(n as usize * 600 + 64);
    out.push_str("{\n    \"response\": [");
    for i in start..start + n {
        let user = i % users.max(1);
        let step = i / users.max(1);
        let t0 = day0 + (step * 3) as i64 + user as i64 % 3;
        let ms = 1000 + (i * 7919) % 5000;
        let t1 = t0 + (ms / 1000) as i64;
        let ts = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
        };
        let prev = STATES[(step % 6) as usize];
        let state = STATES[((step + 1) % 6) as usize];
        let auxid = if state == "AUX" { "\"lunch\"" } else { "null" };
        let sep = if i == start { "" } else { "," };
        let _ = write!(
            out,
            "{sep}\n        {{\n            \"userid\": {uid},\n            \"prevstate\": \"{prev}\",\n            \"state\": \"{state}\",\n            \"prevtime\": \"{p}\",\n            \"prevtime_utc\": \"{p}\",\n            \"time\": \"{t}\",\n            \"time_utc\": \"{t}\",\n            \"projectid\": 1,\n            \"numberid\": {num},\n            \"auxid\": {auxid},\n            \"emailid\": 0,\n            \"chatid\": 0,\n            \"ticketid\": 0,\n            \"connection_lost\": 0,\n            \"duration\": {d}.{frac:02},\n            \"ticketno\": \"\",\n            \"username\": \"agent_{uid}\",\n            \"name\": \"Agent {uid}\"\n        }}",
            uid = 1000 + user,
            p = ts(t0),
            t = ts(t1),
            num = i % 97,
            d = ms / 1000,
            frac = (ms % 1000) / 10,
        );
    }
    out.push_str("\n    ],\n    \"errors\": []\n}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::SimOptions;
    use chrono::TimeZone;

    fn request(path: &str, query: &[(&str, &str)], auth: bool) -> SimRequest {
        SimRequest::get(path, query, auth.then_some((DEMO_CUSTOMER, DEMO_TOKEN)))
    }

    #[test]
    fn synthetic_pages_parse_and_continue() {
        let a = synthetic_page(0, 100, 40);
        let b = synthetic_page(100, 100, 40);
        let pa = super::super::types::parse_userstate(a.as_bytes())
            .unwrap()
            .changes;
        let pb = super::super::types::parse_userstate(b.as_bytes())
            .unwrap()
            .changes;
        assert_eq!((pa.len(), pb.len()), (100, 100));
        assert!(pa
            .iter()
            .chain(&pb)
            .all(|c| c.is_usable() && c.duration.unwrap() >= 1.0));
        let per_record = a.len() / 100;
        assert!(
            (500..650).contains(&per_record),
            "{per_record} bytes a record"
        );
    }

    #[test]
    fn renders_parsable_pages_and_checks_auth() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let cc = ContactCenter::new(&SimOptions::default(), now);
        let (_, api) = demo(&url::Url::parse("http://127.0.0.1:1/vcc_live").unwrap());
        let r = api.handle(&request("/v2/onlineusers", &[], false), &cc);
        assert_eq!(r.status, 401);
        let q = [("from", "20260302"), ("to", "20260302"), ("start", "0")];
        let all = api.handle(&request("/v2/statistics/userstate", &q, true), &cc);
        assert_eq!(all.status, 200);
        let all = super::super::types::parse_userstate(&all.body)
            .unwrap()
            .changes;
        assert_eq!(all.len(), cc.state_log.len());
        let q = [
            ("from", "20260302"),
            ("to", "20260302"),
            ("start", "3"),
            ("num", "2"),
        ];
        let page = api.handle(&request("/v2/statistics/userstate", &q, true), &cc);
        let page = super::super::types::parse_userstate(&page.body)
            .unwrap()
            .changes;
        assert_eq!(page, all[3..5].to_vec());
        let online = api.handle(&request("/v2/onlineusers", &[], true), &cc);
        let online = super::super::types::parse_online_users(&online.body).unwrap();
        let logged_in = cc
            .agents
            .iter()
            .filter(|a| a.state != SimState::Offline)
            .count();
        assert_eq!(online.len(), logged_in);
        let bad = api.handle(&request("/v2/statistics/userstate", &[], true), &cc);
        assert!(matches!(
            super::super::types::parse_userstate(&bad.body),
            Err(crate::http::ParseError::Vendor { .. })
        ));
    }
}
