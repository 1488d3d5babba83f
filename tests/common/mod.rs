//! Helpers shared by the integration tests: run the built binary, locate the demo.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod moto;

use std::path::{Path, PathBuf};
use std::process::Command;

pub const DEMO_ACCOUNT: &str = "123456789012";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_today() -> PathBuf {
    repo().join("fixtures/demo/today.json")
}

pub fn demo_baseline_snapshot() -> PathBuf {
    repo().join("fixtures/demo/baseline.json")
}

pub fn baselines() -> PathBuf {
    repo().join("baselines")
}

/// What one run of the binary printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `driftscan ARGS` in the repository root, without color and without a terminal.
pub fn driftscan(args: &[&str]) -> Run {
    driftscan_in(&repo(), args)
}

pub fn driftscan_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_driftscan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the driftscan binary runs");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Scans the demo account into a temp dir and returns (exit code, JSON report, SARIF).
pub fn scan_demo(tmp: &Path) -> (i32, serde_json::Value, serde_json::Value) {
    let (run, json, sarif) = scan_files(tmp, &demo_today(), Path::new("baselines"));
    assert!(run.stderr.is_empty(), "unexpected stderr: {}", run.stderr);
    (run.code, json, sarif)
}

/// Scans snapshot `today` against `baselines`, writing `demo.json`, `demo.sarif` and
/// `demo.txt` into `tmp`; returns the run and the JSON and SARIF reports.
pub fn scan_files(tmp: &Path, today: &Path, baselines: &Path) -> (Run, serde_json::Value, serde_json::Value) {
    let json = tmp.join("demo.json");
    let sarif = tmp.join("demo.sarif");
    let run = driftscan(&[
        "scan",
        "--snapshot",
        path_str(today),
        "--baselines",
        path_str(baselines),
        "--json",
        path_str(&json),
        "--sarif",
        path_str(&sarif),
        "--format",
        "text",
        "-o",
        path_str(&tmp.join("demo.txt")),
    ]);
    let read = |p: &Path| {
        let text =
            std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}; stderr: {}", p.display(), run.stderr));
        serde_json::from_str(&text).unwrap()
    };
    let (json, sarif) = (read(&json), read(&sarif));
    (run, json, sarif)
}

/// Copies a directory tree (baselines into a scratch dir, for tests that change them).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// RFC 7386 merge patch: objects merge, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// `base` with the merge `patch` applied (none when null), as a snapshot.
pub fn patched(base: &serde_json::Value, patch: &serde_json::Value) -> driftscan_core::snapshot::Snapshot {
    let mut v = base.clone();
    if !patch.is_null() {
        merge_patch(&mut v, patch);
    }
    serde_json::from_value(v).expect("a patched snapshot is a valid snapshot")
}

/// Baselines written from an approved snapshot into a temporary directory, to run the
/// whole engine (baselines, diff, rules, exceptions) against current states.
pub struct ApprovedBaselines {
    dir: tempfile::TempDir,
}

impl ApprovedBaselines {
    pub fn write(approved: &driftscan_core::snapshot::Snapshot) -> ApprovedBaselines {
        let dir = tempfile::tempdir().unwrap();
        driftscan_core::baseline::write(dir.path(), &approved.meta.account_id, approved.resources()).unwrap();
        ApprovedBaselines { dir }
    }

    /// The findings of `rules` for `current`, with `trusted_accounts` trusted.
    pub fn scan(
        &self,
        current: driftscan_core::snapshot::Snapshot,
        rules: &[driftscan_core::rules::Rule],
        trusted_accounts: &[String],
    ) -> Vec<driftscan_core::findings::Finding> {
        let settings = driftscan_core::pipeline::Settings {
            baselines_dir: self.dir.path().to_path_buf(),
            source_root: driftscan_core::source_root::SourceRoot::at(self.dir.path()),
            use_baseline: true,
            trusted_accounts: trusted_accounts.iter().cloned().collect(),
        };
        driftscan_core::pipeline::AccountScan::run(current, &settings, rules).unwrap().result.findings
    }
}
