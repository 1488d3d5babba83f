//! An organization's scan: one [`crate::pipeline::AccountScan`] per account, each kept as
//! its findings and status once scanned (its facts and baselines are released), so that
//! memory follows the largest account, not the sum.

use serde::Serialize;

use crate::diff::{Change, ResourceDiff};
use crate::findings::{ScanResult, Severity};
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
    pub status: AccountStatus,
    /// Why the account failed.
    pub error: Option<String>,
    /// `None` for a failed account.
    pub result: Option<ScanResult>,
    /// What drifted (added, removed or changed resources only: the Markdown and HTML
    /// reports show it).
    pub drift: Vec<ResourceDiff>,
}

impl AccountReport {
    /// A scanned account; its status follows its collection gaps.
    pub fn scanned(name: Option<String>, result: ScanResult, diffs: Vec<ResourceDiff>) -> AccountReport {
        let status = if result.collection_gaps.is_empty() { AccountStatus::Ok } else { AccountStatus::Partial };
        let drift =
            diffs.into_iter().filter(|d| !matches!(d.change, Change::Unchanged | Change::Uncollected)).collect();
        AccountReport { account_id: result.account_id.clone(), name, status, error: None, result: Some(result), drift }
    }

    /// An account that could not be scanned, and why.
    pub fn failed(account_id: String, name: Option<String>, error: String) -> AccountReport {
        AccountReport {
            account_id,
            name,
            status: AccountStatus::Failed,
            error: Some(error),
            result: None,
            drift: Vec::new(),
        }
    }

    /// Open findings per severity (all zero for a failed account).
    pub fn summary(&self) -> Vec<(Severity, usize)> {
        match &self.result {
            Some(r) => r.summary(),
            None => Severity::VARIANTS.iter().map(|s| (*s, 0)).collect(),
        }
    }
}

/// Every account of one run (or of merged shard runs), sorted by account id.
#[derive(Debug, Default)]
pub struct OrgResult {
    pub accounts: Vec<AccountReport>,
}

impl OrgResult {
    pub fn new(mut accounts: Vec<AccountReport>) -> OrgResult {
        accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        OrgResult { accounts }
    }

    /// Open findings per severity over every account.
    pub fn summary(&self) -> Vec<(Severity, usize)> {
        let mut total: Vec<(Severity, usize)> = Severity::VARIANTS.iter().map(|s| (*s, 0)).collect();
        for account in &self.accounts {
            for (slot, (_, n)) in total.iter_mut().zip(account.summary()) {
                slot.1 += n;
            }
        }
        total
    }

    pub fn failed(&self) -> impl Iterator<Item = &AccountReport> {
        self.accounts.iter().filter(|a| a.status == AccountStatus::Failed)
    }

    /// The scanned accounts' results.
    pub fn results(&self) -> impl Iterator<Item = &ScanResult> {
        self.accounts.iter().filter_map(|a| a.result.as_ref())
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
