//! The property paths of every resource type the blueprints emit, from the
//! CloudFormation resource schemas (written by scripts/gen-property-shapes
//! into `property_shapes.txt`; parsed on first use, so a project without
//! overrides never pays for it): what an override is checked against.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::config::nearest;

const SHAPES: &str = include_str!("property_shapes.txt");

/// One property path of a type.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    /// The JSON kinds its value may have (`s` text, `i` whole number, `n`
    /// number, `b` true or false, `a` list, `o` mapping, `j` anything).
    pub kinds: &'static str,
    /// Its parent requires it.
    pub required: bool,
    /// The schema says nothing under it: anything goes there.
    pub open: bool,
    /// The values it allows, when the schema lists them.
    pub values: Vec<&'static str>,
}

/// A type's paths (`ProvisionedThroughput.ReadCapacityUnits`, `Tags.[]`,
/// `Variables.*`), and the names under each (`""` for the top level).
#[derive(Debug, Default)]
pub struct TypeShapes {
    paths: HashMap<&'static str, Shape>,
    children: HashMap<&'static str, Vec<&'static str>>,
}

fn index() -> &'static HashMap<&'static str, TypeShapes> {
    static PARSED: OnceLock<HashMap<&'static str, TypeShapes>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let mut all: HashMap<&'static str, TypeShapes> = HashMap::new();
        let mut current: Option<&mut TypeShapes> = None;
        for line in SHAPES.lines().filter(|l| !l.starts_with('#')) {
            if let Some(name) = line.strip_prefix('=') {
                current = Some(all.entry(name).or_default());
                continue;
            }
            let Some(t) = current.as_deref_mut() else {
                continue;
            };
            let mut cols = line.split('\t');
            let path = cols.next().unwrap_or("");
            let kinds = cols.next().unwrap_or("j");
            let flags = cols.next().unwrap_or("");
            let values = cols.next().unwrap_or("").split_whitespace().collect();
            let (parent, name) = path.rsplit_once('.').unwrap_or(("", path));
            t.children.entry(parent).or_default().push(name);
            t.paths.insert(
                path,
                Shape {
                    kinds,
                    required: flags.contains('r'),
                    open: flags.contains('x') || kinds == "j",
                    values,
                },
            );
        }
        all
    })
}

/// The paths of `type_name`, if the blueprints emit it.
pub fn of(type_name: &str) -> Option<&'static TypeShapes> {
    index().get(type_name)
}

/// A mistake and the nearest valid name, if any.
pub type Mistake = (String, Option<String>);

impl TypeShapes {
    /// The schema path of the child `step` of `parent` (`""` for the top
    /// level): a named property, a list's items (`[]`) or a mapping's free
    /// values (`*`); `Err` names the properties there.
    fn child(&self, parent: &str, step: Step<'_>, shown: &str) -> Result<Option<String>, Mistake> {
        if !parent.is_empty() && self.paths.get(parent).is_some_and(|s| s.open) {
            return Ok(None);
        }
        let join = |name: &str| {
            if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}.{name}")
            }
        };
        let names = self.children.get(parent).map(Vec::as_slice).unwrap_or(&[]);
        match step {
            Step::Index => {
                if names.contains(&"[]") {
                    return Ok(Some(join("[]")));
                }
                let kinds = self.paths.get(parent).map_or("o", |s| s.kinds);
                Err((
                    format!("`{shown}` takes {}, not a list", kinds_text(kinds)),
                    None,
                ))
            }
            Step::Key(k) => {
                if names.contains(&k) && k != "[]" && k != "*" {
                    return Ok(Some(join(k)));
                }
                if names.contains(&"*") {
                    return Ok(Some(join("*")));
                }
                let named: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| *n != "[]" && *n != "*")
                    .collect();
                if named.is_empty() {
                    let kinds = self.paths.get(parent).map_or("j", |s| s.kinds);
                    return Err((
                        format!(
                            "`{shown}` takes {}, with nothing named `{k}` under it",
                            kinds_text(kinds)
                        ),
                        None,
                    ));
                }
                let help = nearest(k, &named).map(|n| format!("did you mean `{n}`?"));
                Err((format!("`{shown}` has no property `{k}`"), help))
            }
        }
    }

    /// The schema path of a path of steps under `Properties` (`None` when
    /// it goes where the schema says nothing: anything goes there).
    pub fn path_of(&self, steps: &[Step<'_>]) -> Result<Option<String>, Mistake> {
        let mut at = String::new();
        let mut shown = String::from("Properties");
        for step in steps {
            match self.child(&at, *step, &shown)? {
                Some(p) => at = p,
                None => return Ok(None),
            }
            match step {
                Step::Key(k) => shown = format!("{shown}.{k}"),
                Step::Index => shown = format!("{shown}.[]"),
            }
        }
        Ok(Some(at))
    }

    /// The shape at a schema path.
    pub fn shape(&self, path: &str) -> Option<&Shape> {
        self.paths.get(path)
    }

    /// Checks `value` against the schema at `path` (`""`: the whole
    /// properties); `shown` names it in messages.
    pub fn check(&self, path: &str, value: &Json, shown: &str) -> Result<(), Mistake> {
        if is_intrinsic(value) {
            return Ok(());
        }
        if !path.is_empty() {
            let Some(shape) = self.paths.get(path) else {
                return Ok(());
            };
            if shape.open && shape.kinds == "j" {
                return Ok(());
            }
            if !fits(shape.kinds, value) {
                return Err((
                    format!(
                        "`{shown}` takes {}, not {}",
                        kinds_text(shape.kinds),
                        super::kind_of(value)
                    ),
                    None,
                ));
            }
            self.check_value(shape, value, shown)?;
            if shape.open {
                return Ok(());
            }
        }
        match value {
            Json::Object(m) => {
                for (k, v) in m {
                    let child = self.child(path, Step::Key(k), shown)?;
                    if let Some(child) = child {
                        self.check(&child, v, &format!("{shown}.{k}"))?;
                    }
                }
                self.check_required(path, m, shown)
            }
            Json::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    if let Some(child) = self.child(path, Step::Index, shown)? {
                        self.check(&child, v, &format!("{shown}.{i}"))?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// An allowed value, when the schema lists them.
    fn check_value(&self, shape: &Shape, value: &Json, shown: &str) -> Result<(), Mistake> {
        if shape.values.is_empty() {
            return Ok(());
        }
        let text = match value {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            _ => return Ok(()),
        };
        if shape.values.contains(&text.as_str()) {
            return Ok(());
        }
        let help = nearest(&text, &shape.values).map(|n| format!("did you mean `{n}`?"));
        Err((
            format!(
                "`{shown}` is one of {}, not `{text}`",
                shape.values.join(", ")
            ),
            help,
        ))
    }

    /// Every property the schema requires of the mapping at `path` is there.
    fn check_required(
        &self,
        path: &str,
        m: &serde_json::Map<String, Json>,
        shown: &str,
    ) -> Result<(), Mistake> {
        let names = self.children.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let join = |n: &str| {
            if path.is_empty() {
                n.to_string()
            } else {
                format!("{path}.{n}")
            }
        };
        for name in names {
            let required = self
                .paths
                .get(join(name).as_str())
                .is_some_and(|s| s.required);
            if required && !m.contains_key(*name) {
                return Err((
                    format!("`{shown}` needs `{name}` (the resource schema requires it)"),
                    None,
                ));
            }
        }
        Ok(())
    }
}

/// A step of a path: a name, or any index of a list.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    Key(&'a str),
    Index,
}

/// `{Ref: X}`, `{Fn::...: ...}`, `{Condition: C}`: resolved by
/// CloudFormation, so the schema's kind does not apply.
fn is_intrinsic(v: &Json) -> bool {
    super::intrinsic(v).is_some()
}

fn fits(kinds: &str, v: &Json) -> bool {
    kinds.chars().any(|k| match (k, v) {
        ('j', _) => true,
        ('s', Json::String(_)) => true,
        ('i', Json::Number(n)) => n.is_i64() || n.is_u64(),
        ('n', Json::Number(_)) => true,
        ('b', Json::Bool(_)) => true,
        ('a', Json::Array(_)) => true,
        ('o', Json::Object(_)) => true,
        _ => false,
    })
}

fn kinds_text(kinds: &str) -> String {
    let words: Vec<&str> = kinds
        .chars()
        .map(|k| match k {
            's' => "text",
            'i' => "a whole number",
            'n' => "a number",
            'b' => "true or false",
            'a' => "a list",
            'o' => "a mapping",
            _ => "anything",
        })
        .collect();
    words.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::dynamodb;
    use crate::cfn::ResourceProperties;

    #[test]
    fn the_schema_knows_nested_paths_kinds_and_required_properties() {
        let table = of(dynamodb::Table::TYPE).unwrap();
        let p = table
            .path_of(&[
                Step::Key("ProvisionedThroughput"),
                Step::Key("ReadCapacityUnits"),
            ])
            .unwrap()
            .unwrap();
        assert_eq!(p, "ProvisionedThroughput.ReadCapacityUnits");
        let s = table.shape(&p).unwrap();
        assert_eq!((s.kinds, s.required), ("i", true));
        let e = table
            .path_of(&[
                Step::Key("ProvisionedThroughput"),
                Step::Key("ReadCapacityUnit"),
            ])
            .unwrap_err();
        assert_eq!(e.1.as_deref(), Some("did you mean `ReadCapacityUnits`?"));
        assert!(table
            .check("BillingMode", &Json::from("PAY_PER_REQUST"), "x")
            .is_err());
        assert!(table
            .check(
                "GlobalSecondaryIndexes",
                &serde_json::json!([{"IndexName": "a"}]),
                "x"
            )
            .unwrap_err()
            .0
            .contains("needs `KeySchema`"));
        assert!(of("Nope").is_none());
    }
}
