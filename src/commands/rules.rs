//! `driftscan rules list|explain`.

use std::path::PathBuf;

use driftscan_core::error::{Error, Result};
use driftscan_core::rules::{self, Rule};

use super::{exit, print};

pub fn list(rules_dirs: &[PathBuf]) -> Result<u8> {
    print(&list_rules(&rules::load_catalog(rules_dirs)?))?;
    Ok(exit::OK)
}

pub fn explain(id: &str, rules_dirs: &[PathBuf]) -> Result<u8> {
    let rules = rules::load_catalog(rules_dirs)?;
    let rule = rules
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| Error::Usage(format!("no rule `{id}`; `driftscan rules list` shows them all")))?;
    print(&explain_rule(rule))?;
    Ok(exit::OK)
}

fn list_rules(rules: &[Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        out.push_str(&format!("{:<12} {:<8} {:<16} {}\n", r.id, r.severity.as_str(), r.category.as_str(), r.title));
    }
    out.push_str(&format!("{} rules; `driftscan rules explain ID` tells more\n", rules.len()));
    out
}

/// The same text as the generated docs page of the rule.
fn explain_rule(r: &Rule) -> String {
    format!(
        "{id}: {title}\n\ncategory: {cat} · severity: {sev} (security-severity {ss:.1}) · SOC 2: {soc2}\nresource types: {types}\ndefined in: {path}\n\n{desc}\n\nRationale:\n{rat}\n\nRemediation:\n{rem}\n\n{help}\n",
        id = r.id,
        title = r.title,
        cat = r.category,
        sev = r.severity,
        ss = r.security_severity,
        soc2 = r.soc2.join(", "),
        types = r.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
        path = r.path,
        desc = r.description,
        rat = r.rationale,
        rem = r.remediation,
        help = r.help,
    )
}
