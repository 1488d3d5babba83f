//! `driftscan scan`: the account's scan, reported in every format asked for.

use driftscan_core::error::Result;
use driftscan_core::findings::{ScanResult, Severity};
use driftscan_core::output::write_atomic;
use driftscan_core::pipeline::AccountScan;
use driftscan_core::report::{self, Format};
use driftscan_core::rules;

use super::{Ui, exit, load_current, print};
use crate::cli::ScanArgs;

pub fn run(args: ScanArgs, color: bool, ui: Ui) -> Result<u8> {
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
