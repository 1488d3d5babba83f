//! `driftscan access-review`: the quarterly review of every IAM principal of one account or
//! many (a snapshot directory, `--org`), from `driftscan_core::access_review`.

use driftscan_core::access_review;
use driftscan_core::error::Result;
use driftscan_core::output::write_atomic;

use super::{Ui, accounts, exit, load_current, print};
use crate::cli::{AccessReviewArgs, ReviewFormat};

pub fn run(args: AccessReviewArgs, ui: Ui) -> Result<u8> {
    let format = args.format.unwrap_or_else(|| match &args.output {
        Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm")) => {
            ReviewFormat::Html
        }
        _ => ReviewFormat::Csv,
    });
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    if accounts::many(&args.source) {
        accounts::for_each(&args.source, ui, &mut |arrival| {
            match arrival.snapshot {
                Ok(snapshot) => rows.extend(access_review::review(&snapshot)),
                Err(error) => {
                    // Never a silent hole in the review: on stderr, in the page, and exit 3.
                    eprintln!("account {} FAILED, not reviewed: {error}", arrival.account_id);
                    failed.push((arrival.account_id, error));
                }
            }
            Ok(())
        })?;
        rows.sort_by(|a, b| (a.risk, &a.account_id, a.kind, &a.name).cmp(&(b.risk, &b.account_id, b.kind, &b.name)));
    } else {
        rows = access_review::review(&load_current(&args.source, ui)?);
    }
    let text = match format {
        ReviewFormat::Csv => access_review::csv(&rows)?,
        ReviewFormat::Html => access_review::html(&rows, &failed),
    };
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => print(&text)?,
    }
    Ok(if failed.is_empty() { exit::OK } else { exit::INCOMPLETE })
}
