//! Privilege creep on IAM principals: permissions that grew since the baseline, known
//! privilege-escalation paths, and new principals that carry permissions.

use serde_json::Value;

use super::{DriftAnalyzer, Hit, StateAnalyzer, View, source_field};
use crate::diff::{Change, ResourceDiff};
use crate::glob::wildcard_match;
use crate::iam::paths::{self, EscalationPath};
use crate::iam::{Decision, EVERY_RESOURCE, Policies, RoleGraph, is_admin};
use crate::snapshot::policy::Effect;

/// One thing an identity policy allows: an action pattern on a resource pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    action: String,
    resource: String,
    source: String,
}

impl Grant {
    fn shown(&self) -> String {
        format!("{} on {}", self.action, self.resource)
    }
}

/// Every (action, resource) an Allow statement names, with the policy it comes from.
/// `NotAction` statements are shown as `* except …`.
fn grants(policies: &Policies) -> Vec<Grant> {
    let mut out = Vec::new();
    for (source, doc) in &policies.identity {
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let actions: Vec<String> = if s.is_not_action() {
                vec![format!("* except {}", s.not_action.join(", "))]
            } else {
                s.action.clone()
            };
            let resources: Vec<String> = if s.resource.is_empty() {
                vec![format!("* except {}", s.not_resource.join(", "))]
            } else {
                s.resource.clone()
            };
            for a in &actions {
                for r in &resources {
                    out.push(Grant { action: a.clone(), resource: r.clone(), source: source.to_string() });
                }
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.action == b.action && a.resource == b.resource);
    out
}

/// Drops grants that another grant of the list already covers (`s3:GetObject` on a
/// bucket next to `*` on `*`), so the listed growth is the grant that matters.
fn without_subsumed(grants: Vec<Grant>) -> Vec<Grant> {
    let covers = |wide: &Grant, narrow: &Grant| {
        !wide.action.starts_with("* except")
            && !wide.resource.starts_with("* except")
            && wildcard_match(&wide.action, &narrow.action, true)
            && wildcard_match(&wide.resource, &narrow.resource, false)
    };
    grants
        .iter()
        .filter(|g| !grants.iter().any(|w| (w.action != g.action || w.resource != g.resource) && covers(w, g)))
        .cloned()
        .collect()
}

/// What `grant` means when asked of a set of policies: the pattern itself is the request
/// (so `s3:*` is covered only by `s3:*` or `*`), a `* except` form by `*`.
fn decision(policies: &Policies, grant: &Grant) -> Decision {
    let action = if grant.action.starts_with("* except") { "*" } else { &grant.action };
    let resource = if grant.resource.starts_with("* except") { EVERY_RESOURCE } else { &grant.resource };
    policies.evaluate(action, resource).0
}

#[derive(Debug)]
pub struct PermissionsGrew;

impl DriftAnalyzer for PermissionsGrew {
    fn reads_value(&self) -> bool {
        false
    }

    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        if c.same_policies_as(b) {
            return Vec::new();
        }
        let before = b.policies();
        let after = c.policies();
        let grown: Vec<Grant> = grants(&after)
            .into_iter()
            .filter(|g| {
                let now = decision(&after, g);
                now != Decision::NotAllowed && now > decision(&before, g)
            })
            .collect();
        let grown = without_subsumed(grown);
        if grown.is_empty() {
            return Vec::new();
        }
        let boundary_removed = before.boundary.is_some() && after.boundary.is_none();
        let sources: Vec<String> = grown.iter().map(|g| g.source.clone()).collect();
        let field = if boundary_removed { "permissions_boundary" } else { source_field(&sources) };
        const SHOWN: usize = 8;
        let mut listed: Vec<String> =
            grown.iter().take(SHOWN).map(|g| format!("{} (via {})", g.shown(), g.source)).collect();
        if grown.len() > SHOWN {
            listed.push(format!("and {} more", grown.len() - SHOWN));
        }
        let mut detail = format!("newly allowed: {}", listed.join("; "));
        if boundary_removed {
            detail.push_str(" (its permissions boundary was removed)");
        }
        let current = Value::from(grown.iter().map(Grant::shown).collect::<Vec<_>>());
        vec![Hit::new("", field, detail).values(None, Some(current))]
    }
}

#[derive(Debug)]
pub struct PrivilegeEscalation;

impl StateAnalyzer for PrivilegeEscalation {
    fn reads_value(&self) -> bool {
        false
    }

    fn uses_role_graph(&self) -> bool {
        true
    }

    /// The same policies and the same roles (trust and power) give the same paths; a role
    /// that changed elsewhere may open a new chain for an unchanged principal. Where only
    /// the roles' permissions changed (the methods read their names and trust only), the
    /// methods' paths stay and only the chains are looked for again: one changed role in
    /// the account otherwise made every principal's baseline side checked in full.
    fn baseline_hits(&self, baseline: &View, current: &View, _diff: &ResourceDiff, now: &[Hit]) -> Option<Vec<Hit>> {
        if !current.same_policies_as(baseline) {
            return None;
        }
        let (Some(b), Some(c)) = (baseline.role_graph, current.role_graph) else { return None };
        if b.methods_digest != c.methods_digest {
            return None;
        }
        if b.digest == c.digest {
            return Some(now.to_vec());
        }
        let policies = baseline.policies();
        if is_admin(&policies) {
            return Some(Vec::new());
        }
        let mut hits: Vec<Hit> = now.iter().filter(|h| !is_chain(h)).cloned().collect();
        hits.extend(paths::chains(baseline.facts, baseline.kind, baseline.id, &policies, b).into_iter().map(path_hit));
        Some(hits)
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let policies = view.policies();
        // The engine prepares the graph once per side; a caller without the engine gets one here.
        let built;
        let graph = match view.role_graph {
            Some(g) => g,
            None => {
                built = RoleGraph::new(view.facts);
                &built
            }
        };
        paths::of(view.facts, view.kind, view.id, &policies, graph).into_iter().map(path_hit).collect()
    }
}

fn is_chain(hit: &Hit) -> bool {
    paths::is_chain_key(&hit.key)
}

/// A path as the rule reports it: anchored at the field its policies come from, with
/// those policies and what it reaches as the current value.
fn path_hit(path: EscalationPath) -> Hit {
    let field = source_field(&path.sources);
    let mut current = path.sources;
    current.extend(path.reached.iter().map(|r| format!("reaching {r}")));
    Hit::new(path.key, field, path.detail).values(None, Some(Value::from(current)))
}

#[derive(Debug)]
pub struct NewPrincipal;

impl DriftAnalyzer for NewPrincipal {
    fn reads_value(&self) -> bool {
        false
    }

    fn compare(&self, _baseline: Option<&View>, current: Option<&View>, diff: &ResourceDiff) -> Vec<Hit> {
        let Some(c) = current else { return Vec::new() };
        if diff.change != Change::Added {
            return Vec::new();
        }
        let policies = c.policies();
        let mut sources: Vec<String> = policies.identity.iter().map(|(s, _)| s.to_string()).collect();
        sources.extend(policies.missing.iter().map(|arn| format!("policy {}", crate::arn::short_name(arn))));
        if sources.is_empty() {
            return Vec::new();
        }
        let detail = format!("with permissions through {}", sources.join(", "));
        let field = source_field(&sources);
        vec![Hit::new("", field, detail).values(None, Some(Value::from(sources)))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::policy::PolicyDocument;
    use crate::snapshot::{IamRole, IamUser, InlinePolicies, ResourceType, Snapshot};
    use std::collections::BTreeSet;

    const DEV: &str = "arn:aws:iam::111122223333:user/dev";

    fn inline(statements: serde_json::Value) -> InlinePolicies {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
        InlinePolicies::from_iter([("p".to_string(), PolicyDocument::from_value(&doc).unwrap())])
    }

    /// User `dev` may pass any role to Lambda and assume role `ops`, which trusts it and
    /// holds `ops`; `others` more users of the account.
    fn account(ops: serde_json::Value, others: &[&str]) -> Snapshot {
        let mut facts = crate::iam::testing::account();
        let dev = inline(serde_json::json!([
            {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/ops"}
        ]));
        facts.iam.users.insert(DEV.into(), IamUser { name: "dev".into(), inline_policies: dev, ..Default::default() });
        for name in others {
            let user = IamUser { name: name.to_string(), ..Default::default() };
            facts.iam.users.insert(format!("arn:aws:iam::111122223333:user/{name}"), user);
        }
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": DEV}, "Action": "sts:AssumeRole"}]});
        let role = IamRole {
            name: "ops".into(),
            trust_policy: PolicyDocument::from_value(&trust).unwrap(),
            inline_policies: inline(ops),
            ..Default::default()
        };
        facts.iam.roles.insert("arn:aws:iam::111122223333:role/ops".into(), role);
        facts
    }

    /// What the rule finds on `dev` in the baseline, worked out from the current side
    /// (`None`: it checks the baseline side), next to a full check of the baseline side.
    fn baseline_side(baseline: &Snapshot, current: &Snapshot) -> (Option<Vec<Hit>>, Vec<Hit>) {
        let trusted = BTreeSet::new();
        let (b_graph, c_graph) = (RoleGraph::new(baseline), RoleGraph::new(current));
        fn view<'a>(facts: &'a Snapshot, graph: &'a RoleGraph, trusted: &'a BTreeSet<String>) -> View<'a> {
            View {
                facts,
                kind: ResourceType::IamUser,
                id: DEV,
                value: &Value::Null,
                role_graph: Some(graph),
                trusted_accounts: trusted,
                policy_index: None,
            }
        }
        let (b, c) = (view(baseline, &b_graph, &trusted), view(current, &c_graph, &trusted));
        let diffs = crate::diff::diff(baseline, current);
        let d = diffs.iter().find(|d| d.id == DEV).unwrap();
        let now = PrivilegeEscalation.check(&c);
        (PrivilegeEscalation.baseline_hits(&b, &c, d, &now), PrivilegeEscalation.check(&b))
    }

    #[test]
    fn the_baseline_side_worked_out_from_the_current_one_is_what_a_check_finds() {
        let admin = serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
        let read = serde_json::json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]);
        // Only the role's permissions differ: the methods' paths are reused, the chain to
        // the role is looked for again (there in one side, gone in the other).
        for (before, after) in [(&admin, &read), (&read, &admin), (&admin, &admin)] {
            let (baseline, current) = (account(before.clone(), &[]), account(after.clone(), &[]));
            let (derived, checked) = baseline_side(&baseline, &current);
            assert!(checked.iter().any(|h| !is_chain(h)), "the test needs a method's path: {checked:?}");
            assert_eq!(derived, Some(checked));
        }
        let (derived, checked) = baseline_side(&account(admin.clone(), &[]), &account(read.clone(), &[]));
        assert!(checked.iter().any(is_chain), "the test needs a chain in the baseline: {checked:?}");
        assert!(derived.is_some_and(|hits| hits.iter().any(is_chain)));
        // A user more may be a new target of a method: the baseline side is checked again.
        let (derived, _) = baseline_side(&account(admin.clone(), &[]), &account(admin, &["bob"]));
        assert_eq!(derived, None);
    }
}
