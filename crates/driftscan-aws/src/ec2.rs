//! EC2 block storage per region: the EBS encryption defaults, volumes, and the account's
//! own snapshots with their `createVolumePermission` attribute (public or shared). A
//! snapshot whose attribute cannot be read is left out (gap); so is a region's defaults
//! entry when either of its two settings cannot be read.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{PermissionGroup, SnapshotAttributeName};
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::snapshot::{EbsDefaults, EbsSnapshot, EbsVolume, Ec2Facts, Service};

const S: Service = Service::Ec2;
/// The largest page DescribeVolumes and DescribeSnapshots give.
const PAGE: i32 = 1000;

pub(crate) struct Ec2;

impl super::Collector for Ec2 {
    type Facts = Ec2Facts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> Ec2Facts {
        let mut facts = Ec2Facts::default();
        for part in join_all(regions.iter().map(|r| region(ctx, r))).await {
            facts.ebs_defaults.extend(part.ebs_defaults);
            facts.volumes.extend(part.volumes);
            facts.snapshots.extend(part.snapshots);
        }
        facts
    }
}

async fn region(ctx: &Ctx, region: &str) -> Ec2Facts {
    let client = Client::new(&ctx.sdk(Some(region)));
    let mut facts = Ec2Facts::default();
    let at = (S, Some(region));
    let (by_default, default_key, volumes, snapshots) = tokio::join!(
        async {
            let _permit = ctx.permit(S, "ec2:GetEbsEncryptionByDefault").await;
            client.get_ebs_encryption_by_default().send().await
        },
        async {
            let _permit = ctx.permit(S, "ec2:GetEbsDefaultKmsKeyId").await;
            client.get_ebs_default_kms_key_id().send().await
        },
        ctx.all_pages(
            at,
            ("ec2:DescribeVolumes", "DescribeVolumes"),
            client.describe_volumes().max_results(PAGE).into_paginator().send()
        ),
        ctx.all_pages(
            at,
            ("ec2:DescribeSnapshots", "DescribeSnapshots"),
            client.describe_snapshots().owner_ids("self").max_results(PAGE).into_paginator().send()
        ),
    );
    match (by_default, default_key) {
        (Ok(by_default), Ok(key)) => {
            facts.ebs_defaults.insert(
                ctx.arn("ec2", region, "ebs-defaults"),
                EbsDefaults {
                    region: region.to_string(),
                    encryption_by_default: by_default.ebs_encryption_by_default().unwrap_or(false),
                    default_kms_key_id: key.kms_key_id().map(str::to_string),
                },
            );
        }
        (by_default, key) => {
            if let Err(e) = by_default {
                ctx.gap(S, Some(region), "GetEbsEncryptionByDefault", describe(&e));
            }
            if let Err(e) = key {
                ctx.gap(S, Some(region), "GetEbsDefaultKmsKeyId", describe(&e));
            }
        }
    }
    for v in volumes.into_iter().flatten().flat_map(|p| p.volumes.unwrap_or_default()) {
        let Some(id) = v.volume_id() else { continue };
        facts.volumes.insert(
            ctx.arn("ec2", region, &format!("volume/{id}")),
            EbsVolume {
                volume_id: id.to_string(),
                name: v.tags().iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value()).map(str::to_string),
                region: region.to_string(),
                encrypted: v.encrypted().unwrap_or(false),
                kms_key_id: v.kms_key_id().map(str::to_string),
            },
        );
    }
    let snapshots: Vec<EbsSnapshot> = snapshots
        .into_iter()
        .flatten()
        .flat_map(|p| p.snapshots.unwrap_or_default())
        .filter_map(|s| {
            Some(EbsSnapshot {
                snapshot_id: s.snapshot_id()?.to_string(),
                region: region.to_string(),
                volume_id: s.volume_id().unwrap_or_default().to_string(),
                encrypted: s.encrypted().unwrap_or(false),
                kms_key_id: s.kms_key_id().map(str::to_string),
                public: false,
                shared_with: Vec::new(),
            })
        })
        .collect();
    let with_sharing = join_all(snapshots.into_iter().map(|snap| sharing(ctx, &client, region, snap))).await;
    facts.snapshots.extend(with_sharing.into_iter().flatten());
    facts
}

/// Fills `public` and `shared_with` from the snapshot's `createVolumePermission` attribute.
async fn sharing(ctx: &Ctx, client: &Client, region: &str, mut snap: EbsSnapshot) -> Option<(String, EbsSnapshot)> {
    let answer = {
        let _permit = ctx.permit(S, "ec2:DescribeSnapshotAttribute").await;
        client
            .describe_snapshot_attribute()
            .snapshot_id(&snap.snapshot_id)
            .attribute(SnapshotAttributeName::CreateVolumePermission)
            .send()
            .await
    };
    let permissions = match answer {
        Ok(out) => out.create_volume_permissions.unwrap_or_default(),
        Err(e) => {
            ctx.gap(
                S,
                Some(region),
                "DescribeSnapshotAttribute",
                format!("snapshot {}: {}", snap.snapshot_id, describe(&e)),
            );
            return None;
        }
    };
    snap.public = permissions.iter().any(|p| p.group() == Some(&PermissionGroup::All));
    snap.shared_with = permissions.iter().filter_map(|p| p.user_id().map(str::to_string)).collect();
    snap.shared_with.sort();
    snap.shared_with.dedup();
    let arn = ctx.unowned_arn("ec2", region, &format!("snapshot/{}", snap.snapshot_id));
    Some((arn, snap))
}
