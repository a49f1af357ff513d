//! `microservices`: many services behind one API (MICRO-1 to MICRO-5).
//!
//! Each service is its own nested stack: its function, its routes under its
//! own base path, an optional table and optional asynchronous inputs (SQS
//! queue with a dead-letter queue, SNS topic fanned out to the queue, Kinesis
//! stream, S3 event triggers). A change to one service changes only its
//! nested template. The root stack holds what the services share: a REST API
//! and its stage, or with `front: alb` an Application Load Balancer with one
//! listener rule per service, each signing users in (Cognito or OIDC) before
//! it forwards. `blueprint openapi` exports every route as
//! OpenAPI 3 (MICRO-4). A root over CloudFormation's limits is split into
//! overflow stacks by synthesis, each service being one unit (MICRO-5, see
//! [`crate::split`]).

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use indexmap::IndexMap;
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub mod openapi;
pub mod schema;

pub use openapi::{builtin_code, openapi, OPENAPI_VERSION};
use schema::{NamedSchemas, RequestSpec, Responses};
use crate::blueprints::{Expansion, ProjectInfo, Requirement, StackTemplate};
use crate::assets::{hex, CodeSource, Package};
use crate::cfn::intrinsic::{cidr, get_azs, select, sub, Expr, Intrinsic};
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::apigateway::{
    AccessLogSetting, Account, Deployment, EndpointConfiguration, Integration, Method,
    MethodSetting, Model, RequestValidator, Resource as ApiResource, RestApi, Stage,
};
use crate::cfn::resources::cognito::{
    AccountRecoverySetting, AdminCreateUserConfig, PasswordPolicy, RecoveryOption,
    TokenValidityUnits, UserPool, UserPoolDomain, UserPoolPolicies, UserPoolWebClient,
};
use crate::cfn::resources::ec2::{
    EgressRule, InternetGateway, Route as Ec2Route, RouteTable, SecurityGroup,
    SecurityGroupIngress, Subnet, SubnetRouteTableAssociation, Vpc, VpcGatewayAttachment,
};
use crate::cfn::resources::elasticloadbalancingv2 as elb;
use crate::cfn::resources::iam::Role;
use crate::cfn::resources::kinesis::{Stream, StreamEncryption, StreamModeDetails};
use crate::cfn::resources::lambda::{
    DestinationConfig, EventInvokeConfig, EventSourceMapping, OnFailure, Permission,
};
use crate::cfn::resources::s3::{
    FilterRule, LambdaConfiguration, NotificationConfiguration, NotificationFilter, S3KeyFilter,
};
use crate::cfn::resources::sns::Topic;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::resources::Tag;
use crate::cfn::{DeletionPolicy, LogicalId, Parameter, Pseudo, Template, Value};
use crate::components::api_options::{
    add_http_domain, add_private_endpoint, add_rest_domain, add_usage_plan, cache_key_parameters,
    private_policy, route_method_settings, uncache_methods, API_OPTIONS,
};
use crate::components::arn;
use crate::components::bucket::PrivateBucket;
use crate::components::function::LambdaFunction;
use crate::components::http_api::{self, HttpThrottling};
use crate::components::log_group::add_log_group;
use crate::components::queue::{
    allow_topic_to_send, subscribe_queue, BufferedQueue, QueueConsumer, CONSUME_ACTIONS,
};
use crate::components::rest_api::{path_id, title, ACCESS_LOG_FORMAT};
use crate::components::table::Table;
use crate::config::api_options::ApiDomain;
use crate::config::lambda::LambdaOptions;
pub use crate::config::queue::{QueueOptions, TopicOptions};
use crate::config::{Architecture, DomainName, Ranged, RetentionDays, VpcCidr};
use crate::error::Error;
use crate::synthesis::ASSETS_BUCKET;

pub const NAME: &str = "microservices";
pub const SUMMARY: &str =
    "Microservices: a nested stack per service behind one API Gateway (or ALB), async inputs (SQS, SNS, Kinesis, S3), OpenAPI export, splits past CloudFormation's limits";

pub static REQUIREMENTS: &[Requirement] = &[
    Requirement { id: "MICRO-1", text: "Many services talking REST, each scaling and deploying on its own: one nested stack per service with its own function and routes; a shared API Gateway with one base path per service" },
    Requirement { id: "MICRO-2", text: "Synchronous pattern: API Gateway (or an Application Load Balancer, `front: alb`) in front of each service" },
    Requirement { id: "MICRO-3", text: "Asynchronous patterns per service: SQS queue with a dead-letter queue, SNS topic fanned out to the queue, Kinesis stream, or S3 event triggers" },
    Requirement { id: "MICRO-4", text: "Client SDK generation: the API exported as OpenAPI 3 (`blueprint openapi`), operation names on every method" },
    Requirement { id: "MICRO-5", text: "Grows past CloudFormation's limits: services are nested stacks, and a stack over 500 resources or the size limits is split into overflow nested stacks by itself" },
    Requirement { id: "API-OPTIONS", text: crate::components::api_options::API_OPTIONS_TEXT },
];

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/// The microservices blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "RawOptions")]
pub struct Options {
    /// MICRO-2: what receives the requests.
    pub front: Front,
    pub api: ApiOptions,
    pub alb: AlbOptions,
    pub architecture: Architecture,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
    /// MICRO-1: the services, in a stable order (see the split rule).
    pub services: Services,
    /// MICRO-4: named JSON Schemas the routes' schemas refer to with
    /// `$ref: "#/components/schemas/Name"`.
    pub schemas: NamedSchemas,
}

/// The options as written, before the checks that span several of them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawOptions {
    front: Front,
    api: ApiOptions,
    alb: AlbOptions,
    architecture: Architecture,
    log_retention_days: RetentionDays,
    lambda: LambdaOptions,
    retain: RetainOptions,
    security: crate::config::security::SecurityOptions,
    services: Services,
    schemas: NamedSchemas,
}

impl Default for RawOptions {
    fn default() -> Self {
        let o = Options::default();
        RawOptions {
            front: o.front,
            api: o.api,
            alb: o.alb,
            architecture: o.architecture,
            log_retention_days: o.log_retention_days,
            lambda: o.lambda,
            retain: o.retain,
            security: o.security,
            services: o.services,
            schemas: o.schemas,
        }
    }
}

impl TryFrom<RawOptions> for Options {
    type Error = String;

    fn try_from(r: RawOptions) -> Result<Self, String> {
        match r.front {
            Front::Alb if r.alb.certificate_arn.is_none() => {
                return Err("options.front: `alb` needs options.alb.certificate_arn, the ACM certificate of the load balancer's HTTPS listener".into());
            }
            Front::Alb => r.alb.authentication.check()?,
            Front::ApiGateway if r.services.iter().all(|s| s.routes.is_empty()) => {
                return Err("options.services: no service has routes; `front: api-gateway` needs at least one (an API without methods cannot be deployed)".into());
            }
            _ => {}
        }
        // API-OPTIONS: throttled routes must be the services' routes.
        let keys: Vec<String> = r
            .services
            .iter()
            .flat_map(|s| s.routes.iter().map(move |rt| route_key(s, rt)))
            .collect();
        if let Some(message) = r.api.unknown_route(&keys) {
            return Err(message);
        }
        check_schemas(&r.services, &r.schemas)?;
        Ok(Options {
            front: r.front,
            api: r.api,
            alb: r.alb,
            architecture: r.architecture,
            log_retention_days: r.log_retention_days,
            lambda: r.lambda,
            retain: r.retain,
            security: r.security,
            services: r.services,
            schemas: r.schemas,
        })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            front: Front::ApiGateway,
            api: ApiOptions::default(),
            alb: AlbOptions::default(),
            architecture: Architecture::Arm64,
            log_retention_days: RetentionDays::default(),
            lambda: LambdaOptions::default(),
            retain: RetainOptions::default(),
            security: Default::default(),
            services: Services(example_services()),
            schemas: NamedSchemas::default(),
        }
    }
}

/// The two example services of the documented defaults.
fn example_services() -> Vec<Service> {
    let route = |method, path: &str| RouteSpec {
        method,
        path: RoutePath::new(path).unwrap_or_else(|_| unreachable!()),
        request: None,
        responses: Responses::default(),
    };
    let users = Service {
        name: ServiceName::new("users").unwrap_or_else(|_| unreachable!()),
        base_path: Some(PathSegment::new("users").unwrap_or_else(|_| unreachable!())),
        code: Some(ServiceName::new("users").unwrap_or_else(|_| unreachable!())),
        memory_mb: default_memory(),
        timeout_seconds: default_timeout(),
        environment: EnvVars::default(),
        table: true,
        routes: vec![
            route(HttpMethod::Get, "/"),
            route(HttpMethod::Post, "/"),
            route(HttpMethod::Get, "/{userId}"),
            route(HttpMethod::Put, "/{userId}"),
            route(HttpMethod::Delete, "/{userId}"),
        ],
        inputs: Inputs::default(),
    };
    let orders = Service {
        name: ServiceName::new("orders").unwrap_or_else(|_| unreachable!()),
        base_path: Some(PathSegment::new("orders").unwrap_or_else(|_| unreachable!())),
        code: Some(ServiceName::new("orders").unwrap_or_else(|_| unreachable!())),
        routes: vec![
            route(HttpMethod::Get, "/"),
            route(HttpMethod::Post, "/"),
            route(HttpMethod::Get, "/{orderId}"),
            route(HttpMethod::Delete, "/{orderId}"),
        ],
        inputs: Inputs {
            queue: Some(QueueOptions::default()),
            topic: Some(TopicOptions::default()),
            stream: None,
            bucket: None,
        },
        ..users.clone()
    };
    vec![users, orders]
}

/// MICRO-2: API Gateway or an Application Load Balancer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Front {
    #[default]
    ApiGateway,
    Alb,
}

/// The API (`front: api-gateway`): who may call it, and the options every
/// blueprint's API shares (API-OPTIONS).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiOptions {
    pub authorization: Authorization,
    pub shared: SharedApiOptions,
}

/// `authorization` beside the shared keys, read without buffering the
/// mapping (as `#[serde(flatten)]` would), so every mistake in it keeps the
/// parser's location.
impl<'de> Deserialize<'de> for ApiOptions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ApiOptionsVisitor)
    }
}

struct ApiOptionsVisitor;

impl<'de> serde::de::Visitor<'de> for ApiOptionsVisitor {
    type Value = ApiOptions;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ApiOptions, A::Error> {
        let mut authorization = None;
        let shared = SharedApiOptions::deserialize(serde::de::value::MapAccessDeserializer::new(
            TakingAuthorization {
                map,
                authorization: &mut authorization,
            },
        ))?;
        Ok(ApiOptions {
            authorization: authorization.unwrap_or_default(),
            shared,
        })
    }
}

/// The API mapping with `authorization` taken out as it streams past.
struct TakingAuthorization<'a, A> {
    map: A,
    authorization: &'a mut Option<Authorization>,
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for TakingAuthorization<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        use serde::de::{Error as _, IntoDeserializer};
        loop {
            let Some(key) = self.map.next_key::<String>()? else {
                return Ok(None);
            };
            if key != "authorization" {
                return seed.deserialize(key.into_deserializer()).map(Some);
            }
            if self.authorization.is_some() {
                return Err(A::Error::duplicate_field("authorization"));
            }
            *self.authorization = Some(self.map.next_value()?);
        }
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// The options every blueprint's API shares (API-OPTIONS).
pub type SharedApiOptions = crate::config::api_options::ApiOptions<MicroservicesApi>;

impl std::ops::Deref for ApiOptions {
    type Target = SharedApiOptions;

    fn deref(&self) -> &SharedApiOptions {
        &self.shared
    }
}

/// The API's shape for the shared options: its routes are the services'
/// (checked with the services, see `Options`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MicroservicesApi;

impl crate::config::api_options::ApiShape for MicroservicesApi {
    const RATE: u64 = 100;
    const BURST: u64 = 200;
    fn routes() -> Option<Vec<String>> {
        None
    }
}

/// Where the API's endpoint lives.
pub use crate::config::api_options::Endpoint;

/// Who may call the routes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Authorization {
    /// Requests signed with AWS credentials (SigV4); every service's role may
    /// call the API, so services talk to each other this way.
    #[default]
    Iam,
    /// Anyone.
    None,
}

/// The load balancer (`front: alb`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlbOptions {
    pub certificate_arn: Option<crate::config::CertificateArn>,
    pub ssl_policy: SslPolicy,
    pub vpc_cidr: VpcCidr,
    /// The host name clients use (on the certificate); the sign-in pages
    /// send users back to it. `null`: the load balancer's own DNS name only.
    pub domain_name: Option<DomainName>,
    pub authentication: AlbAuthentication,
}

impl Default for AlbOptions {
    fn default() -> Self {
        AlbOptions {
            certificate_arn: None,
            ssl_policy: SslPolicy(SSL_POLICIES[0].to_string()),
            vpc_cidr: VpcCidr::new("10.0.0.0/16").unwrap_or_else(|_| unreachable!()),
            domain_name: None,
            authentication: AlbAuthentication::default(),
        }
    }
}

/// Who may reach the services behind the load balancer: every HTTPS
/// listener rule signs the user in first (`authenticate-cognito` or
/// `authenticate-oidc`), then forwards.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlbAuthentication {
    pub mode: AlbAuthMode,
    /// `mode: cognito` with an existing user pool; `null`: the stack
    /// creates one (sign-up by administrators only).
    pub cognito: Option<ExistingUserPool>,
    /// `mode: oidc`: the OpenID Connect provider.
    pub oidc: Option<OidcProvider>,
}

/// How users sign in at the load balancer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlbAuthMode {
    /// A Cognito user pool (created, or `cognito:` an existing one).
    #[default]
    Cognito,
    /// An OpenID Connect provider (`oidc:`).
    Oidc,
    /// No sign-in: anyone on the internet reaches the services (a warning).
    None,
}

/// An existing Cognito user pool, its app client (with a secret and the
/// authorization code flow, its callback `https://<host>/oauth2/idpresponse`)
/// and its domain.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExistingUserPool {
    pub user_pool_arn: UserPoolArn,
    pub user_pool_client_id: ClientId,
    /// The domain prefix (`my-app`) or the pool's custom domain.
    pub user_pool_domain: UserPoolDomainName,
}

/// An OpenID Connect provider: its HTTPS endpoints, this application's
/// client ID, and the client secret kept in AWS Secrets Manager (the
/// template holds only a dynamic reference to it).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    pub issuer: HttpsUrl,
    pub authorization_endpoint: HttpsUrl,
    pub token_endpoint: HttpsUrl,
    pub user_info_endpoint: HttpsUrl,
    pub client_id: ClientId,
    pub client_secret_arn: SecretArn,
}

impl AlbAuthentication {
    /// The settings `mode` needs are given, and no others.
    fn check(&self) -> Result<(), String> {
        match (self.mode, &self.cognito, &self.oidc) {
            (AlbAuthMode::Oidc, _, None) => Err("options.alb.authentication: `mode: oidc` needs `oidc:` with issuer, authorization_endpoint, token_endpoint, user_info_endpoint, client_id and client_secret_arn".into()),
            (AlbAuthMode::Oidc, Some(_), _) => Err("options.alb.authentication: `cognito:` is set but mode is oidc; remove one".into()),
            (AlbAuthMode::Cognito, _, Some(_)) => Err("options.alb.authentication: `oidc:` is set but mode is cognito; set `mode: oidc`".into()),
            (AlbAuthMode::None, Some(_), _) | (AlbAuthMode::None, _, Some(_)) => Err("options.alb.authentication: mode is none, yet a provider is set; remove it or choose its mode".into()),
            _ => Ok(()),
        }
    }
}

/// Checks `s` with `ok`, or says it is not `what` (`like`).
fn text_of<T>(
    s: &str,
    ok: bool,
    what: &str,
    like: &str,
    make: fn(String) -> T,
) -> Result<T, String> {
    if ok && s.len() <= 2048 && !s.chars().any(char::is_whitespace) {
        Ok(make(s.to_string()))
    } else {
        Err(format!("`{s}` is not {what} (like `{like}`)"))
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $like:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn new(s: &str) -> Result<Self, String> {
                let check: fn(&str) -> bool = $check;
                text_of(s, check(s), $what, $like, $name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::config::deserialize_text(d, $what, $name::new)
            }
        }
    };
}

text_type!(
    /// An HTTPS URL (`https://` and a host).
    HttpsUrl,
    "an HTTPS URL",
    "https://login.example.com/oauth2/token",
    |s| s.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
);
text_type!(
    /// An OAuth 2.0 client ID.
    ClientId,
    "a client ID",
    "1example23456789",
    |s| !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_graphic())
);
text_type!(
    /// A Cognito user pool ARN.
    UserPoolArn,
    "a Cognito user pool ARN",
    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123",
    |s| {
        let p: Vec<&str> = s.splitn(6, ':').collect();
        p.len() == 6
            && p[0] == "arn"
            && p[1].starts_with("aws")
            && p[2] == "cognito-idp"
            && p[4].len() == 12
            && p[4].chars().all(|c| c.is_ascii_digit())
            && p[5].strip_prefix("userpool/").is_some_and(|id| {
                id.contains('_') && id.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
            })
    }
);
text_type!(
    /// A user pool's domain: its prefix or its custom domain name.
    UserPoolDomainName,
    "a user pool domain",
    "my-app",
    |s| !s.is_empty()
        && s.len() <= 253
        && !s.starts_with(['-', '.'])
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
);
text_type!(
    /// An AWS Secrets Manager secret ARN.
    SecretArn,
    "a Secrets Manager secret ARN",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:oidc-client-AbCdEf",
    |s| {
        let p: Vec<&str> = s.splitn(7, ':').collect();
        p.len() == 7
            && p[0] == "arn"
            && p[1].starts_with("aws")
            && p[2] == "secretsmanager"
            && p[4].len() == 12
            && p[4].chars().all(|c| c.is_ascii_digit())
            && p[5] == "secret"
            && !p[6].is_empty()
    }
);

/// Which stateful resources survive their removal from a stack.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub tables: bool,
    pub buckets: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            tables: true,
            buckets: true,
        }
    }
}

/// The services, validated together: unique names, logical IDs and base
/// paths, and settings that depend on one another.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Services(pub Vec<Service>);

impl std::ops::Deref for Services {
    type Target = Vec<Service>;
    fn deref(&self) -> &Vec<Service> {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Services {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<Service>::deserialize(d)?;
        validate_services(&list).map_err(D::Error::custom)?;
        Ok(Services(list))
    }
}

/// Environment variables the blueprint sets itself.
const OWN_VARIABLES: &[&str] = &[
    "API_URL",
    "BASE_PATH",
    "BUCKET_NAME",
    "SERVICE_NAME",
    "STREAM_NAME",
    "TABLE_NAME",
];

fn validate_services(list: &[Service]) -> Result<(), String> {
    if list.is_empty() {
        return Err("options.services: list at least one service".into());
    }
    let mut names = BTreeMap::new();
    let mut ids = BTreeMap::new();
    let mut paths = BTreeMap::new();
    for (i, s) in list.iter().enumerate() {
        let n = s.name.as_str();
        if let Some(first) = names.insert(n, i) {
            return Err(format!(
                "options.services[{i}].name: service `{n}` is listed twice (services {} and {})",
                first + 1,
                i + 1
            ));
        }
        if let Some(other) = ids.insert(s.logical(), n) {
            return Err(format!(
                "options.services[{i}].name: services `{other}` and `{n}` both become logical ID `{}Service`; rename one",
                s.logical()
            ));
        }
        if let Some(other) = paths.insert(s.base_path().to_string(), n) {
            return Err(format!(
                "options.services[{i}]: services `{other}` and `{n}` both use base path `/{}`",
                s.base_path()
            ));
        }
        let mut routes = HashSet::new();
        let mut route_ids = BTreeMap::new();
        for (j, r) in s.routes.iter().enumerate() {
            if !routes.insert((r.method, r.path.as_str())) {
                return Err(format!(
                    "options.services[{i}].routes[{j}]: service `{n}`: route {} {} is listed twice",
                    r.method, r.path
                ));
            }
            let id = path_id(r.path.as_str());
            if let Some(other) = route_ids.insert(id.clone(), r.path.as_str()) {
                if other != r.path.as_str() {
                    return Err(format!(
                        "options.services[{i}].routes[{j}].path: service `{n}`: paths `{other}` and `{}` both become logical ID `Api{id}Resource`; rename one",
                        r.path
                    ));
                }
            }
        }
        check_sibling_variables(s).map_err(|e| format!("options.services[{i}].{e}"))?;
        if s.routes.len() > MAX_ROUTES {
            return Err(format!(
                "options.services[{i}].routes: service `{n}` has {} routes; at most {MAX_ROUTES} fit in its stack",
                s.routes.len()
            ));
        }
        for key in s.environment.0.keys() {
            if OWN_VARIABLES.contains(&key.as_str()) {
                return Err(format!(
                    "options.services[{i}].environment.{key}: service `{n}`: environment variable `{key}` is set by the blueprint; choose another name"
                ));
            }
        }
        if let Some(q) = s.queue() {
            if q.batch_size.get() > 10 && q.max_batching_window_seconds.get() == 0 {
                return Err(format!(
                    "options.services[{i}].inputs.queue.batch_size: service `{n}`: batch_size {} needs max_batching_window_seconds of at least 1 (SQS batches over 10 messages need a batching window)",
                    q.batch_size
                ));
            }
        }
        if s.routes.is_empty() && s.inputs.is_empty() {
            return Err(format!(
                "options.services[{i}]: service `{n}` has neither routes nor inputs: nothing would ever invoke it"
            ));
        }
    }
    Ok(())
}

/// API Gateway allows one path variable (`{id}` or `{proxy+}`) among the
/// children of a path: `/{id}` beside `/{userId}` is refused at deploy time,
/// so refuse it here, naming both routes. The message starts with the
/// second route's key path within the service (`routes[3]: ...`).
fn check_sibling_variables(s: &Service) -> Result<(), String> {
    let mut variables: BTreeMap<String, (&str, &RouteSpec)> = BTreeMap::new();
    for (j, r) in s.routes.iter().enumerate() {
        let segments = r.path.segments();
        for (i, seg) in segments.iter().enumerate() {
            if !seg.starts_with('{') {
                continue;
            }
            let parent = segments[..i].join("/");
            match variables.get(&parent) {
                Some((other_seg, other)) if other_seg != seg => {
                    let under = if parent.is_empty() {
                        format!("/{}", s.base_path())
                    } else {
                        format!("/{}/{parent}", s.base_path())
                    };
                    return Err(format!(
                        "routes[{j}].path: service `{}`: routes `{} {}` and `{} {}` put two different path variables (`{other_seg}` and `{seg}`) under `{under}`; API Gateway allows one per path: give them the same name",
                        s.name.as_str(),
                        other.method,
                        other.path,
                        r.method,
                        r.path
                    ));
                }
                Some(_) => {}
                None => {
                    variables.insert(parent, (seg, r));
                }
            }
        }
    }
    Ok(())
}

/// Routes one service may have (each is one or two resources of its stack).
pub const MAX_ROUTES: usize = 100;

fn default_memory() -> Ranged<128, 10_240> {
    Ranged::of(256)
}

fn default_timeout() -> Ranged<1, 900> {
    Ranged::of(10)
}

/// One service (MICRO-1).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Lowercase letters, digits and hyphens; its logical ID prefix is the
    /// name in PascalCase (`order-history` → `OrderHistory`).
    pub name: ServiceName,
    /// The path segment the routes live under; the name by default.
    #[serde(default)]
    pub base_path: Option<PathSegment>,
    /// The folder under `functions/` with the handler; the name by default.
    /// Services with identical code share one package.
    #[serde(default)]
    pub code: Option<ServiceName>,
    #[serde(default = "default_memory")]
    pub memory_mb: Ranged<128, 10_240>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: Ranged<1, 900>,
    #[serde(default)]
    pub environment: EnvVars,
    /// A DynamoDB table of the service's own (partition key `id`).
    #[serde(default)]
    pub table: bool,
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    #[serde(default)]
    pub inputs: Inputs,
}

impl Service {
    /// The logical ID prefix: the name in PascalCase.
    pub fn logical(&self) -> String {
        self.name
            .as_str()
            .split('-')
            .map(|part| {
                let mut c = part.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The base path segment.
    pub fn base_path(&self) -> &str {
        self.base_path
            .as_ref()
            .map_or(self.name.as_str(), PathSegment::as_str)
    }

    /// The folder under `functions/` with the service's code.
    pub fn code_dir(&self) -> &str {
        self.code
            .as_ref()
            .map_or(self.name.as_str(), |c| c.as_str())
    }

    /// The queue the service consumes: its own, or the default one a topic
    /// input fans out to.
    pub fn queue(&self) -> Option<QueueOptions> {
        match (&self.inputs.queue, &self.inputs.topic) {
            (Some(q), _) => Some(q.clone()),
            (None, Some(_)) => Some(QueueOptions::default()),
            (None, None) => None,
        }
    }
}

/// A service name: `[a-z][a-z0-9-]*`, at most 32 characters, no `--`, not
/// ending in `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName(String);

impl ServiceName {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = (1..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(ServiceName(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid service name: 1 to 32 lowercase letters, digits and single hyphens, starting with a letter (it becomes a logical ID: `order-history` → `OrderHistory`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ServiceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::config::deserialize_text(d, "a service name", ServiceName::new)
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One path segment: letters, digits, `-`, `_` and `.`, 1 to 64 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSegment(String);

impl PathSegment {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && s.chars().any(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(PathSegment(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid base path: one path segment of letters, digits, `-`, `_` and `.` (no `/`), at most 64 characters"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for PathSegment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PathSegment::new(&s).map_err(D::Error::custom)
    }
}

/// An HTTP method of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    /// Every method.
    Any,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Any => "ANY",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A route's path under its service's base path: `/`, `/{orderId}`,
/// `/{orderId}/items`, or a greedy `/{proxy+}` at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePath(String);

impl RoutePath {
    pub fn new(s: &str) -> Result<Self, String> {
        let rule = "a route path starts with `/` and has segments of letters, digits, `-`, `_`, `.`, or `{param}` (a greedy `{param+}` only last), like `/{orderId}/items`";
        if s == "/" {
            return Ok(RoutePath(s.to_string()));
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(format!("`{s}` does not start with `/`: {rule}"));
        };
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.len() > 10 {
            return Err(format!("`{s}` has more than 10 segments"));
        }
        let mut params = HashSet::new();
        for (i, seg) in segments.iter().enumerate() {
            let ok = if let Some(inner) = seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (inner, false),
                };
                let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if valid_name && !params.insert(name.to_string()) {
                    return Err(format!("`{s}` uses the parameter `{name}` twice"));
                }
                valid_name && (!greedy || i == segments.len() - 1)
            } else {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            };
            if !ok {
                return Err(format!("`{s}` is not a valid route path: {rule}"));
            }
        }
        Ok(RoutePath(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path segments (none for `/`).
    pub fn segments(&self) -> Vec<&str> {
        self.0.split('/').filter(|s| !s.is_empty()).collect()
    }
}

impl<'de> Deserialize<'de> for RoutePath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::config::deserialize_text(d, "a route path (like `/{orderId}`)", RoutePath::new)
    }
}

impl fmt::Display for RoutePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One route of a service.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// GET, POST, PUT, PATCH, DELETE or ANY.
    pub method: HttpMethod,
    pub path: RoutePath,
    /// MICRO-4: the JSON body's schema (POST, PUT, PATCH): in the OpenAPI
    /// document and, on a REST API, an API Gateway model its requests are
    /// validated against.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// MICRO-4: the documented responses by status code (OpenAPI only).
    #[serde(default)]
    pub responses: Responses,
}

/// The checks of the routes' schemas that span options: a request body
/// only where a method has one, every `$ref` resolving, no recursion.
fn check_schemas(services: &Services, named: &NamedSchemas) -> Result<(), String> {
    for (name, s) in &named.0 {
        schema::check_refs(&format!("options.schemas.{}", name.as_str()), &s.0, named)?;
    }
    for (i, s) in services.iter().enumerate() {
        for (j, r) in s.routes.iter().enumerate() {
            let at = format!("options.services[{i}].routes[{j}]");
            if let Some(req) = &r.request {
                check_request(&at, s, r, req, named)?;
            }
            for (code, resp) in &r.responses.0 {
                if resp.schema.is_some() && resp.schema_file.is_some() {
                    return Err(format!(
                        "{at}.responses.{code}.schema_file: give the response's `schema` or its `schema_file`, not both"
                    ));
                }
                if *code == 204 && resp.schema_file.is_some() {
                    return Err(format!(
                        "{at}.responses.{code}: a 204 No Content response has no body: leave out its schema_file"
                    ));
                }
                if let Some(body) = &resp.schema {
                    if *code == 204 {
                        return Err(format!(
                            "{at}.responses.{code}: a 204 No Content response has no body: leave out its schema"
                        ));
                    }
                    schema::check_refs(&format!("{at}.responses.{code}.schema"), &body.0, named)?;
                }
            }
        }
    }
    Ok(())
}

/// A route's `request`: something to check, a body only where a method has
/// one, every `$ref` resolving.
fn check_request(
    at: &str,
    s: &Service,
    r: &RouteSpec,
    req: &RequestSpec,
    named: &NamedSchemas,
) -> Result<(), String> {
    if !req.validates() {
        return Err(format!(
            "{at}.request: service `{}`: route {} {}: give the body's `schema`, `query` parameters, or both",
            s.name, r.method, r.path
        ));
    }
    if req.schema.is_some() && req.schema_file.is_some() {
        return Err(format!(
            "{at}.request.schema_file: give the body's `schema` or its `schema_file`, not both"
        ));
    }
    let takes_body = matches!(
        r.method,
        HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch
    );
    if (req.schema.is_some() || req.schema_file.is_some()) && !takes_body {
        let key = if req.schema.is_some() {
            "schema"
        } else {
            "schema_file"
        };
        return Err(format!(
            "{at}.request.{key}: service `{}`: route {} {} has a request body schema, but only POST, PUT and PATCH routes take a body here",
            s.name, r.method, r.path
        ));
    }
    if let Some(body) = &req.schema {
        schema::check_refs(&format!("{at}.request.schema"), &body.0, named)?;
    }
    for (name, q) in &req.query.0 {
        if let Some(value) = &q.schema {
            schema::check_refs(
                &format!("{at}.request.query.{name}.schema"),
                &value.0,
                named,
            )?;
        }
    }
    Ok(())
}

/// The options with every `schema_file` read into its `schema` (checked,
/// `$ref`s resolved), or as they are when no route has one. The files are
/// relative to the project directory (next to blueprint.yaml).
pub fn with_schema_files<'a>(
    o: &'a Options,
    code: &CodeSource,
) -> Result<std::borrow::Cow<'a, Options>, Error> {
    let uses_files = o.services.iter().flat_map(|s| &s.routes).any(|r| {
        r.request.as_ref().is_some_and(|q| q.schema_file.is_some())
            || r.responses.0.values().any(|p| p.schema_file.is_some())
    });
    if !uses_files {
        return Ok(std::borrow::Cow::Borrowed(o));
    }
    let project = match code {
        CodeSource::Project { functions_dir, .. } => functions_dir.parent(),
        CodeSource::BuiltIn { .. } => None,
    };
    let mut out = o.clone();
    let named = o.schemas.clone();
    let load = |at: String, file: &schema::SchemaFile| -> Result<schema::Schema, Error> {
        let loaded = schema::load_schema_file(project, file)
            .map_err(|e| Error::User(format!("{at}: {e}")))?;
        schema::check_refs(&at, &loaded.0, &named).map_err(Error::User)?;
        Ok(loaded)
    };
    for (i, s) in out.services.0.iter_mut().enumerate() {
        for (j, r) in s.routes.iter_mut().enumerate() {
            let at = format!("options.services[{i}].routes[{j}]");
            if let Some(req) = r.request.as_mut() {
                if let Some(file) = req.schema_file.take() {
                    req.schema = Some(load(format!("{at}.request.schema_file"), &file)?);
                }
            }
            for (code, resp) in r.responses.0.iter_mut() {
                if let Some(file) = resp.schema_file.take() {
                    resp.schema = Some(load(format!("{at}.responses.{code}.schema_file"), &file)?);
                }
            }
        }
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Environment variables: names of letters, digits and `_` (starting with a
/// letter), not reserved by Lambda.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvVars(pub IndexMap<String, String>);

impl<'de> Deserialize<'de> for EnvVars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Option::<IndexMap<String, String>>::deserialize(d)?.unwrap_or_default();
        for k in map.keys() {
            let ok = k.starts_with(|c: char| c.is_ascii_alphabetic())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(D::Error::custom(format!(
                    "`{k}` is not a valid environment variable name: letters, digits and `_`, starting with a letter"
                )));
            }
            if k.starts_with("AWS_") || k == "LAMBDA_TASK_ROOT" || k == "LAMBDA_RUNTIME_DIR" {
                return Err(D::Error::custom(format!(
                    "`{k}` is reserved by Lambda; choose another name"
                )));
            }
        }
        Ok(EnvVars(map))
    }
}

/// A service's asynchronous inputs (MICRO-3); any combination.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inputs {
    /// An SQS queue with a dead-letter queue, consumed in batches.
    pub queue: Option<QueueOptions>,
    /// An SNS topic fanned out to the service's queue (SNS → SQS → Lambda);
    /// without `queue:` the queue takes its defaults.
    pub topic: Option<TopicOptions>,
    /// A Kinesis data stream.
    pub stream: Option<StreamInput>,
    /// S3 event triggers from a bucket of the service's own.
    pub bucket: Option<BucketInput>,
}

impl Inputs {
    pub fn is_empty(&self) -> bool {
        self.queue.is_none()
            && self.topic.is_none()
            && self.stream.is_none()
            && self.bucket.is_none()
    }
}

/// `inputs.stream`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamInput {
    pub mode: StreamMode,
    /// Provisioned mode only.
    pub shards: Ranged<1, 1_000>,
    pub retention_hours: Ranged<24, 8_760>,
    pub batch_size: Ranged<1, 10_000>,
    pub starting_position: StartingPosition,
    pub max_retry_attempts: Ranged<0, 10_000>,
}

impl Default for StreamInput {
    fn default() -> Self {
        StreamInput {
            mode: StreamMode::OnDemand,
            shards: Ranged::of(1),
            retention_hours: Ranged::of(24),
            batch_size: Ranged::of(100),
            starting_position: StartingPosition::Latest,
            max_retry_attempts: Ranged::of(3),
        }
    }
}

/// Kinesis capacity mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamMode {
    #[default]
    OnDemand,
    Provisioned,
}

/// Where a new stream consumer starts reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartingPosition {
    #[default]
    Latest,
    TrimHorizon,
}

/// `inputs.bucket`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BucketInput {
    pub events: Vec<S3Event>,
    pub prefix: Option<KeyFilter>,
    pub suffix: Option<KeyFilter>,
    /// Retries of a failed invocation (S3 invokes asynchronously), 0 to 2.
    pub retry_attempts: Ranged<0, 2>,
    pub max_event_age_seconds: Ranged<60, 21_600>,
    pub keep_old_versions_days: Ranged<1, 3_650>,
}

impl Default for BucketInput {
    fn default() -> Self {
        BucketInput {
            events: vec![S3Event("s3:ObjectCreated:*".into())],
            prefix: None,
            suffix: None,
            retry_attempts: Ranged::of(2),
            max_event_age_seconds: Ranged::of(21_600),
            keep_old_versions_days: Ranged::of(30),
        }
    }
}

/// The S3 event types a notification can name.
pub const S3_EVENTS: &[&str] = &[
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
];

/// An S3 event type such as `s3:ObjectCreated:*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Event(String);

impl S3Event {
    pub fn new(s: &str) -> Result<Self, String> {
        if S3_EVENTS.contains(&s) {
            Ok(S3Event(s.to_string()))
        } else {
            let hint = crate::config::nearest(s, S3_EVENTS)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(format!(
                "`{s}` is not an S3 event type{hint}; use one like `s3:ObjectCreated:*` or `s3:ObjectRemoved:Delete`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for S3Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        S3Event::new(&s).map_err(D::Error::custom)
    }
}

/// An object key prefix or suffix for S3 event filters: 1 to 1024
/// characters, no wildcards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFilter(String);

impl KeyFilter {
    pub fn new(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 1024 || s.contains('*') || s.chars().any(char::is_control) {
            Err(format!(
                "`{s}` is not a valid key filter: 1 to 1024 characters, no `*` (S3 filters match literal prefixes and suffixes)"
            ))
        } else {
            Ok(KeyFilter(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for KeyFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyFilter::new(&s).map_err(D::Error::custom)
    }
}

/// The TLS policies allowed on the HTTPS listener (TLS 1.2 or newer).
pub const SSL_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/// An ELB security policy for the HTTPS listener, TLS 1.2 or newer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslPolicy(String);

impl<'de> Deserialize<'de> for SslPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if SSL_POLICIES.contains(&s.as_str()) {
            Ok(SslPolicy(s))
        } else {
            Err(D::Error::custom(format!(
                "`{s}` is not an allowed TLS policy (TLS 1.2 or newer); use one of {}",
                SSL_POLICIES.join(", ")
            )))
        }
    }
}

// ---------------------------------------------------------------------------
// Expansion
// ---------------------------------------------------------------------------

/// The parameters of a service's nested stack, besides `AssetsBucket`.
const P_API_URL: &str = "ApiUrl";
const P_REST_API: &str = "RestApiId";
const P_HTTP_API: &str = "HttpApiId";
const P_ROOT_RESOURCE: &str = "RootResourceId";
const P_LISTENER: &str = "ListenerArn";
/// `front: alb` with the user pool the root creates: its ARN, app client
/// and domain, for the services' `authenticate-cognito` actions.
const P_USER_POOL_ARN: &str = "UserPoolArn";
const P_USER_POOL_CLIENT: &str = "UserPoolClientId";
const P_USER_POOL_DOMAIN: &str = "UserPoolDomain";
const P_USER_POOL: [&str; 3] = [P_USER_POOL_ARN, P_USER_POOL_CLIENT, P_USER_POOL_DOMAIN];

const TABLE_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];

const STREAM_ACTIONS: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:SubscribeToShard",
];

pub(crate) fn assets_parameter() -> Parameter {
    Parameter {
        allowed_pattern: Some("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$".into()),
        constraint_description: Some("an S3 bucket name".into()),
        ..Parameter::string(
            "The bucket holding the function packages and nested templates (blueprint bootstrap creates it)",
        )
    }
}

/// `Fn::Sub` of `text` with `${StackUuid}` standing for the UUID at the end of
/// `AWS::StackId` (unique per stack, lowercase).
pub(crate) fn with_stack_uuid(text: String) -> Value<String> {
    let mut vars = IndexMap::new();
    vars.insert(
        "StackUuid".to_string(),
        Expr::from(select(
            2,
            Intrinsic::Split("/".into(), Intrinsic::Ref("AWS::StackId".into()).into()),
        )),
    );
    Intrinsic::SubWith(text, vars).into()
}

/// Expands the blueprint: the root stack with one nested stack per service.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    let o = &*with_schema_files(o, code)?;
    let mut seen = HashSet::new();
    for s in o.services.iter().filter(|s| seen.insert(s.code_dir())) {
        if !code.has_code(s.code_dir()) {
            return Err(Error::User(format!(
                "service `{}` has no code: create the folder {} (next to blueprint.yaml) with its handler.py, or set the service's `code:` to a folder that has one",
                s.name,
                code.project_dir(s.code_dir())
            )));
        }
    }
    let folders: Vec<&str> = o.services.iter().map(Service::code_dir).collect();
    let packages = code.package_all(&folders, o.architecture)?;

    let mut root = Template::new(format!(
        "blueprint microservices: {} service{} behind one {} (stack {})",
        o.services.len(),
        if o.services.len() == 1 { "" } else { "s" },
        match o.front {
            Front::ApiGateway if o.api.is_http() => "HTTP API",
            Front::ApiGateway => "REST API",
            Front::Alb => "Application Load Balancer",
        },
        project.stack_name
    ));
    root.split_requirements = vec!["MICRO-5"];
    let assets = root.parameter(ASSETS_BUCKET, assets_parameter())?;

    if o.front == Front::ApiGateway && o.api.authorization == Authorization::None {
        root.warnings.push("microservices: options.api.authorization is none: anyone on the internet may call every route without signing any request".into());
    }
    if let Some(warning) = unenforced_schemas(o) {
        root.warnings.push(warning);
    }
    let front = match o.front {
        Front::ApiGateway if o.api.is_http() => add_http_api(&mut root, o)?,
        Front::ApiGateway => add_rest_api(&mut root, o)?,
        Front::Alb => add_load_balancer(&mut root, o)?,
    };

    // The services' templates are independent of one another: build them on
    // every core, then add them in order.
    let indexed: Vec<(usize, &Service)> = o.services.iter().enumerate().collect();
    let children = crate::synthesis::in_parallel(&indexed, |(i, s)| {
        let package = packages
            .get(s.code_dir())
            .ok_or_else(|| Error::Internal(format!("no package for `{}`", s.code_dir())))?;
        service_template(project, o, s, *i, package)
    });
    let mut with_routes = Vec::new();
    for (s, child) in o.services.iter().zip(children) {
        let child = child?;
        let mut params = IndexMap::new();
        params.insert(ASSETS_BUCKET.to_string(), assets.r#ref());
        let wanted = service_parameters(o, s);
        params.extend(
            front
                .parameters
                .iter()
                .filter(|(k, _)| k.as_str() == P_API_URL || wanted.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let id = format!("{}Service", s.logical());
        let mut requirements = vec!["MICRO-1", "MICRO-5"];
        if !s.routes.is_empty() {
            requirements.push("MICRO-2");
        }
        if !s.inputs.is_empty() {
            requirements.push("MICRO-3");
        }
        let res = root
            .add_nested(&id, params, child)?
            .unit(s.name.as_str())
            .satisfies(&requirements);
        if !s.routes.is_empty() {
            with_routes.push(res.id().clone());
        }
    }
    if o.front == Front::ApiGateway && o.api.is_http() {
        add_http_stage(&mut root, o, &with_routes)?;
    } else if o.front == Front::ApiGateway {
        add_stage(&mut root, o, &with_routes)?;
    }
    root.output("ApiUrl", "The API's base URL", front.url, None)?;

    Ok(Expansion {
        project: project.clone(),
        stacks: vec![StackTemplate::single(project, root)],
        packages: packages.packages,
    })
}

/// MICRO-4: HTTP APIs and load balancers validate no request bodies, so
/// the routes' request schemas are documented (OpenAPI) but not enforced.
fn unenforced_schemas(o: &Options) -> Option<String> {
    let front = match o.front {
        Front::ApiGateway if o.api.is_http() => "an HTTP API (api.type: http)",
        Front::ApiGateway => return None,
        Front::Alb => "an Application Load Balancer (front: alb)",
    };
    let routes: Vec<String> = o
        .services
        .iter()
        .flat_map(|s| {
            s.routes
                .iter()
                .filter(|r| r.request.as_ref().is_some_and(RequestSpec::validates))
                .map(move |r| route_key(s, r))
        })
        .collect();
    (!routes.is_empty()).then(|| {
        format!(
            "microservices: {front} validates no requests: the request schemas and query parameters of {} are in the OpenAPI document but not enforced; the functions must check their requests themselves (api.type: rest enforces them)",
            routes.join(", ")
        )
    })
}

/// What the root gives every service stack.
struct FrontIds {
    parameters: IndexMap<String, Value<String>>,
    url: Value<String>,
}

fn add_rest_api(t: &mut Template, o: &Options) -> Result<FrontIds, Error> {
    // API-OPTIONS: a private API answers only through its VPC endpoint.
    let vpc_endpoint = match o.api.endpoint {
        Endpoint::Private => Some(add_private_endpoint(t, "Api", o.api.private.as_ref())?),
        _ => None,
    };
    let api = t
        .add(
            "Api",
            RestApi {
                description: Some(
                    "Microservices: one base path per service, each proxied to its service's function".into(),
                ),
                // With a custom domain (TLS 1.2), the default endpoint
                // would be a second way in: off.
                disable_execute_api_endpoint: o.api.domain.as_ref().map(|_| true),
                endpoint_configuration: Some(EndpointConfiguration {
                    types: vec![o.api.endpoint.as_str().to_string()],
                }),
                minimum_compression_size: Some(1024),
                name: sub("${AWS::StackName}-api").into(),
                policy: vpc_endpoint.as_ref().map(private_policy),
                tags: None,
            },
        )?
        .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"])
        .satisfies(if vpc_endpoint.is_some() {
            &[API_OPTIONS]
        } else {
            &[]
        })
        .id()
        .clone();
    let url: Value<String> = match &o.api.domain {
        Some(d) => domain_url(d),
        None => sub(format!(
            "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}",
            o.api.stage_name.as_str()
        ))
        .into(),
    };
    let mut parameters = IndexMap::new();
    parameters.insert(P_REST_API.to_string(), api.r#ref());
    parameters.insert(P_ROOT_RESOURCE.to_string(), api.get_att("RootResourceId"));
    parameters.insert(P_API_URL.to_string(), url.clone());
    Ok(FrontIds { parameters, url })
}

/// Whether the stage cache would answer `method` (GET, and ANY, which
/// serves GETs too).
fn cacheable(method: HttpMethod) -> bool {
    matches!(method, HttpMethod::Get | HttpMethod::Any)
}

/// With the stage cache and `authorization: none`, what keys a cacheable
/// route's answers besides its resource: its path parameters. (Behind IAM
/// the stage turns the cache off for it instead: see [`uncached_routes`].)
fn public_cache_key(o: &Options, s: &Service, r: &RouteSpec) -> Option<Vec<(String, bool)>> {
    (o.api.cache.is_some() && o.api.authorization == Authorization::None && cacheable(r.method))
        .then(|| cache_key_parameters(&full_path(s, r.path.as_str()), &[], false))
}

/// With the stage cache and `authorization: iam`, every cacheable route: its
/// answer belongs to the signed caller, and no cache key can name the caller
/// (each request's signature differs), so the stage does not cache it.
fn uncached_routes(o: &Options) -> Vec<(String, String)> {
    if o.api.cache.is_none() || o.api.authorization != Authorization::Iam {
        return Vec::new();
    }
    o.services
        .iter()
        .flat_map(|s| {
            s.routes
                .iter()
                .filter(|r| cacheable(r.method))
                .map(move |r| (r.method.as_str().to_string(), full_path(s, r.path.as_str())))
        })
        .collect()
}

/// The API's URL on its custom domain (the mapping serves the stage there).
fn domain_url(domain: &ApiDomain) -> Value<String> {
    format!("https://{}", domain.name).into()
}

/// The deployment (a new one whenever any route changes) and the stage,
/// after every service stack.
fn add_stage(t: &mut Template, o: &Options, services: &[LogicalId]) -> Result<(), Error> {
    let api = LogicalId::new("Api").map_err(|e| Error::Internal(e.to_string()))?;
    let mut h = Sha256::new();
    for s in o.services.iter() {
        for r in &s.routes {
            h.update(format!(
                "{} {} /{}{} {:?}\n",
                s.name,
                r.method,
                s.base_path(),
                r.path,
                o.api.authorization
            ));
        }
    }
    if o.api.usage_plan.is_some() {
        h.update("api key required\n");
    }
    // A changed request model changes what the stage enforces.
    for s in o.services.iter() {
        for r in &s.routes {
            let Some(req) = &r.request else { continue };
            if let Some(body) = &req.schema {
                let model = schema::model_schema(&body.0, &o.schemas).map_err(Error::Internal)?;
                h.update(format!("{} model {model}\n", route_key(s, r)));
            }
            for (name, q) in &req.query.0 {
                h.update(format!("{} query {name} {}\n", route_key(s, r), q.required));
            }
        }
    }
    for s in o.services.iter() {
        for r in &s.routes {
            if let Some(key) = public_cache_key(o, s, r) {
                let names: Vec<&str> = key.iter().map(|(k, _)| k.as_str()).collect();
                h.update(format!(
                    "{} cache key {}\n",
                    route_key(s, r),
                    names.join(",")
                ));
            }
        }
    }
    let digest = hex(&h.finalize());
    let deployment = t.add(
        &format!("ApiDeployment{}", &digest[..10]),
        Deployment {
            description: Some(format!("routes {}", &digest[..10])),
            rest_api_id: api.r#ref(),
        },
    )?;
    for s in services {
        deployment.depends_on(s);
    }
    deployment.satisfies(&["MICRO-1", "MICRO-2"]);
    let deployment = deployment.id().clone();
    let access_logs = add_log_group(t, "ApiAccessLogs", o.log_retention_days.get(), &["MICRO-2"])?;
    let account = if o.api.manage_account_logging_role {
        let role = t
            .add(
                "ApiCloudWatchRole",
                Role {
                    managed_policy_arns: Some(vec![arn(
                        "iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                    )]),
                    ..Role::new(
                        PolicyDocument::new(vec![Statement::assume_by_service(&[
                            "apigateway.amazonaws.com",
                        ])]),
                        "Lets API Gateway write access logs to CloudWatch Logs",
                    )
                },
            )?
            .satisfies(&["MICRO-2"])
            .id()
            .clone();
        Some(
            t.add(
                "ApiAccount",
                Account {
                    cloud_watch_role_arn: role.get_att("Arn"),
                },
            )?
            .satisfies(&["MICRO-2"])
            .id()
            .clone(),
        )
    } else {
        None
    };
    // API-OPTIONS: the stage cache and per-route throttling.
    let cache = o.api.cache.as_ref();
    let stage_wide = MethodSetting {
        cache_data_encrypted: cache.map(|_| true),
        cache_ttl_in_seconds: cache.map(|c| c.ttl_seconds.get_u32()),
        caching_enabled: Some(cache.is_some()),
        data_trace_enabled: Some(false),
        http_method: "*".into(),
        metrics_enabled: Some(true),
        resource_path: "/*".into(),
        throttling_burst_limit: Some(o.api.throttle_burst.get_u32()),
        throttling_rate_limit: Some(o.api.throttle_rate_per_second.get() as f64),
        ..Default::default()
    };
    let per_route = route_method_settings(&stage_wide, &o.api.route_throttling);
    let uses_options = cache.is_some() || !per_route.is_empty();
    let mut method_settings = vec![stage_wide.clone()];
    method_settings.extend(per_route);
    uncache_methods(&mut method_settings, &stage_wide, &uncached_routes(o));
    let stage = t.add(
        "ApiStage",
        Stage {
            access_log_setting: Some(AccessLogSetting {
                destination_arn: access_logs.get_att("Arn"),
                format: ACCESS_LOG_FORMAT.into(),
            }),
            cache_cluster_enabled: cache.map(|_| true),
            cache_cluster_size: cache.map(|c| c.size_gb.as_str().to_string()),
            deployment_id: deployment.r#ref(),
            description: Some(format!("The `{}` stage", o.api.stage_name.as_str())),
            method_settings: Some(method_settings),
            rest_api_id: api.r#ref(),
            stage_name: o.api.stage_name.as_str().into(),
            tags: None,
            tracing_enabled: None,
        },
    )?;
    stage.satisfies(&["MICRO-1", "MICRO-2"]);
    if uses_options {
        stage.satisfies(&[API_OPTIONS]);
    }
    if let Some(account) = &account {
        stage.depends_on(account);
    }
    let stage = stage.id().clone();
    let stage_name = o.api.stage_name.as_str();
    if let Some(plan) = &o.api.usage_plan {
        add_usage_plan(t, "Api", &api, &stage, stage_name, plan)?;
    }
    if let Some(domain) = &o.api.domain {
        add_rest_domain(t, "Api", domain, &api, &stage, stage_name)?;
    }
    Ok(())
}

/// `type: http`: the HTTP API; each service stack adds its integration and routes.
fn add_http_api(t: &mut Template, o: &Options) -> Result<FrontIds, Error> {
    let api = http_api::add_api(
        t,
        "Api",
        "Microservices: one base path per service, each proxied to its service's function",
        &["MICRO-1", "MICRO-2", "MICRO-4"],
        o.api.domain.is_some(),
    )?;
    let url = match &o.api.domain {
        Some(d) => domain_url(d),
        None => http_api::url(&api),
    };
    let mut parameters = IndexMap::new();
    parameters.insert(P_HTTP_API.to_string(), api.r#ref());
    parameters.insert(P_API_URL.to_string(), url.clone());
    Ok(FrontIds { parameters, url })
}

/// `type: http`: the `$default` stage (after every service stack, so per-route
/// settings find their routes) and the custom domain.
fn add_http_stage(t: &mut Template, o: &Options, services: &[LogicalId]) -> Result<(), Error> {
    let api = LogicalId::new("Api").map_err(|e| Error::Internal(e.to_string()))?;
    let stage = http_api::add_stage(
        t,
        "Api",
        &api,
        HttpThrottling {
            rate: o.api.throttle_rate_per_second.get_u32(),
            burst: o.api.throttle_burst.get_u32(),
            routes: &o.api.route_throttling,
        },
        o.log_retention_days.get(),
        services,
        &["MICRO-1", "MICRO-2"],
    )?;
    if let Some(domain) = &o.api.domain {
        add_http_domain(t, "Api", domain, &api, &stage)?;
    }
    Ok(())
}

/// Whether the root creates the user pool the load balancer signs users in
/// with (`mode: cognito` without an existing pool).
fn creates_user_pool(o: &Options) -> bool {
    o.front == Front::Alb
        && o.alb.authentication.mode == AlbAuthMode::Cognito
        && o.alb.authentication.cognito.is_none()
}

/// `front: alb`: a public VPC in two zones, the load balancer, an HTTPS
/// listener (unknown paths get 404; every service's rule signs users in
/// first) and an HTTP listener that only redirects to it.
fn add_load_balancer(t: &mut Template, o: &Options) -> Result<FrontIds, Error> {
    let req: &[&str] = &["MICRO-2"];
    let cert = o
        .alb
        .certificate_arn
        .as_ref()
        .ok_or_else(|| Error::Internal("front: alb without a certificate".into()))?;
    let vpc = t
        .add(
            "Vpc",
            Vpc {
                cidr_block: o.alb.vpc_cidr.as_str().into(),
                enable_dns_hostnames: Some(true),
                enable_dns_support: Some(true),
                tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-public"))]),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let igw = t
        .add("InternetGateway", InternetGateway::default())?
        .satisfies(req)
        .id()
        .clone();
    let attachment = t
        .add(
            "InternetGatewayAttachment",
            VpcGatewayAttachment {
                internet_gateway_id: Some(igw.r#ref()),
                vpc_id: vpc.r#ref(),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let routes = t
        .add(
            "PublicRouteTable",
            RouteTable {
                tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-public"))]),
                vpc_id: vpc.r#ref(),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    t.add(
        "PublicDefaultRoute",
        Ec2Route {
            destination_cidr_block: Some("0.0.0.0/0".into()),
            gateway_id: Some(igw.r#ref()),
            nat_gateway_id: None,
            route_table_id: routes.r#ref(),
        },
    )?
    .depends_on(&attachment)
    .satisfies(req);
    let bits = 32 - i64::from(o.alb.vpc_cidr.prefix()) - 2;
    let mut subnets = Vec::new();
    for zone in 0..2 {
        let subnet = t
            .add(
                &format!("PublicSubnet{}", zone + 1),
                Subnet {
                    availability_zone: Some(select(zone, get_azs()).into()),
                    cidr_block: Some(
                        select(
                            zone,
                            cidr(
                                Intrinsic::GetAtt(vpc.to_string(), "CidrBlock".into()),
                                4,
                                bits,
                            ),
                        )
                        .into(),
                    ),
                    map_public_ip_on_launch: Some(false),
                    tags: Some(vec![Tag::new(
                        "Name",
                        sub(format!("${{AWS::StackName}}-public-{}", zone + 1)),
                    )]),
                    vpc_id: vpc.r#ref(),
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("PublicSubnet{}Routes", zone + 1),
            SubnetRouteTableAssociation {
                route_table_id: routes.r#ref(),
                subnet_id: subnet.r#ref(),
            },
        )?
        .satisfies(req);
        subnets.push(subnet);
    }
    let signs_in = o.alb.authentication.mode != AlbAuthMode::None;
    let egress = if signs_in {
        // Sign-in: the load balancer trades the code for tokens at the
        // identity provider's token and user info endpoints (HTTPS).
        EgressRule {
            cidr_ip: Some("0.0.0.0/0".into()),
            description: Some(
                "HTTPS to the identity provider's token and user info endpoints (sign-in); Lambda targets need nothing"
                    .into(),
            ),
            from_port: Some(443),
            ip_protocol: "tcp".into(),
            to_port: Some(443),
        }
    } else {
        EgressRule::none("No egress: Lambda targets need none")
    };
    let sg = t
        .add(
            "LoadBalancerSecurityGroup",
            SecurityGroup {
                group_description: if signs_in {
                    "HTTPS from anywhere (users sign in before any service answers), HTTP only redirected to HTTPS"
                } else {
                    "HTTPS from anywhere (no sign-in: options.alb.authentication.mode none), HTTP only redirected to HTTPS"
                }
                .into(),
                security_group_egress: Some(vec![egress]),
                tags: None,
                vpc_id: vpc.r#ref(),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    for (port, what) in [(443, "Https"), (80, "Http")] {
        let ingress = t
            .add(
                &format!("LoadBalancerFromAnywhere{what}"),
                SecurityGroupIngress {
                    cidr_ip: Some("0.0.0.0/0".into()),
                    description: Some(if port == 443 {
                        "HTTPS from anywhere".to_string()
                    } else {
                        "HTTP from anywhere, only redirected to HTTPS".to_string()
                    }),
                    from_port: Some(port),
                    group_id: sg.get_att("GroupId"),
                    ip_protocol: "tcp".into(),
                    source_security_group_id: None,
                    to_port: Some(port),
                },
            )?
            .satisfies(req);
        if port == 80 {
            ingress.accepts_risk(
                "CKV_AWS_260",
                "port 80's only listener redirects to HTTPS (301); no request is served in plain text",
            );
        }
    }
    let lb = t
        .add(
            "LoadBalancer",
            elb::LoadBalancer {
                ip_address_type: Some("ipv4".into()),
                load_balancer_attributes: Some(vec![
                    elb::Attribute::new("routing.http.drop_invalid_header_fields.enabled", "true"),
                    elb::Attribute::new("routing.http.desync_mitigation_mode", "strictest"),
                ]),
                scheme: Some("internet-facing".into()),
                security_groups: Some(vec![sg.get_att("GroupId")]),
                subnets: Some(subnets.iter().map(LogicalId::r#ref).collect()),
                tags: None,
                kind: Some("application".into()),
            },
        )?
        .depends_on(&attachment)
        .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"])
        .id()
        .clone();
    let https = t
        .add(
            "HttpsListener",
            elb::Listener {
                certificates: Some(vec![elb::Certificate {
                    certificate_arn: cert.as_str().into(),
                }]),
                default_actions: vec![elb::Action::fixed(404, "Not Found")],
                load_balancer_arn: lb.r#ref(),
                port: Some(443),
                protocol: Some("HTTPS".into()),
                ssl_policy: Some(o.alb.ssl_policy.0.clone()),
            },
        )?
        .satisfies(&["MICRO-1", "MICRO-2"])
        .id()
        .clone();
    t.add(
        "HttpListener",
        elb::Listener {
            certificates: None,
            default_actions: vec![elb::Action::redirect_to_https()],
            load_balancer_arn: lb.r#ref(),
            port: Some(80),
            protocol: Some("HTTP".into()),
            ssl_policy: None,
        },
    )?
    .satisfies(req);
    let url: Value<String> = sub(format!("https://${{{lb}.DNSName}}")).into();
    let mut parameters = IndexMap::new();
    parameters.insert(P_LISTENER.to_string(), https.r#ref());
    parameters.insert(P_API_URL.to_string(), url.clone());
    if creates_user_pool(o) {
        parameters.extend(add_user_pool(t, o, &lb)?);
    }
    if !signs_in {
        t.warnings.push("microservices: options.alb.authentication.mode is none: anyone on the internet reaches every service behind the load balancer without signing in".into());
    }
    Ok(FrontIds { parameters, url })
}

/// The user pool the load balancer signs users in with: administrators
/// create the users (no self sign-up), hosted sign-in pages under a domain
/// unique to the stack, and an app client with a secret for the
/// authorization code flow back to the load balancer. Returns the service
/// stacks' parameters.
fn add_user_pool(
    t: &mut Template,
    o: &Options,
    lb: &LogicalId,
) -> Result<Vec<(String, Value<String>)>, Error> {
    let req: &[&str] = &["MICRO-2"];
    let pool = t
        .add(
            "UserPool",
            UserPool {
                account_recovery_setting: Some(AccountRecoverySetting {
                    recovery_mechanisms: vec![RecoveryOption {
                        name: "verified_email".into(),
                        priority: 1,
                    }],
                }),
                admin_create_user_config: Some(AdminCreateUserConfig {
                    allow_admin_create_user_only: true,
                }),
                auto_verified_attributes: Some(vec!["email".into()]),
                enabled_mfas: Some(vec!["SOFTWARE_TOKEN_MFA".into()]),
                mfa_configuration: Some("OPTIONAL".into()),
                policies: Some(UserPoolPolicies {
                    password_policy: PasswordPolicy {
                        minimum_length: 12,
                        require_lowercase: true,
                        require_numbers: true,
                        require_symbols: true,
                        require_uppercase: true,
                        temporary_password_validity_days: 3,
                    },
                }),
                username_attributes: Some(vec!["email".into()]),
                ..Default::default()
            },
        )?
        // The users cannot be restored once the pool is gone.
        .policies(DeletionPolicy::Retain)
        .satisfies(req)
        .id()
        .clone();
    let domain_prefix = with_stack_uuid("sign-in-${StackUuid}".into());
    let domain = t
        .add(
            "UserPoolDomain",
            UserPoolDomain {
                domain: domain_prefix.clone(),
                managed_login_version: None,
                user_pool_id: pool.r#ref(),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let mut callbacks: Vec<Value<String>> =
        vec![sub(format!("https://${{{lb}.DNSName}}/oauth2/idpresponse")).into()];
    if let Some(name) = &o.alb.domain_name {
        callbacks.push(format!("https://{name}/oauth2/idpresponse").into());
    }
    let client = t
        .add(
            "UserPoolClient",
            UserPoolWebClient {
                access_token_validity: Some(60),
                allowed_oauth_flows: vec!["code".into()],
                allowed_oauth_flows_user_pool_client: true,
                allowed_oauth_scopes: vec!["openid".into(), "email".into()],
                callback_urls: callbacks,
                client_name: Some("load-balancer".into()),
                enable_token_revocation: Some(true),
                explicit_auth_flows: Some(vec!["ALLOW_REFRESH_TOKEN_AUTH".into()]),
                generate_secret: Some(true),
                id_token_validity: Some(60),
                prevent_user_existence_errors: Some("ENABLED".into()),
                refresh_token_validity: Some(1),
                supported_identity_providers: vec!["COGNITO".into()],
                token_validity_units: Some(TokenValidityUnits {
                    access_token: "minutes".into(),
                    id_token: "minutes".into(),
                    refresh_token: "days".into(),
                }),
                user_pool_id: pool.r#ref(),
            },
        )?
        // The services' rules name the domain through the client: they wait
        // for the sign-in pages to exist.
        .depends_on(&domain)
        .satisfies(req)
        .id()
        .clone();
    t.output(
        "UserPoolId",
        "The user pool whose users may sign in at the load balancer (create them as an administrator)",
        pool.r#ref(),
        None,
    )?;
    Ok(vec![
        (P_USER_POOL_ARN.to_string(), pool.get_att("Arn")),
        (P_USER_POOL_CLIENT.to_string(), client.r#ref()),
        (P_USER_POOL_DOMAIN.to_string(), domain_prefix),
    ])
}

/// The action that signs a user in before a service's rule forwards, or
/// `None` with `mode: none`. With the root's user pool, `t` (a service's
/// template) takes the pool's parameters.
fn alb_sign_in(t: &mut Template, o: &Options) -> Result<Option<elb::Action>, Error> {
    let a = &o.alb.authentication;
    let action = match (a.mode, &a.cognito, &a.oidc) {
        (AlbAuthMode::None, _, _) => return Ok(None),
        (AlbAuthMode::Cognito, Some(pool), _) => {
            elb::Action::authenticate_cognito(elb::AuthenticateCognitoConfig {
                on_unauthenticated_request: Some("authenticate".into()),
                scope: Some("openid".into()),
                session_timeout: None,
                user_pool_arn: pool.user_pool_arn.as_str().into(),
                user_pool_client_id: pool.user_pool_client_id.as_str().into(),
                user_pool_domain: pool.user_pool_domain.as_str().into(),
            })
        }
        (AlbAuthMode::Cognito, None, _) => {
            let mut ids = Vec::new();
            for (name, what) in P_USER_POOL.iter().zip([
                "The user pool users sign in with",
                "The user pool's app client for the load balancer",
                "The user pool's domain prefix",
            ]) {
                ids.push(t.parameter(name, Parameter::string(what))?);
            }
            elb::Action::authenticate_cognito(elb::AuthenticateCognitoConfig {
                on_unauthenticated_request: Some("authenticate".into()),
                scope: Some("openid email".into()),
                session_timeout: None,
                user_pool_arn: ids[0].r#ref(),
                user_pool_client_id: ids[1].r#ref(),
                user_pool_domain: ids[2].r#ref(),
            })
        }
        (AlbAuthMode::Oidc, _, Some(p)) => {
            elb::Action::authenticate_oidc(elb::AuthenticateOidcConfig {
                authorization_endpoint: p.authorization_endpoint.as_str().into(),
                client_id: p.client_id.as_str().into(),
                client_secret: format!(
                    "{{{{resolve:secretsmanager:{}}}}}",
                    p.client_secret_arn.as_str()
                )
                .into(),
                issuer: p.issuer.as_str().into(),
                on_unauthenticated_request: Some("authenticate".into()),
                scope: Some("openid".into()),
                session_timeout: None,
                token_endpoint: p.token_endpoint.as_str().into(),
                user_info_endpoint: p.user_info_endpoint.as_str().into(),
            })
        }
        (AlbAuthMode::Oidc, _, None) => {
            return Err(Error::Internal("mode oidc without a provider".into()))
        }
    };
    Ok(Some(action))
}

/// The operation name (OpenAPI `operationId`) of a route: `usersGetUserId`.
pub fn operation_id(service: &Service, method: &str, path: &RoutePath) -> String {
    let logical = service.logical();
    let mut c = logical.chars();
    let lower = c
        .next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default();
    format!("{lower}{}{}", title(method), path_id(path.as_str()))
}

/// A route's key on the shared API: `GET /users/{userId}`, `GET /users` for `/`.
pub fn route_key(service: &Service, route: &RouteSpec) -> String {
    format!(
        "{} {}",
        route.method.as_str(),
        full_path(service, route.path.as_str())
    )
}

/// A service's route path under its base path (`/users/{userId}`, `/users`).
fn full_path(service: &Service, path: &str) -> String {
    if path == "/" {
        format!("/{}", service.base_path())
    } else {
        format!("/{}{path}", service.base_path())
    }
}

/// The parameters (besides `AssetsBucket` and `ApiUrl`) a service's stack
/// takes: what its routes and its calls to the other services need.
fn service_parameters(o: &Options, s: &Service) -> Vec<&'static str> {
    let routes = !s.routes.is_empty();
    match o.front {
        Front::ApiGateway if o.api.is_http() => {
            if routes || o.api.authorization == Authorization::Iam {
                vec![P_HTTP_API]
            } else {
                Vec::new()
            }
        }
        Front::ApiGateway => {
            let mut p = Vec::new();
            if routes || o.api.authorization == Authorization::Iam {
                p.push(P_REST_API);
            }
            if routes {
                p.push(P_ROOT_RESOURCE);
            }
            p
        }
        Front::Alb if routes && creates_user_pool(o) => {
            let mut p = vec![P_LISTENER];
            p.extend(P_USER_POOL);
            p
        }
        Front::Alb if routes => vec![P_LISTENER],
        Front::Alb => Vec::new(),
    }
}

/// One service's nested template.
fn service_template(
    project: &ProjectInfo,
    o: &Options,
    s: &Service,
    index: usize,
    package: &Package,
) -> Result<Template, Error> {
    let mut t = Template::new(format!(
        "blueprint microservices: service `{}` under /{} (stack {})",
        s.name,
        s.base_path(),
        project.stack_name
    ));
    let assets = t.parameter(ASSETS_BUCKET, assets_parameter())?;
    let api_url = t.parameter(
        P_API_URL,
        Parameter::string("The API's base URL, for calling the other services"),
    )?;
    let declared = |t: &mut Template, name: &str, what: &str| -> Result<Option<LogicalId>, Error> {
        if service_parameters(o, s).contains(&name) {
            Ok(Some(t.parameter(name, Parameter::string(what))?))
        } else {
            Ok(None)
        }
    };
    let rest_api = declared(&mut t, P_REST_API, "The shared REST API")?;
    let http_api = declared(&mut t, P_HTTP_API, "The shared HTTP API")?;
    let root_resource = declared(&mut t, P_ROOT_RESOURCE, "The REST API's root resource")?;
    let listener = declared(&mut t, P_LISTENER, "The load balancer's HTTPS listener")?;

    let mut env: IndexMap<String, Value<String>> = IndexMap::new();
    env.insert("SERVICE_NAME".into(), s.name.as_str().into());
    env.insert("BASE_PATH".into(), format!("/{}", s.base_path()).into());
    env.insert("API_URL".into(), api_url.r#ref());
    let mut statements = Vec::new();
    let micro1: &[&str] = &["MICRO-1"];
    let micro3: &[&str] = &["MICRO-3"];

    if s.table {
        let table = Table {
            id: "Table",
            partition_key: "id",
            retain: o.retain.tables,
            requirements: micro1,
            ..Default::default()
        }
        .add_to(&mut t)?;
        env.insert("TABLE_NAME".into(), table.r#ref());
        statements
            .push(Statement::allow(TABLE_ACTIONS, vec![table.get_att("Arn")]).sid("OwnTable"));
        t.output("TableName", "The service's table", table.r#ref(), None)?;
    }
    if let (Some(api), Authorization::Iam) = (&http_api, o.api.authorization) {
        // Services call each other through the API, signed with their role.
        statements.push(
            Statement::allow(
                &["execute-api:Invoke"],
                vec![arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*"
                ))],
            )
            .sid("CallOtherServices"),
        );
    }
    if let (Some(rest_api), Authorization::Iam) = (&rest_api, o.api.authorization) {
        // Services call each other through the API, signed with their role.
        statements.push(
            Statement::allow(
                &["execute-api:Invoke"],
                vec![arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{rest_api}}}/{}/*",
                    o.api.stage_name.as_str()
                ))],
            )
            .sid("CallOtherServices"),
        );
    }

    // MICRO-3: asynchronous inputs.
    let timeout = s.timeout_seconds.get_u32();
    let queue = match s.queue() {
        Some(q) => {
            let ids = BufferedQueue {
                name: "Queue",
                max_receive_count: q.max_receive_count.get_u32(),
                visibility_timeout_s: (timeout * 6).clamp(30, 43_200),
                retention_s: q.retention_days.get_u32() * 86_400,
                requirements: micro3,
            }
            .add_to(&mut t)?;
            statements.push(
                Statement::allow(CONSUME_ACTIONS, vec![ids.queue.get_att("Arn")])
                    .sid("ConsumeQueue"),
            );
            t.output(
                "QueueUrl",
                "Messages for the service",
                ids.queue.r#ref(),
                None,
            )?;
            t.output(
                "DeadLetterQueueUrl",
                "Messages the service failed to process",
                ids.dead_letter.r#ref(),
                None,
            )?;
            Some((ids, q))
        }
        None => None,
    };
    if let (Some(topic_input), Some((ids, _))) = (&s.inputs.topic, &queue) {
        let topic = t
            .add(
                "Topic",
                Topic {
                    display_name: None,
                    kms_master_key_id: Some("alias/aws/sns".into()),
                    tags: None,
                    topic_name: None,
                },
            )?
            .satisfies(micro3)
            .id()
            .clone();
        allow_topic_to_send(&mut t, "QueuePolicy", &ids.queue, &topic, micro3)?;
        subscribe_queue(
            &mut t,
            "TopicSubscription",
            &topic,
            &ids.queue,
            topic_input.raw_message_delivery,
            micro3,
        )?;
        t.output(
            "TopicArn",
            "Publish here to reach the service",
            topic.r#ref(),
            None,
        )?;
    }
    let stream = match &s.inputs.stream {
        Some(st) => {
            let stream = t
                .add(
                    "Stream",
                    Stream {
                        retention_period_hours: Some(st.retention_hours.get_u32()),
                        shard_count: (st.mode == StreamMode::Provisioned)
                            .then(|| st.shards.get_u32()),
                        stream_encryption: Some(StreamEncryption::aws_managed()),
                        stream_mode_details: Some(StreamModeDetails {
                            stream_mode: match st.mode {
                                StreamMode::OnDemand => "ON_DEMAND",
                                StreamMode::Provisioned => "PROVISIONED",
                            }
                            .into(),
                        }),
                        ..Default::default()
                    },
                )?
                // Records are in flight, like a queue's messages; a retained
                // stream would keep costing money.
                .policies(DeletionPolicy::Delete)
                .satisfies(micro3)
                .id()
                .clone();
            let failures = failure_queue(&mut t, "StreamFailures", micro3)?;
            statements.push(
                Statement::allow(STREAM_ACTIONS, vec![stream.get_att("Arn")]).sid("ReadStream"),
            );
            statements.push(
                Statement::allow(&["sqs:SendMessage"], vec![failures.get_att("Arn")])
                    .sid("KeepFailedRecords"),
            );
            env.insert("STREAM_NAME".into(), stream.r#ref());
            t.output(
                "StreamName",
                "Records for the service",
                stream.r#ref(),
                None,
            )?;
            Some((stream, failures, st.clone()))
        }
        None => None,
    };
    let bucket_name = with_stack_uuid(format!("{}-${{StackUuid}}", bucket_prefix(s)));
    let bucket_arn = with_stack_uuid(format!(
        "arn:${{AWS::Partition}}:s3:::{}-${{StackUuid}}",
        bucket_prefix(s)
    ));
    let bucket_objects = with_stack_uuid(format!(
        "arn:${{AWS::Partition}}:s3:::{}-${{StackUuid}}/*",
        bucket_prefix(s)
    ));
    let async_failures = if s.inputs.bucket.is_some() {
        let failures = failure_queue(&mut t, "FailedEvents", micro3)?;
        statements
            .push(Statement::allow(&["s3:GetObject"], vec![bucket_objects]).sid("ReadUploads"));
        statements.push(
            Statement::allow(&["sqs:SendMessage"], vec![failures.get_att("Arn")])
                .sid("KeepFailedEvents"),
        );
        env.insert("BUCKET_NAME".into(), bucket_name.clone());
        Some(failures)
    } else {
        None
    };
    for (k, v) in &s.environment.0 {
        env.insert(k.clone(), v.as_str().into());
    }

    let function = LambdaFunction {
        name: "",
        description: &format!("Service `{}`", s.name),
        package,
        assets_bucket: &assets,
        handler: "handler.handler",
        memory_mb: s.memory_mb.get_u32(),
        timeout_s: timeout,
        architecture: o.architecture.as_str(),
        environment: env,
        statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: micro1,
    }
    .add_to(&mut t)?
    .function;
    t.output(
        "FunctionArn",
        "The service's function",
        function.get_att("Arn"),
        None,
    )?;

    if let Some((ids, q)) = &queue {
        QueueConsumer {
            id: "QueueMapping",
            queue: &ids.queue,
            function: &function,
            batch_size: q.batch_size.get_u32(),
            batching_window_s: q.max_batching_window_seconds.get_u32(),
            requirements: micro3,
        }
        .add_to(&mut t)?;
    }
    if let Some((stream, failures, st)) = &stream {
        t.add(
            "StreamMapping",
            EventSourceMapping {
                batch_size: Some(st.batch_size.get_u32()),
                bisect_batch_on_function_error: Some(true),
                destination_config: Some(DestinationConfig {
                    on_failure: Some(OnFailure {
                        destination: failures.get_att("Arn"),
                    }),
                    on_success: None,
                }),
                enabled: Some(true),
                event_source_arn: Some(stream.get_att("Arn")),
                filter_criteria: None,
                function_name: function.r#ref(),
                function_response_types: Some(vec!["ReportBatchItemFailures".into()]),
                maximum_batching_window_in_seconds: None,
                maximum_retry_attempts: Some(
                    i32::try_from(st.max_retry_attempts.get()).unwrap_or(i32::MAX),
                ),
                starting_position: Some(
                    match st.starting_position {
                        StartingPosition::Latest => "LATEST",
                        StartingPosition::TrimHorizon => "TRIM_HORIZON",
                    }
                    .into(),
                ),
            },
        )?
        .satisfies(micro3);
    }
    if let (Some(b), Some(failures)) = (&s.inputs.bucket, &async_failures) {
        let permission = t
            .add(
                "BucketPermission",
                Permission {
                    action: "lambda:InvokeFunction".into(),
                    function_name: function.get_att("Arn"),
                    principal: "s3.amazonaws.com".into(),
                    source_account: Some(Pseudo::AccountId.r#ref()),
                    source_arn: Some(bucket_arn),
                },
            )?
            .satisfies(micro3)
            .id()
            .clone();
        let mut rules = Vec::new();
        if let Some(p) = &b.prefix {
            rules.push(FilterRule {
                name: "prefix".into(),
                value: p.as_str().into(),
            });
        }
        if let Some(x) = &b.suffix {
            rules.push(FilterRule {
                name: "suffix".into(),
                value: x.as_str().into(),
            });
        }
        let filter = (!rules.is_empty()).then_some(NotificationFilter {
            s3_key: S3KeyFilter { rules },
        });
        let bucket = PrivateBucket {
            id: "Bucket",
            noncurrent_version_days: Some(b.keep_old_versions_days.get_u32()),
            retain: o.retain.buckets,
            requirements: micro3,
            bucket_name: Some(bucket_name),
            notifications: Some(NotificationConfiguration {
                lambda_configurations: Some(
                    b.events
                        .iter()
                        .map(|e| LambdaConfiguration {
                            event: e.as_str().into(),
                            filter: filter.clone(),
                            function: function.get_att("Arn"),
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            depends_on: vec![permission],
            ..Default::default()
        }
        .add_to(&mut t)?;
        t.add(
            "AsyncConfig",
            EventInvokeConfig {
                destination_config: Some(DestinationConfig {
                    on_failure: Some(OnFailure {
                        destination: failures.get_att("Arn"),
                    }),
                    on_success: None,
                }),
                function_name: function.r#ref(),
                maximum_event_age_in_seconds: Some(b.max_event_age_seconds.get_u32()),
                maximum_retry_attempts: Some(b.retry_attempts.get_u32()),
                qualifier: "$LATEST".into(),
            },
        )?
        .satisfies(micro3);
        t.output(
            "BucketName",
            "Uploads here trigger the service",
            bucket.r#ref(),
            None,
        )?;
    }

    // MICRO-1/2: the routes.
    if !s.routes.is_empty() {
        match (&rest_api, &root_resource, &listener) {
            _ if http_api.is_some() => {
                let api = http_api
                    .as_ref()
                    .ok_or_else(|| Error::Internal("no HTTP API".into()))?;
                add_http_routes(&mut t, o, s, api, &function)?;
            }
            (Some(api), Some(root), _) => add_routes(&mut t, o, s, api, root, &function)?,
            (_, _, Some(listener)) => {
                let sign_in = alb_sign_in(&mut t, o)?;
                add_alb_routes(&mut t, s, index, listener, &function, sign_in)?
            }
            _ => return Err(Error::Internal("a service stack without a front".into())),
        }
    }
    Ok(t)
}

/// The bucket name prefix of a service: its name, cut to fit with the
/// 36-character stack UUID in 63 characters.
fn bucket_prefix(s: &Service) -> String {
    let name: String = s.name.as_str().chars().take(26).collect();
    name.trim_end_matches('-').to_string()
}

/// An encrypted queue for events that could not be processed (retained).
fn failure_queue(t: &mut Template, id: &str, requirements: &[&str]) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        Queue {
            message_retention_period: Some(crate::components::queue::DLQ_RETENTION_S),
            sqs_managed_sse_enabled: Some(true),
            ..Default::default()
        },
    )?
    .retain()
    .satisfies(requirements)
    .id()
    .clone())
}

/// A service's routes on the shared REST API: its base path resource, one
/// resource per deeper path segment, one method per route, and the
/// permissions for API Gateway to invoke the function.
fn add_routes(
    t: &mut Template,
    o: &Options,
    s: &Service,
    api: &LogicalId,
    root: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    let base = t
        .add(
            "ApiResource",
            ApiResource {
                parent_id: root.r#ref(),
                path_part: s.base_path().to_string(),
                rest_api_id: api.r#ref(),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let mut resources: IndexMap<String, LogicalId> = IndexMap::new();
    resources.insert("/".to_string(), base);
    for r in &s.routes {
        let segments = r.path.segments();
        for depth in 1..=segments.len() {
            let prefix = format!("/{}", segments[..depth].join("/"));
            if resources.contains_key(&prefix) {
                continue;
            }
            let parent_path = if depth == 1 {
                "/".to_string()
            } else {
                format!("/{}", segments[..depth - 1].join("/"))
            };
            let parent = resources
                .get(&parent_path)
                .map(LogicalId::r#ref)
                .ok_or_else(|| Error::Internal(format!("no parent for {prefix}")))?;
            let id = t
                .add(
                    &format!("Api{}Resource", path_id(&prefix)),
                    ApiResource {
                        parent_id: parent,
                        path_part: segments[depth - 1].to_string(),
                        rest_api_id: api.r#ref(),
                    },
                )?
                .satisfies(req)
                .id()
                .clone();
            resources.insert(prefix, id);
        }
    }
    let uri: Value<String> = sub(format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function}.Arn}}/invocations"
    ))
    .into();
    let auth = match o.api.authorization {
        Authorization::Iam => "AWS_IAM",
        Authorization::None => "NONE",
    };
    let validator = add_request_validator(t, s, api)?;
    for r in &s.routes {
        let model = add_request_model(t, o, s, r, api)?;
        let resource = resources
            .get(r.path.as_str())
            .ok_or_else(|| Error::Internal(format!("no resource for {}", r.path)))?;
        let cache_key = public_cache_key(o, s, r);
        let method = t
            .add(
                &format!(
                    "Api{}{}",
                    path_id(r.path.as_str()),
                    title(r.method.as_str())
                ),
                Method {
                    api_key_required: o.api.usage_plan.as_ref().map(|_| true),
                    authorization_type: auth.into(),
                    authorizer_id: None,
                    http_method: r.method.as_str().into(),
                    integration: Some(Integration {
                        cache_key_parameters: cache_key
                            .as_ref()
                            .map(|k| k.iter().map(|(name, _)| name.clone()).collect()),
                        integration_http_method: Some("POST".into()),
                        kind: "AWS_PROXY".into(),
                        uri: Some(uri.clone()),
                    }),
                    operation_name: Some(operation_id(s, r.method.as_str(), &r.path)),
                    request_parameters: method_parameters(cache_key, r),
                    request_models: model
                        .as_ref()
                        .map(|m| IndexMap::from([("application/json".to_string(), m.r#ref())])),
                    request_validator_id: validator
                        .as_ref()
                        .filter(|_| r.request.as_ref().is_some_and(RequestSpec::validates))
                        .map(LogicalId::r#ref),
                    resource_id: resource.r#ref(),
                    rest_api_id: api.r#ref(),
                },
            )?
            .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"]);
        if o.api.authorization == Authorization::None {
            method.accepts_risk(
                "CKV_AWS_59",
                "the project opened every route (options.api.authorization: none, warned at synth)",
            );
        }
    }
    // API Gateway may invoke the function for this service's paths only.
    let stage = o.api.stage_name.as_str();
    let base = s.base_path();
    let mut scopes = Vec::new();
    if s.routes.iter().any(|r| r.path.as_str() == "/") {
        scopes.push(("ApiPermission", format!("/{base}")));
    }
    if s.routes.iter().any(|r| r.path.as_str() != "/") {
        scopes.push(("ApiSubPathPermission", format!("/{base}/*")));
    }
    for (id, path) in scopes {
        t.add(
            id,
            Permission {
                action: "lambda:InvokeFunction".into(),
                function_name: function.get_att("Arn"),
                principal: "apigateway.amazonaws.com".into(),
                source_account: None,
                source_arn: Some(arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{stage}/*{path}"
                ))),
            },
        )?
        .satisfies(req);
    }
    Ok(())
}

/// A method's `RequestParameters`: its cache key's, and the query string
/// parameters its route declares (MICRO-4), each required or not.
fn method_parameters(
    cache_key: Option<Vec<(String, bool)>>,
    r: &RouteSpec,
) -> Option<IndexMap<String, bool>> {
    let mut out: IndexMap<String, bool> = cache_key.unwrap_or_default().into_iter().collect();
    if let Some(req) = &r.request {
        for (name, q) in &req.query.0 {
            out.insert(format!("method.request.querystring.{name}"), q.required);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// MICRO-4: the service's request validator, when a route of it declares a
/// request schema or query parameters: bodies against their models, and
/// (when a route declares query parameters) required parameters present.
/// One per service stack: `ApiRequestValidator`.
fn add_request_validator(
    t: &mut Template,
    s: &Service,
    api: &LogicalId,
) -> Result<Option<LogicalId>, Error> {
    let requests: Vec<&RequestSpec> = s
        .routes
        .iter()
        .filter_map(|r| r.request.as_ref().filter(|q| q.validates()))
        .collect();
    if requests.is_empty() {
        return Ok(None);
    }
    let id = t
        .add(
            "ApiRequestValidator",
            RequestValidator {
                name: Some(format!("{}-requests", s.name)),
                rest_api_id: api.r#ref(),
                validate_request_body: Some(true),
                validate_request_parameters: Some(requests.iter().any(|q| !q.query.0.is_empty())),
            },
        )?
        .satisfies(&["MICRO-2", "MICRO-4"])
        .id()
        .clone();
    Ok(Some(id))
}

/// MICRO-4: a route's request schema as an API Gateway model (draft 4,
/// named schemas inlined), `Api<Path><Method>Model`: named after the route,
/// like its method, so adding, removing or reordering routes and services
/// renames nothing.
fn add_request_model(
    t: &mut Template,
    o: &Options,
    s: &Service,
    r: &RouteSpec,
    api: &LogicalId,
) -> Result<Option<LogicalId>, Error> {
    let Some(body) = r.request.as_ref().and_then(|q| q.schema.as_ref()) else {
        return Ok(None);
    };
    let body = schema::model_schema(&body.0, &o.schemas).map_err(Error::Internal)?;
    let id = t
        .add(
            &format!(
                "Api{}{}Model",
                path_id(r.path.as_str()),
                title(r.method.as_str())
            ),
            Model {
                content_type: Some("application/json".into()),
                description: Some(format!("Request body of {}", route_key(s, r))),
                name: None,
                rest_api_id: api.r#ref(),
                schema: Some(body),
            },
        )?
        .satisfies(&["MICRO-2", "MICRO-4"])
        .id()
        .clone();
    Ok(Some(id))
}

/// `type: http`: a service's routes on the shared HTTP API, its Lambda proxy
/// integration, and the permissions for its paths only.
fn add_http_routes(
    t: &mut Template,
    o: &Options,
    s: &Service,
    api: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    let integration = http_api::add_integration(t, "ApiIntegration", &api.r#ref(), function, req)?;
    let auth = match o.api.authorization {
        Authorization::Iam => "AWS_IAM",
        Authorization::None => "NONE",
    };
    for r in &s.routes {
        http_api::add_route(
            t,
            &api.r#ref(),
            &integration,
            http_api::RouteSpec {
                id: format!(
                    "Api{}{}Route",
                    path_id(r.path.as_str()),
                    title(r.method.as_str())
                ),
                key: route_key(s, r),
                operation_name: Some(operation_id(s, r.method.as_str(), &r.path)),
                authorization: auth,
                authorizer: None,
            },
            &["MICRO-1", "MICRO-2", "MICRO-4"],
        )?;
    }
    let base = s.base_path();
    if s.routes.iter().any(|r| r.path.as_str() == "/") {
        http_api::add_permission(
            t,
            "ApiPermission",
            api,
            function,
            &format!("*/*/{base}"),
            req,
        )?;
    }
    if s.routes.iter().any(|r| r.path.as_str() != "/") {
        http_api::add_permission(
            t,
            "ApiSubPathPermission",
            api,
            function,
            &format!("*/*/{base}/*"),
            req,
        )?;
    }
    Ok(())
}

/// A service behind the load balancer: a Lambda target group and a listener
/// rule for its base path (priority: its position in the list, stable as
/// services are added) that signs the user in (`sign_in`) and then forwards.
fn add_alb_routes(
    t: &mut Template,
    s: &Service,
    index: usize,
    listener: &LogicalId,
    function: &LogicalId,
    sign_in: Option<elb::Action>,
) -> Result<(), Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    // A name known before the target group exists scopes the permission
    // without a dependency cycle: `<service>-<first 8 of the stack UUID>`.
    let short: String = s.name.as_str().chars().take(23).collect();
    let short = short.trim_end_matches('-');
    let mut vars = IndexMap::new();
    vars.insert(
        "StackShortId".to_string(),
        Expr::from(select(
            0,
            Intrinsic::Split(
                "-".into(),
                select(
                    2,
                    Intrinsic::Split("/".into(), Intrinsic::Ref("AWS::StackId".into()).into()),
                )
                .into(),
            ),
        )),
    );
    let name: Value<String> =
        Intrinsic::SubWith(format!("{short}-${{StackShortId}}"), vars.clone()).into();
    let source: Value<String> = Intrinsic::SubWith(
        format!(
            "arn:${{AWS::Partition}}:elasticloadbalancing:${{AWS::Region}}:${{AWS::AccountId}}:targetgroup/{short}-${{StackShortId}}/*"
        ),
        vars,
    )
    .into();
    let permission = t
        .add(
            "AlbPermission",
            Permission {
                action: "lambda:InvokeFunction".into(),
                function_name: function.get_att("Arn"),
                principal: "elasticloadbalancing.amazonaws.com".into(),
                source_account: Some(Pseudo::AccountId.r#ref()),
                source_arn: Some(source),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let tg = t
        .add(
            "TargetGroup",
            elb::TargetGroup {
                name: Some(name),
                target_type: Some("lambda".into()),
                targets: Some(vec![elb::TargetDescription {
                    id: function.get_att("Arn"),
                }]),
                ..Default::default()
            },
        )?
        .depends_on(&permission)
        .satisfies(req)
        .id()
        .clone();
    let base = s.base_path();
    let actions = match sign_in {
        Some(sign_in) => vec![
            sign_in.ordered(1),
            elb::Action::forward(tg.r#ref()).ordered(2),
        ],
        None => vec![elb::Action::forward(tg.r#ref())],
    };
    t.add(
        "ListenerRule",
        elb::ListenerRule {
            actions,
            conditions: vec![elb::RuleCondition::path_patterns(vec![
                format!("/{base}"),
                format!("/{base}/*"),
            ])],
            listener_arn: listener.r#ref(),
            priority: u32::try_from(index + 1).unwrap_or(u32::MAX),
        },
    )?
    .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"]);
    Ok(())
}

impl crate::blueprints::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_become_logical_ids() {
        let s = Service {
            name: ServiceName::new("order-history").unwrap(),
            ..example_services().remove(0)
        };
        assert_eq!(s.logical(), "OrderHistory");
        assert!(ServiceName::new("Orders").is_err());
        assert!(ServiceName::new("a--b").is_err());
        assert!(ServiceName::new("a-").is_err());
        assert!(ServiceName::new("1a").is_err());
        assert!(ServiceName::new(&"a".repeat(33)).is_err());
        assert_eq!(
            operation_id(&s, "GET", &RoutePath::new("/{id}/items").unwrap()),
            "orderHistoryGetIdItems"
        );
    }

    #[test]
    fn route_paths() {
        for ok in ["/", "/{id}", "/a/{b}/c", "/{proxy+}", "/v1.2/x-y_z"] {
            assert!(RoutePath::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "x",
            "//",
            "/a/",
            "/{a}/{a}",
            "/{proxy+}/x",
            "/{}",
            "/a b",
            "/{1x}",
        ] {
            assert!(RoutePath::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn services_are_checked_together() {
        let mut list = example_services();
        list[1].name = ServiceName::new("users").unwrap();
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("listed twice"));
        let mut list = example_services();
        list[1].base_path = Some(PathSegment::new("users").unwrap());
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("base path `/users`"));
        let mut list = example_services();
        list[1].name = ServiceName::new("a1").unwrap();
        list[0].name = ServiceName::new("a-1").unwrap();
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("logical ID `A1Service`"));
        let mut list = example_services();
        let again = list[0].routes[0].clone();
        list[0].routes.push(again);
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("listed twice"));
        assert!(validate_services(&example_services()).is_ok());
    }
}
