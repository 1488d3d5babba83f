//! One emitter per output format; none of them knows about AWS.

pub mod html;
pub mod json;
pub mod markdown;
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
