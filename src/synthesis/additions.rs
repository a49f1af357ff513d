//! Extra resources (issue 16, item 2): the project's `resources:`,
//! `outputs:`, `conditions:` and `parameters:` (and the same under
//! `nested_stacks.<LogicalId>`) merged into the expanded stacks after the
//! blueprint and its passes, before the split and the checks.
//!
//! Each is checked first, with its file:line:col: a logical ID the blueprint
//! already uses (naming both), a resource type CloudFormation does not have
//! or a property the type does not have (with the nearest valid name), a
//! reference to nothing (with the nearest name the stack has). A user's
//! resource of a type that holds data (`crate::diff::is_stateful`) is
//! retained like the blueprints' own unless it says otherwise, and plan and
//! apply protect it by its type as they protect theirs.

mod intrinsic;
mod references;

use crate::cfn::resources::Properties;
use crate::cfn::template::{DeletionPolicy, Export, Output, Parameter};
use crate::cfn::{type_index, LogicalId, Template};
use crate::config::additions::{self, Additions, ExtraParameter, ExtraResource, Policy};
use crate::config::{nearest, ConfigError, Source};
use crate::error::Error;
use crate::expansion::Expansion;

pub use references::locate;

/// The attributes assumed for a type with no typed struct: any (the type
/// index has no attribute lists; cfn-lint checks them in the tests).
const ANY_ATTRIBUTE: &[&str] = &["*"];

/// Merges the project's additions into `expansion`'s project stack (and
/// its nested stacks).
pub fn apply(expansion: &mut Expansion, source: &Source) -> Result<(), Error> {
    let extra = additions::parse(source)?;
    if extra.root.is_empty() && extra.nested_stacks.is_empty() {
        return Ok(());
    }
    let root_name = expansion.project.stack_name.to_string();
    let Some(stack) = project_stack(expansion) else {
        return Ok(());
    };
    let at = Place {
        source,
        prefix: String::new(),
        stack: root_name.clone(),
    };
    merge(&mut stack.template, &extra.root, &at)?;
    for (path, adds) in &extra.nested_stacks {
        let at = Place {
            source,
            prefix: format!("nested_stacks.{path}."),
            stack: format!("{root_name}/{path}"),
        };
        let child = nested(&mut stack.template, path, source)?;
        merge(child, adds, &at)?;
    }
    Ok(())
}

/// The stack named after the project (others, such as a certificate stack
/// in us-east-1, are the blueprint's own).
fn project_stack(expansion: &mut Expansion) -> Option<&mut crate::expansion::StackTemplate> {
    let name = expansion.project.stack_name.to_string();
    let i = expansion
        .stacks
        .iter()
        .position(|s| s.stack_name == name)
        .unwrap_or(0);
    expansion.stacks.get_mut(i)
}

/// The nested template at `path` (`OrdersService`, or `A/B` for one nested
/// deeper), or an error naming the nested stacks there are.
fn nested<'a>(
    mut template: &'a mut Template,
    path: &str,
    source: &Source,
) -> Result<&'a mut Template, Error> {
    for step in path.split('/') {
        let names: Vec<String> = template.nested().map(|(id, _)| id.to_string()).collect();
        match template.nested_mut().find(|(id, _)| id.as_str() == step) {
            Some((_, child)) => template = child,
            None => {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let known = if names.is_empty() {
                    "the blueprint makes no nested stacks there with these options".to_string()
                } else {
                    format!("the nested stacks there are {}", refs.join(", "))
                };
                let mut e = locate(
                    source,
                    &["nested_stacks", path],
                    &format!("no nested stack `{step}`; {known}"),
                );
                e.help = did_you_mean(step, &refs);
                return Err(e.into());
            }
        }
    }
    Ok(template)
}

/// The nearest of `names` to `given`, as a suggestion. A name longer than
/// any CloudFormation name (logical IDs and types stop at 255 characters) is
/// compared with none: comparing a 100 KB value with a thousand names would
/// take minutes.
pub(super) fn did_you_mean(given: &str, names: &[&str]) -> Option<String> {
    if given.len() > 255 {
        return None;
    }
    nearest(given, names).map(|n| format!("did you mean `{n}`?"))
}

/// Where a stack's additions are written, for messages.
pub(super) struct Place<'a> {
    pub source: &'a Source,
    /// The key path before `resources.` (`nested_stacks.OrdersService.`).
    pub prefix: String,
    /// The stack, as `explain` names it (`shop/OrdersService`).
    pub stack: String,
}

impl Place<'_> {
    /// An error about `section.id[.rest...]`, located.
    pub fn error(&self, keys: &[&str], detail: &str) -> ConfigError {
        let mut path: Vec<&str> = self.prefix.split('.').filter(|k| !k.is_empty()).collect();
        path.extend_from_slice(keys);
        locate(self.source, &path, detail)
    }
}

/// Checks and adds one stack's additions.
fn merge(template: &mut Template, adds: &Additions, at: &Place<'_>) -> Result<(), Error> {
    for (id, p) in &adds.parameters {
        let logical = logical_id(id, "parameters", at)?;
        taken(template, id, "parameters", at)?;
        template.parameters.insert(logical, parameter(p));
    }
    for (id, c) in &adds.conditions {
        let logical = logical_id(id, "conditions", at)?;
        if template.conditions.contains_key(id.as_str()) {
            let detail = format!(
                "the blueprint already has a condition `{id}` in stack `{}`; choose another name",
                at.stack
            );
            return Err(at.error(&["conditions", id], &detail).into());
        }
        let f = intrinsic::intrinsic(&c.0).map_err(|e| at.error(&["conditions", id], &e))?;
        template.conditions.insert(logical, f);
    }
    for (id, r) in &adds.resources {
        logical_id(id, "resources", at)?;
        taken(template, id, "resources", at)?;
        add_resource(template, id, r, at)?;
    }
    for (id, o) in &adds.outputs {
        let logical = logical_id(id, "outputs", at)?;
        if template.outputs.contains_key(id.as_str()) {
            let detail = format!(
                "the blueprint already has an output `{id}` in stack `{}`; choose another name",
                at.stack
            );
            return Err(at.error(&["outputs", id], &detail).into());
        }
        let value = intrinsic::text_value(&o.value.0)
            .map_err(|e| at.error(&["outputs", id, "Value"], &e))?;
        let export = match &o.export {
            Some(e) => Some(Export {
                name: intrinsic::text_value(&e.name.0)
                    .map_err(|m| at.error(&["outputs", id, "Export", "Name"], &m))?,
            }),
            None => None,
        };
        let output = Output {
            description: o.description.clone(),
            value,
            export,
            condition: o.condition.clone(),
        };
        template.outputs.insert(logical, output);
    }
    references::check(template, adds, at)
}

/// `id` as a logical ID, or an error at it.
fn logical_id(id: &str, section: &str, at: &Place<'_>) -> Result<LogicalId, Error> {
    LogicalId::new(id).map_err(|e| at.error(&[section, id], &e.to_string()).into())
}

/// An error when `id` is already a resource or parameter of the template
/// (they share one namespace for `Ref`).
fn taken(template: &Template, id: &str, section: &str, at: &Place<'_>) -> Result<(), Error> {
    let theirs = match template.resource(id) {
        Some(r) => format!("the blueprint's {} `{id}`", r.kind()),
        None if template.parameters.contains_key(id) => format!("the blueprint's parameter `{id}`"),
        None => return Ok(()),
    };
    let detail = format!(
        "logical ID `{id}` is already {theirs} in stack `{}`; choose another name for yours",
        at.stack
    );
    Err(at.error(&[section, id], &detail).into())
}

fn parameter(p: &ExtraParameter) -> Parameter {
    Parameter {
        kind: p.kind.clone(),
        description: p.description.clone(),
        default: Some(p.default.clone()),
        allowed_pattern: p.allowed_pattern.clone(),
        allowed_values: p.allowed_values.clone(),
        constraint_description: p.constraint_description.clone(),
        min_length: p.min_length,
        max_length: p.max_length,
        min_value: p.min_value,
        max_value: p.max_value,
        no_echo: p.no_echo,
    }
}

/// Checks a resource's type and property names, then adds it.
fn add_resource(
    template: &mut Template,
    id: &str,
    r: &ExtraResource,
    at: &Place<'_>,
) -> Result<(), Error> {
    let Some(kind) = type_index::name(&r.kind) else {
        let names = type_index::names();
        let mut e = at.error(
            &["resources", id, "Type"],
            &format!("`{}` is not a CloudFormation resource type", r.kind),
        );
        e.help = did_you_mean(&r.kind, &names);
        return Err(e.into());
    };
    let properties = r.properties.clone().unwrap_or_default();
    if let Some(info) = type_index::lookup(kind).filter(|_| kind != type_index::CUSTOM_RESOURCE) {
        for name in properties.keys() {
            if !info.properties.contains(&name.as_str()) {
                let mut e = at.error(
                    &["resources", id, "Properties", name],
                    &format!("`{kind}` has no property `{name}`"),
                );
                e.help = did_you_mean(name, &info.properties);
                return Err(e.into());
            }
        }
    }
    let json = properties.into_iter().map(|(k, v)| (k, v.0)).collect();
    let attributes = Properties::attributes_of(kind).unwrap_or(ANY_ATTRIBUTE);
    let resource = template
        .add_raw(id, kind, attributes, json)
        .map_err(|e| at.error(&["resources", id], &e.to_string()))?;
    for d in r.depends_on.iter().flat_map(|d| d.ids()) {
        let d = LogicalId::new(d)
            .map_err(|e| at.error(&["resources", id, "DependsOn"], &e.to_string()))?;
        resource.depends_on(&d);
    }
    resource.condition = r.condition.clone();
    resource.update_policy = r.update_policy.as_ref().map(|p| p.0.clone());
    resource.metadata = r
        .metadata
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    // A type that holds data is kept, as the blueprints keep theirs, unless
    // the project says otherwise; a policy given for one case alone is
    // taken for both (what cfn-lint asks for).
    let deletion = r.deletion_policy.or(r.update_replace_policy);
    let replace = r.update_replace_policy.or(r.deletion_policy);
    let stateful = crate::diff::is_stateful(kind);
    let default = stateful.then_some(Policy::Retain);
    resource.deletion_policy = deletion.or(default).map(policy);
    resource.update_replace_policy = replace.or(default).map(policy);
    Ok(())
}

fn policy(p: Policy) -> DeletionPolicy {
    match p {
        Policy::Delete => DeletionPolicy::Delete,
        Policy::Retain => DeletionPolicy::Retain,
        Policy::RetainExceptOnCreate => DeletionPolicy::RetainExceptOnCreate,
        Policy::Snapshot => DeletionPolicy::Snapshot,
    }
}

/// One addition, for `explain`'s "project additions".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The stack (`shop`, `shop/OrdersService`).
    pub stack: String,
    /// `resource`, `output`, `condition` or `parameter`.
    pub section: &'static str,
    pub logical_id: String,
    /// The resource's or parameter's type; `None` for outputs and conditions.
    pub kind: Option<String>,
}

/// The project's additions, in the order written: each stack's resources,
/// outputs, conditions, then parameters.
pub fn listed(source: &Source, stack_name: &str) -> Result<Vec<Listed>, Error> {
    let extra = additions::parse(source)?;
    let mut out = Vec::new();
    let stacks = std::iter::once((stack_name.to_string(), &extra.root)).chain(
        extra
            .nested_stacks
            .iter()
            .map(|(path, adds)| (format!("{stack_name}/{path}"), adds)),
    );
    for (stack, adds) in stacks {
        let item = |section, id: &String, kind: Option<String>| Listed {
            stack: stack.clone(),
            section,
            logical_id: id.clone(),
            kind,
        };
        out.extend(
            adds.resources
                .iter()
                .map(|(id, r)| item("resource", id, Some(r.kind.clone()))),
        );
        out.extend(adds.outputs.keys().map(|id| item("output", id, None)));
        out.extend(adds.conditions.keys().map(|id| item("condition", id, None)));
        out.extend(adds.parameters.iter().map(|(id, p)| {
            let kind = serde_json::to_value(&p.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from));
            item("parameter", id, kind)
        }));
    }
    Ok(out)
}
