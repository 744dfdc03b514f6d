//! The real-time metrics API and its token endpoint for `--demo`, rendered from the
//! simulated contact center in the documented shapes: the client-credentials grant
//! (Basic auth, every answer field a string), bearer tokens that expire, `page`/`size`
//! paging with the `X-Page*`/`X-Total-*` headers and the documented 400 bodies, and the
//! `timezone` that decides what `.today` is.
//!
//! `.today` counts events of the local day: entered when entered, accepted and
//! abandoned when that happened; abandons under 5 s are short abandons, not in
//! `abandoned.today`. The per-status agent counts of a queue count its logged-in
//! agents; one offered, handling or wrapping up an interaction of another queue counts
//! as `busyOther.rt` there. Counts are sent as strings ("2"), as the documentation's
//! groups example does, and the longest wait is `null` when nobody waits.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::config::{Config, Region, MAX_PAGE_SIZE};
use super::types::QUEUE_METRICS;
use crate::secret::Secret;
use crate::simulator::{
    ContactCenter, Outcome, SimRequest, SimResponse, SimState, SimulatedApi, TokenBook,
};

/// The demo API key (client id).
pub const DEMO_CLIENT_ID: &str = "demo-8x8-analytics-key";
/// The demo API key's secret.
pub const DEMO_CLIENT_SECRET: &str = "demo-8x8-analytics-secret";
/// How every demo access token starts (the rest numbers it).
pub const DEMO_TOKEN_PREFIX: &str = "demo8x8a";
/// Records per page of the demo source: a demo of more than 100 agents pages.
const DEMO_PAGE_SIZE: u64 = 100;
/// Lifetime of a simulated token, as in 8x8's example.
pub const TOKEN_LIFETIME_SECONDS: i64 = 1799;
/// Abandons shorter than this are short abandons.
const SHORT_ABANDON_SECONDS: i64 = 5;

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        region: Region::Us,
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
        tenant: None,
        queues: None,
        time_zone: chrono_tz::UTC,
        page_size: DEMO_PAGE_SIZE,
    };
    (cfg, Api::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
}

/// The simulated API.
pub struct Api {
    tokens: TokenBook,
}

impl Api {
    /// An API accepting the key `client_id`/`client_secret`.
    pub fn new(client_id: &str, client_secret: &str) -> Self {
        Api {
            tokens: TokenBook::new(
                client_id,
                client_secret,
                DEMO_TOKEN_PREFIX,
                TOKEN_LIFETIME_SECONDS,
            ),
        }
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        self.tokens.issued()
    }

    /// Revokes every token (as an administrator rotating the key would).
    pub fn revoke_all(&self) {
        self.tokens.revoke_all();
    }

    fn issue(&self, now: DateTime<Utc>) -> SimResponse {
        let token = self.tokens.issue(now);
        let body = json!({
            "access_token": token,
            "token_type": "BearerToken",
            "api_product_list": "[analytics realtime-api]",
            "status": "approved",
            "scope": "",
            "refresh_token_expires_in": "0",
            "expires_in": TOKEN_LIFETIME_SECONDS.to_string(),
            "refresh_count": "0",
            "issued_at": now.timestamp_millis().to_string(),
            "api_product_list_json": ["analytics realtime-api"]
        });
        SimResponse::json(body.to_string().into_bytes())
    }
}

fn message(status: u16, text: &str) -> SimResponse {
    SimResponse::with_status(
        status,
        "application/json",
        json!({ "message": text }).to_string(),
    )
}

/// The `status.rt` name of a simulated state.
pub fn status_name(s: SimState) -> &'static str {
    match s {
        SimState::Offline => "LoggedOut",
        SimState::Unavailable => "WorkingOffline",
        SimState::Available => "Available",
        SimState::Ringing => "Offering",
        SimState::Busy => "Handling",
        SimState::WrapUp => "WrapUp",
        SimState::Break => "OnBreak",
    }
}

/// The agent id the API uses for a simulated agent.
pub fn agent_id(id: u32) -> String {
    format!("agSim{id:05}")
}

/// Every value of a repeated, possibly comma-separated parameter.
fn list_param(req: &SimRequest, name: &str) -> Vec<String> {
    req.query
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `.today` figures and current gauges of one queue.
#[derive(Default, Clone)]
struct QueueFigures {
    entered: u64,
    accepted: u64,
    abandoned: u64,
    short_abandoned: u64,
    accepted_in_sla: u64,
    waiting: u64,
    longest_wait_s: Option<i64>,
    /// availableIdle, offering, handling, wrapUp, onBreak, workingOffline, busyOther.
    agents: [u64; 7],
}

fn figures(cc: &ContactCenter, since: DateTime<Utc>) -> Vec<QueueFigures> {
    let now = cc.now;
    let mut out = vec![QueueFigures::default(); cc.queues.len()];
    for it in &cc.interactions {
        let f = &mut out[it.queue];
        if it.entered >= since {
            f.entered += 1;
        }
        match it.outcome {
            Outcome::Answered { at, .. } if at >= since => {
                f.accepted += 1;
                if it.wait_seconds(now) <= i64::from(cc.queues[it.queue].sla_seconds) {
                    f.accepted_in_sla += 1;
                }
            }
            Outcome::Abandoned { at } if at >= since => {
                if it.wait_seconds(now) < SHORT_ABANDON_SECONDS {
                    f.short_abandoned += 1;
                } else {
                    f.abandoned += 1;
                }
            }
            Outcome::Waiting | Outcome::Offered { .. } => {
                f.waiting += 1;
                let w = it.wait_seconds(now);
                f.longest_wait_s = Some(f.longest_wait_s.map_or(w, |l| l.max(w)));
            }
            _ => {}
        }
    }
    for a in &cc.agents {
        let working_on = a.current.map(|i| cc.interactions[i].queue);
        for &q in &a.queues {
            let slot = match a.state {
                SimState::Offline => continue,
                SimState::Available => 0,
                SimState::Break => 4,
                SimState::Unavailable => 5,
                SimState::Ringing | SimState::Busy | SimState::WrapUp if working_on != Some(q) => 6,
                SimState::Ringing => 1,
                SimState::Busy => 2,
                SimState::WrapUp => 3,
            };
            out[q].agents[slot] += 1;
        }
    }
    out
}

/// The value of one queue metric, `None` for a key this simulation does not know.
fn queue_metric(key: &str, f: &QueueFigures, sla_seconds: u32) -> Option<Value> {
    let count = |n: u64| json!(n.to_string());
    Some(match key {
        "entered.today" => json!(f.entered),
        "accepted.today" => json!(f.accepted),
        "abandoned.today" => json!(f.abandoned),
        "shortAbandoned.today" => json!(f.short_abandoned),
        "totalAbandoned.today" => json!(f.abandoned + f.short_abandoned),
        "acceptedInSla.today" => json!(f.accepted_in_sla),
        "slaTimeThreshold.today" => json!(u64::from(sla_seconds) * 1000),
        "interactionsWaitInQueue.rt" => json!(f.waiting),
        "interactionsLongestWaitInQueue.rt" => match f.longest_wait_s {
            Some(s) => json!(s * 1000),
            None => Value::Null,
        },
        "availableIdle.rt" => count(f.agents[0]),
        "offering.rt" => count(f.agents[1]),
        "handling.rt" => count(f.agents[2]),
        "wrapUp.rt" => count(f.agents[3]),
        "onBreak.rt" => count(f.agents[4]),
        "workingOffline.rt" => count(f.agents[5]),
        "busyOther.rt" => count(f.agents[6]),
        "busy.rt" => count(f.agents[1] + f.agents[2] + f.agents[3]),
        "enabled.rt" => count(f.agents.iter().sum()),
        _ => return None,
    })
}

/// What the API has besides what the source asks for ([`QUEUE_METRICS`]): answered when
/// a request names no `metrics=`.
const OTHER_QUEUE_METRICS: [&str; 5] = [
    "shortAbandoned.today",
    "totalAbandoned.today",
    "busyOther.rt",
    "busy.rt",
    "enabled.rt",
];

fn metrics_list(pairs: impl Iterator<Item = (String, Value)>) -> Value {
    Value::Array(pairs.map(|(k, v)| json!({"key": k, "value": v})).collect())
}

/// Renders page `page` of `all` with the paging headers, or the documented 400s.
fn paged(req: &SimRequest, all: Vec<Value>) -> SimResponse {
    let size: u64 = match req.param("size").map(|s| s.trim().parse::<u64>()) {
        None => 100,
        Some(Ok(n)) if n > MAX_PAGE_SIZE => {
            return message(
                400,
                "Bad request: Field 'size' must be less than or equal to 1000",
            )
        }
        Some(Ok(n)) if n >= 1 => n,
        _ => {
            return message(
                400,
                "Bad request: Field 'size' must be greater than or equal to 1",
            )
        }
    };
    let page: u64 = match req.param("page").map(|s| s.trim().parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return message(400, "Bad request: Field 'page' must be a number"),
    };
    let total = all.len() as u64;
    let pages = total.div_ceil(size);
    // Page 0 of an empty list is an empty list; past the last page is a 400.
    if page > 0 && page >= pages {
        return message(
            400,
            &format!(
                "Bad request: Field 'page' must be greater than or equal to 0 and less than the total number of pages, which is {pages} for this request"
            ),
        );
    }
    let items: Vec<Value> = all
        .into_iter()
        .skip((page * size) as usize)
        .take(size as usize)
        .collect();
    SimResponse::json(Value::Array(items).to_string().into_bytes())
        .header("X-Page", page.to_string())
        .header("X-Page-Size", size.to_string())
        .header("X-Total-Pages", pages.to_string())
        .header("X-Total-Elements", total.to_string())
}

impl Api {
    fn queues(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        let tz: chrono_tz::Tz = match req.param("timezone") {
            None => chrono_tz::UTC,
            Some(name) => match name.parse() {
                Ok(tz) => tz,
                Err(_) => return message(400, "Bad request: Invalid timezone"),
            },
        };
        let today = cc.now.with_timezone(&tz).date_naive();
        let since = super::day_start(today, tz);
        let mut wanted: Vec<String> = list_param(req, "metrics");
        if wanted.is_empty() {
            wanted = QUEUE_METRICS
                .iter()
                .chain(&OTHER_QUEUE_METRICS)
                .map(|s| s.to_string())
                .collect();
        }
        let ids = list_param(req, "queue-ids");
        if let Some(bad) = ids
            .iter()
            .find(|id| !cc.queues.iter().any(|q| q.id.to_string() == **id))
        {
            return message(400, &format!("Bad request: Invalid queue id {bad}"));
        }
        let figures = figures(cc, since);
        let all: Vec<Value> =
            cc.queues
                .iter()
                .zip(&figures)
                .filter(|(q, _)| ids.is_empty() || ids.contains(&q.id.to_string()))
                .map(|(q, f)| {
                    let metrics =
                        metrics_list(wanted.iter().filter_map(|k| {
                            queue_metric(k, f, q.sla_seconds).map(|v| (k.clone(), v))
                        }));
                    json!({"id": q.id.to_string(), "name": q.name, "metrics": metrics})
                })
                .collect();
        paged(req, all)
    }

    fn agents(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        let mut wanted: Vec<String> = list_param(req, "metrics");
        if wanted.is_empty() {
            wanted = vec!["status.rt".into(), "timeOnStatus.rt".into()];
        }
        let all: Vec<Value> = cc
            .agents
            .iter()
            .map(|a| {
                let metrics = metrics_list(wanted.iter().filter_map(|k| {
                    let v = match k.as_str() {
                        "status.rt" => json!(status_name(a.state)),
                        "timeOnStatus.rt" => json!((cc.now - a.since).num_milliseconds()),
                        "statusCode.rt" => Value::Null,
                        _ => return None,
                    };
                    Some((k.clone(), v))
                }));
                let group = &cc.groups[a.group];
                json!({"id": agent_id(a.id), "name": a.full_name,
                       "groupId": group.id.to_string(), "groupName": group.name,
                       "metrics": metrics})
            })
            .collect();
        paged(req, all)
    }
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        if req.path == "/oauth/v2/token" {
            let grant = TokenBook::grant_type(req);
            if req.method != "POST" {
                return message(405, "Method not allowed");
            }
            if !self.tokens.client_ok(req) {
                return message(401, "Invalid client credentials");
            }
            if grant.as_deref() != Some("client_credentials") {
                return message(400, "Bad request: grant_type must be client_credentials");
            }
            return self.issue(cc.now);
        }
        let path = ["/eu", "/au", "/ca"]
            .iter()
            .find_map(|p| req.path.strip_prefix(p))
            .unwrap_or(&req.path);
        let Some(endpoint) = path.strip_prefix("/analytics/cc/v5/realtime-metrics") else {
            return message(404, "Not found");
        };
        if req.method != "GET" {
            return message(405, "Method not allowed");
        }
        if !self.tokens.bearer_ok(req, cc.now) {
            return message(401, "Unauthorized");
        }
        match endpoint {
            "/queues" => self.queues(req, cc),
            "/agents" => self.agents(req, cc),
            _ => message(404, "Not found"),
        }
    }
}
