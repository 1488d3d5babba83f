//! Encryption checks that need more than one field: TLS enforcement in bucket and file
//! system policies, who manages a table's or cluster's key, and KMS keys that other
//! resources depend on.

use serde_json::Value;

use super::{DriftAnalyzer, Hit, StateAnalyzer, View};
use crate::diff::ResourceDiff;
use crate::snapshot::policy::{Effect, PolicyDocument};
use crate::snapshot::{ResourceType, Snapshot};

/// A Deny for requests with `aws:SecureTransport = false` covering every principal and
/// every action of `service` (`s3`, `elasticfilesystem`): the resource refuses plain text.
pub fn denies_insecure_transport(policy: &PolicyDocument, service: &str) -> bool {
    policy.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && s.principal.as_ref().is_some_and(|p| p.values().flatten().any(|v| v == "*"))
            && s.action
                .iter()
                .any(|a| a == "*" || a.strip_suffix(":*").is_some_and(|p| p.eq_ignore_ascii_case(service)))
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

impl StateAnalyzer for InsecureTransportAllowed {
    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(policy) = view.resource_policy() else { return Vec::new() };
        let what = policy.name;
        let detail = match policy.document {
            Some(doc) if denies_insecure_transport(doc, policy.service) => return Vec::new(),
            Some(_) => format!("its {what} does not deny requests without TLS"),
            None => format!("it has no {what} denying requests without TLS"),
        };
        vec![Hit::new("", "policy", detail)]
    }
}

/// The KMS key a table or cluster is encrypted with, if it is encrypted with one.
fn kms_key_of(kind: ResourceType, value: &Value) -> Option<&str> {
    let (encrypted, key) = match kind {
        ResourceType::DynamodbTable => (value.get("sse_type").and_then(Value::as_str) == Some("KMS"), "kms_key_arn"),
        _ => (value.get("encrypted").and_then(Value::as_bool) == Some(true), "kms_key_id"),
    };
    encrypted.then(|| value.get(key).and_then(Value::as_str)).flatten()
}

/// Whether a table's or cluster's key is one the customer manages (it can audit, rotate
/// and revoke it), judged from the KMS facts of the same side.
fn customer_key(facts: &Snapshot, kind: ResourceType, value: &Value) -> Option<String> {
    let arn = kms_key_of(kind, value)?;
    match facts.kms.find(arn) {
        Some((_, key)) if key.manager == "AWS" => None,
        // A key the facts don't know is not AWS-managed by name either: count it as the customer's.
        _ if arn.contains("alias/aws/") => None,
        _ => Some(arn.to_string()),
    }
}

/// A DynamoDB table or Redshift cluster that left its customer-managed key.
#[derive(Debug)]
pub struct CustomerKeyDowngrade;

impl DriftAnalyzer for CustomerKeyDowngrade {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let Some(was) = customer_key(b.facts, b.kind, b.value) else { return Vec::new() };
        if customer_key(c.facts, c.kind, c.value).is_some() {
            return Vec::new();
        }
        let (now, field) = match (c.kind, kms_key_of(c.kind, c.value)) {
            (ResourceType::DynamodbTable, Some(_)) => ("an AWS managed key".to_string(), "sse_type"),
            (ResourceType::DynamodbTable, None) => ("an AWS owned key".to_string(), "sse_type"),
            (_, Some(key)) => (format!("the AWS managed key {key}"), "kms_key_id"),
            (_, None) => ("no encryption".to_string(), "encrypted"),
        };
        let detail = format!("moved from customer managed key {was} to {now}");
        vec![Hit::new("", field, detail).values(Some(Value::from(was)), c.value.get(field).cloned())]
    }
}

/// Every resource that names a KMS key, as (what it is, the key reference).
fn key_users(facts: &Snapshot) -> Vec<(String, &str)> {
    /// Adds the resource `what` names when it has a key (named only then).
    fn add<'f>(out: &mut Vec<(String, &'f str)>, key: &'f Option<String>, what: impl FnOnce() -> String) {
        if let Some(k) = key {
            out.push((what(), k));
        }
    }
    let mut out = Vec::new();
    for (arn, b) in &facts.s3.buckets {
        add(&mut out, &b.encryption.kms_key_id, || format!("bucket {}", crate::arn::short_name(arn)));
    }
    for i in facts.rds.instances.values() {
        add(&mut out, &i.kms_key_id, || format!("DB instance {}", i.identifier));
    }
    for c in facts.rds.clusters.values() {
        add(&mut out, &c.kms_key_id, || format!("DB cluster {}", c.identifier));
    }
    for s in facts.rds.snapshots.values() {
        add(&mut out, &s.kms_key_id, || format!("DB snapshot {}", s.identifier));
    }
    for t in facts.dynamodb.tables.values() {
        add(&mut out, &t.kms_key_arn, || format!("table {}", t.name));
    }
    for d in facts.ec2.ebs_defaults.values().filter(|d| d.encryption_by_default) {
        add(&mut out, &d.default_kms_key_id, || format!("new EBS volumes in {}", d.region));
    }
    for v in facts.ec2.volumes.values() {
        add(&mut out, &v.kms_key_id, || format!("EBS volume {}", v.name.as_deref().unwrap_or(&v.volume_id)));
    }
    for s in facts.ec2.snapshots.values() {
        add(&mut out, &s.kms_key_id, || format!("EBS snapshot {}", s.snapshot_id));
    }
    for f in facts.efs.file_systems.values() {
        add(&mut out, &f.kms_key_id, || format!("file system {}", f.name.as_deref().unwrap_or(&f.file_system_id)));
    }
    for c in facts.redshift.clusters.values() {
        add(&mut out, &c.kms_key_id, || format!("Redshift cluster {}", c.identifier));
    }
    for t in facts.cloudtrail.trails.values() {
        add(&mut out, &t.kms_key_id, || format!("trail {}", t.name));
    }
    out
}

#[derive(Debug)]
pub struct KeyInUseUnusable;

impl StateAnalyzer for KeyInUseUnusable {
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
