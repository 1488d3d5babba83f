//! Many accounts in one run: a directory of snapshots (`--snapshot DIR`) or an AWS
//! Organization read live (`--org`). Each account arrives on its own, to be scanned and
//! released before the next ones are read, so memory follows the largest account.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use driftscan_core::arn::is_account_id;
use driftscan_core::error::{Error, Result};
use driftscan_core::snapshot::Snapshot;

use super::{Arrival, Ui, live};
use crate::cli::{OrgArgs, SourceArgs};

/// The file of a snapshot directory that names the accounts a `snapshot --org` run could
/// not read, so that a later scan of the directory reports them as failed.
pub const FAILED_FILE: &str = "failed-accounts.json";

/// An account that could not be read, as `failed-accounts.json` lists it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailedAccount {
    pub account_id: String,
    pub name: Option<String>,
    pub error: String,
}

/// The exit code of several accounts' codes: incomplete (3) wins, then findings (1).
/// (`scan` ranks findings first; `diff` and `baseline`, like one account's `diff`, put a
/// gap first.)
pub fn worst(codes: &[u8]) -> u8 {
    use super::exit;
    [exit::BAD_INPUT, exit::INCOMPLETE, exit::FINDINGS].into_iter().find(|c| codes.contains(c)).unwrap_or(exit::OK)
}

/// Whether this run reads many accounts (`--org`, or `--snapshot DIR`).
pub fn many(source: &SourceArgs) -> bool {
    source.org.org || source.snapshot.as_deref().is_some_and(Path::is_dir)
}

/// Rejects the organization flags where they mean nothing.
pub fn check_single(source: &SourceArgs) -> Result<()> {
    match source.org.selection_given() {
        Some(flag) => Err(Error::Usage(format!(
            "{flag} selects accounts of an organization: give --org, or --snapshot DIR with a directory of snapshots"
        ))),
        None => Ok(()),
    }
}

/// Hands every selected account to `each`, in account-id order for a directory and as
/// collected for an organization.
pub fn for_each(source: &SourceArgs, ui: Ui, each: &mut dyn FnMut(Arrival) -> Result<()>) -> Result<()> {
    match &source.snapshot {
        Some(dir) => {
            if source.org.org {
                return Err(Error::Usage(
                    "--org reads the organization live; it cannot be combined with --snapshot".into(),
                ));
            }
            if !source.org.ous.is_empty() {
                return Err(Error::Usage(
                    "--ou needs the live organization (--org): a snapshot directory does not record OUs".into(),
                ));
            }
            from_dir(dir, &source.org, each)
        }
        None => live::collect_org_accounts(source, ui.progress, each),
    }
}

/// Hands every selected account to `work` and its result to `each`, in account-id order
/// for a directory and as collected for an organization. A directory's accounts are read
/// and worked on a few at a time, one per core: small accounts leave the cores of one
/// account's scan idle, and memory stays a few accounts' worth.
pub fn scan_each<T: Send>(
    source: &SourceArgs,
    ui: Ui,
    work: &(dyn Fn(Arrival) -> Result<T> + Sync),
    each: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    use rayon::prelude::*;
    let Some(dir) = source.snapshot.as_deref().filter(|_| !source.org.org && source.org.ous.is_empty()) else {
        return for_each(source, ui, &mut |arrival| each(work(arrival)?));
    };
    let (files, failed) = dir_accounts(dir, &source.org)?;
    for chunk in files.chunks(rayon::current_num_threads().max(1)) {
        let done: Vec<Result<T>> =
            chunk.par_iter().map(|(account_id, path)| work(load_arrival(account_id, path)?)).collect();
        for result in done {
            each(result?)?;
        }
    }
    for f in failed {
        each(work(Arrival { account_id: f.account_id, name: f.name, snapshot: Err(f.error) })?)?;
    }
    Ok(())
}

/// `(account id, path)` of snapshots in a directory.
type SnapshotFiles = Vec<(String, PathBuf)>;

/// The selected snapshots of a directory and its selected failed accounts.
fn dir_accounts(dir: &Path, org: &OrgArgs) -> Result<(SnapshotFiles, Vec<FailedAccount>)> {
    let files = snapshot_files(dir)?;
    let failed = read_failed(dir)?;
    if files.is_empty() && failed.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no snapshot named <account-id>.json (as `driftscan snapshot --org -o DIR` writes)",
            dir.display()
        )));
    }
    Ok((
        files.into_iter().filter(|(id, _)| org.selects(id)).collect(),
        failed.into_iter().filter(|f| org.selects(&f.account_id)).collect(),
    ))
}

/// One snapshot of a directory, checked to be of the account its file is named for.
fn load_arrival(account_id: &str, path: &Path) -> Result<Arrival> {
    let snapshot = Snapshot::load(path)?;
    if snapshot.meta.account_id != account_id {
        return Err(Error::invalid(
            path,
            1,
            format!("the snapshot is of account {}, but the file is named for {account_id}", snapshot.meta.account_id),
        ));
    }
    Ok(Arrival { name: snapshot.meta.account_name.clone(), account_id: account_id.to_string(), snapshot: Ok(snapshot) })
}

fn from_dir(dir: &Path, org: &OrgArgs, each: &mut dyn FnMut(Arrival) -> Result<()>) -> Result<()> {
    let (files, failed) = dir_accounts(dir, org)?;
    for (account_id, path) in files {
        each(load_arrival(&account_id, &path)?)?;
    }
    for f in failed {
        each(Arrival { account_id: f.account_id, name: f.name, snapshot: Err(f.error) })?;
    }
    Ok(())
}

/// `(account id, path)` of the `<account-id>.json` snapshots in `dir`, sorted.
fn snapshot_files(dir: &Path) -> Result<SnapshotFiles> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.extension().is_some_and(|e| e == "json") && is_account_id(&stem) {
            files.push((stem, path));
        }
    }
    files.sort();
    Ok(files)
}

fn read_failed(dir: &Path) -> Result<Vec<FailedAccount>> {
    let path = dir.join(FAILED_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = driftscan_core::json_lines::read_text(&path)?;
    serde_json::from_str(&text).map_err(|e| Error::invalid(&path, e.line(), e.to_string()))
}

/// Writes the list of failed accounts beside the snapshots (or removes a stale one).
pub fn write_failed(dir: &Path, failed: &[FailedAccount]) -> Result<()> {
    let path = dir.join(FAILED_FILE);
    if failed.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, e)),
            _ => Ok(()),
        };
    }
    let mut text = serde_json::to_string_pretty(failed).expect("failed accounts serialize");
    text.push('\n');
    driftscan_core::output::write_atomic(&path, text.as_bytes())
}

/// The selected accounts (id, name) without reading them: a directory's snapshots and
/// failed accounts, or the organization's listing.
pub fn list(source: &SourceArgs, ui: Ui) -> Result<Vec<(String, Option<String>)>> {
    match &source.snapshot {
        Some(dir) => {
            // Reading the snapshots only for their names would cost the whole parse: ids.
            let mut out: Vec<(String, Option<String>)> =
                snapshot_files(dir)?.into_iter().map(|(id, _)| (id, None)).collect();
            out.extend(read_failed(dir)?.into_iter().map(|f| (f.account_id, f.name)));
            out.retain(|(id, _)| source.org.selects(id));
            out.sort();
            Ok(out)
        }
        None => live::list_org_accounts(source, ui.progress),
    }
}
