//! Requests to TaskRouter v1: HTTP Basic with the API key, `meta.next_page_url`
//! paging, the bulk real-time statistics (≤ 50 TaskQueues a request) and one TaskQueue's
//! cumulative statistics over a time window. Every request goes through `http::fetch`.

use chrono::{DateTime, SecondsFormat, Utc};

use super::config::Config;
use super::types::{self, Activity, BulkRealTime, Cumulative, Meta, TaskQueue, Worker};
use crate::http::{join, ParseError, PollContext, SourceError};

/// Endpoint label of the TaskQueues list.
pub const TASK_QUEUES: &str = "task_queues";
/// Endpoint label of the bulk TaskQueue real-time statistics.
pub const REAL_TIME: &str = "task_queues_real_time_statistics";
/// Endpoint label of a TaskQueue's cumulative statistics.
pub const CUMULATIVE: &str = "task_queue_cumulative_statistics";
/// Endpoint label of the Workers list.
pub const WORKERS: &str = "workers";
/// Endpoint label of the Activities list.
pub const ACTIVITIES: &str = "activities";

/// The most TaskQueue SIDs one bulk real-time request takes (more is a 400).
pub const BULK_MAX: usize = 50;
/// The largest page of a list (`PageSize`, 1–1000): the fewest requests.
pub const PAGE_SIZE: u32 = 1000;
/// Bound on the pages of one list in one poll (5,000 TaskQueues is TaskRouter's limit
/// per Workspace; a million Workers at 1,000 a page).
pub const MAX_PAGES: usize = 1000;

const AUTH_HINT: &str = "check api_key_sid and api_key_secret (an API key of the account that owns the Workspace, or the Account SID and Auth Token)";
const NOT_FOUND_HINT: &str = "check workspace_sid and base_url";
const RATE_HINT: &str = "TaskRouter's per-account rate limit; the poll backs off (Console → TaskRouter → Workspace → Limits shows the limits)";

/// One page of a list: its items and its paging.
type Page<T> = (Vec<T>, Meta);

/// A TaskRouter client for one source.
pub struct Api {
    cfg: Config,
}

impl Api {
    /// A client for `cfg`.
    pub fn new(cfg: Config) -> Self {
        Api { cfg }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// `{base_url}/v1/Workspaces/{WS}{path}`.
    pub fn workspace_url(&self, path: &str) -> String {
        join(
            &self.cfg.base_url,
            &format!("/v1/Workspaces/{}{path}", self.cfg.workspace_sid),
        )
    }

    /// The next page's URL on our `base_url`: the path from `/v1/` and the query of
    /// `next_page_url`. Credentials only ever go to the configured host, whatever
    /// host an answer names.
    pub fn next_page(&self, endpoint: &'static str, next: &str) -> Result<String, SourceError> {
        let bad = |why: &str| SourceError::Decode {
            endpoint,
            url: next.to_string(),
            detail: format!("meta.next_page_url {why}"),
        };
        let u = url::Url::parse(next)
            .or_else(|_| url::Url::parse("http://relative.invalid/").and_then(|b| b.join(next)))
            .map_err(|_| bad("is not a URL"))?;
        let path = u.path();
        let at = path
            .find("/v1/")
            .ok_or_else(|| bad("is not a TaskRouter v1 URL"))?;
        let mut out = join(&self.cfg.base_url, &path[at..]);
        if let Some(q) = u.query() {
            out.push('?');
            out.push_str(q);
        }
        Ok(out)
    }

    fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.basic_auth(
            &self.cfg.api_key_sid,
            Some(self.cfg.api_key_secret.expose()),
        )
        .header(reqwest::header::ACCEPT, "application/json")
    }

    async fn send<T>(
        &self,
        ctx: &PollContext,
        endpoint: &'static str,
        req: reqwest::RequestBuilder,
        parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        ctx.fetch(endpoint, self.authorized(req), parse)
            .await
            .map_err(with_twilio_message)
    }

    /// Every page of a list: `PageSize=1000`, then `meta.next_page_url` until `null`.
    async fn list<T>(
        &self,
        ctx: &PollContext,
        endpoint: &'static str,
        path: &str,
        parse: fn(&[u8]) -> Result<Page<T>, ParseError>,
    ) -> Result<Vec<T>, SourceError> {
        let mut url = format!("{}?PageSize={PAGE_SIZE}", self.workspace_url(path));
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let (items, meta) = self
                .send(ctx, endpoint, ctx.client().get(&url), parse)
                .await?;
            ctx.records(endpoint, items.len() as u64);
            out.extend(items);
            match meta.next_page_url.as_deref().map(str::trim) {
                Some(next) if !next.is_empty() => url = self.next_page(endpoint, next)?,
                _ => return Ok(out),
            }
        }
        Err(SourceError::Decode {
            endpoint,
            url,
            detail: format!("more than {MAX_PAGES} pages of {PAGE_SIZE}"),
        })
    }

    /// Every TaskQueue of the Workspace.
    pub async fn task_queues(&self, ctx: &PollContext) -> Result<Vec<TaskQueue>, SourceError> {
        self.list(ctx, TASK_QUEUES, "/TaskQueues", |b| {
            types::parse_task_queues(b).map(|p| (p.task_queues, p.meta))
        })
        .await
    }

    /// Every Worker of the Workspace.
    pub async fn workers(&self, ctx: &PollContext) -> Result<Vec<Worker>, SourceError> {
        self.list(ctx, WORKERS, "/Workers", |b| {
            types::parse_workers(b).map(|p| (p.workers, p.meta))
        })
        .await
    }

    /// Every Activity of the Workspace (at most 100: one page).
    pub async fn activities(&self, ctx: &PollContext) -> Result<Vec<Activity>, SourceError> {
        self.list(ctx, ACTIVITIES, "/Activities", |b| {
            types::parse_activities(b).map(|p| (p.activities, p.meta))
        })
        .await
    }

    /// Real-time statistics of up to [`BULK_MAX`] TaskQueues in one request: a JSON
    /// body `{"queueSids": [...]}` (the spelling of Twilio's curl example).
    pub async fn bulk_real_time(
        &self,
        ctx: &PollContext,
        sids: &[&str],
    ) -> Result<BulkRealTime, SourceError> {
        let body = serde_json::json!({ "queueSids": sids }).to_string();
        let req = ctx
            .client()
            .post(self.workspace_url("/TaskQueues/RealTimeStatistics"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        let answer = self
            .send(ctx, REAL_TIME, req, types::parse_bulk_real_time)
            .await?;
        ctx.records(REAL_TIME, answer.task_queue_data.len() as u64);
        Ok(answer)
    }

    /// One TaskQueue's cumulative statistics from `start` (to `end`, else now), split
    /// by the service-level threshold. `Minutes` is never sent: TaskRouter refuses it
    /// with `StartDate`.
    pub async fn cumulative(
        &self,
        ctx: &PollContext,
        sid: &str,
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
    ) -> Result<Cumulative, SourceError> {
        let mut query = vec![
            (
                "StartDate",
                start.to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
            ("SplitByWaitTime", self.cfg.sla_seconds.to_string()),
        ];
        if let Some(end) = end {
            query.push(("EndDate", end.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        let req = ctx
            .client()
            .get(self.workspace_url(&format!("/TaskQueues/{sid}/CumulativeStatistics")))
            .query(&query);
        let answer = self
            .send(ctx, CUMULATIVE, req, types::parse_cumulative)
            .await?;
        ctx.records(CUMULATIVE, 1);
        Ok(answer)
    }
}

/// A non-success answer whose body is Twilio's error: `code N: message`, with what to
/// check for the statuses an operator can fix.
pub fn with_twilio_message(e: SourceError) -> SourceError {
    e.reword_status(|w| {
        match types::error_message(w.detail.as_bytes()) {
            Some((Some(code), message)) => w.detail = format!("code {code}: {message}"),
            Some((None, message)) => w.detail = message,
            None => {}
        }
        if w.hint.is_none() {
            w.hint = match w.status {
                401 | 403 => Some(AUTH_HINT.to_string()),
                404 => Some(NOT_FOUND_HINT.to_string()),
                429 => Some(RATE_HINT.to_string()),
                _ => None,
            };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Entry;

    fn api(base: Option<&str>) -> Api {
        let keys: super::super::config::Keys = serde_yaml_ng::from_str(
            "workspace_sid: WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\napi_key_sid: SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\napi_key_secret: s",
        )
        .unwrap();
        Api::new(
            Config::from_keys(
                keys,
                &Entry::new("twilio_taskrouter", base, Default::default()),
            )
            .unwrap(),
        )
    }

    #[test]
    fn next_pages_stay_on_the_configured_host() {
        let a = api(Some("http://127.0.0.1:9/mock/"));
        assert_eq!(
            a.workspace_url("/TaskQueues"),
            "http://127.0.0.1:9/mock/v1/Workspaces/WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/TaskQueues"
        );
        assert_eq!(
            a.next_page(TASK_QUEUES, "https://taskrouter.twilio.com/v1/Workspaces/WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/TaskQueues?PageSize=50&Page=1&PageToken=PAWQ1").unwrap(),
            "http://127.0.0.1:9/mock/v1/Workspaces/WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/TaskQueues?PageSize=50&Page=1&PageToken=PAWQ1"
        );
        assert_eq!(
            a.next_page(TASK_QUEUES, "/v1/Workspaces/WS1/Workers?Page=2")
                .unwrap(),
            "http://127.0.0.1:9/mock/v1/Workspaces/WS1/Workers?Page=2"
        );
        assert!(a
            .next_page(TASK_QUEUES, "https://evil.example/steal")
            .is_err());
    }

    #[test]
    fn twilio_errors_become_code_and_message() {
        let e = with_twilio_message(SourceError::Status {
            endpoint: TASK_QUEUES,
            url: "u".into(),
            status: 401,
            detail: r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#.into(),
            hint: None,
            retry_after: None,
            error_type: None,
        });
        assert_eq!(
            e.to_string(),
            format!("task_queues: HTTP 401 from u: code 20003: Authenticate ({AUTH_HINT})")
        );
        let e = with_twilio_message(SourceError::Status {
            endpoint: REAL_TIME,
            url: "u".into(),
            status: 429,
            detail: r#"{"type":"https://www.twilio.com/docs/errors/20429","title":"Too Many Requests","status":429,"code":20429}"#.into(),
            hint: None,
            retry_after: None,
            error_type: None,
        });
        assert_eq!(
            e.to_string(),
            format!("task_queues_real_time_statistics: HTTP 429 from u: code 20429: Too Many Requests ({RATE_HINT})")
        );
    }
}
