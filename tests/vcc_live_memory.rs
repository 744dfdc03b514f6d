//! Peak memory of ingesting a 100,000-record day (about 56 MB of JSON in the vendor's
//! formatting) through the real source, in 10 pages of the default size, against a
//! local server that renders each page on demand. The issue's bound: peak RSS less than
//! 64 MiB above idle. Its own test binary, so no other test shares the process.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use contact_center_exporter::http::{PollContext, RequestCounters};
use contact_center_exporter::secret::Secret;
use contact_center_exporter::sources::vcc_live::simulate::synthetic_page;
use contact_center_exporter::sources::vcc_live::{Config, VccLiveSource};
use contact_center_exporter::sources::Source;

const RECORDS: u64 = 100_000;

/// `VmRSS` / `VmHWM` of this process in KiB.
fn status_kib(key: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn serve(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let svc = service_fn(|req: Request<hyper::body::Incoming>| async move {
                let q: std::collections::HashMap<String, String> = req
                    .uri()
                    .query()
                    .map(|q| {
                        url::form_urlencoded::parse(q.as_bytes())
                            .into_owned()
                            .collect()
                    })
                    .unwrap_or_default();
                let body = if req.uri().path().ends_with("/userstate") {
                    let start: u64 = q["start"].parse().unwrap();
                    let num: u64 = q["num"].parse().unwrap();
                    synthetic_page(start, num.min(RECORDS.saturating_sub(start)), 400)
                } else {
                    r#"{"response": [], "errors": []}"#.to_string()
                };
                Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(body))))
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

#[tokio::test]
async fn hundred_thousand_record_day_peak_rss_under_64_mib_above_idle() {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener));
    let client = reqwest::Client::new();
    let idle = status_kib("VmRSS:");

    let cfg = Config {
        base_url: url::Url::parse(&format!("http://{addr}/vcc")).unwrap(),
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
