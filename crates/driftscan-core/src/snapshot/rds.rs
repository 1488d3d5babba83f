//! RDS facts: DB instances, clusters and snapshots. Keys are ARNs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsFacts {
    #[serde(deserialize_with = "super::unique::map")]
    pub instances: BTreeMap<String, RdsInstance>,
    #[serde(deserialize_with = "super::unique::map")]
    pub clusters: BTreeMap<String, RdsCluster>,
    #[serde(deserialize_with = "super::unique::map")]
    pub snapshots: BTreeMap<String, RdsSnapshot>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsInstance {
    pub identifier: String,
    pub region: String,
    pub engine: String,
    pub cluster: Option<String>,
    pub storage_encrypted: bool,
    pub kms_key_id: Option<String>,
    pub publicly_accessible: bool,
    pub iam_auth_enabled: bool,
    pub backup_retention_days: u32,
    pub deletion_protection: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsCluster {
    pub identifier: String,
    pub region: String,
    pub engine: String,
    pub storage_encrypted: bool,
    pub kms_key_id: Option<String>,
    pub iam_auth_enabled: bool,
    pub backup_retention_days: u32,
    pub deletion_protection: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsSnapshot {
    pub identifier: String,
    pub region: String,
    /// `instance` or `cluster`.
    pub source_kind: String,
    pub source: String,
    /// `manual`, `automated`, …
    pub snapshot_type: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// The `restore` attribute contains `all`.
    pub public: bool,
    /// Account ids in the `restore` attribute, sorted.
    pub shared_with: Vec<String>,
}
