//! Wire format of the User Monitoring API and its pure parsers.
//!
//! Read from the vendor page's example: every field may be `null`; `data` is an object
//! in the real example but the generic example shows `"data": "string"`, so a row whose
//! `data` is not an object is skipped, not an error. `user_status` is an open set.

use serde::Deserialize;

use crate::http::ParseError;

/// One page: `{"response": [{"data": {...}}], "metadata": {...}}`.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// The rows (required: an error body has none, and must not parse as a page).
    pub response: Vec<Row>,
    /// Paging information.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// Paging metadata.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
pub struct Metadata {
    /// Total records across all pages.
    #[serde(default)]
    pub total: Option<u64>,
    /// Records in this page.
    #[serde(default)]
    pub count: Option<u64>,
    /// Offset of this page.
    #[serde(default)]
    pub offset: Option<u64>,
    /// Page size.
    #[serde(default)]
    pub limit: Option<u64>,
}

/// One row; `data` is `None` when it is not an object.
#[derive(Debug)]
pub struct Row {
    /// The session record.
    pub data: Option<Session>,
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            data: Option<MaybeSession>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum MaybeSession {
            Session(Box<Session>),
            Other(serde::de::IgnoredAny),
        }
        let w = Wire::deserialize(d)?;
        Ok(Row {
            data: match w.data {
                Some(MaybeSession::Session(s)) => Some(*s),
                _ => None,
            },
        })
    }
}

/// A user session (table `user-session-information`) or customer record
/// (`customer-information`); both share these fields.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Session {
    /// User id.
    pub user_id: Option<String>,
    /// User name.
    pub user_name: Option<String>,
    /// Current user status (`Ready`, `On Call`, `Wrap-up`, ...).
    pub user_status: Option<String>,
    /// Age of the current user status.
    #[serde(deserialize_with = "duration_seconds")]
    pub user_status_duration: Option<f64>,
    /// Campaign id.
    pub campaign_id: Option<i64>,
    /// Campaign name.
    pub campaign_name: Option<String>,
    /// Queue id.
    pub queue_id: Option<i64>,
    /// Queue name.
    pub queue_name: Option<String>,
    /// Interaction id (unique per customer contact).
    pub interaction_id: Option<String>,
    /// Channel of the interaction.
    pub channel_details: Option<ChannelDetails>,
    /// Customer connection status.
    pub customer_status: Option<String>,
    /// Age of the customer status.
    #[serde(deserialize_with = "duration_seconds")]
    pub customer_status_duration: Option<f64>,
    /// Whether the customer is waiting in queue.
    pub waiting: Option<bool>,
}

impl Session {
    /// The queue label: queue name, else campaign name, else the ids.
    pub fn queue_label(&self) -> Option<String> {
        let named = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        named(&self.queue_name)
            .or_else(|| named(&self.campaign_name))
            .or_else(|| self.queue_id.map(|i| format!("queue-{i}")))
            .or_else(|| self.campaign_id.map(|i| format!("campaign-{i}")))
    }
}

/// `channel_details`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ChannelDetails {
    /// `VOICE`, `CHAT`, ...
    pub channel_type: Option<String>,
}

/// An error body: `{statusCode, status, errorCode, errorMessage}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// HTTP status repeated.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// Status text.
    #[serde(default)]
    pub status: Option<String>,
    /// Vendor error code, e.g. `CONF-1002`.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Message.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// Durations arrive as `null`, a number of seconds, a numeric string or `HH:MM:SS`.
fn duration_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(f64),
        Text(String),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::Num(n)) if n.is_finite() && n >= 0.0 => Some(n),
        Some(Raw::Num(_)) => None,
        Some(Raw::Text(s)) => parse_duration_text(&s),
    })
}

/// `"42"`, `"42.5"` or `"01:02:03"` → seconds.
pub fn parse_duration_text(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return (n.is_finite() && n >= 0.0).then_some(n);
    }
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() == 3 {
        let h: f64 = parts[0].parse().ok()?;
        let m: f64 = parts[1].parse().ok()?;
        let sec: f64 = parts[2].parse().ok()?;
        return Some(h * 3600.0 + m * 60.0 + sec);
    }
    None
}

/// Parses one page. An error object in a 200 body is a vendor error.
pub fn parse_page(body: &[u8]) -> Result<Page, ParseError> {
    match serde_json::from_slice::<Page>(body) {
        Ok(p) => Ok(p),
        Err(e) => match serde_json::from_slice::<ErrorBody>(body) {
            Ok(eb) if eb.error_code.is_some() || eb.error_message.is_some() => {
                Err(ParseError::Vendor {
                    message: describe_error(&eb),
                    hint: hint_for(eb.status_code),
                })
            }
            _ => Err(ParseError::Decode(e.to_string())),
        },
    }
}

/// `CONF-1002 Unauthorized: Authentication token is missing or invalid.`
pub fn describe_error(e: &ErrorBody) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &e.error_code {
        parts.push(c.clone());
    }
    if let Some(s) = &e.status {
        parts.push(format!("{s}:"));
    }
    if let Some(m) = &e.error_message {
        parts.push(m.clone());
    }
    parts.join(" ").trim_end_matches(':').to_string()
}

/// What to tell the operator for a status code.
pub fn hint_for(status: Option<u16>) -> Option<String> {
    match status {
        Some(401) | Some(403) => Some("check username/password".to_string()),
        Some(404) => Some("check base_url and cc_id".to_string()),
        Some(429) => Some("rate limited (about 200 requests a minute); backing off".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor page's example, with its typographic quotes made ASCII.
    pub const EXAMPLE: &str =
        include_str!("../../../tests/fixtures/exotel/user-session-information.json");

    #[test]
    fn parses_documented_example() {
        let p = parse_page(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(p.response.len(), 1);
        let s = p.response[0].data.as_ref().unwrap();
        assert_eq!(s.user_id.as_deref(), Some("sachin_exe2"));
        assert_eq!(s.user_status.as_deref(), Some("Ready"));
        assert_eq!(s.user_status_duration, None);
        assert_eq!(s.queue_label().as_deref(), Some("monika_webchat"));
        assert_eq!(
            s.channel_details.as_ref().unwrap().channel_type.as_deref(),
            Some("VOICE")
        );
        assert_eq!(s.waiting, Some(false));
        let m = p.metadata.unwrap();
        assert_eq!(
            (m.total, m.count, m.offset, m.limit),
            (Some(1), Some(1), Some(0), Some(100))
        );
    }

    #[test]
    fn generic_example_with_string_data_is_skipped() {
        let body = br#"{"http_code":200,"method":"GET","request_id":"x","response":[{"data":"string"}],"metadata":{"total":1000,"count":50,"offset":5,"limit":50}}"#;
        let p = parse_page(body).unwrap();
        assert!(p.response[0].data.is_none());
        assert_eq!(p.metadata.unwrap().total, Some(1000));
    }

    #[test]
    fn durations_in_every_shape() {
        let body = br#"{"response":[{"data":{"user_status_duration":12.5}},{"data":{"user_status_duration":"30"}},{"data":{"user_status_duration":"01:00:05"}},{"data":{"user_status_duration":"soon"}}]}"#;
        let p = parse_page(body).unwrap();
        let d: Vec<_> = p
            .response
            .iter()
            .map(|r| r.data.as_ref().unwrap().user_status_duration)
            .collect();
        assert_eq!(d, vec![Some(12.5), Some(30.0), Some(3605.0), None]);
    }

    #[test]
    fn error_body_in_200_is_vendor_error_with_hint() {
        let body = br#"{ "statusCode": 401, "status": "Unauthorized", "errorCode": "CONF-1002", "errorMessage": "Authentication token is missing or invalid." }"#;
        match parse_page(body) {
            Err(ParseError::Vendor { message, hint }) => {
                assert_eq!(
                    message,
                    "CONF-1002 Unauthorized: Authentication token is missing or invalid."
                );
                assert_eq!(hint.as_deref(), Some("check username/password"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_is_decode_error() {
        assert!(matches!(
            parse_page(b"{\"response\": 5}"),
            Err(ParseError::Decode(_))
        ));
        assert!(matches!(parse_page(b"<html>"), Err(ParseError::Decode(_))));
    }
}
