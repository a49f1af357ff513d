//! Amazon DynamoDB.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::DynamoDB::Table`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub billing_mode: Option<String>,
    pub deletion_protection_enabled: Option<bool>,
    pub key_schema: Vec<KeySchema>,
    pub point_in_time_recovery_specification: Option<PointInTimeRecoverySpecification>,
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    #[serde(rename = "SSESpecification")]
    pub sse_specification: Option<SseSpecification>,
    pub stream_specification: Option<StreamSpecification>,
    pub table_name: Option<Value<String>>,
    pub tags: Option<Vec<Tag>>,
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
}
resource_type!(Table, "AWS::DynamoDB::Table", ["Arn", "StreamArn"]);

/// An attribute used in a key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    /// `S`, `N` or `B`.
    pub attribute_type: String,
}

impl AttributeDefinition {
    /// A string attribute.
    pub fn string(name: &str) -> Self {
        AttributeDefinition {
            attribute_name: name.to_string(),
            attribute_type: "S".to_string(),
        }
    }
}

/// One element of the primary key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchema {
    pub attribute_name: String,
    /// `HASH` or `RANGE`.
    pub key_type: String,
}

impl KeySchema {
    /// The partition key.
    pub fn hash(name: &str) -> Self {
        KeySchema {
            attribute_name: name.to_string(),
            key_type: "HASH".to_string(),
        }
    }

    /// The sort key.
    pub fn range(name: &str) -> Self {
        KeySchema {
            attribute_name: name.to_string(),
            key_type: "RANGE".to_string(),
        }
    }
}

/// Continuous backups.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PointInTimeRecoverySpecification {
    pub point_in_time_recovery_enabled: bool,
}

/// Provisioned read and write capacity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedThroughput {
    pub read_capacity_units: u64,
    pub write_capacity_units: u64,
}

/// Encryption at rest.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SseSpecification {
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
    #[serde(rename = "SSEType")]
    pub sse_type: Option<String>,
}

/// A change stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecification {
    /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
    pub stream_view_type: String,
}

/// Item expiry.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLiveSpecification {
    pub attribute_name: String,
    pub enabled: bool,
}

/// `AWS::DynamoDB::GlobalTable`: one table replicated to several regions
/// (the stack's own region must be one of them).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlobalTable {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub billing_mode: Option<String>,
    pub key_schema: Vec<KeySchema>,
    pub replicas: Vec<ReplicaSpecification>,
    #[serde(rename = "SSESpecification")]
    pub sse_specification: Option<GlobalSseSpecification>,
    pub stream_specification: Option<StreamSpecification>,
    pub table_name: Option<Value<String>>,
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
}
resource_type!(
    GlobalTable,
    "AWS::DynamoDB::GlobalTable",
    ["Arn", "StreamArn", "TableId"]
);

/// One replica of a global table.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicaSpecification {
    pub deletion_protection_enabled: Option<bool>,
    pub point_in_time_recovery_specification: Option<PointInTimeRecoverySpecification>,
    pub region: Value<String>,
    pub tags: Option<Vec<Tag>>,
}

/// A global table's encryption: `SSEEnabled: true` with `SSEType: KMS` uses
/// the AWS managed key in every replica.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GlobalSseSpecification {
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
    #[serde(rename = "SSEType")]
    pub sse_type: Option<String>,
}

/// A table's encryption with a key of the caller's choice: `SSEType: KMS`
/// and `KMSMasterKeyId` (a customer-managed key's ARN, ID or alias).
/// Changing a table's SSESpecification is an update in place (it is not in
/// the type's createOnlyProperties).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeySseSpecification {
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
    #[serde(rename = "SSEType")]
    pub sse_type: String,
    #[serde(rename = "KMSMasterKeyId")]
    pub kms_master_key_id: Value<String>,
}

/// The properties a table takes to be encrypted with a customer-managed
/// key, merged over its others (see `crate::passes::encryption`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableEncryption {
    #[serde(rename = "SSESpecification")]
    pub sse_specification: KeySseSpecification,
}
