//! driftscan-core: the engine of driftscan, which diffs an AWS account against baselines committed to git
//! (privilege creep, MFA gaps, encryption drift, public exposure) as SARIF, JSON and text.
//!
//! The flow: a [`snapshot::Snapshot`] (facts) is compared with the committed
//! [`baseline::Baselines`] by [`diff`], the [`rules`] engine turns both into
//! [`findings::Finding`]s, and one emitter per format in [`report`] writes them.

pub mod access_review;
pub mod arn;
pub mod baseline;
pub mod diff;
pub mod error;
pub mod evidence;
pub mod exceptions;
pub mod findings;
pub mod glob;
pub mod iam;
pub mod json_lines;
pub mod org;
pub mod output;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan_info;
pub mod session;
pub mod snapshot;
pub mod source_root;

pub use error::Error;
/// `Service::VARIANTS` and the like: every value of a closed enum (derived by strum).
pub use strum::VariantArray;

/// The tool version written into snapshots and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
