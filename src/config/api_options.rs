//! API-OPTIONS: the `api:` options every blueprint with an API shares: REST or
//! HTTP API, endpoint type, stage and per-route throttling, usage plans with
//! API keys, the stage cache, a private endpoint and a custom domain.
//!
//! Each value checks itself while it is parsed; checks across several values
//! run when the whole `api:` mapping is read, with messages that start with
//! the key they are about (`options.api.usage_plan: ...`).

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema};
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use super::schema::{text, value_schema};

use super::values::{DomainName, HostedZoneId, Name, Ranged, VpcCidr};

/// What a blueprint's API looks like to the shared options: its routes (for
/// `route_throttling`) and whether CloudFront fronts it.
pub trait ApiShape {
    /// The default stage throttling: steady requests per second and burst.
    const RATE: u64;
    /// The largest burst allowed.
    const BURST: u64;
    /// The route keys (`GET /todos/{todoId}`), or `None` when the blueprint
    /// checks `route_throttling` itself (its routes are options too).
    fn routes() -> Option<Vec<String>>;
    /// The API is a CloudFront origin: a private endpoint cannot be reached.
    const CLOUDFRONT_ORIGIN: bool = false;
}

/// REST (API Gateway v1) or HTTP (API Gateway v2) API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApiType {
    /// Usage plans, API keys, stage cache, private endpoints, edge endpoints.
    #[default]
    Rest,
    /// About a third of the price per request; regional only, JWT authorizers.
    Http,
}

/// Where the API's endpoint lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    #[default]
    /// A regional endpoint.
    Regional,
    /// An edge-optimized endpoint (through CloudFront).
    Edge,
    /// Reachable only from a VPC, through an interface VPC endpoint.
    Private,
}

impl Endpoint {
    /// The name API Gateway uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Regional => "REGIONAL",
            Endpoint::Edge => "EDGE",
            Endpoint::Private => "PRIVATE",
        }
    }
}

/// A route as `METHOD /path`, e.g. `GET /todos/{todoId}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RouteKey(String);

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

impl RouteKey {
    /// Checks `s`: a `RouteKey`, or why it is not one, in plain words.
    pub fn new(s: &str) -> Result<Self, String> {
        let err = || {
            format!("`{s}` is not a route: write it as `METHOD /path`, like `GET /items/{{id}}`")
        };
        let (method, path) = s.split_once(' ').ok_or_else(err)?;
        if !METHODS.contains(&method) || !path.starts_with('/') || path.contains(' ') {
            return Err(err());
        }
        Ok(RouteKey(s.to_string()))
    }

    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `GET`.
    pub fn method(&self) -> &str {
        self.0.split_once(' ').map_or("", |(m, _)| m)
    }

    /// `/todos/{todoId}`.
    pub fn path(&self) -> &str {
        self.0.split_once(' ').map_or("", |(_, p)| p)
    }
}

impl<'de> Deserialize<'de> for RouteKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::config::deserialize_text(d, "a route (like `GET /items/{id}`)", RouteKey::new)
    }
}

value_schema!(
    RouteKey,
    text(
        "A route as `METHOD /path`, like `GET /items/{id}`",
        "^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /[^ ]*$",
        6,
        8192
    )
);

impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Throttling of one route, replacing the stage's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteThrottle {
    /// Requests per second (0 blocks the route).
    pub rate_per_second: Ranged<0, 10_000>,
    /// Requests at once.
    pub burst: Ranged<0, 5_000>,
}

/// A usage plan and its API keys (REST APIs).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsagePlanOptions {
    /// One API key per name; every method then requires a key.
    pub api_keys: ApiKeyNames,
    /// The plan's steady rate per key (the stage's throttling when unset).
    #[serde(default)]
    pub rate_per_second: Option<Ranged<1, 10_000>>,
    #[serde(default)]
    /// Requests at once.
    pub burst: Option<Ranged<0, 5_000>>,
    #[serde(default)]
    /// Requests per period.
    pub quota: Option<Quota>,
}

/// 1 to 50 distinct API key names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ApiKeyNames(Vec<Name>);

impl ApiKeyNames {
    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Name> {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for ApiKeyNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<Name>::deserialize(d)?;
        if names.is_empty() || names.len() > 50 {
            return Err(D::Error::custom(format!(
                "{} API keys given: allowed are 1 to 50",
                names.len()
            )));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(D::Error::custom(format!(
                    "API key `{}` is listed twice",
                    n.as_str()
                )));
            }
        }
        Ok(ApiKeyNames(names))
    }
}

value_schema!(ApiKeyNames, |g| {
    json_schema!({
        "type": "array",
        "description": "1 to 50 distinct API key names",
        "items": g.subschema_for::<Name>(),
        "minItems": 1,
        "maxItems": 50,
        "uniqueItems": true,
    })
});

/// The most requests a key may make per period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Requests per period.
    pub limit: Ranged<1, 2_000_000_000>,
    /// The period.
    pub period: QuotaPeriod,
}

/// `day`, `week` or `month`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum QuotaPeriod {
    /// A day.
    Day,
    /// A week.
    Week,
    /// A month.
    Month,
}

impl QuotaPeriod {
    /// The value API Gateway takes (`DAY`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "DAY",
            QuotaPeriod::Week => "WEEK",
            QuotaPeriod::Month => "MONTH",
        }
    }
}

/// The stage cache (REST APIs).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StageCacheOptions {
    /// The cache's size.
    pub size_gb: CacheSize,
    /// How long a response is cached.
    pub ttl_seconds: Ranged<0, 3600>,
}

impl Default for StageCacheOptions {
    fn default() -> Self {
        StageCacheOptions {
            size_gb: CacheSize("0.5".into()),
            ttl_seconds: Ranged::of(300),
        }
    }
}

/// An API Gateway cache size, in GB.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CacheSize(String);

/// The sizes API Gateway offers.
pub const CACHE_SIZES: &[&str] = &["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

impl CacheSize {
    /// The value, as written in blueprint.yaml and in templates.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for CacheSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CacheSizeVisitor)
    }
}

value_schema!(CacheSize, {
    let sizes: Vec<serde_json::Value> = CACHE_SIZES
        .iter()
        .flat_map(|s| {
            [
                serde_json::json!(s),
                s.parse::<f64>()
                    .map_or(serde_json::Value::Null, serde_json::Value::from),
            ]
        })
        .collect();
    json_schema!({
        "description": "An API Gateway cache size in GB, written as a number or as text",
        "enum": sizes,
    })
});

/// A size written as a number (`0.5`) or as text (`"0.5"`).
struct CacheSizeVisitor;

impl CacheSizeVisitor {
    fn size<E: serde::de::Error>(s: String) -> Result<CacheSize, E> {
        if CACHE_SIZES.contains(&s.as_str()) {
            Ok(CacheSize(s))
        } else {
            Err(E::custom(format!(
                "{s} is not an API Gateway cache size; use one of {}",
                CACHE_SIZES.join(", ")
            )))
        }
    }
}

impl serde::de::Visitor<'_> for CacheSizeVisitor {
    type Value = CacheSize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a cache size in GB ({})", CACHE_SIZES.join(", "))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<CacheSize, E> {
        Self::size(format!("{n}"))
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<CacheSize, E> {
        Self::size(n.to_string())
    }
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<CacheSize, E> {
        Self::size(n.to_string())
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<CacheSize, E> {
        Self::size(s.to_string())
    }
}

/// A custom domain for the API: a regional ACM certificate validated in the
/// hosted zone, the API Gateway domain name and a Route 53 alias record.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiDomain {
    /// e.g. `api.example.com`.
    pub name: DomainName,
    /// The Route 53 public hosted zone the name is in.
    pub hosted_zone_id: HostedZoneId,
}

/// The VPC of a private endpoint: one the blueprint creates (`vpc_cidr`), or
/// an existing one (`vpc_id`, `subnet_ids`, `security_group_ids`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PrivateOptions {
    /// The CIDR of the VPC the blueprint creates (10.0.0.0/16 when unset).
    pub vpc_cidr: Option<VpcCidr>,
    /// The VPC.
    pub vpc_id: Option<VpcId>,
    /// Its subnets.
    pub subnet_ids: Vec<SubnetId>,
    /// Its security groups.
    pub security_group_ids: Vec<SecurityGroupId>,
}

impl PrivateOptions {
    /// Whether an existing VPC is given.
    pub fn existing(&self) -> bool {
        self.vpc_id.is_some()
    }
}

/// EC2 IDs: `vpc-…`, `subnet-…`, `sg-…`, with 8 or 17 hexadecimal digits.
macro_rules! ec2_id {
    ($ty:ident, $prefix:literal) => {
        #[doc = concat!("An ID like `", $prefix, "-0123456789abcdef0`.")]
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $ty(String);

        impl $ty {
            /// Checks `s`: a `PrivateOptions`, or why it is not one, in plain words.
            pub fn new(s: &str) -> Result<Self, String> {
                if ec2_id_ok(s, $prefix) {
                    Ok($ty(s.to_string()))
                } else {
                    Err(format!(
                        "`{s}` is not a {} ID (`{}-` and 8 or 17 hexadecimal digits)",
                        $prefix, $prefix
                    ))
                }
            }

            /// The value, as written in blueprint.yaml and in templates.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::config::deserialize_text(d, concat!("an ID (`", $prefix, "-...`)"), $ty::new)
            }
        }

        value_schema!(
            $ty,
            text(
                concat!("An ID like `", $prefix, "-0123456789abcdef0`"),
                concat!("^", $prefix, "-([0-9a-f]{8}|[0-9a-f]{17})$"),
                1,
                64
            )
        );
    };
}

fn ec2_id_ok(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|hex| {
            (hex.len() == 8 || hex.len() == 17)
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

ec2_id!(VpcId, "vpc");
ec2_id!(SubnetId, "subnet");
ec2_id!(SecurityGroupId, "sg");

/// The `api:` options (API-OPTIONS); `S` is the blueprint's API (its routes
/// and default throttling).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(try_from = "RawApiOptions<S>", bound = "S: ApiShape")]
#[schemars(bound = "S: ApiShape", inline)]
pub struct ApiOptions<S> {
    /// `rest` or `http`.
    #[serde(rename = "type")]
    pub kind: ApiType,
    /// Regional or edge-optimized.
    pub endpoint: Endpoint,
    /// The stage (REST APIs; HTTP APIs use the `$default` stage).
    pub stage_name: Name,
    /// Requests per second.
    pub throttle_rate_per_second: Ranged<1, 10_000>,
    /// Requests at once.
    pub throttle_burst: Ranged<1, 5_000>,
    /// Per-route throttling, replacing the stage's for those routes.
    pub route_throttling: IndexMap<RouteKey, RouteThrottle>,
    /// API keys and a usage plan.
    pub usage_plan: Option<UsagePlanOptions>,
    /// A stage cache.
    pub cache: Option<StageCacheOptions>,
    /// A custom domain.
    pub domain: Option<ApiDomain>,
    /// `endpoint: private`: the VPC.
    pub private: Option<PrivateOptions>,
    /// Set the account-wide CloudWatch Logs role (REST APIs).
    pub manage_account_logging_role: bool,
    #[serde(skip)]
    shape: PhantomData<S>,
}

impl<S> Clone for ApiOptions<S> {
    fn clone(&self) -> Self {
        ApiOptions {
            kind: self.kind,
            endpoint: self.endpoint,
            stage_name: self.stage_name.clone(),
            throttle_rate_per_second: self.throttle_rate_per_second,
            throttle_burst: self.throttle_burst,
            route_throttling: self.route_throttling.clone(),
            usage_plan: self.usage_plan.clone(),
            cache: self.cache.clone(),
            domain: self.domain.clone(),
            private: self.private.clone(),
            manage_account_logging_role: self.manage_account_logging_role,
            shape: PhantomData,
        }
    }
}

impl<S> PartialEq for ApiOptions<S> {
    fn eq(&self, o: &Self) -> bool {
        self.kind == o.kind
            && self.endpoint == o.endpoint
            && self.stage_name == o.stage_name
            && self.throttle_rate_per_second == o.throttle_rate_per_second
            && self.throttle_burst == o.throttle_burst
            && self.route_throttling == o.route_throttling
            && self.usage_plan == o.usage_plan
            && self.cache == o.cache
            && self.domain == o.domain
            && self.private == o.private
            && self.manage_account_logging_role == o.manage_account_logging_role
    }
}

impl<S: ApiShape> Default for ApiOptions<S> {
    fn default() -> Self {
        let r = RawApiOptions::<S>::default();
        ApiOptions {
            kind: r.kind,
            endpoint: r.endpoint,
            stage_name: r.stage_name,
            throttle_rate_per_second: r.throttle_rate_per_second,
            throttle_burst: r.throttle_burst,
            route_throttling: r.route_throttling,
            usage_plan: r.usage_plan,
            cache: r.cache,
            domain: r.domain,
            private: r.private,
            manage_account_logging_role: r.manage_account_logging_role,
            shape: PhantomData,
        }
    }
}

/// What the API components need of the options, whatever the blueprint.
#[derive(Clone, Copy, Debug)]
pub struct ApiFeatures<'a> {
    /// Regional or edge-optimized.
    pub endpoint: Endpoint,
    /// `endpoint: private`: an existing VPC, or the one to create.
    pub private: Option<&'a PrivateOptions>,
    /// Limits of single routes.
    pub route_throttling: &'a IndexMap<RouteKey, RouteThrottle>,
    /// API keys and a usage plan.
    pub usage_plan: Option<&'a UsagePlanOptions>,
    /// A custom domain.
    pub domain: Option<&'a ApiDomain>,
}

impl<S> ApiOptions<S> {
    /// The view the API components take.
    pub fn features(&self) -> ApiFeatures<'_> {
        ApiFeatures {
            endpoint: self.endpoint,
            private: self.private.as_ref(),
            route_throttling: &self.route_throttling,
            usage_plan: self.usage_plan.as_ref(),
            domain: self.domain.as_ref(),
        }
    }

    /// Whether this is an HTTP API.
    pub fn is_http(&self) -> bool {
        self.kind == ApiType::Http
    }

    /// The route keys of `route_throttling` not in `valid`, as an error
    /// message naming the first and listing the valid ones.
    pub fn unknown_route(&self, valid: &[String]) -> Option<String> {
        let bad = self
            .route_throttling
            .keys()
            .find(|k| !valid.iter().any(|v| v == k.as_str()))?;
        Some(format!(
            "options.api.route_throttling: `{bad}` is not a route of this API; its routes are {}",
            valid
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// The options as written, before the checks across them.
/// The API's settings (API-OPTIONS).
#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default, bound = "S: ApiShape")]
#[schemars(bound = "S: ApiShape", inline)]
struct RawApiOptions<S> {
    /// `rest` or `http`.
    #[serde(rename = "type")]
    kind: ApiType,
    endpoint: Endpoint,
    /// The stage (REST APIs; HTTP APIs use the `$default` stage).
    stage_name: Name,
    throttle_rate_per_second: Ranged<1, 10_000>,
    throttle_burst: Ranged<1, 5_000>,
    /// Per-route throttling, replacing the stage's for those routes.
    route_throttling: IndexMap<RouteKey, RouteThrottle>,
    usage_plan: Option<UsagePlanOptions>,
    cache: Option<StageCacheOptions>,
    domain: Option<ApiDomain>,
    /// `endpoint: private`: the VPC.
    private: Option<PrivateOptions>,
    /// Set the account-wide CloudWatch Logs role (REST APIs).
    manage_account_logging_role: bool,
    #[serde(skip)]
    shape: PhantomData<S>,
}

impl<S: ApiShape> Default for RawApiOptions<S> {
    fn default() -> Self {
        RawApiOptions {
            kind: ApiType::Rest,
            endpoint: Endpoint::Regional,
            stage_name: Name::new("v1").unwrap_or_else(|_| unreachable!()),
            throttle_rate_per_second: Ranged::of(S::RATE),
            throttle_burst: Ranged::of(S::BURST),
            route_throttling: IndexMap::new(),
            usage_plan: None,
            cache: None,
            domain: None,
            private: None,
            manage_account_logging_role: true,
            shape: PhantomData,
        }
    }
}

/// The message for a usage plan on an HTTP API.
pub const USAGE_PLAN_NEEDS_REST: &str =
    "usage plans and API keys need `type: rest`: HTTP APIs have no usage plans";

impl<S: ApiShape> TryFrom<RawApiOptions<S>> for ApiOptions<S> {
    type Error = String;

    fn try_from(r: RawApiOptions<S>) -> Result<Self, String> {
        let http = r.kind == ApiType::Http;
        if http {
            if r.endpoint != Endpoint::Regional {
                return Err(format!(
                    "options.api.endpoint: HTTP APIs are regional only; `{}` needs `type: rest` (or leave `endpoint` at `regional`)",
                    match r.endpoint {
                        Endpoint::Edge => "edge",
                        _ => "private",
                    }
                ));
            }
            if r.usage_plan.is_some() {
                return Err(format!("options.api.usage_plan: {USAGE_PLAN_NEEDS_REST}"));
            }
            if r.cache.is_some() {
                return Err(
                    "options.api.cache: the stage cache needs `type: rest`: HTTP APIs have no cache"
                        .into(),
                );
            }
        }
        if r.endpoint == Endpoint::Private {
            if S::CLOUDFRONT_ORIGIN {
                return Err("options.api.endpoint: `private` cannot be used here: CloudFront serves this API as an origin and cannot reach a private endpoint".into());
            }
            if r.domain.is_some() {
                return Err("options.api.domain: a custom domain needs a `regional` or `edge` endpoint (private APIs are reached through their VPC endpoint)".into());
            }
        }
        if let Some(p) = &r.private {
            if r.endpoint != Endpoint::Private {
                return Err(
                    "options.api.private: only used with `endpoint: private`; remove it or set the endpoint"
                        .into(),
                );
            }
            if p.existing() {
                if p.vpc_cidr.is_some() {
                    return Err("options.api.private: give either `vpc_cidr` (a new VPC) or `vpc_id` (an existing one), not both".into());
                }
                if p.subnet_ids.is_empty() || p.subnet_ids.len() > 16 {
                    return Err(format!(
                        "options.api.private: `vpc_id` needs 1 to 16 `subnet_ids` for the endpoint's network interfaces ({} given)",
                        p.subnet_ids.len()
                    ));
                }
                if p.security_group_ids.is_empty() || p.security_group_ids.len() > 5 {
                    return Err(format!(
                        "options.api.private: `vpc_id` needs 1 to 5 `security_group_ids` allowing HTTPS to the endpoint ({} given)",
                        p.security_group_ids.len()
                    ));
                }
            } else if !p.subnet_ids.is_empty() || !p.security_group_ids.is_empty() {
                return Err("options.api.private: `subnet_ids` and `security_group_ids` belong to an existing VPC: give its `vpc_id` too".into());
            }
        }
        let o = ApiOptions {
            kind: r.kind,
            endpoint: r.endpoint,
            stage_name: r.stage_name,
            throttle_rate_per_second: r.throttle_rate_per_second,
            throttle_burst: r.throttle_burst,
            route_throttling: r.route_throttling,
            usage_plan: r.usage_plan,
            cache: r.cache,
            domain: r.domain,
            private: r.private,
            manage_account_logging_role: r.manage_account_logging_role,
            shape: PhantomData,
        };
        if let Some(valid) = S::routes() {
            if let Some(message) = o.unknown_route(&valid) {
                return Err(message);
            }
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_and_ids_are_checked() {
        assert!(RouteKey::new("GET /items/{id}").is_ok());
        assert!(RouteKey::new("FETCH /items").is_err());
        assert!(RouteKey::new("GET items").is_err());
        assert!(VpcId::new("vpc-0123456789abcdef0").is_ok());
        assert!(SubnetId::new("subnet-01234567").is_ok());
        assert!(SecurityGroupId::new("sg-0123").is_err());
        assert!(SecurityGroupId::new("vpc-01234567").is_err());
    }
}
