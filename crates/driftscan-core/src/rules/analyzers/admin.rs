//! Administrator-equivalent principals (DS-IAM-001), as [`crate::iam::admin`] decides.

use serde_json::Value;

use super::{Hit, StateAnalyzer, View, source_field};
use crate::diff::ResourceDiff;
use crate::iam::AdminGrant;

#[derive(Debug)]
pub struct AdminAccess;

impl StateAnalyzer for AdminAccess {
    fn reads_value(&self) -> bool {
        false
    }

    fn same_on_both_sides(&self, baseline: &View, current: &View, _diff: &ResourceDiff) -> bool {
        current.same_policies_as(baseline)
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(grant) = AdminGrant::of(&view.policies()) else { return Vec::new() };
        vec![Hit {
            key: "admin".into(),
            field: Some(source_field(&grant.sources).into()),
            detail: grant.to_string(),
            baseline: None,
            current: Some(Value::from(grant.sources)),
        }]
    }
}
