//! `vendor: genesys_cloud` keys: the org's region (its login domain), an OAuth client
//! with the Client Credentials grant, which queues (by name), and the time zone that
//! decides what "today" is.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: genesys_cloud` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The org's domain as in its login URL (`mypurecloud.ie`, `usw2.pure.cloud`, …):
    /// the API is `https://api.<region>`, the token endpoint `https://login.<region>`.
    /// Required unless `base_url` is set.
    #[serde(default)]
    pub region: Option<String>,
    /// The OAuth client id (a client with the Client Credentials grant).
    #[serde(default)]
    pub client_id: Option<String>,
    /// The OAuth client secret.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// File holding the OAuth client secret.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Queue names to report on (default every queue the client can see).
    #[serde(default)]
    pub queues: Option<Vec<String>>,
    /// Time zone that decides what "today" is (IANA name, sent as `timeZone`; default UTC).
    #[serde(default)]
    pub time_zone: Option<chrono_tz::Tz>,
}

/// The published Genesys Cloud domains and their AWS regions (the SDKs'
/// `PureCloudRegionHosts`).
pub const REGIONS: &[(&str, &str)] = &[
    ("mypurecloud.com", "us-east-1"),
    ("mypurecloud.ie", "eu-west-1"),
    ("mypurecloud.com.au", "ap-southeast-2"),
    ("mypurecloud.jp", "ap-northeast-1"),
    ("mypurecloud.de", "eu-central-1"),
    ("usw2.pure.cloud", "us-west-2"),
    ("cac1.pure.cloud", "ca-central-1"),
    ("apne2.pure.cloud", "ap-northeast-2"),
    ("euw2.pure.cloud", "eu-west-2"),
    ("aps1.pure.cloud", "ap-south-1"),
    ("use2.us-gov-pure.cloud", "us-east-2 (FedRAMP)"),
    ("sae1.pure.cloud", "sa-east-1"),
    ("mec1.pure.cloud", "me-central-1"),
    ("apne3.pure.cloud", "ap-northeast-3"),
    ("euc2.pure.cloud", "eu-central-2"),
    ("mxc1.pure.cloud", "mx-central-1"),
    ("apse1.pure.cloud", "ap-southeast-1"),
    ("edee1.eusc-pure.cloud", "eusc-de-east-1"),
];

/// Validated settings of one Genesys Cloud source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the API is: `https://api.<region>`, or `base_url`. Requests go to
    /// `{api_url}/api/v2/...`.
    pub api_url: url::Url,
    /// Where the token endpoint is: `https://login.<region>`, or `base_url`. The token
    /// is requested from `{login_url}/oauth/token`.
    pub login_url: url::Url,
    /// The region as configured (`None` with `base_url` alone).
    pub region: Option<String>,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: Secret,
    /// Queue names to report on; `None` reports every queue.
    pub queues: Option<Vec<String>>,
    /// The zone whose local midnight starts the day's counters (sent as `timeZone`).
    pub time_zone: chrono_tz::Tz,
}

/// The closest published domain to a misspelt one, if one is close enough to be meant.
fn did_you_mean(region: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .map(|(d, _)| (strsim::levenshtein(region, d), *d))
        .filter(|(dist, d)| *dist <= 3 && *dist * 2 < d.len())
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, d)| d)
}

/// The domain of a `region` value: as in the login URL, also accepting the whole
/// `login.`/`api.`/`apps.` host or an AWS region name (`eu-west-1`).
fn domain_of(region: &str) -> Option<&'static str> {
    let r = region.trim().trim_end_matches('/').to_ascii_lowercase();
    let r = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
        .unwrap_or(&r);
    let r = ["login.", "api.", "apps."]
        .iter()
        .find_map(|p| r.strip_prefix(p))
        .unwrap_or(r);
    REGIONS
        .iter()
        .find(|(d, aws)| *d == r || aws.split(' ').next() == Some(r))
        .map(|(d, _)| *d)
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let (api_url, login_url, region) = match (entry.base_url_key(), raw.region.as_deref()) {
            (Some(_), region) => {
                let base = entry.base_url(None)?;
                (base.clone(), base, region.map(|r| r.trim().to_string()))
            }
            (None, None) => return Err(entry.missing("region")),
            (None, Some(r)) => {
                let Some(domain) = domain_of(r) else {
                    let hint = match did_you_mean(&r.trim().to_ascii_lowercase()) {
                        Some(d) => format!("; did you mean `{d}`?"),
                        None => format!(
                            "; one of {}",
                            REGIONS
                                .iter()
                                .map(|(d, _)| *d)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    return Err(FieldError::new(
                        "region",
                        format!("{r:?} is not a Genesys Cloud domain{hint}"),
                    ));
                };
                let url = |host: &str| {
                    url::Url::parse(&format!("https://{host}.{domain}"))
                        .map_err(|e| FieldError::new("region", e.to_string()))
                };
                (url("api")?, url("login")?, Some(domain.to_string()))
            }
        };
        let client_id = entry.required_str("client_id", &raw.client_id)?;
        if client_id.contains(':') {
            return Err(FieldError::new(
                "client_id",
                "must not contain ':' (it is the HTTP Basic user name of the token request)",
            ));
        }
        let client_secret =
            entry.secret("client_secret", &raw.client_secret, &raw.client_secret_file)?;
        let queues = entry.names("queues", raw.queues, "queue", "every queue")?;
        Ok(Config {
            api_url,
            login_url,
            region,
            client_id,
            client_secret,
            queues,
            time_zone: raw.time_zone.unwrap_or(chrono_tz::UTC),
        })
    }
}

impl Settings for Config {
    /// One line for `--config.check` (the client id, never the secret).
    fn summary(&self) -> String {
        let queues = crate::vendor_keys::names_text(&self.queues);
        format!(
            "{} region={} client_id={} queues={} time_zone={}",
            crate::http::display_url(&self.api_url),
            self.region.as_deref().unwrap_or("-"),
            self.client_id,
            queues,
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

    fn raw() -> Keys {
        Keys {
            region: Some("mypurecloud.ie".into()),
            client_id: Some("0a1b2c3d".into()),
            client_secret: Some(Secret::new("s3cret-gc")),
            ..Default::default()
        }
    }

    fn check(raw: Keys, base: Option<&str>) -> Result<Config, FieldError> {
        Config::from_keys(raw, &Entry::new("genesys_cloud", base, Default::default()))
    }

    #[test]
    fn region_gives_the_api_and_login_hosts() {
        let c = check(raw(), None).unwrap();
        assert_eq!(c.api_url.as_str(), "https://api.mypurecloud.ie/");
        assert_eq!(c.login_url.as_str(), "https://login.mypurecloud.ie/");
        assert_eq!(c.time_zone, chrono_tz::UTC);
        assert_eq!(
            c.summary(),
            "https://api.mypurecloud.ie/ region=mypurecloud.ie client_id=0a1b2c3d queues=all time_zone=UTC"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        // The login host, the API host or the AWS region name mean the same org.
        for r in [
            "login.mypurecloud.ie",
            "https://api.mypurecloud.ie/",
            "eu-west-1",
        ] {
            let mut k = raw();
            k.region = Some(r.into());
            assert_eq!(
                check(k, None).unwrap().region.as_deref(),
                Some("mypurecloud.ie")
            );
        }
    }

    #[test]
    fn a_misspelt_region_gets_did_you_mean() {
        let mut k = raw();
        k.region = Some("mypurecloud.ei".into());
        let e = check(k, None).unwrap_err();
        assert_eq!(e.key, "region");
        assert_eq!(
            e.message,
            "\"mypurecloud.ei\" is not a Genesys Cloud domain; did you mean `mypurecloud.ie`?"
        );
        let mut k = raw();
        k.region = Some("example.org".into());
        assert!(check(k, None)
            .unwrap_err()
            .message
            .contains("one of mypurecloud.com, mypurecloud.ie"));
        let mut k = raw();
        k.region = None;
        assert_eq!(check(k, None).unwrap_err().key, "region");
    }

    #[test]
    fn base_url_replaces_both_hosts_and_region_is_not_checked() {
        let mut k = raw();
        k.region = None;
        let c = check(k, Some("http://127.0.0.1:9/gc")).unwrap();
        assert_eq!(c.api_url.as_str(), "http://127.0.0.1:9/gc");
        assert_eq!(c.login_url, c.api_url);
        let mut k = raw();
        k.region = Some("anything".into());
        assert!(check(k, Some("http://127.0.0.1:9")).is_ok());
    }

    #[test]
    fn queues_and_credentials_are_checked() {
        let mut k = raw();
        k.queues = Some(vec![" Support ".into(), "Sales".into(), "Support".into()]);
        assert_eq!(
            check(k, None).unwrap().queues,
            Some(vec!["Support".to_string(), "Sales".to_string()])
        );
        let mut k = raw();
        k.queues = Some(vec![]);
        assert_eq!(check(k, None).unwrap_err().key, "queues");
        let mut k = raw();
        k.client_id = Some("a:b".into());
        assert_eq!(check(k, None).unwrap_err().key, "client_id");
        let mut k = raw();
        k.client_secret = None;
        assert_eq!(check(k, None).unwrap_err().key, "client_secret");
    }
}
