//! Normalized agent states and the vendor → normalized mapping (docs/metrics.md).
//!
//! Every vendor names agent states its own way; dashboards and alerts need one
//! vocabulary. Each vendor owns its default table (its `VendorSpec::STATES`); a source
//! may override or extend it with `state_map`. Names are compared after folding case and dropping
//! spaces, `-` and `_`, so `Wrap-up`, `WRAP_UP` and `wrap up` are the same state.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

/// The eight normalized agent states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgentState {
    /// Ready for the next interaction.
    Available,
    /// An interaction is being offered.
    Ringing,
    /// Handling an interaction.
    Busy,
    /// After-call work.
    WrapUp,
    /// On a break (aux/pause codes).
    Break,
    /// Logged in but not taking interactions.
    Unavailable,
    /// Logged out.
    Offline,
    /// A vendor state that maps to none of the above.
    Other,
}

impl AgentState {
    /// All states, in exposition order.
    pub const ALL: [AgentState; 8] = [
        AgentState::Available,
        AgentState::Ringing,
        AgentState::Busy,
        AgentState::WrapUp,
        AgentState::Break,
        AgentState::Unavailable,
        AgentState::Offline,
        AgentState::Other,
    ];

    /// The `state` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Available => "available",
            AgentState::Ringing => "ringing",
            AgentState::Busy => "busy",
            AgentState::WrapUp => "wrap_up",
            AgentState::Break => "break",
            AgentState::Unavailable => "unavailable",
            AgentState::Offline => "offline",
            AgentState::Other => "other",
        }
    }

    /// Index into [`AgentState::ALL`], for per-state arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AgentState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgentState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown normalized state {s:?} (expected one of: {})",
                    AgentState::ALL.map(|s| s.as_str()).join(", ")
                )
            })
    }
}

/// Folds a vendor state name for comparison: lower case, without spaces, `-` and `_`.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Maps one source's vendor state names to normalized states.
///
/// Unknown names map to [`AgentState::Other`] and are logged once per name and source
/// (a vendor adding a custom state must not flood the log every poll).
#[derive(Debug)]
pub struct StateMapper {
    source: String,
    table: HashMap<String, AgentState>,
    warned: Mutex<HashSet<String>>,
}

impl StateMapper {
    /// Builds the mapper from a vendor's default table plus `overrides`
    /// (vendor state name → normalized state), which win over the defaults.
    pub fn new(
        source: &str,
        defaults: &[(&str, AgentState)],
        overrides: &HashMap<String, AgentState>,
    ) -> Self {
        let mut table: HashMap<String, AgentState> = defaults
            .iter()
            .map(|(name, st)| (fold(name), *st))
            .collect();
        for (name, st) in overrides {
            table.insert(fold(name), *st);
        }
        StateMapper {
            source: source.to_string(),
            table,
            warned: Mutex::new(HashSet::new()),
        }
    }

    /// The normalized state of a vendor state name.
    pub fn map(&self, vendor_state: &str) -> AgentState {
        if let Some(st) = self.table.get(&fold(vendor_state)) {
            return *st;
        }
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if warned.len() < 1000 && warned.insert(vendor_state.to_string()) {
            tracing::warn!(
                source = %self.source,
                vendor_state = %vendor_state,
                "unknown vendor state, counted as \"other\" (add it to state_map to map it)"
            );
        }
        AgentState::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_spaces_dashes_underscores() {
        assert_eq!(fold("Wrap-up"), "wrapup");
        assert_eq!(fold("WRAP_UP"), "wrapup");
        assert_eq!(fold("wrap up"), "wrapup");
    }

    #[test]
    fn defaults_and_overrides() {
        let defaults = [
            ("WAITING4CALL", AgentState::Available),
            ("AUX", AgentState::Break),
        ];
        let mut ov = HashMap::new();
        ov.insert("aux".to_string(), AgentState::Unavailable);
        ov.insert("LUNCH".to_string(), AgentState::Break);
        let m = StateMapper::new("s", &defaults, &ov);
        assert_eq!(m.map("WAITING4CALL"), AgentState::Available);
        assert_eq!(m.map("waiting4call"), AgentState::Available);
        assert_eq!(m.map("AUX"), AgentState::Unavailable);
        assert_eq!(m.map("lunch"), AgentState::Break);
        assert_eq!(m.map("SOMETHING_NEW"), AgentState::Other);
    }

    #[test]
    fn parse_normalized_state() {
        assert_eq!("wrap_up".parse::<AgentState>(), Ok(AgentState::WrapUp));
        assert!("wrapup".parse::<AgentState>().is_err());
    }
}
