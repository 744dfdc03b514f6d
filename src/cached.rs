//! A list read from a vendor and reused for a few minutes (queues, TaskRouter
//! Activities): one freshness rule for every source, on the poll's clock.

use chrono::{DateTime, Utc};

/// A value and when it was read; fresh for `max_age_seconds`.
#[derive(Debug, Clone)]
pub struct Cached<T> {
    value: Option<(T, DateTime<Utc>)>,
    max_age_seconds: i64,
}

impl<T> Cached<T> {
    /// An empty cache whose values stay fresh `max_age_seconds`.
    pub const fn new(max_age_seconds: i64) -> Self {
        Cached {
            value: None,
            max_age_seconds,
        }
    }

    /// The value while fresh at `now`: read less than the maximum age ago, and not
    /// after `now` (a clock that stepped back reads the list again rather than trusting
    /// one from its future).
    pub fn get(&self, now: DateTime<Utc>) -> Option<&T> {
        let (v, at) = self.value.as_ref()?;
        let age = (now - *at).num_seconds();
        (*at <= now && age < self.max_age_seconds).then_some(v)
    }

    /// Keeps `value`, read at `now`.
    pub fn put(&mut self, value: T, now: DateTime<Utc>) {
        self.value = Some((value, now));
    }

    /// Forgets the value (the vendor said it is out of date).
    pub fn clear(&mut self) {
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fresh_for_its_age_and_never_from_the_future() {
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let s = chrono::Duration::seconds;
        let mut c = Cached::new(300);
        assert_eq!(c.get(t), None);
        c.put(7, t);
        assert_eq!(c.get(t), Some(&7));
        assert_eq!(c.get(t + s(299)), Some(&7));
        assert_eq!(c.get(t + s(300)), None);
        assert_eq!(c.get(t - s(1)), None);
        c.clear();
        assert_eq!(c.get(t), None);
    }
}
