//! Requests to the User Monitoring API: auth headers and offset/limit paging.

use std::collections::HashSet;

use super::config::Config;
use super::types::{parse_page, Session};
use crate::http::SourceError;
use crate::http::{join, PollContext};

/// Table of logged-in users and their sessions.
pub const USER_SESSIONS: &str = "user-session-information";
/// Table of customers (contacts) in the system, waiting or connected.
pub const CUSTOMERS: &str = "customer-information";

/// Hard stop for paging, whatever `metadata.total` claims (100,000 rows at 1,000 a page).
const MAX_PAGES: u64 = 100;

/// Reads every page of `table`. Stops when `metadata.total` rows were read, on an
/// empty page, when a page brings nothing new (a server ignoring `offset` would repeat
/// itself), or after [`MAX_PAGES`]; rows seen twice are dropped.
pub async fn fetch_table(
    ctx: &PollContext,
    cfg: &Config,
    endpoint: &'static str,
    table: &str,
) -> Result<Vec<Session>, SourceError> {
    let url = join(
        &cfg.base_url,
        &format!(
            "/v4/cc-list/{}/monitoring/user-session-information",
            cfg.cc_id
        ),
    );
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let mut offset = 0u64;
    for _ in 0..MAX_PAGES {
        let req = ctx
            .client()
            .get(&url)
            .basic_auth(&cfg.username, Some(cfg.password.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .query(&[
                ("table-name", table.to_string()),
                ("offset", offset.to_string()),
                ("limit", cfg.page_size.to_string()),
            ]);
        let page = ctx
            .fetch(endpoint, req, parse_page)
            .await
            .map_err(|e| e.with_status_hint(&[401, 403], "check username/password"))?;
        let got = page.response.len() as u64;
        ctx.records(endpoint, got);
        let mut new = 0u64;
        for s in page.response.into_iter().filter_map(|r| r.data) {
            if seen.insert(row_key(&s)) {
                rows.push(s);
                new += 1;
            }
        }
        let total = page.metadata.and_then(|m| m.total).unwrap_or(0);
        offset += got;
        if got == 0 || new == 0 || offset >= total {
            break;
        }
    }
    Ok(rows)
}

/// Identity of a row for duplicate detection across pages: user, campaign, queue and
/// (for customer rows) the interaction.
fn row_key(s: &Session) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        s.user_id, s.user_name, s.campaign_id, s.queue_id, s.interaction_id
    )
}
