//! AWS Organizations facts: the organization itself (its root, organizational units,
//! accounts and service control policies with their targets), read from the management
//! account (or a delegated administrator) in `--org` runs. Keys are the ARNs AWS gives
//! them, which name the management account (`arn:aws:organizations::<management>:…`).
//!
//! Only the snapshot of the account an `--org` run lists the organization with holds
//! them; an empty section means "not read in this run", never "no organization".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::policy::PolicyDocument;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationsFacts {
    #[serde(deserialize_with = "super::unique::map")]
    pub roots: BTreeMap<String, OrgRoot>,
    #[serde(deserialize_with = "super::unique::map")]
    pub units: BTreeMap<String, OrgUnit>,
    #[serde(deserialize_with = "super::unique::map")]
    pub accounts: BTreeMap<String, OrgAccount>,
    #[serde(deserialize_with = "super::unique::map")]
    pub policies: BTreeMap<String, Scp>,
}

impl OrganizationsFacts {
    /// Not read in this run (an organization always has a root).
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty() && self.units.is_empty() && self.accounts.is_empty() && self.policies.is_empty()
    }

    /// The parent (a root or OU id) of the target `id` (a root, OU or account id);
    /// `None` for a root or an unknown id.
    pub fn parent_of(&self, id: &str) -> Option<&str> {
        let unit = self.units.values().find(|u| u.id == id).map(|u| u.parent.as_str());
        unit.or_else(|| self.accounts.values().find(|a| a.id == id).map(|a| a.parent.as_str()))
    }

    /// The target `id` and every parent above it up to the root, nearest first: the
    /// targets whose SCPs apply to it.
    pub fn ancestry(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_string()];
        while let Some(parent) = self.parent_of(out.last().expect("non-empty")) {
            // A cycle cannot come from AWS; a hand-edited baseline must not loop forever.
            if out.iter().any(|seen| seen == parent) {
                break;
            }
            out.push(parent.to_string());
        }
        out
    }

    /// The SCPs (ARN, name) attached to `id` or to any parent above it, sorted by ARN.
    pub fn policies_in_effect(&self, id: &str) -> Vec<(&str, &str)> {
        let ancestry = self.ancestry(id);
        self.policies
            .iter()
            .filter(|(_, p)| p.targets.iter().any(|t| ancestry.contains(t)))
            .map(|(arn, p)| (arn.as_str(), p.name.as_str()))
            .collect()
    }

    /// A readable name of a root, OU or account id: `Prod (ou-ab12-cd34ef56)`.
    pub fn describe_target(&self, id: &str) -> String {
        let name = self
            .roots
            .values()
            .find(|r| r.id == id)
            .map(|r| &r.name)
            .or_else(|| self.units.values().find(|u| u.id == id).map(|u| &u.name))
            .or_else(|| self.accounts.values().find(|a| a.id == id).map(|a| &a.name));
        match name {
            Some(name) if !name.is_empty() => format!("{name} ({id})"),
            _ => id.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgRoot {
    /// `r-…`.
    pub id: String,
    pub name: String,
    /// Whether service control policies are enabled on the root: when they are not, no
    /// SCP applies anywhere in the organization.
    pub scp_enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgUnit {
    /// `ou-…`.
    pub id: String,
    pub name: String,
    /// The id of the root or OU it sits in.
    pub parent: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgAccount {
    /// The 12-digit account id.
    pub id: String,
    pub name: String,
    /// The root user's email address: whoever controls it can recover the account.
    pub email: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    pub status: String,
    /// `CREATED` or `INVITED`.
    pub joined_method: String,
    /// The id of the root or OU it sits in.
    pub parent: String,
}

/// A service control policy and where it is attached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scp {
    /// `p-…` (`p-FullAWSAccess` for AWS's own).
    pub id: String,
    pub name: String,
    pub aws_managed: bool,
    pub document: PolicyDocument,
    /// Ids of the roots, OUs and accounts it is attached to, sorted.
    pub targets: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> OrganizationsFacts {
        let mut f = OrganizationsFacts::default();
        f.roots.insert("arn:root".into(), OrgRoot { id: "r-1".into(), name: "Root".into(), scp_enabled: true });
        f.units.insert("arn:ou".into(), OrgUnit { id: "ou-1".into(), name: "Prod".into(), parent: "r-1".into() });
        f.accounts.insert(
            "arn:acct".into(),
            OrgAccount { id: "111111111111".into(), name: "app".into(), parent: "ou-1".into(), ..Default::default() },
        );
        let scp = |id: &str, targets: &[&str]| Scp {
            id: id.into(),
            name: id.into(),
            targets: targets.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        };
        f.policies.insert("arn:p-root".into(), scp("p-root", &["r-1"]));
        f.policies.insert("arn:p-ou".into(), scp("p-ou", &["ou-1"]));
        f.policies.insert("arn:p-other".into(), scp("p-other", &["ou-2"]));
        f
    }

    #[test]
    fn policies_in_effect_come_from_every_level_above() {
        let f = facts();
        assert_eq!(f.ancestry("111111111111"), ["111111111111", "ou-1", "r-1"]);
        let names: Vec<&str> = f.policies_in_effect("111111111111").into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["p-ou", "p-root"]);
        assert_eq!(f.describe_target("ou-1"), "Prod (ou-1)");
        assert_eq!(f.describe_target("ou-9"), "ou-9");
    }

    #[test]
    fn a_cycle_in_hand_edited_facts_ends() {
        let mut f = facts();
        f.units.insert("arn:ou2".into(), OrgUnit { id: "ou-2".into(), name: "Loop".into(), parent: "ou-2".into() });
        assert_eq!(f.ancestry("ou-2"), ["ou-2"]);
    }
}
