//! A field whose values have a strength order (encryption algorithms, MFA kinds) moved to
//! a weaker value than the baseline's. A value outside the order counts as the weakest,
//! so an unknown setting is never mistaken for a strong one.

use serde_json::Value;

use super::{DriftAnalyzer, Hit, View, show};
use crate::diff::ResourceDiff;
use crate::snapshot::{self, ResourceType};

#[derive(Debug)]
pub struct RankedDowngrade {
    path: String,
    /// Weakest first.
    order: Vec<Value>,
}

impl RankedDowngrade {
    pub fn from_params(params: &toml::Table, kinds: &[ResourceType]) -> Result<Self, String> {
        let path = params
            .get("path")
            .and_then(toml::Value::as_str)
            .ok_or("analyzer `ranked_downgrade` needs `params.path` (a field path)")?;
        for k in kinds {
            if !k.field_paths().iter().any(|p| p == path) {
                return Err(format!("unknown field path `{path}` for resource type {k}"));
            }
        }
        let order: Vec<Value> = params
            .get("order")
            .and_then(toml::Value::as_array)
            .ok_or("analyzer `ranked_downgrade` needs `params.order` (values, weakest first)")?
            .iter()
            .map(|v| v.as_str().map(|s| Value::String(s.into())).ok_or("`params.order` must list strings"))
            .collect::<Result<_, _>>()?;
        if order.len() < 2 {
            return Err("`params.order` needs at least two values".into());
        }
        Ok(RankedDowngrade { path: path.into(), order })
    }

    fn rank(&self, v: Option<&Value>) -> Option<usize> {
        v.and_then(|v| self.order.iter().position(|o| o == v))
    }
}

impl DriftAnalyzer for RankedDowngrade {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let (bv, cv) = (snapshot::field(b.value, &self.path), snapshot::field(c.value, &self.path));
        if bv == cv {
            return Vec::new();
        }
        let weaker = match (self.rank(bv), self.rank(cv)) {
            (Some(was), Some(now)) => now < was,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !weaker {
            return Vec::new();
        }
        vec![Hit {
            key: String::new(),
            field: Some(self.path.clone()),
            detail: format!("downgraded from {} to {}", show(bv), show(cv)),
            baseline: bv.cloned(),
            current: cv.cloned(),
        }]
    }
}
