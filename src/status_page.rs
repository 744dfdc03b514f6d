//! The status page at `/`: what a supervisor without Grafana needs at a glance, and
//! what an operator needs to see whether every source is polling.
//!
//! It shows the version, links, every source's poll status, and per source the agents
//! per normalized state, every agent (name or id, vendor state, normalized state, time
//! in state; folded into a `<details>` element past [`FOLD_AGENTS`]) and per queue the waiting interactions, the oldest wait, the
//! day's entered / answered / abandoned interactions, the day's service level and the
//! SLA threshold. Everything comes from the data the pollers keep for `/metrics`
//! ([`SourceData`]); the page never calls a vendor. Sources whose data `/metrics` leaves
//! out as stale show no figures here either, so the two never disagree.
//!
//! "Today" is the vendor's own day: the queue-counter periods the vendor reported for
//! the current day in the zone the vendor counts its days in (its `Settings::day_zone`:
//! the source's `time_zone` where the vendor takes one, else UTC), summed from the
//! period ledger. So the
//! page shows the vendor's totals of the day, not what this process has counted since
//! it started (that is what the `_total` counters are for).
//!
//! The page is plain server-rendered HTML with inline CSS, no scripts and no external
//! assets; it reloads itself about once per poll. Every string that comes from a vendor
//! or from the configuration (source, queue, agent and state names, error texts) is
//! HTML-escaped, and no configuration value other than names and intervals is shown.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::model::{QueueCounter, QueueKey};
use crate::state::AgentState;
use crate::store::{SourceData, SourceEntry};

/// Shortest self-refresh: a 1 s demo interval should not make the page flicker.
const MIN_REFRESH: Duration = Duration::from_secs(5);
/// Longest self-refresh, so a page left open never looks frozen for long.
const MAX_REFRESH: Duration = Duration::from_secs(300);
/// Refresh when there are no sources.
const DEFAULT_REFRESH: Duration = Duration::from_secs(30);

/// Renders the whole page for `sources` at `now`. `telemetry_path` is the metrics
/// link; `version` is shown as is (escaped).
pub fn render(
    sources: &[Arc<SourceEntry>],
    telemetry_path: &str,
    version: &str,
    now: SystemTime,
) -> String {
    let views: Vec<SourceView> = sources.iter().map(|s| SourceView::of(s, now)).collect();
    render_views(&views, telemetry_path, version, refresh(sources))
}

/// Seconds between self-refreshes: the shortest poll interval, within bounds.
fn refresh(sources: &[Arc<SourceEntry>]) -> u64 {
    sources
        .iter()
        .map(|s| s.interval)
        .min()
        .unwrap_or(DEFAULT_REFRESH)
        .clamp(MIN_REFRESH, MAX_REFRESH)
        .as_secs()
}

/// One source as the page shows it, copied out of the hub so that no lock is held
/// while formatting.
#[derive(Debug)]
struct SourceView {
    name: String,
    vendor: &'static str,
    /// `pending`, `up` or `down` (also the CSS class).
    status: &'static str,
    last_success: Option<SystemTime>,
    last_error: Option<String>,
    figures: Figures,
}

/// What the page can say about a source's contact-center data.
#[derive(Debug)]
enum Figures {
    /// No successful poll yet.
    NoData,
    /// The last success is older than the source's staleness limit.
    Stale { max_staleness: Duration },
    /// Current figures.
    Fresh(Box<Fresh>),
}

#[derive(Debug)]
struct Fresh {
    agents: [u64; 8],
    /// Every agent, by normalized state and then longest in it first.
    agent_rows: Vec<AgentRow>,
    /// `(vendor state, normalized state, agents)`, by vendor state.
    vendor_states: Vec<(String, AgentState, u64)>,
    queues: Vec<(QueueKey, QueueRow)>,
    /// The day "today" refers to, and the zone it is a day in.
    day: NaiveDate,
    zone: &'static str,
}

/// One agent as the agents table shows it.
#[derive(Debug)]
struct AgentRow {
    /// The vendor's name for the agent, or its id (always the id with
    /// `agent_names: false`).
    who: String,
    vendor_state: String,
    state: AgentState,
    age_seconds: Option<f64>,
}

/// Past this many agents the table is folded into a `<details>` element, so that the
/// queues below stay in reach on a large contact center.
const FOLD_AGENTS: usize = 200;

#[derive(Debug, Default)]
struct QueueRow {
    waiting: Option<u64>,
    oldest_wait_seconds: Option<f64>,
    sla_threshold_seconds: Option<f64>,
    /// Today's counts; None where the vendor does not report that counter for the
    /// queue at all (as opposed to 0 today).
    entered: Option<f64>,
    answered: Option<f64>,
    abandoned: Option<f64>,
    answered_in_sla: Option<f64>,
}

impl SourceView {
    fn of(entry: &SourceEntry, now: SystemTime) -> SourceView {
        let st = entry.status();
        let status = if st.polls == 0 {
            "pending"
        } else if st.up {
            "up"
        } else {
            "down"
        };
        let figures = if st.last_success.is_none() {
            Figures::NoData
        } else if !entry.is_fresh(now) {
            Figures::Stale {
                max_staleness: entry.max_staleness,
            }
        } else {
            let tz = entry.config.vendor_config.day_zone();
            let data = entry.data.lock().unwrap_or_else(|e| e.into_inner());
            if data.has_data {
                Figures::Fresh(Box::new(Fresh::of(&data, entry, tz, now)))
            } else {
                Figures::NoData
            }
        };
        SourceView {
            name: entry.name.clone(),
            vendor: entry.vendor.as_str(),
            status,
            last_success: st.last_success,
            last_error: st.last_error,
            figures,
        }
    }
}

impl Fresh {
    fn of(data: &SourceData, entry: &SourceEntry, tz: chrono_tz::Tz, now: SystemTime) -> Fresh {
        let mapper = &entry.mapper;
        let mut per_vendor: BTreeMap<&str, u64> = BTreeMap::new();
        for a in &data.agents {
            *per_vendor.entry(a.vendor_state.as_str()).or_default() += 1;
        }
        let vendor_states = per_vendor
            .into_iter()
            .map(|(vs, n)| (vs.to_string(), mapper.map(vs), n))
            .collect();

        let (day, from, to) = day_span(now, tz);
        let today = data.queue_counts_between(from, to);
        let mut rows: BTreeMap<&QueueKey, QueueRow> = BTreeMap::new();
        for g in &data.queues {
            let row = rows.entry(&g.key).or_default();
            row.waiting = g.waiting;
            row.oldest_wait_seconds = g.oldest_wait_seconds;
            row.sla_threshold_seconds = g.sla_threshold_seconds;
        }
        // A counter the vendor reports for the queue shows today's value, 0 when the
        // day has no period of it yet.
        for qc in data.queue_counters.keys() {
            let row = rows.entry(&qc.key).or_default();
            let value = Some(today.get(qc).copied().unwrap_or(0.0));
            match qc.counter {
                QueueCounter::Entered => row.entered = value,
                QueueCounter::Answered => row.answered = value,
                QueueCounter::Abandoned => row.abandoned = value,
                QueueCounter::AnsweredInSla => row.answered_in_sla = value,
                // Handle time is a staffing figure for dashboards, not the at-a-glance
                // view; the page leaves it to /metrics.
                QueueCounter::Handled
                | QueueCounter::TalkSeconds
                | QueueCounter::AfterCallWorkSeconds => {}
            }
        }
        let queues = rows.into_iter().map(|(k, row)| (k.clone(), row)).collect();
        Fresh {
            agents: data.agents_by_state(mapper),
            agent_rows: agent_rows(data, entry),
            vendor_states,
            queues,
            day,
            zone: tz.name(),
        }
    }
}

/// The agents table of a source: name (where the vendor gives one and `agent_names`
/// allows it) or id, sorted by normalized state, then longest in the state first (no
/// age last), then by name.
fn agent_rows(data: &SourceData, entry: &SourceEntry) -> Vec<AgentRow> {
    let names = entry.config.agents.names;
    let mut rows: Vec<AgentRow> = data
        .agents
        .iter()
        // Agents the vendor only counts (no id) are in the state counts, not listed.
        .filter(|a| !a.id.is_empty())
        .map(|a| AgentRow {
            who: a
                .name
                .as_deref()
                .filter(|n| names && !n.is_empty())
                .unwrap_or(&a.id)
                .to_string(),
            vendor_state: a.vendor_state.clone(),
            state: entry.mapper.map(&a.vendor_state),
            age_seconds: a.state_age_seconds.filter(|v| v.is_finite() && *v >= 0.0),
        })
        .collect();
    rows.sort_by(|a, b| {
        a.state
            .cmp(&b.state)
            .then_with(|| match (a.age_seconds, b.age_seconds) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.who.cmp(&b.who))
    });
    rows
}

/// The local day of `now` in `tz` and its span `[start, end)` in Unix seconds.
fn day_span(now: SystemTime, tz: chrono_tz::Tz) -> (NaiveDate, i64, i64) {
    let day = DateTime::<Utc>::from(now).with_timezone(&tz).date_naive();
    let start = midnight(day, tz);
    let end = day.succ_opt().map_or(i64::MAX, |next| midnight(next, tz));
    (day, start, end)
}

/// The first instant of local `day` in `tz`, in Unix seconds: the earlier midnight
/// when the clock goes back over it, and the first hour after the gap when a DST
/// change skips midnight.
fn midnight(day: NaiveDate, tz: chrono_tz::Tz) -> i64 {
    (0..=2)
        .find_map(|h| {
            tz.from_local_datetime(&day.and_time(NaiveTime::MIN + chrono::TimeDelta::hours(h)))
                .earliest()
        })
        .map_or_else(
            || day.and_time(NaiveTime::MIN).and_utc().timestamp(),
            |t| t.timestamp(),
        )
}

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:0 auto;padding:0.5em 1em 2em;max-width:70em;color:#222;line-height:1.35}\
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}h3{font-size:1em;margin:1em 0 0.3em}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.scroll{overflow-x:auto;max-width:100%}\
.up{color:#070}.down{color:#b00}.pending{color:#888}\
.note{color:#555;font-size:0.9em}\
ul.states{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:0.4em}\
ul.states li{border:1px solid #ccc;border-radius:4px;padding:2px 8px}ul.states b{font-size:1.15em}\
ul.links{padding-left:1.2em}\
@media (max-width:40em){body{padding:0.3em 0.6em}td,th{padding:2px 4px;font-size:0.92em}}";

fn render_views(views: &[SourceView], telemetry_path: &str, version: &str, refresh: u64) -> String {
    let mut out = String::with_capacity(8192);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"refresh\" content=\"{refresh}\">\n\
<title>contact-center-exporter</title>\n<style>{STYLE}</style></head>\n\
<body><h1>contact-center-exporter</h1>\n<p>Version {}</p>\n\
<ul class=\"links\"><li><a href=\"{}\">Metrics</a></li><li><a href=\"/-/healthy\">Health</a></li><li><a href=\"/-/ready\">Readiness</a></li></ul>\n\
<h2>Sources</h2>\n<div class=\"scroll\"><table class=\"sources\"><tr><th>Source</th><th>Vendor</th><th>Status</th><th>Last success</th><th>Last error</th></tr>\n",
        esc(version),
        esc(telemetry_path),
    );
    for v in views {
        let last = v.last_success.map_or_else(|| "never".into(), utc_text);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"{status}\">{status}</td><td>{}</td><td>{}</td></tr>",
            esc(&v.name),
            v.vendor,
            esc(&last),
            esc(v.last_error.as_deref().unwrap_or("")),
            status = v.status,
        );
    }
    let _ = writeln!(
        out,
        "</table></div>\n<p class=\"note\">This page reloads itself every {refresh} s.</p>"
    );
    for (i, v) in views.iter().enumerate() {
        source_section(&mut out, i, v);
    }
    out.push_str("</body></html>\n");
    out
}

fn source_section(out: &mut String, index: usize, v: &SourceView) {
    let _ = write!(
        out,
        "<section class=\"source\" id=\"source-{index}\" data-source=\"{name}\" data-vendor=\"{vendor}\">\n\
<h2>{name} <small>({vendor})</small></h2>\n",
        name = esc(&v.name),
        vendor = v.vendor,
    );
    let f = match &v.figures {
        Figures::NoData => {
            out.push_str("<p class=\"note\">No successful poll yet.</p>\n</section>\n");
            return;
        }
        Figures::Stale { max_staleness } => {
            let _ = writeln!(
                out,
                "<p class=\"note\">The last successful poll is older than this source's max_staleness ({}); its figures are left out here as on /metrics.</p>\n</section>",
                esc(&humantime::format_duration(*max_staleness).to_string()),
            );
            return;
        }
        Figures::Fresh(f) => f,
    };
    if let Some(t) = v.last_success {
        let _ = writeln!(
            out,
            "<p class=\"note\">As of the last successful poll, {}.</p>",
            esc(&utc_text(t))
        );
    }
    agent_summary(out, f);
    agents_table(out, &f.agent_rows);
    queues_table(out, f);
    out.push_str("</section>\n");
}

/// Agents per normalized state, and (folded) per vendor state name.
fn agent_summary(out: &mut String, f: &Fresh) {
    let total: u64 = f.agents.iter().sum();
    let _ = writeln!(
        out,
        "<h3>Agents now: <span class=\"agents-total\">{total}</span></h3>\n<ul class=\"states\">"
    );
    for st in AgentState::ALL {
        let _ = writeln!(
            out,
            "<li data-state=\"{s}\"><b>{n}</b> {s}</li>",
            s = st.as_str(),
            n = f.agents[st.index()],
        );
    }
    out.push_str("</ul>\n");
    if !f.vendor_states.is_empty() {
        out.push_str("<details><summary>By the vendor's state names</summary><div class=\"scroll\"><table class=\"vendor-states\"><tr><th>Vendor state</th><th>Counted as</th><th>Agents</th></tr>\n");
        for (vs, st, n) in &f.vendor_states {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{n}</td></tr>",
                esc(vs),
                st.as_str()
            );
        }
        out.push_str("</table></div></details>\n");
    }
}

/// The queues table: current figures, and today's where the vendor has them.
fn queues_table(out: &mut String, f: &Fresh) {
    if f.queues.is_empty() {
        out.push_str(
            "<h3>Queues</h3>\n<p class=\"note\">This source reports no queue figures.</p>\n",
        );
        return;
    }
    // A vendor with only real-time queue figures gets no columns of dashes for
    // daily counts it can never have; the note says why they are missing.
    let daily = f.queues.iter().any(|(_, q)| {
        q.entered.is_some()
            || q.answered.is_some()
            || q.abandoned.is_some()
            || q.sla_threshold_seconds.is_some()
    });
    out.push_str("<h3>Queues</h3>\n<div class=\"scroll\"><table class=\"queues\">\n");
    if daily {
        let _ = write!(
            out,
            "<tr><th rowspan=\"2\">Queue</th><th rowspan=\"2\">Channel</th><th colspan=\"2\">Now</th><th colspan=\"4\">Today ({day}, {zone})</th><th rowspan=\"2\">SLA threshold</th></tr>\n\
<tr><th>Waiting</th><th>Oldest wait</th><th>Entered</th><th>Answered</th><th>Abandoned</th><th>Service level</th></tr>\n",
            day = f.day,
            zone = esc(f.zone),
        );
    } else {
        out.push_str(
            "<tr><th>Queue</th><th>Channel</th><th>Waiting</th><th>Oldest wait</th></tr>\n",
        );
    }
    for (key, q) in &f.queues {
        let _ = write!(
            out,
            "<tr class=\"queue\" data-queue=\"{name}\" data-channel=\"{ch}\"><td>{name}</td><td>{ch}</td>\
<td class=\"n\">{}</td><td class=\"n\">{}</td>",
            opt(q.waiting.map(|w| w.to_string())),
            opt(q.oldest_wait_seconds.map(duration_text)),
            name = esc(&key.queue),
            ch = key.channel.as_str(),
        );
        if daily {
            let _ = write!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                opt(q.entered.map(count_text)),
                opt(q.answered.map(count_text)),
                opt(q.abandoned.map(count_text)),
                service_level(q.answered_in_sla, q.answered),
                opt(q.sla_threshold_seconds.map(duration_text)),
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    if daily {
        let _ = writeln!(
            out,
            "<p class=\"note\">Today = the vendor's own totals of the periods that began on {day} in {zone}. \
Service level = answered within the SLA threshold / answered. — = not reported by this vendor (or no answered interaction yet).</p>",
            day = f.day,
            zone = esc(f.zone),
        );
    } else {
        out.push_str("<p class=\"note\">This source reports only the queues' current state: no daily counts, service level or SLA threshold. — = not reported.</p>\n");
    }
}

/// The agents table (folded past [`FOLD_AGENTS`]); nothing without agents.
fn agents_table(out: &mut String, rows: &[AgentRow]) {
    if rows.is_empty() {
        return;
    }
    let fold = rows.len() > FOLD_AGENTS;
    if fold {
        let _ = writeln!(
            out,
            "<details class=\"agents\"><summary>Agents ({}), by state, longest first</summary>",
            rows.len()
        );
    } else {
        out.push_str("<h3>Agents, by state, longest first</h3>\n");
    }
    out.push_str("<div class=\"scroll\"><table class=\"agents\"><tr><th>Agent</th><th>Vendor state</th><th>State</th><th>Time in state</th></tr>\n");
    for r in rows {
        let _ = writeln!(
            out,
            "<tr class=\"agent\" data-state=\"{st}\"><td>{}</td><td>{}</td><td>{st}</td><td class=\"n\">{}</td></tr>",
            esc(&r.who),
            esc(&r.vendor_state),
            opt(r.age_seconds.map(duration_text)),
            st = r.state.as_str(),
        );
    }
    out.push_str("</table></div>\n");
    if fold {
        out.push_str("</details>\n");
    }
}

/// `—` for a figure the vendor does not report.
fn opt(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

/// `87.5 % (35 / 40)`, or `—` without answered interactions or without an SLA count.
fn service_level(in_sla: Option<f64>, answered: Option<f64>) -> String {
    match (in_sla, answered) {
        (Some(ok), Some(all)) if all > 0.0 => format!(
            "{:.1} % ({} / {})",
            100.0 * ok / all,
            count_text(ok),
            count_text(all)
        ),
        _ => "—".into(),
    }
}

/// Counts are whole numbers from every vendor; anything else keeps one decimal.
fn count_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// `45 s`, `3 min 05 s`, `2 h 04 min`.
fn duration_text(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "—".into();
    }
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

fn utc_text(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Escapes text for HTML (source names and vendor error messages are not trusted).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, Channel, PeriodKey, PeriodValue, QueueCount, QueueGauges, Snapshot};

    const EVIL: &str = "<img src=x onerror=alert(1)>";

    fn entry(name: &str) -> Arc<SourceEntry> {
        entry_every(name, Duration::from_secs(30))
    }

    fn entry_every(name: &str, interval: Duration) -> Arc<SourceEntry> {
        let yaml = format!(
            "sources:\n  - {{name: s, vendor: exotel, base_url: \"http://127.0.0.1:1\", \
             cc_id: 1, username: user, password: pw-Secret-4711, interval: {}, \
             timeout: {}, max_staleness: {}}}\n",
            humantime::format_duration(interval),
            humantime::format_duration(interval / 2),
            humantime::format_duration(interval.max(Duration::from_secs(300))),
        );
        let mut cfg = crate::config::parse(&yaml, "t.yml")
            .unwrap()
            .sources
            .remove(0);
        // Any text, even one the loader would refuse: the page must escape it anyway.
        cfg.name = name.into();
        Arc::new(SourceEntry::new(&cfg))
    }

    fn key(q: &str) -> QueueKey {
        QueueKey {
            queue: q.into(),
            channel: Channel::Voice,
        }
    }

    fn count(q: &str, counter: QueueCounter, start: i64, value: f64) -> PeriodValue<QueueCount> {
        PeriodValue {
            series: QueueCount {
                key: key(q),
                counter,
            },
            period: PeriodKey {
                start,
                scope: String::new(),
            },
            value,
        }
    }

    /// A source polled successfully at `now` with `snap`.
    fn polled(e: &Arc<SourceEntry>, snap: Snapshot, now: SystemTime) {
        let secs = DateTime::<Utc>::from(now).timestamp();
        e.data.lock().unwrap().ingest(snap, &e.mapper, secs);
        let mut st = e.status.lock().unwrap();
        st.up = true;
        st.polls = 1;
        st.last_success = Some(now);
    }

    fn at(rfc3339: &str) -> SystemTime {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().into()
    }

    #[test]
    fn vendor_and_config_text_is_escaped() {
        let now = at("2026-11-30T12:00:00Z");
        let e = entry("a<b>&\"c\"");
        polled(
            &e,
            Snapshot {
                agents: Some(vec![Agent {
                    id: "1".into(),
                    name: None,
                    vendor_state: "</td><script>alert(2)</script>".into(),
                    state_age_seconds: None,
                }]),
                queues: Some(vec![QueueGauges {
                    key: key(EVIL),
                    waiting: Some(2),
                    oldest_wait_seconds: Some(75.0),
                    sla_threshold_seconds: Some(20.0),
                }]),
                ..Default::default()
            },
            now,
        );
        e.status.lock().unwrap().last_error = Some("HTTP 500: <b>oops</b>".into());
        let html = render(&[e], "/metrics\"><x>", "1.0 <beta>", now);
        for raw in [EVIL, "<script>", "<b>oops</b>", "a<b>", "\"><x>", "<beta>"] {
            assert!(!html.contains(raw), "{raw} unescaped in:\n{html}");
        }
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
        assert!(html.contains("HTTP 500: &lt;b&gt;oops&lt;/b&gt;"));
        assert!(html.contains("data-source=\"a&lt;b&gt;&amp;&quot;c&quot;\""));
        assert!(!html.contains("pw-Secret-4711"));
    }

    #[test]
    fn agents_per_state_and_queue_figures_of_today() {
        let now = at("2026-11-30T12:30:00Z");
        let today = at("2026-11-30T00:00:00Z");
        let t = DateTime::<Utc>::from(today).timestamp();
        let e = entry("cc");
        let agent = |state: &str| Agent {
            id: state.into(),
            name: None,
            vendor_state: state.into(),
            state_age_seconds: None,
        };
        polled(
            &e,
            Snapshot {
                agents: Some(vec![agent("Ready"), agent("Ready"), agent("On Call")]),
                queues: Some(vec![QueueGauges {
                    key: key("sales"),
                    waiting: Some(4),
                    oldest_wait_seconds: Some(125.0),
                    sla_threshold_seconds: Some(20.0),
                }]),
                queue_counts: vec![
                    // Yesterday's last hour is not today's.
                    count("sales", QueueCounter::Entered, t - 3600, 50.0),
                    count("sales", QueueCounter::Entered, t, 30.0),
                    count("sales", QueueCounter::Entered, t + 3600, 12.0),
                    count("sales", QueueCounter::Answered, t, 36.0),
                    count("sales", QueueCounter::Abandoned, t, 3.0),
                    count("sales", QueueCounter::AnsweredInSla, t, 27.0),
                    // A queue with counters but no period today.
                    count("support", QueueCounter::Entered, t - 7200, 5.0),
                ],
                ..Default::default()
            },
            now,
        );
        let html = render(&[e], "/metrics", "v", now);
        assert!(
            html.contains("<span class=\"agents-total\">3</span>"),
            "{html}"
        );
        assert!(html.contains("<li data-state=\"available\"><b>2</b> available</li>"));
        assert!(html.contains("<li data-state=\"busy\"><b>1</b> busy</li>"));
        assert!(html.contains(
            "<tr class=\"queue\" data-queue=\"sales\" data-channel=\"voice\"><td>sales</td><td>voice</td>\
<td class=\"n\">4</td><td class=\"n\">2 min 05 s</td><td class=\"n\">42</td><td class=\"n\">36</td>\
<td class=\"n\">3</td><td class=\"n\">75.0 % (27 / 36)</td><td class=\"n\">20 s</td></tr>"
        ), "{html}");
        assert!(html.contains(
            "<td>support</td><td>voice</td><td class=\"n\">—</td><td class=\"n\">—</td><td class=\"n\">0</td><td class=\"n\">—</td>"
        ), "{html}");
        assert!(html.contains("Today (2026-11-30, UTC)"));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
        assert!(html.contains("name=\"viewport\""));
    }

    #[test]
    fn real_time_only_queues_get_no_daily_columns() {
        let now = at("2026-11-30T12:00:00Z");
        let e = entry("rt");
        polled(
            &e,
            Snapshot {
                queues: Some(vec![QueueGauges {
                    key: key("now-only"),
                    waiting: Some(3),
                    oldest_wait_seconds: Some(9.0),
                    sla_threshold_seconds: None,
                }]),
                ..Default::default()
            },
            now,
        );
        let html = render(&[e], "/metrics", "v", now);
        assert!(html.contains(
            "<td>now-only</td><td>voice</td><td class=\"n\">3</td><td class=\"n\">9 s</td></tr>"
        ), "{html}");
        assert!(!html.contains("Today ("));
        assert!(html.contains("reports only the queues' current state"));
    }

    #[test]
    fn stale_and_pending_sources_show_no_figures() {
        let now = at("2026-11-30T12:00:00Z");
        let stale = entry("old");
        polled(
            &stale,
            Snapshot {
                queues: Some(vec![QueueGauges {
                    key: key("q-old"),
                    waiting: Some(1),
                    oldest_wait_seconds: None,
                    sla_threshold_seconds: None,
                }]),
                ..Default::default()
            },
            now - Duration::from_secs(3600),
        );
        let pending = entry("new");
        let html = render(&[stale, pending], "/metrics", "v", now);
        assert!(!html.contains("q-old"), "{html}");
        assert!(html.contains("older than this source's max_staleness (5m)"));
        assert!(html.contains("No successful poll yet."));
        assert!(html.contains("<td class=\"pending\">pending</td>"));
    }

    #[test]
    fn days_follow_the_zone_and_survive_dst() {
        let tz: chrono_tz::Tz = "Europe/Budapest".parse().unwrap();
        let (day, from, to) = day_span(at("2026-03-29T05:00:00Z"), tz);
        assert_eq!(day.to_string(), "2026-03-29");
        assert_eq!(
            from,
            at("2026-03-28T23:00:00Z")
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64
        );
        // The spring-forward day is 23 hours long.
        assert_eq!(to - from, 23 * 3600);
        // A zone whose DST change skips midnight starts the day at 01:00.
        let santiago: chrono_tz::Tz = "America/Santiago".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = midnight(d, santiago);
        let local = DateTime::from_timestamp(start, 0)
            .unwrap()
            .with_timezone(&santiago);
        assert_eq!(local.date_naive(), d);
    }

    #[test]
    fn figures_are_written_for_people() {
        assert_eq!(duration_text(0.0), "0 s");
        assert_eq!(duration_text(59.4), "59 s");
        assert_eq!(duration_text(61.0), "1 min 01 s");
        assert_eq!(duration_text(7320.0), "2 h 02 min");
        assert_eq!(duration_text(f64::NAN), "—");
        assert_eq!(count_text(12.0), "12");
        assert_eq!(count_text(2.5), "2.5");
        assert_eq!(service_level(Some(1.0), Some(3.0)), "33.3 % (1 / 3)");
        assert_eq!(service_level(Some(0.0), Some(0.0)), "—");
        assert_eq!(service_level(None, Some(3.0)), "—");
    }

    #[test]
    fn refresh_follows_the_shortest_interval_within_bounds() {
        assert_eq!(refresh(&[]), 30);
        assert_eq!(refresh(&[entry("a")]), 30);
        let every = |secs| entry_every("x", Duration::from_secs(secs));
        assert_eq!(refresh(&[every(60), every(15)]), 15);
        assert_eq!(refresh(&[every(1)]), 5);
        assert_eq!(refresh(&[every(3600)]), 300);
    }

    /// A source with `extra` common keys and these agents, polled at `now`.
    fn with_agents(extra: &str, agents: Vec<Agent>, now: SystemTime) -> Arc<SourceEntry> {
        let yaml = format!(
            "sources:\n  - {{name: ag, vendor: exotel, base_url: \"http://127.0.0.1:1\", \
             cc_id: 1, username: user, password: pw, {extra}}}\n"
        );
        let cfg = crate::config::parse(&yaml, "t.yml")
            .unwrap_or_else(|e| panic!("{e}"))
            .sources
            .remove(0);
        let e = Arc::new(SourceEntry::new(&cfg));
        polled(
            &e,
            Snapshot {
                agents: Some(agents),
                ..Default::default()
            },
            now,
        );
        e
    }

    fn person(id: &str, name: Option<&str>, state: &str, age: Option<f64>) -> Agent {
        Agent {
            id: id.into(),
            name: name.map(str::to_string),
            vendor_state: state.into(),
            state_age_seconds: age,
        }
    }

    #[test]
    fn agents_table_by_state_then_longest_first_escaped() {
        let now = at("2026-11-30T12:00:00Z");
        let e = with_agents(
            "",
            vec![
                person("1", Some("Short Break"), "Break", Some(60.0)),
                person("2", Some(EVIL), "Break", Some(1500.0)),
                person("3", None, "On Call", Some(30.0)),
                person("4", Some("Ready Ann"), "Ready", None),
                person("5", Some("Ready Bob"), "Ready", Some(5.0)),
            ],
            now,
        );
        let html = render(&[e], "/metrics", "v", now);
        let rows: Vec<&str> = html
            .lines()
            .filter(|l| l.starts_with("<tr class=\"agent\""))
            .collect();
        assert_eq!(
            rows,
            [
                "<tr class=\"agent\" data-state=\"available\"><td>Ready Bob</td><td>Ready</td><td>available</td><td class=\"n\">5 s</td></tr>",
                "<tr class=\"agent\" data-state=\"available\"><td>Ready Ann</td><td>Ready</td><td>available</td><td class=\"n\">—</td></tr>",
                "<tr class=\"agent\" data-state=\"busy\"><td>3</td><td>On Call</td><td>busy</td><td class=\"n\">30 s</td></tr>",
                "<tr class=\"agent\" data-state=\"break\"><td>&lt;img src=x onerror=alert(1)&gt;</td><td>Break</td><td>break</td><td class=\"n\">25 min 00 s</td></tr>",
                "<tr class=\"agent\" data-state=\"break\"><td>Short Break</td><td>Break</td><td>break</td><td class=\"n\">1 min 00 s</td></tr>",
            ],
            "{html}"
        );
        assert!(html.contains("<h3>Agents, by state, longest first</h3>"));
        assert!(!html.contains("<details class=\"agents\">"));
        assert!(!html.contains(EVIL));
    }

    #[test]
    fn agent_names_off_shows_ids_only() {
        let now = at("2026-11-30T12:00:00Z");
        let e = with_agents(
            "agent_names: false",
            vec![person("a-17", Some("Ana Kovács"), "Ready", Some(5.0))],
            now,
        );
        let html = render(&[e], "/metrics", "v", now);
        assert!(!html.contains("Ana"), "{html}");
        assert!(html.contains("<td>a-17</td><td>Ready</td>"), "{html}");
    }

    #[test]
    fn more_than_200_agents_fold_into_details() {
        let now = at("2026-11-30T12:00:00Z");
        let many = |n: usize| {
            (0..n)
                .map(|i| person(&format!("{i:03}"), None, "Ready", Some(i as f64)))
                .collect::<Vec<_>>()
        };
        let html = render(&[with_agents("", many(200), now)], "/metrics", "v", now);
        assert!(!html.contains("<details class=\"agents\">"));
        assert_eq!(html.matches("<tr class=\"agent\"").count(), 200);
        let html = render(&[with_agents("", many(201), now)], "/metrics", "v", now);
        assert!(html.contains(
            "<details class=\"agents\"><summary>Agents (201), by state, longest first</summary>"
        ));
        assert_eq!(html.matches("<tr class=\"agent\"").count(), 201);
        // Longest first: agent 200 (200 s) heads the table.
        let first = html.find("<td>200</td>").unwrap();
        assert!(first < html.find("<td>000</td>").unwrap());
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            esc("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
    }
}
