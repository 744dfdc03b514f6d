//! `vendor: eight_by_eight` — 8x8 Contact Center, legacy Statistics Reporting API
//! (XML over HTTPS, Basic `tenant:token`, paths under `{base_url}/api/stats/`).
//!
//! Each poll reads:
//! - `/groups`, then per group the day's status events `/groups/{id}/statuses`
//!   incrementally ([`agents`]): current state per agent and completed intervals;
//! - with `agent_statistics: true`, per agent `/agents/{id}/statuses/statistics`
//!   (30-minute state totals) for `agent_state_seconds_total`; the intervals then feed
//!   only the duration histogram, so the same time is not counted twice;
//! - `/queues`, then per watched queue the day's 30-minute `statistics` (counters) and
//!   `online_slas` or `offline_slas` (wait histograms), re-read whole every poll because
//!   a period keeps changing until it closes ([`periods`]).
//!
//! Days are local days in `time_zone`. The first poll also reads the previous day's
//! status events, only to learn the states of agents who have not changed state today.
//! When the local day changes, the old day is read once more (its late records) before
//! the new one. All state advances only when the whole poll succeeded.

pub mod agents;
pub mod api;
pub mod config;
pub mod periods;
pub mod simulate;
pub mod types;
pub mod xml;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

pub use config::Config;

use agents::{AgentBook, Change, Cursor};
use api::{fetch_all, fetch_pages, stats_url};
use periods::{is_offline, WatchedQueue};
use types::{Group, StatusEvent};

use crate::http::PollContext;
use crate::http::SourceError;
use crate::model::{QueueGauges, Snapshot, StateInterval};
use crate::state::AgentState;
use crate::vendor::Source;

/// The default vendor state → normalized state table (docs/metrics.md).
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("Available", Available),
        ("Waiting", Available),
        ("Transaction Offered", Ringing),
        ("Processing", Busy),
        ("Busy", Busy),
        ("Post Processing", WrapUp),
        ("Wrap Up", WrapUp),
        ("On Break", Break),
        ("Working Offline", Unavailable),
        ("Logged Out", Offline),
    ]
};

crate::vendor::declare! {
    name: "eight_by_eight",
    spec: EightByEight,
    keys: config::Keys,
    config: Config,
    source: EightByEightSource,
    demo: simulate::demo,
    states: STATES,
    title: "8x8 Contact Center",
}

/// Bound on the pages of one group's status events read in one poll (10,000 events);
/// reading continues from there at the next poll.
pub const MAX_EVENT_PAGES: usize = 200;

/// A polling 8x8 source.
pub struct EightByEightSource {
    name: String,
    cfg: Config,
    /// Local day of the last successful poll.
    day: Option<NaiveDate>,
    /// Local day of the first successful poll: counting starts there, so an earlier
    /// day is never re-read for counting.
    first_day: Option<NaiveDate>,
    book: AgentBook,
    /// Configured queue ids last found missing from `/queues` (to warn once).
    missing_queues: Vec<u64>,
}

impl EightByEightSource {
    /// A source for `cfg`.
    pub fn new(name: &str, cfg: Config) -> Self {
        EightByEightSource {
            name: name.to_string(),
            cfg,
            day: None,
            first_day: None,
            book: AgentBook::default(),
            missing_queues: Vec::new(),
        }
    }

    /// Reads one group's status events of one day from `cursor` on; returns them and
    /// the cursor after them.
    async fn read_group_day(
        &self,
        ctx: &PollContext,
        group: &str,
        day: NaiveDate,
        cursor: &Cursor,
    ) -> Result<(Vec<StatusEvent>, Cursor), SourceError> {
        let url = stats_url(&self.cfg.base_url, &["groups", group, "statuses"]);
        let read = |n| {
            fetch_pages(
                ctx,
                &self.cfg,
                api::GROUP_STATUSES,
                &url,
                Some(day),
                n,
                MAX_EVENT_PAGES,
                types::parse_status_events,
            )
        };
        let mut pages = read(cursor.consumed.max(1)).await?;
        if cursor.consumed > 0 {
            if pages.records.first() == cursor.last.as_ref() {
                pages.records.remove(0);
            } else {
                // Records were inserted before the cursor: read the day again; events
                // already applied are recognised by time (see `agents`).
                tracing::debug!(source = %self.name, group, %day, consumed = cursor.consumed,
                    "status list changed under the cursor; reading the day again");
                pages = read(1).await?;
            }
        }
        let next = Cursor {
            consumed: pages.next_n - 1,
            last: pages
                .records
                .last()
                .cloned()
                .or_else(|| cursor.last.clone()),
        };
        Ok((pages.records, next))
    }
}

pub use crate::local_day::day_start;

/// The instants of one local day, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DaySpan {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl DaySpan {
    /// Whether a period starting at `t` belongs to the day. Periods outside the day
    /// asked for are dropped: a server ignoring `d` would otherwise feed the ledger
    /// periods it has already forgotten (older than two days), counting them again.
    pub fn contains(&self, t: Option<DateTime<chrono::FixedOffset>>) -> bool {
        t.is_some_and(|t| t >= self.start && t < self.end)
    }
}

/// The span of local `day` in `tz`.
pub fn day_span(day: NaiveDate, tz: chrono_tz::Tz) -> DaySpan {
    let start = day_start(day, tz);
    let end = day
        .succ_opt()
        .map(|d| day_start(d, tz))
        .unwrap_or(start + chrono::Duration::days(1));
    DaySpan { start, end }
}

#[async_trait]
impl Source for EightByEightSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let tz = self.cfg.time_zone;
        let today = ctx.now.with_timezone(&tz).date_naive();
        let days = self.days_to_read(ctx.now, today);
        let mut snap = Snapshot::default();
        let (book, intervals) = self.read_agents(ctx, &days, today).await?;
        snap.agents = Some(book.current(ctx.now));
        if self.cfg.agent_statistics {
            self.read_agent_statistics(ctx, &book, &days, &mut snap)
                .await?;
            snap.intervals_histogram_only = true;
        }
        snap.intervals = intervals;
        self.read_queues(ctx, &days, &mut snap).await?;
        // All state advances only when the whole poll succeeded.
        self.book = book;
        self.day = Some(today);
        self.first_day.get_or_insert(today);
        Ok(snap)
    }
}

impl EightByEightSource {
    /// Days whose data a poll at `now` reads: an unfinished earlier day (read once
    /// more, however long ago), or yesterday for two hours after local midnight, since
    /// 8x8 fills columns up to an hour late (the ledger adds only growth); then today.
    fn days_to_read(&self, now: DateTime<Utc>, today: NaiveDate) -> Vec<NaiveDate> {
        let tz = self.cfg.time_zone;
        let previous = match self.day {
            Some(d) if d < today => Some(d),
            Some(_) if crate::local_day::rereads_previous_day(now, tz) => today
                .pred_opt()
                .filter(|y| self.first_day.is_some_and(|f| f <= *y)),
            _ => None,
        };
        previous.into_iter().chain([today]).collect()
    }

    /// The status events of every group since the cursors: the agent book they lead
    /// to (with the cursors after them) and the completed state intervals. The first
    /// poll also reads yesterday's events, only to learn the states of agents who have
    /// not changed state today. Nothing of `self` changes.
    async fn read_agents(
        &self,
        ctx: &PollContext,
        days: &[NaiveDate],
        today: NaiveDate,
    ) -> Result<(AgentBook, Vec<StateInterval>), SourceError> {
        let first = self.day.is_none();
        let groups: Vec<Group> = fetch_all(
            ctx,
            &self.cfg,
            api::GROUPS,
            &stats_url(&self.cfg.base_url, &["groups"]),
            None,
            types::parse_groups,
        )
        .await?;
        let mut book = self.book.clone();
        let mut cursors = std::collections::BTreeMap::new();
        let mut changes = Vec::new();
        let learn_from = today.pred_opt().filter(|_| first);
        for g in groups.iter().filter(|g| g.deleted != Some(true)) {
            let Some(gid) = g.id.as_deref() else { continue };
            for &day in learn_from.iter().chain(days) {
                let key = (gid.to_string(), day);
                let cursor = book.cursors.get(&key).cloned().unwrap_or_default();
                let (events, next) = self.read_group_day(ctx, gid, day, &cursor).await?;
                changes.extend(events.into_iter().filter_map(Change::from_event));
                // Yesterday's cursor is kept while yesterday is re-read.
                if days.contains(&day) {
                    cursors.insert(key, next);
                }
            }
        }
        let count_from = first.then(|| day_start(today, self.cfg.time_zone));
        let intervals = book.apply(changes, count_from);
        book.cursors = cursors;
        Ok((book, intervals))
    }

    /// `agent_statistics: true`: each active agent's 30-minute state totals of `days`,
    /// into `snap.state_seconds`.
    async fn read_agent_statistics(
        &self,
        ctx: &PollContext,
        book: &AgentBook,
        days: &[NaiveDate],
        snap: &mut Snapshot,
    ) -> Result<(), SourceError> {
        let tz = self.cfg.time_zone;
        for agent in book.active_since(day_start(days[0], tz)) {
            let url = stats_url(
                &self.cfg.base_url,
                &["agents", &agent, "statuses", "statistics"],
            );
            for &day in days {
                let stats = read_day(
                    ctx,
                    &self.cfg,
                    api::AGENT_STATUS_STATISTICS,
                    &url,
                    day,
                    types::parse_agent_status_stats,
                    |r| r.period_start,
                )
                .await;
                let stats = match stats {
                    Ok(s) => s,
                    // An agent deleted since its events were written.
                    Err(SourceError::Status { status: 404, .. }) => {
                        tracing::debug!(source = %self.name, agent, "no status statistics (404)");
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                periods::agent_state_seconds(&agent, &stats, &mut snap.state_seconds);
            }
        }
        Ok(())
    }

    /// The watched queues' gauges, and their 30-minute periods of `days` into the
    /// snapshot's counters and wait histograms.
    async fn read_queues(
        &mut self,
        ctx: &PollContext,
        days: &[NaiveDate],
        snap: &mut Snapshot,
    ) -> Result<(), SourceError> {
        let queues = fetch_all(
            ctx,
            &self.cfg,
            api::QUEUES,
            &stats_url(&self.cfg.base_url, &["queues"]),
            None,
            types::parse_queues,
        )
        .await?;
        let watched = self.watched_queues(&queues);
        let mut gauges = Vec::with_capacity(watched.len());
        for q in &watched {
            gauges.push(q.gauges());
            for &day in days {
                self.read_queue_day(ctx, q, day, snap).await?;
            }
        }
        // Queues of one name are one gauge series (their counters stay apart by id).
        snap.queues = Some(QueueGauges::merge_same_labels(gauges));
        Ok(())
    }

    /// One queue's statistics and its online or offline SLA periods of one day.
    async fn read_queue_day(
        &self,
        ctx: &PollContext,
        q: &WatchedQueue,
        day: NaiveDate,
        snap: &mut Snapshot,
    ) -> Result<(), SourceError> {
        let cfg = &self.cfg;
        let url = |what| stats_url(&cfg.base_url, &["queues", &q.id, what]);
        let stats = read_day(
            ctx,
            cfg,
            api::QUEUE_STATISTICS,
            &url("statistics"),
            day,
            types::parse_statistics,
            |r| r.time_stamp,
        )
        .await?;
        q.counts(&stats, &mut snap.queue_counts);
        if is_offline(q.key.channel) {
            let slas = read_day(
                ctx,
                cfg,
                api::QUEUE_OFFLINE_SLAS,
                &url("offline_slas"),
                day,
                types::parse_offline_slas,
                |r| r.time_stamp,
            )
            .await?;
            q.offline(&slas, &mut snap.queue_histograms);
        } else {
            let slas = read_day(
                ctx,
                cfg,
                api::QUEUE_ONLINE_SLAS,
                &url("online_slas"),
                day,
                types::parse_online_slas,
                |r| r.time_stamp,
            )
            .await?;
            q.online(&slas, &mut snap.queue_histograms);
        }
        Ok(())
    }
}

/// Every record of one local `day` of a 30-minute report, without the periods that
/// start outside it ([`DaySpan::contains`]); `start` reads a record's period start.
async fn read_day<R: PartialEq>(
    ctx: &PollContext,
    cfg: &Config,
    endpoint: &'static str,
    url: &url::Url,
    day: NaiveDate,
    parse: fn(&[u8]) -> Result<Vec<R>, crate::http::ParseError>,
    start: fn(&R) -> Option<DateTime<chrono::FixedOffset>>,
) -> Result<Vec<R>, SourceError> {
    let mut records = fetch_all(ctx, cfg, endpoint, url, Some(day), parse).await?;
    let span = day_span(day, cfg.time_zone);
    records.retain(|r| span.contains(start(r)));
    Ok(records)
}

impl EightByEightSource {
    /// The queues to poll: the configured ids, else every queue not disabled.
    fn watched_queues(&mut self, queues: &[types::Queue]) -> Vec<WatchedQueue> {
        let all: Vec<WatchedQueue> = match &self.cfg.queues {
            Some(ids) => {
                let wanted = |q: &types::Queue| {
                    q.id.as_deref()
                        .and_then(|i| i.trim().parse::<u64>().ok())
                        .is_some_and(|i| ids.contains(&i))
                };
                let missing: Vec<u64> = ids
                    .iter()
                    .copied()
                    .filter(|id| {
                        !queues.iter().any(|q| {
                            q.id.as_deref().and_then(|i| i.trim().parse::<u64>().ok()) == Some(*id)
                        })
                    })
                    .collect();
                if missing != self.missing_queues {
                    if !missing.is_empty() {
                        tracing::warn!(source = %self.name, ?missing,
                            "configured queues not found in /queues; check the queues key");
                    }
                    self.missing_queues = missing;
                }
                queues
                    .iter()
                    .filter(|q| wanted(q))
                    .filter_map(WatchedQueue::from_queue)
                    .collect()
            }
            None => queues
                .iter()
                .filter(|q| q.enabled != Some(false))
                .filter_map(WatchedQueue::from_queue)
                .collect(),
        };
        all
    }
}
