//! Property: any sequence of polls, restarts (state saved, written as JSON, read back,
//! and the source started afresh) and day changes gives the same counters as the same
//! polls without restarts.
//!
//! The vendor is modelled as hourly periods whose values only grow, plus a log of agent
//! state intervals. A running source reports every period of today and yesterday, and
//! the intervals that ended since its own last poll; a source started afresh reads its
//! log again from the start of the day (and of yesterday, within two hours of midnight,
//! as the sources re-read yesterday after midnight).

use std::collections::{BTreeMap, HashMap};

use contact_center_exporter::model::{
    Channel, PeriodKey, PeriodValue, QueueCount, QueueCounter, QueueKey, Snapshot, StateInterval,
};
use contact_center_exporter::state::{AgentState, StateMapper};
use contact_center_exporter::store::{SavedData, SourceData};
use proptest::prelude::*;

const DAY: i64 = 86_400;

#[derive(Debug, Clone)]
enum Step {
    /// A period (hours before now, 0..30) of a counter grows.
    Grow { hours_ago: i64, counter: u8, by: u8 },
    /// An agent's interval ends now.
    Interval { agent: u8, seconds: u16 },
    /// Time moves on.
    Tick { seconds: u32 },
    /// Both exporters poll.
    Poll,
    /// The exporter under test restarts.
    Restart,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0i64..30, 0u8..3, 1u8..20).prop_map(|(hours_ago, counter, by)| Step::Grow {
            hours_ago,
            counter,
            by
        }),
        (0u8..4, 1u16..3000).prop_map(|(agent, seconds)| Step::Interval { agent, seconds }),
        prop_oneof![1u32..600, 600u32..20_000].prop_map(|seconds| Step::Tick { seconds }),
        Just(Step::Poll),
        Just(Step::Poll),
        Just(Step::Restart),
    ]
}

/// The vendor: period values and the interval log.
#[derive(Default)]
struct Vendor {
    periods: BTreeMap<(i64, u8), f64>,
    log: Vec<(String, i64, f64)>,
}

/// One source instance: where its interval cursor stands.
#[derive(Default)]
struct Source {
    cursor: Option<i64>,
}

impl Source {
    fn poll(&mut self, v: &Vendor, now: i64) -> Snapshot {
        let today = now - now.rem_euclid(DAY);
        let read_from = match self.cursor {
            Some(c) => c,
            // Afresh: the day's log, and yesterday's within two hours of midnight.
            None if now - today < 2 * 3600 => today - DAY,
            None => today,
        };
        let intervals = v
            .log
            .iter()
            .filter(|(_, end, _)| *end > read_from && *end <= now)
            .map(|(agent, end, seconds)| StateInterval {
                vendor_state: "READY".into(),
                seconds: *seconds,
                agent: agent.clone(),
                ended_at: Some(*end),
            })
            .collect();
        self.cursor = Some(now);
        let queue_counts = v
            .periods
            .iter()
            .filter(|((start, _), _)| *start >= today - DAY && *start <= now)
            .map(|((start, counter), value)| PeriodValue {
                series: QueueCount {
                    key: QueueKey {
                        queue: "q".into(),
                        channel: Channel::Voice,
                    },
                    counter: [
                        QueueCounter::Entered,
                        QueueCounter::Answered,
                        QueueCounter::Abandoned,
                    ][*counter as usize],
                },
                period: PeriodKey {
                    start: *start,
                    scope: "q1".into(),
                },
                value: *value,
            })
            .collect();
        Snapshot {
            intervals,
            queue_counts,
            ..Default::default()
        }
    }
}

/// State seconds, the available-state duration buckets, and the queue counters.
type Counters = (Vec<f64>, Vec<(f64, u64)>, BTreeMap<QueueCount, f64>);

fn counters(d: &SourceData) -> Counters {
    let (cum, count) = d.durations[AgentState::Available.index()].cumulative();
    let mut cum = cum;
    cum.push((f64::INFINITY, count));
    (d.state_seconds.to_vec(), cum, d.queue_counters.clone())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn restarts_never_change_a_counter(steps in prop::collection::vec(step(), 1..80)) {
        let mapper = StateMapper::new("t", &[("READY", AgentState::Available)], &HashMap::new());
        let mut vendor = Vendor::default();
        let mut now: i64 = 1_772_000_000; // a day in 2026, mid-afternoon UTC
        let (mut control, mut control_src) = (SourceData::default(), Source::default());
        let (mut subject, mut subject_src) = (SourceData::default(), Source::default());
        for s in steps {
            match s {
                Step::Grow { hours_ago, counter, by } => {
                    let start = now - now.rem_euclid(3600) - hours_ago * 3600;
                    *vendor.periods.entry((start, counter)).or_insert(0.0) += f64::from(by);
                }
                Step::Interval { agent, seconds } => {
                    // A second later than anything polled so far, as a log records it.
                    now += 1;
                    vendor.log.push((format!("agent{agent}"), now, f64::from(seconds)));
                }
                // Both exporters keep polling (at least every ten minutes) while time
                // moves: a gap in polling is an outage, which loses what the vendor no
                // longer reports for both alike, not a restart.
                Step::Tick { seconds } => {
                    let mut left = i64::from(seconds);
                    while left > 0 {
                        let step = left.min(600);
                        now += step;
                        left -= step;
                        control.ingest(control_src.poll(&vendor, now), &mapper, now);
                        subject.ingest(subject_src.poll(&vendor, now), &mapper, now);
                    }
                    prop_assert_eq!(counters(&subject), counters(&control));
                }
                Step::Poll => {
                    control.ingest(control_src.poll(&vendor, now), &mapper, now);
                    subject.ingest(subject_src.poll(&vendor, now), &mapper, now);
                    prop_assert_eq!(counters(&subject), counters(&control));
                }
                Step::Restart => {
                    let json = serde_json::to_vec(&subject.saved()).unwrap();
                    let saved: SavedData = serde_json::from_slice(&json).unwrap();
                    subject = SourceData::restored(saved).unwrap();
                    subject_src = Source::default();
                }
            }
        }
        control.ingest(control_src.poll(&vendor, now), &mapper, now);
        subject.ingest(subject_src.poll(&vendor, now), &mapper, now);
        prop_assert_eq!(counters(&subject), counters(&control));
    }
}
