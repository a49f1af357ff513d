//! AWS Certificate Manager.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::CertificateManager::Certificate`. `Ref` gives its ARN. A certificate
/// for CloudFront must be created in us-east-1.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificate {
    /// `ENABLED` (the default) or `DISABLED`.
    pub certificate_transparency_logging_preference: Option<String>,
    pub domain_name: Value<String>,
    pub domain_validation_options: Option<Vec<DomainValidationOption>>,
    /// e.g. `RSA_2048` or `EC_prime256v1`.
    pub key_algorithm: Option<String>,
    pub subject_alternative_names: Option<Vec<Value<String>>>,
    pub tags: Option<Vec<Tag>>,
    /// `DNS` or `EMAIL`.
    pub validation_method: Option<String>,
}
resource_type!(Certificate, "AWS::CertificateManager::Certificate", []);

/// Where the DNS validation record of a name goes: with a hosted zone,
/// CloudFormation creates the record itself.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainValidationOption {
    pub domain_name: Value<String>,
    pub hosted_zone_id: Option<Value<String>>,
}
