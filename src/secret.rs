//! A string that must never be printed: API tokens, passwords, private keys.
//!
//! `Debug` and `Display` print `<redacted>`, so a secret that ends up in a log line, an
//! error message or a `{:?}` of a config struct by accident still does not leak.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret value. Compare with `==`; read with [`Secret::expose`] only where the value
/// goes on the wire.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Reads a secret file; `$CREDENTIALS_DIRECTORY` at the start of the path is expanded so
/// that systemd's `LoadCredential=` works with a plain path in the config.
pub fn read_secret_file(path: &Path) -> Result<String, String> {
    let path = expand_credentials_dir(path);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    warn_if_world_readable(&path);
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    if text.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(text)
}

/// Expands a leading `$CREDENTIALS_DIRECTORY` (or `${CREDENTIALS_DIRECTORY}`).
pub fn expand_credentials_dir(path: &Path) -> PathBuf {
    let s = path.to_string_lossy();
    for prefix in ["$CREDENTIALS_DIRECTORY", "${CREDENTIALS_DIRECTORY}"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if let Ok(dir) = std::env::var("CREDENTIALS_DIRECTORY") {
                return PathBuf::from(format!("{dir}{rest}"));
            }
        }
    }
    path.to_path_buf()
}

fn warn_if_world_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o044 != 0 {
            tracing::warn!(file = %path.display(), "secret file is readable by group or others; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
        assert_eq!(s.expose(), "hunter2");
    }
}
