//! `vendor: amazon_connect` keys: the AWS region and Connect instance, which queues, the
//! day's time zone and SLA threshold, and the credentials (static keys, or the standard
//! AWS credential chain, optionally with a role assumed through STS).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: amazon_connect` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// AWS region of the Connect instance, e.g. `eu-west-2` (the endpoint is
    /// `https://connect.<region>.amazonaws.com` and requests are signed for it).
    #[serde(default)]
    pub region: Option<String>,
    /// The Connect instance id (the UUID at the end of the instance ARN).
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Queue names to report on (default every STANDARD queue of the instance).
    #[serde(default)]
    pub queues: Option<Vec<String>>,
    /// Time zone that decides what "today" is for the day's counters (IANA name; default UTC).
    #[serde(default)]
    pub time_zone: Option<chrono_tz::Tz>,
    /// Contacts answered within this wait count as answered in SLA (default 20s; 1s–7d).
    #[serde(default, with = "humantime_serde")]
    pub sla_threshold: Option<Duration>,
    /// Static access key id (with `secret_access_key[_file]`); without it, the standard
    /// AWS credential chain is used.
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// Static secret access key.
    #[serde(default)]
    pub secret_access_key: Option<Secret>,
    /// File holding the static secret access key.
    #[serde(default)]
    pub secret_access_key_file: Option<PathBuf>,
    /// Profile of the shared AWS config/credentials files for the credential chain
    /// (default: `AWS_PROFILE`, else `default`).
    #[serde(default)]
    pub profile: Option<String>,
    /// A role to assume through STS `AssumeRole` with the resolved credentials.
    #[serde(default)]
    pub role_arn: Option<String>,
}

/// The default SLA threshold: the admin guide's service-level example (20 seconds).
pub const DEFAULT_SLA_THRESHOLD: Duration = Duration::from_secs(20);
/// The largest `SUM_CONTACTS_ANSWERED_IN_X` threshold the API accepts (seconds).
pub const MAX_SLA_THRESHOLD_SECONDS: u64 = 604_800;

/// Where the credentials come from.
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialSource {
    /// `access_key_id` + `secret_access_key[_file]` from the config.
    Static {
        /// The access key id (not secret; shown by `--config.check`).
        access_key_id: String,
        /// The secret access key.
        secret_access_key: Secret,
    },
    /// The standard AWS chain (environment, shared files, web identity, ECS, IMDSv2).
    Chain {
        /// Profile of the shared files (`None`: `AWS_PROFILE`, else `default`).
        profile: Option<String>,
    },
}

/// Validated settings of one Amazon Connect source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The Connect API endpoint (default `https://connect.<region>.amazonaws.com`).
    pub base_url: url::Url,
    /// The AWS region (signing scope and default endpoint).
    pub region: String,
    /// The Connect instance id.
    pub instance_id: String,
    /// Queue names to report on; `None` reports every STANDARD queue.
    pub queues: Option<Vec<String>>,
    /// The zone whose midnight starts the day's counters.
    pub time_zone: chrono_tz::Tz,
    /// The `SUM_CONTACTS_ANSWERED_IN_X` threshold, whole seconds.
    pub sla_threshold_seconds: u64,
    /// Where the credentials come from.
    pub credentials: CredentialSource,
    /// A role to assume with them.
    pub role_arn: Option<String>,
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let region = entry.required_str("region", &raw.region)?;
        if !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || !region.contains('-')
        {
            return Err(FieldError::new(
                "region",
                format!("{region:?} is not an AWS region name (like eu-west-2)"),
            ));
        }
        let instance_id = entry.required_str("instance_id", &raw.instance_id)?;
        if instance_id.len() > 100
            || !instance_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(FieldError::new(
                "instance_id",
                "must be the instance id (letters, digits and '-'), not its ARN",
            ));
        }
        let base_url = entry.base_url(Some(format!("https://connect.{region}.amazonaws.com")))?;
        let queues = entry.names("queues", raw.queues, "queue", "every STANDARD queue")?;
        let sla_threshold_seconds = entry.whole_seconds(
            "sla_threshold",
            raw.sla_threshold,
            DEFAULT_SLA_THRESHOLD.as_secs(),
            MAX_SLA_THRESHOLD_SECONDS,
            "the API's threshold range",
        )?;
        let credentials = match (
            &raw.access_key_id,
            &raw.secret_access_key,
            &raw.secret_access_key_file,
        ) {
            (None, None, None) => CredentialSource::Chain {
                profile: match raw.profile.as_deref().map(str::trim) {
                    None => None,
                    Some("") => return Err(FieldError::new("profile", "is empty")),
                    Some(p) => Some(p.to_string()),
                },
            },
            (None, _, _) => {
                return Err(FieldError::new(
                    "access_key_id",
                    "missing: a static secret_access_key needs its access_key_id",
                ))
            }
            (Some(_), _, _) => {
                if raw.profile.is_some() {
                    return Err(FieldError::new(
                        "profile",
                        "set either static keys (access_key_id) or profile, not both",
                    ));
                }
                let access_key_id = entry.required_str("access_key_id", &raw.access_key_id)?;
                if !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(FieldError::new(
                        "access_key_id",
                        "must be letters and digits (like AKIAIOSFODNN7EXAMPLE)",
                    ));
                }
                let secret_access_key = entry.secret(
                    "secret_access_key",
                    &raw.secret_access_key,
                    &raw.secret_access_key_file,
                )?;
                CredentialSource::Static {
                    access_key_id,
                    secret_access_key,
                }
            }
        };
        let role_arn = match raw.role_arn.as_deref().map(str::trim) {
            None => None,
            Some(r) if r.starts_with("arn:") && r.contains(":role/") => Some(r.to_string()),
            Some(r) => {
                return Err(FieldError::new(
                    "role_arn",
                    format!("{r:?} is not a role ARN (arn:aws:iam::<account>:role/<name>)"),
                ))
            }
        };
        Ok(Config {
            base_url,
            region,
            instance_id,
            queues,
            time_zone: raw.time_zone.unwrap_or(chrono_tz::UTC),
            sla_threshold_seconds,
            credentials,
            role_arn,
        })
    }
}

impl Settings for Config {
    /// One line for `--config.check` (the access key id, never the secret).
    fn summary(&self) -> String {
        let queues = crate::vendor_keys::names_text(&self.queues);
        let creds = match &self.credentials {
            CredentialSource::Static { access_key_id, .. } => {
                format!("access_key_id={access_key_id}")
            }
            CredentialSource::Chain { profile } => format!(
                "credentials=chain profile={}",
                profile.as_deref().unwrap_or("-")
            ),
        };
        format!(
            "{} region={} instance_id={} queues={} time_zone={} sla_threshold={}s {} role_arn={}",
            crate::http::display_url(&self.base_url),
            self.region,
            self.instance_id,
            queues,
            self.time_zone.name(),
            self.sla_threshold_seconds,
            creds,
            self.role_arn.as_deref().unwrap_or("-")
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

    fn check(yaml: &str) -> Result<Config, FieldError> {
        let keys: Keys = serde_yaml_ng::from_str(yaml).unwrap();
        Config::from_keys(
            keys,
            &Entry::new("amazon_connect", None, Default::default()),
        )
    }

    const BASE: &str = "region: eu-west-2\ninstance_id: 8a1f7c1e-1234\n";

    #[test]
    fn defaults_the_chain_and_no_secret_in_the_summary() {
        let c = check(BASE).unwrap();
        assert_eq!(
            c.base_url.as_str(),
            "https://connect.eu-west-2.amazonaws.com/"
        );
        assert_eq!(c.credentials, CredentialSource::Chain { profile: None });
        assert_eq!((c.sla_threshold_seconds, c.time_zone), (20, chrono_tz::UTC));
        assert_eq!(
            c.summary(),
            "https://connect.eu-west-2.amazonaws.com/ region=eu-west-2 instance_id=8a1f7c1e-1234 \
             queues=all time_zone=UTC sla_threshold=20s credentials=chain profile=- role_arn=-"
        );
        let c = check(&format!(
            "{BASE}access_key_id: AKIA1\nsecret_access_key: s3cret-aws\nsla_threshold: 30s\n\
             queues: [Sales, ' Sales ', Support]\ntime_zone: Europe/London"
        ))
        .unwrap();
        assert!(!format!("{c:?} {}", c.summary()).contains("s3cret-aws"));
        assert!(c.summary().contains("access_key_id=AKIA1"));
        assert_eq!(c.queues, Some(vec!["Sales".into(), "Support".into()]));
        assert_eq!(c.sla_threshold_seconds, 30);
        assert_eq!(c.day_zone(), chrono_tz::Europe::London);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (extra, key) in [
            ("sla_threshold: 8d", "sla_threshold"),
            ("sla_threshold: 0s", "sla_threshold"),
            ("queues: []", "queues"),
            ("queues: ['']", "queues"),
            (
                "access_key_id: 'AK IA'\nsecret_access_key: s",
                "access_key_id",
            ),
            ("access_key_id: AKIA1", "secret_access_key"),
            ("profile: ''", "profile"),
            ("role_arn: arn:aws:iam::1:user/x", "role_arn"),
        ] {
            assert_eq!(
                check(&format!("{BASE}{extra}")).unwrap_err().key,
                key,
                "{extra}"
            );
        }
    }
}
