//! The vendor registry: one folder per vendor, one line per vendor in [`REGISTRY`].
//!
//! Each vendor folder holds everything that knows its format: `config.rs` (its keys),
//! `api.rs` (requests, auth, paging), `types.rs` (wire structs and pure parsers),
//! `mod.rs` (wire → [`crate::model::Snapshot`], and its [`crate::vendor::VendorSpec`])
//! and `simulate.rs` (its API for `--demo` and the tests). docs/adding-a-vendor.md is
//! the checklist.

pub mod amazon_connect;
pub mod eight_by_eight;
pub mod eight_by_eight_analytics;
pub mod exotel;
pub mod genesys_cloud;
pub mod twilio_taskrouter;
pub mod vcc_live;
pub mod voximplant;

pub use crate::http::{ParseError, SourceError};
pub use crate::vendor::{Source, Vendor};

/// Every vendor, in the order `--demo` starts them and error messages list them.
pub static REGISTRY: &[Vendor] = &[
    Vendor::new(&vcc_live::VENDOR),
    Vendor::new(&voximplant::VENDOR),
    Vendor::new(&eight_by_eight::VENDOR),
    Vendor::new(&exotel::VENDOR),
    Vendor::new(&eight_by_eight_analytics::VENDOR),
    Vendor::new(&twilio_taskrouter::VENDOR),
    Vendor::new(&genesys_cloud::VENDOR),
    Vendor::new(&amazon_connect::VENDOR),
];

/// The vendor whose `vendor:` value is `name`.
pub fn find(name: &str) -> Option<Vendor> {
    REGISTRY.iter().copied().find(|v| v.as_str() == name)
}

/// Every vendor-specific key of every vendor, each once, in registry order (to tell
/// a key of another vendor from a typo).
pub fn all_vendor_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for v in REGISTRY {
        for k in v.keys() {
            if !keys.contains(k) {
                keys.push(k);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::state::{AgentState, StateMapper};

    fn mapper(vendor: &str, ov: &HashMap<String, AgentState>) -> StateMapper {
        StateMapper::new("s", find(vendor).unwrap().states(), ov)
    }

    #[test]
    fn default_tables_and_overrides() {
        let mut ov = HashMap::new();
        ov.insert("aux".to_string(), AgentState::Unavailable);
        ov.insert("LUNCH".to_string(), AgentState::Break);
        let m = mapper("vcc_live", &ov);
        assert_eq!(m.map("WAITING4CALL"), AgentState::Available);
        assert_eq!(m.map("waiting4call"), AgentState::Available);
        assert_eq!(m.map("AUX"), AgentState::Unavailable);
        assert_eq!(m.map("lunch"), AgentState::Break);
        assert_eq!(m.map("SOMETHING_NEW"), AgentState::Other);

        let e = mapper("exotel", &HashMap::new());
        assert_eq!(e.map("wrap up"), AgentState::WrapUp);
        assert_eq!(e.map("On Call"), AgentState::Busy);
        assert_eq!(e.map("NOT_READY"), AgentState::Unavailable);
    }

    #[test]
    fn every_vendor_table_maps_each_of_its_names() {
        for v in REGISTRY {
            assert!(!v.states().is_empty(), "{v} has no state table");
            for (name, _) in v.states() {
                assert_ne!(
                    StateMapper::new("s", v.states(), &HashMap::new()).map(name),
                    AgentState::Other
                );
            }
        }
    }

    #[test]
    fn registry_names_are_unique_and_found() {
        let names: Vec<&str> = REGISTRY.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            [
                "vcc_live",
                "voximplant",
                "eight_by_eight",
                "exotel",
                "eight_by_eight_analytics",
                "twilio_taskrouter",
                "genesys_cloud",
                "amazon_connect"
            ]
        );
        for n in names {
            assert_eq!(find(n).map(|v| v.as_str()), Some(n));
        }
        assert!(find("genesys").is_none());
    }

    #[test]
    fn vendor_keys_come_from_each_key_struct() {
        assert_eq!(
            find("exotel").unwrap().keys(),
            [
                "cc_id",
                "username",
                "password",
                "password_file",
                "page_size"
            ]
        );
        assert_eq!(
            find("voximplant").unwrap().keys(),
            ["credentials_file", "acd_queues"]
        );
        // token is shared by two vendors and listed once.
        let all = all_vendor_keys();
        assert_eq!(all.iter().filter(|k| **k == "token").count(), 1);
        assert!(all.contains(&"agent_statistics") && all.contains(&"customer"));
    }
}
