//! `driftscan baseline init|accept`: write the approved state, or accept drift into it.

use std::collections::{BTreeMap, BTreeSet};

use driftscan_core::VariantArray;
use driftscan_core::baseline;
use driftscan_core::diff::Change;
use driftscan_core::error::{Error, Result};
use driftscan_core::findings::{Finding, Severity};
use driftscan_core::pipeline::{AccountScan, Settings};
use driftscan_core::rules;
use driftscan_core::snapshot::{ResourceType, Service, Snapshot};

use super::{Ui, accounts, exit, load_current, paint_diff, print, source_name};
use crate::cli::{BaselineAcceptArgs, BaselineInitArgs};

pub fn init(args: BaselineInitArgs, ui: Ui) -> Result<u8> {
    let dir = &args.baseline_dir.baselines;
    if !accounts::many(&args.source) {
        let current = load_current(&args.source, ui)?;
        print(&init_one(&current, dir, args.force, &source_name(&args.source))?)?;
        print(&still_wrong(current, &args.baseline_dir.settings(false)?, &rules::load_catalog(&[])?, None)?)?;
        return Ok(exit::OK);
    }
    // Each account on its own: one that fails or is refused does not stop the others.
    let mut codes = Vec::new();
    let (posture, catalog) = (args.baseline_dir.settings(false)?, rules::load_catalog(&[])?);
    accounts::for_each(&args.source, ui, &mut |arrival| {
        let account = arrival.account_id;
        let (text, code) = match arrival.snapshot {
            Ok(current) => match init_one(&current, dir, args.force, &format!("account {account}")) {
                Ok(text) => (text + &still_wrong(current, &posture, &catalog, None)?, exit::OK),
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(e) => (format!("account {account}: {e}\n"), exit::BAD_INPUT),
            },
            Err(error) => (format!("account {account} FAILED: {error}\n"), exit::INCOMPLETE),
        };
        print(&text)?;
        codes.push(code);
        Ok(())
    })?;
    Ok(accounts::worst(&codes))
}

fn init_one(current: &Snapshot, dir: &std::path::Path, force: bool, source: &str) -> Result<String> {
    let account = &current.meta.account_id;
    if !current.meta.collection_gaps.is_empty() {
        return Err(Error::Usage(format!(
            "{source}: the snapshot has {} collection gaps; a baseline must not record data that could not be read",
            current.meta.collection_gaps.len()
        )));
    }
    if baseline::exists(dir, account) && !force {
        return Err(Error::Usage(format!(
            "{}: baselines for account {account} already exist; use `driftscan baseline accept` to update them, or --force to overwrite",
            baseline::account_dir(dir, account).display()
        )));
    }
    let resources = current.resources();
    let count = resources.len();
    let written = baseline::write(dir, account, resources)?;
    Ok(format!(
        "wrote {} baseline files for account {account} ({count} resources) in {}\n",
        written.len(),
        baseline::display_path(&baseline::account_dir(dir, account))
    ))
}

pub fn accept(args: BaselineAcceptArgs, color: bool, ui: Ui) -> Result<u8> {
    let settings = args.baseline_dir.settings(true)?;
    let services: BTreeSet<Service> = args.services.iter().copied().collect();
    let catalog = rules::load_catalog(&args.rules_dirs)?;
    for id in &args.rules {
        if !catalog.iter().any(|r| &r.id == id) {
            return Err(Error::Usage(format!("no rule `{id}`; `driftscan rules list` shows them all")));
        }
    }
    let selection = Selection { args: &args, services, catalog };
    if !accounts::many(&args.source) {
        let mut found = BTreeSet::new();
        let text = accept_one(load_current(&args.source, ui)?, &settings, &selection, &mut found, color)?;
        selection.check_resources(&found)?;
        print(&text)?;
        return Ok(exit::OK);
    }
    let (mut found, mut codes) = (BTreeSet::new(), Vec::new());
    accounts::for_each(&args.source, ui, &mut |arrival| {
        match arrival.snapshot {
            Ok(current) => {
                let text = accept_one(current, &settings, &selection, &mut found, color)?;
                print(&format!("== account {}\n{text}\n", arrival.account_id))?;
                codes.push(exit::OK);
            }
            Err(error) => {
                print(&format!("== account {} FAILED: {error}\n\n", arrival.account_id))?;
                codes.push(exit::INCOMPLETE);
            }
        }
        Ok(())
    })?;
    selection.check_resources(&found)?;
    Ok(accounts::worst(&codes))
}

/// What `baseline accept` takes in: resources, services, or what rules report.
struct Selection<'a> {
    args: &'a BaselineAcceptArgs,
    services: BTreeSet<Service>,
    /// Every rule: `--rule` picks from them, and what the accepted state still has wrong is
    /// judged by all of them.
    catalog: Vec<rules::Rule>,
}

impl Selection<'_> {
    /// Every `--resource` named must exist in some account read.
    fn check_resources(&self, found: &BTreeSet<String>) -> Result<()> {
        match self.args.resources.iter().find(|r| !found.contains(*r)) {
            Some(r) => Err(Error::Usage(format!("no resource `{r}` in the snapshot or the baseline"))),
            None => Ok(()),
        }
    }
}

/// Accepts one account's selected drift into its baselines; the change, for review.
fn accept_one(
    current: Snapshot,
    settings: &Settings,
    selection: &Selection,
    found: &mut BTreeSet<String>,
    color: bool,
) -> Result<String> {
    let catalog = &selection.catalog;
    let args = selection.args;
    let dir = &settings.baselines_dir;
    let mut scan = AccountScan::compare(current, settings)?;
    found.extend(scan.diffs.iter().filter(|d| args.resources.contains(&d.id)).map(|d| d.id.clone()));
    let rule_hits: Option<BTreeSet<String>> = if args.rules.is_empty() {
        None
    } else {
        scan.evaluate(settings, &selection.catalog)?;
        Some(
            scan.result
                .findings
                .iter()
                .filter(|f| f.is_open() && args.rules.contains(&f.rule_id))
                .map(|f| f.resource_id.clone())
                .collect(),
        )
    };
    let selected = |kind: ResourceType, id: &str| {
        (args.resources.is_empty() || args.resources.iter().any(|r| r == id))
            && (selection.services.is_empty() || selection.services.contains(&kind.service()))
            && rule_hits.as_ref().is_none_or(|hits| hits.contains(id))
    };
    // Start from the baseline as it is; replace only the selected, collected resources.
    let AccountScan { current, baselines, diffs, .. } = scan;
    let mut accepted: BTreeMap<(ResourceType, String), serde_json::Value> =
        baselines.snapshot.resources().into_iter().map(|(k, id, v)| ((k, id.to_string()), v)).collect();
    let mut current_values: BTreeMap<(ResourceType, &str), serde_json::Value> =
        current.resources().into_iter().map(|(k, id, v)| ((k, id), v)).collect();
    let mut approved = BTreeSet::new();
    for d in &diffs {
        if matches!(d.change, Change::Unchanged | Change::Uncollected) || !selected(d.resource_type, &d.id) {
            continue;
        }
        approved.insert(d.id.clone());
        let key = (d.resource_type, d.id.clone());
        match current_values.remove(&(d.resource_type, d.id.as_str())) {
            Some(value) => accepted.insert(key, value),
            None => accepted.remove(&key),
        };
    }
    let written = baseline::write(
        dir,
        &current.meta.account_id,
        accepted.iter().map(|((k, id), v)| (*k, id.as_str(), v.clone())),
    )?;
    let mut out = String::new();
    for w in &written {
        let name = baseline::display_path(&w.path);
        let text = similar::TextDiff::from_lines(&w.before, &w.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.push_str(&paint_diff(&text, color));
    }
    out.push_str(&format!(
        "accepted {} drifted resources into {} baseline files; review the change and commit it\n",
        approved.len(),
        written.len()
    ));
    let posture = Settings { use_baseline: false, ..settings.clone() };
    out.push_str(&still_wrong(current, &posture, catalog, Some(&approved))?);
    Ok(out)
}

/// What the state approved into the baselines still has wrong (of `only`, the resources
/// approved, when not all of it was): its open findings by severity and the worst of them,
/// so that nobody approves a critical problem without seeing it. `posture` scans without
/// a baseline.
fn still_wrong(
    state: Snapshot,
    posture: &Settings,
    rules: &[rules::Rule],
    only: Option<&BTreeSet<String>>,
) -> Result<String> {
    const SHOWN: usize = 5;
    let scan = AccountScan::run(state, posture, rules)?;
    let mut findings: Vec<&Finding> = scan
        .result
        .findings
        .iter()
        .filter(|f| f.is_open() && only.is_none_or(|ids| ids.contains(&f.resource_id)))
        .collect();
    if findings.is_empty() {
        return Ok("what this approves has no open finding\n".into());
    }
    // Severities are declared worst first.
    findings.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.rule_id.cmp(&b.rule_id)));
    let counts: Vec<String> = Severity::VARIANTS
        .iter()
        .filter_map(|s| {
            let n = findings.iter().filter(|f| f.severity == *s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let mut out = format!("what this approves still has {} open findings ({}):\n", findings.len(), counts.join(", "));
    for f in findings.iter().take(SHOWN) {
        out.push_str(&format!("  {:<8}  {}  {}\n", f.severity.as_str(), f.rule_id, f.message));
    }
    if findings.len() > SHOWN {
        out.push_str(&format!(
            "  and {} more: `driftscan scan --no-baseline` lists them all\n",
            findings.len() - SHOWN
        ));
    }
    Ok(out)
}
