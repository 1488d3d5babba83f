//! One scan: current facts + committed baselines + rule catalog → findings.

use std::path::Path;

use crate::baseline::Baselines;
use crate::diff::{self, ResourceDiff};
use crate::error::Result;
use crate::findings::ScanResult;
use crate::rules::{self, Rule};
use crate::snapshot::Snapshot;

/// Loads the baselines for `current`'s account from `dir`; with `use_baseline` false,
/// scans without one (every resource then counts as new; findings still point into `dir`).
pub fn load_baselines(dir: &Path, use_baseline: bool, current: &Snapshot) -> Result<Baselines> {
    let mut baselines = if use_baseline { Baselines::load(dir, &current.meta)? } else { Baselines::none(dir, &current.meta) };
    baselines.snapshot.iam.adopt_volatile(&current.iam);
    Ok(baselines)
}

/// Diffs and evaluates; returns the findings and the diff they came from.
pub fn run(current: &Snapshot, baselines: &Baselines, rules: &[Rule]) -> (ScanResult, Vec<ResourceDiff>) {
    let diffs = diff::diff(&baselines.snapshot, current);
    let findings = rules::engine::evaluate(rules, baselines, current, &diffs);
    let mut gaps = current.meta.collection_gaps.clone();
    gaps.sort();
    let result = ScanResult {
        account_id: current.meta.account_id.clone(),
        scanned_at: current.meta.scanned_at,
        regions: current.meta.regions.clone(),
        collection_gaps: gaps,
        findings,
        stale_exceptions: Vec::new(),
    };
    (result, diffs)
}

/// Applies the account's committed exceptions: suppresses what they cover, adds a finding
/// per expired exception, records the stale ones. Findings stay sorted.
pub fn apply_exceptions(result: &mut ScanResult, exceptions: &[crate::exceptions::Exception], rules: &[Rule]) {
    let expired_rule = rules.iter().find(|r| r.id == crate::exceptions::EXPIRED_RULE);
    let today = result.scanned_at.date_naive();
    let (expired, stale) = crate::exceptions::apply(exceptions, &mut result.findings, today, expired_rule, &result.account_id);
    result.findings.extend(expired);
    result.findings.sort_by(|a, b| {
        (a.severity, &a.rule_id, &a.resource_id, &a.field, &a.fingerprint).cmp(&(b.severity, &b.rule_id, &b.resource_id, &b.field, &b.fingerprint))
    });
    result.stale_exceptions = stale;
}
