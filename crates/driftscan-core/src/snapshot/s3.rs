//! S3 facts: buckets and the account-level public access block. Keys are ARNs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::policy::PolicyDocument;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Facts {
    /// One entry, keyed `arn:aws:s3::<account>:account`.
    #[serde(deserialize_with = "super::unique::map")]
    pub account: BTreeMap<String, S3Account>,
    #[serde(deserialize_with = "super::unique::map")]
    pub buckets: BTreeMap<String, S3Bucket>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Account {
    pub public_access_block: PublicAccessBlock,
}

/// The four public-access-block switches; absent configuration = all false.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all_on(&self) -> bool {
        self.block_public_acls && self.ignore_public_acls && self.block_public_policy && self.restrict_public_buckets
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    pub name: String,
    pub region: String,
    pub encryption: BucketEncryption,
    pub public_access_block: PublicAccessBlock,
    pub policy: Option<PolicyDocument>,
    /// S3's own verdict (`GetBucketPolicyStatus`).
    pub policy_is_public: bool,
    /// Permissions the ACL grants to AllUsers or AuthenticatedUsers, e.g. `AllUsers:READ`.
    pub public_acl_grants: Vec<String>,
    /// Permissions the ACL grants to other AWS accounts, by canonical user id (the bucket
    /// owner left out), e.g. `79a59df9…:READ`. Absent in baselines written before it was
    /// collected: read as none.
    #[serde(default)]
    pub account_acl_grants: Vec<String>,
    pub versioning: Versioning,
    pub logging: Logging,
    /// `BucketOwnerEnforced`, `BucketOwnerPreferred`, `ObjectWriter`, or `None` when unset.
    pub object_ownership: Option<String>,
}

/// Default encryption. `algorithm` is `none`, `AES256`, `aws:kms` or `aws:kms:dsse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    pub algorithm: String,
    pub kms_key_id: Option<String>,
    pub bucket_key_enabled: bool,
}

impl Default for BucketEncryption {
    fn default() -> Self {
        BucketEncryption { algorithm: "none".into(), kms_key_id: None, bucket_key_enabled: false }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versioning {
    /// `Enabled`, `Suspended`, or `Disabled` (never enabled).
    pub status: String,
    pub mfa_delete: bool,
}

impl Default for Versioning {
    fn default() -> Self {
        Versioning { status: "Disabled".into(), mfa_delete: false }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    pub enabled: bool,
    pub target_bucket: Option<String>,
}
