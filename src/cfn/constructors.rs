//! Hand-written conveniences on the generated resource types
//! (src/cfn/resources/, which scripts/gen-resource-types rewrites).

use super::intrinsic::Value;
use super::policy::PolicyDocument;
use super::resources::cognito::{
    AccessToken, AccountRecoverySetting, IdToken, Name as RecoveryName, PasswordPolicy,
    RecoveryOption, RefreshToken, TokenValidityUnits,
};
use super::resources::dynamodb::{AttributeDefinition, AttributeType, KeySchema};
use super::resources::ec2::EgressRule;
use super::resources::elasticloadbalancingv2::{
    Action, Certificate, FixedResponseConfig, ListenerRuleAction,
    ListenerRuleAuthenticateCognitoConfig, ListenerRuleAuthenticateOidcConfig, Matcher,
    PathPatternConfig, RedirectConfig, RuleCondition, StatusCode as RedirectStatus,
    Type as ActionType,
};
use super::resources::iam::Role;
use super::resources::kinesis::{EncryptionType, StreamEncryption};
use super::resources::s3::{
    BucketEncryption, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryptionByDefault, ServerSideEncryptionRule,
    SseAlgorithm, VersioningConfiguration, VersioningConfigurationStatus,
};
use super::resources::wafv2::VisibilityConfig;

/// The hosted zone ID of every CloudFront distribution, for alias records.
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

impl Role {
    /// A role with a trust policy and a description, nothing else.
    pub fn described(trust: PolicyDocument, description: &str) -> Self {
        Role {
            description: Some(Value::from(description)),
            ..Role::new(trust)
        }
    }
}

impl StreamEncryption {
    /// KMS encryption with the AWS managed key `alias/aws/kinesis`.
    pub fn aws_managed() -> Self {
        StreamEncryption::new(EncryptionType::Kms, "alias/aws/kinesis")
    }
}

impl AttributeDefinition {
    /// A string attribute.
    pub fn string(name: &str) -> Self {
        AttributeDefinition::new(name, AttributeType::S)
    }
}

impl KeySchema {
    /// The partition key.
    pub fn hash(name: &str) -> Self {
        KeySchema::new(name, "HASH")
    }

    /// The sort key.
    pub fn range(name: &str) -> Self {
        KeySchema::new(name, "RANGE")
    }
}

impl BucketEncryption {
    /// SSE-S3 (AES-256) for every object.
    pub fn s3_managed() -> Self {
        BucketEncryption::new(vec![ServerSideEncryptionRule {
            server_side_encryption_by_default: Some(
                ServerSideEncryptionByDefault::new(SseAlgorithm::Aes256).into(),
            ),
            ..Default::default()
        }])
    }
}

impl PublicAccessBlockConfiguration {
    /// All four settings on.
    pub fn all() -> Self {
        PublicAccessBlockConfiguration {
            block_public_acls: Some(true.into()),
            block_public_policy: Some(true.into()),
            ignore_public_acls: Some(true.into()),
            restrict_public_buckets: Some(true.into()),
        }
    }
}

impl OwnershipControls {
    /// `BucketOwnerEnforced`: ACLs disabled.
    pub fn bucket_owner_enforced() -> Self {
        OwnershipControls::owned(ObjectOwnership::BucketOwnerEnforced)
    }

    /// `BucketOwnerPreferred`: ACLs enabled, objects written with
    /// `bucket-owner-full-control` belong to the bucket owner. CloudFront's
    /// standard (legacy) logging needs it: it grants its log-delivery account
    /// write access through the bucket's ACL.
    pub fn bucket_owner_preferred() -> Self {
        OwnershipControls::owned(ObjectOwnership::BucketOwnerPreferred)
    }

    fn owned(ownership: ObjectOwnership) -> Self {
        OwnershipControls::new(vec![OwnershipControlsRule {
            object_ownership: Some(ownership.into()),
        }])
    }
}

impl VersioningConfiguration {
    /// `Status: Enabled`.
    pub fn enabled() -> Self {
        VersioningConfiguration::new(VersioningConfigurationStatus::Enabled)
    }
}

impl EgressRule {
    /// A rule nothing matches (all protocols to `127.0.0.1/32`): it replaces
    /// the allow-all egress a group gets without rules, so the group only
    /// answers what reached it (security groups are stateful).
    pub fn none(description: &str) -> Self {
        EgressRule {
            cidr_ip: Some("127.0.0.1/32".into()),
            description: Some(description.into()),
            ..EgressRule::new("-1")
        }
    }

    /// TCP to `cidr` on one port.
    pub fn tcp(cidr: impl Into<Value<String>>, description: &str, port: u16) -> Self {
        EgressRule {
            cidr_ip: Some(cidr.into()),
            description: Some(description.into()),
            from_port: Some(port.into()),
            to_port: Some(port.into()),
            ..EgressRule::new("tcp")
        }
    }
}

impl VisibilityConfig {
    /// Metrics and sampled requests on, under `metric_name`.
    pub fn on(metric_name: &str) -> Self {
        VisibilityConfig::new(true, metric_name, true)
    }
}

impl AccountRecoverySetting {
    /// Users recover their account through their verified email address only.
    pub fn by_verified_email() -> Value<Self> {
        AccountRecoverySetting {
            recovery_mechanisms: Some(
                vec![RecoveryOption {
                    name: Some(RecoveryName::VerifiedEmail.into()),
                    priority: Some(1.into()),
                }]
                .into(),
            ),
        }
        .into()
    }
}

impl PasswordPolicy {
    /// At least `minimum_length` characters with lower and upper case letters,
    /// numbers and symbols; a temporary password lasts `temporary_days`.
    pub fn strong(minimum_length: u32, temporary_days: u32) -> Self {
        PasswordPolicy {
            minimum_length: Some(minimum_length.into()),
            require_lowercase: Some(true.into()),
            require_numbers: Some(true.into()),
            require_symbols: Some(true.into()),
            require_uppercase: Some(true.into()),
            temporary_password_validity_days: Some(temporary_days.into()),
            ..Default::default()
        }
    }
}

impl TokenValidityUnits {
    /// Access and ID token validity in minutes, refresh token validity in days.
    pub fn minutes_and_refresh_days() -> Self {
        TokenValidityUnits {
            access_token: Some(AccessToken::Minutes.into()),
            id_token: Some(IdToken::Minutes.into()),
            refresh_token: Some(RefreshToken::Days.into()),
        }
    }
}

impl Action {
    /// Forward to a target group.
    pub fn forward(target_group_arn: Value<String>) -> Self {
        Action {
            target_group_arn: Some(target_group_arn),
            ..Action::new(ActionType::Forward)
        }
    }

    /// Redirect to the same URL over HTTPS (permanently).
    pub fn redirect_to_https() -> Self {
        Action {
            redirect_config: Some(
                RedirectConfig {
                    port: Some("443".into()),
                    protocol: Some("HTTPS".into()),
                    ..RedirectConfig::new(RedirectStatus::Http301)
                }
                .into(),
            ),
            ..Action::new(ActionType::Redirect)
        }
    }

    /// Answer with a fixed status code and text body.
    pub fn fixed(status: u16, body: &str) -> Self {
        Action {
            fixed_response_config: Some(
                FixedResponseConfig {
                    content_type: Some("text/plain".into()),
                    message_body: Some(body.into()),
                    ..FixedResponseConfig::new(status.to_string())
                }
                .into(),
            ),
            ..Action::new(ActionType::FixedResponse)
        }
    }
}

impl ListenerRuleAction {
    /// Forward to a target group.
    pub fn forward(target_group_arn: Value<String>) -> Self {
        ListenerRuleAction {
            target_group_arn: Some(target_group_arn),
            ..ListenerRuleAction::new(ActionType::Forward)
        }
    }

    /// Sign the user in through a Cognito user pool's hosted pages first.
    pub fn authenticate_cognito(config: ListenerRuleAuthenticateCognitoConfig) -> Self {
        ListenerRuleAction {
            authenticate_cognito_config: Some(config.into()),
            ..ListenerRuleAction::new(ActionType::AuthenticateCognito)
        }
    }

    /// Sign the user in through an OpenID Connect provider first.
    pub fn authenticate_oidc(config: ListenerRuleAuthenticateOidcConfig) -> Self {
        ListenerRuleAction {
            authenticate_oidc_config: Some(config.into()),
            ..ListenerRuleAction::new(ActionType::AuthenticateOidc)
        }
    }

    /// This action at position `order` of its rule.
    pub fn ordered(self, order: u32) -> Self {
        ListenerRuleAction {
            order: Some(order.into()),
            ..self
        }
    }
}

impl RuleCondition {
    /// Requests whose path matches one of `patterns` (`*` and `?` wildcards).
    pub fn path_patterns(patterns: Vec<Value<String>>) -> Self {
        RuleCondition {
            field: Some("path-pattern".into()),
            path_pattern_config: Some(
                PathPatternConfig {
                    values: Some(patterns.into()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        }
    }
}

impl Certificate {
    /// The ACM certificate `arn` of an HTTPS listener.
    pub fn of(arn: impl Into<Value<String>>) -> Self {
        Certificate {
            certificate_arn: Some(arn.into()),
        }
    }
}

impl Matcher {
    /// The HTTP codes a healthy target answers with, e.g. `200` or `200-299`.
    pub fn http(codes: &str) -> Self {
        Matcher {
            http_code: Some(codes.into()),
            ..Default::default()
        }
    }
}
