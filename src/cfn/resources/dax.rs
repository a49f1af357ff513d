//! Amazon DynamoDB Accelerator (DAX).

use indexmap::IndexMap;
use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::DAX::Cluster`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cluster {
    /// `NONE` or `TLS`.
    pub cluster_endpoint_encryption_type: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "IAMRoleARN")]
    pub iam_role_arn: Value<String>,
    pub node_type: String,
    pub parameter_group_name: Option<Value<String>>,
    pub replication_factor: u32,
    pub security_group_ids: Option<Vec<Value<String>>>,
    #[serde(rename = "SSESpecification")]
    pub sse_specification: Option<SseSpecification>,
    pub subnet_group_name: Option<Value<String>>,
}
resource_type!(
    Cluster,
    "AWS::DAX::Cluster",
    [
        "Arn",
        "ClusterDiscoveryEndpoint",
        "ClusterDiscoveryEndpointURL"
    ]
);

/// Encryption at rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SseSpecification {
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
}

/// `AWS::DAX::SubnetGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetGroup {
    pub description: Option<String>,
    pub subnet_ids: Vec<Value<String>>,
}
resource_type!(SubnetGroup, "AWS::DAX::SubnetGroup", []);

/// `AWS::DAX::ParameterGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterGroup {
    pub description: Option<String>,
    /// `query-ttl-millis`, `record-ttl-millis`.
    pub parameter_name_values: Option<IndexMap<String, String>>,
}
resource_type!(ParameterGroup, "AWS::DAX::ParameterGroup", []);
