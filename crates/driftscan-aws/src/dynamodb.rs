//! DynamoDB per region: tables with their encryption, deletion protection and
//! point-in-time recovery. A table whose details cannot be read is left out (gap).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PointInTimeRecoveryStatus, SseStatus};
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::snapshot::{DynamoDbFacts, DynamoDbTable, Service};

const S: Service = Service::Dynamodb;

pub(crate) struct Dynamodb;

impl super::Collector for Dynamodb {
    type Facts = DynamoDbFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> DynamoDbFacts {
        let mut facts = DynamoDbFacts::default();
        for tables in join_all(regions.iter().map(|r| region(ctx, r))).await {
            facts.tables.extend(tables);
        }
        facts
    }
}

async fn region(ctx: &Ctx, region: &str) -> Vec<(String, DynamoDbTable)> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let listing = client.list_tables().into_paginator().send();
    let Some(pages) = ctx.all_pages((S, Some(region)), ("dynamodb:ListTables", "ListTables"), listing).await else {
        return Vec::new();
    };
    let names: Vec<String> = pages.iter().flat_map(|p| p.table_names()).cloned().collect();
    join_all(names.iter().map(|n| table(ctx, &client, region, n))).await.into_iter().flatten().collect()
}

async fn table(ctx: &Ctx, client: &Client, region: &str, name: &str) -> Option<(String, DynamoDbTable)> {
    let (described, backups) = tokio::join!(
        async {
            let _permit = ctx.permit(S, "dynamodb:DescribeTable").await;
            client.describe_table().table_name(name).send().await
        },
        async {
            let _permit = ctx.permit(S, "dynamodb:DescribeContinuousBackups").await;
            client.describe_continuous_backups().table_name(name).send().await
        },
    );
    let table = match described {
        Ok(out) => out.table?,
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeTable", format!("table {name}: {}", describe(&e)));
            return None;
        }
    };
    let pitr_enabled = match backups {
        Ok(out) => out
            .continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            .is_some_and(|s| *s == PointInTimeRecoveryStatus::Enabled),
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeContinuousBackups", format!("table {name}: {}", describe(&e)));
            return None;
        }
    };
    // No SSEDescription (or a disabled one) means the AWS-owned key.
    let sse = table.sse_description().filter(|d| d.status() != Some(&SseStatus::Disabled) && d.sse_type().is_some());
    let arn = table.table_arn()?.to_string();
    Some((
        arn,
        DynamoDbTable {
            name: name.to_string(),
            region: region.to_string(),
            sse_type: sse
                .and_then(|d| d.sse_type())
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "AWS_OWNED".into()),
            kms_key_arn: sse.and_then(|d| d.kms_master_key_arn()).map(str::to_string),
            pitr_enabled,
            deletion_protection: table.deletion_protection_enabled().unwrap_or(false),
        },
    ))
}
