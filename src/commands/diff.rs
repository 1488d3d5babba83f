//! `driftscan diff`: what drifted, resource by resource, like `git diff`; for several
//! accounts (`--org`, `--snapshot DIR`), account by account.

use driftscan_core::diff::{self, Change};
use driftscan_core::error::Result;
use driftscan_core::pipeline::{AccountScan, Settings};
use driftscan_core::snapshot::Snapshot;

use super::{Ui, accounts, exit, load_current, paint_diff, print};
use crate::cli::DiffArgs;

pub fn run(args: DiffArgs, color: bool, ui: Ui) -> Result<u8> {
    let settings = args.baseline_dir.settings(true)?;
    if !accounts::many(&args.source) {
        let (out, code) = diff_one(load_current(&args.source, ui)?, &settings, color, args.exit_code)?;
        print(&out)?;
        return Ok(code);
    }
    let mut codes = Vec::new();
    accounts::for_each(&args.source, ui, &mut |arrival| {
        let name = arrival.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        match arrival.snapshot {
            Ok(current) => {
                let (out, code) = diff_one(current, &settings, color, args.exit_code)?;
                print(&format!("== account {}{name}\n{out}\n", arrival.account_id))?;
                codes.push(code);
            }
            Err(error) => {
                print(&format!("== account {}{name} FAILED: {error}\n\n", arrival.account_id))?;
                codes.push(exit::INCOMPLETE);
            }
        }
        Ok(())
    })?;
    Ok(accounts::worst(&codes))
}

fn diff_one(current: Snapshot, settings: &Settings, color: bool, exit_code: bool) -> Result<(String, u8)> {
    let scan = AccountScan::compare(current, settings)?;
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
        out.push_str(&format!("collection gap: {g}\n"));
    }
    if uncollected > 0 {
        out.push_str(&format!("{uncollected} baseline resources could not be compared (not collected)\n"));
    }
    let code = if !current.meta.collection_gaps.is_empty() {
        exit::INCOMPLETE
    } else if exit_code && total > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    };
    Ok((out, code))
}
