//! Amazon CloudFront: distributions, cache and origin request policies,
//! origin access control and response headers policies.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::walk::walk;

/// `AWS::CloudFront::Distribution`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Distribution {
    pub distribution_config: DistributionConfig,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(
    Distribution,
    "AWS::CloudFront::Distribution",
    ["DomainName", "Id"]
);

/// What the distribution serves and how.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DistributionConfig {
    /// Alternate domain names (CNAMEs); they need a certificate.
    pub aliases: Option<Vec<Value<String>>>,
    /// Path-pattern behaviors, matched in order before the default one.
    pub cache_behaviors: Option<Vec<CacheBehavior>>,
    pub comment: Option<String>,
    pub custom_error_responses: Option<Vec<CustomErrorResponse>>,
    pub default_cache_behavior: DefaultCacheBehavior,
    /// The object served for `/` (e.g. `index.html`).
    pub default_root_object: Option<String>,
    pub enabled: bool,
    /// `http1.1`, `http2`, `http3` or `http2and3`.
    pub http_version: Option<String>,
    #[serde(rename = "IPV6Enabled")]
    pub ipv6_enabled: Option<bool>,
    pub origin_groups: Option<OriginGroups>,
    pub origins: Option<Vec<Origin>>,
    /// `PriceClass_100`, `PriceClass_200` or `PriceClass_All`.
    pub price_class: Option<String>,
    pub viewer_certificate: Option<ViewerCertificate>,
    #[serde(rename = "WebACLId")]
    pub web_acl_id: Option<Value<String>>,
}

/// `DistributionConfig.Logging`: standard (legacy) access logs into an S3
/// bucket.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Logging {
    /// The bucket's domain name, `<bucket>.s3.amazonaws.com`.
    pub bucket: Value<String>,
    pub include_cookies: Option<bool>,
    /// Prepended to every log file name, e.g. `cloudfront/Cdn/`.
    pub prefix: Option<String>,
}

/// The behavior for requests no path pattern matches.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultCacheBehavior {
    pub allowed_methods: Option<Vec<String>>,
    pub cache_policy_id: Option<Value<String>>,
    pub cached_methods: Option<Vec<String>>,
    pub compress: Option<bool>,
    pub origin_request_policy_id: Option<Value<String>>,
    pub response_headers_policy_id: Option<Value<String>>,
    pub target_origin_id: String,
    /// `allow-all`, `https-only` or `redirect-to-https`.
    pub viewer_protocol_policy: String,
}

/// A behavior for the requests whose path matches `path_pattern`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CacheBehavior {
    pub allowed_methods: Option<Vec<String>>,
    pub cache_policy_id: Option<Value<String>>,
    pub cached_methods: Option<Vec<String>>,
    pub compress: Option<bool>,
    pub origin_request_policy_id: Option<Value<String>>,
    pub path_pattern: String,
    pub response_headers_policy_id: Option<Value<String>>,
    pub target_origin_id: String,
    pub viewer_protocol_policy: String,
}

/// What CloudFront returns (and caches) for an error from the origin.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomErrorResponse {
    #[serde(rename = "ErrorCachingMinTTL")]
    pub error_caching_min_ttl: Option<u32>,
    pub error_code: u32,
    pub response_code: Option<u32>,
    pub response_page_path: Option<String>,
}

/// Where CloudFront fetches content from.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Origin {
    pub connection_attempts: Option<u32>,
    pub connection_timeout: Option<u32>,
    pub custom_origin_config: Option<CustomOriginConfig>,
    pub domain_name: Value<String>,
    pub id: String,
    pub origin_access_control_id: Option<Value<String>>,
    pub origin_custom_headers: Option<Vec<OriginCustomHeader>>,
    pub origin_path: Option<String>,
    pub origin_shield: Option<OriginShield>,
    pub s3_origin_config: Option<S3OriginConfig>,
    /// A private origin in a VPC, reached through a VPC origin.
    pub vpc_origin_config: Option<VpcOriginConfig>,
}

/// The VPC origin an origin goes through.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcOriginConfig {
    pub origin_keepalive_timeout: Option<u32>,
    pub origin_read_timeout: Option<u32>,
    pub vpc_origin_id: Value<String>,
}

/// `AWS::CloudFront::VpcOrigin`: CloudFront's way into a private (internal)
/// load balancer or instance, without exposing it to the internet.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcOrigin {
    pub tags: Option<Vec<Tag>>,
    pub vpc_origin_endpoint_config: VpcOriginEndpointConfig,
}
resource_type!(
    VpcOrigin,
    "AWS::CloudFront::VpcOrigin",
    [
        "AccountId",
        "Arn",
        "CreatedTime",
        "Id",
        "LastModifiedTime",
        "Status"
    ]
);

/// The endpoint of a VPC origin: the load balancer's ARN, ports, protocol.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VpcOriginEndpointConfig {
    #[serde(rename = "Arn")]
    pub arn: Value<String>,
    #[serde(rename = "HTTPPort")]
    pub http_port: Option<u16>,
    #[serde(rename = "HTTPSPort")]
    pub https_port: Option<u16>,
    #[serde(rename = "Name")]
    pub name: Value<String>,
    /// `http-only`, `https-only` or `match-viewer`.
    #[serde(rename = "OriginProtocolPolicy")]
    pub origin_protocol_policy: String,
    #[serde(rename = "OriginSSLProtocols")]
    pub origin_ssl_protocols: Option<Vec<String>>,
}

/// An HTTP(S) origin: a web server, a load balancer, an API.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CustomOriginConfig {
    #[serde(rename = "HTTPPort")]
    pub http_port: Option<u16>,
    #[serde(rename = "HTTPSPort")]
    pub https_port: Option<u16>,
    #[serde(rename = "OriginKeepaliveTimeout")]
    pub origin_keepalive_timeout: Option<u32>,
    /// `http-only`, `https-only` or `match-viewer`.
    #[serde(rename = "OriginProtocolPolicy")]
    pub origin_protocol_policy: String,
    #[serde(rename = "OriginReadTimeout")]
    pub origin_read_timeout: Option<u32>,
    #[serde(rename = "OriginSSLProtocols")]
    pub origin_ssl_protocols: Option<Vec<String>>,
}

/// An S3 bucket origin. With origin access control, `OriginAccessIdentity`
/// is the empty string.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3OriginConfig {
    pub origin_access_identity: String,
}

/// A header CloudFront adds to every request it sends to the origin.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginCustomHeader {
    pub header_name: String,
    pub header_value: Value<String>,
}

/// An extra caching layer in one region in front of the origin.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginShield {
    pub enabled: bool,
    pub origin_shield_region: String,
}

/// Origin groups (failover between two origins).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginGroups {
    pub items: Vec<OriginGroup>,
    pub quantity: u32,
}

/// A primary and a secondary origin; CloudFront fails over on the given
/// status codes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginGroup {
    pub failover_criteria: OriginGroupFailoverCriteria,
    pub id: String,
    pub members: OriginGroupMembers,
}

/// When to fail over.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginGroupFailoverCriteria {
    pub status_codes: StatusCodes,
}

/// HTTP status codes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusCodes {
    pub items: Vec<u16>,
    pub quantity: u32,
}

/// The origins of a group, primary first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginGroupMembers {
    pub items: Vec<OriginGroupMember>,
    pub quantity: u32,
}

/// One origin of a group, by its ID.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginGroupMember {
    pub origin_id: String,
}

/// The viewer-facing certificate and TLS policy.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViewerCertificate {
    pub acm_certificate_arn: Option<Value<String>>,
    pub cloud_front_default_certificate: Option<bool>,
    /// e.g. `TLSv1.2_2021`.
    pub minimum_protocol_version: Option<String>,
    /// `sni-only` (recommended).
    pub ssl_support_method: Option<String>,
}

/// `AWS::CloudFront::CachePolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CachePolicy {
    pub cache_policy_config: CachePolicyConfig,
}
resource_type!(
    CachePolicy,
    "AWS::CloudFront::CachePolicy",
    ["Id", "LastModifiedTime"]
);

/// TTLs and the cache key.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CachePolicyConfig {
    #[serde(rename = "Comment")]
    pub comment: Option<String>,
    #[serde(rename = "DefaultTTL")]
    pub default_ttl: u64,
    #[serde(rename = "MaxTTL")]
    pub max_ttl: u64,
    #[serde(rename = "MinTTL")]
    pub min_ttl: u64,
    #[serde(rename = "Name")]
    pub name: Value<String>,
    #[serde(rename = "ParametersInCacheKeyAndForwardedToOrigin")]
    pub parameters_in_cache_key_and_forwarded_to_origin: ParametersInCacheKeyAndForwardedToOrigin,
}

/// What is part of the cache key (and so forwarded to the origin).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParametersInCacheKeyAndForwardedToOrigin {
    pub cookies_config: CookiesConfig,
    pub enable_accept_encoding_brotli: Option<bool>,
    pub enable_accept_encoding_gzip: bool,
    pub headers_config: HeadersConfig,
    pub query_strings_config: QueryStringsConfig,
}

/// Cookies in a cache key or origin request.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CookiesConfig {
    /// `none`, `whitelist`, `allExcept` or `all`.
    pub cookie_behavior: String,
    pub cookies: Option<Vec<String>>,
}

/// Headers in a cache key or origin request.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HeadersConfig {
    /// `none` or `whitelist` (cache policies); also `allViewer`,
    /// `allViewerAndWhitelistCloudFront`, `allExcept` (origin request policies).
    pub header_behavior: String,
    pub headers: Option<Vec<String>>,
}

/// Query strings in a cache key or origin request.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryStringsConfig {
    /// `none`, `whitelist`, `allExcept` or `all`.
    pub query_string_behavior: String,
    pub query_strings: Option<Vec<String>>,
}

impl CookiesConfig {
    /// No cookies.
    pub fn none() -> Self {
        CookiesConfig {
            cookie_behavior: "none".into(),
            cookies: None,
        }
    }
}

impl HeadersConfig {
    /// No headers.
    pub fn none() -> Self {
        HeadersConfig {
            header_behavior: "none".into(),
            headers: None,
        }
    }
}

impl QueryStringsConfig {
    /// No query strings.
    pub fn none() -> Self {
        QueryStringsConfig {
            query_string_behavior: "none".into(),
            query_strings: None,
        }
    }

    /// Every query string.
    pub fn all() -> Self {
        QueryStringsConfig {
            query_string_behavior: "all".into(),
            query_strings: None,
        }
    }
}

/// `AWS::CloudFront::OriginRequestPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginRequestPolicy {
    pub origin_request_policy_config: OriginRequestPolicyConfig,
}
resource_type!(
    OriginRequestPolicy,
    "AWS::CloudFront::OriginRequestPolicy",
    ["Id", "LastModifiedTime"]
);

/// What CloudFront forwards to the origin beyond the cache key.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginRequestPolicyConfig {
    pub comment: Option<String>,
    pub cookies_config: CookiesConfig,
    pub headers_config: HeadersConfig,
    pub name: Value<String>,
    pub query_strings_config: QueryStringsConfig,
}

/// `AWS::CloudFront::OriginAccessControl`: CloudFront signs its requests to
/// the origin, so the origin can trust this distribution only.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControl {
    pub origin_access_control_config: OriginAccessControlConfig,
}
resource_type!(
    OriginAccessControl,
    "AWS::CloudFront::OriginAccessControl",
    ["Id"]
);

/// How requests to the origin are signed.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControlConfig {
    pub description: Option<String>,
    pub name: Value<String>,
    /// `s3`, `lambda`, `mediastore`, `mediapackagev2`.
    pub origin_access_control_origin_type: String,
    /// `always`, `never` or `no-override`.
    pub signing_behavior: String,
    /// `sigv4`.
    pub signing_protocol: String,
}

/// `AWS::CloudFront::ResponseHeadersPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeadersPolicy {
    pub response_headers_policy_config: ResponseHeadersPolicyConfig,
}
resource_type!(
    ResponseHeadersPolicy,
    "AWS::CloudFront::ResponseHeadersPolicy",
    ["Id", "LastModifiedTime"]
);

/// The headers CloudFront adds to responses.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeadersPolicyConfig {
    pub comment: Option<String>,
    pub name: Value<String>,
    pub security_headers_config: Option<SecurityHeadersConfig>,
}

/// Security headers.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityHeadersConfig {
    pub content_type_options: Option<ContentTypeOptions>,
    pub frame_options: Option<FrameOptions>,
    pub referrer_policy: Option<ReferrerPolicy>,
    pub strict_transport_security: Option<StrictTransportSecurity>,
    #[serde(rename = "XSSProtection")]
    pub xss_protection: Option<XssProtection>,
}

/// `X-Content-Type-Options: nosniff`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContentTypeOptions {
    pub r#override: bool,
}

/// `X-Frame-Options`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FrameOptions {
    /// `DENY` or `SAMEORIGIN`.
    pub frame_option: String,
    pub r#override: bool,
}

/// `Referrer-Policy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferrerPolicy {
    pub r#override: bool,
    pub referrer_policy: String,
}

/// `Strict-Transport-Security`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StrictTransportSecurity {
    pub access_control_max_age_sec: u32,
    pub include_subdomains: Option<bool>,
    pub r#override: bool,
    pub preload: Option<bool>,
}

/// `X-XSS-Protection`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct XssProtection {
    pub mode_block: Option<bool>,
    pub r#override: bool,
    pub protection: bool,
}

// What holds intrinsics, for the walker (scripts/gen-resource-types emits these for generated types).
walk!(Distribution {
    distribution_config,
    tags
});
walk!(DistributionConfig {
    aliases,
    cache_behaviors,
    comment,
    custom_error_responses,
    default_cache_behavior,
    default_root_object,
    enabled,
    http_version,
    ipv6_enabled,
    origin_groups,
    origins,
    price_class,
    viewer_certificate,
    web_acl_id
});
walk!(Logging {
    bucket,
    include_cookies,
    prefix
});
walk!(DefaultCacheBehavior {
    allowed_methods,
    cache_policy_id,
    cached_methods,
    compress,
    origin_request_policy_id,
    response_headers_policy_id,
    target_origin_id,
    viewer_protocol_policy
});
walk!(CacheBehavior {
    allowed_methods,
    cache_policy_id,
    cached_methods,
    compress,
    origin_request_policy_id,
    path_pattern,
    response_headers_policy_id,
    target_origin_id,
    viewer_protocol_policy
});
walk!(CustomErrorResponse {
    error_caching_min_ttl,
    error_code,
    response_code,
    response_page_path
});
walk!(Origin {
    connection_attempts,
    connection_timeout,
    custom_origin_config,
    domain_name,
    id,
    origin_access_control_id,
    origin_custom_headers,
    origin_path,
    origin_shield,
    s3_origin_config,
    vpc_origin_config
});
walk!(VpcOriginConfig {
    origin_keepalive_timeout,
    origin_read_timeout,
    vpc_origin_id
});
walk!(VpcOrigin {
    tags,
    vpc_origin_endpoint_config
});
walk!(VpcOriginEndpointConfig {
    arn,
    http_port,
    https_port,
    name,
    origin_protocol_policy,
    origin_ssl_protocols
});
walk!(CustomOriginConfig {
    http_port,
    https_port,
    origin_keepalive_timeout,
    origin_protocol_policy,
    origin_read_timeout,
    origin_ssl_protocols
});
walk!(S3OriginConfig {
    origin_access_identity
});
walk!(OriginCustomHeader {
    header_name,
    header_value
});
walk!(OriginShield {
    enabled,
    origin_shield_region
});
walk!(OriginGroups { items, quantity });
walk!(OriginGroup {
    failover_criteria,
    id,
    members
});
walk!(OriginGroupFailoverCriteria { status_codes });
walk!(StatusCodes { items, quantity });
walk!(OriginGroupMembers { items, quantity });
walk!(OriginGroupMember { origin_id });
walk!(ViewerCertificate {
    acm_certificate_arn,
    cloud_front_default_certificate,
    minimum_protocol_version,
    ssl_support_method
});
walk!(CachePolicy {
    cache_policy_config
});
walk!(CachePolicyConfig {
    comment,
    default_ttl,
    max_ttl,
    min_ttl,
    name,
    parameters_in_cache_key_and_forwarded_to_origin
});
walk!(ParametersInCacheKeyAndForwardedToOrigin {
    cookies_config,
    enable_accept_encoding_brotli,
    enable_accept_encoding_gzip,
    headers_config,
    query_strings_config
});
walk!(CookiesConfig {
    cookie_behavior,
    cookies
});
walk!(HeadersConfig {
    header_behavior,
    headers
});
walk!(QueryStringsConfig {
    query_string_behavior,
    query_strings
});
walk!(OriginRequestPolicy {
    origin_request_policy_config
});
walk!(OriginRequestPolicyConfig {
    comment,
    cookies_config,
    headers_config,
    name,
    query_strings_config
});
walk!(OriginAccessControl {
    origin_access_control_config
});
walk!(OriginAccessControlConfig {
    description,
    name,
    origin_access_control_origin_type,
    signing_behavior,
    signing_protocol
});
walk!(ResponseHeadersPolicy {
    response_headers_policy_config
});
walk!(ResponseHeadersPolicyConfig {
    comment,
    name,
    security_headers_config
});
walk!(SecurityHeadersConfig {
    content_type_options,
    frame_options,
    referrer_policy,
    strict_transport_security,
    xss_protection
});
walk!(ContentTypeOptions { r#override });
walk!(FrameOptions {
    frame_option,
    r#override
});
walk!(ReferrerPolicy {
    r#override,
    referrer_policy
});
walk!(StrictTransportSecurity {
    access_control_max_age_sec,
    include_subdomains,
    r#override,
    preload
});
walk!(XssProtection {
    mode_block,
    r#override,
    protection
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_cloudformation_spelling() {
        let o = Origin {
            connection_attempts: None,
            connection_timeout: None,
            custom_origin_config: Some(CustomOriginConfig {
                http_port: Some(80),
                https_port: Some(443),
                origin_keepalive_timeout: None,
                origin_protocol_policy: "https-only".into(),
                origin_read_timeout: None,
                origin_ssl_protocols: Some(vec!["TLSv1.2".into()]),
            }),
            domain_name: "example.com".into(),
            id: "web".into(),
            origin_access_control_id: None,
            origin_custom_headers: None,
            origin_path: None,
            origin_shield: None,
            s3_origin_config: None,
            vpc_origin_config: None,
        };
        assert_eq!(
            serde_json::to_value(o).unwrap(),
            json!({"CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                "OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
                "DomainName": "example.com", "Id": "web"})
        );
        let x = XssProtection {
            mode_block: Some(true),
            r#override: true,
            protection: true,
        };
        assert_eq!(
            serde_json::to_value(x).unwrap(),
            json!({"ModeBlock": true, "Override": true, "Protection": true})
        );
    }
}
