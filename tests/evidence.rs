//! `driftscan evidence build|verify` over 120 days of generated daily reports of three
//! accounts (bench/evidence_gen.py `planted`, whose docstring lists every planted event):
//! the exact monitoring gaps, time to remediate of each finding, counts per SOC 2
//! criterion, exceptions and change trail; the manifest and `verify`; bad input; the page
//! in headless Chromium; and the scan identification of real reports.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn python() -> String {
    std::env::var("DRIFTSCAN_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Generates the planted scenario into `dir` (reports/, repo/) and returns (reports, baselines).
fn planted(dir: &Path) -> (PathBuf, PathBuf) {
    let (reports, repo) = (dir.join("reports"), dir.join("repo"));
    let out = Command::new(python())
        .arg(repo_path("bench/evidence_gen.py"))
        .args(["planted", "--reports", path_str(&reports), "--repo", path_str(&repo)])
        .output()
        .expect("python runs");
    assert!(out.status.success(), "generator failed: {}", String::from_utf8_lossy(&out.stderr));
    (reports, repo.join("baselines"))
}

fn repo_path(rel: &str) -> String {
    repo().join(rel).display().to_string()
}

fn build(reports: &Path, baselines: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "evidence",
        "build",
        "--reports",
        path_str(reports),
        "--from",
        "2026-01-01",
        "--to",
        "2026-04-30",
        "--baselines",
        path_str(baselines),
        "-o",
        path_str(out),
    ];
    args.extend_from_slice(extra);
    driftscan(&args)
}

/// A CSV file as rows of columns, header included.
fn csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let mut rows = vec![r.headers().unwrap().iter().map(str::to_string).collect()];
    rows.extend(r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()));
    rows
}

/// The named columns of every data row.
fn columns(rows: &[Vec<String>], names: &[&str]) -> Vec<Vec<String>> {
    let idx: Vec<usize> = names.iter().map(|n| rows[0].iter().position(|h| h == n).expect(n)).collect();
    rows[1..].iter().map(|r| idx.iter().map(|&i| r[i].clone()).collect()).collect()
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
}

#[test]
fn evidence_of_120_planted_days_has_the_exact_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let (reports, baselines) = planted(tmp.path());
    let out = tmp.path().join("evidence");
    let run = build(&reports, &baselines, &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("238 reports, 3 accounts, 4 monitoring gaps, 12 findings, 0 skipped"),
        "{}",
        run.stderr
    );

    let scans = csv(&out.join("scans.csv"));
    assert_eq!(
        columns(
            &scans,
            &["account_id", "expected", "covered", "missed", "successful_scans", "partial_scans", "failed_scans"]
        ),
        strings(&[
            &["111111111111", "120", "118", "2", "118", "0", "0"],
            &["222222222222", "120", "119", "1", "119", "1", "0"],
            &["333333333333", "120", "119", "1", "119", "0", "1"],
        ])
    );
    assert_eq!(
        columns(&csv(&out.join("monitoring-gaps.csv")), &["account_id", "from", "reason"]),
        strings(&[
            &["111111111111", "2026-01-11", "no report"],
            &["111111111111", "2026-01-12", "no report"],
            &["222222222222", "2026-02-20", "no report"],
            &["333333333333", "2026-04-01", "scan failed: AccessDenied: could not assume driftscan-audit"],
        ])
    );

    // Every finding: first seen, resolution, when, days, who.
    let findings = csv(&out.join("findings.csv"));
    let cols =
        ["account_id", "rule_id", "resource_id", "first_seen", "resolution", "resolved_at", "days_to_remediate", "who"];
    assert_eq!(
        columns(&findings, &cols),
        strings(&[
            &[
                "222222222222",
                "DS-MFA-002",
                "arn:aws:iam::222222222222:user/bob",
                "2026-01-04T02:00:00Z",
                "fixed",
                "2026-01-11T02:00:00Z",
                "7",
                ""
            ],
            // Days 10 and 11 (Jan 11, 12) were not scanned: fixed is when a scan saw it gone.
            &[
                "111111111111",
                "DS-ENC-001",
                "arn:aws:s3:::a-payroll",
                "2026-01-06T02:00:00Z",
                "fixed",
                "2026-01-14T02:00:00Z",
                "8",
                ""
            ],
            // Reported `unchanged` once the baseline accepted it.
            &[
                "111111111111",
                "DS-IAM-001",
                "arn:aws:iam::111111111111:role/breakglass",
                "2026-01-21T02:00:00Z",
                "accepted",
                "2026-01-27T02:00:00Z",
                "6",
                "Ana Lead"
            ],
            // Gone after a commit changed its baseline file.
            &[
                "111111111111",
                "DS-CFG-007",
                "arn:aws:s3:::a-logs",
                "2026-01-31T02:00:00Z",
                "accepted",
                "2026-02-04T02:00:00Z",
                "4",
                "Ana Lead"
            ],
            &[
                "333333333333",
                "DS-IAM-005",
                "arn:aws:iam::333333333333:role/ci",
                "2026-02-10T02:00:00Z",
                "exception",
                "2026-02-15T02:00:00Z",
                "5",
                "platform@acme.example"
            ],
            // Absent on Mar 2 under an RDS collection gap: not a fix.
            &[
                "222222222222",
                "DS-ENC-005",
                "arn:aws:rds:eu-west-1:222222222222:db:orders",
                "2026-02-25T02:00:00Z",
                "fixed",
                "2026-03-12T02:00:00Z",
                "15",
                ""
            ],
            &[
                "333333333333",
                "DS-PUB-003",
                "arn:aws:s3:::c-web",
                "2026-03-02T02:00:00Z",
                "exception",
                "2026-03-02T02:00:00Z",
                "0",
                "web@acme.example"
            ],
            // A commit of the same day changed another baseline file (kms.json): a fix.
            &[
                "222222222222",
                "DS-PUB-001",
                "arn:aws:s3:::b-share",
                "2026-03-17T02:00:00Z",
                "fixed",
                "2026-03-23T02:00:00Z",
                "6",
                ""
            ],
            &[
                "333333333333",
                "DS-ENC-009",
                "arn:aws:kms:us-east-1:333333333333:key/k1",
                "2026-03-27T02:00:00Z",
                "fixed",
                "2026-04-07T02:00:00Z",
                "11",
                ""
            ],
            // The exception expired: the finding is open again, with the expiry finding.
            &[
                "333333333333",
                "DS-CFG-008",
                "arn:aws:iam::333333333333:root",
                "2026-04-02T02:00:00Z",
                "fixed",
                "2026-04-17T02:00:00Z",
                "15",
                ""
            ],
            &[
                "333333333333",
                "DS-PUB-003",
                "arn:aws:s3:::c-web",
                "2026-04-02T02:00:00Z",
                "fixed",
                "2026-04-17T02:00:00Z",
                "15",
                ""
            ],
            &["111111111111", "DS-PUB-003", "arn:aws:s3:::a-public", "2026-04-11T02:00:00Z", "open", "", "", ""],
        ])
    );
    let why = columns(&findings, &["why", "exception_expires"]);
    assert!(why[2][0].starts_with("Accept admin for break-glass role ("), "{:?}", why[2]);
    assert_eq!(why[4], ["CI deploy role needs admin until the migration", "2026-06-30"]);
    let remediations = csv(&out.join("remediations.csv"));
    assert_eq!(remediations.len() - 1, 11, "every resolved finding, not the open one");

    assert_eq!(
        columns(
            &csv(&out.join("criteria.csv")),
            &[
                "account_id",
                "soc2",
                "detected",
                "fixed",
                "accepted",
                "exception",
                "open",
                "median_days_to_remediate",
                "max_days_to_remediate"
            ]
        ),
        strings(&[
            &["111111111111", "CC6.1", "3", "1", "1", "0", "1", "7", "8"],
            &["111111111111", "CC6.3", "1", "0", "1", "0", "0", "6", "6"],
            &["111111111111", "CC6.6", "1", "0", "0", "0", "1", "", ""],
            &["111111111111", "CC6.7", "1", "1", "0", "0", "0", "8", "8"],
            &["111111111111", "CC8.1", "1", "0", "1", "0", "0", "4", "4"],
            &["222222222222", "CC6.1", "3", "3", "0", "0", "0", "7", "15"],
            &["222222222222", "CC6.6", "1", "1", "0", "0", "0", "6", "6"],
            &["222222222222", "CC6.7", "1", "1", "0", "0", "0", "15", "15"],
            &["222222222222", "CC8.1", "1", "1", "0", "0", "0", "7", "7"],
            &["333333333333", "A1.2", "1", "1", "0", "0", "0", "11", "11"],
            &["333333333333", "CC3.4", "1", "1", "0", "0", "0", "15", "15"],
            &["333333333333", "CC6.1", "4", "2", "0", "2", "0", "8", "15"],
            &["333333333333", "CC6.6", "3", "1", "0", "2", "0", "5", "15"],
            &["333333333333", "CC8.1", "1", "1", "0", "0", "0", "15", "15"],
        ])
    );
    assert_eq!(
        columns(
            &csv(&out.join("exceptions.csv")),
            &["owner", "expires", "first_seen", "last_seen", "findings_covered"]
        ),
        strings(&[
            &["platform@acme.example", "2026-06-30", "2026-02-15", "2026-04-30", "1"],
            &["web@acme.example", "2026-04-01", "2026-03-02", "2026-03-31", "1"],
        ])
    );
    assert_eq!(
        columns(&csv(&out.join("baseline-changes.csv")), &["author", "date", "subject", "files"]),
        strings(&[
            &[
                "Ana Lead",
                "2026-01-26T10:00:00Z",
                "Accept admin for break-glass role",
                "baselines/111111111111/iam.json"
            ],
            &["Ana Lead", "2026-02-03T10:00:00Z", "Accept logging target of a-logs", "baselines/111111111111/s3.json"],
            &[
                "Cy Owner",
                "2026-02-14T10:00:00Z",
                "Exception for the CI role until the migration",
                "baselines/333333333333/exceptions.toml"
            ],
            &[
                "Bo Admin",
                "2026-03-22T10:00:00Z",
                "Record the rotated KMS key policy",
                "baselines/222222222222/kms.json"
            ],
            &[
                "Cy Owner",
                "2026-04-16T10:00:00Z",
                "Remove the expired exception for c-web",
                "baselines/333333333333/exceptions.toml"
            ],
        ])
    );
    // Open findings at the end of a few days, by severity (critical, high, medium, low, info).
    let trend = csv(&out.join("open-findings-by-day.csv"));
    assert_eq!(trend.len() - 1, 120);
    let day = |d: &str| trend.iter().find(|r| r[0] == d).unwrap()[1..].join(" ");
    assert_eq!(day("2026-01-06"), "0 2 0 0 0", "B's MFA and A's encryption");
    assert_eq!(day("2026-03-02"), "0 1 0 0 0", "B's database, open through the gap");
    assert_eq!(day("2026-04-11"), "2 0 1 0 0", "a-public, c-web again, the expired exception");
    assert_eq!(day("2026-04-30"), "1 0 0 0 0");

    // Weekly: every 7-day window from --from had a scan.
    let weekly = tmp.path().join("weekly");
    let run = build(&reports, &baselines, &weekly, &["--cadence", "weekly"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        columns(&csv(&weekly.join("scans.csv")), &["expected", "covered", "missed"]),
        strings(&[&["18", "18", "0"], &["18", "18", "0"], &["18", "18", "0"]])
    );
}

#[test]
fn the_manifest_lists_inputs_and_outputs_and_verify_catches_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let (reports, baselines) = planted(tmp.path());
    let out = tmp.path().join("evidence");
    assert_eq!(build(&reports, &baselines, &out, &[]).code, 0);
    let manifest = std::fs::read_to_string(out.join("MANIFEST.sha256")).unwrap();
    assert_eq!(manifest.lines().count(), 9 + 238, "9 outputs and 238 input reports");
    assert!(manifest.contains("  index.html\n") && manifest.contains("/reports/org/2026-01-01.json\n"));
    assert!(manifest.contains("/reports/111111111111/2026/01/2026-01-01.json.gz\n"), "gzip read as stored");

    let ok = driftscan(&["evidence", "verify", path_str(&out)]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("OK: 247 files match"), "{}", ok.stdout);

    // An output changed, an input changed, a file added: each named, exit 1.
    let csv_path = out.join("findings.csv");
    let text = std::fs::read_to_string(&csv_path).unwrap().replace(",15,", ",1,");
    std::fs::write(&csv_path, text).unwrap();
    let input = reports.join("org/2026-02-20.json");
    std::fs::write(&input, std::fs::read_to_string(&input).unwrap().replace("\"ok\"", "\"partial\"")).unwrap();
    std::fs::write(out.join("extra.csv"), "a,b\n").unwrap();
    let bad = driftscan(&["evidence", "verify", path_str(&out)]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(bad.stdout.contains("MISMATCH findings.csv: sha256 is "), "{}", bad.stdout);
    assert!(bad.stdout.contains("/reports/org/2026-02-20.json: sha256 is "), "{}", bad.stdout);
    assert!(bad.stdout.contains("MISMATCH extra.csv: is not in the manifest"), "{}", bad.stdout);
    assert_eq!(bad.stdout.lines().count(), 3, "{}", bad.stdout);
    std::fs::remove_file(out.join("index.html")).unwrap();
    assert!(driftscan(&["evidence", "verify", path_str(&out)]).stdout.contains("MISMATCH index.html: cannot be read"));
}

#[test]
fn a_foreign_or_broken_report_is_a_file_line_error_unless_skipped_and_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let (reports, baselines) = planted(tmp.path());
    let foreign = reports.join("extra/other-tool.json");
    std::fs::create_dir_all(foreign.parent().unwrap()).unwrap();
    std::fs::write(&foreign, "{\"schema_version\": 1, \"tool\": {\"name\": \"prowler\"},\n \"findings\": [], \"collection_gaps\": [], \"stale_exceptions\": []}\n").unwrap();
    let broken = reports.join("org/2026-01-05.json");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    let out = tmp.path().join("evidence");

    let run = build(&reports, &baselines, &out, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("other-tool.json:1: a report of `prowler`, not of driftscan"), "{}", run.stderr);
    assert!(!out.exists(), "nothing written");

    let run = build(&reports, &baselines, &out, &["--skip-invalid"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("skipped ") && run.stderr.contains("other-tool.json:1: a report of `prowler`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("org/2026-01-05.json:"), "{}", run.stderr);
    let skipped = csv(&out.join("skipped-inputs.csv"));
    assert_eq!(skipped.len() - 1, 2, "each skipped file is listed");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Files skipped (--skip-invalid)") && html.contains("other-tool.json"));
    // B and C lost the broken day: it is a monitoring gap now.
    assert!(run.stderr.contains("6 monitoring gaps"), "{}", run.stderr);

    // Rebuilt once the files are fixed: the old list of skipped files goes, verify passes.
    std::fs::remove_file(&foreign).unwrap();
    std::fs::write(&broken, &text).unwrap();
    assert_eq!(build(&reports, &baselines, &out, &[]).code, 0);
    assert!(!out.join("skipped-inputs.csv").exists());
    assert_eq!(driftscan(&["evidence", "verify", path_str(&out)]).code, 0);

    // Bad dates and a baselines directory outside git are usage errors.
    let run = driftscan(&[
        "evidence",
        "build",
        "--reports",
        path_str(&reports),
        "--from",
        "2026-13-01",
        "--to",
        "2026-04-30",
        "-o",
        "x",
    ]);
    assert_eq!(run.code, 2);
    let plain = tempfile::tempdir().unwrap();
    let run = build(&reports, plain.path(), &tmp.path().join("e2"), &["--skip-invalid"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not in a git work tree"), "{}", run.stderr);
}

#[test]
fn the_evidence_page_draws_its_chart_and_filters_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let (reports, baselines) = planted(tmp.path());
    let out = tmp.path().join("evidence");
    assert_eq!(build(&reports, &baselines, &out, &[]).code, 0);
    let page = out.join("index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="), "no external assets");
    assert_eq!(html.matches("<polyline data-severity=").count(), 5);

    let Some(browser) = crate::html_report::chromium() else { return };
    let url = format!("file://{}", page.display());
    let all = crate::html_report::rendered(&browser, &url, &tmp.path().join("p1"));
    assert!(all.contains("12 of 12 rows shown"), "the findings table's count is shown once scripts ran");
    let chart = all.split("\">chart: ").nth(1).expect("the chart's status was written");
    assert!(chart.starts_with("5 series, "), "{}", &chart[..40]);
    let size: Vec<u32> =
        chart["5 series, ".len()..].split('<').next().unwrap().split('x').map(|n| n.parse().unwrap()).collect();
    assert!(size[0] > 800 && size[1] > 100, "the chart has its size: {size:?}");

    let fixed = crate::html_report::rendered(&browser, &format!("{url}#resolution=fixed"), &tmp.path().join("p2"));
    assert!(fixed.contains("7 of 12 rows shown"), "the resolution filter applies");
    let one = crate::html_report::rendered(
        &browser,
        &format!("{url}#account=333333333333&resolution=exception"),
        &tmp.path().join("p3"),
    );
    assert!(one.contains("2 of 12 rows shown"), "filters combine");
    assert!(one.contains("1 of 4 rows shown"), "the gaps table filters by account too");
}

#[test]
fn json_reports_identify_their_scan_and_real_reports_make_evidence() {
    // A git work tree holding the demo's baselines, committed.
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    copy_dir(&baselines(), &work.join("baselines"));
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(&work)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "baselines"]);
    let head = git(&["rev-parse", "HEAD"]);
    let reports = tmp.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let scan = |name: &str| {
        let json = reports.join(name);
        let run = driftscan_in(
            &work,
            &["scan", "--snapshot", path_str(&demo_today()), "--json", path_str(&json), "--fail-on", "critical", "-q"],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(json).unwrap()).unwrap()
    };
    let report = scan("a.json");
    let s = &report["scan"];
    assert_eq!(s["baselines"]["commit"], head.as_str());
    assert_eq!(s["baselines"]["dirty"], false);
    assert_eq!(s["baselines"]["path"], "baselines");
    assert_eq!(s["options"]["fail_on"], "critical");
    assert!(
        s["rules_digest"].as_str().unwrap().starts_with("sha256:") && s["rules_digest"].as_str().unwrap().len() == 71
    );
    assert_eq!(s["id"].as_str().unwrap().len(), 32);
    assert_eq!(scan("b.json")["scan"], *s, "the same scan, the same identification");
    std::fs::remove_file(reports.join("b.json")).unwrap();
    std::fs::write(work.join("baselines/123456789012/iam.json"), "{}\n").unwrap();
    let dirty =
        driftscan_in(&work, &["scan", "--snapshot", path_str(&demo_today()), "--format", "json", "--no-baseline"]);
    let dirty: serde_json::Value = serde_json::from_str(&dirty.stdout).unwrap();
    assert_eq!(dirty["scan"]["baselines"]["dirty"], true);
    assert_ne!(dirty["scan"]["id"], *s["id"].as_str().unwrap());

    // A run over many accounts (schema 2) identifies itself the same way.
    let dir = tmp.path().join("snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(demo_today(), dir.join(format!("{DEMO_ACCOUNT}.json"))).unwrap();
    let org = driftscan_in(&work, &["scan", "--snapshot", path_str(&dir), "--format", "json", "--no-baseline"]);
    let org: serde_json::Value = serde_json::from_str(&org.stdout).unwrap();
    assert_eq!(org["schema_version"], 2);
    assert_eq!(org["scan"]["baselines"]["dirty"], true);
    assert_eq!(org["scan"]["id"].as_str().unwrap().len(), 32);

    // The real report is evidence: the demo's drift, all open on its scan day.
    let out = tmp.path().join("evidence");
    let run = driftscan_in(
        &work,
        &[
            "evidence",
            "build",
            "--reports",
            path_str(&reports),
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-22",
            "-o",
            path_str(&out),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let drift = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline_state"] == "new" || f["baseline_state"] == "updated")
        .count();
    assert_eq!(csv(&out.join("findings.csv")).len() - 1, drift);
    assert_eq!(csv(&out.join("monitoring-gaps.csv")).len() - 1, 0);
}
