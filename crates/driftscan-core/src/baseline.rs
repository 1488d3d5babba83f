//! Committed baselines: `<dir>/<account-id>/<service>.json`, canonical pretty JSON with one
//! resource per top-level key (`{"<arn>": {"<kind>": {fields}}}`), sorted, so a reviewed
//! git diff of a baseline change is line by line and every field has a stable line.

use std::collections::BTreeMap;

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use strum::VariantArray;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::findings::Location;
use crate::json_lines;
use crate::snapshot::{self, Meta, Resource, ResourceType, Service, Snapshot};
use crate::source_root::SourceRoot;

/// The approved state of one account, as facts, with the line of every field.
#[derive(Debug)]
pub struct Baselines {
    pub snapshot: Snapshot,
    /// `<dir>/<account-id>`: where resources that are not in a baseline yet would go.
    account_dir: PathBuf,
    /// What the files' report locations are relative to.
    root: SourceRoot,
    /// Where each resource is, per file (a resource's kind names its service's file).
    files: Vec<(Service, FileEntries)>,
}

/// Where the entries of one baseline file are: the lines of their fields are found only
/// when a finding asks (most resources have none), by scanning the entry again.
#[derive(Debug)]
struct FileEntries {
    /// The file's path in reports.
    file: String,
    /// The file's text, kept as read.
    text: String,
    /// Each entry's line and the byte range of its value in `text`.
    entries: HashMap<String, (usize, std::ops::Range<usize>)>,
}

/// The line of `path` (`encryption.algorithm` → 12) in an entry (its value `text`, whose
/// key is on `line`), or of the closest field that encloses it, or of the entry itself.
fn line_of(line: usize, text: &str, path: &str) -> usize {
    let (mut best, mut line_of_best) = (0, line);
    let base = line - 1;
    // The entry's value starts on the line of its key (canonical pretty JSON).
    let _ = json_lines::scan(text, &mut |keys, line| {
        if let [_kind, field @ ..] = keys
            && let Some(len) = dotted_prefix(field, path)
            && len > best
        {
            (best, line_of_best) = (len, base + line);
            // The field itself: nothing deeper can match better.
            if len == path.len() {
                return std::ops::ControlFlow::Break(());
            }
        }
        std::ops::ControlFlow::Continue(())
    });
    line_of_best
}

/// The length of `path`'s prefix that `keys` joined with dots spell, when it ends where
/// `path` ends or at one of its dots (`["a", "b"]` in `a.b.c` → 3).
fn dotted_prefix(keys: &[std::borrow::Cow<'_, str>], path: &str) -> Option<usize> {
    let mut at = 0;
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            at += path[at..].starts_with('.').then_some(1)?;
        }
        at += path[at..].starts_with(key.as_ref()).then_some(key.len())?;
    }
    (!keys.is_empty() && (at == path.len() || path[at..].starts_with('.'))).then_some(at)
}

/// The baseline directory of one account.
pub fn account_dir(dir: &Path, account_id: &str) -> PathBuf {
    dir.join(account_id)
}

/// A path as it should appear in reports: relative to the working directory (the
/// repository root in CI), with `/` separators.
pub fn display_path(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = rel.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

impl Baselines {
    /// No baseline at all: every resource is new. `meta` is the current snapshot's.
    pub fn none(dir: &Path, meta: &Meta, root: &SourceRoot) -> Baselines {
        Baselines {
            snapshot: Snapshot::empty(meta.clone()),
            account_dir: account_dir(dir, &meta.account_id),
            root: root.clone(),
            files: Vec::new(),
        }
    }

    /// `<dir>/<account-id>`: the account's baseline (and exceptions) directory.
    pub fn account_dir(&self) -> &Path {
        &self.account_dir
    }

    /// Loads the baselines of `meta.account_id` from `dir`; report locations name the
    /// files relative to `root`.
    pub fn load(dir: &Path, meta: &Meta, root: &SourceRoot) -> Result<Baselines> {
        let account_id = &meta.account_id;
        let acct_dir = account_dir(dir, account_id);
        if !acct_dir.is_dir() {
            let others = accounts(dir);
            let message = if others.is_empty() {
                format!("no baseline for account {account_id}; create one with `driftscan baseline init`")
            } else {
                format!(
                    "the baselines here are for account {}, but the snapshot is of account {account_id}",
                    others.join(", ")
                )
            };
            return Err(Error::invalid(dir, 0, message));
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&acct_dir).map_err(|e| Error::io(&acct_dir, e))? {
            let path = entry.map_err(|e| Error::io(&acct_dir, e))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                let service = stem.parse::<Service>().map_err(|_| {
                    Error::invalid(
                        &path,
                        0,
                        format!(
                            "`{stem}.json` is not a baseline file (expected one of: {})",
                            Service::VARIANTS.iter().map(|s| format!("{s}.json")).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
                files.push((path, service));
            }
        }
        // The files are independent: parse them side by side; report the first error in
        // file-name order so that the message does not depend on thread timing.
        files.sort();
        use rayon::prelude::*;
        let parsed: Vec<Result<Parsed>> = files
            .par_iter()
            .map(|(path, service)| parse_text(path, root.relative(path)?, json_lines::read_text(path)?, *service, meta))
            .collect();
        let mut out = Baselines::none(dir, meta, root);
        for p in parsed {
            out.absorb(p?);
        }
        Ok(out)
    }

    /// Loads the baselines of `account_id` before its snapshot is parsed (a scan of a
    /// snapshot file reads both side by side); [`Baselines::adopt_meta`] gives them the
    /// snapshot's meta once it is there.
    pub fn load_account(dir: &Path, account_id: &str, root: &SourceRoot) -> Result<Baselines> {
        let meta = Meta {
            account_id: account_id.to_string(),
            partition: String::new(),
            regions: Vec::new(),
            scanned_at: chrono::DateTime::UNIX_EPOCH,
            tool_version: String::new(),
            caller_arn: String::new(),
            collection_gaps: Vec::new(),
            account_name: None,
            organization_accounts: Vec::new(),
        };
        Baselines::load(dir, &meta, root)
    }

    /// Takes the current snapshot's meta, as [`Baselines::load`] does.
    pub fn adopt_meta(&mut self, meta: &Meta) {
        self.snapshot.meta = meta.clone();
    }

    /// Adds the resources of one baseline file's text; `path` names it in errors (the
    /// `baseline` fuzz target loads any text through this).
    pub fn load_text(&mut self, path: &Path, text: &str, service: Service, account_id: &str) -> Result<()> {
        let meta = Meta { account_id: account_id.to_string(), ..self.snapshot.meta.clone() };
        let parsed = parse_text(path, self.root.relative(path)?, text.to_string(), service, &meta)?;
        self.absorb(parsed);
        Ok(())
    }

    fn absorb(&mut self, mut parsed: Parsed) {
        self.snapshot.append(&mut parsed.resources);
        self.files.push((parsed.service, parsed.entries));
    }

    /// The baseline line of `field` of resource `id`; falls back to the closest enclosing
    /// field, then to the resource's own line, and for a resource that is not in the
    /// baseline to the first line of the file it would be added to (GitHub needs a file
    /// in the repository for every result).
    pub fn location(&self, kind: ResourceType, id: &str, field: Option<&str>) -> Location {
        let found = self
            .files
            .iter()
            .filter(|(service, _)| *service == kind.service())
            .find_map(|(_, file)| file.entries.get(id).map(|entry| (file, entry)));
        let Some((file, (entry_line, span))) = found else {
            let file = self.account_dir.join(format!("{}.json", kind.service()));
            // The directory was accepted at load time, so a file in it has a relative path.
            let path = self.root.relative(&file).unwrap_or_else(|_| display_path(&file));
            return Location { path, line: 1 };
        };
        let line = match field {
            Some(path) if !path.is_empty() => line_of(*entry_line, &file.text[span.clone()], path),
            _ => *entry_line,
        };
        Location { path: file.file.clone(), line }
    }
}

/// One baseline file, parsed and checked: its resources (in a snapshot of their own, built
/// on the thread that parsed the file) and the line of each entry.
struct Parsed {
    service: Service,
    resources: Snapshot,
    entries: FileEntries,
}

fn parse_text(path: &Path, file: String, text: String, service: Service, meta: &Meta) -> Result<Parsed> {
    let mut resources = Snapshot::empty(meta.clone());
    let mut entries = HashMap::default();
    for ((id, line, span), resource) in json_lines::parse_entries::<Resource>(path, &text)? {
        let kind = resource.resource_type();
        if kind.service() != service {
            return Err(Error::invalid(
                path,
                line,
                format!("{kind} `{id}` belongs in {}.json, not in {service}.json", kind.service()),
            ));
        }
        if let Some(message) = snapshot::check_resource_id(kind, &id, &meta.account_id) {
            return Err(Error::invalid(path, line, message));
        }
        entries.insert(id.to_string(), (line, span));
        resources.insert(id.into_owned(), resource);
    }
    Ok(Parsed { service, resources, entries: FileEntries { file, text, entries } })
}

/// The accounts that have baselines in `dir`, sorted.
pub fn accounts(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| crate::arn::is_account_id(n))
        .collect();
    out.sort();
    out
}

/// The canonical baseline text of every service for these resources (services
/// without resources get `{}`, so "none" is recorded explicitly; the organization only
/// where it was read, in the baselines of the account that lists it).
pub fn render<'a>(resources: impl IntoIterator<Item = (ResourceType, &'a str, Value)>) -> BTreeMap<Service, String> {
    let mut per_service: BTreeMap<Service, BTreeMap<&str, Value>> =
        Service::VARIANTS.iter().copied().map(|s| (s, BTreeMap::new())).collect();
    for (kind, id, mut value) in resources {
        kind.strip_volatile(&mut value);
        let entry = Value::Object([(kind.as_str().to_string(), value)].into_iter().collect());
        per_service.get_mut(&kind.service()).expect("all services").insert(id, entry);
    }
    per_service
        .into_iter()
        .filter(|(service, entries)| !service.organization_runs_only() || !entries.is_empty())
        .map(|(service, entries)| {
            let mut text = serde_json::to_string_pretty(&entries).expect("values serialize");
            text.push('\n');
            (service, text)
        })
        .collect()
}

/// A baseline file that was written, with its text before (empty if new) and after.
pub struct Written {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// Writes these resources as the baselines of `account_id` in `dir/<account>/`, one file
/// per service, atomically; returns the files whose content changed.
pub fn write<'a>(
    dir: &Path,
    account_id: &str,
    resources: impl IntoIterator<Item = (ResourceType, &'a str, Value)>,
) -> Result<Vec<Written>> {
    let acct_dir = account_dir(dir, account_id);
    let mut written = Vec::new();
    for (service, after) in render(resources) {
        let path = acct_dir.join(format!("{service}.json"));
        let before = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(&path, e)),
        };
        if before != after {
            crate::output::write_atomic(&path, after.as_bytes())?;
            written.push(Written { path, before, after });
        }
    }
    Ok(written)
}

/// True when `dir` already holds baseline files for the account.
pub fn exists(dir: &Path, account_id: &str) -> bool {
    let acct = account_dir(dir, account_id);
    Service::VARIANTS.iter().any(|s| acct.join(format!("{s}.json")).exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_found_on_its_line_or_on_the_line_of_what_encloses_it() {
        let text = "{\n  \"arn:x\": {\n    \"s3_bucket\": {\n      \"encryption\": {\n        \"algorithm\": \"AES256\"\n      },\n      \"tags\": {\n        \"a.b\": \"c\"\n      },\n      \"grants\": [\n        \"x\"\n      ]\n    }\n  }\n}\n";
        let entries = json_lines::parse_entries::<Value>(Path::new("s3.json"), text).unwrap();
        let ((_, line, span), _) = entries.into_iter().next().unwrap();
        let value = &text[span];
        assert_eq!(line_of(line, value, "encryption.algorithm"), 5);
        assert_eq!(line_of(line, value, "encryption.kms_key_id"), 4, "the enclosing field");
        assert_eq!(line_of(line, value, "encryptionx"), 2, "a prefix of a key is not the key");
        assert_eq!(line_of(line, value, "tags.a.b"), 8, "a key with a dot");
        assert_eq!(line_of(line, value, "grants.0"), 11);
        assert_eq!(line_of(line, value, "versioning"), 2, "the entry itself");
    }
}
