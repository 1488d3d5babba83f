//! The public escalation test-bed (BishopFox iam-vulnerable, re-described in
//! fixtures/iam/iam-vulnerable/cases.json): every one of its 31 paths and its
//! "false-negative" tool tests is found with the method the case names, on every principal
//! the case gives it; its "false-positive" tool tests raise no privilege finding at all.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

use crate::common::{driftscan, moto::venv_bin, path_str, repo};

/// The privilege rules a false-positive case must not trigger.
const PRIVILEGE_RULES: [&str; 3] = ["DS-IAM-001", "DS-IAM-002", "DS-IAM-004"];

/// The method a privilege finding names: `via <method> (` for DS-IAM-004, `RoleChain` for
/// a chain, `administrator` for DS-IAM-001.
fn method_of(finding: &Value) -> String {
    let message = finding["message"].as_str().unwrap_or_default();
    if finding["rule_id"] == "DS-IAM-001" {
        return "administrator".into();
    }
    if message.contains("RoleChain ") {
        return "RoleChain".into();
    }
    message
        .split_once(" via ")
        .and_then(|(_, rest)| rest.split_once(" ("))
        .map(|(m, _)| m.to_string())
        .unwrap_or_else(|| finding["rule_id"].as_str().unwrap_or_default().to_string())
}

#[test]
fn every_path_of_the_public_test_bed_is_found_and_no_false_positive_case_is_flagged() {
    let Some(bin) = venv_bin() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let cases_path = repo().join("fixtures/iam/iam-vulnerable/cases.json");
    let snapshot = tmp.path().join("snapshot.json");
    let built = Command::new(bin.join("python"))
        .arg(repo().join("bench/testbed.py"))
        .args(["--cases", path_str(&cases_path), "-o", path_str(&snapshot)])
        .output()
        .unwrap();
    assert!(built.status.success(), "testbed.py: {}", String::from_utf8_lossy(&built.stderr));
    let report = tmp.path().join("report.json");
    let run = driftscan(&[
        "scan",
        "--snapshot",
        path_str(&snapshot),
        "--no-baseline",
        "--fail-on",
        "none",
        "--format",
        "json",
        "-o",
        path_str(&report),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let mut methods: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        if PRIVILEGE_RULES.contains(&f["rule_id"].as_str().unwrap()) {
            methods.entry(f["resource_id"].as_str().unwrap().to_string()).or_default().insert(method_of(f));
        }
    }

    let spec: Value = serde_json::from_str(&std::fs::read_to_string(&cases_path).unwrap()).unwrap();
    let account = spec["account_id"].as_str().unwrap();
    let cases = spec["cases"].as_array().unwrap();
    let paths = cases.iter().filter(|c| c["kind"] == "path").count();
    assert_eq!(paths, 31, "iam-vulnerable has 31 escalation paths");

    let mut wrong = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let wanted: BTreeSet<String> =
            case["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
        let not_alone: Vec<&str> =
            case["not_alone"].as_array().map(|a| a.iter().map(|v| v.as_str().unwrap()).collect()).unwrap_or_default();
        let subjects: Vec<String> = match case["subjects"].as_array() {
            Some(list) => list.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
            None => vec![format!("user/{name}-user"), format!("role/{name}-role")],
        };
        for subject in subjects {
            let arn = format!("arn:aws:iam::{account}:{subject}");
            let found = methods.get(&arn).cloned().unwrap_or_default();
            let ok = if wanted.is_empty() || not_alone.contains(&subject.as_str()) {
                found.is_empty()
            } else {
                !found.is_disjoint(&wanted)
            };
            if !ok {
                wrong.push(format!("{name} / {subject}: expected {wanted:?}, found {found:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "test-bed cases not met:\n{}", wrong.join("\n"));
}
