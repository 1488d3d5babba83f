//! Reading a directory of JSON reports (any depth, any mix of schema 1 and 2, gzip or not)
//! into per-account scan records. Every file under the directory is an input: one that
//! is not a driftscan report is an error (`file:line`), or, when the caller allows it, a
//! skipped file that the evidence lists, so nothing is silently left out.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::org::{AccountStatus, Outcome};
use crate::snapshot::CollectionGap;

/// One input report file.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    /// sha256 of the file's bytes as stored (compressed, for `.gz`).
    pub sha256: String,
}

/// One account of one report: a scan, or a failed attempt at one.
#[derive(Debug)]
pub struct ScanRecord {
    pub account_id: String,
    pub name: Option<String>,
    pub status: AccountStatus,
    pub error: Option<String>,
    /// The scan time; for a failed account (which has none), the latest scan time of the
    /// other accounts of the same report, when there is one.
    pub at: Option<DateTime<Utc>>,
    pub findings: Vec<Finding>,
    pub gaps: Vec<CollectionGap>,
    /// The baselines' git commit the scan ran against (`scan.baselines.commit`).
    pub commit: Option<String>,
    /// Index of the report in [`Loaded::inputs`].
    pub input: usize,
}

impl ScanRecord {
    /// When the scan ran, for a scan that did (completely or with collection gaps):
    /// monitoring operated that day. `None` for a failed attempt.
    pub fn succeeded_at(&self) -> Option<DateTime<Utc>> {
        self.at.filter(|_| self.status != AccountStatus::Failed)
    }

    /// See [`ScanRecord::succeeded_at`].
    pub fn succeeded(&self) -> bool {
        self.succeeded_at().is_some()
    }
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub inputs: Vec<Input>,
    /// Files that were not readable reports, with why (only with `skip_invalid`).
    pub skipped: Vec<(PathBuf, String)>,
    pub scans: Vec<ScanRecord>,
}

/// Every file under `dir` (sorted, hidden files excepted), read as a report.
pub fn load(dir: &Path, skip_invalid: bool) -> Result<Loaded> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    if files.is_empty() {
        return Err(Error::NoReportFiles { dir: dir.to_path_buf() });
    }
    // Files are independent: parse them on every core, then join in file order.
    let parsed: Vec<(PathBuf, Result<ReadReport>)> = files
        .into_par_iter()
        .map(|path| {
            let r = read_one(&path);
            (path, r)
        })
        .collect();
    let mut out = Loaded::default();
    for (path, result) in parsed {
        match result {
            Ok((sha256, mut records)) => {
                let input = out.inputs.len();
                out.inputs.push(Input { path, sha256 });
                for r in &mut records {
                    r.input = input;
                }
                out.scans.extend(records);
            }
            Err(e) if skip_invalid => out.skipped.push((path, e.to_string())),
            Err(e) => return Err(e),
        }
    }
    if out.inputs.is_empty() {
        return Err(Error::NoDriftscanReports { dir: dir.to_path_buf() });
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// One file read: its sha256 and its accounts' scans.
type ReadReport = (String, Vec<ScanRecord>);

fn read_one(path: &Path) -> Result<ReadReport> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let sha256 = crate::scan_info::hex(&Sha256::digest(&bytes));
    let raw = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut text)
            .map_err(|e| Error::invalid(path, 0, format!("unreadable gzip: {e}")))?;
        text
    } else {
        bytes
    };
    let text =
        String::from_utf8(raw).map_err(|_| Error::invalid(path, 0, "not UTF-8 text: not a driftscan JSON report"))?;
    let report = crate::report::json::parse_report(path, &text)?;
    let commit = report.scan.as_ref().and_then(|s| s.baselines.commit.clone());
    let latest = report.accounts.iter().filter_map(|a| a.result().map(|r| r.scanned_at)).max();
    let records = report
        .accounts
        .into_iter()
        .map(|a| {
            let status = a.status();
            let (at, findings, gaps, error) = match a.outcome {
                Outcome::Scanned { result: r, .. } => (Some(r.scanned_at), r.findings, r.collection_gaps, None),
                Outcome::Failed { error } => (latest, Vec::new(), Vec::new(), Some(error)),
            };
            ScanRecord {
                account_id: a.account_id,
                name: a.name,
                status,
                error,
                at,
                findings,
                gaps,
                commit: commit.clone(),
                input: 0,
            }
        })
        .collect();
    Ok((sha256, records))
}
