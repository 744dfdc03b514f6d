//! The status page at `/` in a real browser: Debian's headless Chromium loads the page
//! from the real binary and the tests assert on the DOM it built (and keep a screenshot
//! in `target/test-artifacts/`). One exporter runs the built-in demo (all four vendors);
//! one polls a local mock of every vendor whose queue names are an HTML injection
//! attempt; one polls an Exotel mock whose agent names are. Plus: `/` asks for the
//! same basic auth as `/metrics`, and shows the agents table behind it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::vendors::{self, VendorKit};
use common::{binary, http_request, tools_required, Exporter, Mock};
use contact_center_exporter::sources;

/// What a vendor could name a queue to attack the page.
const EVIL: &str = "<img src=x onerror=alert(1)>";
/// The same as the page's text must serialize it.
const EVIL_TEXT: &str = "&lt;img src=x onerror=alert(1)&gt;";

const WAIT: Duration = Duration::from_secs(30);

/// Headless Chromium, or None (the test is skipped) when it is not installed and the
/// suite does not require it.
fn chromium() -> Option<&'static str> {
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !tools_required(),
            "chromium is not installed (scripts/test-all.sh installs it)"
        );
        eprintln!("chromium not installed; skipping");
        return None;
    }
    Some("chromium")
}

/// Runs Chromium headless on `url` with `extra` flags; returns its stdout. The flags
/// keep it from reaching anything but the page (no background networking, component
/// updates or sync), and every run gets a fresh profile.
fn run_chromium(browser: &str, url: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out_path = profile.path().join("stdout");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed on {url}: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish loading {url} within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(out_path).unwrap()
}

/// The DOM Chromium built from the page.
fn dump_dom(browser: &str, url: &str) -> String {
    let dom = run_chromium(browser, url, &["--dump-dom".into()]);
    assert!(dom.contains("</html>"), "no DOM from {url}: {dom}");
    dom
}

/// Where test artifacts go: `test-artifacts/` in the target directory of this build.
fn artifacts() -> PathBuf {
    let dir = binary()
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("test-artifacts"))
        .unwrap_or_else(|| PathBuf::from("target/test-artifacts"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A screenshot of `url` at `width` x `height` into the artifacts; returns its path.
fn screenshot(browser: &str, url: &str, name: &str, width: u32, height: u32) -> PathBuf {
    let path = artifacts().join(name);
    let _ = std::fs::remove_file(&path);
    run_chromium(
        browser,
        url,
        &[
            format!("--screenshot={}", path.display()),
            format!("--window-size={width},{height}"),
        ],
    );
    let png = std::fs::read(&path).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "no screenshot of {url} at {}",
        path.display()
    );
    path
}

/// One source's `<section>` of the DOM.
struct Section {
    source: String,
    vendor: String,
    html: String,
}

impl Section {
    fn agents_total(&self) -> u64 {
        between(&self.html, "<span class=\"agents-total\">", "</span>")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{}: no agent total in {}", self.source, self.html))
    }

    fn queue_rows(&self) -> usize {
        self.html.matches("<tr class=\"queue\"").count()
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

fn sections(dom: &str) -> Vec<Section> {
    dom.split("<section class=\"source\"")
        .skip(1)
        .map(|part| {
            let html = part.split("</section>").next().unwrap_or("").to_string();
            Section {
                source: between(&html, "data-source=\"", "\"").unwrap().to_string(),
                vendor: between(&html, "data-vendor=\"", "\"").unwrap().to_string(),
                html,
            }
        })
        .collect()
}

/// Agents per normalized state, queues where the vendor reports them, in every section.
fn assert_agents_and_queues(sections: &[Section], evil_queue_vendors: &[&str]) {
    for s in sections {
        assert!(s.agents_total() > 0, "{}: no agents:\n{}", s.source, s.html);
        for state in contact_center_exporter::state::AgentState::ALL.map(|s| s.as_str()) {
            assert!(
                s.html.contains(&format!("<li data-state=\"{state}\"><b>")),
                "{}: no {state} count",
                s.source
            );
        }
        if s.vendor == "vcc_live" {
            // VCC Live's API reports agents only.
            assert!(s.html.contains("This source reports no queue figures."));
            continue;
        }
        assert!(
            s.queue_rows() > 0,
            "{}: no queue rows:\n{}",
            s.source,
            s.html
        );
        if s.vendor != "exotel" {
            // Exotel is real time only; the others count the day per queue.
            assert!(s.html.contains("<th colspan=\"4\">Today ("), "{}", s.html);
            assert!(s.html.contains(" % ("), "{}: no service level", s.source);
        }
        if evil_queue_vendors.contains(&s.vendor.as_str()) {
            assert!(
                s.html.contains(&format!("<td>{EVIL_TEXT}</td>")),
                "{}: the queue name is not shown as text:\n{}",
                s.source,
                s.html
            );
        }
    }
}

#[test]
fn demo_page_in_chromium_shows_agents_and_queues_of_every_vendor() {
    let Some(browser) = chromium() else {
        return;
    };
    let e = Exporter::demo(&["--demo.interval", "2s"]);
    let url = format!("http://{}/", e.addr);
    e.wait_until("every demo source to have data", WAIT, |e| {
        e.get("/").is_some_and(|(_, _, body)| {
            String::from_utf8_lossy(&body)
                .matches("<span class=\"agents-total\">")
                .count()
                == contact_center_exporter::sources::REGISTRY.len()
        })
    });
    let dom = dump_dom(browser, &url);
    assert!(dom.contains("<title>contact-center-exporter</title>"));
    assert!(dom.contains("<meta http-equiv=\"refresh\" content=\"5\">"));
    assert!(!dom.contains("<script"), "the page needs no script");
    let found = sections(&dom);
    let mut vendors: Vec<&str> = found.iter().map(|s| s.vendor.as_str()).collect();
    vendors.sort();
    assert_eq!(
        vendors,
        [
            "amazon_connect",
            "eight_by_eight",
            "eight_by_eight_analytics",
            "exotel",
            "genesys_cloud",
            "twilio_taskrouter",
            "vcc_live",
            "voximplant"
        ],
        "{dom}"
    );
    assert_agents_and_queues(&found, &[]);
    for s in &found {
        // One row per agent in the agents table (folded or not).
        // A vendor that reports agents per state as counts only lists none.
        let each_agent = sources::find(&s.vendor).is_some_and(|v| v.reports_each_agent());
        let listed = if each_agent { s.agents_total() } else { 0 };
        assert_eq!(
            s.html.matches("<tr class=\"agent\"").count() as u64,
            listed,
            "{}: agents table:\n{}",
            s.source,
            s.html
        );
    }
    let shot = screenshot(browser, &url, "status-page.png", 1200, 2600);
    screenshot(browser, &url, "status-page-phone.png", 390, 1600);
    eprintln!("screenshot: {}", shot.display());
}

/// A kit whose answers go through `rewrite` (to rename a queue).
fn renamed(
    kit: &VendorKit,
    rewrite: impl Fn(&str, String) -> String + Send + Sync + 'static,
) -> Mock {
    let good = kit.good.clone();
    Mock::start(move |r| {
        let mut resp = good(r);
        let body = String::from_utf8_lossy(&resp.body).to_string();
        resp.body = rewrite(&r.path, body).into_bytes();
        resp
    })
}

#[test]
fn vendor_queue_names_show_as_text_in_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kits = vendors::all();
    let mut yaml = String::from("sources:\n");
    let mut mocks = Vec::new();
    for kit in &kits {
        // Each vendor's own way to name a queue of the demo contact center.
        let mock = match kit.vendor {
            "eight_by_eight" => renamed(kit, |path, body| {
                if path == "/api/stats/queues.xml" {
                    body.replace(
                        "<queue-name>Sales Phone</queue-name>",
                        "<queue-name>&lt;img src=x onerror=alert(1)&gt;</queue-name>",
                    )
                } else {
                    body
                }
            }),
            "voximplant" => renamed(kit, |_, body| {
                body.replace(
                    "\"acd_queue_name\":\"Sales Phone\"",
                    &format!("\"acd_queue_name\":\"{EVIL}\""),
                )
            }),
            "exotel" => renamed(kit, |_, body| {
                body.replace("\"Sales Phone\"", &format!("\"{EVIL}\""))
            }),
            "eight_by_eight_analytics"
            | "twilio_taskrouter"
            | "genesys_cloud"
            | "amazon_connect" => renamed(kit, |_, body| {
                body.replace("\"Sales Phone\"", &format!("\"{EVIL}\""))
            }),
            _ => renamed(kit, |_, body| body),
        };
        yaml.push_str(&format!(
            "  - name: mock-{vendor}\n    vendor: {vendor}\n    base_url: {}\n    interval: 2s\n    timeout: 1s\n{}",
            mock.url(""),
            (kit.keys)(dir.path()),
            vendor = kit.vendor,
        ));
        mocks.push(mock);
    }
    let e = Exporter::start(&yaml, &[]);
    let url = format!("http://{}/", e.addr);
    e.wait_until("every mock source to have data", WAIT, |e| {
        e.get("/").is_some_and(|(_, _, body)| {
            let html = String::from_utf8_lossy(&body);
            html.matches("<span class=\"agents-total\">").count() == kits.len()
                && html.matches(&format!("<td>{EVIL_TEXT}</td>")).count() == 7
        })
    });
    let dom = dump_dom(browser, &url);
    let found = sections(&dom);
    assert_eq!(found.len(), kits.len(), "{dom}");
    assert_agents_and_queues(
        &found,
        &[
            "eight_by_eight",
            "voximplant",
            "exotel",
            "eight_by_eight_analytics",
            "twilio_taskrouter",
            "genesys_cloud",
            "amazon_connect",
        ],
    );
    // No element was injected: Chromium writes a real <img> with quoted attributes.
    assert!(!dom.contains("<img src=\"x\""), "{dom}");
    assert!(!dom.contains("onerror=\""), "{dom}");
    for secret in kits.iter().flat_map(|k| k.secrets.iter()) {
        assert!(!dom.contains(secret.as_str()), "the page shows a secret");
    }
    screenshot(browser, &url, "status-page-escaped.png", 1200, 2600);
}

/// An agent name that is an HTML injection attempt shows as text in Chromium: the
/// agents table has the name as a cell's text, and no element was made of it. The
/// demo's agents tables (one row per agent, all states) are in the demo test above.
#[test]
fn vendor_agent_names_show_as_text_in_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let mock = Mock::start(|r| {
        if r.param("table-name") != Some("user-session-information") {
            return common::MockResponse::json(common::example::EMPTY);
        }
        let row = |id: &str, name: &str, status: &str, secs: u32| {
            serde_json::json!({"data": {"user_id": id, "user_name": name,
                "user_status": status, "user_status_duration": secs,
                "campaign_name": "sales", "channel_details": {"channel_type": "VOICE"}}})
        };
        let rows = vec![
            row("u1", EVIL, "Break", 1500),
            row("u2", "<script>document.title='pwned'</script>", "Ready", 40),
            row("u3", "Plain Person", "Break", 90),
        ];
        common::MockResponse::json(
            serde_json::json!({"response": rows, "metadata": {"total": 3, "count": 3}}).to_string(),
        )
    });
    let yaml = format!(
        "sources:\n{}",
        common::example::source_yaml("names", &mock, "")
    );
    let e = Exporter::start(&yaml, &[]);
    let url = format!("http://{}/", e.addr);
    e.wait_until("the agents table", WAIT, |e| {
        e.get("/").is_some_and(|(_, _, body)| {
            String::from_utf8_lossy(&body)
                .matches("<tr class=\"agent\"")
                .count()
                == 3
        })
    });
    let dom = dump_dom(browser, &url);
    assert!(
        dom.contains("<title>contact-center-exporter</title>"),
        "{dom}"
    );
    assert!(!dom.contains("<script"), "{dom}");
    assert!(!dom.contains("<img src=\"x\""), "{dom}");
    assert!(!dom.contains("onerror=\""), "{dom}");
    let rows: Vec<&str> = dom
        .split("<tr class=\"agent\"")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap_or(""))
        .collect();
    // By normalized state (available before break), then longest first.
    assert_eq!(rows.len(), 3, "{dom}");
    assert!(
        rows[0].contains("<td>&lt;script&gt;document.title='pwned'&lt;/script&gt;</td>"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains(&format!(
            "<td>{EVIL_TEXT}</td><td>Break</td><td>break</td><td class=\"n\">25 min 00 s</td>"
        )),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains("<td>Plain Person</td>"), "{}", rows[2]);
    screenshot(browser, &url, "status-page-agent-names.png", 1200, 1200);
}

#[test]
fn status_page_asks_for_the_same_basic_auth_as_metrics() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web.yml");
    let hash = bcrypt::hash("page-password", 4).unwrap();
    std::fs::write(&web, format!("basic_auth_users:\n  supervisor: {hash}\n")).unwrap();
    let e = Exporter::demo(&[
        "--demo.interval",
        "2s",
        "--web.config.file",
        web.to_str().unwrap(),
    ]);
    let good = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("supervisor:page-password")
    );
    let bad = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("supervisor:wrong")
    );
    for path in ["/", "/metrics"] {
        let (status, head, body) = http_request(e.addr, "GET", path, &[]).unwrap();
        assert_eq!(status, 401, "{path}");
        assert!(head
            .to_ascii_lowercase()
            .contains("www-authenticate: basic"));
        assert!(!String::from_utf8_lossy(&body).contains("demo-exotel"));
        let (status, _, _) =
            http_request(e.addr, "GET", path, &[("Authorization", bad.as_str())]).unwrap();
        assert_eq!(status, 401, "{path}");
    }
    e.wait_until("the page to show the demo", WAIT, |e| {
        http_request(e.addr, "GET", "/", &[("Authorization", good.as_str())]).is_some_and(
            |(status, _, body)| {
                let page = String::from_utf8_lossy(&body);
                // The agents table needs no script, so it works behind the login too.
                status == 200
                    && page.contains("data-source=\"demo-exotel\"")
                    && page.contains("<tr class=\"agent\"")
            },
        )
    });
}
