//! Every `Ref`, `Fn::GetAtt` and `Fn::Sub` variable resolves, and every
//! `Fn::GetAtt` names an attribute the resource's type has.

use super::Finding;
use crate::cfn::intrinsic::PSEUDO_PARAMETERS;
use crate::cfn::walk::references_in;
pub use crate::cfn::walk::{Reference, ReferenceKind};
use crate::cfn::Template;

#[cfg(test)]
pub(super) fn check(template: &Template, errors: &mut Vec<Finding>) {
    let refs: Vec<Vec<Reference>> = template
        .resources()
        .map(|r| references_in(&r.properties))
        .collect();
    check_refs(template, &refs, errors);
}

/// The check, given each resource's property references (in resource order).
pub(super) fn check_refs(template: &Template, refs: &[Vec<Reference>], errors: &mut Vec<Finding>) {
    // Resources: only their Metadata and Properties can hold intrinsics.
    for (r, props) in template.resources().zip(refs) {
        let id = r.id().as_str();
        let found = references_in(&r.metadata)
            .into_iter()
            .chain(props.iter().cloned());
        for reference in found {
            if let Some(msg) = unresolved(template, &reference) {
                errors.push(Finding::about(id, msg));
            }
        }
    }
    let outputs = template
        .outputs
        .iter()
        .map(|(id, o)| (id, references_in(o)));
    let conditions = (template.conditions.iter()).map(|(id, c)| (id, references_in(c)));
    for (id, found) in outputs.chain(conditions) {
        for r in found {
            if let Some(msg) = unresolved(template, &r) {
                errors.push(Finding::about(id.as_str(), msg));
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
}
