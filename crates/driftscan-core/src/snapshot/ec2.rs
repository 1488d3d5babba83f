//! EC2 facts for block storage, per region: the account's EBS encryption defaults,
//! volumes and the account's own EBS snapshots with who may restore them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2Facts {
    /// One entry per region, keyed `arn:aws:ec2:<region>:<account>:ebs-defaults`.
    #[serde(deserialize_with = "super::unique::map")]
    pub ebs_defaults: BTreeMap<String, EbsDefaults>,
    /// Keyed `arn:aws:ec2:<region>:<account>:volume/<id>`.
    #[serde(deserialize_with = "super::unique::map")]
    pub volumes: BTreeMap<String, EbsVolume>,
    /// Keyed `arn:aws:ec2:<region>::snapshot/<id>` (snapshot ARNs carry no account).
    #[serde(deserialize_with = "super::unique::map")]
    pub snapshots: BTreeMap<String, EbsSnapshot>,
    /// Set when a snapshot file has no `ec2` section (made before driftscan read EC2).
    #[serde(skip)]
    pub absent: bool,
}

/// Region-wide EBS settings: whether new volumes are encrypted by default, and with which key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EbsDefaults {
    pub region: String,
    pub encryption_by_default: bool,
    /// The key new volumes get (`alias/aws/ebs` unless changed).
    pub default_kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EbsVolume {
    pub volume_id: String,
    /// The `Name` tag, when it has one.
    pub name: Option<String>,
    pub region: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EbsSnapshot {
    pub snapshot_id: String,
    pub region: String,
    pub volume_id: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// The `createVolumePermission` attribute contains the group `all`.
    pub public: bool,
    /// Account ids in `createVolumePermission`, sorted.
    pub shared_with: Vec<String>,
}
