//! `vendor: vcc_live` keys: the account (`customer`), its API token, optional project and
//! user filters, the account's time zone, and the page size of the state log.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: vcc_live` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Keys {
    /// Account name (subdomain; the HTTP Basic user).
    pub customer: Option<String>,
    /// API token (the HTTP Basic password).
    pub token: Option<Secret>,
    /// File holding the API token.
    pub token_file: Option<PathBuf>,
    /// Project ids to filter by.
    pub projects: Option<Vec<u64>>,
    /// User ids to filter by.
    pub users: Option<Vec<u64>>,
    /// Time zone of the account's days (IANA name, default UTC).
    #[serde(default, deserialize_with = "crate::time_zone::deserialize_option")]
    pub time_zone: Option<chrono_tz::Tz>,
    /// State-log records per request.
    pub page_size: Option<u64>,
}

/// Default records per state-log request (`num`). The vendor documents no maximum
/// (third-party scripts use 100,000); 10,000 records are about 4.5 MB of JSON, well
/// under the default response cap, and a busy day still takes only a few requests.
pub const DEFAULT_PAGE_SIZE: u64 = 10_000;
/// Largest accepted `page_size` (about 45 MB of JSON a page).
pub const MAX_PAGE_SIZE: u64 = 100_000;

/// Validated settings of one VCC Live source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// API root; default `https://{customer}.asp.virtual-call-center.eu`.
    pub base_url: url::Url,
    /// Account name: the subdomain, and the HTTP Basic user.
    pub customer: String,
    /// API token: the HTTP Basic password.
    pub token: Secret,
    /// Only these projects (`projects=`), when set.
    pub projects: Vec<u64>,
    /// Only these users (`users=`), when set.
    pub users: Vec<u64>,
    /// The account's time zone: the state log's `from`/`to` days are local days there.
    pub time_zone: chrono_tz::Tz,
    /// Records per state-log request (`num`).
    pub page_size: u64,
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let customer = entry.required_str("customer", &raw.customer)?;
        if customer.contains(':') {
            return Err(FieldError::new(
                "customer",
                "must not contain ':' (it is the HTTP Basic user name)",
            ));
        }
        let default_url = if entry.base_url_key().is_none() {
            let label_ok = customer
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !label_ok {
                return Err(FieldError::new(
                    "customer",
                    format!(
                        "{customer:?} is not a valid subdomain (letters, digits and '-'); \
                         set base_url if your account lives elsewhere"
                    ),
                ));
            }
            Some(format!(
                "https://{}.asp.virtual-call-center.eu",
                customer.to_ascii_lowercase()
            ))
        } else {
            None
        };
        let base_url = entry.base_url(default_url)?;
        let token = entry.secret("token", &raw.token, &raw.token_file)?;
        let page_size = entry.between(
            "page_size",
            raw.page_size,
            DEFAULT_PAGE_SIZE,
            1..=MAX_PAGE_SIZE,
        )?;
        let list = |key: &str, v: &Option<Vec<u64>>| -> Result<Vec<u64>, FieldError> {
            match v {
                Some(ids) if ids.is_empty() => Err(FieldError::new(
                    key,
                    "is empty; leave it out to include all",
                )),
                Some(ids) => {
                    let mut ids = ids.clone();
                    ids.sort_unstable();
                    ids.dedup();
                    Ok(ids)
                }
                None => Ok(Vec::new()),
            }
        };
        Ok(Config {
            base_url,
            customer,
            token,
            projects: list("projects", &raw.projects)?,
            users: list("users", &raw.users)?,
            time_zone: raw.time_zone.unwrap_or(chrono_tz::UTC),
            page_size,
        })
    }
}

impl Settings for Config {
    /// The account's days are local days of `time_zone`.
    fn day_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    /// One line for `--config.check` (never the token).
    fn summary(&self) -> String {
        format!("{} page_size={}", self.identity(), self.page_size)
    }

    /// The account, its filters and its day's zone; not the page size.
    fn identity(&self) -> String {
        let ids = |v: &[u64]| {
            if v.is_empty() {
                "all".to_string()
            } else {
                join_ids(v)
            }
        };
        format!(
            "{} customer={} projects={} users={} time_zone={}",
            crate::http::display_url(&self.base_url),
            self.customer,
            ids(&self.projects),
            ids(&self.users),
            self.time_zone.name(),
        )
    }
}

/// `1,2,3`, the vendor's list syntax.
pub fn join_ids(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> Keys {
        Keys {
            customer: Some("MyCC".into()),
            token: Some(Secret::new("t0k")),
            ..Keys::default()
        }
    }

    fn check(raw: Keys) -> Result<Config, FieldError> {
        Config::from_keys(raw, &Entry::new("vcc_live", None, Default::default()))
    }

    #[test]
    fn defaults() {
        let c = check(raw()).unwrap();
        assert_eq!(
            c.base_url.as_str(),
            "https://mycc.asp.virtual-call-center.eu/"
        );
        assert_eq!(c.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(c.time_zone, chrono_tz::UTC);
        assert!(c.projects.is_empty() && c.users.is_empty());
        assert_eq!(c.token.expose(), "t0k");
        assert!(!c.summary().contains("t0k"));
    }

    #[test]
    fn base_url_override_with_prefix_and_filters() {
        let mut r = raw();
        r.customer = Some("not a subdomain".into());
        r.projects = Some(vec![64, 53, 64]);
        r.users = Some(vec![6]);
        r.time_zone = Some(chrono_tz::Europe::Budapest);
        let entry = Entry::new(
            "vcc_live",
            Some("http://127.0.0.1:9000/proxy/vcc/"),
            Default::default(),
        );
        let c = Config::from_keys(r, &entry).unwrap();
        assert_eq!(
            crate::http::join(&c.base_url, "/v2/onlineusers"),
            "http://127.0.0.1:9000/proxy/vcc/v2/onlineusers"
        );
        assert_eq!(c.projects, vec![53, 64]);
        assert_eq!(
            c.summary(),
            "http://127.0.0.1:9000/proxy/vcc customer=not a subdomain projects=53,64 users=6 time_zone=Europe/Budapest page_size=10000"
        );
    }

    #[test]
    fn the_identity_is_the_account_and_its_filters_not_the_page_size() {
        let mut a = check(raw()).unwrap();
        let id = a.identity();
        assert!(
            !id.contains("page_size") && id.contains("customer=MyCC"),
            "{id}"
        );
        a.page_size = 17;
        assert_eq!(a.identity(), id);
        a.projects = vec![7];
        assert_ne!(a.identity(), id);
        assert!(!a.identity().contains("t0k"));
    }

    #[test]
    fn invalid_values_name_their_key() {
        type Edit = Box<dyn Fn(&mut Keys)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|r| r.customer = None), "customer"),
            (Box::new(|r| r.customer = Some("a b".into())), "customer"),
            (Box::new(|r| r.customer = Some("a:b".into())), "customer"),
            (Box::new(|r| r.token = None), "token"),
            (Box::new(|r| r.page_size = Some(0)), "page_size"),
            (Box::new(|r| r.page_size = Some(100_001)), "page_size"),
            (Box::new(|r| r.users = Some(vec![])), "users"),
        ];
        for (edit, key) in cases {
            let mut r = raw();
            edit(&mut r);
            assert_eq!(check(r).unwrap_err().key, key);
        }
    }
}
