//! `driftscan access-review` on the demo account: one row per principal with the analyzers'
//! judgements, blank reviewer and decision columns, CSV and the HTML page grouped by risk;
//! a snapshot directory with a failed account lists it and exits 3.

use crate::common::*;

fn rows(csv_text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(csv_text.as_bytes()).records().map(|r| r.unwrap()).collect()
}

#[test]
fn the_demo_account_review_has_a_row_per_principal_with_its_risks() {
    let run = driftscan(&["access-review", "--snapshot", path_str(&demo_today())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let header: Vec<&str> = run.stdout.lines().next().unwrap().split(',').collect();
    assert_eq!(header.first(), Some(&"account_id"));
    assert_eq!(&header[header.len() - 2..], ["reviewer", "decision"]);
    let rows = rows(&run.stdout);
    assert_eq!(rows.len(), 25, "13 users, 6 roles, 6 groups");
    let kinds = |k: &str| rows.iter().filter(|r| &r[1] == k).count();
    assert_eq!((kinds("user"), kinds("role"), kinds("group")), (13, 6, 6));
    let risks: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
    assert!(risks.windows(2).all(|w| (w[0] == "high") >= (w[1] == "high")), "riskiest first");
    assert_eq!(risks.iter().filter(|r| **r == "high").count(), 7);
    let row = |name: &str| rows.iter().find(|r| &r[2] == name).unwrap_or_else(|| panic!("{name}"));
    // Admin through a group, an old key masked, no MFA.
    let ci = row("ci-deploy");
    assert_eq!((&ci[4], &ci[5], &ci[7], &ci[11], &ci[12]), ("high", "yes", "*", "none", "no"));
    assert!(ci[6].contains("through group admins policy AdministratorAccess"), "{:?}", ci);
    assert_eq!(&ci[14], "AKIA…Y001 active, 264 days old, last used 2026-11-21");
    assert_eq!(&ci[15], "admins deployers");
    // An escalation path without being admin.
    let deployers = row("deployers");
    assert_eq!((&deployers[4], &deployers[5]), ("high", "no"));
    assert!(deployers[8].starts_with("CloudFormationChangeSet ("), "{:?}", deployers);
    assert_eq!(&deployers[15], "ci-deploy", "a group lists its members");
    // Who can assume a role, and what is risky about it.
    let vendor = row("vendor-monitoring");
    assert_eq!(&vendor[9], "AWS:arn:aws:iam::444455556666:root AWS:arn:aws:iam::555566667777:root");
    assert!(vendor[10].contains("without an sts:ExternalId or MFA condition"));
    assert_eq!(&row("lambda-etl")[9], "Service:lambda.amazonaws.com");
    assert_eq!(&row("lambda-etl")[7], "dynamodb s3");
    // A read-only auditor writes nothing; console users show MFA and last use.
    assert_eq!((&row("fatima.zahra")[4], &row("fatima.zahra")[7]), ("low", ""));
    let bob = row("bob.smith");
    assert_eq!((&bob[4], &bob[11], &bob[12], &bob[13]), ("low", "virtual", "yes", "2026-11-21"));
    assert!(row("svc-reporting")[14].contains("416 days old, last used 2026-02-01"));
    assert!(rows.iter().all(|r| r[16].is_empty() && r[17].is_empty()), "reviewer and decision are left blank");
    assert!(!run.stdout.contains("AKIAIOSFODNN") && !run.stdout.contains("EXAMPLE,"), "key ids are masked");

    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("review.html");
    let run = driftscan(&["access-review", "--snapshot", path_str(&demo_today()), "-o", path_str(&page)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="), "self-contained");
    let high = html.find("high risk (7)").unwrap();
    let medium = html.find("medium risk (").unwrap();
    let low = html.find("low risk (").unwrap();
    assert!(high < medium && medium < low, "grouped by risk, worst first");
    assert_eq!(html.matches("<tr data-risk=").count(), 25);
    assert_eq!(html.matches("<td class=\"blank\"></td>").count(), 50);
}

#[test]
fn a_snapshot_directory_is_reviewed_account_by_account_and_a_failed_account_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(demo_today(), dir.join(format!("{DEMO_ACCOUNT}.json"))).unwrap();
    std::fs::write(
        dir.join("failed-accounts.json"),
        r#"[{"account_id": "210987654321", "name": "audit", "error": "AccessDenied: could not assume driftscan-audit"}]"#,
    )
    .unwrap();
    let page = tmp.path().join("review.html");
    let run = driftscan(&["access-review", "--snapshot", path_str(&dir), "-o", path_str(&page)]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("account 210987654321 FAILED, not reviewed: AccessDenied"), "{}", run.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Accounts that could not be read") && html.contains("210987654321"));
    assert_eq!(html.matches("<tr data-risk=").count(), 25);
    let csv_run = driftscan(&["access-review", "--snapshot", path_str(&dir), "--format", "csv"]);
    assert_eq!(csv_run.code, 3);
    assert_eq!(rows(&csv_run.stdout).len(), 25);
}
