//! The bad-input corpus (`fixtures/bad/cases.toml`): every malformed snapshot, baseline and
//! rule file gives exactly one `error: FILE:LINE: reason` line and exit 2, never a panic
//! and never a report.

use crate::common::*;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

/// A case: a file of the corpus with the command that reads it and where the error must
/// be (`args`, `file`, `line`), or a JSON merge `patch` on the corpus's valid snapshot,
/// scanned, with the error at the first line holding `at` (or `after` lines below it), or
/// at the last (`at_end`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    args: Option<Vec<String>>,
    file: Option<String>,
    line: Option<usize>,
    patch: Option<String>,
    at: Option<String>,
    #[serde(default)]
    after: usize,
    #[serde(default)]
    at_end: bool,
    says: String,
}

/// A case ready to run: its arguments, the file the error names and its line.
struct Run {
    args: Vec<String>,
    file: String,
    line: usize,
}

impl Case {
    /// Patched snapshots are written into `dir`.
    fn prepare(&self, dir: &std::path::Path) -> Run {
        match (&self.args, &self.file, self.line, &self.patch) {
            (Some(args), Some(file), Some(line), None) => Run { args: args.clone(), file: file.clone(), line },
            (None, None, None, Some(patch)) => {
                let base = std::fs::read_to_string(repo().join("fixtures/bad/snapshot/valid.json")).unwrap();
                let mut snapshot: serde_json::Value = serde_json::from_str(&base).unwrap();
                let patch: serde_json::Value =
                    serde_json::from_str(patch).unwrap_or_else(|e| panic!("{}: patch: {e}", self.name));
                merge_patch(&mut snapshot, &patch);
                let text = serde_json::to_string_pretty(&snapshot).unwrap() + "\n";
                let line = match (&self.at, self.at_end) {
                    (Some(at), false) => {
                        text.lines().position(|l| l.contains(at.as_str())).unwrap_or_else(|| {
                            panic!("{}: no line of the patched snapshot holds `{at}`:\n{text}", self.name)
                        }) + 1
                            + self.after
                    }
                    (None, true) => text.lines().count(),
                    _ => panic!("{}: a patch case gives `at` or `at_end = true`", self.name),
                };
                let path = dir.join(format!("{}.json", self.name.replace('/', "-")));
                std::fs::write(&path, text).unwrap();
                let file = path.display().to_string();
                let args = ["scan", "--snapshot", &file, "--no-baseline"].map(String::from).to_vec();
                Run { args, file, line }
            }
            _ => panic!("{}: a case gives `args`, `file` and `line`, or a `patch`", self.name),
        }
    }
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(repo().join("fixtures/bad/cases.toml")).unwrap();
    toml::from_str::<Cases>(&text).unwrap().case
}

#[test]
fn every_bad_input_is_one_clear_error_with_exit_2() {
    let mut failures = Vec::new();
    let tmp = tempfile::tempdir().unwrap();
    for case in cases() {
        let Run { args, file, line } = case.prepare(tmp.path());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = driftscan(&args);
        let position = if line == 0 { format!("error: {file}: ") } else { format!("error: {file}:{line}") };
        let problem = if run.code != 2 {
            Some(format!("exit {} instead of 2", run.code))
        } else if !run.stdout.is_empty() {
            Some(format!("printed a report: {}", run.stdout))
        } else if run.stderr.lines().count() != 1 {
            Some(format!("expected one error line, got: {}", run.stderr))
        } else if !run.stderr.starts_with(&position) {
            Some(format!("error does not start with `{position}`: {}", run.stderr))
        } else if !run.stderr.contains(&case.says) {
            Some(format!("error does not say `{}`: {}", case.says, run.stderr))
        } else {
            None
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", case.name));
        }
    }
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_corpus_is_large_and_every_file_in_it_is_a_case() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let named: Vec<String> = cases.iter().flat_map(|c| c.args.clone().unwrap_or_default()).collect();
    for kind in ["snapshot", "baselines", "rules"] {
        for entry in std::fs::read_dir(repo().join("fixtures/bad").join(kind)).unwrap() {
            let name = format!("fixtures/bad/{kind}/{}", entry.unwrap().file_name().to_string_lossy());
            if name.ends_with("/valid.json") {
                continue;
            }
            assert!(named.contains(&name), "{name} is not used by any case in cases.toml");
        }
    }
}

#[test]
fn the_valid_base_of_the_corpus_is_valid() {
    let run =
        driftscan(&["scan", "--snapshot", "fixtures/bad/snapshot/valid.json", "--no-baseline", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn nonsense_command_line_values_are_usage_errors() {
    for args in [
        vec!["scan", "--snapshot", "fixtures/bad/snapshot/valid.json", "--format", "xml"],
        vec!["scan", "--snapshot", "fixtures/bad/snapshot/valid.json", "--fail-on", "sometimes"],
        vec!["scan", "--snapshot", "fixtures/bad/snapshot/valid.json", "--color", "purple"],
        vec!["scan", "--snapshot", "fixtures/bad/snapshot/valid.json", "--no-baseline", "--baselines", "x"],
        vec!["scan", "--snapshot", "does-not-exist.json"],
        vec!["rules", "explain", "DS-NOPE-999"],
        vec!["baseline", "accept", "--snapshot", "fixtures/demo/today.json", "--service", "lambda"],
        vec!["baseline", "accept", "--snapshot", "fixtures/demo/today.json", "--resource", "arn:aws:s3:::nope"],
        vec!["baseline", "accept", "--snapshot", "fixtures/demo/today.json", "--rule", "DS-NOPE-1"],
        vec!["frobnicate"],
    ] {
        let run = driftscan(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("error:"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?} printed: {}", run.stdout);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    }
}
