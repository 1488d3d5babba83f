//! Public exposure that needs more than one field: bucket policies and ACLs weighed
//! against the public access blocks (for the bucket itself and for the trail that logs
//! into it), snapshot sharing, open key and file system policies.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{DriftAnalyzer, Hit, ResourcePolicy, StateAnalyzer, View};
use crate::arn::Arn;
use crate::diff::ResourceDiff;
use crate::snapshot::policy::{Effect, PolicyDocument, Statement};
use crate::snapshot::{ResourceType, S3Bucket, S3Facts};

/// An Allow to every principal (`*`) without any condition that could narrow it.
fn open_to_everyone(s: &Statement) -> bool {
    s.effect == Effect::Allow
        && s.condition.is_empty()
        && (s.not_principal.is_some() || s.principal.as_ref().is_some_and(|p| p.values().flatten().any(|v| v == "*")))
}

/// The actions a policy allows to everyone without a condition (`* except ...` for a
/// `NotAction` statement).
fn open_actions(policy: &PolicyDocument) -> Vec<String> {
    policy
        .statements
        .iter()
        .filter(|s| open_to_everyone(s))
        .flat_map(|s| if s.is_not_action() { vec!["* except ...".to_string()] } else { s.action.clone() })
        .collect()
}

#[derive(Debug)]
pub struct PublicBucket;

impl StateAnalyzer for PublicBucket {
    /// The account-level block takes part: an unchanged bucket can change verdict.
    fn same_on_both_sides(&self, baseline: &View, current: &View, diff: &ResourceDiff) -> bool {
        diff.change == crate::diff::Change::Unchanged && baseline.facts.s3.account == current.facts.s3.account
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let s3 = &view.facts.s3;
        s3.buckets.get(view.id).map(|bucket| bucket_exposure(s3, bucket)).unwrap_or_default()
    }
}

/// What makes a bucket public: its policy or its ACL, unless a public access block (the
/// bucket's or the account's) neutralizes it.
fn bucket_exposure(s3: &S3Facts, bucket: &S3Bucket) -> Vec<Hit> {
    let account_pab = s3.account.values().next().map(|a| &a.public_access_block);
    let restricts_policy =
        bucket.public_access_block.restrict_public_buckets || account_pab.is_some_and(|p| p.restrict_public_buckets);
    let ignores_acls =
        bucket.public_access_block.ignore_public_acls || account_pab.is_some_and(|p| p.ignore_public_acls);
    let mut hits = Vec::new();
    let open: Vec<String> = bucket.policy.as_ref().map(open_actions).unwrap_or_default();
    if (!open.is_empty() || bucket.policy_is_public) && !restricts_policy {
        let detail = if open.is_empty() {
            "its bucket policy is public (as evaluated by S3)".to_string()
        } else {
            format!("its bucket policy allows {} to everyone (`*`) without a condition", open.join(", "))
        };
        hits.push(Hit::new("policy", "policy", detail).values(None, Some(Value::from(open))));
    }
    if !bucket.public_acl_grants.is_empty() && !ignores_acls {
        let detail = format!("its ACL grants {}", bucket.public_acl_grants.join(", "));
        hits.push(
            Hit::new("acl", "public_acl_grants", detail)
                .values(None, Some(Value::from(bucket.public_acl_grants.clone()))),
        );
    }
    hits
}

/// A trail whose log bucket (in this account's S3 facts) is public: anyone can read the
/// account's activity history. A bucket of another account (central logging) is that
/// account's to scan.
#[derive(Debug)]
pub struct TrailBucketPublic;

impl StateAnalyzer for TrailBucketPublic {
    /// The verdict depends on the bucket and the account's public access block.
    fn same_on_both_sides(&self, _baseline: &View, _current: &View, _diff: &ResourceDiff) -> bool {
        false
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(trail) = view.facts.cloudtrail.trails.get(view.id) else { return Vec::new() };
        let partition = Arn::parse(view.id).map_or("aws", |arn| arn.partition);
        let s3 = &view.facts.s3;
        let Some(bucket) = s3.buckets.get(&Arn::global(partition, "s3", &trail.s3_bucket).to_string()) else {
            return Vec::new();
        };
        let reasons: Vec<String> = bucket_exposure(s3, bucket).into_iter().map(|h| h.detail).collect();
        if reasons.is_empty() {
            return Vec::new();
        }
        let detail =
            format!("delivers its logs to bucket {}, which is public: {}", trail.s3_bucket, reasons.join("; "));
        vec![Hit::new("", "s3_bucket", detail).values(None, Some(Value::from(trail.s3_bucket.as_str())))]
    }
}

fn shared_accounts(value: &Value) -> BTreeSet<String> {
    value
        .get("shared_with")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|a| *a != "all")
        .map(str::to_string)
        .collect()
}

#[derive(Debug)]
pub struct SnapshotSharedNewAccount;

impl DriftAnalyzer for SnapshotSharedNewAccount {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let Some(c) = current else { return Vec::new() };
        // A snapshot that is new as a whole has no approved sharing: every account is new.
        let known: BTreeSet<String> = baseline.map(|b| shared_accounts(b.value)).unwrap_or_default();
        shared_accounts(c.value)
            .difference(&known)
            .map(|a| {
                Hit::new(
                    a.clone(),
                    "shared_with",
                    format!("is now shared with account {a}, which the baseline does not share with"),
                )
                .values(None, Some(Value::from(a.as_str())))
            })
            .collect()
    }
}

/// A key policy (customer keys) or file system policy that allows actions to every
/// principal without a condition.
#[derive(Debug)]
pub struct OpenResourcePolicy;

impl StateAnalyzer for OpenResourcePolicy {
    fn check(&self, view: &View) -> Vec<Hit> {
        // AWS writes the policies of its managed keys: nothing for the account to change.
        if view.kind == ResourceType::KmsKey && view.facts.kms.keys.get(view.id).is_some_and(|k| k.manager == "AWS") {
            return Vec::new();
        }
        let Some(ResourcePolicy { document: Some(doc), name, .. }) = view.resource_policy() else { return Vec::new() };
        let actions = open_actions(doc);
        if actions.is_empty() {
            return Vec::new();
        }
        let detail = format!("its {name} allows {} to every principal (`*`) without a condition", actions.join(", "));
        vec![Hit::new("", "policy", detail).values(None, Some(Value::from(actions)))]
    }
}
