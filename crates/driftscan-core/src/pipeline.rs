//! The scan of one account, the unit every command runs (and a run over many accounts
//! repeats): current facts → committed baselines → diff → rules → exceptions. `scan`,
//! `diff` and `baseline accept` all go through [`AccountScan`], so none of them can skip
//! a stage the others apply (volatile fields adopted from the current state, exceptions).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::baseline::Baselines;
use crate::diff::{self, ResourceDiff};
use crate::error::{Error, Result};
use crate::exceptions;
use crate::findings::ScanResult;
use crate::rules::{self, Rule};
use crate::snapshot::Snapshot;
use crate::source_root::SourceRoot;

/// Where the baselines of a run are and how to use them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The directory holding `<account-id>/<service>.json`.
    pub baselines_dir: PathBuf,
    /// What report locations are relative to.
    pub source_root: SourceRoot,
    /// False scans without a baseline: every resource counts as new, and no exceptions
    /// apply (findings still point into `baselines_dir`, where the baseline would go).
    pub use_baseline: bool,
    /// Accounts access may be granted to without a finding of the untrusted-access rule
    /// (`--trusted-account`, `trusted_accounts` in driftscan.toml); the accounts of the
    /// snapshot's organization join them.
    pub trusted_accounts: BTreeSet<String>,
}

/// One account: its current state, its baselines, the drift between them, and (once
/// [`AccountScan::evaluate`] ran) the findings.
#[derive(Debug)]
pub struct AccountScan {
    pub current: Snapshot,
    pub baselines: Baselines,
    pub diffs: Vec<ResourceDiff>,
    pub result: ScanResult,
}

impl AccountScan {
    /// Every stage: baselines, diff, rules, exceptions.
    pub fn run(current: Snapshot, settings: &Settings, rules: &[Rule]) -> Result<AccountScan> {
        let mut scan = AccountScan::compare(current, settings)?;
        scan.evaluate(settings, rules)?;
        Ok(scan)
    }

    /// The first stages only: loads the account's baselines and diffs them against the
    /// current state (what `driftscan diff` shows). The result has no findings yet.
    pub fn compare(current: Snapshot, settings: &Settings) -> Result<AccountScan> {
        let root = &settings.source_root;
        let baselines = if settings.use_baseline {
            Baselines::load(&settings.baselines_dir, &current.meta, root)?
        } else {
            Baselines::none(&settings.baselines_dir, &current.meta, root)
        };
        Ok(AccountScan::compare_with(current, baselines))
    }

    /// [`AccountScan::compare`] with the account's baselines already loaded (for its
    /// account: [`Baselines::load_account`]).
    pub fn compare_with(current: Snapshot, mut baselines: Baselines) -> AccountScan {
        baselines.adopt_meta(&current.meta);
        // Fields that change on their own (last-used dates) would otherwise drift daily.
        baselines.snapshot.iam.adopt_volatile(&current.iam);
        let diffs = diff::diff(&baselines.snapshot, &current);
        let mut gaps = current.meta.collection_gaps.clone();
        gaps.sort();
        let result = ScanResult {
            account_id: current.meta.account_id.clone(),
            scanned_at: current.meta.scanned_at,
            regions: current.meta.regions.clone(),
            collection_gaps: gaps,
            findings: Vec::new(),
            stale_exceptions: Vec::new(),
        };
        AccountScan { current, baselines, diffs, result }
    }

    /// Evaluates `rules` over the diff and applies the account's committed exceptions:
    /// suppresses what they cover, adds a finding per expired exception (whether or not
    /// `rules` holds the expiry rule), records the stale ones. Findings end sorted.
    pub fn evaluate(&mut self, settings: &Settings, rules: &[Rule]) -> Result<()> {
        // The organization's own accounts are trusted as the configured ones are.
        let mut trusted = settings.trusted_accounts.clone();
        trusted.extend(self.current.meta.organization_accounts.iter().cloned());
        let mut findings = rules::engine::evaluate(
            rules,
            &self.baselines,
            &self.current,
            &self.diffs,
            &trusted,
            settings.use_baseline,
        );
        if settings.use_baseline {
            let exceptions = exceptions::load(self.baselines.account_dir(), rules, &settings.source_root)?;
            let builtin;
            let expired_rule = match rules.iter().find(|r| matches!(r.check, rules::Check::ExpiredExceptions)) {
                Some(rule) => rule,
                None => {
                    builtin = rules::builtin(exceptions::EXPIRED_RULE)
                        .ok_or_else(|| Error::MissingBuiltinRule { id: exceptions::EXPIRED_RULE.into() })?;
                    &builtin
                }
            };
            let today = self.result.scanned_at.date_naive();
            let (expired, stale) =
                exceptions::apply(&exceptions, &mut findings, today, expired_rule, &self.current.meta);
            findings.extend(expired);
            self.result.stale_exceptions = stale;
        }
        crate::findings::sort(&mut findings);
        self.result.findings = findings;
        Ok(())
    }

    pub fn account_id(&self) -> &str {
        &self.current.meta.account_id
    }
}
