//! Reading a project file with serde-saphyr. Every error carries the
//! location the parser gave it; the message names the key by its full path,
//! taken from the parser's tree of the file ([`tree`](super::tree)), and says
//! what was expected and what was found in a YAML user's words.

use serde::de::DeserializeOwned;
use serde_saphyr::{DuplicateKeyPolicy, Error, MessageFormatter, Spanned};

use super::error::{nearest, plain_expected, ConfigError};
use super::tree::{self, line_col, KeyPath, LineCol, Node, Step};

/// Parses `text` (already within the size and nesting limits) into `T`.
pub fn from_str<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigError> {
    refuse_tags(file, text)?;
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::Error,
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        strict_booleans: true,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| explain(file, text, &e))
}

/// The innermost error (saphyr wraps errors met through an alias).
fn original(mut err: &Error) -> &Error {
    loop {
        err = err.without_snippet();
        match err {
            Error::AliasError { error, .. } => err = error,
            _ => return err,
        }
    }
}

/// Turns a parse error into a located, plain-language [`ConfigError`].
fn explain(file: &str, text: &str, err: &Error) -> ConfigError {
    let at = err.location().as_ref().and_then(line_col);
    if text.trim().is_empty() {
        return ConfigError::whole_file(
            file,
            "the file is empty; a project file names at least `blueprint`, `stack_name` and `region`",
        );
    }
    // What is not YAML at all is reported as such, even where a value
    // before it was already wrong.
    let root = match tree::parse(text) {
        Ok(root) => root,
        Err(syntax) => return not_yaml(file, &syntax),
    };
    if let Some((path, key_at)) = Node::first_odd_key(&root) {
        let prefix = if path.is_root() {
            String::new()
        } else {
            format!("{path}: ")
        };
        return ConfigError {
            file: file.to_string(),
            location: key_at,
            message: format!(
                "{prefix}a key is a name; a list, a mapping or nothing (null) cannot be one"
            ),
            help: None,
        };
    }
    Explained {
        file,
        root: &root,
        at,
    }
    .error(original(err))
}

/// A parse error being explained: the file, the parser's tree of it and
/// where the parser stopped.
struct Explained<'a> {
    file: &'a str,
    root: &'a Spanned<Node>,
    at: Option<LineCol>,
}

impl<'a> Explained<'a> {
    /// The message for each kind of error.
    fn error(&self, err: &Error) -> ConfigError {
        match err {
            Error::DuplicateMappingKey { .. } => self.duplicate_key(),
            Error::SerdeUnknownField {
                field, expected, ..
            } => self.unknown_key(field, expected),
            Error::SerdeMissingField { field, .. } => self.missing_key(field),
            Error::SerdeUnknownVariant {
                variant, expected, ..
            } => self.unknown_value(variant, expected),
            Error::SerdeInvalidType { expected, .. }
            | Error::SerdeInvalidValue { expected, .. } => self.want(expected),
            Error::Unexpected { expected, .. } => self.want(expected),
            Error::InvalidScalar { ty, .. } => self.invalid_scalar(ty),
            Error::NonFiniteFloat { value, .. } => {
                let (path, _) = self.wrong_value().unzip();
                let location = path.as_ref().and_then(|p| Node::locate(self.root, p));
                self.located(
                    path,
                    location,
                    format!("`{value}` is not a number blueprint can use (too large, infinite or not a number)"),
                )
            }
            Error::NullIntoString { .. } => self.want("a string"),
            Error::ExternallyTaggedEnumExpectedScalarOrMapping { .. }
            | Error::ExpectedStringKeyForExternallyTaggedEnum { .. }
            | Error::UnexpectedValueForUnitEnumVariant { .. } => self.want("a name"),
            Error::InvalidBooleanStrict { .. } => self.want("a boolean"),
            Error::UnexpectedValueForUnit { .. } => self.want("unit"),
            Error::SerdeInvalidLength { len, expected, .. } => {
                let (path, _) = self.wrong_value().unzip();
                self.located(
                    path,
                    None,
                    format!("expected {}, found {len} entries", plain_expected(expected)),
                )
            }
            Error::Message { msg, .. } => {
                ours(self.root, self.at, msg, |p, l, d| self.located(p, l, d))
            }
            other => self.whole_document(other),
        }
    }

    /// The errors about the document as a whole (or the parser's own).
    fn whole_document(&self, err: &Error) -> ConfigError {
        let detail = match err {
            Error::MultipleDocuments { .. } => "the file holds more than one YAML document (separated by a `---` line); a project file is one document",
            Error::Eof { .. } => "the file ends where a value was expected",
            Error::UnknownAnchor { .. } => "this alias (`*name`) names no anchor (`&name`) written before it",
            Error::AliasReplayLimitExceeded { .. }
            | Error::AliasExpansionLimitExceeded { .. }
            | Error::AliasReplayStackDepthExceeded { .. }
            | Error::AliasReplayCounterOverflow { .. } => "aliases (`*name`) repeat too much text; write the values out, or use fewer aliases",
            Error::Budget { .. } => "the file is larger or deeper than any project file needs",
            other => {
                return self.located(
                    self.value_path().map(|(p, _)| p),
                    None,
                    serde_saphyr::DefaultMessageFormatter
                        .format_message(other)
                        .into_owned(),
                )
            }
        };
        self.located(None, None, detail.into())
    }

    /// An error at `location` (or where the parser stopped), its message
    /// led by the key path.
    fn located(
        &self,
        path: Option<KeyPath>,
        location: Option<LineCol>,
        detail: String,
    ) -> ConfigError {
        let message = match path {
            Some(p) if !p.is_root() => format!("{p}: {detail}"),
            _ => detail,
        };
        ConfigError {
            file: self.file.to_string(),
            location: location.or(self.at),
            message,
            help: None,
        }
    }

    /// The value of the key at `at`, with its path.
    fn key_value(&self, at: LineCol) -> Option<(KeyPath, &'a Spanned<Node>)> {
        let (path, entries, i) = Node::key_at(self.root, at)?;
        let e = &entries[i];
        Some((path.child(Step::Key(e.key.value.clone())), &e.value))
    }

    /// The value the parser stopped at, for a message of ours: the
    /// outermost value starting there (else the value of the key there).
    fn value_path(&self) -> Option<(KeyPath, &'a Spanned<Node>)> {
        self.at
            .and_then(|at| Node::value_at(self.root, at).or_else(|| self.key_value(at)))
    }

    /// The value the parser found wrong. For a wrong value saphyr gives the
    /// location of its key (which is also where the mapping holding it
    /// starts), so the key is looked for first.
    fn wrong_value(&self) -> Option<(KeyPath, &'a Spanned<Node>)> {
        self.at
            .and_then(|at| self.key_value(at).or_else(|| Node::value_at(self.root, at)))
    }

    /// `expected <what>, found <the wrong value>`, at that value.
    fn want(&self, what: &str) -> ConfigError {
        match self.wrong_value() {
            Some((path, node)) => {
                let location = Node::locate(self.root, &path);
                let found = node.value.describe();
                self.located(
                    Some(path),
                    location,
                    format!("expected {}, found {found}", plain_expected(what)),
                )
            }
            None => self.located(None, None, format!("expected {}", plain_expected(what))),
        }
    }

    fn duplicate_key(&self) -> ConfigError {
        match self.at.and_then(|at| Node::duplicate_at(self.root, at)) {
            Some((path, first, second)) => {
                let key = &first.key.value;
                let name = path.child(Step::Key(key.clone()));
                let first_at = line_col(&first.key.referenced)
                    .map(|(l, c)| format!(" (first at {}:{l}:{c})", self.file))
                    .unwrap_or_default();
                let mut e = self.located(
                    None,
                    line_col(&second.key.referenced),
                    format!("{name}: duplicate key `{key}`{first_at}"),
                );
                e.help = Some("a key may appear only once in a mapping: remove one of them".into());
                e
            }
            None => self.located(None, None, "a key is written twice in one mapping".into()),
        }
    }

    fn unknown_key(&self, field: &str, expected: &[&str]) -> ConfigError {
        let parent = self
            .at
            .and_then(|at| Node::key_at(self.root, at))
            .map(|(p, _, _)| p)
            .unwrap_or_default();
        let name = parent.child(Step::Key(field.to_string()));
        let mut e = self.located(
            None,
            None,
            format!("{name}: unknown key; {}", one_of("expected", expected)),
        );
        e.help = nearest(field, expected).map(|k| format!("did you mean the key `{k}`?"));
        e
    }

    fn missing_key(&self, field: &str) -> ConfigError {
        // saphyr places it at the last key (or value) of the mapping
        // that lacks the key: that entry's mapping is the one.
        let path = self
            .at
            .and_then(|at| {
                Node::key_at(self.root, at).map(|(p, _, _)| p).or_else(|| {
                    let (mut p, _) = Node::value_at(self.root, at)?;
                    p.0.pop();
                    Some(p)
                })
            })
            .unwrap_or_default();
        if path.is_root() {
            return ConfigError::whole_file(self.file, format!("missing key `{field}`"));
        }
        let location = Node::locate(self.root, &path);
        self.located(Some(path), location, format!("missing key `{field}`"))
    }

    fn unknown_value(&self, variant: &str, expected: &[&str]) -> ConfigError {
        let root = self.root;
        // The value of the key saphyr points at, or the name written
        // as the one key of a mapping (`billing: {a: 1}`).
        let path = self.at.and_then(|at| match Node::key_at(root, at) {
            Some((p, entries, i)) if entries[i].key.value == *variant => Some(p),
            Some((p, entries, i)) => Some(p.child(Step::Key(entries[i].key.value.clone()))),
            None => Node::value_at(root, at).map(|(p, _)| p),
        });
        let location = path.as_ref().and_then(|p| Node::locate(root, p));
        // Nothing or an empty text is said as such, not as a name.
        let found = path
            .as_ref()
            .and_then(|p| Node::get(root, p))
            .map(|(n, _)| &n.value)
            .filter(|n| matches!(n, Node::Null) || matches!(n, Node::Text(t) if t.is_empty()));
        let detail = match found {
            Some(n) => format!("{}, found {}", one_of("expected", expected), n.describe()),
            None => format!(
                "unknown value `{variant}`; {}",
                one_of("expected", expected)
            ),
        };
        let mut e = self.located(path, location, detail);
        e.help = nearest(variant, expected).map(|v| format!("did you mean the value `{v}`?"));
        e
    }

    fn invalid_scalar(&self, ty: &str) -> ConfigError {
        let too_big = self.wrong_value().is_some_and(|(_, n)| match &n.value {
            Node::Number(s) => {
                s.parse::<u64>().is_err() && !s.starts_with('-') && !s.contains(['.', 'e', 'E'])
            }
            _ => false,
        });
        if too_big {
            let (path, n) = self.wrong_value().unzip();
            let shown = n.map(|n| n.value.describe()).unwrap_or_default();
            self.located(
                path,
                None,
                format!(
                    "{} is too large a number",
                    shown.trim_start_matches("the number ")
                ),
            )
        } else {
            self.want(ty)
        }
    }
}

/// `expected one of `a`, `b`` or `expected `a` or `b``.
fn one_of(lead: &str, names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => format!("{lead} none"),
        [one] => format!("{lead} {one}"),
        [a, b] => format!("{lead} {a} or {b}"),
        all => format!("{lead} one of {}", all.join(", ")),
    }
}

/// A message of our own (a value's check, or a check across several keys).
/// One that starts with the full path of the key it is about
/// (`options.api.cache: ...`) is placed at that key; when its first word is
/// then a key of that mapping (`min (500) is greater than max (5)`), at that
/// key. Any other is placed where the parser was and named by that path.
fn ours(
    root: &serde_saphyr::Spanned<Node>,
    at: Option<LineCol>,
    msg: &str,
    located: impl Fn(Option<KeyPath>, Option<LineCol>, String) -> ConfigError,
) -> ConfigError {
    if let Some((path, detail)) = about_path(root, msg) {
        let location = Node::locate(root, &path);
        return located(None, location, format!("{path}: {detail}"));
    }
    let path = at.and_then(|at| Node::value_at(root, at)).map(|(p, _)| p);
    let path = path.map(|p| refine(root, p, msg));
    let location = path.as_ref().and_then(|p| Node::locate(root, p));
    located(path, location, msg.to_string())
}

/// The key path a message of ours starts with, refined to the child key its
/// detail starts with, when the path is written in the file.
pub fn about_path(root: &serde_saphyr::Spanned<Node>, msg: &str) -> Option<(KeyPath, String)> {
    let (head, detail) = msg.split_once(": ")?;
    let path = KeyPath::parse(head)?;
    Node::get(root, &path)?;
    let path = refine(root, path, detail);
    Some((path, detail.to_string()))
}

/// `path` extended by the key of its mapping that `detail` starts with.
fn refine(root: &serde_saphyr::Spanned<Node>, path: KeyPath, detail: &str) -> KeyPath {
    let first = detail
        .split(|c: char| c.is_whitespace() || c == ':')
        .next()
        .unwrap_or("")
        .trim_matches('`');
    let Some((node, _)) = Node::get(root, &path) else {
        return path;
    };
    match node.value.entries().iter().any(|e| e.key.value == first) {
        true if !first.is_empty() => path.child(Step::Key(first.to_string())),
        _ => path,
    }
}

/// Text that is not YAML, located where the parser stopped.
fn not_yaml(file: &str, err: &Error) -> ConfigError {
    let detail = match original(err) {
        Error::MultipleDocuments { .. } => "the file holds more than one YAML document (separated by a `---` line); a project file is one document".to_string(),
        Error::UnknownAnchor { .. } => {
            "this alias (`*name`) names no anchor (`&name`) written before it".to_string()
        }
        other => format!(
            "this is not valid YAML: {}",
            serde_saphyr::DefaultMessageFormatter.format_message(other)
        ),
    };
    ConfigError {
        file: file.to_string(),
        location: err.location().as_ref().and_then(line_col),
        message: detail,
        help: None,
    }
}

/// A tag of its own (`!Ref x`, `!custom`) means nothing in a project file
/// and would otherwise be dropped without a word; YAML's standard tags
/// (`!!str 5`) are kept. Found with the parser's events and their spans.
fn refuse_tags(file: &str, text: &str) -> Result<(), ConfigError> {
    use serde_saphyr::granit_parser::{Event, Parser};
    if !text.contains('!') {
        return Ok(());
    }
    let mut top = TopLevel::default();
    for event in Parser::new_from_str(text) {
        // What is not YAML is reported by the parse that follows.
        let Ok((event, span)) = event else {
            return Ok(());
        };
        let tag = match &event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, _, tag)
            | Event::MappingStart(_, _, tag) => tag.as_ref(),
            _ => None,
        };
        let tag = tag
            .filter(|t| !t.is_yaml_core_schema())
            .map(|t| t.to_string());
        // CloudFormation's short forms (`!Ref x`) in the sections of plain
        // CloudFormation (`resources:`, ...).
        let allowed = tag.as_ref().is_some_and(|tag| {
            top.in_section()
                .is_some_and(|section| super::additions::tag_allowed(section, tag))
        });
        top.step(&event);
        if let Some(tag) = tag.filter(|_| !allowed) {
            let tag = match tag.strip_prefix("tag:yaml.org,2002:") {
                Some(standard) => format!("!!{standard}"),
                None => tag,
            };
            let at = (span.start.line(), span.start.col() + 1);
            let path = tree::parse(text)
                .ok()
                .and_then(|root| Node::value_at(&root, at).map(|(p, _)| p))
                .filter(|p| !p.is_root())
                .map(|p| format!("{p}: "))
                .unwrap_or_default();
            return Err(ConfigError {
                file: file.to_string(),
                location: Some(at),
                message: format!(
                    "{path}the tag `{tag}` means nothing in a project file: write the value itself (blueprint.yaml is plain YAML, not a CloudFormation template)"
                ),
                help: None,
            });
        }
    }
    Ok(())
}

/// Which top-level key the parser's events are under, followed in one pass
/// (for the tags [`refuse_tags`] lets through).
#[derive(Default)]
struct TopLevel {
    /// Open collections: whether each is a mapping whose next item is a key.
    open: Vec<Option<bool>>,
    key: Option<String>,
}

impl TopLevel {
    /// The top-level key the next node is the value of (or inside).
    fn in_section(&self) -> Option<&str> {
        let inside = match self.open.as_slice() {
            [Some(next_is_key)] => !next_is_key,
            [_, _, ..] => true,
            _ => false,
        };
        inside.then_some(self.key.as_deref()).flatten()
    }

    fn step(&mut self, event: &serde_saphyr::granit_parser::Event<'_>) {
        use serde_saphyr::granit_parser::Event;
        let node = matches!(
            event,
            Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(..)
        );
        if node {
            if let [Some(next_is_key)] = self.open.as_slice() {
                if *next_is_key {
                    self.key = match event {
                        Event::Scalar(v, ..) => Some(v.to_string()),
                        _ => None,
                    };
                }
            }
            if let Some(Some(next_is_key)) = self.open.last_mut() {
                *next_is_key = !*next_is_key;
            }
        }
        match event {
            Event::MappingStart(..) => self.open.push(Some(true)),
            Event::SequenceStart(..) => self.open.push(None),
            Event::MappingEnd | Event::SequenceEnd => {
                self.open.pop();
            }
            _ => {}
        }
    }
}
