//! Issue 28's security demonstrations, through the real binary, each with a bounded
//! number of requests: a wrong-password flood does not stall authorized scrapes.
//! Everything listens on 127.0.0.1.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{http_request, sample, Exporter};

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A demo exporter whose web config has user `prometheus` (password `right`) at bcrypt
/// `cost`, with `args`.
fn demo_with_auth(cost: u32, args: &[&str]) -> Exporter {
    let dir = tempfile::tempdir().unwrap();
    let wc = dir.path().join("web.yml");
    let hash = bcrypt::hash("right", cost).unwrap();
    std::fs::write(&wc, format!("basic_auth_users:\n  prometheus: {hash}\n")).unwrap();
    let wc = wc.to_str().unwrap().to_string();
    let mut a = vec!["--demo.interval", "1s", "--web.config.file", &wc];
    a.extend_from_slice(args);
    let e = Exporter::demo(&a);
    // The directory must outlive the exporter's reads of the file.
    std::mem::forget(dir);
    e
}

/// `GET path` with `Authorization: auth`: the status, or 0 when there was no answer.
fn get_as(addr: SocketAddr, path: &str, auth: &str) -> u16 {
    http_request(addr, "GET", path, &[("Authorization", auth)]).map_or(0, |r| r.0)
}

/// 16 clients send 30 wrong passwords each (unknown user, so the slowest hash) while
/// one authorized client scrapes 40 times: every scrape answers 200 with p99 under 1 s,
/// the flood is refused (401, or 429 at once while bcrypt is busy) and the sources stay
/// up (their polls share the async workers with the server).
#[test]
fn a_wrong_password_flood_does_not_stall_authorized_scrapes() {
    let e = demo_with_auth(8, &[]);
    let ok = basic("prometheus", "right");
    // The first authorized request pays bcrypt once; later ones hit the cache.
    e.wait_until("an authorized scrape", Duration::from_secs(30), |e| {
        get_as(e.addr, "/metrics", &ok) == 200
    });
    let up = |e: &Exporter| {
        let (status, _, body) =
            http_request(e.addr, "GET", "/metrics", &[("Authorization", &ok)]).unwrap();
        assert_eq!(status, 200);
        sample(
            &String::from_utf8_lossy(&body),
            r#"contact_center_source_up{source="demo-exotel",vendor="exotel"}"#,
        )
    };
    e.wait_until("the demo sources to be up", Duration::from_secs(30), |e| {
        up(e) == Some(1.0)
    });

    let (refused_401, refused_429, other) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let flood: Vec<_> = (0..16)
        .map(|i| {
            let (addr, r401, r429, other) = (
                e.addr,
                refused_401.clone(),
                refused_429.clone(),
                other.clone(),
            );
            std::thread::spawn(move || {
                let bad = basic(&format!("nosuchuser{i}"), "wrong");
                for _ in 0..30 {
                    match get_as(addr, "/-/healthy", &bad) {
                        401 => r401.fetch_add(1, Ordering::Relaxed),
                        429 => r429.fetch_add(1, Ordering::Relaxed),
                        _ => other.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for _ in 0..40 {
        let start = Instant::now();
        assert_eq!(get_as(e.addr, "/metrics", &ok), 200);
        latencies.push(start.elapsed());
        std::thread::sleep(Duration::from_millis(25));
    }
    for t in flood {
        t.join().unwrap();
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let (r401, r429, other) = (
        refused_401.load(Ordering::Relaxed),
        refused_429.load(Ordering::Relaxed),
        other.load(Ordering::Relaxed),
    );
    eprintln!("authorized scrapes p99 {p99:?} (max {:?}); flood: {r401} x 401, {r429} x 429, {other} other", latencies.last().unwrap());
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}: {latencies:?}");
    assert_eq!(other, 0, "every flood request is refused with 401 or 429");
    assert_eq!(r401 + r429, 16 * 30);
    assert!(
        r429 > 0,
        "16 concurrent checks must find the bcrypt limit busy"
    );
    assert_eq!(up(&e), Some(1.0), "the sources kept polling");
}

/// `GET path` sent from the local address `from` (another loopback address is another
/// peer): the status, or `None` when the connection closed without an answer.
fn get_from(from: &str, to: SocketAddr, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket.bind(format!("{from}:0").parse().ok()?).ok()?;
        let mut s = tokio::time::timeout(Duration::from_secs(5), socket.connect(to))
            .await
            .ok()?
            .ok()?;
        let req = format!("GET {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.ok()?;
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
            .await
            .ok()?
            .ok()?;
        String::from_utf8_lossy(&buf)
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    })
}

/// One address holding its maximum of connections (idle, as a slow client keeps them)
/// gets further connections closed at once, while another address scrapes normally;
/// once it lets go, it scrapes again.
#[test]
fn one_peer_at_its_connection_cap_does_not_stop_another_scraping() {
    let e = Exporter::demo(&[
        "--demo.interval",
        "1s",
        "--web.max-connections-per-peer",
        "8",
    ]);
    let held: Vec<std::net::TcpStream> = (0..8)
        .map(|_| std::net::TcpStream::connect(e.addr).unwrap())
        .collect();
    // Let the server accept them.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        get_from("127.0.0.1", e.addr, "/metrics"),
        None,
        "a ninth connection from the same address is closed without an answer"
    );
    for _ in 0..5 {
        assert_eq!(get_from("127.0.0.2", e.addr, "/metrics"), Some(200));
    }
    drop(held);
    e.wait_until("127.0.0.1 to scrape again", Duration::from_secs(5), |e| {
        get_from("127.0.0.1", e.addr, "/metrics") == Some(200)
    });
}
