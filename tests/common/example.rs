//! One healthy source for the tests of the daemon itself (HTTP interface, lifecycle,
//! service protocol): an Exotel mock answering the vendor's documented example, and
//! the config entry and sample names that go with it.

use super::{Mock, MockResponse};

/// The documented `user-session-information` example.
pub const EXAMPLE: &str = include_str!("../fixtures/exotel/user-session-information.json");
/// An empty table.
pub const EMPTY: &str = r#"{"response": [], "metadata": {"total": 0}}"#;

/// A mock that answers the documented example: one available agent.
pub fn exotel_mock() -> Mock {
    Mock::start(|r| match r.param("table-name") {
        Some("user-session-information") => MockResponse::json(EXAMPLE),
        _ => MockResponse::json(EMPTY),
    })
}

/// A `sources:` entry named `name` polling `mock` every second, plus `extra` lines.
pub fn source_yaml(name: &str, mock: &Mock, extra: &str) -> String {
    format!(
        "  - name: {name}\n    vendor: exotel\n    base_url: {}\n    cc_id: 6\n    username: api\n    password: pw-Secret-4711\n    interval: 1s\n    timeout: 500ms\n{extra}",
        mock.url("")
    )
}

/// `contact_center_source_up` of source `name`.
pub fn up(name: &str) -> String {
    format!(r#"contact_center_source_up{{source="{name}",vendor="exotel"}}"#)
}

/// The available agents of source `name` (1 in the example).
pub fn agents_available(name: &str) -> String {
    format!(r#"contact_center_agents{{source="{name}",vendor="exotel",state="available"}}"#)
}

/// A whole config with one [`source_yaml`] entry per name, all polling `mock`.
pub fn config(names: &[&str], mock: &Mock) -> String {
    let entries: String = names.iter().map(|n| source_yaml(n, mock, "")).collect();
    format!("sources:\n{entries}")
}
