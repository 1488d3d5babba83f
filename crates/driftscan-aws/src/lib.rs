//! driftscan-aws: live collection. Reads an account with the AWS SDK for Rust into a [`Snapshot`].
//!
//! Services and regions run concurrently on tokio; every API call takes a permit from one
//! semaphore (`--concurrency`), retries adaptively and has a per-call timeout. A call that
//! still fails becomes a [`CollectionGap`], and the resources it concerns are left out
//! of the snapshot rather than recorded half-read: the diff then treats their baseline
//! entries as "not collected", never as removed or clean.

pub mod org;

use driftscan_core::VariantArray;
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use chrono::{DateTime, Timelike, Utc};
use tokio::sync::{Semaphore, SemaphorePermit};

use driftscan_core::arn::Arn;
use driftscan_core::error::{Error, Result};
use driftscan_core::snapshot::{CollectionGap, Meta, Service, Snapshot};

/// Where and how to collect.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Option<String>,
    /// Regions to scan; empty = the configured default region; `["all"]` = every enabled region.
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    pub role_arn: Option<String>,
    pub concurrency: usize,
    pub call_timeout: Duration,
    pub max_attempts: u32,
    pub progress: bool,
}

/// Shared by every collector of one run.
pub struct Ctx {
    sdk: SdkConfig,
    endpoint_url: Option<String>,
    pub account_id: String,
    pub partition: String,
    permits: Arc<Semaphore>,
    gaps: Mutex<Vec<CollectionGap>>,
    progress: Progress,
    /// API calls made, per service (reported with `-v`, read by `make bench`).
    calls: std::collections::BTreeMap<Service, AtomicUsize>,
}

impl Ctx {
    /// The shared SDK configuration, for `region` (global services use the default).
    pub fn sdk(&self, region: Option<&str>) -> SdkConfig {
        match region {
            Some(r) => self.sdk.to_builder().region(Region::new(r.to_string())).build(),
            None => self.sdk.clone(),
        }
    }

    pub fn emulated(&self) -> bool {
        self.endpoint_url.is_some()
    }

    /// Waits for a call slot; counts the call on the service's progress bar.
    pub async fn permit(&self, service: Service, operation: &str) -> SemaphorePermit<'_> {
        let permit = self.slot().await;
        self.count(service, operation);
        permit
    }

    async fn slot(&self) -> SemaphorePermit<'_> {
        self.permits.acquire().await.expect("the semaphore is never closed")
    }

    fn count(&self, service: Service, operation: &str) {
        tracing::debug!(%service, operation, "call");
        if let Some(count) = self.calls.get(&service) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.progress.tick(service);
    }

    /// Records data that could not be read.
    pub fn gap(&self, service: Service, region: Option<&str>, operation: &str, error: impl Display) {
        let error = error.to_string();
        tracing::warn!(%service, region, operation, %error, "collection gap");
        self.gaps.lock().expect("gaps lock").push(CollectionGap {
            service,
            region: region.map(str::to_string),
            operation: operation.to_string(),
            error,
        });
    }

    /// Every page of a listing, each fetched under a permit named by its IAM `action`; a
    /// failed page is a gap named `operation` (the API's name) and gives `None`: half a
    /// listing must never pass for the whole.
    pub async fn all_pages<P, E: std::error::Error>(
        &self,
        (service, region): (Service, Option<&str>),
        (action, operation): (&str, &str),
        mut pages: PaginationStream<Result<P, E>>,
    ) -> Option<Vec<P>> {
        let mut out = Vec::new();
        loop {
            let page = {
                let _slot = self.slot().await;
                pages.next().await
            };
            // The stream ends without a request after the last page: only pages are calls.
            if page.is_some() {
                self.count(service, action);
            }
            match page {
                None => return Some(out),
                Some(Ok(p)) => out.push(p),
                Some(Err(e)) => {
                    self.gap(service, region, operation, describe(&e));
                    return None;
                }
            }
        }
    }

    /// A resource of the account in `region` (`""` for one in every region).
    pub fn arn(&self, service: &str, region: &str, resource: &str) -> String {
        Arn::regional(&self.partition, service, region, &self.account_id, resource).to_string()
    }

    /// A resource of no account (an S3 bucket, an EBS snapshot).
    pub fn unowned_arn(&self, service: &str, region: &str, resource: &str) -> String {
        Arn::regional(&self.partition, service, region, "", resource).to_string()
    }

    /// The account's root principal.
    pub fn root_arn(&self) -> String {
        Arn::account_root(&self.partition, &self.account_id).to_string()
    }
}

/// The full text of an SDK error (the top-level Display says only "service error").
pub fn describe<E: std::error::Error>(err: &E) -> String {
    let text = aws_smithy_types::error::display::DisplayErrorContext(err).to_string();
    // The request id and other metadata make gaps differ between runs; keep the reason.
    text.split(" (ServiceError").next().unwrap_or(&text).to_string()
}

/// The AWS error code of an SDK error, when the service sent one.
pub fn code<E: aws_sdk_iam::error::ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

pub fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos())
}

/// The one call made outside [`Ctx::permit`] (the context needs its answer).
const IDENTITY_ACTION: &str = "sts:GetCallerIdentity";

/// Reads the whole account. Fails only when the account itself cannot be identified
/// (no credentials, STS unreachable); everything else becomes a gap.
pub async fn collect(opts: &Options) -> Result<Snapshot> {
    let sdk = load_sdk(opts).await;
    if let (Some(profile), Some(provider)) = (&opts.profile, sdk.credentials_provider()) {
        use aws_credential_types::provider::ProvideCredentials;
        if let Err(e) = provider.provide_credentials().await {
            return Err(Error::ProfileWithoutCredentials { profile: profile.clone(), detail: describe(&e) });
        }
    }
    let identity = match identify(&sdk).await {
        Ok(identity) => identity,
        Err(Identify::Failed(e)) => return Err(identity_error(&sdk, e.as_ref()).await),
        Err(Identify::NoAccount) => return Err(no_account_error()),
    };
    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    collect_account(sdk, identity, opts, permits, Progress::new(opts.progress), false).await
}

/// Who the credentials are: account id, caller ARN, partition.
pub(crate) struct Identity {
    pub account_id: String,
    pub caller_arn: String,
    pub partition: String,
}

pub(crate) enum Identify {
    Failed(Box<aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError>>),
    NoAccount,
}

pub(crate) async fn identify(sdk: &SdkConfig) -> std::result::Result<Identity, Identify> {
    let identity =
        aws_sdk_sts::Client::new(sdk).get_caller_identity().send().await.map_err(|e| Identify::Failed(Box::new(e)))?;
    let account_id = identity.account().filter(|a| !a.is_empty()).map(str::to_string).ok_or(Identify::NoAccount)?;
    let caller_arn = identity.arn().unwrap_or_default().to_string();
    let partition =
        Arn::parse(&caller_arn).map(|arn| arn.partition).filter(|p| !p.is_empty()).unwrap_or("aws").to_string();
    Ok(Identity { account_id, caller_arn, partition })
}

pub(crate) fn no_account_error() -> Error {
    Error::Collection(format!(
        "{IDENTITY_ACTION} answered without an account id; nothing can be attributed to an account"
    ))
}

/// Reads one identified account with `sdk`'s credentials, its calls limited by `permits`
/// (shared by every account of an organization's run), and with `organization` the
/// organization it lists (its management account or delegated administrator).
pub(crate) async fn collect_account(
    sdk: SdkConfig,
    identity: Identity,
    opts: &Options,
    permits: Arc<Semaphore>,
    progress: Progress,
    organization: bool,
) -> Result<Snapshot> {
    let Identity { account_id, caller_arn, partition } = identity;
    let ctx = Arc::new(Ctx {
        sdk,
        endpoint_url: opts.endpoint_url.clone(),
        account_id: account_id.clone(),
        partition: partition.clone(),
        permits,
        gaps: Mutex::new(Vec::new()),
        progress,
        calls: Service::VARIANTS.iter().map(|s| (*s, AtomicUsize::new(0))).collect(),
    });
    let regions = resolve_regions(&ctx, opts).await?;

    let snapshot = collect_services(&ctx, &regions, organization, || {
        ctx.progress.clear();
        let calls: Vec<String> = ctx.calls.iter().map(|(s, n)| format!("{s}={}", n.load(Ordering::Relaxed))).collect();
        tracing::info!(account = %account_id, calls = %calls.join(" "), "API calls per service (plus sts:GetCallerIdentity)");
        let mut gaps = std::mem::take(&mut *ctx.gaps.lock().expect("gaps lock"));
        gaps.sort();
        gaps.dedup();
        Meta {
            account_id,
            partition,
            regions: regions.to_vec(),
            scanned_at: Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now),
            tool_version: driftscan_core::VERSION.to_string(),
            caller_arn,
            collection_gaps: gaps,
            account_name: None,
            organization_accounts: Vec::new(),
        }
    })
    .await;
    Ok(snapshot)
}

/// One service's reader. The services table (`driftscan_core::for_each_service!`) declares its
/// module, runs it beside every other service's and puts its facts in its section.
pub(crate) trait Collector {
    type Facts;
    /// Reads the service in `regions` (global services ignore them). What cannot be read is a
    /// gap on the context, and the resources it concerns are left out.
    fn collect(ctx: &Ctx, regions: &[String]) -> impl std::future::Future<Output = Self::Facts> + Send;
}

/// The collectors of the services table: each row's module (`iam.rs`, …) holds a [`Collector`]
/// named like its `Service` variant.
macro_rules! collectors {
    ($( $service:ident $section:ident: $facts:ty, $presence:ident $kinds:tt )*) => {
        $( mod $section; )*

        /// Reads every service of this run side by side (the organization only in an `--org`
        /// run's listing account) into a snapshot whose `meta` is made once they are done.
        async fn collect_services(
            ctx: &Ctx,
            regions: &[String],
            organization: bool,
            meta: impl FnOnce() -> Meta,
        ) -> Snapshot {
            let ($($section,)*) = tokio::join!($(
                async {
                    if organization || !Service::$service.organization_runs_only() {
                        let read = <$section::$service as Collector>::collect(ctx, regions);
                        Some(ctx.progress.track(Service::$service, read).await)
                    } else {
                        None
                    }
                },
            )*);
            let mut snapshot = Snapshot::empty(meta());
            $( if let Some(facts) = $section { snapshot.$section = facts; } )*
            snapshot
        }
    };
}
driftscan_core::for_each_service!(collectors);

/// Why the account could not be identified. Missing credentials get one short paragraph
/// (the SDK's own error is a dump of its whole provider chain).
pub(crate) async fn identity_error<E: std::error::Error>(sdk: &SdkConfig, err: &E) -> Error {
    use aws_credential_types::provider::ProvideCredentials;
    use aws_credential_types::provider::error::CredentialsError;
    // Asked only now that the call failed, so that a working run makes no extra call.
    let credentials = match sdk.credentials_provider() {
        Some(provider) => provider.provide_credentials().await.map(|_| ()),
        None => Err(CredentialsError::not_loaded("no credentials provider")),
    };
    match credentials {
        Err(CredentialsError::CredentialsNotLoaded(_)) => Error::Collection(NO_CREDENTIALS.to_string()),
        Err(other) => {
            Error::Collection(format!("the AWS credentials could not be loaded: {}", first_line(&describe(&other))))
        }
        Ok(()) => Error::Collection(format!("cannot identify the account ({IDENTITY_ACTION}): {}", describe(err))),
    }
}

/// The first line of an error text, where the SDK's nested details begin afterwards.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

const NO_CREDENTIALS: &str = "no AWS credentials were found. driftscan looked where the AWS CLI looks: the \
environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), the AWS_PROFILE or default profile of ~/.aws/config and \
~/.aws/credentials (including SSO and credential_process profiles), web identity (AWS_WEB_IDENTITY_TOKEN_FILE with \
AWS_ROLE_ARN, as GitHub Actions OIDC sets them), and the ECS or EC2 instance metadata. Give credentials with \
--profile NAME (after `aws sso login --profile NAME` for SSO), the environment variables, or OIDC in CI \
(docs/github-actions.yml); or scan a snapshot file with --snapshot FILE.";

pub(crate) async fn load_sdk(opts: &Options) -> SdkConfig {
    let retry = RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1));
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(opts.call_timeout)
        .operation_timeout(opts.call_timeout * opts.max_attempts.max(1))
        .connect_timeout(Duration::from_secs(5).min(opts.call_timeout))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
    if let Some(p) = &opts.profile {
        // An explicit profile wins over credentials in the environment, as in the AWS CLI.
        let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder().profile_name(p).build();
        loader = loader.profile_name(p).credentials_provider(credentials);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(r) = opts.regions.iter().find(|r| *r != "all") {
        loader = loader.region(Region::new(r.clone()));
    }
    let base = loader.load().await;
    let base = if base.region().is_none() { base.to_builder().region(Region::new("us-east-1")).build() } else { base };
    match &opts.role_arn {
        None => base,
        Some(role) => {
            let provider = aws_config::sts::AssumeRoleProvider::builder(role)
                .session_name("driftscan")
                .configure(&base)
                .build()
                .await;
            base.to_builder()
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
                .build()
        }
    }
}

async fn resolve_regions(ctx: &Ctx, opts: &Options) -> Result<Vec<String>> {
    let mut regions: Vec<String> = if opts.regions.iter().any(|r| r == "all") {
        let client = aws_sdk_account::Client::new(&ctx.sdk(None));
        let mut found = Vec::new();
        let mut pages = client
            .list_regions()
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::Enabled)
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .send();
        loop {
            let _permit = ctx.permit(Service::Iam, "account:ListRegions").await;
            match pages.next().await {
                None => break,
                Some(Ok(page)) => {
                    found.extend(page.regions().iter().filter_map(|r| r.region_name().map(str::to_string)))
                }
                Some(Err(e)) => {
                    return Err(Error::Collection(format!(
                        "cannot list the enabled regions (account:ListRegions): {}",
                        describe(&e)
                    )));
                }
            }
        }
        found
    } else if opts.regions.is_empty() {
        vec![ctx.sdk.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into())]
    } else {
        opts.regions.clone()
    };
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// One spinner per service on a terminal; nothing otherwise (cron).
pub(crate) struct Progress {
    multi: Option<indicatif::MultiProgress>,
    bars: Mutex<Vec<(Service, indicatif::ProgressBar)>>,
}

impl Progress {
    pub(crate) fn new(enabled: bool) -> Progress {
        let multi =
            enabled.then(|| indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr()));
        Progress { multi, bars: Mutex::new(Vec::new()) }
    }

    async fn track<T>(&self, service: Service, work: impl std::future::Future<Output = T>) -> T {
        if let Some(multi) = &self.multi {
            let bar = multi.add(indicatif::ProgressBar::new_spinner());
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {prefix:<9} {pos:>5} calls  {elapsed}")
                    .expect("valid template"),
            );
            bar.set_prefix(service.as_str());
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bars.lock().expect("bars lock").push((service, bar));
        }
        let out = work.await;
        if let Some((_, bar)) = self.bars.lock().expect("bars lock").iter().find(|(s, _)| *s == service) {
            bar.finish();
        }
        out
    }

    fn tick(&self, service: Service) {
        if self.multi.is_some()
            && let Some((_, bar)) = self.bars.lock().expect("bars lock").iter().find(|(s, _)| *s == service)
        {
            bar.inc(1);
        }
    }

    fn clear(&self) {
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }
}

/// Runs `work` on a fresh multi-threaded runtime (the CLI is otherwise synchronous).
pub fn run_blocking(opts: &Options) -> Result<Snapshot> {
    runtime()?.block_on(collect(opts))
}

/// The multi-threaded runtime every blocking entry point (the CLI is synchronous) runs on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Collection(format!("cannot start the async runtime: {e}")))
}
