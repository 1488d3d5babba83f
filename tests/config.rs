//! `driftscan.toml`: defaults from the working directory or `--config`, overridden by
//! flags; unknown keys and bad values are `file:line` errors. Plus the generated shell
//! completions and manual page.

use crate::common::*;

fn project(config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&baselines(), &tmp.path().join("approved"));
    std::fs::copy(demo_today(), tmp.path().join("today.json")).unwrap();
    std::fs::write(tmp.path().join("driftscan.toml"), config).unwrap();
    tmp
}

#[test]
fn the_config_file_sets_defaults_and_flags_win() {
    let tmp = project(
        "baselines = \"approved\"\nfail_on = \"none\"\nformat = \"json\"\n\n[aws]\nregions = [\"eu-west-1\"]\n",
    );
    let t = tmp.path();
    // From the file: the baselines directory, fail_on = none (exit 0), JSON on stdout.
    let run = driftscan_in(t, &["scan", "--snapshot", "today.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON from the config's format");
    assert!(
        report["findings"].as_array().unwrap().iter().any(|f| f["baseline_state"] == "new"),
        "scanned against approved/"
    );
    // Flags win over the file.
    let run = driftscan_in(t, &["scan", "--snapshot", "today.json", "--fail-on", "high", "--format", "text"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("driftscan "), "text report: {}", run.stdout);
    // AWS settings of the file do not collide with --snapshot.
    assert_eq!(driftscan_in(t, &["diff", "--snapshot", "today.json"]).code, 0);
    // Trusted accounts from the file or the flag: the demo's partner grant is no longer untrusted.
    let untrusted = |run: &Run| run.stdout.matches("\"DS-PUB-009\"").count();
    let before = untrusted(&driftscan_in(t, &["scan", "--snapshot", "today.json"]));
    assert_eq!(before, 2, "the partner's bucket and key grants");
    let flag = driftscan_in(t, &["scan", "--snapshot", "today.json", "--trusted-account", "777788889999"]);
    assert_eq!(untrusted(&flag), 0, "{}", flag.stderr);
    std::fs::write(
        t.join("trusting.toml"),
        "baselines = \"approved\"\nformat = \"json\"\nfail_on = \"none\"\ntrusted_accounts = [\"777788889999\"]\n",
    )
    .unwrap();
    assert_eq!(untrusted(&driftscan_in(t, &["--config", "trusting.toml", "scan", "--snapshot", "today.json"])), 0);
    // --config names another file; the one in the directory is then ignored.
    std::fs::write(t.join("strict.toml"), "baselines = \"approved\"\nfail_on = \"critical\"\n").unwrap();
    let run = driftscan_in(t, &["--config", "strict.toml", "scan", "--snapshot", "today.json"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("driftscan "), "the default text format: {}", run.stdout);
}

#[test]
fn bad_config_files_are_file_line_errors() {
    for (config, line, says) in [
        ("baselines = \"approved\"\ncolour = \"red\"\n", 2, "unknown field `colour`"),
        ("fail_on = \"sometimes\"\n", 1, "`fail_on` must be one of"),
        ("[aws]\nconcurrency = 0\n", 2, "`concurrency` must be between 1 and 256"),
        ("format = \"pdf\"\n", 1, "`format` must be one of"),
        ("[aws]\nregions = \"us-east-1\"\n", 2, "invalid type"),
        ("fail_on = \"high\"\ntrusted_accounts = [\"12345\"]\n", 2, "`12345`, which is not an AWS account id"),
    ] {
        let tmp = project(config);
        let run = driftscan_in(tmp.path(), &["scan", "--snapshot", "today.json"]);
        assert_eq!(run.code, 2, "{config}: {}", run.stderr);
        assert!(run.stderr.starts_with(&format!("error: driftscan.toml:{line}: ")), "{config}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{config}: {}", run.stderr);
    }
    let tmp = project("baselines = \"approved\"\n");
    let run = driftscan_in(tmp.path(), &["scan", "--snapshot", "today.json", "--trusted-account", "77778888999x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`77778888999x` is not an AWS account id"), "{}", run.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let run = driftscan_in(tmp.path(), &["--config", "missing.toml", "rules", "list"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);
}

#[test]
fn completions_and_manual_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let run = driftscan(&["completions", shell]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout.contains("driftscan") && run.stdout.contains("baseline") && run.stdout.contains("fail-on"),
            "{shell}"
        );
    }
    let man = driftscan(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH driftscan 1") && man.stdout.contains("snapshot"), "{}", &man.stdout[..200]);
}
