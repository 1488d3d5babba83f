//! An AWS Organization: its accounts listed from the management account (or a delegated
//! administrator), each member read through a role assumed in it, all within one limit
//! of calls in flight. Accounts are handed over one by one as they are read, so the caller
//! can scan and release each before the next ones arrive.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::Client;
use futures::stream::{self, StreamExt};
use tokio::sync::Semaphore;

use super::{Identify, Options, Progress, collect_account, describe, identify, load_sdk};
use driftscan_core::arn::Arn;
use driftscan_core::error::{Error, Result};
use driftscan_core::snapshot::Snapshot;

/// Which accounts, and how to get into them.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The role assumed in each member account.
    pub role_name: String,
    pub external_id: Option<String>,
    /// Only the accounts under these organizational units (nested ones included).
    pub ous: Vec<String>,
    /// Accounts read at once.
    pub account_concurrency: usize,
}

/// One account as read: its snapshot, or why it could not be read.
pub struct Collected {
    pub account_id: String,
    pub name: Option<String>,
    pub snapshot: std::result::Result<Snapshot, String>,
}

/// An account as the organization lists it.
#[derive(Debug, Clone)]
struct Member {
    id: String,
    name: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    status: String,
}

/// What to do when the accounts cannot be listed: one line, naming the fix.
fn cannot_list(detail: &str) -> Error {
    Error::OrganizationNotListed { detail: detail.to_string() }
}

/// Lists, selects and reads the accounts; `each` gets every one (read or failed), in the
/// order they finish. `keep` selects by account id (--accounts, --exclude-accounts, --shard).
pub fn collect_each(
    opts: &Options,
    selection: &Selection,
    keep: &dyn Fn(&str) -> bool,
    each: &mut dyn FnMut(Collected) -> Result<()>,
) -> Result<()> {
    super::runtime()?.block_on(async {
        let base = load_sdk(opts).await;
        let me = match identify(&base).await {
            Ok(me) => me,
            Err(Identify::Failed(e)) => return Err(super::identity_error(&base, e.as_ref()).await),
            Err(Identify::NoAccount) => return Err(super::no_account_error()),
        };
        // The whole organization (its accounts are trusted in every account's scan), then
        // the accounts this run reads.
        let client = Client::new(&base);
        let all = list_all(&client).await?;
        let organization: Arc<Vec<String>> = Arc::new(all.iter().map(|m| m.id.clone()).collect());
        let members = if selection.ous.is_empty() { all } else { list_under(&client, &selection.ous).await? };
        let members: Vec<Member> = members.into_iter().filter(|m| keep(&m.id)).collect();
        tracing::info!(accounts = members.len(), "organization accounts selected");
        // One bar for the organization on a terminal (per-service spinners of many accounts
        // at once would say nothing); nothing in cron.
        let bar = opts.progress.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(members.len() as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} accounts {pos}/{len} {wide_bar} {elapsed}  {msg}")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
        let shared = Arc::new((base, me.account_id.clone(), me.partition.clone(), opts.clone(), selection.clone()));
        let mut arrivals = stream::iter(members)
            .map(|member| {
                let (shared, permits, organization) = (shared.clone(), permits.clone(), organization.clone());
                // Spawned: accounts are read on the runtime's workers while `each` scans.
                tokio::spawn(async move {
                    let (base, own, partition, opts, selection) = &*shared;
                    let snapshot = read_member(base, own, partition, &member, opts, selection, permits).await.map(
                        |mut snapshot| {
                            snapshot.meta.account_name = member.name.clone();
                            snapshot.meta.organization_accounts = organization.to_vec();
                            snapshot
                        },
                    );
                    Collected { account_id: member.id, name: member.name, snapshot }
                })
            })
            .buffer_unordered(selection.account_concurrency.max(1));
        while let Some(joined) = arrivals.next().await {
            let collected = joined.map_err(|e| Error::Collection(format!("an account's collection stopped: {e}")))?;
            if let Some(bar) = &bar {
                bar.inc(1);
                let failed = if collected.snapshot.is_err() { " FAILED" } else { "" };
                bar.set_message(format!("{}{failed}", collected.account_id));
            }
            each(collected)?;
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(())
    })
}

/// The organization's accounts (or those under `ous`) as `(id, name)`, without reading
/// them (`org plan`).
pub fn list_accounts(opts: &Options, ous: &[String]) -> Result<Vec<(String, Option<String>)>> {
    super::runtime()?.block_on(async {
        let base = load_sdk(opts).await;
        Ok(list(&Client::new(&base), ous).await?.into_iter().map(|m| (m.id, m.name)).collect())
    })
}

/// Every account of the organization, or of the given OUs (nested ones included).
async fn list(client: &Client, ous: &[String]) -> Result<Vec<Member>> {
    if ous.is_empty() { list_all(client).await } else { list_under(client, ous).await }
}

fn member(a: &aws_sdk_organizations::types::Account) -> Option<Member> {
    let id = a.id()?;
    #[allow(deprecated)] // `Status` is what the API and emulators answer today; `State` is newer
    let status = a.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "ACTIVE".into());
    Some(Member { id: id.to_string(), name: a.name().map(str::to_string), status })
}

/// Every account of the organization, sorted.
async fn list_all(client: &Client) -> Result<Vec<Member>> {
    let mut found = Vec::new();
    let mut pages = client.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cannot_list(&format!("organizations:ListAccounts: {}", describe(&e))))?;
        found.extend(page.accounts().iter().filter_map(member));
    }
    // A member account's credentials list nothing (some emulators) rather than fail.
    if found.is_empty() {
        return Err(cannot_list("organizations:ListAccounts listed no account"));
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// The accounts under `ous` and their nested OUs, sorted.
async fn list_under(client: &Client, ous: &[String]) -> Result<Vec<Member>> {
    let mut found: BTreeMap<String, Member> = BTreeMap::new();
    let mut parents: Vec<String> = ous.to_vec();
    while let Some(parent) = parents.pop() {
        let mut pages = client.list_accounts_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(|e| cannot_list(&format!("organizations:ListAccountsForParent {parent}: {}", describe(&e))))?;
            found.extend(page.accounts().iter().filter_map(member).map(|m| (m.id.clone(), m)));
        }
        let mut children = client.list_organizational_units_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = children.next().await {
            let page = page.map_err(|e| {
                cannot_list(&format!("organizations:ListOrganizationalUnitsForParent {parent}: {}", describe(&e)))
            })?;
            parents.extend(page.organizational_units().iter().filter_map(|ou| ou.id().map(str::to_string)));
        }
    }
    Ok(found.into_values().collect())
}

/// One account: with the base credentials when it is their own, else through the role.
async fn read_member(
    base: &SdkConfig,
    own_account: &str,
    partition: &str,
    member: &Member,
    opts: &Options,
    selection: &Selection,
    permits: Arc<Semaphore>,
) -> std::result::Result<Snapshot, String> {
    if member.status != "ACTIVE" {
        return Err(format!("the account is {} in the organization", member.status));
    }
    let (sdk, via) = if member.id == own_account {
        (base.clone(), "the run's own credentials".to_string())
    } else {
        let role =
            Arn::account_wide(partition, "iam", &member.id, &format!("role/{}", selection.role_name)).to_string();
        // A provider of its own per account: it re-assumes the role when the session ends
        // (role chaining caps sessions at one hour).
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role).session_name("driftscan").configure(base);
        if let Some(id) = &selection.external_id {
            builder = builder.external_id(id);
        }
        let provider = builder.build().await;
        (
            base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build(),
            format!("role {role}"),
        )
    };
    let identity = match identify(&sdk).await {
        Ok(identity) => identity,
        Err(Identify::Failed(e)) => {
            return Err(format!("cannot read the account through {via}: {}", describe(e.as_ref())));
        }
        Err(Identify::NoAccount) => return Err(format!("{via} gave credentials of no account")),
    };
    if identity.account_id != member.id {
        return Err(format!("{via} gave credentials of account {}, not of {}", identity.account_id, member.id));
    }
    // The account that lists the organization also reads the organization itself.
    let organization = member.id == own_account;
    collect_account(sdk, identity, opts, permits, Progress::new(false), organization).await.map_err(|e| e.to_string())
}
