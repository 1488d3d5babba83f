//! The demo's SARIF passes Microsoft's SARIF multitool with GitHub's ingestion rules, the
//! SARIF 2.1.0 schema and the GitHub limits the multitool misses (scripts/check_sarif.py);
//! and the checker itself rejects broken files (scripts/test_check_sarif.py).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

struct Tools {
    python: PathBuf,
    multitool: PathBuf,
    schema: PathBuf,
}

fn tools() -> Option<Tools> {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    match (var("DRIFTSCAN_PYTHON"), var("DRIFTSCAN_MULTITOOL"), var("DRIFTSCAN_SARIF_SCHEMA")) {
        (Some(python), Some(multitool), Some(schema)) if multitool.exists() && schema.exists() => Some(Tools { python, multitool, schema }),
        _ => {
            assert!(std::env::var_os("DRIFTSCAN_REQUIRE_TOOLS").is_none(), "SARIF tools missing: run `make sarif-tools`");
            eprintln!("skipped: SARIF tools not installed (`make test` installs them)");
            None
        }
    }
}

fn check(tools: &Tools, script: &str, files: &[&str]) -> Run {
    let out = Command::new(&tools.python)
        .arg(repo().join("scripts").join(script))
        .arg("--multitool")
        .arg(&tools.multitool)
        .arg("--schema")
        .arg(&tools.schema)
        .args(files)
        .output()
        .unwrap();
    Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
}

#[test]
fn demo_sarif_passes_github_ingestion_rules_and_the_schema() {
    let Some(tools) = tools() else { return };
    let tmp = tempfile::tempdir().unwrap();
    scan_demo(tmp.path());
    let sarif = tmp.path().join("demo.sarif");
    let run = check(&tools, "check_sarif.py", &[path_str(&sarif)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(": ok ("), "{}", run.stdout);
}

#[test]
fn the_sarif_checker_rejects_broken_files() {
    let Some(tools) = tools() else { return };
    let run = check(&tools, "test_check_sarif.py", &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
