//! A service's environment and asynchronous inputs (queue, topic, stream,
//! bucket events).

use indexmap::IndexMap;
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;

use crate::config::queue::{QueueOptions, TopicOptions};
use crate::config::Ranged;

/// Environment variables: names of letters, digits and `_` (starting with a
/// letter), not reserved by Lambda.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvVars(pub IndexMap<String, String>);

impl<'de> Deserialize<'de> for EnvVars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Option::<IndexMap<String, String>>::deserialize(d)?.unwrap_or_default();
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

/// A service's asynchronous inputs (MICRO-3); any combination.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Deserialize)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamMode {
    #[default]
    OnDemand,
    Provisioned,
}

/// Where a new stream consumer starts reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartingPosition {
    #[default]
    Latest,
    TrimHorizon,
}

/// `inputs.bucket`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
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
            events: vec![S3Event("s3:ObjectCreated:*".into())],
            prefix: None,
            suffix: None,
            retry_attempts: Ranged::of(2),
            max_event_age_seconds: Ranged::of(21_600),
            keep_old_versions_days: Ranged::of(30),
        }
    }
}

/// The S3 event types a notification can name.
pub const S3_EVENTS: &[&str] = &[
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
];

/// An S3 event type such as `s3:ObjectCreated:*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Event(String);

impl S3Event {
    pub fn new(s: &str) -> Result<Self, String> {
        if S3_EVENTS.contains(&s) {
            Ok(S3Event(s.to_string()))
        } else {
            let hint = crate::config::nearest(s, S3_EVENTS)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(format!(
                "`{s}` is not an S3 event type{hint}; use one like `s3:ObjectCreated:*` or `s3:ObjectRemoved:Delete`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for S3Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        S3Event::new(&s).map_err(D::Error::custom)
    }
}

/// An object key prefix or suffix for S3 event filters: 1 to 1024
/// characters, no wildcards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFilter(String);

impl KeyFilter {
    pub fn new(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 1024 || s.contains('*') || s.chars().any(char::is_control) {
            Err(format!(
                "`{s}` is not a valid key filter: 1 to 1024 characters, no `*` (S3 filters match literal prefixes and suffixes)"
            ))
        } else {
            Ok(KeyFilter(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for KeyFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyFilter::new(&s).map_err(D::Error::custom)
    }
}
