//! The one finding model every emitter reads.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use strum::VariantArray;

use crate::snapshot::{CollectionGap, ResourceType};

/// Puts the worst first, then by rule and resource: the order of every report.
pub fn sort(findings: &mut [Finding]) {
    use rayon::slice::ParallelSliceMut;
    // Stable, as `sort_by` is: the same order on any number of threads.
    findings.par_sort_by(|a, b| {
        (a.severity, &a.rule_id, &a.resource_id, &a.field, &a.fingerprint).cmp(&(
            b.severity,
            &b.rule_id,
            &b.resource_id,
            &b.field,
            &b.fingerprint,
        ))
    });
}

/// Where a finding points to: a repo-relative file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
}

/// Why a finding is not failing the run.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Suppression {
    pub reason: String,
    pub owner: Option<String>,
    pub expires: Option<NaiveDate>,
    /// The exception entry (`exceptions.toml`).
    pub location: Location,
}

/// An exception that matched no finding: probably fixed, or a typo.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StaleException {
    pub rule: String,
    pub resource: String,
    pub location: Location,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Severity {
    // Declared highest first so that sorting puts the worst first.
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// At least as severe as `threshold`.
    pub fn at_least(self, threshold: Severity) -> bool {
        self <= threshold
    }

    /// The GitHub `security-severity` band this severity must fall in.
    pub fn security_severity_band(self) -> std::ops::RangeInclusive<f64> {
        match self {
            Severity::Critical => 9.0..=10.0,
            Severity::High => 7.0..=8.9,
            Severity::Medium => 4.0..=6.9,
            Severity::Low | Severity::Info => 0.1..=3.9,
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Category {
    PrivilegeCreep,
    MfaGap,
    EncryptionDrift,
    PublicExposure,
    ConfigDrift,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How a finding relates to the baseline (SARIF `baselineState`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum BaselineState {
    /// Appeared since the baseline: drift.
    New,
    /// Already so in the approved baseline.
    Unchanged,
    /// Already a finding at the baseline, but the offending value changed.
    Updated,
    /// A finding at the baseline that no longer holds (resolved).
    Absent,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Something changed since the baseline that this finding reports.
    pub fn is_drift(self) -> bool {
        matches!(self, BaselineState::New | BaselineState::Updated)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub category: Category,
    pub severity: Severity,
    pub baseline_state: BaselineState,
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub field: Option<String>,
    pub baseline: Option<Value>,
    pub current: Option<Value>,
    pub message: String,
    pub location: Location,
    /// Stable identity of the finding: rule id + resource ARN + field (+ detail key),
    /// independent of where the baseline line is.
    pub fingerprint: String,
    /// Set when a committed exception accepts this risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Other fields that changed with this one as one event (the KMS key that went with a
    /// downgrade), so no other finding repeats them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_changes: Vec<RelatedChange>,
}

/// A field that changed together with the one a finding reports.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RelatedChange {
    pub field: String,
    pub baseline: Option<Value>,
    pub current: Option<Value>,
}

impl Finding {
    /// Counts toward `--fail-on` and the summary: neither resolved nor accepted by an exception.
    pub fn is_open(&self) -> bool {
        self.baseline_state != BaselineState::Absent && self.suppression.is_none()
    }
}

/// Everything an emitter needs about one scan.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct ScanResult {
    pub account_id: String,
    pub scanned_at: chrono::DateTime<chrono::Utc>,
    pub regions: Vec<String>,
    pub collection_gaps: Vec<CollectionGap>,
    pub findings: Vec<Finding>,
    /// Exceptions that matched no finding.
    pub stale_exceptions: Vec<StaleException>,
}

impl ScanResult {
    /// Open findings per severity, every severity present.
    pub fn summary(&self) -> Vec<(Severity, usize)> {
        Severity::VARIANTS
            .iter()
            .copied()
            .map(|s| (s, self.findings.iter().filter(|f| f.is_open() && f.severity == s).count()))
            .collect()
    }
}
