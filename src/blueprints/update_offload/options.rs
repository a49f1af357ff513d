//! The update-offload blueprint's options and their validation.

use schemars::{json_schema, JsonSchema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use crate::components::edge::{CertificateArn, DomainOptions, PriceClass};
use crate::config::schema::{text, value_schema};
use crate::config::{
    DomainName, InstanceType, OriginShieldRegion, PathPattern, Ranged, SsmParameterName, VpcCidr,
};
use crate::error::Error;

/// The update-offload blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    pub origin: OriginOptions,
    pub demo_origin: DemoOriginOptions,
    pub cache: CacheOptions,
    pub failover: FailoverOptions,
    /// OFFLOAD-3: Origin Shield in this region, or `null`.
    pub origin_shield_region: Option<OriginShieldRegion>,
    pub cdn: CdnOptions,
    /// `null`, or `{name, hosted_zone_id}`.
    pub domain: Option<DomainOptions>,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

/// OFFLOAD-1: the existing origin.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OriginOptions {
    pub domain_name: DomainName,
    pub protocol: OriginProtocol,
    pub http_port: Ranged<1, 65_535>,
    pub https_port: Ranged<1, 65_535>,
    pub path: OriginPath,
    /// `protocol: http-only` sends requests (and any credentials in them)
    /// unencrypted: allowed only with this set, and warned about.
    pub allow_plain_http: bool,
}

impl Default for OriginOptions {
    fn default() -> Self {
        OriginOptions {
            domain_name: DomainName::new("updates-origin.example.com")
                .unwrap_or_else(|_| unreachable!()),
            protocol: OriginProtocol::HttpsOnly,
            http_port: Ranged::of(80),
            https_port: Ranged::of(443),
            path: OriginPath(String::new()),
            allow_plain_http: false,
        }
    }
}

/// How CloudFront talks to the origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OriginProtocol {
    #[default]
    HttpsOnly,
    HttpOnly,
    MatchViewer,
}

impl OriginProtocol {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            OriginProtocol::HttpsOnly => "https-only",
            OriginProtocol::HttpOnly => "http-only",
            OriginProtocol::MatchViewer => "match-viewer",
        }
    }
}

/// A path CloudFront puts before every request to the origin: empty, or
/// `/` and up to 255 characters, not ending in `/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OriginPath(pub(super) String);

impl<'de> Deserialize<'de> for OriginPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.is_empty()
            || (s.starts_with('/')
                && !s.ends_with('/')
                && s.len() <= 255
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c)));
        if ok {
            Ok(OriginPath(s))
        } else {
            Err(D::Error::custom(format!(
                "`{s}` is not an origin path: empty, or starting with `/` and not ending with one, like `/releases`"
            )))
        }
    }
}

value_schema!(
    OriginPath,
    json_schema!({
        "type": "string",
        "description": "A path CloudFront puts before every request to the origin: empty, or `/` and up to 255 characters, not ending in `/`, like `/releases`",
        "pattern": "^$|^/[A-Za-z0-9/_.~-]*[A-Za-z0-9_.~-]$",
        "maxLength": 255,
    })
);

/// OFFLOAD-2: the demo origin.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DemoOriginOptions {
    pub enabled: bool,
    pub vpc_cidr: VpcCidr,
    pub instance_type: InstanceType,
    /// `null`: Amazon Linux 2023 for the instance type's architecture.
    pub ami_parameter: Option<SsmParameterName>,
    pub min_size: Ranged<1, 100>,
    pub max_size: Ranged<1, 100>,
    pub desired_capacity: Ranged<1, 100>,
    pub cpu_target_percent: Ranged<10, 90>,
    pub health_check_path: HealthCheckPath,
    /// How CloudFront talks to the (private) load balancer: `https-only`
    /// (TLS 1.2) or `http-only` (only with `allow_plain_http`).
    pub protocol: DemoProtocol,
    pub allow_plain_http: bool,
    /// The name CloudFront expects on the load balancer's certificate;
    /// `null`: `origin.<domain.name>` (needs `domain`).
    pub domain_name: Option<DomainName>,
    /// An ACM certificate for `domain_name` in the stack's region; `null`:
    /// one the stack creates (DNS-validated in `domain.hosted_zone_id`).
    pub certificate_arn: Option<CertificateArn>,
    /// How update files get onto the instances' (read-only) file system.
    pub publisher: PublisherOptions,
}

/// OFFLOAD-2: publishing update files to the demo origin. A publisher
/// uploads to a private bucket; a function in the VPC copies each created
/// object onto EFS (through an access point of its own, the only writer)
/// and deletes each removed one, so nginx serves them.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PublisherOptions {
    /// The updates bucket and its copying function (on by default with the
    /// demo origin; off: put the files onto EFS yourself).
    pub enabled: bool,
    /// An overwritten or deleted update file stays in the bucket as an old
    /// version this many days.
    pub keep_old_versions_days: Ranged<1, 3_650>,
    pub memory_mb: Ranged<128, 10_240>,
    /// The longest one file may take to copy.
    pub timeout_seconds: Ranged<10, 900>,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            enabled: true,
            keep_old_versions_days: Ranged::of(30),
            memory_mb: Ranged::of(1024),
            timeout_seconds: Ranged::of(900),
        }
    }
}

/// The demo origin's protocol between CloudFront and the load balancer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DemoProtocol {
    #[default]
    HttpsOnly,
    HttpOnly,
}

impl Default for DemoOriginOptions {
    fn default() -> Self {
        DemoOriginOptions {
            enabled: false,
            vpc_cidr: VpcCidr::new("10.0.0.0/16").unwrap_or_else(|_| unreachable!()),
            instance_type: InstanceType::new("t4g.small").unwrap_or_else(|_| unreachable!()),
            ami_parameter: None,
            min_size: Ranged::of(1),
            max_size: Ranged::of(4),
            desired_capacity: Ranged::of(2),
            cpu_target_percent: Ranged::of(60),
            health_check_path: HealthCheckPath("/health".into()),
            protocol: DemoProtocol::HttpsOnly,
            allow_plain_http: false,
            domain_name: None,
            certificate_arn: None,
            publisher: PublisherOptions::default(),
        }
    }
}

/// A health check path: `/` and up to 255 letters, digits and `/_.-` (the
/// demo instances answer 200 there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct HealthCheckPath(pub(super) String);

impl<'de> Deserialize<'de> for HealthCheckPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.starts_with('/')
            && s.len() <= 256
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c));
        if ok {
            Ok(HealthCheckPath(s))
        } else {
            Err(D::Error::custom(format!(
                "`{s}` is not a health check path (like `/health`)"
            )))
        }
    }
}

value_schema!(
    HealthCheckPath,
    text(
        "A health check path, like `/health`",
        "^/[A-Za-z0-9/_.-]*$",
        1,
        256
    )
);

/// OFFLOAD-1: what is cached how long.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CacheOptions {
    pub update_files: UpdateFilesCache,
    pub manifests: ManifestsCache,
}

fn pattern(s: &str) -> PathPattern {
    PathPattern::new(s).unwrap_or_else(|_| unreachable!())
}

impl Default for UpdateFilesCache {
    fn default() -> Self {
        UpdateFilesCache {
            path_patterns: vec![pattern("/updates/*")],
            default_ttl_seconds: Ranged::of(604_800),
            max_ttl_seconds: Ranged::of(31_536_000),
        }
    }
}

impl Default for ManifestsCache {
    fn default() -> Self {
        ManifestsCache {
            path_patterns: vec![pattern("/updates/*.json"), pattern("/updates/*.xml")],
            ttl_seconds: Ranged::of(60),
        }
    }
}

/// The update files: immutable, cached long.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UpdateFilesCache {
    pub path_patterns: Vec<PathPattern>,
    pub default_ttl_seconds: Ranged<1, 31_536_000>,
    pub max_ttl_seconds: Ranged<1, 31_536_000>,
}

/// The manifests (what is the latest version), and every other path:
/// cached briefly so a new release is seen quickly.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ManifestsCache {
    pub path_patterns: Vec<PathPattern>,
    pub ttl_seconds: Ranged<0, 3600>,
}

/// OFFLOAD-3: an origin failover group.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FailoverOptions {
    /// The secondary origin (HTTPS), or `null` for no failover.
    pub secondary_domain_name: Option<DomainName>,
    pub status_codes: Vec<FailoverStatus>,
}

impl Default for FailoverOptions {
    fn default() -> Self {
        FailoverOptions {
            secondary_domain_name: None,
            status_codes: [500, 502, 503, 504]
                .into_iter()
                .map(FailoverStatus)
                .collect(),
        }
    }
}

/// The status codes CloudFront can fail over on.
pub const FAILOVER_CODES: &[u16] = &[400, 403, 404, 416, 500, 502, 503, 504];

/// An HTTP status that triggers failover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FailoverStatus(pub(super) u16);

impl<'de> Deserialize<'de> for FailoverStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u16::deserialize(d)?;
        if FAILOVER_CODES.contains(&n) {
            Ok(FailoverStatus(n))
        } else {
            let list: Vec<String> = FAILOVER_CODES.iter().map(u16::to_string).collect();
            Err(D::Error::custom(format!(
                "{n} is not a status CloudFront fails over on; use some of {}",
                list.join(", ")
            )))
        }
    }
}

value_schema!(
    FailoverStatus,
    json_schema!({
        "type": "integer",
        "description": "An HTTP status CloudFront fails over on",
        "enum": FAILOVER_CODES,
    })
);

/// The distribution.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CdnOptions {
    pub price_class: PriceClass,
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    /// The demo origin's EFS file system.
    pub files: bool,
    /// The demo origin's updates bucket (`demo_origin.publisher`).
    pub updates_bucket: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            files: true,
            updates_bucket: true,
        }
    }
}

pub(super) fn validate(o: &Options) -> Result<(), Error> {
    let c = &o.cache;
    if c.update_files.path_patterns.is_empty() {
        return Err(Error::User(
            "options.cache.update_files.path_patterns: give at least one pattern, like `/updates/*`"
                .into(),
        ));
    }
    if c.update_files.default_ttl_seconds.get() > c.update_files.max_ttl_seconds.get() {
        return Err(Error::User(format!(
            "options.cache.update_files: default_ttl_seconds ({}) is greater than max_ttl_seconds ({})",
            c.update_files.default_ttl_seconds, c.update_files.max_ttl_seconds
        )));
    }
    let mut seen: Vec<&PathPattern> = Vec::new();
    for p in c
        .manifests
        .path_patterns
        .iter()
        .chain(&c.update_files.path_patterns)
    {
        if seen.contains(&p) {
            return Err(Error::User(format!(
                "options.cache: path pattern `{p}` is listed twice; each pattern belongs to one cache"
            )));
        }
        seen.push(p);
    }
    if seen.len() > 24 {
        return Err(Error::User(format!(
            "options.cache: {} path patterns; CloudFront allows 25 cache behaviors per distribution (24 besides the default)",
            seen.len()
        )));
    }
    if !o.demo_origin.enabled
        && o.origin.protocol == OriginProtocol::HttpOnly
        && !o.origin.allow_plain_http
    {
        return Err(Error::User(
            "options.origin.protocol: `http-only` sends every request between CloudFront and the origin unencrypted; use https-only (TLS 1.2), or set options.origin.allow_plain_http: true to accept plain HTTP".into(),
        ));
    }
    let d = &o.demo_origin;
    if d.enabled && d.protocol == DemoProtocol::HttpOnly && !d.allow_plain_http {
        return Err(Error::User(
            "options.demo_origin.protocol: `http-only` sends every request between CloudFront and the load balancer unencrypted; use https-only (TLS 1.2), or set options.demo_origin.allow_plain_http: true to accept plain HTTP".into(),
        ));
    }
    if d.enabled
        && (d.min_size.get() > d.max_size.get()
            || !(d.min_size.get()..=d.max_size.get()).contains(&d.desired_capacity.get()))
    {
        return Err(Error::User(format!(
            "options.demo_origin: need min_size <= desired_capacity <= max_size (have {}, {}, {})",
            d.min_size, d.desired_capacity, d.max_size
        )));
    }
    if let Some(secondary) = &o.failover.secondary_domain_name {
        if !d.enabled && secondary == &o.origin.domain_name {
            return Err(Error::User(format!(
                "options.failover.secondary_domain_name: `{secondary}` is the primary origin too; fail over to another one"
            )));
        }
        if o.failover.status_codes.is_empty() {
            return Err(Error::User(
                "options.failover.status_codes: give at least one status code".into(),
            ));
        }
    }
    Ok(())
}

/// What synth warns about: plain HTTP to an origin, accepted explicitly.
pub(super) fn warnings(o: &Options) -> Vec<String> {
    let mut out = Vec::new();
    if o.demo_origin.enabled && o.demo_origin.protocol == DemoProtocol::HttpOnly {
        out.push("update-offload: options.demo_origin.protocol is http-only (allow_plain_http: true): CloudFront reaches the private load balancer over unencrypted HTTP inside the VPC".to_string());
    }
    if !o.demo_origin.enabled && o.origin.protocol == OriginProtocol::HttpOnly {
        out.push(format!(
            "update-offload: options.origin.protocol is http-only (allow_plain_http: true): CloudFront sends requests to {} unencrypted",
            o.origin.domain_name
        ));
    }
    out
}
