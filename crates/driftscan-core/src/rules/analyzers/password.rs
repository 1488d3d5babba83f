//! The account password policy got weaker than the approved one, setting by setting.

use serde_json::Value;

use super::{DriftAnalyzer, Hit, View, show};
use crate::diff::ResourceDiff;
use crate::snapshot;

/// How a setting gets weaker.
#[derive(Clone, Copy)]
enum Weaker {
    /// `true` → `false`.
    TurnedOff,
    /// A lower number (or none).
    Lower,
    /// A higher number, or none (no limit).
    HigherOrNone,
}

const SETTINGS: &[(&str, Weaker)] = &[
    ("present", Weaker::TurnedOff),
    ("minimum_length", Weaker::Lower),
    ("require_uppercase", Weaker::TurnedOff),
    ("require_lowercase", Weaker::TurnedOff),
    ("require_numbers", Weaker::TurnedOff),
    ("require_symbols", Weaker::TurnedOff),
    ("max_age_days", Weaker::HigherOrNone),
    ("reuse_prevention", Weaker::Lower),
];

fn weaker(how: Weaker, was: Option<&Value>, now: Option<&Value>) -> bool {
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    match how {
        Weaker::TurnedOff => was == Some(&Value::Bool(true)) && now != Some(&Value::Bool(true)),
        Weaker::Lower => match (num(was), num(now)) {
            (Some(w), Some(n)) => n < w,
            (Some(_), None) => true,
            _ => false,
        },
        Weaker::HigherOrNone => match (num(was), num(now)) {
            (Some(w), Some(n)) => n > w,
            (Some(_), None) => true,
            _ => false,
        },
    }
}

#[derive(Debug)]
pub struct PasswordPolicyWeakened;

impl DriftAnalyzer for PasswordPolicyWeakened {
    /// One finding per event: a deleted policy, or the settings weakened together, named
    /// in one detail (a reviewer sees one change, not one per setting).
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let at = |v: &View, name: &str| snapshot::field(v.value, &format!("password_policy.{name}")).cloned();
        let weakened: Vec<(&str, Option<Value>, Option<Value>)> = SETTINGS
            .iter()
            .filter(|(name, how)| weaker(*how, at(b, name).as_ref(), at(c, name).as_ref()))
            .map(|(name, _)| (*name, at(b, name), at(c, name)))
            .collect();
        if weakened.is_empty() {
            return Vec::new();
        }
        let settings: Vec<String> = weakened
            .iter()
            .filter(|(name, _, _)| *name != "present")
            .map(|(name, was, now)| format!("{name} {} → {}", show(was.as_ref()), show(now.as_ref())))
            .collect();
        let deleted = weakened.iter().any(|(name, _, _)| *name == "present");
        let detail = match (deleted, settings.is_empty()) {
            (true, true) => "the password policy was deleted (AWS defaults apply)".to_string(),
            (true, false) => {
                format!("the password policy was deleted (AWS defaults apply: {})", settings.join(", "))
            }
            (false, _) => settings.join(", "),
        };
        let before = Value::Object(weakened.iter().map(|(n, was, _)| (n.to_string(), was.clone().into())).collect());
        let after = Value::Object(weakened.iter().map(|(n, _, now)| (n.to_string(), now.clone().into())).collect());
        vec![Hit::new("", "password_policy", detail).values(Some(before), Some(after))]
    }
}
