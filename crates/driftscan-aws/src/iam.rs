//! IAM with the fewest calls: one paginated `GetAccountAuthorizationDetails` sweep (users,
//! groups, roles, customer policies with their versions), the credential report (password,
//! MFA, keys for every user), `GetAccountSummary` (root), `GetAccountPasswordPolicy`,
//! `ListVirtualMFADevices` (virtual vs hardware). Only two per-item loops remain, each over
//! what the account-wide calls cannot give: `ListAccessKeys` for users that hold a key
//! (the report has no key ids) and `GetPolicy` + `GetPolicyVersion` for the AWS-managed
//! policies something attaches (the sweep would return all ~1,300 of them).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    AssignmentStatusType, AttachedPolicy, EntityType, PolicyDetail, ReportStateType, SummaryKeyType,
};
use futures::future::join_all;

use super::{Ctx, code, describe, to_chrono};
use driftscan_core::arn::short_name;
use driftscan_core::snapshot::credential_report::{self, ROOT_USER};
use driftscan_core::snapshot::policy::PolicyDocument;
use driftscan_core::snapshot::{
    AccessKey, IamAccount, IamFacts, IamGroup, IamRole, IamUser, InlinePolicies, ManagedPolicy, MfaKind,
    PasswordPolicy, Service,
};

const S: Service = Service::Iam;

pub(crate) struct Iam;

impl super::Collector for Iam {
    type Facts = IamFacts;

    async fn collect(ctx: &Ctx, _regions: &[String]) -> IamFacts {
        let client = Client::new(&ctx.sdk(None));
        let mut facts = IamFacts::default();
        let (details, report, account, virtual_mfa) = tokio::join!(
            authorization_details(ctx, &client),
            credentials(ctx, &client),
            account(ctx, &client),
            virtual_mfa_users(ctx, &client),
        );
        let Some(details) = details else { return facts };
        facts.groups = details.groups;
        facts.roles = details.roles;
        facts.policies = details.policies;
        let attached: BTreeSet<String> = details
            .users
            .values()
            .flat_map(|u| u.attached_policies.iter().chain(&u.permissions_boundary))
            .chain(facts.groups.values().flat_map(|g| &g.attached_policies))
            .chain(facts.roles.values().flat_map(|r| r.attached_policies.iter().chain(&r.permissions_boundary)))
            .filter(|arn| !facts.policies.contains_key(*arn))
            .cloned()
            .collect();
        facts.policies.extend(aws_managed(ctx, &client, attached).await);

        if let (Some(report), Some(virtual_mfa)) = (report, virtual_mfa) {
            let rows: HashMap<&str, &credential_report::Row> = report.iter().map(|r| (r.arn.as_str(), r)).collect();
            let key_holders: Vec<&IamUser> = details
                .users
                .values()
                .filter(|u| {
                    rows.get(arn_of(ctx, u).as_str()).is_some_and(|r| r.keys.iter().any(|k| k.last_rotated.is_some()))
                })
                .collect();
            let keys = access_keys(ctx, &client, &key_holders).await;
            for (arn, mut user) in details.users {
                // A user created after the report was generated is left out, not guessed.
                let Some(row) = rows.get(arn.as_str()) else {
                    ctx.gap(
                        S,
                        None,
                        "GetCredentialReport",
                        format!("user {} is not in the credential report yet", user.name),
                    );
                    continue;
                };
                let holds_keys = row.keys.iter().any(|k| k.last_rotated.is_some());
                let user_keys = match keys.get(&user.name) {
                    Some(k) => k.clone(),
                    None if !holds_keys => Vec::new(),
                    // ListAccessKeys failed for this user: a gap is recorded, the user left out.
                    None => continue,
                };
                user.console_password = row.password_enabled;
                user.password_last_used = row.password_last_used;
                user.password_last_changed = row.password_last_changed;
                user.mfa = if !row.mfa_active {
                    MfaKind::None
                } else if virtual_mfa.contains(&arn) {
                    MfaKind::Virtual
                } else {
                    MfaKind::Hardware
                };
                user.access_keys = user_keys
                    .into_iter()
                    .map(|k| AccessKey {
                        // The report knows keys by slot, not id: its rotation time is the key's creation.
                        last_used: row
                            .keys
                            .iter()
                            .find(|slot| {
                                slot.last_rotated.is_some()
                                    && slot.last_rotated.map(|t| t.timestamp()) == k.created.map(|t| t.timestamp())
                            })
                            .and_then(|slot| slot.last_used),
                        ..k
                    })
                    .collect();
                facts.users.insert(arn, user);
            }
            if let Some(mut account) = account {
                let root_arn = ctx.root_arn();
                // Some reports (emulators) have no root row: the summary alone then decides.
                let root_row = report.iter().find(|r| r.user == ROOT_USER);
                let has_mfa = account.root_mfa != MfaKind::None || root_row.is_some_and(|r| r.mfa_active);
                account.root_mfa = match (has_mfa, virtual_mfa.contains(&root_arn)) {
                    (false, _) => MfaKind::None,
                    (true, true) => MfaKind::Virtual,
                    (true, false) => MfaKind::Hardware,
                };
                account.root_access_keys_present |= root_row.is_some_and(|r| r.keys.iter().any(|k| k.active));
                facts.account.insert(root_arn, account);
            }
        }
        facts
    }
}

fn arn_of(ctx: &Ctx, user: &IamUser) -> String {
    ctx.arn("iam", "", &format!("user{}{}", user.path, user.name))
}

struct Details {
    users: BTreeMap<String, IamUser>,
    groups: BTreeMap<String, IamGroup>,
    roles: BTreeMap<String, IamRole>,
    policies: BTreeMap<String, ManagedPolicy>,
}

fn document(ctx: &Ctx, what: &str, text: Option<&str>) -> Option<PolicyDocument> {
    match PolicyDocument::parse(text.unwrap_or("")) {
        Ok(doc) => Some(doc),
        Err(e) => {
            ctx.gap(S, None, "GetAccountAuthorizationDetails", format!("{what}: {e}"));
            None
        }
    }
}

fn inline(ctx: &Ctx, owner: &str, list: &[PolicyDetail]) -> Option<InlinePolicies> {
    list.iter()
        .map(|p| {
            let name = p.policy_name().unwrap_or_default().to_string();
            document(ctx, &format!("inline policy {name} of {owner}"), p.policy_document()).map(|d| (name, d))
        })
        .collect()
}

fn attached(list: &[AttachedPolicy]) -> Vec<String> {
    let mut arns: Vec<String> = list.iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect();
    arns.sort();
    arns
}

async fn authorization_details(ctx: &Ctx, client: &Client) -> Option<Details> {
    let mut out =
        Details { users: BTreeMap::new(), groups: BTreeMap::new(), roles: BTreeMap::new(), policies: BTreeMap::new() };
    let listing = client
        .get_account_authorization_details()
        .filter(EntityType::User)
        .filter(EntityType::Group)
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let pages = ctx
        .all_pages((S, None), ("iam:GetAccountAuthorizationDetails", "GetAccountAuthorizationDetails"), listing)
        .await?;
    for page in pages {
        for u in page.user_detail_list() {
            let (Some(arn), Some(name)) = (u.arn(), u.user_name()) else { continue };
            let Some(inline_policies) = inline(ctx, name, u.user_policy_list()) else { continue };
            let mut groups: Vec<String> = u.group_list().to_vec();
            groups.sort();
            out.users.insert(
                arn.to_string(),
                IamUser {
                    name: name.to_string(),
                    path: u.path().unwrap_or("/").to_string(),
                    created: u.create_date().and_then(to_chrono),
                    groups,
                    attached_policies: attached(u.attached_managed_policies()),
                    inline_policies,
                    permissions_boundary: u
                        .permissions_boundary()
                        .and_then(|b| b.permissions_boundary_arn())
                        .map(str::to_string),
                    ..IamUser::default()
                },
            );
        }
        for g in page.group_detail_list() {
            let (Some(arn), Some(name)) = (g.arn(), g.group_name()) else { continue };
            let Some(inline_policies) = inline(ctx, name, g.group_policy_list()) else { continue };
            out.groups.insert(
                arn.to_string(),
                IamGroup {
                    name: name.to_string(),
                    path: g.path().unwrap_or("/").to_string(),
                    attached_policies: attached(g.attached_managed_policies()),
                    inline_policies,
                },
            );
        }
        for r in page.role_detail_list() {
            let (Some(arn), Some(name)) = (r.arn(), r.role_name()) else { continue };
            let Some(inline_policies) = inline(ctx, name, r.role_policy_list()) else { continue };
            let Some(trust_policy) =
                document(ctx, &format!("trust policy of role {name}"), r.assume_role_policy_document())
            else {
                continue;
            };
            out.roles.insert(
                arn.to_string(),
                IamRole {
                    name: name.to_string(),
                    path: r.path().unwrap_or("/").to_string(),
                    created: r.create_date().and_then(to_chrono),
                    trust_policy,
                    attached_policies: attached(r.attached_managed_policies()),
                    inline_policies,
                    permissions_boundary: r
                        .permissions_boundary()
                        .and_then(|b| b.permissions_boundary_arn())
                        .map(str::to_string),
                },
            );
        }
        for p in page.policies() {
            let Some(arn) = p.arn() else { continue };
            let name = p.policy_name().unwrap_or_else(|| short_name(arn)).to_string();
            let default = p.policy_version_list().iter().find(|v| v.is_default_version);
            let Some(doc) = document(ctx, &format!("policy {name}"), default.and_then(|v| v.document())) else {
                continue;
            };
            out.policies.insert(
                arn.to_string(),
                ManagedPolicy {
                    name,
                    path: p.path().unwrap_or("/").to_string(),
                    aws_managed: false,
                    default_version: p
                        .default_version_id()
                        .or(default.and_then(|v| v.version_id()))
                        .unwrap_or_default()
                        .to_string(),
                    document: doc,
                },
            );
        }
    }
    Some(out)
}

/// The credential report, generated if needed (AWS builds it asynchronously).
async fn credentials(ctx: &Ctx, client: &Client) -> Option<Vec<credential_report::Row>> {
    for attempt in 0..30 {
        let state = {
            let _permit = ctx.permit(S, "iam:GenerateCredentialReport").await;
            client.generate_credential_report().send().await
        };
        match state {
            Ok(out) if out.state() == Some(&ReportStateType::Complete) => break,
            Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(if attempt < 5 { 500 } else { 2000 })).await,
            Err(e) => {
                ctx.gap(S, None, "GenerateCredentialReport", describe(&e));
                return None;
            }
        }
    }
    let report = {
        let _permit = ctx.permit(S, "iam:GetCredentialReport").await;
        client.get_credential_report().send().await
    };
    let content = match report {
        Ok(out) => out.content.map(|b| b.into_inner()).unwrap_or_default(),
        Err(e) => {
            ctx.gap(S, None, "GetCredentialReport", describe(&e));
            return None;
        }
    };
    let text = match String::from_utf8(content) {
        Ok(t) => t,
        Err(_) => {
            ctx.gap(S, None, "GetCredentialReport", "the credential report is not UTF-8");
            return None;
        }
    };
    match credential_report::parse(&text) {
        Ok(rows) => Some(rows),
        Err(e) => {
            ctx.gap(S, None, "GetCredentialReport", e);
            None
        }
    }
}

async fn account(ctx: &Ctx, client: &Client) -> Option<IamAccount> {
    let (summary, policy) = tokio::join!(
        async {
            let _permit = ctx.permit(S, "iam:GetAccountSummary").await;
            client.get_account_summary().send().await
        },
        async {
            let _permit = ctx.permit(S, "iam:GetAccountPasswordPolicy").await;
            client.get_account_password_policy().send().await
        },
    );
    let summary = match summary {
        Ok(s) => s.summary_map.unwrap_or_default(),
        Err(e) => {
            ctx.gap(S, None, "GetAccountSummary", describe(&e));
            return None;
        }
    };
    let password_policy = match policy {
        Ok(out) => match out.password_policy {
            Some(p) => PasswordPolicy {
                present: true,
                minimum_length: p.minimum_password_length.unwrap_or(8).max(0) as u32,
                require_uppercase: p.require_uppercase_characters,
                require_lowercase: p.require_lowercase_characters,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
                allow_users_to_change: p.allow_users_to_change_password,
                max_age_days: p.max_password_age.filter(|d| *d > 0 && p.expire_passwords).map(|d| d as u32),
                reuse_prevention: p.password_reuse_prevention.filter(|n| *n > 0).map(|n| n as u32),
                hard_expiry: p.hard_expiry.unwrap_or(false),
            },
            None => PasswordPolicy::default(),
        },
        Err(e) if code(&e) == Some("NoSuchEntity") => PasswordPolicy::default(),
        Err(e) => {
            ctx.gap(S, None, "GetAccountPasswordPolicy", describe(&e));
            return None;
        }
    };
    let root_mfa = if summary.get(&SummaryKeyType::AccountMfaEnabled).copied().unwrap_or(0) > 0 {
        MfaKind::Hardware
    } else {
        MfaKind::None
    };
    Some(IamAccount {
        root_mfa,
        root_access_keys_present: summary.get(&SummaryKeyType::AccountAccessKeysPresent).copied().unwrap_or(0) > 0,
        password_policy,
    })
}

/// ARNs of the principals (users and root) whose MFA device is virtual.
async fn virtual_mfa_users(ctx: &Ctx, client: &Client) -> Option<HashSet<String>> {
    let listing =
        client.list_virtual_mfa_devices().assignment_status(AssignmentStatusType::Assigned).into_paginator().send();
    let pages = ctx.all_pages((S, None), ("iam:ListVirtualMFADevices", "ListVirtualMFADevices"), listing).await?;
    let mut out = HashSet::new();
    for d in pages.iter().flat_map(|p| p.virtual_mfa_devices()) {
        if let Some(user) = d.user() {
            out.insert(user.arn().to_string());
        } else if d.serial_number().ends_with(":mfa/root-account-mfa-device") {
            out.insert(ctx.root_arn());
        }
    }
    Some(out)
}

/// Key id, status and creation per user name (last use is joined from the report).
async fn access_keys(ctx: &Ctx, client: &Client, users: &[&IamUser]) -> HashMap<String, Vec<AccessKey>> {
    let calls = users.iter().map(|u| async move {
        let _permit = ctx.permit(S, "iam:ListAccessKeys").await;
        (u.name.clone(), client.list_access_keys().user_name(&u.name).send().await)
    });
    let mut out: HashMap<String, Vec<AccessKey>> = HashMap::new();
    for (name, result) in join_all(calls).await {
        match result {
            Ok(page) => {
                let mut keys: Vec<AccessKey> = page
                    .access_key_metadata()
                    .iter()
                    .map(|k| AccessKey {
                        id: k.access_key_id().unwrap_or_default().to_string(),
                        status: k.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                        created: k.create_date().and_then(to_chrono),
                        last_used: None,
                    })
                    .collect();
                keys.sort_by(|a, b| a.id.cmp(&b.id));
                out.insert(name, keys);
            }
            Err(e) => ctx.gap(S, None, "ListAccessKeys", format!("user {name}: {}", describe(&e))),
        }
    }
    // Users without keys need no call: they are present with an empty list.
    out
}

/// AWS-managed policies referenced by attachments or boundaries, with their documents.
async fn aws_managed(ctx: &Ctx, client: &Client, arns: BTreeSet<String>) -> BTreeMap<String, ManagedPolicy> {
    let calls = arns.into_iter().map(|arn| async move {
        let policy = {
            let _permit = ctx.permit(S, "iam:GetPolicy").await;
            client.get_policy().policy_arn(&arn).send().await
        };
        let policy = match policy {
            Ok(p) => p.policy,
            Err(e) => {
                ctx.gap(S, None, "GetPolicy", format!("{arn}: {}", describe(&e)));
                return None;
            }
        }?;
        let version_id = policy.default_version_id().unwrap_or("v1").to_string();
        let version = {
            let _permit = ctx.permit(S, "iam:GetPolicyVersion").await;
            client.get_policy_version().policy_arn(&arn).version_id(&version_id).send().await
        };
        let text = match version {
            Ok(v) => v.policy_version.and_then(|v| v.document),
            Err(e) => {
                ctx.gap(S, None, "GetPolicyVersion", format!("{arn}: {}", describe(&e)));
                return None;
            }
        };
        let doc = document(ctx, &format!("policy {arn}"), text.as_deref())?;
        let name = policy.policy_name().map(str::to_string).unwrap_or_else(|| short_name(&arn).to_string());
        Some((
            arn.clone(),
            ManagedPolicy {
                name,
                path: policy.path().unwrap_or("/").to_string(),
                aws_managed: arn.contains(":iam::aws:policy/"),
                default_version: version_id,
                document: doc,
            },
        ))
    });
    join_all(calls).await.into_iter().flatten().collect()
}
