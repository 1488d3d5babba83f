//! Every analyzer a rule file can name, declared once: its name and former names, whether
//! it checks state or drift, the resource types and parameters it takes, what it finds,
//! and how it is built. The builder, its "expected one of" error and the analyzer table of
//! `docs/rules.md` all read this one table.

use super::{
    Analyzer, DriftAnalyzer, StateAnalyzer, access_keys, admin, changes, cloudtrail, console_login, encryption,
    exposure, foreign, only_params, organization, password, privilege, ranked, trust, wildcard,
};
use crate::snapshot::ResourceType::{self, *};

/// How the engine runs an analyzer (see [`Analyzer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    State,
    Drift,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::Drift => "drift",
        }
    }
}

type Construct = fn(&toml::Table, &[ResourceType]) -> Result<Analyzer, String>;

/// One analyzer of the registry.
pub struct AnalyzerSpec {
    pub name: &'static str,
    /// Names it had before; rule files that still use one keep working.
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// The resource types a rule using it may list; `None` for every type.
    pub applies_to: Option<&'static [ResourceType]>,
    /// The `[params]` it takes (each checked by the analyzer itself).
    pub params: &'static [&'static str],
    /// What it finds, for the reference.
    pub summary: &'static str,
    construct: Construct,
}

impl AnalyzerSpec {
    /// Whether a rule file's `analyzer = "…"` names this one.
    pub fn is_named(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

const PRINCIPALS: &[ResourceType] = &[IamUser, IamGroup, IamRole];

fn state(analyzer: impl StateAnalyzer + 'static) -> Result<Analyzer, String> {
    Ok(Analyzer::State(Box::new(analyzer)))
}

fn drift(analyzer: impl DriftAnalyzer + 'static) -> Result<Analyzer, String> {
    Ok(Analyzer::Drift(Box::new(analyzer)))
}

/// The registry, sorted by name.
pub const ANALYZERS: &[AnalyzerSpec] = &[
    AnalyzerSpec {
        name: "access_keys",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[IamUser]),
        params: &["check", "days"],
        summary: "Access-key hygiene: more than one active key (`check = \"multiple_active\"`), an active key older than `days` (`\"max_age\"`), or one unused for `days` (`\"unused\"`).",
        construct: |params, _| state(access_keys::AccessKeys::from_params(params)?),
    },
    AnalyzerSpec {
        name: "account_joined",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[OrgAccount]),
        params: &[],
        summary: "An account that is in the organization now and was not at the baseline.",
        construct: |_, _| drift(organization::AccountJoined),
    },
    AnalyzerSpec {
        name: "account_left",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[OrgAccount]),
        params: &[],
        summary: "An account of the baseline that left the organization or is no longer active in it.",
        construct: |_, _| drift(organization::AccountLeft),
    },
    AnalyzerSpec {
        name: "admin_access",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(PRINCIPALS),
        params: &[],
        summary: "A principal with administrator-equivalent access: full control of IAM on every resource, through its own policies or its groups', within its permissions boundary.",
        construct: |_, _| state(admin::AdminAccess),
    },
    AnalyzerSpec {
        name: "changed_fields",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: None,
        params: &[],
        summary: "Any tracked change since the baseline (a resource added or removed, a field changed) that no more specific rule reports.",
        construct: |_, _| drift(changes::ChangedFields),
    },
    AnalyzerSpec {
        name: "console_unused",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[IamUser]),
        params: &["days"],
        summary: "A console password nobody has signed in with for more than `days` days.",
        construct: |params, _| state(console_login::ConsoleUnused::from_params(params)?),
    },
    AnalyzerSpec {
        name: "customer_key_downgrade",
        aliases: &["dynamodb_key_downgrade"],
        kind: Kind::Drift,
        applies_to: Some(&[DynamodbTable, RedshiftCluster]),
        params: &[],
        summary: "A DynamoDB table or Redshift cluster that left its customer-managed KMS key.",
        construct: |_, _| drift(encryption::CustomerKeyDowngrade),
    },
    AnalyzerSpec {
        name: "guardrails_lost_by_move",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[OrgAccount, OrgUnit]),
        params: &[],
        summary: "An account or OU moved to a parent where fewer guardrail SCPs (SCPs with a Deny) apply to it.",
        construct: |_, _| drift(organization::GuardrailsLostByMove),
    },
    AnalyzerSpec {
        name: "insecure_transport_allowed",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[S3Bucket, EfsFileSystem]),
        params: &[],
        summary: "A bucket or file system whose policy does not deny requests without TLS (`aws:SecureTransport`).",
        construct: |_, _| state(encryption::InsecureTransportAllowed),
    },
    AnalyzerSpec {
        name: "key_in_use_unusable",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[KmsKey]),
        params: &[],
        summary: "A KMS key that resources of the account encrypt with is disabled or pending deletion.",
        construct: |_, _| state(encryption::KeyInUseUnusable),
    },
    AnalyzerSpec {
        name: "new_foreign_access",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[S3Bucket, KmsKey]),
        params: &[],
        summary: "A bucket or key that grants another AWS account access the baseline did not grant.",
        construct: |_, _| drift(foreign::NewForeignAccess),
    },
    AnalyzerSpec {
        name: "new_principal",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(PRINCIPALS),
        params: &[],
        summary: "A user, group or role added since the baseline that carries permissions.",
        construct: |_, _| drift(privilege::NewPrincipal),
    },
    AnalyzerSpec {
        name: "no_multi_region_trail",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[CloudtrailAccount]),
        params: &[],
        summary: "No multi-region trail of the account is logging, and no organization trail covers it.",
        construct: |_, _| state(cloudtrail::NoMultiRegionTrail),
    },
    AnalyzerSpec {
        name: "open_resource_policy",
        aliases: &["kms_open_key_policy"],
        kind: Kind::State,
        applies_to: Some(&[KmsKey, EfsFileSystem]),
        params: &[],
        summary: "A key policy (customer keys) or file system policy that allows actions to every principal without a condition.",
        construct: |_, _| state(exposure::OpenResourcePolicy),
    },
    AnalyzerSpec {
        name: "password_policy_weakened",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[Account]),
        params: &[],
        summary: "The account password policy is weaker than the baseline's, setting by setting.",
        construct: |_, _| drift(password::PasswordPolicyWeakened),
    },
    AnalyzerSpec {
        name: "permissions_grew",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(PRINCIPALS),
        params: &[],
        summary: "A principal whose effective policies allow more than at the baseline (grants that grew, a boundary removed).",
        construct: |_, _| drift(privilege::PermissionsGrew),
    },
    AnalyzerSpec {
        name: "privilege_escalation",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(PRINCIPALS),
        params: &[],
        summary: "A principal that is not an administrator but can become one: an escalation method of the catalog its policies allow, or a chain of roles it can assume to a powerful one.",
        construct: |_, _| state(privilege::PrivilegeEscalation),
    },
    AnalyzerSpec {
        name: "public_bucket",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[S3Bucket]),
        params: &[],
        summary: "A bucket that its policy or ACL opens to everyone, weighed against the bucket's and the account's public access blocks.",
        construct: |_, _| state(exposure::PublicBucket),
    },
    AnalyzerSpec {
        name: "ranked_downgrade",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: None,
        params: &["path", "order"],
        summary: "The field `path` moved to a weaker value than the baseline's in `order` (values, weakest first); a value outside the order counts as the weakest.",
        construct: |params, kinds| drift(ranked::RankedDowngrade::from_params(params, kinds)?),
    },
    AnalyzerSpec {
        name: "risky_trust",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[IamRole]),
        params: &[],
        summary: "A role whose trust admits anyone, everyone but some (NotPrincipal), another account without an external id or MFA, or GitHub's OIDC provider without a `sub` condition.",
        construct: |_, _| state(trust::RiskyTrust),
    },
    AnalyzerSpec {
        name: "scp_detached",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[Scp]),
        params: &[],
        summary: "A guardrail SCP detached from targets it had at the baseline, or deleted.",
        construct: |_, _| drift(organization::ScpDetached),
    },
    AnalyzerSpec {
        name: "scp_weakened",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[Scp]),
        params: &[],
        summary: "A guardrail SCP whose document denies less, or allows more, than at the baseline.",
        construct: |_, _| drift(organization::ScpWeakened),
    },
    AnalyzerSpec {
        name: "snapshot_shared_new_account",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[RdsSnapshot, EbsSnapshot]),
        params: &[],
        summary: "A database or volume snapshot shared with an account (or everyone) it was not shared with at the baseline.",
        construct: |_, _| drift(exposure::SnapshotSharedNewAccount),
    },
    AnalyzerSpec {
        name: "trail_bucket_public",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[CloudtrailTrail]),
        params: &[],
        summary: "A trail whose log bucket (in this account) is public: anyone can read the account's activity history.",
        construct: |_, _| state(exposure::TrailBucketPublic),
    },
    AnalyzerSpec {
        name: "trail_stopped",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[CloudtrailTrail]),
        params: &[],
        summary: "A trail that logged at the baseline and is stopped or deleted now.",
        construct: |_, _| drift(cloudtrail::TrailStopped),
    },
    AnalyzerSpec {
        name: "trust_new_principal",
        aliases: &[],
        kind: Kind::Drift,
        applies_to: Some(&[IamRole]),
        params: &[],
        summary: "A role whose trust admits a principal the baseline's did not.",
        construct: |_, _| drift(trust::TrustNewPrincipal),
    },
    AnalyzerSpec {
        name: "untrusted_access",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[S3Bucket, KmsKey]),
        params: &[],
        summary: "A bucket or key that grants access to an account outside the trusted set (the account, its organization, `trusted_accounts`).",
        construct: |_, _| state(foreign::UntrustedAccess),
    },
    AnalyzerSpec {
        name: "wildcard_policy",
        aliases: &[],
        kind: Kind::State,
        applies_to: Some(&[IamUser, IamGroup, IamRole, IamPolicy]),
        params: &[],
        summary: "A policy a principal owns (inline or customer-managed) that allows every action of a service on every resource without a condition.",
        construct: |_, _| state(wildcard::WildcardPolicy),
    },
];

/// The analyzer a rule file names, by name or former name.
pub fn find(name: &str) -> Option<&'static AnalyzerSpec> {
    ANALYZERS.iter().find(|spec| spec.is_named(name))
}

/// Builds the analyzer `name` with the rule's `[params]`, for the rule's resource types.
pub fn build(name: &str, params: &toml::Table, kinds: &[ResourceType]) -> Result<Analyzer, String> {
    let Some(spec) = find(name) else {
        let names: Vec<&str> = ANALYZERS.iter().map(|spec| spec.name).collect();
        return Err(format!("unknown analyzer `{name}` (expected one of: {})", names.join(", ")));
    };
    if let Some(allowed) = spec.applies_to
        && let Some(k) = kinds.iter().find(|k| !allowed.contains(k))
    {
        return Err(format!("analyzer `{}` does not apply to resource type {k}", spec.name));
    }
    only_params(spec.name, params, spec.params)?;
    (spec.construct)(params, kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    fn error(name: &str, text: &str, kind: ResourceType) -> String {
        build(name, &params(text), &[kind]).unwrap_err()
    }

    #[test]
    fn parameters_are_checked_by_name_and_value() {
        assert_eq!(
            error("console_unused", "days = 90\nmonths = 3", IamUser),
            "analyzer `console_unused` takes no parameter `months` (only `days`)"
        );
        assert_eq!(
            error("access_keys", "check = \"unused\"\nage = 1", IamUser),
            "analyzer `access_keys` takes no parameter `age` (only `check` and `days`)"
        );
        assert_eq!(error("admin_access", "days = 1", IamUser), "analyzer `admin_access` takes no parameter `days`");
        for days in ["days = 0", "days = \"90\"", ""] {
            assert_eq!(
                error("console_unused", days, IamUser),
                "analyzer `console_unused` needs `params.days`, a positive number of days"
            );
        }
        assert_eq!(
            error("access_keys", "check = \"max_age\"\ndays = -1", IamUser),
            "analyzer `access_keys` needs `params.days`, a positive number of days"
        );
        assert_eq!(
            error("console_unused", "days = 90", S3Bucket),
            "analyzer `console_unused` does not apply to resource type s3_bucket"
        );
        assert!(build("console_unused", &params("days = 90"), &[IamUser]).is_ok());
    }

    #[test]
    fn a_mistyped_name_is_shown_every_analyzer_and_no_former_name() {
        let message = error("admin_acess", "", IamUser);
        for spec in ANALYZERS {
            assert!(message.contains(spec.name), "{} missing from: {message}", spec.name);
            for alias in spec.aliases {
                assert!(!message.contains(alias), "former name {alias} shown in: {message}");
            }
        }
    }

    #[test]
    fn names_are_unique_and_sorted_and_former_names_still_build() {
        let names: Vec<&str> =
            ANALYZERS.iter().flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied())).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name is declared twice: {names:?}");
        let primary: Vec<&str> = ANALYZERS.iter().map(|s| s.name).collect();
        assert!(primary.is_sorted(), "the registry is not sorted by name: {primary:?}");
        let kms = build("kms_open_key_policy", &toml::Table::new(), &[KmsKey]).unwrap();
        assert!(matches!(kms, Analyzer::State(_)));
    }

    #[test]
    fn each_analyzer_is_of_the_kind_it_is_declared() {
        // Built as the built-in rules build them: every analyzer is used by one.
        let mut seen = std::collections::BTreeSet::new();
        for (path, text) in crate::rules::BUILTIN {
            let table: toml::Table = text.parse().unwrap();
            let Some(name) = table.get("analyzer").and_then(toml::Value::as_str) else { continue };
            let rule = crate::rules::parse_rule(std::path::Path::new(path), text).unwrap();
            let spec = find(name).unwrap();
            let built = match rule.check {
                crate::rules::Check::Analyzer(a) => a,
                other => panic!("{path}: {other:?}"),
            };
            let kind = match built {
                Analyzer::State(_) => Kind::State,
                Analyzer::Drift(_) => Kind::Drift,
            };
            assert_eq!(kind, spec.kind, "{path}: analyzer {name}");
            seen.insert(spec.name);
        }
        let unused: Vec<&str> = ANALYZERS.iter().map(|s| s.name).filter(|n| !seen.contains(n)).collect();
        assert!(unused.is_empty(), "analyzers no built-in rule uses: {unused:?}");
    }
}
