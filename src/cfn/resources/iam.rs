//! AWS Identity and Access Management.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::IAM::Role`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub assume_role_policy_document: PolicyDocument,
    pub description: Option<String>,
    pub managed_policy_arns: Option<Vec<Value<String>>>,
    pub permissions_boundary: Option<Value<String>>,
    pub policies: Option<Vec<InlinePolicy>>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(Role, "AWS::IAM::Role", ["Arn", "RoleId"]);

impl Role {
    /// A role with a trust policy and nothing else.
    pub fn new(trust: PolicyDocument, description: &str) -> Self {
        Role {
            assume_role_policy_document: trust,
            description: Some(description.to_string()),
            managed_policy_arns: None,
            permissions_boundary: None,
            policies: None,
            tags: None,
        }
    }
}

/// A policy embedded in a role.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

/// `AWS::IAM::InstanceProfile`: hands a role to EC2 instances.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub path: Option<String>,
    pub roles: Vec<Value<String>>,
}
resource_type!(InstanceProfile, "AWS::IAM::InstanceProfile", ["Arn"]);
