//! Placeholder values: what documentation writes where a real value must go
//! (`no-reply@example.com`, `updates-origin.example.com`, the account
//! `123456789012`, `192.0.2.10`). `synth` accepts them with a warning naming
//! each key, so a new project synthesizes at once; `plan` and `apply` refuse
//! them (issue 14), so nothing deploys with an address nobody owns.

use super::tree::{line_col, KeyPath, Node, Step};
use super::Source;
use serde_saphyr::Spanned;

/// One placeholder the project would deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// `options.welcome_email.sender`.
    pub key: String,
    /// The placeholder value.
    pub value: String,
    /// `blueprint.yaml:162:13`, or for a value the project file leaves to
    /// the blueprint's default, `blueprint.yaml (the default of ...)`.
    pub at: String,
}

impl Placeholder {
    /// `blueprint.yaml:162:13: options.welcome_email.sender is `no-reply@example.com``.
    pub fn describe(&self) -> String {
        format!("{}: {} is `{}`", self.at, self.key, self.value)
    }
}

/// The domains RFC 2606 and RFC 6761 keep for documentation and tests.
const RESERVED_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid"];
/// The IPv4 ranges RFC 5737 keeps for documentation.
const DOCUMENTATION_NETS: &[&str] = &["192.0.2.", "198.51.100.", "203.0.113."];
/// The account ID of AWS's documentation.
const DOCUMENTATION_ACCOUNT: &str = "123456789012";

/// Whether `text` is, or holds, a placeholder: a reserved domain (also in an
/// email address or URL), a documentation address, an ARN in AWS's
/// documentation account, or an AWS documentation-style ID (`...EXAMPLE`).
pub fn is_placeholder(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let hosts = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .filter(|w| !w.is_empty());
    // `host` is `d` or ends with `.d`.
    let under = |host: &str, d: &str| {
        host.strip_suffix(d)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    };
    for host in hosts {
        let host = host.trim_end_matches('.');
        if RESERVED_DOMAINS.iter().any(|d| under(host, d))
            || (host.contains('.')
                && RESERVED_TLDS
                    .iter()
                    .any(|t| host.strip_suffix(t).is_some_and(|rest| rest.ends_with('.'))))
            || DOCUMENTATION_NETS.iter().any(|n| host.starts_with(n))
        {
            return true;
        }
    }
    if lower.starts_with("2001:db8:") {
        return true;
    }
    if text.starts_with("arn:") && text.split(':').nth(4) == Some(DOCUMENTATION_ACCOUNT) {
        return true;
    }
    text.len() > 7 && text.ends_with("EXAMPLE")
}

/// What every placeholder's text holds (lower case): a reserved domain or
/// TLD, a documentation network, the documentation IPv6 prefix or account,
/// or `...EXAMPLE`.
const NEEDLES: &[&str] = &[
    "example",
    ".test",
    ".invalid",
    "192.0.2.",
    "198.51.100.",
    "203.0.113.",
    "2001:db8:",
    DOCUMENTATION_ACCOUNT,
];

/// Whether some value of the YAML `text` may be a placeholder, from its
/// characters alone. A value's characters are the file's own, but for
/// escapes (`\x41`, only with a backslash) and line folding, which puts a
/// space or line break between two lines' parts (never joining two parts
/// into one name). So a file without a backslash and without any of
/// [`NEEDLES`] holds no placeholder, and is not parsed for one (a thousand
/// services: a second parse of 200 KB, 15% of the run's CPU time).
///
/// Lines that are only a comment (`# e.g. api.example.com`, as the
/// blueprints' documented defaults have many) are left out when no other
/// line has a quote or a block scalar's `|` or `>`: only inside those can
/// a line starting with `#` be part of a value.
fn may_hold_placeholder(text: &str) -> bool {
    if text.contains('\\') {
        return true;
    }
    // Bytes, not characters: the breaks and marks are ASCII but for NEL,
    // LS and PS, found by their UTF-8 bytes (splitting on characters was
    // most of the scan's time).
    let bytes = text.as_bytes();
    let mut values = Vec::with_capacity(bytes.len());
    let mut start = 0;
    loop {
        let (end, width, marked) = next_line_break(bytes, start);
        let line = &bytes[start..end];
        let comment = line
            .iter()
            .find(|&&b| b != b' ' && b != b'\t')
            .is_some_and(|&b| b == b'#');
        if !comment {
            if marked {
                return contains_needle(bytes);
            }
            values.extend_from_slice(line);
            values.push(b'\n');
        }
        if end == bytes.len() {
            return contains_needle(&values);
        }
        start = end + width;
    }
}

/// Where the first line break at or after `from` is in `text`, and its
/// length in bytes: every character a YAML parser may break a line at
/// (`\n`, `\r`, NEL, LS, PS); the end of the text, of length 0, if none.
/// Also whether the line has a quote or a block scalar's `|` or `>`.
fn next_line_break(text: &[u8], from: usize) -> (usize, usize, bool) {
    /// The bytes `next_line_break` looks at; most bytes are none of them.
    const SPECIAL: [bool; 256] = {
        let mut table = [false; 256];
        let special = b"\n\r\"'|>\xC2\xE2";
        let mut i = 0;
        while i < special.len() {
            table[special[i] as usize] = true;
            i += 1;
        }
        table
    };
    let mut marked = false;
    for (i, &byte) in text.iter().enumerate().skip(from) {
        if !SPECIAL[usize::from(byte)] {
            continue;
        }
        match byte {
            b'\n' | b'\r' => return (i, 1, marked),
            0xC2 if text.get(i + 1) == Some(&0x85) => return (i, 2, marked),
            0xE2 if text.get(i + 1) == Some(&0x80)
                && matches!(text.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                return (i, 3, marked)
            }
            0xC2 | 0xE2 => {}
            _ => marked = true,
        }
    }
    (text.len(), 0, marked)
}

/// Whether a byte begins one of [`NEEDLES`], in either case.
const NEEDLE_FIRST: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < NEEDLES.len() {
        let first = NEEDLES[i].as_bytes()[0];
        table[first.to_ascii_lowercase() as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

/// Whether `text` holds one of [`NEEDLES`], in any case: one pass, trying
/// the needles only at a byte that begins one and whose next byte is its
/// second (a lower-case copy searched once per needle was 3% of `synth
/// todo`, and trying every needle at every such first byte as much).
fn contains_needle(text: &[u8]) -> bool {
    text.iter().enumerate().any(|(i, &byte)| {
        NEEDLE_FIRST[usize::from(byte)]
            && text.get(i + 1).is_some_and(|&second| {
                NEEDLES.iter().any(|n| {
                    let n = n.as_bytes();
                    n[0] == byte.to_ascii_lowercase()
                        && n[1] == second.to_ascii_lowercase()
                        && text
                            .get(i..i + n.len())
                            .is_some_and(|t| t.eq_ignore_ascii_case(n))
                })
            })
    })
}

/// The placeholders `source` would deploy: its own values, and the
/// blueprint defaults' (`defaults`) that it leaves in place by not writing
/// their key.
pub fn find(source: &Source, defaults: &Source) -> Vec<Placeholder> {
    // The blueprint's own defaults (`synth todo`): every key is written,
    // nothing is left to a default, and the file is not read twice.
    let same = source.text == defaults.text;
    let mut left = Vec::new();
    if !same && may_hold_placeholder(&defaults.text) {
        if let Ok(default_root) = super::tree::parse(&defaults.text) {
            placeholders_under(
                &default_root,
                &mut KeyPath(Vec::new()),
                &mut |path, value, _| {
                    left.push((path.clone(), value.to_string()));
                },
            );
        }
    }
    let own = may_hold_placeholder(&source.text);
    if !own && left.is_empty() {
        return Vec::new();
    }
    let Ok(root) = super::tree::parse(&source.text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    placeholders_under(&root, &mut KeyPath(Vec::new()), &mut |path, value, node| {
        let at = match line_col(&node.referenced) {
            Some((l, c)) => format!("{}:{l}:{c}", source.name),
            None => source.name.clone(),
        };
        out.push(Placeholder {
            key: path.to_string(),
            value: value.to_string(),
            at,
        });
    });
    for (path, value) in left {
        if left_to_default(&root, &path) {
            out.push(Placeholder {
                key: path.to_string(),
                value,
                at: format!("{} (not set: the blueprint's default)", source.name),
            });
        }
    }
    out
}

/// Calls `found` with every placeholder text under `node`, its path (`path`
/// extended as the walk goes down, so only a placeholder's is written out)
/// and its node.
fn placeholders_under(
    node: &Spanned<Node>,
    path: &mut KeyPath,
    found: &mut impl FnMut(&KeyPath, &str, &Spanned<Node>),
) {
    match &node.value {
        Node::Map(entries) => {
            for e in entries {
                path.0.push(Step::Key(e.key.value.clone()));
                placeholders_under(&e.value, path, found);
                path.0.pop();
            }
        }
        Node::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.0.push(Step::Index(i));
                placeholders_under(item, path, found);
                path.0.pop();
            }
        }
        Node::Text(t) if is_placeholder(t) => found(path, t, node),
        _ => {}
    }
}

/// Whether the project file leaves `path` to the blueprint's default: some
/// mapping on the way down lacks the next key (a list, or any value the
/// file writes, replaces the default as a whole).
fn left_to_default(root: &Spanned<Node>, path: &KeyPath) -> bool {
    let mut node = root;
    for step in &path.0 {
        match (step, &node.value) {
            (Step::Key(k), Node::Map(entries)) => {
                match entries.iter().rev().find(|e| &e.key.value == k) {
                    Some(e) => node = &e.value,
                    None => return true,
                }
            }
            // `options:` written empty (null) keeps every default below it.
            (Step::Key(_), Node::Null) => return true,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognized() {
        for yes in [
            "no-reply@example.com",
            "updates-origin.example.com",
            "https://www.example.org/x",
            "example.net",
            "api.shop.test",
            "host.invalid",
            "192.0.2.10",
            "203.0.113.0/24",
            "2001:db8::1",
            "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "Z05512345EXAMPLE",
        ] {
            assert!(is_placeholder(yes), "{yes}");
        }
        for no in [
            "myexample.com",
            "example.com.au",
            "conf.example.kr",
            "updates.mycompany.com",
            "10.0.0.0/16",
            "arn:aws:acm:us-east-1:210987654321:certificate/abc",
            "EXAMPLE",
            "test",
            "v1",
            "",
        ] {
            assert!(!is_placeholder(no), "{no}");
        }
    }

    /// Each needle is found in any case, anywhere; a part of one is not.
    #[test]
    fn every_needle_is_found_in_any_case() {
        for n in NEEDLES {
            for text in [
                n.to_string(),
                n.to_ascii_uppercase(),
                format!("x{n}"),
                format!("{n}x"),
            ] {
                assert!(contains_needle(text.as_bytes()), "{text}");
            }
        }
        assert!(!contains_needle(
            b"exampl .tes .invali 192.0.2 2001:db8 12345678901 e . 1 2"
        ));
        assert!(!contains_needle(b""));
    }

    /// Every placeholder the recognizer accepts passes the quick test of
    /// the text, written plainly, quoted, folded, or in a flow mapping;
    /// an escape always passes it.
    #[test]
    fn the_quick_test_misses_no_placeholder() {
        for p in [
            "no-reply@example.com",
            "updates-origin.EXAMPLE.com",
            "https://www.example.org/x",
            "api.shop.test",
            "host.INVALID",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.0/24",
            "2001:DB8::1",
            "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "Z05512345EXAMPLE",
        ] {
            assert!(is_placeholder(p), "{p}");
            for text in [
                format!("a: {p}\n"),
                format!("a: '{p}'\n"),
                format!("a: {{b: \"{p}\"}}\n"),
                format!("a: >\n  {p}\n"),
            ] {
                assert!(may_hold_placeholder(&text), "{text}");
            }
        }
        assert!(may_hold_placeholder("a: \"ex\\x61mple.com\"\n"));
        // Comment lines do not count, but where a line starting with `#`
        // may belong to a value (block and quoted scalars).
        assert!(!may_hold_placeholder(
            "# e.g. api.example.com\na: b\n  # 192.0.2.1\n"
        ));
        for text in [
            "a: |\n  # api.example.com\n",
            "a: >-\n  x\n  # api.example.com\n",
            "a: \"x\n  # api.example.com\"\n",
            "a: 'x\n  # api.example.com'\n",
            "a: b # api.example.com\n",
            "# x\ra: api.example.com\r",
            "# x\u{85}a: api.example.com\n",
            "# x\u{2028}a: api.example.com",
            "# x\u{2029}a: api.example.com\u{2029}",
        ] {
            assert!(may_hold_placeholder(text), "{text}");
        }
        // NEL, LS and PS end a comment line as a line feed does; other
        // characters of two or three bytes do not.
        for text in [
            "a: b\u{85}# api.example.com\n",
            "a: b\u{2028}  # api.example.com",
            "a: é\n# ü api.example.com\u{2029}",
            "# x\u{2027}a: api.example.com\n",
            "# x\u{a0}a: api.example.com\n",
            "# x\u{2030}a: api.example.com\n",
        ] {
            assert!(!may_hold_placeholder(text), "{text}");
        }
        // The parser agrees: a line starting with `#` after a plain
        // value's line is a comment, not more of the value.
        for text in [
            "a: foo\n  # api.example.com\n",
            "a: foo\n  #api.example.com\n",
        ] {
            assert!(!may_hold_placeholder(text), "{text}");
            let root = super::super::tree::parse(text).unwrap();
            let Node::Map(entries) = &root.value else {
                panic!("{text}")
            };
            assert!(
                matches!(&entries[0].value.value, Node::Text(t) if t == "foo"),
                "{text}"
            );
        }
        let p = find(
            &source("p.yaml", "a: |\n  # api.example.com\n"),
            &source("<d>", "a: b\n"),
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].value, "# api.example.com\n");
        assert!(!may_hold_placeholder(
            "a: myservice.internal\nb: 10.0.0.1\n"
        ));
        // Found where the quick test lets the parse run, also for a default
        // left in place by a file that holds none itself.
        let defaults = source(
            "<d>",
            "options:\n  sender: no-reply@example.com\n  other: x\n",
        );
        let p = find(&source("p.yaml", "options:\n  other: y\n"), &defaults);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(find(
            &source("p.yaml", "options:\n  sender: me@mine.dev\n"),
            &defaults
        )
        .is_empty());
        let p = find(
            &source("p.yaml", "a: \"no-reply@ex\\x61mple.com\"\n"),
            &source("<d>", "a: b\n"),
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].value, "no-reply@example.com");
    }

    fn source(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn written_values_and_defaults_left_in_place_are_found() {
        let defaults = source(
            "<built-in>",
            "blueprint: blog\noptions:\n  welcome_email:\n    sender: no-reply@example.com\n  domain: null\n",
        );
        // Written: located at the value.
        let p = find(
            &source(
                "b.yaml",
                "blueprint: blog\noptions:\n  welcome_email:\n    sender: me@example.org\n",
            ),
            &defaults,
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0].describe(),
            "b.yaml:4:13: options.welcome_email.sender is `me@example.org`"
        );
        // Not written: the default is what deploys.
        for text in [
            "blueprint: blog\n",
            "blueprint: blog\noptions:\n",
            "blueprint: blog\noptions:\n  welcome_email: {}\n",
        ] {
            let p = find(&source("b.yaml", text), &defaults);
            assert_eq!(p.len(), 1, "{text}: {p:?}");
            assert_eq!(
                p[0].describe(),
                "b.yaml (not set: the blueprint's default): options.welcome_email.sender is `no-reply@example.com`"
            );
        }
        // A real value replaces it.
        let p = find(
            &source(
                "b.yaml",
                "blueprint: blog\noptions:\n  welcome_email:\n    sender: hello@myblog.dev\n",
            ),
            &defaults,
        );
        assert!(p.is_empty(), "{p:?}");
    }
}
