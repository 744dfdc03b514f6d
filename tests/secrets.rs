//! Secrets never leak: every vendor with distinctive secrets (tokens, passwords, a
//! Voximplant private key) runs through success and every failure mode, including
//! vendors that echo the request's `Authorization` header back in an error page, a
//! vendor error message or a malformed body, at `--log.level debug`. Neither a secret
//! nor the `Authorization` value built from it may appear in the log, `/metrics`, the
//! landing page, or `--config.check` output and config error messages.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::fault::{Fault, FaultServer, Rewrite};
use common::vendors::{self, VendorKit};
use common::{example, Exporter, Mock, MockResponse, Recorded};

/// An error body echoing the request's headers, as some gateways do.
fn echo_headers(status: u16) -> Rewrite {
    Arc::new(move |r: &Recorded, _| {
        let mut body = String::from("Bad request. You sent:\n");
        for (k, v) in &r.headers {
            body.push_str(&format!("{k}: {v}\n"));
        }
        MockResponse::status(status, body)
    })
}

/// A well-formed vendor error (in a 200 body) quoting the credentials back.
fn echo_in_vendor_error(vendor_error: fn(&str) -> String) -> Rewrite {
    Arc::new(move |r: &Recorded, _| {
        let auth = r.headers.get("authorization").cloned().unwrap_or_default();
        MockResponse::status(
            200,
            vendor_error(&format!("Authentication failed for {auth}")),
        )
    })
}

fn failure_modes(kit: &VendorKit) -> Vec<(&'static str, Fault)> {
    vec![
        ("s401", Fault::Status(401, None)),
        ("s403", Fault::Status(403, None)),
        ("s404", Fault::Status(404, None)),
        ("s429", Fault::Status(429, Some("1"))),
        ("s500", Fault::Status(500, None)),
        ("s503", Fault::Status(503, None)),
        ("refused", Fault::Refused),
        ("reset", Fault::Reset),
        ("hang", Fault::Hang),
        ("trickle", Fault::Trickle),
        ("truncated", Fault::Truncated),
        (
            "garbage",
            Fault::Body(kit.content_type, kit.garbage.clone()),
        ),
        (
            "wrongtypes",
            Fault::Body(kit.content_type, kit.wrong_types.clone()),
        ),
        ("endless", Fault::Endless),
        ("duplicate", Fault::Rewrite(kit.duplicate.clone())),
        ("clockahead", Fault::Rewrite(kit.clock_ahead.clone())),
        ("echo400", Fault::Rewrite(echo_headers(400))),
        ("echo401", Fault::Rewrite(echo_headers(401))),
        (
            "echovendor",
            Fault::Rewrite(echo_in_vendor_error(kit.vendor_error)),
        ),
    ]
}

/// What must never be printed: the secrets, and every `Authorization` header value
/// (and its credential part) the exporter sent.
fn forbidden(kits: &[VendorKit], servers: &[FaultServer]) -> Vec<String> {
    let mut out: Vec<String> = kits.iter().flat_map(|k| k.secrets.clone()).collect();
    for s in servers {
        for r in s.served() {
            if let Some(a) = &r.auth {
                out.push(a.clone());
                if let Some((_, cred)) = a.split_once(' ') {
                    out.push(cred.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for f in forbidden {
        assert!(
            !text.contains(f.as_str()),
            "{what} contains the secret {f:?}:\n{}",
            text.lines()
                .filter(|l| l.contains(f.as_str()))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// One exporter per vendor (a source per failure mode), so that the four run side by
/// side like the fault suite.
fn run_vendor(kit: VendorKit) {
    let kits = vec![kit];
    let dir = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    let mut yaml = String::from("sources:\n");
    let mut plan = Vec::new();
    for kit in &kits {
        for (case, fault) in std::iter::once(("ok", Fault::Good)).chain(failure_modes(kit)) {
            let s = FaultServer::start(kit.good.clone());
            let name = format!("{}-{case}", kit.vendor.replace('_', "-"));
            yaml += &format!(
                "  - name: {name}\n    vendor: {}\n    base_url: {}\n    interval: 1s\n    timeout: 900ms\n    max_response_bytes: 262144\n{}",
                kit.vendor,
                s.url(),
                (kit.keys)(dir.path())
            );
            plan.push((name, fault));
            servers.push(s);
        }
    }
    let e = Exporter::start(&yaml, &["--log.level", "debug"]);
    let sample = |text: &str, metric: &str, name: &str| {
        common::sample(
            text,
            &format!(
                r#"{metric}{{source="{name}",vendor="{}"}}"#,
                vendor_of(&kits, name)
            ),
        )
    };
    // Success first: every source has succeeded once.
    e.wait_until(
        "every source to succeed once",
        Duration::from_secs(60),
        |e| {
            let text = e.scrape();
            plan.iter().all(|(n, _)| {
                sample(
                    &text,
                    "contact_center_source_last_success_timestamp_seconds",
                    n,
                )
                .is_some_and(|v| v > 0.0)
            })
        },
    );
    let before: Vec<usize> = servers.iter().map(|s| s.served().len()).collect();
    for ((_, f), s) in plan.iter().zip(&servers) {
        s.set(f.clone());
    }
    // Then every failure mode has been served at least twice (refused: has failed).
    e.wait_until("every fault served", Duration::from_secs(60), |e| {
        let text = e.scrape();
        plan.iter()
            .zip(&servers)
            .zip(&before)
            .all(|(((n, f), s), b)| match f {
                Fault::Refused => sample(&text, "contact_center_source_consecutive_failures", n)
                    .is_some_and(|v| v >= 1.0),
                _ => s.served().len() >= b + 2,
            })
    });
    let metrics = e.scrape();
    let (status, _, landing) = e.get("/").unwrap();
    assert_eq!(status, 200);
    let landing = String::from_utf8(landing).unwrap();
    let echoes = plan
        .iter()
        .filter(|(n, _)| n.contains("echo"))
        .map(|(n, _)| n.clone())
        .collect::<Vec<_>>();
    for n in &echoes {
        assert!(
            e.log_lines()
                .iter()
                .any(|l| l.contains("poll failed") && l.contains(n.as_str())),
            "{n}: no failed poll logged"
        );
    }
    let forbidden = forbidden(&kits, &servers);
    assert!(forbidden.len() >= 2, "{forbidden:?}");
    let log = e.log_lines().join("\n");
    assert!(log.contains("level=debug"), "debug logging is on");
    assert_clean("the log", &log, &forbidden);
    assert_clean("/metrics", &metrics, &forbidden);
    assert_clean("the landing page", &landing, &forbidden);
    // The landing page does show what failed.
    assert!(landing.contains("HTTP 401"), "{landing}");

    // --config.check of the same config prints a line per source, no secret.
    let text = e.config_check();
    assert!(
        text.contains(&format!("{}-ok", kits[0].vendor.replace('_', "-"))),
        "{text}"
    );
    assert_clean("--config.check", &text, &forbidden);
}

/// Every vendor in the registry (each on its own thread).
#[test]
fn secrets_never_leak_for_any_vendor() {
    vendors::for_each_vendor(run_vendor);
}

fn vendor_of<'a>(kits: &'a [VendorKit], source: &str) -> &'a str {
    kits.iter()
        .find(|k| source.starts_with(&k.vendor.replace('_', "-")))
        .map(|k| k.vendor)
        .unwrap()
}

/// Broken configs next to secrets: errors name the key, never the value.
#[test]
fn config_errors_never_print_a_secret() {
    let secret = vendors::EXOTEL_PASSWORD;
    let token = vendors::EIGHT_TOKEN;
    let e88a = vendors::E88A_SECRET;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("pw");
    std::fs::write(&secret_file, secret).unwrap();
    let exotel = |extra: &str| {
        format!("sources:\n  - name: a\n    vendor: exotel\n    base_url: http://127.0.0.1:1\n    cc_id: 6\n    username: u\n{extra}")
    };
    let cases = [
        // Both the secret and its file.
        exotel(&format!("    password: {secret}\n    password_file: {}\n", secret_file.display())),
        // The secret under a key this vendor does not know.
        exotel(&format!("    password: x\n    token: {secret}\n")),
        // A misspelt key holding the secret.
        exotel(&format!("    passwrd: {secret}\n")),
        // The secret as a list or map instead of a string.
        exotel(&format!("    password: [{secret}]\n")),
        exotel(&format!("    password: {{v: {secret}}}\n")),
        // Broken YAML on the secret's line.
        exotel(&format!("    password: \"{secret}\n")),
        exotel(&format!("    password: {secret}: {secret}\n")),
        // A secret with a control character (cannot be a header value).
        exotel(&format!("    password: \"{secret}\\u0007\"\n")),
        // The token in the URL.
        format!("sources:\n  - name: b\n    vendor: eight_by_eight\n    base_url: https://acme:{token}@vcc-na4.8x8.com\n    tenant: acme\n    token: {token}\n"),
        format!("sources:\n  - name: b\n    vendor: eight_by_eight\n    base_url: https://vcc-na4.8x8.com/?t={token}\n    tenant: acme\n    token: {token}\n"),
        // A proxy URL with a password: a scheme it cannot be, a path, both keys, a
        // wrong type, a broken line.
        exotel(&format!("    password: x\n    proxy_url: socks5://ops:{secret}@proxy:1080\n")),
        exotel(&format!("    password: x\n    proxy_url: http://ops:{secret}@proxy:3128/x\n")),
        exotel(&format!("    password: x\n    proxy_url: http://ops:{secret}@proxy:99999\n")),
        exotel(&format!("    password: x\n    proxy_url: http://ops:{secret}@proxy:3128\n    proxy_url_file: {}\n", secret_file.display())),
        exotel(&format!("    password: x\n    proxy_url: [http://ops:{secret}@proxy:3128]\n")),
        exotel(&format!("    password: x\n    proxy_url: \"http://ops:{secret}@proxy:3128\n")),
        exotel(&format!("    password: x\n    proxy_url_file: {}\n", secret_file.display())),
        // A duplicate source name after valid secrets.
        format!("sources:\n  - name: b\n    vendor: eight_by_eight\n    base_url: https://x\n    tenant: acme\n    token: {token}\n  - name: b\n    vendor: eight_by_eight\n    base_url: https://x\n    tenant: acme\n    token: {token}\n"),
        // The API key's secret inline and as a file, as a list, under a misspelt key.
        format!("sources:\n  - name: c\n    vendor: eight_by_eight_analytics\n    client_id: k\n    client_secret: {e88a}\n    client_secret_file: {}\n", secret_file.display()),
        format!("sources:\n  - name: c\n    vendor: eight_by_eight_analytics\n    client_id: k\n    client_secret: [{e88a}]\n"),
        format!("sources:\n  - name: c\n    vendor: eight_by_eight_analytics\n    client_id: k\n    client_secrt: {e88a}\n"),
    ];
    for (i, yaml) in cases.iter().enumerate() {
        let path = dir.path().join(format!("c{i}.yml"));
        std::fs::write(&path, yaml).unwrap();
        let out = Command::new(common::binary())
            .args(["--config.check", "--config.file"])
            .arg(&path)
            .output()
            .unwrap();
        let text = common::output_text(&out);
        eprintln!("case {i}: exit {:?}: {}", out.status.code(), text.trim());
        for s in [secret, token, e88a] {
            assert!(
                !text.contains(s),
                "case {i} prints the secret:\n{yaml}\n---\n{text}"
            );
        }
    }
}

/// The proxy's credentials (`proxy_url: http://user:password@…`) never show: not when
/// proxies answer 407 or 502 echoing the request's headers (`Proxy-Authorization`
/// included) into the landing page's last error, not in the debug log, `/metrics` or
/// `--config.check`.
#[test]
fn proxy_credentials_never_leak() {
    const USER: &str = "ops-user";
    const PASSWORD: &str = "Proxy-Pass-5521";
    let echo = |status: u16| {
        Mock::start(move |r: &Recorded| {
            let mut body = format!("Proxy says no to {}. You sent:\n", r.target);
            for (k, v) in &r.headers {
                body.push_str(&format!("{k}: {v}\n"));
            }
            MockResponse::status(status, body)
        })
    };
    let vendor = example::exotel_mock();
    let proxies = [
        ("ok", example::exotel_mock()),
        ("echo407", echo(407)),
        ("echo502", echo(502)),
    ];
    let mut yaml = String::from("sources:\n");
    for (name, proxy) in &proxies {
        yaml += &example::source_yaml(
            name,
            &vendor,
            &format!("    proxy_url: http://{USER}:{PASSWORD}@{}\n", proxy.addr),
        );
    }
    let e = Exporter::start(&yaml, &["--log.level", "debug"]);
    e.wait_for_sample(&example::up("ok"), 1.0, Duration::from_secs(15));
    e.wait_until(
        "both echoing proxies to be asked twice",
        Duration::from_secs(20),
        |_| proxies[1..].iter().all(|(_, p)| p.recorded().len() >= 2),
    );
    e.wait_until("the failures to be logged", Duration::from_secs(10), |e| {
        let log = e.log_lines().join("\n");
        log.contains("echo407") && log.contains("echo502")
    });
    // The proxies did get the credentials, so they were there to leak.
    let sent = proxies[1].1.recorded()[0].headers["proxy-authorization"].clone();
    assert!(sent.starts_with("Basic "), "{sent}");
    let mut forbidden = vec![
        PASSWORD.to_string(),
        format!("{USER}:{PASSWORD}"),
        sent.clone(),
        sent["Basic ".len()..].to_string(),
    ];
    forbidden.sort();
    let (status, _, landing) = e.get("/").unwrap();
    assert_eq!(status, 200);
    let landing = String::from_utf8(landing).unwrap();
    assert!(landing.contains("HTTP 407"), "{landing}");
    assert!(landing.contains("HTTP 502"), "{landing}");
    // The echo made it into the last error, redacted.
    assert!(
        landing.contains("proxy-authorization: &lt;redacted&gt;")
            || landing.contains("proxy-authorization: <redacted>"),
        "{landing}"
    );
    assert!(
        vendor.recorded().is_empty(),
        "the vendor was reached directly"
    );
    let log = e.log_lines().join("\n");
    assert!(log.contains("level=debug"), "debug logging is on");
    assert_clean("the log", &log, &forbidden);
    assert_clean("/metrics", &e.scrape(), &forbidden);
    assert_clean("the landing page", &landing, &forbidden);
    let text = e.config_check();
    assert!(text.contains("(with credentials)"), "{text}");
    assert_clean("--config.check", &text, &forbidden);
}
