//! The exporter as a system service, through the real binary: the sd_notify protocol a
//! `Type=notify` unit relies on (READY once listening, RELOADING/READY around reloads,
//! WATCHDOG pings, STOPPING), and reloads that never interrupt serving.

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::example::{self, agents_available, exotel_mock, up};
use common::{free_port, http_request, sample, Exporter};

const WAIT: Duration = Duration::from_secs(15);

/// Kills the child when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The datagrams the exporter sends to its notify socket.
struct NotifySocket(UnixDatagram);

impl NotifySocket {
    /// The next message that is not a watchdog ping.
    fn next_state(&self) -> String {
        loop {
            let m = self.next();
            if m != "WATCHDOG=1\n" {
                return m;
            }
        }
    }

    fn next(&self) -> String {
        let mut buf = [0u8; 4096];
        let n = self
            .0
            .recv(&mut buf)
            .expect("a notification within the timeout");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

fn signal(child: &Child, sig: &str) {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
}

#[test]
fn sd_notify_ready_reloading_watchdog_stopping() {
    let mock = exotel_mock();
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(WAIT)).unwrap();
    let socket = NotifySocket(socket);
    let config = dir.path().join("config.yml");
    std::fs::write(&config, example::config(&["a"], &mock)).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();

    let child = Command::new(common::binary())
        .arg("--config.file")
        .arg(&config)
        .arg("--web.listen-address")
        .arg(addr.to_string())
        .arg("--web.enable-lifecycle")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .env_remove("CONTACT_CENTER_EXPORTER_DEMO")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Guard(child);

    // READY=1 comes once the listener is bound: the exporter answers right away.
    let ready = socket.next_state();
    assert_eq!(ready, "READY=1\nSTATUS=1 source(s)\n");
    let (status, _, _) = http_request(addr, "GET", "/-/healthy", &[]).expect("listening at READY");
    assert_eq!(status, 200);

    // Watchdog pings at half of WATCHDOG_USEC (200 ms): several in a second.
    let start = Instant::now();
    let mut pings = 0;
    while start.elapsed() < Duration::from_millis(1100) {
        if socket.next() == "WATCHDOG=1\n" {
            pings += 1;
        }
    }
    assert!((3..=8).contains(&pings), "{pings} watchdog pings in ~1.1s");

    // A reload over HTTP and one by SIGHUP each say RELOADING, then READY.
    let reloading = |socket: &NotifySocket| {
        let m = socket.next_state();
        let mut lines = m.lines();
        assert_eq!(lines.next(), Some("RELOADING=1"), "{m}");
        let usec: u64 = lines
            .next()
            .and_then(|l| l.strip_prefix("MONOTONIC_USEC="))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no MONOTONIC_USEC in {m:?}"));
        assert!(usec > 0);
        assert_eq!(socket.next_state(), "READY=1\nSTATUS=1 source(s)\n");
    };
    let (status, _, _) = http_request(addr, "POST", "/-/reload", &[]).unwrap();
    assert_eq!(status, 200);
    reloading(&socket);
    // A failed reload is still followed by READY (the old config stays in force).
    std::fs::write(&config, "sources: [").unwrap();
    signal(&child.0, "HUP");
    reloading(&socket);

    signal(&child.0, "TERM");
    assert_eq!(socket.next_state(), "STOPPING=1\n");
    let deadline = Instant::now() + WAIT;
    let code = loop {
        if let Some(st) = child.0.try_wait().unwrap() {
            break st.code();
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
}

/// Writes `text` to `path` atomically, so that a reload never reads a half-written file.
fn replace(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn reloads_keep_serving_throughout() {
    let mock = exotel_mock();
    let one = example::config(&["a"], &mock);
    let two = example::config(&["a", "b"], &mock);
    let e = Exporter::start(&one, &["--web.enable-lifecycle"]);
    e.wait_for_sample(&up("a"), 1.0, WAIT);

    // Scrape continuously while the config flips between adding a source, removing it,
    // and a broken file, reloaded by HTTP and by SIGHUP in turn.
    let stop = Arc::new(AtomicBool::new(false));
    let scrapes = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let scrapers: Vec<_> = (0..2)
        .map(|i| {
            let (stop, scrapes, failures, addr) =
                (stop.clone(), scrapes.clone(), failures.clone(), e.addr);
            std::thread::spawn(move || {
                let path = if i == 0 { "/metrics" } else { "/-/healthy" };
                while !stop.load(Ordering::SeqCst) {
                    match http_request(addr, "GET", path, &[]) {
                        Some((200, _, body)) if path == "/metrics" => {
                            let text = String::from_utf8_lossy(&body);
                            // Source a is in every valid config and never changes: its
                            // data must survive every reload.
                            if sample(&text, &agents_available("a")) != Some(1.0) {
                                failures.lock().unwrap().push("a's data missing".into());
                            }
                        }
                        Some((200, _, _)) => {}
                        other => failures
                            .lock()
                            .unwrap()
                            .push(format!("{path}: {:?}", other.map(|r| r.0))),
                    }
                    scrapes.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        })
        .collect();

    let mut reloads = 0;
    for round in 0..4 {
        for (text, ok) in [
            (two.as_str(), true),
            ("sources: [", false),
            (one.as_str(), true),
        ] {
            replace(&e.config, text);
            if round % 2 == 0 {
                let (status, _, body) = http_request(e.addr, "POST", "/-/reload", &[]).unwrap();
                assert_eq!(
                    status,
                    if ok { 200 } else { 500 },
                    "{}",
                    String::from_utf8_lossy(&body)
                );
            } else {
                e.signal("HUP");
                e.wait_until("the SIGHUP reload", WAIT, |e| {
                    let want = if ok { 1.0 } else { 0.0 };
                    sample(
                        &e.scrape(),
                        "contact_center_exporter_config_last_reload_successful",
                    ) == Some(want)
                });
            }
            reloads += 1;
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    // The last config has a only; b's series are gone; then b comes back and polls.
    e.wait_until("source b to vanish", WAIT, |e| {
        !e.scrape().contains("source=\"b\"")
    });
    replace(&e.config, &two);
    assert_eq!(
        http_request(e.addr, "POST", "/-/reload", &[]).unwrap().0,
        200
    );
    e.wait_for_sample(&up("b"), 1.0, WAIT);

    stop.store(true, Ordering::SeqCst);
    for s in scrapers {
        s.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    let n = scrapes.load(Ordering::SeqCst);
    assert!(
        failures.is_empty(),
        "{} of {n} requests failed during {reloads} reloads: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(n >= 40, "only {n} requests during the reloads");
}
