//! Role chains: principal A may assume role B (A's policies allow `sts:AssumeRole` on B,
//! and B's trust policy admits A, A's account or everyone), and B is
//! administrator-equivalent or has an escalation method of its own, or leads on to such a
//! role. Searched breadth-first from A, each role visited once (cycles end there), at most
//! [`MAX_HOPS`] roles deep; the shortest chain to each powerful role is reported.

use std::collections::VecDeque;

use foldhash::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::OnceLock;

use super::admin::is_admin;
use super::escalation;
use super::eval::{Context, Decision, Policies, Target};
use crate::arn::Arn;
use crate::glob::wildcard_match;
use crate::snapshot::policy::{Effect, PolicyDocument};
use crate::snapshot::{ResourceType, Snapshot};

/// How many roles a chain may pass through.
pub const MAX_HOPS: usize = 3;

/// The account's roles, indexed by whom their trust policies admit. Built once per side of
/// a scan.
pub struct RoleGraph {
    roles: Vec<Role>,
    by_arn: HashMap<String, usize>,
    /// Role indexes (and whether the admission carries a condition) by admitted principal:
    /// an ARN, an account root ARN, an account id, or `*`.
    admitted: HashMap<String, Vec<(usize, bool)>>,
    /// The admissions of the whole account (its root ARN, its id, `*`): the same for every
    /// principal, so gathered once.
    account_wide: Vec<(usize, bool)>,
    /// Changes whenever the roles or the managed policies change: two sides with the same
    /// digest give every principal the same chains.
    pub digest: u64,
    /// Changes whenever what the escalation methods read of the account besides the
    /// principal's own policies changes: the users (ARN, name), groups and customer
    /// policies they may name, and the roles' names and trust. Two sides with the same one
    /// give a principal with the same policies the same methods.
    pub methods_digest: u64,
}

struct Role {
    arn: String,
    name: String,
    /// "administrator" or "escalates via …"; `None` when the role alone gives nothing.
    power: OnceLock<Option<String>>,
}

/// A chain from a principal to a powerful role.
pub struct Chain {
    /// Role names, in order.
    pub hops: Vec<String>,
    pub power: String,
    /// Some step is allowed only under a condition (trust or identity policy).
    pub conditional: bool,
    /// The principal's own policies that allow the first step.
    pub sources: Vec<String>,
}

impl RoleGraph {
    pub fn new(facts: &Snapshot) -> RoleGraph {
        let mut roles = Vec::new();
        let mut by_arn = HashMap::default();
        let mut admitted: HashMap<String, Vec<(usize, bool)>> = HashMap::default();
        for (arn, role) in &facts.iam.roles {
            let index = roles.len();
            by_arn.insert(arn.clone(), index);
            roles.push(Role { arn: arn.clone(), name: role.name.clone(), power: OnceLock::new() });
            for (principal, conditional) in admits(&role.trust_policy) {
                admitted.entry(principal).or_default().push((index, conditional));
            }
        }
        let root = Arn::account_root(&facts.meta.partition, &facts.meta.account_id).to_string();
        let account_wide = [root.as_str(), facts.meta.account_id.as_str(), "*"]
            .into_iter()
            .flat_map(|k| admitted.get(k).into_iter().flatten().copied())
            .collect();
        // Both digests compare the two sides of one scan: any fixed seed does. Each role and
        // policy is written as JSON into one reused buffer and hashed from there (the whole
        // sections as two strings, hashed by SipHash, were 3.8 % of a scan).
        let seed = foldhash::fast::FixedState::with_seed(0);
        let (mut hasher, mut methods) = (seed.build_hasher(), seed.build_hasher());
        fn hash_json(json: &mut Vec<u8>, value: &impl serde::Serialize, hasher: &mut impl Hasher) {
            json.clear();
            serde_json::to_writer(&mut *json, value).expect("facts serialize");
            hasher.write(json);
        }
        let mut json = Vec::new();
        let iam = &facts.iam;
        for (arn, role) in &iam.roles {
            hash_json(&mut json, &(arn, role), &mut hasher);
            (arn, &role.name).hash(&mut methods);
            hash_json(&mut json, &role.trust_policy, &mut methods);
        }
        for (arn, policy) in &iam.policies {
            hash_json(&mut json, &(arn, policy), &mut hasher);
            (arn, policy.aws_managed).hash(&mut methods);
        }
        for (arn, user) in &iam.users {
            (arn, &user.name).hash(&mut methods);
        }
        iam.groups.keys().for_each(|arn| arn.hash(&mut methods));
        RoleGraph { roles, by_arn, admitted, account_wide, digest: hasher.finish(), methods_digest: methods.finish() }
    }

    /// Roles whose trust admits the principal `arn` (a group is no principal: only its
    /// account): the role, whether the admission carries a condition, and whether the trust
    /// names the principal itself (then, in the same account, no identity policy of the
    /// principal needs to allow `sts:AssumeRole`).
    fn candidates(&self, kind: ResourceType, arn: &str) -> Vec<Admission> {
        let own = (kind != ResourceType::IamGroup).then_some(arn);
        let named =
            own.into_iter().flat_map(|k| self.admitted.get(k).into_iter().flatten().map(|&(i, c)| (i, c, true)));
        let others = self.account_wide.iter().map(|&(i, c)| (i, c, false));
        let mut out: Vec<Admission> =
            named.chain(others).map(|(role, conditional, named)| Admission { role, conditional, named }).collect();
        // Per role, an unconditional admission first, then one by name.
        out.sort_unstable_by_key(|a| (a.role, a.conditional, !a.named));
        out.dedup_by_key(|a| a.role);
        out
    }

    fn power(&self, facts: &Snapshot, index: usize) -> Option<&str> {
        let role = &self.roles[index];
        role.power
            .get_or_init(|| {
                let policies = Policies::of(facts, ResourceType::IamRole, &role.arn);
                let subject = escalation::Subject::new(facts, ResourceType::IamRole, &role.arn);
                if policies.identity.is_empty() {
                    None
                } else if is_admin(&policies) {
                    Some("administrator".into())
                } else {
                    escalation::methods()
                        .iter()
                        .find(|m| m.found(&subject, &policies).is_some())
                        .map(|m| format!("escalates via {}", m.id))
                }
            })
            .as_deref()
    }

    /// The shortest chain from the principal to each powerful role it can reach.
    pub fn chains(&self, facts: &Snapshot, kind: ResourceType, id: &str, policies: &Policies) -> Vec<Chain> {
        // Sparse: most principals reach no role at all, and the account may have thousands.
        let mut visited: foldhash::HashSet<usize> = self.by_arn.get(id).copied().into_iter().collect();
        let mut out = Vec::new();
        let mut queue =
            VecDeque::from([Step { node: None, path: Vec::new(), conditional: false, sources: Vec::new() }]);
        while let Some(Step { node, path, conditional, sources }) = queue.pop_front() {
            let (node_kind, node_arn) = match node {
                None => (kind, id),
                Some(i) => (ResourceType::IamRole, self.roles[i].arn.as_str()),
            };
            let node_policies;
            let acting = match node {
                None => policies,
                Some(_) => {
                    node_policies = Policies::of(facts, node_kind, node_arn);
                    &node_policies
                }
            };
            for Admission { role: next, conditional: trust_conditional, named } in self.candidates(node_kind, node_arn)
            {
                if visited.contains(&next) {
                    continue;
                }
                let target = Target::Exact(&self.roles[next].arn);
                let (decision, via) = if named {
                    acting.evaluate_named("sts:AssumeRole", target, &Context::default())
                } else {
                    acting.evaluate_in("sts:AssumeRole", target, &Context::default())
                };
                if decision == Decision::NotAllowed {
                    continue;
                }
                visited.insert(next);
                let mut hops = path.clone();
                hops.push(next);
                let conditional = conditional || trust_conditional || decision == Decision::AllowedUnderCondition;
                let sources = match node {
                    None if via.is_empty() => vec![format!("trust policy of role {} naming it", self.roles[next].name)],
                    None => via.iter().map(ToString::to_string).collect(),
                    Some(_) => sources.clone(),
                };
                match self.power(facts, next) {
                    Some(power) => out.push(Chain {
                        hops: hops.iter().map(|&i| self.roles[i].name.clone()).collect(),
                        power: power.to_string(),
                        conditional,
                        sources,
                    }),
                    None if hops.len() < MAX_HOPS => {
                        queue.push_back(Step { node: Some(next), path: hops, conditional, sources })
                    }
                    None => {}
                }
            }
        }
        out
    }
}

/// A role whose trust policy admits a principal.
struct Admission {
    role: usize,
    conditional: bool,
    /// The trust policy names the principal's own ARN.
    named: bool,
}

/// A principal reached on the way: the role (`None` for the principal itself), the roles
/// that led there, whether a step was conditional, the principal's policies for step one.
struct Step {
    node: Option<usize>,
    path: Vec<usize>,
    conditional: bool,
    sources: Vec<String>,
}

/// Whom a trust policy lets call `sts:AssumeRole`: each AWS principal of an Allow
/// statement, and whether that statement carries a condition (an external id, MFA).
fn admits(trust: &PolicyDocument) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for s in trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let assume = if s.is_not_action() {
            !s.not_action.iter().any(|p| wildcard_match(p, "sts:AssumeRole", true))
        } else {
            s.action.iter().any(|p| wildcard_match(p, "sts:AssumeRole", true))
        };
        let Some(aws) = s.principal.as_ref().and_then(|p| p.get("AWS")) else { continue };
        if assume {
            out.extend(aws.iter().map(|principal| (principal.clone(), !s.condition.is_empty())));
        }
    }
    out
}
