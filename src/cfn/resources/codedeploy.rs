//! AWS CodeDeploy, for gradual Lambda deployments (FN-DEPLOY).

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::CodeDeploy::Application`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Application {
    /// `Lambda`.
    pub compute_platform: String,
}
resource_type!(Application, "AWS::CodeDeploy::Application", []);

/// `AWS::CodeDeploy::DeploymentGroup` for a Lambda alias.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentGroup {
    pub alarm_configuration: Option<AlarmConfiguration>,
    pub application_name: Value<String>,
    pub auto_rollback_configuration: AutoRollbackConfiguration,
    /// e.g. `CodeDeployDefault.LambdaCanary10Percent5Minutes`.
    pub deployment_config_name: String,
    pub deployment_style: DeploymentStyle,
    pub service_role_arn: Value<String>,
}
resource_type!(DeploymentGroup, "AWS::CodeDeploy::DeploymentGroup", []);

/// Alarms that stop a deployment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmConfiguration {
    pub alarms: Vec<AlarmName>,
    pub enabled: bool,
}

/// One alarm, by name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmName {
    pub name: Value<String>,
}

/// When to roll back.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AutoRollbackConfiguration {
    pub enabled: bool,
    /// `DEPLOYMENT_FAILURE`, `DEPLOYMENT_STOP_ON_ALARM`, `DEPLOYMENT_STOP_ON_REQUEST`.
    pub events: Vec<String>,
}

/// Lambda deployments are blue/green with traffic control.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentStyle {
    pub deployment_option: String,
    pub deployment_type: String,
}
