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
            .filter(|_| !text.trim().is_empty());
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
            format!("the file is empty; {message}")
        } else {
            mapping_not_struct(&message)
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
