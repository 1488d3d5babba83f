//! Resource-by-resource, field-by-field comparison of the current facts with the baseline.

use std::collections::BTreeMap;

use serde_json::Value;
use similar::TextDiff;

use crate::snapshot::{CollectionGap, ResourceRef, ResourceType, Service, Snapshot};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    Added,
    Removed,
    /// The dotted paths of the fields that differ, sorted.
    Changed(Vec<String>),
    Unchanged,
    /// In the baseline, but its service/region could not be collected: its state is
    /// unknown, so it is neither "removed" nor "unchanged".
    Uncollected,
}

/// One resource on both sides. Values are canonical JSON without volatile fields.
///
/// An unchanged resource (nearly all of them, night after night) holds no value: its
/// facts are the current snapshot's, and the rules engine builds its value while it
/// evaluates it ([`ResourceDiff::sides`]). Keeping 100k values for the whole scan was the
/// larger part of its memory.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ResourceDiff {
    pub resource_type: ResourceType,
    pub id: String,
    before: Option<Value>,
    current: Option<Value>,
    pub change: Change,
}

impl ResourceDiff {
    /// The resource as the baseline has it; `None` when it is not in the baseline, and for
    /// an unchanged resource (see [`ResourceDiff::sides`]).
    pub fn baseline(&self) -> Option<&Value> {
        self.before.as_ref()
    }

    /// The resource as it is now; `None` when it is gone, and for an unchanged resource.
    pub fn current(&self) -> Option<&Value> {
        self.current.as_ref()
    }

    /// `(baseline, current)` values, an unchanged resource's built from `snapshot` (the
    /// current facts) into `scratch`, which must outlive their use.
    pub fn sides<'a>(
        &'a self,
        snapshot: &Snapshot,
        scratch: &'a mut Option<Value>,
    ) -> (Option<&'a Value>, Option<&'a Value>) {
        if self.change != Change::Unchanged {
            return (self.before.as_ref(), self.current.as_ref());
        }
        *scratch = snapshot.resource_ref(self.resource_type, &self.id).map(|r| canonical_value(self.resource_type, r));
        (scratch.as_ref(), scratch.as_ref())
    }
}

/// The value baselines hold and rules read: canonical JSON without volatile fields.
pub fn canonical_value(kind: ResourceType, r: ResourceRef) -> Value {
    let mut v = r.to_value();
    kind.strip_volatile(&mut v);
    v
}

/// Compares every resource of `current` with `baseline`, sorted by (kind, id). Resources
/// whose typed facts are equal (nearly all of them, night after night) are compared
/// without building any value: turning facts into JSON values is the costliest part of a
/// diff, and holding them the largest part of a scan's memory.
pub fn diff(baseline: &Snapshot, current: &Snapshot) -> Vec<ResourceDiff> {
    use rayon::prelude::*;
    use std::cmp::Ordering;
    type Sides<'a> = (Option<ResourceRef<'a>>, Option<ResourceRef<'a>>);
    // Both lists come sorted by (kind, id): merged in one pass (a B-tree of both sides'
    // 200k ARNs was a cache miss per comparison at 100k resources).
    let (before, after) = rayon::join(|| baseline.resource_refs(), || current.resource_refs());
    let (mut before, mut after) = (before.into_iter().peekable(), after.into_iter().peekable());
    let mut pairs: Vec<((ResourceType, &str), Sides)> = Vec::new();
    loop {
        let order = match (before.peek(), after.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((bk, bi, _)), Some((ak, ai, _))) => (bk, bi).cmp(&(ak, ai)),
        };
        let (key, sides) = match order {
            Ordering::Less => before.next().map(|(k, id, r)| ((k, id), (Some(r), None))),
            Ordering::Greater => after.next().map(|(k, id, r)| ((k, id), (None, Some(r)))),
            Ordering::Equal => {
                before.next().zip(after.next()).map(|((k, id, b), (_, _, a))| ((k, id), (Some(b), Some(a))))
            }
        }
        .expect("peeked");
        pairs.push((key, sides));
    }
    let gaps = &current.meta.collection_gaps;
    // Only `--org` runs read the organization: any other run leaves it as it was.
    let organization_read = !current.organizations.is_empty();
    pairs
        .into_par_iter()
        .map(|((resource_type, id), sides)| {
            let (before, current, change) = match sides {
                (None, Some(c)) => (None, Some(canonical_value(resource_type, c)), Change::Added),
                (Some(b), None) => {
                    let b = canonical_value(resource_type, b);
                    let uncollected = (resource_type.service() == Service::Organizations && !organization_read)
                        || uncollected(gaps, resource_type.service(), &b);
                    (Some(b), None, if uncollected { Change::Uncollected } else { Change::Removed })
                }
                (Some(b), Some(c)) if b.same_as(c) => (None, None, Change::Unchanged),
                (Some(b), Some(c)) => {
                    let (b, c) = (canonical_value(resource_type, b), canonical_value(resource_type, c));
                    let mut paths = Vec::new();
                    changed_paths(&b, &c, "", &mut paths);
                    if paths.is_empty() {
                        // Equal once volatile fields are left out.
                        (None, None, Change::Unchanged)
                    } else {
                        (Some(b), Some(c), Change::Changed(paths))
                    }
                }
                (None, None) => unreachable!("a pair has at least one side"),
            };
            ResourceDiff { resource_type, id: id.to_string(), before, current, change }
        })
        .collect()
}

/// A resource missing today is only "removed" when its service and region were read.
fn uncollected(gaps: &[CollectionGap], service: Service, baseline: &Value) -> bool {
    let region = baseline.get("region").and_then(Value::as_str);
    gaps.iter()
        .any(|g| g.service == service && (g.region.is_none() || region.is_none() || g.region.as_deref() == region))
}

/// Objects are compared key by key; lists and scalars as a whole (a list's items have
/// no identity of their own, so a reordered list would otherwise look like many changes).
fn changed_paths(a: &Value, b: &Value, prefix: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => changed_paths(va, vb, &path, out),
                    _ => out.push(path),
                }
            }
        }
        _ if a != b => out.push(prefix.to_string()),
        _ => {}
    }
}

/// A unified diff of one resource's canonical JSON, `git diff` style, access key ids masked:
/// every reader of it is a person (terminal, Markdown, HTML).
pub fn unified(d: &ResourceDiff) -> String {
    let render = |v: &Option<Value>| match v {
        Some(v) => {
            let wrapped: BTreeMap<&str, &Value> = [(d.resource_type.as_str(), v)].into();
            let mut s = serde_json::to_string_pretty(&wrapped).expect("values serialize");
            s.push('\n');
            s
        }
        None => String::new(),
    };
    let (old, new) = (render(&d.baseline().cloned()), render(&d.current));
    let old_name = if d.baseline().is_some() { format!("baseline {}", d.id) } else { "/dev/null".into() };
    let new_name = if d.current.is_some() { format!("current {}", d.id) } else { "/dev/null".into() };
    let text =
        TextDiff::from_lines(&old, &new).unified_diff().context_radius(3).header(&old_name, &new_name).to_string();
    crate::redact::mask_key_ids_in(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_snapshots_resources_come_sorted_by_kind_and_id_as_the_merge_needs() {
        let text = include_str!("../../../fixtures/demo/today.json");
        let snapshot = crate::snapshot::Snapshot::parse(std::path::Path::new("today.json"), text).unwrap();
        let keys: Vec<_> = snapshot.resource_refs().into_iter().map(|(kind, id, _)| (kind, id)).collect();
        assert!(keys.len() > 20 && keys.iter().map(|(k, _)| k).collect::<std::collections::BTreeSet<_>>().len() > 5);
        assert!(keys.is_sorted(), "resource_refs must list (kind, id) in order");
    }

    #[test]
    fn nested_objects_report_leaf_paths_and_lists_report_themselves() {
        let a = json!({"encryption": {"algorithm": "aws:kms", "bucket_key_enabled": true}, "tags": [1, 2], "x": 1});
        let b = json!({"encryption": {"algorithm": "AES256", "bucket_key_enabled": true}, "tags": [2, 1], "y": 1});
        let mut out = Vec::new();
        changed_paths(&a, &b, "", &mut out);
        assert_eq!(out, vec!["encryption.algorithm", "tags", "x", "y"]);
    }
}
