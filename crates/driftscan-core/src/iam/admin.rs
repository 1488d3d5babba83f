//! Administrator equivalence: a principal that may change any IAM permission on any
//! resource can grant itself everything, so full IAM control counts as admin.

use std::fmt;

use super::eval::{Decision, EVERY_RESOURCE, Policies, source_names};

/// Holding all of these on every resource is full control of IAM.
const IAM_CONTROL: [&str; 8] = [
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:CreateAccessKey",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
];

/// A spread of services; allowed all together with IAM control it means `*:*`.
const EVERYTHING: [&str; 6] = [
    "s3:DeleteBucket",
    "ec2:TerminateInstances",
    "kms:ScheduleKeyDeletion",
    "rds:DeleteDBInstance",
    "dynamodb:DeleteTable",
    "organizations:LeaveOrganization",
];

/// Whether the policies give full control of IAM on every resource (conditions aside).
pub fn is_admin(policies: &Policies) -> bool {
    IAM_CONTROL.iter().all(|a| policies.evaluate(a, EVERY_RESOURCE).0 != Decision::NotAllowed)
}

/// Why a principal is administrator-equivalent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminGrant {
    /// `*:*` as well, not only IAM control.
    pub full: bool,
    /// Some of it is allowed only under a condition.
    pub conditional: bool,
    /// The policies that allow it, as the principal holds them (`group admins`, `inline
    /// policy p`, `policy AdministratorAccess`).
    pub sources: Vec<String>,
}

impl AdminGrant {
    /// `None` when the policies do not give full control of IAM on every resource.
    pub fn of(policies: &Policies) -> Option<AdminGrant> {
        let mut weakest = Decision::Allowed;
        let mut sources = Vec::new();
        for action in IAM_CONTROL {
            let (decision, via) = policies.evaluate(action, EVERY_RESOURCE);
            // Most principals lack the first: the others need not be asked.
            if decision == Decision::NotAllowed {
                return None;
            }
            weakest = weakest.min(decision);
            sources.extend(via);
        }
        Some(AdminGrant {
            full: EVERYTHING.iter().all(|a| policies.evaluate(a, EVERY_RESOURCE).0 != Decision::NotAllowed),
            conditional: weakest == Decision::AllowedUnderCondition,
            sources: source_names(&sources),
        })
    }
}

/// `full administrator access (*:*) through group admins`.
impl fmt::Display for AdminGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.full {
            "full administrator access (*:*)"
        } else {
            "full control of IAM (admin-equivalent)"
        })?;
        if self.conditional {
            f.write_str(", allowed under a condition")?;
        }
        write!(f, " through {}", self.sources.join(", "))
    }
}
