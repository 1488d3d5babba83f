//! Identity-policy evaluation with AWS's logic: an explicit Deny wins over any Allow,
//! `NotAction`/`NotResource` invert matching, action names match case-insensitively with
//! `*`/`?` wildcards, and a permissions boundary intersects what identity policies allow.
//! Conditions are decided where every key they test is known offline (a [`Context`], such
//! as `iam:PassedToService` when the question is "can it pass a role to Lambda?");
//! otherwise an Allow that carries one is "allowed under condition", and a Deny that
//! carries one is not counted on (it may not apply).

use chrono::{DateTime, Utc};

use crate::glob::wildcard_match;

use crate::snapshot::iam::{IamGroup, IamRole, IamUser};
use crate::snapshot::policy::{Conditions, Effect, PolicyDocument, Statement};
use crate::snapshot::{ResourceType, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    NotAllowed,
    AllowedUnderCondition,
    Allowed,
}

/// Where one of a principal's policies comes from. Its name in messages (`Display`) is
/// written only for a finding: formatted for every policy of every principal on both
/// sides, the names were 7 % of a 100k scan's CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// `inline policy NAME`, or `group G inline policy NAME` through group `G`.
    Inline { group: Option<&'a str>, name: &'a str },
    /// `policy NAME` (the last part of its ARN), or `group G policy NAME`.
    Attached { group: Option<&'a str>, name: &'a str },
    /// A document asked about on its own, by its bare name.
    Alone(&'a str),
}

impl std::fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (group, kind, name) = match *self {
            Source::Inline { group, name } => (group, "inline policy ", name),
            Source::Attached { group, name } => (group, "policy ", name),
            Source::Alone(name) => return f.write_str(name),
        };
        if let Some(g) = group {
            write!(f, "group {g} ")?;
        }
        write!(f, "{kind}{name}")
    }
}

/// The names of `sources` as messages show them: sorted, each once.
pub fn source_names(sources: &[Source]) -> Vec<String> {
    let mut names: Vec<String> = sources.iter().map(Source::to_string).collect();
    names.sort();
    names.dedup();
    names
}

/// The identity policies that apply to a principal, with where each came from.
#[derive(Debug, Default, Clone)]
pub struct Policies<'a> {
    pub identity: Vec<(Source<'a>, &'a PolicyDocument)>,
    /// The permissions boundary: its ARN and document.
    pub boundary: Option<(&'a str, &'a PolicyDocument)>,
    /// ARNs of attached policies whose document is not in the facts: evaluation is incomplete.
    pub missing: Vec<&'a str>,
}

impl Policies<'_> {
    /// The same documents, boundary and gaps: every evaluation gives the same answer.
    pub fn same_as(&self, other: &Policies) -> bool {
        self.same_given(other, &SharedDocuments::default())
    }

    /// [`Policies::same_as`], taking the documents `shared` knows to be equal as equal
    /// without reading them.
    fn same_given(&self, other: &Policies, shared: &SharedDocuments) -> bool {
        let same_document = |(s, d): &(Source, &PolicyDocument), (other_s, other_d): &(Source, &PolicyDocument)| {
            s == other_s && (shared.same(d, other_d) || d == other_d)
        };
        self.identity.len() == other.identity.len()
            && self.identity.iter().zip(&other.identity).all(|(a, b)| same_document(a, b))
            && self.boundary == other.boundary
            && self.missing == other.missing
    }
}

/// The services a principal's Allow statements can name: no action of any other service
/// can be allowed (a Deny or a boundary only take away), so the escalation methods that
/// need one are skipped without evaluating a statement.
#[derive(Debug)]
pub enum AllowedServices<'a> {
    /// `*`, a wildcard service prefix or a `NotAction` Allow: any service.
    All,
    /// The service prefixes, as the documents write them (a principal names a handful: a
    /// list compared without allocating beats a set of lower-cased copies, which was 7 % of
    /// a 100k scan).
    Named(Vec<&'a str>),
}

impl<'a> AllowedServices<'a> {
    pub fn of(policies: &Policies<'a>) -> AllowedServices<'a> {
        // Kept distinct as they come: a handful of services named by up to hundreds of
        // actions (sorting all of them was a fifth of the escalation rule's time).
        let mut named: Vec<&'a str> = Vec::new();
        let documents = policies.identity.iter().map(|&(_, d)| d);
        for s in documents.flat_map(|d| &d.statements).filter(|s| s.effect == Effect::Allow) {
            if s.is_not_action() {
                return AllowedServices::All;
            }
            for pattern in &s.action {
                match pattern.split_once(':') {
                    Some((service, _)) if !service.contains(['*', '?']) => {
                        if !named.contains(&service) {
                            named.push(service);
                        }
                    }
                    _ => return AllowedServices::All,
                }
            }
        }
        AllowedServices::Named(named)
    }

    /// Which of `services` some Allow statement may name an action of, as bits (bit `i`
    /// for `services[i]`; at most 64).
    pub fn bits_of(&self, services: &[String]) -> u64 {
        services.iter().enumerate().filter(|(_, s)| self.may_allow_service(s)).fold(0, |bits, (i, _)| bits | 1 << i)
    }

    /// Whether some Allow statement may name an action of `service` (service prefixes are
    /// case-insensitive).
    pub fn may_allow_service(&self, service: &str) -> bool {
        match self {
            AllowedServices::All => true,
            AllowedServices::Named(named) => named.iter().any(|n| n.eq_ignore_ascii_case(service)),
        }
    }
}

/// Every principal's effective policies in one snapshot, gathered once per side of a scan
/// rather than once per rule that asks (admin, escalation, wildcard and growth rules all do,
/// and escalation asks both sides).
#[derive(Debug, Default)]
pub struct PolicyIndex<'a> {
    policies: foldhash::HashMap<&'a str, Policies<'a>>,
    /// The principals whose policies are the same in the baseline's index, once compared
    /// ([`PolicyIndex::compare_with`]).
    unchanged: Option<foldhash::HashSet<&'a str>>,
}

impl<'a> PolicyIndex<'a> {
    pub fn build(facts: &'a Snapshot) -> PolicyIndex<'a> {
        use rayon::prelude::*;
        let iam = &facts.iam;
        // Each principal as it is in the facts (not looked up again by its ARN).
        let principals: Vec<(&'a str, Principal<'a>)> = iam
            .users
            .iter()
            .map(|(id, u)| (id.as_str(), Principal::User(u)))
            .chain(iam.groups.iter().map(|(id, g)| (id.as_str(), Principal::Group(g))))
            .chain(iam.roles.iter().map(|(id, r)| (id.as_str(), Principal::Role(r))))
            .collect();
        // Users name their groups, principals their managed policies: both resolved through
        // maps built once per side instead of B-tree lookups by ARNs with a long common
        // prefix (a user's group by a formatted ARN) for every principal.
        let groups = GroupsByName::of(&iam.groups);
        let documents: foldhash::HashMap<&str, &PolicyDocument> =
            iam.policies.iter().map(|(arn, p)| (arn.as_str(), &p.document)).collect();
        let lookups = Lookups { group_named: &|name| groups.get(name), document: &|arn| documents.get(arn).copied() };
        let policies = principals
            .into_par_iter()
            .map(|(id, principal)| (id, Policies::gather(Some(principal), &lookups)))
            .collect();
        PolicyIndex { policies, unchanged: None }
    }

    /// Whether the principal `id`'s effective policies are the same as in the baseline,
    /// once [`PolicyIndex::compare_with`] has compared the two; `None` before.
    pub fn unchanged(&self, id: &str) -> Option<bool> {
        self.unchanged.as_ref().map(|same| same.contains(id))
    }

    /// The policies of the principal `id` (an ARN, unique across kinds).
    pub fn get(&self, id: &str) -> Option<&Policies<'a>> {
        self.policies.get(id)
    }

    /// Compares every principal's policies with the baseline's once: three rules ask it of
    /// each principal, and each answer walks whole documents (4 % of a 100k scan's CPU
    /// when every rule compared for itself).
    ///
    /// The documents many principals share (managed policies, groups' inline policies) are
    /// compared once here, each with its baseline counterpart, not once per principal
    /// holding them: the comparisons walked both sides' documents from cold memory, 6 % of
    /// a 100k scan's CPU.
    pub fn compare_with(&mut self, baseline: &PolicyIndex, (base_facts, cur_facts): (&Snapshot, &Snapshot)) {
        use rayon::prelude::*;
        let shared = SharedDocuments::same_in(&base_facts.iam, &cur_facts.iam);
        let same =
            |(id, policies): (&&'a str, &Policies)| baseline.get(id).is_some_and(|b| b.same_given(policies, &shared));
        self.unchanged = Some(self.policies.par_iter().filter(|&entry| same(entry)).map(|(id, _)| *id).collect());
    }
}

/// The current side's shared documents that equal their baseline counterparts (the same
/// managed policy ARN, the same group's inline policy), each by its address on both sides.
#[derive(Default)]
struct SharedDocuments(foldhash::HashMap<usize, usize>);

impl SharedDocuments {
    fn same_in(baseline: &crate::snapshot::iam::IamFacts, current: &crate::snapshot::iam::IamFacts) -> SharedDocuments {
        let address = SharedDocuments::address;
        let mut same = foldhash::HashMap::default();
        let mut note = |b: &PolicyDocument, c: &PolicyDocument| {
            if b == c {
                same.insert(address(c), address(b));
            }
        };
        for (b, c) in crate::snapshot::matched_by_key(&baseline.policies, &current.policies) {
            note(&b.document, &c.document);
        }
        for (b, c) in crate::snapshot::matched_by_key(&baseline.groups, &current.groups) {
            for (name, doc) in c.inline_policies.iter() {
                if let Some(before) = b.inline_policies.get(name) {
                    note(before, doc);
                }
            }
        }
        SharedDocuments(same)
    }

    /// Whether `current` is known to equal `baseline` (`false`: not known).
    fn same(&self, baseline: &PolicyDocument, current: &PolicyDocument) -> bool {
        self.0.get(&Self::address(current)) == Some(&Self::address(baseline))
    }

    fn address(document: &PolicyDocument) -> usize {
        std::ptr::from_ref(document) as usize
    }
}

/// AdministratorAccess is the one AWS-managed policy whose meaning is certain without its
/// document; every other missing document is reported as such.
fn known_managed(arn: &str) -> Option<&'static PolicyDocument> {
    static ADMINISTRATOR_ACCESS: std::sync::LazyLock<PolicyDocument> = std::sync::LazyLock::new(|| {
        PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .expect("valid literal")
    });
    // `arn:<partition>:iam::aws:policy/…`: AWS's own, in any partition; a customer policy of
    // the same name means nothing certain.
    arn.ends_with(":iam::aws:policy/AdministratorAccess").then(|| &*ADMINISTRATOR_ACCESS)
}

/// The groups of a snapshot by name, as [`crate::snapshot::iam::IamFacts::group_by_name`]
/// finds them (the group at path `/` first, else the first by ARN).
struct GroupsByName<'a>(foldhash::HashMap<&'a str, &'a IamGroup>);

impl<'a> GroupsByName<'a> {
    fn of(groups: &'a std::collections::BTreeMap<String, IamGroup>) -> GroupsByName<'a> {
        let root = groups.keys().next().and_then(|first| Some(&first[..first.find(":group/")? + ":group/".len()]));
        let mut by_name = foldhash::HashMap::default();
        for (arn, group) in groups {
            let at_root = root.is_some_and(|root| arn.strip_prefix(root) == Some(group.name.as_str()));
            match by_name.entry(group.name.as_str()) {
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(group);
                }
                std::collections::hash_map::Entry::Occupied(mut entry) if at_root => {
                    entry.insert(group);
                }
                std::collections::hash_map::Entry::Occupied(_) => {}
            }
        }
        GroupsByName(by_name)
    }

    fn get(&self, name: &str) -> Option<&'a IamGroup> {
        self.0.get(name).copied()
    }
}

/// An IAM principal's facts.
#[derive(Clone, Copy)]
enum Principal<'a> {
    User(&'a IamUser),
    Group(&'a IamGroup),
    Role(&'a IamRole),
}

/// How [`Policies::gather`] finds a user's groups (by name) and a managed policy's document
/// (by ARN).
struct Lookups<'l, 'a> {
    group_named: &'l (dyn Fn(&str) -> Option<&'a IamGroup> + Sync),
    document: &'l (dyn Fn(&str) -> Option<&'a PolicyDocument> + Sync),
}

impl<'a> Policies<'a> {
    /// Collects the policies of an IAM user (incl. its groups'), group or role.
    pub fn of(facts: &'a Snapshot, kind: ResourceType, id: &str) -> Policies<'a> {
        let iam = &facts.iam;
        let principal = match kind {
            ResourceType::IamUser => iam.users.get(id).map(Principal::User),
            ResourceType::IamGroup => iam.groups.get(id).map(Principal::Group),
            ResourceType::IamRole => iam.roles.get(id).map(Principal::Role),
            _ => None,
        };
        let lookups = Lookups {
            group_named: &|name| iam.group_by_name(name).map(|(_, group)| group),
            document: &|arn| iam.policies.get(arn).map(|p| &p.document),
        };
        Policies::gather(principal, &lookups)
    }

    /// [`Policies::of`] a principal's facts, finding what they name with `lookups`.
    fn gather(principal: Option<Principal<'a>>, lookups: &Lookups<'_, 'a>) -> Policies<'a> {
        // Each attached policy with the group it comes through, if any.
        let mut attached: Vec<(Option<&'a str>, &'a String)> = Vec::new();
        let mut out = Policies::default();
        let mut boundary_arn = None;
        let inline = |group: Option<&'a str>, policies: &'a crate::snapshot::InlinePolicies| {
            policies.iter().map(move |(name, d)| (Source::Inline { group, name }, d))
        };
        match principal {
            Some(Principal::User(u)) => {
                out.identity.extend(inline(None, &u.inline_policies));
                attached.extend(u.attached_policies.iter().map(|a| (None, a)));
                for g in &u.groups {
                    if let Some(group) = (lookups.group_named)(g) {
                        out.identity.extend(inline(Some(g), &group.inline_policies));
                        attached.extend(group.attached_policies.iter().map(|a| (Some(g.as_str()), a)));
                    }
                }
                boundary_arn = u.permissions_boundary.as_ref();
            }
            Some(Principal::Group(g)) => {
                out.identity.extend(inline(None, &g.inline_policies));
                attached.extend(g.attached_policies.iter().map(|a| (None, a)));
            }
            Some(Principal::Role(r)) => {
                out.identity.extend(inline(None, &r.inline_policies));
                attached.extend(r.attached_policies.iter().map(|a| (None, a)));
                boundary_arn = r.permissions_boundary.as_ref();
            }
            None => {}
        }
        let resolve =
            |arn: &str| -> Option<&'a PolicyDocument> { (lookups.document)(arn).or_else(|| known_managed(arn)) };
        for (group, arn) in attached {
            let name = crate::arn::short_name(arn);
            match resolve(arn) {
                Some(doc) => out.identity.push((Source::Attached { group, name }, doc)),
                None => out.missing.push(arn),
            }
        }
        if let Some(arn) = boundary_arn {
            match resolve(arn) {
                Some(doc) => out.boundary = Some((arn, doc)),
                // An unknown boundary still limits: treat it as allowing nothing we can prove.
                None => out.missing.push(arn),
            }
        }
        out
    }
}

/// The request resource `*` stands for "every resource": only a `Resource: "*"`
/// statement covers it, and no `NotResource` statement does.
pub const EVERY_RESOURCE: &str = "*";

/// The request resource "some resource" (can the principal do this to anything?): any
/// Allow covers it, and only a Deny on every resource takes it away.
pub const SOME_RESOURCE: &str = "";

/// Request context values known offline; a condition on any other key stays undecided.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'c> {
    pub values: &'c [(&'c str, &'c str)],
    /// When the facts were collected: decides `aws:TokenIssueTime` tests against dates well
    /// in the past ([`token_issued_after`]).
    pub now: Option<DateTime<Utc>>,
}

impl Context<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| *v)
    }

    /// `pattern` with the policy variables the context knows (`${aws:username}`) filled in;
    /// an unknown variable stays as written and so matches no real resource.
    fn resolve<'p>(&self, pattern: &'p str) -> std::borrow::Cow<'p, str> {
        if !pattern.contains("${") {
            return std::borrow::Cow::Borrowed(pattern);
        }
        let mut out = pattern.to_string();
        for (key, value) in self.values {
            out = out.replace(&format!("${{{key}}}"), value);
        }
        std::borrow::Cow::Owned(out)
    }
}

/// Whether a statement's condition block holds in `ctx`. Its tests must all hold, so one
/// known test that fails decides `false` whatever the others; otherwise `None` when it
/// tests a key the context does not know or uses an operator decided only online.
pub fn condition_holds(conditions: &Conditions, ctx: &Context) -> Option<bool> {
    let mut undecided = false;
    for (operator, keys) in conditions {
        // Single-valued context keys: the set qualifiers and IfExists change nothing.
        let op = operator.trim_start_matches("ForAnyValue:").trim_start_matches("ForAllValues:");
        let if_exists = op.ends_with("IfExists");
        let op = op.strip_suffix("IfExists").unwrap_or(op);
        for (key, values) in keys {
            if key.eq_ignore_ascii_case("aws:TokenIssueTime") {
                match token_issued_after(op, values, ctx.now) {
                    Some(false) if !if_exists => return Some(false),
                    Some(true) => {}
                    _ => undecided = true,
                }
                continue;
            }
            let Some(value) = ctx.get(key) else {
                undecided = true;
                continue;
            };
            let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
            let holds = match op {
                "StringEquals" | "ArnEquals" => any(&|v| v == value),
                "StringNotEquals" | "ArnNotEquals" => !any(&|v| v == value),
                "StringEqualsIgnoreCase" => any(&|v| v.eq_ignore_ascii_case(value)),
                "StringNotEqualsIgnoreCase" => !any(&|v| v.eq_ignore_ascii_case(value)),
                "StringLike" | "ArnLike" => any(&|v| wildcard_match(v, value, false)),
                "StringNotLike" | "ArnNotLike" => !any(&|v| wildcard_match(v, value, false)),
                "Bool" => any(&|v| v.eq_ignore_ascii_case(value)),
                _ => {
                    undecided = true;
                    continue;
                }
            };
            if !holds {
                return Some(false);
            }
        }
    }
    if undecided { None } else { Some(true) }
}

/// How long a session issued before the facts were collected can still be in use: 36
/// hours, the longest `sts:GetSessionToken` allows.
const LONGEST_SESSION_HOURS: i64 = 36;

/// A `Date…` test on `aws:TokenIssueTime` whose dates all lie more than a session's
/// lifetime before `now`: every session in use was issued after them, so the test is
/// decided, and stays decided in every later scan. `None` for other operators, dates
/// nearer to `now` or in the future, or values that are no date.
fn token_issued_after(op: &str, values: &[String], now: Option<DateTime<Utc>>) -> Option<bool> {
    let oldest_session = now? - chrono::Duration::hours(LONGEST_SESSION_HOURS);
    let all_before = values.iter().all(|v| {
        let date = DateTime::parse_from_rfc3339(v)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| v.parse::<i64>().ok().and_then(|secs| DateTime::from_timestamp(secs, 0)));
        date.is_some_and(|d| d < oldest_session)
    });
    if values.is_empty() || !all_before {
        return None;
    }
    match op {
        "DateGreaterThan" | "DateGreaterThanEquals" | "DateNotEquals" => Some(true),
        "DateLessThan" | "DateLessThanEquals" | "DateEquals" => Some(false),
        _ => None,
    }
}

/// What a request names as its resource.
#[derive(Debug, Clone, Copy)]
pub enum Target<'r> {
    /// Every resource: only `Resource: "*"` covers it.
    Every,
    /// Some resource, any: every Allow covers it; only a Deny on `*` takes it away.
    Some,
    /// One resource ARN.
    Exact(&'r str),
    /// Any resource of a kind (`arn:aws:iam::123456789012:policy/*`): a statement covers it
    /// when its resource pattern can name such a resource (`*`, `arn:aws:iam::*:policy/*`,
    /// one policy of the account), but not `arn:aws:iam::aws:policy/*`.
    AnyOf(&'r str),
}

impl<'r> Target<'r> {
    fn of(resource: &'r str) -> Target<'r> {
        match resource {
            EVERY_RESOURCE => Target::Every,
            SOME_RESOURCE => Target::Some,
            exact => Target::Exact(exact),
        }
    }
}

fn applies(s: &Statement, action: &str, target: Target, ctx: &Context) -> bool {
    let action_ok = if s.is_not_action() {
        !s.not_action.iter().any(|p| wildcard_match(p, action, true))
    } else {
        s.action.iter().any(|p| wildcard_match(p, action, true))
    };
    if !action_ok {
        return false;
    }
    match target {
        Target::Some => s.effect == Effect::Allow || s.resource.iter().any(|r| r == "*"),
        Target::Every => s.resource.iter().any(|r| r == "*"),
        Target::Exact(resource) if !s.not_resource.is_empty() => {
            !s.not_resource.iter().any(|p| wildcard_match(p, resource, false))
        }
        Target::Exact(resource) => s.resource.iter().any(|p| wildcard_match(&ctx.resolve(p), resource, false)),
        // A Deny counts only where it covers the whole kind; an Allow wherever it may name one.
        Target::AnyOf(kind) if s.effect == Effect::Deny => s.resource.iter().any(|p| wildcard_match(p, kind, false)),
        Target::AnyOf(kind) if !s.not_resource.is_empty() => {
            !s.not_resource.iter().any(|p| wildcard_match(p, kind, false))
        }
        Target::AnyOf(kind) => {
            s.resource.iter().any(|p| wildcard_match(p, kind, false) || wildcard_match(kind, p, false))
        }
    }
}

/// How one applying statement counts in `ctx`: `None` when its condition is decided false.
fn weight(s: &Statement, ctx: &Context) -> Option<Decision> {
    if s.condition.is_empty() {
        return Some(Decision::Allowed);
    }
    match condition_holds(&s.condition, ctx) {
        Some(true) => Some(Decision::Allowed),
        Some(false) => None,
        None => Some(Decision::AllowedUnderCondition),
    }
}

fn decide<'d>(
    docs: impl Iterator<Item = &'d PolicyDocument> + Clone,
    action: &str,
    target: Target,
    ctx: &Context,
) -> Decision {
    let statements = || {
        docs.clone()
            .flat_map(|d| &d.statements)
            .filter(|s| applies(s, action, target, ctx))
            .filter_map(|s| Some((s, weight(s, ctx)?)))
    };
    if statements().any(|(s, w)| s.effect == Effect::Deny && w == Decision::Allowed) {
        return Decision::NotAllowed;
    }
    statements().filter(|(s, _)| s.effect == Effect::Allow).map(|(_, w)| w).max().unwrap_or(Decision::NotAllowed)
}

impl<'a> Policies<'a> {
    /// Whether `action` on `resource` is allowed, and by which policies. One pass over
    /// the identity statements: this runs for every action of every rule on every
    /// principal, on both sides of the diff.
    pub fn evaluate(&self, action: &str, resource: &str) -> (Decision, Vec<Source<'a>>) {
        self.evaluate_in(action, Target::of(resource), &Context::default())
    }

    /// [`Policies::evaluate`] for any [`Target`], deciding the conditions `ctx` can.
    pub fn evaluate_in(&self, action: &str, target: Target, ctx: &Context) -> (Decision, Vec<Source<'a>>) {
        let mut best = Decision::NotAllowed;
        let mut sources = Vec::new();
        for (name, doc) in &self.identity {
            let mut allows = false;
            for s in doc.statements.iter().filter(|s| applies(s, action, target, ctx)) {
                let Some(w) = weight(s, ctx) else { continue };
                match s.effect {
                    Effect::Deny if w == Decision::Allowed => return (Decision::NotAllowed, Vec::new()),
                    Effect::Deny => {}
                    Effect::Allow => {
                        allows = true;
                        best = best.max(w);
                    }
                }
            }
            if allows {
                sources.push(*name);
            }
        }
        let decision = match &self.boundary {
            Some((_, b)) if best != Decision::NotAllowed => best.min(decide(std::iter::once(*b), action, target, ctx)),
            _ => best,
        };
        if decision == Decision::NotAllowed {
            sources.clear();
        }
        (decision, sources)
    }

    /// The resource patterns of the Allow statements that grant `action` in `ctx` (a
    /// `NotResource` statement as `all but …`): what a grant scoped to named resources
    /// reaches.
    pub fn allowed_resources(&self, action: &str, ctx: &Context) -> Vec<String> {
        let mut out: Vec<String> = self
            .identity
            .iter()
            .flat_map(|(_, d)| &d.statements)
            .filter(|s| s.effect == Effect::Allow && applies(s, action, Target::Some, ctx) && weight(s, ctx).is_some())
            .flat_map(|s| {
                let not = (!s.not_resource.is_empty()).then(|| format!("all but {}", s.not_resource.join(", ")));
                s.resource.iter().map(|r| ctx.resolve(r).into_owned()).chain(not)
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// `action` on a resource whose own policy in the same account names this principal's
    /// ARN (a role trust policy naming a user or role): no identity policy needs to allow
    /// it, but an identity Deny still wins and a permissions boundary must allow it.
    pub fn evaluate_named(&self, action: &str, target: Target, ctx: &Context) -> (Decision, Vec<Source<'a>>) {
        let (decision, sources) = self.evaluate_in(action, target, ctx);
        if decision != Decision::NotAllowed {
            return (decision, sources);
        }
        let denied = self
            .identity
            .iter()
            .flat_map(|(_, d)| &d.statements)
            .filter(|s| s.effect == Effect::Deny && applies(s, action, target, ctx))
            .any(|s| weight(s, ctx) == Some(Decision::Allowed));
        match &self.boundary {
            _ if denied => (Decision::NotAllowed, Vec::new()),
            Some((_, b)) => (decide(std::iter::once(*b), action, target, ctx), Vec::new()),
            None => (Decision::Allowed, Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap()
    }

    #[test]
    fn groups_by_name_are_the_groups_group_by_name_finds() {
        let mut iam = crate::snapshot::iam::IamFacts::default();
        let group = |name: &str, path: &str| IamGroup { name: name.into(), path: path.into(), ..Default::default() };
        let groups = [
            ("arn:aws:iam::1:group/a/dev", group("dev", "/a/")),
            ("arn:aws:iam::1:group/b/dev", group("dev", "/b/")),
            ("arn:aws:iam::1:group/ops", group("ops", "/")),
            ("arn:aws:iam::1:group/x/ops", group("ops", "/x/")),
            ("arn:aws:iam::1:group/z/sec", group("sec", "/z/")),
        ];
        iam.groups = groups.into_iter().map(|(arn, g)| (arn.to_string(), g)).collect();
        let by_name = GroupsByName::of(&iam.groups);
        for name in ["dev", "ops", "sec", "none"] {
            let expected = iam.group_by_name(name).map(|(_, g)| g);
            assert!(by_name.get(name).map(std::ptr::from_ref) == expected.map(std::ptr::from_ref), "{name}");
        }
        assert_eq!(by_name.get("ops").map(|g| g.path.as_str()), Some("/"), "the group at path / first");
        assert_eq!(by_name.get("dev").map(|g| g.path.as_str()), Some("/a/"), "else the first by ARN");
    }

    #[test]
    fn allowed_services_are_a_necessary_condition_of_any_allow() {
        let of = |text: &str| {
            let d = doc(text);
            let p = Policies { identity: vec![(Source::Alone("p"), &d)], ..Policies::default() };
            let a = AllowedServices::of(&p);
            let answers = ["iam", "lambda", "s3"].map(|service| a.may_allow_service(service));
            // As bits over a list of services, the same answers.
            let bits = a.bits_of(&["iam".into(), "lambda".into(), "s3".into()]);
            assert_eq!(answers, [0, 1, 2].map(|i| bits & (1 << i) != 0));
            answers
        };
        assert_eq!(
            of(r#"{"Statement":[{"Effect":"Allow","Action":["IAM:Pass*","s3:Get*"],"Resource":"*"},
                {"Effect":"Deny","Action":"lambda:*","Resource":"*"}]}"#),
            [true, false, true]
        );
        for all in [
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"*:Get*","Resource":"*"}}"#,
        ] {
            assert_eq!(of(all), [true, true, true], "{all}");
        }
    }

    #[test]
    fn principals_compare_unchanged_exactly_when_their_documents_are_equal() {
        use crate::snapshot::{IamGroup, IamUser, ManagedPolicy};
        let (s3, iam) = (
            r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#,
        );
        let arn = |kind: &str, name: &str| format!("arn:aws:iam::{}:{kind}/{name}", crate::iam::testing::ACCOUNT);
        // One managed policy, one group's inline policy and one user's own, each held by a
        // user; `changed` names the one the current side changes.
        let facts = |changed: &str| {
            let mut facts = crate::iam::testing::account();
            let text = |which: &str| if which == changed { iam } else { s3 };
            let document = doc(text("managed"));
            facts
                .iam
                .policies
                .insert(arn("policy", "p"), ManagedPolicy { name: "p".into(), document, ..Default::default() });
            let inline =
                |which: &str| crate::snapshot::InlinePolicies::from_iter([("i".to_string(), doc(text(which)))]);
            facts.iam.groups.insert(
                arn("group", "g"),
                IamGroup { name: "g".into(), inline_policies: inline("group"), ..Default::default() },
            );
            for (name, user) in [
                ("attached", IamUser { attached_policies: vec![arn("policy", "p")], ..Default::default() }),
                ("member", IamUser { groups: vec!["g".into()], ..Default::default() }),
                ("own", IamUser { inline_policies: inline("own"), ..Default::default() }),
            ] {
                facts.iam.users.insert(arn("user", name), IamUser { name: name.into(), ..user });
            }
            facts
        };
        let unchanged = |changed: &str| {
            let (before, after) = (facts(""), facts(changed));
            let base = PolicyIndex::build(&before);
            let mut current = PolicyIndex::build(&after);
            current.compare_with(&base, (&before, &after));
            let found = current.unchanged.as_ref().unwrap();
            // The same answer as comparing every document.
            for (id, policies) in &current.policies {
                assert_eq!(found.contains(id), base.get(id).unwrap().same_as(policies), "{id}");
            }
            let mut names: Vec<String> = found.iter().map(|id| id.rsplit('/').next().unwrap().to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(unchanged(""), ["attached", "g", "member", "own"]);
        assert_eq!(unchanged("managed"), ["g", "member", "own"]);
        assert_eq!(unchanged("group"), ["attached", "own"]);
        assert_eq!(unchanged("own"), ["attached", "g", "member"]);
    }

    /// The condition block `text` as a statement carries it.
    fn cond(text: &str) -> Conditions {
        doc(&format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{text}}}}}"#
        ))
        .statements[0]
            .condition
            .clone()
    }

    fn eval(docs: &[&PolicyDocument], boundary: Option<&PolicyDocument>, action: &str, resource: &str) -> Decision {
        let p = Policies {
            identity: docs.iter().map(|d| (Source::Alone("p"), *d)).collect(),
            boundary: boundary.map(|b| ("b", b)),
            missing: vec![],
        };
        p.evaluate(action, resource).0
    }

    #[test]
    fn wildcards_match_actions_case_insensitively() {
        assert!(wildcard_match("iam:*", "IAM:CreateUser", true));
        assert!(wildcard_match("iam:Create*", "iam:createuser", true));
        assert!(wildcard_match("s3:Get?bject", "s3:GetObject", true));
        assert!(!wildcard_match("iam:Create*", "iam:DeleteUser", true));
        assert!(wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", false));
        assert!(!wildcard_match("arn:aws:s3:::B/*", "arn:aws:s3:::b/k", false));
    }

    #[test]
    fn explicit_deny_wins() {
        let allow = doc(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        let deny = doc(r#"{"Statement":{"Effect":"Deny","Action":"iam:*","Resource":"*"}}"#);
        assert_eq!(eval(&[&allow, &deny], None, "iam:CreateUser", "*"), Decision::NotAllowed);
        assert_eq!(eval(&[&allow, &deny], None, "s3:GetObject", "*"), Decision::Allowed);
    }

    #[test]
    fn not_action_allows_everything_else() {
        let d = doc(r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#);
        assert_eq!(eval(&[&d], None, "iam:AttachUserPolicy", "*"), Decision::NotAllowed);
        assert_eq!(eval(&[&d], None, "ec2:RunInstances", "*"), Decision::Allowed);
    }

    #[test]
    fn not_resource_never_covers_every_resource() {
        let d = doc(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}"#);
        assert_eq!(eval(&[&d], None, "s3:GetObject", "*"), Decision::NotAllowed);
        assert_eq!(eval(&[&d], None, "s3:GetObject", "arn:aws:s3:::public/x"), Decision::Allowed);
        assert_eq!(eval(&[&d], None, "s3:GetObject", "arn:aws:s3:::secret/x"), Decision::NotAllowed);
    }

    #[test]
    fn boundaries_intersect() {
        let admin = doc(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        let boundary = doc(r#"{"Statement":{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}}"#);
        assert_eq!(eval(&[&admin], Some(&boundary), "s3:GetObject", "*"), Decision::Allowed);
        assert_eq!(eval(&[&admin], Some(&boundary), "iam:CreateUser", "*"), Decision::NotAllowed);
    }

    #[test]
    fn conditions_are_kept_not_evaluated() {
        let allow = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
        );
        assert_eq!(eval(&[&allow], None, "iam:CreateUser", "*"), Decision::AllowedUnderCondition);
        let full = doc(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        let conditional_deny = doc(
            r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#,
        );
        assert_eq!(eval(&[&full, &conditional_deny], None, "iam:CreateUser", "*"), Decision::Allowed);
    }

    #[test]
    fn conditions_on_known_keys_are_decided_offline() {
        let lambda = [("iam:PassedToService", "lambda.amazonaws.com")];
        let ctx = Context { values: &lambda, now: None };
        assert_eq!(
            condition_holds(&cond(r#"{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}"#), &ctx),
            Some(true)
        );
        assert_eq!(
            condition_holds(
                &cond(r#"{"StringLike":{"iam:PassedToService":["dax.amazonaws.com","application-autoscaling.*"]}}"#),
                &ctx
            ),
            Some(false)
        );
        assert_eq!(
            condition_holds(&cond(r#"{"ForAnyValue:StringLike":{"iam:passedtoservice":"*.amazonaws.com"}}"#), &ctx),
            Some(true)
        );
        assert_eq!(
            condition_holds(
                &cond(r#"{"StringNotEqualsIfExists":{"iam:PassedToService":"lambda.amazonaws.com"}}"#),
                &ctx
            ),
            Some(false)
        );
        // Another key, or an operator only AWS can decide: undecided.
        assert_eq!(
            condition_holds(
                &cond(r#"{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com","aws:SourceIp":"1.2.3.4"}}"#),
                &ctx
            ),
            None
        );
        assert_eq!(condition_holds(&cond(r#"{"NumericLessThan":{"iam:PassedToService":"3"}}"#), &ctx), None);
        // Decided false: the statement does not apply; decided true: as if unconditional.
        let d = doc(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"dax.amazonaws.com"}}}]}"#,
        );
        let p = Policies { identity: vec![(Source::Alone("p"), &d)], ..Policies::default() };
        assert_eq!(p.evaluate_in("iam:PassRole", Target::Some, &ctx).0, Decision::NotAllowed);
        assert_eq!(p.evaluate("iam:PassRole", SOME_RESOURCE).0, Decision::AllowedUnderCondition);
    }

    #[test]
    fn a_kind_of_resource_is_covered_by_patterns_that_can_name_one() {
        let kind = "arn:aws:iam::123456789012:policy/*";
        let on = |resource: &str| {
            let d = doc(&format!(
                r#"{{"Statement":{{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"{resource}"}}}}"#
            ));
            let p = Policies { identity: vec![(Source::Alone("p"), &d)], ..Policies::default() };
            p.evaluate_in("iam:CreatePolicyVersion", Target::AnyOf(kind), &Context::default()).0
        };
        assert_eq!(on("*"), Decision::Allowed);
        assert_eq!(on("arn:aws:iam::*:policy/*"), Decision::Allowed);
        assert_eq!(on("arn:aws:iam::123456789012:policy/app-*"), Decision::Allowed);
        assert_eq!(on("arn:aws:iam::aws:policy/*"), Decision::NotAllowed);
        assert_eq!(on("arn:aws:iam::aws:policy/service-role/AWSLambdaRole"), Decision::NotAllowed);
    }

    #[test]
    fn token_issue_time_tests_against_old_dates_are_decided() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z").unwrap().with_timezone(&Utc);
        let ctx = Context { values: &[], now: Some(now) };
        let holds = |test: &str| condition_holds(&cond(test), &ctx);
        // Every session in use was issued after 2020: "after" holds, "before" never does.
        assert_eq!(holds(r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#), Some(true));
        assert_eq!(holds(r#"{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#), Some(false));
        assert_eq!(holds(r#"{"DateLessThan":{"aws:TokenIssueTime":"1577836801"}}"#), Some(false));
        // A session issued yesterday may still be in use: undecided, as are future dates.
        assert_eq!(holds(r#"{"DateLessThan":{"aws:TokenIssueTime":"2026-11-29T12:00:00Z"}}"#), None);
        assert_eq!(holds(r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2027-01-01T00:00:00Z"}}"#), None);
        // IfExists: long-term access keys have no token issue time, so the test may hold.
        assert_eq!(holds(r#"{"DateLessThanIfExists":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#), None);
        // Without the collection time nothing is decided.
        assert_eq!(
            condition_holds(
                &cond(r#"{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#),
                &Context::default()
            ),
            None
        );
    }

    #[test]
    fn a_trust_policy_naming_the_principal_needs_no_identity_allow_but_a_deny_or_boundary_still_counts() {
        let role = "arn:aws:iam::123456789012:role/admin";
        let ask = |p: &Policies| p.evaluate_named("sts:AssumeRole", Target::Exact(role), &Context::default()).0;
        assert_eq!(ask(&Policies::default()), Decision::Allowed);
        let deny = doc(r#"{"Statement":{"Effect":"Deny","Action":"sts:*","Resource":"*"}}"#);
        assert_eq!(
            ask(&Policies { identity: vec![(Source::Alone("p"), &deny)], ..Policies::default() }),
            Decision::NotAllowed
        );
        let boundary = doc(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#);
        let bounded = Policies { boundary: Some(("b", &boundary)), ..Policies::default() };
        assert_eq!(ask(&bounded), Decision::NotAllowed);
        // The ordinary evaluation still needs an identity allow.
        assert_eq!(
            Policies::default().evaluate_in("sts:AssumeRole", Target::Exact(role), &Context::default()).0,
            Decision::NotAllowed
        );
    }
}
