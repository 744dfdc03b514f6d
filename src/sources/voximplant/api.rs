//! Requests to the Management API: `POST {base}/platform_api/<Method>` with
//! form-encoded parameters and a bearer JWT, `count`/`offset` paging, and the token
//! lifecycle (a refused token is dropped so the next request signs a new one).

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::auth::Signer;
use super::config::Config;
use super::types::{
    format_datetime, parse_acd_state, parse_page, AcdState, AppInfo, Id, QueueInfo, UserInfo,
};
use crate::http::{join, PollContext};
use crate::http::{ParseError, SourceError};

/// Endpoint label of `GetQueues`.
pub const GET_QUEUES: &str = "get_queues";
/// Endpoint label of `GetApplications`.
pub const GET_APPLICATIONS: &str = "get_applications";
/// Endpoint label of `GetUsers`.
pub const GET_USERS: &str = "get_users";
/// Endpoint label of `GetACDState`.
pub const GET_ACD_STATE: &str = "get_acd_state";
/// Endpoint label of `GetACDOperatorStatusStatistics`.
pub const GET_STATUS_STATISTICS: &str = "get_acd_operator_status_statistics";
/// Endpoint label of `GetACDQueueStatistics`.
pub const GET_QUEUE_STATISTICS: &str = "get_acd_queue_statistics";

/// Records asked for per page. The API documents no maximum; 100 is what its
/// examples and SDKs stay within.
pub const PAGE_SIZE: u64 = 100;
/// Hard stop for paging whatever `total_count` claims (10,000 records).
const MAX_PAGES: u64 = 100;

/// What to tell an operator for HTTP 401/403.
const AUTH_HINT: &str = "check credentials_file (account_id, key_id, private_key) and the \
                         service account's role";

/// A Management API client for one source.
pub struct Api {
    base_url: url::Url,
    credentials_file: PathBuf,
    signer: Signer,
}

impl Api {
    /// A client for `cfg`; fails only if the key cannot be used (validation already
    /// proved it can, so this is a file changed under us).
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let signer = Signer::new(&cfg.credentials).map_err(|e| {
            format!(
                "{}: private_key is unusable: {e}",
                cfg.credentials_file.display()
            )
        })?;
        Ok(Api {
            base_url: cfg.base_url.clone(),
            credentials_file: cfg.credentials_file.clone(),
            signer,
        })
    }

    /// Calls `method` with `params` and parses the answer with `parse`.
    pub async fn call<T>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        method: &str,
        params: &[(&str, String)],
        parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        let token = self.signer.token(ctx.now).map_err(|e| {
            SourceError::Credentials(format!(
                "{}: cannot sign a token: {e}",
                self.credentials_file.display()
            ))
        })?;
        let req = ctx
            .client()
            .post(join(&self.base_url, &format!("/platform_api/{method}")))
            .bearer_auth(token.expose())
            .form(params);
        match ctx.fetch(endpoint, req, parse).await {
            Ok(v) => Ok(v),
            Err(e) => {
                // Whatever the server disliked, the next request starts from a fresh
                // token: signing is cheap and a revoked or skewed token never sticks.
                if matches!(
                    e,
                    SourceError::Vendor { .. }
                        | SourceError::Status {
                            status: 401 | 403,
                            ..
                        }
                ) {
                    self.signer.invalidate();
                }
                Err(e.with_status_hint(&[401, 403], AUTH_HINT))
            }
        }
    }

    /// Reads every page of a list method. Stops when `total_count` records were read,
    /// on a short or empty page, when a page brings nothing new (a server ignoring
    /// `offset` would repeat itself), or after [`MAX_PAGES`]; duplicates are dropped.
    async fn pages<T: DeserializeOwned>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        method: &str,
        params: &[(&str, String)],
        key: impl Fn(&T) -> u64,
    ) -> Result<Vec<T>, SourceError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0u64;
        for _ in 0..MAX_PAGES {
            let mut p = params.to_vec();
            p.push(("count", PAGE_SIZE.to_string()));
            p.push(("offset", offset.to_string()));
            let page = self
                .call(ctx, endpoint, method, &p, parse_page::<T>)
                .await?;
            let got = page.records.len() as u64;
            ctx.records(endpoint, got);
            let mut new = 0u64;
            for r in page.records {
                if seen.insert(key(&r)) {
                    out.push(r);
                    new += 1;
                }
            }
            offset += got;
            let done = match page.total_count {
                Some(total) => offset >= total,
                None => got < PAGE_SIZE,
            };
            if got == 0 || new == 0 || done {
                break;
            }
        }
        Ok(out)
    }

    /// `GetQueues`: every queue of the account.
    pub async fn get_queues(&mut self, ctx: &PollContext) -> Result<Vec<QueueInfo>, SourceError> {
        self.pages(ctx, GET_QUEUES, "GetQueues", &[], |q: &QueueInfo| {
            q.acd_queue_id.0
        })
        .await
    }

    /// `GetApplications`: every application of the account.
    pub async fn get_applications(
        &mut self,
        ctx: &PollContext,
    ) -> Result<Vec<AppInfo>, SourceError> {
        self.pages(
            ctx,
            GET_APPLICATIONS,
            "GetApplications",
            &[],
            |a: &AppInfo| a.application_id.0,
        )
        .await
    }

    /// `GetUsers` of one application, with the queues each user is bound to.
    pub async fn get_users(
        &mut self,
        ctx: &PollContext,
        application_id: Id,
    ) -> Result<Vec<UserInfo>, SourceError> {
        let params = [
            ("application_id", application_id.to_string()),
            ("with_queues", "true".to_string()),
        ];
        self.pages(ctx, GET_USERS, "GetUsers", &params, |u: &UserInfo| {
            u.user_id.0
        })
        .await
    }

    /// `GetACDState` of the watched queues (`all` when none are configured).
    pub async fn get_acd_state(
        &mut self,
        ctx: &PollContext,
        queues: Option<&[u64]>,
    ) -> Result<AcdState, SourceError> {
        let params = [("acd_queue_id", id_list(queues))];
        let state = self
            .call(ctx, GET_ACD_STATE, "GetACDState", &params, parse_acd_state)
            .await?;
        ctx.records(
            GET_ACD_STATE,
            state.acd_queues.as_ref().map_or(0, |q| q.len() as u64),
        );
        Ok(state)
    }

    /// `GetACDOperatorStatusStatistics` of every operator from `from` to `to`, by
    /// hour and user; `parse` turns the body into what the caller keeps.
    pub async fn get_status_statistics<T>(
        &mut self,
        ctx: &PollContext,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        parse: impl FnOnce(&[u8]) -> Result<(T, u64), ParseError>,
    ) -> Result<T, SourceError> {
        let params = [
            ("user_id", "all".to_string()),
            ("group", "user".to_string()),
        ];
        let method = "GetACDOperatorStatusStatistics";
        self.hourly(
            ctx,
            GET_STATUS_STATISTICS,
            method,
            (from, to),
            &params,
            parse,
        )
        .await
    }

    /// `GetACDQueueStatistics` of one queue from `from` to `to`, by hour. Its records
    /// carry no queue id, so each queue is one request.
    pub async fn get_queue_statistics<T>(
        &mut self,
        ctx: &PollContext,
        queue: u64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        parse: impl FnOnce(&[u8]) -> Result<(T, u64), ParseError>,
    ) -> Result<T, SourceError> {
        let params = [
            ("acd_queue_id", queue.to_string()),
            ("abbreviation", "true".to_string()),
            ("report", REPORT.to_string()),
        ];
        let method = "GetACDQueueStatistics";
        self.hourly(
            ctx,
            GET_QUEUE_STATISTICS,
            method,
            (from, to),
            &params,
            parse,
        )
        .await
    }

    /// One statistics request aggregated by hour over `window` (`from_date`,
    /// `to_date`) with the method's own `params`; counts the records it returns.
    async fn hourly<T>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        method: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
        params: &[(&str, String)],
        parse: impl FnOnce(&[u8]) -> Result<(T, u64), ParseError>,
    ) -> Result<T, SourceError> {
        let mut all = vec![
            ("from_date", format_datetime(window.0)),
            ("to_date", format_datetime(window.1)),
            ("aggregation", "hour".to_string()),
        ];
        all.extend(params.iter().cloned());
        let (v, n) = self.call(ctx, endpoint, method, &all, parse).await?;
        ctx.records(endpoint, n);
        Ok(v)
    }
}

/// The `GetACDQueueStatistics` items asked for: calls (total, answered, unanswered),
/// service levels, abandonment time, and handling, talk and after-call-work time.
pub const REPORT: &str = "TC;AC;UAC;SL;AT;HT;TT;ACW";

/// `all`, or the ids joined with `;`.
pub fn id_list(ids: Option<&[u64]>) -> String {
    match ids {
        None => "all".to_string(),
        Some(ids) => ids.iter().map(u64::to_string).collect::<Vec<_>>().join(";"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_joined_with_semicolons() {
        assert_eq!(id_list(None), "all");
        assert_eq!(id_list(Some(&[54, 55])), "54;55");
    }
}
