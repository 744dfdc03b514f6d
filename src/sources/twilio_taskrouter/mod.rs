//! `vendor: twilio_taskrouter` — Twilio TaskRouter (the routing engine of Twilio Flex):
//! TaskQueue statistics and Worker activities over TaskRouter's v1 REST API (JSON,
//! HTTP Basic with an API key).
//!
//! Each poll reads:
//! - the TaskQueues (`GET …/TaskQueues`, every page), cached for
//!   [`QUEUE_CACHE_SECONDS`]: their SIDs and names;
//! - their real-time statistics, [`api::BULK_MAX`] TaskQueues a request (`POST
//!   …/TaskQueues/RealTimeStatistics`, at most [`BULK_PER_SECOND`] a second): waiting
//!   (pending + reserved), the oldest wait and the queue's Workers per Activity;
//! - each TaskQueue's cumulative statistics since local midnight in `time_zone`
//!   (`…/CumulativeStatistics?StartDate=…&SplitByWaitTime=<threshold>`): the day's
//!   running totals, booked as one period per day and TaskQueue, so the core's period
//!   ledger counts each day once and adds only growth; for [`PREVIOUS_DAY_SECONDS`]
//!   after midnight the previous day is read again up to midnight, so its last minutes
//!   and late fills are counted too;
//! - the Workers (`GET …/Workers`, every page): each agent's Activity and since when;
//! - the Activities (`GET …/Activities`, one page: a Workspace has at most 100), cached
//!   for [`QUEUE_CACHE_SECONDS`]: an Activity neither `state_map` nor the default table
//!   names counts as `available` or `unavailable` by its own `available` flag (which
//!   TaskRouter fixes when the Activity is created).
//!
//! The statistics are not split by TaskChannel, so every queue has `channel="other"`.

pub mod api;
pub mod config;
pub mod simulate;
pub mod types;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt, TryStreamExt};

pub use config::Config;
use types::{Activity, Count, Cumulative, QueueRealTime, TaskQueue, Worker};

use crate::cached::Cached;
use crate::http::{PollContext, SourceError};
use crate::model::{
    Agent, Channel, PeriodKey, PeriodValue, QueueAgents, QueueCount, QueueCounter, QueueGauges,
    QueueKey, Snapshot,
};
use crate::state::{AgentState, StateFallbacks};
use crate::vendor::Source;

pub use crate::local_day::day_start;

/// The default Activity name → normalized state table (docs/metrics.md): TaskRouter's
/// default Activities (old and new Workspaces) and the usual Flex additions.
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("Available", Available),
        ("Idle", Available),
        ("Reserved", Ringing),
        ("Busy", Busy),
        ("Wrap-up", WrapUp),
        ("WrapUp", WrapUp),
        ("Break", Break),
        ("Unavailable", Unavailable),
        ("Offline", Offline),
    ]
};

crate::vendor::declare! {
    name: "twilio_taskrouter",
    spec: TwilioTaskRouter,
    keys: config::Keys,
    config: Config,
    source: TaskRouterSource,
    demo: simulate::demo,
    states: STATES,
}

/// How long the TaskQueue and Activity lists are kept before they are read again.
pub const QUEUE_CACHE_SECONDS: i64 = 300;
/// How long after local midnight the previous day is read again.
pub const PREVIOUS_DAY_SECONDS: i64 = 2 * 3600;
/// TaskRouter's documented limit on bulk real-time requests a second.
pub const BULK_PER_SECOND: u32 = 5;
/// Cumulative-statistics requests in flight at once.
pub const CUMULATIVE_CONCURRENCY: usize = 4;
/// Above this many reservations (or cancels) in a day, TaskRouter computes
/// `split_by_wait_time` on a sample only.
pub const SPLIT_CAP: f64 = 10_000.0;
/// How far the `start_time` of a cumulative answer may lie from the `StartDate` asked
/// for (TaskRouter may round it); further off, the answer is for another window.
const START_TOLERANCE_SECONDS: i64 = 60;

/// A polling TaskRouter source.
pub struct TaskRouterSource {
    name: String,
    api: api::Api,
    /// The TaskQueues to report on and when they were listed.
    queues: Cached<Vec<TaskQueue>>,
    /// The Activities' fallback states and when they were listed.
    activities: Cached<StateFallbacks>,
    /// When the last bulk request was sent (for the requests-a-second limit).
    last_bulk: Option<tokio::time::Instant>,
    /// Days × TaskQueues already warned of the split cap.
    capped: HashSet<(i64, String)>,
}

impl TaskRouterSource {
    /// A source named `name` for `cfg`.
    pub fn new(name: &str, cfg: Config) -> Self {
        TaskRouterSource {
            name: name.to_string(),
            api: api::Api::new(cfg),
            queues: Cached::new(QUEUE_CACHE_SECONDS),
            activities: Cached::new(QUEUE_CACHE_SECONDS),
            last_bulk: None,
            capped: HashSet::new(),
        }
    }

    /// The TaskQueues reported on: the cached list while fresh, else a new one
    /// narrowed to `queues`.
    async fn queues(&mut self, ctx: &PollContext) -> Result<Vec<TaskQueue>, SourceError> {
        if let Some(q) = self.queues.get(ctx.now) {
            return Ok(q.clone());
        }
        let mut all = self.api.task_queues(ctx).await?;
        let mut seen = HashSet::new();
        all.retain(|q| seen.insert(q.sid.clone()));
        if let Some(names) = &self.api.config().queues {
            all.retain(|q| q.friendly_name.as_ref().is_some_and(|n| names.contains(n)));
            let missing: Vec<&str> = names
                .iter()
                .filter(|n| !all.iter().any(|q| q.friendly_name.as_ref() == Some(*n)))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                tracing::warn!(source = %self.name, missing = %missing.join(", "),
                    "queues: no TaskQueue of the Workspace has these names");
            }
        }
        self.queues.put(all.clone(), ctx.now);
        Ok(all)
    }

    /// The fallback state of every Activity: the cached list while fresh, else a new one.
    async fn activity_fallbacks(
        &mut self,
        ctx: &PollContext,
    ) -> Result<StateFallbacks, SourceError> {
        if let Some(f) = self.activities.get(ctx.now) {
            return Ok(f.clone());
        }
        let fallbacks = activity_fallbacks(&self.api.activities(ctx).await?);
        self.activities.put(fallbacks.clone(), ctx.now);
        Ok(fallbacks)
    }

    /// Real-time statistics of `queues`, [`api::BULK_MAX`] a request, at most
    /// [`BULK_PER_SECOND`] requests a second.
    async fn real_time(
        &mut self,
        ctx: &PollContext,
        queues: &[TaskQueue],
    ) -> Result<Vec<QueueRealTime>, SourceError> {
        let gap = std::time::Duration::from_secs(1) / BULK_PER_SECOND;
        let mut out = Vec::with_capacity(queues.len());
        for chunk in queues.chunks(api::BULK_MAX) {
            if let Some(last) = self.last_bulk {
                tokio::time::sleep_until(last + gap).await;
            }
            self.last_bulk = Some(tokio::time::Instant::now());
            let sids: Vec<&str> = chunk.iter().map(|q| q.sid.as_str()).collect();
            match self.api.bulk_real_time(ctx, &sids).await {
                Ok(a) => out.extend(a.task_queue_data),
                Err(e) => {
                    if matches!(
                        e,
                        SourceError::Status {
                            status: 400 | 404,
                            ..
                        }
                    ) {
                        // A TaskQueue may have been deleted: list them again next time.
                        self.queues.clear();
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    /// The cumulative statistics of every TaskQueue for each day being read.
    async fn cumulative(
        &self,
        ctx: &PollContext,
        queues: &[TaskQueue],
    ) -> Result<Vec<DayTotals>, SourceError> {
        let windows = day_windows(ctx.now, self.api.config().time_zone);
        let jobs: Vec<_> = windows
            .iter()
            .flat_map(|w| queues.iter().map(move |q| (w.clone(), q.sid.clone())))
            .map(|(w, sid)| day_totals(&self.api, ctx, w, sid))
            .collect();
        stream::iter(jobs)
            .buffer_unordered(CUMULATIVE_CONCURRENCY)
            .try_collect()
            .await
    }

    /// Warns once per day and TaskQueue whose split by wait time is sampled.
    fn warn_capped(&mut self, totals: &[DayTotals], labels: &HashMap<&str, String>) {
        let oldest = totals.iter().map(|t| t.day_start).min().unwrap_or(0);
        self.capped.retain(|(d, _)| *d >= oldest);
        for t in totals {
            let over = [t.totals.reservations_accepted, t.totals.tasks_canceled]
                .into_iter()
                .flatten()
                .any(|c| c.0 > SPLIT_CAP);
            if over && self.capped.insert((t.day_start, t.sid.clone())) {
                tracing::warn!(source = %self.name, queue = %labels.get(t.sid.as_str()).map_or(t.sid.as_str(), String::as_str),
                    task_queue_sid = %t.sid,
                    "more than 10,000 reservations today: TaskRouter computes split_by_wait_time on 10,000 only, so answered_in_sla undercounts from here");
            }
        }
    }
}

/// One TaskQueue's totals of one day window.
async fn day_totals(
    api: &api::Api,
    ctx: &PollContext,
    w: DayWindow,
    sid: String,
) -> Result<DayTotals, SourceError> {
    let c = api.cumulative(ctx, &sid, w.start, w.end).await?;
    check_window(&c, w.start, &sid)?;
    Ok(DayTotals {
        sid,
        day_start: w.start.timestamp(),
        totals: c,
    })
}

/// One day window of the cumulative statistics: from `start`, up to `end` (else now).
#[derive(Debug, Clone, PartialEq)]
pub struct DayWindow {
    /// Local midnight, UTC.
    pub start: DateTime<Utc>,
    /// The next local midnight, for a past day.
    pub end: Option<DateTime<Utc>>,
}

/// The days a poll at `now` reads: today, and yesterday up to midnight while within
/// [`PREVIOUS_DAY_SECONDS`] of midnight.
pub fn day_windows(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<DayWindow> {
    let today = now.with_timezone(&tz).date_naive();
    let start = day_start(today, tz);
    let mut out = vec![DayWindow { start, end: None }];
    if (now - start).num_seconds() < PREVIOUS_DAY_SECONDS {
        if let Some(yesterday) = today.pred_opt() {
            out.push(DayWindow {
                start: day_start(yesterday, tz),
                end: Some(start),
            });
        }
    }
    out
}

/// An answer for another window than asked would book its totals to the wrong day.
fn check_window(c: &Cumulative, asked: DateTime<Utc>, sid: &str) -> Result<(), SourceError> {
    let Some(s) = c.start_time.as_deref() else {
        return Ok(());
    };
    let ok = DateTime::parse_from_rfc3339(s.trim())
        .map(|t| (t.with_timezone(&Utc) - asked).num_seconds().abs() <= START_TOLERANCE_SECONDS)
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(SourceError::Decode {
            endpoint: api::CUMULATIVE,
            url: sid.to_string(),
            detail: format!(
                "start_time {s:?} is not the StartDate asked for ({}): the totals would be booked to the wrong day",
                asked.to_rfc3339()
            ),
        })
    }
}

/// One TaskQueue's cumulative statistics of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayTotals {
    /// `WQ…`.
    pub sid: String,
    /// The day's local midnight, Unix seconds: the period.
    pub day_start: i64,
    /// The answer.
    pub totals: Cumulative,
}

#[async_trait]
impl Source for TaskRouterSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let queues = self.queues(ctx).await?;
        let real_time = self.real_time(ctx, &queues).await?;
        let totals = self.cumulative(ctx, &queues).await?;
        let workers = self.api.workers(ctx).await?;
        let fallbacks = self.activity_fallbacks(ctx).await?;
        let labels: HashMap<&str, String> = queues
            .iter()
            .map(|q| (q.sid.as_str(), queue_label(q)))
            .collect();
        self.warn_capped(&totals, &labels);
        let snap = normalize(
            &queues,
            real_time,
            totals,
            workers,
            self.api.config().sla_seconds,
            ctx.now,
        );
        Ok(Snapshot {
            state_fallbacks: fallbacks,
            ..snap
        })
    }
}

/// Activities → fallback states: `available` → available, not → unavailable. An
/// Activity without a name or a flag gives none (its Workers stay `other` unless
/// `state_map` names it).
pub fn activity_fallbacks(activities: &[Activity]) -> StateFallbacks {
    activities
        .iter()
        .filter_map(|a| {
            let name = a.friendly_name.as_deref().map(str::trim)?;
            let state = match a.available? {
                true => AgentState::Available,
                false => AgentState::Unavailable,
            };
            (!name.is_empty()).then(|| (name.to_string(), state))
        })
        .collect()
}

/// The `queue` label: the friendly name, else the SID.
pub fn queue_label(q: &TaskQueue) -> String {
    match q.friendly_name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => q.sid.clone(),
    }
}

/// Everything a poll read → snapshot. TaskQueues with the same name are one series
/// (waiting adds up, the longer oldest wait wins); their periods stay apart by SID.
pub fn normalize(
    queues: &[TaskQueue],
    real_time: Vec<QueueRealTime>,
    totals: Vec<DayTotals>,
    workers: Vec<Worker>,
    sla_seconds: u64,
    now: DateTime<Utc>,
) -> Snapshot {
    let labels: HashMap<&str, String> = queues
        .iter()
        .map(|q| (q.sid.as_str(), queue_label(q)))
        .collect();
    let key = |sid: &str| -> Option<QueueKey> {
        Some(QueueKey {
            queue: labels.get(sid)?.clone(),
            channel: Channel::Other,
        })
    };
    let mut gauges: Vec<QueueGauges> = Vec::with_capacity(real_time.len());
    let mut queue_agents = Vec::with_capacity(real_time.len() * 4);
    let mut seen = HashSet::new();
    for r in real_time {
        // Only the TaskQueues asked for, each once.
        let Some(k) = key(&r.task_queue_sid) else {
            continue;
        };
        if !seen.insert(r.task_queue_sid.clone()) {
            continue;
        }
        for a in r.activity_statistics.into_iter().flatten() {
            queue_agents.push(QueueAgents {
                queue: k.queue.clone(),
                vendor_state: a.friendly_name,
                count: a.workers.0.round() as u64,
            });
        }
        let waiting = r
            .tasks_by_status
            .and_then(|t| match (t.pending, t.reserved) {
                (None, None) => None,
                (p, r) => Some(
                    (p.unwrap_or_default().0.round() as u64)
                        .saturating_add(r.unwrap_or_default().0.round() as u64),
                ),
            });
        let oldest = match waiting {
            Some(0) => Some(0.0),
            _ => r
                .longest_relative_task_age_in_queue
                .or(r.longest_task_waiting_age)
                .map(|c| c.0),
        };
        gauges.push(QueueGauges {
            key: k,
            waiting,
            oldest_wait_seconds: oldest,
            sla_threshold_seconds: Some(sla_seconds as f64),
        });
    }
    gauges.sort_by(|a, b| a.key.cmp(&b.key));
    gauges.dedup_by(|later, kept| {
        if later.key != kept.key {
            return false;
        }
        kept.waiting = match (kept.waiting, later.waiting) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
        kept.oldest_wait_seconds = match (kept.oldest_wait_seconds, later.oldest_wait_seconds) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        true
    });
    let mut queue_counts = Vec::with_capacity(totals.len() * 5);
    let mut booked = HashSet::new();
    for t in totals {
        let Some(k) = key(&t.sid) else {
            continue;
        };
        if !booked.insert((t.sid.clone(), t.day_start)) {
            continue;
        }
        let c = &t.totals;
        for (counter, value) in [
            (QueueCounter::Entered, c.tasks_entered),
            (QueueCounter::Answered, c.reservations_accepted),
            (QueueCounter::Abandoned, c.tasks_canceled),
            (QueueCounter::AnsweredInSla, c.accepted_within(sla_seconds)),
            (QueueCounter::Handled, c.tasks_completed),
        ] {
            if let Some(Count(v)) = value {
                queue_counts.push(PeriodValue {
                    series: QueueCount {
                        key: k.clone(),
                        counter,
                    },
                    period: PeriodKey {
                        start: t.day_start,
                        scope: t.sid.clone(),
                    },
                    value: v,
                });
            }
        }
    }
    Snapshot {
        agents: Some(agents_of(workers, now)),
        queue_agents: Some(queue_agents),
        queues: Some(gauges),
        queue_counts,
        ..Snapshot::default()
    }
}

/// Workers → agents: the Activity as the vendor state (`unknown` without one), the
/// friendly name, and the age of the Activity from `date_status_changed`. A Worker
/// listed twice (a list that shifted between pages) counts once.
pub fn agents_of(workers: Vec<Worker>, now: DateTime<Utc>) -> Vec<Agent> {
    let mut seen = HashSet::new();
    workers
        .into_iter()
        .filter(|w| seen.insert(w.sid.clone()))
        .map(|w| {
            let state_age_seconds = w
                .date_status_changed
                .as_deref()
                .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
                .map(|t| {
                    ((now - t.with_timezone(&Utc)).num_milliseconds() as f64 / 1000.0).max(0.0)
                });
            let vendor_state = match w.activity_name.as_deref().map(str::trim) {
                Some(a) if !a.is_empty() => a.to_string(),
                _ => "unknown".to_string(),
            };
            Agent {
                id: w.sid,
                name: w.friendly_name.filter(|n| !n.trim().is_empty()),
                vendor_state,
                state_age_seconds,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
