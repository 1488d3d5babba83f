//! One emitter per output format; none of them knows about AWS.

pub mod json;
pub mod sarif;
pub mod text;

use crate::findings::ScanResult;
use crate::rules::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// Renders `result` in `format`. `color` applies to text only.
pub fn render(format: Format, result: &ScanResult, rules: &[Rule], color: bool) -> String {
    match format {
        Format::Text => text::render(result, color),
        Format::Json => json::render(result),
        Format::Sarif => sarif::render(result, rules),
    }
}
