//! Wire format of the TaskRouter v1 resources read here, and their pure parsers.
//!
//! Shapes and field names are those of Twilio's OpenAPI description
//! (`twilio/twilio-oai`, `spec/json/twilio_taskrouter_v1.json`) and its Python SDK
//! models. Lists are `{"<key>": [...], "meta": {"next_page_url": ...}}`. Counts are
//! integers there, except `tasks_by_status`, which the spec leaves untyped and
//! describes with numeric strings (`{"pending": "1"}`) while its example has numbers:
//! every count is read as either. Fields not read here are skipped unparsed, so a
//! 1,000-queue answer costs little more than reading its bytes
//! (benches/twilio_taskrouter_ingest.rs).

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::http::ParseError;

/// A count or a number of seconds: a JSON number or a string holding one, finite and
/// not negative (`-0` reads as 0).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Count(pub f64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count (a number ≥ 0, or a string holding one)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                if v.is_finite() && v >= 0.0 {
                    Ok(Count(v + 0.0))
                } else {
                    Err(E::custom(format!("{v} is not a count")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                match v.trim().parse::<f64>() {
                    Ok(n) => self.visit_f64(n),
                    Err(_) => Err(E::custom(format!("{v:?} is not a count"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `meta` of a list page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Meta {
    /// The next page (absolute, with `PageToken`), `null` on the last.
    #[serde(default)]
    pub next_page_url: Option<String>,
}

/// One TaskQueue of `GET /v1/Workspaces/{WS}/TaskQueues`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TaskQueue {
    /// `WQ…`.
    pub sid: String,
    /// The name shown in Flex and the `queue` label.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

/// A page of TaskQueues.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskQueuesPage {
    /// The TaskQueues.
    pub task_queues: Vec<TaskQueue>,
    /// Paging.
    #[serde(default)]
    pub meta: Meta,
}

/// One Worker of `GET /v1/Workspaces/{WS}/Workers`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Worker {
    /// `WK…`.
    pub sid: String,
    /// The agent's name in Flex.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// The Worker's current Activity.
    #[serde(default)]
    pub activity_name: Option<String>,
    /// The last change of the Worker's Activity (ISO 8601).
    #[serde(default)]
    pub date_status_changed: Option<String>,
}

/// A page of Workers.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkersPage {
    /// The Workers.
    pub workers: Vec<Worker>,
    /// Paging.
    #[serde(default)]
    pub meta: Meta,
}

/// One Activity of `GET /v1/Workspaces/{WS}/Activities`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Activity {
    /// The Activity's name (what Workers and statistics name it by).
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Whether a Worker in it is eligible for Tasks; fixed when the Activity is created.
    #[serde(default)]
    pub available: Option<bool>,
}

/// A page of Activities.
#[derive(Debug, Clone, Deserialize)]
pub struct ActivitiesPage {
    /// The Activities.
    pub activities: Vec<Activity>,
    /// Paging.
    #[serde(default)]
    pub meta: Meta,
}

/// Workers in one Activity (`activity_statistics[]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActivityCount {
    /// The Activity's name.
    pub friendly_name: String,
    /// How many of the queue's eligible Workers are in it.
    pub workers: Count,
}

/// Tasks by status (`tasks_by_status`), the two read here.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TasksByStatus {
    /// Waiting for a reservation.
    #[serde(default)]
    pub pending: Option<Count>,
    /// Offered to a Worker who has not accepted yet.
    #[serde(default)]
    pub reserved: Option<Count>,
}

/// Real-time statistics of one TaskQueue: an item of the bulk answer's
/// `task_queue_data`, or the single-queue `RealTimeStatistics` answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueueRealTime {
    /// `WQ…`.
    pub task_queue_sid: String,
    /// Seconds since the longest-waiting Task was created.
    #[serde(default)]
    pub longest_task_waiting_age: Option<Count>,
    /// Seconds since the longest-waiting Task entered this TaskQueue (single-queue
    /// answer only).
    #[serde(default)]
    pub longest_relative_task_age_in_queue: Option<Count>,
    /// Tasks by status.
    #[serde(default)]
    pub tasks_by_status: Option<TasksByStatus>,
    /// The queue's eligible Workers by Activity.
    #[serde(default)]
    pub activity_statistics: Option<Vec<ActivityCount>>,
}

/// `POST /v1/Workspaces/{WS}/TaskQueues/RealTimeStatistics`.
#[derive(Debug, Clone, Deserialize)]
pub struct BulkRealTime {
    /// One entry per requested TaskQueue.
    pub task_queue_data: Vec<QueueRealTime>,
}

/// `above`/`below` of one `split_by_wait_time` threshold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SplitSide {
    /// Reservations accepted on this side of the threshold.
    #[serde(default)]
    pub reservations_accepted: Option<Count>,
    /// Tasks canceled on this side of the threshold.
    #[serde(default)]
    pub tasks_canceled: Option<Count>,
}

/// One threshold of `split_by_wait_time`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Split {
    /// At most the threshold.
    #[serde(default)]
    pub below: Option<SplitSide>,
}

/// `GET /v1/Workspaces/{WS}/TaskQueues/{WQ}/CumulativeStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Cumulative {
    /// `WQ…`.
    #[serde(default)]
    pub task_queue_sid: Option<String>,
    /// The start of the interval counted (ISO 8601).
    #[serde(default)]
    pub start_time: Option<String>,
    /// Tasks that entered the queue.
    #[serde(default)]
    pub tasks_entered: Option<Count>,
    /// Reservations accepted.
    #[serde(default)]
    pub reservations_accepted: Option<Count>,
    /// Tasks canceled.
    #[serde(default)]
    pub tasks_canceled: Option<Count>,
    /// Tasks completed.
    #[serde(default)]
    pub tasks_completed: Option<Count>,
    /// By threshold (seconds, as the keys): above and below.
    #[serde(default)]
    pub split_by_wait_time: Option<HashMap<String, Split>>,
}

impl Cumulative {
    /// Reservations accepted within `threshold` seconds, when the answer splits by it.
    pub fn accepted_within(&self, threshold: u64) -> Option<Count> {
        self.split_by_wait_time
            .as_ref()?
            .get(threshold.to_string().as_str())?
            .below
            .as_ref()?
            .reservations_accepted
    }
}

/// Twilio's error body: the legacy `{code, message, more_info, status}` or RFC 9457
/// (`type`, `title`, `status`, `code`, `detail`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    /// Twilio's error code (20003, 20404, 20429 …).
    #[serde(default)]
    pub code: Option<i64>,
    /// The legacy message.
    #[serde(default)]
    pub message: Option<String>,
    /// RFC 9457 title.
    #[serde(default)]
    pub title: Option<String>,
    /// RFC 9457 detail.
    #[serde(default)]
    pub detail: Option<String>,
}

/// `code N: message` of an error body, when `body` is one of Twilio's.
pub fn error_message(body: &[u8]) -> Option<(Option<i64>, String)> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    let text = match (e.message, e.title, e.detail) {
        (Some(m), _, _) if !m.trim().is_empty() => m.trim().to_string(),
        (_, Some(t), Some(d)) if !d.trim().is_empty() => format!("{}: {}", t.trim(), d.trim()),
        (_, Some(t), _) if !t.trim().is_empty() => t.trim().to_string(),
        (_, _, Some(d)) if !d.trim().is_empty() => d.trim().to_string(),
        _ => return None,
    };
    Some((e.code, text))
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ParseError> {
    match serde_json::from_slice::<T>(body) {
        Ok(v) => Ok(v),
        Err(e) => match error_message(body) {
            // A success status with an error body: Twilio's own words.
            Some((code, message)) => Err(ParseError::Vendor {
                message: match code {
                    Some(c) => format!("code {c}: {message}"),
                    None => message,
                },
                hint: None,
            }),
            None => Err(ParseError::Decode(e.to_string())),
        },
    }
}

/// Parses a page of `TaskQueues`.
pub fn parse_task_queues(body: &[u8]) -> Result<TaskQueuesPage, ParseError> {
    parse(body)
}

/// Parses a page of `Workers`.
pub fn parse_workers(body: &[u8]) -> Result<WorkersPage, ParseError> {
    parse(body)
}

/// Parses a page of `Activities`.
pub fn parse_activities(body: &[u8]) -> Result<ActivitiesPage, ParseError> {
    parse(body)
}

/// Parses the bulk `RealTimeStatistics` answer.
pub fn parse_bulk_real_time(body: &[u8]) -> Result<BulkRealTime, ParseError> {
    parse(body)
}

/// Parses one TaskQueue's `RealTimeStatistics`.
pub fn parse_real_time(body: &[u8]) -> Result<QueueRealTime, ParseError> {
    parse(body)
}

/// Parses one TaskQueue's `CumulativeStatistics`. Every field of it is optional, so an
/// error body would read as an empty answer: one without `task_queue_sid` that is
/// Twilio's error shape is the error.
pub fn parse_cumulative(body: &[u8]) -> Result<Cumulative, ParseError> {
    let c: Cumulative = parse(body)?;
    if c.task_queue_sid.is_none() {
        if let Some((code, message)) = error_message(body) {
            return Err(ParseError::Vendor {
                message: match code {
                    Some(c) => format!("code {c}: {message}"),
                    None => message,
                },
                hint: None,
            });
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/twilio_taskrouter/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn counts_are_numbers_or_numeric_strings() {
        let t: TasksByStatus =
            serde_json::from_str(r#"{"pending": "3", "reserved": 2, "assigned": "x"}"#).unwrap();
        assert_eq!(
            (t.pending, t.reserved),
            (Some(Count(3.0)), Some(Count(2.0)))
        );
        assert!(serde_json::from_str::<TasksByStatus>(r#"{"pending": -1}"#).is_err());
        assert!(serde_json::from_str::<TasksByStatus>(r#"{"pending": "many"}"#).is_err());
        assert!(serde_json::from_str::<TasksByStatus>(r#"{"pending": true}"#).is_err());
        let t: TasksByStatus = serde_json::from_str(r#"{"pending": null}"#).unwrap();
        assert_eq!(t.pending, None);
    }

    #[test]
    fn the_spec_examples_parse() {
        let q = parse_task_queues(&fixture("task-queues.json")).unwrap();
        assert_eq!(q.task_queues.len(), 1);
        assert_eq!(q.task_queues[0].sid, "WQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(q.meta.next_page_url, None);
        let b = parse_bulk_real_time(&fixture("bulk-real-time-statistics.json")).unwrap();
        let r = &b.task_queue_data[0];
        // The bulk answer has no relative age; the single-queue one has.
        assert_eq!(r.longest_relative_task_age_in_queue, None);
        assert_eq!(r.longest_task_waiting_age, Some(Count(100.0)));
        assert_eq!(r.activity_statistics.as_ref().unwrap().len(), 4);
        let r = parse_real_time(&fixture("real-time-statistics.json")).unwrap();
        assert_eq!(r.longest_relative_task_age_in_queue, Some(Count(100.0)));
        let c = parse_cumulative(&fixture("cumulative-statistics.json")).unwrap();
        assert_eq!(c.tasks_entered, Some(Count(100.0)));
        assert_eq!(c.tasks_completed, Some(Count(100.0)));
        // The example split by 5 and 10 seconds.
        assert_eq!(c.accepted_within(5), Some(Count(0.0)));
        assert_eq!(c.accepted_within(20), None);
        let w = parse_workers(&fixture("workers.json")).unwrap();
        assert_eq!(w.workers[0].activity_name.as_deref(), Some("Offline"));
    }

    #[test]
    fn errors_in_both_shapes() {
        let legacy = br#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#;
        assert_eq!(
            error_message(legacy),
            Some((Some(20003), "Authenticate".into()))
        );
        let rfc = br#"{"type":"https://www.twilio.com/docs/errors/20429","title":"Too Many Requests","status":429,"code":20429,"detail":"Rate limit exceeded"}"#;
        assert_eq!(
            error_message(rfc),
            Some((Some(20429), "Too Many Requests: Rate limit exceeded".into()))
        );
        assert_eq!(error_message(b"<html>"), None);
        assert_eq!(
            parse_workers(legacy).unwrap_err(),
            ParseError::Vendor {
                message: "code 20003: Authenticate".into(),
                hint: None
            }
        );
        assert!(matches!(
            parse_cumulative(legacy),
            Err(ParseError::Vendor { .. })
        ));
        assert!(matches!(
            parse_workers(b"{\"workers\": 1}"),
            Err(ParseError::Decode(_))
        ));
    }
}
