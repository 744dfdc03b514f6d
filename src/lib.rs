//! contact-center-exporter: polls contact-center vendor APIs in the background and
//! serves what they report as Prometheus metrics.
//!
//! The binary (`src/main.rs`) is a thin shell over [`app::run`]; everything is in this
//! library so that tests and benchmarks drive the same code.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod basic_auth;
pub mod cached;
pub mod cli;
pub mod clock;
pub mod config;
pub mod gzip;
pub mod http;
pub mod hub;
pub mod labels;
pub mod local_day;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod negotiate;
pub mod oauth2;
pub mod opening_hours;
pub mod openmetrics;
pub mod peer_limit;
pub mod persist;
pub mod poller;
pub mod secret;
pub mod server;
pub mod simulator;
pub mod sources;
pub mod state;
pub mod status_page;
pub mod store;
pub mod systemd;
pub mod time_zone;
pub mod vendor;
pub mod vendor_day;
pub mod vendor_keys;
pub mod web_config;
