//! A real Prometheus (Debian's `prometheus` package) scraping one target on loopback
//! every second, and its query API.

use std::process::{Child, Command, Stdio};

use super::{free_port, http_request, tools_required};

/// A running Prometheus, killed when dropped.
pub struct Prometheus {
    child: Child,
    /// Its HTTP port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Prometheus scraping `target` (`host:port`) as job `contact-center`; `None`
/// when it is not installed and the tools are not required.
pub fn start_prometheus(target: &str) -> Option<Prometheus> {
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

/// The result of an instant query (`Null` when Prometheus did not answer).
pub fn query(port: u16, q: &str) -> serde_json::Value {
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

/// The result vector of a query answer.
pub fn results(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}
