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
    pub description: Option<String>,
    pub environment: Option<Environment>,
    pub ephemeral_storage: Option<EphemeralStorage>,
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
