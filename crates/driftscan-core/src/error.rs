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
    /// Bad input that is not tied to a file (a command-line value, say).
    #[error("{0}")]
    Usage(String),
    /// The account could not be read at all (no credentials, STS unreachable): nothing
    /// can be reported, which is an incomplete collection, not bad input.
    #[error("{0}")]
    Collection(String),
}

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
