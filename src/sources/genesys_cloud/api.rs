//! Requests to Genesys Cloud: the client-credentials token (`crate::oauth2`), the paged
//! queue listing, and the three analytics queries (POSTs with JSON bodies), each with
//! the bearer token; a 401 drops the token, a 429 waits `Retry-After` or, without it,
//! `inin-ratelimit-reset`; an error body becomes its `message (code)`.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::config::Config;
use super::types::{self, Queue};
use crate::http::{join, ParseError, PollContext, SourceError};
use crate::oauth2::ClientCredentials;

/// Endpoint label of the token request.
pub const TOKEN: &str = "token";
/// Endpoint label of `GET /api/v2/routing/queues`.
pub const QUEUES: &str = "queues";
/// Endpoint label of `POST /api/v2/analytics/queues/observations/query`.
pub const OBSERVATIONS: &str = "observations";
/// Endpoint label of `POST /api/v2/analytics/conversations/aggregates/query`.
pub const AGGREGATES: &str = "aggregates";
/// Endpoint label of `POST /api/v2/analytics/agents/status/counts`.
pub const STATUS_COUNTS: &str = "agent_status_counts";

/// Queues a page of the listing asks for (the largest page known to be served).
pub const QUEUE_PAGE_SIZE: u64 = 500;
/// Bound on the pages of the listing read at once (500,000 queues).
pub const MAX_PAGES: u64 = 1000;
/// Queue ids one analytics query names (its `filter` predicates).
pub const BATCH: usize = 100;
/// Genesys's own rate-limit reset header (seconds), read when `Retry-After` is absent.
pub const RESET_HEADER: &str = "inin-ratelimit-reset";

const AUTH_HINT: &str =
    "check client_id and client_secret (an OAuth client with the Client Credentials grant)";
const URL_HINT: &str = "check region and base_url";
const FORBIDDEN_HINT: &str = "the OAuth client's roles need routing:queue:view, analytics:queueObservation:view, analytics:conversationAggregate:view and analytics:agentState:view";

/// The metrics of the observation query.
pub const OBSERVATION_METRICS: [&str; 3] = ["oWaiting", "oOnQueueUsers", "oOffQueueUsers"];
/// The metrics of the aggregate query.
pub const AGGREGATE_METRICS: [&str; 8] = [
    "nOffered",
    "tAnswered",
    "tAbandon",
    "nOverSla",
    "tHandle",
    "tTalkComplete",
    "tHeldComplete",
    "tAcw",
];

/// A Genesys Cloud client for one source: its settings and its token.
pub struct Api {
    cfg: Config,
    grant: ClientCredentials,
}

impl Api {
    /// A client for `cfg` (no token yet).
    pub fn new(cfg: Config) -> Self {
        let grant = ClientCredentials::new(
            join(&cfg.login_url, "/oauth/token"),
            cfg.client_id.clone(),
            cfg.client_secret.clone(),
            AUTH_HINT,
            URL_HINT,
        );
        Api { cfg, grant }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// `{api_url}/api/v2{path}`.
    pub fn url(&self, path: &str) -> String {
        join(&self.cfg.api_url, &format!("/api/v2{path}"))
    }

    async fn send<T>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        req: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
        parse: impl FnOnce(&reqwest::header::HeaderMap, &[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        let token = self.grant.token(ctx, TOKEN).await?;
        let req = req(ctx.client())
            .bearer_auth(token.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        match ctx
            .fetch_with_error_headers(
                endpoint,
                req,
                crate::http::ErrorHeaders {
                    reset: Some(RESET_HEADER),
                    error_type: None,
                },
                parse,
            )
            .await
        {
            Ok(v) => Ok(v),
            Err(e) => {
                if matches!(e, SourceError::Status { status: 401, .. }) {
                    // Revoked or expired early: the next poll asks for a new one.
                    self.grant.invalidate();
                }
                Err(with_message(e))
            }
        }
    }

    /// One POST of an analytics query.
    pub async fn post<T>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
        parse: impl FnOnce(&reqwest::header::HeaderMap, &[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        let url = self.url(path);
        let body = body.to_string();
        self.send(
            ctx,
            endpoint,
            |c| {
                c.post(url)
                    .query(query)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
            },
            parse,
        )
        .await
    }

    /// Every queue the client can see, every page (`pageNumber` from 1 until
    /// `pageCount`), de-duplicated by id (the first kept), so that a listing that
    /// shifts between pages counts nothing twice.
    pub async fn queues(&mut self, ctx: &PollContext) -> Result<Vec<Queue>, SourceError> {
        let url = self.url("/routing/queues");
        let mut out: Vec<Queue> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut page = 1u64;
        loop {
            let query = [
                ("pageSize", QUEUE_PAGE_SIZE.to_string()),
                ("pageNumber", page.to_string()),
            ];
            let u = url.clone();
            let p = self
                .send(
                    ctx,
                    QUEUES,
                    |c| c.get(u).query(&query),
                    |_, b| types::parse_queue_page(b),
                )
                .await?;
            let got = p.entities.len() as u64;
            ctx.records(QUEUES, got);
            out.extend(p.entities.into_iter().filter(|q| seen.insert(q.id.clone())));
            let more = match p.page_count {
                Some(count) => page < count,
                None => got >= QUEUE_PAGE_SIZE,
            };
            if !more || got == 0 {
                return Ok(out);
            }
            page += 1;
            if page > MAX_PAGES {
                return Err(SourceError::Decode {
                    endpoint: QUEUES,
                    url,
                    detail: format!("more than {MAX_PAGES} pages of {QUEUE_PAGE_SIZE} queues"),
                });
            }
        }
    }
}

/// The `filter` naming `ids` (`or` of `queueId` predicates).
pub fn queue_filter(ids: &[&str]) -> Value {
    let predicates: Vec<Value> = ids
        .iter()
        .map(|id| json!({"type": "dimension", "dimension": "queueId", "operator": "matches", "value": id}))
        .collect();
    json!({"type": "or", "predicates": predicates})
}

/// The observation query for `ids`: waiting (with its detail list, for the oldest
/// wait) and the on-queue and off-queue members.
pub fn observation_query(ids: &[&str]) -> Value {
    json!({
        "filter": queue_filter(ids),
        "metrics": OBSERVATION_METRICS,
        "detailMetrics": ["oWaiting"],
    })
}

/// The aggregate query of one local day `interval` (`start/end` with offsets) in
/// `time_zone` for `ids`, grouped by queue and media type.
pub fn aggregate_query(ids: &[&str], interval: &str, time_zone: &str) -> Value {
    json!({
        "interval": interval,
        "timeZone": time_zone,
        "groupBy": ["queueId", "mediaType"],
        "filter": queue_filter(ids),
        "metrics": AGGREGATE_METRICS,
    })
}

/// A non-success answer whose body is Genesys's `ErrorBody`: its `message (code)`,
/// with a hint for the statuses an operator can act on.
fn with_message(e: SourceError) -> SourceError {
    e.reword_status(|w| {
        if let Some(message) = types::error_message(w.detail.as_bytes()) {
            w.detail = message;
        }
        if w.hint.is_none() {
            w.hint = match w.status {
                401 => {
                    Some("the token was refused; a new one is requested at the next poll".into())
                }
                403 => Some(FORBIDDEN_HINT.to_string()),
                404 => Some(URL_HINT.to_string()),
                429 => Some("rate limited: the next poll waits as the answer asks".into()),
                _ => None,
            };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_message_and_code() {
        let e = with_message(SourceError::Status {
            endpoint: OBSERVATIONS,
            url: "u".into(),
            status: 400,
            detail: r#"{"message":"The query is invalid","code":"bad.request","status":400,"contextId":"c1"}"#.into(),
            hint: None,
            retry_after: None,
            error_type: None,
        });
        assert_eq!(
            e.to_string(),
            "observations: HTTP 400 from u: The query is invalid (bad.request)"
        );
    }

    #[test]
    fn queries_name_at_most_the_batch() {
        let q = observation_query(&["a", "b"]);
        assert_eq!(q["filter"]["predicates"].as_array().unwrap().len(), 2);
        assert_eq!(q["filter"]["predicates"][1]["value"], "b");
        assert_eq!(q["detailMetrics"][0], "oWaiting");
        let a = aggregate_query(&["a"], "x/y", "Europe/Dublin");
        assert_eq!(a["timeZone"], "Europe/Dublin");
        assert_eq!(a["groupBy"], json!(["queueId", "mediaType"]));
    }
}
