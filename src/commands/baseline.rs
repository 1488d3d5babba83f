//! `driftscan baseline init|accept`: write the approved state, or accept drift into it.

use std::collections::{BTreeMap, BTreeSet};

use driftscan_core::VariantArray;
use driftscan_core::baseline;
use driftscan_core::diff::Change;
use driftscan_core::error::{Error, Result};
use driftscan_core::pipeline::AccountScan;
use driftscan_core::rules;
use driftscan_core::snapshot::{ResourceType, Service};

use super::{Ui, exit, load_current, paint_diff, print, source_name};
use crate::cli::{BaselineAcceptArgs, BaselineInitArgs};

pub fn init(args: BaselineInitArgs, ui: Ui) -> Result<u8> {
    let current = load_current(&args.source, ui)?;
    let dir = &args.baseline_dir.baselines;
    let account = &current.meta.account_id;
    if !current.meta.collection_gaps.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the snapshot has {} collection gaps; a baseline must not record data that could not be read",
            source_name(&args.source),
            current.meta.collection_gaps.len()
        )));
    }
    if baseline::exists(dir, account) && !args.force {
        return Err(Error::Usage(format!(
            "{}: baselines for account {account} already exist; use `driftscan baseline accept` to update them, or --force to overwrite",
            baseline::account_dir(dir, account).display()
        )));
    }
    let resources = current.resources();
    let count = resources.len();
    let written = baseline::write(dir, account, resources)?;
    print(&format!(
        "wrote {} baseline files for account {account} ({count} resources) in {}\n",
        written.len(),
        baseline::display_path(&baseline::account_dir(dir, account))
    ))?;
    Ok(exit::OK)
}

pub fn accept(args: BaselineAcceptArgs, color: bool, ui: Ui) -> Result<u8> {
    let settings = args.baseline_dir.settings(true)?;
    let dir = &settings.baselines_dir;
    let mut scan = AccountScan::compare(load_current(&args.source, ui)?, &settings)?;

    let mut services = BTreeSet::new();
    for s in &args.services {
        services.insert(s.parse::<Service>().map_err(|_| {
            Error::Usage(format!(
                "unknown service `{s}` (expected one of: {})",
                Service::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?);
    }
    for r in &args.resources {
        if !scan.diffs.iter().any(|d| &d.id == r) {
            return Err(Error::Usage(format!("no resource `{r}` in the snapshot or the baseline")));
        }
    }
    let rule_hits: Option<BTreeSet<String>> = if args.rules.is_empty() {
        None
    } else {
        let rules = rules::load_catalog(&args.rules_dirs)?;
        for id in &args.rules {
            if !rules.iter().any(|r| &r.id == id) {
                return Err(Error::Usage(format!("no rule `{id}`; `driftscan rules list` shows them all")));
            }
        }
        scan.evaluate(&settings, &rules)?;
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
            && (services.is_empty() || services.contains(&kind.service()))
            && rule_hits.as_ref().is_none_or(|hits| hits.contains(id))
    };

    // Start from the baseline as it is; replace only the selected, collected resources.
    let AccountScan { current, baselines, diffs, .. } = scan;
    let mut accepted: BTreeMap<(ResourceType, String), serde_json::Value> =
        baselines.snapshot.resources().into_iter().map(|(k, id, v)| ((k, id.to_string()), v)).collect();
    let mut current_values: BTreeMap<(ResourceType, &str), serde_json::Value> =
        current.resources().into_iter().map(|(k, id, v)| ((k, id), v)).collect();
    let mut count = 0;
    for d in &diffs {
        if matches!(d.change, Change::Unchanged | Change::Uncollected) || !selected(d.resource_type, &d.id) {
            continue;
        }
        count += 1;
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
        "accepted {count} drifted resources into {} baseline files; review the change and commit it\n",
        written.len()
    ));
    print(&out)?;
    Ok(exit::OK)
}
