//! Every metric name and HELP text of the exporter (docs/metrics.md), and the rendering of
//! source data into the Prometheus text exposition format with the `prometheus`
//! crate's encoder.
//!
//! Vendor data becomes labeled series only here; sources never name a metric.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use chrono::{DateTime, Utc};

use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType,
};
use prometheus::{Encoder, Opts, TextEncoder};

use crate::model::{QueueCounter, QueueKey, WaitHistogram};
use crate::state::{AgentState, StateMapper};
use crate::store::{SourceData, SourceEntry};

/// `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

const AS_OF: &str = "as of the source's last successful poll";

fn label(name: &str, value: &str) -> LabelPair {
    let mut l = LabelPair::default();
    l.set_name(name.to_string());
    l.set_value(value.to_string());
    l
}

/// The labels of every series of one source: `source`, `vendor`, the series' own
/// labels, then the source's static `labels:`. Every per-source family takes its
/// labels from here, so none can leave the static labels out.
struct SourceLabels {
    head: [LabelPair; 2],
    statics: Vec<LabelPair>,
}

impl SourceLabels {
    fn of(entry: &SourceEntry) -> Self {
        SourceLabels {
            head: [
                label("source", &entry.name),
                label("vendor", entry.vendor.as_str()),
            ],
            statics: entry
                .config
                .labels
                .iter()
                .map(|(n, v)| label(n, v))
                .collect(),
        }
    }

    /// The labels of one series with its own labels `own`.
    fn with(&self, own: &[(&str, &str)]) -> Vec<LabelPair> {
        let mut out = Vec::with_capacity(2 + own.len() + self.statics.len());
        out.extend(self.head.iter().cloned());
        out.extend(own.iter().map(|(n, v)| label(n, v)));
        out.extend(self.statics.iter().cloned());
        out
    }
}

/// Collects the series of one family in insertion order.
struct Family {
    name: &'static str,
    help: String,
    kind: MetricType,
    metrics: Vec<Metric>,
}

impl Family {
    fn new(name: &'static str, kind: MetricType, help: impl Into<String>) -> Self {
        Family {
            name,
            help: help.into(),
            kind,
            metrics: Vec::new(),
        }
    }

    fn gauge(&mut self, l: Vec<LabelPair>, v: f64) {
        let mut g = Gauge::default();
        g.set_value(v);
        let mut m = Metric::from_label(l);
        m.set_gauge(g);
        self.metrics.push(m);
    }

    fn counter(&mut self, l: Vec<LabelPair>, v: f64) {
        let mut c = Counter::default();
        c.set_value(v);
        let mut m = Metric::from_label(l);
        m.set_counter(c);
        self.metrics.push(m);
    }

    /// `buckets` are (upper bound, cumulative count) without +Inf.
    fn histogram(&mut self, l: Vec<LabelPair>, buckets: &[(f64, u64)], count: u64, sum: f64) {
        let mut h = Histogram::default();
        h.set_sample_count(count);
        h.set_sample_sum(sum);
        h.set_bucket(
            buckets
                .iter()
                .filter(|(b, _)| b.is_finite())
                .map(|(b, c)| {
                    let mut bk = Bucket::default();
                    bk.set_upper_bound(*b);
                    bk.set_cumulative_count(*c);
                    bk
                })
                .collect(),
        );
        let mut m = Metric::from_label(l);
        m.set_histogram(h);
        self.metrics.push(m);
    }

    fn finish(self, out: &mut Vec<MetricFamily>) {
        if self.metrics.is_empty() {
            return;
        }
        let mut mf = MetricFamily::default();
        mf.set_name(self.name.to_string());
        mf.set_help(self.help);
        mf.set_field_type(self.kind);
        mf.set_metric(self.metrics);
        out.push(mf);
    }
}

/// Encodes families as exposition text.
pub fn encode(families: &[MetricFamily]) -> String {
    let mut buf = Vec::new();
    if let Err(e) = TextEncoder::new().encode(families, &mut buf) {
        tracing::error!(error = %e, "cannot encode metrics");
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// Renders the vendor data of `sources` (already filtered to fresh ones).
pub fn render_vendor(sources: &[&Arc<SourceEntry>]) -> String {
    encode(&vendor_families(sources))
}

/// The metric families of the vendor data of `sources` (already filtered to fresh
/// ones), for either exposition format.
pub fn vendor_families(sources: &[&Arc<SourceEntry>]) -> Vec<MetricFamily> {
    let mut agents = AgentFamilies::new();
    let mut queues = QueueFamilies::new();
    for entry in sources {
        let data = entry.data.lock().unwrap_or_else(|e| e.into_inner());
        if !data.has_data {
            continue;
        }
        let sl = SourceLabels::of(entry);
        agents.add(entry, &data, &sl);
        queues.add(&data, &sl);
    }
    let mut out = Vec::new();
    agents.finish(&mut out);
    queues.finish(&mut out);
    out
}

/// The agent families of the vendor section, filled source by source.
struct AgentFamilies {
    agents: Family,
    by_vendor: Family,
    queue_agents: Family,
    age: Family,
    agent_state: Family,
    time_in_state: Family,
    state_secs: Family,
    durations: Family,
}

impl AgentFamilies {
    fn new() -> Self {
        use MetricType::{COUNTER, GAUGE, HISTOGRAM};
        AgentFamilies {
            agents: Family::new(
                "contact_center_agents",
                GAUGE,
                format!("Agents whose current state is `state`, {AS_OF}."),
            ),
            by_vendor: Family::new(
                "contact_center_agents_by_vendor_state",
                GAUGE,
                format!(
                    "Agents by the vendor's own state name and the normalized state it maps to, {AS_OF}."
                ),
            ),
            queue_agents: Family::new(
                "contact_center_queue_agents",
                GAUGE,
                format!("Agents per queue and normalized state, where the vendor reports queue membership, {AS_OF}."),
            ),
            age: Family::new(
                "contact_center_agent_state_age_seconds",
                GAUGE,
                format!("Longest time any agent has been in its current `state` (only agents whose vendor reports the age), {AS_OF}."),
            ),
            agent_state: Family::new(
                "contact_center_agent_state",
                GAUGE,
                format!("1 for the agent's current normalized `state`, 0 for the other seven (a state set; only with agent_series: true), {AS_OF}."),
            ),
            time_in_state: Family::new(
                "contact_center_agent_time_in_state_seconds",
                GAUGE,
                format!("How long the agent has been in its current state, where the vendor reports it (only with agent_series: true), {AS_OF}."),
            ),
            state_secs: Family::new(
                "contact_center_agent_state_seconds_total",
                COUNTER,
                format!("Total seconds agents spent in `state`, from vendor state logs or the vendor's per-period totals, {AS_OF}."),
            ),
            durations: Family::new(
                "contact_center_agent_state_duration_seconds",
                HISTOGRAM,
                format!("Lengths of completed agent state intervals reported by the vendor, {AS_OF}."),
            ),
        }
    }

    /// One source's agents: counts per state and per vendor state, the oldest age per
    /// state, per-agent series where enabled, per-queue counts, state seconds and the
    /// interval histogram.
    fn add(&mut self, entry: &SourceEntry, data: &SourceData, sl: &SourceLabels) {
        let m = &entry.mapper;
        let counts = data.agents_by_state(m);
        for st in AgentState::ALL {
            self.agents.gauge(
                sl.with(&[("state", st.as_str())]),
                counts[st.index()] as f64,
            );
        }
        let mut per_vendor: BTreeMap<&str, u64> = BTreeMap::new();
        let mut ages: BTreeMap<AgentState, f64> = BTreeMap::new();
        for a in &data.agents {
            *per_vendor.entry(a.vendor_state.as_str()).or_default() += 1;
            if let Some(age_s) = a.state_age_seconds.filter(|v| v.is_finite() && *v >= 0.0) {
                let e = ages.entry(m.map(&a.vendor_state)).or_insert(0.0);
                *e = e.max(age_s);
            }
        }
        for (vs, n) in per_vendor {
            self.by_vendor.gauge(
                sl.with(&[("vendor_state", vs), ("state", m.map(vs).as_str())]),
                n as f64,
            );
        }
        for (st, a) in ages {
            self.age.gauge(sl.with(&[("state", st.as_str())]), a);
        }
        let opts = &entry.config.agents;
        if opts.series && !data.agent_series_truncated(opts) {
            per_agent_series(
                &data.agents,
                opts.names,
                m,
                sl,
                &mut self.agent_state,
                &mut self.time_in_state,
            );
        }
        self.add_queue_agents(data, m, sl);
        if data.has_state_seconds {
            for st in AgentState::ALL {
                self.state_secs.counter(
                    sl.with(&[("state", st.as_str())]),
                    data.state_seconds[st.index()],
                );
            }
        }
        if data.has_durations {
            for st in AgentState::ALL {
                let h = &data.durations[st.index()];
                let (buckets, count) = h.cumulative();
                self.durations.histogram(
                    sl.with(&[("state", st.as_str())]),
                    &buckets,
                    count,
                    h.sum,
                );
            }
        }
    }

    /// Agents per queue and normalized state, where the vendor reports membership.
    fn add_queue_agents(&mut self, data: &SourceData, m: &StateMapper, sl: &SourceLabels) {
        let mut per_queue: BTreeMap<&str, [u64; 8]> = BTreeMap::new();
        for qa in &data.queue_agents {
            // A vendor's counts are added up per queue and state: saturate, whatever it sent.
            let n = &mut per_queue.entry(qa.queue.as_str()).or_default()
                [m.map(&qa.vendor_state).index()];
            *n = n.saturating_add(qa.count);
        }
        for (q, counts) in per_queue {
            for st in AgentState::ALL {
                self.queue_agents.gauge(
                    sl.with(&[("queue", q), ("state", st.as_str())]),
                    counts[st.index()] as f64,
                );
            }
        }
    }

    /// The non-empty families, in the order docs/metrics.md lists them.
    fn finish(self, out: &mut Vec<MetricFamily>) {
        for f in [
            self.agents,
            self.by_vendor,
            self.queue_agents,
            self.age,
            self.agent_state,
            self.time_in_state,
            self.state_secs,
            self.durations,
        ] {
            f.finish(out);
        }
    }
}

/// The queue families of the vendor section, filled source by source.
struct QueueFamilies {
    entered: Family,
    answered: Family,
    abandoned: Family,
    in_sla: Family,
    handled: Family,
    talk: Family,
    after_call_work: Family,
    answer_wait: Family,
    abandon_wait: Family,
    offline_wait: Family,
    waiting: Family,
    oldest: Family,
    sla: Family,
}

impl QueueFamilies {
    fn new() -> Self {
        use MetricType::{COUNTER, GAUGE, HISTOGRAM};
        let counter = |name, what: &str| {
            Family::new(
                name,
                COUNTER,
                format!("Interactions {what}, counted once per vendor period, {AS_OF}."),
            )
        };
        let seconds = |name, what: &str| {
            Family::new(
                name,
                COUNTER,
                format!("Seconds agents spent {what}, counted once per vendor period, {AS_OF}."),
            )
        };
        let histogram = |name, what: &str| {
            Family::new(
                name,
                HISTOGRAM,
                format!("{what}, with the vendor's own buckets; _sum is the vendor's total wait where it reports one and 0 where it does not (see README), {AS_OF}."),
            )
        };
        QueueFamilies {
            entered: counter("contact_center_queue_entered_total", "that entered the queue"),
            answered: counter("contact_center_queue_answered_total", "accepted by an agent"),
            abandoned: counter(
                "contact_center_queue_abandoned_total",
                "abandoned while waiting",
            ),
            in_sla: counter(
                "contact_center_queue_answered_in_sla_total",
                "accepted within the queue's SLA threshold",
            ),
            handled: counter(
                "contact_center_queue_handled_total",
                "whose handling by an agent finished",
            ),
            talk: seconds(
                "contact_center_queue_talk_seconds_total",
                "handling the handled interactions (talk, processing), after-call work excluded",
            ),
            after_call_work: seconds(
                "contact_center_queue_after_call_work_seconds_total",
                "in after-call work (wrap-up, post-processing) for the handled interactions",
            ),
            answer_wait: histogram(
                "contact_center_queue_answer_wait_seconds",
                "Wait before acceptance, online channels",
            ),
            abandon_wait: histogram(
                "contact_center_queue_abandon_wait_seconds",
                "Wait before abandonment, online channels",
            ),
            offline_wait: histogram(
                "contact_center_queue_offline_answer_wait_seconds",
                "Response time of offline (email, voicemail) queues",
            ),
            waiting: Family::new(
                "contact_center_queue_waiting",
                GAUGE,
                format!("Interactions waiting in the queue, {AS_OF}."),
            ),
            oldest: Family::new(
                "contact_center_queue_oldest_wait_seconds",
                GAUGE,
                format!(
                    "Age of the longest-waiting interaction in the queue (0 when none waits), {AS_OF}."
                ),
            ),
            sla: Family::new(
                "contact_center_queue_sla_threshold_seconds",
                GAUGE,
                format!("The SLA threshold the vendor applies to the queue, {AS_OF}."),
            ),
        }
    }

    /// One source's queue counters, wait histograms and gauges.
    fn add(&mut self, data: &SourceData, sl: &SourceLabels) {
        let queue = |key: &QueueKey| {
            sl.with(&[
                ("queue", key.queue.as_str()),
                ("channel", key.channel.as_str()),
            ])
        };
        for (qc, v) in &data.queue_counters {
            let fam = match qc.counter {
                QueueCounter::Entered => &mut self.entered,
                QueueCounter::Answered => &mut self.answered,
                QueueCounter::Abandoned => &mut self.abandoned,
                QueueCounter::AnsweredInSla => &mut self.in_sla,
                QueueCounter::Handled => &mut self.handled,
                QueueCounter::TalkSeconds => &mut self.talk,
                QueueCounter::AfterCallWorkSeconds => &mut self.after_call_work,
            };
            fam.counter(queue(&qc.key), *v);
        }
        for ((kind, key), h) in &data.wait_histograms {
            let buckets: Vec<(f64, u64)> = h
                .bounds
                .iter()
                .copied()
                .zip(h.cumulative.iter().copied())
                .collect();
            let fam = match kind {
                WaitHistogram::AnswerWait => &mut self.answer_wait,
                WaitHistogram::AbandonWait => &mut self.abandon_wait,
                WaitHistogram::OfflineAnswerWait => &mut self.offline_wait,
            };
            fam.histogram(queue(key), &buckets, h.count, h.sum.unwrap_or(0.0));
        }
        for g in &data.queues {
            if let Some(w) = g.waiting {
                self.waiting.gauge(queue(&g.key), w as f64);
            }
            if let Some(o) = g.oldest_wait_seconds {
                self.oldest.gauge(queue(&g.key), o);
            }
            if let Some(s) = g.sla_threshold_seconds {
                self.sla.gauge(queue(&g.key), s);
            }
        }
    }

    /// The non-empty families, in the order docs/metrics.md lists them.
    fn finish(self, out: &mut Vec<MetricFamily>) {
        for f in [
            self.entered,
            self.answered,
            self.abandoned,
            self.in_sla,
            self.handled,
            self.talk,
            self.after_call_work,
            self.answer_wait,
            self.abandon_wait,
            self.offline_wait,
            self.waiting,
            self.oldest,
            self.sla,
        ] {
            f.finish(out);
        }
    }
}

/// The per-agent series of one source's `agents`: the state set and, where the vendor
/// reports an age, the time in state. Sorted by agent id, so the text is stable from
/// render to render; an id the vendor listed twice is exported once (its first record),
/// because two series with the same labels would make the whole scrape invalid.
fn per_agent_series(
    agents: &[crate::model::Agent],
    names: bool,
    mapper: &crate::state::StateMapper,
    sl: &SourceLabels,
    state_set: &mut Family,
    time_in_state: &mut Family,
) {
    let mut by_id: BTreeMap<&str, &crate::model::Agent> = BTreeMap::new();
    // Agents the vendor only counts have no id and no series of their own.
    for a in agents.iter().filter(|a| !a.id.is_empty()) {
        by_id.entry(a.id.as_str()).or_insert(a);
    }
    for (id, a) in by_id {
        // An empty name is no name: the label is left out, as Prometheus would.
        let name = a.name.as_deref().filter(|n| names && !n.is_empty());
        let mut own: Vec<(&str, &str)> = Vec::with_capacity(3);
        own.push(("agent_id", id));
        if let Some(n) = name {
            own.push(("agent_name", n));
        }
        let current = mapper.map(&a.vendor_state);
        for st in AgentState::ALL {
            own.push(("state", st.as_str()));
            state_set.gauge(sl.with(&own), if st == current { 1.0 } else { 0.0 });
            own.pop();
        }
        if let Some(age_s) = a.state_age_seconds.filter(|v| v.is_finite() && *v >= 0.0) {
            time_in_state.gauge(sl.with(&own), age_s);
        }
    }
}

/// Per-source status metrics, computed from the hub at scrape time.
pub fn source_families(sources: &[Arc<SourceEntry>]) -> Vec<MetricFamily> {
    use MetricType::{COUNTER, GAUGE};
    let mut up = Family::new(
        "contact_center_source_up",
        GAUGE,
        "1 when the source's last poll succeeded, 0 when it failed or has not finished yet.",
    );
    let mut last = Family::new(
        "contact_center_source_last_success_timestamp_seconds",
        GAUGE,
        "Unix time of the source's last successful poll (0 before the first).",
    );
    let mut interval = Family::new(
        "contact_center_source_interval_seconds",
        GAUGE,
        "The source's configured poll interval.",
    );
    let mut failures = Family::new(
        "contact_center_source_consecutive_failures",
        GAUGE,
        "Failed polls of the source since its last success.",
    );
    let mut requests = Family::new(
        "contact_center_source_requests_total",
        COUNTER,
        "Vendor API requests by outcome: the HTTP status code, or timeout, connect, too_large, decode, vendor_error.",
    );
    let mut records = Family::new(
        "contact_center_source_records_total",
        COUNTER,
        "Vendor records parsed.",
    );
    let mut truncated = Family::new(
        "contact_center_source_agent_series_truncated",
        GAUGE,
        "1 while the source has more agents than its max_agent_series and exports none of its per-agent series, else 0 (only sources with agent_series: true).",
    );
    let mut durations = Family::new(
        "contact_center_source_poll_duration_seconds",
        MetricType::HISTOGRAM,
        "Wall time of whole polls (all requests of one poll), successful or not.",
    );
    for s in sources {
        let st = s.status();
        let sl = SourceLabels::of(s);
        up.gauge(sl.with(&[]), if st.up { 1.0 } else { 0.0 });
        let ts = st
            .last_success
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        last.gauge(sl.with(&[]), ts);
        interval.gauge(sl.with(&[]), s.interval.as_secs_f64());
        failures.gauge(sl.with(&[]), st.consecutive_failures as f64);
        for ((endpoint, outcome), n) in s.counters.requests_snapshot() {
            requests.counter(
                sl.with(&[("endpoint", endpoint), ("outcome", outcome.as_str())]),
                n as f64,
            );
        }
        for (endpoint, n) in s.counters.records_snapshot() {
            records.counter(sl.with(&[("endpoint", endpoint)]), n as f64);
        }
        if s.config.agents.series {
            let over = s
                .data
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .agent_series_truncated(&s.config.agents);
            truncated.gauge(sl.with(&[]), if over { 1.0 } else { 0.0 });
        }
        let polls = s
            .poll_duration
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let (buckets, count) = polls.cumulative();
        durations.histogram(sl.with(&[]), &buckets, count, polls.sum);
    }
    let mut out = Vec::new();
    for f in [
        up, last, interval, failures, requests, records, truncated, durations,
    ] {
        f.finish(&mut out);
    }
    out
}

/// `contact_center_source_open` of every source at `now`: part of the per-scrape
/// section, because opening hours turn on the clock, not on polls.
pub fn open_families(sources: &[Arc<SourceEntry>], now: DateTime<Utc>) -> Vec<MetricFamily> {
    let mut open = Family::new(
        "contact_center_source_open",
        MetricType::GAUGE,
        "1 while the source's contact center is open by its opening_hours (always 1 without them), 0 while closed; evaluated at scrape time.",
    );
    for s in sources {
        let is_open = s
            .config
            .opening_hours
            .as_ref()
            .is_none_or(|h| h.is_open(now));
        open.gauge(
            SourceLabels::of(s).with(&[]),
            if is_open { 1.0 } else { 0.0 },
        );
    }
    let mut out = Vec::new();
    open.finish(&mut out);
    out
}

/// The registry of fixed exporter metrics: build info, reload status, process.
pub fn exporter_registry() -> (
    prometheus::Registry,
    prometheus::Gauge,
    prometheus::Gauge,
    prometheus::IntCounter,
) {
    let registry = prometheus::Registry::new();
    let build = prometheus::GaugeVec::new(
        Opts::new(
            "contact_center_exporter_build_info",
            "Build information; always 1.",
        ),
        &["version", "revision", "rustc_version"],
    );
    let reload_ok = prometheus::Gauge::new(
        "contact_center_exporter_config_last_reload_successful",
        "1 when the last configuration (re)load succeeded.",
    );
    let reload_ts = prometheus::Gauge::new(
        "contact_center_exporter_config_last_reload_success_timestamp_seconds",
        "Unix time of the last successful configuration load.",
    );
    let state_write_failures = prometheus::IntCounter::new(
        "contact_center_exporter_state_write_failures_total",
        "Writes of a source's state file (--storage.path) that failed; the poll itself succeeded.",
    );
    // Names and labels above are constants: these cannot fail at run time.
    let state_write_failures = state_write_failures.expect("static metric options are valid");
    let build = build.expect("static metric options are valid");
    let reload_ok = reload_ok.expect("static metric options are valid");
    let reload_ts = reload_ts.expect("static metric options are valid");
    build
        .with_label_values(&[
            env!("CARGO_PKG_VERSION"),
            env!("CCE_GIT_REVISION"),
            env!("CCE_RUSTC_VERSION"),
        ])
        .set(1.0);
    for c in [
        Box::new(build) as Box<dyn prometheus::core::Collector>,
        Box::new(reload_ok.clone()),
        Box::new(reload_ts.clone()),
        Box::new(state_write_failures.clone()),
        Box::new(prometheus::process_collector::ProcessCollector::for_self()),
    ] {
        if let Err(e) = registry.register(c) {
            tracing::error!(error = %e, "cannot register exporter metric");
        }
    }
    (registry, reload_ok, reload_ts, state_write_failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, Snapshot};

    /// An Exotel source with `extra` common keys, polled once with `agents`.
    fn entry(extra: &str, agents: Vec<Agent>) -> Arc<SourceEntry> {
        let yaml = format!(
            "sources:\n  - name: cc\n    vendor: exotel\n    base_url: http://127.0.0.1:1\n    cc_id: 6\n    username: u\n    password: p\n    labels: {{site: bud}}\n    state_map: {{Available: available, Busy: busy, Break: break}}\n{extra}"
        );
        let cfg = crate::config::parse(&yaml, "t.yml")
            .unwrap_or_else(|e| panic!("{e}"))
            .sources
            .remove(0);
        let e = Arc::new(SourceEntry::new(&cfg));
        {
            let mut d = e.data.lock().unwrap();
            d.ingest(
                Snapshot {
                    agents: Some(agents),
                    ..Default::default()
                },
                &e.mapper,
                0,
            );
            d.check_agent_cap(&e.name, &e.config.agents);
        }
        e
    }

    fn agent(id: &str, name: Option<&str>, state: &str, age: Option<f64>) -> Agent {
        Agent {
            id: id.into(),
            name: name.map(str::to_string),
            vendor_state: state.into(),
            state_age_seconds: age,
        }
    }

    fn samples(text: &str, family: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(&format!("{family}{{")))
            .map(str::to_string)
            .collect()
    }

    fn truncated(e: &Arc<SourceEntry>) -> Vec<String> {
        samples(
            &encode(&source_families(std::slice::from_ref(e))),
            "contact_center_source_agent_series_truncated",
        )
    }

    #[test]
    fn per_agent_series_are_a_state_set_and_an_age() {
        let e = entry(
            "    agent_series: true\n",
            vec![
                agent("7", Some("Ana \"Q\" Kovács"), "Available", Some(95.0)),
                agent("3", None, "Busy", None),
                // The same id twice: exported once, from its first record.
                agent("7", Some("dup"), "Busy", Some(1.0)),
            ],
        );
        let text = render_vendor(&[&e]);
        let state = samples(&text, "contact_center_agent_state");
        let l = |id: &str, name: &str, st: &str, v: u8| {
            format!("contact_center_agent_state{{source=\"cc\",vendor=\"exotel\",agent_id=\"{id}\",{name}state=\"{st}\",site=\"bud\"}} {v}")
        };
        let mut want = Vec::new();
        for st in AgentState::ALL {
            want.push(l("3", "", st.as_str(), u8::from(st == AgentState::Busy)));
        }
        for st in AgentState::ALL {
            want.push(l(
                "7",
                "agent_name=\"Ana \\\"Q\\\" Kovács\",",
                st.as_str(),
                u8::from(st == AgentState::Available),
            ));
        }
        assert_eq!(state, want, "{text}");
        assert_eq!(
            samples(&text, "contact_center_agent_time_in_state_seconds"),
            ["contact_center_agent_time_in_state_seconds{source=\"cc\",vendor=\"exotel\",agent_id=\"7\",agent_name=\"Ana \\\"Q\\\" Kovács\",site=\"bud\"} 95"]
        );
        assert!(text.contains("# TYPE contact_center_agent_state gauge"));
        assert_eq!(
            truncated(&e),
            ["contact_center_source_agent_series_truncated{source=\"cc\",vendor=\"exotel\",site=\"bud\"} 0"]
        );
    }

    #[test]
    fn per_agent_series_are_off_by_default_and_names_can_be_hidden() {
        let agents = || vec![agent("7", Some("Ana"), "Available", Some(5.0))];
        let off = entry("", agents());
        let text = render_vendor(&[&off]);
        assert!(!text.contains("agent_id"), "{text}");
        assert!(truncated(&off).is_empty());
        let anonymous = entry("    agent_series: true\n    agent_names: false\n", agents());
        let text = render_vendor(&[&anonymous]);
        assert!(!text.contains("Ana"), "{text}");
        assert!(!text.contains("agent_name"), "{text}");
        assert_eq!(
            samples(&text, "contact_center_agent_time_in_state_seconds"),
            ["contact_center_agent_time_in_state_seconds{source=\"cc\",vendor=\"exotel\",agent_id=\"7\",site=\"bud\"} 5"]
        );
    }

    #[test]
    fn past_the_cap_a_source_exports_no_per_agent_series() {
        let agents = |n: usize| {
            (0..n)
                .map(|i| agent(&i.to_string(), None, "Available", Some(1.0)))
                .collect::<Vec<_>>()
        };
        let at_cap = entry(
            "    agent_series: true\n    max_agent_series: 3\n",
            agents(3),
        );
        let text = render_vendor(&[&at_cap]);
        assert_eq!(samples(&text, "contact_center_agent_state").len(), 24);
        let over = entry(
            "    agent_series: true\n    max_agent_series: 3\n",
            agents(4),
        );
        let text = render_vendor(&[&over]);
        assert!(samples(&text, "contact_center_agent_state").is_empty());
        assert!(samples(&text, "contact_center_agent_time_in_state_seconds").is_empty());
        // The counts stay.
        assert!(text.contains(
            "contact_center_agents{source=\"cc\",vendor=\"exotel\",state=\"available\",site=\"bud\"} 4"
        ));
        assert_eq!(
            truncated(&over),
            ["contact_center_source_agent_series_truncated{source=\"cc\",vendor=\"exotel\",site=\"bud\"} 1"]
        );
        // Back under the cap: the series return and the flag clears.
        {
            let mut d = over.data.lock().unwrap();
            d.ingest(
                Snapshot {
                    agents: Some(agents(2)),
                    ..Default::default()
                },
                &over.mapper,
                0,
            );
            d.check_agent_cap(&over.name, &over.config.agents);
        }
        assert_eq!(
            samples(&render_vendor(&[&over]), "contact_center_agent_state").len(),
            16
        );
        assert_eq!(
            truncated(&over),
            ["contact_center_source_agent_series_truncated{source=\"cc\",vendor=\"exotel\",site=\"bud\"} 0"]
        );
    }

    /// Agents who leave the vendor's answer leave /metrics with the next poll.
    #[test]
    fn series_of_an_agent_who_left_vanish() {
        let e = entry(
            "    agent_series: true\n",
            vec![
                agent("1", Some("Stays"), "Available", None),
                agent("2", Some("Leaves"), "Busy", None),
            ],
        );
        assert!(render_vendor(&[&e]).contains("Leaves"));
        e.data.lock().unwrap().ingest(
            Snapshot {
                agents: Some(vec![agent("1", Some("Stays"), "Break", None)]),
                ..Default::default()
            },
            &e.mapper,
            0,
        );
        let text = render_vendor(&[&e]);
        assert!(!text.contains("Leaves"), "{text}");
        assert!(!text.contains("agent_id=\"2\""), "{text}");
        assert!(
            text.contains("agent_id=\"1\",agent_name=\"Stays\",state=\"break\",site=\"bud\"} 1")
        );
    }

    /// The OpenMetrics encoding carries the same per-agent families.
    #[test]
    fn openmetrics_has_the_same_per_agent_series() {
        let e = entry(
            "    agent_series: true\n",
            vec![agent("7", Some("Ana"), "Available", Some(95.0))],
        );
        let om = crate::openmetrics::encode(&vendor_families(&[&e]));
        assert!(
            om.contains("# TYPE contact_center_agent_state gauge"),
            "{om}"
        );
        assert!(om.contains("contact_center_agent_state{source=\"cc\",vendor=\"exotel\",agent_id=\"7\",agent_name=\"Ana\",state=\"available\",site=\"bud\"} 1"), "{om}");
        assert!(om.contains("contact_center_agent_time_in_state_seconds{source=\"cc\",vendor=\"exotel\",agent_id=\"7\",agent_name=\"Ana\",site=\"bud\"} 95"), "{om}");
    }
}
