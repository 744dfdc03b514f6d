//! A poll clock a test controls: the file `--testing.clock-file` points the exporter's
//! pollers at, holding one RFC 3339 instant.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// A clock file in its own temporary directory.
pub struct TestClock {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TestClock {
    /// A clock set to `t`.
    pub fn at(t: DateTime<Utc>) -> TestClock {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("now");
        let c = TestClock { _dir: dir, path };
        c.set(t);
        c
    }

    /// Moves the clock to `t`. Written beside and renamed over, so a poll never reads
    /// it half-written.
    pub fn set(&self, t: DateTime<Utc>) {
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, t.to_rfc3339()).unwrap();
        std::fs::rename(&tmp, &self.path).unwrap();
    }

    /// The file, for `--testing.clock-file`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The exporter arguments that make it poll by this clock.
    pub fn args(&self) -> [String; 2] {
        [
            "--testing.clock-file".to_string(),
            self.path.display().to_string(),
        ]
    }
}
