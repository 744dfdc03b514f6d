//! Unit tests of the normalization: the readings of Twilio's spec that the source
//! rests on, each pinned here.

use chrono::TimeZone;

use super::types::{parse_bulk_real_time, parse_cumulative, parse_real_time, parse_workers};
use super::*;

fn q(sid: &str, name: &str) -> TaskQueue {
    TaskQueue {
        sid: sid.into(),
        friendly_name: Some(name.into()),
    }
}

fn rt(body: &str) -> Vec<QueueRealTime> {
    parse_bulk_real_time(body.as_bytes())
        .unwrap()
        .task_queue_data
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

#[test]
fn waiting_is_pending_plus_reserved_and_nobody_waiting_is_no_wait() {
    let queues = [q("WQ1", "Support"), q("WQ2", "Sales"), q("WQ3", "Idle")];
    let r = rt(r#"{"task_queue_data": [
        {"task_queue_sid": "WQ1", "longest_task_waiting_age": 95, "longest_relative_task_age_in_queue": 40,
         "tasks_by_status": {"pending": "2", "reserved": 1, "assigned": "7"}},
        {"task_queue_sid": "WQ2", "longest_task_waiting_age": 12, "tasks_by_status": {"pending": 0, "reserved": "1"}},
        {"task_queue_sid": "WQ3", "longest_task_waiting_age": 300, "tasks_by_status": {"pending": "0", "reserved": "0"}},
        {"task_queue_sid": "WQ9", "longest_task_waiting_age": 1, "tasks_by_status": {"pending": 1}}]}"#);
    let s = normalize(&queues, r, vec![], vec![], 20, now());
    let g: Vec<String> = s
        .queues
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{} {:?} {:?} {:?} {}",
                g.key.queue,
                g.waiting,
                g.oldest_wait_seconds,
                g.sla_threshold_seconds,
                g.key.channel
            )
        })
        .collect();
    // The relative age (since entering this queue) wins where the answer has it; a
    // TaskQueue not asked for (WQ9) is ignored; an age with nothing waiting is 0.
    assert_eq!(
        g,
        [
            "Idle Some(0) Some(0.0) Some(20.0) other",
            "Sales Some(1) Some(12.0) Some(20.0) other",
            "Support Some(3) Some(40.0) Some(20.0) other",
        ]
    );
}

#[test]
fn same_named_queues_are_one_gauge_series() {
    let queues = [q("WQ1", "Support"), q("WQ2", "Support")];
    let r = rt(r#"{"task_queue_data": [
        {"task_queue_sid": "WQ1", "longest_task_waiting_age": 5, "tasks_by_status": {"pending": 1},
         "activity_statistics": [{"friendly_name": "Available", "workers": 2, "sid": "WA1"}]},
        {"task_queue_sid": "WQ2", "longest_task_waiting_age": 50, "tasks_by_status": {"pending": "2"},
         "activity_statistics": [{"friendly_name": "Available", "workers": "1", "sid": "WA1"},
                                 {"friendly_name": "Break", "workers": 0, "sid": "WA2"}]}]}"#);
    let s = normalize(&queues, r, vec![], vec![], 20, now());
    let g = s.queues.unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].waiting, g[0].oldest_wait_seconds),
        (Some(3), Some(50.0))
    );
    let qa: Vec<(&str, &str, u64)> = s
        .queue_agents
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| (a.queue.as_str(), a.vendor_state.as_str(), a.count))
        .collect();
    assert_eq!(
        qa,
        [
            ("Support", "Available", 2),
            ("Support", "Available", 1),
            ("Support", "Break", 0)
        ]
    );
}

#[test]
fn counters_are_day_periods_scoped_by_sid() {
    let queues = [q("WQ1", "Support"), q("WQ2", "Support")];
    let c = |body: &str| parse_cumulative(body.as_bytes()).unwrap();
    let totals = vec![
        DayTotals {
            sid: "WQ1".into(),
            day_start: 1000,
            totals: c(
                r#"{"tasks_entered": 10, "reservations_accepted": 8, "tasks_canceled": 1,
                "tasks_completed": 6, "split_by_wait_time": {"20": {"below": {"reservations_accepted": 7, "tasks_canceled": 0},
                "above": {"reservations_accepted": 1, "tasks_canceled": 1}}}}"#,
            ),
        },
        DayTotals {
            sid: "WQ2".into(),
            day_start: 1000,
            // Split by another threshold only: no answered-in-SLA value.
            totals: c(
                r#"{"tasks_entered": "4", "split_by_wait_time": {"30": {"below": {"reservations_accepted": 4}}}}"#,
            ),
        },
    ];
    let s = normalize(&queues, vec![], totals, vec![], 20, now());
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
    assert_eq!(
        got,
        [
            (QueueCounter::Entered, "WQ1", 1000, 10.0),
            (QueueCounter::Answered, "WQ1", 1000, 8.0),
            (QueueCounter::Abandoned, "WQ1", 1000, 1.0),
            (QueueCounter::AnsweredInSla, "WQ1", 1000, 7.0),
            (QueueCounter::Handled, "WQ1", 1000, 6.0),
            (QueueCounter::Entered, "WQ2", 1000, 4.0),
        ]
    );
}

#[test]
fn day_windows_read_yesterday_for_two_hours_after_midnight() {
    let ny = chrono_tz::America::New_York;
    let at = |d: u32, h: u32, m: u32| {
        ny.with_ymd_and_hms(2026, 3, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    let midnight = |d: u32| at(d, 0, 0);
    assert_eq!(
        day_windows(at(5, 1, 59), ny),
        [
            DayWindow {
                start: midnight(5),
                end: None
            },
            DayWindow {
                start: midnight(4),
                end: Some(midnight(5))
            },
        ]
    );
    assert_eq!(
        day_windows(at(5, 2, 0), ny),
        [DayWindow {
            start: midnight(5),
            end: None
        }]
    );
    // StartDate is sent in UTC: local midnight in New York is 05:00Z in winter.
    assert_eq!(
        midnight(5),
        Utc.with_ymd_and_hms(2026, 3, 5, 5, 0, 0).unwrap()
    );
}

#[test]
fn an_answer_for_another_window_is_refused() {
    let asked = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let c = |start: &str| Cumulative {
        start_time: Some(start.into()),
        ..Cumulative::default()
    };
    assert!(check_window(&c("2026-03-02T00:00:00Z"), asked, "WQ1").is_ok());
    assert!(check_window(&c("2026-03-02T00:00:30Z"), asked, "WQ1").is_ok());
    let e = check_window(&c("2026-03-01T23:45:00Z"), asked, "WQ1").unwrap_err();
    assert!(e.to_string().contains("booked to the wrong day"), "{e}");
    assert!(check_window(&c("yesterday"), asked, "WQ1").is_err());
    assert!(check_window(&Cumulative::default(), asked, "WQ1").is_ok());
}

#[test]
fn workers_become_agents_with_name_and_state_age() {
    let body = include_str!("../../../tests/fixtures/twilio_taskrouter/workers.json");
    let now = Utc.with_ymd_and_hms(2017, 5, 30, 23, 10, 29).unwrap();
    let a = agents_of(parse_workers(body.as_bytes()).unwrap().workers, now);
    assert_eq!(a.len(), 1);
    assert_eq!(
        (
            a[0].id.as_str(),
            a[0].name.as_deref(),
            a[0].vendor_state.as_str(),
            a[0].state_age_seconds
        ),
        (
            "WKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            Some("testWorker"),
            "Offline",
            Some(300.0)
        )
    );
    let twice = parse_workers(
        br#"{"workers": [{"sid": "WK1", "activity_name": " "}, {"sid": "WK1", "activity_name": "Busy"},
            {"sid": "WK2", "activity_name": "Idle", "date_status_changed": "2099-01-01T00:00:00Z"}]}"#,
    )
    .unwrap()
    .workers;
    let a = agents_of(twice, now);
    assert_eq!(
        a.iter()
            .map(|a| (a.vendor_state.as_str(), a.state_age_seconds))
            .collect::<Vec<_>>(),
        [("unknown", None), ("Idle", Some(0.0))]
    );
}

#[test]
fn the_single_queue_answer_has_the_relative_age() {
    let body = include_str!("../../../tests/fixtures/twilio_taskrouter/real-time-statistics.json");
    let r = parse_real_time(body.as_bytes()).unwrap();
    assert_eq!(r.longest_relative_task_age_in_queue, Some(Count(100.0)));
}

#[test]
fn the_default_state_table() {
    let m = crate::state::StateMapper::new("t", STATES, &Default::default());
    use AgentState::*;
    for (name, want) in [
        ("Available", Available),
        ("Idle", Available),
        ("Reserved", Ringing),
        ("Busy", Busy),
        ("Wrap-up", WrapUp),
        ("WrapUp", WrapUp),
        ("Break", Break),
        ("Unavailable", Unavailable),
        ("Offline", Offline),
    ] {
        assert_eq!(m.map(name), want, "{name}");
    }
}

#[test]
fn activities_fall_back_on_their_available_flag() {
    let body = include_str!("../../../tests/fixtures/twilio_taskrouter/activities.json");
    let page = types::parse_activities(body.as_bytes()).unwrap();
    assert_eq!(
        activity_fallbacks(&page.activities),
        [("New Activity".to_string(), AgentState::Available)]
    );
    let acts: Vec<types::Activity> = serde_json::from_str(
        r#"[{"friendly_name": "Lunch", "available": false},
            {"friendly_name": "Email", "available": true},
            {"friendly_name": "No flag"},
            {"available": true},
            {"friendly_name": "  ", "available": false}]"#,
    )
    .unwrap();
    let fallbacks = activity_fallbacks(&acts);
    assert_eq!(
        fallbacks,
        [
            ("Lunch".to_string(), AgentState::Unavailable),
            ("Email".to_string(), AgentState::Available)
        ]
    );
    // Below the default table: a Workspace's own "Break" that is flagged available
    // stays break; a name no table knows takes its flag.
    let m = crate::state::StateMapper::new("t", STATES, &Default::default());
    m.learn(&[("Break".to_string(), AgentState::Available)]);
    m.learn(&fallbacks);
    assert_eq!(m.map("Break"), AgentState::Break);
    assert_eq!(m.map("Lunch"), AgentState::Unavailable);
    assert_eq!(m.map("Email"), AgentState::Available);
    assert_eq!(m.map("No flag"), AgentState::Other);
}
