//! S3: `ListBuckets`, then per bucket (concurrently, within the call limit) its location,
//! encryption, public access block, policy and policy status, ACL, versioning, logging and
//! object ownership; and the account-level public access block (s3control).
//!
//! "Not configured" answers (no encryption, no policy, no block) are facts, not errors. A
//! bucket with any other failed call is left out and its region recorded as a gap.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::Type as GranteeType;
use futures::future::join_all;

use super::{Ctx, code, describe};
use driftscan_core::snapshot::policy::PolicyDocument;
use driftscan_core::snapshot::{
    BucketEncryption, Logging, PublicAccessBlock, S3Account, S3Bucket, S3Facts, Service, Versioning,
};

const S: Service = Service::S3;
const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

fn client(ctx: &Ctx, region: Option<&str>) -> Client {
    let mut conf = aws_sdk_s3::config::Builder::from(&ctx.sdk(region)).force_path_style(ctx.emulated());
    if ctx.emulated() {
        conf = conf.interceptor(EmulatorVersioningRoot);
    }
    Client::from_conf(conf.build())
}

/// moto 5.2 answers GetBucketVersioning with a `<GetBucketVersioningResponse>` root where
/// S3 sends `<VersioningConfiguration>`, which the SDK rightly rejects. Against an
/// emulator only, such an answer is read the way S3's would be.
#[derive(Debug)]
struct EmulatorVersioningRoot;

impl aws_sdk_s3::config::Intercept for EmulatorVersioningRoot {
    fn name(&self) -> &'static str {
        "EmulatorVersioningRoot"
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut aws_sdk_s3::config::interceptors::FinalizerInterceptorContextMut<'_>,
        _: &aws_sdk_s3::config::RuntimeComponents,
        _: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        let Some(body) = context.response().and_then(|r| r.body().bytes()) else { return Ok(()) };
        let text = String::from_utf8_lossy(body).into_owned();
        if !text.contains("<GetBucketVersioningResponse") {
            return Ok(());
        }
        let element = |name: &str| {
            text.split(&format!("<{name}>"))
                .nth(1)
                .and_then(|rest| rest.split(&format!("</{name}>")).next())
                .map(str::to_string)
        };
        let output = aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput::builder()
            .set_status(element("Status").map(|s| aws_sdk_s3::types::BucketVersioningStatus::from(s.as_str())))
            .set_mfa_delete(element("MfaDelete").map(|s| aws_sdk_s3::types::MfaDeleteStatus::from(s.as_str())))
            .build();
        if let Some(slot) = context.output_or_error_mut()
            && slot.is_err()
        {
            *slot = Ok(aws_smithy_runtime_api::client::interceptors::context::Output::erase(output));
        }
        Ok(())
    }
}

pub(crate) struct S3;

impl super::Collector for S3 {
    type Facts = S3Facts;

    async fn collect(ctx: &Ctx, _regions: &[String]) -> S3Facts {
        let mut facts = S3Facts::default();
        let (names, account) = tokio::join!(list_buckets(ctx), account_block(ctx));
        if let Some(block) = account {
            facts.account.insert(ctx.arn("s3", "", "account"), S3Account { public_access_block: block });
        }
        let Some(names) = names else { return facts };
        let buckets = join_all(names.iter().map(|name| bucket(ctx, name))).await;
        for (name, bucket) in names.iter().zip(buckets) {
            if let Some(b) = bucket {
                facts.buckets.insert(ctx.unowned_arn("s3", "", name), b);
            }
        }
        facts
    }
}

async fn list_buckets(ctx: &Ctx) -> Option<Vec<String>> {
    let client = client(ctx, None);
    let pages = ctx
        .all_pages((S, None), ("s3:ListAllMyBuckets", "ListBuckets"), client.list_buckets().into_paginator().send())
        .await?;
    Some(pages.iter().flat_map(|p| p.buckets()).filter_map(|b| b.name().map(str::to_string)).collect())
}

/// The account-level block. Against an emulator, s3control's account-id host prefix
/// (`<account>.localhost`) cannot resolve, so the endpoint is used as given.
async fn account_block(ctx: &Ctx) -> Option<PublicAccessBlock> {
    let mut conf = aws_sdk_s3control::config::Builder::from(&ctx.sdk(None));
    if let Some(url) = &ctx.endpoint_url {
        conf = conf.endpoint_resolver(FixedEndpoint(url.clone()));
    }
    let client = aws_sdk_s3control::Client::from_conf(conf.build());
    let _permit = ctx.permit(S, "s3:GetAccountPublicAccessBlock").await;
    match client.get_public_access_block().account_id(&ctx.account_id).send().await {
        Ok(out) => Some(
            out.public_access_block_configuration
                .map(|c| PublicAccessBlock {
                    block_public_acls: c.block_public_acls.unwrap_or(false),
                    ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
                    block_public_policy: c.block_public_policy.unwrap_or(false),
                    restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
                })
                .unwrap_or_default(),
        ),
        Err(e) if code(&e) == Some("NoSuchPublicAccessBlockConfiguration") => Some(PublicAccessBlock::default()),
        Err(e) => {
            ctx.gap(S, None, "GetPublicAccessBlock (account)", describe(&e));
            None
        }
    }
}

#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        let endpoint = aws_smithy_types::endpoint::Endpoint::builder().url(self.0.clone()).build();
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(endpoint))
    }
}

/// Reads one bucket; `None` (with a gap) when any call failed for another reason than
/// "not configured".
async fn bucket(ctx: &Ctx, name: &str) -> Option<S3Bucket> {
    let region = {
        let global = client(ctx, None);
        let _permit = ctx.permit(S, "s3:GetBucketLocation").await;
        match global.get_bucket_location().bucket(name).send().await {
            Ok(out) => match out.location_constraint().map(|c| c.as_str()) {
                None | Some("") => "us-east-1".to_string(),
                Some("EU") => "eu-west-1".to_string(),
                Some(r) => r.to_string(),
            },
            Err(e) => {
                ctx.gap(S, None, "GetBucketLocation", format!("bucket {name}: {}", describe(&e)));
                return None;
            }
        }
    };
    let c = client(ctx, Some(&region));
    let fail = |operation: &str, e: String| {
        ctx.gap(S, Some(&region), operation, format!("bucket {name}: {e}"));
    };
    macro_rules! call {
        ($op:literal, $req:expr) => {{
            let _permit = ctx.permit(S, $op).await;
            $req.send().await
        }};
    }
    let (encryption, block, policy, status, acl, versioning, logging, ownership) = tokio::join!(
        async { call!("s3:GetEncryptionConfiguration", c.get_bucket_encryption().bucket(name)) },
        async { call!("s3:GetBucketPublicAccessBlock", c.get_public_access_block().bucket(name)) },
        async { call!("s3:GetBucketPolicy", c.get_bucket_policy().bucket(name)) },
        async { call!("s3:GetBucketPolicyStatus", c.get_bucket_policy_status().bucket(name)) },
        async { call!("s3:GetBucketAcl", c.get_bucket_acl().bucket(name)) },
        async { call!("s3:GetBucketVersioning", c.get_bucket_versioning().bucket(name)) },
        async { call!("s3:GetBucketLogging", c.get_bucket_logging().bucket(name)) },
        async { call!("s3:GetBucketOwnershipControls", c.get_bucket_ownership_controls().bucket(name)) },
    );
    let encryption = setting(
        "GetBucketEncryption",
        encryption,
        Some("ServerSideEncryptionConfigurationNotFoundError"),
        &fail,
        |out| {
            let rule = out.server_side_encryption_configuration().and_then(|c| c.rules().first());
            let default = rule.and_then(|r| r.apply_server_side_encryption_by_default());
            Ok(BucketEncryption {
                algorithm: default.map(|d| d.sse_algorithm().as_str().to_string()).unwrap_or_else(|| "none".into()),
                kms_key_id: default.and_then(|d| d.kms_master_key_id()).map(str::to_string),
                bucket_key_enabled: rule.and_then(|r| r.bucket_key_enabled()).unwrap_or(false),
            })
        },
    )?;
    let public_access_block =
        setting("GetPublicAccessBlock", block, Some("NoSuchPublicAccessBlockConfiguration"), &fail, |out| {
            Ok(out
                .public_access_block_configuration()
                .map(|c| PublicAccessBlock {
                    block_public_acls: c.block_public_acls().unwrap_or(false),
                    ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                    block_public_policy: c.block_public_policy().unwrap_or(false),
                    restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                })
                .unwrap_or_default())
        })?;
    let policy = setting("GetBucketPolicy", policy, Some("NoSuchBucketPolicy"), &fail, |out| {
        out.policy().map(PolicyDocument::parse).transpose().map_err(|e| e.to_string())
    })?;
    let policy_is_public = setting("GetBucketPolicyStatus", status, Some("NoSuchBucketPolicy"), &fail, |out| {
        Ok(out.policy_status().and_then(|s| s.is_public()).unwrap_or(false))
    })?;
    let (public_acl_grants, account_acl_grants) = setting("GetBucketAcl", acl, None, &fail, |out| {
        let owner = out.owner().and_then(|o| o.id());
        let (mut public, mut accounts) = (Vec::new(), Vec::new());
        for g in out.grants() {
            let Some(grantee) = g.grantee() else { continue };
            let permission = g.permission().map(|p| p.as_str()).unwrap_or("UNKNOWN");
            match (grantee.r#type(), grantee.uri(), grantee.id()) {
                (GranteeType::Group, Some(ALL_USERS), _) => public.push(format!("AllUsers:{permission}")),
                (GranteeType::Group, Some(AUTHENTICATED_USERS), _) => {
                    public.push(format!("AuthenticatedUsers:{permission}"))
                }
                (GranteeType::CanonicalUser, _, Some(id)) if Some(id) != owner => {
                    accounts.push(format!("{id}:{permission}"))
                }
                _ => {}
            }
        }
        for list in [&mut public, &mut accounts] {
            list.sort();
            list.dedup();
        }
        Ok((public, accounts))
    })?;
    let versioning = setting("GetBucketVersioning", versioning, None, &fail, |out| {
        Ok(Versioning {
            status: out.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "Disabled".into()),
            mfa_delete: out.mfa_delete().is_some_and(|m| m.as_str() == "Enabled"),
        })
    })?;
    let logging = setting("GetBucketLogging", logging, None, &fail, |out| {
        Ok(match out.logging_enabled() {
            Some(l) => Logging { enabled: true, target_bucket: Some(l.target_bucket().to_string()) },
            None => Logging::default(),
        })
    })?;
    let object_ownership =
        setting("GetBucketOwnershipControls", ownership, Some("OwnershipControlsNotFoundError"), &fail, |out| {
            Ok(out
                .ownership_controls()
                .and_then(|c| c.rules().first())
                .map(|r| r.object_ownership().as_str().to_string()))
        })?;
    Some(S3Bucket {
        name: name.to_string(),
        region,
        encryption,
        public_access_block,
        policy,
        policy_is_public,
        public_acl_grants,
        account_acl_grants,
        versioning,
        logging,
        object_ownership,
    })
}

/// One bucket setting from its answer. The error code `unset` is S3 saying the setting was
/// never made, which is the default (`T::default()`), not a failure; any other error, or
/// an answer `read` cannot use, is a gap for the bucket (`None`).
fn setting<O, E, T: Default>(
    operation: &str,
    answer: Result<O, E>,
    unset: Option<&str>,
    fail: &impl Fn(&str, String),
    read: impl FnOnce(O) -> Result<T, String>,
) -> Option<T>
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match answer {
        Ok(out) => read(out).map_err(|e| fail(operation, e)).ok(),
        Err(e) if unset.is_some() && code(&e) == unset => Some(T::default()),
        Err(e) => {
            fail(operation, describe(&e));
            None
        }
    }
}
