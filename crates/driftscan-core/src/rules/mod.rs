//! The rule catalog: one TOML file per rule (metadata + a condition, or a named analyzer
//! with parameters), embedded at build time; users add their own with `--rules DIR`.
//!
//! Loading is two-stage: the TOML is read into raw structs that keep positions, then
//! validated into [`Rule`]s, so every error names `file:line`.

pub mod analyzers;
pub mod condition;
pub mod engine;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use strum::VariantArray;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::findings::{Category, Severity};
use crate::snapshot::ResourceType;

use analyzers::Analyzer;
use condition::Condition;

/// The built-in rule files, `(repo-relative path, text)`, embedded by build.rs.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    pub security_severity: f64,
    pub soc2: Vec<String>,
    pub resource_types: Vec<ResourceType>,
    /// The field a finding points at (its baseline line), unless the check says better.
    pub field: Option<String>,
    /// Fields whose change in the same diff is part of the event a finding of this rule
    /// reports (the key that went with a downgrade): named in the finding, and never
    /// reported again by a catch-all rule.
    pub covers: Vec<String>,
    pub message: String,
    pub description: String,
    pub rationale: String,
    pub remediation: String,
    /// Markdown.
    pub help: String,
    pub check: Check,
    /// Repo-relative path of the rule file (named in load errors and `rules explain`).
    pub path: String,
}

#[derive(Debug)]
pub enum Check {
    Condition(Condition),
    Analyzer(Analyzer),
    /// The rule's findings are the account's expired exceptions (`source = "exceptions"`),
    /// made where the exceptions file is read ([`crate::exceptions::apply`]), not from
    /// resources.
    ExpiredExceptions,
}

impl Rule {
    /// Whether the rule judges a change since the baseline (not a state): it has nothing
    /// to say where there is no baseline.
    pub fn judges_drift(&self) -> bool {
        match &self.check {
            Check::Condition(c) => c.is_drift(),
            Check::Analyzer(a) => matches!(a, Analyzer::Drift(_)),
            Check::ExpiredExceptions => false,
        }
    }
}

/// What a rule file's `source` may name besides resources.
const SOURCES: [&str; 1] = ["exceptions"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: Spanned<String>,
    category: Spanned<String>,
    severity: Spanned<String>,
    security_severity: Spanned<f64>,
    soc2: Spanned<Vec<String>>,
    resource_types: Spanned<Vec<String>>,
    field: Option<Spanned<String>>,
    covers: Option<Spanned<Vec<String>>>,
    message: Spanned<String>,
    description: Spanned<String>,
    rationale: Spanned<String>,
    remediation: Spanned<String>,
    help: Spanned<String>,
    condition: Option<Spanned<condition::RawCondition>>,
    analyzer: Option<Spanned<String>>,
    params: Option<Spanned<toml::Table>>,
    /// Where the findings come from when not from resources: `exceptions`.
    source: Option<Spanned<String>>,
}

const PLACEHOLDERS: [&str; 7] = ["name", "id", "field", "baseline", "current", "detail", "region"];

/// The rules of this driftscan plus those in `extra_dirs`, sorted by id.
/// The built-in rule `id`, whatever catalog a run loaded (a stage that owns a rule, such
/// as exceptions and their expiry, needs it even when a caller's rule set lacks it).
pub fn builtin(id: &str) -> Option<Rule> {
    let (path, text) = BUILTIN.iter().find(|(path, _)| Path::new(path).file_stem().is_some_and(|s| s == id))?;
    parse_rule(Path::new(path), text).ok()
}

pub fn load_catalog(extra_dirs: &[PathBuf]) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for (path, text) in BUILTIN {
        rules.push(parse_rule(Path::new(path), text)?);
    }
    for dir in extra_dirs {
        for path in rule_files(dir)? {
            let text = crate::json_lines::read_text(&path)?;
            rules.push(parse_rule(&path, &text)?);
        }
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &rules {
        if let Some(first) = seen.insert(&r.id, &r.path) {
            return Err(Error::invalid(
                &r.path,
                1,
                format!("duplicate rule id `{}` (already defined in {first})", r.id),
            ));
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rules)
}

/// The digest of the rule set `load_catalog(extra_dirs)` loads (JSON reports' `scan.rules_digest`):
/// every rule file's path and text, so that a report says exactly which rules judged it.
pub fn catalog_digest(extra_dirs: &[PathBuf]) -> Result<String> {
    let mut files: Vec<(String, String)> = BUILTIN.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    for dir in extra_dirs {
        for path in rule_files(dir)? {
            let text = crate::json_lines::read_text(&path)?;
            // Relative to its directory: the digest must not depend on where driftscan ran.
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            files.push((format!("rules:{rel}"), text));
        }
    }
    Ok(crate::scan_info::rules_digest(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))))
}

/// `*.toml` under `dir`, recursively, sorted.
fn rule_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            out.extend(rule_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses and validates one rule file.
pub fn parse_rule(path: &Path, text: &str) -> Result<Rule> {
    let shown = crate::baseline::display_path(path);
    let at = |span: std::ops::Range<usize>, message: String| Error::invalid(&shown, line_at(text, span.start), message);
    let raw: RawRule = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_at(text, s.start));
        Error::invalid(&shown, line, e.message().trim().to_string())
    })?;

    let id = raw.id.get_ref();
    if !is_rule_id(id) {
        return Err(at(
            raw.id.span(),
            format!("rule id `{id}` must be upper-case letters, digits and dashes, like DS-IAM-001"),
        ));
    }
    if let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        && stem != id
    {
        return Err(at(raw.id.span(), format!("rule id `{id}` does not match the file name `{stem}.toml`")));
    }
    let category = raw.category.get_ref().parse::<Category>().map_err(|_| {
        at(
            raw.category.span(),
            format!(
                "unknown category `{}` (expected one of: {})",
                raw.category.get_ref(),
                Category::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let severity = raw.severity.get_ref().parse::<Severity>().map_err(|_| {
        at(
            raw.severity.span(),
            format!(
                "unknown severity `{}` (expected one of: {})",
                raw.severity.get_ref(),
                Severity::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let security_severity = *raw.security_severity.get_ref();
    let band = severity.security_severity_band();
    if !band.contains(&security_severity) {
        return Err(at(
            raw.security_severity.span(),
            format!(
                "security_severity {security_severity} does not match severity `{severity}` (expected {} to {})",
                band.start(),
                band.end()
            ),
        ));
    }
    if raw.soc2.get_ref().is_empty() {
        return Err(at(raw.soc2.span(), "soc2 must name at least one Trust Services Criterion".into()));
    }
    for c in raw.soc2.get_ref() {
        if !is_soc2_criterion(c) {
            return Err(at(raw.soc2.span(), format!("`{c}` is not a SOC 2 Trust Services Criterion (like CC6.1)")));
        }
    }
    let mut resource_types = Vec::new();
    let every_type = raw.resource_types.get_ref().iter().any(|t| t == "*");
    if every_type && raw.resource_types.get_ref().len() > 1 {
        return Err(at(raw.resource_types.span(), "`*` (every resource type) stands alone in resource_types".into()));
    }
    if every_type {
        resource_types.extend_from_slice(ResourceType::ALL);
    }
    for t in raw.resource_types.get_ref().iter().filter(|t| *t != "*") {
        resource_types.push(ResourceType::parse(t).ok_or_else(|| {
            at(
                raw.resource_types.span(),
                format!(
                    "unknown resource type `{t}` (expected `*` for every type, or one of: {})",
                    ResourceType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?);
    }
    if resource_types.is_empty() {
        return Err(at(raw.resource_types.span(), "resource_types must name at least one resource type".into()));
    }
    for (name, value) in [
        ("title", &raw.title),
        ("message", &raw.message),
        ("description", &raw.description),
        ("rationale", &raw.rationale),
        ("remediation", &raw.remediation),
        ("help", &raw.help),
    ] {
        if value.get_ref().trim().is_empty() {
            return Err(at(value.span(), format!("`{name}` must not be empty")));
        }
    }
    check_placeholders(raw.message.get_ref()).map_err(|m| at(raw.message.span(), m))?;

    let field = match &raw.field {
        Some(f) => {
            for t in &resource_types {
                if !t.field_paths().iter().any(|p| p == f.get_ref()) {
                    return Err(at(f.span(), format!("unknown field path `{}` for resource type {t}", f.get_ref())));
                }
            }
            Some(f.get_ref().clone())
        }
        None => None,
    };
    // A related field may belong to one of the rule's resource types only.
    let covers = match &raw.covers {
        Some(c) => {
            for path in c.get_ref() {
                if !resource_types.iter().any(|t| t.field_paths().iter().any(|p| p == path)) {
                    return Err(at(c.span(), format!("unknown field path `{path}` for the rule's resource types")));
                }
            }
            c.get_ref().clone()
        }
        None => Vec::new(),
    };

    let check = match (raw.condition, raw.analyzer, raw.source) {
        (None, None, Some(source)) => {
            if let Some(p) = &raw.params {
                return Err(at(p.span(), "`params` only applies to rules with an `analyzer`".into()));
            }
            match source.get_ref().as_str() {
                "exceptions" => Check::ExpiredExceptions,
                other => {
                    return Err(at(
                        source.span(),
                        format!("unknown source `{other}` (expected one of: {})", SOURCES.join(", ")),
                    ));
                }
            }
        }
        (Some(c), None, None) => {
            if let Some(p) = &raw.params {
                return Err(at(p.span(), "`params` only applies to rules with an `analyzer`".into()));
            }
            let span = c.span();
            let cond = Condition::validate(c.into_inner(), &resource_types)
                .map_err(|(s, m)| at(s.unwrap_or(span.clone()), m))?;
            Check::Condition(cond)
        }
        (None, Some(name), None) => {
            let params = raw.params.map(|p| p.into_inner()).unwrap_or_default();
            let analyzer =
                analyzers::build(name.get_ref(), &params, &resource_types).map_err(|m| at(name.span(), m))?;
            Check::Analyzer(analyzer)
        }
        (None, None, None) => {
            return Err(Error::invalid(&shown, 1, "a rule needs a `condition`, an `analyzer` or a `source`"));
        }
        (condition, analyzer, source) => {
            let second = [condition.map(|c| c.span()), analyzer.map(|a| a.span()), source.map(|s| s.span())]
                .into_iter()
                .flatten()
                .max_by_key(|span| span.start)
                .expect("two of the three are set");
            return Err(at(second, "a rule has one of `condition`, `analyzer` or `source`, not two".into()));
        }
    };

    Ok(Rule {
        id: id.clone(),
        title: raw.title.into_inner(),
        category,
        severity,
        security_severity,
        soc2: raw.soc2.into_inner(),
        resource_types,
        field,
        covers,
        message: raw.message.into_inner(),
        description: raw.description.into_inner().trim().to_string(),
        rationale: raw.rationale.into_inner().trim().to_string(),
        remediation: raw.remediation.into_inner().trim().to_string(),
        help: raw.help.into_inner().trim().to_string(),
        check,
        path: shown,
    })
}

fn is_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && id.as_bytes()[0].is_ascii_uppercase()
}

/// CC1.1–CC9.9 (common criteria) and the A, C, PI and P series.
fn is_soc2_criterion(c: &str) -> bool {
    let Some((series, num)) = c.split_once('.') else { return false };
    let num_ok = !num.is_empty() && num.len() <= 2 && num.bytes().all(|b| b.is_ascii_digit());
    let series_ok = match series {
        "A1" | "C1" | "PI1" => true,
        s if s.starts_with("CC") || s.starts_with('P') => {
            let digit = s.trim_start_matches("CC").trim_start_matches('P');
            digit.len() == 1 && (b'1'..=b'9').contains(&digit.as_bytes()[0])
        }
        _ => false,
    };
    num_ok && series_ok
}

fn check_placeholders(template: &str) -> std::result::Result<(), String> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').ok_or("message has an unclosed `{`")? + start;
        let name = &rest[start + 1..end];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "message placeholder `{{{name}}}` is unknown (use {})",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
        rest = &rest[end + 1..];
    }
    Ok(())
}

/// Fills a message template in one pass: each `{placeholder}` with `value(placeholder)`,
/// worked out only for the placeholders the template names (a finding's values shown as
/// JSON were most of the cost of its message); one `value` does not know stays as written,
/// and nothing a value brings in is filled again.
pub fn render_message<'v>(template: &str, value: impl Fn(&str) -> Option<std::borrow::Cow<'v, str>>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start]);
        match value(&rest[start + 1..start + len]) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soc2_criteria_are_recognized() {
        for ok in ["CC6.1", "CC6.3", "CC7.1", "CC8.1", "A1.2", "C1.1", "PI1.3", "P4.1"] {
            assert!(is_soc2_criterion(ok), "{ok}");
        }
        for bad in ["CC6", "CC0.1", "XX6.1", "CC6.", "cc6.1", "CC10.1"] {
            assert!(!is_soc2_criterion(bad), "{bad}");
        }
    }

    #[test]
    fn a_message_fills_the_placeholders_it_names_once() {
        let value = |p: &str| (p == "name" || p == "detail").then_some(std::borrow::Cow::Borrowed("{detail}"));
        assert_eq!(
            render_message("user {name} has {detail} in {region}", value),
            "user {detail} has {detail} in {region}"
        );
        assert_eq!(render_message("no placeholder } {", value), "no placeholder } {");
    }

    #[test]
    fn placeholders_are_checked() {
        assert!(check_placeholders("user {name} has {current}").is_ok());
        assert!(check_placeholders("user {nmae}").unwrap_err().contains("{nmae}"));
        assert!(check_placeholders("user {name").is_err());
    }
}
