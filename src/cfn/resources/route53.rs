//! Amazon Route 53.

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// The hosted zone ID of every CloudFront distribution, for alias records.
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// `AWS::Route53::RecordSetGroup`: records of one hosted zone, changed together.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordSetGroup {
    pub comment: Option<String>,
    pub hosted_zone_id: Option<Value<String>>,
    pub record_sets: Vec<RecordSet>,
}
resource_type!(RecordSetGroup, "AWS::Route53::RecordSetGroup", ["Id"]);

/// One record.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordSet {
    pub alias_target: Option<AliasTarget>,
    pub name: Value<String>,
    #[serde(rename = "TTL")]
    pub ttl: Option<String>,
    pub resource_records: Option<Vec<Value<String>>>,
    /// `A`, `AAAA`, `CNAME`, ...
    #[serde(rename = "Type")]
    pub kind: String,
}

/// An alias to an AWS resource (a distribution, a load balancer).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AliasTarget {
    #[serde(rename = "DNSName")]
    pub dns_name: Value<String>,
    #[serde(rename = "EvaluateTargetHealth")]
    pub evaluate_target_health: Option<bool>,
    #[serde(rename = "HostedZoneId")]
    pub hosted_zone_id: Value<String>,
}

/// `AWS::Route53::RecordSet`: one record on its own.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StandaloneRecordSet {
    pub alias_target: Option<AliasTarget>,
    pub comment: Option<String>,
    pub hosted_zone_id: Option<Value<String>>,
    pub name: Value<String>,
    /// `A`, `AAAA`, `CNAME`, ...
    #[serde(rename = "Type")]
    pub kind: String,
}
resource_type!(StandaloneRecordSet, "AWS::Route53::RecordSet", []);
