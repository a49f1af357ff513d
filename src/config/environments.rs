//! `environments:` in blueprint.yaml: named overlays on the project
//! (`dev`, `prod`), chosen with `--env NAME`.
//!
//! An environment may set `stack_name`, `region`, `termination_protection`
//! (each replaces the project's), `tags`, `options` and `overrides` (each
//! merged over the project's), and `account`, a guard: commands that reach AWS refuse to run
//! with credentials of any other account.
//!
//! **How an overlay merges.** A mapping merges key by key, recursively: a
//! key the overlay writes replaces or merges into the project's, a key it
//! leaves out keeps the project's value. Anything else (text, a number,
//! `true`/`false`, `null`, and lists) replaces the project's value whole: a
//! list is never appended to or merged item by item. `options:` with nothing
//! under it changes nothing.
//!
//! **How it is checked.** The overlay is merged over the project's own
//! parse tree (with every value's location), the merged project is written
//! out as YAML ([`Overlaid::source`]) and read like any project file, so
//! every check of every option applies. A mistake in the merged project is
//! then moved back ([`SourceMap::relocate`]) to the line and column in
//! blueprint.yaml where the value came from, and named by its path there
//! (`environments.prod.options.function.memory_mb`).
//!
//! An environment's `overrides:` merges over the project's the same way
//! (by resource, then `set`/`remove`, then path), and is checked like the
//! project's own.

use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::tree::{self, line_col, KeyPath, LineCol, Node, Step};
use super::{ConfigError, Region, Source, StackName, Tags};

/// The top-level key.
pub const KEY: &str = "environments";

/// The keys of an environment that merge over the project's keys of the
/// same name. `account` is the environment's own. (Slice A adds
/// `overrides` here and to [`Environment`].)
pub const OVERLAY_KEYS: &[&str] = &[
    "stack_name",
    "region",
    "termination_protection",
    "tags",
    "options",
    "overrides",
];

/// An environment's name: 1 to 64 letters, digits, `-` or `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EnvName(String);

impl EnvName {
    /// The name, or why it is not one.
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(EnvName(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not an environment name: use 1 to 64 letters, digits, `-` or `_` (`dev`, `prod`)"
            ))
        }
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the name says production (`prod`, `production`, any case).
    pub fn is_production(&self) -> bool {
        matches!(self.0.to_ascii_lowercase().as_str(), "prod" | "production")
    }
}

impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EnvName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::deserialize_text(
            d,
            "an environment name (letters, digits, `-` and `_`)",
            EnvName::new,
        )
    }
}

/// A 12-digit AWS account ID, written in quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    /// The account ID, or why it is not one.
    pub fn new(s: &str) -> Result<Self, String> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not an AWS account ID: an account ID is 12 digits (\"123456789012\")"
            ))
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = AccountId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AccountId, E> {
                AccountId::new(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<AccountId, E> {
                Err(E::custom(
                    "write the account ID in quotes (`account: \"123456789012\"`): as a number, YAML drops its leading zeros",
                ))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AccountId, E> {
                self.visit_u64(v.unsigned_abs())
            }
        }
        d.deserialize_any(V)
    }
}

/// An environment's `options:` (or another merged mapping) as read for the
/// check of its shape: a mapping, or nothing. Its content is checked after
/// the merge, as the project's options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay;

super::schema::value_schema!(
    Overlay,
    schemars::json_schema!({
        "type": ["object", "null"],
        "description": "Merged over the project's value key by key (a list replaces the project's whole); checked after the merge",
    })
);

super::schema::value_schema!(
    AccountId,
    super::schema::text(
        "A 12-digit AWS account ID, in quotes",
        "^[0-9]{12}$",
        12,
        12
    )
);

impl schemars::JsonSchema for Environments {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Environments".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let env = g.subschema_for::<Environment>();
        schemars::json_schema!({
            "type": "object",
            "description": "Named overlays on the project (`dev`, `prod`), chosen with `--env NAME`",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[A-Za-z0-9_-]{1,64}$"},
            "additionalProperties": env,
        })
    }
}

impl<'de> Deserialize<'de> for Overlay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<IndexMap<String, IgnoredAny>>::deserialize(d).map(|_| Overlay)
    }
}

/// One environment: what it changes in the project.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The stack name in this environment.
    #[serde(default, deserialize_with = "not_null")]
    pub stack_name: Option<StackName>,
    /// The region in this environment.
    #[serde(default, deserialize_with = "not_null")]
    pub region: Option<Region>,
    /// The only AWS account commands may work on in this environment.
    #[serde(default, deserialize_with = "not_null")]
    pub account: Option<AccountId>,
    /// Tags merged over the project's (a key here replaces the project's).
    #[serde(default, deserialize_with = "not_null")]
    pub tags: Option<Tags>,
    /// Termination protection in this environment.
    #[serde(default, deserialize_with = "not_null")]
    pub termination_protection: Option<bool>,
    /// Options merged over the project's `options:`.
    #[serde(default, skip_serializing)]
    pub options: Overlay,
    /// Resource overrides merged over the project's `overrides:` (key by
    /// key: an entry for a resource the project also overrides merges into
    /// it).
    #[serde(default, skip_serializing)]
    pub overrides: Overlay,
}

/// A key that is written must have a value: `region:` with nothing after
/// it is a mistake, not "the project's region" (leave the key out for that).
fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(de::Error::custom(
            "expected a value, found nothing (null); leave the key out to keep the project's",
        )),
    }
}

/// The project's `environments:`: none when the key is left out; written,
/// it names at least one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Environments(IndexMap<EnvName, Environment>);

impl<'de> Deserialize<'de> for Environments {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<IndexMap<EnvName, Environment>>::deserialize(d)? {
            None => Err(de::Error::custom(
                "environments: expected a mapping of environment names to what each changes (`dev: {stack_name: app-dev}`), found nothing (null); leave the key out for none",
            )),
            Some(m) if m.is_empty() => Err(de::Error::custom(
                "environments: no environment is named; name at least one (`dev: {stack_name: app-dev}`), or leave the key out",
            )),
            Some(m) => Ok(Environments(m)),
        }
    }
}

impl Environments {
    /// Whether the file names no environment.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The environments' names, in the order written.
    pub fn names(&self) -> impl Iterator<Item = &EnvName> {
        self.0.keys()
    }

    /// The environment `name`, with its name as written.
    pub fn get(&self, name: &str) -> Option<(&EnvName, &Environment)> {
        self.0.iter().find(|(k, _)| k.as_str() == name)
    }
}

/// The environment a command works in: its name and account guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Active {
    /// The environment's name.
    pub name: EnvName,
    /// Its account guard, if it has one.
    pub account: Option<AccountId>,
}

/// Whether `text` may have an `environments:` key: the word outside a
/// comment (`# ...` before it on its line). A quick test that spares a
/// parse of the many files without environments.
pub fn mentioned(text: &str) -> bool {
    text.match_indices(KEY).any(|(at, _)| {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        !text[line_start..at].contains('#')
    })
}

/// Reads only what `environments` needs of a project file (the rest of it
/// is read by the blueprint).
pub fn read(source: &Source) -> Result<Environments, ConfigError> {
    #[derive(Deserialize)]
    struct Only {
        #[serde(default)]
        environments: Environments,
    }
    // `deny_unknown_fields` is left to the project's own parse: here only
    // `environments` is read.
    let only: Only = super::parse(source)?;
    Ok(only.environments)
}

/// The environment `name` of `envs`, or an error at the `environments`
/// key naming the nearest one.
pub fn select<'a>(
    envs: &'a Environments,
    name: &str,
    source: &Source,
) -> Result<(&'a EnvName, &'a Environment), ConfigError> {
    if envs.is_empty() {
        return Err(ConfigError::whole_file(
            &source.name,
            format!("--env {name}: the project has no `environments:`; add one (see the README, \"Environments\") or leave --env out"),
        ));
    }
    envs.get(name).ok_or_else(|| {
        let names: Vec<&str> = envs.names().map(EnvName::as_str).collect();
        ConfigError {
            file: source.name.clone(),
            location: super::locate_key(&source.text, &[KEY]),
            message: format!(
                "--env {name}: there is no environment `{name}`; the environments are: {}",
                names.join(", ")
            ),
            help: super::nearest(name, &names).map(|n| format!("did you mean `--env {n}`?")),
        }
    })
}

/// A project file with one environment merged in, and where each of its
/// values came from.
#[derive(Clone, Debug)]
pub struct Overlaid {
    /// The merged project: same name as the file, no `environments:`.
    pub source: Source,
    /// Where each value of the merged project is written in the file.
    pub map: SourceMap,
}

/// Merges the environment `name` of `source` over the rest of it. The
/// file is known to parse (its environments were read with [`read`]).
pub fn overlay(source: &Source, name: &EnvName) -> Result<Overlaid, ConfigError> {
    let text = super::limits::strip_bom(&source.text);
    let root = tree::parse(text).map_err(|_| {
        ConfigError::whole_file(&source.name, "the file is not YAML a project file can be")
    })?;
    let mut merged = Merged::from_node(&root, None, KeyPath::default());
    if let MergedValue::Map(entries) = &mut merged.value {
        entries.retain(|(k, _)| k != KEY);
    }
    let env_path = KeyPath(vec![Step::Key(KEY.into()), Step::Key(name.as_str().into())]);
    if let Some((env, _)) = Node::get(&root, &env_path) {
        let entries = env.value.entries().iter().filter(|e| {
            let k = e.key.value.as_str();
            // `options:` with nothing under it changes nothing.
            OVERLAY_KEYS.contains(&k)
                && !(matches!(k, "options" | "overrides") && matches!(e.value.value, Node::Null))
        });
        merged.merge_entries(entries, &env_path);
    }
    let mut emitter = Emitter::default();
    if let MergedValue::Map(entries) = &merged.value {
        emitter.entries(entries, 0, &KeyPath::default());
    }
    Ok(Overlaid {
        source: Source {
            name: source.name.clone(),
            text: emitter.out,
        },
        map: SourceMap {
            file: source.name.clone(),
            lines: emitter.lines,
        },
    })
}

/// A value of the merged project, with where it was written.
struct Merged<'a> {
    /// Where its key is written (a list item: where the item is).
    key_at: Option<LineCol>,
    value_at: Option<LineCol>,
    /// Its path in the file (`environments.prod.options.x` for a value of
    /// the overlay).
    path: KeyPath,
    value: MergedValue<'a>,
}

enum MergedValue<'a> {
    Map(Vec<(String, Merged<'a>)>),
    List(Vec<Merged<'a>>),
    Leaf(&'a Node),
}

impl<'a> Merged<'a> {
    fn from_node(node: &'a Spanned<Node>, key_at: Option<LineCol>, path: KeyPath) -> Self {
        let value = match &node.value {
            Node::Map(entries) => MergedValue::Map(
                entries
                    .iter()
                    .map(|e| {
                        let p = path.child(Step::Key(e.key.value.clone()));
                        let at = line_col(&e.key.referenced);
                        (e.key.value.clone(), Merged::from_node(&e.value, at, p))
                    })
                    .collect(),
            ),
            Node::List(items) => MergedValue::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let at = line_col(&item.referenced);
                        Merged::from_node(item, at, path.child(Step::Index(i)))
                    })
                    .collect(),
            ),
            leaf => MergedValue::Leaf(leaf),
        };
        Merged {
            key_at,
            value_at: line_col(&node.referenced),
            path,
            value,
        }
    }

    /// Merges `over` (the overlay's value at `path`) into this value.
    fn merge(&mut self, over: &'a Spanned<Node>, key_at: Option<LineCol>, path: KeyPath) {
        match (&self.value, &over.value) {
            (MergedValue::Map(_), Node::Map(entries)) => self.merge_entries(entries.iter(), &path),
            _ => *self = Merged::from_node(over, key_at, path),
        }
    }

    /// Merges the overlay's entries (of the mapping at `path`) into this
    /// mapping: a key it has is merged, a new key is added at the end.
    fn merge_entries(&mut self, over: impl Iterator<Item = &'a tree::Entry>, path: &KeyPath) {
        let MergedValue::Map(mine) = &mut self.value else {
            return;
        };
        for e in over {
            let p = path.child(Step::Key(e.key.value.clone()));
            let at = line_col(&e.key.referenced);
            match mine.iter_mut().find(|(k, _)| *k == e.key.value) {
                Some((_, m)) => m.merge(&e.value, at, p),
                None => mine.push((e.key.value.clone(), Merged::from_node(&e.value, at, p))),
            }
        }
    }
}

/// Where one line of the merged project came from.
#[derive(Clone, Debug)]
struct LineOrigin {
    /// The column its value starts at, when the value is on the line.
    value_col: Option<usize>,
    key_at: Option<LineCol>,
    value_at: Option<LineCol>,
    /// The key's path in the merged project, and in the file.
    merged_path: String,
    path: String,
}

/// Each line of a merged project → where its key and value are written in
/// the project file.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    file: String,
    lines: Vec<LineOrigin>,
}

impl SourceMap {
    /// Where in the project file the merged project's `at` was written.
    pub fn locate(&self, at: LineCol) -> Option<LineCol> {
        let o = self.lines.get(at.0.checked_sub(1)?)?;
        match o.value_col {
            Some(v) if at.1 >= v => o.value_at.or(o.key_at),
            _ => o.key_at.or(o.value_at),
        }
    }

    /// A mistake found in the merged project, moved to where its value is
    /// written in the project file and named by the path there.
    pub fn relocate(&self, mut e: ConfigError) -> ConfigError {
        if e.file != self.file {
            return e;
        }
        let Some(at) = e.location else {
            return e;
        };
        let Some(o) = at.0.checked_sub(1).and_then(|i| self.lines.get(i)) else {
            return e;
        };
        e.location = self.locate(at);
        if o.path != o.merged_path {
            if let Some(rest) = strip_path(&e.message, &o.merged_path) {
                e.message = format!("{}{rest}", o.path);
            }
        }
        e
    }

    /// A placeholder found in the merged project, named and located where
    /// it is written in the project file.
    pub fn relocate_placeholder(
        &self,
        mut p: super::placeholders::Placeholder,
    ) -> super::placeholders::Placeholder {
        let at =
            p.at.strip_prefix(&format!("{}:", self.file))
                .and_then(|lc| lc.split_once(':'))
                .and_then(|(l, c)| Some((l.parse::<usize>().ok()?, c.parse::<usize>().ok()?)));
        let Some(at) = at else {
            return p;
        };
        let o = at.0.checked_sub(1).and_then(|i| self.lines.get(i));
        if let Some((l, c)) = self.locate(at) {
            p.at = format!("{}:{l}:{c}", self.file);
        }
        if let Some(o) = o.filter(|o| o.path != o.merged_path) {
            if let Some(rest) = strip_path(&p.key, &o.merged_path) {
                p.key = format!("{}{rest}", o.path);
            }
        }
        p
    }
}

/// `text` after the key path `path` it starts with (followed by the end,
/// `:`, `.` or `[`), or `None`.
fn strip_path<'t>(text: &'t str, path: &str) -> Option<&'t str> {
    if path.is_empty() {
        return None;
    }
    let rest = text.strip_prefix(path)?;
    (rest.is_empty() || rest.starts_with([':', '.', '['])).then_some(rest)
}

/// Writes the merged project as block YAML, one key (or list item) a line.
#[derive(Default)]
struct Emitter {
    out: String,
    lines: Vec<LineOrigin>,
}

impl Emitter {
    fn entries(&mut self, entries: &[(String, Merged<'_>)], indent: usize, at: &KeyPath) {
        for (k, m) in entries {
            let head = format!("{:indent$}{}:", "", key(k));
            self.value(head, m, indent, &at.child(Step::Key(k.clone())));
        }
    }

    /// One line `head` (`  key:` or `  -`) followed by `m`.
    fn value(&mut self, head: String, m: &Merged<'_>, indent: usize, at: &KeyPath) {
        let inline = match &m.value {
            MergedValue::Leaf(n) => Some(scalar(n)),
            MergedValue::Map(e) if e.is_empty() => Some("{}".into()),
            MergedValue::List(i) if i.is_empty() => Some("[]".into()),
            _ => None,
        };
        self.lines.push(LineOrigin {
            value_col: inline.as_ref().map(|_| head.chars().count() + 2),
            key_at: m.key_at,
            value_at: m.value_at,
            merged_path: at.to_string(),
            path: m.path.to_string(),
        });
        self.out.push_str(&head);
        if let Some(v) = inline {
            self.out.push(' ');
            self.out.push_str(&v);
        }
        self.out.push('\n');
        match &m.value {
            MergedValue::Map(e) if !e.is_empty() => self.entries(e, indent + 2, at),
            MergedValue::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let head = format!("{:w$}-", "", w = indent + 2);
                    self.value(head, item, indent + 4, &at.child(Step::Index(i)));
                }
            }
            _ => {}
        }
    }
}

/// A key as YAML: plain when it is a plain name, else in double quotes.
fn key(k: &str) -> String {
    let plain = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// A scalar as YAML that reads back as the same value: text in double
/// quotes (JSON's escapes are YAML's), a number as the file wrote it.
fn scalar(n: &Node) -> String {
    match n {
        Node::Text(s) => quoted(s),
        Node::Number(s) => s.clone(),
        Node::Bool(b) => b.to_string(),
        Node::Null | Node::Map(_) | Node::List(_) => "null".into(),
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Source {
        Source {
            name: "blueprint.yaml".into(),
            text: text.into(),
        }
    }

    const PROJECT: &str = "\
blueprint: todo
stack_name: app
region: us-east-1
tags: {team: a, cost: x}
options:
  function:
    memory_mb: 256
    timeout_seconds: 10
  list: [a, b]
environments:
  dev:
    stack_name: app-dev
    account: \"123456789012\"
    tags:
      cost: y
    options:
      function: {memory_mb: 512}
      list: [c]
      added: \"x: y\"
";

    #[test]
    fn maps_merge_key_by_key_and_the_rest_replaces() {
        let envs = read(&src(PROJECT)).unwrap();
        let (name, env) = select(&envs, "dev", &src(PROJECT)).unwrap();
        assert_eq!(env.account.as_ref().unwrap().as_str(), "123456789012");
        let o = overlay(&src(PROJECT), name).unwrap();
        assert_eq!(
            o.source.text,
            "blueprint: \"todo\"\nstack_name: \"app-dev\"\nregion: \"us-east-1\"\ntags:\n  team: \"a\"\n  cost: \"y\"\noptions:\n  function:\n    memory_mb: 512\n    timeout_seconds: 10\n  list:\n    - \"c\"\n  added: \"x: y\"\n"
        );
        // `memory_mb` (line 9 of the merged text) is written at line 17 of
        // the file, in the overlay; `timeout_seconds` in the project.
        assert_eq!(o.map.locate((9, 16)), Some((17, 29)));
        assert_eq!(o.map.locate((10, 5)), Some((8, 5)));
        let e = o.map.relocate(ConfigError {
            file: "blueprint.yaml".into(),
            location: Some((9, 16)),
            message: "options.function.memory_mb: too much".into(),
            help: None,
        });
        assert_eq!(e.location, Some((17, 29)));
        assert_eq!(
            e.message,
            "environments.dev.options.function.memory_mb: too much"
        );
    }

    #[test]
    fn comments_do_not_mention_environments() {
        assert!(!mentioned("a: 1\n  # execution environments kept\n"));
        assert!(mentioned("a: 1\nenvironments:\n"));
        assert!(mentioned("{a: 1, environments: {dev: {}}}"));
    }

    #[test]
    fn names_and_accounts_are_checked() {
        assert!(EnvName::new("prod-eu_1").is_ok());
        assert!(EnvName::new("").is_err());
        assert!(EnvName::new("a b").is_err());
        assert!(EnvName::new(&"a".repeat(65)).is_err());
        assert!(AccountId::new("012345678901").is_ok());
        assert!(AccountId::new("12345678901").is_err());
        assert!(AccountId::new("12345678901a").is_err());
        assert!(EnvName::new("Production").unwrap().is_production());
    }

    #[test]
    fn unknown_names_get_the_nearest() {
        let envs = read(&src(PROJECT)).unwrap();
        let e = select(&envs, "dve", &src(PROJECT)).unwrap_err();
        assert_eq!(e.location, Some((10, 1)));
        assert_eq!(e.help.as_deref(), Some("did you mean `--env dev`?"));
        let none = read(&src("blueprint: todo\n")).unwrap();
        assert!(select(&none, "dev", &src("blueprint: todo\n")).is_err());
    }
}
