//! Command-line definitions (clap). Behaviour lives in `app`; this file is the contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::findings::Severity;
use crate::report::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  no open finding at or above --fail-on (default: high)
  1  findings at or above --fail-on
  2  usage error or bad input (a file, line and reason are printed)
  3  collection incomplete: some data could not be read (gaps are listed), even if
     there is no finding; a scan never reports \"clean\" for data it could not read";

#[derive(Debug, Parser)]
#[command(
    name = "driftscan",
    version,
    about = "Diff an AWS account against baselines committed to git; report privilege creep, MFA gaps, encryption drift and public exposure",
    long_about = "driftscan snapshots an AWS account's IAM, S3, RDS, DynamoDB and KMS settings (or reads a \
snapshot file), diffs it against the baselines committed to git (baselines/<account-id>/<service>.json), \
evaluates its rule catalog over the drift, and reports findings as text, JSON or SARIF for GitHub code scanning.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// When to color the output: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diff the account against its baselines, evaluate the rules, report findings.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Show what drifted from the baseline, resource by resource, like `git diff`.
    Diff(DiffArgs),
    /// Write or update the committed baselines from the current state.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// List the rules, or explain one.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// Where the current state comes from.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Read the current state from a snapshot file instead of the AWS account.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
}

#[derive(Debug, Args)]
pub struct BaselineDirArgs {
    /// Directory of committed baselines; files are <DIR>/<account-id>/<service>.json.
    #[arg(long, value_name = "DIR", default_value = "baselines")]
    pub baselines: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub baseline_dir: BaselineDirArgs,
    /// Scan without a baseline: every finding counts as new.
    #[arg(long, conflicts_with = "baselines")]
    pub no_baseline: bool,
    /// Also load the rule files (*.toml) in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Format of the report on stdout (or in --output).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the --format report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write SARIF 2.1.0 (for GitHub code scanning) to FILE.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write JSON findings to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit 1 when an open finding has this severity or worse; `none` never fails on findings.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub baseline_dir: BaselineDirArgs,
    /// Exit 1 when anything drifted (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write the first baselines of an account from its current state.
    Init(BaselineInitArgs),
    /// Accept the current state into the baselines: all of it, or only the selected
    /// resources, services or rules' findings. Prints the resulting change for review.
    Accept(BaselineAcceptArgs),
}

#[derive(Debug, Args)]
pub struct BaselineInitArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub baseline_dir: BaselineDirArgs,
    /// Overwrite baselines that already exist for the account.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BaselineAcceptArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub baseline_dir: BaselineDirArgs,
    /// Accept only this resource (ARN; repeatable).
    #[arg(long = "resource", value_name = "ARN")]
    pub resources: Vec<String>,
    /// Accept only the resources this rule reports (repeatable).
    #[arg(long = "rule", value_name = "RULE-ID")]
    pub rules: Vec<String>,
    /// Accept only this service: iam, s3, rds, dynamodb, kms, config (repeatable).
    #[arg(long = "service", value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Also load the rule files in DIR (for --rule).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// One line per rule: id, severity, category, title.
    List {
        /// Also load the rule files in DIR.
        #[arg(long = "rules", value_name = "DIR")]
        rules_dirs: Vec<PathBuf>,
    },
    /// Everything about one rule: rationale, remediation, SOC 2 criteria.
    Explain {
        /// The rule id, e.g. DS-IAM-001.
        id: String,
        /// Also load the rule files in DIR.
        #[arg(long = "rules", value_name = "DIR")]
        rules_dirs: Vec<PathBuf>,
    },
}
