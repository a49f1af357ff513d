//! Configuration errors that point at file:line:column and suggest the key
//! that was probably meant.

use std::fmt;

/// A mistake in a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as the user would name it.
    pub file: String,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    pub message: String,
    /// A suggestion (`did you mean ...`).
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// An error about the whole file.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_string(),
            location: None,
            message: message.into(),
            help: None,
        }
    }

    /// A mistake found after parsing (while expanding) whose message starts
    /// with the dotted path of the key it is about (`options.cache: ...`),
    /// located at that key; `None` when the key is not written out.
    pub fn about_key(file: &str, text: &str, message: &str) -> Option<Self> {
        let location = locate_key_path(text, message)?;
        Some(ConfigError {
            file: file.to_string(),
            location: Some(location),
            message: message.to_string(),
            help: None,
        })
    }

    /// Turns a YAML deserialization error into one with a location and, for
    /// unknown keys and values, the nearest valid one.
    pub fn from_yaml(file: &str, text: &str, err: &serde_norway::Error) -> Self {
        let raw = err.to_string();
        // serde_norway appends " at line L column C"; we print the location ourselves.
        let message = match raw.rfind(" at line ") {
            Some(i) => raw[..i].to_string(),
            None => raw,
        };
        let location = err
            .location()
            .map(|l| (l.line(), l.column()))
            .filter(|_| !text.trim().is_empty())
            .or_else(|| {
                message
                    .contains("more than one document")
                    .then(|| super::limits::second_document(text))
                    .flatten()
            });
        let help = suggestion(&message);
        // A check across several options reports at the document's start;
        // its message names the key it is about (`options.front: ...`).
        let location = match location {
            None | Some((1, 1)) => locate_key_path(text, &message).or(location),
            found => found,
        };
        // A check across several keys of a mapping reports at the mapping
        // with the mapping's path (`options: options.api.usage_plan: ...`);
        // its own message names the key it is about: point there.
        let nested = message.split_once(": ").and_then(|(outer, detail)| {
            let (inner, _) = detail.split_once(": ")?;
            let named = inner.starts_with(&format!("{outer}.")) && !inner.contains(' ');
            named
                .then(|| locate_key_path(text, detail))
                .flatten()
                .map(|loc| (detail.to_string(), loc))
        });
        let (message, location) = match (nested, location) {
            (Some((detail, loc)), _) => (detail, Some(loc)),
            (None, Some(loc)) => refine(text, &message, loc),
            (None, None) => (message, None),
        };
        let message = if text.trim().is_empty() {
            format!("the file is empty; {}", plain_language(&message))
        } else {
            plain_language(&mapping_not_struct(&message))
                .replace("unknown field", "unknown key")
                .replace("missing field", "missing key")
                .replace("duplicate field", "duplicate key")
        };
        ConfigError {
            file: file.to_string(),
            location,
            message,
            help,
        }
    }
}

/// serde names the Rust type it wanted (`expected struct RawLambdaOptions`);
/// a user wrote YAML: say `expected a mapping`.
fn mapping_not_struct(message: &str) -> String {
    match message.find("expected struct ") {
        Some(i) => {
            let rest = &message[i + "expected struct ".len()..];
            let name_end = rest
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(rest.len());
            format!("{}expected a mapping{}", &message[..i], &rest[name_end..])
        }
        None => message.to_string(),
    }
}

/// serde and serde_norway word type mismatches in Rust's terms
/// (`invalid type: unit value, expected u64`); say them in a YAML user's:
/// `expected a whole number (0 or more), found nothing (null)`. A message
/// this does not recognize is kept as it is.
fn plain_language(message: &str) -> String {
    // serde's `invalid type: UNEXPECTED, expected EXPECTED` (and `invalid
    // value`), after an optional `path: ` prefix.
    for marker in ["invalid type: ", "invalid value: "] {
        let Some(i) = message.find(marker) else {
            continue;
        };
        let rest = &message[i + marker.len()..];
        let Some((found, expected)) = rest.rsplit_once(", expected ") else {
            continue;
        };
        let prefix = &message[..i];
        // A number too large for any integer type (serde_norway tries u128).
        if let Some(n) = found
            .strip_prefix("integer `")
            .and_then(|r| r.strip_suffix("` as u128"))
        {
            return format!("{prefix}{n} is too large a number");
        }
        return format!(
            "{prefix}expected {}, found {}",
            plain_expected(expected),
            plain_found(found)
        );
    }
    if let Some(i) = message.find("invalid length ") {
        let rest = &message[i + "invalid length ".len()..];
        if let Some((n, expected)) = rest.split_once(", expected ") {
            return format!(
                "{}expected {}, found {n} entries",
                &message[..i],
                plain_expected(expected)
            );
        }
    }
    for (rust, plain) in [
        (
            "deserializing from YAML containing more than one document is not supported",
            "the file holds more than one YAML document (separated by a `---` line); a project file is one document",
        ),
        (
            "repetition limit exceeded",
            "aliases (`*name`) repeat too much text; write the values out, or use fewer aliases",
        ),
        (
            "recursion limit exceeded",
            "mappings and lists nest too deeply; a project file needs only a few levels",
        ),
        (
            "unknown anchor",
            "this alias (`*name`) names no anchor (`&name`) written before it",
        ),
        (
            "EOF while parsing a value",
            "the file ends where a value was expected",
        ),
    ] {
        if let Some(i) = message.find(rust) {
            return format!("{}{plain}{}", &message[..i], &message[i + rust.len()..]);
        }
    }
    message.to_string()
}

/// What serde says was expected, in plain words.
fn plain_expected(expected: &str) -> String {
    let plain = match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "an integer" => "a whole number",
        "f32" | "f64" | "a float" => "a number",
        "a string" | "a borrowed string" | "string" => "text",
        "a character" | "a char" => "a single character",
        "a boolean" | "bool" => "true or false",
        "a sequence" | "a list" => "a list",
        "a map" | "a mapping" => "a mapping",
        "unit" | "null" => "nothing (null)",
        "any YAML value" => "a value",
        "a YAML tag starting with '!'" => "a single name (text)",
        other => {
            if other.starts_with("enum ") {
                "one of the names this key takes"
            } else if other.starts_with("a tuple of size ") || other.starts_with("tuple struct ") {
                "a list"
            } else {
                return other.to_string();
            }
        }
    };
    plain.to_string()
}

/// What serde says it found (its `Unexpected`), in plain words.
fn plain_found(found: &str) -> String {
    let quoted = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('`'))
            .and_then(|r| r.strip_suffix('`'))
            .map(str::to_string)
    };
    if let Some(s) = found.strip_prefix("string ") {
        return format!("the text {s}");
    }
    if let Some(n) = quoted("integer ").or_else(|| quoted("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = quoted("boolean ") {
        return format!("`{b}` (true or false)");
    }
    if let Some(c) = quoted("character ") {
        return format!("the text \"{c}\"");
    }
    match found {
        "unit value" | "unit" => "nothing (null)",
        "sequence" => "a list",
        "map" => "a mapping",
        "enum" => "a tagged value (`!tag`)",
        "unit variant" | "newtype variant" | "tuple variant" | "struct variant" => {
            "a tagged value (`!tag`)"
        }
        "newtype struct" | "unit struct" => "a value",
        "byte array" | "bytes" => "binary data",
        other => return other.to_string(),
    }
    .to_string()
}

/// serde_norway reports a value that failed validation at the start of the
/// mapping that holds it (`options.function: 20000 is out of range` at the
/// mapping's first key). Find the key in that mapping whose value is the one
/// the message names, and point at it: `options.function.memory_mb` at its value.
fn refine(
    text: &str,
    message: &str,
    (line, col): (usize, usize),
) -> (String, Option<(usize, usize)>) {
    let (path, detail) = match message.split_once(": ") {
        Some((p, d)) if !p.contains(' ') => (Some(p), d),
        _ => (None, message),
    };
    let Some(token) = detail
        .split_whitespace()
        .next()
        .map(|t| t.trim_matches('`'))
        .filter(|t| {
            !t.is_empty() && !detail.starts_with("unknown") && !detail.starts_with("invalid type")
        })
    else {
        return (message.to_string(), Some((line, col)));
    };
    let lines: Vec<&str> = text.lines().collect();
    let indent = col.saturating_sub(1);
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(line.saturating_sub(1)) {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this_indent = l.len() - trimmed.len();
        if this_indent < indent && i + 1 > line {
            break;
        }
        if this_indent != indent {
            continue;
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            let value_text = value.split(" #").next().unwrap_or("").trim();
            let unquoted = value_text.trim_matches(|c| c == '"' || c == '\'');
            if unquoted == token {
                let value_col = l.len() - value.trim_start().len() + 1;
                found.push((key.trim().to_string(), i + 1, value_col));
            }
        }
    }
    match found.as_slice() {
        [(key, l, c)] => {
            let full = match path {
                Some(p) => format!("{p}.{key}"),
                None => key.clone(),
            };
            (format!("{full}: {detail}"), Some((*l, *c)))
        }
        _ => (message.to_string(), Some((line, col))),
    }
}

/// Where the key named by a message's leading dotted path (`options.alb.x: ...`)
/// is written: the line and the column of its value (of the key, when the
/// value starts on the next line). `None` when the path is not written out.
fn locate_key_path(text: &str, message: &str) -> Option<(usize, usize)> {
    let (path, _) = message.split_once(": ")?;
    if !path.contains('.') || path.contains(' ') {
        return None;
    }
    let keys: Vec<&str> = path.split('.').collect();
    locate_key(text, &keys)
}

/// Where the key at `path` (`["options", "lambda", "overrides", "X"]`) is
/// written in a block-style YAML document: the line and the column of its
/// value (of the key, when the value starts on the next line). For mistakes
/// only the expansion sees, such as an override naming a function that does
/// not exist. `None` when the path is not written out.
pub fn locate_key(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    let mut lines = text.lines().enumerate();
    for key in path {
        found = None;
        let mut child_indent: Option<usize> = parent_indent.is_none().then_some(0);
        for (i, l) in lines.by_ref() {
            let trimmed = l.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = l.len() - trimmed.len();
            if parent_indent.is_some_and(|p| indent <= p) {
                return None;
            }
            // Keys of this block sit at its first line's indentation.
            let level = *child_indent.get_or_insert(indent);
            if indent != level {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                let value = rest.split(" #").next().unwrap_or("").trim();
                let col = if value.is_empty() {
                    indent + 1
                } else {
                    l.len() - rest.trim_start().len() + 1
                };
                found = Some((i + 1, col));
                parent_indent = Some(indent);
                break;
            }
        }
        found?;
    }
    found
}

/// For `unknown field `x`, expected one of `a`, `b`` (or `unknown variant`),
/// the closest candidate, if one is close enough to be a likely typo.
fn suggestion(message: &str) -> Option<String> {
    let (kind, rest) = if let Some(i) = message.find("unknown field `") {
        ("key", &message[i + "unknown field `".len()..])
    } else if let Some(i) = message.find("unknown variant `") {
        ("value", &message[i + "unknown variant `".len()..])
    } else {
        return None;
    };
    let (given, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected")?.1;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    nearest(given, &candidates).map(|c| format!("did you mean the {kind} `{c}`?"))
}

/// The candidate closest to `given`, if it is within a typo's distance.
pub fn nearest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let given_l = given.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&given_l, &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(given.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_is_expected_not_a_rust_struct() {
        assert_eq!(
            mapping_not_struct(
                "options.lambda: invalid type: string \"yes\", expected struct RawLambdaOptions"
            ),
            "options.lambda: invalid type: string \"yes\", expected a mapping"
        );
        assert_eq!(mapping_not_struct("expected a map"), "expected a map");
    }

    #[test]
    fn serde_wording_becomes_plain() {
        let cases = [
            (
                "options.dax.nodes: invalid type: string \"x\", expected u64",
                "options.dax.nodes: expected a whole number (0 or more), found the text \"x\"",
            ),
            (
                "n: invalid type: integer `-1`, expected u64",
                "n: expected a whole number (0 or more), found the number -1",
            ),
            (
                "n: invalid value: integer `-1`, expected u32",
                "n: expected a whole number (0 or more), found the number -1",
            ),
            (
                "n: invalid type: floating point `1.5`, expected i64",
                "n: expected a whole number, found the number 1.5",
            ),
            (
                "n: invalid type: integer `99999999999999999999999` as u128, expected any YAML value",
                "n: 99999999999999999999999 is too large a number",
            ),
            (
                "n: invalid type: sequence, expected u64",
                "n: expected a whole number (0 or more), found a list",
            ),
            (
                "n: invalid type: unit value, expected f64",
                "n: expected a number, found nothing (null)",
            ),
            (
                "options.dax: invalid type: unit value, expected a mapping",
                "options.dax: expected a mapping, found nothing (null)",
            ),
            (
                "tags: invalid type: sequence, expected a map",
                "tags: expected a mapping, found a list",
            ),
            (
                "x: invalid type: map, expected a string",
                "x: expected text, found a mapping",
            ),
            (
                "x: invalid type: boolean `true`, expected a borrowed string",
                "x: expected text, found `true` (true or false)",
            ),
            (
                "x: invalid type: character `c`, expected a sequence",
                "x: expected a list, found the text \"c\"",
            ),
            (
                "termination_protection: invalid type: integer `5`, expected a boolean",
                "termination_protection: expected true or false, found the number 5",
            ),
            (
                "x: invalid value: string \"maybe\", expected a boolean",
                "x: expected true or false, found the text \"maybe\"",
            ),
            (
                "x: invalid value: string \"1e\", expected an integer",
                "x: expected a whole number, found the text \"1e\"",
            ),
            (
                "x: invalid value: string \"x\", expected a float",
                "x: expected a number, found the text \"x\"",
            ),
            (
                "x: invalid value: string \"~x\", expected null",
                "x: expected nothing (null), found the text \"~x\"",
            ),
            (
                "x: invalid type: string \"y\", expected unit",
                "x: expected nothing (null), found the text \"y\"",
            ),
            (
                "x: invalid type: string \"y\", expected a character",
                "x: expected a single character, found the text \"y\"",
            ),
            (
                "x: invalid type: string \"y\", expected a list",
                "x: expected a list, found the text \"y\"",
            ),
            (
                "options.cache: invalid type: sequence, expected a YAML tag starting with '!'",
                "options.cache: expected a single name (text), found a list",
            ),
            (
                "x: invalid type: enum, expected usize",
                "x: expected a whole number (0 or more), found a tagged value (`!tag`)",
            ),
            (
                "x: invalid type: unit variant, expected enum Cache",
                "x: expected one of the names this key takes, found a tagged value (`!tag`)",
            ),
            (
                "x: invalid type: map, expected a tuple of size 2",
                "x: expected a list, found a mapping",
            ),
            (
                "x: invalid type: map, expected any YAML value",
                "x: expected a value, found a mapping",
            ),
            (
                "x: invalid type: newtype struct, expected u8",
                "x: expected a whole number (0 or more), found a value",
            ),
            (
                "x: invalid type: byte array, expected u16",
                "x: expected a whole number (0 or more), found binary data",
            ),
            (
                "x: invalid type: unit, expected i32",
                "x: expected a whole number, found nothing (null)",
            ),
            (
                "x: invalid length 3, expected a tuple of size 2",
                "x: expected a list, found 3 entries",
            ),
            (
                "deserializing from YAML containing more than one document is not supported",
                "the file holds more than one YAML document (separated by a `---` line); a project file is one document",
            ),
            (
                "repetition limit exceeded",
                "aliases (`*name`) repeat too much text; write the values out, or use fewer aliases",
            ),
            (
                "recursion limit exceeded",
                "mappings and lists nest too deeply; a project file needs only a few levels",
            ),
            (
                "unknown anchor",
                "this alias (`*name`) names no anchor (`&name`) written before it",
            ),
            (
                "EOF while parsing a value",
                "the file ends where a value was expected",
            ),
            // A message of the project's own is left alone.
            (
                "options.x: 20000 is out of range: allowed are 128 to 10240",
                "options.x: 20000 is out of range: allowed are 128 to 10240",
            ),
            (
                "x: invalid type: map, expected a CIDR block",
                "x: expected a CIDR block, found a mapping",
            ),
        ];
        for (serde, plain) in cases {
            assert_eq!(plain_language(serde), plain, "for {serde}");
        }
    }

    #[test]
    fn suggests_the_nearest_key_and_value() {
        assert_eq!(
            suggestion("options: unknown field `cahce`, expected one of `memory`, `cache`"),
            Some("did you mean the key `cache`?".into())
        );
        assert_eq!(
            suggestion("options.cache: unknown variant `daxx`, expected `none` or `dax`"),
            Some("did you mean the value `dax`?".into())
        );
        assert_eq!(suggestion("unknown field `zzzzzz`, expected `cache`"), None);
    }

    #[test]
    fn a_failed_value_is_located_at_its_key() {
        let text = "a: 1\nopts:\n  fn:\n    x: 5\n    memory: 20000  # big\n  y: 2\n";
        let (m, loc) = refine(text, "opts.fn: 20000 is out of range", (4, 5));
        assert_eq!(m, "opts.fn.memory: 20000 is out of range");
        assert_eq!(loc, Some((5, 13)));
        let (m, loc) = refine("b: x\nname: '9x'\n", "`9x` is bad", (1, 1));
        assert_eq!((m.as_str(), loc), ("name: `9x` is bad", Some((2, 7))));
        // Not found: left as serde said.
        let (m, loc) = refine(text, "opts.fn: 7 is out of range", (4, 5));
        assert_eq!(
            (m.as_str(), loc),
            ("opts.fn: 7 is out of range", Some((4, 5)))
        );
    }

    #[test]
    fn a_dotted_path_in_the_message_is_located() {
        let text = "a: 1\noptions:\n  # c\n  front: alb\n  alb:\n    x: 1\n";
        assert_eq!(
            locate_key_path(text, "options.front: needs more"),
            Some((4, 10))
        );
        assert_eq!(locate_key_path(text, "options.alb: x"), Some((5, 3)));
        assert_eq!(locate_key_path(text, "options.alb.x: x"), Some((6, 8)));
        assert_eq!(locate_key_path(text, "options.missing: x"), None);
        assert_eq!(locate_key_path(text, "front: x"), None);
        let nested = "options:\n  api:\n    alb: 1\n  alb: 2\n";
        assert_eq!(locate_key_path(nested, "options.alb: x"), Some((4, 8)));
    }

    #[test]
    fn nearest_ignores_case_and_far_candidates() {
        assert_eq!(nearest("Region", &["region", "tags"]), Some("region"));
        assert_eq!(nearest("stack", &["stack_name", "tags"]), None);
        assert_eq!(
            nearest("stack_nme", &["stack_name", "tags"]),
            Some("stack_name")
        );
    }
}
