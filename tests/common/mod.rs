//! Shared test harness: a programmable local mock vendor server, the real exporter
//! binary run as a child process, scraping helpers and golden-file comparison.
//!
//! Everything listens on 127.0.0.1 only.

#![allow(dead_code)]

pub mod agents;
pub mod clock;
pub mod example;
pub mod fault;
pub mod oauth;
pub mod pipeline;
pub mod prometheus;
pub mod replay;
pub mod simulated;
pub mod vendors;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// A request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// The request target as received: `http://host:port/path?query` (absolute form)
    /// when the client sent the request to this server as its proxy, else the path and
    /// query.
    pub target: String,
    /// Path without query.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Headers (lower-case names).
    pub headers: BTreeMap<String, String>,
    /// Body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// First query parameter named `k`.
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// What the mock answers.
#[derive(Debug, Clone)]
pub struct MockResponse {
    /// Status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Delay before answering.
    pub delay: Duration,
}

impl MockResponse {
    /// 200 with `body` as JSON.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        MockResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// Any status with a body.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        MockResponse {
            status,
            headers: vec![],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
}

/// Handler type.
pub type Handler = Arc<dyn Fn(&Recorded) -> MockResponse + Send + Sync>;

/// A running mock server (on its own thread and runtime, so sync tests can use it).
pub struct Mock {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every request received.
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    handler: Arc<Mutex<Handler>>,
    /// Bytes of response bodies sent.
    pub bytes_sent: Arc<Mutex<u64>>,
}

impl Mock {
    /// Starts a mock answering with `handler`.
    pub fn start(handler: impl Fn(&Recorded) -> MockResponse + Send + Sync + 'static) -> Mock {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind mock");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Arc::new(handler)));
        let bytes_sent = Arc::new(Mutex::new(0u64));
        let (r2, h2, b2) = (requests.clone(), handler.clone(), bytes_sent.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("rt");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let (r3, h3, b3) = (r2.clone(), h2.clone(), b2.clone());
                    tokio::spawn(async move {
                        let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                            let (r4, h4, b4) = (r3.clone(), h3.clone(), b3.clone());
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes().to_vec())
                                    .unwrap_or_default();
                                let rec = Recorded {
                                    method: parts.method.to_string(),
                                    target: parts.uri.to_string(),
                                    path: parts.uri.path().to_string(),
                                    query: contact_center_exporter::simulator::host::query_pairs(
                                        &parts.uri,
                                    ),
                                    headers: parts
                                        .headers
                                        .iter()
                                        .map(|(k, v)| {
                                            (
                                                k.as_str().to_string(),
                                                v.to_str().unwrap_or("").to_string(),
                                            )
                                        })
                                        .collect(),
                                    body,
                                };
                                r4.lock().unwrap().push(rec.clone());
                                let h = h4.lock().unwrap().clone();
                                let resp = h(&rec);
                                if !resp.delay.is_zero() {
                                    tokio::time::sleep(resp.delay).await;
                                }
                                *b4.lock().unwrap() += resp.body.len() as u64;
                                let mut b = hyper::Response::builder().status(resp.status);
                                for (k, v) in &resp.headers {
                                    b = b.header(k, v);
                                }
                                Ok::<_, hyper::Error>(
                                    b.body(Full::new(Bytes::from(resp.body))).unwrap(),
                                )
                            }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            });
        });
        Mock {
            addr,
            requests,
            handler,
            bytes_sent,
        }
    }

    /// `http://127.0.0.1:PORT` plus `prefix`.
    pub fn url(&self, prefix: &str) -> String {
        format!("http://{}{}", self.addr, prefix)
    }

    /// Replaces the handler.
    pub fn set(&self, handler: impl Fn(&Recorded) -> MockResponse + Send + Sync + 'static) {
        *self.handler.lock().unwrap() = Arc::new(handler);
    }

    /// Requests so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The exporter binary run as a child process.
pub struct Exporter {
    child: Child,
    /// Listen address.
    pub addr: SocketAddr,
    /// Config file path (inside `dir`).
    pub config: PathBuf,
    /// Log lines (stderr), collected in the background.
    pub log: Arc<Mutex<Vec<String>>>,
    /// Temporary directory (kept alive).
    pub dir: tempfile::TempDir,
}

/// Path of the binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_contact-center-exporter"))
}

impl Exporter {
    /// Starts the exporter with `config_yaml` (written to a temp file) and `args`.
    pub fn start(config_yaml: &str, args: &[&str]) -> Exporter {
        Self::start_env(config_yaml, args, &[])
    }

    /// [`Exporter::start`] with extra environment variables (e.g. `HTTP_PROXY`).
    pub fn start_env(config_yaml: &str, args: &[&str], env: &[(&str, &str)]) -> Exporter {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.yml");
        std::fs::write(&config, config_yaml).unwrap();
        Self::start_with(dir, config, args, env)
    }

    /// Starts the exporter with one source `name` of `vendor` at `base_url` (its vendor
    /// keys as `key: value` lines), polled every second, and waits until it is up.
    pub fn one_source(name: &str, vendor: &str, base_url: &str, keys: &[&str]) -> Exporter {
        let mut yaml = format!(
            "sources:\n  - name: {name}\n    vendor: {vendor}\n    base_url: {base_url}\n    interval: 1s\n    timeout: 500ms\n"
        );
        for k in keys {
            yaml.push_str(&format!("    {k}\n"));
        }
        let e = Exporter::start(&yaml, &[]);
        e.wait_for_sample(
            &format!(r#"contact_center_source_up{{source="{name}",vendor="{vendor}"}}"#),
            1.0,
            Duration::from_secs(15),
        );
        e
    }

    /// Starts the exporter in `--demo` mode with `args`.
    pub fn demo(args: &[&str]) -> Exporter {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("unused.yml");
        let mut a = vec!["--demo"];
        a.extend_from_slice(args);
        Self::start_with(dir, config, &a, &[])
    }

    fn start_with(
        dir: tempfile::TempDir,
        config: PathBuf,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Exporter {
        // `free_port` lets the port go before the exporter binds it, and another test
        // thread binding port 0 meanwhile may take it: then the exporter exits with
        // "Address already in use" and is started again on another port.
        const ATTEMPTS: usize = 5;
        for attempt in 1..=ATTEMPTS {
            let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
            let (mut child, log) = spawn_exporter(&config, addr, args, env);
            match wait_listening(&mut child, addr, &log, args) {
                Listening::Yes => {
                    return Exporter {
                        child,
                        addr,
                        config,
                        log,
                        dir,
                    }
                }
                Listening::PortTaken if attempt < ATTEMPTS => {}
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "timed out waiting for the exporter to listen; log:\n{}",
                        log.lock().unwrap().join("\n")
                    );
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Sends a signal to the child.
    pub fn signal(&self, sig: &str) {
        Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// `--config.check` of this exporter's config file: must succeed; its output.
    pub fn config_check(&self) -> String {
        let (code, text) = self.try_config_check();
        assert_eq!(code, Some(0), "{text}");
        text
    }

    /// `--config.check` of this exporter's config file: its exit code and output.
    pub fn try_config_check(&self) -> (Option<i32>, String) {
        let out = Command::new(binary())
            .args(["--config.check", "--config.file"])
            .arg(&self.config)
            .output()
            .unwrap();
        (out.status.code(), output_text(&out))
    }

    /// `POST /-/reload` of a config that must be refused: answers 500 with the generic
    /// text (the error is only logged), says so in
    /// `contact_center_exporter_config_last_reload_successful`; the log lines it wrote
    /// (with logfmt's `\"` read as `"`), which hold the error.
    pub fn reload_refused(&self) -> String {
        let before = self.log_lines().len();
        let (status, _, body) = http_request(self.addr, "POST", "/-/reload", &[]).unwrap();
        let body = String::from_utf8_lossy(&body).to_string();
        assert_eq!(status, 500, "{body}");
        assert_eq!(
            body,
            contact_center_exporter::server::RELOAD_FAILED,
            "the answer never carries the error"
        );
        assert_eq!(
            sample(
                &self.scrape(),
                "contact_center_exporter_config_last_reload_successful"
            ),
            Some(0.0)
        );
        self.wait_until("the reload error in the log", Duration::from_secs(5), |e| {
            e.log_lines()[before..]
                .iter()
                .any(|l| l.contains("configuration reload failed"))
        });
        self.log_lines()[before..].join("\n").replace("\\\"", "\"")
    }

    /// A plain HTTP/1.0-style GET: (status, headers, body).
    pub fn get(&self, path: &str) -> Option<(u16, String, Vec<u8>)> {
        http_request(self.addr, "GET", path, &[])
    }

    /// Scrapes `/metrics` as text.
    pub fn scrape(&self) -> String {
        let (status, _, body) = self.get("/metrics").expect("scrape");
        assert_eq!(status, 200);
        String::from_utf8(body).unwrap()
    }

    /// Polls `cond` every 100 ms until true or `timeout` (then panics with the log).
    pub fn wait_until(&self, what: &str, timeout: Duration, cond: impl Fn(&Exporter) -> bool) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if cond(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "timed out waiting for {what}; log:\n{}",
            self.log.lock().unwrap().join("\n")
        );
    }

    /// Waits until a sample line with `metric_and_labels` has `value`.
    pub fn wait_for_sample(&self, metric_and_labels: &str, value: f64, timeout: Duration) {
        self.wait_until(&format!("{metric_and_labels} == {value}"), timeout, |e| {
            sample(&e.scrape(), metric_and_labels) == Some(value)
        });
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the child in bytes (`VmRSS` of /proc/<pid>/status).
    pub fn rss_bytes(&self) -> u64 {
        proc_status_kib(self.pid(), "VmRSS:") * 1024
    }

    /// Log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// Whether a started exporter came to listen.
enum Listening {
    Yes,
    /// It exited: its port was taken.
    PortTaken,
    /// It exited for another reason, or did not answer in time.
    No,
}

/// Waits up to 20 s for the exporter at `addr` to answer (with TLS or auth possibly
/// on (`--web.config.file`), for its port to accept), or to exit because its port
/// was taken.
fn wait_listening(
    child: &mut Child,
    addr: SocketAddr,
    log: &Mutex<Vec<String>>,
    args: &[&str],
) -> Listening {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        // Exited first: a port another socket holds may accept the probe below and
        // never answer it.
        if let Ok(Some(_)) = child.try_wait() {
            // Its stderr may still be on its way to the log.
            std::thread::sleep(Duration::from_millis(100));
            let taken = log
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("Address already in use"));
            return if taken {
                Listening::PortTaken
            } else {
                Listening::No
            };
        }
        let up = if args.contains(&"--web.config.file") {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        } else {
            http_request(addr, "GET", "/-/healthy", &[]).is_some_and(|r| r.0 == 200)
        };
        if up {
            return Listening::Yes;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Listening::No
}

/// Starts the binary with `config`, listening on `addr`, its stderr collected into the
/// returned log in the background.
fn spawn_exporter(
    config: &Path,
    addr: SocketAddr,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Child, Arc<Mutex<Vec<String>>>) {
    // Everything is on 127.0.0.1: a proxy of the developer's environment must not
    // carry the tests' requests (tests that want one set it in `env`).
    let mut child = without_proxy_env(&mut Command::new(binary()))
        .arg("--config.file")
        .arg(config)
        .arg("--web.listen-address")
        .arg(addr.to_string())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove("CONTACT_CENTER_EXPORTER_DEMO")
        .envs(env.iter().copied())
        .spawn()
        .expect("start exporter");
    let log = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let l2 = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            l2.lock().unwrap().push(line);
        }
    });
    (child, log)
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` line of /proc/<pid>/status (`VmRSS:`, `VmHWM:`, `RssAnon:`) in KiB; 0 when
/// absent.
pub fn proc_status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Minimal HTTP/1.1 client (one request per connection, `Connection: close`).
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Option<(u16, String, Vec<u8>)> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = buf[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Some((status, head, body))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..pos]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[pos + 2..pos + 2 + size]);
        b = &b[pos + 2 + size + 2..];
    }
    out
}

/// The value of the sample line starting with `metric_and_labels` (exact up to the
/// value), e.g. `contact_center_source_up{source="a",vendor="exotel"}`.
pub fn sample(text: &str, metric_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(metric_and_labels)?;
        let v = rest.strip_prefix(' ')?;
        v.trim().parse().ok()
    })
}

/// The lines of `text` that belong to families starting with one of `prefixes`
/// (HELP/TYPE included), for golden comparisons that skip volatile metrics.
pub fn select_families(text: &str, prefixes: &[&str]) -> String {
    let mut out = String::new();
    for l in text.lines() {
        let name = l
            .strip_prefix("# HELP ")
            .or_else(|| l.strip_prefix("# TYPE "))
            .unwrap_or(l)
            .split([' ', '{'])
            .next()
            .unwrap_or("");
        if prefixes.iter().any(|p| name.starts_with(p)) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Compares `actual` with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file.
pub fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {} (run with UPDATE_GOLDEN=1)",
            path.display()
        )
    });
    if want != actual {
        let mut diff = String::new();
        for l in want.lines().filter(|l| !actual.lines().any(|a| a == *l)) {
            diff.push_str(&format!("- {l}\n"));
        }
        for l in actual.lines().filter(|l| !want.lines().any(|w| w == *l)) {
            diff.push_str(&format!("+ {l}\n"));
        }
        panic!(
            "{} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{diff}",
            path.display()
        );
    }
}

/// The `families` of a scraped `text` must equal the golden file `name`, and the
/// whole text must pass `promtool check metrics` (where promtool is installed).
pub fn assert_golden_families(name: &str, text: &str, families: &[&str]) {
    assert_golden(name, &select_families(text, families));
    if let Some((ok, out)) = promtool_check_metrics(text) {
        assert!(ok, "promtool check metrics: {out}");
    }
}

/// Runs `promtool check metrics` on `text` when promtool is installed; returns its
/// output, or None when promtool is missing.
pub fn promtool_check_metrics(text: &str) -> Option<(bool, String)> {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    Some((out.status.success(), output_text(&out)))
}

/// The context of one poll at `now` for a source under test (a 5 s timeout, a plain
/// client, fresh counters).
pub fn poll_ctx(
    source: &str,
    now: chrono::DateTime<chrono::Utc>,
    max_bytes: u64,
) -> contact_center_exporter::http::PollContext {
    contact_center_exporter::http::PollContext::new(
        source,
        now,
        reqwest::Client::new(),
        Duration::from_secs(5),
        max_bytes,
        Arc::new(contact_center_exporter::http::RequestCounters::default()),
    )
}

/// The sum of every period value of `counter` in a snapshot's queue counts.
pub fn counter_total(
    counts: &[contact_center_exporter::model::PeriodValue<
        contact_center_exporter::model::QueueCount,
    >],
    counter: contact_center_exporter::model::QueueCounter,
) -> f64 {
    counts
        .iter()
        .filter(|p| p.series.counter == counter)
        .map(|p| p.value)
        .sum()
}

/// The proxy variables reqwest reads from the environment.
pub const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// `cmd` without the environment's proxy variables.
pub fn without_proxy_env(cmd: &mut Command) -> &mut Command {
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd
}

/// A finished command's standard output followed by its standard error.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether the suite must have the Debian tools (CI sets CI=true): then a missing
/// `prometheus`/`promtool` fails the test instead of skipping it.
pub fn tools_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}
