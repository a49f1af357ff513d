//! Amazon API Gateway v2: WebSocket and HTTP APIs.

use indexmap::IndexMap;
use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::ApiGatewayV2::Api`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Api {
    pub description: Option<String>,
    pub disable_execute_api_endpoint: Option<bool>,
    pub name: Value<String>,
    /// `WEBSOCKET` or `HTTP`.
    pub protocol_type: String,
    /// WebSocket APIs: how a message picks its route, e.g. `$request.body.action`.
    pub route_selection_expression: Option<String>,
    pub tags: Option<IndexMap<String, String>>,
}
resource_type!(
    Api,
    "AWS::ApiGatewayV2::Api",
    ["ApiEndpoint", "ApiId", "ExecuteApiArn"]
);

/// `AWS::ApiGatewayV2::Route`: a route key (`$connect`, `sendmessage`, `GET /items`) and its target.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    pub api_id: Value<String>,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `JWT`.
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<Value<String>>,
    pub operation_name: Option<String>,
    pub route_key: String,
    /// `integrations/<integration id>`.
    pub target: Option<Value<String>>,
}
resource_type!(Route, "AWS::ApiGatewayV2::Route", ["RouteId"]);

/// `AWS::ApiGatewayV2::Integration`: the backend of a route.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Integration {
    pub api_id: Value<String>,
    pub description: Option<String>,
    /// `AWS_PROXY` for a Lambda proxy integration.
    pub integration_type: String,
    pub integration_uri: Option<Value<String>>,
    /// HTTP APIs: `1.0` or `2.0`.
    pub payload_format_version: Option<String>,
    pub timeout_in_millis: Option<u32>,
}
resource_type!(
    Integration,
    "AWS::ApiGatewayV2::Integration",
    ["IntegrationId"]
);

/// `AWS::ApiGatewayV2::Deployment`: a snapshot of the API's routes.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    pub api_id: Value<String>,
    pub description: Option<String>,
}
resource_type!(
    Deployment,
    "AWS::ApiGatewayV2::Deployment",
    ["DeploymentId"]
);

/// `AWS::ApiGatewayV2::Stage`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stage {
    pub access_log_settings: Option<AccessLogSettings>,
    pub api_id: Value<String>,
    pub auto_deploy: Option<bool>,
    pub default_route_settings: Option<RouteSettings>,
    pub deployment_id: Option<Value<String>>,
    pub description: Option<String>,
    /// Per-route settings, keyed by route key (`GET /items`).
    pub route_settings: Option<IndexMap<String, RouteSettings>>,
    pub stage_name: String,
    pub tags: Option<IndexMap<String, String>>,
}
resource_type!(Stage, "AWS::ApiGatewayV2::Stage", []);

/// Where and in which format the stage writes access logs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessLogSettings {
    pub destination_arn: Value<String>,
    pub format: String,
}

/// Throttling, metrics and logging for every route of a stage.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteSettings {
    pub data_trace_enabled: Option<bool>,
    pub detailed_metrics_enabled: Option<bool>,
    /// `ERROR`, `INFO` or `OFF` (WebSocket APIs).
    pub logging_level: Option<String>,
    pub throttling_burst_limit: Option<u32>,
    pub throttling_rate_limit: Option<f64>,
}

/// `AWS::ApiGatewayV2::Authorizer`: for HTTP APIs, a JWT authorizer; for
/// WebSocket APIs, a Lambda `REQUEST` authorizer on `$connect`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Authorizer {
    pub api_id: Value<String>,
    /// `JWT`, `REQUEST` (Lambda).
    pub authorizer_type: String,
    /// `REQUEST`: the Lambda function's invocation URI
    /// (`arn:...:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`).
    pub authorizer_uri: Option<Value<String>>,
    pub identity_source: Option<Vec<String>>,
    pub jwt_configuration: Option<JwtConfiguration>,
    pub name: String,
}
resource_type!(
    Authorizer,
    "AWS::ApiGatewayV2::Authorizer",
    ["AuthorizerId"]
);

/// Which tokens a JWT authorizer accepts: its issuer and audiences.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JwtConfiguration {
    pub audience: Vec<Value<String>>,
    pub issuer: Value<String>,
}

/// `AWS::ApiGatewayV2::DomainName`: a custom domain name for HTTP APIs.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainName {
    pub domain_name: Value<String>,
    pub domain_name_configurations: Option<Vec<DomainNameConfiguration>>,
}
resource_type!(
    DomainName,
    "AWS::ApiGatewayV2::DomainName",
    ["RegionalDomainName", "RegionalHostedZoneId"]
);

/// The certificate and endpoint of a custom domain name.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainNameConfiguration {
    pub certificate_arn: Option<Value<String>>,
    /// `REGIONAL`.
    pub endpoint_type: Option<String>,
    /// `TLS_1_2`.
    pub security_policy: Option<String>,
}

/// `AWS::ApiGatewayV2::ApiMapping`: a stage of an API under a custom domain.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiMapping {
    pub api_id: Value<String>,
    pub api_mapping_key: Option<String>,
    pub domain_name: Value<String>,
    pub stage: Value<String>,
}
resource_type!(
    ApiMapping,
    "AWS::ApiGatewayV2::ApiMapping",
    ["ApiMappingId"]
);
