//! One scanner of Rust source for the code-shape tests (`function_length`,
//! `type_literals`): it splits a source into spans of code, comments, string
//! literals and char literals, each with its text and the (1-based) line it
//! starts on. A simple lexer, not a parser: enough to tell what is code.
//!
//! Comments: line comments (`//`, `///`, `//!`, up to the newline, which is
//! code) and block comments (`/* */`, `/** */`, nested). Strings: plain,
//! byte and C strings (`"..."`, `b"..."`, `c"..."`, with escapes) and raw
//! ones (`r"..."`, `r#"..."#`, `br#"..."#`, `cr"..."`), the prefix part of
//! the span. Chars: `'x'`, `'"'`, `'\n'`, `'\''`, `'\u{1F600}'`, `b'x'`;
//! a lifetime or label (`'a`, `'static`) is code. The spans cover the source:
//! their texts joined are the source again.

/// What a span of source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Code,
    Comment,
    /// A string literal, prefix and quotes (and a raw string's hashes) included.
    Str,
    /// A char literal (or byte literal `b'x'`), quotes included.
    Char,
}

/// A piece of source: its kind, its text, and the line it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub line: usize,
}

impl<'a> Span<'a> {
    /// The contents of a string or char literal, between its quotes (escapes
    /// as written, not decoded); any other span's whole text.
    pub fn contents(&self) -> &'a str {
        match self.kind {
            Kind::Str => {
                let t = self.text.trim_start_matches(['b', 'c', 'r']);
                let hashes = t.len() - t.trim_start_matches('#').len();
                let t = &t[hashes + 1..];
                let close = format!("\"{}", &"#".repeat(hashes));
                // An unterminated literal runs to the end of the source.
                t.strip_suffix(close.as_str()).unwrap_or(t)
            }
            Kind::Char => {
                let t = self.text.trim_start_matches('b');
                &t[1..t.len() - 1]
            }
            Kind::Code | Kind::Comment => self.text,
        }
    }
}

/// The spans of `src`, in order (adjacent code merged into one span).
pub fn spans(src: &str) -> Vec<Span<'_>> {
    let c: Vec<char> = src.chars().collect();
    // Byte offset of each char, and of the end.
    let at: Vec<usize> = src
        .char_indices()
        .map(|(b, _)| b)
        .chain([src.len()])
        .collect();
    let mut out: Vec<Span> = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let (kind, end) = match token(&c, i) {
            Some(t) => t,
            None => (Kind::Code, i + 1),
        };
        let text = &src[at[i]..at[end]];
        match out.last_mut() {
            Some(last) if kind == Kind::Code && last.kind == Kind::Code => {
                last.text = &src[at[i] - last.text.len()..at[end]];
            }
            _ => out.push(Span { kind, text, line }),
        }
        line += text.matches('\n').count();
        i = end;
    }
    out
}

/// The comment or literal starting at `c[i]`, as (kind, index past its end),
/// or None when `c[i]` is code.
fn token(c: &[char], i: usize) -> Option<(Kind, usize)> {
    let ident = |k: usize| c[k].is_alphanumeric() || c[k] == '_';
    let next = |k: usize| c.get(k).copied();
    match (c[i], next(i + 1)) {
        ('/', Some('/')) => Some((Kind::Comment, line_end(c, i))),
        ('/', Some('*')) => Some((Kind::Comment, block_end(c, i))),
        ('"', _) => Some((Kind::Str, quoted_end(c, i + 1, '"'))),
        ('\'', _) => char_end(c, i).map(|end| (Kind::Char, end)),
        _ if i > 0 && ident(i - 1) => None,
        ('b', Some('\'')) => char_end(c, i + 1).map(|end| (Kind::Char, end)),
        ('b' | 'c', Some('"')) => Some((Kind::Str, quoted_end(c, i + 2, '"'))),
        ('b' | 'c', Some('r')) => raw_end(c, i + 1).map(|end| (Kind::Str, end)),
        ('r', _) => raw_end(c, i).map(|end| (Kind::Str, end)),
        _ => None,
    }
}

/// Past a line comment: up to (not including) the newline.
fn line_end(c: &[char], i: usize) -> usize {
    (i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len())
}

/// Past a block comment starting at `c[i]` (`/*`), nested ones included.
fn block_end(c: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < c.len() {
        match (c[i], c.get(i + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    c.len()
}

/// Past the closing `quote` of a literal whose contents start at `c[i]`
/// (a backslash escapes the next char).
fn quoted_end(c: &[char], mut i: usize, quote: char) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            ch if ch == quote => return i + 1,
            _ => i += 1,
        }
    }
    c.len()
}

/// Past a raw string whose `r` is `c[i]` (`r"..."`, `r#"..."#`), or None
/// when `r` starts no raw string (an identifier, `r#ident`).
fn raw_end(c: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    let hashes = j - i - 1;
    let close = (j + 1..c.len())
        .find(|&k| c[k] == '"' && (0..hashes).all(|h| c.get(k + 1 + h) == Some(&'#')));
    Some(close.map_or(c.len(), |k| k + 1 + hashes))
}

/// Past a char literal whose opening quote is `c[i]`, or None when the quote
/// starts a lifetime or label (`'a`, `'static`).
fn char_end(c: &[char], i: usize) -> Option<usize> {
    match c.get(i + 1) {
        // An escape: `'\n'`, `'\''`, `'\\'`, `'\x7f'`, `'\u{1F600}'`.
        Some('\\') => (i + 3..c.len().min(i + 13))
            .find(|&k| c[k] == '\'')
            .map(|k| k + 1),
        Some(_) if c.get(i + 2) == Some(&'\'') => Some(i + 3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{spans, Kind, Span};

    /// The spans of `src` other than code, as (kind, text, line).
    fn literals(src: &str) -> Vec<(Kind, &str, usize)> {
        spans(src)
            .into_iter()
            .filter(|s| s.kind != Kind::Code)
            .map(|s| (s.kind, s.text, s.line))
            .collect()
    }

    #[test]
    fn spans_cover_the_source() {
        let src = include_str!("rust_source.rs");
        let all = spans(src);
        assert_eq!(all.iter().map(|s| s.text).collect::<String>(), src);
        assert!(all.windows(2).all(|w| {
            !(w[0].kind == Kind::Code && w[1].kind == Kind::Code)
                && w[1].line == w[0].line + w[0].text.matches('\n').count()
        }));
    }

    #[test]
    fn line_and_block_comments() {
        let src = "a // one \"\n/* two\n \" */ b /* x /* nested */ \"still\" */ c\n";
        assert_eq!(
            literals(src),
            [
                (Kind::Comment, "// one \"", 1),
                (Kind::Comment, "/* two\n \" */", 2),
                (Kind::Comment, "/* x /* nested */ \"still\" */", 3),
            ]
        );
        let code: Vec<&str> = spans(src)
            .into_iter()
            .filter(|s| s.kind == Kind::Code)
            .map(|s| s.text)
            .collect();
        assert_eq!(code, ["a ", "\n", " b ", " c\n"]);
    }

    #[test]
    fn doc_comments() {
        let src = "//! inner \"doc\"\n/// outer 'x'\nfn f() {} /** block */\n";
        assert_eq!(
            literals(src),
            [
                (Kind::Comment, "//! inner \"doc\"", 1),
                (Kind::Comment, "/// outer 'x'", 2),
                (Kind::Comment, "/** block */", 3),
            ]
        );
    }

    #[test]
    fn plain_and_byte_strings_with_escapes() {
        let src = r#"let a = "x \" // y \\"; let b = b"z\"{"; let c = c"w";
let d = "two
lines"; f(x"q")"#;
        assert_eq!(
            literals(src),
            [
                (Kind::Str, r#""x \" // y \\""#, 1),
                (Kind::Str, r#"b"z\"{""#, 1),
                (Kind::Str, r#"c"w""#, 1),
                (Kind::Str, "\"two\nlines\"", 2),
                // `x"q"` is no prefixed literal: the string is `"q"`.
                (Kind::Str, r#""q""#, 3),
            ]
        );
        let contents: Vec<&str> = spans(src).iter().map(Span::contents).collect();
        assert!(contents.contains(&r#"x \" // y \\"#));
        assert!(contents.contains(&r#"z\"{"#));
    }

    #[test]
    fn raw_strings() {
        let src = r###"a(r"x\", r#"y "quoted" \"#, br#"z"#, cr"w", r##"a "# b"##); r#type"###;
        assert_eq!(
            literals(src),
            [
                (Kind::Str, r#"r"x\""#, 1),
                (Kind::Str, r###"r#"y "quoted" \"#"###, 1),
                (Kind::Str, r###"br#"z"#"###, 1),
                (Kind::Str, r#"cr"w""#, 1),
                (Kind::Str, r###"r##"a "# b"##"###, 1),
            ]
        );
        let contents: Vec<&str> = spans(src)
            .iter()
            .filter(|s| s.kind == Kind::Str)
            .map(Span::contents)
            .collect();
        assert_eq!(
            contents,
            [r"x\", r#"y "quoted" \"#, "z", "w", r##"a "# b"##]
        );
    }

    #[test]
    fn char_literals() {
        let src = r#"['x', '"', '\n', '\'', '\\', '\u{1F600}', b'{', 'é', '/']"#;
        assert_eq!(
            literals(src)
                .iter()
                .map(|(k, t, _)| (*k, *t))
                .collect::<Vec<_>>(),
            [
                (Kind::Char, "'x'"),
                (Kind::Char, r#"'"'"#),
                (Kind::Char, r"'\n'"),
                (Kind::Char, r"'\''"),
                (Kind::Char, r"'\\'"),
                (Kind::Char, r"'\u{1F600}'"),
                (Kind::Char, "b'{'"),
                (Kind::Char, "'é'"),
                (Kind::Char, "'/'"),
            ]
        );
        let contents: Vec<&str> = spans(src).iter().map(Span::contents).collect();
        assert!(contents.contains(&"\""));
        assert!(contents.contains(&r"\u{1F600}"));
    }

    #[test]
    fn lifetimes_and_labels_are_code() {
        let src = "fn f<'a>(x: &'a str) -> &'static str { 'outer: loop { break 'outer; } \"s\" }";
        assert_eq!(literals(src), [(Kind::Str, "\"s\"", 1)]);
    }

    #[test]
    fn unterminated_literals_run_to_the_end() {
        assert_eq!(literals("x \"abc"), [(Kind::Str, "\"abc", 1)]);
        assert_eq!(spans("x \"abc")[1].contents(), "abc");
        assert_eq!(literals("r#\"abc\""), [(Kind::Str, "r#\"abc\"", 1)]);
        assert_eq!(
            literals("/* a /* b */"),
            [(Kind::Comment, "/* a /* b */", 1)]
        );
    }
}
