//! Named analyzers: checks that need real logic (policy evaluation, ordering of
//! encryption strengths, field-level drift), referred to by rule files with parameters.
//! Analyzers read facts only; they never call AWS and never change facts.

mod access_keys;
mod admin;
mod changes;
mod cloudtrail;
mod console_login;
mod encryption;
mod exposure;
mod foreign;
mod organization;
mod password;
mod privilege;
mod ranked;
mod trust;
mod wildcard;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::diff::ResourceDiff;
use crate::iam::{Policies, PolicyIndex};
use crate::snapshot::iam::IamRole;
use crate::snapshot::{ResourceType, Snapshot};

/// One resource on one side, with the facts it can be cross-referenced against.
pub struct View<'a> {
    pub facts: &'a Snapshot,
    pub kind: ResourceType,
    pub id: &'a str,
    pub value: &'a Value,
    /// What the rule's analyzer prepared from these facts ([`Analyzer::prepare`]).
    pub prepared: Option<&'a Prepared>,
    /// Accounts the user trusts with access (beside the account itself).
    pub trusted_accounts: &'a std::collections::BTreeSet<String>,
    /// The principals' effective policies on this side, when the engine gathered them.
    pub policy_index: Option<&'a PolicyIndex<'a>>,
}

impl<'a> View<'a> {
    /// The effective policies of this principal, from the side's index when it has them.
    pub fn policies(&self) -> std::borrow::Cow<'a, Policies<'a>> {
        match self.policy_index.and_then(|index| index.get(self.id)) {
            Some(p) => std::borrow::Cow::Borrowed(p),
            None => std::borrow::Cow::Owned(Policies::of(self.facts, self.kind, self.id)),
        }
    }

    /// Whether this principal's effective policies are those it has in `baseline`: from
    /// the index's comparison when the engine made one, else by comparing them.
    pub fn same_policies_as(&self, baseline: &View) -> bool {
        match self.policy_index.and_then(|index| index.unchanged(self.id)) {
            Some(unchanged) => unchanged,
            None => baseline.policies().same_as(&self.policies()),
        }
    }

    /// The role this view is of (`None` for any other resource, or one these facts lack).
    pub fn role(&self) -> Option<&'a IamRole> {
        (self.kind == ResourceType::IamRole).then(|| self.facts.iam.roles.get(self.id)).flatten()
    }
}

/// A resource's own policy document: a bucket, file system or key policy.
pub struct ResourcePolicy<'a> {
    /// `None` when the resource has no policy.
    pub document: Option<&'a crate::snapshot::policy::PolicyDocument>,
    /// What it is called in messages: `bucket policy`, `file system policy`, `key policy`.
    pub name: &'static str,
    /// The IAM service prefix of the resource's actions (`s3`, `elasticfilesystem`, `kms`).
    pub service: &'static str,
}

impl<'a> View<'a> {
    /// The resource's own policy; `None` for kinds that have none, or a resource the
    /// facts of this side do not hold.
    pub fn resource_policy(&self) -> Option<ResourcePolicy<'a>> {
        let facts = self.facts;
        let (document, name, service) = match self.kind {
            ResourceType::S3Bucket => (facts.s3.buckets.get(self.id)?.policy.as_ref(), "bucket policy", "s3"),
            ResourceType::EfsFileSystem => {
                (facts.efs.file_systems.get(self.id)?.policy.as_ref(), "file system policy", "elasticfilesystem")
            }
            ResourceType::KmsKey => (facts.kms.keys.get(self.id)?.policy.as_ref(), "key policy", "kms"),
            _ => return None,
        };
        Some(ResourcePolicy { document, name, service })
    }
}

/// Work an analyzer does once per snapshot instead of once per resource (an index of
/// the account's roles, say); the engine hands it back in every [`View`] of that side.
pub type Prepared = dyn std::any::Any + Send + Sync;

/// What an analyzer found on one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Tells several hits of one rule on one resource apart (part of the fingerprint).
    pub key: String,
    pub field: Option<String>,
    /// Substituted for `{detail}` in the rule's message.
    pub detail: String,
    pub baseline: Option<Value>,
    pub current: Option<Value>,
}

impl Hit {
    pub fn new(key: impl Into<String>, field: impl Into<String>, detail: impl Into<String>) -> Hit {
        Hit { key: key.into(), field: Some(field.into()), detail: detail.into(), baseline: None, current: None }
    }

    pub fn values(mut self, baseline: Option<Value>, current: Option<Value>) -> Hit {
        self.baseline = baseline;
        self.current = current;
        self
    }
}

pub trait Analyzer: Send + Sync + std::fmt::Debug {
    /// Drift analyzers compare with the baseline (`compare`); state analyzers look at one
    /// side at a time (`check`), and the engine compares their results.
    fn is_drift(&self) -> bool;

    /// Called once per side of a scan before any resource is looked at.
    fn prepare(&self, _facts: &Snapshot) -> Option<Box<Prepared>> {
        None
    }

    fn check(&self, _view: &View) -> Vec<Hit> {
        Vec::new()
    }

    fn compare(&self, _baseline: Option<&View>, _current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        Vec::new()
    }

    /// For a state analyzer: whether it must find the same on both sides, so the engine
    /// can skip the baseline side. By default, when the resource did not change; analyzers
    /// that read other resources decide for themselves.
    fn same_on_both_sides(&self, _baseline: &View, _current: &View, diff: &ResourceDiff) -> bool {
        diff.change == crate::diff::Change::Unchanged
    }

    /// For a state analyzer: what it finds on the baseline side, worked out from what it
    /// found on the current side (`now`) where that is cheaper than a second `check`;
    /// `None` to check the baseline side. By default the same hits where
    /// [`Analyzer::same_on_both_sides`] says so.
    fn baseline_hits(&self, baseline: &View, current: &View, diff: &ResourceDiff, now: &[Hit]) -> Option<Vec<Hit>> {
        self.same_on_both_sides(baseline, current, diff).then(|| now.to_vec())
    }

    /// Whether it reads [`View::value`] (the resource as JSON) rather than the typed facts
    /// only: an unchanged resource whose rules all read facts is then not turned into JSON
    /// (roles, groups and policies; 4.6 % of a scan built values nobody read).
    fn reads_value(&self) -> bool {
        true
    }

    /// Findings of this analyzer are dropped where another rule already reports the
    /// same resource and field (the catch-all "other change" rule).
    fn yields_to_other_rules(&self) -> bool {
        false
    }
}

/// Builds the analyzer `name` with the rule's `[params]`, for the rule's resource types.
pub fn build(name: &str, params: &toml::Table, kinds: &[ResourceType]) -> Result<Box<dyn Analyzer>, String> {
    let allow = |allowed: &[ResourceType]| -> Result<(), String> {
        match kinds.iter().find(|k| !allowed.contains(k)) {
            Some(k) => Err(format!("analyzer `{name}` does not apply to resource type {k}")),
            None => Ok(()),
        }
    };
    let no_params = || only_params(name, params, &[]);
    use ResourceType::*;
    const PRINCIPALS: &[ResourceType] = &[IamUser, IamGroup, IamRole];
    let simple = |allowed: &[ResourceType], analyzer: Box<dyn Analyzer>| -> Result<Box<dyn Analyzer>, String> {
        allow(allowed)?;
        no_params()?;
        Ok(analyzer)
    };
    match name {
        "admin_access" => simple(PRINCIPALS, Box::new(admin::AdminAccess)),
        "wildcard_policy" => simple(&[IamUser, IamGroup, IamRole, IamPolicy], Box::new(wildcard::WildcardPolicy)),
        "permissions_grew" => simple(PRINCIPALS, Box::new(privilege::PermissionsGrew)),
        "privilege_escalation" => simple(PRINCIPALS, Box::new(privilege::PrivilegeEscalation)),
        "new_principal" => simple(PRINCIPALS, Box::new(privilege::NewPrincipal)),
        "risky_trust" => simple(&[IamRole], Box::new(trust::RiskyTrust)),
        "trust_new_principal" => simple(&[IamRole], Box::new(trust::TrustNewPrincipal)),
        "access_keys" => {
            allow(&[IamUser])?;
            Ok(Box::new(access_keys::AccessKeys::from_params(params)?))
        }
        "console_unused" => {
            allow(&[IamUser])?;
            Ok(Box::new(console_login::ConsoleUnused::from_params(params)?))
        }
        "password_policy_weakened" => simple(&[Account], Box::new(password::PasswordPolicyWeakened)),
        "insecure_transport_allowed" => {
            simple(&[S3Bucket, EfsFileSystem], Box::new(encryption::InsecureTransportAllowed))
        }
        // `dynamodb_key_downgrade`: its name before Redshift clusters were covered.
        "customer_key_downgrade" | "dynamodb_key_downgrade" => {
            simple(&[DynamodbTable, RedshiftCluster], Box::new(encryption::CustomerKeyDowngrade))
        }
        "key_in_use_unusable" => simple(&[KmsKey], Box::new(encryption::KeyInUseUnusable)),
        "public_bucket" => simple(&[S3Bucket], Box::new(exposure::PublicBucket)),
        "snapshot_shared_new_account" => {
            simple(&[RdsSnapshot, EbsSnapshot], Box::new(exposure::SnapshotSharedNewAccount))
        }
        // `kms_open_key_policy`: its name before file system policies were covered.
        "open_resource_policy" | "kms_open_key_policy" => {
            simple(&[KmsKey, EfsFileSystem], Box::new(exposure::OpenResourcePolicy))
        }
        "trail_bucket_public" => simple(&[CloudtrailTrail], Box::new(exposure::TrailBucketPublic)),
        "no_multi_region_trail" => simple(&[CloudtrailAccount], Box::new(cloudtrail::NoMultiRegionTrail)),
        "trail_stopped" => simple(&[CloudtrailTrail], Box::new(cloudtrail::TrailStopped)),
        "new_foreign_access" => simple(&[S3Bucket, KmsKey], Box::new(foreign::NewForeignAccess)),
        "untrusted_access" => simple(&[S3Bucket, KmsKey], Box::new(foreign::UntrustedAccess)),
        "account_joined" => simple(&[OrgAccount], Box::new(organization::AccountJoined)),
        "account_left" => simple(&[OrgAccount], Box::new(organization::AccountLeft)),
        "scp_detached" => simple(&[Scp], Box::new(organization::ScpDetached)),
        "scp_weakened" => simple(&[Scp], Box::new(organization::ScpWeakened)),
        "guardrails_lost_by_move" => simple(&[OrgAccount, OrgUnit], Box::new(organization::GuardrailsLostByMove)),
        // Its findings come from the exceptions file (crate::exceptions), not from resources.
        "exception_expired" => simple(&[Account], Box::new(ExceptionExpired)),
        "ranked_downgrade" => Ok(Box::new(ranked::RankedDowngrade::from_params(params, kinds)?)),
        "changed_fields" => {
            no_params()?;
            Ok(Box::new(changes::ChangedFields))
        }
        other => Err(format!("unknown analyzer `{other}` (expected one of: {})", ANALYZERS.join(", "))),
    }
}

/// The field of a principal that best explains where a permission comes from.
fn source_field(sources: &[String]) -> &'static str {
    if sources.iter().any(|s| s.starts_with("group ")) {
        "groups"
    } else if sources.iter().any(|s| s.starts_with("inline policy")) {
        "inline_policies"
    } else {
        "attached_policies"
    }
}

/// Rejects any `[params]` entry of analyzer `name` besides `allowed`.
fn only_params(name: &str, params: &toml::Table, allowed: &[&str]) -> Result<(), String> {
    let Some(k) = params.keys().find(|k| !allowed.contains(&k.as_str())) else { return Ok(()) };
    if allowed.is_empty() {
        return Err(format!("analyzer `{name}` takes no parameter `{k}`"));
    }
    let only: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    Err(format!("analyzer `{name}` takes no parameter `{k}` (only {})", only.join(" and ")))
}

/// `params.days` of analyzer `name`: a positive number of days.
fn days_param(name: &str, params: &toml::Table) -> Result<i64, String> {
    match params.get("days").and_then(toml::Value::as_integer) {
        Some(days) if days > 0 => Ok(days),
        _ => Err(format!("analyzer `{name}` needs `params.days`, a positive number of days")),
    }
}

/// Whole days from `from` to `to`, as the age and idle-time rules count them.
fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days()
}

/// Every analyzer a rule file can name.
pub const ANALYZERS: &[&str] = &[
    "access_keys",
    "account_joined",
    "account_left",
    "admin_access",
    "changed_fields",
    "console_unused",
    "dynamodb_key_downgrade",
    "exception_expired",
    "guardrails_lost_by_move",
    "insecure_transport_allowed",
    "key_in_use_unusable",
    "kms_open_key_policy",
    "new_foreign_access",
    "new_principal",
    "password_policy_weakened",
    "permissions_grew",
    "privilege_escalation",
    "public_bucket",
    "ranked_downgrade",
    "risky_trust",
    "scp_detached",
    "scp_weakened",
    "snapshot_shared_new_account",
    "trust_new_principal",
    "untrusted_access",
    "wildcard_policy",
];

/// Expired exceptions are found by [`crate::exceptions::apply`]; the rule file carries
/// their metadata, and nothing is found on resources.
#[derive(Debug)]
pub struct ExceptionExpired;

impl Analyzer for ExceptionExpired {
    fn is_drift(&self) -> bool {
        false
    }
}

/// A JSON value shown in a message: strings bare, anything else as compact JSON, cut
/// short so that a whole policy document does not become a message.
pub fn show(v: Option<&Value>) -> String {
    const MAX: usize = 120;
    let text = match v {
        None | Some(Value::Null) => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    fn error(name: &str, text: &str, kind: ResourceType) -> String {
        build(name, &params(text), &[kind]).unwrap_err()
    }

    #[test]
    fn parameters_are_checked_by_name_and_value() {
        use ResourceType::*;
        assert_eq!(
            error("console_unused", "days = 90\nmonths = 3", IamUser),
            "analyzer `console_unused` takes no parameter `months` (only `days`)"
        );
        assert_eq!(
            error("access_keys", "check = \"unused\"\nage = 1", IamUser),
            "analyzer `access_keys` takes no parameter `age` (only `check` and `days`)"
        );
        assert_eq!(error("admin_access", "days = 1", IamUser), "analyzer `admin_access` takes no parameter `days`");
        for days in ["days = 0", "days = \"90\"", ""] {
            assert_eq!(
                error("console_unused", days, IamUser),
                "analyzer `console_unused` needs `params.days`, a positive number of days"
            );
        }
        assert_eq!(
            error("access_keys", "check = \"max_age\"\ndays = -1", IamUser),
            "analyzer `access_keys` needs `params.days`, a positive number of days"
        );
        assert_eq!(
            error("console_unused", "days = 90", S3Bucket),
            "analyzer `console_unused` does not apply to resource type s3_bucket"
        );
        assert!(build("console_unused", &params("days = 90"), &[IamUser]).is_ok());
    }
}
