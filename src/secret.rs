//! A string that must never be printed: API tokens, passwords, private keys.
//!
//! `Debug` and `Display` print `<redacted>`, so a secret that ends up in a log line, an
//! error message or a `{:?}` of a config struct by accident still does not leak.
//! Decoding never quotes the value either: a secret written as an unquoted YAML integer
//! (`password: 20241107`) is taken as its digits, and a value of any other wrong type is
//! refused with a message that does not repeat it (serde's own `invalid type: integer
//! \`20241107\`` would print the secret into the error, the log and the reload answer).

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret value. Compare with `==`; read with [`Secret::expose`] only where the value
/// goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// The newtype name a [`Secret`] asks its deserializer for: how
/// [`crate::vendor_keys::secret_fields`] tells a vendor's secret keys from the others.
pub const SECRET_NEWTYPE: &str = "contact_center_exporter::secret::Secret";

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(SECRET_NEWTYPE, SecretVisitor)
    }
}

/// Accepts strings and integers; every refusal leaves the value out of the message.
struct SecretVisitor;

/// Why a non-string secret is refused, without the value.
const NOT_A_STRING: &str = "must be a string (the value is not shown); quote it";

impl<'de> serde::de::Visitor<'de> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secret string")
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Secret, D::Error> {
        d.deserialize_any(SecretVisitor)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
        Ok(Secret::new(v))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
        Ok(Secret(v))
    }

    // An unquoted run of digits is a YAML integer; its digits are the secret.
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    // `1.50` or `1e3` would come back as `1.5` or `1000`: refuse rather than send a
    // different secret.
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Secret, E> {
        Err(E::custom(
            "is a number that YAML does not keep as written (the value is not shown); quote it",
        ))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Secret, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Secret, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Secret, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(serde::de::Error::custom(NOT_A_STRING))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(serde::de::Error::custom(NOT_A_STRING))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(serde::de::Error::custom(NOT_A_STRING))
    }
}

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

    #[derive(serde::Deserialize, Debug)]
    struct Keys {
        password: Option<Secret>,
    }

    /// Through a YAML `Value` first, as the config loader decodes a vendor's keys.
    fn decode(yaml: &str) -> Result<Option<Secret>, String> {
        let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).map_err(|e| e.to_string())?;
        let direct = serde_yaml_ng::from_str::<Keys>(yaml).map(|k| k.password);
        let via_value = serde_yaml_ng::from_value::<Keys>(v)
            .map(|k| k.password)
            .map_err(|e| e.to_string());
        assert_eq!(
            direct
                .as_ref()
                .ok()
                .map(|s| s.as_ref().map(|s| s.expose().to_string())),
            via_value
                .as_ref()
                .ok()
                .map(|s| s.as_ref().map(|s| s.expose().to_string())),
            "{yaml}"
        );
        via_value
    }

    #[test]
    fn numbers_are_taken_as_written_and_never_echoed() {
        let got = |y: &str| decode(y).unwrap().map(|s| s.expose().to_string());
        assert_eq!(got("password: hunter2"), Some("hunter2".into()));
        assert_eq!(got("password: \"0042\""), Some("0042".into()));
        assert_eq!(got("password: 20241107"), Some("20241107".into()));
        assert_eq!(got("password: -20241107"), Some("-20241107".into()));
        assert_eq!(
            got("password: 998877665544332211"),
            Some("998877665544332211".into())
        );
        assert_eq!(got("password:"), None);
        for (yaml, value) in [
            ("password: 20241107.5", "20241107.5"),
            ("password: 2024e11", "2024e11"),
            ("password: true", "true"),
            ("password: [20241107]", "20241107"),
            ("password: {a: 20241107}", "20241107"),
        ] {
            let err = decode(yaml).unwrap_err();
            assert!(!err.contains(value), "{yaml}: {err}");
            assert!(err.contains("quote it"), "{yaml}: {err}");
        }
    }
}
