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

/// One test of a condition block: its operator (set qualifier and `IfExists` taken off),
/// and the key and values it tests.
struct Test<'c> {
    op: &'c str,
    /// `ForAllValues:`: holds when the key is absent, so it never requires anything.
    for_all: bool,
    /// `…IfExists`: holds when the key is absent.
    if_exists: bool,
    key: &'c str,
    values: &'c [String],
}

fn tests(conditions: &Conditions) -> impl Iterator<Item = Test<'_>> {
    conditions.iter().flat_map(|(operator, keys)| {
        let for_all = operator.starts_with("ForAllValues:");
        let op = operator.trim_start_matches("ForAnyValue:").trim_start_matches("ForAllValues:");
        let if_exists = op.ends_with("IfExists");
        let op = op.strip_suffix("IfExists").unwrap_or(op);
        keys.iter().map(move |(key, values)| Test { op, for_all, if_exists, key, values })
    })
}

impl Test<'_> {
    fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }

    /// A test the key must pass in every request that may assume the role: not one an
    /// absent key passes (`IfExists`, `ForAllValues:`), unless every such request has it.
    fn always_applies(&self) -> bool {
        !self.for_all && (!self.if_exists || ALWAYS_PRESENT.iter().any(|k| self.is(k)))
    }

    /// The key must equal or match one of the values, and no value matches anything: a
    /// positive string or ARN test (a negated one only leaves some callers out).
    fn admits_only_values(&self) -> bool {
        let positive =
            matches!(self.op, "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "ArnEquals" | "ArnLike");
        positive && !self.values.is_empty() && !self.values.iter().any(|v| v.chars().all(|c| c == '*' || c == '?'))
    }
}

/// Keys that say who is calling (its account, organization or ARN), or that the caller
/// holds a secret it was given (the external id).
const WHO: [&str; 10] = [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:userid",
    "sts:ExternalId",
];

/// Of those, the keys every request of an AWS principal carries.
const ALWAYS_PRESENT: [&str; 3] = ["aws:PrincipalAccount", "aws:PrincipalArn", "aws:userid"];

/// Whether the conditions limit who may assume the role: a test of who the caller is that
/// every caller must pass. MFA does not: any account's principals can have MFA.
fn narrows_who(conditions: &Conditions) -> bool {
    tests(conditions).any(|t| WHO.iter().any(|k| t.is(k)) && t.always_applies() && t.admits_only_values())
}

/// Whether the conditions require the external id the role's owner handed out.
fn requires_external_id(conditions: &Conditions) -> bool {
    tests(conditions).any(|t| t.is("sts:ExternalId") && t.always_applies() && t.admits_only_values())
}

/// Whether the conditions require a session signed in with MFA. `BoolIfExists … "true"`
/// does not (long-term keys carry no MFA key, and pass), nor does any test of `"false"`.
fn requires_mfa(conditions: &Conditions) -> bool {
    tests(conditions).any(|t| {
        let all = |want: &str| !t.values.is_empty() && t.values.iter().all(|v| v.eq_ignore_ascii_case(want));
        t.always_applies()
            && match t.op {
                "Bool" => t.is("aws:MultiFactorAuthPresent") && all("true"),
                // The key is there only in a session signed in with MFA.
                "Null" => (t.is("aws:MultiFactorAuthPresent") || t.is("aws:MultiFactorAuthAge")) && all("false"),
                op => op.starts_with("Numeric") && op != "NumericNotEquals" && t.is("aws:MultiFactorAuthAge"),
            }
    })
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
        let guarded = requires_external_id(&s.condition) || requires_mfa(&s.condition);
        let scoped = narrows_who(&s.condition);
        for (kind, list) in s.principal.iter().flatten() {
            for p in list {
                let reason = match kind.as_str() {
                    "AWS" if p == "*" && s.condition.is_empty() => {
                        Some("trusts any AWS principal (`*`) without a condition".to_string())
                    }
                    "AWS" if p == "*" && !scoped => Some(
                        "trusts any AWS principal (`*`) under a condition that does not limit who may assume it"
                            .to_string(),
                    ),
                    "AWS" if p == "*" => None,
                    "AWS" => AccountId::of_principal(p)
                        .filter(|a| a.as_str() != own_account && !guarded)
                        .map(|a| format!("trusts {p} in account {a} without an sts:ExternalId or MFA condition")),
                    "Federated"
                        if p.contains("token.actions.githubusercontent.com")
                            && !tests(&s.condition).any(|t| {
                                t.is("token.actions.githubusercontent.com:sub")
                                    && t.always_applies()
                                    && t.admits_only_values()
                            }) =>
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::policy::PolicyDocument;

    /// The risks of a role of account 111122223333 whose one statement trusts `principal`
    /// under `condition`.
    fn reasons(principal: serde_json::Value, condition: serde_json::Value) -> Vec<String> {
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", "Condition": condition}]});
        let role = IamRole { trust_policy: PolicyDocument::from_value(&trust).unwrap(), ..Default::default() };
        risks(&role, "111122223333").into_iter().map(|r| r.reason).collect()
    }

    fn anyone(condition: serde_json::Value) -> bool {
        !reasons(serde_json::json!({"AWS": "*"}), condition).is_empty()
    }

    #[test]
    fn a_wildcard_principal_is_scoped_only_by_a_test_of_who_every_caller_passes() {
        use serde_json::json;
        // Risky: nothing, MFA in any form, negated, IfExists of a key a caller may lack,
        // ForAllValues, Null, wildcard values.
        for open in [
            json!({}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
            json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}),
            json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}),
            json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
            json!({"Null": {"aws:PrincipalOrgID": "false"}}),
            json!({"StringLike": {"aws:PrincipalArn": "*"}}),
            json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::999988887777:*"}}),
            json!({"StringEqualsIfExists": {"sts:ExternalId": "s3cr3t"}}),
        ] {
            assert!(anyone(open.clone()), "{open} was taken to limit who may assume");
        }
        // Scoped: a positive test of the account, organization, ARN or external id.
        for scoped in [
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
            json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/ou-1/*"}}),
            json!({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}),
            json!({"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}),
            json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}}),
            json!({"StringEquals": {"sts:ExternalId": "s3cr3t"}}),
            json!({"StringEquals": {"aws:SourceAccount": "111122223333"}}),
        ] {
            assert!(!anyone(scoped.clone()), "{scoped} limits who may assume");
        }
        assert_eq!(
            reasons(json!({"AWS": "*"}), json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}})),
            ["trusts any AWS principal (`*`) under a condition that does not limit who may assume it"]
        );
    }

    #[test]
    fn another_account_is_guarded_by_a_required_external_id_or_mfa() {
        use serde_json::json;
        let other = || json!({"AWS": "arn:aws:iam::999988887777:root"});
        for unguarded in [
            json!({}),
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
            json!({"StringNotEquals": {"sts:ExternalId": "x"}}),
            json!({"StringLike": {"sts:ExternalId": "*"}}),
            json!({"Null": {"sts:ExternalId": "false"}}),
        ] {
            assert_eq!(reasons(other(), unguarded.clone()).len(), 1, "{unguarded} was taken as a guard");
        }
        for guarded in [
            json!({"StringEquals": {"sts:ExternalId": "s3cr3t"}}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"Null": {"aws:MultiFactorAuthAge": "false"}}),
            json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
        ] {
            assert!(reasons(other(), guarded.clone()).is_empty(), "{guarded} guards the trust");
        }
    }

    #[test]
    fn github_oidc_needs_a_sub_condition_that_names_repositories() {
        use serde_json::json;
        let github =
            || json!({"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"});
        for open in [
            json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
            json!({"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}),
            json!({"StringNotEquals": {"token.actions.githubusercontent.com:sub": "repo:evil/x:ref:refs/heads/main"}}),
        ] {
            assert_eq!(reasons(github(), open.clone()).len(), 1, "{open}");
        }
        let scoped = json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}});
        assert!(reasons(github(), scoped).is_empty());
    }
}
