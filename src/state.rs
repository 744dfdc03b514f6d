//! Normalized agent states and the vendor → normalized mapping (docs/metrics.md).
//!
//! Every vendor names agent states its own way; dashboards and alerts need one
//! vocabulary. Each vendor owns its default table (its `VendorSpec::STATES`); a source
//! may override or extend it with `state_map`. Names are compared after folding case and dropping
//! spaces, `-` and `_`, so `Wrap-up`, `WRAP_UP` and `wrap up` are the same state.
//!
//! A name neither table knows falls back on what the vendor's own data says of it, where
//! it says something (a TaskRouter Activity's `available` flag, an Amazon Connect custom
//! status): the source reports such fallbacks with each poll ([`StateMapper::learn`]).
//! Only what no one names is `other`. The order, first match wins: `state_map`, the
//! vendor's table, the vendor's fallback, `other`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, RwLock};

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

/// Vendor state names with the normalized state the vendor's own data implies for
/// them ([`StateMapper::learn`]).
pub type StateFallbacks = Vec<(String, AgentState)>;

/// Folds a vendor state name for comparison: lower case, without spaces, `-` and `_`.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Maps one source's vendor state names to normalized states.
///
/// Names the tables do not know take the vendor's fallback ([`StateMapper::learn`]), else
/// [`AgentState::Other`]; either is logged once per name and source (a vendor adding a
/// custom state must not flood the log every poll).
#[derive(Debug)]
pub struct StateMapper {
    source: String,
    table: HashMap<String, AgentState>,
    /// Folded name → the state the vendor's own data implies, for names `table` lacks.
    fallbacks: RwLock<HashMap<String, AgentState>>,
    warned: Mutex<HashSet<String>>,
}

/// At most this many fallbacks and warned names are kept per source: a vendor sending a
/// new state name every poll must not grow memory without bound.
const MAX_REMEMBERED_NAMES: usize = 1000;

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
            fallbacks: RwLock::new(HashMap::new()),
            warned: Mutex::new(HashSet::new()),
        }
    }

    /// Takes the vendor's fallbacks (vendor state name → the state its own data implies,
    /// e.g. an Activity flagged available). They apply only to names neither `state_map`
    /// nor the vendor's table knows, and are kept for the life of the mapper (the source
    /// reports them again with every poll, so a name the vendor renames is picked up).
    pub fn learn<'a>(&self, fallbacks: impl IntoIterator<Item = &'a (String, AgentState)>) {
        let mut known = self.fallbacks.write().unwrap_or_else(|e| e.into_inner());
        for (name, st) in fallbacks {
            let key = fold(name);
            if self.table.contains_key(&key) || known.get(&key) == Some(st) {
                continue;
            }
            if known.len() >= MAX_REMEMBERED_NAMES && !known.contains_key(&key) {
                continue;
            }
            tracing::info!(
                source = %self.source,
                vendor_state = %name,
                state = %st,
                "vendor state mapped by the vendor's own flag (add it to state_map to map it otherwise)"
            );
            known.insert(key, *st);
        }
    }

    /// The fallbacks learned so far (to carry them to a source's next mapper on reload).
    pub fn fallbacks(&self) -> StateFallbacks {
        let known = self.fallbacks.read().unwrap_or_else(|e| e.into_inner());
        known.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// The normalized state of a vendor state name.
    pub fn map(&self, vendor_state: &str) -> AgentState {
        let key = fold(vendor_state);
        if let Some(st) = self.table.get(&key) {
            return *st;
        }
        if let Some(st) = self
            .fallbacks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return *st;
        }
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if warned.len() < MAX_REMEMBERED_NAMES && warned.insert(vendor_state.to_string()) {
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
    fn fallbacks_fill_only_what_the_tables_leave_open() {
        let defaults = [("Break", AgentState::Break)];
        let mut ov = HashMap::new();
        ov.insert("Coaching".to_string(), AgentState::Busy);
        let m = StateMapper::new("s", &defaults, &ov);
        assert_eq!(m.map("Email follow-up"), AgentState::Other);
        m.learn(&[
            ("Email follow-up".to_string(), AgentState::Available),
            ("Break".to_string(), AgentState::Unavailable),
            ("Coaching".to_string(), AgentState::Unavailable),
            ("Lunch".to_string(), AgentState::Unavailable),
        ]);
        // The vendor's flag names what no table names ...
        assert_eq!(m.map("email_follow_up"), AgentState::Available);
        assert_eq!(m.map("Lunch"), AgentState::Unavailable);
        // ... and never overrules the vendor's table or state_map.
        assert_eq!(m.map("Break"), AgentState::Break);
        assert_eq!(m.map("Coaching"), AgentState::Busy);
        // A flag that changes is taken (the vendor's data is the truth for the name).
        m.learn(&[("Lunch".to_string(), AgentState::Break)]);
        assert_eq!(m.map("Lunch"), AgentState::Break);
        let mut carried = m.fallbacks();
        carried.sort();
        assert_eq!(
            carried,
            vec![
                ("emailfollowup".to_string(), AgentState::Available),
                ("lunch".to_string(), AgentState::Break),
            ]
        );
    }

    #[test]
    fn fallbacks_are_bounded() {
        let m = StateMapper::new("s", &[], &HashMap::new());
        let many: Vec<(String, AgentState)> = (0..MAX_REMEMBERED_NAMES + 50)
            .map(|i| (format!("custom {i}"), AgentState::Unavailable))
            .collect();
        m.learn(&many);
        assert_eq!(m.fallbacks().len(), MAX_REMEMBERED_NAMES);
        assert_eq!(m.map("custom 0"), AgentState::Unavailable);
        assert_eq!(
            m.map(&format!("custom {}", MAX_REMEMBERED_NAMES + 10)),
            AgentState::Other
        );
    }

    #[test]
    fn parse_normalized_state() {
        assert_eq!("wrap_up".parse::<AgentState>(), Ok(AgentState::WrapUp));
        assert!("wrapup".parse::<AgentState>().is_err());
    }
}
