//! contact-center-exporter: polls contact-center vendor APIs in the background and
//! serves what they report as Prometheus metrics.
//!
//! The binary (`src/main.rs`) is a thin shell over [`app::run`]; everything is in this
//! library so that tests and benchmarks drive the same code.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod http;
pub mod model;
pub mod secret;
pub mod simulator;
pub mod sources;
pub mod state;
