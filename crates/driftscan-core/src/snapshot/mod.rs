//! The facts model: what collectors read from an account, as plain serde structs keyed
//! by ARN. A snapshot written to disk and read back is identical, so scans of a snapshot
//! file need no network.

pub mod credential_report;
pub mod policy;
mod unique;

/// The values of two sequences sorted by the same keys, paired where both have the key:
/// walked side by side (a B-tree search per key, by ARNs with a long common prefix, was a
/// cache miss per comparison).
pub fn matched_by_key<K: Ord, A, B>(
    left: impl IntoIterator<Item = (K, A)>,
    right: impl IntoIterator<Item = (K, B)>,
) -> impl Iterator<Item = (A, B)> {
    let mut right = right.into_iter().peekable();
    left.into_iter().filter_map(move |(key, a)| {
        while right.next_if(|(k, _)| *k < key).is_some() {}
        right.next_if(|(k, _)| *k == key).map(|(_, b)| (a, b))
    })
}

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arn::Arn;
use crate::error::{Error, Result};

/// The snapshot file format version; bumped on an incompatible change.
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub account_id: String,
    pub partition: String,
    pub regions: Vec<String>,
    pub scanned_at: DateTime<Utc>,
    pub tool_version: String,
    pub caller_arn: String,
    pub collection_gaps: Vec<CollectionGap>,
    /// The account's name in its AWS Organization (snapshots of `--org` runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Every account of its AWS Organization, sorted (snapshots of `--org` runs): access
    /// granted to them is not access outside the trusted set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_accounts: Vec<String>,
}

/// Data that could not be collected. A gap is reported, never taken for "no resources".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionGap {
    pub service: Service,
    /// `None` for global services (IAM) and account-wide calls.
    pub region: Option<String>,
    pub operation: String,
    pub error: String,
}

/// `s3 eu-west-1 s3:GetBucketPolicy: AccessDenied …`, as every report prints a gap.
impl std::fmt::Display for CollectionGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}: {}", self.service, self.region.as_deref().unwrap_or("global"), self.operation, self.error)
    }
}

impl Service {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `true` when a row's presence is `$want` (a table keyword, matched as written).
macro_rules! presence_is {
    (organization_runs, organization_runs) => {
        true
    };
    ($want:ident, $presence:ident) => {
        false
    };
}

/// The `Snapshot` struct, its sections' serde attributes chosen by their presence:
/// `since_v1` sections are required, an `added` section missing from a file is a gap of its
/// service (the file was written by a driftscan that did not read it), an
/// `organization_runs` section is written only when read.
macro_rules! snapshot_struct {
    (@fields [$($done:tt)*]) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Snapshot {
            pub schema_version: u32,
            pub meta: Meta,
            $($done)*
        }
    };
    (@fields [$($done:tt)*] $section:ident: $facts:ty, since_v1; $($rest:tt)*) => {
        snapshot_struct!(@fields [$($done)* pub $section: $facts,] $($rest)*);
    };
    (@fields [$($done:tt)*] $section:ident: $facts:ty, added; $($rest:tt)*) => {
        snapshot_struct!(@fields [$($done)* #[serde(default = "absent")] pub $section: $facts,] $($rest)*);
    };
    (@fields [$($done:tt)*] $section:ident: $facts:ty, organization_runs; $($rest:tt)*) => {
        snapshot_struct!(@fields [$($done)* #[serde(default, skip_serializing_if = "Section::is_unread")] pub $section: $facts,] $($rest)*);
    };
}

/// How a section says it was missing from its file (`added` rows carry an `absent` flag) or
/// not read in this run (`organization_runs` rows are empty).
macro_rules! section_impl {
    ($facts:ty, added) => {
        impl Section for $facts {
            fn is_absent(&self) -> bool {
                self.absent
            }
        }
        impl AddedSection for $facts {
            fn mark_absent(&mut self) {
                self.absent = true;
            }
        }
    };
    ($facts:ty, organization_runs) => {
        impl Section for $facts {
            fn is_unread(&self) -> bool {
                self.is_empty()
            }
        }
    };
    ($facts:ty, since_v1) => {
        impl Section for $facts {}
    };
}

/// A snapshot's section of one service.
pub trait Section: Default {
    /// The file had no such section.
    fn is_absent(&self) -> bool {
        false
    }
    /// Not read in this run (only `organization_runs` sections can be).
    fn is_unread(&self) -> bool {
        false
    }
}

/// A section added after the first snapshot format, which older files lack.
pub trait AddedSection: Section {
    fn mark_absent(&mut self);
}

fn absent<T: AddedSection>() -> T {
    let mut section = T::default();
    section.mark_absent();
    section
}

/// What the services table generates in the core: the `Service` enum, the `Snapshot` with one
/// section per service, the resource kinds of every section, and what a section missing from a
/// file means.
macro_rules! define_snapshot {
    ($(
        $service_variant:ident $service_section:ident: $facts:ty, $presence:ident {
            $( $variant:ident($ty:ty) = $name:literal in $field:ident, )*
        }
    )*) => {
        // Each service's facts live in the module named as its section (`iam.rs`).
        $( pub mod $service_section; pub use $service_section::*; )*

        /// A service, which is also the name of its baseline file (`<service>.json`).
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            strum::Display,
            strum::EnumString,
            strum::IntoStaticStr,
            strum::VariantArray,
        )]
        #[serde(rename_all = "lowercase")]
        #[strum(serialize_all = "lowercase")]
        pub enum Service { $( $service_variant, )* }

        impl Service {
            /// Read only by `--org` runs, in the snapshot of the account that lists the
            /// organization: an empty section is "not read in this run", and no baseline file
            /// is written for it.
            pub fn organization_runs_only(self) -> bool {
                match self { $( Service::$service_variant => presence_is!(organization_runs, $presence), )* }
            }
        }

        snapshot_struct!(@fields [] $( $service_section: $facts, $presence; )*);

        $( section_impl!($facts, $presence); )*

        impl Snapshot {
            /// An empty snapshot carrying `meta`; baselines are rebuilt into one of these.
            pub fn empty(meta: Meta) -> Snapshot {
                Snapshot {
                    schema_version: SNAPSHOT_SCHEMA_VERSION,
                    meta,
                    $( $service_section: Default::default(), )*
                }
            }

            /// The services whose section the file did not have.
            fn absent_sections(&self) -> Vec<Service> {
                let mut out = Vec::new();
                $( if Section::is_absent(&self.$service_section) { out.push(Service::$service_variant); } )*
                out
            }
        }

        /// The kind of a resource, as named in findings (`resource_type`) and rule files.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ResourceType { $( $( #[serde(rename = $name)] $variant, )* )* }

        impl ResourceType {
            pub const ALL: &'static [ResourceType] = &[$( $(ResourceType::$variant,)* )*];

            pub fn as_str(self) -> &'static str {
                match self { $( $(ResourceType::$variant => $name,)* )* }
            }

            pub fn service(self) -> Service {
                match self { $( $(ResourceType::$variant => Service::$service_variant,)* )* }
            }

            /// Where resources of this kind are in a snapshot: `("iam", "users")` for
            /// `snapshot.iam.users`.
            pub fn location(self) -> (&'static str, &'static str) {
                match self { $( $(ResourceType::$variant => (stringify!($service_section), stringify!($field)),)* )* }
            }

            /// Every field path of this kind (nested objects expanded; lists, maps and
            /// optional values are leaves), for validating rule files.
            pub fn field_paths(self) -> Vec<String> {
                let value = match self {
                    $( $(ResourceType::$variant => serde_json::to_value(<$ty>::default()),)* )*
                }
                .expect("facts structs serialize");
                let mut out = Vec::new();
                collect_paths(&value, "", &mut out);
                out
            }
        }

        /// One resource of any kind, as it appears in a baseline file: `{"<kind>": {fields}}`.
        /// Externally tagged so that serde reads it in one pass with exact error positions.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub enum Resource { $( $( #[serde(rename = $name)] $variant($ty), )* )* }

        impl Resource {
            pub fn resource_type(&self) -> ResourceType {
                match self { $( $(Resource::$variant(_) => ResourceType::$variant,)* )* }
            }
        }

        /// One resource of a snapshot, typed, without copying it.
        #[derive(Debug, Clone, Copy)]
        pub enum ResourceRef<'a> { $( $( $variant(&'a $ty), )* )* }

        impl ResourceRef<'_> {
            /// Its canonical JSON value (what baselines hold and rules read).
            pub fn to_value(self) -> Value {
                match self { $( $(ResourceRef::$variant(r) => serde_json::to_value(r),)* )* }.expect("facts structs serialize")
            }

            /// The same facts: compared typed, without building either JSON value.
            pub fn same_as(self, other: ResourceRef<'_>) -> bool {
                match (self, other) {
                    $( $((ResourceRef::$variant(a), ResourceRef::$variant(b)) => a == b,)* )*
                    _ => false,
                }
            }
        }

        impl Snapshot {
            /// Every resource as `(kind, id, typed facts)`, in a stable order.
            pub fn resource_refs(&self) -> Vec<(ResourceType, &str, ResourceRef<'_>)> {
                let mut out = Vec::new();
                $( $(
                    for (id, r) in &self.$service_section.$field {
                        out.push((ResourceType::$variant, id.as_str(), ResourceRef::$variant(r)));
                    }
                )* )*
                out
            }

            /// Every resource as `(kind, id, canonical JSON value)`, in a stable order.
            pub fn resources(&self) -> Vec<(ResourceType, &str, Value)> {
                self.resource_refs().into_iter().map(|(kind, id, r)| (kind, id, r.to_value())).collect()
            }

            /// The resource `id` of kind `kind`, typed, if the snapshot has it.
            pub fn resource_ref(&self, kind: ResourceType, id: &str) -> Option<ResourceRef<'_>> {
                match kind { $( $(ResourceType::$variant => self.$service_section.$field.get(id).map(ResourceRef::$variant),)* )* }
            }

            /// Adds a resource (as read from a baseline) to its section.
            pub fn insert(&mut self, id: String, resource: Resource) {
                match resource { $( $(Resource::$variant(r) => { self.$service_section.$field.insert(id, r); })* )* }
            }

            /// Moves every resource of `other` into this snapshot (a resource of both keeps
            /// `other`'s): the baselines of each file are gathered apart, then joined.
            pub fn append(&mut self, other: &mut Snapshot) {
                $( $( self.$service_section.$field.append(&mut other.$service_section.$field); )* )*
            }
        }
    };
}

/// The services table: one row per service, from which the core generates the `Service` enum,
/// the snapshot's sections and resource kinds (`define_snapshot!`), and `driftscan-aws` its
/// collectors (`for_each_service!(collectors)`). A new service is its facts module, its
/// collector, one row here and its SDK crate.
///
/// A row: `Variant section: Facts, presence { Kind(Facts) = "resource_type" in field, … }`,
/// where `presence` is `since_v1` (the section is required), `added` (a file without it is a
/// gap of the service) or `organization_runs`. The order is the order of services and of
/// resource kinds everywhere (gaps, reports, baseline files).
#[macro_export]
macro_rules! for_each_service {
    ($callback:ident) => {
        $callback! {
            Iam iam: IamFacts, since_v1 {
                Account(IamAccount) = "account" in account,
                IamUser(IamUser) = "iam_user" in users,
                IamGroup(IamGroup) = "iam_group" in groups,
                IamRole(IamRole) = "iam_role" in roles,
                IamPolicy(ManagedPolicy) = "iam_policy" in policies,
            }
            S3 s3: S3Facts, since_v1 {
                S3Account(S3Account) = "s3_account" in account,
                S3Bucket(S3Bucket) = "s3_bucket" in buckets,
            }
            Rds rds: RdsFacts, since_v1 {
                RdsInstance(RdsInstance) = "rds_instance" in instances,
                RdsCluster(RdsCluster) = "rds_cluster" in clusters,
                RdsSnapshot(RdsSnapshot) = "rds_snapshot" in snapshots,
            }
            Dynamodb dynamodb: DynamoDbFacts, since_v1 {
                DynamodbTable(DynamoDbTable) = "dynamodb_table" in tables,
            }
            Kms kms: KmsFacts, since_v1 {
                KmsKey(KmsKey) = "kms_key" in keys,
            }
            Config config: ConfigFacts, since_v1 {
                ConfigRecorder(ConfigRecorder) = "config_recorder" in recorders,
            }
            Organizations organizations: OrganizationsFacts, organization_runs {
                OrgRoot(OrgRoot) = "org_root" in roots,
                OrgUnit(OrgUnit) = "org_unit" in units,
                OrgAccount(OrgAccount) = "org_account" in accounts,
                Scp(Scp) = "scp" in policies,
            }
            Ec2 ec2: Ec2Facts, added {
                EbsDefaults(EbsDefaults) = "ebs_defaults" in ebs_defaults,
                EbsVolume(EbsVolume) = "ebs_volume" in volumes,
                EbsSnapshot(EbsSnapshot) = "ebs_snapshot" in snapshots,
            }
            Efs efs: EfsFacts, added {
                EfsFileSystem(EfsFileSystem) = "efs_file_system" in file_systems,
            }
            Redshift redshift: RedshiftFacts, added {
                RedshiftCluster(RedshiftCluster) = "redshift_cluster" in clusters,
            }
            Cloudtrail cloudtrail: CloudTrailFacts, added {
                CloudtrailAccount(CloudTrailAccount) = "cloudtrail_account" in account,
                CloudtrailTrail(CloudTrailTrail) = "cloudtrail_trail" in trails,
            }
        }
    };
}

crate::for_each_service!(define_snapshot);
impl ResourceType {
    pub fn parse(name: &str) -> Option<ResourceType> {
        ResourceType::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    /// Fields that change on every use (last-used times): kept in snapshots, but never
    /// written to baselines nor diffed, so a nightly scan does not drift by itself.
    pub fn volatile_fields(self) -> &'static [&'static [&'static str]] {
        match self {
            ResourceType::IamUser => {
                &[&["password_last_used"], &["password_last_changed"], &["access_keys", "*", "last_used"]]
            }
            _ => &[],
        }
    }

    /// Removes the volatile fields from a resource value.
    pub fn strip_volatile(self, value: &mut Value) {
        for path in self.volatile_fields() {
            remove_path(value, path);
        }
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn remove_path(value: &mut Value, path: &[&str]) {
    match (path, value) {
        ([last], Value::Object(map)) => {
            map.remove(*last);
        }
        (["*", rest @ ..], Value::Array(items)) => items.iter_mut().for_each(|i| remove_path(i, rest)),
        ([head, rest @ ..], Value::Object(map)) => {
            if let Some(v) = map.get_mut(*head) {
                remove_path(v, rest)
            }
        }
        _ => {}
    }
}

fn collect_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                if matches!(v, Value::Object(m) if !m.is_empty()) {
                    out.push(path.clone());
                }
                collect_paths(v, &path, out);
            }
        }
        _ if !prefix.is_empty() => out.push(prefix.to_string()),
        _ => {}
    }
}

/// Looks up a dotted field path (`encryption.algorithm`, `access_keys.0.status`).
pub fn field<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, seg| match v {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

impl Snapshot {
    /// A section missing from the file is a gap of its service: its baseline entries are
    /// "not collected", never "removed", and the scan is incomplete (exit 3).
    fn note_absent_sections(&mut self) {
        for service in self.absent_sections() {
            self.meta.collection_gaps.push(CollectionGap {
                service,
                region: None,
                operation: "snapshot file".to_string(),
                error: format!(
                    "the snapshot has no `{service}` section (written by a driftscan that did not read {service}); take a new snapshot"
                ),
            });
        }
        self.meta.collection_gaps.sort();
    }

    /// The account snapshot text is of, read without building its facts (so that its
    /// baselines can be loaded while it is parsed); `None` when the text does not say,
    /// and [`Snapshot::parse`] then reports why. Parsing stops at the `meta` section: the
    /// second of a file driftscan writes, so the rest is not read twice.
    pub fn peek_account_id(text: &str) -> Option<String> {
        use serde::de::{IgnoredAny, MapAccess, Visitor};
        #[derive(Deserialize)]
        struct PeekMeta {
            account_id: String,
        }
        struct Peek<'p>(&'p mut Option<String>);
        impl<'de> Visitor<'de> for Peek<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a snapshot object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "meta" {
                        *self.0 = Some(map.next_value::<PeekMeta>()?.account_id);
                        return Ok(());
                    }
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(())
            }
        }
        let mut found = None;
        // Returning before the end of the object makes serde_json report the rest as an
        // error: only what was found counts.
        let _ = serde::Deserializer::deserialize_map(&mut serde_json::Deserializer::from_str(text), Peek(&mut found));
        found
    }

    /// Reads and validates a snapshot file, and runs `beside` on the account it names while
    /// its facts are built (`None` when the file cannot be read or names no account).
    pub fn load_with<T: Send>(path: &Path, beside: impl FnOnce(&str) -> T + Send) -> (Result<Snapshot>, Option<T>) {
        let text = match crate::json_lines::read_text(path) {
            Ok(text) => text,
            Err(e) => return (Err(e), None),
        };
        rayon::join(
            || Snapshot::parse(path, &text),
            || Snapshot::peek_account_id(&text).map(|account| beside(&account)),
        )
    }

    /// Reads and validates a snapshot file.
    pub fn load(path: &Path) -> Result<Snapshot> {
        Snapshot::parse(path, &crate::json_lines::read_text(path)?)
    }

    /// Parses and validates snapshot text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Snapshot> {
        if let Some(first) = text.trim_start().chars().next().filter(|c| *c != '{') {
            let line = text.lines().take_while(|l| l.trim().is_empty()).count() + 1;
            return Err(Error::invalid(
                path,
                line,
                format!("a snapshot is a JSON object (`{{…}}`), but this file starts with `{first}`"),
            ));
        }
        // A repeated key is an error of the parse: of serde's derive for a struct's fields,
        // of `unique` for maps and policy documents.
        let mut snapshot = serde_json::from_str::<Snapshot>(text).map_err(|e| Error::json(path, &e))?;
        snapshot.validate(path, text)?;
        snapshot.note_absent_sections();
        Ok(snapshot)
    }

    /// Writes the snapshot atomically as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self).expect("facts serialize");
        text.push('\n');
        crate::output::write_atomic(path, text.as_bytes())
    }

    fn validate(&self, path: &Path, text: &str) -> Result<()> {
        let line_of = |needle: &str| crate::json_lines::line_of_key(text, needle);
        if self.schema_version != SNAPSHOT_SCHEMA_VERSION {
            return Err(Error::invalid(
                path,
                line_of("schema_version"),
                format!(
                    "snapshot schema_version {} is not supported (this driftscan reads {SNAPSHOT_SCHEMA_VERSION})",
                    self.schema_version
                ),
            ));
        }
        if !crate::arn::is_account_id(&self.meta.account_id) {
            return Err(Error::invalid(
                path,
                line_of("account_id"),
                format!("account_id `{}` is not a 12-digit AWS account id", self.meta.account_id),
            ));
        }
        for (kind, id, _) in self.resource_refs() {
            if let Some(message) = check_resource_id(kind, id, &self.meta.account_id) {
                return Err(Error::invalid(path, line_of(id), message));
            }
        }
        Ok(())
    }
}

/// Checks that a resource key is an ARN of the right account; ARNs with an account
/// field of another account mean facts of two accounts were mixed up.
pub fn check_resource_id(kind: ResourceType, id: &str, account_id: &str) -> Option<String> {
    let Some(arn) = Arn::parse(id) else {
        return Some(format!("{kind} key `{id}` is not an ARN"));
    };
    let account = arn.account;
    // Organization resources are named by the management account, which need not be the
    // account that read them (a delegated administrator).
    if kind.service() == Service::Organizations {
        return (arn.service != "organizations").then(|| format!("{kind} key `{id}` is not an AWS Organizations ARN"));
    }
    if !account.is_empty() && account != "aws" && account != account_id {
        return Some(format!("{kind} `{id}` belongs to account {account}, not to account {account_id}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_expand_nested_structs_and_stop_at_collections() {
        let paths = ResourceType::S3Bucket.field_paths();
        for p in [
            "encryption.algorithm",
            "public_access_block.block_public_acls",
            "policy",
            "versioning.status",
            "public_acl_grants",
        ] {
            assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
        }
        assert!(paths.iter().any(|x| x == "encryption"));
        let user = ResourceType::IamUser.field_paths();
        assert!(user.contains(&"access_keys".to_string()) && user.contains(&"mfa".to_string()));
    }

    #[test]
    fn volatile_fields_are_stripped_inside_lists() {
        let mut v = serde_json::json!({"password_last_used": "x", "password_last_changed": "z", "access_keys": [{"id": "A", "last_used": "y"}], "mfa": "none"});
        ResourceType::IamUser.strip_volatile(&mut v);
        assert_eq!(v, serde_json::json!({"access_keys": [{"id": "A"}], "mfa": "none"}));
    }

    #[test]
    fn field_lookup_walks_objects_and_lists() {
        let v = serde_json::json!({"a": {"b": [10, {"c": true}]}});
        assert_eq!(field(&v, "a.b.1.c"), Some(&Value::Bool(true)));
        assert_eq!(field(&v, "a.x"), None);
    }

    #[test]
    fn a_section_missing_from_an_older_snapshot_is_a_gap_not_an_empty_service() {
        let meta = Meta {
            account_id: "111111111111".into(),
            partition: "aws".into(),
            regions: vec!["us-east-1".into()],
            scanned_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            tool_version: "0".into(),
            caller_arn: "arn:aws:iam::111111111111:user/x".into(),
            collection_gaps: Vec::new(),
            account_name: None,
            organization_accounts: Vec::new(),
        };
        let mut value = serde_json::to_value(Snapshot::empty(meta)).unwrap();
        value.as_object_mut().unwrap().remove("ec2");
        value.as_object_mut().unwrap().remove("cloudtrail");
        let text = serde_json::to_string_pretty(&value).unwrap();
        let snapshot = Snapshot::parse(Path::new("old.json"), &text).unwrap();
        let gaps: Vec<Service> = snapshot.meta.collection_gaps.iter().map(|g| g.service).collect();
        assert_eq!(gaps, [Service::Ec2, Service::Cloudtrail]);
        assert!(
            snapshot.meta.collection_gaps.iter().all(|g| g.region.is_none() && g.error.contains("take a new snapshot"))
        );
        // Written back, the sections are there (empty) and the gaps stay: nothing is lost.
        let again = Snapshot::parse(Path::new("again.json"), &serde_json::to_string(&snapshot).unwrap()).unwrap();
        assert_eq!(again.meta.collection_gaps, snapshot.meta.collection_gaps);
    }

    #[test]
    fn resource_ids_of_another_account_are_rejected() {
        assert!(check_resource_id(ResourceType::IamUser, "arn:aws:iam::111111111111:user/a", "111111111111").is_none());
        assert!(check_resource_id(ResourceType::S3Bucket, "arn:aws:s3:::bucket", "111111111111").is_none());
        assert!(
            check_resource_id(ResourceType::IamPolicy, "arn:aws:iam::aws:policy/AdministratorAccess", "111111111111")
                .is_none()
        );
        assert!(
            check_resource_id(ResourceType::IamUser, "arn:aws:iam::222222222222:user/a", "111111111111")
                .unwrap()
                .contains("222222222222")
        );
        assert!(check_resource_id(ResourceType::IamUser, "alice", "111111111111").unwrap().contains("not an ARN"));
    }
}
