//! `driftscan diff`: what drifted, resource by resource, like `git diff`.

use driftscan_core::diff::{self, Change};
use driftscan_core::error::Result;
use driftscan_core::pipeline::AccountScan;

use super::{Ui, exit, load_current, paint_diff, print};
use crate::cli::DiffArgs;

pub fn run(args: DiffArgs, color: bool, ui: Ui) -> Result<u8> {
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
