//! Live collection end to end against a moto server on a loopback port: seed an account,
//! snapshot it, make it the baseline, drift it, scan it. Needs the `.venv` that `make`
//! installs (moto); without it the test is skipped, unless DRIFTSCAN_REQUIRE_TOOLS is set
//! (as `make test` does), where it fails.

use std::net::TcpListener;
use std::path::Path;

use crate::common::moto::*;

use serde_json::Value;

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn live_collection_finds_drift_in_every_category() {
    let Some(bin) = venv_bin() else { return };
    let moto = start_moto(&bin);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let aws = ["--endpoint-url", moto.url.as_str(), "--region", "us-east-1"];

    seed(&bin, &moto, "baseline");
    let first = live(t, &[&["snapshot", "-o", "base.json"][..], &aws].concat());
    assert_eq!(first.code, 0, "snapshot of the seeded account: {}", first.stderr);
    let snap = read(&t.join("base.json"));
    assert_eq!(snap["meta"]["account_id"], "123456789012");
    assert_eq!(snap["meta"]["collection_gaps"], serde_json::json!([]));
    let user = |name: &str| snap["iam"]["users"][format!("arn:aws:iam::123456789012:user/{name}")].clone();
    assert_eq!(user("alice")["mfa"], "virtual");
    assert_eq!(user("alice")["console_password"], true);
    assert_eq!(user("svc-ci")["console_password"], false);
    assert_eq!(user("svc-ci")["access_keys"].as_array().unwrap().len(), 1);
    assert!(user("svc-ci")["access_keys"][0]["id"].as_str().unwrap().starts_with("AKIA"));
    assert_eq!(snap["iam"]["policies"]["arn:aws:iam::aws:policy/AdministratorAccess"]["aws_managed"], true);
    let payroll = &snap["s3"]["buckets"]["arn:aws:s3:::acme-payroll"];
    assert_eq!(payroll["encryption"]["algorithm"], "aws:kms");
    assert_eq!(payroll["encryption"]["bucket_key_enabled"], true);
    assert_eq!(payroll["public_access_block"]["restrict_public_buckets"], true);
    assert_eq!(snap["iam"]["account"]["arn:aws:iam::123456789012:root"]["password_policy"]["minimum_length"], 14);
    let db = &snap["rds"]["instances"]["arn:aws:rds:us-east-1:123456789012:db:prod-db"];
    assert_eq!(db["storage_encrypted"], true);
    assert_eq!(db["backup_retention_days"], 14);
    assert_eq!(
        snap["dynamodb"]["tables"]["arn:aws:dynamodb:us-east-1:123456789012:table/acme-orders"]["pitr_enabled"],
        true
    );
    assert!(
        snap["kms"]["keys"]
            .as_object()
            .unwrap()
            .values()
            .any(|k| k["aliases"][0] == "alias/acme-payroll" && k["rotation_enabled"] == true)
    );
    assert_eq!(
        snap["config"]["recorders"]["arn:aws:config:us-east-1:123456789012:configuration-recorder"]["recording"],
        true
    );
    let data_key = snap["kms"]["keys"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, k)| k["aliases"][0] == "alias/acme-data")
        .map(|(arn, _)| arn.clone())
        .expect("the acme-data key");
    let ebs = &snap["ec2"]["ebs_defaults"]["arn:aws:ec2:us-east-1:123456789012:ebs-defaults"];
    assert_eq!(ebs["encryption_by_default"], true);
    assert_eq!(ebs["default_kms_key_id"], data_key.as_str());
    let only = |section: &Value| -> Value {
        let entries = section.as_object().unwrap();
        assert_eq!(entries.len(), 1, "{section}");
        entries.values().next().unwrap().clone()
    };
    let volume = only(&snap["ec2"]["volumes"]);
    assert_eq!((volume["name"].as_str(), volume["encrypted"].as_bool()), (Some("data-vol"), Some(true)));
    let ebs_snapshot = only(&snap["ec2"]["snapshots"]);
    assert_eq!(ebs_snapshot["volume_id"], volume["volume_id"]);
    assert_eq!((ebs_snapshot["public"].as_bool(), &ebs_snapshot["shared_with"]), (Some(false), &serde_json::json!([])));
    let fs = only(&snap["efs"]["file_systems"]);
    assert_eq!(fs["name"], "shared-fs");
    assert_eq!((fs["encrypted"].as_bool(), fs["backup_enabled"].as_bool()), (Some(true), Some(true)));
    assert!(fs["policy"]["Statement"].as_array().is_some_and(|s| s.len() == 2), "{fs}");
    let analytics = &snap["redshift"]["clusters"]["arn:aws:redshift:us-east-1:123456789012:cluster:analytics"];
    assert_eq!(analytics["audit_logging"], true);
    assert_eq!(analytics["backup_retention_days"], 7);
    assert_eq!(
        (analytics["encrypted"].as_bool(), analytics["publicly_accessible"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(analytics["kms_key_id"], data_key.as_str());
    let trail = &snap["cloudtrail"]["trails"]["arn:aws:cloudtrail:us-east-1:123456789012:trail/org-audit"];
    for field in ["logging", "multi_region", "log_file_validation"] {
        assert_eq!(trail[field], true, "trail {field}: {trail}");
    }
    assert_eq!(trail["kms_key_id"], data_key.as_str());
    assert_eq!(
        snap["cloudtrail"]["account"]["arn:aws:cloudtrail::123456789012:account"],
        serde_json::json!({"organization_trails": []})
    );

    let init = live(t, &["baseline", "init", "--snapshot", "base.json", "--baselines", "baselines"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    // Nothing changed yet: a live scan against the fresh baseline has nothing new.
    let clean = live(
        t,
        &[&["scan", "--baselines", "baselines", "--format", "json", "-o", "clean.json", "--fail-on", "none"][..], &aws]
            .concat(),
    );
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let new_now = read(&t.join("clean.json"))["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline_state"] == "new")
        .count();
    assert_eq!(new_now, 0, "an unchanged account shows no new finding");

    seed(&bin, &moto, "drift");
    let scan = live(
        t,
        &[&["scan", "--baselines", "baselines", "--sarif", "drift.sarif", "--json", "drift.json", "-q"][..], &aws]
            .concat(),
    );
    assert_eq!(scan.code, 1, "drifted account: {}{}", scan.stdout, scan.stderr);
    let report = read(&t.join("drift.json"));
    // The resources the drift made or changed, named as findings name them (their ids).
    let snapshot_id = ebs_snapshot["snapshot_id"].as_str().unwrap().to_string();
    let fs_id = fs["file_system_id"].as_str().unwrap().to_string();
    let after = live(t, &[&["snapshot", "-o", "after.json"][..], &aws].concat());
    assert_eq!(after.code, 0, "{}", after.stderr);
    let scratch = read(&t.join("after.json"))["ec2"]["volumes"]
        .as_object()
        .unwrap()
        .values()
        .find(|v| v["name"] == "scratch-vol")
        .map(|v| v["volume_id"].as_str().unwrap().to_string())
        .expect("scratch-vol collected");
    let new: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline_state"] == "new")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource_id"].as_str().unwrap().rsplit(['/', ':']).next().unwrap().to_string(),
            )
        })
        .collect();
    for (rule, resource) in [
        ("DS-IAM-001", "bob"),
        ("DS-MFA-002", "carol"),
        ("DS-MFA-001", "temp-contractor"),
        ("DS-MFA-006", "root"),
        ("DS-ENC-001", "acme-payroll"),
        ("DS-PUB-003", "acme-web"),
        ("DS-PUB-004", "prod-db"),
        ("DS-CFG-002", "acme-logs"),
        ("DS-CFG-004", "prod-db"),
        ("DS-CFG-006", "acme-orders"),
        ("DS-CFG-001", "configuration-recorder"),
        ("DS-PUB-008", "acme-logs"),
        ("DS-ENC-010", "ebs-defaults"),
        ("DS-ENC-012", scratch.as_str()),
        ("DS-PUB-010", snapshot_id.as_str()),
        ("DS-PUB-011", snapshot_id.as_str()),
        ("DS-PUB-012", fs_id.as_str()),
        ("DS-ENC-014", fs_id.as_str()),
        ("DS-PUB-013", "analytics"),
        ("DS-CFG-010", "analytics"),
        ("DS-CFG-004", "analytics"),
        ("DS-CFG-012", "org-audit"),
        ("DS-CFG-013", "org-audit"),
        ("DS-CFG-011", "account"),
    ] {
        assert!(new.contains(&(rule.to_string(), resource.to_string())), "{rule} on {resource} missing; new: {new:?}");
    }
    assert!(new.iter().any(|(r, _)| r == "DS-ENC-008"), "payroll key rotation: {new:?}");
    // The grant on the payroll key to another account's role (the key is named by its id).
    let grants: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "DS-PUB-008" && f["resource_type"] == "kms_key")
        .collect();
    assert_eq!(grants.len(), 1, "cross-account KMS grant: {grants:?}");
    assert!(grants[0]["message"].as_str().unwrap().contains("account 999988887777 (kms:Decrypt, through the grant"));
    let sarif = read(&t.join("drift.sarif"));
    assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn an_unreachable_endpoint_is_an_incomplete_collection_not_a_clean_report() {
    let tmp = tempfile::tempdir().unwrap();
    // A port nothing listens on: bind, note, release.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let run = live(
        tmp.path(),
        &[
            "scan",
            "--no-baseline",
            "--endpoint-url",
            &url,
            "--region",
            "us-east-1",
            "--max-attempts",
            "1",
            "--call-timeout",
            "2",
        ],
    );
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("sts:GetCallerIdentity"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no report without data: {}", run.stdout);
}

#[test]
fn role_assumption_and_named_profiles_reach_the_emulator() {
    let Some(bin) = venv_bin() else { return };
    let moto = start_moto(&bin);
    seed(&bin, &moto, "baseline");
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let run = live(
        t,
        &[
            "snapshot",
            "-o",
            "s.json",
            "--endpoint-url",
            &moto.url,
            "--region",
            "us-east-1",
            "--role-arn",
            "arn:aws:iam::123456789012:role/app-role",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        read(&t.join("s.json"))["meta"]["caller_arn"].as_str().unwrap().contains("assumed-role/app-role"),
        "collected as the assumed role"
    );
    // A profile that does not exist is bad input (exit 2), even with credentials in the environment.
    let missing = live(t, &["snapshot", "-o", "p.json", "--endpoint-url", &moto.url, "--profile", "nope"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.starts_with("error: profile `nope` gives no credentials"), "{}", missing.stderr);
    assert!(!t.join("p.json").exists(), "no snapshot written without data");
}

/// An identity answer without an account id stops the run (exit 3) instead of saving a
/// snapshot of account "" whose findings no baseline could ever match.
#[test]
fn an_identity_without_an_account_id_is_not_a_snapshot() {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        const BODY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
            <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn><UserId>AIDAX</UserId>\
            </GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\
            </GetCallerIdentityResponse>";
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 16384];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                BODY.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(BODY.as_bytes()));
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let run = live(tmp.path(), &["snapshot", "-o", "s.json", "--endpoint-url", &url, "--region", "us-east-1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("without an account id"), "{}", run.stderr);
    assert!(!tmp.path().join("s.json").exists(), "no snapshot of account \"\"");
}
