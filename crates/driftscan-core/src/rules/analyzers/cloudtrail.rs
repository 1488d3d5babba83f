//! The audit trail as a whole: whether any trail records every region, and trails that
//! stopped recording or disappeared since the baseline.

use serde_json::Value;

use super::{DriftAnalyzer, Hit, StateAnalyzer, View};
use crate::diff::ResourceDiff;

/// No multi-region trail of the account is logging, and no organization trail covers it.
#[derive(Debug)]
pub struct NoMultiRegionTrail;

impl StateAnalyzer for NoMultiRegionTrail {
    /// The verdict is about every trail of the account, not the account entry alone.
    fn same_on_both_sides(&self, baseline: &View, current: &View, diff: &ResourceDiff) -> bool {
        diff.change == crate::diff::Change::Unchanged
            && baseline.facts.cloudtrail.trails == current.facts.cloudtrail.trails
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let cloudtrail = &view.facts.cloudtrail;
        let Some(account) = cloudtrail.account.get(view.id) else { return Vec::new() };
        if !account.organization_trails.is_empty() || cloudtrail.trails.values().any(|t| t.multi_region && t.logging) {
            return Vec::new();
        }
        let stopped: Vec<&str> =
            cloudtrail.trails.values().filter(|t| t.multi_region && !t.logging).map(|t| t.name.as_str()).collect();
        let detail = if stopped.is_empty() {
            "no trail of the account covers every region".to_string()
        } else {
            format!("its multi-region trails are stopped ({})", stopped.join(", "))
        };
        vec![Hit::new("", "organization_trails", detail).values(None, Some(Value::Bool(false)))]
    }
}

/// A trail that logged at the baseline and is stopped or deleted now.
#[derive(Debug)]
pub struct TrailStopped;

impl DriftAnalyzer for TrailStopped {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let logging = |v: &View| v.value.get("logging").and_then(Value::as_bool) == Some(true);
        if !baseline.is_some_and(logging) {
            return Vec::new();
        }
        match current {
            None => vec![Hit::new("", "logging", "was deleted").values(Some(Value::Bool(true)), None)],
            Some(c) if !logging(c) => {
                vec![
                    Hit::new("", "logging", "stopped logging")
                        .values(Some(Value::Bool(true)), Some(Value::Bool(false))),
                ]
            }
            Some(_) => Vec::new(),
        }
    }
}
