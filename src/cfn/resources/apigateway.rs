//! Amazon API Gateway (REST APIs).

use indexmap::IndexMap;
use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::ApiGateway::RestApi`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestApi {
    pub description: Option<String>,
    pub disable_execute_api_endpoint: Option<bool>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub minimum_compression_size: Option<u32>,
    pub name: Value<String>,
    /// The resource policy (private APIs: who may invoke through which VPC endpoint).
    pub policy: Option<PolicyDocument>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(
    RestApi,
    "AWS::ApiGateway::RestApi",
    ["RestApiId", "RootResourceId"]
);

/// `EDGE`, `REGIONAL` or `PRIVATE`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointConfiguration {
    pub types: Vec<String>,
}

/// `AWS::ApiGateway::Resource`: one path segment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    pub parent_id: Value<String>,
    pub path_part: String,
    pub rest_api_id: Value<String>,
}
resource_type!(Resource, "AWS::ApiGateway::Resource", ["ResourceId"]);

/// `AWS::ApiGateway::Method`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Method {
    pub api_key_required: Option<bool>,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    pub authorizer_id: Option<Value<String>>,
    pub http_method: String,
    pub integration: Option<Integration>,
    pub operation_name: Option<String>,
    /// The request parameters the method declares (`method.request.path.id`,
    /// `method.request.querystring.limit`, `method.request.header.Authorization`),
    /// each required or not; a cache key may only name declared ones.
    pub request_parameters: Option<IndexMap<String, bool>>,
    /// The model each request content type must match (`application/json`
    /// → the model's name), checked by the method's request validator.
    pub request_models: Option<IndexMap<String, Value<String>>>,
    /// The validator that rejects requests not matching `request_models`
    /// (or missing required `request_parameters`) with 400.
    pub request_validator_id: Option<Value<String>>,
    pub resource_id: Value<String>,
    pub rest_api_id: Value<String>,
}
resource_type!(Method, "AWS::ApiGateway::Method", []);

/// `AWS::ApiGateway::Model`: a JSON Schema (draft 4) request bodies are
/// validated against. `Ref` is the model's name.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Model {
    /// `application/json`.
    pub content_type: Option<String>,
    pub description: Option<String>,
    /// Alphanumeric, unique within the API; generated when absent.
    pub name: Option<String>,
    pub rest_api_id: Value<String>,
    /// The JSON Schema, draft 4.
    pub schema: Option<serde_json::Value>,
}
resource_type!(Model, "AWS::ApiGateway::Model", []);

/// `AWS::ApiGateway::RequestValidator`: what API Gateway checks before
/// calling the integration. `Ref` is its ID.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestValidator {
    pub name: Option<String>,
    pub rest_api_id: Value<String>,
    pub validate_request_body: Option<bool>,
    pub validate_request_parameters: Option<bool>,
}
resource_type!(
    RequestValidator,
    "AWS::ApiGateway::RequestValidator",
    ["RequestValidatorId"]
);

/// The backend of a method.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Integration {
    /// The request parameters whose values, besides the resource and method,
    /// key the stage cache (declared in the method's `RequestParameters`).
    pub cache_key_parameters: Option<Vec<String>>,
    pub integration_http_method: Option<String>,
    /// `AWS_PROXY` for a Lambda proxy integration.
    #[serde(rename = "Type")]
    pub kind: String,
    pub uri: Option<Value<String>>,
}

/// `AWS::ApiGateway::Authorizer`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Authorizer {
    pub identity_source: Option<String>,
    pub name: String,
    #[serde(rename = "ProviderARNs")]
    pub provider_arns: Option<Vec<Value<String>>>,
    pub rest_api_id: Value<String>,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "Type")]
    pub kind: String,
}
resource_type!(Authorizer, "AWS::ApiGateway::Authorizer", ["AuthorizerId"]);

/// `AWS::ApiGateway::Deployment`: a snapshot of the API's methods.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    pub description: Option<String>,
    pub rest_api_id: Value<String>,
}
resource_type!(Deployment, "AWS::ApiGateway::Deployment", ["DeploymentId"]);

/// `AWS::ApiGateway::Stage`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stage {
    pub access_log_setting: Option<AccessLogSetting>,
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<String>,
    pub deployment_id: Value<String>,
    pub description: Option<String>,
    pub method_settings: Option<Vec<MethodSetting>>,
    pub rest_api_id: Value<String>,
    pub stage_name: String,
    pub tags: Option<Vec<Tag>>,
    pub tracing_enabled: Option<bool>,
}
resource_type!(Stage, "AWS::ApiGateway::Stage", []);

/// Where and in which format the stage writes access logs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessLogSetting {
    pub destination_arn: Value<String>,
    pub format: String,
}

/// Settings for the methods matching a path and HTTP method (`/*`, `*` for all).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MethodSetting {
    pub cache_data_encrypted: Option<bool>,
    pub cache_ttl_in_seconds: Option<u32>,
    pub caching_enabled: Option<bool>,
    pub data_trace_enabled: Option<bool>,
    pub http_method: String,
    pub logging_level: Option<String>,
    pub metrics_enabled: Option<bool>,
    pub resource_path: String,
    pub throttling_burst_limit: Option<u32>,
    pub throttling_rate_limit: Option<f64>,
}

/// `AWS::ApiGateway::Account`: the account's CloudWatch Logs role for API Gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub cloud_watch_role_arn: Value<String>,
}
resource_type!(Account, "AWS::ApiGateway::Account", ["Id"]);

/// `AWS::ApiGateway::UsagePlan`: throttling and a quota for the callers of
/// the API keys attached to it.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsagePlan {
    pub api_stages: Option<Vec<ApiStage>>,
    pub description: Option<String>,
    pub quota: Option<QuotaSettings>,
    pub throttle: Option<ThrottleSettings>,
    pub usage_plan_name: Option<Value<String>>,
}
resource_type!(UsagePlan, "AWS::ApiGateway::UsagePlan", ["Id"]);

/// A stage of an API that a usage plan covers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiStage {
    pub api_id: Value<String>,
    pub stage: Value<String>,
}

/// The most requests in a period: `DAY`, `WEEK` or `MONTH`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QuotaSettings {
    pub limit: u32,
    pub period: String,
}

/// Steady-state rate and burst.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThrottleSettings {
    pub burst_limit: Option<u32>,
    pub rate_limit: Option<f64>,
}

/// `AWS::ApiGateway::ApiKey`. `Ref` gives the key's ID.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiKey {
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub name: Option<Value<String>>,
}
resource_type!(ApiKey, "AWS::ApiGateway::ApiKey", ["APIKeyId"]);

/// `AWS::ApiGateway::UsagePlanKey`: an API key attached to a usage plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsagePlanKey {
    pub key_id: Value<String>,
    /// `API_KEY`.
    pub key_type: String,
    pub usage_plan_id: Value<String>,
}
resource_type!(UsagePlanKey, "AWS::ApiGateway::UsagePlanKey", ["Id"]);

/// `AWS::ApiGateway::DomainName`: a custom domain name for REST APIs.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainName {
    pub domain_name: Value<String>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub regional_certificate_arn: Option<Value<String>>,
    /// `TLS_1_0` or `TLS_1_2`.
    pub security_policy: Option<String>,
}
resource_type!(
    DomainName,
    "AWS::ApiGateway::DomainName",
    [
        "DistributionDomainName",
        "DistributionHostedZoneId",
        "RegionalDomainName",
        "RegionalHostedZoneId"
    ]
);

/// `AWS::ApiGateway::BasePathMapping`: a stage of an API under a custom domain.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BasePathMapping {
    pub base_path: Option<String>,
    pub domain_name: Value<String>,
    pub rest_api_id: Value<String>,
    pub stage: Option<Value<String>>,
}
resource_type!(BasePathMapping, "AWS::ApiGateway::BasePathMapping", []);
