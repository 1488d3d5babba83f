//! Declarative rule conditions: predicates over field paths of a resource, on its current
//! value or its baseline value. `all` must hold, and at least one of `any` if given.

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::snapshot::{self, ResourceType};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    #[serde(default)]
    all: Vec<RawPredicate>,
    #[serde(default)]
    any: Vec<RawPredicate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPredicate {
    path: Spanned<String>,
    /// `current` (default) or `baseline`.
    of: Option<Spanned<String>>,
    equals: Option<toml::Value>,
    not_equals: Option<toml::Value>,
    #[serde(rename = "in")]
    in_: Option<Vec<toml::Value>>,
    not_in: Option<Vec<toml::Value>>,
    empty: Option<bool>,
    less_than: Option<f64>,
    greater_than: Option<f64>,
    /// The value differs from the baseline's (the resource must be in the baseline).
    changed: Option<bool>,
    /// The number is lower than the baseline's.
    decreased: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Current,
    Baseline,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Empty(bool),
    LessThan(f64),
    GreaterThan(f64),
    Changed,
    Decreased,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub path: String,
    pub side: Side,
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub all: Vec<Predicate>,
    pub any: Vec<Predicate>,
}

type Invalid = (Option<std::ops::Range<usize>>, String);

impl Condition {
    pub fn validate(raw: RawCondition, kinds: &[ResourceType]) -> Result<Condition, Invalid> {
        if raw.all.is_empty() && raw.any.is_empty() {
            return Err((None, "a condition needs at least one predicate in `all` or `any`".into()));
        }
        let convert = |list: Vec<RawPredicate>| {
            list.into_iter().map(|p| Predicate::validate(p, kinds)).collect::<Result<Vec<_>, _>>()
        };
        Ok(Condition { all: convert(raw.all)?, any: convert(raw.any)? })
    }

    /// Reads the baseline, so it can only hold as drift.
    pub fn is_drift(&self) -> bool {
        self.all
            .iter()
            .chain(&self.any)
            .any(|p| p.side == Side::Baseline || matches!(p.test, Test::Changed | Test::Decreased))
    }

    /// The first path named: the field a finding points at by default.
    pub fn first_path(&self) -> &str {
        &self.all.first().or(self.any.first()).expect("validated non-empty").path
    }

    pub fn holds(&self, baseline: Option<&Value>, current: Option<&Value>) -> bool {
        self.all.iter().all(|p| p.holds(baseline, current))
            && (self.any.is_empty() || self.any.iter().any(|p| p.holds(baseline, current)))
    }
}

impl Predicate {
    fn validate(raw: RawPredicate, kinds: &[ResourceType]) -> Result<Predicate, Invalid> {
        let span = raw.path.span();
        let path = raw.path.into_inner();
        for k in kinds {
            if !k.field_paths().contains(&path) {
                return Err((Some(span), format!("unknown field path `{path}` for resource type {k}")));
            }
        }
        let side = match &raw.of {
            None => Side::Current,
            Some(of) => match of.get_ref().as_str() {
                "current" => Side::Current,
                "baseline" => Side::Baseline,
                other => return Err((Some(of.span()), format!("`of` must be `current` or `baseline`, not `{other}`"))),
            },
        };
        let mut tests = Vec::new();
        if let Some(v) = raw.equals {
            tests.push(Test::Equals(json(v)))
        }
        if let Some(v) = raw.not_equals {
            tests.push(Test::NotEquals(json(v)))
        }
        if let Some(v) = raw.in_ {
            tests.push(Test::In(v.into_iter().map(json).collect()))
        }
        if let Some(v) = raw.not_in {
            tests.push(Test::NotIn(v.into_iter().map(json).collect()))
        }
        if let Some(v) = raw.empty {
            tests.push(Test::Empty(v))
        }
        if let Some(v) = raw.less_than {
            tests.push(Test::LessThan(v))
        }
        if let Some(v) = raw.greater_than {
            tests.push(Test::GreaterThan(v))
        }
        if let Some(v) = raw.changed {
            if !v {
                return Err((Some(span), "`changed = false` is not a test; leave it out".into()));
            }
            tests.push(Test::Changed)
        }
        if let Some(v) = raw.decreased {
            if !v {
                return Err((Some(span), "`decreased = false` is not a test; leave it out".into()));
            }
            tests.push(Test::Decreased)
        }
        if tests.len() != 1 {
            return Err((
                Some(span),
                format!(
                    "predicate on `{path}` needs exactly one test (equals, not_equals, in, not_in, empty, less_than, greater_than, changed, decreased), found {}",
                    tests.len()
                ),
            ));
        }
        let test = tests.pop().expect("one test");
        if matches!(test, Test::Changed | Test::Decreased) && side == Side::Baseline {
            return Err((Some(span), "`changed` and `decreased` already compare both sides; drop `of`".into()));
        }
        Ok(Predicate { path, side, test })
    }

    pub fn holds(&self, baseline: Option<&Value>, current: Option<&Value>) -> bool {
        let b = baseline.and_then(|v| snapshot::field(v, &self.path));
        let c = current.and_then(|v| snapshot::field(v, &self.path));
        let subject = match self.side {
            Side::Current => c,
            Side::Baseline => b,
        };
        match &self.test {
            Test::Changed => baseline.is_some() && current.is_some() && b != c,
            Test::Decreased => match (b.and_then(Value::as_f64), c.and_then(Value::as_f64)) {
                (Some(b), Some(c)) => c < b,
                _ => false,
            },
            test => match subject {
                None => false,
                Some(v) => match test {
                    Test::Equals(x) => v == x,
                    Test::NotEquals(x) => v != x,
                    Test::In(xs) => xs.contains(v),
                    Test::NotIn(xs) => !xs.contains(v),
                    Test::Empty(want) => is_empty(v) == *want,
                    Test::LessThan(n) => v.as_f64().is_some_and(|x| x < *n),
                    Test::GreaterThan(n) => v.as_f64().is_some_and(|x| x > *n),
                    Test::Changed | Test::Decreased => unreachable!("handled above"),
                },
            },
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// TOML values as the JSON the facts are compared in.
fn json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(text: &str) -> Result<Condition, Invalid> {
        let raw: RawCondition = toml::from_str(text).unwrap();
        Condition::validate(raw, &[ResourceType::S3Bucket])
    }

    #[test]
    fn all_and_any_combine() {
        let c = cond(
            r#"
            all = [{ path = "versioning.status", equals = "Enabled" }]
            any = [{ path = "public_access_block.block_public_acls", equals = false },
                   { path = "public_access_block.block_public_policy", equals = false }]
        "#,
        )
        .unwrap();
        let v = |acls: bool, policy: bool| json!({"versioning": {"status": "Enabled"}, "public_access_block": {"block_public_acls": acls, "block_public_policy": policy}});
        assert!(c.holds(None, Some(&v(false, true))));
        assert!(!c.holds(None, Some(&v(true, true))));
        assert!(!c.is_drift());
    }

    #[test]
    fn baseline_predicates_make_a_drift_condition() {
        let c = cond(r#"all = [{ path = "versioning.status", of = "baseline", equals = "Enabled" }, { path = "versioning.status", not_equals = "Enabled" }]"#).unwrap();
        assert!(c.is_drift());
        let (b, now) = (json!({"versioning": {"status": "Enabled"}}), json!({"versioning": {"status": "Suspended"}}));
        assert!(c.holds(Some(&b), Some(&now)));
        assert!(!c.holds(None, Some(&now)), "no baseline, no drift");
    }

    #[test]
    fn changed_and_decreased_need_both_sides() {
        let c = cond(r#"all = [{ path = "encryption.kms_key_id", changed = true }]"#).unwrap();
        assert!(c.holds(
            Some(&json!({"encryption": {"kms_key_id": "a"}})),
            Some(&json!({"encryption": {"kms_key_id": "b"}}))
        ));
        assert!(!c.holds(None, Some(&json!({"encryption": {"kms_key_id": "b"}}))));
        let raw: RawCondition =
            toml::from_str(r#"all = [{ path = "backup_retention_days", decreased = true }]"#).unwrap();
        let d = Condition::validate(raw, &[ResourceType::RdsInstance]).unwrap();
        assert!(d.holds(Some(&json!({"backup_retention_days": 7})), Some(&json!({"backup_retention_days": 1}))));
        assert!(!d.holds(Some(&json!({"backup_retention_days": 1})), Some(&json!({"backup_retention_days": 7}))));
    }

    #[test]
    fn invalid_predicates_are_rejected() {
        assert!(
            cond(r#"all = [{ path = "encryption.algo", equals = "x" }]"#)
                .unwrap_err()
                .1
                .contains("unknown field path `encryption.algo`")
        );
        assert!(
            cond(r#"all = [{ path = "name", equals = "x", not_equals = "y" }]"#)
                .unwrap_err()
                .1
                .contains("exactly one test")
        );
        assert!(cond(r#"all = [{ path = "name" }]"#).unwrap_err().1.contains("exactly one test"));
        assert!(
            cond(r#"all = [{ path = "name", of = "yesterday", equals = "x" }]"#)
                .unwrap_err()
                .1
                .contains("`of` must be")
        );
        assert!(cond("").unwrap_err().1.contains("at least one predicate"));
    }
}
