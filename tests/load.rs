//! Load: 32 clients scrape `/metrics` (half of them asking for gzip) for 10 s while
//! sources of every vendor poll their (mock) APIs every second and the config is
//! reloaded every 200 ms, alternating between two files that add, remove and change
//! sources. No scrape may fail or come back incomplete, every reload must succeed,
//! and the exporter's resident memory must stay flat.

mod common;

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::fault::FaultServer;
use common::vendors;
use common::Exporter;

const CLIENTS: usize = 32;
const RUN: Duration = Duration::from_secs(10);

#[test]
fn concurrent_scrapes_during_polls_and_reloads() {
    let kits = vendors::all();
    let servers: Vec<FaultServer> = kits
        .iter()
        .map(|k| FaultServer::start(k.good.clone()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let source = |kit: &vendors::VendorKit, s: &FaultServer, name: &str, interval: &str| {
        format!(
            "  - name: {name}\n    vendor: {}\n    base_url: {}\n    interval: {interval}\n    timeout: 900ms\n{}",
            kit.vendor,
            s.url(),
            (kit.keys)(dir.path())
        )
    };
    // A: one source per vendor. B: the same, one of them with another interval (it
    // restarts), and two more (they start, and vanish again with A).
    let mut a = String::from("sources:\n");
    let mut b = String::from("sources:\n");
    for (i, (k, s)) in kits.iter().zip(&servers).enumerate() {
        let name = k.vendor.replace('_', "-");
        a += &source(k, s, &name, "1s");
        b += &source(k, s, &name, if i == 0 { "2s" } else { "1s" });
    }
    b += &source(&kits[1], &servers[1], "extra-1", "1s");
    b += &source(&kits[2], &servers[2], "extra-2", "1s");
    // All clients share 127.0.0.1: room for them beside the per-address default of 32.
    let e = Exporter::start(
        &a,
        &[
            "--web.enable-lifecycle",
            "--web.max-connections-per-peer",
            "64",
        ],
    );
    let path_a = dir.path().join("a.yml");
    let path_b = dir.path().join("b.yml");
    std::fs::write(&path_a, &a).unwrap();
    std::fs::write(&path_b, &b).unwrap();
    e.wait_until("every source up", Duration::from_secs(30), |e| {
        let t = e.scrape();
        kits.iter().all(|k| {
            common::sample(
                &t,
                &format!(
                    r#"contact_center_source_up{{source="{}",vendor="{}"}}"#,
                    k.vendor.replace('_', "-"),
                    k.vendor
                ),
            ) == Some(1.0)
        })
    });
    // Warm up (allocator, buffers), then the baseline.
    std::thread::sleep(Duration::from_secs(2));
    let rss_before = e.rss_bytes();

    let stop = Arc::new(AtomicBool::new(false));
    let scrapes = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let reloads = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for i in 0..CLIENTS {
            let (stop, scrapes, failures, addr) = (&stop, &scrapes, &failures, e.addr);
            scope.spawn(move || {
                let gzip = i % 2 == 0;
                let headers: &[(&str, &str)] = if gzip {
                    &[("Accept-Encoding", "gzip")]
                } else {
                    &[]
                };
                while !stop.load(Ordering::Relaxed) {
                    match common::http_request(addr, "GET", "/metrics", headers) {
                        Some((200, head, body)) => {
                            let text = if gzip {
                                if !head.to_ascii_lowercase().contains("content-encoding: gzip") {
                                    failures
                                        .lock()
                                        .unwrap()
                                        .push("gzip asked, not given".into());
                                    continue;
                                }
                                let mut s = String::new();
                                match flate2::read::GzDecoder::new(&body[..]).read_to_string(&mut s)
                                {
                                    Ok(_) => s,
                                    Err(err) => {
                                        failures.lock().unwrap().push(format!("bad gzip: {err}"));
                                        continue;
                                    }
                                }
                            } else {
                                String::from_utf8_lossy(&body).to_string()
                            };
                            // Complete: the vendor section, the self section, the end.
                            if !text.contains("contact_center_source_up{")
                                || !text.contains("contact_center_exporter_build_info{")
                                || !text.ends_with('\n')
                            {
                                failures
                                    .lock()
                                    .unwrap()
                                    .push(format!("incomplete scrape of {} bytes", text.len()));
                            }
                            scrapes.fetch_add(1, Ordering::Relaxed);
                        }
                        Some((status, _, _)) => {
                            failures.lock().unwrap().push(format!("status {status}"))
                        }
                        None => failures.lock().unwrap().push("connection failed".into()),
                    }
                }
            });
        }
        // Reloads, alternating A and B.
        let (stop, failures, reloads) = (&stop, &failures, &reloads);
        let (e, path_a, path_b) = (&e, &path_a, &path_b);
        scope.spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let from = if n.is_multiple_of(2) { path_b } else { path_a };
                std::fs::copy(from, &e.config).unwrap();
                match common::http_request(e.addr, "POST", "/-/reload", &[]) {
                    Some((200, _, _)) => {
                        reloads.fetch_add(1, Ordering::Relaxed);
                    }
                    other => failures.lock().unwrap().push(format!(
                        "reload: {:?}",
                        other.map(|o| (o.0, String::from_utf8_lossy(&o.2).to_string()))
                    )),
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        std::thread::sleep(RUN);
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    // Let the last reload settle, then measure.
    std::thread::sleep(Duration::from_secs(1));
    let rss_after = e.rss_bytes();
    let failures = failures.lock().unwrap();
    let scrapes = scrapes.load(Ordering::Relaxed);
    let reloads = reloads.load(Ordering::Relaxed);
    eprintln!(
        "{scrapes} scrapes ({:.0}/s) by {CLIENTS} clients and {reloads} reloads in {:.1}s; RSS {} -> {} KiB",
        scrapes as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024
    );
    assert!(
        failures.is_empty(),
        "{} failures, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(scrapes >= 200, "only {scrapes} scrapes");
    assert!(reloads >= 10, "only {reloads} reloads");
    assert!(
        rss_after < rss_before + 32 * 1024 * 1024,
        "RSS grew from {rss_before} to {rss_after} bytes"
    );
    // Still healthy, and the sources of the last config are all there.
    let text = e.scrape();
    assert!(
        text.contains(r#"contact_center_exporter_config_last_reload_successful 1"#),
        "{text}"
    );
    assert_eq!(e.get("/-/healthy").map(|r| r.0), Some(200));
}
