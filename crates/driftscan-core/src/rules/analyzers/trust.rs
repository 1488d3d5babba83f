//! Role trust policies: who may assume the role, and whether that widened.

use std::collections::BTreeSet;

use serde_json::Value;

use super::foreign::{foreign_grants, principal_account};
use super::{Analyzer, Hit, View};
use crate::diff::ResourceDiff;
use crate::snapshot::ResourceType;
use crate::snapshot::policy::{Conditions, Effect, Statement};

fn assumes_role(s: &Statement) -> bool {
    s.effect == Effect::Allow
        && (s.is_not_action()
            || s.action
                .iter()
                .any(|a| a == "*" || a.to_ascii_lowercase().starts_with("sts:assumerole") || a == "sts:*"))
}

fn has_condition_key(conditions: &Conditions, key: &str) -> bool {
    conditions.values().any(|keys| keys.keys().any(|k| k.eq_ignore_ascii_case(key)))
}

/// Trusted principals of a role as `kind:principal` strings, sorted.
pub fn trusted(view: &View) -> BTreeSet<String> {
    let Some(role) = (view.kind == ResourceType::IamRole).then(|| view.facts.iam.roles.get(view.id)).flatten() else {
        return BTreeSet::new();
    };
    role.trust_policy
        .statements
        .iter()
        .filter(|s| assumes_role(s))
        .flat_map(|s| s.principal.iter().flatten())
        .flat_map(|(kind, list)| list.iter().map(move |p| format!("{kind}:{p}")))
        .collect()
}

#[derive(Debug)]
pub struct RiskyTrust;

impl Analyzer for RiskyTrust {
    fn reads_value(&self) -> bool {
        false
    }

    fn is_drift(&self) -> bool {
        false
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(role) = view.facts.iam.roles.get(view.id) else { return Vec::new() };
        let own_account = &view.facts.meta.account_id;
        let mut hits = Vec::new();
        for s in role.trust_policy.statements.iter().filter(|s| assumes_role(s)) {
            if s.not_principal.is_some() {
                hits.push(Hit::new(
                    "NotPrincipal",
                    "trust_policy",
                    "trusts everyone except the listed principals (NotPrincipal with Allow)",
                ));
            }
            let guarded = has_condition_key(&s.condition, "sts:ExternalId")
                || has_condition_key(&s.condition, "aws:MultiFactorAuthPresent");
            let scoped = guarded
                || has_condition_key(&s.condition, "aws:PrincipalOrgID")
                || has_condition_key(&s.condition, "aws:PrincipalArn")
                || has_condition_key(&s.condition, "aws:SourceAccount")
                || has_condition_key(&s.condition, "aws:SourceArn");
            for (kind, list) in s.principal.iter().flatten() {
                for p in list {
                    let reason = match kind.as_str() {
                        "AWS" if p == "*" && !scoped => Some("trusts any AWS principal (`*`) without a condition".to_string()),
                        "AWS" if p == "*" => None,
                        "AWS" => principal_account(p)
                            .filter(|a| a != own_account && !guarded)
                            .map(|a| format!("trusts {p} in account {a} without an sts:ExternalId or MFA condition")),
                        "Federated" if p.contains("token.actions.githubusercontent.com") && !has_condition_key(&s.condition, "token.actions.githubusercontent.com:sub") => {
                            Some("trusts GitHub Actions OIDC without a `sub` condition: any repository on GitHub can assume it".to_string())
                        }
                        _ => None,
                    };
                    if let Some(reason) = reason {
                        hits.push(
                            Hit::new(format!("{kind}:{p}"), "trust_policy", reason)
                                .values(None, Some(Value::from(p.as_str()))),
                        );
                    }
                }
            }
        }
        hits
    }
}

#[derive(Debug)]
pub struct TrustNewPrincipal;

impl Analyzer for TrustNewPrincipal {
    fn reads_value(&self) -> bool {
        false
    }

    fn is_drift(&self) -> bool {
        true
    }

    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        // A role that is new as a whole is the new-principal rule's to report.
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let before = trusted(b);
        // Another account is named as bucket and key grants are: its actions, whether a
        // condition limits it, whether it is a trusted account.
        let accounts = foreign_grants(c);
        trusted(c)
            .difference(&before)
            .map(|p| {
                let shown = p.split_once(':').map_or(p.as_str(), |(_, v)| v);
                let grant = p
                    .strip_prefix("AWS:")
                    .and_then(principal_account)
                    .and_then(|a| Some((a, accounts.get(a)?)))
                    .map(|(a, g)| {
                        let described = g.describe(&format!("account {a}"), c.trusted_accounts.contains(a));
                        format!(" {}", described.trim_start_matches(&format!("account {a} ")))
                    })
                    .unwrap_or_default();
                Hit::new(p.clone(), "trust_policy", format!("now also trusts {shown}{grant}"))
                    .values(None, Some(Value::from(shown)))
            })
            .collect()
    }
}
