//! The User Monitoring API for `--demo`, rendered from the simulated contact center:
//! one session row per logged-in agent and queue it serves, one customer row per
//! waiting interaction, paged with `offset`/`limit` like the vendor.

use serde_json::{json, Value};

use super::config::{Config, DEFAULT_PAGE_SIZE};
use crate::model::Channel;
use crate::secret::Secret;
use crate::simulator::{ContactCenter, SimRequest, SimResponse, SimState, SimulatedApi};

/// The demo's contact center id.
pub const DEMO_CC_ID: u64 = 6;
/// The demo's API user.
pub const DEMO_USER: &str = "demo";
/// The demo's API password (it protects nothing but the loopback demo).
pub const DEMO_PASSWORD: &str = "demo-exotel-password";

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        cc_id: DEMO_CC_ID,
        username: DEMO_USER.into(),
        password: Secret::new(DEMO_PASSWORD),
        page_size: DEFAULT_PAGE_SIZE,
    };
    (
        cfg,
        Api {
            cc_id: DEMO_CC_ID,
            username: DEMO_USER.into(),
            password: DEMO_PASSWORD.into(),
        },
    )
}

/// The simulated API.
pub struct Api {
    /// Contact center id it answers for.
    pub cc_id: u64,
    /// Accepted user.
    pub username: String,
    /// Accepted password.
    pub password: String,
}

fn status_name(s: SimState) -> Option<&'static str> {
    Some(match s {
        SimState::Offline => return None,
        SimState::Unavailable => "Not Ready",
        SimState::Available => "Ready",
        SimState::Ringing => "Ringing",
        SimState::Busy => "On Call",
        SimState::WrapUp => "Wrap-up",
        SimState::Break => "Break",
    })
}

fn channel_type(c: Channel) -> &'static str {
    match c {
        Channel::Voice => "VOICE",
        Channel::Voicemail => "VOICEMAIL",
        Channel::Chat => "CHAT",
        Channel::Email => "EMAIL",
        Channel::Other => "OTHER",
    }
}

fn error(status: u16, text: &str, code: &str, msg: &str) -> SimResponse {
    let body =
        json!({"statusCode": status, "status": text, "errorCode": code, "errorMessage": msg});
    SimResponse::with_status(status, "application/json", body.to_string())
}

/// All rows of a table, before paging.
pub fn rows(cc: &ContactCenter, table: &str) -> Option<Vec<Value>> {
    let now = cc.now;
    match table {
        "user-session-information" => Some(
            cc.agents
                .iter()
                .filter_map(|a| status_name(a.state).map(|st| (a, st)))
                .flat_map(|(a, st)| {
                    a.queues.iter().map(move |&q| {
                        let queue = &cc.queues[q];
                        json!({"data": {
                            "contact_center_id": DEMO_CC_ID,
                            "user_id": a.username, "user_name": a.full_name,
                            "user_status": st,
                            "user_status_duration": (now - a.since).num_seconds(),
                            "campaign_id": queue.id, "campaign_name": queue.name,
                            "queue_id": null, "queue_name": null,
                            "channel_details": {"channel_type": channel_type(queue.channel), "addition_details": {}},
                            "customer_status": null, "customer_status_duration": null,
                            "waiting": false
                        }})
                    })
                })
                .collect(),
        ),
        "customer-information" => Some(
            (0..cc.queues.len())
                .flat_map(|q| cc.waiting(q).map(move |it| (q, it)))
                .map(|(q, it)| {
                    let queue = &cc.queues[q];
                    json!({"data": {
                        "contact_center_id": DEMO_CC_ID,
                        "user_id": null, "user_name": null, "user_status": null,
                        "campaign_id": queue.id, "campaign_name": queue.name,
                        "interaction_id": format!("sim-{}", it.id),
                        "channel_details": {"channel_type": channel_type(queue.channel), "addition_details": {}},
                        "customer_status": "connected",
                        "customer_status_duration": it.wait_seconds(now),
                        "waiting": true
                    }})
                })
                .collect(),
        ),
        _ => None,
    }
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        if !req.basic_auth_is(&self.username, &self.password) {
            return error(
                401,
                "Unauthorized",
                "CONF-1002",
                "Authentication token is missing or invalid.",
            );
        }
        let want = format!(
            "/v4/cc-list/{}/monitoring/user-session-information",
            self.cc_id
        );
        if req.method != "GET" || req.path != want {
            return error(404, "Not Found", "CONF-1004", "Object doesn't exist.");
        }
        let table = req.param("table-name").unwrap_or_default();
        let Some(all) = rows(cc, table) else {
            return error(
                400,
                "Bad Request",
                "CONF-1001",
                "Invalid input or malformed request.",
            );
        };
        let offset: usize = req
            .param("offset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let limit: usize = req
            .param("limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(100);
        let page: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
        let body = json!({
            "http_code": 200, "method": "GET", "request_id": format!("sim-{}", cc.now.timestamp()),
            "response": page,
            "metadata": {"total": all.len(), "count": page.len(), "offset": offset, "limit": limit}
        });
        SimResponse::json(body.to_string().into_bytes())
    }
}
