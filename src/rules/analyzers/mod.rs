//! Named analyzers: checks that need real logic (policy evaluation, ordering of
//! encryption strengths, field-level drift), referred to by rule files with parameters.
//! Analyzers read facts only; they never call AWS and never change facts.

mod admin;
mod changes;
pub mod policy_eval;
mod ranked;
mod wildcard;

use serde_json::Value;

use crate::diff::ResourceDiff;
use crate::snapshot::{ResourceType, Snapshot};

/// One resource on one side, with the facts it can be cross-referenced against.
pub struct View<'a> {
    pub facts: &'a Snapshot,
    pub kind: ResourceType,
    pub id: &'a str,
    pub value: &'a Value,
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

pub trait Analyzer: Send + Sync + std::fmt::Debug {
    /// Drift analyzers compare with the baseline (`compare`); state analyzers look at one
    /// side at a time (`check`), and the engine compares their results.
    fn is_drift(&self) -> bool;

    fn check(&self, _view: &View) -> Vec<Hit> {
        Vec::new()
    }

    fn compare(&self, _baseline: Option<&View>, _current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        Vec::new()
    }

    /// Findings of this analyzer are dropped where another rule already reports the
    /// same resource and field (the catch-all "other change" rule).
    fn yields_to_other_rules(&self) -> bool {
        false
    }
}

/// Builds the analyzer `name` with the rule's `[params]`, for the rule's resource types.
pub fn build(name: &str, params: &toml::Table, kinds: &[ResourceType]) -> Result<Box<dyn Analyzer>, String> {
    let allow = |allowed: &[ResourceType]| -> Result<(), String> {
        match kinds.iter().find(|k| !allowed.contains(k)) {
            Some(k) => Err(format!("analyzer `{name}` does not apply to resource type {k}")),
            None => Ok(()),
        }
    };
    let no_params = || -> Result<(), String> {
        match params.keys().next() {
            Some(k) => Err(format!("analyzer `{name}` takes no parameter `{k}`")),
            None => Ok(()),
        }
    };
    use ResourceType::*;
    Ok(match name {
        "admin_access" => {
            allow(&[IamUser, IamGroup, IamRole])?;
            no_params()?;
            Box::new(admin::AdminAccess)
        }
        "wildcard_policy" => {
            allow(&[IamUser, IamGroup, IamRole, IamPolicy])?;
            no_params()?;
            Box::new(wildcard::WildcardPolicy)
        }
        "ranked_downgrade" => Box::new(ranked::RankedDowngrade::from_params(params, kinds)?),
        "changed_fields" => {
            no_params()?;
            Box::new(changes::ChangedFields)
        }
        other => {
            return Err(format!(
                "unknown analyzer `{other}` (expected one of: admin_access, wildcard_policy, ranked_downgrade, changed_fields)"
            ));
        }
    })
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
