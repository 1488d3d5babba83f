//! RDS per region: instances, clusters, and snapshots (instance and cluster) with their
//! `restore` attribute (public or shared); attributes are read for manual snapshots only,
//! as automated ones cannot be shared.

use aws_sdk_rds::Client;
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::snapshot::{RdsCluster, RdsFacts, RdsInstance, RdsSnapshot, Service};

const S: Service = Service::Rds;

pub(crate) struct Rds;

impl super::Collector for Rds {
    type Facts = RdsFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> RdsFacts {
        let mut facts = RdsFacts::default();
        for part in join_all(regions.iter().map(|r| region(ctx, r))).await {
            facts.instances.extend(part.instances);
            facts.clusters.extend(part.clusters);
            facts.snapshots.extend(part.snapshots);
        }
        facts
    }
}

async fn region(ctx: &Ctx, region: &str) -> RdsFacts {
    let client = Client::new(&ctx.sdk(Some(region)));
    let mut facts = RdsFacts::default();
    let at = (S, Some(region));
    let (instances, clusters, snapshots, cluster_snapshots) = tokio::join!(
        ctx.all_pages(
            at,
            ("rds:DescribeDBInstances", "DescribeDBInstances"),
            client.describe_db_instances().into_paginator().send()
        ),
        ctx.all_pages(
            at,
            ("rds:DescribeDBClusters", "DescribeDBClusters"),
            client.describe_db_clusters().into_paginator().send()
        ),
        ctx.all_pages(
            at,
            ("rds:DescribeDBSnapshots", "DescribeDBSnapshots"),
            client.describe_db_snapshots().into_paginator().send()
        ),
        ctx.all_pages(
            at,
            ("rds:DescribeDBClusterSnapshots", "DescribeDBClusterSnapshots"),
            client.describe_db_cluster_snapshots().into_paginator().send()
        ),
    );
    let instances = instances.map(|pages| pages.into_iter().flat_map(|p| p.db_instances.unwrap_or_default()));
    let clusters = clusters.map(|pages| pages.into_iter().flat_map(|p| p.db_clusters.unwrap_or_default()));
    let snapshots = snapshots.map(|pages| pages.into_iter().flat_map(|p| p.db_snapshots.unwrap_or_default()));
    let cluster_snapshots =
        cluster_snapshots.map(|pages| pages.into_iter().flat_map(|p| p.db_cluster_snapshots.unwrap_or_default()));
    for i in instances.into_iter().flatten() {
        let (Some(arn), Some(id)) = (i.db_instance_arn(), i.db_instance_identifier()) else { continue };
        facts.instances.insert(
            arn.to_string(),
            RdsInstance {
                identifier: id.to_string(),
                region: region.to_string(),
                engine: i.engine().unwrap_or_default().to_string(),
                cluster: i.db_cluster_identifier().map(str::to_string),
                storage_encrypted: i.storage_encrypted().unwrap_or(false),
                kms_key_id: i.kms_key_id().map(str::to_string),
                publicly_accessible: i.publicly_accessible().unwrap_or(false),
                iam_auth_enabled: i.iam_database_authentication_enabled().unwrap_or(false),
                backup_retention_days: i.backup_retention_period().unwrap_or(0).max(0) as u32,
                deletion_protection: i.deletion_protection().unwrap_or(false),
            },
        );
    }
    for c in clusters.into_iter().flatten() {
        let (Some(arn), Some(id)) = (c.db_cluster_arn(), c.db_cluster_identifier()) else { continue };
        facts.clusters.insert(
            arn.to_string(),
            RdsCluster {
                identifier: id.to_string(),
                region: region.to_string(),
                engine: c.engine().unwrap_or_default().to_string(),
                storage_encrypted: c.storage_encrypted().unwrap_or(false),
                kms_key_id: c.kms_key_id().map(str::to_string),
                iam_auth_enabled: c.iam_database_authentication_enabled().unwrap_or(false),
                backup_retention_days: c.backup_retention_period().unwrap_or(0).max(0) as u32,
                deletion_protection: c.deletion_protection().unwrap_or(false),
            },
        );
    }
    let instance_snapshots = snapshots.into_iter().flatten().filter_map(|s| {
        Some(RdsSnapshot {
            identifier: s.db_snapshot_identifier()?.to_string(),
            region: region.to_string(),
            source_kind: "instance".into(),
            source: s.db_instance_identifier().unwrap_or_default().to_string(),
            snapshot_type: s.snapshot_type().unwrap_or_default().to_string(),
            encrypted: s.encrypted().unwrap_or(false),
            kms_key_id: s.kms_key_id().map(str::to_string),
            public: false,
            shared_with: Vec::new(),
        })
        .zip(s.db_snapshot_arn().map(str::to_string))
    });
    let cluster_snapshots = cluster_snapshots.into_iter().flatten().filter_map(|s| {
        Some(RdsSnapshot {
            identifier: s.db_cluster_snapshot_identifier()?.to_string(),
            region: region.to_string(),
            source_kind: "cluster".into(),
            source: s.db_cluster_identifier().unwrap_or_default().to_string(),
            snapshot_type: s.snapshot_type().unwrap_or_default().to_string(),
            encrypted: s.storage_encrypted().unwrap_or(false),
            kms_key_id: s.kms_key_id().map(str::to_string),
            public: false,
            shared_with: Vec::new(),
        })
        .zip(s.db_cluster_snapshot_arn().map(str::to_string))
    });
    let all: Vec<(RdsSnapshot, String)> = instance_snapshots.chain(cluster_snapshots).collect();
    let with_sharing = join_all(all.into_iter().map(|(snap, arn)| sharing(ctx, &client, region, snap, arn))).await;
    facts.snapshots.extend(with_sharing.into_iter().flatten());
    facts
}

/// Fills `public` and `shared_with` from the snapshot's `restore` attribute.
async fn sharing(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    mut snap: RdsSnapshot,
    arn: String,
) -> Option<(String, RdsSnapshot)> {
    if snap.snapshot_type != "manual" {
        return Some((arn, snap));
    }
    let restore: Vec<String> = if snap.source_kind == "cluster" {
        let _permit = ctx.permit(S, "rds:DescribeDBClusterSnapshotAttributes").await;
        match client
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier(&snap.identifier)
            .send()
            .await
        {
            Ok(out) => out
                .db_cluster_snapshot_attributes_result()
                .map(|r| {
                    r.db_cluster_snapshot_attributes()
                        .iter()
                        .filter(|a| a.attribute_name() == Some("restore"))
                        .flat_map(|a| a.attribute_values().to_vec())
                        .collect()
                })
                .unwrap_or_default(),
            Err(e) => {
                ctx.gap(
                    S,
                    Some(region),
                    "DescribeDBClusterSnapshotAttributes",
                    format!("snapshot {}: {}", snap.identifier, describe(&e)),
                );
                return None;
            }
        }
    } else {
        let _permit = ctx.permit(S, "rds:DescribeDBSnapshotAttributes").await;
        match client.describe_db_snapshot_attributes().db_snapshot_identifier(&snap.identifier).send().await {
            Ok(out) => out
                .db_snapshot_attributes_result()
                .map(|r| {
                    r.db_snapshot_attributes()
                        .iter()
                        .filter(|a| a.attribute_name() == Some("restore"))
                        .flat_map(|a| a.attribute_values().to_vec())
                        .collect()
                })
                .unwrap_or_default(),
            Err(e) => {
                ctx.gap(
                    S,
                    Some(region),
                    "DescribeDBSnapshotAttributes",
                    format!("snapshot {}: {}", snap.identifier, describe(&e)),
                );
                return None;
            }
        }
    };
    snap.public = restore.iter().any(|v| v == "all");
    snap.shared_with = restore.into_iter().filter(|v| v != "all").collect();
    snap.shared_with.sort();
    snap.shared_with.dedup();
    Some((arn, snap))
}
