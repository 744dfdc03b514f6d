//! Normalization tests on the documented example and the synthesized fixtures.

use super::types::*;
use super::*;
use chrono::{TimeDelta, TimeZone};

const STATUS_EXAMPLE: &[u8] =
    include_bytes!("../../../tests/fixtures/voximplant/GetACDOperatorStatusStatistics.json");
const STATUS_LIST: &[u8] = include_bytes!(
    "../../../tests/fixtures/voximplant/GetACDOperatorStatusStatistics-list-shape.json"
);
const ACD_STATE: &[u8] = include_bytes!("../../../tests/fixtures/voximplant/GetACDState.json");
const QUEUE_STATS: &[u8] =
    include_bytes!("../../../tests/fixtures/voximplant/GetACDQueueStatistics.json");
const USERS: &[u8] = include_bytes!("../../../tests/fixtures/voximplant/GetUsers.json");
const QUEUES: &[u8] = include_bytes!("../../../tests/fixtures/voximplant/GetQueues.json");

/// 2019-05-20 00:00:00 UTC.
const DAY: i64 = 1_558_310_400;

fn periods(body: &[u8]) -> Vec<PeriodValue<String>> {
    status_periods(parse_status_statistics(body).unwrap())
        .unwrap()
        .0
}

fn total(p: &[PeriodValue<String>], status: &str) -> f64 {
    p.iter()
        .filter(|v| v.series == status)
        .map(|v| v.value)
        .sum()
}

/// The issue's "done when": the documented example is READY 4,755 s and ONLINE
/// 6,843 s. Its seven (user, hour, status) values are summed per (hour, status) before
/// the ledger (issue 27 item 7): four periods.
#[test]
fn documented_example_is_ready_4755_online_6843() {
    let p = periods(STATUS_EXAMPLE);
    assert_eq!(total(&p, "READY"), 4755.0);
    assert_eq!(total(&p, "ONLINE"), 6843.0);
    // `hour` is the hour of the UTC `date`: hour 11 starts at 11:00.
    let got: Vec<(i64, &str, &str, f64)> = p
        .iter()
        .map(|v| {
            (
                v.period.start - DAY,
                v.series.as_str(),
                v.period.scope.as_str(),
                v.value,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (11 * 3600, "ONLINE", "", 303.0 + 1911.0),
            (11 * 3600, "READY", "", 2647.0 + 939.0),
            (12 * 3600, "ONLINE", "", 2279.0 + 2350.0),
            (12 * 3600, "READY", "", 1169.0),
        ]
    );
}

#[test]
fn list_shape_gives_the_same_periods() {
    let mut a = periods(STATUS_EXAMPLE);
    let mut b = periods(STATUS_LIST);
    let k = |v: &PeriodValue<String>| (v.series.clone(), v.period.clone());
    a.sort_by_key(k);
    b.sort_by_key(k);
    assert_eq!(a, b);
}

#[test]
fn group_by_aggregation_shape_is_read_too() {
    let body = br#"{"result":[{"date":"2019-05-20","hour":11,"statistics":[{"user_id":487576,"acd_status":{"READY":{"sum":2647}}},{"user_id":"487578","acd_status":{"READY":{"sum":939}}}]}]}"#;
    let p = periods(body);
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].period.start, p[0].value),
        (DAY + 11 * 3600, 2647.0 + 939.0)
    );
}

#[test]
fn records_without_date_or_hour_fail_the_parse_with_their_position() {
    let body = br#"{"result":[{"user_id":1,"statistics":[{"hour":1,"acd_status":{}},{"acd_status":{}}]}]}"#;
    let e = status_periods(parse_status_statistics(body).unwrap()).unwrap_err();
    assert!(
        e.starts_with("result[0].statistics[0]: record without \"date\""),
        "{e}"
    );
    let bad_hour = br#"{"result":[{"user_id":1,"statistics":[{"date":"2019-05-20","hour":25,"acd_status":{}}]}]}"#;
    let e = status_periods(parse_status_statistics(bad_hour).unwrap()).unwrap_err();
    assert!(e.contains("hour 25 is not 0-24"), "{e}");
}

/// The SDK types say hours run 1–24; 24 is accepted and is the next midnight.
#[test]
fn hour_24_is_the_next_midnight() {
    assert_eq!(
        period_start(Some("2019-05-20"), Some(Num(24.0))),
        Ok(DAY + 86_400)
    );
    assert_eq!(period_start(Some("2019-05-20"), Some(Num(0.0))), Ok(DAY));
    assert!(period_start(Some("20.05.2019"), Some(Num(1.0))).is_err());
}

fn watched() -> Vec<WatchedQueue> {
    watched_queues(&parse_queues(QUEUES).unwrap().records, None)
}

#[test]
fn queues_are_named_and_carry_their_tightest_threshold() {
    let w = watched();
    assert_eq!(w.len(), 2);
    assert_eq!((w[0].id, w[0].name.as_str()), (54, "Sales"));
    assert_eq!(w[0].sl_threshold, Some(20.0));
    assert_eq!(w[1].sl_threshold, None);
    // Configured ids unknown to GetQueues are kept, labelled by id.
    let all = parse_queues(QUEUES).unwrap().records;
    let c = watched_queues(&all, Some(&[55, 99]));
    assert_eq!(
        c.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
        vec!["Support", "99"]
    );
    // Deleted queues are not watched.
    let mut gone = all.clone();
    gone[0].deleted = Some("2019-05-19 10:00:00".into());
    assert_eq!(watched_queues(&gone, None).len(), 1);
}

#[test]
fn users_become_agents_with_state_age() {
    let users = parse_users(USERS).unwrap().records;
    let now = Utc.with_ymd_and_hms(2019, 5, 20, 12, 35, 0).unwrap();
    let a = agents_of(&users, None, now);
    // The user bound to no queue (an IVR bot) is not an operator.
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].id, "487576");
    assert_eq!(a[0].vendor_state, "READY");
    assert_eq!(a[0].state_age_seconds, Some(5700.0));
    assert_eq!(a[1].vendor_state, "IN_SERVICE");
    assert_eq!(a[1].state_age_seconds, Some(240.0));
    // Only users bound to a configured queue.
    let only55: HashSet<u64> = [55].into_iter().collect();
    let a = agents_of(&users, Some(&only55), now);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].id, "487578");
    // When the server does not list queues at all, users are kept; no status, not.
    let mut u = users.clone();
    u[0].acd_queues = None;
    u[1].acd_status = None;
    let a = agents_of(&u, Some(&only55), now);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].id, "487576");
}

/// `(queue, vendor state, count)` of each queue-agents row, in order.
fn triples(qa: &[QueueAgents]) -> Vec<(&str, &str, u64)> {
    qa.iter()
        .map(|q| (q.queue.as_str(), q.vendor_state.as_str(), q.count))
        .collect()
}

#[test]
fn acd_state_gives_queue_agents_with_banned_apart() {
    let state = parse_acd_state(ACD_STATE).unwrap();
    let qa = queue_agents_of(&state, &watched());
    assert_eq!(
        triples(&qa),
        vec![
            ("Sales", "AFTER_SERVICE", 1),
            ("Sales", "BANNED", 1),
            ("Sales", "IN_SERVICE", 1),
            ("Sales", "READY", 1),
        ]
    );
}

#[test]
fn counts_stand_in_only_for_missing_lists() {
    let body = br#"{"result":{"acd_queues":[{"acd_queue_id":7,"ready_operators_count":3,"locked_operators_count":2,"after_service_operators_count":1,"ready_operators":null}]}}"#;
    let qa = queue_agents_of(&parse_acd_state(body).unwrap(), &[]);
    assert_eq!(
        triples(&qa),
        vec![
            ("7", "AFTER_SERVICE", 1),
            ("7", "IN_SERVICE", 2),
            ("7", "READY", 3)
        ]
    );
}

#[test]
fn gauges_from_waiting_calls() {
    let state = parse_acd_state(ACD_STATE).unwrap();
    let w = watched();
    let now = Utc.with_ymd_and_hms(2019, 5, 20, 12, 35, 0).unwrap();
    let g = queue_gauges(&w[0], &state, None, now);
    assert_eq!(g.key.queue, "Sales");
    assert_eq!(g.key.channel, Channel::Voice);
    assert_eq!(g.waiting, Some(2));
    assert_eq!(g.oldest_wait_seconds, Some(75.0));
    assert_eq!(g.sla_threshold_seconds, Some(20.0));
    let g = queue_gauges(&w[1], &state, Some(30.0), now);
    assert_eq!((g.waiting, g.oldest_wait_seconds), (Some(0), Some(0.0)));
    assert_eq!(g.sla_threshold_seconds, Some(30.0));
    // Without waiting_time, the age comes from begin_time.
    let body = br#"{"result":{"acd_queues":[{"acd_queue_id":54,"waiting_calls":[{"begin_time":"2019-05-20 12:34:00"}]}]}}"#;
    let g = queue_gauges(&w[0], &parse_acd_state(body).unwrap(), None, now);
    assert_eq!(g.oldest_wait_seconds, Some(60.0));
    // A queue the state does not list exports no waiting gauges.
    let g = queue_gauges(&w[0], &AcdState::default(), None, now);
    assert_eq!((g.waiting, g.oldest_wait_seconds), (None, None));
}

#[test]
fn queue_statistics_become_hourly_counters_and_abandon_histograms() {
    let hours = queue_periods(parse_queue_statistics(QUEUE_STATS).unwrap()).unwrap();
    let w = watched();
    let (counts, hists, sla) = queue_counters(&w[0], &hours);
    let get = |c: QueueCounter, h: i64| {
        counts
            .iter()
            .find(|v| v.series.counter == c && v.period.start == DAY + h * 3600)
            .map(|v| v.value)
    };
    assert_eq!(get(QueueCounter::Entered, 11), Some(12.0));
    assert_eq!(get(QueueCounter::Answered, 11), Some(10.0));
    assert_eq!(get(QueueCounter::Abandoned, 11), Some(2.0));
    // The tightest service level (20 s, whichever order the list has).
    assert_eq!(get(QueueCounter::AnsweredInSla, 11), Some(8.0));
    assert_eq!(get(QueueCounter::AnsweredInSla, 12), Some(3.0));
    assert_eq!(get(QueueCounter::Entered, 12), Some(4.0));
    // Handled = HT.count, talk = TT.sum, after-call work = ACW.sum, per hour.
    assert_eq!(get(QueueCounter::Handled, 11), Some(10.0));
    assert_eq!(get(QueueCounter::TalkSeconds, 11), Some(1500.0));
    assert_eq!(get(QueueCounter::AfterCallWorkSeconds, 11), Some(300.0));
    assert_eq!(get(QueueCounter::Handled, 12), Some(3.0));
    assert_eq!(get(QueueCounter::TalkSeconds, 12), Some(480.0));
    assert_eq!(get(QueueCounter::AfterCallWorkSeconds, 12), Some(60.0));
    assert_eq!(counts.len(), 14);
    assert_eq!(sla, Some(20.0));
    assert!(counts.iter().all(|v| v.series.key.queue == "Sales"
        && v.series.key.channel == Channel::Voice
        && v.period.scope == "54"));
    // AT only in hour 11: one +Inf bucket with the vendor's count and sum.
    assert_eq!(hists.len(), 1);
    let h = &hists[0];
    assert_eq!(h.histogram, WaitHistogram::AbandonWait);
    assert_eq!(h.period.start, DAY + 11 * 3600);
    assert_eq!(h.buckets, vec![(f64::INFINITY, 2)]);
    assert_eq!((h.count, h.sum), (2, Some(95.0)));
}

/// Two queues may share a name (the `queue` label): their periods stay apart by queue
/// id, so neither hides the other's figures in the core's ledger.
#[test]
fn same_named_queues_have_periods_of_their_own() {
    let hours = queue_periods(parse_queue_statistics(QUEUE_STATS).unwrap()).unwrap();
    let mut w = watched();
    w[1].name = w[0].name.clone();
    let (a, ..) = queue_counters(&w[0], &hours);
    let (b, ..) = queue_counters(&w[1], &hours);
    let keys: HashSet<_> = a.iter().chain(&b).map(|v| (&v.series, &v.period)).collect();
    assert_eq!(keys.len(), a.len() + b.len());
}

#[test]
fn window_starts_at_midnight_then_rereads_only_the_hours_that_can_change() {
    let t = |day: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2019, 5, day, h, m, 7).unwrap();
    let midnight = |day: u32| Utc.with_ymd_and_hms(2019, 5, day, 0, 0, 0).unwrap();
    // The first poll reads the whole day.
    assert_eq!(window_start(None, t(20, 14, 30)), midnight(20));
    // Later polls: the hour the previous window ended in, and one more.
    assert_eq!(
        window_start(Some(t(20, 14, 29)), t(20, 14, 30)),
        midnight(20) + TimeDelta::hours(13)
    );
    assert_eq!(
        window_start(Some(t(20, 0, 10)), t(20, 0, 11)),
        midnight(19) + TimeDelta::hours(23)
    );
    // After midnight the old day's last hours are finished.
    assert_eq!(
        window_start(Some(t(20, 23, 59)), t(21, 0, 1)),
        midnight(20) + TimeDelta::hours(22)
    );
    // After a long outage at most yesterday is re-read.
    assert_eq!(window_start(Some(t(10, 12, 0)), t(20, 9, 0)), midnight(19));
    // A previous end in the future (clock stepped back) still re-reads the last hour.
    assert_eq!(
        window_start(Some(t(20, 18, 0)), t(20, 9, 30)),
        midnight(20) + TimeDelta::hours(8)
    );
}

/// A key that stopped being usable after validation (the file was replaced): every
/// poll reports it, naming the file, and none panics.
#[tokio::test]
async fn unusable_key_is_reported_by_every_poll() {
    use crate::http::RequestCounters;
    use crate::secret::Secret;
    let cfg = Config {
        base_url: url::Url::parse("http://127.0.0.1:9").unwrap(),
        credentials_file: "/etc/vox.json".into(),
        credentials: config::Credentials {
            account_id: 1,
            key_id: "k".into(),
            private_key: Secret::new(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            ),
        },
        acd_queues: None,
    };
    let mut s = VoximplantSource::new("vox", cfg);
    let counters = std::sync::Arc::new(RequestCounters::default());
    for _ in 0..2 {
        let ctx = PollContext::new(
            "vox",
            Utc::now(),
            reqwest::Client::new(),
            std::time::Duration::from_secs(1),
            1 << 20,
            counters.clone(),
        );
        let e = s.poll(&ctx).await.unwrap_err();
        assert!(matches!(e, SourceError::Credentials(_)));
        let msg = e.to_string();
        assert!(
            msg.starts_with("credentials: /etc/vox.json: private_key is unusable"),
            "{msg}"
        );
        assert!(!msg.contains("AAAA"));
    }
    assert!(counters.requests_snapshot().is_empty());
}

/// The reading of `HT`, `TT` and `ACW`, from the SDK's field descriptions
/// (`ACDQueueStatistics`): HT "Sum of 'TalkTime' and 'AfterCallWork'"; TT "Time between
/// operator answering and ending a call"; ACW "Time between operator ended a call and
/// changed status to a one different from the 'AFTER_SERVICE'. This time is tracked only
/// if operator changed status to 'AFTER_SERVICE' after the call"; `THT`/`TTT`/`TACW`
/// "Sum of" each, in seconds. So, per hour: every handled call has an HT sample
/// (handled = `HT.count`, equal to `TT.count`); ACW may have fewer samples
/// (`ACW.count` ≤ `HT.count`) but its sum is all the after-call work; and
/// `HT.sum = TT.sum + ACW.sum`. The fixture follows that shape, and the source takes
/// handled from `HT.count`, not `ACW.count`.
#[test]
fn handling_time_reading_follows_the_field_descriptions() {
    let raw: serde_json::Value = serde_json::from_slice(QUEUE_STATS).unwrap();
    let records = parse_queue_statistics(QUEUE_STATS).unwrap();
    assert_eq!(records.len(), 2);
    for (i, r) in records.iter().enumerate() {
        let (ht, tt, acw) = (
            r.handling_time.unwrap(),
            r.talk_time.unwrap(),
            r.after_call_work.unwrap(),
        );
        let n = |x: Option<Num>| x.unwrap().0;
        // HT = TT + ACW when all three are present.
        assert_eq!(n(ht.sum), n(tt.sum) + n(acw.sum), "hour {i}");
        assert_eq!(n(ht.count), n(tt.count), "hour {i}");
        assert!(n(acw.count) <= n(ht.count), "hour {i}");
        // The totals are the items' sums.
        let rec = &raw["result"][i];
        assert_eq!(rec["THT"].as_f64(), Some(n(ht.sum)), "hour {i}");
        assert_eq!(rec["TTT"].as_f64(), Some(n(tt.sum)), "hour {i}");
        assert_eq!(rec["TACW"].as_f64(), Some(n(acw.sum)), "hour {i}");
        let (handled, talk, wrap) = handling(r);
        assert_eq!(handled, Some(n(ht.count)));
        assert_eq!(talk, Some(n(tt.sum)));
        assert_eq!(wrap, Some(n(acw.sum)));
    }
    // Hour 11: ten calls handled, only eight of them followed by after-call work: the
    // handled count is ten, the after-call work all 300 s.
    assert_eq!(
        handling(&records[0]),
        (Some(10.0), Some(1500.0), Some(300.0))
    );
    assert_eq!(records[0].after_call_work.unwrap().count, Some(Num(8.0)));
    // The long names (`abbreviation=false`) read the same.
    let long = br#"{"result":[{"date":"2019-05-20","hour":11,"HandlingTime":{"count":2,"sum":100},"TalkTime":{"count":2,"sum":70},"AfterCallWork":{"count":1,"sum":30}}]}"#;
    let r = parse_queue_statistics(long).unwrap();
    assert_eq!(handling(&r[0]), (Some(2.0), Some(70.0), Some(30.0)));
    // A missing item adds nothing to its counter; nothing is derived from the others.
    let partial = br#"{"result":[{"date":"2019-05-20","hour":11,"HT":{"count":2,"sum":100},"TT":{"count":2,"sum":100}}]}"#;
    let r = parse_queue_statistics(partial).unwrap();
    assert_eq!(handling(&r[0]), (Some(2.0), Some(100.0), None));
}
