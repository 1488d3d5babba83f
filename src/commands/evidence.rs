//! `driftscan evidence build|verify`: the SOC 2 evidence folder from a directory of JSON
//! reports, and the re-check of its manifest. The computation is in
//! `driftscan_core::evidence`.

use driftscan_core::error::Result;
use driftscan_core::evidence::{self, manifest};
use driftscan_core::rules;

use super::{Ui, exit};
use crate::cli::EvidenceBuildArgs;

pub fn build(args: EvidenceBuildArgs, ui: Ui) -> Result<u8> {
    let rules = rules::load_catalog(&args.rules_dirs)?;
    let opts = evidence::Options {
        reports: args.reports,
        baselines: args.baselines,
        from: args.from,
        to: args.to,
        cadence: args.cadence,
        skip_invalid: args.skip_invalid,
    };
    let ev = evidence::build(&opts, &rules)?;
    // Skipped files are named even with --quiet: they are left out of the evidence.
    for (path, why) in &ev.skipped {
        eprintln!("skipped {}: {why}", path.display());
    }
    let files = evidence::write(&ev, &args.output)?;
    if !ui.quiet {
        let missed: usize = ev.accounts.iter().map(|a| a.expected - a.covered).sum();
        eprintln!(
            "wrote {} files to {} ({} reports, {} accounts, {} monitoring gaps, {} findings, {} skipped)",
            files.len(),
            args.output.display(),
            ev.inputs.len(),
            ev.accounts.len(),
            missed,
            ev.episodes.len(),
            ev.skipped.len()
        );
    }
    Ok(exit::OK)
}

pub fn verify(dir: &std::path::Path, ui: Ui) -> Result<u8> {
    let (bad, checked) = manifest::verify(dir)?;
    for m in &bad {
        println!("MISMATCH {}: {}", m.path, m.problem);
    }
    if bad.is_empty() {
        if !ui.quiet {
            println!("OK: {checked} files match {}", dir.join(manifest::FILE_NAME).display());
        }
        Ok(exit::OK)
    } else {
        Ok(exit::FINDINGS)
    }
}
