//! A private, encrypted S3 bucket that only accepts TLS requests.

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::s3::{
    AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy, LifecycleConfiguration,
    LifecycleRule, NoncurrentVersionExpiration, OwnershipControls, PublicAccessBlockConfiguration,
    VersioningConfiguration,
};
use crate::cfn::{LogicalId, Template};
use crate::error::Error;

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
}

impl PrivateBucket<'_> {
    /// Adds the bucket and its TLS-only policy; returns the bucket's ID.
    pub fn add_to(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let mut rules = vec![LifecycleRule {
            id: Some("AbortIncompleteUploads".into()),
            status: "Enabled".into(),
            abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                days_after_initiation: 7,
            }),
            ..Default::default()
        }];
        if let Some(days) = self.noncurrent_version_days {
            rules.push(LifecycleRule {
                id: Some("ExpireOldVersions".into()),
                status: "Enabled".into(),
                noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                    noncurrent_days: days,
                }),
                ..Default::default()
            });
        }
        let bucket = Bucket {
            bucket_encryption: Some(BucketEncryption::s3_managed()),
            lifecycle_configuration: Some(LifecycleConfiguration { rules }),
            ownership_controls: Some(OwnershipControls::bucket_owner_enforced()),
            public_access_block_configuration: Some(PublicAccessBlockConfiguration::all()),
            versioning_configuration: self
                .noncurrent_version_days
                .map(|_| VersioningConfiguration::enabled()),
            ..Default::default()
        };
        let res = t.add(self.id, bucket)?;
        res.retain_if(self.retain).satisfies(self.requirements);
        let id = res.id().clone();
        let policy = BucketPolicy {
            bucket: id.r#ref(),
            policy_document: PolicyDocument::new(vec![Statement::deny(
                &["s3:*"],
                vec![id.get_att("Arn"), sub(format!("${{{id}.Arn}}/*")).into()],
            )
            .sid("DenyInsecureTransport")
            .principal(Principal::Everyone)
            .condition("Bool", "aws:SecureTransport", vec!["false".into()])]),
        };
        t.add(&format!("{id}Policy"), policy)?
            .satisfies(self.requirements);
        Ok(id)
    }
}
