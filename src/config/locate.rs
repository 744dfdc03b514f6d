//! Finds the line and column of a key path (`sources[1].timeout`) in YAML text.
//!
//! serde reports positions only for errors it finds while decoding; checks that span
//! several fields run afterwards, so they look their key up here to point the operator
//! at the right line.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

enum Frame {
    /// A mapping: `key` is the pending key once read, `None` while expecting one.
    Map { key: Option<String> },
    /// A sequence and the index of its next item.
    Seq { next: usize },
}

struct Collector {
    want: String,
    /// Find the value of the key at `want` rather than the key itself.
    want_value: bool,
    stack: Vec<Frame>,
    path: Vec<String>,
    found: Option<(usize, usize)>,
    /// The item found is a collection whose position is refined at its first key.
    found_pending: bool,
}

impl Collector {
    fn current_path(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            if seg.starts_with('[') || out.is_empty() {
                out.push_str(seg);
            } else {
                out.push('.');
                out.push_str(seg);
            }
        }
        out
    }

    /// Called when a node (scalar or collection start) begins. Returns true when the
    /// node is a mapping key (which is recorded instead of descended into).
    fn begin_node(&mut self, scalar: Option<&str>, mark: Marker) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) if key.is_none() => {
                let k = scalar.unwrap_or("?").to_string();
                *key = Some(k.clone());
                // A block mapping's start event is marked at its first `:`; point at
                // the first key instead when the mapping itself is what we look for.
                if self.found_pending && self.current_path() == self.want {
                    self.found = Some((mark.line(), mark.col() + 1));
                }
                self.found_pending = false;
                self.path.push(k);
                if !self.want_value && self.found.is_none() && self.current_path() == self.want {
                    self.found = Some((mark.line(), mark.col() + 1));
                }
                self.path.pop();
                true
            }
            Some(Frame::Map { key }) => {
                let k = key.clone().unwrap_or_default();
                self.path.push(k);
                if self.want_value && self.found.is_none() && self.current_path() == self.want {
                    self.found = Some((mark.line(), mark.col() + 1));
                }
                false
            }
            Some(Frame::Seq { next }) => {
                let i = *next;
                *next += 1;
                self.path.push(format!("[{i}]"));
                if self.found.is_none() && self.current_path() == self.want {
                    self.found = Some((mark.line(), mark.col() + 1));
                    self.found_pending = true;
                }
                false
            }
            None => false,
        }
    }

    /// Called when a value node ends (after a scalar, or at a collection's end).
    fn end_value(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) => {
                *key = None;
                self.path.pop();
            }
            Some(Frame::Seq { .. }) => {
                self.path.pop();
            }
            None => {}
        }
    }
}

impl MarkedEventReceiver for Collector {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) if !self.begin_node(Some(&value), mark) => self.end_value(),
            Event::Alias(_) if !self.begin_node(None, mark) => self.end_value(),
            Event::MappingStart(..) => {
                self.begin_node(None, mark);
                self.stack.push(Frame::Map { key: None });
            }
            Event::SequenceStart(..) => {
                self.begin_node(None, mark);
                self.stack.push(Frame::Seq { next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.end_value();
            }
            _ => {}
        }
    }
}

/// `(line, column)`, both 1-based, of the key or sequence item at `path`.
pub fn position(text: &str, path: &str) -> Option<(usize, usize)> {
    find(text, path, false)
}

/// `(line, column)`, both 1-based, of the value of the key at `path` (where a wrong
/// type is, as serde reports it while reading the document).
pub fn value_position(text: &str, path: &str) -> Option<(usize, usize)> {
    find(text, path, true)
}

fn find(text: &str, path: &str, want_value: bool) -> Option<(usize, usize)> {
    let mut c = Collector {
        want: path.to_string(),
        want_value,
        stack: Vec::new(),
        path: Vec::new(),
        found: None,
        found_pending: false,
    };
    let mut parser = Parser::new_from_str(text);
    // A syntax error after the key we want does not matter; before it, we find nothing.
    let _ = parser.load(&mut c, false);
    c.found
}

#[cfg(test)]
mod tests {
    use super::{position, value_position};

    const DOC: &str = "global:\n  interval: 30s\nsources:\n  - name: a\n    vendor: acme\n  - name: b\n    timeout: 5s\n    nested:\n      - x: 1\n";

    #[test]
    fn finds_keys_and_items() {
        assert_eq!(position(DOC, "global.interval"), Some((2, 3)));
        assert_eq!(position(DOC, "sources[0]"), Some((4, 5)));
        assert_eq!(position(DOC, "sources[1].name"), Some((6, 5)));
        assert_eq!(position(DOC, "sources[1].timeout"), Some((7, 5)));
        assert_eq!(position(DOC, "sources[1].nested[0].x"), Some((9, 9)));
        assert_eq!(position(DOC, "sources[2]"), None);
    }

    #[test]
    fn finds_values() {
        assert_eq!(value_position(DOC, "global.interval"), Some((2, 13)));
        assert_eq!(value_position(DOC, "sources[0].vendor"), Some((5, 13)));
        assert_eq!(value_position(DOC, "sources[1].nested[0].x"), Some((9, 12)));
    }
}
