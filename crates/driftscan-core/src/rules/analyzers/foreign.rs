//! Access granted to other AWS accounts: bucket policies and ACLs, KMS key policies and
//! grants, role trust policies. Everything is collected per account, with the actions and
//! whether a condition limits the grant, so that the three kinds of resource are reported
//! the same way: a grant to an account the baseline did not grant is drift (DS-PUB-008,
//! DS-IAM-006), and a grant to an account outside the trusted set is a finding of its own
//! (DS-PUB-009).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{DriftAnalyzer, Hit, StateAnalyzer, View};
use crate::arn::AccountId;
use crate::diff::ResourceDiff;
use crate::snapshot::ResourceType;
use crate::snapshot::policy::{Effect, PolicyDocument};

/// What one other account may do with a resource.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ForeignGrant {
    pub actions: BTreeSet<String>,
    /// Every statement or grant that admits it carries a condition (or constraint).
    pub conditional: bool,
    /// Where the grant is: `bucket policy`, `ACL`, `key policy`, `grant`, `trust policy`.
    pub via: BTreeSet<&'static str>,
    /// The field of the resource that holds it (the finding's anchor).
    pub field: &'static str,
}

impl ForeignGrant {
    fn add(&mut self, actions: impl IntoIterator<Item = String>, conditional: bool, via: &'static str) {
        // Conditional only while every way in is conditional.
        self.conditional = if self.via.is_empty() { conditional } else { self.conditional && conditional };
        self.actions.extend(actions);
        self.via.insert(via);
    }

    /// `account 999988887777 (s3:*, through the bucket policy, no condition)`.
    pub fn describe(&self, who: &str, trusted: bool) -> String {
        let actions: Vec<&str> = self.actions.iter().map(String::as_str).collect();
        let via: Vec<&str> = self.via.iter().copied().collect();
        let limit = if self.conditional { "limited by a condition" } else { "no condition" };
        let trust = if trusted { ", a trusted account" } else { "" };
        format!("{who} ({}, through the {}, {limit}{trust})", actions.join(", "), via.join(" and "))
    }
}

/// Allow statements of a resource policy: the other accounts they name, with their actions.
fn from_policy(
    doc: &PolicyDocument,
    own: &str,
    via: &'static str,
    field: &'static str,
    out: &mut BTreeMap<String, ForeignGrant>,
) {
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let actions: Vec<String> =
            if s.is_not_action() { vec![format!("all but {}", s.not_action.join(", "))] } else { s.action.clone() };
        for p in s.principal.iter().flat_map(|p| p.get("AWS")).flatten() {
            if let Some(account) = AccountId::of_principal(p).map(AccountId::as_str).filter(|a| *a != own) {
                let grant =
                    out.entry(account.to_string()).or_insert_with(|| ForeignGrant { field, ..Default::default() });
                grant.add(actions.clone(), !s.condition.is_empty(), via);
            }
        }
    }
}

/// Every other account a bucket, key or role lets in, by account id (a bucket ACL grant
/// names a canonical user, which no offline fact maps to an account id: `canonical user …`).
pub fn foreign_grants(view: &View) -> BTreeMap<String, ForeignGrant> {
    let facts = view.facts;
    let own = facts.meta.account_id.as_str();
    let mut out = BTreeMap::new();
    match view.kind {
        ResourceType::S3Bucket => {
            let Some(bucket) = facts.s3.buckets.get(view.id) else { return out };
            if let Some(policy) = &bucket.policy {
                from_policy(policy, own, "bucket policy", "policy", &mut out);
            }
            for grant in &bucket.account_acl_grants {
                let (user, permission) = grant.rsplit_once(':').unwrap_or((grant, "?"));
                out.entry(format!("canonical user {user}"))
                    .or_insert_with(|| ForeignGrant { field: "account_acl_grants", ..Default::default() })
                    .add([permission.to_string()], false, "ACL");
            }
        }
        ResourceType::KmsKey => {
            let Some(key) = facts.kms.keys.get(view.id) else { return out };
            if let Some(policy) = &key.policy {
                from_policy(policy, own, "key policy", "policy", &mut out);
            }
            for grant in &key.grants {
                if let Some(account) =
                    AccountId::of_principal(&grant.grantee_principal).map(AccountId::as_str).filter(|a| *a != own)
                {
                    let operations = grant.operations.iter().map(|o| format!("kms:{o}"));
                    out.entry(account.to_string())
                        .or_insert_with(|| ForeignGrant { field: "grants", ..Default::default() })
                        .add(operations, grant.constrained, "grant");
                }
            }
        }
        ResourceType::IamRole => {
            let Some(role) = facts.iam.roles.get(view.id) else { return out };
            from_policy(&role.trust_policy, own, "trust policy", "trust_policy", &mut out);
        }
        _ => {}
    }
    out
}

/// The account id a grant key names, if it is one (not a canonical user).
fn account_of(who: &str) -> Option<&str> {
    AccountId::parse(who).map(AccountId::as_str)
}

fn shown(who: &str) -> String {
    match account_of(who) {
        Some(account) => format!("account {account}"),
        None => who.to_string(),
    }
}

#[derive(Debug)]
pub struct NewForeignAccess;

impl DriftAnalyzer for NewForeignAccess {
    /// One finding per resource and event: every account granted since the baseline.
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let Some(c) = current else { return Vec::new() };
        let before = baseline.map(foreign_grants).unwrap_or_default();
        let now = foreign_grants(c);
        let new: Vec<(&String, &ForeignGrant)> = now.iter().filter(|(who, _)| !before.contains_key(*who)).collect();
        let Some((_, first)) = new.first() else { return Vec::new() };
        let described: Vec<String> = new
            .iter()
            .map(|(who, g)| g.describe(&shown(who), account_of(who).is_some_and(|a| c.trusted_accounts.contains(a))))
            .collect();
        let accounts: Vec<Value> = new.iter().map(|(who, _)| Value::from(who.as_str())).collect();
        let had: Vec<Value> = before.keys().map(|who| Value::from(who.as_str())).collect();
        vec![
            Hit::new("", first.field, format!("now grants {}", described.join("; ")))
                .values(baseline.map(|_| Value::from(had)), Some(Value::from(accounts))),
        ]
    }
}

#[derive(Debug)]
pub struct UntrustedAccess;

impl StateAnalyzer for UntrustedAccess {
    fn check(&self, view: &View) -> Vec<Hit> {
        let untrusted: Vec<(String, ForeignGrant)> = foreign_grants(view)
            .into_iter()
            .filter(|(who, _)| !account_of(who).is_some_and(|a| view.trusted_accounts.contains(a)))
            .collect();
        let Some((_, first)) = untrusted.first() else { return Vec::new() };
        let described: Vec<String> = untrusted.iter().map(|(who, g)| g.describe(&shown(who), false)).collect();
        let accounts: Vec<Value> = untrusted.iter().map(|(who, _)| Value::from(who.as_str())).collect();
        vec![
            Hit::new("", first.field, format!("grants {}", described.join("; ")))
                .values(None, Some(Value::from(accounts))),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_conditional_only_while_every_way_in_is() {
        let mut g = ForeignGrant::default();
        g.add(["s3:GetObject".to_string()], true, "bucket policy");
        assert!(g.conditional);
        g.add(["s3:PutObject".to_string()], false, "ACL");
        assert!(!g.conditional);
        assert_eq!(
            g.describe("account 999988887777", true),
            "account 999988887777 (s3:GetObject, s3:PutObject, through the ACL and bucket policy, no condition, a trusted account)"
        );
    }
}
