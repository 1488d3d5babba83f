//! Redshift per region: provisioned clusters with their audit logging status and the
//! `require_ssl` of their parameter group (each distinct group read once). A cluster whose
//! logging status or parameter group cannot be read is left out (gap).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_redshift::Client;
use aws_sdk_redshift::types::Cluster;
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::snapshot::{RedshiftCluster, RedshiftFacts, Service};

const S: Service = Service::Redshift;
/// The largest page DescribeClusters and DescribeClusterParameters give.
const PAGE: i32 = 100;

pub(crate) struct Redshift;

impl super::Collector for Redshift {
    type Facts = RedshiftFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> RedshiftFacts {
        let mut facts = RedshiftFacts::default();
        for clusters in join_all(regions.iter().map(|r| region(ctx, r))).await {
            facts.clusters.extend(clusters);
        }
        facts
    }
}

fn parameter_group(cluster: &Cluster) -> String {
    cluster.cluster_parameter_groups().first().and_then(|g| g.parameter_group_name()).unwrap_or_default().to_string()
}

async fn region(ctx: &Ctx, region: &str) -> Vec<(String, RedshiftCluster)> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let listing = client.describe_clusters().max_records(PAGE).into_paginator().send();
    let Some(pages) =
        ctx.all_pages((S, Some(region)), ("redshift:DescribeClusters", "DescribeClusters"), listing).await
    else {
        return Vec::new();
    };
    let clusters: Vec<Cluster> = pages.into_iter().flat_map(|p| p.clusters.unwrap_or_default()).collect();
    let groups: BTreeSet<String> = clusters.iter().map(parameter_group).filter(|g| !g.is_empty()).collect();
    let logging =
        clusters.iter().map(|c| audit_logging(ctx, &client, region, c.cluster_identifier().unwrap_or_default()));
    let ssl = groups.iter().map(|g| require_ssl(ctx, &client, region, g));
    let (logging, require_ssl) = tokio::join!(join_all(logging), join_all(ssl));
    let require_ssl: BTreeMap<&String, Option<bool>> = groups.iter().zip(require_ssl).collect();
    clusters
        .iter()
        .zip(logging)
        .filter_map(|(c, audit_logging)| {
            let identifier = c.cluster_identifier()?;
            let group = parameter_group(c);
            // A cluster always has a group; without one, nothing could say SSL is required.
            let require_ssl = if group.is_empty() { false } else { (*require_ssl.get(&group)?)? };
            Some((
                ctx.arn("redshift", region, &format!("cluster:{identifier}")),
                RedshiftCluster {
                    identifier: identifier.to_string(),
                    region: region.to_string(),
                    encrypted: c.encrypted().unwrap_or(false),
                    kms_key_id: c.kms_key_id().map(str::to_string),
                    publicly_accessible: c.publicly_accessible().unwrap_or(false),
                    audit_logging: audit_logging?,
                    parameter_group: group,
                    require_ssl,
                    backup_retention_days: c.automated_snapshot_retention_period().unwrap_or(0).max(0) as u32,
                },
            ))
        })
        .collect()
}

/// `DescribeLoggingStatus`'s `LoggingEnabled`; `None` (gap) when it cannot be read.
async fn audit_logging(ctx: &Ctx, client: &Client, region: &str, identifier: &str) -> Option<bool> {
    let _permit = ctx.permit(S, "redshift:DescribeLoggingStatus").await;
    match client.describe_logging_status().cluster_identifier(identifier).send().await {
        Ok(out) => Some(out.logging_enabled().unwrap_or(false)),
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeLoggingStatus", format!("cluster {identifier}: {}", describe(&e)));
            None
        }
    }
}

/// The group's `require_ssl` (absent = false); `None` (gap) when the group cannot be read.
async fn require_ssl(ctx: &Ctx, client: &Client, region: &str, group: &str) -> Option<bool> {
    let pages = ctx
        .all_pages(
            (S, Some(region)),
            ("redshift:DescribeClusterParameters", "DescribeClusterParameters"),
            client.describe_cluster_parameters().parameter_group_name(group).max_records(PAGE).into_paginator().send(),
        )
        .await?;
    Some(
        pages
            .iter()
            .flat_map(|p| p.parameters())
            .find(|p| p.parameter_name() == Some("require_ssl"))
            .and_then(|p| p.parameter_value())
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    )
}
