//! Command-line definitions (clap). Behaviour lives in `app`; this file is the contract.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use strum::VariantArray;

use driftscan_core::evidence::Cadence;
use driftscan_core::findings::Severity;
use driftscan_core::report::Format;
use driftscan_core::snapshot::Service;

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
    long_about = format!("driftscan snapshots an AWS account's settings ({}) or reads a snapshot file, diffs \
them against the baselines committed to git (baselines/<account-id>/<service>.json), evaluates its rule catalog \
over the drift, and reports findings as text, JSON or SARIF for GitHub code scanning.", service_names()),
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// When to color the output: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Read defaults from this file instead of ./driftscan.toml (command-line flags win).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// No progress bars and no notes on stderr; only the report and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log what driftscan does on stderr (-v: gaps as they happen, API calls per service and
    /// timings; -vv: every API call).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

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
    /// Read the account's settings into a snapshot file.
    #[command(
        after_help = EXIT_CODES,
        long_about = format!("Read the account's settings into a snapshot file: {}.", service_names())
    )]
    Snapshot(SnapshotArgs),
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
    /// Plan a run over an AWS Organization split across machines.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Work with reports already written.
    #[command(subcommand)]
    Report(ReportCommand),
    /// SOC 2 evidence from a directory of JSON reports: monitoring gaps, time to remediate,
    /// exceptions, the baselines' change trail, with a manifest of digests.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// The quarterly access review: one row per IAM user, role and group (admin-equivalent,
    /// services it writes to, escalation paths, trust, MFA, keys) with blank reviewer and
    /// decision columns, as CSV or an HTML page grouped by risk.
    #[command(
        after_help = "Exit codes: 0 written; 2 usage error or bad input; 3 an account could not be read (it is listed, the others are reviewed)"
    )]
    AccessReview(AccessReviewArgs),
    /// Print a shell completion script (e.g. `driftscan completions bash > /etc/bash_completion.d/driftscan`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `driftscan man | man -l -`.
    Man,
}

/// Where the current state comes from: a snapshot file, or the AWS account.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Read the current state from a snapshot file instead of the AWS account; or from a
    /// directory of them (DIR/<account-id>.json, as `snapshot --org -o DIR` writes), and
    /// then scan every account in it.
    #[arg(long, value_name = "FILE|DIR")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub org: OrgArgs,
}

/// Many accounts: an AWS Organization read live, or a directory of snapshots.
#[derive(Debug, Clone, Args)]
pub struct OrgArgs {
    /// Every account of the AWS Organization: list them (organizations:ListAccounts, from the
    /// management account or a delegated administrator) and read each member through the
    /// role --org-role; the credentials' own account is read with them directly.
    #[arg(long, help_heading = "Organization")]
    pub org: bool,
    /// The read-only role to assume in each member account (docs/iam-policy.json).
    #[arg(long, value_name = "NAME", default_value = "driftscan-audit", help_heading = "Organization")]
    pub org_role: String,
    /// The external id the member roles' trust policies require.
    #[arg(long, value_name = "ID", help_heading = "Organization")]
    pub external_id: Option<String>,
    /// Only these accounts (comma-separated or repeated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',', value_parser = account_id, help_heading = "Organization")]
    pub accounts: Vec<String>,
    /// Not these accounts (comma-separated or repeated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',', value_parser = account_id, help_heading = "Organization")]
    pub exclude_accounts: Vec<String>,
    /// Only the accounts in this organizational unit, nested ones included (repeatable).
    #[arg(long = "ou", value_name = "OU-ID", help_heading = "Organization")]
    pub ous: Vec<String>,
    /// Read at most this many accounts at once (all within the one --concurrency call limit).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256), help_heading = "Organization")]
    pub account_concurrency: u16,
    /// Only the accounts of shard K of N (1-based; by a hash of the account id, the same on
    /// every machine): N runs with K = 1..N cover the organization once. See `org plan`.
    #[arg(long, value_name = "K/N", value_parser = shard, help_heading = "Organization")]
    pub shard: Option<(u32, u32)>,
}

impl OrgArgs {
    /// Whether `account_id` is one this run scans (before the organization's own OU filter).
    pub fn selects(&self, account_id: &str) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account_id))
            && !self.exclude_accounts.iter().any(|a| a == account_id)
            && self.shard.is_none_or(|(k, n)| driftscan_core::org::shard_of(account_id, n) == k - 1)
    }

    /// Selection flags that only mean something for many accounts.
    pub fn selection_given(&self) -> Option<&'static str> {
        if !self.accounts.is_empty() {
            Some("--accounts")
        } else if !self.exclude_accounts.is_empty() {
            Some("--exclude-accounts")
        } else if !self.ous.is_empty() {
            Some("--ou")
        } else if self.shard.is_some() {
            Some("--shard")
        } else {
            None
        }
    }
}

/// `K/N`, 1 ≤ K ≤ N.
fn shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not a shard K/N (1 ≤ K ≤ N, e.g. 2/8)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// How to reach the account (an error together with --snapshot). Credentials come from the standard
/// AWS chain: environment, shared config/credentials files, web identity, container or
/// instance roles.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// Named profile of the shared AWS config files.
    #[arg(long, value_name = "NAME", help_heading = "AWS")]
    pub profile: Option<String>,
    /// Region to scan (repeatable), or `all` for every region enabled in the account.
    /// Default: the configured region (AWS_REGION, profile), else us-east-1. IAM and the S3
    /// bucket list are global and always read.
    #[arg(long = "region", value_name = "REGION", help_heading = "AWS")]
    pub regions: Vec<String>,
    /// Send every API call to this endpoint (an emulator such as moto); S3 then uses
    /// path-style addressing.
    #[arg(long, value_name = "URL", help_heading = "AWS")]
    pub endpoint_url: Option<String>,
    /// Assume this role (read-only, see docs/iam-policy.json) before collecting.
    #[arg(long, value_name = "ARN", help_heading = "AWS")]
    pub role_arn: Option<String>,
    /// At most this many API calls in flight.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256), help_heading = "AWS")]
    pub concurrency: u16,
    /// Timeout of one API call attempt, in seconds; adaptive retries come on top.
    #[arg(long = "call-timeout", value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=600), help_heading = "AWS")]
    pub call_timeout: u16,
    /// Attempts per API call (adaptive retry mode: throttling slows the whole client down).
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=20), help_heading = "AWS")]
    pub max_attempts: u8,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub org: OrgArgs,
    /// Write the snapshot here (atomically); with --org, a directory that receives
    /// <account-id>.json per account (and failed-accounts.json naming those that failed).
    #[arg(short, long, value_name = "FILE|DIR")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct BaselineDirArgs {
    /// Directory of committed baselines; files are <DIR>/<account-id>/<service>.json.
    #[arg(long, value_name = "DIR", default_value = "baselines")]
    pub baselines: PathBuf,
    /// Report file locations (SARIF uris, JSON `location.path`) relative to DIR. Default:
    /// the root of the git work tree that holds the baselines, as GitHub code scanning
    /// expects; give it when the baselines are not in a git work tree.
    #[arg(long, value_name = "DIR")]
    pub source_root: Option<PathBuf>,
    /// An account you trust with access to your buckets and keys (repeatable, or
    /// comma-separated): a grant to it is still drift when new (DS-PUB-008), but not an
    /// untrusted grant (DS-PUB-009). Also `trusted_accounts` in driftscan.toml.
    #[arg(long = "trusted-account", value_name = "ACCOUNT_ID", value_delimiter = ',', value_parser = account_id)]
    pub trusted_accounts: Vec<String>,
}

/// A value of one of the core's enums, by the names the core gives its variants (the core
/// knows nothing of clap); `help` says, in `--help`, what a value is where its name does not.
fn core_value<T>(help: fn(T) -> Option<&'static str>) -> impl TypedValueParser<Value = T>
where
    T: VariantArray + Copy + Into<&'static str> + Send + Sync + 'static,
{
    let values = T::VARIANTS.iter().map(move |&v| PossibleValue::new(v.into()).help(help(v)));
    PossibleValuesParser::new(values).map(|name| {
        T::VARIANTS.iter().copied().find(|&v| v.into() == name).expect("clap passes only the possible values")
    })
}

/// The services a snapshot holds, as their baseline files are named, for `--help`.
fn service_names() -> String {
    Service::VARIANTS.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// What a report format is, for `--help`, where its name does not say.
fn format_help(format: Format) -> Option<&'static str> {
    match format {
        Format::Text | Format::Json | Format::Sarif => None,
        Format::Markdown => Some("A summary for `$GITHUB_STEP_SUMMARY` and pull-request comments"),
        Format::Html => Some("One self-contained page with filters, SOC 2 criteria and the drift diff"),
    }
}

/// A 12-digit AWS account id.
fn account_id(s: &str) -> Result<String, String> {
    if driftscan_core::arn::is_account_id(s) {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not an AWS account id (12 digits)"))
    }
}

impl BaselineDirArgs {
    /// The pipeline settings these flags describe.
    pub fn settings(&self, use_baseline: bool) -> driftscan_core::error::Result<driftscan_core::pipeline::Settings> {
        let source_root = driftscan_core::source_root::SourceRoot::find(&self.baselines, self.source_root.as_deref())?;
        Ok(driftscan_core::pipeline::Settings {
            baselines_dir: self.baselines.clone(),
            source_root,
            use_baseline,
            trusted_accounts: self.trusted_accounts.iter().cloned().collect(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub baseline_dir: BaselineDirArgs,
    /// Scan without a baseline (a posture scan): what is wrong now, every finding new; rules
    /// that judge a change since the baseline do not run.
    #[arg(long, conflicts_with = "baselines")]
    pub no_baseline: bool,
    /// Also load the rule files (*.toml) in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Format of the report on stdout (or in --output).
    #[arg(long, value_parser = core_value(format_help), default_value_t = Format::Text)]
    pub format: Format,
    /// Write the --format report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write SARIF 2.1.0 (for GitHub code scanning) to FILE.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write SARIF into DIR as driftscan-001.sarif, driftscan-002.sarif, …: one run per
    /// account, at most 20 runs and 10 MB gzipped per file (GitHub's limits), for
    /// organizations too large for one file.
    #[arg(long, value_name = "DIR", conflicts_with = "sarif")]
    pub sarif_dir: Option<PathBuf>,
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
    /// Accept only this service (repeatable).
    #[arg(long = "service", value_name = "SERVICE", value_parser = core_value::<Service>(|_| None))]
    pub services: Vec<Service>,
    /// Also load the rule files in DIR (for --rule).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Print which accounts each of N shards (`scan --org --shard K/N`) reads: for a CI
    /// matrix (`--format github-matrix`) or to check the split.
    Plan(OrgPlanArgs),
}

#[derive(Debug, Args)]
pub struct OrgPlanArgs {
    /// Split into this many shards.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub shards: u32,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// One line per shard.
    Text,
    /// Every account with its shard.
    Json,
    /// `{"include":[{"shard":"1/4","accounts":N},…]}` for `strategy.matrix: ${{ fromJSON(…) }}`
    /// (shards without an account left out).
    GithubMatrix,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine JSON reports (of shards, or of single accounts) into one organization report.
    Merge(ReportMergeArgs),
}

#[derive(Debug, Args)]
pub struct ReportMergeArgs {
    /// JSON reports written by `scan --json` (any schema_version driftscan writes).
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Format of the merged report: json, text, markdown or html.
    #[arg(long, value_parser = core_value(format_help), default_value_t = Format::Json)]
    pub format: Format,
    /// Write the merged report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Read every JSON report under --reports and write the evidence folder -o OUT/:
    /// index.html, CSV tables and MANIFEST.sha256.
    Build(EvidenceBuildArgs),
    /// Re-check OUT/MANIFEST.sha256: exit 0 when every file matches, 1 naming each mismatch.
    Verify {
        /// The evidence folder.
        #[arg(value_name = "OUT")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct EvidenceBuildArgs {
    /// The directory of JSON reports (`scan --json`, any schema, nested directories, gzip).
    #[arg(long, value_name = "DIR")]
    pub reports: PathBuf,
    /// First day of the observation period (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub from: chrono::NaiveDate,
    /// Last day of the observation period, included.
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub to: chrono::NaiveDate,
    /// How often every account is expected to be scanned; a window without a successful
    /// scan is a monitoring gap.
    #[arg(long, value_parser = core_value(cadence_help), default_value_t = Cadence::Daily)]
    pub cadence: Cadence,
    /// The baselines directory in its git work tree: its history is the change trail and
    /// tells fixes from accepted changes.
    #[arg(long, value_name = "DIR", default_value = "baselines")]
    pub baselines: PathBuf,
    /// Also load the rule files in DIR (for the SOC 2 criteria of custom rules).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Skip files that are not driftscan JSON reports (each is listed) instead of failing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// The evidence folder to write.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

/// What a cadence expects, for `--help`.
fn cadence_help(cadence: Cadence) -> Option<&'static str> {
    Some(match cadence {
        Cadence::Daily => "A successful scan every calendar day (UTC)",
        Cadence::Weekly => "A successful scan in every 7-day window from `--from`",
    })
}

/// `YYYY-MM-DD`.
fn date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

#[derive(Debug, Args)]
pub struct AccessReviewArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Write the review to FILE (its extension picks the format unless --format is given)
    /// instead of CSV on stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// csv (for a spreadsheet) or html (grouped by risk). Default: from the -o extension, else csv.
    #[arg(long, value_enum)]
    pub format: Option<ReviewFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    Csv,
    Html,
}
