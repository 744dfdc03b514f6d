//! Genesys Cloud's JSON answers as far as they are read, and pure parsers from bytes.
//!
//! The shapes and JSON keys are those of the models the official SDKs are generated
//! from (`QueueEntityListing`, `QueueObservationQueryResponse`,
//! `ConversationAggregateQueryResponse`, `AnalyticsAgentStateCountsResponse`,
//! `ErrorBody`). Fields not read are skipped without being built; a field that is read
//! but has the wrong type fails the parse (and so the poll), never guessed at.

use std::collections::HashMap;

use serde::Deserialize;

use crate::http::ParseError;

/// `GET /api/v2/routing/queues`: one page of queues.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueuePage {
    /// The queues of this page.
    #[serde(default)]
    pub entities: Vec<Queue>,
    /// This page's number (from 1).
    #[serde(default)]
    pub page_number: Option<u64>,
    /// How many pages there are.
    #[serde(default)]
    pub page_count: Option<u64>,
}

/// One queue.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    /// Queue id (a UUID).
    pub id: String,
    /// Queue name.
    #[serde(default)]
    pub name: Option<String>,
    /// Per-media settings (the service level among them).
    #[serde(default)]
    pub media_settings: Option<QueueMediaSettings>,
}

/// `Queue.mediaSettings`: one entry per media the queue routes. `call` is voice.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct QueueMediaSettings {
    /// Voice (analytics' `voice`).
    #[serde(default)]
    pub call: Option<MediaSettings>,
    /// Callbacks.
    #[serde(default)]
    pub callback: Option<MediaSettings>,
    /// Web chat.
    #[serde(default)]
    pub chat: Option<MediaSettings>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<MediaSettings>,
    /// Messaging.
    #[serde(default)]
    pub message: Option<MediaSettings>,
}

/// One media's settings, as far as they are read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MediaSettings {
    /// The service-level target.
    #[serde(default)]
    pub service_level: Option<ServiceLevel>,
}

/// `ServiceLevel`: answer `percentage` (0–1) of interactions within `durationMs`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLevel {
    /// The threshold in milliseconds.
    #[serde(default)]
    pub duration_ms: Option<f64>,
    /// The target share (not exported).
    #[serde(default)]
    pub percentage: Option<f64>,
}

/// `POST /api/v2/analytics/queues/observations/query`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObservationAnswer {
    /// System presence → the organization presence ids that are it.
    #[serde(default)]
    pub system_to_organization_mappings: Option<HashMap<String, Vec<String>>>,
    /// One entry per group (queue, or queue and media type).
    #[serde(default)]
    pub results: Option<Vec<ObservationGroup>>,
    /// When Genesys answered (its `Date` header), not a JSON field: waits are measured
    /// against Genesys's clock, so that a skewed local clock does not skew them.
    #[serde(skip)]
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `QueueObservationDataContainer`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ObservationGroup {
    /// The group's dimensions.
    #[serde(default)]
    pub group: Group,
    /// Its metrics.
    #[serde(default)]
    pub data: Option<Vec<ObservationData>>,
}

/// The dimensions of a result group that are read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// `queueId`.
    #[serde(default)]
    pub queue_id: Option<String>,
    /// `mediaType` (`voice`, `chat`, …).
    #[serde(default)]
    pub media_type: Option<String>,
}

/// `ObservationMetricData`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ObservationData {
    /// The metric (`oWaiting`, `oOnQueueUsers`, …).
    pub metric: String,
    /// Routing status, organization presence id, or none, by metric.
    #[serde(default)]
    pub qualifier: Option<String>,
    /// Its figures.
    #[serde(default)]
    pub stats: Option<Stats>,
    /// The detail list (asked for `oWaiting` only), oldest first.
    #[serde(default)]
    pub observations: Option<Vec<Observation>>,
}

/// `ObservationValue`, as far as it is read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// When the interaction started waiting (ISO-8601).
    #[serde(default)]
    pub observation_date: Option<String>,
}

/// `StatisticalSummary`, as far as it is read.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct Stats {
    /// How many.
    #[serde(default)]
    pub count: Option<f64>,
    /// Their sum (milliseconds for `t*` metrics).
    #[serde(default)]
    pub sum: Option<f64>,
}

/// `POST /api/v2/analytics/conversations/aggregates/query`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AggregateAnswer {
    /// One entry per group (queue and media type); groups without data are left out.
    #[serde(default)]
    pub results: Option<Vec<AggregateGroup>>,
}

/// One group of an aggregate answer.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AggregateGroup {
    /// The group's dimensions.
    #[serde(default)]
    pub group: Group,
    /// One entry per interval (one: the query asks for no granularity).
    #[serde(default)]
    pub data: Option<Vec<AggregateInterval>>,
}

/// `StatisticalResponse`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AggregateInterval {
    /// The interval, in UTC.
    #[serde(default)]
    pub interval: Option<String>,
    /// Its metrics.
    #[serde(default)]
    pub metrics: Option<Vec<AggregateMetric>>,
}

/// `AggregateMetricData`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AggregateMetric {
    /// The metric (`nOffered`, `tAnswered`, …).
    pub metric: String,
    /// Its figures.
    #[serde(default)]
    pub stats: Option<Stats>,
}

/// `POST /api/v2/analytics/agents/status/counts`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    /// Users per presence.
    #[serde(default)]
    pub presence_counts: Option<Vec<PresenceCount>>,
    /// Users per routing status.
    #[serde(default)]
    pub routing_status_counts: Option<Vec<RoutingStatusCount>>,
}

/// `AgentStatePresenceCount`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PresenceCount {
    /// `AVAILABLE`, `AWAY`, `BUSY`, `OFFLINE`, `IDLE`, `ON_QUEUE`, `MEAL`, `TRAINING`,
    /// `MEETING`, `BREAK` (or `UNKNOWN`).
    #[serde(default)]
    pub system_presence: Option<String>,
    /// The organization presence (several may share a system presence).
    #[serde(default)]
    pub organization_presence_id: Option<String>,
    /// How many.
    #[serde(default)]
    pub count: Option<f64>,
}

/// `AgentStateRoutingStatusCount`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingStatusCount {
    /// `OFF_QUEUE`, `IDLE`, `INTERACTING`, `NOT_RESPONDING`, `COMMUNICATING` (or `UNKNOWN`).
    #[serde(default)]
    pub routing_status: Option<String>,
    /// How many.
    #[serde(default)]
    pub count: Option<f64>,
}

/// Genesys's `ErrorBody`, as far as it is read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ErrorBody {
    /// What went wrong.
    #[serde(default)]
    pub message: Option<String>,
    /// The error code (`bad.credentials`, `too.many.requests`, …).
    #[serde(default)]
    pub code: Option<String>,
}

fn decode<'a, T: Deserialize<'a>>(what: &str, body: &'a [u8]) -> Result<T, ParseError> {
    serde_json::from_slice(body).map_err(|e| ParseError::Decode(format!("{what}: {e}")))
}

/// An `ErrorBody` (`message` and `code`) where an answer was expected: Genesys's own
/// error, whatever the status it came with.
fn vendor_error(body: &[u8]) -> Option<ParseError> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    e.message.as_ref().and(e.code.as_ref())?;
    Some(ParseError::Vendor {
        message: error_message(body)?,
        hint: None,
    })
}

/// Parses one page of `GET /api/v2/routing/queues`.
pub fn parse_queue_page(body: &[u8]) -> Result<QueuePage, ParseError> {
    let p: QueuePage = decode("queue listing", body)?;
    if p.entities.is_empty() && p.page_count.is_none() {
        if let Some(e) = vendor_error(body) {
            return Err(e);
        }
    }
    Ok(p)
}

/// Parses a queue observation answer.
pub fn parse_observations(body: &[u8]) -> Result<ObservationAnswer, ParseError> {
    let a: ObservationAnswer = decode("queue observations", body)?;
    if a.results.is_none() {
        if let Some(e) = vendor_error(body) {
            return Err(e);
        }
    }
    Ok(a)
}

/// The `Date` header of an answer (RFC 7231's IMF-fixdate), if present and readable.
pub fn date_header(h: &reqwest::header::HeaderMap) -> Option<chrono::DateTime<chrono::Utc>> {
    let v = h.get(reqwest::header::DATE)?.to_str().ok()?;
    chrono::DateTime::parse_from_rfc2822(v.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Parses a conversation aggregate answer.
pub fn parse_aggregates(body: &[u8]) -> Result<AggregateAnswer, ParseError> {
    let a: AggregateAnswer = decode("conversation aggregates", body)?;
    if a.results.is_none() {
        if let Some(e) = vendor_error(body) {
            return Err(e);
        }
    }
    Ok(a)
}

/// Parses an agent status count answer.
pub fn parse_status_counts(body: &[u8]) -> Result<StatusCounts, ParseError> {
    let c: StatusCounts = decode("agent status counts", body)?;
    if c.presence_counts.is_none() && c.routing_status_counts.is_none() {
        if let Some(e) = vendor_error(body) {
            return Err(e);
        }
    }
    Ok(c)
}

/// The message and code of an error body, `"message (code)"`, if it is one.
pub fn error_message(body: &[u8]) -> Option<String> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    let message = e.message.filter(|m| !m.trim().is_empty());
    let code = e.code.filter(|c| !c.trim().is_empty());
    match (message, code) {
        (Some(m), Some(c)) => Some(format!("{m} ({c})")),
        (Some(m), None) => Some(m),
        (None, Some(c)) => Some(c),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUES: &str = include_str!("../../../tests/fixtures/genesys_cloud/queues-page1.json");
    const OBS: &str = include_str!("../../../tests/fixtures/genesys_cloud/observations.json");
    const AGG: &str = include_str!("../../../tests/fixtures/genesys_cloud/aggregates.json");
    const COUNTS: &str = include_str!("../../../tests/fixtures/genesys_cloud/status-counts.json");

    #[test]
    fn the_queue_listing() {
        let p = parse_queue_page(QUEUES.as_bytes()).unwrap();
        assert_eq!((p.page_number, p.page_count), (Some(1), Some(2)));
        let q = &p.entities[0];
        assert_eq!(q.name.as_deref(), Some("Support"));
        let call = q.media_settings.as_ref().unwrap().call.as_ref().unwrap();
        assert_eq!(
            call.service_level.as_ref().unwrap().duration_ms,
            Some(20000.0)
        );
    }

    #[test]
    fn the_observation_answer() {
        let o = parse_observations(OBS.as_bytes()).unwrap();
        let m = o.system_to_organization_mappings.unwrap();
        assert_eq!(m["OFFLINE"], ["ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5"]);
        let r = o.results.unwrap();
        assert_eq!(r[0].group.media_type.as_deref(), Some("voice"));
        let waiting = &r[0].data.as_ref().unwrap()[0];
        assert_eq!(waiting.metric, "oWaiting");
        assert_eq!(waiting.stats.unwrap().count, Some(2.0));
        assert_eq!(
            waiting.observations.as_ref().unwrap()[0]
                .observation_date
                .as_deref(),
            Some("2026-03-02T09:58:01.123Z")
        );
    }

    #[test]
    fn the_aggregate_answer_and_status_counts() {
        let a = parse_aggregates(AGG.as_bytes()).unwrap();
        let g = &a.results.unwrap()[0];
        assert_eq!(
            g.group.queue_id.as_deref(),
            Some("4e8b2e4c-0b1b-4f07-9a2a-3c0d5b6e7f81")
        );
        let m = g.data.as_ref().unwrap()[0].metrics.as_ref().unwrap();
        assert_eq!(m[1].metric, "tAnswered");
        assert_eq!(m[1].stats.unwrap().sum, Some(40279740.0));
        let c = parse_status_counts(COUNTS.as_bytes()).unwrap();
        assert!(c.presence_counts.unwrap().len() >= 3);
        assert!(!c.routing_status_counts.unwrap().is_empty());
    }

    #[test]
    fn wrong_types_and_truncated_bodies_fail() {
        for bad in [
            &br#"{"results": [{"group": {"queueId": "q"}, "data": [{"metric": "oWaiting", "stats": {"count": "2"}}]}]}"#[..],
            br#"{"results": {"a": 1}}"#,
            br#"{"results": [{"group": {"queueId": "q"}, "data": [{"stats": {"count": 1}}]}]}"#,
            br#"{"results": [{"group": {"queueId": "q"}, "data": [{"metric": "oW"#,
            b"<html>",
        ] {
            assert!(
                matches!(parse_observations(bad), Err(ParseError::Decode(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(parse_queue_page(br#"{"entities": [{"name": "no id"}]}"#).is_err());
        assert!(parse_aggregates(br#"{"results": [{"data": [{"metrics": [{"metric": "nOffered", "stats": {"count": true}}]}]}]}"#).is_err());
        // An answer with nothing in it is empty, not an error.
        assert_eq!(parse_aggregates(b"{}").unwrap(), AggregateAnswer::default());
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_message(br#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#)
                .as_deref(),
            Some("Invalid login credentials. (bad.credentials)")
        );
        assert_eq!(error_message(b"<html>"), None);
        // The error body where an answer was expected is Genesys's error, not an
        // empty answer.
        let body = br#"{"message":"Invalid query","code":"bad.request","status":400}"#;
        for e in [
            parse_observations(body).unwrap_err(),
            parse_aggregates(body).unwrap_err(),
            parse_status_counts(body).unwrap_err(),
            parse_queue_page(body).unwrap_err(),
        ] {
            assert_eq!(
                e,
                ParseError::Vendor {
                    message: "Invalid query (bad.request)".into(),
                    hint: None
                }
            );
        }
    }
}
