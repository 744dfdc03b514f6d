//! Wire records of the statistics API lists this source reads, and their pure parsers.
//!
//! Readings of the vendor page pinned here (tests name each):
//! - every field may be empty (`<accept-timestamp></accept-timestamp>`, `<case-id />`):
//!   empty is absent; the page warns that columns stay empty up to an hour after calls;
//! - online SLA buckets `t30-40sec` and `t30-45sec` are disjoint consecutive buckets
//!   (30–40 s and 40–45 s), as the example's buckets add up to `accepted-count`; the
//!   name `t40-45sec` is accepted for the same bucket;
//! - offline queues' media type is `E` in the SLA example but `Z` in the media-type list:
//!   both are e-mail;
//! - the agent status statistics example is "closed" by a second `<statuses>`: its
//!   records are read (see [`super::xml`]).

use chrono::{DateTime, FixedOffset};

use super::xml::{count, parse_list, seconds, timestamp, yes_no, Record};
use crate::http::ParseError;

/// Records a page holds at most; a shorter page is the last one.
pub const PAGE_SIZE: usize = 50;

fn text(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// One agent group (`/groups`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Group {
    /// `group-id`.
    pub id: Option<String>,
    /// `group-name`.
    pub name: Option<String>,
    /// `deleted` (`Yes`/`No`).
    pub deleted: Option<bool>,
}

impl Record for Group {
    fn set(&mut self, _: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match name {
            b"group-id" => self.id = text(t),
            b"group-name" => self.name = text(t),
            b"deleted" => self.deleted = yes_no(t),
            _ => {}
        }
        Ok(())
    }
}

/// Parses `/groups`.
pub fn parse_groups(body: &[u8]) -> Result<Vec<Group>, ParseError> {
    parse_list(body, "groups", "group")
}

/// One agent status change (`/groups/{id}/statuses`, `/agents/{id}/statuses`). Only
/// the fields used are kept: these lists are the largest this source reads.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StatusEvent {
    /// `agent-id`.
    pub agent_id: Option<String>,
    /// `agent-name`: the agent's display name.
    pub agent_name: Option<String>,
    /// `status`: the state the agent entered (`On Break`, ...).
    pub status: Option<String>,
    /// `event-time`: when it entered it.
    pub event_time: Option<DateTime<FixedOffset>>,
    /// `transaction-id` (tells apart two records that are otherwise equal).
    pub transaction_id: Option<String>,
}

impl Record for StatusEvent {
    fn set(&mut self, _: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match name {
            b"agent-id" => self.agent_id = text(t),
            b"agent-name" => self.agent_name = text(t),
            b"status" => self.status = text(t),
            b"event-time" => self.event_time = Some(timestamp(t)?),
            b"transaction-id" => self.transaction_id = text(t),
            _ => {}
        }
        Ok(())
    }
}

/// Parses a status event list.
pub fn parse_status_events(body: &[u8]) -> Result<Vec<StatusEvent>, ParseError> {
    parse_list(body, "statuses", "status")
}

/// The six state totals of agent status statistics, in wire order, with the vendor
/// state name each one feeds (as in the contract's state table).
pub const STATUS_TOTALS: [(&str, &str); 6] = [
    ("status-waiting", "Waiting"),
    ("status-processing", "Processing"),
    ("status-post-processing", "Post Processing"),
    ("status-working-offline", "Working Offline"),
    ("status-transaction-offered", "Transaction Offered"),
    ("status-break", "On Break"),
];

/// One agent's 30-minute status totals (`/agents/{id}/statuses/statistics`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AgentStatusStat {
    /// `period-start`.
    pub period_start: Option<DateTime<FixedOffset>>,
    /// `agent-id`.
    pub agent_id: Option<String>,
    /// Seconds per [`STATUS_TOTALS`] entry.
    pub totals: [Option<f64>; 6],
    /// `time-logged-in` (the sum of the above; not exported).
    pub time_logged_in: Option<f64>,
}

impl Record for AgentStatusStat {
    fn set(&mut self, _: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match name {
            b"period-start" => self.period_start = Some(timestamp(t)?),
            b"agent-id" => self.agent_id = text(t),
            b"time-logged-in" => self.time_logged_in = Some(seconds(t)?),
            _ => {
                if let Some(i) = STATUS_TOTALS.iter().position(|(n, _)| n.as_bytes() == name) {
                    self.totals[i] = Some(seconds(t)?);
                }
            }
        }
        Ok(())
    }
}

/// Parses agent status statistics.
pub fn parse_agent_status_stats(body: &[u8]) -> Result<Vec<AgentStatusStat>, ParseError> {
    parse_list(body, "statuses", "status")
}

/// One queue (`/queues`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Queue {
    /// `queue-id`.
    pub id: Option<String>,
    /// `queue-name`.
    pub name: Option<String>,
    /// `media-type`: `T` phone, `V` voice mail, `C` chat, `Z` (or `E`) e-mail.
    pub media_type: Option<String>,
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `sla-enabled`.
    pub sla_enabled: Option<bool>,
    /// `sla-time`, seconds.
    pub sla_time: Option<f64>,
}

impl Record for Queue {
    fn set(&mut self, _: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match name {
            b"queue-id" => self.id = text(t),
            b"queue-name" => self.name = text(t),
            b"media-type" => self.media_type = text(t),
            b"enabled" => self.enabled = yes_no(t),
            b"sla-enabled" => self.sla_enabled = yes_no(t),
            b"sla-time" => self.sla_time = Some(seconds(t)?),
            _ => {}
        }
        Ok(())
    }
}

/// Parses `/queues`.
pub fn parse_queues(body: &[u8]) -> Result<Vec<Queue>, ParseError> {
    parse_list(body, "queues", "queue")
}

/// One 30-minute period of a queue's interaction statistics (`/queues/{id}/statistics`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Statistic {
    /// `time-stamp`: period start.
    pub time_stamp: Option<DateTime<FixedOffset>>,
    /// `queue-name`.
    pub queue_name: Option<String>,
    /// `entered-count`.
    pub entered: Option<u64>,
    /// `accepted-count`.
    pub accepted: Option<u64>,
    /// `sla-met-count`.
    pub sla_met: Option<u64>,
    /// `abandoned-count`.
    pub abandoned: Option<u64>,
    /// `finish-processing-count`: interactions whose processing (handling) finished.
    pub finished_processing: Option<u64>,
    /// `time-processing`, seconds: their processing time, post-processing excluded.
    pub time_processing: Option<f64>,
    /// `time-post-processing`, seconds: their post-processing (wrap-up) time.
    pub time_post_processing: Option<f64>,
    /// `time-waiting`, seconds (not exported: see the module docs of `periods.rs`).
    pub time_waiting: Option<f64>,
    /// `total-time-to-abandon`, seconds (not exported).
    pub total_time_to_abandon: Option<f64>,
    /// `time-max-wait-accept`, seconds (not exported).
    pub time_max_wait_accept: Option<f64>,
}

impl Record for Statistic {
    fn set(&mut self, _: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match name {
            b"time-stamp" => self.time_stamp = Some(timestamp(t)?),
            b"queue-name" => self.queue_name = text(t),
            b"entered-count" => self.entered = Some(count(t)?),
            b"accepted-count" => self.accepted = Some(count(t)?),
            b"sla-met-count" => self.sla_met = Some(count(t)?),
            b"abandoned-count" => self.abandoned = Some(count(t)?),
            b"finish-processing-count" => self.finished_processing = Some(count(t)?),
            b"time-processing" => self.time_processing = Some(seconds(t)?),
            b"time-post-processing" => self.time_post_processing = Some(seconds(t)?),
            b"time-waiting" => self.time_waiting = Some(seconds(t)?),
            b"total-time-to-abandon" => self.total_time_to_abandon = Some(seconds(t)?),
            b"time-max-wait-accept" => self.time_max_wait_accept = Some(seconds(t)?),
            _ => {}
        }
        Ok(())
    }
}

/// Parses queue statistics.
pub fn parse_statistics(body: &[u8]) -> Result<Vec<Statistic>, ParseError> {
    parse_list(body, "statistics", "statistic")
}

/// Online SLA buckets: element names and upper bounds in seconds (disjoint buckets).
pub const ONLINE_BUCKETS: [(&str, f64); 11] = [
    ("t0-5sec", 5.0),
    ("t5-10sec", 10.0),
    ("t10-20sec", 20.0),
    ("t20-30sec", 30.0),
    ("t30-40sec", 40.0),
    ("t30-45sec", 45.0),
    ("t45-1min", 60.0),
    ("t1-2min", 120.0),
    ("t2-5min", 300.0),
    ("t5-10min", 600.0),
    ("t10-or-more", f64::INFINITY),
];

/// Offline SLA buckets: element names and upper bounds in seconds.
pub const OFFLINE_BUCKETS: [(&str, f64); 6] = [
    ("t0-30min", 1800.0),
    ("t30min-1hr", 3600.0),
    ("t1hr-1hr30min", 5400.0),
    ("t1hr30min-2hr", 7200.0),
    ("t2hr-3hr", 10800.0),
    ("t3hr-or-more", f64::INFINITY),
];

fn online_bucket(name: &[u8]) -> Option<usize> {
    // A `match` (not a search of ONLINE_BUCKETS): these are most of an SLA body's fields.
    Some(match name {
        b"t0-5sec" => 0,
        b"t5-10sec" => 1,
        b"t10-20sec" => 2,
        b"t20-30sec" => 3,
        b"t30-40sec" => 4,
        b"t30-45sec" | b"t40-45sec" => 5,
        b"t45-1min" => 6,
        b"t1-2min" => 7,
        b"t2-5min" => 8,
        b"t5-10min" => 9,
        b"t10-or-more" => 10,
        _ => return None,
    })
}

/// One 30-minute period of an online queue's SLA buckets (`/queues/{id}/online_slas`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OnlineSla {
    /// `time-stamp`: period start.
    pub time_stamp: Option<DateTime<FixedOffset>>,
    /// `entered-count`.
    pub entered: Option<u64>,
    /// `accepted-count`.
    pub accepted: Option<u64>,
    /// `sla-met-count`.
    pub sla_met: Option<u64>,
    /// `<accepted>` bucket counts, by [`ONLINE_BUCKETS`] index (disjoint, not cumulative).
    pub accepted_buckets: [Option<u64>; 11],
    /// `<abandoned>` bucket counts.
    pub abandoned_buckets: [Option<u64>; 11],
}

impl Record for OnlineSla {
    fn set(&mut self, group: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match (group, name) {
            (b"", b"time-stamp") => self.time_stamp = Some(timestamp(t)?),
            (b"", b"entered-count") => self.entered = Some(count(t)?),
            (b"", b"accepted-count") => self.accepted = Some(count(t)?),
            (b"", b"sla-met-count") => self.sla_met = Some(count(t)?),
            (b"accepted", _) => {
                if let Some(i) = online_bucket(name) {
                    self.accepted_buckets[i] = Some(count(t)?);
                }
            }
            (b"abandoned", _) => {
                if let Some(i) = online_bucket(name) {
                    self.abandoned_buckets[i] = Some(count(t)?);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Parses online SLAs.
pub fn parse_online_slas(body: &[u8]) -> Result<Vec<OnlineSla>, ParseError> {
    parse_list(body, "online_slas", "online_sla")
}

/// One 30-minute period of an offline queue's SLA buckets (`/queues/{id}/offline_slas`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OfflineSla {
    /// `time-stamp`: period start.
    pub time_stamp: Option<DateTime<FixedOffset>>,
    /// `entered-count`.
    pub entered: Option<u64>,
    /// `accepted-count`.
    pub accepted: Option<u64>,
    /// `<accepted>` bucket counts, by [`OFFLINE_BUCKETS`] index.
    pub accepted_buckets: [Option<u64>; 6],
}

impl Record for OfflineSla {
    fn set(&mut self, group: &[u8], name: &[u8], t: &str) -> Result<(), String> {
        match (group, name) {
            (b"", b"time-stamp") => self.time_stamp = Some(timestamp(t)?),
            (b"", b"entered-count") => self.entered = Some(count(t)?),
            (b"", b"accepted-count") => self.accepted = Some(count(t)?),
            (b"accepted", _) => {
                if let Some(i) = OFFLINE_BUCKETS
                    .iter()
                    .position(|(n, _)| n.as_bytes() == name)
                {
                    self.accepted_buckets[i] = Some(count(t)?);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Parses offline SLAs.
pub fn parse_offline_slas(body: &[u8]) -> Result<Vec<OfflineSla>, ParseError> {
    parse_list(body, "offline_slas", "offline_sla")
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!("../../../tests/fixtures/eight_by_eight/", $name))
        };
    }

    #[test]
    fn groups_example_with_placeholder_record() {
        let g = parse_groups(fixture!("groups.xml")).unwrap();
        // The page's third `<group>` holds only "...": an empty record.
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].id.as_deref(), Some("122"));
        assert_eq!(g[0].name.as_deref(), Some("Support"));
        assert_eq!(g[0].deleted, Some(false));
        assert_eq!(g[1].deleted, Some(true));
        assert_eq!(g[2], Group::default());
    }

    #[test]
    fn status_events_example() {
        let s = parse_status_events(fixture!("group-statuses.xml")).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].agent_id.as_deref(), Some("fred"));
        assert_eq!(s[0].status.as_deref(), Some("On Break"));
        assert_eq!(s[0].transaction_id.as_deref(), Some("1000"));
        // 2009-05-21T14:23:05-07:00
        assert_eq!(s[0].event_time.unwrap().timestamp(), 1242940985);
    }

    /// The page's example ends with `<statuses>` where `</statuses>` belongs, and has no
    /// XML declaration: the record is read anyway.
    #[test]
    fn agent_status_statistics_example_closed_by_an_opening_tag() {
        let s = parse_agent_status_stats(fixture!("agent-statuses-statistics.xml")).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].agent_id.as_deref(), Some("pma"));
        assert_eq!(s[0].period_start.unwrap().timestamp(), 1436391000);
        assert_eq!(
            s[0].totals,
            [
                Some(0.0),
                Some(0.0),
                Some(0.0),
                Some(0.0),
                Some(0.0),
                Some(1696.0)
            ]
        );
        assert_eq!(s[0].time_logged_in, Some(1696.0));
    }

    #[test]
    fn queues_example() {
        let q = parse_queues(fixture!("queues.xml")).unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].id.as_deref(), Some("121"));
        assert_eq!(q[0].media_type.as_deref(), Some("T"));
        assert_eq!(q[0].enabled, Some(true));
        assert_eq!(q[0].sla_enabled, Some(false));
        assert_eq!(q[0].sla_time, Some(0.0));
    }

    #[test]
    fn statistics_example() {
        let s = parse_statistics(fixture!("queue-statistics.xml")).unwrap();
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(s.time_stamp.unwrap().timestamp(), 1203712200);
        assert_eq!(
            (s.entered, s.accepted, s.sla_met, s.abandoned),
            (Some(24), Some(21), Some(18), Some(1))
        );
        // The handling figures: 2 interactions finished processing, 512 s of
        // processing and 142 s of post-processing.
        assert_eq!(
            (
                s.finished_processing,
                s.time_processing,
                s.time_post_processing
            ),
            (Some(2), Some(512.0), Some(142.0))
        );
        assert_eq!(s.time_waiting, Some(845.0));
        assert_eq!(s.total_time_to_abandon, Some(56.0));
        assert_eq!(s.time_max_wait_accept, Some(110.0));
    }

    /// `t30-40sec` and `t30-45sec` are two disjoint buckets: with that reading the
    /// accepted buckets add up to `accepted-count` (21).
    #[test]
    fn online_sla_example_buckets_are_disjoint_and_add_up() {
        let s = parse_online_slas(fixture!("queue-online-slas.xml")).unwrap();
        assert_eq!(s.len(), 1);
        let s = &s[0];
        let acc: Vec<u64> = s.accepted_buckets.iter().map(|b| b.unwrap()).collect();
        assert_eq!(acc, vec![8, 5, 2, 3, 2, 0, 1, 0, 0, 0, 0]);
        assert_eq!(acc.iter().sum::<u64>(), s.accepted.unwrap());
        assert!(s.abandoned_buckets.iter().all(|b| *b == Some(0)));
        assert_eq!((s.entered, s.sla_met), (Some(24), Some(18)));
    }

    #[test]
    fn bucket_names_match_the_table() {
        for (i, (name, _)) in ONLINE_BUCKETS.iter().enumerate() {
            assert_eq!(online_bucket(name.as_bytes()), Some(i), "{name}");
        }
    }

    #[test]
    fn t40_45sec_is_read_as_the_same_bucket() {
        let body = b"<online_slas><online_sla><accepted><t40-45sec>3</t40-45sec></accepted></online_sla></online_slas>";
        let s = parse_online_slas(body).unwrap();
        assert_eq!(s[0].accepted_buckets[5], Some(3));
    }

    #[test]
    fn offline_sla_example() {
        let s = parse_offline_slas(fixture!("queue-offline-slas.xml")).unwrap();
        assert_eq!(s.len(), 1);
        let acc: Vec<u64> = s[0].accepted_buckets.iter().map(|b| b.unwrap()).collect();
        assert_eq!(acc, vec![4, 4, 2, 1, 0, 1]);
        // The example's buckets add up to 12, its accepted-count says 8: the buckets
        // are what the histogram uses.
        assert_eq!(s[0].accepted, Some(8));
        assert_eq!(s[0].entered, Some(12));
    }

    #[test]
    fn wrong_type_is_a_decode_error_naming_the_field() {
        let body =
            b"<statistics><statistic><entered-count>many</entered-count></statistic></statistics>";
        match parse_statistics(body) {
            Err(ParseError::Decode(m)) => {
                assert!(
                    m.starts_with("record 1 <entered-count>: not a count: \"many\""),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    /// Every XML example on the page, including those of endpoints this source does not
    /// call, goes through the tolerant reader; the malformed ones are pinned here.
    #[test]
    fn every_page_example_reads_tolerantly() {
        use super::super::xml::Record as R;
        #[derive(Default)]
        struct Names(Vec<String>);
        impl R for Names {
            fn set(&mut self, g: &[u8], n: &[u8], t: &str) -> Result<(), String> {
                let g = String::from_utf8_lossy(g);
                let n = String::from_utf8_lossy(n);
                self.0.push(if g.is_empty() {
                    format!("{n}={t}")
                } else {
                    format!("{g}/{n}={t}")
                });
                Ok(())
            }
        }
        let cases: [(&[u8], &str, &str, usize); 14] = [
            (fixture!("agents.xml"), "agents", "agent", 2),
            (fixture!("activities.xml"), "activities", "activity", 1),
            (
                fixture!("agent-interactions.xml"),
                "interactions",
                "interaction",
                2,
            ),
            (
                fixture!("queue-interactions.xml"),
                "interactions",
                "interaction",
                1,
            ),
            (
                fixture!("campaign-interactions.xml"),
                "interactions",
                "interaction",
                2,
            ),
            (
                fixture!("all-interactions.xml"),
                "interactions",
                "interaction",
                1,
            ),
            (fixture!("agent-skills.xml"), "skills", "skill", 2),
            (fixture!("queue-skills.xml"), "skills", "skill", 2),
            (
                fixture!("outbound-calls.xml"),
                "outboundcalls",
                "outboundcall",
                1,
            ),
            (fixture!("channels.xml"), "channels", "channel", 1),
            (fixture!("campaigns.xml"), "campaigns", "campaign", 1),
            (fixture!("campaign-records.xml"), "records", "record", 2),
            (fixture!("tcls.xml"), "tcl-trans", "tcl-tran", 1),
            (fixture!("scls.xml"), "scl-trans", "scl-tran", 1),
        ];
        for (body, list, record, n) in cases {
            let recs: Vec<Names> =
                parse_list(body, list, record).unwrap_or_else(|e| panic!("{list}: {e}"));
            assert_eq!(recs.len(), n, "{list}");
        }
        // `<post-process-time>70</post-proc-time>`: the value is read.
        let r: Vec<Names> = parse_list(
            fixture!("agent-interactions.xml"),
            "interactions",
            "interaction",
        )
        .unwrap();
        assert!(r[0].0.contains(&"post-process-time=70".to_string()));
        assert!(r[0]
            .0
            .contains(&"finish-timestamp=2008-03-09T09:23:09-07:00".to_string()));
        // `<transfer-from></transfer-from>` is absent.
        assert!(!r[0].0.iter().any(|f| f.starts_with("transfer-from")));
        // `<recordinf-filename>…</recording-filename>`: read under the opening name.
        let r: Vec<Names> = parse_list(
            fixture!("campaign-interactions.xml"),
            "interactions",
            "interaction",
        )
        .unwrap();
        assert!(r[0]
            .0
            .contains(&"recordinf-filename=S20110228/R20110228175312223.wav".to_string()));
        // `</recordss>` closes `<records>`.
        let r: Vec<Names> =
            parse_list(fixture!("campaign-records.xml"), "records", "record").unwrap();
        assert!(r[0].0.contains(&"record-id=0015000000WIBJrAAP".to_string()));
        // Empty elements of the all-interactions example are absent.
        let r: Vec<Names> = parse_list(
            fixture!("all-interactions.xml"),
            "interactions",
            "interaction",
        )
        .unwrap();
        assert!(!r[0].0.iter().any(|f| f.starts_with("accept-timestamp")));
        assert!(r[0]
            .0
            .contains(&"abandon-timestamp=2011-09-22T18:35:30-07:00".to_string()));
    }
}
