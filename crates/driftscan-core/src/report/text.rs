//! The human report: findings grouped by severity, one line each, then a summary line.

use std::fmt::Write;
use strum::VariantArray;

use anstyle::{AnsiColor, Style};

use crate::arn::short_name;
use crate::findings::{BaselineState, Finding, ScanResult, Severity};

fn style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Critical => AnsiColor::BrightRed,
        Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

fn paint(text: &str, style: Style, color: bool) -> String {
    if color { format!("{style}{text}{style:#}") } else { text.to_string() }
}

fn line(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "  {:<9} {:<11} {} {}: {}  ({}:{})",
        f.baseline_state.as_str(),
        f.rule_id,
        f.resource_type,
        short_name(&f.resource_id),
        f.message,
        f.location.path,
        f.location.line
    );
}

pub fn render(result: &ScanResult, color: bool) -> String {
    // About a line per finding, sized up front: grown by doubling, a large account's 15 MB
    // report was copied four times over into fresh memory.
    let estimate = |f: &Finding| f.message.len() + f.location.path.len() + f.resource_id.len() + 64;
    let mut out = String::with_capacity(result.findings.iter().map(estimate).sum());
    let _ = writeln!(
        out,
        "driftscan {} · account {} · scanned {} · regions {}",
        crate::VERSION,
        result.account_id,
        result.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        if result.regions.is_empty() { "-".to_string() } else { result.regions.join(", ") }
    );
    for &severity in Severity::VARIANTS {
        let group: Vec<&Finding> = result.findings.iter().filter(|f| f.is_open() && f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let _ =
            writeln!(out, "\n{} ({})", paint(&severity.as_str().to_uppercase(), style(severity), color), group.len());
        group.into_iter().for_each(|f| line(&mut out, f));
    }
    let suppressed: Vec<&Finding> = result.findings.iter().filter(|f| f.suppression.is_some()).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "\nSUPPRESSED by exceptions ({})", suppressed.len());
        for f in &suppressed {
            line(&mut out, f);
            if let Some(s) = &f.suppression {
                let until = s.expires.map(|d| format!(" until {d}")).unwrap_or_default();
                let owner = s.owner.as_deref().map(|o| format!(", owner {o}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "            accepted{until}{owner}: {}  ({}:{})",
                    s.reason, s.location.path, s.location.line
                );
            }
        }
    }
    let resolved: Vec<&Finding> =
        result.findings.iter().filter(|f| f.baseline_state == BaselineState::Absent).collect();
    if !resolved.is_empty() {
        let _ = writeln!(out, "\nRESOLVED since the baseline ({})", resolved.len());
        resolved.iter().for_each(|f| line(&mut out, f));
    }
    if !result.stale_exceptions.is_empty() {
        let _ =
            writeln!(out, "\nSTALE EXCEPTIONS ({}): they match no finding; remove them", result.stale_exceptions.len());
        for e in &result.stale_exceptions {
            let _ = writeln!(out, "  {} on {}  ({}:{})", e.rule, e.resource, e.location.path, e.location.line);
        }
    }
    if !result.collection_gaps.is_empty() {
        let title = format!("COLLECTION GAPS ({}): the report is incomplete", result.collection_gaps.len());
        let _ = writeln!(out, "\n{}", paint(&title, style(Severity::Critical), color));
        for g in &result.collection_gaps {
            let _ = writeln!(out, "  {g}");
        }
    }
    let counts: Vec<String> = result.summary().into_iter().map(|(s, n)| format!("{n} {s}")).collect();
    let new = result.findings.iter().filter(|f| f.is_open() && f.baseline_state == BaselineState::New).count();
    let _ = writeln!(
        out,
        "\nSummary: {} · {new} new since the baseline · {} resolved{}{}",
        counts.join(", "),
        resolved.len(),
        if suppressed.is_empty() { String::new() } else { format!(" · {} suppressed", suppressed.len()) },
        if result.collection_gaps.is_empty() {
            String::new()
        } else {
            format!(" · {} collection gaps", result.collection_gaps.len())
        }
    );
    out
}
