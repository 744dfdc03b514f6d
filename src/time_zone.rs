//! IANA time-zone names in the config: parsing with a "did you mean" when a name is not
//! in the tz database (`America/NewYork` → `America/New_York`).
//!
//! Vendors and `opening_hours` decode their `time_zone` keys with [`deserialize_option`],
//! so every zone error reads the same and suggests the closest real name.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

/// Where the operator finds the valid names.
const ZONE_LIST: &str = "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones";

/// Parses an IANA zone name; the error suggests the closest name of the tz database.
pub fn parse(name: &str) -> Result<Tz, String> {
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let hint = match closest(name) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => format!(" (an IANA name such as `Europe/Budapest` or `UTC`, see {ZONE_LIST})"),
    };
    Err(format!("unknown time zone {name:?}{hint}"))
}

/// The tz-database name an operator most likely meant: the same name in other case, a
/// name whose city part is what was written (`Budapest`), or one a typo or two away.
fn closest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    if let Some(n) = names
        .clone()
        .find(|n| n.eq_ignore_ascii_case(name) || n.to_ascii_lowercase() == lower.replace(' ', "_"))
    {
        return Some(n);
    }
    if !name.contains('/') {
        if let Some(n) = names.clone().find(|n| {
            n.rsplit('/')
                .next()
                .is_some_and(|city| city.eq_ignore_ascii_case(&lower.replace(' ', "_")))
        }) {
            return Some(n);
        }
    }
    names
        .map(|n| (strsim::levenshtein(&lower, &n.to_ascii_lowercase()), n))
        .filter(|(d, n)| *d <= 3 && *d * 3 < n.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Serde `deserialize_with` for an optional `time_zone` key (use with `#[serde(default)]`).
pub fn deserialize_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Tz>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(name) => parse(&name).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_misspelt_zone_gets_the_closest_name() {
        assert_eq!(parse("Europe/Budapest"), Ok(chrono_tz::Europe::Budapest));
        assert_eq!(
            parse("America/NewYork").unwrap_err(),
            "unknown time zone \"America/NewYork\"; did you mean `America/New_York`?"
        );
        assert_eq!(
            parse("europe/budapest").unwrap_err(),
            "unknown time zone \"europe/budapest\"; did you mean `Europe/Budapest`?"
        );
        assert_eq!(
            parse("Budapest").unwrap_err(),
            "unknown time zone \"Budapest\"; did you mean `Europe/Budapest`?"
        );
        assert_eq!(
            parse("Mars/Olympus").unwrap_err(),
            "unknown time zone \"Mars/Olympus\" (an IANA name such as `Europe/Budapest` or `UTC`, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)"
        );
    }
}
