//! Redshift facts per region: provisioned clusters with encryption, exposure, audit
//! logging, the `require_ssl` of their parameter group and snapshot retention.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedshiftFacts {
    /// Keyed `arn:aws:redshift:<region>:<account>:cluster:<identifier>`.
    #[serde(deserialize_with = "super::unique::map")]
    pub clusters: BTreeMap<String, RedshiftCluster>,
    /// Set when a snapshot file has no `redshift` section (made before driftscan read Redshift).
    #[serde(skip)]
    pub absent: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedshiftCluster {
    pub identifier: String,
    pub region: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub publicly_accessible: bool,
    /// Audit logging to S3 or CloudWatch (`DescribeLoggingStatus`).
    pub audit_logging: bool,
    pub parameter_group: String,
    /// The parameter group's `require_ssl`.
    pub require_ssl: bool,
    /// Automated snapshot retention (0 turns automated snapshots off).
    pub backup_retention_days: u32,
}
