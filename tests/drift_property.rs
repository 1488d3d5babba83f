//! No change is invisible, and one change is one finding per rule: for every resource type
//! of the facts model and every field it tracks (`ResourceType::field_paths`, not a hand
//! list), changing that field of a resource in the demo account's approved snapshot gives
//! at least one `new` or `updated` finding on that resource, and no rule reports that one
//! change more than once on it. Adding or removing a resource, likewise.

use std::collections::{BTreeMap, BTreeSet};

use driftscan_core::findings::{BaselineState, Finding};
use driftscan_core::snapshot::{self, ResourceType, Snapshot};
use serde_json::Value;

use crate::common::*;

/// The field at `path`, created (as null) when the object holding it lacks it: a field
/// added to the facts model after the demo was written still gets changed.
fn field_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let (parents, leaf) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    let holder = parents.split('.').filter(|p| !p.is_empty()).try_fold(value, |v, part| v.get_mut(part))?;
    Some(holder.as_object_mut()?.entry(leaf).or_insert(Value::Null))
}

/// Every value seen at `path` in resources of `kind` across the demo's snapshots, then at a
/// field of the same name in any kind (a role's inline policies for a user's): the
/// realistic alternatives for a field (enum variants, documents, lists).
fn seen_values(snapshots: &[&Value], kind: ResourceType, path: &str) -> Vec<Value> {
    let name = path.rsplit('.').next().unwrap_or(path);
    let mut out = Vec::new();
    let mut add = |v: &Value| {
        if !out.contains(v) {
            out.push(v.clone());
        }
    };
    for (other, at) in std::iter::once((kind, path)).chain(ResourceType::ALL.iter().map(|&k| (k, name))) {
        let (a, b) = other.location();
        for s in snapshots {
            for resource in s[a][b].as_object().into_iter().flat_map(|m| m.values()) {
                snapshot::field(resource, at).into_iter().for_each(&mut add);
            }
        }
    }
    out
}

/// Replacements for `current`, most natural first.
fn candidates(current: &Value, seen: Vec<Value>) -> Vec<Value> {
    let mut out = match current {
        Value::Bool(b) => vec![Value::Bool(!b)],
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(0.0);
            vec![serde_json::json!(n as i64 + 1), serde_json::json!((n as i64 - 1).max(0)), serde_json::json!(n + 1.0)]
        }
        Value::String(s) => vec![Value::String(format!("{s}-changed")), Value::String(String::new())],
        Value::Array(items) if !items.is_empty() => vec![Value::Array(items[..items.len() - 1].to_vec())],
        Value::Object(map) if !map.is_empty() => {
            let mut fewer = map.clone();
            fewer.remove(map.keys().next().unwrap());
            vec![Value::Object(fewer)]
        }
        _ => Vec::new(),
    };
    out.extend(seen);
    out.extend([
        Value::Null,
        serde_json::json!("2026-06-01T00:00:00Z"),
        serde_json::json!("changed"),
        serde_json::json!(true),
        serde_json::json!(7),
        serde_json::json!(["changed"]),
    ]);
    out.retain(|v| v != current);
    out
}

/// The variants serde lists in "unknown variant `x`, expected one of `a`, `b`".
fn variants_named_in(error: &str) -> Vec<Value> {
    let Some((_, list)) = error.split_once("expected one of ") else { return Vec::new() };
    list.split('`').skip(1).step_by(2).map(|v| Value::String(v.to_string())).collect()
}

fn short(id: &str) -> &str {
    id.rsplit(['/', ':']).next().unwrap_or(id)
}

fn open_drift(findings: &[Finding], id: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| {
            f.resource_id == id
                && f.suppression.is_none()
                && matches!(f.baseline_state, BaselineState::New | BaselineState::Updated)
        })
        .cloned()
        .collect()
}

struct Account {
    approved: Value,
    approved_facts: Snapshot,
    today: Value,
    baselines: ApprovedBaselines,
    rules: Vec<driftscan_core::rules::Rule>,
}

impl Account {
    fn new() -> Account {
        let read =
            |p: std::path::PathBuf| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
        let approved = read(demo_baseline_snapshot());
        let snap: Snapshot = serde_json::from_value(approved.clone()).unwrap();
        let baselines = ApprovedBaselines::write(&snap);
        let rules = driftscan_core::rules::load_catalog(&[]).unwrap();
        Account { approved, approved_facts: snap, today: read(demo_today()), baselines, rules }
    }

    /// The findings of the whole catalog for `current` against the approved baselines.
    fn scan(&self, current: Snapshot) -> Vec<Finding> {
        self.baselines.scan(current, &self.rules, &[])
    }
}

/// What is wrong with the findings of one event on resource `id`, if anything.
fn judge(event: &str, id: &str, findings: &[Finding]) -> Option<String> {
    let drift = open_drift(findings, id);
    if drift.is_empty() {
        return Some(format!("{event}: no new or updated finding"));
    }
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &drift {
        *per_rule.entry(f.rule_id.as_str()).or_default() += 1;
    }
    let repeated: Vec<String> = per_rule.iter().filter(|(_, n)| **n > 1).map(|(r, n)| format!("{r} ×{n}")).collect();
    let shown = || drift.iter().map(|f| format!("{} {:?}", f.rule_id, f.field)).collect::<Vec<_>>().join("; ");
    if !repeated.is_empty() {
        return Some(format!(
            "{event}: one change reported more than once by a rule ({}): {}",
            repeated.join(", "),
            shown()
        ));
    }
    // The catch-all rule speaks only where no specific rule does.
    let catch_all = drift.iter().any(|f| f.rule_id == CATCH_ALL);
    (catch_all && drift.len() > 1).then(|| format!("{event}: {CATCH_ALL} beside a specific finding: {}", shown()))
}

/// The rule that reports any tracked change no other rule reports.
const CATCH_ALL: &str = "DS-CFG-007";

#[test]
fn every_tracked_field_change_is_drift_and_one_finding_per_rule() {
    let account = Account::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    for &kind in ResourceType::ALL {
        let (a, b) = kind.location();
        let ids: Vec<&String> = account.approved[a][b].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        if ids.is_empty() {
            problems.push(format!("{kind}: the demo account has none to change"));
        }
        let volatile: BTreeSet<String> = kind.volatile_fields().iter().map(|p| p.join(".")).collect();
        let paths = kind.field_paths();
        // A leaf is a path no other path extends: objects are changed through their fields.
        let leaves: Vec<&String> = paths
            .iter()
            .filter(|p| !paths.iter().any(|q| q.starts_with(&format!("{p}."))))
            .filter(|p| !volatile.iter().any(|v| p.starts_with(v.as_str())))
            .collect();
        for (id, path) in ids.iter().flat_map(|id| leaves.iter().map(move |p| (id.as_str(), p.as_str()))) {
            let current = snapshot::field(&account.approved[a][b][id], path).cloned().unwrap_or(Value::Null);
            let canonical = |snap: &Snapshot| {
                let (_, _, value) = snap.resources().into_iter().find(|(k, i, _)| *k == kind && *i == id)?;
                snapshot::field(&value, path).cloned()
            };
            let before = canonical(&account.approved_facts);
            let seen = seen_values(&[&account.approved, &account.today], kind, path);
            let mut tries = candidates(&current, seen);
            let mut mutated = None;
            let mut i = 0;
            while i < tries.len() && mutated.is_none() {
                let mut changed = account.approved.clone();
                if let Some(slot) = field_mut(&mut changed[a][b][id], path) {
                    *slot = tries[i].clone();
                    match serde_json::from_value::<Snapshot>(changed) {
                        // The facts must differ once serde normalized them (not a no-op).
                        Ok(snap) if canonical(&snap) != before => mutated = Some(snap),
                        Ok(_) => {}
                        // An enum: serde names its variants; try them.
                        Err(e) => tries.extend(variants_named_in(&e.to_string()).into_iter().filter(|v| *v != current)),
                    }
                }
                i += 1;
            }
            let Some(snap) = mutated else {
                problems.push(format!("{kind} {} {path}: no other valid value found to change it to", short(id)));
                continue;
            };
            checked += 1;
            problems.extend(judge(&format!("{kind} {} {path}", short(id)), id, &account.scan(snap)));
        }
    }
    assert!(checked > 100, "only {checked} fields checked");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn an_added_or_removed_resource_is_one_finding_per_rule() {
    let account = Account::new();
    let mut problems = Vec::new();
    for &kind in ResourceType::ALL {
        let (a, b) = kind.location();
        let Some((id, value)) = account.approved[a][b].as_object().and_then(|m| m.iter().next()) else { continue };
        let (id, value) = (id.clone(), value.clone());
        let mut removed = account.approved.clone();
        removed[a][b].as_object_mut().unwrap().remove(&id);
        let findings = account.scan(serde_json::from_value(removed).unwrap());
        problems.extend(judge(&format!("{kind} removed"), &id, &findings));
        // The same resource under a new id (its kind's id format kept: a suffix on the name).
        let added_id = format!("{id}-added");
        let mut added = account.approved.clone();
        added[a][b].as_object_mut().unwrap().insert(added_id.clone(), value);
        let Ok(snap) = serde_json::from_value::<Snapshot>(added) else { continue };
        problems.extend(judge(&format!("{kind} added"), &added_id, &account.scan(snap)));
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// Changes of several fields that are one event to a reviewer: each gives drift, and no rule
/// reports it twice on the resource.
#[test]
fn one_event_is_one_finding_per_rule() {
    let bucket = "arn:aws:s3:::acme-data-lake";
    let scratch = "arn:aws:s3:::acme-scratch";
    let key = "arn:aws:kms:us-east-1:123456789012:key/1c8d6a2f-5d2b-4a1f-8e4b-2a3b4c5d6e7f";
    let root = "arn:aws:iam::123456789012:root";
    let foreign = |action: &str| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": action, "Resource": "*"}]})
    };
    let no_password_policy = serde_json::to_value(driftscan_core::snapshot::iam::PasswordPolicy::default()).unwrap();
    // (event, resource, baseline patch, current patch, the rule that must report it)
    let events: Vec<(&str, &str, Value, Value, &str)> = vec![
        (
            "the account password policy deleted",
            root,
            Value::Null,
            serde_json::json!({"iam": {"account": {root: {"password_policy": no_password_policy}}}}),
            "DS-MFA-006",
        ),
        (
            "a bucket moved from a KMS key to AES256",
            bucket,
            Value::Null,
            serde_json::json!({"s3": {"buckets": {bucket: {"encryption":
                {"algorithm": "AES256", "bucket_key_enabled": false, "kms_key_id": null}}}}}),
            "DS-ENC-001",
        ),
        (
            "a bucket without a TLS-only policy gets a policy granting s3:* to a foreign account",
            scratch,
            serde_json::json!({"s3": {"buckets": {scratch: {"policy": null}}}}),
            serde_json::json!({"s3": {"buckets": {scratch: {"policy": foreign("s3:*")}}}}),
            "DS-PUB-008",
        ),
        (
            "a key policy grants kms:Decrypt to a foreign account",
            key,
            Value::Null,
            serde_json::json!({"kms": {"keys": {key: {"policy": foreign("kms:Decrypt")}}}}),
            "DS-PUB-008",
        ),
    ];
    let rules = driftscan_core::rules::load_catalog(&[]).unwrap();
    let approved: Value = serde_json::from_str(&std::fs::read_to_string(demo_baseline_snapshot()).unwrap()).unwrap();
    let mut problems = Vec::new();
    for (event, id, baseline_patch, current_patch, rule) in events {
        let before = patched(&approved, &baseline_patch);
        let findings = ApprovedBaselines::write(&before).scan(patched(&approved, &current_patch), &rules, &[]);
        if !open_drift(&findings, id).iter().any(|f| f.rule_id == rule) {
            problems.push(format!("{event}: no {rule} finding"));
        }
        problems.extend(judge(event, id, &findings));
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
