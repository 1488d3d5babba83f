//! Every built-in rule has pass and fail cases beside it (`rules/<category>/<ID>.cases.json`).
//! A case patches the demo account's approved snapshot (JSON merge patch, RFC 7386) into
//! a baseline and a current state, runs the whole engine, and checks the rule's findings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    fail: Vec<FailCase>,
    pass: Vec<PassCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailCase {
    name: String,
    #[serde(default)]
    baseline: Value,
    #[serde(default)]
    current: Value,
    /// `(resource ARN, baseline_state)` of every finding the rule must make, and no more.
    expect: Vec<(String, String)>,
    /// Accounts trusted with access (`--trusted-account`).
    #[serde(default)]
    trusted_accounts: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PassCase {
    name: String,
    #[serde(default)]
    baseline: Value,
    #[serde(default)]
    current: Value,
    /// Resources on which the rule must report no open finding.
    clean: Vec<String>,
    #[serde(default)]
    trusted_accounts: Vec<String>,
}

/// `(resource, state)` of the rule's findings for one case.
fn run_case(
    rule_id: &str,
    base: &Value,
    (baseline, current): (&Value, &Value),
    trusted_accounts: &[String],
) -> BTreeSet<(String, String)> {
    let before = patched(base, baseline);
    let now = patched(base, current);
    let rules: Vec<_> =
        driftscan_core::rules::load_catalog(&[]).unwrap().into_iter().filter(|r| r.id == rule_id).collect();
    assert_eq!(rules.len(), 1, "no rule {rule_id}");
    let findings = ApprovedBaselines::write(&before).scan(now, &rules, trusted_accounts);
    findings.iter().map(|f| (f.resource_id.clone(), f.baseline_state.as_str().to_string())).collect()
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            case_files(&path, out);
        } else if path.to_string_lossy().ends_with(".cases.json") {
            out.push(path);
        }
    }
}

#[test]
fn every_rule_passes_and_fails_its_cases() {
    let base: Value = serde_json::from_str(&std::fs::read_to_string(demo_baseline_snapshot()).unwrap()).unwrap();
    let catalog = driftscan_core::rules::load_catalog(&[]).unwrap();
    let mut files = Vec::new();
    case_files(&repo().join("rules"), &mut files);
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for file in &files {
        let rule_id = file.file_name().unwrap().to_string_lossy().trim_end_matches(".cases.json").to_string();
        let rule_file = file.with_file_name(format!("{rule_id}.toml"));
        assert!(rule_file.exists(), "{} has no rule beside it", file.display());
        let cases: Cases = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            !cases.fail.is_empty() && !cases.pass.is_empty(),
            "{rule_id}: needs at least one fail and one pass case"
        );
        covered.insert(rule_id.clone());
        for case in &cases.fail {
            let got = run_case(&rule_id, &base, (&case.baseline, &case.current), &case.trusted_accounts);
            let want: BTreeSet<(String, String)> = case.expect.iter().cloned().collect();
            if got != want {
                failures.push(format!("{rule_id} fail case `{}`:\n  want {want:?}\n  got  {got:?}", case.name));
            }
        }
        for case in &cases.pass {
            let got = run_case(&rule_id, &base, (&case.baseline, &case.current), &case.trusted_accounts);
            let open: Vec<_> = got.iter().filter(|(r, s)| s != "absent" && case.clean.contains(r)).collect();
            if !open.is_empty() {
                failures.push(format!("{rule_id} pass case `{}`: unexpected findings {open:?}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
    // Expired exceptions are found in exceptions.toml, not on resources: tests/exceptions.rs.
    let missing: Vec<&str> = catalog
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !covered.contains(*id) && *id != driftscan_core::exceptions::EXPIRED_RULE)
        .collect();
    assert!(missing.is_empty(), "rules without cases: {missing:?}");
}
