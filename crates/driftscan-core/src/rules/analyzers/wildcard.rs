//! Policies a principal owns (inline, or customer-managed documents) that allow every
//! action of a service (`*` or `service:*`) on every resource without a condition, unless
//! a Deny of the principal's effective policies (of the document itself, for a managed
//! policy) takes the whole wildcard back.

use serde_json::Value;

use super::{Hit, StateAnalyzer, View};
use crate::iam::{Decision, EVERY_RESOURCE, Policies, Source};
use crate::snapshot::policy::{Effect, PolicyDocument};
use crate::snapshot::{InlinePolicies, ResourceType};

#[derive(Debug)]
pub struct WildcardPolicy;

fn inline(policies: &InlinePolicies) -> Vec<(&str, &PolicyDocument)> {
    policies.iter().map(|(n, d)| (n.as_str(), d)).collect()
}

/// Whether an action pattern matches every action it can name: every action of its service
/// (`kms:*`, `kms:**`, `kms:*?*`), or of every service (`*`, `*:*`). Decided by what the
/// pattern matches, not by how it is spelled: only `*` and `?` in the name part, one `*` at
/// least (`?` alone matches names of one character).
fn whole_service(pattern: &str) -> bool {
    let matches_any = |part: &str| part.contains('*') && part.chars().all(|c| c == '*' || c == '?');
    match pattern.split_once(':') {
        Some((_, name)) => matches_any(name),
        None => matches_any(pattern),
    }
}

/// What the document's unconditional Allow statements on every resource grant service-wide:
/// the action patterns as written, and `* except …` for a `NotAction` statement.
fn wildcard_actions(doc: &PolicyDocument) -> Vec<String> {
    let every_resource = |s: &&crate::snapshot::policy::Statement| s.resource.iter().any(|r| r == "*");
    let mut out: Vec<String> = Vec::new();
    for s in
        doc.statements.iter().filter(|s| s.effect == Effect::Allow && s.condition.is_empty()).filter(every_resource)
    {
        if s.is_not_action() {
            out.push(format!("* except {}", s.not_action.join(", ")));
        } else {
            out.extend(s.action.iter().filter(|a| whole_service(a)).cloned());
        }
    }
    out.sort();
    out.dedup();
    out
}

impl StateAnalyzer for WildcardPolicy {
    fn reads_value(&self) -> bool {
        false
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let iam = &view.facts.iam;
        let owned: Vec<(&str, &PolicyDocument)> = match view.kind {
            ResourceType::IamUser => iam.users.get(view.id).map(|u| inline(&u.inline_policies)).unwrap_or_default(),
            ResourceType::IamGroup => iam.groups.get(view.id).map(|g| inline(&g.inline_policies)).unwrap_or_default(),
            ResourceType::IamRole => iam.roles.get(view.id).map(|r| inline(&r.inline_policies)).unwrap_or_default(),
            // Keyed by the policy's ARN (its name there), which no change of a field moves.
            ResourceType::IamPolicy => match iam.policies.get(view.id) {
                Some(p) if !p.aws_managed => vec![(crate::arn::short_name(view.id), &p.document)],
                _ => vec![],
            },
            _ => vec![],
        };
        if owned.is_empty() {
            return Vec::new();
        }
        let effective = match view.kind {
            ResourceType::IamPolicy => None,
            _ => Some(view.policies()),
        };
        owned
            .into_iter()
            .filter_map(|(name, doc)| {
                let alone = Policies { identity: vec![(Source::Alone(name), doc)], ..Policies::default() };
                let denies = effective.as_deref().unwrap_or(&alone);
                let mut actions = wildcard_actions(doc);
                // A `* except` grant is asked as `*`: a Deny of everything takes it back.
                actions.retain(|a| {
                    let asked = if a.starts_with("* except") { "*" } else { a };
                    denies.evaluate(asked, EVERY_RESOURCE).0 != Decision::NotAllowed
                });
                if actions.is_empty() {
                    return None;
                }
                let field = match view.kind {
                    ResourceType::IamPolicy => "document".to_string(),
                    _ => format!("inline_policies.{name}"),
                };
                Some(Hit {
                    key: name.to_string(),
                    detail: format!("policy {name} allows {} on every resource", actions.join(", ")),
                    field: Some(field),
                    baseline: None,
                    current: Some(Value::from(actions)),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granted(statement: serde_json::Value) -> Vec<String> {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
        wildcard_actions(&PolicyDocument::from_value(&doc).unwrap())
    }

    #[test]
    fn a_pattern_that_matches_every_action_of_a_service_is_service_wide_however_it_is_spelled() {
        use serde_json::json;
        for pattern in ["kms:*", "kms:**", "kms:*?*", "kms:?*", "*", "*:*"] {
            assert_eq!(granted(json!({"Effect": "Allow", "Action": pattern, "Resource": "*"})), [pattern], "{pattern}");
        }
        for narrow in ["kms:Get*", "kms:?", "kms:Decrypt", "kms:*Key"] {
            assert!(granted(json!({"Effect": "Allow", "Action": narrow, "Resource": "*"})).is_empty(), "{narrow}");
        }
        assert_eq!(
            granted(json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})),
            ["* except iam:*, organizations:*"]
        );
        assert!(
            granted(json!({"Effect": "Allow", "Action": "kms:**", "Resource": "arn:aws:kms:*:*:key/k"})).is_empty()
        );
    }
}
