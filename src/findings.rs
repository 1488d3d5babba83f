//! The one finding model every emitter reads.

use serde::Serialize;
use serde_json::Value;

use crate::baseline::Location;
use crate::exceptions::{StaleException, Suppression};
use crate::snapshot::{CollectionGap, ResourceType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    // Declared highest first so that sorting puts the worst first.
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
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

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    PrivilegeCreep,
    MfaGap,
    EncryptionDrift,
    PublicExposure,
    ConfigDrift,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::PrivilegeCreep,
        Category::MfaGap,
        Category::EncryptionDrift,
        Category::PublicExposure,
        Category::ConfigDrift,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::PrivilegeCreep => "privilege-creep",
            Category::MfaGap => "mfa-gap",
            Category::EncryptionDrift => "encryption-drift",
            Category::PublicExposure => "public-exposure",
            Category::ConfigDrift => "config-drift",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a finding relates to the baseline (SARIF `baselineState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
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
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
            BaselineState::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

impl Finding {
    /// Counts toward `--fail-on` and the summary: neither resolved nor accepted by an exception.
    pub fn is_open(&self) -> bool {
        self.baseline_state != BaselineState::Absent && self.suppression.is_none()
    }
}

/// Everything an emitter needs about one scan.
#[derive(Debug)]
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
        Severity::ALL
            .into_iter()
            .map(|s| (s, self.findings.iter().filter(|f| f.is_open() && f.severity == s).count()))
            .collect()
    }
}
