//! What CloudFormation must be told about a template: the capabilities it
//! needs, and a stack policy that protects the resources holding data.

use serde_json::{json, Value as Json};

use super::types::Capability;
use crate::cfn::resources::iam;
use crate::cfn::ResourceProperties;

/// IAM types that need CAPABILITY_IAM, and the properties that name them
/// (which need CAPABILITY_NAMED_IAM).
const IAM_TYPES: &[(&str, &str)] = &[
    ("AWS::IAM::AccessKey", ""),
    ("AWS::IAM::Group", "GroupName"),
    (iam::InstanceProfile::TYPE, "InstanceProfileName"),
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
    ("AWS::IAM::Policy", ""),
    (iam::Role::TYPE, "RoleName"),
    ("AWS::IAM::User", "UserName"),
    ("AWS::IAM::UserToGroupAddition", ""),
];

/// Only the capabilities the template needs.
pub fn capabilities(template: &Json) -> Vec<Capability> {
    let mut caps = Vec::new();
    let resources = template.get("Resources").and_then(Json::as_object);
    for r in resources.into_iter().flat_map(|m| m.values()) {
        let kind = r.get("Type").and_then(Json::as_str).unwrap_or("");
        if let Some((_, name_prop)) = IAM_TYPES.iter().find(|(t, _)| *t == kind) {
            let named = !name_prop.is_empty()
                && r.get("Properties")
                    .and_then(|p| p.get(*name_prop))
                    .is_some();
            caps.push(if named {
                Capability::NamedIam
            } else {
                Capability::Iam
            });
        }
        if kind == super::nested::STACK_TYPE || kind.starts_with("AWS::Serverless::") {
            caps.push(Capability::AutoExpand);
            // A nested stack may hold IAM resources of its own.
            caps.push(Capability::Iam);
        }
    }
    if template.get("Transform").is_some() {
        caps.push(Capability::AutoExpand);
    }
    caps.sort();
    caps.dedup();
    if caps.contains(&Capability::NamedIam) {
        caps.retain(|c| *c != Capability::Iam);
    }
    caps
}

/// A stack policy that allows every update except replacing or deleting the
/// `protected` resources.
pub fn protecting(protected: &[String]) -> String {
    let mut statements = vec![json!({
        "Effect": "Allow", "Principal": "*", "Action": "Update:*", "Resource": "*"
    })];
    if !protected.is_empty() {
        let resources: Vec<String> = protected
            .iter()
            .map(|id| format!("LogicalResourceId/{id}"))
            .collect();
        statements.push(json!({
            "Effect": "Deny", "Principal": "*",
            "Action": ["Update:Replace", "Update:Delete"],
            "Resource": resources
        }));
    }
    json!({ "Statement": statements }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{cloudformation, dynamodb, iam, lambda, s3};
    use crate::cfn::ResourceProperties;

    #[test]
    fn only_the_needed_capabilities() {
        let none = json!({"Resources": {"B": {"Type": s3::Bucket::TYPE}}});
        assert!(capabilities(&none).is_empty());
        let iam = json!({"Resources": {"R": {"Type": iam::Role::TYPE, "Properties": {}}}});
        assert_eq!(capabilities(&iam), [Capability::Iam]);
        let named = json!({"Resources": {
            "R": {"Type": iam::Role::TYPE, "Properties": {"RoleName": "x"}},
            "P": {"Type": "AWS::IAM::Policy"}}});
        assert_eq!(capabilities(&named), [Capability::NamedIam]);
        let nested = json!({"Resources": {"C": {"Type": cloudformation::Stack::TYPE}}});
        assert_eq!(
            capabilities(&nested),
            [Capability::Iam, Capability::AutoExpand]
        );
    }

    #[test]
    fn the_policy_denies_replacing_and_deleting_stateful_resources() {
        let t = json!({"Resources": {"T": {"Type": dynamodb::Table::TYPE}, "F": {"Type": lambda::Function::TYPE}}});
        let ids = crate::deploy::nested::protected_ids("", &[&t], "s", &[], &[], &[]);
        assert_eq!(ids, ["T"]);
        let p: Json = serde_json::from_str(&protecting(&ids)).unwrap();
        assert_eq!(p["Statement"][1]["Effect"], "Deny");
        assert_eq!(p["Statement"][1]["Resource"][0], "LogicalResourceId/T");
        assert_eq!(
            p["Statement"][1]["Action"],
            json!(["Update:Replace", "Update:Delete"])
        );
    }
}
