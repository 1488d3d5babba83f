//! DynamoDB facts: tables with their encryption and point-in-time recovery. Keys are ARNs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbFacts {
    #[serde(deserialize_with = "super::unique::map")]
    pub tables: BTreeMap<String, DynamoDbTable>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbTable {
    pub name: String,
    pub region: String,
    /// `AWS_OWNED` (no SSEDescription) or `KMS`; which KMS key manager owns the key is a
    /// KMS fact, joined by `kms_key_arn`.
    pub sse_type: String,
    pub kms_key_arn: Option<String>,
    pub pitr_enabled: bool,
    pub deletion_protection: bool,
}
