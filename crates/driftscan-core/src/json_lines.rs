//! Positions in JSON text: serde_json tells where a parse failed but not where a valid
//! value sits, nor that an object repeats a key (it keeps the last silently). This
//! scanner walks the text once and reports the line of every object key and list item.

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};

/// Reads a file that must be UTF-8 text, with a clear error when it is not.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Error::invalid(path, line, "file is not UTF-8 text")
    })
}

/// Calls `visit(path, line)` for every object key and list item, outermost first.
/// The text must already have parsed as JSON; a repeated key is an error.
pub fn scan<'t>(text: &'t str, visit: &mut dyn FnMut(&[Cow<'t, str>], usize)) -> Result<(), (usize, String)> {
    Scanner::new(text, true, false).value(visit, 0)
}

/// Each top-level key with the line it is on and the byte range of its value, so that a
/// caller can come back to one entry later (baselines find the line of a field only for
/// the entries a finding points at); a repeated key anywhere is an error, as in [`scan`].
pub fn scan_entries(text: &str) -> Result<Vec<Entry<'_>>, (usize, String)> {
    let mut s = Scanner::new(text, false, true);
    s.value(&mut |_, _| {}, 0)?;
    Ok(s.entries.unwrap_or_default())
}

/// A top-level key of a JSON object: the key, its line, and the byte range of its value.
pub type Entry<'t> = (Cow<'t, str>, usize, std::ops::Range<usize>);

/// Fails with `file:line` on the first repeated key of any object.
pub fn check_duplicate_keys(path: &Path, text: &str) -> Result<()> {
    Scanner::new(text, false, false)
        .value(&mut |_, _| {}, 0)
        .map_err(|(line, message)| Error::invalid(path, line, message))
}

/// The line of the first object key equal to `key` (0 when absent): for errors about a
/// value that parsed but is wrong.
pub fn line_of_key(text: &str, key: &str) -> usize {
    let mut found = 0;
    let _ = scan(text, &mut |path, line| {
        if found == 0 && path.last().is_some_and(|k| k == key) {
            found = line;
        }
    });
    found
}

const MAX_DEPTH: usize = 256;

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
    /// The keys and item indexes down to the current value, kept only for a visitor that
    /// wants them (`tracking`): a duplicate-key check over a 100k-resource file spent half
    /// its time numbering list items it never reported.
    path: Vec<Cow<'a, str>>,
    tracking: bool,
    /// The keys of the objects being read, innermost last (one stack for all of them).
    keys: Vec<Cow<'a, str>>,
    /// The top-level entries, when asked for ([`scan_entries`]).
    entries: Option<Vec<Entry<'a>>>,
}

/// What a scanner hands to its visitor: the path of a key or item, and its line.
type Visit<'v, 'a> = dyn FnMut(&[Cow<'a, str>], usize) + 'v;

impl<'a> Scanner<'a> {
    fn new(text: &'a str, tracking: bool, entries: bool) -> Scanner<'a> {
        Scanner {
            b: text.as_bytes(),
            text,
            i: 0,
            line: 1,
            path: Vec::new(),
            tracking,
            keys: Vec::new(),
            entries: entries.then(Vec::new),
        }
    }

    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.i += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, (usize, String)> {
        Err((self.line, what.to_string()))
    }

    fn value(&mut self, visit: &mut Visit<'_, 'a>, depth: usize) -> Result<(), (usize, String)> {
        if depth > MAX_DEPTH {
            return self.fail("JSON nested too deeply");
        }
        self.ws();
        match self.b.get(self.i) {
            Some(b'{') => self.object(visit, depth),
            Some(b'[') => self.array(visit, depth),
            Some(b'"') => self.string().map(|_| ()),
            Some(&first) => {
                let start = self.i;
                while let Some(&c) = self.b.get(self.i) {
                    if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.i += 1;
                }
                // A value must consume input: `[}` would otherwise loop forever on the `}`.
                if self.i == start {
                    return self.fail(&format!("expected a value, found `{}`", first as char));
                }
                Ok(())
            }
            None => self.fail("unexpected end of JSON"),
        }
    }

    fn object(&mut self, visit: &mut Visit<'_, 'a>, depth: usize) -> Result<(), (usize, String)> {
        self.i += 1;
        // Objects of facts have a handful of keys: a list is faster than hashing them, and
        // a map's thousands of keys (one per resource) fall back to a set.
        let seen = self.keys.len();
        let mut many: Option<std::collections::HashSet<Cow<'a, str>>> = None;
        loop {
            self.ws();
            match self.b.get(self.i) {
                Some(b'}') => {
                    self.i += 1;
                    self.keys.truncate(seen);
                    return Ok(());
                }
                Some(b',') => {
                    self.i += 1;
                    continue;
                }
                Some(b'"') => {}
                _ => return self.fail("expected an object key"),
            }
            let line = self.line;
            let key = self.string()?;
            let repeated = if self.keys.len() - seen < 32 {
                let repeated = self.keys[seen..].contains(&key);
                self.keys.push(key.clone());
                repeated
            } else {
                let many = many.get_or_insert_with(|| self.keys[seen..].iter().cloned().collect());
                !many.insert(key.clone())
            };
            if repeated {
                return Err((line, format!("duplicate key `{key}`")));
            }
            if self.tracking {
                self.path.push(key.clone());
                visit(&self.path, line);
            }
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return self.fail("expected `:` after an object key");
            }
            self.i += 1;
            self.ws();
            let start = self.i;
            self.value(visit, depth + 1)?;
            if self.tracking {
                self.path.pop();
            }
            if depth == 0
                && let Some(entries) = &mut self.entries
            {
                entries.push((key, line, start..self.i));
            }
        }
    }

    fn array(&mut self, visit: &mut Visit<'_, 'a>, depth: usize) -> Result<(), (usize, String)> {
        self.i += 1;
        let mut index = 0usize;
        loop {
            self.ws();
            match self.b.get(self.i) {
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b',') => {
                    self.i += 1;
                    continue;
                }
                None => return self.fail("unexpected end of JSON"),
                _ => {}
            }
            if self.tracking {
                self.path.push(Cow::Owned(index.to_string()));
                visit(&self.path, self.line);
            }
            self.value(visit, depth + 1)?;
            if self.tracking {
                self.path.pop();
            }
            index += 1;
        }
    }

    /// Reads a string token and returns it decoded (borrowed when it has no escapes).
    fn string(&mut self) -> Result<Cow<'a, str>, (usize, String)> {
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        while let Some(at) = memchr::memchr3(b'\\', b'"', b'\n', &self.b[self.i.min(self.b.len())..]) {
            self.i += at;
            match self.b[self.i] {
                b'\\' => {
                    escaped = true;
                    self.i += 2
                }
                b'"' => {
                    self.i += 1;
                    if !escaped {
                        return Ok(Cow::Borrowed(&self.text[start + 1..self.i - 1]));
                    }
                    return serde_json::from_str::<String>(&self.text[start..self.i])
                        .map(Cow::Owned)
                        .or_else(|_| self.fail("invalid string"));
                }
                _ => return self.fail("unterminated string"),
            }
        }
        self.i = self.b.len();
        self.fail("unterminated string")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        scan(text, &mut |p, l| out.push((p.join("."), l))).unwrap();
        out
    }

    #[test]
    fn reports_the_line_of_every_key_and_item() {
        let text = "{\n  \"a\": {\n    \"b\": [\n      1,\n      {\"c\": \"x\\\"y\"}\n    ]\n  },\n  \"d\": null\n}";
        assert_eq!(
            lines(text),
            vec![
                ("a".into(), 2),
                ("a.b".into(), 3),
                ("a.b.0".into(), 4),
                ("a.b.1".into(), 5),
                ("a.b.1.c".into(), 5),
                ("d".into(), 8)
            ]
        );
    }

    #[test]
    fn a_closing_brace_where_a_list_item_belongs_is_an_error_not_a_hang() {
        // Found by `make fuzz` (snapshot target): `[ }` spun forever in `array`.
        assert_eq!(scan("{\"a\": [\n }", &mut |_, _| {}).unwrap_err(), (2, "expected a value, found `}`".to_string()));
        assert_eq!(scan("[1, }]", &mut |_, _| {}).unwrap_err(), (1, "expected a value, found `}`".to_string()));
    }

    #[test]
    fn duplicate_keys_are_errors_with_their_line() {
        let text = "{\n \"a\": 1,\n \"b\": {\"x\": 1,\n \"x\": 2}\n}";
        assert_eq!(scan(text, &mut |_, _| {}).unwrap_err(), (4, "duplicate key `x`".to_string()));
        // The same key in two different objects is fine.
        assert!(scan("{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}}", &mut |_, _| {}).is_ok());
    }

    #[test]
    fn the_duplicate_check_without_a_visitor_finds_what_scan_finds() {
        let dup = |text: &str| check_duplicate_keys(Path::new("f.json"), text).map_err(|e| e.to_string());
        // Keys of sibling and nested objects are apart; keys after a nested object still count.
        assert!(dup("{\"a\": {\"x\": 1}, \"b\": [{\"x\": 1}, {\"x\": 2}], \"x\": 3}").is_ok());
        assert!(dup("{\"a\": [{\"y\": 1},\n {\"y\": 1, \"y\": 2}]}").unwrap_err().contains("f.json:2"));
        assert!(dup("{\"x\": {\"a\": 1}, \"b\": 2,\n\"x\": 3}").unwrap_err().contains("duplicate key `x`"));
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {{\"k{i}\": 1}}")).collect();
        assert!(dup(&format!("{{{}}}", many.join(","))).is_ok());
        assert!(dup(&format!("{{{}, \"k7\": 0}}", many.join(","))).unwrap_err().contains("duplicate key `k7`"));
        assert!(dup("{\"a\": \"x\\\"y\", \"a\\u0062\": 1, \"ab\": 2}").unwrap_err().contains("duplicate key `ab`"));
        assert!(dup("{\"a\": \"open\n\"}").unwrap_err().contains("unterminated string"));
        let entries = scan_entries("{\n\"a\": [1],\n\"b\": {\"c\": 2}\n}").unwrap();
        assert_eq!(
            entries.iter().map(|(k, l, _)| (k.to_string(), *l)).collect::<Vec<_>>(),
            [("a".into(), 2), ("b".into(), 3)]
        );
    }

    #[test]
    fn escaped_keys_are_decoded() {
        assert_eq!(lines("{\"a\\u0062\": 1}"), vec![("ab".into(), 1)]);
        assert_eq!(line_of_key("{\n\"x\": 1,\n\"ab\": 2}", "ab"), 3);
        assert_eq!(line_of_key("{}", "ab"), 0);
    }
}
