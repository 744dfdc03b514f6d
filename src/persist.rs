//! The state directory (`--storage.path`): one file per source holding its counters and
//! period ledger ([`SavedData`]), so that a restarted exporter continues every counter
//! where it stood and counts each vendor period once across the restart.
//!
//! Files are written only by this module, at most once per successful poll of a source:
//! to a temporary file in the same directory, flushed to disk, then renamed over the old
//! one (a crash leaves the old file or the new one, never half of one). A file that cannot
//! be read as this format (corrupt, truncated, from a newer version) is set aside as
//! `<file>.corrupt` and the source starts afresh: the exporter never refuses to start
//! over its state. The format is documented in docs/reliability.md.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::config::SourceConfig;
use crate::store::{SavedData, SourceData};

/// The state file format this code writes and reads. A file of another version is set
/// aside (a newer one cannot be understood; an older one does not exist yet).
pub const FORMAT_VERSION: u32 = 1;

/// How long the state of a source no longer configured is kept before it is deleted:
/// a source removed by mistake and put back within this time continues its counters.
/// Matches the period ledger's memory (two days): older state could not be used anyway.
pub const REMOVED_SOURCE_GRACE: Duration = Duration::from_secs(48 * 3600);

/// Suffix of state files.
const SUFFIX: &str = ".state.json";

/// One source's state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// The source's name.
    pub source: String,
    /// Its vendor.
    pub vendor: String,
    /// Its identity ([`SourceConfig::identity`]) when the file was written: the state is
    /// restored only to a source with the same identity.
    pub identity: String,
    /// When the file was written (Unix seconds, the poll's time).
    pub saved_at: i64,
    /// Counters and ledger.
    pub data: SavedData,
}

impl StateFile {
    /// The state of source `cfg` with `data`, written at `saved_at` (Unix seconds).
    pub fn new(cfg: &SourceConfig, data: SavedData, saved_at: i64) -> Self {
        StateFile {
            format: FORMAT_VERSION,
            source: cfg.name.clone(),
            vendor: cfg.vendor.as_str().to_string(),
            identity: cfg.identity(),
            saved_at,
            data,
        }
    }
}

/// What was found for one source.
#[derive(Debug)]
pub enum Found {
    /// No state file.
    Nothing,
    /// A state file that parsed.
    State(Box<StateFile>),
    /// A file that could not be used, set aside (renamed) or left in place when even
    /// that failed; the reason says which.
    Unusable(String),
}

/// The state directory.
#[derive(Debug)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Opens (creating it, mode 0700, if missing) the state directory `dir`. Fails only
    /// when it cannot be created or is not a directory; an unwritable directory is
    /// found at the first write (a warning and a metric, never a failed poll).
    pub fn open(dir: &Path) -> Result<StateDir, String> {
        if !dir.exists() {
            fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
            // Only the exporter's user reads its counters.
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
        if !dir.is_dir() {
            return Err(format!(
                "the state directory {} is not a directory",
                dir.display()
            ));
        }
        Ok(StateDir {
            dir: dir.to_path_buf(),
        })
    }

    /// The state directory `dir` as it is, unchecked: for a directory that
    /// [`StateDir::open`] could not create, so that every write fails visibly (a warning
    /// and `contact_center_exporter_state_write_failures_total`) while the exporter
    /// serves.
    pub fn unchecked(dir: &Path) -> StateDir {
        StateDir {
            dir: dir.to_path_buf(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The file of source `name`: the name with every byte other than ASCII letters,
    /// digits, `-` and `_` written as `%XX`, so any name maps to one plain file name.
    pub fn file_of(&self, name: &str) -> PathBuf {
        let mut f = String::with_capacity(name.len() + SUFFIX.len());
        for b in name.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                f.push(b as char);
            } else {
                f.push_str(&format!("%{b:02X}"));
            }
        }
        f.push_str(SUFFIX);
        self.dir.join(f)
    }

    /// Reads the state file of source `name`.
    pub fn load(&self, name: &str) -> Found {
        let path = self.file_of(name);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Found::Nothing,
            Err(e) => return Found::Unusable(format!("cannot read {}: {e}", path.display())),
        };
        let why = match serde_json::from_slice::<StateFile>(&bytes) {
            Ok(f) if f.format == FORMAT_VERSION && f.source == name => {
                return Found::State(Box::new(f))
            }
            Ok(f) if f.format != FORMAT_VERSION => format!(
                "format version {} (this version reads {FORMAT_VERSION})",
                f.format
            ),
            Ok(f) => format!("it holds source {:?}", f.source),
            Err(e) => match serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("format").and_then(|f| f.as_u64()))
            {
                Some(v) if v != u64::from(FORMAT_VERSION) => {
                    format!("format version {v} (this version reads {FORMAT_VERSION})")
                }
                _ => format!("not a state file: {e}"),
            },
        };
        Found::Unusable(self.set_aside(&path, &why))
    }

    /// Renames an unusable file to `<file>.corrupt` (replacing an older one) and says
    /// what happened.
    pub fn set_aside(&self, path: &Path, why: &str) -> String {
        let mut aside = path.as_os_str().to_owned();
        aside.push(".corrupt");
        match fs::rename(path, &aside) {
            Ok(()) => format!(
                "{}: {why}; set aside as {}",
                path.display(),
                Path::new(&aside).display()
            ),
            Err(e) => format!(
                "{}: {why}; could not set it aside ({e}): it will be replaced",
                path.display()
            ),
        }
    }

    /// Writes `state` atomically: a temporary file (mode 0600) in the same directory,
    /// flushed, renamed over the old file, and the directory flushed so the rename
    /// survives a power loss.
    pub fn save(&self, state: &StateFile) -> std::io::Result<()> {
        let path = self.file_of(&state.source);
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let bytes = serde_json::to_vec(state).map_err(std::io::Error::other)?;
        let written = (|| {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &path)?;
            fs::File::open(&self.dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }

    /// Deletes the state of sources not in `configured` whose file was last written
    /// more than `grace` before `now`; returns the names of the deleted files.
    pub fn forget_removed(
        &self,
        configured: &HashSet<String>,
        grace: Duration,
        now: SystemTime,
    ) -> Vec<String> {
        let keep: HashSet<PathBuf> = configured.iter().map(|n| self.file_of(n)).collect();
        let mut gone = Vec::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return gone;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(SUFFIX) || keep.contains(&path) {
                continue;
            }
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > grace);
            if old && fs::remove_file(&path).is_ok() {
                gone.push(name);
            }
        }
        gone
    }

    /// The counters to start source `cfg` with: those of its state file when the file
    /// is usable and was written for the same identity, else none (fresh). Says what
    /// it did in one log line.
    pub fn restore(&self, cfg: &SourceConfig) -> Option<SourceData> {
        match self.load(&cfg.name) {
            Found::Nothing => {
                tracing::info!(source = %cfg.name, "no saved state: counters start afresh");
                None
            }
            Found::Unusable(why) => {
                tracing::warn!(source = %cfg.name, error = %why, "saved state unusable: counters start afresh");
                None
            }
            Found::State(f) if f.vendor != cfg.vendor.as_str() || f.identity != cfg.identity() => {
                tracing::warn!(source = %cfg.name, saved = %f.identity, now = %cfg.identity(),
                    "saved state is of other settings (vendor, account, filters, time zone, labels or state map changed): counters start afresh");
                None
            }
            Found::State(f) => {
                let saved_at = f.saved_at;
                match SourceData::restored(f.data) {
                    Ok(d) => {
                        tracing::info!(source = %cfg.name, saved_at, "counters restored from saved state");
                        Some(d)
                    }
                    Err(e) => {
                        let why = self.set_aside(&self.file_of(&cfg.name), &e);
                        tracing::warn!(source = %cfg.name, error = %why, "saved state unusable: counters start afresh");
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str, cc_id: u64) -> SourceConfig {
        crate::config::parse(
            &format!(
                "sources:\n  - {{name: {name:?}, vendor: exotel, base_url: \"http://127.0.0.1:9\", \
                 cc_id: {cc_id}, username: u, password: pw}}\n"
            ),
            "test.yml",
        )
        .expect("config")
        .sources
        .remove(0)
    }

    #[test]
    fn file_names_are_plain_whatever_the_source_name() {
        let d = StateDir::open(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(d
            .file_of("demo-vcc_live")
            .ends_with("demo-vcc_live.state.json"));
        assert!(d.file_of("../x y").ends_with("%2E%2E%2Fx%20y.state.json"));
    }

    #[test]
    fn saved_state_round_trips_and_is_private() {
        let tmp = tempfile::tempdir().unwrap();
        let d = StateDir::open(tmp.path()).unwrap();
        let c = cfg("a", 1);
        let f = StateFile::new(&c, SourceData::default().saved(), 100);
        d.save(&f).unwrap();
        let mode = fs::metadata(d.file_of("a")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        match d.load("a") {
            Found::State(g) => assert_eq!(*g, f),
            other => panic!("{other:?}"),
        }
        assert!(d.restore(&c).is_some());
        // Another contact center under the same name starts afresh.
        assert!(d.restore(&cfg("a", 2)).is_none());
    }

    #[test]
    fn unusable_files_are_set_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let d = StateDir::open(tmp.path()).unwrap();
        let c = cfg("a", 1);
        let good =
            serde_json::to_string(&StateFile::new(&c, SourceData::default().saved(), 1)).unwrap();
        let newer = good.replace("\"format\":1", "\"format\":2");
        for (case, text) in [
            ("truncated", &good[..good.len() / 2]),
            ("garbage", "\u{0}\u{1}not json"),
            ("newer", newer.as_str()),
        ] {
            fs::write(d.file_of("a"), text).unwrap();
            match d.load("a") {
                Found::Unusable(why) => {
                    assert!(why.contains("set aside"), "{case}: {why}");
                    if case == "newer" {
                        assert!(why.contains("format version 2"), "{why}");
                    }
                }
                other => panic!("{case}: {other:?}"),
            }
            assert!(!d.file_of("a").exists(), "{case}");
            assert!(tmp.path().join("a.state.json.corrupt").exists(), "{case}");
            assert!(d.restore(&c).is_none());
        }
    }

    #[test]
    fn removed_sources_are_forgotten_after_the_grace_period() {
        let tmp = tempfile::tempdir().unwrap();
        let d = StateDir::open(tmp.path()).unwrap();
        for n in ["kept", "removed"] {
            d.save(&StateFile::new(
                &cfg(n, 1),
                SourceData::default().saved(),
                1,
            ))
            .unwrap();
        }
        let configured: HashSet<String> = ["kept".to_string()].into();
        let now = SystemTime::now();
        assert!(d
            .forget_removed(&configured, REMOVED_SOURCE_GRACE, now)
            .is_empty());
        let later = now + REMOVED_SOURCE_GRACE + Duration::from_secs(60);
        assert_eq!(
            d.forget_removed(&configured, REMOVED_SOURCE_GRACE, later),
            vec!["removed.state.json".to_string()]
        );
        assert!(d.file_of("kept").exists());
    }
}
