//! What the exporter remembers of one source between polls: its [`SourceEntry`] (poll
//! status, request counters) and its [`SourceData`] (the current agent and queue
//! picture, and the counters and histograms built from vendor data).
//!
//! Vendor periods (30-minute, hourly) are cumulative and keep growing until they close,
//! and a source re-reads them every poll. The [`Ledger`] remembers the last value seen
//! for each (series, period) so that a counter adds exactly each period's growth: a
//! period read twice adds nothing, a grown period adds the difference. A period that
//! shrinks (a vendor correction) adds nothing and is remembered at its highest value,
//! because a Prometheus counter must not go down.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::config::{AgentSeries, SourceConfig};
use crate::http::RequestCounters;
use crate::model::{
    Agent, PeriodHistogram, PeriodKey, QueueAgents, QueueCount, QueueGauges, QueueKey, Snapshot,
    WaitHistogram,
};
use crate::state::{AgentState, StateMapper};
use crate::vendor::Vendor;

/// Upper bounds of `contact_center_agent_state_duration_seconds` (docs/metrics.md).
pub const DURATION_BUCKETS: [f64; 11] = [
    5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
];

/// Periods older than this (by start) are forgotten: no vendor revises them any more,
/// and sources only read today and, around midnight, yesterday.
const LEDGER_RETENTION_SECS: i64 = 48 * 3600;

/// Upper bounds of `contact_center_source_poll_duration_seconds`.
pub const POLL_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// A histogram with fixed buckets fed one observation at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedHistogram {
    /// Upper bounds of the finite buckets.
    bounds: &'static [f64],
    /// Non-cumulative counts per bucket of `bounds`, plus one for +Inf.
    counts: Vec<u64>,
    /// Sum of observations.
    pub sum: f64,
}

impl Default for FixedHistogram {
    /// A state-duration histogram ([`DURATION_BUCKETS`]).
    fn default() -> Self {
        FixedHistogram::new(&DURATION_BUCKETS)
    }
}

impl FixedHistogram {
    /// An empty histogram with the finite upper bounds `bounds` (ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        FixedHistogram {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        }
    }

    /// Adds one observation.
    pub fn observe(&mut self, v: f64) {
        let i = self.bounds.partition_point(|b| *b < v);
        self.counts[i] += 1;
        self.sum += v;
    }

    /// `(upper bound, cumulative count)` for every finite bucket, then the total count.
    pub fn cumulative(&self) -> (Vec<(f64, u64)>, u64) {
        let mut acc = 0;
        let mut out = Vec::with_capacity(self.bounds.len());
        for (b, n) in self.bounds.iter().zip(&self.counts) {
            acc += n;
            out.push((*b, acc));
        }
        (out, acc + self.counts[self.bounds.len()])
    }
}

/// A histogram built from vendor buckets, accumulated over periods.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorHistogram {
    /// Upper bounds as the vendor defines them (last may be +Inf).
    pub bounds: Vec<f64>,
    /// Cumulative counts per bound.
    pub cumulative: Vec<u64>,
    /// Total observations.
    pub count: u64,
    /// Sum of observations of the periods that reported one; `None` until one did.
    pub sum: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LedgerKey {
    State(String, PeriodKey),
    Queue(QueueCount, PeriodKey),
    Hist(WaitHistogram, QueueKey, PeriodKey),
}

impl LedgerKey {
    fn start(&self) -> i64 {
        match self {
            LedgerKey::State(_, p) | LedgerKey::Queue(_, p) | LedgerKey::Hist(_, _, p) => p.start,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum LedgerValue {
    Scalar(f64),
    Hist {
        cumulative: Vec<u64>,
        count: u64,
        sum: Option<f64>,
    },
}

/// The last value seen of every (series, period).
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    seen: HashMap<LedgerKey, LedgerValue>,
}

impl Ledger {
    /// Records `value` for `key` and returns the growth to add (never negative).
    fn scalar(&mut self, key: LedgerKey, value: f64) -> f64 {
        if !value.is_finite() || value < 0.0 {
            return 0.0;
        }
        match self.seen.get_mut(&key) {
            Some(LedgerValue::Scalar(old)) => {
                let growth = (value - *old).max(0.0);
                *old = old.max(value);
                growth
            }
            _ => {
                self.seen.insert(key, LedgerValue::Scalar(value));
                value
            }
        }
    }

    /// Records a period histogram and returns per-bucket, count and sum growth.
    fn histogram(&mut self, key: LedgerKey, h: &PeriodHistogram) -> (Vec<u64>, u64, Option<f64>) {
        let new_cum: Vec<u64> = h.buckets.iter().map(|(_, c)| *c).collect();
        match self.seen.get_mut(&key) {
            Some(LedgerValue::Hist {
                cumulative,
                count,
                sum,
            }) if cumulative.len() == new_cum.len() => {
                let growth: Vec<u64> = new_cum
                    .iter()
                    .zip(cumulative.iter())
                    .map(|(n, o)| n.saturating_sub(*o))
                    .collect();
                for (o, n) in cumulative.iter_mut().zip(new_cum.iter()) {
                    *o = (*o).max(*n);
                }
                let count_growth = h.count.saturating_sub(*count);
                *count = (*count).max(h.count);
                let sum_growth = match (h.sum, *sum) {
                    (Some(n), Some(o)) => {
                        *sum = Some(o.max(n));
                        Some((n - o).max(0.0))
                    }
                    (Some(n), None) => {
                        *sum = Some(n);
                        Some(n)
                    }
                    (None, _) => None,
                };
                (growth, count_growth, sum_growth)
            }
            _ => {
                self.seen.insert(
                    key,
                    LedgerValue::Hist {
                        cumulative: new_cum.clone(),
                        count: h.count,
                        sum: h.sum,
                    },
                );
                (new_cum, h.count, h.sum)
            }
        }
    }

    /// Sum of the last value seen of each queue counter period that started in
    /// `[from, to)` (Unix seconds).
    fn queue_counts_between(&self, from: i64, to: i64) -> BTreeMap<QueueCount, f64> {
        let mut out: BTreeMap<QueueCount, f64> = BTreeMap::new();
        for (key, value) in &self.seen {
            if let (LedgerKey::Queue(series, period), LedgerValue::Scalar(v)) = (key, value) {
                if (from..to).contains(&period.start) {
                    *out.entry(series.clone()).or_insert(0.0) += v;
                }
            }
        }
        out
    }

    /// Forgets periods that started before `cutoff` (Unix seconds).
    fn prune(&mut self, cutoff: i64) {
        self.seen.retain(|k, _| k.start() >= cutoff);
    }

    /// Number of periods remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// Everything known of one source's vendor data.
#[derive(Debug, Default, Clone)]
pub struct SourceData {
    /// Current agents.
    pub agents: Vec<Agent>,
    /// Current per-queue agent counts.
    pub queue_agents: Vec<QueueAgents>,
    /// Current queue gauges.
    pub queues: Vec<QueueGauges>,
    /// `agent_state_seconds_total` by normalized state.
    pub state_seconds: [f64; 8],
    /// Whether the vendor reports state time at all (else the counter is not exported).
    pub has_state_seconds: bool,
    /// `agent_state_duration_seconds` by normalized state.
    pub durations: [FixedHistogram; 8],
    /// Whether the vendor reports single intervals (else the histogram is not exported).
    pub has_durations: bool,
    /// Queue counters.
    pub queue_counters: BTreeMap<QueueCount, f64>,
    /// Vendor-bucketed wait histograms.
    pub wait_histograms: BTreeMap<(WaitHistogram, QueueKey), VendorHistogram>,
    /// Whether any poll succeeded (before that, nothing is exported).
    pub has_data: bool,
    /// Whether the last [`SourceData::check_agent_cap`] found more agents than the cap
    /// (so the log line is written once per crossing, not once per poll).
    agent_cap_exceeded: bool,
    ledger: Ledger,
    /// Per agent, when the latest interval counted so far ended (Unix seconds).
    interval_marks: HashMap<String, i64>,
    /// The marks as they stood when these counters were carried over to a source started
    /// afresh (restart, reload): its intervals that ended no later are already counted.
    resumed_marks: HashMap<String, i64>,
}

impl SourceData {
    /// Folds one poll's snapshot in. `now` is Unix seconds (for forgetting old periods).
    pub fn ingest(&mut self, snap: Snapshot, mapper: &StateMapper, now: i64) {
        self.has_data = true;
        // Before anything is mapped, so this poll's intervals already use them.
        mapper.learn(&snap.state_fallbacks);
        if let Some(a) = snap.agents {
            self.agents = a;
        }
        if let Some(q) = snap.queue_agents {
            self.queue_agents = q;
        }
        if let Some(q) = snap.queues {
            self.queues = q;
        }
        for iv in snap.intervals {
            if !iv.seconds.is_finite() || iv.seconds < 0.0 {
                continue;
            }
            if let Some(end) = iv.ended_at {
                if self
                    .resumed_marks
                    .get(&iv.agent)
                    .is_some_and(|mark| end <= *mark)
                {
                    continue;
                }
                match self.interval_marks.get_mut(&iv.agent) {
                    Some(mark) => *mark = (*mark).max(end),
                    None => {
                        self.interval_marks.insert(iv.agent.clone(), end);
                    }
                }
            }
            let st = mapper.map(&iv.vendor_state);
            if !snap.intervals_histogram_only {
                self.state_seconds[st.index()] += iv.seconds;
                self.has_state_seconds = true;
            }
            self.durations[st.index()].observe(iv.seconds);
            self.has_durations = true;
        }
        // A period older than the ledger remembers could not be told apart from one
        // already counted (it is forgotten again at the end of this ingest), so every
        // poll returning it would add it again: it is not counted at all.
        let cutoff = now - LEDGER_RETENTION_SECS;
        for pv in snap.state_seconds {
            if pv.period.start < cutoff {
                continue;
            }
            let st: AgentState = mapper.map(&pv.series);
            let growth = self
                .ledger
                .scalar(LedgerKey::State(pv.series, pv.period), pv.value);
            self.state_seconds[st.index()] += growth;
            self.has_state_seconds = true;
        }
        for pv in snap.queue_counts {
            if pv.period.start < cutoff {
                continue;
            }
            let growth = self
                .ledger
                .scalar(LedgerKey::Queue(pv.series.clone(), pv.period), pv.value);
            *self.queue_counters.entry(pv.series).or_insert(0.0) += growth;
        }
        for h in snap
            .queue_histograms
            .into_iter()
            .filter(|h| h.period.start >= cutoff)
        {
            self.ingest_histogram(h);
        }
        self.ledger.prune(cutoff);
        self.interval_marks.retain(|_, end| *end >= cutoff);
        self.resumed_marks.retain(|_, end| *end >= cutoff);
    }

    fn ingest_histogram(&mut self, h: PeriodHistogram) {
        let bounds: Vec<f64> = h.buckets.iter().map(|(b, _)| *b).collect();
        let series = (h.histogram, h.key.clone());
        if let Some(existing) = self.wait_histograms.get(&series) {
            if existing.bounds != bounds {
                tracing::warn!(queue = %h.key.queue, "vendor changed histogram buckets; period ignored");
                return;
            }
        }
        let key = LedgerKey::Hist(h.histogram, h.key.clone(), h.period.clone());
        let (growth, count_growth, sum_growth) = self.ledger.histogram(key, &h);
        let entry = self
            .wait_histograms
            .entry(series)
            .or_insert_with(|| VendorHistogram {
                bounds,
                cumulative: vec![0; growth.len()],
                count: 0,
                sum: None,
            });
        // A vendor count near u64::MAX (hostile or corrupt) must not overflow: the
        // counter saturates instead.
        for (c, g) in entry.cumulative.iter_mut().zip(growth) {
            *c = c.saturating_add(g);
        }
        entry.count = entry.count.saturating_add(count_growth);
        // Once a sum has started it stays: a period without one adds nothing (rendering
        // a missing sum as 0 would read as a counter reset), and a sum that starts late
        // starts from that period's.
        entry.sum = match (entry.sum, sum_growth) {
            (Some(s), Some(g)) => Some(s + g),
            (Some(s), None) => Some(s),
            (None, g) => g,
        };
    }

    /// Whether this source's per-agent series are left out because it has more agents
    /// than `agents.max` (always false when `agents.series` is off).
    pub fn agent_series_truncated(&self, agents: &AgentSeries) -> bool {
        agents.series && self.agents.len() > agents.max
    }

    /// Logs when the agents cross `agents.max` (after an ingest): one warning when the
    /// source goes over the cap, one info line when it is back under, nothing while it
    /// stays on one side.
    pub fn check_agent_cap(&mut self, source: &str, agents: &AgentSeries) {
        let over = self.agent_series_truncated(agents);
        if over && !self.agent_cap_exceeded {
            tracing::warn!(
                source,
                agents = self.agents.len(),
                max_agent_series = agents.max,
                "more agents than max_agent_series: this source's per-agent series are left out until it has fewer (contact_center_source_agent_series_truncated is 1)"
            );
        } else if !over && self.agent_cap_exceeded {
            tracing::info!(
                source,
                agents = self.agents.len(),
                max_agent_series = agents.max,
                "agents back within max_agent_series: per-agent series exported again"
            );
        }
        self.agent_cap_exceeded = over;
    }

    /// Agents per normalized state.
    pub fn agents_by_state(&self, mapper: &StateMapper) -> [u64; 8] {
        let mut out = [0u64; 8];
        for a in &self.agents {
            out[mapper.map(&a.vendor_state).index()] += 1;
        }
        out
    }

    /// The vendor's own totals of the queue counter periods that started in
    /// `[from, to)` (Unix seconds), e.g. one day: each period's highest value seen,
    /// added up. Unlike [`SourceData::queue_counters`], which count from the first poll
    /// of this process, this is what the vendor reports for that span, as far as the
    /// ledger remembers (two days).
    pub fn queue_counts_between(&self, from: i64, to: i64) -> BTreeMap<QueueCount, f64> {
        self.ledger.queue_counts_between(from, to)
    }

    /// Number of remembered periods (for tests and memory checks).
    pub fn ledger_len(&self) -> usize {
        self.ledger.len()
    }
}

/// A source's counters and period ledger as its state file keeps them
/// (docs/reliability.md, "State directory"): every counter's running total, what each
/// vendor period has contributed so far, and each agent's last counted interval. The
/// current picture (agents, queue gauges) is not kept: the next poll brings it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedData {
    /// `agent_state_seconds_total` by normalized state (in [`AgentState`] order).
    pub state_seconds: Vec<f64>,
    /// Whether the state-seconds counter is exported.
    pub has_state_seconds: bool,
    /// `agent_state_duration_seconds` by normalized state.
    pub durations: Vec<SavedFixedHistogram>,
    /// Whether the duration histogram is exported.
    pub has_durations: bool,
    /// Queue counters.
    pub queue_counters: Vec<SavedCounter>,
    /// Vendor-bucketed wait histograms.
    pub wait_histograms: Vec<SavedHistogram>,
    /// The period ledger.
    pub ledger: Vec<SavedPeriod>,
    /// Per agent id, when the latest counted interval ended (Unix seconds).
    pub interval_marks: BTreeMap<String, i64>,
}

/// One normalized state's duration histogram: non-cumulative counts per bucket of
/// [`DURATION_BUCKETS`] and +Inf, and the sum.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedFixedHistogram {
    /// Counts per bucket (`DURATION_BUCKETS.len() + 1` of them).
    pub counts: Vec<u64>,
    /// Sum of observations.
    pub sum: f64,
}

/// One queue counter's running total.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedCounter {
    /// Which counter of which queue.
    pub series: QueueCount,
    /// Its total.
    pub value: f64,
}

/// One wait histogram's running totals.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedHistogram {
    /// Which histogram.
    pub histogram: WaitHistogram,
    /// Of which queue.
    pub key: QueueKey,
    /// Upper bounds (`null` in JSON for +Inf).
    pub bounds: Vec<Option<f64>>,
    /// Cumulative counts per bound.
    pub cumulative: Vec<u64>,
    /// Total observations.
    pub count: u64,
    /// Sum, once one was reported.
    pub sum: Option<f64>,
}

/// What one vendor period has contributed so far (its highest value seen).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SavedPeriod {
    /// Vendor state time of one state.
    State {
        /// Vendor state name.
        series: String,
        /// The period.
        period: PeriodKey,
        /// Its value.
        value: f64,
    },
    /// A queue counter.
    Queue {
        /// Which counter of which queue.
        series: QueueCount,
        /// The period.
        period: PeriodKey,
        /// Its value.
        value: f64,
    },
    /// A wait histogram.
    Histogram {
        /// Which histogram.
        histogram: WaitHistogram,
        /// Of which queue.
        key: QueueKey,
        /// The period.
        period: PeriodKey,
        /// Cumulative counts per bucket.
        cumulative: Vec<u64>,
        /// Observations.
        count: u64,
        /// Sum, when reported.
        sum: Option<f64>,
    },
}

fn finite(v: f64) -> Result<f64, String> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "counter value {v} is not a finite, non-negative number"
        ))
    }
}

fn bound_to_saved(b: f64) -> Option<f64> {
    b.is_finite().then_some(b)
}

impl SourceData {
    /// The counters and ledger to keep in the state file.
    pub fn saved(&self) -> SavedData {
        let mut ledger: Vec<SavedPeriod> = self
            .ledger
            .seen
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (LedgerKey::State(series, period), LedgerValue::Scalar(value)) => {
                    Some(SavedPeriod::State {
                        series: series.clone(),
                        period: period.clone(),
                        value: *value,
                    })
                }
                (LedgerKey::Queue(series, period), LedgerValue::Scalar(value)) => {
                    Some(SavedPeriod::Queue {
                        series: series.clone(),
                        period: period.clone(),
                        value: *value,
                    })
                }
                (
                    LedgerKey::Hist(histogram, key, period),
                    LedgerValue::Hist {
                        cumulative,
                        count,
                        sum,
                    },
                ) => Some(SavedPeriod::Histogram {
                    histogram: *histogram,
                    key: key.clone(),
                    period: period.clone(),
                    cumulative: cumulative.clone(),
                    count: *count,
                    sum: *sum,
                }),
                // The ledger never stores a key and a value of different kinds.
                _ => None,
            })
            .collect();
        // A stable order, so that equal data writes equal files.
        ledger.sort_by_cached_key(|p| serde_json::to_string(p).unwrap_or_default());
        let mut marks: BTreeMap<String, i64> = self
            .resumed_marks
            .iter()
            .map(|(a, e)| (a.clone(), *e))
            .collect();
        for (a, e) in &self.interval_marks {
            let m = marks.entry(a.clone()).or_insert(*e);
            *m = (*m).max(*e);
        }
        SavedData {
            state_seconds: self.state_seconds.to_vec(),
            has_state_seconds: self.has_state_seconds,
            durations: self
                .durations
                .iter()
                .map(|h| SavedFixedHistogram {
                    counts: h.counts.clone(),
                    sum: h.sum,
                })
                .collect(),
            has_durations: self.has_durations,
            queue_counters: self
                .queue_counters
                .iter()
                .map(|(series, value)| SavedCounter {
                    series: series.clone(),
                    value: *value,
                })
                .collect(),
            wait_histograms: self
                .wait_histograms
                .iter()
                .map(|((histogram, key), h)| SavedHistogram {
                    histogram: *histogram,
                    key: key.clone(),
                    bounds: h.bounds.iter().map(|b| bound_to_saved(*b)).collect(),
                    cumulative: h.cumulative.clone(),
                    count: h.count,
                    sum: h.sum,
                })
                .collect(),
            ledger,
            interval_marks: marks,
        }
    }

    /// Counters and ledger restored from a state file, for a source started afresh:
    /// it exports nothing until its first successful poll, which adds only what its
    /// periods grew by since the file was written. Fails on values no version of this
    /// code writes (the caller sets the file aside).
    pub fn restored(saved: SavedData) -> Result<SourceData, String> {
        let mut d = SourceData::default();
        if saved.state_seconds.len() != d.state_seconds.len() {
            return Err(format!(
                "{} state-seconds counters, expected {}",
                saved.state_seconds.len(),
                d.state_seconds.len()
            ));
        }
        for (to, v) in d.state_seconds.iter_mut().zip(&saved.state_seconds) {
            *to = finite(*v)?;
        }
        d.has_state_seconds = saved.has_state_seconds;
        if saved.durations.len() != d.durations.len() {
            return Err(format!(
                "{} duration histograms, expected {}",
                saved.durations.len(),
                d.durations.len()
            ));
        }
        for (to, h) in d.durations.iter_mut().zip(saved.durations) {
            if h.counts.len() != to.counts.len() {
                return Err(format!(
                    "a duration histogram with {} buckets, expected {}",
                    h.counts.len(),
                    to.counts.len()
                ));
            }
            to.counts = h.counts;
            to.sum = finite(h.sum)?;
        }
        d.has_durations = saved.has_durations;
        for c in saved.queue_counters {
            d.queue_counters.insert(c.series, finite(c.value)?);
        }
        for h in saved.wait_histograms {
            if h.bounds.len() != h.cumulative.len() {
                return Err(format!(
                    "wait histogram of queue {:?}: {} bounds but {} counts",
                    h.key.queue,
                    h.bounds.len(),
                    h.cumulative.len()
                ));
            }
            d.wait_histograms.insert(
                (h.histogram, h.key),
                VendorHistogram {
                    bounds: h
                        .bounds
                        .iter()
                        .map(|b| b.unwrap_or(f64::INFINITY))
                        .collect(),
                    cumulative: h.cumulative,
                    count: h.count,
                    sum: h.sum.map(finite).transpose()?,
                },
            );
        }
        for p in saved.ledger {
            let (key, value) = match p {
                SavedPeriod::State {
                    series,
                    period,
                    value,
                } => (
                    LedgerKey::State(series, period),
                    LedgerValue::Scalar(finite(value)?),
                ),
                SavedPeriod::Queue {
                    series,
                    period,
                    value,
                } => (
                    LedgerKey::Queue(series, period),
                    LedgerValue::Scalar(finite(value)?),
                ),
                SavedPeriod::Histogram {
                    histogram,
                    key,
                    period,
                    cumulative,
                    count,
                    sum,
                } => (
                    LedgerKey::Hist(histogram, key, period),
                    LedgerValue::Hist {
                        cumulative,
                        count,
                        sum: sum.map(finite).transpose()?,
                    },
                ),
            };
            d.ledger.seen.insert(key, value);
        }
        d.resumed_marks = saved.interval_marks.into_iter().collect();
        Ok(d)
    }

    /// These counters carried over to a source of the same identity started afresh
    /// (a reload that changed only settings like the interval or a secret): the new
    /// source reads its day again, the ledger adds only growth, and intervals already
    /// counted are skipped.
    pub fn carried_over(&self) -> SourceData {
        let mut d = self.clone();
        for (a, e) in std::mem::take(&mut d.interval_marks) {
            let m = d.resumed_marks.entry(a).or_insert(e);
            *m = (*m).max(e);
        }
        d
    }
}

/// How a source's last polls went.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Whether the last poll succeeded.
    pub up: bool,
    /// When the last successful poll finished.
    pub last_success: Option<SystemTime>,
    /// The last failed poll's error (cleared on success).
    pub last_error: Option<String>,
    /// Polls finished, successful or not.
    pub polls: u64,
    /// Failed polls since the last success.
    pub consecutive_failures: u32,
}

/// One configured source as the core sees it.
pub struct SourceEntry {
    /// Source name (`source` label).
    pub name: String,
    /// Vendor (`vendor` label).
    pub vendor: Vendor,
    /// Poll interval.
    pub interval: Duration,
    /// Staleness limit.
    pub max_staleness: Duration,
    /// Vendor → normalized state mapping of this source.
    pub mapper: StateMapper,
    /// Poll status.
    pub status: Mutex<Status>,
    /// Accumulated vendor data.
    pub data: Mutex<SourceData>,
    /// Requests and records counters.
    pub counters: Arc<RequestCounters>,
    /// Wall time of whole polls ([`POLL_BUCKETS`]).
    pub poll_duration: Mutex<FixedHistogram>,
    /// The config this entry was built from (to tell changed sources on reload).
    pub config: SourceConfig,
}

impl SourceEntry {
    /// A fresh entry for `cfg`.
    pub fn new(cfg: &SourceConfig) -> Self {
        SourceEntry {
            name: cfg.name.clone(),
            vendor: cfg.vendor,
            interval: cfg.interval,
            max_staleness: cfg.max_staleness,
            mapper: StateMapper::new(&cfg.name, cfg.vendor.states(), &cfg.state_map),
            status: Mutex::new(Status::default()),
            data: Mutex::new(SourceData::default()),
            counters: Arc::new(RequestCounters::default()),
            poll_duration: Mutex::new(FixedHistogram::new(&POLL_BUCKETS)),
            config: cfg.clone(),
        }
    }

    /// An entry for `cfg` continuing `old` (same identity, other settings): its status,
    /// request counters, poll durations and vendor counters carry over, so a reload
    /// that changed the interval or a secret moves no counter.
    pub fn continuing(cfg: &SourceConfig, old: &SourceEntry) -> Self {
        let data = old
            .data
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .carried_over();
        let mapper = StateMapper::new(&cfg.name, cfg.vendor.states(), &cfg.state_map);
        mapper.learn(&old.mapper.fallbacks());
        SourceEntry {
            mapper,
            status: Mutex::new(old.status()),
            data: Mutex::new(data),
            counters: Arc::clone(&old.counters),
            poll_duration: Mutex::new(
                old.poll_duration
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
            ),
            ..SourceEntry::new(cfg)
        }
    }

    /// Notes how long one poll took.
    pub fn observe_poll(&self, seconds: f64) {
        self.poll_duration
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .observe(seconds);
    }

    /// A copy of the status.
    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the data is recent enough to export at `now`.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        // Called for every source on every scrape: read the one field under the lock
        // rather than cloning the status (and its last error text).
        let last_success = self
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last_success;
        match last_success {
            Some(t) => now.duration_since(t).unwrap_or_default() <= self.max_staleness,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QueueCount;
    use crate::model::{Channel, PeriodValue, QueueCounter, StateInterval};

    fn mapper() -> StateMapper {
        StateMapper::new("t", &[("READY", AgentState::Available)], &HashMap::new())
    }

    fn period(start: i64, scope: &str) -> PeriodKey {
        PeriodKey {
            start,
            scope: scope.into(),
        }
    }

    fn qkey() -> QueueKey {
        QueueKey {
            queue: "q".into(),
            channel: Channel::Voice,
        }
    }

    #[test]
    fn periods_count_once_and_add_growth() {
        let m = mapper();
        let mut d = SourceData::default();
        let snap = |v: f64| Snapshot {
            state_seconds: vec![PeriodValue {
                series: "READY".into(),
                period: period(1000, "u1"),
                value: v,
            }],
            queue_counts: vec![PeriodValue {
                series: QueueCount {
                    key: qkey(),
                    counter: QueueCounter::Entered,
                },
                period: period(1000, ""),
                value: v / 100.0,
            }],
            ..Default::default()
        };
        d.ingest(snap(1000.0), &m, 2000);
        d.ingest(snap(1000.0), &m, 2000);
        assert_eq!(d.state_seconds[AgentState::Available.index()], 1000.0);
        d.ingest(snap(1500.0), &m, 2000);
        assert_eq!(d.state_seconds[AgentState::Available.index()], 1500.0);
        // A shrinking period (vendor correction) adds nothing, and growing back to the
        // old high adds nothing either.
        d.ingest(snap(1200.0), &m, 2000);
        d.ingest(snap(1500.0), &m, 2000);
        assert_eq!(d.state_seconds[AgentState::Available.index()], 1500.0);
        let qc = d.queue_counters.values().copied().collect::<Vec<_>>();
        assert_eq!(qc, vec![15.0]);
    }

    /// Handled, talk and after-call work share a period but are separate series:
    /// each counts once, and a growing period adds exactly its growth to each.
    #[test]
    fn handling_counters_count_each_period_once() {
        let m = mapper();
        let mut d = SourceData::default();
        let snap = |handled: f64, talk: f64, acw: f64| Snapshot {
            queue_counts: [
                (QueueCounter::Handled, handled),
                (QueueCounter::TalkSeconds, talk),
                (QueueCounter::AfterCallWorkSeconds, acw),
            ]
            .into_iter()
            .map(|(counter, value)| PeriodValue {
                series: QueueCount {
                    key: qkey(),
                    counter,
                },
                period: period(1000, ""),
                value,
            })
            .collect(),
            ..Default::default()
        };
        let get = |d: &SourceData, counter: QueueCounter| {
            d.queue_counters[&QueueCount {
                key: qkey(),
                counter,
            }]
        };
        let all = |d: &SourceData| {
            (
                get(d, QueueCounter::Handled),
                get(d, QueueCounter::TalkSeconds),
                get(d, QueueCounter::AfterCallWorkSeconds),
            )
        };
        for _ in 0..3 {
            d.ingest(snap(2.0, 512.0, 142.0), &m, 2000);
        }
        assert_eq!(all(&d), (2.0, 512.0, 142.0));
        d.ingest(snap(3.0, 700.5, 142.0), &m, 2000);
        assert_eq!(all(&d), (3.0, 700.5, 142.0));
        d.ingest(snap(3.0, 700.5, 142.0), &m, 2000);
        assert_eq!(all(&d), (3.0, 700.5, 142.0));
    }

    #[test]
    fn queue_counts_of_a_span_are_the_periods_highest_values() {
        let m = mapper();
        let mut d = SourceData::default();
        let count = |start: i64, v: f64| PeriodValue {
            series: QueueCount {
                key: qkey(),
                counter: QueueCounter::Answered,
            },
            period: period(start, ""),
            value: v,
        };
        let snap = |values: Vec<PeriodValue<QueueCount>>| Snapshot {
            queue_counts: values,
            ..Default::default()
        };
        // Yesterday's last hour, then two hours of today; the second grows, and a
        // correction downwards keeps the highest value (as the counter does).
        d.ingest(
            snap(vec![count(-3600, 7.0), count(0, 5.0), count(3600, 2.0)]),
            &m,
            7200,
        );
        d.ingest(snap(vec![count(3600, 4.0)]), &m, 7200);
        d.ingest(snap(vec![count(3600, 3.0)]), &m, 7200);
        let today = d.queue_counts_between(0, 86_400);
        assert_eq!(today.values().copied().collect::<Vec<_>>(), vec![9.0]);
        assert_eq!(
            d.queue_counts_between(-86_400, 0)
                .values()
                .copied()
                .collect::<Vec<_>>(),
            vec![7.0]
        );
        assert!(d.queue_counts_between(86_400, 172_800).is_empty());
    }

    #[test]
    fn histograms_add_bucket_growth() {
        let m = mapper();
        let mut d = SourceData::default();
        let h = |b: [u64; 3], sum: f64| Snapshot {
            queue_histograms: vec![PeriodHistogram {
                histogram: WaitHistogram::AnswerWait,
                key: qkey(),
                period: period(1000, ""),
                buckets: vec![(5.0, b[0]), (10.0, b[1]), (f64::INFINITY, b[2])],
                count: b[2],
                sum: Some(sum),
            }],
            ..Default::default()
        };
        d.ingest(h([1, 2, 3], 30.0), &m, 2000);
        d.ingest(h([1, 2, 3], 30.0), &m, 2000);
        d.ingest(h([2, 4, 5], 50.0), &m, 2000);
        let vh = d.wait_histograms.values().next().unwrap();
        assert_eq!(vh.cumulative, vec![2, 4, 5]);
        assert_eq!(vh.count, 5);
        assert_eq!(vh.sum, Some(50.0));
    }

    #[test]
    fn intervals_feed_counter_and_histogram() {
        let m = mapper();
        let mut d = SourceData::default();
        d.ingest(
            Snapshot {
                intervals: vec![
                    StateInterval {
                        vendor_state: "READY".into(),
                        seconds: 4.0,
                        agent: "a".into(),
                        ended_at: None,
                    },
                    StateInterval {
                        vendor_state: "READY".into(),
                        seconds: 100.0,
                        agent: "a".into(),
                        ended_at: None,
                    },
                    StateInterval {
                        vendor_state: "READY".into(),
                        seconds: f64::NAN,
                        agent: "a".into(),
                        ended_at: None,
                    },
                ],
                ..Default::default()
            },
            &m,
            0,
        );
        let h = &d.durations[AgentState::Available.index()];
        let (cum, count) = h.cumulative();
        assert_eq!(count, 2);
        assert_eq!(cum[0], (5.0, 1));
        assert_eq!(cum[4], (120.0, 2));
        assert_eq!(h.sum, 104.0);
        assert_eq!(d.state_seconds[AgentState::Available.index()], 104.0);
    }

    #[test]
    fn histogram_only_intervals_do_not_double_count_period_totals() {
        let m = mapper();
        let mut d = SourceData::default();
        d.ingest(
            Snapshot {
                intervals: vec![StateInterval {
                    vendor_state: "READY".into(),
                    seconds: 30.0,
                    agent: "a".into(),
                    ended_at: None,
                }],
                intervals_histogram_only: true,
                state_seconds: vec![PeriodValue {
                    series: "READY".into(),
                    period: period(0, "u"),
                    value: 30.0,
                }],
                ..Default::default()
            },
            &m,
            0,
        );
        assert_eq!(d.state_seconds[AgentState::Available.index()], 30.0);
        assert_eq!(d.durations[AgentState::Available.index()].cumulative().1, 1);
    }

    #[test]
    fn old_periods_are_forgotten() {
        let m = mapper();
        let mut d = SourceData::default();
        d.ingest(
            Snapshot {
                state_seconds: vec![PeriodValue {
                    series: "READY".into(),
                    period: period(0, "u"),
                    value: 1.0,
                }],
                ..Default::default()
            },
            &m,
            10,
        );
        assert_eq!(d.ledger_len(), 1);
        d.ingest(Snapshot::default(), &m, 3 * 24 * 3600);
        assert_eq!(d.ledger_len(), 0);
    }

    #[test]
    fn periods_older_than_the_ledger_are_not_counted_again_and_again() {
        let m = mapper();
        let mut d = SourceData::default();
        let old = || Snapshot {
            state_seconds: vec![PeriodValue {
                series: "READY".into(),
                period: period(0, "u"),
                value: 100.0,
            }],
            queue_counts: vec![PeriodValue {
                series: QueueCount {
                    key: qkey(),
                    counter: crate::model::QueueCounter::Entered,
                },
                period: period(0, "q"),
                value: 5.0,
            }],
            ..Default::default()
        };
        // A vendor that keeps returning a period from three days ago.
        for _ in 0..3 {
            d.ingest(old(), &m, 3 * 24 * 3600);
        }
        assert_eq!(d.state_seconds[AgentState::Available.index()], 0.0);
        assert!(d.queue_counters.values().all(|v| *v == 0.0));
        assert_eq!(d.ledger_len(), 0);
    }

    #[test]
    fn a_huge_vendor_histogram_count_saturates() {
        let mut d = SourceData::default();
        let hist = |start: i64, count: u64| PeriodHistogram {
            histogram: WaitHistogram::AbandonWait,
            key: QueueKey {
                queue: "q".into(),
                channel: Channel::Voice,
            },
            period: period(start, "q"),
            buckets: vec![(f64::INFINITY, count)],
            count,
            sum: None,
        };
        let snap = Snapshot {
            queue_histograms: vec![hist(0, 690_957), hist(3600, u64::MAX)],
            ..Snapshot::default()
        };
        d.ingest(snap, &mapper(), 7200);
        let h = d.wait_histograms.values().next().unwrap();
        assert_eq!(h.count, u64::MAX);
    }

    /// A period without a sum adds nothing to a started `_sum` (before, the sum fell to
    /// none and rendered as 0: a counter reset); a sum that starts late starts there.
    #[test]
    fn a_histogram_sum_once_started_never_falls() {
        let m = mapper();
        let mut d = SourceData::default();
        let h = |start: i64, count: u64, sum: Option<f64>| Snapshot {
            queue_histograms: vec![PeriodHistogram {
                histogram: WaitHistogram::AbandonWait,
                key: qkey(),
                period: period(start, "q"),
                buckets: vec![(f64::INFINITY, count)],
                count,
                sum,
            }],
            ..Default::default()
        };
        d.ingest(h(0, 1, None), &m, 7200);
        assert_eq!(d.wait_histograms.values().next().unwrap().sum, None);
        d.ingest(h(3600, 3, Some(120.0)), &m, 7200);
        assert_eq!(d.wait_histograms.values().next().unwrap().sum, Some(120.0));
        d.ingest(h(7200, 2, None), &m, 7200);
        let vh = d.wait_histograms.values().next().unwrap();
        assert_eq!((vh.count, vh.sum), (6, Some(120.0)));
        d.ingest(h(3600, 4, Some(150.0)), &m, 7200);
        let vh = d.wait_histograms.values().next().unwrap();
        assert_eq!((vh.count, vh.sum), (7, Some(150.0)));
    }

    fn iv(agent: &str, state: &str, seconds: f64, end: i64) -> StateInterval {
        StateInterval {
            vendor_state: state.into(),
            seconds,
            agent: agent.into(),
            ended_at: Some(end),
        }
    }

    /// Everything a poll can bring, for the round trip below.
    fn busy_snapshot(v: f64) -> Snapshot {
        Snapshot {
            intervals: vec![iv("a", "READY", 30.0, 1000), iv("b", "READY", 5.0, 1010)],
            state_seconds: vec![PeriodValue {
                series: "READY".into(),
                period: period(0, "u1"),
                value: v,
            }],
            queue_counts: vec![PeriodValue {
                series: QueueCount {
                    key: qkey(),
                    counter: QueueCounter::Entered,
                },
                period: period(0, "q"),
                value: v / 10.0,
            }],
            queue_histograms: vec![PeriodHistogram {
                histogram: WaitHistogram::AnswerWait,
                key: qkey(),
                period: period(0, "q"),
                buckets: vec![(20.0, 1), (f64::INFINITY, 2)],
                count: 2,
                sum: Some(v),
            }],
            ..Default::default()
        }
    }

    /// What a restart (state file) or a reload (carried over) keeps: counters continue
    /// exactly, a re-read period adds only its growth, an interval read again is not
    /// counted again, and new intervals are.
    #[test]
    fn restored_and_carried_counters_continue_exactly() {
        let m = mapper();
        let mut d = SourceData::default();
        d.ingest(busy_snapshot(100.0), &m, 2000);
        let saved = d.saved();
        let json = serde_json::to_string(&saved).unwrap();
        let back: SavedData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, saved);
        for mut r in [SourceData::restored(back).unwrap(), d.carried_over()] {
            // The restarted source reads its day again, grown a little.
            let mut again = busy_snapshot(150.0);
            again.intervals.push(iv("a", "READY", 7.0, 1100));
            r.ingest(again, &m, 2000);
            let mut control = d.clone();
            let mut grown = busy_snapshot(150.0);
            grown.intervals = vec![iv("a", "READY", 7.0, 1100)];
            control.ingest(grown, &m, 2000);
            assert_eq!(r.state_seconds, control.state_seconds);
            assert_eq!(r.queue_counters, control.queue_counters);
            assert_eq!(r.wait_histograms, control.wait_histograms);
            assert_eq!(
                r.durations[AgentState::Available.index()].cumulative(),
                control.durations[AgentState::Available.index()].cumulative()
            );
            assert_eq!(r.saved(), control.saved());
        }
    }

    #[test]
    fn restoring_refuses_values_no_version_writes() {
        let mut saved = SourceData::default().saved();
        saved.state_seconds.pop();
        assert!(SourceData::restored(saved).is_err());
        let mut saved = SourceData::default().saved();
        saved.durations[0].counts.push(1);
        assert!(SourceData::restored(saved).is_err());
        let mut saved = SourceData::default().saved();
        saved.queue_counters.push(SavedCounter {
            series: QueueCount {
                key: qkey(),
                counter: QueueCounter::Entered,
            },
            value: -1.0,
        });
        assert!(SourceData::restored(saved).is_err());
    }
}
