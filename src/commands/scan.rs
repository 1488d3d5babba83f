//! `driftscan scan`: the account's scan, reported in every format asked for.

use driftscan_core::baseline::{self, Baselines};
use driftscan_core::error::{Error, Result};
use driftscan_core::findings::{ScanResult, Severity};
use driftscan_core::org::{AccountReport, AccountStatus, OrgResult};
use driftscan_core::output::{AtomicFile, write_atomic};
use driftscan_core::pipeline::AccountScan;
use driftscan_core::report::{self, Format};
use driftscan_core::rules;
use driftscan_core::scan_info::{self, ScanInfo, ScanOptions};

use super::{Arrival, Ui, accounts, exit, load_current, load_current_with, print, write_streamed};
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
    // A snapshot file's baselines are parsed while its facts are built (they are about as
    // large). Whose they are: the one account's that the directory holds, else the account
    // the snapshot's `meta` names, read first; either is checked once the facts are there.
    let load_baselines = |account: &str| {
        (account.to_string(), Baselines::load_account(&settings.baselines_dir, account, &settings.source_root))
    };
    let only_account = match baseline::accounts(&settings.baselines_dir).as_slice() {
        [only] if settings.use_baseline && args.source.snapshot.is_some() => Some(only.clone()),
        _ => None,
    };
    let (current, peeked) = match only_account {
        Some(account) => {
            let (current, baselines) = rayon::join(|| load_current(&args.source, ui), || load_baselines(&account));
            (current, Some(baselines))
        }
        None => load_current_with(&args.source, ui, settings.use_baseline.then_some(load_baselines)),
    };
    let current = current?;
    let loaded = started.elapsed();
    let mut scan = match peeked {
        Some((account, baselines)) if account == current.meta.account_id => {
            AccountScan::compare_with(current, baselines?)
        }
        _ => AccountScan::compare(current, &settings)?,
    };
    let compared = started.elapsed();
    scan.evaluate(&settings, &rules)?;
    let evaluated = started.elapsed();
    // The reports need the findings and the drift only. The facts of both sides are left
    // to the process's exit: freeing their millions of small allocations took ~0.1 s of a
    // core and ended last, after every report (100k resources); kept, the peak is the same
    // (it is the rules phase's).
    let AccountScan { current, baselines, diffs, result } = scan;
    std::mem::forget((current, baselines));
    let reported = (result, diffs);
    let (result, diffs) = (&reported.0, &reported.1);
    // Counted per run of one resource type (the diff is sorted by type): a rule list
    // searched for each of 100k resources was a serial 8 ms.
    let evaluations: usize = diffs
        .chunk_by(|a, b| a.resource_type == b.resource_type)
        .map(|run| run.len() * rules.iter().filter(|r| r.resource_types.contains(&run[0].resource_type)).count())
        .sum();

    // The reports are independent: rendered side by side. The SARIF (the longest: ~0.2 s
    // at 100k resources, then its write and sync) on one thread from the start; on the
    // other, the run's identification (git is asked about the baselines' commit and
    // changes, which takes longer the larger the repository), then the JSON report and
    // the main one. Each file is written by the task that
    // rendered it.
    let color = color && args.format == Format::Text && args.output.is_none();
    let write_sarif = |path: &std::path::Path| {
        write_atomic(path, report::render(Format::Sarif, result, &rules, diffs, false).as_bytes())
    };
    let json_and_main = || -> Result<_> {
        let info = scan_info(&args, &[(result.account_id.clone(), scan_info::rfc3339(result.scanned_at))])?;
        let render = |format: Format, color: bool| match format {
            Format::Json => report::json::render_scan(result, Some(&info)),
            _ => report::render(format, result, &rules, diffs, color),
        };
        // The JSON report goes straight to its file: it is the largest text of all.
        let write_json = |path: &std::path::Path| -> Result<()> {
            let mut file = AtomicFile::create(path)?;
            report::json::write_scan(result, Some(&info), &mut file).map_err(|e| Error::io(path, e))?;
            file.commit()
        };
        Ok(rayon::join(|| args.json.as_deref().map(write_json), || render(args.format, color)))
    };
    let (sarif, json_and_main) = rayon::join(|| args.sarif.as_deref().map(write_sarif), json_and_main);
    sarif.transpose()?;
    let (json, main) = json_and_main?;
    json.transpose()?;
    match &args.output {
        Some(path) => write_atomic(path, main.as_bytes())?,
        None => print(&main)?,
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
    let code = scan_exit_code(result, args.fail_on.threshold());
    // The process ends next: freeing a large account's findings and diff piece by piece
    // is work the operating system does at once.
    std::mem::forget(reported);
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
        if !ui.quiet && report.status == AccountStatus::Failed {
            eprintln!("account {} FAILED: {}", report.account_id, report.error.as_deref().unwrap_or_default());
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
