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

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Blueprint, Expansion, ProjectInfo, Requirement};
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::PolicyDocument;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::cognito::MfaConfiguration;
use crate::cfn::resources::dynamodb::StreamViewType;
use crate::cfn::resources::events::{RetryPolicy, Rule, State as RuleState, Target};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::lambda::VpcConfig;
use crate::cfn::resources::s3::{
    AllowedMethods, CorsConfiguration, CorsRule, EventBridgeConfiguration, FilterRule,
    LambdaConfiguration, NotificationConfiguration, NotificationFilter, S3KeyFilter,
};
use crate::cfn::resources::sns::Topic;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::shapes::EventPattern;
use crate::cfn::states::{ChoiceRule, ChoiceState, State, SucceedState};
use crate::cfn::{LogicalId, Template, Value};
use crate::components::api_options::{build_api_opening, BuiltApi};
use crate::components::arn;
use crate::components::bucket::PrivateBucket;
use crate::components::cdn::{
    stack_uuid, BehaviorSpec, CacheSettings, Cdn, CdnIds, Methods, OriginSpec, ViewerDomain,
};
use crate::components::custom_domain::CustomDomain;
use crate::components::dax::DaxCluster;
use crate::components::edge::{self, DomainOptions, EdgeCertificate, FunctionSize, PriceClass};
use crate::components::function::LambdaFunction;
use crate::components::function_triggers::{
    add_failure_queue, allow_invoke, send_to_queue_statement, stream_read_statement, AsyncFailures,
    StreamTrigger,
};
use crate::components::http_api::JwtIssuer;
use crate::components::network::PrivateNetwork;
use crate::components::rest_api::{accept_open_route, RestApi, Route};
use crate::components::state_machine::{
    present_and, start_execution_statement, Flow, FlowFunction, GuardedParallel, ParallelTask,
};
use crate::components::static_site::{StaticSite, StaticSiteIds};
use crate::components::table::Table;
use crate::components::user_auth::{PoolExtras, UserAuth, UserAuthIds};
use crate::config::flow::FlowOptions;
use crate::config::lambda::LambdaOptions;
use crate::config::{
    Architecture, DaxNodeType, EmailAddress, Ranged, Region, RetentionDays, TextLine, VpcCidr,
};
use crate::error::Error;

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

/// The blog blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    pub cdn: CdnOptions,
    /// BLOG-7: `null`, or `{name, hosted_zone_id}`.
    pub domain: Option<DomainOptions>,
    pub tables: TablesOptions,
    pub dax: DaxOptions,
    pub api: ApiOptions,
    pub functions: FunctionsOptions,
    pub welcome_email: WelcomeEmailOptions,
    /// Who may call the API (BLOG-5, BLOG-6): the Cognito user pool.
    pub auth: AuthOptions,
    pub thumbnails: ThumbnailOptions,
    /// FLOW: the thumbnail steps as a Step Functions state machine.
    pub flow: FlowOptions,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

/// BLOG-1, BLOG-4: the distribution and its caches.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CdnOptions {
    pub price_class: PriceClass,
    pub static_default_ttl_seconds: Ranged<0, 31_536_000>,
    pub static_max_ttl_seconds: Ranged<1, 31_536_000>,
    pub api_ttl_seconds: Ranged<0, 300>,
}

impl Default for CdnOptions {
    fn default() -> Self {
        CdnOptions {
            price_class: PriceClass::All,
            static_default_ttl_seconds: Ranged::of(86_400),
            static_max_ttl_seconds: Ranged::of(31_536_000),
            api_ttl_seconds: Ranged::of(0),
        }
    }
}

/// BLOG-2: global tables.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TablesOptions {
    pub replica_regions: Vec<Region>,
}

/// BLOG-2: the DAX cluster in front of the posts table.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaxOptions {
    pub enabled: bool,
    pub node_type: DaxNodeType,
    pub nodes: Ranged<1, 11>,
    pub vpc_cidr: VpcCidr,
    pub item_ttl_seconds: Ranged<1, 86_400>,
    pub query_ttl_seconds: Ranged<1, 86_400>,
}

impl Default for DaxOptions {
    fn default() -> Self {
        DaxOptions {
            enabled: false,
            node_type: DaxNodeType::new("dax.t3.small").unwrap_or_else(|_| unreachable!()),
            nodes: Ranged::of(3),
            vpc_cidr: VpcCidr::new("10.0.0.0/16").unwrap_or_else(|_| unreachable!()),
            item_ttl_seconds: Ranged::of(300),
            query_ttl_seconds: Ranged::of(60),
        }
    }
}

/// BLOG-3: the REST API behind `/api/*`.
pub type ApiOptions = crate::config::api_options::ApiOptions<BlogApi>;

/// The API's shape for the shared `api:` options (API-OPTIONS): CloudFront
/// serves it, so it cannot be private.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlogApi;

impl crate::config::api_options::ApiShape for BlogApi {
    const RATE: u64 = 50;
    const BURST: u64 = 100;
    const CLOUDFRONT_ORIGIN: bool = true;
    fn routes() -> Option<Vec<String>> {
        Some(
            ROUTES
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect(),
        )
    }
}

/// Sizes of the functions.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionsOptions {
    pub architecture: Architecture,
    pub api: FunctionSize<256, 10>,
    pub welcome_email: FunctionSize<128, 30>,
    /// The post confirmation trigger (Cognito waits 5 seconds at most).
    pub post_confirmation: FunctionSize<128, 5>,
    pub thumbnails: FunctionSize<1024, 60>,
}

/// BLOG-5: the welcome email.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WelcomeEmailOptions {
    pub sender: EmailAddress,
    pub identity: SesIdentity,
    pub subject: TextLine,
    pub site_name: TextLine,
}

impl Default for WelcomeEmailOptions {
    fn default() -> Self {
        WelcomeEmailOptions {
            sender: EmailAddress::new("no-reply@example.com").unwrap_or_else(|_| unreachable!()),
            identity: SesIdentity::Domain,
            subject: TextLine::new("Welcome to my blog").unwrap_or_else(|_| unreachable!()),
            site_name: TextLine::new("My blog").unwrap_or_else(|_| unreachable!()),
        }
    }
}

/// The user pool readers and authors sign in with, and which routes need it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthOptions {
    /// The shortest password, 8 to 99 characters.
    pub password_min_length: Ranged<8, 99>,
    /// Routes that need a signed-in user by default, opened to anyone on
    /// purpose (`POST /api/uploads`). Each one makes synth warn.
    pub public_routes: Vec<String>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            password_min_length: Ranged::of(12),
            public_routes: Vec::new(),
        }
    }
}

/// Which verified SES identity the welcome email is sent as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SesIdentity {
    /// The sender's domain (`example.com`).
    #[default]
    Domain,
    /// The sender address itself.
    Address,
}

/// BLOG-6: thumbnails.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThumbnailOptions {
    pub size_px: Ranged<16, 2048>,
    pub format: ThumbnailFormat,
    pub max_upload_mb: Ranged<1, 100>,
    pub notify_sns: bool,
    pub notify_sqs: bool,
}

impl Default for ThumbnailOptions {
    fn default() -> Self {
        ThumbnailOptions {
            size_px: Ranged::of(320),
            format: ThumbnailFormat::Jpeg,
            max_upload_mb: Ranged::of(10),
            notify_sns: false,
            notify_sqs: false,
        }
    }
}

/// The image format of thumbnails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThumbnailFormat {
    #[default]
    Jpeg,
    Png,
    Webp,
}

impl ThumbnailFormat {
    fn as_str(self) -> &'static str {
        match self {
            ThumbnailFormat::Jpeg => "jpeg",
            ThumbnailFormat::Png => "png",
            ThumbnailFormat::Webp => "webp",
        }
    }
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub posts_table: bool,
    pub users_table: bool,
    pub user_pool: bool,
    pub site_bucket: bool,
    pub uploads_bucket: bool,
    pub thumbnails_bucket: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            posts_table: true,
            users_table: true,
            user_pool: true,
            site_bucket: true,
            uploads_bucket: true,
            thumbnails_bucket: true,
        }
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
        .map(|r| format!("{} {}", r.method, r.path))
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

/// The uploads bucket's name: `blog-uploads-<stack UUID>`. It is explicit
/// because the bucket invokes the thumbnail function, whose role and invoke
/// permission must name the bucket before it exists (a `Ref` would be a
/// dependency cycle).
fn uploads_bucket_name() -> Value<String> {
    named(&format!("{UPLOADS_BUCKET_PREFIX}-${{StackUuid}}"))
}

/// `Fn::Sub` of `template` with `${StackUuid}` defined.
fn named(template: &str) -> Value<String> {
    let mut vars = IndexMap::new();
    vars.insert("StackUuid".to_string(), stack_uuid());
    Intrinsic::SubWith(template.to_string(), vars).into()
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

/// BLOG-6: the uploads bucket's ARN.
fn uploads_bucket_arn() -> Value<String> {
    named(&format!(
        "arn:${{AWS::Partition}}:s3:::{UPLOADS_BUCKET_PREFIX}-${{StackUuid}}"
    ))
}

/// BLOG-6: the ARN of the uploaded photos (under the uploads prefix).
fn uploads_objects_arn() -> Value<String> {
    named(&format!(
        "arn:${{AWS::Partition}}:s3:::{UPLOADS_BUCKET_PREFIX}-${{StackUuid}}/{UPLOADS_PREFIX}*"
    ))
}

/// BLOG-6: the thumbnails bucket, served by the distribution.
fn add_thumbnails_bucket(t: &mut Template, o: &Options) -> Result<StaticSiteIds, Error> {
    let thumbs = StaticSite {
        id: "ThumbnailsBucket",
        cdn: CDN_NAME,
        noncurrent_version_days: None,
        access_logs: None,
        retain: o.retain.thumbnails_bucket,
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    if let Some(b) = t.resource_mut(thumbs.bucket.as_str()) {
        b.accepts_risk(
            "CKV_AWS_21",
            "thumbnails are derived: the thumbnail function makes them again from the versioned uploads",
        );
    }
    Ok(thumbs)
}

/// BLOG-3, BLOG-6: the API function's environment (posts, presigned
/// uploads, thumbnails).
fn api_environment(o: &Options, posts: &LogicalId) -> IndexMap<String, Value<String>> {
    let uploads_open = o
        .auth
        .public_routes
        .iter()
        .any(|r| r == "POST /api/uploads");
    let mut api_env = IndexMap::new();
    api_env.insert("POSTS_TABLE".to_string(), posts.r#ref());
    api_env.insert("UPLOADS_BUCKET".to_string(), uploads_bucket_name());
    api_env.insert("UPLOADS_PREFIX".to_string(), UPLOADS_PREFIX.into());
    api_env.insert("UPLOADERS_GROUP".to_string(), AUTHORS_GROUP.into());
    if uploads_open {
        api_env.insert("UPLOADS_PUBLIC".to_string(), "true".into());
    }
    api_env.insert(
        "MAX_UPLOAD_BYTES".to_string(),
        (o.thumbnails.max_upload_mb.get() * 1024 * 1024)
            .to_string()
            .into(),
    );
    api_env.insert(
        "THUMBNAILS_PATH".to_string(),
        format!("/{THUMBNAILS_PREFIX}").into(),
    );
    api_env.insert(
        "THUMBNAIL_EXTENSION".to_string(),
        extension(o.thumbnails.format).into(),
    );
    api_env
}

/// BLOG-2: the network and DAX cluster the API function reads posts
/// through; adds its endpoint and permissions to the function's and
/// returns the function's VPC configuration.
fn add_dax(
    t: &mut Template,
    o: &Options,
    posts: &LogicalId,
    users: &LogicalId,
    api_env: &mut IndexMap<String, Value<String>>,
    api_statements: &mut Vec<Statement>,
) -> Result<VpcConfig, Error> {
    let network = PrivateNetwork {
        name: "Network",
        cidr: &o.dax.vpc_cidr,
        gateway_endpoints: vec![(
            "dynamodb",
            vec![Statement::allow(
                &[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                ],
                vec![posts.get_att("Arn"), users.get_att("Arn")],
            )
            .sid("ThisStacksTablesOnly")
            .principal(Principal::Everyone)],
        )],
        requirements: &["BLOG-2"],
    }
    .add_to(t)?;
    let dax = DaxCluster {
        name: "Dax",
        node_type: o.dax.node_type.as_str(),
        nodes: o.dax.nodes.get_u32(),
        vpc: &network.vpc,
        subnets: &network.subnets,
        tables: vec![posts.get_att("Arn")],
        record_ttl_ms: o.dax.item_ttl_seconds.get() * 1000,
        query_ttl_ms: o.dax.query_ttl_seconds.get() * 1000,
        requirements: &["BLOG-2"],
    }
    .add_to(t)?;
    api_env.insert(
        "DAX_ENDPOINT".to_string(),
        dax.cluster.get_att("ClusterDiscoveryEndpointURL"),
    );
    api_statements.push(
        Statement::allow(
            &["dax:GetItem", "dax:Query", "dax:Scan"],
            vec![dax.cluster.get_att("Arn")],
        )
        .sid("ReadPostsThroughDax"),
    );
    api_statements.extend(crate::components::function::network_interface_statements());
    let vpc = VpcConfig {
        security_group_ids: Some(vec![dax.client_security_group.get_att("GroupId")].into()),
        subnet_ids: Some(
            network
                .subnets
                .iter()
                .map(LogicalId::r#ref)
                .collect::<Vec<_>>()
                .into(),
        ),
        ..Default::default()
    };
    t.output(
        "DaxEndpoint",
        "The DAX cluster's discovery endpoint",
        dax.cluster.get_att("ClusterDiscoveryEndpointURL"),
        None,
    )?;
    Ok(vpc)
}

/// BLOG-3 (and BLOG-2 through DAX, BLOG-6 for uploads): the API function
/// and the API in front of it, its public reads accepted as open.
fn add_api(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    posts: &LogicalId,
    users: &LogicalId,
    auth: &UserAuthIds,
) -> Result<BuiltApi, Error> {
    let o = b.o;
    let posts_read = &["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"];
    let mut api_statements = vec![
        Statement::allow(posts_read, vec![posts.get_att("Arn")]).sid("ReadPosts"),
        Statement::allow(&["s3:PutObject"], vec![uploads_objects_arn()])
            .sid("PresignedPhotoUploads"),
    ];
    let mut api_env = api_environment(o, posts);
    let mut vpc = None;
    let mut api_requirements: &[&str] = &["BLOG-3"];
    if o.dax.enabled {
        api_requirements = &["BLOG-2", "BLOG-3"];
        vpc = Some(add_dax(
            t,
            o,
            posts,
            users,
            &mut api_env,
            &mut api_statements,
        )?);
    }
    let api_fn = LambdaFunction {
        name: "Api",
        description: "Blog API: posts, presigned photo uploads for authors",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.api.memory_mb.get_u32(),
        timeout_s: o.functions.api.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: api_env,
        statements: api_statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc,
        requirements: api_requirements,
    }
    .add_to(t)?;
    let api = build_api_opening(
        t,
        RestApi {
            name: "Api",
            description: "Blog API, served by CloudFront under /api/*",
            routes: ROUTES,
            function: &api_fn.function,
            user_pool: Some(&auth.pool),
            endpoint_type: "REGIONAL",
            stage_name: o.api.stage_name.as_str(),
            throttle_rate: o.api.throttle_rate_per_second.get_u32(),
            throttle_burst: o.api.throttle_burst.get_u32(),
            cache: None,
            log_retention_days: o.log_retention_days.get(),
            manage_account_role: o.api.manage_account_logging_role,
            requirements: &["BLOG-3"],
            cache_requirements: &[],
            auth_requirements: &["BLOG-6"],
            features: None,
        },
        Some(JwtIssuer {
            user_pool: &auth.pool,
            client: &auth.client,
        }),
        &o.api,
        &|r| is_public(o, r),
    )?;
    for r in ROUTES.iter().filter(|r| is_public(o, r)) {
        let key = format!("{} {}", r.method, r.path);
        let reason = if PUBLIC_READS.contains(&key.as_str()) {
            "public by design: anyone may read the published posts (BLOG-3); the stage throttles every caller"
        } else {
            "the project opened this route (options.auth.public_routes, warned at synth)"
        };
        accept_open_route(t, "Api", r, reason);
    }
    Ok(api)
}

/// BLOG-5: the welcome email, for new users only.
fn add_welcome_email(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    users: &LogicalId,
) -> Result<(), Error> {
    let o = b.o;
    let welcome_failures = add_failure_queue(t, "WelcomeEmailFailures", &["BLOG-5"])?;
    let identity = match o.welcome_email.identity {
        SesIdentity::Domain => o.welcome_email.sender.domain().to_string(),
        SesIdentity::Address => o.welcome_email.sender.to_string(),
    };
    let mut welcome_statements = vec![
        Statement::allow(
            &["ses:SendEmail"],
            vec![arn(&format!(
                "ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{identity}"
            ))],
        )
        .sid("SendOnlyFromTheConfiguredIdentity")
        .condition(
            "StringEquals",
            "ses:FromAddress",
            vec![o.welcome_email.sender.as_str().into()],
        ),
        Statement::allow(&["dynamodb:UpdateItem"], vec![users.get_att("Arn")])
            .sid("MarkUsersWelcomed"),
        send_to_queue_statement(&welcome_failures, "KeepFailedRecords"),
    ];
    welcome_statements.extend(stream_read_statement(users));
    let mut welcome_env = IndexMap::new();
    welcome_env.insert("USERS_TABLE".to_string(), users.r#ref());
    welcome_env.insert("SENDER".to_string(), o.welcome_email.sender.as_str().into());
    welcome_env.insert(
        "SUBJECT".to_string(),
        o.welcome_email.subject.as_str().into(),
    );
    welcome_env.insert(
        "SITE_NAME".to_string(),
        o.welcome_email.site_name.as_str().into(),
    );
    welcome_env.insert("SITE_URL".to_string(), b.site_url.clone());
    let welcome = LambdaFunction {
        name: "WelcomeEmail",
        description: "Sends the welcome email to each new user (users-table stream, INSERT only)",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.welcome_email.memory_mb.get_u32(),
        timeout_s: o.functions.welcome_email.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: welcome_env,
        statements: welcome_statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: &["BLOG-5"],
    }
    .add_to(t)?;
    StreamTrigger {
        id: "WelcomeEmailTrigger",
        function: &welcome.function,
        table: users,
        event_names: &["INSERT"],
        batch_size: 10,
        max_retries: 3,
        on_failure: Some(&welcome_failures),
        requirements: &["BLOG-5"],
    }
    .add_to(t)?;
    Ok(())
}

/// BLOG-6: the thumbnail function's environment.
fn thumbnails_environment(b: &Blog, thumbs_bucket: &LogicalId) -> IndexMap<String, Value<String>> {
    let o = b.o;
    let mut thumb_env = IndexMap::new();
    thumb_env.insert("THUMBNAILS_BUCKET".to_string(), thumbs_bucket.r#ref());
    thumb_env.insert("THUMBNAILS_PREFIX".to_string(), THUMBNAILS_PREFIX.into());
    thumb_env.insert("UPLOADS_PREFIX".to_string(), UPLOADS_PREFIX.into());
    thumb_env.insert(
        "THUMBNAIL_SIZE".to_string(),
        o.thumbnails.size_px.to_string().into(),
    );
    thumb_env.insert(
        "THUMBNAIL_FORMAT".to_string(),
        o.thumbnails.format.as_str().into(),
    );
    thumb_env.insert(
        "MAX_SOURCE_BYTES".to_string(),
        (o.thumbnails.max_upload_mb.get() * 1024 * 1024)
            .to_string()
            .into(),
    );
    thumb_env.insert(
        "THUMBNAILS_BASE_URL".to_string(),
        sub_join(&b.site_url, &format!("/{THUMBNAILS_PREFIX}")),
    );
    thumb_env
}

/// BLOG-6: the optional SNS topic and SQS queue announcing new thumbnails,
/// added to the thumbnail function's environment and permissions.
fn add_thumbnail_notices(
    t: &mut Template,
    o: &Options,
    thumb_env: &mut IndexMap<String, Value<String>>,
    thumb_statements: &mut Vec<Statement>,
) -> Result<(), Error> {
    if o.thumbnails.notify_sns {
        let topic = t
            .add(
                "ThumbnailsTopic",
                Topic {
                    display_name: Some("New thumbnails".into()),
                    kms_master_key_id: Some("alias/aws/sns".into()),
                    ..Default::default()
                },
            )?
            .satisfies(&["BLOG-6"])
            .id()
            .clone();
        thumb_env.insert("TOPIC_ARN".to_string(), topic.r#ref());
        thumb_statements.push(
            Statement::allow(&["sns:Publish"], vec![topic.r#ref()]).sid("AnnounceThumbnails"),
        );
        t.output(
            "ThumbnailsTopicArn",
            "Subscribe here to hear about new thumbnails",
            topic.r#ref(),
            None,
        )?;
    }
    if o.thumbnails.notify_sqs {
        let queue = t
            .add(
                "ThumbnailsQueue",
                Queue {
                    message_retention_period: Some((4 * 24 * 3600).into()),
                    sqs_managed_sse_enabled: Some(true.into()),
                    ..Default::default()
                },
            )?
            .retain()
            .satisfies(&["BLOG-6"])
            .id()
            .clone();
        thumb_env.insert("QUEUE_URL".to_string(), queue.r#ref());
        thumb_statements.push(send_to_queue_statement(&queue, "QueueThumbnailEvents"));
        t.output(
            "ThumbnailsQueueUrl",
            "A queue that receives an event for each new thumbnail",
            queue.r#ref(),
            None,
        )?;
    }
    Ok(())
}

/// How uploads reach the thumbnail function: the uploads bucket's
/// notifications and what the bucket must wait for.
struct UploadEvents {
    notifications: NotificationConfiguration,
    depends_on: Vec<LogicalId>,
}

/// BLOG-6 (and FLOW): optional notifications, the thumbnail function and
/// what triggers it.
fn add_thumbnails(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    thumbs_bucket: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<UploadEvents, Error> {
    let o = b.o;
    let mut thumb_statements = vec![
        Statement::allow(&["s3:GetObject"], vec![uploads_objects_arn()]).sid("ReadUploadedPhotos"),
        Statement::allow(
            &["s3:PutObject"],
            vec![sub(format!("${{{}.Arn}}/{THUMBNAILS_PREFIX}*", thumbs_bucket)).into()],
        )
        .sid("WriteThumbnailsToTheOtherBucket"),
    ];
    let mut thumb_env = thumbnails_environment(b, thumbs_bucket);
    add_thumbnail_notices(t, o, &mut thumb_env, &mut thumb_statements)?;
    // FLOW: the state machine invokes the function synchronously and keeps
    // failed executions itself; without it, S3 invokes it asynchronously.
    let thumb_failures = if o.flow.enabled {
        None
    } else {
        let q = add_failure_queue(t, "ThumbnailsFailures", &["BLOG-6"])?;
        thumb_statements.push(send_to_queue_statement(&q, "KeepFailedEvents"));
        Some(q)
    };
    let thumbnails = LambdaFunction {
        name: "Thumbnails",
        description: "Makes a thumbnail of each uploaded photo, into the thumbnails bucket",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.thumbnails.memory_mb.get_u32(),
        timeout_s: o.functions.thumbnails.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: thumb_env,
        statements: thumb_statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    match &thumb_failures {
        Some(failures) => add_upload_invocations(t, &thumbnails.function, failures),
        None => {
            add_thumbnails_flow(
                t,
                o,
                b.code,
                &b.assets,
                &thumbnails.function,
                &uploads_bucket_name(),
                &uploads_objects_arn(),
                thumbs_bucket,
                packages,
            )?;
            // FLOW: the bucket's events reach the state machine through EventBridge.
            Ok(UploadEvents {
                notifications: NotificationConfiguration {
                    event_bridge_configuration: Some(
                        EventBridgeConfiguration {
                            event_bridge_enabled: true.into(),
                        }
                        .into(),
                    ),
                    ..Default::default()
                },
                depends_on: Vec::new(),
            })
        }
    }
}

/// BLOG-6: S3 invokes the thumbnail function asynchronously for each upload,
/// failed events kept in `failures`.
fn add_upload_invocations(
    t: &mut Template,
    thumbnails: &LogicalId,
    failures: &LogicalId,
) -> Result<UploadEvents, Error> {
    AsyncFailures {
        id: "ThumbnailsAsyncFailures",
        function: thumbnails,
        max_retries: 2,
        max_event_age_s: 3600,
        on_failure: failures,
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    let permission = allow_invoke(
        t,
        "ThumbnailsInvokedByUploads",
        thumbnails,
        "s3.amazonaws.com",
        uploads_bucket_arn(),
        true,
        &["BLOG-6"],
    )?;
    let notifications = NotificationConfiguration {
        lambda_configurations: Some(
            vec![LambdaConfiguration {
                filter: Some(
                    NotificationFilter::new(S3KeyFilter::new(vec![FilterRule::new(
                        "prefix",
                        UPLOADS_PREFIX,
                    )]))
                    .into(),
                ),
                ..LambdaConfiguration::new("s3:ObjectCreated:*", thumbnails.get_att("Arn"))
            }]
            .into(),
        ),
        ..Default::default()
    };
    Ok(UploadEvents {
        notifications,
        depends_on: vec![permission],
    })
}

/// BLOG-6: the uploads bucket (accelerated, explicitly named, CORS for the
/// site's presigned uploads).
fn add_uploads(t: &mut Template, b: &Blog, events: UploadEvents) -> Result<(), Error> {
    let cors_origins: Vec<Value<String>> = vec![b.site_url.clone()];
    PrivateBucket {
        id: "UploadsBucket",
        // The authors' originals: an overwrite or delete keeps the old
        // version for 30 days.
        noncurrent_version_days: Some(30),
        retain: b.o.retain.uploads_bucket,
        requirements: &["BLOG-6"],
        bucket_name: Some(uploads_bucket_name()),
        transfer_acceleration: true,
        cors: Some(CorsConfiguration::new(vec![CorsRule {
            allowed_headers: Some(vec!["*".into()].into()),
            max_age: Some(3600.into()),
            ..CorsRule::new(vec![AllowedMethods::Post.into()], cors_origins)
        }])),
        notifications: Some(events.notifications),
        depends_on: events.depends_on,
        ..Default::default()
    }
    .add_to(t)?;
    Ok(())
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

/// FLOW: the photo metadata function, the state machine that runs it and
/// the thumbnail function in parallel, and the EventBridge rule that starts
/// an execution for each upload.
#[allow(clippy::too_many_arguments)]
fn add_thumbnails_flow(
    t: &mut Template,
    o: &Options,
    code: &CodeSource,
    assets: &LogicalId,
    thumbnails: &LogicalId,
    uploads_name: &Value<String>,
    uploads_objects: &Value<String>,
    thumbs_bucket: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<(), Error> {
    let requirements: &[&str] = &["FLOW", "BLOG-6"];
    let package = code.package_for("photo_metadata", o.functions.architecture)?;
    let max_bytes = o.thumbnails.max_upload_mb.get() * 1024 * 1024;
    let mut env = IndexMap::new();
    env.insert("THUMBNAILS_BUCKET".to_string(), thumbs_bucket.r#ref());
    env.insert("THUMBNAILS_PREFIX".to_string(), THUMBNAILS_PREFIX.into());
    env.insert("UPLOADS_PREFIX".to_string(), UPLOADS_PREFIX.into());
    env.insert("MAX_SOURCE_BYTES".to_string(), max_bytes.to_string().into());
    let metadata = LambdaFunction {
        name: "PhotoMetadata",
        description: "Records each uploaded photo's size, format and date taken, next to its thumbnail (FLOW)",
        package: &package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: o.functions.thumbnails.memory_mb.get_u32(),
        timeout_s: o.functions.thumbnails.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: env,
        statements: vec![
            Statement::allow(&["s3:GetObject"], vec![uploads_objects.clone()])
                .sid("ReadUploadedPhotos"),
            Statement::allow(
                &["s3:PutObject"],
                vec![sub(format!("${{{thumbs_bucket}.Arn}}/{THUMBNAILS_PREFIX}*")).into()],
            )
            .sid("WriteMetadataNextToThumbnails"),
        ],
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements,
    }
    .add_to(t)?;
    packages.push(package);

    // The function input: the S3 event record each function takes, made
    // from the EventBridge event.
    let record = json!({"Records": [{"s3": {
        "bucket": {"name.$": "$.detail.bucket.name"},
        "object": {"key.$": "$.detail.object.key", "size.$": "$.detail.object.size"},
    }}]});
    let f = &o.flow;
    let definition = GuardedParallel {
        comment: "BLOG-6 thumbnails as a workflow (FLOW): an uploaded photo gets its thumbnail and its metadata in parallel",
        guard: (
            "CheckUpload",
            ChoiceState {
                comment: Some("Photos over the upload limit are skipped, as the function would".into()),
                choices: vec![ChoiceRule {
                    next: Some("TooLarge".into()),
                    ..present_and(
                        "$.detail.object.size",
                        ChoiceRule {
                            numeric_greater_than: Some(max_bytes),
                            ..Default::default()
                        },
                    )
                }],
                default: Some("ThumbnailAndMetadata".into()),
            },
        ),
        other: (
            "TooLarge",
            State::Succeed(SucceedState {
                comment: Some("Larger than thumbnails.max_upload_mb: nothing to do".into()),
            }),
        ),
        parallel: "ThumbnailAndMetadata",
        parallel_comment: "The thumbnail and the metadata, at once",
        tasks: vec![
            ParallelTask {
                state: "MakeThumbnail",
                description: "The thumbnail function",
                variable: "ThumbnailsFunctionArn",
                input: record.clone(),
                result: "thumbnail",
                failed: "ThumbnailFailed",
            },
            ParallelTask {
                state: "ReadMetadata",
                description: "The metadata function",
                variable: "PhotoMetadataFunctionArn",
                input: record,
                result: "metadata",
                failed: "MetadataFailed",
            },
        ],
        failed_error: "ThumbnailsFlowFailed",
    }
    .definition(f);
    let flow = Flow {
        name: "ThumbnailsFlow",
        options: f,
        definition,
        functions: vec![
            FlowFunction {
                variable: "ThumbnailsFunctionArn",
                function: thumbnails,
            },
            FlowFunction {
                variable: "PhotoMetadataFunctionArn",
                function: &metadata.function,
            },
        ],
        log_retention_days: o.log_retention_days.get(),
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;

    // Each new upload starts an execution.
    let rule_role = t
        .add(
            "ThumbnailsFlowTriggerRole",
            Role {
                policies: Some(
                    vec![InlinePolicy::new(
                        "least-privilege",
                        PolicyDocument::new(vec![start_execution_statement(
                            &flow.state_machine,
                            "StartOnlyTheThumbnailsFlow",
                        )]),
                    )]
                    .into(),
                ),
                ..Role::described(
                    PolicyDocument::new(vec![Statement::assume_by_service(&[
                        "events.amazonaws.com",
                    ])
                    .condition(
                        "StringEquals",
                        "aws:SourceAccount",
                        vec![sub("${AWS::AccountId}").into()],
                    )]),
                    "Lets EventBridge start the thumbnails flow, and nothing else",
                )
            },
        )?
        .satisfies(requirements)
        .id()
        .clone();
    t.add(
        "ThumbnailsFlowTrigger",
        Rule {
            description: Some(
                "Each photo uploaded under uploads/ starts the thumbnails flow".into(),
            ),
            event_pattern: Some(EventPattern {
                source: vec!["aws.s3".into()],
                detail_type: vec!["Object Created".into()],
                detail: json!({
                    "bucket": {"name": [uploads_name]},
                    "object": {"key": [{"prefix": UPLOADS_PREFIX}]},
                }),
            }),
            state: Some(RuleState::Enabled.into()),
            targets: Some(
                vec![Target {
                    role_arn: Some(rule_role.get_att("Arn")),
                    retry_policy: Some(
                        RetryPolicy {
                            maximum_event_age_in_seconds: Some(3600.into()),
                            maximum_retry_attempts: Some(10.into()),
                        }
                        .into(),
                    ),
                    ..Target::new(flow.state_machine.r#ref(), "ThumbnailsFlow")
                }]
                .into(),
            ),
            ..Default::default()
        },
    )?
    .satisfies(requirements);
    t.output(
        "ThumbnailsFlowArn",
        "The thumbnails state machine (FLOW); one execution per upload",
        flow.state_machine.r#ref(),
        None,
    )?;
    Ok(())
}

/// The file extension of a thumbnail format.
fn extension(format: ThumbnailFormat) -> &'static str {
    match format {
        ThumbnailFormat::Jpeg => ".jpg",
        ThumbnailFormat::Png => ".png",
        ThumbnailFormat::Webp => ".webp",
    }
}

/// `base` (a literal or an `Fn::Sub`) followed by `suffix`.
fn sub_join(base: &Value<String>, suffix: &str) -> Value<String> {
    match base {
        Value::Lit(s) => format!("{s}{suffix}").into(),
        Value::Fn(f) => match f.as_ref() {
            Intrinsic::Sub(s) => sub(format!("{s}{suffix}")).into(),
            other => {
                Intrinsic::Join(String::new(), vec![other.clone().into(), suffix.into()]).into()
            }
        },
    }
}

impl super::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}
