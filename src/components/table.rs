//! A DynamoDB table: encrypted, point-in-time recovery on, retained by
//! default; on-demand, or provisioned with target-tracking auto scaling.

use crate::cfn::intrinsic::sub;
use crate::cfn::intrinsic::{Pseudo, Value};
use crate::cfn::resources::applicationautoscaling::{
    PolicyType, PredefinedMetricSpecification,
    PredefinedMetricSpecificationPredefinedMetricType as Metric, ScalableDimension, ScalableTarget,
    ScalingPolicy, ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use crate::cfn::resources::dynamodb::{
    AttributeDefinition, BillingMode, GlobalKeySchema, GlobalSseSpecification,
    GlobalStreamSpecification, GlobalTable, KeySchema, KeyType, PointInTimeRecoverySpecification,
    ProvisionedThroughput, ReplicaSpecification, SseSpecification, SseType, StreamSpecification,
    StreamViewType, Table as TableProps, TimeToLiveSpecification,
};
use crate::cfn::{LogicalId, Template};
use crate::components::arn;
use crate::config::Region;
use crate::error::Error;

/// Provisioned capacity with auto scaling between `min` and `max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    /// Read capacity units, at least.
    pub read_min: u32,
    /// Read capacity units, at most.
    pub read_max: u32,
    /// Write capacity units, at least.
    pub write_min: u32,
    /// Write capacity units, at most.
    pub write_max: u32,
    /// Target utilization, percent.
    pub target_utilization: u32,
}

/// How to build a table.
pub struct Table<'a> {
    /// The logical ID.
    pub id: &'a str,
    /// The partition key's attribute name.
    pub partition_key: &'a str,
    /// The sort key's attribute name.
    pub sort_key: Option<&'a str>,
    /// `None` for on-demand.
    pub provisioned: Option<Scaling>,
    /// Keep it when it leaves the stack or is replaced (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`).
    pub retain: bool,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
    /// A change stream: `NEW_IMAGE`, `NEW_AND_OLD_IMAGES`, `KEYS_ONLY` or
    /// `OLD_IMAGE`. `Fn::GetAtt <id>.StreamArn` reads it.
    pub stream: Option<StreamViewType>,
    /// Other regions to replicate to. When not empty the table is an
    /// `AWS::DynamoDB::GlobalTable` with a replica in the stack's own region
    /// and one in each of these (on-demand only; its stream is
    /// `NEW_AND_OLD_IMAGES`, as replication needs).
    pub replica_regions: &'a [Region],
    /// An attribute holding an expiry time (epoch seconds): DynamoDB deletes
    /// items past it (time to live). Single-region tables only.
    pub ttl_attribute: Option<&'a str>,
}

impl Default for Table<'_> {
    /// On-demand, retained, no sort key, no stream, one region.
    fn default() -> Self {
        Table {
            id: "",
            partition_key: "",
            sort_key: None,
            provisioned: None,
            retain: true,
            requirements: &[],
            stream: None,
            replica_regions: &[],
            ttl_attribute: None,
        }
    }
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
        if !self.replica_regions.is_empty() {
            return self.add_global(t, attrs, keys);
        }
        let props = TableProps {
            attribute_definitions: Some(attrs.into()),
            billing_mode: Some(
                if self.provisioned.is_some() {
                    BillingMode::Provisioned
                } else {
                    BillingMode::PayPerRequest
                }
                .into(),
            ),
            point_in_time_recovery_specification: Some(point_in_time_recovery()),
            provisioned_throughput: self
                .provisioned
                .map(|s| ProvisionedThroughput::new(s.read_min, s.write_min).into()),
            sse_specification: Some(SseSpecification::new(true).into()),
            stream_specification: self.stream.map(|v| StreamSpecification::new(v).into()),
            time_to_live_specification: self.ttl_attribute.map(|a| {
                TimeToLiveSpecification {
                    attribute_name: Some(a.into()),
                    ..TimeToLiveSpecification::new(true)
                }
                .into()
            }),
            ..TableProps::new(keys)
        };
        let id = t
            .add(self.id, props)?
            .retain_if(self.retain)
            .satisfies(self.requirements)
            .id()
            .clone();
        if let Some(s) = self.provisioned {
            for (dim, min, max, dimension, metric) in [
                (
                    "Read",
                    s.read_min,
                    s.read_max,
                    ScalableDimension::DynamodbTableReadCapacityUnits,
                    Metric::DynamoDbReadCapacityUtilization,
                ),
                (
                    "Write",
                    s.write_min,
                    s.write_max,
                    ScalableDimension::DynamodbTableWriteCapacityUnits,
                    Metric::DynamoDbWriteCapacityUtilization,
                ),
            ] {
                let target = t
                    .add(
                        &format!("{id}{dim}Scaling"),
                        ScalableTarget {
                            role_arn: Some(arn("iam::${AWS::AccountId}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable")),
                            ..ScalableTarget::new(
                                max,
                                min,
                                sub(format!("table/${{{id}}}")),
                                dimension,
                                ServiceNamespace::Dynamodb,
                            )
                        },
                    )?
                    .satisfies(self.requirements)
                    .id()
                    .clone();
                t.add(
                    &format!("{id}{dim}ScalingPolicy"),
                    ScalingPolicy {
                        scaling_target_id: Some(target.r#ref()),
                        target_tracking_scaling_policy_configuration: Some(
                            TargetTrackingScalingPolicyConfiguration {
                                predefined_metric_specification: Some(
                                    PredefinedMetricSpecification::new(metric).into(),
                                ),
                                scale_in_cooldown: Some(60.into()),
                                scale_out_cooldown: Some(60.into()),
                                ..TargetTrackingScalingPolicyConfiguration::new(f64::from(
                                    s.target_utilization,
                                ))
                            }
                            .into(),
                        ),
                        ..ScalingPolicy::new(
                            format!("{dim}Utilization"),
                            PolicyType::TargetTrackingScaling,
                        )
                    },
                )?
                .satisfies(self.requirements);
            }
        }
        Ok(id)
    }
}

impl Table<'_> {
    /// The global-table form: a replica here and in each other region, each
    /// with point-in-time recovery and deletion protection while retained.
    fn add_global(
        &self,
        t: &mut Template,
        attrs: Vec<AttributeDefinition>,
        keys: Vec<KeySchema>,
    ) -> Result<LogicalId, Error> {
        if self.provisioned.is_some() {
            return Err(Error::Internal(format!(
                "table `{}`: a global table is on-demand only here",
                self.id
            )));
        }
        let replica = |region: Value<String>| ReplicaSpecification {
            deletion_protection_enabled: Some(self.retain.into()),
            point_in_time_recovery_specification: Some(point_in_time_recovery()),
            ..ReplicaSpecification::new(region)
        };
        let mut replicas = vec![replica(Pseudo::Region.r#ref())];
        replicas.extend(
            self.replica_regions
                .iter()
                .map(|r| replica(r.as_str().into())),
        );
        let key_types = [KeyType::Hash, KeyType::Range];
        let keys: Vec<GlobalKeySchema> = keys
            .into_iter()
            .zip(key_types)
            .map(|(k, kind)| GlobalKeySchema::new(k.attribute_name, kind))
            .collect();
        let props = GlobalTable {
            attribute_definitions: Some(attrs.into()),
            billing_mode: Some(BillingMode::PayPerRequest.into()),
            key_schema: Some(keys.into()),
            sse_specification: Some(
                GlobalSseSpecification {
                    sse_type: Some(SseType::Kms.into()),
                    ..GlobalSseSpecification::new(true)
                }
                .into(),
            ),
            stream_specification: Some(
                GlobalStreamSpecification::new(StreamViewType::NewAndOldImages).into(),
            ),
            ..GlobalTable::new(replicas)
        };
        Ok(t.add(self.id, props)?
            .retain_if(self.retain)
            .satisfies(self.requirements)
            .id()
            .clone())
    }
}

/// Point-in-time recovery on (tables and each replica).
fn point_in_time_recovery() -> Value<PointInTimeRecoverySpecification> {
    PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: Some(true.into()),
        ..Default::default()
    }
    .into()
}
