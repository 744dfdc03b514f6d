//! `vendor: exotel` — Exotel / Ameyo DataEngine User Monitoring API.
//!
//! Each poll reads two tables in full: `user-session-information` (one row per user and
//! campaign/queue session) gives every logged-in agent's current status and queue
//! membership; `customer-information` gives the customers waiting per campaign/queue.
//! The API is a real-time view only: it has no history, so this vendor exports no
//! counters or histograms.

pub mod api;
pub mod config;
pub mod simulate;
pub mod types;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

pub use config::Config;
use types::Session;

use crate::http::PollContext;
use crate::http::SourceError;
use crate::model::{Agent, Channel, QueueAgents, QueueGauges, QueueKey, Snapshot};
use crate::state::AgentState;
use crate::vendor::Source;

/// The default vendor state → normalized state table (docs/metrics.md).
const STATES: &[(&str, AgentState)] = {
    use AgentState::*;
    &[
        ("Ready", Available),
        ("Ringing", Ringing),
        ("On Call", Busy),
        ("Busy", Busy),
        ("Wrap-up", WrapUp),
        ("ACW", WrapUp),
        ("Break", Break),
        ("Not Ready", Unavailable),
        ("Logged Out", Offline),
        ("Inactive", Offline),
    ]
};

crate::vendor::declare! {
    name: "exotel",
    spec: Exotel,
    keys: config::Keys,
    config: Config,
    source: ExotelSource,
    demo: simulate::demo,
    states: STATES,
    title: "Exotel/Ameyo",
}

/// A polling Exotel source.
pub struct ExotelSource {
    cfg: Config,
}

impl ExotelSource {
    /// A source for `cfg`.
    pub fn new(_name: &str, cfg: Config) -> Self {
        ExotelSource { cfg }
    }
}

#[async_trait]
impl Source for ExotelSource {
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError> {
        let sessions =
            api::fetch_table(ctx, &self.cfg, "user_sessions", api::USER_SESSIONS).await?;
        let customers = api::fetch_table(ctx, &self.cfg, "customers", api::CUSTOMERS).await?;
        Ok(normalize(&sessions, &customers))
    }
}

/// `channel_details.channel_type` → `channel`.
pub fn channel_of(s: &Session) -> Channel {
    let t = s
        .channel_details
        .as_ref()
        .and_then(|c| c.channel_type.as_deref())
        .map(crate::state::fold)
        .unwrap_or_default();
    match t.as_str() {
        "voice" | "call" | "phone" => Channel::Voice,
        "voicemail" => Channel::Voicemail,
        "chat" | "webchat" | "whatsapp" | "sms" | "messaging" => Channel::Chat,
        "email" | "mail" => Channel::Email,
        _ => Channel::Other,
    }
}

/// Sessions and customers → snapshot. A user with sessions in several campaigns is one
/// agent, counted in each of its queues; a row without user id or name is skipped.
pub fn normalize(sessions: &[Session], customers: &[Session]) -> Snapshot {
    let mut agents: BTreeMap<String, Agent> = BTreeMap::new();
    let mut per_queue: BTreeMap<(String, String), std::collections::BTreeSet<String>> =
        BTreeMap::new();
    let mut queues: HashMap<QueueKey, QueueGauges> = HashMap::new();
    for s in sessions {
        let Some(id) = s.user_id.clone().or_else(|| s.user_name.clone()) else {
            continue;
        };
        let state = s
            .user_status
            .as_deref()
            .map(str::trim)
            .filter(|st| !st.is_empty())
            .unwrap_or("unknown")
            .to_string();
        agents.entry(id.clone()).or_insert_with(|| Agent {
            id: id.clone(),
            name: s
                .user_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            vendor_state: state.clone(),
            state_age_seconds: s.user_status_duration,
        });
        if let Some(q) = s.queue_label() {
            per_queue.entry((q.clone(), state)).or_default().insert(id);
            let key = QueueKey {
                queue: q,
                channel: channel_of(s),
            };
            queues.entry(key.clone()).or_insert_with(|| QueueGauges {
                key,
                waiting: Some(0),
                oldest_wait_seconds: Some(0.0),
                sla_threshold_seconds: None,
            });
        }
    }
    for c in customers.iter().filter(|c| c.waiting == Some(true)) {
        let Some(q) = c.queue_label() else { continue };
        let key = QueueKey {
            queue: q,
            channel: channel_of(c),
        };
        let g = queues.entry(key.clone()).or_insert_with(|| QueueGauges {
            key,
            waiting: Some(0),
            oldest_wait_seconds: Some(0.0),
            sla_threshold_seconds: None,
        });
        g.waiting = Some(g.waiting.unwrap_or(0) + 1);
        if let Some(age) = c.customer_status_duration {
            g.oldest_wait_seconds = Some(g.oldest_wait_seconds.unwrap_or(0.0).max(age));
        }
    }
    let mut queues: Vec<QueueGauges> = queues.into_values().collect();
    queues.sort_by(|a, b| a.key.cmp(&b.key));
    Snapshot {
        agents: Some(agents.into_values().collect()),
        queue_agents: Some(
            per_queue
                .into_iter()
                .map(|((queue, vendor_state), users)| QueueAgents {
                    queue,
                    vendor_state,
                    count: users.len() as u64,
                })
                .collect(),
        ),
        queues: Some(queues),
        ..Snapshot::default()
    }
}

#[cfg(test)]
mod tests {
    use super::types::parse_page;
    use super::*;

    #[test]
    fn documented_example_is_one_ready_agent_in_monika_webchat() {
        let body = include_bytes!("../../../tests/fixtures/exotel/user-session-information.json");
        let sessions: Vec<Session> = parse_page(body)
            .unwrap()
            .response
            .into_iter()
            .filter_map(|r| r.data)
            .collect();
        let snap = normalize(&sessions, &[]);
        let agents = snap.agents.unwrap();
        assert_eq!(agents.len(), 1);
        assert_eq!(agents[0].vendor_state, "Ready");
        assert_eq!(agents[0].state_age_seconds, None);
        assert_eq!(
            snap.queue_agents.unwrap(),
            vec![QueueAgents {
                queue: "monika_webchat".into(),
                vendor_state: "Ready".into(),
                count: 1
            }]
        );
        let q = snap.queues.unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].key.channel, Channel::Voice);
        assert_eq!(q[0].waiting, Some(0));
    }

    #[test]
    fn user_in_two_campaigns_is_one_agent_and_waiting_customers_count() {
        let s = |user: &str, camp: &str, status: &str| Session {
            user_id: Some(user.into()),
            user_status: Some(status.into()),
            campaign_name: Some(camp.into()),
            ..Default::default()
        };
        let sessions = vec![
            s("a", "c1", "On Call"),
            s("a", "c2", "On Call"),
            s("b", "c1", "Ready"),
        ];
        let cust = |camp: &str, age: f64, waiting: bool| Session {
            campaign_name: Some(camp.into()),
            customer_status_duration: Some(age),
            waiting: Some(waiting),
            ..Default::default()
        };
        let customers = vec![
            cust("c1", 12.0, true),
            cust("c1", 40.0, true),
            cust("c1", 99.0, false),
        ];
        let snap = normalize(&sessions, &customers);
        assert_eq!(snap.agents.unwrap().len(), 2);
        let qa = snap.queue_agents.unwrap();
        assert_eq!(qa.len(), 3);
        let c1 = snap
            .queues
            .unwrap()
            .into_iter()
            .find(|g| g.key.queue == "c1")
            .unwrap();
        assert_eq!(c1.waiting, Some(2));
        assert_eq!(c1.oldest_wait_seconds, Some(40.0));
    }
}
