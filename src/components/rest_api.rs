//! An API Gateway REST API whose routes proxy to one Lambda function, with an
//! optional Cognito user-pool authorizer, a stage with JSON access logs,
//! throttling and an optional cache.

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use crate::assets::hex;
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::apigateway::{
    AccessLogSetting, Account, Authorizer, Deployment, Integration, IntegrationType, Method,
    MethodSetting, Resource, RestApi as RestApiProps, RestApiEndpointConfiguration, Stage,
};
use crate::cfn::resources::iam::Role;
use crate::cfn::resources::lambda::Permission;
use crate::cfn::{LogicalId, ResourceProperties, Template, Value};
use crate::components::api_options::{
    add_private_endpoint, add_rest_domain, add_usage_plan, cache_key_parameters, private_policy,
    route_method_settings, API_OPTIONS,
};
use crate::components::arn;
use crate::components::log_group::add_log_group;
use crate::config::api_options::{ApiFeatures, Endpoint};
use crate::error::Error;

/// One route: an HTTP method on a path such as `/todos/{todoId}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method.
    pub method: &'static str,
    /// The resource path.
    pub path: &'static str,
    /// The query-string parameters the handler reads: with a stage cache,
    /// part of a GET method's cache key (a page is not another page).
    pub query: &'static [&'static str],
}

impl Route {
    /// The route key, `METHOD /path` (`GET /todos/{todoId}`): how HTTP APIs,
    /// `route_throttling` and the blueprints' public-route lists name it.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The stage cache (REST APIs only).
#[derive(Clone, Debug, PartialEq)]
pub struct StageCache {
    /// Size in GB, as API Gateway names it (`0.5`, `1.6`, ...).
    pub size_gb: String,
    /// How long a response is cached.
    pub ttl_seconds: u32,
}

/// How to build the API.
pub struct RestApi<'a> {
    /// Logical ID prefix (`Api` gives `Api`, `ApiStage`, ...).
    pub name: &'a str,
    /// The API's description.
    pub description: &'a str,
    /// Its routes.
    pub routes: &'a [Route],
    /// The function every route proxies to.
    pub function: &'a LogicalId,
    /// A user pool to authorize every route with.
    pub user_pool: Option<&'a LogicalId>,
    /// `REGIONAL` or `EDGE`.
    pub endpoint_type: &'a str,
    /// The stage's name.
    pub stage_name: &'a str,
    /// Requests per second.
    pub throttle_rate: u32,
    /// Requests at once.
    pub throttle_burst: u32,
    /// The stage's cache.
    pub cache: Option<StageCache>,
    /// Days its access logs are kept.
    pub log_retention_days: u32,
    /// Also set the account-wide CloudWatch Logs role API Gateway needs for
    /// access logging (`AWS::ApiGateway::Account`).
    pub manage_account_role: bool,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
    /// Requirement IDs served by the stage cache, when there is one.
    pub cache_requirements: &'a [&'a str],
    /// Requirement IDs served by the authorizer.
    pub auth_requirements: &'a [&'a str],
    /// API-OPTIONS: private endpoint, per-route throttling, usage plan,
    /// custom domain (`None`: none of them).
    pub features: Option<ApiFeatures<'a>>,
}

/// The IDs other resources need.
pub struct RestApiIds {
    /// The API.
    pub api: LogicalId,
    /// Its stage.
    pub stage: LogicalId,
}

/// The JSON access log line format.
pub(crate) const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","user":"$context.authorizer.claims.sub","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency"}"#;

/// `/todos/{todoId}` → `TodosTodoId`.
pub(crate) fn path_id(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            let clean: String = seg.chars().filter(char::is_ascii_alphanumeric).collect();
            let mut c = clean.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Records on `route`'s method, when the API is a REST API, why it takes no
/// authorizer (checkov's CKV_AWS_59, listed by `blueprint explain`).
pub fn accept_open_route(t: &mut Template, api_name: &str, route: &Route, reason: &str) {
    let id = format!("{api_name}{}{}", path_id(route.path), title(route.method));
    if let Some(m) = t.resource_mut(&id) {
        if m.kind() == Method::TYPE {
            m.accepts_risk("CKV_AWS_59", reason);
        }
    }
}

pub(crate) fn title(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    let mut c = lower.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

impl RestApi<'_> {
    /// Adds the API and everything it needs.
    pub fn add_to(&self, t: &mut Template) -> Result<RestApiIds, Error> {
        self.add_to_opening(t, &|_| false)
    }

    /// Like [`RestApi::add_to`], but the routes for which `open` is true
    /// take no authorizer even when the API has a user pool (public reads,
    /// or a route a user deliberately opened).
    pub fn add_to_opening(
        &self,
        t: &mut Template,
        open: &dyn Fn(&Route) -> bool,
    ) -> Result<RestApiIds, Error> {
        let n = self.name;
        let features = self.features;
        let usage_plan = features.and_then(|f| f.usage_plan);
        let api = self.add_api(t)?;
        let authorizer = self.add_authorizer(t, &api)?;
        let path_resources = self.add_path_resources(t, &api)?;
        let (methods, cache_keys) =
            self.add_methods(t, &api, authorizer.as_ref(), &path_resources, open)?;
        let deployment =
            self.add_deployment(t, &api, authorizer.is_some(), &methods, &cache_keys, open)?;
        let stage = self.add_stage(t, &api, &deployment)?;
        if let Some(plan) = usage_plan {
            add_usage_plan(t, n, &api, &stage, self.stage_name, plan)?;
        }
        let domain = features.and_then(|f| f.domain);
        if let Some(domain) = domain {
            add_rest_domain(t, n, domain, &api, &stage, self.stage_name)?;
        }
        self.add_invoke_permission_and_url(t, &api, domain.is_none())?;
        Ok(RestApiIds { api, stage })
    }

    /// The API itself (private, behind a VPC endpoint, as an option).
    fn add_api(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let n = self.name;
        let features = self.features;
        let vpc_endpoint = match features {
            Some(f) if f.endpoint == Endpoint::Private => {
                Some(add_private_endpoint(t, n, f.private)?)
            }
            _ => None,
        };
        let api = t
            .add(
                n,
                RestApiProps {
                    description: Some(self.description.into()),
                    // With a custom domain (TLS 1.2), the default
                    // endpoint would be a second way in: off.
                    disable_execute_api_endpoint: features
                        .and_then(|f| f.domain)
                        .map(|_| true.into()),
                    endpoint_configuration: Some(
                        RestApiEndpointConfiguration {
                            types: Some(vec![self.endpoint_type.to_string().into()].into()),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    minimum_compression_size: Some(1024.into()),
                    name: Some(
                        sub(format!("${{AWS::StackName}}-{}", n.to_ascii_lowercase())).into(),
                    ),
                    policy: vpc_endpoint.as_ref().map(private_policy),
                    ..RestApiProps::default()
                },
            )?
            .satisfies(self.requirements)
            .satisfies(if vpc_endpoint.is_some() {
                &[API_OPTIONS]
            } else {
                &[]
            })
            .id()
            .clone();
        Ok(api)
    }

    /// The user-pool authorizer, when the API has a user pool.
    fn add_authorizer(
        &self,
        t: &mut Template,
        api: &LogicalId,
    ) -> Result<Option<LogicalId>, Error> {
        let n = self.name;
        let authorizer = match self.user_pool {
            Some(pool) => Some(
                t.add(
                    &format!("{n}Authorizer"),
                    Authorizer {
                        identity_source: Some("method.request.header.Authorization".into()),
                        provider_arns: Some(vec![pool.get_att("Arn")].into()),
                        ..Authorizer::new("cognito-user-pool", api.r#ref(), "COGNITO_USER_POOLS")
                    },
                )?
                .satisfies(self.auth_requirements)
                .id()
                .clone(),
            ),
            None => None,
        };
        Ok(authorizer)
    }

    /// One AWS::ApiGateway::Resource per distinct path prefix.
    fn add_path_resources(
        &self,
        t: &mut Template,
        api: &LogicalId,
    ) -> Result<IndexMap<String, LogicalId>, Error> {
        let n = self.name;
        let mut path_resources: IndexMap<String, LogicalId> = IndexMap::new();
        for route in self.routes {
            let segments: Vec<&str> = route.path.split('/').filter(|s| !s.is_empty()).collect();
            for depth in 1..=segments.len() {
                let prefix = format!("/{}", segments[..depth].join("/"));
                if path_resources.contains_key(&prefix) {
                    continue;
                }
                let parent: Value<String> = if depth == 1 {
                    api.get_att("RootResourceId")
                } else {
                    let parent_path = format!("/{}", segments[..depth - 1].join("/"));
                    path_resources
                        .get(&parent_path)
                        .map(LogicalId::r#ref)
                        .ok_or_else(|| Error::Internal(format!("no parent for {prefix}")))?
                };
                let id = t
                    .add(
                        &format!("{n}{}Resource", path_id(&prefix)),
                        Resource::new(parent, segments[depth - 1], api.r#ref()),
                    )?
                    .satisfies(self.requirements)
                    .id()
                    .clone();
                path_resources.insert(prefix, id);
            }
        }
        Ok(path_resources)
    }

    /// One method per route, with the cache keys of the cached GETs.
    fn add_methods(
        &self,
        t: &mut Template,
        api: &LogicalId,
        authorizer: Option<&LogicalId>,
        path_resources: &IndexMap<String, LogicalId>,
        open: &dyn Fn(&Route) -> bool,
    ) -> Result<(Vec<LogicalId>, Vec<String>), Error> {
        let n = self.name;
        let usage_plan = self.features.and_then(|f| f.usage_plan);
        let uri: Value<String> = sub(format!(
            "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{}.Arn}}/invocations",
            self.function
        ))
        .into();
        let mut methods = Vec::new();
        let mut cache_keys = Vec::new();
        for route in self.routes {
            let resource = path_resources
                .get(route.path)
                .ok_or_else(|| Error::Internal(format!("no resource for {}", route.path)))?;
            // A cached GET is keyed by what its answer depends on: the path
            // parameters, the query strings and, behind the user-pool
            // authorizer, the caller's token: one user's todos are never
            // served to another.
            let route_authorizer = authorizer.filter(|_| !open(route));
            let cache_key = (self.cache.is_some() && route.method == "GET")
                .then(|| cache_key_parameters(route.path, route.query, route_authorizer.is_some()));
            let keyed = cache_key.is_some();
            if let Some(key) = &cache_key {
                cache_keys.push(format!(
                    "{} {} cache key {}",
                    route.method,
                    route.path,
                    key.iter()
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ));
            }
            let id = t
                .add(
                    &format!("{n}{}{}", path_id(route.path), title(route.method)),
                    Method {
                        api_key_required: usage_plan.map(|_| true.into()),
                        authorization_type: Some(
                            if route_authorizer.is_some() {
                                "COGNITO_USER_POOLS"
                            } else {
                                "NONE"
                            }
                            .into(),
                        ),
                        authorizer_id: route_authorizer.map(LogicalId::r#ref),
                        integration: Some(
                            Integration {
                                cache_key_parameters: cache_key.as_ref().map(|k| {
                                    k.iter()
                                        .map(|(name, _)| name.clone().into())
                                        .collect::<Vec<_>>()
                                        .into()
                                }),
                                integration_http_method: Some("POST".into()),
                                uri: Some(uri.clone()),
                                ..Integration::new(IntegrationType::AwsProxy)
                            }
                            .into(),
                        ),
                        request_parameters: cache_key.map(|k| {
                            k.into_iter()
                                .map(|(name, required)| (name, required.into()))
                                .collect::<IndexMap<_, _>>()
                                .into()
                        }),
                        ..Method::new(route.method, resource.r#ref(), api.r#ref())
                    },
                )?
                .satisfies(self.requirements)
                .satisfies(if route_authorizer.is_some() {
                    self.auth_requirements
                } else {
                    &[]
                })
                .satisfies(if usage_plan.is_some() {
                    &[API_OPTIONS]
                } else {
                    &[]
                })
                .satisfies(if keyed { self.cache_requirements } else { &[] })
                .id()
                .clone();
            methods.push(id);
        }
        Ok((methods, cache_keys))
    }

    /// The deployment of the methods.
    fn add_deployment(
        &self,
        t: &mut Template,
        api: &LogicalId,
        authorized: bool,
        methods: &[LogicalId],
        cache_keys: &[String],
        open: &dyn Fn(&Route) -> bool,
    ) -> Result<LogicalId, Error> {
        let n = self.name;
        let usage_plan = self.features.and_then(|f| f.usage_plan);
        // A deployment is a snapshot: give it a new logical ID whenever the
        // routes or their authorization change, so CloudFormation makes a new one.
        let mut h = Sha256::new();
        for r in self.routes {
            h.update(format!(
                "{} {} {}\n",
                r.method,
                r.path,
                authorized && !open(r)
            ));
        }
        if usage_plan.is_some() {
            h.update("api key required\n");
        }
        for key in cache_keys {
            h.update(format!("{key}\n"));
        }
        let digest = hex(&h.finalize());
        let deployment = t.add(
            &format!("{n}Deployment{}", &digest[..10]),
            Deployment {
                description: Some(format!("routes {}", &digest[..10]).into()),
                ..Deployment::new(api.r#ref())
            },
        )?;
        for m in methods {
            deployment.depends_on(m);
        }
        deployment.satisfies(self.requirements);
        let deployment = deployment.id().clone();
        Ok(deployment)
    }

    /// The account-wide role API Gateway writes logs with, when this API
    /// manages it.
    fn add_account(&self, t: &mut Template) -> Result<Option<LogicalId>, Error> {
        let n = self.name;
        let account = if self.manage_account_role {
            Some(add_api_account(t, n, self.requirements)?)
        } else {
            None
        };
        Ok(account)
    }

    /// The stage (with its access logs, caching and throttling).
    fn add_stage(
        &self,
        t: &mut Template,
        api: &LogicalId,
        deployment: &LogicalId,
    ) -> Result<LogicalId, Error> {
        let n = self.name;
        let features = self.features;
        let access_logs = add_log_group(
            t,
            &format!("{n}AccessLogs"),
            self.log_retention_days,
            self.requirements,
        )?;

        let account = self.add_account(t)?;
        let cache = self.cache.as_ref();
        let stage_wide = MethodSetting {
            cache_data_encrypted: cache.map(|_| true.into()),
            cache_ttl_in_seconds: cache.map(|c| c.ttl_seconds.into()),
            caching_enabled: Some(cache.is_some().into()),
            data_trace_enabled: Some(false.into()),
            http_method: Some("*".into()),
            metrics_enabled: Some(true.into()),
            resource_path: Some("/*".into()),
            throttling_burst_limit: Some(self.throttle_burst.into()),
            throttling_rate_limit: Some(f64::from(self.throttle_rate).into()),
            ..Default::default()
        };
        let per_route = match features {
            Some(f) => route_method_settings(&stage_wide, f.route_throttling),
            None => Vec::new(),
        };
        let throttled_routes = !per_route.is_empty();
        let mut method_settings = vec![stage_wide];
        method_settings.extend(per_route);
        let stage = t.add(
            &format!("{n}Stage"),
            Stage {
                access_log_setting: Some(
                    AccessLogSetting {
                        destination_arn: Some(access_logs.get_att("Arn")),
                        format: Some(ACCESS_LOG_FORMAT.into()),
                    }
                    .into(),
                ),
                cache_cluster_enabled: cache.map(|_| true.into()),
                cache_cluster_size: cache.map(|c| c.size_gb.clone().into()),
                deployment_id: Some(deployment.r#ref()),
                description: Some(format!("The `{}` stage", self.stage_name).into()),
                method_settings: Some(method_settings.into()),
                stage_name: Some(self.stage_name.into()),
                ..Stage::new(api.r#ref())
            },
        )?;
        stage.satisfies(self.requirements);
        if cache.is_some() {
            stage.satisfies(self.cache_requirements);
        }
        if throttled_routes {
            stage.satisfies(&[API_OPTIONS]);
        }
        if let Some(account) = &account {
            stage.depends_on(account);
        }
        let stage = stage.id().clone();
        Ok(stage)
    }

    /// API Gateway's permission to invoke the function, and the API's URL
    /// output when it has no custom domain.
    fn add_invoke_permission_and_url(
        &self,
        t: &mut Template,
        api: &LogicalId,
        url_output: bool,
    ) -> Result<(), Error> {
        let n = self.name;
        t.add(
            &format!("{n}InvokePermission"),
            Permission {
                source_account: None,
                source_arn: Some(arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{}/*",
                    self.stage_name
                ))),
                ..Permission::new(
                    "lambda:InvokeFunction",
                    self.function.get_att("Arn"),
                    "apigateway.amazonaws.com",
                )
            },
        )?
        .satisfies(self.requirements);

        // With a custom domain, its URL is the output (`{n}DomainUrl`).
        if url_output {
            t.output(
                &format!("{n}Url"),
                "The API's base URL",
                sub(format!(
                    "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}",
                    self.stage_name
                ))
                .into(),
                None,
            )?;
        }
        Ok(())
    }
}

/// The account-wide role API Gateway writes logs with (`<prefix>CloudWatchRole`)
/// and the `AWS::ApiGateway::Account` naming it (`<prefix>Account`), which is
/// returned. Shared by the REST APIs, microservices' API and chat's WebSocket API.
pub fn add_api_account(
    t: &mut Template,
    prefix: &str,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    let role = t
        .add(
            &format!("{prefix}CloudWatchRole"),
            Role {
                managed_policy_arns: Some(
                    vec![arn(
                        "iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                    )]
                    .into(),
                ),
                ..Role::described(
                    PolicyDocument::new(vec![Statement::assume_by_service(&[
                        "apigateway.amazonaws.com",
                    ])]),
                    "Lets API Gateway write access logs to CloudWatch Logs",
                )
            },
        )?
        .satisfies(requirements)
        .id()
        .clone();
    Ok(t.add(
        &format!("{prefix}Account"),
        Account {
            cloud_watch_role_arn: Some(role.get_att("Arn")),
        },
    )?
    .satisfies(requirements)
    .id()
    .clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_are_alphanumeric_and_stable() {
        assert_eq!(path_id("/todos/{todoId}"), "TodosTodoId");
        assert_eq!(
            path_id("/admin/users/{userId}/todos"),
            "AdminUsersUserIdTodos"
        );
        assert_eq!(title("DELETE"), "Delete");
    }
}
