//! Reading accounts live from AWS. The `aws` feature picks one of two modules with the
//! same functions: the AWS SDK's collection, or, in the build without the SDK (`make demo`),
//! an error saying to give a snapshot or build the full tool. Nothing else in the binary
//! looks at the feature.

pub use imp::{collect_account, collect_org_accounts, list_org_accounts};

#[cfg(feature = "aws")]
mod imp {
    use driftscan_core::error::Result;
    use driftscan_core::snapshot::Snapshot;

    use crate::cli::{AwsArgs, SourceArgs};
    use crate::commands::Arrival;

    /// The state of the account the credentials reach (or `--role-arn` names).
    pub fn collect_account(aws: &AwsArgs, progress: bool) -> Result<Snapshot> {
        driftscan_aws::run_blocking(&options(aws, progress))
    }

    /// The selected accounts (id, name) of the organization, without reading them.
    pub fn list_org_accounts(source: &SourceArgs, progress: bool) -> Result<Vec<(String, Option<String>)>> {
        let listed = driftscan_aws::org::list_accounts(&options(&source.aws, progress), &source.org.ous)?;
        Ok(listed.into_iter().filter(|(id, _)| source.org.selects(id)).collect())
    }

    /// Reads the selected accounts of the organization, handing each to `each` as it arrives.
    pub fn collect_org_accounts(
        source: &SourceArgs,
        progress: bool,
        each: &mut dyn FnMut(Arrival) -> Result<()>,
    ) -> Result<()> {
        let org = &source.org;
        let select = driftscan_aws::org::Selection {
            role_name: org.org_role.clone(),
            external_id: org.external_id.clone(),
            ous: org.ous.clone(),
            account_concurrency: org.account_concurrency as usize,
        };
        let keep = |id: &str| org.selects(id);
        let opts = options(&source.aws, progress);
        driftscan_aws::org::collect_each(&opts, &select, &keep, &mut |a: driftscan_aws::org::Collected| {
            each(Arrival { account_id: a.account_id, name: a.name, snapshot: a.snapshot })
        })
    }

    fn options(aws: &AwsArgs, progress: bool) -> driftscan_aws::Options {
        driftscan_aws::Options {
            profile: aws.profile.clone(),
            regions: aws.regions.clone(),
            endpoint_url: aws.endpoint_url.clone(),
            role_arn: aws.role_arn.clone(),
            concurrency: aws.concurrency as usize,
            call_timeout: std::time::Duration::from_secs(aws.call_timeout as u64),
            max_attempts: aws.max_attempts as u32,
            progress,
        }
    }
}

#[cfg(not(feature = "aws"))]
mod imp {
    use driftscan_core::error::{Error, Result};
    use driftscan_core::snapshot::Snapshot;

    use crate::cli::{AwsArgs, SourceArgs};
    use crate::commands::Arrival;

    pub fn collect_account(_: &AwsArgs, _: bool) -> Result<Snapshot> {
        unavailable("--snapshot FILE")
    }

    pub fn list_org_accounts(_: &SourceArgs, _: bool) -> Result<Vec<(String, Option<String>)>> {
        unavailable("--snapshot DIR")
    }

    pub fn collect_org_accounts(_: &SourceArgs, _: bool, _: &mut dyn FnMut(Arrival) -> Result<()>) -> Result<()> {
        unavailable("--snapshot DIR")
    }

    /// The SDK is nearly all of a clean build's time, so the demo leaves it out; say how to
    /// get the full tool. `instead` is the flag that reads the same state from files.
    fn unavailable<T>(instead: &str) -> Result<T> {
        Err(Error::Usage(format!(
            "this driftscan was built without live AWS collection (`make demo` builds it so); \
             give {instead}, or build the full tool with `make build` or `cargo build`"
        )))
    }
}
