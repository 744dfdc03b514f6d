//! A tolerant reader for the statistics API's XML lists:
//! `<list><record><field>text</field><group><field>text</field></group>…</record>…</list>`.
//!
//! Why not quick-xml's serde deserializer: the vendor page shows closing tags that do
//! not match their opening tags (`<post-process-time>70</post-proc-time>`,
//! `<recordinf-filename>…</recording-filename>`, `</recordss>`) and a list "closed" by a
//! second opening tag (`<statuses>…<statuses>`). Even with `check_end_names` off, serde
//! skips an unknown element by searching for its matching end name, so the last two
//! examples fail with `MissingEndTag`. This reader walks quick-xml events and tracks
//! nesting by depth alone, so it reads every example on the page; it is also several
//! times faster than the serde path, which matters for large agent status lists.
//!
//! Pinned behaviour (see the tests):
//! - an end tag closes the innermost open element whatever its name;
//! - an element that is empty (`<a></a>`, `<a />`, or only whitespace) is absent;
//! - unknown elements, text outside fields (the page's `...`) and comments are ignored;
//! - a body that ends while the list element is still open keeps the records read so
//!   far; a body that ends inside a record is a decode error (a cut-off record);
//! - a root element other than the expected list is a decode error naming it.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::http::ParseError;

/// A record type of one list: receives each non-empty field as it is read.
pub trait Record: Default {
    /// Stores one field. `group` is the enclosing element inside the record for nested
    /// fields (`accepted` for `<accepted><t0-5sec>8</t0-5sec></accepted>`), empty for
    /// direct fields. `text` is trimmed and never empty. Unknown names are ignored;
    /// an `Err` (a value of the wrong type) fails the whole body.
    fn set(&mut self, group: &[u8], name: &[u8], text: &str) -> Result<(), String>;
}

/// Field text, borrowed from the body unless entities split it.
enum Text<'a> {
    Empty,
    Borrowed(&'a str),
    Owned(String),
}

impl<'a> Text<'a> {
    fn push(&mut self, s: Cow<'a, str>) {
        *self = match std::mem::replace(self, Text::Empty) {
            Text::Empty => match s {
                Cow::Borrowed(b) => Text::Borrowed(b),
                Cow::Owned(o) => Text::Owned(o),
            },
            Text::Borrowed(b) => Text::Owned(format!("{b}{s}")),
            Text::Owned(mut o) => {
                o.push_str(&s);
                Text::Owned(o)
            }
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Text::Empty => "",
            Text::Borrowed(b) => b,
            Text::Owned(o) => o,
        }
    }
}

fn utf8(b: Cow<'_, [u8]>) -> Result<Cow<'_, str>, String> {
    match b {
        Cow::Borrowed(b) => std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|e| format!("invalid UTF-8: {e}")),
        Cow::Owned(v) => String::from_utf8(v)
            .map(Cow::Owned)
            .map_err(|e| format!("invalid UTF-8: {e}")),
    }
}

/// Parses a list body into records. `list` and `record` are the element names
/// (`statistics`, `statistic`).
pub fn parse_list<R: Record>(body: &[u8], list: &str, record: &str) -> Result<Vec<R>, ParseError> {
    let mut reader = Reader::from_reader(body);
    let cfg = reader.config_mut();
    cfg.check_end_names = false;
    cfg.expand_empty_elements = false;
    cfg.trim_text(false);

    let mut walk = ListWalk::new(list.as_bytes(), record.as_bytes());
    loop {
        let step = match reader.read_event() {
            Ok(ev) => walk.event(ev),
            Err(e) => Err(format!("malformed XML: {e}")),
        };
        match step {
            Ok(false) => {}
            Ok(true) => return Ok(walk.out),
            Err(msg) => {
                return Err(ParseError::Decode(format!(
                    "{msg} (at byte {})",
                    reader.buffer_position()
                )))
            }
        }
    }
}

/// Where [`parse_list`] is in the body: nesting by depth alone (the root list at
/// depth 1, a record at 2, a field or group at 3, a group's field at 4).
struct ListWalk<'b, 'n, R> {
    list: &'n [u8],
    record: &'n [u8],
    /// The records read so far.
    out: Vec<R>,
    depth: usize,
    root_seen: bool,
    /// The record open at depth 2, if it is one of `record`.
    cur: Option<R>,
    /// The element open at depth 3: a field, or a group once a child opens in it.
    name3: Vec<u8>,
    is_group: bool,
    /// The field open at depth 4.
    name4: Vec<u8>,
    /// The open field's text so far.
    text: Text<'b>,
}

impl<'b, 'n, R: Record> ListWalk<'b, 'n, R> {
    fn new(list: &'n [u8], record: &'n [u8]) -> Self {
        ListWalk {
            list,
            record,
            out: Vec::new(),
            depth: 0,
            root_seen: false,
            cur: None,
            name3: Vec::with_capacity(32),
            is_group: false,
            name4: Vec::with_capacity(32),
            text: Text::Empty,
        }
    }

    /// Takes one event; `Ok(true)` at the end of a complete list, `Err` with the
    /// message of a decode error.
    fn event(&mut self, ev: Event<'b>) -> Result<bool, String> {
        match ev {
            Event::Start(e) => self.start(e.name().as_ref())?,
            Event::Empty(e) => self.empty(e.name().as_ref())?,
            Event::Text(e) => {
                if self.in_field() {
                    self.text.push(utf8(e.into_inner())?);
                } else if self.depth == 0 && !e.iter().all(u8::is_ascii_whitespace) {
                    let s = String::from_utf8_lossy(&e);
                    return Err(format!(
                        "expected an XML <{}> list, got text {:?}",
                        String::from_utf8_lossy(self.list),
                        crate::http::summarize_body(s.as_bytes())
                    ));
                }
            }
            Event::CData(e) => {
                if self.in_field() {
                    self.text.push(utf8(e.into_inner())?);
                }
            }
            Event::GeneralRef(e) => {
                if self.in_field() {
                    let resolved = match e.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            let name = utf8(e.into_inner())?;
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => s.to_string(),
                                // An unknown entity is kept as written.
                                None => format!("&{name};"),
                            }
                        }
                    };
                    self.text.push(Cow::Owned(resolved));
                }
            }
            Event::End(_) => self.end()?,
            Event::Eof => {
                self.eof()?;
                return Ok(true);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        Ok(false)
    }

    /// Whether text now belongs to a field of a record.
    fn in_field(&self) -> bool {
        self.cur.is_some() && (self.depth == 3 && !self.is_group || self.depth == 4)
    }

    fn start(&mut self, name: &[u8]) -> Result<(), String> {
        self.depth += 1;
        match self.depth {
            1 => self.root(name)?,
            2 if name == self.record => self.cur = Some(R::default()),
            3 if self.cur.is_some() => {
                self.name3.clear();
                self.name3.extend_from_slice(name);
                self.is_group = false;
                self.text = Text::Empty;
            }
            4 if self.cur.is_some() => {
                self.is_group = true;
                self.name4.clear();
                self.name4.extend_from_slice(name);
                self.text = Text::Empty;
            }
            _ => {}
        }
        Ok(())
    }

    fn empty(&mut self, name: &[u8]) -> Result<(), String> {
        match self.depth {
            0 => self.root(name)?,
            // `<status/>`: a record with no fields still counts for paging.
            1 if name == self.record => self.out.push(R::default()),
            _ => {}
        }
        Ok(())
    }

    /// An end tag closes the innermost open element, whatever its name.
    fn end(&mut self) -> Result<(), String> {
        let index = self.out.len();
        match self.depth {
            4 => {
                if let Some(r) = self.cur.as_mut() {
                    set(r, &self.name3, &self.name4, &self.text, index)?;
                }
            }
            3 => {
                if let Some(r) = self.cur.as_mut().filter(|_| !self.is_group) {
                    set(r, b"", &self.name3, &self.text, index)?;
                }
                self.is_group = false;
            }
            2 => self.out.extend(self.cur.take()),
            _ => {}
        }
        self.text = Text::Empty;
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    /// The body ended: fine with the list still open, not inside a record.
    fn eof(&self) -> Result<(), String> {
        if !self.root_seen {
            return Err(format!(
                "expected an XML <{}> list, got an empty body",
                String::from_utf8_lossy(self.list)
            ));
        }
        if self.cur.is_some() {
            return Err(format!(
                "body ends inside <{}> record {}",
                String::from_utf8_lossy(self.record),
                self.out.len() + 1
            ));
        }
        Ok(())
    }

    fn root(&mut self, got: &[u8]) -> Result<(), String> {
        if got != self.list {
            return Err(format!(
                "expected an XML <{}> list, got <{}>",
                String::from_utf8_lossy(self.list),
                String::from_utf8_lossy(got)
            ));
        }
        self.root_seen = true;
        Ok(())
    }
}

/// Stores one field's trimmed text in `r` (nothing if empty); an error names the
/// record (1-based) and the field.
fn set<R: Record>(
    r: &mut R,
    group: &[u8],
    name: &[u8],
    text: &Text<'_>,
    index: usize,
) -> Result<(), String> {
    let t = text.as_str().trim();
    if t.is_empty() {
        return Ok(());
    }
    r.set(group, name, t)
        .map_err(|m| format!("record {} <{}>: {m}", index + 1, field_path(group, name)))
}

/// `name`, or `group/name` for a field inside a group element (as error messages and
/// records name it).
pub fn field_path(group: &[u8], name: &[u8]) -> String {
    if group.is_empty() {
        String::from_utf8_lossy(name).into_owned()
    } else {
        format!(
            "{}/{}",
            String::from_utf8_lossy(group),
            String::from_utf8_lossy(name)
        )
    }
}

/// `"24"` → 24; also `"24.0"`. A negative or fractional count is an error.
pub fn count(text: &str) -> Result<u64, String> {
    if let Ok(n) = text.parse::<u64>() {
        return Ok(n);
    }
    match text.parse::<f64>() {
        Ok(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e15 => Ok(f as u64),
        _ => Err(format!("not a count: {text:?}")),
    }
}

/// Seconds as a non-negative number.
pub fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 => Ok(f),
        _ => Err(format!("not a number of seconds: {text:?}")),
    }
}

/// `Yes`/`Y`/`true` and `No`/`N`/`false` (any case); anything else is unknown.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "1" => Some(true),
        "n" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// ISO 8601 with an offset: `2008-02-14T10:12:13-08:00`, `…Z`, `…-0800`, or the basic
/// form `20080214T101213-0800`, optionally with fractional seconds.
pub fn timestamp(text: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    use chrono::DateTime;
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y%m%dT%H%M%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, fmt) {
            return Ok(t);
        }
    }
    Err(format!("not an ISO 8601 time with offset: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error's message begins with `prefix`.
    fn starts_with(e: &impl std::fmt::Display, prefix: &str) {
        let text = e.to_string();
        assert!(text.starts_with(prefix), "{text}");
    }

    #[derive(Default, Debug, PartialEq)]
    struct Rec {
        fields: Vec<(String, String)>,
    }

    impl Record for Rec {
        fn set(&mut self, group: &[u8], name: &[u8], text: &str) -> Result<(), String> {
            let key = field_path(group, name);
            if key == "bad" {
                return Err("not a count: \"x\"".into());
            }
            self.fields.push((key, text.to_string()));
            Ok(())
        }
    }

    fn keys(r: &Rec) -> Vec<&str> {
        r.fields.iter().map(|(k, _)| k.as_str()).collect()
    }

    fn get<'a>(r: &'a Rec, k: &str) -> Option<&'a str> {
        r.fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn mismatched_end_tag_closes_the_open_field() {
        let body = b"<interactions><interaction><process-time>104</process-time>\
            <post-process-time>70</post-proc-time><finish-timestamp>x</finish-timestamp>\
            </interaction></interactions>";
        let r: Vec<Rec> = parse_list(body, "interactions", "interaction").unwrap();
        assert_eq!(get(&r[0], "post-process-time"), Some("70"));
        assert_eq!(get(&r[0], "finish-timestamp"), Some("x"));
    }

    #[test]
    fn empty_elements_are_absent_and_entities_resolve() {
        let body = b"<a><r><x></x><y /><z>  </z><n>Sales &amp; Support&#33;</n></r></a>";
        let r: Vec<Rec> = parse_list(body, "a", "r").unwrap();
        assert_eq!(keys(&r[0]), vec!["n"]);
        assert_eq!(get(&r[0], "n"), Some("Sales & Support!"));
    }

    #[test]
    fn groups_nest_one_level() {
        let body = b"<l><r><c>1</c><accepted>\n<t0-5sec>8</t0-5sec><t5-10sec></t5-10sec></accepted><d>2</d></r></l>";
        let r: Vec<Rec> = parse_list(body, "l", "r").unwrap();
        assert_eq!(keys(&r[0]), vec!["c", "accepted/t0-5sec", "d"]);
    }

    #[test]
    fn unclosed_list_keeps_records_but_a_cut_record_is_an_error() {
        let r: Vec<Rec> = parse_list(b"<l><r><c>1</c></r><l>", "l", "r").unwrap();
        assert_eq!(r.len(), 1);
        let e = parse_list::<Rec>(b"<l><r><c>1</c></r><r><c>2", "l", "r").unwrap_err();
        starts_with(&e, "body ends inside <r> record 2");
    }

    #[test]
    fn wrong_root_text_and_empty_body_are_decode_errors() {
        let e = parse_list::<Rec>(b"<html><body>Login</body></html>", "l", "r").unwrap_err();
        starts_with(&e, "expected an XML <l> list, got <html>");
        let e = parse_list::<Rec>(b"Forbidden", "l", "r").unwrap_err();
        starts_with(&e, "expected an XML <l> list, got text \"Forbidden\"");
        let e = parse_list::<Rec>(b"  \n", "l", "r").unwrap_err();
        assert!(e.to_string().contains("empty body"), "{e}");
        assert!(matches!(
            parse_list::<Rec>(b"<l><r><c>1</c></r></l>", "l", "r"),
            Ok(v) if v.len() == 1
        ));
    }

    #[test]
    fn empty_lists_and_empty_records() {
        let r: Vec<Rec> = parse_list(b"<?xml version='1.0'?><l/>", "l", "r").unwrap();
        assert!(r.is_empty());
        let r: Vec<Rec> = parse_list(b"<l></l>", "l", "r").unwrap();
        assert!(r.is_empty());
        let r: Vec<Rec> = parse_list(
            b"<l><r/><r>\n ... \n</r><other><r>9</r></other></l>",
            "l",
            "r",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| r.fields.is_empty()));
    }

    #[test]
    fn field_errors_name_record_and_field() {
        let e = parse_list::<Rec>(b"<l><r></r><r><bad>x</bad></r></l>", "l", "r").unwrap_err();
        starts_with(&e, "record 2 <bad>: not a count");
    }

    #[test]
    fn scalar_helpers() {
        assert_eq!(count("24"), Ok(24));
        assert_eq!(count("24.0"), Ok(24));
        assert!(count("-1").is_err());
        assert!(count("N/A").is_err());
        assert_eq!(seconds("845"), Ok(845.0));
        assert_eq!(yes_no("No"), Some(false));
        assert_eq!(yes_no("Y"), Some(true));
        assert_eq!(yes_no("maybe"), None);
        let t = timestamp("2008-02-22T13:30:00-07:00").unwrap();
        assert_eq!(t.timestamp(), 1203712200);
        for s in [
            "2008-02-22T20:30:00Z",
            "2008-02-22T13:30:00-0700",
            "20080222T133000-0700",
            "2008-02-22T13:30:00.000-07:00",
        ] {
            assert_eq!(timestamp(s).unwrap().timestamp(), 1203712200, "{s}");
        }
        assert!(timestamp("2008-02-22T13:30:00").is_err());
    }
}
