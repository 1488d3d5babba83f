//! AWS Config per region: is a configuration recorder there, and is it recording?

use aws_sdk_config::Client;
use futures::future::join_all;

use super::{Ctx, describe};
use driftscan_core::snapshot::{ConfigFacts, ConfigRecorder, Service};

const S: Service = Service::Config;

pub(crate) struct Config;

impl super::Collector for Config {
    type Facts = ConfigFacts;

    async fn collect(ctx: &Ctx, regions: &[String]) -> ConfigFacts {
        let mut facts = ConfigFacts::default();
        for (region, recorder) in regions.iter().zip(join_all(regions.iter().map(|r| region(ctx, r))).await) {
            if let Some(r) = recorder {
                facts.recorders.insert(ctx.arn("config", region, "configuration-recorder"), r);
            }
        }
        facts
    }
}

async fn region(ctx: &Ctx, region: &str) -> Option<ConfigRecorder> {
    let client = Client::new(&ctx.sdk(Some(region)));
    let (recorders, statuses) = tokio::join!(
        async {
            let _permit = ctx.permit(S, "config:DescribeConfigurationRecorders").await;
            client.describe_configuration_recorders().send().await
        },
        async {
            let _permit = ctx.permit(S, "config:DescribeConfigurationRecorderStatus").await;
            client.describe_configuration_recorder_status().send().await
        },
    );
    let recorders = match recorders {
        Ok(out) => out.configuration_recorders.unwrap_or_default(),
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeConfigurationRecorders", describe(&e));
            return None;
        }
    };
    let statuses = match statuses {
        Ok(out) => out.configuration_recorders_status.unwrap_or_default(),
        Err(e) => {
            ctx.gap(S, Some(region), "DescribeConfigurationRecorderStatus", describe(&e));
            return None;
        }
    };
    // A region has at most one customer recorder; service-linked ones do not replace it.
    let Some(recorder) = recorders
        .iter()
        .find(|r| !r.name().unwrap_or_default().starts_with("AWSConfigurationRecorderFor"))
        .or(recorders.first())
    else {
        return Some(ConfigRecorder { region: region.to_string(), ..ConfigRecorder::default() });
    };
    let name = recorder.name().unwrap_or("default").to_string();
    let recording = statuses.iter().any(|s| s.name() == Some(name.as_str()) && s.recording);
    let group = recorder.recording_group();
    Some(ConfigRecorder {
        region: region.to_string(),
        name: Some(name),
        recording,
        all_supported: group.is_some_and(|g| g.all_supported),
        include_global_resources: group.is_some_and(|g| g.include_global_resource_types),
    })
}
