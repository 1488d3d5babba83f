//! The committed demo account end to end: every planted drift is found, as new, once;
//! the approved state itself shows no drift; outputs are deterministic; the committed
//! baselines and snapshots are exactly what their generators make.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::Value;

fn findings(json: &Value) -> &Vec<Value> {
    json["findings"].as_array().expect("findings array")
}

fn short(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap()
}

#[test]
fn every_planted_drift_is_found_as_new() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, json, _) = scan_demo(tmp.path());
    assert_eq!(code, 1, "the demo has high findings");
    let new: BTreeSet<(String, String)> = findings(&json)
        .iter()
        .filter(|f| f["baseline_state"] == "new")
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), short(f["resource_id"].as_str().unwrap()).to_string()))
        .collect();
    let expected = std::fs::read_to_string(repo().join("fixtures/demo/expected-findings.tsv")).unwrap();
    let expected: Vec<(&str, &str)> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split_once('\t').expect("rule<TAB>resource"))
        .collect();
    assert_eq!(expected.len(), 53, "the demo plants 53 drifts");
    for (rule, resource) in expected {
        assert!(
            new.contains(&(rule.to_string(), resource.to_string())),
            "{rule} on {resource} not found as new; new findings: {new:#?}"
        );
    }
    // Nothing was planted on these: no new finding may name them.
    for quiet in [
        "alice.nguyen",
        "bob.smith",
        "acme-cloudtrail",
        "analytics-aurora",
        "acme-sessions",
        "vol-0a1b2c3d4e5f60001",
        "snap-0f1e2d3c4b5a60001",
    ] {
        assert!(!new.iter().any(|(_, r)| r == quiet), "unexpected new finding on {quiet}: {new:#?}");
    }
    let categories: BTreeSet<&str> = findings(&json)
        .iter()
        .filter(|f| f["baseline_state"] == "new")
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        BTreeSet::from(["config-drift", "encryption-drift", "mfa-gap", "privilege-creep", "public-exposure"])
    );
}

#[test]
fn the_approved_state_has_no_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("r.json");
    let run = driftscan(&[
        "scan",
        "--snapshot",
        path_str(&demo_baseline_snapshot()),
        "--format",
        "json",
        "-o",
        path_str(&json),
        "--fail-on",
        "none",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let states: BTreeSet<&str> = findings(&report).iter().map(|f| f["baseline_state"].as_str().unwrap()).collect();
    assert_eq!(states, BTreeSet::from(["unchanged"]), "known issues of the approved state are unchanged, nothing else");
    let diff = driftscan(&["diff", "--snapshot", path_str(&demo_baseline_snapshot()), "--exit-code"]);
    assert_eq!(diff.code, 0);
    assert!(diff.stdout.contains("0 resources drifted"), "{}", diff.stdout);
}

#[test]
fn findings_point_at_the_baseline_line_of_their_field() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, json, _) = scan_demo(tmp.path());
    for f in findings(&json) {
        let path = f["location"]["path"].as_str().unwrap();
        let line = f["location"]["line"].as_u64().unwrap() as usize;
        let text = std::fs::read_to_string(repo().join(path)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(line >= 1 && line <= lines.len(), "{path}:{line} out of range");
        let resource = f["resource_id"].as_str().unwrap();
        if !text.contains(&format!("\"{resource}\"")) {
            assert_eq!(line, 1, "a resource missing from the baseline is anchored at line 1");
            continue;
        }
        if let Some(field) = f["field"].as_str() {
            // The field's own line, or its nearest parent's where the field is new.
            let shown = lines[line - 1];
            assert!(
                field.split('.').any(|seg| shown.contains(&format!("\"{seg}\""))),
                "{}: {path}:{line} is `{shown}`, not field {field}",
                f["rule_id"]
            );
        }
    }
}

#[test]
fn outputs_are_byte_for_byte_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    scan_demo(a.path());
    scan_demo(b.path());
    for name in ["demo.json", "demo.sarif", "demo.txt"] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(x == y, "{name} differs between two runs");
    }
}

#[test]
fn committed_baselines_are_what_baseline_init_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let run = driftscan(&[
        "baseline",
        "init",
        "--snapshot",
        path_str(&demo_baseline_snapshot()),
        "--baselines",
        path_str(tmp.path()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = tmp.path().join(DEMO_ACCOUNT);
    for service in ["iam", "s3", "rds", "dynamodb", "kms", "config"] {
        let fresh = std::fs::read_to_string(dir.join(format!("{service}.json"))).unwrap();
        let committed =
            std::fs::read_to_string(baselines().join(DEMO_ACCOUNT).join(format!("{service}.json"))).unwrap();
        assert!(
            fresh == committed,
            "baselines/{DEMO_ACCOUNT}/{service}.json is stale: rerun `driftscan baseline init --force`"
        );
    }
    let again = driftscan(&[
        "baseline",
        "init",
        "--snapshot",
        path_str(&demo_baseline_snapshot()),
        "--baselines",
        path_str(tmp.path()),
    ]);
    assert_eq!(again.code, 2, "init refuses to overwrite");
    assert!(again.stderr.contains("already exist"), "{}", again.stderr);
}

#[test]
fn committed_snapshots_are_what_the_generator_writes() {
    let python = std::env::var("DRIFTSCAN_PYTHON").unwrap_or_else(|_| "python3".into());
    let tmp = tempfile::tempdir().unwrap();
    let status =
        std::process::Command::new(&python).arg(repo().join("fixtures/demo/generate.py")).arg(tmp.path()).status();
    match status {
        Ok(s) => assert!(s.success()),
        Err(e) if std::env::var_os("DRIFTSCAN_REQUIRE_TOOLS").is_none() => {
            eprintln!("skipped: {python} not runnable ({e})");
            return;
        }
        Err(e) => panic!("{python}: {e}"),
    }
    for name in ["baseline.json", "today.json"] {
        let fresh = std::fs::read(tmp.path().join(name)).unwrap();
        let committed = std::fs::read(repo().join("fixtures/demo").join(name)).unwrap();
        assert!(fresh == committed, "fixtures/demo/{name} is stale: rerun fixtures/demo/generate.py");
    }
}
