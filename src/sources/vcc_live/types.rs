//! Wire format of the VCC Live Database API v2 (user state log, online users) and its
//! pure parsers.
//!
//! Read from the vendor page and its example, which disagree with the field table:
//! `duration` is fractional, `name`/`username` are strings, `auxid` is a string or
//! `null`; any of them may change type again, so only the fields this exporter uses are
//! decoded (everything else is skipped unread) and numbers are accepted as numbers or
//! numeric strings. Records are converted to compact [`StateChange`]s while the JSON is
//! decoded, straight from borrowed slices of the body: a 45 MB day is never held twice.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::http::ParseError;

/// What an operator should check when VCC Live refuses a request.
pub const AUTH_HINT: &str = "check customer and token, and that this host's IP address is registered for API access in VCC Live";

/// One record of the user state log: `prev_state`, entered at `prev_time`, ended at
/// `time`, when `state` began. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct StateChange {
    /// The user's id (`userid`).
    pub user: UserId,
    /// The state that ended (`prevstate`); empty when missing.
    pub prev_state: StateName,
    /// The state that began (`state`); empty when missing.
    pub state: StateName,
    /// When `prev_state` began, from `prevtime_utc`.
    pub prev_time_utc: Option<i64>,
    /// When `state` began, from `time_utc`.
    pub time_utc: Option<i64>,
    /// `prevtime` (account-local wall clock, as if UTC), used only without `prevtime_utc`.
    pub prev_time_local: Option<i64>,
    /// `time` (account-local wall clock, as if UTC), used only without `time_utc`.
    pub time_local: Option<i64>,
    /// `duration`: seconds spent in `prev_state` (see `duration_is_length_of_prevstate`
    /// in the tests for why it is not the length of `state`).
    pub duration: Option<f64>,
    /// Identity of the record (hash of its identifying fields), to recognise it when
    /// it is fetched again.
    pub fingerprint: u64,
}

/// A vendor state name, shared: a day has a handful of distinct names and 100,000
/// records, so each page keeps one copy of each name.
pub type StateName = Arc<str>;

/// A user id: numeric in the documentation, but a string is accepted (numeric strings
/// become numbers, so `"6"` in one endpoint and `6` in another are the same user).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserId {
    /// A numeric id (the documented form).
    Num(i64),
    /// Any other id; empty when the record had none.
    Text(Box<str>),
}

impl UserId {
    /// An id from text.
    pub fn from_text(t: &str) -> UserId {
        let t = t.trim();
        match t.parse::<i64>() {
            Ok(n) if n.to_string() == t => UserId::Num(n),
            _ => UserId::Text(t.into()),
        }
    }

    /// Whether the record had no id.
    pub fn is_empty(&self) -> bool {
        matches!(self, UserId::Text(t) if t.is_empty())
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Num(n) => write!(f, "{n}"),
            UserId::Text(t) => f.write_str(t),
        }
    }
}

/// One entry of `/v2/onlineusers`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineUser {
    /// `userid` or `userId`.
    pub user: UserId,
    /// `username`.
    pub username: Option<String>,
    /// `state`: the user's state now.
    pub state: String,
    /// `stateDuration`: seconds in `state` when the response was made.
    pub state_duration: Option<f64>,
    /// `stateChangedAt` (ISO 8601 with offset) as Unix seconds.
    pub state_changed_at: Option<f64>,
}

impl StateChange {
    /// Whether the record says who changed from what to what (records without a user
    /// id or a state name are kept for paging, and otherwise ignored).
    pub fn is_usable(&self) -> bool {
        !self.user.is_empty() && !self.prev_state.is_empty() && !self.state.is_empty()
    }
}

/// A page of the user state log.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UserStatePage {
    /// Every record, in the order the server sent them (offsets count each one,
    /// including those without user id or states: see [`StateChange::is_usable`]).
    pub changes: Vec<StateChange>,
}

/// Parses a `/v2/statistics/userstate` body (`of=json`). A non-empty `errors` array is
/// a [`ParseError::Vendor`] whatever `response` holds.
pub fn parse_userstate(body: &[u8]) -> Result<UserStatePage, ParseError> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(default)]
        response: Option<Changes>,
        #[serde(default)]
        errors: Option<Vec<serde_json::Value>>,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(env) => {
            vendor_errors(env.errors.as_deref())?;
            match env.response {
                Some(Changes(page)) => Ok(page),
                None => Err(ParseError::Decode(
                    "no \"response\" array in the body".to_string(),
                )),
            }
        }
        Err(e) => {
            errors_only(body)?;
            Err(ParseError::Decode(e.to_string()))
        }
    }
}

/// Parses a `/v2/onlineusers` body: the `{"response": [...], "errors": []}` envelope,
/// or a bare array. Entries without a user id or state are skipped.
pub fn parse_online_users(body: &[u8]) -> Result<Vec<OnlineUser>, ParseError> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(default, borrow)]
        response: Option<Vec<WireOnline<'a>>>,
        #[serde(default)]
        errors: Option<Vec<serde_json::Value>>,
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let wire: Vec<WireOnline<'_>> = if first == Some(b'[') {
        serde_json::from_slice(body)?
    } else {
        match serde_json::from_slice::<Envelope<'_>>(body) {
            Ok(env) => {
                vendor_errors(env.errors.as_deref())?;
                env.response.ok_or_else(|| {
                    ParseError::Decode("no \"response\" array in the body".to_string())
                })?
            }
            Err(e) => {
                errors_only(body)?;
                return Err(ParseError::Decode(e.to_string()));
            }
        }
    };
    Ok(wire.into_iter().filter_map(WireOnline::into_user).collect())
}

/// `Err(Vendor)` when `errors` holds anything.
fn vendor_errors(errors: Option<&[serde_json::Value]>) -> Result<(), ParseError> {
    let Some(errors) = errors.filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    let message = errors
        .iter()
        .map(|e| match e {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let folded = message.to_ascii_lowercase();
    let hint = ["auth", "token", "permission", "denied", "forbidden", "ip"]
        .iter()
        .any(|w| folded.contains(w))
        .then(|| AUTH_HINT.to_string());
    Err(ParseError::Vendor { message, hint })
}

/// For a body that is not a valid envelope: is it an error envelope whose `response`
/// has some other shape? Then report the vendor's errors.
fn errors_only(body: &[u8]) -> Result<(), ParseError> {
    #[derive(Deserialize)]
    struct ErrorsOnly {
        #[serde(default)]
        errors: Option<Vec<serde_json::Value>>,
    }
    match serde_json::from_slice::<ErrorsOnly>(body) {
        Ok(e) => vendor_errors(e.errors.as_deref()),
        Err(_) => Ok(()),
    }
}

/// The `response` array, converted record by record while it is decoded.
struct Changes(UserStatePage);

impl<'de> Deserialize<'de> for Changes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Changes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of user state records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Changes, A::Error> {
                let mut page = UserStatePage {
                    changes: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(100_000)),
                };
                let mut names = Names::default();
                while let Some(w) = seq.next_element::<WireRecord<'de>>()? {
                    page.changes.push(w.into_change(&mut names));
                }
                Ok(Changes(page))
            }
        }
        d.deserialize_seq(V)
    }
}

/// One record as sent; only the fields used are decoded.
#[derive(Deserialize)]
struct WireRecord<'a> {
    #[serde(default, borrow)]
    userid: Option<Id<'a>>,
    #[serde(default, borrow)]
    prevstate: Option<Text<'a>>,
    #[serde(default, borrow)]
    state: Option<Text<'a>>,
    #[serde(default, borrow)]
    prevtime: Option<Text<'a>>,
    #[serde(default, borrow)]
    prevtime_utc: Option<Text<'a>>,
    #[serde(default, borrow)]
    time: Option<Text<'a>>,
    #[serde(default, borrow)]
    time_utc: Option<Text<'a>>,
    #[serde(default)]
    duration: Option<Number>,
}

impl WireRecord<'_> {
    fn into_change(self, names: &mut Names) -> StateChange {
        let user = self
            .userid
            .and_then(Id::into_user)
            .unwrap_or(UserId::Text("".into()));
        let prev_state = names.get(self.prevstate.as_ref().map_or("", |t| t.0.trim()));
        let state = names.get(self.state.as_ref().map_or("", |t| t.0.trim()));
        let ts = |t: &Option<Text<'_>>| t.as_ref().and_then(|t| parse_timestamp(&t.0));
        let duration = self.duration.and_then(|n| n.0);
        let mut h = Fingerprint::default();
        match &user {
            UserId::Num(n) => h.word(*n as u64),
            UserId::Text(t) => h.field(t.as_bytes()),
        }
        h.field(prev_state.as_bytes());
        h.field(state.as_bytes());
        for t in [
            &self.prevtime_utc,
            &self.time_utc,
            &self.prevtime,
            &self.time,
        ] {
            h.field(t.as_ref().map_or(&b"\0"[..], |t| t.0.as_bytes()));
        }
        h.word(duration.map_or(u64::MAX, f64::to_bits));
        let (prev_time_utc, time_utc) = (ts(&self.prevtime_utc), ts(&self.time_utc));
        StateChange {
            // The local wall clock is only needed when the UTC field is missing.
            prev_time_local: prev_time_utc
                .is_none()
                .then(|| ts(&self.prevtime))
                .flatten(),
            time_local: time_utc.is_none().then(|| ts(&self.time)).flatten(),
            prev_time_utc,
            time_utc,
            fingerprint: h.finish(),
            user,
            prev_state,
            state,
            duration,
        }
    }
}

/// The distinct state names of one page.
#[derive(Default)]
struct Names(Vec<StateName>);

impl Names {
    /// Custom states are an open set, but never many: past this, names are not shared.
    const MAX: usize = 256;

    fn get(&mut self, name: &str) -> StateName {
        if let Some(n) = self.0.iter().find(|n| &***n == name) {
            return Arc::clone(n);
        }
        let n: StateName = name.into();
        if self.0.len() < Self::MAX {
            self.0.push(Arc::clone(&n));
        }
        n
    }
}

/// A fast 64-bit hash of a record's identifying fields (not keyed: the vendor is not an
/// adversary here, and a day holds far too few records for accidental collisions).
#[derive(Default)]
struct Fingerprint(u64);

impl Fingerprint {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;

    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(Self::K).rotate_left(29);
    }

    fn field(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.word(u64::from_le_bytes(w));
        // The length separates fields, so "ab"+"c" and "a"+"bc" differ.
        self.word(bytes.len() as u64);
    }

    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        x ^= x >> 33;
        x
    }
}

/// A `HashSet<u64>` of fingerprints needs no second hash: they already are one.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A set of record fingerprints.
pub type FingerprintSet =
    std::collections::HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>>;

fn non_empty(t: Option<Text<'_>>) -> Option<String> {
    let t = t?;
    let s = t.0.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// One online user as sent.
#[derive(Deserialize)]
struct WireOnline<'a> {
    #[serde(default, borrow)]
    userid: Option<Id<'a>>,
    #[serde(default, borrow, rename = "userId")]
    user_id: Option<Id<'a>>,
    #[serde(default, borrow)]
    username: Option<Text<'a>>,
    #[serde(default, borrow)]
    state: Option<Text<'a>>,
    #[serde(default, rename = "stateDuration")]
    state_duration: Option<Number>,
    #[serde(default, borrow, rename = "stateChangedAt")]
    state_changed_at: Option<Text<'a>>,
}

impl WireOnline<'_> {
    fn into_user(self) -> Option<OnlineUser> {
        let user = self
            .userid
            .and_then(Id::into_user)
            .or_else(|| self.user_id.and_then(Id::into_user))?;
        Some(OnlineUser {
            user,
            username: non_empty(self.username),
            state: non_empty(self.state)?,
            state_duration: self.state_duration.and_then(|n| n.0).filter(|d| *d >= 0.0),
            state_changed_at: self
                .state_changed_at
                .as_ref()
                .and_then(|t| parse_iso8601(&t.0)),
        })
    }
}

/// A string borrowed from the body when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// An id sent as a number or a string.
enum Id<'a> {
    Num(i128),
    Text(Cow<'a, str>),
}

impl Id<'_> {
    fn into_user(self) -> Option<UserId> {
        match self {
            Id::Num(n) => Some(match i64::try_from(n) {
                Ok(n) => UserId::Num(n),
                Err(_) => UserId::Text(n.to_string().into()),
            }),
            Id::Text(t) => {
                let t = t.trim();
                (!t.is_empty()).then(|| UserId::from_text(t))
            }
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Id<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id (number or string)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id<'de>, E> {
                Ok(Id::Num(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id<'de>, E> {
                Ok(Id::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Id<'de>, E> {
                if v.fract() == 0.0 && v.abs() < 1e18 {
                    Ok(Id::Num(v as i128))
                } else {
                    Err(E::custom(format!("id {v} is not a whole number")))
                }
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Id<'de>, E> {
                Ok(Id::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id<'de>, E> {
                Ok(Id::Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A number sent as a number, a numeric string, or `null`; an empty or non-numeric
/// string is `None` (the field is unusable, the record is not).
struct Number(Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(v.is_finite().then_some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                Ok(Number(
                    v.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
                ))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Number, E> {
                Ok(Number(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// `YYYY-MM-DD hh:mm:ss` (optionally with `T` and fractional seconds) → seconds since
/// the epoch, reading the wall clock as UTC. Hand-rolled: it runs twice per record.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO 8601 with offset (`2024-05-02T10:00:00+02:00`, `...Z`, `...+0200`, fractional
/// seconds allowed) → Unix seconds.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let dt = chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%z"))
        .ok()?;
    Some(dt.timestamp() as f64 + f64::from(dt.timestamp_subsec_millis()) / 1000.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The vendor page's example, verbatim.
    pub const EXAMPLE: &[u8] =
        include_bytes!("../../../tests/fixtures/vcc_live/userstate-example.json");

    fn ts(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp()
    }

    #[test]
    fn parses_documented_example() {
        let page = parse_userstate(EXAMPLE).unwrap();
        let c = &page.changes;
        assert!(c.iter().all(StateChange::is_usable));
        assert_eq!(c.len(), 7);
        assert!(c.iter().all(|c| c.user == UserId::Num(6)));
        let states: Vec<(&str, &str)> = c.iter().map(|c| (&*c.prev_state, &*c.state)).collect();
        assert_eq!(
            states,
            vec![
                ("OFFLINE", "UNAVAILABLE"),
                ("UNAVAILABLE", "AVAILABLE"),
                ("AVAILABLE", "AUX"),
                ("AUX", "AVAILABLE"),
                ("AVAILABLE", "WAITING4CALL"),
                ("WAITING4CALL", "RINGING"),
                ("RINGING", "AFTERWORK"),
            ]
        );
        let durations: Vec<Option<f64>> = c.iter().map(|c| c.duration).collect();
        assert_eq!(
            durations,
            [0.0, 5.75, 7.44, 46.4, 6.96, 4.57, 7.88].map(Some).to_vec()
        );
        assert_eq!(c[6].time_utc, Some(ts("2013-02-20 15:41:25")));
        assert_eq!(c[6].prev_time_utc, Some(ts("2013-02-20 15:41:17")));
        // Local times are kept only where the UTC ones are missing.
        assert_eq!(c[6].time_local, None);
        // Seven different records, seven different identities.
        let mut fps: Vec<u64> = c.iter().map(|c| c.fingerprint).collect();
        fps.sort_unstable();
        fps.dedup();
        assert_eq!(fps.len(), 7);
    }

    /// The field table says `duration` is "time spent in 'state'"; the example says
    /// otherwise. In every record `duration` matches `time - prevtime` (the length of
    /// `prevstate`) within the one second that whole-second timestamps hide, and the
    /// sub-second remainders chain exactly from record to record. Read as the length of
    /// `state`, record 1 would say the user was UNAVAILABLE for 0 s, while record 2
    /// shows UNAVAILABLE lasting from 15:40:06 to 15:40:11.
    #[test]
    fn duration_is_length_of_prevstate() {
        let c = parse_userstate(EXAMPLE).unwrap().changes;
        for r in &c {
            let span = (r.time_utc.unwrap() - r.prev_time_utc.unwrap()) as f64;
            let d = r.duration.unwrap();
            assert!(
                (d - span).abs() < 1.0,
                "{} → {}: duration {d} vs time-prevtime {span}",
                r.prev_state,
                r.state
            );
        }
        // Chaining the fractional durations from the first login reproduces every
        // whole-second `time` of the log: 15:40:06.10 + 5.75 = 15:40:11.85, etc.
        let start = c[1].prev_time_utc.unwrap() as f64 + 0.10;
        let mut t = start;
        for r in &c[1..] {
            t += r.duration.unwrap();
            assert_eq!(t.floor() as i64, r.time_utc.unwrap(), "at {}", r.state);
        }
        // Record 1's "state" (UNAVAILABLE) lasted ~5.75 s (record 2), not its 0.
        assert_eq!(c[0].state, c[1].prev_state);
        assert_eq!(c[0].duration, Some(0.0));
        assert!(c[1].duration.unwrap() > 5.0);
    }

    #[test]
    fn type_drift_is_tolerated() {
        let body = br#"{"response":[
            {"userid":"7","prevstate":"AUX","state":"CUSTOM_STATE","prevtime_utc":"2024-01-01 10:00:00",
             "time_utc":"2024-01-01 10:00:30","duration":"30.5","auxid":12,"name":42,"username":null,
             "connection_lost":1,"brand_new_field":{"x":[1,2]}},
            {"userid":7.0,"prevstate":"CUSTOM_STATE","state":"OFFLINE","prevtime_utc":"2024-01-01 10:00:30",
             "time_utc":"2024-01-01 10:01:00","duration":null,"auxid":"lunch","name":"\u00c9va"},
            {"userid":null,"prevstate":"AUX","state":"OFFLINE"},
            {"userid":8,"prevstate":"","state":"OFFLINE"}
        ],"errors":[]}"#;
        let page = parse_userstate(body).unwrap();
        assert_eq!(page.changes.len(), 4);
        let usable: Vec<bool> = page.changes.iter().map(StateChange::is_usable).collect();
        assert_eq!(usable, [true, true, false, false]);
        assert_eq!(page.changes[0].user, UserId::Num(7));
        assert_eq!(page.changes[0].duration, Some(30.5));
        assert_eq!(&*page.changes[0].state, "CUSTOM_STATE");
        assert_eq!(page.changes[1].user, UserId::Num(7));
        assert_eq!(page.changes[1].duration, None);
        assert_eq!(page.changes[1].time_utc, Some(ts("2024-01-01 10:01:00")));
    }

    #[test]
    fn errors_array_is_a_vendor_error_even_with_a_response() {
        let body = br#"{"response":[],"errors":["Authentication failed"]}"#;
        match parse_userstate(body) {
            Err(ParseError::Vendor { message, hint }) => {
                assert_eq!(message, "Authentication failed");
                assert_eq!(hint.as_deref(), Some(AUTH_HINT));
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"response":false,"errors":[{"code":17,"message":"Invalid date"}]}"#;
        match parse_userstate(body) {
            Err(ParseError::Vendor { message, hint }) => {
                assert_eq!(message, r#"{"code":17,"message":"Invalid date"}"#);
                assert_eq!(hint, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        for body in [
            &b"<html>502</html>"[..],
            br#"{"response":{"a":1},"errors":[]}"#,
            br#"{"errors":[]}"#,
            br#"{"response":[{"userid":6,"duration":[1]}],"errors":[]}"#,
            br#"{"response":[{"userid":6"#,
        ] {
            assert!(
                matches!(parse_userstate(body), Err(ParseError::Decode(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn online_users_both_spellings_envelope_or_array() {
        let env = br#"{"response":[
            {"userid":6,"username":"green_op","state":"CALL","stateDuration":12,"stateChangedAt":"2024-05-02T10:00:00+02:00"},
            {"userId":"9","username":"x","state":"AUX","stateDuration":"3.5","stateChangedAt":"2024-05-02T08:00:01.500Z"},
            {"username":"no-id","state":"AUX"},
            {"userid":10,"state":""}
        ],"errors":[]}"#;
        let users = parse_online_users(env).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].user, UserId::Num(6));
        assert_eq!(users[0].state, "CALL");
        assert_eq!(users[0].state_duration, Some(12.0));
        assert_eq!(
            users[0].state_changed_at,
            Some(ts("2024-05-02 08:00:00") as f64)
        );
        assert_eq!(users[1].user, UserId::Num(9));
        assert_eq!(users[1].state_duration, Some(3.5));
        assert_eq!(
            users[1].state_changed_at,
            Some(ts("2024-05-02 08:00:01") as f64 + 0.5)
        );
        let bare = br#" [{"userid":6,"state":"CALL","stateChangedAt":"2024-05-02T10:00:00+0200"}]"#;
        let users = parse_online_users(bare).unwrap();
        assert_eq!(
            users[0].state_changed_at,
            Some(ts("2024-05-02 08:00:00") as f64)
        );
        assert!(matches!(
            parse_online_users(br#"{"response":null,"errors":["IP not allowed"]}"#),
            Err(ParseError::Vendor { .. })
        ));
    }

    #[test]
    fn user_ids_in_every_form_compare_equal() {
        assert_eq!(UserId::from_text("6"), UserId::Num(6));
        assert_eq!(UserId::from_text("006"), UserId::Text("006".into()));
        assert_eq!(UserId::from_text("op-7").to_string(), "op-7");
        let body = br#"{"response":[{"userid":"6","prevstate":"A","state":"B"},{"userid":6,"prevstate":"A","state":"B"}],"errors":[]}"#;
        let c = parse_userstate(body).unwrap().changes;
        assert_eq!(c[0].user, c[1].user);
        assert_eq!(c[0].fingerprint, c[1].fingerprint);
        // Names are shared within a page.
        assert!(Arc::ptr_eq(&c[0].state, &c[1].state));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01 00:00:00"), Some(0));
        assert_eq!(
            parse_timestamp("2013-02-20 15:40:06"),
            Some(ts("2013-02-20 15:40:06"))
        );
        assert_eq!(
            parse_timestamp("2024-02-29T23:59:59.25"),
            Some(ts("2024-02-29 23:59:59"))
        );
        assert_eq!(parse_timestamp("2013-02-20"), None);
        assert_eq!(parse_timestamp("2013-13-20 15:40:06"), None);
        assert_eq!(parse_timestamp("0000-00-00 00:00:00"), None);
        assert_eq!(parse_timestamp("2013-02-2x 15:40:06"), None);
    }
}
