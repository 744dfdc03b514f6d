//! Wire structs of the Connect API (`connect` 2017-08-08, restJson1) and pure parsers
//! from bytes to them. Member names and shapes follow botocore's service model
//! (`botocore/data/connect/2017-08-08/service-2.json`); timestamps are epoch seconds
//! as JSON numbers (restJson1's default timestamp format).

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::http::ParseError;

/// Declares a `NextToken`-paged answer: its list member, the next token, and the error
/// members an AWS error sent with a success status carries (a gateway, a proxy), with
/// its [`AwsAnswer`] and [`Paged`] implementations. Every answer the source reads has
/// this shape, so the error members are written once.
macro_rules! aws_page {
    ($(#[$meta:meta])* $name:ident { $(#[$lmeta:meta])* $list:ident: $item:ty }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            /// An error type where an error was sent with a success status.
            #[serde(rename = "__type", default)]
            pub error_type: Option<String>,
            /// Its message.
            #[serde(alias = "message", default)]
            pub message: Option<String>,
            /// An error code where an error was sent with a success status (`__type`'s
            /// alternative).
            #[serde(rename = "code", default)]
            pub error_code: Option<String>,
            $(#[$lmeta])*
            #[serde(default)]
            pub $list: Vec<$item>,
            /// More pages when set.
            #[serde(default)]
            pub next_token: Option<String>,
        }

        impl AwsAnswer for $name {
            fn error(&self) -> (Option<&str>, Option<&str>) {
                (
                    self.error_type.as_deref().or(self.error_code.as_deref()),
                    self.message.as_deref(),
                )
            }
        }

        impl Paged for $name {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>) {
                (self.$list, self.next_token)
            }
        }
    };
}

aws_page! {
    /// `ListQueues` answer.
    ListQueues {
        /// The queues of this page.
        queue_summary_list: QueueSummary
    }
}

/// One queue of `ListQueues`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueSummary {
    /// Queue id.
    #[serde(default)]
    pub id: Option<String>,
    /// Queue ARN (`arn:aws:connect:<region>:<account>:instance/<id>/queue/<queue id>`).
    #[serde(default)]
    pub arn: Option<String>,
    /// Queue name.
    #[serde(default)]
    pub name: Option<String>,
    /// `STANDARD` or `AGENT`.
    #[serde(default)]
    pub queue_type: Option<String>,
}

/// A `{Id, Arn}` reference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Reference {
    /// The id.
    #[serde(default)]
    pub id: Option<String>,
}

aws_page! {
    /// `GetCurrentMetricData` answer.
    CurrentMetricData {
        /// One entry per grouping combination.
        metric_results: CurrentMetricResult
    }
}

/// One queue × channel of `GetCurrentMetricData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CurrentMetricResult {
    /// The grouping values.
    #[serde(default)]
    pub dimensions: Option<CurrentDimensions>,
    /// The metrics.
    #[serde(default)]
    pub collections: Vec<MetricValue>,
}

/// `Dimensions` of a current-metric result.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CurrentDimensions {
    /// The queue.
    #[serde(default)]
    pub queue: Option<Reference>,
    /// `VOICE`, `CHAT`, `TASK` or `EMAIL`.
    #[serde(default)]
    pub channel: Option<String>,
}

/// One metric of a result: its name and value (`null`: "cannot be calculated").
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricValue {
    /// Which metric.
    #[serde(default)]
    pub metric: Option<MetricName>,
    /// The value.
    #[serde(default)]
    pub value: Option<f64>,
}

/// A metric's `Name` (the other members are not needed).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricName {
    /// E.g. `CONTACTS_IN_QUEUE`.
    #[serde(default)]
    pub name: Option<MetricKey>,
}

/// The metric names the source reads, parsed without an allocation per metric (a
/// 1,000-queue day answer names 7,000); any other name is [`MetricKey::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MetricKey {
    /// Real time: contacts waiting.
    ContactsInQueue,
    /// Real time: the oldest waiting contact's age.
    OldestContactAge,
    /// Day: contacts that entered the queue.
    ContactsQueued,
    /// Day: contacts an agent answered.
    ContactsHandledByConnectedToAgent,
    /// Day: contacts abandoned in the queue.
    ContactsAbandoned,
    /// Day: contacts answered within the threshold.
    SumContactsAnsweredInX,
    /// Day: contacts handled.
    ContactsHandled,
    /// Day: talk and hold seconds.
    SumInteractionAndHoldTime,
    /// Day: after-contact-work seconds.
    SumAfterContactWorkTime,
    /// Any other metric.
    #[default]
    #[serde(other)]
    Other,
}

impl MetricKey {
    /// The name as the API spells it, `""` for [`MetricKey::Other`].
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKey::ContactsInQueue => "CONTACTS_IN_QUEUE",
            MetricKey::OldestContactAge => "OLDEST_CONTACT_AGE",
            MetricKey::ContactsQueued => "CONTACTS_QUEUED",
            MetricKey::ContactsHandledByConnectedToAgent => {
                "CONTACTS_HANDLED_BY_CONNECTED_TO_AGENT"
            }
            MetricKey::ContactsAbandoned => "CONTACTS_ABANDONED",
            MetricKey::SumContactsAnsweredInX => "SUM_CONTACTS_ANSWERED_IN_X",
            MetricKey::ContactsHandled => "CONTACTS_HANDLED",
            MetricKey::SumInteractionAndHoldTime => "SUM_INTERACTION_AND_HOLD_TIME",
            MetricKey::SumAfterContactWorkTime => "SUM_AFTER_CONTACT_WORK_TIME",
            MetricKey::Other => "",
        }
    }
}

impl MetricValue {
    /// The metric's name, `""` when absent or not one the source reads.
    pub fn name(&self) -> &'static str {
        self.metric
            .as_ref()
            .and_then(|m| m.name)
            .map_or("", MetricKey::as_str)
    }
}

aws_page! {
    /// `GetMetricDataV2` answer.
    MetricDataV2 {
        /// One entry per grouping combination and interval.
        metric_results: MetricResultV2
    }
}

/// One queue × channel × interval of `GetMetricDataV2`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricResultV2 {
    /// The grouping values (`{"QUEUE": "<id>", "CHANNEL": "VOICE"}`).
    #[serde(default)]
    pub dimensions: V2Dimensions,
    /// The metrics.
    #[serde(default)]
    pub collections: Vec<MetricValue>,
}

/// `Dimensions` of a `GetMetricDataV2` result: a map from grouping to value, of which
/// the two the source groups by are read (fields, not a map: no allocation per key).
#[derive(Debug, Default, Deserialize)]
pub struct V2Dimensions {
    /// The queue id.
    #[serde(rename = "QUEUE", default)]
    pub queue: Option<String>,
    /// `VOICE`, `CHAT`, `TASK` or `EMAIL`.
    #[serde(rename = "CHANNEL", default)]
    pub channel: Option<String>,
}

aws_page! {
    /// `GetCurrentUserData` answer.
    CurrentUserData {
        /// The agents of this page.
        user_data_list: UserData
    }
}

/// One agent of `GetCurrentUserData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserData {
    /// The user.
    #[serde(default)]
    pub user: Option<Reference>,
    /// The agent status.
    #[serde(default)]
    pub status: Option<AgentStatus>,
    /// The agent's contacts now.
    #[serde(default)]
    pub contacts: Vec<AgentContact>,
}

/// `Status` of a user.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentStatus {
    /// Since when (epoch seconds).
    #[serde(default)]
    pub status_start_timestamp: Option<f64>,
    /// `Available`, `Offline` or a custom status name.
    #[serde(default)]
    pub status_name: Option<String>,
}

/// One contact of a user.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentContact {
    /// `INCOMING`, `PENDING`, `CONNECTING`, `CONNECTED`, `CONNECTED_ONHOLD`, `MISSED`,
    /// `ERROR`, `ENDED` or `REJECTED`.
    #[serde(default)]
    pub agent_contact_state: Option<String>,
    /// Since when (epoch seconds; on hold keeps the connect time).
    #[serde(default)]
    pub state_start_timestamp: Option<f64>,
}

fn parse<T: DeserializeOwned + AwsAnswer>(body: &[u8]) -> Result<T, ParseError> {
    // The plain parse first: serde_path_to_error tracks the path of every value, which
    // costs on every answer but is only needed to word a failure.
    let answer: T = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(_) => {
            if let (Some(kind), message) = error_of(None, body) {
                return Err(vendor_error(kind, message));
            }
            let de = &mut serde_json::Deserializer::from_slice(body);
            return serde_path_to_error::deserialize(de)
                .map_err(|e| ParseError::Decode(format!("{} (at {})", e.inner(), e.path())));
        }
    };
    // An AWS error sent with a success status (a gateway, a proxy) is the vendor's
    // error, not data: it would otherwise read as an empty page.
    let (kind, message) = answer.error();
    match kind.and_then(clean_type) {
        Some(kind) => Err(vendor_error(kind, message.map(str::to_string))),
        None => Ok(answer),
    }
}

fn vendor_error(kind: String, message: Option<String>) -> ParseError {
    ParseError::Vendor {
        message: match message {
            Some(m) => format!("{kind}: {m}"),
            None => kind,
        },
        hint: None,
    }
}

/// An answer that may carry an AWS error in a success body.
pub trait AwsAnswer {
    /// Its error type (`__type`, else `code`) and message, where it has them.
    fn error(&self) -> (Option<&str>, Option<&str>);
}

/// A page of a `NextToken`-paged answer.
pub trait Paged {
    /// What the page lists.
    type Item;
    /// The page's items and the token of the next page (`None` or empty on the last).
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// Parses a `ListQueues` answer.
pub fn parse_list_queues(body: &[u8]) -> Result<ListQueues, ParseError> {
    parse(body)
}

/// Parses a `GetCurrentMetricData` answer.
pub fn parse_current_metrics(body: &[u8]) -> Result<CurrentMetricData, ParseError> {
    parse(body)
}

/// Parses a `GetMetricDataV2` answer.
pub fn parse_metric_data(body: &[u8]) -> Result<MetricDataV2, ParseError> {
    parse(body)
}

/// Parses a `GetCurrentUserData` answer.
pub fn parse_user_data(body: &[u8]) -> Result<CurrentUserData, ParseError> {
    parse(body)
}

/// An AWS error answer: its type and message. restJson1 names the type in the
/// `X-Amzn-ErrorType` header, else the body's `__type` or `code`; a type may carry a
/// namespace (`ns#Name`) and a URI suffix (`Name:http://…`), which are dropped.
pub fn error_of(header: Option<&str>, body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize, Default)]
    struct Body {
        #[serde(rename = "__type", default)]
        kind: Option<String>,
        #[serde(default)]
        code: Option<String>,
        #[serde(rename = "Message", default)]
        message_upper: Option<String>,
        #[serde(default)]
        message: Option<String>,
    }
    let b: Body = serde_json::from_slice(body).unwrap_or_default();
    let kind = header
        .and_then(clean_type)
        .or_else(|| b.kind.as_deref().and_then(clean_type))
        .or_else(|| b.code.as_deref().and_then(clean_type));
    (kind, b.message_upper.or(b.message))
}

/// An error type without its namespace (`ns#Name`) or URI suffix (`Name:http://…`).
fn clean_type(t: &str) -> Option<String> {
    let t = t.split(':').next().unwrap_or(t);
    let t = t.rsplit('#').next().unwrap_or(t).trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_the_source_asks_for_parses_to_its_own_key() {
        let asked = crate::sources::amazon_connect::api::V2_METRICS
            .iter()
            .chain(&["CONTACTS_IN_QUEUE", "OLDEST_CONTACT_AGE"]);
        for name in asked {
            let v: MetricValue = serde_json::from_str(&format!(
                r#"{{"Metric": {{"Name": "{name}"}}, "Value": 1}}"#
            ))
            .unwrap();
            assert_eq!(v.name(), *name);
        }
        let v: MetricValue =
            serde_json::from_str(r#"{"Metric": {"Name": "AGENTS_ONLINE"}, "Value": 3}"#).unwrap();
        assert_eq!((v.name(), v.value), ("", Some(3.0)));
    }

    #[test]
    fn error_types_from_header_or_body() {
        assert_eq!(
            error_of(
                Some("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/x/"),
                b"{}"
            ),
            (Some("FooError".into()), None)
        );
        assert_eq!(
            error_of(
                None,
                br#"{"__type": "ThrottlingException", "Message": "Rate exceeded"}"#
            ),
            (
                Some("ThrottlingException".into()),
                Some("Rate exceeded".into())
            )
        );
        assert_eq!(
            error_of(
                None,
                br#"{"code": "AccessDeniedException", "message": "no"}"#
            ),
            (Some("AccessDeniedException".into()), Some("no".into()))
        );
        assert_eq!(error_of(None, b"<html>"), (None, None));
    }

    #[test]
    fn null_values_and_missing_members() {
        let d = parse_current_metrics(
            br#"{"MetricResults":[{"Dimensions":{"Queue":{"Id":"q","Arn":"a"},"Channel":"VOICE"},
                "Collections":[{"Metric":{"Name":"CONTACTS_IN_QUEUE","Unit":"COUNT"},"Value":null}]}],
                "DataSnapshotTime":1767262500.123}"#,
        )
        .unwrap();
        assert_eq!(d.metric_results[0].collections[0].value, None);
        assert_eq!(
            d.metric_results[0].collections[0].name(),
            "CONTACTS_IN_QUEUE"
        );
        let e =
            parse_metric_data(br#"{"MetricResults":[{"Dimensions":{"QUEUE":1}}]}"#).unwrap_err();
        assert!(
            e.to_string().contains("MetricResults[0].Dimensions.QUEUE"),
            "{e}"
        );
    }

    #[test]
    fn an_aws_error_in_a_success_body_is_a_vendor_error() {
        let e = parse_list_queues(br#"{"__type": "InternalServiceException", "Message": "x"}"#)
            .unwrap_err();
        assert!(
            matches!(&e, ParseError::Vendor { message, .. } if message == "InternalServiceException: x"),
            "{e:?}"
        );
        assert!(parse_list_queues(br#"{"QueueSummaryList": []}"#).is_ok());
    }
}
