//! A Markdown summary for `$GITHUB_STEP_SUMMARY` and pull-request comments: counts by
//! severity and category, the top findings, collection gaps, and the drift folded away.

use std::fmt::Write;
use strum::VariantArray;

use crate::arn::short_name;
use crate::diff::{Change, ResourceDiff};
use crate::findings::{BaselineState, Category, Finding, ScanResult, Severity};

/// GitHub shows at most 1 MiB of step summary; the diff gets what the rest leaves.
const MAX_DIFF_BYTES: usize = 256 * 1024;
const TOP: usize = 25;

/// Table cells: no pipes or newlines, which would break the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(result: &ScanResult, diffs: &[ResourceDiff]) -> String {
    let mut out = String::new();
    let open: Vec<&Finding> = result.findings.iter().filter(|f| f.is_open()).collect();
    let new = open.iter().filter(|f| f.baseline_state == BaselineState::New).count();
    let suppressed = result.findings.iter().filter(|f| f.suppression.is_some()).count();
    let resolved = result.findings.iter().filter(|f| f.baseline_state == BaselineState::Absent).count();
    let _ = writeln!(out, "## driftscan · account {}\n", result.account_id);
    let _ = writeln!(
        out,
        "Scanned {} · regions {} · **{} open findings, {new} new since the baseline** · {suppressed} suppressed · {resolved} resolved\n",
        result.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        if result.regions.is_empty() { "-".to_string() } else { result.regions.join(", ") },
        open.len(),
    );
    if !result.collection_gaps.is_empty() {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **Collection incomplete**: {} gaps; findings about data that could not be read are missing.\n>",
            result.collection_gaps.len()
        );
        for g in &result.collection_gaps {
            let _ = writeln!(out, "> - {}", cell(&g.to_string()));
        }
        out.push('\n');
    }

    out.push_str("| Severity |");
    for &c in Category::VARIANTS {
        let _ = write!(out, " {} |", c.as_str());
    }
    out.push_str(" total | new |\n|---|");
    out.push_str(&"---:|".repeat(Category::VARIANTS.len() + 2));
    out.push('\n');
    for &s in Severity::VARIANTS {
        let of: Vec<&&Finding> = open.iter().filter(|f| f.severity == s).collect();
        let _ = write!(out, "| {} |", s.as_str());
        for &c in Category::VARIANTS {
            let _ = write!(out, " {} |", of.iter().filter(|f| f.category == c).count());
        }
        let _ = writeln!(
            out,
            " **{}** | {} |",
            of.len(),
            of.iter().filter(|f| f.baseline_state == BaselineState::New).count()
        );
    }

    if !open.is_empty() {
        let mut top = open.clone();
        // Worst first, and within a severity what is new since the baseline first.
        top.sort_by_key(|f| (f.severity, f.baseline_state != BaselineState::New));
        let _ = writeln!(
            out,
            "\n### Top findings\n\n| Severity | State | Rule | Resource | Finding | Baseline line |\n|---|---|---|---|---|---|"
        );
        for f in top.iter().take(TOP) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}` | {} | `{}:{}` |",
                f.severity.as_str(),
                f.baseline_state.as_str(),
                f.rule_id,
                cell(short_name(&f.resource_id)),
                cell(&f.message),
                f.location.path,
                f.location.line
            );
        }
        if open.len() > TOP {
            let _ = writeln!(out, "\n…and {} more in the SARIF and JSON reports.", open.len() - TOP);
        }
    }
    if !result.stale_exceptions.is_empty() {
        let _ = writeln!(out, "\n**Stale exceptions** (match no finding; remove them):\n");
        for e in &result.stale_exceptions {
            let _ = writeln!(out, "- `{}` on `{}` (`{}:{}`)", e.rule, e.resource, e.location.path, e.location.line);
        }
    }

    let drifted: Vec<&ResourceDiff> =
        diffs.iter().filter(|d| matches!(d.change, Change::Added | Change::Removed | Change::Changed(_))).collect();
    let _ =
        writeln!(out, "\n<details><summary>Drift: {} resources changed since the baseline</summary>\n", drifted.len());
    if !drifted.is_empty() {
        out.push_str("```diff\n");
        let mut used = 0;
        for (i, d) in drifted.iter().enumerate() {
            let text = crate::diff::unified(d);
            if used + text.len() > MAX_DIFF_BYTES {
                let _ = writeln!(out, "… {} more resources: run `driftscan diff`", drifted.len() - i);
                break;
            }
            used += text.len();
            out.push_str(&text);
        }
        out.push_str("```\n");
    }
    out.push_str("\n</details>\n");
    out
}
