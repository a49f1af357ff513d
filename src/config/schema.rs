//! The JSON Schema of the values blueprint.yaml checks itself (`blueprint
//! schema`): each validated value type states what its parser accepts
//! (patterns, lengths, ranges, the known values) so an editor can complete
//! and check the file as it is written. The structs and enums of the options
//! derive theirs (`schemars`); these are the values with a parser of their
//! own.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

/// A string value: its description, a pattern (ECMA-262, as JSON Schema
/// has them) and its length in characters.
pub(crate) fn text(description: &str, pattern: &str, min: u64, max: u64) -> Schema {
    json_schema!({
        "type": "string",
        "description": description,
        "pattern": pattern,
        "minLength": min,
        "maxLength": max,
    })
}

/// A string that is one of `known`, in their order.
pub(crate) fn one_of<S: AsRef<str>>(description: &str, known: &[S]) -> Schema {
    let known: Vec<Value> = known
        .iter()
        .map(|k| Value::String(k.as_ref().to_string()))
        .collect();
    json_schema!({
        "type": "string",
        "description": description,
        "enum": known,
    })
}

/// Implements [`JsonSchema`] for a value type with the schema `$schema`
/// (an expression), inlined where it is used: it is a rule on one value, not
/// a definition worth naming.
/// `value_schema!(T, |g| ...)` gives the expression the generator, for the
/// schemas of what the value holds.
macro_rules! value_schema {
    ($ty:ty, |$g:ident| $schema:expr) => {
        impl schemars::JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }
            fn json_schema($g: &mut schemars::SchemaGenerator) -> schemars::Schema {
                $schema
            }
        }
    };
    ($ty:ty, $schema:expr) => {
        $crate::config::schema::value_schema!($ty, |_g| $schema);
    };
}
pub(crate) use value_schema;

/// A whole number in `MIN..=MAX`.
impl<const MIN: u64, const MAX: u64> JsonSchema for super::Ranged<MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Ranged_{MIN}_{MAX}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": MIN,
            "maximum": MAX,
        })
    }
}

/// A DNS label: letters, digits and hyphens, not starting or ending with a
/// hyphen, at most 63 characters.
const LABEL: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

/// A character of an email address's local part other than `.`.
const LOCAL: &str = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";

/// A fully qualified domain name's pattern (the last label has a letter).
fn domain_pattern() -> String {
    format!("({LABEL}\\.)+(?=[0-9-]*[A-Za-z]){LABEL}")
}

use super::values::{
    aws_values, CertificateArn, DaxNodeType, DomainName, EmailAddress, HostedZoneId, InstanceType,
    Name, OriginShieldRegion, PathPattern, Region, RetentionDays, SsmParameterName, StackName,
    Tags, TextLine, VpcCidr, ORIGIN_SHIELD_REGIONS,
};

value_schema!(
    StackName,
    text(
        "A CloudFormation stack name: a letter, then letters, digits and hyphens",
        "^[A-Za-z][A-Za-z0-9-]*$",
        1,
        128
    )
);
value_schema!(Region, one_of("An AWS region code", aws_values().regions));
value_schema!(
    Name,
    text(
        "A name of letters, digits, `_` and `-`",
        "^[A-Za-z0-9_-]+$",
        1,
        128
    )
);
value_schema!(
    VpcCidr,
    text(
        "An IPv4 CIDR block from /16 to /24 with no host bits set, like `10.0.0.0/16`",
        "^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}/(1[6-9]|2[0-4])$",
        9,
        18
    )
);
value_schema!(
    DomainName,
    text(
        "A domain name of at least two labels, like `blog.example.com` (no scheme, path or trailing dot)",
        &format!("^{}$", domain_pattern()),
        3,
        253
    )
);
value_schema!(
    HostedZoneId,
    text(
        "A Route 53 hosted zone ID, like `Z0123456789ABCDEFGHIJ`",
        "^Z[A-Z0-9]+$",
        2,
        32
    )
);
value_schema!(
    EmailAddress,
    text(
        "An email address, like `no-reply@example.com`",
        &format!(
            "^{LOCAL}((\\.|{LOCAL}){{0,62}}{LOCAL})?@{}$",
            domain_pattern()
        ),
        5,
        318
    )
);
value_schema!(PathPattern, {
    let mut s = text(
        "A CloudFront path pattern, like `/updates/*` or `*.json` (not `*` or `/*`: that is the default behavior)",
        "^[A-Za-z0-9_.*?$/~\"'@:+&-]+$",
        1,
        255,
    );
    s.insert("not".into(), json_schema!({"enum": ["*", "/*"]}).to_value());
    s
});
value_schema!(
    DaxNodeType,
    one_of("A DAX node type", aws_values().dax_node_types)
);
value_schema!(
    InstanceType,
    one_of("An EC2 instance type", aws_values().ec2_instance_types)
);
value_schema!(
    OriginShieldRegion,
    one_of(
        "A region where CloudFront offers Origin Shield",
        ORIGIN_SHIELD_REGIONS
    )
);
value_schema!(
    TextLine,
    text(
        "One line of text, without control characters",
        "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
        1,
        200
    )
);
value_schema!(
    SsmParameterName,
    text(
        "An SSM parameter name: a path like `/aws/service/...`",
        "^(?!.*//)/[A-Za-z0-9_./-]*$",
        1,
        2048
    )
);
value_schema!(
    CertificateArn,
    text(
        "An ACM certificate ARN, like `arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-...`",
        "^arn:aws[a-z-]*:acm:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:certificate/[A-Za-z0-9-]+$",
        1,
        2048
    )
);
value_schema!(RetentionDays, {
    json_schema!({
        "type": "integer",
        "description": "Days CloudWatch Logs keeps the log events: one of the periods it accepts",
        "enum": crate::cfn::constructors::RETENTION_DAYS,
    })
});
value_schema!(
    Tags,
    json_schema!({
        "type": ["object", "null"],
        "description": "At most 50 tags; keys of 1 to 128 characters not starting with `aws:`, values of at most 256",
        "maxProperties": 50,
        "propertyNames": {
            "minLength": 1,
            "maxLength": 128,
            "not": {"pattern": "^[Aa][Ww][Ss]:"},
        },
        "additionalProperties": {"type": "string", "maxLength": 256},
    })
);
