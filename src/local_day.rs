//! Local days in a time zone: where a vendor's "today" starts, for the vendors whose
//! figures are per local day of the account.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

/// How long after local midnight the sources that read whole days (8x8 legacy, VCC
/// Live) keep reading the previous day as well: vendors fill a day's figures late (8x8's
/// handling columns up to an hour after the calls; VCC Live log records written late),
/// and the period ledger or the log cursor counts only what is new. Two hours, like
/// the window Voximplant re-reads.
pub const PREVIOUS_DAY_REREAD: TimeDelta = TimeDelta::hours(2);

/// Whether a poll at `now` still re-reads the day before its local day in `tz`.
pub fn rereads_previous_day(now: DateTime<Utc>, tz: chrono_tz::Tz) -> bool {
    let today = now.with_timezone(&tz).date_naive();
    now < day_start(today, tz) + PREVIOUS_DAY_REREAD
}

/// Local midnight starting `day` in `tz`, in UTC (the earliest one if midnight repeats,
/// the first instant of the day if a DST gap skips it).
pub fn day_start(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let naive = day.and_time(chrono::NaiveTime::MIN);
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => (1..=180)
            .find_map(|m| {
                tz.from_local_datetime(&(naive + chrono::Duration::minutes(m)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| naive.and_utc()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_day_is_reread_for_two_hours_after_local_midnight() {
        let ny = chrono_tz::America::New_York;
        // New York midnight of 2024-04-05 is 04:00 UTC.
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2024, 4, 5, h, m, 0).unwrap();
        assert!(!rereads_previous_day(at(3, 59), ny));
        assert!(rereads_previous_day(at(4, 0), ny));
        assert!(rereads_previous_day(at(5, 59), ny));
        assert!(!rereads_previous_day(at(6, 0), ny));
    }

    #[test]
    fn day_start_in_zones() {
        let d = NaiveDate::from_ymd_opt(2024, 4, 4).unwrap();
        assert_eq!(
            day_start(d, chrono_tz::UTC),
            Utc.with_ymd_and_hms(2024, 4, 4, 0, 0, 0).unwrap()
        );
        assert_eq!(
            day_start(d, chrono_tz::America::Los_Angeles),
            Utc.with_ymd_and_hms(2024, 4, 4, 7, 0, 0).unwrap()
        );
        // Santiago skips midnight when DST starts (2024-09-08 00:00 → 01:00).
        let gap = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap();
        assert_eq!(
            day_start(gap, chrono_tz::America::Santiago),
            Utc.with_ymd_and_hms(2024, 9, 8, 4, 0, 0).unwrap()
        );
    }
}
