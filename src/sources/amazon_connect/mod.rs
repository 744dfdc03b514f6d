//! `vendor: amazon_connect` — Amazon Connect's API (`connect` 2017-08-08, restJson1,
//! SigV4-signed).
//!
//! Each poll reads (docs/vendors/amazon_connect.md has the requests per poll):
//! - `ListQueues` (STANDARD queues, cached for [`api::QUEUE_CACHE`]);
//! - `GetCurrentMetricData` grouped by queue and channel: contacts in queue and the
//!   oldest contact's age, per queue × channel;
//! - `GetMetricDataV2` from local midnight in `time_zone` to now as one `DAY` interval,
//!   grouped by queue and channel: the day's counters, booked as one period per day and
//!   queue id so that the core's period ledger counts each day once; for
//!   [`PREVIOUS_DAY_WINDOW_SECONDS`] after midnight the previous day is read again, so
//!   its last minutes and late fills count exactly once;
//! - `GetCurrentUserData` for the agents of those queues: each agent's state from its
//!   contacts (by the admin guide's precedence), else its agent status.

pub mod api;
pub mod config;
pub mod sign;
pub mod simulate;
pub mod types;
pub mod verify;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use config::Config;
use types::{CurrentMetricResult, MetricResultV2, UserData};

use crate::http::{PollContext, SourceError};
use crate::local_day::day_start;
use crate::model::{
    Agent, Channel, PeriodKey, PeriodValue, QueueCount, QueueCounter, QueueGauges, QueueKey,
    Snapshot,
};
use crate::state::{AgentState, StateFallbacks};
use crate::vendor::Source;

/// The default vendor state → normalized state table (docs/metrics.md): the contact
/// states of `AgentContactState` and the two built-in agent statuses. Custom statuses
/// are mapped with `state_map`; one neither names counts as unavailable
/// ([`status_fallbacks`]).
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("INCOMING", Ringing),
        ("PENDING", Ringing),
        ("CONNECTING", Ringing),
        ("CONNECTED", Busy),
        ("CONNECTED_ONHOLD", Busy),
        ("ENDED", WrapUp),
        ("MISSED", Unavailable),
        ("ERROR", Unavailable),
        ("REJECTED", Unavailable),
        ("Available", Available),
        ("Offline", Offline),
        // Custom statuses every instance names differently; these common ones are
        // defaults (the demo uses them), any other is mapped with `state_map`.
        ("Break", Break),
        ("Lunch", Break),
        ("Training", Unavailable),
    ]
};

crate::vendor::declare! {
    name: "amazon_connect",
    spec: AmazonConnect,
    keys: config::Keys,
    config: Config,
    source: ConnectSource,
    demo: simulate::demo,
    states: STATES,
}

/// How long after local midnight the previous day is read again.
pub const PREVIOUS_DAY_WINDOW_SECONDS: i64 = 2 * 3600;

/// A polling Amazon Connect source.
pub struct ConnectSource {
    api: api::Api,
}

impl ConnectSource {
    /// A source for `cfg` (the name is not needed: nothing is logged by name here).
    pub fn new(_name: &str, cfg: Config) -> Self {
        ConnectSource {
            api: api::Api::new(cfg),
        }
    }
}

/// The `GetMetricDataV2` ranges a poll at `now` reads, as `(start, end)` Unix seconds:
/// today from local midnight to now, and within [`PREVIOUS_DAY_WINDOW_SECONDS`] after
/// midnight the whole previous day too. A range must not be empty (the API refuses a
/// start not before the end), so in the first second of a day only yesterday is read.
pub fn day_ranges(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<(i64, i64)> {
    let today = now.with_timezone(&tz).date_naive();
    let start = day_start(today, tz).timestamp();
    let now_s = now.timestamp();
    let mut out = Vec::with_capacity(2);
    if now_s - start < PREVIOUS_DAY_WINDOW_SECONDS {
        if let Some(yesterday) = today.pred_opt() {
            out.push((day_start(yesterday, tz).timestamp(), start));
        }
    }
    if now_s > start {
        out.push((start, now_s));
    }
    out
}

#[async_trait]
impl Source for ConnectSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let queues = self.api.queues(ctx).await?;
        if queues.is_empty() {
            return Ok(Snapshot {
                agents: Some(vec![]),
                queues: Some(vec![]),
                ..Snapshot::default()
            });
        }
        let current = self.api.current_metrics(ctx, &queues).await?;
        let tz = self.api.config().time_zone;
        let mut days = Vec::new();
        for (start, end) in day_ranges(ctx.now, tz) {
            let rows = self.api.day_counters(ctx, &queues, start, end).await?;
            days.push((start, rows));
        }
        let users = self.api.users(ctx, &queues).await?;
        let sla = self.api.config().sla_threshold_seconds as f64;
        Ok(normalize(&queues, current, days, users, ctx.now, sla))
    }
}

/// A Connect channel → the `channel` label.
pub fn channel(name: &str) -> Channel {
    match name {
        "VOICE" => Channel::Voice,
        "CHAT" => Channel::Chat,
        "EMAIL" => Channel::Email,
        _ => Channel::Other,
    }
}

/// Which counter a `GetMetricDataV2` metric feeds.
pub fn counter_of(metric: &str) -> Option<QueueCounter> {
    Some(match metric {
        "CONTACTS_QUEUED" => QueueCounter::Entered,
        "CONTACTS_HANDLED_BY_CONNECTED_TO_AGENT" => QueueCounter::Answered,
        "CONTACTS_ABANDONED" => QueueCounter::Abandoned,
        "SUM_CONTACTS_ANSWERED_IN_X" => QueueCounter::AnsweredInSla,
        "CONTACTS_HANDLED" => QueueCounter::Handled,
        "SUM_INTERACTION_AND_HOLD_TIME" => QueueCounter::TalkSeconds,
        "SUM_AFTER_CONTACT_WORK_TIME" => QueueCounter::AfterCallWorkSeconds,
        _ => return None,
    })
}

/// A value that is a count or a duration: finite and ≥ 0.
fn non_negative(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v >= 0.0)
}

/// Everything one poll read → snapshot. `days` holds each `GetMetricDataV2` range's
/// start (the period's start) with its rows; `sla` is the configured threshold.
///
/// Queues are labelled by name; same-named queues share one gauge series (waiting
/// added, the larger oldest wait kept) while their counter periods stay apart by
/// queue id. Every queue × channel seen in this poll (a current-metric row or a day
/// counter) has gauges: no row means nobody waits there.
pub fn normalize(
    queues: &[api::Queue],
    current: Vec<CurrentMetricResult>,
    days: Vec<(i64, Vec<MetricResultV2>)>,
    users: Vec<UserData>,
    now: DateTime<Utc>,
    sla: f64,
) -> Snapshot {
    let names: HashMap<&str, &str> = queues
        .iter()
        .map(|q| (q.id.as_str(), q.name.as_str()))
        .collect();
    let mut gauges: BTreeMap<QueueKey, QueueGauges> = BTreeMap::new();
    fn gauge<'a>(
        gauges: &'a mut BTreeMap<QueueKey, QueueGauges>,
        key: &QueueKey,
        sla: f64,
    ) -> &'a mut QueueGauges {
        gauges.entry(key.clone()).or_insert_with(|| QueueGauges {
            key: key.clone(),
            waiting: Some(0),
            oldest_wait_seconds: Some(0.0),
            sla_threshold_seconds: Some(sla),
        })
    }
    // A row repeated (pages that shift) counts once: the first of each queue × channel.
    let mut seen: std::collections::HashSet<(String, String)> = Default::default();
    for row in current {
        let Some(dims) = row.dimensions else { continue };
        let Some(id) = dims.queue.and_then(|q| q.id) else {
            continue;
        };
        let Some(name) = names.get(id.as_str()).copied() else {
            continue;
        };
        if !seen.insert((id, dims.channel.clone().unwrap_or_default())) {
            continue;
        }
        let key = QueueKey {
            queue: name.to_string(),
            channel: channel(dims.channel.as_deref().unwrap_or("")),
        };
        let g = gauge(&mut gauges, &key, sla);
        for m in &row.collections {
            // null ("cannot be calculated") or absent is nobody waiting.
            let v = non_negative(m.value).unwrap_or(0.0);
            match m.name() {
                "CONTACTS_IN_QUEUE" => {
                    let n = v.round() as u64;
                    g.waiting = Some(g.waiting.unwrap_or(0).saturating_add(n));
                }
                // Seconds: the request is grouped (ungrouped answers are milliseconds).
                "OLDEST_CONTACT_AGE" => {
                    g.oldest_wait_seconds = Some(g.oldest_wait_seconds.unwrap_or(0.0).max(v));
                }
                _ => {}
            }
        }
    }
    let last_day = days.iter().map(|(s, _)| *s).max();
    let mut counts = Vec::new();
    for (start, rows) in days {
        for row in rows {
            let (Some(id), Some(ch)) = (&row.dimensions.queue, &row.dimensions.channel) else {
                continue;
            };
            let Some(name) = names.get(id.as_str()) else {
                continue;
            };
            let key = QueueKey {
                queue: name.to_string(),
                channel: channel(ch),
            };
            if Some(start) == last_day {
                gauge(&mut gauges, &key, sla);
            }
            for m in &row.collections {
                let (Some(counter), Some(value)) = (counter_of(m.name()), non_negative(m.value))
                else {
                    continue;
                };
                counts.push(PeriodValue {
                    series: QueueCount {
                        key: key.clone(),
                        counter,
                    },
                    period: PeriodKey {
                        start,
                        scope: id.clone(),
                    },
                    value,
                });
            }
        }
    }
    Snapshot {
        state_fallbacks: status_fallbacks(&users),
        agents: Some(agents_of(users, now)),
        queues: Some(gauges.into_values().collect()),
        queue_counts: counts,
        ..Snapshot::default()
    }
}

/// Every agent status name seen this poll → `unavailable`. Connect has two built-in
/// statuses (`Available`, `Offline`, both in the default table) and otherwise only custom
/// ones, which make an agent not routable: a custom status neither `state_map` nor the
/// default table names counts as unavailable, not `other`.
pub fn status_fallbacks(users: &[UserData]) -> StateFallbacks {
    let mut names: StateFallbacks = users
        .iter()
        .filter_map(|u| u.status.as_ref()?.status_name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| (n.to_string(), AgentState::Unavailable))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The precedence of a contact state when an agent has several contacts (the admin
/// guide's agent activity order: error, missed, rejected, on contact, after contact
/// work, incoming); higher wins. Unknown states rank lowest.
pub fn contact_rank(state: &str) -> u8 {
    match state {
        "ERROR" => 7,
        "MISSED" => 6,
        "REJECTED" => 5,
        "CONNECTED" | "CONNECTED_ONHOLD" => 4,
        "ENDED" => 3,
        "INCOMING" | "PENDING" | "CONNECTING" => 2,
        _ => 1,
    }
}

/// `GetCurrentUserData` users → agents: the highest-ranked contact's state and start,
/// else the agent status name and its start. Users without an id are skipped.
pub fn agents_of(users: Vec<UserData>, now: DateTime<Utc>) -> Vec<Agent> {
    let now_s = now.timestamp_millis() as f64 / 1000.0;
    let age = |ts: Option<f64>| ts.filter(|t| t.is_finite()).map(|t| (now_s - t).max(0.0));
    users
        .into_iter()
        .filter_map(|u| {
            let id = u.user?.id?;
            let contact = u
                .contacts
                .iter()
                .filter(|c| c.agent_contact_state.is_some())
                .max_by_key(|c| contact_rank(c.agent_contact_state.as_deref().unwrap_or("")));
            let (vendor_state, since) = match contact {
                Some(c) => (
                    c.agent_contact_state.clone().unwrap_or_default(),
                    c.state_start_timestamp,
                ),
                None => match u.status {
                    Some(s) => (
                        s.status_name
                            .filter(|n| !n.trim().is_empty())
                            .unwrap_or_else(|| "unknown".into()),
                        s.status_start_timestamp,
                    ),
                    None => ("unknown".into(), None),
                },
            };
            Some(Agent {
                id,
                name: None,
                vendor_state,
                state_age_seconds: age(since),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn day_ranges_read_yesterday_for_two_hours_after_local_midnight() {
        let london = chrono_tz::Europe::London;
        // 2026-07-02 00:30 BST = 2026-07-01 23:30 UTC.
        let t = Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap();
        let today = Utc
            .with_ymd_and_hms(2026, 7, 1, 23, 0, 0)
            .unwrap()
            .timestamp();
        let yesterday = today - 86_400;
        assert_eq!(
            day_ranges(t, london),
            [(yesterday, today), (today, t.timestamp())]
        );
        let t2 = Utc.with_ymd_and_hms(2026, 7, 2, 1, 0, 0).unwrap();
        assert_eq!(day_ranges(t2, london), [(today, t2.timestamp())]);
        // At midnight exactly today's range is empty: only yesterday is read.
        let midnight = Utc.timestamp_opt(today, 0).unwrap();
        assert_eq!(day_ranges(midnight, london), [(yesterday, today)]);
    }

    #[test]
    fn the_admin_guides_precedence_and_the_channel_labels() {
        let mut states = [
            "INCOMING",
            "ENDED",
            "CONNECTED_ONHOLD",
            "REJECTED",
            "MISSED",
            "ERROR",
        ];
        states.sort_by_key(|s| std::cmp::Reverse(contact_rank(s)));
        assert_eq!(
            states,
            [
                "ERROR",
                "MISSED",
                "REJECTED",
                "CONNECTED_ONHOLD",
                "ENDED",
                "INCOMING"
            ]
        );
        assert_eq!(
            ["VOICE", "CHAT", "EMAIL", "TASK", "NEW"].map(channel),
            [
                Channel::Voice,
                Channel::Chat,
                Channel::Email,
                Channel::Other,
                Channel::Other
            ]
        );
        assert_eq!(
            counter_of("CONTACTS_HANDLED_BY_CONNECTED_TO_AGENT"),
            Some(QueueCounter::Answered)
        );
        assert_eq!(counter_of("AVG_HANDLE_TIME"), None);
    }

    #[test]
    fn an_agent_without_contacts_is_its_status_and_ages_never_go_negative() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let users: Vec<UserData> = serde_json::from_str(&format!(
            r#"[{{"User": {{"Id": "a"}}, "Status": {{"StatusName": "Lunch", "StatusStartTimestamp": {}}}}},
                {{"User": {{"Id": "b"}}, "Status": {{"StatusName": "Available", "StatusStartTimestamp": {}}}}},
                {{"User": {{}}, "Status": {{"StatusName": "Available"}}}},
                {{"User": {{"Id": "c"}}}}]"#,
            now.timestamp() - 90,
            now.timestamp() + 3600
        ))
        .unwrap();
        let got: Vec<(String, String, Option<f64>)> = agents_of(users, now)
            .into_iter()
            .map(|a| (a.id, a.vendor_state, a.state_age_seconds))
            .collect();
        assert_eq!(
            got,
            [
                ("a".into(), "Lunch".into(), Some(90.0)),
                ("b".into(), "Available".into(), Some(0.0)),
                ("c".into(), "unknown".into(), None),
            ]
        );
    }

    #[test]
    fn custom_statuses_fall_back_on_unavailable_below_the_tables() {
        let users: Vec<UserData> = serde_json::from_str(
            r#"[{"User": {"Id": "a"}, "Status": {"StatusName": "Coaching"}},
                {"User": {"Id": "b"}, "Status": {"StatusName": "Lunch"},
                 "Contacts": [{"AgentContactState": "CONNECTED"}]},
                {"User": {"Id": "c"}, "Status": {"StatusName": "Coaching"}},
                {"User": {"Id": "d"}, "Status": {"StatusName": " "}}]"#,
        )
        .unwrap();
        let fallbacks = status_fallbacks(&users);
        assert_eq!(
            fallbacks,
            [
                ("Coaching".to_string(), AgentState::Unavailable),
                ("Lunch".to_string(), AgentState::Unavailable),
            ]
        );
        let m = crate::state::StateMapper::new("c", STATES, &Default::default());
        m.learn(&fallbacks);
        assert_eq!(m.map("Coaching"), AgentState::Unavailable);
        // The default table still decides what it names.
        assert_eq!(m.map("Lunch"), AgentState::Break);
        assert_eq!(m.map("Available"), AgentState::Available);
        assert_eq!(m.map("CONNECTED"), AgentState::Busy);
    }
}
