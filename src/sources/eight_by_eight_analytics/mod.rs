//! `vendor: eight_by_eight_analytics` — 8x8 Analytics for Contact Center, real-time
//! metrics API (JSON over HTTPS, OAuth2 client credentials, v5).
//!
//! Each poll reads (after a token, when the cached one is near its end):
//! - `/queues` with exactly the metrics mapped here, every page: the day's running
//!   totals (`*.today`) become period values whose period is the day in `time_zone`
//!   (also sent as `timezone=`, so 8x8's "today" is the same day), so the core's period
//!   ledger counts each day once and adds only growth; the real-time gauges (`*.rt`)
//!   become waiting, oldest wait and the per-status agent counts;
//! - `/agents` with `status.rt` and `timeOnStatus.rt`, every page: every agent of the
//!   tenant and how long it has been in its status.
//!
//! The API says nothing of a queue's media, so every queue has `channel="other"`.

pub mod api;
pub mod config;
pub mod simulate;
pub mod types;

use async_trait::async_trait;

pub use config::Config;
use types::{a, q, AgentRecord, QueueRecord, Value, QUEUE_AGENT_STATES};

use crate::http::{PollContext, SourceError};
use crate::model::{
    Agent, Channel, PeriodKey, PeriodValue, QueueAgents, QueueCount, QueueCounter, QueueGauges,
    QueueKey, Snapshot,
};
use crate::state::AgentState;
use crate::vendor::Source;
use crate::vendor_day::VendorDay;

/// The default vendor state → normalized state table (docs/metrics.md): `status.rt`
/// values, and the names the queues' per-status agent counts are reported under.
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("Available", Available),
        ("Offering", Ringing),
        ("Ringing", Ringing),
        ("Handling", Busy),
        ("Busy", Busy),
        ("WrapUp", WrapUp),
        ("PostProcessing", WrapUp),
        ("OnBreak", Break),
        ("WorkingOffline", Unavailable),
        ("LoggedOut", Offline),
    ]
};

crate::vendor::declare! {
    name: "eight_by_eight_analytics",
    spec: EightByEightAnalytics,
    keys: config::Keys,
    config: Config,
    source: AnalyticsSource,
    demo: simulate::demo,
    states: STATES,
    title: "8x8 Analytics",
}

/// A polling 8x8 Analytics source.
pub struct AnalyticsSource {
    api: api::Api,
    /// Which day the `.today` totals are: 8x8's day, inferred from its totals.
    day: VendorDay<QueueCount>,
}

impl AnalyticsSource {
    /// A source for `cfg` (the name is not needed: nothing is logged here).
    pub fn new(_name: &str, cfg: Config) -> Self {
        let tz = cfg.time_zone;
        AnalyticsSource {
            api: api::Api::new(cfg),
            day: VendorDay::new(tz),
        }
    }
}

#[async_trait]
impl Source for AnalyticsSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let tz = self.api.config().time_zone;
        let mut extra = vec![("timezone", tz.name().to_string())];
        if let Some(ids) = &self.api.config().queues {
            extra.extend(ids.iter().map(|id| ("queue-ids", id.clone())));
        }
        let queues = self
            .api
            .pages(ctx, api::QUEUES, "/queues", &types::QUEUE_METRICS, &extra)
            .await?;
        let agents = self
            .api
            .pages(ctx, api::AGENTS, "/agents", &types::AGENT_METRICS, &[])
            .await?;
        let mut snap = normalize(queues, agents, 0);
        // The API says not which day its `.today` totals are: 8x8's day may start a
        // few minutes before or after our midnight (src/vendor_day.rs decides).
        snap.queue_counts = self
            .day
            .book(ctx.now, std::mem::take(&mut snap.queue_counts));
        Ok(snap)
    }
}

pub use crate::local_day::day_start;

/// A count: a number ≥ 0; `null` (what the API shows for no activity) is 0; anything
/// else, or a key the answer did not carry, is unknown.
fn count(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Null => Some(0.0),
        v => v.non_negative(),
    }
}

/// Milliseconds → seconds.
fn seconds(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::non_negative).map(|ms| ms / 1000.0)
}

/// The queue label: `name`, else `id`.
pub fn queue_label(r: &QueueRecord) -> Option<String> {
    r.name.clone().or_else(|| r.id.clone())
}

/// Queues and agents → snapshot; `day_start` (Unix seconds) is the period of the
/// `.today` totals (the source passes 0 and lets [`VendorDay`] set each day). Queues with the same label are one series (their gauges and agent
/// counts add up, the larger oldest wait wins); their periods stay apart by queue id.
pub fn normalize(queues: Vec<QueueRecord>, agents: Vec<AgentRecord>, day_start: i64) -> Snapshot {
    let mut snap = Snapshot {
        queue_counts: Vec::with_capacity(queues.len() * 4),
        ..Snapshot::default()
    };
    let mut gauges: Vec<QueueGauges> = Vec::with_capacity(queues.len());
    let mut queue_agents: Vec<QueueAgents> = Vec::with_capacity(queues.len() * 2);
    for r in &queues {
        let Some(label) = queue_label(r) else {
            continue;
        };
        let scope = r.id.clone().unwrap_or_else(|| label.clone());
        let key = QueueKey {
            queue: label,
            channel: Channel::Other,
        };
        let period = PeriodKey {
            start: day_start,
            scope,
        };
        for (counter, slot) in [
            (QueueCounter::Entered, q::ENTERED),
            (QueueCounter::Answered, q::ACCEPTED),
            (QueueCounter::Abandoned, q::ABANDONED),
            (QueueCounter::AnsweredInSla, q::ACCEPTED_IN_SLA),
        ] {
            if let Some(v) = count(r.get(slot)) {
                snap.queue_counts.push(PeriodValue {
                    series: QueueCount {
                        key: key.clone(),
                        counter,
                    },
                    period: period.clone(),
                    value: v,
                });
            }
        }
        // The renderer adds up the counts of one label; a queue whose counts are all
        // zero keeps one entry, so that its zeros are shown.
        let before = queue_agents.len();
        let mut known = false;
        for (i, (_, state)) in QUEUE_AGENT_STATES.iter().enumerate() {
            let Some(n) = count(r.get(q::FIRST_AGENT_COUNT + i)) else {
                continue;
            };
            known = true;
            if n >= 0.5 {
                queue_agents.push(QueueAgents {
                    queue: key.queue.clone(),
                    vendor_state: state.to_string(),
                    count: n.round() as u64,
                });
            }
        }
        if known && queue_agents.len() == before {
            queue_agents.push(QueueAgents {
                queue: key.queue.clone(),
                vendor_state: QUEUE_AGENT_STATES[0].1.to_string(),
                count: 0,
            });
        }
        let waiting = count(r.get(q::WAITING)).map(|n| n.round() as u64);
        // Nobody waiting is no wait, whatever the longest-wait figure says; `null` is
        // what the API shows when nobody waits.
        let oldest = match (waiting, r.get(q::LONGEST_WAIT_MS)) {
            (Some(0), _) => Some(0.0),
            (_, Some(Value::Null)) => Some(0.0),
            (_, v) => seconds(v),
        };
        let sla = seconds(r.get(q::SLA_THRESHOLD_MS));
        if waiting.is_some() || oldest.is_some() || sla.is_some() {
            gauges.push(QueueGauges {
                key,
                waiting,
                oldest_wait_seconds: oldest,
                sla_threshold_seconds: sla,
            });
        }
    }
    snap.queues = Some(QueueGauges::merge_same_labels(gauges));
    snap.queue_agents = Some(queue_agents);
    snap.agents = Some(agents_of(agents));
    snap
}

/// `/agents` records → agents: `status.rt` as the vendor state (`unknown` when the
/// answer has none), `timeOnStatus.rt` (milliseconds) as its age. Records without an
/// id are skipped.
pub fn agents_of(records: Vec<AgentRecord>) -> Vec<Agent> {
    records
        .into_iter()
        .filter_map(|mut r| {
            let state_age_seconds = seconds(r.get(a::TIME_ON_STATUS_MS));
            let status = r.values[a::STATUS].take();
            let vendor_state = match status {
                Some(Value::Text(s)) if !s.trim().is_empty() => {
                    if s.trim().len() == s.len() {
                        s
                    } else {
                        s.trim().to_string()
                    }
                }
                _ => "unknown".to_string(),
            };
            let name = r.name.take().filter(|n| !n.trim().is_empty());
            Some(Agent {
                id: r.id?,
                name,
                vendor_state,
                state_age_seconds,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::types::{parse_agents, parse_queues};
    use super::*;

    fn queue(body: &str) -> Snapshot {
        let q = parse_queues(body.as_bytes()).unwrap();
        normalize(q, vec![], 1000)
    }

    #[test]
    fn counters_are_day_periods_scoped_by_queue_id() {
        let s = queue(
            r#"[{"id": "103", "name": "Appointments", "metrics": [
                {"key": "entered.today", "value": 7}, {"key": "accepted.today", "value": "5"},
                {"key": "abandoned.today", "value": null}, {"key": "acceptedInSla.today", "value": -1}]}]"#,
        );
        let got: Vec<(QueueCounter, &str, i64, f64)> = s
            .queue_counts
            .iter()
            .map(|p| {
                (
                    p.series.counter,
                    p.period.scope.as_str(),
                    p.period.start,
                    p.value,
                )
            })
            .collect();
        // null is no activity (0); a negative count is not a count.
        assert_eq!(
            got,
            vec![
                (QueueCounter::Entered, "103", 1000, 7.0),
                (QueueCounter::Answered, "103", 1000, 5.0),
                (QueueCounter::Abandoned, "103", 1000, 0.0),
            ]
        );
        assert!(s
            .queue_counts
            .iter()
            .all(|p| p.series.key.channel == Channel::Other));
    }

    #[test]
    fn milliseconds_become_seconds_and_nobody_waiting_is_no_wait() {
        let s = queue(
            r#"[{"id": "1", "name": "A", "metrics": [
                    {"key": "interactionsWaitInQueue.rt", "value": 2},
                    {"key": "interactionsLongestWaitInQueue.rt", "value": 95500},
                    {"key": "slaTimeThreshold.today", "value": "20000"}]},
                {"id": "2", "name": "B", "metrics": [
                    {"key": "interactionsWaitInQueue.rt", "value": 0},
                    {"key": "interactionsLongestWaitInQueue.rt", "value": 12000}]},
                {"id": "3", "name": "C", "metrics": [
                    {"key": "interactionsWaitInQueue.rt", "value": 1},
                    {"key": "interactionsLongestWaitInQueue.rt", "value": null}]},
                {"id": "4", "name": "D", "metrics": [{"key": "entered.today", "value": 1}]}]"#,
        );
        let g: Vec<String> = s
            .queues
            .unwrap()
            .into_iter()
            .map(|g| {
                format!(
                    "{} {:?} {:?} {:?}",
                    g.key.queue, g.waiting, g.oldest_wait_seconds, g.sla_threshold_seconds
                )
            })
            .collect();
        assert_eq!(
            g,
            [
                "A Some(2) Some(95.5) Some(20.0)",
                "B Some(0) Some(0.0) None",
                "C Some(1) Some(0.0) None",
            ]
        );
    }

    #[test]
    fn per_status_agent_counts_and_same_named_queues() {
        let s = queue(
            r#"[{"id": "1", "name": "Sales", "metrics": [
                    {"key": "availableIdle.rt", "value": "2"}, {"key": "handling.rt", "value": 1},
                    {"key": "busy.rt", "value": 9}, {"key": "interactionsWaitInQueue.rt", "value": 1},
                    {"key": "interactionsLongestWaitInQueue.rt", "value": 4000}]},
                {"id": "2", "name": "Sales", "metrics": [
                    {"key": "availableIdle.rt", "value": 1}, {"key": "onBreak.rt", "value": null},
                    {"key": "interactionsWaitInQueue.rt", "value": 2},
                    {"key": "interactionsLongestWaitInQueue.rt", "value": 3000}]}]"#,
        );
        let qa: Vec<(&str, &str, u64)> = s
            .queue_agents
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| (a.queue.as_str(), a.vendor_state.as_str(), a.count))
            .collect();
        // Zero counts are left to the renderer, which shows all eight states of a queue.
        assert_eq!(
            qa,
            vec![
                ("Sales", "Available", 2),
                ("Sales", "Handling", 1),
                ("Sales", "Available", 1)
            ]
        );
        let zeros = queue(
            r#"[{"id": "1", "name": "Idle", "metrics": [{"key": "onBreak.rt", "value": "0"}]}]"#,
        );
        assert_eq!(zeros.queue_agents.unwrap().len(), 1);
        let g = &s.queues.unwrap()[0];
        assert_eq!((g.waiting, g.oldest_wait_seconds), (Some(3), Some(4.0)));
    }

    #[test]
    fn agents_with_status_and_age() {
        let body =
            include_str!("../../../tests/fixtures/eight_by_eight_analytics/queue-agents.json");
        let agents = agents_of(parse_agents(body.as_bytes()).unwrap());
        let got: Vec<(&str, &str, Option<f64>)> = agents
            .iter()
            .map(|a| (a.id.as_str(), a.vendor_state.as_str(), a.state_age_seconds))
            .collect();
        assert_eq!(
            got,
            vec![
                ("agAD21EBR1RhuV2TNDivaaa", "LoggedOut", Some(245_611.272)),
                (
                    "agAQDqmvKiRbG4ekigNSbbbbb",
                    "Available",
                    Some(1_469_499.666)
                ),
            ]
        );
        // The all-agents example was asked for other metrics: no status.
        let body = include_str!("../../../tests/fixtures/eight_by_eight_analytics/agents.json");
        let agents = agents_of(parse_agents(body.as_bytes()).unwrap());
        assert_eq!(agents.len(), 3);
        assert!(agents
            .iter()
            .all(|a| a.vendor_state == "unknown" && a.state_age_seconds.is_none()));
    }
}
