//! What a project's additions refer to (`Ref`, `Fn::GetAtt`, `Fn::Sub`
//! variables, conditions, `DependsOn`) resolves in its stack, checked with
//! the key path of each use so that a mistake is shown at its line with the
//! nearest name the stack has.

use serde_json::Value as Json;

use super::Place;
use crate::cfn::intrinsic::PSEUDO_PARAMETERS;
use crate::cfn::Template;
use crate::config::additions::Additions;
use crate::config::{ConfigError, Source};
use crate::error::Error;

/// A located error about the key at `path` (`["resources", "Queue",
/// "Properties", "Tags[0]"]`): at the deepest key of the path written in
/// the file, else about the whole file.
pub fn locate(source: &Source, path: &[&str], detail: &str) -> ConfigError {
    let dotted = |keys: &[&str]| -> String {
        let mut s = String::new();
        for k in keys {
            if !s.is_empty() && !k.starts_with('[') {
                s.push('.');
            }
            s.push_str(k);
        }
        s
    };
    for n in (1..=path.len()).rev() {
        let message = format!("{}: {detail}", dotted(&path[..n]));
        if let Some(e) = ConfigError::about_key(&source.name, &source.text, &message) {
            return e;
        }
    }
    ConfigError::whole_file(&source.name, format!("{}: {detail}", dotted(path)))
}

/// One use of a name in a value.
enum Use {
    Ref(String),
    GetAtt(String, String),
    Condition(String),
    DependsOn(String),
}

/// Every use in `v`, with the key path of the value that holds it.
fn uses(v: &Json, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Use)>) {
    match v {
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                uses(item, path, out);
                path.pop();
            }
        }
        Json::Object(m) if m.len() == 1 => {
            let Some((key, args)) = m.iter().next() else {
                return;
            };
            if !function_uses(key, args, path, out) {
                path.push(key.clone());
                uses(args, path, out);
                path.pop();
            }
        }
        Json::Object(m) => {
            for (k, item) in m {
                path.push(k.clone());
                uses(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The uses in a function's arguments; `false` when `key` is no function.
fn function_uses(
    key: &str,
    args: &Json,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Use)>,
) -> bool {
    let here = |u| (path.clone(), u);
    match (key, args) {
        ("Ref", Json::String(t)) => out.push(here(Use::Ref(t.clone()))),
        ("Condition", Json::String(c)) => out.push(here(Use::Condition(c.clone()))),
        ("Fn::GetAtt", Json::String(s)) => {
            if let Some((t, a)) = s.split_once('.') {
                out.push(here(Use::GetAtt(t.into(), a.into())));
            }
        }
        ("Fn::GetAtt", Json::Array(a)) => {
            if let [Json::String(t), attr] = a.as_slice() {
                match attr {
                    Json::String(attr) => out.push(here(Use::GetAtt(t.clone(), attr.clone()))),
                    other => {
                        out.push(here(Use::GetAtt(t.clone(), String::new())));
                        uses(other, path, out);
                    }
                }
            }
        }
        ("Fn::Sub", Json::String(s)) => sub_uses(s, &[], path, out),
        ("Fn::Sub", Json::Array(a)) => {
            if let [Json::String(s), Json::Object(vars)] = a.as_slice() {
                let own: Vec<&str> = vars.keys().map(String::as_str).collect();
                sub_uses(s, &own, path, out);
                for v in vars.values() {
                    uses(v, path, out);
                }
            }
        }
        ("Fn::If", Json::Array(a)) => {
            if let Some(Json::String(c)) = a.first() {
                out.push(here(Use::Condition(c.clone())));
            }
            for v in a.iter().skip(1) {
                uses(v, path, out);
            }
        }
        (k, v) if k.starts_with("Fn::") => uses(v, path, out),
        _ => return false,
    }
    true
}

/// The `${Name}` and `${Name.Attribute}` variables of a `Fn::Sub` text,
/// leaving out `${!Literal}` and its own variables.
fn sub_uses(s: &str, own: &[&str], path: &[String], out: &mut Vec<(Vec<String>, Use)>) {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else {
            return;
        };
        let name = rest[..end].trim();
        rest = &rest[end + 1..];
        if name.starts_with('!') || own.contains(&name) {
            continue;
        }
        let u = match name.split_once('.') {
            Some((t, a)) => Use::GetAtt(t.into(), a.into()),
            None => Use::Ref(name.into()),
        };
        out.push((path.to_vec(), u));
    }
}

/// Whether `attr` is one of `attributes` (`Outputs.*` or `*` standing for
/// every attribute with that prefix).
fn has_attribute(attributes: &[&str], attr: &str) -> bool {
    attributes.iter().any(|a| match a.strip_suffix('*') {
        Some(prefix) => attr.len() > prefix.len() && attr.starts_with(prefix),
        None => *a == attr,
    })
}

/// Why `u` does not resolve in `t`, with the nearest name, if it does not.
fn unresolved(t: &Template, u: &Use, stack: &str) -> Option<(String, Option<String>)> {
    let resources: Vec<&str> = t.resources().map(|r| r.id().as_str()).collect();
    let hint = super::did_you_mean;
    match u {
        Use::Ref(name) => {
            let known = t.resource(name).is_some()
                || t.parameters.contains_key(name.as_str())
                || PSEUDO_PARAMETERS.contains(&name.as_str());
            let mut names = resources.clone();
            names.extend(t.parameters.keys().map(|p| p.as_str()));
            names.extend(PSEUDO_PARAMETERS);
            (!known).then(|| {
                (
                    format!("`{name}` is not a resource, parameter or pseudo parameter of stack `{stack}`"),
                    hint(name, &names),
                )
            })
        }
        Use::GetAtt(target, attr) => {
            let Some(r) = t.resource(target) else {
                return Some((
                    format!("`{target}.{attr}` names `{target}`, which is not a resource of stack `{stack}`"),
                    hint(target, &resources),
                ));
            };
            if attr.is_empty() || has_attribute(r.attributes(), attr) {
                return None;
            }
            Some((
                format!(
                    "`{target}` ({}) has no attribute `{attr}`; it has {}",
                    r.kind(),
                    r.attributes().join(", ")
                ),
                hint(attr, r.attributes()),
            ))
        }
        Use::DependsOn(d) => Some((
            format!("DependsOn names `{d}`, which is not a resource of stack `{stack}`"),
            hint(d, &resources),
        )),
        Use::Condition(c) => {
            let names: Vec<&str> = t.conditions.keys().map(|c| c.as_str()).collect();
            (!t.conditions.contains_key(c.as_str())).then(|| {
                (
                    format!("no condition `{c}` in stack `{stack}`"),
                    hint(c, &names),
                )
            })
        }
    }
}

/// Every value the additions hold, with the key path it is written at.
fn values(adds: &Additions) -> Vec<(Vec<String>, &Json)> {
    let mut out = Vec::new();
    let key = |parts: &[&str]| parts.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (id, r) in &adds.resources {
        for (name, v) in r.properties.iter().flatten() {
            out.push((key(&["resources", id, "Properties", name]), &v.0));
        }
        for (name, v) in r.metadata.iter().flatten() {
            out.push((key(&["resources", id, "Metadata", name]), &v.0));
        }
        if let Some(p) = &r.update_policy {
            out.push((key(&["resources", id, "UpdatePolicy"]), &p.0));
        }
    }
    for (id, o) in &adds.outputs {
        out.push((key(&["outputs", id, "Value"]), &o.value.0));
        if let Some(e) = &o.export {
            out.push((key(&["outputs", id, "Export", "Name"]), &e.name.0));
        }
    }
    for (id, c) in &adds.conditions {
        out.push((key(&["conditions", id]), &c.0));
    }
    out
}

/// Checks that what the additions name resolves in `template` (merged).
pub(super) fn check(template: &Template, adds: &Additions, at: &Place<'_>) -> Result<(), Error> {
    let mut found = Vec::new();
    for (mut path, v) in values(adds) {
        uses(v, &mut path, &mut found);
    }
    for (id, r) in &adds.resources {
        let here = |k: &str| vec!["resources".to_string(), id.clone(), k.to_string()];
        for d in r.depends_on.iter().flat_map(|d| d.ids()) {
            if template.resource(d).is_none() {
                found.push((here("DependsOn"), Use::DependsOn(d.to_string())));
            }
        }
        if let Some(c) = &r.condition {
            found.push((here("Condition"), Use::Condition(c.clone())));
        }
    }
    for (id, o) in &adds.outputs {
        if let Some(c) = &o.condition {
            let path = vec!["outputs".to_string(), id.clone(), "Condition".to_string()];
            found.push((path, Use::Condition(c.clone())));
        }
    }
    for (path, u) in &found {
        if let Some((detail, help)) = unresolved(template, u, &at.stack) {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            let mut e = at.error(&keys, &detail);
            e.help = help;
            return Err(e.into());
        }
    }
    Ok(())
}
