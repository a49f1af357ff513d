//! A project file as a tree of nodes, each with the location the parser
//! gave it. Errors use it to name the key a location belongs to by its full
//! path (`options.services[0].name`), to say what was found there, and to
//! find where a key path is written (for mistakes only the expansion sees).
//! It is built only when there is an error to report.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Location, Spanned};

/// A line and a column, both from 1.
pub type LineCol = (usize, usize);

/// One node of the file.
#[derive(Debug)]
pub enum Node {
    Map(Vec<Entry>),
    List(Vec<Spanned<Node>>),
    Text(String),
    Number(String),
    Bool(bool),
    Null,
}

/// A key and its value, each with its location.
#[derive(Debug)]
pub struct Entry {
    pub key: Spanned<String>,
    pub value: Spanned<Node>,
}

/// One step of a path: a mapping key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A key's full path, written `options.services[0].name`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Step>);

impl KeyPath {
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, step: Step) -> KeyPath {
        let mut steps = self.0.clone();
        steps.push(step);
        KeyPath(steps)
    }

    /// Parses a dotted path as messages write it (`options.services[0].name`).
    pub fn parse(dotted: &str) -> Option<KeyPath> {
        let mut steps = Vec::new();
        for part in dotted.split('.') {
            let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
            let plain = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            };
            if !plain(key) {
                return None;
            }
            steps.push(Step::Key(key.to_string()));
            while !rest.is_empty() {
                let (n, after) = rest.split_once(']')?;
                steps.push(Step::Index(n.parse().ok()?));
                rest = after.strip_prefix('[').unwrap_or(after);
                if !after.is_empty() && !after.starts_with('[') {
                    return None;
                }
            }
        }
        Some(KeyPath(steps))
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

pub fn line_col(l: &Location) -> Option<LineCol> {
    (*l != Location::UNKNOWN).then(|| (l.line() as usize, l.column() as usize))
}

/// Parses `text` into a tree, keeping keys written twice (the error about
/// them names both places). Fails on what is not YAML.
pub fn parse(text: &str) -> Result<Spanned<Node>, serde_saphyr::Error> {
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        strict_booleans: true,
        // `1e400` is a number too large, not a reason to call the file broken.
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    let mut root = serde_saphyr::from_str_with_options(text, options)?;
    numbers_as_written(&mut root, text);
    Ok(root)
}

/// Numbers as the file writes them (a number too large for any integer
/// type arrives as a float): the text the parser's span covers.
fn numbers_as_written(node: &mut Spanned<Node>, text: &str) {
    let span = node.referenced.span();
    match &mut node.value {
        Node::Number(n) => {
            let written = span
                .byte_offset()
                .zip(span.byte_len())
                .and_then(|(at, len)| text.get(at as usize..(at + len) as usize));
            if let Some(w) = written.filter(|w| !w.is_empty()) {
                *n = w.trim().to_string();
            }
        }
        Node::Map(entries) => {
            for e in entries {
                numbers_as_written(&mut e.value, text);
            }
        }
        Node::List(items) => {
            for item in items {
                numbers_as_written(item, text);
            }
        }
        _ => {}
    }
}

impl Node {
    /// What a user would call this value: `a list`, `the number 5`.
    pub fn describe(&self) -> String {
        match self {
            Node::Map(_) => "a mapping".into(),
            Node::List(_) => "a list".into(),
            Node::Text(s) if s.is_empty() => "an empty text".into(),
            Node::Text(s) => {
                let shown: String = s.chars().take(60).collect();
                let more = if shown.len() < s.len() { "…" } else { "" };
                format!("the text {:?}", format!("{shown}{more}"))
            }
            Node::Number(n) => format!("the number {n}"),
            Node::Bool(b) => format!("`{b}` (true or false)"),
            Node::Null => "nothing (null)".into(),
        }
    }

    /// The entries of a mapping (none for other nodes).
    pub fn entries(&self) -> &[Entry] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The value at `path`, with its key's location (the node's own for the root).
    pub fn get<'a>(
        root: &'a Spanned<Node>,
        path: &KeyPath,
    ) -> Option<(&'a Spanned<Node>, Option<&'a Location>)> {
        let mut node = root;
        let mut key_at = None;
        for step in &path.0 {
            match (step, &node.value) {
                (Step::Key(k), Node::Map(entries)) => {
                    let e = entries.iter().rev().find(|e| &e.key.value == k)?;
                    key_at = Some(&e.key.referenced);
                    node = &e.value;
                }
                (Step::Index(i), Node::List(items)) => {
                    node = items.get(*i)?;
                    key_at = Some(&node.referenced);
                }
                _ => return None,
            }
        }
        Some((node, key_at))
    }

    /// Where the key at `path` is written: its value's location when the
    /// value starts on the key's line (`memory_mb: 20000`, `api: {…}`), the
    /// key's when it starts below it (a block mapping or list).
    pub fn locate(root: &Spanned<Node>, path: &KeyPath) -> Option<LineCol> {
        let (node, key_at) = Node::get(root, path)?;
        let value = line_col(&node.referenced);
        let key = key_at.and_then(line_col);
        match (key, value) {
            (Some(k), Some(v)) if v.0 != k.0 => Some(k),
            (k, v) => v.or(k),
        }
    }

    /// The outermost value that starts at `at`, and its path.
    pub fn value_at(root: &Spanned<Node>, at: LineCol) -> Option<(KeyPath, &Spanned<Node>)> {
        find(root, &KeyPath::default(), &mut |path, node| {
            (line_col(&node.referenced) == Some(at)).then(|| (path.clone(), node))
        })
    }

    /// The key written at `at`: the path of its mapping, and the entries of
    /// that mapping (earlier ones first).
    pub fn key_at(root: &Spanned<Node>, at: LineCol) -> Option<(KeyPath, &[Entry], usize)> {
        find(root, &KeyPath::default(), &mut |path, node| {
            let entries = node.value.entries();
            let i = entries
                .iter()
                .position(|e| line_col(&e.key.referenced) == Some(at))?;
            Some((path.clone(), entries, i))
        })
    }

    /// The key written a second time at `at`: its mapping's path, and the
    /// first and the second entry.
    pub fn duplicate_at(root: &Spanned<Node>, at: LineCol) -> Option<(KeyPath, &Entry, &Entry)> {
        let (path, entries, i) = Node::key_at(root, at)?;
        let second = &entries[i];
        let first = entries[..i]
            .iter()
            .find(|e| e.key.value == second.key.value)?;
        Some((path, first, second))
    }

    /// The first key that is not a name (null, a list or a mapping): the
    /// path of its mapping and the key's location.
    pub fn first_odd_key(root: &Spanned<Node>) -> Option<(KeyPath, Option<LineCol>)> {
        find(root, &KeyPath::default(), &mut |path, node| {
            let odd = node
                .value
                .entries()
                .iter()
                .find(|e| ODD_KEYS.contains(&e.key.value.as_str()))?;
            Some((path.clone(), line_col(&odd.key.referenced)))
        })
    }
}

/// The first `Some` that `f` gives for a value of the tree, visited in
/// document order (each value before what it holds) with its path.
fn find<'a, T>(
    node: &'a Spanned<Node>,
    path: &KeyPath,
    f: &mut impl FnMut(&KeyPath, &'a Spanned<Node>) -> Option<T>,
) -> Option<T> {
    if let Some(found) = f(path, node) {
        return Some(found);
    }
    match &node.value {
        Node::Map(entries) => entries
            .iter()
            .find_map(|e| find(&e.value, &path.child(Step::Key(e.key.value.clone())), f)),
        Node::List(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find(item, &path.child(Step::Index(i)), f)),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Text(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push(Entry {
                key: Spanned::new(key.value.0, key.referenced, key.defined),
                value,
            });
        }
        Ok(Node::Map(entries))
    }
}

/// How keys that are not names (`~:`, `? {a: 1}`, `? [a]`) are held.
const ODD_KEYS: [&str; 3] = ["\u{0}null", "\u{0}{…}", "\u{0}[…]"];

/// A mapping key as text (`8080:` is the key "8080").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(d)?;
        Ok(KeyText(match node {
            Node::Text(s) | Node::Number(s) => s,
            Node::Bool(b) => b.to_string(),
            Node::Null => ODD_KEYS[0].into(),
            Node::Map(_) => ODD_KEYS[1].into(),
            Node::List(_) => ODD_KEYS[2].into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_locations_from_the_parser() {
        let text = "# top\na: 1\nb:\n  c: [x, {d: 5}]\n  e:\n    - f: g\n";
        let root = parse(text).unwrap();
        let p = KeyPath::parse("b.c[1].d").unwrap();
        assert_eq!(p.to_string(), "b.c[1].d");
        assert_eq!(Node::locate(&root, &p), Some((4, 14)));
        assert_eq!(
            Node::locate(&root, &KeyPath::parse("b.e").unwrap()),
            Some((5, 3))
        );
        let (path, node) = Node::value_at(&root, (6, 10)).unwrap();
        assert_eq!(path.to_string(), "b.e[0].f");
        assert_eq!(node.value.describe(), "the text \"g\"");
        let (path, entries, i) = Node::key_at(&root, (6, 7)).unwrap();
        assert_eq!(
            (path.to_string(), entries[i].key.value.as_str()),
            ("b.e[0]".into(), "f")
        );
    }

    #[test]
    fn duplicates_keep_both_places() {
        let root = parse("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n").unwrap();
        assert!(Node::duplicate_at(&root, (3, 3)).is_none());
        let (path, first, second) = Node::duplicate_at(&root, (5, 3)).unwrap();
        assert_eq!(path.to_string(), "b");
        assert_eq!(line_col(&first.key.referenced), Some((3, 3)));
        assert_eq!(line_col(&second.key.referenced), Some((5, 3)));
    }

    #[test]
    fn dotted_paths_parse_strictly() {
        assert!(KeyPath::parse("options.a b").is_none());
        assert!(KeyPath::parse("options.").is_none());
        assert!(KeyPath::parse("options.x[a]").is_none());
        assert_eq!(KeyPath::parse("x[0][1]").unwrap().to_string(), "x[0][1]");
    }
}
