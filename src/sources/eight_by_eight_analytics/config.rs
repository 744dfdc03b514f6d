//! `vendor: eight_by_eight_analytics` keys: the Admin Console API key and secret (OAuth2
//! client credentials), the tenant's region, an optional tenant id for multi-tenant
//! keys, which queues, the time zone that decides what "today" is, and the page size.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: eight_by_eight_analytics` entry as written (besides the
/// common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The Admin Console API key (the OAuth2 client id).
    #[serde(default)]
    pub client_id: Option<String>,
    /// The API key's secret (the OAuth2 client secret).
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// File holding the API key's secret.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Region of the Contact Center tenant: `us`, `eu`, `au` or `ca` (default `us`).
    #[serde(default)]
    pub region: Option<Region>,
    /// Tenant id sent as `X-Tenant-Info` (needed by keys that serve several tenants).
    #[serde(default)]
    pub tenant: Option<String>,
    /// Queue ids to report on (default every queue).
    #[serde(default)]
    pub queues: Option<Vec<QueueId>>,
    /// Time zone that decides what "today" is (IANA name, sent as `timezone=`; default UTC).
    #[serde(default, deserialize_with = "crate::time_zone::deserialize_option")]
    pub time_zone: Option<chrono_tz::Tz>,
    /// Records per page (`size`, 1–1000, default 1000).
    #[serde(default)]
    pub page_size: Option<u64>,
}

/// A queue id as written: `"103"` or `103`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum QueueId {
    /// Written as a string.
    Text(String),
    /// Written as a number.
    Number(u64),
}

/// The region of a Contact Center tenant: where its real-time API lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// United States (the default).
    #[default]
    Us,
    /// Europe.
    Eu,
    /// Asia-Pacific.
    Au,
    /// Canada.
    Ca,
}

impl Region {
    /// The config value.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Au => "au",
            Region::Ca => "ca",
        }
    }

    /// The path segment before `analytics/` (none for the US).
    pub fn path_prefix(self) -> &'static str {
        match self {
            Region::Us => "",
            Region::Eu => "/eu",
            Region::Au => "/au",
            Region::Ca => "/ca",
        }
    }
}

/// 8x8's API host: the token endpoint and every region's real-time API are under it.
pub const DEFAULT_BASE_URL: &str = "https://api.8x8.com";
/// The largest page the API serves (`size` above it is a 400), and the default: the
/// fewest requests per poll.
pub const MAX_PAGE_SIZE: u64 = 1000;

/// Validated settings of one 8x8 Analytics source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// API host (default [`DEFAULT_BASE_URL`]); the token is requested from
    /// `{base_url}/oauth/v2/token`.
    pub base_url: url::Url,
    /// Region: the real-time API is `{base_url}{region prefix}/analytics/cc/v5/realtime-metrics`.
    pub region: Region,
    /// The OAuth2 client id (Admin Console API key).
    pub client_id: String,
    /// The OAuth2 client secret.
    pub client_secret: Secret,
    /// `X-Tenant-Info` for multi-tenant keys.
    pub tenant: Option<String>,
    /// Queue ids to report on (`queue-ids=`); `None` reports every queue.
    pub queues: Option<Vec<String>>,
    /// The zone sent as `timezone=`: its midnight starts the `.today` totals' day.
    pub time_zone: chrono_tz::Tz,
    /// Records per page (`size`).
    pub page_size: u64,
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let base_url = entry.base_url(Some(DEFAULT_BASE_URL.to_string()))?;
        let client_id = entry.required_str("client_id", &raw.client_id)?;
        if client_id.contains(':') {
            return Err(FieldError::new(
                "client_id",
                "must not contain ':' (it is the HTTP Basic user name of the token request)",
            ));
        }
        let client_secret =
            entry.secret("client_secret", &raw.client_secret, &raw.client_secret_file)?;
        let tenant = match raw.tenant.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(FieldError::new(
                    "tenant",
                    "is empty; omit it for a single-tenant key",
                ))
            }
            // It travels as a header value.
            Some(t) if !t.bytes().all(|b| b.is_ascii_graphic() || b == b' ') => {
                return Err(FieldError::new(
                    "tenant",
                    "must be printable ASCII (it is sent as the X-Tenant-Info header)",
                ))
            }
            Some(t) => Some(t.to_string()),
        };
        let queues = match &raw.queues {
            None => None,
            Some(ids) if ids.is_empty() => {
                return Err(FieldError::new(
                    "queues",
                    "is empty; omit it to report on every queue",
                ))
            }
            Some(ids) => {
                let mut out: Vec<String> = Vec::with_capacity(ids.len());
                for id in ids {
                    let id = match id {
                        QueueId::Text(s) => s.trim().to_string(),
                        QueueId::Number(n) => n.to_string(),
                    };
                    if id.is_empty() || id.contains(',') {
                        return Err(FieldError::new(
                            "queues",
                            format!("{id:?} is not a queue id"),
                        ));
                    }
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                Some(out)
            }
        };
        let page_size =
            entry.between("page_size", raw.page_size, MAX_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?;
        Ok(Config {
            base_url,
            region: raw.region.unwrap_or_default(),
            client_id,
            client_secret,
            tenant,
            queues,
            time_zone: raw.time_zone.unwrap_or(chrono_tz::UTC),
            page_size,
        })
    }
}

impl Settings for Config {
    /// One line for `--config.check` (the client id, never the secret).
    fn summary(&self) -> String {
        let queues = match &self.queues {
            Some(q) => q.join(","),
            None => "all".to_string(),
        };
        format!(
            "{} region={} client_id={} tenant={} queues={} time_zone={} page_size={}",
            crate::http::display_url(&self.base_url),
            self.region.as_str(),
            self.client_id,
            self.tenant.as_deref().unwrap_or("-"),
            queues,
            self.time_zone.name(),
            self.page_size
        )
    }

    /// The tenant, region, queues and day's zone; not the page size or which OAuth
    /// client reads them (a rotated client keeps the counters).
    fn identity(&self) -> String {
        let queues = match &self.queues {
            Some(q) => q.join(","),
            None => "all".to_string(),
        };
        format!(
            "{} region={} tenant={} queues={} time_zone={}",
            crate::http::display_url(&self.base_url),
            self.region.as_str(),
            self.tenant.as_deref().unwrap_or("-"),
            queues,
            self.time_zone.name(),
        )
    }

    /// `time_zone`: its days are the `.today` totals' days.
    fn day_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> Keys {
        Keys {
            client_id: Some("abc123".into()),
            client_secret: Some(Secret::new("s3cret-8x8a")),
            ..Default::default()
        }
    }

    fn check(raw: Keys) -> Result<Config, FieldError> {
        Config::from_keys(
            raw,
            &Entry::new("eight_by_eight_analytics", None, Default::default()),
        )
    }

    #[test]
    fn defaults() {
        let c = check(raw()).unwrap();
        assert_eq!(c.base_url.as_str(), "https://api.8x8.com/");
        assert_eq!(c.region, Region::Us);
        assert_eq!(c.time_zone, chrono_tz::UTC);
        assert_eq!(c.page_size, 1000);
        assert_eq!((c.queues.clone(), c.tenant.clone()), (None, None));
        assert_eq!(
            c.summary(),
            "https://api.8x8.com/ region=us client_id=abc123 tenant=- queues=all time_zone=UTC page_size=1000"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn client_id_and_secret_are_required() {
        let mut r = raw();
        r.client_id = None;
        assert_eq!(check(r).unwrap_err().key, "client_id");
        let mut r = raw();
        r.client_secret = None;
        let e = check(r).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str()),
            (
                "client_secret",
                "missing: set client_secret or client_secret_file"
            )
        );
    }

    #[test]
    fn queue_ids_as_strings_or_numbers_deduplicated() {
        let mut r = raw();
        r.queues = Some(vec![
            QueueId::Text(" 103 ".into()),
            QueueId::Number(104),
            QueueId::Text("103".into()),
        ]);
        assert_eq!(
            check(r.clone()).unwrap().queues,
            Some(vec!["103".to_string(), "104".to_string()])
        );
        r.queues = Some(vec![]);
        assert_eq!(check(r.clone()).unwrap_err().key, "queues");
        r.queues = Some(vec![QueueId::Text("1,2".into())]);
        assert_eq!(check(r).unwrap_err().key, "queues");
    }

    #[test]
    fn page_size_and_tenant_are_checked() {
        let mut r = raw();
        r.page_size = Some(1001);
        assert_eq!(check(r.clone()).unwrap_err().key, "page_size");
        r.page_size = Some(0);
        assert_eq!(check(r).unwrap_err().key, "page_size");
        let mut r = raw();
        r.tenant = Some(" ".into());
        assert_eq!(check(r.clone()).unwrap_err().key, "tenant");
        r.tenant = Some("acme\nX-Evil: 1".into());
        assert_eq!(check(r.clone()).unwrap_err().key, "tenant");
        r.tenant = Some("acme-tenant".into());
        assert_eq!(check(r).unwrap().tenant.as_deref(), Some("acme-tenant"));
    }

    #[test]
    fn region_prefixes() {
        assert_eq!(
            [Region::Us, Region::Eu, Region::Au, Region::Ca].map(Region::path_prefix),
            ["", "/eu", "/au", "/ca"]
        );
    }
}
