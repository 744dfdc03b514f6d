//! A vendor's own keys of one `sources:` entry: the [`Entry`] the config loader hands a
//! vendor (with helpers for the checks every vendor makes), the [`FieldError`] it
//! answers with, and [`VendorConfig`], its validated settings with the type erased.
//!
//! The loader decodes the common keys itself and gives each vendor only the rest, so a
//! vendor's key struct stays strict (`deny_unknown_fields`) and its errors name the key.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::secret::{read_secret_file, Secret};

/// What a vendor validator reports: the offending key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Key within the source entry (`token_file`), or empty for the entry itself.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// The error is about the key's value as written (a wrong type), so the loader
    /// points at the value rather than at the key.
    pub at_value: bool,
}

impl FieldError {
    /// An error about `key`.
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        FieldError {
            key: key.to_string(),
            message: message.into(),
            at_value: false,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// A list of names as `--config.check` shows it: comma-separated, `all` when not set
/// (the counterpart of [`Entry::names`]).
pub fn names_text(names: &Option<Vec<String>>) -> String {
    match names {
        Some(n) => n.join(","),
        None => "all".to_string(),
    }
}

/// The vendor's part of one source entry, as the config loader hands it over.
pub struct Entry<'a> {
    vendor: &'static str,
    base_url: Option<&'a str>,
    keys: serde_yaml_ng::Value,
}

impl<'a> Entry<'a> {
    /// The vendor keys `keys` of a `vendor:` entry whose common `base_url` is
    /// `base_url`.
    pub fn new(
        vendor: &'static str,
        base_url: Option<&'a str>,
        keys: serde_yaml_ng::Mapping,
    ) -> Self {
        Entry {
            vendor,
            base_url,
            keys: serde_yaml_ng::Value::Mapping(keys),
        }
    }

    /// The `base_url` key as written, if set.
    pub fn base_url_key(&self) -> Option<&str> {
        self.base_url
    }

    /// Decodes the vendor keys into the vendor's strict struct. Type errors name the key
    /// and point at its value; a missing required field points at the entry.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, FieldError> {
        serde_path_to_error::deserialize(&self.keys).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            if path == "." {
                FieldError::new("", message)
            } else if message.starts_with("unknown field") {
                FieldError::new(&path, message)
            } else {
                FieldError {
                    key: path,
                    message,
                    at_value: true,
                }
            }
        })
    }

    /// Reads a secret given either inline (`key`) or as a file (`key_file`); exactly one
    /// must be set. A file's trailing newline is dropped; an empty secret is an error.
    pub fn secret(
        &self,
        key: &str,
        inline: &Option<Secret>,
        file: &Option<PathBuf>,
    ) -> Result<Secret, FieldError> {
        let file_key = format!("{key}_file");
        match (inline, file) {
            (Some(_), Some(_)) => Err(FieldError::new(
                key,
                format!("set either {key} or {file_key}, not both"),
            )),
            (None, None) => Err(FieldError::new(
                key,
                format!("missing: set {key} or {file_key}"),
            )),
            (Some(s), None) if s.expose().is_empty() => Err(FieldError::new(key, "is empty")),
            (Some(s), None) => Ok(s.clone()),
            (None, Some(path)) => {
                let text = read_secret_file(path).map_err(|m| FieldError::new(&file_key, m))?;
                Ok(Secret::new(text))
            }
        }
    }

    /// Requires a non-empty string key.
    pub fn required_str(&self, key: &str, value: &Option<String>) -> Result<String, FieldError> {
        match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            Some(_) => Err(FieldError::new(key, "is empty")),
            None => Err(self.missing(key)),
        }
    }

    /// `value` (or `default` when the key is not set), which must lie in `range`.
    pub fn between(
        &self,
        key: &str,
        value: Option<u64>,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, FieldError> {
        let v = value.unwrap_or(default);
        if range.contains(&v) {
            Ok(v)
        } else {
            Err(FieldError::new(
                key,
                format!("must be between {} and {}", range.start(), range.end()),
            ))
        }
    }

    /// An optional list of names (`queues: [Support, Sales]`): trimmed, each once, in
    /// the order written. `None` when the key is not set (every one of them, `all`);
    /// an empty list or an empty name is an error, worded with `what` (`queue`,
    /// `TaskQueue`) and `every` (what omitting the key gives).
    pub fn names(
        &self,
        key: &str,
        value: Option<Vec<String>>,
        what: &str,
        every: &str,
    ) -> Result<Option<Vec<String>>, FieldError> {
        let Some(names) = value else {
            return Ok(None);
        };
        if names.is_empty() {
            return Err(FieldError::new(
                key,
                format!("is empty; omit it to report on {every}"),
            ));
        }
        let mut out: Vec<String> = Vec::with_capacity(names.len());
        for n in names {
            let n = n.trim();
            if n.is_empty() {
                return Err(FieldError::new(key, format!("has an empty {what} name")));
            }
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
        Ok(Some(out))
    }

    /// A duration key in whole seconds from 1 to `max` (or `default` when not set);
    /// `why` says where the bound comes from (`the API's threshold range`).
    pub fn whole_seconds(
        &self,
        key: &str,
        value: Option<std::time::Duration>,
        default: u64,
        max: u64,
        why: &str,
    ) -> Result<u64, FieldError> {
        match value {
            None => Ok(default),
            Some(d) if d.subsec_nanos() == 0 && (1..=max).contains(&d.as_secs()) => Ok(d.as_secs()),
            Some(_) => {
                let max = match max {
                    m if m % 86_400 == 0 => format!("{}d", m / 86_400),
                    m if m % 3600 == 0 => format!("{}h", m / 3600),
                    m => format!("{m}s"),
                };
                Err(FieldError::new(
                    key,
                    format!("must be whole seconds from 1s to {max} ({why})"),
                ))
            }
        }
    }

    /// "missing (required for vendor …)" for `key`.
    pub fn missing(&self, key: &str) -> FieldError {
        FieldError::new(
            key,
            format!("missing (required for vendor {})", self.vendor),
        )
    }

    /// Parses `base_url` (or the vendor's default): http(s), no query, no trailing `/`.
    pub fn base_url(&self, default: Option<String>) -> Result<url::Url, FieldError> {
        let raw = match (self.base_url, default) {
            (Some(u), _) => u.to_string(),
            (None, Some(d)) => d,
            (None, None) => return Err(self.missing("base_url")),
        };
        let url = url::Url::parse(raw.trim_end_matches('/'))
            .map_err(|e| FieldError::new("base_url", format!("invalid URL {raw:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FieldError::new(
                "base_url",
                format!("scheme must be http or https, not {:?}", url.scheme()),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(FieldError::new(
                "base_url",
                "must not have a query or fragment",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FieldError::new(
                "base_url",
                "must not carry credentials; use the vendor's credential keys",
            ));
        }
        Ok(url)
    }
}

/// A vendor's validated settings, as the vendor defines them.
pub trait Settings: fmt::Debug + Send + Sync + 'static {
    /// One line for `--config.check` (never a secret).
    fn summary(&self) -> String;

    /// What makes this source's series what they are: the settings whose change means
    /// other data (account, tenant, instance, queue or user filters, time zone), as one
    /// line without secrets. A source whose identity is unchanged keeps its counters and
    /// period ledger over a reload and a restart; any other change of its settings (poll
    /// interval, page size, a rotated key) applies without restarting its counters.
    /// Defaults to [`Settings::summary`], which names every non-secret setting: a vendor
    /// overrides it to leave out settings that do not change what is counted.
    fn identity(&self) -> String {
        self.summary()
    }

    /// The zone whose days the vendor's day totals are counted in (what "today" means
    /// on the status page): the source's `time_zone` where the vendor takes one.
    fn day_zone(&self) -> chrono_tz::Tz {
        chrono_tz::UTC
    }
}

/// [`Settings`] that can be compared and downcast once their type is erased.
trait Erased: Send + Sync {
    fn settings(&self) -> &dyn Settings;
    fn as_any(&self) -> &dyn Any;
    fn same(&self, other: &dyn Erased) -> bool;
}

impl<T: Settings + PartialEq> Erased for T {
    fn settings(&self) -> &dyn Settings {
        self
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same(&self, other: &dyn Erased) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// A vendor's validated settings with the type erased: the core stores, compares (to
/// tell a changed source on reload) and summarizes them; only the vendor reads them.
#[derive(Clone)]
pub struct VendorConfig(Arc<dyn Erased>);

impl VendorConfig {
    /// Wraps a vendor's settings.
    pub fn new<T: Settings + PartialEq>(settings: T) -> Self {
        VendorConfig(Arc::new(settings))
    }

    /// One line for `--config.check` (never a secret).
    pub fn summary(&self) -> String {
        self.0.settings().summary()
    }

    /// What makes the series what they are ([`Settings::identity`]).
    pub fn identity(&self) -> String {
        self.0.settings().identity()
    }

    /// The zone whose days the vendor's day totals are counted in.
    pub fn day_zone(&self) -> chrono_tz::Tz {
        self.0.settings().day_zone()
    }

    /// The settings as the vendor's own type, if they are of that type.
    pub fn downcast<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

impl PartialEq for VendorConfig {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(other.0.as_ref())
    }
}

impl fmt::Debug for VendorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.settings(), f)
    }
}

/// The field names of a struct that derives `Deserialize`: the keys a vendor accepts
/// are the fields of its key struct, so no hand-kept list can drift from it.
pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    // The probe fails on purpose after it has seen the field list.
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields.unwrap_or(&[])
}

/// The keys of a vendor's key struct that hold a [`Secret`] (as `Option<Secret>` or
/// `Secret`): tests and checks find every vendor's secrets from the registry, so a new
/// vendor's are covered without a list to keep.
pub fn secret_fields<T: DeserializeOwned>() -> Vec<&'static str> {
    struct_fields::<T>()
        .iter()
        .copied()
        .filter(|f| {
            let mut secret = false;
            // Fails on purpose once the field's type has shown itself.
            let _ = T::deserialize(OneFieldProbe {
                field: f,
                secret: &mut secret,
            });
            secret
        })
        .collect()
}

/// A struct with only `field`, whose value records whether it is asked for as a
/// [`Secret`].
struct OneFieldProbe<'a> {
    field: &'static str,
    secret: &'a mut bool,
}

impl<'de> Deserializer<'de> for OneFieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(OneFieldMap {
            field: Some(self.field),
            secret: self.secret,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        enum identifier ignored_any
    }
}

struct OneFieldMap<'a> {
    field: Option<&'static str>,
    secret: &'a mut bool,
}

impl<'de> de::MapAccess<'de> for OneFieldMap<'_> {
    type Error = de::value::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.field.take() {
            Some(f) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(f))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        seed.deserialize(ValueProbe(self.secret))
    }
}

/// A value that notes a request for a [`Secret`] (through an `Option` too) and fails.
struct ValueProbe<'a>(&'a mut bool);

impl<'de> Deserializer<'de> for ValueProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("probe"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = name == crate::secret::SECRET_NEWTYPE;
        Err(de::Error::custom("probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Keys {
        #[serde(default)]
        cc_id: Option<u64>,
        #[serde(default)]
        username: Option<String>,
    }

    fn entry(yaml: &str) -> Entry<'static> {
        Entry::new("x", None, serde_yaml_ng::from_str(yaml).unwrap())
    }

    #[test]
    fn fields_come_from_the_struct() {
        assert_eq!(struct_fields::<Keys>(), &["cc_id", "username"]);
    }

    #[test]
    fn secret_fields_are_found_by_type() {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct WithSecrets {
            user: Option<String>,
            token: Option<Secret>,
            token_file: Option<PathBuf>,
            key: Secret,
            ids: Option<Vec<u64>>,
        }
        assert_eq!(secret_fields::<WithSecrets>(), ["token", "key"]);
        assert!(secret_fields::<Keys>().is_empty());
        // Every vendor of the registry has at least one secret key, or a credentials
        // file whose content never reaches a message.
        for v in crate::sources::REGISTRY {
            assert!(
                !v.secret_keys().is_empty() || v.keys().iter().any(|k| k.ends_with("_file")),
                "{}",
                v.as_str()
            );
        }
    }

    #[test]
    fn type_errors_point_at_the_value_and_unknown_keys_at_the_key() {
        let e = entry("cc_id: six").decode::<Keys>().unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str(), e.at_value),
            ("cc_id", "invalid type: string \"six\", expected u64", true)
        );
        let e = entry("usernam: x").decode::<Keys>().unwrap_err();
        assert_eq!((e.key.as_str(), e.at_value), ("usernam", false));
    }

    #[test]
    fn erased_settings_compare_by_value_and_type() {
        #[derive(Debug, PartialEq)]
        struct A(u8);
        impl Settings for A {
            fn summary(&self) -> String {
                format!("a={}", self.0)
            }
        }
        #[derive(Debug, PartialEq)]
        struct B(u8);
        impl Settings for B {
            fn summary(&self) -> String {
                String::new()
            }
        }
        assert_eq!(VendorConfig::new(A(1)), VendorConfig::new(A(1)));
        assert_ne!(VendorConfig::new(A(1)), VendorConfig::new(A(2)));
        assert_ne!(VendorConfig::new(A(1)), VendorConfig::new(B(1)));
        assert_eq!(VendorConfig::new(A(3)).summary(), "a=3");
        assert!(VendorConfig::new(A(3)).downcast::<B>().is_none());
    }
}
