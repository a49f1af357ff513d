//! Amazon Kinesis Data Streams.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::Kinesis::Stream`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stream {
    pub name: Option<Value<String>>,
    /// 24 to 8760 hours.
    pub retention_period_hours: Option<u32>,
    /// Provisioned mode only.
    pub shard_count: Option<u32>,
    pub stream_encryption: Option<StreamEncryption>,
    pub stream_mode_details: Option<StreamModeDetails>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(Stream, "AWS::Kinesis::Stream", ["Arn"]);

/// Server-side encryption of the records.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamEncryption {
    /// `KMS`.
    pub encryption_type: String,
    /// A key ARN, ID or alias such as `alias/aws/kinesis`.
    pub key_id: Value<String>,
}

impl StreamEncryption {
    /// KMS encryption with the AWS managed key `alias/aws/kinesis`.
    pub fn aws_managed() -> Self {
        StreamEncryption {
            encryption_type: "KMS".into(),
            key_id: "alias/aws/kinesis".into(),
        }
    }
}

/// `ON_DEMAND` or `PROVISIONED` capacity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamModeDetails {
    pub stream_mode: String,
}
