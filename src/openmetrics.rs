//! The OpenMetrics 1.0.0 text encoding of the same metric families that
//! [`crate::metrics::encode`] writes as Prometheus text 0.0.4.
//!
//! The `prometheus` crate only writes text 0.0.4, so this module encodes its
//! `MetricFamily` values itself. What differs from text 0.0.4:
//! - a counter's `# HELP`/`# TYPE` name its family without `_total`, while its sample
//!   keeps the `_total` suffix (`# TYPE x counter` then `x_total 3`);
//! - `# HELP` text escapes `"` too;
//! - infinities are `+Inf`/`-Inf`;
//! - the exposition ends with `# EOF` ([`EOF`]), which the caller appends after the last
//!   section (the body is built from a cached part and a per-scrape part).
//!
//! Kept the same on purpose, so both formats give Prometheus the same series:
//! - sample values are written exactly as the text format writes them;
//! - histogram `le` values too (`le="1"`, not the `le="1.0"` that the spec's
//!   canonical-number rule recommends with a SHOULD): Prometheus 2.x stores label values
//!   as sent, and a scrape switching from text to OpenMetrics would otherwise start new
//!   bucket series and break `rate()` and every `le="…"` selector across the switch;
//! - no `_created` samples: Prometheus 2.x stores each as one more series per counter
//!   and histogram (client_golang leaves them out by default for the same reason), and
//!   the exporter's counters start at the vendor's totals of the day, so the time
//!   counting started says little.

use prometheus::proto::{Metric, MetricFamily, MetricType};

/// `Content-Type` of an OpenMetrics 1.0.0 body.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `Content-Type` of the same body for a client that asked for version 0.0.1.
pub const CONTENT_TYPE_0_0_1: &str = "application/openmetrics-text; version=0.0.1; charset=utf-8";

/// The line that ends every OpenMetrics exposition.
pub const EOF: &str = "# EOF\n";

/// Encodes `families` as OpenMetrics text, without the final [`EOF`]. Families without
/// samples are left out, as the text encoder requires.
pub fn encode(families: &[MetricFamily]) -> String {
    let mut out = String::new();
    for mf in families {
        encode_family(mf, &mut out);
    }
    out
}

fn encode_family(mf: &MetricFamily, out: &mut String) {
    let metrics = mf.get_metric();
    if metrics.is_empty() || mf.name().is_empty() {
        return;
    }
    let kind = mf.get_field_type();
    // Nothing in this exporter makes untyped families, and the text encoder cannot
    // write them at all; leave them out rather than guess at a value.
    if kind == MetricType::UNTYPED {
        return;
    }
    let name = mf.name();
    // The family of counter `x_total` is `x`; a counter named without the suffix keeps
    // its name as the family and gets `_total` on its samples, as the spec requires.
    let family = match kind {
        MetricType::COUNTER => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    };
    if !mf.help().is_empty() {
        out.push_str("# HELP ");
        out.push_str(family);
        out.push(' ');
        escape_into(mf.help(), out);
        out.push('\n');
    }
    out.push_str("# TYPE ");
    out.push_str(family);
    out.push(' ');
    out.push_str(match kind {
        MetricType::COUNTER => "counter",
        MetricType::GAUGE => "gauge",
        MetricType::HISTOGRAM => "histogram",
        MetricType::SUMMARY => "summary",
        MetricType::UNTYPED => return,
    });
    out.push('\n');
    for m in metrics {
        match kind {
            MetricType::COUNTER => {
                sample(out, family, "_total", m, None, m.get_counter().value());
            }
            MetricType::GAUGE => sample(out, family, "", m, None, m.get_gauge().value()),
            MetricType::UNTYPED => {}
            MetricType::HISTOGRAM => {
                let h = m.get_histogram();
                let mut inf_seen = false;
                for b in h.get_bucket() {
                    let bound = b.upper_bound();
                    inf_seen |= bound == f64::INFINITY;
                    let le = format_value(bound);
                    let count = b.cumulative_count() as f64;
                    sample(out, family, "_bucket", m, Some(("le", &le)), count);
                }
                let count = h.get_sample_count() as f64;
                if !inf_seen {
                    sample(out, family, "_bucket", m, Some(("le", "+Inf")), count);
                }
                // `_sum` before `_count`, as the text encoder writes them.
                sample(out, family, "_sum", m, None, h.get_sample_sum());
                sample(out, family, "_count", m, None, count);
            }
            MetricType::SUMMARY => {
                let s = m.get_summary();
                for q in s.get_quantile() {
                    let quantile = format_value(q.quantile());
                    sample(out, family, "", m, Some(("quantile", &quantile)), q.value());
                }
                sample(out, family, "_sum", m, None, s.sample_sum());
                sample(out, family, "_count", m, None, s.sample_count() as f64);
            }
        }
    }
}

fn sample(
    out: &mut String,
    family: &str,
    suffix: &str,
    m: &Metric,
    extra: Option<(&str, &str)>,
    value: f64,
) {
    out.push_str(family);
    out.push_str(suffix);
    let labels = m.get_label();
    if !labels.is_empty() || extra.is_some() {
        let mut sep = '{';
        let pairs = labels.iter().map(|l| (l.name(), l.value())).chain(extra);
        for (name, value) in pairs {
            out.push(sep);
            out.push_str(name);
            out.push_str("=\"");
            escape_into(value, out);
            out.push('"');
            sep = ',';
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&format_value(value));
    if m.timestamp_ms() != 0 {
        // OpenMetrics timestamps are seconds; none of ours are set, but a collector's
        // may be.
        out.push(' ');
        out.push_str(&format_value(m.timestamp_ms() as f64 / 1000.0));
    }
    out.push('\n');
}

/// A number as the text encoder writes it (Rust's shortest round-trip form), with the
/// OpenMetrics spelling of infinity.
fn format_value(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        // NaN prints as `NaN`, which both formats spell that way.
        v.to_string()
    }
}

/// Escapes a label value or HELP text: `\`, newline and `"` (OpenMetrics escapes all
/// three in both places; text 0.0.4 leaves `"` alone in HELP).
fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::core::Collector;
    use prometheus::{CounterVec, Gauge, Histogram, HistogramOpts, Opts};

    fn gather(collectors: &[&dyn Collector]) -> Vec<MetricFamily> {
        collectors.iter().flat_map(|c| c.collect()).collect()
    }

    #[test]
    fn counters_are_typed_under_the_family_name() {
        let c = CounterVec::new(
            Opts::new(
                "requests_total",
                "Requests \"by\" outcome \\ path\nsecond line.",
            ),
            &["outcome"],
        )
        .unwrap();
        c.with_label_values(&["a\"b\\c\nd"]).inc_by(3.0);
        let text = encode(&gather(&[&c]));
        assert_eq!(
            text,
            "# HELP requests Requests \\\"by\\\" outcome \\\\ path\\nsecond line.\n\
             # TYPE requests counter\n\
             requests_total{outcome=\"a\\\"b\\\\c\\nd\"} 3\n"
        );
    }

    #[test]
    fn a_counter_without_the_suffix_gets_it_on_its_samples() {
        let c = prometheus::Counter::new("polls", "Polls.").unwrap();
        c.inc();
        assert_eq!(
            encode(&gather(&[&c])),
            "# HELP polls Polls.\n# TYPE polls counter\npolls_total 1\n"
        );
    }

    #[test]
    fn gauges_and_special_values() {
        let g = Gauge::new("temperature_celsius", "Temperature.").unwrap();
        g.set(f64::NEG_INFINITY);
        assert!(encode(&gather(&[&g])).ends_with("temperature_celsius -Inf\n"));
        g.set(f64::NAN);
        assert!(encode(&gather(&[&g])).ends_with("temperature_celsius NaN\n"));
        g.set(0.25);
        assert_eq!(
            encode(&gather(&[&g])),
            "# HELP temperature_celsius Temperature.\n# TYPE temperature_celsius gauge\ntemperature_celsius 0.25\n"
        );
    }

    #[test]
    fn histograms_have_buckets_count_and_sum() {
        let h = Histogram::with_opts(
            HistogramOpts::new("wait_seconds", "Wait.")
                .const_label("queue", "q")
                .buckets(vec![0.5, 1.0, 10.0]),
        )
        .unwrap();
        h.observe(0.2);
        h.observe(3.0);
        assert_eq!(
            encode(&gather(&[&h])),
            "# HELP wait_seconds Wait.\n# TYPE wait_seconds histogram\n\
             wait_seconds_bucket{queue=\"q\",le=\"0.5\"} 1\n\
             wait_seconds_bucket{queue=\"q\",le=\"1\"} 1\n\
             wait_seconds_bucket{queue=\"q\",le=\"10\"} 2\n\
             wait_seconds_bucket{queue=\"q\",le=\"+Inf\"} 2\n\
             wait_seconds_sum{queue=\"q\"} 3.2\n\
             wait_seconds_count{queue=\"q\"} 2\n"
        );
    }

    #[test]
    fn empty_families_are_left_out() {
        let c = CounterVec::new(Opts::new("x_total", "X."), &["l"]).unwrap();
        assert_eq!(encode(&gather(&[&c])), "");
    }

    /// Every sample line of the text encoding has its twin, with the same value, in the
    /// OpenMetrics encoding of the same families (only `le="+Inf"` and the counter
    /// metadata are spelled differently).
    #[test]
    fn same_samples_as_the_text_format() {
        let c = CounterVec::new(Opts::new("hits_total", "Hits."), &["path"]).unwrap();
        c.with_label_values(&["/a"]).inc_by(1e21);
        c.with_label_values(&["/b"]).inc_by(0.1 + 0.2);
        let h = Histogram::with_opts(
            HistogramOpts::new("d_seconds", "D.").buckets(vec![0.05, 2.5, 60.0]),
        )
        .unwrap();
        h.observe(7.0);
        let families = gather(&[&c, &h]);
        let text = crate::metrics::encode(&families);
        let om = encode(&families);
        let samples = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(samples(&text), samples(&om));
    }
}
