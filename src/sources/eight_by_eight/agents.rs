//! Agents from status events: each agent's current state is its latest event, and the
//! time between two consecutive events of an agent is a completed interval in the
//! earlier event's state.
//!
//! Events are read incrementally per group and day: a cursor remembers how many records
//! of the day's list were consumed and the last one. The next read starts AT that last
//! record (`n` = its index) and checks it is still the same; if the list changed under
//! it (records inserted before it), the day is read again from the start and events
//! already applied are recognised by time: per agent, an event older than the agent's
//! latest event is not applied again, nor is one at the latest event's instant whose
//! status was already applied at that instant (8x8 stamps events to the second, so
//! "Transaction Offered" and "Processing" often share one). A status new at that
//! instant (written late) changes the state but completes no interval: a 0-second
//! interval is not a state anyone was in, and is dropped as VCC Live drops it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::types::StatusEvent;
use crate::model::{Agent, StateInterval};

/// Where reading one group's status list of one day stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cursor {
    /// Records of the list consumed so far.
    pub consumed: u64,
    /// The last consumed record (to check the list did not shift).
    pub last: Option<StatusEvent>,
}

/// An agent's latest status event.
#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    /// The state entered.
    pub status: String,
    /// When.
    pub since: DateTime<Utc>,
    /// Every status applied at `since`, `status` last (usually just `status`): events
    /// at the same instant are told apart by status, so a re-read in any order skips
    /// them all instead of flipping the state and adding 0-second intervals.
    pub applied_at_since: Vec<String>,
    /// The agent's name from its latest event that had one.
    pub name: Option<String>,
}

impl Latest {
    fn new(status: String, since: DateTime<Utc>, name: Option<String>) -> Self {
        Latest {
            applied_at_since: vec![status.clone()],
            status,
            since,
            name,
        }
    }
}

/// Everything the source keeps about agents between polls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentBook {
    /// Latest event per agent id.
    pub agents: BTreeMap<String, Latest>,
    /// Status list cursors by (group id, local day).
    pub cursors: BTreeMap<(String, NaiveDate), Cursor>,
}

/// A status event with the fields intervals need (records missing one are skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Agent id.
    pub agent: String,
    /// State entered.
    pub status: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The agent's name, where the record gives one.
    pub name: Option<String>,
}

impl Change {
    /// The usable part of a wire record.
    pub fn from_event(e: StatusEvent) -> Option<Change> {
        Some(Change {
            at: e.event_time?.with_timezone(&Utc),
            agent: e.agent_id?,
            status: e.status?,
            name: e.agent_name,
        })
    }
}

impl AgentBook {
    /// Applies status changes (from any lists, in any order) and returns the intervals
    /// they complete. Intervals ending before `count_from` update states only (the
    /// first poll's look-back at the previous day).
    pub fn apply(
        &mut self,
        mut changes: Vec<Change>,
        count_from: Option<DateTime<Utc>>,
    ) -> Vec<StateInterval> {
        changes.sort_by_key(|c| c.at);
        let mut out = Vec::new();
        for c in changes {
            match self.agents.get_mut(&c.agent) {
                Some(latest) if c.at < latest.since => {
                    // An older record may still name an agent whose newer ones do not.
                    if latest.name.is_none() {
                        latest.name = c.name;
                    }
                }
                Some(latest) if c.at == latest.since => {
                    if c.name.is_some() {
                        latest.name = c.name;
                    }
                    if !latest.applied_at_since.contains(&c.status) {
                        latest.applied_at_since.push(c.status.clone());
                        latest.status = c.status;
                    }
                }
                Some(latest) => {
                    if count_from.is_none_or(|from| c.at >= from) {
                        out.push(StateInterval {
                            vendor_state: latest.status.clone(),
                            seconds: (c.at - latest.since).num_milliseconds() as f64 / 1000.0,
                            agent: c.agent.clone(),
                            ended_at: Some(c.at.timestamp()),
                        });
                    }
                    let name = c.name.or_else(|| latest.name.take());
                    *latest = Latest::new(c.status, c.at, name);
                }
                None => {
                    self.agents
                        .insert(c.agent, Latest::new(c.status, c.at, c.name));
                }
            }
        }
        out
    }

    /// Every agent with a known state, with the age of that state at `now`.
    pub fn current(&self, now: DateTime<Utc>) -> Vec<Agent> {
        self.agents
            .iter()
            .map(|(id, l)| Agent {
                id: id.clone(),
                name: l.name.clone().filter(|n| !n.trim().is_empty()),
                vendor_state: l.status.clone(),
                state_age_seconds: Some(
                    ((now - l.since).num_milliseconds() as f64 / 1000.0).max(0.0),
                ),
            })
            .collect()
    }

    /// Agents that may have status statistics from `from` on: logged in now, or with
    /// an event since then.
    pub fn active_since(&self, from: DateTime<Utc>) -> Vec<String> {
        self.agents
            .iter()
            .filter(|(_, l)| l.since >= from || crate::state::fold(&l.status) != "loggedout")
            .map(|(id, _)| id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 4, h, m, s).unwrap()
    }

    fn ch(agent: &str, status: &str, t: DateTime<Utc>) -> Change {
        Change {
            agent: agent.into(),
            status: status.into(),
            at: t,
            name: None,
        }
    }

    #[test]
    fn consecutive_events_make_intervals_in_the_earlier_state() {
        let mut b = AgentBook::default();
        let iv = b.apply(
            vec![
                ch("fred", "Processing", at(10, 1, 0)),
                ch("fred", "Available", at(10, 0, 0)),
                ch("sally", "On Break", at(10, 0, 30)),
                ch("fred", "Post Processing", at(10, 4, 0)),
            ],
            None,
        );
        assert_eq!(
            iv,
            vec![
                StateInterval {
                    vendor_state: "Available".into(),
                    seconds: 60.0,
                    agent: "fred".into(),
                    ended_at: Some(at(10, 1, 0).timestamp()),
                },
                StateInterval {
                    vendor_state: "Processing".into(),
                    seconds: 180.0,
                    agent: "fred".into(),
                    ended_at: Some(at(10, 4, 0).timestamp()),
                },
            ]
        );
        let now = at(10, 5, 0);
        let agents = b.current(now);
        assert_eq!(agents.len(), 2);
        assert_eq!(agents[0].id, "fred");
        assert_eq!(agents[0].vendor_state, "Post Processing");
        assert_eq!(agents[0].state_age_seconds, Some(60.0));
    }

    #[test]
    fn events_seen_again_are_not_applied_twice() {
        let mut b = AgentBook::default();
        let evs = vec![
            ch("fred", "Available", at(10, 0, 0)),
            ch("fred", "Processing", at(10, 1, 0)),
        ];
        assert_eq!(b.apply(evs.clone(), None).len(), 1);
        let before = b.clone();
        assert!(b.apply(evs, None).is_empty());
        assert_eq!(b, before);
    }

    /// Issue 27 item 5: two events at the same second, re-read in either order (a
    /// late insert, or two groups' lists), add no 0-second intervals and leave the
    /// agent in the state applied last; a status written late at that second still
    /// takes effect, without an interval.
    #[test]
    fn events_at_the_same_second_are_seen_in_any_order() {
        let mut b = AgentBook::default();
        let first = vec![
            ch("fred", "Available", at(10, 0, 0)),
            ch("fred", "Transaction Offered", at(10, 5, 0)),
            ch("fred", "Processing", at(10, 5, 0)),
        ];
        let iv = b.apply(first.clone(), None);
        // One interval: Available for 5 minutes; nothing of 0 s between the two events.
        assert_eq!(
            iv,
            vec![StateInterval {
                vendor_state: "Available".into(),
                seconds: 300.0,
                agent: "fred".into(),
                ended_at: Some(at(10, 5, 0).timestamp()),
            }]
        );
        assert_eq!(b.agents["fred"].status, "Processing");
        let before = b.clone();
        // The re-read from n=1, in list order and reversed: nothing new.
        assert!(b.apply(first.clone(), None).is_empty());
        let mut reversed = first;
        reversed.reverse();
        assert!(b.apply(reversed, None).is_empty());
        assert_eq!(b, before);
        // A status 8x8 wrote late at the same second changes the state, no interval...
        assert!(b
            .apply(vec![ch("fred", "Hold", at(10, 5, 0))], None)
            .is_empty());
        assert_eq!(b.agents["fred"].status, "Hold");
        // ...and the next event completes one interval in it, of the real length.
        let iv = b.apply(vec![ch("fred", "Available", at(10, 9, 0))], None);
        assert_eq!(
            iv,
            vec![StateInterval {
                vendor_state: "Hold".into(),
                seconds: 240.0,
                agent: "fred".into(),
                ended_at: Some(at(10, 9, 0).timestamp()),
            }]
        );
    }

    #[test]
    fn look_back_sets_states_without_counting() {
        let mut b = AgentBook::default();
        let iv = b.apply(
            vec![
                ch("fred", "Available", at(9, 0, 0)),
                ch("fred", "On Break", at(9, 30, 0)),
                ch("fred", "Available", at(10, 15, 0)),
            ],
            Some(at(10, 0, 0)),
        );
        // Only the break that ended after 10:00 counts (all 45 minutes of it).
        assert_eq!(
            iv,
            vec![StateInterval {
                vendor_state: "On Break".into(),
                seconds: 2700.0,
                agent: "fred".into(),
                ended_at: Some(at(10, 15, 0).timestamp()),
            }]
        );
    }

    #[test]
    fn statistics_candidates() {
        let mut b = AgentBook::default();
        b.apply(
            vec![
                ch("in", "Available", at(1, 0, 0)),
                ch("out-today", "Logged Out", at(9, 0, 0)),
                ch("out-long-ago", "Logged Out", at(2, 0, 0)),
            ],
            None,
        );
        assert_eq!(b.active_since(at(8, 0, 0)), vec!["in", "out-today"]);
    }
}
