//! Wire format of the real-time metrics API and its pure parsers.
//!
//! Every list endpoint answers a JSON array of `{"id", "name", "metrics": [{"key",
//! "value"}]}`. 8x8's own examples show a value as a number (`7`), a numeric string
//! (`"0"`), a string (a status, an ISO timestamp), `null`, or a list (`activeQueues.rt`);
//! the OpenAPI file calls it a number. Every one of these is accepted for every metric:
//! numbers and numeric strings are numbers, `null` is kept apart (the caller decides
//! what it means), text is kept for the statuses, anything else is ignored.
//!
//! The parser reads straight into fixed slots for the metric keys the source asked
//! for: no map per record and no string for a number, so a 1,000-queue answer costs
//! little more than reading its bytes (benches/eight_by_eight_analytics_ingest.rs).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::http::ParseError;

/// The queue metrics the source asks for (`metrics=`), in slot order.
pub const QUEUE_METRICS: [&str; 13] = [
    "entered.today",
    "accepted.today",
    "abandoned.today",
    "acceptedInSla.today",
    "slaTimeThreshold.today",
    "interactionsWaitInQueue.rt",
    "interactionsLongestWaitInQueue.rt",
    "availableIdle.rt",
    "offering.rt",
    "handling.rt",
    "wrapUp.rt",
    "onBreak.rt",
    "workingOffline.rt",
];

/// Slots of [`QUEUE_METRICS`].
pub mod q {
    /// `entered.today`.
    pub const ENTERED: usize = 0;
    /// `accepted.today`.
    pub const ACCEPTED: usize = 1;
    /// `abandoned.today`.
    pub const ABANDONED: usize = 2;
    /// `acceptedInSla.today`.
    pub const ACCEPTED_IN_SLA: usize = 3;
    /// `slaTimeThreshold.today` (milliseconds).
    pub const SLA_THRESHOLD_MS: usize = 4;
    /// `interactionsWaitInQueue.rt`.
    pub const WAITING: usize = 5;
    /// `interactionsLongestWaitInQueue.rt` (milliseconds).
    pub const LONGEST_WAIT_MS: usize = 6;
    /// First of the per-status agent counts (`availableIdle.rt` … `workingOffline.rt`).
    pub const FIRST_AGENT_COUNT: usize = 7;
}

/// The per-status agent counts of a queue and the vendor state name each stands for
/// (the names `status.rt` uses for an agent in that status).
pub const QUEUE_AGENT_STATES: [(&str, &str); 6] = [
    ("availableIdle.rt", "Available"),
    ("offering.rt", "Offering"),
    ("handling.rt", "Handling"),
    ("wrapUp.rt", "WrapUp"),
    ("onBreak.rt", "OnBreak"),
    ("workingOffline.rt", "WorkingOffline"),
];

/// The agent metrics the source asks for, in slot order.
pub const AGENT_METRICS: [&str; 2] = ["status.rt", "timeOnStatus.rt"];

/// Slots of [`AGENT_METRICS`].
pub mod a {
    /// `status.rt`.
    pub const STATUS: usize = 0;
    /// `timeOnStatus.rt` (milliseconds).
    pub const TIME_ON_STATUS_MS: usize = 1;
}

/// One metric value as sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// A number, or a string holding one.
    Number(f64),
    /// Any other string (a status name, a timestamp).
    Text(String),
    /// A list, an object or a boolean: not what any metric read here holds.
    Other,
}

impl Value {
    /// The value as a count or duration: a finite number ≥ 0, else `None`.
    pub fn non_negative(&self) -> Option<f64> {
        match self {
            // `+ 0.0` turns a `-0` into 0.
            Value::Number(n) if n.is_finite() && *n >= 0.0 => Some(*n + 0.0),
            _ => None,
        }
    }
}

/// One queue or agent: its id, name and the metrics of `N` asked-for keys (`None`
/// where the answer did not carry the key).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<const N: usize> {
    /// `id` (a string in the examples; a number is accepted).
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// The values, in the order of the key table the record was parsed with.
    pub values: [Option<Value>; N],
}

impl<const N: usize> Record<N> {
    /// The value in slot `i`, if the answer carried it.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i).and_then(Option::as_ref)
    }
}

/// A queue of `/queues`.
pub type QueueRecord = Record<13>;
/// An agent of `/agents`.
pub type AgentRecord = Record<2>;

/// Parses one page of `/queues`.
pub fn parse_queues(body: &[u8]) -> Result<Vec<QueueRecord>, ParseError> {
    parse_records(body, &QUEUE_METRICS)
}

/// Parses one page of `/agents`.
pub fn parse_agents(body: &[u8]) -> Result<Vec<AgentRecord>, ParseError> {
    parse_records(body, &AGENT_METRICS)
}

/// Parses a list answer into records with the metrics of `keys`. A JSON object with a
/// `message` (8x8's error body) is a vendor error; anything else not in the documented
/// shape is a decode error.
pub fn parse_records<const N: usize>(
    body: &[u8],
    keys: &'static [&'static str; N],
) -> Result<Vec<Record<N>>, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = RecordsSeed(keys)
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|_| r));
    match parsed {
        Ok(r) => Ok(r),
        Err(e) => match error_message(body) {
            Some(message) => Err(ParseError::Vendor {
                hint: hint_for_message(&message),
                message,
            }),
            None => Err(ParseError::Decode(e.to_string())),
        },
    }
}

/// The `message` of an error body `{"message": "Bad request: ..."}`, if `body` is one.
pub fn error_message(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
    }
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.message)
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
}

/// What to tell the operator for one of the documented 400 messages.
pub fn hint_for_message(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    if m.contains("x-tenant-info") {
        Some("the API key serves several tenants: set tenant to the tenant id".into())
    } else if m.contains("timezone") {
        Some("set time_zone to one of the time zones configured for the tenant".into())
    } else if m.contains("queue") {
        Some("check queues: every id must be a queue of the tenant".into())
    } else {
        None
    }
}

struct RecordsSeed<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for RecordsSeed<N> {
    type Value = Vec<Record<N>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for RecordsSeed<N> {
    type Value = Vec<Record<N>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of {id, name, metrics}")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(r) = seq.next_element_seed(RecordSeed(self.0))? {
            out.push(r);
        }
        Ok(out)
    }
}

struct RecordSeed<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for RecordSeed<N> {
    type Value = Record<N>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for RecordSeed<N> {
    type Value = Record<N>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object {id, name, metrics}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rec = Record {
            id: None,
            name: None,
            values: std::array::from_fn(|_| None),
        };
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => rec.id = map.next_value::<Label>()?.0,
                Field::Name => rec.name = map.next_value::<Label>()?.0,
                Field::Metrics => map.next_value_seed(MetricsSeed(self.0, &mut rec.values))?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(rec)
    }
}

/// The fields of a record that are read.
enum Field {
    Id,
    Name,
    Metrics,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Field, E> {
                Ok(match s {
                    "id" => Field::Id,
                    "name" => Field::Name,
                    "metrics" => Field::Metrics,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// An id or name: a string, or a number written as one; `null` is none.
struct Label(Option<String>);

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Label;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Label, E> {
                let s = s.trim();
                Ok(Label((!s.is_empty()).then(|| s.to_string())))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Label, E> {
                Ok(Label(Some(n.to_string())))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Label, E> {
                Ok(Label(Some(n.to_string())))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Label, E> {
                Ok(Label(Some(n.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Label, E> {
                Ok(Label(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Label, E> {
                Ok(Label(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// `metrics`: a list of `{key, value}` written into the slots of the known keys
/// (`null` is read as an empty list).
struct MetricsSeed<'a, const N: usize>(&'static [&'static str; N], &'a mut [Option<Value>; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for MetricsSeed<'_, N> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for MetricsSeed<'_, N> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of {key, value}")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some((slot, value)) = seq.next_element_seed(ItemSeed(self.0))? {
            if let (Some(i), Some(v)) = (slot, value) {
                // The first of a key seen twice wins, as for duplicate records.
                if self.1[i].is_none() {
                    self.1[i] = Some(v);
                }
            }
        }
        Ok(())
    }
}

/// One `{key, value}`: the slot of its key (`None` for a key not asked for) and the
/// value (`None` when the item has no `value`).
struct ItemSeed<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for ItemSeed<N> {
    type Value = (Option<usize>, Option<Value>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for ItemSeed<N> {
    type Value = (Option<usize>, Option<Value>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object {key, value}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut slot, mut value, mut has_key) = (None, None, false);
        while let Some(k) = map.next_key::<ItemField>()? {
            match k {
                ItemField::Key => {
                    slot = map.next_value_seed(KeySeed(self.0))?;
                    has_key = true;
                }
                ItemField::Value => value = Some(map.next_value::<Value>()?),
                ItemField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !has_key {
            return Err(de::Error::missing_field("key"));
        }
        Ok((slot, value))
    }
}

enum ItemField {
    Key,
    Value,
    Other,
}

impl<'de> Deserialize<'de> for ItemField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ItemField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ItemField, E> {
                Ok(match s {
                    "key" => ItemField::Key,
                    "value" => ItemField::Value,
                    _ => ItemField::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A metric key → its slot, without allocating.
struct KeySeed<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for KeySeed<N> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<const N: usize> Visitor<'_> for KeySeed<N> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metric key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|k| *k == s))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a metric value")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
                Ok(Value::Number(n as f64))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
                Ok(Value::Number(n as f64))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
                Ok(Value::Number(n))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
                match s.trim().parse::<f64>() {
                    // "NaN" and "inf" parse as floats; they are no count.
                    Ok(n) if n.is_finite() => Ok(Value::Number(n)),
                    _ => Ok(Value::Text(s.to_string())),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
                Ok(Value::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Value::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Value::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The paging headers of an answer: `X-Total-Pages` (and `X-Total-Elements`, for the
/// record count), when present and numeric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paging {
    /// `X-Total-Pages`.
    pub total_pages: Option<u64>,
    /// `X-Total-Elements`.
    pub total_elements: Option<u64>,
}

impl Paging {
    /// Reads the headers.
    pub fn from_headers(h: &reqwest::header::HeaderMap) -> Self {
        let num = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Paging {
            total_pages: num("x-total-pages"),
            total_elements: num("x-total-elements"),
        }
    }
}

/// The token endpoint's answer: the shared client-credentials parser reads 8x8's
/// strings (`"expires_in": "1799"`) as well as numbers.
pub use crate::oauth2::{parse_token, TokenAnswer};

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUES: &str =
        include_str!("../../../tests/fixtures/eight_by_eight_analytics/queues.json");
    const AGENTS: &str =
        include_str!("../../../tests/fixtures/eight_by_eight_analytics/queue-agents.json");
    const TOKEN: &str = include_str!("../../../tests/fixtures/eight_by_eight_analytics/token.json");

    #[test]
    fn the_documented_queue_example() {
        let r = parse_queues(QUEUES.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].id.as_deref(), r[0].name.as_deref()),
            (Some("103"), Some("Appointments"))
        );
        assert_eq!(r[0].get(q::ENTERED), Some(&Value::Number(7.0)));
        assert_eq!(r[1].get(q::ENTERED), Some(&Value::Number(6.0)));
        // handling.rt is a per-status agent count.
        assert_eq!(
            r[0].get(q::FIRST_AGENT_COUNT + 2),
            Some(&Value::Number(0.0))
        );
        // Keys the example does not carry are absent, not zero.
        assert_eq!(r[0].get(q::WAITING), None);
    }

    #[test]
    fn the_documented_agent_example() {
        let r = parse_agents(AGENTS.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].id.as_deref(), Some("agAD21EBR1RhuV2TNDivaaa"));
        assert_eq!(r[0].get(a::STATUS), Some(&Value::Text("LoggedOut".into())));
        assert_eq!(
            r[0].get(a::TIME_ON_STATUS_MS),
            Some(&Value::Number(245_611_272.0))
        );
        assert_eq!(r[1].get(a::STATUS), Some(&Value::Text("Available".into())));
    }

    /// The groups example sends counts as strings ("0"); the agents example a null
    /// reason code, ISO timestamps and, for all agents, lists as values.
    #[test]
    fn every_documented_value_shape() {
        let body = br#"[{"id": 5, "name": null, "metrics": [
            {"key": "waiting", "value": 1},
            {"key": "interactionsWaitInQueue.rt", "value": " 3 "},
            {"key": "entered.today", "value": null},
            {"key": "accepted.today", "value": [{"id": "101", "count": 2}]},
            {"key": "abandoned.today", "value": "2022-12-16T16:28:08.013Z"},
            {"value": 9, "key": "acceptedInSla.today"},
            {"key": "slaTimeThreshold.today", "value": 20000.0},
            {"key": "handling.rt", "value": true},
            {"key": "offering.rt", "value": {"a": 1}},
            {"key": "interactionsWaitInQueue.rt", "value": 99},
            {"key": "onBreak.rt"}
        ], "extra": {"x": [1, 2]}}]"#;
        let r = parse_queues(body).unwrap();
        let r = &r[0];
        assert_eq!((r.id.as_deref(), r.name.as_deref()), (Some("5"), None));
        assert_eq!(r.get(q::WAITING), Some(&Value::Number(3.0)));
        assert_eq!(r.get(q::ENTERED), Some(&Value::Null));
        assert_eq!(r.get(q::ACCEPTED), Some(&Value::Other));
        assert!(matches!(r.get(q::ABANDONED), Some(Value::Text(_))));
        assert_eq!(r.get(q::ACCEPTED_IN_SLA), Some(&Value::Number(9.0)));
        assert_eq!(r.get(q::SLA_THRESHOLD_MS), Some(&Value::Number(20000.0)));
        assert_eq!(r.get(q::FIRST_AGENT_COUNT + 2), Some(&Value::Other));
        assert_eq!(r.get(q::FIRST_AGENT_COUNT + 4), None);
    }

    #[test]
    fn error_bodies_and_broken_shapes() {
        let e = parse_queues(br#"{"message": "Bad request: X-Tenant-Info header is missing."}"#)
            .unwrap_err();
        match e {
            ParseError::Vendor { message, hint } => {
                assert_eq!(message, "Bad request: X-Tenant-Info header is missing.");
                assert!(hint.unwrap().contains("set tenant"));
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            &br#"{"queues": []}"#[..],
            br#"[{"id": "1", "metrics": {"key": "entered.today"}}]"#,
            br#"[{"id": {"x": 1}, "metrics": []}]"#,
            br#"[{"id": "1", "metrics": [{"value": 1}]}]"#,
            br#"[{"id": "1", "metrics": [{"key": 7, "value": 1}]}]"#,
            br#"[1]"#,
            b"<html>",
            br#"[] []"#,
        ] {
            assert!(
                matches!(parse_queues(bad), Err(ParseError::Decode(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(parse_queues(b"[]").unwrap(), vec![]);
        assert_eq!(
            parse_queues(br#"[{"id": "1", "metrics": null}]"#).unwrap()[0].values,
            std::array::from_fn(|_| None)
        );
    }

    #[test]
    fn the_documented_token_answer_with_strings() {
        let t = parse_token(TOKEN.as_bytes()).unwrap();
        assert_eq!(t.access_token.expose(), "3yKcgVwWCJM14dXxKDBAEDGcythJ");
        assert_eq!(t.expires_in, Some(1799));
        let t = parse_token(br#"{"access_token": "x", "expires_in": 60}"#).unwrap();
        assert_eq!(t.expires_in, Some(60));
        let t = parse_token(br#"{"access_token": "x", "expires_in": "soon"}"#).unwrap();
        assert_eq!(t.expires_in, None);
        let t = parse_token(br#"{"access_token": "x", "expires_in": null}"#).unwrap();
        assert_eq!(t.expires_in, None);
    }

    #[test]
    fn token_errors_never_quote_the_body() {
        let e = parse_token(br#"{"access_token": ["SECRET-ish"]}"#).unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let e = parse_token(br#"{"token": "SECRET-ish"}"#).unwrap_err();
        assert_eq!(
            e,
            ParseError::Decode("token response without access_token".into())
        );
        let e = parse_token(br#"{"message": "Invalid client"}"#).unwrap_err();
        assert!(matches!(e, ParseError::Vendor { .. }));
    }

    #[test]
    fn paging_headers() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("X-Total-Pages", "3".parse().unwrap());
        h.insert("x-total-elements", " 2500".parse().unwrap());
        assert_eq!(
            Paging::from_headers(&h),
            Paging {
                total_pages: Some(3),
                total_elements: Some(2500)
            }
        );
        assert_eq!(
            Paging::from_headers(&reqwest::header::HeaderMap::new()),
            Paging::default()
        );
    }
}
