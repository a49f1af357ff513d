//! `conference`: a conference registration site (CONF-1 to CONF-4).
//!
//! Static pages (apply, my registrations, result) in a versioned S3 bucket
//! with server access logging, reached only through CloudFront (origin access
//! control, the CloudFront settings of the notes); a registration API under
//! `/api/*` (API Gateway + Lambda + DynamoDB) that publishes each new
//! registration to SNS, where a second function makes the participation
//! certificate asynchronously.

mod certificates;
mod options;

use indexmap::IndexMap;

use super::{Blueprint, Expansion, ProjectInfo, Requirement};
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::sns::Topic;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::api_options::{build_api, BuiltApi};
use crate::components::bucket::{PrivateBucket, LOG_BUCKET_ID};
use crate::components::cdn::{
    BehaviorSpec, CacheSettings, Cdn, CdnIds, Methods, OriginSpec, ViewerDomain,
};
use crate::components::custom_domain::CustomDomain;
use crate::components::edge::{self, EdgeCertificate};
use crate::components::function::LambdaFunction;
use crate::components::rest_api::{accept_open_route, RestApi, Route};
use crate::components::static_site::{StaticSite, StaticSiteIds};
use crate::components::table::Table;
use crate::error::Error;
use certificates::{add_certificate_maker, Maker};
pub use options::*;

/// The `conference` blueprint (see the module's documentation).
pub struct Conference;

impl Blueprint for Conference {
    type Options = Options;

    const NAME: &'static str = "conference";
    const SUMMARY: &'static str =
        "Conference registration site: versioned, logged S3 pages behind CloudFront, registration API, certificates made asynchronously through SNS";

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "CONF-1", text: "Static pages (apply, my registrations, result): S3 bucket, versioned, server access logging, reached only through CloudFront; default root object index.html" },
        Requirement { id: "CONF-2", text: "CloudFront settings from the notes: redirect-to-https, compression, min TTL 0, max TTL one year, cached methods GET/HEAD" },
        Requirement { id: "CONF-3", text: "Registration API: API Gateway + Lambda + DynamoDB" },
        Requirement { id: "CONF-4", text: "Certificate generation must not slow the request: the API publishes to SNS; a Lambda subscribed to the topic makes the certificate asynchronously" },
        Requirement { id: "FLOW", text: "Orchestration (option `flow`, off by default): each registration on the topic starts a Step Functions state machine: an input check (Choice), then the certificate and badge functions in parallel, each task with a timeout, retries and a catch to a Fail state" },
        Requirement { id: "API-OPTIONS", text: crate::components::api_options::API_OPTIONS_TEXT },
    ];

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// CONF-2: one year, the longest CloudFront keeps a static page.
pub const MAX_TTL_SECONDS: u64 = 31_536_000;

/// The API's routes (under `/api`, the path CloudFront forwards).
pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/api/registrations",
        query: &[],
    },
    Route {
        method: "GET",
        path: "/api/registrations/{registrationId}",
        query: &[],
    },
];

/// Where certificates go in their bucket.
pub const CERTIFICATES_PREFIX: &str = "certificates/";
/// Where name badges go in the certificates bucket (FLOW).
pub const BADGES_PREFIX: &str = "badges/";
/// Where the site's access logs go in the log bucket.
pub const SITE_LOG_PREFIX: &str = "site/";

/// Expands the conference blueprint into its stack(s): one named feature
/// after another, in the order their resources and outputs appear in the
/// template.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    let mut t = Template::new(format!(
        "blueprint conference: registration site behind CloudFront (stack {})",
        project.stack_name
    ));
    let assets = edge::assets_parameter(&mut t)?;
    let arch = o.functions.architecture;
    let api_package = code.package_for("api", arch)?;
    let certificate_package = code.package_for("certificate", arch)?;
    let mut packages = vec![api_package.clone(), certificate_package.clone()];

    let certificate = match &o.domain {
        Some(d) => Some(edge::certificate(project, &mut t, d, &["CONF-2"])?),
        None => None,
    };
    let (logs, site) = add_site(&mut t, o)?;
    let r = add_registrations(&mut t, o)?;
    let api = add_api(&mut t, o, &assets, &api_package, &r)?;
    let maker = Maker {
        code,
        assets: &assets,
        package: &certificate_package,
    };
    add_certificate_maker(&mut t, o, &maker, &r, &mut packages)?;
    let cdn = add_cdn(&mut t, o, &site, &api, certificate.as_ref())?;
    add_outputs(&mut t, o, &cdn, &site, &logs, &r)?;
    Ok(Expansion {
        project: project.clone(),
        stacks: edge::stacks(project, t, certificate.and_then(|c| c.stack)),
        packages,
    })
}

/// The distribution's name.
const CDN_NAME: &str = "Cdn";

/// CONF-1: the log bucket (server access logs of the site bucket) and the
/// site bucket: the pages, versioned, logged, read only by the distribution.
fn add_site(t: &mut Template, o: &Options) -> Result<(LogicalId, StaticSiteIds), Error> {
    let cdn_name = CDN_NAME;
    // CONF-1: server access logs of the site bucket go here.
    let site_id = "SiteBucket";
    let logs = PrivateBucket {
        // The stack's access-log bucket too (options.security.access_logs).
        id: LOG_BUCKET_ID,
        retain: o.retain.log_bucket,
        requirements: &["CONF-1"],
        expire_objects_days: Some(o.site.access_log_days.get_u32()),
        expire_objects_prefix: Some(SITE_LOG_PREFIX),
        policy_statements: vec![Statement::allow(
            &["s3:PutObject"],
            vec![sub(format!("${{{LOG_BUCKET_ID}.Arn}}/{SITE_LOG_PREFIX}*")).into()],
        )
        .sid("S3ServerAccessLogsOfTheSiteBucket")
        .principal(Principal::Service(vec!["logging.s3.amazonaws.com".into()]))
        .condition(
            "ArnLike",
            "aws:SourceArn",
            vec![sub(format!("${{{site_id}.Arn}}")).into()],
        )
        .condition(
            "StringEquals",
            "aws:SourceAccount",
            vec![sub("${AWS::AccountId}").into()],
        )],
        ..Default::default()
    }
    .add_to(t)?;
    // CONF-1: the pages, versioned, logged, read only by the distribution.
    let site = StaticSite {
        id: site_id,
        cdn: cdn_name,
        noncurrent_version_days: Some(o.site.keep_old_versions_days.get_u32()),
        access_logs: Some((&logs, SITE_LOG_PREFIX)),
        retain: o.retain.site_bucket,
        requirements: &["CONF-1"],
    }
    .add_to(t)?;
    Ok((logs, site))
}

/// CONF-3, CONF-4: where registrations go.
struct Registrations {
    table: LogicalId,
    topic: LogicalId,
    certificates: LogicalId,
}

/// CONF-3: the registrations table; CONF-4: the topic and the certificates
/// bucket.
fn add_registrations(t: &mut Template, o: &Options) -> Result<Registrations, Error> {
    // CONF-3: registrations; CONF-4: the topic and the certificates bucket.
    let table = Table {
        id: "RegistrationsTable",
        partition_key: "registrationId",
        retain: o.retain.registrations_table,
        requirements: &["CONF-3"],
        ..Default::default()
    }
    .add_to(t)?;
    let topic = t
        .add(
            "RegistrationsTopic",
            Topic {
                display_name: Some("New registrations".into()),
                kms_master_key_id: Some("alias/aws/sns".into()),
                ..Default::default()
            },
        )?
        .satisfies(&["CONF-4"])
        .id()
        .clone();
    let certificates = PrivateBucket {
        id: "CertificatesBucket",
        retain: o.retain.certificates_bucket,
        requirements: &["CONF-4"],
        ..Default::default()
    }
    .add_to(t)?;
    if let Some(b) = t.resource_mut(certificates.as_str()) {
        b.accepts_risk(
            "CKV_AWS_21",
            "certificates and badges are generated from the registrations table (versioned by point-in-time recovery) and can be made again",
        );
    }
    Ok(Registrations {
        table,
        topic,
        certificates,
    })
}

/// CONF-4: the certificates in the certificates bucket.
fn certificate_objects(certificates: &LogicalId) -> Value<String> {
    sub(format!("${{{certificates}.Arn}}/{CERTIFICATES_PREFIX}*")).into()
}

/// CONF-3: the API function (it publishes each registration, CONF-4) and
/// the API in front of it, its routes public by design.
fn add_api(
    t: &mut Template,
    o: &Options,
    assets: &LogicalId,
    api_package: &Package,
    r: &Registrations,
) -> Result<BuiltApi, Error> {
    let Registrations {
        table,
        topic,
        certificates,
    } = r;
    let arch = o.functions.architecture;
    let retention = o.log_retention_days.get();
    let certificate_objects = certificate_objects(certificates);
    // CONF-3: the API function publishes each registration (CONF-4).
    let mut api_env = IndexMap::new();
    api_env.insert("REGISTRATIONS_TABLE".to_string(), table.r#ref());
    api_env.insert("TOPIC_ARN".to_string(), topic.r#ref());
    api_env.insert("CERTIFICATES_BUCKET".to_string(), certificates.r#ref());
    api_env.insert(
        "DOWNLOAD_LINK_SECONDS".to_string(),
        (o.certificates.download_link_minutes.get() * 60)
            .to_string()
            .into(),
    );
    let api_fn = LambdaFunction {
        name: "Api",
        description:
            "Registration API: register, and read a registration with its certificate link",
        package: api_package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: o.functions.api.memory_mb.get_u32(),
        timeout_s: o.functions.api.timeout_seconds.get_u32(),
        architecture: arch.as_str(),
        environment: api_env,
        statements: vec![
            Statement::allow(
                &[
                    "dynamodb:DeleteItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                ],
                vec![table.get_att("Arn")],
            )
            .sid("Registrations"),
            Statement::allow(&["sns:Publish"], vec![topic.r#ref()]).sid("AskForTheCertificate"),
            Statement::allow(&["s3:GetObject"], vec![certificate_objects.clone()])
                .sid("PresignCertificateDownloads"),
        ],
        managed_policies: Vec::new(),
        log_retention_days: retention,
        vpc: None,
        requirements: &["CONF-3", "CONF-4"],
    }
    .add_to(t)?;
    let api = build_api(
        t,
        RestApi {
            name: "Api",
            description: "Conference registration API, served by CloudFront under /api/*",
            routes: ROUTES,
            function: &api_fn.function,
            user_pool: None,
            endpoint_type: "REGIONAL",
            stage_name: o.api.stage_name.as_str(),
            throttle_rate: o.api.throttle_rate_per_second.get_u32(),
            throttle_burst: o.api.throttle_burst.get_u32(),
            cache: None,
            log_retention_days: retention,
            manage_account_role: o.api.manage_account_logging_role,
            requirements: &["CONF-3"],
            cache_requirements: &[],
            auth_requirements: &[],
            features: None,
        },
        None,
        &o.api,
    )?;
    for r in ROUTES {
        accept_open_route(
            t,
            "Api",
            r,
            if r.method == "POST" {
                "public by design: attendees register without an account (CONF-3); the stage throttles every caller"
            } else {
                "public by design: a registration is read only by its random UUID, and the answer leaves out the email"
            },
        );
    }
    Ok(api)
}

/// CONF-1, CONF-2: the distribution (and the custom domain's records).
fn add_cdn(
    t: &mut Template,
    o: &Options,
    site: &StaticSiteIds,
    api: &BuiltApi,
    certificate: Option<&EdgeCertificate>,
) -> Result<CdnIds, Error> {
    let cdn_name = CDN_NAME;
    // CONF-1, CONF-2: the distribution.
    let cdn = Cdn {
        name: cdn_name,
        comment: "conference: pages and /api/*",
        origins: vec![
            site.origin("site"),
            OriginSpec {
                id: "api",
                kind: api.origin(),
                shield_region: None,
            },
        ],
        failover_groups: Vec::new(),
        caches: vec![
            CacheSettings {
                name: "Pages",
                comment: "Pages: min TTL 0, max TTL one year; the origin's Cache-Control decides in between",
                min_ttl: 0,
                default_ttl: o.cdn.default_ttl_seconds.get(),
                max_ttl: MAX_TTL_SECONDS,
                query_strings: false,
                requirements: &["CONF-2"],
            },
            CacheSettings {
                name: "Api",
                comment: "The API: not cached",
                min_ttl: 0,
                default_ttl: 0,
                max_ttl: 0,
                query_strings: false,
                requirements: &["CONF-3"],
            },
        ],
        default_behavior: BehaviorSpec {
            path_pattern: None,
            target: "site",
            cache: "Pages",
            methods: Methods::Read,
            api: false,
        },
        behaviors: vec![BehaviorSpec {
            path_pattern: Some("/api/*"),
            target: "api",
            cache: "Api",
            methods: Methods::All,
            api: true,
        }],
        default_root_object: Some("index.html"),
        price_class: o.cdn.price_class,
        domain: match (&o.domain, &certificate) {
            (Some(d), Some(c)) => Some(ViewerDomain {
                certificate_arn: c.arn.clone(),
                aliases: vec![d.name.to_string()],
            }),
            _ => None,
        },
        requirements: &["CONF-1", "CONF-2", "CONF-3"],
        domain_requirements: &["CONF-2"],
    }
    .add_to(t)?;
    if let Some(d) = &o.domain {
        CustomDomain {
            name: &d.name,
            hosted_zone_id: &d.hosted_zone_id,
            requirements: &["CONF-2"],
        }
        .add_alias_records(t, "DomainRecords", &cdn.distribution)?;
    }
    Ok(cdn)
}

/// CONF-1 to CONF-4: the stack's outputs.
fn add_outputs(
    t: &mut Template,
    o: &Options,
    cdn: &CdnIds,
    site: &StaticSiteIds,
    logs: &LogicalId,
    r: &Registrations,
) -> Result<(), Error> {
    let Registrations { table, topic, .. } = r;
    let site_url: Value<String> = match &o.domain {
        Some(d) => format!("https://{}", d.name).into(),
        None => sub(format!("https://${{{}.DomainName}}", cdn.distribution)).into(),
    };
    t.output("SiteUrl", "The registration site's address", site_url, None)?;
    t.output(
        "SiteBucketName",
        "Upload the pages here (index.html and the rest; served through CloudFront only)",
        site.bucket.r#ref(),
        None,
    )?;
    t.output(
        "LogBucketName",
        "Access logs: the site bucket's (site/), and with options.security.access_logs the distribution's and the other buckets'",
        logs.r#ref(),
        None,
    )?;
    t.output(
        "RegistrationsTableName",
        "The registrations table",
        table.r#ref(),
        None,
    )?;
    t.output(
        "RegistrationsTopicArn",
        "Each new registration is published here",
        topic.r#ref(),
        None,
    )?;
    Ok(())
}
