//! EFS per region: file systems with their encryption, file system policy and backup
//! policy. A file system whose policy or backup policy cannot be read is left out (gap).

use aws_sdk_efs::Client;
use aws_sdk_efs::types::{FileSystemDescription, Status};
use futures::future::join_all;

use super::{Ctx, code, describe};
use driftscan_core::snapshot::policy::PolicyDocument;
use driftscan_core::snapshot::{EfsFacts, EfsFileSystem, Service};

const S: Service = Service::Efs;
/// What EFS answers for a file system without a (file system or backup) policy.
const NO_POLICY: &str = "PolicyNotFound";

pub(crate) struct Efs;

impl super::Collector for Efs {
    type Facts = EfsFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> EfsFacts {
        let mut facts = EfsFacts::default();
        for file_systems in join_all(regions.iter().map(|r| region(ctx, r))).await {
            facts.file_systems.extend(file_systems);
        }
        facts
    }
}

async fn region(ctx: &Ctx, region: &str) -> Vec<(String, EfsFileSystem)> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let listing = client.describe_file_systems().into_paginator().send();
    let Some(pages) = ctx
        .all_pages((S, Some(region)), ("elasticfilesystem:DescribeFileSystems", "DescribeFileSystems"), listing)
        .await
    else {
        return Vec::new();
    };
    let file_systems: Vec<FileSystemDescription> =
        pages.into_iter().flat_map(|p| p.file_systems.unwrap_or_default()).collect();
    join_all(file_systems.iter().map(|fs| file_system(ctx, &client, region, fs))).await.into_iter().flatten().collect()
}

async fn file_system(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    fs: &FileSystemDescription,
) -> Option<(String, EfsFileSystem)> {
    let id = fs.file_system_id();
    let (policy, backup) = tokio::join!(
        async {
            let _permit = ctx.permit(S, "elasticfilesystem:DescribeFileSystemPolicy").await;
            client.describe_file_system_policy().file_system_id(id).send().await
        },
        async {
            let _permit = ctx.permit(S, "elasticfilesystem:DescribeBackupPolicy").await;
            client.describe_backup_policy().file_system_id(id).send().await
        },
    );
    let policy = match policy {
        Ok(out) => match out.policy() {
            None => None,
            Some(text) => match PolicyDocument::parse(text) {
                Ok(doc) => Some(doc),
                Err(e) => {
                    ctx.gap(S, Some(region), "DescribeFileSystemPolicy", format!("file system {id}: {e}"));
                    return None;
                }
            },
        },
        Err(e) if code(&e) == Some(NO_POLICY) => None,
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeFileSystemPolicy", format!("file system {id}: {}", describe(&e)));
            return None;
        }
    };
    let backup_enabled = match backup {
        Ok(out) => out.backup_policy().is_some_and(|b| matches!(b.status(), Status::Enabled | Status::Enabling)),
        Err(e) if code(&e) == Some(NO_POLICY) => false,
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeBackupPolicy", format!("file system {id}: {}", describe(&e)));
            return None;
        }
    };
    let arn = fs
        .file_system_arn()
        .map(str::to_string)
        .unwrap_or_else(|| ctx.arn("elasticfilesystem", region, &format!("file-system/{id}")));
    Some((
        arn,
        EfsFileSystem {
            file_system_id: id.to_string(),
            name: fs.name().map(str::to_string),
            region: region.to_string(),
            encrypted: fs.encrypted().unwrap_or(false),
            kms_key_id: fs.kms_key_id().map(str::to_string),
            policy,
            backup_enabled,
        },
    ))
}
