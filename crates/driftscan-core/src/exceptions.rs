//! Accepted risks: `baselines/<account-id>/exceptions.toml`, committed and reviewed like the
//! baselines. Each entry names rules and resources by pattern, says why (required), who
//! owns the risk and until when. Matching findings stay in every report, marked
//! suppressed (SARIF `suppressions`), and no longer fail the run; an expired entry is a
//! finding of its own; an entry that matches nothing is reported as stale.
//!
//! ```toml
//! [[exception]]
//! rule = "DS-IAM-005"                       # glob over rule ids
//! resource = "arn:aws:iam::*:role/OrganizationAccountAccessRole"   # glob, or "re:<regex>"
//! reason = "AWS Organizations management access; reviewed quarterly"
//! owner = "secops@acme.example"
//! expires = 2027-03-31
//! ```

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::baseline::display_path;
use crate::error::{Error, Result};
use crate::findings::{BaselineState, Finding, Location, StaleException, Suppression};
use crate::glob::wildcard_match;
use crate::rules::{Rule, engine};
use crate::snapshot::{Meta, ResourceType};
use crate::source_root::SourceRoot;

/// The file name inside an account's baseline directory.
pub const FILE_NAME: &str = "exceptions.toml";
/// The catalog rule whose findings are expired exceptions.
pub const EXPIRED_RULE: &str = "DS-CFG-008";

#[derive(Debug)]
pub enum Pattern {
    Glob(String),
    Regex(regex::Regex),
}

impl Pattern {
    fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Glob(g) => wildcard_match(g, text, false),
            Pattern::Regex(r) => r.is_match(text),
        }
    }

    fn shown(&self) -> String {
        match self {
            Pattern::Glob(g) => g.clone(),
            Pattern::Regex(r) => format!("re:{}", r.as_str().trim_start_matches("^(?:").trim_end_matches(")$")),
        }
    }
}

#[derive(Debug)]
pub struct Exception {
    pub rule: Pattern,
    pub resource: Pattern,
    pub reason: String,
    pub owner: Option<String>,
    pub expires: Option<NaiveDate>,
    pub location: Location,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    exception: Vec<Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: Spanned<String>,
    resource: Spanned<String>,
    reason: Option<Spanned<String>>,
    owner: Option<String>,
    expires: Option<Spanned<toml::Value>>,
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Reads the exceptions of an account; no file means no exceptions. Their locations are
/// relative to `root`.
pub fn load(account_dir: &Path, rules: &[Rule], root: &SourceRoot) -> Result<Vec<Exception>> {
    let path = account_dir.join(FILE_NAME);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = crate::json_lines::read_text(&path)?;
    parse(&path, &root.relative(&path)?, &text, rules)
}

/// Parses the exceptions file at `path` (named so in errors); `report_path` is how
/// report locations name it.
pub fn parse(path: &Path, report_path: &str, text: &str, rules: &[Rule]) -> Result<Vec<Exception>> {
    let shown = display_path(path);
    let at = |offset: usize, message: String| Error::invalid(&shown, line_at(text, offset), message);
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_at(text, s.start));
        Error::invalid(&shown, line, e.message().to_string())
    })?;
    let mut out = Vec::new();
    for entry in raw.exception {
        let start = entry.span().start;
        let e = entry.into_inner();
        let reason = match e.reason {
            Some(r) if !r.get_ref().trim().is_empty() => r.into_inner(),
            Some(r) => return Err(at(r.span().start, "`reason` is empty: say why this risk is accepted".into())),
            None => return Err(at(start, "exception without a `reason`: say why this risk is accepted".into())),
        };
        let rule = Pattern::Glob(e.rule.get_ref().clone());
        if !rules.iter().any(|r| rule.matches(&r.id)) {
            return Err(at(e.rule.span().start, format!("rule pattern `{}` matches no rule", e.rule.get_ref())));
        }
        let resource = match e.resource.get_ref().strip_prefix("re:") {
            Some(re) => Pattern::Regex(regex::Regex::new(&format!("^(?:{re})$")).map_err(|err| {
                // The regex crate draws a multi-line caret diagram; its last line says what is wrong.
                let text = err.to_string();
                let why = text.lines().last().unwrap_or("").trim_start_matches("error: ").to_string();
                at(e.resource.span().start, format!("invalid regular expression `{re}`: {why}"))
            })?),
            None if e.resource.get_ref().is_empty() => {
                return Err(at(e.resource.span().start, "`resource` is empty; use `*` for every resource".into()));
            }
            None => Pattern::Glob(e.resource.get_ref().clone()),
        };
        let expires = match e.expires {
            None => None,
            Some(v) => {
                let date = match v.get_ref() {
                    toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
                        d.date.and_then(|d| NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32))
                    }
                    toml::Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
                    _ => None,
                };
                Some(date.ok_or_else(|| {
                    at(v.span().start, format!("`expires` must be a date like 2027-03-31, not `{}`", v.get_ref()))
                })?)
            }
        };
        out.push(Exception {
            rule,
            resource,
            reason,
            owner: e.owner,
            expires,
            location: Location { path: report_path.to_string(), line: line_at(text, start) },
        });
    }
    Ok(out)
}

/// Marks the findings that an active exception covers; returns the findings of expired
/// exceptions and the stale ones. `today` is the scan's date.
pub fn apply(
    exceptions: &[Exception],
    findings: &mut [Finding],
    today: NaiveDate,
    expired_rule: &Rule,
    account: &Meta,
) -> (Vec<Finding>, Vec<StaleException>) {
    let mut expired = Vec::new();
    let mut stale = Vec::new();
    for ex in exceptions {
        let covers = |f: &Finding| ex.rule.matches(&f.rule_id) && ex.resource.matches(&f.resource_id);
        if let Some(date) = ex.expires.filter(|d| *d < today) {
            expired.push(expired_finding(ex, date, expired_rule, account));
            continue;
        }
        let mut matched = false;
        for f in findings
            .iter_mut()
            .filter(|f| f.baseline_state != BaselineState::Absent && f.suppression.is_none() && covers(f))
        {
            matched = true;
            f.suppression = Some(Suppression {
                reason: ex.reason.clone(),
                owner: ex.owner.clone(),
                expires: ex.expires,
                location: ex.location.clone(),
            });
        }
        if !matched {
            stale.push(StaleException {
                rule: ex.rule.shown(),
                resource: ex.resource.shown(),
                location: ex.location.clone(),
            });
        }
    }
    (expired, stale)
}

fn expired_finding(ex: &Exception, date: NaiveDate, rule: &Rule, account: &Meta) -> Finding {
    let owner = ex.owner.as_deref().map(|o| format!(" (owner {o})")).unwrap_or_default();
    let detail = format!(
        "the exception for {} on {} expired on {date}{owner}; the findings it covered fail again. It said: {}",
        ex.rule.shown(),
        ex.resource.shown(),
        ex.reason
    );
    let key = format!("{}|{}", ex.rule.shown(), ex.resource.shown());
    let id = crate::arn::Arn::account_root(&account.partition, &account.account_id).to_string();
    Finding {
        fingerprint: engine::fingerprint(&rule.id, &ex.location.path, None, &key),
        rule_id: rule.id.clone(),
        category: rule.category,
        severity: rule.severity,
        baseline_state: BaselineState::New,
        resource_type: ResourceType::Account,
        resource_id: id,
        field: None,
        baseline: None,
        current: Some(serde_json::Value::from(date.to_string())),
        message: crate::rules::render_message(&rule.message, |placeholder| {
            Some(match placeholder {
                "detail" => detail.as_str().into(),
                "name" | "id" | "field" | "baseline" => "".into(),
                "current" => date.to_string().into(),
                _ => return None,
            })
        }),
        location: ex.location.clone(),
        suppression: None,
        related_changes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<Rule> {
        crate::rules::load_catalog(&[]).unwrap()
    }

    #[test]
    fn entries_need_a_reason_a_real_date_a_valid_pattern_and_a_known_rule() {
        let p = Path::new("baselines/1/exceptions.toml");
        let err = |text: &str| parse(p, "baselines/1/exceptions.toml", text, &rules()).unwrap_err().to_string();
        assert!(
            err("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\n")
                .contains("exceptions.toml:1: exception without a `reason`")
        );
        assert!(
            err("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\nreason = \" \"\n")
                .contains(":4: `reason` is empty")
        );
        assert!(
            err("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"next year\"\n")
                .contains(":5: `expires` must be a date")
        );
        assert!(
            err("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"re:(\"\nreason = \"r\"\n")
                .contains(":3: invalid regular expression")
        );
        assert!(
            err("[[exception]]\nrule = \"DS-NOPE-*\"\nresource = \"*\"\nreason = \"r\"\n")
                .contains(":2: rule pattern `DS-NOPE-*` matches no rule")
        );
        assert!(
            err("[[exception]]\nrule = \"DS-IAM-001\"\nresource = \"*\"\nreason = \"r\"\nticket = 1\n")
                .contains("unknown field `ticket`")
        );
        let ok = parse(p, "baselines/1/exceptions.toml", "[[exception]]\nrule = \"DS-IAM-*\"\nresource = \"re:arn:aws:iam::\\\\d+:role/.*\"\nreason = \"r\"\nexpires = 2027-03-31\n", &rules()).unwrap();
        assert_eq!(ok[0].expires, NaiveDate::from_ymd_opt(2027, 3, 31));
        assert!(
            ok[0].resource.matches("arn:aws:iam::123456789012:role/x")
                && !ok[0].resource.matches("arn:aws:iam::abc:role/x")
        );
    }
}
