//! The quarterly access review (`driftscan access-review`): one row per IAM principal
//! (user, role, group) with what a reviewer decides on: administrator-equivalent or not,
//! the services it can write to, its escalation paths, who can assume it, MFA, console and
//! key use, key age, groups, and blank reviewer and decision columns. The judgements come
//! from the rule analyzers (admin equivalence, escalation paths, trust), so the review and
//! the scan never disagree.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::error::Result;
use crate::iam::{AdminGrant, Decision, Policies, PolicyIndex, RoleGraph, paths, trust};
use crate::redact::mask_key_id;
use crate::report::html::esc;
use crate::snapshot::iam::MfaKind;
use crate::snapshot::policy::Effect;
use crate::snapshot::{ResourceType, Snapshot};
use chrono::{DateTime, Utc};

/// How much attention a principal needs, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    /// Administrator-equivalent, or a path to it.
    High,
    /// Writes somewhere, a risky trust, console without MFA, or an old active key.
    Medium,
    Low,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::High => "high",
            Risk::Medium => "medium",
            Risk::Low => "low",
        }
    }
}

/// One principal to review.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub account_id: String,
    pub kind: &'static str,
    pub name: String,
    pub arn: String,
    pub risk: Risk,
    /// Why it is administrator-equivalent (the admin rule's words), or `None`.
    pub admin: Option<String>,
    /// Services with an allowed action that is not a read; `*` for every service.
    pub writes: Vec<String>,
    pub escalation: Vec<String>,
    /// Roles: the principals its trust policy lets assume it (`AWS:arn…`, `Service:…`).
    pub trusted_by: Vec<String>,
    /// Roles: what is risky about that trust (the trust rule's words).
    pub trust_risks: Vec<String>,
    /// Users: MFA kind.
    pub mfa: Option<&'static str>,
    pub console: Option<bool>,
    pub password_last_used: Option<DateTime<Utc>>,
    /// Users: `AKIA…MPLE active, 412 days, last used 2026-11-01`.
    pub keys: Vec<String>,
    /// Users: their groups; groups: their members.
    pub groups: Vec<String>,
}

/// Action name prefixes that only read.
const READS: [&str; 12] =
    ["Get", "List", "Describe", "Head", "BatchGet", "Query", "Scan", "View", "Lookup", "Search", "Simulate", "Check"];

/// Actions that build a report to read and change nothing.
const REPORTS: [&str; 2] = ["GenerateCredentialReport", "GenerateServiceLastAccessedDetails"];

fn is_read(action: &str) -> bool {
    let name = action.split_once(':').map_or(action, |(_, n)| n);
    READS.iter().any(|p| name.starts_with(p)) || REPORTS.iter().any(|r| name.eq_ignore_ascii_case(r))
}

/// Services the policies allow a non-read action of. A wildcard pattern counts as written
/// (it may match a write); an exact action denied or outside the boundary does not.
fn write_services(policies: &Policies) -> Vec<String> {
    let mut out = BTreeSet::new();
    for (_, doc) in &policies.identity {
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            if s.is_not_action() {
                out.insert("*".to_string());
                continue;
            }
            for a in &s.action {
                if a == "*" {
                    out.insert("*".to_string());
                    continue;
                }
                let Some((service, _)) = a.split_once(':') else { continue };
                if is_read(a) {
                    continue;
                }
                if !a.contains(['*', '?']) && policies.evaluate(a, "*").0 == Decision::NotAllowed {
                    continue;
                }
                out.insert(service.to_ascii_lowercase());
            }
        }
    }
    if out.contains("*") {
        return vec!["*".to_string()];
    }
    out.into_iter().collect()
}

/// Every user, role and group of the snapshot, riskiest first, then by kind and name.
pub fn review(facts: &Snapshot) -> Vec<Row> {
    let iam = &facts.iam;
    let graph = RoleGraph::new(facts);
    let now = facts.meta.scanned_at;
    let mut rows = Vec::new();
    let principals = iam
        .users
        .iter()
        .map(|(arn, u)| (ResourceType::IamUser, "user", arn, &u.name))
        .chain(iam.roles.iter().map(|(arn, r)| (ResourceType::IamRole, "role", arn, &r.name)))
        .chain(iam.groups.iter().map(|(arn, g)| (ResourceType::IamGroup, "group", arn, &g.name)));
    let index = PolicyIndex::build(facts);
    for (kind, kind_name, arn, name) in principals {
        let owned;
        let policies = match index.get(arn) {
            Some(p) => p,
            None => {
                owned = Policies::of(facts, kind, arn);
                &owned
            }
        };
        let admin = AdminGrant::of(policies).map(|grant| grant.to_string());
        // None for an administrator: it has every path already.
        let escalation: Vec<String> =
            paths::of(facts, kind, arn, policies, &graph).into_iter().map(|p| p.detail).collect();
        let writes = write_services(policies);
        let mut row = Row {
            account_id: facts.meta.account_id.clone(),
            kind: kind_name,
            name: name.clone(),
            arn: arn.clone(),
            risk: Risk::Low,
            admin,
            writes,
            escalation,
            trusted_by: Vec::new(),
            trust_risks: Vec::new(),
            mfa: None,
            console: None,
            password_last_used: None,
            keys: Vec::new(),
            groups: Vec::new(),
        };
        let mut weak_credentials = false;
        match kind {
            ResourceType::IamUser => {
                let u = &iam.users[arn];
                row.mfa = Some(match u.mfa {
                    MfaKind::None => "none",
                    MfaKind::Virtual => "virtual",
                    MfaKind::Hardware => "hardware",
                });
                row.console = Some(u.console_password);
                row.password_last_used = u.password_last_used;
                row.groups = u.groups.clone();
                for k in &u.access_keys {
                    let age = k.created.map(|c| (now - c).num_days());
                    weak_credentials |= k.is_active() && age.is_some_and(|d| d > 90);
                    let mut text = format!("{} {}", mask_key_id(&k.id), k.status.to_ascii_lowercase());
                    if let Some(d) = age {
                        let _ = write!(text, ", {d} days old");
                    }
                    match k.last_used {
                        Some(t) => {
                            let _ = write!(text, ", last used {}", t.date_naive());
                        }
                        None => text.push_str(", never used"),
                    }
                    row.keys.push(text);
                }
                weak_credentials |= u.console_password && u.mfa == MfaKind::None;
            }
            ResourceType::IamRole => {
                let role = &iam.roles[arn];
                row.trusted_by = trust::trusted_principals(role).into_iter().collect();
                row.trust_risks = trust::risks(role, &facts.meta.account_id).into_iter().map(|r| r.reason).collect();
            }
            _ => {
                row.groups = iam.users.values().filter(|u| u.groups.contains(name)).map(|u| u.name.clone()).collect();
            }
        }
        row.risk = if row.admin.is_some() || !row.escalation.is_empty() {
            Risk::High
        } else if !row.writes.is_empty() || !row.trust_risks.is_empty() || weak_credentials {
            Risk::Medium
        } else {
            Risk::Low
        };
        rows.push(row);
    }
    rows.sort_by(|a, b| (a.risk, &a.account_id, a.kind, &a.name).cmp(&(b.risk, &b.account_id, b.kind, &b.name)));
    rows
}

pub const COLUMNS: [&str; 18] = [
    "account_id",
    "kind",
    "name",
    "arn",
    "risk",
    "admin_equivalent",
    "admin_detail",
    "writes_to",
    "escalation_paths",
    "trusted_by",
    "trust_risks",
    "mfa",
    "console",
    "password_last_used",
    "access_keys",
    "groups",
    "reviewer",
    "decision",
];

fn cells(r: &Row) -> Vec<String> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        r.account_id.clone(),
        r.kind.to_string(),
        r.name.clone(),
        r.arn.clone(),
        r.risk.as_str().to_string(),
        if r.admin.is_some() { "yes" } else { "no" }.to_string(),
        opt(r.admin.clone()),
        r.writes.join(" "),
        r.escalation.join("; "),
        r.trusted_by.join(" "),
        r.trust_risks.join("; "),
        opt(r.mfa.map(str::to_string)),
        opt(r.console.map(|c| if c { "yes" } else { "no" }.to_string())),
        opt(r.password_last_used.map(|t| t.date_naive().to_string())),
        r.keys.join("; "),
        r.groups.join(" "),
        String::new(),
        String::new(),
    ]
}

/// The review as CSV, for a spreadsheet the reviewers fill in.
pub fn csv(rows: &[Row]) -> Result<String> {
    crate::output::csv_table("access review CSV", &COLUMNS, rows.iter().map(cells))
}

/// The review as one self-contained page, grouped by risk. `failed` lists accounts that
/// could not be read (they are not in the review, and the page says so).
pub fn html(rows: &[Row], failed: &[(String, String)]) -> String {
    let mut s = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>driftscan access review</title><style>\
         body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}h2{margin-top:2rem}\
         table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6ec;vertical-align:top}\
         th{background:#f6f7f9}.high{color:#b00020}.medium{color:#a87b00}.low{color:#2b8a3e}\
         .warn{background:#fff4e5;border-left:4px solid #e8590c;padding:.6rem 1rem}td.blank{min-width:8rem}\
         </style></head><body>\n<h1>Access review</h1>\n",
    );
    let accounts: BTreeSet<&str> = rows.iter().map(|r| r.account_id.as_str()).collect();
    let _ = writeln!(
        s,
        "<p>driftscan {} · {} principals in {} account(s) · fill in the reviewer and decision columns (keep, reduce, remove).</p>",
        crate::VERSION,
        rows.len(),
        accounts.len()
    );
    if !failed.is_empty() {
        s.push_str("<div class=\"warn\"><b>Accounts that could not be read, not in this review:</b><ul>");
        for (id, why) in failed {
            let _ = write!(s, "<li>{}: {}</li>", esc(id), esc(why));
        }
        s.push_str("</ul></div>\n");
    }
    for risk in [Risk::High, Risk::Medium, Risk::Low] {
        let group: Vec<&Row> = rows.iter().filter(|r| r.risk == risk).collect();
        let _ = writeln!(s, "<h2 id=\"risk-{0}\" class=\"{0}\">{0} risk ({1})</h2>", risk.as_str(), group.len());
        if group.is_empty() {
            continue;
        }
        s.push_str("<table><thead><tr><th>Account</th><th>Principal</th><th>Admin-equivalent</th><th>Writes to</th><th>Escalation paths</th><th>Trusted by</th><th>MFA</th><th>Console (last used)</th><th>Access keys</th><th>Groups / members</th><th>Reviewer</th><th>Decision</th></tr></thead><tbody>\n");
        for r in group {
            let console = match (r.console, r.password_last_used) {
                (Some(true), Some(t)) => format!("yes ({})", t.date_naive()),
                (Some(true), None) => "yes (never used)".into(),
                (Some(false), _) => "no".into(),
                (None, _) => String::new(),
            };
            let trust = r.trusted_by.iter().chain(&r.trust_risks).map(|t| esc(t)).collect::<Vec<_>>().join("<br>");
            let _ = writeln!(
                s,
                "<tr data-risk=\"{}\"><td>{}</td><td>{} <b>{}</b><br><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"blank\"></td><td class=\"blank\"></td></tr>",
                risk.as_str(),
                esc(&r.account_id),
                r.kind,
                esc(&r.name),
                esc(&r.arn),
                r.admin.as_deref().map(|d| format!("<b>yes</b>: {}", esc(d))).unwrap_or_else(|| "no".into()),
                esc(&r.writes.join(", ")),
                r.escalation.iter().map(|e| esc(e)).collect::<Vec<_>>().join("<br>"),
                trust,
                r.mfa.unwrap_or(""),
                console,
                r.keys.iter().map(|k| esc(k)).collect::<Vec<_>>().join("<br>"),
                esc(&r.groups.join(", ")),
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str("</body></html>\n");
    s
}
