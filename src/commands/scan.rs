//! `driftscan scan`: the account's scan, reported in every format asked for.

use driftscan_core::error::Result;
use driftscan_core::findings::{ScanResult, Severity};
use driftscan_core::org::{AccountReport, AccountStatus, OrgResult};
use driftscan_core::output::write_atomic;
use driftscan_core::pipeline::AccountScan;
use driftscan_core::report::{self, Format};
use driftscan_core::rules;
use driftscan_core::scan_info::{self, ScanInfo, ScanOptions};

use super::{Ui, accounts, exit, load_current, print};
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
    let info = scan_info(&args, &[(result.account_id.clone(), scan_info::rfc3339(result.scanned_at))])?;
    let render = |format: Format, color: bool| match format {
        Format::Json => report::json::render_scan(result, Some(&info)),
        _ => report::render(format, result, &rules, diffs, color),
    };
    if let Some(path) = &args.json {
        write_atomic(path, render(Format::Json, false).as_bytes())?;
    }
    match &args.output {
        Some(path) => write_atomic(path, render(args.format, false).as_bytes())?,
        None => print(&render(args.format, color && args.format == Format::Text))?,
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
/// arrives and kept only as its findings; then one report for all of them.
fn run_many(args: ScanArgs, color: bool, ui: Ui) -> Result<u8> {
    let rules = rules::load_catalog(&args.rules_dirs)?;
    let settings = args.baseline_dir.settings(!args.no_baseline)?;
    let mut reports = Vec::new();
    accounts::for_each(&args.source, ui, &mut |arrival| {
        let report = match arrival.snapshot {
            Ok(current) => {
                let scan = AccountScan::run(current, &settings, &rules)?;
                AccountReport::scanned(arrival.name, scan.result, scan.diffs)
            }
            Err(error) => AccountReport::failed(arrival.account_id, arrival.name, error),
        };
        if !ui.quiet && report.status == AccountStatus::Failed {
            eprintln!("account {} FAILED: {}", report.account_id, report.error.as_deref().unwrap_or_default());
        }
        reports.push(report);
        Ok(())
    })?;
    let org = OrgResult::new(reports);
    if let Some(dir) = &args.sarif_dir {
        write_sarif_dir(dir, &report::sarif::render_org(&org, &rules))?;
    }
    if let Some(path) = &args.sarif {
        write_atomic(path, report::render_org(Format::Sarif, &org, &rules, false)?.as_bytes())?;
    }
    let scanned: Vec<(String, String)> =
        org.results().map(|r| (r.account_id.clone(), scan_info::rfc3339(r.scanned_at))).collect();
    let info = scan_info(&args, &scanned)?;
    let render = |format: Format, color: bool| match format {
        Format::Json => Ok(report::json::render_org_scan(&org, Some(&info))),
        _ => report::render_org(format, &org, &rules, color),
    };
    if let Some(path) = &args.json {
        write_atomic(path, render(Format::Json, false)?.as_bytes())?;
    }
    match &args.output {
        Some(path) => write_atomic(path, render(args.format, false)?.as_bytes())?,
        None => print(&render(args.format, color && args.format == Format::Text)?)?,
    }
    Ok(org_exit_code(&org, args.fail_on.threshold()))
}

/// `driftscan-001.sarif`, … in `dir`; older files of that pattern are removed, so that an
/// upload of the directory never takes a stale account along.
fn write_sarif_dir(dir: &std::path::Path, files: &[String]) -> Result<()> {
    use driftscan_core::error::Error;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("driftscan-") && name.ends_with(".sarif") {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    for (i, text) in files.iter().enumerate() {
        write_atomic(&dir.join(format!("driftscan-{:03}.sarif", i + 1)), text.as_bytes())?;
    }
    Ok(())
}

/// 1 when a finding of any account reaches the threshold; otherwise 3 when an account
/// failed or was read in part; else 0.
pub fn org_exit_code(org: &OrgResult, threshold: Option<Severity>) -> u8 {
    let codes: Vec<u8> = org.results().map(|r| scan_exit_code(r, threshold)).collect();
    if codes.contains(&exit::FINDINGS) {
        exit::FINDINGS
    } else if codes.contains(&exit::INCOMPLETE) || org.failed().next().is_some() {
        exit::INCOMPLETE
    } else {
        exit::OK
    }
}
