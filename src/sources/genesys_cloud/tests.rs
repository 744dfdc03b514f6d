//! Unit tests of the normalization, on the fixtures of `tests/fixtures/genesys_cloud/`
//! (shapes of the SDK models; see its README.txt).

use chrono::TimeZone;

use super::types::*;
use super::*;

const Q1: &str = include_str!("../../../tests/fixtures/genesys_cloud/queues-page1.json");
const Q2: &str = include_str!("../../../tests/fixtures/genesys_cloud/queues-page2.json");
const OBS: &str = include_str!("../../../tests/fixtures/genesys_cloud/observations.json");
const AGG: &str = include_str!("../../../tests/fixtures/genesys_cloud/aggregates.json");
const COUNTS: &str = include_str!("../../../tests/fixtures/genesys_cloud/status-counts.json");

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn dir() -> Vec<QueueInfo> {
    let mut q = parse_queue_page(Q1.as_bytes()).unwrap().entities;
    q.extend(parse_queue_page(Q2.as_bytes()).unwrap().entities);
    directory(q, None).0
}

fn fixture() -> Normalized {
    let obs = parse_observations(OBS.as_bytes()).unwrap();
    let agg = parse_aggregates(AGG.as_bytes()).unwrap();
    let counts = parse_status_counts(COUNTS.as_bytes()).unwrap();
    normalize(&dir(), &[obs], &[(1000, agg)], Some(&counts), now()).unwrap()
}

#[test]
fn thresholds_per_channel_from_media_settings_in_seconds() {
    let d = dir();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0].label, "Support");
    // call → voice; chat and message share chat (the longer); callback → other.
    assert_eq!(
        d[0].sla,
        vec![
            (Channel::Voice, 20.0),
            (Channel::Chat, 45.0),
            (Channel::Email, 86400.0),
            (Channel::Other, 20.0)
        ]
    );
    let names = vec!["Sales".to_string(), "Nope".to_string()];
    let mut q = parse_queue_page(Q1.as_bytes()).unwrap().entities;
    q.extend(parse_queue_page(Q2.as_bytes()).unwrap().entities);
    let (only, missing) = directory(q, Some(&names));
    assert_eq!(only.len(), 2);
    assert!(only.iter().all(|q| q.label == "Sales"));
    assert_eq!(missing, ["Nope"]);
}

#[test]
fn waiting_and_oldest_wait_from_observation_dates() {
    let n = fixture();
    let g: Vec<String> = n
        .snapshot
        .queues
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}/{} {:?} {:?} {:?}",
                g.key.queue,
                g.key.channel,
                g.waiting,
                g.oldest_wait_seconds,
                g.sla_threshold_seconds
            )
        })
        .collect();
    assert_eq!(
        g,
        [
            // Two Sales queues: 1 + 2 waiting, the older start (09:57:00) wins, the
            // longer threshold (25 s).
            "Sales/voice Some(3) Some(180.0) Some(25.0)",
            "Support/voice Some(2) Some(118.877) Some(20.0)",
            "Support/chat Some(1) Some(300.0) Some(45.0)",
            "Support/email Some(0) Some(0.0) Some(86400.0)",
            "Support/other Some(0) Some(0.0) Some(20.0)",
        ]
    );
    assert!(n.unknown.is_empty(), "{:?}", n.unknown);
}

#[test]
fn nobody_waiting_is_no_wait_and_missing_details_are_unknown() {
    let d = dir();
    let obs = parse_observations(
        br#"{"results": [
            {"group": {"queueId": "4e8b2e4c-0b1b-4f07-9a2a-3c0d5b6e7f81", "mediaType": "voice"},
             "data": [{"metric": "oWaiting", "stats": {"count": 0},
                       "observations": [{"observationDate": "2026-03-02T09:00:00Z"}]}]},
            {"group": {"queueId": "7d1c9a3e-5f60-4b2a-8c11-0e2f3a4b5c6d", "mediaType": "voice"},
             "data": [{"metric": "oWaiting", "stats": {"count": 4}}]},
            {"group": {"queueId": "4e8b2e4c-0b1b-4f07-9a2a-3c0d5b6e7f81", "mediaType": "fax"},
             "data": [{"metric": "oWaiting", "stats": {"count": 1},
                       "observations": [{"observationDate": "2026-03-02T10:00:05Z"}]}]}]}"#,
    )
    .unwrap();
    let n = normalize(&d, &[obs], &[], None, now()).unwrap();
    let q = n.snapshot.queues.unwrap();
    let get = |name: &str, c: Channel| {
        q.iter()
            .find(|g| g.key.queue == name && g.key.channel == c)
            .map(|g| (g.waiting, g.oldest_wait_seconds))
    };
    assert_eq!(get("Support", Channel::Voice), Some((Some(0), Some(0.0))));
    assert_eq!(get("Sales", Channel::Voice), Some((Some(4), None)));
    // An unknown media type is other; a start in the future is no wait yet.
    assert_eq!(get("Support", Channel::Other), Some((Some(1), Some(0.0))));
    assert_eq!(n.unknown, ["media type \"fax\""]);
    assert!(n.snapshot.agents.is_none());
}

#[test]
fn queue_agents_by_routing_status_and_mapped_presence() {
    let n = fixture();
    let mut qa: Vec<(String, String, u64)> = n
        .snapshot
        .queue_agents
        .unwrap()
        .into_iter()
        .map(|a| (a.queue, a.vendor_state, a.count))
        .collect();
    qa.sort();
    let s = |q: &str, st: &str, c: u64| (q.to_string(), st.to_string(), c);
    assert_eq!(
        qa,
        [
            s("Sales", "AWAY", 1),
            s("Sales", "MEAL", 2),
            s("Sales", "ON_QUEUE:COMMUNICATING", 1),
            s("Sales", "ON_QUEUE:IDLE", 1),
            s("Support", "BREAK", 1),
            s("Support", "OFFLINE", 2),
            s("Support", "ON_QUEUE:IDLE", 3),
            s("Support", "ON_QUEUE:INTERACTING", 4),
            s("Support", "ON_QUEUE:NOT_RESPONDING", 1),
        ]
    );
}

#[test]
fn an_unknown_presence_id_or_routing_status_is_unknown() {
    let d = dir();
    let obs = parse_observations(
        br#"{"systemToOrganizationMappings": {"BREAK": ["b"]}, "results": [
            {"group": {"queueId": "4e8b2e4c-0b1b-4f07-9a2a-3c0d5b6e7f81"},
             "data": [{"metric": "oOffQueueUsers", "qualifier": "zzz", "stats": {"count": 2}},
                      {"metric": "oOffQueueUsers", "qualifier": "b", "stats": {"count": 1}},
                      {"metric": "oOnQueueUsers", "qualifier": "DANCING", "stats": {"count": 1}}]}]}"#,
    )
    .unwrap();
    let n = normalize(&d, &[obs], &[], None, now()).unwrap();
    let qa = n.snapshot.queue_agents.unwrap();
    let support: Vec<(&str, u64)> = qa
        .iter()
        .filter(|a| a.queue == "Support")
        .map(|a| (a.vendor_state.as_str(), a.count))
        .collect();
    assert_eq!(support, [("BREAK", 1), ("unknown", 3)]);
    assert_eq!(
        n.unknown,
        [
            "organization presence id \"zzz\"",
            "routing status \"DANCING\""
        ]
    );
}

#[test]
fn day_counters_milliseconds_to_seconds_scoped_by_queue_and_media() {
    let n = fixture();
    let get = |queue: &str, channel: Channel, c: QueueCounter| -> Vec<(String, f64)> {
        n.snapshot
            .queue_counts
            .iter()
            .filter(|p| {
                p.series.key.queue == queue
                    && p.series.key.channel == channel
                    && p.series.counter == c
            })
            .map(|p| (p.period.scope.clone(), p.value))
            .collect()
    };
    let support = "4e8b2e4c-0b1b-4f07-9a2a-3c0d5b6e7f81:voice".to_string();
    assert_eq!(
        get("Support", Channel::Voice, QueueCounter::Entered),
        [(support.clone(), 877.0)]
    );
    assert_eq!(
        get("Support", Channel::Voice, QueueCounter::Answered),
        [(support.clone(), 787.0)]
    );
    assert_eq!(
        get("Support", Channel::Voice, QueueCounter::Abandoned),
        [(support.clone(), 83.0)]
    );
    // tAnswered.count − nOverSla.count (the forum's numerator: 787 − 373).
    assert_eq!(
        get("Support", Channel::Voice, QueueCounter::AnsweredInSla),
        [(support.clone(), 414.0)]
    );
    assert_eq!(
        get("Support", Channel::Voice, QueueCounter::Handled),
        [(support.clone(), 817.0)]
    );
    // (tTalkComplete.sum + tHeldComplete.sum) / 1000.
    assert_eq!(
        get("Support", Channel::Voice, QueueCounter::TalkSeconds),
        [(support.clone(), (98765432.0 + 4567890.0) / 1000.0)]
    );
    assert_eq!(
        get(
            "Support",
            Channel::Voice,
            QueueCounter::AfterCallWorkSeconds
        ),
        [(support, 28246.779)]
    );
    // message → chat; no nOverSla row: all answered were within the threshold; no
    // handle-time rows: no handled counter (a missing row is no growth, not zero).
    let chat = "4e8b2e4c-0b1b-4f07-9a2a-3c0d5b6e7f81:message".to_string();
    assert_eq!(
        get("Support", Channel::Chat, QueueCounter::AnsweredInSla),
        [(chat, 38.0)]
    );
    assert!(get("Support", Channel::Chat, QueueCounter::Handled).is_empty());
    // The two Sales queues keep apart by id.
    assert_eq!(get("Sales", Channel::Voice, QueueCounter::Entered).len(), 2);
    assert!(n
        .snapshot
        .queue_counts
        .iter()
        .all(|p| p.period.start == 1000));
}

#[test]
fn org_agents_by_routing_status_on_queue_and_presence_off_queue() {
    let n = fixture();
    let agents = n.snapshot.agents.unwrap();
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &agents {
        *by.entry(a.vendor_state.as_str()).or_default() += 1;
        assert!(a.name.is_none() && a.state_age_seconds.is_none());
    }
    let want: BTreeMap<&str, usize> = [
        ("AVAILABLE", 2),
        ("AWAY", 1),
        ("BREAK", 1),
        ("MEAL", 2),
        ("MEETING", 1),
        ("OFFLINE", 5),
        ("ON_QUEUE:COMMUNICATING", 1),
        ("ON_QUEUE:IDLE", 4),
        ("ON_QUEUE:INTERACTING", 4),
        ("ON_QUEUE:NOT_RESPONDING", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(by, want);
    // Counts, not agents: none has an id (no per-agent series, no status-page row).
    assert!(agents.iter().all(|a| a.id.is_empty() && a.name.is_none()));
}

#[test]
fn default_states_map_as_the_issue_says() {
    use crate::state::StateMapper;
    let m = StateMapper::new("s", STATES, &HashMap::new());
    for (name, want) in [
        ("ON_QUEUE:IDLE", AgentState::Available),
        ("ON_QUEUE:INTERACTING", AgentState::Busy),
        ("ON_QUEUE:COMMUNICATING", AgentState::Busy),
        ("ON_QUEUE:NOT_RESPONDING", AgentState::Other),
        ("BREAK", AgentState::Break),
        ("MEAL", AgentState::Break),
        ("OFFLINE", AgentState::Offline),
        ("AWAY", AgentState::Unavailable),
        ("AVAILABLE", AgentState::Unavailable),
        ("IDLE", AgentState::Unavailable),
        ("unknown", AgentState::Other),
    ] {
        assert_eq!(m.map(name), want, "{name}");
    }
}

#[test]
fn implausible_counts_fail_instead_of_allocating() {
    let c = parse_status_counts(
        br#"{"presenceCounts": [{"systemPresence": "OFFLINE", "count": 1e15}]}"#,
    )
    .unwrap();
    assert!(normalize(&[], &[], &[], Some(&c), now()).is_err());
    let c = parse_status_counts(br#"{"presenceCounts": [{"systemPresence": "OFFLINE", "count": -3}, {"systemPresence": "ON_QUEUE", "count": 2}]}"#)
        .unwrap();
    // Without routing status counts, on-queue agents are "ON_QUEUE" (other).
    let a = normalize(&[], &[], &[], Some(&c), now())
        .unwrap()
        .snapshot
        .agents
        .unwrap();
    assert_eq!(a.len(), 2);
    assert!(a.iter().all(|a| a.vendor_state == "ON_QUEUE"));
}

#[test]
fn the_previous_day_is_read_for_two_hours_after_local_midnight() {
    let tz = chrono_tz::Europe::Dublin;
    // 2026-07-02 00:30 in Dublin (IST, +01:00) is 2026-07-01 23:30 UTC.
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 7, 1, h, m, 0).unwrap();
    let days = days_to_read(at(23, 30), tz);
    assert_eq!(
        days.iter().map(|(_, i)| i.as_str()).collect::<Vec<_>>(),
        [
            "2026-07-01T00:00:00.000+01:00/2026-07-02T00:00:00.000+01:00",
            "2026-07-02T00:00:00.000+01:00/2026-07-03T00:00:00.000+01:00",
        ]
    );
    assert_eq!(
        days[1].0,
        Utc.with_ymd_and_hms(2026, 7, 1, 23, 0, 0).unwrap()
    );
    // 01:59:59 local still reads yesterday; 02:00 no longer.
    assert_eq!(
        days_to_read(at(23, 0) + chrono::Duration::seconds(7199), tz).len(),
        2
    );
    assert_eq!(
        days_to_read(at(23, 0) + chrono::Duration::seconds(7200), tz).len(),
        1
    );
    // Winter: +00:00.
    let w = days_to_read(Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap(), tz);
    assert_eq!(
        w[0].1,
        "2026-01-15T00:00:00.000+00:00/2026-01-16T00:00:00.000+00:00"
    );
}

#[test]
fn waits_are_measured_against_the_answers_date_and_repeats_count_once() {
    let mut obs = parse_observations(OBS.as_bytes()).unwrap();
    // Genesys answered at 10:00:00 (its Date header); the poll is a minute later.
    obs.answered_at = Some(now());
    // Every group, metric and count repeated.
    let twice = |mut a: ObservationAnswer| {
        let r = a.results.take().unwrap();
        a.results = Some(
            r.into_iter()
                .map(|mut g| {
                    let d = g.data.take().unwrap();
                    g.data = Some(d.iter().cloned().chain(d.iter().cloned()).collect());
                    g
                })
                .flat_map(|g| [g.clone(), g])
                .collect(),
        );
        a
    };
    let agg = parse_aggregates(AGG.as_bytes()).unwrap();
    let mut agg2 = agg.clone();
    let groups = agg2.results.take().unwrap();
    agg2.results = Some(
        groups
            .iter()
            .cloned()
            .chain(groups.iter().cloned())
            .collect(),
    );
    let counts = parse_status_counts(COUNTS.as_bytes()).unwrap();
    let mut counts2 = counts.clone();
    let p = counts2.presence_counts.take().unwrap();
    counts2.presence_counts = Some(p.iter().cloned().chain(p.iter().cloned()).collect());
    let later = now() + chrono::Duration::minutes(1);
    let once = normalize(&dir(), &[obs.clone()], &[(1000, agg)], Some(&counts), later).unwrap();
    let rep = normalize(
        &dir(),
        &[twice(obs)],
        &[(1000, agg2)],
        Some(&counts2),
        later,
    )
    .unwrap();
    assert_eq!(once, rep);
    let support = once
        .snapshot
        .queues
        .unwrap()
        .into_iter()
        .find(|g| g.key.queue == "Support" && g.key.channel == Channel::Voice)
        .unwrap();
    assert_eq!(support.oldest_wait_seconds, Some(118.877));
}
