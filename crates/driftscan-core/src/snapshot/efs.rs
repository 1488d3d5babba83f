//! EFS facts per region: file systems with encryption at rest, file system policy and
//! backup policy. Keys are the ARNs EFS gives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::policy::PolicyDocument;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EfsFacts {
    #[serde(deserialize_with = "super::unique::map")]
    pub file_systems: BTreeMap<String, EfsFileSystem>,
    /// Set when a snapshot file has no `efs` section (made before driftscan read EFS).
    #[serde(skip)]
    pub absent: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EfsFileSystem {
    pub file_system_id: String,
    /// The `Name` tag, when it has one.
    pub name: Option<String>,
    pub region: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// The file system policy; `None` when it has none (then every client that can reach a
    /// mount target has full access, TLS or not).
    pub policy: Option<PolicyDocument>,
    /// AWS Backup's automatic backups (backup policy `ENABLED` or `ENABLING`).
    pub backup_enabled: bool,
}
