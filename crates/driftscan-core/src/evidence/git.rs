//! The baselines' history, read with the `git` command (a library would add a large
//! dependency for two `git log` calls): the change trail of the period (SOC 2 CC8.1) and,
//! between two scans, the commit that accepted a change into an account's baseline.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Error, Result};

/// One commit that changed the baselines.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    pub id: String,
    pub author: String,
    pub email: String,
    pub date: DateTime<Utc>,
    pub subject: String,
    /// Files it changed under the baselines directory, relative to the work tree root.
    pub files: Vec<String>,
}

/// The git work tree holding the baselines directory.
#[derive(Debug)]
pub struct Repo {
    top: PathBuf,
    /// The baselines directory relative to `top`, with a trailing `/` (empty at the root).
    prefix: String,
    cache: HashMap<(String, String, String), Option<Commit>>,
}

const FORMAT: &str = "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s";

impl Repo {
    /// Fails with what to do when git is missing or `baselines` is not in a work tree.
    pub fn open(baselines: &Path) -> Result<Repo> {
        let run = |arg: &str| -> Result<String> {
            let out = Command::new("git")
                .arg("-C")
                .arg(baselines)
                .args(["rev-parse", arg])
                .output()
                .map_err(|source| Error::GitUnavailable { source })?;
            if !out.status.success() {
                return Err(Error::NotAGitWorkTree {
                    dir: baselines.to_path_buf(),
                    detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                });
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').to_string())
        };
        let top = PathBuf::from(run("--show-toplevel")?);
        let prefix = run("--show-prefix")?;
        Ok(Repo { top, prefix, cache: HashMap::new() })
    }

    /// The baselines directory of `account`, relative to the work tree root.
    pub fn account_dir(&self, account: &str) -> String {
        format!("{}{account}/", self.prefix)
    }

    fn log(&self, args: &[&str]) -> Result<Vec<Commit>> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["-c", "core.quotepath=off", "log", "--no-renames", "--name-only", FORMAT])
            .args(args)
            .output()
            .map_err(|source| Error::GitUnavailable { source })?;
        if !out.status.success() {
            return Err(Error::GitFailed {
                command: format!("git log {}", args.join(" ")),
                dir: self.top.clone(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut commits = Vec::new();
        for record in text.split('\x1e').filter(|r| !r.trim().is_empty()) {
            let mut lines = record.lines();
            let head: Vec<&str> = lines.next().unwrap_or_default().split('\x1f').collect();
            let [id, author, email, date, subject] = head[..] else { continue };
            let date = DateTime::parse_from_rfc3339(date)
                .map_err(|source| Error::GitDate { date: date.to_string(), source })?
                .with_timezone(&Utc);
            commits.push(Commit {
                id: id.into(),
                author: author.into(),
                email: email.into(),
                date,
                subject: subject.into(),
                files: lines.filter(|l| !l.is_empty()).map(str::to_string).collect(),
            });
        }
        Ok(commits)
    }

    /// Every commit authored in `[from, to]` that changed the baselines directory, oldest first.
    pub fn trail(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Commit>> {
        let dir = if self.prefix.is_empty() { ".".to_string() } else { self.prefix.clone() };
        let mut commits = self.log(&["--", &dir])?;
        commits.retain(|c| (from..=to).contains(&c.date.date_naive()));
        commits.reverse();
        Ok(commits)
    }

    /// The latest commit after `old` up to `new` that changed `path` (a file or a
    /// directory with a trailing `/`, relative to the work tree root), ignoring exception
    /// files: those suppress findings, they do not accept a state.
    pub fn changed_between(&mut self, old: &str, new: &str, path: &str) -> Result<Option<Commit>> {
        let key = (old.to_string(), new.to_string(), path.to_string());
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit.clone());
        }
        let range = format!("{old}..{new}");
        let found = self
            .log(&[&range, "--", path])?
            .into_iter()
            .find(|c| c.files.iter().any(|f| !f.ends_with(crate::exceptions::FILE_NAME)));
        self.cache.insert(key, found.clone());
        Ok(found)
    }
}
