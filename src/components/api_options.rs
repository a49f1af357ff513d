//! API-OPTIONS building blocks shared by the REST and HTTP APIs of every
//! blueprint: a private endpoint (interface VPC endpoint and the resource
//! policy that admits only it), per-route throttling, a usage plan with API
//! keys, and a custom domain (regional ACM certificate, API Gateway domain
//! name, base path mapping or API mapping, Route 53 alias record).

use indexmap::IndexMap;

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::apigateway::{
    ApiKey, ApiStage, BasePathMapping, DomainName as RestDomainName, EndpointConfiguration,
    KeyType, MethodSetting, QuotaSettings, ThrottleSettings, UsagePlan, UsagePlanKey,
};
use crate::cfn::resources::apigatewayv2::{
    ApiMapping, DomainName as HttpDomainName, DomainNameConfiguration, RouteSettings,
};
use crate::cfn::resources::ec2::VpcEndpointType;
use crate::cfn::resources::ec2::{EgressRule, SecurityGroup, SecurityGroupIngress, VpcEndpoint};
use crate::cfn::resources::Tag;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::cdn::OriginKind;
use crate::components::custom_domain::CustomDomain;
use crate::components::http_api::{HttpApi, HttpThrottling, JwtIssuer, DEFAULT_STAGE};
use crate::components::network::PrivateNetwork;
use crate::components::rest_api::{RestApi, Route, StageCache};
use crate::config::api_options::{
    ApiDomain, ApiOptions, PrivateOptions, RouteKey, RouteThrottle, UsagePlanOptions,
};
use crate::config::VpcCidr;
use crate::error::Error;

/// The requirement every resource here serves.
pub const API_OPTIONS: &str = "API-OPTIONS";

/// What API-OPTIONS asks for (BLUEPRINTS.md), for the blueprints' requirement lists.
pub const API_OPTIONS_TEXT: &str = "API Gateway options (`api:`): REST or HTTP API, endpoint edge / regional / private, stage and per-route throttling, usage plans with API keys (REST), stage cache (REST), custom domain with ACM + Route 53";

/// The CIDR of the VPC a private endpoint gets when none is given.
pub const DEFAULT_PRIVATE_CIDR: &str = "10.0.0.0/16";

/// Adds the interface VPC endpoint for `execute-api` (in a new private
/// network, or in the given VPC) and returns its logical ID.
pub fn add_private_endpoint(
    t: &mut Template,
    name: &str,
    private: Option<&PrivateOptions>,
) -> Result<LogicalId, Error> {
    let req: &[&str] = &[API_OPTIONS];
    let default = PrivateOptions::default();
    let p = private.unwrap_or(&default);
    let (vpc, subnets, groups): (Value<String>, Vec<Value<String>>, Vec<Value<String>>) = match &p
        .vpc_id
    {
        Some(vpc) => (
            vpc.as_str().into(),
            p.subnet_ids.iter().map(|s| s.as_str().into()).collect(),
            p.security_group_ids
                .iter()
                .map(|s| s.as_str().into())
                .collect(),
        ),
        None => {
            let cidr = match &p.vpc_cidr {
                Some(c) => c.clone(),
                None => VpcCidr::new(DEFAULT_PRIVATE_CIDR).map_err(Error::Internal)?,
            };
            let network = PrivateNetwork {
                name: &format!("{name}Network"),
                cidr: &cidr,
                gateway_endpoints: Vec::new(),
                requirements: req,
            }
            .add_to(t)?;
            let group = t
                .add(
                    &format!("{name}EndpointSecurityGroup"),
                    SecurityGroup {
                        // A rule nothing matches replaces the default
                        // allow-all: the endpoint only answers.
                        security_group_egress: Some(
                            vec![EgressRule::none("No egress: the endpoint only answers")].into(),
                        ),
                        tags: Some(
                            vec![Tag::new("Name", sub("${AWS::StackName}-api-endpoint"))].into(),
                        ),
                        vpc_id: Some(network.vpc.r#ref()),
                        ..SecurityGroup::new(
                            "The API VPC endpoint: HTTPS from inside the VPC; no egress",
                        )
                    },
                )?
                .satisfies(req)
                .id()
                .clone();
            t.add(
                &format!("{name}EndpointIngress"),
                SecurityGroupIngress {
                    cidr_ip: Some(cidr.as_str().to_string().into()),
                    description: Some("HTTPS from the VPC".into()),
                    from_port: Some(443.into()),
                    group_id: Some(group.get_att("GroupId")),
                    source_security_group_id: None,
                    to_port: Some(443.into()),
                    ..SecurityGroupIngress::new("tcp")
                },
            )?
            .satisfies(req);
            (
                network.vpc.r#ref(),
                network.subnets.iter().map(LogicalId::r#ref).collect(),
                vec![group.get_att("GroupId")],
            )
        }
    };
    Ok(t.add(
        &format!("{name}VpcEndpoint"),
        VpcEndpoint {
            policy_document: None,
            private_dns_enabled: Some(true.into()),
            route_table_ids: None,
            security_group_ids: Some(groups.into()),
            service_name: Some(sub("com.amazonaws.${AWS::Region}.execute-api").into()),
            subnet_ids: Some(subnets.into()),
            vpc_endpoint_type: Some(VpcEndpointType::Interface.into()),
            ..VpcEndpoint::new(vpc)
        },
    )?
    .satisfies(req)
    .id()
    .clone())
}

/// The resource policy of a private API: invoke only through `endpoint`.
pub fn private_policy(endpoint: &LogicalId) -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow(
        &["execute-api:Invoke"],
        vec!["execute-api:/*".into()],
    )
    .sid("OnlyThroughTheVpcEndpoint")
    .principal(Principal::Everyone)
    .condition("StringEquals", "aws:SourceVpce", vec![endpoint.r#ref()])])
}

/// A REST API method setting's resource path: `/todos/{id}` → `/~1todos~1{id}`.
pub fn encoded_resource_path(path: &str) -> String {
    format!("/{}", path.replace('/', "~1"))
}

/// The header a Cognito user-pool authorizer reads the caller's token from.
pub const AUTHORIZATION_HEADER: &str = "method.request.header.Authorization";

/// REST, with a stage cache: the request parameters that key a GET method's
/// cached answers besides its resource, each with whether it is required:
/// the path parameters of `path` (`/todos/{todoId}`), the query strings the
/// handler reads and, when the answer is the caller's own (`per_caller`:
/// a user-pool authorizer), the caller's token.
pub fn cache_key_parameters(path: &str, query: &[&str], per_caller: bool) -> Vec<(String, bool)> {
    let mut key: Vec<(String, bool)> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        // A greedy `{proxy+}` is the parameter `proxy`.
        .map(|name| name.trim_end_matches('+'))
        .map(|name| (format!("method.request.path.{name}"), true))
        .collect();
    key.extend(
        query
            .iter()
            .map(|q| (format!("method.request.querystring.{q}"), false)),
    );
    if per_caller {
        key.push((AUTHORIZATION_HEADER.to_string(), true));
    }
    key
}

/// REST: turns the stage cache off for `methods` (`(GET, /path)`): the entry
/// of a throttled route keeps its throttling, any other gets one like
/// `stage_wide`. For methods whose answer depends on a caller no cache key
/// can name (IAM: each request has its own signature).
pub fn uncache_methods(
    settings: &mut Vec<MethodSetting>,
    stage_wide: &MethodSetting,
    methods: &[(String, String)],
) {
    for (method, path) in methods {
        let http_method = Some(Value::from(method.as_str()));
        let resource_path = Some(Value::from(encoded_resource_path(path)));
        match settings
            .iter_mut()
            .find(|s| s.http_method == http_method && s.resource_path == resource_path)
        {
            Some(s) => s.caching_enabled = Some(false.into()),
            None => settings.push(MethodSetting {
                caching_enabled: Some(false.into()),
                http_method,
                resource_path,
                ..stage_wide.clone()
            }),
        }
    }
}

/// REST: one method setting per throttled route, like `stage_wide` but with
/// the route's throttling.
pub fn route_method_settings(
    stage_wide: &MethodSetting,
    routes: &IndexMap<RouteKey, RouteThrottle>,
) -> Vec<MethodSetting> {
    routes
        .iter()
        .map(|(key, throttle)| MethodSetting {
            http_method: Some(key.method().to_string().into()),
            resource_path: Some(encoded_resource_path(key.path()).into()),
            throttling_burst_limit: Some(throttle.burst.get_u32().into()),
            throttling_rate_limit: Some((throttle.rate_per_second.get() as f64).into()),
            ..stage_wide.clone()
        })
        .collect()
}

/// HTTP: the stage's `RouteSettings`, keyed by route key.
pub fn route_settings(
    routes: &IndexMap<RouteKey, RouteThrottle>,
) -> Option<IndexMap<String, RouteSettings>> {
    (!routes.is_empty()).then(|| {
        routes
            .iter()
            .map(|(key, throttle)| {
                (
                    key.as_str().to_string(),
                    RouteSettings {
                        detailed_metrics_enabled: Some(true.into()),
                        throttling_burst_limit: Some(throttle.burst.get_u32().into()),
                        throttling_rate_limit: Some((throttle.rate_per_second.get() as f64).into()),
                        ..Default::default()
                    },
                )
            })
            .collect()
    })
}

/// Adds the usage plan for `stage` of `api`, one API key per name and their
/// attachments. The methods must require an API key (`ApiKeyRequired`).
pub fn add_usage_plan(
    t: &mut Template,
    name: &str,
    api: &LogicalId,
    stage: &LogicalId,
    stage_name: &str,
    plan: &UsagePlanOptions,
) -> Result<LogicalId, Error> {
    let req: &[&str] = &[API_OPTIONS];
    let throttle = (plan.rate_per_second.is_some() || plan.burst.is_some()).then(|| {
        ThrottleSettings {
            burst_limit: plan.burst.map(|b| b.get_u32().into()),
            rate_limit: plan.rate_per_second.map(|r| (r.get() as f64).into()),
        }
        .into()
    });
    let usage_plan = t.add(
        &format!("{name}UsagePlan"),
        UsagePlan {
            api_stages: Some(
                vec![ApiStage {
                    api_id: Some(api.r#ref()),
                    stage: Some(stage_name.into()),
                    ..Default::default()
                }]
                .into(),
            ),
            description: Some(format!("Callers with an API key, on stage `{stage_name}`").into()),
            quota: plan.quota.map(|q| {
                QuotaSettings {
                    limit: Some(q.limit.get_u32().into()),
                    period: Some(q.period.as_str().into()),
                    ..Default::default()
                }
                .into()
            }),
            throttle,
            usage_plan_name: Some(
                sub(format!("${{AWS::StackName}}-{}", name.to_ascii_lowercase())).into(),
            ),
            ..Default::default()
        },
    )?;
    usage_plan.depends_on(stage).satisfies(req);
    let usage_plan = usage_plan.id().clone();
    for key in plan.api_keys.iter() {
        let id = key_id(key.as_str());
        let api_key = t
            .add(
                &format!("{name}Key{id}"),
                ApiKey {
                    description: Some(format!("API key `{}`", key.as_str()).into()),
                    enabled: Some(true.into()),
                    name: Some(sub(format!("${{AWS::StackName}}-{}", key.as_str())).into()),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("{name}Key{id}Plan"),
            UsagePlanKey::new(api_key.r#ref(), KeyType::ApiKey, usage_plan.r#ref()),
        )?
        .satisfies(req);
    }
    Ok(usage_plan)
}

/// `mobile-app` → `MobileApp`.
fn key_id(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// REST: the certificate, the regional domain name, the base path mapping of
/// `stage` and the alias record.
pub fn add_rest_domain(
    t: &mut Template,
    name: &str,
    domain: &ApiDomain,
    api: &LogicalId,
    stage: &LogicalId,
    stage_name: &str,
) -> Result<(), Error> {
    let component = CustomDomain {
        name: &domain.name,
        hosted_zone_id: &domain.hosted_zone_id,
        requirements: &[API_OPTIONS],
    };
    let certificate = component.add_certificate(t, &format!("{name}Certificate"))?;
    let domain_name = t
        .add(
            &format!("{name}DomainName"),
            RestDomainName {
                domain_name: Some(domain.name.as_str().into()),
                endpoint_configuration: Some(
                    EndpointConfiguration {
                        types: Some(vec!["REGIONAL".into()].into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                regional_certificate_arn: Some(certificate.r#ref()),
                security_policy: Some("TLS_1_2".into()),
                ..Default::default()
            },
        )?
        .satisfies(&[API_OPTIONS])
        .id()
        .clone();
    let mapping = t.add(
        &format!("{name}BasePathMapping"),
        BasePathMapping {
            rest_api_id: Some(api.r#ref()),
            stage: Some(stage_name.into()),
            ..BasePathMapping::new(domain_name.r#ref())
        },
    )?;
    mapping.depends_on(stage).satisfies(&[API_OPTIONS]);
    component.add_regional_alias_record(
        t,
        &format!("{name}DomainRecord"),
        domain_name.get_att("RegionalDomainName"),
        domain_name.get_att("RegionalHostedZoneId"),
    )?;
    t.output(
        &format!("{name}DomainUrl"),
        "The API's URL on its custom domain",
        format!("https://{}", domain.name).into(),
        None,
    )?;
    Ok(())
}

/// HTTP: the certificate, the domain name, the API mapping of `stage` and the
/// alias record.
pub fn add_http_domain(
    t: &mut Template,
    name: &str,
    domain: &ApiDomain,
    api: &LogicalId,
    stage: &LogicalId,
) -> Result<(), Error> {
    let component = CustomDomain {
        name: &domain.name,
        hosted_zone_id: &domain.hosted_zone_id,
        requirements: &[API_OPTIONS],
    };
    let certificate = component.add_certificate(t, &format!("{name}Certificate"))?;
    let domain_name = t
        .add(
            &format!("{name}DomainName"),
            HttpDomainName {
                domain_name_configurations: Some(
                    vec![DomainNameConfiguration {
                        certificate_arn: Some(certificate.r#ref()),
                        endpoint_type: Some("REGIONAL".into()),
                        security_policy: Some("TLS_1_2".into()),
                        ..Default::default()
                    }]
                    .into(),
                ),
                ..HttpDomainName::new(domain.name.as_str())
            },
        )?
        .satisfies(&[API_OPTIONS])
        .id()
        .clone();
    t.add(
        &format!("{name}ApiMapping"),
        ApiMapping::new(api.r#ref(), domain_name.r#ref(), stage.r#ref()),
    )?
    .satisfies(&[API_OPTIONS]);
    component.add_regional_alias_record(
        t,
        &format!("{name}DomainRecord"),
        domain_name.get_att("RegionalDomainName"),
        domain_name.get_att("RegionalHostedZoneId"),
    )?;
    t.output(
        &format!("{name}DomainUrl"),
        "The API's URL on its custom domain",
        format!("https://{}", domain.name).into(),
        None,
    )?;
    Ok(())
}

/// An API built by [`build_api`]: REST or HTTP.
pub struct BuiltApi {
    /// The API.
    pub api: LogicalId,
    /// Its stage.
    pub stage: LogicalId,
    /// An HTTP API (API Gateway v2) rather than a REST API.
    pub http: bool,
    /// The stage's name.
    pub stage_name: String,
    /// The custom domain's name: the only way in (`execute-api` is off).
    pub domain: Option<String>,
}

impl BuiltApi {
    /// The API as a CloudFront origin: its custom domain when it has one
    /// (the mapping serves the stage at the domain's root), otherwise its
    /// `execute-api` endpoint.
    pub fn origin(&self) -> OriginKind<'_> {
        if let Some(domain) = &self.domain {
            OriginKind::Http {
                domain: domain.as_str().into(),
                protocol: "https-only",
                http_port: 80,
                https_port: 443,
                path: None,
                headers: Vec::new(),
            }
        } else if self.http {
            OriginKind::Http {
                domain: sub(format!(
                    "${{{}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}",
                    self.api
                ))
                .into(),
                protocol: "https-only",
                http_port: 80,
                https_port: 443,
                path: None,
                headers: Vec::new(),
            }
        } else {
            OriginKind::RestApi {
                api: &self.api,
                stage: &self.stage_name,
            }
        }
    }
}

/// Builds `rest` as described, or, with `type: http`, the HTTP API with the
/// same routes, function and throttling (and `jwt` as its authorizer); then
/// the options' stage cache, usage plan, private endpoint and custom domain.
pub fn build_api<S>(
    t: &mut Template,
    rest: RestApi<'_>,
    jwt: Option<JwtIssuer<'_>>,
    options: &ApiOptions<S>,
) -> Result<BuiltApi, Error> {
    build_api_opening(t, rest, jwt, options, &|_| false)
}

/// Like [`build_api`], but the routes for which `open` is true take no
/// authorizer (see [`RestApi::add_to_opening`]).
pub fn build_api_opening<S>(
    t: &mut Template,
    rest: RestApi<'_>,
    jwt: Option<JwtIssuer<'_>>,
    options: &ApiOptions<S>,
    open: &dyn Fn(&Route) -> bool,
) -> Result<BuiltApi, Error> {
    if options.is_http() {
        let ids = HttpApi {
            name: rest.name,
            description: rest.description,
            routes: rest.routes,
            function: rest.function,
            jwt,
            throttling: HttpThrottling {
                rate: rest.throttle_rate,
                burst: rest.throttle_burst,
                routes: &options.route_throttling,
            },
            log_retention_days: rest.log_retention_days,
            requirements: rest.requirements,
            auth_requirements: rest.auth_requirements,
            domain: options.domain.as_ref(),
        }
        .add_to_opening(t, open)?;
        return Ok(BuiltApi {
            api: ids.api,
            stage: ids.stage,
            http: true,
            stage_name: DEFAULT_STAGE.into(),
            domain: options.domain.as_ref().map(|d| d.name.as_str().to_string()),
        });
    }
    let stage_name = rest.stage_name.to_string();
    let cache = rest.cache.clone().or_else(|| {
        options.cache.as_ref().map(|c| StageCache {
            size_gb: c.size_gb.as_str().to_string(),
            ttl_seconds: c.ttl_seconds.get_u32(),
        })
    });
    let cache_requirements: &[&str] = if rest.cache.is_some() {
        rest.cache_requirements
    } else {
        &[API_OPTIONS]
    };
    let ids = RestApi {
        endpoint_type: options.endpoint.as_str(),
        cache,
        cache_requirements,
        features: Some(options.features()),
        ..rest
    }
    .add_to_opening(t, open)?;
    Ok(BuiltApi {
        api: ids.api,
        stage: ids.stage,
        http: false,
        stage_name,
        domain: options.domain.as_ref().map(|d| d.name.as_str().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_name_path_query_and_caller() {
        let names = |k: Vec<(String, bool)>| k.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(
            names(cache_key_parameters("/todos/{todoId}", &[], true)),
            [
                "method.request.path.todoId",
                "method.request.header.Authorization"
            ]
        );
        assert_eq!(
            cache_key_parameters("/api/posts", &["limit"], false),
            [("method.request.querystring.limit".to_string(), false)]
        );
        assert_eq!(
            names(cache_key_parameters("/files/{proxy+}", &[], false)),
            ["method.request.path.proxy"]
        );
    }

    #[test]
    fn uncached_methods_keep_their_throttling() {
        let wide = MethodSetting {
            caching_enabled: Some(true.into()),
            http_method: Some("*".into()),
            resource_path: Some("/*".into()),
            ..Default::default()
        };
        let mut settings = vec![MethodSetting {
            http_method: Some("GET".into()),
            resource_path: Some("/~1users".into()),
            throttling_rate_limit: Some(5.0.into()),
            ..wide.clone()
        }];
        uncache_methods(
            &mut settings,
            &wide,
            &[
                ("GET".into(), "/users".into()),
                ("GET".into(), "/orders/{id}".into()),
            ],
        );
        assert_eq!(settings.len(), 2);
        assert_eq!(settings[0].caching_enabled, Some(false.into()));
        assert_eq!(settings[0].throttling_rate_limit, Some(5.0.into()));
        assert_eq!(settings[1].resource_path, Some("/~1orders~1{id}".into()));
        assert_eq!(settings[1].caching_enabled, Some(false.into()));
    }

    #[test]
    fn resource_paths_are_encoded() {
        assert_eq!(
            encoded_resource_path("/todos/{todoId}"),
            "/~1todos~1{todoId}"
        );
        assert_eq!(key_id("mobile-app"), "MobileApp");
    }
}
