//! Wire format of the Voximplant Management API methods this source calls, and their
//! pure parsers.
//!
//! Every method answers `{"result": ..., "error": {"msg", "code"}}` (plus `total_count`
//! and `count` for paged lists); an `error` is a failed call even under HTTP 200.
//! Readings of the documentation that these types pin (each has a test):
//! - `acd_status` in `GetACDOperatorStatusStatistics` is an object keyed by status in
//!   the vendor's example and a list of such objects in the SDK types: both parse.
//! - ids and numbers may arrive as JSON numbers or numeric strings (the SDK types call
//!   `user_id` a string in statistics, the example sends a number).
//! - `GetACDState` spells `after_service_operator_count` in the singular; the plural
//!   is accepted as well.
//! - `AC`/`UAC` in `GetACDQueueStatistics` are lists of `{count, percent}` (a plain
//!   number is accepted too, as `GetACDOperatorStatistics` sends it).

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::http::ParseError;

/// A number that may arrive as a JSON number or a numeric string.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Num(pub f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(Num)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// A non-negative integer id that may arrive as a number or a numeric string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Id(pub u64);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer id")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                u64::try_from(v)
                    .map(Id)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Id, E> {
                if v >= 0.0 && v.fract() == 0.0 && v < u64::MAX as f64 {
                    Ok(Id(v as u64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                v.trim()
                    .parse()
                    .map(Id)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `{"msg": ..., "code": N}`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ApiError {
    /// What went wrong.
    pub msg: Option<String>,
    /// Error code (100 authorization, 101 arguments, 103 unknown command, 104 forbidden,
    /// 111 date format, 1/2/4/19 server side).
    pub code: Option<Num>,
}

/// The envelope of every answer.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    #[serde(default = "Option::default")]
    pub result: Option<T>,
    /// Set when the call failed.
    #[serde(default)]
    pub error: Option<ApiError>,
    /// Paged lists: every matching record.
    #[serde(default)]
    pub total_count: Option<Num>,
    /// Paged lists: records in this page.
    #[serde(default)]
    pub count: Option<Num>,
}

#[derive(Deserialize)]
struct ErrorOnly {
    error: ApiError,
}

/// One page of a list method.
#[derive(Debug)]
pub struct Page<T> {
    /// The records.
    pub records: Vec<T>,
    /// `total_count`, when given.
    pub total_count: Option<u64>,
}

/// Parses any method's answer: its `error` as a vendor error, else its `result`.
pub fn parse_envelope<T: DeserializeOwned>(body: &[u8]) -> Result<Envelope<T>, ParseError> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(env) => match env.error {
            Some(e) => Err(vendor_error(&e)),
            None if env.result.is_none() => Err(ParseError::Decode(
                "neither \"result\" nor \"error\" in the answer".into(),
            )),
            None => Ok(env),
        },
        // A well-formed error next to a result of an unexpected shape is still the
        // vendor's error, not ours.
        Err(e) => match serde_json::from_slice::<ErrorOnly>(body) {
            Ok(eo) => Err(vendor_error(&eo.error)),
            Err(_) => Err(ParseError::Decode(e.to_string())),
        },
    }
}

/// The `result` of a method that answers one object.
pub fn parse_result<T: DeserializeOwned>(body: &[u8]) -> Result<T, ParseError> {
    parse_envelope::<T>(body).and_then(|env| {
        env.result
            .ok_or_else(|| ParseError::Decode("no \"result\"".into()))
    })
}

/// One page of a list method (`result` is a list; `total_count` says how many exist).
pub fn parse_page<T: DeserializeOwned>(body: &[u8]) -> Result<Page<T>, ParseError> {
    let env = parse_envelope::<Vec<T>>(body)?;
    Ok(Page {
        total_count: env.total_count.map(|n| n.0.max(0.0) as u64),
        records: env.result.unwrap_or_default(),
    })
}

/// `{"error": {...}}` → the one line an operator reads, and what to check.
pub fn vendor_error(e: &ApiError) -> ParseError {
    let code = e.code.map(|c| c.0 as i64);
    let msg = e
        .msg
        .as_deref()
        .map(|m| crate::http::summarize_body(m.as_bytes()))
        .unwrap_or_else(|| "no message".into());
    let message = match code {
        Some(c) => format!("Voximplant error {c}: {msg}"),
        None => format!("Voximplant error: {msg}"),
    };
    let hint = match code {
        Some(100) => Some(
            "authorization failed: check credentials_file (account_id, key_id, private_key), \
             that the key is not deleted in the control panel, and this host's clock"
                .to_string(),
        ),
        Some(104) => Some(
            "forbidden: the service account needs a role allowed to read ACD data \
             (Owner, Admin, Developer or Supervisor)"
                .to_string(),
        ),
        Some(101) | Some(111) => {
            Some("the API refused the request's arguments; please report this".to_string())
        }
        Some(103) => Some("unknown method: check base_url".to_string()),
        Some(1) | Some(2) | Some(4) | Some(19) => {
            Some("failure on Voximplant's side; retried next poll".to_string())
        }
        _ => None,
    };
    ParseError::Vendor { message, hint }
}

// ---------------------------------------------------------------------------------
// GetACDOperatorStatusStatistics

/// `{min, avg, max, count, sum}` of one status (or wait) over one period, seconds.
// This and `StatusRecord` are the hot path of the largest answer (one per user, hour and
// status): field defaults keep serde from building a whole default value per record
// (a struct default measured 2–3 % slower in `cargo bench --bench voximplant_ingest`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct StatItem {
    /// Number of samples.
    #[serde(default)]
    pub count: Option<Num>,
    /// Sum of the samples, seconds.
    #[serde(default)]
    pub sum: Option<Num>,
}

/// `acd_status`: status name → item, from either documented shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusMap(pub Vec<(String, StatItem)>);

impl<'de> Deserialize<'de> for StatusMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn entries<'de, A: MapAccess<'de>>(
            mut m: A,
            out: &mut Vec<(String, StatItem)>,
        ) -> Result<(), A::Error> {
            while let Some(k) = m.next_key::<String>()? {
                if let Some(item) = m.next_value::<Option<StatItem>>()? {
                    out.push((k, item));
                }
            }
            Ok(())
        }
        /// One element of the list shape: an object keyed by status.
        struct Element<'a>(&'a mut Vec<(String, StatItem)>);
        impl<'de> de::DeserializeSeed<'de> for Element<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                struct EV<'a>(&'a mut Vec<(String, StatItem)>);
                impl<'de> Visitor<'de> for EV<'_> {
                    type Value = ();
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("an object keyed by ACD status")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<(), A::Error> {
                        entries(m, self.0)
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
                        Ok(())
                    }
                }
                d.deserialize_any(EV(self.0))
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = StatusMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object keyed by ACD status, or a list of such objects")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<StatusMap, A::Error> {
                let mut out = Vec::with_capacity(4);
                entries(m, &mut out)?;
                Ok(StatusMap(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<StatusMap, A::Error> {
                let mut out = Vec::with_capacity(4);
                while s.next_element_seed(Element(&mut out))?.is_some() {}
                Ok(StatusMap(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StatusMap, E> {
                Ok(StatusMap::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// One record: one user (or date) × one period.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct StatusRecord {
    /// The user, when grouped by aggregation.
    #[serde(default)]
    pub user_id: Option<Id>,
    /// UTC date `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    /// Hour of that day.
    #[serde(default)]
    pub hour: Option<Num>,
    /// Time per status.
    #[serde(default)]
    pub acd_status: StatusMap,
}

/// A first-level group: by user (`group=user`, what this source asks for) or by
/// period (`group=aggregation`); the record's own fields win over the group's.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct StatusGroup {
    /// The user, when grouped by user.
    pub user_id: Option<Id>,
    /// UTC date, when grouped by aggregation.
    pub date: Option<String>,
    /// Hour, when grouped by aggregation.
    pub hour: Option<Num>,
    /// The records.
    pub statistics: Vec<StatusRecord>,
}

/// Parses a `GetACDOperatorStatusStatistics` answer.
pub fn parse_status_statistics(body: &[u8]) -> Result<Vec<StatusGroup>, ParseError> {
    parse_result(body)
}

// ---------------------------------------------------------------------------------
// GetACDQueueStatistics

/// A call count: `[{count, percent}]` (queue statistics) or a plain number.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallCount(pub f64);

impl<'de> Deserialize<'de> for CallCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Item {
            #[serde(default)]
            count: Option<Num>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<Item>),
            One(Item),
            Plain(Num),
        }
        Ok(match Option::<Raw>::deserialize(d)? {
            None => CallCount(0.0),
            Some(Raw::List(items)) => {
                CallCount(items.iter().filter_map(|i| i.count).map(|n| n.0).sum())
            }
            Some(Raw::One(i)) => CallCount(i.count.map_or(0.0, |n| n.0)),
            Some(Raw::Plain(n)) => CallCount(n.0),
        })
    }
}

/// One service level of a queue period.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServiceLevel {
    /// Threshold in seconds.
    pub acceptable_waiting_time: Option<Num>,
    /// Calls answered within the threshold.
    pub call_count: Option<Num>,
    /// `call_count` as a fraction of all calls.
    pub service_level: Option<Num>,
}

/// One period of one queue (`abbreviation=true` names; the long names are aliases).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct QueueStatRecord {
    /// UTC date `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Hour of that day.
    pub hour: Option<Num>,
    /// Total calls.
    #[serde(rename = "TC", alias = "TotalCalls")]
    pub total_calls: Option<Num>,
    /// Answered calls.
    #[serde(rename = "AC", alias = "AnsweredCalls")]
    pub answered: Option<CallCount>,
    /// Unanswered (abandoned) calls.
    #[serde(rename = "UAC", alias = "UnansweredCalls")]
    pub unanswered: Option<CallCount>,
    /// Service levels, one per configured threshold.
    #[serde(rename = "SL", alias = "ServiceLevel")]
    pub service_levels: Option<Vec<ServiceLevel>>,
    /// Abandonment time: from the call reaching the cloud to the caller hanging up
    /// without reaching an operator.
    #[serde(rename = "AT", alias = "AbandonmentTime")]
    pub abandonment_time: Option<StatItem>,
    /// Handling time: "sum of TalkTime and AfterCallWork" per handled call (SDK
    /// `ACDQueueStatistics.HT`); its `count` is the number of calls handled.
    #[serde(rename = "HT", alias = "HandlingTime")]
    pub handling_time: Option<StatItem>,
    /// Talk time: from the operator answering to the end of the call.
    #[serde(rename = "TT", alias = "TalkTime")]
    pub talk_time: Option<StatItem>,
    /// After-call work: from the end of the call until the operator leaves
    /// `AFTER_SERVICE`; tracked only for calls after which the operator went to
    /// `AFTER_SERVICE`, so its `count` may be below `HT`'s.
    #[serde(rename = "ACW", alias = "AfterCallWork")]
    pub after_call_work: Option<StatItem>,
}

/// Parses a `GetACDQueueStatistics` answer.
pub fn parse_queue_statistics(body: &[u8]) -> Result<Vec<QueueStatRecord>, ParseError> {
    parse_result::<Option<Vec<QueueStatRecord>>>(body).map(Option::unwrap_or_default)
}

// ---------------------------------------------------------------------------------
// GetACDState

/// An operator in a `GetACDState` list.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Operator {
    /// User id.
    pub user_id: Option<Id>,
    /// `READY` or `BANNED` for locked operators.
    pub status: Option<String>,
}

/// A call waiting in a queue.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WaitingCall {
    /// Seconds waited so far.
    pub waiting_time: Option<Num>,
    /// When the call entered the queue, `YYYY-MM-DD HH:mm:ss` UTC.
    pub begin_time: Option<String>,
}

/// One queue now.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct QueueState {
    /// Queue id.
    pub acd_queue_id: Id,
    /// Operators in READY who can take a call from this queue.
    #[serde(default)]
    pub ready_operators: Option<Vec<Operator>>,
    /// Their number.
    #[serde(default)]
    pub ready_operators_count: Option<Num>,
    /// Operators in READY who cannot take a call now (servicing one, or banned).
    #[serde(default)]
    pub locked_operators: Option<Vec<Operator>>,
    /// Their number.
    #[serde(default)]
    pub locked_operators_count: Option<Num>,
    /// Operators in AFTER_SERVICE.
    #[serde(default)]
    pub after_service_operators: Option<Vec<Operator>>,
    /// Their number (the vendor spells it in the singular).
    #[serde(default, alias = "after_service_operators_count")]
    pub after_service_operator_count: Option<Num>,
    /// Calls waiting for an operator.
    #[serde(default)]
    pub waiting_calls: Option<Vec<WaitingCall>>,
}

/// `result` of `GetACDState`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct AcdState {
    /// The queues.
    pub acd_queues: Option<Vec<QueueState>>,
}

/// Parses a `GetACDState` answer.
pub fn parse_acd_state(body: &[u8]) -> Result<AcdState, ParseError> {
    parse_result(body)
}

// ---------------------------------------------------------------------------------
// GetQueues, GetApplications, GetUsers

/// A queue definition.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct QueueInfo {
    /// Queue id.
    pub acd_queue_id: Id,
    /// Queue name.
    #[serde(default)]
    pub acd_queue_name: Option<String>,
    /// Application the queue belongs to.
    #[serde(default)]
    pub application_id: Option<Id>,
    /// Service-level thresholds, seconds.
    #[serde(default)]
    pub sl_thresholds: Option<Vec<Num>>,
    /// Set (non-empty) for deleted queues.
    #[serde(default)]
    pub deleted: Option<String>,
}

/// An application (only its id is used).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AppInfo {
    /// Application id.
    pub application_id: Id,
}

/// A queue a user is bound to (`with_queues=true`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct UserQueue {
    /// Queue id.
    pub acd_queue_id: Id,
}

/// A user (operator).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct UserInfo {
    /// User id.
    pub user_id: Id,
    /// Login name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// Display name (the person's name, where the account set one).
    #[serde(default)]
    pub user_display_name: Option<String>,
    /// Current ACD status.
    #[serde(default)]
    pub acd_status: Option<String>,
    /// When the ACD status last changed, `YYYY-MM-DD HH:mm:ss` UTC.
    #[serde(default)]
    pub acd_status_change_time: Option<String>,
    /// Queues the user is bound to (absent unless `with_queues=true` was honoured).
    #[serde(default)]
    pub acd_queues: Option<Vec<UserQueue>>,
}

/// Parses a `GetQueues` page.
pub fn parse_queues(body: &[u8]) -> Result<Page<QueueInfo>, ParseError> {
    parse_page(body)
}

/// Parses a `GetApplications` page.
pub fn parse_applications(body: &[u8]) -> Result<Page<AppInfo>, ParseError> {
    parse_page(body)
}

/// Parses a `GetUsers` page.
pub fn parse_users(body: &[u8]) -> Result<Page<UserInfo>, ParseError> {
    parse_page(body)
}

/// `YYYY-MM-DD HH:mm:ss` (UTC) → Unix seconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

/// Unix seconds → `YYYY-MM-DD HH:mm:ss` (UTC), the API's request format.
pub fn format_datetime(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &[u8] =
        include_bytes!("../../../tests/fixtures/voximplant/GetACDOperatorStatusStatistics.json");
    const EXAMPLE_LIST: &[u8] = include_bytes!(
        "../../../tests/fixtures/voximplant/GetACDOperatorStatusStatistics-list-shape.json"
    );

    fn flat(groups: &[StatusGroup]) -> Vec<(u64, String, f64, String, f64)> {
        let mut v = Vec::new();
        for g in groups {
            for r in &g.statistics {
                for (st, it) in &r.acd_status.0 {
                    v.push((
                        g.user_id.unwrap().0,
                        r.date.clone().unwrap(),
                        r.hour.unwrap().0,
                        st.clone(),
                        it.sum.unwrap().0,
                    ));
                }
            }
        }
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    }

    #[test]
    fn documented_example_object_shape() {
        let g = parse_status_statistics(EXAMPLE).unwrap();
        assert_eq!(g.len(), 2);
        let f = flat(&g);
        assert_eq!(f.len(), 7);
        assert_eq!(
            f[0],
            (487576, "2019-05-20".into(), 11.0, "ONLINE".into(), 303.0)
        );
        let ready: f64 = f.iter().filter(|r| r.3 == "READY").map(|r| r.4).sum();
        let online: f64 = f.iter().filter(|r| r.3 == "ONLINE").map(|r| r.4).sum();
        assert_eq!((ready, online), (4755.0, 6843.0));
    }

    /// The SDK types model `acd_status` as a list of objects keyed by status: the same
    /// data in that shape gives the same records.
    #[test]
    fn sdk_list_shape_equals_object_shape() {
        let a = parse_status_statistics(EXAMPLE).unwrap();
        let b = parse_status_statistics(EXAMPLE_LIST).unwrap();
        assert_eq!(flat(&a), flat(&b));
        // A list may also split statuses over several objects, and hold nulls.
        let body = br#"{"result":[{"user_id":"7","statistics":[{"date":"2019-05-20","hour":"3","acd_status":[{"READY":{"sum":"10"}},{"DND":{"sum":5.5},"OFFLINE":null},null]}]}]}"#;
        let g = parse_status_statistics(body).unwrap();
        let r = &g[0].statistics[0];
        assert_eq!(g[0].user_id, Some(Id(7)));
        assert_eq!(r.hour, Some(Num(3.0)));
        let names: Vec<_> = r
            .acd_status
            .0
            .iter()
            .map(|(s, i)| (s.as_str(), i.sum))
            .collect();
        assert_eq!(
            names,
            vec![("READY", Some(Num(10.0))), ("DND", Some(Num(5.5)))]
        );
    }

    #[test]
    fn error_body_is_a_vendor_error_with_hint_even_under_200() {
        let body = br#"{"error":{"msg":"Authorization failed","code":100}}"#;
        match parse_status_statistics(body) {
            Err(ParseError::Vendor { message, hint }) => {
                assert_eq!(message, "Voximplant error 100: Authorization failed");
                assert!(hint.unwrap().contains("credentials_file"));
            }
            other => panic!("{other:?}"),
        }
        // An error next to a result of unexpected shape is still the vendor's error.
        let body = br#"{"result": 5, "error":{"msg":"Invalid date format","code":"111"}}"#;
        match parse_queue_statistics(body) {
            Err(ParseError::Vendor { message, hint }) => {
                assert_eq!(message, "Voximplant error 111: Invalid date format");
                assert!(hint.unwrap().contains("arguments"));
            }
            other => panic!("{other:?}"),
        }
        match parse_acd_state(br#"{"error":{"msg":"Forbidden","code":104}}"#) {
            Err(ParseError::Vendor { hint, .. }) => assert!(hint.unwrap().contains("role")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_and_empty_envelopes_are_decode_errors() {
        for body in [
            &b"<html>"[..],
            b"{}",
            b"{\"result\": {\"acd_queues\": 3}}",
            b"[]",
        ] {
            assert!(
                matches!(parse_acd_state(body), Err(ParseError::Decode(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn acd_state_fixture() {
        let s = parse_acd_state(include_bytes!(
            "../../../tests/fixtures/voximplant/GetACDState.json"
        ))
        .unwrap();
        let q = s.acd_queues.unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].acd_queue_id, Id(54));
        assert_eq!(q[0].ready_operators.as_ref().unwrap().len(), 1);
        let locked = q[0].locked_operators.as_ref().unwrap();
        assert_eq!(locked[1].status.as_deref(), Some("BANNED"));
        // The singular spelling is what the vendor sends.
        assert_eq!(q[0].after_service_operator_count, Some(Num(1.0)));
        assert_eq!(
            q[0].waiting_calls.as_ref().unwrap()[1].waiting_time,
            Some(Num(75.0))
        );
    }

    #[test]
    fn queue_statistics_fixture() {
        let r = parse_queue_statistics(include_bytes!(
            "../../../tests/fixtures/voximplant/GetACDQueueStatistics.json"
        ))
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].total_calls, Some(Num(12.0)));
        assert_eq!(r[0].answered, Some(CallCount(10.0)));
        assert_eq!(r[0].unanswered, Some(CallCount(2.0)));
        let sl = r[0].service_levels.as_ref().unwrap();
        assert_eq!(sl[0].acceptable_waiting_time, Some(Num(20.0)));
        assert_eq!(sl[0].call_count, Some(Num(8.0)));
        assert_eq!(r[0].abandonment_time.unwrap().sum, Some(Num(95.0)));
    }

    #[test]
    fn call_counts_in_every_shape() {
        let body = br#"{"result":[{"AC":[{"count":3,"percent":0.5},{"count":"2"}],"UAC":4},{"AnsweredCalls":{"count":1}},{"AC":null}]}"#;
        let r = parse_queue_statistics(body).unwrap();
        assert_eq!(r[0].answered, Some(CallCount(5.0)));
        assert_eq!(r[0].unanswered, Some(CallCount(4.0)));
        assert_eq!(r[1].answered, Some(CallCount(1.0)));
        assert_eq!(r[2].answered, None);
        assert!(parse_queue_statistics(br#"{"result":null}"#).is_err());
    }

    #[test]
    fn users_queues_and_applications_pages() {
        let u = parse_users(include_bytes!(
            "../../../tests/fixtures/voximplant/GetUsers.json"
        ))
        .unwrap();
        assert_eq!(u.total_count, Some(3));
        assert_eq!(u.records.len(), 3);
        assert_eq!(u.records[0].acd_status.as_deref(), Some("READY"));
        assert_eq!(
            u.records[0]
                .acd_status_change_time
                .as_deref()
                .and_then(parse_datetime),
            Some(1_558_350_000)
        );
        let q = parse_queues(include_bytes!(
            "../../../tests/fixtures/voximplant/GetQueues.json"
        ))
        .unwrap();
        assert_eq!(q.records[0].acd_queue_name.as_deref(), Some("Sales"));
        assert_eq!(q.records[0].application_id, Some(Id(1)));
        let a = parse_applications(br#"{"result":[{"application_id":1,"application_name":"x.y.voximplant.com"}],"total_count":1,"count":1}"#).unwrap();
        assert_eq!(a.records[0].application_id, Id(1));
    }

    #[test]
    fn ids_and_numbers_drift() {
        #[derive(Deserialize)]
        struct T {
            a: Id,
            b: Num,
        }
        let t: T = serde_json::from_str(r#"{"a":"12","b":"1.5"}"#).unwrap();
        assert_eq!((t.a, t.b), (Id(12), Num(1.5)));
        let t: T = serde_json::from_str(r#"{"a":12.0,"b":2}"#).unwrap();
        assert_eq!((t.a, t.b), (Id(12), Num(2.0)));
        assert!(serde_json::from_str::<T>(r#"{"a":-1,"b":2}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":"x","b":2}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":1,"b":"nan"}"#).is_err());
    }

    #[test]
    fn datetimes_round_trip() {
        let t = chrono::DateTime::from_timestamp(1_558_350_000, 0).unwrap();
        assert_eq!(format_datetime(t), "2019-05-20 11:00:00");
        assert_eq!(parse_datetime("2019-05-20 11:00:00"), Some(1_558_350_000));
        assert_eq!(parse_datetime("2019-05-20T11:00:00Z"), None);
    }
}
