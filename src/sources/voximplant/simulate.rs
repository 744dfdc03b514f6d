//! The Management API for `--demo`, rendered from the simulated contact center: the
//! six methods this source calls, in their documented shapes, behind real RS256 JWT
//! verification against a demo-only key pair that ships with the source.
//!
//! Only the simulation's voice queues are ACD queues here (Voximplant's ACD routes
//! calls). Simulated states map to ACD statuses as: unavailable → `ONLINE`, available
//! and ringing → `READY` (an offered call locks a READY operator), busy → `IN_SERVICE`,
//! wrap-up → `AFTER_SERVICE`, break → `DND`, offline → `OFFLINE`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, DurationRound, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use super::auth::Claims;
use super::config::{Config, Credentials};
use super::types::{format_datetime, parse_datetime};
use crate::model::Channel;
use crate::secret::Secret;
use crate::simulator::{ContactCenter, Outcome, SimRequest, SimResponse, SimState, SimulatedApi};

/// Demo-only RSA private key (generated once with `openssl genpkey`; it protects
/// nothing but the loopback demo and must never be used for a real account).
pub const DEMO_PRIVATE_KEY: &str = include_str!("demo-only-private-key.pem");
/// Its public half, which the simulated API verifies tokens with.
pub const DEMO_PUBLIC_KEY: &str = include_str!("demo-only-public-key.pem");

/// The demo's account id (the tokens' `iss`).
pub const DEMO_ACCOUNT_ID: u64 = 1_000_001;
/// The demo key's id (the tokens' `kid`).
pub const DEMO_KEY_ID: &str = "demo-only-key-0001";
const DEMO_APPLICATION_ID: u64 = 10;

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        credentials_file: PathBuf::from("(built-in demo key)"),
        credentials: Credentials {
            account_id: DEMO_ACCOUNT_ID,
            key_id: DEMO_KEY_ID.into(),
            private_key: Secret::new(DEMO_PRIVATE_KEY),
        },
        acd_queues: None,
    };
    (
        cfg,
        Api {
            account_id: DEMO_ACCOUNT_ID,
            key_id: DEMO_KEY_ID.into(),
            public_key_pem: DEMO_PUBLIC_KEY.into(),
            application_id: DEMO_APPLICATION_ID,
        },
    )
}

/// The simulated API.
pub struct Api {
    /// Account whose tokens are accepted (`iss`).
    pub account_id: u64,
    /// Accepted `kid`.
    pub key_id: String,
    /// PEM public key tokens must verify against.
    pub public_key_pem: String,
    /// The one application owning the queues and users.
    pub application_id: u64,
}

/// Checks a bearer JWT the way the API documents it: RS256 signature, `kid`, numeric
/// `iss`, `exp` after `now` and at most an hour after `iat`.
pub fn verify_token(
    authorization: Option<&str>,
    public_key_pem: &str,
    account_id: u64,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<Claims, String> {
    let token = authorization
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or("no bearer token")?;
    let key = DecodingKey::from_rsa_pem(public_key_pem.as_bytes()).map_err(|e| e.to_string())?;
    let mut v = Validation::new(Algorithm::RS256);
    // Times are checked against the simulation's clock below, not the system's.
    v.validate_exp = false;
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Claims>(token.trim(), &key, &v).map_err(|e| e.to_string())?;
    if data.header.kid.as_deref() != Some(key_id) {
        return Err("unknown kid".into());
    }
    let c = data.claims;
    let t = now.timestamp();
    if c.iss != account_id {
        return Err("wrong iss".into());
    }
    if c.exp - c.iat > 3600 || c.exp <= c.iat {
        return Err("exp must be within an hour after iat".into());
    }
    if c.exp < t - 60 || c.iat > t + 60 {
        return Err("token not valid now".into());
    }
    Ok(c)
}

fn error(code: u32, msg: &str) -> SimResponse {
    SimResponse::json(
        json!({"error": {"msg": msg, "code": code}})
            .to_string()
            .into_bytes(),
    )
}

fn ok(v: Value) -> SimResponse {
    SimResponse::json(v.to_string().into_bytes())
}

fn status_name(s: SimState) -> &'static str {
    match s {
        SimState::Offline => "OFFLINE",
        SimState::Unavailable => "ONLINE",
        SimState::Available | SimState::Ringing => "READY",
        SimState::Busy => "IN_SERVICE",
        SimState::WrapUp => "AFTER_SERVICE",
        SimState::Break => "DND",
    }
}

/// Indexes of the simulation's voice queues (the ACD queues).
fn acd_queues(cc: &ContactCenter) -> Vec<usize> {
    (0..cc.queues.len())
        .filter(|&q| cc.queues[q].channel == Channel::Voice)
        .collect()
}

/// The queues an `acd_queue_id` parameter selects (`all`, absent, or `;` list).
fn selected(cc: &ContactCenter, param: Option<&str>) -> Vec<usize> {
    let all = acd_queues(cc);
    match param.map(str::trim) {
        None | Some("") | Some("all") | Some("any") => all,
        Some(list) => {
            let ids: Vec<u32> = list
                .split(';')
                .filter_map(|s| s.trim().parse().ok())
                .collect();
            all.into_iter()
                .filter(|&q| ids.contains(&cc.queues[q].id))
                .collect()
        }
    }
}

fn paged(all: Vec<Value>, params: &Params) -> Value {
    let offset = params.num("offset").unwrap_or(0) as usize;
    let count = params.num("count").unwrap_or(20) as usize;
    let page: Vec<Value> = all.iter().skip(offset).take(count).cloned().collect();
    json!({"result": page, "total_count": all.len(), "count": page.len()})
}

/// Request parameters from the query string and the form body together.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    fn num(&self, k: &str) -> Option<u64> {
        self.get(k).and_then(|v| v.trim().parse().ok())
    }
    fn range(&self, now: DateTime<Utc>) -> Result<(i64, i64), SimResponse> {
        let from = self
            .get("from_date")
            .and_then(parse_datetime)
            .ok_or_else(|| error(111, "Invalid date format: from_date"))?;
        let to = match self.get("to_date") {
            None => now.timestamp(),
            Some(s) => {
                parse_datetime(s).ok_or_else(|| error(111, "Invalid date format: to_date"))?
            }
        };
        Ok((from, to.min(now.timestamp())))
    }
}

/// `{min, avg, max, count, sum}` accumulator.
#[derive(Default, Clone, Copy)]
struct Stat {
    min: i64,
    max: i64,
    count: u64,
    sum: i64,
}

impl Stat {
    fn add(&mut self, v: i64) {
        if self.count == 0 || v < self.min {
            self.min = v;
        }
        self.max = self.max.max(v);
        self.count += 1;
        self.sum += v;
    }
    fn json(&self) -> Value {
        let avg = if self.count == 0 {
            0
        } else {
            self.sum / self.count as i64
        };
        json!({"min": self.min, "avg": avg, "max": self.max, "count": self.count, "sum": self.sum})
    }
}

fn hour_of(t: i64) -> i64 {
    t - t.rem_euclid(3600)
}

fn date_hour(start: i64) -> (String, i64) {
    let t = DateTime::from_timestamp(start, 0).unwrap_or_default();
    (
        t.format("%Y-%m-%d").to_string(),
        (start.rem_euclid(86_400)) / 3600,
    )
}

/// The items a `report` parameter selects: "Returned JSON includes keys only for the
/// selected items"; `all` (or no `report`) selects every item.
struct Report(Option<Vec<String>>);

impl Report {
    fn parse(param: Option<&str>) -> Report {
        match param.map(str::trim) {
            None | Some("") | Some("all") => Report(None),
            Some(list) => Report(Some(
                list.split(';').map(|s| s.trim().to_string()).collect(),
            )),
        }
    }

    /// Drops the items of `record` that were not asked for (`date` and `hour` stay).
    fn retain(&self, record: &mut Value) {
        let (Some(items), Some(map)) = (&self.0, record.as_object_mut()) else {
            return;
        };
        map.retain(|k, _| k == "date" || k == "hour" || items.iter().any(|i| i == k));
    }
}

impl Api {
    fn users(&self, cc: &ContactCenter, p: &Params) -> SimResponse {
        match (p.num("application_id"), p.get("application_name")) {
            (Some(id), _) if id == self.application_id => {}
            (None, Some(_)) => {}
            (None, None) => return error(101, "application_id or application_name is required"),
            _ => return ok(json!({"result": [], "total_count": 0, "count": 0})),
        }
        let with_queues = p.get("with_queues") == Some("true");
        let voice = acd_queues(cc);
        let all = cc
            .agents
            .iter()
            .map(|a| {
                let mut u = json!({
                    "user_id": a.id, "user_name": a.username, "user_display_name": a.full_name,
                    "user_active": true, "parent_accounting": true,
                    "live_balance": 0, "balance": 0, "fixed_balance": 0,
                    "acd_status": status_name(a.state),
                    "acd_status_change_time": format_datetime(a.since),
                    "created": "2026-01-05 09:00:00", "modified": "2026-01-05 09:00:00"
                });
                if with_queues {
                    let qs: Vec<Value> = a
                        .queues
                        .iter()
                        .filter(|q| voice.contains(q))
                        .map(|&q| json!({"acd_queue_id": cc.queues[q].id, "acd_queue_name": cc.queues[q].name, "auto_link": false}))
                        .collect();
                    u["acd_queues"] = Value::Array(qs);
                }
                u
            })
            .collect();
        ok(paged(all, p))
    }

    fn queues(&self, cc: &ContactCenter, p: &Params) -> SimResponse {
        let all = acd_queues(cc)
            .into_iter()
            .map(|q| {
                let sq = &cc.queues[q];
                let users: Vec<Value> = cc
                    .agents
                    .iter()
                    .filter(|a| a.queues.contains(&q))
                    .map(|a| json!({"user_id": a.id}))
                    .collect();
                json!({
                    "acd_queue_id": sq.id, "acd_queue_name": sq.name,
                    "application_id": self.application_id, "acd_queue_priority": 0,
                    "service_probability": 1, "auto_binding": false,
                    "created": "2026-01-05 09:00:00", "modified": "2026-01-05 09:00:00",
                    "operatorcount": users.len(), "users": users,
                    "sl_thresholds": [sq.sla_seconds, sq.sla_seconds * 3]
                })
            })
            .collect();
        ok(paged(all, p))
    }

    fn acd_state(&self, cc: &ContactCenter, p: &Params) -> SimResponse {
        let now = cc.now;
        let queues: Vec<Value> = selected(cc, p.get("acd_queue_id"))
            .into_iter()
            .map(|q| {
                let serving = || cc.agents.iter().filter(move |a| a.queues.contains(&q));
                let op = |a: &crate::simulator::model::SimAgent| {
                    json!({"user_id": a.id, "user_name": a.username, "user_display_name": a.full_name})
                };
                let ready: Vec<Value> = serving()
                    .filter(|a| a.state == SimState::Available)
                    .map(|a| {
                        let mut o = op(a);
                        o["idle_duration"] = json!((now - a.since).num_seconds());
                        o
                    })
                    .collect();
                let locked: Vec<Value> = serving()
                    .filter(|a| matches!(a.state, SimState::Ringing | SimState::Busy))
                    .map(|a| {
                        let mut o = op(a);
                        o["status"] = json!("READY");
                        o
                    })
                    .collect();
                let after: Vec<Value> = serving()
                    .filter(|a| a.state == SimState::WrapUp)
                    .map(|a| {
                        let mut o = op(a);
                        o["status"] = json!("AFTER_SERVICE");
                        o
                    })
                    .collect();
                let waiting: Vec<Value> = cc
                    .interactions
                    .iter()
                    .filter(|it| it.queue == q && it.outcome == Outcome::Waiting)
                    .map(|it| {
                        let wait = it.wait_seconds(now);
                        json!({"user_name": "", "user_display_name": "", "priority": 0,
                            "callerid": format!("+1555{:07}", it.id % 10_000_000),
                            "begin_time": format_datetime(it.entered), "waiting_time": wait,
                            "minutes_to_submit": 1, "acd_session_history_id": it.id})
                    })
                    .collect();
                json!({
                    "acd_queue_id": cc.queues[q].id,
                    "ready_operators": ready, "ready_operators_count": ready.len(),
                    "locked_operators": locked, "locked_operators_count": locked.len(),
                    "after_service_operators": after, "after_service_operator_count": after.len(),
                    "servicing_calls": [], "waiting_calls": waiting
                })
            })
            .collect();
        ok(json!({"result": {"acd_queues": queues}}))
    }

    fn status_statistics(&self, cc: &ContactCenter, p: &Params) -> SimResponse {
        let (from, to) = match p.range(cc.now) {
            Ok(r) => r,
            Err(e) => return e,
        };
        // (agent, hour start) → status → stat, from completed and open intervals.
        let mut per: BTreeMap<(u32, i64), BTreeMap<&'static str, Stat>> = BTreeMap::new();
        let mut add = |agent: u32, st: SimState, a: i64, b: i64| {
            let (a, b) = (a.max(from), b.min(to));
            let mut t = a;
            while t < b {
                let end = (hour_of(t) + 3600).min(b);
                per.entry((agent, hour_of(t)))
                    .or_default()
                    .entry(status_name(st))
                    .or_default()
                    .add(end - t);
                t = end;
            }
        };
        for c in &cc.state_log {
            add(
                cc.agents[c.agent].id,
                c.from,
                c.from_since.timestamp(),
                c.at.timestamp(),
            );
        }
        for a in &cc.agents {
            add(a.id, a.state, a.since.timestamp(), cc.now.timestamp());
        }
        let mut groups: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
        for ((agent, start), statuses) in per {
            let (date, hour) = date_hour(start);
            let acd: serde_json::Map<String, Value> = statuses
                .into_iter()
                .map(|(k, s)| (k.to_string(), s.json()))
                .collect();
            groups
                .entry(agent)
                .or_default()
                .push(json!({"date": date, "hour": hour, "acd_status": acd}));
        }
        let result: Vec<Value> = groups
            .into_iter()
            .map(|(u, stats)| json!({"user_id": u, "statistics": stats}))
            .collect();
        ok(json!({ "result": result }))
    }

    fn queue_statistics(&self, cc: &ContactCenter, p: &Params) -> SimResponse {
        let (from, to) = match p.range(cc.now) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let queues = selected(cc, p.get("acd_queue_id"));
        let sla = queues
            .iter()
            .map(|&q| cc.queues[q].sla_seconds as i64)
            .min()
            .unwrap_or(20);
        #[derive(Default)]
        struct Hour {
            total: u64,
            answered: u64,
            abandoned: u64,
            in_sla: u64,
            in_sla3: u64,
            wt: Stat,
            at: Stat,
            ht: Stat,
            tt: Stat,
            acw: Stat,
        }
        let mut hours: BTreeMap<i64, Hour> = BTreeMap::new();
        for it in cc
            .interactions
            .iter()
            .filter(|it| queues.contains(&it.queue))
        {
            let t = it.entered.timestamp();
            if t < from || t >= to {
                continue;
            }
            let h = hours.entry(hour_of(t)).or_default();
            h.total += 1;
            let wait = it.wait_seconds(cc.now);
            match it.outcome {
                Outcome::Answered { .. } => {
                    h.answered += 1;
                    h.wt.add(wait);
                    h.in_sla += u64::from(wait <= sla);
                    h.in_sla3 += u64::from(wait <= sla * 3);
                    // Handling counts once the after-call work is over: HT is the sum
                    // of the call's talk time and after-call work.
                    if let Some(hd) = it.handling() {
                        h.ht.add(hd.talk_seconds + hd.wrap_seconds);
                        h.tt.add(hd.talk_seconds);
                        h.acw.add(hd.wrap_seconds);
                    }
                }
                Outcome::Abandoned { .. } => {
                    h.abandoned += 1;
                    h.wt.add(wait);
                    h.at.add(wait);
                }
                Outcome::Waiting | Outcome::Offered { .. } => {}
            }
        }
        let pct = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        let report = Report::parse(p.get("report"));
        let result: Vec<Value> = hours
            .into_iter()
            .map(|(start, h)| {
                let (date, hour) = date_hour(start);
                let mut record = json!({
                    "date": date, "hour": hour,
                    "WT": h.wt.json(), "AT": h.at.json(),
                    "HT": h.ht.json(), "TT": h.tt.json(), "ACW": h.acw.json(),
                    "TC": h.total,
                    "AC": [{"count": h.answered, "percent": pct(h.answered, h.total)}],
                    "UAC": [{"count": h.abandoned, "percent": pct(h.abandoned, h.total)}],
                    "RC": [{"count": 0, "percent": 0}],
                    "SL": [
                        {"acceptable_waiting_time": sla, "call_count": h.in_sla, "service_level": pct(h.in_sla, h.total)},
                        {"acceptable_waiting_time": sla * 3, "call_count": h.in_sla3, "service_level": pct(h.in_sla3, h.total)}
                    ],
                    "TWT": h.wt.sum, "TAT": h.at.sum,
                    "THT": h.ht.sum, "TTT": h.tt.sum, "TACW": h.acw.sum
                });
                report.retain(&mut record);
                record
            })
            .collect();
        ok(json!({ "result": result }))
    }
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        let Some(method) = req.path.strip_prefix("/platform_api/") else {
            return SimResponse::with_status(404, "text/plain", "not found\n");
        };
        if req.method != "POST" && req.method != "GET" {
            return SimResponse::with_status(405, "text/plain", "method not allowed\n");
        }
        let auth = req
            .headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // The simulation moves in whole seconds; tokens are checked against its clock.
        let now = cc
            .now
            .duration_trunc(Duration::seconds(1))
            .unwrap_or(cc.now);
        if verify_token(
            auth,
            &self.public_key_pem,
            self.account_id,
            &self.key_id,
            now,
        )
        .is_err()
        {
            return error(100, "Authorization failed");
        }
        let mut params = req.query.clone();
        params.extend(url::form_urlencoded::parse(&req.body).into_owned());
        let p = Params(params);
        match method {
            "GetUsers" => self.users(cc, &p),
            "GetQueues" => self.queues(cc, &p),
            "GetApplications" => ok(json!({
                "result": [{"application_id": self.application_id,
                    "application_name": "demo.demo-account.voximplant.com",
                    "modified": "2026-01-05 09:00:00", "secure_record_storage": false}],
                "total_count": 1, "count": 1
            })),
            "GetACDState" => self.acd_state(cc, &p),
            "GetACDOperatorStatusStatistics" => self.status_statistics(cc, &p),
            "GetACDQueueStatistics" => self.queue_statistics(cc, &p),
            _ => error(103, "Unknown command"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_keeps_only_the_selected_items() {
        let record =
            || json!({"date": "2026-03-02", "hour": 10, "TC": 3, "HT": {"count": 1}, "TTT": 5});
        let mut r = record();
        Report::parse(Some("TC;HT")).retain(&mut r);
        assert_eq!(
            r,
            json!({"date": "2026-03-02", "hour": 10, "TC": 3, "HT": {"count": 1}})
        );
        for all in [None, Some("all"), Some("")] {
            let mut r = record();
            Report::parse(all).retain(&mut r);
            assert_eq!(r, record());
        }
    }
}
