//! The demo's SARIF passes Microsoft's SARIF multitool with GitHub's ingestion rules, the
//! SARIF 2.1.0 schema and the GitHub limits the multitool misses (scripts/check_sarif.py);
//! and the checker itself rejects broken files (scripts/test_check_sarif.py).

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

pub struct Tools {
    python: PathBuf,
    multitool: PathBuf,
    schema: PathBuf,
}

pub fn tools() -> Option<Tools> {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    match (var("DRIFTSCAN_PYTHON"), var("DRIFTSCAN_MULTITOOL"), var("DRIFTSCAN_SARIF_SCHEMA")) {
        (Some(python), Some(multitool), Some(schema)) if multitool.exists() && schema.exists() => {
            Some(Tools { python, multitool, schema })
        }
        _ => {
            assert!(
                std::env::var_os("DRIFTSCAN_REQUIRE_TOOLS").is_none(),
                "SARIF tools missing: run `make sarif-tools`"
            );
            eprintln!("skipped: SARIF tools not installed (`make test` installs them)");
            None
        }
    }
}

pub fn check(tools: &Tools, script: &str, files: &[&str]) -> Run {
    let out = Command::new(&tools.python)
        .arg(repo().join("scripts").join(script))
        .arg("--multitool")
        .arg(&tools.multitool)
        .arg("--schema")
        .arg(&tools.schema)
        .args(files)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
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

/// SARIF uris name the baseline file relative to the git work tree holding the baselines,
/// whether `--baselines` is absolute, `./`, `../` from a subdirectory or a symlink; every
/// variant passes the multitool with GitHub's rules.
#[test]
fn locations_are_repository_relative_however_baselines_are_given() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("repo");
    std::fs::create_dir_all(work.join(".git")).unwrap();
    std::fs::create_dir_all(work.join("sub")).unwrap();
    copy_dir(&baselines(), &work.join("baselines"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(work.join("baselines"), tmp.path().join("linked")).unwrap();
    let absolute = work.join("baselines");
    let linked = tmp.path().join("linked");
    let mut cases = vec![
        (work.clone(), path_str(&absolute).to_string()),
        (work.clone(), "./baselines".into()),
        (work.join("sub"), "../baselines".into()),
    ];
    if cfg!(unix) {
        cases.push((tmp.path().to_path_buf(), path_str(&linked).to_string()));
    }
    let mut files = Vec::new();
    for (i, (dir, given)) in cases.iter().enumerate() {
        let sarif = tmp.path().join(format!("case{i}.sarif"));
        let run = driftscan_in(
            dir,
            &[
                "scan",
                "--snapshot",
                path_str(&demo_today()),
                "--baselines",
                given,
                "--sarif",
                path_str(&sarif),
                "--format",
                "json",
                "-o",
                path_str(&tmp.path().join(format!("case{i}.json"))),
            ],
        );
        assert_eq!(run.code, 1, "--baselines {given}: {}", run.stderr);
        let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
        for r in log["runs"][0]["results"].as_array().unwrap() {
            let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
            let uri = artifact["uri"].as_str().unwrap();
            assert!(
                uri.starts_with(&format!("baselines/{DEMO_ACCOUNT}/")),
                "--baselines {given} from {}: uri {uri}",
                dir.display()
            );
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join(format!("case{i}.json"))).unwrap()).unwrap();
        assert!(
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["location"]["path"].as_str().unwrap().starts_with("baselines/"))
        );
        files.push(sarif);
    }
    let Some(tools) = tools() else { return };
    let names: Vec<&str> = files.iter().map(|f| path_str(f)).collect();
    let run = check(&tools, "check_sarif.py", &names);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// Outside any git work tree, locations are relative to the directory holding the
/// baselines; a `--source-root` that does not hold them stops the scan with exit 2.
#[test]
fn baselines_outside_git_and_outside_the_source_root() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&baselines(), &tmp.path().join("data/baselines"));
    std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
    let today = demo_today();
    let run_with = |extra: &[&str]| {
        let mut args =
            vec!["scan", "--snapshot", path_str(&today), "--baselines", "../data/baselines", "--format", "json"];
        args.extend_from_slice(extra);
        driftscan_in(&tmp.path().join("elsewhere"), &args)
    };
    let run = run_with(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("\"path\": \"baselines/{DEMO_ACCOUNT}/")), "{}", run.stdout);
    let run = run_with(&["--source-root", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is outside") && run.stderr.contains("--source-root"), "{}", run.stderr);
    let run = run_with(&["--source-root", ".."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("\"path\": \"data/baselines/{DEMO_ACCOUNT}/")), "{}", run.stdout);
}
