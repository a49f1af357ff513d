//! Elastic Load Balancing v2 (Application Load Balancers).

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::ElasticLoadBalancingV2::LoadBalancer`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancer {
    /// `ipv4` or `dualstack`.
    pub ip_address_type: Option<String>,
    pub load_balancer_attributes: Option<Vec<Attribute>>,
    /// `internet-facing` or `internal`.
    pub scheme: Option<String>,
    pub security_groups: Option<Vec<Value<String>>>,
    pub subnets: Option<Vec<Value<String>>>,
    pub tags: Option<Vec<Tag>>,
    /// `application`, `network` or `gateway`.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
}
resource_type!(
    LoadBalancer,
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    [
        "CanonicalHostedZoneID",
        "DNSName",
        "LoadBalancerArn",
        "LoadBalancerFullName",
        "LoadBalancerName",
        "SecurityGroups"
    ]
);

/// A load balancer or target group attribute (`Key`/`Value`, both strings).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    pub key: String,
    pub value: String,
}

impl Attribute {
    /// `key: value`.
    pub fn new(key: &str, value: &str) -> Self {
        Attribute {
            key: key.to_string(),
            value: value.to_string(),
        }
    }
}

/// A load balancer attribute whose value may be an intrinsic (e.g. the
/// `Ref` of the access-log bucket for `access_logs.s3.bucket`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeOf {
    pub key: String,
    pub value: Value<String>,
}

/// `AWS::ElasticLoadBalancingV2::TargetGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroup {
    pub health_check_enabled: Option<bool>,
    pub health_check_interval_seconds: Option<u32>,
    pub health_check_path: Option<String>,
    pub health_check_protocol: Option<String>,
    pub health_check_timeout_seconds: Option<u32>,
    pub healthy_threshold_count: Option<u32>,
    pub matcher: Option<Matcher>,
    /// Up to 32 characters; must be unique in the account and region.
    pub name: Option<Value<String>>,
    pub port: Option<u16>,
    pub protocol: Option<String>,
    pub target_group_attributes: Option<Vec<Attribute>>,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: Option<String>,
    /// Registered targets (e.g. the one function of a `lambda` group).
    pub targets: Option<Vec<TargetDescription>>,
    pub unhealthy_threshold_count: Option<u32>,
    pub vpc_id: Option<Value<String>>,
}

/// A registered target: an instance ID, IP address or function ARN.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetDescription {
    pub id: Value<String>,
}
resource_type!(
    TargetGroup,
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    [
        "LoadBalancerArns",
        "TargetGroupArn",
        "TargetGroupFullName",
        "TargetGroupName"
    ]
);

/// The HTTP codes a healthy target answers with, e.g. `200` or `200-299`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Matcher {
    pub http_code: String,
}

/// `AWS::ElasticLoadBalancingV2::Listener`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listener {
    /// HTTPS listeners: the server certificate.
    pub certificates: Option<Vec<Certificate>>,
    pub default_actions: Vec<Action>,
    pub load_balancer_arn: Value<String>,
    pub port: Option<u16>,
    pub protocol: Option<String>,
    /// HTTPS listeners: the TLS policy, e.g. `ELBSecurityPolicy-TLS13-1-2-2021-06`.
    pub ssl_policy: Option<String>,
}

/// An ACM certificate of an HTTPS listener.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificate {
    pub certificate_arn: Value<String>,
}
resource_type!(
    Listener,
    "AWS::ElasticLoadBalancingV2::Listener",
    ["ListenerArn"]
);

/// What a listener or rule does with a request.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Action {
    pub authenticate_cognito_config: Option<AuthenticateCognitoConfig>,
    pub authenticate_oidc_config: Option<AuthenticateOidcConfig>,
    pub fixed_response_config: Option<FixedResponseConfig>,
    /// The order of the action in a rule with several (an authenticate
    /// action comes before the forward).
    pub order: Option<u32>,
    pub redirect_config: Option<RedirectConfig>,
    pub target_group_arn: Option<Value<String>>,
    /// `forward`, `fixed-response`, `redirect`, ...
    #[serde(rename = "Type")]
    pub kind: String,
}

impl Action {
    /// Forward to a target group.
    pub fn forward(target_group_arn: Value<String>) -> Self {
        Action {
            authenticate_cognito_config: None,
            authenticate_oidc_config: None,
            order: None,
            fixed_response_config: None,
            redirect_config: None,
            target_group_arn: Some(target_group_arn),
            kind: "forward".into(),
        }
    }

    /// Redirect to the same URL over HTTPS (permanently).
    pub fn redirect_to_https() -> Self {
        Action {
            authenticate_cognito_config: None,
            authenticate_oidc_config: None,
            order: None,
            fixed_response_config: None,
            redirect_config: Some(RedirectConfig {
                port: Some("443".into()),
                protocol: Some("HTTPS".into()),
                status_code: "HTTP_301".into(),
            }),
            target_group_arn: None,
            kind: "redirect".into(),
        }
    }

    /// Answer with a fixed status code and text body.
    pub fn fixed(status: u16, body: &str) -> Self {
        Action {
            authenticate_cognito_config: None,
            authenticate_oidc_config: None,
            order: None,
            fixed_response_config: Some(FixedResponseConfig {
                content_type: Some("text/plain".into()),
                message_body: Some(body.to_string()),
                status_code: status.to_string(),
            }),
            redirect_config: None,
            target_group_arn: None,
            kind: "fixed-response".into(),
        }
    }

    /// Sign the user in through a Cognito user pool's hosted pages first.
    pub fn authenticate_cognito(config: AuthenticateCognitoConfig) -> Self {
        Action {
            authenticate_cognito_config: Some(config),
            ..Action::empty("authenticate-cognito")
        }
    }

    /// Sign the user in through an OpenID Connect provider first.
    pub fn authenticate_oidc(config: AuthenticateOidcConfig) -> Self {
        Action {
            authenticate_oidc_config: Some(config),
            ..Action::empty("authenticate-oidc")
        }
    }

    /// This action at position `order` of its rule.
    pub fn ordered(self, order: u32) -> Self {
        Action {
            order: Some(order),
            ..self
        }
    }

    fn empty(kind: &str) -> Self {
        Action {
            authenticate_cognito_config: None,
            authenticate_oidc_config: None,
            fixed_response_config: None,
            order: None,
            redirect_config: None,
            target_group_arn: None,
            kind: kind.into(),
        }
    }
}

/// An `authenticate-cognito` action: the user pool, its app client (with a
/// secret and the code flow) and its domain prefix.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticateCognitoConfig {
    /// `authenticate` (redirect to sign in), `deny` (401) or `allow`.
    pub on_unauthenticated_request: Option<String>,
    pub scope: Option<String>,
    /// Seconds; 604800 (7 days) by default.
    pub session_timeout: Option<u64>,
    pub user_pool_arn: Value<String>,
    pub user_pool_client_id: Value<String>,
    pub user_pool_domain: Value<String>,
}

/// An `authenticate-oidc` action: the provider's endpoints and this client.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticateOidcConfig {
    pub authorization_endpoint: String,
    pub client_id: String,
    /// The secret, best as a dynamic reference
    /// (`{{resolve:secretsmanager:...}}`) so it is not in the template.
    pub client_secret: Value<String>,
    pub issuer: String,
    /// `authenticate` (redirect to sign in), `deny` (401) or `allow`.
    pub on_unauthenticated_request: Option<String>,
    pub scope: Option<String>,
    /// Seconds; 604800 (7 days) by default.
    pub session_timeout: Option<u64>,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
}

/// Where a redirect goes (parts left out keep the request's).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RedirectConfig {
    pub port: Option<String>,
    pub protocol: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: String,
}

/// A fixed response.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FixedResponseConfig {
    pub content_type: Option<String>,
    pub message_body: Option<String>,
    pub status_code: String,
}

/// `AWS::ElasticLoadBalancingV2::ListenerRule`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerRule {
    pub actions: Vec<Action>,
    pub conditions: Vec<RuleCondition>,
    pub listener_arn: Value<String>,
    pub priority: u32,
}
resource_type!(
    ListenerRule,
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    ["IsDefault", "RuleArn"]
);

/// When a rule applies.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleCondition {
    /// `http-header`, `path-pattern`, `host-header`, ...
    pub field: String,
    pub http_header_config: Option<HttpHeaderConfig>,
    pub path_pattern_config: Option<PathPatternConfig>,
}

impl RuleCondition {
    /// Requests whose path matches one of `patterns` (`*` and `?` wildcards).
    pub fn path_patterns(patterns: Vec<String>) -> Self {
        RuleCondition {
            field: "path-pattern".into(),
            http_header_config: None,
            path_pattern_config: Some(PathPatternConfig { values: patterns }),
        }
    }
}

/// Path patterns of a rule condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PathPatternConfig {
    pub values: Vec<String>,
}

/// A header and the values that match.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HttpHeaderConfig {
    pub http_header_name: String,
    pub values: Vec<Value<String>>,
}
