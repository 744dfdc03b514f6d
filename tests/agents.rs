//! The per-agent view through the real binary (issue 25): every vendor's documented
//! examples give the per-agent series of its golden file; the state set has one 1 per
//! agent and adds up to `contact_center_agents`; the `max_agent_series` cap;
//! `agent_names: false` leaves no name in `/metrics` or on the status page; agents who
//! leave take their series with them.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::agents::{check_state_sets, samples};
use common::clock::TestClock;
use common::replay::GoldenCase;
use common::{Exporter, Mock, MockResponse};
use contact_center_exporter::sources;

const WAIT: Duration = Duration::from_secs(30);

/// The lines of the golden file `tests/golden/<vendor>.prom` of family `family`.
fn golden_lines(vendor: &str, family: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{vendor}.prom"));
    let text = std::fs::read_to_string(&path).unwrap();
    lines_of(&text, family)
}

fn lines_of(text: &str, family: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{family}{{")))
        .map(str::to_string)
        .collect()
}

/// The series (labels without the value) of `family`.
fn series_of(text: &str, family: &str) -> Vec<String> {
    lines_of(text, family)
        .into_iter()
        .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
        .collect()
}

/// Every vendor's documented examples, served to the real binary (one source per
/// vendor, named after it as in tests/golden.rs): the state set is exactly the golden
/// file's; the time in state has the same series (its value follows the wall clock
/// where the vendor gives a state-change time, so only the in-process golden test
/// pins it).
#[test]
fn every_vendors_examples_give_the_golden_per_agent_series() {
    for vendor in sources::REGISTRY {
        let name = vendor.as_str();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let case = GoldenCase::load(&dir);
        let keys = case.keys_yaml(&dir);
        assert!(
            keys.contains("agent_series: true"),
            "{name}: golden.yml must turn agent_series on"
        );
        // A vendor that reports agents per state as counts only has no per-agent series.
        if !vendor.reports_each_agent() {
            continue;
        }
        let mock = Mock::start(case.handler(&dir));
        // The examples are dated: the exporter polls at their day (as tests/golden.rs).
        let clock = TestClock::at(case.now);
        let clock_args = clock.args();
        let yaml = format!(
            "sources:\n  - name: {name}\n    vendor: {name}\n    base_url: {}\n    interval: 2s\n    timeout: 1s\n{keys}",
            mock.url("")
        );
        let e = Exporter::start(&yaml, &[clock_args[0].as_str(), clock_args[1].as_str()]);
        e.wait_until("the source to have per-agent series", WAIT, |e| {
            e.scrape()
                .contains(&format!("contact_center_agent_state{{source=\"{name}\""))
        });
        let text = e.scrape();
        let agents = check_state_sets(&text);
        let want = golden_lines(name, "contact_center_agent_state");
        let got: Vec<String> = lines_of(&text, "contact_center_agent_state")
            .into_iter()
            .filter(|l| l.contains(&format!("{{source=\"{name}\",")))
            .collect();
        assert!(!want.is_empty(), "{name}: the golden file has no state set");
        assert_eq!(got, want, "{name}: state set differs from the golden file");
        assert_eq!(agents[name] * 8, want.len());
        let want_age = series_of(
            &golden_lines(name, "contact_center_agent_time_in_state_seconds").join("\n"),
            "contact_center_agent_time_in_state_seconds",
        );
        let got_age: Vec<String> = series_of(&text, "contact_center_agent_time_in_state_seconds")
            .into_iter()
            .filter(|l| l.contains(&format!("{{source=\"{name}\",")))
            .collect();
        assert_eq!(got_age, want_age, "{name}: time in state series differ");
        assert_eq!(
            common::sample(
                &text,
                &format!(
                    "contact_center_source_agent_series_truncated{{source=\"{name}\",vendor=\"{name}\"}}"
                )
            ),
            Some(0.0)
        );
    }
}

/// One Exotel user session row: `(id, name, status, seconds in it)`.
type Person = (&'static str, &'static str, &'static str, u32);

/// An Exotel mock whose logged-in users are whatever `people` holds at the time.
fn exotel_people(people: Arc<Mutex<Vec<Person>>>) -> Mock {
    Mock::start(move |r| {
        if r.param("table-name") != Some("user-session-information") {
            return MockResponse::json(common::example::EMPTY);
        }
        let rows: Vec<serde_json::Value> = people
            .lock()
            .unwrap()
            .iter()
            .map(|(id, name, status, secs)| {
                serde_json::json!({"data": {
                    "contact_center_id": 6, "user_id": id, "user_name": name,
                    "user_status": status, "user_status_duration": secs,
                    "campaign_id": 389, "campaign_name": "sales",
                    "channel_details": {"channel_type": "VOICE"}, "waiting": false
                }})
            })
            .collect();
        let n = rows.len();
        MockResponse::json(
            serde_json::json!({"response": rows, "metadata": {"total": n, "count": n, "offset": 0, "limit": 100}})
                .to_string(),
        )
    })
}

const CAP_LOG: &str = "more agents than max_agent_series";

fn truncated(text: &str, source: &str) -> Option<f64> {
    common::sample(
        text,
        &format!(
            "contact_center_source_agent_series_truncated{{source=\"{source}\",vendor=\"exotel\"}}"
        ),
    )
}

fn agent_series_of<'t>(text: &'t str, source: &str) -> Vec<&'t str> {
    text.lines()
        .filter(|l| {
            (l.starts_with("contact_center_agent_state{")
                || l.starts_with("contact_center_agent_time_in_state_seconds{"))
                && l.contains(&format!("{{source=\"{source}\","))
        })
        .collect()
}

/// Names on and off, the cap (one log line, the flag, the series gone and back), and
/// agents who leave, through the real binary.
#[test]
fn names_the_cap_and_leaving_agents_through_the_binary() {
    let people = Arc::new(Mutex::new(vec![
        ("a1", "Ana <b>Kovács</b>", "Ready", 5),
        ("a2", "Bob Bell", "On Call", 7),
    ]));
    let mock = exotel_people(Arc::clone(&people));
    let yaml = format!(
        "global:\n  agent_series: true\n  max_agent_series: 2\nsources:\n{}{}",
        common::example::source_yaml("named", &mock, ""),
        common::example::source_yaml("anon", &mock, "    agent_names: false\n"),
    );
    let e = Exporter::start(&yaml, &[]);
    e.wait_until("two agents in each state set", WAIT, |e| {
        let a = check_state_sets(&e.scrape());
        a.get("named") == Some(&2) && a.get("anon") == Some(&2)
    });
    let text = e.scrape();
    let named = agent_series_of(&text, "named");
    assert!(named.contains(
        &"contact_center_agent_state{source=\"named\",vendor=\"exotel\",agent_id=\"a1\",agent_name=\"Ana <b>Kovács</b>\",state=\"available\"} 1"
    ), "{text}");
    assert!(named.contains(
        &"contact_center_agent_time_in_state_seconds{source=\"named\",vendor=\"exotel\",agent_id=\"a2\",agent_name=\"Bob Bell\"} 7"
    ), "{text}");
    let anon = agent_series_of(&text, "anon");
    assert_eq!(anon.len(), 18, "{text}");
    assert!(anon.iter().all(|l| !l.contains("agent_name")), "{anon:?}");
    assert!(anon.contains(
        &"contact_center_agent_time_in_state_seconds{source=\"anon\",vendor=\"exotel\",agent_id=\"a2\"} 7"
    ));
    // The status page: names on one source, ids only on the other, escaped.
    let (_, _, body) = e.get("/").unwrap();
    let page = String::from_utf8(body).unwrap();
    let section = |name: &str| {
        page.split(&format!("data-source=\"{name}\""))
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .unwrap_or_else(|| panic!("no section {name}:\n{page}"))
            .to_string()
    };
    let named_html = section("named");
    assert!(
        named_html
            .contains("<td>Ana &lt;b&gt;Kovács&lt;/b&gt;</td><td>Ready</td><td>available</td>"),
        "{named_html}"
    );
    let anon_html = section("anon");
    assert!(
        !anon_html.contains("Ana") && !anon_html.contains("Bob"),
        "{anon_html}"
    );
    assert!(
        anon_html.contains("<td>a1</td><td>Ready</td>"),
        "{anon_html}"
    );
    assert!(!page.contains("<b>Kovács"), "unescaped name on the page");

    // A third agent: past the cap, no per-agent series, the flag, one log line.
    people.lock().unwrap().push(("a3", "Cy Cole", "Break", 60));
    e.wait_until("the cap to be reached", WAIT, |e| {
        let text = e.scrape();
        truncated(&text, "named") == Some(1.0) && truncated(&text, "anon") == Some(1.0)
    });
    // A few more polls over the cap must not log again.
    std::thread::sleep(Duration::from_millis(2500));
    let text = e.scrape();
    assert!(agent_series_of(&text, "named").is_empty(), "{text}");
    assert!(agent_series_of(&text, "anon").is_empty(), "{text}");
    let total: f64 = samples(&text, "contact_center_agents")
        .iter()
        .filter(|s| s.label("source") == Some("named"))
        .map(|s| s.value)
        .sum();
    assert_eq!(total, 3.0, "the counts stay");
    let log = e.log_lines();
    for source in ["named", "anon"] {
        let lines: Vec<&String> = log
            .iter()
            .filter(|l| l.contains(CAP_LOG) && l.contains(source))
            .collect();
        assert_eq!(lines.len(), 1, "{source}: {lines:?}");
    }

    // Two agents leave: the series of the one left come back, the others' do not.
    people.lock().unwrap().retain(|p| p.0 == "a2");
    e.wait_until("the leavers' series to vanish", WAIT, |e| {
        let text = e.scrape();
        truncated(&text, "named") == Some(0.0) && check_state_sets(&text).get("named") == Some(&1)
    });
    let text = e.scrape();
    for source in ["named", "anon"] {
        let series = agent_series_of(&text, source);
        assert_eq!(series.len(), 9, "{source}: {series:?}");
        assert!(
            series.iter().all(|l| l.contains("agent_id=\"a2\"")),
            "{series:?}"
        );
    }
    assert!(!text.contains("Ana"), "{text}");
}
