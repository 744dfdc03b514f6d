//! The Connect API for `--demo` and the tests, rendered from the simulated contact
//! center in botocore's shapes: `ListQueues` (STANDARD and AGENT queues, `maxResults`
//! / `nextToken` paging), `GetCurrentMetricData` (grouped rows in seconds; without
//! groupings one summary row whose oldest age is in milliseconds, the documented
//! quirk), `GetMetricDataV2` (one `DAY` interval per queue × channel, counted over the
//! request's range) and `GetCurrentUserData` (active agents only, with their contacts).
//! Every request must carry a valid SigV4 signature for `connect` in the demo region,
//! checked by [`super::verify`]; a refusal is a 403 with the AWS error type.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use super::config::{Config, CredentialSource};
use super::verify::{self, Key, Received};
use crate::model::Channel;
use crate::secret::Secret;
use crate::simulator::{ContactCenter, Outcome, SimRequest, SimResponse, SimState, SimulatedApi};

/// The demo access key id.
pub const DEMO_ACCESS_KEY_ID: &str = "AKIADEMOCONNECT00001";
/// The demo secret access key.
pub const DEMO_SECRET_ACCESS_KEY: &str = "demo/Connect+Secret/Key0000000000000000";
/// The demo region.
pub const DEMO_REGION: &str = "eu-west-2";
/// The demo instance id.
pub const DEMO_INSTANCE_ID: &str = "8a1f7c1e-0000-4000-8000-00000000demo";
/// The demo account.
pub const DEMO_ACCOUNT: &str = "111122223333";

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        region: DEMO_REGION.into(),
        instance_id: DEMO_INSTANCE_ID.into(),
        queues: None,
        time_zone: chrono_tz::UTC,
        sla_threshold_seconds: 20,
        credentials: CredentialSource::Static {
            access_key_id: DEMO_ACCESS_KEY_ID.into(),
            secret_access_key: Secret::new(DEMO_SECRET_ACCESS_KEY),
        },
        role_arn: None,
    };
    let api = Api::new(
        base_url.path(),
        DEMO_REGION,
        DEMO_INSTANCE_ID,
        vec![Key {
            access_key_id: DEMO_ACCESS_KEY_ID.into(),
            secret_access_key: DEMO_SECRET_ACCESS_KEY.into(),
            session_token: None,
        }],
    );
    (cfg, api)
}

/// The simulated API.
pub struct Api {
    mount: String,
    region: String,
    instance_id: String,
    keys: Vec<Key>,
}

impl Api {
    /// An API mounted at path `mount`, for `instance_id` in `region`, accepting `keys`.
    pub fn new(mount: &str, region: &str, instance_id: &str, keys: Vec<Key>) -> Self {
        Api {
            mount: mount.trim_end_matches('/').to_string(),
            region: region.into(),
            instance_id: instance_id.into(),
            keys,
        }
    }

    /// The instance ARN.
    pub fn instance_arn(&self) -> String {
        format!(
            "arn:aws:connect:{}:{DEMO_ACCOUNT}:instance/{}",
            self.region, self.instance_id
        )
    }
}

/// An AWS error answer: the type in `X-Amzn-ErrorType` and the body.
pub fn aws_error(status: u16, kind: &str, message: &str) -> SimResponse {
    SimResponse::with_status(
        status,
        "application/json",
        json!({"__type": kind, "Message": message}).to_string(),
    )
    .header("x-amzn-ErrorType", kind.to_string())
}

/// The queue id the API uses for a simulated queue.
pub fn queue_id(id: u32) -> String {
    format!("00000000-0000-4000-8000-{id:012}")
}

/// The user id the API uses for a simulated agent.
pub fn user_id(id: u32) -> String {
    format!("00000000-0000-4000-9000-{id:012}")
}

/// A Connect channel of a simulated queue's channel.
pub fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Voice | Channel::Voicemail => "VOICE",
        Channel::Chat => "CHAT",
        Channel::Email => "EMAIL",
        Channel::Other => "TASK",
    }
}

fn epoch(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

/// `NextToken` / `nextToken` as an offset; `MaxResults` bounded by `max`.
fn window(
    token: Option<&str>,
    max_results: Option<u64>,
    max: u64,
) -> Result<(usize, usize), SimResponse> {
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("sim-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                aws_error(
                    400,
                    "InvalidParameterException",
                    "The NextToken is not valid.",
                )
            })?,
    };
    let size = max_results.unwrap_or(100);
    if size == 0 || size > max {
        return Err(aws_error(
            400,
            "InvalidParameterException",
            &format!("MaxResults must be between 1 and {max}"),
        ));
    }
    Ok((start, size as usize))
}

fn page<T: Clone>(all: &[T], start: usize, size: usize) -> (Vec<T>, Option<String>) {
    let end = (start + size).min(all.len());
    let items = all.get(start.min(all.len())..end).unwrap_or(&[]).to_vec();
    let next = (end < all.len()).then(|| format!("sim-{end}"));
    (items, next)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A `GetMetricDataV2` request's range and filters, checked as the API checks them.
struct MetricDataRequest {
    /// `StartTime` as sent (echoed in `MetricInterval`).
    start: f64,
    /// The range counted: from `StartTime` to `EndTime`, cut at the simulation's now.
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The `QUEUE` and `CHANNEL` filter values.
    queues: Vec<String>,
    channels: Vec<String>,
}

impl MetricDataRequest {
    fn of(body: &Value, now: DateTime<Utc>) -> Result<Self, SimResponse> {
        let (Some(start), Some(end)) = (body["StartTime"].as_f64(), body["EndTime"].as_f64())
        else {
            return Err(aws_error(
                400,
                "InvalidRequestException",
                "StartTime and EndTime are required",
            ));
        };
        if start >= end || end - start >= 35.0 * 86400.0 {
            return Err(aws_error(
                400,
                "InvalidParameterException",
                "The time range is not valid",
            ));
        }
        let mut queues = Vec::new();
        let mut channels = Vec::new();
        for f in body["Filters"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            match f["FilterKey"].as_str() {
                Some("QUEUE") => queues = strings(&f["FilterValues"]),
                Some("CHANNEL") => channels = strings(&f["FilterValues"]),
                _ => {}
            }
        }
        if queues.is_empty() || queues.len() > 100 {
            return Err(aws_error(
                400,
                "InvalidParameterException",
                "FilterValues must hold 1 to 100 values",
            ));
        }
        let (from, to) = match (
            Utc.timestamp_opt(start as i64, 0).single(),
            Utc.timestamp_opt(end as i64, 0).single(),
        ) {
            (Some(a), Some(b)) => (a, b.min(now)),
            _ => {
                return Err(aws_error(
                    400,
                    "InvalidParameterException",
                    "bad timestamps",
                ))
            }
        };
        Ok(MetricDataRequest {
            start,
            from,
            to,
            queues,
            channels,
        })
    }
}

/// One simulated queue's figures over a range, as `GetMetricDataV2` counts them.
#[derive(Default)]
struct DayFigures {
    queued: u64,
    connected: u64,
    abandoned: u64,
    handled: u64,
    talk: i64,
    acw: i64,
    answered_waits: Vec<i64>,
}

impl DayFigures {
    fn of(cc: &ContactCenter, q: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let within = |t: DateTime<Utc>| t >= from && t < to;
        let mut f = DayFigures::default();
        for it in cc.interactions.iter().filter(|it| it.queue == q) {
            if within(it.entered) {
                f.queued += 1;
            }
            match it.outcome {
                Outcome::Answered { at, .. } if within(at) => {
                    f.connected += 1;
                    f.answered_waits.push(it.wait_seconds(cc.now));
                }
                Outcome::Abandoned { at } if within(at) => f.abandoned += 1,
                _ => {}
            }
            if let Some(h) = it.handling() {
                if within(h.finished) {
                    f.handled += 1;
                    f.talk += h.talk_seconds;
                    f.acw += h.wrap_seconds;
                }
            }
        }
        f
    }

    /// The asked `metrics` (as sent) with their values; unknown names are left out.
    fn collections(&self, metrics: &[Value]) -> Vec<Value> {
        metrics
            .iter()
            .filter_map(|m| {
                let v = match m["Name"].as_str()? {
                    "CONTACTS_QUEUED" => self.queued as f64,
                    "CONTACTS_HANDLED_BY_CONNECTED_TO_AGENT" => self.connected as f64,
                    "CONTACTS_ABANDONED" => self.abandoned as f64,
                    "CONTACTS_HANDLED" => self.handled as f64,
                    "SUM_INTERACTION_AND_HOLD_TIME" => self.talk as f64,
                    "SUM_AFTER_CONTACT_WORK_TIME" => self.acw as f64,
                    "SUM_CONTACTS_ANSWERED_IN_X" => {
                        let th = &m["Threshold"][0];
                        let x = th["ThresholdValue"].as_f64()?;
                        let lte = th["Comparison"].as_str() == Some("LTE");
                        self.answered_waits
                            .iter()
                            .filter(|&&w| if lte { w as f64 <= x } else { (w as f64) < x })
                            .count() as f64
                    }
                    _ => return None,
                };
                Some(json!({"Metric": m, "Value": v}))
            })
            .collect()
    }
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        // The host hides the mount: the demo's source sends it (its base URL is the
        // mount), a test server mounting the API at its root does not. The signature
        // must match one of the two paths exactly.
        let mounted = format!("{}{}", self.mount, req.path);
        let check = |path: &str| {
            let received = Received {
                method: &req.method,
                path,
                query: &req.query,
                headers: &req.headers,
                body: &req.body,
            };
            verify::verify(&received, &self.keys, &self.region, "connect")
        };
        if let Err(r) = check(&mounted) {
            if self.mount.is_empty() || check(&req.path).is_err() {
                return aws_error(403, r.kind, &r.message);
            }
        }
        let inst = &self.instance_id;
        let p = req.path.as_str();
        if req.method == "GET" && p == format!("/queues-summary/{inst}") {
            return self.list_queues(req, cc);
        }
        if req.method != "POST" {
            return aws_error(404, "ResourceNotFoundException", "Unknown operation");
        }
        let body: Value = match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => return aws_error(400, "InvalidRequestException", &e.to_string()),
        };
        if p == format!("/metrics/current/{inst}") {
            self.current(&body, cc)
        } else if p == "/metrics/data" {
            self.metric_data(&body, cc)
        } else if p == format!("/metrics/userdata/{inst}") {
            self.user_data(&body, cc)
        } else {
            aws_error(404, "ResourceNotFoundException", "Instance not found")
        }
    }
}

impl Api {
    fn list_queues(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        let types: Vec<&str> = req
            .query
            .iter()
            .filter(|(k, _)| k == "queueTypes")
            .map(|(_, v)| v.as_str())
            .collect();
        let max = req.param("maxResults").and_then(|v| v.parse().ok());
        let (start, size) = match window(req.param("nextToken"), max, 1000) {
            Ok(w) => w,
            Err(r) => return r,
        };
        let mut all: Vec<Value> = cc
            .queues
            .iter()
            .map(|q| {
                let id = queue_id(q.id);
                json!({"Id": id, "Arn": format!("{}/queue/{id}", self.instance_arn()),
                       "Name": q.name, "QueueType": "STANDARD",
                       "LastModifiedTime": 1_700_000_000.0, "LastModifiedRegion": self.region})
            })
            .collect();
        // Each agent has an AGENT queue; without queueTypes=STANDARD they come too.
        for a in &cc.agents {
            let id = format!("agent-{}", user_id(a.id));
            all.push(
                json!({"Id": id, "Arn": format!("{}/queue/{id}", self.instance_arn()),
                            "QueueType": "AGENT"}),
            );
        }
        if !types.is_empty() {
            all.retain(|q| types.contains(&q["QueueType"].as_str().unwrap_or("")));
        }
        let (items, next) = page(&all, start, size);
        let mut out = json!({"QueueSummaryList": items, "LastModifiedRegion": self.region});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        SimResponse::json(out.to_string().into_bytes())
    }

    /// The simulated queues named in `ids` (ids or ARNs), in the simulation's order.
    fn queues_of(&self, ids: &[String], cc: &ContactCenter) -> Vec<usize> {
        (0..cc.queues.len())
            .filter(|&i| {
                let id = queue_id(cc.queues[i].id);
                ids.iter()
                    .any(|x| *x == id || x.ends_with(&format!("/queue/{id}")))
            })
            .collect()
    }

    fn current(&self, body: &Value, cc: &ContactCenter) -> SimResponse {
        let queues = strings(&body["Filters"]["Queues"]);
        if queues.is_empty() || queues.len() > 100 {
            return aws_error(
                400,
                "InvalidParameterException",
                "Filters.Queues must hold 1 to 100 queues",
            );
        }
        let channels = strings(&body["Filters"]["Channels"]);
        let groupings = strings(&body["Groupings"]);
        if groupings.iter().any(|g| g == "CHANNEL") && channels.is_empty() {
            return aws_error(
                400,
                "InvalidParameterException",
                "Grouping by CHANNEL needs a Channels filter",
            );
        }
        let (start, size) =
            match window(body["NextToken"].as_str(), body["MaxResults"].as_u64(), 100) {
                Ok(w) => w,
                Err(r) => return r,
            };
        let wanted = strings(
            &body["CurrentMetrics"]
                .as_array()
                .map(|m| Value::Array(m.iter().map(|x| x["Name"].clone()).collect()))
                .unwrap_or(Value::Null),
        );
        let now = cc.now;
        let figures = |qs: &[usize]| -> (u64, i64) {
            let mut waiting = 0;
            let mut oldest = 0;
            for &q in qs {
                for it in cc.waiting(q) {
                    waiting += 1;
                    oldest = oldest.max(it.wait_seconds(now));
                }
            }
            (waiting, oldest)
        };
        let collections = |waiting: u64, oldest: f64| -> Vec<Value> {
            wanted
                .iter()
                .filter_map(|m| match m.as_str() {
                    "CONTACTS_IN_QUEUE" => Some(
                        json!({"Metric": {"Name": m, "Unit": "COUNT"}, "Value": waiting as f64}),
                    ),
                    // Nobody waiting: the age cannot be calculated (null).
                    "OLDEST_CONTACT_AGE" => Some(json!({"Metric": {"Name": m, "Unit": "SECONDS"},
                        "Value": if waiting == 0 { Value::Null } else { json!(oldest) }})),
                    _ => None,
                })
                .collect()
        };
        let selected: Vec<usize> = self
            .queues_of(&queues, cc)
            .into_iter()
            .filter(|&q| {
                channels.is_empty()
                    || channels
                        .iter()
                        .any(|c| c == channel_name(cc.queues[q].channel))
            })
            .collect();
        let rows: Vec<Value> = if groupings.is_empty() {
            // The documented quirk: without groupings the unit says SECONDS but the
            // value is milliseconds.
            let (w, o) = figures(&selected);
            vec![json!({"Dimensions": {}, "Collections": collections(w, (o * 1000) as f64)})]
        } else {
            selected
                .iter()
                .map(|&q| {
                    let (w, o) = figures(&[q]);
                    let mut dims = json!({"Queue": {"Id": queue_id(cc.queues[q].id),
                        "Arn": format!("{}/queue/{}", self.instance_arn(), queue_id(cc.queues[q].id))}});
                    if groupings.iter().any(|g| g == "CHANNEL") {
                        dims["Channel"] = json!(channel_name(cc.queues[q].channel));
                    }
                    json!({"Dimensions": dims, "Collections": collections(w, o as f64)})
                })
                .collect()
        };
        let (items, next) = page(&rows, start, size);
        let mut out = json!({"MetricResults": items, "DataSnapshotTime": epoch(now),
                             "ApproximateTotalCount": rows.len()});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        SimResponse::json(out.to_string().into_bytes())
    }

    fn metric_data(&self, body: &Value, cc: &ContactCenter) -> SimResponse {
        if body["ResourceArn"].as_str() != Some(self.instance_arn().as_str()) {
            return aws_error(
                404,
                "ResourceNotFoundException",
                "ResourceArn is not an instance of this account",
            );
        }
        let req = match MetricDataRequest::of(body, cc.now) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let (page_start, size) =
            match window(body["NextToken"].as_str(), body["MaxResults"].as_u64(), 100) {
                Ok(w) => w,
                Err(r) => return r,
            };
        let metrics = body["Metrics"].as_array().cloned().unwrap_or_default();
        let rows: Vec<Value> = self
            .queues_of(&req.queues, cc)
            .into_iter()
            .filter(|&q| {
                let name = channel_name(cc.queues[q].channel);
                req.channels.is_empty() || req.channels.iter().any(|c| c == name)
            })
            .map(|q| {
                let figures = DayFigures::of(cc, q, req.from, req.to);
                json!({
                    "Dimensions": {"QUEUE": queue_id(cc.queues[q].id),
                                   "CHANNEL": channel_name(cc.queues[q].channel)},
                    "MetricInterval": {"Interval": "DAY", "StartTime": req.start, "EndTime": req.start + 86400.0},
                    "Collections": figures.collections(&metrics)
                })
            })
            .collect();
        let (items, next) = page(&rows, page_start, size);
        let mut out = json!({"MetricResults": items});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        SimResponse::json(out.to_string().into_bytes())
    }

    fn user_data(&self, body: &Value, cc: &ContactCenter) -> SimResponse {
        let queues = strings(&body["Filters"]["Queues"]);
        if queues.is_empty() || queues.len() > 100 {
            return aws_error(
                400,
                "InvalidParameterException",
                "Filters.Queues must hold 1 to 100 queues",
            );
        }
        let (start, size) =
            match window(body["NextToken"].as_str(), body["MaxResults"].as_u64(), 100) {
                Ok(w) => w,
                Err(r) => return r,
            };
        let wanted = self.queues_of(&queues, cc);
        let users: Vec<Value> = cc
            .agents
            .iter()
            .filter(|a| a.state != SimState::Offline && a.queues.iter().any(|q| wanted.contains(q)))
            .map(|a| {
                let since = epoch(a.since);
                let (status, contact) = match a.state {
                    SimState::Available => ("Available", None),
                    SimState::Break => ("Break", None),
                    SimState::Unavailable | SimState::Offline => ("Training", None),
                    SimState::Ringing => ("Available", Some("CONNECTING")),
                    SimState::Busy => ("Available", Some("CONNECTED")),
                    SimState::WrapUp => ("Available", Some("ENDED")),
                };
                let contacts: Vec<Value> = match (contact, a.current) {
                    (Some(state), Some(i)) => {
                        let it = &cc.interactions[i];
                        let q = &cc.queues[it.queue];
                        vec![json!({"ContactId": format!("contact-{}", it.id),
                            "Channel": channel_name(q.channel), "InitiationMethod": "INBOUND",
                            "AgentContactState": state, "StateStartTimestamp": since,
                            "Queue": {"Id": queue_id(q.id)}})]
                    }
                    _ => vec![],
                };
                json!({"User": {"Id": user_id(a.id),
                                "Arn": format!("{}/agent/{}", self.instance_arn(), user_id(a.id))},
                       "Status": {"StatusStartTimestamp": since, "StatusName": status,
                                  "StatusArn": format!("{}/agent-state/{status}", self.instance_arn())},
                       "Contacts": contacts})
            })
            .collect();
        let (items, next) = page(&users, start, size);
        let mut out = json!({"UserDataList": items, "ApproximateTotalCount": users.len()});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        SimResponse::json(out.to_string().into_bytes())
    }
}
