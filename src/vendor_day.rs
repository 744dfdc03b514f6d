//! Which day a vendor's "today so far" totals belong to, when the vendor decides.
//!
//! Some APIs report only running totals of the current day (8x8 Analytics'
//! `entered.today`, …) and say nothing of which day that is. Our clock cannot decide
//! it: the vendor's day may start a few minutes before or after our local midnight, and
//! booking one day's totals to the other counts them twice (old totals starting our new
//! day) or leaves the counter flat for a day (new totals absorbed by the old, higher
//! period). So the day is inferred from the data: **a day's totals only grow, and fall
//! when the vendor's day starts**.
//!
//! [`VendorDay::book`] applies that rule to each successful poll's values:
//! - Within [`ROLLOVER_WINDOW`] after our local midnight, an answer whose totals did not
//!   fall since the last answer of the old day may still be the old day's, or already the
//!   new day's (a quiet old day): it is **held**, not booked. When a later answer's
//!   totals fall, the vendor has rolled over: the held answer (the old day's last) is
//!   booked to the old day and the fallen one to the new day. When the window ends
//!   without a fall, the answer is booked to the new day and the held one dropped (it was
//!   the new day's, or an older state of the old day the vendor never ended).
//! - An answer whose totals fell is never booked to the old day.
//! - Within the same window *before* our midnight, an answer whose totals fell is the
//!   vendor's new day already (its clock runs ahead): it is booked to tomorrow.
//! - A first poll inside the window follows the same rule, with its own answer as the
//!   old day's last.
//!
//! "Fell" compares the sum of the values of the series present in both answers (a queue
//! added or removed at midnight does not count), so one series corrected down by the
//! vendor during the day is not a rollover. Counts held in the window are delayed, never
//! lost: the counter catches up when the window resolves (at most [`ROLLOVER_WINDOW`]).
//! A vendor more than the window late is beyond this rule: its old day's late growth is
//! booked to the new day, and the new day's first totals are absorbed until they pass
//! the old day's (docs/metrics.md).

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::local_day::day_start;
use crate::model::PeriodValue;

/// How long before and after our local midnight the vendor's day may change (a hard
/// cap: past it, our date decides).
pub const ROLLOVER_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// The day-inference state of one source (see the module docs). `S` is the source's
/// series type; values are told apart by (series, period scope).
#[derive(Debug, Clone)]
pub struct VendorDay<S> {
    tz: chrono_tz::Tz,
    window: TimeDelta,
    /// The day the vendor is believed to report.
    day: Option<NaiveDate>,
    /// The last values believed to be of `day` (booked or held), by (series, scope).
    last: HashMap<(S, String), f64>,
    /// An answer inside the window after midnight not yet known to be either day's.
    held: Option<Vec<PeriodValue<S>>>,
}

impl<S: Clone + Eq + Hash> VendorDay<S> {
    /// A source whose days are local days of `tz`, with the [`ROLLOVER_WINDOW`] cap.
    pub fn new(tz: chrono_tz::Tz) -> Self {
        Self::with_window(tz, ROLLOVER_WINDOW)
    }

    /// The same with another cap (tests).
    pub fn with_window(tz: chrono_tz::Tz, window: TimeDelta) -> Self {
        VendorDay {
            tz,
            window,
            day: None,
            last: HashMap::new(),
            held: None,
        }
    }

    /// The day the last answer was booked to or held for, if any.
    pub fn day(&self) -> Option<NaiveDate> {
        self.day
    }

    /// Books one successful poll's day totals, polled at `now`: returns the values to
    /// hand the store, each with `period.start` set to the start of the day it belongs
    /// to (none while the answer is held; two days' worth when a held answer resolves).
    /// Call it only once the poll has succeeded: it commits the inference state.
    pub fn book(&mut self, now: DateTime<Utc>, values: Vec<PeriodValue<S>>) -> Vec<PeriodValue<S>> {
        let today = now.with_timezone(&self.tz).date_naive();
        let midnight = day_start(today, self.tz);
        let after_midnight = now < midnight + self.window;
        let tomorrow = today.succ_opt().unwrap_or(today);
        let before_next = now >= day_start(tomorrow, self.tz) - self.window;
        let yesterday = today.pred_opt().unwrap_or(today);
        let fell = self.fell(&values);
        let (held, into) = match self.day {
            // The vendor's clock is ahead: its new day started before our midnight.
            Some(d) if d == today && before_next && fell => (None, tomorrow),
            Some(d) if d == today || d == tomorrow => (None, d),
            Some(d) if d == yesterday && after_midnight => {
                if fell {
                    (self.held.take().map(|h| (h, yesterday)), today)
                } else {
                    return self.hold(values, yesterday);
                }
            }
            // A first poll just after midnight: the vendor may still report yesterday.
            None if after_midnight => return self.hold(values, yesterday),
            // Past the window (or a gap of days, or the clock stepped back): our date.
            _ => {
                // A held answer and a fall right at the cap: the held one was the old
                // day's after all.
                let held = match (self.held.take(), self.day) {
                    (Some(h), Some(d)) if d == yesterday && fell => Some((h, yesterday)),
                    _ => None,
                };
                (held, today)
            }
        };
        self.held = None;
        let mut out = Vec::with_capacity(values.len());
        if let Some((h, d)) = held {
            out.extend(self.at_day(h, d));
        }
        self.remember(&values, true);
        self.day = Some(into);
        out.extend(self.at_day(values, into));
        out
    }

    /// Keeps `values` as the latest answer of `day` without booking it.
    fn hold(&mut self, values: Vec<PeriodValue<S>>, day: NaiveDate) -> Vec<PeriodValue<S>> {
        self.remember(&values, self.day.is_none());
        self.day = Some(day);
        self.held = Some(values);
        Vec::new()
    }

    /// Whether the totals fell since the last answer of the believed day.
    fn fell(&self, values: &[PeriodValue<S>]) -> bool {
        let (mut before, mut now, mut shared) = (0.0, 0.0, false);
        for v in values {
            if let Some(old) = self.last.get(&(v.series.clone(), v.period.scope.clone())) {
                before += old;
                now += v.value;
                shared = true;
            }
        }
        shared && now < before
    }

    fn remember(&mut self, values: &[PeriodValue<S>], fresh: bool) {
        if fresh {
            self.last.clear();
        }
        for v in values {
            self.last
                .insert((v.series.clone(), v.period.scope.clone()), v.value);
        }
    }

    fn at_day(&self, mut values: Vec<PeriodValue<S>>, day: NaiveDate) -> Vec<PeriodValue<S>> {
        let start = day_start(day, self.tz).timestamp();
        for v in &mut values {
            v.period.start = start;
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PeriodKey;
    use chrono::TimeZone;

    /// 2024-04-05 00:00 UTC plus `m` minutes (negative: before midnight).
    fn t(m: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 5, 0, 0, 0).unwrap() + TimeDelta::minutes(m)
    }

    fn day(n: u32) -> i64 {
        Utc.with_ymd_and_hms(2024, 4, n, 0, 0, 0)
            .unwrap()
            .timestamp()
    }

    /// One answer: entered and abandoned of queue "7".
    fn answer(entered: f64, abandoned: f64) -> Vec<PeriodValue<&'static str>> {
        [("entered", entered), ("abandoned", abandoned)]
            .into_iter()
            .map(|(s, v)| PeriodValue {
                series: s,
                period: PeriodKey {
                    start: 0,
                    scope: "7".into(),
                },
                value: v,
            })
            .collect()
    }

    fn booked(v: &[PeriodValue<&'static str>]) -> Vec<(i64, &'static str, f64)> {
        v.iter()
            .map(|p| (p.period.start, p.series, p.value))
            .collect()
    }

    /// The review's first case: the API still reports yesterday's 24 three minutes after
    /// our midnight, then its day starts at 5. Yesterday is not booked to today, and
    /// today counts from its first answer.
    #[test]
    fn a_late_vendor_day_is_held_until_its_totals_fall() {
        let mut d = VendorDay::new(chrono_tz::UTC);
        assert_eq!(
            booked(&d.book(t(-1), answer(20.0, 1.0)))[0],
            (day(4), "entered", 20.0)
        );
        // 00:01 and 00:02: still yesterday's totals (grown): held.
        assert!(d.book(t(1), answer(23.0, 1.0)).is_empty());
        assert!(d.book(t(2), answer(24.0, 1.0)).is_empty());
        // 00:03: the vendor's day starts; the held 24 goes to yesterday, 5 to today.
        assert_eq!(
            booked(&d.book(t(3), answer(5.0, 0.0))),
            vec![
                (day(4), "entered", 24.0),
                (day(4), "abandoned", 1.0),
                (day(5), "entered", 5.0),
                (day(5), "abandoned", 0.0),
            ]
        );
        assert_eq!(
            booked(&d.book(t(4), answer(6.0, 0.0)))[0],
            (day(5), "entered", 6.0)
        );
    }

    /// The review's second case: in sync, on a quiet queue; the new day's first abandon
    /// must not count for both days. The totals fell (entered), so it is today's.
    #[test]
    fn an_answer_whose_totals_fell_is_never_the_old_days() {
        let mut d = VendorDay::new(chrono_tz::UTC);
        d.book(t(-1), answer(30.0, 0.0));
        assert_eq!(
            booked(&d.book(t(0) + TimeDelta::seconds(20), answer(1.0, 1.0))),
            vec![(day(5), "entered", 1.0), (day(5), "abandoned", 1.0)]
        );
    }

    /// A quiet old day (totals 0) and a vendor in sync: no fall can show; the answers
    /// are held until the window ends, then booked to the new day once.
    #[test]
    fn without_a_fall_the_window_ends_on_the_new_day() {
        let mut d = VendorDay::new(chrono_tz::UTC);
        d.book(t(-1), answer(0.0, 0.0));
        assert!(d.book(t(1), answer(1.0, 1.0)).is_empty());
        assert!(d.book(t(14), answer(2.0, 1.0)).is_empty());
        assert_eq!(
            booked(&d.book(t(15), answer(2.0, 1.0))),
            vec![(day(5), "entered", 2.0), (day(5), "abandoned", 1.0)]
        );
        assert_eq!(d.day(), NaiveDate::from_ymd_opt(2024, 4, 5));
    }

    /// A restart inside the window: the first answer is held; a fall shows it was
    /// yesterday's (the vendor is late), else the window ends on today.
    #[test]
    fn a_first_poll_in_the_window_follows_the_same_rule() {
        let mut d = VendorDay::new(chrono_tz::UTC);
        assert!(d
            .book(t(0) + TimeDelta::seconds(30), answer(5004.0, 9.0))
            .is_empty());
        assert_eq!(
            booked(&d.book(t(3), answer(6.0, 0.0))),
            vec![
                (day(4), "entered", 5004.0),
                (day(4), "abandoned", 9.0),
                (day(5), "entered", 6.0),
                (day(5), "abandoned", 0.0),
            ]
        );
        let mut d = VendorDay::new(chrono_tz::UTC);
        assert!(d.book(t(1), answer(2.0, 0.0)).is_empty());
        assert_eq!(
            booked(&d.book(t(20), answer(3.0, 0.0)))[0],
            (day(5), "entered", 3.0)
        );
        // Outside the window a first poll is booked at once.
        let mut d = VendorDay::new(chrono_tz::UTC);
        assert_eq!(
            booked(&d.book(t(300), answer(3.0, 0.0)))[0],
            (day(5), "entered", 3.0)
        );
    }

    /// The vendor's clock runs ahead: its totals fall two minutes before our midnight.
    /// That answer is tomorrow's, and stays so past our midnight.
    #[test]
    fn an_early_vendor_day_is_booked_to_tomorrow() {
        let mut d = VendorDay::new(chrono_tz::UTC);
        d.book(t(-20), answer(40.0, 3.0));
        assert_eq!(
            booked(&d.book(t(-5), answer(41.0, 3.0)))[0],
            (day(4), "entered", 41.0)
        );
        assert_eq!(
            booked(&d.book(t(-2), answer(1.0, 0.0)))[0],
            (day(5), "entered", 1.0)
        );
        assert_eq!(
            booked(&d.book(t(-1), answer(2.0, 0.0)))[0],
            (day(5), "entered", 2.0)
        );
        assert_eq!(
            booked(&d.book(t(1), answer(3.0, 1.0)))[0],
            (day(5), "entered", 3.0)
        );
        // A fall outside the window before midnight is a vendor correction: same day.
        let mut d = VendorDay::new(chrono_tz::UTC);
        d.book(t(-120), answer(40.0, 3.0));
        assert_eq!(
            booked(&d.book(t(-60), answer(39.0, 3.0)))[0],
            (day(4), "entered", 39.0)
        );
    }

    /// Local days: midnight in New York is 04:00 UTC in April.
    #[test]
    fn days_are_local_days_of_the_zone() {
        let ny = chrono_tz::America::New_York;
        let mut d = VendorDay::new(ny);
        let midnight = Utc.with_ymd_and_hms(2024, 4, 5, 4, 0, 0).unwrap();
        let b = d.book(midnight - TimeDelta::minutes(30), answer(8.0, 0.0));
        assert_eq!(
            b[0].period.start,
            (midnight - TimeDelta::days(1)).timestamp()
        );
        assert!(d
            .book(midnight + TimeDelta::minutes(1), answer(9.0, 0.0))
            .is_empty());
        let b = d.book(midnight + TimeDelta::minutes(2), answer(1.0, 0.0));
        assert_eq!(
            b[0].period.start,
            (midnight - TimeDelta::days(1)).timestamp()
        );
        assert_eq!(b[2].period.start, midnight.timestamp());
    }
}
