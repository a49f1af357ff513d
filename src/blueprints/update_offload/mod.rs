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

mod demo_origin;
mod options;
mod publisher;

use super::{Blueprint, Expansion, ProjectInfo, Requirement};
use crate::assets::CodeSource;
use crate::cfn::intrinsic::sub;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::cdn::{
    BehaviorSpec, CacheSettings, Cdn, FailoverGroup, Methods, OriginKind, OriginSpec, ViewerDomain,
};
use crate::components::custom_domain::CustomDomain;
use crate::components::edge::{self, EdgeCertificate};
use crate::error::Error;
use demo_origin::*;
pub use options::*;

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
    let mut packages = Vec::new();
    // The primary origin: the demo fleet's private load balancer (through a
    // VPC origin), or the user's.
    let primary = if o.demo_origin.enabled {
        let demo = add_demo_origin(project, o, &mut t, code)?;
        packages.extend(demo.publisher);
        demo.origin
    } else {
        existing_origin(&o.origin)
    };
    let distribution = add_cdn(o, &mut t, primary, certificate.as_ref())?;
    add_domain_and_url(o, &mut t, &distribution)?;
    Ok(Expansion {
        project: project.clone(),
        stacks: edge::stacks(project, t, certificate.and_then(|c| c.stack)),
        packages,
    })
}

/// OFFLOAD-1: the user's existing origin (a domain or a load balancer's DNS
/// name).
fn existing_origin(origin: &OriginOptions) -> OriginKind<'_> {
    OriginKind::Http {
        domain: origin.domain_name.as_str().into(),
        protocol: origin.protocol.as_str(),
        http_port: origin.http_port.get() as u16,
        https_port: origin.https_port.get() as u16,
        path: (!origin.path.0.is_empty()).then(|| origin.path.0.clone()),
        headers: Vec::new(),
    }
}

/// OFFLOAD-1, OFFLOAD-3: the distribution in front of `primary` (and the
/// failover origin), Origin Shield, the manifests' and update files' caches.
fn add_cdn(
    o: &Options,
    t: &mut Template,
    primary: OriginKind<'_>,
    certificate: Option<&EdgeCertificate>,
) -> Result<LogicalId, Error> {
    let shield = o.origin_shield_region.as_ref().map(|r| r.as_str());
    let mut cdn_requirements = vec!["OFFLOAD-1", "OFFLOAD-2"];
    if shield.is_some() || o.failover.secondary_domain_name.is_some() {
        cdn_requirements.push("OFFLOAD-3");
    }
    let mut origins = vec![OriginSpec {
        id: "primary",
        kind: primary,
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
    let cdn = Cdn {
        name: "Cdn",
        comment: "update-offload: update files from the edge",
        origins,
        failover_groups,
        caches: caches(&o.cache),
        default_behavior: BehaviorSpec {
            path_pattern: None,
            target,
            cache: "Manifests",
            methods: Methods::Read,
            api: false,
        },
        behaviors: behaviors(&o.cache, target),
        default_root_object: None,
        price_class: o.cdn.price_class,
        domain: match (&o.domain, certificate) {
            (Some(d), Some(c)) => Some(ViewerDomain {
                certificate_arn: c.arn.clone(),
                aliases: vec![d.name.to_string()],
            }),
            _ => None,
        },
        requirements: &cdn_requirements,
        domain_requirements: &["OFFLOAD-1"],
    }
    .add_to(t)?;
    Ok(cdn.distribution)
}

/// OFFLOAD-1: the update files' cache (long) and the manifests' (short).
fn caches(c: &CacheOptions) -> Vec<CacheSettings<'static>> {
    let manifest_ttl = c.manifests.ttl_seconds.get();
    vec![
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
            comment: "Manifests and everything else: cached briefly, so a release shows quickly",
            min_ttl: 0,
            default_ttl: manifest_ttl,
            max_ttl: manifest_ttl,
            query_strings: true,
            requirements: &["OFFLOAD-1"],
        },
    ]
}

/// OFFLOAD-1: the manifests' path patterns first (short), then the update
/// files' (long), each to `target`.
fn behaviors<'a>(c: &'a CacheOptions, target: &'a str) -> Vec<BehaviorSpec<'a>> {
    let manifests = c.manifests.path_patterns.iter().map(|p| (p, "Manifests"));
    let files = c
        .update_files
        .path_patterns
        .iter()
        .map(|p| (p, "UpdateFiles"));
    manifests
        .chain(files)
        .map(|(p, cache)| BehaviorSpec {
            path_pattern: Some(p.as_str()),
            target,
            cache,
            methods: Methods::Read,
            api: false,
        })
        .collect()
}

/// OFFLOAD-1: the custom domain's alias records, and the URL the update
/// clients use.
fn add_domain_and_url(
    o: &Options,
    t: &mut Template,
    distribution: &LogicalId,
) -> Result<(), Error> {
    if let Some(d) = &o.domain {
        CustomDomain {
            name: &d.name,
            hosted_zone_id: &d.hosted_zone_id,
            requirements: &["OFFLOAD-1"],
        }
        .add_alias_records(t, "DomainRecords", distribution)?;
    }
    let url: Value<String> = match &o.domain {
        Some(d) => format!("https://{}", d.name).into(),
        None => sub(format!("https://${{{distribution}.DomainName}}")).into(),
    };
    t.output(
        "UpdatesUrl",
        "Point the update clients here instead of at the origin",
        url,
        None,
    )?;
    Ok(())
}

/// No Lambda functions: no `options.functions`.
impl super::SharedOptions for Options {
    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}
