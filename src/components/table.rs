//! A DynamoDB table: encrypted, point-in-time recovery on, retained by
//! default; on-demand, or provisioned with target-tracking auto scaling.

use crate::cfn::intrinsic::sub;
use crate::cfn::resources::autoscaling::{
    PredefinedMetricSpecification, ScalableTarget, ScalingPolicy, TargetTrackingConfiguration,
};
use crate::cfn::resources::dynamodb::{
    AttributeDefinition, KeySchema, PointInTimeRecoverySpecification, ProvisionedThroughput,
    SseSpecification, Table as TableProps,
};
use crate::cfn::{LogicalId, Template};
use crate::components::arn;
use crate::error::Error;

/// Provisioned capacity with auto scaling between `min` and `max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    pub read_min: u32,
    pub read_max: u32,
    pub write_min: u32,
    pub write_max: u32,
    /// Target utilization, percent.
    pub target_utilization: u32,
}

/// How to build a table.
pub struct Table<'a> {
    pub id: &'a str,
    pub partition_key: &'a str,
    pub sort_key: Option<&'a str>,
    /// `None` for on-demand.
    pub provisioned: Option<Scaling>,
    pub retain: bool,
    pub requirements: &'a [&'a str],
}

impl Table<'_> {
    /// Adds the table (and its scaling resources); returns the table's ID.
    pub fn add_to(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let mut attrs = vec![AttributeDefinition::string(self.partition_key)];
        let mut keys = vec![KeySchema::hash(self.partition_key)];
        if let Some(sort) = self.sort_key {
            attrs.push(AttributeDefinition::string(sort));
            keys.push(KeySchema::range(sort));
        }
        let props = TableProps {
            attribute_definitions: attrs,
            billing_mode: Some(
                if self.provisioned.is_some() {
                    "PROVISIONED"
                } else {
                    "PAY_PER_REQUEST"
                }
                .into(),
            ),
            key_schema: keys,
            point_in_time_recovery_specification: Some(PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: true,
            }),
            provisioned_throughput: self.provisioned.map(|s| ProvisionedThroughput {
                read_capacity_units: u64::from(s.read_min),
                write_capacity_units: u64::from(s.write_min),
            }),
            sse_specification: Some(SseSpecification {
                sse_enabled: true,
                sse_type: None,
            }),
            ..Default::default()
        };
        let id = t
            .add(self.id, props)?
            .retain_if(self.retain)
            .satisfies(self.requirements)
            .id()
            .clone();
        if let Some(s) = self.provisioned {
            for (dim, min, max, metric) in [
                (
                    "Read",
                    s.read_min,
                    s.read_max,
                    "DynamoDBReadCapacityUtilization",
                ),
                (
                    "Write",
                    s.write_min,
                    s.write_max,
                    "DynamoDBWriteCapacityUtilization",
                ),
            ] {
                let target = t
                    .add(
                        &format!("{id}{dim}Scaling"),
                        ScalableTarget {
                            max_capacity: max,
                            min_capacity: min,
                            resource_id: sub(format!("table/${{{id}}}")).into(),
                            role_arn: arn("iam::${AWS::AccountId}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"),
                            scalable_dimension: format!("dynamodb:table:{dim}CapacityUnits"),
                            service_namespace: "dynamodb".into(),
                        },
                    )?
                    .satisfies(self.requirements)
                    .id()
                    .clone();
                t.add(
                    &format!("{id}{dim}ScalingPolicy"),
                    ScalingPolicy {
                        policy_name: format!("{dim}Utilization"),
                        policy_type: "TargetTrackingScaling".into(),
                        scaling_target_id: target.r#ref(),
                        target_tracking_scaling_policy_configuration: TargetTrackingConfiguration {
                            predefined_metric_specification: PredefinedMetricSpecification {
                                predefined_metric_type: metric.into(),
                            },
                            scale_in_cooldown: 60,
                            scale_out_cooldown: 60,
                            target_value: f64::from(s.target_utilization),
                        },
                    },
                )?
                .satisfies(self.requirements);
            }
        }
        Ok(id)
    }
}
