//! When a source's contact center is open (`opening_hours:`), for the
//! `contact_center_source_open` gauge that the SLA, abandon and waiting alerts are gated
//! on (docs/configuration.md, docs/metrics.md).
//!
//! Everything here is wall-clock time in the configured zone: a weekly entry
//! `mon-fri 08:00-18:00` opens at 08:00 local time whatever the UTC offset that day, so
//! daylight-saving changes follow the zone by construction. An instant is converted to
//! local time and looked up; a local time that does not exist (the hour skipped in
//! spring) is never produced, and one that happens twice (the hour repeated in autumn)
//! is open both times if the entry covers it.
//!
//! Pure: parsing and evaluation only; the caller passes the time.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// Minutes in a day: `24:00` as an end.
const DAY_MINUTES: u16 = 24 * 60;

/// Day names as written in an entry, Monday first (index = days from Monday).
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The `opening_hours:` key of a source as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOpeningHours {
    /// IANA zone the times and dates are in (default: the source's `time_zone` where its
    /// vendor has one, else UTC).
    #[serde(default, deserialize_with = "crate::time_zone::deserialize_option")]
    pub time_zone: Option<Tz>,
    /// Weekly entries, `DAYS HH:MM-HH:MM` (`mon-fri 08:00-18:00`, `sat 09:00-13:00`,
    /// `sun 22:00-06:00`); an end before the start runs past midnight into the next
    /// day; several entries add up.
    #[serde(default)]
    pub weekly: Vec<String>,
    /// Dates (`YYYY-MM-DD`) closed all day in that zone, whatever `weekly` says.
    #[serde(default)]
    pub closed: Vec<String>,
}

/// What is wrong with an `opening_hours` key: the key path below `opening_hours`
/// (`weekly[1]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursError {
    /// Key below `opening_hours` (`weekly[1]`, `closed[0]`).
    pub key: String,
    /// What is wrong, naming the entry as written.
    pub message: String,
}

/// Validated opening hours of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    zone: Tz,
    /// Per weekday (Monday first), the open minutes of that local day as half-open
    /// `[start, end)` ranges, sorted and merged.
    days: [Vec<(u16, u16)>; 7],
    closed: BTreeSet<NaiveDate>,
    /// The entries as written, for `--config.check`.
    weekly: Vec<String>,
}

impl OpeningHours {
    /// Validates `raw`; `default_zone` applies when it names none.
    pub fn parse(raw: &RawOpeningHours, default_zone: Tz) -> Result<Self, HoursError> {
        if raw.weekly.is_empty() {
            return Err(HoursError {
                key: "weekly".into(),
                message: "needs at least one entry such as \"mon-fri 08:00-18:00\" (a source that is never open would never alert)".into(),
            });
        }
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, entry) in raw.weekly.iter().enumerate() {
            let rule = parse_entry(entry).map_err(|why| HoursError {
                key: format!("weekly[{i}]"),
                message: format!("{entry:?}: {why}"),
            })?;
            for d in rule.days {
                if rule.end > rule.start {
                    days[d].push((rule.start, rule.end));
                } else {
                    // Past midnight: the rest of this day and the start of the next.
                    days[d].push((rule.start, DAY_MINUTES));
                    if rule.end > 0 {
                        days[(d + 1) % 7].push((0, rule.end));
                    }
                }
            }
        }
        for ranges in &mut days {
            *ranges = merge(std::mem::take(ranges));
        }
        let mut closed = BTreeSet::new();
        for (i, date) in raw.closed.iter().enumerate() {
            let d = parse_date(date).ok_or_else(|| HoursError {
                key: format!("closed[{i}]"),
                message: format!("{date:?} is not a date (expected YYYY-MM-DD, e.g. 2026-12-25)"),
            })?;
            closed.insert(d);
        }
        Ok(OpeningHours {
            zone: raw.time_zone.unwrap_or(default_zone),
            days,
            closed,
            weekly: raw.weekly.clone(),
        })
    }

    /// Whether the contact center is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        if self.closed.contains(&local.date_naive()) {
            return false;
        }
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.days[local.weekday().num_days_from_monday() as usize]
            .iter()
            .any(|(start, end)| (*start..*end).contains(&minute))
    }

    /// The zone the hours are in.
    pub fn zone(&self) -> Tz {
        self.zone
    }
}

impl fmt::Display for OpeningHours {
    /// One line for `--config.check`: the entries, the zone and the closed dates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.weekly.join(", "), self.zone.name())?;
        if !self.closed.is_empty() {
            write!(f, ", {} closed date(s)", self.closed.len())?;
        }
        Ok(())
    }
}

/// One weekly entry: the days it starts on and its local start and end minute.
struct Entry {
    days: Vec<usize>,
    start: u16,
    end: u16,
}

fn parse_entry(entry: &str) -> Result<Entry, String> {
    let mut parts = entry.split_whitespace();
    let (Some(days), Some(times), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(
            "expected DAYS HH:MM-HH:MM, e.g. \"mon-fri 08:00-18:00\" or \"sun 22:00-06:00\"".into(),
        );
    };
    let days = parse_days(days)?;
    let Some((start, end)) = times.split_once('-') else {
        return Err(format!("expected a time range HH:MM-HH:MM, not {times:?}"));
    };
    let start = parse_time(start)
        .filter(|m| *m < DAY_MINUTES)
        .ok_or_else(|| format!("invalid start time {start:?} (expected HH:MM, 00:00 to 23:59)"))?;
    let end = parse_time(end)
        .ok_or_else(|| format!("invalid end time {end:?} (expected HH:MM, 00:00 to 24:00)"))?;
    if start == end {
        return Err("start and end are the same; for a whole day write 00:00-24:00".into());
    }
    Ok(Entry { days, start, end })
}

/// `mon`, `mon-fri`, `fri-mon` (wrapping over the week end), or a comma-separated list
/// of those (`mon,wed-fri`); case-insensitive.
fn parse_days(s: &str) -> Result<Vec<usize>, String> {
    let day = |d: &str| {
        DAY_NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(d))
            .ok_or_else(|| {
                format!(
                    "unknown day {d:?} (expected {}, or a range such as mon-fri)",
                    DAY_NAMES.join(", ")
                )
            })
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                let mut d = from;
                loop {
                    out.push(d);
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out.push(day(part)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `HH:MM` as minutes of the day, `24:00` included (the caller rejects it as a start).
fn parse_time(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    match (h, m) {
        (24, 0) => Some(DAY_MINUTES),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    // `%Y` alone would take `26-12-25` or `+2026-…`; insist on the written shape.
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Sorts and merges overlapping or touching ranges.
fn merge(mut ranges: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    ranges.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Budapest;

    fn hours(weekly: &[&str], closed: &[&str], zone: Option<Tz>) -> OpeningHours {
        OpeningHours::parse(
            &RawOpeningHours {
                time_zone: zone,
                weekly: weekly.iter().map(|s| s.to_string()).collect(),
                closed: closed.iter().map(|s| s.to_string()).collect(),
            },
            chrono_tz::UTC,
        )
        .unwrap()
    }

    fn err(weekly: &[&str], closed: &[&str]) -> HoursError {
        OpeningHours::parse(
            &RawOpeningHours {
                time_zone: None,
                weekly: weekly.iter().map(|s| s.to_string()).collect(),
                closed: closed.iter().map(|s| s.to_string()).collect(),
            },
            chrono_tz::UTC,
        )
        .unwrap_err()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// `at` given as local time in Budapest (the earlier one if it happens twice).
    fn bud(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Budapest
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_issue_example() {
        let h = hours(
            &["mon-fri 08:00-18:00", "sat 09:00-13:00", "sun 22:00-06:00"],
            &["2026-12-25", "2026-12-26"],
            Some(Budapest),
        );
        // Wednesday 2026-06-10.
        assert!(!h.is_open(bud(2026, 6, 10, 7, 59)));
        assert!(h.is_open(bud(2026, 6, 10, 8, 0)));
        assert!(h.is_open(bud(2026, 6, 10, 17, 59)));
        assert!(!h.is_open(bud(2026, 6, 10, 18, 0)));
        // Saturday 2026-06-13.
        assert!(h.is_open(bud(2026, 6, 13, 12, 30)));
        assert!(!h.is_open(bud(2026, 6, 13, 13, 0)));
        // Sunday night runs into Monday morning; Monday's own hours start at 08:00.
        assert!(!h.is_open(bud(2026, 6, 14, 21, 59)));
        assert!(h.is_open(bud(2026, 6, 14, 22, 0)));
        assert!(h.is_open(bud(2026, 6, 15, 0, 0)));
        assert!(h.is_open(bud(2026, 6, 15, 5, 59)));
        assert!(!h.is_open(bud(2026, 6, 15, 6, 0)));
        assert!(!h.is_open(bud(2026, 6, 15, 7, 0)));
        assert!(h.is_open(bud(2026, 6, 15, 8, 0)));
        // Friday 2026-12-25 and Saturday 2026-12-26 are closed all day.
        assert!(h.is_open(bud(2026, 12, 24, 12, 0)));
        assert!(!h.is_open(bud(2026, 12, 25, 12, 0)));
        assert!(!h.is_open(bud(2026, 12, 26, 10, 0)));
        assert_eq!(
            h.to_string(),
            "mon-fri 08:00-18:00, sat 09:00-13:00, sun 22:00-06:00 (Europe/Budapest), 2 closed date(s)"
        );
    }

    #[test]
    fn closed_dates_are_local_dates() {
        // 2026-12-25 00:30 in Budapest is still 2026-12-24 in UTC.
        let h = hours(&["mon-sun 00:00-24:00"], &["2026-12-25"], Some(Budapest));
        assert!(!h.is_open(utc(2026, 12, 24, 23, 30)));
        assert!(h.is_open(utc(2026, 12, 24, 22, 59)));
        assert!(h.is_open(utc(2026, 12, 25, 23, 0)));
        // An overnight entry is cut by a closed date after midnight too.
        let h = hours(&["thu 22:00-06:00"], &["2026-12-25"], Some(Budapest));
        assert!(h.is_open(bud(2026, 12, 24, 23, 0)));
        assert!(!h.is_open(bud(2026, 12, 25, 1, 0)));
    }

    #[test]
    fn without_a_zone_the_default_applies() {
        let raw = RawOpeningHours {
            time_zone: None,
            weekly: vec!["mon-fri 08:00-18:00".into()],
            closed: vec![],
        };
        let h = OpeningHours::parse(&raw, Budapest).unwrap();
        assert_eq!(h.zone(), Budapest);
        // 07:30 UTC on a summer Wednesday is 09:30 in Budapest.
        assert!(h.is_open(utc(2026, 6, 10, 7, 30)));
        let h = OpeningHours::parse(&raw, chrono_tz::UTC).unwrap();
        assert!(!h.is_open(utc(2026, 6, 10, 7, 30)));
    }

    #[test]
    fn spring_forward_follows_the_wall_clock() {
        // Sunday 2026-03-29: Budapest jumps from 02:00 CET to 03:00 CEST.
        let h = hours(
            &["sun 01:00-04:00", "mon-fri 08:00-18:00"],
            &[],
            Some(Budapest),
        );
        assert!(!h.is_open(utc(2026, 3, 28, 23, 59))); // 00:59 CET
        assert!(h.is_open(utc(2026, 3, 29, 0, 0))); // 01:00 CET
        assert!(h.is_open(utc(2026, 3, 29, 0, 59))); // 01:59 CET
        assert!(h.is_open(utc(2026, 3, 29, 1, 0))); // 03:00 CEST: 02:xx never happened
        assert!(h.is_open(utc(2026, 3, 29, 1, 59))); // 03:59 CEST
        assert!(!h.is_open(utc(2026, 3, 29, 2, 0))); // 04:00 CEST: two real hours open
                                                     // Monday opens at 08:00 local: 07:00 UTC the week before, 06:00 UTC after.
        assert!(!h.is_open(utc(2026, 3, 23, 6, 30)));
        assert!(h.is_open(utc(2026, 3, 23, 7, 0)));
        assert!(h.is_open(utc(2026, 3, 30, 6, 0)));
        assert!(!h.is_open(utc(2026, 3, 30, 5, 59)));
        assert!(!h.is_open(utc(2026, 3, 30, 16, 0))); // 18:00 CEST
        assert!(h.is_open(utc(2026, 3, 23, 16, 59))); // 17:59 CET
    }

    #[test]
    fn fall_back_follows_the_wall_clock() {
        // Sunday 2026-10-25: Budapest goes back from 03:00 CEST to 02:00 CET.
        let h = hours(
            &["sun 01:00-04:00", "mon-fri 08:00-18:00"],
            &[],
            Some(Budapest),
        );
        assert!(!h.is_open(utc(2026, 10, 24, 22, 59))); // 00:59 CEST
        assert!(h.is_open(utc(2026, 10, 24, 23, 0))); // 01:00 CEST
        assert!(h.is_open(utc(2026, 10, 25, 0, 30))); // 02:30 CEST
        assert!(h.is_open(utc(2026, 10, 25, 1, 30))); // 02:30 CET, the second time
        assert!(h.is_open(utc(2026, 10, 25, 2, 59))); // 03:59 CET
        assert!(!h.is_open(utc(2026, 10, 25, 3, 0))); // 04:00 CET: four real hours open
                                                      // Monday opens at 08:00 local: 06:00 UTC the week before, 07:00 UTC after.
        assert!(h.is_open(utc(2026, 10, 19, 6, 0)));
        assert!(!h.is_open(utc(2026, 10, 26, 6, 30)));
        assert!(h.is_open(utc(2026, 10, 26, 7, 0)));
        // A time inside the repeated hour only: open for both 02:xx.
        let h = hours(&["sun 02:00-02:30"], &[], Some(Budapest));
        assert!(h.is_open(utc(2026, 10, 25, 0, 15)));
        assert!(!h.is_open(utc(2026, 10, 25, 0, 45)));
        assert!(h.is_open(utc(2026, 10, 25, 1, 15)));
        assert!(!h.is_open(utc(2026, 10, 25, 1, 45)));
    }

    #[test]
    fn entries_add_up_and_days_wrap() {
        let h = hours(
            &[
                "mon-fri 08:00-12:00",
                "mon-fri 11:00-13:00",
                "fri-mon 13:00-24:00",
                "wed,sat 06:00-07:00",
            ],
            &[],
            None,
        );
        // Wednesday 2026-06-10: 06-07, 08-13, not 13-24.
        assert!(h.is_open(utc(2026, 6, 10, 6, 30)));
        assert!(!h.is_open(utc(2026, 6, 10, 7, 30)));
        assert!(h.is_open(utc(2026, 6, 10, 12, 30)));
        assert!(!h.is_open(utc(2026, 6, 10, 13, 0)));
        // Friday, Sunday and Monday: until midnight.
        assert!(h.is_open(utc(2026, 6, 12, 23, 59)));
        assert!(h.is_open(utc(2026, 6, 14, 23, 59)));
        assert!(h.is_open(utc(2026, 6, 15, 23, 59)));
        // Tuesday not.
        assert!(!h.is_open(utc(2026, 6, 16, 23, 59)));
        // Case does not matter; an end of 00:00 is midnight.
        let h = hours(&["SAT 20:00-00:00"], &[], None);
        assert!(h.is_open(utc(2026, 6, 13, 23, 59)));
        assert!(!h.is_open(utc(2026, 6, 14, 0, 0)));
    }

    #[test]
    fn bad_entries_name_the_entry() {
        let e = err(&["mon-fri 08:00-18:00", "mon-fry 08:00-18:00"], &[]);
        assert_eq!(e.key, "weekly[1]");
        assert_eq!(
            e.message,
            "\"mon-fry 08:00-18:00\": unknown day \"fry\" (expected mon, tue, wed, thu, fri, sat, sun, or a range such as mon-fri)"
        );
        for (entry, why) in [
            ("mon-fri 8:00-18:00", "invalid start time \"8:00\""),
            ("mon 08:00-24:30", "invalid end time \"24:30\""),
            ("mon 24:00-06:00", "invalid start time \"24:00\""),
            ("mon 08:60-09:00", "invalid start time \"08:60\""),
            ("mon 08:00", "expected a time range HH:MM-HH:MM"),
            ("mon-fri", "expected DAYS HH:MM-HH:MM"),
            ("mon 08:00-09:00 extra", "expected DAYS HH:MM-HH:MM"),
            ("monday 08:00-09:00", "unknown day \"monday\""),
            ("mon 08:00-08:00", "start and end are the same"),
            ("", "expected DAYS HH:MM-HH:MM"),
        ] {
            let e = err(&[entry], &[]);
            assert_eq!(e.key, "weekly[0]", "{entry}");
            assert!(
                e.message.starts_with(&format!("{entry:?}: {why}")),
                "{entry}: {}",
                e.message
            );
        }
        let e = err(&[], &[]);
        assert_eq!(e.key, "weekly");
        for date in [
            "2026-02-30",
            "26-12-25",
            "2026-1-5",
            "2026/12/25",
            "tomorrow",
            "+2026-12-2",
        ] {
            let e = err(&["mon 08:00-09:00"], &["2026-12-25", date]);
            assert_eq!(e.key, "closed[1]");
            assert_eq!(
                e.message,
                format!("{date:?} is not a date (expected YYYY-MM-DD, e.g. 2026-12-25)")
            );
        }
    }
}
