//! A principal's ways to more privilege: each escalation method of the catalog its
//! policies allow, and each chain of roles it can assume to a powerful one.

use super::escalation::{self, Subject};
use super::eval::{AllowedServices, Decision, Policies};
use super::role_graph::RoleGraph;
use crate::arn::short_name;
use crate::snapshot::{ResourceType, Snapshot};

/// How a chain's key starts (a method's key is the method's id).
const CHAIN_KEY: &str = "RoleChain:";

/// One way from a principal to more privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationPath {
    /// Stable among a principal's paths: the method's id, or `RoleChain:` and the roles.
    pub key: String,
    /// `CreateAccessKey (iam:CreateAccessKey) through inline policy p reaching user alice`.
    pub detail: String,
    /// The principal's own policies that allow it.
    pub sources: Vec<String>,
    /// What a method reaches (`user alice`), empty for a chain.
    pub reached: Vec<String>,
}

/// Whether a path's key is a chain of roles' (not a method of the principal's own).
pub fn is_chain_key(key: &str) -> bool {
    key.starts_with(CHAIN_KEY)
}

/// Every path of the principal `id`. An administrator has none to report: it has every
/// one already. `graph` is the account's role graph, built once per snapshot.
pub fn of(
    facts: &Snapshot,
    kind: ResourceType,
    id: &str,
    policies: &Policies,
    graph: &RoleGraph,
) -> Vec<EscalationPath> {
    if super::is_admin(policies) {
        return Vec::new();
    }
    let mut out = methods(facts, kind, id, policies);
    out.extend(chains(facts, kind, id, policies, graph));
    out
}

/// The escalation methods the principal's policies allow.
pub fn methods(facts: &Snapshot, kind: ResourceType, id: &str, policies: &Policies) -> Vec<EscalationPath> {
    // Without identity policies only role chains remain (a trust policy naming it).
    if policies.identity.is_empty() {
        return Vec::new();
    }
    let subject = Subject::new(facts, kind, id);
    let catalog = escalation::catalog();
    let allowed = AllowedServices::of(policies).bits_of(&catalog.services);
    let mut out = Vec::new();
    for method in catalog.methods.iter().filter(|m| m.services & !allowed == 0) {
        let Some(found) = method.found(&subject, policies) else { continue };
        let condition =
            if found.decision == Decision::AllowedUnderCondition { ", allowed under a condition" } else { "" };
        let reaching =
            if found.reached.is_empty() { String::new() } else { format!(" reaching {}", found.reached.join(", ")) };
        let detail = format!(
            "{} ({}{condition}) through {}{reaching}",
            method.id,
            method.actions.join(" + "),
            found.sources.join(", ")
        );
        out.push(EscalationPath { key: method.id.clone(), detail, sources: found.sources, reached: found.reached });
    }
    out
}

/// The chains of roles from the principal to a powerful one.
pub fn chains(
    facts: &Snapshot,
    kind: ResourceType,
    id: &str,
    policies: &Policies,
    graph: &RoleGraph,
) -> Vec<EscalationPath> {
    graph
        .chains(facts, kind, id, policies)
        .into_iter()
        .map(|chain| {
            let condition = if chain.conditional { ", allowed under a condition" } else { "" };
            let detail = format!(
                "RoleChain {} → {} ({}{condition}) through {}",
                short_name(id),
                chain.hops.join(" → "),
                chain.power,
                chain.sources.join(", ")
            );
            EscalationPath {
                key: format!("{CHAIN_KEY}{}", chain.hops.join(">")),
                detail,
                sources: chain.sources,
                reached: Vec::new(),
            }
        })
        .collect()
}
