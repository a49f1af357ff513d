//! A CloudFront distribution: origins (a private S3 site through origin
//! access control, an API Gateway stage under a path, any HTTP(S) origin, a
//! private load balancer through a VPC origin, failover groups), cache policies, an origin request policy for APIs,
//! security response headers, HTTPS only, and an optional certificate for a
//! custom domain (TLS 1.2 or newer).

use indexmap::IndexMap;

use crate::cfn::intrinsic::{select, sub, Expr, Intrinsic};
use crate::cfn::resources::cloudfront::{
    CacheBehavior, CachePolicy, CachePolicyConfig, ContentTypeOptions, CookiesConfig,
    CustomOriginConfig, DefaultCacheBehavior, Distribution, DistributionConfig, FrameOptions,
    HeadersConfig, Origin, OriginCustomHeader, OriginGroup, OriginGroupFailoverCriteria,
    OriginGroupMember, OriginGroupMembers, OriginGroups, OriginRequestPolicy,
    OriginRequestPolicyConfig, OriginShield, ParametersInCacheKeyAndForwardedToOrigin,
    QueryStringsConfig, ReferrerPolicy, ResponseHeadersPolicy, ResponseHeadersPolicyConfig,
    S3OriginConfig, SecurityHeadersConfig, StatusCodes, StrictTransportSecurity, ViewerCertificate,
    VpcOriginConfig, XssProtection,
};
use crate::cfn::{LogicalId, Template, Value};
use crate::error::Error;

/// The viewer TLS policy with a custom certificate: TLS 1.2 or newer.
pub const MIN_TLS: &str = "TLSv1.2_2021";

/// The only protocol CloudFront may use to an origin over HTTPS.
pub const ORIGIN_TLS: &str = "TLSv1.2";

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
    fn allowed(self) -> Vec<String> {
        let list: &[&str] = match self {
            Methods::Read => &["GET", "HEAD"],
            Methods::ReadWithOptions => &["GET", "HEAD", "OPTIONS"],
            Methods::All => &["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
        };
        list.iter().map(|m| (*m).to_string()).collect()
    }
}

/// A cache policy of the distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheSettings<'a> {
    /// Logical ID part: `Static` gives `<cdn>StaticCachePolicy`.
    pub name: &'a str,
    pub comment: &'a str,
    pub min_ttl: u64,
    pub default_ttl: u64,
    pub max_ttl: u64,
    /// Query strings are part of the cache key (and reach the origin).
    pub query_strings: bool,
    pub requirements: &'a [&'a str],
}

/// Where CloudFront fetches from.
#[derive(Clone, Debug, PartialEq)]
pub enum OriginKind<'a> {
    /// A private bucket, read through origin access control.
    S3Site {
        bucket: &'a LogicalId,
        access_control: &'a LogicalId,
    },
    /// A REST API stage: `<api>.execute-api.<region>.amazonaws.com/<stage>`.
    RestApi { api: &'a LogicalId, stage: &'a str },
    /// Any web origin (a domain or a load balancer's DNS name).
    Http {
        domain: Value<String>,
        /// `https-only`, `http-only` or `match-viewer`.
        protocol: &'a str,
        http_port: u16,
        https_port: u16,
        path: Option<String>,
        /// Headers CloudFront adds to every origin request (e.g. a secret the
        /// origin checks so only this distribution reaches it).
        headers: Vec<(String, Value<String>)>,
    },
    /// A private load balancer reached through an `AWS::CloudFront::VpcOrigin`
    /// (whose endpoint settings hold the protocol).
    Vpc {
        vpc_origin: LogicalId,
        /// The name CloudFront sends and, over HTTPS, checks on the
        /// certificate.
        domain: Value<String>,
    },
}

/// One origin and its ID within the distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginSpec<'a> {
    pub id: &'a str,
    pub kind: OriginKind<'a>,
    /// Origin Shield in this region.
    pub shield_region: Option<&'a str>,
}

/// A failover group: `primary`, then `secondary` when the primary answers
/// with one of `status_codes` or cannot be reached.
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverGroup<'a> {
    pub id: &'a str,
    pub primary: &'a str,
    pub secondary: &'a str,
    pub status_codes: Vec<u16>,
}

/// A cache behavior: requests matching `path_pattern` (the default behavior
/// has none) go to `target` with cache policy `cache`.
#[derive(Clone, Debug, PartialEq)]
pub struct BehaviorSpec<'a> {
    pub path_pattern: Option<&'a str>,
    /// An origin's or a failover group's ID.
    pub target: &'a str,
    /// A [`CacheSettings::name`] of this distribution.
    pub cache: &'a str,
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
    pub aliases: Vec<String>,
}

/// How to build the distribution.
pub struct Cdn<'a> {
    /// Logical ID prefix: `<name>Distribution`, `<name><cache>CachePolicy`, ...
    pub name: &'a str,
    pub comment: &'a str,
    pub origins: Vec<OriginSpec<'a>>,
    pub failover_groups: Vec<FailoverGroup<'a>>,
    pub caches: Vec<CacheSettings<'a>>,
    pub default_behavior: BehaviorSpec<'a>,
    /// Matched in order, before the default behavior.
    pub behaviors: Vec<BehaviorSpec<'a>>,
    pub default_root_object: Option<&'a str>,
    /// `PriceClass_100`, `PriceClass_200` or `PriceClass_All`.
    pub price_class: &'a str,
    /// `None`: the `*.cloudfront.net` name and certificate.
    pub domain: Option<ViewerDomain>,
    pub requirements: &'a [&'a str],
    /// Requirement IDs served by the custom domain settings.
    pub domain_requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct CdnIds {
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
        let n = self.name;
        let req = self.requirements;
        let mut cache_ids: IndexMap<&str, LogicalId> = IndexMap::new();
        for c in &self.caches {
            let keyed = per_caller.contains(&c.name);
            let max_ttl = if keyed { c.max_ttl.max(1) } else { c.max_ttl };
            let disabled = max_ttl == 0;
            let id = t
                .add(
                    &format!("{n}{}CachePolicy", c.name),
                    CachePolicy {
                        cache_policy_config: CachePolicyConfig {
                            comment: Some(c.comment.to_string()),
                            default_ttl: c.default_ttl,
                            max_ttl,
                            min_ttl: c.min_ttl,
                            name: stack_unique_name(&c.name.to_ascii_lowercase()),
                            // With caching off, nothing may be in the key;
                            // compression needs the encodings in the key.
                            parameters_in_cache_key_and_forwarded_to_origin:
                                ParametersInCacheKeyAndForwardedToOrigin {
                                    cookies_config: CookiesConfig::none(),
                                    enable_accept_encoding_brotli: Some(!disabled),
                                    enable_accept_encoding_gzip: !disabled,
                                    headers_config: if keyed {
                                        HeadersConfig {
                                            header_behavior: "whitelist".into(),
                                            headers: Some(vec!["Authorization".into()]),
                                        }
                                    } else {
                                        HeadersConfig::none()
                                    },
                                    query_strings_config: if c.query_strings && !disabled {
                                        QueryStringsConfig::all()
                                    } else {
                                        QueryStringsConfig::none()
                                    },
                                },
                        },
                    },
                )?
                .satisfies(c.requirements)
                .id()
                .clone();
            cache_ids.insert(c.name, id);
        }
        let needs_api_policy = std::iter::once(&self.default_behavior)
            .chain(&self.behaviors)
            .any(|b| b.api);
        let api_policy = if needs_api_policy {
            Some(
                t.add(
                    &format!("{n}ApiOriginRequestPolicy"),
                    OriginRequestPolicy {
                        origin_request_policy_config: OriginRequestPolicyConfig {
                            comment: Some(
                                "API origins: every viewer header except Host, cookies and query strings"
                                    .into(),
                            ),
                            cookies_config: CookiesConfig {
                                cookie_behavior: "all".into(),
                                cookies: None,
                            },
                            headers_config: HeadersConfig {
                                header_behavior: "allExcept".into(),
                                headers: Some(vec!["Host".into()]),
                            },
                            name: stack_unique_name("api"),
                            query_strings_config: QueryStringsConfig::all(),
                        },
                    },
                )?
                .satisfies(req)
                .id()
                .clone(),
            )
        } else {
            None
        };
        let headers = t
            .add(
                &format!("{n}SecurityHeaders"),
                ResponseHeadersPolicy {
                    response_headers_policy_config: ResponseHeadersPolicyConfig {
                        comment: Some(
                            "HSTS, nosniff, no framing, strict referrer on every response".into(),
                        ),
                        name: stack_unique_name("security-headers"),
                        security_headers_config: Some(SecurityHeadersConfig {
                            content_type_options: Some(ContentTypeOptions { r#override: true }),
                            frame_options: Some(FrameOptions {
                                frame_option: "DENY".into(),
                                r#override: true,
                            }),
                            referrer_policy: Some(ReferrerPolicy {
                                r#override: true,
                                referrer_policy: "strict-origin-when-cross-origin".into(),
                            }),
                            strict_transport_security: Some(StrictTransportSecurity {
                                access_control_max_age_sec: 63_072_000,
                                include_subdomains: Some(true),
                                r#override: true,
                                preload: None,
                            }),
                            xss_protection: Some(XssProtection {
                                mode_block: Some(true),
                                r#override: true,
                                protection: true,
                            }),
                        }),
                    },
                },
            )?
            .satisfies(req)
            .id()
            .clone();

        let policy_of = |b: &BehaviorSpec<'_>| -> Result<Value<String>, Error> {
            cache_ids
                .get(b.cache)
                .map(|id| id.get_att("Id"))
                .ok_or_else(|| Error::Internal(format!("no cache policy `{}`", b.cache)))
        };
        let request_policy = |b: &BehaviorSpec<'_>| {
            if b.api {
                api_policy.as_ref().map(|p| p.get_att("Id"))
            } else {
                None
            }
        };
        let d = &self.default_behavior;
        let default_cache_behavior = DefaultCacheBehavior {
            allowed_methods: Some(d.methods.allowed()),
            cache_policy_id: Some(policy_of(d)?),
            cached_methods: Some(vec!["GET".into(), "HEAD".into()]),
            compress: Some(true),
            origin_request_policy_id: request_policy(d),
            response_headers_policy_id: Some(headers.get_att("Id")),
            target_origin_id: d.target.to_string(),
            viewer_protocol_policy: "redirect-to-https".into(),
        };
        let mut behaviors = Vec::new();
        for b in &self.behaviors {
            behaviors.push(CacheBehavior {
                allowed_methods: Some(b.methods.allowed()),
                cache_policy_id: Some(policy_of(b)?),
                cached_methods: Some(vec!["GET".into(), "HEAD".into()]),
                compress: Some(true),
                origin_request_policy_id: request_policy(b),
                path_pattern: b.path_pattern.unwrap_or("*").to_string(),
                response_headers_policy_id: Some(headers.get_att("Id")),
                target_origin_id: b.target.to_string(),
                viewer_protocol_policy: "redirect-to-https".into(),
            });
        }
        let origins = self.origins.iter().map(origin).collect();
        let origin_groups = (!self.failover_groups.is_empty()).then(|| OriginGroups {
            quantity: self.failover_groups.len() as u32,
            items: self
                .failover_groups
                .iter()
                .map(|g| OriginGroup {
                    failover_criteria: OriginGroupFailoverCriteria {
                        status_codes: StatusCodes {
                            quantity: g.status_codes.len() as u32,
                            items: g.status_codes.clone(),
                        },
                    },
                    id: g.id.to_string(),
                    members: OriginGroupMembers {
                        quantity: 2,
                        items: vec![
                            OriginGroupMember {
                                origin_id: g.primary.to_string(),
                            },
                            OriginGroupMember {
                                origin_id: g.secondary.to_string(),
                            },
                        ],
                    },
                })
                .collect(),
        });
        let viewer_certificate = Some(match &self.domain {
            Some(d) => ViewerCertificate {
                acm_certificate_arn: Some(d.certificate_arn.clone()),
                cloud_front_default_certificate: None,
                minimum_protocol_version: Some(MIN_TLS.into()),
                ssl_support_method: Some("sni-only".into()),
            },
            // The *.cloudfront.net certificate: CloudFront fixes its policy.
            None => ViewerCertificate {
                acm_certificate_arn: None,
                cloud_front_default_certificate: Some(true),
                minimum_protocol_version: None,
                ssl_support_method: None,
            },
        });
        let dist = t.add(
            &Self::distribution_id(n),
            Distribution {
                distribution_config: DistributionConfig {
                    aliases: self
                        .domain
                        .as_ref()
                        .map(|d| d.aliases.iter().map(|a| a.as_str().into()).collect()),
                    cache_behaviors: (!behaviors.is_empty()).then_some(behaviors),
                    comment: Some(self.comment.to_string()),
                    custom_error_responses: None,
                    default_cache_behavior,
                    default_root_object: self.default_root_object.map(str::to_string),
                    enabled: true,
                    http_version: Some("http2and3".into()),
                    ipv6_enabled: Some(true),
                    origin_groups,
                    origins: Some(origins),
                    price_class: Some(self.price_class.to_string()),
                    viewer_certificate,
                    web_acl_id: None,
                },
                tags: None,
            },
        )?;
        dist.satisfies(req);
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
}

fn origin(o: &OriginSpec<'_>) -> Origin {
    let shield = o.shield_region.map(|r| OriginShield {
        enabled: true,
        origin_shield_region: r.to_string(),
    });
    let base = Origin {
        connection_attempts: None,
        connection_timeout: None,
        custom_origin_config: None,
        domain_name: Value::Lit(String::new()),
        id: o.id.to_string(),
        origin_access_control_id: None,
        origin_custom_headers: None,
        origin_path: None,
        origin_shield: shield,
        s3_origin_config: None,
        vpc_origin_config: None,
    };
    let https_only = |http_port, https_port, protocol: &str| CustomOriginConfig {
        http_port: Some(http_port),
        https_port: Some(https_port),
        origin_keepalive_timeout: None,
        origin_protocol_policy: protocol.to_string(),
        origin_read_timeout: None,
        origin_ssl_protocols: Some(vec![ORIGIN_TLS.into()]),
    };
    match &o.kind {
        OriginKind::S3Site {
            bucket,
            access_control,
        } => Origin {
            domain_name: bucket.get_att("RegionalDomainName"),
            origin_access_control_id: Some(access_control.get_att("Id")),
            s3_origin_config: Some(S3OriginConfig {
                origin_access_identity: String::new(),
            }),
            ..base
        },
        OriginKind::RestApi { api, stage } => Origin {
            custom_origin_config: Some(https_only(80, 443, "https-only")),
            domain_name: sub(format!(
                "${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
            ))
            .into(),
            origin_path: Some(format!("/{stage}")),
            ..base
        },
        OriginKind::Http {
            domain,
            protocol,
            http_port,
            https_port,
            path,
            headers,
        } => Origin {
            connection_attempts: Some(3),
            connection_timeout: Some(10),
            custom_origin_config: Some(https_only(*http_port, *https_port, protocol)),
            domain_name: domain.clone(),
            origin_custom_headers: (!headers.is_empty()).then(|| {
                headers
                    .iter()
                    .map(|(name, value)| OriginCustomHeader {
                        header_name: name.clone(),
                        header_value: value.clone(),
                    })
                    .collect()
            }),
            origin_path: path.clone(),
            ..base
        },
        OriginKind::Vpc { vpc_origin, domain } => Origin {
            connection_attempts: Some(3),
            connection_timeout: Some(10),
            domain_name: domain.clone(),
            vpc_origin_config: Some(VpcOriginConfig {
                origin_keepalive_timeout: None,
                origin_read_timeout: None,
                vpc_origin_id: vpc_origin.get_att("Id"),
            }),
            ..base
        },
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
