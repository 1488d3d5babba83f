//! What each command does, between the parsed command line and the exit code: one module
//! per command; what they share (exit codes, output, reading the current state) is here.

mod access_review;
mod accounts;
mod baseline;
mod diff;
mod evidence;
mod live;
mod org;
mod rules;
mod scan;
mod snapshot;

use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use driftscan_core::error::{Error, Result};
use driftscan_core::session::Current;
use driftscan_core::snapshot::Snapshot;

use crate::cli::{
    AwsArgs, BaselineCommand, Cli, ColorWhen, Command, EvidenceCommand, OrgCommand, ReportCommand, RulesCommand,
    SourceArgs,
};

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
    progress: bool,
}

/// One account as it arrives: its snapshot, or why it could not be read.
pub struct Arrival {
    pub account_id: String,
    pub name: Option<String>,
    pub snapshot: std::result::Result<Snapshot, String>,
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
        Command::Snapshot(args) => snapshot::run(args, ui),
        Command::Scan(args) => scan::run(args, color, ui),
        Command::Diff(args) => diff::run(args, color, ui),
        Command::Baseline(BaselineCommand::Init(args)) => baseline::init(args, ui),
        Command::Baseline(BaselineCommand::Accept(args)) => baseline::accept(args, color, ui),
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
        Command::Org(OrgCommand::Plan(args)) => org::plan(args, ui),
        Command::Report(ReportCommand::Merge(args)) => org::merge(args),
        Command::Evidence(EvidenceCommand::Build(args)) => evidence::build(args, ui),
        Command::AccessReview(args) => access_review::run(args, ui),
        Command::Evidence(EvidenceCommand::Verify { dir }) => evidence::verify(&dir, ui),
        Command::Rules(RulesCommand::List { rules_dirs }) => rules::list(&rules_dirs),
        Command::Rules(RulesCommand::Explain { id, rules_dirs }) => rules::explain(&id, &rules_dirs),
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

/// Streams a report of many accounts, piece by piece, to `path` (atomically) or stdout.
fn write_streamed(
    path: Option<&std::path::Path>,
    render: impl FnOnce(&mut driftscan_core::report::Sink) -> Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let mut file = driftscan_core::output::AtomicFile::create(path)?;
            render(&mut |piece| file.write_all(piece.as_bytes()).map_err(|e| Error::io(path, e)))?;
            file.commit()
        }
        None => render(&mut |piece| print(piece)),
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
    match current_of(source, ui)? {
        Current::File(path) => Snapshot::load(path),
        Current::Collect(collect) => collect(),
    }
}

/// Where the current state comes from: the snapshot file (no live-collection flag may
/// come with it), or the account read live.
fn current_of(source: &SourceArgs, ui: Ui) -> Result<Current<'_>> {
    accounts::check_single(source)?;
    let aws = &source.aws;
    match &source.snapshot {
        Some(path) => match aws_flag_given(aws) {
            Some(flag) => {
                Err(Error::Usage(format!("{flag} reads the live account; it cannot be combined with --snapshot")))
            }
            None => Ok(Current::File(path)),
        },
        None => Ok(Current::Collect(Box::new(move || live::collect_account(aws, ui.progress)))),
    }
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
