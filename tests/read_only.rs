//! Read-only by construction: every AWS action the collectors call is in the documented
//! least-privilege policy (docs/iam-policy.json), the policy holds nothing else, and none
//! of the actions can change the account.

use std::collections::BTreeSet;

use crate::common::*;

/// `"service:Action"` string literals in the collector sources: every call is made
/// under a permit named by its IAM action.
fn actions_in_collectors() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(repo().join("crates/driftscan-aws/src")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            let Some((service, action)) = literal.split_once(':') else { continue };
            if !service.is_empty()
                && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && action.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && action.chars().all(|c| c.is_ascii_alphanumeric())
            {
                out.insert(literal.to_string());
            }
        }
    }
    out
}

fn actions_in_policy() -> BTreeSet<String> {
    actions_in("docs/iam-policy.json")
}

fn actions_in(file: &str) -> BTreeSet<String> {
    let policy: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(repo().join(file)).unwrap()).unwrap();
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            assert_eq!(s["Effect"], "Allow");
            match &s["Action"] {
                serde_json::Value::String(a) => vec![a.clone()],
                other => other.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect::<Vec<_>>(),
            }
        })
        .collect()
}

#[test]
fn the_documented_policy_lists_exactly_the_actions_called() {
    let called = actions_in_collectors();
    assert!(called.len() >= 30, "found only {called:?}");
    // The organization itself is read with the management account's policy (--org runs).
    let org_only: BTreeSet<String> =
        actions_in("docs/iam-policy-org.json").difference(&actions_in_policy()).cloned().collect();
    let (for_org, for_members): (BTreeSet<String>, BTreeSet<String>) =
        called.into_iter().partition(|a| org_only.contains(a));
    assert_eq!(for_members, actions_in_policy(), "docs/iam-policy.json and the collectors disagree");
    assert!(for_org.iter().all(|a| a.starts_with("organizations:")), "{for_org:?}");
}

#[test]
fn no_action_can_change_the_account() {
    const WRITES: [&str; 14] = [
        "Create", "Put", "Update", "Delete", "Attach", "Detach", "Add", "Remove", "Set", "Tag", "Untag", "Enable",
        "Disable", "Modify",
    ];
    for action in actions_in_policy() {
        let verb = action.split(':').nth(1).unwrap();
        // Generating the credential report builds a read-only CSV; it changes nothing.
        if action == "iam:GenerateCredentialReport" {
            continue;
        }
        assert!(WRITES.iter().all(|w| !verb.starts_with(w)), "{action} writes");
        assert!(["Get", "List", "Describe"].iter().any(|r| verb.starts_with(r)), "{action} is not a read");
    }
}
