//! Durations in the config file, written the human way (`30s`, `5m`, `1h30m`), with an
//! error that shows the syntax: an operator who wrote `60` or `one minute` learns the
//! fix from the message alone.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// The syntax, as every duration error states it (docs/configuration.md, "Durations").
pub const SYNTAX: &str =
    "write a number and a unit, e.g. `30s`, `5m`, `1h30m` (units: ms, s, m, h, d)";

/// A duration key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl std::ops::Deref for HumanDuration {
    type Target = Duration;
    fn deref(&self) -> &Duration {
        &self.0
    }
}

/// Parses `30s`, `5m`, `1h30m`; the error names the syntax.
pub fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?} is not a duration ({e}); {SYNTAX}"))
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a duration; {SYNTAX}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HumanDuration, E> {
                parse(s).map(HumanDuration).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_errors_show_the_syntax() {
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse("60").unwrap_err(),
            "\"60\" is not a duration (time unit needed, for example 60sec or 60ms); write a number and a unit, e.g. `30s`, `5m`, `1h30m` (units: ms, s, m, h, d)"
        );
        // A bare YAML number is read as its text: the same message.
        let e = serde_yaml_ng::from_str::<HumanDuration>("60").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("\"60\" is not a duration (time unit needed"),
            "{e}"
        );
        let e = serde_yaml_ng::from_str::<HumanDuration>("[1]").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid type: sequence, expected a duration; write a number and a unit, e.g. `30s`"),
            "{e}"
        );
    }
}
