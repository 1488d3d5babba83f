//! An organization's scan: one [`crate::pipeline::AccountScan`] per account, each kept as
//! its summary once scanned (its facts and baselines are released, its findings and drift
//! spooled to disk until the reports are written), so that memory follows the largest
//! account, not the sum.

use std::io::Write;

use serde::Serialize;

use crate::diff::{Change, ResourceDiff};
use crate::error::{Error, Result};
use crate::findings::{ScanResult, Severity, StaleException};
use crate::snapshot::CollectionGap;
use strum::VariantArray;

/// How far an account could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum AccountStatus {
    /// Read and scanned completely.
    Ok,
    /// Scanned, but some data could not be read (collection gaps).
    Partial,
    /// Not scanned at all: the role could not be assumed, the account is suspended, its
    /// snapshot is unreadable.
    Failed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One account of an organization's scan.
#[derive(Debug)]
pub struct AccountReport {
    pub account_id: String,
    /// The account's name in the organization, when known.
    pub name: Option<String>,
    pub outcome: Outcome,
}

/// What became of one account: scanned, with what it found, or failed, with why.
#[derive(Debug)]
pub enum Outcome {
    Scanned {
        result: ScanResult,
        /// What drifted (added, removed or changed resources only: the Markdown and HTML
        /// reports show it).
        drift: Vec<ResourceDiff>,
        /// Some data could not be read (collection gaps).
        partial: bool,
    },
    Failed {
        error: String,
    },
}

impl AccountReport {
    /// A scanned account; it is partial when it has collection gaps.
    pub fn scanned(name: Option<String>, result: ScanResult, diffs: Vec<ResourceDiff>) -> AccountReport {
        let drift =
            diffs.into_iter().filter(|d| !matches!(d.change, Change::Unchanged | Change::Uncollected)).collect();
        let partial = !result.collection_gaps.is_empty();
        AccountReport {
            account_id: result.account_id.clone(),
            name,
            outcome: Outcome::Scanned { result, drift, partial },
        }
    }

    /// An account that could not be scanned, and why.
    pub fn failed(account_id: String, name: Option<String>, error: String) -> AccountReport {
        AccountReport { account_id, name, outcome: Outcome::Failed { error } }
    }

    pub fn status(&self) -> AccountStatus {
        match self.outcome {
            Outcome::Scanned { partial: false, .. } => AccountStatus::Ok,
            Outcome::Scanned { partial: true, .. } => AccountStatus::Partial,
            Outcome::Failed { .. } => AccountStatus::Failed,
        }
    }

    /// What the account's scan found; `None` for a failed account.
    pub fn result(&self) -> Option<&ScanResult> {
        match &self.outcome {
            Outcome::Scanned { result, .. } => Some(result),
            Outcome::Failed { .. } => None,
        }
    }

    /// Open findings per severity (all zero for a failed account).
    pub fn summary(&self) -> Vec<(Severity, usize)> {
        match self.result() {
            Some(r) => r.summary(),
            None => Severity::VARIANTS.iter().map(|s| (*s, 0)).collect(),
        }
    }
}

/// What the organization summary needs of one account, kept in memory for the whole run;
/// the account's findings and drift wait on disk ([`OrgResult`]).
#[derive(Debug, Clone)]
pub struct AccountSummary {
    pub account_id: String,
    pub name: Option<String>,
    pub status: AccountStatus,
    pub error: Option<String>,
    pub scanned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub regions: Vec<String>,
    /// Open findings per severity (all zero for a failed account).
    pub summary: Vec<(Severity, usize)>,
    pub collection_gaps: Vec<CollectionGap>,
    pub stale_exceptions: Vec<StaleException>,
}

impl AccountSummary {
    fn of(report: &AccountReport) -> AccountSummary {
        let result = report.result();
        AccountSummary {
            account_id: report.account_id.clone(),
            name: report.name.clone(),
            status: report.status(),
            error: match &report.outcome {
                Outcome::Failed { error } => Some(error.clone()),
                Outcome::Scanned { .. } => None,
            },
            scanned_at: result.map(|r| r.scanned_at),
            regions: result.map(|r| r.regions.clone()).unwrap_or_default(),
            summary: report.summary(),
            collection_gaps: result.map(|r| r.collection_gaps.clone()).unwrap_or_default(),
            stale_exceptions: result.map(|r| r.stale_exceptions.clone()).unwrap_or_default(),
        }
    }

    /// Whether an open finding is at least `threshold`.
    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.summary.iter().any(|(s, n)| *n > 0 && s.at_least(t)))
    }
}

/// What [`OrgResult::each_scanned`] hands over: an account's summary, findings and drift.
pub type EachScanned<'a> = dyn FnMut(&AccountSummary, &ScanResult, &[ResourceDiff]) -> Result<()> + 'a;

/// What an account's report holds beyond its summary, as spooled.
#[derive(Serialize, serde::Deserialize)]
struct Spooled {
    result: ScanResult,
    drift: Vec<ResourceDiff>,
}

/// Every account of one run (or of merged shard runs). Accounts are added as they are
/// scanned: each keeps its summary in memory and its findings and drift in a private
/// temporary directory, so that a run's memory follows the largest account, not the sum;
/// reports read them back one account at a time, in account order.
#[derive(Debug)]
pub struct OrgResult {
    /// Sorted by account id.
    pub accounts: Vec<AccountSummary>,
    spool: tempfile::TempDir,
}

impl OrgResult {
    pub fn empty() -> Result<OrgResult> {
        let spool = tempfile::Builder::new()
            .prefix("driftscan-org-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        Ok(OrgResult { accounts: Vec::new(), spool })
    }

    /// These accounts (`report merge`, tests).
    pub fn new(accounts: Vec<AccountReport>) -> Result<OrgResult> {
        let mut org = OrgResult::empty()?;
        for a in accounts {
            org.add(a)?;
        }
        Ok(org)
    }

    /// Adds an account: its summary stays, the rest goes to disk.
    pub fn add(&mut self, report: AccountReport) -> Result<()> {
        let summary = AccountSummary::of(&report);
        if let Outcome::Scanned { result, drift, .. } = report.outcome {
            let path = self.spooled_path(&report.account_id);
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut out = std::io::BufWriter::new(file);
            serde_json::to_writer(&mut out, &Spooled { result, drift }).map_err(|e| Error::io(&path, e.into()))?;
            out.flush().map_err(|e| Error::io(&path, e))?;
        }
        let at = self.accounts.partition_point(|a| a.account_id < summary.account_id);
        self.accounts.insert(at, summary);
        Ok(())
    }

    fn spooled_path(&self, account_id: &str) -> std::path::PathBuf {
        self.spool.path().join(format!("{account_id}.json"))
    }

    /// Each scanned account in account order, its findings and drift read back from disk
    /// and released after `each` returns.
    pub fn each_scanned(&self, each: &mut EachScanned) -> Result<()> {
        for a in self.scanned() {
            let (result, drift) = self.read(a)?;
            each(a, &result, &drift)?;
        }
        Ok(())
    }

    /// A scanned account's findings and drift, read back from disk: for a report that
    /// asks for accounts one by one (a serializer, which cannot be handed them) or for
    /// some of them only (one SARIF file's).
    pub fn read(&self, account: &AccountSummary) -> Result<(ScanResult, Vec<ResourceDiff>)> {
        let path = self.spooled_path(&account.account_id);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let spooled: Spooled = serde_json::from_slice(&bytes).map_err(|e| Error::io(&path, e.into()))?;
        Ok((spooled.result, spooled.drift))
    }

    /// Open findings per severity over every account.
    pub fn summary(&self) -> Vec<(Severity, usize)> {
        let mut total: Vec<(Severity, usize)> = Severity::VARIANTS.iter().map(|s| (*s, 0)).collect();
        for account in &self.accounts {
            for (slot, (_, n)) in total.iter_mut().zip(&account.summary) {
                slot.1 += n;
            }
        }
        total
    }

    pub fn failed(&self) -> impl Iterator<Item = &AccountSummary> {
        self.accounts.iter().filter(|a| a.status == AccountStatus::Failed)
    }

    /// The accounts that were scanned (in part or in full).
    pub fn scanned(&self) -> impl Iterator<Item = &AccountSummary> {
        self.accounts.iter().filter(|a| a.status != AccountStatus::Failed)
    }
}

/// Which of `shards` shards an account belongs to (0-based): a hash of its id, the same
/// on every machine and in every release, so that `--shard K/N` runs split an
/// organization without talking to each other.
pub fn shard_of(account_id: &str, shards: u32) -> u32 {
    // FNV-1a: stable by definition (std's hasher is not guaranteed across releases).
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in account_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    (hash % u64::from(shards.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_cover_every_account() {
        // Fixed values: a change here would move accounts between the shards of a running
        // deployment.
        assert_eq!(shard_of("123456789012", 4), shard_of("123456789012", 4));
        let ids: Vec<String> = (0..1000).map(|i| format!("{:012}", 100000000000u64 + i * 7919)).collect();
        let mut counts = [0usize; 4];
        for id in &ids {
            counts[shard_of(id, 4) as usize] += 1;
        }
        assert_eq!(counts.iter().sum::<usize>(), 1000);
        assert!(counts.iter().all(|&n| n > 150), "balanced enough: {counts:?}");
        assert_eq!(shard_of("123456789012", 1), 0);
    }
}
