//! `update-offload`: software-update distribution (OFFLOAD-1 to OFFLOAD-3).
//!
//! CloudFront in front of an application that ships update files: by default
//! an existing origin the user names (a domain or a load balancer's DNS
//! name), with long TTLs for the update files and short ones for the
//! manifests that point at them. Options: create the demo origin (VPC with
//! public and private subnets in two zones, an internal Application Load
//! Balancer with health checks that CloudFront reaches through a VPC origin
//! over HTTPS, an Auto Scaling group from a launch template, EFS for the
//! files), Origin Shield, and an origin failover group. Plain HTTP to any
//! origin takes an explicit `allow_plain_http: true` and a warning.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::{Blueprint, Expansion, ProjectInfo, Requirement};
use crate::cfn::resources::ec2::VpcEndpointType;
use crate::components::edge::{self, CertificateArn, DomainOptions, PriceClass};
use indexmap::IndexMap;

use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::resources::cloudfront::{VpcOrigin, VpcOriginEndpointConfig};
use crate::cfn::resources::ec2::{EgressRule, SecurityGroup, VpcEndpoint};
use crate::cfn::resources::lambda::{FileSystemConfig, VpcConfig};
use crate::cfn::resources::s3::{LambdaConfiguration, NotificationConfiguration};
use crate::cfn::resources::Tag;
use crate::cfn::template::ParameterType;
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::components::bucket::PrivateBucket;
use crate::components::cdn::{
    stack_unique_name, BehaviorSpec, CacheSettings, Cdn, FailoverGroup, Methods, OriginKind,
    OriginSpec, ViewerDomain, ORIGIN_TLS,
};
use crate::components::custom_domain::CustomDomain;
use crate::components::function::{network_interface_statements, LambdaFunction};
use crate::components::function_triggers::{
    add_failure_queue, allow_invoke, send_to_queue_statement, AsyncFailures,
};
use crate::components::public_network::{PublicNetwork, PublicNetworkIds};
use crate::components::web_fleet::{FilesWriter, FleetTls, WebFleet, WebFleetIds};
use crate::components::with_stack_uuid;
use crate::config::{
    Architecture, DomainName, InstanceType, OriginShieldRegion, PathPattern, Ranged, RetentionDays,
    SsmParameterName, VpcCidr,
};
use crate::error::Error;

/// The `update-offload` blueprint (see the module's documentation).
pub struct UpdateOffload;

impl Blueprint for UpdateOffload {
    type Options = Options;

    const NAME: &'static str = "update-offload";
    const SUMMARY: &'static str =
        "Software-update distribution: CloudFront in front of an existing origin (or a demo EC2 + ALB + EFS origin), long TTLs for update files, Origin Shield and failover options";

    /// What a new project's README asks to set up before the first deploy.
    const BEFORE_DEPLOY: &'static [&'static str] = &[
        "Point `options.origin.domain_name` at the server that holds your update files (a domain, or your load balancer's DNS name), reachable over HTTPS with TLS 1.2 or newer; or set `options.demo_origin.enabled: true` for a demo origin in this stack.",
    ];

    /// What a new project's README says about publishing update files to the
    /// demo origin (`demo_origin.publisher`).
    const AFTER_DEPLOY: &'static str = r#"## Publish update files (demo origin)

With `options.demo_origin.enabled: true` the stack has an updates bucket (the
output `UpdatesBucketName`). Upload the files there: each object created in
it is copied onto the origin's EFS file system under its key shortly after
the upload (an S3 event invokes the publisher function; it writes to a
temporary name, then renames, so nginx never serves half a file), and each object removed is deleted there.
The key is the URL path: `updates/app-1.2.0.zip` is served at
`https://<UpdatesUrl>/updates/app-1.2.0.zip`.

```sh
out() { aws cloudformation describe-stacks --stack-name {stack_name} --region {region} \
  --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }
bucket=$(out UpdatesBucketName)

# One file:
aws s3 cp ./app-1.2.0.zip "s3://$bucket/updates/app-1.2.0.zip" --region {region}
# A release tree (./site/updates/... → /updates/...): the files first, then
# the manifests that point at them; --delete also removes what is gone locally.
aws s3 sync ./site "s3://$bucket/" --region {region} --exclude "*.json" --exclude "*.xml"
aws s3 sync ./site "s3://$bucket/" --region {region} --delete
# Remove a file (the bucket keeps it as an old version for
# demo_origin.publisher.keep_old_versions_days, 30 by default):
aws s3 rm "s3://$bucket/updates/app-1.1.0.zip" --region {region}
```

How long until CloudFront serves it: a path the edge has not cached yet is
fetched from the origin at once (a 404 it fetched before the file was there
is kept up to 10 seconds). A cached file stays until its TTL ends: manifests
(`cache.manifests.path_patterns`, `/updates/*.json` and `/updates/*.xml`)
60 seconds by default, update files (`/updates/*`) 7 days
(`cache.update_files.default_ttl_seconds`: nginx sends no Cache-Control).
So publish new versions under new names and change only the manifests; to
replace or remove a cached file sooner, invalidate it:

```sh
aws cloudfront create-invalidation --distribution-id "$(out CdnDistributionId)" \
  --paths "/updates/app-1.1.0.zip"
```

Keys that would leave the files' folder (`..`, absolute, NUL) are refused.
Events the publisher still failed on after two retries wait in the queue
`PublisherFailuresQueueUrl` (14 days), with the reason in the function's log
group; uploading the object again retries it.
"#;

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "OFFLOAD-1", text: "An existing application on EC2 ships update files; cut its cost: CloudFront in front of the existing origin (a domain name or ALB), long TTLs for the static update files" },
        Requirement { id: "OFFLOAD-2", text: "Scale without growing the fleet: the edge serves the files; option to create the demo origin (VPC, ALB, Auto Scaling group with a launch template, EFS for the files)" },
        Requirement { id: "OFFLOAD-3", text: "Availability: origin failover group or Origin Shield as options; health checks on the ALB" },
    ];

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// The update-offload blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OriginProtocol {
    #[default]
    HttpsOnly,
    HttpOnly,
    MatchViewer,
}

impl OriginProtocol {
    fn as_str(self) -> &'static str {
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
pub struct OriginPath(String);

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

/// OFFLOAD-2: the demo origin.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
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
pub struct HealthCheckPath(String);

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

/// OFFLOAD-1: what is cached how long.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpdateFilesCache {
    pub path_patterns: Vec<PathPattern>,
    pub default_ttl_seconds: Ranged<1, 31_536_000>,
    pub max_ttl_seconds: Ranged<1, 31_536_000>,
}

/// The manifests (what is the latest version), and every other path:
/// cached briefly so a new release is seen quickly.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManifestsCache {
    pub path_patterns: Vec<PathPattern>,
    pub ttl_seconds: Ranged<0, 3600>,
}

/// OFFLOAD-3: an origin failover group.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
pub struct FailoverStatus(u16);

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

/// The distribution.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CdnOptions {
    pub price_class: PriceClass,
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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

/// The public SSM parameters of the latest Amazon Linux 2023 AMIs.
const AL2023_ARM64: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
const AL2023_X86_64: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

fn validate(o: &Options) -> Result<(), Error> {
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
fn warnings(o: &Options) -> Vec<String> {
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

/// The TLS leg between CloudFront and the demo origin's load balancer: the
/// name CloudFront checks and the certificate that carries it (given, or
/// created and DNS-validated in the custom domain's hosted zone).
fn demo_tls(project: &ProjectInfo, o: &Options, t: &mut Template) -> Result<FleetTls, Error> {
    let d = &o.demo_origin;
    let name = match (&d.domain_name, &o.domain) {
        (Some(n), _) => n.clone(),
        (None, Some(domain)) => DomainName::new(&format!("origin.{}", domain.name))
            .map_err(|e| Error::User(format!("options.demo_origin.domain_name: {e}")))?,
        (None, None) => {
            return Err(Error::User(
                "options.demo_origin: HTTPS from CloudFront to the private load balancer needs a name on a certificate: set options.domain (the origin is then origin.<domain.name>, with a certificate the stack creates), or options.demo_origin.domain_name and certificate_arn; or choose protocol: http-only with allow_plain_http: true".into(),
            ))
        }
    };
    let certificate_arn: Value<String> = match (&d.certificate_arn, &o.domain) {
        (Some(arn), _) => {
            if arn.region() != project.region.as_str() {
                return Err(Error::User(format!(
                    "options.demo_origin.certificate_arn: the certificate is in {}, the load balancer in {}; a load balancer uses certificates of its own region",
                    arn.region(),
                    project.region
                )));
            }
            arn.as_str().into()
        }
        (None, Some(domain)) => CustomDomain {
            name: &name,
            hosted_zone_id: &domain.hosted_zone_id,
            requirements: &["OFFLOAD-2"],
        }
        .add_certificate(t, "OriginCertificate")?
        .r#ref(),
        (None, None) => {
            return Err(Error::User(format!(
                "options.demo_origin.certificate_arn: give the ACM certificate for {name} in {} (or set options.domain so the stack creates one)",
                project.region
            )))
        }
    };
    Ok(FleetTls {
        domain_name: name.to_string(),
        certificate_arn,
    })
}

/// CloudFront's private way into the load balancer.
fn add_vpc_origin(
    t: &mut Template,
    load_balancer: &LogicalId,
    https: bool,
) -> Result<LogicalId, Error> {
    Ok(t.add(
        "OriginVpcOrigin",
        VpcOrigin {
            tags: None,
            vpc_origin_endpoint_config: VpcOriginEndpointConfig {
                arn: load_balancer.r#ref(),
                http_port: Some(80),
                https_port: Some(443),
                name: stack_unique_name("origin"),
                origin_protocol_policy: if https { "https-only" } else { "http-only" }.into(),
                origin_ssl_protocols: https.then(|| vec![ORIGIN_TLS.to_string()]),
            },
        },
    )?
    .satisfies(&["OFFLOAD-2"])
    .id()
    .clone())
}

/// The updates bucket's name prefix (the stack's UUID follows).
const UPDATES_BUCKET_PREFIX: &str = "update-files";

/// Where the publisher mounts the files (Lambda wants a path under `/mnt/`).
pub const PUBLISHER_MOUNT: &str = "/mnt/files";

/// OFFLOAD-2: the way update files reach the demo origin. A private,
/// versioned bucket the publisher uploads to (its name is explicit, so the
/// function's role and invoke permission can name it before it exists),
/// whose object-created and object-removed events invoke a function in the
/// VPC's private subnets that copies (or deletes) the file on EFS through an
/// access point of its own: the only writer; the instances keep mounting
/// read-only. S3 is reached through a gateway endpoint on the private route
/// table (not the NAT gateway); events the function keeps failing on go to
/// a queue.
#[allow(clippy::too_many_arguments)]
fn add_publisher(
    t: &mut Template,
    p: &PublisherOptions,
    retain_bucket: bool,
    vpc_cidr: &str,
    network: &PublicNetworkIds,
    fleet_name: &str,
    fleet: &WebFleetIds,
    code: &CodeSource,
) -> Result<Package, Error> {
    let req: &[&str] = &["OFFLOAD-2"];
    let assets = edge::assets_parameter(t)?;
    let package = code.package_for("publisher", Architecture::Arm64)?;
    let bucket_name = with_stack_uuid(format!("{UPDATES_BUCKET_PREFIX}-${{StackUuid}}"));
    let bucket_arn_text =
        format!("arn:${{AWS::Partition}}:s3:::{UPDATES_BUCKET_PREFIX}-${{StackUuid}}");

    // S3 without the NAT gateway: a gateway endpoint on the private subnets'
    // route table (the instances' S3 traffic, package repositories
    // included, takes it too).
    t.add(
        "NetworkS3Endpoint",
        VpcEndpoint {
            policy_document: None,
            private_dns_enabled: None,
            route_table_ids: Some(vec![network.private_route_table.r#ref()].into()),
            security_group_ids: None,
            subnet_ids: None,
            service_name: Some(sub("com.amazonaws.${AWS::Region}.s3").into()),
            vpc_endpoint_type: Some(VpcEndpointType::Gateway.into()),
            ..VpcEndpoint::new(network.vpc.r#ref())
        },
    )?
    .satisfies(req);
    let group_description = "The update files publisher function: HTTPS to S3 (through the gateway endpoint) and NFS to EFS, nothing in";
    let sg = t
        .add(
            "PublisherSecurityGroup",
            SecurityGroup {
                security_group_egress: Some(
                    vec![
                        EgressRule {
                            cidr_ip: Some("0.0.0.0/0".into()),
                            description: Some("HTTPS: S3, through the gateway endpoint".into()),
                            from_port: Some(443.into()),
                            to_port: Some(443.into()),
                            ..EgressRule::new("tcp")
                        },
                        EgressRule {
                            cidr_ip: Some(vpc_cidr.to_string().into()),
                            description: Some("NFS (TLS) to the EFS mount targets".into()),
                            from_port: Some(2049.into()),
                            to_port: Some(2049.into()),
                            ..EgressRule::new("tcp")
                        },
                    ]
                    .into(),
                ),
                tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-publisher"))].into()),
                vpc_id: Some(network.vpc.r#ref()),
                ..SecurityGroup::new(group_description)
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let access_point = FilesWriter {
        name: "Publisher",
        security_group: &sg,
        requirements: req,
    }
    .add_to(t, fleet_name, fleet)?;

    let failures = add_failure_queue(t, "PublisherFailures", req)?;
    let mut statements = vec![
        Statement::allow(
            &["s3:GetObject"],
            vec![with_stack_uuid(format!("{bucket_arn_text}/*"))],
        )
        .sid("ReadUpdateFiles"),
        // Without it a removed key answers 403 instead of 404, and the
        // function could not tell "deleted" from "forbidden".
        Statement::allow(
            &["s3:ListBucket"],
            vec![with_stack_uuid(bucket_arn_text.clone())],
        )
        .sid("TellRemovedKeys"),
        Statement::allow(
            &[
                "elasticfilesystem:ClientMount",
                "elasticfilesystem:ClientWrite",
            ],
            vec![fleet.file_system.get_att("Arn")],
        )
        .sid("WriteFilesThroughOwnAccessPoint")
        .condition(
            "StringEquals",
            "elasticfilesystem:AccessPointArn",
            vec![access_point.get_att("Arn")],
        ),
        send_to_queue_statement(&failures, "KeepFailedEvents"),
    ];
    statements.extend(network_interface_statements());
    let mut env = IndexMap::new();
    env.insert("BUCKET_NAME".to_string(), bucket_name.clone());
    env.insert("FILES_ROOT".to_string(), PUBLISHER_MOUNT.into());
    let function = LambdaFunction {
        name: "Publisher",
        description: "Copies each update file created in the updates bucket onto the demo origin's EFS (and deletes removed ones)",
        package: &package,
        assets_bucket: &assets,
        handler: "handler.handler",
        memory_mb: p.memory_mb.get_u32(),
        timeout_s: p.timeout_seconds.get_u32(),
        architecture: Architecture::Arm64.as_str(),
        environment: env,
        statements,
        managed_policies: Vec::new(),
        log_retention_days: RetentionDays::default().get(),
        vpc: Some(VpcConfig {
            security_group_ids: Some(vec![sg.get_att("GroupId")].into()),
            subnet_ids: Some(
                network
                    .private_subnets
                    .iter()
                    .map(LogicalId::r#ref)
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ..Default::default()
        }),
        requirements: req,
    }
    .add_to(t)?
    .function;
    let mounts = serde_json::to_value(vec![FileSystemConfig::new(
        access_point.get_att("Arn"),
        PUBLISHER_MOUNT,
    )])
    .map_err(|e| Error::Internal(format!("FileSystemConfigs: {e}")))?;
    let r = t
        .resource_mut(function.as_str())
        .ok_or_else(|| Error::Internal("the publisher function is missing".into()))?;
    r.properties_json_mut()
        .insert("FileSystemConfigs".into(), mounts);
    r.accepts_risk(
        "CKV_AWS_115",
        "draws on the account's unreserved concurrency: S3 invokes it asynchronously, so a throttled event waits and is retried for up to 6 hours, then kept in PublisherFailures (update-offload has no options.lambda to reserve concurrency)",
    );
    // Lambda mounts the file system when the function is created: the mount
    // targets must exist by then.
    for m in &fleet.files_mount_targets {
        r.depends_on(m);
    }

    AsyncFailures {
        id: "PublisherAsyncFailures",
        function: &function,
        max_retries: 2,
        max_event_age_s: 21_600,
        on_failure: &failures,
        requirements: req,
    }
    .add_to(t)?;
    let permission = allow_invoke(
        t,
        "PublisherInvokedByUpdatesBucket",
        &function,
        "s3.amazonaws.com",
        with_stack_uuid(bucket_arn_text),
        true,
        req,
    )?;
    let lambda_on = |event: &str| LambdaConfiguration {
        event: event.into(),
        filter: None,
        function: function.get_att("Arn"),
    };
    let bucket = PrivateBucket {
        id: "UpdatesBucket",
        noncurrent_version_days: Some(p.keep_old_versions_days.get_u32()),
        retain: retain_bucket,
        requirements: req,
        bucket_name: Some(bucket_name),
        notifications: Some(NotificationConfiguration {
            lambda_configurations: Some(
                vec![
                    lambda_on("s3:ObjectCreated:*"),
                    lambda_on("s3:ObjectRemoved:*"),
                ]
                .into(),
            ),
            ..Default::default()
        }),
        depends_on: vec![permission],
        ..Default::default()
    }
    .add_to(t)?;
    t.output(
        "UpdatesBucketName",
        "Publish update files here (aws s3 sync ./site s3://BUCKET/): each object is copied onto the demo origin under its key",
        bucket.r#ref(),
        None,
    )?;
    t.output(
        "PublisherFailuresQueueUrl",
        "Bucket events the publisher failed on after its retries",
        failures.r#ref(),
        None,
    )?;
    Ok(package)
}

/// Expands the update-offload blueprint into its stack(s).
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    validate(o)?;
    let mut t = Template::new(format!(
        "blueprint update-offload: CloudFront in front of the update origin (stack {})",
        project.stack_name
    ));
    t.warnings = warnings(o);
    let certificate = match &o.domain {
        Some(d) => Some(edge::certificate(project, &mut t, d, &["OFFLOAD-1"])?),
        None => None,
    };
    let shield = o.origin_shield_region.as_ref().map(|r| r.as_str());
    let mut packages = Vec::new();
    let mut cdn_requirements = vec!["OFFLOAD-1", "OFFLOAD-2"];
    if shield.is_some() || o.failover.secondary_domain_name.is_some() {
        cdn_requirements.push("OFFLOAD-3");
    }

    // The primary origin: the demo fleet's private load balancer (through a
    // VPC origin), or the user's.
    let primary_kind = if o.demo_origin.enabled {
        let d = &o.demo_origin;
        let tls = match d.protocol {
            DemoProtocol::HttpsOnly => Some(demo_tls(project, o, &mut t)?),
            DemoProtocol::HttpOnly => None,
        };
        let default_ami = if d.instance_type.is_arm64() {
            AL2023_ARM64
        } else {
            AL2023_X86_64
        };
        let image = t.parameter(
            "ImageId",
            Parameter {
                kind: ParameterType::SsmImageId,
                default: Some(serde_json::Value::String(
                    d.ami_parameter
                        .as_ref()
                        .map_or(default_ami, SsmParameterName::as_str)
                        .to_string(),
                )),
                ..Parameter::string(
                    "The SSM parameter holding the origin instances' AMI (the latest Amazon Linux 2023 by default)",
                )
            },
        )?;
        let network = PublicNetwork {
            name: "Network",
            cidr: &d.vpc_cidr,
            requirements: &["OFFLOAD-2"],
        }
        .add_to(&mut t)?;
        let fleet = WebFleet {
            name: "Origin",
            network: &network,
            vpc_cidr: d.vpc_cidr.as_str(),
            image_parameter: &image,
            instance_type: d.instance_type.as_str(),
            min_size: d.min_size.get_u32(),
            max_size: d.max_size.get_u32(),
            desired: d.desired_capacity.get_u32(),
            cpu_target: d.cpu_target_percent.get_u32(),
            health_check_path: &d.health_check_path.0,
            tls: tls.as_ref(),
            retain_files: o.retain.files,
            requirements: &["OFFLOAD-2"],
            health_requirements: &["OFFLOAD-3"],
        }
        .add_to(&mut t)?;
        t.output(
            "OriginLoadBalancerDnsName",
            "The demo origin's internal load balancer (reachable only inside the VPC; CloudFront comes in through the VPC origin)",
            fleet.load_balancer.get_att("DNSName"),
            None,
        )?;
        let vpc_origin = add_vpc_origin(&mut t, &fleet.load_balancer, tls.is_some())?;
        if d.publisher.enabled {
            packages.push(add_publisher(
                &mut t,
                &d.publisher,
                o.retain.updates_bucket,
                d.vpc_cidr.as_str(),
                &network,
                "Origin",
                &fleet,
                code,
            )?);
        }
        t.output(
            "FilesFileSystemId",
            "The EFS file system with the update files (mounted read-only on the instances)",
            fleet.file_system.r#ref(),
            None,
        )?;
        OriginKind::Vpc {
            vpc_origin,
            // Over HTTPS, CloudFront checks this name on the certificate.
            domain: match &tls {
                Some(tls) => tls.domain_name.as_str().into(),
                None => fleet.load_balancer.get_att("DNSName"),
            },
        }
    } else {
        OriginKind::Http {
            domain: o.origin.domain_name.as_str().into(),
            protocol: o.origin.protocol.as_str(),
            http_port: o.origin.http_port.get() as u16,
            https_port: o.origin.https_port.get() as u16,
            path: (!o.origin.path.0.is_empty()).then(|| o.origin.path.0.clone()),
            headers: Vec::new(),
        }
    };
    let mut origins = vec![OriginSpec {
        id: "primary",
        kind: primary_kind,
        shield_region: shield,
    }];
    let mut failover_groups = Vec::new();
    let mut target = "primary";
    if let Some(secondary) = &o.failover.secondary_domain_name {
        origins.push(OriginSpec {
            id: "secondary",
            kind: OriginKind::Http {
                domain: secondary.as_str().into(),
                protocol: "https-only",
                http_port: 80,
                https_port: 443,
                path: (!o.demo_origin.enabled && !o.origin.path.0.is_empty())
                    .then(|| o.origin.path.0.clone()),
                headers: Vec::new(),
            },
            shield_region: shield,
        });
        failover_groups.push(FailoverGroup {
            id: "origins",
            primary: "primary",
            secondary: "secondary",
            status_codes: o.failover.status_codes.iter().map(|s| s.0).collect(),
        });
        target = "origins";
    }

    // OFFLOAD-1: manifests first (short), then the update files (long).
    let c = &o.cache;
    let mut behaviors = Vec::new();
    for p in &c.manifests.path_patterns {
        behaviors.push(BehaviorSpec {
            path_pattern: Some(p.as_str()),
            target,
            cache: "Manifests",
            methods: Methods::Read,
            api: false,
        });
    }
    for p in &c.update_files.path_patterns {
        behaviors.push(BehaviorSpec {
            path_pattern: Some(p.as_str()),
            target,
            cache: "UpdateFiles",
            methods: Methods::Read,
            api: false,
        });
    }
    let manifest_ttl = c.manifests.ttl_seconds.get();
    let cdn = Cdn {
        name: "Cdn",
        comment: "update-offload: update files from the edge",
        origins,
        failover_groups,
        caches: vec![
            CacheSettings {
                name: "UpdateFiles",
                comment: "Update files: immutable, cached long at the edge",
                min_ttl: 0,
                default_ttl: c.update_files.default_ttl_seconds.get(),
                max_ttl: c.update_files.max_ttl_seconds.get(),
                query_strings: false,
                requirements: &["OFFLOAD-1"],
            },
            CacheSettings {
                name: "Manifests",
                comment:
                    "Manifests and everything else: cached briefly, so a release shows quickly",
                min_ttl: 0,
                default_ttl: manifest_ttl,
                max_ttl: manifest_ttl,
                query_strings: true,
                requirements: &["OFFLOAD-1"],
            },
        ],
        default_behavior: BehaviorSpec {
            path_pattern: None,
            target,
            cache: "Manifests",
            methods: Methods::Read,
            api: false,
        },
        behaviors,
        default_root_object: None,
        price_class: o.cdn.price_class.as_str(),
        domain: match (&o.domain, &certificate) {
            (Some(d), Some(c)) => Some(ViewerDomain {
                certificate_arn: c.arn.clone(),
                aliases: vec![d.name.to_string()],
            }),
            _ => None,
        },
        requirements: &cdn_requirements,
        domain_requirements: &["OFFLOAD-1"],
    }
    .add_to(&mut t)?;
    if let Some(d) = &o.domain {
        CustomDomain {
            name: &d.name,
            hosted_zone_id: &d.hosted_zone_id,
            requirements: &["OFFLOAD-1"],
        }
        .add_alias_records(&mut t, "DomainRecords", &cdn.distribution)?;
    }
    let url: Value<String> = match &o.domain {
        Some(d) => format!("https://{}", d.name).into(),
        None => crate::cfn::intrinsic::sub(format!("https://${{{}.DomainName}}", cdn.distribution))
            .into(),
    };
    t.output(
        "UpdatesUrl",
        "Point the update clients here instead of at the origin",
        url,
        None,
    )?;

    Ok(Expansion {
        project: project.clone(),
        stacks: edge::stacks(project, t, certificate.and_then(|c| c.stack)),
        packages,
    })
}

/// No Lambda functions: no `options.functions`.
impl super::SharedOptions for Options {
    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}
