//! `driftscan snapshot`: read the account into a snapshot file, or every account of an
//! organization into a directory of them.

use driftscan_core::error::{Error, Result};

use super::accounts::{self, FailedAccount};
use super::{Ui, exit, live, warn_gaps};
use crate::cli::{SnapshotArgs, SourceArgs};

pub fn run(args: SnapshotArgs, ui: Ui) -> Result<u8> {
    if args.org.org {
        return run_org(args, ui);
    }
    if let Some(flag) = args.org.selection_given() {
        return Err(Error::Usage(format!("{flag} selects accounts of an organization: give --org")));
    }
    let snapshot = live::collect_account(&args.aws, ui.progress)?;
    snapshot.save(&args.output)?;
    warn_gaps(&snapshot, ui);
    if !ui.quiet {
        eprintln!(
            "wrote {} ({} resources of account {}, {} collection gaps)",
            args.output.display(),
            snapshot.resource_refs().len(),
            snapshot.meta.account_id,
            snapshot.meta.collection_gaps.len()
        );
    }
    Ok(if snapshot.meta.collection_gaps.is_empty() { exit::OK } else { exit::INCOMPLETE })
}

/// `DIR/<account-id>.json` per account read, `DIR/failed-accounts.json` for the others.
fn run_org(args: SnapshotArgs, ui: Ui) -> Result<u8> {
    let dir = &args.output;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let source = SourceArgs { snapshot: None, aws: args.aws.clone(), org: args.org.clone() };
    let (mut written, mut partial, mut failed) = (0, 0, Vec::new());
    accounts::for_each(&source, ui, &mut |arrival| {
        match arrival.snapshot {
            Ok(snapshot) => {
                snapshot.save(&dir.join(format!("{}.json", arrival.account_id)))?;
                written += 1;
                if !snapshot.meta.collection_gaps.is_empty() {
                    partial += 1;
                    warn_gaps(&snapshot, ui);
                }
            }
            Err(error) => {
                if !ui.quiet {
                    eprintln!("account {} FAILED: {error}", arrival.account_id);
                }
                failed.push(FailedAccount { account_id: arrival.account_id, name: arrival.name, error });
            }
        }
        Ok(())
    })?;
    failed.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    accounts::write_failed(dir, &failed)?;
    if !ui.quiet {
        eprintln!(
            "wrote {written} account snapshots to {} ({partial} with collection gaps, {} accounts failed)",
            dir.display(),
            failed.len()
        );
    }
    Ok(if failed.is_empty() && partial == 0 { exit::OK } else { exit::INCOMPLETE })
}
