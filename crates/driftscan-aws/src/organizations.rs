//! The organization itself, read from the management account (or a delegated
//! administrator) in `--org` runs: the root and whether SCPs are enabled on it, every OU
//! and account with its parent (one listing of each per parent, not a `ListParents` per
//! account), and every service control policy with its document and targets (two calls
//! per policy). Whatever cannot be read is a gap and is left out, never half-read.

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::snapshot::policy::PolicyDocument;
use driftscan_core::snapshot::{OrgAccount, OrgRoot, OrgUnit, OrganizationsFacts, Scp, Service};

const S: Service = Service::Organizations;

pub(crate) struct Organizations;

impl super::Collector for Organizations {
    type Facts = OrganizationsFacts;

    async fn collect(ctx: &Ctx, _regions: &[String]) -> OrganizationsFacts {
        let client = Client::new(&ctx.sdk(None));
        let mut facts = OrganizationsFacts::default();
        let ((), policies) = tokio::join!(tree(ctx, &client, &mut facts), policies(ctx, &client));
        facts.policies = policies.into_iter().collect();
        facts
    }
}

/// The root, then each level of OUs below it, with the accounts of every parent.
async fn tree(ctx: &Ctx, client: &Client, facts: &mut OrganizationsFacts) {
    let Some(roots) = ctx
        .all_pages((S, None), ("organizations:ListRoots", "ListRoots"), client.list_roots().into_paginator().send())
        .await
    else {
        return;
    };
    let mut parents = Vec::new();
    for root in roots.iter().flat_map(|p| p.roots()) {
        let (Some(id), Some(arn)) = (root.id(), root.arn()) else { continue };
        let scp_enabled = root.policy_types().iter().any(|t| {
            t.r#type() == Some(&PolicyType::ServiceControlPolicy) && t.status() == Some(&PolicyTypeStatus::Enabled)
        });
        let name = root.name().unwrap_or("Root").to_string();
        facts.roots.insert(arn.to_string(), OrgRoot { id: id.to_string(), name, scp_enabled });
        parents.push(id.to_string());
    }
    while !parents.is_empty() {
        let level = join_all(parents.iter().map(|p| children(ctx, client, p))).await;
        parents = Vec::new();
        for (units, accounts) in level {
            for (arn, unit) in units {
                parents.push(unit.id.clone());
                facts.units.insert(arn, unit);
            }
            facts.accounts.extend(accounts);
        }
    }
}

/// The OUs and accounts directly under `parent`.
async fn children(ctx: &Ctx, client: &Client, parent: &str) -> (Vec<(String, OrgUnit)>, Vec<(String, OrgAccount)>) {
    let (units, accounts) = tokio::join!(
        ctx.all_pages(
            (S, None),
            ("organizations:ListOrganizationalUnitsForParent", "ListOrganizationalUnitsForParent"),
            client.list_organizational_units_for_parent().parent_id(parent).into_paginator().send(),
        ),
        ctx.all_pages(
            (S, None),
            ("organizations:ListAccountsForParent", "ListAccountsForParent"),
            client.list_accounts_for_parent().parent_id(parent).into_paginator().send(),
        ),
    );
    let units = units
        .unwrap_or_default()
        .iter()
        .flat_map(|p| p.organizational_units())
        .filter_map(|ou| {
            let unit = OrgUnit {
                id: ou.id()?.to_string(),
                name: ou.name().unwrap_or_default().to_string(),
                parent: parent.into(),
            };
            Some((ou.arn()?.to_string(), unit))
        })
        .collect();
    let accounts = accounts
        .unwrap_or_default()
        .iter()
        .flat_map(|p| p.accounts())
        .filter_map(|a| {
            #[allow(deprecated)] // `Status` is what the API and emulators answer today; `State` is newer
            let status = a.status().map(|s| s.as_str().to_string()).unwrap_or_default();
            let account = OrgAccount {
                id: a.id()?.to_string(),
                name: a.name().unwrap_or_default().to_string(),
                email: a.email().unwrap_or_default().to_string(),
                status,
                joined_method: a.joined_method().map(|m| m.as_str().to_string()).unwrap_or_default(),
                parent: parent.into(),
            };
            Some((a.arn()?.to_string(), account))
        })
        .collect();
    (units, accounts)
}

/// Every service control policy, each with its document and targets.
async fn policies(ctx: &Ctx, client: &Client) -> Vec<(String, Scp)> {
    let Some(pages) = ctx
        .all_pages(
            (S, None),
            ("organizations:ListPolicies", "ListPolicies"),
            client.list_policies().filter(PolicyType::ServiceControlPolicy.as_str().into()).into_paginator().send(),
        )
        .await
    else {
        return Vec::new();
    };
    let summaries: Vec<_> = pages.iter().flat_map(|p| p.policies()).collect();
    join_all(summaries.iter().map(|summary| async move {
        let (id, arn) = (summary.id()?, summary.arn()?);
        let (described, targets) = tokio::join!(
            async {
                let _permit = ctx.permit(S, "organizations:DescribePolicy").await;
                client.describe_policy().policy_id(id).send().await
            },
            ctx.all_pages(
                (S, None),
                ("organizations:ListTargetsForPolicy", "ListTargetsForPolicy"),
                client.list_targets_for_policy().policy_id(id).into_paginator().send(),
            ),
        );
        let content = match described {
            Ok(out) => out.policy.and_then(|p| p.content).unwrap_or_default(),
            Err(e) => {
                ctx.gap(S, None, "DescribePolicy", format!("{id}: {}", describe(&e)));
                return None;
            }
        };
        let document = match PolicyDocument::parse(&content) {
            Ok(d) => d,
            Err(e) => {
                ctx.gap(S, None, "DescribePolicy", format!("{id}: {e}"));
                return None;
            }
        };
        let mut targets: Vec<String> =
            targets?.iter().flat_map(|p| p.targets()).filter_map(|t| t.target_id().map(str::to_string)).collect();
        targets.sort();
        let scp = Scp {
            id: id.to_string(),
            name: summary.name().unwrap_or_default().to_string(),
            aws_managed: summary.aws_managed(),
            document,
            targets,
        };
        Some((arn.to_string(), scp))
    }))
    .await
    .into_iter()
    .flatten()
    .collect()
}
