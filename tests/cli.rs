//! The command line as cron jobs and engineers use it: exit codes, collection gaps,
//! fingerprints that survive unrelated baseline edits, baseline acceptance, colors.

use std::path::Path;

use crate::common::*;
use serde_json::{Value, json};

fn demo_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(demo_today()).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn exit_codes_follow_the_fail_on_threshold() {
    let today = path_str(&demo_today()).to_string();
    let code =
        |fail_on: &str| driftscan(&["scan", "--snapshot", &today, "--fail-on", fail_on, "--format", "json"]).code;
    assert_eq!(code("critical"), 1);
    assert_eq!(code("high"), 1);
    assert_eq!(code("none"), 0);
    // The approved state has only low and unchanged-high findings: open findings still count.
    let base = path_str(&demo_baseline_snapshot()).to_string();
    assert_eq!(
        driftscan(&["scan", "--snapshot", &base, "--fail-on", "critical"]).code,
        1,
        "known critical issues stay failing"
    );
    assert_eq!(driftscan(&["scan", "--snapshot", "fixtures/bad/snapshot/valid.json", "--no-baseline"]).code, 0);
}

#[test]
fn collection_gaps_exit_3_and_are_reported_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let mut snap: Value = read_json(&repo().join("fixtures/bad/snapshot/valid.json"));
    snap["meta"]["collection_gaps"] = json!([{"service": "s3", "region": "us-east-1", "operation": "ListBuckets", "error": "AccessDenied: not authorized"}]);
    let path = tmp.path().join("gappy.json");
    write_json(&path, &snap);
    let (sarif, report) = (tmp.path().join("r.sarif"), tmp.path().join("r.json"));
    let run = driftscan(&[
        "scan",
        "--snapshot",
        path_str(&path),
        "--no-baseline",
        "--sarif",
        path_str(&sarif),
        "--json",
        path_str(&report),
    ]);
    assert_eq!(run.code, 3, "no finding, but data is missing: {}", run.stdout);
    assert!(run.stdout.contains("ListBuckets"), "the text report lists the gap: {}", run.stdout);
    let report = read_json(&report);
    assert_eq!(report["collection_gaps"][0]["operation"], "ListBuckets");
    let sarif = read_json(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(invocation["toolExecutionNotifications"][0]["message"]["text"].as_str().unwrap().contains("AccessDenied"));
    // Findings outrank gaps: the demo with a gap still exits 1.
    let mut demo = demo_json();
    demo["meta"]["collection_gaps"] = snap["meta"]["collection_gaps"].clone();
    let gappy_demo = tmp.path().join("demo-gap.json");
    write_json(&gappy_demo, &demo);
    assert_eq!(driftscan(&["scan", "--snapshot", path_str(&gappy_demo)]).code, 1);
    assert_eq!(driftscan(&["scan", "--snapshot", path_str(&gappy_demo), "--fail-on", "none"]).code, 3);
    // A baseline must not be made from data that could not be read.
    let init =
        driftscan(&["baseline", "init", "--snapshot", path_str(&path), "--baselines", path_str(&tmp.path().join("b"))]);
    assert_eq!(init.code, 2);
    assert!(init.stderr.contains("collection gaps"), "{}", init.stderr);
}

#[test]
fn fingerprints_survive_unrelated_baseline_edits_while_lines_follow() {
    let tmp = tempfile::tempdir().unwrap();
    // A user added at the top of iam.json moves every IAM line down.
    let mut base: Value = read_json(&demo_baseline_snapshot());
    let users = base["iam"]["users"].as_object_mut().unwrap();
    let mut newcomer = users["arn:aws:iam::123456789012:user/bob.smith"].clone();
    newcomer["name"] = json!("aaron.abbott");
    users.insert("arn:aws:iam::123456789012:user/aaron.abbott".into(), newcomer.clone());
    let base_path = tmp.path().join("base.json");
    write_json(&base_path, &base);
    let dir = tmp.path().join("baselines");
    assert_eq!(
        driftscan(&["baseline", "init", "--snapshot", path_str(&base_path), "--baselines", path_str(&dir)]).code,
        0
    );
    let mut today = demo_json();
    today["iam"]["users"]
        .as_object_mut()
        .unwrap()
        .insert("arn:aws:iam::123456789012:user/aaron.abbott".into(), newcomer);
    let today_path = tmp.path().join("today.json");
    write_json(&today_path, &today);

    let scan = |snapshot: &Path, baselines: &Path| -> Vec<Value> {
        let out = tmp.path().join("out.json");
        driftscan(&[
            "scan",
            "--snapshot",
            path_str(snapshot),
            "--baselines",
            path_str(baselines),
            "--format",
            "json",
            "-o",
            path_str(&out),
        ]);
        read_json(&out)["findings"].as_array().unwrap().clone()
    };
    let before = scan(&demo_today(), &baselines());
    let after = scan(&today_path, &dir);
    let prints = |fs: &[Value]| fs.iter().map(|f| f["fingerprint"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(prints(&before), prints(&after), "the same drift keeps the same fingerprints");
    let iam_line = |fs: &[Value]| {
        fs.iter()
            .find(|f| f["rule_id"] == "DS-IAM-001" && f["resource_id"].as_str().unwrap().ends_with("dana.kim"))
            .unwrap()["location"]["line"]
            .as_u64()
            .unwrap()
    };
    assert!(iam_line(&after) > iam_line(&before), "the anchor line follows the moved entry");
}

#[test]
fn baseline_accept_selective_then_full() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("baselines");
    copy_dir(&baselines(), &dir);
    let today = path_str(&demo_today()).to_string();
    let dirs = path_str(&dir).to_string();
    let iam_before = std::fs::read_to_string(dir.join("123456789012/iam.json")).unwrap();

    let run = driftscan(&[
        "baseline",
        "accept",
        "--snapshot",
        &today,
        "--baselines",
        &dirs,
        "--resource",
        "arn:aws:s3:::acme-backups",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("-        \"status\": \"Enabled\"") || run.stdout.contains("\"Suspended\""),
        "prints the diff: {}",
        run.stdout
    );
    assert!(run.stdout.contains("accepted 1 drifted resources"), "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.join("123456789012/iam.json")).unwrap(),
        iam_before,
        "unrelated files untouched"
    );
    let after = driftscan(&["diff", "--snapshot", &today, "--baselines", &dirs]);
    assert!(!after.stdout.contains("acme-backups"), "accepted resource no longer drifts: {}", after.stdout);
    assert!(after.stdout.contains("acme-payroll-exports"), "other drift remains: {}", after.stdout);

    let by_rule =
        driftscan(&["baseline", "accept", "--snapshot", &today, "--baselines", &dirs, "--rule", "DS-MFA-002"]);
    assert_eq!(by_rule.code, 0, "{}", by_rule.stderr);
    assert!(by_rule.stdout.contains("accepted 1 drifted resources"), "only marco.rossi: {}", by_rule.stdout);

    let full = driftscan(&["baseline", "accept", "--snapshot", &today, "--baselines", &dirs]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let clean = driftscan(&["diff", "--snapshot", &today, "--baselines", &dirs, "--exit-code"]);
    assert_eq!(clean.code, 0, "everything accepted: {}", clean.stdout);
    let out = tmp.path().join("after.json");
    driftscan(&["scan", "--snapshot", &today, "--baselines", &dirs, "--format", "json", "-o", path_str(&out)]);
    let states: Vec<Value> =
        read_json(&out)["findings"].as_array().unwrap().iter().map(|f| f["baseline_state"].clone()).collect();
    assert!(states.iter().all(|s| s == "unchanged"), "accepted drift is known, not new: {states:?}");
    // Accepting again changes nothing.
    let twice = driftscan(&["baseline", "accept", "--snapshot", &today, "--baselines", &dirs]);
    assert!(twice.stdout.contains("accepted 0 drifted resources"), "{}", twice.stdout);
}

#[test]
fn colors_only_when_asked_or_on_a_terminal() {
    let today = path_str(&demo_today()).to_string();
    let plain = driftscan(&["scan", "--snapshot", &today]);
    assert!(!plain.stdout.contains('\u{1b}'), "no escapes when piped");
    let forced = driftscan(&["--color", "always", "diff", "--snapshot", &today]);
    assert!(forced.stdout.contains("\u{1b}["), "--color always colors the diff");
    let diff = driftscan(&["diff", "--snapshot", &today]);
    let removed = diff.stdout.lines().any(|l| l.starts_with('-') && l.contains("\"algorithm\": \"aws:kms\""));
    let added = diff.stdout.lines().any(|l| l.starts_with('+') && l.contains("\"algorithm\": \"AES256\""));
    assert!(removed && added, "the unified diff shows the encryption change: {}", diff.stdout);
}

#[test]
fn help_explains_exit_codes_and_rules_explain_their_criteria() {
    let help = driftscan(&["scan", "--help"]);
    assert_eq!(help.code, 0);
    for needle in ["Exit codes", "--fail-on", "--snapshot", "--sarif"] {
        assert!(help.stdout.contains(needle), "scan --help lacks {needle}");
    }
    let explain = driftscan(&["rules", "explain", "DS-ENC-001"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("CC6.7") && explain.stdout.contains("Remediation"), "{}", explain.stdout);
    let list = driftscan(&["rules", "list"]);
    let count: usize = list.stdout.lines().last().unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(count >= 35 && list.stdout.lines().count() == count + 1, "{}", list.stdout);
}

/// No credentials anywhere: one short paragraph naming where driftscan looked and how to
/// give some, not the SDK's dump of its provider chain; exit 3 (the account was not read).
#[test]
fn no_credentials_is_one_paragraph_with_the_ways_out() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_driftscan"))
        .args(["scan", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1", "--call-timeout", "2"])
        .current_dir(tmp.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", tmp.path())
        .env("AWS_CONFIG_FILE", tmp.path().join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", tmp.path().join("no-aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.starts_with("error: no AWS credentials were found."), "{stderr}");
    for way in ["--profile", "AWS_ACCESS_KEY_ID", "SSO", "OIDC", "--snapshot"] {
        assert!(stderr.contains(way), "does not mention {way}: {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "one paragraph: {stderr}");
    assert!(!stderr.contains("ProviderChain") && !stderr.contains("{"), "no Debug dump: {stderr}");
}

/// `diff` runs the scan pipeline's first stages: a change in a volatile field alone (a
/// password used today) is not drift, as in `scan`.
#[test]
fn diff_ignores_volatile_fields_like_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let mut snap: Value = read_json(&demo_baseline_snapshot());
    let users = snap["iam"]["users"].as_object_mut().unwrap();
    let user = users.values_mut().find(|u| u["password_last_used"].is_string()).expect("a user with a password date");
    user["password_last_used"] = json!("2026-11-21T23:59:00Z");
    let path = tmp.path().join("today.json");
    write_json(&path, &snap);
    let run = driftscan(&["diff", "--snapshot", path_str(&path), "--exit-code"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("0 resources drifted"), "{}", run.stdout);
}

#[test]
fn a_scan_without_a_baseline_reports_what_is_wrong_and_no_change_since_one() {
    let run = driftscan(&["scan", "--snapshot", path_str(&demo_today()), "--no-baseline", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let rules = driftscan_core::rules::load_catalog(&[]).unwrap();
    let drift: Vec<&str> = rules.iter().filter(|r| r.judges_drift()).map(|r| r.id.as_str()).collect();
    assert!(drift.contains(&"DS-CFG-007") && drift.contains(&"DS-IAM-007"), "{drift:?}");
    let findings = report["findings"].as_array().unwrap();
    let of_drift: Vec<&Value> = findings.iter().filter(|f| drift.contains(&f["rule_id"].as_str().unwrap())).collect();
    assert!(of_drift.is_empty(), "drift findings without a baseline: {of_drift:#?}");
    // What is wrong in the demo account is still all there.
    for state in ["DS-IAM-001", "DS-IAM-004", "DS-IAM-005", "DS-MFA-001", "DS-PUB-003"] {
        assert!(findings.iter().any(|f| f["rule_id"] == state), "no {state} finding");
    }
}

#[test]
fn approving_a_state_says_what_it_still_has_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b");
    let init = driftscan(&["baseline", "init", "--snapshot", path_str(&demo_today()), "--baselines", path_str(&dir)]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    // The demo's posture scan: 43 open findings, 9 of them critical (administrators first).
    assert!(init.stdout.contains("what this approves still has 43 open findings (9 critical,"), "{}", init.stdout);
    assert!(init.stdout.contains("  critical  DS-IAM-001  "), "{}", init.stdout);
    // Accepting again approves nothing new, and says so for what it approves.
    let accept =
        driftscan(&["baseline", "accept", "--snapshot", path_str(&demo_today()), "--baselines", path_str(&dir)]);
    assert_eq!(accept.code, 0, "{}", accept.stderr);
    assert!(accept.stdout.contains("accepted 0 drifted resources"), "{}", accept.stdout);
    assert!(accept.stdout.contains("what this approves has no open finding"), "{}", accept.stdout);
}
