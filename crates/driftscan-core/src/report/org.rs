//! The human reports of several accounts (an organization): the organization summary first
//! (accounts × severity, failed accounts loudly), then each account's own report, handed
//! to the sink one account at a time.

use std::fmt::Write;

use strum::VariantArray;

use super::{Sink, html, markdown, text};
use crate::error::Result;
use crate::findings::Severity;
use crate::org::{AccountStatus, AccountSummary, OrgResult};
use crate::rules::Rule;

fn counts(org: &OrgResult) -> (usize, usize, usize) {
    let of = |s: AccountStatus| org.accounts.iter().filter(|a| a.status == s).count();
    (org.accounts.len(), of(AccountStatus::Failed), of(AccountStatus::Partial))
}

fn headline(org: &OrgResult) -> String {
    let (all, failed, partial) = counts(org);
    let open: usize = org.summary().iter().map(|(_, n)| n).sum();
    format!(
        "{all} accounts: {} scanned completely, {partial} partially, {failed} FAILED · {open} open findings",
        all - failed - partial
    )
}

fn name(a: &AccountSummary) -> &str {
    a.name.as_deref().unwrap_or("-")
}

pub fn text(org: &OrgResult, color: bool, sink: &mut Sink) -> Result<()> {
    let mut out = format!("driftscan {} · organization · {}\n", crate::VERSION, headline(org));
    let _ = write!(out, "\n  {:<12}  {:<24} {:<8}", "account", "name", "status");
    for s in Severity::VARIANTS {
        let _ = write!(out, " {:>8}", s.as_str());
    }
    out.push('\n');
    for a in &org.accounts {
        let _ = write!(out, "  {:<12}  {:<24} {:<8}", a.account_id, name(a), a.status.as_str());
        for (_, n) in &a.summary {
            let _ = write!(out, " {n:>8}");
        }
        out.push('\n');
    }
    let failed: Vec<&AccountSummary> = org.failed().collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nFAILED ACCOUNTS ({}): not scanned, nothing about them is known", failed.len());
        for a in failed {
            let _ =
                writeln!(out, "  {} ({}): {}", a.account_id, name(a), a.error.as_deref().unwrap_or("unknown error"));
        }
    }
    sink(&out)?;
    org.each_scanned(&mut |_, r, _| sink(&format!("\n{}", text::render(r, color))))
}

pub fn markdown(org: &OrgResult, sink: &mut Sink) -> Result<()> {
    let mut out = format!("# driftscan organization report\n\n{}\n\n", headline(org));
    out.push_str("| account | name | status |");
    for s in Severity::VARIANTS {
        let _ = write!(out, " {} |", s.as_str());
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---:|".repeat(Severity::VARIANTS.len()));
    out.push('\n');
    for a in &org.accounts {
        let status = match a.status {
            AccountStatus::Failed => "**FAILED**",
            other => other.as_str(),
        };
        let _ = write!(out, "| {} | {} | {status} |", a.account_id, name(a).replace('|', "\\|"));
        for (_, n) in &a.summary {
            let _ = write!(out, " {n} |");
        }
        out.push('\n');
    }
    let failed: Vec<&AccountSummary> = org.failed().collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\n**{} account(s) could not be scanned:**\n", failed.len());
        for a in failed {
            let _ =
                writeln!(out, "- `{}` ({}): {}", a.account_id, name(a), a.error.as_deref().unwrap_or("unknown error"));
        }
    }
    sink(&out)?;
    org.each_scanned(&mut |_, r, drift| sink(&format!("\n---\n\n{}", markdown::render(r, drift))))
}

/// One page: the summary, then each account's own report (the single-account page, with
/// its filters) in a frame of its own, so that the page stays self-contained.
pub fn html(org: &OrgResult, rules: &[Rule], sink: &mut Sink) -> Result<()> {
    let esc = html::esc;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>driftscan · organization</title><style>{STYLE}</style></head><body>\n\
         <h1>driftscan organization report</h1>\n<p>{}</p>\n<table><thead><tr><th>account</th><th>name</th><th>status</th>",
        esc(&headline(org))
    );
    for s in Severity::VARIANTS {
        let _ = write!(out, "<th>{}</th>", s.as_str());
    }
    out.push_str("</tr></thead><tbody>\n");
    for a in &org.accounts {
        let _ = write!(
            out,
            "<tr class=\"{}\"><td><a href=\"#account-{id}\">{id}</a></td><td>{}</td><td>{}</td>",
            a.status.as_str(),
            esc(name(a)),
            a.status.as_str(),
            id = esc(&a.account_id)
        );
        for (_, n) in &a.summary {
            let _ = write!(out, "<td>{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    for a in org.failed() {
        let _ = writeln!(
            out,
            "<p class=\"failed\" id=\"account-{id}\">Account {id} ({}) FAILED: {}</p>",
            esc(name(a)),
            esc(a.error.as_deref().unwrap_or("unknown error")),
            id = esc(&a.account_id)
        );
    }
    sink(&out)?;
    org.each_scanned(&mut |a, r, drift| {
        let page = html::render(r, rules, drift);
        sink(&format!(
            "<h2 id=\"account-{id}\">Account {id} ({})</h2>\n<iframe title=\"account {id}\" srcdoc=\"{}\"></iframe>\n",
            esc(name(a)),
            esc(&page),
            id = esc(&a.account_id)
        ))
    })?;
    sink("</body></html>\n")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:nth-child(-n+3),th:nth-child(-n+3){text-align:left}\
tr.failed td,.failed{color:#b00;font-weight:bold}iframe{width:100%;height:80vh;border:1px solid #ccc}";
