//! A static site's bucket behind CloudFront: private (public access blocked,
//! encrypted, TLS only), read only by one distribution through origin access
//! control (the bucket policy allows `s3:GetObject` to the CloudFront service
//! principal on condition that `AWS:SourceArn` is that distribution).

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::cloudfront::{OriginAccessControl, OriginAccessControlConfig};
use crate::cfn::{LogicalId, Template};
use crate::components::bucket::PrivateBucket;
use crate::components::cdn::{stack_unique_name, Cdn, OriginKind, OriginSpec};
use crate::error::Error;

/// How to build the site bucket.
pub struct StaticSite<'a> {
    /// Logical ID of the bucket (`SiteBucket`); the access control is
    /// `<id>AccessControl`.
    pub id: &'a str,
    /// The [`Cdn::name`] of the distribution that serves the site.
    pub cdn: &'a str,
    /// Keep old versions this many days (versioning on): a deleted or
    /// overwritten `index.html` can be restored.
    pub noncurrent_version_days: Option<u32>,
    /// Server access logs into this bucket, under this prefix.
    pub access_logs: Option<(&'a LogicalId, &'a str)>,
    /// Keep it when it leaves the stack or is replaced (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`).
    pub retain: bool,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct StaticSiteIds {
    /// The site bucket.
    pub bucket: LogicalId,
    /// The origin access control CloudFront reads it with.
    pub access_control: LogicalId,
}

impl StaticSiteIds {
    /// The distribution origin for the bucket.
    pub fn origin<'a>(&'a self, id: &'a str) -> OriginSpec<'a> {
        OriginSpec {
            id,
            kind: OriginKind::S3Site {
                bucket: &self.bucket,
                access_control: &self.access_control,
            },
            shield_region: None,
        }
    }
}

impl StaticSite<'_> {
    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(&self, t: &mut Template) -> Result<StaticSiteIds, Error> {
        let id = self.id;
        let read_by_distribution = Statement::allow(
            &["s3:GetObject"],
            vec![sub(format!("${{{id}.Arn}}/*")).into()],
        )
        .sid("CloudFrontReadsThroughOriginAccessControl")
        .principal(Principal::Service(vec!["cloudfront.amazonaws.com".into()]))
        .condition(
            "StringEquals",
            "AWS:SourceArn",
            vec![Cdn::distribution_arn(self.cdn)],
        );
        let bucket = PrivateBucket {
            id,
            noncurrent_version_days: self.noncurrent_version_days,
            retain: self.retain,
            requirements: self.requirements,
            access_logs: self.access_logs,
            policy_statements: vec![read_by_distribution],
            ..Default::default()
        }
        .add_to(t)?;
        let access_control = t
            .add(
                &format!("{id}AccessControl"),
                OriginAccessControl::new(OriginAccessControlConfig::s3_always_signed(
                    stack_unique_name(&id.to_ascii_lowercase()),
                    &format!("CloudFront signs its requests to {id} (SigV4)"),
                )),
            )?
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(StaticSiteIds {
            bucket,
            access_control,
        })
    }
}
