//! KMS facts: keys with their state, rotation and key policy. Keys are key ARNs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::policy::PolicyDocument;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsFacts {
    #[serde(deserialize_with = "super::unique::map")]
    pub keys: BTreeMap<String, KmsKey>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKey {
    pub key_id: String,
    pub region: String,
    pub aliases: Vec<String>,
    pub description: String,
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, …
    pub state: String,
    pub key_spec: String,
    pub rotation_enabled: bool,
    pub deletion_date: Option<DateTime<Utc>>,
    pub policy: Option<PolicyDocument>,
    /// Grants on the key: who may use it besides its key policy, sorted. Absent in
    /// baselines written before it was collected: read as none.
    #[serde(default)]
    pub grants: Vec<KmsGrant>,
}

/// One grant on a KMS key, without its id (a grant re-created the same is the same fact).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsGrant {
    pub grantee_principal: String,
    /// The operations it allows, sorted (`Decrypt`, `GenerateDataKey`, …).
    pub operations: Vec<String>,
    /// Limited by an encryption-context constraint.
    pub constrained: bool,
}

impl KmsFacts {
    /// Finds a key by ARN, key id or alias (`alias/…` or its ARN), as other services
    /// refer to keys in any of these forms.
    pub fn find(&self, reference: &str) -> Option<(&String, &KmsKey)> {
        if let Some(found) = self.keys.get_key_value(reference) {
            return Some(found);
        }
        let alias = crate::arn::Arn::parse(reference).map_or(reference, |arn| arn.resource);
        self.keys.iter().find(|(_, k)| k.key_id == reference || k.aliases.iter().any(|a| a == reference || a == alias))
    }
}
