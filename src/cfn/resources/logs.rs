//! Amazon CloudWatch Logs.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// `AWS::Logs::LogGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub kms_key_id: Option<Value<String>>,
    pub log_group_name: Option<Value<String>>,
    pub retention_in_days: Option<u32>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(LogGroup, "AWS::Logs::LogGroup", ["Arn"]);

/// The property a log group takes to be encrypted with a customer-managed
/// key (its ARN), merged over its others. Associating or changing the key is
/// an update in place (`KmsKeyId` is not create-only; `LogGroupName` is).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroupEncryption {
    pub kms_key_id: Value<String>,
}
