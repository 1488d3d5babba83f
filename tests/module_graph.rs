//! The shape of the source tree: at every level of each crate's module tree, the modules
//! under one parent use each other without a circle (so any one of them can be read, moved
//! or tested from the ones it uses, downwards), and no folder holds more than a fifth of
//! the code.
//!
//! A module's uses are its `crate::…` and `super::…` paths outside comments. A parent
//! using its own children, or a child its ancestors, is composition and not counted; a use
//! between two modules counts as a use between their ancestors that are siblings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates' source roots, from the repository root.
const ROOTS: [&str; 3] = ["src", "crates/driftscan-core/src", "crates/driftscan-aws/src"];

type ModPath = Vec<String>;

/// One use of a module by a file: where it is written, and the module it names.
struct Use {
    line: usize,
    target: ModPath,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `lib.rs` → `[]`, `iam/mod.rs` → `[iam]`, `iam/eval.rs` → `[iam, eval]`.
fn module_of(root: &Path, file: &Path) -> ModPath {
    let relative = file.strip_prefix(root).unwrap();
    let mut parts: ModPath = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "mod.rs" | "lib.rs" | "main.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_string()),
    }
    parts
}

/// The text without `//` comments (doc links name modules without using them).
fn code_of(line: &str) -> &str {
    let mut in_string = false;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths a line names after `crate::` or `super::`: `(base, segments)` with the base
/// `crate` or the count of `super`s; a `{…}` group gives one path per member.
fn paths_in(code: &str) -> Vec<(Option<usize>, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(['c', 's']) {
        let before_ok = rest[..at].chars().next_back().is_none_or(|c| !is_ident(c) && c != ':');
        let text = &rest[at..];
        let (base, mut tail) = if before_ok && let Some(t) = text.strip_prefix("crate::") {
            (None, t)
        } else if before_ok && text.starts_with("super::") {
            let mut supers = 0;
            let mut t = text;
            while let Some(next) = t.strip_prefix("super::") {
                supers += 1;
                t = next;
            }
            (Some(supers), t)
        } else {
            rest = &rest[at + 1..];
            continue;
        };
        let mut segments = Vec::new();
        loop {
            let end = tail.find(|c: char| !is_ident(c)).unwrap_or(tail.len());
            if end == 0 {
                break;
            }
            segments.push(tail[..end].to_string());
            tail = &tail[end..];
            match tail.strip_prefix("::") {
                Some(t) => tail = t,
                None => break,
            }
        }
        if let Some(group) = tail.strip_prefix('{') {
            // `crate::{a::b, c}`: each member from where the group starts (one level deep
            // is all the code writes).
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for member in inner.split(',') {
                let mut path = segments.clone();
                path.extend(member.trim().split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
                out.push((base, path));
            }
        } else {
            out.push((base, segments));
        }
        rest = tail;
    }
    out
}

/// The module a path names: its longest prefix that is a module of the crate.
fn resolve(modules: &BTreeSet<ModPath>, mut path: ModPath) -> ModPath {
    while !modules.contains(&path) {
        path.pop();
    }
    path
}

/// A source file, its module and the uses it makes.
struct File {
    path: PathBuf,
    module: ModPath,
    uses: Vec<Use>,
}

/// Every use each file of the crate at `root` makes of a module.
fn uses(root: &Path) -> Vec<File> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.sort();
    let modules: BTreeSet<ModPath> = files.iter().map(|f| module_of(root, f)).collect();
    let mut out = Vec::new();
    for file in files {
        let me = module_of(root, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        let mut found = Vec::new();
        // Inside the file's own `mod tests`, `super` is the file's module itself.
        let mut in_tests = false;
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            in_tests |= trimmed.starts_with("mod tests {") || trimmed.starts_with("pub(crate) mod tests {");
            for (base, segments) in paths_in(code_of(line)) {
                let mut target = match base {
                    None => Vec::new(),
                    Some(supers) => {
                        let up = if in_tests { supers - 1 } else { supers };
                        me[..me.len().saturating_sub(up)].to_vec()
                    }
                };
                target.extend(segments);
                found.push(Use { line: n + 1, target: resolve(&modules, target) });
            }
        }
        out.push(File { path: file, module: me, uses: found });
    }
    out
}

/// A circle in `edges` (as the nodes in order), if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_modules_under_one_parent_use_each_other_in_a_circle() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut circles = Vec::new();
    let mut counted = 0;
    for root in ROOTS.map(|r| repo.join(r)) {
        let files = uses(&root);
        // Per parent module: which of its children uses which, with one place it does.
        let mut levels: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        let mut witness: BTreeMap<(ModPath, String, String), String> = BTreeMap::new();
        for File { path: file, module: me, uses: found } in &files {
            for u in found {
                let common = me.iter().zip(&u.target).take_while(|(a, b)| a == b).count();
                if common == me.len() || common == u.target.len() {
                    continue;
                }
                let parent = me[..common].to_vec();
                let (from, to) = (me[common].clone(), u.target[common].clone());
                counted += 1;
                levels.entry(parent.clone()).or_default().entry(from.clone()).or_default().insert(to.clone());
                witness
                    .entry((parent, from, to))
                    .or_insert_with(|| format!("{}:{}", file.strip_prefix(repo).unwrap().display(), u.line));
            }
        }
        for (parent, edges) in &levels {
            if let Some(found) = circle(edges) {
                let steps: Vec<String> = found
                    .windows(2)
                    .map(|w| {
                        format!("{} → {} ({})", w[0], w[1], witness[&(parent.clone(), w[0].clone(), w[1].clone())])
                    })
                    .collect();
                circles.push(format!("{} in {}: {}", root.display(), parent.join("::"), steps.join(", ")));
            }
        }
    }
    // The check reads real uses: a parser that found none would pass anything.
    assert!(counted > 100, "only {counted} uses between sibling modules found: the scan of the sources is broken");
    assert!(circles.is_empty(), "modules that use each other in a circle:\n{}", circles.join("\n"));
}

#[test]
fn the_circle_check_finds_a_circle_and_reads_groups_and_supers() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("engine".to_string(), BTreeSet::from(["analyzers".to_string()])),
        ("analyzers".to_string(), BTreeSet::from(["engine".to_string()])),
    ]
    .into();
    assert_eq!(circle(&edges), Some(vec!["analyzers".to_string(), "engine".to_string(), "analyzers".to_string()]));
    assert_eq!(circle(&BTreeMap::from([("a".to_string(), BTreeSet::from(["b".to_string()]))])), None);
    assert_eq!(
        paths_in("use crate::{arn::Arn, glob}; let x = super::super::iam::eval::f(); // crate::not"),
        vec![
            (None, vec!["arn".to_string(), "Arn".to_string()]),
            (None, vec!["glob".to_string()]),
            (Some(2), vec!["iam".to_string(), "eval".to_string(), "f".to_string()]),
            (None, vec!["not".to_string()]),
        ]
    );
    assert_eq!(code_of("let u = \"https://x\"; // crate::iam"), "let u = \"https://x\"; ");
}

#[test]
fn no_folder_holds_more_than_a_fifth_of_the_code() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut by_folder: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut total = 0;
    for root in ROOTS.map(|r| repo.join(r)) {
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        for file in files {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            total += lines;
            // Every folder below the crate's root that holds the file, however deep.
            let mut dir = file.parent();
            while let Some(d) = dir.filter(|d| *d != root) {
                *by_folder.entry(d.strip_prefix(repo).unwrap().to_path_buf()).or_default() += lines;
                dir = d.parent();
            }
        }
    }
    assert!(total > 10_000, "only {total} lines of Rust found");
    let over: Vec<String> = by_folder
        .iter()
        .filter(|(_, lines)| **lines * 5 > total)
        .map(|(dir, lines)| format!("{} holds {lines} of {total} lines", dir.display()))
        .collect();
    assert!(over.is_empty(), "folders over a fifth of the code:\n{}", over.join("\n"));
}
