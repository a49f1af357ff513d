//! A custom domain for a CloudFront distribution: a DNS-validated ACM
//! certificate (CloudFront only uses certificates from us-east-1, so the
//! certificate goes into a template deployed there) and Route 53 alias
//! records (A and AAAA) to the distribution.

use crate::cfn::resources::certificatemanager::{Certificate, DomainValidationOption};
use crate::cfn::resources::route53::{
    AliasTarget, RecordSet, RecordSetGroup, StandaloneRecordSet, CLOUDFRONT_HOSTED_ZONE_ID,
};
use crate::cfn::{LogicalId, Template, Value};
use crate::config::{DomainName, HostedZoneId};
use crate::error::Error;

/// The region of every certificate CloudFront uses.
pub const CERTIFICATE_REGION: &str = "us-east-1";

/// How to build the domain's resources.
pub struct CustomDomain<'a> {
    pub name: &'a DomainName,
    /// The public hosted zone the name lives in.
    pub hosted_zone_id: &'a HostedZoneId,
    pub requirements: &'a [&'a str],
}

impl CustomDomain<'_> {
    /// Adds the certificate (`Ref` gives its ARN), validated through DNS
    /// records CloudFormation writes into the hosted zone.
    pub fn add_certificate(&self, t: &mut Template, id: &str) -> Result<LogicalId, Error> {
        Ok(t.add(
            id,
            Certificate {
                certificate_transparency_logging_preference: Some("ENABLED".into()),
                domain_name: self.name.as_str().into(),
                domain_validation_options: Some(vec![DomainValidationOption {
                    domain_name: self.name.as_str().into(),
                    hosted_zone_id: Some(self.hosted_zone_id.as_str().into()),
                }]),
                key_algorithm: Some("RSA_2048".into()),
                subject_alternative_names: None,
                tags: None,
                validation_method: Some("DNS".into()),
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
            alias_target: Some(AliasTarget {
                dns_name: distribution.get_att("DomainName"),
                evaluate_target_health: Some(false),
                hosted_zone_id: CLOUDFRONT_HOSTED_ZONE_ID.into(),
            }),
            name: self.name.as_str().into(),
            ttl: None,
            resource_records: None,
            kind: kind.into(),
        };
        Ok(t.add(
            id,
            RecordSetGroup {
                comment: Some(format!(
                    "{}: alias records to the CloudFront distribution",
                    self.name
                )),
                hosted_zone_id: Some(self.hosted_zone_id.as_str().into()),
                record_sets: vec![record("A"), record("AAAA")],
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
                alias_target: Some(AliasTarget {
                    dns_name,
                    evaluate_target_health: Some(false),
                    hosted_zone_id,
                }),
                comment: Some(format!("{}: alias record to the API", self.name)),
                hosted_zone_id: Some(self.hosted_zone_id.as_str().into()),
                name: self.name.as_str().into(),
                kind: "A".into(),
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}
