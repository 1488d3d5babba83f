//! The directory that report locations are relative to: the root of the git work tree
//! that holds the baselines (or `--source-root`). GitHub resolves a SARIF
//! `artifactLocation.uri` against the repository root, so a path relative to the working
//! directory (`../baselines/…`) or an absolute one cannot be mapped to a file.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The SARIF `uriBaseId` every location is relative to.
pub const URI_BASE_ID: &str = "%SRCROOT%";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRoot {
    /// The root as written (made absolute) and with symbolic links resolved; a path may
    /// reach the files through either.
    logical: PathBuf,
    real: PathBuf,
}

impl SourceRoot {
    /// `given` (`--source-root`) when there is one; otherwise the git work tree holding
    /// `baselines`, looked up through the real path first (a symlinked baselines directory
    /// that points into a repository) and then the path as written; outside git, the
    /// directory that holds `baselines`, so that locations still read `baselines/<account>/…`
    /// and never `../` or absolute.
    pub fn find(baselines: &Path, given: Option<&Path>) -> Result<SourceRoot> {
        if let Some(dir) = given {
            if !dir.is_dir() {
                return Err(Error::SourceRootNotDirectory { path: dir.to_path_buf() });
            }
            return Ok(SourceRoot::at(dir));
        }
        let candidates = [real(baselines), absolute(baselines)];
        let git =
            candidates.iter().find_map(|p| p.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf));
        let parent = || candidates[1].parent().map_or_else(|| candidates[1].clone(), Path::to_path_buf);
        Ok(SourceRoot::at(&git.unwrap_or_else(parent)))
    }

    /// A root at `dir` exactly (tests and callers that know their root).
    pub fn at(dir: &Path) -> SourceRoot {
        SourceRoot { logical: absolute(dir), real: real(dir) }
    }

    /// `path` relative to the root, with `/` separators, as GitHub expects; an error when
    /// `path` lies outside the root (no repository-relative location exists for it).
    pub fn relative(&self, path: &Path) -> Result<String> {
        let (real_path, logical_path) = (real(path), absolute(path));
        let rel = real_path
            .strip_prefix(&self.real)
            .or_else(|_| logical_path.strip_prefix(&self.logical))
            .or_else(|_| logical_path.strip_prefix(&self.real))
            .map_err(|_| Error::OutsideSourceRoot { path: path.to_path_buf(), root: self.logical.clone() })?;
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        Ok(parts.join("/"))
    }
}

/// `path` made absolute and `.`/`..` removed lexically (symbolic links kept).
fn absolute(path: &Path) -> PathBuf {
    let joined =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` with symbolic links resolved; the part that does not exist yet (a baseline file
/// about to be written) is appended to its deepest existing ancestor.
fn real(path: &Path) -> PathBuf {
    let abs = absolute(path);
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(found) = cur.canonicalize() {
            return rest.iter().rev().fold(found, |acc, part| acc.join(part));
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_git_work_tree_however_they_are_written() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("config/baselines/111122223333")).unwrap();
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        let baselines = repo.join("config/baselines");
        let file = baselines.join("111122223333/iam.json");
        let root = SourceRoot::find(&baselines, None).unwrap();
        assert_eq!(root.relative(&file).unwrap(), "config/baselines/111122223333/iam.json");
        // Lexical `..` and a file that does not exist yet.
        let dotted = repo.join("sub/../config/baselines/111122223333/s3.json");
        assert_eq!(root.relative(&dotted).unwrap(), "config/baselines/111122223333/s3.json");
        // A symlink inside the repository pointing at the baselines: the real file is named.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&baselines, repo.join("baselines")).unwrap();
            let root = SourceRoot::find(&repo.join("baselines"), None).unwrap();
            assert_eq!(
                root.relative(&repo.join("baselines/111122223333/iam.json")).unwrap(),
                "config/baselines/111122223333/iam.json"
            );
        }
        // Outside git: the directory holding the baselines.
        let loose = tmp.path().join("loose/baselines");
        std::fs::create_dir_all(&loose).unwrap();
        let root = SourceRoot::find(&loose, None).unwrap();
        assert_eq!(root.relative(&loose.join("1/iam.json")).unwrap(), "baselines/1/iam.json");
        let outside = SourceRoot::at(&repo.join("sub")).relative(&file).unwrap_err();
        assert!(matches!(&outside, Error::OutsideSourceRoot { path, .. } if *path == file), "{outside}");
        assert!(SourceRoot::find(&baselines, Some(&repo.join("nope"))).is_err());
    }
}
