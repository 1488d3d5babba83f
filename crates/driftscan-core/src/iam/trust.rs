//! Role trust policies: whom they let assume the role, and what about that is risky.

use std::collections::BTreeSet;

use crate::arn::AccountId;
use crate::snapshot::iam::IamRole;
use crate::snapshot::policy::{Conditions, Effect, Statement};

/// Whether an Allow statement of a trust policy lets its principals assume the role.
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

/// The principals a role's trust lets assume it, as `kind:principal` strings
/// (`AWS:arn:aws:iam::…:root`, `Service:lambda.amazonaws.com`), sorted.
pub fn trusted_principals(role: &IamRole) -> BTreeSet<String> {
    role.trust_policy
        .statements
        .iter()
        .filter(|s| assumes_role(s))
        .flat_map(|s| s.principal.iter().flatten())
        .flat_map(|(kind, list)| list.iter().map(move |p| format!("{kind}:{p}")))
        .collect()
}

/// One risky way into a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRisk {
    /// Tells a role's risks apart: `NotPrincipal`, or the principal as `kind:principal`.
    pub key: String,
    /// The principal trusted, when the risk is one principal.
    pub principal: Option<String>,
    /// `trusts any AWS principal (`*`) without a condition`.
    pub reason: String,
}

/// What is risky about the trust of a role of account `own_account`: everyone but some
/// (NotPrincipal), anyone, another account without an external id or MFA, GitHub's OIDC
/// provider without a `sub` condition.
pub fn risks(role: &IamRole, own_account: &str) -> Vec<TrustRisk> {
    let mut out = Vec::new();
    for s in role.trust_policy.statements.iter().filter(|s| assumes_role(s)) {
        if s.not_principal.is_some() {
            out.push(TrustRisk {
                key: "NotPrincipal".into(),
                principal: None,
                reason: "trusts everyone except the listed principals (NotPrincipal with Allow)".into(),
            });
        }
        let guarded = has_condition_key(&s.condition, "sts:ExternalId")
            || has_condition_key(&s.condition, "aws:MultiFactorAuthPresent");
        let scoped = guarded
            || ["aws:PrincipalOrgID", "aws:PrincipalArn", "aws:SourceAccount", "aws:SourceArn"]
                .iter()
                .any(|key| has_condition_key(&s.condition, key));
        for (kind, list) in s.principal.iter().flatten() {
            for p in list {
                let reason = match kind.as_str() {
                    "AWS" if p == "*" && !scoped => Some("trusts any AWS principal (`*`) without a condition".to_string()),
                    "AWS" if p == "*" => None,
                    "AWS" => AccountId::of_principal(p)
                        .filter(|a| a.as_str() != own_account && !guarded)
                        .map(|a| format!("trusts {p} in account {a} without an sts:ExternalId or MFA condition")),
                    "Federated"
                        if p.contains("token.actions.githubusercontent.com")
                            && !has_condition_key(&s.condition, "token.actions.githubusercontent.com:sub") =>
                    {
                        Some(
                            "trusts GitHub Actions OIDC without a `sub` condition: any repository on GitHub can assume it"
                                .to_string(),
                        )
                    }
                    _ => None,
                };
                if let Some(reason) = reason {
                    out.push(TrustRisk { key: format!("{kind}:{p}"), principal: Some(p.clone()), reason });
                }
            }
        }
    }
    out
}
