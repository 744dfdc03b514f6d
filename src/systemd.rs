//! systemd service notifications (`Type=notify`): `READY=1` once the listeners are bound,
//! `RELOADING=1`/`READY=1` around a configuration reload, `STOPPING=1` on shutdown, and
//! `WATCHDOG=1` pings when the unit sets `WatchdogSec=`.
//!
//! Every function is a no-op when the process was not started by systemd (no
//! `NOTIFY_SOCKET`), so the daemon behaves the same under any other supervisor.

use std::time::Duration;

use sd_notify::NotifyState;

fn send(what: &str, states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(notification = what, error = %e, "cannot notify systemd");
    }
}

/// The service is up: every listener is bound, so connections are accepted from now on.
pub fn ready(status: &str) {
    send("READY", &[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A configuration reload starts; call [`ready`] when it has finished (either way).
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send("RELOADING", &[NotifyState::Reloading, now]),
        Err(_) => send("RELOADING", &[NotifyState::Reloading]),
    }
}

/// The service is shutting down.
pub fn stopping() {
    send("STOPPING", &[NotifyState::Stopping]);
}

/// When the unit sets `WatchdogSec=`, spawns a task on the current tokio runtime that
/// sends `WATCHDOG=1` at half the watchdog interval. Pings stop when the runtime stalls,
/// so systemd restarts a wedged exporter.
pub fn spawn_watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let timeout = sd_notify::watchdog_enabled()?;
    let period = (timeout / 2).max(Duration::from_millis(50));
    tracing::debug!(watchdog = ?timeout, "systemd watchdog enabled");
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            send("WATCHDOG", &[NotifyState::Watchdog]);
        }
    }))
}
