//! A vendor's own `--demo` API (its `simulate.rs`, rendered from the shared simulated
//! contact center) as the healthy vendor of the fault harness: a [`Good`] answering
//! [`Recorded`] requests the way the demo host answers HTTP ones.
//!
//! The simulation stands still: its clock is fixed when the kit is made, so every
//! source polling it (the fault cases and their control alike) sees the same data, at
//! whatever moment it polls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, DurationRound, Utc};
use contact_center_exporter::simulator::host::Host;
use contact_center_exporter::simulator::{ContactCenter, SimOptions, SimRequest, SimResponse};

use super::fault::Good;
use super::{MockResponse, Recorded};

/// Agents of the simulated contact center (three groups, six queues).
const AGENTS: usize = 12;

/// A vendor's demo API, standing still.
pub struct Simulated {
    /// Its answers.
    pub good: Good,
    /// The simulated instant every answer describes (whole seconds, as the simulation
    /// moves).
    pub at: DateTime<Utc>,
}

/// The demo API of the registered `vendor` over a seeded contact center as it is now,
/// mounted so that the base URL of a source is the root of the server it runs on.
pub fn healthy(vendor: &str) -> Simulated {
    let v = contact_center_exporter::sources::find(vendor)
        .unwrap_or_else(|| panic!("{vendor} is not in the registry"));
    let at = Utc::now()
        .duration_trunc(chrono::Duration::seconds(1))
        .unwrap();
    // The demo's seed with a smaller staff (and demand to match): twenty sources polling
    // every second, four vendors at once, must each finish a poll well within its
    // deadline on a busy machine, and 40 agents make an 8x8 first poll about thirty
    // requests long.
    let opts = SimOptions {
        agents: AGENTS,
        ..SimOptions::default()
    };
    let cc = ContactCenter::new(&opts, at);
    let mut host = Host::new(Arc::new(Mutex::new(cc))).with_clock(Arc::new(Mutex::new(at)));
    // The demo config is the exporter's side of it; the tests write their own.
    let placeholder = url::Url::parse(&format!("http://127.0.0.1/{vendor}")).unwrap();
    let (_, api) = v.demo(&placeholder);
    host.mount(vendor, api);
    let mount = format!("/{vendor}");
    // Standing still, the API answers a request the same way every time: each answer
    // is rendered once (tens of sources poll it every second).
    let answers: Mutex<HashMap<Key, Arc<OnceLock<SimResponse>>>> = Mutex::default();
    let good: Good = Arc::new(move |r: &Recorded| {
        let key = (
            r.method.clone(),
            r.path.clone(),
            r.query.clone(),
            r.headers.get("authorization").cloned(),
            r.body.clone(),
        );
        let answer = answers.lock().unwrap().entry(key).or_default().clone();
        from_sim(
            answer
                .get_or_init(|| host.answer(to_sim(r, &mount)))
                .clone(),
        )
    });
    Simulated { good, at }
}

/// The demo API of the registered `vendor` over a seeded contact center that moves with
/// `clock` (which the test also writes to the exporter's `--testing.clock-file`): every
/// request sees the simulation at the clock's instant, so two exporters polling at the
/// same clock see the same data.
pub fn moving(vendor: &str, clock: Arc<Mutex<DateTime<Utc>>>) -> Good {
    let v = contact_center_exporter::sources::find(vendor)
        .unwrap_or_else(|| panic!("{vendor} is not in the registry"));
    let opts = SimOptions {
        agents: AGENTS,
        ..SimOptions::default()
    };
    let start = *clock.lock().unwrap();
    let cc = ContactCenter::new(&opts, start);
    let mut host = Host::new(Arc::new(Mutex::new(cc))).with_clock(clock);
    let placeholder = url::Url::parse(&format!("http://127.0.0.1/{vendor}")).unwrap();
    let (_, api) = v.demo(&placeholder);
    host.mount(vendor, api);
    let mount = format!("/{vendor}");
    Arc::new(move |r: &Recorded| from_sim(host.answer(to_sim(r, &mount))))
}

/// What an answer depends on: method, path, query, credentials and body.
type Key = (
    String,
    String,
    Vec<(String, String)>,
    Option<String>,
    Vec<u8>,
);

/// The request as the host sees it, below `mount`.
fn to_sim(r: &Recorded, mount: &str) -> SimRequest {
    let headers = r
        .headers
        .iter()
        .filter_map(|(k, v)| {
            Some((
                hyper::header::HeaderName::from_bytes(k.as_bytes()).ok()?,
                hyper::header::HeaderValue::from_str(v).ok()?,
            ))
        })
        .collect();
    SimRequest {
        method: r.method.clone(),
        path: format!("{mount}{}", r.path),
        query: r.query.clone(),
        headers,
        body: bytes::Bytes::from(r.body.clone()),
    }
}

fn from_sim(s: SimResponse) -> MockResponse {
    let mut r = MockResponse::status(s.status, s.body);
    r.headers
        .push(("content-type".into(), s.content_type.into()));
    r.headers
        .extend(s.headers.into_iter().map(|(k, v)| (k.to_string(), v)));
    r
}

/// Serves the registered `vendor`'s demo API over the contact center `cc` on a loopback
/// port, mounted at `/<vendor>` as `--demo` mounts it: the base URL its source's config
/// is made for (`simulate::demo(&base)`).
pub async fn serve_demo(vendor: &str, cc: Arc<Mutex<ContactCenter>>) -> url::Url {
    let v = contact_center_exporter::sources::find(vendor)
        .unwrap_or_else(|| panic!("{vendor} is not in the registry"));
    // The simulated API does not depend on where it is mounted; the config does.
    let placeholder = url::Url::parse(&format!("http://127.0.0.1:1/{vendor}")).unwrap();
    let (_, api) = v.demo(&placeholder);
    let mut host = Host::new(cc);
    host.mount(vendor, api);
    let addr = contact_center_exporter::simulator::host::start(host)
        .await
        .unwrap();
    url::Url::parse(&format!("http://{addr}/{vendor}")).unwrap()
}
