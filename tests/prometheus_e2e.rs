//! End to end with a real Prometheus (Debian's `prometheus` package): the exporter runs
//! its built-in demo, Prometheus scrapes it on loopback, and the series are read back
//! through Prometheus's HTTP API.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, http_request, tools_required, Exporter};

struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_prometheus(target: &str) -> Option<Prometheus> {
    if Command::new("prometheus")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            !tools_required(),
            "prometheus is not installed (run the README's test command)"
        );
        eprintln!("prometheus not installed; skipping");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: contact-center\n    static_configs:\n      - targets: ['{target}']\n"),
    )
    .unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    Some(Prometheus {
        child,
        port,
        _dir: dir,
    })
}

fn query(port: u16, q: &str) -> serde_json::Value {
    let path = format!(
        "/api/v1/query?query={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    match http_request(addr, "GET", &path, &[]) {
        Some((200, _, body)) => serde_json::from_slice(&body).unwrap(),
        _ => serde_json::Value::Null,
    }
}

fn results(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

#[test]
fn prometheus_scrapes_the_demo() {
    let exporter = Exporter::demo(&["--demo.interval", "1s"]);
    let Some(prom) = start_prometheus(&exporter.addr.to_string()) else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut up = Vec::new();
    let mut agents = Vec::new();
    while Instant::now() < deadline {
        up = results(&query(prom.port, "contact_center_source_up == 1"));
        agents = results(&query(prom.port, "contact_center_agents"));
        if !up.is_empty() && !agents.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        !up.is_empty(),
        "no contact_center_source_up == 1 in Prometheus; exporter log:\n{}",
        exporter.log_lines().join("\n")
    );
    let sources: Vec<String> = up
        .iter()
        .map(|r| r["metric"]["source"].as_str().unwrap().to_string())
        .collect();
    assert!(sources.contains(&"demo-exotel".to_string()), "{sources:?}");
    // Every healthy source exports all eight normalized states.
    for s in &sources {
        let states: Vec<&str> = agents
            .iter()
            .filter(|r| r["metric"]["source"] == s.as_str())
            .map(|r| r["metric"]["state"].as_str().unwrap())
            .collect();
        for want in [
            "available",
            "ringing",
            "busy",
            "wrap_up",
            "break",
            "unavailable",
            "offline",
            "other",
        ] {
            assert!(states.contains(&want), "{s} lacks state {want}: {states:?}");
        }
    }
    // The scrape itself is healthy (gzip negotiated by Prometheus, format accepted).
    let target_up = results(&query(prom.port, "up{job=\"contact-center\"}"));
    assert_eq!(target_up[0]["value"][1], "1");
    // Agents counted by Prometheus match the simulated contact center's size at most.
    let total = results(&query(prom.port, "sum by (source) (contact_center_agents)"));
    for r in total {
        let n: f64 = r["value"][1].as_str().unwrap().parse().unwrap();
        assert!(n > 0.0 && n <= 40.0, "{r}");
    }
}
