//! TaskRouter v1 for `--demo`, rendered from the simulated contact center in the
//! shapes of Twilio's OpenAPI description: HTTP Basic with the demo API key, lists
//! paged by `PageSize`/`PageToken` with an absolute `meta.next_page_url` on Twilio's
//! host (the source must bring it back to its own `base_url`), the bulk real-time
//! statistics (1–50 SIDs a request, else a 400), and cumulative statistics over
//! `StartDate`–`EndDate` split by `SplitByWaitTime`. Errors are Twilio's
//! `{code, message, more_info, status}`.
//!
//! Pending and reserved counts are sent as numeric strings, as the spec's description
//! of `tasks_by_status` shows them. A waiting interaction is a pending Task, one
//! offered to an agent a reserved Task; an accepted one counts in
//! `reservations_accepted` when accepted, a completed one in `tasks_completed` when
//! its after-call work ends, and an abandoned one in `tasks_canceled`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::config::Config;
use crate::secret::Secret;
use crate::simulator::{ContactCenter, Outcome, SimRequest, SimResponse, SimState, SimulatedApi};

/// The demo Workspace.
pub const DEMO_WORKSPACE_SID: &str = "WS00000000000000000000000000000de0";
/// The demo API key SID.
pub const DEMO_KEY_SID: &str = "SK00000000000000000000000000000de0";
/// The demo API key's secret.
pub const DEMO_KEY_SECRET: &str = "demo-twilio-taskrouter-secret";
/// The host Twilio's own page URLs name.
const TWILIO_HOST: &str = "https://taskrouter.twilio.com";
/// Activities of the demo Workspace, in the order `activity_statistics` lists them.
const ACTIVITIES: [&str; 7] = [
    "Available",
    "Reserved",
    "Busy",
    "Wrap-up",
    "Break",
    "Unavailable",
    "Offline",
];

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        workspace_sid: DEMO_WORKSPACE_SID.into(),
        api_key_sid: DEMO_KEY_SID.into(),
        api_key_secret: Secret::new(DEMO_KEY_SECRET),
        queues: None,
        sla_seconds: super::config::DEFAULT_SLA_SECONDS,
        time_zone: chrono_tz::UTC,
    };
    (cfg, Api::new(DEMO_KEY_SID, DEMO_KEY_SECRET))
}

/// The simulated API.
pub struct Api {
    key_sid: String,
    secret: String,
}

impl Api {
    /// An API accepting the key `key_sid`/`secret`.
    pub fn new(key_sid: &str, secret: &str) -> Self {
        Api {
            key_sid: key_sid.into(),
            secret: secret.into(),
        }
    }
}

/// The Activity of an agent in a simulated state.
pub fn activity_name(s: SimState) -> &'static str {
    match s {
        SimState::Available => ACTIVITIES[0],
        SimState::Ringing => ACTIVITIES[1],
        SimState::Busy => ACTIVITIES[2],
        SimState::WrapUp => ACTIVITIES[3],
        SimState::Break => ACTIVITIES[4],
        SimState::Unavailable => ACTIVITIES[5],
        SimState::Offline => ACTIVITIES[6],
    }
}

/// The TaskQueue SID of a simulated queue.
pub fn queue_sid(id: u32) -> String {
    format!("WQ{id:032x}")
}

/// The Worker SID of a simulated agent.
pub fn worker_sid(id: u32) -> String {
    format!("WK{id:032x}")
}

fn activity_sid(i: usize) -> String {
    format!("WA{i:032x}")
}

/// Twilio's error body.
pub fn error(status: u16, code: u32, message: &str) -> SimResponse {
    SimResponse::with_status(
        status,
        "application/json",
        json!({"code": code, "message": message,
               "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status})
        .to_string(),
    )
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One page of `items` under `key`, `PageSize` (1–1000, default 50) from the offset in
/// `PageToken`, with Twilio's `meta`.
fn paged(req: &SimRequest, path: &str, key: &str, items: Vec<Value>) -> SimResponse {
    let size: usize = match req.param("PageSize").map(|s| s.trim().parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        _ => return error(400, 20001, "PageSize must be between 1 and 1000"),
    };
    let offset: usize = match req.param("PageToken") {
        None => 0,
        Some(t) => match t.strip_prefix("PT").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return error(400, 20001, "Invalid PageToken"),
        },
    };
    let page = offset / size;
    let total = items.len();
    let url = |page: usize, token: Option<usize>| {
        let token = token
            .map(|t| format!("&PageToken=PT{t}"))
            .unwrap_or_default();
        format!("{TWILIO_HOST}{path}?PageSize={size}&Page={page}{token}")
    };
    let next = (offset + size < total).then(|| url(page + 1, Some(offset + size)));
    let list: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let body = json!({
        key: list,
        "meta": {"first_page_url": url(0, None), "key": key, "next_page_url": next,
                 "page": page, "page_size": size, "previous_page_url": Value::Null,
                 "url": url(page, (offset > 0).then_some(offset))}
    });
    SimResponse::json(body.to_string().into_bytes())
}

impl Api {
    fn task_queues(&self, req: &SimRequest, path: &str, cc: &ContactCenter) -> SimResponse {
        let items = cc
            .queues
            .iter()
            .map(|q| {
                json!({"account_sid": "AC00000000000000000000000000000de0", "sid": queue_sid(q.id),
                       "friendly_name": q.name, "task_order": "FIFO", "target_workers": "1==1",
                       "max_reserved_workers": 1, "workspace_sid": DEMO_WORKSPACE_SID})
            })
            .collect();
        paged(req, path, "task_queues", items)
    }

    fn workers(&self, req: &SimRequest, path: &str, cc: &ContactCenter) -> SimResponse {
        let items = cc
            .agents
            .iter()
            .map(|a| {
                json!({"sid": worker_sid(a.id), "friendly_name": a.full_name,
                       "activity_name": activity_name(a.state),
                       "activity_sid": activity_sid(ACTIVITIES.iter().position(|n| *n == activity_name(a.state)).unwrap_or(0)),
                       "available": a.state == SimState::Available, "attributes": "{}",
                       "date_status_changed": time(a.since), "workspace_sid": DEMO_WORKSPACE_SID})
            })
            .collect();
        paged(req, path, "workers", items)
    }

    fn activities(&self, req: &SimRequest, path: &str) -> SimResponse {
        let items = ACTIVITIES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                json!({"account_sid": "AC00000000000000000000000000000de0", "sid": activity_sid(i),
                       "friendly_name": name, "available": *name == activity_name(SimState::Available),
                       "workspace_sid": DEMO_WORKSPACE_SID})
            })
            .collect();
        paged(req, path, "activities", items)
    }

    fn bulk(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        let sids: Vec<String> = match serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|v| v.get("queueSids").cloned())
        {
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect(),
            _ => return error(400, 20001, "queueSids is required"),
        };
        if sids.is_empty() || sids.len() > super::api::BULK_MAX {
            return error(400, 20001, "queueSids must hold 1 to 50 TaskQueue SIDs");
        }
        if let Some(bad) = sids.iter().find(|s| !super::config::is_sid(s, &["WQ"])) {
            return error(400, 20001, &format!("Invalid TaskQueue SID {bad}"));
        }
        let data: Vec<Value> = sids.iter().map(|sid| real_time(cc, sid)).collect();
        SimResponse::json(
            json!({"account_sid": "AC00000000000000000000000000000de0",
                   "workspace_sid": DEMO_WORKSPACE_SID,
                   "url": format!("{TWILIO_HOST}/v1/Workspaces/{DEMO_WORKSPACE_SID}/TaskQueues/RealTimeStatistics"),
                   "task_queue_response_count": data.len(), "task_queue_data": data})
            .to_string()
            .into_bytes(),
        )
    }

    fn cumulative(&self, req: &SimRequest, cc: &ContactCenter, sid: &str) -> SimResponse {
        let Some(qi) = cc.queues.iter().position(|q| queue_sid(q.id) == sid) else {
            return error(404, 20404, "The requested resource was not found");
        };
        let parse = |name: &str| {
            req.param(name)
                .map(|s| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)))
        };
        if req.param("Minutes").is_some() && req.param("StartDate").is_some() {
            return error(
                400,
                20001,
                "Minutes cannot be used with StartDate or EndDate",
            );
        }
        let start = match parse("StartDate") {
            None => cc.now - chrono::Duration::minutes(15),
            Some(Ok(t)) => t,
            Some(Err(_)) => return error(400, 20001, "Invalid StartDate"),
        };
        let end = match parse("EndDate") {
            None => cc.now,
            Some(Ok(t)) => t.min(cc.now),
            Some(Err(_)) => return error(400, 20001, "Invalid EndDate"),
        };
        let thresholds: Vec<i64> = match req.param("SplitByWaitTime") {
            None => vec![],
            Some(s) => match s.split(',').map(|t| t.trim().parse::<i64>()).collect() {
                Ok(v) => v,
                Err(_) => return error(400, 20001, "Invalid SplitByWaitTime"),
            },
        };
        let within = |t: DateTime<Utc>| t >= start && t < end;
        let (mut entered, mut accepted, mut canceled, mut completed) = (0u64, 0u64, 0u64, 0u64);
        let mut split: Vec<[u64; 4]> = vec![[0; 4]; thresholds.len()];
        for it in cc.interactions.iter().filter(|i| i.queue == qi) {
            if within(it.entered) {
                entered += 1;
            }
            if it.handling().is_some_and(|h| within(h.finished)) {
                completed += 1;
            }
            let (slot, at) = match it.outcome {
                Outcome::Answered { at, .. } => (0, at),
                Outcome::Abandoned { at } => (2, at),
                _ => continue,
            };
            if !within(at) {
                continue;
            }
            if slot == 0 {
                accepted += 1;
            } else {
                canceled += 1;
            }
            let wait = it.wait_seconds(cc.now);
            for (i, t) in thresholds.iter().enumerate() {
                // [accepted below, accepted above, canceled below, canceled above]
                split[i][slot + usize::from(wait > *t)] += 1;
            }
        }
        let split_json: serde_json::Map<String, Value> = thresholds
            .iter()
            .zip(&split)
            .map(|(t, s)| {
                (
                    t.to_string(),
                    json!({
                    "below": {"reservations_accepted": s[0], "tasks_canceled": s[2]},
                    "above": {"reservations_accepted": s[1], "tasks_canceled": s[3]}}),
                )
            })
            .collect();
        let body = json!({
            "account_sid": "AC00000000000000000000000000000de0", "workspace_sid": DEMO_WORKSPACE_SID,
            "task_queue_sid": sid, "start_time": time(start), "end_time": time(end),
            "tasks_entered": entered, "reservations_accepted": accepted, "reservations_created": accepted,
            "tasks_canceled": canceled, "tasks_completed": completed, "tasks_deleted": 0, "tasks_moved": 0,
            "reservations_rejected": 0, "reservations_timed_out": 0, "reservations_canceled": 0,
            "reservations_rescinded": 0, "avg_task_acceptance_time": 0,
            "split_by_wait_time": if thresholds.is_empty() { Value::Null } else { Value::Object(split_json) },
        });
        SimResponse::json(body.to_string().into_bytes())
    }
}

/// One TaskQueue's real-time statistics (zeros for a SID of no queue, as TaskRouter
/// answers for another account's).
fn real_time(cc: &ContactCenter, sid: &str) -> Value {
    let qi = cc.queues.iter().position(|q| queue_sid(q.id) == sid);
    let (mut pending, mut reserved, mut longest) = (0u64, 0u64, 0i64);
    let mut workers = [0u64; ACTIVITIES.len()];
    if let Some(qi) = qi {
        for it in cc.interactions.iter().filter(|i| i.queue == qi) {
            match it.outcome {
                Outcome::Waiting => pending += 1,
                Outcome::Offered { .. } => reserved += 1,
                _ => continue,
            }
            longest = longest.max(it.wait_seconds(cc.now));
        }
        for a in cc.agents.iter().filter(|a| a.queues.contains(&qi)) {
            if let Some(i) = ACTIVITIES.iter().position(|n| *n == activity_name(a.state)) {
                workers[i] += 1;
            }
        }
    }
    let activity_statistics: Vec<Value> = ACTIVITIES
        .iter()
        .zip(workers)
        .enumerate()
        .map(|(i, (n, w))| json!({"friendly_name": n, "workers": w, "sid": activity_sid(i)}))
        .collect();
    json!({
        "task_queue_sid": sid, "longest_task_waiting_age": longest,
        "longest_task_waiting_sid": Value::Null,
        "total_tasks": pending + reserved,
        "total_eligible_workers": workers.iter().sum::<u64>(),
        "total_available_workers": workers[0],
        "tasks_by_status": {"pending": pending.to_string(), "reserved": reserved.to_string(),
                            "assigned": "0", "wrapping": "0"},
        "tasks_by_priority": {}, "activity_statistics": activity_statistics,
    })
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        if !req.basic_auth_is(&self.key_sid, &self.secret) {
            return error(401, 20003, "Authenticate");
        }
        let path = req.path.as_str();
        let Some(rest) = path
            .strip_prefix("/v1/Workspaces/")
            .and_then(|r| r.strip_prefix(DEMO_WORKSPACE_SID))
        else {
            return error(404, 20404, "The requested resource was not found");
        };
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        match (req.method.as_str(), parts.as_slice()) {
            ("GET", ["TaskQueues"]) => self.task_queues(req, path, cc),
            ("POST", ["TaskQueues", "RealTimeStatistics"]) => self.bulk(req, cc),
            ("GET", ["TaskQueues", sid, "RealTimeStatistics"]) => {
                SimResponse::json(real_time(cc, sid).to_string().into_bytes())
            }
            ("GET", ["TaskQueues", sid, "CumulativeStatistics"]) => self.cumulative(req, cc, sid),
            ("GET", ["Workers"]) => self.workers(req, path, cc),
            ("GET", ["Activities"]) => self.activities(req, path),
            _ => error(404, 20404, "The requested resource was not found"),
        }
    }
}
