use std::path::PathBuf;

/// Every failure the library reports. Each one names the file (and the line where one
/// applies) so that the CLI can print a single `file:line: message` and exit 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Bad content in an input file, at a known position (line 0 = position unknown).
    #[error("{}", fmt_at(path, *line, *column, message))]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
    /// A request that cannot be carried out, in the words of the program that made it
    /// (the `driftscan` command's flags); the library itself reports by cause below.
    #[error("{0}")]
    Usage(String),
    /// The account could not be read at all (no credentials, STS unreachable): nothing
    /// can be reported, which is an incomplete collection, not bad input.
    #[error("{0}")]
    Collection(String),
    #[error("source root {}: not a directory", path.display())]
    SourceRootNotDirectory { path: PathBuf },
    /// A file a report points at (a baseline) lies outside the root its locations are
    /// relative to: no repository-relative location exists for it.
    #[error("{} is outside {}, the root that report locations are relative to", path.display(), root.display())]
    OutsideSourceRoot { path: PathBuf, root: PathBuf },
    /// An organization's SARIF is more than GitHub takes in one file (`runs_per_file`
    /// runs, `gzip_mb` MB gzipped).
    #[error(
        "the SARIF of these {accounts} accounts needs {files} files (GitHub takes {runs_per_file} runs and {gzip_mb} MB gzipped per file)"
    )]
    SarifNeedsFiles { accounts: usize, files: usize, runs_per_file: usize, gzip_mb: usize },
    /// An evidence period that ends before it starts.
    #[error("the period starts {from}, after its end {to}")]
    PeriodReversed { from: chrono::NaiveDate, to: chrono::NaiveDate },
    #[error("{}: no report files in this directory", dir.display())]
    NoReportFiles { dir: PathBuf },
    #[error("{}: none of its files is a driftscan JSON report", dir.display())]
    NoDriftscanReports { dir: PathBuf },
    #[error("the baseline change trail is read with git, which could not be run ({source}); install git")]
    GitUnavailable {
        #[source]
        source: std::io::Error,
    },
    /// `detail` is git's own explanation.
    #[error("{}: not in a git work tree ({detail}); evidence needs the baselines' git history", dir.display())]
    NotAGitWorkTree { dir: PathBuf, detail: String },
    #[error("{command} failed in {}: {stderr}", dir.display())]
    GitFailed { command: String, dir: PathBuf, stderr: String },
    #[error("git log gave an unreadable date `{date}`: {source}")]
    GitDate {
        date: String,
        #[source]
        source: chrono::ParseError,
    },
    /// A CSV table could not be written (`table` names it: `access review`, a file name).
    #[error("{table}: {source}")]
    Csv {
        table: String,
        #[source]
        source: csv::Error,
    },
    /// A stage that owns a built-in rule (exceptions and their expiry) did not find it.
    #[error("the built-in catalog lacks {id}")]
    MissingBuiltinRule { id: String },
    /// A named AWS profile that gives no credentials; `detail` is the SDK's explanation.
    #[error(
        "profile `{profile}` gives no credentials (is it defined in the AWS config or credentials file?): {detail}"
    )]
    ProfileWithoutCredentials { profile: String, detail: String },
    /// The organization's accounts could not be listed; `detail` is the SDK's explanation.
    #[error("cannot list the organization's accounts ({detail}): reading an organization needs {ORG_LISTING_NEEDS}")]
    OrganizationNotListed { detail: String },
}

/// What listing an organization's accounts takes (the fix [`Error::OrganizationNotListed`] names).
pub const ORG_LISTING_NEEDS: &str = "the credentials of the organization's management account or of a delegated \
administrator, allowed organizations:ListAccounts (docs/iam-policy-org.json)";

fn fmt_at(path: &std::path::Path, line: usize, column: usize, message: &str) -> String {
    match (line, column) {
        (0, _) => format!("{}: {message}", path.display()),
        (l, 0) => format!("{}:{l}: {message}", path.display()),
        (l, c) => format!("{}:{l}:{c}: {message}", path.display()),
    }
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    pub fn invalid(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Invalid { path: path.into(), line, column: 0, message: message.into() }
    }

    /// Wraps a serde_json error, keeping its line and column.
    pub fn json(path: impl Into<PathBuf>, err: &serde_json::Error) -> Self {
        Error::json_within(path, err, (1, 1))
    }

    /// Wraps a serde_json error in a value that starts at `(line, column)` of the file
    /// (serde_json counts from the start of the text it was given).
    pub fn json_within(path: impl Into<PathBuf>, err: &serde_json::Error, (line, column): (usize, usize)) -> Self {
        // serde_json appends " at line L column C"; the position is printed in front instead.
        let text = err.to_string();
        let mut message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        // chrono's parse errors do not say what was being parsed.
        const DATE_ERRORS: [&str; 6] = [
            "input is out of range",
            "no possible date and time matching input",
            "input is not enough for unique date and time",
            "input contains invalid characters",
            "premature end of input",
            "trailing input",
        ];
        if DATE_ERRORS.contains(&message.as_str()) {
            message = format!("invalid date-time ({message}); expected RFC 3339, e.g. 2026-11-22T02:00:00Z");
        }
        // serde's derive calls a struct's repeated key a duplicate field; maps say key.
        if let Some(field) = message.strip_prefix("duplicate field ") {
            message = format!("duplicate key {field}");
        }
        let (at_line, at_column) = match err.line() {
            0 => (0, 0),
            1 => (line, column - 1 + err.column()),
            n => (line - 1 + n, err.column()),
        };
        Error::Invalid { path: path.into(), line: at_line, column: at_column, message }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
