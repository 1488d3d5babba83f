//! Tests about the catalog as a whole: every category covered, every rule documented
//! and mapped to SOC 2, and `docs/rules.md` generated from the rule files (bless with
//! `DRIFTSCAN_BLESS=1 cargo test --test integration catalog`).

use driftscan_core::VariantArray;
use std::collections::BTreeSet;

use crate::common::*;
use driftscan_core::findings::Category;
use driftscan_core::rules::{Rule, load_catalog};

fn catalog() -> Vec<Rule> {
    load_catalog(&[]).expect("the built-in catalog loads")
}

#[test]
fn every_category_has_rules_and_every_rule_is_documented() {
    let rules = catalog();
    assert!(rules.len() >= 35, "{} rules", rules.len());
    let categories: BTreeSet<&str> = rules.iter().map(|r| r.category.as_str()).collect();
    for c in ["privilege-creep", "mfa-gap", "encryption-drift", "public-exposure", "config-drift"] {
        assert!(categories.contains(c), "no rule in {c}");
    }
    for r in &rules {
        for (what, text) in [
            ("description", &r.description),
            ("rationale", &r.rationale),
            ("remediation", &r.remediation),
            ("help", &r.help),
        ] {
            assert!(text.trim().len() >= 20, "{}: {what} is too thin", r.id);
        }
        assert!(!r.soc2.is_empty(), "{}: no SOC 2 criterion", r.id);
        assert!(r.path.starts_with(&format!("rules/{}/", r.category.as_str())), "{} lives in {}", r.id, r.path);
        assert!(r.severity.security_severity_band().contains(&r.security_severity), "{}", r.id);
    }
}

#[test]
fn the_brief_criteria_are_all_used() {
    let used: BTreeSet<String> = catalog().iter().flat_map(|r| r.soc2.clone()).collect();
    for c in ["CC6.1", "CC6.3", "CC6.7", "CC7.1", "CC8.1"] {
        assert!(used.contains(c), "no rule supports {c}");
    }
}

/// The rule reference, as Markdown: one section per rule, grouped by category.
fn render_docs(rules: &[Rule]) -> String {
    let mut out = String::from(
        "# driftscan rule reference\n\n<!-- Generated from rules/**/*.toml by tests/catalog.rs; do not edit. -->\n\n\
         Each rule lives in `rules/<category>/<ID>.toml` with its pass and fail cases in `<ID>.cases.json`.\n\
         `driftscan rules explain ID` prints the same text.\n\n| Rule | Severity | SOC 2 | Title |\n|---|---|---|---|\n",
    );
    for r in rules {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} |\n",
            r.id,
            r.id.to_lowercase(),
            r.severity.as_str(),
            r.soc2.join(", "),
            r.title
        ));
    }
    for &category in Category::VARIANTS {
        out.push_str(&format!("\n## {}\n", category.as_str()));
        for r in rules.iter().filter(|r| r.category == category) {
            out.push_str(&format!(
                "\n### {}\n\n**{}** · severity {} (security-severity {:.1}) · SOC 2: {} · resource types: {}\n\n{}\n\n**Why it matters.** {}\n\n**Remediation.** {}\n\n{}\n",
                r.id,
                r.title,
                r.severity.as_str(),
                r.security_severity,
                r.soc2.join(", "),
                r.resource_types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
                r.description.trim(),
                r.rationale.trim(),
                r.remediation.trim(),
                r.help.trim(),
            ));
        }
    }
    out.push_str(
        "\n## Analyzers\n\nWhat a rule's `analyzer = \"…\"` may name (`crates/driftscan-core/src/rules/analyzers/registry.rs`). \
         A *state* analyzer reports what is wrong now, and a finding says whether it was already so at the baseline; \
         a *drift* analyzer reports what changed for the worse since the baseline.\n\n\
         | Analyzer | Kind | Resource types | Parameters | Finds |\n|---|---|---|---|---|\n",
    );
    for spec in driftscan_core::rules::analyzers::ANALYZERS {
        let types = match spec.applies_to {
            Some(types) => types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
            None => "any".to_string(),
        };
        let params: Vec<String> = spec.params.iter().map(|p| format!("`{p}`")).collect();
        let formerly = match spec.aliases {
            [] => String::new(),
            names => format!(" (formerly {})", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
        };
        out.push_str(&format!(
            "| `{}`{formerly} | {} | {types} | {} | {} |\n",
            spec.name,
            spec.kind.as_str(),
            params.join(", "),
            spec.summary
        ));
    }
    out.push_str(
        "\n## Privilege-escalation methods (DS-IAM-004)\n\nThe catalog DS-IAM-004 evaluates \
         (`crates/driftscan-core/src/iam/escalation.toml`). All actions of a method are needed; \
         *on* says where an action must be allowed when it is not just anywhere.\n\n\
         | Method | Actions | Passes a role to | What it gives | References |\n|---|---|---|---|---|\n",
    );
    for m in driftscan_core::iam::escalation::methods() {
        let actions: Vec<String> = m
            .actions
            .iter()
            .map(|a| match m.on.get(a) {
                Some(on) => {
                    format!("`{a}` (on {})", on.shown())
                }
                None => format!("`{a}`"),
            })
            .collect();
        let references: Vec<String> =
            m.references.iter().enumerate().map(|(i, r)| format!("[{}]({r})", i + 1)).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            m.id,
            actions.join(" + "),
            m.pass_role_to.as_deref().map(|s| format!("`{s}`")).unwrap_or_default(),
            m.title,
            references.join(" "),
        ));
    }
    out
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let fresh = render_docs(&catalog());
    let path = repo().join("docs/rules.md");
    if std::env::var_os("DRIFTSCAN_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/rules.md is stale: run `DRIFTSCAN_BLESS=1 cargo test --test integration catalog`"
    );
}
