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
    /// What is wrong, in plain words.
    pub message: String,
    /// A suggestion (`did you mean ...`).
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = shorten_quoted(&self.message);
        match self.location {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {message}", self.file)?,
            None => write!(f, "{}: {message}", self.file)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Values a message quotes (`` `value` ``) longer than this are shortened:
/// a 100 KB value written where a name goes is not printed back whole.
const MAX_QUOTED: usize = 60;

/// The message with every quoted value over [`MAX_QUOTED`] characters cut,
/// saying how long it was.
fn shorten_quoted(message: &str) -> String {
    let parts: Vec<&str> = message.split('`').collect();
    let mut out = String::with_capacity(message.len().min(1024));
    for (i, part) in parts.iter().enumerate() {
        // Odd parts sit between a pair of backticks; an odd last part
        // follows a backtick that is never closed.
        let quoted = i % 2 == 1 && i + 1 < parts.len();
        let chars = part.chars().count();
        if !quoted {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(part);
        } else if chars > MAX_QUOTED {
            out.push('`');
            out.extend(part.chars().take(MAX_QUOTED));
            out.push_str(&format!("…` ({chars} characters)"));
        } else {
            out.push('`');
            out.push_str(part);
            out.push('`');
        }
    }
    // A control character a value carried is shown, not sent to the terminal.
    out.chars()
        .flat_map(|c| match c {
            '\n' => vec![c],
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect()
}

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
    /// with the full path of the key it is about (`options.cache: ...`),
    /// located at that key (or at the key of that mapping the rest of the
    /// message starts with) from the parser's tree of the file; `None` when
    /// the key is not written out.
    pub fn about_key(file: &str, text: &str, message: &str) -> Option<Self> {
        let root = super::tree::parse(text).ok()?;
        let (path, detail) = super::yaml::about_path(&root, message)?;
        Some(ConfigError {
            file: file.to_string(),
            location: super::tree::Node::locate(&root, &path),
            message: format!("{path}: {detail}"),
            help: None,
        })
    }
}

/// Where the key at `path` (`["options", "lambda", "overrides", "X"]`) is
/// written, from the parser's tree of the file: the line and the column of
/// its value (of the key, when the value is a mapping or a list). For
/// mistakes only the expansion sees, such as an override naming a function
/// that does not exist. `None` when the path is not written out.
pub fn locate_key(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let root = super::tree::parse(text).ok()?;
    let path = super::tree::KeyPath(
        path.iter()
            .map(|k| super::tree::Step::Key(k.to_string()))
            .collect(),
    );
    super::tree::Node::locate(&root, &path)
}

/// What serde says was expected, in plain words.
pub(super) fn plain_expected(expected: &str) -> String {
    let plain = match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "an integer" => "a whole number",
        "f32" | "f64" | "a float" => "a number",
        "a string" | "a borrowed string" | "string" => "text",
        "a character" | "a char" => "a single character",
        "a boolean" | "bool" => "true or false",
        "a sequence" | "a list" => "a list",
        "a map" | "a mapping" | "map" | "mapping" | "mapping start" => "a mapping",
        "empty mapping start" | "empty mapping end" => "an empty mapping (`{}`)",
        "a scalar" | "scalar" => "text",
        "string scalar" => "a single value",
        "sequence start" | "seq" => "a list",
        "value" | "single YAML node" | "consumed event" => "a value",
        "tagged node" => "a value without a tag (`!tag`)",
        "unit" | "null" => "nothing (null)",
        "any YAML value" => "a value",
        "a YAML tag starting with '!'" | "a name" => "a single name (text)",
        other => {
            if other.starts_with("struct ") || other.starts_with("a mapping ") {
                "a mapping"
            } else if other.starts_with("enum ") {
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
    fn serde_type_names_become_plain() {
        for (rust, plain) in [
            ("u64", "a whole number (0 or more)"),
            ("i32", "a whole number"),
            ("f64", "a number"),
            ("a string", "text"),
            ("a boolean", "true or false"),
            ("struct RawLambdaOptions", "a mapping"),
            ("a sequence", "a list"),
            ("a CIDR block", "a CIDR block"),
        ] {
            assert_eq!(plain_expected(rust), plain, "for {rust}");
        }
    }

    #[test]
    fn a_dotted_path_in_the_message_is_located() {
        let file = "b.yaml";
        let text =
            "a: 1\noptions:\n  # c\n  front: alb\n  alb: {x: 1}\n  t:\n    min: 5\n    max: 1\n";
        let at = |m: &str| ConfigError::about_key(file, text, m).map(|e| (e.location, e.message));
        assert_eq!(
            at("options.front: needs more"),
            Some((Some((4, 10)), "options.front: needs more".into()))
        );
        assert_eq!(
            at("options.alb: needs y"),
            Some((Some((5, 8)), "options.alb: needs y".into()))
        );
        assert_eq!(
            at("options.alb.x: y"),
            Some((Some((5, 12)), "options.alb.x: y".into()))
        );
        assert_eq!(
            at("options.t: max (1) is less than min (5)"),
            Some((
                Some((8, 10)),
                "options.t.max: max (1) is less than min (5)".into()
            ))
        );
        assert_eq!(at("options.missing: x"), None);
        assert_eq!(at("front: x"), None);
        assert_eq!(locate_key(text, &["options", "t", "min"]), Some((7, 10)));
    }

    #[test]
    fn long_quoted_values_are_shortened() {
        let long = "x".repeat(100);
        assert_eq!(
            shorten_quoted(&format!("`{long}` is not a name, nor `a`")),
            format!(
                "`{}…` (100 characters) is not a name, nor `a`",
                "x".repeat(60)
            )
        );
        assert_eq!(shorten_quoted("a `b` c `d"), "a `b` c `d");
        assert_eq!(shorten_quoted("plain"), "plain");
        assert_eq!(shorten_quoted("`a\u{0}b`"), "`a\\u{0}b`");
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
