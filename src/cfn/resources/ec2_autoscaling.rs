//! Amazon EC2 Auto Scaling (groups of instances). Application Auto Scaling,
//! which scales tables and other services, is in `autoscaling.rs`.

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::AutoScaling::AutoScalingGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoScalingGroup {
    /// Sizes are strings in this type's schema.
    #[serde(rename = "DesiredCapacity")]
    pub desired_capacity: Option<String>,
    #[serde(rename = "HealthCheckGracePeriod")]
    pub health_check_grace_period: Option<u32>,
    /// `EC2` or `ELB`.
    #[serde(rename = "HealthCheckType")]
    pub health_check_type: Option<String>,
    #[serde(rename = "LaunchTemplate")]
    pub launch_template: Option<LaunchTemplateSpecification>,
    #[serde(rename = "MaxSize")]
    pub max_size: String,
    #[serde(rename = "MinSize")]
    pub min_size: String,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<TagProperty>>,
    #[serde(rename = "TargetGroupARNs")]
    pub target_group_arns: Option<Vec<Value<String>>>,
    #[serde(rename = "VPCZoneIdentifier")]
    pub vpc_zone_identifier: Option<Vec<Value<String>>>,
}
resource_type!(
    AutoScalingGroup,
    "AWS::AutoScaling::AutoScalingGroup",
    ["AutoScalingGroupARN"]
);

/// Which launch template (and version) new instances use.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateSpecification {
    pub launch_template_id: Option<Value<String>>,
    pub version: Value<String>,
}

/// A group tag, optionally copied onto its instances.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagProperty {
    pub key: String,
    pub propagate_at_launch: bool,
    pub value: Value<String>,
}

/// `AWS::AutoScaling::ScalingPolicy`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingPolicy {
    pub auto_scaling_group_name: Value<String>,
    /// `TargetTrackingScaling`, `StepScaling`, ...
    pub policy_type: Option<String>,
    pub target_tracking_configuration: Option<TargetTrackingConfiguration>,
}
resource_type!(
    ScalingPolicy,
    "AWS::AutoScaling::ScalingPolicy",
    ["Arn", "PolicyName"]
);

/// Keep a metric near a target value.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetTrackingConfiguration {
    pub predefined_metric_specification: Option<PredefinedMetricSpecification>,
    pub target_value: f64,
}

/// A predefined metric, e.g. `ASGAverageCPUUtilization`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PredefinedMetricSpecification {
    pub predefined_metric_type: String,
}
