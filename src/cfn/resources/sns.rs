//! Amazon SNS.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::SNS::Topic`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    pub display_name: Option<String>,
    pub kms_master_key_id: Option<Value<String>>,
    pub tags: Option<Vec<Tag>>,
    pub topic_name: Option<Value<String>>,
}
resource_type!(Topic, "AWS::SNS::Topic", ["TopicArn", "TopicName"]);

/// `AWS::SNS::Subscription`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    pub endpoint: Option<Value<String>>,
    pub filter_policy: Option<serde_json::Value>,
    /// `lambda`, `sqs`, `https`, `email`, ...
    pub protocol: String,
    pub raw_message_delivery: Option<bool>,
    pub redrive_policy: Option<RedrivePolicy>,
    pub topic_arn: Value<String>,
}
resource_type!(Subscription, "AWS::SNS::Subscription", ["Arn"]);

/// Where undeliverable messages of a subscription go.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: Value<String>,
}

/// `AWS::SNS::TopicPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicPolicy {
    pub policy_document: PolicyDocument,
    pub topics: Vec<Value<String>>,
}
resource_type!(TopicPolicy, "AWS::SNS::TopicPolicy", ["Id"]);
