//! JSON findings, `schema_version: 1` (see README § JSON).

use serde::Serialize;

use crate::findings::StaleException;
use crate::findings::{Finding, ScanResult};
use crate::org::{AccountReport, Outcome};
use crate::scan_info::ScanInfo;
use crate::snapshot::CollectionGap;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan: Option<&'a ScanInfo>,
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
    render_scan(result, None)
}

/// [`render`] with the scan's identification (`scan`), as `driftscan scan` writes it.
pub fn render_scan(result: &ScanResult, scan: Option<&ScanInfo>) -> String {
    let mut out = Vec::new();
    write_scan(result, scan, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render_scan`] written straight into `out` (a large account's report is tens of MB:
/// it is not held in memory as well).
pub fn write_scan(result: &ScanResult, scan: Option<&ScanInfo>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let summary =
        result.summary().into_iter().map(|(s, n)| (s.as_str().to_string(), serde_json::Value::from(n))).collect();
    let doc = Document {
        schema_version: 1,
        tool: Tool { name: "driftscan", version: crate::VERSION },
        scan,
        account_id: &result.account_id,
        scanned_at: result.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        regions: &result.regions,
        collection_gaps: &result.collection_gaps,
        summary,
        findings: &result.findings,
        stale_exceptions: &result.stale_exceptions,
    };
    // serde_json writes token by token: through a buffer of its own type those writes are
    // inlined copies, not a million calls through `dyn Write` (2.5 % of a large scan).
    use std::io::Write;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &doc)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// The JSON report of several accounts (an organization): `schema_version: 2`, the per-account
/// table first, then every finding, gap and stale exception with its `account_id`, and
/// with `scan` the run's identification. The findings are read back one account at a time
/// as they are written; the text is the same as that of the whole document pretty-printed at once.
pub fn render_org(
    org: &crate::org::OrgResult,
    scan: Option<&ScanInfo>,
    sink: &mut super::Sink,
) -> crate::error::Result<()> {
    let failure = super::Failure::default();
    super::write_pretty(&org_document(org, scan, OrgFindings { org, failure: &failure }), &failure, sink)
}

#[derive(Serialize)]
struct OrgDocument<'a, F> {
    schema_version: u32,
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan: Option<&'a ScanInfo>,
    accounts: Vec<OrgAccount<'a>>,
    summary: serde_json::Map<String, serde_json::Value>,
    collection_gaps: Vec<InAccount<'a, CollectionGap>>,
    findings: F,
    stale_exceptions: Vec<InAccount<'a, StaleException>>,
}

#[derive(Serialize)]
struct OrgAccount<'a> {
    account_id: &'a str,
    name: Option<&'a str>,
    status: &'static str,
    error: Option<&'a str>,
    scanned_at: Option<String>,
    regions: &'a [String],
    summary: serde_json::Map<String, serde_json::Value>,
    collection_gaps: usize,
}

/// The organization's report with `findings` in it; all else is in the accounts' summaries.
fn org_document<'a, F>(org: &'a crate::org::OrgResult, scan: Option<&'a ScanInfo>, findings: F) -> OrgDocument<'a, F> {
    let summary = |s: &[(crate::findings::Severity, usize)]| {
        s.iter().map(|(s, n)| (s.as_str().to_string(), serde_json::Value::from(*n))).collect()
    };
    let mut doc = OrgDocument {
        schema_version: 2,
        tool: Tool { name: "driftscan", version: crate::VERSION },
        scan,
        accounts: Vec::new(),
        summary: summary(&org.summary()),
        collection_gaps: Vec::new(),
        findings,
        stale_exceptions: Vec::new(),
    };
    for a in &org.accounts {
        doc.accounts.push(OrgAccount {
            account_id: &a.account_id,
            name: a.name.as_deref(),
            status: a.status.as_str(),
            error: a.error.as_deref(),
            scanned_at: a.scanned_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            regions: &a.regions,
            summary: summary(&a.summary),
            collection_gaps: a.collection_gaps.len(),
        });
        let id = a.account_id.as_str();
        doc.collection_gaps.extend(a.collection_gaps.iter().map(|item| InAccount { account_id: id, item }));
        doc.stale_exceptions.extend(a.stale_exceptions.iter().map(|item| InAccount { account_id: id, item }));
    }
    doc
}

/// Every finding of an organization, each account's read back from disk as serde_json
/// reaches it: one account's findings in memory at a time.
struct OrgFindings<'a> {
    org: &'a crate::org::OrgResult,
    failure: &'a super::Failure,
}

impl Serialize for OrgFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        for a in self.org.scanned() {
            let (result, _) = self.org.read(a).map_err(|e| S::Error::custom(self.failure.keep(e)))?;
            for item in &result.findings {
                seq.serialize_element(&InAccount { account_id: &a.account_id, item })?;
            }
        }
        seq.end()
    }
}

/// An item of one account, with the account's id first.
#[derive(Serialize)]
struct InAccount<'a, T: Serialize> {
    account_id: &'a str,
    #[serde(flatten)]
    item: &'a T,
}

/// A JSON report read back: the scan's identification (absent from reports of older
/// versions and from `report merge`) and its accounts.
#[derive(Debug)]
pub struct ParsedReport {
    pub tool_version: String,
    pub scan: Option<ScanInfo>,
    pub accounts: Vec<crate::org::AccountReport>,
}

/// Reads a JSON report back (either schema: one account, or an organization), as the
/// accounts it holds. Their drift is not in the JSON, so merged Markdown and HTML reports
/// show findings without the drift diff.
pub fn parse(path: &std::path::Path, text: &str) -> crate::error::Result<Vec<crate::org::AccountReport>> {
    Ok(parse_report(path, text)?.accounts)
}

/// [`parse`], keeping the scan's identification and tool version.
pub fn parse_report(path: &std::path::Path, text: &str) -> crate::error::Result<ParsedReport> {
    use crate::error::Error;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Doc {
        schema_version: u32,
        tool: InTool,
        #[serde(default)]
        scan: Option<ScanInfo>,
        // schema 1: one account
        account_id: Option<String>,
        scanned_at: Option<chrono::DateTime<chrono::Utc>>,
        regions: Option<Vec<String>>,
        // schema 2: many
        #[serde(default)]
        accounts: Vec<InAccountRow>,
        collection_gaps: Vec<Tagged<CollectionGap>>,
        findings: Vec<Tagged<Finding>>,
        stale_exceptions: Vec<Tagged<StaleException>>,
    }
    #[derive(Deserialize)]
    struct InTool {
        name: String,
        #[serde(default)]
        version: String,
    }
    #[derive(Deserialize)]
    struct InAccountRow {
        account_id: String,
        name: Option<String>,
        status: String,
        error: Option<String>,
        scanned_at: Option<chrono::DateTime<chrono::Utc>>,
        #[serde(default)]
        regions: Vec<String>,
    }
    #[derive(Deserialize)]
    struct Tagged<T> {
        account_id: Option<String>,
        #[serde(flatten)]
        item: T,
    }

    let bad = |line: usize, message: String| Error::invalid(path, line, message);
    let doc: Doc =
        serde_json::from_str(text).map_err(|e| bad(e.line(), format!("not a driftscan JSON report: {e}")))?;
    if doc.tool.name != "driftscan" {
        return Err(bad(1, format!("a report of `{}`, not of driftscan", doc.tool.name)));
    }
    let rows: Vec<InAccountRow> = match doc.schema_version {
        1 => vec![InAccountRow {
            account_id: doc.account_id.clone().ok_or_else(|| bad(1, "schema 1 report without `account_id`".into()))?,
            name: None,
            status: String::new(),
            error: None,
            scanned_at: doc.scanned_at,
            regions: doc.regions.clone().unwrap_or_default(),
        }],
        2 => doc.accounts,
        other => return Err(bad(1, format!("unknown schema_version {other} (this driftscan reads 1 and 2)"))),
    };
    // Schema 1 items carry no account: they are the one account's.
    let single = doc.account_id.clone();
    let owner = |tagged: &Option<String>| tagged.clone().or_else(|| single.clone()).unwrap_or_default();
    let mut out = Vec::new();
    for row in rows {
        let id = row.account_id.clone();
        if row.status == "failed" {
            out.push(AccountReport::failed(id, row.name, row.error.unwrap_or_else(|| "unknown error".into())));
            continue;
        }
        let mine = |account: &Option<String>| owner(account) == id;
        let result = ScanResult {
            account_id: id.clone(),
            scanned_at: row.scanned_at.unwrap_or_default(),
            regions: row.regions,
            collection_gaps: doc
                .collection_gaps
                .iter()
                .filter(|g| mine(&g.account_id))
                .map(|g| g.item.clone())
                .collect(),
            findings: doc.findings.iter().filter(|f| mine(&f.account_id)).map(|f| f.item.clone()).collect(),
            stale_exceptions: doc
                .stale_exceptions
                .iter()
                .filter(|s| mine(&s.account_id))
                .map(|s| s.item.clone())
                .collect(),
        };
        // The report's word for it, whatever gaps it lists.
        let partial = row.status == "partial";
        out.push(AccountReport {
            account_id: id,
            name: row.name,
            outcome: Outcome::Scanned { result, drift: Vec::new(), partial },
        });
    }
    Ok(ParsedReport { tool_version: doc.tool.version, scan: doc.scan, accounts: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{BaselineState, Severity};
    use crate::org::{AccountReport, OrgResult};
    use crate::report::sarif::tests::{finding, scan};

    #[test]
    fn an_organization_streamed_reads_as_the_whole_document_pretty_printed() {
        let mut accounts: Vec<AccountReport> = (0..3)
            .map(|i| {
                // Enough text for many pieces, and characters of several bytes for pieces to cut.
                let findings = (0..400)
                    .map(|j| {
                        let mut f = finding("DS-IAM-001", i * 1000 + j, Severity::High, BaselineState::New);
                        f.message = format!("{} · drift de sécurité 🔓", f.message);
                        f
                    })
                    .collect();
                let mut result = scan(findings);
                result.account_id = format!("{:012}", 100000000000u64 + i as u64);
                AccountReport::scanned(None, result, Vec::new())
            })
            .collect();
        accounts.push(AccountReport::scanned(None, scan(Vec::new()), Vec::new()));
        accounts.push(AccountReport::failed("999999999999".into(), None, "AccessDenied".into()));
        let org = OrgResult::new(accounts).unwrap();

        let results: Vec<(&str, ScanResult)> =
            org.scanned().map(|a| (a.account_id.as_str(), org.read(a).unwrap().0)).collect();
        let findings: Vec<InAccount<Finding>> = results
            .iter()
            .flat_map(|(account_id, r)| r.findings.iter().map(move |item| InAccount { account_id, item }))
            .collect();
        let mut whole = serde_json::to_string_pretty(&org_document(&org, None, findings)).unwrap();
        whole.push('\n');

        let mut pieces = Vec::new();
        render_org(&org, None, &mut |piece| {
            pieces.push(piece.to_string());
            Ok(())
        })
        .unwrap();
        assert!(pieces.len() > 3, "{} pieces", pieces.len());
        assert_eq!(pieces.concat(), whole);
    }
}
