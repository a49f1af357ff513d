//! Amazon EventBridge.

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::Events::Rule`: matches events on the default bus and sends them to
/// its targets.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub description: Option<String>,
    pub event_pattern: EventPattern,
    /// `ENABLED` or `DISABLED`.
    pub state: Option<String>,
    pub targets: Vec<Target>,
}
resource_type!(Rule, "AWS::Events::Rule", ["Arn"]);

/// Which events a rule matches.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventPattern {
    pub source: Vec<String>,
    #[serde(rename = "detail-type")]
    pub detail_type: Vec<String>,
    /// Content filters on the event's `detail`.
    pub detail: serde_json::Value,
}

/// Where a rule sends a matched event.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub arn: Value<String>,
    pub id: String,
    /// The role EventBridge assumes to reach the target.
    pub role_arn: Option<Value<String>>,
    pub retry_policy: Option<RetryPolicy>,
}

/// How long and how often EventBridge retries a target.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetryPolicy {
    pub maximum_event_age_in_seconds: u32,
    pub maximum_retry_attempts: u32,
}
