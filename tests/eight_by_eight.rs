//! The 8x8 source against a local mock of the statistics API: documented examples end
//! to end, paging, incremental status events, errors, day rollover, per-agent
//! statistics, and the simulated API round trip.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use common::{MockResponse, Recorded};

use contact_center_exporter::http::PollContext;
use contact_center_exporter::model::{QueueCounter, Snapshot, WaitHistogram};
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::eight_by_eight::{Config, EightByEightSource};
use contact_center_exporter::sources::{Source, SourceError};

const TENANT: &str = "acme";
const TOKEN: &str = "ac12343934687a839cf";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/eight_by_eight/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// What the mock answers for one path (and optionally one `d`).
#[derive(Clone)]
enum Route {
    /// A fixed response.
    Fixed(u16, String),
    /// Records paged 50 at a time by `n`, inside `<list>`.
    List(&'static str, Vec<String>),
}

#[derive(Default)]
struct MockState {
    routes: HashMap<(String, Option<String>), Route>,
    /// `(path, query)` of every request, in order.
    log: Vec<(String, BTreeMap<String, String>)>,
    bad_auth: usize,
}

#[derive(Clone)]
struct Mock {
    state: Arc<Mutex<MockState>>,
    base: url::Url,
    _server: Arc<common::Mock>,
}

impl Mock {
    async fn start() -> Mock {
        let state = Arc::new(Mutex::new(MockState::default()));
        let st = Arc::clone(&state);
        let server = common::Mock::start(move |r| answer(&st, r));
        Mock {
            state,
            base: url::Url::parse(&server.url("/prefix")).unwrap(),
            _server: Arc::new(server),
        }
    }

    /// Serves `route` at `/prefix/api/stats/{path}.xml` (for one `d`, or any).
    fn route(&self, path: &str, d: Option<&str>, route: Route) {
        self.state.lock().unwrap().routes.insert(
            (
                format!("/prefix/api/stats/{path}.xml"),
                d.map(str::to_string),
            ),
            route,
        );
    }

    fn list(&self, path: &str, d: Option<&str>, list: &'static str, records: Vec<String>) {
        self.route(path, d, Route::List(list, records));
    }

    fn fixed(&self, path: &str, d: Option<&str>, status: u16, body: &str) {
        self.route(path, d, Route::Fixed(status, body.to_string()));
    }

    fn take_log(&self) -> Vec<(String, BTreeMap<String, String>)> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }

    fn config(&self) -> Config {
        Config {
            base_url: self.base.clone(),
            tenant: TENANT.into(),
            token: Secret::new(TOKEN),
            queues: None,
            time_zone: chrono_tz::UTC,
            agent_statistics: false,
        }
    }
}

fn answer(st: &Mutex<MockState>, req: &Recorded) -> MockResponse {
    use base64::Engine;
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{TENANT}:{TOKEN}"))
    );
    let mut st = st.lock().unwrap();
    let path = req.path.clone();
    let query: BTreeMap<String, String> = req.query.iter().cloned().collect();
    st.log.push((path.clone(), query.clone()));
    let reply = |status: u16, body: String| MockResponse::status(status, body);
    if req.headers.get("authorization") != Some(&want) {
        st.bad_auth += 1;
        return reply(403, "<html><body>Forbidden</body></html>".into());
    }
    let d = query.get("d").cloned();
    let route = st
        .routes
        .get(&(path.clone(), d))
        .or_else(|| st.routes.get(&(path.clone(), None)))
        .cloned();
    match route {
        None => reply(404, "Not found".into()),
        Some(Route::Fixed(s, b)) => reply(s, b),
        Some(Route::List(list, records)) => {
            let n: usize = query.get("n").and_then(|n| n.parse().ok()).unwrap_or(1);
            let mut body = format!("<?xml version='1.0'  encoding='UTF-8' ?>\n<{list}>\n");
            for r in records.iter().skip(n.max(1) - 1).take(50) {
                body.push_str(r);
            }
            body.push_str(&format!("</{list}>\n"));
            reply(200, body)
        }
    }
}

fn ctx(now: DateTime<Utc>) -> PollContext {
    common::poll_ctx("eight", now, 1 << 20)
}

fn group(id: u32) -> String {
    format!("<group><group-id>{id}</group-id><group-name>G{id}</group-name><deleted>No</deleted></group>")
}

fn event(agent: &str, status: &str, t: DateTime<Utc>) -> String {
    format!(
        "<status><agent-id>{agent}</agent-id><group-id>1</group-id><status>{status}</status>\
         <event-time>{}</event-time><scl-list-id></scl-list-id></status>",
        t.format("%Y-%m-%dT%H:%M:%S+00:00")
    )
}

fn queue(id: u32, media: &str) -> String {
    format!(
        "<queue><queue-id>{id}</queue-id><queue-name>Q{id}</queue-name><media-type>{media}</media-type>\
         <enabled>Y</enabled><sla-enabled>Y</sla-enabled><sla-time>20</sla-time></queue>"
    )
}

fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 4, 4, h, m, s).unwrap()
}

/// The requests of a log to one path suffix, as their `n` values.
fn ns(log: &[(String, BTreeMap<String, String>)], suffix: &str) -> Vec<String> {
    log.iter()
        .filter(|(p, _)| p.ends_with(suffix))
        .map(|(_, q)| q.get("n").cloned().unwrap_or_default())
        .collect()
}

/// A stand-in for the core's period ledger: per (series, period) it keeps the last
/// value and adds only growth to the series total.
#[derive(Default)]
struct Ledger {
    seen: HashMap<String, f64>,
    totals: BTreeMap<String, f64>,
}

impl Ledger {
    fn add(&mut self, series: String, period: String, value: f64) {
        let key = format!("{series}|{period}");
        let prev = self.seen.insert(key, value).unwrap_or(0.0);
        *self.totals.entry(series).or_default() += (value - prev).max(0.0);
    }

    fn feed(&mut self, s: &Snapshot) {
        for p in &s.queue_counts {
            self.add(
                format!("{}/{:?}", p.series.key.queue, p.series.counter),
                format!("{}/{}", p.period.start, p.period.scope),
                p.value,
            );
        }
        for h in &s.queue_histograms {
            for (le, c) in &h.buckets {
                self.add(
                    format!("{}/{:?}/{le}", h.key.queue, h.histogram),
                    format!("{}/{}", h.period.start, h.period.scope),
                    *c as f64,
                );
            }
        }
        for p in &s.state_seconds {
            self.add(
                p.series.clone(),
                format!("{}/{}", p.period.start, p.period.scope),
                p.value,
            );
        }
    }
}

#[tokio::test]
async fn documented_examples_give_the_issue_numbers_and_repeat_polls_change_nothing() {
    let m = Mock::start().await;
    m.fixed("groups", None, 200, &fixture("groups.xml"));
    m.fixed(
        "groups/122/statuses",
        None,
        200,
        &fixture("group-statuses.xml"),
    );
    m.fixed("queues", None, 200, &fixture("queues.xml"));
    m.fixed(
        "queues/121/statistics",
        None,
        200,
        &fixture("queue-statistics.xml"),
    );
    m.fixed(
        "queues/121/online_slas",
        None,
        200,
        &fixture("queue-online-slas.xml"),
    );
    let mut src = EightByEightSource::new("eight", m.config());
    // 2008-02-22 14:00 at the example's -07:00.
    let now = Utc.with_ymd_and_hms(2008, 2, 22, 21, 0, 0).unwrap();
    let mut ledger = Ledger::default();
    let first = src.poll(&ctx(now)).await.unwrap();
    ledger.feed(&first);
    let log = m.take_log();

    // Group 123 is deleted and the third group is the page's "..." placeholder.
    assert!(log.iter().all(|(p, _)| !p.contains("/groups/123/")));
    let statuses: Vec<_> = log
        .iter()
        .filter(|(p, _)| p.ends_with("/groups/122/statuses.xml"))
        .map(|(_, q)| (q["d"].as_str(), q["tz"].as_str(), q["n"].as_str()))
        .collect();
    // The first poll looks back at the previous day for current states.
    assert_eq!(
        statuses,
        vec![
            ("2008-02-21,2008-02-22", "UTC", "1"),
            ("2008-02-22,2008-02-23", "UTC", "1")
        ]
    );
    // A voice queue: online SLAs, never offline ones.
    assert!(log.iter().all(|(p, _)| !p.contains("offline_slas")));

    let agents = first.agents.clone().unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].id, "fred");
    assert_eq!(agents[0].vendor_state, "On Break");
    let q = first.queues.clone().unwrap();
    assert_eq!(q[0].key.queue, "Support");
    assert_eq!(q[0].sla_threshold_seconds, None, "sla-enabled N");

    let counter = |c: QueueCounter| ledger.totals[&format!("Support/{c:?}")];
    assert_eq!(counter(QueueCounter::Entered), 24.0);
    assert_eq!(counter(QueueCounter::Answered), 21.0);
    assert_eq!(counter(QueueCounter::AnsweredInSla), 18.0);
    assert_eq!(counter(QueueCounter::Abandoned), 1.0);
    // Handling: finish-processing-count, time-processing, time-post-processing.
    assert_eq!(counter(QueueCounter::Handled), 2.0);
    assert_eq!(counter(QueueCounter::TalkSeconds), 512.0);
    assert_eq!(counter(QueueCounter::AfterCallWorkSeconds), 142.0);
    let answer = first
        .queue_histograms
        .iter()
        .find(|h| h.histogram == WaitHistogram::AnswerWait)
        .unwrap();
    let counts: Vec<u64> = answer.buckets.iter().map(|b| b.1).collect();
    assert_eq!(counts, vec![8, 13, 15, 18, 20, 20, 21, 21, 21, 21, 21]);

    for _ in 0..2 {
        let again = src
            .poll(&ctx(now + chrono::Duration::seconds(30)))
            .await
            .unwrap();
        assert_eq!(again.queue_counts, first.queue_counts);
        assert_eq!(again.queue_histograms, first.queue_histograms);
        assert!(again.intervals.is_empty());
        let before = ledger.totals.clone();
        ledger.feed(&again);
        assert_eq!(ledger.totals, before, "repeated polls add nothing");
    }
}

#[tokio::test]
async fn a_growing_period_adds_exactly_its_growth() {
    let m = Mock::start().await;
    m.list("groups", None, "groups", vec![]);
    m.list("queues", None, "queues", vec![queue(7, "T")]);
    // `entered` interactions, the first two thirds of them handled with 120 s of
    // processing and 30 s of post-processing each.
    let stat = |entered: u32| {
        let handled = entered * 2 / 3;
        format!(
            "<statistic><time-stamp>2024-04-04T10:00:00+00:00</time-stamp><entered-count>{entered}</entered-count>\
             <accepted-count></accepted-count><finish-processing-count>{handled}</finish-processing-count>\
             <time-processing>{}</time-processing><time-post-processing>{}</time-post-processing></statistic>",
            handled * 120,
            handled * 30
        )
    };
    m.list("queues/7/online_slas", None, "online_slas", vec![]);
    let mut src = EightByEightSource::new("eight", m.config());
    let mut ledger = Ledger::default();
    // A period of another day (a server ignoring `d`) is dropped.
    m.list(
        "queues/7/statistics",
        None,
        "statistics",
        vec![stat(3), stat(4).replace("2024-04-04T10", "2024-04-02T10")],
    );
    ledger.feed(&src.poll(&ctx(t(10, 10, 0))).await.unwrap());
    assert_eq!(ledger.totals["Q7/Entered"], 3.0);
    let handling = |l: &Ledger| {
        (
            l.totals["Q7/Handled"],
            l.totals["Q7/TalkSeconds"],
            l.totals["Q7/AfterCallWorkSeconds"],
        )
    };
    assert_eq!(handling(&ledger), (2.0, 240.0, 60.0));
    assert!(
        !ledger.totals.contains_key("Q7/Answered"),
        "empty column is absent"
    );
    m.list("queues/7/statistics", None, "statistics", vec![stat(6)]);
    ledger.feed(&src.poll(&ctx(t(10, 20, 0))).await.unwrap());
    assert_eq!(ledger.totals["Q7/Entered"], 6.0);
    // The period grew from 2 to 4 handled: exactly 2 more, 240 s and 60 s more.
    assert_eq!(handling(&ledger), (4.0, 480.0, 120.0));
    // Read again unchanged: nothing more.
    ledger.feed(&src.poll(&ctx(t(10, 21, 0))).await.unwrap());
    assert_eq!(handling(&ledger), (4.0, 480.0, 120.0));
}

#[tokio::test]
async fn every_list_pages_with_n_until_a_short_page() {
    let m = Mock::start().await;
    // 120 groups: pages n=1, 51, 101; only group 1 has events.
    m.list("groups", None, "groups", (1..=120).map(group).collect());
    for g in 2..=120 {
        m.list(&format!("groups/{g}/statuses"), None, "statuses", vec![]);
    }
    // 120 events of 4 agents over 3 pages.
    let events: Vec<String> = (0..120)
        .map(|i| {
            let status = if i % 2 == 0 {
                "Available"
            } else {
                "Processing"
            };
            event(
                &format!("a{}", i % 4),
                status,
                t(8, 0, 0) + chrono::Duration::seconds(60 * i),
            )
        })
        .collect();
    m.list("groups/1/statuses", None, "statuses", events);
    // 110 queues; one is watched. Its statistics span two pages.
    m.list(
        "queues",
        None,
        "queues",
        (1..=110).map(|i| queue(i, "T")).collect(),
    );
    let stats: Vec<String> = (0..60)
        .map(|i| {
            format!(
                "<statistic><time-stamp>{}</time-stamp><entered-count>1</entered-count></statistic>",
                (t(0, 0, 0) + chrono::Duration::minutes(30 * i)).format("%Y-%m-%dT%H:%M:%S+00:00")
            )
        })
        .collect();
    m.list("queues/105/statistics", None, "statistics", stats);
    m.list("queues/105/online_slas", None, "online_slas", vec![]);
    let mut cfg = m.config();
    cfg.queues = Some(vec![105]);
    let mut src = EightByEightSource::new("eight", cfg);
    let snap = src.poll(&ctx(t(12, 0, 0))).await.unwrap();
    let log = m.take_log();

    assert_eq!(ns(&log, "/api/stats/groups.xml"), vec!["1", "51", "101"]);
    assert_eq!(ns(&log, "/api/stats/queues.xml"), vec!["1", "51", "101"]);
    assert_eq!(ns(&log, "/queues/105/statistics.xml"), vec!["1", "51"]);
    // Group 1 on the look-back day and today (the mock serves the same list for both).
    assert_eq!(
        ns(&log, "/groups/1/statuses.xml"),
        vec!["1", "51", "101", "1", "51", "101"]
    );
    // 120 events of 4 agents: 116 intervals of 60 s each agent (every 4th minute) = 240 s.
    assert_eq!(snap.intervals.len(), 116);
    assert!(snap.intervals.iter().all(|i| i.seconds == 240.0));
    assert_eq!(snap.agents.unwrap().len(), 4);
    // 60 periods were served; the 48 of the day asked for are kept.
    assert_eq!(snap.queue_counts.len(), 48);
    assert!(log.iter().all(|(p, _)| !p.contains("/queues/1/")));
}

#[tokio::test]
async fn status_events_are_read_incrementally_and_each_interval_once() {
    let m = Mock::start().await;
    m.list("groups", None, "groups", vec![group(1)]);
    m.list("queues", None, "queues", vec![]);
    let mut evs = vec![
        event("fred", "Available", t(9, 0, 0)),
        event("fred", "Processing", t(9, 1, 0)),
        event("sally", "Available", t(9, 2, 0)),
    ];
    m.list(
        "groups/1/statuses",
        Some("2024-04-04,2024-04-05"),
        "statuses",
        evs.clone(),
    );
    m.list(
        "groups/1/statuses",
        Some("2024-04-03,2024-04-04"),
        "statuses",
        vec![],
    );
    let mut src = EightByEightSource::new("eight", m.config());
    let s1 = src.poll(&ctx(t(9, 5, 0))).await.unwrap();
    assert_eq!(s1.intervals.len(), 1);
    assert_eq!(s1.intervals[0].vendor_state, "Available");
    m.take_log();

    evs.push(event("fred", "Post Processing", t(9, 4, 0)));
    evs.push(event("sally", "On Break", t(9, 6, 0)));
    m.list(
        "groups/1/statuses",
        Some("2024-04-04,2024-04-05"),
        "statuses",
        evs.clone(),
    );
    let s2 = src.poll(&ctx(t(9, 10, 0))).await.unwrap();
    // Resumes AT the last consumed record (n=3) to check the list did not shift.
    assert_eq!(ns(&m.take_log(), "/groups/1/statuses.xml"), vec!["3"]);
    let got: Vec<(&str, f64)> = s2
        .intervals
        .iter()
        .map(|i| (i.vendor_state.as_str(), i.seconds))
        .collect();
    assert_eq!(got, vec![("Processing", 180.0), ("Available", 240.0)]);
    let agents = s2.agents.unwrap();
    assert_eq!(agents[1].vendor_state, "On Break");
    assert_eq!(agents[1].state_age_seconds, Some(240.0));

    // Nothing new: no intervals.
    let s3 = src.poll(&ctx(t(9, 11, 0))).await.unwrap();
    assert!(s3.intervals.is_empty());
    assert_eq!(ns(&m.take_log(), "/groups/1/statuses.xml"), vec!["5"]);

    // A late record inserted before the cursor: the day is read again from n=1 and
    // only the truly new event counts.
    evs.insert(0, event("bob", "Available", t(8, 0, 0)));
    evs.push(event("fred", "Available", t(9, 12, 0)));
    m.list(
        "groups/1/statuses",
        Some("2024-04-04,2024-04-05"),
        "statuses",
        evs.clone(),
    );
    let s4 = src.poll(&ctx(t(9, 13, 0))).await.unwrap();
    assert_eq!(ns(&m.take_log(), "/groups/1/statuses.xml"), vec!["5", "1"]);
    let got: Vec<(&str, f64)> = s4
        .intervals
        .iter()
        .map(|i| (i.vendor_state.as_str(), i.seconds))
        .collect();
    assert_eq!(got, vec![("Post Processing", 480.0)]);
    assert_eq!(s4.agents.unwrap().len(), 3);
}

#[tokio::test]
async fn a_failed_poll_loses_and_repeats_nothing() {
    let m = Mock::start().await;
    m.list("groups", None, "groups", vec![group(1)]);
    m.list("queues", None, "queues", vec![queue(7, "T")]);
    m.list("queues/7/statistics", None, "statistics", vec![]);
    m.list("queues/7/online_slas", None, "online_slas", vec![]);
    let mut evs = vec![event("fred", "Available", t(9, 0, 0))];
    m.list("groups/1/statuses", None, "statuses", evs.clone());
    let mut src = EightByEightSource::new("eight", m.config());
    src.poll(&ctx(t(9, 1, 0))).await.unwrap();

    evs.push(event("fred", "Processing", t(9, 2, 0)));
    m.list("groups/1/statuses", None, "statuses", evs.clone());
    m.fixed("queues/7/online_slas", None, 503, "Server busy");
    let err = src.poll(&ctx(t(9, 3, 0))).await.unwrap_err();
    assert!(
        matches!(
            err,
            SourceError::Status {
                status: 503,
                endpoint: "queue_online_slas",
                ..
            }
        ),
        "{err}"
    );

    m.list("queues/7/online_slas", None, "online_slas", vec![]);
    let ok = src.poll(&ctx(t(9, 4, 0))).await.unwrap();
    assert_eq!(
        ok.intervals.len(),
        1,
        "the interval seen by the failed poll is reported now"
    );
    assert_eq!(ok.intervals[0].seconds, 120.0);
    let again = src.poll(&ctx(t(9, 5, 0))).await.unwrap();
    assert!(again.intervals.is_empty());
}

#[tokio::test]
async fn errors_name_the_endpoint_and_hint_but_never_the_token() {
    let m = Mock::start().await;
    let mut cfg = m.config();
    cfg.token = Secret::new("wrong-token");
    let mut src = EightByEightSource::new("eight", cfg);
    let err = src.poll(&ctx(t(9, 0, 0))).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SourceError::Status { status: 403, .. }));
    assert!(
        msg.starts_with("groups: HTTP 403 from http://127.0.0.1:"),
        "{msg}"
    );
    assert!(msg.contains("/prefix/api/stats/groups.xml?n=1"), "{msg}");
    assert!(msg.contains("check tenant and token"), "{msg}");
    assert!(!msg.contains("wrong-token"));

    // An HTML page with 200 is a decode error.
    m.fixed(
        "groups",
        None,
        200,
        "<html><body>Please log in</body></html>",
    );
    let mut src = EightByEightSource::new("eight", m.config());
    let err = src.poll(&ctx(t(9, 0, 0))).await.unwrap_err();
    assert!(
        matches!(
            err,
            SourceError::Decode {
                endpoint: "groups",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("expected an XML <groups> list, got <html>"),
        "{err}"
    );

    // 404 on a path: the base_url hint.
    m.list("groups", None, "groups", vec![]);
    let err = src.poll(&ctx(t(9, 0, 0))).await.unwrap_err();
    assert!(err.to_string().contains("queues: HTTP 404"), "{err}");
    assert!(err.to_string().contains("check base_url"), "{err}");
}

#[tokio::test]
async fn a_server_ignoring_n_is_an_error_not_a_loop() {
    let m = Mock::start().await;
    let groups: Vec<String> = (1..=50).map(group).collect();
    m.fixed(
        "groups",
        None,
        200,
        &format!("<groups>{}</groups>", groups.concat()),
    );
    let mut src = EightByEightSource::new("eight", m.config());
    let err = src.poll(&ctx(t(9, 0, 0))).await.unwrap_err();
    assert!(err.to_string().contains("the server ignores n"), "{err}");
    assert_eq!(m.take_log().len(), 2);
}

#[tokio::test]
async fn at_local_midnight_the_old_day_is_finished_and_states_carry_over() {
    let m = Mock::start().await;
    m.list("groups", None, "groups", vec![group(1)]);
    m.list("queues", None, "queues", vec![queue(9, "Z")]);
    m.list("queues/9/statistics", None, "statistics", vec![]);
    m.list("queues/9/offline_slas", None, "offline_slas", vec![]);
    let ny = chrono_tz::America::New_York;
    let local = |d: u32, h: u32, mi: u32| {
        ny.with_ymd_and_hms(2024, 4, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    let mut day4 = vec![event("fred", "Available", local(4, 23, 0))];
    m.list(
        "groups/1/statuses",
        Some("2024-04-04,2024-04-05"),
        "statuses",
        day4.clone(),
    );
    m.list(
        "groups/1/statuses",
        Some("2024-04-03,2024-04-04"),
        "statuses",
        vec![],
    );
    m.list(
        "groups/1/statuses",
        Some("2024-04-05,2024-04-06"),
        "statuses",
        vec![],
    );
    let mut cfg = m.config();
    cfg.time_zone = ny;
    let mut src = EightByEightSource::new("eight", cfg);
    src.poll(&ctx(local(4, 23, 50))).await.unwrap();
    m.take_log();

    // A late record of the old day, and the new day's first event.
    day4.push(event("fred", "On Break", local(4, 23, 55)));
    m.list(
        "groups/1/statuses",
        Some("2024-04-04,2024-04-05"),
        "statuses",
        day4,
    );
    m.list(
        "groups/1/statuses",
        Some("2024-04-05,2024-04-06"),
        "statuses",
        vec![event("fred", "Available", local(5, 0, 5))],
    );
    let snap = src.poll(&ctx(local(5, 0, 10))).await.unwrap();
    let log = m.take_log();
    let days: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|(p, _)| p.contains("/statuses"))
        .map(|(_, q)| (q["d"].as_str(), q["tz"].as_str(), q["n"].as_str()))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2024-04-04,2024-04-05", "America/New_York", "1"),
            ("2024-04-05,2024-04-06", "America/New_York", "1")
        ]
    );
    // Both days' periods are read for the queue; an e-mail queue uses offline SLAs.
    assert_eq!(
        log.iter()
            .filter(|(p, _)| p.ends_with("/queues/9/offline_slas.xml"))
            .count(),
        2
    );
    let got: Vec<(&str, f64)> = snap
        .intervals
        .iter()
        .map(|i| (i.vendor_state.as_str(), i.seconds))
        .collect();
    assert_eq!(got, vec![("Available", 3300.0), ("On Break", 600.0)]);
    assert_eq!(snap.agents.unwrap()[0].vendor_state, "Available");

    // For two hours after midnight the old day is read again too (8x8 fills its
    // columns late), its status events from their cursor (issue 27 item 3)...
    let days = |m: &Mock| -> Vec<String> {
        m.take_log()
            .iter()
            .filter(|(p, _)| p.contains("/statuses") || p.contains("/offline_slas"))
            .map(|(p, q)| {
                format!(
                    "{} {} n={}",
                    p.rsplit('/').next().unwrap_or(""),
                    q["d"],
                    q.get("n").map_or("-", String::as_str)
                )
            })
            .collect()
    };
    src.poll(&ctx(local(5, 0, 20))).await.unwrap();
    assert_eq!(
        days(&m),
        vec![
            "statuses.xml 2024-04-04,2024-04-05 n=2",
            "statuses.xml 2024-04-05,2024-04-06 n=1",
            "offline_slas.xml 2024-04-04,2024-04-05 n=1",
            "offline_slas.xml 2024-04-05,2024-04-06 n=1",
        ]
    );
    src.poll(&ctx(local(5, 1, 59))).await.unwrap();
    assert_eq!(days(&m).len(), 4);
    // ...and from two hours after midnight only the new day, from its cursor.
    src.poll(&ctx(local(5, 2, 0))).await.unwrap();
    assert_eq!(
        days(&m),
        vec![
            "statuses.xml 2024-04-05,2024-04-06 n=1",
            "offline_slas.xml 2024-04-05,2024-04-06 n=1",
        ]
    );
}

#[tokio::test]
async fn agent_statistics_feed_state_seconds_and_intervals_only_the_histogram() {
    let m = Mock::start().await;
    m.list("groups", None, "groups", vec![group(1)]);
    m.list("queues", None, "queues", vec![]);
    // The day of the page's example: 2015-07-08 (its period starts 21:30 UTC).
    let day = |h: u32, m: u32| Utc.with_ymd_and_hms(2015, 7, 8, h, m, 0).unwrap();
    m.list(
        "groups/1/statuses",
        None,
        "statuses",
        vec![
            event("pma", "Available", day(21, 0)),
            event("pma", "On Break", day(21, 10)),
            event("gone", "Logged Out", day(9, 0)),
        ],
    );
    // The page's example, closed by `<statuses>`: read anyway.
    m.fixed(
        "agents/pma/statuses/statistics",
        None,
        200,
        &fixture("agent-statuses-statistics.xml"),
    );
    m.fixed("agents/gone/statuses/statistics", None, 404, "Not found");
    let mut cfg = m.config();
    cfg.agent_statistics = true;
    let mut src = EightByEightSource::new("eight", cfg);
    let snap = src.poll(&ctx(day(22, 0))).await.unwrap();
    // The interval still feeds the duration histogram, but not the state seconds.
    assert!(snap.intervals_histogram_only);
    assert_eq!(snap.intervals.len(), 1);
    assert_eq!(snap.intervals[0].vendor_state, "Available");
    assert_eq!(snap.intervals[0].seconds, 600.0);
    let brk: Vec<_> = snap
        .state_seconds
        .iter()
        .filter(|p| p.series == "On Break")
        .collect();
    assert_eq!(brk.len(), 1);
    assert_eq!(brk[0].value, 1696.0);
    assert_eq!(brk[0].period.scope, "pma");
    assert_eq!(snap.state_seconds.len(), 6);
    // One request per agent with events today (a deleted agent's 404 is skipped).
    let log = m.take_log();
    assert_eq!(
        log.iter()
            .filter(|(p, _)| p.contains("/statuses/statistics"))
            .count(),
        2
    );
}

#[tokio::test]
async fn simulated_api_round_trip_gives_sane_numbers() {
    use contact_center_exporter::simulator::{ContactCenter, SimOptions};
    let now = Utc::now();
    let cc = Arc::new(Mutex::new(ContactCenter::new(&SimOptions::default(), now)));
    let base = common::simulated::serve_demo("eight_by_eight", Arc::clone(&cc)).await;
    let (mut cfg, _) = contact_center_exporter::sources::eight_by_eight::simulate::demo(&base);
    cfg.agent_statistics = false;
    let mut src = EightByEightSource::new("demo", cfg);
    let snap = src.poll(&ctx(Utc::now())).await.unwrap();
    let agents = snap.agents.unwrap();
    assert!(!agents.is_empty() && agents.len() <= 40, "{}", agents.len());
    assert_eq!(snap.queues.as_ref().unwrap().len(), 6);
    let total = |c: QueueCounter| common::counter_total(&snap.queue_counts, c);
    let entered = total(QueueCounter::Entered);
    let answered = total(QueueCounter::Answered);
    // The simulation starts 30 minutes back, but not before midnight UTC.
    if now.time() >= chrono::NaiveTime::from_hms_opt(0, 30, 0).unwrap() {
        assert!(entered > 0.0);
    }
    assert!(answered <= entered && total(QueueCounter::AnsweredInSla) <= answered);
    // Handling from the simulated interactions: at most the answered ones, each with
    // 60–360 s of processing and 10–60 s of post-processing.
    let handled = total(QueueCounter::Handled);
    let (talk, wrap) = (
        total(QueueCounter::TalkSeconds),
        total(QueueCounter::AfterCallWorkSeconds),
    );
    assert!(handled <= answered, "{handled} of {answered}");
    assert!(
        talk >= 60.0 * handled && talk <= 360.0 * handled,
        "{talk} s / {handled}"
    );
    assert!(
        wrap >= 10.0 * handled && wrap <= 60.0 * handled,
        "{wrap} s / {handled}"
    );
    if now.time() >= chrono::NaiveTime::from_hms_opt(0, 30, 0).unwrap() {
        assert!(handled > 0.0);
    }
    let answer_count: u64 = snap
        .queue_histograms
        .iter()
        .filter(|h| h.histogram != WaitHistogram::AbandonWait)
        .map(|h| h.count)
        .sum();
    // The simulation moves between the statistics and the SLA request.
    assert!(
        (answer_count as f64 - answered).abs() <= 3.0,
        "{answer_count} vs {answered}"
    );
    for h in &snap.queue_histograms {
        assert!(h
            .buckets
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        assert_eq!(h.buckets.last().unwrap().0, f64::INFINITY);
    }

    // Per-agent statistics from the simulation agree in kind.
    let (mut cfg, _) = contact_center_exporter::sources::eight_by_eight::simulate::demo(&base);
    cfg.agent_statistics = true;
    let mut src = EightByEightSource::new("demo", cfg);
    let snap = src.poll(&ctx(Utc::now())).await.unwrap();
    assert!(!snap.state_seconds.is_empty());
    assert!(snap
        .state_seconds
        .iter()
        .all(|p| p.value >= 0.0 && p.value <= 1800.0));
}

/// The page's examples through the real binary: `/metrics` against a golden file.
#[test]
fn documented_examples_end_to_end_golden() {
    use common::{sample, Exporter, MockResponse};
    // The examples' periods moved to today (the source reads only today's periods).
    let today = Utc::now().format("%Y-%m-%dT00:00:00+00:00").to_string();
    let fx = move |name: &str| {
        MockResponse::status(
            200,
            fixture(name).replace("2008-02-22T13:30:00-07:00", &today),
        )
    };
    let mock = common::Mock::start(move |r| match r.path.as_str() {
        "/api/stats/groups.xml" => fx("groups.xml"),
        "/api/stats/groups/122/statuses.xml" => fx("group-statuses.xml"),
        "/api/stats/queues.xml" => MockResponse::status(
            200,
            "<queues><queue><queue-id>121</queue-id><queue-name>Support</queue-name>\
             <media-type>T</media-type><enabled>Y</enabled><sla-enabled>Y</sla-enabled>\
             <sla-time>20</sla-time></queue><queue><queue-id>32</queue-id>\
             <queue-name>Support Email</queue-name><media-type>E</media-type>\
             <sla-enabled>N</sla-enabled></queue></queues>",
        ),
        "/api/stats/queues/121/statistics.xml" => fx("queue-statistics.xml"),
        "/api/stats/queues/121/online_slas.xml" => fx("queue-online-slas.xml"),
        "/api/stats/queues/32/statistics.xml" => MockResponse::status(200, "<statistics/>"),
        "/api/stats/queues/32/offline_slas.xml" => fx("queue-offline-slas.xml"),
        _ => MockResponse::status(404, "Not found"),
    });
    let keys = ["tenant: acme", "token: s3cret"];
    let e = Exporter::one_source("eight", "eight_by_eight", &mock.url(""), &keys);
    // Let a few more polls run: the counters must not move.
    let stats_reads = |m: &common::Mock| {
        m.recorded()
            .iter()
            .filter(|r| r.path == "/api/stats/queues/121/statistics.xml")
            .count()
    };
    e.wait_until("three polls", Duration::from_secs(20), |_| {
        stats_reads(&mock) >= 3
    });
    std::thread::sleep(Duration::from_millis(300));
    let text = e.scrape();
    let support = |m: &str| {
        sample(
            &text,
            &format!(
                r#"{m}{{source="eight",vendor="eight_by_eight",queue="Support",channel="voice"}}"#
            ),
        )
    };
    assert_eq!(support("contact_center_queue_answered_total"), Some(21.0));
    // The seed example's handling, after three or more polls of the same period.
    assert_eq!(support("contact_center_queue_handled_total"), Some(2.0));
    assert_eq!(
        support("contact_center_queue_talk_seconds_total"),
        Some(512.0)
    );
    assert_eq!(
        support("contact_center_queue_after_call_work_seconds_total"),
        Some(142.0)
    );
    common::assert_golden_families(
        "end_to_end/eight_by_eight.prom",
        &text,
        &[
            "contact_center_agents",
            "contact_center_queue",
            // Not `_agent_state_age_seconds`: it grows with the clock.
            "contact_center_agent_state_seconds",
            "contact_center_agent_state_duration",
        ],
    );
    assert!(!text.contains("s3cret"));
}

/// Issue 27 item 3 through the binary, under a clock the test moves: 8x8 fills the
/// handled, processing and post-processing columns of the 23:30 period around 00:20.
/// The old day is read again for two hours after midnight, so they count (once); from
/// two hours after midnight it is not read any more.
#[test]
fn late_filled_columns_of_the_old_day_count_through_the_binary() {
    use common::{sample, Exporter, MockResponse};
    let midnight = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
    let old_day = "2026-03-02,2026-03-03";
    // The 23:30 period of the old day: (handled, talk, after-call work), None = empty.
    let late = Arc::new(Mutex::new(None::<(u32, u32, u32)>));
    let served = late.clone();
    let mock = common::Mock::start(move |r| {
        let d = r.param("d").unwrap_or_default().to_string();
        let body = match r.path.as_str() {
            "/api/stats/groups.xml" => "<groups/>".to_string(),
            "/api/stats/queues.xml" => {
                "<queues><queue><queue-id>121</queue-id><queue-name>Support</queue-name>\
                 <media-type>T</media-type><enabled>Y</enabled><sla-enabled>Y</sla-enabled>\
                 <sla-time>20</sla-time></queue></queues>"
                    .to_string()
            }
            "/api/stats/queues/121/statistics.xml" if d == old_day => {
                let columns = served.lock().unwrap().map_or(String::new(), |(h, t, a)| {
                    format!(
                        "<finish-processing-count>{h}</finish-processing-count>\
                         <time-processing>{t}</time-processing>\
                         <time-post-processing>{a}</time-post-processing>"
                    )
                });
                format!(
                    "<statistics><statistic><queue-name>Support</queue-name>\
                     <time-stamp>2026-03-02T23:30:00+00:00</time-stamp><media-type>T</media-type>\
                     <entered-count>5</entered-count><accepted-count>5</accepted-count>{columns}\
                     </statistic></statistics>"
                )
            }
            "/api/stats/queues/121/statistics.xml" => "<statistics/>".to_string(),
            "/api/stats/queues/121/online_slas.xml" => "<online_slas/>".to_string(),
            _ => return MockResponse::status(404, "Not found"),
        };
        MockResponse::status(200, body)
    });
    let clock = common::clock::TestClock::at(midnight - chrono::Duration::minutes(10));
    let args = clock.args();
    let yaml = format!(
        "sources:\n  - name: eight\n    vendor: eight_by_eight\n    base_url: {}\n    tenant: acme\n    token: s3cret\n    interval: 1s\n    timeout: 500ms\n",
        mock.url("")
    );
    let e = Exporter::start(&yaml, &[args[0].as_str(), args[1].as_str()]);
    let support = |e: &Exporter, m: &str| {
        sample(
            &e.scrape(),
            &format!(
                r#"{m}{{source="eight",vendor="eight_by_eight",queue="Support",channel="voice"}}"#
            ),
        )
    };
    let old_day_reads = |m: &common::Mock| {
        m.recorded()
            .iter()
            .filter(|r| r.path.ends_with("/statistics.xml") && r.param("d") == Some(old_day))
            .count()
    };
    let polls_after = |e: &Exporter, n: usize| {
        let path = "/api/stats/queues/121/online_slas.xml";
        let seen = mock.recorded().iter().filter(|r| r.path == path).count();
        e.wait_until("more polls", Duration::from_secs(20), |_| {
            mock.recorded().iter().filter(|r| r.path == path).count() >= seen + n
        });
        std::thread::sleep(Duration::from_millis(300));
    };
    e.wait_until("the old day's entered", Duration::from_secs(20), |e| {
        support(e, "contact_center_queue_entered_total") == Some(5.0)
    });
    // Just past midnight the columns are still empty.
    clock.set(midnight + chrono::Duration::seconds(15));
    polls_after(&e, 2);
    // 00:20: 8x8 fills them in; the re-read of the old day counts them, once.
    clock.set(midnight + chrono::Duration::minutes(20));
    *late.lock().unwrap() = Some((4, 600, 120));
    e.wait_until("the late columns", Duration::from_secs(20), |e| {
        support(e, "contact_center_queue_handled_total") == Some(4.0)
    });
    polls_after(&e, 2);
    assert_eq!(support(&e, "contact_center_queue_handled_total"), Some(4.0));
    assert_eq!(
        support(&e, "contact_center_queue_talk_seconds_total"),
        Some(600.0)
    );
    assert_eq!(
        support(&e, "contact_center_queue_after_call_work_seconds_total"),
        Some(120.0)
    );
    assert_eq!(support(&e, "contact_center_queue_entered_total"), Some(5.0));
    // Two hours after midnight the old day is no longer read.
    clock.set(midnight + chrono::Duration::hours(2));
    polls_after(&e, 1);
    let reads = old_day_reads(&mock);
    *late.lock().unwrap() = Some((6, 900, 180));
    polls_after(&e, 2);
    assert_eq!(old_day_reads(&mock), reads);
    assert_eq!(support(&e, "contact_center_queue_handled_total"), Some(4.0));
}

/// Two queues of one name are one gauge series (never two series with equal labels);
/// the larger SLA threshold wins. Their counters stay apart by queue id.
#[tokio::test]
async fn same_named_queues_are_one_gauge_series() {
    let m = Mock::start().await;
    m.list("groups", None, "groups", vec![]);
    let named = |id: u32, sla: u32| {
        format!(
            "<queue><queue-id>{id}</queue-id><queue-name>Support</queue-name><media-type>T</media-type>\
             <enabled>Y</enabled><sla-enabled>Y</sla-enabled><sla-time>{sla}</sla-time></queue>"
        )
    };
    m.list("queues", None, "queues", vec![named(1, 20), named(2, 30)]);
    for id in [1, 2] {
        m.list(
            &format!("queues/{id}/statistics"),
            None,
            "statistics",
            vec![],
        );
        m.list(
            &format!("queues/{id}/online_slas"),
            None,
            "online_slas",
            vec![],
        );
    }
    let mut src = EightByEightSource::new("eight", m.config());
    let snap = src.poll(&ctx(t(10, 0, 0))).await.unwrap();
    let gauges = snap.queues.unwrap();
    assert_eq!(gauges.len(), 1, "{gauges:?}");
    assert_eq!(gauges[0].key.queue, "Support");
    assert_eq!(gauges[0].sla_threshold_seconds, Some(30.0));
}
