//! `vendor: voximplant` — Voximplant Management API (ACD v1 queues and operators).
//!
//! Each poll makes these calls (all `POST /platform_api/<Method>` with a service-account
//! JWT):
//! 1. `GetQueues` (paged): queue names, their applications and SLA thresholds.
//! 2. `GetUsers` (paged) for each application owning a watched queue (`GetApplications`
//!    first when no queue names one): every operator's current `acd_status`.
//! 3. `GetACDState`: per queue, the ready / locked / after-service operators and the
//!    calls waiting now.
//! 4. `GetACDOperatorStatusStatistics` for the current UTC day by hour and user: time
//!    per status (`state_seconds`).
//! 5. `GetACDQueueStatistics` for the current UTC day by hour, one call per watched
//!    queue: entered / answered / abandoned / answered in SLA, abandonment waits, and
//!    handled calls with their talk and after-call-work time ([`handling`]).
//!
//! Statistics are reported per (hour, user) or (hour, queue): the core counts each hour
//! once and adds only its growth. The first poll reads the whole day; later polls only
//! the hours that can still change (see [`window_start`]).

pub mod api;
pub mod auth;
pub mod config;
pub mod simulate;
pub mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Timelike, Utc};

pub use config::Config;
use types::{parse_datetime, AcdState, Id, Num, QueueInfo, QueueStatRecord, StatusGroup, UserInfo};

use crate::http::PollContext;
use crate::http::{ParseError, SourceError};
use crate::model::{
    Agent, Channel, PeriodHistogram, PeriodKey, PeriodValue, QueueAgents, QueueCount, QueueCounter,
    QueueGauges, QueueKey, Snapshot, WaitHistogram,
};
use crate::state::AgentState;
use crate::vendor::Source;

/// The default vendor state → normalized state table (docs/metrics.md).
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("READY", Available),
        ("IN_SERVICE", Busy),
        ("AFTER_SERVICE", WrapUp),
        ("DND", Break),
        ("ONLINE", Unavailable),
        ("BANNED", Unavailable),
        ("TIMEOUT", Unavailable),
        ("OFFLINE", Offline),
    ]
};

crate::vendor::declare! {
    name: "voximplant",
    spec: Voximplant,
    keys: config::Keys,
    config: Config,
    source: VoximplantSource,
    demo: simulate::demo,
    states: STATES,
    title: "Voximplant",
}

/// Vendor state of operators that `GetACDState` lists as locked by a call.
pub const LOCKED_BUSY: &str = "IN_SERVICE";
/// Vendor state of locked operators whose `status` is `BANNED`.
pub const LOCKED_BANNED: &str = "BANNED";

/// A polling Voximplant source.
pub struct VoximplantSource {
    name: String,
    /// The client, or why the key cannot be used (reported by every poll).
    api: Result<api::Api, String>,
    acd_queues: Option<Vec<u64>>,
    /// Where the last successful poll's window ended (its `to`), to start the next
    /// window there instead of at midnight.
    read_to: Option<DateTime<Utc>>,
}

impl VoximplantSource {
    /// A source for `cfg`.
    pub fn new(name: &str, cfg: Config) -> Self {
        VoximplantSource {
            name: name.to_string(),
            api: api::Api::new(&cfg),
            acd_queues: cfg.acd_queues.clone(),
            read_to: None,
        }
    }
}

/// A queue this source reports on.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedQueue {
    /// Queue id.
    pub id: u64,
    /// The `queue` label: its name, falling back to its id.
    pub name: String,
    /// Smallest configured SLA threshold (`sl_thresholds`), seconds.
    pub sl_threshold: Option<f64>,
    /// Application owning it.
    pub application_id: Option<Id>,
}

#[async_trait]
impl Source for VoximplantSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let api = match &mut self.api {
            Ok(a) => a,
            Err(e) => return Err(SourceError::Credentials(e.clone())),
        };
        let from = window_start(self.read_to, ctx.now);
        let to = ctx.now;

        let all_queues = api.get_queues(ctx).await?;
        let watched = watched_queues(&all_queues, self.acd_queues.as_deref());
        let mut apps: Vec<Id> = watched.iter().filter_map(|q| q.application_id).collect();
        apps.sort_unstable();
        apps.dedup();
        if apps.is_empty() {
            apps = api
                .get_applications(ctx)
                .await?
                .into_iter()
                .map(|a| a.application_id)
                .collect();
        }
        let mut users = Vec::new();
        for app in apps {
            users.extend(api.get_users(ctx, app).await?);
        }
        let state = api.get_acd_state(ctx, self.acd_queues.as_deref()).await?;
        let state_seconds = api
            .get_status_statistics(ctx, from, to, |b| {
                let groups = types::parse_status_statistics(b)?;
                status_periods(groups).map_err(ParseError::Decode)
            })
            .await?;
        let mut queue_hours = Vec::with_capacity(watched.len());
        for q in &watched {
            let hours = api
                .get_queue_statistics(ctx, q.id, from, to, |b| {
                    let records = types::parse_queue_statistics(b)?;
                    let n = records.len() as u64;
                    queue_periods(records)
                        .map(|h| (h, n))
                        .map_err(ParseError::Decode)
                })
                .await?;
            queue_hours.push(hours);
        }

        let watched_ids = self
            .acd_queues
            .as_ref()
            .map(|ids| ids.iter().copied().collect::<HashSet<u64>>());
        let mut snap = Snapshot {
            agents: Some(agents_of(&users, watched_ids.as_ref(), ctx.now)),
            queue_agents: Some(queue_agents_of(&state, &watched)),
            state_seconds,
            ..Snapshot::default()
        };
        let mut gauges = Vec::with_capacity(watched.len());
        for (q, hours) in watched.iter().zip(&queue_hours) {
            let (counts, hists, sla) = queue_counters(q, hours);
            snap.queue_counts.extend(counts);
            snap.queue_histograms.extend(hists);
            gauges.push(queue_gauges(q, &state, sla, ctx.now));
        }
        snap.queues = Some(QueueGauges::merge_same_labels(gauges));
        tracing::debug!(source = %self.name, agents = snap.agents.as_ref().map_or(0, Vec::len),
            queues = watched.len(), periods = snap.state_seconds.len(), "voximplant poll");
        self.read_to = Some(to);
        Ok(snap)
    }
}

/// How far before the previous window's end a poll re-reads: the hour that was open
/// then may still have grown, and a further hour absorbs records the vendor aggregates
/// late. Closed hours before that are already in the store's ledger.
pub const REREAD: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Start of a poll's statistics window. The first poll reads the whole UTC day (so
/// counters begin at today's totals); every later poll reads from the start of the
/// hour the previous window ended in, minus [`REREAD`], so a poll costs the hours that
/// can still change rather than the whole day so far. After midnight this naturally
/// finishes the old day's last hours; after a long outage it reads at most from
/// yesterday's midnight (older hours are past the ledger's use).
pub fn window_start(previous_to: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = day_start(now.date_naive());
    let Some(prev) = previous_to else {
        return today;
    };
    let yesterday = today - chrono::TimeDelta::days(1);
    // A previous end in the future (the clock stepped back) still re-reads an hour.
    (hour_floor(prev) - REREAD).clamp(yesterday, hour_floor(now) - REREAD)
}

/// The start of the UTC hour `t` falls in.
fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    t - chrono::TimeDelta::seconds(i64::from(t.minute() * 60 + t.second()))
        - chrono::TimeDelta::nanoseconds(i64::from(t.nanosecond()))
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Start of the hour `hour` of the UTC `date`, Unix seconds. The example's hours are
/// 11 and 12 of the day (0–23, the reading NOTES.md gives); the SDK types say "1 to
/// 24", so 24 is accepted too — it names the next midnight and stays a distinct period.
pub fn period_start(date: Option<&str>, hour: Option<Num>) -> Result<i64, String> {
    Ok(day_start_of(date)? + hour_offset(hour)?)
}

/// Midnight UTC of a `YYYY-MM-DD` date, Unix seconds.
fn day_start_of(date: Option<&str>) -> Result<i64, String> {
    let date = date.ok_or("record without \"date\" (aggregation=hour not honoured?)")?;
    let day = date
        .trim()
        .parse::<NaiveDate>()
        .map_err(|_| format!("date {date:?} is not YYYY-MM-DD"))?;
    Ok(day_start(day).timestamp())
}

/// Seconds from midnight to the start of `hour` (0–24).
fn hour_offset(hour: Option<Num>) -> Result<i64, String> {
    let hour = hour.ok_or("record without \"hour\" (aggregation=hour not honoured?)")?;
    if !(0.0..=24.0).contains(&hour.0) || hour.0.fract() != 0.0 {
        return Err(format!("hour {} is not 0-24", hour.0));
    }
    Ok(hour.0 as i64 * 3600)
}

/// Status statistics → one [`PeriodValue`] per (hour, status): the series is the
/// status name, the value the seconds of every operator in that status in that hour,
/// and the scope empty. Returns the values and the record count.
///
/// Summed here, before the core's ledger: `agent_state_seconds_total` has no agent
/// label, and one period per (user, hour, status) made the ledger hold ~480,000
/// entries at 2,000 operators over its 48 hours (BENCHMARKS.md, ledger memory). The
/// sum is exact because one answer (`user_id=all`, no paging) carries every operator
/// for each hour it covers, and every window covers whole hours. An operator who
/// vanishes from the answer (deleted) makes an hour's sum shrink: the ledger keeps the
/// highest value, so nothing is counted twice; that hour's growth is absorbed until
/// the sum is back at its high.
///
/// Takes the groups by value so status names move into the key instead of being
/// copied, and remembers the last date it converted: a day's answer for 2,000
/// operators is ~240,000 values over one date, and a profile showed the per-value
/// allocations and date parsing on top.
pub fn status_periods(groups: Vec<StatusGroup>) -> Result<(Vec<PeriodValue<String>>, u64), String> {
    let mut sums: HashMap<(i64, String), f64> = HashMap::new();
    // One record per operator and hour: a record seen again (a repeated group, a
    // duplicated answer) must not be summed twice, as the per-user ledger keys used to
    // make sure.
    let mut seen: HashSet<(u64, i64)> = HashSet::new();
    let mut records = 0u64;
    let mut last_day: Option<(String, i64)> = None;
    for (gi, g) in groups.into_iter().enumerate() {
        for (ri, r) in g.statistics.into_iter().enumerate() {
            records += 1;
            let at = |m: String| format!("result[{gi}].statistics[{ri}]: {m}");
            let user = r
                .user_id
                .or(g.user_id)
                .ok_or_else(|| at("no user_id".into()))?;
            let date = r.date.as_deref().or(g.date.as_deref());
            let day = match (&last_day, date) {
                (Some((d, ts)), Some(date)) if d == date => *ts,
                _ => {
                    let ts = day_start_of(date).map_err(at)?;
                    last_day = date.map(|d| (d.to_string(), ts));
                    ts
                }
            };
            let start = day + hour_offset(r.hour.or(g.hour)).map_err(at)?;
            if !seen.insert((user.0, start)) {
                continue;
            }
            for (status, item) in r.acd_status.0 {
                let Some(sum) = item.sum else { continue };
                *sums.entry((start, status)).or_insert(0.0) += sum.0.max(0.0);
            }
        }
    }
    let mut out: Vec<PeriodValue<String>> = sums
        .into_iter()
        .map(|((start, status), value)| PeriodValue {
            series: status,
            period: PeriodKey {
                start,
                scope: String::new(),
            },
            value,
        })
        .collect();
    // A stable order, for logs and tests (the map's is random).
    out.sort_unstable_by(|a, b| (a.period.start, &a.series).cmp(&(b.period.start, &b.series)));
    Ok((out, records))
}

/// One hour of one queue's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueHour {
    /// Period start, Unix seconds.
    pub start: i64,
    /// The vendor's record.
    pub record: QueueStatRecord,
}

/// Keys each queue-statistics record by its hour.
pub fn queue_periods(records: Vec<QueueStatRecord>) -> Result<Vec<QueueHour>, String> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            period_start(r.date.as_deref(), r.hour)
                .map(|start| QueueHour { start, record: r })
                .map_err(|m| format!("result[{i}]: {m}"))
        })
        .collect()
}

/// The queues to report on: the configured ids (named from `GetQueues` where it
/// knows them) or every queue `GetQueues` lists that is not deleted.
pub fn watched_queues(all: &[QueueInfo], configured: Option<&[u64]>) -> Vec<WatchedQueue> {
    let live = |q: &&QueueInfo| q.deleted.as_deref().is_none_or(|d| d.trim().is_empty());
    let describe = |q: &QueueInfo| WatchedQueue {
        id: q.acd_queue_id.0,
        name: q
            .acd_queue_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map_or_else(|| q.acd_queue_id.to_string(), str::to_string),
        sl_threshold: q
            .sl_thresholds
            .as_ref()
            .and_then(|t| t.iter().map(|n| n.0).filter(|n| *n >= 0.0).reduce(f64::min)),
        application_id: q.application_id,
    };
    match configured {
        None => {
            let mut v: Vec<WatchedQueue> = all.iter().filter(live).map(describe).collect();
            v.sort_by_key(|q| q.id);
            v
        }
        Some(ids) => ids
            .iter()
            .map(|&id| {
                all.iter()
                    .find(|q| q.acd_queue_id.0 == id)
                    .map(describe)
                    .unwrap_or_else(|| WatchedQueue {
                        id,
                        name: id.to_string(),
                        sl_threshold: None,
                        application_id: None,
                    })
            })
            .collect(),
    }
}

/// Users → agents. A user whose bound queues are listed is an agent only when bound
/// to a watched queue (any queue, when none are configured); a user whose queues are
/// not listed at all is kept. Users without an `acd_status` are not ACD operators.
pub fn agents_of(
    users: &[UserInfo],
    watched: Option<&HashSet<u64>>,
    now: DateTime<Utc>,
) -> Vec<Agent> {
    let mut out: BTreeMap<u64, Agent> = BTreeMap::new();
    for u in users {
        let Some(status) = u
            .acd_status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let bound = match (&u.acd_queues, watched) {
            (None, _) => true,
            (Some(qs), None) => !qs.is_empty(),
            (Some(qs), Some(w)) => qs.iter().any(|q| w.contains(&q.acd_queue_id.0)),
        };
        if !bound {
            continue;
        }
        let age = u
            .acd_status_change_time
            .as_deref()
            .and_then(parse_datetime)
            .map(|t| (now.timestamp() - t).max(0) as f64);
        out.entry(u.user_id.0).or_insert_with(|| Agent {
            id: u.user_id.to_string(),
            name: display_name(u),
            vendor_state: status.to_string(),
            state_age_seconds: age,
        });
    }
    out.into_values().collect()
}

/// The user's display name, else its login name; blank ones are no name.
fn display_name(u: &UserInfo) -> Option<String> {
    [&u.user_display_name, &u.user_name]
        .into_iter()
        .flatten()
        .map(|n| n.trim())
        .find(|n| !n.is_empty())
        .map(str::to_string)
}

/// `GetACDState` → agents per queue and vendor state: ready operators are `READY`,
/// locked ones `IN_SERVICE` (or `BANNED` when their status says so), after-service
/// ones `AFTER_SERVICE`. The lists are counted where present; the `*_count` fields
/// stand in only when a list is missing. Zero counts are left out.
pub fn queue_agents_of(state: &AcdState, watched: &[WatchedQueue]) -> Vec<QueueAgents> {
    let mut counts: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    for qs in state.acd_queues.iter().flatten() {
        let name = queue_name(qs.acd_queue_id, watched);
        let count = |n: Option<Num>| n.map_or(0, |n| n.0.max(0.0) as u64);
        let mut add = |st: &'static str, n: u64| {
            if n > 0 {
                *counts.entry((name.clone(), st)).or_default() += n;
            }
        };
        add(
            "READY",
            qs.ready_operators
                .as_ref()
                .map_or(count(qs.ready_operators_count), |l| l.len() as u64),
        );
        match &qs.locked_operators {
            Some(list) => {
                for op in list {
                    let banned = op
                        .status
                        .as_deref()
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case(LOCKED_BANNED));
                    add(if banned { LOCKED_BANNED } else { LOCKED_BUSY }, 1);
                }
            }
            None => add(LOCKED_BUSY, count(qs.locked_operators_count)),
        }
        add(
            "AFTER_SERVICE",
            qs.after_service_operators
                .as_ref()
                .map_or(count(qs.after_service_operator_count), |l| l.len() as u64),
        );
    }
    counts
        .into_iter()
        .map(|((queue, st), count)| QueueAgents {
            queue,
            vendor_state: st.to_string(),
            count,
        })
        .collect()
}

fn queue_name(id: Id, watched: &[WatchedQueue]) -> String {
    watched
        .iter()
        .find(|q| q.id == id.0)
        .map_or_else(|| id.to_string(), |q| q.name.clone())
}

fn key_of(q: &WatchedQueue) -> QueueKey {
    QueueKey {
        queue: q.name.clone(),
        channel: Channel::Voice,
    }
}

/// Current gauges of one queue: calls waiting and the longest wait from `GetACDState`
/// (not exported when the state lists no such queue), and the SLA threshold.
pub fn queue_gauges(
    q: &WatchedQueue,
    state: &AcdState,
    sla_threshold: Option<f64>,
    now: DateTime<Utc>,
) -> QueueGauges {
    let qs = state
        .acd_queues
        .iter()
        .flatten()
        .find(|s| s.acd_queue_id.0 == q.id);
    let (waiting, oldest) = match qs {
        None => (None, None),
        Some(s) => {
            let calls = s.waiting_calls.as_deref().unwrap_or_default();
            let oldest = calls
                .iter()
                .filter_map(|c| {
                    c.waiting_time.map(|w| w.0).or_else(|| {
                        c.begin_time
                            .as_deref()
                            .and_then(parse_datetime)
                            .map(|t| (now.timestamp() - t) as f64)
                    })
                })
                .map(|w| w.max(0.0))
                .fold(0.0, f64::max);
            (Some(calls.len() as u64), Some(oldest))
        }
    };
    QueueGauges {
        key: key_of(q),
        waiting,
        oldest_wait_seconds: oldest,
        sla_threshold_seconds: sla_threshold.or(q.sl_threshold),
    }
}

/// The service level a record's "answered in SLA" comes from: the smallest
/// `acceptable_waiting_time` (a queue may have several thresholds; the tightest is
/// the usual service-level target, and choosing by value keeps the choice stable
/// whatever order the server lists them in). A negative threshold is no threshold: it
/// would become a negative `sla_threshold_seconds`.
pub fn chosen_service_level(r: &QueueStatRecord) -> Option<(f64, f64)> {
    r.service_levels
        .iter()
        .flatten()
        .filter_map(|sl| Some((sl.acceptable_waiting_time?.0, sl.call_count?.0)))
        .filter(|(threshold, _)| *threshold >= 0.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// An hour's handling figures: `(handled, talk seconds, after-call-work seconds)` =
/// `(HT.count, TT.sum, ACW.sum)`. `HT` is documented as the sum of talk time and
/// after-call work per call, so `HT.count` counts every handled call, while `ACW` is
/// tracked only for calls followed by `AFTER_SERVICE` and its `count` may be smaller.
/// Each figure comes from its own item only: a missing item adds nothing to its
/// counter, rather than being derived from the others.
pub fn handling(r: &QueueStatRecord) -> (Option<f64>, Option<f64>, Option<f64>) {
    let count = |i: Option<types::StatItem>| i.and_then(|i| i.count).map(|n| n.0);
    let sum = |i: Option<types::StatItem>| i.and_then(|i| i.sum).map(|n| n.0);
    (
        count(r.handling_time),
        sum(r.talk_time),
        sum(r.after_call_work),
    )
}

/// One queue's hours → counter periods, abandonment-wait histograms, and the SLA
/// threshold of the latest hour that has one.
pub fn queue_counters(
    q: &WatchedQueue,
    hours: &[QueueHour],
) -> (
    Vec<PeriodValue<QueueCount>>,
    Vec<PeriodHistogram>,
    Option<f64>,
) {
    let key = key_of(q);
    let scope = q.id.to_string();
    let mut counts = Vec::with_capacity(hours.len() * 7);
    let mut hists = Vec::new();
    let mut sla: Option<(i64, f64)> = None;
    for h in hours {
        // Scoped by queue id: two queues may share a name (the `queue` label), and
        // one period per name would keep only the larger queue's figures.
        let period = PeriodKey {
            start: h.start,
            scope: scope.clone(),
        };
        let r = &h.record;
        let mut push = |counter: QueueCounter, v: Option<f64>| {
            if let Some(v) = v {
                counts.push(PeriodValue {
                    series: QueueCount {
                        key: key.clone(),
                        counter,
                    },
                    period: period.clone(),
                    value: v.max(0.0),
                });
            }
        };
        push(QueueCounter::Entered, r.total_calls.map(|n| n.0));
        push(QueueCounter::Answered, r.answered.map(|c| c.0));
        push(QueueCounter::Abandoned, r.unanswered.map(|c| c.0));
        let (handled, talk, acw) = handling(r);
        push(QueueCounter::Handled, handled);
        push(QueueCounter::TalkSeconds, talk);
        push(QueueCounter::AfterCallWorkSeconds, acw);
        let sl = chosen_service_level(r);
        push(QueueCounter::AnsweredInSla, sl.map(|s| s.1));
        if let Some((threshold, _)) = sl {
            if sla.is_none_or(|(start, _)| h.start >= start) {
                sla = Some((h.start, threshold));
            }
        }
        if let Some(at) = r.abandonment_time {
            let count = at.count.map_or(0, |n| n.0.max(0.0).round() as u64);
            hists.push(PeriodHistogram {
                histogram: WaitHistogram::AbandonWait,
                key: key.clone(),
                period: period.clone(),
                buckets: vec![(f64::INFINITY, count)],
                count,
                sum: at.sum.map(|s| s.0.max(0.0)),
            });
        }
    }
    (counts, hists, sla.map(|s| s.1))
}

#[cfg(test)]
mod tests;
