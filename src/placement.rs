//! The placement file: where each unit of a split template lives (the
//! template itself or one of its overflow stacks), recorded by `synth` next
//! to the project file so that the next synth keeps every unit where it is,
//! whatever the order of the list or what was removed (see [`crate::split`]).
//!
//! `blueprint.yaml` → `blueprint.placement.json`:
//!
//! ```json
//! {
//!   "version": 1,
//!   "templates": {
//!     "services": {
//!       "svc0001": "root",
//!       "svc0425": "Overflow1"
//!     }
//!   }
//! }
//! ```
//!
//! The file is user input: it is parsed strictly (no unknown or duplicate
//! keys, only known stack names), and each mistake is reported at
//! file:line:col in plain language.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::error::Category;

use crate::config::ConfigError;
use crate::error::Error;
use crate::split::{OVERFLOW_PREFIX, OVERFLOW_SLOTS};

/// The version of the placement file this build reads and writes.
pub const PLACEMENT_VERSION: u64 = 1;

/// A placement file larger than this is refused unread (a thousand services
/// take about 30 KB).
pub const MAX_PLACEMENT_BYTES: u64 = 8 * 1024 * 1024;

/// How a unit's home is written for the template itself.
const ROOT: &str = "root";

/// Where a unit lives: in the template itself, or in overflow stack
/// `Overflow<n>` of it (1 ≤ n ≤ [`OVERFLOW_SLOTS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Home {
    Root,
    Overflow(usize),
}

impl Home {
    /// Reads `root` or `Overflow<n>`; the error says what is allowed.
    pub fn parse(s: &str) -> Result<Home, String> {
        if s == ROOT {
            return Ok(Home::Root);
        }
        let allowed = format!(
            "a unit lives in `{ROOT}` (the template itself) or in `{OVERFLOW_PREFIX}1` to `{OVERFLOW_PREFIX}{OVERFLOW_SLOTS}`"
        );
        let Some(digits) = s.strip_prefix(OVERFLOW_PREFIX) else {
            return Err(format!("`{}` is not a stack: {allowed}", shorten(s)));
        };
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        match digits.parse::<usize>() {
            Ok(n) if canonical && (1..=OVERFLOW_SLOTS).contains(&n) => Ok(Home::Overflow(n)),
            _ => Err(format!(
                "`{}` is not an overflow stack: {allowed}",
                shorten(s)
            )),
        }
    }
}

impl fmt::Display for Home {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Home::Root => f.write_str(ROOT),
            Home::Overflow(n) => write!(f, "{OVERFLOW_PREFIX}{n}"),
        }
    }
}

impl Serialize for Home {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The units of one template: unit name → where it lives.
pub type Units = BTreeMap<String, Home>;

/// For each template with units (by path: the stack name, then nested stack
/// logical IDs), each unit → the logical IDs of its resources, in the
/// template that holds the unit (the template itself or an overflow stack).
pub type UnitResources = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Where the units of each split-capable template live, by template path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    pub templates: BTreeMap<String, Units>,
}

#[derive(Serialize)]
struct PlacementFile<'a> {
    version: u64,
    templates: &'a BTreeMap<String, Units>,
}

impl Placement {
    /// The placement file of a project file: `dir/x.yaml` → `dir/x.placement.json`.
    pub fn file_for(project_file: &Path) -> PathBuf {
        let stem = project_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        project_file.with_file_name(format!("{stem}.placement.json"))
    }

    /// The units of the template at `path`, if the placement has it.
    pub fn units(&self, path: &str) -> Option<&Units> {
        self.templates.get(path)
    }

    /// Takes the templates of `newer`, replacing those of the same path and
    /// keeping the others (another stack name's placement, for instance).
    pub fn update(&mut self, newer: &Placement) {
        for (path, units) in &newer.templates {
            self.templates.insert(path.clone(), units.clone());
        }
    }

    /// The file's text: pretty JSON, keys sorted, a newline at the end.
    pub fn to_json(&self) -> Result<String, Error> {
        let file = PlacementFile {
            version: PLACEMENT_VERSION,
            templates: &self.templates,
        };
        let mut json = serde_json::to_string_pretty(&file)
            .map_err(|e| Error::Internal(format!("serializing the placement: {e}")))?;
        json.push('\n');
        Ok(json)
    }

    /// Reads the placement file at `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Placement>, Error> {
        let file = path.display().to_string();
        let opened = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        if path.is_dir() {
            return Err(Error::User(format!(
                "{file} is a directory; blueprint keeps the placement of services in a file of that name"
            )));
        }
        let mut bytes = Vec::new();
        opened
            .take(MAX_PLACEMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        Placement::parse(&bytes, &file).map(Some)
    }

    /// Parses a placement file's bytes; `file` names it in errors.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Placement, Error> {
        if bytes.len() as u64 > MAX_PLACEMENT_BYTES {
            return Err(located(
                file,
                (1, 1),
                format!(
                    "the file is over {MAX_PLACEMENT_BYTES} bytes, far more than a placement file needs; it is not one `blueprint synth` wrote"
                ),
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(located(
                file,
                (1, 1),
                "the file is empty; a placement file is a JSON object with `version` and `templates`".to_string(),
            ));
        }
        let ctx = Ctx::default();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        FileV { ctx: &ctx }
            .deserialize(&mut de)
            .and_then(|p| de.end().map(|()| p))
            .map_err(|e| {
                let message = match e.classify() {
                    Category::Data => ctx.message.borrow_mut().take().unwrap_or_else(|| {
                        "this value is not what a placement file holds here".to_string()
                    }),
                    Category::Eof => "the file ends before the JSON does (an object, list or string is not closed)".to_string(),
                    Category::Syntax | Category::Io => format!(
                        "this is not valid JSON: unexpected {}",
                        found_at(bytes, e.line(), e.column())
                    ),
                };
                located(file, (e.line(), e.column().max(1)), message)
            })
    }
}

fn located(file: &str, location: (usize, usize), message: String) -> Error {
    Error::Config(ConfigError {
        file: file.to_string(),
        location: Some(location),
        message,
        help: Some(
            "`blueprint synth` writes this file to keep each service in the stack where it is deployed; \
             fix the entry, or restore the file from version control (without it, a removed or reordered \
             service can move to another stack, which replaces it and its data)"
                .to_string(),
        ),
    })
}

/// The character at 1-based `line`/`column` (bytes), for a syntax error.
fn found_at(bytes: &[u8], line: usize, column: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else {
        return "end of the file".to_string();
    };
    let at = column.saturating_sub(1);
    match l.get(at..).and_then(|rest| rest.chars().next()) {
        None => "end of the line".to_string(),
        Some(c) if c.is_control() || c.is_whitespace() || c == '\u{feff}' || c == '\u{fffd}' => {
            format!("character U+{:04X}", c as u32)
        }
        Some(c) => format!("`{c}`"),
    }
}

/// At most 40 characters of `s`, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.escape_debug().to_string()
}

/// Keeps the first error's plain-language message: serde_json's own text of
/// an error adds its position, which the caller prints itself.
#[derive(Default)]
struct Ctx {
    message: RefCell<Option<String>>,
}

impl Ctx {
    fn fail<E: de::Error>(&self, message: String) -> E {
        let mut slot = self.message.borrow_mut();
        if slot.is_none() {
            *slot = Some(message.clone());
        }
        E::custom(message)
    }
}

/// A visitor that says what it expects, for wrong-type errors.
trait Expecting {
    const WHAT: &'static str;
    fn ctx(&self) -> &Ctx;
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx()
            .fail(format!("expected {}, found {found}", Self::WHAT))
    }
}

/// Visitor methods that reject a kind of JSON value with a plain message.
macro_rules! reject {
    ($de:lifetime; $($kind:ident)*) => { $(reject!(@ $de $kind);)* };
    (@ $de:lifetime bool) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(self.wrong(&format!("`{v}`")))
        }
    };
    (@ $de:lifetime i64) => {
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(self.wrong(&format!("the number {v}")))
        }
    };
    (@ $de:lifetime u64) => {
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Err(self.wrong(&format!("the number {v}")))
        }
    };
    (@ $de:lifetime f64) => {
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(self.wrong(&format!("the number {v:?}")))
        }
    };
    (@ $de:lifetime str) => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err(self.wrong(&format!("the string `{}`", shorten(v))))
        }
    };
    (@ $de:lifetime unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(self.wrong("null"))
        }
    };
    (@ $de:lifetime seq) => {
        fn visit_seq<A: SeqAccess<$de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(self.wrong("a list"))
        }
    };
    (@ $de:lifetime map) => {
        fn visit_map<A: MapAccess<$de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(self.wrong("an object"))
        }
    };
}

/// A visitor that is also its own seed, reading any JSON value (so that it
/// names what it found when the type is wrong).
macro_rules! seed {
    ($v:ident, $out:ty, $what:expr) => {
        impl<'de> DeserializeSeed<'de> for $v<'_> {
            type Value = $out;
            fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<$out, D::Error> {
                d.deserialize_any(self)
            }
        }
        impl Expecting for $v<'_> {
            const WHAT: &'static str = $what;
            fn ctx(&self) -> &Ctx {
                self.ctx
            }
        }
    };
}

/// The file: `{"version": 1, "templates": {...}}`.
struct FileV<'a> {
    ctx: &'a Ctx,
}
seed!(
    FileV,
    Placement,
    "a JSON object with the keys `version` and `templates`"
);

impl<'de> Visitor<'de> for FileV<'_> {
    type Value = Placement;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(Self::WHAT)
    }
    reject!('de; bool i64 u64 f64 str unit seq);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Placement, A::Error> {
        let (mut version, mut templates) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            let taken = match key.as_str() {
                "version" => version.is_some(),
                "templates" => templates.is_some(),
                other => {
                    return Err(self.ctx.fail(format!(
                        "unknown key `{}`; a placement file has the keys `version` and `templates`",
                        shorten(other)
                    )))
                }
            };
            if taken {
                return Err(self.ctx.fail(format!("`{key}` is given twice")));
            }
            if key == "version" {
                version = Some(map.next_value_seed(VersionV { ctx: self.ctx })?);
            } else {
                templates = Some(map.next_value_seed(TemplatesV { ctx: self.ctx })?);
            }
        }
        if version.is_none() {
            return Err(self.ctx.fail(format!(
                "the key `version` is missing (write `\"version\": {PLACEMENT_VERSION}`)"
            )));
        }
        let templates =
            templates.ok_or_else(|| self.ctx.fail("the key `templates` is missing".to_string()))?;
        Ok(Placement { templates })
    }
}

/// `"version": 1`.
struct VersionV<'a> {
    ctx: &'a Ctx,
}
seed!(VersionV, u64, "the version number 1");

impl VersionV<'_> {
    fn unsupported<E: de::Error>(&self, v: &str) -> E {
        self.ctx.fail(format!(
            "version {v} is not one this blueprint reads (it reads version {PLACEMENT_VERSION}); was the file written by a newer blueprint?"
        ))
    }
}

impl<'de> Visitor<'de> for VersionV<'_> {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(Self::WHAT)
    }
    reject!('de; bool f64 str unit seq map);
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v == PLACEMENT_VERSION {
            Ok(v)
        } else {
            Err(self.unsupported(&v.to_string()))
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        Err(self.unsupported(&v.to_string()))
    }
}

/// Reads the keys of a map with `value` for each value, refusing empty and
/// repeated keys; `whose` says whose keys they are, for messages.
fn read_map<'de, A, T, F>(
    ctx: &Ctx,
    mut map: A,
    whose: &str,
    mut value: F,
) -> Result<BTreeMap<String, T>, A::Error>
where
    A: MapAccess<'de>,
    F: FnMut(&mut A, &str) -> Result<T, A::Error>,
{
    let mut out = BTreeMap::new();
    while let Some(key) = map.next_key::<String>()? {
        if key.is_empty() {
            return Err(ctx.fail(format!("an empty name among {whose}")));
        }
        if out.contains_key(&key) {
            return Err(ctx.fail(format!("`{}` is listed twice among {whose}", shorten(&key))));
        }
        let v = value(&mut map, &key)?;
        out.insert(key, v);
    }
    Ok(out)
}

/// `"templates": {"<path>": {...}}`.
struct TemplatesV<'a> {
    ctx: &'a Ctx,
}
seed!(
    TemplatesV,
    BTreeMap<String, Units>,
    "an object: each template's path → the places of its units"
);

impl<'de> Visitor<'de> for TemplatesV<'_> {
    type Value = BTreeMap<String, Units>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(Self::WHAT)
    }
    reject!('de; bool i64 u64 f64 str unit seq);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.ctx;
        read_map(ctx, map, "the templates", |m, _| {
            m.next_value_seed(UnitsV { ctx })
        })
    }
}

/// `"<path>": {"<unit>": "root" | "OverflowN"}`.
struct UnitsV<'a> {
    ctx: &'a Ctx,
}
seed!(
    UnitsV,
    Units,
    "an object: each unit (service) → `root` or `OverflowN`"
);

impl<'de> Visitor<'de> for UnitsV<'_> {
    type Value = Units;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(Self::WHAT)
    }
    reject!('de; bool i64 u64 f64 str unit seq);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Units, A::Error> {
        let ctx = self.ctx;
        read_map(ctx, map, "the units of a template", |m, _| {
            m.next_value_seed(HomeV { ctx })
        })
    }
}

/// `"root"` or `"OverflowN"`.
struct HomeV<'a> {
    ctx: &'a Ctx,
}
seed!(
    HomeV,
    Home,
    "the name of a stack: `root` or `Overflow1` to `Overflow20`"
);

impl<'de> Visitor<'de> for HomeV<'_> {
    type Value = Home;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(Self::WHAT)
    }
    reject!('de; bool i64 u64 f64 unit seq map);
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Home, E> {
        Home::parse(v).map_err(|m| self.ctx.fail(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match Placement::parse(text.as_bytes(), "p.json") {
            Ok(p) => panic!("parsed: {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn round_trips_sorted_with_a_trailing_newline() {
        let mut p = Placement::default();
        let units = p.templates.entry("services".into()).or_default();
        units.insert("b".into(), Home::Overflow(2));
        units.insert("a".into(), Home::Root);
        let json = p.to_json().unwrap();
        assert_eq!(
            json,
            "{\n  \"version\": 1,\n  \"templates\": {\n    \"services\": {\n      \"a\": \"root\",\n      \"b\": \"Overflow2\"\n    }\n  }\n}\n"
        );
        assert_eq!(Placement::parse(json.as_bytes(), "p.json").unwrap(), p);
    }

    #[test]
    fn names_next_to_the_project_file() {
        assert_eq!(
            Placement::file_for(Path::new("blueprint.yaml")),
            PathBuf::from("blueprint.placement.json")
        );
        assert_eq!(
            Placement::file_for(Path::new("dir/x.yaml")),
            PathBuf::from("dir/x.placement.json")
        );
    }

    #[test]
    fn stack_names_are_checked() {
        for bad in [
            "Foo",
            "Overflow0",
            "Overflow21",
            "Overflow01",
            "Overflow",
            "overflow1",
            "Root",
        ] {
            assert!(Home::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Home::parse("Overflow20"), Ok(Home::Overflow(20)));
        assert_eq!(Home::parse("root"), Ok(Home::Root));
    }

    #[test]
    fn mistakes_are_located_in_plain_language() {
        let cases = [
            ("", "p.json:1:1: the file is empty"),
            ("null", "p.json:1:4: expected a JSON object with the keys `version` and `templates`, found null"),
            ("[]", "found a list"),
            ("{\"version\": 1, \"templates\": {}, \"x\": 1}", "p.json:1:35: unknown key `x`"),
            ("{\"version\": \"1\"}", "expected the version number 1, found the string `1`"),
            ("{\"version\": 1.0}", "expected the version number 1, found the number 1.0"),
            ("{\"version\": 2, \"templates\": {}}", "version 2 is not one this blueprint reads"),
            ("{\"version\": 1}", "the key `templates` is missing"),
            ("{\"templates\": {}}", "the key `version` is missing"),
            ("{\"version\": 1, \"version\": 1}", "`version` is given twice"),
            ("{\"version\": 1, \"templates\": {\"s\": {\"a\": \"root\", \"a\": \"root\"}}}", "`a` is listed twice among the units"),
            ("{\"version\": 1, \"templates\": {\"s\": {\"a\": \"Foo\"}}}", "`Foo` is not a stack"),
            ("{\"version\": 1, \"templates\": {\"s\": {\"a\": \"Overflow21\"}}}", "`Overflow21` is not an overflow stack"),
            ("{\"version\": 1, \"templates\": {\"s\": {\"a\": 1}}}", "found the number 1"),
            ("{\"version\": 1, \"templates\": {\"s\": []}}", "found a list"),
            ("{\"version\": 1,\n \"templates\": {\"s\": {\"a\": \"root\",}}}", "p.json:2:34: this is not valid JSON: unexpected `}`"),
            ("{\"version\": 1, \"templates\": {", "the file ends before the JSON does"),
            ("{\"version\": 1, \"templates\": {}} x", "unexpected `x`"),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(got.contains(want), "{text:?}: {got}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let text = format!(
            "{{\"version\": {}1{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(err(&text).contains("found a list"));
    }
}
