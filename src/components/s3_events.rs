//! S3 event notifications as options: the event types a notification may
//! name and the key prefix/suffix filters, each checked while it is read.

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct S3Event(String);

impl S3Event {
    /// Checks `s`: a `S3Event`, or why it is not one, in plain words.
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

    /// The value, as written in blueprint.yaml and in templates.
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

crate::config::schema::value_schema!(
    S3Event,
    crate::config::schema::one_of("An S3 event type", S3_EVENTS)
);

/// An object key prefix or suffix for S3 event filters: 1 to 1024
/// characters, no wildcards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KeyFilter(String);

impl KeyFilter {
    /// Checks `s`: a `KeyFilter`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 1024 || s.contains('*') || s.chars().any(char::is_control) {
            Err(format!(
                "`{s}` is not a valid key filter: 1 to 1024 characters, no `*` (S3 filters match literal prefixes and suffixes)"
            ))
        } else {
            Ok(KeyFilter(s.to_string()))
        }
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::config::schema::value_schema!(
    KeyFilter,
    crate::config::schema::text(
        "An object key prefix or suffix: 1 to 1024 characters, no `*`",
        "^[^*\\u0000-\\u001f\\u007f-\\u009f]+$",
        1,
        1024
    )
);

impl<'de> Deserialize<'de> for KeyFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyFilter::new(&s).map_err(D::Error::custom)
    }
}
