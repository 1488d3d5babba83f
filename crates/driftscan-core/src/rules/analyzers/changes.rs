//! Any tracked change since the baseline (change management evidence): a resource added
//! or removed, or a field changed, where no more specific rule already says so.

use super::{DriftAnalyzer, Hit, View, show};
use crate::diff::{Change, ResourceDiff};
use crate::snapshot;

#[derive(Debug)]
pub struct ChangedFields;

impl DriftAnalyzer for ChangedFields {
    fn reads_value(&self) -> bool {
        false
    }

    fn yields_to_other_rules(&self) -> bool {
        true
    }

    fn compare(&self, _baseline: Option<&View>, _current: Option<&View>, diff: &ResourceDiff) -> Vec<Hit> {
        let hit = |key: &str, field: Option<String>, detail: String, b, c| Hit {
            key: key.into(),
            field,
            detail,
            baseline: b,
            current: c,
        };
        match &diff.change {
            Change::Added => vec![hit("added", None, "is not in the baseline (added since)".into(), None, None)],
            Change::Removed => vec![hit("removed", None, "was removed since the baseline".into(), None, None)],
            Change::Changed(paths) => paths
                .iter()
                .map(|p| {
                    let b = diff.baseline().and_then(|v| snapshot::field(v, p)).cloned();
                    let c = diff.current().and_then(|v| snapshot::field(v, p)).cloned();
                    let detail = format!("{p} changed from {} to {}", show(b.as_ref()), show(c.as_ref()));
                    hit(p, Some(p.clone()), detail, b, c)
                })
                .collect(),
            Change::Unchanged | Change::Uncollected => Vec::new(),
        }
    }
}
