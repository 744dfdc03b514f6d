//! `vendor: eight_by_eight` keys: the cluster host, tenant and Data Request Token, and
//! which queues, time zone and per-agent statistics to use.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: eight_by_eight` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Keys {
    /// Tenant name.
    pub tenant: Option<String>,
    /// Data Request Token.
    pub token: Option<Secret>,
    /// File holding the Data Request Token.
    pub token_file: Option<PathBuf>,
    /// Queue ids to watch (default all).
    pub queues: Option<Vec<u64>>,
    /// Time zone of the days read (IANA name, default UTC).
    #[serde(default, deserialize_with = "crate::time_zone::deserialize_option")]
    pub time_zone: Option<chrono_tz::Tz>,
    /// Fetch per-agent status statistics (one request per agent and poll).
    pub agent_statistics: Option<bool>,
}

/// Validated settings of one 8x8 source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Cluster host, e.g. `https://vcc-na4.8x8.com` (required: the cluster is per tenant).
    pub base_url: url::Url,
    /// Tenant name (the Basic-auth user).
    pub tenant: String,
    /// Data Request Token (the Basic-auth password).
    pub token: Secret,
    /// Queue ids to watch; `None` watches every enabled queue of `/queues`.
    pub queues: Option<Vec<u64>>,
    /// Zone of the days whose data is read (`d=` with `tz=`); default UTC.
    pub time_zone: chrono_tz::Tz,
    /// Whether to read `/agents/{id}/statuses/statistics`: one request per agent and poll.
    pub agent_statistics: bool,
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let base_url = entry.base_url(None)?;
        let tenant = entry.required_str("tenant", &raw.tenant)?;
        let token = entry.secret("token", &raw.token, &raw.token_file)?;
        if let Some(q) = &raw.queues {
            if q.is_empty() {
                return Err(FieldError::new(
                    "queues",
                    "is empty; omit it to watch every enabled queue",
                ));
            }
        }
        Ok(Config {
            base_url,
            tenant,
            token,
            queues: raw.queues.clone(),
            time_zone: raw.time_zone.unwrap_or(chrono_tz::UTC),
            agent_statistics: raw.agent_statistics.unwrap_or(false),
        })
    }
}

impl Settings for Config {
    /// The account's days are local days of `time_zone`.
    fn day_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    /// One line for `--config.check`.
    fn summary(&self) -> String {
        let queues = match &self.queues {
            Some(q) => q.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
            None => "all".to_string(),
        };
        format!(
            "{} tenant={} queues={} time_zone={} agent_statistics={}",
            crate::http::display_url(&self.base_url),
            self.tenant,
            queues,
            self.time_zone.name(),
            self.agent_statistics
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> Keys {
        Keys {
            tenant: Some("acme".into()),
            token: Some(Secret::new("ac12343934687a839cf")),
            ..Default::default()
        }
    }

    const BASE_URL: Option<&str> = Some("https://vcc-na4.8x8.com");

    fn check_at(raw: Keys, base_url: Option<&str>) -> Result<Config, FieldError> {
        Config::from_keys(
            raw,
            &Entry::new("eight_by_eight", base_url, Default::default()),
        )
    }

    #[test]
    fn defaults() {
        let c = check_at(raw(), BASE_URL).unwrap();
        assert_eq!(c.time_zone, chrono_tz::UTC);
        assert!(!c.agent_statistics);
        assert_eq!(c.queues, None);
        assert_eq!(
            c.summary(),
            "https://vcc-na4.8x8.com/ tenant=acme queues=all time_zone=UTC agent_statistics=false"
        );
        assert!(!format!("{c:?}").contains("ac1234"));
    }

    #[test]
    fn base_url_tenant_and_token_are_required() {
        assert_eq!(check_at(raw(), None).unwrap_err().key, "base_url");
        let mut r = raw();
        r.tenant = None;
        assert_eq!(check_at(r, BASE_URL).unwrap_err().key, "tenant");
        let mut r = raw();
        r.token = None;
        let e = check_at(r, BASE_URL).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str()),
            ("token", "missing: set token or token_file")
        );
    }

    #[test]
    fn empty_queue_list_is_an_error() {
        let mut r = raw();
        r.queues = Some(vec![]);
        assert_eq!(check_at(r.clone(), BASE_URL).unwrap_err().key, "queues");
        r.queues = Some(vec![121, 122]);
        assert_eq!(check_at(r, BASE_URL).unwrap().queues, Some(vec![121, 122]));
    }
}
