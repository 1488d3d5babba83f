//! The evidence page, `index.html`: one self-contained file like the HTML report (a
//! Content-Security-Policy forbids any fetch; the chart is inline SVG), its tables
//! filterable by account, severity, resolution and text. Filters can be preset with the URL
//! fragment, e.g. `#resolution=open&account=111111111111`.

use std::fmt::Write;

use strum::VariantArray;

use super::Evidence;
use super::timeline::Resolution;
use crate::findings::Severity;
use crate::report::html::esc;

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin-top:2rem}
.meta{color:#5b6475;margin-bottom:1rem}
.cards span{display:inline-block;margin:0 .6rem .4rem 0;padding:.3rem .6rem;border-radius:.3rem;background:#eef0f4}
.warn{background:#fff4e5;border-left:4px solid #e8590c;padding:.6rem 1rem;margin:1rem 0}
.filters{margin:.6rem 0;display:flex;gap:.8rem;flex-wrap:wrap;align-items:center}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
th{background:#f6f7f9;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}
.critical{color:#b00020}.high{color:#d9480f}.medium{color:#a87b00}.low{color:#1971c2}.info{color:#5b6475}
.res-open{color:#b00020;font-weight:600}
code{font:12px ui-monospace,monospace}
tr.hidden{display:none}
svg text{font:11px system-ui,sans-serif;fill:#5b6475}
"#;

const SCRIPT: &str = r#"
function filterTable(id){
  var bar=document.querySelector('.filters[data-for="'+id+'"]'), keys={}, q='';
  bar.querySelectorAll('select').forEach(function(s){ if(s.value){keys[s.dataset.key]=s.value;} });
  var t=bar.querySelector('input'); if(t){q=t.value.toLowerCase();}
  var rows=document.querySelectorAll('#'+id+' tbody tr'), shown=0;
  rows.forEach(function(r){
    var ok=true;
    for(var k in keys){ if(r.dataset[k]!==undefined&&r.dataset[k]!==keys[k]){ok=false;} }
    if(q&&r.textContent.toLowerCase().indexOf(q)<0){ok=false;}
    r.classList.toggle('hidden',!ok); if(ok){shown++;}
  });
  document.getElementById(id+'-shown').textContent=shown+' of '+rows.length+' rows shown';
}
function filterAll(){ document.querySelectorAll('.filters').forEach(function(b){ filterTable(b.dataset.for); }); }
function presetFromHash(){
  var h=decodeURIComponent(location.hash.replace(/^#/,''));
  h.split('&').forEach(function(kv){
    var p=kv.split('='); if(p.length!==2){return;}
    document.querySelectorAll('.filters select[data-key="'+p[0]+'"]').forEach(function(s){s.value=p[1];});
    if(p[0]==='q'){ document.querySelectorAll('.filters input').forEach(function(i){i.value=p[1];}); }
  });
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('.filters select,.filters input').forEach(function(c){
    c.addEventListener('input',function(){ filterTable(c.closest('.filters').dataset.for); });
  });
  presetFromHash(); filterAll();
  var chart=document.getElementById('trend'), box=chart.getBBox();
  document.getElementById('trend-status').textContent='chart: '+chart.querySelectorAll('polyline').length+' series, '+Math.round(box.width)+'x'+Math.round(box.height);
});
"#;

const COLORS: [&str; 5] = ["#b00020", "#d9480f", "#a87b00", "#1971c2", "#868e96"];

fn select(key: &str, label: &str, values: &[String]) -> String {
    let mut s = format!("<label>{label} <select data-key=\"{key}\"><option value=\"\">all</option>");
    for v in values {
        let _ = write!(s, "<option>{}</option>", esc(v));
    }
    s.push_str("</select></label>");
    s
}

fn filters(table: &str, selects: &[String]) -> String {
    format!(
        "<div class=\"filters\" data-for=\"{table}\">{}<label>text <input type=\"search\"></label><span id=\"{table}-shown\"></span></div>\n",
        selects.join("")
    )
}

fn chart(ev: &Evidence) -> String {
    let (w, h, left, bottom, top) = (900.0, 240.0, 40.0, 24.0, 10.0);
    let days = ev.trend.len().max(1);
    let max = ev.trend.iter().flat_map(|(_, c)| c.iter().copied()).max().unwrap_or(0).max(1);
    let x = |i: usize| left + (w - left - 10.0) * i as f64 / (days.max(2) - 1) as f64;
    let y = |n: usize| top + (h - top - bottom) * (1.0 - n as f64 / max as f64);
    let mut s = format!(
        "<svg id=\"trend\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"open findings by severity per day\">\n"
    );
    let _ = writeln!(s, "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#adb5bd\"/>", y(0), w - 10.0, y(0));
    let _ = writeln!(s, "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#adb5bd\"/>", y(0));
    let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>", left - 4.0, y(max) + 4.0);
    let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>", left - 4.0, y(0) + 4.0);
    if let (Some((first, _)), Some((last, _))) = (ev.trend.first(), ev.trend.last()) {
        let _ = writeln!(s, "<text x=\"{left}\" y=\"{}\">{first}</text>", h - 6.0);
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{last}</text>", w - 10.0, h - 6.0);
    }
    for (k, sev) in Severity::VARIANTS.iter().enumerate() {
        let points: Vec<String> =
            ev.trend.iter().enumerate().map(|(i, (_, c))| format!("{:.1},{:.1}", x(i), y(c[k]))).collect();
        let _ = writeln!(
            s,
            "<polyline data-severity=\"{sev}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"><title>{sev}</title></polyline>",
            COLORS[k],
            points.join(" ")
        );
    }
    s.push_str("</svg>\n<div class=\"meta\">");
    for (k, sev) in Severity::VARIANTS.iter().enumerate() {
        let _ = write!(s, "<span style=\"color:{}\">&#9632; {sev}</span> ", COLORS[k]);
    }
    // What the browser drew (series, size): for checking the page renders, not for reading.
    s.push_str("<span id=\"trend-status\" hidden></span></div>\n");
    s
}

/// The page; `files` are the CSV files written beside it (linked).
pub fn render(ev: &Evidence, files: &[(String, Vec<u8>)]) -> String {
    let accounts: Vec<String> = ev.accounts.iter().map(|a| a.account_id.clone()).collect();
    let resolved: Vec<_> = ev.episodes.iter().filter(|e| e.resolution != Resolution::Open).collect();
    let open = ev.episodes.len() - resolved.len();
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>driftscan evidence {} to {}</title><style>{STYLE}</style><script>{SCRIPT}</script></head><body>\n",
        ev.from, ev.to
    );
    let _ = writeln!(s, "<h1>SOC 2 evidence: configuration monitoring, {} to {}</h1>", ev.from, ev.to);
    let _ = writeln!(
        s,
        "<div class=\"meta\">driftscan {} · {} reports read · {} accounts · expected cadence: {} · \
         the digests of every input and output are in MANIFEST.sha256 (<code>driftscan evidence verify</code>)</div>",
        crate::VERSION,
        ev.inputs.len(),
        ev.accounts.len(),
        ev.cadence.as_str()
    );
    let missed: usize = ev.accounts.iter().map(|a| a.expected - a.covered).sum();
    let _ = writeln!(
        s,
        "<div class=\"cards\"><span>monitoring gaps: <b id=\"gaps-count\">{missed}</b></span><span>drift findings: <b>{}</b></span>\
         <span>resolved: <b>{}</b></span><span>open: <b>{open}</b></span><span>baseline changes: <b>{}</b></span></div>",
        ev.episodes.len(),
        resolved.len(),
        ev.trail.len()
    );
    if !ev.skipped.is_empty() {
        s.push_str("<div class=\"warn\"><b>Files skipped (--skip-invalid), not part of this evidence:</b><ul>");
        for (p, e) in &ev.skipped {
            let _ = write!(s, "<li><code>{}</code>: {}</li>", esc(&p.display().to_string()), esc(e));
        }
        s.push_str("</ul></div>\n");
    }

    s.push_str("<h2>Monitoring: scans against the expected cadence</h2>\n<table id=\"scans\"><thead><tr><th>Account</th><th>Name</th><th>Expected</th><th>Covered</th><th>Missed</th><th>Successful scans</th><th>With collection gaps</th><th>Failed</th></tr></thead><tbody>\n");
    for a in &ev.accounts {
        let _ = writeln!(
            s,
            "<tr data-account=\"{id}\"><td>{id}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(a.name.as_deref().unwrap_or("")),
            a.expected,
            a.covered,
            a.expected - a.covered,
            a.scans,
            a.partial,
            a.failed,
            id = esc(&a.account_id)
        );
    }
    s.push_str("</tbody></table>\n<h2>Monitoring gaps</h2>\n");
    s.push_str(&filters("gaps", &[select("account", "account", &accounts)]));
    s.push_str(
        "<table id=\"gaps\"><thead><tr><th>Account</th><th>From</th><th>To</th><th>Why</th></tr></thead><tbody>\n",
    );
    for g in &ev.gaps {
        let _ = writeln!(
            s,
            "<tr data-account=\"{id}\"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.from,
            g.to,
            esc(&g.reason),
            id = esc(&g.account_id)
        );
    }
    s.push_str("</tbody></table>\n<h2>Open drift findings per day, by severity</h2>\n");
    s.push_str(&chart(ev));

    s.push_str("<h2>Drift per account and SOC 2 criterion (findings first seen in the period)</h2>\n");
    s.push_str(&filters("criteria", &[select("account", "account", &accounts)]));
    s.push_str("<table id=\"criteria\"><thead><tr><th>Account</th><th>Criterion</th><th>Detected</th><th>Fixed</th><th>Accepted into baseline</th><th>Exception</th><th>Open</th><th>Median days to remediate</th><th>Longest</th></tr></thead><tbody>\n");
    for c in &ev.criteria {
        let _ = writeln!(
            s,
            "<tr data-account=\"{id}\"><td>{id}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&c.criterion),
            c.detected,
            c.fixed,
            c.accepted,
            c.exception,
            c.open,
            c.median_days.map(|d| d.to_string()).unwrap_or_default(),
            c.max_days.map(|d| d.to_string()).unwrap_or_default(),
            id = esc(&c.account_id)
        );
    }
    s.push_str("</tbody></table>\n");

    s.push_str("<h2>Findings and time to remediate</h2>\n");
    let severities: Vec<String> = Severity::VARIANTS.iter().map(|v| v.to_string()).collect();
    let resolutions: Vec<String> = ["open", "fixed", "accepted", "exception"].iter().map(|r| r.to_string()).collect();
    s.push_str(&filters(
        "findings",
        &[
            select("account", "account", &accounts),
            select("severity", "severity", &severities),
            select("resolution", "resolution", &resolutions),
        ],
    ));
    s.push_str("<table id=\"findings\"><thead><tr><th>Account</th><th>Severity</th><th>Rule</th><th>SOC 2</th><th>Resource</th><th>First seen</th><th>Resolution</th><th>Resolved</th><th>Days</th><th>Who</th><th>Why</th></tr></thead><tbody>\n");
    for e in &ev.episodes {
        let why = match e.expires {
            Some(d) => format!("{} (expires {d})", e.why.as_deref().unwrap_or("")),
            None => e.why.clone().unwrap_or_default(),
        };
        let _ = writeln!(
            s,
            "<tr data-account=\"{id}\" data-severity=\"{sev}\" data-resolution=\"{res}\"><td>{id}</td><td class=\"sev {sev}\">{sev}</td><td>{}</td><td>{}</td><td><code>{}</code>{}<br>{}</td><td>{}</td><td class=\"res-{res}\">{res}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.rule_id),
            esc(&e.criteria.join(" ")),
            esc(&e.resource_id),
            e.field.as_deref().map(|f| format!(" <code>{}</code>", esc(f))).unwrap_or_default(),
            esc(&e.message),
            e.first_seen.date_naive(),
            e.resolved_at.map(|r| r.date_naive().to_string()).unwrap_or_default(),
            e.days_to_remediate().map(|d| d.to_string()).unwrap_or_default(),
            esc(e.who.as_deref().unwrap_or("")),
            esc(&why),
            id = esc(&e.account_id),
            sev = e.severity,
            res = e.resolution.as_str(),
        );
    }
    s.push_str("</tbody></table>\n<h2>Exceptions active in the period</h2>\n");
    s.push_str(&filters("exceptions", &[select("account", "account", &accounts)]));
    s.push_str("<table id=\"exceptions\"><thead><tr><th>Account</th><th>Owner</th><th>Reason</th><th>Expires</th><th>Seen</th><th>Findings covered</th><th>Entry</th></tr></thead><tbody>\n");
    for x in &ev.exceptions {
        let _ = writeln!(
            s,
            "<tr data-account=\"{id}\"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td><td class=\"n\">{}</td><td><code>{}:{}</code></td></tr>",
            esc(x.owner.as_deref().unwrap_or("(none)")),
            esc(&x.reason),
            x.expires.map(|d| d.to_string()).unwrap_or_else(|| "never".into()),
            x.first_seen,
            x.last_seen,
            x.findings,
            esc(&x.location.path),
            x.location.line,
            id = esc(&x.account_id)
        );
    }
    s.push_str("</tbody></table>\n<h2>Baseline change trail (CC8.1): commits that changed the baselines</h2>\n");
    s.push_str("<table id=\"trail\"><thead><tr><th>Commit</th><th>Author</th><th>Date</th><th>Message</th><th>Files</th></tr></thead><tbody>\n");
    for c in &ev.trail {
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{} &lt;{}&gt;</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.id[..c.id.len().min(12)]),
            esc(&c.author),
            esc(&c.email),
            crate::scan_info::rfc3339(c.date),
            esc(&c.subject),
            c.files.iter().map(|f| format!("<code>{}</code>", esc(f))).collect::<Vec<_>>().join(" ")
        );
    }
    s.push_str("</tbody></table>\n<h2>Tables as CSV</h2>\n<ul>");
    for (name, _) in files {
        let _ = write!(s, "<li><a href=\"{0}\">{0}</a></li>", esc(name));
    }
    s.push_str("</ul>\n</body></html>\n");
    s
}
