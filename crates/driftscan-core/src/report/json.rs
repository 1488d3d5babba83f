//! JSON findings, `schema_version: 1` (see README § JSON).

use serde::Serialize;

use crate::findings::StaleException;
use crate::findings::{Finding, ScanResult};
use crate::snapshot::CollectionGap;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    account_id: &'a str,
    scanned_at: String,
    regions: &'a [String],
    collection_gaps: &'a [CollectionGap],
    summary: serde_json::Map<String, serde_json::Value>,
    findings: &'a [Finding],
    stale_exceptions: &'a [StaleException],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn render(result: &ScanResult) -> String {
    let summary =
        result.summary().into_iter().map(|(s, n)| (s.as_str().to_string(), serde_json::Value::from(n))).collect();
    let doc = Document {
        schema_version: 1,
        tool: Tool { name: "driftscan", version: crate::VERSION },
        account_id: &result.account_id,
        scanned_at: result.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        regions: &result.regions,
        collection_gaps: &result.collection_gaps,
        summary,
        findings: &result.findings,
        stale_exceptions: &result.stale_exceptions,
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("findings serialize");
    out.push('\n');
    out
}
