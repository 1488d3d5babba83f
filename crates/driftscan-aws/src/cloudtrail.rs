//! CloudTrail: every scanned region's trails, shadow trails included, so that a
//! multi-region trail managed elsewhere and an organization trail of the management
//! account are seen. The account's own trails are collected once each (by ARN) with their
//! logging status; other accounts' organization trails only say that this account is
//! logged. The one account entry exists only when every region's trails were listed.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::types::Trail;
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::arn::Arn;
use driftscan_core::snapshot::{CloudTrailAccount, CloudTrailFacts, CloudTrailTrail, Service};

const S: Service = Service::Cloudtrail;

pub(crate) struct Cloudtrail;

impl super::Collector for Cloudtrail {
    type Facts = CloudTrailFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> CloudTrailFacts {
        let listed = join_all(regions.iter().map(|r| trails(ctx, r))).await;
        let complete = listed.iter().all(Option::is_some);
        // Own trails by ARN, with the region to ask for their status (the home region when
        // it was scanned, else the first region that showed the trail).
        let mut own: BTreeMap<String, (Trail, &str)> = BTreeMap::new();
        let mut organization_trails = BTreeSet::new();
        for (region, trails) in regions.iter().zip(listed) {
            for trail in trails.into_iter().flatten() {
                let Some(arn) = trail.trail_arn().map(str::to_string) else { continue };
                if Arn::parse(&arn).is_some_and(|a| a.account == ctx.account_id) {
                    let home = trail.home_region() == Some(region.as_str());
                    match own.get_mut(&arn) {
                        Some(seen) if home => *seen = (trail, region),
                        Some(_) => {}
                        None => {
                            own.insert(arn, (trail, region));
                        }
                    }
                } else if trail.is_organization_trail().unwrap_or(false) {
                    organization_trails.insert(arn);
                }
            }
        }
        let mut facts = CloudTrailFacts::default();
        let statuses =
            join_all(own.iter().map(|(arn, (t, region))| logging(ctx, region, t.home_region().unwrap_or(region), arn)))
                .await;
        for ((arn, (t, region)), logging) in own.into_iter().zip(statuses) {
            let Some(logging) = logging else { continue };
            facts.trails.insert(
                arn,
                CloudTrailTrail {
                    name: t.name().unwrap_or_default().to_string(),
                    region: t.home_region().unwrap_or(region).to_string(),
                    multi_region: t.is_multi_region_trail().unwrap_or(false),
                    organization_trail: t.is_organization_trail().unwrap_or(false),
                    logging,
                    log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
                    kms_key_id: t.kms_key_id().map(str::to_string),
                    s3_bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
                },
            );
        }
        if complete {
            facts.account.insert(
                ctx.arn("cloudtrail", "", "account"),
                CloudTrailAccount { organization_trails: organization_trails.into_iter().collect() },
            );
        }
        facts
    }
}

/// The trails `region` shows (its own and shadows of other regions' multi-region and
/// organization trails); `None` (gap) when they cannot be listed.
async fn trails(ctx: &Ctx, region: &str) -> Option<Vec<Trail>> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let _permit = ctx.permit(S, "cloudtrail:DescribeTrails").await;
    match client.describe_trails().include_shadow_trails(true).send().await {
        Ok(out) => Some(out.trail_list.unwrap_or_default()),
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeTrails", describe(&e));
            None
        }
    }
}

/// `GetTrailStatus`'s `IsLogging`, asked in `region`; `None` (gap) when it cannot be read.
/// The gap names the trail's home region, the region its baseline entry has: there it
/// means "not collected", never "deleted".
async fn logging(ctx: &Ctx, region: &str, home: &str, arn: &str) -> Option<bool> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let _permit = ctx.permit(S, "cloudtrail:GetTrailStatus").await;
    match client.get_trail_status().name(arn).send().await {
        Ok(out) => Some(out.is_logging().unwrap_or(false)),
        Err(e) => {
            ctx.gap(S, Some(home), "GetTrailStatus", format!("trail {arn}: {}", describe(&e)));
            None
        }
    }
}
