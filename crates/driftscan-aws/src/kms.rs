//! KMS per region: keys with their aliases, metadata, rotation status, key policy and
//! grants. A key whose metadata, policy or grants cannot be read is left out (gap).

use std::collections::BTreeMap;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{KeyManagerType, KeySpec, KeyState};
use futures::future::join_all;

use super::{Ctx, code, describe, to_chrono};
use driftscan_core::snapshot::kms::KmsGrant;
use driftscan_core::snapshot::policy::PolicyDocument;
use driftscan_core::snapshot::{KmsFacts, KmsKey, Service};

const S: Service = Service::Kms;

pub(crate) struct Kms;

impl super::Collector for Kms {
    type Facts = KmsFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> KmsFacts {
        let mut facts = KmsFacts::default();
        for keys in join_all(regions.iter().map(|r| region(ctx, r))).await {
            facts.keys.extend(keys);
        }
        facts
    }
}

async fn region(ctx: &Ctx, region: &str) -> Vec<(String, KmsKey)> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let (ids, aliases) = tokio::join!(
        async {
            let pages = ctx
                .all_pages((S, Some(region)), ("kms:ListKeys", "ListKeys"), client.list_keys().into_paginator().send())
                .await?;
            Some(pages.iter().flat_map(|p| p.keys()).filter_map(|k| k.key_id().map(str::to_string)).collect::<Vec<_>>())
        },
        async {
            let pages = ctx
                .all_pages(
                    (S, Some(region)),
                    ("kms:ListAliases", "ListAliases"),
                    client.list_aliases().into_paginator().send(),
                )
                .await?;
            let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for a in pages.iter().flat_map(|p| p.aliases()) {
                if let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) {
                    by_key.entry(target.to_string()).or_default().push(name.to_string());
                }
            }
            Some(by_key)
        },
    );
    let (Some(ids), Some(aliases)) = (ids, aliases) else { return Vec::new() };
    join_all(ids.iter().map(|id| key(ctx, &client, region, id, aliases.get(id).cloned().unwrap_or_default())))
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn key(ctx: &Ctx, client: &Client, region: &str, id: &str, mut aliases: Vec<String>) -> Option<(String, KmsKey)> {
    let (described, policy, grant_pages) = tokio::join!(
        async {
            let _permit = ctx.permit(S, "kms:DescribeKey").await;
            client.describe_key().key_id(id).send().await
        },
        async {
            let _permit = ctx.permit(S, "kms:GetKeyPolicy").await;
            client.get_key_policy().key_id(id).policy_name("default").send().await
        },
        ctx.all_pages(
            (S, Some(region)),
            ("kms:ListGrants", "ListGrants"),
            client.list_grants().key_id(id).into_paginator().send()
        ),
    );
    // A key whose grants are unknown could hide access: left out, like an unreadable policy.
    let mut grants: Vec<KmsGrant> = grant_pages?
        .iter()
        .flat_map(|page| page.grants())
        .map(|g| {
            let mut operations: Vec<String> = g.operations().iter().map(|o| o.as_str().to_string()).collect();
            operations.sort();
            KmsGrant {
                grantee_principal: g.grantee_principal().unwrap_or_default().to_string(),
                operations,
                constrained: g.constraints().is_some(),
            }
        })
        .collect();
    grants.sort();
    grants.dedup();
    let meta = match described {
        Ok(out) => out.key_metadata?,
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeKey", format!("key {id}: {}", describe(&e)));
            return None;
        }
    };
    let policy = match policy {
        Ok(out) => match out.policy() {
            None => None,
            Some(text) => match PolicyDocument::parse(text) {
                Ok(doc) => Some(doc),
                Err(e) => {
                    ctx.gap(S, Some(region), "GetKeyPolicy", format!("key {id}: {e}"));
                    return None;
                }
            },
        },
        Err(e) => {
            ctx.gap(S, Some(region), "GetKeyPolicy", format!("key {id}: {}", describe(&e)));
            return None;
        }
    };
    let symmetric = meta.key_spec().is_none_or(|s| *s == KeySpec::SymmetricDefault);
    let state = meta.key_state().cloned();
    // Rotation exists for symmetric keys only; asking about others is an error by design.
    let rotation_enabled = if symmetric {
        let _permit = ctx.permit(S, "kms:GetKeyRotationStatus").await;
        match client.get_key_rotation_status().key_id(id).send().await {
            Ok(out) => out.key_rotation_enabled,
            Err(e) if matches!(code(&e), Some("UnsupportedOperationException" | "KMSInvalidStateException")) => false,
            Err(e) => {
                ctx.gap(S, Some(region), "GetKeyRotationStatus", format!("key {id}: {}", describe(&e)));
                return None;
            }
        }
    } else {
        false
    };
    aliases.sort();
    Some((
        meta.arn().map(str::to_string).unwrap_or_else(|| ctx.arn("kms", region, &format!("key/{id}"))),
        KmsKey {
            key_id: id.to_string(),
            region: region.to_string(),
            aliases,
            description: meta.description().unwrap_or_default().to_string(),
            manager: match meta.key_manager() {
                Some(KeyManagerType::Aws) => "AWS".into(),
                _ => "CUSTOMER".into(),
            },
            state: state.map(|s| s.as_str().to_string()).unwrap_or_else(|| KeyState::Enabled.as_str().to_string()),
            key_spec: meta.key_spec().map(|s| s.as_str().to_string()).unwrap_or_else(|| "SYMMETRIC_DEFAULT".into()),
            rotation_enabled,
            deletion_date: meta.deletion_date().and_then(to_chrono),
            policy,
            grants,
        },
    ))
}
