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

/// The JSON report of several accounts (an organization): `schema_version: 2`, the per-account
/// table first, then every finding, gap and stale exception with its `account_id`.
pub fn render_org(org: &crate::org::OrgResult) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        tool: Tool,
        accounts: Vec<Account<'a>>,
        summary: serde_json::Map<String, serde_json::Value>,
        collection_gaps: Vec<InAccount<'a, CollectionGap>>,
        findings: Vec<InAccount<'a, Finding>>,
        stale_exceptions: Vec<InAccount<'a, StaleException>>,
    }
    #[derive(Serialize)]
    struct Account<'a> {
        account_id: &'a str,
        name: Option<&'a str>,
        status: &'static str,
        error: Option<&'a str>,
        scanned_at: Option<String>,
        regions: &'a [String],
        summary: serde_json::Map<String, serde_json::Value>,
        collection_gaps: usize,
    }
    /// An item of one account, with the account's id first.
    #[derive(Serialize)]
    struct InAccount<'a, T: Serialize> {
        account_id: &'a str,
        #[serde(flatten)]
        item: &'a T,
    }
    let summary = |s: Vec<(crate::findings::Severity, usize)>| {
        s.into_iter().map(|(s, n)| (s.as_str().to_string(), serde_json::Value::from(n))).collect()
    };
    let mut doc = Document {
        schema_version: 2,
        tool: Tool { name: "driftscan", version: crate::VERSION },
        accounts: Vec::new(),
        summary: summary(org.summary()),
        collection_gaps: Vec::new(),
        findings: Vec::new(),
        stale_exceptions: Vec::new(),
    };
    for a in &org.accounts {
        let result = a.result.as_ref();
        doc.accounts.push(Account {
            account_id: &a.account_id,
            name: a.name.as_deref(),
            status: a.status.as_str(),
            error: a.error.as_deref(),
            scanned_at: result.map(|r| r.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            regions: result.map_or(&[][..], |r| &r.regions),
            summary: summary(a.summary()),
            collection_gaps: result.map_or(0, |r| r.collection_gaps.len()),
        });
        let Some(r) = result else { continue };
        let id = a.account_id.as_str();
        doc.collection_gaps.extend(r.collection_gaps.iter().map(|item| InAccount { account_id: id, item }));
        doc.findings.extend(r.findings.iter().map(|item| InAccount { account_id: id, item }));
        doc.stale_exceptions.extend(r.stale_exceptions.iter().map(|item| InAccount { account_id: id, item }));
    }
    let mut out = serde_json::to_string_pretty(&doc).expect("findings serialize");
    out.push('\n');
    out
}
