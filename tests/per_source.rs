//! The per-source keys of every vendor, through the real binary: static `labels` on every
//! series of their source and on no other, `proxy_url` (and the proxy environment
//! variables without it), and `opening_hours` as `contact_center_source_open`; bad
//! values of each rejected by `--config.check` and by a reload, naming what is wrong.
//!
//! Every server is on 127.0.0.1: the vendor mocks, and the proxies, which are mocks too
//! (a request sent to a proxy arrives in absolute form, `GET http://host:port/path`,
//! and the proxy answers it itself as the vendor would).

mod common;

use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};
use common::example::{self, exotel_mock};
use common::{http_request, sample, Exporter, Mock, Recorded};

/// `contact_center_source_up` of `name` with its static labels `statics`
/// (`,region="eu"` or empty), the way the exporter writes them: after the series' own
/// labels, sorted by name.
fn up(name: &str, statics: &str) -> String {
    format!(r#"contact_center_source_up{{source="{name}",vendor="exotel"{statics}}}"#)
}

fn open(name: &str) -> String {
    format!(r#"contact_center_source_open{{source="{name}",vendor="exotel"}}"#)
}

fn openmetrics(e: &Exporter) -> String {
    let (status, head, body) = http_request(
        e.addr,
        "GET",
        "/metrics",
        &[("Accept", "application/openmetrics-text; version=1.0.0")],
    )
    .unwrap();
    assert_eq!(status, 200);
    assert!(
        head.contains("application/openmetrics-text"),
        "not OpenMetrics: {head}"
    );
    String::from_utf8(body).unwrap()
}

/// The `source` label of a sample line, if it has one.
fn source_of(line: &str) -> Option<&str> {
    let rest = &line[line.find("source=\"")? + 8..];
    Some(&rest[..rest.find('"')?])
}

#[test]
fn static_labels_are_on_every_series_of_their_source_and_on_no_other() {
    let mock = exotel_mock();
    let yaml = format!(
        "global:\n  labels: {{region: eu, tenant: shared}}\nsources:\n{}{}",
        example::source_yaml(
            "budapest",
            &mock,
            "    labels:\n      tenant: acme\n      site: budapest\n"
        ),
        example::source_yaml("plain", &mock, ""),
    );
    let e = Exporter::start(&yaml, &[]);
    let a = r#",region="eu",site="budapest",tenant="acme""#;
    let b = r#",region="eu",tenant="shared""#;
    e.wait_for_sample(&up("budapest", a), 1.0, Duration::from_secs(15));
    e.wait_for_sample(&up("plain", b), 1.0, Duration::from_secs(15));
    // Vendor data too, with the series' own labels first.
    e.wait_for_sample(
        &format!(
            r#"contact_center_agents{{source="budapest",vendor="exotel",state="available"{a}}}"#
        ),
        1.0,
        Duration::from_secs(15),
    );
    for (format, text) in [("text", e.scrape()), ("OpenMetrics", openmetrics(&e))] {
        let mut families = std::collections::BTreeSet::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            match source_of(line) {
                Some("budapest") => {
                    assert!(
                        line.contains(&format!("{a}}}")) || line.contains(&format!("{a},le=")),
                        "{format}: {line}"
                    );
                    families.insert(name.to_string());
                }
                Some("plain") => {
                    assert!(
                        line.contains(&format!("{b}}}")) || line.contains(&format!("{b},le=")),
                        "{format}: {line}"
                    );
                    assert!(!line.contains("site="), "{format}: {line}");
                }
                Some(other) => panic!("{format}: unknown source {other}: {line}"),
                // The exporter's own series belong to no source.
                None => assert!(
                    !line.contains("tenant=") && !line.contains("region="),
                    "{format}: {line}"
                ),
            }
        }
        // Vendor data, status and the per-scrape open gauge all carry them.
        for f in [
            "contact_center_agents",
            "contact_center_agents_by_vendor_state",
            "contact_center_queue_agents",
            "contact_center_source_up",
            "contact_center_source_last_success_timestamp_seconds",
            "contact_center_source_requests_total",
            "contact_center_source_records_total",
            "contact_center_source_poll_duration_seconds_bucket",
            "contact_center_source_open",
        ] {
            assert!(
                families.contains(f),
                "{format}: no {f} with labels: {families:?}"
            );
        }
    }
    if let Some((ok, out)) = common::promtool_check_metrics(&e.scrape()) {
        assert!(ok, "promtool check metrics: {out}");
    }
}

/// Three sources: one with `proxy_url` (with credentials) reaches its vendor only
/// through that proxy; one without it follows `HTTP_PROXY` from the environment; one
/// whose host is in `NO_PROXY` goes direct. No source uses another's proxy.
#[test]
fn proxy_url_and_the_proxy_environment() {
    let vendor_behind_proxy = exotel_mock();
    let vendor_behind_env = exotel_mock();
    let vendor_direct = exotel_mock();
    let proxy = exotel_mock();
    let env_proxy = exotel_mock();
    let direct_url = format!("http://localhost:{}", vendor_direct.addr.port());
    let yaml = format!(
        "sources:\n{}{}{}",
        example::source_yaml(
            "proxied",
            &vendor_behind_proxy,
            &format!(
                "    proxy_url: http://ops%40acme:Proxy-Pass-5521@{}\n",
                proxy.addr
            )
        ),
        example::source_yaml("env", &vendor_behind_env, ""),
        example::source_yaml("direct", &vendor_direct, "")
            .replace(&vendor_direct.url(""), &direct_url),
    );
    let env_proxy_url = env_proxy.url("");
    let e = Exporter::start_env(
        &yaml,
        &[],
        &[
            ("HTTP_PROXY", env_proxy_url.as_str()),
            ("NO_PROXY", "localhost"),
        ],
    );
    for name in ["proxied", "env", "direct"] {
        e.wait_for_sample(&up(name, ""), 1.0, Duration::from_secs(15));
        e.wait_for_sample(
            &example::agents_available(name),
            1.0,
            Duration::from_secs(15),
        );
    }

    // The proxied source's vendor saw nothing; its proxy saw only absolute-form
    // requests for that vendor, each with the proxy credentials (percent-decoded).
    let want_auth = format!("Basic {}", base64_encode("ops@acme:Proxy-Pass-5521"));
    for r in &only_through(&proxy, &vendor_behind_proxy) {
        assert_eq!(r.headers.get("proxy-authorization"), Some(&want_auth));
        // The vendor's own credentials still go to the vendor, through the proxy.
        assert!(r.headers.contains_key("authorization"));
    }

    // The environment's proxy carried only the source without proxy_url.
    for r in &only_through(&env_proxy, &vendor_behind_env) {
        assert!(!r.headers.contains_key("proxy-authorization"));
    }

    // NO_PROXY: direct, with the origin-form target of a direct request.
    let direct = vendor_direct.recorded();
    assert!(!direct.is_empty());
    assert!(
        direct.iter().all(|r| r.target.starts_with('/')),
        "{direct:?}"
    );

    // --config.check shows where the proxy is, not its credentials.
    let text = e.config_check();
    assert!(
        text.contains(&format!("proxy http://{}/ (with credentials)", proxy.addr)),
        "{text}"
    );
    assert!(
        !text.contains("Proxy-Pass-5521") && !text.contains("ops%40acme"),
        "{text}"
    );
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// `DAY HH:MM-HH:MM` for the local times `from`..`to` (less than a day apart): an
/// entry on `from`'s weekday that runs past midnight when `to` is on the next day.
fn entry<Tz: chrono::TimeZone>(from: DateTime<Tz>, to: DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    format!(
        "{} {}-{}",
        DAYS[from.weekday().num_days_from_monday() as usize],
        from.format("%H:%M"),
        to.format("%H:%M")
    )
}

#[test]
fn open_follows_the_opening_hours_at_scrape_time() {
    let mock = exotel_mock();
    let now = Utc::now();
    let kolkata = now.with_timezone(&chrono_tz::Asia::Kolkata);
    let hour = chrono::Duration::hours(1);
    // Open from an hour ago to in an hour, in Kolkata's own clock (UTC+05:30).
    let inside = entry(kolkata - hour, kolkata + hour);
    // Open only from two to three hours from now.
    let outside = entry(now + hour * 2, now + hour * 3);
    // Open all week, but today (and tomorrow, should the test cross midnight) closed.
    let today = now.date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let yaml = format!(
        "sources:\n{}{}{}{}",
        example::source_yaml(
            "inside",
            &mock,
            &format!("    opening_hours:\n      time_zone: Asia/Kolkata\n      weekly: [\"{inside}\"]\n")
        ),
        example::source_yaml(
            "outside",
            &mock,
            &format!("    opening_hours:\n      weekly: [\"{outside}\"]\n")
        ),
        example::source_yaml(
            "holiday",
            &mock,
            &format!("    opening_hours:\n      time_zone: UTC\n      weekly: [\"mon-sun 00:00-24:00\"]\n      closed: [\"{today}\", \"{tomorrow}\"]\n")
        ),
        example::source_yaml("always", &mock, ""),
    );
    let e = Exporter::start(&yaml, &[]);
    e.wait_for_sample(&up("always", ""), 1.0, Duration::from_secs(15));
    let text = e.scrape();
    let om = openmetrics(&e);
    for body in [&text, &om] {
        assert_eq!(
            sample(body, &open("inside")),
            Some(1.0),
            "{inside}:\n{body}"
        );
        assert_eq!(
            sample(body, &open("outside")),
            Some(0.0),
            "{outside}:\n{body}"
        );
        assert_eq!(
            sample(body, &open("holiday")),
            Some(0.0),
            "{today}:\n{body}"
        );
        assert_eq!(sample(body, &open("always")), Some(1.0));
    }
    assert!(text.contains("# TYPE contact_center_source_open gauge\n"));
    assert!(
        om.ends_with("# EOF\n") && om.matches("# EOF").count() == 1,
        "{om}"
    );
    // Closed or not, the source still polls and reports.
    assert_eq!(sample(&text, &up("holiday", "")), Some(1.0));
    if let Some((ok, out)) = common::promtool_check_metrics(&text) {
        assert!(ok, "promtool check metrics: {out}");
    }
}

/// One bad value of each key: `--config.check` fails naming it, and a reload keeps the
/// running configuration and answers the same error.
#[test]
fn bad_labels_proxy_and_hours_are_rejected_by_check_and_reload() {
    let mock = exotel_mock();
    let good = example::config(&["main"], &mock);
    let mut e = Exporter::start(&good, &["--web.enable-lifecycle"]);
    e.wait_for_sample(&up("main", ""), 1.0, Duration::from_secs(15));
    let cases = [
        (
            "    labels: {tenant: acme, queue: sales}\n",
            "sources[0].labels.queue: \"queue\" is a label the exporter or Prometheus sets itself",
        ),
        (
            "    labels: {__tenant: acme}\n",
            "sources[0].labels.__tenant: \"__tenant\": label names starting with \"__\" are reserved for Prometheus",
        ),
        (
            "    proxy_url: socks5://ops:Proxy-Pass-5521@127.0.0.1:1080\n",
            "sources[0].proxy_url: scheme must be http or https, not \"socks5\"",
        ),
        (
            "    opening_hours:\n      weekly: [\"mon-fri 08:00-18:00\", \"sat-sonday 09:00-13:00\"]\n",
            "sources[0].opening_hours.weekly[1]: \"sat-sonday 09:00-13:00\": unknown day \"sonday\"",
        ),
        (
            "    opening_hours:\n      weekly: [\"mon-fri 08:00-18:00\"]\n      closed: [\"2026-12-32\"]\n",
            "sources[0].opening_hours.closed[0]: \"2026-12-32\" is not a date",
        ),
    ];
    for (extra, want) in cases {
        let yaml = format!("sources:\n{}", example::source_yaml("main", &mock, extra));
        std::fs::write(&e.config, &yaml).unwrap();
        let (code, text) = e.try_config_check();
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains(want),
            "--config.check: want {want:?}, got {text}"
        );
        assert!(text.contains(&format!("{}:", e.config.display())), "{text}");
        assert!(!text.contains("Proxy-Pass-5521"), "{text}");

        let body = e.reload_refused();
        assert!(body.contains(want), "reload: want {want:?}, got {body}");
        let text = e.scrape();
        // The running configuration stays, without the rejected labels.
        assert_eq!(sample(&text, &up("main", "")), Some(1.0));
        assert!(!text.contains("tenant="), "{text}");
    }
    let log = e.log_lines().join("\n");
    assert!(log.contains("configuration reload failed"), "{log}");
    assert!(!log.contains("Proxy-Pass-5521"), "{log}");
    // And a good one with all three is taken.
    std::fs::write(
        &e.config,
        format!(
            "sources:\n{}",
            example::source_yaml(
                "main",
                &mock,
                &format!("    labels: {{tenant: acme}}\n    proxy_url: {}\n    opening_hours:\n      weekly: [\"mon-sun 00:00-24:00\"]\n", mock.url(""))
            )
        ),
    )
    .unwrap();
    let (status, _, body) = http_request(e.addr, "POST", "/-/reload", &[]).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    e.wait_for_sample(
        &up("main", r#",tenant="acme""#),
        1.0,
        Duration::from_secs(15),
    );
    assert_eq!(
        sample(
            &e.scrape(),
            r#"contact_center_source_open{source="main",vendor="exotel",tenant="acme"}"#
        ),
        Some(1.0)
    );
    e.signal("TERM");
    assert_eq!(e.wait_exit(Duration::from_secs(15)), Some(0));
}

/// The requests `proxy` forwarded, after checking that `vendor` was reached only
/// through it: the vendor saw nothing directly, and the proxy carried requests for that
/// vendor and no other.
fn only_through(proxy: &Mock, vendor: &Mock) -> Vec<Recorded> {
    assert!(
        vendor.recorded().is_empty(),
        "the vendor was reached directly"
    );
    let forwarded = proxy.recorded();
    assert!(!forwarded.is_empty(), "nothing went through the proxy");
    let base = format!("{}/", vendor.url(""));
    for r in &forwarded {
        assert!(
            r.target.starts_with(&base),
            "the proxy forwarded {}",
            r.target
        );
    }
    forwarded
}
