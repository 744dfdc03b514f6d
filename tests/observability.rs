//! The shipped alerting rules and dashboards, tested as code:
//! - `promtool check rules` and `promtool test rules` (alerts/tests/*.yml), plus a lint that
//!   every alert has what an operator needs and a promtool case that fires, stays silent
//!   and resolves, and that every recording rule has a promtool case;
//! - a dashboard lint (unique panel ids, no hard-coded data source, variables, rates);
//! - every panel query of every dashboard evaluated by a real Prometheus scraping the demo;
//! - paging end to end: demo in an SLA breach → Prometheus (shipped rules, shorter `for:`)
//!   → Alertmanager → a local webhook, firing and then resolved once the demo recovers.
//!
//! Everything listens on 127.0.0.1 only.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, http_request, tools_required, Exporter, Mock, MockResponse};
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

const DASHBOARDS: [(&str, &str); 2] = [
    ("dashboards/contact-center-overview.json", "cc-overview"),
    ("dashboards/exporter-health.json", "cc-exporter-health"),
];
const RULES: &str = "alerts/contact-center.rules.yml";
/// The recording rule whose labels carry the runbook and Grafana base URLs.
const LINKS: &str = "contact_center:alert_links:info";
/// Poll interval of the demo sources in the paging test: 2 s gives each request 1 s,
/// enough for the 200-agent demo of a debug build on a busy 2-core machine.
const DEMO_INTERVAL: &str = "2s";
/// Poll interval of the demo sources when every dashboard query must return data: every
/// source (the legacy 8x8 one, whose poll is the longest, included) must succeed, so this
/// one gives the legacy 8x8 poll 12 s, which a debug build keeps on a heavily loaded
/// machine too (at a load of 17 on 2 cores it takes about 7 s).
const DEMO_INTERVAL_ALL_SOURCES: &str = "8s";

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn read(p: &str) -> String {
    std::fs::read_to_string(repo(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Whether `tool` runs; when it does not, fails under `tools_required()` or says why the
/// test is skipped.
fn have(tool: &str) -> bool {
    if Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
    {
        return true;
    }
    assert!(
        !tools_required(),
        "{tool} is not installed (run the README's test command)"
    );
    eprintln!("{tool} not installed; skipping");
    false
}

// ---------------------------------------------------------------- rules

fn rule_groups() -> Vec<Yaml> {
    let doc: Yaml = serde_yaml_ng::from_str(&read(RULES)).expect("rules parse");
    doc["groups"].as_sequence().expect("groups").clone()
}

fn rules() -> Vec<Yaml> {
    rule_groups()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().cloned().unwrap_or_default())
        .collect()
}

fn str_of<'a>(v: &'a Yaml, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Yaml::as_str)
}

#[test]
fn promtool_checks_and_tests_the_rules() {
    if !have("promtool") {
        return;
    }
    let out = Command::new("promtool")
        .args(["check", "rules", RULES])
        .current_dir(repo(""))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool check rules:\n{text}");
    assert!(
        text.contains(&format!("SUCCESS: {} rules found", rules().len())),
        "{text}"
    );

    let mut tests: Vec<String> = std::fs::read_dir(repo("alerts/tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .map(|p| p.display().to_string())
        .collect();
    tests.sort();
    assert!(tests.len() >= 2, "{tests:?}");
    let out = Command::new("promtool")
        .args(["test", "rules"])
        .args(&tests)
        .current_dir(repo("alerts"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool test rules:\n{text}");
    assert_eq!(text.matches("SUCCESS").count(), tests.len(), "{text}");
}

#[test]
fn every_alert_is_documented_and_tested_and_every_recording_rule_tested() {
    let runbook = read("alerts/RUNBOOK.md");
    // What the promtool tests cover: per alert, (eval time, fires?) in order; every
    // expression of promql_expr_test.
    let mut evals: BTreeMap<String, Vec<(Duration, bool)>> = BTreeMap::new();
    let mut exprs = String::new();
    for entry in std::fs::read_dir(repo("alerts/tests")).unwrap() {
        let path = entry.unwrap().path();
        let doc: Yaml = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for t in doc["tests"].as_sequence().unwrap() {
            for a in t["alert_rule_test"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
            {
                let at = humantime::parse_duration(str_of(&a, "eval_time").unwrap()).unwrap();
                let fires = a["exp_alerts"].as_sequence().is_some_and(|s| !s.is_empty());
                evals
                    .entry(str_of(&a, "alertname").unwrap().to_string())
                    .or_default()
                    .push((at, fires));
            }
            for e in t["promql_expr_test"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
            {
                exprs.push_str(str_of(&e, "expr").unwrap());
                exprs.push('\n');
            }
        }
    }
    let mut alerts = 0;
    for r in rules() {
        if let Some(name) = str_of(&r, "alert") {
            alerts += 1;
            assert!(str_of(&r, "for").is_some(), "{name}: no for:");
            let sev = r["labels"]["severity"].as_str();
            assert!(
                matches!(sev, Some("critical" | "warning")),
                "{name}: severity {sev:?}"
            );
            for k in ["summary", "description"] {
                let v = r["annotations"][k].as_str().unwrap_or("");
                assert!(!v.trim().is_empty(), "{name}: no {k}");
            }
            assert!(
                r["annotations"]["description"]
                    .as_str()
                    .unwrap()
                    .contains("{{ $labels."),
                "{name}: description does not use the labels"
            );
            let cat = r["labels"]["category"].as_str();
            assert!(
                matches!(cat, Some("business" | "platform")),
                "{name}: category {cat:?}"
            );
            // Both links come from the one `contact_center:alert_links:info` rule.
            let anchor = name.to_lowercase();
            let runbook_url = r["annotations"]["runbook_url"].as_str().unwrap_or("");
            assert!(
                runbook_url.contains(LINKS) && runbook_url.ends_with(&format!("}}#{anchor}")),
                "{name}: runbook_url {runbook_url}"
            );
            let dashboard_url = r["annotations"]["dashboard_url"].as_str().unwrap_or("");
            assert!(
                dashboard_url.contains(LINKS) && dashboard_url.contains("/d/cc-"),
                "{name}: dashboard_url {dashboard_url}"
            );
            assert!(
                runbook.contains(&format!("\n## {name}\n")),
                "RUNBOOK.md has no section for {name}"
            );
            let e = evals
                .get(name)
                .unwrap_or_else(|| panic!("no promtool alert_rule_test for {name}"));
            let first_fire = e
                .iter()
                .filter(|(_, f)| *f)
                .map(|(t, _)| *t)
                .min()
                .unwrap_or_else(|| panic!("{name}: no promtool case where it fires"));
            assert!(
                e.iter().any(|(t, f)| !f && *t < first_fire),
                "{name}: no promtool case before it fires (pending / silent)"
            );
            assert!(
                e.iter().any(|(t, f)| !f && *t > first_fire),
                "{name}: no promtool case where it resolves"
            );
        } else {
            let name = str_of(&r, "record").expect("record or alert");
            assert!(exprs.contains(name), "no promql_expr_test for {name}");
        }
    }
    assert!(alerts >= 8, "{alerts} alerts");
}

/// The Alertmanager example of docs/dashboards-and-alerts.md (the YAML block after the
/// `<!-- alertmanager-example -->` marker).
fn alertmanager_example() -> String {
    let doc = read("docs/dashboards-and-alerts.md");
    let start = doc
        .find("<!-- alertmanager-example -->")
        .expect("docs/dashboards-and-alerts.md: no alertmanager-example marker");
    let rest = &doc[start..];
    let body = &rest[rest
        .find("```yaml\n")
        .expect("a yaml block after the marker")
        + 8..];
    body[..body.find("```").expect("end of the yaml block")].to_string()
}

#[test]
fn alertmanager_example_is_valid_and_routes_by_severity_and_category() {
    let example = alertmanager_example();
    let am: Yaml = serde_yaml_ng::from_str(&example).expect("example parses");
    let group_by: Vec<&str> = am["route"]["group_by"]
        .as_sequence()
        .expect("group_by")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert!(group_by.contains(&"tenant"), "group_by: {group_by:?}");
    assert!(
        am["inhibit_rules"]
            .as_sequence()
            .is_some_and(|r| r.len() >= 2),
        "inhibit_rules"
    );
    if !have("amtool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("alertmanager.yml");
    std::fs::write(&cfg, &example).unwrap();
    let out = Command::new("amtool")
        .arg("check-config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "amtool check-config:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Where each kind of alert of the shipped rules goes.
    for (labels, receiver) in [
        (
            &[
                "alertname=ContactCenterServiceLevelBelowTarget",
                "severity=critical",
                "category=business",
                "tenant=acme",
            ][..],
            "supervisors-pager",
        ),
        (
            &[
                "alertname=ContactCenterAbandonRateHigh",
                "severity=warning",
                "category=business",
            ][..],
            "supervisors-chat",
        ),
        (
            &[
                "alertname=ContactCenterSourceDown",
                "severity=critical",
                "category=platform",
            ][..],
            "on-call-pager",
        ),
        (
            &[
                "alertname=ContactCenterDataStale",
                "severity=warning",
                "category=platform",
            ][..],
            "on-call-tickets",
        ),
    ] {
        let out = Command::new("amtool")
            .args(["config", "routes", "test"])
            .arg(format!("--config.file={}", cfg.display()))
            .args(labels)
            .output()
            .unwrap();
        let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(got, receiver, "{labels:?}");
    }
}

// ---------------------------------------------------------------- dashboards

fn dashboard(path: &str) -> Json {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every panel, including those nested in collapsed rows.
fn panels(d: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().unwrap() {
        out.push(p.clone());
        for n in p["panels"].as_array().cloned().unwrap_or_default() {
            out.push(n);
        }
    }
    out
}

/// Every (panel title, target) with a PromQL expression.
fn targets(d: &Json) -> Vec<(String, Json)> {
    panels(d)
        .into_iter()
        .flat_map(|p| {
            let title = p["title"].as_str().unwrap_or("").to_string();
            p["targets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |t| (title.clone(), t))
        })
        .collect()
}

fn walk_datasources(v: &Json, at: &str, found: &mut Vec<(String, Json)>) {
    match v {
        Json::Object(m) => {
            for (k, c) in m {
                let here = format!("{at}.{k}");
                if k == "datasource" {
                    found.push((here.clone(), c.clone()));
                }
                walk_datasources(c, &here, found);
            }
        }
        Json::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                walk_datasources(c, &format!("{at}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn dashboards_lint() {
    for (path, uid) in DASHBOARDS {
        let d = dashboard(path);
        assert_eq!(d["uid"], uid, "{path}: uid");
        assert!(
            d["schemaVersion"].as_u64().unwrap() >= 38,
            "{path}: Grafana >= 10 schema"
        );
        assert!(
            d.get("id").is_none() || d["id"].is_null(),
            "{path}: no instance id"
        );

        let mut ids = BTreeSet::new();
        for p in panels(&d) {
            let id = p["id"]
                .as_u64()
                .unwrap_or_else(|| panic!("{path}: panel without id: {}", p["title"]));
            assert!(ids.insert(id), "{path}: duplicate panel id {id}");
            if p["type"] != "row" {
                assert!(
                    !p["title"].as_str().unwrap_or("").is_empty(),
                    "{path}: panel {id} has no title"
                );
                assert!(
                    !p["description"].as_str().unwrap_or("").is_empty(),
                    "{path}: panel {id} has no description"
                );
            }
        }

        let mut ds = Vec::new();
        walk_datasources(&d, "", &mut ds);
        assert!(!ds.is_empty());
        for (at, v) in ds {
            if at == ".templating.list[0].datasource" {
                continue;
            }
            assert!(
                v["uid"] == "${datasource}" || v == "${datasource}",
                "{path}{at}: hard-coded data source {v}"
            );
        }

        let vars = d["templating"]["list"].as_array().unwrap();
        let var = |name: &str| vars.iter().find(|v| v["name"] == name).cloned();
        let dsv = var("datasource").unwrap_or_else(|| panic!("{path}: no datasource variable"));
        assert_eq!(dsv["type"], "datasource");
        assert_eq!(dsv["query"], "prometheus");
        let mut want = vec!["job", "instance", "source"];
        if uid == "cc-overview" {
            want.extend(["queue", "channel"]);
        }
        for name in want {
            let v = var(name).unwrap_or_else(|| panic!("{path}: no {name} variable"));
            assert_eq!(v["type"], "query");
            assert!(
                v["query"]["query"]
                    .as_str()
                    .unwrap()
                    .starts_with("label_values("),
                "{path}: {name} variable"
            );
            assert!(v["query"]["query"]
                .as_str()
                .unwrap()
                .ends_with(&format!(", {name})")));
        }

        for (title, t) in targets(&d) {
            let expr = t["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("{path}: {title}: no expr"));
            assert!(
                !expr.contains("job=\""),
                "{path}: {title}: hard-coded job (use $job): {expr}"
            );
            for f in ["rate(", "increase("] {
                for (i, _) in expr.match_indices(f) {
                    // The range of this call is the first `[...]` after it: Grafana's
                    // rate interval, the dashboard's range ("today so far"), or 1h for
                    // data vendors report per 30-minute or hourly period.
                    let rest = &expr[i..];
                    let range = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
                    assert!(
                        matches!(range, "$__rate_interval" | "$__range" | "1h"),
                        "{path}: {title}: range {range}: {expr}"
                    );
                }
            }
        }

        // Grafana's import dialog offers a data-source picker for `__inputs`; the
        // data-source variable defaults to the picked one.
        let inputs = d["__inputs"].as_array().expect("__inputs");
        assert!(
            inputs
                .iter()
                .any(|i| i["type"] == "datasource" && i["pluginId"] == "prometheus"),
            "{path}: __inputs"
        );
        let name = inputs[0]["name"].as_str().unwrap();
        assert_eq!(
            dsv["current"]["value"],
            format!("${{{name}}}"),
            "{path}: datasource variable default"
        );

        // Explicit thresholds on every stat, gauge and bar gauge (Grafana's default is
        // red at 80, which paints good news red); a timestamp is never red.
        for p in panels(&d) {
            if !matches!(p["type"].as_str(), Some("stat" | "gauge" | "bargauge")) {
                continue;
            }
            let defaults = &p["fieldConfig"]["defaults"];
            let steps = defaults["thresholds"]["steps"]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: {}: no explicit thresholds", p["title"]));
            assert!(!steps.is_empty(), "{path}: {}: thresholds", p["title"]);
            if defaults["unit"]
                .as_str()
                .is_some_and(|u| u.starts_with("dateTime"))
            {
                assert!(
                    steps.iter().all(|s| s["color"] != "red"),
                    "{path}: {}: a timestamp is never red",
                    p["title"]
                );
            }
        }

        // Links to the other dashboard and to the runbook.
        let other = DASHBOARDS.iter().find(|(_, u)| *u != uid).unwrap().1;
        let links = d["links"].as_array().expect("links");
        assert!(
            links.iter().any(|l| l["url"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("/d/{other}/")))),
            "{path}: no link to {other}"
        );
        assert!(
            links.iter().any(|l| l["url"] == "${runbook_url}"),
            "{path}: no runbook link"
        );
        assert!(
            var("runbook_url").is_some(),
            "{path}: no runbook_url variable"
        );
    }
}

// ---------------------------------------------------------------- processes

struct Proc {
    child: Child,
    name: &'static str,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &'static str, cmd: &mut Command, dir: &Path) -> Proc {
        let log = dir.join(format!("{name}.log"));
        let f = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::from(f))
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Proc { child, name, log }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "--- {} log (tail) ---\n{}",
            self.name,
            lines[lines.len().saturating_sub(30)..].join("\n")
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn wait_http_ok(port: u16, path: &str, what: &Proc) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if matches!(
            http_request(addr(port), "GET", path, &[]),
            Some((200, _, _))
        ) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{} did not become ready\n{}", what.name, what.log_tail());
}

/// Starts Prometheus scraping `target` every second with `rules` and, optionally,
/// an Alertmanager.
fn start_prometheus(dir: &Path, target: SocketAddr, rules: &Path, am: Option<u16>) -> (Proc, u16) {
    let port = free_port();
    let mut cfg = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: contact-center\n    static_configs:\n      - targets: ['{target}']\n",
        rules.display()
    );
    if let Some(am) = am {
        cfg.push_str(&format!(
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am}']\n"
        ));
    }
    let path = dir.join("prometheus.yml");
    std::fs::write(&path, cfg).unwrap();
    let p = Proc::spawn(
        "prometheus",
        Command::new("prometheus")
            .arg(format!("--config.file={}", path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--rules.alert.resend-delay=1s"),
        dir,
    );
    wait_http_ok(port, "/-/ready", &p);
    (p, port)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// GET on Prometheus's API: Ok(data) or Err(error text).
fn prom_api(port: u16, path_and_query: &str) -> Result<Json, String> {
    // A busy machine may drop a connection; an API error is returned as it is.
    let mut answer = None;
    for _ in 0..5 {
        answer = http_request(addr(port), "GET", path_and_query, &[]);
        if answer.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let (status, _, body) = answer.ok_or_else(|| "no answer from Prometheus".to_string())?;
    let v: Json = serde_json::from_slice(&body).map_err(|e| format!("HTTP {status}: {e}"))?;
    if v["status"] != "success" {
        return Err(format!("HTTP {status}: {} {}", v["errorType"], v["error"]));
    }
    Ok(v["data"].clone())
}

// ---------------------------------------------------------------- dashboard queries

/// Grafana's `label_values(selector, label)` through the series API.
fn label_values(port: u16, q: &str) -> Result<Vec<String>, String> {
    let inner = q
        .strip_prefix("label_values(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("not label_values: {q}"))?;
    let (selector, label) = inner
        .rsplit_once(',')
        .ok_or_else(|| format!("no label: {q}"))?;
    let data = prom_api(
        port,
        &format!(
            "/api/v1/label/{}/values?match[]={}",
            label.trim(),
            enc(selector.trim())
        ),
    )?;
    Ok(data
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect())
}

/// Substitutes dashboard variables as Grafana does with "All" selected (`allValue`), and
/// `$__rate_interval` as Grafana computes it for a data source with the default 15 s
/// scrape interval.
fn substitute(expr: &str, vars: &BTreeMap<String, String>) -> String {
    // `$__range` as a "today so far" panel over the test's short history.
    let mut s = expr
        .replace("$__rate_interval", "1m")
        .replace("$__range", "1h");
    for (k, v) in vars {
        s = s
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    s
}

/// Evaluates every panel query of every dashboard; returns the failures (empty = all
/// good), and checks the variables' own queries.
fn evaluate_dashboards(port: u16, since: u64) -> Vec<String> {
    let mut failures = Vec::new();
    for (path, _) in DASHBOARDS {
        let d = dashboard(path);
        let mut vars = BTreeMap::new();
        for v in d["templating"]["list"].as_array().unwrap() {
            if v["type"] != "query" {
                continue;
            }
            let name = v["name"].as_str().unwrap().to_string();
            let q = substitute(v["query"]["query"].as_str().unwrap(), &vars);
            match label_values(port, &q) {
                Ok(vals) if !vals.is_empty() => {}
                Ok(_) => failures.push(format!("{path}: variable {name}: {q}: no data")),
                Err(e) => failures.push(format!("{path}: variable {name}: {q}: {e}")),
            }
            vars.insert(name, v["allValue"].as_str().unwrap_or(".*").to_string());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        for (title, t) in targets(&d) {
            let expr = substitute(t["expr"].as_str().unwrap(), &vars);
            let instant = t["instant"] == true;
            let res = if instant {
                prom_api(port, &format!("/api/v1/query?query={}", enc(&expr)))
            } else {
                prom_api(
                    port,
                    &format!(
                        "/api/v1/query_range?query={}&start={since}&end={now}&step=1",
                        enc(&expr)
                    ),
                )
            };
            match res {
                Err(e) => failures.push(format!("{path}: {title}: {expr}: {e}")),
                Ok(data) => {
                    let series = data["result"].as_array().cloned().unwrap_or_default();
                    let has_number = series.iter().any(|s| {
                        let vals = if instant {
                            vec![s["value"].clone()]
                        } else {
                            s["values"].as_array().cloned().unwrap_or_default()
                        };
                        vals.iter().any(|v| {
                            v[1].as_str()
                                .and_then(|x| x.parse::<f64>().ok())
                                .is_some_and(f64::is_finite)
                        })
                    });
                    if !has_number {
                        failures.push(format!("{path}: {title}: {expr}: no data"));
                    }
                }
            }
        }
        // Annotation queries must evaluate; they may have no data (the demo's sources
        // have no opening hours, so "Closed" never shades anything here).
        for a in d["annotations"]["list"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let Some(expr) = a["expr"].as_str() else {
                continue;
            };
            let expr = substitute(expr, &vars);
            let q = format!(
                "/api/v1/query_range?query={}&start={since}&end={now}&step=60",
                enc(&expr)
            );
            if let Err(e) = prom_api(port, &q) {
                failures.push(format!("{path}: annotation {}: {expr}: {e}", a["name"]));
            }
        }
    }
    failures
}

/// The demo with 200 agents in an SLA breach, polled every `interval`, plus `extra`
/// flags: in a breach every panel and alert has something to show.
fn breach_demo(interval: &str, extra: &[&str]) -> Exporter {
    let mut args = vec![
        "--demo.interval",
        interval,
        "--demo.agents",
        "200",
        "--demo.scenario",
        "sla-breach",
    ];
    args.extend_from_slice(extra);
    Exporter::demo(&args)
}

#[test]
fn every_dashboard_query_returns_data_from_the_demo() {
    if !have("prometheus") {
        return;
    }
    // In a breach every panel has something to show, abandons included.
    let exporter = breach_demo(DEMO_INTERVAL_ALL_SOURCES, &[]);
    let dir = tempfile::tempdir().unwrap();
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (prom, port) = start_prometheus(dir.path(), exporter.addr, &repo(RULES), None);
    let started = Instant::now();
    let mut failures = vec!["not evaluated yet".to_string()];
    while started.elapsed() < Duration::from_secs(240) {
        std::thread::sleep(Duration::from_secs(5));
        failures = evaluate_dashboards(port, since);
        eprintln!(
            "{:?}: {} queries without data",
            started.elapsed(),
            failures.len()
        );
        // A query error never goes away by waiting.
        let errors: Vec<_> = failures
            .iter()
            .filter(|f| !f.ends_with("no data"))
            .collect();
        assert!(
            errors.is_empty(),
            "query errors:\n{errors:#?}\n{}",
            prom.log_tail()
        );
        if failures.is_empty() {
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "after {:?}, panels without data:\n{}\n{}",
        started.elapsed(),
        failures.join("\n"),
        prom.log_tail()
    );
    eprintln!(
        "every dashboard query has data after {:?}",
        started.elapsed()
    );
    // The Waiting and Longest wait panels fill for 8x8 Analytics on its own (the
    // legacy 8x8 API has no real-time view; this one was added for it) and for
    // TaskRouter.
    for source in ["demo-eight-by-eight-analytics", "demo-twilio-taskrouter"] {
        let missing = source_panels_without_data(port, source, &["Waiting", "Longest wait"]);
        assert!(
            missing.is_empty(),
            "overview panels without data for {source}: {missing:?}"
        );
    }
}

#[test]
fn recording_rules_panel_says_when_the_rules_are_not_loaded() {
    if !have("prometheus") {
        return;
    }
    let d = dashboard(DASHBOARDS[0].0);
    let panel = panels(&d)
        .into_iter()
        .find(|p| p["title"] == "Recording rules")
        .expect("the overview has a Recording rules panel");
    let mapping = |value: &str| -> String {
        panel["fieldConfig"]["defaults"]["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|m| m["options"][value]["text"].as_str())
            .unwrap_or_else(|| panic!("no text mapping for {value}"))
            .to_string()
    };
    assert!(mapping("1").contains("not loaded"), "{}", mapping("1"));
    assert!(mapping("0").contains("Loaded"), "{}", mapping("0"));
    let expr = panel["targets"][0]["expr"].as_str().unwrap().to_string();

    // A Prometheus without the rules (and nothing to scrape: the panel must not need data).
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("none.rules.yml");
    std::fs::write(&rules, "groups: []\n").unwrap();
    let (_prom, port) = start_prometheus(dir.path(), addr(free_port()), &rules, None);
    let value = |port: u16| -> String {
        let data = prom_api(port, &format!("/api/v1/query?query={}", enc(&expr))).unwrap();
        let result = data["result"].as_array().unwrap();
        assert_eq!(result.len(), 1, "{data}");
        result[0]["value"][1].as_str().unwrap().to_string()
    };
    assert_eq!(value(port), "1", "without the rules");

    // With the shipped rules: 0 once the first evaluation has run.
    let dir2 = tempfile::tempdir().unwrap();
    let (_prom2, port2) = start_prometheus(dir2.path(), addr(free_port()), &repo(RULES), None);
    let deadline = Instant::now() + Duration::from_secs(30);
    while value(port2) != "0" {
        assert!(
            Instant::now() < deadline,
            "the rules never showed as loaded"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The `job` the Kubernetes ServiceMonitor gives the exporter's series is the one the rules
/// select and the plain scrape config of the docs sets, and the dashboards select the job
/// by a variable: on Kubernetes the exporter-down page and the health panels work.
#[test]
fn servicemonitor_job_matches_the_rules_and_dashboards() {
    let sm: Yaml =
        serde_yaml_ng::from_str(&read("packaging/kubernetes/servicemonitor.yaml")).unwrap();
    let mut jobs = BTreeSet::new();
    for ep in sm["spec"]["endpoints"].as_sequence().expect("endpoints") {
        let job = ep["relabelings"]
            .as_sequence()
            .and_then(|r| {
                r.iter()
                    .find(|r| str_of(r, "targetLabel") == Some("job"))
                    .and_then(|r| str_of(r, "replacement"))
            })
            .expect("every endpoint sets the job label (relabelings)");
        jobs.insert(job.to_string());
    }
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let job = jobs.into_iter().next().unwrap();

    // Every `job="..."` of the rules.
    let mut in_rules = BTreeSet::new();
    for r in rules() {
        let expr = str_of(&r, "expr").unwrap_or("");
        for (i, _) in expr.match_indices("job=\"") {
            let rest = &expr[i + 5..];
            in_rules.insert(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    assert_eq!(
        in_rules,
        BTreeSet::from([job.clone()]),
        "rules select other jobs than the ServiceMonitor's {job}"
    );

    // The scrape config of the docs.
    for doc in ["docs/operations.md", "docs/dashboards-and-alerts.md"] {
        let text = read(doc);
        for line in text.lines().filter(|l| l.contains("job_name:")) {
            let name = line.split("job_name:").nth(1).unwrap();
            let name = name.split('#').next().unwrap().trim().trim_matches('\'');
            assert_eq!(name, job, "{doc}: {line}");
        }
    }

    // The dashboards hard-code no job (dashboards_lint) and offer it as a variable.
    for (path, _) in DASHBOARDS {
        let d = dashboard(path);
        assert!(
            d["templating"]["list"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["name"] == "job"),
            "{path}: no job variable"
        );
    }
}

/// The overview panels titled `titles` evaluated with `$source` = `source`; returns the
/// queries that have no number.
fn source_panels_without_data(port: u16, source: &str, titles: &[&str]) -> Vec<String> {
    let d = dashboard(DASHBOARDS[0].0);
    let mut vars = BTreeMap::new();
    vars.insert("source".to_string(), source.to_string());
    for all in ["job", "instance", "queue", "channel"] {
        vars.insert(all.to_string(), ".*".to_string());
    }
    let mut missing = Vec::new();
    let mut seen = 0;
    for (title, t) in targets(&d) {
        if !titles.contains(&title.as_str()) {
            continue;
        }
        seen += 1;
        let expr = substitute(t["expr"].as_str().unwrap(), &vars);
        let has = prom_api(port, &format!("/api/v1/query?query={}", enc(&expr)))
            .ok()
            .and_then(|data| data["result"].as_array().cloned())
            .is_some_and(|r| {
                r.iter().any(|s| {
                    s["value"][1]
                        .as_str()
                        .and_then(|x| x.parse::<f64>().ok())
                        .is_some_and(f64::is_finite)
                })
            });
        if !has {
            missing.push(format!("{title}: {expr}"));
        }
    }
    assert!(seen >= titles.len(), "panels {titles:?} not found");
    missing
}

// ---------------------------------------------------------------- paging

/// The shipped rules with every `for:` shortened to `for_`, and nothing else changed.
fn rules_with_short_for(for_: &str) -> String {
    let text = read(RULES);
    let mut out = String::new();
    let mut changed = 0;
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("for: ") {
            assert!(humantime::parse_duration(rest.trim()).is_ok(), "{line}");
            out.push_str(&line[..line.len() - t.len()]);
            out.push_str(&format!("for: {for_}"));
            changed += 1;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    let alerts = rules().iter().filter(|r| r.get("alert").is_some()).count();
    assert_eq!(changed, alerts, "one for: per alert");
    out
}

/// Labels or annotations of an alert.
type Strings = BTreeMap<String, String>;

/// Alerts of the webhook notifications received so far, as (status, labels, annotations).
fn notified(hook: &Mock) -> Vec<(String, Strings, Strings)> {
    let mut out = Vec::new();
    for r in hook.recorded() {
        let Ok(v) = serde_json::from_slice::<Json>(&r.body) else {
            continue;
        };
        for a in v["alerts"].as_array().cloned().unwrap_or_default() {
            let map = |o: &Json| -> Strings {
                o.as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            out.push((
                a["status"].as_str().unwrap_or("").to_string(),
                map(&a["labels"]),
                map(&a["annotations"]),
            ));
        }
    }
    out
}

#[test]
fn service_level_alert_pages_and_resolves_end_to_end() {
    if !have("prometheus") || !have("prometheus-alertmanager") {
        return;
    }
    const ALERT: &str = "ContactCenterServiceLevelBelowTarget";
    const BREACH: Duration = Duration::from_secs(30);
    let dir = tempfile::tempdir().unwrap();

    let hook = Mock::start(|_| MockResponse::status(200, ""));
    let am_port = free_port();
    let am_cfg = dir.path().join("alertmanager.yml");
    std::fs::write(
        &am_cfg,
        format!(
            "route:\n  receiver: webhook\n  group_by: [alertname, source, queue]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: webhook\n    webhook_configs:\n      - url: {}\n        send_resolved: true\n",
            hook.url("/hook")
        ),
    )
    .unwrap();
    let am = Proc::spawn(
        "alertmanager",
        Command::new("prometheus-alertmanager")
            .arg(format!("--config.file={}", am_cfg.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("am").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{am_port}"))
            .arg("--cluster.listen-address="),
        dir.path(),
    );
    wait_http_ok(am_port, "/-/ready", &am);

    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, rules_with_short_for("5s")).unwrap();

    let exporter = breach_demo(DEMO_INTERVAL, &["--demo.scenario-duration", "30s"]);
    let breach_ends = Instant::now() + BREACH;
    let (prom, _port) = start_prometheus(dir.path(), exporter.addr, &rules, Some(am_port));
    let started = Instant::now();
    let logs = || format!("{}\n{}", prom.log_tail(), am.log_tail());

    // Firing: the first queue that pages.
    let mut firing = None;
    while firing.is_none() && started.elapsed() < Duration::from_secs(150) {
        std::thread::sleep(Duration::from_secs(1));
        firing = notified(&hook).into_iter().find(|(s, l, _)| {
            s == "firing" && l.get("alertname").map(String::as_str) == Some(ALERT)
        });
    }
    let (_, labels, annotations) = firing.unwrap_or_else(|| {
        panic!(
            "no {ALERT} notification after {:?}\n{}",
            started.elapsed(),
            logs()
        )
    });
    let fired_after = started.elapsed();
    eprintln!("{ALERT} fired after {fired_after:?}: {labels:?}");
    assert_eq!(labels["severity"], "critical");
    assert_eq!(labels["category"], "business");
    assert_eq!(labels["window"], "30m");
    assert_eq!(labels["job"], "contact-center");
    let vendor = labels["vendor"].as_str();
    assert!(
        matches!(
            vendor,
            "eight_by_eight"
                | "voximplant"
                | "eight_by_eight_analytics"
                | "twilio_taskrouter"
                | "genesys_cloud"
                | "amazon_connect"
        ),
        "queue counters with SLA data come from 8x8 (both APIs), Voximplant, TaskRouter, Genesys Cloud and Connect: {labels:?}"
    );
    assert_eq!(
        labels["source"],
        format!("demo-{}", vendor.replace('_', "-"))
    );
    const DEMO_QUEUES: [&str; 6] = [
        "Sales Phone",
        "Support Phone",
        "Support Chat",
        "Billing Phone",
        "Support Email",
        "Voicemail",
    ];
    assert!(
        DEMO_QUEUES.contains(&labels["queue"].as_str()),
        "{labels:?}"
    );
    // 8x8 Analytics says nothing of a queue's media: its channel is always "other".
    // TaskRouter's queues are "other" too (no split by TaskChannel).
    // Genesys Cloud has no voicemail media type: that queue's callbacks are "other".
    let channels: &[&str] = if matches!(vendor, "eight_by_eight_analytics" | "twilio_taskrouter") {
        &["other"]
    } else if vendor == "genesys_cloud" {
        &["voice", "chat", "email", "other"]
    } else {
        &["voice", "chat", "email", "voicemail"]
    };
    assert!(channels.contains(&labels["channel"].as_str()), "{labels:?}");
    assert_eq!(
        annotations["runbook_url"],
        "alerts/RUNBOOK.md#contactcenterservicelevelbelowtarget"
    );
    assert!(
        annotations["dashboard_url"].starts_with("http://localhost:3000/d/cc-overview/")
            && annotations["dashboard_url"].contains("var-source=demo-"),
        "{annotations:?}"
    );
    assert!(
        annotations["description"].contains(&format!("queue \"{}\"", labels["queue"]))
            && annotations["description"].contains("the target is 80%"),
        "{annotations:?}"
    );

    // Resolved: the same alert, after the demo recovered.
    let mut resolved = false;
    while !resolved && started.elapsed() < Duration::from_secs(420) {
        std::thread::sleep(Duration::from_secs(1));
        resolved = notified(&hook)
            .iter()
            .any(|(s, l, _)| s == "resolved" && *l == labels);
    }
    assert!(
        resolved,
        "{ALERT} {labels:?} not resolved after {:?}\n{}",
        started.elapsed(),
        logs()
    );
    assert!(
        Instant::now() > breach_ends,
        "resolved before the breach ended"
    );
    eprintln!("{ALERT} resolved after {:?}", started.elapsed());
}
