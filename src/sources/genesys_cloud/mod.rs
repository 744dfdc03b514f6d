//! `vendor: genesys_cloud` — Genesys Cloud CX: queues, real-time queue observations,
//! today's conversation aggregates and the org's agent state counts (JSON over HTTPS,
//! OAuth2 client credentials).
//!
//! Each poll reads (after a token, when the cached one is near its end):
//! - `GET /api/v2/routing/queues`, every page, when the cached list is older than
//!   [`QUEUE_CACHE_SECONDS`]: ids, names and each media's service-level threshold;
//! - `POST /api/v2/analytics/queues/observations/query`, [`api::BATCH`] queue ids a
//!   query: waiting (with its detail list for the oldest wait) and the queues' on-queue
//!   and off-queue members;
//! - `POST /api/v2/analytics/conversations/aggregates/query`, [`api::BATCH`] queue ids a
//!   query, for the local day in `time_zone` (and, for [`PREVIOUS_DAY_SECONDS`] after
//!   local midnight, for the day before too): the day's running totals per queue and
//!   media type, which the core's period ledger counts once (the day is the period);
//! - `POST /api/v2/analytics/agents/status/counts`: the org's users per presence and
//!   routing status.

pub mod api;
pub mod config;
pub mod simulate;
pub mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use config::Config;
use types::{AggregateAnswer, ObservationAnswer, Queue, Stats, StatusCounts};

use crate::cached::Cached;
use crate::http::{PollContext, SourceError};
use crate::model::{
    Agent, Channel, PeriodKey, PeriodValue, QueueAgents, QueueCount, QueueCounter, QueueGauges,
    QueueKey, Snapshot,
};
use crate::state::AgentState;
use crate::vendor::Source;

pub use crate::local_day::day_start;

/// The default vendor state → normalized state table (docs/vendors/genesys_cloud.md).
/// On-queue agents are named by routing status (`ON_QUEUE:<status>`), off-queue agents
/// by system presence; `ON_QUEUE:NOT_RESPONDING` is `other` by default.
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("ON_QUEUE:IDLE", Available),
        ("ON_QUEUE:INTERACTING", Busy),
        ("ON_QUEUE:COMMUNICATING", Busy),
        ("BREAK", Break),
        ("MEAL", Break),
        ("OFFLINE", Offline),
        ("AWAY", Unavailable),
        ("BUSY", Unavailable),
        ("MEETING", Unavailable),
        ("TRAINING", Unavailable),
        ("AVAILABLE", Unavailable),
        ("IDLE", Unavailable),
    ]
};

crate::vendor::declare! {
    name: "genesys_cloud",
    spec: GenesysCloud,
    keys: config::Keys,
    config: Config,
    source: GenesysSource,
    demo: simulate::demo,
    states: STATES,
    // Agents per state come as counts (the status-count query), never one by one.
    each_agent: false,
}

/// How long the queue list is reused before it is read again.
pub const QUEUE_CACHE_SECONDS: i64 = 300;
/// How long after local midnight the previous day is read as well, so that its last
/// minutes and late-posted metrics (handle time posts when after-call work ends) are
/// counted; the ledger adds only growth, so nothing is counted twice.
pub const PREVIOUS_DAY_SECONDS: i64 = 2 * 3600;
/// Agents a status count answer may report in all: more is not an org but a broken
/// answer (and would make the exporter build that many entries).
pub const MAX_AGENTS: u64 = 1_000_000;

/// The routing statuses of on-queue agents (`RoutingStatus.status` without `OFF_QUEUE`).
const ROUTING_STATUSES: [&str; 4] = ["IDLE", "INTERACTING", "COMMUNICATING", "NOT_RESPONDING"];
/// The system presences (`AgentStatePresenceCount.systemPresence`).
const SYSTEM_PRESENCES: [&str; 11] = [
    "AVAILABLE",
    "AWAY",
    "BUSY",
    "OFFLINE",
    "IDLE",
    "ON_QUEUE",
    "MEAL",
    "TRAINING",
    "MEETING",
    "BREAK",
    "UNKNOWN",
];
/// The analytics media types that are not chat, voice or email (channel `other`).
const OTHER_MEDIA: [&str; 8] = [
    "callback",
    "cobrowse",
    "internalmessage",
    "screenmonitoring",
    "screenshare",
    "unknown",
    "video",
    "workitem",
];
/// The vendor state of anything not recognized.
pub const UNKNOWN: &str = "unknown";

/// One queue the source reports on: id, label and each channel's SLA threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueInfo {
    /// The queue id.
    pub id: String,
    /// The `queue` label: its name, else its id.
    pub label: String,
    /// SLA threshold in seconds per channel (from `mediaSettings.*.serviceLevel`).
    pub sla: Vec<(Channel, f64)>,
}

/// The queues of a listing to report on (all, or those named in `names`) with their
/// thresholds, and the configured names the listing lacks.
pub fn directory(queues: Vec<Queue>, names: Option<&[String]>) -> (Vec<QueueInfo>, Vec<String>) {
    let missing = match names {
        Some(names) => names
            .iter()
            .filter(|n| !queues.iter().any(|q| q.name.as_deref() == Some(n.as_str())))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let out = queues
        .into_iter()
        .filter(|q| match names {
            Some(names) => q.name.as_ref().is_some_and(|n| names.contains(n)),
            None => true,
        })
        .map(|q| {
            let mut sla: Vec<(Channel, f64)> = Vec::new();
            if let Some(m) = &q.media_settings {
                for (channel, s) in [
                    (Channel::Voice, &m.call),
                    (Channel::Chat, &m.chat),
                    (Channel::Chat, &m.message),
                    (Channel::Email, &m.email),
                    (Channel::Other, &m.callback),
                ] {
                    let ms = s
                        .as_ref()
                        .and_then(|s| s.service_level.as_ref())
                        .and_then(|l| l.duration_ms)
                        .filter(|ms| ms.is_finite() && *ms >= 0.0);
                    if let Some(ms) = ms {
                        // Chat and messaging share a channel: the longer threshold.
                        match sla.iter_mut().find(|(c, _)| *c == channel) {
                            Some((_, v)) => *v = v.max(ms / 1000.0),
                            None => sla.push((channel, ms / 1000.0)),
                        }
                    }
                }
            }
            let label = match q.name.as_deref().map(str::trim) {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => q.id.clone(),
            };
            QueueInfo {
                id: q.id,
                label,
                sla,
            }
        })
        .collect();
    (out, missing)
}

/// The channel of an analytics media type; `None` for one Genesys does not document.
pub fn channel_of(media: &str) -> Option<Channel> {
    match media {
        "voice" => Some(Channel::Voice),
        "chat" | "message" => Some(Channel::Chat),
        "email" => Some(Channel::Email),
        m if OTHER_MEDIA.contains(&m) => Some(Channel::Other),
        _ => None,
    }
}

/// What one poll's answers make, and what in them was not recognized (to log once).
#[derive(Debug, Default, PartialEq)]
pub struct Normalized {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Unrecognized media types, qualifiers and presences (`what value`).
    pub unknown: Vec<String>,
}

/// A count: finite and ≥ 0, rounded; anything else is no count.
fn count(v: Option<f64>) -> Option<u64> {
    v.filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n.round().min(u64::MAX as f64) as u64)
}

/// Observations, aggregates (per day start, Unix seconds) and status counts of one
/// poll at `now` → snapshot. Same-named queues are one series (waiting adds up, the
/// longer oldest wait and threshold win); their day periods stay apart by queue id.
pub fn normalize(
    dir: &[QueueInfo],
    observations: &[ObservationAnswer],
    days: &[(i64, AggregateAnswer)],
    counts: Option<&StatusCounts>,
    now: DateTime<Utc>,
) -> Result<Normalized, String> {
    let mut unknown: Vec<String> = Vec::new();
    let mut note = |what: String| {
        if !unknown.contains(&what) {
            unknown.push(what);
        }
    };
    let by_id: HashMap<&str, &QueueInfo> = dir.iter().map(|q| (q.id.as_str(), q)).collect();
    let (queues, queue_agents) = observed(dir, &by_id, observations, now, &mut note);
    let queue_counts = day_counts(&by_id, days, &mut note);
    let agents = match counts {
        Some(c) => Some(agents_of(c, &mut note)?),
        None => None,
    };
    Ok(Normalized {
        snapshot: Snapshot {
            agents,
            queue_agents: Some(queue_agents),
            queues: Some(queues),
            queue_counts,
            ..Snapshot::default()
        },
        unknown,
    })
}

/// One queue × channel's gauges while the observations are read.
#[derive(Default)]
struct Gauge {
    waiting: u64,
    oldest: f64,
    oldest_unknown: bool,
    sla: Option<f64>,
}

/// The observations → the queue gauges and the agents per queue and state. Every
/// channel a queue has a threshold for starts at nobody waiting; a group or metric
/// seen twice (a repeated record) counts once: the first.
fn observed(
    dir: &[QueueInfo],
    by_id: &HashMap<&str, &QueueInfo>,
    observations: &[ObservationAnswer],
    now: DateTime<Utc>,
    note: &mut impl FnMut(String),
) -> (Vec<QueueGauges>, Vec<QueueAgents>) {
    let mut gauges: BTreeMap<QueueKey, Gauge> = BTreeMap::new();
    for q in dir {
        for (channel, sla) in &q.sla {
            let g = gauges.entry(key_of(q, *channel)).or_default();
            g.sla = Some(g.sla.map_or(*sla, |s| s.max(*sla)));
        }
    }
    let mut per_queue: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut seen_groups: HashSet<(&str, Option<&str>)> = HashSet::new();
    for answer in observations {
        // Waits are measured against Genesys's clock where the answer gives it.
        let reference = answer.answered_at.unwrap_or(now);
        let presence = presences(answer);
        for group in answer.results.iter().flatten() {
            let Some(q) = group.group.queue_id.as_deref().and_then(|id| by_id.get(id)) else {
                continue;
            };
            if !seen_groups.insert((q.id.as_str(), group.group.media_type.as_deref())) {
                continue;
            }
            let mut seen_metrics: HashSet<(&str, Option<&str>)> = HashSet::new();
            for d in group.data.iter().flatten() {
                if !seen_metrics.insert((d.metric.as_str(), d.qualifier.as_deref())) {
                    continue;
                }
                let Some(n) = count(d.stats.and_then(|s| s.count)) else {
                    continue;
                };
                match d.metric.as_str() {
                    "oWaiting" => {
                        let media = group.group.media_type.as_deref().unwrap_or(UNKNOWN);
                        let channel = channel_of(media).unwrap_or_else(|| {
                            note(format!("media type {media:?}"));
                            Channel::Other
                        });
                        let g = gauges.entry(key_of(q, channel)).or_default();
                        add_waiting(g, n, d, reference);
                    }
                    "oOnQueueUsers" | "oOffQueueUsers" => {
                        let state = member_state(d, &presence, note);
                        let c = per_queue.entry((q.label.clone(), state)).or_insert(0);
                        *c = c.saturating_add(n);
                    }
                    _ => {}
                }
            }
        }
    }
    (queue_gauges(gauges), queue_agents(per_queue, dir))
}

fn key_of(q: &QueueInfo, channel: Channel) -> QueueKey {
    QueueKey {
        queue: q.label.clone(),
        channel,
    }
}

/// Organization presence id → its system presence, from an observation answer.
fn presences(answer: &ObservationAnswer) -> HashMap<&str, &str> {
    let mut presence: HashMap<&str, &str> = HashMap::new();
    if let Some(m) = &answer.system_to_organization_mappings {
        for (system, ids) in m {
            for id in ids {
                presence.insert(id.as_str(), system.as_str());
            }
        }
    }
    presence
}

/// `n` more waiting, and the oldest wait from the earliest observation date (unknown
/// where somebody waits but no date says since when).
fn add_waiting(g: &mut Gauge, n: u64, d: &types::ObservationData, reference: DateTime<Utc>) {
    let oldest_start = d
        .observations
        .iter()
        .flatten()
        .filter_map(|o| o.observation_date.as_deref())
        .filter_map(|s| DateTime::parse_from_rfc3339(s).ok())
        .min();
    g.waiting = g.waiting.saturating_add(n);
    if n > 0 {
        match oldest_start {
            Some(t) => {
                let age = (reference - t.with_timezone(&Utc)).num_milliseconds() as f64 / 1000.0;
                g.oldest = g.oldest.max(age.max(0.0));
            }
            None => g.oldest_unknown = true,
        }
    }
}

/// The vendor state of queue members counted by `oOnQueueUsers` (`ON_QUEUE:<routing
/// status>`) or `oOffQueueUsers` (the system presence of the organization presence).
fn member_state(
    d: &types::ObservationData,
    presence: &HashMap<&str, &str>,
    note: &mut impl FnMut(String),
) -> String {
    let qualifier = d.qualifier.as_deref().unwrap_or("");
    if d.metric == "oOnQueueUsers" {
        if ROUTING_STATUSES.contains(&qualifier) {
            format!("ON_QUEUE:{qualifier}")
        } else {
            note(format!("routing status {qualifier:?}"));
            UNKNOWN.to_string()
        }
    } else {
        match presence.get(qualifier) {
            Some(s) if SYSTEM_PRESENCES.contains(s) => s.to_string(),
            _ => {
                note(format!("organization presence id {qualifier:?}"));
                UNKNOWN.to_string()
            }
        }
    }
}

fn queue_gauges(gauges: BTreeMap<QueueKey, Gauge>) -> Vec<QueueGauges> {
    gauges
        .into_iter()
        .map(|(key, g)| QueueGauges {
            key,
            waiting: Some(g.waiting),
            oldest_wait_seconds: if g.waiting == 0 {
                Some(0.0)
            } else if g.oldest_unknown {
                None
            } else {
                Some(g.oldest)
            },
            sla_threshold_seconds: g.sla,
        })
        .collect()
}

/// Agents per queue and state; a queue nobody is in keeps one zero entry, so that its
/// zeros are shown.
fn queue_agents(per_queue: BTreeMap<(String, String), u64>, dir: &[QueueInfo]) -> Vec<QueueAgents> {
    let mut out: Vec<QueueAgents> = per_queue
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((queue, vendor_state), count)| QueueAgents {
            queue,
            vendor_state,
            count,
        })
        .collect();
    for q in dir {
        if !out.iter().any(|a| a.queue == q.label) {
            out.push(QueueAgents {
                queue: q.label.clone(),
                vendor_state: "ON_QUEUE:IDLE".into(),
                count: 0,
            });
        }
    }
    out
}

/// The aggregates of each day → the day's running totals per queue and media, one
/// period per day, queue and media (a repeated group, interval or metric counts once).
fn day_counts(
    by_id: &HashMap<&str, &QueueInfo>,
    days: &[(i64, AggregateAnswer)],
    note: &mut impl FnMut(String),
) -> Vec<PeriodValue<QueueCount>> {
    let mut out = Vec::new();
    let mut seen_groups: HashSet<(i64, &str, &str)> = HashSet::new();
    for (start, answer) in days {
        for group in answer.results.iter().flatten() {
            let Some(q) = group.group.queue_id.as_deref().and_then(|id| by_id.get(id)) else {
                continue;
            };
            let media = group.group.media_type.as_deref().unwrap_or(UNKNOWN);
            if !seen_groups.insert((*start, q.id.as_str(), media)) {
                continue;
            }
            let channel = channel_of(media).unwrap_or_else(|| {
                note(format!("media type {media:?}"));
                Channel::Other
            });
            let m = group_stats(group);
            let key = key_of(q, channel);
            let period = PeriodKey {
                start: *start,
                scope: format!("{}:{media}", q.id),
            };
            for (counter, value) in counters_of(&m) {
                out.push(PeriodValue {
                    series: QueueCount {
                        key: key.clone(),
                        counter,
                    },
                    period: period.clone(),
                    value,
                });
            }
        }
    }
    out
}

/// A group's metrics summed over its intervals (each interval and metric once).
fn group_stats(group: &types::AggregateGroup) -> HashMap<&str, Stats> {
    let mut m: HashMap<&str, Stats> = HashMap::new();
    let mut seen_intervals: HashSet<Option<&str>> = HashSet::new();
    for d in group.data.iter().flatten() {
        if !seen_intervals.insert(d.interval.as_deref()) {
            continue;
        }
        let mut seen_metrics: HashSet<&str> = HashSet::new();
        for metric in d.metrics.iter().flatten() {
            if !seen_metrics.insert(metric.metric.as_str()) {
                continue;
            }
            let Some(s) = metric.stats else { continue };
            let e = m.entry(metric.metric.as_str()).or_default();
            e.count = add(e.count, s.count);
            e.sum = add(e.sum, s.sum);
        }
    }
    m
}

/// The contract's counters from a group's metrics (milliseconds become seconds); a
/// counter whose metrics are absent is not reported.
fn counters_of(m: &HashMap<&str, Stats>) -> Vec<(QueueCounter, f64)> {
    let value = |name: &str, f: fn(&Stats) -> Option<f64>| {
        m.get(name)
            .and_then(f)
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let n = |name: &str| value(name, |s| s.count).map(f64::round);
    let ms = |name: &str| value(name, |s| s.sum);
    let answered = n("tAnswered");
    let talk = match (ms("tTalkComplete"), ms("tHeldComplete")) {
        (None, None) => None,
        (a, b) => Some((a.unwrap_or(0.0) + b.unwrap_or(0.0)) / 1000.0),
    };
    [
        (QueueCounter::Entered, n("nOffered")),
        (QueueCounter::Answered, answered),
        (QueueCounter::Abandoned, n("tAbandon")),
        // Answered over the threshold is posted with the answer: no row is none.
        (
            QueueCounter::AnsweredInSla,
            answered.map(|a| (a - n("nOverSla").unwrap_or(0.0)).max(0.0)),
        ),
        (QueueCounter::Handled, n("tHandle")),
        (QueueCounter::TalkSeconds, talk),
        (
            QueueCounter::AfterCallWorkSeconds,
            ms("tAcw").map(|v| v / 1000.0),
        ),
    ]
    .into_iter()
    .filter_map(|(c, v)| Some((c, v?)))
    .collect()
}

fn add(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// The org's status counts → one entry per counted agent: on-queue agents by routing
/// status (`ON_QUEUE:<status>`), the others by system presence. Genesys counts, it
/// does not list: the entries have a made-up id (`<state>#<n>`), no name and no age.
pub fn agents_of(c: &StatusCounts, note: &mut impl FnMut(String)) -> Result<Vec<Agent>, String> {
    let mut states: BTreeMap<String, u64> = BTreeMap::new();
    let mut on_queue_by_status = false;
    let mut seen: HashSet<(Option<&str>, Option<&str>)> = HashSet::new();
    for r in c.routing_status_counts.iter().flatten() {
        let Some(n) = count(r.count) else { continue };
        let status = r.routing_status.as_deref().unwrap_or("");
        if !seen.insert((Some("routing"), Some(status))) {
            continue;
        }
        if status == "OFF_QUEUE" {
            continue;
        }
        on_queue_by_status = true;
        let state = if ROUTING_STATUSES.contains(&status) {
            format!("ON_QUEUE:{status}")
        } else {
            note(format!("routing status {status:?}"));
            UNKNOWN.to_string()
        };
        let c = states.entry(state).or_insert(0);
        *c = c.saturating_add(n);
    }
    for p in c.presence_counts.iter().flatten() {
        let Some(n) = count(p.count) else { continue };
        let presence = p.system_presence.as_deref().unwrap_or("");
        // One count per organization presence; the same one twice is a repeat.
        if !seen.insert((Some(presence), p.organization_presence_id.as_deref())) {
            continue;
        }
        let state = match presence {
            // On-queue agents are counted by routing status (when the answer has them).
            "ON_QUEUE" if on_queue_by_status => continue,
            "ON_QUEUE" => "ON_QUEUE".to_string(),
            p if SYSTEM_PRESENCES.contains(&p) => p.to_string(),
            other => {
                note(format!("system presence {other:?}"));
                UNKNOWN.to_string()
            }
        };
        let c = states.entry(state).or_insert(0);
        *c = c.saturating_add(n);
    }
    let total: u64 = states.values().fold(0u64, |a, n| a.saturating_add(*n));
    if total > MAX_AGENTS {
        return Err(format!(
            "{total} agents counted, more than the {MAX_AGENTS} an org can have"
        ));
    }
    let mut out = Vec::with_capacity(total as usize);
    for (state, n) in states {
        for _ in 0..n {
            // Counts, not agents: no id, so they count in `contact_center_agents` but
            // get no per-agent series and no status-page row (model::Agent::id).
            out.push(Agent {
                id: String::new(),
                name: None,
                vendor_state: state.clone(),
                state_age_seconds: None,
            });
        }
    }
    Ok(out)
}

/// The local days whose totals a poll at `now` reads: today in `tz` and, for
/// [`PREVIOUS_DAY_SECONDS`] after local midnight, yesterday; each as its start (UTC)
/// and its interval as the aggregate query writes it (local times with their offset).
pub fn days_to_read(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<(DateTime<Utc>, String)> {
    let today = now.with_timezone(&tz).date_naive();
    let start = day_start(today, tz);
    let mut days = Vec::with_capacity(2);
    if (now - start).num_seconds() < PREVIOUS_DAY_SECONDS {
        if let Some(y) = today.pred_opt() {
            days.push(y);
        }
    }
    days.push(today);
    days.into_iter()
        .map(|d| {
            let s = day_start(d, tz);
            let e = d.succ_opt().map(|n| day_start(n, tz)).unwrap_or(s);
            let fmt = |t: DateTime<Utc>| {
                t.with_timezone(&tz)
                    .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                    .to_string()
            };
            (s, format!("{}/{}", fmt(s), fmt(e)))
        })
        .collect()
}

/// A polling Genesys Cloud source.
pub struct GenesysSource {
    name: String,
    api: api::Api,
    /// The queue list and when it was read (Unix seconds).
    queues: Cached<Vec<QueueInfo>>,
    /// What was already logged as unrecognized.
    logged: HashSet<String>,
}

impl GenesysSource {
    /// A source named `name` for `cfg`.
    pub fn new(name: &str, cfg: Config) -> Self {
        GenesysSource {
            name: name.to_string(),
            api: api::Api::new(cfg),
            queues: Cached::new(QUEUE_CACHE_SECONDS),
            logged: HashSet::new(),
        }
    }

    /// The queue list: the cached one while fresh, else read again.
    async fn directory(&mut self, ctx: &PollContext) -> Result<Vec<QueueInfo>, SourceError> {
        if let Some(dir) = self.queues.get(ctx.now) {
            return Ok(dir.clone());
        }
        let listing = self.api.queues(ctx).await?;
        let (dir, missing) = directory(listing, self.api.config().queues.as_deref());
        for name in missing {
            if self.logged.insert(format!("queue {name}")) {
                tracing::warn!(source = %self.name, queue = %name,
                    "configured queue not in the queue listing (check its name and the OAuth client's divisions)");
            }
        }
        self.queues.put(dir.clone(), ctx.now);
        Ok(dir)
    }
}

#[async_trait]
impl Source for GenesysSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let dir = self.directory(ctx).await?;
        let ids: Vec<&str> = dir.iter().map(|q| q.id.as_str()).collect();
        let mut observations = Vec::with_capacity(ids.len().div_ceil(api::BATCH));
        for chunk in ids.chunks(api::BATCH) {
            let body = api::observation_query(chunk);
            let answer = self
                .api
                .post(
                    ctx,
                    api::OBSERVATIONS,
                    "/analytics/queues/observations/query",
                    &[],
                    &body,
                    |h, b| {
                        let mut a = types::parse_observations(b)?;
                        a.answered_at = types::date_header(h);
                        Ok(a)
                    },
                )
                .await?;
            ctx.records(
                api::OBSERVATIONS,
                answer.results.as_ref().map_or(0, |r| r.len() as u64),
            );
            observations.push(answer);
        }
        let tz = self.api.config().time_zone;
        let mut days = Vec::new();
        for (start, interval) in days_to_read(ctx.now, tz) {
            for chunk in ids.chunks(api::BATCH) {
                let body = api::aggregate_query(chunk, &interval, tz.name());
                let answer = self
                    .api
                    .post(
                        ctx,
                        api::AGGREGATES,
                        "/analytics/conversations/aggregates/query",
                        &[],
                        &body,
                        |_, b| types::parse_aggregates(b),
                    )
                    .await?;
                ctx.records(
                    api::AGGREGATES,
                    answer.results.as_ref().map_or(0, |r| r.len() as u64),
                );
                days.push((start.timestamp(), answer));
            }
        }
        let counts = self
            .api
            .post(
                ctx,
                api::STATUS_COUNTS,
                "/analytics/agents/status/counts",
                &[("groupBy", "presence"), ("groupBy", "routingStatus")],
                &serde_json::json!({}),
                |_, b| types::parse_status_counts(b),
            )
            .await?;
        let n =
            normalize(&dir, &observations, &days, Some(&counts), ctx.now).map_err(|detail| {
                SourceError::Decode {
                    endpoint: api::STATUS_COUNTS,
                    url: self.api.url("/analytics/agents/status/counts"),
                    detail,
                }
            })?;
        for what in n.unknown {
            if self.logged.insert(what.clone()) {
                tracing::warn!(source = %self.name, unrecognized = %what,
                    "Genesys Cloud sent a value this exporter does not know; counted as other");
            }
        }
        Ok(n.snapshot)
    }
}

#[cfg(test)]
mod tests;
