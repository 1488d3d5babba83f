//! SARIF 2.1.0 for GitHub code scanning: one run per account, every result anchored to
//! the baseline line it drifted from, with a fingerprint that does not move with lines.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool, ToolComponent,
};

use crate::findings::{BaselineState, Finding, ScanResult, Severity};
use crate::rules::Rule;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn level_name(severity: Severity) -> &'static str {
    match level(severity) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        _ => "note",
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

/// `AdminAccess`-style rule name from a title.
fn pascal(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string(), rule.category.as_str().to_string()];
    tags.extend(rule.soc2.iter().map(|c| format!("soc2:{c}")));
    let mut extra = BTreeMap::new();
    extra.insert("security-severity".to_string(), json!(format!("{:.1}", rule.security_severity)));
    extra.insert("precision".to_string(), json!("very-high"));
    extra.insert("soc2".to_string(), json!(rule.soc2));
    let help_text = format!("{}\n\nRationale: {}\n\nRemediation:\n{}", rule.description, rule.rationale, rule.remediation);
    let help_md = format!(
        "{}\n\n**SOC 2:** {}\n\n## Rationale\n\n{}\n\n## Remediation\n\n{}",
        rule.help,
        rule.soc2.join(", "),
        rule.rationale,
        rule.remediation
    );
    ReportingDescriptor::builder()
        .id(&rule.id)
        .name(pascal(&rule.title))
        .short_description(text(&rule.title))
        .full_description(text(&rule.description))
        .help(MultiformatMessageString::builder().text(help_text).markdown(help_md).build())
        .default_configuration(ReportingConfiguration::builder().level(json!(level_name(rule.severity))).build())
        .properties(PropertyBag::builder().tags(tags).additional_properties(extra).build())
        .build()
}

fn result(f: &Finding, rule_index: usize) -> SarifResult {
    let physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(&f.location.path).build())
        .region(Region::builder().start_line(f.location.line as i64).build())
        .build();
    let logical = LogicalLocation::builder()
        .fully_qualified_name(&f.resource_id)
        .kind("resource")
        .build();
    let location = Location::builder().physical_location(physical).logical_locations(vec![logical]).build();
    // GitHub fingerprints with this key only; ":1" is the occurrence index it expects.
    let fingerprints = BTreeMap::from([("primaryLocationLineHash".to_string(), format!("{}:1", f.fingerprint))]);
    let mut props = BTreeMap::new();
    props.insert("resource_type".to_string(), json!(f.resource_type));
    props.insert("resource_id".to_string(), json!(f.resource_id));
    props.insert("field".to_string(), json!(f.field));
    props.insert("baseline".to_string(), f.baseline.clone().unwrap_or(Value::Null));
    props.insert("current".to_string(), f.current.clone().unwrap_or(Value::Null));
    props.insert("category".to_string(), json!(f.category));
    props.insert("severity".to_string(), json!(f.severity));
    let suppressions: Vec<Suppression> = f
        .suppression
        .iter()
        .map(|s| {
            let mut props = BTreeMap::new();
            props.insert("owner".to_string(), json!(s.owner));
            props.insert("expires".to_string(), json!(s.expires.map(|d| d.to_string())));
            props.insert("exception".to_string(), json!(format!("{}:{}", s.location.path, s.location.line)));
            Suppression::builder()
                .kind(json!("external"))
                .status(json!("accepted"))
                .justification(s.reason.clone())
                .properties(PropertyBag::builder().additional_properties(props).build())
                .build()
        })
        .collect();
    let mut result = SarifResult::builder()
        .rule_id(&f.rule_id)
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(Message::builder().text(&f.message).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .baseline_state(json!(f.baseline_state.as_str()))
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    if !suppressions.is_empty() {
        result.suppressions = Some(suppressions);
    }
    result
}

pub fn render(scan: &ScanResult, rules: &[Rule]) -> String {
    let index: BTreeMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    // Resolved findings are reported in JSON and text; uploading them would open alerts.
    let results: Vec<SarifResult> = scan
        .findings
        .iter()
        .filter(|f| f.baseline_state != BaselineState::Absent)
        .map(|f| result(f, index[f.rule_id.as_str()]))
        .collect();
    let notifications: Vec<Notification> = scan
        .collection_gaps
        .iter()
        .map(|g| {
            let region = g.region.as_deref().unwrap_or("global");
            Notification::builder()
                .level(json!("error"))
                .message(Message::builder().text(format!("collection gap: {} {region} {}: {}", g.service, g.operation, g.error)).build())
                .build()
        })
        .chain(scan.stale_exceptions.iter().map(|e| {
            Notification::builder()
                .level(json!("warning"))
                .message(Message::builder().text(format!("stale exception: {} on {} matches no finding ({}:{})", e.rule, e.resource, e.location.path, e.location.line)).build())
                .build()
        }))
        .collect();
    let mut invocation = Invocation::builder().execution_successful(scan.collection_gaps.is_empty()).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = ToolComponent::builder()
        .name("driftscan")
        .version(crate::VERSION)
        .semantic_version(crate::VERSION)
        .rules(rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(RunAutomationDetails::builder().id(format!("driftscan/{}/", scan.account_id)).build())
        .invocations(vec![invocation])
        .results(results)
        .column_kind(json!("utf16CodeUnits"))
        .build();
    let log = Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build();
    let mut out = serde_json::to_string_pretty(&log).expect("sarif serializes");
    out.push('\n');
    out
}
