//! Encryption checks that need more than one field: TLS enforcement in bucket policies,
//! DynamoDB key ownership, and KMS keys that other resources depend on.

use serde_json::Value;

use super::{Analyzer, Hit, View};
use crate::diff::ResourceDiff;
use crate::snapshot::Snapshot;
use crate::snapshot::policy::{Effect, PolicyDocument};

/// A Deny for requests with `aws:SecureTransport = false` covering every principal and
/// S3 action: the bucket refuses plain HTTP.
pub fn denies_insecure_transport(policy: &PolicyDocument) -> bool {
    policy.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && s.principal.as_ref().is_some_and(|p| p.values().flatten().any(|v| v == "*"))
            && s.action.iter().any(|a| a == "*" || a == "s3:*")
            && s.condition.iter().any(|(op, keys)| {
                op.to_ascii_lowercase().starts_with("bool")
                    && keys.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("aws:SecureTransport")
                            && v.iter().any(|x| x.eq_ignore_ascii_case("false"))
                    })
            })
    })
}

#[derive(Debug)]
pub struct InsecureTransportAllowed;

impl Analyzer for InsecureTransportAllowed {
    fn is_drift(&self) -> bool {
        false
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(bucket) = view.facts.s3.buckets.get(view.id) else { return Vec::new() };
        if bucket.policy.as_ref().is_some_and(denies_insecure_transport) {
            return Vec::new();
        }
        let detail = if bucket.policy.is_some() {
            "its bucket policy does not deny requests without TLS"
        } else {
            "it has no bucket policy denying requests without TLS"
        };
        vec![Hit::new("", "policy", detail)]
    }
}

/// Whether a DynamoDB table's key is one the customer manages (it can audit, rotate and
/// revoke it), judged from the KMS facts of the same side.
fn customer_key(facts: &Snapshot, value: &Value) -> Option<String> {
    if value.get("sse_type").and_then(Value::as_str) != Some("KMS") {
        return None;
    }
    let arn = value.get("kms_key_arn").and_then(Value::as_str)?;
    match facts.kms.find(arn) {
        Some((_, key)) if key.manager == "AWS" => None,
        // A key the facts don't know is not AWS-managed by name either: count it as the customer's.
        _ if arn.contains("alias/aws/") => None,
        _ => Some(arn.to_string()),
    }
}

#[derive(Debug)]
pub struct DynamodbKeyDowngrade;

impl Analyzer for DynamodbKeyDowngrade {
    fn is_drift(&self) -> bool {
        true
    }

    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let Some(was) = customer_key(b.facts, b.value) else { return Vec::new() };
        if customer_key(c.facts, c.value).is_some() {
            return Vec::new();
        }
        let now = match c.value.get("sse_type").and_then(Value::as_str) {
            Some("KMS") => "an AWS managed key",
            _ => "an AWS owned key",
        };
        let detail = format!("moved from customer managed key {was} to {now}");
        vec![Hit::new("", "sse_type", detail).values(Some(Value::from(was)), c.value.get("sse_type").cloned())]
    }
}

/// Every resource that names a KMS key, as (what it is, the key reference).
fn key_users(facts: &Snapshot) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    for (name, b) in &facts.s3.buckets {
        if let Some(k) = &b.encryption.kms_key_id {
            out.push((format!("bucket {}", name.rsplit(':').next().unwrap_or(name)), k));
        }
    }
    for i in facts.rds.instances.values() {
        if let Some(k) = &i.kms_key_id {
            out.push((format!("DB instance {}", i.identifier), k));
        }
    }
    for c in facts.rds.clusters.values() {
        if let Some(k) = &c.kms_key_id {
            out.push((format!("DB cluster {}", c.identifier), k));
        }
    }
    for s in facts.rds.snapshots.values() {
        if let Some(k) = &s.kms_key_id {
            out.push((format!("DB snapshot {}", s.identifier), k));
        }
    }
    for t in facts.dynamodb.tables.values() {
        if let Some(k) = &t.kms_key_arn {
            out.push((format!("table {}", t.name), k));
        }
    }
    out
}

#[derive(Debug)]
pub struct KeyInUseUnusable;

impl Analyzer for KeyInUseUnusable {
    fn is_drift(&self) -> bool {
        false
    }

    /// Whether the key is in use depends on buckets, databases and tables.
    fn same_on_both_sides(&self, _baseline: &View, _current: &View, _diff: &ResourceDiff) -> bool {
        false
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(key) = view.facts.kms.keys.get(view.id) else { return Vec::new() };
        if key.state == "Enabled" {
            return Vec::new();
        }
        let mut users: Vec<String> = key_users(view.facts)
            .into_iter()
            .filter(|(_, reference)| view.facts.kms.find(reference).is_some_and(|(arn, _)| arn == view.id))
            .map(|(what, _)| what)
            .collect();
        if users.is_empty() {
            return Vec::new();
        }
        users.sort();
        let when = key.deletion_date.map(|d| format!(", deletion on {}", d.date_naive())).unwrap_or_default();
        let detail = format!("the key is {}{when} but protects {}", key.state, users.join(", "));
        vec![Hit::new("", "state", detail).values(None, Some(Value::from(key.state.clone())))]
    }
}
