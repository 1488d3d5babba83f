//! Positions in JSON text: serde_json tells where a parse failed but not where a valid
//! value sits. This scanner walks the text and reports the line of every object key and
//! list item; [`parse_entries`] reads a file's top-level entries with their lines and
//! spans while serde_json reads their values.

use std::borrow::Cow;
use std::ops::ControlFlow;
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

/// Calls `visit(path, line)` for every object key and list item, outermost first, until
/// it breaks. The text must already have parsed as JSON (this checks its structure, not
/// its tokens).
pub fn scan<'t>(text: &'t str, visit: &mut Visit<'_, 't>) -> Result<(), (usize, String)> {
    Scanner::new(text).value(visit, 0)
}

/// Each top-level entry of a JSON object with the line of its key and the byte range of
/// its value (so that a caller can come back to one entry later: baselines find the line
/// of a field only for the entries a finding points at), and the value read as `T` where
/// it stands. One pass: serde_json reads each value, this reads the object around them.
/// A repeated top-level key is an error; `T` rejects the ones inside (`snapshot::unique`).
pub fn parse_entries<'t, T: serde::de::DeserializeOwned>(path: &Path, text: &'t str) -> Result<Vec<(Entry<'t>, T)>> {
    let mut s = Scanner::new(text);
    let invalid = |(line, message): (usize, String)| Error::invalid(path, line, message);
    let expected = |s: &Scanner, what: &str| Error::invalid(path, s.line, format!("expected {what}"));
    let mut out = Vec::new();
    let mut seen = foldhash::HashSet::default();
    s.ws();
    if s.b.get(s.i) != Some(&b'{') {
        return Err(expected(&s, "a JSON object (`{…}`)"));
    }
    s.i += 1;
    loop {
        s.ws();
        match s.b.get(s.i) {
            Some(b'}') if out.is_empty() => break,
            Some(b'"') => {}
            _ => return Err(expected(&s, "an object key")),
        }
        let line = s.line;
        let key = s.string().map_err(invalid)?;
        if !seen.insert(key.clone()) {
            return Err(Error::invalid(path, line, format!("duplicate key `{key}`")));
        }
        s.ws();
        if s.b.get(s.i) != Some(&b':') {
            return Err(expected(&s, "`:` after an object key"));
        }
        s.i += 1;
        s.ws();
        let start = s.i;
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<T>();
        let value = match values.next() {
            Some(Ok(value)) => value,
            Some(Err(e)) => {
                let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
                return Err(Error::json_within(path, &e, (s.line, column)));
            }
            None => return Err(Error::invalid(path, s.line, "unexpected end of JSON")),
        };
        s.i = start + values.byte_offset();
        s.line += memchr::memchr_iter(b'\n', &s.b[start..s.i]).count();
        out.push(((key, line, start..s.i), value));
        s.ws();
        match s.b.get(s.i) {
            Some(b',') => s.i += 1,
            Some(b'}') => break,
            _ => return Err(expected(&s, "`,` or `}` after an object entry")),
        }
    }
    s.i += 1;
    s.ws();
    if s.i < s.b.len() {
        return Err(Error::invalid(path, s.line, "trailing characters after the JSON object"));
    }
    Ok(out)
}

/// A top-level key of a JSON object: the key, its line, and the byte range of its value.
pub type Entry<'t> = (Cow<'t, str>, usize, std::ops::Range<usize>);

/// The line of the first object key equal to `key` (0 when absent): for errors about a
/// value that parsed but is wrong.
pub fn line_of_key(text: &str, key: &str) -> usize {
    let mut found = 0;
    let _ = scan(text, &mut |path, line| {
        if path.last().is_some_and(|k| k == key) {
            found = line;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

const MAX_DEPTH: usize = 256;

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
    /// The keys and item indexes down to the current value.
    path: Vec<Cow<'a, str>>,
    /// The visitor has seen what it wanted.
    stopped: bool,
}

/// What a scanner hands to its visitor: the path of a key or item, and its line.
pub type Visit<'v, 'a> = dyn FnMut(&[Cow<'a, str>], usize) -> ControlFlow<()> + 'v;

/// List indexes as path segments without formatting each (a finding's line is looked up
/// in its entry, whose lists are short).
const INDEXES: [&str; 16] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"];

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Scanner<'a> {
        Scanner { b: text.as_bytes(), text, i: 0, line: 1, path: Vec::new(), stopped: false }
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
        loop {
            self.ws();
            match self.b.get(self.i) {
                Some(b'}') => {
                    self.i += 1;
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
            self.path.push(key);
            if visit(&self.path, line).is_break() {
                self.stopped = true;
                return Ok(());
            }
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return self.fail("expected `:` after an object key");
            }
            self.i += 1;
            self.ws();
            self.value(visit, depth + 1)?;
            if self.stopped {
                return Ok(());
            }
            self.path.pop();
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
            self.path.push(INDEXES.get(index).map_or_else(|| Cow::Owned(index.to_string()), |i| Cow::Borrowed(*i)));
            if visit(&self.path, self.line).is_break() {
                self.stopped = true;
                return Ok(());
            }
            self.value(visit, depth + 1)?;
            if self.stopped {
                return Ok(());
            }
            self.path.pop();
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
        scan(text, &mut |p, l| {
            out.push((p.join("."), l));
            ControlFlow::Continue(())
        })
        .unwrap();
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
        assert_eq!(
            scan("{\"a\": [\n }", &mut |_, _| ControlFlow::Continue(())).unwrap_err(),
            (2, "expected a value, found `}`".to_string())
        );
        assert_eq!(
            scan("[1, }]", &mut |_, _| ControlFlow::Continue(())).unwrap_err(),
            (1, "expected a value, found `}`".to_string())
        );
    }

    #[test]
    fn entries_are_read_with_their_lines_and_spans_and_errors_point_into_the_file() {
        fn parse(text: &str) -> Result<Vec<(Entry<'_>, serde_json::Value)>> {
            parse_entries(Path::new("f.json"), text)
        }
        let error = |text: &str| parse(text).unwrap_err().to_string();
        let text = "{\n\"a\": [1,\n 2],\n\"b\\u0062\":  {\"c\": 2}\n}\n";
        let entries = parse(text).unwrap();
        let shown: Vec<_> =
            entries.iter().map(|((k, l, span), v)| (k.to_string(), *l, &text[span.clone()], v.clone())).collect();
        assert_eq!(
            shown,
            [
                ("a".into(), 2, "[1,\n 2]", serde_json::json!([1, 2])),
                ("bb".into(), 4, "{\"c\": 2}", serde_json::json!({"c": 2}))
            ]
        );
        assert!(parse(" {}\n").unwrap().is_empty());
        // A value's own error is placed in the file, not in the value's text.
        assert!(
            error("{\"a\": 1,\n\"b\": [1,\n 2,, 3]}").starts_with("f.json:3:4: expected value"),
            "{}",
            error("{\"a\": 1,\n\"b\": [1,\n 2,, 3]}")
        );
        let whole = serde_json::from_str::<serde_json::Value>("{\"a\": 1, \"b\": [1 2]}").unwrap_err();
        assert_eq!(error("{\"a\": 1, \"b\": [1 2]}"), Error::json(Path::new("f.json"), &whole).to_string());
        assert!(error("{\"a\": {\"b\": \"x").contains("EOF while parsing a string"));
        assert!(error("{\"a\": 1,\n\"a\": 2}").starts_with("f.json:2: duplicate key `a`"));
        assert!(error("{\"a\": 1,\n\"a\\u0061\": 2, \"aa\": 3}").contains("duplicate key `aa`"));
        assert!(error("{\"a\": 1,}").contains("expected an object key"));
        assert!(error("{\"a\": 1 \"b\": 2}").contains("expected `,` or `}` after an object entry"));
        assert!(error("{\"a\" 1}").contains("expected `:` after an object key"));
        assert!(error("{\"a\": }").contains("expected value"));
        assert!(error("{\"a\": 1}\n{}").starts_with("f.json:2: trailing characters"));
        assert!(error("[]").contains("expected a JSON object"));
        assert!(error("{\"a\n\": 1}").contains("unterminated string"));
    }

    #[test]
    fn escaped_keys_are_decoded() {
        assert_eq!(lines("{\"a\\u0062\": 1}"), vec![("ab".into(), 1)]);
        assert_eq!(line_of_key("{\n\"x\": 1,\n\"ab\": 2}", "ab"), 3);
        assert_eq!(line_of_key("{}", "ab"), 0);
    }
}
