//! Which exposition format a `/metrics` request gets, from its `Accept` header.
//!
//! Prometheus 2.x asks every target
//! `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`;
//! curl, browsers and most other agents send nothing or `*/*`. The text format 0.0.4
//! stays the answer unless a client prefers OpenMetrics, so nothing changes for clients
//! that do not ask.
//!
//! The choice follows RFC 9110 §12.5.1: each format we offer gets the quality of the
//! most specific media range that matches it (`type/subtype;version=…` over
//! `type/subtype` over `type/*` over `*/*`), and the format with the highest quality
//! wins. Ties go to the format whose range is more specific, then to the range the
//! client listed first (as client_golang's negotiation does), then to the text format.
//! A header that accepts none of the formats still gets the text format rather than
//! `406`: a scrape that fails helps nobody, and every Prometheus client reads text 0.0.4.

/// An exposition format this exporter can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4 (the default).
    Text,
    /// OpenMetrics text 1.0.0.
    OpenMetrics,
    /// OpenMetrics text as requested with `version=0.0.1`: the same bytes as
    /// [`Format::OpenMetrics`] (0.0.1 is the draft that became 1.0.0 and the body uses
    /// nothing that differs), labelled with the version the client asked for, as
    /// client_golang does.
    OpenMetrics001,
}

/// The formats in the order the server prefers them when the client is indifferent.
const OFFERS: [Format; 3] = [Format::Text, Format::OpenMetrics, Format::OpenMetrics001];

impl Format {
    /// The `Content-Type` header value of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => crate::metrics::CONTENT_TYPE,
            Format::OpenMetrics => crate::openmetrics::CONTENT_TYPE,
            Format::OpenMetrics001 => crate::openmetrics::CONTENT_TYPE_0_0_1,
        }
    }

    /// Whether the body is OpenMetrics text (either version).
    pub fn is_openmetrics(self) -> bool {
        matches!(self, Format::OpenMetrics | Format::OpenMetrics001)
    }

    /// The format for a request whose `Accept` header values are `accept` (all of its
    /// `Accept` lines; none when the header is absent).
    pub fn negotiate<'a>(accept: impl IntoIterator<Item = &'a str>) -> Format {
        let ranges: Vec<MediaRange<'_>> = accept
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(MediaRange::parse)
            .collect();
        if ranges.is_empty() {
            return Format::Text;
        }
        let mut best: Option<(Candidate, Format)> = None;
        for (preference, offer) in OFFERS.into_iter().enumerate() {
            let Some(c) = ranges
                .iter()
                .enumerate()
                .filter_map(|(order, r)| {
                    r.specificity(offer).map(|specificity| Candidate {
                        q: r.q,
                        specificity,
                        order,
                        preference,
                    })
                })
                // The most specific range decides; among equally specific ones the first.
                .max_by(|a, b| {
                    a.specificity
                        .cmp(&b.specificity)
                        .then(b.order.cmp(&a.order))
                })
            else {
                continue;
            };
            if c.q == 0 {
                continue;
            }
            if best.as_ref().is_none_or(|(b, _)| c.beats(b)) {
                best = Some((c, offer));
            }
        }
        best.map(|(_, f)| f).unwrap_or(Format::Text)
    }
}

/// How well one offered format is accepted.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Quality in thousandths (RFC 9110 allows three decimals).
    q: u16,
    specificity: u8,
    /// Position of the deciding range in the header.
    order: usize,
    /// Position of the format in [`OFFERS`].
    preference: usize,
}

impl Candidate {
    fn beats(&self, other: &Candidate) -> bool {
        (self.q, self.specificity, other.order, other.preference)
            > (other.q, other.specificity, self.order, self.preference)
    }
}

/// One element of an `Accept` header.
#[derive(Debug)]
struct MediaRange<'a> {
    kind: &'a str,
    subtype: &'a str,
    version: Option<&'a str>,
    q: u16,
}

impl<'a> MediaRange<'a> {
    /// Parses `type/subtype;param=value;…`; None for an element that is not a media
    /// range or carries an unreadable `q` (ignored rather than guessed at).
    fn parse(element: &'a str) -> Option<Self> {
        let mut parts = element.split(';').map(str::trim);
        let (kind, subtype) = parts.next()?.split_once('/')?;
        let (kind, subtype) = (kind.trim(), subtype.trim());
        if kind.is_empty() || subtype.is_empty() {
            return None;
        }
        let mut range = MediaRange {
            kind,
            subtype,
            version: None,
            q: 1000,
        };
        for p in parts {
            let Some((name, value)) = p.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match name.trim() {
                n if n.eq_ignore_ascii_case("q") => range.q = parse_q(value)?,
                n if n.eq_ignore_ascii_case("version") => range.version = Some(value),
                // charset, escaping (Prometheus 3) and the like do not change what we send.
                _ => {}
            }
        }
        Some(range)
    }

    /// How specifically this range names `offer` (higher is more specific), or None
    /// when it does not match it.
    fn specificity(&self, offer: Format) -> Option<u8> {
        let (kind, subtype, versions): (&str, &str, &[&str]) = match offer {
            Format::Text => ("text", "plain", &["0.0.4"]),
            Format::OpenMetrics => ("application", "openmetrics-text", &["1.0.0"]),
            Format::OpenMetrics001 => ("application", "openmetrics-text", &["0.0.1"]),
        };
        if self.kind == "*" {
            return (self.subtype == "*").then_some(0);
        }
        if !self.kind.eq_ignore_ascii_case(kind) {
            return None;
        }
        if self.subtype == "*" {
            return Some(1);
        }
        if !self.subtype.eq_ignore_ascii_case(subtype) {
            return None;
        }
        match self.version {
            Some(v) if versions.contains(&v) => Some(3),
            Some(_) => None,
            // An unversioned OpenMetrics request gets the current version, not the draft.
            None if offer == Format::OpenMetrics001 => None,
            None => Some(2),
        }
    }
}

/// `q` as thousandths: `0`, `0.5`, `1`, `1.000`; None for anything else.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_thousandths),
        "1" if frac_thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Format::{self, OpenMetrics, OpenMetrics001, Text};
    use super::*;

    const PROMETHEUS_2: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    const PROMETHEUS_3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3";

    fn neg(h: &str) -> Format {
        Format::negotiate([h])
    }

    #[test]
    fn prometheus_gets_openmetrics() {
        assert_eq!(neg(PROMETHEUS_2), OpenMetrics);
        assert_eq!(neg(PROMETHEUS_3), OpenMetrics);
        // Prometheus 2.x with `scrape_protocols: [PrometheusText0.0.4]`.
        assert_eq!(neg("text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), Text);
    }

    #[test]
    fn no_header_or_wildcards_get_text() {
        assert_eq!(Format::negotiate([]), Text);
        assert_eq!(neg(""), Text);
        assert_eq!(neg("*/*"), Text);
        assert_eq!(neg("text/*"), Text);
        assert_eq!(neg("text/html,application/xhtml+xml,*/*;q=0.8"), Text);
        // Nothing acceptable: still text, not 406.
        assert_eq!(neg("application/json"), Text);
        assert_eq!(neg("garbage"), Text);
    }

    #[test]
    fn q_values_decide() {
        assert_eq!(
            neg("text/plain;q=0.4, application/openmetrics-text;q=0.5"),
            OpenMetrics
        );
        assert_eq!(
            neg("text/plain;q=0.6, application/openmetrics-text;q=0.5"),
            Text
        );
        assert_eq!(
            neg("application/openmetrics-text; version=1.0.0; q=0.001, text/plain; q=0"),
            OpenMetrics
        );
        // q=0 refuses, even when a wildcard would accept it.
        assert_eq!(neg("text/plain;q=0, */*"), OpenMetrics);
        assert_eq!(neg("application/openmetrics-text;q=0, */*;q=0.1"), Text);
        // An unreadable q drops that element only.
        assert_eq!(neg("application/openmetrics-text;q=high, text/plain"), Text);
        assert_eq!(parse_q("0.75"), Some(750));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("0.0001"), None);
        assert_eq!(parse_q("-0"), None);
    }

    #[test]
    fn equal_quality_goes_to_the_first_listed_then_to_text() {
        assert_eq!(neg("application/openmetrics-text, text/plain"), OpenMetrics);
        assert_eq!(neg("text/plain, application/openmetrics-text"), Text);
        // A named format beats the wildcard at the same quality.
        assert_eq!(neg("*/*, application/openmetrics-text"), OpenMetrics);
        assert_eq!(neg("application/*"), OpenMetrics);
    }

    #[test]
    fn openmetrics_versions() {
        assert_eq!(neg("application/openmetrics-text"), OpenMetrics);
        assert_eq!(
            neg("application/openmetrics-text;version=1.0.0"),
            OpenMetrics
        );
        assert_eq!(
            neg("application/openmetrics-text;version=0.0.1"),
            OpenMetrics001
        );
        assert_eq!(
            neg("application/openmetrics-text;version=\"0.0.1\";q=0.9,text/plain;q=0.5"),
            OpenMetrics001
        );
        // A version we do not speak is not accepted by that range.
        assert_eq!(
            neg("application/openmetrics-text;version=2.0.0,text/plain;q=0.1"),
            Text
        );
        assert_eq!(
            neg("Application/OpenMetrics-Text; Version=1.0.0"),
            OpenMetrics
        );
        assert_eq!(
            OpenMetrics001.content_type(),
            "application/openmetrics-text; version=0.0.1; charset=utf-8"
        );
        assert!(OpenMetrics001.is_openmetrics() && !Text.is_openmetrics());
    }

    #[test]
    fn several_accept_lines_are_one_list() {
        assert_eq!(
            Format::negotiate(["text/plain;q=0.5", "application/openmetrics-text"]),
            OpenMetrics
        );
    }
}
