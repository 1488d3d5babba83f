//! `driftscan scan`: the account's scan, reported in every format asked for.

use driftscan_core::error::{Error, Result};
use driftscan_core::findings::{ScanResult, Severity};
use driftscan_core::org::{AccountReport, OrgResult, Outcome};
use driftscan_core::pipeline::AccountScan;
use driftscan_core::report::{self, Format};
use driftscan_core::rules;
use driftscan_core::scan_info::{self, ScanInfo, ScanOptions};
use driftscan_core::session::{Outputs, ScanSession};

use super::{Arrival, Ui, accounts, current_of, exit, print, write_streamed};
use crate::cli::ScanArgs;

pub fn run(args: ScanArgs, color: bool, ui: Ui) -> Result<u8> {
    if accounts::many(&args.source) {
        return run_many(args, color, ui);
    }
    accounts::check_single(&args.source)?;
    if args.sarif_dir.is_some() {
        return Err(driftscan_core::error::Error::Usage(
            "--sarif-dir is for many accounts (--org, --snapshot DIR); one account writes --sarif FILE".into(),
        ));
    }
    let rules = rules::load_catalog(&args.rules_dirs)?;
    let settings = args.baseline_dir.settings(!args.no_baseline)?;
    let outputs = Outputs {
        sarif: args.sarif.as_deref(),
        json: args.json.as_deref(),
        format: args.format,
        output: args.output.as_deref(),
        color,
    };
    let identify =
        |result: &ScanResult| scan_info(&args, &[(result.account_id.clone(), scan_info::rfc3339(result.scanned_at))]);
    let scanned =
        ScanSession { settings: &settings, rules: &rules }.run(current_of(&args.source, ui)?, &outputs, identify)?;
    if let Some(main) = &scanned.main {
        print(main)?;
    }
    let (result, t) = (&scanned.scan.result, scanned.timings);
    // `-v` shows where the time goes (`make bench` reads this line).
    tracing::info!(
        resources = scanned.scan.diffs.len(),
        rule_evaluations = scanned.rule_evaluations,
        findings = result.findings.len(),
        load_ms = t.loaded.as_millis() as u64,
        baselines_and_diff_ms = (t.compared - t.loaded).as_millis() as u64,
        rules_and_exceptions_ms = (t.evaluated - t.compared).as_millis() as u64,
        total_ms = t.reported.as_millis() as u64,
        "scan timings"
    );
    let code = scan_exit_code(result, args.fail_on.threshold());
    // The process ends next: freeing a large account's facts, baselines, findings and
    // diff piece by piece (millions of small allocations, ~0.1 s of a core at 100k
    // resources, after every report) is work the operating system does at once.
    std::mem::forget(scanned);
    Ok(code)
}

/// What identifies this run in its JSON report (README § JSON report, `scan`).
fn scan_info(args: &ScanArgs, scanned: &[(String, String)]) -> Result<ScanInfo> {
    use clap::ValueEnum;
    let fail_on = args.fail_on.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
    Ok(ScanInfo::new(
        scanned,
        rules::catalog_digest(&args.rules_dirs)?,
        scan_info::baselines_info(&args.baseline_dir.baselines),
        ScanOptions { regions: args.source.aws.regions.clone(), fail_on, no_baseline: args.no_baseline },
    ))
}

/// 1 when a finding reaches the threshold; otherwise 3 when data is missing; else 0.
pub fn scan_exit_code(result: &ScanResult, threshold: Option<Severity>) -> u8 {
    let failing = threshold.is_some_and(|t| result.findings.iter().any(|f| f.is_open() && f.severity.at_least(t)));
    if failing {
        exit::FINDINGS
    } else if !result.collection_gaps.is_empty() {
        exit::INCOMPLETE
    } else {
        exit::OK
    }
}

/// Many accounts: each scanned against its own baselines (`baselines/<account-id>/`) as it
/// arrives and kept only as its summary (the rest waits on disk); then the reports, written
/// one account at a time.
fn run_many(args: ScanArgs, color: bool, ui: Ui) -> Result<u8> {
    let rules = rules::load_catalog(&args.rules_dirs)?;
    let settings = args.baseline_dir.settings(!args.no_baseline)?;
    let mut org = OrgResult::empty()?;
    // Only the Markdown and HTML reports show what drifted; the others need the findings.
    let keep_drift = matches!(args.format, Format::Markdown | Format::Html);
    let scan = |arrival: Arrival| -> Result<AccountReport> {
        Ok(match arrival.snapshot {
            Ok(current) => {
                let scan = AccountScan::run(current, &settings, &rules)?;
                AccountReport::scanned(arrival.name, scan.result, if keep_drift { scan.diffs } else { Vec::new() })
            }
            Err(error) => AccountReport::failed(arrival.account_id, arrival.name, error),
        })
    };
    accounts::scan_each(&args.source, ui, &scan, &mut |report| {
        if let (false, Outcome::Failed { error }) = (ui.quiet, &report.outcome) {
            eprintln!("account {} FAILED: {error}", report.account_id);
        }
        org.add(report)
    })?;
    if let Some(dir) = &args.sarif_dir {
        write_sarif_dir(dir, &report::sarif::OrgFiles::plan(&org, &rules)?)?;
    }
    if let Some(path) = &args.sarif {
        write_streamed(Some(path), |sink| report::render_org(Format::Sarif, &org, &rules, false, sink))?;
    }
    let scanned: Vec<(String, String)> = org
        .scanned()
        .map(|a| (a.account_id.clone(), a.scanned_at.map(scan_info::rfc3339).unwrap_or_default()))
        .collect();
    let info = scan_info(&args, &scanned)?;
    // JSON carries the run's identification; the other formats render as `report merge` does.
    let render = |format: Format, color: bool, sink: &mut report::Sink| match format {
        Format::Json => report::json::render_org(&org, Some(&info), sink),
        _ => report::render_org(format, &org, &rules, color, sink),
    };
    if let Some(path) = &args.json {
        write_streamed(Some(path), |sink| render(Format::Json, false, sink))?;
    }
    let color = color && args.format == Format::Text && args.output.is_none();
    write_streamed(args.output.as_deref(), |sink| render(args.format, color, sink))?;
    Ok(org_exit_code(&org, args.fail_on.threshold()))
}

/// `driftscan-001.sarif`, … in `dir`; older files of that pattern are removed, so that an
/// upload of the directory never takes a stale account along.
fn write_sarif_dir(dir: &std::path::Path, files: &report::sarif::OrgFiles) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("driftscan-") && name.ends_with(".sarif") {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    for i in 0..files.len() {
        let path = dir.join(format!("driftscan-{:03}.sarif", i + 1));
        write_streamed(Some(&path), |sink| files.write(i, sink))?;
    }
    Ok(())
}

/// 1 when a finding of any account reaches the threshold; otherwise 3 when an account
/// failed or was read in part; else 0.
pub fn org_exit_code(org: &OrgResult, threshold: Option<Severity>) -> u8 {
    if org.scanned().any(|a| a.fails_at(threshold)) {
        exit::FINDINGS
    } else if org.scanned().any(|a| !a.collection_gaps.is_empty()) || org.failed().next().is_some() {
        exit::INCOMPLETE
    } else {
        exit::OK
    }
}
