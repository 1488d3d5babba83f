//! IAM facts: the account's root and password settings, users, groups, roles and the
//! managed policies they reference. Keys of every map are ARNs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use litemap::LiteMap;
use serde::{Deserialize, Serialize};

use super::policy::PolicyDocument;

/// A principal's inline policies by name (most have none or one).
pub type InlinePolicies = LiteMap<String, PolicyDocument>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamFacts {
    /// One entry, keyed by the root ARN (`arn:aws:iam::<account>:root`).
    #[serde(deserialize_with = "super::unique::map")]
    pub account: BTreeMap<String, IamAccount>,
    #[serde(deserialize_with = "super::unique::map")]
    pub users: BTreeMap<String, IamUser>,
    #[serde(deserialize_with = "super::unique::map")]
    pub groups: BTreeMap<String, IamGroup>,
    #[serde(deserialize_with = "super::unique::map")]
    pub roles: BTreeMap<String, IamRole>,
    /// Customer-managed policies, and the AWS-managed policies that something attaches.
    #[serde(deserialize_with = "super::unique::map")]
    pub policies: BTreeMap<String, ManagedPolicy>,
}

/// How a principal proves a second factor. Ordered weakest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaKind {
    #[default]
    None,
    Virtual,
    /// A hardware TOTP token or a FIDO security key: any MFA that is not a virtual device.
    Hardware,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamAccount {
    pub root_mfa: MfaKind,
    pub root_access_keys_present: bool,
    pub password_policy: PasswordPolicy,
}

/// The account password policy. `present: false` means none is set, and AWS's
/// defaults apply (the other fields then hold those defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    pub present: bool,
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub allow_users_to_change: bool,
    /// Days until a password expires; `None` = never.
    pub max_age_days: Option<u32>,
    /// How many previous passwords cannot be reused; `None` = no restriction.
    pub reuse_prevention: Option<u32>,
    pub hard_expiry: bool,
}

impl Default for PasswordPolicy {
    /// What AWS enforces when the account has no password policy.
    fn default() -> Self {
        PasswordPolicy {
            present: false,
            minimum_length: 8,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
            allow_users_to_change: true,
            max_age_days: None,
            reuse_prevention: None,
            hard_expiry: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamUser {
    pub name: String,
    pub path: String,
    pub created: Option<DateTime<Utc>>,
    pub console_password: bool,
    /// Volatile: never written to baselines, never diffed.
    #[serde(default)]
    pub password_last_used: Option<DateTime<Utc>>,
    /// When the console password was last set. Volatile too: a routine password change is
    /// not drift, and it only dates a password nobody has used yet.
    #[serde(default)]
    pub password_last_changed: Option<DateTime<Utc>>,
    pub mfa: MfaKind,
    pub access_keys: Vec<AccessKey>,
    /// Group names, sorted.
    pub groups: Vec<String>,
    /// Managed policy ARNs, sorted.
    pub attached_policies: Vec<String>,
    /// Inline policies by name.
    #[serde(deserialize_with = "super::unique::lite_map")]
    #[serde(serialize_with = "super::policy::serialize_map")]
    pub inline_policies: InlinePolicies,
    pub permissions_boundary: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created: Option<DateTime<Utc>>,
    /// Volatile: never written to baselines, never diffed.
    #[serde(default)]
    pub last_used: Option<DateTime<Utc>>,
}

impl AccessKey {
    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("active")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGroup {
    pub name: String,
    pub path: String,
    pub attached_policies: Vec<String>,
    #[serde(deserialize_with = "super::unique::lite_map")]
    #[serde(serialize_with = "super::policy::serialize_map")]
    pub inline_policies: InlinePolicies,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    pub name: String,
    pub path: String,
    pub created: Option<DateTime<Utc>>,
    pub trust_policy: PolicyDocument,
    pub attached_policies: Vec<String>,
    #[serde(deserialize_with = "super::unique::lite_map")]
    #[serde(serialize_with = "super::policy::serialize_map")]
    pub inline_policies: InlinePolicies,
    pub permissions_boundary: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub name: String,
    pub path: String,
    pub aws_managed: bool,
    pub default_version: String,
    /// The document of the default version.
    pub document: PolicyDocument,
}

impl IamFacts {
    /// Baselines never hold volatile fields (last use). Giving the baseline side today's
    /// values lets time-based rules (unused keys) compare like with like instead of
    /// taking "not recorded" for "never used".
    pub fn adopt_volatile(&mut self, current: &IamFacts) {
        for (user, now) in super::matched_by_key(&mut self.users, &current.users) {
            user.password_last_used = now.password_last_used;
            user.password_last_changed = now.password_last_changed;
            for key in &mut user.access_keys {
                key.last_used = now.access_keys.iter().find(|k| k.id == key.id).and_then(|k| k.last_used);
            }
        }
    }

    /// The group whose name is `name` (users list their groups by name).
    pub fn group_by_name(&self, name: &str) -> Option<(&String, &IamGroup)> {
        // Most groups live at path `/`: try that ARN first (a map lookup) before scanning.
        let by_arn = self.groups.keys().next().and_then(|first| {
            let prefix = &first[..first.find(":group/")? + ":group/".len()];
            self.groups.get_key_value(&format!("{prefix}{name}"))
        });
        by_arn.filter(|(_, g)| g.name == name).or_else(|| self.groups.iter().find(|(_, g)| g.name == name))
    }
}
