//! CloudTrail facts: the account's trails (from every region scanned, multi-region trails
//! once) with their logging status, and which trails of its organization cover it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailFacts {
    /// One entry, keyed `arn:aws:cloudtrail::<account>:account`; left out when a region's
    /// trails could not be listed (coverage would then be guessed).
    #[serde(deserialize_with = "super::unique::map")]
    pub account: BTreeMap<String, CloudTrailAccount>,
    /// The account's own trails, keyed by trail ARN.
    #[serde(deserialize_with = "super::unique::map")]
    pub trails: BTreeMap<String, CloudTrailTrail>,
    /// Set when a snapshot file has no `cloudtrail` section (made before driftscan read CloudTrail).
    #[serde(skip)]
    pub absent: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailAccount {
    /// Organization trails of the management account that log this account too, sorted.
    pub organization_trails: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailTrail {
    pub name: String,
    /// The home region (where the trail is managed).
    pub region: String,
    pub multi_region: bool,
    pub organization_trail: bool,
    /// `GetTrailStatus`'s `IsLogging`: a stopped trail records nothing.
    pub logging: bool,
    pub log_file_validation: bool,
    pub kms_key_id: Option<String>,
    pub s3_bucket: String,
}
