//! `overrides:` in blueprint.yaml: changes to single resources of the
//! generated templates that no option covers (issue 16, item 1), keyed by
//! logical ID as `blueprint explain` names them (`Table`,
//! `OrdersService/Table` inside a nested stack):
//!
//! ```yaml
//! overrides:
//!   OrdersService/Table:
//!     set:
//!       Properties.ProvisionedThroughput.ReadCapacityUnits: 10
//!       DeletionPolicy: Retain
//!     remove:
//!       - Properties.TimeToLiveSpecification
//! ```
//!
//! This module holds the types and the checks that need only the file (the
//! shape of every path); the resources a key names, and the properties a
//! path names, are checked against the templates by
//! `crate::resource_overrides`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::error::{locate_key, nearest, ConfigError};
use super::Source;

/// `overrides:`, by resource (in the order written).
pub type ResourceOverrides = IndexMap<String, ResourceOverride>;

/// One resource's overrides: paths to set (or replace) and paths to remove.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceOverride {
    /// Path → the value it gets (created, or replaced whole).
    #[serde(default)]
    pub set: IndexMap<String, Json>,
    /// Paths removed from the resource.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// The parts of a resource a path may start with.
pub const ROOTS: &[&str] = &[
    "Properties",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "DependsOn",
    "Metadata",
];

/// One step of a path: a key, or an index into a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A key of a mapping.
    Key(String),
    /// An index into a list.
    Index(usize),
}

/// A checked path: its root (one of [`ROOTS`]) and the steps under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverridePath {
    /// Where the path starts (`Properties`, `DeletionPolicy`, ...).
    pub root: &'static str,
    /// The steps below it.
    pub steps: Vec<Step>,
}

/// What is wrong with a path's shape, in plain words, and a suggestion.
fn parse_path(path: &str) -> Result<OverridePath, (String, Option<String>)> {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or("");
    let Some(root) = ROOTS.iter().find(|r| **r == first) else {
        let help = nearest(first, ROOTS).map(|n| format!("did you mean `{n}`?"));
        return Err((
            format!(
                "`{path}` does not start with a part of a resource an override may change: {}",
                ROOTS.join(", ")
            ),
            help,
        ));
    };
    let mut steps = Vec::new();
    for part in parts {
        if part.is_empty() {
            return Err((
                format!("`{path}` has an empty step: steps are names or list indexes joined by single dots (`Properties.Tags.0.Value`)"),
                None,
            ));
        }
        let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':');
        if !part.chars().all(name_char) {
            return Err((
                format!("`{path}`: `{part}` is not a name or a list index (letters, digits, `_`, `-` and `:` only)"),
                None,
            ));
        }
        let digits = part.chars().all(|c| c.is_ascii_digit());
        let step = match part.parse::<usize>() {
            Ok(i) if digits => Step::Index(i),
            _ if digits => {
                return Err((
                    format!("`{path}`: `{part}` is too large for a list index"),
                    None,
                ))
            }
            _ => Step::Key(part.to_string()),
        };
        steps.push(step);
    }
    match (*root, steps.len()) {
        ("DeletionPolicy" | "UpdateReplacePolicy", n) if n > 0 => Err((
            format!("`{path}`: `{root}` is a single value, with nothing under it"),
            None,
        )),
        ("DependsOn", n) if n > 0 => Err((
            format!("`{path}`: set `DependsOn` whole, as a list of logical IDs"),
            None,
        )),
        _ => Ok(OverridePath { root, steps }),
    }
}

impl OverridePath {
    /// The path as written (`Properties.Tags.0.Value`).
    pub fn display(&self) -> String {
        let mut s = self.root.to_string();
        for step in &self.steps {
            match step {
                Step::Key(k) => s.push_str(&format!(".{k}")),
                Step::Index(i) => s.push_str(&format!(".{i}")),
            }
        }
        s
    }

    /// Whether `self` is `other` or lies under it.
    pub fn within(&self, other: &OverridePath) -> bool {
        self.root == other.root
            && self.steps.len() >= other.steps.len()
            && self.steps[..other.steps.len()] == other.steps[..]
    }
}

/// One resource's overrides with their paths checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedOverride {
    /// The key as written (`OrdersService/Table`).
    pub resource: String,
    /// Paths set, with their values, in the order written.
    pub set: Vec<(OverridePath, Json)>,
    /// Paths removed.
    pub remove: Vec<OverridePath>,
}

/// An error about `overrides.<resource>[.<part>[.<key>]]`, located at the
/// deepest of those keys that is written out.
pub fn error_at(
    source: &Source,
    keys: &[&str],
    message: String,
    help: Option<String>,
) -> ConfigError {
    let mut path = vec!["overrides"];
    path.extend_from_slice(keys);
    let location = (0..path.len())
        .rev()
        .find_map(|n| locate_key(&source.text, &path[..=n]));
    ConfigError {
        file: source.name.clone(),
        location,
        message: format!("overrides.{}: {message}", keys.join(".")),
        help,
    }
}

/// Checks the shape of every entry: something to do, every path well
/// formed, no value that is nothing, no path both set and removed (or one
/// inside another).
pub fn check(
    source: &Source,
    overrides: &ResourceOverrides,
) -> Result<Vec<CheckedOverride>, ConfigError> {
    let mut out = Vec::with_capacity(overrides.len());
    for (resource, entry) in overrides {
        let r = resource.as_str();
        if entry.set.is_empty() && entry.remove.is_empty() {
            return Err(error_at(
                source,
                &[r],
                "nothing to override: give `set:` (path: value) or `remove:` (a list of paths)"
                    .into(),
                None,
            ));
        }
        let mut checked = CheckedOverride {
            resource: resource.clone(),
            set: Vec::new(),
            remove: Vec::new(),
        };
        for (path, value) in &entry.set {
            let p = parse_path(path).map_err(|(m, h)| error_at(source, &[r, "set", path], m, h))?;
            if value.is_null() {
                return Err(error_at(
                    source,
                    &[r, "set", path],
                    format!("`{path}` is set to nothing (null); to take it away, list it under `remove:`"),
                    None,
                ));
            }
            checked.set.push((p, value.clone()));
        }
        for path in &entry.remove {
            let p = parse_path(path).map_err(|(m, h)| error_at(source, &[r, "remove"], m, h))?;
            if matches!(p.root, "Properties") && p.steps.is_empty() {
                return Err(error_at(
                    source,
                    &[r, "remove"],
                    "`Properties` cannot be removed whole; remove the properties one by one".into(),
                    None,
                ));
            }
            if checked.remove.contains(&p) {
                return Err(error_at(
                    source,
                    &[r, "remove"],
                    format!("`{path}` is listed twice"),
                    None,
                ));
            }
            checked.remove.push(p);
        }
        for (s, _) in &checked.set {
            for other in checked.set.iter().map(|(p, _)| p).chain(&checked.remove) {
                if s != other && (s.within(other) || other.within(s)) || checked.remove.contains(s)
                {
                    let shown = s.display();
                    return Err(error_at(
                        source,
                        &[r, "set", &shown],
                        format!(
                            "`{shown}` and `{}` overlap: one change per place, so the result does not depend on their order",
                            other.display()
                        ),
                        None,
                    ));
                }
            }
        }
        out.push(checked);
    }
    Ok(out)
}

/// Just the `overrides:` of a project file (for `explain`, which lists
/// them); the rest of the file is read but not checked here.
pub fn read(source: &Source) -> Result<Vec<CheckedOverride>, ConfigError> {
    #[derive(Deserialize)]
    struct OnlyOverrides {
        #[serde(default)]
        overrides: Option<ResourceOverrides>,
    }
    let only: OnlyOverrides = super::parse(source)?;
    check(source, &only.overrides.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_names_and_indexes_under_a_known_root() {
        let p = parse_path("Properties.Tags.0.Value").unwrap();
        assert_eq!(p.root, "Properties");
        assert_eq!(
            p.steps,
            vec![
                Step::Key("Tags".into()),
                Step::Index(0),
                Step::Key("Value".into())
            ]
        );
        assert_eq!(p.display(), "Properties.Tags.0.Value");
        assert!(parse_path("DeletionPolicy").is_ok());
        assert!(parse_path("Metadata.cfn-lint.config").is_ok());
        for bad in [
            "Properties..X",
            "Properties.",
            "../Properties",
            "Properties/X",
            "Properties.X/../Y",
            "Properties.X Y",
            "",
            "DeletionPolicy.X",
            "DependsOn.0",
            "Propertys.X",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_path("Propertes.X").unwrap_err().1.as_deref(),
            Some("did you mean `Properties`?")
        );
    }

    #[test]
    fn overlapping_paths_are_refused() {
        let source = Source {
            name: "b.yaml".into(),
            text:
                "overrides:\n  T:\n    set:\n      Properties.A.B: 1\n    remove: [Properties.A]\n"
                    .into(),
        };
        let o: ResourceOverrides = serde_json::from_value(
            serde_json::json!({"T": {"set": {"Properties.A.B": 1}, "remove": ["Properties.A"]}}),
        )
        .unwrap();
        let e = check(&source, &o).unwrap_err();
        assert_eq!(e.location, Some((4, 23)));
        assert!(e.message.contains("overlap"), "{}", e.message);
    }
}
