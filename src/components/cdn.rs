//! A CloudFront distribution: origins (a private S3 site through origin
//! access control, an API Gateway stage under a path, any HTTP(S) origin, a
//! private load balancer through a VPC origin, failover groups), cache policies, an origin request policy for APIs,
//! security response headers, HTTPS only, and an optional certificate for a
//! custom domain (TLS 1.2 or newer).

use indexmap::IndexMap;

use crate::cfn::intrinsic::{select, sub, Expr, Intrinsic};
use crate::cfn::resources::cloudfront::{
    CacheBehavior, CachePolicy, CachePolicyConfig, CookiesConfig, CustomOriginConfig,
    DefaultCacheBehavior, Distribution, DistributionConfig, HeadersConfig, HttpVersion,
    MinimumProtocolVersion, Origin, OriginCustomHeader, OriginGroup, OriginGroups,
    OriginRequestPolicy, OriginRequestPolicyConfig, OriginShield,
    ParametersInCacheKeyAndForwardedToOrigin, QueryStringsConfig, ResponseHeadersPolicy,
    ResponseHeadersPolicyConfig, SecurityHeadersConfig, ViewerCertificate,
};
use crate::cfn::{LogicalId, Template, Value};
use crate::components::edge::PriceClass;
use crate::error::Error;

/// The viewer TLS policy with a custom certificate: TLS 1.2 or newer.
pub const MIN_TLS: MinimumProtocolVersion = MinimumProtocolVersion::Tlsv1_2_2021;

/// A name unique to this stack (account-wide names such as those of cache
/// policies and origin access controls must not clash between stacks of the
/// same name in two regions): `<prefix>-<the stack ID's UUID>`.
pub fn stack_unique_name(prefix: &str) -> Value<String> {
    super::with_stack_uuid(format!("{prefix}-${{StackUuid}}"))
}

/// The UUID at the end of `AWS::StackId`, as an `Fn::Sub` variable.
pub fn stack_uuid() -> Expr {
    select(
        2,
        Intrinsic::Split("/".into(), Intrinsic::Ref("AWS::StackId".into()).into()),
    )
    .into()
}

/// Which HTTP methods a behavior accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Methods {
    /// GET and HEAD.
    Read,
    /// GET, HEAD and OPTIONS (CORS preflight).
    ReadWithOptions,
    /// Every method, for APIs.
    All,
}

impl Methods {
    fn allowed(self) -> &'static [&'static str] {
        match self {
            Methods::Read => &["GET", "HEAD"],
            Methods::ReadWithOptions => &["GET", "HEAD", "OPTIONS"],
            Methods::All => &["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
        }
    }
}

/// A cache policy of the distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheSettings<'a> {
    /// Logical ID part: `Static` gives `<cdn>StaticCachePolicy`.
    pub name: &'a str,
    /// The cache policy's comment.
    pub comment: &'a str,
    /// Seconds an object is cached at least.
    pub min_ttl: u64,
    /// Seconds an object is cached when its origin says nothing.
    pub default_ttl: u64,
    /// Seconds an object is cached at most.
    pub max_ttl: u64,
    /// Query strings are part of the cache key (and reach the origin).
    pub query_strings: bool,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// Where CloudFront fetches from.
#[derive(Clone, Debug, PartialEq)]
pub enum OriginKind<'a> {
    /// A private bucket, read through origin access control.
    S3Site {
        /// The bucket.
        bucket: &'a LogicalId,
        /// The origin access control CloudFront signs with.
        access_control: &'a LogicalId,
    },
    /// A REST API stage: `<api>.execute-api.<region>.amazonaws.com/<stage>`.
    RestApi {
        /// The API.
        api: &'a LogicalId,
        /// Its stage's name.
        stage: &'a str,
    },
    /// Any web origin (a domain or a load balancer's DNS name).
    Http {
        /// The origin's domain name.
        domain: Value<String>,
        /// `https-only`, `http-only` or `match-viewer`.
        protocol: &'a str,
        /// Its HTTP port.
        http_port: u16,
        /// Its HTTPS port.
        https_port: u16,
        /// A path prefixed to every origin request.
        path: Option<String>,
        /// Headers CloudFront adds to every origin request (e.g. a secret the
        /// origin checks so only this distribution reaches it).
        headers: Vec<(String, Value<String>)>,
    },
    /// A private load balancer reached through an `AWS::CloudFront::VpcOrigin`
    /// (whose endpoint settings hold the protocol).
    Vpc {
        /// The `AWS::CloudFront::VpcOrigin`.
        vpc_origin: LogicalId,
        /// The name CloudFront sends and, over HTTPS, checks on the
        /// certificate.
        domain: Value<String>,
    },
}

/// One origin and its ID within the distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginSpec<'a> {
    /// The origin's ID, which behaviors and failover groups name.
    pub id: &'a str,
    /// What the origin is.
    pub kind: OriginKind<'a>,
    /// Origin Shield in this region.
    pub shield_region: Option<&'a str>,
}

/// A failover group: `primary`, then `secondary` when the primary answers
/// with one of `status_codes` or cannot be reached.
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverGroup<'a> {
    /// The group's ID, which behaviors name.
    pub id: &'a str,
    /// The origin tried first.
    pub primary: &'a str,
    /// The origin tried when the first answers with one of `status_codes`.
    pub secondary: &'a str,
    /// Status codes that fail over.
    pub status_codes: Vec<u16>,
}

/// A cache behavior: requests matching `path_pattern` (the default behavior
/// has none) go to `target` with cache policy `cache`.
#[derive(Clone, Debug, PartialEq)]
pub struct BehaviorSpec<'a> {
    /// Requests matching this path pattern (none: the default behavior).
    pub path_pattern: Option<&'a str>,
    /// An origin's or a failover group's ID.
    pub target: &'a str,
    /// A [`CacheSettings::name`] of this distribution.
    pub cache: &'a str,
    /// The HTTP methods allowed.
    pub methods: Methods,
    /// Forward every viewer header except `Host`, every cookie and query
    /// string (what an API origin needs), through an origin request policy.
    pub api: bool,
}

/// The certificate and domain names of the distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewerDomain {
    /// An ACM certificate in us-east-1.
    pub certificate_arn: Value<String>,
    /// The domain names the distribution answers to.
    pub aliases: Vec<String>,
}

/// How to build the distribution.
pub struct Cdn<'a> {
    /// Logical ID prefix: `<name>Distribution`, `<name><cache>CachePolicy`, ...
    pub name: &'a str,
    /// The distribution's comment.
    pub comment: &'a str,
    /// Where CloudFront fetches from.
    pub origins: Vec<OriginSpec<'a>>,
    /// Pairs of origins that fail over.
    pub failover_groups: Vec<FailoverGroup<'a>>,
    /// The cache policies.
    pub caches: Vec<CacheSettings<'a>>,
    /// The behavior for requests no other behavior matches.
    pub default_behavior: BehaviorSpec<'a>,
    /// Matched in order, before the default behavior.
    pub behaviors: Vec<BehaviorSpec<'a>>,
    /// The object served for `/`.
    pub default_root_object: Option<&'a str>,
    /// Which edge locations serve it.
    pub price_class: PriceClass,
    /// `None`: the `*.cloudfront.net` name and certificate.
    pub domain: Option<ViewerDomain>,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
    /// Requirement IDs served by the custom domain settings.
    pub domain_requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct CdnIds {
    /// The distribution.
    pub distribution: LogicalId,
}

impl Cdn<'_> {
    /// The distribution's logical ID, known before it is added (a bucket
    /// policy names the distribution that may read the bucket).
    pub fn distribution_id(name: &str) -> String {
        format!("{name}Distribution")
    }

    /// `arn:...:cloudfront::<account>:distribution/<id>` of the distribution
    /// `name` builds.
    pub fn distribution_arn(name: &str) -> Value<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{}}}",
            Self::distribution_id(name)
        ))
        .into()
    }

    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(self, t: &mut Template) -> Result<CdnIds, Error> {
        self.add_to_keyed_by_caller(t, &[])
    }

    /// Like [`Cdn::add_to`], but the caches named in `per_caller` have the
    /// viewer's `Authorization` header in their key, which is also the only
    /// way CloudFront forwards that header to the origin (an origin request
    /// policy may not): a response is never served to another identity.
    /// CloudFront allows no header in the key of a cache that is off, so such
    /// a cache's maximum TTL is at least one second (a response the origin
    /// marks `no-store` is still never kept).
    pub fn add_to_keyed_by_caller(
        self,
        t: &mut Template,
        per_caller: &[&str],
    ) -> Result<CdnIds, Error> {
        let cache_ids = self.add_cache_policies(t, per_caller)?;
        let api_policy = self.add_api_request_policy(t)?;
        let headers = self.add_security_headers(t)?.get_att("Id");
        let behavior = |b: &BehaviorSpec<'_>| -> Result<BehaviorIds, Error> {
            Ok(BehaviorIds {
                cache_policy: cache_ids
                    .get(b.cache)
                    .map(|id| id.get_att("Id"))
                    .ok_or_else(|| Error::Internal(format!("no cache policy `{}`", b.cache)))?,
                request_policy: api_policy
                    .as_ref()
                    .filter(|_| b.api)
                    .map(|p| p.get_att("Id")),
                response_headers: headers.clone(),
            })
        };
        let d = &self.default_behavior;
        let default_cache_behavior = default_cache_behavior(d, behavior(d)?);
        let behaviors = self
            .behaviors
            .iter()
            .map(|b| Ok(cache_behavior(b, behavior(b)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let config = self.distribution_config(default_cache_behavior, behaviors);
        let n = self.name;
        let dist = t.add(&Self::distribution_id(n), Distribution::new(config))?;
        dist.satisfies(self.requirements);
        if self.domain.is_some() {
            dist.satisfies(self.domain_requirements);
        }
        let distribution = dist.id().clone();
        t.output(
            &format!("{n}DomainName"),
            "The distribution's domain name (*.cloudfront.net)",
            distribution.get_att("DomainName"),
            None,
        )?;
        t.output(
            &format!("{n}DistributionId"),
            "The distribution's ID (for invalidations)",
            distribution.r#ref(),
            None,
        )?;
        Ok(CdnIds { distribution })
    }

    /// One cache policy per [`CacheSettings`]; those named in `per_caller`
    /// keyed by the viewer's `Authorization` header.
    fn add_cache_policies(
        &self,
        t: &mut Template,
        per_caller: &[&str],
    ) -> Result<IndexMap<&str, LogicalId>, Error> {
        let mut cache_ids = IndexMap::new();
        for c in &self.caches {
            let keyed = per_caller.contains(&c.name);
            let max_ttl = if keyed { c.max_ttl.max(1) } else { c.max_ttl };
            let disabled = max_ttl == 0;
            // With caching off, nothing may be in the key; compression needs
            // the encodings in the key.
            let key = ParametersInCacheKeyAndForwardedToOrigin {
                enable_accept_encoding_brotli: Some((!disabled).into()),
                ..ParametersInCacheKeyAndForwardedToOrigin::new(
                    CookiesConfig::none(),
                    !disabled,
                    if keyed {
                        HeadersConfig::only(&["Authorization"])
                    } else {
                        HeadersConfig::none()
                    },
                    if c.query_strings && !disabled {
                        QueryStringsConfig::all()
                    } else {
                        QueryStringsConfig::none()
                    },
                )
            };
            let config = CachePolicyConfig {
                comment: Some(c.comment.into()),
                ..CachePolicyConfig::new(
                    seconds(c.default_ttl),
                    seconds(max_ttl),
                    seconds(c.min_ttl),
                    stack_unique_name(&c.name.to_ascii_lowercase()),
                    key,
                )
            };
            let id = t
                .add(
                    &format!("{}{}CachePolicy", self.name, c.name),
                    CachePolicy::new(config),
                )?
                .satisfies(c.requirements)
                .id()
                .clone();
            cache_ids.insert(c.name, id);
        }
        Ok(cache_ids)
    }

    /// The origin request policy of API behaviors (when there are any):
    /// every viewer header except `Host`, every cookie and query string.
    fn add_api_request_policy(&self, t: &mut Template) -> Result<Option<LogicalId>, Error> {
        let needs_api_policy = std::iter::once(&self.default_behavior)
            .chain(&self.behaviors)
            .any(|b| b.api);
        if !needs_api_policy {
            return Ok(None);
        }
        let config = OriginRequestPolicyConfig {
            comment: Some(
                "API origins: every viewer header except Host, cookies and query strings".into(),
            ),
            ..OriginRequestPolicyConfig::new(
                CookiesConfig::all(),
                HeadersConfig::all_except(&["Host"]),
                stack_unique_name("api"),
                QueryStringsConfig::all(),
            )
        };
        Ok(Some(
            t.add(
                &format!("{}ApiOriginRequestPolicy", self.name),
                OriginRequestPolicy::new(config),
            )?
            .satisfies(self.requirements)
            .id()
            .clone(),
        ))
    }

    /// The security headers on every response (HSTS, nosniff, no framing,
    /// strict referrer).
    fn add_security_headers(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let config = ResponseHeadersPolicyConfig {
            comment: Some("HSTS, nosniff, no framing, strict referrer on every response".into()),
            security_headers_config: Some(SecurityHeadersConfig::strict().into()),
            ..ResponseHeadersPolicyConfig::new(stack_unique_name("security-headers"))
        };
        Ok(t.add(
            &format!("{}SecurityHeaders", self.name),
            ResponseHeadersPolicy::new(config),
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }

    /// The distribution's settings: origins, failover groups, behaviors,
    /// HTTP/2 and 3, IPv6, and the viewer certificate.
    fn distribution_config(
        &self,
        default_cache_behavior: DefaultCacheBehavior,
        behaviors: Vec<CacheBehavior>,
    ) -> DistributionConfig {
        let origin_groups = (!self.failover_groups.is_empty()).then(|| {
            OriginGroups::of(
                self.failover_groups
                    .iter()
                    .map(|g| OriginGroup::failover(g.id, g.primary, g.secondary, &g.status_codes))
                    .collect(),
            )
        });
        let viewer_certificate = match &self.domain {
            Some(d) => ViewerCertificate::acm(d.certificate_arn.clone(), MIN_TLS),
            None => ViewerCertificate::cloudfront_default(),
        };
        let origins: Vec<Origin> = self.origins.iter().map(origin).collect();
        DistributionConfig {
            aliases: self.domain.as_ref().map(|d| {
                d.aliases
                    .iter()
                    .map(|a| Value::from(a.as_str()))
                    .collect::<Vec<_>>()
                    .into()
            }),
            cache_behaviors: (!behaviors.is_empty()).then(|| behaviors.into()),
            comment: Some(self.comment.into()),
            default_root_object: self.default_root_object.map(Value::from),
            http_version: Some(HttpVersion::Http2And3.into()),
            ipv6_enabled: Some(true.into()),
            origin_groups: origin_groups.map(Value::from),
            origins: Some(origins.into()),
            price_class: Some(self.price_class.cloudfront().into()),
            viewer_certificate: Some(viewer_certificate.into()),
            ..DistributionConfig::new(default_cache_behavior, true)
        }
    }
}

/// The policies a behavior uses.
struct BehaviorIds {
    cache_policy: Value<String>,
    request_policy: Option<Value<String>>,
    response_headers: Value<String>,
}

fn default_cache_behavior(d: &BehaviorSpec<'_>, ids: BehaviorIds) -> DefaultCacheBehavior {
    DefaultCacheBehavior {
        origin_request_policy_id: ids.request_policy,
        response_headers_policy_id: Some(ids.response_headers),
        ..DefaultCacheBehavior::https(d.target, d.methods.allowed(), ids.cache_policy)
    }
}

fn cache_behavior(b: &BehaviorSpec<'_>, ids: BehaviorIds) -> CacheBehavior {
    CacheBehavior {
        origin_request_policy_id: ids.request_policy,
        response_headers_policy_id: Some(ids.response_headers),
        ..CacheBehavior::https(
            b.path_pattern.unwrap_or("*"),
            b.target,
            b.methods.allowed(),
            ids.cache_policy,
        )
    }
}

/// A TTL in seconds.
fn seconds(s: u64) -> Value<i64> {
    Value::Lit(i64::try_from(s).unwrap_or(i64::MAX))
}

fn origin(o: &OriginSpec<'_>) -> Origin {
    let origin = match &o.kind {
        OriginKind::S3Site {
            bucket,
            access_control,
        } => Origin::s3_with_access_control(
            o.id,
            bucket.get_att("RegionalDomainName"),
            access_control.get_att("Id"),
        ),
        OriginKind::RestApi { api, stage } => Origin {
            origin_path: Some(format!("/{stage}").into()),
            ..Origin::custom(
                o.id,
                sub(format!(
                    "${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
                ))
                .into(),
                CustomOriginConfig::tls12("https-only", 80, 443),
            )
        },
        OriginKind::Http {
            domain,
            protocol,
            http_port,
            https_port,
            path,
            headers,
        } => Origin {
            connection_attempts: Some(3.into()),
            connection_timeout: Some(10.into()),
            origin_custom_headers: (!headers.is_empty()).then(|| {
                headers
                    .iter()
                    .map(|(name, value)| OriginCustomHeader::new(name.as_str(), value.clone()))
                    .collect::<Vec<_>>()
                    .into()
            }),
            origin_path: path.clone().map(Value::from),
            ..Origin::custom(
                o.id,
                domain.clone(),
                CustomOriginConfig::tls12(protocol, *http_port, *https_port),
            )
        },
        OriginKind::Vpc { vpc_origin, domain } => Origin {
            connection_attempts: Some(3.into()),
            connection_timeout: Some(10.into()),
            ..Origin::vpc(o.id, domain.clone(), vpc_origin.get_att("Id"))
        },
    };
    Origin {
        origin_shield: o.shield_region.map(|r| OriginShield::in_region(r).into()),
        ..origin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_stack() {
        let v = serde_json::to_value(stack_unique_name("static")).unwrap();
        assert_eq!(v["Fn::Sub"][0], "static-${StackUuid}");
        assert_eq!(
            v["Fn::Sub"][1]["StackUuid"],
            serde_json::json!({"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]})
        );
        assert_eq!(Cdn::distribution_id("Cdn"), "CdnDistribution");
    }
}
