//! Drift of the organization itself: accounts that joined or left, and service control
//! policies (the organization's guardrails) detached, weakened, or left behind when an
//! account or OU moved. A guardrail is an SCP with a Deny statement: detaching an
//! allow-list SCP narrows what accounts may do, so only Deny-bearing SCPs count.

use std::collections::BTreeSet;

use super::{DriftAnalyzer, Hit, View};
use crate::diff::{Change, ResourceDiff};
use crate::glob::wildcard_match;
use crate::snapshot::policy::{Effect, PolicyDocument, Statement};
use crate::snapshot::{OrganizationsFacts, Snapshot};

fn org<'a>(view: &View<'a>) -> &'a OrganizationsFacts {
    &view.facts.organizations
}

fn is_guardrail(document: &PolicyDocument) -> bool {
    document.statements.iter().any(|s| s.effect == Effect::Deny)
}

/// An account that is in the organization now and was not at the baseline.
#[derive(Debug)]
pub struct AccountJoined;

impl DriftAnalyzer for AccountJoined {
    fn compare(&self, _baseline: Option<&View>, current: Option<&View>, diff: &ResourceDiff) -> Vec<Hit> {
        let (Change::Added, Some(c)) = (&diff.change, current) else { return Vec::new() };
        let Some(account) = org(c).accounts.get(c.id) else { return Vec::new() };
        let how = match account.joined_method.as_str() {
            "CREATED" => "created in the organization",
            "INVITED" => "invited into the organization",
            _ => "joined the organization",
        };
        let detail = format!(
            "({}, {}) was {how}, into {}",
            account.name,
            account.email,
            org(c).describe_target(&account.parent)
        );
        vec![Hit { key: "joined".into(), field: None, detail, baseline: None, current: None }]
    }
}

/// An account of the baseline that left the organization, or is no longer active in it.
#[derive(Debug)]
pub struct AccountLeft;

impl DriftAnalyzer for AccountLeft {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, diff: &ResourceDiff) -> Vec<Hit> {
        let Some(b) = baseline else { return Vec::new() };
        let Some(before) = org(b).accounts.get(b.id) else { return Vec::new() };
        let name = &before.name;
        match (&diff.change, current.and_then(|c| org(c).accounts.get(c.id))) {
            (Change::Removed, _) => vec![Hit {
                key: "left".into(),
                field: None,
                detail: format!(
                    "({name}) left the organization: its guardrails and this monitoring no longer reach it"
                ),
                baseline: None,
                current: None,
            }],
            (Change::Changed(_), Some(now)) if before.status == "ACTIVE" && now.status != "ACTIVE" => {
                vec![
                    Hit::new("left", "status", format!("({name}) is no longer active in the organization"))
                        .values(Some(before.status.clone().into()), Some(now.status.clone().into())),
                ]
            }
            _ => Vec::new(),
        }
    }
}

/// A guardrail SCP detached from targets it had at the baseline, or deleted.
#[derive(Debug)]
pub struct ScpDetached;

impl DriftAnalyzer for ScpDetached {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let Some(b) = baseline else { return Vec::new() };
        let Some(before) = org(b).policies.get(b.id) else { return Vec::new() };
        if !is_guardrail(&before.document) || before.targets.is_empty() {
            return Vec::new();
        }
        let now: BTreeSet<&String> = match current.and_then(|c| org(c).policies.get(c.id)) {
            Some(after) => after.targets.iter().collect(),
            None => BTreeSet::new(),
        };
        let lost: Vec<String> =
            before.targets.iter().filter(|t| !now.contains(t)).map(|t| org(b).describe_target(t)).collect();
        if lost.is_empty() {
            return Vec::new();
        }
        let what = if current.is_none() { "was deleted" } else { "was detached" };
        let detail = format!("({}) {what}: it no longer applies to {}", before.name, lost.join(", "));
        let values = |targets: &[String]| Some(serde_json::json!(targets));
        let after = current.and_then(|c| org(c).policies.get(c.id)).map(|p| p.targets.clone()).unwrap_or_default();
        vec![Hit::new("detached", "targets", detail).values(values(&before.targets), values(&after))]
    }
}

/// A guardrail SCP whose document denies less, or allows more, than at the baseline.
#[derive(Debug)]
pub struct ScpWeakened;

impl DriftAnalyzer for ScpWeakened {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let (Some(before), Some(after)) = (org(b).policies.get(b.id), org(c).policies.get(c.id)) else {
            return Vec::new();
        };
        if before.document == after.document {
            return Vec::new();
        }
        let lost: Vec<String> = uncovered(&before.document, &after.document, Effect::Deny)
            .into_iter()
            .map(|s| how_weaker(s, &after.document))
            .collect();
        let gained: Vec<String> =
            uncovered(&after.document, &before.document, Effect::Allow).into_iter().map(shown).collect();
        let mut parts = lost;
        if !gained.is_empty() {
            parts.push(format!("it now allows {}", gained.join("; ")));
        }
        if parts.is_empty() {
            return Vec::new();
        }
        let detail = format!("({}) was weakened: {}", before.name, parts.join("; "));
        vec![Hit::new("weakened", "document", detail)]
    }
}

/// The `effect` statements of `from` that no statement of `to` covers.
fn uncovered<'d>(from: &'d PolicyDocument, to: &PolicyDocument, effect: Effect) -> Vec<&'d Statement> {
    from.statements
        .iter()
        .filter(|s| s.effect == effect)
        .filter(|s| !to.statements.iter().any(|t| t.effect == effect && covers(t, s)))
        .collect()
}

/// What a Deny statement of the baseline lost, said against its counterpart of the same
/// Sid in `now` when there is one: the actions it no longer denies, the exemptions it
/// gained, or that its resources or condition let more through.
fn how_weaker(was: &Statement, now: &PolicyDocument) -> String {
    let counterpart = was
        .sid
        .as_ref()
        .and_then(|sid| now.statements.iter().find(|s| s.effect == Effect::Deny && s.sid.as_ref() == Some(sid)));
    let Some(is) = counterpart else { return format!("it no longer denies {}", shown(was)) };
    let sid = was.sid.as_deref().unwrap_or_default();
    let matches = |pattern: &String, action: &String| wildcard_match(pattern, action, true);
    if !actions_cover(is, was) {
        if was.is_not_action() && is.is_not_action() {
            let added: Vec<&str> = is
                .not_action
                .iter()
                .filter(|x| !was.not_action.iter().any(|w| matches(w, x)))
                .map(String::as_str)
                .collect();
            return format!("statement {sid} now also exempts {} from its Deny", added.join(", "));
        }
        let dropped: Vec<&str> =
            was.action.iter().filter(|a| !is.action.iter().any(|w| matches(w, a))).map(String::as_str).collect();
        if !was.is_not_action() && !is.is_not_action() {
            return format!("statement {sid} no longer denies {}", dropped.join(", "));
        }
        return format!("statement {sid} denies fewer actions ({} at the baseline)", shown(was));
    }
    if !resources_cover(is, was) {
        return format!("statement {sid} denies on fewer resources than at the baseline");
    }
    format!("statement {sid} has a condition that exempts more than at the baseline")
}

fn shown(s: &Statement) -> String {
    let actions = if s.is_not_action() { format!("all but {}", s.not_action.join(", ")) } else { s.action.join(", ") };
    let sid = s.sid.as_deref().map(|sid| format!(" (statement {sid})")).unwrap_or_default();
    let when = if s.condition.is_empty() { "" } else { " under its condition" };
    format!("{actions}{when}{sid}")
}

/// Whether statement `wide` applies to at least every request `narrow` applies to.
fn covers(wide: &Statement, narrow: &Statement) -> bool {
    actions_cover(wide, narrow) && resources_cover(wide, narrow) && condition_covers(wide, narrow)
}

fn actions_cover(wide: &Statement, narrow: &Statement) -> bool {
    let matches = |pattern: &String, action: &String| wildcard_match(pattern, action, true);
    match (wide.is_not_action(), narrow.is_not_action()) {
        (false, false) => narrow.action.iter().all(|a| wide.action.iter().any(|w| matches(w, a))),
        // Every action but the wide one's exemptions: it covers actions none of them can name.
        (true, false) => narrow.action.iter().all(|a| !wide.not_action.iter().any(|x| matches(x, a) || matches(a, x))),
        // Both "all but": the wide one may exempt only what the narrow one exempts too.
        (true, true) => wide.not_action.iter().all(|x| narrow.not_action.iter().any(|n| matches(n, x))),
        (false, true) => wide.action.iter().any(|w| w == "*"),
    }
}

fn resources_cover(wide: &Statement, narrow: &Statement) -> bool {
    let matches = |pattern: &String, resource: &String| wildcard_match(pattern, resource, false);
    match (wide.not_resource.is_empty(), narrow.not_resource.is_empty()) {
        (true, true) => narrow.resource.iter().all(|r| wide.resource.iter().any(|w| matches(w, r))),
        (false, true) => narrow.resource.iter().all(|r| !wide.not_resource.iter().any(|x| matches(x, r))),
        (false, false) => wide.not_resource.iter().all(|x| narrow.not_resource.iter().any(|n| matches(n, x))),
        (true, false) => wide.resource.iter().any(|w| w == "*"),
    }
}

/// A condition limits where a statement applies: `wide` may test fewer keys than
/// `narrow`, and each key it tests must let through at least what `narrow` lets through:
/// the same values or, for a negated operator (an exemption list such as
/// `ArnNotLike aws:PrincipalArn`), no more exempted values; for a positive one, no fewer.
fn condition_covers(wide: &Statement, narrow: &Statement) -> bool {
    wide.condition.iter().all(|(op, keys)| {
        keys.iter().all(|(key, values)| {
            let Some(theirs) = narrow.condition.get(op).and_then(|k| k.get(key)) else { return false };
            let negated = op.contains("Not") || op.starts_with("ForAllValues");
            if negated { values.iter().all(|v| theirs.contains(v)) } else { theirs.iter().all(|v| values.contains(v)) }
        })
    })
}

/// An account or OU moved to another parent where fewer guardrail SCPs apply to it than
/// at its old parent.
#[derive(Debug)]
pub struct GuardrailsLostByMove;

impl DriftAnalyzer for GuardrailsLostByMove {
    fn compare(&self, baseline: Option<&View>, current: Option<&View>, _diff: &ResourceDiff) -> Vec<Hit> {
        let (Some(b), Some(c)) = (baseline, current) else { return Vec::new() };
        let (Some(target), Some(was), Some(is)) = (target_id(b), parent(b), parent(c)) else { return Vec::new() };
        if was == is {
            return Vec::new();
        }
        // What the move itself cost: the guardrails of the old place as it is now (a guardrail
        // detached from it meanwhile is its own finding), less those of the new place.
        let now: BTreeSet<&str> = guardrails_in_effect(c.facts, &is).into_iter().map(|(arn, _)| arn).collect();
        let old_place = if org(c).parent_of(&was).is_some() || org(c).roots.values().any(|r| r.id == was) {
            c.facts
        } else {
            b.facts
        };
        let lost: Vec<&str> = guardrails_in_effect(old_place, &was)
            .into_iter()
            .filter(|(arn, _)| !now.contains(arn))
            .map(|(_, name)| name)
            .collect();
        if lost.is_empty() {
            return Vec::new();
        }
        let kind = if org(b).accounts.contains_key(b.id) { "Account" } else { "OU" };
        let detail = format!(
            "{kind} {} moved from {} to {}, out from under {}",
            org(b).describe_target(&target),
            org(b).describe_target(&was),
            org(c).describe_target(&is),
            lost.join(", ")
        );
        vec![
            Hit::new("moved", "parent", detail)
                .values(Some(serde_json::Value::String(was)), Some(serde_json::Value::String(is))),
        ]
    }
}

fn target_id(view: &View) -> Option<String> {
    let o = org(view);
    o.accounts.get(view.id).map(|a| a.id.clone()).or_else(|| o.units.get(view.id).map(|u| u.id.clone()))
}

fn parent(view: &View) -> Option<String> {
    let o = org(view);
    o.accounts.get(view.id).map(|a| a.parent.clone()).or_else(|| o.units.get(view.id).map(|u| u.parent.clone()))
}

/// The guardrail SCPs (ARN, name) that apply to `target` in `facts`.
fn guardrails_in_effect<'f>(facts: &'f Snapshot, target: &str) -> Vec<(&'f str, &'f str)> {
    let o = &facts.organizations;
    o.policies_in_effect(target).into_iter().filter(|(arn, _)| is_guardrail(&o.policies[*arn].document)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap()
    }

    fn deny(actions: &str, condition: &str) -> PolicyDocument {
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"G","Effect":"Deny","Action":{actions},"Resource":"*"{condition}}}]}}"#
        ))
    }

    #[test]
    fn denies_are_covered_by_wider_denies_only() {
        let leave = deny(r#"["organizations:LeaveOrganization"]"#, "");
        assert!(uncovered(&leave, &deny(r#""organizations:*""#, ""), Effect::Deny).is_empty());
        let narrower = deny(r#""organizations:Describe*""#, "");
        let lost = uncovered(&leave, &narrower, Effect::Deny);
        assert_eq!(how_weaker(lost[0], &narrower), "statement G no longer denies organizations:LeaveOrganization");
        let removed = doc(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#);
        assert_eq!(how_weaker(lost[0], &removed), "it no longer denies organizations:LeaveOrganization (statement G)");
        let two = deny(r#"["cloudtrail:StopLogging","cloudtrail:DeleteTrail"]"#, "");
        assert_eq!(uncovered(&two, &deny(r#""cloudtrail:StopLogging""#, ""), Effect::Deny).len(), 1);
    }

    #[test]
    fn exemption_lists_may_shrink_but_not_grow() {
        let exempt =
            |arns: &str| deny(r#""iam:*""#, &format!(r#","Condition":{{"ArnNotLike":{{"aws:PrincipalArn":{arns}}}}}"#));
        let one = exempt(r#"["arn:aws:iam::*:role/admin"]"#);
        let two = exempt(r#"["arn:aws:iam::*:role/admin","arn:aws:iam::*:role/ci"]"#);
        assert!(uncovered(&two, &one, Effect::Deny).is_empty(), "fewer exemptions deny more");
        let lost = uncovered(&one, &two, Effect::Deny);
        assert_eq!(how_weaker(lost[0], &two), "statement G has a condition that exempts more than at the baseline");
        // Dropping the condition altogether denies more.
        assert!(uncovered(&one, &deny(r#""iam:*""#, ""), Effect::Deny).is_empty());
    }

    #[test]
    fn all_but_denies_cover_when_they_exempt_no_more() {
        let regions = |not: &str| {
            doc(&format!(
                r#"{{"Statement":[{{"Sid":"R","Effect":"Deny","NotAction":{not},"Resource":"*","Condition":{{"StringNotEquals":{{"aws:RequestedRegion":["eu-west-1"]}}}}}}]}}"#
            ))
        };
        let strict = regions(r#"["iam:*"]"#);
        let loose = regions(r#"["iam:*","ec2:*"]"#);
        assert!(uncovered(&loose, &strict, Effect::Deny).is_empty());
        let lost = uncovered(&strict, &loose, Effect::Deny);
        assert_eq!(shown(lost[0]), "all but iam:* under its condition (statement R)");
        assert_eq!(how_weaker(lost[0], &loose), "statement R now also exempts ec2:* from its Deny");
    }

    #[test]
    fn allow_lists_that_grow_are_found() {
        let allow = |actions: &str| {
            doc(&format!(r#"{{"Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#))
        };
        let wider = allow(r#"["s3:*","ec2:*"]"#);
        let grown = uncovered(&wider, &allow(r#""s3:*""#), Effect::Allow);
        assert_eq!(grown.into_iter().map(shown).collect::<Vec<_>>(), ["ec2:*, s3:*"]);
        assert!(uncovered(&allow(r#""s3:Get*""#), &allow(r#""s3:*""#), Effect::Allow).is_empty());
    }
}
