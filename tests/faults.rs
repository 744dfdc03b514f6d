//! Fault injection against the real binary, every vendor: each fault of the table runs
//! on its own source (its own fault server) of one exporter per vendor, all at once,
//! next to a fault-free control source with the same data.
//!
//! For every fault: `/metrics` keeps answering 200; the source shows `source_up 0` and
//! the fault's `requests_total` outcome; the last good data stays (`max_staleness` is
//! long here, and one source checks that data vanishes after a short one); exactly one
//! log line per failed poll explains it; after recovery every series equals the
//! control's (nothing lost, nothing double counted). Data faults (duplicated or
//! reordered records, a vendor clock ahead) keep the source up with the control's
//! numbers. A body larger than `max_response_bytes` is abandoned while reading: the
//! server sees the connection close after little more than the cap, and the exporter's
//! memory stays bounded.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::fault::{Fault, FaultServer};
use common::vendors::{self, VendorKit};
use common::{sample, Exporter};

/// `max_response_bytes` of every source here.
const CAP: u64 = 256 * 1024;

/// What a fault must lead to.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `source_up 0`, this `requests_total` outcome, and a log line containing `log`.
    Down {
        outcome: &'static str,
        log: &'static str,
    },
    /// The source stays up and its numbers equal the control's.
    Up,
    /// The source stays up; its numbers may differ from the control's (the vendor
    /// said something else) but no poll counts anything twice and nothing is negative.
    Stable,
}

struct Case {
    name: &'static str,
    fault: Fault,
    expect: Expect,
}

fn down(outcome: &'static str, log: &'static str) -> Expect {
    Expect::Down { outcome, log }
}

fn cases(kit: &VendorKit) -> Vec<Case> {
    let body = |b: &Vec<u8>| Fault::Body(kit.content_type, b.clone());
    vec![
        Case {
            name: "s401",
            fault: Fault::Status(401, None),
            expect: down("401", "HTTP 401"),
        },
        Case {
            name: "s403",
            fault: Fault::Status(403, None),
            expect: down("403", "HTTP 403"),
        },
        Case {
            name: "s404",
            fault: Fault::Status(404, None),
            expect: down("404", "HTTP 404"),
        },
        Case {
            name: "s429",
            fault: Fault::Status(429, Some("3")),
            expect: down("429", "HTTP 429"),
        },
        Case {
            name: "s500",
            fault: Fault::Status(500, None),
            expect: down("500", "HTTP 500"),
        },
        Case {
            name: "s503",
            fault: Fault::Status(503, None),
            expect: down("503", "HTTP 503"),
        },
        Case {
            name: "refused",
            fault: Fault::Refused,
            expect: down("connect", "connection to"),
        },
        Case {
            name: "reset",
            fault: Fault::Reset,
            expect: down("connect", "connection to"),
        },
        Case {
            name: "hang",
            fault: Fault::Hang,
            expect: down("timeout", "timed out"),
        },
        Case {
            name: "trickle",
            fault: Fault::Trickle,
            expect: down("timeout", "timed out"),
        },
        Case {
            name: "truncated",
            fault: Fault::Truncated,
            expect: down("connect", "connection to"),
        },
        Case {
            name: "garbage",
            fault: body(&kit.garbage),
            expect: down("decode", "cannot decode"),
        },
        Case {
            name: "wrongtypes",
            fault: body(&kit.wrong_types),
            expect: down("decode", "cannot decode"),
        },
        Case {
            name: "endless",
            fault: Fault::Endless,
            expect: down("too_large", "exceeds max_response_bytes"),
        },
        Case {
            name: "declared",
            fault: Fault::HugeDeclared,
            expect: down("too_large", "exceeds max_response_bytes"),
        },
        Case {
            name: "duplicate",
            fault: Fault::Rewrite(kit.duplicate.clone()),
            expect: Expect::Up,
        },
        Case {
            name: "reorder",
            fault: Fault::Rewrite(kit.reorder.clone()),
            expect: Expect::Up,
        },
        Case {
            name: "clockahead",
            fault: Fault::Rewrite(kit.clock_ahead.clone()),
            expect: Expect::Stable,
        },
    ]
}

/// Families of vendor data compared between sources.
const DATA: &[&str] = &[
    "contact_center_agents",
    "contact_center_queue",
    "contact_center_agent_state_seconds",
    "contact_center_agent_state_duration",
];

/// The latest `/metrics`, scraped every 100 ms by one thread (so that twenty case
/// threads do not scrape twenty times as often).
struct Watcher {
    latest: Arc<Mutex<(u64, String)>>,
    failed: Arc<Mutex<Vec<String>>>,
}

impl Watcher {
    fn start(e: &Exporter) -> Watcher {
        let latest = Arc::new(Mutex::new((0u64, String::new())));
        let failed = Arc::new(Mutex::new(Vec::new()));
        let (l2, f2, addr) = (latest.clone(), failed.clone(), e.addr);
        std::thread::spawn(move || loop {
            match common::http_request(addr, "GET", "/metrics", &[]) {
                Some((200, _, body)) => {
                    let mut l = l2.lock().unwrap();
                    l.0 += 1;
                    l.1 = String::from_utf8(body).unwrap();
                }
                Some((status, _, _)) => f2.lock().unwrap().push(format!("status {status}")),
                // The exporter is gone (end of test).
                None => return,
            }
            if Arc::strong_count(&l2) == 1 {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        });
        Watcher { latest, failed }
    }

    fn text(&self) -> String {
        self.latest.lock().unwrap().1.clone()
    }

    /// Waits until `cond` holds on a scrape, or panics naming `what`.
    fn wait(&self, what: &str, timeout: Duration, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut seen = 0;
        loop {
            let (n, text) = self.latest.lock().unwrap().clone();
            if n != seen {
                seen = n;
                if cond(&text) {
                    return text;
                }
            }
            if start.elapsed() >= timeout {
                // Which sources were up and failing, to tell a slow machine from a
                // stuck source.
                let status: Vec<&str> = text
                    .lines()
                    .filter(|l| {
                        l.starts_with("contact_center_source_up{")
                            || l.starts_with("contact_center_source_consecutive_failures{")
                    })
                    .collect();
                panic!(
                    "timed out waiting for {what}; the last scrape's source status:\n{}",
                    status.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn labels(source: &str, vendor: &str) -> String {
    format!(r#"source="{source}",vendor="{vendor}""#)
}

fn get(text: &str, metric: &str, source: &str, vendor: &str, extra: &str) -> Option<f64> {
    sample(
        text,
        &format!("{metric}{{{}{extra}}}", labels(source, vendor)),
    )
}

/// The source's vendor-data series, relabelled as the control's, sorted.
fn data(text: &str, source: &str, vendor: &str) -> BTreeSet<String> {
    let own = format!("{{{},", labels(source, vendor));
    let control = format!("{{{},", labels("control", vendor));
    common::select_families(text, DATA)
        .lines()
        .filter(|l| l.contains(&own))
        .map(|l| l.replace(&own, &control))
        .collect()
}

fn diff(a: &BTreeSet<String>, b: &BTreeSet<String>) -> String {
    let mut out = String::new();
    for l in a.difference(b) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in b.difference(a) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

/// JSON log lines (`--log.format json`) of one source.
fn source_logs(e: &Exporter, source: &str) -> Vec<serde_json::Value> {
    e.log_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["source"] == source)
        .collect()
}

fn source_yaml(
    kit: &VendorKit,
    dir: &std::path::Path,
    name: &str,
    url: &str,
    extra: &str,
) -> String {
    format!(
        "  - name: {name}\n    vendor: {}\n    base_url: {url}\n    interval: 1s\n    timeout: 900ms\n    max_response_bytes: {CAP}\n{extra}{}",
        kit.vendor,
        (kit.keys)(dir)
    )
}

fn run_vendor(kit: VendorKit) {
    let started = Instant::now();
    let vendor = kit.vendor;
    let cases = cases(&kit);
    let control = FaultServer::start(kit.good.clone());
    let stale = FaultServer::start(kit.good.clone());
    let servers: Vec<FaultServer> = cases
        .iter()
        .map(|_| FaultServer::start(kit.good.clone()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("global:\n  max_staleness: 2m\nsources:\n");
    yaml += &source_yaml(&kit, dir.path(), "control", &control.url(), "");
    yaml += &source_yaml(
        &kit,
        dir.path(),
        "stale",
        &stale.url(),
        "    max_staleness: 3s\n",
    );
    for (c, s) in cases.iter().zip(&servers) {
        yaml += &source_yaml(&kit, dir.path(), c.name, &s.url(), "");
    }
    let e = Exporter::start(&yaml, &["--log.level", "debug", "--log.format", "json"]);
    let w = Watcher::start(&e);
    // Up, and (a scrape may show a source up a moment before its data: the status and
    // the rendered data are read separately) the same data everywhere.
    let all_up = w.wait("every source up", Duration::from_secs(30), |t| {
        let reference = data(t, "control", vendor);
        !reference.is_empty()
            && ["control", "stale"]
                .iter()
                .chain(cases.iter().map(|c| &c.name))
                .all(|s| {
                    get(t, "contact_center_source_up", s, vendor, "") == Some(1.0)
                        && data(t, s, vendor) == reference
                })
    });
    let reference = data(&all_up, "control", vendor);
    assert!(
        reference
            .iter()
            .any(|l| l.starts_with("contact_center_agents{")),
        "{vendor}: the control has no agents:\n{all_up}"
    );
    let rss_before = e.rss_bytes();

    std::thread::scope(|scope| {
        // A source whose vendor stays down longer than max_staleness loses its data
        // series, but keeps source_up 0.
        scope.spawn(|| {
            stale.set(Fault::Status(500, None));
            let t = w.wait("stale data to vanish", Duration::from_secs(20), |t| {
                data(t, "stale", vendor).is_empty()
            });
            assert_eq!(
                get(&t, "contact_center_source_up", "stale", vendor, ""),
                Some(0.0)
            );
            assert!(
                get(
                    &t,
                    "contact_center_source_last_success_timestamp_seconds",
                    "stale",
                    vendor,
                    ""
                )
                .unwrap()
                    > 0.0
            );
        });
        for (case, server) in cases.iter().zip(&servers) {
            let (w, e, reference) = (&w, &e, &reference);
            scope.spawn(move || run_case(vendor, case, server, w, e, reference));
        }
    });

    // Nothing that happened may have failed a scrape or grown the exporter.
    assert!(
        w.failed.lock().unwrap().is_empty(),
        "{vendor}: failed scrapes {:?}",
        w.failed.lock().unwrap()
    );
    assert_eq!(e.get("/-/healthy").map(|r| r.0), Some(200));
    let rss_after = e.rss_bytes();
    assert!(
        rss_after < rss_before + 48 * 1024 * 1024,
        "{vendor}: RSS grew from {rss_before} to {rss_after} bytes"
    );
    // A source never runs two polls at once, so never opens more connections at once
    // than one poll does (the kit's `max_concurrent`).
    let allowed = kit.max_concurrent;
    for (c, s) in cases.iter().zip(&servers) {
        let n = s.max_concurrent.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            (1..=allowed).contains(&n),
            "{vendor}/{}: {n} concurrent requests",
            c.name
        );
    }
    eprintln!(
        "{vendor}: {} faults in {:.1}s, RSS {} -> {} KiB",
        cases.len(),
        started.elapsed().as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024
    );
}

fn run_case(
    vendor: &str,
    case: &Case,
    server: &FaultServer,
    w: &Watcher,
    e: &Exporter,
    reference: &BTreeSet<String>,
) {
    let name = case.name;
    let ctx = format!("{vendor}/{name}");
    let polls = |t: &str| {
        get(
            t,
            "contact_center_source_poll_duration_seconds_count",
            name,
            vendor,
            "",
        )
        .unwrap_or(0.0)
    };
    let before = w.text();
    let baseline = data(&before, name, vendor);
    assert!(
        &baseline == reference,
        "{ctx}: before the fault:\n{}",
        diff(reference, &baseline)
    );
    let outcome_count = |t: &str, o: &str| {
        // Summed over endpoints.
        let prefix = format!(
            "contact_center_source_requests_total{{{},endpoint=",
            labels(name, vendor)
        );
        t.lines()
            .filter(|l| l.starts_with(&prefix) && l.contains(&format!(r#",outcome="{o}"}}"#)))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    server.set(case.fault.clone());
    match case.expect {
        Expect::Down { outcome, log } => {
            let t = w.wait(
                &format!("{ctx}: outcome {outcome}"),
                Duration::from_secs(20),
                |t| {
                    outcome_count(t, outcome) >= 1.0
                        && get(t, "contact_center_source_up", name, vendor, "") == Some(0.0)
                },
            );
            // The last good data stays.
            let during = data(&t, name, vendor);
            assert!(
                &during == reference,
                "{ctx}: data during the fault:\n{}",
                diff(reference, &during)
            );
            assert!(
                get(
                    &t,
                    "contact_center_source_consecutive_failures",
                    name,
                    vendor,
                    ""
                )
                .unwrap()
                    >= 1.0
            );
            server.set(Fault::Good);
            let recovered_from = polls(&t);
            // Back up, and two more polls folded in.
            let t = w.wait(&format!("{ctx}: recovery"), Duration::from_secs(30), |t| {
                get(t, "contact_center_source_up", name, vendor, "") == Some(1.0)
                    && polls(t) >= recovered_from + 3.0
            });
            let after = data(&t, name, vendor);
            assert!(
                &after == reference,
                "{ctx}: data after recovery:\n{}",
                diff(reference, &after)
            );
            assert_eq!(
                get(
                    &t,
                    "contact_center_source_consecutive_failures",
                    name,
                    vendor,
                    ""
                ),
                Some(0.0)
            );
            // One line per failed poll, numbered 1..=n, each saying what failed; no
            // other warning about this source.
            let logs = source_logs(e, name);
            let failed: Vec<&serde_json::Value> = logs
                .iter()
                .filter(|v| v["message"] == "poll failed")
                .collect();
            assert!(!failed.is_empty(), "{ctx}: no 'poll failed' line");
            for (i, l) in failed.iter().enumerate() {
                assert_eq!(
                    l["consecutive_failures"],
                    (i + 1) as u64,
                    "{ctx}: {failed:?}"
                );
                assert_eq!(l["level"], "WARN", "{ctx}: {l}");
                let err = l["error"].as_str().unwrap_or_default();
                assert!(err.contains(log), "{ctx}: {err:?} does not say {log:?}");
            }
            let others: Vec<_> = logs
                .iter()
                .filter(|v| {
                    v["level"] != "DEBUG" && v["level"] != "INFO" && v["message"] != "poll failed"
                })
                .collect();
            assert!(others.is_empty(), "{ctx}: other warnings {others:?}");
            // Each failed poll stopped at its failed request, counted once as the
            // fault's outcome.
            assert_eq!(
                outcome_count(&t, outcome) as usize,
                failed.len(),
                "{ctx}: requests_total{{outcome={outcome}}} vs failed polls"
            );
            let served = server.served();
            if name == "s429" {
                // Retry-After: 3 is honoured (the interval is 1 s). A source that sends
                // requests side by side (TaskRouter's cumulative statistics) has several
                // answered within milliseconds of the first 429: the same poll, not a
                // retry. The next request more than half an interval later is the retry.
                let i = served.iter().position(|s| s.status == 429).unwrap();
                let first = served[i].at;
                let retry = served[i + 1..]
                    .iter()
                    .find(|s| s.at.duration_since(first) > Duration::from_millis(500));
                if let Some(next) = retry {
                    let gap = next.at.duration_since(first);
                    let seen: Vec<String> = served
                        .iter()
                        .map(|s| {
                            format!("{:?} {} {}", s.at.duration_since(first), s.status, s.path)
                        })
                        .collect();
                    assert!(
                        gap >= Duration::from_millis(2900),
                        "{ctx}: retried after {gap:?}: {seen:#?}"
                    );
                }
            }
            if matches!(case.fault, Fault::Endless | Fault::HugeDeclared) {
                let sent = server
                    .endless_sent
                    .load(std::sync::atomic::Ordering::SeqCst);
                assert!(
                    server
                        .endless_aborted
                        .load(std::sync::atomic::Ordering::SeqCst),
                    "{ctx}: read to the end"
                );
                assert!(
                    sent < 16 << 20,
                    "{ctx}: {sent} bytes read before giving up (cap {CAP})"
                );
                eprintln!(
                    "{ctx}: the server wrote {} KiB before the exporter closed",
                    sent / 1024
                );
            }
            eprintln!(
                "{ctx}: {} failed poll(s), outcome {outcome}: {}",
                failed.len(),
                failed[0]["error"].as_str().unwrap_or_default()
            );
        }
        Expect::Up | Expect::Stable => {
            let same = matches!(case.expect, Expect::Up);
            // At least two polls of rewritten answers, then two more.
            let from = polls(&before);
            let t1 = w.wait(&format!("{ctx}: two polls"), Duration::from_secs(20), |t| {
                polls(t) >= from + 3.0
            });
            let t2 = w.wait(
                &format!("{ctx}: two more polls"),
                Duration::from_secs(20),
                |t| polls(t) >= polls(&t1) + 2.0,
            );
            let (d1, d2) = (data(&t1, name, vendor), data(&t2, name, vendor));
            for t in [&t1, &t2] {
                assert_eq!(
                    get(t, "contact_center_source_up", name, vendor, ""),
                    Some(1.0),
                    "{ctx}"
                );
                no_negative_values(t, name, vendor, &ctx);
            }
            if same {
                assert!(
                    &d1 == reference,
                    "{ctx}: data during the fault:\n{}",
                    diff(reference, &d1)
                );
            }
            assert!(
                d1 == d2,
                "{ctx}: repeated polls changed the data:\n{}",
                diff(&d1, &d2)
            );
            server.set(Fault::Good);
            let t3 = w.wait(
                &format!("{ctx}: two polls after"),
                Duration::from_secs(20),
                |t| polls(t) >= polls(&t2) + 3.0,
            );
            let d3 = data(&t3, name, vendor);
            if same {
                assert!(
                    &d3 == reference,
                    "{ctx}: data after:\n{}",
                    diff(reference, &d3)
                );
            } else {
                // Gauges follow the vendor's present again; counters neither lose nor
                // repeat anything.
                let (c2, c3) = (counters(&d2), counters(&d3));
                assert!(c2 == c3, "{ctx}: counters after:\n{}", diff(&c2, &c3));
            }
            no_negative_values(&t3, name, vendor, &ctx);
            // Nothing failed; a warning may say what the source noticed (a log that
            // changed under it), nothing is an error.
            let logs = source_logs(e, name);
            let bad: Vec<_> = logs
                .iter()
                .filter(|v| v["message"] == "poll failed" || v["level"] == "ERROR")
                .collect();
            assert!(bad.is_empty(), "{ctx}: {bad:?}");
            for l in logs.iter().filter(|v| v["level"] == "WARN") {
                eprintln!("{ctx}: warning: {}", l["message"]);
            }
        }
    }
}

/// The counter samples (counters and histogram parts) of a data set.
fn counters(d: &BTreeSet<String>) -> BTreeSet<String> {
    d.iter()
        .filter(|l| {
            let name = l.split(['{', ' ']).next().unwrap_or_default();
            ["_total", "_bucket", "_count", "_sum"]
                .iter()
                .any(|s| name.ends_with(s))
        })
        .cloned()
        .collect()
}

fn no_negative_values(text: &str, source: &str, vendor: &str, ctx: &str) {
    let own = format!("{{{},", labels(source, vendor));
    for l in text.lines().filter(|l| l.contains(&own)) {
        let v: f64 = l.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(v >= 0.0 && v.is_finite(), "{ctx}: {l}");
    }
}

/// Every vendor in the registry (each on its own thread).
#[test]
fn every_vendor_survives_every_fault() {
    vendors::for_each_vendor(run_vendor);
}
