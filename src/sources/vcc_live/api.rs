//! Requests to the VCC Live Database API v2: the state log of one day, read
//! incrementally with `start`/`num`, and the online users.
//!
//! With `direction=ASC` a day's log only grows at its end, so the records already
//! counted are a prefix of it and the next poll asks from the offset after them: a
//! poll costs what is new, not the whole day. Each read re-fetches the last record it
//! counted (the page starts one before the offset) and checks it is still there; if it
//! is not, the log has shifted under us (a late record inserted earlier in the day), so
//! the day is re-read from the start and records already counted are recognised by
//! their fingerprints and skipped.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use super::config::{join_ids, Config};
use super::types::{
    parse_online_users, parse_userstate, FingerprintSet, OnlineUser, StateChange, UserId, AUTH_HINT,
};
use super::{fold_changes, LastSeen};
use crate::http::SourceError;
use crate::http::{join, PollContext};
use crate::model::StateInterval;

/// Endpoint label of the state log.
pub const USERSTATE: &str = "userstate";
/// Endpoint label of the online users.
pub const ONLINE_USERS: &str = "onlineusers";

/// Pages one poll reads of one day at most; a longer backlog continues next poll.
pub const MAX_PAGES_PER_POLL: u64 = 200;

/// How far the log of one day has been counted.
#[derive(Debug, Clone, PartialEq)]
pub struct DayCursor {
    /// The account-local day.
    pub day: NaiveDate,
    /// Records of the day read so far (the next `start`).
    pub offset: u64,
    /// Fingerprint of the record at `offset - 1`.
    pub last: Option<u64>,
    /// Fingerprints of every record counted this day.
    pub seen: FingerprintSet,
}

impl DayCursor {
    /// A day not read yet.
    pub fn new(day: NaiveDate) -> Self {
        DayCursor {
            day,
            offset: 0,
            last: None,
            seen: FingerprintSet::default(),
        }
    }

    /// Applies a successful read (its intervals and states are the caller's).
    pub fn advance(&mut self, read: &DayRead) {
        self.offset = read.offset;
        self.last = read.last;
        self.seen.extend(read.fresh.iter().copied());
    }
}

/// What one read of a day found, already normalized page by page (so that a page's
/// records are dropped as soon as it is folded); nothing is applied until the whole
/// poll succeeds.
#[derive(Debug, Default)]
pub struct DayRead {
    /// Completed intervals of the records not counted before, in log order.
    pub intervals: Vec<StateInterval>,
    /// Each user's latest state among those records.
    pub latest: BTreeMap<UserId, LastSeen>,
    /// Fingerprints of those records.
    pub fresh: FingerprintSet,
    /// The offset after the last record read.
    pub offset: u64,
    /// Fingerprint of the record before `offset`.
    pub last: Option<u64>,
    /// Whether the end of the log was reached (a short page).
    pub complete: bool,
    /// Whether the log had shifted and the day was re-read from the start.
    pub rescanned: bool,
    /// Records fetched (including the re-read one).
    pub records_fetched: u64,
}

impl DayRead {
    /// Takes the records of one page (after the re-read one): every record moves the
    /// cursor; those neither counted before (`cursor.seen`) nor earlier in this read
    /// are folded into intervals and latest states.
    pub fn absorb(
        &mut self,
        cursor: &DayCursor,
        changes: impl IntoIterator<Item = StateChange>,
        tz: chrono_tz::Tz,
    ) {
        let new = changes.into_iter().filter(|c| {
            self.last = Some(c.fingerprint);
            !cursor.seen.contains(&c.fingerprint) && self.fresh.insert(c.fingerprint)
        });
        let new: Vec<StateChange> = new.collect();
        fold_changes(new, tz, &mut self.latest, &mut self.intervals);
    }
}

/// `yyyymmdd`, the API's date format.
pub fn api_date(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

/// Reads `cursor.day` from where `cursor` left off.
pub async fn read_day(
    ctx: &PollContext,
    cfg: &Config,
    cursor: &DayCursor,
) -> Result<DayRead, SourceError> {
    let url = join(&cfg.base_url, "/v2/statistics/userstate");
    let date = api_date(cursor.day);
    let mut read = DayRead {
        offset: cursor.offset,
        last: cursor.last,
        ..DayRead::default()
    };
    // Re-read the last counted record to check that the log did not shift.
    let mut check = cursor.offset > 0 && cursor.last.is_some();
    let mut start = if check { cursor.offset - 1 } else { 0 };
    let mut pages = 0;
    while pages < MAX_PAGES_PER_POLL {
        pages += 1;
        let mut query: Vec<(&str, String)> = vec![
            ("from", date.clone()),
            ("to", date.clone()),
            ("of", "json".into()),
            ("direction", "ASC".into()),
            ("start", start.to_string()),
            ("num", cfg.page_size.to_string()),
        ];
        if !cfg.projects.is_empty() {
            query.push(("projects", join_ids(&cfg.projects)));
        }
        if !cfg.users.is_empty() {
            query.push(("users", join_ids(&cfg.users)));
        }
        let req = ctx
            .client()
            .get(&url)
            .basic_auth(&cfg.customer, Some(cfg.token.expose()))
            .query(&query);
        let page = ctx
            .fetch(USERSTATE, req, parse_userstate)
            .await
            .map_err(|e| e.with_status_hint(&[401, 403], AUTH_HINT))?;
        let got = page.changes.len() as u64;
        ctx.records(USERSTATE, got);
        read.records_fetched += got;
        let mut changes = page.changes.into_iter();
        if check {
            check = false;
            let same = changes.as_slice().first().map(|c| c.fingerprint) == cursor.last;
            if !same {
                tracing::warn!(source = %ctx.source, day = %date, offset = cursor.offset,
                    "state log changed before the last counted record; re-reading the day");
                read.rescanned = true;
                start = 0;
                continue;
            }
            changes.next();
        }
        read.absorb(cursor, changes, cfg.time_zone);
        start += got;
        read.offset = start;
        if got < cfg.page_size {
            read.complete = true;
            break;
        }
    }
    if !read.complete {
        tracing::warn!(source = %ctx.source, day = %date, offset = read.offset,
            pages = MAX_PAGES_PER_POLL, "state log backlog larger than one poll reads; continuing next poll");
    }
    Ok(read)
}

/// Reads the online users: one request, or one per configured project.
pub async fn online_users(ctx: &PollContext, cfg: &Config) -> Result<Vec<OnlineUser>, SourceError> {
    let paths: Vec<String> = if cfg.projects.is_empty() {
        vec!["/v2/onlineusers".to_string()]
    } else {
        cfg.projects
            .iter()
            .map(|p| format!("/v2/onlineusers/{p}"))
            .collect()
    };
    let mut users: Vec<OnlineUser> = Vec::new();
    let mut ids: HashSet<UserId> = HashSet::new();
    for path in paths {
        let req = ctx
            .client()
            .get(join(&cfg.base_url, &path))
            .basic_auth(&cfg.customer, Some(cfg.token.expose()));
        let got = ctx
            .fetch(ONLINE_USERS, req, parse_online_users)
            .await
            .map_err(|e| e.with_status_hint(&[401, 403], AUTH_HINT))?;
        ctx.records(ONLINE_USERS, got.len() as u64);
        for u in got {
            if ids.insert(u.user.clone()) {
                users.push(u);
            }
        }
    }
    if !cfg.users.is_empty() {
        users.retain(|u| match u.user {
            UserId::Num(id) => {
                u64::try_from(id).is_ok_and(|id| cfg.users.binary_search(&id).is_ok())
            }
            UserId::Text(_) => false,
        });
    }
    Ok(users)
}
