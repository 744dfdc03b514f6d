//! `vendor: twilio_taskrouter` keys: the TaskRouter Workspace, the API key (or Account
//! SID) and its secret (or Auth Token) for HTTP Basic, which TaskQueues, the
//! service-level threshold and the time zone that decides what "today" is.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: twilio_taskrouter` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The TaskRouter Workspace SID (`WS` + 32 hex digits; a Flex project has one).
    #[serde(default)]
    pub workspace_sid: Option<String>,
    /// The HTTP Basic user: an API key SID (`SK…`, recommended) or the Account SID
    /// (`AC…`).
    #[serde(default)]
    pub api_key_sid: Option<String>,
    /// The API key's secret (or the account's Auth Token).
    #[serde(default)]
    pub api_key_secret: Option<Secret>,
    /// File holding the API key's secret.
    #[serde(default)]
    pub api_key_secret_file: Option<PathBuf>,
    /// TaskQueue friendly names to report on (default every TaskQueue).
    #[serde(default)]
    pub queues: Option<Vec<String>>,
    /// Service-level threshold, whole seconds (default 20s, Flex's default): sent as
    /// `SplitByWaitTime`, exported as `contact_center_queue_sla_threshold_seconds`.
    #[serde(default, with = "humantime_serde")]
    pub sla_threshold: Option<Duration>,
    /// Time zone whose local midnight starts the day's counters (IANA name; default UTC).
    #[serde(default)]
    pub time_zone: Option<chrono_tz::Tz>,
}

/// TaskRouter's API host.
pub const DEFAULT_BASE_URL: &str = "https://taskrouter.twilio.com";
/// Flex's default service-level threshold.
pub const DEFAULT_SLA_SECONDS: u64 = 20;
/// The largest threshold accepted: an hour (a service level beyond it is not one).
pub const MAX_SLA_SECONDS: u64 = 3600;

/// Validated settings of one TaskRouter source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// API host (default [`DEFAULT_BASE_URL`]); requests go to `{base_url}/v1/Workspaces/…`.
    pub base_url: url::Url,
    /// The Workspace SID.
    pub workspace_sid: String,
    /// The HTTP Basic user (`SK…` or `AC…`).
    pub api_key_sid: String,
    /// The HTTP Basic password.
    pub api_key_secret: Secret,
    /// TaskQueue friendly names; `None` reports every TaskQueue.
    pub queues: Option<Vec<String>>,
    /// The service-level threshold in seconds.
    pub sla_seconds: u64,
    /// The zone whose days the counters are booked in.
    pub time_zone: chrono_tz::Tz,
}

/// Whether `s` is a Twilio SID with one of `prefixes`: the two letters and 32 hex digits.
pub fn is_sid(s: &str, prefixes: &[&str]) -> bool {
    s.len() == 34
        && prefixes.iter().any(|p| s.starts_with(p))
        && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let base_url = entry.base_url(Some(DEFAULT_BASE_URL.to_string()))?;
        let workspace_sid = entry.required_str("workspace_sid", &raw.workspace_sid)?;
        if !is_sid(&workspace_sid, &["WS"]) {
            return Err(FieldError::new(
                "workspace_sid",
                format!("{workspace_sid:?} is not a Workspace SID (WS and 32 hex digits)"),
            ));
        }
        let api_key_sid = entry.required_str("api_key_sid", &raw.api_key_sid)?;
        if !is_sid(&api_key_sid, &["SK", "AC"]) {
            return Err(FieldError::new(
                "api_key_sid",
                format!(
                    "{api_key_sid:?} is neither an API key SID (SK and 32 hex digits) nor an Account SID (AC and 32 hex digits)"
                ),
            ));
        }
        let api_key_secret = entry.secret(
            "api_key_secret",
            &raw.api_key_secret,
            &raw.api_key_secret_file,
        )?;
        let queues = entry.names("queues", raw.queues.clone(), "TaskQueue", "every TaskQueue")?;
        let sla_seconds = entry.whole_seconds(
            "sla_threshold",
            raw.sla_threshold,
            DEFAULT_SLA_SECONDS,
            MAX_SLA_SECONDS,
            "TaskRouter's SplitByWaitTime is in seconds",
        )?;
        Ok(Config {
            base_url,
            workspace_sid,
            api_key_sid,
            api_key_secret,
            queues,
            sla_seconds,
            time_zone: raw.time_zone.unwrap_or(chrono_tz::UTC),
        })
    }
}

impl Settings for Config {
    /// One line for `--config.check` (the key SID, never the secret).
    fn summary(&self) -> String {
        let queues = crate::vendor_keys::names_text(&self.queues);
        format!(
            "{} workspace_sid={} api_key_sid={} queues={} sla_threshold={}s time_zone={}",
            crate::http::display_url(&self.base_url),
            self.workspace_sid,
            self.api_key_sid,
            queues,
            self.sla_seconds,
            self.time_zone.name(),
        )
    }

    /// `time_zone`: its days are the counters' days.
    fn day_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "WS0123456789abcdef0123456789abcdef";
    const SK: &str = "SK0123456789ABCDEF0123456789abcdef";

    fn raw() -> Keys {
        Keys {
            workspace_sid: Some(WS.into()),
            api_key_sid: Some(SK.into()),
            api_key_secret: Some(Secret::new("tw-s3cret")),
            ..Default::default()
        }
    }

    fn check(raw: Keys) -> Result<Config, FieldError> {
        Config::from_keys(
            raw,
            &Entry::new("twilio_taskrouter", None, Default::default()),
        )
    }

    #[test]
    fn defaults() {
        let c = check(raw()).unwrap();
        assert_eq!(c.base_url.as_str(), "https://taskrouter.twilio.com/");
        assert_eq!((c.sla_seconds, c.time_zone), (20, chrono_tz::UTC));
        assert_eq!(
            c.summary(),
            format!("https://taskrouter.twilio.com/ workspace_sid={WS} api_key_sid={SK} queues=all sla_threshold=20s time_zone=UTC")
        );
        assert!(!format!("{c:?}").contains("tw-s3cret"));
    }

    #[test]
    fn sids_are_checked() {
        for bad in [
            "WS0123",
            "WQ0123456789abcdef0123456789abcdef",
            "WS0123456789abcdef0123456789abcdeg",
            "WS0123456789abcdef0123456789abcdef0",
        ] {
            let mut r = raw();
            r.workspace_sid = Some(bad.into());
            assert_eq!(check(r).unwrap_err().key, "workspace_sid", "{bad}");
        }
        let mut r = raw();
        r.api_key_sid = Some("AC0123456789abcdef0123456789abcdef".into());
        assert!(check(r).is_ok(), "an Account SID is a Basic user too");
        let mut r = raw();
        r.api_key_sid = Some("US0123456789abcdef0123456789abcdef".into());
        assert_eq!(check(r).unwrap_err().key, "api_key_sid");
        let mut r = raw();
        r.api_key_secret = None;
        assert_eq!(
            check(r).unwrap_err().message,
            "missing: set api_key_secret or api_key_secret_file"
        );
    }

    #[test]
    fn queues_and_threshold() {
        let mut r = raw();
        r.queues = Some(vec![" Support ".into(), "Sales".into(), "Support".into()]);
        r.sla_threshold = Some(Duration::from_secs(30));
        let c = check(r).unwrap();
        assert_eq!(c.queues, Some(vec!["Support".into(), "Sales".into()]));
        assert_eq!(c.sla_seconds, 30);
        for bad in [
            Duration::from_millis(1500),
            Duration::ZERO,
            Duration::from_secs(3601),
        ] {
            let mut r = raw();
            r.sla_threshold = Some(bad);
            assert_eq!(check(r).unwrap_err().key, "sla_threshold");
        }
        let mut r = raw();
        r.queues = Some(vec![]);
        assert_eq!(check(r).unwrap_err().key, "queues");
    }
}
