//! `vendor: eight_by_eight` keys: the cluster host, tenant and Data Request Token, and
//! which queues, time zone and per-agent statistics to use.

use crate::config::{FieldError, RawSource};
use crate::secret::Secret;

/// Vendor keys this vendor accepts.
pub const KEYS: &[&str] = &[
    "tenant",
    "token",
    "token_file",
    "queues",
    "time_zone",
    "agent_statistics",
];

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
    /// Validates the vendor keys of `raw`.
    pub fn from_raw(raw: &RawSource) -> Result<Self, FieldError> {
        let base_url = raw.base_url(None)?;
        let tenant = raw.required_str("tenant", &raw.tenant)?;
        let token = raw.secret("token", &raw.token, &raw.token_file)?;
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

    /// One line for `--config.check`.
    pub fn summary(&self) -> String {
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

    fn raw() -> RawSource {
        RawSource {
            name: "eight".into(),
            vendor: crate::sources::Vendor::EightByEight,
            base_url: Some("https://vcc-na4.8x8.com".into()),
            tenant: Some("acme".into()),
            token: Some(Secret::new("ac12343934687a839cf")),
            ..Default::default()
        }
    }

    #[test]
    fn defaults() {
        let c = Config::from_raw(&raw()).unwrap();
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
        let mut r = raw();
        r.base_url = None;
        assert_eq!(Config::from_raw(&r).unwrap_err().key, "base_url");
        let mut r = raw();
        r.tenant = None;
        assert_eq!(Config::from_raw(&r).unwrap_err().key, "tenant");
        let mut r = raw();
        r.token = None;
        let e = Config::from_raw(&r).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str()),
            ("token", "missing: set token or token_file")
        );
    }

    #[test]
    fn empty_queue_list_is_an_error() {
        let mut r = raw();
        r.queues = Some(vec![]);
        assert_eq!(Config::from_raw(&r).unwrap_err().key, "queues");
        r.queues = Some(vec![121, 122]);
        assert_eq!(Config::from_raw(&r).unwrap().queues, Some(vec![121, 122]));
    }
}
