//! Amazon CloudWatch alarms.

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::CloudWatch::Alarm` on one metric.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    pub alarm_description: Option<String>,
    /// e.g. `GreaterThanOrEqualToThreshold`.
    pub comparison_operator: String,
    pub dimensions: Vec<Dimension>,
    pub evaluation_periods: u32,
    pub metric_name: String,
    pub namespace: String,
    pub period: u32,
    pub statistic: String,
    pub threshold: f64,
    /// `notBreaching`, `breaching`, `ignore` or `missing`.
    pub treat_missing_data: Option<String>,
}
resource_type!(Alarm, "AWS::CloudWatch::Alarm", ["Arn"]);

/// A metric dimension.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    pub name: String,
    pub value: Value<String>,
}
