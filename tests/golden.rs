//! Golden files of the demo scan in every format (`tests/snapshots/`). A change to an
//! emitter or a rule shows up here as a reviewable diff; update with
//! `INSTA_UPDATE=always cargo test --test integration golden` and review the result.

use crate::common::*;

#[test]
fn demo_reports_match_their_golden_files() {
    let tmp = tempfile::tempdir().unwrap();
    scan_demo(tmp.path());
    // The tool version is redacted so that a release does not rewrite every golden file.
    let read = |name: &str| {
        std::fs::read_to_string(tmp.path().join(name)).unwrap().replace(env!("CARGO_PKG_VERSION"), "[version]")
    };
    insta::assert_snapshot!("demo.sarif", read("demo.sarif"));
    insta::assert_snapshot!("demo.json", redact_scan(&read("demo.json")));
    insta::assert_snapshot!("demo.txt", read("demo.txt"));
}

#[test]
fn demo_diff_matches_its_golden_file() {
    let run = driftscan(&["diff", "--snapshot", path_str(&demo_today())]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("demo.diff", run.stdout);
}

#[test]
fn demo_markdown_summary_matches_its_golden_file() {
    let run = driftscan(&["scan", "--snapshot", path_str(&demo_today()), "--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("<details><summary>Drift: "), "the drift is folded");
    insta::assert_snapshot!("demo.md", run.stdout);
}

#[test]
fn demo_html_report_matches_its_golden_file() {
    let run = driftscan(&["scan", "--snapshot", path_str(&demo_today()), "--format", "html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("demo.html", run.stdout.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

/// The scan identification's values that follow the checkout (the baselines' commit, whether
/// the work tree is clean, and the id derived from them).
fn redact_scan(json: &str) -> String {
    json.lines()
        .map(|line| {
            let key = line.trim_start().split(':').next().unwrap_or_default();
            match key {
                "\"id\"" | "\"commit\"" | "\"dirty\"" => {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    let comma = if line.ends_with(',') { "," } else { "" };
                    format!("{indent}{key}: \"[redacted]\"{comma}")
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
