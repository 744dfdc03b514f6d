//! 30-minute period records → the snapshot's period values and histograms, and the
//! queue list → queue keys and gauges. Pure functions.
//!
//! Every period is reported with its cumulative value so far, keyed by its start
//! (`time-stamp` / `period-start`) and a scope (the queue id for queue data, so that two
//! queues with the same name stay distinct periods; the agent id for agent statistics).
//! The core adds only growth, so re-reading a period is harmless.
//!
//! Histogram `_sum` is never set: the statistics' `time-waiting` and
//! `total-time-to-abandon` cannot be shown to cover the same interactions as the SLA
//! buckets. The page's own example contradicts it: 21 accepted waits bucketed at most
//! 60 s sum to at most 360 s, yet `time-waiting` is 845 and `time-max-wait-accept` 110;
//! `abandoned-count` is 1 while every abandoned bucket is 0.

use super::types::{
    AgentStatusStat, OfflineSla, OnlineSla, Queue, Statistic, OFFLINE_BUCKETS, ONLINE_BUCKETS,
    STATUS_TOTALS,
};
use crate::model::{
    Channel, PeriodHistogram, PeriodKey, PeriodValue, QueueCount, QueueCounter, QueueGauges,
    QueueKey, WaitHistogram,
};

/// `media-type` → channel: `T` voice, `V` voice mail, `C` chat, `Z`/`E` e-mail. The
/// "All interactions" spelling (`Phone`, `Voice Mail`, `Chat`, `Email`) is accepted too.
pub fn channel_of(media_type: Option<&str>) -> Channel {
    match media_type
        .map(crate::state::fold)
        .unwrap_or_default()
        .as_str()
    {
        "t" | "phone" | "telephone" | "voice" => Channel::Voice,
        "v" | "voicemail" => Channel::Voicemail,
        "c" | "chat" => Channel::Chat,
        "z" | "e" | "email" => Channel::Email,
        _ => Channel::Other,
    }
}

/// Whether a channel's SLA buckets come from `offline_slas` (e-mail, voice mail) rather
/// than `online_slas` (everything else).
pub fn is_offline(c: Channel) -> bool {
    matches!(c, Channel::Email | Channel::Voicemail)
}

/// A queue to poll: its id, series key and gauges.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedQueue {
    /// `queue-id` (path segment and period scope).
    pub id: String,
    /// Series key (name falling back to id, channel from media type).
    pub key: QueueKey,
    /// SLA threshold when SLA is enabled.
    pub sla_seconds: Option<f64>,
}

impl WatchedQueue {
    /// From a `/queues` record; `None` without an id.
    pub fn from_queue(q: &Queue) -> Option<WatchedQueue> {
        let id = q.id.clone()?;
        let name = q.name.clone().unwrap_or_else(|| id.clone());
        Some(WatchedQueue {
            key: QueueKey {
                queue: name,
                channel: channel_of(q.media_type.as_deref()),
            },
            // `sla-enabled: N` means no SLA applies, whatever `sla-time` says.
            sla_seconds: if q.sla_enabled == Some(false) {
                None
            } else {
                q.sla_time
            },
            id,
        })
    }

    /// The queue's gauges. The statistics API has no real-time view, so waiting and
    /// oldest wait are unknown.
    pub fn gauges(&self) -> QueueGauges {
        QueueGauges {
            key: self.key.clone(),
            waiting: None,
            oldest_wait_seconds: None,
            sla_threshold_seconds: self.sla_seconds,
        }
    }

    fn period(&self, start: i64) -> PeriodKey {
        PeriodKey {
            start,
            scope: self.id.clone(),
        }
    }

    /// Counters from `/queues/{id}/statistics` periods: entered, accepted, abandoned,
    /// SLA met, and the handling figures — `finish-processing-count` (handled),
    /// `time-processing` (talk) and `time-post-processing` (after-call work). The page
    /// documents processing and post-processing as disjoint parts of handling
    /// ("total-process-time = process-time + post-process-time"), so talk excludes
    /// wrap-up as the metric requires.
    pub fn counts(&self, stats: &[Statistic], out: &mut Vec<PeriodValue<QueueCount>>) {
        for s in stats {
            let Some(ts) = s.time_stamp else { continue };
            let period = self.period(ts.timestamp());
            for (counter, v) in [
                (QueueCounter::Entered, s.entered.map(|n| n as f64)),
                (QueueCounter::Answered, s.accepted.map(|n| n as f64)),
                (QueueCounter::Abandoned, s.abandoned.map(|n| n as f64)),
                (QueueCounter::AnsweredInSla, s.sla_met.map(|n| n as f64)),
                (
                    QueueCounter::Handled,
                    s.finished_processing.map(|n| n as f64),
                ),
                (QueueCounter::TalkSeconds, s.time_processing),
                (QueueCounter::AfterCallWorkSeconds, s.time_post_processing),
            ] {
                if let Some(v) = v {
                    out.push(PeriodValue {
                        series: QueueCount {
                            key: self.key.clone(),
                            counter,
                        },
                        period: period.clone(),
                        value: v,
                    });
                }
            }
        }
    }

    /// Answer- and abandon-wait histograms from `/queues/{id}/online_slas` periods.
    pub fn online(&self, slas: &[OnlineSla], out: &mut Vec<PeriodHistogram>) {
        for s in slas {
            let Some(ts) = s.time_stamp else { continue };
            for (h, buckets) in [
                (WaitHistogram::AnswerWait, &s.accepted_buckets),
                (WaitHistogram::AbandonWait, &s.abandoned_buckets),
            ] {
                if let Some(b) = cumulative(&ONLINE_BUCKETS, buckets) {
                    out.push(self.histogram(h, ts.timestamp(), b));
                }
            }
        }
    }

    /// Offline answer-wait histograms from `/queues/{id}/offline_slas` periods.
    pub fn offline(&self, slas: &[OfflineSla], out: &mut Vec<PeriodHistogram>) {
        for s in slas {
            let Some(ts) = s.time_stamp else { continue };
            if let Some(b) = cumulative(&OFFLINE_BUCKETS, &s.accepted_buckets) {
                out.push(self.histogram(WaitHistogram::OfflineAnswerWait, ts.timestamp(), b));
            }
        }
    }

    fn histogram(&self, h: WaitHistogram, start: i64, buckets: Vec<(f64, u64)>) -> PeriodHistogram {
        let count = buckets.last().map_or(0, |b| b.1);
        PeriodHistogram {
            histogram: h,
            key: self.key.clone(),
            period: self.period(start),
            buckets,
            count,
            sum: None,
        }
    }
}

/// Disjoint vendor buckets → cumulative `(le, count)`. An empty bucket counts 0; a
/// period whose buckets are all empty (not computed yet) has no histogram.
pub fn cumulative(bounds: &[(&str, f64)], counts: &[Option<u64>]) -> Option<Vec<(f64, u64)>> {
    if counts.iter().all(Option::is_none) {
        return None;
    }
    let mut total = 0u64;
    Some(
        bounds
            .iter()
            .zip(counts)
            .map(|((_, le), c)| {
                total = total.saturating_add(c.unwrap_or(0));
                (*le, total)
            })
            .collect(),
    )
}

/// Per-agent state seconds from `/agents/{id}/statuses/statistics` periods; series is
/// the vendor state name of [`STATUS_TOTALS`], scope the agent id.
pub fn agent_state_seconds(
    agent: &str,
    stats: &[AgentStatusStat],
    out: &mut Vec<PeriodValue<String>>,
) {
    for s in stats {
        let Some(ts) = s.period_start else { continue };
        let scope = s.agent_id.clone().unwrap_or_else(|| agent.to_string());
        for ((_, state), v) in STATUS_TOTALS.iter().zip(s.totals) {
            if let Some(v) = v {
                out.push(PeriodValue {
                    series: state.to_string(),
                    period: PeriodKey {
                        start: ts.timestamp(),
                        scope: scope.clone(),
                    },
                    value: v,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::{parse_offline_slas, parse_online_slas, parse_statistics};
    use super::*;

    fn support() -> WatchedQueue {
        WatchedQueue {
            id: "121".into(),
            key: QueueKey {
                queue: "Support".into(),
                channel: Channel::Voice,
            },
            sla_seconds: Some(20.0),
        }
    }

    /// The issue's acceptance values, from the page's online SLA example.
    #[test]
    fn online_sla_example_gives_cumulative_answer_wait_buckets() {
        let slas = parse_online_slas(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queue-online-slas.xml"
        ))
        .unwrap();
        let mut h = Vec::new();
        support().online(&slas, &mut h);
        assert_eq!(h.len(), 2);
        let answer = &h[0];
        assert_eq!(answer.histogram, WaitHistogram::AnswerWait);
        let counts: Vec<u64> = answer.buckets.iter().map(|b| b.1).collect();
        assert_eq!(counts, vec![8, 13, 15, 18, 20, 20, 21, 21, 21, 21, 21]);
        let les: Vec<f64> = answer.buckets.iter().map(|b| b.0).collect();
        assert_eq!(
            les,
            vec![
                5.0,
                10.0,
                20.0,
                30.0,
                40.0,
                45.0,
                60.0,
                120.0,
                300.0,
                600.0,
                f64::INFINITY
            ]
        );
        assert_eq!(answer.count, 21);
        assert_eq!(answer.sum, None);
        // 2008-02-22T13:30:00-07:00
        assert_eq!(answer.period.start, 1203712200);
        assert_eq!(answer.period.scope, "121");
        assert_eq!(h[1].histogram, WaitHistogram::AbandonWait);
        assert_eq!(h[1].count, 0);
    }

    /// The issue's acceptance values for handling: 2 handled, 512 s of talk, 142 s of
    /// after-call work, in the example's period.
    #[test]
    fn statistics_example_gives_the_handling_counters() {
        let stats = parse_statistics(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queue-statistics.xml"
        ))
        .unwrap();
        let mut out = Vec::new();
        support().counts(&stats, &mut out);
        let get = |c: QueueCounter| {
            out.iter()
                .filter(|p| p.series.counter == c)
                .map(|p| (p.period.start, p.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(get(QueueCounter::Handled), vec![(1203712200, 2.0)]);
        assert_eq!(get(QueueCounter::TalkSeconds), vec![(1203712200, 512.0)]);
        assert_eq!(
            get(QueueCounter::AfterCallWorkSeconds),
            vec![(1203712200, 142.0)]
        );
        // An empty column (the page: columns stay empty up to an hour after the calls)
        // adds nothing to its counter, and the others are still read.
        let late = br#"<statistics><statistic><time-stamp>2008-02-22T13:30:00-07:00</time-stamp><finish-processing-count>2</finish-processing-count><time-processing></time-processing><time-post-processing/></statistic></statistics>"#;
        let mut out = Vec::new();
        support().counts(&parse_statistics(late).unwrap(), &mut out);
        let got: Vec<_> = out.iter().map(|p| (p.series.counter, p.value)).collect();
        assert_eq!(got, vec![(QueueCounter::Handled, 2.0)]);
    }

    /// Why post-processing is not part of talk: the page's per-interaction examples
    /// give handling as processing plus post-processing, disjoint. Campaign
    /// interactions: "total-process-time = process-time + post-process-time" (125 + 60
    /// = 185 in the example); activities: `trans-proc-time` 8 + `trans-post-proc-time`
    /// 7 = `trans-total-time` 15.
    #[test]
    fn processing_and_post_processing_are_disjoint_in_the_examples() {
        #[derive(Default)]
        struct Times(Option<f64>, Option<f64>, Option<f64>);
        impl crate::sources::eight_by_eight::xml::Record for Times {
            fn set(&mut self, _: &[u8], name: &[u8], t: &str) -> Result<(), String> {
                let v = || t.parse::<f64>().ok();
                match name {
                    b"process-time" | b"trans-proc-time" => self.0 = v(),
                    b"post-process-time" | b"trans-post-proc-time" => self.1 = v(),
                    b"total-process-time" | b"trans-total-time" => self.2 = v(),
                    _ => {}
                }
                Ok(())
            }
        }
        use crate::sources::eight_by_eight::xml::parse_list;
        let campaign: Vec<Times> = parse_list(
            include_bytes!("../../../tests/fixtures/eight_by_eight/campaign-interactions.xml"),
            "interactions",
            "interaction",
        )
        .unwrap();
        let activity: Vec<Times> = parse_list(
            include_bytes!("../../../tests/fixtures/eight_by_eight/activities.xml"),
            "activities",
            "activity",
        )
        .unwrap();
        let c = &campaign[0];
        assert_eq!((c.0, c.1, c.2), (Some(125.0), Some(60.0), Some(185.0)));
        let a = &activity[0];
        assert_eq!((a.0, a.1, a.2), (Some(8.0), Some(7.0), Some(15.0)));
    }

    #[test]
    fn statistics_example_gives_the_four_counters() {
        let stats = parse_statistics(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queue-statistics.xml"
        ))
        .unwrap();
        let mut out = Vec::new();
        support().counts(&stats, &mut out);
        let got: Vec<(QueueCounter, f64)> =
            out.iter().map(|p| (p.series.counter, p.value)).collect();
        assert_eq!(
            got,
            vec![
                (QueueCounter::Entered, 24.0),
                (QueueCounter::Answered, 21.0),
                (QueueCounter::Abandoned, 1.0),
                (QueueCounter::AnsweredInSla, 18.0),
                (QueueCounter::Handled, 2.0),
                (QueueCounter::TalkSeconds, 512.0),
                (QueueCounter::AfterCallWorkSeconds, 142.0),
            ]
        );
        assert!(out.iter().all(|p| p.period.start == 1203712200));
    }

    /// Pins why `_sum` is not taken from `time-waiting`: it cannot be the sum of the
    /// bucketed accepted waits of the same example.
    #[test]
    fn time_waiting_does_not_fit_the_buckets() {
        let stats = parse_statistics(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queue-statistics.xml"
        ))
        .unwrap();
        let slas = parse_online_slas(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queue-online-slas.xml"
        ))
        .unwrap();
        let max_sum: f64 = ONLINE_BUCKETS
            .iter()
            .zip(slas[0].accepted_buckets)
            .filter(|(_, c)| c.unwrap_or(0) > 0)
            .map(|((_, le), c)| le * c.unwrap_or(0) as f64)
            .sum();
        assert_eq!(max_sum, 360.0);
        assert!(stats[0].time_waiting.unwrap() > max_sum);
    }

    #[test]
    fn offline_sla_example() {
        let slas = parse_offline_slas(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queue-offline-slas.xml"
        ))
        .unwrap();
        let mut h = Vec::new();
        let q = WatchedQueue {
            id: "32".into(),
            key: QueueKey {
                queue: "Support".into(),
                channel: Channel::Email,
            },
            sla_seconds: None,
        };
        q.offline(&slas, &mut h);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].histogram, WaitHistogram::OfflineAnswerWait);
        assert_eq!(
            h[0].buckets,
            vec![
                (1800.0, 4),
                (3600.0, 8),
                (5400.0, 10),
                (7200.0, 11),
                (10800.0, 11),
                (f64::INFINITY, 12)
            ]
        );
        assert_eq!(h[0].count, 12);
    }

    #[test]
    fn empty_buckets_mean_no_histogram_yet() {
        assert_eq!(cumulative(&OFFLINE_BUCKETS, &[None; 6]), None);
        let mut c = [None; 6];
        c[1] = Some(2);
        assert_eq!(
            cumulative(&OFFLINE_BUCKETS, &c).unwrap().last(),
            Some(&(f64::INFINITY, 2))
        );
    }

    #[test]
    fn queue_from_example_has_no_sla_when_disabled() {
        let q = super::super::types::parse_queues(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/queues.xml"
        ))
        .unwrap();
        let w = WatchedQueue::from_queue(&q[0]).unwrap();
        assert_eq!(w.key.queue, "Support");
        assert_eq!(w.key.channel, Channel::Voice);
        assert_eq!(w.gauges().sla_threshold_seconds, None);
        let mut enabled = q[0].clone();
        enabled.sla_enabled = Some(true);
        enabled.sla_time = Some(20.0);
        assert_eq!(
            WatchedQueue::from_queue(&enabled).unwrap().sla_seconds,
            Some(20.0)
        );
    }

    #[test]
    fn media_types() {
        for (m, c) in [
            ("T", Channel::Voice),
            ("V", Channel::Voicemail),
            ("C", Channel::Chat),
            ("Z", Channel::Email),
            ("E", Channel::Email),
            ("Voice Mail", Channel::Voicemail),
            ("X", Channel::Other),
        ] {
            assert_eq!(channel_of(Some(m)), c, "{m}");
        }
        assert_eq!(channel_of(None), Channel::Other);
    }

    #[test]
    fn agent_statistics_example_feeds_on_break() {
        let s = super::super::types::parse_agent_status_stats(include_bytes!(
            "../../../tests/fixtures/eight_by_eight/agent-statuses-statistics.xml"
        ))
        .unwrap();
        let mut out = Vec::new();
        agent_state_seconds("pma", &s, &mut out);
        assert_eq!(out.len(), 6);
        let brk = out.iter().find(|p| p.series == "On Break").unwrap();
        assert_eq!(brk.value, 1696.0);
        assert_eq!(brk.period.scope, "pma");
        assert_eq!(brk.period.start, 1436391000);
        // Every series name maps to a contract state (none to `other`).
        let map = crate::state::StateMapper::new(
            "t",
            <super::super::EightByEight as crate::vendor::VendorSpec>::STATES,
            &Default::default(),
        );
        for p in &out {
            assert_ne!(
                map.map(&p.series),
                crate::state::AgentState::Other,
                "{}",
                p.series
            );
        }
    }
}
