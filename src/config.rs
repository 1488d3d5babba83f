//! `driftscan.toml`: defaults for the command line, found in the working directory or
//! given with `--config`. A flag on the command line always wins; unknown keys are errors.
//!
//! ```toml
//! baselines = "baselines"
//! rules = ["rules-local"]
//! fail_on = "high"
//! format = "text"
//! sarif = "reports/drift.sarif"
//! json = "reports/drift.json"
//! output = "reports/drift.txt"
//! trusted_accounts = ["111122223333"]
//!
//! [aws]
//! profile = "audit"
//! regions = ["us-east-1", "eu-west-1"]
//! role_arn = "arn:aws:iam::123456789012:role/driftscan-readonly"
//! concurrency = 16
//! call_timeout = 20
//! max_attempts = 6
//! ```

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use strum::VariantArray;

use crate::cli::{AwsArgs, BaselineCommand, Cli, Command, FailOn, RulesCommand};
use driftscan_core::error::{Error, Result};
use driftscan_core::report::Format;

/// The file looked for in the working directory.
pub const FILE_NAME: &str = "driftscan.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub baselines: Option<PathBuf>,
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    pub fail_on: Option<String>,
    pub format: Option<String>,
    pub sarif: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Accounts trusted with access to buckets and keys (`--trusted-account`).
    #[serde(default)]
    pub trusted_accounts: Vec<String>,
    #[serde(default)]
    pub aws: AwsConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    pub profile: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    pub role_arn: Option<String>,
    pub concurrency: Option<u16>,
    pub call_timeout: Option<u16>,
    pub max_attempts: Option<u8>,
}

/// Typed values checked at load time, so a bad value names its line.
struct Checked {
    config: Config,
    fail_on: Option<FailOn>,
    format: Option<Format>,
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn load(explicit: Option<&Path>) -> Result<Option<Checked>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new(FILE_NAME).is_file() => PathBuf::from(FILE_NAME),
        None => return Ok(None),
    };
    let text = driftscan_core::json_lines::read_text(&path)?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_at(&text, s.start));
        Error::invalid(&path, line, e.message().to_string())
    })?;
    let key_line = |key: &str| text.lines().position(|l| l.trim_start().starts_with(key)).map_or(0, |i| i + 1);
    let enum_value = |key: &str, value: &Option<String>, parse: &dyn Fn(&str) -> bool, allowed: &str| -> Result<()> {
        match value {
            Some(v) if !parse(v) => {
                Err(Error::invalid(&path, key_line(key), format!("`{key}` must be one of {allowed}, not `{v}`")))
            }
            _ => Ok(()),
        }
    };
    use clap::ValueEnum;
    enum_value(
        "fail_on",
        &config.fail_on,
        &|v| FailOn::from_str(v, true).is_ok(),
        "critical, high, medium, low, info, none",
    )?;
    // Case ignored, as for `fail_on`.
    let format = |v: &str| Format::VARIANTS.iter().copied().find(|&f| <&str>::from(f).eq_ignore_ascii_case(v));
    enum_value("format", &config.format, &|v| format(v).is_some(), "text, json, sarif, markdown, html")?;
    for (key, value, max) in [
        ("concurrency", config.aws.concurrency.map(u32::from), 256),
        ("call_timeout", config.aws.call_timeout.map(u32::from), 600),
        ("max_attempts", config.aws.max_attempts.map(u32::from), 20),
    ] {
        if let Some(v) = value.filter(|v| *v == 0 || *v > max) {
            return Err(Error::invalid(&path, key_line(key), format!("`{key}` must be between 1 and {max}, not {v}")));
        }
    }
    if let Some(bad) = config.trusted_accounts.iter().find(|a| !driftscan_core::arn::is_account_id(a)) {
        return Err(Error::invalid(
            &path,
            key_line("trusted_accounts"),
            format!("`trusted_accounts` holds `{bad}`, which is not an AWS account id (12 digits)"),
        ));
    }
    Ok(Some(Checked {
        fail_on: config.fail_on.as_deref().map(|v| FailOn::from_str(v, true).expect("checked")),
        format: config.format.as_deref().map(|v| format(v).expect("checked")),
        config,
    }))
}

/// Fills what the command line left at its default from the configuration file.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> Result<()> {
    let Some(Checked { config, fail_on, format }) = load(cli.config.as_deref())? else { return Ok(()) };
    let Some((_, sub)) = matches.subcommand() else { return Ok(()) };
    // `baseline init|accept` and `rules list|explain` have their flags one level down.
    let sub = sub.subcommand().map_or(sub, |(_, m)| m);
    let unset = |id: &str| sub.try_get_raw(id).is_ok() && sub.value_source(id) != Some(ValueSource::CommandLine);
    let apply_aws = |aws: &mut AwsArgs, snapshot_given: bool| {
        // Settings for the live account do not apply to a scan of a snapshot file.
        if snapshot_given {
            return;
        }
        let c = &config.aws;
        if unset("profile") && c.profile.is_some() {
            aws.profile = c.profile.clone();
        }
        if unset("regions") && !c.regions.is_empty() {
            aws.regions = c.regions.clone();
        }
        if unset("endpoint_url") && c.endpoint_url.is_some() {
            aws.endpoint_url = c.endpoint_url.clone();
        }
        if unset("role_arn") && c.role_arn.is_some() {
            aws.role_arn = c.role_arn.clone();
        }
        if let (true, Some(v)) = (unset("concurrency"), c.concurrency) {
            aws.concurrency = v;
        }
        if let (true, Some(v)) = (unset("call_timeout"), c.call_timeout) {
            aws.call_timeout = v;
        }
        if let (true, Some(v)) = (unset("max_attempts"), c.max_attempts) {
            aws.max_attempts = v;
        }
    };
    let trusted = |args: &mut crate::cli::BaselineDirArgs| {
        if unset("trusted_accounts") && args.trusted_accounts.is_empty() {
            args.trusted_accounts = config.trusted_accounts.clone();
        }
    };
    let baselines = |args: &mut crate::cli::BaselineDirArgs| {
        if let (true, Some(b)) = (unset("baselines"), &config.baselines) {
            args.baselines = b.clone();
        }
        trusted(args);
    };
    let rules = |dirs: &mut Vec<PathBuf>| {
        if unset("rules_dirs") && dirs.is_empty() {
            *dirs = config.rules.clone();
        }
    };
    match &mut cli.command {
        Command::Snapshot(a) => apply_aws(&mut a.aws, false),
        Command::Scan(a) => {
            apply_aws(&mut a.source.aws, a.source.snapshot.is_some());
            if a.no_baseline {
                trusted(&mut a.baseline_dir);
            } else {
                baselines(&mut a.baseline_dir);
            }
            rules(&mut a.rules_dirs);
            if let (true, Some(v)) = (unset("fail_on"), fail_on) {
                a.fail_on = v;
            }
            if let (true, Some(v)) = (unset("format"), format) {
                a.format = v;
            }
            if unset("sarif") && a.sarif.is_none() {
                a.sarif = config.sarif.clone();
            }
            if unset("json") && a.json.is_none() {
                a.json = config.json.clone();
            }
            if unset("output") && a.output.is_none() {
                a.output = config.output.clone();
            }
        }
        Command::Diff(a) => {
            apply_aws(&mut a.source.aws, a.source.snapshot.is_some());
            baselines(&mut a.baseline_dir);
        }
        Command::Baseline(BaselineCommand::Init(a)) => {
            apply_aws(&mut a.source.aws, a.source.snapshot.is_some());
            baselines(&mut a.baseline_dir);
        }
        Command::Baseline(BaselineCommand::Accept(a)) => {
            apply_aws(&mut a.source.aws, a.source.snapshot.is_some());
            baselines(&mut a.baseline_dir);
            rules(&mut a.rules_dirs);
        }
        Command::Rules(RulesCommand::List { rules_dirs })
        | Command::Rules(RulesCommand::Explain { rules_dirs, .. }) => rules(rules_dirs),
        Command::Org(crate::cli::OrgCommand::Plan(a)) => apply_aws(&mut a.source.aws, a.source.snapshot.is_some()),
        Command::Evidence(crate::cli::EvidenceCommand::Build(a)) => {
            if let (true, Some(b)) = (unset("baselines"), &config.baselines) {
                a.baselines = b.clone();
            }
            rules(&mut a.rules_dirs);
        }
        Command::AccessReview(a) => apply_aws(&mut a.source.aws, a.source.snapshot.is_some()),
        Command::Report(_) | Command::Evidence(_) | Command::Completions { .. } | Command::Man => {}
    }
    Ok(())
}
