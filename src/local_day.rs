//! Local days in a time zone: where a vendor's "today" starts, for the vendors whose
//! figures are per local day of the account.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

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
