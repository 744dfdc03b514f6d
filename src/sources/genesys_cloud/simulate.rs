//! Genesys Cloud's API for `--demo`, rendered from the simulated contact center in the
//! documented shapes: the client-credentials grant (Basic auth, `expires_in` a number),
//! bearer tokens that expire, the paged queue listing (`pageNumber`/`pageSize`,
//! `pageCount`), and the three analytics queries, which read their JSON bodies and
//! refuse more than 100 queue predicates with Genesys's `ErrorBody`.
//!
//! Aggregates count events inside the asked interval: offered when entered, answered
//! and abandoned when that happened (with the wait in ms), handled, talk and after-call
//! work when the after-call work ended; like Genesys, metrics without data and groups
//! without metrics are left out. Ringing, talking and wrapping-up agents are on queue
//! and `INTERACTING`; simulated breaks are `BREAK`, unavailable agents `AWAY`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::config::Config;
use crate::model::Channel;
use crate::secret::Secret;
use crate::simulator::{
    ContactCenter, Outcome, SimRequest, SimResponse, SimState, SimulatedApi, TokenBook,
};

/// The demo OAuth client id.
pub const DEMO_CLIENT_ID: &str = "demo-genesys-client";
/// The demo OAuth client secret.
pub const DEMO_CLIENT_SECRET: &str = "demo-genesys-secret";
/// How every demo access token starts (the rest numbers it).
pub const DEMO_TOKEN_PREFIX: &str = "demogc";
/// Lifetime of a simulated token: the default of an OAuth client (24 h, less a second).
pub const TOKEN_LIFETIME_SECONDS: i64 = 86399;
/// Queue ids an analytics query may name here.
pub const MAX_PREDICATES: usize = 100;
/// The largest queue page served.
pub const MAX_PAGE_SIZE: u64 = 500;

/// The organization presence ids of the simulated org, per system presence.
pub const PRESENCES: [(&str, &str); 4] = [
    ("OFFLINE", "ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5"),
    ("AWAY", "5e5c5c66-ea97-4e7f-ac41-6424784829f2"),
    ("BREAK", "1b2c3d4e-0000-4000-8000-0000000000b1"),
    ("ON_QUEUE", "e08eaf1b-ee47-4fa9-a231-1200e284798f"),
];

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        api_url: base_url.clone(),
        login_url: base_url.clone(),
        region: None,
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
        queues: None,
        time_zone: chrono_tz::UTC,
    };
    (cfg, Api::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
}

/// The queue id the API uses for a simulated queue.
pub fn queue_id(id: u32) -> String {
    format!("00000000-0000-4000-8000-{id:012}")
}

/// The simulated API.
pub struct Api {
    tokens: TokenBook,
}

impl Api {
    /// An API accepting the client `client_id`/`client_secret`.
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

    /// Revokes every token (as deleting the OAuth client's sessions would).
    pub fn revoke_all(&self) {
        self.tokens.revoke_all();
    }

    fn issue(&self, now: DateTime<Utc>) -> SimResponse {
        let token = self.tokens.issue(now);
        let body = json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
        });
        SimResponse::json(body.to_string().into_bytes())
    }
}

fn error(status: u16, code: &str, message: &str) -> SimResponse {
    SimResponse::with_status(
        status,
        "application/json",
        json!({"message": message, "code": code, "status": status, "contextId": "sim", "details": [], "errors": []})
            .to_string(),
    )
}

/// The `mediaSettings` key of a simulated queue's channel.
fn media_setting(c: Channel) -> &'static str {
    match c {
        Channel::Voice => "call",
        Channel::Chat => "chat",
        Channel::Email => "email",
        Channel::Voicemail | Channel::Other => "callback",
    }
}

/// The analytics media type of a simulated queue's channel.
fn media_type(c: Channel) -> &'static str {
    match c {
        Channel::Voice => "voice",
        Channel::Chat => "chat",
        Channel::Email => "email",
        Channel::Voicemail | Channel::Other => "callback",
    }
}

/// System presence and, on queue, routing status of a simulated state.
pub fn presence_of(s: SimState) -> (&'static str, Option<&'static str>) {
    match s {
        SimState::Offline => ("OFFLINE", None),
        SimState::Unavailable => ("AWAY", None),
        SimState::Break => ("BREAK", None),
        SimState::Available => ("ON_QUEUE", Some("IDLE")),
        SimState::Ringing | SimState::Busy | SimState::WrapUp => ("ON_QUEUE", Some("INTERACTING")),
    }
}

fn presence_id(system: &str) -> &'static str {
    PRESENCES
        .iter()
        .find(|(s, _)| *s == system)
        .map(|(_, id)| *id)
        .unwrap_or(PRESENCES[0].1)
}

/// The queue indexes named by a query body's `filter.predicates` (a 400 for none, an
/// unknown id or more than [`MAX_PREDICATES`]).
fn queues_of(body: &Value, cc: &ContactCenter) -> Result<Vec<usize>, SimResponse> {
    let preds = body
        .get("filter")
        .and_then(|f| f.get("predicates"))
        .and_then(Value::as_array)
        .ok_or_else(|| error(400, "bad.request", "Invalid query: a filter is required"))?;
    if preds.len() > MAX_PREDICATES {
        return Err(error(
            400,
            "bad.request",
            &format!("Invalid query: at most {MAX_PREDICATES} predicates"),
        ));
    }
    let mut out = Vec::with_capacity(preds.len());
    for p in preds {
        let id = p.get("value").and_then(Value::as_str).unwrap_or("");
        match cc.queues.iter().position(|q| queue_id(q.id) == id) {
            Some(i) => out.push(i),
            None => {
                return Err(error(
                    400,
                    "bad.request",
                    &format!("Invalid query: unknown queueId {id}"),
                ))
            }
        }
    }
    Ok(out)
}

fn stats(count: u64, sum_ms: i64) -> Value {
    json!({"count": count, "sum": sum_ms})
}

impl Api {
    fn queues(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        let size = match req.param("pageSize").map(|s| s.parse::<u64>()) {
            None => 25,
            Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => return error(400, "bad.request", "pageSize must be between 1 and 500"),
        };
        let page = match req.param("pageNumber").map(|s| s.parse::<u64>()) {
            None => 1,
            Some(Ok(n)) if n >= 1 => n,
            _ => return error(400, "bad.request", "pageNumber must be at least 1"),
        };
        let total = cc.queues.len() as u64;
        let entities: Vec<Value> = cc
            .queues
            .iter()
            .skip(((page - 1) * size) as usize)
            .take(size as usize)
            .map(|q| {
                let mut media = serde_json::Map::new();
                media.insert(
                    media_setting(q.channel).into(),
                    json!({"alertingTimeoutSeconds": 8, "serviceLevel": {"percentage": 0.8, "durationMs": u64::from(q.sla_seconds) * 1000}}),
                );
                json!({"id": queue_id(q.id), "name": q.name, "mediaSettings": media,
                       "selfUri": format!("/api/v2/routing/queues/{}", queue_id(q.id))})
            })
            .collect();
        let body = json!({"entities": entities, "pageSize": size, "pageNumber": page,
                          "total": total, "pageCount": total.div_ceil(size)});
        SimResponse::json(body.to_string().into_bytes())
    }

    fn observations(&self, body: &Value, cc: &ContactCenter) -> SimResponse {
        let wanted = match queues_of(body, cc) {
            Ok(w) => w,
            Err(e) => return e,
        };
        let mut results = Vec::new();
        for &qi in &wanted {
            let q = &cc.queues[qi];
            let waiting: Vec<&crate::simulator::model::Interaction> = cc.waiting(qi).collect();
            let observations: Vec<Value> = waiting
                .iter()
                .map(|it| json!({"observationDate": it.entered.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                                 "conversationId": format!("sim-{}", it.id), "direction": "inbound", "routingPriority": 0}))
                .collect();
            results.push(json!({"group": {"queueId": queue_id(q.id), "mediaType": media_type(q.channel)},
                "data": [{"metric": "oWaiting", "stats": {"count": waiting.len()}, "truncated": false,
                          "observations": observations}]}));
            let mut on: HashMap<&str, u64> = HashMap::new();
            let mut off: HashMap<&str, u64> = HashMap::new();
            for a in cc.agents.iter().filter(|a| a.queues.contains(&qi)) {
                match presence_of(a.state) {
                    ("OFFLINE", _) => {}
                    (_, Some(status)) => *on.entry(status).or_insert(0) += 1,
                    (p, None) => *off.entry(presence_id(p)).or_insert(0) += 1,
                }
            }
            let mut data: Vec<Value> = Vec::new();
            let mut on: Vec<_> = on.into_iter().collect();
            on.sort();
            let mut off: Vec<_> = off.into_iter().collect();
            off.sort();
            for (status, n) in on {
                data.push(
                    json!({"metric": "oOnQueueUsers", "qualifier": status, "stats": {"count": n}}),
                );
            }
            for (id, n) in off {
                data.push(
                    json!({"metric": "oOffQueueUsers", "qualifier": id, "stats": {"count": n}}),
                );
            }
            if !data.is_empty() {
                results.push(json!({"group": {"queueId": queue_id(q.id)}, "data": data}));
            }
        }
        let mut mappings = serde_json::Map::new();
        for (system, id) in PRESENCES {
            mappings.insert(system.into(), json!([id]));
        }
        // The answer's Date is the simulation's clock, as a real server's is its own.
        SimResponse::json(
            json!({"systemToOrganizationMappings": mappings, "results": results})
                .to_string()
                .into_bytes(),
        )
        .header(
            "date",
            cc.now.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        )
    }

    fn aggregates(&self, body: &Value, cc: &ContactCenter) -> SimResponse {
        let wanted = match queues_of(body, cc) {
            Ok(w) => w,
            Err(e) => return e,
        };
        let interval = body.get("interval").and_then(Value::as_str).unwrap_or("");
        let parsed = interval.split_once('/').and_then(|(a, b)| {
            Some((
                DateTime::parse_from_rfc3339(a).ok()?.with_timezone(&Utc),
                DateTime::parse_from_rfc3339(b).ok()?.with_timezone(&Utc),
            ))
        });
        let Some((from, to)) = parsed.filter(|(a, b)| a < b) else {
            return error(400, "bad.request", "Invalid interval");
        };
        let within = |t: DateTime<Utc>| t >= from && t < to;
        #[derive(Default)]
        struct F {
            offered: u64,
            answered: (u64, i64),
            abandoned: (u64, i64),
            over_sla: u64,
            handled: (u64, i64),
            talk: (u64, i64),
            acw: (u64, i64),
        }
        let mut f: HashMap<usize, F> = HashMap::new();
        for it in cc
            .interactions
            .iter()
            .filter(|it| wanted.contains(&it.queue))
        {
            let e = f.entry(it.queue).or_default();
            if within(it.entered) {
                e.offered += 1;
            }
            match it.outcome {
                Outcome::Answered { at, .. } if within(at) => {
                    let w = it.wait_seconds(cc.now);
                    e.answered.0 += 1;
                    e.answered.1 += w * 1000;
                    if w > i64::from(cc.queues[it.queue].sla_seconds) {
                        e.over_sla += 1;
                    }
                }
                Outcome::Abandoned { at } if within(at) => {
                    e.abandoned.0 += 1;
                    e.abandoned.1 += it.wait_seconds(cc.now) * 1000;
                }
                _ => {}
            }
            if let Some(h) = it.handling().filter(|h| within(h.finished)) {
                e.handled.0 += 1;
                e.handled.1 += (h.talk_seconds + h.wrap_seconds) * 1000;
                e.talk.0 += 1;
                e.talk.1 += h.talk_seconds * 1000;
                e.acw.0 += 1;
                e.acw.1 += h.wrap_seconds * 1000;
            }
        }
        let mut results = Vec::new();
        for &qi in &wanted {
            let Some(e) = f.get(&qi) else { continue };
            let mut metrics = Vec::new();
            let mut put = |name: &str, v: Value, n: u64| {
                if n > 0 {
                    metrics.push(json!({"metric": name, "stats": v}));
                }
            };
            put("nOffered", json!({"count": e.offered}), e.offered);
            put("tAnswered", stats(e.answered.0, e.answered.1), e.answered.0);
            put(
                "tAbandon",
                stats(e.abandoned.0, e.abandoned.1),
                e.abandoned.0,
            );
            put("nOverSla", json!({"count": e.over_sla}), e.over_sla);
            put("tHandle", stats(e.handled.0, e.handled.1), e.handled.0);
            put("tTalkComplete", stats(e.talk.0, e.talk.1), e.talk.0);
            put("tAcw", stats(e.acw.0, e.acw.1), e.acw.0);
            if metrics.is_empty() {
                continue;
            }
            let q = &cc.queues[qi];
            let utc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            results.push(
                json!({"group": {"mediaType": media_type(q.channel), "queueId": queue_id(q.id)},
                "data": [{"interval": format!("{}/{}", utc(from), utc(to)), "metrics": metrics}]}),
            );
        }
        let body = if results.is_empty() {
            json!({})
        } else {
            json!({ "results": results })
        };
        SimResponse::json(body.to_string().into_bytes())
    }

    fn status_counts(&self, cc: &ContactCenter) -> SimResponse {
        let mut presence: Vec<(&str, u64)> = Vec::new();
        let mut routing: Vec<(&str, u64)> = vec![("OFF_QUEUE", 0)];
        for a in &cc.agents {
            let (p, status) = presence_of(a.state);
            match presence.iter_mut().find(|(n, _)| *n == p) {
                Some((_, c)) => *c += 1,
                None => presence.push((p, 1)),
            }
            let status = status.unwrap_or("OFF_QUEUE");
            match routing.iter_mut().find(|(n, _)| *n == status) {
                Some((_, c)) => *c += 1,
                None => routing.push((status, 1)),
            }
        }
        let presence: Vec<Value> = presence
            .into_iter()
            .map(|(p, n)| json!({"systemPresence": p, "organizationPresenceId": presence_id(p), "count": n}))
            .collect();
        let routing: Vec<Value> = routing
            .into_iter()
            .map(|(s, n)| json!({"routingStatus": s, "count": n}))
            .collect();
        SimResponse::json(
            json!({"presenceCounts": presence, "routingStatusCounts": routing})
                .to_string()
                .into_bytes(),
        )
    }
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        if req.path == "/oauth/token" {
            if req.method != "POST" {
                return error(405, "method.not.allowed", "Method not allowed");
            }
            let grant = TokenBook::grant_type(req);
            if !self.tokens.client_ok(req) {
                return SimResponse::with_status(
                    401,
                    "application/json",
                    json!({"error": "invalid_client", "description": "client not found", "error_description": "client not found"}).to_string(),
                );
            }
            if grant.as_deref() != Some("client_credentials") {
                return SimResponse::with_status(
                    400,
                    "application/json",
                    json!({"error": "unsupported_grant_type", "description": "grant type not supported", "error_description": "grant type not supported"}).to_string(),
                );
            }
            return self.issue(cc.now);
        }
        let Some(path) = req.path.strip_prefix("/api/v2") else {
            return error(404, "not.found", "The requested resource was not found");
        };
        if !self.tokens.bearer_ok(req, cc.now) {
            return error(401, "bad.credentials", "Invalid login credentials.");
        }
        let json_body = || -> Result<Value, SimResponse> {
            serde_json::from_slice(&req.body)
                .map_err(|_| error(400, "bad.request", "The request could not be understood"))
        };
        match (req.method.as_str(), path) {
            ("GET", "/routing/queues") => self.queues(req, cc),
            ("POST", "/analytics/queues/observations/query") => match json_body() {
                Ok(b) => self.observations(&b, cc),
                Err(e) => e,
            },
            ("POST", "/analytics/conversations/aggregates/query") => match json_body() {
                Ok(b) => self.aggregates(&b, cc),
                Err(e) => e,
            },
            ("POST", "/analytics/agents/status/counts") => self.status_counts(cc),
            _ => error(404, "not.found", "The requested resource was not found"),
        }
    }
}
