//! `driftscan snapshot`: read the account into a snapshot file.

use driftscan_core::error::Result;

use super::{Ui, collect_live, exit, warn_gaps};
use crate::cli::SnapshotArgs;

pub fn run(args: SnapshotArgs, ui: Ui) -> Result<u8> {
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
