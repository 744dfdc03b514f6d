//! Vendor sources: the [`Source`] trait and the one place that maps `vendor:` to an
//! implementation.
//!
//! Each vendor lives in its own folder with everything that knows its wire format:
//! `config.rs` (its keys), `api.rs` (requests, auth, paging), `types.rs` (wire structs and
//! pure parsers), `mod.rs` (wire → [`Snapshot`]) and `simulate.rs` (its API for `--demo`).
//! Adding a vendor means a new folder, one arm in each `match` below, fixtures, and a
//! README row.

pub mod eight_by_eight;
pub mod exotel;
pub mod vcc_live;
pub mod voximplant;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use crate::config::{FieldError, RawSource};
use crate::http::PollContext;
use crate::model::Snapshot;
use crate::simulator::SimulatedApi;

/// The vendors this exporter speaks to (the `vendor` config key and label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// VCC Live (Database API v2).
    #[default]
    VccLive,
    /// Voximplant Management API.
    Voximplant,
    /// 8x8 Contact Center statistics API.
    EightByEight,
    /// Exotel / Ameyo DataEngine User Monitoring API.
    Exotel,
}

impl Vendor {
    /// Every vendor.
    pub const ALL: [Vendor; 4] = [
        Vendor::VccLive,
        Vendor::Voximplant,
        Vendor::EightByEight,
        Vendor::Exotel,
    ];

    /// The label and config value.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::VccLive => "vcc_live",
            Vendor::Voximplant => "voximplant",
            Vendor::EightByEight => "eight_by_eight",
            Vendor::Exotel => "exotel",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vendor's validated settings.
#[derive(Debug, Clone, PartialEq)]
pub enum VendorConfig {
    /// `vendor: eight_by_eight`.
    EightByEight(eight_by_eight::Config),
    /// `vendor: exotel`.
    Exotel(exotel::Config),
    /// `vendor: vcc_live`.
    VccLive(vcc_live::Config),
    /// `vendor: voximplant`.
    Voximplant(voximplant::Config),
}

impl VendorConfig {
    /// One-line description for `--config.check` (never includes a secret).
    pub fn summary(&self) -> String {
        match self {
            VendorConfig::EightByEight(c) => c.summary(),
            VendorConfig::Exotel(c) => c.summary(),
            VendorConfig::VccLive(c) => c.summary(),
            VendorConfig::Voximplant(c) => c.summary(),
        }
    }
}

/// The vendor-specific keys a vendor accepts (the common keys are always allowed).
pub fn vendor_keys(vendor: Vendor) -> &'static [&'static str] {
    match vendor {
        Vendor::EightByEight => eight_by_eight::config::KEYS,
        Vendor::Exotel => exotel::config::KEYS,
        Vendor::VccLive => vcc_live::config::KEYS,
        Vendor::Voximplant => voximplant::config::KEYS,
    }
}

/// Validates a vendor's keys of one source entry.
pub fn validate(raw: &RawSource) -> Result<VendorConfig, FieldError> {
    match raw.vendor {
        Vendor::EightByEight => {
            eight_by_eight::Config::from_raw(raw).map(VendorConfig::EightByEight)
        }
        Vendor::Exotel => exotel::Config::from_raw(raw).map(VendorConfig::Exotel),
        Vendor::VccLive => vcc_live::Config::from_raw(raw).map(VendorConfig::VccLive),
        Vendor::Voximplant => voximplant::Config::from_raw(raw).map(VendorConfig::Voximplant),
    }
}

/// Creates the source for a validated config.
pub fn build(name: &str, cfg: &VendorConfig) -> Box<dyn Source> {
    match cfg {
        VendorConfig::EightByEight(c) => {
            Box::new(eight_by_eight::EightByEightSource::new(name, c.clone()))
        }
        VendorConfig::Exotel(c) => Box::new(exotel::ExotelSource::new(name, c.clone())),
        VendorConfig::VccLive(c) => Box::new(vcc_live::VccLiveSource::new(name, c.clone())),
        VendorConfig::Voximplant(c) => Box::new(voximplant::VoximplantSource::new(name, c.clone())),
    }
}

/// For `--demo`: the vendor's simulated API and a config pointing a source at it.
/// `base_url` is where the simulator mounts this vendor's API.
pub fn demo(vendor: Vendor, base_url: &url::Url) -> Option<(VendorConfig, Box<dyn SimulatedApi>)> {
    match vendor {
        Vendor::EightByEight => {
            let (cfg, api) = eight_by_eight::simulate::demo(base_url);
            Some((VendorConfig::EightByEight(cfg), Box::new(api)))
        }
        Vendor::Exotel => {
            let (cfg, api) = exotel::simulate::demo(base_url);
            Some((VendorConfig::Exotel(cfg), Box::new(api)))
        }
        Vendor::VccLive => {
            let (cfg, api) = vcc_live::simulate::demo(base_url);
            Some((VendorConfig::VccLive(cfg), Box::new(api)))
        }
        Vendor::Voximplant => {
            let (cfg, api) = voximplant::simulate::demo(base_url);
            Some((VendorConfig::Voximplant(cfg), Box::new(api)))
        }
    }
}

/// One vendor source. A source is small and async, keeps whatever it needs to fetch
/// incrementally next time, and knows nothing of Prometheus.
#[async_trait]
pub trait Source: Send {
    /// Fetches what changed since the last successful poll and returns it normalized.
    /// On error nothing the source keeps may have advanced: the next poll retries the
    /// same data, so that nothing is lost or counted twice.
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError>;
}

/// Why a poll failed. `Display` is the one log line an operator reads; it names the
/// endpoint and URL (never credentials) and, where it helps, what to check.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// The vendor answered with a non-success status.
    #[error("{endpoint}: HTTP {status} from {url}{}{}", opt_detail(.detail), opt_hint(.hint))]
    Status {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL without credentials.
        url: String,
        /// HTTP status.
        status: u16,
        /// What the vendor said (error body, shortened).
        detail: String,
        /// What the operator should check.
        hint: Option<String>,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// No answer within the timeout.
    #[error("{endpoint}: timed out after {}s waiting for {url}", .timeout.as_secs_f64())]
    Timeout {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The connection failed or broke.
    #[error("{endpoint}: connection to {url} failed: {detail}")]
    Connect {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The transport error.
        detail: String,
    },
    /// The body exceeded `max_response_bytes`; reading stopped there.
    #[error("{endpoint}: response from {url} exceeds max_response_bytes ({limit} bytes); raise it or narrow the request")]
    TooLarge {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// The body was not what the vendor documents.
    #[error("{endpoint}: cannot decode response from {url}: {detail}")]
    Decode {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// Parser error with its position.
        detail: String,
    },
    /// The vendor answered with an error in a success body.
    #[error("{endpoint}: vendor error from {url}: {detail}{}", opt_hint(.hint))]
    Vendor {
        /// Endpoint label.
        endpoint: &'static str,
        /// Request URL.
        url: String,
        /// The vendor's message and code.
        detail: String,
        /// What the operator should check.
        hint: Option<String>,
    },
    /// Credentials could not be used (e.g. a token could not be signed).
    #[error("credentials: {0}")]
    Credentials(String),
}

fn opt_detail(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(": {d}")
    }
}

fn opt_hint(h: &Option<String>) -> String {
    match h {
        Some(h) => format!(" ({h})"),
        None => String::new(),
    }
}

impl SourceError {
    /// The server's requested wait before the next attempt, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Adds an operator hint to HTTP errors with one of `statuses`.
    pub fn with_status_hint(mut self, statuses: &[u16], text: &str) -> Self {
        if let SourceError::Status { status, hint, .. } = &mut self {
            if statuses.contains(status) {
                *hint = Some(text.to_string());
            }
        }
        self
    }
}

/// What a parser reports; the fetch turns it into a [`SourceError`] with the endpoint
/// and URL and counts the request's outcome.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// Not the documented shape (syntax or types); `requests_total` outcome `decode`.
    #[error("{0}")]
    Decode(String),
    /// A well-formed vendor error inside a success body; outcome `vendor_error`.
    #[error("{message}")]
    Vendor {
        /// The vendor's message and code.
        message: String,
        /// What the operator should check.
        hint: Option<String>,
    },
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        ParseError::Decode(e.to_string())
    }
}
