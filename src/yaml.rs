//! A fast block-style YAML emitter for template documents, byte-identical to
//! what serde_norway (libyaml) writes for the same JSON value followed by
//! [`crate::render`]'s YAML 1.1 quoting (which it applies as it goes, to the
//! same scalars that line-based pass quotes). Rendering big
//! templates (a microservices project with hundreds of nested stacks) with
//! libyaml costs more than everything else a synth does; this emitter writes
//! the common shapes directly. A scalar whose style it cannot decide with
//! certainty is rendered by serde_norway itself (cached), and a document with
//! anything it does not handle (multi-line strings, odd keys) is left to
//! serde_norway as a whole: [`emit`] returns `None`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Number, Value as Json};

thread_local! {
    /// serde_norway's rendering of scalars the fast path cannot classify.
    static SLOW: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Renders `doc` (a mapping) as serde_norway would, or `None` to let
/// serde_norway do it.
pub(crate) fn emit(doc: &Json) -> Option<String> {
    let Json::Object(map) = doc else {
        return None;
    };
    let mut out = String::with_capacity(4096);
    let mut e = Emitter { out: &mut out };
    e.mapping_entries(map.iter(), 0)?;
    Some(out)
}

/// Writes into a caller's buffer, for documents assembled piece by piece.
pub(crate) struct Emitter<'a> {
    pub(crate) out: &'a mut String,
}

impl Emitter<'_> {
    /// Entries of a block mapping whose keys sit at column `indent`; the first
    /// key is written where the cursor is (after `- ` in a sequence).
    pub(crate) fn mapping_entries<'j>(
        &mut self,
        entries: impl Iterator<Item = (&'j String, &'j Json)>,
        indent: usize,
    ) -> Option<()> {
        let mut first = true;
        for (k, v) in entries {
            if !first {
                self.pad(indent);
            }
            first = false;
            self.entry(k, v, indent)?;
        }
        Some(())
    }

    /// A mapping key (a simple key: not empty, at most 128 characters).
    pub(crate) fn key(&mut self, key: &str) -> Option<()> {
        // Keys in templates are names (`Properties`, `Fn::GetAtt`, logical
        // IDs, `aws:SecureTransport`); anything else goes to serde_norway.
        let plain = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '.' | '/' | '_'));
        let numeric_like = key.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
            && key
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '_' | ':' | '.' | '-' | '+'));
        let ambiguous = key.parse::<f64>().is_ok()
            || numeric_like
            || key.starts_with('-')
            || matches!(
                key.to_ascii_lowercase().as_str(),
                "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~"
            );
        if key.is_empty() || key.len() > 128 || !plain || ambiguous {
            return None;
        }
        self.scalar_str(key)
    }

    /// One `key: value` entry at column `indent` (cursor already there).
    pub(crate) fn entry(&mut self, key: &str, value: &Json, indent: usize) -> Option<()> {
        self.key(key)?;
        self.out.push(':');
        match value {
            Json::Object(m) if !m.is_empty() => {
                self.out.push('\n');
                self.pad(indent + 2);
                self.mapping_entries(m.iter(), indent + 2)
            }
            Json::Array(a) if !a.is_empty() => {
                self.out.push('\n');
                self.pad(indent);
                self.sequence_items(a, indent, false)
            }
            _ => {
                self.out.push(' ');
                self.leaf(value, true)?;
                self.out.push('\n');
                Some(())
            }
        }
    }

    /// Items of a block sequence whose dashes sit at column `indent`; the
    /// first dash is written where the cursor is, after another dash when
    /// `after_dash` (`- - x`: a line the YAML 1.1 pass leaves alone).
    fn sequence_items(&mut self, items: &[Json], indent: usize, after_dash: bool) -> Option<()> {
        let mut first = true;
        for item in items {
            let inline = first && after_dash;
            if !first {
                self.pad(indent);
            }
            first = false;
            self.out.push_str("- ");
            match item {
                Json::Object(m) if !m.is_empty() => self.mapping_entries(m.iter(), indent + 2)?,
                Json::Array(a) if !a.is_empty() => self.sequence_items(a, indent + 2, true)?,
                _ => {
                    self.leaf(item, !inline)?;
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    /// A scalar, or an empty mapping or sequence. With `yaml11`, a plain
    /// scalar YAML 1.1 would misread is single-quoted.
    fn leaf(&mut self, v: &Json, yaml11: bool) -> Option<()> {
        let start = self.out.len();
        match v {
            Json::Null => self.out.push_str("null"),
            Json::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => self.number(n)?,
            Json::String(s) => self.scalar_str(s)?,
            Json::Object(_) => self.out.push_str("{}"),
            Json::Array(_) => self.out.push_str("[]"),
        }
        if yaml11 && crate::render::ambiguous_in_yaml11(&self.out[start..]) {
            self.out.insert(start, '\'');
            self.out.push('\'');
        }
        Some(())
    }

    fn number(&mut self, n: &Number) -> Option<()> {
        if let Some(i) = n.as_i64() {
            let _ = write!(self.out, "{i}");
        } else if let Some(u) = n.as_u64() {
            let _ = write!(self.out, "{u}");
        } else {
            let text = slow(&Json::Number(n.clone()))?;
            self.out.push_str(&text);
        }
        Some(())
    }

    /// A single-line string: plain when libyaml would write it plain,
    /// single-quoted when it would quote it.
    fn scalar_str(&mut self, s: &str) -> Option<()> {
        match classify(s) {
            Style::Plain => self.out.push_str(s),
            Style::SingleQuoted => {
                self.out.push('\'');
                for c in s.chars() {
                    if c == '\'' {
                        self.out.push('\'');
                    }
                    self.out.push(c);
                }
                self.out.push('\'');
            }
            Style::Unsure => {
                let text = slow(&Json::String(s.to_string()))?;
                self.out.push_str(&text);
            }
        }
        Some(())
    }
}

/// serde_norway's rendering of one scalar, cached; `None` when it is not a
/// one-line scalar (a block scalar needs its context).
fn slow(v: &Json) -> Option<String> {
    let key = v.to_string();
    if let Some(hit) = SLOW.with(|c| c.borrow().get(&key).cloned()) {
        return Some(hit);
    }
    let text = serde_norway::to_string(v).ok()?;
    let line = text.strip_suffix('\n')?;
    if line.contains('\n') || line.starts_with('|') || line.starts_with('>') {
        return None;
    }
    let line = line.to_string();
    SLOW.with(|c| c.borrow_mut().insert(key, line.clone()));
    Some(line)
}

#[derive(Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    Unsure,
}

/// libyaml's scalar analysis for block context, on printable ASCII strings
/// that cannot be read as anything but a string (others are `Unsure`).
fn classify(s: &str) -> Style {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return Style::Unsure;
    };
    if !b.iter().all(|c| (0x20..=0x7e).contains(c)) {
        return Style::Unsure;
    }
    // Could resolve to null, a boolean or a number: serde_norway decides.
    if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.' | b'~') {
        return Style::Unsure;
    }
    if matches!(
        s,
        "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    ) {
        return Style::SingleQuoted;
    }
    let n = b.len();
    let blank_at = |i: usize| i >= n || b[i] == b' ';
    let mut block_indicators = false;
    if matches!(
        first,
        b'#' | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        block_indicators = true;
    }
    if matches!(first, b'?' | b':') && blank_at(1) {
        block_indicators = true;
    }
    for i in 1..n {
        match b[i] {
            b':' if blank_at(i + 1) => block_indicators = true,
            b'#' if b[i - 1] == b' ' => block_indicators = true,
            _ => {}
        }
    }
    let leading_or_trailing_space = b[0] == b' ' || b[n - 1] == b' ';
    if block_indicators || leading_or_trailing_space {
        Style::SingleQuoted
    } else {
        Style::Plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    /// What rendering did before this emitter: serde_norway, then the
    /// line-based YAML 1.1 quoting.
    fn norway(doc: &Json) -> String {
        crate::render::yaml11_safe(&serde_norway::to_string(doc).unwrap())
    }

    /// A tiny deterministic generator (xorshift), so the comparison covers
    /// many shapes and strings without a random-number crate.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn string(&mut self) -> String {
            const ALPHABET: &[u8] = b"aZ09 -_:#'\"*&!|>%@`,[]{}?.~+/=\\$()<>^;tfnuley";
            const WORDS: &[&str] = &[
                "true",
                "False",
                "null",
                "NULL",
                "~",
                "yes",
                "no",
                "on",
                "off",
                "1.0",
                "0x1f",
                "1_000",
                "1:20",
                ".inf",
                "-",
                "--- x",
                "... y",
                "a: b",
                "a #b",
                "a#b",
                "- x",
                "? x",
                ": x",
                "2012-10-17",
                "10.0.0.0/16",
                "${AWS::Region}",
                "arn:aws:s3:::b/*",
                "*",
                "/*",
                "'q'",
                "\"q\"",
                " lead",
                "trail ",
                "é",
                "tab\tx",
                "line\nbreak",
                "",
                "1e5",
                "+1",
                "-1",
                "0o7",
                "0b1",
                ".5",
                "nan",
                "inf",
                "Infinity",
                "y",
                "n",
                "ON",
                "Off",
                "YES",
                "<<",
                "=",
                "1_0",
                "12:30:00",
                "-1_000",
                "+1:2",
            ];
            if self.below(3) == 0 {
                return WORDS[self.below(WORDS.len() as u64) as usize].to_string();
            }
            let len = 1 + self.below(12);
            (0..len)
                .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
                .collect()
        }

        fn value(&mut self, depth: u32) -> Json {
            let pick = if depth >= 4 {
                self.below(5)
            } else {
                self.below(8)
            };
            match pick {
                0 => Json::Null,
                1 => Json::Bool(self.below(2) == 0),
                2 => json!(self.below(1_000_000) as i64 - 500_000),
                3 => json!((self.below(10_000) as f64) / 8.0),
                4 => Json::String(self.string()),
                5 | 6 => {
                    let mut m = Map::new();
                    for _ in 0..self.below(4) {
                        let k = self.string();
                        let v = self.value(depth + 1);
                        m.insert(k, v);
                    }
                    Json::Object(m)
                }
                _ => Json::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            }
        }
    }

    #[test]
    fn matches_serde_norway_on_generated_documents() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut fast = 0;
        for _ in 0..20_000 {
            let mut m = Map::new();
            for _ in 0..1 + g.below(5) {
                let k = g.string();
                let v = g.value(0);
                m.insert(k, v);
            }
            let doc = Json::Object(m);
            if let Some(text) = emit(&doc) {
                fast += 1;
                assert_eq!(text, norway(&doc), "{doc}");
            }
        }
        assert!(fast > 100, "only {fast} documents took the fast path");
    }

    #[test]
    fn template_shapes() {
        let doc = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "a: b",
            "Resources": {"R": {"Type": "AWS::X", "DependsOn": ["A", "B"], "Properties": {
                "List": [{"A": 1, "B": [[1, 2], [], {}]}, "x", {"C": {"D": [true]}}],
                "Empty": {}, "Star": "*", "Path": "/*", "Num": 100.0, "Sub": {"Fn::Sub": "${X}"}
            }}}
        });
        assert_eq!(emit(&doc).unwrap(), norway(&doc));
        assert!(emit(&json!({"Code": "a\nb"})).is_none());
        assert!(emit(&json!([1])).is_none());
    }
}
