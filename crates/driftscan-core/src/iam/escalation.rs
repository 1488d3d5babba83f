//! The catalog of privilege-escalation methods (`escalation.toml`, beside this file) and
//! the question each one asks of a principal's effective policies.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::eval::{Context, Decision, Policies, Source, Target, source_names};
use crate::arn::Arn;
use crate::snapshot::policy::{Effect, PolicyDocument};
use crate::snapshot::{ResourceType, Snapshot};

const CATALOG: &str = include_str!("escalation.toml");

/// Where an action of a method must be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum On {
    /// Any customer-managed policy of the account (AWS-managed ones cannot be versioned).
    Policy,
    /// The principal's own ARN.
    #[serde(rename = "self")]
    SelfArn,
    /// An SSM document that runs any command it is given (AWS-RunShellScript,
    /// AWS-RunPowerShellScript): a grant limited to other documents runs only what they do.
    #[serde(rename = "shell_document")]
    ShellDocument,
    /// An IAM user, group or role of the account: a grant on named ones reaches those.
    User,
    Group,
    Role,
}

impl On {
    /// How docs/rules.md names the resource.
    pub fn shown(self) -> &'static str {
        match self {
            On::Policy => "a customer-managed policy",
            On::SelfArn => "itself",
            On::ShellDocument => "an SSM document that runs any command",
            On::User => "a user",
            On::Group => "a group",
            On::Role => "a role",
        }
    }
}

/// The AWS-owned SSM documents that run arbitrary commands.
const SHELL_DOCUMENTS: [&str; 2] = ["AWS-RunShellScript", "AWS-RunPowerShellScript"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub id: String,
    pub title: String,
    pub actions: Vec<String>,
    #[serde(default)]
    pub on: BTreeMap<String, On>,
    pub pass_role_to: Option<String>,
    pub principal: Option<ResourceType>,
    /// The target must be another principal: its own access key or password gives a user
    /// nothing new.
    #[serde(default)]
    pub others_only: bool,
    pub references: Vec<String>,
    /// The service prefixes of its actions, as bits over [`Catalog::services`]: every
    /// principal is first asked whether its policies name them all.
    #[serde(skip)]
    pub services: u64,
}

/// The built-in methods, and the services their actions name.
#[derive(Debug)]
pub struct Catalog {
    pub methods: Vec<Method>,
    /// Distinct, sorted; at most 64 (a method's services are bits of a `u64`).
    pub services: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    method: Vec<Method>,
}

/// The catalog, parsed and checked once.
pub fn catalog() -> &'static Catalog {
    static CATALOG_PARSED: OnceLock<Catalog> = OnceLock::new();
    CATALOG_PARSED.get_or_init(|| parse(CATALOG).unwrap_or_else(|e| panic!("escalation.toml (built in): {e}")))
}

/// The catalog's methods.
pub fn methods() -> &'static [Method] {
    &catalog().methods
}

fn parse(text: &str) -> Result<Catalog, String> {
    let mut file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = BTreeSet::new();
    for m in &file.method {
        let bad = |what: String| Err(format!("method {}: {what}", m.id));
        if !seen.insert(m.id.as_str()) {
            return bad("duplicate id".into());
        }
        if m.actions.is_empty() || m.actions.iter().any(|a| !a.contains(':') || a.contains('*')) {
            return bad("actions must be exact `service:Action` names".into());
        }
        if let Some(a) = m.on.keys().find(|a| !m.actions.contains(a)) {
            return bad(format!("`on` names {a}, which is not one of its actions"));
        }
        if m.pass_role_to.is_some() != m.actions.iter().any(|a| a == "iam:PassRole") {
            return bad("`pass_role_to` goes with iam:PassRole, and only with it".into());
        }
        if m.principal.is_some_and(|p| p.service() != crate::snapshot::Service::Iam) {
            return bad("`principal` must be an IAM principal type".into());
        }
        if m.references.is_empty() {
            return bad("no reference".into());
        }
    }
    let service_of = |action: &String| action.split_once(':').map(|(service, _)| service.to_string());
    let services: Vec<String> = file
        .method
        .iter()
        .flat_map(|m| m.actions.iter().filter_map(service_of))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if services.len() > 64 {
        return Err(format!("{} services: at most 64", services.len()));
    }
    for m in &mut file.method {
        m.services = m
            .actions
            .iter()
            .filter_map(service_of)
            .map(|service| 1 << services.iter().position(|s| *s == service).expect("gathered above"))
            .fold(0, |bits, bit| bits | bit);
    }
    Ok(Catalog { methods: file.method, services })
}

/// How a principal can use one method: the weakest of its actions' decisions, and the
/// policies that allow them.
pub struct Found {
    pub decision: Decision,
    pub sources: Vec<String>,
    /// For a grant on named resources only: the ones it reaches (`user alice`, `role
    /// app` for a role it may pass, a function's ARN).
    pub reached: Vec<String>,
}

/// One principal as every method asks about it: worked out once, not once per method.
pub struct Subject<'f> {
    facts: &'f Snapshot,
    kind: ResourceType,
    id: &'f str,
    /// Request context known offline for this principal ([`principal_context`]).
    known: Vec<(&'static str, &'f str)>,
    /// Any customer-managed policy of the account, and the shell documents' ARNs: written
    /// only for a method that asks (three strings per principal were 1 % of a 100k scan).
    customer_policy: std::cell::OnceCell<String>,
    shell_documents: std::cell::OnceCell<[String; 2]>,
}

impl<'f> Subject<'f> {
    pub fn new(facts: &'f Snapshot, kind: ResourceType, id: &'f str) -> Subject<'f> {
        Subject {
            facts,
            kind,
            id,
            known: principal_context(facts, kind, id),
            customer_policy: std::cell::OnceCell::new(),
            shell_documents: std::cell::OnceCell::new(),
        }
    }

    fn customer_policy(&self) -> &str {
        let meta = &self.facts.meta;
        self.customer_policy
            .get_or_init(|| Arn::account_wide(&meta.partition, "iam", &meta.account_id, "policy/*").to_string())
    }

    fn shell_documents(&self) -> &[String; 2] {
        let partition = &self.facts.meta.partition;
        self.shell_documents.get_or_init(|| {
            SHELL_DOCUMENTS.map(|d| Arn::regional(partition, "ssm", "*", "", &format!("document/{d}")).to_string())
        })
    }
}

impl Method {
    /// Whether `subject`, with `policies`, can use this method.
    pub fn found(&self, subject: &Subject, policies: &Policies) -> Option<Found> {
        let Subject { facts, kind, id, .. } = *subject;
        if self.principal.is_some_and(|p| p != kind) {
            return None;
        }
        let ctx = Context { values: &subject.known, now: Some(facts.meta.scanned_at) };
        let mut weakest = Decision::Allowed;
        let mut sources = Vec::new();
        let mut reached = Vec::new();
        for action in &self.actions {
            let (decision, via) = match (self.on.get(action), &self.pass_role_to) {
                (_, Some(service)) if action == "iam:PassRole" => {
                    let (decision, via, roles) = pass_role(facts, policies, service, &ctx);
                    reached.extend(roles);
                    (decision, via)
                }
                (Some(On::SelfArn), _) => policies.evaluate_in(action, Target::Exact(id), &ctx),
                (Some(On::ShellDocument), _) => subject
                    .shell_documents()
                    .iter()
                    .map(|d| policies.evaluate_in(action, Target::AnyOf(d), &ctx))
                    .max_by_key(|(d, _)| *d)
                    .unwrap_or((Decision::NotAllowed, Vec::new())),
                (Some(target @ (On::Policy | On::User | On::Group | On::Role)), _) => {
                    let broad = match target {
                        On::Policy => Target::AnyOf(subject.customer_policy()),
                        _ => Target::Every,
                    };
                    let (decision, via, names) =
                        reach(subject, policies, action, *target, broad, self.others_only, &ctx);
                    reached.extend(names);
                    (decision, via)
                }
                (None, _) => policies.evaluate_in(action, Target::Some, &ctx),
            };
            weakest = weakest.min(decision);
            if weakest == Decision::NotAllowed {
                return None;
            }
            sources.extend(via);
        }
        // Actions scoped to named resources (a function, a stack): say which. Asked only
        // of a method found, as most are not.
        for action in self.actions.iter().filter(|a| !self.on.contains_key(*a) && *a != "iam:PassRole") {
            if policies.evaluate_in(action, Target::Every, &ctx).0 == Decision::NotAllowed {
                reached.extend(policies.allowed_resources(action, &ctx));
            }
        }
        let sources = source_names(&sources);
        reached.sort();
        reached.dedup();
        Some(Found { decision: weakest, sources, reached })
    }
}

/// An IAM write on principals or customer-managed policies of a kind: allowed on all of
/// them (`broad`: every principal, any policy of the account), or on the named ones of the
/// account it reaches (none reached: nothing to escalate to).
fn reach<'a>(
    subject: &Subject,
    policies: &Policies<'a>,
    action: &str,
    target: On,
    broad: Target,
    others_only: bool,
    ctx: &Context,
) -> (Decision, Vec<Source<'a>>, Vec<String>) {
    let (facts, me) = (subject.facts, subject.id);
    let (some, _) = policies.evaluate_in(action, Target::Some, ctx);
    if some == Decision::NotAllowed {
        return (some, Vec::new(), Vec::new());
    }
    let (every, via) = policies.evaluate_in(action, broad, ctx);
    if every != Decision::NotAllowed {
        return (every, via, Vec::new());
    }
    let (word, arns): (&str, Vec<&String>) = match target {
        On::User => ("user", facts.iam.users.keys().collect()),
        On::Group => ("group", facts.iam.groups.keys().collect()),
        On::Policy => ("policy", facts.iam.policies.iter().filter(|(_, p)| !p.aws_managed).map(|(a, _)| a).collect()),
        _ => ("role", facts.iam.roles.keys().collect()),
    };
    let mut best = Decision::NotAllowed;
    let (mut sources, mut names) = (Vec::new(), Vec::new());
    for arn in arns.into_iter().filter(|a| !(others_only && *a == me)) {
        let (decision, via) = policies.evaluate_in(action, Target::Exact(arn), ctx);
        if decision != Decision::NotAllowed {
            best = best.max(decision);
            sources.extend(via);
            names.push(format!("{word} {}", crate::arn::short_name(arn)));
        }
    }
    (best, sources, names)
}

/// What is known offline about the requests a principal makes: a role only services may
/// assume never acts with MFA (`aws:MultiFactorAuthPresent` is false for its sessions); a
/// user's name fills `${aws:username}`.
fn principal_context<'f>(facts: &'f Snapshot, kind: ResourceType, id: &str) -> Vec<(&'static str, &'f str)> {
    let service_only = kind == ResourceType::IamRole
        && facts.iam.roles.get(id).is_some_and(|r| {
            let allows: Vec<_> = r.trust_policy.statements.iter().filter(|s| s.effect == Effect::Allow).collect();
            !allows.is_empty()
                && allows.iter().all(|s| s.principal.as_ref().is_some_and(|p| p.keys().all(|k| k == "Service")))
        });
    let mut known = Vec::new();
    if service_only {
        known.push(("aws:MultiFactorAuthPresent", "false"));
    }
    // `${aws:username}` in a resource: a user's own name (self-management policies).
    if let Some(user) = facts.iam.users.get(id).filter(|_| kind == ResourceType::IamUser) {
        known.push(("aws:username", user.name.as_str()));
    }
    known
}

/// Whether the principal can pass some role to `service`: `iam:PassRole` allowed with
/// `iam:PassedToService` = `service`, and, unless it may pass every role, the roles of the
/// account that it may pass and that trust `service` (named: `role app`).
fn pass_role<'a>(
    facts: &Snapshot,
    policies: &Policies<'a>,
    service: &str,
    known: &Context,
) -> (Decision, Vec<Source<'a>>, Vec<String>) {
    let context: Vec<(&str, &str)> = known.values.iter().copied().chain([("iam:PassedToService", service)]).collect();
    let ctx = Context { values: &context, now: known.now };
    let (decision, sources) = policies.evaluate_in("iam:PassRole", Target::Some, &ctx);
    if decision == Decision::NotAllowed {
        return (decision, sources, Vec::new());
    }
    let (every, _) = policies.evaluate_in("iam:PassRole", Target::Every, &ctx);
    if every != Decision::NotAllowed {
        return (decision, sources, Vec::new());
    }
    let mut best = (Decision::NotAllowed, Vec::new(), Vec::new());
    for (arn, role) in &facts.iam.roles {
        if !trusts_service(&role.trust_policy, service) {
            continue;
        }
        let (decision, via) = policies.evaluate_in("iam:PassRole", Target::Exact(arn), &ctx);
        if decision != Decision::NotAllowed {
            best.0 = best.0.max(decision);
            best.1.extend(via);
            best.2.push(format!("role {}", role.name));
        }
    }
    best
}

/// A trust policy that lets `service` assume the role.
fn trusts_service(trust: &PolicyDocument, service: &str) -> bool {
    trust.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.principal.as_ref().and_then(|p| p.get("Service")).is_some_and(|list| list.iter().any(|v| v == service))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::testing::{ACCOUNT, account};

    #[test]
    fn the_built_in_catalog_is_valid_and_complete() {
        let methods = methods();
        assert!(methods.len() >= 58, "{} methods", methods.len());
        // The methods named by the public catalogs driftscan covers, by their action sets.
        for needed in [
            &["iam:PassRole", "sagemaker:CreateTrainingJob"][..],
            &["iam:PassRole", "sagemaker:CreateProcessingJob"],
            &["sagemaker:CreatePresignedNotebookInstanceUrl"],
            &["ec2-instance-connect:SendSSHPublicKey"],
            &["ssm:SendCommand"],
            &["ssm:StartSession"],
            &["cloudformation:UpdateStack"],
            &["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
            &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
            &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
            &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
            &["iam:PassRole", "apprunner:CreateService"],
            &["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
            &["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
            &["iam:PassRole", "ec2:RequestSpotInstances"],
            &["ecs:ExecuteCommand"],
            &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"],
            &["iam:PassRole", "cloudformation:UpdateStackSet"],
            &["iam:UpdateAssumeRolePolicy"],
        ] {
            assert!(methods.iter().any(|m| m.actions == needed), "no method {needed:?}");
        }
    }

    /// The methods a principal of `kind` whose one inline policy is `statements` can use.
    fn found_with(kind: ResourceType, statements: serde_json::Value) -> Vec<String> {
        let mut facts = account();
        let document =
            PolicyDocument::from_value(&serde_json::json!({"Version": "2012-10-17", "Statement": statements})).unwrap();
        let inline = crate::snapshot::InlinePolicies::from_iter([("p".to_string(), document)]);
        let id = match kind {
            ResourceType::IamRole => {
                let arn = format!("arn:aws:iam::{ACCOUNT}:role/subject");
                let role =
                    crate::snapshot::IamRole { name: "subject".into(), inline_policies: inline, ..Default::default() };
                facts.iam.roles.insert(arn.clone(), role);
                arn
            }
            _ => {
                let arn = format!("arn:aws:iam::{ACCOUNT}:user/subject");
                let user =
                    crate::snapshot::IamUser { name: "subject".into(), inline_policies: inline, ..Default::default() };
                facts.iam.users.insert(arn.clone(), user);
                arn
            }
        };
        let policies = Policies::of(&facts, kind, &id);
        let subject = Subject::new(&facts, kind, &id);
        methods().iter().filter(|m| m.found(&subject, &policies).is_some()).map(|m| m.id.clone()).collect()
    }

    fn allow(m: &Method, actions: &[&String]) -> serde_json::Value {
        let own = format!("arn:aws:iam::{ACCOUNT}:role/subject");
        let statements: Vec<serde_json::Value> = actions
            .iter()
            .map(|a| {
                let resource = if m.on.get(*a) == Some(&On::SelfArn) { own.clone() } else { "*".to_string() };
                serde_json::json!({"Effect": "Allow", "Action": a, "Resource": resource})
            })
            .collect();
        serde_json::Value::from(statements)
    }

    /// Every method, positive and near misses: exactly its actions find it; any one action
    /// fewer does not; a Deny of any of them does not; PassRole for another service does not.
    #[test]
    fn every_method_is_found_with_its_actions_and_not_without_one() {
        for m in methods() {
            let kind = m.principal.unwrap_or(ResourceType::IamUser);
            let all: Vec<&String> = m.actions.iter().collect();
            assert!(found_with(kind, allow(m, &all)).contains(&m.id), "{}: not found with all its actions", m.id);
            for missing in &m.actions {
                let fewer: Vec<&String> = m.actions.iter().filter(|a| *a != missing).collect();
                if fewer.is_empty() {
                    continue;
                }
                assert!(!found_with(kind, allow(m, &fewer)).contains(&m.id), "{}: found without {missing}", m.id);
            }
            for denied in &m.actions {
                let mut statements = allow(m, &all);
                let deny = serde_json::json!({"Effect": "Deny", "Action": denied, "Resource": "*"});
                statements.as_array_mut().unwrap().push(deny);
                assert!(!found_with(kind, statements).contains(&m.id), "{}: found with {denied} denied", m.id);
            }
            if m.pass_role_to.is_some() {
                let mut statements = allow(m, &all);
                for s in statements.as_array_mut().unwrap() {
                    if s["Action"] == "iam:PassRole" {
                        s["Condition"] =
                            serde_json::json!({"StringEquals": {"iam:PassedToService": "dax.amazonaws.com"}});
                    }
                }
                assert!(!found_with(kind, statements).contains(&m.id), "{}: found passing to DAX only", m.id);
            }
        }
    }

    #[test]
    fn ssm_send_command_counts_only_with_a_document_that_runs_any_command() {
        let send = |resources: serde_json::Value| {
            found_with(
                ResourceType::IamUser,
                serde_json::json!([{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": resources}]),
            )
            .contains(&"SSMSendCommand".to_string())
        };
        assert!(send(serde_json::json!("*")));
        assert!(send(serde_json::json!(["arn:aws:ssm:*:*:document/AWS-RunShellScript", "arn:aws:ec2:*:*:instance/*"])));
        assert!(send(serde_json::json!(["arn:aws:ssm:*:*:document/*", "arn:aws:ec2:*:*:instance/*"])));
        assert!(!send(serde_json::json!([
            "arn:aws:ssm:*:*:document/AWS-RunPatchBaseline",
            "arn:aws:ec2:*:*:instance/*"
        ])));
    }

    #[test]
    fn a_role_only_services_assume_has_no_mfa() {
        let mut facts = account();
        let arn = format!("arn:aws:iam::{ACCOUNT}:role/svc");
        let statements = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let role = crate::snapshot::IamRole {
            name: "svc".into(),
            trust_policy: PolicyDocument::from_value(&trust).unwrap(),
            inline_policies: crate::snapshot::InlinePolicies::from_iter([(
                "p".to_string(),
                PolicyDocument::from_value(&statements).unwrap(),
            )]),
            ..Default::default()
        };
        facts.iam.roles.insert(arn.clone(), role);
        let policies = Policies::of(&facts, ResourceType::IamRole, &arn);
        let attach = methods().iter().find(|m| m.id == "AttachUserPolicy").unwrap();
        let subject = Subject::new(&facts, ResourceType::IamRole, &arn);
        assert!(attach.found(&subject, &policies).is_none(), "MFA required, never present");
    }

    /// The methods (with whom they reach) of user `subject` with `statements`, in an
    /// account that also has user `bob`.
    fn reach_of(statements: serde_json::Value) -> Vec<(String, Vec<String>)> {
        let mut facts = account();
        let document =
            PolicyDocument::from_value(&serde_json::json!({"Version": "2012-10-17", "Statement": statements})).unwrap();
        let me = format!("arn:aws:iam::{ACCOUNT}:user/subject");
        let inline = crate::snapshot::InlinePolicies::from_iter([("p".to_string(), document)]);
        let subject =
            crate::snapshot::IamUser { name: "subject".into(), inline_policies: inline, ..Default::default() };
        facts.iam.users.insert(me.clone(), subject);
        let bob = crate::snapshot::IamUser { name: "bob".into(), ..Default::default() };
        facts.iam.users.insert(format!("arn:aws:iam::{ACCOUNT}:user/bob"), bob);
        let policies = Policies::of(&facts, ResourceType::IamUser, &me);
        methods()
            .iter()
            .filter_map(|m| {
                m.found(&Subject::new(&facts, ResourceType::IamUser, &me), &policies).map(|f| (m.id.clone(), f.reached))
            })
            .collect()
    }

    #[test]
    fn grants_on_named_principals_report_whom_they_reach() {
        let on = |action: &str, resource: &str| {
            reach_of(serde_json::json!([{"Effect": "Allow", "Action": action, "Resource": resource}]))
        };
        let found = |id: &str, reached: &[&str]| {
            vec![(id.to_string(), reached.iter().map(|r| r.to_string()).collect::<Vec<_>>())]
        };
        let own = "arn:aws:iam::111122223333:user/${aws:username}";
        // Self-management: attaching policies to itself escalates; its own key or password does not.
        assert_eq!(on("iam:AttachUserPolicy", own), found("AttachUserPolicy", &["user subject"]));
        assert!(on("iam:CreateAccessKey", own).is_empty());
        assert!(on("iam:UpdateLoginProfile", own).is_empty());
        // Another named user: reached when it exists, nothing when it does not.
        let bob = "arn:aws:iam::111122223333:user/bob";
        assert_eq!(on("iam:CreateAccessKey", bob), found("CreateAccessKey", &["user bob"]));
        assert!(on("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/ghost").is_empty());
        // Every user: the general path, no list.
        assert_eq!(on("iam:CreateAccessKey", "*"), found("CreateAccessKey", &[]));
        // A grant on one function, one stack: the finding names it.
        let function = "arn:aws:lambda:us-east-1:111122223333:function:deploy";
        assert_eq!(on("lambda:UpdateFunctionCode", function), found("UpdateLambdaCode", &[function]));
        // No customer policy matches the pattern: nothing to version.
        assert!(on("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/app-*").is_empty());
    }

    #[test]
    fn policy_versioning_on_a_pattern_reaches_the_customer_policies_it_names() {
        let mut facts = account();
        let me = format!("arn:aws:iam::{ACCOUNT}:user/subject");
        let policy = |doc: serde_json::Value| crate::snapshot::ManagedPolicy {
            name: "app-runtime".into(),
            document: PolicyDocument::from_value(&doc).unwrap(),
            ..Default::default()
        };
        let grant = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::*:policy/app-*"}]});
        facts.iam.policies.insert(format!("arn:aws:iam::{ACCOUNT}:policy/app-runtime"), policy(grant.clone()));
        let inline = crate::snapshot::InlinePolicies::from_iter([(
            "p".to_string(),
            PolicyDocument::from_value(&grant).unwrap(),
        )]);
        let user = crate::snapshot::IamUser { name: "subject".into(), inline_policies: inline, ..Default::default() };
        facts.iam.users.insert(me.clone(), user);
        let policies = Policies::of(&facts, ResourceType::IamUser, &me);
        let method = methods().iter().find(|m| m.id == "CreatePolicyVersion").unwrap();
        let found = method.found(&Subject::new(&facts, ResourceType::IamUser, &me), &policies).unwrap();
        assert_eq!(found.reached, ["policy app-runtime"]);
    }

    #[test]
    fn a_bad_catalog_entry_is_refused() {
        let entry = |body: &str| parse(&format!("[[method]]\nid = \"X\"\ntitle = \"t\"\nreferences = [\"r\"]\n{body}"));
        assert!(entry("actions = [\"iam:*\"]").unwrap_err().contains("exact"));
        assert!(entry("actions = [\"iam:PassRole\"]").unwrap_err().contains("pass_role_to"));
        assert!(entry("actions = [\"iam:A\"]\non = { \"iam:B\" = \"self\" }").unwrap_err().contains("not one of"));
        assert!(entry("actions = [\"iam:A\"]\nprincipal = \"s3_bucket\"").unwrap_err().contains("IAM principal"));
        assert!(entry("actions = [\"iam:A\"]\nextra = 1").is_err());
        assert!(entry("actions = [\"iam:A\"]").is_ok());
    }
}
