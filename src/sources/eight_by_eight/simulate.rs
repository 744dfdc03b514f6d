//! The statistics API for `--demo`, rendered from the simulated contact center in the
//! documented XML shapes, 50 records a page with `n`, Basic auth checked (403 like the
//! vendor otherwise), `d=` day ranges with `tz=`, an optional `.xml` suffix.
//!
//! Interactions count in the 30-minute period they entered the queue; agent status
//! statistics split each state interval over the periods it overlaps. An interaction's
//! processing and post-processing (`finish-processing-count`, `time-processing`,
//! `time-post-processing`) count once its post-processing ended, so a period's figures
//! always belong to the same whole interactions.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::config::Config;
use super::types::{OFFLINE_BUCKETS, ONLINE_BUCKETS, PAGE_SIZE};
use crate::model::Channel;
use crate::secret::Secret;
use crate::simulator::model::{Handling, Interaction};
use crate::simulator::{ContactCenter, Outcome, SimRequest, SimResponse, SimState, SimulatedApi};

/// The demo's tenant.
pub const DEMO_TENANT: &str = "demo";
/// The demo's data request token (it protects nothing but the loopback demo).
pub const DEMO_TOKEN: &str = "demo-8x8-data-request-token";
const PERIOD_S: i64 = 1800;

/// The demo config and API pair.
pub fn demo(base_url: &url::Url) -> (Config, Api) {
    let cfg = Config {
        base_url: base_url.clone(),
        tenant: DEMO_TENANT.into(),
        token: Secret::new(DEMO_TOKEN),
        queues: None,
        time_zone: chrono_tz::UTC,
        agent_statistics: false,
    };
    (
        cfg,
        Api {
            tenant: DEMO_TENANT.into(),
            token: DEMO_TOKEN.into(),
        },
    )
}

/// The simulated API.
pub struct Api {
    /// Accepted tenant.
    pub tenant: String,
    /// Accepted token.
    pub token: String,
}

/// The vendor's status name of a simulated state.
pub fn status_name(s: SimState) -> &'static str {
    match s {
        SimState::Offline => "Logged Out",
        SimState::Unavailable => "Working Offline",
        SimState::Available => "Available",
        SimState::Ringing => "Transaction Offered",
        SimState::Busy => "Processing",
        SimState::WrapUp => "Post Processing",
        SimState::Break => "On Break",
    }
}

fn media_type(c: Channel) -> &'static str {
    match c {
        Channel::Voice | Channel::Other => "T",
        Channel::Voicemail => "V",
        Channel::Chat => "C",
        Channel::Email => "Z",
    }
}

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

fn plain(status: u16, text: &str) -> SimResponse {
    SimResponse::with_status(status, "text/plain", format!("{text}\n"))
}

/// `[start, end)` of a `d=` value (`D`, or `D1,D2` with D2 exclusive) in `tz`.
fn range(req: &SimRequest) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let tz: chrono_tz::Tz = req.param("tz").unwrap_or("UTC").parse().ok()?;
    let d = req.param("d")?;
    let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (a, b) = match d.split_once(',') {
        Some((a, b)) => (day(a)?, day(b)?),
        None => {
            let a = day(d)?;
            (a, a.succ_opt()?)
        }
    };
    let at = |d: NaiveDate| super::day_start(d, tz);
    Some((at(a), at(b)))
}

/// Renders records `n..n+50` of `items` inside `<list>`.
fn page(req: &SimRequest, list: &str, items: &[String]) -> SimResponse {
    let n: usize = req
        .param("n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut body = String::with_capacity(4096);
    body.push_str("<?xml version='1.0'  encoding='UTF-8' ?>\n");
    let _ = writeln!(body, "<{list}>");
    for it in items.iter().skip(n - 1).take(PAGE_SIZE) {
        body.push_str(it);
    }
    let _ = writeln!(body, "</{list}>");
    SimResponse::with_status(200, "application/xml", body)
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Every state an agent was in since the simulation began: `(state, from, until)`.
fn segments(cc: &ContactCenter, agent: usize) -> Vec<(SimState, DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    for c in cc.state_log.iter().filter(|c| c.agent == agent) {
        out.push((c.from, c.from_since, c.at));
    }
    let a = &cc.agents[agent];
    out.push((a.state, a.since, cc.now));
    out
}

fn groups(cc: &ContactCenter) -> Vec<String> {
    cc.groups
        .iter()
        .map(|g| {
            format!(
                "    <group>\n        <group-id>{}</group-id>\n        <group-name>{}</group-name>\n        <deleted>No</deleted>\n    </group>\n",
                g.id,
                esc(&g.name)
            )
        })
        .collect()
}

fn group_statuses(
    cc: &ContactCenter,
    group: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<String> {
    let g = &cc.groups[group];
    let mut events: Vec<(DateTime<Utc>, usize, SimState)> = Vec::new();
    for i in (0..cc.agents.len()).filter(|&i| cc.agents[i].group == group) {
        for (state, since, _) in segments(cc, i) {
            if since >= from && since < to {
                events.push((since, i, state));
            }
        }
    }
    events.sort_by_key(|(t, i, _)| (*t, *i));
    events
        .into_iter()
        .map(|(t, i, state)| {
            let a = &cc.agents[i];
            format!(
                "    <status>\n        <agent-id>{}</agent-id>\n        <agent-name>{}</agent-name>\n        <group-id>{}</group-id>\n        <group-name>{}</group-name>\n        <status>{}</status>\n        <event-time>{}</event-time>\n        <scl-list-id></scl-list-id>\n        <scl-item-id></scl-item-id>\n        <scl-item-shortcode-text />\n        <scl-item-report-text />\n        <transaction-id>{}</transaction-id>\n    </status>\n",
                esc(&a.username),
                esc(&a.full_name),
                g.id,
                esc(&g.name),
                status_name(state),
                ts(t),
                t.timestamp() % 100_000
            )
        })
        .collect()
}

/// 30-minute periods starting in `[from, min(to, now))`.
fn periods(from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let first = from.timestamp().div_euclid(PERIOD_S) * PERIOD_S;
    let end = to.min(now);
    (0..)
        .map(|k| first + k * PERIOD_S)
        .take_while(|s| *s < end.timestamp())
        .filter_map(|s| Utc.timestamp_opt(s, 0).single())
        .filter(|s| *s + Duration::seconds(PERIOD_S) > from)
        .collect()
}

fn agent_statistics(
    cc: &ContactCenter,
    agent: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<String> {
    let a = &cc.agents[agent];
    let g = &cc.groups[a.group];
    let segs = segments(cc, agent);
    let mut out = Vec::new();
    for p in periods(from, to, cc.now) {
        let pe = p + Duration::seconds(PERIOD_S);
        // waiting, processing, post-processing, working-offline, offered, break
        let mut t = [0i64; 6];
        for (state, s, e) in &segs {
            let overlap = ((*e).min(pe) - (*s).max(p)).num_seconds();
            if overlap <= 0 {
                continue;
            }
            let i = match state {
                SimState::Available => 0,
                SimState::Busy => 1,
                SimState::WrapUp => 2,
                SimState::Unavailable => 3,
                SimState::Ringing => 4,
                SimState::Break => 5,
                SimState::Offline => continue,
            };
            t[i] += overlap;
        }
        let total: i64 = t.iter().sum();
        if total == 0 {
            continue;
        }
        out.push(format!(
            "    <status>\n            <period-start>{}</period-start>\n            <period-end>{}</period-end>\n            <agent-id>{}</agent-id>\n            <agent-name>{}</agent-name>\n            <group-id>{}</group-id>\n            <group-name>{}</group-name>\n            <status-waiting>{}</status-waiting>\n            <status-processing>{}</status-processing>\n            <status-post-processing>{}</status-post-processing>\n            <status-working-offline>{}</status-working-offline>\n            <status-transaction-offered>{}</status-transaction-offered>\n            <status-break>{}</status-break>\n            <time-logged-in>{}</time-logged-in>\n    </status>\n",
            ts(p), ts(pe), esc(&a.username), esc(&a.full_name), g.id, esc(&g.name),
            t[0], t[1], t[2], t[3], t[4], t[5], total
        ));
    }
    out
}

fn queues(cc: &ContactCenter) -> Vec<String> {
    cc.queues
        .iter()
        .map(|q| {
            format!(
                "    <queue>\n        <queue-id>{}</queue-id>\n        <queue-name>{}</queue-name>\n        <queue-desc>{}</queue-desc>\n        <media-type>{}</media-type>\n        <enabled>Y</enabled>\n        <sla-enabled>Y</sla-enabled>\n        <sla-time>{}</sla-time>\n    </queue>\n",
                q.id,
                esc(&q.name),
                esc(&q.name),
                media_type(q.channel),
                q.sla_seconds
            )
        })
        .collect()
}

/// Interactions of queue `q` that entered in each period of the range.
fn by_period(
    cc: &ContactCenter,
    q: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Vec<&Interaction>)> {
    periods(from, to, cc.now)
        .into_iter()
        .map(|p| {
            let pe = p + Duration::seconds(PERIOD_S);
            let its = cc
                .interactions
                .iter()
                .filter(|it| it.queue == q && it.entered >= p.max(from) && it.entered < pe.min(to))
                .collect::<Vec<_>>();
            (p, its)
        })
        .filter(|(_, its)| !its.is_empty())
        .collect()
}

fn answered_wait(it: &Interaction) -> Option<i64> {
    match it.outcome {
        Outcome::Answered { at, .. } => Some((at - it.entered).num_seconds().max(0)),
        _ => None,
    }
}

fn abandoned_wait(it: &Interaction) -> Option<i64> {
    match it.outcome {
        Outcome::Abandoned { at } => Some((at - it.entered).num_seconds().max(0)),
        _ => None,
    }
}

fn head(cc: &ContactCenter, q: usize, p: DateTime<Utc>, its: &[&Interaction]) -> String {
    let queue = &cc.queues[q];
    let accepted = its.iter().filter_map(|it| answered_wait(it)).count();
    let met = its
        .iter()
        .filter_map(|it| answered_wait(it))
        .filter(|w| *w <= i64::from(queue.sla_seconds))
        .count();
    format!(
        "        <queue-id>{}</queue-id>\n        <queue-name>{}</queue-name>\n        <channel-id>{}</channel-id>\n        <time-stamp>{}</time-stamp>\n        <media-type>{}</media-type>\n        <entered-count>{}</entered-count>\n        <accepted-count>{}</accepted-count>\n        <sla-met-count>{}</sla-met-count>\n",
        queue.id,
        esc(&queue.name),
        queue.id + 1000,
        ts(p),
        media_type(queue.channel),
        its.len(),
        accepted,
        met
    )
}

fn statistics(cc: &ContactCenter, q: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    by_period(cc, q, from, to)
        .into_iter()
        .map(|(p, its)| {
            let acc: Vec<i64> = its.iter().filter_map(|it| answered_wait(it)).collect();
            let ab: Vec<i64> = its.iter().filter_map(|it| abandoned_wait(it)).collect();
            let handled: Vec<Handling> = its.iter().filter_map(|it| it.handling()).collect();
            format!(
                "    <statistic>\n{}        <abandoned-count>{}</abandoned-count>\n        <finish-processing-count>{}</finish-processing-count>\n        <finish-post-count>{}</finish-post-count>\n        <time-waiting>{}</time-waiting>\n        <time-processing>{}</time-processing>\n        <time-post-processing>{}</time-post-processing>\n        <total-time-to-abandon>{}</total-time-to-abandon>\n        <time-max-wait-accept>{}</time-max-wait-accept>\n        <time-max-wait-abandon>{}</time-max-wait-abandon>\n    </statistic>\n",
                head(cc, q, p, &its),
                ab.len(),
                handled.len(),
                handled.len(),
                acc.iter().sum::<i64>(),
                handled.iter().map(|h| h.talk_seconds).sum::<i64>(),
                handled.iter().map(|h| h.wrap_seconds).sum::<i64>(),
                ab.iter().sum::<i64>(),
                acc.iter().max().unwrap_or(&0),
                ab.iter().max().unwrap_or(&0),
            )
        })
        .collect()
}

fn buckets(bounds: &[(&str, f64)], waits: &[i64], tag: &str) -> String {
    let mut counts = vec![0u64; bounds.len()];
    for &w in waits {
        let i = bounds
            .iter()
            .position(|(_, le)| (w as f64) <= *le)
            .unwrap_or(bounds.len() - 1);
        counts[i] += 1;
    }
    let mut s = format!("        <{tag}>\n");
    for ((name, _), c) in bounds.iter().zip(counts) {
        let _ = writeln!(s, "            <{name}>{c}</{name}>");
    }
    let _ = writeln!(s, "        </{tag}>");
    s
}

/// The online (`online_sla`: accepted and abandoned waits) or offline (`offline_sla`:
/// accepted only) service-level periods of queue `q`.
fn slas(
    cc: &ContactCenter,
    q: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    online: bool,
) -> Vec<String> {
    let (tag, bounds) = if online {
        ("online_sla", &ONLINE_BUCKETS[..])
    } else {
        ("offline_sla", &OFFLINE_BUCKETS[..])
    };
    by_period(cc, q, from, to)
        .into_iter()
        .map(|(p, its)| {
            let acc: Vec<i64> = its.iter().filter_map(|it| answered_wait(it)).collect();
            let abandoned = if online {
                let ab: Vec<i64> = its.iter().filter_map(|it| abandoned_wait(it)).collect();
                buckets(bounds, &ab, "abandoned")
            } else {
                String::new()
            };
            format!(
                "    <{tag}>\n{}{}{abandoned}    </{tag}>\n",
                head(cc, q, p, &its),
                buckets(bounds, &acc, "accepted"),
            )
        })
        .collect()
}

impl SimulatedApi for Api {
    fn handle(&self, req: &SimRequest, cc: &ContactCenter) -> SimResponse {
        if !req.basic_auth_is(&self.tenant, &self.token) {
            return plain(403, "Forbidden");
        }
        if req.method != "GET" {
            return plain(400, "Bad request");
        }
        let Some(rest) = req.path.strip_prefix("/api/stats/") else {
            return plain(404, "Not found");
        };
        let rest = match rest.rsplit_once('.') {
            Some((p, "xml")) => p,
            Some((_, "json" | "csv")) => return plain(400, "only XML is simulated"),
            _ => rest,
        };
        let segs: Vec<&str> = rest.split('/').collect();
        let day = || range(req);
        let group_index = |id: &str| cc.groups.iter().position(|g| g.id.to_string() == id);
        let queue_index = |id: &str| cc.queues.iter().position(|q| q.id.to_string() == id);
        match segs.as_slice() {
            ["groups"] => page(req, "groups", &groups(cc)),
            ["queues"] => page(req, "queues", &queues(cc)),
            ["groups", id, "statuses"] => {
                let (Some(g), Some((from, to))) = (group_index(id), day()) else {
                    return plain(
                        if group_index(id).is_none() { 404 } else { 400 },
                        "Bad request",
                    );
                };
                page(req, "statuses", &group_statuses(cc, g, from, to))
            }
            ["agents", id, "statuses", "statistics"] => {
                let Some(a) = cc.agents.iter().position(|a| a.username == *id) else {
                    return plain(404, "Not found");
                };
                let Some((from, to)) = day() else {
                    return plain(400, "Bad request");
                };
                page(req, "statuses", &agent_statistics(cc, a, from, to))
            }
            ["queues", id, what] => {
                let Some(q) = queue_index(id) else {
                    return plain(404, "Not found");
                };
                let Some((from, to)) = day() else {
                    return plain(400, "Bad request");
                };
                match *what {
                    "statistics" => page(req, "statistics", &statistics(cc, q, from, to)),
                    "online_slas" => page(req, "online_slas", &slas(cc, q, from, to, true)),
                    "offline_slas" => page(req, "offline_slas", &slas(cc, q, from, to, false)),
                    _ => plain(404, "Not found"),
                }
            }
            _ => plain(404, "Not found"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::types;
    use super::*;
    use crate::simulator::SimOptions;

    fn req(path: &str, q: &[(&str, &str)], auth: bool) -> SimRequest {
        SimRequest::get(path, q, auth.then_some((DEMO_TENANT, DEMO_TOKEN)))
    }

    fn cc() -> ContactCenter {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let mut cc = ContactCenter::new(&SimOptions::default(), t0);
        cc.advance_to(t0 + Duration::hours(2));
        cc
    }

    #[test]
    fn auth_is_checked() {
        let (_, api) = demo(&url::Url::parse("http://x").unwrap());
        let r = api.handle(&req("/api/stats/groups.xml", &[], false), &cc());
        assert_eq!(r.status, 403);
    }

    #[test]
    fn rendered_lists_parse_and_agree() {
        let (_, api) = demo(&url::Url::parse("http://x").unwrap());
        let cc = cc();
        let day = [("d", "2026-03-02,2026-03-03"), ("tz", "UTC")];
        let r = api.handle(&req("/api/stats/groups.xml", &[], true), &cc);
        assert_eq!(types::parse_groups(&r.body).unwrap().len(), 3);
        let r = api.handle(&req("/api/stats/queues", &[], true), &cc);
        assert_eq!(types::parse_queues(&r.body).unwrap().len(), 6);
        let r = api.handle(
            &req("/api/stats/queues/202/statistics.xml", &day, true),
            &cc,
        );
        let stats = types::parse_statistics(&r.body).unwrap();
        assert!(!stats.is_empty());
        let r = api.handle(
            &req("/api/stats/queues/202/online_slas.xml", &day, true),
            &cc,
        );
        let slas = types::parse_online_slas(&r.body).unwrap();
        assert_eq!(slas.len(), stats.len());
        for (s, o) in stats.iter().zip(&slas) {
            let sum: u64 = o.accepted_buckets.iter().map(|b| b.unwrap()).sum();
            assert_eq!(Some(sum), s.accepted);
            // Handled interactions are accepted ones, each with 60–360 s of processing
            // and 10–60 s of post-processing (the simulated busy and wrap-up spells).
            let (n, talk, wrap) = (
                s.finished_processing.unwrap(),
                s.time_processing.unwrap(),
                s.time_post_processing.unwrap(),
            );
            assert!(n <= s.accepted.unwrap());
            assert!(talk >= 60.0 * n as f64 && talk <= 360.0 * n as f64, "{s:?}");
            assert!(wrap >= 10.0 * n as f64 && wrap <= 60.0 * n as f64, "{s:?}");
            let ab: u64 = o.abandoned_buckets.iter().map(|b| b.unwrap()).sum();
            assert_eq!(Some(ab), s.abandoned);
        }
        assert!(stats.iter().any(|s| s.finished_processing > Some(0)));
        let r = api.handle(&req("/api/stats/groups/102/statuses.xml", &day, true), &cc);
        let ev = types::parse_status_events(&r.body).unwrap();
        assert_eq!(ev.len(), PAGE_SIZE, "a full first page");
        let r = api.handle(
            &req(
                "/api/stats/groups/102/statuses.xml",
                &[day[0], day[1], ("n", "51")],
                true,
            ),
            &cc,
        );
        let ev2 = types::parse_status_events(&r.body).unwrap();
        assert!(!ev2.is_empty());
        assert!(ev2[0].event_time >= ev[49].event_time);
        let agent = ev[0].agent_id.clone().unwrap();
        let r = api.handle(
            &req(
                &format!("/api/stats/agents/{agent}/statuses/statistics.xml"),
                &day,
                true,
            ),
            &cc,
        );
        let st = types::parse_agent_status_stats(&r.body).unwrap();
        assert!(!st.is_empty());
        for s in &st {
            let sum: f64 = s.totals.iter().map(|t| t.unwrap()).sum();
            assert_eq!(Some(sum), s.time_logged_in);
            assert!(sum <= 1800.0);
        }
    }

    #[test]
    fn unknown_paths_and_bad_days() {
        let (_, api) = demo(&url::Url::parse("http://x").unwrap());
        let cc = cc();
        assert_eq!(
            api.handle(&req("/api/stats/nope", &[], true), &cc).status,
            404
        );
        assert_eq!(
            api.handle(
                &req("/api/stats/queues/201/statistics", &[("d", "x")], true),
                &cc
            )
            .status,
            400
        );
        assert_eq!(
            api.handle(&req("/api/stats/queues.json", &[], true), &cc)
                .status,
            400
        );
    }
}
