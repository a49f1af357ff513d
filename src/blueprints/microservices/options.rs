//! The options of the microservices blueprint (`options:` in blueprint.yaml)
//! and their validation, apart from the services themselves.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use super::routes::route_key;
use super::schema::NamedSchemas;
use super::services::{check_schemas, example_services, Services};
use crate::config::lambda::LambdaOptions;
use crate::config::schema::{one_of, text, value_schema};
use crate::config::{Architecture, DomainName, RetentionDays, VpcCidr};

/// The microservices blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
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
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawOptions {
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

/// MICRO-2: API Gateway or an Application Load Balancer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
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

/// The shared API options with `authorization` beside them.
impl JsonSchema for ApiOptions {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MicroservicesApiOptions".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut schema = SharedApiOptions::json_schema(g);
        let authorization = g.subschema_for::<Authorization>();
        if let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.insert("authorization".into(), authorization.to_value());
        }
        schema
    }
}

pub(super) struct ApiOptionsVisitor;

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
pub(super) struct TakingAuthorization<'a, A> {
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
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
pub(super) fn text_of<T>(
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
    ($(#[$doc:meta])* $name:ident, $what:literal, $like:literal, $pattern:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
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

        value_schema!(
            $name,
            text(concat!("Text: ", $what, ", like `", $like, "`"), $pattern, 1, 2048)
        );
    };
}

text_type!(
    /// An HTTPS URL (`https://` and a host).
    HttpsUrl,
    "an HTTPS URL",
    "https://login.example.com/oauth2/token",
    r"^https://[^/\s]\S*$",
    |s| s.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
);
text_type!(
    /// An OAuth 2.0 client ID.
    ClientId,
    "a client ID",
    "1example23456789",
    r"^[!-~]{1,255}$",
    |s| !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_graphic())
);
text_type!(
    /// A Cognito user pool ARN.
    UserPoolArn,
    "a Cognito user pool ARN",
    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123",
    r"^arn:aws[^:\s]*:cognito-idp:[^:\s]*:[0-9]{12}:userpool/[A-Za-z0-9-]*_[A-Za-z0-9_-]*$",
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
    r"^[a-z0-9][a-z0-9.-]{0,252}$",
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
    r"^arn:aws[^:\s]*:secretsmanager:[^:\s]*:[0-9]{12}:secret:\S+$",
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
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

impl crate::blueprints::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
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

value_schema!(
    SslPolicy,
    one_of(
        "A TLS policy of the HTTPS listener (TLS 1.2 or newer)",
        SSL_POLICIES
    )
);

/// An ELB security policy for the HTTPS listener, TLS 1.2 or newer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SslPolicy(pub(super) String);

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
