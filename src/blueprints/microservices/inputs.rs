//! A service's environment and asynchronous inputs (queue, topic, stream,
//! bucket events).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use crate::components::s3_events::{KeyFilter, S3Event};
use crate::config::queue::{QueueOptions, TopicOptions};
use crate::config::secrets::EnvValue;
use crate::config::Ranged;

/// Environment variables: names of letters, digits and `_` (starting with a
/// letter), not reserved by Lambda; each value text or a value kept in SSM
/// Parameter Store or Secrets Manager ([`EnvValue`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvVars(pub IndexMap<String, EnvValue>);

impl<'de> Deserialize<'de> for EnvVars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Option::<IndexMap<String, EnvValue>>::deserialize(d)?.unwrap_or_default();
        for k in map.keys() {
            let ok = k.starts_with(|c: char| c.is_ascii_alphabetic())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(D::Error::custom(format!(
                    "`{k}` is not a valid environment variable name: letters, digits and `_`, starting with a letter"
                )));
            }
            if k.starts_with("AWS_") || k == "LAMBDA_TASK_ROOT" || k == "LAMBDA_RUNTIME_DIR" {
                return Err(D::Error::custom(format!(
                    "`{k}` is reserved by Lambda; choose another name"
                )));
            }
        }
        Ok(EnvVars(map))
    }
}

crate::config::schema::value_schema!(EnvVars, |g| schemars::json_schema!({
    "type": ["object", "null"],
    "description": "Environment variables: names of letters, digits and `_` starting with a letter, none reserved by Lambda",
    "propertyNames": {
        "pattern": "^[A-Za-z][A-Za-z0-9_]*$",
        "not": {"pattern": "^(AWS_|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$)"},
    },
    "additionalProperties": g.subschema_for::<crate::config::secrets::EnvValue>(),
}));

/// A service's asynchronous inputs (MICRO-3); any combination.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Inputs {
    /// An SQS queue with a dead-letter queue, consumed in batches.
    pub queue: Option<QueueOptions>,
    /// An SNS topic fanned out to the service's queue (SNS → SQS → Lambda);
    /// without `queue:` the queue takes its defaults.
    pub topic: Option<TopicOptions>,
    /// A Kinesis data stream.
    pub stream: Option<StreamInput>,
    /// S3 event triggers from a bucket of the service's own.
    pub bucket: Option<BucketInput>,
}

impl Inputs {
    pub fn is_empty(&self) -> bool {
        self.queue.is_none()
            && self.topic.is_none()
            && self.stream.is_none()
            && self.bucket.is_none()
    }
}

/// `inputs.stream`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StreamInput {
    pub mode: StreamMode,
    /// Provisioned mode only.
    pub shards: Ranged<1, 1_000>,
    pub retention_hours: Ranged<24, 8_760>,
    pub batch_size: Ranged<1, 10_000>,
    pub starting_position: StartingPosition,
    pub max_retry_attempts: Ranged<0, 10_000>,
}

impl Default for StreamInput {
    fn default() -> Self {
        StreamInput {
            mode: StreamMode::OnDemand,
            shards: Ranged::of(1),
            retention_hours: Ranged::of(24),
            batch_size: Ranged::of(100),
            starting_position: StartingPosition::Latest,
            max_retry_attempts: Ranged::of(3),
        }
    }
}

/// Kinesis capacity mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StreamMode {
    #[default]
    OnDemand,
    Provisioned,
}

/// Where a new stream consumer starts reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StartingPosition {
    #[default]
    Latest,
    TrimHorizon,
}

/// `inputs.bucket`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BucketInput {
    pub events: Vec<S3Event>,
    pub prefix: Option<KeyFilter>,
    pub suffix: Option<KeyFilter>,
    /// Retries of a failed invocation (S3 invokes asynchronously), 0 to 2.
    pub retry_attempts: Ranged<0, 2>,
    pub max_event_age_seconds: Ranged<60, 21_600>,
    pub keep_old_versions_days: Ranged<1, 3_650>,
}

impl Default for BucketInput {
    fn default() -> Self {
        BucketInput {
            events: vec![S3Event::new("s3:ObjectCreated:*").unwrap_or_else(|_| unreachable!())],
            prefix: None,
            suffix: None,
            retry_attempts: Ranged::of(2),
            max_event_age_seconds: Ranged::of(21_600),
            keep_old_versions_days: Ranged::of(30),
        }
    }
}
