//! The fake's own view of what a new template does to a stack, computed
//! independently of `crate::diff` (which `plan` uses), so that comparing the
//! two can fail: a key only in the new template is an Add, only in the old a
//! Remove, in both with other `Type`/`Properties` a Modify whose replacement
//! is scripted (default `False`). Attribute-only edits (DeletionPolicy,
//! Metadata, DependsOn, ...) are not listed, as CloudFormation does.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::super::types::{Capability, ChangeAction, ChangeDetail, Replacement, ResourceChange};
use super::state::{resources, type_of};
use crate::cfn::resources::iam;
use crate::cfn::ResourceProperties;

/// What the changes of one stack are computed from.
pub(super) struct View<'a> {
    pub(super) old: Option<&'a Json>,
    pub(super) new: &'a Json,
    /// The stack's scripting prefix ("" or `OrdersService/`).
    pub(super) path: &'a str,
    /// Scripted replacements, by path (`Table`, `OrdersService/Table`).
    pub(super) replacement: &'a BTreeMap<String, Replacement>,
}

/// The resource changes, or why CloudFormation refuses the template.
pub(super) fn resource_changes(
    v: &View<'_>,
    physical: impl Fn(&str, &str) -> String,
) -> Result<Vec<ResourceChange>, String> {
    let (old, new) = (resources(v.old), resources(Some(v.new)));
    let retyped: Vec<&str> = new
        .iter()
        .filter(|(id, r)| old.get(*id).is_some_and(|o| type_of(o) != type_of(r)))
        .map(|(id, _)| id.as_str())
        .collect();
    if !retyped.is_empty() {
        return Err(format!(
            "Update of resource type is not permitted. The new template modifies resource type of the following resources: [{}]",
            retyped.join(", ")
        ));
    }
    let mut out = Vec::new();
    for (id, r) in &new {
        match old.get(id) {
            None => out.push(change(ChangeAction::Add, id, r, None)),
            Some(o) => out.extend(modified(v, id, o, r, physical(id, type_of(r)))),
        }
    }
    for (id, r) in old.iter().filter(|(id, _)| !new.contains_key(*id)) {
        let phys = physical(id, type_of(r));
        out.push(change(ChangeAction::Remove, id, r, Some(phys)));
    }
    Ok(out)
}

fn change(action: ChangeAction, id: &str, r: &Json, physical: Option<String>) -> ResourceChange {
    ResourceChange {
        action,
        logical_id: id.into(),
        physical_id: physical,
        resource_type: type_of(r).into(),
        replacement: None,
        scope: Vec::new(),
        details: Vec::new(),
        change_set_id: None,
    }
}

fn properties(r: &Json) -> Map<String, Json> {
    r.get("Properties")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The top-level property names whose values differ.
fn changed_properties(old: &Map<String, Json>, new: &Map<String, Json>) -> Vec<String> {
    let mut names: Vec<String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

fn modified(
    v: &View<'_>,
    id: &str,
    old: &Json,
    new: &Json,
    physical: String,
) -> Option<ResourceChange> {
    let names = changed_properties(&properties(old), &properties(new));
    if names.is_empty() {
        return None;
    }
    let replacement = v
        .replacement
        .get(&format!("{}{id}", v.path))
        .copied()
        .unwrap_or(Replacement::False);
    let recreation = match replacement {
        Replacement::True => "Always",
        Replacement::False => "Never",
        Replacement::Conditional => "Conditionally",
    };
    let mut scope = vec!["Properties".to_string()];
    if names.iter().any(|n| n == "Tags") {
        scope.push("Tags".into());
    }
    let details = names
        .into_iter()
        .map(|n| ChangeDetail {
            name: Some(n),
            requires_recreation: Some(recreation.into()),
            change_source: Some("DirectModification".into()),
        })
        .collect();
    Some(ResourceChange {
        replacement: Some(replacement),
        scope,
        details,
        ..change(ChangeAction::Modify, id, new, Some(physical))
    })
}

/// IAM types, and the property that names one (which needs
/// CAPABILITY_NAMED_IAM).
const IAM_TYPES: &[(&str, Option<&str>)] = &[
    ("AWS::IAM::AccessKey", None),
    ("AWS::IAM::Group", Some("GroupName")),
    (iam::InstanceProfile::TYPE, Some("InstanceProfileName")),
    ("AWS::IAM::ManagedPolicy", Some("ManagedPolicyName")),
    ("AWS::IAM::Policy", None),
    (iam::Role::TYPE, Some("RoleName")),
    ("AWS::IAM::User", Some("UserName")),
    ("AWS::IAM::UserToGroupAddition", None),
];

/// The capability the template needs and `given` lacks, as CloudFormation
/// spells it.
pub(super) fn missing_capability(t: &Json, given: &[Capability]) -> Option<&'static str> {
    let mut iam = false;
    let mut named = false;
    for r in resources(Some(t)).values() {
        let Some((_, name)) = IAM_TYPES.iter().find(|(k, _)| *k == type_of(r)) else {
            continue;
        };
        iam = true;
        named |= name.is_some_and(|n| properties(r).contains_key(n));
    }
    if named && !given.contains(&Capability::NamedIam) {
        Some("CAPABILITY_NAMED_IAM")
    } else if iam && !given.contains(&Capability::Iam) && !given.contains(&Capability::NamedIam) {
        Some("CAPABILITY_IAM")
    } else {
        None
    }
}

/// The `TemplateURL` of a nested-stack resource: a string, or the text of an
/// `Fn::Sub` (only its last path segment, the object key, matters).
pub(super) fn template_url(r: &Json) -> Option<String> {
    let url = r.get("Properties")?.get("TemplateURL")?;
    let text = match url {
        Json::Object(m) => match m.get("Fn::Sub")? {
            Json::Array(a) => a.first()?,
            s => s,
        },
        s => s,
    };
    text.as_str().map(str::to_string)
}

/// Parameter values of a stack, by name.
pub(super) type Params = BTreeMap<String, String>;

/// The value of a pseudo parameter in the fake's account and region.
fn pseudo(name: &str) -> Option<&'static str> {
    match name {
        "AWS::Region" => Some("us-east-1"),
        "AWS::URLSuffix" => Some("amazonaws.com"),
        "AWS::AccountId" => Some("123456789012"),
        "AWS::Partition" => Some("aws"),
        _ => None,
    }
}

/// An `Fn::Sub` text with `${Name}` replaced by parameter values and pseudo
/// parameters (unknown names stay as written).
pub(super) fn substitute(text: &str, params: &Params) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        match params
            .get(name)
            .map(String::as_str)
            .or_else(|| pseudo(name))
        {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 3 + end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The parameters a nested-stack resource passes: literals as given, a
/// `Ref` to a parameter of the parent by its value, anything else faked.
pub(super) fn nested_parameters(r: &Json, parent: &Params) -> Params {
    let given = r
        .get("Properties")
        .and_then(|p| p.get("Parameters"))
        .and_then(Json::as_object);
    given
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let value = match v {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.to_string(),
                _ => v
                    .get("Ref")
                    .and_then(Json::as_str)
                    .and_then(|p| parent.get(p).cloned())
                    .unwrap_or_else(|| format!("fake-{k}")),
            };
            (k.clone(), value)
        })
        .collect()
}

/// CloudFormation's refusal of a template whose parameters without a
/// default are not given.
pub(super) fn missing_parameters(t: &Json, given: &Params) -> Option<String> {
    let declared = t.get("Parameters").and_then(Json::as_object);
    let missing: Vec<&str> = declared
        .into_iter()
        .flatten()
        .filter(|(k, p)| p.get("Default").is_none() && !given.contains_key(*k))
        .map(|(k, _)| k.as_str())
        .collect();
    (!missing.is_empty()).then(|| format!("Parameters: [{}] must have values", missing.join(", ")))
}
