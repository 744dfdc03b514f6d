//! Issue 28's security demonstrations, through the real binary, each with a bounded
//! number of requests: a wrong-password flood does not stall authorized scrapes; one
//! address at its connection cap does not stop another; numeric secrets are never
//! echoed; `/-/reload` needs `--web.enable-lifecycle` and refuses cross-site requests;
//! credentials of a proxy from the environment are redacted; a vendor's redirect to
//! another origin is refused.
//! Everything listens on 127.0.0.1.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::example::{self, exotel_mock};
use common::{http_request, sample, Exporter, Mock, MockResponse};
use contact_center_exporter::sources::REGISTRY;

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

/// Every secret key of every vendor (found from the registry, so a new vendor is
/// covered), written as an unquoted YAML integer, appears neither in `--config.check`'s
/// output, nor in the answer of a refused reload, nor in the log. And an unquoted
/// numeric password is accepted and sent as its digits.
#[test]
fn numeric_secrets_of_every_vendor_are_never_echoed() {
    const SECRET: &str = "20241107913";
    let mock = exotel_mock();
    let e = Exporter::start(
        &example::config(&["main"], &mock),
        &["--web.enable-lifecycle"],
    );
    e.wait_for_sample(&example::up("main"), 1.0, Duration::from_secs(15));
    let mut checked = Vec::new();
    for vendor in REGISTRY {
        for key in vendor.secret_keys() {
            // Refused for sure (the secret twice, and likely other keys missing), after
            // the secret has been decoded.
            let yaml = format!(
                "sources:\n  - name: s\n    vendor: {}\n    base_url: http://127.0.0.1:1\n    {key}: {SECRET}\n    {key}_file: /nonexistent\n",
                vendor.as_str()
            );
            std::fs::write(&e.config, &yaml).unwrap();
            let (code, text) = e.try_config_check();
            assert_eq!(code, Some(1), "{text}");
            assert!(!text.contains(SECRET), "{}.{key}: {text}", vendor.as_str());
            let logged = e.reload_refused();
            assert!(
                !logged.contains(SECRET),
                "{}.{key}: {logged}",
                vendor.as_str()
            );
            checked.push(format!("{}.{key}", vendor.as_str()));
        }
    }
    assert!(checked.len() >= REGISTRY.len() - 1, "{checked:?}");
    let log = e.log_lines().join("\n");
    assert!(!log.contains(SECRET), "{log}");

    // Accepted as written: the vendor gets the digits.
    std::fs::write(
        &e.config,
        example::config(&["main"], &mock).replace("pw-Secret-4711", "20241107"),
    )
    .unwrap();
    let (status, _, body) = http_request(e.addr, "POST", "/-/reload", &[]).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let want = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("api:20241107")
        )
    };
    e.wait_until(
        "a poll with the numeric password",
        Duration::from_secs(15),
        |_| {
            mock.recorded()
                .iter()
                .any(|r| r.headers.get("authorization") == Some(&want))
        },
    );
}

/// `/-/reload`: 403 without `--web.enable-lifecycle`; with it, POST only, 403 for a
/// cross-site request (a form POST from another origin, or `Sec-Fetch-Site:
/// cross-site`), 200 for a plain POST and for the same origin. `SIGHUP` works either way.
#[test]
fn reload_needs_the_lifecycle_flag_and_the_same_origin() {
    let mock = exotel_mock();
    let config = example::config(&["main"], &mock);
    let reload = |e: &Exporter, headers: &[(&str, &str)]| {
        http_request(e.addr, "POST", "/-/reload", headers).map(|r| r.0)
    };
    let reload_ts = |e: &Exporter| {
        sample(
            &e.scrape(),
            "contact_center_exporter_config_last_reload_success_timestamp_seconds",
        )
    };

    let off = Exporter::start(&config, &[]);
    assert_eq!(reload(&off, &[]), Some(403));
    assert_eq!(off.get("/-/reload").map(|r| r.0), Some(403));
    let before = reload_ts(&off);
    std::thread::sleep(Duration::from_millis(1100));
    off.signal("HUP");
    off.wait_until("the SIGHUP reload", Duration::from_secs(10), |e| {
        reload_ts(e) != before
    });

    let on = Exporter::start(&config, &["--web.enable-lifecycle"]);
    let own = format!("http://{}", on.addr);
    assert_eq!(on.get("/-/reload").map(|r| r.0), Some(405));
    assert_eq!(
        http_request(on.addr, "PUT", "/-/reload", &[]).map(|r| r.0),
        Some(405)
    );
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    assert_eq!(
        reload(&on, &[("Origin", "http://evil.example"), form]),
        Some(403)
    );
    assert_eq!(reload(&on, &[("Origin", "null"), form]), Some(403));
    assert_eq!(
        reload(&on, &[("Origin", &format!("https://{}", on.addr))]),
        Some(403),
        "another scheme is another origin"
    );
    assert_eq!(reload(&on, &[("Sec-Fetch-Site", "cross-site")]), Some(403));
    assert_eq!(reload(&on, &[("Sec-Fetch-Site", "same-site")]), Some(403));
    let log = on.log_lines().join("\n");
    assert!(log.contains("refused a cross-site reload request"), "{log}");
    assert_eq!(reload(&on, &[]), Some(200));
    assert_eq!(
        reload(&on, &[("Origin", &own), ("Sec-Fetch-Site", "same-origin")]),
        Some(200)
    );
}

/// An Exotel source at `base_url` polled every second, named `name`.
fn exotel_source(name: &str, base_url: &str) -> String {
    format!(
        "sources:\n  - name: {name}\n    vendor: exotel\n    base_url: {base_url}\n    cc_id: 6\n    username: api\n    password: pw-Secret-4711\n    interval: 1s\n    timeout: 500ms\n"
    )
}

/// `HTTP_PROXY=http://ops:S3cretProxyPw@…` and a proxy that echoes the
/// `Proxy-Authorization` it got in its 502: neither the status page nor the log shows
/// the password, the pair or its base64 (as with `proxy_url`).
#[test]
fn environment_proxy_credentials_are_redacted_on_the_status_page_and_in_the_log() {
    let proxy = Mock::start(|r| {
        MockResponse::status(
            502,
            format!(
                "rejected credentials {} for {}",
                r.headers
                    .get("proxy-authorization")
                    .map_or("(none)", String::as_str),
                "ops:S3cretProxyPw"
            ),
        )
    });
    let env_proxy = format!("http://ops:S3cretProxyPw@{}", proxy.addr);
    let e = Exporter::start_env(
        &exotel_source("viaenv", "http://127.0.0.1:9"),
        &[],
        &[("HTTP_PROXY", env_proxy.as_str())],
    );
    let page = |e: &Exporter| String::from_utf8_lossy(&e.get("/").unwrap().2).to_string();
    e.wait_until(
        "the proxy's 502 on the status page",
        Duration::from_secs(15),
        |e| page(e).contains("HTTP 502"),
    );
    // The proxy did get the credentials (so an echo was possible).
    let sent = format!("Basic {}", {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("ops:S3cretProxyPw")
    });
    assert!(proxy
        .recorded()
        .iter()
        .any(|r| r.headers.get("proxy-authorization") == Some(&sent)));
    let page = page(&e);
    let log = e.log_lines().join("\n");
    for (what, text) in [("status page", &page), ("log", &log)] {
        assert!(!text.contains("S3cretProxyPw"), "{what}: {text}");
        assert!(!text.contains("b3BzOlMzY3JldFByb3h5UHc"), "{what}: {text}");
        assert!(text.contains("redacted"), "{what}: {text}");
    }
}

/// A vendor that redirects to another origin (another port of 127.0.0.1): the request
/// fails with a clear error, the other server receives nothing (so no credentials);
/// a redirect within the vendor's own origin is followed.
#[test]
fn a_cross_origin_redirect_is_refused_and_carries_no_credentials() {
    let other = Mock::start(|_| MockResponse::json(example::EMPTY));
    let other_url = other.url("");
    let vendor = Mock::start(move |r| MockResponse {
        status: 302,
        headers: vec![("location".into(), format!("{other_url}{}", r.target))],
        body: Vec::new(),
        delay: Duration::ZERO,
    });
    let e = Exporter::start(&exotel_source("redirected", &vendor.url("")), &[]);
    let want = format!("redirect to another origin (http://{}) refused", other.addr);
    e.wait_until(
        "the refused redirect in the log",
        Duration::from_secs(15),
        |e| e.log_lines().iter().any(|l| l.contains(&want)),
    );
    assert!(other.recorded().is_empty(), "{:?}", other.recorded());
    assert!(vendor
        .recorded()
        .iter()
        .all(|r| r.headers.contains_key("authorization")));
    assert_eq!(sample(&e.scrape(), &example::up("redirected")), Some(0.0));

    // Within the same origin: followed, with the credentials.
    let moving = Mock::start(|r| {
        if r.target.starts_with("/moved") {
            match r.param("table-name") {
                Some("user-session-information") if r.headers.contains_key("authorization") => {
                    MockResponse::json(example::EXAMPLE)
                }
                _ => MockResponse::json(example::EMPTY),
            }
        } else {
            MockResponse {
                status: 307,
                headers: vec![("location".into(), format!("/moved{}", r.target))],
                body: Vec::new(),
                delay: Duration::ZERO,
            }
        }
    });
    let e = Exporter::start(&exotel_source("moved", &moving.url("")), &[]);
    e.wait_for_sample(
        &example::agents_available("moved"),
        1.0,
        Duration::from_secs(15),
    );
}
