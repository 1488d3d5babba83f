//! GovCloud (`aws-us-gov`) and China (`aws-cn`) accounts work end to end: the demo account
//! moved into each partition (ARNs, regions, metadata) gives the same findings as in `aws`,
//! and exception patterns written for the partition apply.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

const PARTITIONS: [(&str, [(&str, &str); 2]); 2] = [
    ("aws-us-gov", [("us-east-1", "us-gov-east-1"), ("eu-west-1", "us-gov-west-1")]),
    ("aws-cn", [("us-east-1", "cn-north-1"), ("eu-west-1", "cn-northwest-1")]),
];

/// The demo snapshot `file` as it would read in `partition`.
fn moved(file: &Path, partition: &str, regions: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(file).unwrap().replace("arn:aws:", &format!("arn:{partition}:"));
    text = text.replace("\"partition\": \"aws\"", &format!("\"partition\": \"{partition}\""));
    for (from, to) in regions {
        text = text.replace(from, to);
    }
    text
}

/// (rule, last ARN segment, state) of every finding of a JSON report.
fn shape(report: &Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let id = f["resource_id"].as_str().unwrap();
            let short = id.rsplit(['/', ':']).next().unwrap().to_string();
            (f["rule_id"].as_str().unwrap().to_string(), short, f["baseline_state"].as_str().unwrap().to_string())
        })
        .collect()
}

fn scan(dir: &Path, today: &Path, baselines: &Path) -> (Run, Value) {
    let (run, report, _) = scan_files(dir, today, baselines);
    (run, report)
}

#[test]
fn govcloud_and_china_accounts_scan_like_commercial_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (aws_run, aws_report) = scan(tmp.path(), &demo_today(), &baselines_copy(tmp.path()));
    assert_eq!(aws_run.code, 1, "{}", aws_run.stderr);
    let expected = shape(&aws_report);
    assert!(expected.len() > 30, "the demo has findings to compare");

    for (partition, regions) in PARTITIONS {
        let dir = tempfile::tempdir().unwrap();
        let (base, today) = (dir.path().join("baseline.json"), dir.path().join("today.json"));
        std::fs::write(&base, moved(&demo_baseline_snapshot(), partition, &regions)).unwrap();
        std::fs::write(&today, moved(&demo_today(), partition, &regions)).unwrap();
        let baselines = dir.path().join("baselines");
        let init = driftscan(&["baseline", "init", "--snapshot", path_str(&base), "--baselines", path_str(&baselines)]);
        assert_eq!(init.code, 0, "{partition}: {}", init.stderr);

        let (run, report) = scan(dir.path(), &today, &baselines);
        assert_eq!(run.code, 1, "{partition}: {}", run.stderr);
        assert_eq!(shape(&report), expected, "{partition}: findings differ from the aws partition");
        let arns: Vec<&str> =
            report["findings"].as_array().unwrap().iter().map(|f| f["resource_id"].as_str().unwrap()).collect();
        assert!(arns.iter().all(|a| a.starts_with(&format!("arn:{partition}:"))), "{partition}: {arns:?}");

        // An exception written for the partition suppresses; its expiry names the partition's root.
        let exceptions = baselines.join(DEMO_ACCOUNT).join("exceptions.toml");
        std::fs::write(
            &exceptions,
            format!(
                "[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"arn:{partition}:iam::*:user/dana.kim\"\nreason = \"r\"\n\n\
                 [[exception]]\nrule = \"DS-PUB-*\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2020-01-01\n"
            ),
        )
        .unwrap();
        let (run, report) = scan(dir.path(), &today, &baselines);
        assert_eq!(run.code, 1, "{partition}: {}", run.stderr);
        let findings = report["findings"].as_array().unwrap();
        let dana = findings
            .iter()
            .find(|f| f["rule_id"] == "DS-IAM-001" && f["resource_id"].as_str().unwrap().ends_with("user/dana.kim"))
            .unwrap();
        assert!(dana["suppression"].is_object(), "{partition}: {dana}");
        let expired = findings.iter().find(|f| f["rule_id"] == "DS-CFG-008").expect("expired exception finding");
        assert_eq!(expired["resource_id"], format!("arn:{partition}:iam::{DEMO_ACCOUNT}:root"));
    }
}

/// The committed baselines in a scratch directory (locations then stay inside `dir`).
fn baselines_copy(dir: &Path) -> std::path::PathBuf {
    let to = dir.join("baselines");
    copy_dir(&baselines(), &to);
    to
}
