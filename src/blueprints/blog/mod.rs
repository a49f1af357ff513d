//! `blog`: a serverless website such as myblog.com (BLOG-1 to BLOG-7).
//!
//! CloudFront in front of everything: the private S3 site (origin access
//! control), the REST API under `/api/*` and the thumbnails under
//! `/thumbnails/*`. DynamoDB posts and users tables (optionally global
//! tables, optionally read through DAX); a Cognito user pool readers sign up
//! in; a welcome email for each new user once Cognito has verified their
//! address (post confirmation trigger → users table → stream → Lambda →
//! SES); thumbnails for photos authors upload (a presigned upload only for a
//! signed-in member of the `authors` group, under their own key prefix →
//! accelerated upload bucket → S3 event → Lambda → a separate bucket,
//! optionally announced on SNS and SQS); an optional custom domain.
//!
//! No route acts for a stranger: the only public routes read published
//! posts; `auth.public_routes` opens another one deliberately, and synth
//! warns about it.

mod api;
mod flow;
mod options;
mod thumbnails;
mod welcome_email;

use indexmap::IndexMap;

use super::{Blueprint, Expansion, ProjectInfo, Requirement};
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::resources::cognito::MfaConfiguration;
use crate::cfn::resources::dynamodb::StreamViewType;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::api_options::BuiltApi;
use crate::components::cdn::{
    BehaviorSpec, CacheSettings, Cdn, CdnIds, Methods, OriginSpec, ViewerDomain,
};
use crate::components::custom_domain::CustomDomain;
use crate::components::edge::{self, EdgeCertificate};
use crate::components::function::LambdaFunction;
use crate::components::function_triggers::allow_invoke;
use crate::components::rest_api::Route;
use crate::components::static_site::{StaticSite, StaticSiteIds};
use crate::components::table::Table;
use crate::components::user_auth::{PoolExtras, UserAuth, UserAuthIds};
use crate::config::Region;
use crate::error::Error;
use api::add_api;
pub use options::*;
use thumbnails::{add_thumbnails, add_thumbnails_bucket, add_uploads, uploads_bucket_name};
use welcome_email::add_welcome_email;

/// The `blog` blueprint (see the module's documentation).
pub struct BlogBlueprint;

impl Blueprint for BlogBlueprint {
    type Options = Options;

    const NAME: &'static str = "blog";
    const SUMMARY: &'static str =
        "Serverless website: CloudFront over a private S3 site and an /api/* REST API, DynamoDB (global tables, DAX), welcome emails, photo thumbnails, custom domain";

    /// What a new project's README asks to set up before the first deploy.
    const BEFORE_DEPLOY: &'static [&'static str] = &[
        "Verify the welcome email's sender in Amazon SES in {region} (`options.welcome_email.identity`: the sender's domain, with the DKIM records SES gives you, or the address itself, by the link SES mails to it); until then SES refuses every welcome email (the failures land in the `WelcomeEmailFailures` queue).",
        "A new AWS account's SES is in the sandbox: it sends only to addresses you verified, at most 200 a day. Request production access (SES console, Account dashboard) before real readers sign up.",
    ];

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "BLOG-1", text: "Global scale-out: a CloudFront distribution in front of everything" },
        Requirement { id: "BLOG-2", text: "Read-heavy: DAX between Lambda and DynamoDB, and DynamoDB global tables with replica regions (options)" },
        Requirement { id: "BLOG-3", text: "Mostly static files, some dynamic REST API: private S3 origin reached only through CloudFront (origin access control); API Gateway + Lambda as a second origin under /api/*" },
        Requirement { id: "BLOG-4", text: "Caching to cut cost and latency: CloudFront cache policies, long TTL for static assets, short or none for the API; compression on" },
        Requirement { id: "BLOG-5", text: "A welcome email to each new user: readers sign up in a Cognito user pool; once Cognito has verified the address, its post confirmation trigger records the user; users-table stream (new items only) -> Lambda -> SES, allowed only ses:SendEmail from the configured identity (no route takes an address to mail)" },
        Requirement { id: "BLOG-6", text: "Thumbnails for uploaded photos: presigned uploads only for signed-in authors (Cognito authorizer, key under the caller's own prefix) to an accelerated upload bucket, S3 event -> Lambda -> a separate thumbnails bucket (no trigger loop); optional SNS/SQS notification" },
        Requirement { id: "BLOG-7", text: "A custom domain: ACM certificate in us-east-1 and a Route 53 alias record (option `domain`)" },
        Requirement { id: "FLOW", text: "Orchestration (option `flow`, off by default): each upload (S3 -> EventBridge) starts a Step Functions state machine: a size check (Choice), then the thumbnail and metadata functions in parallel, each task with a timeout, retries and a catch to a Fail state" },
        Requirement { id: "API-OPTIONS", text: crate::components::api_options::API_OPTIONS_TEXT },
    ];

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// The API's routes (under `/api`, the path CloudFront forwards).
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/posts",
        query: &["limit", "nextToken"],
    },
    Route {
        method: "GET",
        path: "/api/posts/{postId}",
        query: &[],
    },
    Route {
        method: "POST",
        path: "/api/uploads",
        query: &[],
    },
];

/// The routes anyone may call: they only read published posts. Every other
/// route needs a signed-in user unless `auth.public_routes` opens it.
pub const PUBLIC_READS: &[&str] = &["GET /api/posts", "GET /api/posts/{postId}"];

/// The user pool group whose members may upload photos.
pub const AUTHORS_GROUP: &str = "authors";

/// Where uploaded photos go in the uploads bucket.
pub const UPLOADS_PREFIX: &str = "uploads/";
/// Where thumbnails go in the thumbnails bucket (and the path CloudFront
/// serves them under).
pub const THUMBNAILS_PREFIX: &str = "thumbnails/";
/// The name prefix of the uploads bucket (explicitly named; see below).
const UPLOADS_BUCKET_PREFIX: &str = "blog-uploads";

/// Validates what one option cannot check alone.
fn validate(project: &ProjectInfo, o: &Options) -> Result<(), Error> {
    if o.cdn.static_default_ttl_seconds.get() > o.cdn.static_max_ttl_seconds.get() {
        return Err(Error::User(format!(
            "options.cdn: static_default_ttl_seconds ({}) is greater than static_max_ttl_seconds ({})",
            o.cdn.static_default_ttl_seconds, o.cdn.static_max_ttl_seconds
        )));
    }
    let mut seen = Vec::new();
    for r in &o.tables.replica_regions {
        if r == &project.region {
            return Err(Error::User(format!(
                "options.tables.replica_regions: `{r}` is the stack's own region, which always has a replica; list only the other regions"
            )));
        }
        if seen.contains(&r) {
            return Err(Error::User(format!(
                "options.tables.replica_regions: `{r}` is listed twice"
            )));
        }
        seen.push(r);
    }
    let guarded: Vec<String> = ROUTES
        .iter()
        .map(Route::key)
        .filter(|k| !PUBLIC_READS.contains(&k.as_str()))
        .collect();
    let mut opened: Vec<&String> = Vec::new();
    for r in &o.auth.public_routes {
        if PUBLIC_READS.contains(&r.as_str()) {
            return Err(Error::User(format!(
                "options.auth.public_routes: `{r}` is public already (it only reads published posts)"
            )));
        }
        if !guarded.contains(r) {
            return Err(Error::User(format!(
                "options.auth.public_routes: `{r}` is not a route of this API; the routes that need a signed-in user are: {}",
                guarded.join(", ")
            )));
        }
        if opened.contains(&r) {
            return Err(Error::User(format!(
                "options.auth.public_routes: `{r}` is listed twice"
            )));
        }
        opened.push(r);
    }
    Ok(())
}

/// Whether anyone may call `route` (no authorizer).
fn is_public(o: &Options, route: &Route) -> bool {
    let key = format!("{} {}", route.method, route.path);
    PUBLIC_READS.contains(&key.as_str()) || o.auth.public_routes.contains(&key)
}

/// The warnings synth prints about routes opened on purpose.
fn open_route_warnings(o: &Options) -> Vec<String> {
    o.auth
        .public_routes
        .iter()
        .map(|r| {
            format!(
                "blog: `{r}` is open to anyone (options.auth.public_routes): callers need no sign-in, so strangers can use it at the API's rate"
            )
        })
        .collect()
}

/// Expands the blog blueprint into its stack(s): one named feature after
/// another, in the order their resources and outputs appear in the template.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    validate(project, o)?;
    let mut t = Template::new(format!(
        "blueprint blog: serverless website behind CloudFront (stack {})",
        project.stack_name
    ));
    let b = Blog {
        o,
        code,
        assets: edge::assets_parameter(&mut t)?,
        site_url: site_url(o),
    };
    let pk = package_functions(&mut t, o, code)?;
    let mut packages = vec![
        pk.api.clone(),
        pk.welcome.clone(),
        pk.confirmation.clone(),
        pk.thumbnails.clone(),
    ];
    let certificate = match &o.domain {
        Some(d) => Some(edge::certificate(project, &mut t, d, &["BLOG-7"])?),
        None => None,
    };
    let site = add_site(&mut t, o)?;
    let (posts, users) = add_content_tables(&mut t, o)?;
    let auth = add_user_pool(&mut t, &b, &pk.confirmation, &users)?;
    let thumbs = add_thumbnails_bucket(&mut t, o)?;
    let api = add_api(&mut t, &b, &pk.api, &posts, &users, &auth)?;
    add_welcome_email(&mut t, &b, &pk.welcome, &users)?;
    let uploads = add_thumbnails(&mut t, &b, &pk.thumbnails, &thumbs.bucket, &mut packages)?;
    add_uploads(&mut t, &b, uploads)?;
    let cdn = add_cdn(&mut t, o, &site, &api, &thumbs, certificate.as_ref())?;
    if let Some(d) = &o.domain {
        CustomDomain {
            name: &d.name,
            hosted_zone_id: &d.hosted_zone_id,
            requirements: &["BLOG-7"],
        }
        .add_alias_records(&mut t, "DomainRecords", &cdn.distribution)?;
    }
    add_outputs(&mut t, &b, &site, &thumbs, &posts, &users, &auth)?;
    Ok(Expansion {
        project: project.clone(),
        stacks: edge::stacks(project, t, certificate.and_then(|c| c.stack)),
        packages,
    })
}

/// What the blog's features share: the options, the code, the assets
/// bucket parameter and the site's address.
struct Blog<'a> {
    o: &'a Options,
    code: &'a CodeSource,
    assets: LogicalId,
    site_url: Value<String>,
}

/// The built-in functions' packages.
struct Packages {
    api: Package,
    welcome: Package,
    confirmation: Package,
    thumbnails: Package,
}

/// BLOG-2: packages the functions; with DAX the API function reads posts
/// through it, so its package gets the DAX client (without DAX it is
/// packaged as before).
fn package_functions(t: &mut Template, o: &Options, code: &CodeSource) -> Result<Packages, Error> {
    let arch = o.functions.architecture;
    let dax_client: &[&str] = if o.dax.enabled {
        crate::components::dax::CLIENT_REQUIREMENTS
    } else {
        &[]
    };
    let api = code.package_with("api", arch, dax_client)?;
    if o.dax.enabled {
        t.warnings.extend(crate::components::dax::client_warning(
            code,
            "api",
            "handler.py",
        )?);
    }
    Ok(Packages {
        api,
        welcome: code.package_for("welcome_email", arch)?,
        confirmation: code.package_for("post_confirmation", arch)?,
        thumbnails: code.package_for("thumbnails", arch)?,
    })
}

/// BLOG-1, BLOG-7: the site's address (the custom domain, or the
/// distribution's own).
fn site_url(o: &Options) -> Value<String> {
    match &o.domain {
        Some(d) => format!("https://{}", d.name).into(),
        None => sub(format!(
            "https://${{{}.DomainName}}",
            Cdn::distribution_id(CDN_NAME)
        ))
        .into(),
    }
}

/// The distribution's name.
const CDN_NAME: &str = "Cdn";

/// BLOG-3: the private site bucket, read only by the distribution.
fn add_site(t: &mut Template, o: &Options) -> Result<StaticSiteIds, Error> {
    StaticSite {
        id: "SiteBucket",
        cdn: CDN_NAME,
        noncurrent_version_days: Some(30),
        access_logs: None,
        retain: o.retain.site_bucket,
        requirements: &["BLOG-3"],
    }
    .add_to(t)
}

/// BLOG-2, BLOG-3, BLOG-5: the posts and users tables (global tables with
/// replicas, as an option).
fn add_content_tables(t: &mut Template, o: &Options) -> Result<(LogicalId, LogicalId), Error> {
    let posts = Table {
        id: "PostsTable",
        partition_key: "postId",
        retain: o.retain.posts_table,
        requirements: &["BLOG-2", "BLOG-3"],
        replica_regions: &o.tables.replica_regions,
        ..Default::default()
    }
    .add_to(t)?;
    let users = Table {
        id: "UsersTable",
        partition_key: "email",
        retain: o.retain.users_table,
        requirements: &["BLOG-2", "BLOG-5"],
        stream: Some(StreamViewType::NewImage),
        replica_regions: &o.tables.replica_regions,
        ..Default::default()
    }
    .add_to(t)?;
    Ok((posts, users))
}

/// BLOG-5, BLOG-6: the user pool; Cognito verifies each address before its
/// post confirmation trigger records the user (and so before any welcome
/// email).
fn add_user_pool(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    users: &LogicalId,
) -> Result<UserAuthIds, Error> {
    let o = b.o;
    let confirmation = LambdaFunction {
        name: "PostConfirmation",
        description: "Records each user whose email address Cognito has verified (user pool post confirmation trigger)",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.post_confirmation.memory_mb.get_u32(),
        timeout_s: o.functions.post_confirmation.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: IndexMap::from([("USERS_TABLE".to_string(), users.r#ref())]),
        statements: vec![Statement::allow(&["dynamodb:PutItem"], vec![users.get_att("Arn")])
            .sid("RecordVerifiedUsers")],
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: &["BLOG-5"],
    }
    .add_to(t)?;
    let auth = UserAuth {
        name: "Users",
        password_min_length: o.auth.password_min_length.get_u32(),
        mfa: MfaConfiguration::Off,
        groups: &[(
            AUTHORS_GROUP,
            "Authors: may upload photos (POST /api/uploads)",
        )],
        retain: o.retain.user_pool,
        authenticated_statements: None,
        requirements: &["BLOG-5", "BLOG-6"],
        identity_requirements: &[],
    }
    .add_to_with(
        t,
        PoolExtras {
            client_name: "web",
            post_confirmation: Some(&confirmation.function),
        },
    )?;
    allow_invoke(
        t,
        "PostConfirmationInvokedByUserPool",
        &confirmation.function,
        "cognito-idp.amazonaws.com",
        auth.pool.get_att("Arn"),
        false,
        &["BLOG-5"],
    )?;
    Ok(auth)
}

/// BLOG-1, BLOG-3, BLOG-4, BLOG-7: the distribution.
fn add_cdn(
    t: &mut Template,
    o: &Options,
    site: &StaticSiteIds,
    api: &BuiltApi,
    thumbs: &StaticSiteIds,
    certificate: Option<&EdgeCertificate>,
) -> Result<CdnIds, Error> {
    let api_ttl = o.cdn.api_ttl_seconds.get();
    Cdn {
        name: CDN_NAME,
        comment: "blog: site, /api/* and /thumbnails/*",
        origins: vec![
            site.origin("site"),
            OriginSpec {
                id: "api",
                kind: api.origin(),
                shield_region: None,
            },
            thumbs.origin("thumbnails"),
        ],
        failover_groups: Vec::new(),
        caches: vec![
            CacheSettings {
                name: "Static",
                comment: "Static assets: cached long at the edge",
                min_ttl: 0,
                default_ttl: o.cdn.static_default_ttl_seconds.get(),
                max_ttl: o.cdn.static_max_ttl_seconds.get(),
                query_strings: false,
                requirements: &["BLOG-4"],
            },
            CacheSettings {
                name: "Api",
                comment: if api_ttl == 0 {
                    "The API: not cached unless the origin asks (1 s at most); the caller's Authorization in the key"
                } else {
                    "The API: cached briefly; query strings and the caller's Authorization in the key"
                },
                min_ttl: 0,
                default_ttl: api_ttl,
                max_ttl: api_ttl,
                query_strings: true,
                requirements: &["BLOG-4"],
            },
        ],
        default_behavior: BehaviorSpec {
            path_pattern: None,
            target: "site",
            cache: "Static",
            methods: Methods::Read,
            api: false,
        },
        behaviors: vec![
            BehaviorSpec {
                path_pattern: Some("/api/*"),
                target: "api",
                cache: "Api",
                methods: Methods::All,
                api: true,
            },
            BehaviorSpec {
                path_pattern: Some("/thumbnails/*"),
                target: "thumbnails",
                cache: "Static",
                methods: Methods::Read,
                api: false,
            },
        ],
        default_root_object: Some("index.html"),
        price_class: o.cdn.price_class,
        domain: match (&o.domain, certificate) {
            (Some(d), Some(c)) => Some(ViewerDomain {
                certificate_arn: c.arn.clone(),
                aliases: vec![d.name.to_string()],
            }),
            _ => None,
        },
        requirements: &["BLOG-1", "BLOG-3", "BLOG-4"],
        domain_requirements: &["BLOG-7"],
    }
    // The signed-in caller's token reaches the API only in the cache key,
    // so one caller's answer is never served to another.
    .add_to_keyed_by_caller(t, &["Api"])
}

/// BLOG-1 to BLOG-6: the stack's outputs (and the open-route warnings).
fn add_outputs(
    t: &mut Template,
    b: &Blog,
    site: &StaticSiteIds,
    thumbs: &StaticSiteIds,
    posts: &LogicalId,
    users: &LogicalId,
    auth: &UserAuthIds,
) -> Result<(), Error> {
    let o = b.o;
    t.output("SiteUrl", "The blog's address", b.site_url.clone(), None)?;
    t.output(
        "SiteBucketName",
        "Upload the site's files here (served through CloudFront only)",
        site.bucket.r#ref(),
        None,
    )?;
    t.output(
        "UploadsBucketName",
        "Photos uploaded here (through the accelerated endpoint) get thumbnails",
        uploads_bucket_name(),
        None,
    )?;
    t.output(
        "ThumbnailsBucketName",
        "Thumbnails, served under /thumbnails/",
        thumbs.bucket.r#ref(),
        None,
    )?;
    t.output("PostsTableName", "The posts table", posts.r#ref(), None)?;
    t.output("UsersTableName", "The users table", users.r#ref(), None)?;
    t.output(
        "UserPoolId",
        "Readers sign up here; add authors to its `authors` group",
        auth.pool.r#ref(),
        None,
    )?;
    t.output(
        "UserPoolClientId",
        "The web app client (sign-up, sign-in; its ID token goes in the Authorization header)",
        auth.client.r#ref(),
        None,
    )?;
    t.warnings.extend(open_route_warnings(o));
    if !o.tables.replica_regions.is_empty() {
        t.output(
            "ReplicaRegions",
            "Regions with replicas of the tables besides this one",
            o.tables
                .replica_regions
                .iter()
                .map(Region::as_str)
                .collect::<Vec<_>>()
                .join(",")
                .into(),
            None,
        )?;
    }
    Ok(())
}
