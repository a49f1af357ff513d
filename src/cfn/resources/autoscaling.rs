//! Application Auto Scaling (DynamoDB provisioned capacity).

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::ApplicationAutoScaling::ScalableTarget`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalableTarget {
    pub max_capacity: u32,
    pub min_capacity: u32,
    pub resource_id: Value<String>,
    #[serde(rename = "RoleARN")]
    pub role_arn: Value<String>,
    pub scalable_dimension: String,
    pub service_namespace: String,
}
resource_type!(
    ScalableTarget,
    "AWS::ApplicationAutoScaling::ScalableTarget",
    ["Id"]
);

/// `AWS::ApplicationAutoScaling::ScalingPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingPolicy {
    pub policy_name: String,
    pub policy_type: String,
    pub scaling_target_id: Value<String>,
    pub target_tracking_scaling_policy_configuration: TargetTrackingConfiguration,
}
resource_type!(
    ScalingPolicy,
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    ["Arn"]
);

/// Target tracking on a predefined metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetTrackingConfiguration {
    pub predefined_metric_specification: PredefinedMetricSpecification,
    pub scale_in_cooldown: u32,
    pub scale_out_cooldown: u32,
    pub target_value: f64,
}

/// A predefined metric, e.g. `DynamoDBReadCapacityUtilization`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PredefinedMetricSpecification {
    pub predefined_metric_type: String,
}
