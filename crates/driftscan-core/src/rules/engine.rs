//! Evaluates the catalog over the diff, in parallel (rayon), into sorted findings.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashSet};

use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::analyzers::{Analyzer, Hit, StateAnalyzer, View, show};
use super::condition::Condition;
use super::{Check, Rule, render_message};
use crate::arn::short_name;
use crate::baseline::Baselines;
use crate::diff::{Change, ResourceDiff};
use crate::findings::{BaselineState, Finding, RelatedChange};
use crate::iam::{PolicyIndex, RoleGraph};
use crate::snapshot::{self, ResourceType, Snapshot};

/// Runs every rule that applies to each resource of `diffs`; without a baseline
/// (`with_baseline` false: a posture scan) the state rules only, as no change is known.
pub fn evaluate(
    rules: &[Rule],
    baselines: &Baselines,
    current: &Snapshot,
    diffs: &[ResourceDiff],
    trusted_accounts: &BTreeSet<String>,
    with_baseline: bool,
) -> Vec<Finding> {
    // Decided once for the run, not per resource: what follows sees the rules that run.
    let rules: Vec<&Rule> = rules.iter().filter(|r| with_baseline || !r.judges_drift()).collect();
    // Four large pieces of work that need nothing of each other (~0.6 s of one core at 100k
    // resources): each side's policy index and, when a rule asks, its role graph.
    let graphs_needed =
        rules.iter().any(|r| matches!(&r.check, Check::Analyzer(Analyzer::State(a)) if a.uses_role_graph()));
    let ((base_policies, mut cur_policies), graphs) = rayon::join(
        || rayon::join(|| PolicyIndex::build(&baselines.snapshot), || PolicyIndex::build(current)),
        || graphs_needed.then(|| rayon::join(|| RoleGraph::new(&baselines.snapshot), || RoleGraph::new(current))),
    );
    let side_graphs = graphs.as_ref().map_or((None, None), |(b, c)| (Some(b), Some(c)));
    cur_policies.compare_with(&base_policies, (&baselines.snapshot, current));
    let indexes = (&base_policies, &cur_policies);
    let reads_values: HashSet<ResourceType> = rules
        .iter()
        .filter(|r| match &r.check {
            Check::Condition(_) => true,
            Check::Analyzer(a) => a.reads_value(),
            Check::ExpiredExceptions => false,
        })
        .flat_map(|r| r.resource_types.iter().copied())
        .collect();
    let mut findings: Vec<Finding> = diffs
        .par_iter()
        .filter(|d| d.change != Change::Uncollected)
        .flat_map_iter(|d| {
            // An unchanged resource's value lives only while its rules run, and is built only
            // for rules that read it (its views stand for the facts' resource either way).
            let mut scratch = None;
            let values = if d.change == Change::Unchanged && !reads_values.contains(&d.resource_type) {
                (Some(&Value::Null), Some(&Value::Null))
            } else {
                d.sides(current, &mut scratch)
            };
            rules
                .iter()
                .filter(|r| r.resource_types.contains(&d.resource_type))
                .flat_map(|r| evaluate_rule(r, side_graphs, (baselines, current, trusted_accounts), indexes, d, values))
                .collect::<Vec<_>>()
        })
        .collect();
    // What the rules worked from (a policy index and a role graph per side, ~10 ms to free
    // at 100k resources) is freed beside the findings' sort rather than before it.
    let worked_from = (base_policies, cur_policies, graphs);
    rayon::join(
        move || drop(worked_from),
        || {
            drop_covered(&rules, &mut findings);
            crate::findings::sort(&mut findings);
        },
    );
    findings
}

/// The baseline's and the current side's role graphs, when a rule uses them.
type Graphs<'g> = (Option<&'g RoleGraph>, Option<&'g RoleGraph>);

/// A resource's `(baseline, current)` values.
type Sides<'v> = (Option<&'v Value>, Option<&'v Value>);

fn evaluate_rule(
    rule: &Rule,
    (base_graph, cur_graph): Graphs<'_>,
    (baselines, current, trusted_accounts): (&Baselines, &Snapshot, &BTreeSet<String>),
    (base_policies, cur_policies): (&PolicyIndex, &PolicyIndex),
    d: &ResourceDiff,
    values @ (base_value, cur_value): Sides<'_>,
) -> Vec<Finding> {
    let (kind, id) = (d.resource_type, d.id.as_str());
    let base_view = base_value.map(|value| View {
        facts: &baselines.snapshot,
        kind,
        id,
        value,
        role_graph: base_graph,
        trusted_accounts,
        policy_index: Some(base_policies),
    });
    let cur_view = cur_value.map(|value| View {
        facts: current,
        kind,
        id,
        value,
        role_graph: cur_graph,
        trusted_accounts,
        policy_index: Some(cur_policies),
    });
    let state = match &rule.check {
        Check::ExpiredExceptions => return Vec::new(),
        Check::Condition(c) if c.is_drift() => {
            let hits = if c.holds(base_value, cur_value) {
                vec![condition_hit(rule, c.first_path(), base_value, cur_value)]
            } else {
                vec![]
            };
            return drift_findings(rule, baselines, d, values, hits);
        }
        Check::Analyzer(Analyzer::Drift(a)) => {
            let hits = a.compare(base_view.as_ref(), cur_view.as_ref(), d);
            return drift_findings(rule, baselines, d, values, hits);
        }
        Check::Condition(c) => StateCheck::Condition(c),
        Check::Analyzer(Analyzer::State(a)) => StateCheck::Analyzer(a.as_ref()),
    };
    let now = cur_view.as_ref().map(|v| state.hits(rule, v)).unwrap_or_default();
    // Most resources did not change: then the baseline side finds exactly what the current
    // side found, and evaluating it again would double the cost of every scan.
    let derived = match (&base_view, &cur_view, &state) {
        (Some(_), Some(_), StateCheck::Condition(_)) => (d.change == Change::Unchanged).then(|| now.clone()),
        (Some(b), Some(c), StateCheck::Analyzer(a)) => a.baseline_hits(b, c, d, &now),
        _ => None,
    };
    let then = derived.unwrap_or_else(|| base_view.as_ref().map(|v| state.hits(rule, v)).unwrap_or_default());
    let mut out = Vec::new();
    for mut hit in now {
        let state = match then.iter().find(|t| t.key == hit.key) {
            Some(t) => {
                hit.baseline = t.current.clone();
                if t.current == hit.current { BaselineState::Unchanged } else { BaselineState::Updated }
            }
            None => BaselineState::New,
        };
        let mut f = finding(rule, baselines, d, values, hit, state);
        add_related(rule, d, &mut f);
        out.push(f);
    }
    let still: HashSet<String> = out.iter().map(|f| f.fingerprint.clone()).collect();
    for mut t in then {
        if !still.contains(&fingerprint(&rule.id, &d.id, t.field.as_deref(), &t.key)) {
            t.baseline = t.current.take();
            out.push(finding(rule, baselines, d, values, t, BaselineState::Absent));
        }
    }
    out
}

/// Every finding of a drift rule is new.
fn drift_findings(
    rule: &Rule,
    baselines: &Baselines,
    d: &ResourceDiff,
    values: Sides<'_>,
    hits: Vec<Hit>,
) -> Vec<Finding> {
    hits.into_iter()
        .map(|h| {
            let mut f = finding(rule, baselines, d, values, h, BaselineState::New);
            add_related(rule, d, &mut f);
            f
        })
        .collect()
}

/// A rule that looks at one side at a time.
enum StateCheck<'r> {
    Condition(&'r Condition),
    Analyzer(&'r dyn StateAnalyzer),
}

impl StateCheck<'_> {
    /// What the rule finds on one side.
    fn hits(&self, rule: &Rule, view: &View) -> Vec<Hit> {
        match self {
            StateCheck::Condition(c) if c.holds(None, Some(view.value)) => {
                vec![condition_hit(rule, c.first_path(), None, Some(view.value))]
            }
            StateCheck::Condition(_) => vec![],
            StateCheck::Analyzer(a) => a.check(view),
        }
    }
}

fn condition_hit(rule: &Rule, first_path: &str, baseline: Option<&Value>, current: Option<&Value>) -> Hit {
    let field = rule.field.clone().unwrap_or_else(|| first_path.to_string());
    let at = |v: Option<&Value>| v.and_then(|v| snapshot::field(v, &field)).cloned();
    Hit { key: String::new(), detail: String::new(), baseline: at(baseline), current: at(current), field: Some(field) }
}

/// Stable identity: rule + resource + field (+ key), never the line it is shown at.
pub fn fingerprint(rule_id: &str, resource_id: &str, field: Option<&str>, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, resource_id, field.unwrap_or(""), key] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    crate::scan_info::hex(&h.finalize()[..16])
}

fn finding(
    rule: &Rule,
    baselines: &Baselines,
    d: &ResourceDiff,
    (base_value, cur_value): Sides,
    hit: Hit,
    baseline_state: BaselineState,
) -> Finding {
    let location = baselines.location(d.resource_type, &d.id, hit.field.as_deref());
    let region = cur_value.or(base_value).and_then(|v| v.get("region")).and_then(Value::as_str);
    let message = render_message(&rule.message, |placeholder| {
        Some(match placeholder {
            "name" => short_name(&d.id).into(),
            "id" => d.id.as_str().into(),
            "field" => hit.field.as_deref().unwrap_or("").into(),
            "baseline" => show(hit.baseline.as_ref()).into(),
            "current" => show(hit.current.as_ref()).into(),
            "detail" => hit.detail.as_str().into(),
            "region" => region.unwrap_or("global").into(),
            _ => return None,
        })
    });
    Finding {
        fingerprint: fingerprint(&rule.id, &d.id, hit.field.as_deref(), &hit.key),
        rule_id: rule.id.clone(),
        category: rule.category,
        severity: rule.severity,
        baseline_state,
        resource_type: d.resource_type,
        resource_id: d.id.clone(),
        field: hit.field,
        baseline: hit.baseline,
        current: hit.current,
        message,
        location,
        suppression: None,
        related_changes: Vec::new(),
    }
}

/// The other changes of `d` that a drift finding of `rule` reports as part of its event
/// (the rule's `covers`), named at the end of its message.
fn add_related(rule: &Rule, d: &ResourceDiff, finding: &mut Finding) {
    let Change::Changed(paths) = &d.change else { return };
    if rule.covers.is_empty() || !finding.baseline_state.is_drift() {
        return;
    }
    let own = finding.field.as_deref().unwrap_or("");
    let at = |side: Option<&Value>, path: &str| side.and_then(|v| snapshot::field(v, path)).cloned();
    finding.related_changes = paths
        .iter()
        .filter(|p| rule.covers.iter().any(|c| overlaps(p, c)) && !overlaps(p, own))
        .map(|p| RelatedChange { field: p.clone(), baseline: at(d.baseline(), p), current: at(d.current(), p) })
        .collect();
    if !finding.related_changes.is_empty() {
        let shown: Vec<String> = finding
            .related_changes
            .iter()
            .map(|r| format!("{} {} → {}", r.field, show(r.baseline.as_ref()), show(r.current.as_ref())))
            .collect();
        finding.message.push_str(&format!(" (with {})", shown.join(", ")));
    }
}

/// One field path is the other or lies inside it.
fn overlaps(a: &str, b: &str) -> bool {
    !b.is_empty() && (a == b || a.starts_with(&format!("{b}.")) || b.starts_with(&format!("{a}.")))
}

/// Drops findings of catch-all rules where a specific rule reports the same change: drift
/// (`new` or `updated`, not suppressed) on the same resource and field (or a field inside
/// it, or the resource as a whole). A finding about a state that did not change (an
/// `unchanged` posture finding) never hides a change.
fn drop_covered(rules: &[&Rule], findings: &mut Vec<Finding>) {
    let yields: HashSet<&str> = rules
        .iter()
        .filter(|r| matches!(&r.check, Check::Analyzer(Analyzer::Drift(a)) if a.yields_to_other_rules()))
        .map(|r| r.id.as_str())
        .collect();
    if yields.is_empty() {
        return;
    }
    // The fields reported by other rules' drift findings, by resource (a scan without
    // a baseline has 100k of them: a list searched per finding was quadratic).
    let mut covered: HashMap<String, Vec<Option<String>>> = HashMap::default();
    for f in
        findings.iter().filter(|f| !yields.contains(f.rule_id.as_str()) && f.is_open() && f.baseline_state.is_drift())
    {
        let fields = covered.entry(f.resource_id.clone()).or_default();
        fields.push(f.field.clone());
        fields.extend(f.related_changes.iter().map(|r| Some(r.field.clone())));
    }
    findings.retain(|f| {
        !yields.contains(f.rule_id.as_str())
            || !covered.get(&f.resource_id).is_some_and(|fields| {
                fields.iter().any(|field| match (field, &f.field) {
                    (Some(a), Some(b)) => overlaps(a, b),
                    // An added or removed resource yields to any rule that reports it.
                    (_, None) => true,
                    (None, Some(_)) => false,
                })
            })
    });
}
