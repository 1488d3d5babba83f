//! Exceptions (`baselines/<account>/exceptions.toml`): a matching entry suppresses (kept in
//! every report, SARIF `suppressions`, no longer failing the run), an expired one is a
//! finding at its line, an unmatched one is stale, a bad one is a `file:line` error.

use std::path::Path;

use crate::common::*;
use serde_json::Value;

const DANA: &str = "arn:aws:iam::123456789012:user/dana.kim";
const MARCO: &str = "arn:aws:iam::123456789012:user/marco.rossi";

fn with_exceptions(text: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&baselines(), &tmp.path().join("baselines"));
    std::fs::write(tmp.path().join("baselines/123456789012/exceptions.toml"), text).unwrap();
    tmp
}

fn scan(dir: &Path, extra: &[&str]) -> (Run, Value, Value, String) {
    let b = dir.join("baselines");
    let (j, s, t) = (dir.join("r.json"), dir.join("r.sarif"), dir.join("r.txt"));
    let run = driftscan(
        &[
            &[
                "scan",
                "--snapshot",
                path_str(&demo_today()),
                "--baselines",
                path_str(&b),
                "--json",
                path_str(&j),
                "--sarif",
                path_str(&s),
                "-o",
                path_str(&t),
            ][..],
            extra,
        ]
        .concat(),
    );
    let read = |p: &Path| serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|_| "null".into())).unwrap();
    (run, read(&j), read(&s), std::fs::read_to_string(&t).unwrap_or_default())
}

#[test]
fn matched_expired_and_stale_exceptions() {
    let tmp = with_exceptions(&format!(
        r#"# Reviewed in PR #42.
[[exception]]
rule = "DS-IAM-00?"
resource = "{DANA}"
reason = "Interim admin during the data-platform migration"
owner = "secops@acme.example"
expires = 2027-01-31

[[exception]]
rule = "DS-MFA-00*"
resource = "re:arn:aws:iam::\\d+:user/marco\\..*"
reason = "Replacement security key in the post"
expires = 2026-11-01

[[exception]]
rule = "DS-PUB-004"
resource = "arn:aws:rds:*:123456789012:db:decommissioned-*"
reason = "Old public demo database"
"#
    ));
    let (run, json, sarif, text) = scan(tmp.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = json["findings"].as_array().unwrap();
    let of = |rule: &str, resource: &str| {
        findings.iter().filter(|f| f["rule_id"] == rule && f["resource_id"] == resource).collect::<Vec<_>>()
    };

    // Matched: still reported, marked, not counted.
    let admin = of("DS-IAM-001", DANA);
    assert_eq!(admin.len(), 1);
    assert_eq!(admin[0]["suppression"]["reason"], "Interim admin during the data-platform migration");
    assert_eq!(admin[0]["suppression"]["location"]["line"], 2);
    assert!(of("DS-IAM-003", DANA)[0]["suppression"].is_object(), "the `?` glob covers DS-IAM-003 too");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "DS-IAM-001" && r["properties"]["resource_id"] == DANA)
        .unwrap();
    assert_eq!(result["suppressions"][0]["kind"], "external");
    assert_eq!(result["suppressions"][0]["justification"], "Interim admin during the data-platform migration");
    assert!(text.contains("SUPPRESSED by exceptions (2)"), "{text}");

    // Expired: marco's findings fail again, and the expiry is a finding at the entry's line.
    assert!(of("DS-MFA-002", MARCO)[0].get("suppression").is_none());
    let expired: Vec<&Value> = findings.iter().filter(|f| f["rule_id"] == "DS-CFG-008").collect();
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(
        expired[0]["location"]["path"].as_str().unwrap().ends_with("baselines/123456789012/exceptions.toml"),
        "{}",
        expired[0]["location"]
    );
    assert_eq!(expired[0]["location"]["line"], 9);
    assert!(expired[0]["message"].as_str().unwrap().contains("expired on 2026-11-01"));

    // Stale: listed in JSON, as a SARIF warning notification, and in the text report.
    assert_eq!(json["stale_exceptions"][0]["location"]["line"], 15);
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["level"] == "warning"
            && n["message"]["text"].as_str().unwrap().contains("stale exception: DS-PUB-004"))
    );
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"], true,
        "stale entries are warnings, not failures"
    );
    assert!(text.contains("STALE EXCEPTIONS (1)"), "{text}");
}

#[test]
fn accepting_every_open_risk_makes_the_run_pass() {
    let tmp = with_exceptions(
        "[[exception]]\nrule = \"*\"\nresource = \"*\"\nreason = \"Drill: everything accepted\"\nexpires = 2099-12-31\n",
    );
    let (run, json, _, _) = scan(tmp.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(json["summary"].as_object().unwrap().values().all(|n| n == 0), "{}", json["summary"]);
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["baseline_state"] == "absent" || f["suppression"].is_object())
    );
}

#[test]
fn invalid_exceptions_are_file_line_errors() {
    for (text, line, says) in [
        ("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\n", 1, "exception without a `reason`"),
        ("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2027-02-30\n", 5, ""),
        (
            "[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"soon\"\n",
            5,
            "`expires` must be a date",
        ),
        (
            "[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"re:[\"\nreason = \"r\"\n",
            3,
            "invalid regular expression",
        ),
        ("[[exception]]\nrule = \"DS-TYPO-1\"\nresource = \"*\"\nreason = \"r\"\n", 2, "matches no rule"),
    ] {
        let tmp = with_exceptions(text);
        let (run, _, _, _) = scan(tmp.path(), &[]);
        assert_eq!(run.code, 2, "{text}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("exceptions.toml:{line}")), "{text}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{text}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{text}: {}", run.stderr);
    }
}

/// The exceptions stage owns its expiry finding: a run whose rule set lacks DS-CFG-008
/// still reports an expired exception, and its SARIF describes the rule.
#[test]
fn an_expired_exception_is_reported_whatever_the_rule_set() {
    use driftscan_core::pipeline::{AccountScan, Settings};
    let tmp = with_exceptions(
        "[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\nreason = \"migration\"\nexpires = 2020-01-01\n",
    );
    let settings = Settings {
        baselines_dir: tmp.path().join("baselines"),
        source_root: driftscan_core::source_root::SourceRoot::at(tmp.path()),
        use_baseline: true,
        trusted_accounts: Default::default(),
    };
    let rules: Vec<_> =
        driftscan_core::rules::load_catalog(&[]).unwrap().into_iter().filter(|r| r.id == "DS-IAM-001").collect();
    let today = driftscan_core::snapshot::Snapshot::load(&demo_today()).unwrap();
    let scan = AccountScan::run(today, &settings, &rules).unwrap();
    let expired: Vec<_> = scan.result.findings.iter().filter(|f| f.rule_id == "DS-CFG-008").collect();
    assert_eq!(expired.len(), 1, "{:#?}", scan.result.findings);
    assert_eq!(expired[0].location.path, "baselines/123456789012/exceptions.toml");
    let sarif: Value = serde_json::from_str(&driftscan_core::report::sarif::render(&scan.result, &rules)).unwrap();
    let described: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(described, ["DS-IAM-001", "DS-CFG-008"]);
}
