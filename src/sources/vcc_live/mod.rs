//! `vendor: vcc_live` — VCC Live Database API v2: user state log and online users.
//!
//! Each poll reads the new records of today's state log (see [`api`] for the paging)
//! and the list of online users. Every log record is one state change of one user: the
//! state it ended (`prevstate`, with its length in `duration`) is a completed interval,
//! and the state it began is that user's state since `time`. The online list is the
//! present: it decides the current state of everyone on it, and users known from the
//! log but not on it are `OFFLINE`.
//!
//! VCC Live aggregates nothing per period here, so state seconds and the state duration
//! histogram come from the intervals alone; no queue metrics are exported.

pub mod api;
pub mod config;
pub mod simulate;
pub mod types;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{NaiveDate, TimeZone};

use api::{DayCursor, DayRead};
pub use config::Config;
use types::{OnlineUser, StateChange, StateName, UserId};

use crate::http::PollContext;
use crate::http::SourceError;
use crate::local_day::rereads_previous_day;
use crate::model::{Agent, Snapshot, StateInterval};
use crate::state::AgentState;
use crate::vendor::Source;

/// The default vendor state → normalized state table (docs/metrics.md).
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("AVAILABLE", Available),
        ("AVAILABLE4CALL", Available),
        ("WAITING4CALL", Available),
        ("WAITING4RECALL", Available),
        ("RINGING", Ringing),
        ("ORIGINATOR_RINGING", Ringing),
        ("CALL", Busy),
        ("HOLD", Busy),
        ("PREWORK", Busy),
        ("EMAIL", Busy),
        ("TICKET_BROWSING", Busy),
        ("AFTERWORK", WrapUp),
        ("AUX", Break),
        ("UNAVAILABLE", Unavailable),
        ("OFFLINE", Offline),
    ]
};

crate::vendor::declare! {
    name: "vcc_live",
    spec: VccLive,
    keys: config::Keys,
    config: Config,
    source: VccLiveSource,
    demo: simulate::demo,
    states: STATES,
    title: "VCC Live",
}

/// The vendor's name for logged out, used for users the online list does not show.
pub const OFFLINE: &str = "OFFLINE";

/// A user's latest state according to the log.
#[derive(Debug, Clone, PartialEq)]
pub struct LastSeen {
    /// The state the user's latest record began.
    pub state: StateName,
    /// When it began (Unix seconds), if the record says.
    pub since: Option<i64>,
}

/// A polling VCC Live source.
pub struct VccLiveSource {
    cfg: Config,
    /// Where the state log has been counted up to; `None` before the first success.
    cursor: Option<DayCursor>,
    /// The previous day's cursor, kept for [`crate::local_day::PREVIOUS_DAY_REREAD`] after local
    /// midnight: records VCC Live writes late into that day are read then (the cursor's
    /// fingerprints keep each counted once).
    previous: Option<DayCursor>,
    /// Every user's latest state from the log; kept across days.
    last_seen: BTreeMap<UserId, LastSeen>,
}

/// What the log reads of one poll will change once the poll has succeeded: each read
/// with the cursor it advances, in day order; the last is the current day's.
type Plan = Vec<(DayCursor, DayRead)>;

impl VccLiveSource {
    /// A source for `cfg`.
    pub fn new(_name: &str, cfg: Config) -> Self {
        VccLiveSource {
            cfg,
            cursor: None,
            previous: None,
            last_seen: BTreeMap::new(),
        }
    }

    /// The account-local day of `ctx.now`.
    fn today(&self, ctx: &PollContext) -> NaiveDate {
        ctx.now.with_timezone(&self.cfg.time_zone).date_naive()
    }

    async fn plan(&self, ctx: &PollContext) -> Result<Plan, SourceError> {
        let today = self.today(ctx);
        let Some(cur) = &self.cursor else {
            let cursor = DayCursor::new(today);
            let read = api::read_day(ctx, &self.cfg, &cursor).await?;
            return Ok(vec![(cursor, read)]);
        };
        // A clock that went back does not take us back to an older day.
        if cur.day >= today {
            let mut plan = Vec::with_capacity(2);
            // Yesterday's late records, for two hours after midnight.
            if let Some(prev) = self.previous_to_reread(ctx, cur.day) {
                let read = api::read_day(ctx, &self.cfg, prev).await?;
                plan.push((prev.clone(), read));
            }
            let read = api::read_day(ctx, &self.cfg, cur).await?;
            plan.push((cur.clone(), read));
            return Ok(plan);
        }
        let old = api::read_day(ctx, &self.cfg, cur).await?;
        if !old.complete {
            // A backlog longer than one poll: finish the old day first.
            return Ok(vec![(cur.clone(), old)]);
        }
        if today - cur.day > chrono::Duration::days(1) {
            tracing::warn!(source = %ctx.source, from = %cur.day, to = %today,
                "skipping days without a successful poll; their state changes are not counted");
        }
        let cursor = DayCursor::new(today);
        let read = api::read_day(ctx, &self.cfg, &cursor).await?;
        Ok(vec![(cur.clone(), old), (cursor, read)])
    }

    /// The previous day's cursor when a poll at `ctx.now`, on the log of `day`, still
    /// re-reads the day before it.
    fn previous_to_reread(&self, ctx: &PollContext, day: NaiveDate) -> Option<&DayCursor> {
        self.previous.as_ref().filter(|p| {
            Some(p.day) == day.pred_opt()
                && self.today(ctx) == day
                && rereads_previous_day(ctx.now, self.cfg.time_zone)
        })
    }
}

#[async_trait]
impl Source for VccLiveSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let plan = self.plan(ctx).await?;
        let online = api::online_users(ctx, &self.cfg).await?;
        // Everything was fetched: from here on nothing can fail, so commit.
        let mut intervals = Vec::new();
        let mut cursors = Vec::with_capacity(plan.len());
        for (mut cursor, read) in plan {
            cursor.advance(&read);
            tracing::debug!(source = %ctx.source, day = %cursor.day, fetched = read.records_fetched,
                new = read.fresh.len(), offset = read.offset, rescanned = read.rescanned, "state log read");
            merge_latest(&mut self.last_seen, read.latest);
            if intervals.is_empty() {
                intervals = read.intervals;
            } else {
                intervals.extend(read.intervals);
            }
            cursors.push(cursor);
        }
        let current = cursors.pop();
        // The day before the current one stays while it is re-read; any older is done.
        let previous = cursors.pop().or_else(|| self.previous.take());
        self.previous = match (&current, previous) {
            (Some(c), Some(p))
                if Some(p.day) == c.day.pred_opt()
                    && self.today(ctx) == c.day
                    && rereads_previous_day(ctx.now, self.cfg.time_zone) =>
            {
                Some(p)
            }
            _ => None,
        };
        self.cursor = current.or(self.cursor.take());
        let now = ctx.now.timestamp_millis() as f64 / 1000.0;
        Ok(Snapshot {
            agents: Some(agents(now, &self.last_seen, &online)),
            intervals,
            ..Snapshot::default()
        })
    }
}

/// Unix seconds of a record's time: the `_utc` field, else the local wall clock read
/// in the account's time zone (the earlier instant when a DST fall-back repeats it).
fn instant(utc: Option<i64>, local: Option<i64>, tz: chrono_tz::Tz) -> Option<i64> {
    utc.or_else(|| {
        let naive = chrono::DateTime::from_timestamp(local?, 0)?.naive_utc();
        tz.from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp())
    })
}

/// The completed interval a record closes: `prevstate` for `duration` seconds, or for
/// `time - prevtime` when `duration` is missing. Zero-length intervals are dropped: a
/// login's `OFFLINE` has `prevtime = time` and `duration = 0` because VCC Live does not
/// say when it began, and counting it would only add a false "0 s" observation.
pub fn interval_of(c: &StateChange, tz: chrono_tz::Tz) -> Option<f64> {
    if !c.is_usable() {
        return None;
    }
    let seconds = match c.duration {
        Some(d) => d,
        None => {
            let end = instant(c.time_utc, c.time_local, tz)?;
            let start = instant(c.prev_time_utc, c.prev_time_local, tz)?;
            (end - start) as f64
        }
    };
    (seconds.is_finite() && seconds > 0.0).then_some(seconds)
}

/// Folds log records (in log order) into new intervals and each user's latest state.
/// Consumes the records so that their strings move instead of being copied.
pub fn fold_changes(
    changes: Vec<StateChange>,
    tz: chrono_tz::Tz,
    last_seen: &mut BTreeMap<UserId, LastSeen>,
    intervals: &mut Vec<StateInterval>,
) {
    intervals.reserve(changes.len());
    // Each user's id as text, formatted once per user and fold: a day log holds many
    // records per user, and formatting the number for each one was a fifth of the
    // ingest's instructions.
    let mut agent_ids: HashMap<UserId, String> = HashMap::new();
    for c in changes {
        if !c.is_usable() {
            continue;
        }
        let since = instant(c.time_utc, c.time_local, tz);
        if let Some(seconds) = interval_of(&c, tz) {
            let agent = match agent_ids.get(&c.user) {
                Some(id) => id.clone(),
                None => {
                    let id = c.user.to_string();
                    agent_ids.insert(c.user.clone(), id.clone());
                    id
                }
            };
            intervals.push(StateInterval {
                vendor_state: c.prev_state.to_string(),
                seconds,
                agent,
                ended_at: since,
            });
        }
        match last_seen.get_mut(&c.user) {
            // Later in the log is later in time, unless the times say otherwise.
            Some(seen) => update(seen, c.state, since),
            None => {
                last_seen.insert(
                    c.user,
                    LastSeen {
                        state: c.state,
                        since,
                    },
                );
            }
        }
    }
}

/// Keeps `state` unless `seen` is older (by time; later in the log wins a tie).
fn update(seen: &mut LastSeen, state: StateName, since: Option<i64>) {
    let older = matches!((since, seen.since), (Some(new), Some(old)) if new < old);
    if !older {
        seen.state = state;
        seen.since = since;
    }
}

/// Merges one read's latest states into the source's.
pub fn merge_latest(into: &mut BTreeMap<UserId, LastSeen>, from: BTreeMap<UserId, LastSeen>) {
    for (user, new) in from {
        match into.get_mut(&user) {
            Some(seen) => update(seen, new.state, new.since),
            None => {
                into.insert(user, new);
            }
        }
    }
}

/// Every known user's current state at `now` (Unix seconds). Users on the online list
/// take its state and age (from `stateChangedAt`, else `stateDuration`); users known
/// only from the log are `OFFLINE` (aged from their logout when the log shows it).
pub fn agents(
    now: f64,
    last_seen: &BTreeMap<UserId, LastSeen>,
    online: &[OnlineUser],
) -> Vec<Agent> {
    let mut out: BTreeMap<&UserId, Agent> = BTreeMap::new();
    for u in online {
        let age = u
            .state_changed_at
            .map(|t| (now - t).max(0.0))
            .or(u.state_duration);
        out.insert(
            &u.user,
            Agent {
                id: u.user.to_string(),
                // The login name is the only name the API gives.
                name: u.username.clone(),
                vendor_state: u.state.clone(),
                state_age_seconds: age,
            },
        );
    }
    for (user, seen) in last_seen {
        out.entry(user).or_insert_with(|| Agent {
            id: user.to_string(),
            name: None,
            vendor_state: OFFLINE.to_string(),
            state_age_seconds: seen
                .since
                .filter(|_| seen.state.eq_ignore_ascii_case(OFFLINE))
                .map(|t| (now - t as f64).max(0.0)),
        });
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::types::{parse_userstate, tests::EXAMPLE};
    use super::*;

    fn example_fold() -> (Vec<StateInterval>, BTreeMap<UserId, LastSeen>) {
        let changes = parse_userstate(EXAMPLE).unwrap().changes;
        let mut last = BTreeMap::new();
        let mut iv = Vec::new();
        fold_changes(changes, chrono_tz::UTC, &mut last, &mut iv);
        (iv, last)
    }

    #[test]
    fn example_day_intervals_and_current_state() {
        let (iv, last) = example_fold();
        let got: Vec<(&str, f64)> = iv
            .iter()
            .map(|i| (i.vendor_state.as_str(), i.seconds))
            .collect();
        // The login's OFFLINE (0 s) is dropped; each later record closes its prevstate.
        assert_eq!(
            got,
            vec![
                ("UNAVAILABLE", 5.75),
                ("AVAILABLE", 7.44),
                ("AUX", 46.4),
                ("AVAILABLE", 6.96),
                ("WAITING4CALL", 4.57),
                ("RINGING", 7.88),
            ]
        );
        let since = types::parse_timestamp("2013-02-20 15:41:25");
        assert_eq!(
            last.get(&UserId::Num(6)),
            Some(&LastSeen {
                state: "AFTERWORK".into(),
                since
            })
        );
    }

    #[test]
    fn log_only_users_are_offline_and_online_list_wins() {
        let (_, last) = example_fold();
        let t = types::parse_timestamp("2013-02-20 15:41:25").unwrap() as f64;
        // Not online: OFFLINE, age unknown (the log does not say when they left).
        let a = agents(t + 60.0, &last, &[]);
        assert_eq!(
            a,
            vec![Agent {
                id: "6".into(),
                name: None,
                vendor_state: "OFFLINE".into(),
                state_age_seconds: None
            }]
        );
        // Online in another state than the log's: the online list is the present.
        let online = vec![
            OnlineUser {
                user: UserId::Num(6),
                username: Some("green_op".into()),
                state: "CALL".into(),
                state_duration: Some(99.0),
                state_changed_at: Some(t + 30.0),
            },
            OnlineUser {
                user: UserId::Num(8),
                username: None,
                state: "AUX".into(),
                state_duration: Some(12.0),
                state_changed_at: None,
            },
        ];
        let a = agents(t + 60.0, &last, &online);
        assert_eq!(a.len(), 2);
        assert_eq!(
            (
                a[0].name.as_deref(),
                a[0].vendor_state.as_str(),
                a[0].state_age_seconds
            ),
            (Some("green_op"), "CALL", Some(30.0))
        );
        assert_eq!(
            (
                a[1].name.as_deref(),
                a[1].vendor_state.as_str(),
                a[1].state_age_seconds
            ),
            (None, "AUX", Some(12.0))
        );
    }

    #[test]
    fn logout_in_log_gives_offline_age() {
        let mut last = BTreeMap::new();
        last.insert(
            UserId::Num(3),
            LastSeen {
                state: "OFFLINE".into(),
                since: Some(1000),
            },
        );
        let a = agents(1500.0, &last, &[]);
        assert_eq!(a[0].state_age_seconds, Some(500.0));
    }

    #[test]
    fn missing_duration_falls_back_to_times_and_local_times_use_the_zone() {
        let tz = chrono_tz::Europe::Budapest;
        let base = StateChange {
            user: UserId::Num(1),
            prev_state: "CALL".into(),
            state: "AFTERWORK".into(),
            prev_time_utc: Some(1000),
            time_utc: Some(1090),
            prev_time_local: None,
            time_local: None,
            duration: None,
            fingerprint: 0,
        };
        assert_eq!(interval_of(&base, tz), Some(90.0));
        // Only local times, across the 2026-03-29 02:00 → 03:00 jump: 01:59:00 → 03:01:00
        // local is 2 minutes, not 62.
        let local = |s: &str| types::parse_timestamp(s);
        let c = StateChange {
            prev_time_utc: None,
            time_utc: None,
            prev_time_local: local("2026-03-29 01:59:00"),
            time_local: local("2026-03-29 03:01:00"),
            ..base.clone()
        };
        assert_eq!(interval_of(&c, tz), Some(120.0));
        // Unusable and zero-length records give nothing.
        let none = StateChange {
            duration: Some(0.0),
            ..base.clone()
        };
        assert_eq!(interval_of(&none, tz), None);
        let no_user = StateChange {
            user: UserId::Text("".into()),
            ..base
        };
        assert_eq!(interval_of(&no_user, tz), None);
    }

    #[test]
    fn an_older_record_does_not_replace_a_newer_state() {
        let mk = |state: &str, t: i64| StateChange {
            user: UserId::Num(1),
            prev_state: "X".into(),
            state: state.into(),
            prev_time_utc: Some(t - 1),
            time_utc: Some(t),
            prev_time_local: None,
            time_local: None,
            duration: Some(1.0),
            fingerprint: t as u64,
        };
        let mut last = BTreeMap::new();
        let mut iv = Vec::new();
        fold_changes(
            vec![mk("CALL", 200), mk("AUX", 100)],
            chrono_tz::UTC,
            &mut last,
            &mut iv,
        );
        assert_eq!(&*last[&UserId::Num(1)].state, "CALL");
        assert_eq!(iv.len(), 2);
    }
}
