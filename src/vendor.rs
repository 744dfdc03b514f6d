//! What a vendor is to the core: a [`Descriptor`] (its `vendor:` name, its keys, its
//! default state table, how to build its source and its demo API) and the [`Source`]
//! trait its poller implements.
//!
//! This module sits below both the config loader and `sources/`: the loader finds a
//! vendor by name in the registry (`sources::REGISTRY`) and hands it the rest of the
//! entry; nothing here or in the core names a vendor. A vendor implements
//! [`VendorSpec`] once, in its own folder, and [`Descriptor::of`] turns that into the
//! one registry line.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use async_trait::async_trait;

pub use crate::vendor_keys::{Entry, FieldError, Settings, VendorConfig};

use crate::http::{PollContext, SourceError};
use crate::model::Snapshot;
use crate::simulator::SimulatedApi;
use crate::state::AgentState;

/// One vendor source. A source is small and async, keeps whatever it needs to fetch
/// incrementally next time, and knows nothing of Prometheus.
#[async_trait]
pub trait Source: Send {
    /// Fetches what changed since the last successful poll and returns it normalized.
    /// On error nothing the source keeps may have advanced: the next poll retries the
    /// same data, so that nothing is lost or counted twice.
    async fn poll(&mut self, ctx: &PollContext) -> Result<Snapshot, SourceError>;
}

/// Everything that knows one vendor's format, implemented once in the vendor's folder.
pub trait VendorSpec: 'static {
    /// The `vendor:` config value and the `vendor` label.
    const NAME: &'static str;
    /// The product name a user knows (`8x8 Contact Center`), for `--help`, the man page
    /// and the README; the config value when the vendor declares none.
    const TITLE: &'static str = Self::NAME;
    /// The default vendor state → normalized state table (`state_map` overrides it).
    const STATES: &'static [(&'static str, AgentState)];
    /// Whether the vendor reports each agent (an id and a state), so that per-agent
    /// series and status-page rows exist; `false` for a vendor that reports only how
    /// many agents are in each state (Genesys Cloud's status counts).
    const EACH_AGENT: bool = true;
    /// The vendor's own keys of a `sources:` entry as written: a strict
    /// (`deny_unknown_fields`) struct whose field names are the accepted keys.
    type Keys: serde::de::DeserializeOwned;
    /// The validated settings its source runs with.
    type Config: Settings + PartialEq + Clone;
    /// Validates the decoded keys (`entry` gives the common `base_url` and the helpers
    /// for secrets and required keys).
    fn config(keys: Self::Keys, entry: &Entry) -> Result<Self::Config, FieldError>;
    /// The poller of one configured source.
    fn source(name: &str, config: &Self::Config) -> Box<dyn Source>;
    /// For `--demo`: the vendor's simulated API and a config pointing a source at it;
    /// `base_url` is where the simulator mounts it.
    fn demo(base_url: &url::Url) -> (Self::Config, Box<dyn SimulatedApi>);
}

/// A vendor as the registry lists it: [`VendorSpec`] with the types erased, so that the
/// core can hold every vendor in one table.
pub struct Descriptor {
    name: &'static str,
    title: &'static str,
    states: &'static [(&'static str, AgentState)],
    each_agent: bool,
    keys: fn() -> &'static [&'static str],
    secret_keys: fn() -> Vec<&'static str>,
    check: fn(&Entry) -> Result<(), FieldError>,
    config: fn(&Entry) -> Result<VendorConfig, FieldError>,
    source: fn(&str, &VendorConfig) -> Option<Box<dyn Source>>,
    demo: fn(&url::Url) -> (VendorConfig, Box<dyn SimulatedApi>),
}

impl Descriptor {
    /// The descriptor of vendor `V`.
    pub const fn of<V: VendorSpec>() -> Self {
        Descriptor {
            name: V::NAME,
            title: V::TITLE,
            states: V::STATES,
            each_agent: V::EACH_AGENT,
            keys: crate::vendor_keys::struct_fields::<V::Keys>,
            secret_keys: crate::vendor_keys::secret_fields::<V::Keys>,
            check: check::<V>,
            config: config::<V>,
            source: source::<V>,
            demo: demo::<V>,
        }
    }
}

fn check<V: VendorSpec>(entry: &Entry) -> Result<(), FieldError> {
    entry.decode::<V::Keys>().map(|_| ())
}

fn config<V: VendorSpec>(entry: &Entry) -> Result<VendorConfig, FieldError> {
    let keys = entry.decode::<V::Keys>()?;
    V::config(keys, entry).map(VendorConfig::new)
}

fn source<V: VendorSpec>(name: &str, cfg: &VendorConfig) -> Option<Box<dyn Source>> {
    cfg.downcast::<V::Config>().map(|c| V::source(name, c))
}

fn demo<V: VendorSpec>(base_url: &url::Url) -> (VendorConfig, Box<dyn SimulatedApi>) {
    let (cfg, api) = V::demo(base_url);
    (VendorConfig::new(cfg), api)
}

/// A vendor: a handle on its registry [`Descriptor`]. Cheap to copy; compares, hashes
/// and prints as its name.
#[derive(Clone, Copy)]
pub struct Vendor(&'static Descriptor);

impl Vendor {
    /// The vendor described by `d`.
    pub const fn new(d: &'static Descriptor) -> Self {
        Vendor(d)
    }

    /// The `vendor` label and config value.
    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    /// Its default vendor state → normalized state table.
    pub fn states(self) -> &'static [(&'static str, AgentState)] {
        self.0.states
    }

    /// Whether it reports each agent, not only counts per state ([`VendorSpec::EACH_AGENT`]).
    pub fn reports_each_agent(self) -> bool {
        self.0.each_agent
    }

    /// The product name (`8x8 Contact Center`), for help texts.
    pub fn title(self) -> &'static str {
        self.0.title
    }

    /// The vendor-specific keys it accepts (the common keys are always allowed).
    pub fn keys(self) -> &'static [&'static str] {
        (self.0.keys)()
    }

    /// Its keys that hold a secret (typed [`crate::secret::Secret`]), e.g. `password`.
    pub fn secret_keys(self) -> Vec<&'static str> {
        (self.0.secret_keys)()
    }

    /// Decodes its keys of `entry` without validating them (types and names only).
    pub fn check(self, entry: &Entry) -> Result<(), FieldError> {
        (self.0.check)(entry)
    }

    /// Decodes and validates its keys of `entry`.
    pub fn config(self, entry: &Entry) -> Result<VendorConfig, FieldError> {
        (self.0.config)(entry)
    }

    /// The source of one configured source; `None` when `cfg` is another vendor's
    /// (a wiring bug the caller reports).
    pub fn source(self, name: &str, cfg: &VendorConfig) -> Option<Box<dyn Source>> {
        (self.0.source)(name, cfg)
    }

    /// Its simulated API for `--demo`, mounted at `base_url`, and a config using it.
    pub fn demo(self, base_url: &url::Url) -> (VendorConfig, Box<dyn SimulatedApi>) {
        (self.0.demo)(base_url)
    }
}

impl PartialEq for Vendor {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Vendor {}

impl Hash for Vendor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Vendor {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Vendor {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vendor({})", self.as_str())
    }
}

/// Declares a vendor's [`VendorSpec`] (as the unit struct `$spec`) and its registry
/// descriptor `VENDOR` from the pieces every vendor folder has: its key struct, its
/// settings with `from_keys(keys, &Entry)`, its source with `new(name, settings)`, its
/// `simulate::demo(base_url) -> (settings, api)` and its default state table; `title`
/// (optional, last) is the product name help texts show.
macro_rules! declare {
    (
        name: $name:literal,
        spec: $spec:ident,
        keys: $keys:ty,
        config: $config:ty,
        source: $source:ty,
        demo: $demo:path,
        states: $states:expr
        $(, title: $title:literal)?
        $(, each_agent: $each_agent:literal)? $(,)?
    ) => {
        #[doc = concat!("`vendor: ", $name, "`.")]
        pub struct $spec;

        /// The registry's descriptor of this vendor.
        pub static VENDOR: $crate::vendor::Descriptor = $crate::vendor::Descriptor::of::<$spec>();

        impl $crate::vendor::VendorSpec for $spec {
            const NAME: &'static str = $name;
            $(const TITLE: &'static str = $title;)?
            $(const EACH_AGENT: bool = $each_agent;)?
            const STATES: &'static [(&'static str, $crate::state::AgentState)] = $states;
            type Keys = $keys;
            type Config = $config;

            fn config(
                keys: $keys,
                entry: &$crate::vendor::Entry,
            ) -> Result<$config, $crate::vendor::FieldError> {
                <$config>::from_keys(keys, entry)
            }

            fn source(name: &str, config: &$config) -> Box<dyn $crate::vendor::Source> {
                Box::new(<$source>::new(name, config.clone()))
            }

            fn demo(base_url: &url::Url) -> ($config, Box<dyn $crate::simulator::SimulatedApi>) {
                let (config, api) = $demo(base_url);
                (config, Box::new(api))
            }
        }
    };
}
pub(crate) use declare;
