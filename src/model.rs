//! The vendor-neutral snapshot that every source produces from one poll.
//!
//! A source knows its vendor's wire format and nothing of Prometheus; the core knows
//! Prometheus and nothing of any vendor. This module is the whole contract between them.
//! Vendor state names stay as the vendor spells them here: mapping them to normalized
//! states is the core's job (see [`crate::state`]), because `state_map` overrides are
//! per source and generic.

use std::fmt;

/// Everything one successful poll learned. Fields a vendor cannot fill stay empty;
/// `agents` is `None` when the poll did not observe agents at all (the previous list
/// is then kept), and `Some(vec![])` when it observed that nobody is logged in.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    /// The complete current list of agents, when this poll observed it.
    pub agents: Option<Vec<Agent>>,
    /// Agents per queue and vendor state, where the vendor reports queue membership.
    /// `None` keeps the previous value; `Some(vec![])` means "no queue has agents".
    pub queue_agents: Option<Vec<QueueAgents>>,
    /// Current queue gauges (waiting, oldest wait, SLA threshold). `None` keeps the previous.
    pub queues: Option<Vec<QueueGauges>>,
    /// Completed agent state intervals that this poll saw for the first time. The source
    /// guarantees each interval is reported once (it keeps its own cursor); the core adds
    /// each to `agent_state_seconds_total` and the duration histogram.
    pub intervals: Vec<StateInterval>,
    /// When true, `intervals` feed only the duration histogram, because `state_seconds`
    /// (the vendor's own per-period totals) already count the same time.
    pub intervals_histogram_only: bool,
    /// Vendor-aggregated state time per period (cumulative value of the period so far).
    /// The core counts each period once and adds only growth.
    pub state_seconds: Vec<PeriodValue<String>>,
    /// Vendor-aggregated queue counters per period (cumulative value of the period so far):
    /// interaction counts, and the handling-time totals in seconds.
    pub queue_counts: Vec<PeriodValue<QueueCount>>,
    /// Vendor-aggregated wait-time histograms per period (cumulative within the period).
    pub queue_histograms: Vec<PeriodHistogram>,
    /// Vendor state names with the normalized state the vendor's own data implies (a
    /// TaskRouter Activity's `available` flag, an Amazon Connect custom status), used for
    /// names neither `state_map` nor the vendor's table knows (`StateMapper::learn`).
    pub state_fallbacks: crate::state::StateFallbacks,
}

/// One agent as the vendor reports it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Vendor's agent/user id (stable key). Empty for an agent the vendor only counts
    /// (Genesys Cloud's status counts): it counts per state but has no per-agent series
    /// or status-page row.
    pub id: String,
    /// The agent's display name where the vendor reports one (a person's name: shown
    /// only where `agent_names` allows it). `None` where the API gives only an id.
    pub name: Option<String>,
    /// The vendor's own name for the agent's current state (e.g. `WAITING4CALL`).
    pub vendor_state: String,
    /// How long the agent has been in the current state, if the vendor says.
    pub state_age_seconds: Option<f64>,
}

/// Count of agents in one queue with one vendor state.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueAgents {
    /// Queue name (falling back to its id).
    pub queue: String,
    /// Vendor state name of these agents (mapped by the core).
    pub vendor_state: String,
    /// Number of agents.
    pub count: u64,
}

/// Interaction channel of a queue (the `channel` label).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Telephone.
    Voice,
    /// Voice mail.
    Voicemail,
    /// Web chat and messaging.
    Chat,
    /// E-mail.
    Email,
    /// Anything else, or unknown.
    Other,
}

impl Channel {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Voicemail => "voicemail",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Other => "other",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies one queue series: queue name plus channel.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct QueueKey {
    /// Queue name (falling back to its id).
    pub queue: String,
    /// Channel of the queue.
    pub channel: Channel,
}

/// Current gauges of one queue. `None` fields are not exported.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueGauges {
    /// Which queue.
    pub key: QueueKey,
    /// Interactions waiting now.
    pub waiting: Option<u64>,
    /// Age of the longest-waiting interaction now, in seconds (0 when none waits).
    pub oldest_wait_seconds: Option<f64>,
    /// SLA threshold the vendor applies, in seconds.
    pub sla_threshold_seconds: Option<f64>,
}

impl QueueGauges {
    /// Makes queues that share a label one series: a vendor may have two queues of the
    /// same name (in two applications, say), and two series with equal labels would be a
    /// duplicate in the exposition. Their waiting counts add up; the longer oldest wait
    /// and the larger SLA threshold win (the looser target, so a ratio computed against
    /// it is not held to a threshold one of the queues does not use). The result is
    /// sorted by key.
    pub fn merge_same_labels(mut gauges: Vec<QueueGauges>) -> Vec<QueueGauges> {
        gauges.sort_by(|a, b| a.key.cmp(&b.key));
        gauges.dedup_by(|later, kept| {
            if later.key != kept.key {
                return false;
            }
            kept.waiting = match (kept.waiting, later.waiting) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                (a, b) => a.or(b),
            };
            kept.oldest_wait_seconds = larger(kept.oldest_wait_seconds, later.oldest_wait_seconds);
            kept.sla_threshold_seconds =
                larger(kept.sla_threshold_seconds, later.sla_threshold_seconds);
            true
        });
        gauges
    }
}

fn larger(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// One completed state interval of one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct StateInterval {
    /// Vendor state name the agent was in.
    pub vendor_state: String,
    /// How long the agent was in it.
    pub seconds: f64,
    /// The vendor's id of the agent.
    pub agent: String,
    /// When the interval ended (Unix seconds, the vendor's time of the next state
    /// change), when the vendor says. A source started afresh over kept counters (a
    /// restart with `--storage.path`, a reload that changed no series-defining setting)
    /// reads its log again from the start of the day: the core then skips each agent's
    /// intervals that ended no later than the last one it had counted.
    pub ended_at: Option<i64>,
}

/// Identifies one vendor aggregation period of one series. Two samples with the same
/// key are the same period seen twice (the later value replaces the earlier).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct PeriodKey {
    /// Period start, Unix seconds (UTC). Used to forget old periods.
    pub start: i64,
    /// Whatever else makes the period unique within the series, e.g. the agent id for
    /// per-agent statistics (empty when the series key alone is enough).
    pub scope: String,
}

/// A vendor-aggregated cumulative value of one period of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodValue<S> {
    /// The series (vendor state name, or queue counter).
    pub series: S,
    /// The period.
    pub period: PeriodKey,
    /// The period's value so far (it may grow until the period closes).
    pub value: f64,
}

/// Which queue counter a [`PeriodValue`] feeds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum QueueCounter {
    /// `contact_center_queue_entered_total`.
    Entered,
    /// `contact_center_queue_answered_total`.
    Answered,
    /// `contact_center_queue_abandoned_total`.
    Abandoned,
    /// `contact_center_queue_answered_in_sla_total`.
    AnsweredInSla,
    /// `contact_center_queue_handled_total`: interactions whose handling by an agent
    /// finished (a count).
    Handled,
    /// `contact_center_queue_talk_seconds_total`: agent time handling them, after-call
    /// work excluded (seconds).
    TalkSeconds,
    /// `contact_center_queue_after_call_work_seconds_total`: agent time in after-call
    /// work for them (seconds).
    AfterCallWorkSeconds,
}

/// Queue counter series: which counter of which queue.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct QueueCount {
    /// The queue.
    pub key: QueueKey,
    /// The counter.
    pub counter: QueueCounter,
}

/// Which wait-time histogram a [`PeriodHistogram`] feeds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum WaitHistogram {
    /// `contact_center_queue_answer_wait_seconds` (online channels).
    AnswerWait,
    /// `contact_center_queue_abandon_wait_seconds` (online channels).
    AbandonWait,
    /// `contact_center_queue_offline_answer_wait_seconds` (email, voicemail).
    OfflineAnswerWait,
}

/// A vendor-bucketed histogram for one period of one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodHistogram {
    /// Which histogram.
    pub histogram: WaitHistogram,
    /// Which queue.
    pub key: QueueKey,
    /// The period.
    pub period: PeriodKey,
    /// `(upper bound in seconds, cumulative count)`, ascending; the last bound may be
    /// `f64::INFINITY`. Every period of one series must use the same bounds.
    pub buckets: Vec<(f64, u64)>,
    /// Total observations in the period (equals the `+Inf` bucket).
    pub count: u64,
    /// Sum of the observed waits in seconds, when the vendor reports it.
    pub sum: Option<f64>,
}
