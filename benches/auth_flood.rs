//! Authorized scrape latency of the real (release) binary while clients flood it with
//! wrong passwords (issue 28): basic auth on (`prometheus` at bcrypt cost 10), `--demo`
//! with its five sources polling every second. The baseline is the same scrapes
//! without the flood, measured in the same run.
//!
//! The flood: 24 threads on 127.0.0.1 sending `GET /-/healthy` with an unknown user
//! (so every check runs the slowest hash) over fresh connections, as fast as they are
//! answered. The scraper: one client on 127.0.0.2 (another peer, as Prometheus is),
//! scraping `/metrics` with the right password every 20 ms.
//!
//! Run: `cargo bench --bench auth_flood` (prints a Markdown table).

#[path = "../tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{http_request, Exporter};

const SCRAPES: usize = 300;
const FLOOD_THREADS: usize = 24;

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// `GET path` with `auth` from local address `from`: (status, seconds).
async fn timed_get(from: &str, to: SocketAddr, path: &str, auth: &str) -> (u16, f64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let start = Instant::now();
    let status = async {
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket.bind(format!("{from}:0").parse().ok()?).ok()?;
        let mut s = socket.connect(to).await.ok()?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {to}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.ok()?;
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
            .await
            .ok()?
            .ok()?;
        String::from_utf8_lossy(&buf)
            .split_whitespace()
            .nth(1)?
            .parse::<u16>()
            .ok()
    }
    .await
    .unwrap_or(0);
    (status, start.elapsed().as_secs_f64())
}

/// `SCRAPES` authorized scrapes from 127.0.0.2, 20 ms apart: sorted latencies (s).
fn scrapes(addr: SocketAddr, auth: &str) -> Vec<f64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut out = rt.block_on(async {
        let mut out = Vec::with_capacity(SCRAPES);
        for _ in 0..SCRAPES {
            let (status, secs) = timed_get("127.0.0.2", addr, "/metrics", auth).await;
            assert_eq!(status, 200, "an authorized scrape failed");
            out.push(secs);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        out
    });
    out.sort_by(f64::total_cmp);
    out
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)] * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let wc = dir.path().join("web.yml");
    let hash = bcrypt::hash("right", 10).unwrap();
    std::fs::write(&wc, format!("basic_auth_users:\n  prometheus: {hash}\n")).unwrap();
    let e = Exporter::demo(&[
        "--demo.interval",
        "1s",
        "--log.level",
        "error",
        "--web.config.file",
        wc.to_str().unwrap(),
    ]);
    let ok = basic("prometheus", "right");
    e.wait_until("an authorized scrape", Duration::from_secs(30), |e| {
        http_request(e.addr, "GET", "/metrics", &[("Authorization", &ok)]).map(|r| r.0) == Some(200)
    });
    std::thread::sleep(Duration::from_secs(3));

    let baseline = scrapes(e.addr, &ok);

    let stop = Arc::new(AtomicBool::new(false));
    let (n401, n429, nother) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let flood_started = Instant::now();
    let flood: Vec<_> = (0..FLOOD_THREADS)
        .map(|i| {
            let (addr, stop, n401, n429, nother) = (
                e.addr,
                stop.clone(),
                n401.clone(),
                n429.clone(),
                nother.clone(),
            );
            std::thread::spawn(move || {
                let bad = basic(&format!("nosuchuser{i}"), "wrong");
                while !stop.load(Ordering::Relaxed) {
                    match http_request(addr, "GET", "/-/healthy", &[("Authorization", &bad)]) {
                        Some((401, _, _)) => n401.fetch_add(1, Ordering::Relaxed),
                        Some((429, _, _)) => n429.fetch_add(1, Ordering::Relaxed),
                        _ => nother.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let flooded = scrapes(e.addr, &ok);
    stop.store(true, Ordering::Relaxed);
    for t in flood {
        t.join().unwrap();
    }
    let flood_secs = flood_started.elapsed().as_secs_f64();
    let (ok401, ok429, other) = (
        n401.load(Ordering::Relaxed),
        n429.load(Ordering::Relaxed),
        nother.load(Ordering::Relaxed),
    );
    let (_, _, body) = http_request(e.addr, "GET", "/metrics", &[("Authorization", &ok)]).unwrap();
    let text = String::from_utf8_lossy(&body);
    let ups: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("contact_center_source_up{"))
        .collect();
    let up = ups.iter().filter(|l| l.ends_with(" 1")).count();

    println!("| authorized scrapes ({SCRAPES}, from another address) | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    for (name, l) in [
        ("baseline (no flood)", &baseline),
        ("during the flood", &flooded),
    ] {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            pct(l, 0.5),
            pct(l, 0.99),
            pct(l, 1.0)
        );
    }
    println!(
        "| ratio flood / baseline | {:.2}x | {:.2}x | |",
        pct(&flooded, 0.5) / pct(&baseline, 0.5),
        pct(&flooded, 0.99) / pct(&baseline, 0.99)
    );
    println!();
    println!(
        "flood: {FLOOD_THREADS} threads, {:.1} s: {ok401} x 401 ({:.1}/s), {ok429} x 429 ({:.0}/s), {other} other; demo sources up afterwards: {up} of {}",
        flood_secs,
        ok401 as f64 / flood_secs,
        ok429 as f64 / flood_secs,
        ups.len(),
    );
}
