//! The time polls run at: the wall clock, or (for tests) an instant read from a file.
//!
//! Day changes, vendor rollovers and restarts across midnight must be testable through
//! the real binary without waiting for midnight. The hidden flag `--testing.clock-file`
//! points the pollers at a file holding one RFC 3339 instant, read at every poll, which a
//! test rewrites to move time. Everything else (staleness, backoff, scrape time) keeps
//! the wall clock: only what a vendor's periods and days are computed from moves.

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

/// Where the poll time comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    Wall,
    /// The instant written in this file (RFC 3339), read at every call.
    File(PathBuf),
}

static CLOCK: OnceLock<Clock> = OnceLock::new();

/// Installs the process's clock (once, at start; later calls are ignored).
pub fn install(clock: Clock) {
    if let Clock::File(p) = &clock {
        tracing::warn!(file = %p.display(), "testing clock: poll times are read from a file, not the system clock");
    }
    let _ = CLOCK.set(clock);
}

/// The time of a poll starting now.
pub fn now() -> DateTime<Utc> {
    match CLOCK.get() {
        None | Some(Clock::Wall) => Utc::now(),
        Some(Clock::File(p)) => read(p).unwrap_or_else(|e| {
            // A test writing the file at the same moment can be read half-written: the
            // wall clock would jump the source to another day, so say so loudly.
            tracing::error!(file = %p.display(), error = %e, "testing clock unreadable; using the system clock");
            Utc::now()
        }),
    }
}

fn read(p: &std::path::Path) -> Result<DateTime<Utc>, String> {
    let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}: {:?}", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_file_is_read_at_every_call() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("now");
        std::fs::write(&f, "2026-03-01T23:59:30Z\n").unwrap();
        assert_eq!(read(&f).unwrap().to_rfc3339(), "2026-03-01T23:59:30+00:00");
        std::fs::write(&f, "2026-03-02T00:00:30+01:00").unwrap();
        assert_eq!(read(&f).unwrap().to_rfc3339(), "2026-03-01T23:00:30+00:00");
        std::fs::write(&f, "soon").unwrap();
        assert!(read(&f).unwrap_err().contains("soon"));
    }
}
