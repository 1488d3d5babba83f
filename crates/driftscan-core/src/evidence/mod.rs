//! SOC 2 Type II evidence from a directory of JSON reports (`driftscan evidence build`):
//! monitoring against the expected cadence, drift found and how long it took to
//! remediate, exceptions, the baselines' change trail, as a self-contained page, CSV
//! tables and a manifest of digests (`driftscan evidence verify`).
//!
//! `load` reads the reports, `timeline` follows findings across scans, `git` reads the
//! baselines' history, `tables` renders CSV, `html` the page, `manifest` the digests.

pub mod git;
pub mod html;
pub mod load;
pub mod manifest;
pub mod tables;
pub mod timeline;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use strum::VariantArray;

use crate::error::{Error, Result};
use crate::findings::{Location, Severity};
use crate::org::AccountStatus;
use crate::rules::Rule;
use timeline::{Episode, Resolution};

/// How often every account is expected to be scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Cadence {
    /// A successful scan every calendar day (UTC).
    Daily,
    /// A successful scan in every 7-day window from the period's first day.
    Weekly,
}

impl Cadence {
    pub fn days(self) -> i64 {
        match self {
            Cadence::Daily => 1,
            Cadence::Weekly => 7,
        }
    }
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug)]
pub struct Options {
    pub reports: PathBuf,
    pub baselines: PathBuf,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cadence: Cadence,
    pub skip_invalid: bool,
}

/// A window of the cadence without a successful scan of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringGap {
    pub account_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `no report`, or the failed scan's error.
    pub reason: String,
}

/// One account's monitoring in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountMonitoring {
    pub account_id: String,
    pub name: Option<String>,
    /// Windows of the cadence in the period.
    pub expected: usize,
    /// Windows with at least one successful scan.
    pub covered: usize,
    /// Successful scans in the period (complete or with collection gaps).
    pub scans: usize,
    /// Of which with collection gaps.
    pub partial: usize,
    /// Failed scans in the period.
    pub failed: usize,
}

/// Drift of one account under one SOC 2 criterion, for findings first seen in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionRow {
    pub account_id: String,
    pub criterion: String,
    pub detected: usize,
    pub fixed: usize,
    pub accepted: usize,
    pub exception: usize,
    pub open: usize,
    /// Median and longest days to remediate of the resolved ones.
    pub median_days: Option<f64>,
    pub max_days: Option<i64>,
}

/// An exception seen covering findings in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionRow {
    pub account_id: String,
    pub location: Location,
    pub owner: Option<String>,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
    /// Distinct findings it covered.
    pub findings: usize,
}

/// Everything the outputs show.
#[derive(Debug)]
pub struct Evidence {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cadence: Cadence,
    pub inputs: Vec<load::Input>,
    pub skipped: Vec<(PathBuf, String)>,
    pub accounts: Vec<AccountMonitoring>,
    pub gaps: Vec<MonitoringGap>,
    /// Episodes that overlap the period, by first seen.
    pub episodes: Vec<Episode>,
    pub criteria: Vec<CriterionRow>,
    pub exceptions: Vec<ExceptionRow>,
    /// Open findings at the end of each day, per severity (worst first).
    pub trend: Vec<(NaiveDate, [usize; 5])>,
    pub trail: Vec<git::Commit>,
}

/// Reads the reports and the baselines' history and computes the evidence.
pub fn build(opts: &Options, rules: &[Rule]) -> Result<Evidence> {
    if opts.from > opts.to {
        return Err(Error::PeriodReversed { from: opts.from, to: opts.to });
    }
    let mut repo = git::Repo::open(&opts.baselines)?;
    let loaded = load::load(&opts.reports, opts.skip_invalid)?;
    let criteria: HashMap<String, Vec<String>> = rules.iter().map(|r| (r.id.clone(), r.soc2.clone())).collect();
    let in_period = |d: NaiveDate| (opts.from..=opts.to).contains(&d);

    // Per account, its scans in time order (nothing after the period: it is not evidence of it).
    let mut by_account: BTreeMap<&str, Vec<&load::ScanRecord>> = BTreeMap::new();
    for s in &loaded.scans {
        if s.at.is_none_or(|at| at.date_naive() <= opts.to) {
            by_account.entry(&s.account_id).or_default().push(s);
        }
    }
    let mut accounts = Vec::new();
    let mut gaps = Vec::new();
    let mut episodes = Vec::new();
    let mut exceptions: BTreeMap<(String, Location, String), ExceptionRow> = BTreeMap::new();
    for (account, scans) in &mut by_account {
        scans.sort_by_key(|s| (s.at, s.input));
        // The same scan read twice (a shard report and its merge) counts once.
        scans.dedup_by(|a, b| a.at == b.at && a.status == b.status && a.at.is_some());
        let name = scans.iter().rev().find_map(|s| s.name.clone());
        let (m, g) = monitoring(account, name, scans, opts);
        accounts.push(m);
        gaps.extend(g);
        for e in timeline::episodes(account, scans, &criteria, &mut repo)? {
            let overlaps =
                e.first_seen.date_naive() <= opts.to && e.resolved_at.is_none_or(|r| r.date_naive() >= opts.from);
            if overlaps {
                episodes.push(e);
            }
        }
        for (s, at) in scans.iter().filter_map(|s| Some((s, s.succeeded_at()?))) {
            let day = at.date_naive();
            if !in_period(day) {
                continue;
            }
            for f in &s.findings {
                let Some(sup) = &f.suppression else { continue };
                let row = exceptions
                    .entry((account.to_string(), sup.location.clone(), sup.reason.clone()))
                    .or_insert_with(|| ExceptionRow {
                        account_id: account.to_string(),
                        location: sup.location.clone(),
                        owner: sup.owner.clone(),
                        reason: sup.reason.clone(),
                        expires: sup.expires,
                        first_seen: day,
                        last_seen: day,
                        findings: 0,
                    });
                row.last_seen = row.last_seen.max(day);
            }
        }
    }
    // Distinct findings per exception, over the period.
    let mut covered: BTreeMap<(String, Location, String), std::collections::BTreeSet<&str>> = BTreeMap::new();
    for s in loaded.scans.iter().filter(|s| s.succeeded_at().is_some_and(|at| in_period(at.date_naive()))) {
        for f in &s.findings {
            if let Some(sup) = &f.suppression {
                covered
                    .entry((s.account_id.clone(), sup.location.clone(), sup.reason.clone()))
                    .or_default()
                    .insert(&f.fingerprint);
            }
        }
    }
    for (key, row) in &mut exceptions {
        row.findings = covered.get(key).map_or(0, |c| c.len());
    }
    episodes.sort_by(|a, b| {
        (a.first_seen, &a.account_id, &a.rule_id, &a.resource_id, &a.fingerprint).cmp(&(
            b.first_seen,
            &b.account_id,
            &b.rule_id,
            &b.resource_id,
            &b.fingerprint,
        ))
    });
    let criteria_rows = criterion_rows(&episodes, opts);
    let mut trend = Vec::new();
    let mut day = opts.from;
    while day <= opts.to {
        let mut counts = [0usize; 5];
        for e in episodes.iter().filter(|e| e.open_on(day)) {
            counts[Severity::VARIANTS.iter().position(|s| *s == e.severity).expect("a severity")] += 1;
        }
        trend.push((day, counts));
        day += Duration::days(1);
    }
    let trail = repo.trail(opts.from, opts.to)?;
    Ok(Evidence {
        from: opts.from,
        to: opts.to,
        cadence: opts.cadence,
        inputs: loaded.inputs,
        skipped: loaded.skipped,
        accounts,
        gaps,
        episodes,
        criteria: criteria_rows,
        exceptions: exceptions.into_values().collect(),
        trend,
        trail,
    })
}

/// The account's windows of the cadence, and those without a successful scan.
fn monitoring(
    account: &str,
    name: Option<String>,
    scans: &[&load::ScanRecord],
    opts: &Options,
) -> (AccountMonitoring, Vec<MonitoringGap>) {
    let day_of = |s: &&load::ScanRecord| s.at.map(|t| t.date_naive());
    let in_period = |s: &&&load::ScanRecord| day_of(s).is_some_and(|d| (opts.from..=opts.to).contains(&d));
    let ok_days: std::collections::BTreeSet<NaiveDate> =
        scans.iter().filter(|s| s.succeeded()).filter_map(day_of).collect();
    let mut m = AccountMonitoring {
        account_id: account.to_string(),
        name,
        expected: 0,
        covered: 0,
        scans: scans.iter().filter(in_period).filter(|s| s.succeeded()).count(),
        partial: scans.iter().filter(in_period).filter(|s| s.status == AccountStatus::Partial).count(),
        failed: scans.iter().filter(in_period).filter(|s| s.status == AccountStatus::Failed).count(),
    };
    let mut gaps = Vec::new();
    let mut start = opts.from;
    while start <= opts.to {
        let end = (start + Duration::days(opts.cadence.days() - 1)).min(opts.to);
        m.expected += 1;
        if ok_days.range(start..=end).next().is_some() {
            m.covered += 1;
        } else {
            let failure = scans
                .iter()
                .filter(|s| s.status == AccountStatus::Failed && day_of(s).is_some_and(|d| (start..=end).contains(&d)))
                .find_map(|s| s.error.clone());
            let reason = match failure {
                Some(e) => format!("scan failed: {e}"),
                None => "no report".to_string(),
            };
            gaps.push(MonitoringGap { account_id: account.to_string(), from: start, to: end, reason });
        }
        start = end + Duration::days(1);
    }
    (m, gaps)
}

fn criterion_rows(episodes: &[Episode], opts: &Options) -> Vec<CriterionRow> {
    let mut groups: BTreeMap<(String, String), Vec<&Episode>> = BTreeMap::new();
    for e in episodes.iter().filter(|e| (opts.from..=opts.to).contains(&e.first_seen.date_naive())) {
        let criteria = if e.criteria.is_empty() { vec!["(none)".to_string()] } else { e.criteria.clone() };
        for c in criteria {
            groups.entry((e.account_id.clone(), c)).or_default().push(e);
        }
    }
    groups
        .into_iter()
        .map(|((account_id, criterion), es)| {
            let count = |r: Resolution| es.iter().filter(|e| e.resolution == r).count();
            let mut days: Vec<i64> = es.iter().filter_map(|e| e.days_to_remediate()).collect();
            days.sort_unstable();
            CriterionRow {
                account_id,
                criterion,
                detected: es.len(),
                fixed: count(Resolution::Fixed),
                accepted: count(Resolution::Accepted),
                exception: count(Resolution::Exception),
                open: count(Resolution::Open),
                median_days: median(&days),
                max_days: days.last().copied(),
            }
        })
        .collect()
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// Writes the evidence folder: the page, the CSV tables, then the manifest of the inputs and
/// of every file written. Returns the files written (relative names).
pub fn write(evidence: &Evidence, out: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut files: Vec<(String, Vec<u8>)> = tables::render(evidence)?;
    files.insert(0, ("index.html".to_string(), html::render(evidence, &files).into_bytes()));
    for (name, bytes) in &files {
        crate::output::write_atomic(&out.join(name), bytes)?;
    }
    // A previous build's list of skipped files must not outlive it (verify would flag it).
    let stale = out.join(tables::SKIPPED);
    if !files.iter().any(|(n, _)| n == tables::SKIPPED) && stale.exists() {
        std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
    }
    let manifest = manifest::render(&evidence.inputs, &files)?;
    crate::output::write_atomic(&out.join(manifest::FILE_NAME), manifest.as_bytes())?;
    let mut names: Vec<String> = files.into_iter().map(|(n, _)| n).collect();
    names.push(manifest::FILE_NAME.to_string());
    Ok(names)
}
