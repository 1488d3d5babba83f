//! The account password policy got weaker than the approved one, setting by setting.

use serde_json::Value;

use super::{Analyzer, Hit, View, show};
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

impl Analyzer for PasswordPolicyWeakened {
    fn is_drift(&self) -> bool {
        true
    }

    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        SETTINGS
            .iter()
            .filter_map(|(name, how)| {
                let path = format!("password_policy.{name}");
                let (was, now) = (snapshot::field(b.value, &path), snapshot::field(c.value, &path));
                weaker(*how, was, now).then(|| {
                    let detail = if *name == "present" {
                        "the password policy was deleted (AWS defaults apply: 8 characters, no complexity)".to_string()
                    } else {
                        format!("{name} went from {} to {}", show(was), show(now))
                    };
                    Hit::new(*name, path, detail).values(was.cloned(), now.cloned())
                })
            })
            .collect()
    }
}
