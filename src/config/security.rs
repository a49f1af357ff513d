//! `options.security`: what every blueprint shares about encryption keys,
//! access logs and a web application firewall (issue 13). The expansion is
//! [`crate::passes`], applied after the blueprint's own expansion and
//! `options.lambda`.

use schemars::JsonSchema;
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

use super::values::{deserialize_text, Ranged, Region};

/// `options.security`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityOptions {
    /// One customer-managed KMS key per stack (rotated every year, retained)
    /// encrypts the DynamoDB tables, the CloudWatch log groups and the
    /// functions' environment variables instead of AWS's own keys.
    pub customer_managed_keys: bool,
    /// Access logs.
    pub access_logs: AccessLogOptions,
    /// A web application firewall.
    pub waf: WafOptions,
}

/// Access logs of CloudFront distributions, load balancers and buckets, into
/// one retained, encrypted log bucket per stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccessLogOptions {
    /// Whether access logs are written.
    pub enabled: bool,
    /// Days a log file is kept before the bucket's lifecycle deletes it.
    pub retention_days: Ranged<1, 3650>,
}

impl Default for AccessLogOptions {
    fn default() -> Self {
        AccessLogOptions {
            enabled: true,
            retention_days: Ranged::of(365),
        }
    }
}

/// An AWS WAF web ACL (AWS managed rule groups and a rate-based rule) in
/// front of the CloudFront distributions, REST API stages and load balancers.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WafOptions {
    /// Whether there is a web ACL.
    pub enabled: bool,
    /// Requests one client IP may make in 5 minutes before it is blocked.
    pub rate_limit: Ranged<10, 2_000_000_000>,
    /// An existing web ACL of CloudFront scope (created in us-east-1) for
    /// the distributions of a stack in another region, where CloudFormation
    /// cannot create one.
    pub cloudfront_web_acl_arn: Option<WebAclArn>,
}

impl Default for WafOptions {
    fn default() -> Self {
        WafOptions {
            enabled: false,
            rate_limit: Ranged::of(2000),
            cloudfront_web_acl_arn: None,
        }
    }
}

/// The ARN of a WAFv2 web ACL of CloudFront scope:
/// `arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WebAclArn(String);

impl WebAclArn {
    /// Checks `s`: a `WebAclArn`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 128
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "wafv2"
            && Region::new(parts[3]).is_ok()
            && parts[4].len() == 12
            && parts[4].chars().all(|c| c.is_ascii_digit())
            && parts[5]
                .strip_prefix("global/webacl/")
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(name, id)| {
                    name_ok(name)
                        && !id.is_empty()
                        && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
                });
        if ok {
            Ok(WebAclArn(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not the ARN of a CloudFront-scope web ACL (like `arn:aws:wafv2:us-east-1:123456789012:global/webacl/my-acl/0a1b2c3d-...`)"
            ))
        }
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for WebAclArn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_text(d, "a web ACL ARN", WebAclArn::new)
    }
}

super::schema::value_schema!(
    WebAclArn,
    super::schema::text(
        "The ARN of a CloudFront-scope WAFv2 web ACL, like `arn:aws:wafv2:us-east-1:123456789012:global/webacl/my-acl/0a1b2c3d-...`",
        "^arn:aws[a-z-]*:wafv2:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9A-Fa-f-]+$",
        1,
        2048
    )
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_acl_arns() {
        assert!(WebAclArn::new(
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
        )
        .is_err());
        assert!(WebAclArn::new(
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/a1b2c3d4-5678-90ab-cdef-0123456789ab"
        )
        .is_ok());
        for bad in [
            "",
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/site/a1b2",
            "arn:aws:wafv2:us-east-1:1234:global/webacl/site/a1b2",
            "arn:aws:s3:::bucket",
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site",
        ] {
            assert!(WebAclArn::new(bad).is_err(), "{bad}");
        }
    }
}
