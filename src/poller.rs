//! One background task per source: polls on the source's interval, never two polls of
//! one source at once, backs off exponentially with jitter after failures (capped at
//! 10× the interval, longer only when the vendor's `Retry-After` asks for it), and
//! folds each successful snapshot into the hub.
//!
//! Sources are independent tasks: one slow or failing vendor never delays another.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::FutureExt;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::task::JoinHandle;

use crate::config::SourceConfig;
use crate::http::PollContext;
use crate::hub::Hub;
use crate::model::Snapshot;
use crate::persist::{StateDir, StateFile};
use crate::sources::Source;
use crate::store::{SourceData, SourceEntry};

/// Longest `Retry-After` honoured; a vendor asking for more gets this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A source ready to run: its client and implementation, built (and so validated)
/// before anything is replaced on a reload.
pub struct Prepared {
    entry: Arc<SourceEntry>,
    client: reqwest::Client,
    source: Box<dyn Source>,
    /// Where to keep the source's counters after each successful poll.
    state: Option<Arc<StateDir>>,
}

impl Prepared {
    /// Builds the client and the source for `cfg`; fails on an unusable TLS setting.
    pub fn new(cfg: &SourceConfig) -> Result<Self, String> {
        let client = crate::http::build_client(&cfg.client_options())
            .map_err(|e| format!("source {}: {e}", cfg.name))?;
        let source = cfg
            .vendor
            .source(&cfg.name, &cfg.vendor_config)
            .ok_or_else(|| {
                format!(
                    "source {}: its settings are not those of vendor {} (a bug; please report it)",
                    cfg.name, cfg.vendor
                )
            })?;
        Ok(Prepared {
            entry: Arc::new(SourceEntry::new(cfg)),
            client,
            source,
            state: None,
        })
    }

    /// Starts from `data` (counters restored from the state directory) instead of
    /// nothing.
    pub fn with_data(self, data: SourceData) -> Self {
        *self.entry.data.lock().unwrap_or_else(|e| e.into_inner()) = data;
        self
    }

    /// Continues `old`, a running source of the same identity whose other settings
    /// changed ([`SourceEntry::continuing`]).
    pub fn continuing(self, old: &SourceEntry) -> Self {
        Prepared {
            entry: Arc::new(SourceEntry::continuing(&self.entry.config, old)),
            ..self
        }
    }

    /// Writes the source's counters to `dir` after each successful poll.
    pub fn saving_to(self, dir: Option<Arc<StateDir>>) -> Self {
        Prepared { state: dir, ..self }
    }

    /// The hub entry this source writes to.
    pub fn entry(&self) -> Arc<SourceEntry> {
        Arc::clone(&self.entry)
    }

    /// `--probe`: one poll with the source's real settings and credentials, nothing
    /// kept. `Ok` with what the vendor reported, or the error line the daemon would log.
    pub async fn probe(self) -> Result<Snapshot, String> {
        let Prepared {
            entry,
            client,
            mut source,
            ..
        } = self;
        poll_once(&entry, &client, source.as_mut(), crate::clock::now())
            .await
            .map_err(|(msg, _)| msg)
    }

    /// Starts polling.
    pub fn spawn(self, hub: Arc<Hub>) -> JoinHandle<()> {
        if self.entry.config.insecure_skip_verify {
            tracing::warn!(source = %self.entry.name, "insecure_skip_verify is set: vendor TLS certificates are NOT verified");
        }
        if self.entry.config.agents.series && !self.entry.vendor.reports_each_agent() {
            tracing::warn!(source = %self.entry.name, vendor = %self.entry.vendor,
                "agent_series is on, but this vendor reports agents per state as counts only: the source has no per-agent series or status-page rows");
        }
        tokio::spawn(run(self, hub))
    }
}

/// The whole-poll deadline: a poll may make several requests (pages), each bounded by
/// the timeout; the poll as a whole gets the longer of the interval and 3 timeouts.
pub fn poll_deadline(cfg: &SourceConfig) -> Duration {
    cfg.interval.max(cfg.timeout * 3)
}

/// Delay before the next poll after `failures` consecutive failures (0 = success).
/// The backoff doubles per failure up to 10× the interval; "equal jitter" keeps it
/// between half and all of that, so many exporters do not retry in lockstep.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    rng: &mut impl Rng,
) -> Duration {
    if failures == 0 {
        return interval;
    }
    let cap = interval * 10;
    let exp = interval
        .saturating_mul(1u32 << (failures - 1).min(16))
        .min(cap);
    let half = exp / 2;
    let jittered = half + half.mul_f64(rng.random::<f64>());
    match retry_after {
        Some(ra) => jittered.max(ra.min(MAX_RETRY_AFTER)),
        None => jittered,
    }
}

async fn run(p: Prepared, hub: Arc<Hub>) {
    let Prepared {
        entry,
        client,
        mut source,
        state,
    } = p;
    let cfg = &entry.config;
    let mut rng = SmallRng::from_os_rng();
    // Whether the last state write failed (one warning per run of failures).
    let mut state_failing = false;
    loop {
        let started = Instant::now();
        let now = crate::clock::now();
        let result = poll_once(&entry, &client, source.as_mut(), now).await;
        let elapsed = started.elapsed();
        entry.observe_poll(elapsed.as_secs_f64());
        let sleep = match result {
            Ok(snap) => {
                let saved = {
                    let mut data = entry.data.lock().unwrap_or_else(|e| e.into_inner());
                    data.ingest(snap, &entry.mapper, now.timestamp());
                    data.check_agent_cap(&entry.name, &entry.config.agents);
                    state.as_ref().map(|_| data.saved())
                };
                if let (Some(dir), Some(saved)) = (&state, saved) {
                    let file = StateFile::new(cfg, saved, now.timestamp());
                    let dir = Arc::clone(dir);
                    // File I/O and fsync off the async workers.
                    let written = tokio::task::spawn_blocking(move || dir.save(&file))
                        .await
                        .map_err(|e| std::io::Error::other(e.to_string()))
                        .and_then(|r| r);
                    match written {
                        Ok(()) if state_failing => {
                            state_failing = false;
                            tracing::info!(source = %entry.name, "state file written again");
                        }
                        Ok(()) => {}
                        Err(e) => {
                            hub.state_write_failures.inc();
                            if !state_failing {
                                state_failing = true;
                                tracing::warn!(source = %entry.name, error = %e,
                                    "cannot write the state file; counters keep counting but a restart would reset them");
                            } else {
                                tracing::debug!(source = %entry.name, error = %e, "state file write failed again");
                            }
                        }
                    }
                }
                let mut st = entry.status.lock().unwrap_or_else(|e| e.into_inner());
                st.up = true;
                st.last_success = Some(SystemTime::now());
                st.last_error = None;
                st.polls += 1;
                st.consecutive_failures = 0;
                drop(st);
                tracing::debug!(source = %entry.name, vendor = %entry.vendor, elapsed_ms = elapsed.as_millis() as u64, "poll succeeded");
                hub.mark_changed();
                // Fixed rate after success: the interval counts from the poll's start.
                cfg.interval.saturating_sub(elapsed)
            }
            Err((msg, retry_after)) => {
                let mut st = entry.status.lock().unwrap_or_else(|e| e.into_inner());
                st.up = false;
                st.polls += 1;
                st.consecutive_failures = st.consecutive_failures.saturating_add(1);
                st.last_error = Some(msg.clone());
                let failures = st.consecutive_failures;
                drop(st);
                let delay = next_delay(cfg.interval, failures, retry_after, &mut rng);
                tracing::warn!(source = %entry.name, vendor = %entry.vendor, error = %msg,
                    consecutive_failures = failures, retry_in_s = delay.as_secs(), "poll failed");
                // The source's status changed (and its data may have gone stale).
                hub.mark_changed();
                // After a failure the backoff counts from the poll's end.
                delay
            }
        };
        tokio::time::sleep(sleep).await;
    }
}

/// One poll of `source` at `now`, bounded by its deadline; a panic or an overrun is a
/// failed poll. The error is the line an operator reads (in the log, on the status page
/// and from `--probe`), with the vendor's `Retry-After`.
async fn poll_once(
    entry: &SourceEntry,
    client: &reqwest::Client,
    source: &mut dyn Source,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Snapshot, (String, Option<Duration>)> {
    let cfg = &entry.config;
    let ctx = PollContext::new(
        &entry.name,
        now,
        client.clone(),
        cfg.timeout,
        cfg.max_response_bytes,
        Arc::clone(&entry.counters),
    )
    .redacting(match &cfg.proxy {
        Some(p) => p.secrets(),
        // reqwest sends the environment's proxy credentials: redact them alike.
        None => crate::http::env_proxy_secrets(),
    });
    let deadline = poll_deadline(cfg);
    // A panic in a source is a bug; it fails this poll (and says so) instead of
    // ending the task, which would leave the source's last status up for good.
    let poll = std::panic::AssertUnwindSafe(source.poll(&ctx)).catch_unwind();
    match tokio::time::timeout(deadline, poll).await {
        Ok(Ok(Ok(snap))) => Ok(snap),
        Ok(Ok(Err(e))) => Err((e.to_string(), e.retry_after())),
        Ok(Err(panic)) => Err((
            format!(
                "internal error in the {} source (a bug; please report it): {}",
                entry.vendor,
                panic_message(panic.as_ref())
            ),
            None,
        )),
        Err(_) => Err((
            format!(
                "poll did not finish within its deadline of {}",
                humantime::format_duration(deadline)
            ),
            None,
        )),
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;
    use crate::sources::SourceError;

    /// Panics on its first poll, succeeds on the later ones.
    struct PanicsOnce(u32);

    #[async_trait::async_trait]
    impl Source for PanicsOnce {
        async fn poll(&mut self, _: &PollContext) -> Result<Snapshot, SourceError> {
            self.0 += 1;
            if self.0 == 1 {
                panic!("index out of bounds in a vendor parser");
            }
            Ok(Snapshot::default())
        }
    }

    /// A panic inside a poll is one failed poll with a clear error; the task lives on
    /// and the next poll succeeds (before the fix the task ended and the source's last
    /// status stayed up for good).
    #[tokio::test]
    async fn a_panicking_poll_fails_that_poll_and_polling_goes_on() {
        let cfg = crate::config::parse(
            "sources:\n  - {name: p, vendor: exotel, base_url: \"http://127.0.0.1:9\", \
             cc_id: 1, username: u, password: pw, interval: 1s, timeout: 500ms}\n",
            "test.yml",
        )
        .expect("config")
        .sources
        .remove(0);
        let prepared = Prepared::new(&cfg).expect("prepared");
        let entry = prepared.entry();
        let task = Prepared {
            source: Box::new(PanicsOnce(0)),
            ..prepared
        }
        .spawn(Hub::new());
        let wait_for = |polls: u64| {
            let entry = Arc::clone(&entry);
            async move {
                for _ in 0..100 {
                    if entry.status().polls >= polls {
                        return entry.status();
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                panic!("no poll {polls} within 5 s");
            }
        };
        let first = wait_for(1).await;
        assert!(!first.up);
        let err = first.last_error.expect("an error");
        assert!(
            err.contains("internal error in the exotel source")
                && err.contains("index out of bounds in a vendor parser"),
            "{err}"
        );
        // The failure backs off for half to all of the 1 s interval, then polls again.
        let second = wait_for(2).await;
        assert!(second.up && second.last_error.is_none(), "{second:?}");
        assert!(!task.is_finished());
        task.abort();
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let mut rng = SmallRng::seed_from_u64(7);
        let i = Duration::from_secs(30);
        assert_eq!(next_delay(i, 0, None, &mut rng), i);
        for _ in 0..100 {
            let d1 = next_delay(i, 1, None, &mut rng);
            assert!(d1 >= i / 2 && d1 <= i, "{d1:?}");
            let d3 = next_delay(i, 3, None, &mut rng);
            assert!(d3 >= i * 2 && d3 <= i * 4, "{d3:?}");
            let d20 = next_delay(i, 20, None, &mut rng);
            assert!(d20 >= i * 5 && d20 <= i * 10, "{d20:?}");
            let ra = next_delay(i, 1, Some(Duration::from_secs(120)), &mut rng);
            assert_eq!(ra, Duration::from_secs(120));
            let huge = next_delay(i, 1, Some(Duration::from_secs(86_400)), &mut rng);
            assert_eq!(huge, MAX_RETRY_AFTER);
        }
    }
}
