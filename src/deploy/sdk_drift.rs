//! The AWS SDK implementation of [`DriftDetection`].

use aws_sdk_cloudformation as cfn;

use super::drift::{Detection, DriftDetection, DriftStatus, PropertyDifference, ResourceDrift};
use super::error::DeployError;
use super::sdk::{classify, Aws};

impl DriftDetection for Aws {
    async fn detect_drift(&self, stack: &str) -> Result<String, DeployError> {
        let out = self
            .cfn
            .detect_stack_drift()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| classify("DetectStackDrift", &self.endpoint, self.timeout, e))?;
        Ok(out
            .stack_drift_detection_id()
            .unwrap_or_default()
            .to_string())
    }

    async fn detection_status(&self, id: &str) -> Result<Detection, DeployError> {
        let out = self
            .cfn
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(id)
            .send()
            .await
            .map_err(|e| {
                classify(
                    "DescribeStackDriftDetectionStatus",
                    &self.endpoint,
                    self.timeout,
                    e,
                )
            })?;
        Ok(match out.detection_status() {
            Some(cfn::types::StackDriftDetectionStatus::DetectionInProgress) | None => {
                Detection::InProgress
            }
            Some(cfn::types::StackDriftDetectionStatus::DetectionFailed) => Detection::Failed {
                reason: out.detection_status_reason().map(str::to_string),
            },
            _ => Detection::Complete,
        })
    }

    async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, DeployError> {
        let mut drifts = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .cfn
                .describe_stack_resource_drifts()
                .stack_name(stack)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| {
                    classify(
                        "DescribeStackResourceDrifts",
                        &self.endpoint,
                        self.timeout,
                        e,
                    )
                })?;
            for d in out.stack_resource_drifts() {
                drifts.push(ResourceDrift {
                    logical_id: d.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: d.physical_resource_id().map(str::to_string),
                    resource_type: d.resource_type().unwrap_or_default().to_string(),
                    status: DriftStatus::parse(
                        d.stack_resource_drift_status().map_or("", |s| s.as_str()),
                    ),
                    differences: d
                        .property_differences()
                        .iter()
                        .map(|p| PropertyDifference {
                            path: p.property_path().unwrap_or_default().to_string(),
                            expected: p.expected_value().unwrap_or_default().to_string(),
                            actual: p.actual_value().unwrap_or_default().to_string(),
                            kind: p.difference_type().map_or("", |d| d.as_str()).to_string(),
                        })
                        .collect(),
                });
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(drifts);
            }
        }
    }
}
