//! `driftscan org plan` (the accounts of each shard) and `driftscan report merge` (shard
//! reports into one organization report).

use std::collections::BTreeMap;
use std::fmt::Write;

use driftscan_core::error::{Error, Result};
use driftscan_core::org::{OrgResult, shard_of};
use driftscan_core::report::{self, Format};

use super::{Ui, accounts, exit, print, write_streamed};
use crate::cli::{OrgPlanArgs, PlanFormat, ReportMergeArgs};

pub fn plan(args: OrgPlanArgs, ui: Ui) -> Result<u8> {
    if args.source.org.shard.is_some() {
        return Err(Error::Usage("`org plan` prints every shard; --shard selects one for `scan`".into()));
    }
    let listed = accounts::list(&args.source, ui)?;
    let n = args.shards;
    let mut shards: BTreeMap<u32, Vec<(String, Option<String>)>> = (1..=n).map(|k| (k, Vec::new())).collect();
    for (id, name) in listed {
        shards.entry(shard_of(&id, n) + 1).or_default().push((id, name));
    }
    let text = match args.format {
        PlanFormat::Text => {
            let mut out = String::new();
            for (k, accounts) in &shards {
                let shown: Vec<String> = accounts
                    .iter()
                    .map(|(id, name)| name.as_ref().map_or(id.clone(), |n| format!("{id} ({n})")))
                    .collect();
                let _ = writeln!(out, "shard {k}/{n}: {} accounts: {}", accounts.len(), shown.join(", "));
            }
            out
        }
        PlanFormat::Json => {
            let rows: Vec<serde_json::Value> = shards
                .iter()
                .flat_map(|(k, accounts)| {
                    accounts.iter().map(move |(id, name)| {
                        serde_json::json!({"shard": format!("{k}/{n}"), "account_id": id, "name": name})
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&serde_json::json!({"shards": n, "accounts": rows})).expect("json")
            )
        }
        PlanFormat::GithubMatrix => {
            let include: Vec<serde_json::Value> = shards
                .iter()
                .filter(|(_, accounts)| !accounts.is_empty())
                .map(|(k, accounts)| serde_json::json!({"shard": format!("{k}/{n}"), "accounts": accounts.len()}))
                .collect();
            format!("{}\n", serde_json::json!({ "include": include }))
        }
    };
    print(&text)?;
    Ok(exit::OK)
}

pub fn merge(args: ReportMergeArgs) -> Result<u8> {
    if args.format == Format::Sarif {
        return Err(Error::Usage(
            "`report merge` combines JSON reports; SARIF is uploaded per shard (one run per account)".into(),
        ));
    }
    let mut all = Vec::new();
    let mut from: BTreeMap<String, String> = BTreeMap::new();
    for path in &args.reports {
        let text = driftscan_core::json_lines::read_text(path)?;
        for account in report::json::parse(path, &text)? {
            if let Some(first) = from.insert(account.account_id.clone(), path.display().to_string()) {
                return Err(Error::invalid(
                    path,
                    1,
                    format!(
                        "account {} is also in {first}: the reports overlap (shards of different plans?)",
                        account.account_id
                    ),
                ));
            }
            all.push(account);
        }
    }
    let org = OrgResult::new(all)?;
    write_streamed(args.output.as_deref(), |sink| report::render_org(args.format, &org, &[], false, sink))?;
    Ok(exit::OK)
}
