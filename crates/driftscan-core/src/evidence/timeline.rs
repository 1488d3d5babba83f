//! From scans to evidence: each finding (by fingerprint) followed across an account's
//! scans from first seen to its resolution, the days without a successful scan, and the
//! open findings per day. The semantics are the README's (§ Evidence), restated here:
//!
//! - A finding *opens* when a scan reports it as drift (`new` or `updated`), not suppressed.
//! - It is *covered by an exception* at the first later scan that reports it suppressed.
//! - It is *accepted* at the first later scan that reports it `unchanged` (the baseline now
//!   holds that state), or that no longer reports it while the account's baseline (the
//!   finding's baseline file, or the account's directory when the finding has none) changed
//!   in git between the two scans' baseline commits.
//! - Otherwise it is *fixed* at the first later scan that no longer reports it, unless that
//!   scan has a collection gap of the finding's service (in its region, or globally): such
//!   a scan could not see the resource and proves nothing; the finding stays open.
//! - A failed scan proves nothing either. A finding that reappears later opens again.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::git::Repo;
use super::load::ScanRecord;
use crate::error::Result;
use crate::findings::{BaselineState, Finding, Severity};
use crate::snapshot::CollectionGap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resolution {
    Open,
    Fixed,
    Accepted,
    Exception,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Open => "open",
            Resolution::Fixed => "fixed",
            Resolution::Accepted => "accepted",
            Resolution::Exception => "exception",
        }
    }
}

/// One finding from first seen to its resolution (or the end of the period, open).
#[derive(Debug, Clone)]
pub struct Episode {
    pub account_id: String,
    pub fingerprint: String,
    pub rule_id: String,
    pub severity: Severity,
    pub criteria: Vec<String>,
    pub resource_id: String,
    pub field: Option<String>,
    pub message: String,
    /// The finding's location (its baseline file, or its rule file).
    pub location: String,
    pub first_seen: DateTime<Utc>,
    /// The last scan that reported it open.
    pub last_seen: DateTime<Utc>,
    pub resolution: Resolution,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it: the accepting commit's author, or the exception's owner.
    pub who: Option<String>,
    /// Why: the accepting commit's subject (and id), or the exception's reason.
    pub why: Option<String>,
    /// The exception's expiry.
    pub expires: Option<NaiveDate>,
}

impl Episode {
    /// Whole days from first seen to resolution (scan dates, UTC).
    pub fn days_to_remediate(&self) -> Option<i64> {
        self.resolved_at.map(|r| (r.date_naive() - self.first_seen.date_naive()).num_days())
    }

    /// Open at the end of `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.first_seen.date_naive() <= day && self.resolved_at.is_none_or(|r| r.date_naive() > day)
    }
}

/// The episodes of one account's scans (sorted by time; failed ones are ignored).
/// `criteria` maps rule ids to their SOC 2 criteria.
pub fn episodes(
    account: &str,
    scans: &[&ScanRecord],
    criteria: &HashMap<String, Vec<String>>,
    repo: &mut Repo,
) -> Result<Vec<Episode>> {
    let mut done = Vec::new();
    // Open episodes by fingerprint, with the baseline commit of the scan that last saw them.
    let mut open: BTreeMap<String, (Episode, Option<String>)> = BTreeMap::new();
    // Suppressed findings already recorded as covered by an exception.
    let mut excepted: BTreeMap<String, String> = BTreeMap::new();
    for (scan, at) in scans.iter().filter_map(|s| Some((s, s.succeeded_at()?))) {
        let present: HashMap<&str, &Finding> = scan
            .findings
            .iter()
            .filter(|f| f.baseline_state != BaselineState::Absent)
            .map(|f| (f.fingerprint.as_str(), f))
            .collect();
        for f in scan.findings.iter().filter(|f| f.baseline_state != BaselineState::Absent) {
            let fp = f.fingerprint.as_str();
            if f.baseline_state.is_drift() {
                if let Some(s) = &f.suppression {
                    if excepted.insert(fp.to_string(), f.resource_id.clone()).is_none() {
                        let mut e = match open.remove(fp) {
                            Some((e, _)) => e,
                            None => new_episode(account, f, at, criteria),
                        };
                        e.resolution = Resolution::Exception;
                        e.resolved_at = Some(at);
                        e.who = s.owner.clone();
                        e.why = Some(s.reason.clone());
                        e.expires = s.expires;
                        done.push(e);
                    }
                } else {
                    // An exception that expired or was removed: the finding is open again.
                    excepted.remove(fp);
                    let entry =
                        open.entry(fp.to_string()).or_insert_with(|| (new_episode(account, f, at, criteria), None));
                    entry.0.last_seen = at;
                    entry.1 = scan.commit.clone();
                }
            } else if let Some((mut e, seen_commit)) = open.remove(fp) {
                // `unchanged`: the baseline now approves this state.
                e.resolution = Resolution::Accepted;
                e.resolved_at = Some(at);
                if let Some(c) =
                    accepting_commit(repo, account, &e.location, seen_commit.as_deref(), scan.commit.as_deref())?
                {
                    e.who = Some(c.author.clone());
                    e.why = Some(format!("{} ({})", c.subject, short(&c.id)));
                }
                done.push(e);
            }
        }
        // A covered finding that is gone is forgotten (it counts again if it comes back),
        // unless the scan could not see it.
        excepted.retain(|fp, resource| present.contains_key(fp.as_str()) || gaps_cover(&scan.gaps, resource));
        let gone: Vec<String> = open.keys().filter(|fp| !present.contains_key(fp.as_str())).cloned().collect();
        for fp in gone {
            let (e, _) = &open[&fp];
            if gaps_cover(&scan.gaps, &e.resource_id) {
                continue;
            }
            let (mut e, seen_commit) = open.remove(&fp).expect("listed above");
            e.resolved_at = Some(at);
            match accepting_commit(repo, account, &e.location, seen_commit.as_deref(), scan.commit.as_deref())? {
                Some(c) => {
                    e.resolution = Resolution::Accepted;
                    e.who = Some(c.author.clone());
                    e.why = Some(format!("{} ({})", c.subject, short(&c.id)));
                }
                None => e.resolution = Resolution::Fixed,
            }
            done.push(e);
        }
    }
    done.extend(open.into_values().map(|(e, _)| e));
    done.sort_by(|a, b| {
        (a.first_seen, &a.rule_id, &a.resource_id, &a.fingerprint).cmp(&(
            b.first_seen,
            &b.rule_id,
            &b.resource_id,
            &b.fingerprint,
        ))
    });
    Ok(done)
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Whether a collection gap of the scan concerns `resource` (an ARN): same service, and
/// the same region or a global gap.
pub fn gaps_cover(gaps: &[CollectionGap], resource: &str) -> bool {
    let (service, region) = crate::arn::Arn::parse(resource).map_or(("", ""), |arn| (arn.service, arn.region));
    gaps.iter().any(|g| {
        g.service.as_str() == service_of_arn(service)
            && (g.region.is_none() || region.is_empty() || g.region.as_deref() == Some(region))
    })
}

/// The collection service of an ARN's service part.
fn service_of_arn(arn_service: &str) -> &str {
    match arn_service {
        "dynamodb" => "dynamodb",
        "kms" => "kms",
        "rds" => "rds",
        "s3" => "s3",
        "config" => "config",
        _ => "iam",
    }
}

/// The commit that accepted a change of the account's baseline between the two scans'
/// commits, if any.
fn accepting_commit(
    repo: &mut Repo,
    account: &str,
    location: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<Option<super::git::Commit>> {
    let (Some(old), Some(new)) = (old, new) else { return Ok(None) };
    if old == new {
        return Ok(None);
    }
    let dir = repo.account_dir(account);
    // The finding's own baseline file when it has one (not the rule file of a resource
    // without a baseline entry), else the whole account directory.
    let path = if location.starts_with(&dir) && location.ends_with(".json") { location.to_string() } else { dir };
    repo.changed_between(old, new, &path)
}

fn new_episode(account: &str, f: &Finding, at: DateTime<Utc>, criteria: &HashMap<String, Vec<String>>) -> Episode {
    Episode {
        account_id: account.to_string(),
        fingerprint: f.fingerprint.clone(),
        rule_id: f.rule_id.clone(),
        severity: f.severity,
        criteria: criteria.get(&f.rule_id).cloned().unwrap_or_default(),
        resource_id: f.resource_id.clone(),
        field: f.field.clone(),
        message: f.message.clone(),
        location: f.location.path.clone(),
        first_seen: at,
        last_seen: at,
        resolution: Resolution::Open,
        resolved_at: None,
        who: None,
        why: None,
        expires: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Service;

    fn gap(service: Service, region: Option<&str>) -> CollectionGap {
        CollectionGap {
            service,
            region: region.map(str::to_string),
            operation: "Describe".into(),
            error: "AccessDenied".into(),
        }
    }

    #[test]
    fn a_gap_hides_resources_of_its_service_in_its_region_or_everywhere_when_global() {
        let db = "arn:aws:rds:eu-west-1:111111111111:db:orders";
        assert!(gaps_cover(&[gap(Service::Rds, Some("eu-west-1"))], db));
        assert!(!gaps_cover(&[gap(Service::Rds, Some("us-east-1"))], db), "another region was read");
        assert!(!gaps_cover(&[gap(Service::Kms, Some("eu-west-1"))], db), "another service");
        assert!(gaps_cover(&[gap(Service::Rds, None)], db));
        // Global resources (IAM, S3 buckets) have no region in their ARN: any gap of the service.
        assert!(gaps_cover(&[gap(Service::S3, Some("eu-west-1"))], "arn:aws:s3:::bucket"));
        assert!(gaps_cover(&[gap(Service::Iam, None)], "arn:aws:iam::111111111111:user/bob"));
        assert!(!gaps_cover(&[], "arn:aws:iam::111111111111:user/bob"));
    }
}
