//! Validated configuration values. Each checks itself while it is parsed, so a
//! bad value is reported at its line and column.

use std::fmt;

use indexmap::IndexMap;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use crate::cfn::constructors::RETENTION_DAYS;

mod strings;

pub use strings::{
    Architecture, CertificateArn, DaxNodeType, DomainName, EmailAddress, HostedZoneId,
    InstanceType, OriginShieldRegion, PathPattern, SsmParameterName, TextLine,
    ORIGIN_SHIELD_REGIONS,
};

/// An integer that must lie in `MIN..=MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Ranged<const MIN: u64, const MAX: u64>(u64);

impl<const MIN: u64, const MAX: u64> Ranged<MIN, MAX> {
    /// `n` if it is in range.
    pub fn new(n: u64) -> Result<Self, String> {
        if (MIN..=MAX).contains(&n) {
            Ok(Ranged(n))
        } else {
            Err(format!(
                "expected a whole number from {MIN} to {MAX}, found {n}"
            ))
        }
    }

    /// A value known at compile time to be in range (for defaults).
    pub const fn of(n: u64) -> Self {
        assert!(n >= MIN && n <= MAX);
        Ranged(n)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The value as u32 (every range used in configuration fits).
    pub fn get_u32(self) -> u32 {
        u32::try_from(self.0).unwrap_or(u32::MAX)
    }
}

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for Ranged<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RangedVisitor::<MIN, MAX>)
    }
}

/// Reads any value, so a wrong one is described with the range it must be
/// in (`expected a whole number from 1 to 900, found a list`).
struct RangedVisitor<const MIN: u64, const MAX: u64>;

impl<const MIN: u64, const MAX: u64> serde::de::Visitor<'_> for RangedVisitor<MIN, MAX> {
    type Value = Ranged<MIN, MAX>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number from {MIN} to {MAX}")
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ranged::new(n).map_err(E::custom)
    }
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
        match u64::try_from(n) {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(n), &self)),
        }
    }
}

impl<const MIN: u64, const MAX: u64> fmt::Display for Ranged<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The value sets blueprint.yaml is checked against, generated from cfn-lint's
/// package data by `scripts/gen-aws-values` (the file names its source) and
/// compiled into static tables by build.rs.
pub(super) struct AwsValues {
    pub(super) regions: &'static [&'static str],
    pub(super) ec2_instance_types: &'static [&'static str],
    pub(super) dax_node_types: &'static [&'static str],
}

mod tables {
    include!(concat!(env!("OUT_DIR"), "/aws_values.rs"));
}

pub(super) fn aws_values() -> &'static AwsValues {
    static VALUES: AwsValues = AwsValues {
        regions: tables::REGIONS,
        ec2_instance_types: tables::EC2_INSTANCE_TYPES,
        dax_node_types: tables::DAX_NODE_TYPES,
    };
    &VALUES
}

/// `Ok` when `s` is one of `known`; otherwise an error naming `what` with the
/// nearest known value, if one is close.
fn known_value(s: &str, known: &[&str], what: &str, example: &str) -> Result<(), String> {
    if known.contains(&s) {
        return Ok(());
    }
    match crate::config::nearest(s, known) {
        Some(n) => Err(format!("`{s}` is not {what}; did you mean `{n}`?")),
        None => Err(format!("`{s}` is not {what} (like {example})")),
    }
}

/// Reads a string scalar for a value described as `what` (`a stack name`)
/// and checks it with `check`, refusing null and the empty string with a
/// plain message. Every error is raised while the scalar is read, so it
/// carries the scalar's location and its key's full path.
pub fn deserialize_text<'de, D, T>(
    d: D,
    what: &'static str,
    check: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct Text<T> {
        what: &'static str,
        check: fn(&str) -> Result<T, String>,
    }
    impl<'de, T> serde::de::Visitor<'de> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // As `String` says it, so a list or a mapping here is worded
            // like any other wrong type.
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            if v.is_empty() {
                Err(E::custom(format!(
                    "expected {}, found an empty string",
                    self.what
                )))
            } else {
                (self.check)(v).map_err(E::custom)
            }
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
            Err(E::custom(format!(
                "expected {}, found nothing (null)",
                self.what
            )))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<T, E> {
            self.visit_unit()
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
            Err(E::custom(format!(
                "expected {}, found the number {v} (put text that looks like a number in quotes)",
                self.what
            )))
        }
    }
    d.deserialize_any(Text { what, check })
}

/// A CloudFormation stack name: a letter, then letters, digits and hyphens,
/// at most 128 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct StackName(String);

impl StackName {
    /// Checks `s`: a `StackName`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let rule = "a stack name starts with a letter and contains only letters, digits and hyphens (at most 128 characters)";
        let ok = s.len() <= 128
            && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(StackName(s.to_string()))
        } else {
            Err(format!("`{s}` is not a valid stack name: {rule}"))
        }
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for StackName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_text(
            d,
            "a stack name (a letter, then letters, digits and hyphens)",
            StackName::new,
        )
    }
}

impl fmt::Display for StackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region code such as `eu-west-1` or `us-gov-west-1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Region(String);

impl Region {
    /// A region CloudFormation serves (the list in `aws_values.json`).
    pub fn new(s: &str) -> Result<Self, String> {
        known_value(
            s,
            aws_values().regions,
            "an AWS region code",
            "`us-east-1` or `eu-central-1`",
        )?;
        Ok(Region(s.to_string()))
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_text(d, "an AWS region (like `us-east-1`)", Region::new)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stack tags: at most 50; keys 1-128 characters not starting with `aws:`,
/// values at most 256 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Tags(IndexMap<String, String>);

impl Tags {
    /// Tags from `map`, or why they are not valid (at most 50, no `aws:` keys).
    pub fn new(map: IndexMap<String, String>) -> Result<Self, String> {
        if map.len() > 50 {
            return Err(format!(
                "{} tags given; a stack takes at most 50",
                map.len()
            ));
        }
        for (k, v) in &map {
            if k.is_empty() || k.chars().count() > 128 {
                return Err(format!("tag key `{k}` must be 1 to 128 characters"));
            }
            if k.to_ascii_lowercase().starts_with("aws:") {
                return Err(format!(
                    "tag key `{k}`: the `aws:` prefix is reserved by AWS"
                ));
            }
            if v.chars().count() > 256 {
                return Err(format!(
                    "the value of tag `{k}` is longer than 256 characters"
                ));
            }
        }
        Ok(Tags(map))
    }

    /// The tags, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Option::<TagMap>::deserialize(d)?.unwrap_or_default().0;
        Tags::new(map).map_err(D::Error::custom)
    }
}

/// Tags as written, refusing a null value (a tag value is text; `""` is the
/// empty one) while the mapping is read, so the error is located.
#[derive(Default)]
struct TagMap(IndexMap<String, String>);

impl<'de> Deserialize<'de> for TagMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TagMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of tag keys to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<TagMap, A::Error> {
                let mut tags = IndexMap::new();
                while let Some(k) = m.next_key::<String>()? {
                    match m.next_value::<Option<String>>()? {
                        Some(v) => tags.insert(k, v),
                        None => {
                            return Err(A::Error::custom(format!(
                                "tags.{k}: expected a tag value (text; write `\"\"` for an empty one), found nothing (null)"
                            )))
                        }
                    };
                }
                Ok(TagMap(tags))
            }
        }
        d.deserialize_map(V)
    }
}

/// A CloudWatch Logs retention period: one of the values the service accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RetentionDays(u32);

impl RetentionDays {
    /// Checks `n`: a `RetentionDays`, or why it is not one, in plain words.
    pub fn new(n: u32) -> Result<Self, String> {
        if RETENTION_DAYS.contains(&n) {
            Ok(RetentionDays(n))
        } else {
            let list: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
            Err(format!(
                "{n} is not a retention period CloudWatch Logs accepts; use one of {}",
                list.join(", ")
            ))
        }
    }

    /// The days.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for RetentionDays {
    fn default() -> Self {
        RetentionDays(30)
    }
}

impl<'de> Deserialize<'de> for RetentionDays {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        RetentionDays::new(n).map_err(D::Error::custom)
    }
}

/// A name made of letters, digits, `_` and `-` (API stage names, group names),
/// 1 to 128 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    /// Checks `s`: a `Name`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(Name(s.to_string()))
        } else {
            Err(format!(
                "`{s}` must be 1 to 128 letters, digits, `_` or `-`"
            ))
        }
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_text(d, "a name (letters, digits, `_` or `-`)", Name::new)
    }
}

/// An IPv4 CIDR block with a prefix between /16 and /24 (what a VPC takes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct VpcCidr(String);

impl VpcCidr {
    /// Checks `s`: a `VpcCidr`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let err =
            || format!("`{s}` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)");
        let (octets, prefix) = parse_cidr(s).ok_or_else(err)?;
        if !(16..=24).contains(&prefix) {
            return Err(err());
        }
        let ip = u32::from_be_bytes([octets[0], octets[1], octets[2], octets[3]]);
        if ip & (u32::MAX >> prefix) != 0 {
            return Err(format!(
                "`{s}` has host bits set; the network address for /{prefix} is different"
            ));
        }
        Ok(VpcCidr(s.to_string()))
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.0
            .split_once('/')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(16)
    }
}

impl<'de> Deserialize<'de> for VpcCidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_text(d, "an IPv4 CIDR block (like `10.0.0.0/16`)", VpcCidr::new)
    }
}

/// A number written the strict way: decimal digits only, no sign, no leading
/// zero (`0` itself excepted), at most `max`.
fn strict_number(s: &str, max: u32) -> Option<u32> {
    let plain = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    plain
        .then(|| s.parse().ok())
        .flatten()
        .filter(|n| *n <= max)
}

/// `a.b.c.d/p` with four decimal octets 0-255 and a prefix 0-32, none with a
/// sign or a leading zero.
fn parse_cidr(s: &str) -> Option<([u8; 4], u8)> {
    let (addr, prefix) = s.split_once('/')?;
    let prefix = u8::try_from(strict_number(prefix, 32)?).ok()?;
    let parts: Vec<&str> = addr.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(parts) {
        *o = u8::try_from(strict_number(p, 255)?).ok()?;
    }
    Some((octets, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranged_bounds() {
        assert!(Ranged::<1, 10>::new(1).is_ok());
        assert!(Ranged::<1, 10>::new(10).is_ok());
        assert_eq!(
            Ranged::<1, 10>::new(11).unwrap_err(),
            "expected a whole number from 1 to 10, found 11"
        );
    }

    #[test]
    fn stack_names() {
        assert!(StackName::new("my-todo-2").is_ok());
        assert!(StackName::new("2todo").is_err());
        assert!(StackName::new("todo_app").is_err());
        assert!(StackName::new(&"a".repeat(129)).is_err());
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "eu-central-1",
        ] {
            assert!(Region::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "us--1",
            "u-east-1",
            "us-east-7",
            "mars-1",
        ] {
            assert!(Region::new(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Region::new("eu-wset-1").unwrap_err(),
            "`eu-wset-1` is not an AWS region code; did you mean `eu-west-1`?"
        );
        // The data file is read and has what the blueprints use.
        assert!(aws_values().regions.len() > 30);
        assert!(InstanceType::new("t99.small").is_err());
        assert!(DaxNodeType::new("dax.t3.small").is_ok());
        assert!(DaxNodeType::new("dax.z9.large").is_err());
    }

    #[test]
    fn tags() {
        let mut m = IndexMap::new();
        m.insert("aws:x".to_string(), "v".to_string());
        assert!(Tags::new(m).unwrap_err().contains("reserved"));
    }

    #[test]
    fn cidrs() {
        assert_eq!(VpcCidr::new("10.0.0.0/16").unwrap().prefix(), 16);
        assert!(VpcCidr::new("10.0.0.1/16")
            .unwrap_err()
            .contains("host bits"));
        assert!(VpcCidr::new("10.0.0.0/8").is_err());
        assert!(VpcCidr::new("10.0.0/16").is_err());
        for bad in [
            "+10.0.0.0/+16",
            "010.0.0.0/16",
            "10.0.0.0/016",
            "10.0.0.0/+16",
            "10.0.0.0/ 16",
            "10.256.0.0/16",
            "10.0.0.0.0/16",
            "10.0.0.0/",
            "/16",
            "10.0.0.0/99999999999",
        ] {
            assert!(VpcCidr::new(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_cidr("0.0.0.0/0"), Some(([0, 0, 0, 0], 0)));
        assert_eq!(parse_cidr("255.255.255.255/32"), Some(([255; 4], 32)));
        assert_eq!(parse_cidr("1.2.3.4/33"), None);
    }

    #[test]
    fn retention() {
        assert!(RetentionDays::new(30).is_ok());
        assert!(RetentionDays::new(31).is_err());
    }

    #[test]
    fn domain_names() {
        assert_eq!(
            DomainName::new("Blog.Example.com").unwrap().as_str(),
            "blog.example.com"
        );
        assert!(DomainName::new("my-alb-123.us-east-1.elb.amazonaws.com").is_ok());
        for bad in [
            "example",
            "https://example.com",
            "-a.example.com",
            "a..com",
            "example.com.",
            "a.123",
            "a_b.com",
        ] {
            assert!(DomainName::new(bad).is_err(), "{bad}");
        }
        assert!(HostedZoneId::new("Z0123456789ABCDEFGHIJ").is_ok());
        assert!(HostedZoneId::new("z123").is_err());
        assert_eq!(
            EmailAddress::new("no-reply@Example.com").unwrap().domain(),
            "example.com"
        );
        assert!(EmailAddress::new("no-reply").is_err());
        assert!(EmailAddress::new("a b@example.com").is_err());
    }

    #[test]
    fn path_patterns_and_instance_types() {
        assert!(PathPattern::new("/updates/*").is_ok());
        assert!(PathPattern::new("*.json").is_ok());
        assert!(PathPattern::new("*")
            .unwrap_err()
            .contains("default behavior"));
        assert!(PathPattern::new("/a b").is_err());
        assert!(PathPattern::new(&"a".repeat(256)).is_err());
        assert!(InstanceType::new("t4g.small").unwrap().is_arm64());
        assert!(InstanceType::new("c7gn.large").unwrap().is_arm64());
        assert!(!InstanceType::new("m7i.large").unwrap().is_arm64());
        assert!(!InstanceType::new("t3.micro").unwrap().is_arm64());
        assert!(InstanceType::new("large").is_err());
        assert!(OriginShieldRegion::new("eu-west-1").is_ok());
        assert!(OriginShieldRegion::new("eu-west-3")
            .unwrap_err()
            .contains("eu-west-1"));
        assert!(SsmParameterName::new("/aws/service/x").is_ok());
        assert!(SsmParameterName::new("aws/x").is_err());
        assert!(DaxNodeType::new("dax.r5.large").is_ok());
        assert!(DaxNodeType::new("r5.large").is_err());
        assert!(TextLine::new("서버리스 컨퍼런스").is_ok());
        assert!(TextLine::new("").is_err());
        assert!(TextLine::new("a\nb").is_err());
        assert!(TextLine::new("a\u{0}b").is_err());
    }
}
