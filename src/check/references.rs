//! Every `Ref`, `Fn::GetAtt` and `Fn::Sub` variable resolves, and every
//! `Fn::GetAtt` names an attribute the resource's type has.

use serde_json::Value as Json;

use super::Finding;
use crate::cfn::intrinsic::PSEUDO_PARAMETERS;
use crate::cfn::Template;

/// How a value refers to another part of the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceKind {
    Ref,
    GetAtt,
    Sub,
}

/// One reference found in a JSON tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub target: String,
    /// The attribute, for `Fn::GetAtt` and `${X.Attr}`.
    pub attribute: Option<String>,
}

/// Every reference in `json`, in document order. Variables that an `Fn::Sub`
/// defines in its own map are not references.
pub fn references_in(json: &Json) -> Vec<Reference> {
    let mut out = Vec::new();
    walk(json, &mut out);
    out
}

/// Every reference in the values of `map` (a resource's properties), without
/// copying it into a [`Json`] first.
pub(crate) fn references_in_map(map: &serde_json::Map<String, Json>) -> Vec<Reference> {
    let mut out = Vec::new();
    map.values().for_each(|v| walk(v, &mut out));
    out
}

fn walk(json: &Json, out: &mut Vec<Reference>) {
    match json {
        Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
        Json::Object(map) => {
            if map.len() == 1 {
                if let Some(Json::String(target)) = map.get("Ref") {
                    out.push(Reference {
                        kind: ReferenceKind::Ref,
                        target: target.clone(),
                        attribute: None,
                    });
                    return;
                }
                if let Some(args) = map.get("Fn::GetAtt") {
                    if let Some((target, attr)) = get_att_args(args) {
                        out.push(Reference {
                            kind: ReferenceKind::GetAtt,
                            target,
                            attribute: Some(attr),
                        });
                        return;
                    }
                }
                if let Some(args) = map.get("Fn::Sub") {
                    sub_references(args, out);
                    return;
                }
            }
            map.values().for_each(|v| walk(v, out));
        }
        _ => {}
    }
}

fn get_att_args(args: &Json) -> Option<(String, String)> {
    match args {
        Json::Array(a) if a.len() == 2 => {
            Some((a[0].as_str()?.to_string(), a[1].as_str()?.to_string()))
        }
        Json::String(s) => {
            let (t, a) = s.split_once('.')?;
            Some((t.to_string(), a.to_string()))
        }
        _ => None,
    }
}

fn sub_references(args: &Json, out: &mut Vec<Reference>) {
    let (text, vars) = match args {
        Json::String(s) => (s.as_str(), None),
        Json::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
            (Json::String(s), Json::Object(m)) => (s.as_str(), Some(m)),
            _ => return,
        },
        _ => return,
    };
    if let Some(vars) = vars {
        vars.values().for_each(|v| walk(v, out));
    }
    for var in sub_variables(text) {
        if vars.is_some_and(|m| m.contains_key(var)) {
            continue;
        }
        let (target, attribute) = match var.split_once('.') {
            Some((t, a)) if !var.starts_with("AWS::") => (t.to_string(), Some(a.to_string())),
            _ => (var.to_string(), None),
        };
        out.push(Reference {
            kind: ReferenceKind::Sub,
            target,
            attribute,
        });
    }
}

/// The `${...}` variables of an `Fn::Sub` string, skipping `${!literal}`.
pub(crate) fn sub_variables(text: &str) -> Vec<&str> {
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let var = after[..end].trim();
        if !var.starts_with('!') {
            vars.push(var);
        }
        rest = &after[end + 1..];
    }
    vars
}

#[cfg(test)]
pub(super) fn check(template: &Template, errors: &mut Vec<Finding>) {
    let refs: Vec<Vec<Reference>> = template
        .resources()
        .map(|r| references_in_map(&r.properties))
        .collect();
    check_refs(template, &refs, errors);
}

/// The check, given each resource's property references (in resource order).
pub(super) fn check_refs(template: &Template, refs: &[Vec<Reference>], errors: &mut Vec<Finding>) {
    // Resources: only their Metadata and Properties can hold intrinsics.
    for (r, props) in template.resources().zip(refs) {
        let id = r.id().as_str();
        let found = r
            .metadata
            .values()
            .flat_map(references_in)
            .chain(props.iter().cloned());
        for reference in found {
            if let Some(msg) = unresolved(template, &reference) {
                errors.push(Finding::about(id, msg));
            }
        }
    }
    let sections = [
        serde_json::to_value(&template.outputs).unwrap_or(Json::Null),
        serde_json::to_value(&template.conditions).unwrap_or(Json::Null),
    ];
    for section in &sections {
        let Json::Object(entries) = section else {
            continue;
        };
        for (id, body) in entries {
            for r in references_in(body) {
                if let Some(msg) = unresolved(template, &r) {
                    errors.push(Finding::about(id, msg));
                }
            }
        }
    }
    for r in template.resources() {
        for d in &r.depends_on {
            if template.resource(d.as_str()).is_none() {
                errors.push(Finding::about(
                    r.id().as_str(),
                    format!("DependsOn names `{d}`, which is not a resource in this template"),
                ));
            }
        }
    }
}

/// Whether `attr` is one of `attributes`; an entry ending in `.*` (such as a
/// nested stack's `Outputs.*`) stands for every attribute with that prefix.
pub(crate) fn has_attribute(attributes: &[&str], attr: &str) -> bool {
    attributes.iter().any(|a| match a.strip_suffix('*') {
        Some(prefix) => attr.len() > prefix.len() && attr.starts_with(prefix),
        None => *a == attr,
    })
}

fn unresolved(template: &Template, r: &Reference) -> Option<String> {
    let what = match r.kind {
        ReferenceKind::Ref => "Ref",
        ReferenceKind::GetAtt => "Fn::GetAtt",
        ReferenceKind::Sub => "Fn::Sub variable",
    };
    if let Some(attr) = &r.attribute {
        let Some(res) = template.resource(&r.target) else {
            return Some(format!(
                "{what} `{}.{attr}` names `{}`, which is not a resource in this template",
                r.target, r.target
            ));
        };
        if !has_attribute(res.attributes(), attr) {
            let known = if res.attributes().is_empty() {
                "it has none".to_string()
            } else {
                format!("it has {}", res.attributes().join(", "))
            };
            return Some(format!(
                "{what} asks `{}` ({}) for attribute `{attr}`; {known}",
                r.target,
                res.kind()
            ));
        }
        return None;
    }
    let known = template.resource(&r.target).is_some()
        || template.parameters.keys().any(|p| p.as_str() == r.target)
        || PSEUDO_PARAMETERS.contains(&r.target.as_str());
    (!known).then(|| {
        format!(
            "{what} `{}` is not a resource, parameter or pseudo parameter of this template",
            r.target
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::intrinsic::{get_att, r#ref, sub};
    use crate::cfn::policy::PolicyDocument;
    use crate::cfn::resources::logs::LogGroup;
    use crate::cfn::resources::s3::{Bucket, BucketPolicy};
    use crate::cfn::{LogicalId, Parameter};

    fn policy(bucket: crate::cfn::Value<String>) -> BucketPolicy {
        BucketPolicy {
            bucket,
            policy_document: PolicyDocument::new(vec![]),
        }
    }

    fn run(t: &Template) -> Vec<String> {
        let mut errors = Vec::new();
        check(t, &mut errors);
        errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn resolved_references_pass() {
        let mut t = Template::default();
        t.parameter("Env", Parameter::string("e")).unwrap();
        t.add("Logs", LogGroup::default()).unwrap();
        t.add("B", Bucket::default()).unwrap();
        t.add(
            "P",
            policy(sub("${B}-${Env}-${AWS::Region}-${!Literal}-${Logs.Arn}").into()),
        )
        .unwrap();
        t.add("Q", policy(r#ref("B").into())).unwrap();
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    #[test]
    fn unknown_ref_is_reported() {
        let mut t = Template::default();
        t.add("P", policy(r#ref("Missing").into())).unwrap();
        assert_eq!(
            run(&t),
            ["P: Ref `Missing` is not a resource, parameter or pseudo parameter of this template"]
        );
    }

    #[test]
    fn unknown_sub_variable_is_reported() {
        let mut t = Template::default();
        t.add(
            "P",
            policy(sub("arn:${AWS::Partition}:s3:::${Nope}").into()),
        )
        .unwrap();
        assert_eq!(
            run(&t),
            ["P: Fn::Sub variable `Nope` is not a resource, parameter or pseudo parameter of this template"]
        );
    }

    #[test]
    fn unknown_attribute_is_reported() {
        let mut t = Template::default();
        t.add("B", Bucket::default()).unwrap();
        t.add("P", policy(get_att("B", "Arnn").into())).unwrap();
        assert_eq!(
            run(&t),
            ["P: Fn::GetAtt asks `B` (AWS::S3::Bucket) for attribute `Arnn`; it has Arn, DomainName, DualStackDomainName, MetadataConfiguration.AnnotationTableConfiguration.TableArn, MetadataConfiguration.AnnotationTableConfiguration.TableName, MetadataConfiguration.Destination, MetadataConfiguration.InventoryTableConfiguration.TableArn, MetadataConfiguration.InventoryTableConfiguration.TableName, MetadataConfiguration.JournalTableConfiguration.TableArn, MetadataConfiguration.JournalTableConfiguration.TableName, MetadataTableConfiguration.S3TablesDestination.TableArn, MetadataTableConfiguration.S3TablesDestination.TableNamespace, RegionalDomainName, WebsiteURL"]
        );
    }

    #[test]
    fn get_att_on_a_missing_resource_is_reported() {
        let mut t = Template::default();
        t.add("P", policy(sub("${Gone.Arn}").into())).unwrap();
        assert_eq!(
            run(&t),
            ["P: Fn::Sub variable `Gone.Arn` names `Gone`, which is not a resource in this template"]
        );
    }

    #[test]
    fn dangling_depends_on_is_reported() {
        let mut t = Template::default();
        t.add("B", Bucket::default())
            .unwrap()
            .depends_on(&LogicalId::new("Ghost").unwrap());
        assert_eq!(
            run(&t),
            ["B: DependsOn names `Ghost`, which is not a resource in this template"]
        );
    }

    #[test]
    fn wildcard_attributes_match_their_prefix() {
        assert!(has_attribute(&["Outputs.*", "StackId"], "Outputs.QueueUrl"));
        assert!(has_attribute(&["Outputs.*", "StackId"], "StackId"));
        assert!(!has_attribute(&["Outputs.*"], "Outputs."));
        assert!(!has_attribute(&["Outputs.*"], "Arn"));
    }

    #[test]
    fn sub_variables_skip_escapes() {
        assert_eq!(sub_variables("a${X}b${!Y}${ Z.Arn }"), ["X", "Z.Arn"]);
    }
}
