//! `vendor: exotel` keys: the Ameyo DataEngine host, contact center id and API user.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;
use crate::vendor::{Entry, FieldError, Settings};

/// The keys of a `vendor: exotel` entry as written (besides the common ones).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Keys {
    /// Contact center id.
    pub cc_id: Option<u64>,
    /// API user name.
    pub username: Option<String>,
    /// API password.
    pub password: Option<Secret>,
    /// File holding the API password.
    pub password_file: Option<PathBuf>,
    /// Records per page.
    pub page_size: Option<u64>,
}

/// Default and largest page size. The vendor documents the default (100) but no
/// maximum; 1,000 keeps one page well under the response cap.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
const MAX_PAGE_SIZE: u64 = 1000;

/// Validated settings of one Exotel source.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `https://host:port` of the DataEngine (required; no public default exists).
    pub base_url: url::Url,
    /// Contact center id (`ccId`).
    pub cc_id: u64,
    /// API user.
    pub username: String,
    /// API password.
    pub password: Secret,
    /// Records per page (`limit`).
    pub page_size: u64,
}

impl Config {
    /// Validates the vendor keys `raw` of `entry`.
    pub fn from_keys(raw: Keys, entry: &Entry) -> Result<Self, FieldError> {
        let base_url = entry.base_url(None)?;
        let cc_id = raw.cc_id.ok_or_else(|| entry.missing("cc_id"))?;
        let username = entry.required_str("username", &raw.username)?;
        let password = entry.secret("password", &raw.password, &raw.password_file)?;
        let page_size = entry.between(
            "page_size",
            raw.page_size,
            DEFAULT_PAGE_SIZE,
            1..=MAX_PAGE_SIZE,
        )?;
        Ok(Config {
            base_url,
            cc_id,
            username,
            password,
            page_size,
        })
    }
}

impl Settings for Config {
    /// One line for `--config.check`.
    fn summary(&self) -> String {
        format!(
            "{} cc_id={} user={} page_size={}",
            crate::http::display_url(&self.base_url),
            self.cc_id,
            self.username,
            self.page_size
        )
    }

    /// The contact center; not the login that reads it or the page size.
    fn identity(&self) -> String {
        format!(
            "{} cc_id={}",
            crate::http::display_url(&self.base_url),
            self.cc_id
        )
    }
}
