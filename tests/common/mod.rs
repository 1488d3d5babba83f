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
