//! The REST API front (`api.type: rest`, the default): the API, its stage,
//! caching, logging and custom domain.

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use super::options::{Authorization, Endpoint, Options};
use super::routes::{full_path, route_key};
use super::schema;
use super::services::{HttpMethod, RouteSpec, Service};
use super::{FrontIds, P_API_URL, P_REST_API, P_ROOT_RESOURCE};
use crate::assets::hex;
use crate::cfn::intrinsic::sub;
use crate::cfn::resources::apigateway::{
    AccessLogSetting, Deployment, MethodSetting, RestApi, RestApiEndpointConfiguration, Stage,
};
use crate::cfn::{LogicalId, Template, Value};
use crate::components::api_options::{
    add_private_endpoint, add_rest_domain, add_usage_plan, cache_key_parameters, private_policy,
    route_method_settings, uncache_methods, API_OPTIONS,
};
use crate::components::log_group::add_log_group;
use crate::components::rest_api::ACCESS_LOG_FORMAT;
use crate::config::api_options::ApiDomain;
use crate::error::Error;

pub(super) fn add_rest_api(t: &mut Template, o: &Options) -> Result<FrontIds, Error> {
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
                disable_execute_api_endpoint: o.api.domain.as_ref().map(|_| true.into()),
                endpoint_configuration: Some(
                    RestApiEndpointConfiguration {
                        types: Some(vec![o.api.endpoint.as_str().into()].into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                minimum_compression_size: Some(1024.into()),
                name: Some(sub("${AWS::StackName}-api").into()),
                policy: vpc_endpoint.as_ref().map(private_policy),
                ..RestApi::default()
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
pub(super) fn cacheable(method: HttpMethod) -> bool {
    matches!(method, HttpMethod::Get | HttpMethod::Any)
}

/// With the stage cache and `authorization: none`, what keys a cacheable
/// route's answers besides its resource: its path parameters. (Behind IAM
/// the stage turns the cache off for it instead: see [`uncached_routes`].)
pub(super) fn public_cache_key(
    o: &Options,
    s: &Service,
    r: &RouteSpec,
) -> Option<Vec<(String, bool)>> {
    (o.api.cache.is_some() && o.api.authorization == Authorization::None && cacheable(r.method))
        .then(|| cache_key_parameters(&full_path(s, r.path.as_str()), &[], false))
}

/// With the stage cache and `authorization: iam`, every cacheable route: its
/// answer belongs to the signed caller, and no cache key can name the caller
/// (each request's signature differs), so the stage does not cache it.
pub(super) fn uncached_routes(o: &Options) -> Vec<(String, String)> {
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
pub(super) fn domain_url(domain: &ApiDomain) -> Value<String> {
    format!("https://{}", domain.name).into()
}

/// The deployment (a new one whenever any route changes) and the stage,
/// after every service stack.
pub(super) fn add_stage(
    t: &mut Template,
    o: &Options,
    services: &[LogicalId],
) -> Result<(), Error> {
    let api = LogicalId::new("Api").map_err(|e| Error::Internal(e.to_string()))?;
    let digest = deployment_digest(o)?;
    let deployment = t.add(
        &format!("ApiDeployment{}", &digest[..10]),
        Deployment {
            description: Some(format!("routes {}", &digest[..10]).into()),
            ..Deployment::new(api.r#ref())
        },
    )?;
    for s in services {
        deployment.depends_on(s);
    }
    deployment.satisfies(&["MICRO-1", "MICRO-2"]);
    let deployment = deployment.id().clone();
    let access_logs = add_log_group(t, "ApiAccessLogs", o.log_retention_days.get(), &["MICRO-2"])?;
    let account = if o.api.manage_account_logging_role {
        Some(crate::components::rest_api::add_api_account(
            t,
            "Api",
            &["MICRO-2"],
        )?)
    } else {
        None
    };
    // API-OPTIONS: the stage cache and per-route throttling.
    let cache = o.api.cache.as_ref();
    let (method_settings, uses_options) = stage_method_settings(o);
    let stage = t.add(
        "ApiStage",
        Stage {
            access_log_setting: Some(
                AccessLogSetting {
                    destination_arn: Some(access_logs.get_att("Arn")),
                    format: Some(ACCESS_LOG_FORMAT.into()),
                }
                .into(),
            ),
            cache_cluster_enabled: cache.map(|_| true.into()),
            cache_cluster_size: cache.map(|c| c.size_gb.as_str().into()),
            deployment_id: Some(deployment.r#ref()),
            description: Some(format!("The `{}` stage", o.api.stage_name.as_str()).into()),
            method_settings: Some(method_settings.into()),
            stage_name: Some(o.api.stage_name.as_str().into()),
            ..Stage::new(api.r#ref())
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

/// The digest naming the deployment: of every route with its authorization,
/// the API key requirement, the request models and query parameters
/// enforced, and the cache keys, so that any change makes a new deployment.
fn deployment_digest(o: &Options) -> Result<String, Error> {
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
    Ok(hex(&h.finalize()))
}

/// API-OPTIONS: the stage's method settings (stage-wide caching and
/// throttling, per-route throttling, uncached routes), and whether any
/// option beyond the defaults is in use.
fn stage_method_settings(o: &Options) -> (Vec<MethodSetting>, bool) {
    let cache = o.api.cache.as_ref();
    let stage_wide = MethodSetting {
        cache_data_encrypted: cache.map(|_| true.into()),
        cache_ttl_in_seconds: cache.map(|c| c.ttl_seconds.get_u32().into()),
        caching_enabled: Some(cache.is_some().into()),
        data_trace_enabled: Some(false.into()),
        http_method: Some("*".into()),
        metrics_enabled: Some(true.into()),
        resource_path: Some("/*".into()),
        throttling_burst_limit: Some(o.api.throttle_burst.get_u32().into()),
        throttling_rate_limit: Some((o.api.throttle_rate_per_second.get() as f64).into()),
        ..Default::default()
    };
    let per_route = route_method_settings(&stage_wide, &o.api.route_throttling);
    let uses_options = cache.is_some() || !per_route.is_empty();
    let mut method_settings = vec![stage_wide.clone()];
    method_settings.extend(per_route);
    uncache_methods(&mut method_settings, &stage_wide, &uncached_routes(o));
    (method_settings, uses_options)
}
