//! Named analyzers: checks that need real logic (policy evaluation, ordering of
//! encryption strengths, field-level drift), referred to by rule files with parameters.
//! Analyzers read facts only; they never call AWS and never change facts.

mod access_keys;
mod admin;
mod changes;
mod cloudtrail;
mod console_login;
mod encryption;
mod exposure;
mod foreign;
mod organization;
mod password;
mod privilege;
mod ranked;
pub mod registry;
mod trust;
mod wildcard;

pub use registry::{ANALYZERS, AnalyzerSpec, build};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::diff::ResourceDiff;
use crate::iam::{Policies, PolicyIndex, RoleGraph};
use crate::snapshot::iam::IamRole;
use crate::snapshot::{ResourceType, Snapshot};

/// One resource on one side, with the facts it can be cross-referenced against.
pub struct View<'a> {
    pub facts: &'a Snapshot,
    pub kind: ResourceType,
    pub id: &'a str,
    pub value: &'a Value,
    /// The account's role graph on this side, when a rule of the run asked for one
    /// ([`StateAnalyzer::uses_role_graph`]).
    pub role_graph: Option<&'a RoleGraph>,
    /// Accounts the user trusts with access (beside the account itself).
    pub trusted_accounts: &'a std::collections::BTreeSet<String>,
    /// The principals' effective policies on this side, when the engine gathered them.
    pub policy_index: Option<&'a PolicyIndex<'a>>,
}

impl<'a> View<'a> {
    /// The effective policies of this principal, from the side's index when it has them.
    pub fn policies(&self) -> std::borrow::Cow<'a, Policies<'a>> {
        match self.policy_index.and_then(|index| index.get(self.id)) {
            Some(p) => std::borrow::Cow::Borrowed(p),
            None => std::borrow::Cow::Owned(Policies::of(self.facts, self.kind, self.id)),
        }
    }

    /// Whether this principal's effective policies are those it has in `baseline`: from
    /// the index's comparison when the engine made one, else by comparing them.
    pub fn same_policies_as(&self, baseline: &View) -> bool {
        match self.policy_index.and_then(|index| index.unchanged(self.id)) {
            Some(unchanged) => unchanged,
            None => baseline.policies().same_as(&self.policies()),
        }
    }

    /// The role this view is of (`None` for any other resource, or one these facts lack).
    pub fn role(&self) -> Option<&'a IamRole> {
        (self.kind == ResourceType::IamRole).then(|| self.facts.iam.roles.get(self.id)).flatten()
    }
}

/// A resource's own policy document: a bucket, file system or key policy.
pub struct ResourcePolicy<'a> {
    /// `None` when the resource has no policy.
    pub document: Option<&'a crate::snapshot::policy::PolicyDocument>,
    /// What it is called in messages: `bucket policy`, `file system policy`, `key policy`.
    pub name: &'static str,
    /// The IAM service prefix of the resource's actions (`s3`, `elasticfilesystem`, `kms`).
    pub service: &'static str,
}

impl<'a> View<'a> {
    /// The resource's own policy; `None` for kinds that have none, or a resource the
    /// facts of this side do not hold.
    pub fn resource_policy(&self) -> Option<ResourcePolicy<'a>> {
        let facts = self.facts;
        let (document, name, service) = match self.kind {
            ResourceType::S3Bucket => (facts.s3.buckets.get(self.id)?.policy.as_ref(), "bucket policy", "s3"),
            ResourceType::EfsFileSystem => {
                (facts.efs.file_systems.get(self.id)?.policy.as_ref(), "file system policy", "elasticfilesystem")
            }
            ResourceType::KmsKey => (facts.kms.keys.get(self.id)?.policy.as_ref(), "key policy", "kms"),
            _ => return None,
        };
        Some(ResourcePolicy { document, name, service })
    }
}

/// What an analyzer found on one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Tells several hits of one rule on one resource apart (part of the fingerprint).
    pub key: String,
    pub field: Option<String>,
    /// Substituted for `{detail}` in the rule's message.
    pub detail: String,
    pub baseline: Option<Value>,
    pub current: Option<Value>,
}

impl Hit {
    pub fn new(key: impl Into<String>, field: impl Into<String>, detail: impl Into<String>) -> Hit {
        Hit { key: key.into(), field: Some(field.into()), detail: detail.into(), baseline: None, current: None }
    }

    pub fn values(mut self, baseline: Option<Value>, current: Option<Value>) -> Hit {
        self.baseline = baseline;
        self.current = current;
        self
    }
}

/// A rule's analyzer: which of the two kinds it is decides how the engine runs it, so
/// one wired as the other does not compile.
#[derive(Debug)]
pub enum Analyzer {
    State(Box<dyn StateAnalyzer>),
    Drift(Box<dyn DriftAnalyzer>),
}

impl Analyzer {
    /// Whether it reads [`View::value`] (the resource as JSON) rather than the typed facts
    /// only: an unchanged resource whose rules all read facts is then not turned into JSON
    /// (roles, groups and policies; 4.6 % of a scan built values nobody read).
    pub fn reads_value(&self) -> bool {
        match self {
            Analyzer::State(a) => a.reads_value(),
            Analyzer::Drift(a) => a.reads_value(),
        }
    }
}

/// Looks at one side at a time: what is wrong in these facts. The engine compares what it
/// finds on the two sides (new, unchanged, updated or gone since the baseline).
pub trait StateAnalyzer: Send + Sync + std::fmt::Debug {
    fn check(&self, view: &View) -> Vec<Hit>;

    /// Whether it must find the same on both sides, so the engine can skip the baseline
    /// side. By default, when the resource did not change; analyzers that read other
    /// resources decide for themselves.
    fn same_on_both_sides(&self, _baseline: &View, _current: &View, diff: &ResourceDiff) -> bool {
        diff.change == crate::diff::Change::Unchanged
    }

    /// What it finds on the baseline side, worked out from what it found on the current
    /// side (`now`) where that is cheaper than a second `check`; `None` to check the
    /// baseline side. By default the same hits where [`StateAnalyzer::same_on_both_sides`]
    /// says so.
    fn baseline_hits(&self, baseline: &View, current: &View, diff: &ResourceDiff, now: &[Hit]) -> Option<Vec<Hit>> {
        self.same_on_both_sides(baseline, current, diff).then(|| now.to_vec())
    }

    /// Whether its views need the account's role graph ([`View::role_graph`]), built
    /// once per side of a scan when some rule asks.
    fn uses_role_graph(&self) -> bool {
        false
    }

    /// See [`Analyzer::reads_value`].
    fn reads_value(&self) -> bool {
        true
    }
}

/// Compares a resource's baseline with its current side: what changed for the worse.
/// Everything it finds is new.
pub trait DriftAnalyzer: Send + Sync + std::fmt::Debug {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, diff: &ResourceDiff) -> Vec<Hit>;

    /// See [`Analyzer::reads_value`].
    fn reads_value(&self) -> bool {
        true
    }

    /// Its findings are dropped where another rule already reports the same resource and
    /// field (the catch-all "other change" rule).
    fn yields_to_other_rules(&self) -> bool {
        false
    }
}

/// The field of a principal that best explains where a permission comes from.
fn source_field(sources: &[String]) -> &'static str {
    if sources.iter().any(|s| s.starts_with("group ")) {
        "groups"
    } else if sources.iter().any(|s| s.starts_with("inline policy")) {
        "inline_policies"
    } else {
        "attached_policies"
    }
}

/// Rejects any `[params]` entry of analyzer `name` besides `allowed`.
fn only_params(name: &str, params: &toml::Table, allowed: &[&str]) -> Result<(), String> {
    let Some(k) = params.keys().find(|k| !allowed.contains(&k.as_str())) else { return Ok(()) };
    if allowed.is_empty() {
        return Err(format!("analyzer `{name}` takes no parameter `{k}`"));
    }
    let only: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    Err(format!("analyzer `{name}` takes no parameter `{k}` (only {})", only.join(" and ")))
}

/// `params.days` of analyzer `name`: a positive number of days.
fn days_param(name: &str, params: &toml::Table) -> Result<i64, String> {
    match params.get("days").and_then(toml::Value::as_integer) {
        Some(days) if days > 0 => Ok(days),
        _ => Err(format!("analyzer `{name}` needs `params.days`, a positive number of days")),
    }
}

/// Whole days from `from` to `to`, as the age and idle-time rules count them.
fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days()
}

/// A JSON value shown in a message: strings bare, anything else as compact JSON, cut
/// short so that a whole policy document does not become a message.
pub fn show(v: Option<&Value>) -> String {
    const MAX: usize = 120;
    let text = match v {
        None | Some(Value::Null) => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
