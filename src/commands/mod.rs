//! What each command does, between the parsed command line and the exit code.

use driftscan_core::VariantArray;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};

use crate::cli::{
    AwsArgs, BaselineAcceptArgs, BaselineCommand, BaselineInitArgs, Cli, ColorWhen, Command, DiffArgs, RulesCommand,
    ScanArgs, SnapshotArgs, SourceArgs,
};
use driftscan_core::baseline;
use driftscan_core::diff::{self, Change};
use driftscan_core::error::{Error, Result};
use driftscan_core::findings::ScanResult;
use driftscan_core::output::write_atomic;
use driftscan_core::pipeline::AccountScan;
use driftscan_core::report::{self, Format};
use driftscan_core::rules::{self, Rule};
use driftscan_core::snapshot::{ResourceType, Service, Snapshot};

/// Exit codes (README § Exit codes).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const INCOMPLETE: u8 = 3;
}

/// The exit code of a failed run.
pub fn exit_code_of(err: &Error) -> u8 {
    match err {
        Error::Collection(_) => exit::INCOMPLETE,
        _ => exit::BAD_INPUT,
    }
}

/// How chatty the run is on stderr.
#[derive(Debug, Clone, Copy)]
struct Ui {
    quiet: bool,
    /// Progress bars: only when stderr is a terminal, never with --quiet or -v (logs).
    /// Only live collection shows one.
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    progress: bool,
}

pub fn run(mut cli: Cli, matches: &clap::ArgMatches) -> Result<u8> {
    crate::config::apply(&mut cli, matches)?;
    let color = color_enabled(cli.color);
    if cli.verbose > 0 {
        let level = if cli.verbose > 1 { tracing::Level::DEBUG } else { tracing::Level::INFO };
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .with_ansi(color)
            .without_time()
            .try_init();
    }
    let ui = Ui { quiet: cli.quiet, progress: !cli.quiet && cli.verbose == 0 && std::io::stderr().is_terminal() };
    match cli.command {
        Command::Snapshot(args) => run_snapshot(args, ui),
        Command::Scan(args) => run_scan(args, color, ui),
        Command::Diff(args) => run_diff(args, color, ui),
        Command::Baseline(BaselineCommand::Init(args)) => run_init(args, ui),
        Command::Baseline(BaselineCommand::Accept(args)) => run_accept(args, color, ui),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "driftscan", &mut out);
            print(&String::from_utf8_lossy(&out))?;
            Ok(exit::OK)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| Error::io("<stdout>", e))?;
            print(&String::from_utf8_lossy(&out))?;
            Ok(exit::OK)
        }
        Command::Rules(RulesCommand::List { rules_dirs }) => {
            let rules = rules::load_catalog(&rules_dirs)?;
            print(&list_rules(&rules))?;
            Ok(exit::OK)
        }
        Command::Rules(RulesCommand::Explain { id, rules_dirs }) => {
            let rules = rules::load_catalog(&rules_dirs)?;
            let rule = rules
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(&id))
                .ok_or_else(|| Error::Usage(format!("no rule `{id}`; `driftscan rules list` shows them all")))?;
            print(&explain_rule(rule))?;
            Ok(exit::OK)
        }
    }
}

/// Colors only on a terminal, never with NO_COLOR, unless forced with `--color always`.
fn color_enabled(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`driftscan rules list | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Error::io("<stdout>", e)),
    }
}

/// The current state: the snapshot file, or the account read live.
fn load_current(source: &SourceArgs, ui: Ui) -> Result<Snapshot> {
    let aws = &source.aws;
    match &source.snapshot {
        Some(path) => {
            if let Some(flag) = aws_flag_given(aws) {
                return Err(Error::Usage(format!(
                    "{flag} reads the live account; it cannot be combined with --snapshot"
                )));
            }
            Snapshot::load(path)
        }
        None => collect_live(aws, ui),
    }
}

#[cfg(feature = "aws")]
fn collect_live(aws: &AwsArgs, ui: Ui) -> Result<Snapshot> {
    driftscan_aws::run_blocking(&collect_options(aws, ui))
}

/// The demo build (`make demo`) leaves the AWS SDK out; say how to get the full tool.
#[cfg(not(feature = "aws"))]
fn collect_live(_: &AwsArgs, _: Ui) -> Result<Snapshot> {
    Err(Error::Usage(
        "this driftscan was built without live AWS collection (`make demo` builds it so); \
         give --snapshot FILE, or build the full tool with `make build` or `cargo build`"
            .into(),
    ))
}

fn aws_flag_given(aws: &AwsArgs) -> Option<&'static str> {
    if aws.profile.is_some() {
        Some("--profile")
    } else if !aws.regions.is_empty() {
        Some("--region")
    } else if aws.endpoint_url.is_some() {
        Some("--endpoint-url")
    } else if aws.role_arn.is_some() {
        Some("--role-arn")
    } else {
        None
    }
}

#[cfg(feature = "aws")]
fn collect_options(aws: &AwsArgs, ui: Ui) -> driftscan_aws::Options {
    driftscan_aws::Options {
        profile: aws.profile.clone(),
        regions: aws.regions.clone(),
        endpoint_url: aws.endpoint_url.clone(),
        role_arn: aws.role_arn.clone(),
        concurrency: aws.concurrency as usize,
        call_timeout: std::time::Duration::from_secs(aws.call_timeout as u64),
        max_attempts: aws.max_attempts as u32,
        progress: ui.progress,
    }
}

/// What the current state was read from, for messages.
fn source_name(source: &SourceArgs) -> String {
    match &source.snapshot {
        Some(path) => path.display().to_string(),
        None => "the account".into(),
    }
}

/// Lists collection gaps on stderr (the report lists them too; this is for `snapshot`).
fn warn_gaps(snapshot: &Snapshot, ui: Ui) {
    if ui.quiet {
        return;
    }
    for g in &snapshot.meta.collection_gaps {
        eprintln!("collection gap: {g}");
    }
}

fn run_snapshot(args: SnapshotArgs, ui: Ui) -> Result<u8> {
    let snapshot = collect_live(&args.aws, ui)?;
    snapshot.save(&args.output)?;
    warn_gaps(&snapshot, ui);
    if !ui.quiet {
        eprintln!(
            "wrote {} ({} resources of account {}, {} collection gaps)",
            args.output.display(),
            snapshot.resources().len(),
            snapshot.meta.account_id,
            snapshot.meta.collection_gaps.len()
        );
    }
    Ok(if snapshot.meta.collection_gaps.is_empty() { exit::OK } else { exit::INCOMPLETE })
}

fn run_scan(args: ScanArgs, color: bool, ui: Ui) -> Result<u8> {
    let started = std::time::Instant::now();
    let rules = rules::load_catalog(&args.rules_dirs)?;
    let settings = args.baseline_dir.settings(!args.no_baseline)?;
    let current = load_current(&args.source, ui)?;
    let loaded = started.elapsed();
    let mut scan = AccountScan::compare(current, &settings)?;
    let compared = started.elapsed();
    scan.evaluate(&settings, &rules)?;
    let evaluated = started.elapsed();
    let (result, diffs) = (&scan.result, &scan.diffs);
    let evaluations: usize =
        diffs.iter().map(|d| rules.iter().filter(|r| r.resource_types.contains(&d.resource_type)).count()).sum();

    if let Some(path) = &args.sarif {
        write_atomic(path, report::render(Format::Sarif, result, &rules, diffs, false).as_bytes())?;
    }
    if let Some(path) = &args.json {
        write_atomic(path, report::render(Format::Json, result, &rules, diffs, false).as_bytes())?;
    }
    match &args.output {
        Some(path) => write_atomic(path, report::render(args.format, result, &rules, diffs, false).as_bytes())?,
        None => print(&report::render(args.format, result, &rules, diffs, color && args.format == Format::Text))?,
    }
    // `-v` shows where the time goes (`make bench` reads this line).
    tracing::info!(
        resources = diffs.len(),
        rule_evaluations = evaluations,
        findings = result.findings.len(),
        load_ms = loaded.as_millis() as u64,
        baselines_and_diff_ms = (compared - loaded).as_millis() as u64,
        rules_and_exceptions_ms = (evaluated - compared).as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "scan timings"
    );
    Ok(scan_exit_code(result, args.fail_on.threshold()))
}

/// 1 when a finding reaches the threshold; otherwise 3 when data is missing; else 0.
pub fn scan_exit_code(result: &ScanResult, threshold: Option<driftscan_core::findings::Severity>) -> u8 {
    let failing = threshold.is_some_and(|t| result.findings.iter().any(|f| f.is_open() && f.severity.at_least(t)));
    if failing {
        exit::FINDINGS
    } else if !result.collection_gaps.is_empty() {
        exit::INCOMPLETE
    } else {
        exit::OK
    }
}

fn paint_diff(unified: &str, color: bool) -> String {
    if !color {
        return unified.to_string();
    }
    let style = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    unified
        .lines()
        .map(|l| {
            let s = if l.starts_with("+++") || l.starts_with("---") {
                Style::new().bold()
            } else if l.starts_with('+') {
                style(AnsiColor::Green)
            } else if l.starts_with('-') {
                style(AnsiColor::Red)
            } else if l.starts_with("@@") {
                style(AnsiColor::Cyan)
            } else {
                Style::new()
            };
            format!("{s}{l}{s:#}\n")
        })
        .collect()
}

fn run_diff(args: DiffArgs, color: bool, ui: Ui) -> Result<u8> {
    let settings = args.baseline_dir.settings(true)?;
    let scan = AccountScan::compare(load_current(&args.source, ui)?, &settings)?;
    let (current, diffs) = (&scan.current, &scan.diffs);
    let mut out = String::new();
    let (mut added, mut removed, mut changed, mut uncollected) = (0, 0, 0, 0);
    for d in diffs {
        match d.change {
            Change::Unchanged => continue,
            Change::Uncollected => {
                uncollected += 1;
                continue;
            }
            Change::Added => added += 1,
            Change::Removed => removed += 1,
            Change::Changed(_) => changed += 1,
        }
        out.push_str(&paint_diff(&diff::unified(d), color));
    }
    let total = added + removed + changed;
    out.push_str(&format!(
        "{total} resources drifted from the baseline ({added} added, {removed} removed, {changed} changed)\n"
    ));
    for g in &current.meta.collection_gaps {
        out.push_str(&format!(
            "collection gap: {g}
"
        ));
    }
    if uncollected > 0 {
        out.push_str(&format!("{uncollected} baseline resources could not be compared (not collected)\n"));
    }
    print(&out)?;
    Ok(if !current.meta.collection_gaps.is_empty() {
        exit::INCOMPLETE
    } else if args.exit_code && total > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn run_init(args: BaselineInitArgs, ui: Ui) -> Result<u8> {
    let current = load_current(&args.source, ui)?;
    let dir = &args.baseline_dir.baselines;
    let account = &current.meta.account_id;
    if !current.meta.collection_gaps.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the snapshot has {} collection gaps; a baseline must not record data that could not be read",
            source_name(&args.source),
            current.meta.collection_gaps.len()
        )));
    }
    if baseline::exists(dir, account) && !args.force {
        return Err(Error::Usage(format!(
            "{}: baselines for account {account} already exist; use `driftscan baseline accept` to update them, or --force to overwrite",
            baseline::account_dir(dir, account).display()
        )));
    }
    let resources = current.resources();
    let count = resources.len();
    let written = baseline::write(dir, account, resources)?;
    print(&format!(
        "wrote {} baseline files for account {account} ({count} resources) in {}\n",
        written.len(),
        baseline::display_path(&baseline::account_dir(dir, account))
    ))?;
    Ok(exit::OK)
}

fn run_accept(args: BaselineAcceptArgs, color: bool, ui: Ui) -> Result<u8> {
    let settings = args.baseline_dir.settings(true)?;
    let dir = &settings.baselines_dir;
    let mut scan = AccountScan::compare(load_current(&args.source, ui)?, &settings)?;

    let mut services = BTreeSet::new();
    for s in &args.services {
        services.insert(s.parse::<Service>().map_err(|_| {
            Error::Usage(format!(
                "unknown service `{s}` (expected one of: {})",
                Service::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?);
    }
    for r in &args.resources {
        if !scan.diffs.iter().any(|d| &d.id == r) {
            return Err(Error::Usage(format!("no resource `{r}` in the snapshot or the baseline")));
        }
    }
    let rule_hits: Option<BTreeSet<String>> = if args.rules.is_empty() {
        None
    } else {
        let rules = rules::load_catalog(&args.rules_dirs)?;
        for id in &args.rules {
            if !rules.iter().any(|r| &r.id == id) {
                return Err(Error::Usage(format!("no rule `{id}`; `driftscan rules list` shows them all")));
            }
        }
        scan.evaluate(&settings, &rules)?;
        Some(
            scan.result
                .findings
                .iter()
                .filter(|f| f.is_open() && args.rules.contains(&f.rule_id))
                .map(|f| f.resource_id.clone())
                .collect(),
        )
    };
    let selected = |kind: ResourceType, id: &str| {
        (args.resources.is_empty() || args.resources.iter().any(|r| r == id))
            && (services.is_empty() || services.contains(&kind.service()))
            && rule_hits.as_ref().is_none_or(|hits| hits.contains(id))
    };

    // Start from the baseline as it is; replace only the selected, collected resources.
    let AccountScan { current, baselines, diffs, .. } = scan;
    let mut accepted: BTreeMap<(ResourceType, String), serde_json::Value> =
        baselines.snapshot.resources().into_iter().map(|(k, id, v)| ((k, id.to_string()), v)).collect();
    let mut current_values: BTreeMap<(ResourceType, &str), serde_json::Value> =
        current.resources().into_iter().map(|(k, id, v)| ((k, id), v)).collect();
    let mut count = 0;
    for d in &diffs {
        if matches!(d.change, Change::Unchanged | Change::Uncollected) || !selected(d.resource_type, &d.id) {
            continue;
        }
        count += 1;
        let key = (d.resource_type, d.id.clone());
        match current_values.remove(&(d.resource_type, d.id.as_str())) {
            Some(value) => accepted.insert(key, value),
            None => accepted.remove(&key),
        };
    }
    let written = baseline::write(
        dir,
        &current.meta.account_id,
        accepted.iter().map(|((k, id), v)| (*k, id.as_str(), v.clone())),
    )?;
    let mut out = String::new();
    for w in &written {
        let name = baseline::display_path(&w.path);
        let text = similar::TextDiff::from_lines(&w.before, &w.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.push_str(&paint_diff(&text, color));
    }
    out.push_str(&format!(
        "accepted {count} drifted resources into {} baseline files; review the change and commit it\n",
        written.len()
    ));
    print(&out)?;
    Ok(exit::OK)
}

fn list_rules(rules: &[Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        out.push_str(&format!("{:<12} {:<8} {:<16} {}\n", r.id, r.severity.as_str(), r.category.as_str(), r.title));
    }
    out.push_str(&format!("{} rules; `driftscan rules explain ID` tells more\n", rules.len()));
    out
}

/// The same text as the generated docs page of the rule.
pub fn explain_rule(r: &Rule) -> String {
    format!(
        "{id}: {title}\n\ncategory: {cat} · severity: {sev} (security-severity {ss:.1}) · SOC 2: {soc2}\nresource types: {types}\ndefined in: {path}\n\n{desc}\n\nRationale:\n{rat}\n\nRemediation:\n{rem}\n\n{help}\n",
        id = r.id,
        title = r.title,
        cat = r.category,
        sev = r.severity,
        ss = r.security_severity,
        soc2 = r.soc2.join(", "),
        types = r.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
        path = r.path,
        desc = r.description,
        rat = r.rationale,
        rem = r.remediation,
        help = r.help,
    )
}
