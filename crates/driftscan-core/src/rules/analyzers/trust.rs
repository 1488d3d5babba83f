//! Role trust policies: who may assume the role, and whether that widened.

use std::collections::BTreeSet;

use serde_json::Value;

use super::foreign::foreign_grants;
use super::{DriftAnalyzer, Hit, StateAnalyzer, View};
use crate::arn::AccountId;
use crate::diff::ResourceDiff;
use crate::iam::trust;

/// The trusted principals of the view's role (none for any other resource).
fn trusted(view: &View) -> BTreeSet<String> {
    view.role().map(trust::trusted_principals).unwrap_or_default()
}

#[derive(Debug)]
pub struct RiskyTrust;

impl StateAnalyzer for RiskyTrust {
    fn reads_value(&self) -> bool {
        false
    }

    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(role) = view.role() else { return Vec::new() };
        trust::risks(role, &view.facts.meta.account_id)
            .into_iter()
            .map(|risk| {
                let hit = Hit::new(risk.key, "trust_policy", risk.reason);
                match risk.principal {
                    Some(p) => hit.values(None, Some(Value::from(p))),
                    None => hit,
                }
            })
            .collect()
    }
}

#[derive(Debug)]
pub struct TrustNewPrincipal;

impl DriftAnalyzer for TrustNewPrincipal {
    fn reads_value(&self) -> bool {
        false
    }

    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        // A role that is new as a whole is the new-principal rule's to report.
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let before = trusted(b);
        // Another account is named as bucket and key grants are: its actions, whether a
        // condition limits it, whether it is a trusted account.
        let accounts = foreign_grants(c);
        trusted(c)
            .difference(&before)
            .map(|p| {
                let shown = p.split_once(':').map_or(p.as_str(), |(_, v)| v);
                let grant = p
                    .strip_prefix("AWS:")
                    .and_then(AccountId::of_principal)
                    .and_then(|a| Some((a, accounts.get(a.as_str())?)))
                    .map(|(a, g)| {
                        let described = g.describe(&format!("account {a}"), c.trusted_accounts.contains(a.as_str()));
                        format!(" {}", described.trim_start_matches(&format!("account {a} ")))
                    })
                    .unwrap_or_default();
                Hit::new(p.clone(), "trust_policy", format!("now also trusts {shown}{grant}"))
                    .values(None, Some(Value::from(shown)))
            })
            .collect()
    }
}
