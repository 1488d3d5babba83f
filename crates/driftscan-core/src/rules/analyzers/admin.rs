//! Admin-equivalent access: a principal that may change any IAM permission on any
//! resource can grant itself everything, so full IAM control counts as admin.

use serde_json::Value;

use super::policy_eval::{Decision, EVERY_RESOURCE, Policies};
use super::{Analyzer, Hit, View};
use crate::diff::ResourceDiff;

#[derive(Debug)]
pub struct AdminAccess;

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

impl Analyzer for AdminAccess {
    fn reads_value(&self) -> bool {
        false
    }

    fn is_drift(&self) -> bool {
        false
    }

    fn same_on_both_sides(&self, baseline: &View, current: &View, _diff: &ResourceDiff) -> bool {
        super::policy_eval::same_policies(baseline, current)
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let policies = view.policies();
        let mut weakest = Decision::Allowed;
        let mut sources = Vec::new();
        for action in IAM_CONTROL {
            let (decision, via) = policies.evaluate(action, EVERY_RESOURCE);
            // Most principals lack the first: the others need not be asked.
            if decision == Decision::NotAllowed {
                return Vec::new();
            }
            weakest = weakest.min(decision);
            sources.extend(via);
        }
        let sources = super::policy_eval::source_names(&sources);
        let full = EVERYTHING.iter().all(|a| policies.evaluate(a, EVERY_RESOURCE).0 != Decision::NotAllowed);
        let mut detail = if full {
            "full administrator access (*:*)".to_string()
        } else {
            "full control of IAM (admin-equivalent)".to_string()
        };
        if weakest == Decision::AllowedUnderCondition {
            detail.push_str(", allowed under a condition");
        }
        detail.push_str(&format!(" through {}", sources.join(", ")));
        let field = if sources.iter().any(|s| s.starts_with("group ")) {
            "groups"
        } else if sources.iter().any(|s| s.starts_with("inline policy")) {
            "inline_policies"
        } else {
            "attached_policies"
        };
        vec![Hit {
            key: "admin".into(),
            field: Some(field.into()),
            detail,
            baseline: None,
            current: Some(Value::from(sources)),
        }]
    }
}
