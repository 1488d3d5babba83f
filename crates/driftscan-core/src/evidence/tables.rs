//! The evidence's tables as CSV files (the page shows the same rows).

use super::Evidence;
use super::timeline::Resolution;
use crate::error::Result;
use crate::output::csv_table;
use strum::VariantArray;

fn csv_of(name: &str, header: &[&str], rows: Vec<Vec<String>>) -> Result<(String, Vec<u8>)> {
    Ok((name.to_string(), csv_table(name, header, rows)?.into_bytes()))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::scan_info::rfc3339(t)
}

/// Written only when files were skipped.
pub const SKIPPED: &str = "skipped-inputs.csv";

pub const FINDINGS: [&str; 16] = [
    "account_id",
    "rule_id",
    "severity",
    "soc2",
    "resource_id",
    "field",
    "first_seen",
    "last_seen_open",
    "resolution",
    "resolved_at",
    "days_to_remediate",
    "who",
    "why",
    "exception_expires",
    "fingerprint",
    "message",
];

/// Every CSV file, by name.
pub fn render(ev: &Evidence) -> Result<Vec<(String, Vec<u8>)>> {
    let episode_row = |e: &super::timeline::Episode| {
        vec![
            e.account_id.clone(),
            e.rule_id.clone(),
            e.severity.to_string(),
            e.criteria.join(" "),
            e.resource_id.clone(),
            opt(&e.field),
            time(e.first_seen),
            time(e.last_seen),
            e.resolution.as_str().to_string(),
            opt(&e.resolved_at.map(time)),
            opt(&e.days_to_remediate()),
            opt(&e.who),
            opt(&e.why),
            opt(&e.expires),
            e.fingerprint.clone(),
            e.message.clone(),
        ]
    };
    let mut out = vec![
        csv_of(
            "scans.csv",
            &[
                "account_id",
                "name",
                "cadence",
                "expected",
                "covered",
                "missed",
                "successful_scans",
                "partial_scans",
                "failed_scans",
            ],
            ev.accounts
                .iter()
                .map(|a| {
                    vec![
                        a.account_id.clone(),
                        opt(&a.name),
                        ev.cadence.as_str().into(),
                        a.expected.to_string(),
                        a.covered.to_string(),
                        (a.expected - a.covered).to_string(),
                        a.scans.to_string(),
                        a.partial.to_string(),
                        a.failed.to_string(),
                    ]
                })
                .collect(),
        )?,
        csv_of(
            "monitoring-gaps.csv",
            &["account_id", "from", "to", "reason"],
            ev.gaps
                .iter()
                .map(|g| vec![g.account_id.clone(), g.from.to_string(), g.to.to_string(), g.reason.clone()])
                .collect(),
        )?,
        csv_of("findings.csv", &FINDINGS, ev.episodes.iter().map(episode_row).collect())?,
        csv_of(
            "remediations.csv",
            &FINDINGS,
            ev.episodes.iter().filter(|e| e.resolution != Resolution::Open).map(episode_row).collect(),
        )?,
        csv_of(
            "criteria.csv",
            &[
                "account_id",
                "soc2",
                "detected",
                "fixed",
                "accepted",
                "exception",
                "open",
                "median_days_to_remediate",
                "max_days_to_remediate",
            ],
            ev.criteria
                .iter()
                .map(|c| {
                    vec![
                        c.account_id.clone(),
                        c.criterion.clone(),
                        c.detected.to_string(),
                        c.fixed.to_string(),
                        c.accepted.to_string(),
                        c.exception.to_string(),
                        c.open.to_string(),
                        opt(&c.median_days),
                        opt(&c.max_days),
                    ]
                })
                .collect(),
        )?,
        csv_of(
            "exceptions.csv",
            &[
                "account_id",
                "file",
                "line",
                "owner",
                "reason",
                "expires",
                "first_seen",
                "last_seen",
                "findings_covered",
            ],
            ev.exceptions
                .iter()
                .map(|x| {
                    vec![
                        x.account_id.clone(),
                        x.location.path.clone(),
                        x.location.line.to_string(),
                        opt(&x.owner),
                        x.reason.clone(),
                        opt(&x.expires),
                        x.first_seen.to_string(),
                        x.last_seen.to_string(),
                        x.findings.to_string(),
                    ]
                })
                .collect(),
        )?,
        csv_of(
            "baseline-changes.csv",
            &["commit", "author", "email", "date", "subject", "files"],
            ev.trail
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.author.clone(),
                        c.email.clone(),
                        time(c.date),
                        c.subject.clone(),
                        c.files.join(" "),
                    ]
                })
                .collect(),
        )?,
    ];
    let mut header = vec!["date"];
    header.extend(crate::findings::Severity::VARIANTS.iter().map(|s| s.as_str()));
    out.push(csv_of(
        "open-findings-by-day.csv",
        &header,
        ev.trend
            .iter()
            .map(|(d, counts)| std::iter::once(d.to_string()).chain(counts.iter().map(usize::to_string)).collect())
            .collect(),
    )?);
    if !ev.skipped.is_empty() {
        out.push(csv_of(
            SKIPPED,
            &["file", "error"],
            ev.skipped.iter().map(|(p, e)| vec![p.display().to_string(), e.clone()]).collect(),
        )?);
    }
    Ok(out)
}
