//! Organizations end to end on moto: a management account with five seeded members, each
//! member drifted differently, one member whose role cannot be assumed (the fault proxy
//! denies it: moto does not enforce trust policies). The scan finds each account's drift
//! and only it, reports the unreadable account as failed, and writes valid SARIF with one
//! run per scanned account. The same directory of snapshots scanned offline, and split
//! into shards, gives exactly the same findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::common::fault_proxy::{Fault, FaultProxy};
use crate::common::moto::*;
use crate::common::*;

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(account, rule, resource short name)` of every new finding of a JSON v2 report.
fn new_findings(report: &Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline_state"] == "new")
        .map(|f| {
            let resource = f["resource_id"].as_str().unwrap().rsplit(['/', ':']).next().unwrap().to_string();
            (f["account_id"].as_str().unwrap().to_string(), f["rule_id"].as_str().unwrap().to_string(), resource)
        })
        .collect()
}

/// Every finding's identity, whatever its state.
fn all_findings(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["account_id"].as_str().unwrap().to_string(), f["fingerprint"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn an_organization_is_scanned_account_by_account_and_fails_closed_per_account() {
    let Some(bin) = venv_bin() else { return };
    let moto = start_moto(&bin);
    let org: Value = serde_json::from_str(&seed_with(&bin, &moto, &["org"])).unwrap();
    let management = org["management"].as_str().unwrap().to_string();
    let members: Vec<String> = org["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().into()).collect();
    assert_eq!(members.len(), 5);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let aws = ["--endpoint-url", moto.url.as_str(), "--region", "us-east-1"];

    // The approved state of every account, and a baseline per account.
    let snap = live(t, &[&["snapshot", "--org", "-o", "approved"][..], &aws].concat());
    assert_eq!(snap.code, 0, "{}", snap.stderr);
    for account in members.iter().chain([&management]) {
        assert!(t.join(format!("approved/{account}.json")).exists(), "{account}");
    }
    // One baseline directory per account, from the whole snapshot directory.
    let init = live(t, &["baseline", "init", "--snapshot", "approved"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    for account in members.iter().chain([&management]) {
        assert!(t.join(format!("baselines/{account}/iam.json")).exists(), "{}", init.stdout);
    }
    let again = live(t, &["baseline", "init", "--snapshot", "approved"]);
    assert_eq!(again.code, 2, "existing baselines are not overwritten: {}", again.stdout);
    assert_eq!(read(&t.join(format!("approved/{}.json", members[0])))["meta"]["account_name"], "acme-member-0");

    // Different drift in members 0-3; member 4 cannot be read.
    seed_with(&bin, &moto, &["org-drift", "--members", &members.join(",")]);
    let denied = members[4].clone();
    let wire = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = wire.clone();
    let proxy = FaultProxy::start(&moto.url, move |r| {
        recorded.lock().unwrap().push(r.iam_action());
        if r.body.contains("Action=AssumeRole") && r.body.contains(&denied) {
            Fault::AccessDenied
        } else {
            Fault::Forward
        }
    });
    let via_proxy = ["--endpoint-url", proxy.url.as_str(), "--region", "us-east-1"];
    let scan = live(
        t,
        &[
            &["scan", "--org", "--account-concurrency", "3", "--json", "org.json", "--sarif-dir", "sarif"][..],
            &["--format", "markdown", "-o", "org.md"],
            &via_proxy,
        ]
        .concat(),
    );
    assert_eq!(scan.code, 1, "findings win over the failed account: {}", scan.stderr);
    let report = read(&t.join("org.json"));
    assert_eq!(report["schema_version"], 2);
    let accounts: BTreeMap<String, &Value> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["account_id"].as_str().unwrap().to_string(), a))
        .collect();
    assert_eq!(accounts.len(), 6, "management and five members: {accounts:?}");
    let failed = accounts[&members[4]];
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("AccessDenied"), "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("role/driftscan-audit"), "{failed}");
    for (id, a) in &accounts {
        if *id != members[4] {
            assert_eq!(a["status"], "ok", "{a}");
        }
    }
    let new = new_findings(&report);
    let expected = [
        (&members[0], "DS-IAM-001", "bob".to_string()),
        (&members[1], "DS-PUB-003", format!("acme-web-{}", members[1])),
        (&members[2], "DS-ENC-008", String::new()),
        (&members[3], "DS-CFG-002", format!("acme-logs-{}", members[3])),
    ];
    for (account, rule, resource) in &expected {
        assert!(
            new.iter().any(|(a, r, res)| a == *account && r == rule && (resource.is_empty() || res == resource)),
            "{rule} on {resource} in {account} missing: {new:?}"
        );
    }
    // The organization itself, read from the management account: a guardrail detached, one
    // weakened, a member moved out from under the two left on Production.
    let findings = report["findings"].as_array().unwrap();
    let org_finding = |rule: &str| -> String {
        let found: Vec<&Value> =
            findings.iter().filter(|f| f["account_id"] == management.as_str() && f["rule_id"] == rule).collect();
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        assert_eq!(found[0]["baseline_state"], "new");
        found[0]["message"].as_str().unwrap().to_string()
    };
    assert!(org_finding("DS-ORG-003").contains("(ProtectTrail) was detached: it no longer applies to Production"));
    assert!(org_finding("DS-ORG-004").contains("(DenyLeave) was weakened"));
    let moved = org_finding("DS-ORG-006");
    assert!(moved.contains(&format!("acme-member-1 ({})", members[1])) && moved.contains("RegionLock"), "{moved}");
    assert!(!moved.contains("ProtectTrail"), "detached before the move: {moved}");
    // Each account has its own drift and only it (the organization's is the management account's).
    let drifted: BTreeSet<&String> = new.iter().map(|(a, _, _)| a).collect();
    assert_eq!(drifted, members[..4].iter().chain([&management]).collect(), "{new:?}");
    let management_rules: BTreeSet<&str> =
        new.iter().filter(|(a, _, _)| *a == management).map(|(_, r, _)| r.as_str()).collect();
    assert_eq!(management_rules, ["DS-ORG-003", "DS-ORG-004", "DS-ORG-006"].into(), "{new:?}");
    for (account, rule, _) in &expected {
        let others: Vec<_> = new.iter().filter(|(a, r, _)| r == rule && a != *account).collect();
        assert!(others.is_empty(), "{rule} leaked into {others:?}");
    }
    // What the organization run asked for is what the two documented policies allow.
    let documented = |file: &str| -> BTreeSet<String> {
        let policy = read(&repo().join("docs").join(file));
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                other => other.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect(),
            })
            .collect()
    };
    let (org_policy, member_policy) = (documented("iam-policy-org.json"), documented("iam-policy.json"));
    let called: BTreeSet<String> = wire.lock().unwrap().iter().cloned().collect();
    assert!(called.contains("organizations:ListAccounts") && called.contains("sts:AssumeRole"), "{called:?}");
    let undocumented: Vec<&String> =
        called.iter().filter(|a| !org_policy.contains(*a) && !member_policy.contains(*a)).collect();
    assert!(undocumented.is_empty(), "called but in neither policy: {undocumented:?}");
    // A grant to another account of the organization: new access, from a trusted account.
    let shared = findings
        .iter()
        .find(|f| f["account_id"] == members[3].as_str() && f["rule_id"] == "DS-PUB-008")
        .expect("the key shared with member 2");
    assert!(shared["message"].as_str().unwrap().contains(&format!("account {} (kms:Decrypt", members[2])), "{shared}");
    assert!(shared["message"].as_str().unwrap().contains("a trusted account"), "{shared}");
    assert!(
        !findings.iter().any(|f| f["account_id"] == members[3].as_str() && f["rule_id"] == "DS-PUB-009"),
        "the organization's accounts are trusted"
    );
    let markdown = std::fs::read_to_string(t.join("org.md")).unwrap();
    assert!(markdown.starts_with("# driftscan organization report"), "{markdown}");
    assert!(markdown.contains("**FAILED**"), "{markdown}");

    // SARIF: one file, one run per scanned account (none for the failed one), valid for GitHub.
    let files: Vec<_> = std::fs::read_dir(t.join("sarif")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let sarif = read(&files[0]);
    let runs: BTreeSet<String> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap().to_string())
        .collect();
    let scanned: BTreeSet<String> =
        members[..4].iter().chain([&management]).map(|a| format!("driftscan/{a}/")).collect();
    assert_eq!(runs, scanned);
    if let Some(tools) = crate::sarif_valid::tools() {
        let checked = crate::sarif_valid::check(&tools, "check_sarif.py", &[path_str(&files[0])]);
        assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    }

    // Offline: the drifted organization as a directory of snapshots, scanned whole and in
    // three shards, gives the same findings; every account is in exactly one shard.
    let snap = live(t, &[&["snapshot", "--org", "-o", "today"][..], &via_proxy].concat());
    assert_eq!(snap.code, 3, "member 4 failed: {}", snap.stderr);
    let listed = read(&t.join("today/failed-accounts.json"));
    assert_eq!(listed[0]["account_id"], members[4].as_str());
    let whole = live(t, &["scan", "--snapshot", "today", "--json", "whole.json", "--fail-on", "none", "-q"]);
    assert_eq!(whole.code, 3, "a failed account is never a clean run: {}", whole.stderr);
    let whole = read(&t.join("whole.json"));
    assert_eq!(new_findings(&whole), new, "offline = live");
    // The HTML page: the summary links to each account's section, the failed one included,
    // and each scanned account's own report is framed.
    let html = live(t, &["scan", "--snapshot", "today", "--format", "html", "-o", "org.html", "-q"]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    let html = std::fs::read_to_string(t.join("org.html")).unwrap();
    assert_eq!(html.matches("<iframe").count(), 5, "one frame per scanned account");
    for account in members.iter().chain([&management]) {
        assert!(html.contains(&format!("href=\"#account-{account}\"")), "{account}");
        assert!(html.contains(&format!("id=\"account-{account}\"")), "{account}");
    }
    let mut union = BTreeSet::new();
    let mut seen_accounts = Vec::new();
    for k in 1..=3 {
        let out = format!("shard-{k}.json");
        let shard = format!("{k}/3");
        let run =
            live(t, &["scan", "--snapshot", "today", "--shard", &shard, "--json", &out, "--fail-on", "none", "-q"]);
        assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
        let part = read(&t.join(&out));
        union.extend(all_findings(&part));
        seen_accounts.extend(part["accounts"].as_array().unwrap().iter().map(|a| a["account_id"].to_string()));
    }
    assert_eq!(union, all_findings(&whole), "the shards' findings, together, are the whole run's");
    seen_accounts.sort();
    let before = seen_accounts.len();
    seen_accounts.dedup();
    assert_eq!((before, seen_accounts.len()), (6, 6), "every account in exactly one shard");

    // diff and baseline accept go account by account too.
    let diff = live(t, &["diff", "--snapshot", "today", "--exit-code"]);
    assert_eq!(diff.code, 3, "member 4 failed: {}", diff.stderr);
    assert!(diff.stdout.contains(&format!("== account {} (acme-member-0)", members[0])), "{}", diff.stdout);
    assert!(diff.stdout.contains(&format!("== account {} (acme-member-4) FAILED", members[4])), "{}", diff.stdout);
    let accept = live(t, &["baseline", "accept", "--snapshot", "today", "--rule", "DS-CFG-002"]);
    assert_eq!(accept.code, 3, "{}{}", accept.stdout, accept.stderr);
    assert!(accept.stdout.contains("accepted 1 drifted resources"), "{}", accept.stdout);
    let after = live(t, &["scan", "--snapshot", "today", "--json", "after.json", "--fail-on", "none", "-q"]);
    assert_eq!(after.code, 3, "{}", after.stderr);
    let after = new_findings(&read(&t.join("after.json")));
    assert!(!after.iter().any(|(_, r, _)| r == "DS-CFG-002"), "accepted: {after:?}");
    assert!(after.iter().any(|(a, r, _)| a == &members[0] && r == "DS-IAM-001"), "the rest stays: {after:?}");
    // (The accepted baseline is restored for what follows.)
    let restore = live(t, &["baseline", "init", "--snapshot", "approved", "--force"]);
    assert_eq!(restore.code, 0, "{}", restore.stderr);

    // The shard reports merged are the whole run's report; overlapping reports are refused.
    let merge = live(t, &["report", "merge", "shard-1.json", "shard-2.json", "shard-3.json", "-o", "merged.json"]);
    assert_eq!(merge.code, 0, "{}", merge.stderr);
    let merged = read(&t.join("merged.json"));
    assert_eq!(all_findings(&merged), all_findings(&whole));
    assert_eq!(merged["accounts"], whole["accounts"], "the same accounts table");
    assert_eq!(merged["summary"], whole["summary"]);
    let twice = live(t, &["report", "merge", "shard-1.json", "whole.json", "merged.json"]);
    assert_eq!(twice.code, 2, "{}", twice.stderr);
    assert!(twice.stderr.contains("is also in") && twice.stderr.contains("overlap"), "{}", twice.stderr);
    let md = live(t, &["report", "merge", "shard-1.json", "shard-2.json", "shard-3.json", "--format", "markdown"]);
    assert!(md.stdout.starts_with("# driftscan organization report"), "{}", md.stdout);

    // The plan names the same shards the runs used, offline and live.
    let plan = live(t, &["org", "plan", "--shards", "3", "--snapshot", "today", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    for row in plan["accounts"].as_array().unwrap() {
        let (shard, id) = (row["shard"].as_str().unwrap(), row["account_id"].as_str().unwrap());
        let part = read(&t.join(format!("shard-{}.json", &shard[..1])));
        assert!(
            part["accounts"].as_array().unwrap().iter().any(|a| a["account_id"] == id),
            "{id} not in shard {shard}"
        );
    }
    let live_plan = live(t, &[&["org", "plan", "--shards", "3", "--format", "github-matrix"][..], &aws].concat());
    assert_eq!(live_plan.code, 0, "{}", live_plan.stderr);
    let matrix: Value = serde_json::from_str(&live_plan.stdout).unwrap();
    let total: u64 = matrix["include"].as_array().unwrap().iter().map(|s| s["accounts"].as_u64().unwrap()).sum();
    assert_eq!(total, 6, "{matrix}");
}

#[test]
fn listing_the_organization_from_a_member_account_is_a_one_line_error() {
    let Some(bin) = venv_bin() else { return };
    let moto = start_moto(&bin);
    let org: Value = serde_json::from_str(&seed_with(&bin, &moto, &["org"])).unwrap();
    let member = org["members"][0].as_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let role = format!("arn:aws:iam::{member}:role/OrganizationAccountAccessRole");
    let run =
        live(tmp.path(), &["scan", "--org", "--role-arn", &role, "--endpoint-url", &moto.url, "--region", "us-east-1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("management account or of a delegated administrator"), "{}", run.stderr);
}

#[test]
fn organization_flags_need_many_accounts() {
    for args in [
        &["scan", "--snapshot", "fixtures/demo/today.json", "--shard", "1/2"][..],
        &["diff", "--snapshot", "fixtures/demo/today.json", "--accounts", "123456789012"],
        &["scan", "--snapshot", "fixtures/demo/today.json", "--shard", "3/2"],
    ] {
        let run = driftscan(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
}
