//! A private, encrypted S3 bucket that only accepts TLS requests.

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::s3::{
    AbortIncompleteMultipartUpload, AccelerateConfiguration, AccelerationStatus, Bucket,
    BucketEncryption, BucketPolicy, CorsConfiguration, LifecycleConfiguration, LifecycleRule,
    LoggingConfiguration, NoncurrentVersionExpiration, NotificationConfiguration,
    OwnershipControls, PublicAccessBlockConfiguration, RuleStatus, VersioningConfiguration,
};
use crate::cfn::{LogicalId, Template, Value};
use crate::error::Error;

/// The logical ID of a stack's access-log bucket (`options.security
/// .access_logs`): a blueprint that has a log bucket of its own gives it this
/// ID, and the access-log pass then uses it for the whole stack instead of
/// adding a second one.
pub const LOG_BUCKET_ID: &str = "LogBucket";

/// How to build a private bucket.
pub struct PrivateBucket<'a> {
    /// Logical ID of the bucket; the policy is `<id>Policy`.
    pub id: &'a str,
    /// Keep old object versions for this many days (versioning on), or `None`.
    pub noncurrent_version_days: Option<u32>,
    /// Retain the bucket and its objects when it is removed from the stack.
    pub retain: bool,
    /// Requirement IDs the bucket serves.
    pub requirements: &'a [&'a str],
    /// An explicit bucket name (needed when the bucket's own notification
    /// target must know the name before the bucket exists); `None` lets
    /// CloudFormation choose one.
    pub bucket_name: Option<Value<String>>,
    /// Server access logs go to this bucket, under this prefix.
    pub access_logs: Option<(&'a LogicalId, &'a str)>,
    /// Delete objects this many days after they were written (log buckets).
    pub expire_objects_days: Option<u32>,
    /// Only objects under this prefix expire (`None`: every object).
    pub expire_objects_prefix: Option<&'a str>,
    /// ACLs enabled (`BucketOwnerPreferred`) instead of disabled
    /// (`BucketOwnerEnforced`): CloudFront standard logging writes through an
    /// ACL grant.
    pub acls_for_log_delivery: bool,
    /// S3 Transfer Acceleration (uploads enter AWS at the nearest edge).
    pub transfer_acceleration: bool,
    /// Cross-origin access rules.
    pub cors: Option<CorsConfiguration>,
    /// Where the bucket sends its events.
    pub notifications: Option<NotificationConfiguration>,
    /// Statements added to the bucket policy after the TLS-only deny (a
    /// bucket has one policy, so everything that grants access goes here).
    pub policy_statements: Vec<Statement>,
    /// Resources the bucket must wait for (e.g. the permission that lets S3
    /// invoke a notification target).
    pub depends_on: Vec<LogicalId>,
}

impl Default for PrivateBucket<'_> {
    /// Retained, unversioned, no logging, no extras.
    fn default() -> Self {
        PrivateBucket {
            id: "",
            noncurrent_version_days: None,
            retain: true,
            requirements: &[],
            bucket_name: None,
            access_logs: None,
            expire_objects_days: None,
            expire_objects_prefix: None,
            acls_for_log_delivery: false,
            transfer_acceleration: false,
            cors: None,
            notifications: None,
            policy_statements: Vec::new(),
            depends_on: Vec::new(),
        }
    }
}

impl PrivateBucket<'_> {
    /// Adds the bucket and its TLS-only policy; returns the bucket's ID.
    pub fn add_to(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let mut rules = vec![LifecycleRule {
            id: Some("AbortIncompleteUploads".into()),
            abort_incomplete_multipart_upload: Some(
                AbortIncompleteMultipartUpload {
                    days_after_initiation: 7.into(),
                }
                .into(),
            ),
            ..LifecycleRule::new(RuleStatus::Enabled)
        }];
        if let Some(days) = self.expire_objects_days {
            rules.push(LifecycleRule {
                id: Some("ExpireObjects".into()),
                expiration_in_days: Some(days.into()),
                prefix: self
                    .expire_objects_prefix
                    .map(str::to_string)
                    .map(Into::into),
                ..LifecycleRule::new(RuleStatus::Enabled)
            });
        }
        if let Some(days) = self.noncurrent_version_days {
            rules.push(LifecycleRule {
                id: Some("ExpireOldVersions".into()),
                noncurrent_version_expiration: Some(NoncurrentVersionExpiration::new(days).into()),
                ..LifecycleRule::new(RuleStatus::Enabled)
            });
        }
        let bucket = Bucket {
            accelerate_configuration: self
                .transfer_acceleration
                .then(|| AccelerateConfiguration::new(AccelerationStatus::Enabled))
                .map(Into::into),
            bucket_name: self.bucket_name.clone(),
            bucket_encryption: Some(BucketEncryption::s3_managed().into()),
            cors_configuration: self.cors.clone().map(Into::into),
            lifecycle_configuration: Some(LifecycleConfiguration::new(rules).into()),
            logging_configuration: (self.access_logs.map(|(target, prefix)| {
                LoggingConfiguration {
                    destination_bucket_name: Some(target.r#ref()),
                    log_file_prefix: Some(prefix.to_string().into()),
                    ..Default::default()
                }
            }))
            .map(Into::into),
            notification_configuration: self.notifications.clone().map(Into::into),
            ownership_controls: Some(if self.acls_for_log_delivery {
                OwnershipControls::bucket_owner_preferred().into()
            } else {
                OwnershipControls::bucket_owner_enforced().into()
            }),
            public_access_block_configuration: Some(PublicAccessBlockConfiguration::all().into()),
            versioning_configuration: (self
                .noncurrent_version_days
                .map(|_| VersioningConfiguration::enabled()))
            .map(Into::into),
            ..Default::default()
        };
        let res = t.add(self.id, bucket)?;
        res.retain_if(self.retain);
        if !self.requirements.is_empty() {
            res.satisfies(self.requirements);
        }
        for d in &self.depends_on {
            res.depends_on(d);
        }
        let id = res.id().clone();
        let mut statements = vec![Statement::deny(
            &["s3:*"],
            vec![id.get_att("Arn"), sub(format!("${{{id}.Arn}}/*")).into()],
        )
        .sid("DenyInsecureTransport")
        .principal(Principal::Everyone)
        .condition("Bool", "aws:SecureTransport", vec!["false".into()])];
        statements.extend(self.policy_statements.iter().cloned());
        let policy = BucketPolicy {
            bucket: id.r#ref(),
            policy_document: PolicyDocument::new(statements),
        };
        let res = t.add(&format!("{id}Policy"), policy)?;
        if !self.requirements.is_empty() {
            res.satisfies(self.requirements);
        }
        Ok(id)
    }
}
