//! Static labels a user adds to a source (`labels:`): which names are allowed. The
//! reserved names are every label this exporter (or its OpenMetrics encoder) sets on a
//! series and the target labels Prometheus attaches, so a static label can never clash
//! with one the exporter sets (docs/metrics.md).

/// Label names a source's static `labels:` must not use: every label this exporter (or
/// its OpenMetrics encoder) sets on a series, and the target labels Prometheus attaches
/// at scrape time (a static `job` or `instance` would be renamed `exported_job`).
pub const RESERVED_LABELS: &[&str] = &[
    "source",
    "vendor",
    "state",
    "vendor_state",
    "queue",
    "channel",
    "endpoint",
    "outcome",
    "le",
    "quantile",
    "version",
    "revision",
    "rustc_version",
    "job",
    "instance",
];

/// Checks the name of a static label: a Prometheus label name, not reserved for
/// Prometheus (`__`), not one the exporter sets itself.
pub fn check_static_label(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "{name:?} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)"
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "{name:?}: label names starting with \"__\" are reserved for Prometheus"
        ));
    }
    if RESERVED_LABELS.contains(&name) {
        return Err(format!(
            "{name:?} is a label the exporter or Prometheus sets itself (reserved: {})",
            RESERVED_LABELS.join(", ")
        ));
    }
    Ok(())
}
