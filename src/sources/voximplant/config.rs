//! `vendor: voximplant` keys: the service-account credentials file and the ACD queues
//! to watch.
//!
//! The credentials file is read and checked here, at config time, so that a missing
//! file, a malformed JSON or an unusable private key is a `--config.check` error naming
//! the file instead of a failure at the first poll.

use std::path::PathBuf;

use serde::Deserialize;

pub use super::auth::Credentials;
use crate::secret::expand_credentials_dir;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: voximplant` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Keys {
    /// Service-account credentials JSON file.
    pub credentials_file: Option<PathBuf>,
    /// ACD queue ids to watch (default all).
    pub acd_queues: Option<Vec<u64>>,
}

/// The Management API's public endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.voximplant.com";

/// Validated settings of one Voximplant source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Management API base URL (default [`DEFAULT_BASE_URL`]).
    pub base_url: url::Url,
    /// Where the credentials came from (after `$CREDENTIALS_DIRECTORY` expansion); named
    /// in error messages.
    pub credentials_file: PathBuf,
    /// The service-account key.
    pub credentials: Credentials,
    /// ACD queue ids to watch; `None` watches every queue of the account.
    pub acd_queues: Option<Vec<u64>>,
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`, reading and checking the credentials
    /// file.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let base_url = entry.base_url(Some(DEFAULT_BASE_URL.to_string()))?;
        let Some(path) = &raw.credentials_file else {
            return Err(FieldError::new(
                "credentials_file",
                "missing (required for vendor voximplant): the service-account JSON key file",
            ));
        };
        let path = expand_credentials_dir(path);
        let credentials =
            Credentials::load(&path).map_err(|m| FieldError::new("credentials_file", m))?;
        let acd_queues = match &raw.acd_queues {
            None => None,
            Some(ids) if ids.is_empty() => {
                return Err(FieldError::new(
                    "acd_queues",
                    "is empty; omit it to watch every queue",
                ))
            }
            Some(ids) => {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                Some(ids)
            }
        };
        Ok(Config {
            base_url,
            credentials_file: path,
            credentials,
            acd_queues,
        })
    }
}

impl Settings for Config {
    /// One line for `--config.check` (the key id, never the key).
    fn summary(&self) -> String {
        let queues = match &self.acd_queues {
            None => "all".to_string(),
            Some(ids) => ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
        };
        format!(
            "{} account_id={} key_id={} acd_queues={}",
            crate::http::display_url(&self.base_url),
            self.credentials.account_id,
            self.credentials.key_id,
            queues
        )
    }

    /// The account and its queues; not the service-account key (a rotated key keeps
    /// the counters).
    fn identity(&self) -> String {
        let queues = match &self.acd_queues {
            None => "all".to_string(),
            Some(ids) => ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
        };
        format!(
            "{} account_id={} acd_queues={}",
            crate::http::display_url(&self.base_url),
            self.credentials.account_id,
            queues
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn raw(path: &Path) -> Keys {
        Keys {
            credentials_file: Some(path.to_path_buf()),
            ..Default::default()
        }
    }

    fn from_keys(keys: Keys) -> Result<Config, FieldError> {
        Config::from_keys(keys, &Entry::new("voximplant", None, Default::default()))
    }

    fn check(path: &Path) -> Result<Config, FieldError> {
        from_keys(raw(path))
    }

    #[test]
    fn missing_file_names_the_file() {
        let e = check(Path::new("/nonexistent/vox.json")).unwrap_err();
        assert_eq!(e.key, "credentials_file");
        assert!(e.message.contains("/nonexistent/vox.json"), "{}", e.message);
    }

    #[test]
    fn malformed_key_names_the_file_and_hides_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vox.json");
        std::fs::write(
            &p,
            r#"{"account_id": 1, "key_id": "k", "private_key": "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----\n"}"#,
        )
        .unwrap();
        let e = check(&p).unwrap_err();
        assert!(
            e.message.starts_with(&p.display().to_string()),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("private_key is unusable"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("SECRETSTUFF"));
    }

    #[test]
    fn field_errors_are_specific() {
        assert_eq!(
            Credentials::parse(r#"{"key_id":"k","private_key":"x"}"#).unwrap_err(),
            "account_id is missing or not a positive integer"
        );
        assert_eq!(
            Credentials::parse(r#"{"account_id":"12","private_key":"x"}"#).unwrap_err(),
            "key_id is missing or not a non-empty string"
        );
        assert_eq!(
            Credentials::parse(r#"{"result":{"account_id":12,"key_id":"k"}}"#).unwrap_err(),
            "private_key is missing or not a PEM string"
        );
        assert!(Credentials::parse("{not json")
            .unwrap_err()
            .starts_with("not a JSON service-account key"));
        assert!(Credentials::parse("[1]")
            .unwrap_err()
            .contains("expected an object"));
    }

    #[test]
    fn demo_key_loads_top_level_and_wrapped() {
        let pem = super::super::simulate::DEMO_PRIVATE_KEY;
        let top = serde_json::json!({"account_email": "demo@example.com", "account_id": 7, "key_id": "kid-1", "private_key": pem});
        let c = Credentials::parse(&top.to_string()).unwrap();
        assert_eq!((c.account_id, c.key_id.as_str()), (7, "kid-1"));
        let wrapped = serde_json::json!({"result": {"account_id": "7", "key_id": "kid-1", "private_key": pem}});
        assert_eq!(Credentials::parse(&wrapped.to_string()).unwrap(), c);
        assert!(!format!("{c:?}").contains("PRIVATE"));
    }

    #[test]
    fn empty_queue_list_is_an_error_and_ids_are_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vox.json");
        let pem = super::super::simulate::DEMO_PRIVATE_KEY;
        let doc = serde_json::json!({"account_id": 7, "key_id": "k", "private_key": pem});
        std::fs::write(&p, doc.to_string()).unwrap();
        let mut r = raw(&p);
        r.acd_queues = Some(vec![]);
        assert_eq!(from_keys(r.clone()).unwrap_err().key, "acd_queues");
        r.acd_queues = Some(vec![5, 3, 5]);
        let c = from_keys(r).unwrap();
        assert_eq!(c.acd_queues, Some(vec![3, 5]));
        assert_eq!(c.base_url.as_str(), "https://api.voximplant.com/");
        assert_eq!(
            c.summary(),
            "https://api.voximplant.com/ account_id=7 key_id=k acd_queues=3,5"
        );
    }
}
