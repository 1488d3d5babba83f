//! What identifies a scan in its JSON report (`scan`, README § JSON report): an id, the
//! digest of the rule set, the git commit of the baselines and the options that change the
//! result. Evidence built from many reports needs them to say which rules and which
//! approved state each day was checked against, and to tell a fix from an accepted change.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `scan` object of a JSON report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanInfo {
    /// Derived from what the scan read and how (accounts and their scan times, rules,
    /// baselines commit, options): the same inputs give the same id, so reports stay
    /// byte-for-byte reproducible.
    pub id: String,
    /// `sha256:` of every rule file's path and text, built-in and `--rules`.
    pub rules_digest: String,
    pub baselines: BaselinesInfo,
    pub options: ScanOptions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselinesInfo {
    /// The `--baselines` directory as given.
    pub path: String,
    /// `HEAD` of the git work tree holding it; `None` when it is not in one (or git is absent).
    pub commit: Option<String>,
    /// Whether the directory had uncommitted changes (`None` without git).
    pub dirty: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanOptions {
    /// The regions asked for (`--region`); empty means the configured default (or a snapshot's own).
    pub regions: Vec<String>,
    /// `--fail-on`.
    pub fail_on: String,
    /// `--no-baseline`.
    #[serde(default)]
    pub no_baseline: bool,
}

impl ScanInfo {
    /// `accounts`: each scanned account with its scan time (RFC 3339).
    pub fn new(
        accounts: &[(String, String)],
        rules_digest: String,
        baselines: BaselinesInfo,
        options: ScanOptions,
    ) -> Self {
        let mut h = Sha256::new();
        for (id, at) in accounts {
            h.update(format!("{id}\u{1f}{at}\u{1e}"));
        }
        h.update(crate::VERSION);
        h.update(&rules_digest);
        h.update(serde_json::to_string(&baselines).expect("serializes"));
        h.update(serde_json::to_string(&options).expect("serializes"));
        let id = hex(&h.finalize())[..32].to_string();
        ScanInfo { id, rules_digest, baselines, options }
    }
}

/// A report's time format.
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The digest of a rule set given as (path, text) pairs, order-independent.
pub fn rules_digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut files: Vec<(&str, &str)> = files.into_iter().collect();
    files.sort();
    let mut h = Sha256::new();
    for (path, text) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    format!("sha256:{}", hex(&h.finalize()))
}

/// The git state of the baselines directory. Not being in a git work tree (or having no
/// git) is not an error for a scan: the fields stay empty.
pub fn baselines_info(dir: &Path) -> BaselinesInfo {
    let path = dir.display().to_string();
    let git = |args: &[&str]| -> Option<String> {
        // A directory that does not exist yet (a first `--no-baseline` scan) has no commit.
        let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if !dir.is_dir() || git(&["rev-parse", "--is-inside-work-tree"]).as_deref() != Some("true") {
        return BaselinesInfo { path, commit: None, dirty: None };
    }
    let commit = git(&["rev-parse", "--verify", "-q", "HEAD"]).filter(|c| !c.is_empty());
    let dirty = git(&["status", "--porcelain", "--untracked-files=all", "--", "."]).map(|s| !s.is_empty());
    BaselinesInfo { path, commit, dirty }
}
