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

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
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
/// account's part; JSON and SARIF in pieces of [`PIECE`] bytes), so that no more than one
/// account's report is ever held in memory.
pub type Sink<'a> = dyn FnMut(&str) -> crate::error::Result<()> + 'a;

/// The first error of driftscan's own (an account read back, the sink) met while serde_json
/// writes a streamed report: serde_json's error carries only a message, so the error itself
/// waits here and is returned instead.
#[derive(Default)]
struct Failure(std::cell::RefCell<Option<crate::error::Error>>);

impl Failure {
    /// Keeps `error` (unless an earlier one is kept) and gives its message, for serde's error.
    fn keep(&self, error: crate::error::Error) -> String {
        let message = error.to_string();
        self.0.borrow_mut().get_or_insert(error);
        message
    }

    /// The error that made serde_json fail with `error`.
    fn take(&self, error: std::io::Error) -> crate::error::Error {
        // serde_json fails only when a part it was streaming failed first (what driftscan
        // reports always serializes); should that ever not hold, it is still an error, not
        // a panic.
        self.0.take().unwrap_or_else(|| crate::error::Error::io("<report>", error))
    }
}

/// Text handed to a sink at a time: large enough that the sink (a file, stdout) is called
/// rarely, small enough that a report is never held whole.
const PIECE: usize = 1 << 16;

/// `doc` pretty-printed and a line break, written into `sink` in pieces of about [`PIECE`]
/// bytes as serde_json writes it: the text of the whole document printed at once, held
/// never more than a piece at a time. `failure` is the one `doc`'s streamed parts keep
/// their errors in.
fn write_pretty(doc: &impl serde::Serialize, failure: &Failure, sink: &mut Sink) -> crate::error::Result<()> {
    use std::io::Write;
    let mut out = SinkWriter { sink, pending: Vec::with_capacity(2 * PIECE), failure };
    serde_json::to_writer_pretty(&mut out, doc)
        .map_err(std::io::Error::from)
        .and_then(|()| {
            out.write_all(b"\n")?;
            out.flush()
        })
        .map_err(|e| failure.take(e))
}

/// serde_json's writer for [`write_pretty`]: it passes the text on to the sink once a piece
/// has gathered, cut after a whole character (a sink takes `str`; serde_json writes bytes).
struct SinkWriter<'s, 'a> {
    sink: &'s mut Sink<'a>,
    pending: Vec<u8>,
    failure: &'s Failure,
}

impl SinkWriter<'_, '_> {
    fn pass_on(&mut self) -> std::io::Result<()> {
        let text = match std::str::from_utf8(&self.pending) {
            Ok(text) => text,
            // A character cut by the end of what was written so far: its bytes wait for the rest.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&self.pending[..e.valid_up_to()]).expect("UTF-8 up to there")
            }
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        let passed = text.len();
        (self.sink)(text).map_err(|e| std::io::Error::other(self.failure.keep(e)))?;
        self.pending.drain(..passed);
        Ok(())
    }
}

impl std::io::Write for SinkWriter<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= PIECE {
            self.pass_on()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.pass_on()
    }
}

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
                return Err(crate::error::Error::SarifNeedsFiles {
                    accounts: org.accounts.len(),
                    files: files.len(),
                    runs_per_file: sarif::limits::RUNS_PER_FILE,
                    gzip_mb: sarif::limits::GZIP_BYTES / (1024 * 1024),
                });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_cut_at_the_end_of_a_piece_waits_for_its_last_bytes() {
        use std::io::Write;
        let mut pieces = Vec::new();
        let failure = Failure::default();
        let mut sink = |piece: &str| {
            pieces.push(piece.to_string());
            Ok(())
        };
        let mut out = SinkWriter { sink: &mut sink, pending: Vec::new(), failure: &failure };
        let text = format!("{}é", "a".repeat(PIECE - 1));
        out.write_all(&text.as_bytes()[..PIECE]).unwrap();
        out.write_all(&text.as_bytes()[PIECE..]).unwrap();
        out.flush().unwrap();
        assert_eq!(pieces, ["a".repeat(PIECE - 1), "é".to_string()]);
    }
}
