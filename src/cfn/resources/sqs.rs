//! Amazon SQS.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::SQS::Queue`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    pub message_retention_period: Option<u32>,
    pub queue_name: Option<Value<String>>,
    pub redrive_policy: Option<RedrivePolicy>,
    pub sqs_managed_sse_enabled: Option<bool>,
    pub tags: Option<Vec<Tag>>,
    pub visibility_timeout: Option<u32>,
}
resource_type!(Queue, "AWS::SQS::Queue", ["Arn", "QueueName", "QueueUrl"]);

/// Moves messages to a dead-letter queue after `max_receive_count` receives.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: Value<String>,
    pub max_receive_count: u32,
}

/// `AWS::SQS::QueuePolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueuePolicy {
    pub policy_document: PolicyDocument,
    pub queues: Vec<Value<String>>,
}
resource_type!(QueuePolicy, "AWS::SQS::QueuePolicy", ["Id"]);
