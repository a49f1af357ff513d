//! Typed shapes for properties the resource schemas leave as free JSON
//! (scripts/gen-resource-types maps them here).

use serde::Serialize;

use super::intrinsic::Value;
use super::walk::walk;

/// An SQS queue's `RedrivePolicy`: moves messages to a dead-letter queue
/// after `max_receive_count` receives.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRedrivePolicy {
    /// The dead-letter queue's ARN.
    pub dead_letter_target_arn: Value<String>,
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: u32,
}

/// An SNS subscription's `RedrivePolicy`: where undeliverable messages go.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRedrivePolicy {
    /// The dead-letter queue's ARN.
    pub dead_letter_target_arn: Value<String>,
}

/// A WAF action without settings (`Allow: {}`, `Block: {}`, `None: {}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EmptyAction {}

/// Which events a rule matches.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventPattern {
    /// The event sources to match (`aws.s3`, ...).
    pub source: Vec<String>,
    #[serde(rename = "detail-type")]
    /// The detail types to match.
    pub detail_type: Vec<String>,
    /// Content filters on the event's `detail`.
    pub detail: serde_json::Value,
}

walk!(QueueRedrivePolicy {
    dead_letter_target_arn,
    max_receive_count
});
walk!(SubscriptionRedrivePolicy {
    dead_letter_target_arn
});
walk!(EmptyAction);
walk!(EventPattern {
    source,
    detail_type,
    detail
});
