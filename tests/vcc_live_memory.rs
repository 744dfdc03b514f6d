//! Peak memory of ingesting a 100,000-record day (about 56 MB of JSON in the vendor's
//! formatting) through the real source, in 10 pages of the default size, against a
//! local server that renders each page on demand. The issue's bound: peak RSS less than
//! 64 MiB above idle. Its own test binary, so no other test shares the process.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Mock, MockResponse};
use contact_center_exporter::http::{PollContext, RequestCounters};
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::vcc_live::simulate::synthetic_page;
use contact_center_exporter::sources::vcc_live::{Config, VccLiveSource};
use contact_center_exporter::sources::Source;

const RECORDS: u64 = 100_000;

/// `VmRSS` / `VmHWM` of this process in KiB.
fn status_kib(key: &str) -> u64 {
    common::proc_status_kib(std::process::id(), key)
}

/// Renders each state-log page on demand; every other endpoint answers an empty list.
fn mock() -> Mock {
    Mock::start(|r| {
        let num = |k: &str| r.param(k).and_then(|v| v.parse::<u64>().ok());
        match (r.path.ends_with("/userstate"), num("start"), num("num")) {
            (true, Some(start), Some(n)) => MockResponse::json(synthetic_page(
                start,
                n.min(RECORDS.saturating_sub(start)),
                400,
            )),
            _ => MockResponse::json(r#"{"response": [], "errors": []}"#),
        }
    })
}

#[tokio::test]
async fn hundred_thousand_record_day_peak_rss_under_64_mib_above_idle() {
    let mock = mock();
    let client = reqwest::Client::new();
    let idle = status_kib("VmRSS:");

    let cfg = Config {
        base_url: url::Url::parse(&mock.url("/vcc")).unwrap(),
        customer: "acme".into(),
        token: Secret::new("t"),
        projects: vec![],
        users: vec![],
        time_zone: chrono_tz::UTC,
        page_size: 10_000,
    };
    let mut source = VccLiveSource::new("mem", cfg);
    let now = chrono::DateTime::from_timestamp(1_772_409_600 + 86_000, 0).unwrap();
    let ctx = PollContext::new(
        "mem",
        now,
        client,
        Duration::from_secs(60),
        32 << 20,
        Arc::new(RequestCounters::default()),
    );
    let snap = source.poll(&ctx).await.unwrap();
    assert_eq!(snap.intervals.len(), RECORDS as usize);
    assert_eq!(snap.agents.as_ref().map(Vec::len), Some(400));
    let peak = status_kib("VmHWM:");
    let above = peak.saturating_sub(idle);
    eprintln!("idle RSS {idle} KiB, peak {peak} KiB, {above} KiB above idle");
    assert!(above < 64 * 1024, "peak RSS {above} KiB above idle");
    drop(snap);
}
