//! SARIF 2.1.0 for GitHub code scanning: one run per account, every result anchored to
//! the baseline line it drifted from, with a fingerprint that does not move with lines.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, RunAutomationDetails, Suppression, Tool, ToolComponent,
};

use crate::findings::{BaselineState, Finding, ScanResult, Severity};
use crate::rules::Rule;
use crate::source_root::URI_BASE_ID;

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

/// GitHub code scanning's documented limits for one uploaded file. Runs per file (20) and
/// locations per result (1,000) need no check: driftscan writes one run per file and one
/// location per result.
pub mod limits {
    pub const RESULTS_PER_RUN: usize = 25_000;
    /// Runs in one file (each with its own category).
    pub const RUNS_PER_FILE: usize = 20;
    pub const TAGS_PER_RULE: usize = 20;
    /// The upload's gzipped size.
    pub const GZIP_BYTES: usize = 10 * 1024 * 1024;
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string(), rule.category.as_str().to_string()];
    tags.extend(rule.soc2.iter().map(|c| format!("soc2:{c}")));
    tags.truncate(limits::TAGS_PER_RULE);
    let mut extra = BTreeMap::new();
    extra.insert("security-severity".to_string(), json!(format!("{:.1}", rule.security_severity)));
    extra.insert("precision".to_string(), json!("very-high"));
    extra.insert("soc2".to_string(), json!(rule.soc2));
    let help_text =
        format!("{}\n\nRationale: {}\n\nRemediation:\n{}", rule.description, rule.rationale, rule.remediation);
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
        .artifact_location(ArtifactLocation::builder().uri(&f.location.path).uri_base_id(URI_BASE_ID).build())
        .region(Region::builder().start_line(f.location.line as i64).build())
        .build();
    let logical = LogicalLocation::builder().fully_qualified_name(&f.resource_id).kind("resource").build();
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

/// The SARIF log of `scan`, within GitHub's limits: when the findings do not fit, the
/// most severe are kept (new before already known) and a notification says how many were
/// left out; the JSON report always has them all.
pub fn render(scan: &ScanResult, rules: &[Rule]) -> String {
    render_within(scan, rules, limits::RESULTS_PER_RUN, limits::GZIP_BYTES)
}

fn render_within(scan: &ScanResult, rules: &[Rule], max_results: usize, max_gzip_bytes: usize) -> String {
    let (_, text, _) = fit(scan, rules, (max_results, max_gzip_bytes), |log| {
        // Room for the whole text at once (a result is 1–2 KB): grown from nothing, a large
        // account's text left the copies it outgrew in the heap, 12 MB more at the peak.
        let mut text = Vec::with_capacity(log.runs[0].results.findings.len() * 2048);
        serde_json::to_writer_pretty(&mut text, log).expect("sarif serializes");
        text.push(b'\n');
        let text = String::from_utf8(text).expect("serde_json writes UTF-8");
        let gzipped = gzipped_len(&text);
        (text, gzipped)
    });
    text
}

/// A SARIF log: serde_sarif's `Sarif` with the fields driftscan writes, in its order, and
/// any sequence of runs (one account's, or a file's read back account by account).
#[derive(Serialize)]
struct Log<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: R,
    version: &'static str,
}

fn log<R: Serialize>(runs: R) -> Log<R> {
    Log { schema: SCHEMA, runs, version: "2.1.0" }
}

/// One account's run: serde_sarif's `Run` with the fields driftscan writes, in its order,
/// and results that are built from their findings one at a time as they are written (a
/// large account's 48,000 results as SARIF structs were ~200 MB).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountRun<'a> {
    automation_details: RunAutomationDetails,
    column_kind: &'static str,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<String, ArtifactLocation>,
    results: Results<'a>,
    tool: Tool,
}

/// A run's results, as the findings they are built from and their rules' indexes.
struct Results<'a> {
    findings: Vec<&'a Finding>,
    rule_index: BTreeMap<String, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.findings.iter().map(|f| result(f, self.rule_index[f.rule_id.as_str()])))
    }
}

/// The SARIF files of several accounts (an organization): one run per scanned account (a
/// failed account has none, so that its open alerts are not closed by an empty upload),
/// packed into as few files as GitHub's limits allow (20 runs and 10 MB gzipped per file).
/// Each run is measured as its account is read back, and written when its file is, the
/// account read back again.
pub struct OrgFiles<'a> {
    org: &'a crate::org::OrgResult,
    rules: &'a [Rule],
    /// The runs of each file: the account, and how many of its findings the run keeps.
    files: Vec<Vec<(&'a crate::org::AccountSummary, usize)>>,
}

impl<'a> OrgFiles<'a> {
    pub fn plan(org: &'a crate::org::OrgResult, rules: &'a [Rule]) -> crate::error::Result<OrgFiles<'a>> {
        OrgFiles::plan_within(org, rules, limits::GZIP_BYTES)
    }

    fn plan_within(
        org: &'a crate::org::OrgResult,
        rules: &'a [Rule],
        max_gzip_bytes: usize,
    ) -> crate::error::Result<OrgFiles<'a>> {
        let mut runs = Vec::new();
        let mut sizes = Vec::new();
        for account in org.scanned() {
            let (result, _) = org.read(account)?;
            let (keep, (), gzipped) = fit(&result, rules, (limits::RESULTS_PER_RUN, max_gzip_bytes), |log| {
                let gzipped = gzipped_size(|out| {
                    serde_json::to_writer_pretty(&mut *out, log)?;
                    std::io::Write::write_all(out, b"\n")
                });
                ((), gzipped)
            });
            runs.push((account, keep));
            sizes.push(gzipped);
        }
        let files =
            pack(&sizes, max_gzip_bytes).into_iter().map(|file| file.into_iter().map(|run| runs[run]).collect());
        Ok(OrgFiles { org, rules, files: files.collect() })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes file `index` (0-based) into `sink`, run by run.
    pub fn write(&self, index: usize, sink: &mut super::Sink) -> crate::error::Result<()> {
        let failure = super::Failure::default();
        let runs = FileRuns { files: self, runs: &self.files[index], failure: &failure };
        super::write_pretty(&log(runs), &failure, sink)
    }
}

/// The runs of one file, each made from its account as serde_json reaches it.
struct FileRuns<'f, 'a> {
    files: &'f OrgFiles<'a>,
    runs: &'f [(&'a crate::org::AccountSummary, usize)],
    failure: &'f super::Failure,
}

impl Serialize for FileRuns<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.runs.len()))?;
        for &(account, keep) in self.runs {
            let (result, _) = self.files.org.read(account).map_err(|e| S::Error::custom(self.failure.keep(e)))?;
            seq.serialize_element(&Uploads::of(&result).run(&result, self.files.rules, keep))?;
        }
        seq.end()
    }
}

/// Runs (by the gzipped sizes of their logs alone) into files of at most
/// [`limits::RUNS_PER_FILE`] runs and `max_gzip_bytes` each. Runs gzipped apart are never
/// smaller than gzipped together, so a file within the sum of its parts' sizes is within
/// the limit.
fn pack(sizes: &[usize], max_gzip_bytes: usize) -> Vec<Vec<usize>> {
    let mut files = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut bytes = 0;
    for (run, &size) in sizes.iter().enumerate() {
        if !current.is_empty() && (current.len() == limits::RUNS_PER_FILE || bytes + size > max_gzip_bytes) {
            files.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(run);
        bytes += size;
    }
    if !current.is_empty() || files.is_empty() {
        files.push(current);
    }
    files
}

/// The findings of one account that its run may upload, and their order of importance.
struct Uploads<'a> {
    findings: Vec<&'a Finding>,
    /// Indexes into `findings`, the most severe first, new before already known.
    by_priority: Vec<usize>,
}

impl<'a> Uploads<'a> {
    fn of(scan: &'a ScanResult) -> Uploads<'a> {
        // Resolved findings are reported in JSON and text; uploading them would open alerts.
        let findings: Vec<&Finding> =
            scan.findings.iter().filter(|f| f.baseline_state != BaselineState::Absent).collect();
        let mut by_priority: Vec<usize> = (0..findings.len()).collect();
        by_priority.sort_by_key(|&i| (findings[i].severity, findings[i].baseline_state != BaselineState::New));
        Uploads { findings, by_priority }
    }

    /// `scan`'s run with the `keep` most important findings, in the report's order.
    fn run(&self, scan: &ScanResult, rules: &[Rule], keep: usize) -> AccountRun<'a> {
        let mut kept: Vec<usize> = self.by_priority[..keep].to_vec();
        kept.sort_unstable();
        render_run(scan, rules, kept.into_iter().map(|i| self.findings[i]).collect(), self.findings.len() - keep)
    }
}

/// How many findings one account's run keeps within GitHub's limits: at most `max_results`,
/// and the log of that run alone gzipped at most `max_gzip_bytes`, as `write` writes it and
/// gives its gzipped size; with what `write` made of that log, and the size. A run is
/// serialized and compressed once when it fits, as nearly every run does.
fn fit<T>(
    scan: &ScanResult,
    rules: &[Rule],
    (max_results, max_gzip_bytes): (usize, usize),
    write: impl Fn(&Log<[AccountRun; 1]>) -> (T, usize),
) -> (usize, T, usize) {
    let uploads = Uploads::of(scan);
    let mut keep = max_results.min(uploads.findings.len());
    loop {
        let (written, gzipped) = write(&log([uploads.run(scan, rules, keep)]));
        if keep == 0 || gzipped <= max_gzip_bytes {
            return (keep, written, gzipped);
        }
        // Results are of similar size: shrink in proportion, with a margin.
        keep = keep * 9 / 10;
    }
}

/// The size of what `write` writes, gzipped at the fastest level: never smaller than what
/// upload tools produce at their default level, so a file that fits here fits there.
fn gzipped_size(write: impl FnOnce(&mut Gzipping) -> std::io::Result<()>) -> usize {
    let encoder = flate2::write::GzEncoder::new(Counted(0), flate2::Compression::fast());
    // serde_json writes a token at a time, and the compressor's every call has a cost of
    // its own: straight into it, an organization's SARIF took 3.5 times as long.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, encoder);
    write(&mut out).expect("counting never fails");
    out.into_inner().map_err(|e| e.into_error()).and_then(|gz| gz.finish()).expect("counting never fails").0
}

type Gzipping = std::io::BufWriter<flate2::write::GzEncoder<Counted>>;

fn gzipped_len(text: &str) -> usize {
    use std::io::Write;
    gzipped_size(|out| out.write_all(text.as_bytes()))
}

/// Counts what is written and keeps none of it: only the size is wanted.
struct Counted(usize);

impl std::io::Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The rules to describe: the run's, plus any rule a finding names that the run did not
/// load (taken from the built-in catalog, or described by its id alone), so that every
/// result has its rule and a rule index.
fn descriptors(rules: &[Rule], findings: &[&Finding]) -> Vec<ReportingDescriptor> {
    let mut out: Vec<ReportingDescriptor> = rules.iter().map(descriptor).collect();
    let mut known: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    for f in findings {
        if known.insert(f.rule_id.as_str()) {
            out.push(match crate::rules::builtin(&f.rule_id) {
                Some(rule) => descriptor(&rule),
                None => ReportingDescriptor::builder()
                    .id(&f.rule_id)
                    .short_description(text(&format!("{} (not in the loaded rule catalog)", f.rule_id)))
                    .build(),
            });
        }
    }
    out
}

/// `scan`'s run with `findings` as its results, described and with its notifications.
fn render_run<'a>(scan: &ScanResult, rules: &[Rule], findings: Vec<&'a Finding>, left_out: usize) -> AccountRun<'a> {
    let descriptors = descriptors(rules, &findings);
    let rule_index = descriptors.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    let mut notifications: Vec<Notification> = scan
        .collection_gaps
        .iter()
        .map(|g| {
            Notification::builder()
                .level(json!("error"))
                .message(Message::builder().text(format!("collection gap: {g}")).build())
                .build()
        })
        .chain(scan.stale_exceptions.iter().map(|e| {
            Notification::builder()
                .level(json!("warning"))
                .message(
                    Message::builder()
                        .text(format!(
                            "stale exception: {} on {} matches no finding ({}:{})",
                            e.rule, e.resource, e.location.path, e.location.line
                        ))
                        .build(),
                )
                .build()
        }))
        .collect();
    if left_out > 0 {
        let text = format!(
            "{left_out} of {} results were left out to stay within GitHub's limits ({} results and {} MB gzipped per \
             upload); the least severe went first, known findings before new ones. The JSON report (--json) has every finding.",
            findings.len() + left_out,
            limits::RESULTS_PER_RUN,
            limits::GZIP_BYTES / (1024 * 1024),
        );
        notifications.push(
            Notification::builder().level(json!("warning")).message(Message::builder().text(text).build()).build(),
        );
    }
    let mut invocation = Invocation::builder().execution_successful(scan.collection_gaps.is_empty()).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = ToolComponent::builder()
        .name("driftscan")
        .version(crate::VERSION)
        .semantic_version(crate::VERSION)
        .rules(descriptors)
        .build();
    let root = ArtifactLocation::builder()
        .description(
            Message::builder()
                .text("The root of the git work tree that holds the baselines (or --source-root).")
                .build(),
        )
        .build();
    AccountRun {
        automation_details: RunAutomationDetails::builder().id(format!("driftscan/{}/", scan.account_id)).build(),
        column_kind: "utf16CodeUnits",
        invocations: [invocation],
        original_uri_base_ids: BTreeMap::from([(URI_BASE_ID.to_string(), root)]),
        results: Results { findings, rule_index },
        tool: Tool::builder().driver(driver).build(),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::findings::{Category, Location};
    use crate::snapshot::ResourceType;
    use serde_sarif::sarif::{Run, Sarif};

    pub(in crate::report) fn finding(rule_id: &str, i: usize, severity: Severity, state: BaselineState) -> Finding {
        Finding {
            rule_id: rule_id.to_string(),
            category: Category::ConfigDrift,
            severity,
            baseline_state: state,
            resource_type: ResourceType::S3Bucket,
            resource_id: format!("arn:aws:s3:::bucket-{i:06}"),
            field: None,
            baseline: None,
            current: None,
            message: format!("bucket-{i:06} drifted ({:x})", i.wrapping_mul(2654435761)),
            location: Location { path: "baselines/111122223333/s3.json".into(), line: i + 1 },
            fingerprint: format!("{:016x}", i.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            suppression: None,
            related_changes: Vec::new(),
        }
    }

    pub(in crate::report) fn scan(findings: Vec<Finding>) -> ScanResult {
        ScanResult {
            account_id: "111122223333".into(),
            scanned_at: chrono::DateTime::UNIX_EPOCH,
            regions: vec!["us-east-1".into()],
            collection_gaps: Vec::new(),
            findings,
            stale_exceptions: Vec::new(),
        }
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    /// `run` as serde_sarif's `Run`, its results built in: what the streamed text must read as.
    fn whole(run: AccountRun) -> Run {
        let ids: Vec<&str> = run.tool.driver.rules.iter().flatten().map(|d| d.id.as_str()).collect();
        let index = |f: &Finding| ids.iter().position(|id| *id == f.rule_id).unwrap();
        let results: Vec<SarifResult> = run.results.findings.iter().map(|f| result(f, index(f))).collect();
        Run::builder()
            .tool(run.tool)
            .automation_details(run.automation_details)
            .original_uri_base_ids(run.original_uri_base_ids)
            .invocations(run.invocations.to_vec())
            .results(results)
            .column_kind(json!(run.column_kind))
            .build()
    }

    /// serde_sarif's log of `runs`, pretty-printed by serde_json in one go.
    fn log_text(runs: Vec<Run>) -> String {
        let log = Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(runs).build();
        let mut out = serde_json::to_string_pretty(&log).unwrap();
        out.push('\n');
        out
    }

    /// A synthetic account the size of the one that broke the limit: 26,200 findings.
    #[test]
    fn a_large_account_keeps_the_most_severe_new_findings_within_25000_results() {
        let rules = crate::rules::load_catalog(&[]).unwrap();
        let mut findings = Vec::new();
        for i in 0..26_000 {
            findings.push(finding("DS-CFG-002", i, Severity::Low, BaselineState::Unchanged));
        }
        for i in 26_000..26_100 {
            findings.push(finding("DS-IAM-001", i, Severity::Critical, BaselineState::New));
        }
        for i in 26_100..26_200 {
            findings.push(finding("DS-CFG-002", i, Severity::Low, BaselineState::New));
        }
        crate::findings::sort(&mut findings);
        let log = parse(&render(&scan(findings), &rules));
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), limits::RESULTS_PER_RUN);
        let count = |rule: &str, state: &str| {
            results.iter().filter(|r| r["ruleId"] == rule && r["baselineState"] == state).count()
        };
        assert_eq!(count("DS-IAM-001", "new"), 100, "every critical kept");
        assert_eq!(count("DS-CFG-002", "new"), 100, "new before unchanged at the same severity");
        assert_eq!(count("DS-CFG-002", "unchanged"), 24_800);
        let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        let text = notes.iter().map(|n| n["message"]["text"].as_str().unwrap()).collect::<Vec<_>>().join("\n");
        assert!(text.contains("1200 of 26200 results were left out") && text.contains("--json"), "{text}");
        assert!(gzipped_len(&render(&scan(Vec::new()), &rules)) < limits::GZIP_BYTES);
    }

    #[test]
    fn the_gzipped_size_limit_is_kept_by_leaving_results_out() {
        let rules = crate::rules::load_catalog(&[]).unwrap();
        let findings: Vec<Finding> =
            (0..3_000).map(|i| finding("DS-CFG-002", i, Severity::Medium, BaselineState::New)).collect();
        let limit = 40_000;
        let full = render_within(&scan(findings.clone()), &rules, limits::RESULTS_PER_RUN, usize::MAX);
        assert!(gzipped_len(&full) > limit, "the test needs an over-size file");
        let text = render_within(&scan(findings), &rules, limits::RESULTS_PER_RUN, limit);
        assert!(gzipped_len(&text) <= limit);
        let log = parse(&text);
        let kept = log["runs"][0]["results"].as_array().unwrap().len();
        assert!(kept > 0 && kept < 3_000, "{kept}");
        let note = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
        assert!(note.as_str().unwrap().contains(&format!("{} of 3000 results were left out", 3_000 - kept)), "{note}");
    }

    #[test]
    fn results_written_one_at_a_time_read_as_the_whole_run_pretty_printed() {
        let rules = crate::rules::load_catalog(&[]).unwrap();
        let findings = vec![
            finding("DS-CFG-002", 1, Severity::Low, BaselineState::New),
            finding("DS-IAM-001", 2, Severity::Critical, BaselineState::Unchanged),
            finding("X-LOCAL-1", 3, Severity::Medium, BaselineState::New),
        ];
        let scan = scan(findings);
        let run = render_run(&scan, &rules, scan.findings.iter().collect(), 0);
        assert_eq!(render(&scan, &rules), log_text(vec![whole(run)]));
    }

    #[test]
    fn a_finding_of_a_rule_outside_the_rule_set_has_a_descriptor() {
        let findings = vec![
            finding("DS-CFG-008", 1, Severity::Medium, BaselineState::New),
            finding("X-LOCAL-1", 2, Severity::Low, BaselineState::New),
        ];
        let log = parse(&render(&scan(findings), &[]));
        let run = &log["runs"][0];
        let ids: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["DS-CFG-008", "X-LOCAL-1"]);
        assert!(
            run["tool"]["driver"]["rules"][0]["properties"]["security-severity"].is_string(),
            "the built-in rule in full"
        );
        assert_eq!(run["results"][1]["ruleIndex"], 1);
    }

    #[test]
    fn locations_are_relative_to_the_source_root() {
        let log = parse(&render(&scan(vec![finding("DS-CFG-002", 1, Severity::Low, BaselineState::New)]), &[]));
        let run = &log["runs"][0];
        let artifact = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], URI_BASE_ID);
        assert_eq!(artifact["uri"], "baselines/111122223333/s3.json");
        assert!(run["originalUriBaseIds"][URI_BASE_ID].is_object());
    }

    /// Every file of an organization's SARIF, as text.
    fn org_files(org: &crate::org::OrgResult, max_gzip_bytes: usize) -> Vec<String> {
        let files = OrgFiles::plan_within(org, &[], max_gzip_bytes).unwrap();
        (0..files.len())
            .map(|i| {
                let mut text = String::new();
                files
                    .write(i, &mut |piece| {
                        text.push_str(piece);
                        Ok(())
                    })
                    .unwrap();
                text
            })
            .collect()
    }

    #[test]
    fn an_organization_of_200_accounts_is_one_run_per_scanned_account_in_10_files_of_20_runs() {
        use crate::org::{AccountReport, OrgResult};
        let mut accounts: Vec<AccountReport> = (0..200)
            .map(|i| {
                let mut result = scan(vec![finding("DS-IAM-001", i, Severity::High, BaselineState::New)]);
                result.account_id = format!("{:012}", 100000000000u64 + i as u64);
                AccountReport::scanned(None, result, Vec::new())
            })
            .collect();
        accounts.push(AccountReport::failed("999999999999".into(), None, "AccessDenied".into()));
        let org = OrgResult::new(accounts).unwrap();
        let files: Vec<Value> = org_files(&org, limits::GZIP_BYTES).iter().map(|f| parse(f)).collect();
        // 200 accounts: 10 files of 20 runs (README § Organizations).
        assert_eq!(files.len(), 10);
        let ids: Vec<String> = files
            .iter()
            .flat_map(|f| f["runs"].as_array().unwrap().iter())
            .map(|r| r["automationDetails"]["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(files[0]["runs"].as_array().unwrap().len(), 20);
        assert_eq!(ids.len(), 200, "no run for the failed account: an empty run would close its alerts");
        assert_eq!(ids[0], "driftscan/100000000000/");
        assert!(!ids.iter().any(|id| id.contains("999999999999")));
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), 200, "one category per run");
    }

    #[test]
    fn files_are_split_to_stay_under_the_gzipped_size_limit() {
        use crate::org::{AccountReport, OrgResult};
        let accounts: Vec<AccountReport> = (0..6)
            .map(|i| {
                let mut result = scan(
                    (0..200).map(|j| finding("DS-IAM-001", i * 1000 + j, Severity::High, BaselineState::New)).collect(),
                );
                result.account_id = format!("{:012}", 100000000000u64 + i as u64);
                AccountReport::scanned(None, result, Vec::new())
            })
            .collect();
        let org = OrgResult::new(accounts).unwrap();
        let one = gzipped_len(&org_files(&org, limits::GZIP_BYTES)[0]) / 6;
        let files = org_files(&org, one * 5 / 2);
        assert!(files.len() >= 3, "{} files", files.len());
        assert!(files.iter().all(|f| gzipped_len(f) <= one * 5 / 2));
        let total: usize = files.iter().map(|f| parse(f)["runs"].as_array().unwrap().len()).sum();
        assert_eq!(total, 6);
    }

    #[test]
    fn a_streamed_file_is_the_log_of_its_runs() {
        use crate::org::{AccountReport, OrgResult};
        let results: Vec<ScanResult> = (0..3)
            .map(|i| {
                let mut result = scan(vec![finding("DS-IAM-001", i, Severity::High, BaselineState::New)]);
                result.account_id = format!("{:012}", 100000000000u64 + i as u64);
                result
            })
            .collect();
        // Small runs: every finding fits. The reference has its results inside serde_sarif's
        // structs, pretty-printed by serde_json in one go (the streamed text builds each
        // result as it is written).
        let runs = results.iter().map(|r| whole(render_run(r, &[], r.findings.iter().collect(), 0)));
        let expected = log_text(runs.collect());
        let org =
            OrgResult::new(results.into_iter().map(|r| AccountReport::scanned(None, r, Vec::new())).collect()).unwrap();
        assert_eq!(org_files(&org, limits::GZIP_BYTES), [expected]);
        let none = OrgResult::new(vec![AccountReport::failed("999999999999".into(), None, "x".into())]).unwrap();
        assert_eq!(org_files(&none, limits::GZIP_BYTES), [log_text(Vec::new())]);
    }
}
