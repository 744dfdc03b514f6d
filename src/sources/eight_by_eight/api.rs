//! Requests to the statistics API: URLs, Basic auth, the `d=`/`tz=` day range, and
//! paging with `n` (1-based index of a page's first record, 50 records a page).

use chrono::NaiveDate;

use super::config::Config;
use super::types::PAGE_SIZE;
use crate::http::PollContext;
use crate::http::{ParseError, SourceError};

/// `/groups`.
pub const GROUPS: &str = "groups";
/// `/groups/{id}/statuses`.
pub const GROUP_STATUSES: &str = "group_statuses";
/// `/agents/{id}/statuses/statistics`.
pub const AGENT_STATUS_STATISTICS: &str = "agent_status_statistics";
/// `/queues`.
pub const QUEUES: &str = "queues";
/// `/queues/{id}/statistics`.
pub const QUEUE_STATISTICS: &str = "queue_statistics";
/// `/queues/{id}/online_slas`.
pub const QUEUE_ONLINE_SLAS: &str = "queue_online_slas";
/// `/queues/{id}/offline_slas`.
pub const QUEUE_OFFLINE_SLAS: &str = "queue_offline_slas";

/// Bound on the pages of one list that must be read whole (groups, queues, one day of
/// 30-minute periods: 48 records): 5,000 records.
pub const MAX_PAGES: usize = 100;

const AUTH_HINT: &str =
    "check tenant and token (the Data Request Token from Configuration Manager > Integration > API Token)";
const URL_HINT: &str = "check base_url: the tenant's cluster host, e.g. https://vcc-na4.8x8.com";

/// `{base}/api/stats/{segments…}.xml`; segments are percent-encoded. The `.xml` suffix
/// asks for XML explicitly (it is also the documented default).
pub fn stats_url(base: &url::Url, segments: &[&str]) -> url::Url {
    let mut u = base.clone();
    if let Ok(mut p) = u.path_segments_mut() {
        p.pop_if_empty().push("api").push("stats");
        for (i, s) in segments.iter().enumerate() {
            if i + 1 == segments.len() {
                p.push(&format!("{s}.xml"));
            } else {
                p.push(s);
            }
        }
    }
    u
}

/// The `d` value for one whole local day: `D,D+1` (the page's `d=today-1d,today` is
/// "yesterday", so the end is exclusive). Sent with `tz` = the source's time zone.
pub fn day_range(day: NaiveDate) -> String {
    let next = day.succ_opt().unwrap_or(day);
    format!("{},{}", day.format("%Y-%m-%d"), next.format("%Y-%m-%d"))
}

/// What paging read.
#[derive(Debug)]
pub struct Pages<R> {
    /// The records, in server order.
    pub records: Vec<R>,
    /// Whether a short page ended the list (else the page bound stopped reading).
    pub complete: bool,
    /// `n` of the record after the last one read.
    pub next_n: u64,
}

/// Reads pages of one list from record `first_n` on, until a page holds fewer than 50
/// records or `max_pages` were read. A page identical to the one before (a server
/// ignoring `n`) is an error.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_pages<R: PartialEq>(
    ctx: &PollContext,
    cfg: &Config,
    endpoint: &'static str,
    url: &url::Url,
    day: Option<NaiveDate>,
    first_n: u64,
    max_pages: usize,
    parse: fn(&[u8]) -> Result<Vec<R>, ParseError>,
) -> Result<Pages<R>, SourceError> {
    let mut records: Vec<R> = Vec::new();
    let mut n = first_n.max(1);
    let mut prev_len = 0usize;
    for _ in 0..max_pages {
        let mut query: Vec<(&str, String)> = Vec::with_capacity(3);
        if let Some(d) = day {
            query.push(("d", day_range(d)));
            query.push(("tz", cfg.time_zone.name().to_string()));
        }
        query.push(("n", n.to_string()));
        let req = ctx
            .client()
            .get(url.clone())
            .basic_auth(&cfg.tenant, Some(cfg.token.expose()))
            .query(&query);
        let page = ctx.fetch(endpoint, req, parse).await.map_err(|e| {
            e.with_status_hint(&[401, 403], AUTH_HINT)
                .with_status_hint(&[404], URL_HINT)
        })?;
        ctx.records(endpoint, page.len() as u64);
        let got = page.len();
        if got >= PAGE_SIZE && prev_len == got && records[records.len() - got..] == page[..] {
            return Err(SourceError::Decode {
                endpoint,
                url: crate::http::display_url(url),
                detail: format!("page n={n} repeats the previous page: the server ignores n"),
            });
        }
        records.extend(page);
        n += got as u64;
        prev_len = got;
        if got < PAGE_SIZE {
            return Ok(Pages {
                records,
                complete: true,
                next_n: n,
            });
        }
    }
    Ok(Pages {
        records,
        complete: false,
        next_n: n,
    })
}

/// Reads a whole list; more than [`MAX_PAGES`] pages is an error.
pub async fn fetch_all<R: PartialEq>(
    ctx: &PollContext,
    cfg: &Config,
    endpoint: &'static str,
    url: &url::Url,
    day: Option<NaiveDate>,
    parse: fn(&[u8]) -> Result<Vec<R>, ParseError>,
) -> Result<Vec<R>, SourceError> {
    let pages = fetch_pages(ctx, cfg, endpoint, url, day, 1, MAX_PAGES, parse).await?;
    if !pages.complete {
        return Err(SourceError::Decode {
            endpoint,
            url: crate::http::display_url(url),
            detail: format!(
                "list did not end after {MAX_PAGES} pages ({} records)",
                pages.records.len()
            ),
        });
    }
    Ok(pages.records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_path_and_encode_segments() {
        let base = url::Url::parse("http://127.0.0.1:9/eight_by_eight").unwrap();
        assert_eq!(
            stats_url(&base, &["queues", "121", "online_slas"]).as_str(),
            "http://127.0.0.1:9/eight_by_eight/api/stats/queues/121/online_slas.xml"
        );
        let base = url::Url::parse("https://vcc-na4.8x8.com").unwrap();
        assert_eq!(
            stats_url(&base, &["agents", "a b/c", "statuses", "statistics"]).as_str(),
            "https://vcc-na4.8x8.com/api/stats/agents/a%20b%2Fc/statuses/statistics.xml"
        );
    }

    #[test]
    fn day_range_is_end_exclusive() {
        let d = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        assert_eq!(day_range(d), "2024-12-31,2025-01-01");
    }
}
