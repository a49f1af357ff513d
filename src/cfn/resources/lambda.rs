//! AWS Lambda.

use indexmap::IndexMap;
use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::Lambda::Function`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    pub architectures: Option<Vec<String>>,
    pub code: Code,
    pub dead_letter_config: Option<DeadLetterConfig>,
    pub description: Option<String>,
    pub environment: Option<Environment>,
    pub ephemeral_storage: Option<EphemeralStorage>,
    /// EFS access points the function mounts (it must be in a VPC that
    /// reaches the file system's mount targets).
    pub file_system_configs: Option<Vec<FileSystemConfig>>,
    pub handler: String,
    pub logging_config: Option<LoggingConfig>,
    pub memory_size: Option<u32>,
    pub reserved_concurrent_executions: Option<u32>,
    pub role: Value<String>,
    pub runtime: String,
    pub tags: Option<Vec<Tag>>,
    pub timeout: Option<u32>,
    pub tracing_config: Option<TracingConfig>,
    pub vpc_config: Option<VpcConfig>,
}
resource_type!(
    Function,
    "AWS::Lambda::Function",
    [
        "Arn",
        "SnapStartResponse.ApplyOn",
        "SnapStartResponse.OptimizationStatus"
    ]
);

/// Where failed asynchronous events go (an SQS queue or SNS topic ARN).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    pub target_arn: Value<String>,
}

/// Where the deployment package is.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    pub s3_bucket: Option<Value<String>>,
    pub s3_key: Option<Value<String>>,
}

/// Environment variables.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub variables: IndexMap<String, Value<String>>,
}

/// Size of /tmp.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    pub size: u32,
}

/// An EFS access point mounted into the function at `local_mount_path`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemConfig {
    /// The access point's ARN.
    pub arn: Value<String>,
    /// Under `/mnt/`, like `/mnt/files`.
    pub local_mount_path: String,
}

/// Where and how the function logs.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    pub application_log_level: Option<String>,
    /// `Text` or `JSON`.
    pub log_format: Option<String>,
    pub log_group: Option<Value<String>>,
    pub system_log_level: Option<String>,
}

/// X-Ray tracing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    /// `Active` or `PassThrough`.
    pub mode: String,
}

/// The function's network placement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfig {
    pub security_group_ids: Vec<Value<String>>,
    pub subnet_ids: Vec<Value<String>>,
}

/// `AWS::Lambda::Permission`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    pub action: String,
    pub function_name: Value<String>,
    pub principal: String,
    pub source_account: Option<Value<String>>,
    pub source_arn: Option<Value<String>>,
}
resource_type!(Permission, "AWS::Lambda::Permission", []);

/// `AWS::Lambda::EventSourceMapping`: a stream or queue feeding a function.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSourceMapping {
    pub batch_size: Option<u32>,
    pub bisect_batch_on_function_error: Option<bool>,
    pub destination_config: Option<DestinationConfig>,
    pub enabled: Option<bool>,
    pub event_source_arn: Option<Value<String>>,
    pub filter_criteria: Option<FilterCriteria>,
    pub function_name: Value<String>,
    /// `ReportBatchItemFailures` for partial batch responses.
    pub function_response_types: Option<Vec<String>>,
    pub maximum_batching_window_in_seconds: Option<u32>,
    pub maximum_retry_attempts: Option<i32>,
    /// `LATEST` or `TRIM_HORIZON` for streams.
    pub starting_position: Option<String>,
}
resource_type!(
    EventSourceMapping,
    "AWS::Lambda::EventSourceMapping",
    ["Id"]
);

/// Event filtering patterns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterCriteria {
    pub filters: Vec<Filter>,
}

/// One filter: a JSON event pattern, as a string.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    pub pattern: String,
}

/// Where failed invocations or records go.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfig {
    pub on_failure: Option<OnFailure>,
    pub on_success: Option<OnSuccess>,
}

/// An on-failure destination (SQS queue, SNS topic, function or bus ARN).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnFailure {
    pub destination: Value<String>,
}

/// An on-success destination.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnSuccess {
    pub destination: Value<String>,
}

/// `AWS::Lambda::EventInvokeConfig`: retries and destinations of async invocations.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventInvokeConfig {
    pub destination_config: Option<DestinationConfig>,
    pub function_name: Value<String>,
    pub maximum_event_age_in_seconds: Option<u32>,
    pub maximum_retry_attempts: Option<u32>,
    /// `$LATEST`, a version number or an alias name.
    pub qualifier: String,
}
resource_type!(EventInvokeConfig, "AWS::Lambda::EventInvokeConfig", []);

/// `AWS::Lambda::Version`: an immutable snapshot of a function's code and
/// configuration. CloudFormation publishes one when the resource is created,
/// so its logical ID carries a hash of what it snapshots.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Version {
    pub description: Option<String>,
    pub function_name: Value<String>,
}
resource_type!(Version, "AWS::Lambda::Version", ["FunctionArn", "Version"]);

/// `AWS::Lambda::Alias`: a named pointer to a version (`live`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alias {
    pub description: Option<String>,
    pub function_name: Value<String>,
    pub function_version: Value<String>,
    pub name: String,
    pub provisioned_concurrency_config: Option<ProvisionedConcurrencyConfiguration>,
}
resource_type!(Alias, "AWS::Lambda::Alias", ["AliasArn"]);

/// Execution environments kept initialized for an alias.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedConcurrencyConfiguration {
    pub provisioned_concurrent_executions: u32,
}

/// The property a function takes to encrypt its environment variables at
/// rest with a customer-managed key (its ARN) instead of Lambda's AWS
/// managed key, merged over its others.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentEncryption {
    pub kms_key_arn: Value<String>,
}
