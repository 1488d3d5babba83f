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

fn wildcard_actions(doc: &PolicyDocument) -> Vec<String> {
    let mut out: Vec<String> = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.condition.is_empty() && s.resource.iter().any(|r| r == "*"))
        .flat_map(|s| &s.action)
        .filter(|a| *a == "*" || a.ends_with(":*"))
        .cloned()
        .collect();
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
                actions.retain(|a| denies.evaluate(a, EVERY_RESOURCE).0 != Decision::NotAllowed);
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
