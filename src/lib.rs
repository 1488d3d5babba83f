//! driftscan: diff an AWS account against baselines committed to git and report drift
//! (privilege creep, MFA gaps, encryption drift, public exposure) as SARIF, JSON and text.
//!
//! The flow: a [`snapshot::Snapshot`] (facts) is compared with the committed
//! [`baseline::Baselines`] by [`diff`], the [`rules`] engine turns both into
//! [`findings::Finding`]s, and one emitter per format in [`report`] writes them.

pub mod app;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod config;
pub mod diff;
pub mod error;
pub mod exceptions;
pub mod findings;
pub mod json_lines;
pub mod output;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod snapshot;

pub use error::Error;

/// The tool version written into snapshots and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
