//! One emitter per output format; none of them knows about AWS.

pub mod html;
pub mod json;
pub mod markdown;
pub mod org;
pub mod sarif;
pub mod text;

use crate::diff::ResourceDiff;
use crate::findings::ScanResult;
use crate::rules::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// A summary for `$GITHUB_STEP_SUMMARY` and pull-request comments.
    Markdown,
    /// One self-contained page with filters, SOC 2 criteria and the drift diff.
    Html,
}

/// Renders `result` in `format`. `color` applies to text only; `diffs` feed the drift
/// section of the Markdown summary.
pub fn render(format: Format, result: &ScanResult, rules: &[Rule], diffs: &[ResourceDiff], color: bool) -> String {
    match format {
        Format::Markdown => markdown::render(result, diffs),
        Format::Html => html::render(result, rules, diffs),
        Format::Text => text::render(result, color),
        Format::Json => json::render(result),
        Format::Sarif => sarif::render(result, rules),
    }
}

/// Where a report of many accounts goes, one piece at a time (the summary, then each
/// account's part), so that no more than one account's report is ever held in memory.
pub type Sink<'a> = dyn FnMut(&str) -> crate::error::Result<()> + 'a;

/// Renders several accounts (an organization) in `format` into `sink`: the organization
/// summary, then each account. SARIF that needs more than one file (over 20 accounts, or
/// 10 MB) is an error here, before anything is written: [`sarif::OrgFiles`] gives the
/// files, for `--sarif-dir`.
pub fn render_org(
    format: Format,
    org: &crate::org::OrgResult,
    rules: &[Rule],
    color: bool,
    sink: &mut Sink,
) -> crate::error::Result<()> {
    match format {
        Format::Markdown => org::markdown(org, sink),
        Format::Html => org::html(org, rules, sink),
        Format::Text => org::text(org, color, sink),
        Format::Json => json::render_org(org, None, sink),
        Format::Sarif => {
            let files = sarif::OrgFiles::plan(org, rules)?;
            if files.len() > 1 {
                return Err(crate::error::Error::Usage(format!(
                    "the SARIF of these {} accounts needs {} files (GitHub takes {} runs and {} MB gzipped per file): \
                     write them with --sarif-dir DIR",
                    org.accounts.len(),
                    files.len(),
                    sarif::limits::RUNS_PER_FILE,
                    sarif::limits::GZIP_BYTES / (1024 * 1024)
                )));
            }
            files.write(0, sink)
        }
    }
}

/// [`render_org`] into a string (tests, small organizations).
pub fn render_org_string(
    format: Format,
    org: &crate::org::OrgResult,
    rules: &[Rule],
    color: bool,
) -> crate::error::Result<String> {
    let mut out = String::new();
    render_org(format, org, rules, color, &mut |piece| {
        out.push_str(piece);
        Ok(())
    })?;
    Ok(out)
}
