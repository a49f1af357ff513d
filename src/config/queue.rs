//! Options of an SQS buffer queue and of an SNS topic's subscription to it,
//! shared by the blueprints that buffer events (event-pipeline's `queue` and
//! `topic`, a microservices service's `inputs.queue` and `inputs.topic`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::Ranged;

/// A queue consumed by a function in batches, with a dead-letter queue.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct QueueOptions {
    /// Messages per invocation.
    pub batch_size: Ranged<1, 10_000>,
    /// How long to gather a batch.
    pub max_batching_window_seconds: Ranged<0, 300>,
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: Ranged<1, 1_000>,
    /// How long an unprocessed message is kept.
    pub retention_days: Ranged<1, 14>,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            batch_size: Ranged::of(10),
            max_batching_window_seconds: Ranged::of(0),
            max_receive_count: Ranged::of(5),
            retention_days: Ranged::of(4),
        }
    }
}

/// A topic's subscription to the queue.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TopicOptions {
    /// Deliver the published message as is (not wrapped in SNS's envelope).
    pub raw_message_delivery: bool,
}

impl Default for TopicOptions {
    fn default() -> Self {
        TopicOptions {
            raw_message_delivery: true,
        }
    }
}
