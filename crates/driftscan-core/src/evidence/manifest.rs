//! `MANIFEST.sha256`: the digest of every input report and every output file, in the
//! format of `sha256sum` (so `sha256sum -c` works from the folder too): output files by
//! their name in the folder, input reports by their absolute path.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::load::Input;
use crate::error::{Error, Result};

pub const FILE_NAME: &str = "MANIFEST.sha256";

pub fn render(inputs: &[Input], outputs: &[(String, Vec<u8>)]) -> Result<String> {
    let mut text = String::new();
    for (name, bytes) in outputs {
        text.push_str(&format!("{}  {name}\n", crate::scan_info::hex(&Sha256::digest(bytes))));
    }
    for input in inputs {
        let abs = std::path::absolute(&input.path).map_err(|e| Error::io(&input.path, e))?;
        let shown = abs.to_str().ok_or_else(|| Error::invalid(&input.path, 0, "the path is not UTF-8"))?;
        if shown.contains('\n') {
            return Err(Error::invalid(&input.path, 0, "a file name with a line break cannot go in the manifest"));
        }
        text.push_str(&format!("{}  {shown}\n", input.sha256));
    }
    Ok(text)
}

/// One file that does not match the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub path: String,
    pub problem: String,
}

/// Re-checks every line of `dir`'s manifest; also reports files in `dir` the manifest
/// does not list (an output added afterwards is as suspect as a changed one). Returns the
/// mismatches and the number of files checked.
pub fn verify(dir: &Path) -> Result<(Vec<Mismatch>, usize)> {
    let path = dir.join(FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut bad = Vec::new();
    let mut listed = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (i, line) in text.lines().enumerate() {
        let Some((digest, name)) = line.split_once("  ") else {
            return Err(Error::invalid(&path, i + 1, "expected `<sha256>  <file>`"));
        };
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(&path, i + 1, format!("`{digest}` is not a sha256 digest")));
        }
        listed.insert(name.to_string());
        checked += 1;
        let file = dir.join(name);
        match std::fs::read(&file) {
            Ok(bytes) => {
                let actual = crate::scan_info::hex(&Sha256::digest(&bytes));
                if actual != digest.to_ascii_lowercase() {
                    bad.push(Mismatch {
                        path: name.to_string(),
                        problem: format!("sha256 is {actual}, the manifest says {digest}"),
                    });
                }
            }
            Err(e) => bad.push(Mismatch { path: name.to_string(), problem: format!("cannot be read: {e}") }),
        }
    }
    let mut extra = Vec::new();
    list_files(dir, dir, &mut extra)?;
    for name in extra {
        if name != FILE_NAME && !listed.contains(&name) {
            bad.push(Mismatch { path: name, problem: "is not in the manifest".into() });
        }
    }
    Ok((bad, checked))
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            list_files(root, &p, out)?;
        } else {
            out.push(p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
