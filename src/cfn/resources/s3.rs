//! Amazon S3.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::S3::Bucket`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    pub accelerate_configuration: Option<AccelerateConfiguration>,
    pub bucket_name: Option<Value<String>>,
    pub bucket_encryption: Option<BucketEncryption>,
    pub cors_configuration: Option<CorsConfiguration>,
    pub lifecycle_configuration: Option<LifecycleConfiguration>,
    pub logging_configuration: Option<LoggingConfiguration>,
    pub notification_configuration: Option<NotificationConfiguration>,
    pub ownership_controls: Option<OwnershipControls>,
    pub public_access_block_configuration: Option<PublicAccessBlockConfiguration>,
    pub tags: Option<Vec<Tag>>,
    pub versioning_configuration: Option<VersioningConfiguration>,
}
resource_type!(
    Bucket,
    "AWS::S3::Bucket",
    [
        "Arn",
        "DomainName",
        "DualStackDomainName",
        "RegionalDomainName",
        "WebsiteURL"
    ]
);

/// S3 Transfer Acceleration: uploads enter AWS at the nearest edge location.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccelerateConfiguration {
    /// `Enabled` or `Suspended`.
    pub acceleration_status: String,
}

/// Cross-origin requests the bucket answers (e.g. browser uploads).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CorsConfiguration {
    pub cors_rules: Vec<CorsRule>,
}

/// One CORS rule.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CorsRule {
    pub allowed_headers: Option<Vec<String>>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<Value<String>>,
    pub max_age: Option<u32>,
}

/// Default encryption for new objects.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

impl BucketEncryption {
    /// SSE-S3 (AES-256) for every object.
    pub fn s3_managed() -> Self {
        BucketEncryption {
            server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                server_side_encryption_by_default: ServerSideEncryptionByDefault {
                    sse_algorithm: "AES256".to_string(),
                    kms_master_key_id: None,
                },
                bucket_key_enabled: None,
            }],
        }
    }
}

/// One encryption rule.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    pub server_side_encryption_by_default: ServerSideEncryptionByDefault,
    pub bucket_key_enabled: Option<bool>,
}

/// The algorithm and key.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSideEncryptionByDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID")]
    pub kms_master_key_id: Option<Value<String>>,
}

/// Blocks every form of public access.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockConfiguration {
    /// All four settings on.
    pub fn all() -> Self {
        PublicAccessBlockConfiguration {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

/// Object ownership.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    pub rules: Vec<OwnershipControlsRule>,
}

impl OwnershipControls {
    /// `BucketOwnerEnforced`: ACLs disabled.
    pub fn bucket_owner_enforced() -> Self {
        OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: "BucketOwnerEnforced".to_string(),
            }],
        }
    }

    /// `BucketOwnerPreferred`: ACLs enabled, objects written with
    /// `bucket-owner-full-control` belong to the bucket owner. CloudFront's
    /// standard (legacy) logging needs it: it grants its log-delivery account
    /// write access through the bucket's ACL.
    pub fn bucket_owner_preferred() -> Self {
        OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: "BucketOwnerPreferred".to_string(),
            }],
        }
    }
}

/// One ownership rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControlsRule {
    pub object_ownership: String,
}

/// Versioning state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    pub status: String,
}

impl VersioningConfiguration {
    /// `Status: Enabled`.
    pub fn enabled() -> Self {
        VersioningConfiguration {
            status: "Enabled".to_string(),
        }
    }
}

/// Server access logging into another bucket.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    pub destination_bucket_name: Option<Value<String>>,
    pub log_file_prefix: Option<String>,
}

/// Lifecycle rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    pub rules: Vec<LifecycleRule>,
}

/// One lifecycle rule.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    pub id: Option<String>,
    pub status: String,
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
    pub expiration_in_days: Option<u32>,
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    pub prefix: Option<String>,
}

/// Aborts unfinished multipart uploads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    pub days_after_initiation: u32,
}

/// Expires noncurrent object versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    pub noncurrent_days: u32,
}

/// Event notifications to Lambda, SNS or SQS.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationConfiguration {
    /// Send every event of the bucket to EventBridge as well.
    pub event_bridge_configuration: Option<EventBridgeConfiguration>,
    pub lambda_configurations: Option<Vec<LambdaConfiguration>>,
    pub queue_configurations: Option<Vec<QueueConfiguration>>,
    pub topic_configurations: Option<Vec<TopicConfiguration>>,
}

/// Whether the bucket sends its events to EventBridge.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventBridgeConfiguration {
    pub event_bridge_enabled: bool,
}

/// Invoke a function on an event.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaConfiguration {
    /// e.g. `s3:ObjectCreated:*`.
    pub event: String,
    pub filter: Option<NotificationFilter>,
    pub function: Value<String>,
}

/// Send an event to a queue.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueConfiguration {
    pub event: String,
    pub filter: Option<NotificationFilter>,
    pub queue: Value<String>,
}

/// Publish an event to a topic.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicConfiguration {
    pub event: String,
    pub filter: Option<NotificationFilter>,
    pub topic: Value<String>,
}

/// Key name filter of a notification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotificationFilter {
    #[serde(rename = "S3Key")]
    pub s3_key: S3KeyFilter,
}

/// Prefix / suffix rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3KeyFilter {
    pub rules: Vec<FilterRule>,
}

/// `prefix` or `suffix` and its value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterRule {
    pub name: String,
    pub value: String,
}

/// `AWS::S3::BucketPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    pub bucket: Value<String>,
    pub policy_document: PolicyDocument,
}
resource_type!(BucketPolicy, "AWS::S3::BucketPolicy", []);
