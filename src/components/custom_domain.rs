//! A custom domain for a CloudFront distribution: a DNS-validated ACM
//! certificate (CloudFront only uses certificates from us-east-1, so the
//! certificate goes into a template deployed there) and Route 53 alias
//! records (A and AAAA) to the distribution.

use crate::cfn::constructors::CLOUDFRONT_HOSTED_ZONE_ID;
use crate::cfn::resources::certificatemanager::{
    Certificate, CertificateTransparencyLoggingPreference, DomainValidationOption,
};
use crate::cfn::resources::route53::{AliasTarget, RecordSet, RecordSetGroup, StandaloneRecordSet};
use crate::cfn::{LogicalId, Template, Value};
use crate::config::{DomainName, HostedZoneId};
use crate::error::Error;

/// The region of every certificate CloudFront uses.
pub const CERTIFICATE_REGION: &str = "us-east-1";

/// How to build the domain's resources.
pub struct CustomDomain<'a> {
    /// The domain name.
    pub name: &'a DomainName,
    /// The public hosted zone the name lives in.
    pub hosted_zone_id: &'a HostedZoneId,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

impl CustomDomain<'_> {
    /// Adds the certificate (`Ref` gives its ARN), validated through DNS
    /// records CloudFormation writes into the hosted zone.
    pub fn add_certificate(&self, t: &mut Template, id: &str) -> Result<LogicalId, Error> {
        Ok(t.add(
            id,
            Certificate {
                certificate_transparency_logging_preference: Some(
                    CertificateTransparencyLoggingPreference::Enabled.into(),
                ),
                domain_validation_options: Some(
                    vec![DomainValidationOption {
                        domain_name: Some(self.name.as_str().into()),
                        hosted_zone_id: Some(self.hosted_zone_id.as_str().into()),
                        ..Default::default()
                    }]
                    .into(),
                ),
                key_algorithm: Some("RSA_2048".into()),
                validation_method: Some("DNS".into()),
                ..Certificate::new(self.name.as_str())
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }

    /// Adds `A` and `AAAA` alias records pointing the name at `distribution`.
    pub fn add_alias_records(
        &self,
        t: &mut Template,
        id: &str,
        distribution: &LogicalId,
    ) -> Result<LogicalId, Error> {
        let record = |kind: &str| RecordSet {
            alias_target: Some(
                AliasTarget {
                    evaluate_target_health: Some(false.into()),
                    ..AliasTarget::new(
                        distribution.get_att("DomainName"),
                        CLOUDFRONT_HOSTED_ZONE_ID,
                    )
                }
                .into(),
            ),
            ..RecordSet::new(self.name.as_str(), kind)
        };
        Ok(t.add(
            id,
            RecordSetGroup {
                comment: Some(
                    format!(
                        "{}: alias records to the CloudFront distribution",
                        self.name
                    )
                    .into(),
                ),
                hosted_zone_id: Some(self.hosted_zone_id.as_str().into()),
                record_sets: Some(vec![record("A"), record("AAAA")].into()),
                ..Default::default()
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }

    /// Adds an `A` alias record (`AWS::Route53::RecordSet`) pointing the name
    /// at a regional endpoint such as an API Gateway domain name.
    pub fn add_regional_alias_record(
        &self,
        t: &mut Template,
        id: &str,
        dns_name: Value<String>,
        hosted_zone_id: Value<String>,
    ) -> Result<LogicalId, Error> {
        Ok(t.add(
            id,
            StandaloneRecordSet {
                alias_target: Some(
                    AliasTarget {
                        evaluate_target_health: Some(false.into()),
                        ..AliasTarget::new(dns_name, hosted_zone_id)
                    }
                    .into(),
                ),
                comment: Some(format!("{}: alias record to the API", self.name).into()),
                hosted_zone_id: Some(self.hosted_zone_id.as_str().into()),
                ..StandaloneRecordSet::new(self.name.as_str(), "A")
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}
