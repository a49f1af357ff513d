//! Hand-written conveniences on the generated resource types
//! (src/cfn/resources/, which scripts/gen-resource-types rewrites).

use super::intrinsic::Value;
use super::policy::PolicyDocument;
use super::resources::cloudfront::{
    CacheBehavior, ContentTypeOptions, CookiesConfig, CustomOriginConfig, DefaultCacheBehavior,
    FrameOptions, HeadersConfig, Logging, MinimumProtocolVersion, Origin,
    OriginAccessControlConfig, OriginGroup, OriginGroupFailoverCriteria, OriginGroupMember,
    OriginGroupMembers, OriginGroups, OriginProtocolPolicy, OriginShield, QueryStringsConfig,
    ReferrerPolicy, S3OriginConfig, SecurityHeadersConfig, SslSupportMethod, StatusCodes,
    StrictTransportSecurity, ViewerCertificate, ViewerProtocolPolicy, VpcOriginConfig,
    VpcOriginEndpointConfig, XssProtection,
};
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

/// The only protocol CloudFront may use to an origin over HTTPS: TLS 1.2.
pub const ORIGIN_TLS: &str = "TLSv1.2";

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

impl CookiesConfig {
    /// No cookies.
    pub fn none() -> Self {
        CookiesConfig::new("none")
    }

    /// Every cookie.
    pub fn all() -> Self {
        CookiesConfig::new("all")
    }
}

impl HeadersConfig {
    /// No headers.
    pub fn none() -> Self {
        HeadersConfig::new("none")
    }

    /// The headers `names` (`whitelist`).
    pub fn only(names: &[&str]) -> Self {
        HeadersConfig {
            headers: Some(strings(names)),
            ..HeadersConfig::new("whitelist")
        }
    }

    /// Every viewer header but `names` (origin request policies only).
    pub fn all_except(names: &[&str]) -> Self {
        HeadersConfig {
            headers: Some(strings(names)),
            ..HeadersConfig::new("allExcept")
        }
    }
}

impl QueryStringsConfig {
    /// No query strings.
    pub fn none() -> Self {
        QueryStringsConfig::new("none")
    }

    /// Every query string.
    pub fn all() -> Self {
        QueryStringsConfig::new("all")
    }
}

fn strings(items: &[&str]) -> Value<Vec<Value<String>>> {
    items
        .iter()
        .map(|s| Value::from(*s))
        .collect::<Vec<_>>()
        .into()
}

impl DefaultCacheBehavior {
    /// Viewers on HTTPS (HTTP redirected), `methods` allowed, GET and HEAD
    /// cached under the cache policy `cache_policy_id`, compressed.
    pub fn https(target_origin_id: &str, methods: &[&str], cache_policy_id: Value<String>) -> Self {
        DefaultCacheBehavior {
            allowed_methods: Some(strings(methods)),
            cache_policy_id: Some(cache_policy_id),
            cached_methods: Some(strings(&["GET", "HEAD"])),
            compress: Some(true.into()),
            ..DefaultCacheBehavior::new(target_origin_id, ViewerProtocolPolicy::RedirectToHttps)
        }
    }
}

impl CacheBehavior {
    /// Like [`DefaultCacheBehavior::https`], for the requests whose path
    /// matches `path_pattern`.
    pub fn https(
        path_pattern: &str,
        target_origin_id: &str,
        methods: &[&str],
        cache_policy_id: Value<String>,
    ) -> Self {
        CacheBehavior {
            allowed_methods: Some(strings(methods)),
            cache_policy_id: Some(cache_policy_id),
            cached_methods: Some(strings(&["GET", "HEAD"])),
            compress: Some(true.into()),
            ..CacheBehavior::new(path_pattern, target_origin_id, "redirect-to-https")
        }
    }
}

impl Origin {
    /// A private S3 bucket (its `RegionalDomainName`) read through the origin
    /// access control `access_control_id` (no origin access identity).
    pub fn s3_with_access_control(
        id: &str,
        domain_name: Value<String>,
        access_control_id: Value<String>,
    ) -> Self {
        Origin {
            origin_access_control_id: Some(access_control_id),
            s3_origin_config: Some(
                S3OriginConfig {
                    origin_access_identity: Some("".into()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Origin::new(domain_name, id)
        }
    }

    /// An HTTP(S) origin (a web server, a load balancer, an API).
    pub fn custom(id: &str, domain_name: Value<String>, config: CustomOriginConfig) -> Self {
        Origin {
            custom_origin_config: Some(config.into()),
            ..Origin::new(domain_name, id)
        }
    }

    /// A private origin reached through the VPC origin `vpc_origin_id`.
    pub fn vpc(id: &str, domain_name: Value<String>, vpc_origin_id: Value<String>) -> Self {
        Origin {
            vpc_origin_config: Some(VpcOriginConfig::new(vpc_origin_id).into()),
            ..Origin::new(domain_name, id)
        }
    }
}

impl CustomOriginConfig {
    /// `protocol` (`https-only`, `http-only` or `match-viewer`) to the
    /// origin's ports; TLS 1.2 only over HTTPS.
    pub fn tls12(protocol: &str, http_port: u16, https_port: u16) -> Self {
        CustomOriginConfig {
            http_port: Some(http_port.into()),
            https_port: Some(https_port.into()),
            origin_ssl_protocols: Some(strings(&[ORIGIN_TLS])),
            ..CustomOriginConfig::new(protocol)
        }
    }
}

impl VpcOriginEndpointConfig {
    /// A load balancer `arn` on ports 80 and 443, reached over HTTPS (TLS
    /// 1.2 only) or plain HTTP.
    pub fn load_balancer(arn: Value<String>, name: Value<String>, https: bool) -> Self {
        let protocol = if https {
            OriginProtocolPolicy::HttpsOnly
        } else {
            OriginProtocolPolicy::HttpOnly
        };
        VpcOriginEndpointConfig {
            http_port: Some(80.into()),
            https_port: Some(443.into()),
            origin_protocol_policy: Some(protocol.into()),
            origin_ssl_protocols: https.then(|| strings(&[ORIGIN_TLS])),
            ..VpcOriginEndpointConfig::new(arn, name)
        }
    }
}

impl OriginShield {
    /// Origin Shield in `region`.
    pub fn in_region(region: &str) -> Self {
        OriginShield {
            enabled: Some(true.into()),
            origin_shield_region: Some(region.into()),
        }
    }
}

impl OriginGroups {
    /// These groups (CloudFront wants their number too).
    pub fn of(groups: Vec<OriginGroup>) -> Self {
        OriginGroups {
            quantity: (groups.len() as u32).into(),
            items: Some(groups.into()),
        }
    }
}

impl OriginGroup {
    /// `primary`, then `secondary` when the primary answers with one of
    /// `status_codes` or cannot be reached.
    pub fn failover(id: &str, primary: &str, secondary: &str, status_codes: &[u16]) -> Self {
        let codes: Vec<Value<i64>> = status_codes.iter().map(|c| Value::from(*c)).collect();
        let members = vec![
            OriginGroupMember::new(primary),
            OriginGroupMember::new(secondary),
        ];
        OriginGroup::new(
            OriginGroupFailoverCriteria::new(StatusCodes::new(codes, status_codes.len() as u32)),
            id,
            OriginGroupMembers::new(members, 2),
        )
    }
}

impl ViewerCertificate {
    /// The ACM certificate `arn` (in us-east-1) for the distribution's
    /// aliases, served by SNI, with TLS `minimum` or newer.
    pub fn acm(arn: Value<String>, minimum: MinimumProtocolVersion) -> Self {
        ViewerCertificate {
            acm_certificate_arn: Some(arn),
            minimum_protocol_version: Some(minimum.into()),
            ssl_support_method: Some(SslSupportMethod::SniOnly.into()),
            ..Default::default()
        }
    }

    /// The `*.cloudfront.net` name and certificate (CloudFront fixes its TLS
    /// policy).
    pub fn cloudfront_default() -> Self {
        ViewerCertificate {
            cloud_front_default_certificate: Some(true.into()),
            ..Default::default()
        }
    }
}

impl OriginAccessControlConfig {
    /// CloudFront signs every request to an S3 origin (SigV4).
    pub fn s3_always_signed(name: Value<String>, description: &str) -> Self {
        OriginAccessControlConfig {
            description: Some(description.into()),
            ..OriginAccessControlConfig::new(name, "s3", "always", "sigv4")
        }
    }
}

impl Logging {
    /// Standard (legacy) access logs, without cookies, into the bucket whose
    /// domain name is `bucket` (`<bucket>.s3.amazonaws.com`), under `prefix`.
    pub fn to_bucket(bucket: Value<String>, prefix: String) -> Self {
        Logging {
            bucket: Some(bucket),
            include_cookies: Some(false.into()),
            prefix: Some(prefix.into()),
        }
    }
}

impl SecurityHeadersConfig {
    /// HSTS for two years (subdomains included, no preload), `nosniff`, no
    /// framing, `strict-origin-when-cross-origin`, XSS filter blocking; each
    /// overriding what the origin sends.
    pub fn strict() -> Self {
        SecurityHeadersConfig {
            content_type_options: Some(ContentTypeOptions::new(true).into()),
            frame_options: Some(FrameOptions::new("DENY", true).into()),
            referrer_policy: Some(
                ReferrerPolicy::new(true, "strict-origin-when-cross-origin").into(),
            ),
            strict_transport_security: Some(
                StrictTransportSecurity {
                    include_subdomains: Some(true.into()),
                    ..StrictTransportSecurity::new(63_072_000, true)
                }
                .into(),
            ),
            xss_protection: Some(
                XssProtection {
                    mode_block: Some(true.into()),
                    ..XssProtection::new(true, true)
                }
                .into(),
            ),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::cloudfront::DistributionConfig;
    use serde_json::json;

    /// The access-log and WAF passes add `Logging` and `WebACLId` to a built
    /// distribution; templates have them last (the generator's ORDER).
    #[test]
    fn a_distributions_logging_and_web_acl_come_last() {
        let behavior = DefaultCacheBehavior::https("o", &["GET"], "p".into());
        let config = DistributionConfig {
            logging: Some(Logging::to_bucket("b".into(), "p/".into()).into()),
            web_acl_id: Some("acl".into()),
            viewer_certificate: Some(ViewerCertificate::cloudfront_default().into()),
            ..DistributionConfig::new(behavior, true)
        };
        let keys: Vec<String> = match serde_json::to_value(config).unwrap() {
            serde_json::Value::Object(m) => m.keys().cloned().collect(),
            _ => unreachable!(),
        };
        assert_eq!(
            keys,
            [
                "DefaultCacheBehavior",
                "Enabled",
                "ViewerCertificate",
                "Logging",
                "WebACLId"
            ]
        );
    }

    #[test]
    fn cloudfront_shapes_follow_cloudformation_spelling() {
        let o = Origin::custom(
            "web",
            "example.com".into(),
            CustomOriginConfig::tls12("https-only", 80, 443),
        );
        assert_eq!(
            serde_json::to_value(o).unwrap(),
            json!({"CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                "OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
                "DomainName": "example.com", "Id": "web"})
        );
        assert_eq!(
            serde_json::to_value(SecurityHeadersConfig::strict()).unwrap()["XSSProtection"],
            json!({"ModeBlock": true, "Override": true, "Protection": true})
        );
        assert_eq!(
            serde_json::to_value(OriginGroup::failover("g", "a", "b", &[500, 502])).unwrap(),
            json!({"FailoverCriteria": {"StatusCodes": {"Items": [500, 502], "Quantity": 2}},
                "Id": "g",
                "Members": {"Items": [{"OriginId": "a"}, {"OriginId": "b"}], "Quantity": 2}})
        );
    }
}
