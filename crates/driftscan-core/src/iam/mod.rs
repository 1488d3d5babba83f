//! What IAM lets each principal do, worked out from the facts alone: effective policies
//! and AWS's evaluation logic ([`eval`]), administrator equivalence ([`admin`]), the
//! escalation methods ([`escalation`]) and role chains ([`role_graph`]) that lead there,
//! combined per principal as escalation [`paths`], and who a role's trust admits
//! ([`trust`]). The rules, the access review and anything else that asks "what can this
//! principal do" use this module, so they never disagree.

pub mod admin;
pub mod escalation;
pub mod eval;
pub mod paths;
pub mod role_graph;
pub mod trust;

pub use admin::{AdminGrant, is_admin};
pub use eval::{
    AllowedServices, Context, Decision, EVERY_RESOURCE, Policies, PolicyIndex, SOME_RESOURCE, Source, Target,
};
pub use paths::EscalationPath;
pub use role_graph::RoleGraph;
