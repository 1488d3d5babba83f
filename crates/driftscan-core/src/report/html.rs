//! A self-contained HTML report for auditors and managers: one file, no external assets
//! (a Content-Security-Policy forbids any fetch), the findings table filterable by
//! severity, category and state, the SOC 2 criteria of each finding, and the drift diff
//! per resource. Filters can be preset with the URL fragment, e.g. `#severity=critical`.

use std::collections::BTreeMap;
use std::fmt::Write;
use strum::VariantArray;

use crate::arn::short_name;
use crate::diff::{Change, ResourceDiff};
use crate::findings::{BaselineState, Category, Finding, ScanResult, Severity};
use crate::rules::Rule;

pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin-top:2rem}
.meta{color:#5b6475;margin-bottom:1rem}
.counts span{display:inline-block;margin-right:.6rem;padding:.15rem .5rem;border-radius:.3rem;background:#eef0f4}
.gaps{background:#fff4e5;border-left:4px solid #e8590c;padding:.6rem 1rem;margin:1rem 0}
.filters{margin:1rem 0;display:flex;gap:.8rem;flex-wrap:wrap;align-items:center}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
th{background:#f6f7f9;position:sticky;top:0}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}
.critical{color:#b00020}.high{color:#d9480f}.medium{color:#a87b00}.low{color:#1971c2}.info{color:#5b6475}
.state-new{font-weight:600} .suppressed{opacity:.6}
code{font:12px ui-monospace,monospace} pre{background:#f6f7f9;padding:.6rem;overflow:auto;font:12px ui-monospace,monospace}
.add{color:#2b8a3e}.del{color:#c92a2a}.hunk{color:#1971c2}
tr.hidden{display:none}
"#;

const SCRIPT: &str = r#"
function applyFilters(){
  var sev=document.getElementById('f-severity').value, cat=document.getElementById('f-category').value,
      st=document.getElementById('f-state').value, q=document.getElementById('f-text').value.toLowerCase();
  var rows=document.querySelectorAll('#findings tbody tr'), shown=0;
  rows.forEach(function(r){
    var ok=(!sev||r.dataset.severity===sev)&&(!cat||r.dataset.category===cat)&&(!st||r.dataset.state===st)
      &&(!q||r.textContent.toLowerCase().indexOf(q)>=0);
    r.classList.toggle('hidden',!ok); if(ok){shown++;}
  });
  document.getElementById('shown').textContent=shown+' of '+rows.length+' findings shown';
}
function presetFromHash(){
  var h=decodeURIComponent(location.hash.replace(/^#/,''));
  h.split('&').forEach(function(kv){var p=kv.split('='), el=document.getElementById('f-'+p[0]); if(el&&p.length===2){el.value=p[1];}});
}
document.addEventListener('DOMContentLoaded',function(){
  ['f-severity','f-category','f-state','f-text'].forEach(function(id){document.getElementById(id).addEventListener('input',applyFilters);});
  presetFromHash(); applyFilters();
});
"#;

fn state_of(f: &Finding) -> &'static str {
    if f.suppression.is_some() { "suppressed" } else { f.baseline_state.as_str() }
}

fn select(id: &str, label: &str, options: &[&str]) -> String {
    let mut out = format!("<label>{label} <select id=\"f-{id}\"><option value=\"\">all</option>");
    for o in options {
        let _ = write!(out, "<option value=\"{o}\">{o}</option>");
    }
    out.push_str("</select></label>");
    out
}

fn diff_html(d: &ResourceDiff) -> String {
    let mut out = String::new();
    for line in crate::diff::unified(d).lines() {
        let class = if line.starts_with("+++") || line.starts_with("---") {
            ""
        } else if line.starts_with('+') {
            "add"
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with("@@") {
            "hunk"
        } else {
            ""
        };
        let _ = writeln!(out, "<span class=\"{class}\">{}</span>", esc(line));
    }
    out
}

pub fn render(result: &ScanResult, rules: &[Rule], diffs: &[ResourceDiff]) -> String {
    let soc2: BTreeMap<&str, String> = rules.iter().map(|r| (r.id.as_str(), r.soc2.join(", "))).collect();
    let titles: BTreeMap<&str, &str> = rules.iter().map(|r| (r.id.as_str(), r.title.as_str())).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>driftscan · account {acct}</title><style>{STYLE}</style><script>{SCRIPT}</script></head><body>\n",
        acct = esc(&result.account_id)
    );
    let open = result.findings.iter().filter(|f| f.is_open()).count();
    let new = result.findings.iter().filter(|f| f.is_open() && f.baseline_state == BaselineState::New).count();
    let _ = writeln!(out, "<h1>driftscan · account {}</h1>", esc(&result.account_id));
    let _ = writeln!(
        out,
        "<div class=\"meta\">Scanned {} · regions {} · driftscan {} · {open} open findings, {new} new since the approved baseline</div>",
        result.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        esc(&result.regions.join(", ")),
        crate::VERSION
    );
    out.push_str("<div class=\"counts\">");
    for (s, n) in result.summary() {
        let _ = write!(out, "<span class=\"{s}\">{n} {s}</span>");
    }
    out.push_str("</div>\n");
    if !result.collection_gaps.is_empty() {
        let _ = write!(
            out,
            "<div class=\"gaps\"><strong>Collection incomplete</strong>: {} gaps; findings about data that could not be read are missing.<ul>",
            result.collection_gaps.len()
        );
        for g in &result.collection_gaps {
            let _ = write!(out, "<li>{}</li>", esc(&g.to_string()));
        }
        out.push_str("</ul></div>\n");
    }

    out.push_str("<h2>Findings</h2><div class=\"filters\">");
    out.push_str(&select("severity", "Severity", &Severity::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>()));
    out.push_str(&select("category", "Category", &Category::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>()));
    out.push_str(&select("state", "State", &["new", "unchanged", "updated", "absent", "suppressed"]));
    out.push_str("<label>Search <input id=\"f-text\" type=\"search\"></label><span id=\"shown\"></span></div>\n");
    out.push_str("<table id=\"findings\"><thead><tr><th>Severity</th><th>State</th><th>Rule</th><th>Resource</th><th>Finding</th><th>SOC 2</th><th>Baseline line</th></tr></thead><tbody>\n");
    for f in &result.findings {
        let state = state_of(f);
        let suppressed =
            f.suppression.as_ref().map(|s| format!("<br><em>Accepted: {}</em>", esc(&s.reason))).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr data-severity=\"{sev}\" data-category=\"{cat}\" data-state=\"{state}\" class=\"state-{state}\">\
             <td class=\"sev {sev}\">{sev}</td><td>{state}</td><td title=\"{title}\">{rule}</td>\
             <td><code title=\"{id}\">{name}</code><br><small>{kind}</small></td><td>{msg}{suppressed}</td><td>{soc2}</td><td><code>{path}:{line}</code></td></tr>",
            sev = f.severity.as_str(),
            cat = f.category.as_str(),
            title = esc(titles.get(f.rule_id.as_str()).copied().unwrap_or("")),
            rule = esc(&f.rule_id),
            id = esc(&f.resource_id),
            name = esc(short_name(&f.resource_id)),
            kind = f.resource_type,
            msg = esc(&f.message),
            soc2 = esc(soc2.get(f.rule_id.as_str()).map(String::as_str).unwrap_or("")),
            path = esc(&f.location.path),
            line = f.location.line,
        );
    }
    out.push_str("</tbody></table>\n");

    let drifted: Vec<&ResourceDiff> =
        diffs.iter().filter(|d| matches!(d.change, Change::Added | Change::Removed | Change::Changed(_))).collect();
    let _ = writeln!(out, "<h2>Drift since the baseline ({} resources)</h2>", drifted.len());
    for d in drifted {
        let what = match d.change {
            Change::Added => "added",
            Change::Removed => "removed",
            _ => "changed",
        };
        let _ = writeln!(
            out,
            "<details><summary>{} <code>{}</code> ({what})</summary><pre>{}</pre></details>",
            d.resource_type,
            esc(&d.id),
            diff_html(d)
        );
    }
    out.push_str("</body></html>\n");
    out
}
