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

/// The account the IAM tests build on.
#[cfg(test)]
pub(crate) mod testing {
    use crate::snapshot::Snapshot;

    pub(crate) const ACCOUNT: &str = "111122223333";

    /// An empty account's facts (the escalation and privilege tests build on it).
    pub(crate) fn account() -> Snapshot {
        Snapshot::empty(crate::snapshot::Meta {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: vec!["us-east-1".into()],
            scanned_at: chrono::DateTime::UNIX_EPOCH,
            tool_version: "test".into(),
            caller_arn: String::new(),
            collection_gaps: Vec::new(),
            account_name: None,
            organization_accounts: Vec::new(),
        })
    }
}
