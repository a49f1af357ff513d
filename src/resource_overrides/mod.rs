//! Applies a project's `overrides:` (see [`crate::config::resource_overrides`])
//! to an expansion, after the blueprint and the cross-cutting passes and
//! before the split and the checks: the last word on a resource is the
//! user's, and everything after (the split, the reference and limit checks,
//! the rendering, `plan`'s diff) sees the result.
//!
//! A key names a resource as `blueprint explain` does: its logical ID, after
//! the logical IDs of the nested stacks that hold it (`OrdersService/Table`),
//! optionally after the stack's name (`shop/OrdersService/Table`, as explain
//! prints it for a project with several stacks).
//!
//! Each change is checked against the template before anything is written:
//! the resource exists (else the nearest name), a top-level property exists
//! for the resource's type (the CloudFormation resource schemas), a path
//! goes through mappings and lists that are there (never into an intrinsic
//! function), and a value replaced keeps the kind it had (text, number,
//! list, ...) unless it becomes an intrinsic function. A resource whose
//! properties an override changes holds them as the JSON the user wrote
//! ([`Properties::Raw`]): what a user adds by hand.

mod schema;

use serde_json::{Map, Value as Json};

use crate::cfn::resources::Properties;
use crate::cfn::template::DeletionPolicy;
use crate::cfn::{type_index, LogicalId, Resource, Template};
use crate::config::resource_overrides::{
    check, error_at, CheckedOverride, OverridePath, ResourceOverrides, Step,
};
use crate::config::{nearest, Source};
use crate::error::Error;
use crate::expansion::Expansion;

/// Applies `overrides` to `expansion`'s templates, or refuses the first
/// mistake at its place in `source`.
pub fn apply(
    expansion: &mut Expansion,
    overrides: &ResourceOverrides,
    source: &Source,
) -> Result<(), Error> {
    if overrides.is_empty() {
        return Ok(());
    }
    for o in check(source, overrides)? {
        let (stack, nested, id) = resolve(expansion, &o.resource)
            .map_err(|(m, h)| error_at(source, &[&o.resource], m, h))?;
        let template = template_mut(&mut expansion.stacks[stack].template, &nested)
            .ok_or_else(|| Error::Internal(format!("{} went missing", o.resource)))?;
        apply_one(template, &id, &o, source)?;
    }
    Ok(())
}

/// Every resource's name relative to its stack (`OrdersService/Table`).
fn names(t: &Template, prefix: &str, out: &mut Vec<String>) {
    for r in t.resources() {
        out.push(format!("{prefix}{}", r.id()));
        if let Some(child) = t.nested_template(r.id().as_str()) {
            names(child, &format!("{prefix}{}/", r.id()), out);
        }
    }
}

/// Whether `parts` (nested stack IDs, then a logical ID) name a resource.
fn exists(t: &Template, parts: &[&str]) -> bool {
    match parts {
        [] => false,
        [id] => t.resource(id).is_some(),
        [first, rest @ ..] => t.nested_template(first).is_some_and(|c| exists(c, rest)),
    }
}

fn template_mut<'a>(t: &'a mut Template, nested: &[String]) -> Option<&'a mut Template> {
    match nested {
        [] => Some(t),
        [first, rest @ ..] => {
            let (_, child) = t.nested_mut().find(|(id, _)| id.as_str() == first)?;
            template_mut(child, rest)
        }
    }
}

type Resolved = (usize, Vec<String>, String);

/// The stack (by index), the nested stack IDs and the logical ID `key`
/// names, or why not (with the nearest name).
fn resolve(expansion: &Expansion, key: &str) -> Result<Resolved, (String, Option<String>)> {
    let parts: Vec<&str> = key.split('/').collect();
    let mut found = Vec::new();
    for (i, s) in expansion.stacks.iter().enumerate() {
        let relative = if parts.len() > 1 && parts[0] == s.stack_name {
            &parts[1..]
        } else {
            &parts[..]
        };
        if exists(&s.template, relative) {
            found.push((i, relative));
        }
    }
    match found.as_slice() {
        [(i, relative)] => {
            let (id, nested) = relative.split_last().unwrap_or((&"", &[]));
            Ok((
                *i,
                nested.iter().map(|s| s.to_string()).collect(),
                id.to_string(),
            ))
        }
        [] => {
            let mut all = Vec::new();
            for s in &expansion.stacks {
                names(&s.template, "", &mut all);
            }
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            let help = nearest(key, &refs).map(|n| format!("did you mean `{n}`?"));
            let how = if key.contains('/') {
                "; inside a nested stack, name the stack's logical ID first (`OrdersService/Table`)"
            } else {
                ""
            };
            Err((
                format!(
                    "no resource `{key}` in the templates (`blueprint explain` lists them){how}"
                ),
                help,
            ))
        }
        many => {
            let stacks: Vec<&str> = many
                .iter()
                .map(|(i, _)| expansion.stacks[*i].stack_name.as_str())
                .collect();
            Err((
                format!(
                    "`{key}` is in more than one stack ({}); put the stack's name first (`{}/{key}`)",
                    stacks.join(", "),
                    stacks[0]
                ),
                None,
            ))
        }
    }
}

/// The resource `id` of `template` with `o` applied.
fn apply_one(
    template: &mut Template,
    id: &str,
    o: &CheckedOverride,
    source: &Source,
) -> Result<(), Error> {
    let ids: Vec<String> = template.resources().map(|r| r.id().to_string()).collect();
    let nested_stack = template.nested_template(id).is_some();
    let Some(resource) = template.resource_mut(id) else {
        return Err(Error::Internal(format!("{id} went missing")));
    };
    let mut edit = Edit {
        // The user's edit works on free JSON (the one place a resource leaves
        // its typed struct before rendering: it becomes `Raw` if touched).
        properties: match serde_json::to_value(&resource.properties) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        },
        touched: false,
        kind: resource.kind(),
        ids: &ids,
        id,
    };
    let key = o.resource.as_str();
    for (path, value) in &o.set {
        let shown = path.display();
        edit.set(resource, path, value, nested_stack)
            .map_err(|(m, h)| error_at(source, &[key, "set", &shown], m, h))?;
    }
    for path in &o.remove {
        edit.remove(resource, path, nested_stack)
            .map_err(|(m, h)| error_at(source, &[key, "remove"], m, h))?;
    }
    if edit.touched {
        resource.properties = Properties::Raw(edit.properties);
    }
    Ok(())
}

type Refusal = (String, Option<String>);

/// One resource being changed: its properties as JSON (written back only
/// when a change touched them), its type and its template's logical IDs.
struct Edit<'a> {
    properties: Map<String, Json>,
    touched: bool,
    kind: &'static str,
    ids: &'a [String],
    id: &'a str,
}

impl Edit<'_> {
    fn set(
        &mut self,
        resource: &mut Resource,
        path: &OverridePath,
        value: &Json,
        nested_stack: bool,
    ) -> Result<(), Refusal> {
        let shown = path.display();
        match path.root {
            "Properties" => {
                self.properties_allowed(nested_stack)?;
                match path.steps.first() {
                    None => {
                        let Json::Object(m) = value else {
                            return Err((
                                format!("`Properties` takes a mapping, not {}", kind_of(value)),
                                None,
                            ));
                        };
                        match schema::of(self.kind) {
                            Some(shapes) => shapes.check("", value, "Properties")?,
                            None => m.keys().try_for_each(|n| self.known_property(n))?,
                        }
                        self.properties = m.clone();
                    }
                    Some(Step::Key(name)) => {
                        self.known_property(name)?;
                        if let Some(shapes) = schema::of(self.kind) {
                            if let Some(at) = shapes.path_of(&schema_steps(&path.steps))? {
                                shapes.check(&at, value, &shown)?;
                            }
                        }
                        let mut root = Json::Object(std::mem::take(&mut self.properties));
                        let done = set_in(&mut root, &path.steps, value, "Properties");
                        if let Json::Object(m) = root {
                            self.properties = m;
                        }
                        done?;
                        self.check_along(&path.steps)?;
                    }
                    Some(Step::Index(_)) => {
                        return Err((
                            format!("`{shown}`: `Properties` is a mapping of names, not a list"),
                            None,
                        ))
                    }
                }
                self.touched = true;
            }
            "DeletionPolicy" => resource.deletion_policy = Some(policy(value)?),
            "UpdateReplacePolicy" => resource.update_replace_policy = Some(policy(value)?),
            "DependsOn" => resource.depends_on = self.depends_on(value)?,
            _ => set_metadata(resource, &path.steps, value)?,
        }
        Ok(())
    }

    fn remove(
        &mut self,
        resource: &mut Resource,
        path: &OverridePath,
        nested_stack: bool,
    ) -> Result<(), Refusal> {
        match path.root {
            "Properties" => {
                self.properties_allowed(nested_stack)?;
                if let Some(shapes) = schema::of(self.kind) {
                    let at = shapes.path_of(&schema_steps(&path.steps))?;
                    if at
                        .and_then(|a| shapes.shape(&a))
                        .is_some_and(|s| s.required)
                    {
                        return Err((
                            format!("`{}` is required (the resource schema of `{}`); set it to another value instead", path.display(), self.kind),
                            None,
                        ));
                    }
                }
                let mut root = Json::Object(std::mem::take(&mut self.properties));
                let done = remove_in(&mut root, &path.steps, "Properties");
                if let Json::Object(m) = root {
                    self.properties = m;
                }
                done?;
                self.touched = true;
            }
            "DeletionPolicy" => resource.deletion_policy = None,
            "UpdateReplacePolicy" => resource.update_replace_policy = None,
            "DependsOn" => resource.depends_on.clear(),
            _ => {
                if path.steps.is_empty() {
                    resource.metadata.clear();
                } else {
                    let mut root = Json::Object(resource.metadata.clone().into_iter().collect());
                    remove_in(&mut root, &path.steps, "Metadata")?;
                    if let Json::Object(m) = root {
                        resource.metadata = m.into_iter().collect();
                    }
                }
            }
        }
        Ok(())
    }

    /// Every mapping along `steps` in the edited properties has what the
    /// schema requires of it (a mapping an override made on the way, such
    /// as `ProvisionedThroughput` for its `ReadCapacityUnits`).
    fn check_along(&self, steps: &[Step]) -> Result<(), Refusal> {
        let Some(shapes) = schema::of(self.kind) else {
            return Ok(());
        };
        let mut node = Json::Object(self.properties.clone());
        let mut shown = String::from("Properties");
        for n in 1..steps.len() {
            let step = &steps[n - 1];
            node = match (node, step) {
                (Json::Object(mut m), Step::Key(k)) => m.remove(k).unwrap_or(Json::Null),
                (Json::Array(mut l), Step::Index(i)) if *i < l.len() => l.swap_remove(*i),
                _ => return Ok(()),
            };
            shown = format!("{shown}.{}", step_text(step));
            if let (Json::Object(_), Some(at)) =
                (&node, shapes.path_of(&schema_steps(&steps[..n]))?)
            {
                if intrinsic(&node).is_none() {
                    shapes.check(&at, &node, &shown)?;
                }
            }
        }
        Ok(())
    }

    /// A nested stack's properties are the tool's: its template, its
    /// parameters from the parent.
    fn properties_allowed(&self, nested_stack: bool) -> Result<(), Refusal> {
        if nested_stack {
            return Err((
                format!("`{}` is a nested stack: its properties (template, parameters) are made by blueprint; override the resources inside it (`{}/<LogicalId>`)", self.id, self.id),
                None,
            ));
        }
        Ok(())
    }

    /// A property name the resource's type has, from the CloudFormation
    /// resource schemas.
    fn known_property(&self, name: &str) -> Result<(), Refusal> {
        let Some(info) = type_index::lookup(self.kind) else {
            return Ok(());
        };
        if info.properties.contains(&name) {
            return Ok(());
        }
        let help = nearest(name, &info.properties).map(|n| format!("did you mean `{n}`?"));
        Err((format!("`{}` has no property `{name}`", self.kind), help))
    }

    /// `DependsOn`: logical IDs of the same template, not the resource itself.
    fn depends_on(&self, value: &Json) -> Result<Vec<LogicalId>, Refusal> {
        let items: Vec<&Json> = match value {
            Json::Array(list) => list.iter().collect(),
            one => vec![one],
        };
        let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for item in items {
            let Json::String(name) = item else {
                return Err((
                    format!(
                        "`DependsOn` takes logical IDs (text), not {}",
                        kind_of(item)
                    ),
                    None,
                ));
            };
            if name == self.id || !ids.contains(&name.as_str()) {
                let others: Vec<&str> = ids.iter().copied().filter(|i| *i != self.id).collect();
                let help = nearest(name, &others).map(|n| format!("did you mean `{n}`?"));
                return Err((
                    format!("`DependsOn` names `{name}`, which is not another resource of the same template"),
                    help,
                ));
            }
            let id = LogicalId::new(name.as_str()).map_err(|e| (e.to_string(), None))?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }
}

/// `Metadata` or a path under it.
fn set_metadata(resource: &mut Resource, steps: &[Step], value: &Json) -> Result<(), Refusal> {
    if steps.is_empty() {
        let Json::Object(m) = value else {
            return Err((
                format!("`Metadata` takes a mapping, not {}", kind_of(value)),
                None,
            ));
        };
        resource.metadata = m.clone().into_iter().collect();
        return Ok(());
    }
    let mut root = Json::Object(resource.metadata.clone().into_iter().collect());
    set_in(&mut root, steps, value, "Metadata")?;
    if let Json::Object(m) = root {
        resource.metadata = m.into_iter().collect();
    }
    Ok(())
}

fn policy(value: &Json) -> Result<DeletionPolicy, Refusal> {
    const NAMES: &[&str] = &["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"];
    let name = value.as_str().unwrap_or("");
    let p = match name {
        "Delete" => DeletionPolicy::Delete,
        "Retain" => DeletionPolicy::Retain,
        "RetainExceptOnCreate" => DeletionPolicy::RetainExceptOnCreate,
        "Snapshot" => DeletionPolicy::Snapshot,
        _ => {
            let help = nearest(name, NAMES).map(|n| format!("did you mean `{n}`?"));
            let given = if value.is_string() {
                format!("`{name}`")
            } else {
                kind_of(value).to_string()
            };
            return Err((
                format!("a policy is one of {}, not {given}", NAMES.join(", ")),
                help,
            ));
        }
    };
    Ok(p)
}

/// The kind of a JSON value, in a YAML user's words.
pub(crate) fn kind_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "nothing (null)",
        Json::Bool(_) => "true or false",
        Json::Number(n) if n.is_i64() || n.is_u64() => "a whole number",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) if intrinsic(v).is_some() => "an intrinsic function",
        Json::Object(_) => "a mapping",
    }
}

/// The function's name, when `v` is an intrinsic function (`{Ref: X}`,
/// `{Fn::GetAtt: [..]}`, `{Condition: C}`).
pub(crate) fn intrinsic(v: &Json) -> Option<&str> {
    let Json::Object(m) = v else { return None };
    let (k, _) = m.iter().next().filter(|_| m.len() == 1)?;
    (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some(k.as_str())
}

/// Whether `new` may replace `old`: the same kind (a whole number where
/// there was one), or either of them an intrinsic function.
fn same_kind(old: &Json, new: &Json) -> bool {
    intrinsic(old).is_some() || intrinsic(new).is_some() || kind_of(old) == kind_of(new)
}

/// A path's steps as the schema names them (any index is the list's items).
fn schema_steps(steps: &[Step]) -> Vec<schema::Step<'_>> {
    steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => schema::Step::Key(k),
            Step::Index(_) => schema::Step::Index,
        })
        .collect()
}

fn step_text(s: &Step) -> String {
    match s {
        Step::Key(k) => k.clone(),
        Step::Index(i) => i.to_string(),
    }
}

/// The value under `node` at `steps`, for changing it: each step a key of
/// a mapping (made when missing and `make`) or an index of a list that is
/// there; never into an intrinsic function. `at` names `node` in messages.
fn descend<'a>(
    mut node: &'a mut Json,
    steps: &[Step],
    mut at: String,
    make: bool,
) -> Result<(&'a mut Json, String), Refusal> {
    for step in steps {
        if let Some(f) = intrinsic(node) {
            return Err((
                format!("`{at}` is an intrinsic function (`{f}`) the blueprint wrote; set `{at}` whole instead of a part of it"),
                None,
            ));
        }
        let here = at.clone();
        at = format!("{at}.{}", step_text(step));
        node = match (node, step) {
            (Json::Object(m), Step::Key(k)) => {
                if !m.contains_key(k) {
                    if !make {
                        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                        let help = nearest(k, &keys).map(|n| format!("did you mean `{here}.{n}`?"));
                        return Err((format!("`{here}` has no `{k}` to remove"), help));
                    }
                    m.insert(k.clone(), Json::Object(Map::new()));
                }
                m.get_mut(k)
                    .ok_or_else(|| (format!("`{at}` went missing"), None))?
            }
            (Json::Array(list), Step::Index(i)) => {
                let len = list.len();
                list.get_mut(*i).ok_or_else(|| {
                    (
                        format!("`{here}` is a list of {len} item(s); index {i} is past its end (set the whole list to add items)"),
                        None,
                    )
                })?
            }
            (Json::Array(_), Step::Key(k)) => {
                return Err((
                    format!("`{here}` is a list: `{k}` is not an index (0, 1, ...)"),
                    None,
                ))
            }
            (other, _) => {
                return Err((
                    format!("`{here}` is {}, with nothing under it", kind_of(other)),
                    None,
                ))
            }
        };
    }
    Ok((node, at))
}

/// Sets `steps` under `root` (named `name`) to `value`.
fn set_in(root: &mut Json, steps: &[Step], value: &Json, name: &str) -> Result<(), Refusal> {
    let Some((last, parents)) = steps.split_last() else {
        *root = value.clone();
        return Ok(());
    };
    let (parent, at) = descend(root, parents, name.to_string(), true)?;
    let target = format!("{at}.{}", step_text(last));
    if let Some(f) = intrinsic(parent) {
        return Err((
            format!("`{at}` is an intrinsic function (`{f}`) the blueprint wrote; set `{at}` whole instead of a part of it"),
            None,
        ));
    }
    let slot = match (parent, last) {
        (Json::Object(m), Step::Key(k)) => m.entry(k.clone()).or_insert(Json::Null),
        (Json::Array(list), Step::Index(i)) => {
            let len = list.len();
            list.get_mut(*i).ok_or_else(|| {
                (
                    format!("`{at}` is a list of {len} item(s); index {i} is past its end (set the whole list to add items)"),
                    None,
                )
            })?
        }
        (Json::Array(_), Step::Key(k)) => {
            return Err((
                format!("`{at}` is a list: `{k}` is not an index (0, 1, ...)"),
                None,
            ))
        }
        (other, _) => {
            return Err((
                format!("`{at}` is {}, with nothing under it", kind_of(other)),
                None,
            ))
        }
    };
    if !slot.is_null() && !same_kind(slot, value) {
        return Err((
            format!(
                "`{target}` is {} in the template; the override gives {}",
                kind_of(slot),
                kind_of(value)
            ),
            None,
        ));
    }
    *slot = value.clone();
    Ok(())
}

/// Removes `steps` (at least one) under `root` (named `name`).
fn remove_in(root: &mut Json, steps: &[Step], name: &str) -> Result<(), Refusal> {
    let Some((last, parents)) = steps.split_last() else {
        return Ok(());
    };
    let (parent, at) = descend(root, parents, name.to_string(), false)?;
    match (parent, last) {
        (Json::Object(m), Step::Key(k)) => {
            if m.shift_remove(k).is_none() {
                let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                let help = nearest(k, &keys).map(|n| format!("did you mean `{at}.{n}`?"));
                return Err((format!("`{at}` has no `{k}` to remove"), help));
            }
        }
        (Json::Array(list), Step::Index(i)) => {
            if *i >= list.len() {
                return Err((
                    format!(
                        "`{at}` is a list of {} item(s); there is no index {i} to remove",
                        list.len()
                    ),
                    None,
                ));
            }
            list.remove(*i);
        }
        (other, step) => {
            return Err((
                format!(
                    "`{at}` is {}: there is no `{}` in it to remove",
                    kind_of(other),
                    step_text(step)
                ),
                None,
            ))
        }
    }
    Ok(())
}
