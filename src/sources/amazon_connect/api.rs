//! Requests to the Connect API: SigV4-signed JSON calls through the source's HTTP
//! client, paced per operation, paged by `NextToken`, in batches of the documented
//! maximum of 100 queues; AWS error answers become one readable line.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::config::Config;
use super::sign::Signer;
use super::types::{self, MetricResultV2, QueueSummary};
use crate::http::{join, ParseError, PollContext, SourceError};

/// Endpoint label of `ListQueues`.
pub const LIST_QUEUES: &str = "list_queues";
/// Endpoint label of `GetCurrentMetricData`.
pub const CURRENT_METRICS: &str = "current_metric_data";
/// Endpoint label of `GetMetricDataV2`.
pub const METRIC_DATA: &str = "metric_data_v2";
/// Endpoint label of `GetCurrentUserData`.
pub const USER_DATA: &str = "current_user_data";

/// Queues per request: the `Filters.Queues` / `FilterValues` maximum of the model.
pub const QUEUE_BATCH: usize = 100;
/// The header restJson1 names an error's type in (botocore reads it before the body's
/// `__type`/`code`).
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";
/// Results per page of the metric and user-data calls (`MaxResults` maximum).
pub const PAGE_SIZE: u32 = 100;
/// Queues per `ListQueues` page (`maxResults` maximum).
pub const LIST_PAGE_SIZE: u32 = 1000;
/// Bound on the pages of one request sequence in one poll.
pub const MAX_PAGES: usize = 500;
/// How long the queue list is reused before `ListQueues` is read again.
pub const QUEUE_CACHE: Duration = Duration::from_secs(300);
/// Channels of `GetCurrentMetricData`: the three its filter documentation supports.
pub const CURRENT_CHANNELS: [&str; 3] = ["VOICE", "CHAT", "TASK"];
/// Channels of `GetMetricDataV2` (every `Channel` of the model).
pub const V2_CHANNELS: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];

/// The client-side pace of each operation: Connect's quotas are per account and region
/// and shared with every other integration, so the exporter stays under them on its
/// own (2 a second for `GetCurrentUserData` and the list calls, 4 for
/// `GetCurrentMetricData` of its 5, 5 for `GetMetricDataV2`).
pub fn min_gap(endpoint: &str) -> Duration {
    match endpoint {
        CURRENT_METRICS => Duration::from_millis(250),
        METRIC_DATA => Duration::from_millis(200),
        _ => Duration::from_millis(500),
    }
}

/// The day-counter metrics read from `GetMetricDataV2` (the SLA one with its threshold).
pub const V2_METRICS: [&str; 7] = [
    "CONTACTS_QUEUED",
    "CONTACTS_HANDLED_BY_CONNECTED_TO_AGENT",
    "CONTACTS_ABANDONED",
    "SUM_CONTACTS_ANSWERED_IN_X",
    "CONTACTS_HANDLED",
    "SUM_INTERACTION_AND_HOLD_TIME",
    "SUM_AFTER_CONTACT_WORK_TIME",
];

/// A STANDARD queue: its id and name.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Queue id (what the metric calls filter and group by).
    pub id: String,
    /// Queue name (the `queue` label).
    pub name: String,
}

/// A Connect API client for one source.
pub struct Api {
    cfg: Config,
    signer: Signer,
    next_slot: HashMap<&'static str, tokio::time::Instant>,
    queues: crate::cached::Cached<Vec<Queue>>,
    instance_arn: Option<String>,
    warned_missing: bool,
}

impl Api {
    /// A client for `cfg`.
    pub fn new(cfg: Config) -> Self {
        Api {
            signer: Signer::new(&cfg),
            cfg,
            next_slot: HashMap::new(),
            queues: crate::cached::Cached::new(QUEUE_CACHE.as_secs() as i64),
            instance_arn: None,
            warned_missing: false,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Waits for `endpoint`'s next slot (see [`min_gap`]).
    async fn pace(&mut self, endpoint: &'static str) {
        let now = tokio::time::Instant::now();
        let slot = self
            .next_slot
            .get(endpoint)
            .copied()
            .unwrap_or(now)
            .max(now);
        self.next_slot.insert(endpoint, slot + min_gap(endpoint));
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// One signed request: `body` as JSON (`POST`), or a `GET` with `query`.
    async fn call<T>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, String)],
        body: Option<serde_json::Value>,
        parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        self.pace(endpoint).await;
        let now: SystemTime = ctx.now.into();
        let creds = self.signer.credentials(now).await?;
        let url = join(&self.cfg.base_url, path);
        let builder = match body {
            Some(b) => ctx
                .client()
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string()),
            None => ctx.client().get(&url).query(query),
        };
        let mut req = builder.build().map_err(|e| SourceError::Connect {
            endpoint,
            url: url.clone(),
            detail: crate::http::error_chain(&e),
        })?;
        self.signer.sign(&creds, &mut req, now)?;
        let builder = reqwest::RequestBuilder::from_parts(ctx.client().clone(), req);
        let headers = crate::http::ErrorHeaders {
            reset: None,
            error_type: Some(ERROR_TYPE_HEADER),
        };
        match ctx
            .fetch_with_error_headers(endpoint, builder, headers, |_, body| parse(body))
            .await
        {
            Ok(v) => Ok(v),
            Err(e) => {
                // The fetch redacts the Authorization header; a session token travels in
                // its own header, and an error page echoing the request must not show it.
                let e = match creds.session_token() {
                    Some(token) => scrub(e, token),
                    None => e,
                };
                if let SourceError::Status {
                    status: 403,
                    detail,
                    ..
                } = &e
                {
                    // Expired or revoked temporary credentials read as 403: resolve them
                    // again next time.
                    if detail.contains("token") || detail.contains("Signature") {
                        self.signer.invalidate();
                    }
                }
                Err(with_aws_error(e))
            }
        }
    }

    /// The queues to report on: the cached list while it is fresh, else every page of
    /// `ListQueues` (STANDARD only), narrowed to `queues:` by name.
    pub async fn queues(&mut self, ctx: &PollContext) -> Result<Vec<Queue>, SourceError> {
        if let Some(q) = self.queues.get(ctx.now) {
            return Ok(q.clone());
        }
        let path = format!("/queues-summary/{}", self.cfg.instance_id);
        let mut all: Vec<QueueSummary> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("queueTypes", "STANDARD".to_string()),
                ("maxResults", LIST_PAGE_SIZE.to_string()),
            ];
            if let Some(t) = &token {
                query.push(("nextToken", t.clone()));
            }
            let page = self
                .call(
                    ctx,
                    LIST_QUEUES,
                    &path,
                    &query,
                    None,
                    types::parse_list_queues,
                )
                .await?;
            ctx.records(LIST_QUEUES, page.queue_summary_list.len() as u64);
            all.extend(page.queue_summary_list);
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        if token.is_some() {
            return Err(too_many_pages(LIST_QUEUES, &path));
        }
        if self.instance_arn.is_none() {
            self.instance_arn = all
                .iter()
                .filter_map(|q| q.arn.as_deref())
                .find_map(instance_arn_of);
        }
        let selected = select(all, self.cfg.queues.as_deref(), &mut self.warned_missing);
        self.queues.put(selected.clone(), ctx.now);
        Ok(selected)
    }

    /// `GetCurrentMetricData` for `queues`, grouped by queue and channel: contacts in
    /// queue and the oldest contact's age (seconds, as grouped answers give it).
    pub async fn current_metrics(
        &mut self,
        ctx: &PollContext,
        queues: &[Queue],
    ) -> Result<Vec<types::CurrentMetricResult>, SourceError> {
        let path = format!("/metrics/current/{}", self.cfg.instance_id);
        let mut out = Vec::new();
        for batch in queues.chunks(QUEUE_BATCH) {
            let ids: Vec<&str> = batch.iter().map(|q| q.id.as_str()).collect();
            let body = json!({
                "Filters": {"Queues": ids, "Channels": CURRENT_CHANNELS},
                "Groupings": ["QUEUE", "CHANNEL"],
                "CurrentMetrics": [
                    {"Name": "CONTACTS_IN_QUEUE", "Unit": "COUNT"},
                    {"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"}
                ],
                "MaxResults": PAGE_SIZE,
            });
            let rows = self
                .every_page(
                    ctx,
                    CURRENT_METRICS,
                    &path,
                    body,
                    types::parse_current_metrics,
                )
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// `GetMetricDataV2` for `queues` over `[start, end)` (Unix seconds) as one `DAY`
    /// interval in the source's time zone, grouped by queue and channel.
    pub async fn day_counters(
        &mut self,
        ctx: &PollContext,
        queues: &[Queue],
        start: i64,
        end: i64,
    ) -> Result<Vec<MetricResultV2>, SourceError> {
        let Some(arn) = self.instance_arn.clone() else {
            return Err(SourceError::Decode {
                endpoint: LIST_QUEUES,
                url: join(
                    &self.cfg.base_url,
                    &format!("/queues-summary/{}", self.cfg.instance_id),
                ),
                detail: "no queue ARN to learn the instance ARN from (GetMetricDataV2 needs it)"
                    .into(),
            });
        };
        let path = "/metrics/data";
        let mut out = Vec::new();
        let metrics: Vec<serde_json::Value> = V2_METRICS
            .iter()
            .map(|m| {
                if *m == "SUM_CONTACTS_ANSWERED_IN_X" {
                    json!({"Name": m, "Threshold": [{"Comparison": "LT",
                        "ThresholdValue": self.cfg.sla_threshold_seconds}]})
                } else {
                    json!({"Name": m})
                }
            })
            .collect();
        for batch in queues.chunks(QUEUE_BATCH) {
            let ids: Vec<&str> = batch.iter().map(|q| q.id.as_str()).collect();
            let body = json!({
                "ResourceArn": arn,
                "StartTime": start,
                "EndTime": end,
                "Interval": {"TimeZone": self.cfg.time_zone.name(), "IntervalPeriod": "DAY"},
                "Filters": [
                    {"FilterKey": "QUEUE", "FilterValues": ids},
                    {"FilterKey": "CHANNEL", "FilterValues": V2_CHANNELS}
                ],
                "Groupings": ["QUEUE", "CHANNEL"],
                "Metrics": metrics,
                "MaxResults": PAGE_SIZE,
            });
            let rows = self
                .every_page(ctx, METRIC_DATA, path, body, types::parse_metric_data)
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// `GetCurrentUserData` for the agents of `queues`, every page, each user once.
    pub async fn users(
        &mut self,
        ctx: &PollContext,
        queues: &[Queue],
    ) -> Result<Vec<types::UserData>, SourceError> {
        let path = format!("/metrics/userdata/{}", self.cfg.instance_id);
        let mut out: Vec<types::UserData> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for batch in queues.chunks(QUEUE_BATCH) {
            let ids: Vec<&str> = batch.iter().map(|q| q.id.as_str()).collect();
            let body = json!({"Filters": {"Queues": ids}, "MaxResults": PAGE_SIZE});
            let users = self
                .every_page(ctx, USER_DATA, &path, body, types::parse_user_data)
                .await?;
            for u in users {
                // An agent of several queues comes back in each queue's batch.
                let id = u.user.as_ref().and_then(|r| r.id.clone());
                if id.is_none_or(|id| seen.insert(id)) {
                    out.push(u);
                }
            }
        }
        Ok(out)
    }

    /// Every page of one POST of `body` to `path`: the answer's `NextToken` goes into
    /// the next request's body until an answer has none (at most [`MAX_PAGES`]).
    async fn every_page<P: types::Paged>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        path: &str,
        mut body: serde_json::Value,
        parse: fn(&[u8]) -> Result<P, ParseError>,
    ) -> Result<Vec<P::Item>, SourceError> {
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self
                .call(ctx, endpoint, path, &[], Some(body.clone()), parse)
                .await?;
            let (items, next) = page.into_parts();
            ctx.records(endpoint, items.len() as u64);
            out.extend(items);
            match next.filter(|t| !t.is_empty()) {
                None => return Ok(out),
                Some(t) => body["NextToken"] = json!(t),
            }
        }
        Err(too_many_pages(endpoint, path))
    }
}

/// `arn:…:instance/<id>` from a queue ARN `arn:…:instance/<id>/queue/<queue id>`.
pub fn instance_arn_of(queue_arn: &str) -> Option<String> {
    let (instance, _) = queue_arn.split_once("/queue/")?;
    instance.starts_with("arn:").then(|| instance.to_string())
}

/// The STANDARD queues with an id and a name, narrowed to `names` when given (a name
/// that matches no queue is logged once).
pub fn select(all: Vec<QueueSummary>, names: Option<&[String]>, warned: &mut bool) -> Vec<Queue> {
    let mut out: Vec<Queue> = all
        .into_iter()
        .filter(|q| q.queue_type.as_deref().is_none_or(|t| t == "STANDARD"))
        .filter_map(|q| {
            Some(Queue {
                id: q.id?,
                name: q.name?,
            })
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    if let Some(names) = names {
        out.retain(|q| names.contains(&q.name));
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !out.iter().any(|q| &q.name == *n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() && !*warned {
            *warned = true;
            tracing::warn!(queues = %missing.join(","),
                "configured queues not found among the instance's STANDARD queues");
        }
    }
    out
}

/// `e` with every occurrence of `secret` in its message replaced by `<redacted>`.
fn scrub(e: SourceError, secret: &str) -> SourceError {
    let clean = |t: String| t.replace(secret, "<redacted>");
    match e {
        e @ SourceError::Status { .. } => e.reword_status(|w| {
            w.detail = clean(std::mem::take(&mut w.detail));
            w.error_type = w.error_type.take().map(clean);
        }),
        SourceError::Decode {
            endpoint,
            url,
            detail,
        } => SourceError::Decode {
            endpoint,
            url,
            detail: clean(detail),
        },
        SourceError::Vendor {
            endpoint,
            url,
            detail,
            hint,
        } => SourceError::Vendor {
            endpoint,
            url,
            detail: clean(detail),
            hint,
        },
        other => other,
    }
}

fn too_many_pages(endpoint: &'static str, path: &str) -> SourceError {
    SourceError::Decode {
        endpoint,
        url: path.to_string(),
        detail: format!("more than {MAX_PAGES} pages; narrow queues:"),
    }
}

/// An AWS error answer as its type and message, with a hint for the common ones.
pub fn with_aws_error(e: SourceError) -> SourceError {
    e.reword_status(|w| {
        let (kind, message) = types::error_of(w.error_type.as_deref(), w.detail.as_bytes());
        let kind = kind.or_else(|| match w.status {
            429 => Some("ThrottlingException".to_string()),
            _ => None,
        });
        match (&kind, message) {
            (Some(k), Some(m)) => w.detail = format!("{k}: {m}"),
            (Some(k), None) => w.detail = k.clone(),
            (None, Some(m)) => w.detail = m,
            (None, None) => {}
        }
        if w.hint.is_none() {
            w.hint = match (w.status, kind.as_deref()) {
                (429, _) => Some(
                    "Connect's request quota (per account and region, shared with other \
                     integrations) is exhausted; the source backs off"
                        .into(),
                ),
                (403, _) | (_, Some("AccessDeniedException")) => Some(
                    "check the credentials and that the identity may call connect:ListQueues, \
                     connect:GetCurrentMetricData, connect:GetMetricDataV2 and \
                     connect:GetCurrentUserData on the instance"
                        .into(),
                ),
                (404, _) | (_, Some("ResourceNotFoundException")) => {
                    Some("check region and instance_id".into())
                }
                _ => None,
            };
        }
        w.error_type = kind;
    })
}
