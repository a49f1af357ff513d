//! The validated string values of the blueprints' options: DNS names,
//! e-mail addresses, ARNs, AWS instance and node types, architectures.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::{aws_values, deserialize_text, known_value, Region};

/// Implements `Deserialize` (through `new`), `Display` and `as_str` for a
/// validated string newtype.
macro_rules! validated_string {
    ($ty:ident, $what:literal) => {
        impl $ty {
            /// The value, as written in blueprint.yaml and in templates.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize_text(d, $what, $ty::new)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A fully qualified DNS name such as `blog.example.com` or an ALB's DNS
/// name: at least two labels of letters, digits and hyphens (no label starts
/// or ends with a hyphen), at most 63 characters a label and 253 in all.
/// Kept in lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DomainName(String);

impl DomainName {
    /// Checks `s`: a `DomainName`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let rule = "a domain name has at least two dot-separated labels of letters, digits and hyphens, like `blog.example.com` (no scheme, path or trailing dot)";
        let lower = s.to_ascii_lowercase();
        let labels: Vec<&str> = lower.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let ok = lower.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(label_ok)
            && labels
                .last()
                .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()));
        if ok {
            Ok(DomainName(lower))
        } else {
            Err(format!("`{s}` is not a valid domain name: {rule}"))
        }
    }
}
validated_string!(DomainName, "a domain name (like `blog.example.com`)");

/// A Route 53 hosted zone ID such as `Z0123456789ABCDEFGHIJ`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct HostedZoneId(String);

impl HostedZoneId {
    /// Checks `s`: a `HostedZoneId`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = s.starts_with('Z')
            && (2..=32).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(HostedZoneId(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a Route 53 hosted zone ID (`Z` and up to 31 capital letters and digits, like `Z0123456789ABCDEFGHIJ`)"
            ))
        }
    }
}
validated_string!(
    HostedZoneId,
    "a Route 53 hosted zone ID (like `Z0123456789ABCDEFGHIJ`)"
);

/// An email address such as `no-reply@example.com` (its domain a valid
/// [`DomainName`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks `s`: a `EmailAddress`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let err = || format!("`{s}` is not an email address like `no-reply@example.com`");
        let (local, domain) = s.rsplit_once('@').ok_or_else(err)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.');
        if !local_ok {
            return Err(err());
        }
        let domain = DomainName::new(domain).map_err(|_| err())?;
        Ok(EmailAddress(format!("{local}@{domain}")))
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}
validated_string!(
    EmailAddress,
    "an email address (like `no-reply@example.com`)"
);

/// A CloudFront cache behavior path pattern such as `/api/*` or `*.json`:
/// 1 to 255 characters from `A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &`, and
/// not `*` alone (that is the default behavior).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PathPattern(String);

impl PathPattern {
    /// Checks `s`: a `PathPattern`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        if s == "*" || s == "/*" {
            return Err(format!(
                "`{s}` matches every request; that is the default behavior, give a narrower pattern like `/updates/*`"
            ));
        }
        let ok = !s.is_empty()
            && s.len() <= 255
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.*?$/~\"'@:+&".contains(c));
        if ok {
            Ok(PathPattern(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a CloudFront path pattern: 1 to 255 characters from letters, digits and _ - . * ? $ / ~ \" ' @ : + &, like `/updates/*` or `*.json`"
            ))
        }
    }
}
validated_string!(PathPattern, "a CloudFront path pattern (like `/updates/*`)");

/// A DAX node type such as `dax.t3.small` or `dax.r5.large`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DaxNodeType(String);

impl DaxNodeType {
    /// A node type DAX offers in some region (the list in `aws_values.json`).
    pub fn new(s: &str) -> Result<Self, String> {
        known_value(
            s,
            aws_values().dax_node_types,
            "a DAX node type",
            "`dax.t3.small` or `dax.r5.large`",
        )?;
        Ok(DaxNodeType(s.to_string()))
    }
}
validated_string!(DaxNodeType, "a DAX node type (like `dax.t3.small`)");

/// The processor architecture of a Lambda function or an EC2 instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    #[default]
    /// 64-bit ARM (Graviton).
    Arm64,
    #[serde(rename = "x86_64")]
    /// 64-bit x86.
    X86_64,
}

impl Architecture {
    /// `arm64` or `x86_64`, as Lambda names them.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }
}

/// An EC2 instance type such as `t4g.small` or `m7i.large`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct InstanceType(String);

impl InstanceType {
    /// An instance type EC2 offers in some region (the list in `aws_values.json`).
    pub fn new(s: &str) -> Result<Self, String> {
        known_value(
            s,
            aws_values().ec2_instance_types,
            "an EC2 instance type",
            "`t4g.small` or `m7i.large`",
        )?;
        Ok(InstanceType(s.to_string()))
    }

    /// Whether the type runs on AWS Graviton (arm64): the family has a `g`
    /// after its generation number (`t4g`, `c7gn`, `r8g`).
    pub fn is_arm64(&self) -> bool {
        let family = self.0.split('.').next().unwrap_or_default();
        family.find(|c: char| c.is_ascii_digit()).is_some_and(|i| {
            family[i..]
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with('g')
        })
    }
}
validated_string!(InstanceType, "an EC2 instance type (like `t4g.small`)");

/// The regions that offer CloudFront Origin Shield.
pub const ORIGIN_SHIELD_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-2",
];

/// A region where CloudFront offers Origin Shield.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OriginShieldRegion(String);

impl OriginShieldRegion {
    /// Checks `s`: a `OriginShieldRegion`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        Region::new(s)?;
        if ORIGIN_SHIELD_REGIONS.contains(&s) {
            Ok(OriginShieldRegion(s.to_string()))
        } else {
            let hint = crate::config::nearest(s, ORIGIN_SHIELD_REGIONS)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(format!(
                "`{s}` has no CloudFront Origin Shield{hint}; use one of {}",
                ORIGIN_SHIELD_REGIONS.join(", ")
            ))
        }
    }
}
validated_string!(
    OriginShieldRegion,
    "an AWS region with Origin Shield (like `us-east-1`)"
);

/// One line of text for people (an email subject, an event's name): 1 to
/// 200 characters, no line breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TextLine(String);

impl TextLine {
    /// Checks `s`: a `TextLine`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let len = s.chars().count();
        if (1..=200).contains(&len) && !s.chars().any(char::is_control) {
            Ok(TextLine(s.to_string()))
        } else {
            Err(format!(
                "`{s}` must be 1 to 200 characters on one line, without control characters"
            ))
        }
    }
}
validated_string!(TextLine, "a line of text");

/// The name of an SSM parameter such as
/// `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SsmParameterName(String);

impl SsmParameterName {
    /// Checks `s`: a `SsmParameterName`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = s.starts_with('/')
            && s.len() <= 2048
            && !s.contains("//")
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
        if ok {
            Ok(SsmParameterName(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not an SSM parameter name (a path like `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64`)"
            ))
        }
    }
}
validated_string!(
    SsmParameterName,
    "an SSM parameter name (like `/aws/service/...`)"
);

/// An ACM certificate ARN (`arn:aws:acm:<region>:<account>:certificate/<id>`),
/// e.g. of a load balancer's HTTPS listener (in the stack's region).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CertificateArn(String);

impl CertificateArn {
    /// Checks `s`: a `CertificateArn`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "acm"
            && Region::new(parts[3]).is_ok()
            && parts[4].len() == 12
            && parts[4].chars().all(|c| c.is_ascii_digit())
            && parts[5].strip_prefix("certificate/").is_some_and(|id| {
                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if ok {
            Ok(CertificateArn(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not an ACM certificate ARN (like `arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-...`)"
            ))
        }
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region the certificate lives in.
    pub fn region(&self) -> &str {
        self.0.split(':').nth(3).unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for CertificateArn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_text(d, "an ACM certificate ARN", CertificateArn::new)
    }
}
